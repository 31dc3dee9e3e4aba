// The generic keys family. Four layers: the engine with a fixed clock (expiry decisions,
// effects sized by the change, keyspace events, reads that never delete, determinism of
// RANDOMKEY), real clients over sockets (ioredis: every command, expiry in real time, SCAN's
// guarantee while the table grows and shrinks), byte-exact scripts of edge cases replayed
// against a real Redis 7.0, and the glob matcher fuzzed against Redis's KEYS.
import t from 'tap';
import Redis from 'ioredis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { c, quiet, read, sameAsRedis, type Step } from './helpers/scripted';
import { Keyspace } from '../src/engine/keyspace';
import { Engine } from '../src/engine/engine';
import { applyEffect, type Effect } from '../src/engine/effects';
import type { KeyEvent } from '../src/engine/exec';
import { RawString, isString, stringOf } from '../src/engine/values';
import { stringMatch } from '../src/engine/glob';
import { Rng } from '../src/engine/rng';
import { buildTable } from '../src/commands/table';
import type { CommandSpec } from '../src/commands/spec';
import { ErrorReply, StatusReply, type Reply } from '../src/resp/reply';

const table = buildTable();
const T0 = 1_700_000_000_000;

function specOf(args: string[]): CommandSpec {
  let spec = table.get((args[0] as string).toLowerCase());
  if (spec === undefined) throw new Error(`no command ${args[0]}`);
  if (spec.subcommands !== null) spec = spec.subcommands.get((args[1] as string).toLowerCase()) ?? spec;
  return spec;
}

/** One replica's engine with a hand-set clock. */
class Node {
  readonly ks = new Keyspace();
  readonly engine = new Engine(this.ks);
  now = T0;
  seed = 1;
  db = 0;
  effects: Effect[] = [];
  events: KeyEvent[] = [];
  run(...args: string[]): Reply {
    const r = this.engine.apply(specOf(args), args, { nowMs: this.now, seed: this.seed, db: this.db });
    this.effects.push(...r.effects);
    this.events = r.events;
    return r.reply;
  }
  /** The last command's effects only. */
  runFx(...args: string[]): { reply: Reply; effects: Effect[] } {
    const before = this.effects.length;
    const reply = this.run(...args);
    return { reply, effects: this.effects.slice(before) };
  }
  value(key: string, db = this.db): string | undefined {
    const v = this.ks.db(db).data.get(key);
    return v === undefined ? undefined : isString(v) ? stringOf(v) : '<collection>';
  }
  expireAt(key: string, db = this.db): number | undefined {
    return this.ks.db(db).expires.get(key);
  }
}

function errText(r: Reply): string | null {
  return r instanceof ErrorReply ? r.text : null;
}

function status(r: Reply): string | null {
  return r instanceof StatusReply ? r.text : null;
}

/** Everything a keyspace holds, per db, sorted: for comparing a replay with the original. */
function contents(ks: Keyspace): string {
  const out: string[] = [];
  ks.dbs.forEach((d, i) => {
    d.data.forEach((v, k) => out.push(`${i}|${JSON.stringify(k)}|${isString(v) ? stringOf(v) : '<c>'}|${d.expires.get(k) ?? '-'}`));
  });
  return out.sort().join('\n');
}

// ---------------------------------------------------------------------------------------------
// Engine

t.test('engine: EXPIRE in the past deletes with a "del" event and replies 1', async (t) => {
  const n = new Node();
  n.run('SET', 'k', 'v');
  const r = n.runFx('EXPIRE', 'k', '-1');
  t.equal(r.reply, 1);
  t.same(r.effects, [{ op: 'del', db: 0, key: 'k' }]);
  t.same(n.events.map((e) => [e.event, e.cls]), [['del', 'g']]);
  t.equal(n.value('k'), undefined);
  n.run('SET', 'k', 'v');
  t.equal(n.run('PEXPIREAT', 'k', String(T0)), 1, 'exactly now counts as past');
  t.equal(n.value('k'), undefined);
  t.equal(n.run('EXPIRE', 'k', '10'), 0, 'missing key');
});

t.test('engine: EXPIRE family stores absolute ms and honours NX XX GT LT', async (t) => {
  const n = new Node();
  n.run('SET', 'k', 'v');
  t.equal(n.run('EXPIRE', 'k', '10', 'XX'), 0, 'XX without an expiry');
  t.equal(n.run('EXPIRE', 'k', '10', 'GT'), 0, 'GT: no expiry counts as infinite');
  t.equal(n.run('EXPIRE', 'k', '10', 'LT'), 1, 'LT: anything is less than infinite');
  t.equal(n.expireAt('k'), T0 + 10_000);
  t.same(n.events.map((e) => e.event), ['expire']);
  t.equal(n.run('PEXPIRE', 'k', '5000', 'NX'), 0);
  t.equal(n.run('PEXPIRE', 'k', '20000', 'LT'), 0);
  t.equal(n.run('PEXPIRE', 'k', '20000', 'GT'), 1);
  t.equal(n.expireAt('k'), T0 + 20_000);
  t.equal(n.run('EXPIREAT', 'k', String(T0 / 1000 + 20), 'GT'), 0, 'equal is not greater');
  t.equal(n.run('EXPIREAT', 'k', String(T0 / 1000 + 5), 'XX', 'LT'), 1);
  t.equal(n.expireAt('k'), T0 + 5000);
  t.equal(n.run('TTL', 'k'), 5);
  t.equal(n.run('PTTL', 'k'), 5000);
  t.equal(n.run('EXPIRETIME', 'k'), T0 / 1000 + 5);
  t.equal(n.run('PEXPIRETIME', 'k'), T0 + 5000);
  t.equal(errText(n.run('EXPIRE', 'k', '1', 'NX', 'GT')), 'ERR NX and XX, GT or LT options at the same time are not compatible');
  t.equal(errText(n.run('EXPIRE', 'k', '1', 'GT', 'LT')), 'ERR GT and LT options at the same time are not compatible');
  t.equal(errText(n.run('EXPIRE', 'k', 'x', 'nope')), 'ERR Unsupported option nope', 'options are checked before the time');
  t.equal(errText(n.run('EXPIRE', 'k', '9223372036854775')), "ERR invalid expire time in 'expire' command");
  t.equal(errText(n.run('PEXPIRE', 'k', '9223372036854775807')), "ERR invalid expire time in 'pexpire' command");
  t.equal(errText(n.run('EXPIREAT', 'k', '-9223372036854775808')), "ERR invalid expire time in 'expireat' command");
  t.equal(n.expireAt('k'), T0 + 5000, 'errors change nothing');
});

