/**
 * The lists family, as Redis 7.0's t_list.c: pushes and pops at both ends (with counts),
 * ranges, LINDEX/LSET/LINSERT/LREM/LTRIM/LPOS, LMOVE/RPOPLPUSH, LMPOP, and the blocking
 * forms BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/BLMPOP. Data handlers only: they touch the keyspace
 * through the Exec and record every change as a list effect; the blocking forms' handlers are
 * the non-blocking behaviour (what MULTI gets), and server/blocking.ts does the waiting.
 */
import type { CommandDef } from './spec';
import type { Exec } from '../engine/exec';
import { ErrorReply, NULL_ARRAY, OK, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { parseInt64 } from '../resp/format';
import { ListValue } from '../engine/types/list';
import { parseBlockTimeout, registerBlocking } from '../server/blocking';
import { optIs } from './args';

/** LLONG_MIN, which Redis negates into itself; compared as text (its double is not unique). */
const LLONG_MIN_TEXT = '-9223372036854775808';

/** Redis getLongFromObject: a signed 64-bit integer as a number (exact up to 2^53; beyond, only compared). */
function parseLong(s: string): number | null {
  const v = parseInt64(s);
  return v === null ? null : Number(v);
}

type Where = 'left' | 'right';

/** Redis getListPositionFromObjectOrReply: LEFT or RIGHT, else a syntax error. */
function parseWhere(s: string): Where | null {
  if (optIs(s, 'left')) return 'left';
  if (optIs(s, 'right')) return 'right';
  return null;
}

/** The list at `key`, undefined when missing, or the WRONGTYPE error. */
function getList(x: Exec, key: string, read = false): ListValue | undefined | ErrorReply {
  const v = read ? x.lookupRead(key) : x.lookup(key);
  if (v === undefined) return undefined;
  return v instanceof ListValue ? v : err.wrongType;
}

/** Push `items` at one end, creating the list; one effect and one event (pushGenericCommand). */
function push(x: Exec, key: string, list: ListValue | undefined, items: string[], where: Where): ListValue {
  if (list === undefined) {
    list = new ListValue();
    x.db.data.set(key, list);
  }
  if (where === 'left') for (const v of items) list.pushHead(v);
  else for (const v of items) list.pushTail(v);
  x.effects.push({ op: where === 'left' ? 'lpush' : 'rpush', db: x.dbIndex, key, items });
  x.notify(where === 'left' ? 'lpush' : 'rpush', key, 'l');
  return list;
}

/**
 * Delete a list its command left empty (Redis dbDelete + "del" event). No effect of its own:
 * the list effect that emptied it deletes the key on replay too.
 */
function deleteIfEmpty(x: Exec, key: string, list: ListValue): void {
  if (list.size > 0) return;
  x.db.data.delete(key);
  x.db.expires.delete(key);
  x.notify('del', key, 'g');
}

/** Pop `count` (<= size) items from one end, in pop order; effect, "lpop"/"rpop" event, "del" if emptied (listElementsRemoved). */
function pop(x: Exec, key: string, list: ListValue, count: number, where: Where): string[] {
  const out: string[] = [];
  if (where === 'left') for (let i = 0; i < count; i++) out.push(list.popHead() as string);
  else for (let i = 0; i < count; i++) out.push(list.popTail() as string);
  x.effects.push({ op: where === 'left' ? 'lpop' : 'rpop', db: x.dbIndex, key, count });
  x.notify(where === 'left' ? 'lpop' : 'rpop', key, 'l');
  deleteIfEmpty(x, key, list);
  return out;
}

function pushCommand(where: Where, onlyExisting: boolean) {
  return (x: Exec, args: string[]): Reply => {
    const key = args[1] as string;
    const list = getList(x, key);
    if (list instanceof ErrorReply) return list;
    if (list === undefined && onlyExisting) return 0;
    return push(x, key, list, args.slice(2), where).size;
  };
}

/** LPOP/RPOP key [count] (popGenericCommand). */
function popCommand(where: Where) {
  return (x: Exec, args: string[]): Reply => {
    if (args.length > 3) return err.arity((args[0] as string).toLowerCase());
    const hasCount = args.length === 3;
    let count = 0;
    if (hasCount) {
      const c = parseLong(args[2] as string);
      if (c === null || c < 0) return err.mustBePositive;
      count = c;
    }
    const key = args[1] as string;
    const list = getList(x, key);
    if (list === undefined) return hasCount ? NULL_ARRAY : null;
    if (list instanceof ErrorReply) return list;
    if (!hasCount) return pop(x, key, list, 1, where)[0] as string;
    if (count === 0) return [];
    return pop(x, key, list, Math.min(count, list.size), where);
  };
}

function llen(x: Exec, args: string[]): Reply {
  const list = getList(x, args[1] as string, true);
  if (list === undefined) return 0;
  if (list instanceof ErrorReply) return list;
  return list.size;
}

/** Redis's start/end normalisation of LRANGE/LTRIM: [start, end] clamped, or null when empty. */
function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

function lrange(x: Exec, args: string[]): Reply {
  const start = parseLong(args[2] as string);
  const end = parseLong(args[3] as string);
  if (start === null || end === null) return err.notInteger;
  const list = getList(x, args[1] as string, true);
  if (list === undefined) return [];
  if (list instanceof ErrorReply) return list;
  const r = clampRange(start, end, list.size);
  return r === null ? [] : list.range(r[0], r[1]);
}

function lindex(x: Exec, args: string[]): Reply {
  const list = getList(x, args[1] as string, true);
  if (list === undefined) return null;
  if (list instanceof ErrorReply) return list;
  let i = parseLong(args[2] as string);
  if (i === null) return err.notInteger;
  if (i < 0) i += list.size;
  return i >= 0 && i < list.size ? list.at(i) : null;
}

function lset(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const list = getList(x, key);
  if (list === undefined) return err.noSuchKey;
  if (list instanceof ErrorReply) return list;
  let i = parseLong(args[2] as string);
  if (i === null) return err.notInteger;
  if (i < 0) i += list.size;
  if (i < 0 || i >= list.size) return err.indexOutOfRange;
  const value = args[3] as string;
  list.set(i, value);
  x.effects.push({ op: 'lset', db: x.dbIndex, key, index: i, value });
  x.notify('lset', key, 'l');
  return OK;
}

function linsert(x: Exec, args: string[]): Reply {
  let after: boolean;
  if (optIs(args[2] as string, 'after')) after = true;
  else if (optIs(args[2] as string, 'before')) after = false;
  else return err.syntax;
  const key = args[1] as string;
  const list = getList(x, key);
  if (list === undefined) return 0;
  if (list instanceof ErrorReply) return list;
  const pivot = args[3] as string;
  const n = list.size;
  let found = -1;
  for (let i = 0; i < n; i++) {
    if (list.at(i) === pivot) {
      found = i;
      break;
    }
  }
  if (found < 0) return -1;
  const index = after ? found + 1 : found;
  const value = args[4] as string;
  list.insertAt(index, value);
  x.effects.push({ op: 'linsert', db: x.dbIndex, key, index, value });
  x.notify('linsert', key, 'l');
  return list.size;
}

function lrem(x: Exec, args: string[]): Reply {
  const toRemove = parseLong(args[2] as string);
  if (toRemove === null) return err.notInteger;
  const key = args[1] as string;
  const list = getList(x, key);
  if (list === undefined) return 0;
  if (list instanceof ErrorReply) return list;
  const value = args[3] as string;
  const n = list.size;
  // LLONG_MIN stays negative when Redis negates it: from the tail, no limit.
  const limit = args[2] === LLONG_MIN_TEXT ? 0 : Math.abs(toRemove);
  const indexes: number[] = [];
  if (toRemove < 0) {
    for (let i = n - 1; i >= 0; i--) {
      if (list.at(i) === value) {
        indexes.push(i);
        if (indexes.length === limit) break;
      }
    }
    indexes.reverse();
  } else {
    for (let i = 0; i < n; i++) {
      if (list.at(i) === value) {
        indexes.push(i);
        if (indexes.length === limit) break;
      }
    }
  }
  if (indexes.length > 0) {
    list.removeAt(indexes);
    x.effects.push({ op: 'lremat', db: x.dbIndex, key, indexes });
    x.notify('lrem', key, 'l');
    deleteIfEmpty(x, key, list);
  }
  return indexes.length;
}

function ltrim(x: Exec, args: string[]): Reply {
  const start = parseLong(args[2] as string);
  const end = parseLong(args[3] as string);
  if (start === null || end === null) return err.notInteger;
  const key = args[1] as string;
  const list = getList(x, key);
  if (list === undefined) return OK;
  if (list instanceof ErrorReply) return list;
  const r = clampRange(start, end, list.size);
  const [from, to] = r ?? [1, 0];
  list.trim(from, to);
  // Emitted even when nothing is removed: Redis signals the key modified (WATCH) regardless.
  x.effects.push({ op: 'ltrim', db: x.dbIndex, key, start: from, stop: to });
  x.notify('ltrim', key, 'l');
  deleteIfEmpty(x, key, list);
  return OK;
}

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] (lposCommand). */
function lpos(x: Exec, args: string[]): Reply {
  let rank = 1;
  let wrapped = false;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < args.length; j++) {
    const opt = args[j] as string;
    const moreArgs = args.length - 1 - j;
    if (optIs(opt, 'rank') && moreArgs > 0) {
      const v = parseLong(args[++j] as string);
      if (v === null) return err.notInteger;
      if (v === 0) return err.lposRankZero;
      rank = v;
      wrapped = args[j] === LLONG_MIN_TEXT;
    } else if (optIs(opt, 'count') && moreArgs > 0) {
      // getRangeLongFromObjectOrReply with a message: a non-integer gets the same text.
      const v = parseLong(args[++j] as string);
      if (v === null || v < 0) return err.lposCountNegative;
      count = v;
    } else if (optIs(opt, 'maxlen') && moreArgs > 0) {
      const v = parseLong(args[++j] as string);
      if (v === null || v < 0) return err.lposMaxlenNegative;
      maxlen = v;
    } else return err.syntax;
  }
  const list = getList(x, args[1] as string, true);
  if (list === undefined) return count !== -1 ? [] : null;
  if (list instanceof ErrorReply) return list;
  // A negative rank searches from the tail; LLONG_MIN stays negative when Redis negates it,
  // so every match qualifies and COUNT never stops the scan.
  const fromTail = rank < 0;
  if (fromTail) rank = wrapped ? -Infinity : -rank;
  const element = args[2] as string;
  const n = list.size;
  const found: number[] = [];
  let matches = 0;
  for (let index = 0; index < n && (maxlen === 0 || index < maxlen); index++) {
    const pos = fromTail ? n - index - 1 : index;
    if (list.at(pos) !== element) continue;
    matches++;
    if (matches < rank) continue;
    found.push(pos);
    if (count === -1) break;
    if (count !== 0 && !wrapped && matches - rank + 1 >= count) break;
  }
  if (count !== -1) return found;
  return found.length > 0 ? (found[0] as number) : null;
}

