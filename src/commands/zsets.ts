/**
 * Sorted-set commands, as Redis 7.0.15's t_zset.c: the same argument parsing (strtod score
 * rules, "(" exclusive bounds, lex items), the same order of checks and error texts, the same
 * replies in RESP2 and RESP3 and the same encoding conversions. Data handlers only: they
 * touch the keyspace through the Exec and record every change as a zset effect (or a put /
 * del for whole values), so replaying effects rebuilds the keyspace.
 *
 * Not Redis 7.0: nothing. ZRANK/ZREVRANK WITHSCORE is 7.2 and answers the 7.0 arity error.
 */
import type { CommandDef } from './spec';
import type { Exec } from '../engine/exec';
import { DoubleReply, ErrorReply, NULL_ARRAY, PairsReply, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { formatDouble, parseInt64 } from '../resp/format';
import { stringMatch } from '../engine/glob';
import { SetValue } from '../engine/types/set';
import { parseBlockTimeout, registerBlocking } from '../server/blocking';
import { zrandmemberCountMax } from '../limits';
import {
  LEX_MAX,
  LEX_MIN,
  type LexBound,
  type LexRange,
  type ScoreRange,
  lexGteMin,
  lexLteMax,
  scoreGteMin,
  scoreLteMax,
} from '../engine/skiplist';
import {
  ZADD_GT,
  ZADD_INCR,
  ZADD_LT,
  ZADD_NX,
  ZADD_OUT_ADDED,
  ZADD_OUT_NAN,
  ZADD_OUT_NOP,
  ZADD_OUT_UPDATED,
  ZADD_XX,
  ZSetValue,
  listpackScoreText,
  zsetSeed,
} from '../engine/types/zset';
import { optIs, parseScanCursor } from './args';

// ---- argument parsing ----------------------------------------------------------------------

/** C isspace in the "C" locale. */
function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

export interface StrtodResult {
  value: number;
  /** Index after the last character used; `start` when nothing was converted. */
  end: number;
  /** errno ERANGE with an infinite or zero result (overflow, or underflow to 0). */
  erange: boolean;
}

/**
 * glibc strtod from `start`: leading white space, a sign, then "inf"/"infinity", "nan" or
 * "nan(chars)", a hexadecimal float (0x1.8p3) or a decimal one, all correctly rounded. Stops at
 * the first character that does not fit, as C does (so at a NUL byte too).
 */
export function strtod(s: string, start: number): StrtodResult {
  let i = start;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const c0 = s.charCodeAt(i);
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i++;
  }
  const word = s.slice(i, i + 8).toLowerCase();
  if (word.startsWith('inf')) {
    return { value: neg ? -Infinity : Infinity, end: i + (word === 'infinity' ? 8 : 3), erange: false };
  }
  if (word.startsWith('nan')) {
    let end = i + 3;
    if (s.charCodeAt(end) === 40) {
      let j = end + 1;
      for (; j < s.length; j++) {
        const c = s.charCodeAt(j);
        if (!(isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95)) break;
      }
      if (s.charCodeAt(j) === 41) end = j + 1;
    }
    return { value: NaN, end, erange: false };
  }
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 0x20) === 120) {
    const h = hexFloat(s, i + 2, neg);
    if (h !== null) return h;
    return { value: neg ? -0 : 0, end: i + 1, erange: false };
  }
  let j = i;
  let digits = 0;
  let nonzero = false;
  for (; isDigit(s.charCodeAt(j)); j++, digits++) if (s.charCodeAt(j) !== 48) nonzero = true;
  if (s.charCodeAt(j) === 46) {
    j++;
    for (; isDigit(s.charCodeAt(j)); j++, digits++) if (s.charCodeAt(j) !== 48) nonzero = true;
  }
  if (digits === 0) return { value: 0, end: start, erange: false };
  if ((s.charCodeAt(j) | 0x20) === 101) {
    let k = j + 1;
    const sc = s.charCodeAt(k);
    if (sc === 43 || sc === 45) k++;
    if (isDigit(s.charCodeAt(k))) {
      while (isDigit(s.charCodeAt(k))) k++;
      j = k;
    }
  }
  const abs = Number(s.slice(i, j));
  const value = neg ? -abs : abs;
  return { value, end: j, erange: abs === Infinity || (abs === 0 && nonzero) };
}

/** The hexadecimal part of strtod after "0x": digits, optional fraction, optional p-exponent. */
function hexFloat(s: string, i: number, neg: boolean): StrtodResult | null {
  let j = i;
  let mant = '';
  while (hexValue(s.charCodeAt(j)) >= 0) mant += s[j++];
  let frac = 0;
  if (s.charCodeAt(j) === 46) {
    let k = j + 1;
    let f = '';
    while (hexValue(s.charCodeAt(k)) >= 0) f += s[k++];
    if (mant.length > 0 || f.length > 0) {
      j = k;
      mant += f;
      frac = f.length;
    }
  }
  if (mant.length === 0) return null;
  let exp = 0;
  if ((s.charCodeAt(j) | 0x20) === 112) {
    let k = j + 1;
    let eneg = false;
    const sc = s.charCodeAt(k);
    if (sc === 43 || sc === 45) {
      eneg = sc === 45;
      k++;
    }
    if (isDigit(s.charCodeAt(k))) {
      let e = 0;
      while (isDigit(s.charCodeAt(k))) e = Math.min(e * 10 + (s.charCodeAt(k++) - 48), 1e9);
      exp = eneg ? -e : e;
      j = k;
    }
  }
  let m = BigInt('0x' + mant);
  const zero = neg ? -0 : 0;
  if (m === 0n) return { value: zero, end: j, erange: false };
  let e2 = exp - 4 * frac;
  const bits = m.toString(2).length;
  // Keep 53 significant bits, fewer for a subnormal result; round half to even.
  const shift = Math.max(bits - 53, -1074 - e2);
  if (shift > 0) {
    if (shift > bits + 1) m = 0n;
    else {
      const sb = BigInt(shift);
      const q = m >> sb;
      const r = m - (q << sb);
      const half = 1n << (sb - 1n);
      m = r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
    }
    e2 += shift;
  }
  if (m === 0n) return { value: zero, end: j, erange: true };
  const abs = e2 > 1023 ? Infinity : Number(m) * Math.pow(2, e2);
  return { value: neg ? -abs : abs, end: j, erange: abs === Infinity };
}

