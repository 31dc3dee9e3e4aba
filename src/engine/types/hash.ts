/**
 * The hash value (Redis t_hash.c), the appliers of the hash effects, the hash's RDB encodings
 * (DUMP/RESTORE) and the step of active hash-field expiry. No clock and no I/O: time comes in
 * as an argument (ctx.nowMs); the keyspace is touched only by the effect appliers, which run
 * the same operations the commands ran (so replaying effects rebuilds the same value, the same
 * encoding and the same iteration order), and by expireHashFields, through the update's Exec.
 *
 * Encodings, switched where Redis switches them so OBJECT ENCODING agrees (7.0 for plain
 * hashes; 7.4 for hashes with field TTLs):
 * - "listpack": one flat array [field, value, field, value...] in insertion order (an update
 *   keeps its place, as lpReplace does) — no Map and no object per field. Lookups are linear,
 *   as in Redis, over at most hash-max-listpack-entries pairs.
 * - "listpackex" (Redis 7.4 OBJ_ENCODING_LISTPACK_EX): the same array plus one TTL per field
 *   (0 for none), once any field-expiry command has touched the hash. Fields are kept in
 *   Redis's listpackEx order: those with a TTL first, by TTL, then the others; a TTL change
 *   re-inserts the field (listpackExUpdateExpiry), so HGETALL returns Redis's order.
 * - "hashtable": a Dict field → value, whose cursor is Redis's SCAN cursor for HSCAN and
 *   whose seeded layout makes iteration order and random picks the same on every replica;
 *   plus, for a hash with field TTLs, a side Map field → expireAt of the fields that have one.
 * Only hashes that met a field-expiry command pay for TTLs (one null slot otherwise).
 * A hash converts when a field or value longer than hash-max-listpack-value is written or
 * the number of fields exceeds hash-max-listpack-entries; it never converts back.
 *
 * Field expiry follows Redis 7.4.5 t_hash.c: a field is logically expired when its TTL is
 * before now (hashTypeGetValue: `expiredAt >= commandTimeSnapshot()` is still valid); active
 * expiry deletes fields whose TTL is at or before now (listpackExExpire / ebExpire).
 */
import type { CollectionValue, Value } from '../values';
import { type Db, type EncodingLimits, type Keyspace, defaultEncodingLimits } from '../keyspace';
import { type Effect, registerEffect } from '../effects';
import type { Exec } from '../exec';
import { Dict, hashKey } from '../dict';
import { RdbFormatError, type RdbReader, RdbType, type RdbWriter, rdbVersion, registerNewerRdbTypes, registerRdbType } from '../rdb';
import { parseInt64 } from '../../resp/format';
import { allocSize } from '../memory';

export type HashLimits = Pick<EncodingLimits, 'hashMaxListpackEntries' | 'hashMaxListpackValue'>;

/** Redis 7.4 EB_EXPIRE_TIME_MAX (ebuckets.h): field TTLs are 48-bit Unix ms. */
export const fieldExpireTimeMax = 2 ** 48 - 1;
/** Redis 7.4 HFE_MAX_ABS_TIME_MSEC (t_hash.c): the largest TTL a command may set, EB_EXPIRE_TIME_MAX >> 2. */
export const fieldExpireCommandMax = Math.floor(fieldExpireTimeMax / 4);

/** The seed of a hash's Dict: a function of its key, so every replica lays it out alike. */
export function hashSeed(key: string, ks: Keyspace): number {
  return hashKey(key, ks.hashSeed ^ 0x4a5e) | 1;
}

export class HashValue implements CollectionValue {
  /** Listpack: [field, value, ...] in listpack order; hashtable: a Dict. */
  private store: string[] | Dict<string>;
  /**
   * Field TTLs, absolute Unix ms; null until a field-expiry command touches the hash. With a
   * listpack store ("listpackex"): one number per field in the store's order, 0 for none.
   * With a Dict: the fields that have a TTL.
   */
  private ttl: number[] | Map<string, number> | null;

  constructor(
    readonly seed: number,
    store: string[] | Dict<string> = [],
    ttl: number[] | Map<string, number> | null = null,
  ) {
    this.store = store;
    this.ttl = ttl;
  }

  get type(): 'hash' {
    return 'hash';
  }

