// The hashes family against Redis 7.0's t_hash.c: a scripted tour of every command and its
// edge cases byte-for-byte against a real Redis (RESP2 and RESP3), encodings at the
// thresholds, DUMP/RESTORE (listpack, hashtable, ziplist and zipmap payloads), keyspace
// events in Redis's order, the same commands through ioredis and node-redis, 100k-field
// hashes compared with Redis, the effects every command emits (replayed into an empty
// keyspace they rebuild it — same digest, same encodings, same iteration order; sized by the
// change), and the cost of HSET/HGET and the memory of a 10-field hash.
import t from 'tap';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { keyspaceEventsOf } from './helpers/scripted';
import { Vocab } from './helpers/differential';
import { generate } from './diff/gen-hashes';
import { buildTable } from '../src/commands/table';
import { Keyspace } from '../src/engine/keyspace';
import { Engine } from '../src/engine/engine';
import { applyEffect, type Effect } from '../src/engine/effects';
import { keyspaceDigest } from '../src/engine/digest';
import { Rng } from '../src/engine/rng';
import { crc64LE } from '../src/engine/crc64';
import { HashValue, decodeListpack, encodeListpack } from '../src/engine/types/hash';
import type { UpdateCtx } from '../src/engine/exec';

/**
 * Timing measurements are not tests (CI must never depend on timing): the cost-by-size table
 * runs only with CATENA_COSTS=1. `npm run bench:collections` measures it next to Redis.
 */
const costsSkip: string | false = process.env.CATENA_COSTS ? false : 'timing measurement: set CATENA_COSTS=1 (or npm run bench:collections)';


const L64 = 'x'.repeat(64);
const L65 = 'y'.repeat(65);