/**
 * Redis string2d (getDoubleFromObject): the whole argument is one strtod number, with no
 * leading space, no overflow or underflow to zero, and not NaN. ZADD/ZINCRBY scores, WEIGHTS.
 */
export function parseScore(s: string): number | null {
  if (s.length === 0 || isCSpace(s.charCodeAt(0))) return null;
  const r = strtod(s, 0);
  if (r.end !== s.length || r.erange || Number.isNaN(r.value)) return null;
  return r.value;
}

/**
 * One bound of a score range (Redis zslParseRange): "(" makes it exclusive, then strtod over
 * the C string (so it ends at a NUL; "" is 0); only NaN and trailing characters fail.
 */
function parseScoreBound(s: string): { v: number; ex: boolean } | null {
  const ex = s.charCodeAt(0) === 40;
  const r = strtod(s, ex ? 1 : 0);
  if (r.end !== s.length && s.charCodeAt(r.end) !== 0) return null;
  if (Number.isNaN(r.value)) return null;
  return { v: r.value, ex };
}

export function parseScoreRange(min: string, max: string): ScoreRange | null {
  const a = parseScoreBound(min);
  const b = parseScoreBound(max);
  if (a === null || b === null) return null;
  return { min: a.v, minex: a.ex, max: b.v, maxex: b.ex };
}

/** Redis zslParseLexRangeItem: "+", "-", "(member" or "[member". */
function parseLexItem(s: string): { b: LexBound; ex: boolean } | null {
  switch (s.charCodeAt(0)) {
    case 43:
      return s.length === 1 || s.charCodeAt(1) === 0 ? { b: LEX_MAX, ex: true } : null;
    case 45:
      return s.length === 1 || s.charCodeAt(1) === 0 ? { b: LEX_MIN, ex: true } : null;
    case 40:
      return { b: s.slice(1), ex: true };
    case 91:
      return { b: s.slice(1), ex: false };
    default:
      return null;
  }
}

export function parseLexRange(min: string, max: string): LexRange | null {
  const a = parseLexItem(min);
  const b = parseLexItem(max);
  if (a === null || b === null) return null;
  return { min: a.b, minex: a.ex, max: b.b, maxex: b.ex };
}

/** Redis getLongFromObject: a signed 64-bit integer as a number (exact up to 2^53; beyond, only compared). */
function parseLong(s: string): number | null {
  const v = parseInt64(s);
  return v === null ? null : Number(v);
}

// ---- keyspace access -----------------------------------------------------------------------

/** The zset at `key`: undefined when missing, the WRONGTYPE error for another type. */
function getZset(x: Exec, key: string, read: boolean): ZSetValue | undefined | ErrorReply {
  const v = read ? x.lookupRead(key) : x.lookup(key);
  if (v === undefined) return undefined;
  return v instanceof ZSetValue ? v : err.wrongType;
}

/** Record member changes of a zset (adds or updates, final scores). */
function emitAdd(x: Exec, key: string, scores: number[], members: string[]): void {
  x.effects.push({ op: 'zadd', db: x.dbIndex, key, scores, members });
}

/** Record removals; a zset left empty is deleted instead, by one `del` (Redis dbDelete). */
function emitRemove(x: Exec, key: string, z: ZSetValue, members: string[]): boolean {
  if (z.size > 0) {
    x.effects.push({ op: 'zrem', db: x.dbIndex, key, members });
    return false;
  }
  x.db.data.delete(key);
  x.db.expires.delete(key);
  x.effects.push({ op: 'del', db: x.dbIndex, key });
  return true;
}

/**
 * Redis setKey for a stored result: replaces the value and drops any TTL (x.put raises "new"
 * for a new key and records a copy in its effect).
 */
function storeKey(x: Exec, key: string, z: ZSetValue): void {
  x.put(key, z, null);
}

/** Delete a destination key for an empty result (Redis dbDelete + "del"). */
function deleteKey(x: Exec, key: string): void {
  if (x.del(key)) x.notify('del', key, 'g');
}

function newZset(x: Exec, key: string, skiplist: boolean): ZSetValue {
  return new ZSetValue(zsetSeed(key, x.ks), skiplist);
}

// ---- ZADD, ZINCRBY, ZREM ------------------------------------------------------------------

const addOut = { score: 0 };