  /** Stored fields, logically expired ones included (Redis hashTypeLength(o, 0), HLEN). */
  get size(): number {
    const s = this.store;
    return Array.isArray(s) ? s.length >> 1 : s.size;
  }

  /** True while listpack-encoded ("listpack" or "listpackex"). */
  get isListpack(): boolean {
    return Array.isArray(this.store);
  }

  /** True for Redis 7.4's "listpackex": a listpack that carries a TTL per field. */
  get isListpackEx(): boolean {
    return Array.isArray(this.ttl);
  }

  encoding(): string {
    if (!Array.isArray(this.store)) return 'hashtable';
    return this.ttl === null ? 'listpack' : 'listpackex';
  }

  /**
   * Deep copy with the same encoding, the same Dict layout and the same TTLs, so a copy
   * (COPY, a STORE's effect, its replay) iterates, samples and expires exactly as the original.
   */
  clone(): HashValue {
    const s = this.store;
    const t = this.ttl;
    return new HashValue(this.seed, Array.isArray(s) ? s.slice() : s.clone(), t === null ? null : Array.isArray(t) ? t.slice() : new Map(t));
  }

  /**
   * Pairs sorted by field; when fields have TTLs, then (field, TTL) for each of them, sorted,
   * and their count last — an odd-length tail no TTL-less hash can produce.
   */
  canonical(): string[] {
    const rows: Array<[string, string, number]> = [];
    this.forEach((f, v, at) => rows.push([f, v, at]));
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out: string[] = [];
    for (const [f, v] of rows) out.push(f, v);
    let withTtl = 0;
    for (const [f, , at] of rows) {
      if (at === 0) continue;
      out.push(f, String(at));
      withTtl++;
    }
    if (withTtl > 0) out.push(String(withTtl));
    return out;
  }

  /** Index of the field in the listpack array, or -1. */
  private lpFind(lp: string[], field: string): number {
    for (let i = 0; i < lp.length; i += 2) if (lp[i] === field) return i;
    return -1;
  }

  /** The stored value, logically expired or not (Redis's lookups inside write paths). */
  get(field: string): string | undefined {
    const s = this.store;
    if (Array.isArray(s)) {
      const i = this.lpFind(s, field);
      return i < 0 ? undefined : s[i + 1];
    }
    return s.get(field);
  }

  /** True when the field is stored, logically expired or not. */
  has(field: string): boolean {
    const s = this.store;
    return Array.isArray(s) ? this.lpFind(s, field) >= 0 : s.has(field);
  }

  /** The value unless missing or logically expired at `nowMs` (Redis hashTypeGetValue). */
  getLive(field: string, nowMs: number): string | undefined {
    const s = this.store;
    const t = this.ttl;
    if (Array.isArray(s)) {
      const i = this.lpFind(s, field);
      if (i < 0) return undefined;
      if (t !== null) {
        const at = (t as number[])[i >> 1] as number;
        if (at !== 0 && at < nowMs) return undefined;
      }
      return s[i + 1];
    }
    const v = s.get(field);
    if (v === undefined || t === null) return v;
    const at = (t as Map<string, number>).get(field);
    return at !== undefined && at < nowMs ? undefined : v;
  }

  /** The field's TTL (absolute Unix ms), 0 when it has none or is not stored. */
  ttlOf(field: string): number {
    const t = this.ttl;
    if (t === null) return 0;
    if (Array.isArray(t)) {
      const i = this.lpFind(this.store as string[], field);
      return i < 0 ? 0 : (t[i >> 1] as number);
    }
    return t.get(field) ?? 0;
  }

  /** True when the stored field has a TTL before `nowMs` (logically gone, not yet deleted). */
  isExpiredField(field: string, nowMs: number): boolean {
    const at = this.ttlOf(field);
    return at !== 0 && at < nowMs;
  }

  /** True when any field has a TTL. */
  hasFieldTtls(): boolean {
    const t = this.ttl;
    if (t === null) return false;
    // A listpackex keeps the fields with a TTL first.
    return Array.isArray(t) ? t.length > 0 && t[0] !== 0 : t.size > 0;
  }

