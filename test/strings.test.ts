// The strings family. Three layers: the engine with a fixed clock (expiry arithmetic, TTL
// kept or dropped, keyspace events, effects, hit/miss counters), real clients over sockets
// (ioredis: binary values, counters, expiry in real time), and byte-exact scripts of edge
// cases replayed against a real Redis 7.0.
import t from 'tap';
import Redis from 'ioredis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { Keyspace } from '../src/engine/keyspace';
import { Engine } from '../src/engine/engine';
import { applyEffect, type Effect } from '../src/engine/effects';
import type { KeyEvent } from '../src/engine/exec';
import { RawString, isString, stringOf, type CollectionValue, type Value } from '../src/engine/values';
import { buildTable } from '../src/commands/table';
import { ErrorReply, MapReply, StatusReply, type Reply } from '../src/resp/reply';
import { parseLongDouble, addLongDouble, formatLongDouble } from '../src/engine/longdouble';

const table = buildTable();
const T0 = 1_700_000_000_000;

/** A list stand-in, so WRONGTYPE paths run before the lists family exists. */
function fakeList(): CollectionValue {
  const v: CollectionValue = { type: 'list', size: 1, encoding: () => 'listpack', clone: () => v, canonical: () => ['item'] };
  return v;
}

class Node {
  readonly ks = new Keyspace();
  readonly engine = new Engine(this.ks);
  now = T0;
  effects: Effect[] = [];
  events: KeyEvent[] = [];
  run(...args: string[]): Reply {
    const spec = table.get((args[0] as string).toLowerCase());
    if (spec === undefined) throw new Error(`no command ${args[0]}`);
    const r = this.engine.apply(spec, args, { nowMs: this.now, seed: 1, db: 0 });
    this.effects.push(...r.effects);
    this.events = r.events;
    return r.reply;
  }
  get db() {
    return this.ks.db(0);
  }
  value(key: string): string | undefined {
    const v = this.db.data.get(key);
    return v === undefined ? undefined : isString(v) ? stringOf(v) : '<collection>';
  }
  ttlAt(key: string): number | undefined {
    return this.db.expires.get(key);
  }
}

function errText(r: Reply): string | null {
  return r instanceof ErrorReply ? r.text : null;
}

t.test('engine: expiry options store absolute ms from ctx time', async (t) => {
  const n = new Node();
  t.equal(n.run('SET', 'a', 'v', 'EX', '10'), n.run('SET', 'b', 'v', 'px', '1500'));
  t.equal(n.ttlAt('a'), T0 + 10_000);
  t.equal(n.ttlAt('b'), T0 + 1500);
  n.run('SET', 'c', 'v', 'EXAT', '1800000000');
  t.equal(n.ttlAt('c'), 1_800_000_000_000);
  n.run('SET', 'd', 'v', 'PXAT', '1800000000123');
  t.equal(n.ttlAt('d'), 1_800_000_000_123);
  n.run('SETEX', 'e', '5', 'v');
  t.equal(n.ttlAt('e'), T0 + 5000);
  n.run('PSETEX', 'f', '5', 'v');
  t.equal(n.ttlAt('f'), T0 + 5);
  // KEEPTTL keeps, a plain SET drops, repeating EX keeps the last one.
  n.run('SET', 'a', 'w', 'KEEPTTL');
  t.equal(n.ttlAt('a'), T0 + 10_000);
  n.run('SET', 'a', 'w');
  t.equal(n.ttlAt('a'), undefined);
  n.run('SET', 'a', 'w', 'EX', '1', 'EX', '2');
  t.equal(n.ttlAt('a'), T0 + 2000);
  // PXAT at the int64 limit is valid (absolute, nothing added).
  t.ok(n.run('SET', 'g', 'v', 'PXAT', '9223372036854775807') instanceof StatusReply);
});

