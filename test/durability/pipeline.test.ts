// The durability pipeline (src/server/durability.ts), observed through real clients: sync
// replies wait for their batch, group commit gathers concurrent updates, a failing backend
// gets writes refused and its batch retried until it lands (nothing acknowledged lost,
// nothing half-applied), async replies do not wait, and a restarted node loads what was
// stored.
import t, { type Test } from 'tap';
import { startCatena } from '../helpers/catena';
import { RawClient } from '../helpers/raw-client';
import { ControlledBackend } from '../helpers/controlled-backend';
import { Durability } from '../../src/server/durability';
import { keyspaceDigest } from '../../src/engine/digest';
import { Keyspace } from '../../src/engine/keyspace';
import { applyEffect } from '../../src/engine/effects';
import { MemoryBackend } from '../../backends/memory/store';

async function node(t: Test, backend: ControlledBackend, mode: 'sync' | 'async' = 'sync', delayMs?: number) {
  const durability = new Durability(backend, mode, await backend.appliedSeq(), () => {}, delayMs);
  const n = await startCatena(t, { durability });
  return { n, durability };
}

/** Resolves to the next reply, or 'pending' if none arrives within ms. */
async function replyWithin(c: RawClient, ms: number): Promise<string> {
  try {
    return (await c.read(ms)).raw;
  } catch {
    return 'pending';
  }
}

async function storedDigest(b: ControlledBackend): Promise<string> {
  const ks = new Keyspace();
  for await (const chunk of new MemoryBackend(b.store).load()) for (const e of chunk) applyEffect(ks, e);
  return keyspaceDigest(ks);
}

t.test('sync: a write is answered only once its batch is durable', async (t) => {
  const b = new ControlledBackend();
  const { n } = await node(t, b);
  const c = await RawClient.connect(n.port);
  t.teardown(() => c.close());
  const release = b.hold();
  c.send(['SET', 'k', 'v']);
  t.equal(await replyWithin(c, 150), 'pending', 'no reply while the batch is held');
  release();
  t.equal(await replyWithin(c, 2000), '+OK\r\n', 'the reply follows durability');
  t.equal(await b.appliedSeq(), 1n);
});

t.test('sync: a read of a key with an unlanded write waits; other reads do not', async (t) => {
  const b = new ControlledBackend();
  const { n } = await node(t, b);
  const w = await RawClient.connect(n.port);
  const r = await RawClient.connect(n.port);
  t.teardown(() => (w.close(), r.close()));
  w.send(['SET', 'other', '1']);
  await w.read();
  const release = b.hold();
  w.send(['SET', 'k', 'new']);
  await new Promise((res) => setTimeout(res, 20));
  r.send(['GET', 'other']);
  t.equal(await replyWithin(r, 1000), '$1\r\n1\r\n', 'a clean key is read at once');
  r.send(['GET', 'k']);
  t.equal(await replyWithin(r, 150), 'pending', 'a read that would see the unlanded write waits');
  r.send(['PING']);
  release();
  t.equal(await replyWithin(r, 2000), '$3\r\nnew\r\n');
  t.equal(await replyWithin(r, 2000), '+PONG\r\n', 'replies keep the connection order');
  t.equal(await replyWithin(w, 2000), '+OK\r\n');
});

t.test('group commit: concurrent pipelined writes share backend batches', async (t) => {
  const b = new ControlledBackend();
  const { n } = await node(t, b);
  const clients = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(n.port)));
  t.teardown(() => clients.forEach((c) => c.close()));
  const perClient = 100;
  clients.forEach((c, i) => c.send(...Array.from({ length: perClient }, () => ['INCR', `c${i % 3}`]), ['SET', `done${i}`, String(j0(i))]));
  for (const c of clients) for (let j = 0; j <= perClient; j++) await c.read();
  const updates = clients.length * (perClient + 1);
  t.equal(await b.appliedSeq(), BigInt(updates), 'every update is durable');
  t.ok(b.batches < updates / 5, `${updates} updates in ${b.batches} batches`);
  t.equal(await storedDigest(b), keyspaceDigest(n.server.ks), 'the backend holds what the node holds');
});

function j0(i: number): number {
  return i * 7;
}

