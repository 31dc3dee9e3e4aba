// The sets family against Redis 7.0's t_set.c: a scripted tour of every command and its edge
// cases byte-for-byte against a real Redis (RESP2 and RESP3), encodings at the thresholds
// (intset width upgrades included, which DUMP shows), DUMP/RESTORE, keyspace events in
// Redis's order, the same commands through ioredis and node-redis, 100k-member sets compared
// with Redis, the effects every command emits (replayed into an empty keyspace they rebuild
// it — same digest, same encodings, same iteration order; sized by the change), and the cost
// of SADD/SISMEMBER as a set grows to 1M members.
import t from 'tap';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { keyspaceEventsOf } from './helpers/scripted';
import { Vocab } from './helpers/differential';
import { generate } from './diff/gen-sets';
import { buildTable } from '../src/commands/table';
import { Keyspace } from '../src/engine/keyspace';
import { Engine } from '../src/engine/engine';
import { applyEffect, type Effect } from '../src/engine/effects';
import { keyspaceDigest } from '../src/engine/digest';
import { Rng } from '../src/engine/rng';
import { crc64LE } from '../src/engine/crc64';
import { SetValue } from '../src/engine/types/set';
import type { UpdateCtx } from '../src/engine/exec';

/**
 * Timing measurements are not tests (CI must never depend on timing): the cost-by-size table
 * runs only with CATENA_COSTS=1. `npm run bench:collections` measures it next to Redis.
 */
const costsSkip: string | false = process.env.CATENA_COSTS ? false : 'timing measurement: set CATENA_COSTS=1 (or npm run bench:collections)';


function ints(from: number, n: number): string[] {
  const out: string[] = [];
  for (let i = from; i < from + n; i++) out.push(String(i));
  return out;
}