  /** The earliest field TTL, 0 when no field has one (Redis hashTypeGetMinExpire, accurate). */
  minExpire(): number {
    const t = this.ttl;
    if (t === null) return 0;
    if (Array.isArray(t)) return t[0] ?? 0;
    let min = 0;
    for (const at of t.values()) if (min === 0 || at < min) min = at;
    return min;
  }

  /**
   * Redis hashTypeSetExInit: ready the hash for field TTLs. A listpack becomes a listpackex
   * (true is returned: the encoding changed); a hashtable gets its (empty) TTL map.
   */
  enableFieldTtl(): boolean {
    if (this.ttl !== null) return false;
    const s = this.store;
    if (Array.isArray(s)) {
      const t: number[] = [];
      for (let i = 0; i < s.length; i += 2) t.push(0);
      this.ttl = t;
      return true;
    }
    this.ttl = new Map();
    return false;
  }

  /**
   * Set (0: remove) the TTL of a stored field. In a listpackex the field is taken out and put
   * back in TTL order (Redis listpackExUpdateExpiry): before the first field whose TTL is none
   * or not earlier; a field without TTL goes last.
   */
  setTtl(field: string, expireAt: number): void {
    const t = this.ttl;
    if (t === null) throw new Error('setTtl on a hash not ready for field TTLs');
    if (Array.isArray(t)) {
      const i = this.lpFind(this.store as string[], field);
      if (i < 0) throw new Error('setTtl of a missing field');
      this.lpMoveTo(i, expireAt);
      return;
    }
    if (!(this.store as Dict<string>).has(field)) throw new Error('setTtl of a missing field');
    if (expireAt === 0) t.delete(field);
    else t.set(field, expireAt);
  }

  /** Re-insert the listpackex pair at flat index `i` with TTL `at` (listpackExUpdateExpiry). */
  private lpMoveTo(i: number, at: number): void {
    const s = this.store as string[];
    const t = this.ttl as number[];
    const f = s[i] as string;
    const v = s[i + 1] as string;
    s.splice(i, 2);
    t.splice(i >> 1, 1);
    this.lpInsert(f, v, at);
  }

