/**
 * The generic keys family (DEL, EXPIRE, SCAN, RENAME, COPY, MOVE, OBJECT, DUMP/RESTORE...) and
 * the keyspace-wide data commands (DBSIZE, FLUSHDB, FLUSHALL, SWAPDB), as Redis 7.0's db.c,
 * expire.c, object.c and cluster.c. Data handlers only: they touch the keyspace through the
 * Exec, record every change as an effect, and take time and randomness from the ctx.
 */
import type { CommandDef } from './spec';
import type { Exec } from '../engine/exec';
import type { Db } from '../engine/keyspace';
import { applyEffect, type Effect } from '../engine/effects';
import { cloneValue, isString, stringEncoding, typeOf, type TypeName, type Value } from '../engine/values';
import { stringMatch } from '../engine/glob';
import { cString, optIs, parseScanCursor } from './args';
import { createDumpPayload, loadDumpPayload, verifyDumpPayload } from '../engine/rdb';
import { ErrorReply, OK, StatusReply, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { parseInt64 } from '../resp/format';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** Redis OBJ_SHARED_REFCOUNT: what OBJECT REFCOUNT says of a shared integer. */
const sharedRefcount = 2147483647;
/** Redis OBJ_SHARED_INTEGERS: integers 0..9999 are shared objects. */
const sharedIntegers = 10000;
/** Redis dbRandomKey gives up sampling after this many expired picks. */
const randomKeyTriesMax = 100;

const typeReplies: Record<TypeName | 'none', StatusReply> = {
  string: new StatusReply('string'),
  list: new StatusReply('list'),
  set: new StatusReply('set'),
  zset: new StatusReply('zset'),
  hash: new StatusReply('hash'),
  stream: new StatusReply('stream'),
  none: new StatusReply('none'),
};

/** Record an effect and apply it with the reference semantics, so replay is identical by construction. */
function emit(x: Exec, e: Effect): void {
  x.effects.push(e);
  applyEffect(x.ks, e);
}

/** Redis getIntFromObjectOrReply: a signed 32-bit integer argument. */
function intArg(s: string, msg?: ErrorReply): number | ErrorReply {
  const v = parseInt64(s);
  if (v === null) return msg ?? err.notInteger;
  if (typeof v !== 'number' || v < INT_MIN || v > INT_MAX) return msg ?? err.valueOutOfRange(String(INT_MIN), String(INT_MAX));
  return v;
}

/** A database index argument (MOVE, COPY DB): an int, then selectDb's range check. */
function dbArg(x: Exec, s: string): number | ErrorReply {
  const id = intArg(s);
  if (id instanceof ErrorReply) return id;
  if (id < 0 || id >= x.ks.dbs.length) return err.dbIndexOutOfRange;
  return id;
}

/** An absolute Unix-ms value as an integer reply; beyond 2^53 doubles round, so clamp to int64. */
function msReply(v: number): number | bigint {
  if (Number.isSafeInteger(v)) return v;
  const b = BigInt(Math.trunc(v));
  return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
}

/** Redis's ms → s rounding for TTL/EXPIRETIME: (ms + 500) / 1000, integer division. */
function secondsReply(ms: number): number | bigint {
  if (ms <= Number.MAX_SAFE_INTEGER - 500) return Math.floor((ms + 500) / 1000);
  return (BigInt(msReply(ms)) + 500n) / 1000n;
}

// ---------------------------------------------------------------------------------------------
// DEL, UNLINK, EXISTS, TYPE, TOUCH

function del(x: Exec, args: string[]): Reply {
  let n = 0;
  for (let i = 1; i < args.length; i++) {
    const key = args[i] as string;
    if (x.del(key)) {
      x.notify('del', key, 'g');
      n++;
    }
  }
  return n;
}

function exists(x: Exec, args: string[]): Reply {
  let n = 0;
  for (let i = 1; i < args.length; i++) if (x.lookupRead(args[i] as string) !== undefined) n++;
  return n;
}

function type(x: Exec, args: string[]): Reply {
  const v = x.lookupRead(args[1] as string);
  return v === undefined ? typeReplies.none : typeReplies[typeOf(v)];
}

// ---------------------------------------------------------------------------------------------
// EXPIRE family, TTL family, PERSIST

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** Redis parseExtendedExpireArgumentsOrReply. */
function expireFlags(args: string[]): number | ErrorReply {
  let flags = 0;
  for (let j = 3; j < args.length; j++) {
    const opt = args[j] as string;
    switch (opt.toLowerCase()) {
      case 'nx':
        flags |= EXPIRE_NX;
        break;
      case 'xx':
        flags |= EXPIRE_XX;
        break;
      case 'gt':
        flags |= EXPIRE_GT;
        break;
      case 'lt':
        flags |= EXPIRE_LT;
        break;
      default:
        return err.unsupportedOption(cString(opt));
    }
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) return err.expireNxConflict;
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) return err.expireGtLtConflict;
  return flags;
}

