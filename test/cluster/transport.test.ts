// The authenticated node-to-node transport (src/cluster/transport.ts) over real loopback
// sockets: delivery, per-pair order and batching; links that come up late or come back after
// a restart; and the attacks invariant 4 ("nothing unauthenticated is believed") must stop —
// a foreign secret, a captured frame replayed on a new connection or twice on one, a flipped
// body byte, another epoch, a hostile body length — each refused, counted, never delivered.
// Frames are captured and altered by a small TCP proxy placed between two transports, or
// forged by a raw socket that holds the secret (it can pass the MAC; the link checks must
// still refuse what does not belong to its connection).
import t, { type Test } from 'tap';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../helpers/redis-oracle';
import { PeerTransport, frameMacKey, hmacSha256Mac, loadClusterSecret, type PeerTransportLimits } from '../../src/cluster/transport';
import * as limits from '../../src/cluster/limits';
import {
  FrameDecoder,
  FrameKind,
  dialerHelloHeader,
  encodeBatch,
  encodeFrame,
  headerFixedBytes,
  helloBody,
  type DecodeResult,
} from '../../protocol/auth/frame';
import { frameBodyBytesMax } from '../../protocol/auth/limits';

const host = '127.0.0.1';
const secret = Buffer.from('correct horse battery staple, 2x');
const otherSecret = Buffer.from('a different secret of 32 bytes!!');
const fastLimits: Partial<PeerTransportLimits> = { reconnectDelayMsMin: 10, reconnectDelayMsMax: 100 };

async function until(cond: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (m: Uint8Array) => Buffer.from(m).toString();

interface Node {
  name: string;
  port: number;
  tr: PeerTransport;
  got: { from: string; msg: string }[];
  ups: string[];
  downs: string[];
  drains: string[];
  logs: string[];
}

function makeNode(
  t: Test,
  name: string,
  port: number,
  peers: Record<string, number>,
  extra: { secret?: Buffer; epoch?: number; limits?: Partial<PeerTransportLimits> } = {},
): Node {
  const logs: string[] = [];
  const tr = new PeerTransport({
    self: name,
    secret: extra.secret ?? secret,
    epoch: extra.epoch ?? 1,
    listenHost: host,
    listenPort: port,
    peers: new Map(Object.entries(peers).map(([id, p]) => [id, { host, port: p }])),
    log: (line) => logs.push(line),
    limits: { ...fastLimits, ...extra.limits },
  });
  const n: Node = { name, port, tr, got: [], ups: [], downs: [], drains: [], logs };
  tr.onMessage((from, msg) => n.got.push({ from, msg: text(msg) }));
  tr.onLinkUp((p) => n.ups.push(p));
  tr.onLinkDown((p) => n.downs.push(p));
  tr.onDrain((p) => n.drains.push(p));
  t.teardown(() => tr.close());
  return n;
}

const from = (n: Node, peer: string) => n.got.filter((g) => g.from === peer).map((g) => g.msg);

/** Splits a byte stream into whole frames by the layout alone (no MAC check). */
class FrameSplitter {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (this.buf.length >= 7) {
      const n = this.buf[6] as number;
      if (this.buf.length < headerFixedBytes + n) break;
      const total = headerFixedBytes + n + this.buf.readUInt32BE(51 + n) + 32;
      if (this.buf.length < total) break;
      out.push(this.buf.subarray(0, total));
      this.buf = this.buf.subarray(total);
    }
    return out;
  }
}

/**
 * A TCP proxy in front of an acceptor. It records every frame the dialer sends on each
 * connection and lets `alter` replace a frame by any list of frames.
 */
class FrameProxy {
  readonly captured: Buffer[][] = [];
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;

  constructor(
    private readonly targetPort: number,
    private readonly alter: (frame: Buffer, index: number, connection: number) => Buffer[] = (f) => [f],
  ) {}

