/**
 * The set value (Redis t_set.c), the appliers of the set effects and the set's RDB encodings
 * (DUMP/RESTORE). Pure data: no clock, no I/O; the keyspace is touched only by the effect
 * appliers, which run the same operations the commands ran, so replaying effects rebuilds
 * the same value, the same encoding and the same iteration order.
 *
 * Two encodings, switched where Redis 7.0 switches them so OBJECT ENCODING agrees:
 * - "intset": a sorted array of integers (a JS number when it is a safe integer, a bigint
 *   beyond, so every int64 is exact and each value has one representation), plus the width
 *   Redis's intset would use (2, 4 or 8 bytes: it grows with the values and never shrinks),
 *   which DUMP writes. Kept while every member is a canonical int64 and there are at most
 *   set-max-intset-entries of them.
 * - "hashtable": a Dict of members, whose cursor is Redis's SCAN cursor for SSCAN and whose
 *   seeded layout makes iteration order and random picks the same on every replica.
 * Redis 7.0 has no listpack sets. A set never converts back, except that the commands that
 * build a new set (SINTERSTORE..., SPOP's large-count case) start from an intset as Redis does.
 */
import type { CollectionValue, Value } from '../values';
import { type EncodingLimits, type Keyspace, defaultEncodingLimits } from '../keyspace';
import { type Effect, registerEffect } from '../effects';
import { Dict, hashKey } from '../dict';
import { RdbFormatError, type RdbReader, RdbType, type RdbWriter, registerRdbType } from '../rdb';
import { parseInt64 } from '../../resp/format';
import { allocSize } from '../memory';
import { dictSlots, sdsAllocBytes } from './hash';

export type SetLimits = Pick<EncodingLimits, 'setMaxIntsetEntries'>;

/** An intset element: a number when it is a safe integer, otherwise a bigint. */
type Int = number | bigint;

/** The seed of a set's Dict: a function of its key, so every replica lays it out alike. */
export function setSeed(key: string, ks: Keyspace): number {
  return hashKey(key, ks.hashSeed ^ 0x5e75) | 1;
}

/** Redis _intsetValueEncoding: bytes per element needed for `v`. */
function widthOf(v: Int): number {
  if (typeof v === 'bigint') return 8;
  if (v >= -32768 && v <= 32767) return 2;
  if (v >= -2147483648 && v <= 2147483647) return 4;
  return 8;
}

/** Position of `v` in the sorted array, or -(insertion point) - 1. */
function search(a: readonly Int[], v: Int): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = a[mid] as Int;
    if (m < v) lo = mid + 1;
    else if (m > v) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

export class SetValue implements CollectionValue {
  /** Intset: sorted integers; hashtable: a Dict of members. */
  private store: Int[] | Dict<true>;
  /** The intset's element width in bytes (unused once hashtable-encoded). */
  private width: number;

  constructor(
    readonly seed: number,
    store: Int[] | Dict<true> = [],
    width = 2,
  ) {
    this.store = store;
    this.width = width;
  }

  /** Redis setTypeCreate: an intset when the first member is an integer, else a hashtable. */
  static forMember(first: string, seed: number): SetValue {
    return parseInt64(first) !== null ? new SetValue(seed) : new SetValue(seed, new Dict<true>(seed));
  }

  get type(): 'set' {
    return 'set';
  }

  get size(): number {
    const s = this.store;
    return Array.isArray(s) ? s.length : s.size;
  }

  get isIntset(): boolean {
    return Array.isArray(this.store);
  }

  encoding(): string {
    return Array.isArray(this.store) ? 'intset' : 'hashtable';
  }

  /**
   * Deep copy with the same encoding (and intset width) and the same Dict layout, so a copy
   * (COPY, a STORE's effect, its replay) iterates and samples exactly as the original.
   */
  clone(): SetValue {
    const s = this.store;
    return Array.isArray(s) ? new SetValue(this.seed, s.slice(), this.width) : new SetValue(this.seed, s.clone());
  }

  canonical(): string[] {
    return this.members().sort();
  }

  has(member: string): boolean {
    const s = this.store;
    if (!Array.isArray(s)) return s.has(member);
    const n = parseInt64(member);
    return n !== null && search(s, n) >= 0;
  }