/** Redis zaddGenericCommand. */
function zaddGeneric(x: Exec, args: string[], inFlags: number): Reply {
  const key = args[1] as string;
  let flags = inFlags;
  let ch = false;
  let scoreIdx = 2;
  for (; scoreIdx < args.length; scoreIdx++) {
    const opt = args[scoreIdx] as string;
    if (optIs(opt, 'nx')) flags |= ZADD_NX;
    else if (optIs(opt, 'xx')) flags |= ZADD_XX;
    else if (optIs(opt, 'ch')) ch = true;
    else if (optIs(opt, 'incr')) flags |= ZADD_INCR;
    else if (optIs(opt, 'gt')) flags |= ZADD_GT;
    else if (optIs(opt, 'lt')) flags |= ZADD_LT;
    else break;
  }
  const incr = (flags & ZADD_INCR) !== 0;
  const nx = (flags & ZADD_NX) !== 0;
  const xx = (flags & ZADD_XX) !== 0;
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  let elements = args.length - scoreIdx;
  if (elements % 2 !== 0 || elements === 0) return err.syntax;
  elements /= 2;
  if (nx && xx) return err.zaddXxNx;
  if ((gt && nx) || (lt && nx) || (gt && lt)) return err.zaddGtLtNx;
  if (incr && elements > 1) return err.zaddIncrPair;
  const scores: number[] = [];
  for (let j = 0; j < elements; j++) {
    const s = parseScore(args[scoreIdx + 2 * j] as string);
    if (s === null) return err.notFloat;
    scores.push(s);
  }

  let z = getZset(x, key, false);
  if (z instanceof ErrorReply) return z;
  if (z === undefined) {
    if (xx) return incr ? null : 0;
    z = ZSetValue.forAdd(args[scoreIdx + 1] as string, x.ks.encoding, zsetSeed(key, x.ks));
    x.db.data.set(key, z);
    x.notify('new', key, 'n');
  }

  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  const changedScores: number[] = [];
  const changedMembers: string[] = [];
  let reply: Reply | undefined;
  for (let j = 0; j < elements; j++) {
    const member = args[scoreIdx + 1 + 2 * j] as string;
    const out = z.add(scores[j] as number, member, flags, x.ks.encoding, addOut);
    if (out & ZADD_OUT_NAN) {
      reply = err.zscoreNaN;
      break;
    }
    if (out & ZADD_OUT_ADDED) added++;
    if (out & ZADD_OUT_UPDATED) updated++;
    if (!(out & ZADD_OUT_NOP)) processed++;
    if (out & (ZADD_OUT_ADDED | ZADD_OUT_UPDATED)) {
      changedScores.push(addOut.score);
      changedMembers.push(member);
    }
    score = addOut.score;
  }
  if (added + updated > 0) {
    emitAdd(x, key, changedScores, changedMembers);
    x.notify(incr ? 'zincr' : 'zadd', key, 'z');
  }
  if (reply !== undefined) return reply;
  if (incr) return processed > 0 ? new DoubleReply(score) : null;
  return ch ? added + updated : added;
}

function zrem(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const z = getZset(x, key, false);
  if (z === undefined) return 0;
  if (z instanceof ErrorReply) return z;
  const removed: string[] = [];
  for (let j = 2; j < args.length; j++) {
    const m = args[j] as string;
    if (z.del(m)) removed.push(m);
    if (z.size === 0) break;
  }
  if (removed.length > 0) {
    const keyRemoved = emitRemove(x, key, z, removed);
    x.notify('zrem', key, 'z');
    if (keyRemoved) x.notify('del', key, 'g');
  }
  return removed.length;
}

// ---- ZREMRANGEBY* --------------------------------------------------------------------------

type RangeType = 'rank' | 'score' | 'lex';

function zremrange(type: RangeType) {
  return (x: Exec, args: string[]): Reply => {
    const key = args[1] as string;
    let start = 0;
    let end = 0;
    let range: ScoreRange | null = null;
    let lex: LexRange | null = null;
    if (type === 'rank') {
      const a = parseLong(args[2] as string);
      const b = a === null ? null : parseLong(args[3] as string);
      if (a === null || b === null) return err.notInteger;
      start = a;
      end = b;
    } else if (type === 'score') {
      range = parseScoreRange(args[2] as string, args[3] as string);
      if (range === null) return err.minMaxNotFloat;
    } else {
      lex = parseLexRange(args[2] as string, args[3] as string);
      if (lex === null) return err.minMaxNotLex;
    }
    const z = getZset(x, key, false);
    if (z === undefined) return 0;
    if (z instanceof ErrorReply) return z;
    if (type === 'rank') {
      const llen = z.size;
      if (start < 0) start = llen + start;
      if (end < 0) end = llen + end;
      if (start < 0) start = 0;
      if (start > end || start >= llen) return 0;
      if (end >= llen) end = llen - 1;
    } else if (range !== null) {
      // Scores are in order, so the range is the ranks from its first to its last element.
      start = z.firstInScoreRange(range);
      if (start < 0) return 0;
      end = z.lastInScoreRange(range);
    }
    const removed = lex !== null ? z.deleteLexRange(lex) : z.deleteRange(start, end);
    if (removed.length === 0) return 0;
    const keyRemoved = emitRemove(x, key, z, removed);
    x.notify(`zremrangeby${type}`, key, 'z');
    if (keyRemoved) x.notify('del', key, 'g');
    return removed.length;
  };
}

// ---- ZRANGE and friends --------------------------------------------------------------------

type Direction = 'auto' | 'forward' | 'reverse';

/** Where a range's elements go: a reply (with or without scores) or a destination zset. */
interface RangeSink {
  members: string[];
  scores: number[];
}

/**
 * Collect the elements of a range (genericZrangeby{rank,score,lex}Command). Rank bounds are
 * resolved first; score and lex ranges start at their first (last, reversed) element, skip
 * `offset` elements and stop at `limit` (negative: no limit) or the far bound.
 */
