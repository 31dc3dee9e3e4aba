// The foundation's differential test run through a 3-node cluster (R=3): every generated
// command goes to one node of the cluster — a different node for each batch, so writes are
// forwarded to heads and reads to tails over the authenticated transport — and to a real
// Redis, and the replies must be byte-identical. Keys are put in one chain with a hash tag
// ({c}), the same on both sides, as the chain issue asks ("single-chain keys"): commands
// that must be atomic across keys then stay legal.
import t from 'tap';
import { startCluster } from '../helpers/cluster';
import { startRedis } from '../helpers/redis-oracle';
import { runDifferential, type DiffCommand, type Vocab } from '../helpers/differential';
import { keyIndexes } from '../../src/commands/spec';
import { buildTable } from '../../src/commands/table';
import { specOf } from '../../src/cluster/chain-host';
import { generate as strings } from '../diff/gen-strings';
import { generate as hashes } from '../diff/gen-hashes';
import { generate as lists } from '../diff/gen-lists';
import { generate as sets } from '../diff/gen-sets';
import { generate as zsets } from '../diff/gen-zsets';
import { generate as bitmaps } from '../diff/gen-bitmaps';
import { generate as hll } from '../diff/gen-hll';

const table = buildTable();

/** The same command with every key argument in the {c} hash slot. */
function tagged(gen: (v: Vocab, i: number) => DiffCommand): (v: Vocab, i: number) => DiffCommand {
  return (v, i) => {
    const c = gen(v, i);
    const spec = specOf(table, c.args);
    if (spec === null) return c;
    const args = c.args.slice();
    let keys: number[];
    try {
      keys = keyIndexes(spec, args);
    } catch {
      return c; // malformed on purpose (wrong arity): no key to tag
    }
    for (const k of keys) if (k < args.length) args[k] = `{c}${args[k] as string}`;
    return { ...c, args };
  };
}

const families: Array<[string, (v: Vocab, i: number) => DiffCommand]> = [
  ['strings', strings],
  ['hashes', hashes],
  ['lists', lists],
  ['sets', sets],
  ['zsets', zsets],
  ['bitmaps', bitmaps],
  ['hll', hll],
];

const count = Number(process.env.DIFF_COUNT ?? 1500);

for (const [family, gen] of families) {
  t.test(`${family} through a 3-node cluster answer as Redis 7.0`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) return t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
    const cluster = await startCluster(t, { nodes: 3 });
    for (const proto of [2, 3] as const) {
      const node = cluster.nodes[proto === 2 ? 1 : 2]!;
      const r = await runDifferential(t, {
        label: `${family} via cluster RESP${proto}`,
        catenaPort: node.port,
        redisPort: redis.port,
        redisHost: redis.host,
        seed: 0xc1 + proto,
        count,
        proto,
        generate: tagged(gen),
      });
      t.equal(r.mismatches, 0, `RESP${proto}: no reply differs`);
    }
    // And the chain's replicas agree.
    for (const [chain, digests] of cluster.chainDigests()) t.equal(new Set(digests.values()).size, 1, `replicas of ${chain} agree`);
  });
}