/** LMOVE's body after its arguments are parsed (lmoveGenericCommand); null when the source is missing. */
function lmoveGeneric(x: Exec, src: string, dst: string, from: Where, to: Where): Reply {
  const source = getList(x, src);
  if (source === undefined) return null;
  if (source instanceof ErrorReply) return source;
  const dest = getList(x, dst);
  if (dest instanceof ErrorReply) return dest;
  const value = (from === 'left' ? source.popHead() : source.popTail()) as string;
  // The push effect comes first: replaying "pop then push" on a one-element list rotated onto
  // itself would delete the key in between, losing its TTL; push-then-pop ends the same.
  push(x, dst, src === dst ? source : dest, [value], to);
  x.effects.push({ op: from === 'left' ? 'lpop' : 'rpop', db: x.dbIndex, key: src, count: 1 });
  x.notify(from === 'left' ? 'lpop' : 'rpop', src, 'l');
  deleteIfEmpty(x, src, source);
  return value;
}

function lmove(x: Exec, args: string[]): Reply {
  const from = parseWhere(args[3] as string);
  const to = parseWhere(args[4] as string);
  if (from === null || to === null) return err.syntax;
  return lmoveGeneric(x, args[1] as string, args[2] as string, from, to);
}

function rpoplpush(x: Exec, args: string[]): Reply {
  return lmoveGeneric(x, args[1] as string, args[2] as string, 'right', 'left');
}

