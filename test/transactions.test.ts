// MULTI/EXEC/DISCARD/WATCH/UNWATCH against Redis 7.0's multi.c: the same scripts run on Catena
// and on a real Redis and must give the same bytes (errors inside EXEC, EXECABORT after a
// queueing error or a rejected EXEC, WATCH aborts by another client, by the client itself, by
// expiry and by FLUSHDB/SWAPDB), plus client libraries' MULTI and WATCH, and the engine-level
// shape of EXEC (one batch, one time).
import t, { type Test } from 'tap';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { c, quiet, sameAsRedis, sleep, type Step } from './helpers/scripted';
import type { UpdateCtx } from '../src/engine/exec';

t.test('transaction replies are byte-identical to Redis', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);

  const basics: Step[] = [
    c('a', 'EXEC'),
    c('a', 'DISCARD'),
    c('a', 'MULTI'),
    c('a', 'MULTI'),
    c('a', 'WATCH', 'x'),
    c('a', 'EXEC'),
    c('a', 'MULTI'),
    c('a', 'SET', 'b:k', 'v'),
    c('a', 'INCR', 'b:k'),
    c('a', 'GET', 'b:k'),
    c('a', 'SET', 'b:n', '10'),
    c('a', 'INCRBY', 'b:n', '5'),
    c('a', 'EXEC'),
    c('a', 'MULTI'),
    c('a', 'SET', 'b:k', 'w'),
    c('a', 'DISCARD'),
    c('a', 'GET', 'b:k'),
    c('a', 'EXEC'),
  ];
  await sameAsRedis(t, cat.port, redis.port, basics, 'nesting, empty EXEC, errors inside EXEC, DISCARD');

  const queueErrors: Step[] = [
    c('a', 'MULTI'),
    c('a', 'SET', 'q:k', 'v'),
    c('a', 'NOSUCHCOMMAND', 'x', 'y'),
    c('a', 'GET'),
    c('a', 'EXEC'),
    c('a', 'GET', 'q:k'),
    c('a', 'EXEC'),
    c('a', 'MULTI'),
    c('a', 'SET', 'q:k', 'v'),
    c('a', 'EXEC', 'extra'),
    c('a', 'EXEC'),
    c('a', 'GET', 'q:k'),
    c('a', 'EXEC', 'outside'),
  ];
  await sameAsRedis(t, cat.port, redis.port, queueErrors, 'EXECABORT after queueing errors and when EXEC itself is rejected');

  const watches: Step[] = [
    c('a', 'SET', 'w:k', '1'),
    c('a', 'WATCH', 'w:k', 'w:missing'),
    c('b', 'INCR', 'w:k'),
    c('a', 'MULTI'),
    c('a', 'SET', 'w:k', 'mine'),
    c('a', 'EXEC'),
    c('a', 'GET', 'w:k'),
    // The watching client's own write before MULTI also aborts.
    c('a', 'WATCH', 'w:k'),
    c('a', 'SET', 'w:k', 'self'),
    c('a', 'MULTI'),
    c('a', 'GET', 'w:k'),
    c('a', 'EXEC'),
    // A write to a key that was missing when watched aborts.
    c('a', 'WATCH', 'w:missing'),
    c('b', 'SET', 'w:missing', 'now'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    // UNWATCH forgets a touch that already happened.
    c('a', 'WATCH', 'w:k'),
    c('b', 'SET', 'w:k', 'other'),
    c('a', 'UNWATCH'),
    c('a', 'MULTI'),
    c('a', 'GET', 'w:k'),
    c('a', 'EXEC'),
    // A write that changes nothing does not touch: SET NX on an existing key.
    c('a', 'WATCH', 'w:k'),
    c('b', 'SET', 'w:k', 'x', 'NX'),
    c('b', 'GET', 'w:k'),
    c('a', 'MULTI'),
    c('a', 'GET', 'w:k'),
    c('a', 'EXEC'),
    // Watches end with EXEC: a later write does not abort the next transaction.
    c('a', 'WATCH', 'w:k'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    c('b', 'SET', 'w:k', 'later'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    // ...and with DISCARD.
    c('a', 'WATCH', 'w:k'),
    c('a', 'MULTI'),
    c('a', 'DISCARD'),
    c('b', 'SET', 'w:k', 'again'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    // An aborted transaction ran nothing.
    c('a', 'WATCH', 'w:k'),
    c('b', 'DEL', 'w:k'),
    c('a', 'MULTI'),
    c('a', 'SET', 'w:k', 'never'),
    c('a', 'EXEC'),
    c('a', 'GET', 'w:k'),
  ];
  await sameAsRedis(t, cat.port, redis.port, watches, 'WATCH aborts on writes by anyone, UNWATCH/EXEC/DISCARD release watches');
});

t.test('RESP3: the aborted EXEC is a null, errors and EXECABORT as in Redis', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  await sameAsRedis(
    t,
    cat.port,
    redis.port,
    [
      quiet('a', 'HELLO', '3'),
      c('a', 'SET', 'r3:k', '1'),
      c('a', 'WATCH', 'r3:k'),
      c('b', 'SET', 'r3:k', '2'),
      c('a', 'MULTI'),
      c('a', 'GET', 'r3:k'),
      c('a', 'EXEC'),
      c('a', 'MULTI'),
      c('a', 'GET', 'r3:k'),
      c('a', 'GET', 'r3:nope'),
      c('a', 'INCR', 'r3:k'),
      c('a', 'SET', 'r3:s', 'abc'),
      c('a', 'INCR', 'r3:s'),
      c('a', 'EXEC'),
      c('a', 'MULTI'),
      c('a', 'GET', 'a', 'b'),
      c('a', 'EXEC'),
    ],
    'RESP3 transcript',
  );
});

t.test('WATCH and expiry (real time): a key that expires before EXEC aborts it', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  await sameAsRedis(
    t,
    cat.port,
    redis.port,
    [
      // Not expired when watched, expired (but not necessarily deleted) at EXEC: abort.
      c('a', 'SET', 'e:k', 'v', 'PX', '120'),
      c('a', 'WATCH', 'e:k'),
      sleep(200),
      c('a', 'MULTI'),
      c('a', 'PING'),
      c('a', 'EXEC'),
      // Already gone when watched: its expiry is no change, EXEC runs.
      c('a', 'SET', 'e:j', 'v', 'PX', '50'),
      sleep(120),
      c('a', 'WATCH', 'e:j'),
      c('a', 'MULTI'),
      c('a', 'PING'),
      c('a', 'EXEC'),
      // A TTL still in the future at EXEC does not abort.
      c('a', 'SET', 'e:m', 'v', 'PX', '60000'),
      c('a', 'WATCH', 'e:m'),
      c('a', 'MULTI'),
      c('a', 'PING'),
      c('a', 'EXEC'),
    ],
    'expiry transcript',
  );
});