function collectRange(
  z: ZSetValue,
  type: RangeType,
  reverse: boolean,
  rank: { start: number; end: number },
  range: ScoreRange | null,
  lex: LexRange | null,
  offset: number,
  limit: number,
  sink: RangeSink,
): void {
  const llen = z.size;
  const push = (m: string, s: number): void => {
    sink.members.push(m);
    sink.scores.push(s);
  };
  if (type === 'rank') {
    let { start, end } = rank;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return;
    if (end >= llen) end = llen - 1;
    const n = end - start + 1;
    z.walk(reverse ? llen - 1 - start : start, reverse, n, push);
    return;
  }
  if (type === 'score' && offset > 0 && offset >= llen) return;
  let first: number;
  if (type === 'score') first = reverse ? z.lastInScoreRange(range as ScoreRange) : z.firstInScoreRange(range as ScoreRange);
  else first = reverse ? z.lastInLexRange(lex as LexRange) : z.firstInLexRange(lex as LexRange);
  // A negative offset walks off the end in Redis (offset-- never reaches 0): nothing.
  if (first < 0 || offset < 0) return;
  const from = reverse ? first - offset : first + offset;
  if (from < 0 || from >= llen) return;
  const count = limit < 0 ? Infinity : limit;
  if (type === 'score') {
    const r = range as ScoreRange;
    z.walk(from, reverse, count, (m, s) => {
      if (reverse ? !scoreGteMin(s, r) : !scoreLteMax(s, r)) return false;
      push(m, s);
      return true;
    });
  } else {
    const r = lex as LexRange;
    z.walk(from, reverse, count, (m, s) => {
      if (reverse ? !lexGteMin(m, r) : !lexLteMax(m, r)) return false;
      push(m, s);
      return true;
    });
  }
}

/** Redis zrangeGenericCommand: ZRANGE, ZRANGESTORE, ZREVRANGE, ZRANGEBYSCORE... */
function zrangeGeneric(x: Exec, args: string[], argStart: number, store: boolean, fixedType: RangeType | 'auto', fixedDir: Direction): Reply {
  const key = args[argStart] as string;
  let minIdx = argStart + 1;
  let maxIdx = argStart + 2;
  let type: RangeType | 'auto' = fixedType;
  let direction: Direction = fixedDir;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = argStart + 3; j < args.length; j++) {
    const opt = args[j] as string;
    const left = args.length - j - 1;
    if (!store && optIs(opt, 'withscores')) withScores = true;
    else if (optIs(opt, 'limit') && left >= 2) {
      const o = parseLong(args[j + 1] as string);
      const l = o === null ? null : parseLong(args[j + 2] as string);
      if (o === null || l === null) return err.notInteger;
      offset = o;
      limit = l;
      j += 2;
    } else if (direction === 'auto' && optIs(opt, 'rev')) direction = 'reverse';
    else if (type === 'auto' && optIs(opt, 'bylex')) type = 'lex';
    else if (type === 'auto' && optIs(opt, 'byscore')) type = 'score';
    else return err.syntax;
  }
  if (direction === 'auto') direction = 'forward';
  if (type === 'auto') type = 'rank';
  if (limit !== -1 && type === 'rank') return err.zrangeLimitNeedsBy;
  if (withScores && type === 'lex') return err.zrangeWithscoresBylex;
  const reverse = direction === 'reverse';
  if (reverse && type !== 'rank') [minIdx, maxIdx] = [maxIdx, minIdx];
  const rank = { start: 0, end: 0 };
  let range: ScoreRange | null = null;
  let lex: LexRange | null = null;
  if (type === 'rank') {
    const a = parseLong(args[minIdx] as string);
    const b = a === null ? null : parseLong(args[maxIdx] as string);
    if (a === null || b === null) return err.notInteger;
    rank.start = a;
    rank.end = b;
  } else if (type === 'score') {
    range = parseScoreRange(args[minIdx] as string, args[maxIdx] as string);
    if (range === null) return err.minMaxNotFloat;
  } else {
    lex = parseLexRange(args[minIdx] as string, args[maxIdx] as string);
    if (lex === null) return err.minMaxNotLex;
  }

  const z = getZset(x, key, true);
  if (z instanceof ErrorReply) return z;
  const sink: RangeSink = { members: [], scores: [] };
  if (z !== undefined) collectRange(z, type, reverse, rank, range, lex, offset, limit, sink);

  if (store) {
    const dst = args[1] as string;
    const n = sink.members.length;
    if (n === 0) {
      deleteKey(x, dst);
      return 0;
    }
    // zrangeResultBeginStore: a rank range longer than the listpack limit starts as a skiplist.
    const d = newZset(x, dst, type === 'rank' && n > x.ks.encoding.zsetMaxListpackEntries);
    for (let i = 0; i < n; i++) d.add(sink.scores[i] as number, sink.members[i] as string, 0, x.ks.encoding, addOut);
    storeKey(x, dst, d);
    x.notify('zrangestore', dst, 'z');
    return n;
  }
  if (z === undefined) return [];
  if (!withScores) return sink.members;
  return new PairsReply(pairs(sink.members, sink.scores));
}

/** [member, score, member, score...] with scores as doubles. */
function pairs(members: string[], scores: number[]): Reply[] {
  const out: Reply[] = new Array<Reply>(members.length * 2);
  for (let i = 0; i < members.length; i++) {
    out[2 * i] = members[i] as string;
    out[2 * i + 1] = new DoubleReply(scores[i] as number);
  }
  return out;
}

// ---- point reads ---------------------------------------------------------------------------

function zcard(x: Exec, args: string[]): Reply {
  const z = getZset(x, args[1] as string, true);
  if (z === undefined) return 0;
  if (z instanceof ErrorReply) return z;
  return z.size;
}

function zscore(x: Exec, args: string[]): Reply {
  const z = getZset(x, args[1] as string, true);
  if (z === undefined) return null;
  if (z instanceof ErrorReply) return z;
  const s = z.score(args[2] as string);
  return s === undefined ? null : new DoubleReply(s);
}

function zmscore(x: Exec, args: string[]): Reply {
  const z = getZset(x, args[1] as string, true);
  if (z instanceof ErrorReply) return z;
  const out: Reply[] = [];
  for (let j = 2; j < args.length; j++) {
    const s = z === undefined ? undefined : z.score(args[j] as string);
    out.push(s === undefined ? null : new DoubleReply(s));
  }
  return out;
}

function zrank(reverse: boolean) {
  return (x: Exec, args: string[]): Reply => {
    const z = getZset(x, args[1] as string, true);
    if (z === undefined) return null;
    if (z instanceof ErrorReply) return z;
    const r = z.rank(args[2] as string, reverse);
    return r < 0 ? null : r;
  };
}

