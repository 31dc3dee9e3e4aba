/**
 * The sorted-set value (Redis t_zset.c) and the appliers of the zset effects. Pure data: no
 * clock, no I/O; the keyspace is touched only by the effect appliers, which run the same
 * operations the commands ran, so replaying effects rebuilds the same value and encoding.
 *
 * Two encodings, switched at Redis's thresholds so OBJECT ENCODING agrees with Redis 7.0:
 * - "listpack": one flat array [member, score, member, score...] in (score, member) order —
 *   no object per element. Like Redis's listpack, a score is kept as its listpack text would
 *   read back: exact, except that -0 becomes 0 (double2ll stores it as the integer 0).
 * - "skiplist": an order-statistic skiplist (src/engine/skiplist.ts) plus a Dict from member
 *   to score, whose cursor is Redis's SCAN cursor for ZSCAN.
 * A zset converts to skiplist when an insert would exceed zset-max-listpack-entries or a
 * member is longer than zset-max-listpack-value; it goes back only where Redis converts
 * (stored results of ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE that fit, and RESTORE).
 * DUMP/RESTORE use Redis 7.0's RDB encodings (ZSET_LISTPACK, ZSET_2; ZSET and ZSET_ZIPLIST
 * are read too).
 */
import type { CollectionValue, Value } from '../values';
import { type EncodingLimits, type Keyspace, defaultEncodingLimits } from '../keyspace';
import { type Effect, registerEffect } from '../effects';
import { Dict, hashKey } from '../dict';
import { RdbFormatError, type RdbReader, RdbType, type RdbWriter, registerRdbType } from '../rdb';
import { decodeListpack, decodeZiplist, encodeListpack } from './hash';
import { allocSize } from '../memory';
import { formatDouble } from '../../resp/format';
import {
  type LexRange,
  NONE,
  type ScoreRange,
  Skiplist,
  before,
  lexGteMin,
  lexLteMax,
  lexRangeEmpty,
  scoreGteMin,
  scoreLteMax,
  scoreRangeEmpty,
} from '../skiplist';

export type ZsetLimits = Pick<EncodingLimits, 'zsetMaxListpackEntries' | 'zsetMaxListpackValue'>;

/** ZADD input flags (Redis ZADD_IN_*). */
export const ZADD_NX = 1;
export const ZADD_XX = 2;
export const ZADD_GT = 4;
export const ZADD_LT = 8;
export const ZADD_INCR = 16;
/** zsetAdd outcomes (Redis ZADD_OUT_*). */
export const ZADD_OUT_NOP = 1;
export const ZADD_OUT_NAN = 2;
export const ZADD_OUT_ADDED = 4;
export const ZADD_OUT_UPDATED = 8;

/** Redis double2ll's range: integral scores within it are listpack integers. */
const listpackIntMax = 4611686018427387904;

/** The score as a listpack holds it: the integer 0 for -0. */
function lpScore(s: number): number {
  return s === 0 ? 0 : s;
}

/** The seed of a key's skiplist level generator and member dict: a function of the key. */
export function zsetSeed(key: string, ks: Keyspace): number {
  return hashKey(key, ks.hashSeed ^ 0x5a5e7) | 1;
}

export class ZSetValue implements CollectionValue {
  /** Listpack encoding: [member, score, ...] sorted; null when skiplist-encoded. */
  lp: Array<string | number> | null;
  zsl: Skiplist | null = null;
  /** Skiplist encoding's member → score (Redis zset->dict). */
  dict: Dict<number> | null = null;

  constructor(
    readonly seed: number,
    skiplist = false,
  ) {
    if (skiplist) {
      this.lp = null;
      this.zsl = new Skiplist(seed);
      this.dict = new Dict<number>(seed);
    } else {
      this.lp = [];
    }
  }

  /** Redis 7.0 ZADD on a missing key: skiplist when entries is 0 or the first member is too long. */
  static forAdd(firstMember: string, limits: ZsetLimits, seed: number): ZSetValue {
    return new ZSetValue(seed, limits.zsetMaxListpackEntries === 0 || firstMember.length > limits.zsetMaxListpackValue);
  }

  get type(): 'zset' {
    return 'zset';
  }