/** Commands run one by one on both servers; replies compared byte for byte. */
const TOUR: string[][] = [
  ['SADD', 's', '3', '1', '2', '1'],
  ['SMEMBERS', 's'],
  ['SCARD', 's'],
  ['SISMEMBER', 's', '1'],
  ['SISMEMBER', 's', '01'],
  ['SISMEMBER', 's', 'x'],
  ['SISMEMBER', 'nokey', '1'],
  ['SMISMEMBER', 's', '1', '5', '2', 'x'],
  ['SMISMEMBER', 'nokey', '1', '2'],
  ['SCARD', 'nokey'],
  ['SMEMBERS', 'nokey'],
  ['OBJECT', 'ENCODING', 's'],
  ['SADD', 's', '3'],
  ['SREM', 's', '3', '3', '9'],
  ['SREM', 'nokey', '1'],
  ['SREM', 's', '1', '2', '7'],
  ['EXISTS', 's'],
  // Integers: only canonical int64 strings keep an intset.
  ['SADD', 'n', '-0', '01', '+1', '1', ' 1', '1 ', '1.0'],
  ['OBJECT', 'ENCODING', 'n'],
  ['SCARD', 'n'],
  ['SADD', 'm', '9223372036854775807', '-9223372036854775808', '0', '-1'],
  ['SMEMBERS', 'm'],
  ['OBJECT', 'ENCODING', 'm'],
  ['SISMEMBER', 'm', '-9223372036854775808'],
  ['SISMEMBER', 'm', '9223372036854775808'],
  ['SADD', 'm', '9223372036854775808'],
  ['OBJECT', 'ENCODING', 'm'],
  // Intset widths grow (16, 32, 64 bits) and never shrink: DUMP shows them.
  ['SADD', 'w', '1', '2'],
  ['DUMP', 'w'],
  ['SADD', 'w', '40000'],
  ['DUMP', 'w'],
  ['SREM', 'w', '40000'],
  ['DUMP', 'w'],
  ['SADD', 'w', '-3000000000'],
  ['DUMP', 'w'],
  ['SMEMBERS', 'w'],
  ['SADD', 'bin', 'a\x00b', '\xff', '', 'x'],
  ['SISMEMBER', 'bin', 'a\x00b'],
  ['SISMEMBER', 'bin', ''],
  ['SCARD', 'bin'],
  // SPOP and SRANDMEMBER: errors, missing keys, counts of 0, the whole set.
  ['SADD', 'p', '5', '3', '9'],
  ['SPOP', 'nokey'],
  ['SPOP', 'nokey', '3'],
  ['SPOP', 'nokey', '0'],
  ['SPOP', 'p', '0'],
  ['SPOP', 'p', '-1'],
  ['SPOP', 'p', 'x'],
  ['SPOP', 'p', '1.5'],
  ['SPOP', 'p', ''],
  ['SPOP', 'p', '9223372036854775808'],
  ['SPOP', 'p', '1', '2'],
  ['SRANDMEMBER', 'nokey'],
  ['SRANDMEMBER', 'nokey', '3'],
  ['SRANDMEMBER', 'nokey', '-3'],
  ['SRANDMEMBER', 'p', '0'],
  ['SRANDMEMBER', 'p', '3'],
  ['SRANDMEMBER', 'p', '100'],
  ['SRANDMEMBER', 'p', '9223372036854775807'],
  ['SRANDMEMBER', 'p', '-9223372036854775807', 'x'],
  ['SRANDMEMBER', 'p', '-9223372036854775808'],
  ['SRANDMEMBER', 'p', '9223372036854775808'],
  ['SRANDMEMBER', 'p', 'x'],
  ['SRANDMEMBER', 'p', '1', '2'],
  ['SADD', 'p1', 'only'],
  ['SRANDMEMBER', 'p1'],
  ['SRANDMEMBER', 'p1', '-3'],
  ['SRANDMEMBER', 'p1', '1'],
  ['SPOP', 'p1'],
  ['EXISTS', 'p1'],
  ['SPOP', 'p', '3'],
  ['EXISTS', 'p'],
  ['SADD', 'p', '4', '1', '10', '2'],
  ['SPOP', 'p', '100'],
  ['EXISTS', 'p'],
  ['SADD', 'p', 'b', 'x', '1'],
  ['SREM', 'p', 'b', 'x'],
  ['OBJECT', 'ENCODING', 'p'],
  ['SADD', 'p', '30', '-5'],
  ['SPOP', 'p', '3'],
  // SMOVE.
  ['SADD', 'src', 'a', 'b'],
  ['SMOVE', 'src', 'dst', 'a'],
  ['SMOVE', 'src', 'dst', 'zz'],
  ['SMOVE', 'nokey', 'dst', 'a'],
  ['SMOVE', 'src', 'src', 'b'],
  ['SMOVE', 'src', 'src', 'zz'],
  ['SMOVE', 'src', 'dst', 'b'],
  ['EXISTS', 'src'],
  ['SCARD', 'dst'],
  ['SMISMEMBER', 'dst', 'a', 'b'],
  ['SADD', 'isrc', '1', '2'],
  ['SMOVE', 'isrc', 'idst', '2'],
  ['OBJECT', 'ENCODING', 'idst'],
  ['SMOVE', 'dst', 'idst', 'a'],
  ['OBJECT', 'ENCODING', 'idst'],
  // Algebra: intsets answer in ascending order.
  ['SADD', 'a', '1', '2', '3', '4', '5'],
  ['SADD', 'b', '4', '5', '6'],
  ['SADD', 'c', '5', '7'],
  ['SINTER', 'a', 'b'],
  ['SINTER', 'a', 'b', 'c'],
  ['SINTER', 'a'],
  ['SINTER', 'a', 'a'],
  ['SINTER', 'a', 'nokey'],
  ['SINTER', 'nokey', 'a'],
  ['SUNION', 'a', 'b', 'c'],
  ['SUNION', 'a', 'nokey'],
  ['SUNION', 'nokey'],
  ['SDIFF', 'a', 'b', 'c'],
  ['SDIFF', 'a', 'nokey'],
  ['SDIFF', 'nokey', 'a'],
  ['SDIFF', 'a', 'a'],
  ['SDIFF', 'b', 'a'],
  ['SINTERSTORE', 'd', 'a', 'b'],
  ['SMEMBERS', 'd'],
  ['OBJECT', 'ENCODING', 'd'],
  ['SUNIONSTORE', 'd', 'a', 'b', 'c'],
  ['SMEMBERS', 'd'],
  ['SDIFFSTORE', 'd', 'a', 'b'],
  ['SMEMBERS', 'd'],
  ['SINTERSTORE', 'd', 'a', 'nokey'],
  ['EXISTS', 'd'],
  ['SUNIONSTORE', 'd', 'nokey'],
  ['SDIFFSTORE', 'd', 'a', 'a'],
  ['SUNIONSTORE', 'a', 'a', 'c'],
  ['SMEMBERS', 'a'],
  ['SET', 'str', 'x'],
  ['EXPIRE', 'str', '1000'],
  ['SUNIONSTORE', 'str', 'b'],
  ['TTL', 'str'],
  ['TYPE', 'str'],
  ['SINTERCARD', '2', 'a', 'b'],
  ['SINTERCARD', '3', 'a', 'b', 'c'],
  ['SINTERCARD', '1', 'a', 'LIMIT', '2'],
  ['SINTERCARD', '1', 'a', 'limit', '0'],
  ['SINTERCARD', '1', 'a', 'LIMIT', '1', 'LIMIT', '3'],
  ['SINTERCARD', '1', 'nokey'],
  ['SINTERCARD', '2', 'a', 'nokey'],
  ['SINTERCARD', '0', 'a'],
  ['SINTERCARD', '-1', 'a'],
  ['SINTERCARD', 'x', 'a'],
  ['SINTERCARD', '2', 'a'],
  ['SINTERCARD', '9223372036854775807', 'a'],
  ['SINTERCARD', '1', 'a', 'LIMIT'],
  ['SINTERCARD', '1', 'a', 'LIMIT', '-1'],
  ['SINTERCARD', '1', 'a', 'LIMIT', 'x'],
  ['SINTERCARD', '1', 'a', 'FOO', '1'],
  ['SINTERCARD', '1', 'a', 'limit\x00x', '1'],
  // Wrong type, everywhere (also behind a missing key).
  ['SET', 'w1', 'x'],
  ['SADD', 'w1', 'a'],
  ['SREM', 'w1', 'a'],
  ['SISMEMBER', 'w1', 'a'],
  ['SMISMEMBER', 'w1', 'a'],
  ['SCARD', 'w1'],
  ['SMEMBERS', 'w1'],
  ['SPOP', 'w1'],
  ['SPOP', 'w1', '2'],
  ['SPOP', 'w1', '-2'],
  ['SRANDMEMBER', 'w1'],
  ['SRANDMEMBER', 'w1', '2'],
  ['SRANDMEMBER', 'w1', 'x'],
  ['SMOVE', 'w1', 'b', '4'],
  ['SMOVE', 'b', 'w1', '4'],
  ['SMOVE', 'nokey', 'w1', '4'],
  ['SINTER', 'nokey', 'w1'],
  ['SINTER', 'w1', 'nokey'],
  ['SUNION', 'nokey', 'w1'],
  ['SDIFF', 'nokey', 'w1'],
  ['SINTERSTORE', 'd', 'nokey', 'w1'],
  ['SUNIONSTORE', 'd', 'b', 'w1'],
  ['SDIFFSTORE', 'd', 'b', 'w1'],
  ['SINTERCARD', '2', 'nokey', 'w1'],
  ['SSCAN', 'w1', '0'],
  // Arity.
  ['SADD', 's'],
  ['SREM', 's'],
  ['SMOVE', 's', 'd'],
  ['SINTERCARD', '1'],
  ['SMISMEMBER', 's'],
  ['SPOP'],
  ['SSCAN', 's'],
  // Encodings at the thresholds: 512 vs 513 integers, a non-integer.
  ['SADD', 'c512', ...ints(0, 512)],
  ['OBJECT', 'ENCODING', 'c512'],
  ['SADD', 'c512', '100'],
  ['OBJECT', 'ENCODING', 'c512'],
  ['SADD', 'c512', '512'],
  ['OBJECT', 'ENCODING', 'c512'],
  ['SREM', 'c512', '512'],
  ['OBJECT', 'ENCODING', 'c512'],
  ['SADD', 'c513', ...ints(0, 513)],
  ['OBJECT', 'ENCODING', 'c513'],
  ['SADD', 'ix', '1', 'x'],
  ['OBJECT', 'ENCODING', 'ix'],
  ['SREM', 'ix', 'x'],
  ['OBJECT', 'ENCODING', 'ix'],
  ['SADD', 'xi', 'x', '1'],
  ['OBJECT', 'ENCODING', 'xi'],
  ['SADD', 'big1', ...ints(0, 300)],
  ['SADD', 'big2', ...ints(200, 400)],
  ['SUNIONSTORE', 'u', 'big1', 'big2'],
  ['OBJECT', 'ENCODING', 'u'],
  ['SINTERSTORE', 'i', 'big1', 'big2'],
  ['OBJECT', 'ENCODING', 'i'],
  ['SMEMBERS', 'i'],
  ['SDIFF', 'big2', 'big1'],
  ['CONFIG', 'SET', 'set-max-intset-entries', '2'],
  ['SADD', 't2', '1', '2'],
  ['OBJECT', 'ENCODING', 't2'],
  ['SADD', 't2', '3'],
  ['OBJECT', 'ENCODING', 't2'],
  ['SADD', 't0', '1', '2', '3'],
  ['OBJECT', 'ENCODING', 't0'],
  ['SUNIONSTORE', 't3', 'a'],
  ['OBJECT', 'ENCODING', 't3'],
  ['CONFIG', 'SET', 'set-max-intset-entries', '0'],
  ['SADD', 't4', '1'],
  ['OBJECT', 'ENCODING', 't4'],
  ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
  // SSCAN: an intset comes back whole with cursor 0.
  ['SSCAN', 'a', '0'],
  ['SSCAN', 'a', '5', 'COUNT', '1'],
  ['SSCAN', 'a', '0', 'MATCH', '1*'],
  ['SSCAN', 'a', '0', 'MATCH', '*'],
  ['SSCAN', 'a', '0', 'COUNT', '0'],
  ['SSCAN', 'a', '0', 'COUNT', 'x'],
  ['SSCAN', 'a', '0', 'TYPE', 'set'],
  ['SSCAN', 'a', '0', 'MATCH'],
  ['SSCAN', 'a', 'x'],
  ['SSCAN', 'a', '-1'],
  ['SSCAN', 'a', ''],
  ['SSCAN', 'nokey', '0', 'junk'],
  ['SADD', 'one', 'member'],
  ['SSCAN', 'one', '0'],
  ['SSCAN', 'one', '0', 'MATCH', 'm*'],
  ['SMEMBERS', 'one'],
  // DUMP of an intset is Redis's intset, byte for byte.
  ['DUMP', 'a'],
  ['DUMP', 'one'],
  ['COPY', 'a', 'a2'],
  ['SMEMBERS', 'a2'],
  ['DUMP', 'a2'],
  ['TYPE', 'a'],
];

