// Differential test of the lists family: the same seeded random list commands (blocking forms
// included, served at once or timing out at once) go to Catena and to a real Redis 7.0, in
// RESP2 and RESP3, and every reply must be byte-identical. Reproduce a failure with
// DIFF_SEED=<seed>; DIFF_COUNT changes the length.
import t from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { runDifferential } from './helpers/differential';
import { generate } from './diff/gen-lists';

const COUNT = Number(process.env.DIFF_COUNT ?? 10000);

for (const proto of [2, 3] as const) {
  t.test(`list commands answer as Redis 7.0 (RESP${proto})`, async (t) => {
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
    const r = await runDifferential(t, {
      label: `lists RESP${proto}`,
      catenaPort: catena.port,
      redisPort: redis.port,
      redisHost: redis.host,
      seed: proto === 2 ? 0x1157 : 0x1153,
      count: COUNT,
      proto,
      generate,
    });
    t.equal(r.mismatches, 0);
    t.ok(r.sent >= COUNT, `sent ${r.sent} commands`);
    t.equal(catena.server.blocking.blockedCount, 0, 'no client is left blocked');
  });
}
