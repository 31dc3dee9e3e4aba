/**
 * Redis's value serialization (the RDB object format) and the DUMP payload around it:
 * `<type byte><object><RDB version, 2 bytes LE><CRC64, 8 bytes LE>`, as cluster.c's
 * createDumpPayload / verifyDumpPayload and rdb.c's rdbSaveObject / rdbLoadObject.
 * Pure: bytes in, values out. Each value type registers an encoder and a decoder in the
 * tables below (the data-types issue adds hash/list/set/zset the same way as strings).
 */
import { RawString, type StringValue, type TypeName, type Value, isString } from './values';
import { crc64LE } from './crc64';
import { lzfCompress, lzfDecompress } from './lzf';
import { parseInt64 } from '../resp/format';
import type { EncodingLimits } from './keyspace';

/** Redis 7.0 writes RDB version 10 and refuses payloads of a later version. */
export const rdbVersion = 10;

/** RDB object type bytes (rdb.h). */
export const RdbType = {
  string: 0,
  list: 1,
  set: 2,
  zset: 3,
  hash: 4,
  zset2: 5,
  module2: 7,
  hashZipmap: 9,
  listZiplist: 10,
  setIntset: 11,
  zsetZiplist: 12,
  hashZiplist: 13,
  listQuicklist: 14,
  streamListpacks: 15,
  hashListpack: 16,
  zsetListpack: 17,
  listQuicklist2: 18,
  streamListpacks2: 19,
  /** Redis 7.4 (RDB 12): hashes with field TTLs (RDB_TYPE_HASH_METADATA, RDB_TYPE_HASH_LISTPACK_EX). */
  hashMetadata: 24,
  hashListpackEx: 25,
} as const;

/** Redis rdbIsObjectType for RDB version 10. */
function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 19) || newerTypeVersions.has(t);
}

const RDB_6BITLEN = 0;
const RDB_14BITLEN = 1;
const RDB_32BITLEN = 0x80;
const RDB_64BITLEN = 0x81;
const RDB_ENCVAL = 3;
const RDB_ENC_INT8 = 0;
const RDB_ENC_INT16 = 1;
const RDB_ENC_INT32 = 2;
const RDB_ENC_LZF = 3;