t.test('FLUSHDB, FLUSHALL and SWAPDB touch watched keys as Redis touchAllWatchedKeysInDb', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const steps: Step[] = [
    c('a', 'FLUSHALL'),
    // An existing watched key flushed: abort.
    c('a', 'SET', 'k', 'v'),
    c('a', 'WATCH', 'k'),
    c('b', 'FLUSHDB'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    // A missing watched key flushed: nothing changed.
    c('a', 'WATCH', 'k'),
    c('b', 'FLUSHALL'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    // A flush of another database does not touch.
    c('a', 'SET', 'k', 'v'),
    c('a', 'WATCH', 'k'),
    c('b', 'SELECT', '3'),
    c('b', 'SET', 'z', '1'),
    c('b', 'FLUSHDB'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    // FLUSHALL reaches the watcher's database.
    c('a', 'WATCH', 'k'),
    c('b', 'FLUSHALL'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    // SWAPDB bringing the key in: abort.
    c('b', 'SET', 'k', 'in-db3'),
    c('a', 'WATCH', 'k'),
    c('b', 'SWAPDB', '0', '3'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    // SWAPDB taking it away: abort.
    c('a', 'WATCH', 'k'),
    c('b', 'SWAPDB', '0', '3'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    // SWAPDB of two databases without the key: nothing changed.
    c('a', 'FLUSHALL'),
    c('a', 'WATCH', 'k'),
    c('b', 'SWAPDB', '0', '3'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
    // A missing key replaced by an already expired one is still logically missing.
    c('b', 'SET', 'k', 'v', 'PX', '40'),
    sleep(100),
    c('a', 'WATCH', 'k'),
    c('b', 'SWAPDB', '0', '3'),
    c('a', 'MULTI'),
    c('a', 'EXEC'),
  ];
  await sameAsRedis(t, cat.port, redis.port, steps, 'flush/swap transcript');
});

t.test('SELECT inside MULTI switches the database for the commands after it', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  await sameAsRedis(
    t,
    cat.port,
    redis.port,
    [
      c('a', 'MULTI'),
      c('a', 'SET', 'sel:k', 'db0'),
      c('a', 'SELECT', '5'),
      c('a', 'SET', 'sel:k', 'db5'),
      c('a', 'GET', 'sel:k'),
      c('a', 'SELECT', '99'),
      c('a', 'GET', 'sel:k'),
      c('a', 'EXEC'),
      c('a', 'GET', 'sel:k'),
      c('a', 'SELECT', '0'),
      c('a', 'GET', 'sel:k'),
    ],
    'SELECT in MULTI transcript',
  );
});

t.test('EXEC runs consecutive data commands as one engine batch with one time', async (t) => {
  const cat = await startCatena(t);
  const batches: Array<{ size: number; ctx: UpdateCtx }> = [];
  const engine = cat.server.engine;
  const original = engine.applyBatch.bind(engine);
  engine.applyBatch = (items, ctx) => {
    batches.push({ size: items.length, ctx });
    return original(items, ctx);
  };
  const r = await RawClient.connect(cat.port);
  t.teardown(() => r.close());
  r.send(['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['ECHO', 'between'], ['GET', 'a'], ['SET', 'b', '2'], ['EXEC']);
  for (let i = 0; i < 6; i++) t.equal((await r.read()).raw, i === 0 ? '+OK\r\n' : '+QUEUED\r\n');
  t.equal((await r.read()).raw, '*5\r\n+OK\r\n:2\r\n$7\r\nbetween\r\n$1\r\n2\r\n+OK\r\n');
  t.same(
    batches.map((b) => b.size),
    [2, 2],
    'the node command in the middle splits the data commands into two batches, nothing else does',
  );
  t.equal(batches[0]?.ctx.nowMs, batches[1]?.ctx.nowMs, 'one time for the whole EXEC');
  t.not(batches[0]?.ctx.seed, batches[1]?.ctx.seed, 'each batch draws from its own seed');
  const set = cat.server.stats.command('set');
  const exec = cat.server.stats.command('exec');
  t.equal(set.calls, 2, 'commandstats count each inner command');
  t.equal(exec.calls, 1);
  t.equal(cat.server.stats.command('incr').calls, 1);
});

t.test('errors inside EXEC count as failed calls of the inner command, EXEC itself succeeds', async (t) => {
  const cat = await startCatena(t);
  const r = await RawClient.connect(cat.port);
  t.teardown(() => r.close());
  r.send(['SET', 's', 'abc'], ['MULTI'], ['INCR', 's'], ['EXEC']);
  for (let i = 0; i < 3; i++) await r.read();
  t.equal((await r.read()).raw, '*1\r\n-ERR value is not an integer or out of range\r\n');
  t.equal(cat.server.stats.command('incr').failedCalls, 1);
  t.equal(cat.server.stats.command('exec').failedCalls, 0);
  t.equal(cat.server.stats.errors.get('ERR'), 1);
  // A rejected EXEC is a rejected call and an EXECABORT error.
  t.equal(await r.call('EXEC', 'x'), "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n");
  t.equal(cat.server.stats.command('exec').rejectedCalls, 1);
  t.equal(cat.server.stats.errors.get('EXECABORT'), 1);
});

t.test('EXEC refused for want of AUTH is an EXECABORT carrying the NOAUTH text, as Redis 7.0.15 sends', async (t) => {
  const cat = await startCatena(t, { requirepass: 'pw' });
  const r = await RawClient.connect(cat.port);
  t.teardown(() => r.close());
  t.equal(await r.call('EXEC'), '-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n');
  t.equal(await r.call('MULTI'), '-NOAUTH Authentication required.\r\n');
});

t.test('closing a connection releases its MULTI and WATCH state', async (t) => {
  const cat = await startCatena(t);
  const a = await RawClient.connect(cat.port);
  const b = await RawClient.connect(cat.port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  t.equal(await a.call('WATCH', 'k1', 'k2', 'k1'), '+OK\r\n');
  t.equal(await b.call('WATCH', 'k1'), '+OK\r\n');
  t.equal(cat.server.watches.size, 3, 'a watches k1 and k2 once each, b watches k1');
  t.equal(await a.call('MULTI'), '+OK\r\n');
  a.close();
  for (let i = 0; i < 50 && cat.server.watches.size !== 1; i++) await new Promise((res) => setTimeout(res, 10));
  t.equal(cat.server.watches.size, 1, "a's watches are gone with its connection");
  // b's watch still works.
  t.equal(await b.call('SET', 'k1', 'x'), '+OK\r\n');
  t.equal(await b.call('MULTI'), '+OK\r\n');
  t.equal(await b.call('EXEC'), '*-1\r\n');
  t.equal(cat.server.watches.size, 0);
});

t.test('ioredis: MULTI pipelines and WATCH with a second client', async (t) => {
  const cat = await startCatena(t);
  const a = new Redis(cat.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  const b = new Redis(cat.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  await a.connect();
  await b.connect();
  // Disconnect before the server closes (teardown), so ioredis does not try to reconnect.
  try {
    await ioredisTransactions(t, a, b);
  } finally {
    a.disconnect();
    b.disconnect();
  }
});

async function ioredisTransactions(t: Test, a: Redis, b: Redis): Promise<void> {
  const res = await a.multi().set('c', '1').incr('c').incrby('c', 10).get('c').exec();
  t.same(res, [
    [null, 'OK'],
    [null, 2],
    [null, 12],
    [null, '12'],
  ]);
  const withError = await a.multi().set('s', 'x').incr('s').get('s').exec();
  t.equal(withError?.[0]?.[1], 'OK');
  t.match(String(withError?.[1]?.[0]), /ERR value is not an integer or out of range/);
  t.equal(withError?.[2]?.[1], 'x');

  await a.watch('c');
  await b.incr('c');
  t.equal(await a.multi().set('c', 'mine').exec(), null, 'EXEC aborted by the other client');
  t.equal(await a.get('c'), '13');
  await a.watch('c');
  t.same(await a.multi().set('c', 'mine').exec(), [[null, 'OK']], 'untouched watch: EXEC runs');
  t.equal(await b.get('c'), 'mine');
}

t.test('node-redis: MULTI and WATCH, RESP2 and RESP3', async (t) => {
  const cat = await startCatena(t);
  for (const RESP of [2, 3] as const) {
    const a = createClient({ url: cat.url, RESP });
    const b = createClient({ url: cat.url, RESP });
    a.on('error', () => {});
    b.on('error', () => {});
    await a.connect();
    await b.connect();
    try {
      const res = await a.multi().set(`n${RESP}`, '5').incr(`n${RESP}`).get(`n${RESP}`).exec();
      t.same(res, ['OK', 6, '6'], `RESP${RESP} MULTI/EXEC`);
      await a.watch(`n${RESP}`);
      await b.set(`n${RESP}`, 'changed');
      await t.rejects(a.multi().set(`n${RESP}`, 'mine').exec(), { message: /watched keys has been changed/ }, `RESP${RESP} WATCH abort`);
      t.equal(await a.get(`n${RESP}`), 'changed');
    } finally {
      a.destroy();
      b.destroy();
    }
  }
});