  /**
   * Redis setTypeAdd: true when the member is new. An intset converts for a non-integer
   * member, and after the insert when it holds more than set-max-intset-entries.
   */
  add(member: string, limits: SetLimits): boolean {
    const s = this.store;
    if (Array.isArray(s)) {
      const n = parseInt64(member);
      if (n !== null) {
        const at = search(s, n);
        if (at >= 0) return false;
        s.splice(-at - 1, 0, n);
        const w = widthOf(n);
        if (w > this.width) this.width = w;
        if (s.length > limits.setMaxIntsetEntries) this.convert();
        return true;
      }
      this.convert();
    }
    return (this.store as Dict<true>).set(member, true);
  }

  /** Remove a member; true when it was there. */
  remove(member: string): boolean {
    const s = this.store;
    if (!Array.isArray(s)) return s.delete(member);
    const n = parseInt64(member);
    if (n === null) return false;
    const at = search(s, n);
    if (at < 0) return false;
    s.splice(at, 1);
    return true;
  }

  /** Redis setTypeConvert to a hashtable: the integers in order into a Dict. */
  convert(): void {
    const s = this.store;
    if (!Array.isArray(s)) return;
    const d = new Dict<true>(this.seed);
    for (const v of s) d.set(String(v), true);
    this.store = d;
  }

  /** Every member in Redis's iteration order for the encoding (ascending for an intset). */
  forEach(fn: (member: string) => void): void {
    const s = this.store;
    if (Array.isArray(s)) {
      for (const v of s) fn(String(v));
      return;
    }
    s.forEach((_v, m) => fn(m));
  }

  members(): string[] {
    const out: string[] = [];
    this.forEach((m) => out.push(m));
    return out;
  }

  /** A uniformly random member: a random intset position, or Redis's dictGetRandomKey. */
  randomMember(random: () => number): string {
    const s = this.store;
    if (Array.isArray(s)) return String(s[Math.floor(random() * s.length)] as Int);
    return (s.randomEntry(random) as [string, true])[0];
  }

  /**
   * MEMORY USAGE of the value as Redis 7.0's objectComputeSize: an intset's allocation
   * exactly; a hashtable's dict, buckets and entries, its members averaged over `samples` of
   * them (0: all).
   */
  memoryUsage(samples: number): number {
    const s = this.store;
    if (Array.isArray(s)) return 16 + allocSize(8 + s.length * this.width);
    let total = 0;
    let seen = 0;
    for (const m of s.keys()) {
      if (samples > 0 && seen >= samples) break;
      total += 24 + sdsAllocBytes(m.length);
      seen++;
    }
    return 16 + 56 + 8 * dictSlots(s.size) + (seen > 0 ? Math.floor((total / seen) * s.size) : 0);
  }

  /** One SSCAN step over the Dict (dictScan): visits one bucket, returns the next cursor. */
  scanStep(cursor: number, visit: (member: string) => void): number {
    const s = this.store;
    if (Array.isArray(s)) throw new Error('scanStep on an intset');
    return s.scan(cursor, visit);
  }

  /** The intset blob as Redis lays it out (encoding, length, values; little-endian). */
  intsetBlob(): Buffer {
    const s = this.store;
    if (!Array.isArray(s)) throw new Error('intsetBlob of a hashtable set');
    const w = this.width;
    const out = Buffer.allocUnsafe(8 + s.length * w);
    out.writeUInt32LE(w, 0);
    out.writeUInt32LE(s.length, 4);
    for (let i = 0; i < s.length; i++) {
      const v = s[i] as Int;
      const at = 8 + i * w;
      if (w === 2) out.writeInt16LE(Number(v), at);
      else if (w === 4) out.writeInt32LE(Number(v), at);
      else out.writeBigInt64LE(BigInt(v), at);
    }
    return out;
  }

