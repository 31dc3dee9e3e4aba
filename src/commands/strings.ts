/**
 * The strings family, as Redis 7.0's t_string.c: GET/SET and their variants, counters
 * (64-bit integers and x87 long doubles), ranges, MGET/MSET, LCS. Data handlers only: they
 * touch the keyspace through the Exec (effects, keyspace events, ctx time), never the clock,
 * Math.random or a session.
 */
import type { CommandDef } from './spec';
import type { Exec } from '../engine/exec';
import { ErrorReply, MapReply, OK, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { parseInt64 } from '../resp/format';
import { type StringValue, isString, stringLength, stringOf } from '../engine/values';
import { LD_ZERO, addLongDouble, formatLongDouble, parseLongDouble } from '../engine/longdouble';
import { protoMaxBulkLenDefault, stringBytesMax } from '../limits';
import { optIs } from './args';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** LLONG_MAX / 1000: larger EX/EXAT seconds would overflow when turned into ms. */
const SECONDS_MAX = 9223372036854775n;

// Redis's OBJ_* flags of parseExtendedStringArgumentsOrReply.
const F_NX = 1;
const F_XX = 2;
const F_EX = 4;
const F_PX = 8;
const F_KEEPTTL = 16;
const F_GET = 32;
const F_EXAT = 64;
const F_PXAT = 128;
const F_PERSIST = 256;
const F_ANY_EXPIRE = F_EX | F_PX | F_EXAT | F_PXAT;

/** Index of the EX/PX/EXAT/PXAT argument found by the last parseStringOptions call (0: none). */
let optExpireIndex = 0;

/**
 * Redis parseExtendedStringArgumentsOrReply for SET (from index 3) and GETEX (from 2): the
 * flags, or -1 for a syntax error. Repeating the same option is accepted (the last expire
 * wins), conflicting ones are a syntax error, exactly as Redis's condition chain.
 */
function parseStringOptions(args: string[], start: number, isSet: boolean): number {
  let flags = 0;
  optExpireIndex = 0;
  const argc = args.length;
  for (let j = start; j < argc; j++) {
    const opt = args[j] as string;
    const hasNext = j < argc - 1;
    if (isSet && optIs(opt, 'nx') && !(flags & F_XX)) {
      flags |= F_NX;
    } else if (isSet && optIs(opt, 'xx') && !(flags & F_NX)) {
      flags |= F_XX;
    } else if (isSet && optIs(opt, 'get')) {
      flags |= F_GET;
    } else if (isSet && optIs(opt, 'keepttl') && !(flags & (F_PERSIST | F_ANY_EXPIRE))) {
      flags |= F_KEEPTTL;
    } else if (!isSet && optIs(opt, 'persist') && !(flags & (F_ANY_EXPIRE | F_KEEPTTL))) {
      flags |= F_PERSIST;
    } else if (optIs(opt, 'ex') && !(flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EX;
      optExpireIndex = ++j;
    } else if (optIs(opt, 'px') && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT)) && hasNext) {
      flags |= F_PX;
      optExpireIndex = ++j;
    } else if (optIs(opt, 'exat') && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EXAT;
      optExpireIndex = ++j;
    } else if (optIs(opt, 'pxat') && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX)) && hasNext) {
      flags |= F_PXAT;
      optExpireIndex = ++j;
    } else {
      return -1;
    }
  }
  return flags;
}

/**
 * Redis getExpireMillisecondsOrReply: the absolute expiry in ms, or the error. Non-positive
 * values, seconds that overflow when multiplied, and relative times that overflow when
 * `now` is added are "invalid expire time in '<cmd>' command".
 */
function expireAtOrError(x: Exec, arg: string, flags: number, cmd: string): number | ErrorReply {
  const v = parseInt64(arg);
  if (v === null) return err.notInteger;
  const seconds = (flags & (F_EX | F_EXAT)) !== 0;
  const relative = (flags & (F_EX | F_PX)) !== 0;
  if (typeof v === 'number') {
    if (v <= 0) return err.invalidExpireTime(cmd);
    let ms = seconds ? v * 1000 : v;
    if (relative) ms += x.nowMs;
    if (Number.isSafeInteger(ms)) return ms;
  }
  let b = BigInt(v);
  if (b <= 0n || (seconds && b > SECONDS_MAX)) return err.invalidExpireTime(cmd);
  if (seconds) b *= 1000n;
  if (relative) b += BigInt(x.nowMs);
  if (b > INT64_MAX) return err.invalidExpireTime(cmd);
  // Beyond 2^53 ms (year 287,396) the expiry is kept as the nearest double.
  return Number(b);
}

/**
 * Redis setGenericCommand: GET (a read, counted as a hit or miss) before the NX/XX test;
 * a TTL is dropped unless KEEPTTL; events "set" then "expire".
 */
