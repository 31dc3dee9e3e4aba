// The lists family against Redis 7.0's t_list.c: a scripted tour of every command and its
// edge cases byte-for-byte against a real Redis (RESP2 and RESP3), the same commands through
// ioredis and node-redis, keyspace events in Redis's order, the effects every command emits
// (replayed into an empty keyspace they rebuild it: same digest; sized by the change), the
// ring buffer against a plain-array model, and the cost of LPUSH/LPOP as a list grows to 1M.
import t from 'tap';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { keyspaceEventsOf } from './helpers/scripted';
import { Vocab } from './helpers/differential';
import { generate } from './diff/gen-lists';
import { buildTable } from '../src/commands/table';
import { Keyspace } from '../src/engine/keyspace';
import { Engine } from '../src/engine/engine';
import { applyEffect, type Effect } from '../src/engine/effects';
import { keyspaceDigest } from '../src/engine/digest';
import { Rng } from '../src/engine/rng';
import { ListValue } from '../src/engine/types/list';
import type { UpdateCtx } from '../src/engine/exec';

/**
 * Timing measurements are not tests (CI must never depend on timing): the cost-by-size table
 * runs only with CATENA_COSTS=1. `npm run bench:collections` measures it next to Redis.
 */
const costsSkip: string | false = process.env.CATENA_COSTS ? false : 'timing measurement: set CATENA_COSTS=1 (or npm run bench:collections)';