/** A growable output buffer for serialization. */
export class RdbWriter {
  buf: Buffer;
  len = 0;
  constructor(capacity = 64) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b & 0xff;
  }
  bytes(src: Uint8Array, start = 0, end = src.length): void {
    this.ensure(end - start);
    this.buf.set(src.subarray(start, end), this.len);
    this.len += end - start;
  }
  latin1(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }
  /** rdbSaveLen. */
  length(n: number): void {
    if (n < 1 << 6) {
      this.byte((n & 0xff) | (RDB_6BITLEN << 6));
    } else if (n < 1 << 14) {
      this.byte(((n >>> 8) & 0xff) | (RDB_14BITLEN << 6));
      this.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      this.byte(RDB_32BITLEN);
      this.ensure(4);
      this.buf.writeUInt32BE(n, this.len);
      this.len += 4;
    } else {
      this.byte(RDB_64BITLEN);
      this.ensure(8);
      this.buf.writeBigUInt64BE(BigInt(n), this.len);
      this.len += 8;
    }
  }
  /** rdbEncodeInteger: true when `v` fits one of the int encodings (and was written). */
  encodedInt(v: number): boolean {
    if (v >= -128 && v <= 127) {
      this.byte((RDB_ENCVAL << 6) | RDB_ENC_INT8);
      this.byte(v & 0xff);
    } else if (v >= -32768 && v <= 32767) {
      this.byte((RDB_ENCVAL << 6) | RDB_ENC_INT16);
      this.byte(v & 0xff);
      this.byte((v >> 8) & 0xff);
    } else if (v >= -2147483648 && v <= 2147483647) {
      this.byte((RDB_ENCVAL << 6) | RDB_ENC_INT32);
      this.ensure(4);
      this.buf.writeInt32LE(v, this.len);
      this.len += 4;
    } else {
      return false;
    }
    return true;
  }
  /**
   * rdbSaveRawString: a canonical integer of at most 11 bytes that fits 32 bits as an int
   * encoding; more than 20 bytes LZF-compressed when that saves at least 4 bytes; otherwise
   * length-prefixed. (An int-encoded Redis object takes the same path with the same bytes.)
   */
  string(v: StringValue): void {
    const len = typeof v === 'string' ? v.length : v.len;
    if (len <= 11) {
      const n = parseInt64(typeof v === 'string' ? v : v.toString());
      if (typeof n === 'number' && this.encodedInt(n)) return;
    }
    const bytes = typeof v === 'string' ? Buffer.from(v, 'latin1') : v.buf.subarray(0, v.len);
    if (len > 20) {
      const outLen = len - 4;
      const out = Buffer.allocUnsafe(outLen);
      const clen = lzfCompress(bytes, out, outLen);
      if (clen > 0) {
        this.byte((RDB_ENCVAL << 6) | RDB_ENC_LZF);
        this.length(clen);
        this.length(len);
        this.bytes(out, 0, clen);
        return;
      }
    }
    this.length(len);
    this.bytes(bytes);
  }
  result(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** Thrown by RdbReader on truncated or malformed input; loaders turn it into "Bad data format". */
export class RdbFormatError extends Error {}

/** A cursor over serialized bytes (Redis's rio over a buffer). */
export class RdbReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  byte(): number {
    if (this.pos >= this.end) throw new RdbFormatError('truncated');
    return this.buf[this.pos++] as number;
  }
  take(n: number): Buffer {
    if (n > this.end - this.pos) throw new RdbFormatError('truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** Whether the last length read was a special string encoding (RDB_ENCVAL). */
  private encoded = false;
  /** rdbLoadLenByRef: the length; `encoded` tells whether it names a special string encoding. */
  private readLength(): number {
    const b0 = this.byte();
    const type = (b0 & 0xc0) >> 6;
    this.encoded = type === RDB_ENCVAL;
    if (type === RDB_ENCVAL || type === RDB_6BITLEN) return b0 & 0x3f;
    if (type === RDB_14BITLEN) return ((b0 & 0x3f) << 8) | this.byte();
    if (b0 === RDB_32BITLEN) return this.take(4).readUInt32BE(0);
    if (b0 === RDB_64BITLEN) {
      const v = this.take(8).readBigUInt64BE(0);
      // Longer than any buffer could hold: the read that follows fails either way.
      return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
    }
    throw new RdbFormatError(`unknown length encoding ${type}`);
  }
  /** rdbLoadLenByRef with its isencoded flag. */
  length(): { len: number; encoded: boolean } {
    const len = this.readLength();
    return { len, encoded: this.encoded };
  }
  /** A plain length (rdbLoadLen with a NULL isencoded: encoding bits read as a 6-bit length). */
  plainLength(): number {
    return this.readLength();
  }
  /** rdbGenericLoadStringObject: a string in any of its encodings, as a binary string. */
  string(): string {
    const len = this.readLength();
    if (!this.encoded) return this.take(len).toString('latin1');
    switch (len) {
      case RDB_ENC_INT8:
        return String(this.take(1).readInt8(0));
      case RDB_ENC_INT16:
        return String(this.take(2).readInt16LE(0));
      case RDB_ENC_INT32:
        return String(this.take(4).readInt32LE(0));
      case RDB_ENC_LZF: {
        const clen = this.plainLength();
        const ulen = this.plainLength();
        const c = this.take(clen);
        // LZF expands at most ~88x (a 3-byte back reference yields 264 bytes); a longer
        // claimed length cannot decompress to `ulen` bytes, so refuse it before allocating.
        if (ulen === 0) return '';
        if (ulen > clen * 90) throw new RdbFormatError('invalid LZF length');
        const out = Buffer.allocUnsafe(ulen);
        if (lzfDecompress(c, 0, c.length, out) !== ulen) throw new RdbFormatError('invalid LZF compressed string');
        return out.toString('latin1');
      }
      default:
        throw new RdbFormatError(`unknown string encoding ${len}`);
    }
  }
}

/** How one value type is written and read. */
export interface RdbCodec {
  /** The type byte DUMP writes for this value (may depend on its encoding). */
  typeOf(v: Value): number;
  /** The RDB version DUMP writes for this value when later than rdbVersion (a Redis 7.4 type). */
  rdbVersion?(v: Value): number;
  /** `limits`: the keyspace's encoding thresholds (a list's node split follows them); absent, Redis's defaults. */
  save(w: RdbWriter, v: Value, limits?: EncodingLimits): void;
}
/**
 * `limits`: the keyspace's encoding thresholds, for the load-time conversions Redis makes
 * (a listpack or intset with too many entries loads as a hashtable); absent, Redis's defaults.
 */
export type RdbLoader = (r: RdbReader, limits?: EncodingLimits) => Value;

const codecs = new Map<TypeName, RdbCodec>();
const loaders = new Map<number, RdbLoader>();
/** Type bytes from a later Redis, with the RDB version that introduced them (RESTORE accepts that version for them only). */
const newerTypeVersions = new Map<number, number>();

/** Register a value type's serialization (called by each type's module at load time). */
export function registerRdbType(type: TypeName, codec: RdbCodec, load: Record<number, RdbLoader>): void {
  codecs.set(type, codec);
  for (const [t, fn] of Object.entries(load)) loaders.set(Number(t), fn);
}

/** Declare type bytes of a later Redis's RDB version (e.g. 7.4's field-TTL hashes, RDB 12). */
export function registerNewerRdbTypes(version: number, types: number[]): void {
  for (const t of types) newerTypeVersions.set(t, version);
}

function typeName(v: Value): TypeName {
  return typeof v === 'string' || v instanceof RawString ? 'string' : v.type;
}


registerRdbType(
  'string',
  {
    typeOf: () => RdbType.string,
    save: (w, v) => {
      if (!isString(v)) throw new Error('string codec given a non-string value');
      w.string(v);
    },
  },
  { [RdbType.string]: (r) => r.string() },
);

/** DUMP: the payload for a value, or null when its type has no codec yet. */
export function createDumpPayload(v: Value, limits?: EncodingLimits): Buffer | null {
  const codec = codecs.get(typeName(v));
  if (codec === undefined) return null;
  const w = new RdbWriter(stringBytesHint(v) + 16);
  w.byte(codec.typeOf(v));
  codec.save(w, v, limits);
  const version = codec.rdbVersion?.(v) ?? rdbVersion;
  w.byte(version & 0xff);
  w.byte((version >> 8) & 0xff);
  const body = w.result();
  const crc = crc64LE(body);
  w.bytes(crc);
  return w.result();
}

function stringBytesHint(v: Value): number {
  if (typeof v === 'string') return v.length;
  if (v instanceof RawString) return v.len;
  return 64;
}

/** verifyDumpPayload: the footer's RDB version is known and the CRC64 matches. */
export function verifyDumpPayload(p: Buffer): boolean {
  const len = p.length;
  if (len < 10) return false;
  const ver = (p[len - 9] as number) * 256 + (p[len - 10] as number);
  if (ver > rdbVersion && ver > (newerTypeVersions.get(p[0] as number) ?? 0)) return false;
  const crc = crc64LE(p, 0, len - 8);
  return crc.equals(p.subarray(len - 8));
}

/**
 * RESTORE's load (rdbLoadObjectType + rdbLoadObject) of a verified payload: the value, or
 * null for anything Redis would call "Bad data format" — including types Catena has no
 * codec for. Like Redis, reads run over the whole buffer (footer included) and trailing
 * bytes are not checked.
 */
export function loadDumpPayload(p: Buffer, limits?: EncodingLimits): Value | null {
  try {
    const r = new RdbReader(p);
    const type = r.byte();
    if (!isObjectType(type)) return null;
    const load = loaders.get(type);
    if (load === undefined) return null;
    return load(r, limits);
  } catch (e) {
    // Buffer reads past the end throw RangeError: also malformed input, not a bug.
    if (e instanceof RdbFormatError || e instanceof RangeError) return null;
    throw e;
  }
}