function setGeneric(x: Exec, key: string, value: string, flags: number, at: number | null, okReply: Reply, abortReply: Reply): Reply {
  let old: Reply = null;
  if (flags & F_GET) {
    const v = x.lookupRead(key);
    if (v !== undefined) {
      if (!isString(v)) return err.wrongType;
      old = stringOf(v);
    }
  }
  // Only NX and XX need to know whether the key exists; put() itself deletes an expired key
  // first (with the same effect and event), so a plain SET looks the key up once, not twice.
  const found = (flags & (F_NX | F_XX)) !== 0 && x.lookup(key) !== undefined;
  if ((flags & F_NX && found) || (flags & F_XX && !found)) return flags & F_GET ? old : abortReply;
  x.put(key, value, at !== null ? at : flags & F_KEEPTTL ? 'keep' : null);
  x.notify('set', key, '$');
  if (at !== null) x.notify('expire', key, 'g');
  return flags & F_GET ? old : okReply;
}

function setCommand(x: Exec, args: string[]): Reply {
  let flags = 0;
  let at: number | null = null;
  if (args.length > 3) {
    flags = parseStringOptions(args, 3, true);
    if (flags < 0) return err.syntax;
    if (optExpireIndex !== 0) {
      const r = expireAtOrError(x, args[optExpireIndex] as string, flags, 'set');
      if (r instanceof ErrorReply) return r;
      at = r;
    }
  }
  return setGeneric(x, args[1] as string, args[2] as string, flags, at, OK, null);
}

function setexGeneric(x: Exec, args: string[], flag: number, cmd: string): Reply {
  const r = expireAtOrError(x, args[2] as string, flag, cmd);
  if (r instanceof ErrorReply) return r;
  return setGeneric(x, args[1] as string, args[3] as string, flag, r, OK, null);
}

function getCommand(x: Exec, args: string[]): Reply {
  const v = x.lookupRead(args[1] as string);
  if (v === undefined) return null;
  return isString(v) ? stringOf(v) : err.wrongType;
}

function getexCommand(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const flags = parseStringOptions(args, 2, false);
  if (flags < 0) return err.syntax;
  const expireIndex = optExpireIndex;
  const v = x.lookupRead(key);
  if (v === undefined) return null;
  if (!isString(v)) return err.wrongType;
  // Redis validates the expire time only once the key is known to be a string.
  let at = 0;
  if (expireIndex !== 0) {
    const r = expireAtOrError(x, args[expireIndex] as string, flags, 'getex');
    if (r instanceof ErrorReply) return r;
    at = r;
  }
  const value = stringOf(v);
  if (flags & (F_EXAT | F_PXAT) && at <= x.nowMs) {
    // An absolute time already past deletes the key (Redis checkAlreadyExpired).
    x.del(key);
    x.notify('del', key, 'g');
  } else if (expireIndex !== 0) {
    x.setExpire(key, at);
    x.notify('expire', key, 'g');
  } else if (flags & F_PERSIST && x.expireAt(key) !== undefined) {
    x.setExpire(key, null);
    x.notify('persist', key, 'g');
  }
  return value;
}

function getdelCommand(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const v = x.lookupRead(key);
  if (v === undefined) return null;
  if (!isString(v)) return err.wrongType;
  const value = stringOf(v);
  x.del(key);
  x.notify('del', key, 'g');
  return value;
}

function getsetCommand(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const v = x.lookupRead(key);
  let old: Reply = null;
  if (v !== undefined) {
    if (!isString(v)) return err.wrongType;
    old = stringOf(v);
  }
  x.put(key, args[2] as string, null);
  x.notify('set', key, '$');
  return old;
}

function mgetCommand(x: Exec, args: string[]): Reply {
  const out: Reply[] = new Array<Reply>(args.length - 1);
  for (let j = 1; j < args.length; j++) {
    const v = x.lookupRead(args[j] as string);
    out[j - 1] = v !== undefined && isString(v) ? stringOf(v) : null;
  }
  return out;
}

/** Redis msetGenericCommand: pairs in order, so a repeated key ends with its last value. */
function msetGeneric(x: Exec, args: string[], nx: boolean): Reply {
  if (args.length % 2 === 0) return err.arity(nx ? 'msetnx' : 'mset');
  if (nx) {
    for (let j = 1; j < args.length; j += 2) if (x.lookup(args[j] as string) !== undefined) return 0;
  }
  for (let j = 1; j < args.length; j += 2) {
    const key = args[j] as string;
    if (!nx) x.lookup(key); // setKey's lookupKeyWrite: an expired key is reclaimed first
    x.put(key, args[j + 1] as string, null);
    x.notify('set', key, '$');
  }
  return nx ? 1 : OK;
}