/** Commands run one by one on both servers; replies compared byte for byte. */
const TOUR: string[][] = [
  ['RPUSH', 'l', 'a', 'b', 'c'],
  ['LPOP', 'l', '0'],
  ['LPOP', 'nokey', '0'],
  ['LPOP', 'nokey', '2'],
  ['LPOP', 'nokey'],
  ['LPOP', 'l', '-1'],
  ['LPOP', 'l', '1'],
  ['RPOP', 'l', '5'],
  ['EXISTS', 'l'],
  ['LPOP', 'l', 'x'],
  ['RPUSH', 'l', 'a'],
  ['OBJECT', 'ENCODING', 'l'],
  ['TYPE', 'l'],
  ['LPOP', 'l', '9223372036854775807'],
  ['LPOP', 'l', '9223372036854775808'],
  ['LPOP', 'l', '1', '2'],
  ['LMPOP', '0', 'k', 'LEFT'],
  ['LMPOP', 'x', 'k', 'LEFT'],
  ['LMPOP', '-1', 'k', 'LEFT'],
  ['LMPOP', '2', 'k', 'LEFT'],
  ['LMPOP', '1', 'k', 'MIDDLE'],
  ['LMPOP', '1', 'k', 'LEFT', 'COUNT'],
  ['LMPOP', '1', 'k', 'LEFT', 'COUNT', '0'],
  ['LMPOP', '1', 'k', 'LEFT', 'COUNT', 'x'],
  ['LMPOP', '1', 'k', 'LEFT', 'COUNT', '1', 'COUNT', '2'],
  ['LMPOP', '1', 'k', 'LEFT', 'FOO'],
  ['LMPOP', '1', 'k', 'left', 'count', '2'],
  ['LMPOP', '9223372036854775807', 'k', 'LEFT'],
  ['BLMPOP', 'x', '1', 'k', 'LEFT'],
  ['BLMPOP', '-1', '1', 'k', 'LEFT'],
  ['BLMPOP', 'x', '0', 'k', 'LEFT'],
  ['BLMPOP', 'x', '1', 'k', 'LEFTY'],
  ['SET', 's', 'v'],
  ['LMPOP', '2', 'k', 's', 'LEFT'],
  ['RPUSH', 'k', 'a', 'b', 'c'],
  ['LMPOP', '2', 'k', 's', 'LEFT'],
  ['LMPOP', '2', 'k', 's', 'RIGHT', 'COUNT', '10'],
  ['LMPOP', '2', 's', 'k', 'LEFT'],
  ['BLMPOP', '0', '2', 's', 'k', 'LEFT'],
  ['BLPOP', 's', '0'],
  ['BLPOP', 'nope', 's', '0'],
  ['BLPOP', 's', 'x'],
  ['BLMOVE', 's', 'd', 'LEFT', 'LEFT', 'x'],
  ['BLPOP', 'k', 'inf'],
  ['BLPOP', 'k', '1e30'],
  ['BLPOP', 'k', ' 1'],
  ['BLPOP', 'k', 'nan'],
  ['BLPOP', 'k', '-0.5'],
  ['BLMOVE', 'nope', 's', 'LEFT', 'LEFT', '0.01'],
  ['RPUSH', 'k', 'a'],
  ['BLMOVE', 'k', 's', 'LEFT', 'LEFT', '0'],
  ['LMOVE', 'k', 's', 'LEFT', 'LEFT'],
  ['LMOVE', 'k', 's', 'LEFTX', 'LEFT'],
  ['LMOVE', 'k', 's', 'LEFT\x00junk', 'LEFT'],
  ['LMOVE', 'nope', 's', 'LEFT', 'LEFT'],
  ['LMOVE', 's', 'k', 'LEFT', 'LEFT'],
  ['RPOPLPUSH', 'nope', 's'],
  ['LPOP', 's', '0'],
  ['LPOP', 's', 'x'],
  ['LPOP', 'nope', 'x'],
  ['DEL', 'k'],
  ['RPUSH', 'k', 'a', 'b', 'c', 'a', 'b', 'c', 'a'],
  ['LPOS', 'k', 'a'],
  ['LPOS', 'k', 'a', 'RANK', '0'],
  ['LPOS', 'k', 'a', 'RANK', '-1'],
  ['LPOS', 'k', 'a', 'RANK', 'x'],
  ['LPOS', 'k', 'a', 'RANK', '-9223372036854775808'],
  ['LPOS', 'k', 'a', 'RANK', '-9223372036854775808', 'COUNT', '2'],
  ['LPOS', 'k', 'a', 'RANK', '-9223372036854775808', 'MAXLEN', '2'],
  ['LPOS', 'k', 'a', 'RANK', '-9223372036854775807'],
  ['LPOS', 'k', 'a', 'RANK', '9223372036854775807', 'COUNT', '0'],
  ['LPOS', 'k', 'a', 'COUNT', '-1'],
  ['LPOS', 'k', 'a', 'COUNT', 'x'],
  ['LPOS', 'k', 'a', 'COUNT', '0'],
  ['LPOS', 'k', 'a', 'COUNT', '2', 'RANK', '2'],
  ['LPOS', 'k', 'a', 'COUNT', '0', 'RANK', '-2'],
  ['LPOS', 'k', 'a', 'RANK', '5', 'COUNT', '0'],
  ['LPOS', 'k', 'a', 'MAXLEN', '-1'],
  ['LPOS', 'k', 'a', 'MAXLEN', '9223372036854775808'],
  ['LPOS', 'k', 'a', 'MAXLEN', '3', 'COUNT', '0'],
  ['LPOS', 'k', 'a', 'MAXLEN', '1', 'RANK', '2'],
  ['LPOS', 'k', 'z', 'COUNT', '1'],
  ['LPOS', 'k', 'z'],
  ['LPOS', 'nope', 'z', 'COUNT', '1'],
  ['LPOS', 'nope', 'z'],
  ['LPOS', 'nope', 'z', 'RANK'],
  ['LPOS', 'nope', 'z', 'FOO', '1'],
  ['LPOS', 'k', 'a', 'FIRST', '1'],
  ['LINDEX', 'k', '-9223372036854775808'],
  ['LINDEX', 'k', '9223372036854775807'],
  ['LINDEX', 'k', '-9'],
  ['LINDEX', 'k', '-10'],
  ['LINDEX', 'k', '8'],
  ['LINDEX', 'k', '9'],
  ['LINDEX', 'k', 'x'],
  ['LINDEX', 'nope', 'x'],
  ['LRANGE', 'k', '-9223372036854775808', '9223372036854775807'],
  ['LRANGE', 'k', '-100', '-10'],
  ['LRANGE', 'k', '-100', '-9'],
  ['LRANGE', 'k', '3', '2'],
  ['LRANGE', 'k', '8', '100'],
  ['LRANGE', 'k', '9', '100'],
  ['LRANGE', 'nope', 'x', '1'],
  ['LRANGE', 'nope', '0', '-1'],
  ['LRANGE', 'k', '0', 'x'],
  ['LSET', 'nope', '0', 'x'],
  ['LSET', 'nope', 'x', 'x'],
  ['LSET', 'k', '100', 'x'],
  ['LSET', 'k', '-10', 'x'],
  ['LSET', 'k', 'x', 'x'],
  ['LSET', 'k', '-9223372036854775808', 'x'],
  ['LSET', 'k', '-1', 'z'],
  ['LSET', 'k', '0', 'y'],
  ['LINSERT', 'k', 'MIDDLE', 'a', 'x'],
  ['LINSERT', 'nope', 'MIDDLE', 'a', 'x'],
  ['LINSERT', 'nope', 'BEFORE', 'a', 'x'],
  ['LINSERT', 'k', 'BEFORE', 'zz', 'x'],
  ['LINSERT', 'k', 'BEFORE', 'c', 'x'],
  ['LINSERT', 'k', 'after', 'c', 'w'],
  ['LINSERT', 'k', 'AFTER', 'z', 'tail'],
  ['LINSERT', 'k', 'before', 'y', 'head'],
  ['LRANGE', 'k', '0', '-1'],
  ['LREM', 'nope', 'x', 'a'],
  ['LREM', 'nope', '1', 'a'],
  ['LREM', 'k', 'x', 'a'],
  ['LREM', 'k', '-1', 'b'],
  ['LREM', 'k', '1', 'c'],
  ['LRANGE', 'k', '0', '-1'],
  ['LREM', 'k', '0', 'b'],
  ['LREM', 'k', '-9223372036854775808', 'x'],
  ['LRANGE', 'k', '0', '-1'],
  ['LTRIM', 'nope', 'x', '1'],
  ['LTRIM', 'nope', '0', '1'],
  ['LTRIM', 'k', '1', '-2'],
  ['LRANGE', 'k', '0', '-1'],
  ['LTRIM', 'k', '-9223372036854775808', '9223372036854775807'],
  ['LTRIM', 'k', '5', '1'],
  ['EXISTS', 'k'],
  ['LRANGE', 's', 'x', '1'],
  ['LRANGE', 's', '0', '1'],
  ['LTRIM', 's', '0', 'x'],
  ['LTRIM', 's', '0', '1'],
  ['LREM', 's', 'x', 'a'],
  ['LREM', 's', '0', 'a'],
  ['LINDEX', 's', 'x'],
  ['LSET', 's', 'x', 'v'],
  ['LPOS', 's', 'a', 'RANK', '0'],
  ['LPOS', 's', 'a'],
  ['LINSERT', 's', 'MIDDLE', 'a', 'x'],
  ['LINSERT', 's', 'BEFORE', 'a', 'x'],
  ['LPUSHX', 'nope', 'a'],
  ['LPUSHX', 's', 'a'],
  ['RPUSHX', 's', 'a'],
  ['LPUSH', 's', 'a'],
  ['RPUSH', 's', 'a'],
  ['LLEN', 's'],
  ['LLEN', 'nope'],
  ['LPUSH', 'n', 'a', 'b', 'c'],
  ['RPUSHX', 'n', 'd', 'e'],
  ['LPUSHX', 'n', 'z', 'y'],
  ['LLEN', 'n'],
  ['LRANGE', 'n', '0', '-1'],
  ['RPOPLPUSH', 'n', 'n'],
  ['LMOVE', 'n', 'n', 'LEFT', 'RIGHT'],
  ['LMOVE', 'n', 'm', 'RIGHT', 'RIGHT'],
  ['LMOVE', 'n', 'm', 'left', 'left'],
  ['LRANGE', 'n', '0', '-1'],
  ['LRANGE', 'm', '0', '-1'],
  ['BLPOP', 'n', 'm', '0'],
  ['BRPOP', 'm', 'n', '0'],
  ['BLMPOP', '0', '2', 'x', 'n', 'RIGHT', 'COUNT', '2'],
  ['BRPOPLPUSH', 'n', 'm', '0'],
  ['BLMOVE', 'm', 'n', 'RIGHT', 'LEFT', '0'],
  ['LRANGE', 'n', '0', '-1'],
  ['LRANGE', 'm', '0', '-1'],
  ['BLPOP', 'nn', '0.001'],
  ['BLMOVE', 'nn', 'm', 'LEFT', 'LEFT', '0.001'],
  ['BRPOPLPUSH', 'nn', 'm', '0.001'],
  ['BLMPOP', '0.001', '1', 'nn', 'LEFT'],
  ['MULTI'],
  ['BLPOP', 'nn', '0'],
  ['BRPOP', 'nn', 'nn2', '0'],
  ['BLMOVE', 'nn', 'd', 'LEFT', 'RIGHT', '0'],
  ['BRPOPLPUSH', 'nn', 'd', '0'],
  ['BLMPOP', '0', '2', 'nn', 'nn2', 'LEFT'],
  ['BLPOP', 'nn', 'x'],
  ['BLMOVE', 'nn', 'd', 'LEFTX', 'RIGHT', '0'],
  ['BLPOP', 'n', '0'],
  ['EXEC'],
  // WATCH: list writes touch the key (even an LTRIM that keeps everything); no-ops do not.
  ['RPUSH', 'wl', 'a', 'b'],
  ['WATCH', 'wl'],
  ['LTRIM', 'wl', '0', '-1'],
  ['MULTI'],
  ['PING'],
  ['EXEC'],
  ['WATCH', 'wl'],
  ['LREM', 'wl', '0', 'zz'],
  ['LINSERT', 'wl', 'BEFORE', 'zz', 'x'],
  ['LPUSHX', 'wl-absent', 'x'],
  ['MULTI'],
  ['PING'],
  ['EXEC'],
  ['WATCH', 'wl'],
  ['LMOVE', 'wl', 'wl', 'LEFT', 'RIGHT'],
  ['MULTI'],
  ['EXEC'],
  ['RPUSH', 'bin\x00\xff', '\x00', '\r\n', '\xff\xfe'],
  ['LRANGE', 'bin\x00\xff', '0', '-1'],
  ['LPOS', 'bin\x00\xff', '\r\n'],
  ['LMPOP', '1', 'bin\x00\xff', 'RIGHT', 'COUNT', '3'],
];

