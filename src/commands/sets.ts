/**
 * The sets family, as Redis 7.0.15's t_set.c: the same order of checks, error texts, replies
 * (RESP2 and RESP3: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count are RESP3 sets,
 * SRANDMEMBER an array), keyspace events and encoding conversions. Data handlers only: they
 * touch the keyspace through the Exec and record every change as an `sadd`/`srem` effect
 * sized by the change, or a `put` for a whole new value (a STORE destination, the set SPOP's
 * large-count case rebuilds); random choices (SPOP, SRANDMEMBER) come from the seeded rng.
 */
import type { CommandDef } from './spec';
import type { Exec } from '../engine/exec';
import { ErrorReply, type Reply, SetReply } from '../resp/reply';
import { err } from '../resp/errors';
import { parseInt64 } from '../resp/format';
import { stringMatch } from '../engine/glob';
import { SetValue, setSeed } from '../engine/types/set';
import { optIs, parseScanCursor, parseScanOptions } from './args';
import { srandmemberCountMax } from '../limits';

const INT64_MAX = 9223372036854775807n;
/** Redis SPOP_MOVE_STRATEGY_MUL: SPOP rebuilds the set when what remains is this much smaller. */
const spopMoveStrategyMul = 5;
/** Redis SRANDMEMBER_SUB_STRATEGY_MUL. */
const srandmemberSubStrategyMul = 3;

// ---- keyspace access -------------------------------------------------------------------------

/** The set at `key`: undefined when missing, the WRONGTYPE error for another type. */
function getSet(x: Exec, key: string, read: boolean): SetValue | undefined | ErrorReply {
  const v = read ? x.lookupRead(key) : x.lookup(key);
  if (v === undefined) return undefined;
  return v instanceof SetValue ? v : err.wrongType;
}

/** Redis setTypeCreate + dbAdd: a new set whose encoding the first member decides ("new" event). */
function createSet(x: Exec, key: string, first: string): SetValue {
  const s = SetValue.forMember(first, setSeed(key, x.ks));
  x.db.data.set(key, s);
  x.notify('new', key, 'n');
  return s;
}

/** A set left empty by its command is deleted; the `srem` effect deletes it on replay too. */
function emitRemove(x: Exec, key: string, s: SetValue, members: string[]): void {
  x.effects.push({ op: 'srem', db: x.dbIndex, key, members });
  if (s.size === 0) {
    x.db.data.delete(key);
    x.db.expires.delete(key);
  }
}

/**
 * Replace a key's value with a set built by the command. The effect carries a copy, so later
 * in-place changes to the live value never alter it. `keepTtl`: SPOP's dbOverwrite keeps the
 * TTL; STORE's setKey drops it and raises "new" for a new key.
 */
function storeSet(x: Exec, key: string, s: SetValue, keepTtl: boolean): void {
  const existed = x.lookup(key) !== undefined;
  x.db.data.set(key, s);
  if (!keepTtl) x.db.expires.delete(key);
  x.effects.push({ op: 'put', db: x.dbIndex, key, value: s.clone(), expireAt: x.db.expires.get(key) ?? null });
  if (!existed) x.notify('new', key, 'n');
}

/** A fresh result set as Redis's createIntsetObject, filled by setTypeAdd in `members` order. */
function buildSet(x: Exec, key: string, members: Iterable<string>): SetValue {
  const s = new SetValue(setSeed(key, x.ks));
  for (const m of members) s.add(m, x.ks.encoding);
  return s;
}

// ---- writes ----------------------------------------------------------------------------------

function sadd(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  let s = getSet(x, key, false);
  if (s instanceof ErrorReply) return s;
  if (s === undefined) s = createSet(x, key, args[2] as string);
  const added: string[] = [];
  for (let j = 2; j < args.length; j++) {
    const m = args[j] as string;
    if (s.add(m, x.ks.encoding)) added.push(m);
  }
  if (added.length > 0) {
    x.effects.push({ op: 'sadd', db: x.dbIndex, key, members: added });
    x.notify('sadd', key, 's');
  }
  return added.length;
}

function srem(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const s = getSet(x, key, false);
  if (s === undefined) return 0;
  if (s instanceof ErrorReply) return s;
  const removed: string[] = [];
  for (let j = 2; j < args.length; j++) {
    const m = args[j] as string;
    if (s.remove(m)) {
      removed.push(m);
      if (s.size === 0) break;
    }
  }
  if (removed.length > 0) {
    emitRemove(x, key, s, removed);
    x.notify('srem', key, 's');
    if (s.size === 0) x.notify('del', key, 'g');
  }
  return removed.length;
}