/** Redis checkStringLength against proto-max-bulk-len (its default: data handlers see no config). */
function exceedsMaxLength(size: number, append: number): boolean {
  return size + append > stringBytesMax;
}

function appendCommand(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const bytes = args[2] as string;
  const v = x.lookup(key);
  let total: number;
  if (v === undefined) {
    x.put(key, bytes, null);
    total = bytes.length;
  } else {
    if (!isString(v)) return err.wrongType;
    const len = stringLength(v);
    if (exceedsMaxLength(len, bytes.length)) return err.stringTooLong;
    // Even an empty append makes the value raw, as Redis's dbUnshareStringValue does.
    total = x.setRange(key, len, bytes).len;
  }
  x.notify('append', key, '$');
  return total;
}

function setrangeCommand(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const parsed = parseInt64(args[2] as string);
  if (parsed === null) return err.notInteger;
  if (parsed < 0) return err.offsetOutOfRange;
  const bytes = args[3] as string;
  const offset = Number(parsed);
  const v = x.lookup(key);
  if (v === undefined) {
    if (bytes.length === 0) return 0;
  } else {
    if (!isString(v)) return err.wrongType;
    if (bytes.length === 0) return stringLength(v);
  }
  if (exceedsMaxLength(offset, bytes.length)) return err.stringTooLong;
  const raw = x.setRange(key, offset, bytes);
  x.notify('setrange', key, '$');
  return raw.len;
}

/** GETRANGE / SUBSTR with Redis 7.0's index rules (an end below -len clamps to 0, not empty). */
function getrangeCommand(x: Exec, args: string[]): Reply {
  const s = parseInt64(args[2] as string);
  if (s === null) return err.notInteger;
  const e = parseInt64(args[3] as string);
  if (e === null) return err.notInteger;
  const v = x.lookupRead(args[1] as string);
  if (v === undefined) return '';
  if (!isString(v)) return err.wrongType;
  if (s < 0 && e < 0 && s > e) return '';
  const len = stringLength(v);
  let start = Number(s);
  let end = Number(e);
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return '';
  return typeof v === 'string' ? v.slice(start, end + 1) : v.slice(start, end + 1);
}

function strlenCommand(x: Exec, args: string[]): Reply {
  const v = x.lookupRead(args[1] as string);
  if (v === undefined) return 0;
  return isString(v) ? stringLength(v) : err.wrongType;
}

/** A stored value as Redis's getLongLongFromObject sees it (string2ll). */
function storedInt64(v: StringValue): number | bigint | null {
  if (typeof v === 'string') return parseInt64(v);
  return v.len > 20 ? null : parseInt64(v.toString());
}

/** Redis incrDecrCommand: 64-bit signed, overflow refused, the TTL kept. */
function incrDecr(x: Exec, key: string, incr: number | bigint): Reply {
  const v = x.lookup(key);
  let cur: number | bigint = 0;
  if (v !== undefined) {
    if (!isString(v)) return err.wrongType;
    const p = storedInt64(v);
    if (p === null) return err.notInteger;
    cur = p;
  }
  let next: number | bigint;
  if (typeof cur === 'number' && typeof incr === 'number' && Number.isSafeInteger(cur + incr)) {
    next = cur + incr;
  } else {
    const b = BigInt(cur) + BigInt(incr);
    if (b > INT64_MAX || b < INT64_MIN) return err.overflow;
    const n = Number(b);
    next = Number.isSafeInteger(n) ? n : b;
  }
  x.put(key, String(next), 'keep');
  x.notify('incrby', key, '$');
  return next;
}

function incrbyCommand(x: Exec, args: string[], negate: boolean): Reply {
  const incr = parseInt64(args[2] as string);
  if (incr === null) return err.notInteger;
  if (!negate) return incrDecr(x, args[1] as string, incr);
  if (incr === INT64_MIN) return err.decrementOverflow;
  return incrDecr(x, args[1] as string, typeof incr === 'number' ? (incr === 0 ? 0 : -incr) : -incr);
}

/** Redis incrbyfloatCommand: x87 long double sum, printed with %.17Lf; the TTL kept. */
function incrbyfloatCommand(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const v = x.lookup(key);
  if (v !== undefined && !isString(v)) return err.wrongType;
  const cur = v === undefined ? LD_ZERO : parseLongDouble(stringOf(v));
  if (cur === null) return err.notFloat;
  const incr = parseLongDouble(args[2] as string);
  if (incr === null) return err.notFloat;
  const sum = addLongDouble(cur, incr);
  if (sum === null) return err.incrFloatNaN;
  const out = formatLongDouble(sum);
  x.put(key, out, 'keep');
  x.notify('incrbyfloat', key, '$');
  return out;
}