function zcount(x: Exec, args: string[]): Reply {
  const range = parseScoreRange(args[2] as string, args[3] as string);
  if (range === null) return err.minMaxNotFloat;
  const z = getZset(x, args[1] as string, true);
  if (z === undefined) return 0;
  if (z instanceof ErrorReply) return z;
  const first = z.firstInScoreRange(range);
  if (first < 0) return 0;
  return z.lastInScoreRange(range) - first + 1;
}

function zlexcount(x: Exec, args: string[]): Reply {
  const range = parseLexRange(args[2] as string, args[3] as string);
  if (range === null) return err.minMaxNotLex;
  const z = getZset(x, args[1] as string, true);
  if (z === undefined) return 0;
  if (z instanceof ErrorReply) return z;
  return z.lexCount(range);
}

// ---- pops ----------------------------------------------------------------------------------

/** Reply shapes of genericZpopCommand. */
type PopShape =
  /** ZPOPMIN/ZPOPMAX without a count: flat [member, score...] in both protocols. */
  | 'flat'
  /** ZPOPMIN/ZPOPMAX with a count: flat in RESP2, pairs in RESP3. */
  | 'pairs'
  /** BZPOPMIN/BZPOPMAX: [key, member, score]. */
  | 'keyed'
  /** ZMPOP/BZMPOP: [key, [[member, score]...]] in both protocols. */
  | 'nested';

/**
 * Redis genericZpopCommand: pop up to `count` (-1: one) from the first existing key of `keys`.
 * An absent set of keys answers `[]`, or the null array when `nilWhenEmpty`.
 */
function zpop(x: Exec, keys: string[], max: boolean, count: number, shape: PopShape, nilWhenEmpty: boolean): Reply {
  let key = '';
  let z: ZSetValue | undefined;
  for (const k of keys) {
    const v = getZset(x, k, false);
    if (v === undefined) continue;
    if (v instanceof ErrorReply) return v;
    key = k;
    z = v;
    break;
  }
  if (z === undefined) return nilWhenEmpty ? NULL_ARRAY : [];
  if (count === 0) return [];
  const n = Math.min(count === -1 ? 1 : count, z.size);
  const members: string[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const [m, s] = z.peek(max) as [string, number];
    z.del(m);
    members.push(m);
    scores.push(s);
  }
  const keyRemoved = emitRemove(x, key, z, members);
  x.notify(max ? 'zpopmax' : 'zpopmin', key, 'z');
  if (keyRemoved) x.notify('del', key, 'g');
  const flat = pairs(members, scores);
  switch (shape) {
    case 'flat':
      return flat;
    case 'pairs':
      return new PairsReply(flat);
    case 'keyed':
      return [key, ...flat];
    case 'nested': {
      const nested: Reply[] = [];
      for (let i = 0; i < n; i++) nested.push([members[i] as string, flat[2 * i + 1] as Reply]);
      return [key, nested];
    }
  }
}

function zpopMinMax(max: boolean) {
  return (x: Exec, args: string[]): Reply => {
    if (args.length > 3) return err.syntax;
    let count = -1;
    if (args.length === 3) {
      // getPositiveLongFromObjectOrReply: one message for "not a number" and "negative".
      const c = parseLong(args[2] as string);
      if (c === null || c < 0) return err.mustBePositive;
      count = c;
    }
    return zpop(x, [args[1] as string], max, count, count === -1 ? 'flat' : 'pairs', false);
  };
}

/** Parsed ZMPOP/BZMPOP arguments (zmpopGenericCommand), or the error. */
function parseMpop(args: string[], numkeysIdx: number): { keys: string[]; max: boolean; count: number } | ErrorReply {
  const numkeys = parseLong(args[numkeysIdx] as string);
  if (numkeys === null || numkeys < 1) return err.numkeysPositive;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= args.length) return err.syntax;
  const where = args[whereIdx] as string;
  let max: boolean;
  if (optIs(where, 'min')) max = false;
  else if (optIs(where, 'max')) max = true;
  else return err.syntax;
  let count = -1;
  for (let j = whereIdx + 1; j < args.length; j++) {
    const more = args.length - 1 - j;
    if (count === -1 && optIs(args[j] as string, 'count') && more > 0) {
      const c = parseLong(args[++j] as string);
      if (c === null || c < 1) return err.countPositive;
      count = c;
    } else return err.syntax;
  }
  return { keys: args.slice(numkeysIdx + 1, whereIdx), max, count: count === -1 ? 1 : count };
}

function zmpop(x: Exec, args: string[]): Reply {
  const p = parseMpop(args, 1);
  if (p instanceof ErrorReply) return p;
  return zpop(x, p.keys, p.max, p.count, 'nested', true);
}

/**
 * Non-blocking form of BZPOPMIN/BZPOPMAX/BZMPOP (blockingGenericZpopCommand up to the block):
 * pop from the first non-empty key, or answer the null array, which blocks the client outside
 * MULTI (src/server/blocking.ts).
 */
function bzpopFirst(x: Exec, keys: string[], max: boolean, count: number, shape: PopShape): Reply {
  for (const key of keys) {
    const z = getZset(x, key, false);
    if (z === undefined) continue;
    if (z instanceof ErrorReply) return z;
    if (z.size === 0) continue;
    return zpop(x, [key], max, count, shape, true);
  }
  return NULL_ARRAY;
}

function bzpopMinMax(max: boolean) {
  return (x: Exec, args: string[]): Reply => {
    const timeout = parseBlockTimeout(args[args.length - 1] as string);
    if (timeout instanceof ErrorReply) return timeout;
    return bzpopFirst(x, args.slice(1, -1), max, -1, 'keyed');
  };
}

