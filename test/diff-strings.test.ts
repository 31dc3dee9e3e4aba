// Differential test of the strings family: the same seeded random string commands (and the
// generic key commands that observe them: DEL, EXISTS, PERSIST, TTL, PTTL, EXPIRE) go to
// Catena and to a real Redis, in RESP2 and RESP3, and every reply must be byte-identical
// (TTL/PTTL within a tolerance). Reproduce a failure with DIFF_SEED=<seed>.
import t from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { runDifferential } from './helpers/differential';
import { generate } from './diff/gen-strings';

const COUNT = Number(process.env.DIFF_COUNT ?? 12000);

for (const proto of [2, 3] as const) {
  t.test(`strings commands answer as Redis 7.0 (RESP${proto})`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) {
      t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
      return;
    }
    const catena = await startCatena(t);
    const r = await runDifferential(t, {
      label: `strings RESP${proto}`,
      catenaPort: catena.port,
      redisPort: redis.port,
      redisHost: redis.host,
      seed: proto === 2 ? 0x5712 : 0x5713,
      count: COUNT,
      proto,
      generate,
    });
    t.equal(r.mismatches, 0);
    t.ok(r.sent >= COUNT, `sent ${r.sent} commands`);
  });
}
