// Differential test of the keys family: the same seeded random generic-key commands (with
// string, hash, set, list and sorted-set writes mixed in) go to Catena and to a real Redis, in RESP2 and RESP3, and every
// reply must be byte-identical, or equal under the comparison gen-keys.ts documents for
// timing-, order- or randomness-dependent replies. Reproduce a failure with DIFF_SEED=<seed>.
import t from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { runDifferential } from './helpers/differential';
import { generate } from './diff/gen-keys';

const COUNT = Number(process.env.DIFF_COUNT ?? 12000);

for (const proto of [2, 3] as const) {
  t.test(`keys commands answer as Redis 7.0 (RESP${proto})`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) {
      t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
      return;
    }
    const catena = await startCatena(t);
    const seed = proto === 2 ? 0x6b21 : 0x6b31;
    const r = await runDifferential(t, {
      label: `keys RESP${proto}`,
      catenaPort: catena.port,
      redisPort: redis.port,
      redisHost: redis.host,
      seed,
      count: COUNT,
      proto,
      generate,
    });
    t.equal(r.mismatches, 0);
    t.ok(r.sent >= COUNT, `sent ${r.sent} commands`);
  });
}