async function transcript(port: number, proto: 2 | 3, cmds: string[][]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const out: string[] = [];
    if (proto === 3) {
      c.send(['HELLO', '3']);
      await c.read();
    }
    c.send(['FLUSHALL']);
    await c.read();
    for (const cmd of cmds) {
      c.send(cmd);
      out.push(`${cmd.slice(0, 8).map((a) => JSON.stringify(a)).join(' ')}${cmd.length > 8 ? ` …(${cmd.length} args)` : ''} → ${JSON.stringify((await c.read()).raw)}`);
    }
    return out;
  } finally {
    c.close();
  }
}

for (const proto of [2, 3] as const) {
  t.test(`every set command and its edge cases answer byte-for-byte as Redis 7.0 (RESP${proto})`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) return t.plan(0, 'no redis-server to compare with');
    const cat = await startCatena(t);
    const theirs = await transcript(redis.port, proto, TOUR);
    const mine = await transcript(cat.port, proto, TOUR);
    t.equal(mine.length, TOUR.length);
    for (let i = 0; i < TOUR.length; i++) if (mine[i] !== theirs[i]) t.equal(mine[i], theirs[i], `command #${i}`);
    t.same(mine, theirs, `${TOUR.length} replies identical`);
  });
}

/** A DUMP payload around an object of `type` whose body is one RDB string holding `blob`. */
function payload(type: number, blob: Buffer): string {
  const len = blob.length;
  const lenBytes = len < 64 ? Buffer.from([len]) : Buffer.from([0x40 | (len >> 8), len & 0xff]);
  const body = Buffer.concat([Buffer.from([type]), lenBytes, blob, Buffer.from([10, 0])]);
  return Buffer.concat([body, crc64LE(body)]).toString('latin1');
}

