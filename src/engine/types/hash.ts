/**
 * The hash value (Redis t_hash.c), the appliers of the hash effects and the hash's RDB
 * encodings (DUMP/RESTORE). Pure data: no clock, no I/O; the keyspace is touched only by the
 * effect appliers, which run the same operations the commands ran, so replaying effects
 * rebuilds the same value, the same encoding and the same iteration order.
 *
 * Two encodings, switched where Redis 7.0 switches them so OBJECT ENCODING agrees:
 * - "listpack": one flat array [field, value, field, value...] in insertion order (an update
 *   keeps its place, as lpReplace does) — no Map and no object per field. Lookups are linear,
 *   as in Redis, over at most hash-max-listpack-entries pairs.
 * - "hashtable": a Dict field → value, whose cursor is Redis's SCAN cursor for HSCAN and
 *   whose seeded layout makes iteration order and random picks the same on every replica.
 * A hash converts when a field or value longer than hash-max-listpack-value is written or
 * the number of fields exceeds hash-max-listpack-entries; it never converts back.
 */
import type { CollectionValue, Value } from '../values';
import { type EncodingLimits, type Keyspace, defaultEncodingLimits } from '../keyspace';
import { type Effect, registerEffect } from '../effects';
import { Dict, hashKey } from '../dict';
import { RdbFormatError, type RdbReader, RdbType, type RdbWriter, registerRdbType } from '../rdb';
import { parseInt64 } from '../../resp/format';
import { allocSize } from '../memory';

export type HashLimits = Pick<EncodingLimits, 'hashMaxListpackEntries' | 'hashMaxListpackValue'>;

/** The seed of a hash's Dict: a function of its key, so every replica lays it out alike. */
export function hashSeed(key: string, ks: Keyspace): number {
  return hashKey(key, ks.hashSeed ^ 0x4a5e) | 1;
}

export class HashValue implements CollectionValue {
  /** Listpack: [field, value, ...] in insertion order; hashtable: a Dict. */
  private store: string[] | Dict<string>;

  constructor(
    readonly seed: number,
    store: string[] | Dict<string> = [],
  ) {
    this.store = store;
  }

  get type(): 'hash' {
    return 'hash';
  }

  get size(): number {
    const s = this.store;
    return Array.isArray(s) ? s.length >> 1 : s.size;
  }

  /** True while listpack-encoded. */
  get isListpack(): boolean {
    return Array.isArray(this.store);
  }

  encoding(): string {
    return Array.isArray(this.store) ? 'listpack' : 'hashtable';
  }

  /**
   * Deep copy with the same encoding and the same Dict layout, so a copy (COPY, a STORE's
   * effect, its replay) iterates and samples exactly as the original.
   */
  clone(): HashValue {
    const s = this.store;
    return new HashValue(this.seed, Array.isArray(s) ? s.slice() : s.clone());
  }

  canonical(): string[] {
    const pairs: Array<[string, string]> = [];
    this.forEach((f, v) => pairs.push([f, v]));
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out: string[] = [];
    for (const [f, v] of pairs) out.push(f, v);
    return out;
  }

  /** Index of the field in the listpack array, or -1. */
  private lpFind(lp: string[], field: string): number {
    for (let i = 0; i < lp.length; i += 2) if (lp[i] === field) return i;
    return -1;
  }

  get(field: string): string | undefined {
    const s = this.store;
    if (Array.isArray(s)) {
      const i = this.lpFind(s, field);
      return i < 0 ? undefined : s[i + 1];
    }
    return s.get(field);
  }

  has(field: string): boolean {
    const s = this.store;
    return Array.isArray(s) ? this.lpFind(s, field) >= 0 : s.has(field);
  }