/** Parsed [B]LMPOP arguments, or the error (lmpopGenericCommand). */
function parseMpop(args: string[], numkeysIdx: number): { keys: string[]; where: Where; count: number } | ErrorReply {
  const numkeys = parseLong(args[numkeysIdx] as string);
  if (numkeys === null || numkeys < 1) return err.numkeysPositive;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= args.length) return err.syntax;
  const where = parseWhere(args[whereIdx] as string);
  if (where === null) return err.syntax;
  let count = -1;
  for (let j = whereIdx + 1; j < args.length; j++) {
    const moreArgs = args.length - 1 - j;
    if (count === -1 && optIs(args[j] as string, 'count') && moreArgs > 0) {
      const c = parseLong(args[++j] as string);
      if (c === null || c < 1) return err.countPositive;
      count = c;
    } else return err.syntax;
  }
  return { keys: args.slice(numkeysIdx + 1, whereIdx), where, count: count === -1 ? 1 : count };
}

/** Pop from the first non-empty list of `keys` (mpopGenericCommand): [key, [items]], or a null array. */
function mpop(x: Exec, keys: string[], where: Where, count: number): Reply {
  for (const key of keys) {
    const list = getList(x, key);
    if (list === undefined) continue;
    if (list instanceof ErrorReply) return list;
    return [key, pop(x, key, list, Math.min(count, list.size), where)];
  }
  return NULL_ARRAY;
}

function lmpop(x: Exec, args: string[]): Reply {
  const p = parseMpop(args, 1);
  if (p instanceof ErrorReply) return p;
  return mpop(x, p.keys, p.where, p.count);
}