t.test('engine: a key expires exactly at its time; reads never delete', async (t) => {
  const n = new Node();
  n.run('SET', 'k', 'v', 'PX', '100');
  n.now = T0 + 99;
  t.equal(n.run('GET', 'k'), 'v');
  n.now = T0 + 100;
  n.effects = [];
  t.equal(n.run('GET', 'k'), null);
  t.equal(n.run('STRLEN', 'k'), 0);
  t.same(n.effects, [], 'a read does not delete the expired key');
  t.equal(n.value('k'), 'v');
  t.equal(n.run('SETNX', 'k', 'new'), 1, 'an expired key counts as missing');
  t.same(
    n.effects.map((e) => e.op),
    ['del', 'put'],
  );
  t.same(n.events.map((e) => e.event), ['expired', 'new', 'set']);
  t.equal(n.ttlAt('k'), undefined);
});

t.test('engine: absolute times in the past', async (t) => {
  const n = new Node();
  // SET with EXAT in the past answers OK and leaves a key that is already expired (Redis 7.0).
  t.ok(n.run('SET', 'k', 'v', 'EXAT', '1') instanceof StatusReply);
  t.same(n.events.map((e) => e.event), ['new', 'set', 'expire']);
  t.equal(n.run('GET', 'k'), null);
  // GETEX with PXAT in the past replies the value and deletes the key.
  n.run('SET', 'g', 'v');
  t.equal(n.run('GETEX', 'g', 'PXAT', String(T0 - 1)), 'v');
  t.same(n.events.map((e) => [e.event, e.cls]), [['del', 'g']]);
  t.equal(n.value('g'), undefined);
  n.run('SET', 'g', 'v');
  t.equal(n.run('GETEX', 'g', 'EXAT', String(T0 / 1000)), 'v', 'exactly now counts as expired');
  t.equal(n.value('g'), undefined);
});

t.test('engine: invalid expire times name the command', async (t) => {
  const n = new Node();
  const cases: Array<[string[], string]> = [
    [['SET', 'k', 'v', 'EX', '0'], "ERR invalid expire time in 'set' command"],
    [['SET', 'k', 'v', 'PX', '-5'], "ERR invalid expire time in 'set' command"],
    [['set', 'k', 'v', 'ex', '9223372036854776'], "ERR invalid expire time in 'set' command"],
    [['SET', 'k', 'v', 'EX', '9223372036854775'], "ERR invalid expire time in 'set' command"],
    [['SET', 'k', 'v', 'PX', '9223372036854775807'], "ERR invalid expire time in 'set' command"],
    [['SET', 'k', 'v', 'EX', '1.5'], 'ERR value is not an integer or out of range'],
    [['SETEX', 'k', '0', 'v'], "ERR invalid expire time in 'setex' command"],
    [['PSETEX', 'k', '-1', 'v'], "ERR invalid expire time in 'psetex' command"],
  ];
  for (const [args, text] of cases) t.equal(errText(n.run(...args)), text, args.join(' '));
  // EXAT of LLONG_MAX/1000 seconds is representable in ms.
  t.ok(n.run('SET', 'k', 'v', 'EXAT', '9223372036854775') instanceof StatusReply);
  // GETEX validates the time only for an existing string key.
  t.equal(n.run('GETEX', 'missing', 'EX', '0'), null);
  t.equal(errText(n.run('GETEX', 'k', 'EX', '0')), "ERR invalid expire time in 'getex' command");
  t.equal(n.value('k'), 'v', 'nothing changed');
});

t.test('engine: which commands keep the TTL', async (t) => {
  const n = new Node();
  const keep: string[][] = [
    ['INCR', 'k'],
    ['INCRBY', 'k', '5'],
    ['DECR', 'k'],
    ['DECRBY', 'k', '2'],
    ['INCRBYFLOAT', 'k', '1.5'],
    ['APPEND', 'k', 'x'],
    ['SETRANGE', 'k', '0', '1'],
    ['SET', 'k', '1', 'KEEPTTL'],
    ['GETEX', 'k'],
  ];
  for (const args of keep) {
    n.run('SET', 'k', '10', 'EX', '100');
    n.run(...args);
    t.equal(n.ttlAt('k'), T0 + 100_000, `${args[0]} keeps the TTL`);
  }
  const drop: string[][] = [
    ['SET', 'k', '1'],
    ['GETSET', 'k', '1'],
    ['MSET', 'k', '1'],
    ['GETEX', 'k', 'PERSIST'],
  ];
  for (const args of drop) {
    n.run('SET', 'k', '10', 'EX', '100');
    n.run(...args);
    t.equal(n.ttlAt('k'), undefined, `${args.join(' ')} drops the TTL`);
  }
});