  /**
   * Redis hashTypeTryConversion: before a write of `args[start..end]` (fields and values),
   * convert when any of them is longer than hash-max-listpack-value.
   */
  tryConversion(args: readonly string[], start: number, end: number, limits: HashLimits): void {
    if (!Array.isArray(this.store)) return;
    for (let i = start; i <= end; i++) {
      if ((args[i] as string).length > limits.hashMaxListpackValue) {
        this.convert();
        return;
      }
    }
  }

  /**
   * Redis hashTypeSet: set one field, true when it is new. A listpack converts first when the
   * field or value is too long, and after the insert when it holds too many fields.
   */
  set(field: string, value: string, limits: HashLimits): boolean {
    let s = this.store;
    if (Array.isArray(s)) {
      if (field.length > limits.hashMaxListpackValue || value.length > limits.hashMaxListpackValue) {
        this.convert();
        s = this.store;
      } else {
        const i = this.lpFind(s, field);
        if (i >= 0) {
          s[i + 1] = value;
          return false;
        }
        s.push(field, value);
        if (s.length >> 1 > limits.hashMaxListpackEntries) this.convert();
        return true;
      }
    }
    return (s as Dict<string>).set(field, value);
  }

  /**
   * Drop the spare capacity V8 gives a growing array (half again plus 16 slots), so a
   * listpack costs one slot per field and value. Called after a write that added fields.
   */
  compact(): void {
    const s = this.store;
    if (Array.isArray(s)) this.store = s.slice();
  }

  /** Remove a field; true when it was there. */
  delete(field: string): boolean {
    const s = this.store;
    if (Array.isArray(s)) {
      const i = this.lpFind(s, field);
      if (i < 0) return false;
      s.splice(i, 2);
      return true;
    }
    return s.delete(field);
  }

  /** Redis hashTypeConvertListpack: the same pairs, in listpack order, into a Dict. */
  convert(): void {
    const s = this.store;
    if (!Array.isArray(s)) return;
    const d = new Dict<string>(this.seed);
    for (let i = 0; i < s.length; i += 2) d.set(s[i] as string, s[i + 1] as string);
    this.store = d;
  }

  /** Every (field, value) in Redis's iteration order for the encoding. */
  forEach(fn: (field: string, value: string) => void): void {
    const s = this.store;
    if (Array.isArray(s)) {
      for (let i = 0; i < s.length; i += 2) fn(s[i] as string, s[i + 1] as string);
      return;
    }
    s.forEach((v, f) => fn(f, v));
  }

  /** The listpack's flat array (read only); null when hashtable-encoded. */
  listpack(): readonly string[] | null {
    const s = this.store;
    return Array.isArray(s) ? s : null;
  }

  /**
   * A uniformly random (field, value): a random listpack position, or Redis's
   * dictGetRandomKey over the Dict. `random` is the update's seeded generator.
   */
  randomPair(random: () => number): [string, string] {
    const s = this.store;
    if (Array.isArray(s)) {
      const i = Math.floor(random() * (s.length >> 1)) * 2;
      return [s[i] as string, s[i + 1] as string];
    }
    return s.randomEntry(random) as [string, string];
  }

  /**
   * MEMORY USAGE of the value as Redis 7.0's objectComputeSize: a listpack's allocation
   * exactly; a hashtable's dict, buckets and entries, its fields and values averaged over
   * `samples` of them (0: all).
   */
  memoryUsage(samples: number): number {
    const s = this.store;
    if (Array.isArray(s)) return robjBytes + allocSize(encodeListpack(s).length);
    let total = 0;
    let seen = 0;
    for (const [f, v] of s.entries()) {
      if (samples > 0 && seen >= samples) break;
      total += sdsAllocBytes(f.length) + sdsAllocBytes(v.length) + dictEntryBytes;
      seen++;
    }
    return robjBytes + dictBytes + pointerBytes * dictSlots(s.size) + (seen > 0 ? Math.floor((total / seen) * s.size) : 0);
  }

