// Differential test of the sorted-set family: the same seeded random zset commands go to
// Catena and to a real Redis 7.0, in RESP2 and RESP3, and every reply must be byte-identical
// (random replies — ZRANDMEMBER, ZSCAN of a skiplist — by shape; see gen-zsets.ts). The
// workload crosses the listpack/skiplist thresholds, so OBJECT ENCODING is compared too.
// Reproduce a failure with DIFF_SEED=<seed>; DIFF_COUNT changes the length.
import t from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { runDifferential } from './helpers/differential';
import { generate, generateWithSets } from './diff/gen-zsets';

const COUNT = Number(process.env.DIFF_COUNT ?? 12000);

for (const proto of [2, 3] as const) {
  t.test(`sorted-set commands answer as Redis 7.0 (RESP${proto})`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) {
      t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
      return;
    }
    const catena = await startCatena(t);
    if (proto === 3 && !catena.server.table.has('hello')) {
      t.plan(0, 'HELLO is not in the command table yet: RESP3 cannot be negotiated');
      return;
    }
    // SET values join the ZUNION/ZINTER/ZDIFF inputs once Catena has sets.
    const sets = catena.server.table.has('sadd');
    const r = await runDifferential(t, {
      label: `zsets RESP${proto}${sets ? ' (with set inputs)' : ''}`,
      catenaPort: catena.port,
      redisPort: redis.port,
      redisHost: redis.host,
      seed: proto === 2 ? 0x25e7 : 0x25e3,
      count: COUNT,
      proto,
      generate: sets ? generateWithSets : generate,
    });
    t.equal(r.mismatches, 0);
    t.ok(r.sent >= COUNT, `sent ${r.sent} commands`);
    t.equal(catena.server.blocking.blockedCount, 0, 'no client is left blocked');
  });
}