/** BLPOP/BRPOP, non-blocking form (blockingPopGenericCommand up to the block). */
function bpopCommand(where: Where) {
  return (x: Exec, args: string[]): Reply => {
    const timeout = parseBlockTimeout(args[args.length - 1] as string);
    if (timeout instanceof ErrorReply) return timeout;
    for (let j = 1; j < args.length - 1; j++) {
      const key = args[j] as string;
      const list = getList(x, key);
      if (list === undefined) continue;
      if (list instanceof ErrorReply) return list;
      return [key, pop(x, key, list, 1, where)[0] as string];
    }
    return NULL_ARRAY;
  };
}

/** BLMOVE/BRPOPLPUSH, non-blocking form (blmoveGenericCommand): null when it would block. */
function blmoveGeneric(x: Exec, args: string[], from: Where, to: Where): Reply {
  const src = getList(x, args[1] as string);
  if (src instanceof ErrorReply) return src;
  if (src === undefined) return null;
  return lmoveGeneric(x, args[1] as string, args[2] as string, from, to);
}

function blmove(x: Exec, args: string[]): Reply {
  const from = parseWhere(args[3] as string);
  const to = parseWhere(args[4] as string);
  if (from === null || to === null) return err.syntax;
  const timeout = parseBlockTimeout(args[5] as string);
  if (timeout instanceof ErrorReply) return timeout;
  return blmoveGeneric(x, args, from, to);
}

function brpoplpush(x: Exec, args: string[]): Reply {
  const timeout = parseBlockTimeout(args[3] as string);
  if (timeout instanceof ErrorReply) return timeout;
  return blmoveGeneric(x, args, 'right', 'left');
}

function blmpop(x: Exec, args: string[]): Reply {
  const p = parseMpop(args, 2);
  if (p instanceof ErrorReply) return p;
  const timeout = parseBlockTimeout(args[1] as string);
  if (timeout instanceof ErrorReply) return timeout;
  return mpop(x, p.keys, p.where, p.count);
}

/** Key positions of [B]LMPOP (movablekeys): numkeys keys after the numkeys argument. */
function mpopKeys(numkeysIdx: number) {
  return (args: string[]): number[] => {
    const n = parseLong(args[numkeysIdx] as string);
    if (n === null || n < 1 || numkeysIdx + n >= args.length) return [];
    const out: number[] = [];
    for (let i = 1; i <= n; i++) out.push(numkeysIdx + i);
    return out;
  };
}

// How the blocking forms wait, and how a waiter is served from the one key that became ready.
const lastArgTimeout = (args: string[]): number => args.length - 1;
registerBlocking('blpop', {
  type: 'list',
  timeoutIndex: lastArgTimeout,
  keys: (args) => args.slice(1, -1),
  serveArgs: (args, key) => [args[0] as string, key, args[args.length - 1] as string],
});
registerBlocking('brpop', {
  type: 'list',
  timeoutIndex: lastArgTimeout,
  keys: (args) => args.slice(1, -1),
  serveArgs: (args, key) => [args[0] as string, key, args[args.length - 1] as string],
});
registerBlocking('blmove', { type: 'list', timeoutIndex: lastArgTimeout, keys: (args) => [args[1] as string], serveArgs: (args) => args });
registerBlocking('brpoplpush', { type: 'list', timeoutIndex: lastArgTimeout, keys: (args) => [args[1] as string], serveArgs: (args) => args });
registerBlocking('blmpop', {
  type: 'list',
  timeoutIndex: () => 1,
  keys: (args) => mpopKeys(2)(args).map((i) => args[i] as string),
  serveArgs: (args, key) => {
    const n = Number(args[2]);
    return [args[0] as string, args[1] as string, '1', key, ...args.slice(3 + n)];
  },
});

export const commands: CommandDef[] = [
  { name: 'lpush', data: pushCommand('left', false) },
  { name: 'rpush', data: pushCommand('right', false) },
  { name: 'lpushx', data: pushCommand('left', true) },
  { name: 'rpushx', data: pushCommand('right', true) },
  { name: 'lpop', data: popCommand('left') },
  { name: 'rpop', data: popCommand('right') },
  { name: 'llen', data: llen },
  { name: 'lrange', data: lrange },
  { name: 'lindex', data: lindex },
  { name: 'lset', data: lset },
  { name: 'linsert', data: linsert },
  { name: 'lrem', data: lrem },
  { name: 'ltrim', data: ltrim },
  { name: 'lpos', data: lpos },
  { name: 'lmove', data: lmove },
  { name: 'rpoplpush', data: rpoplpush },
  { name: 'lmpop', data: lmpop, keys: mpopKeys(1) },
  { name: 'blpop', data: bpopCommand('left') },
  { name: 'brpop', data: bpopCommand('right') },
  { name: 'blmove', data: blmove },
  { name: 'brpoplpush', data: brpoplpush },
  { name: 'blmpop', data: blmpop, keys: mpopKeys(2) },
];
