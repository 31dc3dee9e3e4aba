/**
 * The frozen binary encoding of a Reply (STYLE #10), so a reply computed on another node
 * reaches the client's node and is written there, in RESP2 or RESP3, byte for byte as if it had
 * been computed locally. Pure bytes in and out: no sockets, no clock. Decoding never throws on
 * bad input: it returns the reason (STYLE #4). Also holds the byte writer/reader update-codec.ts
 * shares. Tags are append-only; test/cluster/codecs.test.ts pins the bytes.
 *
 * Layout: one tag byte, then the tag's body. `uvar` is an unsigned LEB128 varint of a safe
 * integer (minimal: at most 8 bytes, no trailing zero byte); `str` is `uvar length` then that
 * many bytes, one per char (latin1: Reply strings are binary strings).
 */
import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  MultiReply,
  NoReply,
  NullArrayReply,
  PairsReply,
  PushReply,
  type Reply,
  SetReply,
  StatusReply,
  VerbatimReply,
} from '../resp/reply';
import { replyBufferKeepBytesMax } from '../limits';
import { codecStringBytesMax, replyBigintCharsMax, replyDepthMax } from './codec-limits';

/**
 * Reply tags. APPEND-ONLY: these bytes are on the wire between nodes of different versions;
 * never renumber or reuse one, add new kinds at the end. 0 is left unused so that a zeroed
 * buffer is not a valid reply.
 */
export const replyTag = {
  /** null (null bulk in RESP2, `_` in RESP3). Empty body. */
  null: 0x01,
  /** string: str. */
  bulk: 0x02,
  /** number, a safe integer ≥ 0 and not -0: uvar. */
  int: 0x03,
  /** number, a safe integer < 0: uvar of its magnitude (never 0). */
  negInt: 0x04,
  /** any other number (fractions, -0, beyond 2^53, NaN, ±Infinity): f64 little-endian. */
  float: 0x05,
  /** bigint: str of its canonical decimal form. */
  bigint: 0x06,
  /** Reply[]: uvar count, then the items. */
  array: 0x07,
  /** StatusReply: str. */
  status: 0x08,
  /** ErrorReply: str (the text as built; the writer strips CR/LF when it writes it). */
  error: 0x09,
  /** MapReply: uvar count of the flat list (kept as is, even if odd), then the items. */
  map: 0x0a,
  /** PairsReply: as map. */
  pairs: 0x0b,
  /** SetReply: uvar count, items. */
  set: 0x0c,
  /** DoubleReply: f64 little-endian (keeps -0, ±Infinity, NaN). */
  double: 0x0d,
  /** BoolReply(false). Empty body. */
  false: 0x0e,
  /** BoolReply(true). Empty body. */
  true: 0x0f,
  /** VerbatimReply: str format, str text. */
  verbatim: 0x10,
  /** PushReply: uvar count, items. */
  push: 0x11,
  /** NullArrayReply. Empty body. */
  nullArray: 0x12,
  /** MultiReply: uvar count, replies. */
  multi: 0x13,
  /** NoReply. Empty body. */
  noReply: 0x14,
} as const;

/** What a decoder returns instead of a value: the reason, for the caller to log and drop. */
export interface CodecError {
  error: string;
}

/**
 * True for the `{ error }` a decoder returns: a plain object with an `error` string. No Reply
 * is a plain object, and neither an UpdatePayload nor a ClusterMsg has an `error` field.
 */
export function isCodecError(v: unknown): v is CodecError {
  return (
    typeof v === 'object' &&
    v !== null &&
    Object.getPrototypeOf(v) === Object.prototype &&
    typeof (v as { error?: unknown }).error === 'string'
  );
}

// ---------------------------------------------------------------------------------------------
// Byte writer / reader shared with update-codec.ts.

