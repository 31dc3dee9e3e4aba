// Keyspace notifications against Redis 7.0's notify.c: the notify-keyspace-events flag
// parser and its canonical form, and the messages a pattern subscriber receives for the same
// writes on Catena and on a real Redis (classes enabled or not, keyspace vs keyevent, expiry,
// inside MULTI, RESP3 pushes).
import t from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { c, quiet, read, sameAsRedis, type Step } from './helpers/scripted';
import { keyspaceEventFlagsToString, parseKeyspaceEventFlags, parseNotifyKeyspaceEvents } from '../src/server/pubsub';

t.test('flag strings parse and print as Redis keyspaceEventsStringToFlags/FlagsToString', async (t) => {
  // Canonical forms observed on Redis 7.0.15 (CONFIG SET then CONFIG GET).
  const cases: Array<[string, string]> = [
    ['KEA', 'AKE'],
    ['AKE', 'AKE'],
    ['gd$lshzxet', 'A'],
    ['KEm', 'KEm'],
    ['Kg$lshzxetdn', 'AK'],
    ['x', 'x'],
    ['', ''],
    ['KEAnm', 'AKEm'],
    ['Ex', 'xE'],
    ['EKn$g', 'g$nKE'],
  ];
  for (const [input, canonical] of cases) t.same(parseNotifyKeyspaceEvents(input), { ok: canonical }, JSON.stringify(input));
  t.same(parseNotifyKeyspaceEvents('KEQ'), { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." });
  t.equal(parseKeyspaceEventFlags('a'), null, 'class letters are case-sensitive');
  t.equal(keyspaceEventFlagsToString(parseKeyspaceEventFlags('KElg') ?? -1), 'glKE');
});

t.test('CONFIG SET/GET notify-keyspace-events answers as Redis', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const steps: Step[] = [];
  for (const v of ['KEA', 'Kg$lshzxetdn', 'Ex', 'KEAnm', 'Q', 'AKEm', '']) {
    steps.push(c('a', 'CONFIG', 'SET', 'notify-keyspace-events', v), c('a', 'CONFIG', 'GET', 'notify-keyspace-events'));
  }
  await sameAsRedis(t, cat.port, redis.port, steps, 'CONFIG transcript');
});

/**
 * On one server: a pattern subscriber on every notification channel, `flags` set, the writes
 * run, then a sentinel PUBLISH; returns every message the subscriber got before the sentinel.
 */
async function notificationsFor(port: number, flags: string, writes: string[][], opts: { proto?: 2 | 3; waitMs?: number } = {}): Promise<string[]> {
  const sub = await RawClient.connect(port);
  const cl = await RawClient.connect(port);
  try {
    cl.send(['FLUSHALL'], ['CONFIG', 'SET', 'notify-keyspace-events', flags]);
    await cl.read();
    await cl.read();
    if (opts.proto === 3) {
      sub.send(['HELLO', '3']);
      await sub.read();
    }
    sub.send(['PSUBSCRIBE', '__key*__:*', 'sentinel']);
    await sub.read();
    await sub.read();
    cl.send(...writes);
    for (let i = 0; i < writes.length; i++) await cl.read();
    if (opts.waitMs !== undefined) await new Promise((r) => setTimeout(r, opts.waitMs));
    cl.send(['PUBLISH', 'sentinel', 'end']);
    await cl.read();
    const got: string[] = [];
    for (;;) {
      const m = await sub.read();
      if (m.raw.includes('sentinel')) break;
      got.push(m.raw);
    }
    cl.send(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    await cl.read();
    return got;
  } finally {
    sub.close();
    cl.close();
  }
}

const writes: string[][] = [
  ['SET', 'k', 'v'],
  ['SET', 'k2', 'v', 'EX', '100'],
  ['APPEND', 'k', 'more'],
  ['INCR', 'counter'],
  ['INCRBYFLOAT', 'counter', '1.5'],
  ['SETRANGE', 'k', '1', 'xy'],
  ['GETDEL', 'k'],
  ['DEL', 'k2', 'missing'],
  ['SET', 'k3', 'v'],
  ['EXPIRE', 'k3', '100'],
  ['PERSIST', 'k3'],
  ['RENAME', 'k3', 'k4'],
  ['MSET', 'm1', 'a', 'm2', 'b'],
  ['GET', 'missing'],
  ['MGET', 'm1', 'nope'],
  ['SET', 'expiring', 'v', 'PX', '1'],
  ['SELECT', '2'],
  ['SET', 'in-db2', 'v'],
];

t.test('notifications received by a subscriber are the ones Redis sends', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  for (const flags of ['KEA', 'K$', 'Eg', 'KE$', 'E', '', 'KEAn', 'KEn', 'Em', 'KEAnm']) {
    const expected = await notificationsFor(redis.port, flags, writes);
    const got = await notificationsFor(cat.port, flags, writes);
    t.same(got, expected, `notify-keyspace-events "${flags}": ${expected.length} messages`);
  }
  t.ok((await notificationsFor(cat.port, 'KEA', writes)).length > 20, 'the comparison is not vacuous');
});

t.test('RESP3 subscribers get notifications as pushes', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const w = [['SET', 'k', 'v'], ['DEL', 'k']];
  const expected = await notificationsFor(redis.port, 'KEA', w, { proto: 3 });
  t.same(await notificationsFor(cat.port, 'KEA', w, { proto: 3 }), expected);
  t.match(expected[0], /^>4\r\n\$8\r\npmessage/, 'pushes, not arrays');
});