/**
 * Redis expireGenericCommand: options first, then the time (overflow of the unit conversion
 * or of adding the base time is an error), then the key. A time already past deletes the key
 * and replies 1 with a "del" event, as Redis does on a master.
 */
function expireGeneric(x: Exec, args: string[], name: string, absolute: boolean, seconds: boolean): Reply {
  const flags = expireFlags(args);
  if (flags instanceof ErrorReply) return flags;
  const raw = parseInt64(args[2] as string);
  if (raw === null) return err.notInteger;
  const base = absolute ? 0 : x.nowMs;
  let when: number;
  if (typeof raw === 'number' && raw > -(2 ** 40) && raw < 2 ** 40) {
    // Far from every overflow bound: plain doubles are exact here.
    when = (seconds ? raw * 1000 : raw) + base;
  } else {
    let w = BigInt(raw);
    if (seconds) {
      // C's LLONG_MAX / 1000 and LLONG_MIN / 1000 truncate toward zero, as BigInt division does.
      if (w > INT64_MAX / 1000n || w < INT64_MIN / 1000n) return err.invalidExpireTime(name);
      w *= 1000n;
    }
    if (w > INT64_MAX - BigInt(base)) return err.invalidExpireTime(name);
    when = Number(w + BigInt(base));
  }
  const key = args[1] as string;
  if (x.lookup(key) === undefined) return 0;
  if (flags !== 0) {
    const current = x.db.expires.get(key) ?? -1;
    if (flags & EXPIRE_NX && current !== -1) return 0;
    if (flags & EXPIRE_XX && current === -1) return 0;
    if (flags & EXPIRE_GT && (when <= current || current === -1)) return 0;
    if (flags & EXPIRE_LT && current !== -1 && when >= current) return 0;
  }
  if (when <= x.nowMs) {
    x.del(key);
    x.notify('del', key, 'g');
    return 1;
  }
  x.setExpire(key, when);
  x.notify('expire', key, 'g');
  return 1;
}

/** Redis ttlGenericCommand: -2 missing, -1 no expiry, else the remaining (or absolute) time. */
function ttlGeneric(x: Exec, key: string, ms: boolean, absolute: boolean): Reply {
  if (x.lookupRead(key) === undefined) return -2;
  const at = x.db.expires.get(key);
  if (at === undefined) return -1;
  let t = absolute ? at : at - x.nowMs;
  if (t < 0) t = 0;
  return ms ? msReply(t) : secondsReply(t);
}

function persist(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  if (x.lookup(key) === undefined || !x.db.expires.has(key)) return 0;
  x.setExpire(key, null);
  x.notify('persist', key, 'g');
  return 1;
}

// ---------------------------------------------------------------------------------------------
// KEYS, SCAN, RANDOMKEY

function keys(x: Exec, args: string[]): Reply {
  const pattern = args[1] as string;
  const all = pattern === '*';
  const out: string[] = [];
  const db = x.db;
  const now = x.nowMs;
  db.data.forEach((_v, key) => {
    if (!all && !stringMatch(pattern, key)) return;
    // Expired keys are skipped, not deleted (Redis keyIsExpired in keysCommand).
    const at = db.expires.get(key);
    if (at !== undefined && at <= now) return;
    out.push(key);
  });
  return out;
}

/** Scratch list for Dict.scan's visitor: one module-level callback, no closure per call. */
let scanBatch: string[] = [];
const scanCollect = (key: string): void => {
  scanBatch.push(key);
};

/**
 * Redis scanGenericCommand over the keyspace: COUNT buckets' worth of keys per call, at most
 * COUNT*10 buckets visited, then MATCH, TYPE and expiry filters. Expired keys are filtered
 * out, not deleted: a read never changes state here.
 */
