// Every data family through node-redis (npm `redis`), RESP2 and RESP3, compared with the same
// calls on a real Redis through the same client: what an application using node-redis sees
// (its reply transformations included) must be identical. Complements the byte-level
// differential tests, which do not go through a client library.
import t from 'tap';
import { createClient, RESP_TYPES } from 'redis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';

type Client = ReturnType<typeof createClient>;
type Step = [string, (c: Client) => Promise<unknown>];

const steps: Step[] = [
  // strings and keys
  ['set/get', async (c) => [await c.set('s', 'v', { EX: 100 }), await c.get('s'), await c.ttl('s')]],
  ['incr family', async (c) => [await c.incr('n'), await c.incrBy('n', 41), await c.incrByFloat('n', 0.5), await c.decr('x')]],
  ['mset/mget/append', async (c) => [await c.mSet({ a: '1', b: '2' }), await c.mGet(['a', 'b', 'zz']), await c.append('a', 'xyz'), await c.getRange('a', 1, -1)]],
  ['keys', async (c) => [await c.exists(['a', 'b', 'q']), await c.type('a'), await c.rename('b', 'b2'), await c.del(['a', 'b2'])]],
  // sorted sets
  ['zadd/zscore', async (c) => [await c.zAdd('z', [{ score: 1.5, value: 'a' }, { score: 0.1, value: 'b' }, { score: 3, value: 'c' }]), await c.zScore('z', 'b'), await c.zIncrBy('z', 2, 'a')]],
  ['zrange', async (c) => [await c.zRange('z', 0, -1), await c.zRangeWithScores('z', 0, -1), await c.zRange('z', 1, 3, { BY: 'SCORE' })]],
  ['zrank/zcount/zcard', async (c) => [await c.zRank('z', 'c'), await c.zRevRank('z', 'c'), await c.zCount('z', '-inf', '+inf'), await c.zCard('z')]],
  ['zpop', async (c) => [await c.zPopMin('z'), await c.zPopMax('z'), await c.zRangeWithScores('z', 0, -1)]],
  ['zunionstore', async (c) => {
    await c.zAdd('z1', [{ score: 1, value: 'x' }, { score: 2, value: 'y' }]);
    await c.zAdd('z2', [{ score: 10, value: 'y' }]);
    return [await c.zUnionStore('z3', ['z1', 'z2']), await c.zRangeWithScores('z3', 0, -1)];
  }],
  // lists
  ['lists', async (c) => [await c.rPush('l', ['a', 'b', 'c']), await c.lPop('l'), await c.lRange('l', 0, -1), await c.lPos('l', 'c'), await c.lLen('l')]],
  // hashes and sets
  ['hashes', async (c) => [await c.hSet('h', { f1: 'v1', f2: '2' }), await c.hGetAll('h'), await c.hIncrBy('h', 'f2', 5), await c.hmGet('h', ['f1', 'nope'])]],
  ['sets', async (c) => [await c.sAdd('st', ['1', '2', '3']), await c.sIsMember('st', '2'), await c.smIsMember('st', ['1', '9']), await c.sCard('st'), (await c.sMembers('st')).sort()]],
  // bitmaps
  ['setbit/getbit/bitcount', async (c) => [await c.setBit('bm', 7, 1), await c.setBit('bm', 100, 1), await c.getBit('bm', 7), await c.bitCount('bm'), await c.bitPos('bm', 1)]],
  ['bitop/bitfield', async (c) => {
    await c.set('b1', 'abc');
    await c.set('b2', 'xyz');
    return [
      await c.bitOp('XOR', 'b3', ['b1', 'b2']),
      await c.get('b3'),
      await c.bitField('bf', [
        { operation: 'SET', encoding: 'u8', offset: 0, value: 200 },
        { operation: 'INCRBY', encoding: 'u8', offset: 0, increment: 100 },
        { operation: 'GET', encoding: 'i4', offset: 4 },
      ]),
    ];
  }],
  // HyperLogLog
  ['pfadd/pfcount/pfmerge', async (c) => {
    const many = Array.from({ length: 500 }, (_, i) => `e${i}`);
    return [
      await c.pfAdd('hll1', many),
      await c.pfAdd('hll2', ['e1', 'x', 'y']),
      await c.pfCount('hll1'),
      await c.pfCount(['hll1', 'hll2']),
      await c.pfMerge('hll3', ['hll1', 'hll2']),
      await c.pfCount('hll3'),
    ];
  }],
  ['binary values', async (c) => {
    const bin = Buffer.from([0, 13, 10, 255, 128]);
    await c.set('bin', bin);
    const typed = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    return [(await typed.get('bin'))?.toString('hex')];
  }],
  ['errors', async (c) => {
    const out: string[] = [];
    for (const f of [() => c.incr('h'), () => c.lPush('s2x', 'a').then(() => c.get('s2x')), () => c.zAdd('z1', { score: Number.NaN, value: 'q' })]) {
      try {
        await f();
        out.push('no error');
      } catch (e) {
        out.push((e as Error).message);
      }
    }
    return out;
  }],
];

async function runAll(url: string, resp: 2 | 3): Promise<unknown[]> {
  // The steps are written against the default client type; RESP only changes reply shapes.
  const c = createClient({ url, RESP: resp }) as unknown as Client;
  c.on('error', () => {});
  await c.connect();
  try {
    await c.flushAll();
    const out: unknown[] = [];
    for (const [, step] of steps) out.push(await step(c));
    return out;
  } finally {
    c.destroy();
  }
}

for (const resp of [2, 3] as const) {
  t.test(`node-redis RESP${resp}: every family answers as Redis does through the client`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) return t.plan(0, 'no redis-server to compare with');
    const cat = await startCatena(t);
    const want = await runAll(redis.url, resp);
    const got = await runAll(cat.url, resp);
    steps.forEach(([name], i) => t.same(got[i], want[i], name));
    // The comparison is not vacuous: the reference answers hold real data.
    const at = (name: string) => got[steps.findIndex(([n]) => n === name)] as unknown[];
    t.equal(at('zadd/zscore')[0], 3, 'ZADD added three members');
    t.ok(Math.abs(Number(at('pfadd/pfcount/pfmerge')[2]) - 500) < 15, 'PFCOUNT estimates 500');
    t.equal(at('binary values')[0], '000d0aff80', 'binary round trip');
  });
}