t.test('notifications from a transaction come in command order', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const w = [['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['PUBLISH', '__keyspace@0__:between', 'x'], ['DEL', 'a'], ['EXEC']];
  const expected = await notificationsFor(redis.port, 'KEA', w);
  t.same(await notificationsFor(cat.port, 'KEA', w), expected);
  t.equal(expected.length, 7);
});

t.test("a RESP3 subscriber's own writes: each notification just before its command's reply, also inside EXEC", async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const steps: Step[] = [
    c('a', 'CONFIG', 'SET', 'notify-keyspace-events', 'E$'),
    quiet('s', 'HELLO', '3'),
    c('s', 'SUBSCRIBE', '__keyevent@0__:set'),
    c('s', 'SET', 'own', '1'),
    read('s'),
    c('s', 'MULTI'),
    c('s', 'SET', 'a', '1'),
    c('s', 'GET', 'a'),
    c('s', 'SET', 'b', '2'),
    c('s', 'EXEC'),
    c('a', 'CONFIG', 'SET', 'notify-keyspace-events', ''),
  ];
  await sameAsRedis(t, cat.port, redis.port, steps, 'self-notification transcript');
});

t.test('expired keys notify through active expiry (x class, real time)', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const w = [['SET', 'short', 'v', 'PX', '30']];
  for (const flags of ['Ex', 'Kx', 'KE$']) {
    const expected = await notificationsFor(redis.port, flags, w, { waitMs: 600 });
    t.same(await notificationsFor(cat.port, flags, w, { waitMs: 600 }), expected, `"${flags}": ${expected.length} messages`);
  }
});

t.test('notify-keyspace-events from the start-up configuration applies', async (t) => {
  const cat = await startCatena(t, { config: { 'notify-keyspace-events': 'KEA' } });
  const sub = await RawClient.connect(cat.port);
  const cl = await RawClient.connect(cat.port);
  t.teardown(() => {
    sub.close();
    cl.close();
  });
  t.equal(await cl.call('CONFIG', 'GET', 'notify-keyspace-events'), '*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n');
  t.equal(await sub.call('SUBSCRIBE', '__keyevent@0__:set'), '*3\r\n$9\r\nsubscribe\r\n$18\r\n__keyevent@0__:set\r\n:1\r\n');
  t.equal(await cl.call('SET', 'key', 'v'), '+OK\r\n');
  t.equal((await sub.read()).raw, '*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:set\r\n$3\r\nkey\r\n');
});