function scan(x: Exec, args: string[]): Reply {
  let cursor = parseScanCursor(args[1] as string);
  if (cursor === null) return err.invalidCursor;
  let count = 10;
  let pattern: string | null = null;
  let typeName: string | null = null;
  for (let i = 2; i < args.length; ) {
    const opt = args[i] as string;
    const left = args.length - i;
    if (optIs(opt, 'count') && left >= 2) {
      const v = parseInt64(args[i + 1] as string);
      if (v === null) return err.notInteger;
      if (v < 1) return err.syntax;
      count = Number(v);
      i += 2;
    } else if (optIs(opt, 'match') && left >= 2) {
      pattern = args[i + 1] as string;
      i += 2;
    } else if (optIs(opt, 'type') && left >= 2) {
      typeName = (args[i + 1] as string).toLowerCase();
      i += 2;
    } else {
      return err.syntax;
    }
  }
  const usePattern = pattern !== null && pattern !== '*';
  const db = x.db;
  scanBatch = [];
  let maxIterations = count * 10;
  do {
    cursor = db.data.scan(cursor, scanCollect);
  } while (cursor !== 0 && maxIterations-- > 0 && scanBatch.length < count);
  const found = scanBatch;
  scanBatch = [];
  const out: string[] = [];
  for (const key of found) {
    if (usePattern && !stringMatch(pattern as string, key)) continue;
    if (typeName !== null) {
      const v = x.lookupRead(key);
      if ((v === undefined ? 'none' : typeOf(v)) !== typeName) continue;
    }
    if (x.isExpired(key, db)) continue;
    out.push(key);
  }
  return [String(cursor), out];
}

/**
 * Redis dbRandomKey: sample keys (Dict.randomEntry with the update's seeded rng), skipping
 * expired ones. Redis deletes those as it goes, which a read here may not; so after Redis's
 * retry budget, pick uniformly among the live keys instead of looping forever.
 */
function randomKey(x: Exec): Reply {
  const db = x.db;
  if (db.size === 0) return null;
  for (let tries = 0; tries < randomKeyTriesMax; tries++) {
    const e = db.data.randomEntry(x.rng.next);
    if (e === undefined) return null;
    if (!x.isExpired(e[0], db)) return e[0];
  }
  let live = 0;
  db.data.forEach((_v, key) => {
    if (!x.isExpired(key, db)) live++;
  });
  if (live === 0) return null;
  let pick = x.rng.int(live);
  let chosen: string | null = null;
  db.data.forEach((_v, key) => {
    if (chosen !== null || x.isExpired(key, db)) return;
    if (pick-- === 0) chosen = key;
  });
  return chosen;
}

// ---------------------------------------------------------------------------------------------
// RENAME, RENAMENX, MOVE, COPY

/** Redis renameGenericCommand. One `rename` effect, however large the value. */
function renameGeneric(x: Exec, args: string[], nx: boolean): Reply {
  const src = args[1] as string;
  const dst = args[2] as string;
  if (x.lookup(src) === undefined) return err.noSuchKey;
  if (src === dst) return nx ? 0 : OK;
  if (x.lookup(dst) !== undefined && nx) return 0;
  emit(x, { op: 'rename', db: x.dbIndex, key: src, to: dst });
  x.notify('new', dst, 'n');
  x.notify('rename_from', src, 'g');
  x.notify('rename_to', dst, 'g');
  return nx ? 1 : OK;
}

function move(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const dbid = dbArg(x, args[2] as string);
  if (dbid instanceof ErrorReply) return dbid;
  if (dbid === x.dbIndex) return err.sameObject;
  if (x.lookup(key) === undefined) return 0;
  if (x.lookup(key, x.ks.db(dbid), dbid) !== undefined) return 0;
  emit(x, { op: 'move', db: x.dbIndex, key, toDb: dbid });
  x.notify('new', key, 'n', dbid);
  x.notify('move_from', key, 'g');
  x.notify('move_to', key, 'g', dbid);
  return 1;
}

/** Exec.put for any database (COPY ... DB n). */
function putIn(x: Exec, db: Db, dbIndex: number, key: string, value: Value, expireAt: number | null): void {
  db.data.set(key, value);
  if (expireAt === null) db.expires.delete(key);
  else db.expires.set(key, expireAt);
  // The effect gets its own copy: a RawString or collection put live may be edited in place later.
  const recorded = typeof value === 'string' ? value : cloneValue(value);
  x.effects.push({ op: 'put', db: dbIndex, key, value: recorded, expireAt });
}