  get size(): number {
    return this.lp !== null ? this.lp.length >> 1 : (this.zsl as Skiplist).length;
  }

  encoding(): string {
    return this.lp !== null ? 'listpack' : 'skiplist';
  }

  clone(): ZSetValue {
    if (this.lp !== null) {
      const z = new ZSetValue(this.seed);
      z.lp = this.lp.slice();
      return z;
    }
    const z = new ZSetValue(this.seed, true);
    // As Redis zsetDup: insert from the tail, so each insert lands at the head.
    const zsl = this.zsl as Skiplist;
    for (let n = zsl.tail; n !== NONE; n = zsl.prev(n)) z.insertNew(zsl.score(n), zsl.member(n));
    return z;
  }

  canonical(): string[] {
    const out: string[] = [];
    // -0 is written as 0: a small sorted set (listpack) cannot hold -0, so a replica that
    // reloads a shrunk skiplist zset has 0 where its peer has -0, as Redis after an RDB
    // reload does (docs/compatibility.md); the digest treats them as the same data.
    this.forEach((m, s) => {
      out.push(m, formatDouble(s === 0 ? 0 : s));
    });
    return out;
  }

  // ---- lookups ----------------------------------------------------------------------

  /** Index of the member's pair in the listpack array, or -1. */
  private lpFind(ele: string): number {
    const lp = this.lp as Array<string | number>;
    for (let i = 0; i < lp.length; i += 2) if (lp[i] === ele) return i;
    return -1;
  }

  score(ele: string): number | undefined {
    if (this.lp !== null) {
      const i = this.lpFind(ele);
      return i < 0 ? undefined : (this.lp[i + 1] as number);
    }
    return (this.dict as Dict<number>).get(ele);
  }

  has(ele: string): boolean {
    return this.lp !== null ? this.lpFind(ele) >= 0 : (this.dict as Dict<number>).has(ele);
  }

  /** 0-based rank (ascending, or descending when `reverse`), -1 when absent. */
  rank(ele: string, reverse: boolean): number {
    const len = this.size;
    if (this.lp !== null) {
      const i = this.lpFind(ele);
      if (i < 0) return -1;
      return reverse ? len - 1 - (i >> 1) : i >> 1;
    }
    const s = (this.dict as Dict<number>).get(ele);
    if (s === undefined) return -1;
    const r = (this.zsl as Skiplist).getRank(s, ele);
    if (r === 0) throw new Error('zset: member in dict but not in skiplist');
    return reverse ? len - r : r - 1;
  }

  memberAt(rank: number): string {
    if (this.lp !== null) return this.lp[2 * rank] as string;
    const zsl = this.zsl as Skiplist;
    return zsl.member(zsl.getByRank(rank + 1));
  }

  scoreAt(rank: number): number {
    if (this.lp !== null) return this.lp[2 * rank + 1] as number;
    const zsl = this.zsl as Skiplist;
    return zsl.score(zsl.getByRank(rank + 1));
  }

  /**
   * Visit up to `count` elements from 0-based ascending rank `start`, forward or backward
   * (reverse walks toward rank 0). `fn` returns false to stop early.
   */
  walk(start: number, reverse: boolean, count: number, fn: (member: string, score: number) => boolean | void): void {
    const len = this.size;
    if (start < 0 || start >= len) return;
    if (this.lp !== null) {
      const lp = this.lp;
      for (let r = start, k = 0; k < count && r >= 0 && r < len; k++, r += reverse ? -1 : 1) {
        if (fn(lp[2 * r] as string, lp[2 * r + 1] as number) === false) return;
      }
      return;
    }
    const zsl = this.zsl as Skiplist;
    let n = zsl.getByRank(start + 1);
    for (let k = 0; k < count && n !== NONE; k++) {
      if (fn(zsl.member(n), zsl.score(n)) === false) return;
      n = reverse ? zsl.prev(n) : zsl.next(n);
    }
  }

  /** Every element in ascending order. */
  forEach(fn: (member: string, score: number) => void): void {
    if (this.lp !== null) {
      const lp = this.lp;
      for (let i = 0; i < lp.length; i += 2) fn(lp[i] as string, lp[i + 1] as number);
      return;
    }
    const zsl = this.zsl as Skiplist;
    for (let n = zsl.first; n !== NONE; n = zsl.next(n)) fn(zsl.member(n), zsl.score(n));
  }