/** SMOVE: "srem" on the source (and "del" if emptied), then "sadd" on the destination. */
function smove(x: Exec, args: string[]): Reply {
  const srcKey = args[1] as string;
  const dstKey = args[2] as string;
  const ele = args[3] as string;
  const src = x.lookup(srcKey);
  const dst = x.lookup(dstKey);
  if (src === undefined) return 0;
  if (!(src instanceof SetValue)) return err.wrongType;
  if (dst !== undefined && !(dst instanceof SetValue)) return err.wrongType;
  if (src === dst) return src.has(ele) ? 1 : 0;
  if (!src.remove(ele)) return 0;
  emitRemove(x, srcKey, src, [ele]);
  x.notify('srem', srcKey, 's');
  if (src.size === 0) x.notify('del', srcKey, 'g');
  const target = dst ?? createSet(x, dstKey, ele);
  if (target.add(ele, x.ks.encoding)) {
    x.effects.push({ op: 'sadd', db: x.dbIndex, key: dstKey, members: [ele] });
    x.notify('sadd', dstKey, 's');
  }
  return 1;
}

/** SPOP key [count]: the count is checked before the key, as Redis does. */
function spop(x: Exec, args: string[]): Reply {
  if (args.length === 3) return spopWithCount(x, args);
  if (args.length > 3) return err.syntax;
  const key = args[1] as string;
  const s = getSet(x, key, false);
  if (s === undefined) return null;
  if (s instanceof ErrorReply) return s;
  const m = s.randomMember(x.rng.next);
  s.remove(m);
  emitRemove(x, key, s, [m]);
  x.notify('spop', key, 's');
  if (s.size === 0) x.notify('del', key, 'g');
  return m;
}

/** Redis spopWithCountCommand's three cases. */
function spopWithCount(x: Exec, args: string[]): Reply {
  const c = parseInt64(args[2] as string);
  if (c === null || c < 0) return err.mustBePositive;
  const key = args[1] as string;
  const s = getSet(x, key, false);
  if (s === undefined) return new SetReply([]);
  if (s instanceof ErrorReply) return s;
  if (c === 0) return new SetReply([]);
  const size = s.size;
  x.notify('spop', key, 's');
  // CASE 1: the whole set, replied as SUNION of it would (a fresh intset-first set), then deleted.
  if (BigInt(c) >= BigInt(size)) {
    const all = buildSet(x, key, s.members()).members();
    x.del(key);
    x.notify('del', key, 'g');
    return new SetReply(all);
  }
  const count = Number(c);
  const remaining = size - count;
  // CASE 2: few to pop: pop random members one by one (replicated as one srem).
  if (remaining * spopMoveStrategyMul > count) {
    const popped: string[] = [];
    for (let i = 0; i < count; i++) {
      const m = s.randomMember(x.rng.next);
      s.remove(m);
      popped.push(m);
    }
    emitRemove(x, key, s, popped);
    return new SetReply(popped);
  }
  // CASE 3: most of the set: move the few that stay into a new set (created from the first
  // of them, so its encoding may differ), reply with what is left of the old one, and store
  // the new set in its place keeping the TTL. The put is smaller than the srem it replaces.
  let kept: SetValue | null = null;
  for (let i = 0; i < remaining; i++) {
    const m = s.randomMember(x.rng.next);
    if (kept === null) kept = SetValue.forMember(m, setSeed(key, x.ks));
    kept.add(m, x.ks.encoding);
    s.remove(m);
  }
  const popped = s.members();
  storeSet(x, key, kept as SetValue, true);
  return new SetReply(popped);
}

// ---- reads -----------------------------------------------------------------------------------

function sismember(x: Exec, args: string[]): Reply {
  const s = getSet(x, args[1] as string, true);
  if (s === undefined) return 0;
  if (s instanceof ErrorReply) return s;
  return s.has(args[2] as string) ? 1 : 0;
}

function smismember(x: Exec, args: string[]): Reply {
  const s = getSet(x, args[1] as string, true);
  if (s instanceof ErrorReply) return s;
  const out: number[] = [];
  for (let j = 2; j < args.length; j++) out.push(s !== undefined && s.has(args[j] as string) ? 1 : 0);
  return out;
}

function scard(x: Exec, args: string[]): Reply {
  const s = getSet(x, args[1] as string, true);
  if (s === undefined) return 0;
  if (s instanceof ErrorReply) return s;
  return s.size;
}

/** Look up every source set (sinterGenericCommand, sunionDiffGenericCommand): null for missing. */
function sourceSets(x: Exec, keys: readonly string[], store: boolean): Array<SetValue | null> | ErrorReply {
  const sets: Array<SetValue | null> = [];
  for (const k of keys) {
    const s = getSet(x, k, !store);
    if (s instanceof ErrorReply) return s;
    sets.push(s ?? null);
  }
  return sets;
}