  /** One HSCAN step over the Dict (dictScan): visits one bucket, returns the next cursor. */
  scanStep(cursor: number, visit: (field: string, value: string) => void): number {
    const s = this.store;
    if (Array.isArray(s)) throw new Error('scanStep on a listpack hash');
    return s.scan(cursor, visit);
  }
}

/** sizeof(robj), sizeof(dict), sizeof(dictEntry), a pointer, on 64-bit Redis 7.0. */
const robjBytes = 16;
const dictBytes = 56;
const dictEntryBytes = 24;
const pointerBytes = 8;

/** zmalloc_size of an sds of `len` bytes made by sdsnewlen (sdsReqType's header). */
export function sdsAllocBytes(len: number): number {
  const hdr = len < 32 && len > 0 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9;
  return allocSize(hdr + len + 1);
}

/** Buckets of a Redis dict holding `n` entries: it grows to the next power of two (at least 4). */
export function dictSlots(n: number): number {
  let slots = 4;
  while (slots < n) slots *= 2;
  return slots;
}

export function isHash(v: unknown): v is HashValue {
  return v instanceof HashValue;
}

// ---- effect appliers: the reference semantics of the hash effects (effects.ts) ----------

registerEffect('hset', (ks: Keyspace, e: Effect) => {
  if (e.op !== 'hset') throw new Error(`bad effect ${e.op}`);
  const d = ks.db(e.db);
  let h = d.data.get(e.key);
  if (h === undefined) {
    h = new HashValue(hashSeed(e.key, ks));
    d.data.set(e.key, h);
    d.expires.delete(e.key);
  }
  if (!(h instanceof HashValue)) throw new Error('hset effect on a non-hash key');
  // The command converted over all its arguments first (hashTypeTryConversion), then set.
  h.tryConversion(e.fields, 0, e.fields.length - 1, ks.encoding);
  let added = false;
  for (let i = 0; i + 1 < e.fields.length; i += 2) if (h.set(e.fields[i] as string, e.fields[i + 1] as string, ks.encoding)) added = true;
  if (added) h.compact();
});

registerEffect('hdel', (ks: Keyspace, e: Effect) => {
  if (e.op !== 'hdel') throw new Error(`bad effect ${e.op}`);
  const d = ks.db(e.db);
  const h = d.data.get(e.key);
  if (!(h instanceof HashValue)) throw new Error(`hdel effect on ${h === undefined ? 'a missing key' : 'a non-hash key'}`);
  for (const f of e.fields) h.delete(f);
  if (h.size === 0) {
    d.data.delete(e.key);
    d.expires.delete(e.key);
  }
});

// ---- listpack and ziplist blobs (listpack.c, ziplist.c, zipmap.c) ----------------------

/** Redis lpEncodeBacklen: the entry length, written to be read backwards. */
function backlen(out: number[], l: number): void {
  if (l <= 127) out.push(l);
  else if (l < 16383) out.push(l >> 7, (l & 127) | 128);
  else if (l < 2097151) out.push(l >> 14, ((l >> 7) & 127) | 128, (l & 127) | 128);
  else if (l < 268435455) out.push(l >> 21, ((l >> 14) & 127) | 128, ((l >> 7) & 127) | 128, (l & 127) | 128);
  else out.push(Math.floor(l / 268435456), ((l >> 21) & 127) | 128, ((l >> 14) & 127) | 128, ((l >> 7) & 127) | 128, (l & 127) | 128);
}

/** Little-endian bytes of a two's complement integer. */
function pushLE(out: number[], v: bigint, bytes: number): void {
  let u = BigInt.asUintN(bytes * 8, v);
  for (let i = 0; i < bytes; i++) {
    out.push(Number(u & 0xffn));
    u >>= 8n;
  }
}

/**
 * A listpack holding `entries` in order, byte for byte as Redis's lpAppend builds it: strings
 * that are canonical int64s (lpStringToInt64) as the smallest integer encoding, others with
 * a 6-, 12- or 32-bit length.
 */