async function transcript(port: number, proto: 2 | 3): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const out: string[] = [];
    if (proto === 3) {
      c.send(['HELLO', '3']);
      await c.read();
    }
    c.send(['FLUSHALL']);
    await c.read();
    for (const cmd of TOUR) {
      c.send(cmd);
      out.push(`${cmd.map((a) => JSON.stringify(a)).join(' ')} → ${JSON.stringify((await c.read()).raw)}`);
    }
    return out;
  } finally {
    c.close();
  }
}

for (const proto of [2, 3] as const) {
  t.test(`every list command and its edge cases answer byte-for-byte as Redis 7.0 (RESP${proto})`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) return t.plan(0, 'no redis-server to compare with');
    const cat = await startCatena(t);
    const theirs = await transcript(redis.port, proto);
    const mine = await transcript(cat.port, proto);
    t.equal(mine.length, TOUR.length);
    for (let i = 0; i < TOUR.length; i++) if (mine[i] !== theirs[i]) t.equal(mine[i], theirs[i], `command #${i}`);
    t.same(mine, theirs, `${TOUR.length} replies identical`);
  });
}

t.test('ioredis: every list command', async (t) => {
  const cat = await startCatena(t);
  const r = new Redis(cat.port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 0 });
  t.teardown(() => r.disconnect());
  t.equal(await r.lpush('q', 'a', 'b', 'c'), 3);
  t.same(await r.lrange('q', 0, -1), ['c', 'b', 'a'], 'LPUSH pushes each element at the head in turn');
  t.equal(await r.rpush('q', 'd', 'e'), 5);
  t.equal(await r.lpushx('absent', 'x'), 0);
  t.equal(await r.rpushx('q', 'f'), 6);
  t.equal(await r.llen('q'), 6);
  t.equal(await r.lindex('q', 0), 'c');
  t.equal(await r.lindex('q', -1), 'f');
  t.equal(await r.lindex('q', 99), null);
  t.equal(await r.lset('q', 1, 'B'), 'OK');
  await t.rejects(r.lset('q', 99, 'x'), /ERR index out of range/);
  await t.rejects(r.lset('absent', 0, 'x'), /ERR no such key/);
  t.equal(await r.linsert('q', 'BEFORE', 'a', 'pre-a'), 7);
  t.equal(await r.linsert('q', 'AFTER', 'a', 'post-a'), 8);
  t.equal(await r.linsert('q', 'AFTER', 'nothing', 'x'), -1);
  t.same(await r.lrange('q', 0, -1), ['c', 'B', 'pre-a', 'a', 'post-a', 'd', 'e', 'f']);
  t.equal(await r.lpos('q', 'a'), 3);
  t.same(await r.lpos('q', 'a', 'COUNT', 0), [3]);
  t.equal(await r.lpop('q'), 'c');
  t.same(await r.lpop('q', 2), ['B', 'pre-a']);
  t.equal(await r.rpop('q'), 'f');
  t.same(await r.rpop('q', 2), ['e', 'd'], 'RPOP with a count answers tail first');
  t.same(await r.lrange('q', 0, -1), ['a', 'post-a']);
  t.equal(await r.rpush('q', 'a', 'x', 'a'), 5);
  t.equal(await r.lrem('q', -1, 'a'), 1);
  t.same(await r.lrange('q', 0, -1), ['a', 'post-a', 'a', 'x']);
  t.equal(await r.lrem('q', 0, 'a'), 2);
  t.equal(await r.ltrim('q', 0, 0), 'OK');
  t.same(await r.lrange('q', 0, -1), ['post-a']);
  t.equal(await r.lmove('q', 'q2', 'LEFT', 'RIGHT'), 'post-a');
  t.equal(await r.exists('q'), 0, 'a list emptied by LMOVE is deleted');
  t.equal(await r.rpoplpush('q2', 'q2'), 'post-a', 'RPOPLPUSH onto itself rotates');
  t.same(await r.call('LMPOP', '2', 'absent', 'q2', 'LEFT', 'COUNT', '5'), ['q2', ['post-a']]);
  t.equal(await r.exists('q2'), 0);
  t.same(await r.blpop('absent', 'q3', 0.01), null, 'BLPOP times out with a null');
  await r.rpush('q3', 'v');
  t.same(await r.brpop('absent', 'q3', 0), ['q3', 'v']);
  await r.rpush('q3', 'v1', 'v2');
  t.equal(await r.blmove('q3', 'q4', 'RIGHT', 'LEFT', 0), 'v2');
  t.equal(await r.brpoplpush('q3', 'q4', 0), 'v1');
  t.same(await r.call('BLMPOP', '0', '1', 'q4', 'RIGHT', 'COUNT', '9'), ['q4', ['v2', 'v1']]);
  await r.set('str', 'x');
  await t.rejects(r.lpush('str', 'a'), /^WRONGTYPE/);
  await t.rejects(r.blpop('str', 0), /^WRONGTYPE/);
});