t.test('engine: TTL rounds to the nearest second; EXPIRETIME rounds too', async (t) => {
  const n = new Node();
  n.run('SET', 'k', 'v');
  n.run('PEXPIRE', 'k', '1499');
  t.equal(n.run('TTL', 'k'), 1);
  n.run('PEXPIRE', 'k', '1500');
  t.equal(n.run('TTL', 'k'), 2);
  n.run('PEXPIREAT', 'k', '99999999999499');
  t.equal(n.run('EXPIRETIME', 'k'), 99999999999);
  n.run('PEXPIREAT', 'k', '99999999999500');
  t.equal(n.run('EXPIRETIME', 'k'), 100000000000);
  n.run('PEXPIREAT', 'k', '9223372036854775807');
  t.equal(n.run('PEXPIRETIME', 'k'), 9223372036854775807n, 'the int64 limit reads back exactly');
  t.equal(n.run('EXPIRETIME', 'k'), 9223372036854776n);
  t.equal(n.run('TTL', 'missing'), -2);
  n.run('SET', 'p', 'v');
  t.equal(n.run('PTTL', 'p'), -1);
  t.equal(n.run('PERSIST', 'p'), 0);
  n.run('EXPIRE', 'p', '100');
  t.equal(n.run('PERSIST', 'p'), 1);
  t.same(n.events.map((e) => e.event), ['persist']);
  t.equal(n.expireAt('p'), undefined);
});

t.test('engine: an expired key is gone for reads, deleted only by writes', async (t) => {
  const n = new Node();
  n.run('SET', 'k', 'v');
  n.run('PEXPIRE', 'k', '100');
  n.now = T0 + 100;
  n.effects = [];
  for (const args of [['EXISTS', 'k'], ['TTL', 'k'], ['TYPE', 'k'], ['DUMP', 'k'], ['KEYS', '*'], ['SCAN', '0'], ['RANDOMKEY'], ['OBJECT', 'ENCODING', 'k'], ['TOUCH', 'k']]) {
    n.run(...args);
  }
  t.same(n.effects, [], 'reads emitted no effect');
  t.equal(n.value('k'), 'v', 'the expired key is still stored');
  t.equal(n.run('EXISTS', 'k'), 0);
  t.equal(status(n.run('TYPE', 'k')), 'none');
  t.same(n.run('KEYS', '*'), []);
  t.same(n.run('SCAN', '0'), ['0', []]);
  t.equal(n.run('RANDOMKEY'), null);
  t.equal(n.run('DBSIZE'), 1, 'DBSIZE counts keys not yet reclaimed, as Redis');
  t.equal(n.run('DEL', 'k'), 0, 'a write sees it missing...');
  t.same(n.events.map((e) => [e.event, e.cls]), [['expired', 'x']], '...and reclaims it');
  t.same(n.effects, [{ op: 'del', db: 0, key: 'k' }]);
  t.equal(n.run('DBSIZE'), 0);
});

t.test('engine: RENAME and MOVE emit one effect however large the value', async (t) => {
  const n = new Node();
  const big = 'x'.repeat(100_000);
  n.run('SET', 'a', big);
  n.run('EXPIRE', 'a', '100');
  let r = n.runFx('RENAME', 'a', 'b');
  t.equal(status(r.reply), 'OK');
  t.same(r.effects, [{ op: 'rename', db: 0, key: 'a', to: 'b' }]);
  t.same(n.events.map((e) => e.event), ['new', 'rename_from', 'rename_to']);
  t.equal(n.value('b'), big);
  t.equal(n.expireAt('b'), T0 + 100_000, 'the TTL moves with the key');
  n.run('SET', 'c', 'old');
  t.equal(n.run('RENAMENX', 'b', 'c'), 0);
  t.equal(n.run('RENAMENX', 'b', 'b'), 0, 'same key: 0 for RENAMENX');
  t.equal(status(n.run('RENAME', 'b', 'b')), 'OK', 'same key: OK for RENAME');
  t.equal(errText(n.run('RENAME', 'nope', 'nope')), 'ERR no such key', 'a missing key errs even when both names are equal');
  r = n.runFx('MOVE', 'b', '3');
  t.equal(r.reply, 1);
  t.same(r.effects, [{ op: 'move', db: 0, key: 'b', toDb: 3 }]);
  t.same(n.events.map((e) => [e.event, e.db]), [['new', 3], ['move_from', 0], ['move_to', 3]]);
  t.equal(n.value('b', 3), big);
  t.equal(n.expireAt('b', 3), T0 + 100_000);
  n.run('SET', 'b', 'here');
  t.equal(n.run('MOVE', 'b', '3'), 0, 'target exists');
  t.equal(errText(n.run('MOVE', 'b', '0')), 'ERR source and destination objects are the same');
  t.equal(errText(n.run('MOVE', 'b', '16')), 'ERR DB index is out of range');
});