t.test('a failing backend: writes refused, the batch retried until it lands, nothing lost', async (t) => {
  const b = new ControlledBackend();
  const { n, durability } = await node(t, b);
  const c = await RawClient.connect(n.port);
  const r = await RawClient.connect(n.port);
  t.teardown(() => (c.close(), r.close()));
  c.send(['SET', 'before', '1']);
  t.equal((await c.read()).raw, '+OK\r\n');
  b.failWith = 'connection refused';
  c.send(['RPUSH', 'q', 'a', 'b']);
  // The batch fails; the client waits (its write is neither acknowledged nor lost).
  t.equal(await replyWithin(c, 200), 'pending', 'the write in the failed batch is not acknowledged');
  t.ok(durability.stats().down, 'the node knows the backend is down');
  r.send(['SET', 'x', '1']);
  t.match((await r.read()).raw, /^-TRYAGAIN Backend unavailable, the write was not applied: connection refused\r\n$/, 'new writes are refused');
  r.send(['MULTI'], ['INCR', 'n'], ['EXEC']);
  await r.read();
  await r.read();
  t.match((await r.read()).raw, /^-EXECABORT Transaction discarded because of: TRYAGAIN Backend unavailable/, 'EXEC with writes is refused');
  r.send(['GET', 'before']);
  t.equal((await r.read()).raw, '$1\r\n1\r\n', 'reads of clean keys keep working');
  r.send(['GET', 'x']);
  t.equal((await r.read()).raw, '$-1\r\n', 'the refused write was not applied');
  const attemptsBefore = b.attempts;
  b.failWith = null;
  t.equal(await replyWithin(c, 5000), ':2\r\n', 'the retried batch lands and the write is acknowledged');
  t.ok(b.attempts > attemptsBefore, 'the same batch was retried');
  t.notOk(durability.stats().down);
  r.send(['SET', 'x', '2']);
  t.equal((await r.read()).raw, '+OK\r\n', 'writes accepted again');
  t.equal(await storedDigest(b), keyspaceDigest(n.server.ks));
});

t.test('async: replies do not wait; batches land within the delay', async (t) => {
  const b = new ControlledBackend();
  const { n } = await node(t, b, 'async', 100);
  const c = await RawClient.connect(n.port);
  t.teardown(() => c.close());
  const release = b.hold();
  c.send(['SET', 'k', 'v']);
  t.equal(await replyWithin(c, 1000), '+OK\r\n', 'answered before durable');
  t.equal(await b.appliedSeq(), 0n);
  release();
  await new Promise((res) => setTimeout(res, 300));
  t.equal(await b.appliedSeq(), 1n, 'flushed within the delay');
});

t.test('a restarted node loads its keyspace from the backend and continues its sequence', async (t) => {
  const b = new ControlledBackend();
  const { n } = await node(t, b);
  const c = await RawClient.connect(n.port);
  c.send(['SELECT', '3'], ['HSET', 'h', 'a', '1'], ['PEXPIRE', 'h', '100000'], ['ZADD', 'z', '1', 'm'], ['SELECT', '0'], ['SET', 's', 'v']);
  for (let i = 0; i < 6; i++) await c.read();
  c.close();
  const digest = keyspaceDigest(n.server.ks);
  await n.close();
  const b2 = new ControlledBackend(b.store);
  const durability = new Durability(b2, 'sync', await b2.appliedSeq());
  const n2 = await startCatena(t, { durability });
  await n2.server.load(b2.load());
  t.equal(keyspaceDigest(n2.server.ks), digest, 'same keyspace after restart');
  const c2 = await RawClient.connect(n2.port);
  t.teardown(() => c2.close());
  c2.send(['SET', 'after', '1']);
  t.equal((await c2.read()).raw, '+OK\r\n');
  t.equal(await b2.appliedSeq(), 5n, 'the sequence continues from the stored one');
});

t.test('async: when the backend falls far behind, replies wait (flow control) instead of failing', async (t) => {
  const b = new ControlledBackend();
  const durability = new Durability(b, 'async', 0n, () => {}, 50, 20);
  const n = await startCatena(t, { durability });
  const c = await RawClient.connect(n.port);
  t.teardown(() => c.close());
  const release = b.hold();
  c.send(...Array.from({ length: 10 }, (_, i) => ['SET', `a${i}`, 'x']));
  for (let i = 0; i < 10; i++) t.equal((await c.read()).raw, '+OK\r\n');
  c.send(...Array.from({ length: 30 }, (_, i) => ['SET', `b${i}`, 'x']));
  let answered = 0;
  for (let i = 0; i < 30; i++) if ((await replyWithin(c, 100)) === '+OK\r\n') answered++;
  t.ok(answered < 30, `past the limit replies wait for the backend (${answered} of 30 answered while it is held)`);
  release();
  for (let i = answered; i < 30; i++) t.equal(await replyWithin(c, 3000), '+OK\r\n', 'and come once it catches up');
  t.equal(await b.appliedSeq(), 40n);
});