/** Below this length a JS loop beats the native latin1 write's call overhead. */
const shortStringChars = 16;
/** Up to this length a JS loop beats the native latin1 slice's call overhead (keys, names, OK). */
const shortStringReadChars = 8;
/** First scratch size: most replies and updates are far smaller. */
const scratchInitialBytes = 4096;

/** A growable buffer written in place; `take` hands the bytes out and keeps the scratch small. */
export class ByteWriter {
  buf: Buffer = Buffer.allocUnsafe(scratchInitialBytes);
  len = 0;

  ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  /** Unsigned LEB128 of a non-negative safe integer (the caller has checked it is one). */
  uvar(v: number): void {
    this.ensure(8);
    const b = this.buf;
    let x = v;
    // `& 0x7f` is exact past 2^32 (ToInt32 keeps the low bits); `>>>` is not, hence two loops.
    while (x > 0x7fffffff) {
      b[this.len++] = (x & 0x7f) | 0x80;
      x = Math.floor(x / 128);
    }
    while (x >= 0x80) {
      b[this.len++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    b[this.len++] = x;
  }

  /** `uvar length` + one byte per char (latin1). */
  str(s: string): void {
    const n = s.length;
    this.ensure(8 + n);
    this.uvar(n);
    if (n <= shortStringChars) {
      const b = this.buf;
      for (let i = 0; i < n; i++) b[this.len++] = s.charCodeAt(i);
    } else {
      this.len += this.buf.write(s, this.len, 'latin1');
    }
  }

  /** `uvar length` + the bytes. */
  bytes(src: Uint8Array): void {
    this.ensure(8 + src.length);
    this.uvar(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /**
   * The bytes written, as a buffer the caller owns; the writer starts over. A scratch that grew
   * past the keep limit is handed out as it is (no copy of a large message) and replaced.
   */
  take(): Buffer {
    const n = this.len;
    this.len = 0;
    if (this.buf.length > replyBufferKeepBytesMax) {
      const out = this.buf.subarray(0, n);
      this.buf = Buffer.allocUnsafe(scratchInitialBytes);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    this.buf.copy(out, 0, 0, n);
    return out;
  }
}

/** The one scratch writer of this process's encoders (encoding is synchronous, never re-entered). */
export const scratchWriter = new ByteWriter();

/** Thrown inside a decoder only, caught at its entry point and returned as a CodecError. */
export class DecodeFailure {
  constructor(readonly reason: string) {}
}

/** Reads a buffer front to back; every read checks bounds and throws a DecodeFailure. */
export class ByteReader {
  pos = 0;

  constructor(readonly buf: Buffer) {}

  fail(reason: string): never {
    throw new DecodeFailure(`${reason} at byte ${this.pos}`);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    const v = this.buf[this.pos];
    if (v === undefined) this.fail('truncated');
    this.pos++;
    return v;
  }

  u32(): number {
    if (this.remaining < 4) this.fail('truncated');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    if (this.remaining < 8) this.fail('truncated');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A minimal LEB128 varint of a safe integer, so every value has exactly one encoding. */
  uvar(): number {
    const b = this.buf;
    let byte = b[this.pos];
    if (byte === undefined) this.fail('truncated');
    this.pos++;
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let scale = 128;
    for (let i = 1; ; i++) {
      if (i === 8) this.fail('varint longer than 8 bytes');
      byte = b[this.pos];
      if (byte === undefined) this.fail('truncated');
      this.pos++;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (byte === 0) this.fail('varint not minimal');
        break;
      }
      scale *= 128;
    }
    if (value > Number.MAX_SAFE_INTEGER) this.fail('varint beyond 2^53');
    return value;
  }

  /** A uvar no larger than `max`. */
  uvarMax(max: number, what: string): number {
    const v = this.uvar();
    if (v > max) this.fail(`${what} ${v} above ${max}`);
    return v;
  }

  /**
   * A count of items each at least `minBytes` long: checked against the limit and against the
   * bytes left, so a hostile count never makes the decoder allocate or loop beyond its input.
   */
  count(max: number, minBytes: number, what: string): number {
    const n = this.uvarMax(max, what);
    if (n * minBytes > this.remaining) this.fail(`truncated: ${n} ${what}`);
    return n;
  }

  str(max: number, what: string): string {
    const n = this.uvarMax(max, `${what} length`);
    if (n > this.remaining) this.fail(`truncated ${what}`);
    const start = this.pos;
    this.pos += n;
    if (n > shortStringReadChars) return this.buf.toString('latin1', start, this.pos);
    let s = '';
    for (let i = start; i < this.pos; i++) s += String.fromCharCode(this.buf[i] as number);
    return s;
  }

  /** A copy of the next `uvar length` bytes (the input may be a transport buffer reused later). */
  bytes(max: number, what: string): Buffer {
    const n = this.uvarMax(max, `${what} length`);
    if (n > this.remaining) this.fail(`truncated ${what}`);
    const out = Buffer.allocUnsafe(n);
    this.buf.copy(out, 0, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  end(): void {
    if (this.pos !== this.buf.length) this.fail(`${this.buf.length - this.pos} trailing bytes`);
  }
}

/** Runs a decoder over `b`, requiring it to consume every byte; a DecodeFailure becomes a value. */
export function decodeWith<T>(b: Buffer, what: string, read: (rd: ByteReader) => T): T | CodecError {
  const rd = new ByteReader(b);
  try {
    const v = read(rd);
    rd.end();
    return v;
  } catch (e) {
    if (e instanceof DecodeFailure) return { error: `${what}: ${e.reason}` };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Replies.

/** A bigint's decimal form as `String(bigint)` prints it, so decoding accepts one form only. */
const canonicalBigint = /^-?[1-9][0-9]*$|^0$/;

function writeItems(w: ByteWriter, tag: number, items: Reply[], depth: number): void {
  if (depth >= replyDepthMax) throw new Error(`encodeReply: nesting deeper than replyDepthMax (${replyDepthMax})`);
  w.u8(tag);
  w.uvar(items.length);
  for (let i = 0; i < items.length; i++) writeReply(w, items[i] as Reply, depth + 1);
}

/** Appends the encoding of `r` (at nesting `depth`) to `w`. Throws only on a non-Reply or a too deep one. */
export function writeReply(w: ByteWriter, r: Reply, depth: number): void {
  if (typeof r === 'string') {
    w.u8(replyTag.bulk);
    return w.str(r);
  }
  if (typeof r === 'number') {
    if (Number.isSafeInteger(r) && !(r === 0 && 1 / r < 0)) {
      if (r >= 0) {
        w.u8(replyTag.int);
        return w.uvar(r);
      }
      w.u8(replyTag.negInt);
      return w.uvar(-r);
    }
    w.u8(replyTag.float);
    return w.f64(r);
  }
  if (typeof r === 'bigint') {
    const text = r.toString();
    if (text.length > replyBigintCharsMax) throw new Error(`encodeReply: bigint longer than ${replyBigintCharsMax} chars`);
    w.u8(replyTag.bigint);
    return w.str(text);
  }
  if (r === null) return w.u8(replyTag.null);
  if (Array.isArray(r)) return writeItems(w, replyTag.array, r, depth);
  if (r instanceof StatusReply) {
    w.u8(replyTag.status);
    return w.str(r.text);
  }
  if (r instanceof ErrorReply) {
    w.u8(replyTag.error);
    return w.str(r.text);
  }
  if (r instanceof MapReply) return writeItems(w, replyTag.map, r.flat, depth);
  if (r instanceof PairsReply) return writeItems(w, replyTag.pairs, r.flat, depth);
  if (r instanceof SetReply) return writeItems(w, replyTag.set, r.items, depth);
  if (r instanceof PushReply) return writeItems(w, replyTag.push, r.items, depth);
  if (r instanceof MultiReply) return writeItems(w, replyTag.multi, r.replies, depth);
  if (r instanceof DoubleReply) {
    w.u8(replyTag.double);
    return w.f64(r.value);
  }
  if (r instanceof BoolReply) return w.u8(r.value ? replyTag.true : replyTag.false);
  if (r instanceof VerbatimReply) {
    w.u8(replyTag.verbatim);
    w.str(r.format);
    return w.str(r.text);
  }
  if (r instanceof NullArrayReply) return w.u8(replyTag.nullArray);
  if (r instanceof NoReply) return w.u8(replyTag.noReply);
  throw new Error(`encodeReply: not a reply: ${String(r)}`);
}

function readItems(rd: ByteReader, depth: number): Reply[] {
  if (depth >= replyDepthMax) rd.fail(`nesting deeper than ${replyDepthMax}`);
  // Every item is at least its tag byte.
  const n = rd.count(Number.MAX_SAFE_INTEGER, 1, 'items');
  const items: Reply[] = [];
  for (let i = 0; i < n; i++) items.push(readReply(rd, depth + 1));
  return items;
}

/** Reads one reply at nesting `depth`; throws a DecodeFailure on bad input. */
export function readReply(rd: ByteReader, depth: number): Reply {
  const tag = rd.u8();
  switch (tag) {
    case replyTag.null:
      return null;
    case replyTag.bulk:
      return rd.str(codecStringBytesMax, 'bulk');
    case replyTag.int:
      return rd.uvar();
    case replyTag.negInt: {
      const m = rd.uvar();
      if (m === 0) rd.fail('negative integer 0');
      return -m;
    }
    case replyTag.float: {
      const v = rd.f64();
      // Safe integers have their own tags: one encoding per value.
      if (Number.isSafeInteger(v) && !(v === 0 && 1 / v < 0)) rd.fail('float tag on a safe integer');
      return v;
    }
    case replyTag.bigint: {
      const text = rd.str(replyBigintCharsMax, 'bigint');
      if (!canonicalBigint.test(text)) rd.fail('bigint not in canonical decimal form');
      return BigInt(text);
    }
    case replyTag.array:
      return readItems(rd, depth);
    case replyTag.status:
      return new StatusReply(rd.str(codecStringBytesMax, 'status'));
    case replyTag.error:
      return new ErrorReply(rd.str(codecStringBytesMax, 'error'));
    case replyTag.map:
      return new MapReply(readItems(rd, depth));
    case replyTag.pairs:
      return new PairsReply(readItems(rd, depth));
    case replyTag.set:
      return new SetReply(readItems(rd, depth));
    case replyTag.double:
      return new DoubleReply(rd.f64());
    case replyTag.false:
      return new BoolReply(false);
    case replyTag.true:
      return new BoolReply(true);
    case replyTag.verbatim: {
      const format = rd.str(codecStringBytesMax, 'verbatim format');
      return new VerbatimReply(format, rd.str(codecStringBytesMax, 'verbatim text'));
    }
    case replyTag.push:
      return new PushReply(readItems(rd, depth));
    case replyTag.nullArray:
      return NullArrayReply.instance;
    case replyTag.multi:
      return new MultiReply(readItems(rd, depth));
    case replyTag.noReply:
      return NoReply.instance;
    default:
      rd.pos--;
      return rd.fail(`unknown reply tag 0x${tag.toString(16).padStart(2, '0')}`);
  }
}

/** The encoding of `r`. Throws only on a programmer error: a non-Reply, or nesting beyond replyDepthMax. */
export function encodeReply(r: Reply): Buffer {
  const w = scratchWriter;
  w.len = 0;
  writeReply(w, r, 0);
  return w.take();
}

/** The Reply encoded in `b` (all of it), or the reason it is not one. Never throws on bad input. */
export function decodeReply(b: Buffer): Reply | CodecError {
  return decodeWith(b, 'reply', (rd) => readReply(rd, 0));
}