t.test('node-redis (RESP3): lists and a served blocking pop', async (t) => {
  const cat = await startCatena(t);
  if (!cat.server.table.has('hello')) return t.plan(0, 'HELLO not in the table yet');
  const a = createClient({ url: cat.url, RESP: 3 });
  const b = createClient({ url: cat.url, RESP: 3 });
  await a.connect();
  await b.connect();
  t.teardown(async () => {
    a.destroy();
    b.destroy();
  });
  t.equal(await a.rPush('nr', ['1', '2', '3']), 3);
  t.same(await a.lRange('nr', 0, -1), ['1', '2', '3']);
  t.same(await a.lPopCount('nr', 2), ['1', '2']);
  t.same(await a.lmPop('nr', 'RIGHT'), ['nr', ['3']]);
  const waiting = b.blPop('nr-b', 0);
  await waitFor(() => cat.server.blocking.blockedCount === 1);
  await a.rPush('nr-b', 'x');
  t.same(await waiting, { key: 'nr-b', element: 'x' });
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}

t.test('keyspace events come in Redis order (lpush, lpop, del, lmove...)', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const script: string[][] = [
    ['RPUSH', 'e1', 'a', 'b'],
    ['LPUSHX', 'e1', 'z'],
    ['LPUSHX', 'absent', 'z'],
    ['LSET', 'e1', '0', 'y'],
    ['LINSERT', 'e1', 'BEFORE', 'a', 'x'],
    ['LINSERT', 'e1', 'BEFORE', 'none', 'x'],
    ['LREM', 'e1', '0', 'none'],
    ['LREM', 'e1', '0', 'x'],
    ['LTRIM', 'e1', '0', '-1'],
    ['LMOVE', 'e1', 'e2', 'LEFT', 'RIGHT'],
    ['RPOPLPUSH', 'e1', 'e2'],
    ['LPOP', 'e1', '5'],
    ['LMPOP', '1', 'e2', 'RIGHT', 'COUNT', '1'],
    ['RPOP', 'e2'],
    ['RPUSH', 'e3', 'v'],
    ['RPOPLPUSH', 'e3', 'e3'],
    ['BLPOP', 'e3', '0'],
    ['RPUSH', 'e4', '1', '2'],
    ['LTRIM', 'e4', '5', '6'],
    ['RPUSH', 'e5', '1'],
    ['LREM', 'e5', '0', '1'],
  ];
  const run = (port: number): Promise<string[]> => keyspaceEventsOf(port, script, 'KEA', '__keyevent@0__:*');

  const theirs = await run(redis.port);
  const mine = await run(cat.port);
  t.ok(theirs.length > 20, `Redis sent ${theirs.length} events`);
  t.same(mine, theirs, 'the same events, in the same order');
});