t.test('engine: an expired target is reclaimed (with its event) before RENAME, MOVE, COPY', async (t) => {
  const n = new Node();
  n.run('SET', 'src', 'v');
  n.db = 1;
  n.run('SET', 'src', 'stale');
  n.run('PEXPIRE', 'src', '10');
  n.db = 0;
  n.now = T0 + 10;
  t.equal(n.run('MOVE', 'src', '1'), 1);
  t.same(n.events.map((e) => [e.event, e.db]), [['expired', 1], ['new', 1], ['move_from', 0], ['move_to', 1]]);
  t.equal(n.value('src', 1), 'v');
  t.equal(n.expireAt('src', 1), undefined, 'the stale TTL is gone with the stale key');
});

t.test('engine: COPY duplicates with TTL, across databases, REPLACE', async (t) => {
  const n = new Node();
  n.run('SET', 'a', '12');
  n.run('APPEND', 'a', '3');
  n.run('EXPIRE', 'a', '50');
  let r = n.runFx('COPY', 'a', 'b', 'DB', '2');
  t.equal(r.reply, 1);
  t.same(n.events.map((e) => [e.event, e.key, e.db]), [['new', 'b', 2], ['copy_to', 'b', 2]]);
  t.equal(r.effects.length, 1);
  t.match(r.effects[0], { op: 'put', db: 2, key: 'b', expireAt: T0 + 50_000 });
  t.equal(n.value('b', 2), '123');
  const live = n.ks.db(2).data.get('b');
  t.ok(live instanceof RawString, 'a raw string stays raw, as dupStringObject');
  t.not(live, n.ks.db(0).data.get('a'), 'the copy is not shared with the source');
  t.not((r.effects[0] as { value: unknown }).value, live, 'the effect holds its own copy');
  n.db = 2;
  t.equal(n.run('OBJECT', 'ENCODING', 'b'), 'raw');
  n.db = 0;
  t.equal(n.run('COPY', 'a', 'b', 'DB', '2'), 0, 'exists without REPLACE');
  n.run('SET', 'c', 'x');
  r = n.runFx('COPY', 'c', 'b', 'replace', 'db', '2');
  t.equal(r.reply, 1);
  t.equal(n.value('b', 2), 'x');
  t.equal(n.expireAt('b', 2), undefined, 'REPLACE takes the source TTL (none)');
  t.equal(errText(n.run('COPY', 'c', 'c')), 'ERR source and destination objects are the same');
  t.equal(n.run('COPY', 'c', 'c', 'DB', '1'), 1);
  t.equal(errText(n.run('COPY', 'c', 'd', 'DB')), 'ERR syntax error');
  t.equal(errText(n.run('COPY', 'c', 'd', 'DB', '99999999999')), 'ERR value is out of range, value must between -2147483648 and 2147483647');
  t.equal(n.run('COPY', 'missing', 'd'), 0);
});

t.test('engine: SWAPDB, FLUSHDB, FLUSHALL, DBSIZE', async (t) => {
  const n = new Node();
  n.run('SET', 'a', '1');
  n.db = 1;
  n.run('SET', 'b', '2');
  n.run('SET', 'c', '3');
  n.db = 0;
  let r = n.runFx('SWAPDB', '0', '1');
  t.same(r.effects, [{ op: 'swapdb', db: 0, other: 1 }]);
  t.equal(n.run('DBSIZE'), 2);
  t.equal(n.value('b'), '2');
  r = n.runFx('SWAPDB', '2', '2');
  t.same(r.effects, [], 'swapping a db with itself changes nothing');
  t.equal(errText(n.run('SWAPDB', 'x', '0')), 'ERR invalid first DB index');
  t.equal(errText(n.run('SWAPDB', '0', '99999999999')), 'ERR invalid second DB index');
  t.equal(errText(n.run('SWAPDB', '0', '16')), 'ERR DB index is out of range');
  // Inside one update (EXEC), commands after SWAPDB see the swapped database.
  const batch = n.engine.applyBatch(
    [
      { spec: specOf(['SWAPDB']), args: ['SWAPDB', '0', '1'] },
      { spec: specOf(['GET']), args: ['GET', 'a'] },
    ],
    { nowMs: n.now, seed: 1, db: 0 },
  );
  t.equal(batch.replies[1], '1');
  r = n.runFx('FLUSHDB', 'ASYNC');
  t.same(r.effects, [{ op: 'flushdb', db: 0 }]);
  t.equal(n.run('DBSIZE'), 0);
  t.equal(n.value('b', 1), '2');
  t.equal(errText(n.run('FLUSHALL', 'x')), 'ERR syntax error');
  t.equal(errText(n.run('FLUSHDB', 'SYNC', 'x')), 'ERR syntax error');
  r = n.runFx('FLUSHALL', 'sync');
  t.same(r.effects, [{ op: 'flushall' }]);
  t.equal(n.value('b', 1), undefined);
});