function fields(n: number, prefix = 'f'): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${prefix}${i}`, `v${i}`);
  return out;
}

/** Commands run one by one on both servers; replies compared byte for byte. */
const TOUR: string[][] = [
  ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
  ['HGETALL', 'h'],
  ['HSET', 'h', 'a', '10', 'd', '4'],
  ['HGETALL', 'h'],
  ['HKEYS', 'h'],
  ['HVALS', 'h'],
  ['HLEN', 'h'],
  ['HGET', 'h', 'a'],
  ['HGET', 'h', 'zz'],
  ['HGET', 'nokey', 'a'],
  ['HMGET', 'h', 'a', 'zz', 'b'],
  ['HMGET', 'nokey', 'a', 'b'],
  ['HEXISTS', 'h', 'a'],
  ['HEXISTS', 'h', 'zz'],
  ['HEXISTS', 'nokey', 'a'],
  ['HSTRLEN', 'h', 'a'],
  ['HSTRLEN', 'h', 'zz'],
  ['HSTRLEN', 'nokey', 'a'],
  ['HLEN', 'nokey'],
  ['HGETALL', 'nokey'],
  ['HKEYS', 'nokey'],
  ['HVALS', 'nokey'],
  ['HSET', 'h', 'a'],
  ['HSET', 'h', 'a', '1', 'b'],
  ['HMSET', 'h', 'a', '1', 'b'],
  ['HMSET', 'h', 'e', '5'],
  ['HSET', 'h', '', ''],
  ['HSET', 'h', 'bin\x00\r\n\xff', 'v\x00\xff'],
  ['HGETALL', 'h'],
  ['HDEL', 'h', 'a', 'zz', 'a'],
  ['HDEL', 'nokey', 'a'],
  ['HDEL', 'h', 'b', 'c', 'd', 'e', '', 'bin\x00\r\n\xff', 'more'],
  ['EXISTS', 'h'],
  ['HSETNX', 'n', 'f', 'v'],
  ['HSETNX', 'n', 'f', 'w'],
  ['HGET', 'n', 'f'],
  // Counters.
  ['HINCRBY', 'n', 'i', '5'],
  ['HINCRBY', 'n', 'i', '-7'],
  ['HINCRBY', 'n', 'f', '1'],
  ['HINCRBY', 'n', 'i', 'x'],
  ['HINCRBY', 'n', 'i', '1.5'],
  ['HINCRBY', 'n', 'i', ''],
  ['HINCRBY', 'n', 'big', '9223372036854775807'],
  ['HINCRBY', 'n', 'big', '1'],
  ['HINCRBY', 'n', 'big', '-1'],
  ['HINCRBY', 'n', 'small', '-9223372036854775808'],
  ['HINCRBY', 'n', 'small', '-1'],
  ['HINCRBY', 'n', 'small', '9223372036854775808'],
  ['HSET', 'n', 'z', '007'],
  ['HINCRBY', 'n', 'z', '1'],
  ['HINCRBY', 'nokey2', 'x', 'y'],
  ['EXISTS', 'nokey2'],
  ['HINCRBYFLOAT', 'n', 'fl', '10.5'],
  ['HINCRBYFLOAT', 'n', 'fl', '0.1'],
  ['HINCRBYFLOAT', 'n', 'fl', '-5.0e3'],
  ['HINCRBYFLOAT', 'n', 'fl', '3.0e3'],
  ['HINCRBYFLOAT', 'n', 'i', '1.5'],
  ['HINCRBYFLOAT', 'n', 'z', '1'],
  ['HINCRBYFLOAT', 'n', 'f', '1'],
  ['HINCRBYFLOAT', 'n', 'fl', 'abc'],
  ['HINCRBYFLOAT', 'n', 'fl', 'inf'],
  ['HINCRBYFLOAT', 'n', 'fl', '-inf'],
  ['HINCRBYFLOAT', 'n', 'fl', 'nan'],
  ['HINCRBYFLOAT', 'n', 'fl', ''],
  ['HINCRBYFLOAT', 'n', 'fl', ' 1'],
  ['HINCRBYFLOAT', 'n', 'fl', '0x10'],
  ['HINCRBYFLOAT', 'n', 'huge', '1e4932'],
  ['HINCRBYFLOAT', 'n', 'huge', '1e4932'],
  ['HINCRBYFLOAT', 'n', 'tiny', '1e-4950'],
  ['HINCRBYFLOAT', 'n', 'big', '1'],
  ['HSET', 'n', 'infval', 'inf'],
  ['HINCRBYFLOAT', 'n', 'infval', '1'],
  ['HINCRBYFLOAT', 'nokey3', 'x', 'inf'],
  ['EXISTS', 'nokey3'],
  ['HMGET', 'n', 'i', 'z', 'fl', 'huge', 'tiny', 'big', 'small', 'infval', 'f'],
  ['OBJECT', 'ENCODING', 'n'],
  // Wrong type.
  ['SET', 's', 'x'],
  ['HSET', 's', 'a', '1'],
  ['HMSET', 's', 'a', '1'],
  ['HSETNX', 's', 'a', '1'],
  ['HGET', 's', 'a'],
  ['HMGET', 's', 'a'],
  ['HDEL', 's', 'a'],
  ['HLEN', 's'],
  ['HSTRLEN', 's', 'a'],
  ['HEXISTS', 's', 'a'],
  ['HKEYS', 's'],
  ['HVALS', 's'],
  ['HGETALL', 's'],
  ['HINCRBY', 's', 'a', '1'],
  ['HINCRBY', 's', 'a', 'x'],
  ['HINCRBYFLOAT', 's', 'a', '1'],
  ['HINCRBYFLOAT', 's', 'a', 'inf'],
  ['HRANDFIELD', 's'],
  ['HRANDFIELD', 's', '1'],
  ['HRANDFIELD', 's', 'x'],
  ['HSCAN', 's', '0'],
  ['HSCAN', 's', 'x'],
  ['HSET', 's', 'a'],
  // Arity (the table) and unknown options.
  ['HSET', 'h'],
  ['HGET', 'h'],
  ['HGETALL'],
  ['HSETNX', 'h', 'a'],
  ['HSCAN', 'h'],
  ['HRANDFIELD'],
  // Encodings at the thresholds: values and fields of 64 vs 65 bytes.
  ['HSET', 'e1', 'f', L64],
  ['OBJECT', 'ENCODING', 'e1'],
  ['HSET', 'e1', 'g', L65],
  ['OBJECT', 'ENCODING', 'e1'],
  ['HSET', 'e2', L65, 'v'],
  ['OBJECT', 'ENCODING', 'e2'],
  ['HSET', 'e3', L64, 'v'],
  ['OBJECT', 'ENCODING', 'e3'],
  ['HSET', 'e4', 'a', '1'],
  ['HSETNX', 'e4', 'a', L65],
  ['OBJECT', 'ENCODING', 'e4'],
  ['HSETNX', 'e4', 'b', L65],
  ['OBJECT', 'ENCODING', 'e4'],
  ['HSET', 'e5', 'a', '1'],
  ['HINCRBY', 'e5', L65, '1'],
  ['OBJECT', 'ENCODING', 'e5'],
  ['HSET', 'e6', 'a', '1'],
  ['HINCRBYFLOAT', 'e6', 'a', '1e60'],
  ['OBJECT', 'ENCODING', 'e6'],
  ['HINCRBYFLOAT', 'e6', 'a', '1e70'],
  ['OBJECT', 'ENCODING', 'e6'],
  ['HDEL', 'e6', 'a'],
  ['EXISTS', 'e6'],
  // ...and 512 vs 513 fields (hash-max-listpack-entries), in one HSET or one at a time.
  ['HSET', 'c512', ...fields(512)],
  ['OBJECT', 'ENCODING', 'c512'],
  ['HSET', 'c512', 'f0', 'again'],
  ['OBJECT', 'ENCODING', 'c512'],
  ['HSETNX', 'c512', 'f512', 'v'],
  ['OBJECT', 'ENCODING', 'c512'],
  ['HLEN', 'c512'],
  ['HSET', 'c513', ...fields(513)],
  ['OBJECT', 'ENCODING', 'c513'],
  ['HDEL', 'c513', 'f0', 'f1', 'f2'],
  ['OBJECT', 'ENCODING', 'c513'],
  ['HSET', 'dup', ...fields(300), ...fields(300)],
  ['OBJECT', 'ENCODING', 'dup'],
  ['HLEN', 'dup'],
  // The thresholds follow CONFIG SET.
  ['CONFIG', 'SET', 'hash-max-listpack-entries', '3'],
  ['CONFIG', 'SET', 'hash-max-listpack-value', '4'],
  ['HSET', 'k3', 'a', '1', 'b', '2', 'c', '3'],
  ['OBJECT', 'ENCODING', 'k3'],
  ['HSET', 'k3', 'd', '4'],
  ['OBJECT', 'ENCODING', 'k3'],
  ['HSET', 'k4', 'a', '1', 'a', '2', 'a', '3', 'a', '4'],
  ['OBJECT', 'ENCODING', 'k4'],
  ['HSET', 'k5', 'a', '12345'],
  ['OBJECT', 'ENCODING', 'k5'],
  ['HSET', 'k6', 'a', '1234'],
  ['OBJECT', 'ENCODING', 'k6'],
  ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'],
  ['HSET', 'k7', 'a', '1'],
  ['OBJECT', 'ENCODING', 'k7'],
  ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
  ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
  // HRANDFIELD: errors, missing keys, and the whole hash in listpack order.
  ['HSET', 'r', 'a', '1', 'b', '2', 'c', '3'],
  ['HRANDFIELD', 'nokey'],
  ['HRANDFIELD', 'nokey', '5'],
  ['HRANDFIELD', 'nokey', '-5', 'WITHVALUES'],
  ['HRANDFIELD', 'r', '0'],
  ['HRANDFIELD', 'r', '0', 'withvalues'],
  ['HRANDFIELD', 'r', '3'],
  ['HRANDFIELD', 'r', '5', 'WithValues'],
  ['HRANDFIELD', 'r', '9223372036854775807'],
  ['HRANDFIELD', 'r', '4611686018427387903', 'withvalues'],
  ['HRANDFIELD', 'r', '4611686018427387904', 'withvalues'],
  ['HRANDFIELD', 'r', '-4611686018427387904', 'withvalues'],
  ['HRANDFIELD', 'r', '-9223372036854775808'],
  ['HRANDFIELD', 'r', '9223372036854775808'],
  ['HRANDFIELD', 'r', 'x'],
  ['HRANDFIELD', 'r', '1.5'],
  ['HRANDFIELD', 'r', '1', 'withvalue'],
  ['HRANDFIELD', 'r', '1', 'withvalues', 'x'],
  ['HRANDFIELD', 'r', '3', 'withvalues\x00junk'],
  ['HSET', 'r1', 'only', 'one'],
  ['HRANDFIELD', 'r1'],
  ['HRANDFIELD', 'r1', '1', 'withvalues'],
  ['HRANDFIELD', 'r1', '-3', 'withvalues'],
  ['HRANDFIELD', 'r1', '-3'],
  // HSCAN: a listpack comes back whole with cursor 0, COUNT or not.
  ['HSCAN', 'r', '0'],
  ['HSCAN', 'r', '17'],
  ['HSCAN', 'r', '0', 'COUNT', '1'],
  ['HSCAN', 'r', '0', 'MATCH', 'a*'],
  ['HSCAN', 'r', '0', 'match', '[bc]', 'count', '100'],
  ['HSCAN', 'r', '0', 'MATCH', '*'],
  ['HSCAN', 'r', '0', 'COUNT', '0'],
  ['HSCAN', 'r', '0', 'COUNT', '-1'],
  ['HSCAN', 'r', '0', 'COUNT', 'x'],
  ['HSCAN', 'r', '0', 'COUNT'],
  ['HSCAN', 'r', '0', 'MATCH'],
  ['HSCAN', 'r', '0', 'TYPE', 'string'],
  ['HSCAN', 'r', '0', 'NOVALUES'],
  ['HSCAN', 'r', 'x'],
  ['HSCAN', 'r', ' 0'],
  ['HSCAN', 'r', '-1'],
  ['HSCAN', 'r', '+0'],
  ['HSCAN', 'r', ''],
  ['HSCAN', 'r', '18446744073709551615'],
  ['HSCAN', 'r', '18446744073709551616'],
  ['HSCAN', 'nokey', '0', 'COUNT', '0', 'junk'],
  ['HSCAN', 'nokey', 'x'],
  ['HSET', 'one', L65, 'v'],
  ['HSCAN', 'one', '0'],
  ['HSCAN', 'one', '0', 'MATCH', 'y*'],
  ['HSCAN', 'one', '0', 'MATCH', 'z*'],
  ['HGETALL', 'one'],
  ['HRANDFIELD', 'one', '-2', 'WITHVALUES'],
  // DUMP of a listpack hash is Redis's listpack, byte for byte; TYPE and friends.
  ['DUMP', 'r'],
  ['DUMP', 'one'],
  ['HSET', 'ints', 'a', '0', 'b', '127', 'c', '128', 'd', '-4096', 'e', '4095', 'f', '-4097', 'g', '32767', 'h', '32768', 'i', '8388607', 'j', '8388608', 'k', '2147483648', 'l', '-9223372036854775808', 'm', '00', 'n', '-0', 'o', '1.0'],
  ['DUMP', 'ints'],
  ['HSET', 'lz', 'field', 'a'.repeat(60), 'other', 'b'.repeat(60)],
  ['DUMP', 'lz'],
  ['TYPE', 'r'],
  ['OBJECT', 'ENCODING', 'r'],
  ['COPY', 'r', 'r2'],
  ['HGETALL', 'r2'],
  ['RENAME', 'r2', 'r3'],
  ['HGETALL', 'r3'],
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
      const shown = cmd.map((a) => (a.length > 40 ? `${JSON.stringify(a.slice(0, 20))}…(${a.length})` : JSON.stringify(a)));
      out.push(`${shown.slice(0, 8).join(' ')}${cmd.length > 8 ? ` …(${cmd.length} args)` : ''} → ${JSON.stringify((await c.read()).raw)}`);
    }
    return out;
  } finally {
    c.close();
  }
}

for (const proto of [2, 3] as const) {
  t.test(`every hash command and its edge cases answer byte-for-byte as Redis 7.0 (RESP${proto})`, async (t) => {
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

// ---- the packed listpack (one string per hash) ------------------------------------------------

/** The 256 byte values, 64 to a string: four values exactly at hash-max-listpack-value. */
const BYTES = [0, 1, 2, 3].map((q) => {
  let s = '';
  for (let b = q * 64; b < q * 64 + 64; b++) s += String.fromCharCode(b);
  return s;
});

/**
 * What the packed encoding could get wrong, against Redis: every byte value in fields and
 * values, empty fields and values, lengths at the value limit and past one varint char
 * (127/128), deletes at either end and in the middle, batches with duplicate and updated
 * fields, conversion at both limits (mid-batch too). DUMP and MEMORY USAGE show the listpack
 * itself is Redis's, byte for byte.
 */
const PACKED: string[][] = [
  ['HSET', 'bin', BYTES[0] as string, BYTES[1] as string, BYTES[2] as string, BYTES[3] as string, BYTES[3] as string, BYTES[0] as string, '\x00\r\n\xff', '\x80'],
  ['HGETALL', 'bin'],
  ...BYTES.map((b) => ['HGET', 'bin', b]),
  ['HSTRLEN', 'bin', BYTES[2] as string],
  ['OBJECT', 'ENCODING', 'bin'],
  ['DUMP', 'bin'],
  ['MEMORY', 'USAGE', 'bin'],
  ['HSCAN', 'bin', '0'],
  ['HRANDFIELD', 'bin', '4', 'WITHVALUES'],
  ['COPY', 'bin', 'bin2'],
  ['HSET', 'bin2', BYTES[0] as string, ''],
  ['HGETALL', 'bin2'],
  ['HGETALL', 'bin'],
  // Empty fields and values; a batch that sets a field twice keeps the last value, counts it once.
  ['HSET', 'e', '', '', 'a', '', '', 'x', 'b', 'y', 'a', 'z'],
  ['HGETALL', 'e'],
  ['HGET', 'e', ''],
  ['HEXISTS', 'e', ''],
  ['HSTRLEN', 'e', ''],
  ['DUMP', 'e'],
  ['HDEL', 'e', ''],
  ['HGETALL', 'e'],
  ['HSET', 'e', '', ''],
  ['HGETALL', 'e'],
  // Deletes first, middle, last; an update keeps its place; a new field goes last.
  ['HSET', 'd', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5', 'f', '6'],
  ['HDEL', 'd', 'a'],
  ['HGETALL', 'd'],
  ['HDEL', 'd', 'd'],
  ['HGETALL', 'd'],
  ['HDEL', 'd', 'f'],
  ['HGETALL', 'd'],
  ['HSET', 'd', 'c', 'three', 'a', 'again', 'b', ''],
  ['HGETALL', 'd'],
  ['DUMP', 'd'],
  ['HDEL', 'd', 'b', 'c', 'e', 'a'],
  ['EXISTS', 'd'],
  // Exactly hash-max-listpack-value stays a listpack; one byte more converts.
  ['HSET', 'lim', 'f', L64, L64, 'v'],
  ['OBJECT', 'ENCODING', 'lim'],
  ['HSET', 'lim', 'g', L65],
  ['OBJECT', 'ENCODING', 'lim'],
  ['HGET', 'lim', L64],
  ['HSETNX', 'nx', 'f', L64],
  ['HSETNX', 'nx', 'f', L65],
  ['OBJECT', 'ENCODING', 'nx'],
  // Counters rewrite a value in place, at any length.
  ['HSET', 'n', 'pre', 'x', 'i', '9', 'post', 'y'],
  ['HINCRBY', 'n', 'i', '1'],
  ['HINCRBY', 'n', 'i', '-100000000000'],
  ['HINCRBYFLOAT', 'n', 'i', '0.25'],
  ['HGETALL', 'n'],
  ['DUMP', 'n'],
  // Lengths of 128 and more (two varint chars) under a larger value limit.
  ['CONFIG', 'SET', 'hash-max-listpack-value', '300'],
  ['HSET', 'long', 'a'.repeat(127), 'b'.repeat(128), 'c'.repeat(128), 'd'.repeat(300), 'e', 'f'.repeat(200)],
  ['HGETALL', 'long'],
  ['OBJECT', 'ENCODING', 'long'],
  ['DUMP', 'long'],
  ['MEMORY', 'USAGE', 'long'],
  ['HSET', 'long', 'c'.repeat(128), 'short', 'a'.repeat(127), 'g'.repeat(129)],
  ['HGETALL', 'long'],
  ['DUMP', 'long'],
  ['HDEL', 'long', 'a'.repeat(127)],
  ['HGETALL', 'long'],
  ['HSET', 'long', 'x', 'h'.repeat(301)],
  ['OBJECT', 'ENCODING', 'long'],
  ['HLEN', 'long'],
  ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
  // The entries limit: reached exactly stays a listpack; passed converts, mid-batch too.
  ['CONFIG', 'SET', 'hash-max-listpack-entries', '4'],
  ['HSET', 'c4', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'a', '5'],
  ['OBJECT', 'ENCODING', 'c4'],
  ['HGETALL', 'c4'],
  ['HSET', 'c4', 'e', '5'],
  ['OBJECT', 'ENCODING', 'c4'],
  ['HSET', 'c6', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5', 'a', 'x', 'f', '6'],
  ['OBJECT', 'ENCODING', 'c6'],
  ['HMGET', 'c6', 'a', 'b', 'e', 'f', 'g'],
  ['HLEN', 'c6'],
  ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
  ['HSET', 'big', ...fields(512)],
  ['OBJECT', 'ENCODING', 'big'],
  ['HGET', 'big', 'f511'],
  ['HSET', 'big', 'f0', 'updated'],
  ['HGET', 'big', 'f0'],
  ['HDEL', 'big', 'f300'],
  ['HSET', 'big', 'f300', 'back', 'f512', 'new'],
  ['OBJECT', 'ENCODING', 'big'],
  ['HSET', 'big', 'f513', 'over'],
  ['OBJECT', 'ENCODING', 'big'],
  ['HLEN', 'big'],
  ['HMGET', 'big', 'f0', 'f300', 'f513'],
  ['HSET', 'big2', ...fields(513)],
  ['OBJECT', 'ENCODING', 'big2'],
];

t.test('the packed listpack answers as Redis 7.0: every byte, empty strings, both limits, varint lengths', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const theirs = await transcript(redis.port, 2, PACKED);
  const mine = await transcript(cat.port, 2, PACKED);
  for (let i = 0; i < PACKED.length; i++) if (mine[i] !== theirs[i]) t.equal(mine[i], theirs[i], `command #${i}`);
  t.same(mine, theirs, `${PACKED.length} replies identical`);
});