export function encodeListpack(entries: readonly string[]): Buffer {
  const body: number[] = [];
  for (const s of entries) {
    const start = body.length;
    const n = s.length <= 20 ? parseInt64(s) : null;
    if (n !== null) {
      const v = BigInt(n);
      if (v >= 0n && v <= 127n) body.push(Number(v));
      else if (v >= -4096n && v <= 4095n) {
        const u = Number(v < 0n ? (1n << 13n) + v : v);
        body.push((u >> 8) | 0xc0, u & 0xff);
      } else if (v >= -32768n && v <= 32767n) {
        body.push(0xf1);
        pushLE(body, v, 2);
      } else if (v >= -8388608n && v <= 8388607n) {
        body.push(0xf2);
        pushLE(body, v, 3);
      } else if (v >= -2147483648n && v <= 2147483647n) {
        body.push(0xf3);
        pushLE(body, v, 4);
      } else {
        body.push(0xf4);
        pushLE(body, v, 8);
      }
    } else {
      const len = s.length;
      if (len < 64) body.push(0x80 | len);
      else if (len < 4096) body.push(0xe0 | (len >> 8), len & 0xff);
      else body.push(0xf0, len & 0xff, (len >>> 8) & 0xff, (len >>> 16) & 0xff, (len >>> 24) & 0xff);
      for (let i = 0; i < len; i++) body.push(s.charCodeAt(i));
    }
    backlen(body, body.length - start);
  }
  const total = 6 + body.length + 1;
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(Math.min(entries.length, 65535), 4);
  Buffer.from(body).copy(out, 6);
  out[total - 1] = 0xff;
  return out;
}

function need(buf: Buffer, pos: number, n: number, end: number): void {
  if (pos + n > end) throw new RdbFormatError('listpack entry out of range');
}

/** The entries of a listpack blob as strings; throws RdbFormatError when malformed (lpValidateIntegrity). */
export function decodeListpack(buf: Buffer): string[] {
  if (buf.length < 7) throw new RdbFormatError('listpack too short');
  const total = buf.readUInt32LE(0);
  if (total !== buf.length) throw new RdbFormatError('listpack size mismatch');
  const declared = buf.readUInt16LE(4);
  const end = total - 1;
  if (buf[end] !== 0xff) throw new RdbFormatError('listpack without terminator');
  const out: string[] = [];
  let p = 6;
  while (p < end) {
    const start = p;
    const b = buf[p] as number;
    if (b < 0x80) {
      out.push(String(b));
      p += 1;
    } else if (b < 0xc0) {
      const len = b & 0x3f;
      need(buf, p + 1, len, end);
      out.push(buf.toString('latin1', p + 1, p + 1 + len));
      p += 1 + len;
    } else if (b < 0xe0) {
      need(buf, p, 2, end);
      let v = ((b & 0x1f) << 8) | (buf[p + 1] as number);
      if (v >= 1 << 12) v -= 1 << 13;
      out.push(String(v));
      p += 2;
    } else if (b < 0xf0) {
      need(buf, p, 2, end);
      const len = ((b & 0x0f) << 8) | (buf[p + 1] as number);
      need(buf, p + 2, len, end);
      out.push(buf.toString('latin1', p + 2, p + 2 + len));
      p += 2 + len;
    } else if (b === 0xf0) {
      need(buf, p, 5, end);
      const len = buf.readUInt32LE(p + 1);
      need(buf, p + 5, len, end);
      out.push(buf.toString('latin1', p + 5, p + 5 + len));
      p += 5 + len;
    } else if (b === 0xf1) {
      need(buf, p, 3, end);
      out.push(String(buf.readInt16LE(p + 1)));
      p += 3;
    } else if (b === 0xf2) {
      need(buf, p, 4, end);
      out.push(String(buf.readIntLE(p + 1, 3)));
      p += 4;
    } else if (b === 0xf3) {
      need(buf, p, 5, end);
      out.push(String(buf.readInt32LE(p + 1)));
      p += 5;
    } else if (b === 0xf4) {
      need(buf, p, 9, end);
      out.push(buf.readBigInt64LE(p + 1).toString());
      p += 9;
    } else {
      throw new RdbFormatError('bad listpack encoding');
    }
    // The backlen must encode this entry's length.
    const expect: number[] = [];
    backlen(expect, p - start);
    need(buf, p, expect.length, end);
    for (let i = 0; i < expect.length; i++) if (buf[p + i] !== expect[i]) throw new RdbFormatError('bad listpack backlen');
    p += expect.length;
  }
  if (p !== end) throw new RdbFormatError('listpack overrun');
  if (declared !== 65535 && declared !== out.length) throw new RdbFormatError('listpack count mismatch');
  return out;
}