function bzmpop(x: Exec, args: string[]): Reply {
  const p = parseMpop(args, 2);
  if (p instanceof ErrorReply) return p;
  const timeout = parseBlockTimeout(args[1] as string);
  if (timeout instanceof ErrorReply) return timeout;
  return bzpopFirst(x, p.keys, p.max, p.count, 'nested');
}

// ---- ZRANDMEMBER ---------------------------------------------------------------------------

const LONG_MAX_HALF = 4611686018427387903n;

/** Redis zrandmemberCommand; every random choice comes from the update's seeded x.rng. */
function zrandmember(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  if (args.length >= 3) {
    const raw = parseInt64(args[2] as string);
    if (raw === null) return err.notInteger;
    if (BigInt(raw) < -9223372036854775807n) return err.valueOutOfRange('-9223372036854775807', '9223372036854775807');
    let withScores = false;
    if (args.length > 4 || (args.length === 4 && !optIs(args[3] as string, 'withscores'))) return err.syntax;
    if (args.length === 4) {
      withScores = true;
      if (BigInt(raw) < -LONG_MAX_HALF || BigInt(raw) > LONG_MAX_HALF) return err.outOfRange;
    }
    return zrandmemberWithCount(x, key, Number(raw), withScores);
  }
  const z = getZset(x, key, true);
  if (z === undefined) return null;
  if (z instanceof ErrorReply) return z;
  return z.memberAt(x.rng.int(z.size));
}

function zrandmemberWithCount(x: Exec, key: string, l: number, withScores: boolean): Reply {
  const z = getZset(x, key, true);
  if (z === undefined) return [];
  if (z instanceof ErrorReply) return z;
  const size = z.size;
  const uniq = l >= 0;
  const count = Math.abs(l);
  if (count === 0) return [];
  const members: string[] = [];
  const scores: number[] = [];
  const reply = (): Reply => (withScores ? new PairsReply(pairs(members, scores)) : members);

  // With repetitions (negative count), or a single element: independent uniform picks.
  if (!uniq || count === 1) {
    if (count > zrandmemberCountMax) return err.notImplemented(`ZRANDMEMBER count beyond ${zrandmemberCountMax}`);
    for (let i = 0; i < count; i++) {
      const r = x.rng.int(size);
      members.push(z.memberAt(r));
      if (withScores) scores.push(z.scoreAt(r));
    }
    return reply();
  }
  // The whole set, in Redis's iteration order (highest first).
  if (count >= size) {
    z.forEachReverse((m, s) => {
      members.push(m);
      scores.push(s);
    });
    return reply();
  }
  // Most of the set: copy it, remove random elements until `count` remain.
  if (count * 3 > size) {
    const all: number[] = [];
    for (let i = 0; i < size; i++) all.push(i);
    while (all.length > count) {
      const i = x.rng.int(all.length);
      all[i] = all[all.length - 1] as number;
      all.pop();
    }
    const ms: string[] = [];
    const ss: number[] = [];
    z.forEach((m, s) => {
      ms.push(m);
      ss.push(s);
    });
    for (const r of all) {
      members.push(ms[r] as string);
      scores.push(ss[r] as number);
    }
    return reply();
  }
  // A small part: the listpack samples in order (lpRandomPairsUnique), the skiplist picks
  // distinct random elements.
  if (z.lp !== null) {
    let need = count;
    for (let i = 0; i < size && need > 0; i++) {
      if (x.rng.int(size - i) < need) {
        members.push(z.memberAt(i));
        scores.push(z.scoreAt(i));
        need--;
      }
    }
    return reply();
  }
  const seen = new Set<number>();
  while (seen.size < count) {
    const r = x.rng.int(size);
    if (seen.has(r)) continue;
    seen.add(r);
    members.push(z.memberAt(r));
    scores.push(z.scoreAt(r));
  }
  return reply();
}

// ---- ZSCAN ---------------------------------------------------------------------------------

function zscan(x: Exec, args: string[]): Reply {
  let cursor = parseScanCursor(args[2] as string);
  if (cursor === null) return err.invalidCursor;
  const z = getZset(x, args[1] as string, true);
  if (z === undefined) return ['0', []];
  if (z instanceof ErrorReply) return z;
  let count = 10;
  let pattern: string | null = null;
  for (let i = 3; i < args.length; ) {
    const opt = args[i] as string;
    const left = args.length - i;
    if (optIs(opt, 'count') && left >= 2) {
      const c = parseLong(args[i + 1] as string);
      if (c === null) return err.notInteger;
      if (c < 1) return err.syntax;
      count = c;
      i += 2;
    } else if (optIs(opt, 'match') && left >= 2) {
      pattern = args[i + 1] as string;
      i += 2;
    } else return err.syntax;
  }
  const found: string[] = [];
  if (z.lp !== null) {
    z.forEach((m, s) => {
      found.push(m, listpackScoreText(s));
    });
    cursor = 0;
  } else {
    // dictScan a bucket at a time; the list holds member and score, so COUNT counts both.
    let maxIterations = count * 10;
    const visit = (m: string, s: number): void => {
      found.push(m, formatScanScore(s));
    };
    do {
      cursor = z.scanStep(cursor, visit);
    } while (cursor !== 0 && maxIterations-- > 0 && found.length < count);
  }
  let items = found;
  if (pattern !== null && pattern !== '*') {
    items = [];
    for (let i = 0; i < found.length; i += 2) {
      if (stringMatch(pattern, found[i] as string)) items.push(found[i] as string, found[i + 1] as string);
    }
  }
  return [String(cursor), items];
}

/**
 * A skiplist zset's score in ZSCAN: createStringObjectFromLongDouble(score, 0), i.e. "%.17Lg" of
 * the double (the same digits as %.17g, integers included) and "inf"/"-inf".
 */
function formatScanScore(s: number): string {
  return formatDouble(s);
}