/**
 * The hash as the listpack of Redis t_hash.c keeps it, written as plainly as possible: flat
 * pairs and one TTL per pair (listpackex), TTL'd fields first by TTL. After a conversion only
 * the contents are compared (a Dict's order is its own).
 */
class ListpackModel {
  pairs: string[] = [];
  ttls: number[] | null = null;
  hashtable = false;
  constructor(private readonly limits: { hashMaxListpackEntries: number; hashMaxListpackValue: number }) {}
  find(f: string): number {
    for (let i = 0; i < this.pairs.length; i += 2) if (this.pairs[i] === f) return i;
    return -1;
  }
  insert(f: string, v: string, at: number): void {
    const t = this.ttls as number[];
    if (at !== 0 && !this.hashtable) {
      for (let j = 0; j < t.length; j++) {
        const c = t[j] as number;
        if (c === 0 || c >= at) {
          this.pairs.splice(2 * j, 0, f, v);
          t.splice(j, 0, at);
          return;
        }
      }
    }
    this.pairs.push(f, v);
    t.push(at);
  }
  set(f: string, v: string, keepTtl: boolean): boolean {
    if (f.length > this.limits.hashMaxListpackValue || v.length > this.limits.hashMaxListpackValue) this.hashtable = true;
    const i = this.find(f);
    if (i >= 0) {
      this.pairs[i + 1] = v;
      const t = this.ttls;
      if (t !== null && !keepTtl && t[i >> 1] !== 0) {
        if (this.hashtable) t[i >> 1] = 0;
        else {
          this.pairs.splice(i, 2);
          t.splice(i >> 1, 1);
          this.insert(f, v, 0);
        }
      }
      return false;
    }
    this.pairs.push(f, v);
    this.ttls?.push(0);
    if (this.pairs.length >> 1 > this.limits.hashMaxListpackEntries) this.hashtable = true;
    return true;
  }
  delete(f: string): boolean {
    const i = this.find(f);
    if (i < 0) return false;
    this.pairs.splice(i, 2);
    this.ttls?.splice(i >> 1, 1);
    return true;
  }
  setTtl(f: string, at: number): void {
    const i = this.find(f);
    const t = this.ttls as number[];
    if (this.hashtable) {
      t[i >> 1] = at;
      return;
    }
    const v = this.pairs[i + 1] as string;
    this.pairs.splice(i, 2);
    t.splice(i >> 1, 1);
    this.insert(f, v, at);
  }
  rows(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.pairs.length; i += 2) out.push(JSON.stringify([this.pairs[i], this.pairs[i + 1], this.ttls === null ? 0 : this.ttls[i >> 1]]));
    return out;
  }
}