const table = buildTable();
function spec(name: string) {
  const s = table.get(name);
  if (s === undefined) throw new Error(`no ${name}`);
  return s;
}

/** An engine whose every update's effects are also applied to a replica keyspace. */
function engineWithReplica() {
  const ks = new Keyspace();
  const replica = new Keyspace();
  const engine = new Engine(ks);
  let now = 1_700_000_000_000;
  const run = (...args: string[]) => {
    const ctx: UpdateCtx = { nowMs: now, seed: 7, db: 0 };
    const r = engine.apply(spec((args[0] as string).toLowerCase()), args, ctx);
    for (const e of r.effects) applyEffect(replica, e);
    return r;
  };
  const advance = (ms: number) => {
    now += ms;
  };
  return { ks, replica, engine, run, advance, now: () => now };
}

t.test('effects of a random list workload rebuild the same keyspace (digest)', async (t) => {
  const { ks, replica, run } = engineWithReplica();
  const v = new Vocab(new Rng(99));
  let effects = 0;
  for (let i = 0; i < 20000; i++) {
    const cmd = generate(v, i);
    const name = (cmd.args[0] as string).toLowerCase();
    const s = table.get(name);
    if (s === undefined || s.data === undefined) continue;
    if ((s.arity > 0 && cmd.args.length !== s.arity) || cmd.args.length < -s.arity) continue;
    effects += run(...cmd.args).effects.length;
    if (i % 2000 === 1999 && keyspaceDigest(ks) !== keyspaceDigest(replica)) {
      t.fail(`digests differ after ${i + 1} commands`);
      return;
    }
  }
  t.ok(effects > 5000, `${effects} effects replayed`);
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks), 'replica digest equals the engine keyspace digest');
});