t.test('engine: RANDOMKEY is decided by the seed, skips expired keys and never loops forever', async (t) => {
  const a = new Node();
  const b = new Node();
  for (const n of [a, b]) for (let i = 0; i < 200; i++) n.run('SET', `k${i}`, 'v');
  const picks = new Set<Reply>();
  for (let seed = 1; seed <= 50; seed++) {
    a.seed = seed;
    b.seed = seed;
    const ra = a.run('RANDOMKEY');
    t.equal(ra, b.run('RANDOMKEY'), `seed ${seed}: same key on both replicas`);
    picks.add(ra);
  }
  t.ok(picks.size > 20, `different seeds pick different keys (${picks.size} distinct)`);
  // All but one key expired (and not reclaimed, since RANDOMKEY is a read).
  for (let i = 0; i < 200; i++) if (i !== 117) a.run('PEXPIRE', `k${i}`, '1');
  a.now = T0 + 1;
  for (let seed = 1; seed <= 20; seed++) {
    a.seed = seed;
    t.equal(a.run('RANDOMKEY'), 'k117');
  }
  a.run('PEXPIRE', 'k117', '1');
  a.now = T0 + 2;
  t.equal(a.run('RANDOMKEY'), null, 'every key expired: null');
  t.equal(a.run('DBSIZE'), 200, 'and nothing was deleted by the read');
});

t.test('engine: RESTORE REPLACE with a past TTL deletes the old key', async (t) => {
  const n = new Node();
  n.run('SET', 'src', 'payload');
  const dump = n.run('DUMP', 'src') as string;
  n.run('SET', 'k', 'old');
  const r = n.runFx('RESTORE', 'k', String(T0 - 1), dump, 'ABSTTL', 'REPLACE');
  t.equal(status(r.reply), 'OK');
  t.same(r.effects, [{ op: 'del', db: 0, key: 'k' }]);
  t.same(n.events.map((e) => e.event), ['del']);
  t.equal(n.value('k'), undefined);
  t.equal(status(n.run('RESTORE', 'k', '9223372036854775807', dump)), 'OK', 'relative TTL that overflows: nothing created');
  t.equal(n.value('k'), undefined);
  t.equal(status(n.run('RESTORE', 'k', '5000', dump, 'IDLETIME', '10')), 'OK');
  t.same(n.events.map((e) => e.event), ['new', 'restore']);
  t.equal(n.expireAt('k'), T0 + 5000);
  t.equal(n.value('k'), 'payload');
  t.equal(errText(n.run('RESTORE', 'k', '0', dump)), 'BUSYKEY Target key name already exists.');
  t.equal(errText(n.run('RESTORE', 'k2', '0', dump, 'FREQ', '1', 'IDLETIME', '1')), 'ERR syntax error', 'IDLETIME and FREQ exclude each other');
});

t.test('engine: effects of a random keys workload replay to the same keyspace', async (t) => {
  const n = new Node();
  const rng = new Rng(99);
  const keys = ['a', 'b', 'c', 'd', 'e'];
  const k = () => keys[rng.int(keys.length)] as string;
  for (let i = 0; i < 3000; i++) {
    n.now = T0 + i * 7;
    n.seed = i;
    n.db = rng.int(3);
    const cmds: string[][] = [
      ['SET', k(), String(rng.int(1000))],
      ['APPEND', k(), 'zz'],
      ['DEL', k(), k()],
      ['PEXPIRE', k(), String(rng.int(60) - 10)],
      ['PERSIST', k()],
      ['RENAME', k(), k()],
      ['RENAMENX', k(), k()],
      ['MOVE', k(), String(rng.int(3))],
      ['COPY', k(), k(), 'DB', String(rng.int(3)), ...(rng.int(2) ? ['REPLACE'] : [])],
      ['SWAPDB', String(rng.int(3)), String(rng.int(3))],
      ['RESTORE', k(), String(rng.int(50)), n.run('DUMP', k()) ?? 'x', 'REPLACE'] as string[],
      ['FLUSHDB'],
      ['EXPIREAT', k(), String(rng.int(2) ? 1 : 2e9)],
    ];
    const cmd = cmds[rng.int(cmds.length)] as string[];
    if (cmd[0] === 'FLUSHDB' && rng.int(20) !== 0) continue;
    n.run(...cmd);
  }
  const replica = new Keyspace();
  for (const e of n.effects) applyEffect(replica, e);
  t.equal(contents(replica), contents(n.ks));
  t.ok(contents(n.ks).length > 0, 'the workload left data behind');
});

// ---------------------------------------------------------------------------------------------
// Glob