  /** Every element from the highest to the lowest (the order of Redis's zuiNext). */
  forEachReverse(fn: (member: string, score: number) => void): void {
    if (this.lp !== null) {
      const lp = this.lp;
      for (let i = lp.length - 2; i >= 0; i -= 2) fn(lp[i] as string, lp[i + 1] as number);
      return;
    }
    const zsl = this.zsl as Skiplist;
    for (let n = zsl.tail; n !== NONE; n = zsl.prev(n)) fn(zsl.member(n), zsl.score(n));
  }

  /** Ascending rank of the first element within the score range, or -1. */
  firstInScoreRange(r: ScoreRange): number {
    if (this.lp !== null) {
      const lp = this.lp;
      const len = lp.length;
      if (scoreRangeEmpty(r) || len === 0) return -1;
      if (!scoreGteMin(lp[len - 1] as number, r) || !scoreLteMax(lp[1] as number, r)) return -1;
      for (let i = 1; i < len; i += 2) {
        const s = lp[i] as number;
        if (scoreGteMin(s, r)) return scoreLteMax(s, r) ? i >> 1 : -1;
      }
      return -1;
    }
    const zsl = this.zsl as Skiplist;
    const n = zsl.firstInRange(r);
    return n === NONE ? -1 : zsl.getRank(zsl.score(n), zsl.member(n)) - 1;
  }

  /** Ascending rank of the last element within the score range, or -1. */
  lastInScoreRange(r: ScoreRange): number {
    if (this.lp !== null) {
      const lp = this.lp;
      const len = lp.length;
      if (scoreRangeEmpty(r) || len === 0) return -1;
      if (!scoreGteMin(lp[len - 1] as number, r) || !scoreLteMax(lp[1] as number, r)) return -1;
      for (let i = len - 1; i > 0; i -= 2) {
        const s = lp[i] as number;
        if (scoreLteMax(s, r)) return scoreGteMin(s, r) ? i >> 1 : -1;
      }
      return -1;
    }
    const zsl = this.zsl as Skiplist;
    const n = zsl.lastInRange(r);
    return n === NONE ? -1 : zsl.getRank(zsl.score(n), zsl.member(n)) - 1;
  }

  firstInLexRange(r: LexRange): number {
    if (this.lp !== null) {
      const lp = this.lp;
      const len = lp.length;
      if (lexRangeEmpty(r) || len === 0) return -1;
      if (!lexGteMin(lp[len - 2] as string, r) || !lexLteMax(lp[0] as string, r)) return -1;
      for (let i = 0; i < len; i += 2) {
        const m = lp[i] as string;
        if (lexGteMin(m, r)) return lexLteMax(m, r) ? i >> 1 : -1;
      }
      return -1;
    }
    const zsl = this.zsl as Skiplist;
    const n = zsl.firstInLexRange(r);
    return n === NONE ? -1 : zsl.getRank(zsl.score(n), zsl.member(n)) - 1;
  }

  lastInLexRange(r: LexRange): number {
    if (this.lp !== null) {
      const lp = this.lp;
      const len = lp.length;
      if (lexRangeEmpty(r) || len === 0) return -1;
      if (!lexGteMin(lp[len - 2] as string, r) || !lexLteMax(lp[0] as string, r)) return -1;
      for (let i = len - 2; i >= 0; i -= 2) {
        const m = lp[i] as string;
        if (lexLteMax(m, r)) return lexGteMin(m, r) ? i >> 1 : -1;
      }
      return -1;
    }
    const zsl = this.zsl as Skiplist;
    const n = zsl.lastInLexRange(r);
    return n === NONE ? -1 : zsl.getRank(zsl.score(n), zsl.member(n)) - 1;
  }

  // ---- changes ----------------------------------------------------------------------

  /** Insert into the skiplist encoding a member known to be absent. */
  private insertNew(score: number, ele: string): void {
    (this.zsl as Skiplist).insert(score, ele);
    (this.dict as Dict<number>).set(ele, score);
  }