function intsetBlob(width: number, values: number[]): Buffer {
  const b = Buffer.alloc(8 + width * values.length);
  b.writeUInt32LE(width, 0);
  b.writeUInt32LE(values.length, 4);
  values.forEach((v, i) => {
    if (width === 2) b.writeInt16LE(v, 8 + 2 * i);
    else if (width === 4) b.writeInt32LE(v, 8 + 4 * i);
    else b.writeBigInt64LE(BigInt(v), 8 + 8 * i);
  });
  return b;
}

t.test('DUMP and RESTORE: Redis payloads of every set encoding restore as in Redis', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const rc = await RawClient.connect(redis.port);
  const cc = await RawClient.connect(cat.port);
  t.teardown(() => {
    rc.close();
    cc.close();
  });
  for (const c of [rc, cc]) await c.call('FLUSHALL');
  for (const cmd of [
    ['SADD', 'is', '1', '2', '-70000'],
    ['SADD', 'ht', 'a', 'b', '1'],
    ['SADD', 'allint', '5', 'x', '6'],
    ['SREM', 'allint', 'x'],
  ]) {
    await rc.call(...cmd);
  }
  const sources: Array<[string, string]> = [];
  for (const k of ['is', 'ht', 'allint']) {
    rc.send(['DUMP', k]);
    sources.push([k, (await rc.read()).value as string]);
  }
  sources.push(['wide', payload(11, intsetBlob(8, [1, 2, 3]))]);
  sources.push(['many', payload(11, intsetBlob(2, Array.from({ length: 600 }, (_, i) => i)))]);
  for (const [k, p] of sources) {
    const key = `r-${k}`;
    for (const cmd of [['RESTORE', key, '0', p], ['SCARD', key], ['OBJECT', 'ENCODING', key], ['RESTORE', key, '0', p], ['SISMEMBER', key, '1']]) {
      t.equal(await cc.call(...cmd), await rc.call(...cmd), `${k}: ${cmd.slice(0, 2).join(' ')}`);
    }
    const mine = (await cc.call('SMEMBERS', key)).split('\r\n').sort();
    const theirs = (await rc.call('SMEMBERS', key)).split('\r\n').sort();
    t.same(mine, theirs, `${k}: the same members`);
    if (k === 'is' || k === 'wide') t.equal(await cc.call('DUMP', key), await rc.call('DUMP', key), `${k}: DUMP after RESTORE, width kept`);
  }
  // Corrupt intsets are refused.
  const width3 = Buffer.from([3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]);
  for (const blob of [width3, intsetBlob(2, [2, 1]), intsetBlob(2, [1, 1]), intsetBlob(2, []), Buffer.from([2, 0, 0, 0, 5, 0, 0, 0])]) {
    t.equal(await cc.call('RESTORE', 'bad', '0', payload(11, blob)), '-ERR Bad data format\r\n');
  }
});