t.test('effects are sized by the change, and emptied lists vanish on replay too', async (t) => {
  const { ks, replica, run } = engineWithReplica();
  const big: string[] = [];
  for (let i = 0; i < 100000; i++) big.push(`e${i}`);
  run('RPUSH', 'big', ...big);
  const one = run('LPUSH', 'big', 'new');
  t.same(one.effects, [{ op: 'lpush', db: 0, key: 'big', items: ['new'] }], 'LPUSH of 1 item onto a 100k list emits 1 item');
  t.same(run('LPOP', 'big', '3').effects, [{ op: 'lpop', db: 0, key: 'big', count: 3 }]);
  t.same(run('LSET', 'big', '-1', 'last').effects, [{ op: 'lset', db: 0, key: 'big', index: 99997, value: 'last' }]);
  t.same(run('LINSERT', 'big', 'AFTER', 'e50000', 'mid').effects, [{ op: 'linsert', db: 0, key: 'big', index: 49999, value: 'mid' }]);
  t.same(run('LREM', 'big', '-2', 'mid').effects, [{ op: 'lremat', db: 0, key: 'big', indexes: [49999] }]);
  t.same(run('LTRIM', 'big', '10', '-11').effects, [{ op: 'ltrim', db: 0, key: 'big', start: 10, stop: 99987 }]);
  t.same(run('LLEN', 'big').effects, [], 'reads emit nothing');
  t.same(run('LRANGE', 'big', '0', '5').effects, []);
  t.same(run('LREM', 'big', '0', 'absent').effects, [], 'an LREM that removes nothing emits nothing');
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));

  // A list with a TTL emptied by a pop: key and TTL gone on both sides.
  run('RPUSH', 'ttl', 'a');
  const exp: Effect = { op: 'expire', db: 0, key: 'ttl', expireAt: 1_800_000_000_000 };
  applyEffect(ks, exp);
  applyEffect(replica, exp);
  const rot = run('RPOPLPUSH', 'ttl', 'ttl');
  t.same(
    rot.effects.map((e) => e.op),
    ['lpush', 'rpop'],
    'a rotation onto itself pushes before it pops, so a one-element list is never deleted on replay',
  );
  t.equal(replica.db(0).expires.get('ttl'), 1_800_000_000_000, 'the TTL survives LMOVE of a one-element list onto itself');
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
  const last = run('LPOP', 'ttl');
  t.equal(last.reply, 'a');
  t.equal(ks.db(0).data.has('ttl'), false);
  t.equal(ks.db(0).expires.has('ttl'), false);
  t.equal(replica.db(0).data.has('ttl'), false, 'the emptied list is deleted on replay');
  t.equal(replica.db(0).expires.has('ttl'), false);
  t.same(
    last.events.map((e) => `${e.event}:${e.key}`),
    ['lpop:ttl', 'del:ttl'],
  );
  run('RPUSH', 'tr', 'a', 'b');
  t.same(run('LTRIM', 'tr', '5', '9').events.map((e) => e.event), ['ltrim', 'del']);
  t.equal(replica.db(0).data.has('tr'), false);
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
});