t.test('glob: Redis stringmatchlen cases', async (t) => {
  const cases: Array<[string, string, boolean, boolean?]> = [
    ['*', 'anything', true],
    ['**', '', false], // Redis: the loop needs a character to consume
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[^e]llo', 'hallo', true],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hbllo', true], // reversed ranges are swapped
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['[', '[', false],
    ['[]', ']', false],
    ['[\\]]', ']', true],
    ['a\\', 'a\\', true], // a trailing backslash matches itself
    ['[a-', 'a', true],
    ['[a-', '-', true], // too short for a range: 'a' and '-' are plain members
    ['*a*b', 'xxaxxbxx', false],
    ['HELLO', 'hello', false],
    ['HELLO', 'hello', true, true],
    ['[A-C]', 'b', true, true],
    ['[\x80-\xff]', '\x90', true], // signed chars: -128..-1
    ['[a-\xff]', 'b', false], // 97..-1 swaps to -1..97: not 'b' (98)
    ['[a-\xff]', '\x00', true],
  ];
  for (const [p, s, want, nocase] of cases) t.equal(stringMatch(p, s, nocase ?? false), want, `${JSON.stringify(p)} ~ ${JSON.stringify(s)}`);
  // Pathological patterns finish quickly (skip-longer-matches), and nesting stops at 1000 stars.
  const start = Date.now();
  t.equal(stringMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)), false);
  t.ok(Date.now() - start < 1000, 'pathological pattern is fast');
  const key = 'a'.repeat(2000);
  t.equal(stringMatch('*a'.repeat(1000), key), true);
  t.equal(stringMatch('*a'.repeat(1001), key), false);
});

t.test('glob: random patterns match exactly the keys Redis KEYS matches', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) {
    t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
    return;
  }
  const catena = await startCatena(t);
  const a = await RawClient.connect(catena.port);
  const b = await RawClient.connect(redis.port, redis.host);
  t.teardown(() => {
    a.close();
    b.close();
  });
  const rng = new Rng(0x910b);
  const alphabet = ['a', 'b', 'A', 'B', '-', '^', '\\', '[', ']', '*', '?', '\x00', '\xe9', '\xff', 'z'];
  const str = (max: number) => {
    let s = '';
    const n = rng.int(max + 1);
    for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)];
    return s;
  };
  const keys = new Set<string>();
  while (keys.size < 120) keys.add(str(6));
  for (const cl of [a, b]) {
    cl.send(['FLUSHALL'], ...[...keys].map((k) => ['SET', k, '1']));
    for (let i = 0; i <= keys.size; i++) await cl.read();
  }
  let mismatches = 0;
  for (let i = 0; i < 3000 && mismatches === 0; i++) {
    const p = str(7);
    a.send(['KEYS', p]);
    b.send(['KEYS', p]);
    const ra = ((await a.read()).value as string[]).slice().sort();
    const rb = ((await b.read()).value as string[]).slice().sort();
    if (ra.join('\x01') !== rb.join('\x01')) {
      mismatches++;
      t.same(ra, rb, `KEYS ${JSON.stringify(p)}`);
    }
  }
  t.equal(mismatches, 0, '3000 random patterns over 120 random keys');
});

// ---------------------------------------------------------------------------------------------
// Real clients

t.test('ioredis: every generic command over a real socket', async (t) => {
  const node = await startCatena(t);
  const r = new Redis(node.port, '127.0.0.1', { lazyConnect: false });
  t.teardown(() => r.disconnect());
  await r.mset('a', '1', 'b', 'hello', 'c', 'x'.repeat(50));
  t.equal(await r.exists('a', 'b', 'nope', 'a'), 3);
  t.equal(await r.type('b'), 'string');
  t.equal(await r.type('nope'), 'none');
  t.equal(await r.object('ENCODING', 'a'), 'int');
  t.equal(await r.object('ENCODING', 'b'), 'embstr');
  t.equal(await r.object('ENCODING', 'c'), 'raw');
  t.equal(await r.object('REFCOUNT', 'a'), 2147483647);
  t.equal(await r.object('REFCOUNT', 'b'), 1);
  t.equal(await r.object('IDLETIME', 'b'), 0);
  await t.rejects(r.object('FREQ', 'b'), /An LFU maxmemory policy is not selected/);
  t.equal(await r.object('ENCODING', 'nope'), null);
  t.equal(((await r.object('HELP')) as string[])[0], 'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  t.same((await r.keys('*')).sort(), ['a', 'b', 'c']);
  t.same((await r.keys('[ab]')).sort(), ['a', 'b']);
  t.equal(await r.dbsize(), 3);
  t.equal(await r.touch('a', 'nope'), 1);
  t.equal(await r.expire('a', 100), 1);
  t.ok((await r.ttl('a')) > 98);
  t.ok((await r.pttl('a')) > 98_000);
  const et = await r.call('EXPIRETIME', 'a');
  t.ok(Math.abs(Number(et) - (Date.now() / 1000 + 100)) < 3);
  t.equal(await r.persist('a'), 1);
  t.equal(await r.ttl('a'), -1);
  t.equal(await r.rename('a', 'a2'), 'OK');
  t.equal(await r.renamenx('a2', 'b'), 0);
  t.equal(await r.copy('b', 'b2'), 1);
  t.equal(await r.get('b2'), 'hello');
  t.equal(await r.move('b2', 5), 1);
  t.equal(await r.exists('b2'), 0);
  t.equal(await r.del('a2', 'b', 'nope'), 2);
  t.equal(await r.unlink('c'), 1);
  t.equal(await r.randomkey(), null);
  t.equal(await r.swapdb(0, 5), 'OK');
  t.equal(await r.get('b2'), 'hello', 'SWAPDB brought db 5 here');
  t.equal(await r.randomkey(), 'b2', 'the only key');
  t.same(await r.scan('0'), ['0', ['b2']]);
  t.equal(await r.flushall(), 'OK');
  t.equal(await r.dbsize(), 0);
  t.equal(await r.randomkey(), null);
});

t.test('ioredis: binary keys and values survive DUMP/RESTORE, RENAME, KEYS, SCAN', async (t) => {
  const node = await startCatena(t);
  const r = new Redis(node.port, '127.0.0.1');
  t.teardown(() => r.disconnect());
  const key = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x80]);
  const val = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 31) & 0xff));
  await r.set(key, val);
  const dump = await r.dumpBuffer(key);
  t.ok(Buffer.isBuffer(dump));
  await r.restore(Buffer.concat([key, Buffer.from('2')]), 0, dump as Buffer);
  t.same(await r.getBuffer(Buffer.concat([key, Buffer.from('2')])), val);
  await r.rename(key, Buffer.from('\xe9t\xe9', 'latin1'));
  t.same(await r.getBuffer(Buffer.from('\xe9t\xe9', 'latin1')), val);
  const keys = await r.keysBuffer('*');
  t.equal(keys.length, 2);
  const [cursor, found] = (await r.callBuffer('SCAN', '0', 'MATCH', Buffer.from('\xe9*', 'latin1'), 'COUNT', '100')) as [Buffer, Buffer[]];
  t.equal(cursor.toString(), '0');
  t.same(found, [Buffer.from('\xe9t\xe9', 'latin1')]);
});

