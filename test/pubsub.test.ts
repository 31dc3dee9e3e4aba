// Pub/sub against Redis 7.0's pubsub.c: confirmations (one per channel), messages and
// pattern messages, shard channels, the RESP2 subscribed context and its PING, RESP3 pushes,
// PUBSUB introspection, SUBSCRIBE/SSUBSCRIBE inside MULTI — byte for byte against a real
// Redis — plus client libraries, delivery order, cleanup on close and a stalled subscriber.
import t from 'tap';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { c, quiet, read, sameAsRedis, type Step } from './helpers/scripted';

const waitFor = async (cond: () => boolean, ms = 2000): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return cond();
};

t.test('RESP2: confirmations, messages and the subscribed context, byte-identical to Redis', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const steps: Step[] = [
    c('s', 'SUBSCRIBE', 'ch1', 'ch2', 'ch1'),
    read('s'),
    read('s'),
    c('s', 'PSUBSCRIBE', 'ch*'),
    c('s', 'SSUBSCRIBE', 'sh1'),
    c('s', 'PING'),
    c('s', 'PING', 'hello'),
    c('s', 'GET', 'x'),
    c('s', 'SET', 'x'),
    c('s', 'MULTI'),
    // EXEC refused by the context is reported as an aborted transaction (execCommandAbort).
    c('s', 'EXEC'),
    c('p', 'PUBLISH', 'ch1', 'one'),
    read('s'),
    read('s'),
    c('p', 'PUBLISH', 'chX', 'two'),
    read('s'),
    c('p', 'PUBLISH', 'nobody', 'three'),
    c('p', 'SPUBLISH', 'sh1', 'four'),
    read('s'),
    c('p', 'SPUBLISH', 'ch1', 'not-shard'),
    c('p', 'PUBSUB', 'NUMSUB', 'ch1', 'ch2', 'nope'),
    c('p', 'PUBSUB', 'NUMSUB'),
    c('p', 'PUBSUB', 'NUMPAT'),
    c('p', 'PUBSUB', 'CHANNELS', 'ch1'),
    c('p', 'PUBSUB', 'CHANNELS', 'z*'),
    c('p', 'PUBSUB', 'SHARDCHANNELS'),
    c('p', 'PUBSUB', 'SHARDNUMSUB', 'sh1', 'ch1'),
    c('p', 'PUBSUB', 'CHANNELS', 'a', 'b'),
    c('p', 'PUBSUB', 'SHARDCHANNELS', 'a', 'b'),
    c('p', 'PUBSUB', 'NUMPAT', 'x'),
    c('p', 'PUBSUB', 'NOPE'),
    c('p', 'PUBSUB'),
    c('p', 'PUBSUB', 'HELP'),
    c('s', 'UNSUBSCRIBE', 'ch2'),
    c('s', 'UNSUBSCRIBE', 'never'),
    c('s', 'PUNSUBSCRIBE'),
    c('s', 'SUNSUBSCRIBE', 'sh1'),
    // Still subscribed to ch1: still in the subscribed context.
    c('s', 'GET', 'x'),
    c('s', 'UNSUBSCRIBE'),
    // Nothing left: the count-zero confirmation with a null channel, for each kind.
    c('s', 'UNSUBSCRIBE'),
    c('s', 'PUNSUBSCRIBE'),
    c('s', 'SUNSUBSCRIBE'),
    c('s', 'PING'),
    c('s', 'GET', 'x'),
    c('p', 'PUBSUB', 'NUMSUB', 'ch1'),
    c('p', 'PUBSUB', 'CHANNELS'),
    c('p', 'PUBSUB', 'NUMPAT'),
  ];
  await sameAsRedis(t, cat.port, redis.port, steps, 'RESP2 pub/sub transcript');
});

t.test('RESP3: confirmations and messages are pushes, other commands still run', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const steps: Step[] = [
    quiet('s', 'HELLO', '3'),
    c('s', 'SUBSCRIBE', 'a', 'b'),
    read('s'),
    c('s', 'PSUBSCRIBE', '[ab]'),
    c('s', 'SET', 'r3k', 'v'),
    c('s', 'GET', 'r3k'),
    c('s', 'PING'),
    c('p', 'PUBLISH', 'a', 'msg'),
    read('s'),
    read('s'),
    // A subscriber publishing to itself gets the message before its PUBLISH reply.
    c('s', 'PUBLISH', 'b', 'self'),
    read('s'),
    read('s'),
    c('s', 'SSUBSCRIBE', 'sh'),
    c('p', 'SPUBLISH', 'sh', 'shard-msg'),
    read('s'),
    c('s', 'UNSUBSCRIBE', 'a', 'b'),
    read('s'),
    c('s', 'UNSUBSCRIBE'),
    c('s', 'PUNSUBSCRIBE', '[ab]'),
    c('s', 'SUNSUBSCRIBE'),
    c('s', 'SUNSUBSCRIBE'),
  ];
  await sameAsRedis(t, cat.port, redis.port, steps, 'RESP3 pub/sub transcript');
});

t.test('SUBSCRIBE and PUBLISH inside MULTI, SSUBSCRIBE refused there, as in Redis', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  for (const proto of ['2', '3']) {
    const steps: Step[] = [
      quiet('a', 'HELLO', proto),
      c('a', 'MULTI'),
      c('a', 'SUBSCRIBE', 'm1', 'm2'),
      c('a', 'PUBLISH', 'm1', 'to-myself'),
      c('a', 'SSUBSCRIBE', 's1'),
      c('a', 'PING'),
      // One reply for EXEC as the client sees it: the array holds the extra confirmation and
      // the message in place, exactly as Redis writes them.
      c('a', 'EXEC'),
      c('a', 'PING'),
    ];
    await sameAsRedis(t, cat.port, redis.port, steps, `RESP${proto} MULTI transcript`);
  }
});