t.test('an expired list is gone for reads and deleted by writes, with an effect', async (t) => {
  const { ks, replica, run, advance, now } = engineWithReplica();
  run('RPUSH', 'x', 'a', 'b');
  const exp: Effect = { op: 'expire', db: 0, key: 'x', expireAt: now() + 10 };
  applyEffect(ks, exp);
  applyEffect(replica, exp);
  advance(20);
  t.equal(run('LLEN', 'x').reply, 0);
  t.equal(ks.db(0).data.has('x'), true, 'a read does not delete');
  const w = run('RPUSH', 'x', 'c');
  t.same(w.effects.map((e) => e.op), ['del', 'rpush']);
  t.same(run('LRANGE', 'x', '0', '-1').reply, ['c']);
  t.equal(keyspaceDigest(replica), keyspaceDigest(ks));
});

t.test('the ring buffer behaves as a plain array under random operations', async (t) => {
  const rng = new Rng(5);
  const list = new ListValue();
  const model: string[] = [];
  let n = 0;
  for (let step = 0; step < 200000; step++) {
    const op = rng.int(100);
    const v = `v${n++}`;
    if (op < 25) {
      list.pushHead(v);
      model.unshift(v);
    } else if (op < 50) {
      list.pushTail(v);
      model.push(v);
    } else if (op < 68) {
      if (list.popHead() !== model.shift()) return t.fail(`popHead differs at step ${step}`);
    } else if (op < 86) {
      if (list.popTail() !== model.pop()) return t.fail(`popTail differs at step ${step}`);
    } else if (op < 91) {
      const i = rng.int(model.length + 1);
      list.insertAt(i, v);
      model.splice(i, 0, v);
    } else if (op < 95 && model.length > 0) {
      const idx: number[] = [];
      for (let i = 0; i < model.length; i++) if (rng.next() < 0.1) idx.push(i);
      list.removeAt(idx);
      for (let i = idx.length - 1; i >= 0; i--) model.splice(idx[i] as number, 1);
    } else if (op < 96 && model.length > 0) {
      const a = rng.int(model.length);
      const b = a + rng.int(model.length - a);
      list.trim(a, b);
      model.splice(b + 1);
      model.splice(0, a);
    } else if (model.length > 0) {
      const i = rng.int(model.length);
      list.set(i, v);
      model[i] = v;
    }
    if (step % 5000 === 0 || list.size !== model.length) {
      if (list.size !== model.length || list.toArray().join(',') !== model.join(',')) return t.fail(`differs at step ${step}`);
    }
  }
  t.same(list.toArray(), model);
  t.same(list.clone().canonical(), model, 'clone and canonical are the same sequence');
  t.equal(list.encoding(), 'quicklist', 'every list is a quicklist in Redis 7.0');
});