  async start(port: number): Promise<void> {
    const server = net.createServer((client) => {
      const connection = this.captured.length;
      const frames: Buffer[] = [];
      this.captured.push(frames);
      const upstream = net.connect(this.targetPort, host);
      const splitter = new FrameSplitter();
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk: Buffer) => {
        for (const f of splitter.push(chunk)) {
          frames.push(Buffer.from(f));
          for (const out of this.alter(f, frames.length - 1, connection)) upstream.write(out);
        }
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A raw socket to an acceptor; with the secret it can forge frames that pass the MAC. */
class RawPeer {
  readonly decoder: FrameDecoder;
  readonly frames: DecodeResult[] = [];
  closed = false;
  private constructor(
    readonly socket: net.Socket,
    readonly mac = hmacSha256Mac(frameMacKey(secret)),
  ) {
    this.decoder = new FrameDecoder(this.mac, frameBodyBytesMax);
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      for (let r = this.decoder.next(); r !== undefined; r = r.ok ? this.decoder.next() : undefined) this.frames.push(r);
    });
    socket.on('error', () => {});
    socket.on('close', () => (this.closed = true));
  }

  static async connect(t: Test, port: number): Promise<RawPeer> {
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    t.teardown(() => socket.destroy());
    return new RawPeer(socket);
  }

  /** Completes a handshake as `self` and returns the link session id. */
  async hello(self: string, addressee: string, epoch = 1): Promise<Uint8Array> {
    const nonce = Uint8Array.from({ length: 16 }, (_, i) => i * 7 + 1);
    this.socket.write(encodeFrame(dialerHelloHeader(self, epoch, nonce), helloBody(addressee), this.mac));
    await until(() => this.frames.length > 0, 'the acceptor hello');
    const r = this.frames[0];
    if (r === undefined || !r.ok) throw new Error('no acceptor hello');
    return r.frame.session;
  }

  data(sender: string, session: Uint8Array, counter: number, messages: string[], epoch = 1): Uint8Array {
    return encodeFrame({ kind: FrameKind.data, sender, epoch, session, counter }, encodeBatch(messages.map((m) => Buffer.from(m))), this.mac);
  }
}

async function ports(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

t.test('three nodes exchange messages both ways, in order per pair, batched into few frames', async (t) => {
  const [pa, pb, pc] = (await ports(3)) as [number, number, number];
  const nodes = [makeNode(t, 'a', pa, { b: pb, c: pc }), makeNode(t, 'b', pb, { a: pa, c: pc }), makeNode(t, 'c', pc, { a: pa, b: pb })];
  const perPair = 300;
  // Queued before any link is up: they wait, then go.
  const refused: string[] = [];
  for (const x of nodes) {
    for (const y of nodes) {
      if (x === y) continue;
      for (let i = 0; i < perPair; i++) if (!x.tr.send(y.name, Buffer.from(`${x.name}>${y.name}:${i}`))) refused.push(`${x.name}>${y.name}:${i}`);
    }
  }
  t.same(refused, [], 'every send accepted');
  await Promise.all(nodes.map((n) => n.tr.start()));
  await until(() => nodes.every((n) => n.got.length === 2 * perPair), 'every message');
  for (const y of nodes) {
    for (const x of nodes) {
      if (x === y) continue;
      const expected = Array.from({ length: perPair }, (_, i) => `${x.name}>${y.name}:${i}`);
      t.same(from(y, x.name), expected, `${x.name} → ${y.name}: all, in order`);
      const s = x.tr.stats().peers[y.name];
      t.equal(s?.messagesSent, perPair);
      t.ok(s !== undefined && s.framesSent < s.messagesSent, `${x.name} → ${y.name}: ${s?.framesSent} frames for ${s?.messagesSent} messages`);
      t.equal(y.tr.stats().peers[x.name]?.messagesReceived, perPair);
    }
  }
  // A burst sent in one event-loop turn on an established link is exactly one frame.
  const before = nodes.map((n) => n.tr.stats());
  for (const x of nodes) for (const y of nodes) if (x !== y) for (let i = 0; i < 100; i++) x.tr.send(y.name, Buffer.from(`burst ${i}`));
  await until(() => nodes.every((n) => n.got.length === 2 * perPair + 200), 'the burst');
  nodes.forEach((x, i) => {
    for (const y of nodes) {
      if (x === y) continue;
      t.equal((x.tr.stats().peers[y.name]?.framesSent ?? 0) - (before[i]?.peers[y.name]?.framesSent ?? 0), 1, `${x.name} → ${y.name}: 100 messages, one frame`);
    }
  });
  for (const n of nodes) for (const s of Object.values(n.tr.stats().peers)) t.same(s.framesRejected, {}, 'nothing rejected');
});

t.test('a peer started later is reached: queued messages go when its link comes up', async (t) => {
  const [pa, pc] = (await ports(2)) as [number, number];
  const a = makeNode(t, 'a', pa, { c: pc });
  const c = makeNode(t, 'c', pc, { a: pa });
  await a.tr.start();
  for (let i = 0; i < 10; i++) t.equal(a.tr.send('c', Buffer.from(`early ${i}`)), true);
  await sleep(150); // a few failed dials with backoff
  t.equal(a.tr.stats().peers.c?.connected, false);
  t.equal(a.tr.stats().peers.c?.queuedMessages, 10, 'waiting in the queue');
  t.same(a.ups, []);
  await c.tr.start();
  await until(() => c.got.length === 10, 'the queued messages');
  t.same(a.ups, ['c'], 'onLinkUp fired');
  t.same(from(c, 'a'), Array.from({ length: 10 }, (_, i) => `early ${i}`));
  t.equal(a.tr.stats().peers.c?.queuedBytes, 0);
});

t.test('a restarted peer is reconnected and traffic resumes both ways', async (t) => {
  const [pa, pb] = (await ports(2)) as [number, number];
  const a = makeNode(t, 'a', pa, { b: pb });
  const b = makeNode(t, 'b', pb, { a: pa });
  await Promise.all([a.tr.start(), b.tr.start()]);
  a.tr.send('b', Buffer.from('before'));
  await until(() => b.got.length === 1 && a.ups.length === 1 && b.ups.length === 1, 'first delivery');
  await b.tr.close();
  t.same(b.tr.send('a', Buffer.from('while closed')), false, 'a closed transport refuses');
  await until(() => a.downs.includes('b'), 'a sees its link to b go down');
  t.equal(a.tr.send('b', Buffer.from('while b is down')), true);
  await sleep(100);
  await b.tr.start(); // same instance, same port
  await until(() => b.got.length === 2, 'the message queued while b was down');
  t.same(from(b, 'a'), ['before', 'while b is down']);
  t.equal(a.tr.stats().peers.b?.linkUps, 2, 'a reconnected once');
  b.tr.send('a', Buffer.from('after'));
  await until(() => a.got.length === 1, 'b → a after the restart');
  t.same(from(a, 'b'), ['after']);
});

t.test('a node with another secret delivers nothing; its frames are rejected and counted', async (t) => {
  const [pa, px] = (await ports(2)) as [number, number];
  const a = makeNode(t, 'a', pa, { x: px });
  const x = makeNode(t, 'x', px, { a: pa }, { secret: otherSecret });
  await Promise.all([a.tr.start(), x.tr.start()]);
  for (let i = 0; i < 5; i++) x.tr.send('a', Buffer.from(`forged ${i}`));
  a.tr.send('x', Buffer.from('to x'));
  await until(
    () => (a.tr.stats().unauthenticated.framesRejected['bad-mac'] ?? 0) >= 2 && (x.tr.stats().unauthenticated.framesRejected['bad-mac'] ?? 0) >= 2,
    'hellos rejected on both sides, retried',
  );
  t.same(a.got, [], 'nothing reached onMessage at a');
  t.same(x.got, [], 'nor at x');
  t.same([a.ups, x.ups], [[], []], 'no link came up');
  t.equal(x.tr.stats().peers.a?.messagesSent, 0);
  t.equal(x.tr.stats().peers.a?.queuedMessages, 5, 'x keeps its messages queued');
  t.match(a.logs.join('\n'), /bad-mac/, 'logged');
});

t.test('a node of another epoch is refused at its hello', async (t) => {
  const [pa, py] = (await ports(2)) as [number, number];
  const a = makeNode(t, 'a', pa, { y: py });
  const y = makeNode(t, 'y', py, { a: pa }, { epoch: 2 });
  await Promise.all([a.tr.start(), y.tr.start()]);
  y.tr.send('a', Buffer.from('from epoch 2'));
  await until(
    () => (a.tr.stats().peers.y?.framesRejected['bad-epoch'] ?? 0) >= 1 && (y.tr.stats().peers.a?.framesRejected['bad-epoch'] ?? 0) >= 1,
    'both hellos refused for their epoch',
  );
  t.same([a.got, y.got, a.ups, y.ups], [[], [], [], []]);
});

t.test('through a proxy: a captured stream replayed on a new connection is refused', async (t) => {
  const [pa, pb, pp] = (await ports(3)) as [number, number, number];
  const proxy = new FrameProxy(pb);
  await proxy.start(pp);
  t.teardown(() => proxy.close());
  const a = makeNode(t, 'a', pa, { b: pp });
  const b = makeNode(t, 'b', pb, { a: pa });
  await Promise.all([a.tr.start(), b.tr.start()]);
  a.tr.send('b', Buffer.from('pay alice 10'));
  await until(() => b.got.length === 1, 'the genuine delivery');
  const stream = proxy.captured[0] ?? [];
  t.equal(stream.length, 2, 'captured: a hello and one data frame');

  const raw = await RawPeer.connect(t, pb);
  raw.socket.write(Buffer.concat(stream));
  await until(() => (b.tr.stats().peers.a?.framesRejected['bad-session'] ?? 0) === 1, 'the replayed data frame refused');
  t.equal(raw.frames.length, 1, 'the replayed hello got a hello with a fresh acceptor nonce');
  t.same(from(b, 'a'), ['pay alice 10'], 'delivered once, never again');
  t.match(b.logs.join('\n'), /bad-session/);
});

t.test('through a proxy: a frame duplicated on its own connection is refused', async (t) => {
  const [pa, pb, pp] = (await ports(3)) as [number, number, number];
  const proxy = new FrameProxy(pb, (f, index) => (index === 1 ? [f, f] : [f]));
  await proxy.start(pp);
  t.teardown(() => proxy.close());
  const a = makeNode(t, 'a', pa, { b: pp });
  const b = makeNode(t, 'b', pb, { a: pa });
  await Promise.all([a.tr.start(), b.tr.start()]);
  a.tr.send('b', Buffer.from('once'));
  await until(() => (b.tr.stats().peers.a?.framesRejected['counter-replayed'] ?? 0) === 1, 'the duplicate refused');
  a.tr.send('b', Buffer.from('twice'));
  await until(() => b.got.length === 2, 'the next message');
  t.same(from(b, 'a'), ['once', 'twice'], 'the duplicate was dropped and the link stayed in step');
  t.equal(a.tr.stats().peers.b?.linkUps, 1, 'no reconnection was needed');
});

t.test('through a proxy: one flipped body byte fails the MAC; the link is closed and redialed', async (t) => {
  const [pa, pb, pp] = (await ports(3)) as [number, number, number];
  const proxy = new FrameProxy(pb, (f, index, connection) => {
    if (connection !== 0 || index !== 1) return [f];
    const bad = Buffer.from(f);
    const at = headerFixedBytes + (bad[6] as number) + 5;
    bad[at] = (bad[at] as number) ^ 0x01;
    return [bad];
  });
  await proxy.start(pp);
  t.teardown(() => proxy.close());
  const a = makeNode(t, 'a', pa, { b: pp });
  const b = makeNode(t, 'b', pb, { a: pa });
  // The chain layer's habit: on link up, resend what was not acknowledged (here: everything).
  const unacked: string[] = [];
  a.tr.onLinkUp((p) => unacked.forEach((m) => a.tr.send(p, Buffer.from(m))));
  await Promise.all([a.tr.start(), b.tr.start()]);
  await until(() => a.ups.length === 1, 'the first link');
  unacked.push('pay bob 20');
  a.tr.send('b', Buffer.from('pay bob 20'));
  await until(() => (b.tr.stats().peers.a?.framesRejected['bad-mac'] ?? 0) === 1, 'the altered frame refused');
  await until(() => a.ups.length === 2, 'a redialed');
  await until(() => b.got.length === 1, 'the resent message');
  t.same(from(b, 'a'), ['pay bob 20'], 'the altered copy never arrived; the resent one did, once');
  t.same(a.downs, ['b']);
});

t.test('forged frames that pass the MAC but not the link checks', async (t) => {
  const [pa] = (await ports(1)) as [number];
  const a = makeNode(t, 'a', pa, { b: 1 }); // a never reaches b: only inbound matters here
  await a.tr.start();
  const rejected = () => a.tr.stats().peers.b?.framesRejected ?? {};

  const raw = await RawPeer.connect(t, pa);
  const session = await raw.hello('b', 'a');
  raw.socket.write(raw.data('b', session, 1, ['from epoch 2'], 2));
  await until(() => rejected()['bad-epoch'] === 1, 'another epoch refused');
  raw.socket.write(raw.data('b', session, 1, ['genuine 1']));
  await until(() => a.got.length === 1, 'the frame with the right epoch and counter');
  raw.socket.write(raw.data('b', session, 1, ['counter 1 again']));
  await until(() => rejected()['counter-replayed'] === 1, 'a reused counter refused');
  raw.socket.write(raw.data('c', session, 2, ['from c on b’s link']));
  await until(() => rejected()['wrong-sender'] === 1, 'another sender refused');
  raw.socket.write(raw.data('b', session, 2, ['genuine 2']));
  await until(() => a.got.length === 2, 'the link is still in step');
  raw.socket.write(raw.data('b', session, 5, ['after a gap']));
  await until(() => rejected()['counter-gap'] === 1 && raw.closed, 'a counter gap refused and the link closed');
  t.same(from(a, 'b'), ['genuine 1', 'genuine 2']);

  const stranger = await RawPeer.connect(t, pa);
  stranger.socket.write(encodeFrame(dialerHelloHeader('z', 1, new Uint8Array(16)), helloBody('a'), stranger.mac));
  await until(() => a.tr.stats().unauthenticated.framesRejected['unknown-sender'] === 1 && stranger.closed, 'an unknown sender refused');
});

t.test('an oversized body length is refused from the header, without waiting for the body', async (t) => {
  const [pa] = (await ports(1)) as [number];
  const a = makeNode(t, 'a', pa, { b: 1 });
  await a.tr.start();

  const raw = await RawPeer.connect(t, pa);
  const session = await raw.hello('b', 'a');
  const header = Buffer.from(raw.data('b', session, 1, []).subarray(0, headerFixedBytes + 1));
  header.writeUInt32BE(0xffffffff, 51 + 1); // a 4 GiB body, of which not one byte is sent
  raw.socket.write(header);
  await until(() => a.tr.stats().peers.b?.framesRejected['body-too-long'] === 1 && raw.closed, 'refused and closed');

  // Before its hello, a connection may not even claim a body larger than a hello's.
  const early = await RawPeer.connect(t, pa);
  const h = Buffer.from(early.data('b', new Uint8Array(32), 1, []).subarray(0, headerFixedBytes + 1));
  h.writeUInt32BE(1000, 51 + 1);
  early.socket.write(h);
  await until(() => a.tr.stats().unauthenticated.framesRejected['body-too-long'] === 1 && early.closed, 'refused before the handshake');
  t.same(a.got, []);
});

t.test('a connection that never says hello is closed after handshakeTimeoutMs', async (t) => {
  const [pa] = (await ports(1)) as [number];
  const a = makeNode(t, 'a', pa, { b: 1 }, { limits: { handshakeTimeoutMs: 50 } });
  await a.tr.start();
  const silent = await RawPeer.connect(t, pa);
  await until(() => silent.closed, 'the silent connection closed');
  t.match(a.logs.join('\n'), /did not finish its handshake/);
});

t.test('back-pressure: send returns false past peerQueueBytesMax, drops past the hard limit, drains', async (t) => {
  const [pa, pb] = (await ports(2)) as [number, number];
  const a = makeNode(t, 'a', pa, { b: pb }, { limits: { peerQueueBytesMax: 1000, peerQueueBytesHardMax: 2000 } });
  const b = makeNode(t, 'b', pb, { a: pa });
  await a.tr.start();
  const accepted: boolean[] = [];
  for (let i = 0; i < 21; i++) accepted.push(a.tr.send('b', Buffer.alloc(100, i)));
  t.same(accepted.slice(0, 10), Array(10).fill(true), 'up to 1000 queued bytes: go on');
  t.same(accepted.slice(10), Array(11).fill(false), 'past it: slow down');
  const s = a.tr.stats().peers.b;
  t.equal(s?.queuedMessages, 20, 'the ten past the soft limit are still queued');
  t.equal(s?.messagesDropped, 1, 'the one past the hard limit is dropped and counted');
  t.same(a.drains, []);
  await b.tr.start();
  await until(() => b.got.length === 20, 'the queue delivered');
  t.same(a.drains, ['b'], 'onDrain once the queue is back under the limit');
  t.equal(a.tr.send('b', Buffer.alloc(100)), true);

  t.throws(() => a.tr.send('nobody', Buffer.alloc(1)), /unknown peer/, 'an unknown peer is a programmer error');
  const small = makeNode(t, 'c', pb, { a: pa }, { limits: { frameBodyBytesMax: 1024, frameBatchBytesTarget: 1024 } });
  t.throws(() => small.tr.send('a', Buffer.alloc(1021)), RangeError, 'a message that cannot fit one frame is a programmer error');

  const d = makeNode(t, 'd', pb, { a: pa }); // default limits, never started
  t.equal(d.tr.send('a', new Uint8Array(limits.peerQueueBytesMax)), true, 'exactly peerQueueBytesMax: still fine');
  t.equal(d.tr.send('a', new Uint8Array(1)), false, 'one byte more: slow down');
});

t.test('large messages under socket back-pressure arrive whole and in order', async (t) => {
  const [pa, pb] = (await ports(2)) as [number, number];
  const a = makeNode(t, 'a', pa, { b: pb });
  const b = makeNode(t, 'b', pb, { a: pa });
  const sizes: number[] = [];
  const whole = (m: Uint8Array) => m.length === 512 * 1024 && m[m.length >> 1] === m[0] && m[m.length - 1] === m[0];
  b.tr.onMessage((_from, m) => sizes.push(whole(m) ? (m[0] as number) : -1));
  await Promise.all([a.tr.start(), b.tr.start()]);
  for (let i = 0; i < 24; i++) a.tr.send('b', Buffer.alloc(512 * 1024, i));
  await until(() => sizes.length === 24, 'every large message');
  t.same(sizes, Array.from({ length: 24 }, (_, i) => i), 'whole, in order');
  const s = a.tr.stats().peers.b;
  t.ok((s?.framesSent ?? 0) >= 12, 'split into frames of about frameBatchBytesTarget');
  t.ok((s?.writesPaused ?? 0) > 0, `the socket pushed back ${s?.writesPaused} times and flushing waited for 'drain'`);
});

t.test('loadClusterSecret: the --cluster-secret and --cluster-secret-file flags', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-secret-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'secret');
  fs.writeFileSync(file, 'sixteen-bytes-ok\n');
  const fromFile = loadClusterSecret({ secretFile: file });
  t.same(Buffer.isBuffer(fromFile) ? fromFile.toString() : fromFile, 'sixteen-bytes-ok', 'the trailing newline is not part of it');
  const given = loadClusterSecret({ secret: 'sixteen-bytes-ok' });
  t.ok(Buffer.isBuffer(given) && given.equals(Buffer.from('sixteen-bytes-ok')));
  t.match(loadClusterSecret({ secret: '' }), { error: /empty/ });
  t.match(loadClusterSecret({ secret: 'fifteen-bytes!!' }), { error: /15 bytes; at least 16/ });
  t.match(loadClusterSecret({}), { error: /required/ });
  t.match(loadClusterSecret({ secret: 'sixteen-bytes-ok', secretFile: file }), { error: /not both/ });
  t.match(loadClusterSecret({ secretFile: path.join(dir, 'missing') }), { error: /cannot read/ });
  fs.writeFileSync(file, '\n');
  t.match(loadClusterSecret({ secretFile: file }), { error: /empty/ });
  t.throws(() => new PeerTransport({ self: 'a', secret: Buffer.from('short'), epoch: 1, listenHost: host, listenPort: 0, peers: new Map() }));
});
