// Hash field expiry as Redis 7.4.5's t_hash.c (HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT,
// HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME, HPERSIST). Redis here is 7.0.15, which lacks these
// commands, so there is no live oracle: the expected replies, error texts, events, encodings
// and orders below are read from the 7.4.5 source, cited per test (t_hash.c function names).
// Through a real socket: every command and option, replies and errors, real-time expiry
// (lazy and active), keyspace events, RENAME/COPY/MOVE/DUMP/RESTORE/WATCH, COMMAND INFO/DOCS,
// ioredis. In the engine with a fixed clock: the boundary instants, the lazy-expiry paths of
// writes, reads that never change state, active expiry's quota, and effects that replay into
// an empty keyspace to the same digest, encodings, orders and TTLs.
import t, { type Test } from 'tap';
import Redis from 'ioredis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { Vocab } from './helpers/differential';
import { generate } from './diff/gen-hash-ttl';
import { buildTable } from '../src/commands/table';
import { Keyspace } from '../src/engine/keyspace';
import { Engine } from '../src/engine/engine';
import { applyEffect } from '../src/engine/effects';
import { keyspaceDigest } from '../src/engine/digest';
import { Rng } from '../src/engine/rng';
import { crc64LE } from '../src/engine/crc64';
import { RdbWriter } from '../src/engine/rdb';
import { HashValue, encodeListpack } from '../src/engine/types/hash';
import { MapReply, type Reply } from '../src/resp/reply';
import type { UpdateCtx } from '../src/engine/exec';

const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
const NOT_INT = '-ERR value is not an integer or out of range\r\n';
const FIELDS_MISSING = '-ERR Mandatory argument FIELDS is missing or not at the right position\r\n';
const HEXPIRE_NUMFIELDS = '-ERR Parameter `numFields` should be greater than 0\r\n';
const NUMFIELDS_POSITIVE = '-ERR Number of fields must be a positive integer\r\n';
const NUMFIELDS_MISMATCH = '-ERR The `numfields` parameter must match the number of arguments\r\n';
const NEGATIVE_TIME = '-ERR invalid expire time, must be >= 0\r\n';
const badTime = (cmd: string) => `-ERR invalid expire time in '${cmd}' command\r\n`;
const arity = (cmd: string) => `-ERR wrong number of arguments for '${cmd}' command\r\n`;
/** Redis 7.4 HFE_MAX_ABS_TIME_MSEC: EB_EXPIRE_TIME_MAX (2^48-1) >> 2. */
const HFE_MAX = 70368744177663;