t.test('LPUSH/LPOP/RPUSH/RPOP/LINDEX cost stays flat from 1 to 1,000,000 elements', { skip: costsSkip }, async (t) => {
  const ks = new Keyspace();
  const engine = new Engine(ks);
  const ctx: UpdateCtx = { nowMs: 1, seed: 1, db: 0 };
  const lpush = spec('lpush');
  const lpop = spec('lpop');
  const rpush = spec('rpush');
  const rpop = spec('rpop');
  const lindex = spec('lindex');
  const lset = spec('lset');
  let size = 0;
  const rows: Array<{ size: number; pushPop: number; tail: number; index: number }> = [];
  for (const target of [1, 1e3, 1e5, 1e6]) {
    while (size < target) {
      const n = Math.min(1000, target - size);
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(`item-${size + i}`);
      engine.apply(rpush, ['RPUSH', 'k', ...items], ctx);
      size += n;
    }
    const ops = 50000;
    const time = (f: () => void): number => {
      let best = Infinity;
      for (let rep = 0; rep < 5; rep++) {
        const t0 = process.hrtime.bigint();
        f();
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / ops);
      }
      return best;
    };
    const pushPop = time(() => {
      for (let i = 0; i < ops / 2; i++) {
        engine.apply(lpush, ['LPUSH', 'k', 'x'], ctx);
        engine.apply(lpop, ['LPOP', 'k'], ctx);
      }
    });
    const tail = time(() => {
      for (let i = 0; i < ops / 2; i++) {
        engine.apply(rpush, ['RPUSH', 'k', 'x'], ctx);
        engine.apply(rpop, ['RPOP', 'k'], ctx);
      }
    });
    const index = time(() => {
      for (let i = 0; i < ops / 2; i++) {
        engine.apply(lindex, ['LINDEX', 'k', '-1'], ctx);
        engine.apply(lset, ['LSET', 'k', '0', 'y'], ctx);
      }
    });
    rows.push({ size: target, pushPop, tail, index });
  }
  t.comment('list size | LPUSH+LPOP µs/op | RPUSH+RPOP µs/op | LINDEX -1 + LSET 0 µs/op');
  for (const r of rows) t.comment(`${String(r.size).padStart(9)} | ${r.pushPop.toFixed(3).padStart(16)} | ${r.tail.toFixed(3).padStart(16)} | ${r.index.toFixed(3)}`);
  const first = rows[1] as (typeof rows)[number];
  const last = rows[3] as (typeof rows)[number];
  // O(1): a 1000x longer list may not cost several times more. Generous: the machine is
  // shared, and a 1M-element old-space array makes V8's scavenges a little dearer.
  t.ok(last.pushPop < first.pushPop * 4 + 0.5, 'LPUSH/LPOP at 1M is not slower than at 1k beyond noise');
  t.ok(last.tail < first.tail * 4 + 0.5, 'RPUSH/RPOP at 1M is not slower than at 1k beyond noise');
  t.ok(last.index < first.index * 4 + 0.5, 'LINDEX/LSET near the ends at 1M is not slower than at 1k beyond noise');
  t.equal((ks.db(0).data.get('k') as ListValue).size, 1e6);
});