t.test('the packed listpack keeps Redis\'s listpack: a random model check of order, TTL order, binary data, conversion', async (t) => {
  const rng = new Rng(2024);
  const limits = { hashMaxListpackEntries: 12, hashMaxListpackValue: 200 };
  const names = ['', 'a', 'b', '\x00', '\xff\x80', 'field-of-13ch', 'f'.repeat(127), 'g'.repeat(128), 'h'.repeat(200), 'j', 'k', 'l', 'm', 'n'];
  // Now and then a field or value one byte over the limit, which converts.
  const name = (): string => (rng.int(80) === 0 ? 'i'.repeat(201) : (names[rng.int(names.length)] as string));
  const bytes = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(rng.int(256));
    return s;
  };
  const value = (): string => bytes(rng.int(80) === 0 ? 201 : ([0, 1, 13, 64, 127, 128, 200][rng.int(7)] as number));
  const ttl = (): number => [0, 1, 2 ** 48 - 1, 1_700_000_000_000 + rng.int(1000), 127, 128, 16384][rng.int(7)] as number;
  let checks = 0;
  for (let round = 0; round < 300; round++) {
    const h = new HashValue(7);
    const m = new ListpackModel(limits);
    const log: string[] = [];
    for (let step = 0; step < 40; step++) {
      const f = name();
      const op = rng.int(10);
      if (op < 4) {
        const args: string[] = [];
        const n = 1 + rng.int(4);
        for (let i = 0; i < n; i++) args.push(rng.int(3) === 0 ? f : name(), value());
        const keepTtl = rng.int(4) === 0;
        log.push(`set ${args.length / 2} keep=${keepTtl}`);
        // HSET's order: conversion over all arguments first, then the pairs in turn.
        h.tryConversion(args, 0, args.length - 1, limits);
        if (args.some((a) => a.length > limits.hashMaxListpackValue)) m.hashtable = true;
        let created = 0;
        for (let i = 0; i < args.length; i += 2) if (m.set(args[i] as string, args[i + 1] as string, keepTtl)) created++;
        if (h.setFields(args, 0, limits, keepTtl) !== created) return t.fail(`round ${round}: created count differs (${log.join('; ')})`);
      } else if (op < 6) {
        log.push(`del ${JSON.stringify(f)}`);
        if (h.delete(f) !== m.delete(f)) return t.fail(`round ${round}: delete differs (${log.join('; ')})`);
      } else if (op < 7) {
        log.push('enable');
        if (m.ttls === null) m.ttls = m.pairs.filter((_, i) => i % 2 === 0).map(() => 0);
        h.enableFieldTtl();
      } else if (m.ttls !== null && m.find(f) >= 0) {
        const at = ttl();
        log.push(`ttl ${JSON.stringify(f)} ${at}`);
        m.setTtl(f, at);
        h.setTtl(f, at);
      }
      const mine: string[] = [];
      h.forEach((hf, hv, at) => mine.push(JSON.stringify([hf, hv, at])));
      const want = m.rows();
      const enc = m.hashtable ? 'hashtable' : m.ttls === null ? 'listpack' : 'listpackex';
      if (h.encoding() !== enc) return t.fail(`round ${round}: encoding ${h.encoding()}, expected ${enc} (${log.join('; ')})`);
      if (m.hashtable ? mine.slice().sort().join() !== want.slice().sort().join() : mine.join() !== want.join()) {
        return t.fail(`round ${round} step ${step}: contents differ (${log.join('; ')})`);
      }
      if (h.size !== want.length) return t.fail(`round ${round}: size ${h.size}, expected ${want.length}`);
      const i = m.find(f);
      const at = i < 0 || m.ttls === null ? 0 : (m.ttls[i >> 1] as number);
      if (h.get(f) !== (i < 0 ? undefined : m.pairs[i + 1]) || h.has(f) !== i >= 0 || h.ttlOf(f) !== (m.ttls === null ? 0 : at)) {
        return t.fail(`round ${round}: lookup of ${JSON.stringify(f)} differs (${log.join('; ')})`);
      }
      if (!m.hashtable) {
        const min = m.ttls?.[0] ?? 0;
        if (h.minExpire() !== min || h.hasFieldTtls() !== (min !== 0)) return t.fail(`round ${round}: minExpire differs`);
        const due = h.dueFields(1_700_000_000_500, 3);
        const dueWant: string[] = [];
        for (let j = 0; j < m.pairs.length >> 1 && dueWant.length < 3; j++) {
          const c = (m.ttls ?? [])[j] ?? 0;
          if (c === 0 || c > 1_700_000_000_500) break;
          dueWant.push(m.pairs[2 * j] as string);
        }
        if (due.join('\0') !== dueWant.join('\0')) return t.fail(`round ${round}: dueFields differ (${log.join('; ')})`);
        const entries = m.ttls === null ? m.pairs : m.pairs.flatMap((p, j) => (j % 2 === 0 ? [p] : [p, String((m.ttls as number[])[j >> 1])]));
        if (JSON.stringify(h.listpackEntries()) !== JSON.stringify(entries)) return t.fail(`round ${round}: listpackEntries differ`);
        if (want.length > 0) {
          const k = rng.int(want.length);
          const pick = h.randomPair(() => (k + 0.5) / want.length);
          if (pick[0] !== m.pairs[2 * k] || pick[1] !== m.pairs[2 * k + 1]) return t.fail(`round ${round}: randomPair differs`);
        }
      }
      const c = h.clone();
      if (c.encoding() !== h.encoding() || c.canonical().join('\0') !== h.canonical().join('\0')) return t.fail(`round ${round}: clone differs`);
      checks++;
    }
  }
  t.ok(checks > 10000, `${checks} states checked against the model`);
});