  /** Insert into the listpack a member known to be absent, keeping (score, member) order. */
  private lpInsert(score: number, ele: string): void {
    const lp = this.lp as Array<string | number>;
    const s = lpScore(score);
    // Binary search for the first pair ordered after (s, ele).
    let lo = 0;
    let hi = lp.length >> 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(lp[2 * mid + 1] as number, lp[2 * mid] as string, s, ele)) lo = mid + 1;
      else hi = mid;
    }
    // A new array of the exact length rather than splice, whose backing store keeps growth
    // slack: a one-member zset then costs about 120 bytes instead of 260.
    const next = new Array<string | number>(lp.length + 2);
    const at = 2 * lo;
    for (let i = 0; i < at; i++) next[i] = lp[i] as string | number;
    next[at] = ele;
    next[at + 1] = s;
    for (let i = at; i < lp.length; i++) next[i + 2] = lp[i] as string | number;
    this.lp = next;
  }

  /** Remove `count` slots of the listpack array from `at`, into a new exact-length array. */
  private lpCut(at: number, count: number): void {
    const lp = this.lp as Array<string | number>;
    const next = new Array<string | number>(lp.length - count);
    for (let i = 0; i < at; i++) next[i] = lp[i] as string | number;
    for (let i = at + count; i < lp.length; i++) next[i - count] = lp[i] as string | number;
    this.lp = next;
  }

  /** Listpack → skiplist (Redis zsetConvert), inserting in ascending order. */
  convertToSkiplist(): void {
    const lp = this.lp;
    if (lp === null) return;
    this.lp = null;
    this.zsl = new Skiplist(this.seed);
    this.dict = new Dict<number>(this.seed);
    for (let i = 0; i < lp.length; i += 2) this.insertNew(lp[i + 1] as number, lp[i] as string);
  }

  /** Skiplist → listpack (Redis zsetConvert); scores take their listpack form. */
  convertToListpack(): void {
    if (this.lp !== null) return;
    const zsl = this.zsl as Skiplist;
    const lp = new Array<string | number>(2 * zsl.length);
    let i = 0;
    for (let n = zsl.first; n !== NONE; n = zsl.next(n), i += 2) {
      lp[i] = zsl.member(n);
      lp[i + 1] = lpScore(zsl.score(n));
    }
    this.lp = lp;
    this.zsl = null;
    this.dict = null;
  }

  /**
   * Redis zsetConvertToListpackIfNeeded, for a stored ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE
   * result: back to listpack when it fits both thresholds.
   */
  convertToListpackIfFits(maxMemberLen: number, limits: ZsetLimits): void {
    if (this.lp !== null) return;
    if (this.size <= limits.zsetMaxListpackEntries && maxMemberLen <= limits.zsetMaxListpackValue) this.convertToListpack();
  }

  /**
   * Redis zsetAdd: add or update one member under the ZADD flags. Returns the ZADD_OUT_*
   * bits; `out.score` receives the new score when the element was added or updated.
   */
  add(score: number, ele: string, flags: number, limits: ZsetLimits, out: { score: number }): number {
    const incr = (flags & ZADD_INCR) !== 0;
    const nx = (flags & ZADD_NX) !== 0;
    const xx = (flags & ZADD_XX) !== 0;
    const gt = (flags & ZADD_GT) !== 0;
    const lt = (flags & ZADD_LT) !== 0;
    if (Number.isNaN(score)) return ZADD_OUT_NAN;

    if (this.lp !== null) {
      const i = this.lpFind(ele);
      if (i >= 0) {
        if (nx) return ZADD_OUT_NOP;
        const cur = this.lp[i + 1] as number;
        if (incr) {
          score += cur;
          if (Number.isNaN(score)) return ZADD_OUT_NAN;
        }
        if ((lt && score >= cur) || (gt && score <= cur)) return ZADD_OUT_NOP;
        out.score = score;
        if (score !== cur) {
          this.lpCut(i, 2);
          this.lpInsert(score, ele);
          return ZADD_OUT_UPDATED;
        }
        return 0;
      }
      if (xx) return ZADD_OUT_NOP;
      if (this.size + 1 > limits.zsetMaxListpackEntries || ele.length > limits.zsetMaxListpackValue) {
        this.convertToSkiplist();
      } else {
        this.lpInsert(score, ele);
        out.score = score;
        return ZADD_OUT_ADDED;
      }
    }

    const dict = this.dict as Dict<number>;
    const cur = dict.get(ele);
    if (cur !== undefined) {
      if (nx) return ZADD_OUT_NOP;
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) return ZADD_OUT_NAN;
      }
      if ((lt && score >= cur) || (gt && score <= cur)) return ZADD_OUT_NOP;
      out.score = score;
      if (score !== cur) {
        (this.zsl as Skiplist).updateScore(cur, ele, score);
        dict.set(ele, score);
        return ZADD_OUT_UPDATED;
      }
      return 0;
    }
    if (xx) return ZADD_OUT_NOP;
    this.insertNew(score, ele);
    out.score = score;
    return ZADD_OUT_ADDED;
  }

  /** Remove a member; true when it was there. */
  del(ele: string): boolean {
    if (this.lp !== null) {
      const i = this.lpFind(ele);
      if (i < 0) return false;
      this.lpCut(i, 2);
      return true;
    }
    const dict = this.dict as Dict<number>;
    const s = dict.get(ele);
    if (s === undefined) return false;
    dict.delete(ele);
    if (!(this.zsl as Skiplist).delete(s, ele)) throw new Error('zset: member in dict but not in skiplist');
    return true;
  }

  /** Remove the elements of 0-based ranks start..end inclusive; returns their members, ascending. */
  deleteRange(start: number, end: number): string[] {
    const removed: string[] = [];
    if (this.lp !== null) {
      for (let i = 2 * start; i <= 2 * end; i += 2) removed.push(this.lp[i] as string);
      this.lpCut(2 * start, 2 * (end - start + 1));
      return removed;
    }
    const dict = this.dict as Dict<number>;
    (this.zsl as Skiplist).deleteRangeByRank(start + 1, end + 1, (m) => {
      dict.delete(m);
      removed.push(m);
    });
    return removed;
  }

  /**
   * Redis ZLEXCOUNT. The listpack counts forward from the first member in range while members
   * stay within the maximum; the skiplist subtracts the ranks of the first and last members in
   * range. (The two agree when members are in order, i.e. all scores are equal.)
   */
  lexCount(r: LexRange): number {
    const first = this.firstInLexRange(r);
    if (first < 0) return 0;
    if (this.lp !== null) {
      let n = 0;
      for (let i = 2 * first; i < this.lp.length && lexLteMax(this.lp[i] as string, r); i += 2) n++;
      return n;
    }
    const len = this.size;
    let count = len - first;
    const last = this.lastInLexRange(r);
    if (last >= 0) count -= len - (last + 1);
    return count;
  }

  /**
   * Redis zzlDeleteRangeByLex / zslDeleteRangeByLex: from the first member in range, delete
   * forward while members stay within the maximum. Returns the removed members in order.
   */
  deleteLexRange(r: LexRange): string[] {
    const removed: string[] = [];
    if (this.lp !== null) {
      const first = this.firstInLexRange(r);
      if (first < 0) return removed;
      let end = 2 * first;
      while (end < this.lp.length && lexLteMax(this.lp[end] as string, r)) {
        removed.push(this.lp[end] as string);
        end += 2;
      }
      this.lpCut(2 * first, end - 2 * first);
      return removed;
    }
    const dict = this.dict as Dict<number>;
    (this.zsl as Skiplist).deleteRangeByLex(r, (m) => {
      dict.delete(m);
      removed.push(m);
    });
    return removed;
  }

  /** The lowest (or highest) element, or undefined when empty. */
  peek(max: boolean): [string, number] | undefined {
    const len = this.size;
    if (len === 0) return undefined;
    if (this.lp !== null) {
      const i = max ? this.lp.length - 2 : 0;
      return [this.lp[i] as string, this.lp[i + 1] as number];
    }
    const zsl = this.zsl as Skiplist;
    const n = max ? zsl.tail : zsl.first;
    return [zsl.member(n), zsl.score(n)];
  }

  /**
   * MEMORY USAGE of the value, as Redis 7.0's objectComputeSize: a listpack is its robj and its
   * allocation (exact: the listpack's bytes are Redis's); a skiplist adds the zset, skiplist
   * and dict structs, the bucket array, the 32-level header node, and per element (averaged
   * over the first `samples`, 0 for all) its sds, dict entry and node — node sizes follow this
   * list's own levels, which Redis draws at random, so those figures agree only on average.
   */
  memoryUsage(samples: number): number {
    const robj = 16;
    if (this.lp !== null) {
      const entries: string[] = [];
      this.forEach((m, s) => entries.push(m, listpackScoreText(s)));
      return robj + allocSize(encodeListpack(entries).length);
    }
    const zsl = this.zsl as Skiplist;
    const dict = this.dict as Dict<number>;
    // sizeof(zset) + sizeof(zskiplist) + sizeof(dict), the bucket pointers, the header node.
    let size = robj + 16 + 32 + 56 + 8 * dict.bucketCount + allocSize(24 + 32 * 16);
    let n = 0;
    let bytes = 0;
    for (let x = zsl.first; x !== NONE && (samples === 0 || n < samples); x = zsl.next(x), n++) {
      const len = zsl.member(x).length;
      const sdsHeader = len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9;
      bytes += allocSize(sdsHeader + len + 1) + 24 + allocSize(24 + 16 * zsl.levelOf(x));
    }
    if (n > 0) size = Math.floor(size + (bytes / n) * this.size);
    return size;
  }

  /**
   * One step of a ZSCAN over the skiplist encoding's dict (Redis dictScan): visits one
   * bucket, returns the next cursor.
   */
  scanStep(cursor: number, visit: (member: string, score: number) => void): number {
    return (this.dict as Dict<number>).scan(cursor, visit);
  }
}

