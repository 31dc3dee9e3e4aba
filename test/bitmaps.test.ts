// The bitmap family. Three layers: the engine (effects sized by the change, keyspace events,
// TTLs, the 512 MB offset limit, raw encoding), byte-exact scripts of edge cases and the
// keyspace events a subscriber sees, replayed against a real Redis 7.0, and real clients
// over sockets (ioredis: binary bitmaps, BITFIELD).
import t from 'tap';
import Redis from 'ioredis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { c, quiet, sameAsRedis, type Step } from './helpers/scripted';
import { Keyspace } from '../src/engine/keyspace';
import { Engine } from '../src/engine/engine';
import { applyEffect, type Effect } from '../src/engine/effects';
import type { KeyEvent } from '../src/engine/exec';
import { RawString, isString, stringOf } from '../src/engine/values';
import { keyspaceDigest } from '../src/engine/digest';
import { buildTable } from '../src/commands/table';
import { ErrorReply, type Reply } from '../src/resp/reply';

const table = buildTable();
const T0 = 1_700_000_000_000;

class Node {
  readonly ks = new Keyspace();
  readonly engine = new Engine(this.ks);
  effects: Effect[] = [];
  all: Effect[] = [];
  events: KeyEvent[] = [];
  run(...args: string[]): Reply {
    const spec = table.get((args[0] as string).toLowerCase());
    if (spec === undefined) throw new Error(`no command ${args[0]}`);
    const r = this.engine.apply(spec, args, { nowMs: T0, seed: 1, db: 0 });
    this.effects = r.effects;
    this.all.push(...r.effects);
    this.events = r.events;
    return r.reply;
  }
  /** The events of the last command other than keymiss (raised by every read miss). */
  get writeEvents(): string[] {
    return this.events.filter((e) => e.event !== 'keymiss').map((e) => e.event + e.cls);
  }
  raw(key: string): unknown {
    return this.ks.db(0).data.get(key);
  }
  value(key: string): string | undefined {
    const v = this.ks.db(0).data.get(key);
    return v === undefined ? undefined : isString(v) ? stringOf(v) : '<collection>';
  }
}

function errText(r: Reply): string | null {
  return r instanceof ErrorReply ? r.text : null;
}

t.test('engine: SETBIT emits a one-byte setrange, keeps the TTL, and raises setbit only on a change', async (t) => {
  const n = new Node();
  t.equal(n.run('SETBIT', 'k', '7', '1'), 0);
  t.same(n.effects, [{ op: 'setrange', db: 0, key: 'k', offset: 0, bytes: '\x01' }]);
  t.same(n.events.map((e) => e.event + e.cls), ['newn', 'setbit$']);
  t.ok(n.raw('k') instanceof RawString, 'a bitmap is a raw string');
  t.equal(n.run('SETBIT', 'k', '7', '1'), 1, 'the old bit');
  t.same(n.effects, [], 'no change, no effect');
  t.same(n.events, [], 'no change, no event (Redis 7.0.15 checks the bit)');
  t.equal(n.run('SETBIT', 'k', '100', '0'), 0);
  t.same(n.effects, [{ op: 'setrange', db: 0, key: 'k', offset: 12, bytes: '\x00' }], 'growing by zeros is one byte too');
  t.same(n.events.map((e) => e.event), ['setbit'], 'growing is a change');
  t.equal(n.value('k'), '\x01' + '\x00'.repeat(12));

  n.run('SET', 's', 'foobar', 'EX', '100');
  t.equal(n.run('SETBIT', 's', '1', '1'), 1);
  t.same(n.effects, [{ op: 'setrange', db: 0, key: 's', offset: 0, bytes: '' }], 'an unchanged embstr still becomes raw');
  t.ok(n.raw('s') instanceof RawString);
  t.equal(n.run('SETBIT', 's', '0', '1'), 0);
  t.same(n.effects, [{ op: 'setrange', db: 0, key: 's', offset: 0, bytes: '\xe6' }]);
  t.equal(n.ks.db(0).expires.get('s'), T0 + 100_000, 'SETBIT keeps the TTL');

  for (const [off, val, text] of [
    ['-1', '1', 'ERR bit offset is not an integer or out of range'],
    ['4294967296', '1', 'ERR bit offset is not an integer or out of range'],
    ['x', '1', 'ERR bit offset is not an integer or out of range'],
    ['0', '2', 'ERR bit is not an integer or out of range'],
    ['0', '-1', 'ERR bit is not an integer or out of range'],
    ['0', '01', 'ERR bit is not an integer or out of range'],
  ] as const) {
    t.equal(errText(n.run('SETBIT', 'e', off, val)), text, `SETBIT e ${off} ${val}`);
  }
  t.equal(n.value('e'), undefined, 'errors create nothing');
});