const ints = (...ns: number[]): string => `*${ns.length}\r\n${ns.map((n) => `:${n}\r\n`).join('')}`;
const bulks = (...ss: string[]): string => `*${ss.length}\r\n${ss.map((s) => `$${s.length}\r\n${s}\r\n`).join('')}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function client(t: Test, port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  t.teardown(() => c.close());
  return c;
}

/** Poll `f` until it returns true or `ms` pass. */
async function eventually(f: () => Promise<boolean>, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await f()) return true;
    await sleep(20);
  }
  return f();
}

// ---- syntax and errors ------------------------------------------------------------------------

t.test('syntax and error texts, in hexpireGenericCommand / httlGenericCommand / hpersistCommand order', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  await c.call('HSET', 'h', 'a', '1', 'b', '2');
  await c.call('SET', 's', 'x');
  const cases: Array<[string[], string]> = [
    // The key's type is checked first (lookupKeyWrite + checkType), before any argument.
    [['HEXPIRE', 's', '10', 'FIELDS', '1', 'a'], WRONGTYPE],
    [['HEXPIRE', 's', 'x', 'FIELDS', '0', 'a'], WRONGTYPE],
    // Then the time: an integer (getLongLongFromObjectOrReply), >= 0, within HFE_MAX_ABS_TIME_MSEC.
    [['HEXPIRE', 'h', 'x', 'FIELDS', '1', 'a'], NOT_INT],
    [['HEXPIRE', 'h', '1.5', 'FIELDS', '1', 'a'], NOT_INT],
    [['HPEXPIRE', 'nokey', ' 1', 'FIELDS', '1', 'a'], NOT_INT],
    [['HEXPIRE', 'h', '-1', 'FIELDS', '1', 'a'], NEGATIVE_TIME],
    [['HPEXPIREAT', 'h', '-5', 'FIELDS', '0', 'a'], NEGATIVE_TIME],
    [['HEXPIRE', 'h', '70368744178', 'FIELDS', '1', 'a'], badTime('hexpire')],
    [['HEXPIRE', 'h', '70368744177', 'FIELDS', '1', 'a'], badTime('hexpire')], // + now exceeds the maximum
    [['HPEXPIRE', 'h', String(HFE_MAX), 'FIELDS', '1', 'a'], badTime('hpexpire')],
    [['HEXPIREAT', 'h', '70368744178', 'FIELDS', '1', 'a'], badTime('hexpireat')],
    [['HPEXPIREAT', 'h', String(HFE_MAX + 1), 'FIELDS', '1', 'a'], badTime('hpexpireat')],
    [['HPEXPIREAT', 'h', '9223372036854775807', 'FIELDS', '1', 'a'], badTime('hpexpireat')],
    [['HPEXPIREAT', 'h', String(HFE_MAX), 'FIELDS', '1', 'zz'], ints(-2)],
    [['HEXPIREAT', 'h', '70368744177', 'FIELDS', '1', 'zz'], ints(-2)],
    // Then the optional NX|XX|GT|LT at argv[3], then FIELDS right after it.
    [['HEXPIRE', 'h', '10', 'FIELD', '1', 'a'], FIELDS_MISSING],
    [['HEXPIRE', 'h', '10', 'NX', '1', 'a', 'b'], FIELDS_MISSING],
    [['HEXPIRE', 'h', '10', 'XX', 'XX', 'FIELDS', '1', 'a'], FIELDS_MISSING],
    [['HEXPIRE', 'h', '10', 'FIELDS', 'NX', '1', 'a'], HEXPIRE_NUMFIELDS],
    [['HEXPIRE', 'h', '10', 'FIELDS', '0', 'a'], HEXPIRE_NUMFIELDS],
    [['HEXPIRE', 'h', '10', 'FIELDS', '-1', 'a'], HEXPIRE_NUMFIELDS],
    [['HEXPIRE', 'h', '10', 'FIELDS', 'x', 'a'], HEXPIRE_NUMFIELDS],
    [['HEXPIRE', 'h', '10', 'FIELDS', '2', 'a'], NUMFIELDS_MISMATCH],
    [['HEXPIRE', 'h', '10', 'FIELDS', '1', 'a', 'b'], NUMFIELDS_MISMATCH],
    [['HEXPIRE', 'h', '10', 'NX', 'FIELDS', '1'], NUMFIELDS_MISMATCH],
    // A missing key is an empty hash: -2 per field, after every check.
    [['HEXPIRE', 'nokey', '10', 'FIELDS', '2', 'a', 'b'], ints(-2, -2)],
    [['HEXPIRE', 'nokey', '10', 'FIELDS', '2', 'a'], NUMFIELDS_MISMATCH],
    // Tokens are case-insensitive (strcasecmp).
    [['HEXPIRE', 'h', '100', 'fields', '1', 'a'], ints(1)],
    [['HEXPIRE', 'h', '100', 'nX', 'Fields', '1', 'b'], ints(1)],
    // Arity (-6 for the setters, -5 for the others) is the table's, before the handler.
    [['HEXPIRE', 'h', '10', 'FIELDS', '1'], arity('hexpire')],
    [['HPEXPIREAT', 'h', '10', 'FIELDS'], arity('hpexpireat')],
    [['HTTL', 'h', 'FIELDS', '1'], arity('httl')],
    [['HPERSIST', 'h', 'FIELDS'], arity('hpersist')],
    // HTTL & co.: type, FIELDS, count (its own message), match.
    [['HTTL', 's', 'FIELDS', '1', 'a'], WRONGTYPE],
    [['HTTL', 's', 'FIELD', '0', 'a'], WRONGTYPE],
    [['HTTL', 'h', 'FIELD', '1', 'a'], FIELDS_MISSING],
    [['HPTTL', 'h', 'FIELDS', '0', 'a'], NUMFIELDS_POSITIVE],
    [['HEXPIRETIME', 'h', 'FIELDS', '9223372036854775808', 'a'], NUMFIELDS_POSITIVE],
    [['HPEXPIRETIME', 'h', 'FIELDS', '2', 'a'], NUMFIELDS_MISMATCH],
    [['HTTL', 'nokey', 'FIELDS', '2', 'a', 'b'], ints(-2, -2)],
    // HPERSIST: the same shape.
    [['HPERSIST', 's', 'FIELDS', '1', 'a'], WRONGTYPE],
    [['HPERSIST', 'h', 'x', '1', 'a'], FIELDS_MISSING],
    [['HPERSIST', 'h', 'FIELDS', 'x', 'a'], NUMFIELDS_POSITIVE],
    [['HPERSIST', 'h', 'FIELDS', '1', 'a', 'b'], NUMFIELDS_MISMATCH],
    [['HPERSIST', 'nokey', 'FIELDS', '1', 'a'], ints(-2)],
  ];
  for (const [cmd, expected] of cases) t.equal(await c.call(...cmd), expected, cmd.join(' '));
  t.equal(await c.call('HMGET', 'h', 'a', 'b'), bulks('1', '2'), 'errors changed nothing but the two TTLs');
  t.equal(await c.call('HLEN', 'h'), ':2\r\n');
});

// ---- per-field replies ------------------------------------------------------------------------

t.test('HEXPIRE & co. per field: -2 no field, 0 condition not met, 1 set, 2 deleted (hashTypeSetExpiry*)', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  const T = Date.now() + 100000;
  const at = (ms: number) => String(T + ms);
  await c.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
  t.equal(await c.call('HPEXPIREAT', 'h', at(0), 'NX', 'FIELDS', '3', 'a', 'b', 'zz'), ints(1, 1, -2), 'NX on fields without TTL sets');
  t.equal(await c.call('HPEXPIREAT', 'h', at(0), 'NX', 'FIELDS', '1', 'a'), ints(0), 'NX on a field with a TTL: not met');
  t.equal(await c.call('HPEXPIREAT', 'h', at(1), 'XX', 'FIELDS', '2', 'a', 'c'), ints(1, 0), 'XX needs an existing TTL');
  t.equal(await c.call('HPEXPIREAT', 'h', at(0), 'GT', 'FIELDS', '2', 'a', 'c'), ints(0, 0), 'GT: not greater, and a field without TTL never meets GT');
  t.equal(await c.call('HPEXPIREAT', 'h', at(5), 'gt', 'FIELDS', '1', 'a'), ints(1));
  // 7.4.5: "for fields without expiration, LT condition is considered as satisfied".
  t.equal(await c.call('HPEXPIREAT', 'h', at(0), 'LT', 'FIELDS', '2', 'a', 'c'), ints(1, 1), 'LT: less, and a field without TTL (infinite) meets LT');
  t.equal(await c.call('HPEXPIREAT', 'h', at(0), 'Lt', 'FIELDS', '1', 'a'), ints(0), 'LT: equal is not less');
  t.equal(await c.call('HPEXPIRETIME', 'h', 'FIELDS', '4', 'a', 'b', 'c', 'zz'), ints(T, T, T, -2));
  t.equal(await c.call('HEXPIREAT', 'h', String(Math.ceil(T / 1000) + 10), 'FIELDS', '1', 'a'), ints(1), 'HEXPIREAT takes seconds');
  t.equal(await c.call('HPEXPIRETIME', 'h', 'FIELDS', '1', 'a'), ints((Math.ceil(T / 1000) + 10) * 1000));
  // A time not in the future deletes the field (checkAlreadyExpired: when <= now).
  t.equal(await c.call('HPEXPIRE', 'h', '0', 'FIELDS', '2', 'b', 'zz'), ints(2, -2));
  t.equal(await c.call('HEXISTS', 'h', 'b'), ':0\r\n');
  t.equal(await c.call('HEXPIREAT', 'h', '1', 'FIELDS', '1', 'a'), ints(2), 'an absolute time in the past deletes');
  t.equal(await c.call('HPEXPIREAT', 'h', at(0), 'XX', 'FIELDS', '2', 'c', 'c'), ints(1, 1), 'a field named twice is handled twice');
  t.equal(await c.call('HEXPIRE', 'h', '0', 'FIELDS', '2', 'c', 'c'), ints(2, -2), 'deleted, then no longer there');
  t.equal(await c.call('EXISTS', 'h'), ':0\r\n', 'the last field took the key with it');
  // Conditions are checked before the past-time deletion.
  await c.call('HSET', 'g', 'a', '1', 'b', '2');
  t.equal(await c.call('HPEXPIRE', 'g', '0', 'XX', 'FIELDS', '2', 'a', 'b'), ints(0, 0), 'XX not met: nothing deleted');
  t.equal(await c.call('HLEN', 'g'), ':2\r\n');
  t.equal(await c.call('HPEXPIRE', 'g', '0', 'GT', 'FIELDS', '1', 'a'), ints(0));
  t.equal(await c.call('HPEXPIRE', 'g', '0', 'LT', 'FIELDS', '1', 'a'), ints(2), 'LT met by a field without TTL, then deleted');
});

t.test('HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME: -2, -1 and the time, in both encodings (httlGenericCommand)', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  for (const [key, extra] of [
    ['lp', 0],
    ['ht', 600],
  ] as const) {
    const args = ['HSET', key, 'a', '1', 'b', '2'];
    for (let i = 0; i < extra; i++) args.push(`f${i}`, 'v');
    await c.call(...args);
    const T = Date.now() + 123456;
    t.equal(await c.call('HPEXPIREAT', key, String(T), 'FIELDS', '1', 'a'), ints(1));
    t.equal(await c.call('OBJECT', 'ENCODING', key), key === 'lp' ? '$10\r\nlistpackex\r\n' : '$9\r\nhashtable\r\n');
    t.equal(await c.call('HPEXPIRETIME', key, 'FIELDS', '3', 'a', 'b', 'zz'), ints(T, -1, -2), `${key}: HPEXPIRETIME`);
    // (expire + 999) / 1000: seconds rounded up.
    t.equal(await c.call('HEXPIRETIME', key, 'FIELDS', '3', 'zz', 'a', 'b'), ints(-2, Math.floor((T + 999) / 1000), -1), `${key}: HEXPIRETIME`);
    const before = Date.now();
    const pttl = ((await (async () => {
      c.send(['HPTTL', key, 'FIELDS', '2', 'a', 'b']);
      return (await c.read()).value;
    })()) as number[]);
    const after = Date.now();
    t.ok((pttl[0] as number) <= T - before && (pttl[0] as number) >= T - after, `${key}: HPTTL ${pttl[0]} is T - now`);
    t.equal(pttl[1], -1);
    c.send(['HTTL', key, 'FIELDS', '1', 'a']);
    const ttl = ((await c.read()).value as number[])[0] as number;
    t.ok(ttl >= Math.floor((T - after + 999) / 1000) && ttl <= Math.floor((T - before + 999) / 1000), `${key}: HTTL ${ttl} is the TTL in seconds rounded up`);
  }
});

t.test('HPERSIST: -2, -1, 1; a plain listpack is not converted (hpersistCommand)', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  await c.call('HSET', 'p', 'a', '1', 'b', '2');
  t.equal(await c.call('HPERSIST', 'p', 'FIELDS', '2', 'a', 'zz'), ints(-1, -2));
  t.equal(await c.call('OBJECT', 'ENCODING', 'p'), '$8\r\nlistpack\r\n', 'HPERSIST leaves a listpack a listpack');
  t.equal(await c.call('HPEXPIRE', 'p', '100000', 'FIELDS', '1', 'a'), ints(1));
  t.equal(await c.call('HPERSIST', 'p', 'FIELDS', '3', 'a', 'b', 'zz'), ints(1, -1, -2));
  t.equal(await c.call('HTTL', 'p', 'FIELDS', '1', 'a'), ints(-1));
  t.equal(await c.call('HPERSIST', 'p', 'FIELDS', '1', 'a'), ints(-1), 'a second HPERSIST finds no TTL');
  t.equal(await c.call('OBJECT', 'ENCODING', 'p'), '$10\r\nlistpackex\r\n', 'a listpackex stays one without TTLs');
});

// ---- encodings and order ----------------------------------------------------------------------

t.test('encodings: listpackex from the first field-expiry command, hashtable keeps TTLs (hashTypeSetExInit, hashTypeConvertListpackEx)', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  await c.call('HSET', 'e1', 'a', '1');
  t.equal(await c.call('HEXPIRE', 'e1', '100', 'XX', 'FIELDS', '1', 'a'), ints(0));
  t.equal(await c.call('OBJECT', 'ENCODING', 'e1'), '$10\r\nlistpackex\r\n', 'converted although no field changed');
  await c.call('HSET', 'e2', 'a', '1');
  t.equal(await c.call('HEXPIRE', 'e2', '100', 'FIELDS', '1', 'zz'), ints(-2));
  t.equal(await c.call('OBJECT', 'ENCODING', 'e2'), '$10\r\nlistpackex\r\n');
  // A listpackex with TTLs grows past hash-max-listpack-entries: a hashtable, TTLs kept.
  const T = Date.now() + 500000;
  await c.call('HSET', 'e3', 'a', '1', 'b', '2');
  await c.call('HPEXPIREAT', 'e3', String(T), 'FIELDS', '1', 'a');
  const many = ['HSET', 'e3'];
  for (let i = 0; i < 511; i++) many.push(`f${i}`, 'v');
  await c.call(...many);
  t.equal(await c.call('OBJECT', 'ENCODING', 'e3'), '$9\r\nhashtable\r\n');
  t.equal(await c.call('HPEXPIRETIME', 'e3', 'FIELDS', '2', 'a', 'b'), ints(T, -1), 'TTLs survive the conversion');
  // A value longer than hash-max-listpack-value converts too.
  await c.call('HSET', 'e4', 'a', '1');
  await c.call('HPEXPIREAT', 'e4', String(T), 'FIELDS', '1', 'a');
  await c.call('HSET', 'e4', 'long', 'x'.repeat(65));
  t.equal(await c.call('OBJECT', 'ENCODING', 'e4'), '$9\r\nhashtable\r\n');
  t.equal(await c.call('HPEXPIRETIME', 'e4', 'FIELDS', '1', 'a'), ints(T));
  // A hashtable stays a hashtable.
  await c.call('HPEXPIREAT', 'e3', String(T + 1), 'FIELDS', '1', 'f7');
  t.equal(await c.call('OBJECT', 'ENCODING', 'e3'), '$9\r\nhashtable\r\n');
});

t.test('a listpackex is in TTL order: HSET and HPERSIST move a field last, HINCRBY keeps TTL and place (listpackExUpdateExpiry)', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  const T = Date.now() + 1000000;
  await c.call('HSET', 'o', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
  await c.call('HPEXPIREAT', 'o', String(T + 300), 'FIELDS', '1', 'c');
  await c.call('HPEXPIREAT', 'o', String(T + 100), 'FIELDS', '1', 'a');
  await c.call('HPEXPIREAT', 'o', String(T + 200), 'FIELDS', '1', 'd');
  t.equal(await c.call('HKEYS', 'o'), bulks('a', 'd', 'c', 'b'), 'fields with a TTL first, earliest first');
  await c.call('HPEXPIREAT', 'o', String(T + 250), 'FIELDS', '1', 'a');
  t.equal(await c.call('HKEYS', 'o'), bulks('d', 'a', 'c', 'b'), 'a new TTL re-inserts the field');
  await c.call('HPEXPIREAT', 'o', String(T + 300), 'FIELDS', '1', 'd');
  t.equal(await c.call('HKEYS', 'o'), bulks('a', 'd', 'c', 'b'), 'an equal TTL goes before the others (cbFindInListpack: >=)');
  t.equal(await c.call('HSET', 'o', 'd', '40'), ':0\r\n');
  t.equal(await c.call('HKEYS', 'o'), bulks('a', 'c', 'b', 'd'), 'HSET removes the TTL: the field goes last');
  t.equal(await c.call('HTTL', 'o', 'FIELDS', '1', 'd'), ints(-1));
  t.equal(await c.call('HINCRBY', 'o', 'a', '5'), ':6\r\n');
  t.equal(await c.call('HINCRBYFLOAT', 'o', 'c', '1.5'), '$3\r\n4.5\r\n');
  t.equal(await c.call('HKEYS', 'o'), bulks('a', 'c', 'b', 'd'), 'HINCRBY and HINCRBYFLOAT keep the place (HASH_SET_KEEP_TTL)');
  t.equal(await c.call('HPEXPIRETIME', 'o', 'FIELDS', '2', 'a', 'c'), ints(T + 250, T + 300), 'and the TTL');
  t.equal(await c.call('HPERSIST', 'o', 'FIELDS', '1', 'a'), ints(1));
  t.equal(await c.call('HGETALL', 'o'), bulks('c', '4.5', 'b', '2', 'd', '40', 'a', '6'), 'HPERSIST moves the field last');
  t.equal(await c.call('HSCAN', 'o', '0'), `*2\r\n$1\r\n0\r\n${bulks('c', '4.5', 'b', '2', 'd', '40', 'a', '6')}`, 'HSCAN: the whole listpack, cursor 0');
  // In a hashtable HSET also removes the TTL.
  const many = ['HSET', 'big'];
  for (let i = 0; i < 600; i++) many.push(`f${i}`, 'v');
  await c.call(...many);
  await c.call('HPEXPIREAT', 'big', String(T), 'FIELDS', '2', 'f1', 'f2');
  t.equal(await c.call('HSET', 'big', 'f1', 'w'), ':0\r\n');
  t.equal(await c.call('HINCRBY', 'big', 'f2', '1'), '-ERR hash value is not an integer\r\n');
  await c.call('HSET', 'big', 'n', '1');
  await c.call('HPEXPIREAT', 'big', String(T), 'FIELDS', '1', 'n');
  t.equal(await c.call('HINCRBY', 'big', 'n', '1'), ':2\r\n');
  t.equal(await c.call('HPEXPIRETIME', 'big', 'FIELDS', '3', 'f1', 'f2', 'n'), ints(-1, T, T));
});

// ---- real time --------------------------------------------------------------------------------

t.test('real time: an expired field is gone for every read, then deleted actively; the last one takes the key', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  const sub = await client(t, cat.port);
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  sub.send(['SUBSCRIBE', '__keyspace@0__:r']);
  await sub.read();
  await c.call('HSET', 'r', 'a', '1', 'b', '2', 'c', '3');
  t.equal(await c.call('HPEXPIRE', 'r', '200', 'FIELDS', '2', 'a', 'b'), ints(1, 1));
  t.equal(await c.call('HGET', 'r', 'a'), '$1\r\n1\r\n', 'not yet');
  await sleep(230);
  // Reads right after the TTL (the active cycle may or may not have run yet): absent.
  c.send(
    ['HGET', 'r', 'a'],
    ['HMGET', 'r', 'a', 'b', 'c'],
    ['HEXISTS', 'r', 'b'],
    ['HSTRLEN', 'r', 'a'],
    ['HGETALL', 'r'],
    ['HVALS', 'r'],
    ['HRANDFIELD', 'r', '10'],
    ['HSCAN', 'r', '0'],
    ['HTTL', 'r', 'FIELDS', '2', 'a', 'c'],
  );
  const expected = [
    '$-1\r\n',
    '*3\r\n$-1\r\n$-1\r\n$1\r\n3\r\n',
    ':0\r\n',
    ':0\r\n',
    bulks('c', '3'),
    bulks('3'),
    bulks('c'),
    `*2\r\n$1\r\n0\r\n${bulks('c', '3')}`,
    ints(-2, -1),
  ];
  for (const e of expected) t.equal((await c.read()).raw, e);
  t.ok(await eventually(async () => (await c.call('HLEN', 'r')) === ':1\r\n'), 'active expiry deleted both fields');
  t.equal(await c.call('HPEXPIRE', 'r', '30', 'FIELDS', '1', 'c'), ints(1));
  t.ok(await eventually(async () => (await c.call('EXISTS', 'r')) === ':0\r\n'), 'and the last field the key');
  const events: string[] = [];
  for (;;) {
    const m = await sub.read(300).catch(() => null);
    if (m === null) break;
    events.push(((m.value as string[])[2] ?? '') as string);
  }
  // hset, hexpire, [hexpired once per cycle that deleted fields], hexpire, hexpired, del.
  t.same(events.slice(0, 2), ['hset', 'hexpire']);
  t.same(events.slice(-3), ['hexpire', 'hexpired', 'del'], `active expiry raises hexpired then del (hashTypeExpire): ${events.join(',')}`);
  t.ok(events.filter((e) => e === 'hexpired').length >= 2);
});

t.test('RENAME, COPY, MOVE and SWAPDB carry field TTLs; active expiry follows the hash', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  const T = Date.now() + 100000;
  await c.call('HSET', 'src', 'a', '1', 'b', '2');
  await c.call('HPEXPIREAT', 'src', String(T), 'FIELDS', '1', 'a');
  t.equal(await c.call('COPY', 'src', 'cp'), ':1\r\n');
  t.equal(await c.call('HPEXPIRETIME', 'cp', 'FIELDS', '2', 'a', 'b'), ints(T, -1), 'COPY keeps field TTLs (hashTypeDup)');
  t.equal(await c.call('OBJECT', 'ENCODING', 'cp'), '$10\r\nlistpackex\r\n');
  t.equal(await c.call('RENAME', 'src', 'rn'), '+OK\r\n');
  t.equal(await c.call('HPEXPIRETIME', 'rn', 'FIELDS', '1', 'a'), ints(T), 'RENAME keeps them');
  // Short TTLs on hashes that then move about: active expiry must find them at their new names.
  for (const k of ['x1', 'x2', 'x3', 'x4']) {
    await c.call('HSET', k, 'a', '1', 'b', '2');
    await c.call('HPEXPIRE', k, '60', 'FIELDS', '1', 'a');
  }
  await c.call('RENAME', 'x1', 'y1');
  await c.call('COPY', 'x2', 'y2');
  await c.call('MOVE', 'x3', '1');
  await c.call('SWAPDB', '0', '2');
  const seen = await eventually(async () => {
    c.send(['SELECT', '2'], ['HLEN', 'y1'], ['HLEN', 'y2'], ['HLEN', 'x2'], ['HLEN', 'x4'], ['SELECT', '1'], ['HLEN', 'x3'], ['SELECT', '0']);
    const r: string[] = [];
    for (let i = 0; i < 8; i++) r.push((await c.read()).raw);
    return r.slice(1, 5).every((x) => x === ':1\r\n') && r[6] === ':1\r\n';
  });
  t.ok(seen, 'the expiring field went from the renamed, copied, moved and swapped hashes');
});

t.test('WATCH: a field deleted by active expiry aborts EXEC (signalModifiedKey in hashTypeExpire)', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  await c.call('HSET', 'w', 'a', '1', 'b', '2');
  await c.call('HSET', 'quiet', 'a', '1');
  await c.call('HPEXPIRE', 'w', '200', 'FIELDS', '1', 'a');
  t.equal(await c.call('WATCH', 'w'), '+OK\r\n');
  t.ok(await eventually(async () => {
    const other = await RawClient.connect(cat.port);
    const n = await other.call('HLEN', 'w');
    other.close();
    return n === ':1\r\n';
  }), 'the field expired');
  c.send(['MULTI'], ['HGET', 'w', 'b'], ['EXEC']);
  t.equal((await c.read()).raw, '+OK\r\n');
  t.equal((await c.read()).raw, '+QUEUED\r\n');
  t.equal((await c.read()).raw, '*-1\r\n', 'EXEC aborted');
  t.equal(await c.call('WATCH', 'quiet'), '+OK\r\n');
  c.send(['MULTI'], ['HGET', 'quiet', 'a'], ['EXEC']);
  await c.read();
  await c.read();
  t.equal((await c.read()).raw, '*1\r\n$1\r\n1\r\n', 'an unchanged watched hash lets EXEC run');
});

t.test('keyspace events as hashTypeSetExDone / hpersistCommand raise them', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  const sub = await client(t, cat.port);
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEAn');
  sub.send(['PSUBSCRIBE', '__keyevent@0__:*']);
  await sub.read();
  const script: string[][] = [
    ['HSET', 'ev', 'a', '1', 'b', '2', 'c', '3'],
    ['HEXPIRE', 'ev', '100', 'FIELDS', '1', 'a'], // hexpire
    ['HPEXPIRE', 'ev', '100', 'NX', 'FIELDS', '1', 'a'], // nothing changed: no event
    ['HEXPIREAT', 'ev', '200', 'FIELDS', '1', 'zz'], // no such field: no event
    ['HPEXPIRE', 'ev', '0', 'FIELDS', '1', 'b'], // a deletion: hdel
    ['HPERSIST', 'ev', 'FIELDS', '1', 'a'], // hpersist
    ['HPERSIST', 'ev', 'FIELDS', '1', 'a'], // nothing: no event
    ['HPEXPIREAT', 'ev', '1', 'FIELDS', '2', 'a', 'c'], // the last fields: hdel, del
  ];
  for (const cmd of script) await c.call(...cmd);
  await c.call('PUBLISH', 'end', 'x');
  const events: string[] = [];
  for (;;) {
    const m = await sub.read(300).catch(() => null);
    if (m === null) break;
    const v = m.value as string[];
    if (v[0] === 'pmessage') events.push(`${(v[2] as string).split(':')[1]}:${v[3]}`);
  }
  t.same(events, ['new:ev', 'hset:ev', 'hexpire:ev', 'hdel:ev', 'hpersist:ev', 'hdel:ev', 'del:ev']);
});

// ---- DUMP / RESTORE ---------------------------------------------------------------------------

function int64LE(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(n));
  return b;
}

/** A DUMP payload as Redis 7.4 builds it: type, object, RDB version 12, CRC64. */
function payload74(type: number, body: (w: RdbWriter) => void): string {
  const w = new RdbWriter();
  w.byte(type);
  body(w);
  w.byte(12);
  w.byte(0);
  w.bytes(crc64LE(w.result()));
  return w.result().toString('latin1');
}

t.test('DUMP of a hash with field TTLs is Redis 7.4 RDB 12 (HASH_LISTPACK_EX, HASH_METADATA); RESTORE reads it; Redis 7.0 refuses it', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  const T = Date.now() + 1000000;
  await c.call('HSET', 'd', 'a', '1', 'b', '2');
  await c.call('HPEXPIREAT', 'd', String(T), 'FIELDS', '1', 'b');
  c.send(['DUMP', 'd']);
  const dump = (await c.read()).value as string;
  // rdbSaveObject for OBJ_ENCODING_LISTPACK_EX: the next TTL (8 bytes LE), then the listpack
  // of [field, value, TTL-or-0] triplets in listpackex order.
  const expected = payload74(25, (w) => {
    w.bytes(int64LE(T));
    w.string(encodeListpack(['b', '2', String(T), 'a', '1', '0']).toString('latin1'));
  });
  t.equal(Buffer.from(dump, 'latin1').toString('hex'), Buffer.from(expected, 'latin1').toString('hex'), 'byte for byte');
  t.equal(await c.call('RESTORE', 'd2', '0', dump), '+OK\r\n');
  t.equal(await c.call('OBJECT', 'ENCODING', 'd2'), '$10\r\nlistpackex\r\n');
  t.equal(await c.call('HPEXPIRETIME', 'd2', 'FIELDS', '2', 'a', 'b'), ints(-1, T));
  t.equal(await c.call('HKEYS', 'd2'), bulks('b', 'a'));
  t.equal(await c.call('DUMP', 'd2'), await c.call('DUMP', 'd'), 'and dumps the same');
  // A hashtable with field TTLs: RDB_TYPE_HASH_METADATA; more than 512 fields restore as a hashtable.
  const many = ['HSET', 'big'];
  for (let i = 0; i < 600; i++) many.push(`f${i}`, `v${i}`);
  await c.call(...many);
  await c.call('HPEXPIREAT', 'big', String(T), 'FIELDS', '1', 'f3');
  await c.call('HPEXPIREAT', 'big', String(T + 7), 'FIELDS', '1', 'f9');
  c.send(['DUMP', 'big']);
  const bigDump = Buffer.from((await c.read()).value as string, 'latin1');
  t.equal(bigDump[0], 24, 'type RDB_TYPE_HASH_METADATA');
  t.equal(bigDump.readInt16LE(bigDump.length - 10), 12, 'RDB version 12');
  t.equal(bigDump.readBigInt64LE(1), BigInt(T), 'the next field TTL follows the type');
  t.equal(await c.call('RESTORE', 'big2', '0', bigDump.toString('latin1')), '+OK\r\n');
  t.equal(await c.call('OBJECT', 'ENCODING', 'big2'), '$9\r\nhashtable\r\n');
  t.equal(await c.call('HPEXPIRETIME', 'big2', 'FIELDS', '3', 'f3', 'f9', 'f4'), ints(T, T + 7, -1));
  t.equal(await c.call('HLEN', 'big2'), ':600\r\n');
  // HASH_METADATA of few fields restores as a listpackex, in TTL order (listpackExAddNew).
  const meta = payload74(24, (w) => {
    w.bytes(int64LE(T));
    w.length(3);
    for (const [rel, f, v] of [
      [0, 'x', '1'],
      [11, 'y', '2'],
      [1, 'z', '3'],
    ] as const) {
      w.length(rel);
      w.string(f);
      w.string(v);
    }
  });
  t.equal(await c.call('RESTORE', 'm', '0', meta), '+OK\r\n');
  t.equal(await c.call('OBJECT', 'ENCODING', 'm'), '$10\r\nlistpackex\r\n');
  t.equal(await c.call('HKEYS', 'm'), bulks('z', 'y', 'x'));
  t.equal(await c.call('HPEXPIRETIME', 'm', 'FIELDS', '3', 'x', 'y', 'z'), ints(-1, T + 10, T));
  // Corrupt field-TTL payloads: "Bad data format".
  const outOfOrder = payload74(25, (w) => {
    w.bytes(int64LE(0));
    w.string(encodeListpack(['a', '1', '0', 'b', '2', String(T)]).toString('latin1'));
  });
  t.equal(await c.call('RESTORE', 'bad1', '0', outOfOrder), '-ERR Bad data format\r\n', 'a TTL after a TTL-less field');
  const notTriplets = payload74(25, (w) => {
    w.bytes(int64LE(0));
    w.string(encodeListpack(['a', '1']).toString('latin1'));
  });
  t.equal(await c.call('RESTORE', 'bad2', '0', notTriplets), '-ERR Bad data format\r\n');
  const dup = payload74(24, (w) => {
    w.bytes(int64LE(T));
    w.length(2);
    for (const f of ['a', 'a']) {
      w.length(1);
      w.string(f);
      w.string('v');
    }
  });
  t.equal(await c.call('RESTORE', 'bad3', '0', dup), '-ERR Bad data format\r\n');
  // Another type in RDB 12 is still refused, as Redis 7.0 refuses it.
  const str12 = payload74(0, (w) => w.string('hello'));
  t.equal(await c.call('RESTORE', 'bad4', '0', str12), '-ERR DUMP payload version or checksum are wrong\r\n');
  // A plain hash is still Redis 7.0's: type 16, RDB 10, and round-trips.
  await c.call('HSET', 'plain', 'a', '1');
  c.send(['DUMP', 'plain']);
  const plain = Buffer.from((await c.read()).value as string, 'latin1');
  t.equal(plain[0], 16);
  t.equal(plain.readInt16LE(plain.length - 10), 10);
  t.equal(await c.call('RESTORE', 'plain2', '0', plain.toString('latin1')), '+OK\r\n');
  t.equal(await c.call('HGETALL', 'plain2'), bulks('a', '1'));
  // A listpackex whose TTLs were all removed is still a listpackex, dumped as type 25 with next TTL 0.
  await c.call('HPERSIST', 'd', 'FIELDS', '1', 'b');
  c.send(['DUMP', 'd']);
  const persisted = Buffer.from((await c.read()).value as string, 'latin1');
  t.equal(persisted[0], 25);
  t.equal(persisted.readBigInt64LE(1), 0n);
  const redis = await startRedis(t);
  if (redis === null) {
    t.comment('no redis-server: the Redis 7.0 refusal is not checked');
    return;
  }
  const r = await client(t, redis.port);
  t.equal(await r.call('RESTORE', 'fromCatena', '0', dump), '-ERR DUMP payload version or checksum are wrong\r\n', 'Redis 7.0 cannot load field TTLs');
  t.equal(await r.call('RESTORE', 'plainFromCatena', '0', plain.toString('latin1')), '+OK\r\n', 'but loads a plain hash');
});

// ---- command table, clients -------------------------------------------------------------------

t.test('COMMAND INFO and COMMAND DOCS carry the Redis 7.4 metadata (src/commands/h*.json)', async (t) => {
  const cat = await startCatena(t);
  const c = await client(t, cat.port);
  const rw = [
    'flags',
    [{ s: 'RW' }, { s: 'update' }],
    'begin_search',
    ['type', 'index', 'spec', ['index', 1]],
    'find_keys',
    ['type', 'range', 'spec', ['lastkey', 0, 'keystep', 1, 'limit', 0]],
  ];
  c.send(['COMMAND', 'INFO', 'hexpire', 'httl', 'hpersist', 'hpexpiretime']);
  const info = (await c.read()).value as unknown[];
  t.same(info[0], ['hexpire', -6, [{ s: 'write' }, { s: 'denyoom' }, { s: 'fast' }], 1, 1, 1, [{ s: '@write' }, { s: '@hash' }, { s: '@fast' }], [], [rw], []]);
  t.same((info[1] as unknown[]).slice(0, 7), ['httl', -5, [{ s: 'readonly' }, { s: 'fast' }], 1, 1, 1, [{ s: '@read' }, { s: '@hash' }, { s: '@fast' }]]);
  t.same((info[2] as unknown[]).slice(0, 3), ['hpersist', -5, [{ s: 'write' }, { s: 'fast' }]]);
  t.equal((info[3] as unknown[])[0], 'hpexpiretime');
  c.send(['COMMAND', 'DOCS', 'hexpireat']);
  const docs = (await c.read()).value as unknown[];
  const entry = docs[1] as unknown[];
  t.same(entry.slice(0, 8), ['summary', 'Set expiry for hash field using an absolute Unix timestamp (seconds)', 'since', '7.4.0', 'group', 'hash', 'complexity', 'O(N) where N is the number of specified fields']);
  const args = entry[9] as unknown[];
  t.same(
    args.map((a) => (a as unknown[])[1]),
    ['key', 'unix-time-seconds', 'condition', 'fields'],
  );
  t.equal(await c.call('COMMAND', 'GETKEYS', 'HEXPIRE', 'k', '1', 'FIELDS', '1', 'f'), bulks('k'));
});

t.test('ioredis: the field-expiry commands', async (t) => {
  const cat = await startCatena(t);
  const r = new Redis(cat.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
  t.teardown(() => r.disconnect());
  await r.hset('io', { a: '1', b: '2' });
  t.same(await r.hexpire('io', 100, 'FIELDS', 2, 'a', 'zz'), [1, -2]);
  t.same(await r.hpexpire('io', 100000, 'XX', 'FIELDS', 1, 'a'), [1]);
  const ttl = (await r.httl('io', 'FIELDS', 2, 'a', 'b')) as number[];
  t.same(ttl, [100, -1]);
  t.ok(((await r.hpttl('io', 'FIELDS', 1, 'a')) as number[])[0]! > 99000);
  t.same(await r.hpersist('io', 'FIELDS', 1, 'a'), [1]);
  t.same(await r.hexpiretime('io', 'FIELDS', 1, 'a'), [-1]);
  const at = Date.now() + 5000;
  t.same(await r.hpexpireat('io', at, 'FIELDS', 1, 'b'), [1]);
  t.same(await r.hpexpiretime('io', 'FIELDS', 1, 'b'), [at]);
  t.same(await r.hexpireat('io', 1, 'FIELDS', 1, 'b'), [2]);
  t.same(await r.hgetall('io'), { a: '1' });
  await t.rejects(r.hexpire('io', -1, 'FIELDS', 1, 'a'), /invalid expire time, must be >= 0/);
});

// ---- the engine: fixed clock ------------------------------------------------------------------

const table = buildTable();
function spec(name: string) {
  const s = table.get(name);
  if (s === undefined) throw new Error(`no ${name}`);
  return s;
}

/** An engine, a replica fed with its effects, and a clock the test moves. */
function engineWithReplica(start = 1_700_000_000_000) {
  const ks = new Keyspace();
  const replica = new Keyspace();
  const engine = new Engine(ks);
  let now = start;
  let seed = 1;
  const feed = (r: { effects: import('../src/engine/effects').Effect[] }) => {
    for (const e of r.effects) applyEffect(replica, e);
  };
  const run = (...args: string[]) => {
    const ctx: UpdateCtx = { nowMs: now, seed: seed++, db: 0 };
    const r = engine.apply(spec((args[0] as string).toLowerCase()), args, ctx);
    feed(r);
    return r;
  };
  const activeExpire = (...keys: string[]) => {
    const r = engine.expireHashFields(0, keys, { nowMs: now, seed: 0, db: 0 });
    feed(r);
    return r;
  };
  return { ks, replica, engine, run, activeExpire, set: (ms: number) => (now = ms), now: () => now };
}

/** Every hash of the two keyspaces: same encoding, same iteration order, same TTLs. */
function sameLayout(a: Keyspace, b: Keyspace, db = 0): string | null {
  for (const [k, v] of a.db(db).data.entries()) {
    const w = b.db(db).data.get(k);
    if (!(v instanceof HashValue)) continue;
    if (!(w instanceof HashValue)) return `${k}: not a hash on the replica`;
    if (v.encoding() !== w.encoding()) return `${k}: ${v.encoding()} vs ${w.encoding()}`;
    const fa: string[] = [];
    const fb: string[] = [];
    v.forEach((f, x, at) => fa.push(f, x, String(at)));
    w.forEach((f, x, at) => fb.push(f, x, String(at)));
    if (fa.join('\0') !== fb.join('\0')) return `${k}: fields, order or TTLs differ`;
  }
  return null;
}

const flat = (r: Reply): Reply[] => (r instanceof MapReply ? r.flat : (r as Reply[]));

t.test('the boundary instant: a field is valid through its TTL ms, deleted by active expiry at it (hashTypeGetValue, listpackExExpire)', async (t) => {
  const { ks, replica, run, activeExpire, set } = engineWithReplica();
  const T = 1_700_000_100_000;
  run('HSET', 'lp', 'a', '1', 'b', '2');
  run('HPEXPIREAT', 'lp', String(T), 'FIELDS', '1', 'a');
  const args = ['HSET', 'ht'];
  for (let i = 0; i < 600; i++) args.push(`f${i}`, 'v');
  run(...args);
  run('HPEXPIREAT', 'ht', String(T), 'FIELDS', '1', 'f1');
  set(T);
  t.equal(run('HGET', 'lp', 'a').reply, '1', 'at its TTL the field is still there (expiredAt >= now)');
  t.equal(run('HGET', 'ht', 'f1').reply, 'v');
  // httlGenericCommand tests a listpackex with `expire <= now`, a hashtable with `expire < now`.
  t.same(run('HPTTL', 'lp', 'FIELDS', '1', 'a').reply, [-2]);
  t.same(run('HPTTL', 'ht', 'FIELDS', '1', 'f1').reply, [0]);
  t.same(run('HTTL', 'ht', 'FIELDS', '1', 'f1').reply, [0]);
  t.same(run('HPERSIST', 'lp', 'FIELDS', '1', 'a').reply, [1], 'HPERSIST at the TTL (prevExpire < now is false)');
  run('HPEXPIREAT', 'lp', String(T + 10), 'FIELDS', '1', 'a');
  t.same(run('HPEXPIREAT', 'lp', String(T), 'FIELDS', '1', 'b').reply, [2], 'a TTL equal to now deletes (when <= now)');
  const r = activeExpire('ht', 'lp');
  t.equal(r.reply, 1, 'active expiry takes the field due now');
  t.same(r.effects, [{ op: 'hdel', db: 0, key: 'ht', fields: ['f1'] }]);
  t.same(
    r.events.map((e) => e.event),
    ['hexpired'],
  );
  set(T + 11);
  t.equal(run('HGET', 'lp', 'a').reply, null, 'after its TTL it is gone');
  t.same(run('HTTL', 'lp', 'FIELDS', '1', 'a').reply, [-2]);
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
  t.equal(sameLayout(ks, replica), null);
});

t.test('reads never change state; writes that meet an expired field expire it as Redis 7.4 does', async (t) => {
  const { ks, replica, run, set } = engineWithReplica();
  const T0 = 1_700_000_000_000;
  run('HSET', 'h', 'a', '1', 'b', '2', 'n', '5');
  run('HPEXPIREAT', 'h', String(T0 + 10), 'FIELDS', '2', 'a', 'n');
  set(T0 + 20);
  for (const cmd of [
    ['HGET', 'h', 'a'],
    ['HMGET', 'h', 'a', 'b'],
    ['HEXISTS', 'h', 'a'],
    ['HSTRLEN', 'h', 'a'],
    ['HGETALL', 'h'],
    ['HKEYS', 'h'],
    ['HVALS', 'h'],
    ['HLEN', 'h'],
    ['HSCAN', 'h', '0'],
    ['HRANDFIELD', 'h', '-5'],
    ['HTTL', 'h', 'FIELDS', '1', 'a'],
  ]) {
    const r = run(...cmd);
    t.same(r.effects, [], `${cmd[0]} emits nothing`);
    t.same(
      r.events.filter((e) => e.event !== 'keymiss'),
      [],
      `${cmd[0]} raises nothing`,
    );
  }
  t.same(flat(run('HGETALL', 'h').reply), ['b', '2'], 'HGETALL skips expired fields');
  t.equal(run('HLEN', 'h').reply, 3, 'HLEN counts them until deleted (hashTypeLength(o, 0))');
  t.same(run('HRANDFIELD', 'h', '-20').reply, Array(20).fill('b'), 'HRANDFIELD picks only live fields');
  // HINCRBY: the expired field is deleted (hdel, "hexpired"), then counted from 0.
  const incr = run('HINCRBY', 'h', 'n', '3');
  t.equal(incr.reply, 3);
  t.same(
    incr.effects.map((e) => e.op),
    ['hdel', 'hset'],
  );
  t.same(
    incr.events.map((e) => e.event),
    ['hexpired', 'hincrby'],
  );
  t.same(run('HTTL', 'h', 'FIELDS', '1', 'n').reply, [-1], 'the new field has no TTL');
  // HSET of an expired field that is still stored: 7.4's hashTypeSet finds it, so it is an update (0).
  t.equal(run('HSET', 'h', 'a', 'x').reply, 0);
  t.same(run('HTTL', 'h', 'FIELDS', '1', 'a').reply, [-1]);
  t.equal(run('HGET', 'h', 'a').reply, 'x');
  // HDEL counts a stored expired field; HEXPIRE finds it and gives it a new TTL; HPERSIST does not.
  run('HPEXPIREAT', 'h', String(T0 + 30), 'FIELDS', '2', 'a', 'b');
  set(T0 + 40);
  t.same(run('HPERSIST', 'h', 'FIELDS', '1', 'b').reply, [-2], 'HPERSIST: an expired field is no field');
  t.same(run('HPEXPIREAT', 'h', String(T0 + 100), 'XX', 'FIELDS', '1', 'b').reply, [1], 'HEXPIRE revives it (lpFind finds it)');
  t.equal(run('HGET', 'h', 'b').reply, '2');
  t.equal(run('HDEL', 'h', 'a').reply, 1, 'HDEL deletes (and counts) an expired field');
  // HSETNX: lazily expires the field, and the hash when it was the last one: a new hash.
  run('HDEL', 'h', 'n');
  set(T0 + 200);
  const nx = run('HSETNX', 'h', 'b', 'new');
  t.equal(nx.reply, 1);
  t.same(
    nx.effects.map((e) => e.op),
    ['hdel', 'hset'],
  );
  t.same(
    nx.events.map((e) => e.event),
    ['hexpired', 'del', 'new', 'hset'],
    'hashTypeExists(HFE_LAZY_EXPIRE) deleted the hash; HSETNX created a new one',
  );
  t.equal((ks.db(0).data.get('h') as HashValue).encoding(), 'listpack', 'the new hash is a plain listpack');
  // HINCRBYFLOAT on a hash whose only field expired: the same.
  run('HPEXPIREAT', 'h', String(T0 + 210), 'FIELDS', '1', 'b');
  set(T0 + 220);
  const fl = run('HINCRBYFLOAT', 'h', 'b', '1.5');
  t.equal(fl.reply, '1.5');
  t.same(
    fl.events.map((e) => e.event),
    ['hexpired', 'del', 'new', 'hincrbyfloat'],
  );
  // HRANDFIELD of a hash whose fields all expired: as a missing key.
  run('HPEXPIREAT', 'h', String(T0 + 230), 'FIELDS', '1', 'b');
  set(T0 + 240);
  t.equal(run('HRANDFIELD', 'h').reply, null);
  t.same(run('HRANDFIELD', 'h', '3', 'WITHVALUES').reply, []);
  t.same(flat(run('HGETALL', 'h').reply), []);
  t.equal(run('EXISTS', 'h').reply, 1, 'the key stays until a write or active expiry removes it');
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
  t.equal(sameLayout(ks, replica), null);
});

t.test('effects are sized by the change and carry TTLs: hexpire, hdel, hset keepTtl', async (t) => {
  const { ks, replica, run } = engineWithReplica();
  const T = 1_700_000_500_000;
  run('HSET', 'k', 'a', '1', 'b', '2');
  t.same(run('HPEXPIREAT', 'k', String(T), 'FIELDS', '3', 'a', 'b', 'zz').effects, [{ op: 'hexpire', db: 0, key: 'k', fields: ['a', 'b'], expireAt: T }]);
  t.same(run('HPEXPIREAT', 'k', String(T), 'NX', 'FIELDS', '1', 'a').effects, [], 'nothing changed, nothing emitted');
  t.same(run('HPERSIST', 'k', 'FIELDS', '2', 'a', 'zz').effects, [{ op: 'hexpire', db: 0, key: 'k', fields: ['a'], expireAt: null }]);
  t.same(run('HINCRBY', 'k', 'b', '1').effects, [{ op: 'hset', db: 0, key: 'k', fields: ['b', '3'], keepTtl: true }], 'HINCRBY of a field with a TTL keeps it');
  t.same(run('HINCRBY', 'k', 'a', '1').effects, [{ op: 'hset', db: 0, key: 'k', fields: ['a', '2'] }]);
  t.same(run('HPEXPIRE', 'k', '0', 'FIELDS', '1', 'b').effects, [{ op: 'hdel', db: 0, key: 'k', fields: ['b'] }]);
  run('HSET', 'p', 'a', '1');
  t.same(run('HPEXPIRE', 'p', '1000', 'XX', 'FIELDS', '1', 'a').effects, [{ op: 'hexpire', db: 0, key: 'p', fields: [], expireAt: null }], 'the listpackex conversion alone is an effect');
  t.equal((replica.db(0).data.get('p') as HashValue).encoding(), 'listpackex');
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
  t.equal(sameLayout(ks, replica), null);
  // The digest sees field TTLs.
  const before = keyspaceDigest(ks);
  run('HPEXPIREAT', 'k', String(T + 1), 'FIELDS', '1', 'a');
  t.not(keyspaceDigest(ks), before, 'a TTL change changes the digest');
});

t.test('active expiry: earliest fields first, at most activeExpireHashFieldsPerCycle per update', async (t) => {
  const { ks, replica, run, activeExpire, set } = engineWithReplica();
  const T = 1_700_000_000_000;
  const args = ['HSET', 'q'];
  for (let i = 0; i < 1500; i++) args.push(`f${i}`, 'v');
  run(...args);
  for (let i = 0; i < 1500; i += 100) {
    const fields: string[] = [];
    for (let j = i; j < i + 100; j++) fields.push(`f${j}`);
    run('HPEXPIREAT', 'q', String(T + 1 + i), 'FIELDS', '100', ...fields);
  }
  set(T + 5000);
  const first = activeExpire('q');
  t.equal(first.reply, 1000);
  const deleted = (first.effects[0] as { fields: string[] }).fields;
  t.equal(deleted[0], 'f0');
  t.equal(deleted.length, 1000);
  t.ok(deleted.every((f) => Number(f.slice(1)) < 1000), 'the earliest TTLs went first');
  t.equal(run('HLEN', 'q').reply, 500);
  t.equal(activeExpire('q').reply, 500);
  t.equal(ks.db(0).data.has('q'), false, 'the emptied hash is gone');
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
});

t.test('a random field-expiry workload with a moving clock replays to the same keyspace, encodings, orders and TTLs', async (t) => {
  const start = Date.now();
  const { ks, replica, run, activeExpire, set } = engineWithReplica(start);
  const v = new Vocab(new Rng(99));
  let effects = 0;
  let hexpired = 0;
  for (let i = 0; i < 20000; i++) {
    set(start + i);
    const cmd = generate(v, i).args;
    const s = table.get((cmd[0] as string).toLowerCase());
    if (s === undefined || s.data === undefined || s.blocking) continue;
    if ((s.arity > 0 && cmd.length !== s.arity) || cmd.length < -s.arity) continue;
    const r = run(...cmd);
    effects += r.effects.length;
    hexpired += r.events.filter((e) => e.event === 'hexpired').length;
    if (i % 100 === 99) {
      const a = activeExpire(...[...ks.db(0).data.keys()]);
      hexpired += a.events.filter((e) => e.event === 'hexpired').length;
    }
    if (i % 2000 === 1999) {
      const layout = sameLayout(ks, replica);
      if (keyspaceDigest(ks) !== keyspaceDigest(replica) || layout !== null) {
        t.fail(`replica differs after ${i + 1} commands: ${layout ?? 'digest'}`);
        return;
      }
    }
  }
  t.ok(effects > 5000, `${effects} effects replayed`);
  t.ok(hexpired > 100, `${hexpired} hash-field expirations (lazy and active)`);
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
  t.equal(sameLayout(ks, replica), null);
  t.equal(sameLayout(ks, replica, 1), null);
});