/** Redis setKey for a non-empty result, or dbDelete ("del") of the destination for an empty one. */
function storeResult(x: Exec, dstKey: string, result: SetValue, event: string): Reply {
  if (result.size > 0) {
    storeSet(x, dstKey, result, false);
    x.notify(event, dstKey, 's');
    return result.size;
  }
  if (x.del(dstKey)) x.notify('del', dstKey, 'g');
  return 0;
}

/**
 * Redis sinterGenericCommand: every key type-checked, an empty result as soon as one is
 * missing, else the members of the smallest set (a stable sort by size) that all the others
 * hold, in that set's order. `limit` (SINTERCARD, 0 = none) stops the count early.
 */
function sinterGeneric(x: Exec, keys: readonly string[], dstKey: string | null, cardOnly: boolean, limit: number): Reply {
  const found = sourceSets(x, keys, dstKey !== null);
  if (found instanceof ErrorReply) return found;
  if (found.some((s) => s === null)) {
    if (dstKey !== null) {
      if (x.del(dstKey)) x.notify('del', dstKey, 'g');
      return 0;
    }
    return cardOnly ? 0 : new SetReply([]);
  }
  const sets = (found as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const first = sets[0] as SetValue;
  const out: string[] = [];
  let cardinality = 0;
  const visit = (m: string): boolean => {
    for (let j = 1; j < sets.length; j++) {
      const o = sets[j] as SetValue;
      if (o !== first && !o.has(m)) return false;
    }
    return true;
  };
  if (cardOnly) {
    for (const m of first.members()) {
      if (visit(m)) {
        cardinality++;
        if (limit > 0 && cardinality >= limit) break;
      }
    }
    return cardinality;
  }
  first.forEach((m) => {
    if (visit(m)) out.push(m);
  });
  if (dstKey === null) return new SetReply(out);
  return storeResult(x, dstKey, buildSet(x, dstKey, out), 'sinterstore');
}

type SetOp = 'union' | 'diff';

/** Redis sunionDiffGenericCommand, with its choice between the two DIFF algorithms. */
function sunionDiffGeneric(x: Exec, keys: readonly string[], dstKey: string | null, op: SetOp): Reply {
  const found = sourceSets(x, keys, dstKey !== null);
  if (found instanceof ErrorReply) return found;
  const sets = found;
  const first = sets[0] ?? null;
  let sameSet = false;
  for (let j = 1; j < sets.length; j++) if (sets[j] !== null && sets[j] === first) sameSet = true;
  const result = new SetValue(setSeed(dstKey ?? (keys[0] as string), x.ks));
  const limits = x.ks.encoding;
  if (op === 'union') {
    for (const s of sets) if (s !== null) s.forEach((m) => result.add(m, limits));
  } else if (first !== null && !sameSet) {
    // Algorithm 1 (check each member of the first set against the others) unless adding
    // everything and removing is less work; both give the same members, but the result's
    // encoding — and so its order — depends on which members it ever held.
    let one = 0;
    let two = 0;
    for (const s of sets) {
      if (s === null) continue;
      one += first.size;
      two += s.size;
    }
    if (Math.floor(one / 2) <= two) {
      first.forEach((m) => {
        for (let j = 1; j < sets.length; j++) {
          const o = sets[j];
          if (o !== null && o !== undefined && o.has(m)) return;
        }
        result.add(m, limits);
      });
    } else {
      first.forEach((m) => result.add(m, limits));
      for (let j = 1; j < sets.length && result.size > 0; j++) {
        const o = sets[j];
        if (o !== null && o !== undefined) o.forEach((m) => void result.remove(m));
      }
    }
  }
  if (dstKey === null) return new SetReply(result.members());
  return storeResult(x, dstKey, result, op === 'union' ? 'sunionstore' : 'sdiffstore');
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit]. */
function sintercard(x: Exec, args: string[]): Reply {
  const n = parseInt64(args[1] as string);
  if (n === null || n < 1) return err.numkeysPositive;
  if (BigInt(n) > BigInt(args.length - 2)) return err.numkeysExceedArgs;
  const numkeys = Number(n);
  let limit = 0;
  for (let j = 2 + numkeys; j < args.length; j++) {
    if (optIs(args[j] as string, 'limit') && j < args.length - 1) {
      j++;
      const l = parseInt64(args[j] as string);
      if (l === null || l < 0) return err.limitNegative;
      limit = Number(l);
    } else {
      return err.syntax;
    }
  }
  return sinterGeneric(x, args.slice(2, 2 + numkeys), null, true, limit);
}

/** Key positions of SINTERCARD (movablekeys): numkeys keys after the numkeys argument. */
function sintercardKeys(args: string[]): number[] {
  const n = parseInt64(args[1] as string);
  if (n === null || n < 1 || BigInt(n) > BigInt(args.length - 2)) return [];
  const out: number[] = [];
  for (let i = 0; i < Number(n); i++) out.push(2 + i);
  return out;
}

// ---- SRANDMEMBER -----------------------------------------------------------------------------

function srandmember(x: Exec, args: string[]): Reply {
  if (args.length === 3) return srandmemberWithCount(x, args);
  if (args.length > 3) return err.syntax;
  const s = getSet(x, args[1] as string, true);
  if (s === undefined) return null;
  if (s instanceof ErrorReply) return s;
  return s.randomMember(x.rng.next);
}

/** Redis srandmemberWithCountCommand's cases; every random choice from the seeded x.rng. */
function srandmemberWithCount(x: Exec, args: string[]): Reply {
  const raw = parseInt64(args[2] as string);
  if (raw === null) return err.notInteger;
  if (BigInt(raw) < -INT64_MAX) return err.valueOutOfRange('-9223372036854775807', '9223372036854775807');
  const s = getSet(x, args[1] as string, true);
  if (s === undefined) return [];
  if (s instanceof ErrorReply) return s;
  const uniq = raw >= 0;
  const countBig = uniq ? BigInt(raw) : -BigInt(raw);
  if (countBig === 0n) return [];
  const size = s.size;
  const out: string[] = [];
  // CASE 1: negative count (repetitions allowed) or one member: independent picks.
  if (!uniq || countBig === 1n) {
    if (countBig > BigInt(srandmemberCountMax)) return err.notImplemented(`SRANDMEMBER count beyond ${srandmemberCountMax}`);
    const count = Number(countBig);
    for (let i = 0; i < count; i++) out.push(s.randomMember(x.rng.next));
    return out;
  }
  // CASE 2: at least the whole set: all of it, in iteration order.
  if (countBig >= BigInt(size)) return s.members();
  const count = Number(countBig);
  // CASE 3: most of the set: copy it, remove random members until `count` remain.
  if (count * srandmemberSubStrategyMul > size) {
    const all = s.members();
    let n = size;
    while (n > count) {
      const i = x.rng.int(n);
      n--;
      all[i] = all[n] as string;
    }
    all.length = count;
    return all;
  }
  // CASE 4: a small part of a big set: random picks until `count` distinct members.
  const seen = new Set<string>();
  while (seen.size < count) {
    const m = s.randomMember(x.rng.next);
    if (seen.has(m)) continue;
    seen.add(m);
    out.push(m);
  }
  return out;
}

// ---- SSCAN -----------------------------------------------------------------------------------

let scanBatch: string[] = [];
const scanMember = (m: string): void => {
  scanBatch.push(m);
};

/** Redis sscanCommand + scanGenericCommand: an intset whole with cursor 0, a Dict a bucket at a time. */
function sscan(x: Exec, args: string[]): Reply {
  let cursor = parseScanCursor(args[2] as string);
  if (cursor === null) return err.invalidCursor;
  const s = getSet(x, args[1] as string, true);
  if (s === undefined) return ['0', []];
  if (s instanceof ErrorReply) return s;
  const o = parseScanOptions(args, 3);
  if (o instanceof ErrorReply) return o;
  let found: string[];
  if (s.isIntset) {
    found = s.members();
    cursor = 0;
  } else {
    let maxIterations = o.count * 10;
    scanBatch = [];
    do {
      cursor = s.scanStep(cursor, scanMember);
    } while (cursor !== 0 && maxIterations-- > 0 && scanBatch.length < o.count);
    found = scanBatch;
    scanBatch = [];
  }
  const pattern = o.pattern;
  if (pattern !== null) found = found.filter((m) => stringMatch(pattern, m));
  return [String(cursor), found];
}

export const commands: CommandDef[] = [
  { name: 'sadd', data: sadd },
  { name: 'srem', data: srem },
  { name: 'smove', data: smove },
  { name: 'spop', data: spop },
  { name: 'sismember', data: sismember },
  { name: 'smismember', data: smismember },
  { name: 'scard', data: scard },
  { name: 'smembers', data: (x, args) => sinterGeneric(x, [args[1] as string], null, false, 0) },
  { name: 'sinter', data: (x, args) => sinterGeneric(x, args.slice(1), null, false, 0) },
  { name: 'sinterstore', data: (x, args) => sinterGeneric(x, args.slice(2), args[1] as string, false, 0) },
  { name: 'sintercard', data: sintercard, keys: sintercardKeys },
  { name: 'sunion', data: (x, args) => sunionDiffGeneric(x, args.slice(1), null, 'union') },
  { name: 'sunionstore', data: (x, args) => sunionDiffGeneric(x, args.slice(2), args[1] as string, 'union') },
  { name: 'sdiff', data: (x, args) => sunionDiffGeneric(x, args.slice(1), null, 'diff') },
  { name: 'sdiffstore', data: (x, args) => sunionDiffGeneric(x, args.slice(2), args[1] as string, 'diff') },
  { name: 'srandmember', data: srandmember },
  { name: 'sscan', data: sscan },
];
