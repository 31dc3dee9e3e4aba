/**
 * The hash value (Redis t_hash.c), the appliers of the hash effects, the hash's RDB encodings
 * (DUMP/RESTORE) and the step of active hash-field expiry. No clock and no I/O: time comes in
 * as an argument (ctx.nowMs); the keyspace is touched only by the effect appliers, which run
 * the same operations the commands ran (so replaying effects rebuilds the same value, the same
 * encoding and the same iteration order), and by expireHashFields, through the update's Exec.
 *
 * Encodings, switched where Redis switches them so OBJECT ENCODING agrees (7.0 for plain
 * hashes; 7.4 for hashes with field TTLs):
 * - "listpack": one packed string, as Redis keeps one contiguous listpack: per field, in
 *   insertion order (an update keeps its place, as lpReplace does), varint(field length)
 *   field varint(value length) value. A varint takes 7 bits per char, low first, the high
 *   bit set when more follow, so a length under 128 is one char; fields and values are
 *   binary strings (values.ts), copied in as they are. No JS string, array or Map per field:
 *   a 10-field hash of short values costs one string of ~130 bytes instead of ~700 bytes of
 *   21 objects. Lookups scan linearly, as in Redis, over at most hash-max-listpack-entries
 *   entries; a write builds a new string (Redis's memmove), its cost bounded by the same
 *   limits, and a multi-field HSET appends its new fields in one copy.
 * - "listpackex" (Redis 7.4 OBJ_ENCODING_LISTPACK_EX): the same string with varint(TTL or
 *   0) after each value, once any field-expiry command has touched the hash. Fields are
 *   kept in Redis's listpackEx order: those with a TTL first, by TTL, then the others; a TTL
 *   change re-inserts the field (listpackExUpdateExpiry), so HGETALL returns Redis's order.
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

// ---- the packed listpack (see the module comment) -----------------------------------------

/**
 * What readEntry read, as offsets into the packed string: module state rather than an object
 * per entry, so a lookup allocates nothing. Copy what is needed before reading another entry.
 */
let entryField = 0;
let entryFieldLen = 0;
/** Where the value's length prefix starts (a value is replaced from here). */
let entryValueHead = 0;
let entryValue = 0;
let entryValueLen = 0;
/** The entry's TTL in a listpackex, 0 for none (always 0 in a plain listpack). */
let entryTtl = 0;
/** The offset just past the entry: the next entry's. */
let entryEnd = 0;
/** The offset just past the varint varintAt read. */
let varintEnd = 0;

/** The varint at `p`: 7 bits per char, low first, a set high bit saying more follow. */
function varintAt(s: string, p: number): number {
  let c = s.charCodeAt(p);
  if (c < 0x80) {
    varintEnd = p + 1;
    return c;
  }
  let n = c & 0x7f;
  let scale = 0x80;
  for (;;) {
    c = s.charCodeAt(++p);
    n += (c & 0x7f) * scale;
    // Written as a negation so a read past the end (NaN) stops too.
    if (!(c >= 0x80)) break;
    scale *= 0x80;
  }
  varintEnd = p + 1;
  return n;
}