  /** Redis listpackExAddInternal: a new triplet in TTL order (TTL-less ones appended). */
  private lpInsert(field: string, value: string, at: number): void {
    const s = this.store as string[];
    const t = this.ttl as number[];
    if (at !== 0) {
      for (let j = 0; j < t.length; j++) {
        const c = t[j] as number;
        if (c === 0 || c >= at) {
          s.splice(2 * j, 0, field, value);
          t.splice(j, 0, at);
          return;
        }
      }
    }
    s.push(field, value);
    t.push(at);
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
   * Redis hashTypeSet: set one field, true when it is new (a stored field counts as existing
   * even if logically expired, as in Redis 7.4). A listpack converts first when the field or
   * value is too long, and after the insert when it holds too many fields. An existing field
   * loses its TTL (in a listpackex it moves last) unless `keepTtl` (HASH_SET_KEEP_TTL, HINCRBY).
   */
  set(field: string, value: string, limits: HashLimits, keepTtl = false): boolean {
    let s = this.store;
    if (Array.isArray(s)) {
      if (field.length > limits.hashMaxListpackValue || value.length > limits.hashMaxListpackValue) {
        this.convert();
        s = this.store;
      } else {
        const t = this.ttl as number[] | null;
        const i = this.lpFind(s, field);
        if (i >= 0) {
          s[i + 1] = value;
          if (t !== null && !keepTtl && t[i >> 1] !== 0) this.lpMoveTo(i, 0);
          return false;
        }
        s.push(field, value);
        if (t !== null) t.push(0);
        if (s.length >> 1 > limits.hashMaxListpackEntries) this.convert();
        return true;
      }
    }
    const added = (s as Dict<string>).set(field, value);
    if (!added && !keepTtl && this.ttl !== null) (this.ttl as Map<string, number>).delete(field);
    return added;
  }

  /**
   * Drop the spare capacity V8 gives a growing array (half again plus 16 slots), so a
   * listpack costs one slot per field and value. Called after a write that added fields.
   */
  compact(): void {
    const s = this.store;
    if (Array.isArray(s)) {
      this.store = s.slice();
      if (Array.isArray(this.ttl)) this.ttl = this.ttl.slice();
    }
  }

  /** Remove a field (with its TTL); true when it was stored. */
  delete(field: string): boolean {
    const s = this.store;
    const t = this.ttl;
    if (Array.isArray(s)) {
      const i = this.lpFind(s, field);
      if (i < 0) return false;
      s.splice(i, 2);
      if (t !== null) (t as number[]).splice(i >> 1, 1);
      return true;
    }
    if (!s.delete(field)) return false;
    if (t !== null) (t as Map<string, number>).delete(field);
    return true;
  }

  /**
   * Redis hashTypeConvertListpack / hashTypeConvertListpackEx: the same pairs, in listpack
   * order, into a Dict; a listpackex's TTLs into the side map.
   */
  convert(): void {
    const s = this.store;
    if (!Array.isArray(s)) return;
    const d = new Dict<string>(this.seed);
    for (let i = 0; i < s.length; i += 2) d.set(s[i] as string, s[i + 1] as string);
    const t = this.ttl;
    if (Array.isArray(t)) {
      const m = new Map<string, number>();
      for (let i = 0; i < t.length; i++) if (t[i] !== 0) m.set(s[2 * i] as string, t[i] as number);
      this.ttl = m;
    }
    this.store = d;
  }

  /** Every stored (field, value, TTL or 0) in Redis's iteration order for the encoding. */
  forEach(fn: (field: string, value: string, expireAt: number) => void): void {
    const s = this.store;
    const t = this.ttl;
    if (Array.isArray(s)) {
      const lt = t as number[] | null;
      for (let i = 0; i < s.length; i += 2) fn(s[i] as string, s[i + 1] as string, lt === null ? 0 : (lt[i >> 1] as number));
      return;
    }
    if (t === null) s.forEach((v, f) => fn(f, v, 0));
    else s.forEach((v, f) => fn(f, v, (t as Map<string, number>).get(f) ?? 0));
  }

  /** Every field not logically expired at `nowMs`, in iteration order (hashTypeNext skipping expired). */
  forEachLive(nowMs: number, fn: (field: string, value: string) => void): void {
    if (this.ttl === null) {
      this.forEach(fn);
      return;
    }
    this.forEach((f, v, at) => {
      if (at === 0 || at >= nowMs) fn(f, v);
    });
  }

  /**
   * The hash as Redis sees it after hashTypeExpireIfNeeded (HRANDFIELD): this value when no
   * field is logically expired, else a copy without them. Reads never change state, so the
   * expired fields are left for active expiry or a write.
   */
  liveView(nowMs: number): HashValue {
    const min = this.minExpire();
    if (min === 0 || min >= nowMs) return this;
    const c = this.clone();
    this.forEach((f, _v, at) => {
      if (at !== 0 && at < nowMs) c.delete(f);
    });
    return c;
  }

  /**
   * Fields whose TTL is at or before `nowMs`, earliest first (ties by name), at most `max`:
   * what Redis's active expiry (listpackExExpire, ebExpire) deletes.
   */
  dueFields(nowMs: number, max: number): string[] {
    const t = this.ttl;
    const out: string[] = [];
    if (t === null || max <= 0) return out;
    if (Array.isArray(t)) {
      const s = this.store as string[];
      for (let j = 0; j < t.length && out.length < max; j++) {
        const at = t[j] as number;
        if (at === 0 || at > nowMs) break;
        out.push(s[2 * j] as string);
      }
      return out;
    }
    const due: Array<[string, number]> = [];
    for (const [f, at] of t) if (at <= nowMs) due.push([f, at]);
    due.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let i = 0; i < due.length && i < max; i++) out.push((due[i] as [string, number])[0]);
    return out;
  }

  /** The listpack's flat pairs (read only); null when hashtable-encoded. */
  listpack(): readonly string[] | null {
    const s = this.store;
    return Array.isArray(s) ? s : null;
  }