t.test('RESTORE of a field-TTL hash loads its fields into a listpackex in TTL order, whatever the payload order', async (t) => {
  const rng = new Rng(99);
  const limits = { hashMaxListpackEntries: 512, hashMaxListpackValue: 64 };
  for (let round = 0; round < 50; round++) {
    const n = 1 + rng.int(30);
    const rows: Array<[string, string, number]> = [];
    for (let i = 0; i < n; i++) rows.push([`f${i}\x00\xff`, 'v'.repeat(rng.int(65)), rng.int(3) === 0 ? 0 : 1_700_000_000_000 + rng.int(5) * 1000]);
    const h = new HashValue(1, '', true);
    const m = new ListpackModel(limits);
    m.ttls = [];
    const seen = new Set<string>();
    // listpackExAddNew: before the first field whose TTL is none or not earlier.
    for (const [f, v, at] of rows) {
      h.loadField(f, v, at, limits, seen);
      m.insert(f, v, at);
    }
    const got: string[] = [];
    h.forEach((f, v, at) => got.push(JSON.stringify([f, v, at])));
    if (got.join() !== m.rows().join()) return t.fail(`round ${round}: order differs`);
    if (h.loadField('f0\x00\xff', 'again', 0, limits, seen)) return t.fail('a duplicate field is accepted');
  }
  t.pass('50 loads in TTL order, duplicates refused');
});

// ---- DUMP / RESTORE ------------------------------------------------------------------------

/** A ziplist (the encoding of Redis before 7.0) holding `entries`, as ziplist.c lays it out. */
function ziplist(entries: string[]): Buffer {
  const parts: Buffer[] = [];
  let prevlen = 0;
  let tail = 10;
  let off = 10;
  for (const s of entries) {
    const pre = Buffer.alloc(prevlen < 254 ? 1 : 5);
    if (prevlen < 254) pre[0] = prevlen;
    else {
      pre[0] = 0xfe;
      pre.writeUInt32LE(prevlen, 1);
    }
    let enc: Buffer;
    const n = /^(0|-?[1-9][0-9]{0,8})$/.test(s) ? Number(s) : null;
    if (n !== null && n >= 0 && n <= 12) enc = Buffer.from([0xf1 + n]);
    else if (n !== null && n >= -128 && n <= 127) enc = Buffer.from([0xfe, n & 0xff]);
    else if (n !== null && n >= -32768 && n <= 32767) {
      enc = Buffer.alloc(3);
      enc[0] = 0xc0;
      enc.writeInt16LE(n, 1);
    } else if (n !== null && n >= -8388608 && n <= 8388607) {
      enc = Buffer.alloc(4);
      enc[0] = 0xf0;
      enc.writeIntLE(n, 1, 3);
    } else if (n !== null) {
      enc = Buffer.alloc(5);
      enc[0] = 0xd0;
      enc.writeInt32LE(n, 1);
    } else if (s.length < 64) enc = Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
    else enc = Buffer.concat([Buffer.from([0x40 | (s.length >> 8), s.length & 0xff]), Buffer.from(s, 'latin1')]);
    const e = Buffer.concat([pre, enc]);
    tail = off;
    off += e.length;
    prevlen = e.length;
    parts.push(e);
  }
  const body = Buffer.concat(parts);
  const out = Buffer.alloc(10 + body.length + 1);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt32LE(tail, 4);
  out.writeUInt16LE(entries.length, 8);
  body.copy(out, 10);
  out[out.length - 1] = 0xff;
  return out;
}

