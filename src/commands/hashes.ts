/**
 * The hashes family, as Redis 7.0.15's t_hash.c: the same order of checks, error texts,
 * replies (RESP2 and RESP3), keyspace events and encoding conversions; and hash field expiry
 * as Redis 7.4.5's t_hash.c (HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL, HPTTL,
 * HEXPIRETIME, HPEXPIRETIME, HPERSIST), which every hash command honours. Data handlers only:
 * they touch the keyspace through the Exec and record every change as an `hset`/`hdel`/
 * `hexpire` effect sized by the change; random choices (HRANDFIELD) come from the update's
 * seeded rng, time from x.nowMs.
 *
 * Field expiry and reads: Redis 7.4 deletes a logically expired field when a read meets it
 * on a master (hashTypeGetValue, HFE_LAZY_EXPIRE). Catena's reads never change state
 * (DESIGN: replicas answer reads), so reads answer as Redis 7.4 answers on a replica — the
 * field is absent — and the deletion is left to active expiry or to a write that meets it
 * (HSETNX, HINCRBY, HINCRBYFLOAT lazily expire, with an `hdel` effect and "hexpired").
 *
 * Also home of the HSCAN/SSCAN argument parsing (Redis scanGenericCommand), which sets.ts
 * shares.
 */
import type { CommandDef } from './spec';
import type { Typed } from '../resp/decoder';
import type { Exec } from '../engine/exec';
import { ErrorReply, MapReply, OK, PairsReply, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { parseInt64 } from '../resp/format';
import { stringMatch } from '../engine/glob';
import { LD_ZERO, addLongDouble, formatLongDouble, parseLongDouble } from '../engine/longdouble';
import { HashValue, fieldExpireCommandMax, hashSeed } from '../engine/types/hash';
import { hrandfieldCountMax } from '../limits';
import { optIs, parseScanCursor, parseScanOptions } from './args';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** LONG_MAX / 2: the largest |count| HRANDFIELD accepts WITHVALUES. */
const LONG_MAX_HALF = 4611686018427387903n;

// ---- SCAN arguments (db.c parseScanCursorOrReply, scanGenericCommand) ----------------------


/**
 * Dict.scan's visitor writes here: one module-level callback, no closure per call. While
 * `scanHash` is set, its logically expired fields are skipped (Redis 7.4 scanCallback).
 */
let scanBatch: string[] = [];
let scanHash: HashValue | null = null;
let scanNowMs = 0;
const scanPair = (f: string, v: string): void => {
  if (scanHash !== null && scanHash.isExpiredField(f, scanNowMs)) return;
  scanBatch.push(f, v);
};

// ---- keyspace access -------------------------------------------------------------------------

/** The hash at `key`: undefined when missing, the WRONGTYPE error for another type. */
function getHash(x: Exec, key: string, read: boolean): HashValue | undefined | ErrorReply {
  const v = read ? x.lookupRead(key) : x.lookup(key);
  if (v === undefined) return undefined;
  return v instanceof HashValue ? v : err.wrongType;
}

/** Redis hashTypeLookupWriteOrCreate's create half: a new empty hash in the db ("new" event). */
function createHash(x: Exec, key: string): HashValue {
  const h = new HashValue(hashSeed(key, x.ks));
  x.db.data.set(key, h);
  x.notify('new', key, 'n');
  return h;
}

function emitSet(x: Exec, key: string, fields: string[], keepTtl = false): void {
  x.effects.push(keepTtl ? { op: 'hset', db: x.dbIndex, key, fields, keepTtl } : { op: 'hset', db: x.dbIndex, key, fields });
}

/**
 * Record removed fields. A hash left empty is deleted (Redis dbDelete + "del" event); the
 * `hdel` effect deletes it on replay too.
 */
function emitDel(x: Exec, key: string, h: HashValue, fields: string[]): void {
  x.effects.push({ op: 'hdel', db: x.dbIndex, key, fields });
  if (h.size === 0) {
    x.db.data.delete(key);
    x.db.expires.delete(key);
  }
}

/**
 * Redis 7.4 hashTypeGetValue's lazy expiry on a write path: when `field` is logically
 * expired, delete it (an `hdel` effect, as Redis propagates HDEL) with an "hexpired" event;
 * a hash left empty is deleted with a "del" event. True when the hash is gone.
 */
function expireFieldIfDue(x: Exec, key: string, h: HashValue, field: string): boolean {
  if (!h.isExpiredField(field, x.nowMs)) return false;
  h.delete(field);
  emitDel(x, key, h, [field]);
  x.notify('hexpired', key, 'h');
  if (h.size !== 0) return false;
  x.notify('del', key, 'g');
  return true;
}

// ---- writes ----------------------------------------------------------------------------------

/** HSET and HMSET (hsetCommand): pairs checked first, conversion over all args, then set. */
function hsetGeneric(isHmset: boolean) {
  return (x: Exec, args: string[]): Reply => {
    if (args.length % 2 === 1) return err.arity(isHmset ? 'hmset' : 'hset');
    const key = args[1] as string;
    let h = getHash(x, key, false);
    if (h instanceof ErrorReply) return h;
    if (h === undefined) h = createHash(x, key);
    const limits = x.ks.encoding;
    h.tryConversion(args, 2, args.length - 1, limits);
    const created = h.setFields(args, 2, limits);
    emitSet(x, key, args.slice(2));
    x.notify('hset', key, 'h');
    return isHmset ? OK : created;
  };
}

/** HSETNX: existence first, so an existing field never converts the hash. */
function hsetnx(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const field = args[2] as string;
  const value = args[3] as string;
  let h = getHash(x, key, false);
  if (h instanceof ErrorReply) return h;
  if (h !== undefined) {
    // Redis 7.4 hashTypeExists(HFE_LAZY_EXPIRE): an expired field is deleted, maybe the hash too.
    if (h.getLive(field, x.nowMs) !== undefined) return 0;
    if (expireFieldIfDue(x, key, h, field)) h = undefined;
  }
  if (h === undefined) h = createHash(x, key);
  h.tryConversion(args, 2, 3, x.ks.encoding);
  h.set(field, value, x.ks.encoding);
  emitSet(x, key, [field, value]);
  x.notify('hset', key, 'h');
  return 1;
}

function hdel(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const h = getHash(x, key, false);
  if (h === undefined) return 0;
  if (h instanceof ErrorReply) return h;
  const removed: string[] = [];
  for (let j = 2; j < args.length; j++) {
    const f = args[j] as string;
    if (h.delete(f)) {
      removed.push(f);
      if (h.size === 0) break;
    }
  }
  if (removed.length > 0) {
    emitDel(x, key, h, removed);
    x.notify('hdel', key, 'h');
    if (h.size === 0) x.notify('del', key, 'g');
  }
  return removed.length;
}

/** HINCRBY: the increment is parsed before the key is looked up, as Redis does. */
function hincrby(x: Exec, args: string[]): Reply {
  const incrArg = parseInt64(args[3] as string);
  if (incrArg === null) return err.notInteger;
  const key = args[1] as string;
  const field = args[2] as string;
  let h = getHash(x, key, false);
  if (h instanceof ErrorReply) return h;
  // Redis 7.4 hashTypeGetValue(HFE_LAZY_EXPIRE): an expired field is deleted (and an emptied hash).
  if (h !== undefined && expireFieldIfDue(x, key, h, field)) h = undefined;
  let old = 0n;
  const cur = h === undefined ? undefined : h.get(field);
  if (cur !== undefined) {
    const v = parseInt64(cur);
    if (v === null) return err.hashValueNotInteger;
    old = BigInt(v);
  }
  const next = old + BigInt(incrArg);
  if (next > INT64_MAX || next < INT64_MIN) return err.overflow;
  if (h === undefined) h = createHash(x, key);
  const text = next.toString();
  // Redis 7.4 HASH_SET_KEEP_TTL: the field keeps its TTL (and its place in a listpackex).
  h.set(field, text, x.ks.encoding, true);
  emitSet(x, key, [field, text], h.ttlOf(field) !== 0);
  x.notify('hincrby', key, 'h');
  return Number.isSafeInteger(Number(next)) ? Number(next) : next;
}

/** HINCRBYFLOAT: x87 long double sum printed with %.17Lf, as INCRBYFLOAT (longdouble.ts). */
function hincrbyfloat(x: Exec, args: string[]): Reply {
  const incr = parseLongDouble(args[3] as string);
  if (incr === null) return err.notFloat;
  if (incr.inf) return err.valueNaNOrInfinity;
  const key = args[1] as string;
  const field = args[2] as string;
  let h = getHash(x, key, false);
  if (h instanceof ErrorReply) return h;
  if (h !== undefined && expireFieldIfDue(x, key, h, field)) h = undefined;
  let old = LD_ZERO;
  const cur = h === undefined ? undefined : h.get(field);
  if (cur !== undefined) {
    const v = parseLongDouble(cur);
    if (v === null) return err.hashValueNotFloat;
    old = v;
  }
  const sum = addLongDouble(old, incr);
  if (sum === null) return err.incrFloatNaN;
  if (h === undefined) h = createHash(x, key);
  const text = formatLongDouble(sum);
  // Redis 7.4 HASH_SET_KEEP_TTL: the field keeps its TTL (and its place in a listpackex).
  h.set(field, text, x.ks.encoding, true);
  emitSet(x, key, [field, text], h.ttlOf(field) !== 0);
  x.notify('hincrbyfloat', key, 'h');
  return text;
}

// ---- reads -----------------------------------------------------------------------------------

function hget(x: Exec, args: string[]): Reply {
  const h = getHash(x, args[1] as string, true);
  if (h === undefined) return null;
  if (h instanceof ErrorReply) return h;
  return h.getLive(args[2] as string, x.nowMs) ?? null;
}

/** HMGET: a missing key is an empty hash (a null per field), not an early reply. */
function hmget(x: Exec, args: string[]): Reply {
  const h = getHash(x, args[1] as string, true);
  if (h instanceof ErrorReply) return h;
  const out: Reply[] = [];
  for (let i = 2; i < args.length; i++) out.push(h === undefined ? null : (h.getLive(args[i] as string, x.nowMs) ?? null));
  return out;
}

function hlen(x: Exec, args: string[]): Reply {
  const h = getHash(x, args[1] as string, true);
  if (h === undefined) return 0;
  if (h instanceof ErrorReply) return h;
  return h.size;
}

function hstrlen(x: Exec, args: string[]): Reply {
  const h = getHash(x, args[1] as string, true);
  if (h === undefined) return 0;
  if (h instanceof ErrorReply) return h;
  return h.getLive(args[2] as string, x.nowMs)?.length ?? 0;
}

function hexists(x: Exec, args: string[]): Reply {
  const h = getHash(x, args[1] as string, true);
  if (h === undefined) return 0;
  if (h instanceof ErrorReply) return h;
  return h.getLive(args[2] as string, x.nowMs) !== undefined ? 1 : 0;
}

/** HKEYS / HVALS / HGETALL (genericHgetallCommand): HGETALL is a map (RESP3 `%`). */
function hgetallGeneric(keys: boolean, values: boolean) {
  return (x: Exec, args: string[]): Reply => {
    const h = getHash(x, args[1] as string, true);
    if (h instanceof ErrorReply) return h;
    const out: string[] = [];
    if (h !== undefined) {
      // Redis 7.4 genericHgetallCommand: logically expired fields are skipped.
      if (keys && values) h.forEachLive(x.nowMs, (f, v) => out.push(f, v));
      else if (keys) h.forEachLive(x.nowMs, (f) => out.push(f));
      else h.forEachLive(x.nowMs, (_f, v) => out.push(v));
    }
    return keys && values ? new MapReply(out) : out;
  };
}

// ---- HRANDFIELD ------------------------------------------------------------------------------

/** Redis hrandfieldCommand: every random choice comes from the update's seeded x.rng. */
function hrandfield(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  if (args.length >= 3) {
    const raw = parseInt64(args[2] as string);
    if (raw === null) return err.notInteger;
    if (BigInt(raw) < -INT64_MAX) return err.valueOutOfRange('-9223372036854775807', '9223372036854775807');
    if (args.length > 4 || (args.length === 4 && !optIs(args[3] as string, 'withvalues'))) return err.syntax;
    const withValues = args.length === 4;
    if (withValues && (BigInt(raw) < -LONG_MAX_HALF || BigInt(raw) > LONG_MAX_HALF)) return err.outOfRange;
    return hrandfieldWithCount(x, key, raw, withValues);
  }
  const found = getHash(x, key, true);
  if (found === undefined) return null;
  if (found instanceof ErrorReply) return found;
  // Redis 7.4 hashTypeExpireIfNeeded: the pick is among fields not logically expired.
  const h = found.liveView(x.nowMs);
  if (h.size === 0) return null;
  return h.randomPair(x.rng.next)[0];
}

/** Redis hrandfieldWithCountCommand's cases; RESP3 nests each field-value pair (PairsReply). */
function hrandfieldWithCount(x: Exec, key: string, l: number | bigint, withValues: boolean): Reply {
  const found = getHash(x, key, true);
  if (found === undefined) return [];
  if (found instanceof ErrorReply) return found;
  const h = found.liveView(x.nowMs);
  const size = h.size;
  if (size === 0) return [];
  const uniq = l >= 0;
  const countBig = uniq ? BigInt(l) : -BigInt(l);
  if (countBig === 0n) return [];
  const out: string[] = [];
  const reply = (): Reply => (withValues ? new PairsReply(out) : out);
  const push = (f: string, v: string): void => {
    if (withValues) out.push(f, v);
    else out.push(f);
  };

  // CASE 1: negative count (repetitions allowed) or a single field: independent picks.
  if (!uniq || countBig === 1n) {
    if (countBig > BigInt(hrandfieldCountMax)) return err.notImplemented(`HRANDFIELD count beyond ${hrandfieldCountMax}`);
    const count = Number(countBig);
    for (let i = 0; i < count; i++) {
      const [f, v] = h.randomPair(x.rng.next);
      push(f, v);
    }
    return reply();
  }
  // CASE 2: at least the whole hash: all of it, in iteration order.
  if (countBig >= BigInt(size)) {
    h.forEach(push);
    return reply();
  }
  const count = Number(countBig);
  // CASE 3: most of the hash: copy it, remove random fields until `count` remain.
  if (count * 3 > size) {
    const pairs: string[] = [];
    h.forEach((f, v) => pairs.push(f, v));
    let n = size;
    while (n > count) {
      const i = x.rng.int(n);
      n--;
      pairs[2 * i] = pairs[2 * n] as string;
      pairs[2 * i + 1] = pairs[2 * n + 1] as string;
    }
    for (let i = 0; i < count; i++) push(pairs[2 * i] as string, pairs[2 * i + 1] as string);
    return reply();
  }
  // CASE 4: a small part of a big hash: random picks until `count` distinct fields.
  const seen = new Set<string>();
  while (seen.size < count) {
    const [f, v] = h.randomPair(x.rng.next);
    if (seen.has(f)) continue;
    seen.add(f);
    push(f, v);
  }
  return reply();
}

// ---- HSCAN -----------------------------------------------------------------------------------

/**
 * Redis hscanCommand + scanGenericCommand: cursor first, then the key (a missing key is an
 * empty scan whatever the options), then the options. A listpack is returned whole with
 * cursor 0; a Dict is scanned a bucket at a time until COUNT fields (COUNT×2 replies, as
 * Redis doubles it for pairs) or COUNT×10 buckets.
 */
function hscan(x: Exec, args: string[]): Reply {
  let cursor = parseScanCursor(args[2] as string);
  if (cursor === null) return err.invalidCursor;
  const h = getHash(x, args[1] as string, true);
  if (h === undefined) return ['0', []];
  if (h instanceof ErrorReply) return h;
  const o = parseScanOptions(args, 3);
  if (o instanceof ErrorReply) return o;
  let found: string[] = [];
  if (h.isListpack) {
    h.forEachLive(x.nowMs, (f, v) => found.push(f, v));
    cursor = 0;
  } else {
    const count = o.count * 2;
    let maxIterations = count * 10;
    scanBatch = [];
    scanHash = h.hasFieldTtls() ? h : null;
    scanNowMs = x.nowMs;
    do {
      cursor = h.scanStep(cursor, scanPair);
    } while (cursor !== 0 && maxIterations-- > 0 && scanBatch.length < count);
    found = scanBatch;
    scanBatch = [];
    scanHash = null;
  }
  if (o.pattern !== null) {
    const kept: string[] = [];
    for (let i = 0; i < found.length; i += 2) {
      if (stringMatch(o.pattern, found[i] as string)) kept.push(found[i] as string, found[i + 1] as string);
    }
    found = kept;
  }
  return [String(cursor), found];
}

// ---- field expiry (Redis 7.4.5 t_hash.c) --------------------------------------------------

/** NX | XX | GT | LT of HEXPIRE and friends (ExpireSetCond). */
type ExpireCondition = 'nx' | 'xx' | 'gt' | 'lt' | null;

/**
 * The `FIELDS numfields field...` tail that starts at args[at] (the FIELDS token): its
 * fields, or the 7.4 error. `numFieldsError` is the command's text for a bad count
 * (getRangeLongFromObjectOrReply 1..LONG_MAX with a custom message).
 */
function fieldsArg(args: string[], at: number, numFieldsError: ErrorReply): string[] | ErrorReply {
  if (!optIs(args[at] as string, 'fields')) return err.fieldsArgMissing;
  const n = parseInt64(args[at + 1] as string);
  if (n === null || n < 1) return numFieldsError;
  if (BigInt(n) !== BigInt(args.length - at - 2)) return err.numFieldsMismatch;
  return args.slice(at + 2);
}

/**
 * HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT (hexpireGenericCommand): `unitMs` 1000 for
 * seconds; `relative` for a TTL from now (basetime = commandTimeSnapshot), else a Unix time.
 * Checks in 7.4's order: type, time, time range, condition, FIELDS, count. Per field:
 * -2 no such field, 0 condition not met, 1 set, 2 deleted because the time is not in the
 * future (checkAlreadyExpired: `when <= now`). A stored but logically expired field is
 * found, as Redis's lpFind/dictFind find it. Events as hashTypeSetExDone: "hexpire", or
 * "hdel" when fields were deleted, then "del" when the hash went.
 */
function hexpireGeneric(name: string, unitMs: 1 | 1000, relative: boolean) {
  return (x: Exec, args: string[]): Reply => {
    const key = args[1] as string;
    const h = getHash(x, key, false);
    if (h instanceof ErrorReply) return h;
    const raw = parseInt64(args[2] as string);
    if (raw === null) return err.notInteger;
    let expire = BigInt(raw);
    if (expire < 0n) return err.fieldExpireNegative;
    const max = BigInt(fieldExpireCommandMax);
    if (unitMs === 1000) {
      if (expire > max / 1000n) return err.invalidExpireTime(name);
      expire *= 1000n;
    }
    const base = relative ? BigInt(x.nowMs) : 0n;
    if (expire > max - base) return err.invalidExpireTime(name);
    const expireAt = Number(expire + base);
    let cond: ExpireCondition = null;
    const opt = args[3] as string;
    for (const c of ['nx', 'xx', 'gt', 'lt'] as const) if (optIs(opt, c)) cond = c;
    const fields = fieldsArg(args, cond === null ? 3 : 4, err.hexpireNumFields);
    if (fields instanceof ErrorReply) return fields;
    if (h === undefined) return fields.map(() => -2);
    const converted = h.enableFieldTtl();
    const replies: number[] = [];
    const updated: string[] = [];
    const deleted: string[] = [];
    for (const f of fields) {
      if (!h.has(f)) {
        replies.push(-2);
        continue;
      }
      const prev = h.ttlOf(f);
      // 7.4.5 hashTypeSetExpiryListpack/HT: a field without TTL meets LT (an infinite TTL).
      const unmet = prev === 0 ? cond === 'xx' || cond === 'gt' : cond === 'nx' || (cond === 'gt' && prev >= expireAt) || (cond === 'lt' && prev <= expireAt);
      if (unmet) {
        replies.push(0);
        continue;
      }
      if (expireAt <= x.nowMs) {
        h.delete(f);
        deleted.push(f);
        replies.push(2);
        continue;
      }
      h.setTtl(f, expireAt);
      updated.push(f);
      replies.push(1);
    }
    // A listpack became a listpackex even if no field changed: replicas must see it too.
    if (updated.length > 0 || converted) x.effects.push({ op: 'hexpire', db: x.dbIndex, key, fields: updated, expireAt: updated.length > 0 ? expireAt : null });
    if (deleted.length > 0) emitDel(x, key, h, deleted);
    if (updated.length + deleted.length > 0) {
      x.notify(deleted.length > 0 ? 'hdel' : 'hexpire', key, 'h');
      if (h.size === 0) x.notify('del', key, 'g');
    }
    return replies;
  };
}

/**
 * HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME (httlGenericCommand): -2 no such field (or
 * logically expired: at or before now in a listpackex, before now in a hashtable, as 7.4.5
 * tests them), -1 no TTL, else the TTL from `base` (now, or 0 for the absolute forms) in
 * seconds rounded up, or in ms.
 */
function httlGeneric(unitMs: 1 | 1000, relative: boolean) {
  return (x: Exec, args: string[]): Reply => {
    const h = getHash(x, args[1] as string, true);
    if (h instanceof ErrorReply) return h;
    const fields = fieldsArg(args, 2, err.numFieldsPositive);
    if (fields instanceof ErrorReply) return fields;
    if (h === undefined) return fields.map(() => -2);
    const base = relative ? x.nowMs : 0;
    const now = x.nowMs;
    return fields.map((f) => {
      if (!h.has(f)) return -2;
      const at = h.ttlOf(f);
      if (at === 0) return -1;
      if (h.isListpack ? at <= now : at < now) return -2;
      return unitMs === 1000 ? Math.floor((at + 999 - base) / 1000) : at - base;
    });
  };
}

/**
 * HPERSIST (hpersistCommand): -2 no such field (or logically expired), -1 no TTL, 1 TTL
 * removed (in a listpackex the field moves last). A plain listpack is not converted. One
 * "hpersist" event when any TTL was removed.
 */
function hpersist(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const h = getHash(x, key, false);
  if (h instanceof ErrorReply) return h;
  const fields = fieldsArg(args, 2, err.numFieldsPositive);
  if (fields instanceof ErrorReply) return fields;
  if (h === undefined) return fields.map(() => -2);
  const persisted: string[] = [];
  const replies = fields.map((f) => {
    if (!h.has(f)) return -2;
    const at = h.ttlOf(f);
    if (at === 0) return -1;
    if (at < x.nowMs) return -2;
    h.setTtl(f, 0);
    persisted.push(f);
    return 1;
  });
  if (persisted.length > 0) {
    x.effects.push({ op: 'hexpire', db: x.dbIndex, key, fields: persisted, expireAt: null });
    x.notify('hpersist', key, 'h');
  }
  return replies;
}

// COMMAND INFO / COMMAND DOCS of the 7.4 commands (src/commands/hexpire.json etc. at 7.4.0),
// which Redis 7.0's metadata lacks. Docs in Redis 7.0's COMMAND DOCS layout.
const docArg = (...kv: Typed[]): Typed => ({ m: kv });
const keySpec = (write: boolean): Typed => ({
  m: [
    'flags',
    { set: write ? [{ s: 'RW' }, { s: 'update' }] : [{ s: 'RO' }, { s: 'access' }] },
    'begin_search',
    { m: ['type', 'index', 'spec', { m: ['index', 1] }] },
    'find_keys',
    { m: ['type', 'range', 'spec', { m: ['lastkey', 0, 'keystep', 1, 'limit', 0] }] },
  ],
});
const fieldsDoc = docArg(
  'name',
  'fields',
  'type',
  'block',
  'token',
  'FIELDS',
  'arguments',
  [docArg('name', 'numfields', 'type', 'integer'), docArg('name', 'field', 'type', 'string', 'flags', { set: [{ s: 'multiple' }] })],
);
const keyDoc = docArg('name', 'key', 'type', 'key', 'key_spec_index', 0);
const conditionDoc = docArg(
  'name',
  'condition',
  'type',
  'oneof',
  'flags',
  { set: [{ s: 'optional' }] },
  'arguments',
  ['nx', 'xx', 'gt', 'lt'].map((c) => docArg('name', c, 'type', 'pure-token', 'token', c.toUpperCase())),
);
const fieldsComplexity = 'O(N) where N is the number of specified fields';

function hexpireMeta(summary: string, timeArg: string, timeType: string): NonNullable<CommandDef['meta']> {
  return {
    arity: -6,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    acl: ['@write', '@hash', '@fast'],
    summary,
    group: 'hash',
    since: '7.4.0',
    complexity: fieldsComplexity,
    keySpecs: [keySpec(true)],
    arguments: [keyDoc, docArg('name', timeArg, 'type', timeType), conditionDoc, fieldsDoc],
  };
}

function httlMeta(summary: string): NonNullable<CommandDef['meta']> {
  return {
    arity: -5,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    acl: ['@read', '@hash', '@fast'],
    summary,
    group: 'hash',
    since: '7.4.0',
    complexity: fieldsComplexity,
    keySpecs: [keySpec(false)],
    arguments: [keyDoc, fieldsDoc],
  };
}

export const commands: CommandDef[] = [
  { name: 'hset', data: hsetGeneric(false) },
  { name: 'hmset', data: hsetGeneric(true) },
  { name: 'hsetnx', data: hsetnx },
  { name: 'hget', data: hget },
  { name: 'hmget', data: hmget },
  { name: 'hdel', data: hdel },
  { name: 'hexists', data: hexists },
  { name: 'hlen', data: hlen },
  { name: 'hstrlen', data: hstrlen },
  { name: 'hkeys', data: hgetallGeneric(true, false) },
  { name: 'hvals', data: hgetallGeneric(false, true) },
  { name: 'hgetall', data: hgetallGeneric(true, true) },
  { name: 'hincrby', data: hincrby },
  { name: 'hincrbyfloat', data: hincrbyfloat },
  { name: 'hrandfield', data: hrandfield },
  { name: 'hscan', data: hscan },
  {
    name: 'hexpire',
    data: hexpireGeneric('hexpire', 1000, true),
    meta: hexpireMeta('Set expiry for hash field using relative time to expire (seconds)', 'seconds', 'integer'),
  },
  {
    name: 'hpexpire',
    data: hexpireGeneric('hpexpire', 1, true),
    meta: hexpireMeta('Set expiry for hash field using relative time to expire (milliseconds)', 'milliseconds', 'integer'),
  },
  {
    name: 'hexpireat',
    data: hexpireGeneric('hexpireat', 1000, false),
    meta: hexpireMeta('Set expiry for hash field using an absolute Unix timestamp (seconds)', 'unix-time-seconds', 'unix-time'),
  },
  {
    name: 'hpexpireat',
    data: hexpireGeneric('hpexpireat', 1, false),
    meta: hexpireMeta('Set expiry for hash field using an absolute Unix timestamp (milliseconds)', 'unix-time-milliseconds', 'unix-time'),
  },
  { name: 'httl', data: httlGeneric(1000, true), meta: httlMeta('Returns the TTL in seconds of a hash field.') },
  { name: 'hpttl', data: httlGeneric(1, true), meta: httlMeta('Returns the TTL in milliseconds of a hash field.') },
  { name: 'hexpiretime', data: httlGeneric(1000, false), meta: httlMeta('Returns the expiration time of a hash field as a Unix timestamp, in seconds.') },
  { name: 'hpexpiretime', data: httlGeneric(1, false), meta: httlMeta('Returns the expiration time of a hash field as a Unix timestamp, in msec.') },
  {
    name: 'hpersist',
    data: hpersist,
    meta: { ...httlMeta('Removes the expiration time for each specified field'), flags: ['write', 'fast'], acl: ['@write', '@hash', '@fast'], keySpecs: [keySpec(true)] },
  },
];