// ---- ZUNION, ZINTER, ZDIFF, ZINTERCARD and their STORE forms -------------------------------

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

interface Source {
  /** A zset, a set (each member scoring 1, as Redis's zuiNext gives a set's), or nothing. */
  value: ZSetValue | SetValue | null;
  size: number;
  weight: number;
}

/** Every (member, score) of a source, in Redis's zuiNext order for zsets (highest first). */
function forEachSource(src: Source, fn: (m: string, s: number) => void): void {
  const v = src.value;
  if (v === null) return;
  if (v instanceof ZSetValue) v.forEachReverse(fn);
  else v.forEach((m) => fn(m, 1));
}

function findInSource(src: Source, m: string): number | undefined {
  const v = src.value;
  if (v === null) return undefined;
  if (v instanceof ZSetValue) return v.score(m);
  return v.has(m) ? 1 : undefined;
}

/** Redis zunionInterAggregate: SUM turns NaN (inf + -inf) into 0; MIN/MAX keep the target on NaN. */
function aggregate(target: number, val: number, agg: Aggregate): number {
  if (agg === 'sum') {
    const t = target + val;
    return Number.isNaN(t) ? 0 : t;
  }
  if (agg === 'min') return val < target ? val : target;
  return val > target ? val : target;
}

/** Redis zunionInterDiffGenericCommand. */
function zsetOp(x: Exec, args: string[], dstKey: string | null, numkeysIdx: number, op: SetOp, cardOnly: boolean): Reply {
  const setnum = parseLong(args[numkeysIdx] as string);
  if (setnum === null) return err.notInteger;
  if (setnum < 1) return err.atLeastOneInputKey((args[0] as string).toLowerCase());
  if (setnum > args.length - (numkeysIdx + 1)) return err.syntax;
  const srcs: Source[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = x.lookupRead(args[j] as string);
    if (v === undefined) srcs.push({ value: null, size: 0, weight: 1 });
    else if (v instanceof ZSetValue) srcs.push({ value: v, size: v.size, weight: 1 });
    else if (v instanceof SetValue) srcs.push({ value: v, size: v.size, weight: 1 });
    else return err.wrongType;
  }
  let agg: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  let remaining = args.length - j;
  while (remaining > 0) {
    const opt = args[j] as string;
    if (op !== 'diff' && !cardOnly && remaining >= setnum + 1 && optIs(opt, 'weights')) {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) {
        const w = parseScore(args[j] as string);
        if (w === null) return err.weightNotFloat;
        (srcs[i] as Source).weight = w;
      }
    } else if (op !== 'diff' && !cardOnly && remaining >= 2 && optIs(opt, 'aggregate')) {
      j++;
      remaining--;
      const a = args[j] as string;
      if (optIs(a, 'sum')) agg = 'sum';
      else if (optIs(a, 'min')) agg = 'min';
      else if (optIs(a, 'max')) agg = 'max';
      else return err.syntax;
      j++;
      remaining--;
    } else if (remaining >= 1 && dstKey === null && !cardOnly && optIs(opt, 'withscores')) {
      j++;
      remaining--;
      withScores = true;
    } else if (cardOnly && remaining >= 2 && optIs(opt, 'limit')) {
      j++;
      remaining--;
      const l = parseLong(args[j] as string);
      if (l === null || l < 0) return err.limitNegative;
      limit = l;
      j++;
      remaining--;
    } else return err.syntax;
  }
  // Inputs by ascending size (a stable sort, as glibc's merge-sort qsort): the order in which
  // scores are aggregated, which floating-point sums can observe.
  if (op !== 'diff') srcs.sort((a, b) => a.size - b.size);

  const members: string[] = [];
  const scores: number[] = [];
  let cardinality = 0;
  const first = srcs[0] as Source;
  if (op === 'inter') {
    if (first.size > 0) {
      const done = { stop: false };
      forEachSource(first, (m, s) => {
        if (done.stop) return;
        let score = first.weight * s;
        if (Number.isNaN(score)) score = 0;
        let k = 1;
        for (; k < srcs.length; k++) {
          const src = srcs[k] as Source;
          if (src.value === first.value) score = aggregate(score, s * src.weight, agg);
          else {
            const v = findInSource(src, m);
            if (v === undefined) break;
            score = aggregate(score, v * src.weight, agg);
          }
        }
        if (k !== srcs.length) return;
        if (cardOnly) {
          cardinality++;
          if (limit > 0 && cardinality >= limit) done.stop = true;
        } else {
          members.push(m);
          scores.push(score);
        }
      });
    }
  } else if (op === 'union') {
    const acc = new Map<string, number>();
    for (const src of srcs) {
      if (src.size === 0) continue;
      forEachSource(src, (m, s) => {
        let score = src.weight * s;
        if (Number.isNaN(score)) score = 0;
        const cur = acc.get(m);
        acc.set(m, cur === undefined ? score : aggregate(cur, score, agg));
      });
    }
    for (const [m, s] of acc) {
      members.push(m);
      scores.push(s);
    }
  } else if (first.size > 0) {
    forEachSource(first, (m, s) => {
      for (let k = 1; k < srcs.length; k++) {
        const src = srcs[k] as Source;
        if (src.value === first.value || findInSource(src, m) !== undefined) return;
      }
      members.push(m);
      scores.push(s);
    });
  }
  if (cardOnly) return cardinality;

  // The result in (score, member) order, as the destination skiplist holds it.
  const order = members.map((_, i) => i);
  order.sort((a, b) => {
    const sa = scores[a] as number;
    const sb = scores[b] as number;
    if (sa !== sb) return sa < sb ? -1 : 1;
    const ma = members[a] as string;
    const mb = members[b] as string;
    return ma < mb ? -1 : ma > mb ? 1 : 0;
  });
  const sortedMembers = order.map((i) => members[i] as string);
  const sortedScores = order.map((i) => scores[i] as number);

  if (dstKey !== null) {
    if (sortedMembers.length === 0) {
      deleteKey(x, dstKey);
      return 0;
    }
    const d = newZset(x, dstKey, true);
    let maxLen = 0;
    for (let i = 0; i < sortedMembers.length; i++) {
      const m = sortedMembers[i] as string;
      if (m.length > maxLen) maxLen = m.length;
      d.add(sortedScores[i] as number, m, 0, x.ks.encoding, addOut);
    }
    d.convertToListpackIfFits(maxLen, x.ks.encoding);
    storeKey(x, dstKey, d);
    x.notify(op === 'union' ? 'zunionstore' : op === 'inter' ? 'zinterstore' : 'zdiffstore', dstKey, 'z');
    return d.size;
  }
  if (!withScores) return sortedMembers;
  return new PairsReply(pairs(sortedMembers, sortedScores));
}