/** Redis copyCommand: options, same-object check, source lookup, target check, duplicate. */
function copy(x: Exec, args: string[]): Reply {
  let replace = false;
  let dbid = x.dbIndex;
  for (let j = 3; j < args.length; j++) {
    const opt = (args[j] as string).toLowerCase();
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'db' && args.length - j - 1 >= 1) {
      const id = dbArg(x, args[j + 1] as string);
      if (id instanceof ErrorReply) return id;
      dbid = id;
      j++;
    } else {
      return err.syntax;
    }
  }
  const src = args[1] as string;
  const dst = args[2] as string;
  if (dbid === x.dbIndex && src === dst) return err.sameObject;
  const v = x.lookupRead(src);
  if (v === undefined) return 0;
  const expireAt = x.db.expires.get(src) ?? null;
  const target = x.ks.db(dbid);
  if (x.lookup(dst, target, dbid) !== undefined && !replace) return 0;
  putIn(x, target, dbid, dst, cloneValue(v), expireAt);
  x.notify('new', dst, 'n', dbid);
  x.notify('copy_to', dst, 'g', dbid);
  return 1;
}

// ---------------------------------------------------------------------------------------------
// OBJECT

const objectHelp: Reply = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
].map((line) => new StatusReply(line));

function encodingOf(v: Value): string {
  return isString(v) ? stringEncoding(v) : v.encoding();
}

/** Redis shares the integer objects 0..9999; their refcount reads as OBJ_SHARED_REFCOUNT. */
function refcountOf(v: Value): number {
  if (typeof v === 'string' && stringEncoding(v) === 'int') {
    const n = Number(v);
    if (n >= 0 && n < sharedIntegers) return sharedRefcount;
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// DUMP, RESTORE

function dump(x: Exec, args: string[]): Reply {
  const v = x.lookupRead(args[1] as string);
  if (v === undefined) return null;
  const payload = createDumpPayload(v, x.ks.encoding);
  if (payload === null) return err.notImplemented(`DUMP of a ${typeOf(v)}`);
  return payload.toString('latin1');
}

/**
 * Redis restoreCommand: options; BUSYKEY unless REPLACE; TTL; payload version and CRC64;
 * decode. A TTL already in the past (including a relative TTL that overflows int64, which
 * wraps negative in Redis) creates nothing and, with REPLACE, deletes the old key.
 * IDLETIME and FREQ are validated and then ignored: Catena keeps no LRU/LFU clock per key.
 */
function restore(x: Exec, args: string[]): Reply {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < args.length; j++) {
    const opt = (args[j] as string).toLowerCase();
    const more = args.length - j - 1;
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'absttl') {
      absttl = true;
    } else if (opt === 'idletime' && more >= 1 && freq === -1) {
      const v = parseInt64(args[j + 1] as string);
      if (v === null) return err.notInteger;
      if (v < 0) return err.badIdletime;
      idle = Number(v);
      j++;
    } else if (opt === 'freq' && more >= 1 && idle === -1) {
      const v = parseInt64(args[j + 1] as string);
      if (v === null) return err.notInteger;
      if (v < 0 || v > 255) return err.badFreq;
      freq = Number(v);
      j++;
    } else {
      return err.syntax;
    }
  }
  const key = args[1] as string;
  const existed = x.lookup(key) !== undefined;
  if (existed && !replace) return err.busyKey;
  const ttl = parseInt64(args[2] as string);
  if (ttl === null) return err.notInteger;
  if (ttl < 0) return err.badTtl;
  const payload = Buffer.from(args[3] as string, 'latin1');
  if (!verifyDumpPayload(payload)) return err.dumpPayload;
  const value = loadDumpPayload(payload, x.ks.encoding);
  if (value === null) return err.badDataFormat;

  let expireAt: number | null = null;
  let expired = false;
  if (ttl !== 0) {
    if (absttl) {
      expireAt = Number(ttl);
    } else if (typeof ttl === 'number' && ttl <= Number.MAX_SAFE_INTEGER - x.nowMs) {
      expireAt = ttl + x.nowMs;
    } else {
      const sum = BigInt(ttl) + BigInt(x.nowMs);
      if (sum > INT64_MAX) expired = true;
      else expireAt = Number(sum);
    }
    if (expireAt !== null && expireAt <= x.nowMs) expired = true;
  }
  if (expired) {
    if (existed) {
      x.del(key);
      x.notify('del', key, 'g');
    }
    return OK;
  }
  x.put(key, value, expireAt);
  // Redis deletes the old key and dbAdds the new one: "new" even when replacing (put raises
  // it itself only for a key that did not exist).
  if (existed) x.notify('new', key, 'n');
  x.notify('restore', key, 'g');
  return OK;
}