t.test('real time: a key expires between commands, lazily and actively', async (t) => {
  const node = await startCatena(t);
  const r = new Redis(node.port, '127.0.0.1');
  t.teardown(() => r.disconnect());
  await r.set('lazy', 'v');
  await r.set('active', 'v');
  t.equal(await r.pexpire('lazy', 60), 1);
  t.equal(await r.pexpire('active', 60), 1);
  t.equal(await r.exists('lazy'), 1);
  const pttl = await r.pttl('lazy');
  t.ok(pttl > 0 && pttl <= 60, `PTTL ${pttl}`);
  await new Promise((res) => setTimeout(res, 120));
  t.equal(await r.get('lazy'), null);
  t.equal(await r.exists('lazy'), 0);
  t.equal(await r.ttl('lazy'), -2);
  t.equal(await r.type('lazy'), 'none');
  t.same(await r.keys('*'), []);
  // Active expiry reclaims the other key without anyone touching it.
  const deadline = Date.now() + 3000;
  while ((await r.dbsize()) > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  t.equal(await r.dbsize(), 0, 'active expiry reclaimed every expired key');
  t.ok(!node.server.ks.db(0).data.has('active'));
  // EXPIRE with a time already past deletes at once.
  await r.set('now', 'v');
  t.equal(await r.pexpireat('now', Date.now() - 1), 1);
  t.equal(await r.dbsize(), 0);
});

t.test('SCAN returns every key present for the whole scan while others come and go', async (t) => {
  const node = await startCatena(t);
  const r = new Redis(node.port, '127.0.0.1');
  t.teardown(() => r.disconnect());
  const stable: string[] = [];
  for (let i = 0; i < 100; i++) stable.push(`stable:${i}`);
  await r.mset(...stable.flatMap((k) => [k, 'v']));
  const rng = new Rng(7);
  const seen = new Set<string>();
  let live: string[] = [];
  let cursor = '0';
  let calls = 0;
  let churn = 0;
  const bucketCounts = new Set<number>();
  do {
    const [next, keys] = await r.scan(cursor, 'COUNT', String(1 + rng.int(10)));
    for (const k of keys) seen.add(k);
    cursor = next;
    calls++;
    // Between calls: bursts of inserts (the table doubles, up to 4096 buckets), then a mass
    // delete (under 10% full, it shrinks back to 128).
    const phase = calls % 5;
    if (phase < 3) {
      const batch: string[] = [];
      for (let i = 0; i < 600 + rng.int(600); i++) batch.push(`churn:${churn++}`);
      await r.mset(...batch.flatMap((k) => [k, 'x']));
      live.push(...batch);
    } else if (phase === 3 && live.length > 0) {
      await r.del(...live);
      live = [];
    }
    bucketCounts.add(node.server.ks.db(0).data.bucketCount);
  } while (cursor !== '0' && calls < 100_000);
  t.equal(cursor, '0', `the scan completed (${calls} calls)`);
  t.ok(bucketCounts.size >= 3, `the table was resized during the scan (${[...bucketCounts].sort((a, b) => a - b).join(', ')} buckets)`);
  const missing = stable.filter((k) => !seen.has(k));
  t.same(missing, [], 'every always-present key was returned');
});

t.test('engine: SCAN work per call is bounded by COUNT*10 buckets, as Redis', async (t) => {
  const n = new Node();
  for (let i = 0; i < 4096; i++) n.run('SET', `s${i}`, 'v');
  for (let i = 0; i < 4096; i++) if (i !== 4000) n.run('PEXPIRE', `s${i}`, '1');
  n.now = T0 + 1;
  const buckets = n.ks.db(0).data.bucketCount;
  let cursor = '0';
  let calls = 0;
  const seen: string[] = [];
  do {
    const [next, keys] = n.run('SCAN', cursor, 'COUNT', '1') as [string, string[]];
    seen.push(...keys);
    cursor = next;
    calls++;
  } while (cursor !== '0');
  t.same(seen, ['s4000'], 'only the live key');
  t.ok(calls >= buckets / 11, `${calls} calls for ${buckets} buckets: at most 11 buckets per call`);
});

// ---------------------------------------------------------------------------------------------
// Byte-exact scripts against a real Redis

t.test('scripts: edge cases answer byte for byte as Redis 7.0', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) {
    t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
    return;
  }
  const catena = await startCatena(t);
  const steps: Step[] = [
    c('a', 'FLUSHALL'),
    c('a', 'SET', 'k', 'v'),
    c('a', 'EXPIRE', 'k', '10', 'nx', 'xx'),
    c('a', 'EXPIRE', 'k', '10', 'gt', 'lt'),
    c('a', 'EXPIRE', 'k', '10', 'foo'),
    c('a', 'EXPIRE', 'k', '10', 'f\x00oo'),
    c('a', 'EXPIRE', 'k', '9223372036854775807'),
    c('a', 'EXPIRE', 'k', '9223372036854775'),
    c('a', 'EXPIRE', 'k', '9223372036854774'),
    c('a', 'PEXPIRE', 'k', '9223372036854775807'),
    c('a', 'PEXPIREAT', 'k', '9223372036854775807'),
    c('a', 'PEXPIRETIME', 'k'),
    c('a', 'EXPIRETIME', 'k'),
    c('a', 'EXPIREAT', 'k', '-9223372036854775808'),
    c('a', 'EXPIRE', 'k', '-9223372036854775'),
    c('a', 'EXISTS', 'k'),
    c('a', 'SET', 'k', 'v'),
    c('a', 'EXPIRE', 'k', '-9223372036854776'),
    c('a', 'EXPIRE', 'k', 'abc'),
    c('a', 'EXPIRE', 'k', '10', 'abc'),
    c('a', 'PEXPIREAT', 'k', '99999999999500'),
    c('a', 'EXPIRETIME', 'k'),
    c('a', 'PEXPIREAT', 'k', '99999999999499'),
    c('a', 'EXPIRETIME', 'k'),
    c('a', 'PEXPIREAT', 'k', '99999999999499', 'GT'),
    c('a', 'PEXPIREAT', 'k', '99999999999498', 'LT'),
    c('a', 'PEXPIRETIME', 'k'),
    c('a', 'TTL', 'nokey'),
    c('a', 'PEXPIRETIME', 'nokey'),
    c('a', 'PERSIST', 'k'),
    c('a', 'PEXPIRETIME', 'k'),
    c('a', 'FLUSHALL', 'x', 'y'),
    c('a', 'FLUSHALL', 'a'),
    c('a', 'FLUSHDB', 'sync'),
    c('a', 'FLUSHDB', 'ASYNC'),
    c('a', 'DBSIZE'),
    c('a', 'MSET', 'a', '1', 'b', '2', 'c', '3'),
    // Valid cursors complete the scan of this small table in one call; MATCH nothing keeps the
    // reply independent of the hash layout.
    ...['', '-1', '+1', ' 1', '1 ', '0x1', '18446744073709551615', '18446744073709551616', '-18446744073709551615', '-18446744073709551616', 'abc', '+', '-', '0\x001'].map(
      (cur) => c('a', 'SCAN', cur, 'COUNT', '100', 'MATCH', 'nomatch'),
    ),
    c('a', 'SCAN', '0', 'count', '0'),
    c('a', 'SCAN', '0', 'COUNT', '-1'),
    c('a', 'SCAN', '0', 'COUNT', 'abc'),
    c('a', 'SCAN', '0', 'COUNT', '9223372036854775807', 'match', 'a'),
    c('a', 'SCAN', '0', 'MATCH'),
    c('a', 'SCAN', '0', 'TYPE'),
    c('a', 'SCAN', '0', 'TYPE', 'foo'),
    c('a', 'SCAN', '0', 'type', 'STRING', 'MATCH', 'b', 'COUNT', '1000'),
    c('a', 'SCAN', 'x', 'COUNT', 'abc'),
    c('a', 'SWAPDB', 'a', '1'),
    c('a', 'SWAPDB', '1', 'b'),
    c('a', 'SWAPDB', '0', '16'),
    c('a', 'SWAPDB', '-1', '0'),
    c('a', 'SWAPDB', '0', '0'),
    c('a', 'SWAPDB', '99999999999', '0'),
    c('a', 'MOVE', 'a', '16'),
    c('a', 'MOVE', 'a', 'x'),
    c('a', 'MOVE', 'a', '0'),
    c('a', 'MOVE', 'a', '99999999999'),
    c('a', 'MOVE', 'a', '9223372036854775808'),
    c('a', 'MOVE', 'nokey', '1'),
    c('a', 'COPY', 'a', 'a'),
    c('a', 'COPY', 'a', 'a', 'DB', '1'),
    c('a', 'COPY', 'a', 'a', 'DB', '1'),
    c('a', 'COPY', 'a', 'a', 'DB', '1', 'REPLACE'),
    c('a', 'COPY', 'a', 'a', 'db', '16'),
    c('a', 'COPY', 'a', 'a2', 'db'),
    c('a', 'COPY', 'a', 'a2', 'foo'),
    c('a', 'COPY', 'a', 'a2', 'db', 'x'),
    c('a', 'RENAME', 'nokey', 'x'),
    c('a', 'RENAMENX', 'nokey', 'x'),
    c('a', 'RENAME', 'a', 'a'),
    c('a', 'RENAMENX', 'a', 'a'),
    c('a', 'RENAMENX', 'a', 'b'),
    c('a', 'RENAME', 'a', 'b'),
    c('a', 'GET', 'b'),
    c('a', 'OBJECT', 'HELP'),
    c('a', 'OBJECT', 'help', 'extra'),
    c('a', 'OBJECT', 'FREQ', 'b'),
    c('a', 'OBJECT', 'FREQ', 'nokey'),
    c('a', 'OBJECT', 'ENCODING', 'nokey'),
    c('a', 'OBJECT', 'NOPE', 'b'),
    c('a', 'OBJECT', 'ENCODING'),
    c('a', 'OBJECT', 'REFCOUNT', 'b'),
    c('a', 'SET', 'big', '10000'),
    c('a', 'SET', 'neg', '-1'),
    c('a', 'OBJECT', 'REFCOUNT', 'big'),
    c('a', 'OBJECT', 'REFCOUNT', 'neg'),
    c('a', 'SET', 'e', 'x'.repeat(44)),
    c('a', 'SET', 'r', 'x'.repeat(45)),
    c('a', 'SET', 'i', '9223372036854775807'),
    c('a', 'SET', 'ni', '9223372036854775808'),
    c('a', 'OBJECT', 'ENCODING', 'e'),
    c('a', 'OBJECT', 'ENCODING', 'r'),
    c('a', 'OBJECT', 'ENCODING', 'i'),
    c('a', 'OBJECT', 'ENCODING', 'ni'),
    c('a', 'TYPE', 'b'),
    c('a', 'DEL'),
    c('a', 'RESTORE', 'k2', '0', 'xx'),
    c('a', 'RESTORE', 'b', '-1', 'xx'),
    c('a', 'RESTORE', 'k2', '-1', 'xx'),
    c('a', 'RESTORE', 'k2', 'abc', 'xx'),
    c('a', 'RESTORE', 'k2', '0', 'xx', 'idletime', '-1'),
    c('a', 'RESTORE', 'k2', '0', 'xx', 'freq', '256'),
    c('a', 'RESTORE', 'k2', '0', 'xx', 'freq', 'x'),
    c('a', 'RESTORE', 'k2', '0', 'xx', 'freq', '1', 'idletime', '1'),
    c('a', 'RESTORE', 'k2', '0', 'xx', 'foo'),
    c('a', 'RESTORE', 'k2', '0', 'xx', 'idletime'),
  ];
  await sameAsRedis(t, catena.port, redis.port, steps, 'edge-case transcript');
});