/** The varint of a length or a TTL (up to 2^48, so arithmetic, not 32-bit shifts). */
function varint(n: number): string {
  if (n < 0x80) return String.fromCharCode(n);
  let out = '';
  while (n >= 0x80) {
    out += String.fromCharCode((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  return out + String.fromCharCode(n);
}

/** Read the entry at offset `p` of a packed listpack (`ex`: a listpackex) into the entry* variables. */
function readEntry(s: string, p: number, ex: boolean): void {
  entryFieldLen = varintAt(s, p);
  entryField = varintEnd;
  entryValueHead = entryField + entryFieldLen;
  entryValueLen = varintAt(s, entryValueHead);
  entryValue = varintEnd;
  entryEnd = entryValue + entryValueLen;
  if (ex) {
    entryTtl = varintAt(s, entryEnd);
    entryEnd = varintEnd;
  } else entryTtl = 0;
}

/** The offset of `field`'s entry (read into entry*), or -1: Redis's linear lpFind. */
function findEntry(s: string, ex: boolean, field: string): number {
  const len = field.length;
  // The last char first: a cheap test that rejects most fields of the same length
  // (field1, field2...) before the full comparison.
  const last = len === 0 ? 0 : field.charCodeAt(len - 1);
  for (let p = 0; p < s.length; p = entryEnd) {
    readEntry(s, p, ex);
    if (entryFieldLen === len && (len === 0 || (s.charCodeAt(entryField + len - 1) === last && s.startsWith(field, entryField)))) return p;
  }
  return -1;
}

function countEntries(s: string, ex: boolean): number {
  let n = 0;
  for (let p = 0; p < s.length; p = entryEnd) {
    readEntry(s, p, ex);
    n++;
  }
  return n;
}

/** Append one entry's parts to `parts` (a listpackex entry carries `at`). */
function pushEntry(parts: string[], field: string, value: string, ex: boolean, at: number): void {
  parts.push(varint(field.length), field, varint(value.length), value);
  if (ex) parts.push(varint(at));
}

/*
 * Every packed string is built by Array.prototype.join over at least two non-empty parts,
 * which V8 always copies into one flat string. Concatenation would make a rope, and a
 * substring of 13 chars or more is a view that keeps its whole parent alive: either would
 * let an old version of the hash linger behind the new one.
 */

/** `x` as a flat string of its own (see above; one char is never a view). */
function own(x: string): string {
  return x.length < 2 ? x : [x.slice(0, 1), x.slice(1)].join('');
}

/** `s` without its chars [from, to). */
function cut(s: string, from: number, to: number): string {
  if (from === 0) return own(s.slice(to));
  if (to === s.length) return own(s.slice(0, from));
  return [s.slice(0, from), s.slice(to)].join('');
}

/** The packed listpack of the pairs `flat` ([field, value, ...]), with one TTL per pair for a listpackex. */
function packListpack(flat: readonly string[], ttls: readonly number[] | null): string {
  const parts: string[] = [];
  for (let i = 0; i < flat.length; i += 2) pushEntry(parts, flat[i] as string, flat[i + 1] as string, ttls !== null, ttls === null ? 0 : (ttls[i >> 1] as number));
  return parts.join('');
}

/**
 * The listpackex `s` with the entry [from, to) taken out (from = to = s.length: none) and
 * (field, value, at) put in TTL order (Redis listpackExAddInternal): before the first other
 * entry whose TTL is none or not earlier; without a TTL, last.
 */
function placeByTtl(s: string, from: number, to: number, field: string, value: string, at: number): string {
  let q = s.length;
  if (at !== 0) {
    for (let p = 0; p < s.length; p = entryEnd) {
      readEntry(s, p, true);
      if (p !== from && (entryTtl === 0 || entryTtl >= at)) {
        q = p;
        break;
      }
    }
  }
  const parts: string[] = q <= from ? [s.slice(0, q)] : [s.slice(0, from), s.slice(to, q)];
  pushEntry(parts, field, value, true, at);
  if (q <= from) parts.push(s.slice(q, from), s.slice(to));
  else parts.push(s.slice(q));
  return parts.join('');
}

export class HashValue implements CollectionValue {
  /** Listpack: the packed entries (see the module comment); hashtable: a Dict. */
  private store: string | Dict<string>;
  /**
   * Field TTLs, absolute Unix ms; null until a field-expiry command touches the hash. With a
   * packed store, true ("listpackex"): every entry carries its TTL, 0 for none. With a Dict:
   * the fields that have a TTL.
   */
  private ttl: true | Map<string, number> | null;

  constructor(
    readonly seed: number,
    store: string | Dict<string> = '',
    ttl: true | Map<string, number> | null = null,
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
    return typeof s === 'string' ? countEntries(s, this.ttl === true) : s.size;
  }

  /** True while listpack-encoded ("listpack" or "listpackex"). */
  get isListpack(): boolean {
    return typeof this.store === 'string';
  }

  /** True for Redis 7.4's "listpackex": a listpack that carries a TTL per field. */
  get isListpackEx(): boolean {
    return this.ttl === true;
  }

  encoding(): string {
    if (typeof this.store !== 'string') return 'hashtable';
    return this.ttl === null ? 'listpack' : 'listpackex';
  }

  /**
   * Deep copy with the same encoding, the same Dict layout and the same TTLs, so a copy
   * (COPY, a STORE's effect, its replay) iterates, samples and expires exactly as the original.
   * A packed store is an immutable string: the copy shares it.
   */
  clone(): HashValue {
    const s = this.store;
    const t = this.ttl;
    return new HashValue(this.seed, typeof s === 'string' ? s : s.clone(), t instanceof Map ? new Map(t) : t);
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

  /** The stored value, logically expired or not (Redis's lookups inside write paths). */
  get(field: string): string | undefined {
    const s = this.store;
    if (typeof s === 'string') return findEntry(s, this.ttl === true, field) < 0 ? undefined : s.slice(entryValue, entryValue + entryValueLen);
    return s.get(field);
  }

  /** True when the field is stored, logically expired or not. */
  has(field: string): boolean {
    const s = this.store;
    return typeof s === 'string' ? findEntry(s, this.ttl === true, field) >= 0 : s.has(field);
  }

  /** The value unless missing or logically expired at `nowMs` (Redis hashTypeGetValue). */
  getLive(field: string, nowMs: number): string | undefined {
    const s = this.store;
    const t = this.ttl;
    if (typeof s === 'string') {
      if (findEntry(s, t === true, field) < 0) return undefined;
      if (entryTtl !== 0 && entryTtl < nowMs) return undefined;
      return s.slice(entryValue, entryValue + entryValueLen);
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
    if (t === true) return findEntry(this.store as string, true, field) < 0 ? 0 : entryTtl;
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
    return t === true ? this.minExpire() !== 0 : t.size > 0;
  }

  /** The earliest field TTL, 0 when no field has one (Redis hashTypeGetMinExpire, accurate). */
  minExpire(): number {
    const t = this.ttl;
    if (t === null) return 0;
    if (t === true) {
      const s = this.store as string;
      if (s.length === 0) return 0;
      readEntry(s, 0, true);
      return entryTtl;
    }
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
    if (typeof s === 'string') {
      const parts: string[] = [];
      const none = varint(0);
      for (let p = 0; p < s.length; p = entryEnd) {
        readEntry(s, p, false);
        parts.push(s.slice(p, entryEnd), none);
      }
      this.store = parts.join('');
      this.ttl = true;
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
    if (t === true) {
      const s = this.store as string;
      const at = findEntry(s, true, field);
      if (at < 0) throw new Error('setTtl of a missing field');
      this.store = placeByTtl(s, at, entryEnd, field, s.slice(entryValue, entryValue + entryValueLen), expireAt);
      return;
    }
    if (!(this.store as Dict<string>).has(field)) throw new Error('setTtl of a missing field');
    if (expireAt === 0) t.delete(field);
    else t.set(field, expireAt);
  }

  /**
   * Redis hashTypeTryConversion: before a write of `args[start..end]` (fields and values),
   * convert when any of them is longer than hash-max-listpack-value.
   */
  tryConversion(args: readonly string[], start: number, end: number, limits: HashLimits): void {
    if (typeof this.store !== 'string') return;
    for (let i = start; i <= end; i++) {
      if ((args[i] as string).length > limits.hashMaxListpackValue) {
        this.convert();
        return;
      }
    }
  }

  /** Redis hashTypeSet of one field (setFields): true when it is new. */
  set(field: string, value: string, limits: HashLimits, keepTtl = false): boolean {
    return this.setFields([field, value], 0, limits, keepTtl) > 0;
  }

  /**
   * Redis hashTypeSet of each pair args[from], args[from + 1], ... in turn: how many fields
   * are new (a stored field counts as existing even if logically expired, as in Redis 7.4).
   * A listpack converts before a pair whose field or value is too long, and after the insert
   * that gives it too many fields; later pairs go to the hashtable. An existing field loses
   * its TTL (in a listpackex it moves last) unless `keepTtl` (HASH_SET_KEEP_TTL, HINCRBY).
   */
  setFields(args: readonly string[], from: number, limits: HashLimits, keepTtl = false): number {
    let created = 0;
    let i = from;
    const packed = this.store;
    if (typeof packed === 'string') {
      const ex = this.ttl === true;
      let s = packed;
      let fields = countEntries(s, ex);
      // New fields, and updated ones that lose their TTL (they move last), wait here in
      // order — [field, value, ...], none with a TTL — so that a batch appends them in one copy.
      const tail: string[] = [];
      let convert = false;
      for (; i + 1 < args.length; i += 2) {
        const f = args[i] as string;
        const v = args[i + 1] as string;
        if (f.length > limits.hashMaxListpackValue || v.length > limits.hashMaxListpackValue) {
          convert = true;
          break;
        }
        const at = findEntry(s, ex, f);
        if (at >= 0) {
          if (ex && !keepTtl && entryTtl !== 0) {
            s = cut(s, at, entryEnd);
            tail.push(f, v);
          } else s = [s.slice(0, entryValueHead), varint(v.length), v, s.slice(entryValue + entryValueLen)].join('');
          continue;
        }
        let j = 0;
        while (j < tail.length && tail[j] !== f) j += 2;
        if (j < tail.length) {
          tail[j + 1] = v;
          continue;
        }
        tail.push(f, v);
        created++;
        if (++fields > limits.hashMaxListpackEntries) {
          i += 2;
          convert = true;
          break;
        }
      }
      if (tail.length > 0) {
        const parts = [s];
        for (let j = 0; j < tail.length; j += 2) pushEntry(parts, tail[j] as string, tail[j + 1] as string, ex, 0);
        s = parts.join('');
      }
      this.store = s;
      if (!convert) return created;
      this.convert();
    }
    const d = this.store as Dict<string>;
    const t = this.ttl as Map<string, number> | null;
    for (; i + 1 < args.length; i += 2) {
      const f = args[i] as string;
      if (d.set(f, args[i + 1] as string)) created++;
      else if (!keepTtl && t !== null) t.delete(f);
    }
    return created;
  }

  /** Remove a field (with its TTL); true when it was stored. */
  delete(field: string): boolean {
    const s = this.store;
    const t = this.ttl;
    if (typeof s === 'string') {
      const at = findEntry(s, t === true, field);
      if (at < 0) return false;
      this.store = cut(s, at, entryEnd);
      return true;
    }
    if (!s.delete(field)) return false;
    if (t !== null) (t as Map<string, number>).delete(field);
    return true;
  }

  /**
   * Redis hashTypeConvertListpack / hashTypeConvertListpackEx: the same pairs, in listpack
   * order, into a Dict; a listpackex's TTLs into the side map. Fields and values are copied
   * out (own): a view into the packed string would keep all of it alive.
   */
  convert(): void {
    const s = this.store;
    if (typeof s !== 'string') return;
    const ex = this.ttl === true;
    const d = new Dict<string>(this.seed);
    const m = ex ? new Map<string, number>() : null;
    for (let p = 0; p < s.length; p = entryEnd) {
      readEntry(s, p, ex);
      const f = own(s.slice(entryField, entryField + entryFieldLen));
      d.set(f, own(s.slice(entryValue, entryValue + entryValueLen)));
      if (m !== null && entryTtl !== 0) m.set(f, entryTtl);
    }
    if (m !== null) this.ttl = m;
    this.store = d;
  }

  /** Every stored (field, value, TTL or 0) in Redis's iteration order for the encoding. */
  forEach(fn: (field: string, value: string, expireAt: number) => void): void {
    const s = this.store;
    const t = this.ttl;
    if (typeof s === 'string') {
      const ex = t === true;
      for (let p = 0; p < s.length; ) {
        readEntry(s, p, ex);
        const f = s.slice(entryField, entryField + entryFieldLen);
        const v = s.slice(entryValue, entryValue + entryValueLen);
        const at = entryTtl;
        // fn may read other hashes, which moves entry*.
        p = entryEnd;
        fn(f, v, at);
      }
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
    if (t === true) {
      const s = this.store as string;
      for (let p = 0; p < s.length && out.length < max; p = entryEnd) {
        readEntry(s, p, true);
        if (entryTtl === 0 || entryTtl > nowMs) break;
        out.push(s.slice(entryField, entryField + entryFieldLen));
      }
      return out;
    }
    const due: Array<[string, number]> = [];
    for (const [f, at] of t) if (at <= nowMs) due.push([f, at]);
    due.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let i = 0; i < due.length && i < max; i++) out.push((due[i] as [string, number])[0]);
    return out;
  }

  /**
   * The entries of the hash's Redis listpack, in a fresh array: [field, value, ...], or for a
   * listpackex [field, value, TTL-or-0, ...] as Redis 7.4 lays it out; null when
   * hashtable-encoded. What DUMP writes and MEMORY USAGE measures.
   */
  listpackEntries(): string[] | null {
    if (typeof this.store !== 'string') return null;
    const out: string[] = [];
    if (this.ttl === true) this.forEach((f, v, at) => out.push(f, v, String(at)));
    else this.forEach((f, v) => out.push(f, v));
    return out;
  }

  /**
   * A uniformly random (field, value): a random listpack position, or Redis's
   * dictGetRandomKey over the Dict. `random` is the update's seeded generator.
   */
  randomPair(random: () => number): [string, string] {
    const s = this.store;
    if (typeof s === 'string') {
      if (s.length === 0) throw new Error('randomPair of an empty hash');
      const ex = this.ttl === true;
      let skip = Math.floor(random() * countEntries(s, ex));
      let p = 0;
      for (;;) {
        readEntry(s, p, ex);
        if (skip-- === 0) break;
        p = entryEnd;
      }
      return [s.slice(entryField, entryField + entryFieldLen), s.slice(entryValue, entryValue + entryValueLen)];
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
    const lp = this.listpackEntries();
    if (lp !== null) return robjBytes + (t === true ? allocSize(listpackExBytes) : 0) + allocSize(encodeListpack(lp).length);
    const d = s as Dict<string>;
    let total = 0;
    let seen = 0;
    for (const [f, v] of d.entries()) {
      if (samples > 0 && seen >= samples) break;
      total += sdsAllocBytes(f.length) + sdsAllocBytes(v.length) + dictEntryBytes;
      seen++;
    }
    const hfe = t === null ? 0 : dictExpireMetadataBytes + expireMetaBytes * (t as Map<string, number>).size;
    return robjBytes + dictBytes + hfe + pointerBytes * dictSlots(d.size) + (seen > 0 ? Math.floor((total / seen) * d.size) : 0);
  }

  /** One HSCAN step over the Dict (dictScan): visits one bucket, returns the next cursor. */
  scanStep(cursor: number, visit: (field: string, value: string) => void): number {
    const s = this.store;
    if (typeof s === 'string') throw new Error('scanStep on a listpack hash');
    return s.scan(cursor, visit);
  }

  /**
   * RESTORE of a field-TTL hash (rdbLoadObject RDB_TYPE_HASH_METADATA) into a listpackex or
   * a hashtable: add one loaded field. A listpackex inserts it in TTL order
   * (listpackExAddNew) and converts when the field or value is too long; false for a
   * duplicate field (corrupt payload).
   */
  loadField(field: string, value: string, expireAt: number, limits: HashLimits, seen: Set<string>): boolean {
    if (typeof this.store === 'string' && (field.length > limits.hashMaxListpackValue || value.length > limits.hashMaxListpackValue)) this.convert();
    const s = this.store;
    if (typeof s === 'string') {
      if (seen.has(field)) return false;
      seen.add(field);
      this.store = placeByTtl(s, s.length, s.length, field, value, expireAt);
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
  h.setFields(e.fields, 0, ks.encoding, e.keepTtl === true);
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
  return toDict ? new HashValue(restoredSeed, d) : new HashValue(restoredSeed, packListpack(flat, null));
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
  const h = new HashValue(restoredSeed, packListpack(pairs, ttls), true);
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
      const lp = h.listpackEntries();
      if (lp !== null) {
        // RDB_TYPE_HASH_LISTPACK_EX: the next field TTL (0 for none), then the triplets.
        if (h.isListpackEx) w.bytes(millisecondTime(h.minExpire()));
        w.string(encodeListpack(lp).toString('latin1'));
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
      const h = new HashValue(restoredSeed, '', true);
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