/**
 * A score as text the way the listpack stores it (what ZSCAN of a small zset returns):
 * integral values within double2ll's range as integers, anything else as Redis's d2string.
 */
export function listpackScoreText(s: number): string {
  if (Number.isInteger(s) && s >= -listpackIntMax && s <= listpackIntMax) return s === 0 ? '0' : BigInt(s).toString();
  return formatDouble(s);
}

export function isZset(v: unknown): v is ZSetValue {
  return v instanceof ZSetValue;
}

// ---- effect appliers --------------------------------------------------------------------

/** Scores and limits for replay: the same conversions the commands made. */
const replayOut = { score: 0 };

registerEffect('zadd', (ks: Keyspace, e: Effect) => {
  if (e.op !== 'zadd') return;
  const d = ks.db(e.db);
  let z = d.data.get(e.key);
  if (z === undefined) {
    const first = e.members[0];
    if (first === undefined) return;
    z = ZSetValue.forAdd(first, ks.encoding, zsetSeed(e.key, ks));
    d.data.set(e.key, z);
    d.expires.delete(e.key);
  }
  if (!(z instanceof ZSetValue)) throw new Error(`zadd effect on a non-zset key`);
  for (let i = 0; i < e.members.length; i++) z.add(e.scores[i] as number, e.members[i] as string, 0, ks.encoding, replayOut);
});