t.test('scripts: keyspace events of the generic commands, as Redis sends them', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) {
    t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
    return;
  }
  // Generic, expired and new-key events ('A' is avoided: the "n" class is not part of it).
  const classes = 'Egxn';
  const catena = await startCatena(t, { config: { 'notify-keyspace-events': classes } });
  const events = ['del', 'expire', 'new', 'rename_from', 'rename_to', 'move_from', 'move_to', 'copy_to', 'persist', 'restore', 'expired'];
  const steps: Step[] = [
    quiet('a', 'CONFIG', 'SET', 'notify-keyspace-events', classes),
    c('a', 'FLUSHALL'),
    // Keys are written before subscribing: SET's own events belong to the strings family.
    c('a', 'MSET', 'a', '1', 'b', '2', 'e', 'v'),
    c('s', 'SUBSCRIBE', ...events.map((e) => `__keyevent@0__:${e}`), '__keyevent@1__:move_to', '__keyevent@1__:new'),
    ...events.slice(1).map(() => read('s')),
    read('s'),
    read('s'),
    c('a', 'RENAME', 'a', 'c'),
    read('s'), // new c
    read('s'), // rename_from a
    read('s'), // rename_to c
    c('a', 'RENAMENX', 'c', 'b'),
    c('a', 'COPY', 'c', 'd'),
    read('s'),
    read('s'),
    c('a', 'MOVE', 'd', '1'),
    read('s'),
    read('s'),
    read('s'),
    c('a', 'EXPIRE', 'c', '100'),
    read('s'),
    c('a', 'PERSIST', 'c'),
    read('s'),
    c('a', 'PERSIST', 'c'),
    c('a', 'EXPIRE', 'c', '-1'),
    read('s'),
    c('a', 'DEL', 'b', 'nokey'),
    read('s'),
    c('a', 'PEXPIRE', 'e', '1'),
    read('s'),
    { sleepMs: 20 },
    c('a', 'DEL', 'e'),
    read('s'), // expired e (lazily, by the write)
  ];
  await sameAsRedis(t, catena.port, redis.port, steps, 'event transcript');
  // RESTORE: the payload is built by each server's own DUMP.
  for (const port of [catena.port, redis.port]) {
    const a = await RawClient.connect(port);
    const sub = await RawClient.connect(port);
    a.send(['CONFIG', 'SET', 'notify-keyspace-events', classes], ['SET', 'src', 'v'], ['DUMP', 'src']);
    await a.read();
    await a.read();
    const payload = (await a.read()).value as string;
    sub.send(['SUBSCRIBE', '__keyevent@0__:restore', '__keyevent@0__:new']);
    await sub.read();
    await sub.read();
    a.send(['RESTORE', 'dst', '0', payload]);
    t.equal((await a.read()).raw, '+OK\r\n');
    t.same((await sub.read()).value, ['message', '__keyevent@0__:new', 'dst'], `port ${port === catena.port ? 'catena' : 'redis'}: new`);
    t.same((await sub.read()).value, ['message', '__keyevent@0__:restore', 'dst'], 'then restore');
    a.close();
    sub.close();
  }
});