t.test('engine: the last addressable bit (2^32-1) allocates 512 MB and replicates one byte', async (t) => {
  const n = new Node();
  t.equal(n.run('SETBIT', 'big', '4294967295', '1'), 0);
  t.same(n.effects, [{ op: 'setrange', db: 0, key: 'big', offset: 536870911, bytes: '\x01' }]);
  t.equal(n.run('STRLEN', 'big'), 536870912);
  t.equal(n.run('GETBIT', 'big', '4294967295'), 1);
  t.equal(n.run('GETBIT', 'big', '4294967294'), 0);
  t.equal(n.run('BITCOUNT', 'big'), 1);
  t.equal(n.run('BITCOUNT', 'big', '-1', '-1', 'BIT'), 1);
  t.equal(n.run('BITPOS', 'big', '1'), 4294967295);
  t.equal(n.run('BITPOS', 'big', '0', '-1'), 536870911 * 8);
  t.same(n.run('BITFIELD', 'big', 'GET', 'u8', '#536870911', 'GET', 'i64', '4294967290'), [1, 288230376151711744n], 'reads past the end see zeros');
  n.run('DEL', 'big');
});

t.test('engine: BITFIELD writes only the bytes that change; growth, FAIL and BITFIELD_RO', async (t) => {
  const n = new Node();
  t.same(n.run('BITFIELD', 'k', 'SET', 'u8', '#2', '255'), [0]);
  t.same(n.effects, [
    { op: 'setrange', db: 0, key: 'k', offset: 2, bytes: '\x00' },
    { op: 'setrange', db: 0, key: 'k', offset: 2, bytes: '\xff' },
  ]);
  t.same(n.events.map((e) => e.event), ['new', 'setbit']);
  t.same(n.run('BITFIELD', 'k', 'SET', 'u8', '#2', '255', 'GET', 'u4', '20'), [255, 15]);
  t.same(n.effects, [], 'nothing changed');
  t.same(n.events, []);
  t.same(n.run('BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '#2', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '-200'), [null, -128]);
  t.same(n.effects, [{ op: 'setrange', db: 0, key: 'k', offset: 0, bytes: '\x80' }], 'the failed INCRBY writes nothing');
  t.same(n.run('BITFIELD', 'k', 'INCRBY', 'i5', '3', '100'), [4]);
  t.same(n.run('BITFIELD', 'k', 'SET', 'i64', '64', '-2', 'GET', 'u63', '65'), [0, 9223372036854775806n]);
  t.same(n.effects[0], { op: 'setrange', db: 0, key: 'k', offset: 15, bytes: '\x00' }, 'growth to the farthest bit first');
  t.same(n.effects[1], { op: 'setrange', db: 0, key: 'k', offset: 8, bytes: '\xff'.repeat(7) + '\xfe' }, 'an i64 at a byte boundary is 8 bytes');
  t.equal(n.effects.length, 2);
  t.same(n.run('BITFIELD_RO', 'k', 'GET', 'i64', '64', 'GET', 'u8', '#100'), [-2, 0]);
  t.equal(errText(n.run('BITFIELD_RO', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1')), 'ERR BITFIELD_RO only supports the GET subcommand');
  t.same(n.run('BITFIELD', 'nokey', 'GET', 'u8', '0'), [0]);
  t.equal(n.value('nokey'), undefined, 'GET-only BITFIELD is a read');
  t.same(n.run('BITFIELD', 'new', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '9'), [null]);
  t.equal(n.value('new'), '\x00', 'Redis creates the key (zeroed) even when every write fails');
  t.same(n.events.map((e) => e.event), ['new'], '...with "new" but no setbit event');
  const replay = new Keyspace();
  for (const e of n.all) applyEffect(replay, e);
  t.equal(keyspaceDigest(replay), keyspaceDigest(n.ks), 'the effects replay to the same keyspace');
});

t.test('engine: BITOP stores a raw string without TTL; an empty result deletes destkey', async (t) => {
  const n = new Node();
  n.run('SET', 'a', 'abc');
  n.run('SET', 'b', '\xff\x00');
  n.run('SET', 'd', 'old', 'EX', '100');
  t.equal(n.run('BITOP', 'AND', 'd', 'a', 'b', 'missing'), 3);
  t.equal(n.value('d'), '\x00\x00\x00');
  t.ok(n.raw('d') instanceof RawString, 'OBJECT ENCODING raw, as createObject');
  t.equal(n.ks.db(0).expires.get('d'), undefined, 'setKey drops the TTL');
  t.same(n.writeEvents, ['set$']);
  t.equal(n.run('BITOP', 'OR', 'd', 'a', 'b'), 3);
  t.equal(n.value('d'), '\xffbc');
  t.equal(n.run('BITOP', 'NOT', 'd', 'b'), 2);
  t.equal(n.value('d'), '\x00\xff');
  t.equal(n.run('BITOP', 'XOR', 'd', 'a', 'a'), 3);
  t.equal(n.value('d'), '\x00\x00\x00');
  const put = n.effects.find((e) => e.op === 'put') as Extract<Effect, { op: 'put' }>;
  n.run('SETBIT', 'd', '0', '1');
  t.equal(stringOf(put.value as RawString), '\x00\x00\x00', 'the effect does not alias the live value');
  t.equal(n.run('BITOP', 'AND', 'd', 'missing', 'missing2'), 0);
  t.equal(n.value('d'), undefined, 'an empty result deletes destkey');
  t.same(n.writeEvents, ['delg']);
  t.equal(n.run('BITOP', 'AND', 'd', 'missing'), 0);
  t.same(n.writeEvents, [], 'nothing to delete, no event');
  t.equal(errText(n.run('BITOP', 'NOT', 'd', 'a', 'b')), 'ERR BITOP NOT must be called with a single source key.');
  t.equal(errText(n.run('BITOP', 'NAND', 'd', 'a')), 'ERR syntax error');
  t.equal(n.run('BITOP', 'and\x00junk', 'd', 'a'), 3, 'the operation name is compared as a C string');
});

t.test('engine: BITCOUNT and BITPOS agree on JS strings and raw strings at every alignment', async (t) => {
  const n = new Node();
  let seed = 12345;
  const rand = (k: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % k;
  };
  let checked = 0;
  for (let round = 0; round < 60; round++) {
    const len = [0, 1, 3, 7, 31, 64, 65, 100, 257, 1000, 4099][round % 11] as number;
    const pattern = round % 3;
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(pattern === 0 ? rand(256) : pattern === 1 ? (rand(50) === 0 ? rand(256) : 0) : rand(50) === 0 ? rand(256) : 255);
    n.run('SET', 'js', s);
    // A RawString whose bytes start at a random offset of a pooled buffer.
    n.run('SET', 'raw', 'x'.repeat(rand(8)));
    n.run('DEL', 'raw');
    n.run('SETRANGE', 'raw', '0', s);
    if (s.length === 0) n.run('SET', 'raw', '');
    let naive = 0;
    for (let i = 0; i < s.length; i++) for (let b = 0; b < 8; b++) naive += (s.charCodeAt(i) >> b) & 1;
    t.equal(n.run('BITCOUNT', 'js'), naive);
    for (let q = 0; q < 10; q++) {
      const a = String(rand(2 * len + 3) - len - 1);
      const b = String(rand(2 * len + 3) - len - 1);
      const unit = rand(2) ? 'BIT' : 'BYTE';
      const bit = String(rand(2));
      for (const cmd of [
        ['BITCOUNT', 'K', a, b, unit],
        ['BITPOS', 'K', bit, a, b, unit],
        ['BITPOS', 'K', bit, a],
        ['BITPOS', 'K', bit],
      ]) {
        const js = n.run(...cmd.map((x) => (x === 'K' ? 'js' : x)));
        const raw = n.run(...cmd.map((x) => (x === 'K' ? 'raw' : x)));
        if (js !== raw) t.fail(`${cmd.join(' ')} on ${JSON.stringify(s).slice(0, 40)}: ${String(js)} vs ${String(raw)}`);
        checked++;
      }
    }
  }
  t.ok(checked >= 2000, `${checked} range queries agree`);
});

t.test('edge cases answer byte for byte as Redis 7.0 (RESP2 and RESP3)', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const cmds: string[][] = [
    ['SET', 's', 'foobar'],
    ['BITCOUNT', 's'],
    ['BITCOUNT', 's', '1', '1'],
    ['BITCOUNT', 's', '5', '30', 'BIT'],
    ['BITCOUNT', 's', '-1', '-2', 'nonsense'],
    ['BITCOUNT', 's', '1'],
    ['BITCOUNT', 'missing', 'x', 'y'],
    ['BITCOUNT', 's', '0', '-9223372036854775808'],
    ['BITCOUNT', 's', '-9223372036854775807', '-9223372036854775808'],
    ['BITPOS', 's', '1'],
    ['BITPOS', 's', '0', '2', '-1', 'BIT'],
    ['BITPOS', 's', '1', '7', '15', 'bit'],
    ['BITPOS', 's', '2'],
    ['BITPOS', 'missing', '0', 'x'],
    ['BITPOS', 's', '1', '0', 'x', 'bad'],
    ['SET', 'ones', '\xff\xff\xff'],
    ['BITPOS', 'ones', '0'],
    ['BITPOS', 'ones', '0', '0'],
    ['BITPOS', 'ones', '0', '0', '-1'],
    ['BITPOS', 'ones', '0', '0', '-1', 'BIT'],
    ['SET', 'zeros', '\x00\x00'],
    ['BITPOS', 'zeros', '1'],
    ['BITPOS', 'zeros', '1', '1', '1', 'BYTE'],
    ['SETBIT', 'k', '4294967296', '1'],
    ['SETBIT', 'k', '7', '3'],
    ['GETBIT', 's', '9999999'],
    ['BITFIELD', 'bf', 'SET', 'i8', '0', '-100', 'GET', 'u8', '0', 'INCRBY', 'i8', '0', '-100', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '-100'],
    ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '4', 'SET', 'u2', '0', '-1', 'OVERFLOW', 'WRAP', 'SET', 'u2', '0', '-1'],
    ['BITFIELD', 'bf', 'SET', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '-1', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1'],
    ['BITFIELD', 'bf', 'SET', 'u63', '#1', '9223372036854775807', 'INCRBY', 'u63', '#1', '1', 'GET', 'i64', '#1'],
    ['BITFIELD', 'bf', 'GET', 'i64', '#288230376151711745'],
    ['BITFIELD', 'bf', 'GET', 'u64', '0'],
    ['BITFIELD', 'bf', 'GET', 'i8\x00junk', '0'],
    ['BITFIELD', 'bf', 'OVERFLOW', 'nope'],
    ['BITFIELD', 'bf', 'GET', 'u8'],
    ['BITFIELD', 'bf', 'SET', 'u8', '0', 'x'],
    ['BITFIELD', 'bf'],
    ['BITFIELD_RO', 'bf', 'GET', 'u8', '0', 'OVERFLOW', 'FAIL'],
    ['BITFIELD_RO', 'bf', 'INCRBY', 'u8', '0', '1'],
    ['BITOP', 'NOT', 'dst', 's', 's'],
    ['BITOP', 'DIFF', 'dst', 's', 's'],
    ['BITOP', 'XOR', 'dst', 's', 'ones', 'missing'],
    ['GET', 'dst'],
    ['OBJECT', 'ENCODING', 'dst'],
    ['RPUSH', 'list', 'a'],
    ['BITOP', 'AND', 'dst', 's', 'list'],
    ['BITCOUNT', 'list'],
    ['BITPOS', 'list', '5'],
    ['BITFIELD', 'list', 'GET', 'u8', '0'],
    ['BITFIELD', 'list', 'GET', 'u8', 'x'],
    ['GETBIT', 'list', '0'],
    ['SETBIT', 'list', '0', '1'],
    ['SET', 'int', '12345'],
    ['SETBIT', 'int', '0', '0'],
    ['OBJECT', 'ENCODING', 'int'],
  ];
  for (const proto of [2, 3]) {
    const steps: Step[] = [quiet('a', 'FLUSHALL')];
    if (proto === 3) steps.unshift(quiet('a', 'HELLO', '3'));
    for (const cmd of cmds) steps.push(c('a', ...cmd));
    await sameAsRedis(t, cat.port, redis.port, steps, `RESP${proto} transcript of ${cmds.length} commands`);
  }
});

/** The keyspace events a pattern subscriber receives for `writes` on one server. */
async function eventsFor(port: number, writes: string[][]): Promise<string[]> {
  const sub = await RawClient.connect(port);
  const cl = await RawClient.connect(port);
  try {
    cl.send(['FLUSHALL'], ['CONFIG', 'SET', 'notify-keyspace-events', 'KEAnm']);
    await cl.read();
    await cl.read();
    sub.send(['PSUBSCRIBE', '__keyevent@0__:*', 'sentinel']);
    await sub.read();
    await sub.read();
    cl.send(...writes);
    for (let i = 0; i < writes.length; i++) await cl.read();
    cl.send(['PUBLISH', 'sentinel', 'end'], ['CONFIG', 'SET', 'notify-keyspace-events', '']);
    await cl.read();
    await cl.read();
    const got: string[] = [];
    for (;;) {
      const m = await sub.read();
      if (m.raw.includes('sentinel')) break;
      got.push(m.raw);
    }
    return got;
  } finally {
    sub.close();
    cl.close();
  }
}

t.test('keyspace events are the ones Redis 7.0 raises', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const writes = [
    ['SETBIT', 'b', '7', '1'],
    ['SETBIT', 'b', '7', '1'],
    ['SETBIT', 'b', '100', '0'],
    ['SETBIT', 'b', '100', '0'],
    ['BITFIELD', 'b', 'SET', 'u8', '0', '1'],
    ['BITFIELD', 'b', 'SET', 'u8', '0', '7'],
    ['BITFIELD', 'b', 'SET', 'u8', '800', '0'],
    ['BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300'],
    ['BITFIELD', 'new', 'INCRBY', 'u8', '0', '0'],
    ['BITFIELD', 'b', 'GET', 'u8', '0'],
    ['BITOP', 'OR', 'd', 'b', 'new'],
    ['BITOP', 'AND', 'd', 'missing'],
    ['BITOP', 'AND', 'd', 'missing'],
    ['SETBIT', 'created', '3', '0'],
    ['BITFIELD', 'created2', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '9'],
    ['GETBIT', 'missing', '0'],
    ['BITCOUNT', 'missing'],
    ['BITFIELD_RO', 'missing', 'GET', 'u8', '0'],
  ];
  const expected = await eventsFor(redis.port, writes);
  t.same(await eventsFor(cat.port, writes), expected);
  t.ok(expected.length >= 15, `the comparison is not vacuous (${expected.length} events)`);
});

t.test('ioredis: binary bitmaps and BITFIELD over a real socket', async (t) => {
  const cat = await startCatena(t);
  const r = new Redis(cat.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
  t.teardown(() => r.disconnect());
  const key = Buffer.from('bits\x00\xff', 'latin1');
  for (const off of [0, 9, 1000, 80000]) t.equal(await r.setbit(key, off, 1), 0);
  t.equal(await r.bitcount(key), 4);
  t.equal(await r.bitpos(key, 1, 2), 1000);
  t.equal(await r.getbit(key, 9), 1);
  const buf = await r.getBuffer(key);
  t.equal(buf?.length, 10001);
  t.equal(buf?.[0], 0x80);
  t.equal(buf?.[1], 0x40);
  t.same(await r.call('BITFIELD', 'bf', 'SET', 'i16', '#0', '-1234', 'INCRBY', 'u4', '4', '3', 'GET', 'i32', '0'), [0, 14, -30539776]);
  t.equal(await r.bitop('XOR', 'x', key, 'bf'), 10001);
  t.same(await r.call('BITFIELD_RO', 'bf', 'GET', 'i16', '#0'), [-466]);
});
