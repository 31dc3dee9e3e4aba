/**
 * The node-to-node frame: its frozen, versioned layout, what its MAC covers (STYLE #10), an
 * incremental decoder, and the checks a link applies to every authenticated frame. Pure: bytes
 * in, values out. The MAC and digest are injected (node:crypto lives in src/cluster/transport.ts);
 * nothing here may use Node APIs, timers or randomness — nonces are passed in.
 *
 * Layout, version 1 (all integers big-endian; the golden test in test/cluster/frame.test.ts
 * pins it byte for byte — kinds and fields are append-only, anything else is a new version):
 *
 *   offset     size  field
 *   0          4     magic "CTNA"
 *   4          1     version (1)
 *   5          1     kind (1 = hello, 2 = data)
 *   6          1     sender node id length n (1..40)
 *   7          n     sender node id (printable ASCII)
 *   7+n        4     epoch (uint32)
 *   11+n       32    link session id: dialer nonce (16) ‖ acceptor nonce (16)
 *   43+n       8     frame counter (uint64 as high uint32, low uint32; < 2^53)
 *   51+n       4     body length L (uint32)
 *   55+n       L     body
 *   55+n+L     32    MAC = mac(header ‖ digest(body)), header = bytes [0, 55+n)
 *
 * The MAC covers the header and a digest of the body rather than the body itself so that a
 * frame's proof has a fixed-size input whatever the body; the digest pins the body.
 *
 * Handshake (one TCP connection carries one direction of traffic, dialer → acceptor):
 *   dialer  → hello, session = dialerNonce ‖ 0¹⁶, counter 0, body = addressee id
 *   acceptor → hello, session = dialerNonce ‖ acceptorNonce, counter 0, body = dialer id
 *   dialer  → data frames, session = dialerNonce ‖ acceptorNonce, counter 1, 2, 3, …
 * Each side's fresh nonce makes every later frame unique to this connection: a frame recorded
 * from another connection (or an older one) carries a different session id.
 */
import { frameBodyBytesMax, nodeIdBytesMax, decoderBufferKeepBytesMax } from './limits';

/** "CTNA": Catena node-to-node frame. */
export const frameMagic: readonly number[] = [0x43, 0x54, 0x4e, 0x41];
export const frameVersion = 1;

/** Frame kinds. Append-only: a value, once shipped, never changes meaning. */
export const FrameKind = { hello: 1, data: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const nonceBytes = 16;
export const sessionIdBytes = 2 * nonceBytes;
export const digestBytes = 32;
export const macBytes = 32;
/** Header bytes other than the sender id: magic, version, kind, id length, epoch, session, counter, body length. */
export const headerFixedBytes = 4 + 1 + 1 + 1 + 4 + sessionIdBytes + 8 + 4;
/** Largest counter a frame may carry: the counter travels as uint64 but is handled as a JS number. */
export const frameCounterMax = Number.MAX_SAFE_INTEGER;
const uint32Max = 0xffffffff;
const twoTo32 = 0x100000000;

/**
 * The injected cryptography. `mac` and `digest` return 32 bytes; `equal` must take the same
 * time for any two inputs of one length, so a forger learns nothing from how fast a wrong
 * MAC is refused.
 */
export interface Mac {
  /** Digest (SHA-256) of a frame body. */
  digest(body: Uint8Array): Uint8Array;
  /** MAC (HMAC-SHA256 with the cluster key) of header ‖ digest(body). */
  mac(data: Uint8Array): Uint8Array;
  /** Constant-time comparison. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}

export interface FrameHeader {
  kind: FrameKind;
  sender: string;
  /** uint32. */
  epoch: number;
  /** 32 bytes: dialer nonce ‖ acceptor nonce. */
  session: Uint8Array;
  /** 0 for hellos, then 1, 2, 3, … per connection; at most frameCounterMax. */
  counter: number;
}

export interface Frame extends FrameHeader {
  body: Uint8Array;
}

/** Why the decoder refused a stream. Every one ends the stream: framing cannot be trusted after it. */
export type FrameDecodeError =
  | 'bad-magic'
  | 'bad-version'
  | 'bad-kind'
  | 'bad-sender'
  | 'bad-counter'
  | 'body-too-long'
  | 'bad-mac';

/** Why a link refused a frame whose MAC was good (see the check functions below). */
export type FrameLinkRejection =
  | 'unexpected-kind'
  | 'unknown-sender'
  | 'wrong-sender'
  | 'wrong-addressee'
  | 'bad-epoch'
  | 'bad-session'
  | 'counter-replayed'
  | 'counter-gap'
  | 'bad-body';

export type FrameRejection = FrameDecodeError | FrameLinkRejection;

/** Node ids travel as one byte per character: printable ASCII without space, 1..40 long. */
export function nodeIdProblem(id: string): string | null {
  if (id.length === 0) return 'node id is empty';
  if (id.length > nodeIdBytesMax) return `node id is ${id.length} bytes; at most ${nodeIdBytesMax}`;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return `node id has a character outside printable ASCII at ${i}`;
  }
  return null;
}