t.test('keyspace events come in Redis order (new, sadd, srem, spop, smove, *store, del...)', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const script: string[][] = [
    ['SADD', 'e1', 'a', 'b', 'c'],
    ['SADD', 'e1', 'a'],
    ['SREM', 'e1', 'zz'],
    ['SREM', 'e1', 'a'],
    ['SMOVE', 'e1', 'e2', 'b'],
    ['SMOVE', 'e1', 'e2', 'c'],
    ['SMOVE', 'e2', 'e2', 'c'],
    ['SADD', 'e3', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
    ['SPOP', 'e3'],
    ['SPOP', 'e3', '2'],
    ['SPOP', 'e3', '6'],
    ['SPOP', 'e3', '0'],
    ['SPOP', 'e3', '10'],
    ['SADD', 'e4', 'x'],
    ['SPOP', 'e4'],
    ['SADD', 'a', '1', '2'],
    ['SADD', 'b', '2', '3'],
    ['SINTERSTORE', 'd', 'a', 'b'],
    ['SUNIONSTORE', 'd', 'a', 'b'],
    ['SDIFFSTORE', 'd', 'a', 'b'],
    ['SINTERSTORE', 'd', 'a', 'nokey'],
    ['SINTERSTORE', 'd', 'a', 'nokey'],
    ['SUNIONSTORE', 'd2', 'nokey'],
    ['SREM', 'a', '1', '2'],
  ];
  const run = (port: number): Promise<string[]> => keyspaceEventsOf(port, script, 'KEAn', '__key*@0__:*');

  const theirs = await run(redis.port);
  const mine = await run(cat.port);
  t.ok(theirs.length > 40, `Redis sent ${theirs.length} events`);
  t.same(mine, theirs, 'the same events, in the same order');
});

t.test('ioredis: every set command', async (t) => {
  const cat = await startCatena(t);
  const r = new Redis(cat.port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 0 });
  t.teardown(() => r.disconnect());
  t.equal(await r.sadd('tags', 'red', 'green', 'blue', 'red'), 3);
  t.equal(await r.scard('tags'), 3);
  t.equal(await r.sismember('tags', 'red'), 1);
  t.same(await r.smismember('tags', 'red', 'pink'), [1, 0]);
  t.same((await r.smembers('tags')).sort(), ['blue', 'green', 'red']);
  t.equal(await r.srem('tags', 'blue', 'pink'), 1);
  t.equal(await r.sadd('nums', 3, 1, 2), 3);
  t.same(await r.smembers('nums'), ['1', '2', '3'], 'an intset lists in ascending order');
  t.equal(await r.smove('nums', 'tags', '2'), 1);
  t.same((await r.sunion('nums', 'tags')).sort(), ['1', '2', '3', 'green', 'red']);
  t.same(await r.sinter('nums', 'tags'), []);
  t.same(await r.sdiff('nums', 'tags'), ['1', '3']);
  t.equal(await r.sinterstore('out', 'tags', 'tags'), 3);
  t.equal(await r.sunionstore('out', 'nums', 'tags'), 5);
  t.equal(await r.sdiffstore('out', 'nums', 'tags'), 2);
  t.equal(await r.sintercard(2, 'out', 'nums'), 2);
  t.equal(await r.call('SINTERCARD', '2', 'out', 'nums', 'LIMIT', '1'), 1);
  const m = await r.srandmember('tags');
  t.ok(['red', 'green', '2'].includes(m as string));
  t.equal(((await r.srandmember('tags', -7)) as string[]).length, 7);
  const popped = await r.spop('out', 5);
  t.same(popped.sort(), ['1', '3']);
  t.equal(await r.exists('out'), 0);
  const [cursor, items] = await r.sscan('nums', 0);
  t.same([cursor, items], ['0', ['1', '3']]);
  await r.set('str', 'v');
  await t.rejects(r.sadd('str', 'a'), /WRONGTYPE/);
  t.equal(await r.type('nums'), 'set');
  t.equal(await r.object('ENCODING', 'nums'), 'intset');
  t.equal(await r.object('ENCODING', 'tags'), 'hashtable');
});

t.test('node-redis (RESP3): SMEMBERS is a set, SRANDMEMBER an array', async (t) => {
  const cat = await startCatena(t);
  const c = createClient({ url: cat.url, RESP: 3 });
  await c.connect();
  t.teardown(() => c.destroy());
  await c.sAdd('s', ['3', '1', '2']);
  const members = await c.sMembers('s');
  t.same([...members], ['1', '2', '3']);
  t.same(await c.sRandMemberCount('s', 5), ['1', '2', '3']);
  t.same(await c.sendCommand(['SPOP', 's', '0']), [], 'an empty RESP3 set');
});