t.test('engine: keyspace events as Redis t_string.c raises them', async (t) => {
  const n = new Node();
  const cases: Array<[string[], string[]]> = [
    [['SET', 'k', '1'], ['set$']],
    [['SET', 'k', '1', 'PX', '100000'], ['set$', 'expireg']],
    [['SET', 'k', '1', 'NX'], []],
    [['SETEX', 'k', '100', '1'], ['set$', 'expireg']],
    [['GETSET', 'k', '2'], ['set$']],
    [['INCR', 'k'], ['incrby$']],
    [['DECRBY', 'k', '3'], ['incrby$']],
    [['INCRBYFLOAT', 'k', '0.5'], ['incrbyfloat$']],
    [['APPEND', 'k', ''], ['append$']],
    [['SETRANGE', 'k', '0', ''], []],
    [['SETRANGE', 'k', '1', 'z'], ['setrange$']],
    [['GETEX', 'k', 'PERSIST'], []],
    [['GETEX', 'k', 'EX', '100'], ['expireg']],
    [['GETEX', 'k', 'PERSIST'], ['persistg']],
    [['GETDEL', 'k'], ['delg']],
    [['GETDEL', 'k'], []],
    [['MSET', 'a', '1', 'b', '2', 'a', '3'], ['set$', 'set$', 'set$']],
    [['MSETNX', 'a', '1', 'c', '2'], []],
    [['MSETNX', 'c', '1', 'd', '2'], ['set$', 'set$']],
    [['INCR', 'a'], ['incrby$']],
    [['INCRBYFLOAT', 'a', 'x'], []],
  ];
  for (const [args, events] of cases) {
    n.run(...args);
    t.same(
      // "new" (n) and "keymiss" (m) are raised centrally by Exec; test/notifications.test.ts
      // compares them with Redis.
      n.events.filter((e) => e.cls !== 'n' && e.cls !== 'm').map((e) => e.event + e.cls),
      events,
      args.join(' '),
    );
  }
  t.equal(n.value('a'), '4', 'MSET applies pairs in order: the last value of a repeated key wins');
});

t.test('engine: APPEND and SETRANGE effects carry only the new bytes, and replay exactly', async (t) => {
  const n = new Node();
  n.run('SET', 'k', 'x'.repeat(1000));
  n.effects = [];
  t.equal(n.run('APPEND', 'k', 'yz'), 1002);
  t.same(n.effects, [{ op: 'setrange', db: 0, key: 'k', offset: 1000, bytes: 'yz' }]);
  t.ok(n.db.data.get('k') instanceof RawString);
  n.effects = [];
  t.equal(n.run('SETRANGE', 'new', '5', 'ab'), 7);
  t.same(n.effects, [{ op: 'setrange', db: 0, key: 'new', offset: 5, bytes: 'ab' }]);
  t.equal(n.value('new'), '\0\0\0\0\0ab');
  t.equal(n.run('SETRANGE', 'none', '5', ''), 0);
  t.equal(n.value('none'), undefined, 'SETRANGE with an empty value on a missing key creates nothing');

  // A mixed workload, then its effects replayed into an empty keyspace.
  const m = new Node();
  const ops: string[][] = [
    ['SET', 'a', '1', 'EX', '100'],
    ['INCRBY', 'a', '41'],
    ['APPEND', 'a', '\0\r\n'],
    ['SETRANGE', 'a', '10', 'zz'],
    ['INCRBYFLOAT', 'f', '10.5'],
    ['INCRBYFLOAT', 'f', '0.1'],
    ['MSET', 'b', 'x', 'c', 'y'],
    ['GETDEL', 'c'],
    ['GETEX', 'b', 'PX', '5000'],
    ['SET', 'b', 'x2', 'KEEPTTL', 'GET'],
    ['SETNX', 'd', 'q'],
    ['APPEND', 'e', 'new'],
    ['GETSET', 'e', 'old'],
  ];
  for (const op of ops) m.run(...op);
  const replay = new Keyspace();
  for (const e of m.effects) applyEffect(replay, e);
  const dump = (ks: Keyspace) =>
    [...ks.db(0).data.entries()].map(([k, v]: [string, Value]) => [k, isString(v) ? stringOf(v) : '?', ks.db(0).expires.get(k) ?? null]).sort();
  t.same(dump(replay), dump(m.ks));
  t.equal(m.value('f'), '10.6');
});