/** The entries of a ziplist blob (RDB of Redis before 7.0) as strings. */
export function decodeZiplist(buf: Buffer): string[] {
  if (buf.length < 11) throw new RdbFormatError('ziplist too short');
  const total = buf.readUInt32LE(0);
  if (total !== buf.length) throw new RdbFormatError('ziplist size mismatch');
  const declared = buf.readUInt16LE(8);
  const end = total - 1;
  if (buf[end] !== 0xff) throw new RdbFormatError('ziplist without terminator');
  const out: string[] = [];
  let p = 10;
  while (p < end) {
    // prevlen: one byte, or 0xfe and four bytes.
    p += buf[p] === 0xfe ? 5 : 1;
    need(buf, p, 1, end);
    const b = buf[p] as number;
    const kind = b >> 6;
    if (kind === 0) {
      const len = b & 0x3f;
      need(buf, p + 1, len, end);
      out.push(buf.toString('latin1', p + 1, p + 1 + len));
      p += 1 + len;
    } else if (kind === 1) {
      need(buf, p, 2, end);
      const len = ((b & 0x3f) << 8) | (buf[p + 1] as number);
      need(buf, p + 2, len, end);
      out.push(buf.toString('latin1', p + 2, p + 2 + len));
      p += 2 + len;
    } else if (b === 0x80) {
      need(buf, p, 5, end);
      const len = buf.readUInt32BE(p + 1);
      need(buf, p + 5, len, end);
      out.push(buf.toString('latin1', p + 5, p + 5 + len));
      p += 5 + len;
    } else if (b === 0xc0) {
      need(buf, p, 3, end);
      out.push(String(buf.readInt16LE(p + 1)));
      p += 3;
    } else if (b === 0xd0) {
      need(buf, p, 5, end);
      out.push(String(buf.readInt32LE(p + 1)));
      p += 5;
    } else if (b === 0xe0) {
      need(buf, p, 9, end);
      out.push(buf.readBigInt64LE(p + 1).toString());
      p += 9;
    } else if (b === 0xf0) {
      need(buf, p, 4, end);
      out.push(String(buf.readIntLE(p + 1, 3)));
      p += 4;
    } else if (b === 0xfe) {
      need(buf, p, 2, end);
      out.push(String(buf.readInt8(p + 1)));
      p += 2;
    } else if (b >= 0xf1 && b <= 0xfd) {
      out.push(String((b & 0x0f) - 1));
      p += 1;
    } else {
      throw new RdbFormatError('bad ziplist encoding');
    }
  }
  if (p !== end) throw new RdbFormatError('ziplist overrun');
  if (declared !== 65535 && declared !== out.length) throw new RdbFormatError('ziplist count mismatch');
  return out;
}