  /** A listpackex's TTLs, one per pair of listpack() (read only); null otherwise. */
  listpackTtls(): readonly number[] | null {
    const t = this.ttl;
    return Array.isArray(t) ? t : null;
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
   * MEMORY USAGE of the value as Redis's objectComputeSize: a listpack's allocation exactly
   * (a listpackex's triplets plus its listpackEx header); a hashtable's dict, buckets and
   * entries, its fields and values averaged over `samples` of them (0: all). Field TTLs in a
   * hashtable are estimated (an ExpireMeta per field that has one, the dict's HFE metadata).
   */
  memoryUsage(samples: number): number {
    const s = this.store;
    const t = this.ttl;
    if (Array.isArray(s)) {
      if (!Array.isArray(t)) return robjBytes + allocSize(encodeListpack(s).length);
      return robjBytes + allocSize(listpackExBytes) + allocSize(encodeListpack(listpackExEntries(s, t)).length);
    }
    let total = 0;
    let seen = 0;
    for (const [f, v] of s.entries()) {
      if (samples > 0 && seen >= samples) break;
      total += sdsAllocBytes(f.length) + sdsAllocBytes(v.length) + dictEntryBytes;
      seen++;
    }
    const hfe = t === null ? 0 : dictExpireMetadataBytes + expireMetaBytes * (t as Map<string, number>).size;
    return robjBytes + dictBytes + hfe + pointerBytes * dictSlots(s.size) + (seen > 0 ? Math.floor((total / seen) * s.size) : 0);
  }

  /** One HSCAN step over the Dict (dictScan): visits one bucket, returns the next cursor. */
  scanStep(cursor: number, visit: (field: string, value: string) => void): number {
    const s = this.store;
    if (Array.isArray(s)) throw new Error('scanStep on a listpack hash');
    return s.scan(cursor, visit);
  }

  /**
   * RESTORE of a field-TTL hash (rdbLoadObject RDB_TYPE_HASH_METADATA): add one loaded field.
   * A listpackex inserts it in TTL order (listpackExAddNew) and converts when the field or
   * value is too long; false for a duplicate field (corrupt payload).
   */
  loadField(field: string, value: string, expireAt: number, limits: HashLimits, seen: Set<string>): boolean {
    if (Array.isArray(this.store) && (field.length > limits.hashMaxListpackValue || value.length > limits.hashMaxListpackValue)) this.convert();
    const s = this.store;
    if (Array.isArray(s)) {
      if (seen.has(field)) return false;
      seen.add(field);
      this.lpInsert(field, value, expireAt);
      return true;
    }
    if (!s.set(field, value)) return false;
    if (expireAt !== 0) (this.ttl as Map<string, number>).set(field, expireAt);
    return true;
  }
}

/** sizeof(robj), sizeof(dict), sizeof(dictEntry), a pointer, on 64-bit Redis 7.0. */
const robjBytes = 16;
const dictBytes = 56;
const dictEntryBytes = 24;
const pointerBytes = 8;
/** Redis 7.4: sizeof(listpackEx) (ExpireMeta, key, lp), sizeof(dictExpireMetadata), sizeof(ExpireMeta). */
const listpackExBytes = 32;
const dictExpireMetadataBytes = 32;
const expireMetaBytes = 16;

/** A listpackex as Redis lays it out: [field, value, TTL-or-0, ...]. */
function listpackExEntries(pairs: readonly string[], ttls: readonly number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < pairs.length; i += 2) out.push(pairs[i] as string, pairs[i + 1] as string, String(ttls[i >> 1]));
  return out;
}

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
  const keepTtl = e.keepTtl === true;
  let added = false;
  for (let i = 0; i + 1 < e.fields.length; i += 2) if (h.set(e.fields[i] as string, e.fields[i + 1] as string, ks.encoding, keepTtl)) added = true;
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

registerEffect('hexpire', (ks: Keyspace, e: Effect) => {
  if (e.op !== 'hexpire') throw new Error(`bad effect ${e.op}`);
  const h = ks.db(e.db).data.get(e.key);
  if (!(h instanceof HashValue)) throw new Error(`hexpire effect on ${h === undefined ? 'a missing key' : 'a non-hash key'}`);
  h.enableFieldTtl();
  for (const f of e.fields) h.setTtl(f, e.expireAt ?? 0);
});

// ---- active expiry of hash fields (Redis 7.4 hashTypeDbActiveExpire) --------------------

/**
 * Delete the due fields of the hashes `keys` in the Exec's database, at most `fieldsMax` in
 * all, earliest first: per hash one `hdel` effect, an "hexpired" event and, when the hash is
 * left empty, its deletion and a "del" event (Redis hashTypeExpire). Returns the number of
 * fields deleted. Keys that are missing, expired themselves or not hashes are skipped.
 */
export function expireHashFields(x: Exec, keys: readonly string[], fieldsMax: number): number {
  let left = fieldsMax;
  for (const key of keys) {
    if (left <= 0) break;
    const h = x.db.data.get(key);
    if (!(h instanceof HashValue) || x.isExpired(key)) continue;
    const due = h.dueFields(x.nowMs, left);
    if (due.length === 0) continue;
    for (const f of due) h.delete(f);
    x.effects.push({ op: 'hdel', db: x.dbIndex, key, fields: due });
    x.notify('hexpired', key, 'h');
    if (h.size === 0) {
      x.db.data.delete(key);
      x.db.expires.delete(key);
      x.notify('del', key, 'g');
    }
    left -= due.length;
  }
  return fieldsMax - left;
}

/**
 * The node's index of hashes that have field TTLs (Redis 7.4's db->hexpires), which active
 * expiry samples. Node-local, never replicated: it only proposes candidates; the engine
 * decides with ctx.nowMs. Kept from the effects of every update (a field TTL set, a hash put
 * by COPY/RESTORE, renamed or moved); entries that no longer hold such a hash are dropped
 * when sampled. Keyed by the Db object, so SWAPDB carries it along.
 */
export class HashFieldExpiryIndex {
  private readonly byDb = new WeakMap<Db, Set<string>>();
  private readonly cursors = new WeakMap<Db, Iterator<string>>();

  /** Note the keys an update's effects may have given a hash with field TTLs. */
  observe(ks: Keyspace, effects: readonly Effect[]): void {
    for (const e of effects) {
      let db: number;
      let key: string;
      if (e.op === 'hexpire' || e.op === 'put') {
        db = e.db;
        key = e.key;
      } else if (e.op === 'rename') {
        db = e.db;
        key = e.to;
      } else if (e.op === 'move') {
        db = e.toDb;
        key = e.key;
      } else continue;
      const d = ks.db(db);
      const v = d.data.get(key);
      if (v instanceof HashValue && v.hasFieldTtls()) this.add(d, key);
    }
  }

  add(d: Db, key: string): void {
    let set = this.byDb.get(d);
    if (set === undefined) {
      set = new Set();
      this.byDb.set(d, set);
    }
    set.add(key);
  }

  /** Keys indexed for `d` (for tests and INFO-like introspection). */
  size(d: Db): number {
    return this.byDb.get(d)?.size ?? 0;
  }

  /**
   * Up to `max` indexed keys of `d` visited from where the last call stopped: those whose
   * hash has a field due by `nowMs`. Stale entries are dropped on the way.
   */
  due(d: Db, nowMs: number, max: number): string[] {
    const set = this.byDb.get(d);
    if (set === undefined || set.size === 0) return [];
    let it = this.cursors.get(d) ?? set.values();
    const out: string[] = [];
    const visits = Math.min(max, set.size);
    for (let n = 0; n < visits; n++) {
      let next = it.next();
      if (next.done === true) {
        it = set.values();
        next = it.next();
        if (next.done === true) break;
      }
      const key = next.value;
      const v = d.data.get(key);
      if (!(v instanceof HashValue) || !v.hasFieldTtls()) {
        set.delete(key);
        continue;
      }
      if (v.minExpire() <= nowMs && !out.includes(key)) out.push(key);
    }
    this.cursors.set(d, it);
    return out;
  }
}

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
/** Redis 7.4 writes RDB version 12, the first that has field-TTL hashes. */
const rdbVersionFieldTtl = 12;

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

/** A field TTL read from a payload: an integer in [0, EB_EXPIRE_TIME_MAX]. */
function loadedTtl(s: string): number {
  const v = parseInt64(s);
  if (v === null || typeof v !== 'number' || v < 0 || v > fieldExpireTimeMax) throw new RdbFormatError('invalid field TTL');
  return v;
}

/**
 * RDB_TYPE_HASH_LISTPACK_EX's blob (Redis 7.4): [field, value, TTL-or-0] triplets, TTL'd ones
 * first in TTL order (lpValidateIntegrityAndDups with tuple_len 3). Too many fields convert.
 */
function hashFromTriplets(flat: string[], limits: HashLimits): HashValue {
  if (flat.length === 0 || flat.length % 3 !== 0) throw new RdbFormatError('bad listpackex entry count');
  const pairs: string[] = [];
  const ttls: number[] = [];
  const seen = new Set<string>();
  let last = -1;
  for (let i = 0; i < flat.length; i += 3) {
    const f = flat[i] as string;
    if (seen.has(f)) throw new RdbFormatError('duplicate hash field');
    seen.add(f);
    const at = loadedTtl(flat[i + 2] as string);
    if (at !== 0 && (last === 0 || at < last)) throw new RdbFormatError('listpackex TTLs out of order');
    last = at;
    pairs.push(f, flat[i + 1] as string);
    ttls.push(at);
  }
  const h = new HashValue(restoredSeed, pairs, ttls);
  if (pairs.length >> 1 > limits.hashMaxListpackEntries) h.convert();
  return h;
}

/** An 8-byte little-endian Unix ms (rdbSaveMillisecondTime). */
function millisecondTime(ms: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64LE(BigInt(ms), 0);
  return b;
}

function hashRdbType(h: HashValue): number {
  if (h.isListpack) return h.isListpackEx ? RdbType.hashListpackEx : RdbType.hashListpack;
  return h.hasFieldTtls() ? RdbType.hashMetadata : RdbType.hash;
}

registerNewerRdbTypes(rdbVersionFieldTtl, [RdbType.hashMetadata, RdbType.hashListpackEx]);

registerRdbType(
  'hash',
  {
    typeOf: (v: Value) => hashRdbType(v as HashValue),
    // A hash with field TTLs is written as Redis 7.4 writes it (RDB 12), which a Redis
    // before 7.4 refuses, as it cannot hold field TTLs; every other hash as Redis 7.0.
    rdbVersion: (v: Value) => (hashRdbType(v as HashValue) >= RdbType.hashMetadata ? rdbVersionFieldTtl : rdbVersion),
    save: (w: RdbWriter, v: Value) => {
      const h = v as HashValue;
      const lp = h.listpack();
      if (lp !== null) {
        const ttls = h.listpackTtls();
        if (ttls === null) {
          w.string(encodeListpack(lp).toString('latin1'));
          return;
        }
        // RDB_TYPE_HASH_LISTPACK_EX: the next field TTL (0 for none), then the triplets.
        w.bytes(millisecondTime(h.minExpire()));
        w.string(encodeListpack(listpackExEntries(lp, ttls)).toString('latin1'));
        return;
      }
      const min = h.minExpire();
      if (min === 0) {
        w.length(h.size);
        h.forEach((f, val) => {
          w.string(f);
          w.string(val);
        });
        return;
      }
      // RDB_TYPE_HASH_METADATA: the next field TTL, then [TTL relative to it + 1, or 0][field][value].
      w.bytes(millisecondTime(min));
      w.length(h.size);
      h.forEach((f, val, at) => {
        w.length(at === 0 ? 0 : at - min + 1);
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
    // Redis 7.4 rdbLoadObject: the stored next TTL is kept for future use and not needed here.
    [RdbType.hashListpackEx]: (r: RdbReader, limits: HashLimits = defaultHashLimits) => {
      r.take(8);
      return hashFromTriplets(decodeListpack(Buffer.from(r.string(), 'latin1')), limits);
    },
    // Redis 7.4 rdbLoadObject RDB_TYPE_HASH_METADATA: up to hash-max-listpack-entries fields
    // load into a listpackex (in TTL order), more into a hashtable; TTLs are relative to the
    // stored minimum.
    [RdbType.hashMetadata]: (r: RdbReader, limits: HashLimits = defaultHashLimits) => {
      const min = r.take(8).readBigUInt64LE(0);
      const n = r.plainLength();
      if (n === 0) throw new RdbFormatError('empty hash');
      const h = new HashValue(restoredSeed, [], []);
      if (n > limits.hashMaxListpackEntries) h.convert();
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const rel = BigInt(r.plainLength());
        const at = rel === 0n ? 0n : rel + min - 1n;
        if (at > BigInt(fieldExpireTimeMax)) throw new RdbFormatError('invalid field TTL');
        const f = r.string();
        const val = r.string();
        if (!h.loadField(f, val, Number(at), limits, seen)) throw new RdbFormatError('duplicate hash field');
      }
      return h;
    },
  },
);