t.test('engine: keyspace hits and misses are counted where Redis counts them', async (t) => {
  const n = new Node();
  const s = n.engine.stats;
  n.run('SET', 'k', 'v');
  n.run('INCR', 'i');
  n.run('APPEND', 'k', 'x');
  t.same([s.keyspaceHits, s.keyspaceMisses], [0, 0], 'writes without a read part count nothing');
  n.run('GET', 'k');
  n.run('GET', 'nope');
  t.same([s.keyspaceHits, s.keyspaceMisses], [1, 1]);
  n.run('MGET', 'k', 'nope', 'i');
  t.same([s.keyspaceHits, s.keyspaceMisses], [3, 2]);
  n.run('SET', 'k', 'v', 'GET');
  n.run('GETDEL', 'nope');
  n.run('LCS', 'k', 'nope');
  t.same([s.keyspaceHits, s.keyspaceMisses], [5, 4]);
});

t.test('engine: WRONGTYPE, and the order of checks', async (t) => {
  const n = new Node();
  const wrong = 'WRONGTYPE Operation against a key holding the wrong kind of value';
  const cases: Array<[string[], Reply | string]> = [
    [['GET', 'l'], wrong],
    [['GETSET', 'l', 'v'], wrong],
    [['GETDEL', 'l'], wrong],
    [['GETEX', 'l', 'EX', '0'], wrong],
    [['SET', 'l', 'v', 'GET'], wrong],
    [['SET', 'l', 'v', 'GET', 'EX', '0'], "ERR invalid expire time in 'set' command"],
    [['APPEND', 'l', 'v'], wrong],
    [['STRLEN', 'l'], wrong],
    [['GETRANGE', 'l', '0', '1'], wrong],
    [['GETRANGE', 'l', 'x', '1'], 'ERR value is not an integer or out of range'],
    [['SETRANGE', 'l', '0', ''], wrong],
    [['SETRANGE', 'l', '-1', 'v'], 'ERR offset is out of range'],
    [['INCR', 'l'], wrong],
    [['INCRBY', 'l', 'x'], 'ERR value is not an integer or out of range'],
    [['DECRBY', 'l', '-9223372036854775808'], 'ERR decrement would overflow'],
    [['INCRBYFLOAT', 'l', 'x'], wrong],
    [['LCS', 'l', 'x', 'BAD'], 'ERR The specified keys must contain string values'],
  ];
  for (const [args, want] of cases) {
    n.db.data.set('l', fakeList());
    const got = n.run(...args);
    t.equal(errText(got), want, args.join(' '));
    t.equal(n.value('l'), '<collection>', 'unchanged');
  }
  n.db.data.set('l', fakeList());
  t.same(n.run('MGET', 'l', 'l'), [null, null]);
  t.ok(n.run('SET', 'l', 'v') instanceof StatusReply, 'SET overwrites any type');
  t.equal(n.value('l'), 'v');
});