t.test('100,000-member sets: the same contents and algebra as in Redis, scanned and sampled correctly', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const r = new Redis(redis.port, redis.host, { maxRetriesPerRequest: 0 });
  const c = new Redis(cat.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
  t.teardown(() => {
    r.disconnect();
    c.disconnect();
  });
  const n = 100000;
  for (const cl of [r, c]) {
    await cl.flushall();
    const p = cl.pipeline();
    for (let i = 0; i < n; i += 1000) {
      const a: string[] = [];
      const b: string[] = [];
      for (let j = i; j < i + 1000; j++) {
        a.push(`m${j}`);
        b.push(j % 3 === 0 ? `m${j}` : String(j));
      }
      p.sadd('A', ...a);
      p.sadd('B', ...b);
    }
    p.sadd('I', ...ints(0, 400));
    p.srem('A', 'm5', 'm6');
    await p.exec();
  }
  t.equal(await c.scard('A'), await r.scard('A'));
  t.equal(await c.scard('B'), n);
  t.equal(await c.object('ENCODING', 'A'), 'hashtable');
  const sorted = async (cl: Redis, ...cmd: string[]): Promise<string[]> => ((await cl.call(...(cmd as [string, ...string[]]))) as string[]).sort();
  for (const cmd of [['SMEMBERS', 'A'], ['SINTER', 'A', 'B'], ['SUNION', 'A', 'B', 'I'], ['SDIFF', 'B', 'A'], ['SDIFF', 'A', 'B', 'I']]) {
    const mine = await sorted(c, ...cmd);
    const theirs = await sorted(r, ...cmd);
    t.equal(mine.length, theirs.length, `${cmd.join(' ')}: ${mine.length} members`);
    t.ok(mine.every((m, i) => m === theirs[i]), `${cmd.join(' ')}: the same members as Redis`);
  }
  t.equal(await c.sinterstore('S', 'A', 'B'), await r.sinterstore('S', 'A', 'B'));
  t.equal(await c.sintercard(2, 'A', 'B'), await r.sintercard(2, 'A', 'B'));
  t.equal(await c.call('SINTERCARD', '2', 'A', 'B', 'LIMIT', '1000'), 1000);
  t.equal(await c.sdiffstore('D', 'B', 'A'), await r.sdiffstore('D', 'B', 'A'));
  t.equal(await c.object('ENCODING', 'D'), await r.object('ENCODING', 'D'));
  t.same(await c.smismember('A', 'm0', 'm5', 'm99999', 'x'), [1, 0, 1, 0]);
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, items] = await c.sscan('A', cursor, 'COUNT', 1000);
    for (const m of items) seen.add(m);
    cursor = next;
    calls++;
  } while (cursor !== '0');
  t.equal(seen.size, n - 2, `SSCAN saw every member in ${calls} calls`);
  const some = (await c.srandmember('A', 100)) as string[];
  t.equal(new Set(some).size, 100, 'a positive count gives distinct members');
  t.equal(new Set((await c.srandmember('A', 70000)) as string[]).size, 70000, 'most of the set (count*3 > size)');
  t.equal(((await c.srandmember('A', -5000)) as string[]).length, 5000);
  const popped = await c.spop('A', 1000);
  t.equal(new Set(popped).size, 1000);
  t.equal(await c.scard('A'), n - 2 - 1000);
  t.equal(await c.smismember('A', ...popped.slice(0, 10)).then((xs) => xs.reduce((a, b) => a + b, 0)), 0, 'popped members are gone');
  const rest = await c.spop('A', 98000);
  t.equal(rest.length, 98000, 'SPOP of most of the set (it rebuilds the few that stay)');
  t.equal(await c.scard('A'), n - 2 - 1000 - 98000);
  t.equal(await c.del('A', 'B'), 2);
});

// ---- the engine: effects, replay, expiry ------------------------------------------------------

const table = buildTable();
function spec(name: string) {
  const s = table.get(name);
  if (s === undefined) throw new Error(`no ${name}`);
  return s;
}

function engineWithReplica() {
  const ks = new Keyspace();
  const replica = new Keyspace();
  const engine = new Engine(ks);
  let now = 1_700_000_000_000;
  let seed = 1;
  const run = (...args: string[]) => {
    const ctx: UpdateCtx = { nowMs: now, seed: seed++, db: 0 };
    const r = engine.apply(spec((args[0] as string).toLowerCase()), args, ctx);
    for (const e of r.effects) applyEffect(replica, e);
    return r;
  };
  return { ks, replica, run, advance: (ms: number) => (now += ms), now: () => now };
}

