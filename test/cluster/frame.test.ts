// The node-to-node frame (protocol/auth/frame.ts) is a frozen wire format (STYLE #10): the
// golden frames below pin its bytes with a fixed key and fixed nonces, so a change to the
// layout, the MAC's coverage or the key derivation fails here before it reaches a cluster.
// Then the decoder's refusals: each bad input is an error value, never a throw.
import t from 'tap';
import * as crypto from 'node:crypto';
import {
  FrameDecoder,
  FrameKind,
  acceptorHelloHeader,
  acceptorHelloProblem,
  dataFrameProblem,
  decodeBatch,
  dialerHelloHeader,
  dialerHelloProblem,
  encodeBatch,
  encodeFrame,
  headerFixedBytes,
  helloBody,
  linkSessionId,
  nodeIdProblem,
  type DecodeResult,
  type Frame,
} from '../../protocol/auth/frame';
import { frameBodyBytesMax, helloBodyBytesMax, nodeIdBytesMax } from '../../protocol/auth/limits';
import { frameMacKey, hmacSha256Mac } from '../../src/cluster/transport';

const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const mac = hmacSha256Mac(key);
const dialerNonce = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
const acceptorNonce = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const session = linkSessionId(dialerNonce, acceptorNonce);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const helloFrame = () => encodeFrame(dialerHelloHeader('node-a', 7, dialerNonce), helloBody('node-b'), mac);
const dataHeader = { kind: FrameKind.data, sender: 'node-a', epoch: 7, session, counter: 0x100000002 } as const;
const dataFrame = () => encodeFrame(dataHeader, encodeBatch([Buffer.from('SET k v'), Buffer.from('x')]), mac);

function decodeAll(d: FrameDecoder): DecodeResult[] {
  const out: DecodeResult[] = [];
  for (let r = d.next(); r !== undefined; r = d.next()) {
    out.push(r);
    if (!r.ok) break;
  }
  return out;
}

function decodeOne(bytes: Uint8Array, bodyBytesMax = frameBodyBytesMax): DecodeResult | undefined {
  const d = new FrameDecoder(mac, bodyBytesMax);
  d.push(bytes);
  return d.next();
}

t.test('golden: a dialer hello, byte for byte', async (t) => {
  const golden = unhex(`
    43544e41 01 01 06 6e6f64652d61
    00000007
    101112131415161718191a1b1c1d1e1f 00000000000000000000000000000000
    00000000 00000000
    00000006 6e6f64652d62
    d267c1b160466f02d788d25e6d3d95ef93156817825516ff8fb003be0f90e08c`);
  t.equal(hex(helloFrame()), hex(golden), 'magic "CTNA", v1, hello, "node-a", epoch 7, nonce ‖ 0¹⁶, counter 0, body "node-b", MAC');
});

t.test('golden: a data frame with a two-message batch and a counter above 2^32', async (t) => {
  const golden = unhex(`
    43544e41 01 02 06 6e6f64652d61
    00000007
    101112131415161718191a1b1c1d1e1f a0a1a2a3a4a5a6a7a8a9aaabacadaeaf
    00000001 00000002
    00000010 00000007 534554206b2076 00000001 78
    26bc63ae2708ea8182a2bfc0876478650824deb9c202457c238e721880c83a00`);
  t.equal(hex(dataFrame()), hex(golden));
});

t.test('golden: the MAC is HMAC-SHA256(key, header ‖ SHA-256(body)), computed independently', async (t) => {
  for (const frame of [helloFrame(), dataFrame()]) {
    const n = frame[6] as number;
    const headerBytes = headerFixedBytes + n;
    const bodyBytes = Buffer.from(frame.buffer, frame.byteOffset + 51 + n, 4).readUInt32BE(0);
    const header = frame.subarray(0, headerBytes);
    const body = frame.subarray(headerBytes, headerBytes + bodyBytes);
    const digest = crypto.createHash('sha256').update(body).digest();
    const expected = crypto.createHmac('sha256', key).update(header).update(digest).digest();
    t.equal(hex(frame.subarray(headerBytes + bodyBytes)), hex(expected));
  }
});

t.test('golden: the frame MAC key is HKDF-SHA256(secret, label "catena/auth/frame/v1")', async (t) => {
  t.equal(hex(frameMacKey(Buffer.from('0123456789abcdef'))), '4785afe546eb7f6839aa4c64d0ed300f5700fb31634fed045e8dea1e94e8e1de');
});