// ---------------------------------------------------------------------------------------------
// DBSIZE, FLUSHDB, FLUSHALL, SWAPDB

/** Redis getFlushCommandFlags: nothing, SYNC or ASYNC (both flush at once here). */
function flushArgsOk(args: string[]): boolean {
  if (args.length === 1) return true;
  if (args.length !== 2) return false;
  const opt = (args[1] as string).toLowerCase();
  return opt === 'sync' || opt === 'async';
}

function swapdb(x: Exec, args: string[]): Reply {
  const a = intArg(args[1] as string, err.invalidFirstDbIndex);
  if (a instanceof ErrorReply) return a;
  const b = intArg(args[2] as string, err.invalidSecondDbIndex);
  if (b instanceof ErrorReply) return b;
  const n = x.ks.dbs.length;
  if (a < 0 || a >= n || b < 0 || b >= n) return err.dbIndexOutOfRange;
  if (a === b) return OK;
  emit(x, { op: 'swapdb', db: a, other: b });
  // The selected index now names the other Db object; later commands of the same update must see it.
  x.selectDb(x.dbIndex);
  return OK;
}

export const commands: CommandDef[] = [
  { name: 'del', data: del },
  { name: 'unlink', data: del },
  { name: 'exists', data: exists },
  { name: 'type', data: type },
  {
    name: 'touch',
    data: (x, args) => {
      let n = 0;
      for (let i = 1; i < args.length; i++) if (x.lookupRead(args[i] as string) !== undefined) n++;
      return n;
    },
  },
  { name: 'expire', data: (x, args) => expireGeneric(x, args, 'expire', false, true) },
  { name: 'pexpire', data: (x, args) => expireGeneric(x, args, 'pexpire', false, false) },
  { name: 'expireat', data: (x, args) => expireGeneric(x, args, 'expireat', true, true) },
  { name: 'pexpireat', data: (x, args) => expireGeneric(x, args, 'pexpireat', true, false) },
  { name: 'ttl', data: (x, args) => ttlGeneric(x, args[1] as string, false, false) },
  { name: 'pttl', data: (x, args) => ttlGeneric(x, args[1] as string, true, false) },
  { name: 'expiretime', data: (x, args) => ttlGeneric(x, args[1] as string, false, true) },
  { name: 'pexpiretime', data: (x, args) => ttlGeneric(x, args[1] as string, true, true) },
  { name: 'persist', data: persist },
  { name: 'keys', data: keys },
  { name: 'scan', data: scan },
  { name: 'randomkey', data: (x) => randomKey(x) },
  { name: 'rename', data: (x, args) => renameGeneric(x, args, false) },
  { name: 'renamenx', data: (x, args) => renameGeneric(x, args, true) },
  { name: 'move', data: move },
  { name: 'copy', data: copy },
  { name: 'object|help', data: () => objectHelp },
  {
    name: 'object|encoding',
    data: (x, args) => {
      const v = x.lookupRead(args[2] as string);
      return v === undefined ? null : encodingOf(v);
    },
  },
  {
    name: 'object|refcount',
    data: (x, args) => {
      const v = x.lookupRead(args[2] as string);
      return v === undefined ? null : refcountOf(v);
    },
  },
  {
    // No per-key LRU clock is kept (it would make reads change replicated state): every key
    // reads as just used, which is what Redis answers right after an access.
    name: 'object|idletime',
    data: (x, args) => (x.lookupRead(args[2] as string) === undefined ? null : 0),
  },
  {
    // As Redis under a non-LFU maxmemory-policy (the default, noeviction).
    name: 'object|freq',
    data: (x, args) => (x.lookupRead(args[2] as string) === undefined ? null : err.lfuNotSelected),
  },
  { name: 'dump', data: dump },
  { name: 'restore', data: restore },
  { name: 'dbsize', data: (x) => x.db.size },
  {
    name: 'flushdb',
    data: (x, args) => {
      if (!flushArgsOk(args)) return err.syntax;
      emit(x, { op: 'flushdb', db: x.dbIndex });
      return OK;
    },
  },
  {
    name: 'flushall',
    data: (x, args) => {
      if (!flushArgsOk(args)) return err.syntax;
      emit(x, { op: 'flushall' });
      return OK;
    },
  },
  { name: 'swapdb', data: swapdb },
];