function sameLayout(a: Keyspace, b: Keyspace): string | null {
  for (const [k, v] of a.db(0).data.entries()) {
    const w = b.db(0).data.get(k);
    if (!(v instanceof SetValue)) continue;
    if (!(w instanceof SetValue)) return `${k}: not a set on the replica`;
    if (v.encoding() !== w.encoding()) return `${k}: ${v.encoding()} vs ${w.encoding()}`;
    if (v.members().join('\0') !== w.members().join('\0')) return `${k}: iteration order differs`;
    if (v.isIntset && !v.intsetBlob().equals(w.intsetBlob())) return `${k}: intset width differs`;
  }
  return null;
}

t.test('effects of the random set workload rebuild the same keyspace: digest, encodings, order', async (t) => {
  const { ks, replica, run } = engineWithReplica();
  const v = new Vocab(new Rng(78));
  let effects = 0;
  for (let i = 0; i < 30000; i++) {
    const cmd = generate(v, i);
    const s = table.get((cmd.args[0] as string).toLowerCase());
    if (s === undefined || s.data === undefined || s.subcommands !== null) continue;
    if ((s.arity > 0 && cmd.args.length !== s.arity) || cmd.args.length < -s.arity) continue;
    effects += run(...cmd.args).effects.length;
    if (i % 3000 === 2999) {
      const layout = sameLayout(ks, replica);
      if (keyspaceDigest(ks) !== keyspaceDigest(replica) || layout !== null) {
        t.fail(`replica differs after ${i + 1} commands: ${layout ?? 'digest'}`);
        return;
      }
    }
  }
  t.ok(effects > 5000, `${effects} effects replayed`);
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
  t.equal(sameLayout(ks, replica), null, 'same encodings, widths and iteration order on the replica');
});

t.test('effects are sized by the change; SPOP replicates as srem, or as the small set it keeps', async (t) => {
  const { ks, replica, run } = engineWithReplica();
  for (let i = 0; i < 100000; i += 5000) {
    const members: string[] = [];
    for (let j = i; j < i + 5000; j++) members.push(`m${j}`);
    run('SADD', 'big', ...members);
  }
  t.same(run('SADD', 'big', 'new', 'm1').effects, [{ op: 'sadd', db: 0, key: 'big', members: ['new'] }], 'SADD onto a 100k set emits only the new member');
  t.same(run('SADD', 'big', 'm1').effects, [], 'SADD of existing members emits nothing');
  t.same(run('SREM', 'big', 'new', 'absent').effects, [{ op: 'srem', db: 0, key: 'big', members: ['new'] }]);
  const pop = run('SPOP', 'big', '3');
  t.equal(pop.effects.length, 1);
  t.same(pop.effects[0]?.op, 'srem');
  t.same((pop.effects[0] as Effect & { members: string[] }).members.length, 3, 'SPOP 3 emits 3 members');
  t.same(run('SMOVE', 'big', 'other', 'm7').effects, [
    { op: 'srem', db: 0, key: 'big', members: ['m7'] },
    { op: 'sadd', db: 0, key: 'other', members: ['m7'] },
  ]);
  t.same(run('SMEMBERS', 'big').effects, [], 'reads emit nothing');
  t.same(run('SRANDMEMBER', 'big', '-5').effects, []);
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
  // Most of a set: Redis keeps the few that stay in a new set (intset if they are integers).
  run('SADD', 'mix', 'x', ...ints(0, 99));
  const most = run('SPOP', 'mix', '98');
  t.same(most.effects.map((e) => e.op), ['put'], 'SPOP of most of the set emits the set that stays');
  const kept = (most.effects[0] as Effect & { value: SetValue }).value;
  t.equal(kept.size, 2, 'the put holds the 2 members that stay');
  t.equal(kept.encoding(), (ks.db(0).data.get('mix') as SetValue).encoding());
  t.equal(sameLayout(ks, replica), null);
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
  // A set with a TTL emptied: key and TTL gone on both sides.
  run('SADD', 'ttl', 'a');
  const exp: Effect = { op: 'expire', db: 0, key: 'ttl', expireAt: 1_800_000_000_000 };
  applyEffect(ks, exp);
  applyEffect(replica, exp);
  const last = run('SPOP', 'ttl');
  t.same(last.events.map((e) => `${e.event}:${e.key}`), ['spop:ttl', 'del:ttl']);
  for (const k of [ks, replica]) {
    t.equal(k.db(0).data.has('ttl'), false);
    t.equal(k.db(0).expires.has('ttl'), false);
  }
  // A STORE destination is a put of a copy: changing the live set later does not alter the effect.
  const store = run('SUNIONSTORE', 'dst', 'other', 'mix');
  run('SADD', 'dst', 'later');
  t.equal((store.effects[0] as Effect & { value: SetValue }).value.has('later'), false, 'the effect kept its own copy');
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
});