t.test('engine: the 512 MB string cap is checked before anything is allocated', async (t) => {
  const n = new Node();
  const tooBig = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
  t.equal(errText(n.run('SETRANGE', 'k', '536870911', 'ab')), tooBig);
  t.equal(errText(n.run('SETRANGE', 'k', '9223372036854775807', 'a')), tooBig);
  t.equal(n.value('k'), undefined);
  // A string already at the cap (its length faked: no 512 MB buffer in a test).
  const big = new RawString('x');
  big.len = 536870911;
  n.db.data.set('big', big);
  t.equal(errText(n.run('APPEND', 'big', 'ab')), tooBig);
  t.equal(n.run('APPEND', 'big', ''), 536870911);
  t.equal(n.run('SETRANGE', 'big', '99999999999', ''), 536870911, 'an empty SETRANGE only reports the length');
  // LCS refuses a table beyond proto-max-bulk-len before building it.
  n.run('SETRANGE', 'a', '30000', 'x');
  n.run('SETRANGE', 'b', '30000', 'y');
  t.equal(errText(n.run('LCS', 'a', 'b')), 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
});

t.test('engine: integer counters are 64-bit with overflow refused', async (t) => {
  const n = new Node();
  n.run('SET', 'k', '9223372036854775806');
  t.equal(n.run('INCR', 'k'), 9223372036854775807n);
  t.equal(errText(n.run('INCR', 'k')), 'ERR increment or decrement would overflow');
  t.equal(n.value('k'), '9223372036854775807');
  n.run('SET', 'k', '-9223372036854775807');
  t.equal(n.run('DECR', 'k'), -9223372036854775808n);
  t.equal(errText(n.run('DECRBY', 'k', '1')), 'ERR increment or decrement would overflow');
  t.equal(errText(n.run('DECRBY', 'k', '-9223372036854775808')), 'ERR decrement would overflow');
  n.run('SET', 'k', '9007199254740991');
  t.equal(n.run('INCR', 'k'), 9007199254740992n, 'beyond 2^53 the result is exact');
  t.equal(n.run('INCRBY', 'k', '-9007199254740992'), 0);
  for (const bad of ['', ' 1', '1 ', '01', '-0', '+1', '1.0', '9223372036854775808', '1e3']) {
    n.run('SET', 'k', bad);
    t.equal(errText(n.run('INCR', 'k')), 'ERR value is not an integer or out of range', JSON.stringify(bad));
  }
  // A raw (appended) string that reads as an integer is a counter too.
  n.run('SET', 'r', '1');
  n.run('APPEND', 'r', '2');
  t.equal(n.run('INCRBY', 'r', '30'), 42);
});

t.test('long double: INCRBYFLOAT arithmetic is x87 80-bit, printed as %.17Lf', async (t) => {
  const sum = (a: string, b: string): string | null => {
    const x = parseLongDouble(a);
    const y = parseLongDouble(b);
    if (x === null || y === null) return null;
    const s = addLongDouble(x, y);
    return s === null ? 'nan/inf' : formatLongDouble(s);
  };
  t.equal(sum('10.5', '0.1'), '10.6', 'not the double answer 10.6000000000000014');
  t.equal(sum('10.6', '-5'), '5.6');
  t.equal(sum('5.0e3', '2.0e2'), '5200');
  t.equal(sum('0', '0.000003814697265625'), '0.00000381469726562', '%.17Lf rounds a tie to even');
  t.equal(sum('0', '0x1.8p1'), '3', 'hex floats, as strtold reads them');
  t.equal(sum('-1e-30', '0'), '0', '"-0" is printed as "0"');
  t.equal(sum('0', '1e-4950'), '0', 'a denormal is accepted');
  t.equal(sum('0', '1e-5000'), null, 'underflow to zero is not a valid float');
  t.equal(sum('0', '1e4933'), null, 'overflow is not a valid float');
  t.equal(sum('inf', '1'), 'nan/inf');
  t.equal(sum('nan', '1'), null);
  t.equal(sum(' 1', '1'), null);
  t.equal(sum('1', '1e'), null);
  t.equal(sum('0', '1'.padEnd(5120, '0')), null, 'inputs of 5120 chars or more are refused');
  t.equal(sum('1.18973149535723176502e+4932', '1e4900')?.length, 4933, 'LDBL_MAX absorbs a far smaller addend');
  t.equal(sum('1.18973149535723176502e+4932', '1.18973149535723176502e+4932'), 'nan/inf');
});

t.test('engine: LCS as Redis documents it', async (t) => {
  const n = new Node();
  n.run('MSET', 'key1', 'ohmytext', 'key2', 'mynewtext');
  t.equal(n.run('LCS', 'key1', 'key2'), 'mytext');
  t.equal(n.run('LCS', 'key1', 'key2', 'LEN'), 6);
  const idx = n.run('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN');
  t.ok(idx instanceof MapReply);
  t.same((idx as MapReply).flat, ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
  t.same((n.run('LCS', 'key1', 'key2', 'idx') as MapReply).flat, [
    'matches',
    [
      [
        [4, 7],
        [5, 8],
      ],
      [
        [2, 3],
        [0, 1],
      ],
    ],
    'len',
    6,
  ]);
  t.equal(errText(n.run('LCS', 'key1', 'key2', 'LEN', 'IDX')), 'ERR If you want both the length and indexes, please just use IDX.');
  t.equal(n.run('LCS', 'x', 'y'), '');
});

t.test('ioredis: binary values, counters, floats and real-time expiry', async (t) => {
  const c = await startCatena(t);
  const r = new Redis(c.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
  t.teardown(() => r.disconnect());
  const bin = Buffer.from([0, 13, 10, 255, 0, 36, 42, 13, 10]);
  t.equal(await r.set(Buffer.from('k\0\r\n'), bin), 'OK');
  t.same(await r.getBuffer(Buffer.from('k\0\r\n')), bin);
  t.equal(await r.append(Buffer.from('k\0\r\n'), Buffer.from([0, 1])), 11);
  t.same(await r.getrangeBuffer(Buffer.from('k\0\r\n'), -3, -1), Buffer.from([10, 0, 1]));
  t.equal(await r.strlen(Buffer.from('k\0\r\n')), 11);
  t.same(await r.mgetBuffer('nope', Buffer.from('k\0\r\n')), [null, Buffer.concat([bin, Buffer.from([0, 1])])]);

  t.equal(await r.set('f', '10.50'), 'OK');
  t.equal(await r.incrbyfloat('f', '0.1'), '10.6');
  t.equal(await r.incrbyfloat('f', '-5'), '5.6');
  t.equal(await r.set('f', '5.0e3'), 'OK');
  t.equal(await r.incrbyfloat('f', '2.0e2'), '5200');
  await t.rejects(r.incrbyfloat('f', 'abc'), { message: 'ERR value is not a valid float' });
  await t.rejects(r.incrbyfloat('f', 'inf'), { message: 'ERR increment would produce NaN or Infinity' });

  t.equal(await r.set('n', '9223372036854775807'), 'OK');
  await t.rejects(r.incr('n'), { message: 'ERR increment or decrement would overflow' });
  t.equal(await r.decrby('n', 7), 9223372036854775800);

  t.equal(await r.set('gone', 'v', 'PX', 80), 'OK');
  t.equal(await r.get('gone'), 'v');
  await new Promise((res) => setTimeout(res, 160));
  t.equal(await r.get('gone'), null);
  t.equal(await r.set('nx', 'a', 'NX'), 'OK');
  t.equal(await r.set('nx', 'b', 'NX'), null);
  t.equal(await r.set('nx', 'b', 'XX', 'GET'), 'a');
  t.equal(await r.getdel('nx'), 'b');
  t.equal(await r.getdel('nx'), null);
  t.equal(await r.msetnx('m1', '1', 'm2', '2'), 1);
  t.equal(await r.msetnx('m2', '3', 'm3', '4'), 0);
  t.same(await r.mget('m1', 'm2', 'm3'), ['1', '2', null]);
  t.equal(await r.lcs('nope', 'm1'), '');
});

/**
 * Edge cases replayed, in order, against Catena and a real Redis; replies compared byte for
 * byte. Keys holding another type are made with RPUSH in Redis and injected in Catena.
 */
const SCRIPT: string[][] = [
  ['SET', 'k', 'v', 'NX', 'XX'],
  ['SET', 'k', 'v', 'XX', 'NX'],
  ['SET', 'k', 'v', 'EX', '10', 'PX', '100'],
  ['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'],
  ['SET', 'k', 'v', 'EX', '10', 'KEEPTTL'],
  ['SET', 'k', 'v', 'EX'],
  ['SET', 'k', 'v', 'PERSIST'],
  ['SET', 'k', 'v', 'nx\0junk'],
  ['SET', 'k', 'v', 'NX', 'GET'],
  ['SET', 'k', 'w', 'NX', 'GET'],
  ['SET', 'k', 'w', 'XX', 'GET', 'KEEPTTL'],
  ['SET', 'missing', 'w', 'XX', 'GET'],
  ['SET', 'missing', 'w', 'XX'],
  ['SET', 'k', 'v', 'EX', '0'],
  ['SET', 'k', 'v', 'EX', 'abc'],
  ['SET', 'k', 'v', 'PXAT', '9223372036854775808'],
  ['SET', 'k', 'v', 'EXAT', '9223372036854776'],
  ['SET', 'k', 'v', 'eXaT', '1'],
  ['GET', 'k'],
  ['SET', 'k', 'v', 'ex', '100', 'Ex', '200', 'GET'],
  ['GETEX', 'k', 'PERSIST', 'EX', '10'],
  ['GETEX', 'k', 'EX', '10', 'PERSIST'],
  ['GETEX', 'k', 'KEEPTTL'],
  ['GETEX', 'k', 'EX'],
  ['GETEX', 'missing', 'EX', 'abc'],
  ['GETEX', 'k', 'EX', 'abc'],
  ['GETEX', 'k', 'PERSIST'],
  ['GETEX', 'k', 'PXAT', '1'],
  ['GET', 'k'],
  ['SETNX', 'k', '1'],
  ['SETNX', 'k', '2'],
  ['SETEX', 'k', '-1', 'v'],
  ['SETEX', 'k', 'x', 'v'],
  ['PSETEX', 'k', '0', 'v'],
  ['GETSET', 'k', 'new'],
  ['GETSET', 'fresh', 'new'],
  ['MSET', 'a', '1', 'b'],
  ['MSETNX', 'a', '1', 'b'],
  ['MSET', 'a', '1', 'a', '2'],
  ['MSETNX', 'x1', '1', 'x1', '2'],
  ['MGET', 'a', 'x1', 'nope', 'l'],
  ['APPEND', 'ap', ''],
  ['APPEND', 'ap', 'a\0b'],
  ['STRLEN', 'ap'],
  ['SETRANGE', 'sr', '0', ''],
  ['SETRANGE', 'sr', '-1', 'x'],
  ['SETRANGE', 'sr', 'x', 'x'],
  ['SETRANGE', 'sr', '3', 'abc'],
  ['GET', 'sr'],
  ['SETRANGE', 'sr', '1', ''],
  ['SETRANGE', 'sr', '536870911', 'ab'],
  ['SET', 'gr', 'Hello World'],
  ['GETRANGE', 'gr', '0', '-1'],
  ['GETRANGE', 'gr', '-3', '-1'],
  ['GETRANGE', 'gr', '5', '3'],
  ['GETRANGE', 'gr', '-1', '-5'],
  ['GETRANGE', 'gr', '0', '-100'],
  ['GETRANGE', 'gr', '-100', '-50'],
  ['GETRANGE', 'gr', '-100', '100'],
  ['GETRANGE', 'gr', '20', '100'],
  ['GETRANGE', 'gr', '-9223372036854775807', '-9223372036854775808'],
  ['GETRANGE', 'gr', '9223372036854775807', '-9223372036854775808'],
  ['GETRANGE', 'gr', '0', '9223372036854775808'],
  ['SUBSTR', 'gr', '1', '2'],
  ['GETRANGE', 'nope', '0', '-1'],
  ['SET', 'empty', ''],
  ['GETRANGE', 'empty', '0', '-1'],
  ['GETRANGE', 'empty', '-1', '0'],
  ['INCR', 'empty'],
  ['INCRBYFLOAT', 'empty', '1'],
  ['SET', 'n', '10'],
  ['INCRBY', 'n', '9223372036854775797'],
  ['INCRBY', 'n', '1'],
  ['DECRBY', 'n', '-1'],
  ['DECRBY', 'n', '-9223372036854775808'],
  ['INCRBY', 'n', '-9223372036854775808'],
  ['INCRBY', 'n', ' 1'],
  ['SET', 'fl', '3.0'],
  ['INCRBYFLOAT', 'fl', '1.0e1'],
  ['INCRBYFLOAT', 'fl', '-13'],
  ['INCRBYFLOAT', 'fl', '0.1'],
  ['INCRBYFLOAT', 'fl', '0.2'],
  ['INCRBYFLOAT', 'fl', '1e-18'],
  ['INCRBYFLOAT', 'fl', '123456789012345678901234567890'],
  ['INCRBYFLOAT', 'fl', '-1e20'],
  ['INCRBYFLOAT', 'fl', '0x10'],
  ['INCRBYFLOAT', 'fl', '+.5'],
  ['INCRBYFLOAT', 'fl', '1.'],
  ['INCRBYFLOAT', 'fl', 'Infinity'],
  ['INCRBYFLOAT', 'fl', '-nan'],
  ['INCRBYFLOAT', 'fl', '1\0'],
  ['SET', 'fl', '1.5e4932'],
  ['INCRBYFLOAT', 'fl', '0'],
  ['SET', 'l1', 'ohmytext'],
  ['SET', 'l2', 'mynewtext'],
  ['LCS', 'l1', 'l2', 'IDX', 'WITHMATCHLEN'],
  ['LCS', 'l1', 'l2', 'IDX', 'MINMATCHLEN', '-3'],
  ['LCS', 'l1', 'l2', 'IDX', 'MINMATCHLEN'],
  ['LCS', 'l1', 'l2', 'MINMATCHLEN', 'x'],
  ['LCS', 'l1', 'l2', 'len', 'idx'],
  ['LCS', 'l1', 'nope', 'IDX'],
  ['LCS', 'l1', 'l1', 'IDX', 'WITHMATCHLEN'],
  ['LCS', 'l1', 'l2', 'BAD'],
  ['LCS', 'l', 'l1'],
  ['GET', 'l'],
  ['STRLEN', 'l'],
  ['APPEND', 'l', 'x'],
  ['SETRANGE', 'l', '0', ''],
  ['INCRBYFLOAT', 'l', 'x'],
  ['GETEX', 'l', 'EX', '0'],
  ['SET', 'l', 'v', 'GET'],
  ['SET', 'l', 'v', 'NX'],
  ['GETSET', 'l', 'v'],
];

for (const proto of [2, 3] as const) {
  t.test(`raw client: edge cases byte for byte against Redis 7.0 (RESP${proto})`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) {
      t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
      return;
    }
    const c = await startCatena(t);
    const a = await RawClient.connect(c.port);
    const b = await RawClient.connect(redis.port, redis.host);
    t.teardown(() => {
      a.close();
      b.close();
    });
    if (proto === 3) {
      await a.call('HELLO', '3');
      await b.call('HELLO', '3');
    }
    b.send(['FLUSHALL'], ['RPUSH', 'l', 'item']);
    await b.read();
    await b.read();
    c.server.ks.db(0).data.set('l', fakeList());
    for (const cmd of SCRIPT) {
      const [ra, rb] = await Promise.all([a.call(...cmd), b.call(...cmd)]);
      t.equal(ra, rb, cmd.map((x) => JSON.stringify(x)).join(' '));
    }
  });
}

t.test('raw client: RESP3 nulls and the LCS map', async (t) => {
  const c = await startCatena(t);
  const a = await RawClient.connect(c.port);
  t.teardown(() => a.close());
  await a.call('HELLO', '3');
  t.equal(await a.call('GET', 'nope'), '_\r\n');
  t.equal(await a.call('SET', 'k', 'v', 'XX'), '_\r\n');
  await a.call('MSET', 'x', 'ab', 'y', 'b');
  t.equal(await a.call('LCS', 'x', 'y', 'IDX'), '%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:1\r\n:1\r\n*2\r\n:0\r\n:0\r\n$3\r\nlen\r\n:1\r\n');
});