t.test('round trip, whole and one byte at a time, several frames in one chunk', async (t) => {
  const a = helloFrame();
  const b = dataFrame();
  const both = new Uint8Array(a.length + b.length);
  both.set(a, 0);
  both.set(b, a.length);

  const whole = new FrameDecoder(mac, frameBodyBytesMax);
  whole.push(both);
  const rs = decodeAll(whole);
  t.equal(rs.length, 2);
  const [r1, r2] = rs;
  t.ok(r1?.ok && r2?.ok);
  if (!r1?.ok || !r2?.ok) return;
  t.match(r1.frame, { kind: FrameKind.hello, sender: 'node-a', epoch: 7, counter: 0 });
  t.equal(Buffer.from(r1.frame.body).toString(), 'node-b');
  t.equal(r1.frameBytes, a.length);
  t.match(r2.frame, { kind: FrameKind.data, sender: 'node-a', epoch: 7, counter: 0x100000002 });
  t.equal(hex(r2.frame.session), hex(session));
  const batch = decodeBatch(r2.frame.body);
  t.same('messages' in batch ? batch.messages.map((m) => Buffer.from(m).toString()) : batch, ['SET k v', 'x']);
  t.equal(whole.bufferedBytes, 0);

  const trickle = new FrameDecoder(mac, frameBodyBytesMax);
  const got: Frame[] = [];
  for (const byte of both) {
    trickle.push(Uint8Array.of(byte));
    for (const r of decodeAll(trickle)) if (r.ok) got.push(r.frame);
  }
  t.same(got, [r1.frame, r2.frame], 'byte-at-a-time decoding yields the same frames');
});

t.test('decoder errors are values, and sticky', async (t) => {
  const good = dataFrame();
  const n = good[6] as number;
  const mutate = (at: number, value: number) => {
    const b = good.slice();
    b[at] = value;
    return b;
  };
  const errorOf = (b: Uint8Array, bodyMax?: number) => {
    const r = decodeOne(b, bodyMax);
    return r === undefined ? 'needs more' : r.ok ? 'ok' : r.error;
  };
  t.equal(errorOf(mutate(0, 0x48)), 'bad-magic');
  t.equal(errorOf(Uint8Array.of(0x43, 0x00)), 'bad-magic', 'refused from its first wrong byte');
  t.equal(errorOf(mutate(4, 2)), 'bad-version');
  t.equal(errorOf(mutate(5, 0)), 'bad-kind');
  t.equal(errorOf(mutate(5, 3)), 'bad-kind');
  t.equal(errorOf(mutate(6, 0)), 'bad-sender', 'empty sender id');
  t.equal(errorOf(mutate(6, nodeIdBytesMax + 1)), 'bad-sender', 'sender id longer than nodeIdBytesMax');
  t.equal(errorOf(mutate(7, 0x20)), 'bad-sender', 'space in the sender id');
  t.equal(errorOf(mutate(43 + n, 0x01)), 'bad-counter', 'counter ≥ 2^53 cannot be a JS number');
  t.equal(errorOf(mutate(11 + n, 0xff)), 'bad-mac', 'a flipped session byte');
  t.equal(errorOf(mutate(7 + n + 3, 8)), 'bad-mac', 'another epoch');
  t.equal(errorOf(mutate(headerFixedBytes + n + 5, good[headerFixedBytes + n + 5]! ^ 1)), 'bad-mac', 'one flipped body byte');
  t.equal(errorOf(mutate(good.length - 1, good[good.length - 1]! ^ 0x80)), 'bad-mac', 'a flipped MAC byte');
  t.equal(errorOf(good.subarray(0, good.length - 1)), 'needs more');
  t.equal(errorOf(good, 15), 'body-too-long', 'a 16-byte body over a 15-byte limit');
  t.equal(errorOf(encodeFrame(dataHeader, new Uint8Array(0), mac), 0), 'ok', 'an empty body under a zero limit');

  const other = encodeFrame(dataHeader, new Uint8Array(3), hmacSha256Mac(new Uint8Array(32)));
  t.equal(errorOf(other), 'bad-mac', 'a frame made with another key');

  const d = new FrameDecoder(mac, frameBodyBytesMax);
  d.push(mutate(0, 0));
  d.push(good);
  t.same(d.next(), { ok: false, error: 'bad-magic' });
  t.same(d.next(), { ok: false, error: 'bad-magic' }, 'the stream stays dead');
  t.equal(d.bufferedBytes, 0, 'and holds nothing');
});

t.test('an oversized body length is refused from the header alone', async (t) => {
  const good = dataFrame();
  const n = good[6] as number;
  const header = good.slice(0, headerFixedBytes + n);
  new DataView(header.buffer).setUint32(51 + n, 0xffffffff);
  const d = new FrameDecoder(mac, frameBodyBytesMax);
  d.push(header);
  t.same(d.next(), { ok: false, error: 'body-too-long' }, 'no body byte was needed to refuse it');
  t.equal(d.bufferedBytes, 0);

  const pre = new FrameDecoder(mac, helloBodyBytesMax);
  pre.push(encodeFrame(dataHeader, new Uint8Array(helloBodyBytesMax + 1), mac).subarray(0, headerFixedBytes + n));
  t.same(pre.next(), { ok: false, error: 'body-too-long' }, 'before a handshake, only a hello-sized body is accepted');
  t.throws(() => new FrameDecoder(mac, frameBodyBytesMax + 1), RangeError);
});