  /** A set from an intset blob (RESTORE), keeping its width; throws RdbFormatError when malformed. */
  static fromIntsetBlob(buf: Buffer, seed: number): SetValue {
    if (buf.length < 8) throw new RdbFormatError('intset too short');
    const w = buf.readUInt32LE(0);
    const n = buf.readUInt32LE(4);
    if (w !== 2 && w !== 4 && w !== 8) throw new RdbFormatError('bad intset encoding');
    if (8 + n * w !== buf.length) throw new RdbFormatError('intset size mismatch');
    if (n === 0) throw new RdbFormatError('empty intset');
    const items: Int[] = [];
    for (let i = 0; i < n; i++) {
      const at = 8 + i * w;
      let v: Int;
      if (w === 2) v = buf.readInt16LE(at);
      else if (w === 4) v = buf.readInt32LE(at);
      else {
        const b = buf.readBigInt64LE(at);
        v = b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
      }
      if (i > 0 && !((items[i - 1] as Int) < v)) throw new RdbFormatError('intset not sorted');
      items.push(v);
    }
    return new SetValue(seed, items, w);
  }
}

export function isSet(v: unknown): v is SetValue {
  return v instanceof SetValue;
}

// ---- effect appliers: the reference semantics of the set effects (effects.ts) -----------

registerEffect('sadd', (ks: Keyspace, e: Effect) => {
  if (e.op !== 'sadd') throw new Error(`bad effect ${e.op}`);
  const d = ks.db(e.db);
  let s = d.data.get(e.key);
  if (s === undefined) {
    const first = e.members[0];
    if (first === undefined) return;
    s = SetValue.forMember(first, setSeed(e.key, ks));
    d.data.set(e.key, s);
    d.expires.delete(e.key);
  }
  if (!(s instanceof SetValue)) throw new Error('sadd effect on a non-set key');
  for (const m of e.members) s.add(m, ks.encoding);
});

registerEffect('srem', (ks: Keyspace, e: Effect) => {
  if (e.op !== 'srem') throw new Error(`bad effect ${e.op}`);
  const d = ks.db(e.db);
  const s = d.data.get(e.key);
  if (!(s instanceof SetValue)) throw new Error(`srem effect on ${s === undefined ? 'a missing key' : 'a non-set key'}`);
  for (const m of e.members) s.remove(m);
  if (s.size === 0) {
    d.data.delete(e.key);
    d.expires.delete(e.key);
  }
});

// ---- RDB (rdb.c rdbSaveObject / rdbLoadObject for OBJ_SET) ------------------------------

/** Seed of the Dict of a set loaded by RESTORE (its key is not known to the loader). */
const restoredSeed = 0x5e75 | 1;
/** Limits for a loader called without the keyspace's (Redis's defaults). */
const defaultSetLimits: SetLimits = defaultEncodingLimits;

registerRdbType(
  'set',
  {
    typeOf: (v: Value) => ((v as SetValue).isIntset ? RdbType.setIntset : RdbType.set),
    save: (w: RdbWriter, v: Value) => {
      const s = v as SetValue;
      if (s.isIntset) {
        w.string(s.intsetBlob().toString('latin1'));
        return;
      }
      w.length(s.size);
      s.forEach((m) => w.string(m));
    },
  },
  {
    // Redis 7.0: a hashtable from the start when longer than set-max-intset-entries, else an
    // intset until a non-integer member; a duplicate member is corrupt data.
    [RdbType.set]: (r: RdbReader, limits: SetLimits = defaultSetLimits) => {
      const n = r.plainLength();
      if (n === 0) throw new RdbFormatError('empty set');
      const s = n > limits.setMaxIntsetEntries ? new SetValue(restoredSeed, new Dict<true>(restoredSeed)) : new SetValue(restoredSeed);
      for (let i = 0; i < n; i++) {
        const m = r.string();
        if (s.isIntset && parseInt64(m) === null) s.convert();
        if (!s.add(m, { setMaxIntsetEntries: Number.MAX_SAFE_INTEGER })) throw new RdbFormatError('duplicate set member');
      }
      return s;
    },
    [RdbType.setIntset]: (r: RdbReader, limits: SetLimits = defaultSetLimits) => {
      const s = SetValue.fromIntsetBlob(Buffer.from(r.string(), 'latin1'), restoredSeed);
      if (s.size > limits.setMaxIntsetEntries) s.convert();
      return s;
    },
  },
);
