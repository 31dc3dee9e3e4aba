// Differential test of the hll family: the same seeded random commands go to Catena and to
// a real Redis, in RESP2 and RESP3, and every reply must be byte-identical (see
// test/diff/gen-hll.ts for what is generated). Reproduce a failure with DIFF_SEED=<seed>.
import t from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { runDifferential } from './helpers/differential';
import { generate } from './diff/gen-hll';

const COUNT = Number(process.env.DIFF_COUNT ?? 12000);

for (const proto of [2, 3] as const) {
  t.test(`HyperLogLog commands (PFADD, PFCOUNT, PFMERGE, PFDEBUG) and HLL values moved with GET/SET answer as Redis 7.0 (RESP${proto})`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) {
      t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
      return;
    }
    const catena = await startCatena(t);
    const r = await runDifferential(t, {
      label: `hll RESP${proto}`,
      catenaPort: catena.port,
      redisPort: redis.port,
      redisHost: redis.host,
      seed: proto === 2 ? 0x4111 : 0x4112,
      count: COUNT,
      proto,
      generate,
    });
    t.equal(r.mismatches, 0);
    t.ok(r.sent >= COUNT, `sent ${r.sent} commands`);
  });
}