registerEffect('zrem', (ks: Keyspace, e: Effect) => {
  if (e.op !== 'zrem') return;
  const d = ks.db(e.db);
  const z = d.data.get(e.key);
  if (z === undefined) return;
  if (!(z instanceof ZSetValue)) throw new Error(`zrem effect on a non-zset key`);
  for (const m of e.members) z.del(m);
  if (z.size === 0) {
    d.data.delete(e.key);
    d.expires.delete(e.key);
  }
});

// ---- RDB (rdb.c rdbSaveObject / rdbLoadObject for OBJ_ZSET) ------------------------------

/** Seed of a zset loaded by RESTORE (its key is not known to the loader). */
const restoredSeed = 0x25e7 | 1;
/** Limits for a loader called without the keyspace's (Redis's defaults). */
const defaultZsetLimits: ZsetLimits = defaultEncodingLimits;

/**
 * A zset from a listpack or ziplist blob's [member, score text...] (Redis 7.0 keeps the
 * listpack unless it has more than zset-max-listpack-entries; member length is not checked).
 * Scores read back with strtod as zzlGetScore does; an odd count, no entries or a duplicate
 * member is corrupt data.
 */
function zsetFromBlobEntries(flat: string[], limits: ZsetLimits): ZSetValue {
  if (flat.length === 0 || flat.length % 2 !== 0) throw new RdbFormatError('bad zset listpack entry count');
  const n = flat.length >> 1;
  const z = new ZSetValue(restoredSeed, n > limits.zsetMaxListpackEntries);
  const seen = new Set<string>();
  for (let i = 0; i < flat.length; i += 2) {
    const m = flat[i] as string;
    if (seen.has(m)) throw new RdbFormatError('duplicate zset member');
    seen.add(m);
    const text = (flat[i + 1] as string).slice(0, 127);
    const score = Number.isNaN(scoreOfText(text)) ? 0 : scoreOfText(text);
    z.add(score, m, 0, { zsetMaxListpackEntries: Number.MAX_SAFE_INTEGER, zsetMaxListpackValue: Number.MAX_SAFE_INTEGER }, replayOut);
  }
  return z;
}

