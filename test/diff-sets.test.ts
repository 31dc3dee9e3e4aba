// Differential test of the sets family: the same seeded random set commands (and the
// generic key commands that observe them: OBJECT ENCODING, DUMP, TYPE, EXISTS, DEL, EXPIRE,
// TTL) go to Catena and to a real Redis, in RESP2 and RESP3, and every reply must be
// byte-identical — except where Redis's order is a hash table's or the reply is random,
// which test/diff/gen-sets.ts compares order-insensitively or by shape, as its model of the
// keyspace decides. Reproduce a failure with DIFF_SEED=<seed>; DIFF_COUNT changes the length.
import t, { type Test } from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { runDifferential } from './helpers/differential';
import { SetReply, type Reply } from '../src/resp/reply';
import type { DataHandler } from '../src/commands/spec';
import { generate, orderStats } from './diff/gen-sets';

const COUNT = Number(process.env.DIFF_COUNT ?? 12000);

for (const proto of [2, 3] as const) {
  t.test(`sets commands answer as Redis 7.0 (RESP${proto})`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) {
      t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
      return;
    }
    const catena = await startCatena(t);
    const r = await runDifferential(t, {
      label: `sets RESP${proto}`,
      catenaPort: catena.port,
      redisPort: redis.port,
      redisHost: redis.host,
      seed: proto === 2 ? 0x5e72 : 0x5e73,
      count: COUNT,
      proto,
      generate,
    });
    t.equal(r.mismatches, 0);
    t.ok(r.sent >= COUNT, `sent ${r.sent} commands`);
    // Both comparison modes must have been exercised, or the run proved less than it claims.
    t.ok(orderStats.exact > 0 && orderStats.unordered > 0, `ordered replies compared exactly: ${orderStats.exact}, order-insensitively: ${orderStats.unordered}`);
  });
}

// Negative control (STYLE #8): a Catena whose SMEMBERS reverses its reply must be caught, which
// proves the comparison is exact where Redis's order is defined (intset order) and that the
// model deciding where it is defined does say so.
t.test('negative control: SMEMBERS answering in reverse order is caught', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) {
    t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
    return;
  }
  const catena = await startCatena(t);
  const spec = catena.server.table.get('smembers') as { data: DataHandler };
  const real = spec.data;
  const reverse = (r: Reply): Reply => {
    if (Array.isArray(r)) return [...r].reverse();
    if (r instanceof SetReply) return new SetReply([...r.items].reverse());
    return r;
  };
  spec.data = (x, args) => reverse(real(x, args));
  const failures: string[] = [];
  const probe = { fail: (m: string) => failures.push(m), pass: () => undefined } as unknown as Test;
  const r = await runDifferential(probe, {
    label: 'broken sets',
    catenaPort: catena.port,
    redisPort: redis.port,
    redisHost: redis.host,
    seed: 0x0bad,
    count: 5000,
    proto: 2,
    generate,
  });
  t.equal(r.mismatches, 1, `the reversed reply was found (after ${r.sent} commands)`);
  t.match(failures[0] ?? '', /reply differs from Redis/);
});