// ---- key positions of the movable-key commands ---------------------------------------------

/** numkeys at `numkeysIdx`, then that many keys; `withDst` adds args[1] first (…STORE). */
function numkeysKeys(numkeysIdx: number, withDst: boolean) {
  return (args: string[]): number[] => {
    const n = parseLong(args[numkeysIdx] as string);
    if (n === null || n < 1 || n > args.length - numkeysIdx - 1) return [];
    const out: number[] = withDst ? [1] : [];
    for (let i = 1; i <= n; i++) out.push(numkeysIdx + i);
    return out;
  };
}

// ---- blocking forms ------------------------------------------------------------------------

const lastArgTimeout = (args: string[]): number => args.length - 1;
registerBlocking('bzpopmin', {
  type: 'zset',
  timeoutIndex: lastArgTimeout,
  keys: (args) => args.slice(1, -1),
  serveArgs: (args, key) => [args[0] as string, key, args[args.length - 1] as string],
});
registerBlocking('bzpopmax', {
  type: 'zset',
  timeoutIndex: lastArgTimeout,
  keys: (args) => args.slice(1, -1),
  serveArgs: (args, key) => [args[0] as string, key, args[args.length - 1] as string],
});
registerBlocking('bzmpop', {
  type: 'zset',
  timeoutIndex: () => 1,
  keys: (args) => numkeysKeys(2, false)(args).map((i) => args[i] as string),
  serveArgs: (args, key) => {
    const n = Number(args[2]);
    return [args[0] as string, args[1] as string, '1', key, ...args.slice(3 + n)];
  },
});

export const commands: CommandDef[] = [
  { name: 'zadd', data: (x, args) => zaddGeneric(x, args, 0) },
  { name: 'zincrby', data: (x, args) => zaddGeneric(x, args, ZADD_INCR) },
  { name: 'zrem', data: zrem },
  { name: 'zremrangebyrank', data: zremrange('rank') },
  { name: 'zremrangebyscore', data: zremrange('score') },
  { name: 'zremrangebylex', data: zremrange('lex') },
  { name: 'zrange', data: (x, args) => zrangeGeneric(x, args, 1, false, 'auto', 'auto') },
  { name: 'zrangestore', data: (x, args) => zrangeGeneric(x, args, 2, true, 'auto', 'auto') },
  { name: 'zrevrange', data: (x, args) => zrangeGeneric(x, args, 1, false, 'rank', 'reverse') },
  { name: 'zrangebyscore', data: (x, args) => zrangeGeneric(x, args, 1, false, 'score', 'forward') },
  { name: 'zrevrangebyscore', data: (x, args) => zrangeGeneric(x, args, 1, false, 'score', 'reverse') },
  { name: 'zrangebylex', data: (x, args) => zrangeGeneric(x, args, 1, false, 'lex', 'forward') },
  { name: 'zrevrangebylex', data: (x, args) => zrangeGeneric(x, args, 1, false, 'lex', 'reverse') },
  { name: 'zcard', data: zcard },
  { name: 'zscore', data: zscore },
  { name: 'zmscore', data: zmscore },
  { name: 'zrank', data: zrank(false) },
  { name: 'zrevrank', data: zrank(true) },
  { name: 'zcount', data: zcount },
  { name: 'zlexcount', data: zlexcount },
  { name: 'zpopmin', data: zpopMinMax(false) },
  { name: 'zpopmax', data: zpopMinMax(true) },
  { name: 'zmpop', data: zmpop, keys: numkeysKeys(1, false) },
  { name: 'bzpopmin', data: bzpopMinMax(false) },
  { name: 'bzpopmax', data: bzpopMinMax(true) },
  { name: 'bzmpop', data: bzmpop, keys: numkeysKeys(2, false) },
  { name: 'zrandmember', data: zrandmember },
  { name: 'zscan', data: zscan },
  { name: 'zunion', data: (x, args) => zsetOp(x, args, null, 1, 'union', false), keys: numkeysKeys(1, false) },
  { name: 'zinter', data: (x, args) => zsetOp(x, args, null, 1, 'inter', false), keys: numkeysKeys(1, false) },
  { name: 'zdiff', data: (x, args) => zsetOp(x, args, null, 1, 'diff', false), keys: numkeysKeys(1, false) },
  { name: 'zintercard', data: (x, args) => zsetOp(x, args, null, 1, 'inter', true), keys: numkeysKeys(1, false) },
  { name: 'zunionstore', data: (x, args) => zsetOp(x, args, args[1] as string, 2, 'union', false), keys: numkeysKeys(2, true) },
  { name: 'zinterstore', data: (x, args) => zsetOp(x, args, args[1] as string, 2, 'inter', false), keys: numkeysKeys(2, true) },
  { name: 'zdiffstore', data: (x, args) => zsetOp(x, args, args[1] as string, 2, 'diff', false), keys: numkeysKeys(2, true) },
];