/** strtod of a listpack score's text (zzlStrtod); what does not parse reads as 0. */
function scoreOfText(t: string): number {
  const m = /^\s*([+-]?)(inf(inity)?|nan|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)/i.exec(t);
  if (m === null) return 0;
  const body = (m[2] as string).toLowerCase();
  const neg = m[1] === '-';
  if (body.startsWith('inf')) return neg ? -Infinity : Infinity;
  if (body === 'nan') return NaN;
  const v = Number(body);
  return neg ? -v : v;
}

/** RDB_TYPE_ZSET / ZSET_2: loose members and scores, then back to listpack if it fits. */
function loadZsetPairs(r: RdbReader, limits: ZsetLimits, binaryScores: boolean): ZSetValue {
  const n = r.plainLength();
  if (n === 0) throw new RdbFormatError('empty zset');
  const z = new ZSetValue(restoredSeed, true);
  const out = { score: 0 };
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    const m = r.string();
    const score = binaryScores ? r.take(8).readDoubleLE(0) : readStringDouble(r);
    if (Number.isNaN(score)) throw new RdbFormatError('zset with NaN score');
    if (z.has(m)) throw new RdbFormatError('duplicate zset member');
    if (m.length > maxLen) maxLen = m.length;
    z.add(score, m, 0, limits, out);
  }
  z.convertToListpackIfFits(maxLen, limits);
  return z;
}

/** rdbLoadDoubleValue: a length byte (253 nan, 254 +inf, 255 -inf) then the text. */
function readStringDouble(r: RdbReader): number {
  const len = r.byte();
  if (len === 255) return -Infinity;
  if (len === 254) return Infinity;
  if (len === 253) return NaN;
  return scoreOfText(r.take(len).toString('latin1'));
}

registerRdbType(
  'zset',
  {
    typeOf: (v: Value) => ((v as ZSetValue).lp !== null ? RdbType.zsetListpack : RdbType.zset2),
    save: (w: RdbWriter, v: Value) => {
      const z = v as ZSetValue;
      if (z.lp !== null) {
        const entries: string[] = [];
        z.forEach((m, s) => entries.push(m, listpackScoreText(s)));
        w.string(encodeListpack(entries).toString('latin1'));
        return;
      }
      // From the highest to the lowest, as Redis writes them (each load then lands at the head).
      w.length(z.size);
      const score = Buffer.allocUnsafe(8);
      z.forEachReverse((m, s) => {
        w.string(m);
        score.writeDoubleLE(s, 0);
        w.bytes(score);
      });
    },
  },
  {
    [RdbType.zset]: (r: RdbReader, limits: ZsetLimits = defaultZsetLimits) => loadZsetPairs(r, limits, false),
    [RdbType.zset2]: (r: RdbReader, limits: ZsetLimits = defaultZsetLimits) => loadZsetPairs(r, limits, true),
    [RdbType.zsetListpack]: (r: RdbReader, limits: ZsetLimits = defaultZsetLimits) =>
      zsetFromBlobEntries(decodeListpack(Buffer.from(r.string(), 'latin1')), limits),
    [RdbType.zsetZiplist]: (r: RdbReader, limits: ZsetLimits = defaultZsetLimits) =>
      zsetFromBlobEntries(decodeZiplist(Buffer.from(r.string(), 'latin1')), limits),
  },
);