/**
 * Redis lcsCommand: the O(N·M) dynamic-programming table and its backtrack, so ties resolve
 * and ranges are reported exactly as Redis does (from the end of the strings backwards).
 */
function lcsCommand(x: Exec, args: string[]): Reply {
  const va = x.lookupRead(args[1] as string);
  const vb = x.lookupRead(args[2] as string);
  if ((va !== undefined && !isString(va)) || (vb !== undefined && !isString(vb))) return err.lcsNotStrings;
  let getIdx = false;
  let getLen = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < args.length; j++) {
    const opt = args[j] as string;
    if (optIs(opt, 'idx')) getIdx = true;
    else if (optIs(opt, 'len')) getLen = true;
    else if (optIs(opt, 'withmatchlen')) withMatchLen = true;
    else if (optIs(opt, 'minmatchlen') && j < args.length - 1) {
      const m = parseInt64(args[++j] as string);
      if (m === null) return err.notInteger;
      minMatchLen = m < 0 ? 0 : Number(m);
    } else return err.syntax;
  }
  if (getIdx && getLen) return err.lcsLenAndIdx;
  const a = va === undefined ? '' : stringOf(va as StringValue);
  const b = vb === undefined ? '' : stringOf(vb as StringValue);
  const alen = a.length;
  const blen = b.length;
  const w = blen + 1;
  const cells = (alen + 1) * w;
  if (cells * 4 > protoMaxBulkLenDefault) return err.lcsTooLarge;
  // Cell values never exceed min(alen, blen): 16 bits suffice for every table Redis accepts
  // at the default limit, halving its memory.
  let lcs: Uint16Array | Uint32Array;
  try {
    lcs = Math.min(alen, blen) < 65536 ? new Uint16Array(cells) : new Uint32Array(cells);
  } catch {
    return err.lcsAllocFailed;
  }
  for (let i = 1; i <= alen; i++) {
    const ac = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ac === b.charCodeAt(j - 1)) lcs[row + j] = (lcs[prev + j - 1] as number) + 1;
      else {
        const l1 = lcs[prev + j] as number;
        const l2 = lcs[row + j - 1] as number;
        lcs[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = lcs[alen * w + blen] as number;
  if (getLen) return total;
  const computeIdx = getIdx;
  const result: number[] | null = computeIdx ? null : new Array<number>(total);
  const matches: Reply[] = [];
  let idx = total;
  let aStart = alen; // alen: no range open
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      if (result !== null) result[idx - 1] = a.charCodeAt(i - 1);
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = lcs[(i - 1) * w + j] as number;
      const l2 = lcs[i * w + j - 1] as number;
      if (l1 > l2) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (computeIdx && (minMatchLen === 0 || matchLen >= minMatchLen)) {
        const m: Reply[] = [
          [aStart, aEnd],
          [bStart, bEnd],
        ];
        if (withMatchLen) m.push(matchLen);
        matches.push(m);
      }
      aStart = alen;
    }
  }
  if (computeIdx) return new MapReply(['matches', matches, 'len', total]);
  return bytesToString(result as number[]);
}

function bytesToString(codes: number[]): string {
  let s = '';
  const CHUNK = 8192;
  for (let k = 0; k < codes.length; k += CHUNK) s += String.fromCharCode(...codes.slice(k, k + CHUNK));
  return s;
}

export const commands: CommandDef[] = [
  { name: 'get', data: getCommand },
  { name: 'set', data: setCommand },
  { name: 'setnx', data: (x, args) => setGeneric(x, args[1] as string, args[2] as string, F_NX, null, 1, 0) },
  { name: 'setex', data: (x, args) => setexGeneric(x, args, F_EX, 'setex') },
  { name: 'psetex', data: (x, args) => setexGeneric(x, args, F_PX, 'psetex') },
  { name: 'getset', data: getsetCommand },
  { name: 'getdel', data: getdelCommand },
  { name: 'getex', data: getexCommand },
  { name: 'mget', data: mgetCommand },
  { name: 'mset', data: (x, args) => msetGeneric(x, args, false) },
  { name: 'msetnx', data: (x, args) => msetGeneric(x, args, true) },
  { name: 'append', data: appendCommand },
  { name: 'strlen', data: strlenCommand },
  { name: 'getrange', data: getrangeCommand },
  { name: 'substr', data: getrangeCommand },
  { name: 'setrange', data: setrangeCommand },
  { name: 'incr', data: (x, args) => incrDecr(x, args[1] as string, 1) },
  { name: 'decr', data: (x, args) => incrDecr(x, args[1] as string, -1) },
  { name: 'incrby', data: (x, args) => incrbyCommand(x, args, false) },
  { name: 'decrby', data: (x, args) => incrbyCommand(x, args, true) },
  { name: 'incrbyfloat', data: incrbyfloatCommand },
  { name: 'lcs', data: lcsCommand },
];