t.test('messages arrive in publish order, to every subscriber, and cleanup follows close', async (t) => {
  const cat = await startCatena(t);
  const s1 = await RawClient.connect(cat.port);
  const s2 = await RawClient.connect(cat.port);
  const p = await RawClient.connect(cat.port);
  t.teardown(() => {
    s1.close();
    s2.close();
    p.close();
  });
  t.equal(await s1.call('SUBSCRIBE', 'news'), '*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n');
  t.equal(await s2.call('PSUBSCRIBE', 'n*'), '*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n');
  const n = 200;
  const cmds: string[][] = [];
  for (let i = 0; i < n; i++) cmds.push(['PUBLISH', 'news', `m${i}`]);
  p.send(...cmds);
  let both = 0;
  for (let i = 0; i < n; i++) if ((await p.read()).raw === ':2\r\n') both++;
  t.equal(both, n, 'every PUBLISH reached both subscribers');
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    const m1 = await s1.read();
    const m2 = await s2.read();
    if (m1.raw !== `*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$${String(i).length + 1}\r\nm${i}\r\n`) inOrder = false;
    if (m2.raw !== `*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$${String(i).length + 1}\r\nm${i}\r\n`) inOrder = false;
  }
  t.ok(inOrder, 'both subscribers saw every message in publish order');

  s1.close();
  s2.close();
  t.ok(await waitFor(() => cat.server.sessions.size === 1), 'subscribers gone');
  t.equal(await p.call('PUBSUB', 'NUMSUB', 'news'), '*2\r\n$4\r\nnews\r\n:0\r\n');
  t.equal(await p.call('PUBSUB', 'NUMPAT'), ':0\r\n');
  t.equal(await p.call('PUBLISH', 'news', 'late'), ':0\r\n');
});

t.test('a subscriber that stops reading does not hold up the others', async (t) => {
  const cat = await startCatena(t);
  const stalled = await RawClient.connect(cat.port);
  const live = await RawClient.connect(cat.port);
  const p = await RawClient.connect(cat.port);
  t.teardown(() => {
    stalled.close();
    live.close();
    p.close();
  });
  t.equal(await stalled.call('SUBSCRIBE', 'firehose'), '*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n');
  t.equal(await live.call('SUBSCRIBE', 'firehose'), '*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n');
  stalled.sock.pause();
  const payload = 'x'.repeat(64 * 1024);
  const n = 200; // ~13 MB towards a client that reads nothing
  for (let i = 0; i < n; i++) p.send(['PUBLISH', 'firehose', payload]);
  for (let i = 0; i < n; i++) await p.read();
  let got = 0;
  for (let i = 0; i < n; i++) {
    const m = await live.read();
    if (m.raw.endsWith(`${payload}\r\n`)) got++;
  }
  t.equal(got, n, 'the reading subscriber got every message while the other stalled');
});

t.test('ioredis: subscribe, psubscribe and publish', async (t) => {
  const cat = await startCatena(t);
  const sub = new Redis(cat.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  const pub = new Redis(cat.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  await sub.connect();
  await pub.connect();
  try {
    const got: string[] = [];
    sub.on('message', (ch: string, msg: string) => got.push(`message ${ch} ${msg}`));
    sub.on('pmessage', (pat: string, ch: string, msg: string) => got.push(`pmessage ${pat} ${ch} ${msg}`));
    t.equal(await sub.subscribe('c1', 'c2'), 2);
    t.equal(await sub.psubscribe('c?'), 3);
    t.equal(await pub.publish('c1', 'hello'), 2);
    t.equal(await pub.publish('c3', 'pattern only'), 1);
    t.ok(await waitFor(() => got.length === 3));
    t.same(got, ['message c1 hello', 'pmessage c? c1 hello', 'pmessage c? c3 pattern only']);
    t.equal(await sub.unsubscribe('c1'), 2);
    t.same(await pub.pubsub('NUMSUB', 'c1', 'c2'), ['c1', 0, 'c2', 1]);
  } finally {
    sub.disconnect();
    pub.disconnect();
  }
});

t.test('node-redis: subscribe in RESP2 and RESP3', async (t) => {
  const cat = await startCatena(t);
  for (const RESP of [2, 3] as const) {
    const sub = createClient({ url: cat.url, RESP });
    const pub = createClient({ url: cat.url, RESP });
    sub.on('error', () => {});
    pub.on('error', () => {});
    await sub.connect();
    await pub.connect();
    try {
      const got: string[] = [];
      await sub.subscribe('nr', (msg, ch) => got.push(`${ch}:${msg}`));
      await sub.pSubscribe('n*', (msg, ch) => got.push(`p ${ch}:${msg}`));
      t.equal(await pub.publish('nr', 'hi'), 2, `RESP${RESP} publish count`);
      t.ok(await waitFor(() => got.length === 2), `RESP${RESP} both delivered`);
      t.same(got.sort(), ['nr:hi', 'p nr:hi']);
      if (RESP === 3) t.equal(await sub.get('missing'), null, 'RESP3 subscriber still runs commands');
      await sub.unsubscribe('nr');
      await sub.pUnsubscribe('n*');
      t.equal(await pub.publish('nr', 'again'), 0);
    } finally {
      sub.destroy();
      pub.destroy();
    }
  }
});