/** A zipmap (Redis before 2.6): <zmlen> (<len>key<len><free>value)* 0xff. */
function zipmap(pairs: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length / 2])];
  for (let i = 0; i < pairs.length; i += 2) {
    const k = pairs[i] as string;
    const v = pairs[i + 1] as string;
    parts.push(Buffer.from([k.length]), Buffer.from(k, 'latin1'), Buffer.from([v.length, 1]), Buffer.from(v, 'latin1'), Buffer.from([0]));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

/** A DUMP payload around an object of `type` whose body is one RDB string holding `blob`. */
function payload(type: number, blob: Buffer): string {
  const len = blob.length;
  const lenBytes = len < 64 ? Buffer.from([len]) : Buffer.from([0x40 | (len >> 8), len & 0xff]);
  const body = Buffer.concat([Buffer.from([type]), lenBytes, blob, Buffer.from([10, 0])]);
  return Buffer.concat([body, crc64LE(body)]).toString('latin1');
}

t.test('DUMP and RESTORE: Redis payloads of every hash encoding restore as in Redis', async (t) => {
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
  // Payloads made by Redis itself: listpack, LZF-compressed listpack, hashtable.
  const make: string[][] = [
    ['HSET', 'lp', 'a', '1', 'b', 'two', 'c', '-300', 'd', '100000'],
    ['HSET', 'lzf', 'field', 'a'.repeat(60), 'other', 'b'.repeat(60)],
    ['HSET', 'ht', 'k', L65, 'x', '1'],
  ];
  for (const cmd of make) await rc.call(...cmd);
  const sources: Array<[string, string]> = [];
  for (const k of ['lp', 'lzf', 'ht']) {
    rc.send(['DUMP', k]);
    sources.push([k, (await rc.read()).value as string]);
  }
  sources.push(['ziplist', payload(13, ziplist(['a', '1', 'b', 'hello', 'c', '-300', 'd', '100000', 'e', '3000000000', 'f', 'x'.repeat(70)]))]);
  sources.push(['zipmap', payload(9, zipmap(['name', 'catena', 'n', '42']))]);
  sources.push(['manyzl', payload(13, ziplist(fields(600)))]);
  const steps = (k: string, p: string): string[][] => [
    ['RESTORE', `r-${k}`, '0', p],
    ['HGETALL', `r-${k}`],
    ['OBJECT', 'ENCODING', `r-${k}`],
    ['HLEN', `r-${k}`],
    ['RESTORE', `r-${k}`, '0', p],
    ['RESTORE', `r-${k}`, '0', p, 'REPLACE'],
    ['RESTORE', `r-${k}`, '0', p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) ^ 1), 'REPLACE'],
  ];
  for (const [k, p] of sources) {
    for (const cmd of steps(k, p)) {
      const theirs = await rc.call(...cmd);
      const mine = await cc.call(...cmd);
      if (k === 'ht' && (cmd[0] === 'HGETALL' || cmd[0] === 'DUMP')) continue;
      if (k === 'manyzl' && cmd[0] === 'HGETALL') {
        t.equal(mine.length, theirs.length, `${k}: ${cmd[0]} (a hashtable: same length)`);
        continue;
      }
      t.equal(mine, theirs, `${k}: ${cmd.slice(0, 2).join(' ')}`);
    }
    // What Catena dumps for a listpack it restored is what Redis dumps.
    if (k !== 'ht' && k !== 'manyzl') t.equal(await cc.call('DUMP', `r-${k}`), await rc.call('DUMP', `r-${k}`), `${k}: DUMP after RESTORE`);
  }
  // Load-time conversion follows the thresholds: a listpack with too many entries restores as a hashtable.
  for (const c of [rc, cc]) await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', '2');
  const lp = sources[0]?.[1] as string;
  t.equal(await cc.call('RESTORE', 'conv', '0', lp), await rc.call('RESTORE', 'conv', '0', lp));
  t.equal(await cc.call('OBJECT', 'ENCODING', 'conv'), '$9\r\nhashtable\r\n');
  t.equal(await rc.call('OBJECT', 'ENCODING', 'conv'), '$9\r\nhashtable\r\n');
  for (const c of [rc, cc]) await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', '512');
  // Corrupt blobs are refused as Redis refuses them.
  const bad = [payload(16, Buffer.from([7, 0, 0, 0, 0, 0, 0xff])), payload(16, encodeListpack(['a', '1', 'b'])), payload(16, encodeListpack(['a', '1', 'a', '2']))];
  for (const p of bad) t.equal(await cc.call('RESTORE', 'bad', '0', p), '-ERR Bad data format\r\n');
});

t.test('listpack blobs round-trip and match Redis\'s entry encodings', async (t) => {
  const entries = ['', 'a', '0', '127', '128', '-1', '-4096', '4095', '-4097', '32767', '-32769', '8388607', '-8388609', '2147483647', '2147483648', '-9223372036854775808', '9223372036854775807', '9223372036854775808', '01', '-0', '+1', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(4095), 'w'.repeat(4096), 'v'.repeat(200)];
  t.same(decodeListpack(encodeListpack(entries)), entries);
  // A 128-byte entry needs a two-byte backlen.
  const lp = encodeListpack(['q'.repeat(130)]);
  t.equal(lp.length, 6 + 2 + 130 + 2 + 1);
  t.throws(() => decodeListpack(Buffer.from([8, 0, 0, 0, 1, 0, 0x81, 0xff])), 'a truncated entry is refused');
});

// ---- keyspace events -----------------------------------------------------------------------

t.test('keyspace events come in Redis order (new, hset, hdel, hincrby, del...)', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const script: string[][] = [
    ['HSET', 'e1', 'a', '1'],
    ['HSET', 'e1', 'a', '1'],
    ['HMSET', 'e1', 'b', '2'],
    ['HSETNX', 'e1', 'a', 'x'],
    ['HSETNX', 'e1', 'c', 'x'],
    ['HSETNX', 'e2', 'c', 'x'],
    ['HINCRBY', 'e1', 'n', '1'],
    ['HINCRBY', 'e1', 'n', 'x'],
    ['HINCRBY', 'e3', 'n', '1'],
    ['HINCRBYFLOAT', 'e1', 'f', '1.5'],
    ['HINCRBYFLOAT', 'e4', 'f', '1.5'],
    ['HDEL', 'e1', 'zz'],
    ['HDEL', 'e1', 'a', 'b'],
    ['HDEL', 'e2', 'c'],
    ['HGET', 'e1', 'c'],
    ['HGETALL', 'e1'],
    ['HDEL', 'e1', 'c', 'n', 'f', 'more'],
  ];
  const run = (port: number): Promise<string[]> => keyspaceEventsOf(port, script, 'KEAn', '__key*@0__:*');

  const theirs = await run(redis.port);
  const mine = await run(cat.port);
  t.ok(theirs.length > 30, `Redis sent ${theirs.length} events`);
  t.same(mine, theirs, 'the same events, in the same order');
});

// ---- clients -------------------------------------------------------------------------------

t.test('ioredis: every hash command', async (t) => {
  const cat = await startCatena(t);
  const r = new Redis(cat.port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 0 });
  t.teardown(() => r.disconnect());
  t.equal(await r.hset('u:1', { name: 'Ada', born: '1815', lang: 'en' }), 3);
  t.same(await r.hgetall('u:1'), { name: 'Ada', born: '1815', lang: 'en' });
  t.equal(await r.hset('u:1', 'name', 'Ada Lovelace'), 0);
  t.equal(await r.hget('u:1', 'name'), 'Ada Lovelace');
  t.same(await r.hmget('u:1', 'name', 'nope', 'born'), ['Ada Lovelace', null, '1815']);
  t.equal(await r.hmset('u:1', { x: '1' }), 'OK');
  t.equal(await r.hsetnx('u:1', 'x', '2'), 0);
  t.equal(await r.hsetnx('u:1', 'y', '2'), 1);
  t.equal(await r.hexists('u:1', 'y'), 1);
  t.equal(await r.hlen('u:1'), 5);
  t.equal(await r.hstrlen('u:1', 'name'), 12);
  t.same(await r.hkeys('u:1'), ['name', 'born', 'lang', 'x', 'y'], 'listpack order is insertion order');
  t.same(await r.hvals('u:1'), ['Ada Lovelace', '1815', 'en', '1', '2']);
  t.equal(await r.hincrby('u:1', 'born', 10), 1825);
  t.equal(await r.hincrbyfloat('u:1', 'score', '2.5'), '2.5');
  await t.rejects(r.hincrby('u:1', 'name', 1), /ERR hash value is not an integer/);
  await t.rejects(r.hincrbyfloat('u:1', 'name', 1), /ERR hash value is not a float/);
  t.equal(await r.hdel('u:1', 'x', 'y', 'zz'), 2);
  const field = await r.hrandfield('u:1');
  t.ok(['name', 'born', 'lang', 'score'].includes(field as string), 'HRANDFIELD picks a field');
  t.equal(((await r.hrandfield('u:1', 3)) as string[]).length, 3);
  t.equal(((await r.hrandfield('u:1', -10, 'WITHVALUES')) as string[]).length, 20);
  const [cursor, items] = await r.hscan('u:1', '0', 'MATCH', 'b*');
  t.same([cursor, items], ['0', ['born', '1825']]);
  await r.set('str', 'v');
  await t.rejects(r.hget('str', 'a'), /WRONGTYPE/);
  t.equal(await r.type('u:1'), 'hash');
  t.equal(await r.object('ENCODING', 'u:1'), 'listpack');
});

