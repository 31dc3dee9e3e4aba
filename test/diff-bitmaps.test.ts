// Differential test of the bitmaps family: the same seeded random commands go to Catena and to
// a real Redis, in RESP2 and RESP3, and every reply must be byte-identical (see
// test/diff/gen-bitmaps.ts for what is generated). Reproduce a failure with DIFF_SEED=<seed>.
import t from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { runDifferential } from './helpers/differential';
import { generate } from './diff/gen-bitmaps';

const COUNT = Number(process.env.DIFF_COUNT ?? 12000);

for (const proto of [2, 3] as const) {
  t.test(`bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD) answer as Redis 7.0 (RESP${proto})`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) {
      t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
      return;
    }
    const catena = await startCatena(t);
    const r = await runDifferential(t, {
      label: `bitmaps RESP${proto}`,
      catenaPort: catena.port,
      redisPort: redis.port,
      redisHost: redis.host,
      seed: proto === 2 ? 0xb17a : 0xb17b,
      count: COUNT,
      proto,
      generate,
    });
    t.equal(r.mismatches, 0);
    t.ok(r.sent >= COUNT, `sent ${r.sent} commands`);
  });
}