/** What is wrong with a header we are about to send (a programmer error if anything). */
export function headerProblem(h: FrameHeader): string | null {
  if (h.kind !== FrameKind.hello && h.kind !== FrameKind.data) return `unknown kind ${String(h.kind)}`;
  const idProblem = nodeIdProblem(h.sender);
  if (idProblem !== null) return idProblem;
  if (!Number.isInteger(h.epoch) || h.epoch < 0 || h.epoch > uint32Max) return `epoch ${h.epoch} is not a uint32`;
  if (h.session.length !== sessionIdBytes) return `session id is ${h.session.length} bytes; ${sessionIdBytes} expected`;
  if (!Number.isInteger(h.counter) || h.counter < 0 || h.counter > frameCounterMax) return `counter ${h.counter} is out of range`;
  return null;
}

export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function asciiString(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** header ‖ digest(body): exactly the bytes the MAC is computed over. */
export function macInput(header: Uint8Array, bodyDigest: Uint8Array): Uint8Array {
  if (bodyDigest.length !== digestBytes) throw new Error(`digest is ${bodyDigest.length} bytes; ${digestBytes} expected`);
  const out = new Uint8Array(header.length + digestBytes);
  out.set(header, 0);
  out.set(bodyDigest, header.length);
  return out;
}

/** Bytes of the whole frame for a sender id and body of these lengths. */
export function frameBytes(senderBytes: number, bodyBytes: number): number {
  return headerFixedBytes + senderBytes + bodyBytes + macBytes;
}

/** Encodes one frame. A malformed header or an oversized body is a programmer error and throws. */
export function encodeFrame(h: FrameHeader, body: Uint8Array, mac: Mac): Uint8Array {
  const problem = headerProblem(h);
  if (problem !== null) throw new Error(`encodeFrame: ${problem}`);
  if (body.length > frameBodyBytesMax) throw new RangeError(`encodeFrame: body is ${body.length} bytes; at most ${frameBodyBytesMax}`);
  const n = h.sender.length;
  const headerBytes = headerFixedBytes + n;
  const out = new Uint8Array(frameBytes(n, body.length));
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(frameMagic, 0);
  out[4] = frameVersion;
  out[5] = h.kind;
  out[6] = n;
  out.set(asciiBytes(h.sender), 7);
  view.setUint32(7 + n, h.epoch);
  out.set(h.session, 11 + n);
  view.setUint32(43 + n, Math.floor(h.counter / twoTo32));
  view.setUint32(47 + n, h.counter % twoTo32);
  view.setUint32(51 + n, body.length);
  out.set(body, headerBytes);
  const tag = mac.mac(macInput(out.subarray(0, headerBytes), mac.digest(body)));
  if (tag.length !== macBytes) throw new Error(`encodeFrame: MAC is ${tag.length} bytes; ${macBytes} expected`);
  out.set(tag, headerBytes + body.length);
  return out;
}

export type DecodeResult = { ok: true; frame: Frame; frameBytes: number } | { ok: false; error: FrameDecodeError };

/**
 * Incremental decoder: `push` bytes as they arrive, then call `next` until it returns
 * undefined (needs more bytes). Never throws on bad input: the first error is returned and
 * then returned again by every later `next` (the stream is dead: after a bad length or a bad
 * MAC, where the next frame starts cannot be trusted). A body longer than `bodyBytesMax` is
 * refused as soon as its header is in, so a hostile length never causes an allocation.
 * The MAC is checked before a frame is returned; its fields are not otherwise judged here.
 */
export class FrameDecoder {
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;
  private failed: FrameDecodeError | null = null;
  private bodyMax: number;

  constructor(
    private readonly mac: Mac,
    bodyBytesMax: number,
  ) {
    this.bodyMax = FrameDecoder.checkedBodyMax(bodyBytesMax);
  }

  private static checkedBodyMax(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n > frameBodyBytesMax) throw new RangeError(`bodyBytesMax ${n} is out of [0, ${frameBodyBytesMax}]`);
    return n;
  }

  /** The largest body accepted from now on (a link raises it once its peer is authenticated). */
  get bodyBytesMax(): number {
    return this.bodyMax;
  }

  set bodyBytesMax(n: number) {
    this.bodyMax = FrameDecoder.checkedBodyMax(n);
  }

  /** Bytes pushed and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  get error(): FrameDecodeError | null {
    return this.failed;
  }

  push(chunk: Uint8Array): void {
    if (this.failed !== null || chunk.length === 0) return;
    const used = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      if (used + chunk.length <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        // Grow to what was pushed (doubling to keep appends linear), never to what a header claims.
        const grown = new Uint8Array(Math.max(used + chunk.length, 2 * this.buf.length));
        grown.set(this.buf.subarray(this.start, this.end), 0);
        this.buf = grown;
      }
      this.start = 0;
      this.end = used;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  next(): DecodeResult | undefined {
    if (this.failed !== null) return { ok: false, error: this.failed };
    const b = this.buf;
    const s = this.start;
    const avail = this.end - s;
    // Judge the fixed prefix as soon as its bytes are in, so garbage is refused early.
    for (let i = 0; i < frameMagic.length && i < avail; i++) if (b[s + i] !== frameMagic[i]) return this.fail('bad-magic');
    if (avail >= 5 && b[s + 4] !== frameVersion) return this.fail('bad-version');
    if (avail >= 6 && b[s + 5] !== FrameKind.hello && b[s + 5] !== FrameKind.data) return this.fail('bad-kind');
    if (avail < 7) return undefined;
    const n = b[s + 6] as number;
    if (n === 0 || n > nodeIdBytesMax) return this.fail('bad-sender');
    const headerBytes = headerFixedBytes + n;
    if (avail < headerBytes) return undefined;
    for (let i = 0; i < n; i++) {
      const c = b[s + 7 + i] as number;
      if (c < 0x21 || c > 0x7e) return this.fail('bad-sender');
    }
    const view = new DataView(b.buffer, b.byteOffset + s, headerBytes);
    const counterHigh = view.getUint32(43 + n);
    if (counterHigh > Math.floor(frameCounterMax / twoTo32)) return this.fail('bad-counter');
    const bodyBytes = view.getUint32(51 + n);
    if (bodyBytes > this.bodyMax) return this.fail('body-too-long');
    const total = headerBytes + bodyBytes + macBytes;
    if (avail < total) return undefined;
    const header = b.subarray(s, s + headerBytes);
    const body = b.slice(s + headerBytes, s + headerBytes + bodyBytes);
    const expected = this.mac.mac(macInput(header, this.mac.digest(body)));
    if (!this.mac.equal(expected, b.subarray(s + headerBytes + bodyBytes, s + total))) return this.fail('bad-mac');
    const frame: Frame = {
      kind: b[s + 5] as FrameKind,
      sender: asciiString(b, s + 7, s + 7 + n),
      epoch: view.getUint32(7 + n),
      session: b.slice(s + 11 + n, s + 11 + n + sessionIdBytes),
      counter: counterHigh * twoTo32 + view.getUint32(47 + n),
      body,
    };
    this.consume(total);
    return { ok: true, frame, frameBytes: total };
  }

  private fail(error: FrameDecodeError): DecodeResult {
    this.failed = error;
    this.buf = new Uint8Array(0);
    this.start = this.end = 0;
    return { ok: false, error };
  }

  private consume(bytes: number): void {
    this.start += bytes;
    if (this.start === this.end) {
      this.start = this.end = 0;
      if (this.buf.length > decoderBufferKeepBytesMax) this.buf = new Uint8Array(0);
    }
  }
}

// ---- Handshake and link checks -------------------------------------------------------------

/** The link session id: dialer nonce ‖ acceptor nonce (zeros for the acceptor half in the dialer's hello). */
export function linkSessionId(dialerNonce: Uint8Array, acceptorNonce: Uint8Array | null): Uint8Array {
  if (dialerNonce.length !== nonceBytes || (acceptorNonce !== null && acceptorNonce.length !== nonceBytes)) {
    throw new Error(`nonces are ${nonceBytes} bytes`);
  }
  const out = new Uint8Array(sessionIdBytes);
  out.set(dialerNonce, 0);
  if (acceptorNonce !== null) out.set(acceptorNonce, nonceBytes);
  return out;
}

export function dialerHelloHeader(sender: string, epoch: number, dialerNonce: Uint8Array): FrameHeader {
  return { kind: FrameKind.hello, sender, epoch, session: linkSessionId(dialerNonce, null), counter: 0 };
}

export function acceptorHelloHeader(sender: string, epoch: number, dialerNonce: Uint8Array, acceptorNonce: Uint8Array): FrameHeader {
  return { kind: FrameKind.hello, sender, epoch, session: linkSessionId(dialerNonce, acceptorNonce), counter: 0 };
}

/** A hello's body names the node it is meant for, so a hello cannot be redirected to another node. */
export function helloBody(addressee: string): Uint8Array {
  return asciiBytes(addressee);
}

/** The dialer's hello, judged by the acceptor `self`: returns why it is refused, or null. */
export function dialerHelloProblem(f: Frame, self: string, epoch: number, isPeer: (id: string) => boolean): FrameLinkRejection | null {
  if (f.kind !== FrameKind.hello || f.counter !== 0) return 'unexpected-kind';
  if (f.sender === self || !isPeer(f.sender)) return 'unknown-sender';
  if (f.epoch !== epoch) return 'bad-epoch';
  for (let i = nonceBytes; i < sessionIdBytes; i++) if (f.session[i] !== 0) return 'bad-session';
  if (!bytesEqual(f.body, asciiBytes(self))) return 'wrong-addressee';
  return null;
}

/** The acceptor's hello, judged by the dialer `self` that dialed `peer` with `dialerNonce`. */
export function acceptorHelloProblem(f: Frame, self: string, peer: string, epoch: number, dialerNonce: Uint8Array): FrameLinkRejection | null {
  if (f.kind !== FrameKind.hello || f.counter !== 0) return 'unexpected-kind';
  if (f.sender !== peer) return 'wrong-sender';
  if (f.epoch !== epoch) return 'bad-epoch';
  if (!bytesEqual(f.session.subarray(0, nonceBytes), dialerNonce)) return 'bad-session';
  if (!bytesEqual(f.body, asciiBytes(self))) return 'wrong-addressee';
  return null;
}

/**
 * A data frame on an established link, judged by the acceptor. `counter-replayed` (a counter
 * already seen) is harmless to skip; `counter-gap` means frames were lost or reordered, so the
 * stream can no longer be delivered in order and the link must be re-established.
 */
export function dataFrameProblem(f: Frame, peer: string, epoch: number, session: Uint8Array, counterNext: number): FrameLinkRejection | null {
  if (f.kind !== FrameKind.data) return 'unexpected-kind';
  if (f.sender !== peer) return 'wrong-sender';
  if (f.epoch !== epoch) return 'bad-epoch';
  if (!bytesEqual(f.session, session)) return 'bad-session';
  if (f.counter < counterNext) return 'counter-replayed';
  if (f.counter > counterNext) return 'counter-gap';
  return null;
}

// ---- Data frame bodies: a batch of length-prefixed messages ---------------------------------

/** Bytes one message takes in a batch: a uint32 length, then the message. */
export const batchMessageOverheadBytes = 4;

export function encodeBatch(messages: readonly Uint8Array[]): Uint8Array {
  let bytes = 0;
  for (const m of messages) bytes += batchMessageOverheadBytes + m.length;
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const m of messages) {
    view.setUint32(at, m.length);
    out.set(m, at + batchMessageOverheadBytes);
    at += batchMessageOverheadBytes + m.length;
  }
  return out;
}

/** Splits a data frame's body into its messages (views into `body`), or says why it cannot. */
export function decodeBatch(body: Uint8Array): { messages: Uint8Array[] } | { error: string } {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const messages: Uint8Array[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < batchMessageOverheadBytes) return { error: `truncated message length at ${at}` };
    const n = view.getUint32(at);
    at += batchMessageOverheadBytes;
    if (n > body.length - at) return { error: `message of ${n} bytes at ${at} overruns the body` };
    messages.push(body.subarray(at, at + n));
    at += n;
  }
  return { messages };
}