t.test('node-redis (RESP3): HGETALL is a map, HRANDFIELD WITHVALUES pairs', async (t) => {
  const cat = await startCatena(t);
  const c = createClient({ url: cat.url, RESP: 3 });
  await c.connect();
  t.teardown(() => c.destroy());
  await c.hSet('m', { a: '1', b: '2' });
  const all = await c.hGetAll('m');
  t.same({ ...all }, { a: '1', b: '2' });
  t.same(await c.sendCommand(['HRANDFIELD', 'm', '2', 'WITHVALUES']), [
    ['a', '1'],
    ['b', '2'],
  ]);
  t.same(await c.hKeys('m'), ['a', 'b']);
});

// ---- big hashes -----------------------------------------------------------------------------

t.test('a 100,000-field hash: the same contents as in Redis, scanned and sampled correctly', async (t) => {
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
      const args: string[] = [];
      for (let j = i; j < i + 1000; j++) args.push(`field:${j}`, `value:${j * 7}`);
      p.hset('big', ...args);
    }
    p.hincrby('big', 'field:5', 1);
    p.hdel('big', 'field:6', 'field:7');
    p.hincrbyfloat('big', 'counter', '1.25');
    await p.exec();
  }
  t.equal(await c.hlen('big'), await r.hlen('big'));
  t.equal(await c.object('ENCODING', 'big'), 'hashtable');
  const mine = await c.hgetall('big');
  const theirs = await r.hgetall('big');
  t.equal(Object.keys(mine).length, n - 1);
  t.same(mine, theirs, 'HGETALL: the same fields and values as Redis');
  t.same((await c.hkeys('big')).sort(), (await r.hkeys('big')).sort());
  t.same((await c.hvals('big')).sort(), (await r.hvals('big')).sort());
  t.same(await c.hmget('big', 'field:5', 'field:6', 'field:99999', 'counter'), await r.hmget('big', 'field:5', 'field:6', 'field:99999', 'counter'));
  // A full HSCAN returns every field (at least once) with its value, ending at cursor 0.
  const seen = new Map<string, string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, items] = await c.hscan('big', cursor, 'COUNT', 1000);
    for (let i = 0; i < items.length; i += 2) seen.set(items[i] as string, items[i + 1] as string);
    cursor = next;
    calls++;
  } while (cursor !== '0');
  t.equal(seen.size, n - 1, `HSCAN saw every field in ${calls} calls`);
  t.ok(calls > 50 && calls < 500, 'HSCAN COUNT 1000 returns about 1000 fields per call');
  t.equal(seen.get('field:99999'), 'value:699993');
  const some = (await c.hrandfield('big', 100, 'WITHVALUES')) as string[];
  t.equal(some.length, 200);
  t.equal(new Set(some.filter((_, i) => i % 2 === 0)).size, 100, 'a positive count gives distinct fields');
  for (let i = 0; i < some.length; i += 2) if (mine[some[i] as string] !== some[i + 1]) t.fail(`HRANDFIELD value of ${some[i]}`);
  t.equal(((await c.hrandfield('big', 60000)) as string[]).length, 60000, 'most of the hash (count*3 > size)');
  t.equal(new Set((await c.hrandfield('big', 60000)) as string[]).size, 60000);
  t.equal(((await c.hrandfield('big', -5000)) as string[]).length, 5000);
  t.equal(((await c.hrandfield('big', 200000)) as string[]).length, n - 1, 'a count beyond the size gives the whole hash');
  // Delete it all, one HDEL: the key is gone.
  t.equal(await c.hdel('big', ...Object.keys(mine)), n - 1);
  t.equal(await c.exists('big'), 0);
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
  for (const k of [ks, replica]) k.encoding.hashMaxListpackEntries = 512;
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

/** Every hash of the two keyspaces has the same encoding and the same iteration order. */
function sameLayout(a: Keyspace, b: Keyspace): string | null {
  for (const [k, v] of a.db(0).data.entries()) {
    const w = b.db(0).data.get(k);
    if (!(v instanceof HashValue)) continue;
    if (!(w instanceof HashValue)) return `${k}: not a hash on the replica`;
    if (v.encoding() !== w.encoding()) return `${k}: ${v.encoding()} vs ${w.encoding()}`;
    const fa: string[] = [];
    const fb: string[] = [];
    v.forEach((f, x) => fa.push(f, x));
    w.forEach((f, x) => fb.push(f, x));
    if (fa.join('\0') !== fb.join('\0')) return `${k}: iteration order differs`;
  }
  return null;
}

t.test('effects of the random hash workload rebuild the same keyspace: digest, encodings, order', async (t) => {
  const { ks, replica, run } = engineWithReplica();
  const v = new Vocab(new Rng(77));
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
  t.equal(sameLayout(ks, replica), null, 'same encodings and iteration order on the replica');
  const encodings = new Set([...ks.db(0).data.entries()].map(([, x]) => (x instanceof HashValue ? x.encoding() : '')));
  t.ok(encodings.has('hashtable') || encodings.has('listpack'), `encodings seen at the end: ${[...encodings].join(', ')}`);
});

t.test('effects are sized by the change, and emptied hashes vanish on replay too', async (t) => {
  const { ks, replica, run } = engineWithReplica();
  for (let i = 0; i < 100000; i += 5000) run('HSET', 'big', ...fields(5000, `p${i}-`));
  t.same(run('HSET', 'big', 'new', 'v').effects, [{ op: 'hset', db: 0, key: 'big', fields: ['new', 'v'] }], 'HSET of one field on a 100k hash emits one field');
  t.same(run('HSETNX', 'big', 'new', 'w').effects, [], 'HSETNX of an existing field emits nothing');
  t.same(run('HINCRBY', 'big', 'n', '5').effects, [{ op: 'hset', db: 0, key: 'big', fields: ['n', '5'] }], 'HINCRBY emits the new value');
  t.same(run('HINCRBYFLOAT', 'big', 'n', '0.5').effects, [{ op: 'hset', db: 0, key: 'big', fields: ['n', '5.5'] }]);
  t.same(run('HDEL', 'big', 'new', 'absent').effects, [{ op: 'hdel', db: 0, key: 'big', fields: ['new'] }], 'HDEL emits only what it removed');
  t.same(run('HDEL', 'big', 'absent').effects, []);
  t.same(run('HGETALL', 'big').effects, [], 'reads emit nothing');
  t.same(run('HRANDFIELD', 'big', '-10').effects, []);
  t.same(run('HSCAN', 'big', '0').effects, []);
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
  // A hash with a TTL emptied by HDEL: key and TTL gone on both sides, "hdel" then "del".
  run('HSET', 'ttl', 'a', '1', 'b', '2');
  const exp: Effect = { op: 'expire', db: 0, key: 'ttl', expireAt: 1_800_000_000_000 };
  applyEffect(ks, exp);
  applyEffect(replica, exp);
  const last = run('HDEL', 'ttl', 'a', 'b', 'c');
  t.equal(last.reply, 2);
  t.same(last.events.map((e) => `${e.event}:${e.key}`), ['hdel:ttl', 'del:ttl']);
  for (const k of [ks, replica]) {
    t.equal(k.db(0).data.has('ttl'), false);
    t.equal(k.db(0).expires.has('ttl'), false);
  }
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
});