/** The field/value pairs of a zipmap blob (RDB of Redis before 2.6), flat. */
function decodeZipmap(buf: Buffer): string[] {
  const out: string[] = [];
  let p = 1;
  const len = (): number => {
    const b = buf[p];
    if (b === undefined) throw new RdbFormatError('zipmap truncated');
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > buf.length) throw new RdbFormatError('zipmap truncated');
      const v = buf.readUInt32LE(p + 1);
      p += 5;
      return v;
    }
    throw new RdbFormatError('zipmap bad length');
  };
  for (;;) {
    if (p >= buf.length) throw new RdbFormatError('zipmap truncated');
    if (buf[p] === 0xff) break;
    const klen = len();
    if (p + klen > buf.length) throw new RdbFormatError('zipmap truncated');
    const field = buf.toString('latin1', p, p + klen);
    p += klen;
    const vlen = len();
    const free = buf[p];
    if (free === undefined) throw new RdbFormatError('zipmap truncated');
    p += 1;
    if (p + vlen + free > buf.length) throw new RdbFormatError('zipmap truncated');
    out.push(field, buf.toString('latin1', p, p + vlen));
    p += vlen + free;
  }
  return out;
}

// ---- RDB (rdb.c rdbSaveObject / rdbLoadObject for OBJ_HASH) -----------------------------

/** Seed of the Dict of a hash loaded by RESTORE (its key is not known to the loader). */
const restoredSeed = 0x4a5e | 1;
/** Limits for a loader called without the keyspace's (Redis's defaults). */
const defaultHashLimits: HashLimits = defaultEncodingLimits;

/**
 * A hash from loaded pairs, with Redis 7.0's load-time encoding choice: a listpack blob stays
 * a listpack unless it has too many entries; loose pairs (RDB_TYPE_HASH, zipmap) also
 * convert for a too-long field or value. Duplicate fields are corrupt data.
 */
function hashFromPairs(flat: string[], limits: HashLimits, checkLengths: boolean): HashValue {
  if (flat.length === 0 || flat.length % 2 !== 0) throw new RdbFormatError('bad hash entry count');
  const n = flat.length >> 1;
  let toDict = n > limits.hashMaxListpackEntries;
  if (!toDict && checkLengths) for (const s of flat) if (s.length > limits.hashMaxListpackValue) toDict = true;
  const d = new Dict<string>(restoredSeed);
  for (let i = 0; i < flat.length; i += 2) {
    if (!d.set(flat[i] as string, flat[i + 1] as string)) throw new RdbFormatError('duplicate hash field');
  }
  return toDict ? new HashValue(restoredSeed, d) : new HashValue(restoredSeed, flat);
}

registerRdbType(
  'hash',
  {
    typeOf: (v: Value) => ((v as HashValue).isListpack ? RdbType.hashListpack : RdbType.hash),
    save: (w: RdbWriter, v: Value) => {
      const h = v as HashValue;
      const lp = h.listpack();
      if (lp !== null) {
        w.string(encodeListpack(lp).toString('latin1'));
        return;
      }
      w.length(h.size);
      h.forEach((f, val) => {
        w.string(f);
        w.string(val);
      });
    },
  },
  {
    [RdbType.hash]: (r: RdbReader, limits: HashLimits = defaultHashLimits) => {
      const n = r.plainLength();
      if (n === 0) throw new RdbFormatError('empty hash');
      const flat: string[] = [];
      for (let i = 0; i < n; i++) flat.push(r.string(), r.string());
      return hashFromPairs(flat, limits, true);
    },
    [RdbType.hashListpack]: (r: RdbReader, limits: HashLimits = defaultHashLimits) =>
      hashFromPairs(decodeListpack(Buffer.from(r.string(), 'latin1')), limits, false),
    [RdbType.hashZiplist]: (r: RdbReader, limits: HashLimits = defaultHashLimits) =>
      hashFromPairs(decodeZiplist(Buffer.from(r.string(), 'latin1')), limits, false),
    [RdbType.hashZipmap]: (r: RdbReader, limits: HashLimits = defaultHashLimits) =>
      hashFromPairs(decodeZipmap(Buffer.from(r.string(), 'latin1')), limits, true),
  },
);