t.test('an expired set is gone for reads and deleted by writes, with an effect', async (t) => {
  const { ks, replica, run, advance, now } = engineWithReplica();
  run('SADD', 'x', 'a');
  const exp: Effect = { op: 'expire', db: 0, key: 'x', expireAt: now() + 10 };
  applyEffect(ks, exp);
  applyEffect(replica, exp);
  advance(20);
  t.equal(run('SISMEMBER', 'x', 'a').reply, 0, 'an expired set reads as missing');
  t.equal(run('SINTERCARD', '1', 'x').reply, 0);
  t.equal(ks.db(0).data.has('x'), true, 'reads do not delete');
  const w = run('SADD', 'x', '1');
  t.same(
    w.effects.map((e) => e.op),
    ['del', 'sadd'],
  );
  t.equal((ks.db(0).data.get('x') as SetValue).encoding(), 'intset', 'the new set is created from its first member');
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
});

t.test('the intset keeps Redis order and widths against a model under random operations', async (t) => {
  const rng = new Rng(5);
  const s = new SetValue(1);
  const model = new Set<bigint>();
  const limits = { setMaxIntsetEntries: 1 << 30 };
  let width = 2;
  for (let i = 0; i < 20000; i++) {
    const r = rng.next();
    const mag = [100, 40000, 3e9, 9e18][rng.int(4)] as number;
    const big = BigInt(Math.floor((rng.next() * 2 - 1) * mag));
    const text = big.toString();
    if (r < 0.6) {
      if (s.add(text, limits) === model.has(big)) t.fail(`add of ${text} misreports novelty at ${i}`);
      model.add(big);
      const w = big >= -32768n && big <= 32767n ? 2 : big >= -2147483648n && big <= 2147483647n ? 4 : 8;
      width = Math.max(width, w);
    } else {
      s.remove(text);
      model.delete(big);
    }
    if (i % 1000 === 0 || i === 19999) {
      const want = [...model].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
      if (s.members().join() !== want.join()) t.fail(`order differs at ${i}`);
      if (s.intsetBlob().readUInt32LE(0) !== width) t.fail(`width differs at ${i}`);
    }
  }
  t.equal(s.encoding(), 'intset');
  t.equal(s.size, model.size);
});

// ---- cost -----------------------------------------------------------------------------------

t.test('SADD/SISMEMBER cost stays flat from 1 to 1,000,000 members', { skip: costsSkip }, async (t) => {
  const ks = new Keyspace();
  const engine = new Engine(ks);
  const ctx: UpdateCtx = { nowMs: 1, seed: 1, db: 0 };
  const sadd = spec('sadd');
  const srem = spec('srem');
  const sismember = spec('sismember');
  let size = 0;
  const rows: Array<{ size: number; sadd: number; sismember: number; encoding: string }> = [];
  for (const target of [1, 1e3, 1e5, 1e6]) {
    while (size < target) {
      const n = Math.min(1000, target - size);
      const args = ['SADD', 'k'];
      for (let i = 0; i < n; i++) args.push(`member-${size + i}`);
      engine.apply(sadd, args, ctx);
      size += n;
    }
    const ops = 50000;
    const names: string[] = [];
    for (let i = 0; i < 1024; i++) names.push(`member-${(i * 7919) % size}`);
    const time = (f: () => void): number => {
      let best = Infinity;
      for (let rep = 0; rep < 5; rep++) {
        const t0 = process.hrtime.bigint();
        f();
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / ops);
      }
      return best;
    };
    // SADD of a new member, paired with its SREM so the size stays put; the pair is one "op".
    const add = time(() => {
      for (let i = 0; i < ops / 2; i++) {
        engine.apply(sadd, ['SADD', 'k', 'fresh'], ctx);
        engine.apply(srem, ['SREM', 'k', 'fresh'], ctx);
      }
    });
    const has = time(() => {
      for (let i = 0; i < ops; i++) engine.apply(sismember, ['SISMEMBER', 'k', names[i & 1023] as string], ctx);
    });
    rows.push({ size: target, sadd: add, sismember: has, encoding: (ks.db(0).data.get('k') as SetValue).encoding() });
  }
  t.comment('| members | encoding | SADD+SREM µs/op | SISMEMBER µs/op |');
  for (const r of rows) t.comment(`| ${r.size} | ${r.encoding} | ${r.sadd.toFixed(3)} | ${r.sismember.toFixed(3)} |`);
  const k1 = rows[1] as (typeof rows)[number];
  const m1 = rows[3] as (typeof rows)[number];
  t.ok(m1.sadd < k1.sadd * 4 + 0.5, 'SADD at 1M members is not slower than at 1k beyond noise');
  t.ok(m1.sismember < k1.sismember * 4 + 0.5, 'SISMEMBER at 1M members is not slower than at 1k beyond noise');
  t.equal((ks.db(0).data.get('k') as SetValue).size, 1e6);
});