t.test('a copied hashtable hash iterates alike live and on the replica (COPY, RESTORE)', async (t) => {
  const { ks, replica, run } = engineWithReplica();
  for (let i = 0; i < 2000; i += 500) run('HSET', 'src', ...fields(500, `c${i}-`));
  run('HDEL', 'src', ...fields(300, 'c0-').filter((_, i) => i % 2 === 0));
  t.equal((ks.db(0).data.get('src') as HashValue).encoding(), 'hashtable');
  run('COPY', 'src', 'dst');
  const dump = run('DUMP', 'src').reply as string;
  run('RESTORE', 'restored', '0', dump);
  t.equal(sameLayout(ks, replica), null, 'the same iteration order on both sides');
  const order = (k: Keyspace, key: string): string => {
    const out: string[] = [];
    (k.db(0).data.get(key) as HashValue).forEach((f) => out.push(f));
    return out.join(',');
  };
  t.equal(order(ks, 'dst'), order(ks, 'src'), 'a copy iterates as its original');
  t.equal(run('HSCAN', 'dst', '0').reply?.toString(), run('HSCAN', 'src', '0').reply?.toString(), 'and scans alike');
});

t.test('an expired hash is gone for reads and deleted by writes, with an effect', async (t) => {
  const { ks, replica, run, advance, now } = engineWithReplica();
  run('HSET', 'x', 'a', '1');
  const exp: Effect = { op: 'expire', db: 0, key: 'x', expireAt: now() + 10 };
  applyEffect(ks, exp);
  applyEffect(replica, exp);
  advance(20);
  const read = run('HGET', 'x', 'a');
  t.equal(read.reply, null, 'an expired hash reads as missing');
  t.same(read.effects, [], 'a read does not delete');
  t.equal(ks.db(0).data.has('x'), true);
  const write = run('HSET', 'x', 'b', '2');
  t.equal(write.reply, 1, 'a write starts a new hash');
  t.same(
    write.effects.map((e) => e.op),
    ['del', 'hset'],
  );
  t.same(
    write.events.map((e) => e.event),
    ['expired', 'new', 'hset'],
  );
  t.equal(ks.db(0).expires.has('x'), false, 'the new hash has no TTL');
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
});

// ---- cost and memory ------------------------------------------------------------------------

t.test('HSET/HGET cost stays flat from 1 to 1,000,000 fields', { skip: costsSkip }, async (t) => {
  const ks = new Keyspace();
  ks.encoding.hashMaxListpackEntries = 512;
  const engine = new Engine(ks);
  const ctx: UpdateCtx = { nowMs: 1, seed: 1, db: 0 };
  const hset = spec('hset');
  const hget = spec('hget');
  let size = 0;
  const rows: Array<{ size: number; hset: number; hget: number; encoding: string }> = [];
  for (const target of [1, 1e3, 1e5, 1e6]) {
    while (size < target) {
      const n = Math.min(1000, target - size);
      const args = ['HSET', 'k'];
      for (let i = 0; i < n; i++) args.push(`field-${size + i}`, `value-${size + i}`);
      engine.apply(hset, args, ctx);
      size += n;
    }
    const ops = 50000;
    const names: string[] = [];
    for (let i = 0; i < 1024; i++) names.push(`field-${(i * 7919) % size}`);
    const time = (f: () => void): number => {
      let best = Infinity;
      for (let rep = 0; rep < 5; rep++) {
        const t0 = process.hrtime.bigint();
        f();
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / ops);
      }
      return best;
    };
    const set = time(() => {
      for (let i = 0; i < ops; i++) engine.apply(hset, ['HSET', 'k', names[i & 1023] as string, 'updated'], ctx);
    });
    const get = time(() => {
      for (let i = 0; i < ops; i++) engine.apply(hget, ['HGET', 'k', names[i & 1023] as string], ctx);
    });
    rows.push({ size: target, hset: set, hget: get, encoding: (ks.db(0).data.get('k') as HashValue).encoding() });
  }
  t.comment('| fields | encoding | HSET (update) µs/op | HGET µs/op |');
  for (const r of rows) t.comment(`| ${r.size} | ${r.encoding} | ${r.hset.toFixed(3)} | ${r.hget.toFixed(3)} |`);
  const k1 = rows[1] as (typeof rows)[number];
  const m1 = rows[3] as (typeof rows)[number];
  t.ok(m1.hset < k1.hset * 4 + 0.5, 'HSET at 1M fields is not slower than at 1k beyond noise');
  t.ok(m1.hget < k1.hget * 4 + 0.5, 'HGET at 1M fields is not slower than at 1k beyond noise');
  t.equal((ks.db(0).data.get('k') as HashValue).size, 1e6);
});

t.test('a 10-field hash costs one packed string, not a string per field: bytes per hash over 100,000 hashes', async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const ks = new Keyspace();
  const engine = new Engine(ks);
  const ctx: UpdateCtx = { nowMs: 1, seed: 1, db: 0 };
  const hset = spec('hset');
  const n = 100000;
  // Arguments as the network delivers them: fresh flat strings decoded from bytes (a template
  // literal would make rope strings, which cost more than anything the server holds).
  const wire = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');
  const argsFor = (i: number): string[] => {
    const args = ['HSET', wire(`user:${i}`)];
    for (let j = 0; j < 10; j++) args.push(wire(`field${j}`), wire(`value-${i}-${j}`));
    return args;
  };
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) engine.apply(hset, argsFor(i), ctx);
  gc();
  const after = process.memoryUsage().heapUsed;
  const perHash = (after - before) / n;
  t.comment(`10-field hash: ${perHash.toFixed(0)} bytes per hash (heap delta over ${n} hashes, key and keyspace entry included)`);
  const h = ks.db(0).data.get('user:1') as HashValue;
  t.equal(h.encoding(), 'listpack');
  t.same(h.listpackEntries()?.slice(0, 4), ['field0', 'value-1-0', 'field1', 'value-1-1'], 'its listpack entries, in order');
  // Key, keyspace entry, HashValue and one ~200-byte string; 21 separate strings cost ~1000.
  t.ok(perHash < 450, `under 450 bytes per 10-field hash (${perHash.toFixed(0)})`);
});