t.test('encodeFrame asserts its header (programmer errors throw)', async (t) => {
  t.throws(() => encodeFrame({ ...dataHeader, sender: '' }, new Uint8Array(0), mac));
  t.throws(() => encodeFrame({ ...dataHeader, sender: 'x'.repeat(nodeIdBytesMax + 1) }, new Uint8Array(0), mac));
  t.throws(() => encodeFrame({ ...dataHeader, epoch: 2 ** 32 }, new Uint8Array(0), mac));
  t.throws(() => encodeFrame({ ...dataHeader, epoch: -1 }, new Uint8Array(0), mac));
  t.throws(() => encodeFrame({ ...dataHeader, session: new Uint8Array(31) }, new Uint8Array(0), mac));
  t.throws(() => encodeFrame({ ...dataHeader, counter: 2 ** 53 }, new Uint8Array(0), mac));
  t.throws(() => encodeFrame({ ...dataHeader, counter: 1.5 }, new Uint8Array(0), mac));
  t.equal(nodeIdProblem('127.0.0.1:7001'), null);
  t.match(nodeIdProblem('café'), /printable ASCII/);
});

t.test('batches: round trip and malformed bodies', async (t) => {
  const msgs = [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(1000).fill(7)];
  const body = encodeBatch(msgs);
  const back = decodeBatch(body);
  t.same('messages' in back ? back.messages.map((m) => Array.from(m)) : back, msgs.map((m) => Array.from(m)));
  t.same(decodeBatch(new Uint8Array(0)), { messages: [] });
  t.match(decodeBatch(body.subarray(0, 2)), { error: /truncated/ });
  t.match(decodeBatch(body.subarray(0, 9)), { error: /overruns/ });
});

t.test('link checks: hellos and data frames', async (t) => {
  const isPeer = (id: string) => id === 'node-a' || id === 'node-c';
  const hello = (over: Partial<Frame> = {}): Frame => ({ ...dialerHelloHeader('node-a', 7, dialerNonce), body: helloBody('node-b'), ...over });
  t.equal(dialerHelloProblem(hello(), 'node-b', 7, isPeer), null);
  t.equal(dialerHelloProblem(hello({ epoch: 8 }), 'node-b', 7, isPeer), 'bad-epoch');
  t.equal(dialerHelloProblem(hello({ sender: 'node-z' }), 'node-b', 7, isPeer), 'unknown-sender');
  t.equal(dialerHelloProblem(hello({ sender: 'node-b' }), 'node-b', 7, () => true), 'unknown-sender', 'a node never accepts itself');
  t.equal(dialerHelloProblem(hello({ body: helloBody('node-c') }), 'node-b', 7, isPeer), 'wrong-addressee');
  t.equal(dialerHelloProblem(hello({ session }), 'node-b', 7, isPeer), 'bad-session', 'a dialer hello has no acceptor nonce');
  t.equal(dialerHelloProblem(hello({ kind: FrameKind.data }), 'node-b', 7, isPeer), 'unexpected-kind');

  const reply = (over: Partial<Frame> = {}): Frame => ({ ...acceptorHelloHeader('node-b', 7, dialerNonce, acceptorNonce), body: helloBody('node-a'), ...over });
  t.equal(acceptorHelloProblem(reply(), 'node-a', 'node-b', 7, dialerNonce), null);
  t.equal(acceptorHelloProblem(reply(), 'node-a', 'node-b', 7, acceptorNonce), 'bad-session', 'a hello answering another connection');
  t.equal(acceptorHelloProblem(reply(), 'node-a', 'node-c', 7, dialerNonce), 'wrong-sender');
  t.equal(acceptorHelloProblem(reply({ epoch: 6 }), 'node-a', 'node-b', 7, dialerNonce), 'bad-epoch');
  t.equal(acceptorHelloProblem(reply({ body: helloBody('node-c') }), 'node-a', 'node-b', 7, dialerNonce), 'wrong-addressee');

  const data = (over: Partial<Frame> = {}): Frame => ({ ...dataHeader, counter: 5, body: new Uint8Array(0), ...over });
  t.equal(dataFrameProblem(data(), 'node-a', 7, session, 5), null);
  t.equal(dataFrameProblem(data(), 'node-a', 7, session, 6), 'counter-replayed');
  t.equal(dataFrameProblem(data(), 'node-a', 7, session, 4), 'counter-gap');
  t.equal(dataFrameProblem(data({ epoch: 8 }), 'node-a', 7, session, 5), 'bad-epoch');
  t.equal(dataFrameProblem(data({ session: linkSessionId(dialerNonce, dialerNonce) }), 'node-a', 7, session, 5), 'bad-session');
  t.equal(dataFrameProblem(data(), 'node-c', 7, session, 5), 'wrong-sender');
  t.equal(dataFrameProblem(data({ kind: FrameKind.hello }), 'node-a', 7, session, 5), 'unexpected-kind');
});
