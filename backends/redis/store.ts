/**
 * The redis backend (DESIGN: storage): a replica's keyspace kept in a Redis 7.0, one key
 * prefix per replica, in native types an operator can read with redis-cli.
 *
 * Layout under the prefix P (P is UTF-8 text; Catena keys and values are binary latin1
 * strings, sent and read as Buffers, never decoded as UTF-8):
 *   P<db>:<key>       the Catena key `key` of database `db`, as the native type (string,
 *                     hash, list, set, zset) with its expiry as a real PEXPIREAT TTL;
 *   Pfttl:<db>:<key>  hash field TTLs (Redis 7.4 HEXPIRE, absent in 7.0): a hash field →
 *                     absolute Unix ms, only fields that have a TTL, always a subset of the
 *                     hash's fields, with the hash's own TTL so both go together;
 *   Pseq              the sequence number of the last applied batch (decimal);
 *   Pformat           this layout's version; a prefix holding another is refused.
 *
 * `apply` sends one MULTI/EXEC carrying every effect's commands and the SET of Pseq, so a
 * batch is all or nothing. Commands follow the change, not the value: an HSET of one field
 * of a big hash is one HSET. What native commands cannot say by index (LINSERT in the
 * middle, removal at positions, RENAME/MOVE with the side key, FLUSHDB, FLUSHALL, SWAPDB,
 * a field TTL that must take the hash's TTL) runs as an EVAL inside the same MULTI (a script
 * in a transaction is atomic with it).
 *
 * Touches only keys under its prefix (and SCANs the keyspace to find them); never FLUSHDB,
 * never another prefix. Operating errors (Redis down, timeout, READONLY, OOM, LOADING,
 * MISCONF...) reject with BackendUnavailable at once, while the client reconnects in the
 * background; an EXEC whose answer was lost is settled by reading Pseq before the next batch.
 */
import Redis from 'ioredis';
import { BackendUnavailable, type Backend } from '../backend';
import type { Effect } from '../../src/engine/effects';
import { formatDouble } from '../../src/resp/format';
import { LoadBuilder, recordsOf } from '../records';
import {
  redisCommandTimeoutMs,
  redisConnectTimeoutMs,
  redisElementsPerCommand,
  redisReconnectMaxMs,
  redisReconnectStepMs,
  redisScanCount,
} from '../limits';

/** Stored at Pformat; a different value means another layout (or another program) owns the prefix. */
export const redisFormat = 'catena-redis-1';

type Arg = Buffer | string;
type Cmd = [name: string, args: Arg[]];

/** Redis error replies that say the server cannot take writes now, not that we sent nonsense. */
const operatingReply = /^(READONLY|OOM|LOADING|MISCONF|BUSY|MASTERDOWN|NOREPLICAS|TRYAGAIN|CLUSTERDOWN|NOAUTH|NOPERM)\b/;

function latin1(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** A glob pattern matching exactly the bytes `b` (Redis stringmatchlen: \ escapes). */
function globEscape(b: Buffer): Buffer {
  const out: number[] = [];
  for (const c of b) {
    // * ? [ ] \
    if (c === 0x2a || c === 0x3f || c === 0x5b || c === 0x5d || c === 0x5c) out.push(0x5c);
    out.push(c);
  }
  return Buffer.from(out);
}

function isReplyError(err: unknown): err is Error & { previousErrors?: Error[] } {
  return err instanceof Error && err.name === 'ReplyError';
}

/** The error an operation on Redis rejects with: BackendUnavailable for operating errors, else a plain Error (a bug). */
function backendError(err: unknown): Error {
  if (err instanceof BackendUnavailable) return err;
  if (isReplyError(err)) {
    if (err.message.startsWith('EXECABORT')) {
      // Refused at queue time: nothing of the transaction ran. Why decides who is at fault.
      const why = (err.previousErrors ?? []).map((e) => e.message);
      const operating = why.find((m) => operatingReply.test(m));
      if (operating !== undefined) return new BackendUnavailable('redis', operating);
      return new Error(`redis backend: transaction refused: ${why.join('; ') || err.message}`);
    }
    if (operatingReply.test(err.message)) return new BackendUnavailable('redis', err.message);
    return new Error(`redis backend: ${err.message}`);
  }
  // Connection refused/closed, not writeable, timed out, aborted: the server is not there.
  return new BackendUnavailable('redis', err instanceof Error ? err.message : String(err));
}

const int64Max = (1n << 63n) - 1n;

/**
 * An absolute ms time as Redis parses it: an integer, however big (String() would write
 * 1e+21), at most Redis's long long. A time past it (an engine double near 2^63) is stored
 * as the largest, which reads back as the same double.
 */
function msArg(at: number): string {
  const v = BigInt(Math.trunc(at));
  return (v > int64Max ? int64Max : v).toString();
}

function text(reply: unknown): string {
  return Buffer.isBuffer(reply) ? reply.toString('latin1') : String(reply);
}

/** A score as Redis prints it (%.17g, inf, -inf, -0) back to a number. */
function parseScore(s: string): number {
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

// ---- key names -------------------------------------------------------------------------

class KeyNames {
  readonly prefix: Buffer;
  readonly seq: Buffer;
  readonly format: Buffer;
  /** SCAN patterns: every data key, every side key, (with db) one database's. */
  readonly dataPattern: Buffer;
  readonly sidePattern: Buffer;
  private readonly globPrefix: Buffer;
  private readonly sideTag = latin1('fttl:');

  constructor(prefix: string) {
    this.prefix = Buffer.from(prefix, 'utf8');
    this.globPrefix = globEscape(this.prefix);
    this.seq = this.under('seq');
    this.format = this.under('format');
    this.dataPattern = Buffer.concat([this.globPrefix, latin1('[0-9]*')]);
    this.sidePattern = Buffer.concat([this.globPrefix, latin1('fttl:*')]);
  }

  under(rest: string): Buffer {
    return Buffer.concat([this.prefix, latin1(rest)]);
  }

  key(db: number, key: string): Buffer {
    return this.under(`${db}:${key}`);
  }

  side(db: number, key: string): Buffer {
    return this.under(`fttl:${db}:${key}`);
  }

  /** Name prefixes of one database's data and side keys (for the SWAPDB script). */
  dbPrefix(db: number): Buffer {
    return this.under(`${db}:`);
  }

  sidePrefix(db: number): Buffer {
    return this.under(`fttl:${db}:`);
  }

  dbPattern(db: number): Buffer {
    return Buffer.concat([globEscape(this.dbPrefix(db)), latin1('*')]);
  }

  sideDbPattern(db: number): Buffer {
    return Buffer.concat([globEscape(this.sidePrefix(db)), latin1('*')]);
  }

  /** (db, key) of a data key name, null for anything else under (or outside) the prefix. */
  parseData(name: Buffer): { db: number; key: string } | null {
    return this.parse(name, 0);
  }

  parseSide(name: Buffer): { db: number; key: string } | null {
    if (!this.hasPrefix(name) || name.compare(this.sideTag, 0, this.sideTag.length, this.prefix.length, this.prefix.length + this.sideTag.length) !== 0) return null;
    return this.parse(name, this.sideTag.length);
  }

  private hasPrefix(name: Buffer): boolean {
    return name.length > this.prefix.length && name.compare(this.prefix, 0, this.prefix.length, 0, this.prefix.length) === 0;
  }

  private parse(name: Buffer, skip: number): { db: number; key: string } | null {
    if (!this.hasPrefix(name)) return null;
    const rest = name.toString('latin1', this.prefix.length + skip);
    const m = /^(\d{1,9}):/.exec(rest);
    if (m === null) return null;
    return { db: Number(m[1]), key: rest.slice((m[1] as string).length + 1) };
  }
}

// ---- which hashes have a side key --------------------------------------------------------

/**
 * The (db, key)s whose hash may have a side key of field TTLs: a superset of the truth, kept
 * in memory so that an HSET or HDEL on a hash without field TTLs costs no command on a side
 * key. Built once (by load, or a SCAN of the side keys) and then kept by the batches this
 * backend commits; the prefix has one writer, this backend. Extra members only cost a
 * harmless HDEL/PERSIST on a missing key.
 */
class FttlIndex {
  dbs = new Map<number, Set<string>>();

  has(db: number, key: string): boolean {
    return this.dbs.get(db)?.has(key) ?? false;
  }

  add(db: number, key: string): void {
    let s = this.dbs.get(db);
    if (s === undefined) this.dbs.set(db, (s = new Set()));
    s.add(key);
  }
}

/**
 * A batch's view of the FttlIndex: its changes, committed to the index only once Redis has
 * committed the batch (EXEC answered, or Pseq shows it after a lost answer). Databases are
 * remapped rather than copied, so SWAPDB and FLUSHDB cost nothing here.
 */
class IndexOverlay {
  /** Database → the base database whose entries it now holds (null: flushed). */
  private readonly map = new Map<number, number | null>();
  private readonly changes = new Map<number, Map<string, boolean>>();
  private allFlushed = false;

  constructor(private readonly base: FttlIndex) {}

  private baseOf(db: number): number | null {
    const b = this.map.get(db);
    if (b !== undefined) return b;
    return this.allFlushed ? null : db;
  }

  has(db: number, key: string): boolean {
    const c = this.changes.get(db)?.get(key);
    if (c !== undefined) return c;
    const b = this.baseOf(db);
    return b !== null && this.base.has(b, key);
  }

  set(db: number, key: string, present: boolean): void {
    let c = this.changes.get(db);
    if (c === undefined) this.changes.set(db, (c = new Map()));
    c.set(key, present);
  }

  flushdb(db: number): void {
    this.map.set(db, null);
    this.changes.delete(db);
  }

  flushall(): void {
    this.allFlushed = true;
    this.map.clear();
    this.changes.clear();
  }

  swapdb(a: number, b: number): void {
    const ba = this.baseOf(a);
    const bb = this.baseOf(b);
    this.map.set(a, bb);
    this.map.set(b, ba);
    const ca = this.changes.get(a);
    const cb = this.changes.get(b);
    this.changes.delete(a);
    this.changes.delete(b);
    if (cb !== undefined) this.changes.set(a, cb);
    if (ca !== undefined) this.changes.set(b, ca);
  }

  commit(): void {
    const dbs = new Set<number>([...this.base.dbs.keys(), ...this.map.keys(), ...this.changes.keys()]);
    const next = new Map<number, Set<string>>();
    // Each base set is taken by at most one database (SWAPDB permutes, FLUSH drops).
    for (const db of dbs) {
      const b = this.baseOf(db);
      const s = b === null ? new Set<string>() : (this.base.dbs.get(b) ?? new Set<string>());
      next.set(db, s);
    }
    for (const [db, c] of this.changes) {
      const s = next.get(db) as Set<string>;
      for (const [key, present] of c) {
        if (present) s.add(key);
        else s.delete(key);
      }
    }
    for (const [db, s] of next) if (s.size === 0) next.delete(db);
    this.base.dbs = next;
  }
}

// ---- Lua scripts -------------------------------------------------------------------------
// `#!lua` (Redis 7 shebang, no flags): Redis knows before running that the script writes, so
// an OOM or READONLY server refuses it when queued and the whole MULTI aborts, instead of
// failing half way through EXEC.

/** Push items[#items..1] with `cmd` (LPUSH/RPUSH) in pieces: puts popped items back in place. */
const luaPushBack = `
local function pushBack(cmd, k, items)
  local i = #items
  while i >= 1 do
    local chunk = {}
    local j = i
    while j >= 1 and i - j < ${redisElementsPerCommand} do
      chunk[#chunk + 1] = items[j]
      j = j - 1
    end
    redis.call(cmd, k, unpack(chunk))
    i = j
  end
end
`;

const luaScan = `
local function collect(pattern)
  local out, seen, cur = {}, {}, '0'
  repeat
    local r = redis.call('SCAN', cur, 'MATCH', pattern, 'COUNT', ${redisScanCount})
    cur = r[1]
    for _, k in ipairs(r[2]) do
      if not seen[k] then
        seen[k] = true
        out[#out + 1] = k
      end
    end
  until cur == '0'
  return out
end
`;

const scripts = {
  /** KEYS: from, to, from side, to side. RENAME/MOVE: the value, its TTL and field TTLs go together; a source Redis already expired leaves nothing. */
  rename: `#!lua
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  if redis.call('EXISTS', KEYS[3]) == 1 then
    redis.call('RENAME', KEYS[3], KEYS[4])
  else
    redis.call('DEL', KEYS[4])
  end
else
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
end
return 1
`,
  /** KEYS: hash, side. ARGV: at, fields... Field TTLs of existing fields; the side key takes the hash's TTL. */
  hexpire: `#!lua
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then redis.call('HSET', KEYS[2], ARGV[i], ARGV[1]) end
end
local t = redis.call('PEXPIRETIME', KEYS[1])
if t > 0 and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIREAT', KEYS[2], t) end
return 1
`,
  /** KEYS: string. ARGV: offset > 0. An empty write at an offset: zero-pad up to it (SETRANGE does not). */
  pad: `#!lua
local off = tonumber(ARGV[1])
if redis.call('STRLEN', KEYS[1]) < off then redis.call('SETRANGE', KEYS[1], off - 1, '\\0') end
return 1
`,
  /**
   * KEYS: list. ARGV: index, value. Insert so the value ends up at `index`: pop the shorter
   * side, push the value, push the popped items back (the cost of Redis's own LINSERT).
   */
  linsert: `#!lua
${luaPushBack}
local k = KEYS[1]
local idx = tonumber(ARGV[1])
local n = redis.call('LLEN', k)
if idx <= 0 then
  redis.call('LPUSH', k, ARGV[2])
elseif idx >= n then
  redis.call('RPUSH', k, ARGV[2])
elseif idx <= n - idx then
  local head = redis.call('LPOP', k, idx)
  redis.call('LPUSH', k, ARGV[2])
  pushBack('LPUSH', k, head)
else
  local tail = redis.call('RPOP', k, n - idx)
  redis.call('RPUSH', k, ARGV[2])
  pushBack('RPUSH', k, tail)
end
return 1
`,
  /**
   * KEYS: list. ARGV: positions, ascending (before removal). Pop from the nearer end up to the
   * farthest position, push back the items kept. A list popped empty loses its TTL in Redis:
   * put it back when items remain.
   */
  lremat: `#!lua
${luaPushBack}
local k = KEYS[1]
local n = redis.call('LLEN', k)
if n == 0 then return 0 end
local m = #ARGV
local lo = tonumber(ARGV[1])
local hi = tonumber(ARGV[m])
local ttl = redis.call('PEXPIRETIME', k)
local keep = {}
if hi + 1 <= n - lo then
  local head = redis.call('LPOP', k, math.min(hi + 1, n))
  local j = 1
  for i = 1, #head do
    if j <= m and tonumber(ARGV[j]) == i - 1 then j = j + 1 else keep[#keep + 1] = head[i] end
  end
  pushBack('LPUSH', k, keep)
else
  local tail = redis.call('RPOP', k, n - lo)
  local j = m
  for i = 1, #tail do
    if j >= 1 and tonumber(ARGV[j]) == n - i then j = j - 1 else keep[#keep + 1] = tail[i] end
  end
  pushBack('RPUSH', k, keep)
end
if ttl > 0 and redis.call('EXISTS', k) == 1 then redis.call('PEXPIREAT', k, ttl) end
return 1
`,
  /** ARGV: glob patterns. Delete every key matching any (FLUSHDB, FLUSHALL of one prefix). */
  flush: `#!lua
${luaScan}
for p = 1, #ARGV do
  local keys = collect(ARGV[p])
  local i = 1
  while i <= #keys do
    local chunk = {}
    while i <= #keys and #chunk < ${redisElementsPerCommand} do
      chunk[#chunk + 1] = keys[i]
      i = i + 1
    end
    redis.call('UNLINK', unpack(chunk))
  end
end
return 1
`,
  /**
   * ARGV: a name prefix, b name prefix, a pattern, b pattern, temporary name prefix — for
   * the data keys, then the same five for the side keys. Swap two databases by renaming
   * (SWAPDB is O(1) in Redis; here it costs the keys of both databases).
   */
  swapdb: `#!lua
${luaScan}
local function swap(pa, pb, patA, patB, tmp)
  local A = collect(patA)
  local B = collect(patB)
  for _, k in ipairs(A) do redis.call('RENAME', k, tmp .. string.sub(k, #pa + 1)) end
  for _, k in ipairs(B) do redis.call('RENAME', k, pa .. string.sub(k, #pb + 1)) end
  for _, k in ipairs(A) do
    local rest = string.sub(k, #pa + 1)
    redis.call('RENAME', tmp .. rest, pb .. rest)
  end
end
swap(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
swap(ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
return 1
`,
};

// ---- a batch of effects as commands --------------------------------------------------------

/** `items` in pieces of at most `per` (none for no items). */
function pieces<T>(items: readonly T[], per: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += per) out.push(items.slice(i, i + per));
  return out;
}

class Batch {
  readonly cmds: Cmd[] = [];
  readonly index: IndexOverlay;

  constructor(
    private readonly names: KeyNames,
    base: FttlIndex,
  ) {
    this.index = new IndexOverlay(base);
  }

  private push(name: string, args: Arg[]): void {
    this.cmds.push([name, args]);
  }

  private eval(script: string, keys: Arg[], argv: Arg[]): void {
    this.push('EVAL', [script, String(keys.length), ...keys, ...argv]);
  }

  /** `name K a b c...` in pieces, each element `per` arguments wide. */
  private spread(name: string, k: Buffer, flat: readonly Arg[], width = 1): void {
    for (const p of pieces(flat, redisElementsPerCommand * width)) this.push(name, [k, ...p]);
  }

  add(e: Effect): void {
    const n = this.names;
    switch (e.op) {
      case 'put':
        this.put(e.db, e.key, e);
        return;
      case 'del': {
        const k = n.key(e.db, e.key);
        if (this.index.has(e.db, e.key)) this.push('DEL', [k, n.side(e.db, e.key)]);
        else this.push('DEL', [k]);
        this.index.set(e.db, e.key, false);
        return;
      }
      case 'expire': {
        const keys = [n.key(e.db, e.key)];
        if (this.index.has(e.db, e.key)) keys.push(n.side(e.db, e.key));
        for (const k of keys) {
          if (e.expireAt === null) this.push('PERSIST', [k]);
          else this.push('PEXPIREAT', [k, msArg(e.expireAt)]);
        }
        return;
      }
      case 'setrange': {
        const k = n.key(e.db, e.key);
        if (e.bytes.length > 0) this.push('SETRANGE', [k, String(e.offset), latin1(e.bytes)]);
        // An empty write still creates the string (APPEND of ""), and pads up to its offset.
        else if (e.offset === 0) this.push('SET', [k, '', 'NX']);
        else this.eval(scripts.pad, [k], [String(e.offset)]);
        return;
      }
      case 'rename':
        this.rename(e.db, e.key, e.db, e.to);
        return;
      case 'move':
        this.rename(e.db, e.key, e.toDb, e.key);
        return;
      case 'flushdb':
        this.eval(scripts.flush, [], [n.dbPattern(e.db), n.sideDbPattern(e.db)]);
        this.index.flushdb(e.db);
        return;
      case 'flushall':
        this.eval(scripts.flush, [], [n.dataPattern, n.sidePattern]);
        this.index.flushall();
        return;
      case 'swapdb': {
        if (e.db === e.other) return;
        const tmp = n.under('swap:');
        this.eval(
          scripts.swapdb,
          [],
          [
            ...[n.dbPrefix(e.db), n.dbPrefix(e.other), n.dbPattern(e.db), n.dbPattern(e.other), tmp],
            ...[n.sidePrefix(e.db), n.sidePrefix(e.other), n.sideDbPattern(e.db), n.sideDbPattern(e.other), tmp],
          ],
        );
        this.index.swapdb(e.db, e.other);
        return;
      }
      case 'hset': {
        if (e.fields.length < 2) return;
        const k = n.key(e.db, e.key);
        this.spread('HSET', k, e.fields.map(latin1), 2);
        // HSET drops a field's TTL (Redis 7.4 hashTypeSet), HINCRBY keeps it.
        if (e.keepTtl !== true && this.index.has(e.db, e.key)) {
          const fields: Buffer[] = [];
          for (let i = 0; i + 1 < e.fields.length; i += 2) fields.push(latin1(e.fields[i] as string));
          this.spread('HDEL', n.side(e.db, e.key), fields);
        }
        return;
      }
      case 'hdel': {
        if (e.fields.length === 0) return;
        const fields = e.fields.map(latin1);
        this.spread('HDEL', n.key(e.db, e.key), fields);
        if (this.index.has(e.db, e.key)) this.spread('HDEL', n.side(e.db, e.key), fields);
        return;
      }
      case 'hexpire': {
        // No fields: only readies the hash for field TTLs, which has no stored form.
        if (e.fields.length === 0) return;
        const fields = e.fields.map(latin1);
        if (e.expireAt === null) {
          if (this.index.has(e.db, e.key)) this.spread('HDEL', n.side(e.db, e.key), fields);
          return;
        }
        for (const p of pieces(fields, redisElementsPerCommand)) this.eval(scripts.hexpire, [n.key(e.db, e.key), n.side(e.db, e.key)], [msArg(e.expireAt), ...p]);
        this.index.set(e.db, e.key, true);
        return;
      }
      case 'lpush':
      case 'rpush':
        // LPUSH pushes its arguments one by one at the head, as the effect does; pieces in order keep that.
        this.spread(e.op === 'lpush' ? 'LPUSH' : 'RPUSH', n.key(e.db, e.key), e.items.map(latin1));
        return;
      case 'lpop':
      case 'rpop':
        if (e.count > 0) this.push(e.op === 'lpop' ? 'LPOP' : 'RPOP', [n.key(e.db, e.key), String(e.count)]);
        return;
      case 'lset':
        this.push('LSET', [n.key(e.db, e.key), String(e.index), latin1(e.value)]);
        return;
      case 'linsert':
        if (e.index === 0) this.push('LPUSH', [n.key(e.db, e.key), latin1(e.value)]);
        else this.eval(scripts.linsert, [n.key(e.db, e.key)], [String(e.index), latin1(e.value)]);
        return;
      case 'lremat':
        if (e.indexes.length > 0) this.eval(scripts.lremat, [n.key(e.db, e.key)], e.indexes.map(String));
        return;
      case 'ltrim': {
        // The engine clamps to [0, len); start > stop empties the list (LTRIM 1 0 does too).
        const empty = e.start > e.stop || e.start < 0 || e.stop < 0;
        this.push('LTRIM', [n.key(e.db, e.key), empty ? '1' : String(e.start), empty ? '0' : String(e.stop)]);
        return;
      }
      case 'sadd':
      case 'srem':
        this.spread(e.op === 'sadd' ? 'SADD' : 'SREM', n.key(e.db, e.key), e.members.map(latin1));
        return;
      case 'zadd': {
        const flat: Arg[] = [];
        for (let i = 0; i < e.members.length; i++) flat.push(formatDouble(e.scores[i] as number), latin1(e.members[i] as string));
        this.spread('ZADD', n.key(e.db, e.key), flat, 2);
        return;
      }
      case 'zrem':
        this.spread('ZREM', n.key(e.db, e.key), e.members.map(latin1));
        return;
      default: {
        const never: never = e;
        throw new Error(`redis backend: unknown effect ${(never as { op: string }).op}`);
      }
    }
  }

  /** A whole value: SET for a string; DEL and rebuild in pieces for a collection. */
  private put(db: number, key: string, e: Effect & { op: 'put' }): void {
    const n = this.names;
    const k = n.key(db, key);
    const side = n.side(db, key);
    const r = recordsOf(e.value);
    if (r.type === 'string') {
      // SET without KEEPTTL replaces the TTL too, as a put does.
      this.push('SET', e.expireAt === null ? [k, latin1(r.bytes)] : [k, latin1(r.bytes), 'PXAT', msArg(e.expireAt)]);
      if (this.index.has(db, key)) this.push('DEL', [side]);
      this.index.set(db, key, false);
      return;
    }
    this.push('DEL', this.index.has(db, key) ? [k, side] : [k]);
    let withTtls = false;
    switch (r.type) {
      case 'hash':
        this.spread('HSET', k, r.fields.map(latin1), 2);
        if (r.ttls.size > 0) {
          const flat: Arg[] = [];
          for (const [f, at] of r.ttls) flat.push(latin1(f), msArg(at));
          this.spread('HSET', side, flat, 2);
          withTtls = true;
        }
        break;
      case 'list':
        this.spread('RPUSH', k, r.items.map(latin1));
        break;
      case 'set':
        this.spread('SADD', k, r.members.map(latin1));
        break;
      case 'zset': {
        const flat: Arg[] = [];
        for (let i = 0; i < r.members.length; i++) flat.push(formatDouble(r.scores[i] as number), latin1(r.members[i] as string));
        this.spread('ZADD', k, flat, 2);
        break;
      }
    }
    if (e.expireAt !== null) {
      this.push('PEXPIREAT', [k, msArg(e.expireAt)]);
      if (withTtls) this.push('PEXPIREAT', [side, msArg(e.expireAt)]);
    }
    this.index.set(db, key, withTtls);
  }

  private rename(db: number, key: string, toDb: number, to: string): void {
    const n = this.names;
    this.eval(scripts.rename, [n.key(db, key), n.key(toDb, to), n.side(db, key), n.side(toDb, to)], []);
    const had = this.index.has(db, key);
    if (db !== toDb || key !== to) this.index.set(db, key, false);
    this.index.set(toDb, to, had);
  }
}

// ---- the backend ---------------------------------------------------------------------------

export interface RedisBackendOptions {
  /** The Redis to store in (redis://host:port/db). */
  redisUrl: string;
  /** Prefix of every key this replica writes (one replica, one prefix). */
  redisPrefix: string;
}

export class RedisBackend implements Backend {
  readonly name = 'redis';
  /** The stored sequence number as last known (read at open, set by each committed batch). */
  private seq: bigint;
  /** The highest sequence number Redis acknowledged: the store must never be found behind it. */
  private acked: bigint;
  /** The connection dropped since Pseq was last read: read it before the next batch. */
  private resync = false;
  /** A batch whose EXEC answer was lost: its index changes, kept until Pseq tells. */
  private pending: { seq: bigint; index: IndexOverlay } | null = null;
  private index: FttlIndex | null = null;
  /** Bumped by every committed batch, so a load does not install a stale index. */
  private generation = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly redis: Redis,
    private readonly names: KeyNames,
    seq: bigint,
  ) {
    this.seq = seq;
    this.acked = seq;
    redis.on('close', () => {
      this.resync = true;
    });
  }

  static async open(opts: RedisBackendOptions): Promise<RedisBackend> {
    const redis = new Redis(opts.redisUrl, {
      lazyConnect: true,
      // Fail at once while Redis is away, never queue or resend a batch behind the caller's
      // back (a resent MULTI/EXEC could apply twice); reconnect in the background meanwhile.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (times: number) => Math.min(times * redisReconnectStepMs, redisReconnectMaxMs),
      connectTimeout: redisConnectTimeoutMs,
      commandTimeout: redisCommandTimeoutMs,
      protocol: 2,
      // Integers as text: a PEXPIRETIME near 2^63 parsed digit by digit in doubles could
      // round differently from Number() of its text.
      stringNumbers: true,
      disableClientInfo: true,
      connectionName: 'catena-backend',
    });
    // Errors reach the caller through the commands that fail; the event would only be noise.
    redis.on('error', () => undefined);
    const names = new KeyNames(opts.redisPrefix);
    try {
      await redis.connect();
      // PEXPIRETIME, LPOP with a count and script shebangs are Redis 7.0.
      const version = /redis_version:([\d.]+)/.exec(await redis.info('server'))?.[1];
      if (version !== undefined && parseInt(version, 10) < 7) throw new Error(`redis backend: needs Redis 7.0 or newer, ${opts.redisUrl} runs ${version}`);
      const [format, seq] = (await redis.pipeline().getBuffer(names.format).getBuffer(names.seq).exec()) ?? [];
      if (format?.[0]) throw format[0];
      if (seq?.[0]) throw seq[0];
      const fmt = format?.[1] as Buffer | null;
      const stored = seq?.[1] as Buffer | null;
      if (fmt === null) {
        if (stored !== null) throw new Error(`redis backend: prefix ${opts.redisPrefix} holds a sequence number but no format: not a Catena store`);
        await redis.set(names.format, redisFormat, 'NX');
      } else if (fmt.toString('latin1') !== redisFormat) {
        throw new Error(`redis backend: prefix ${opts.redisPrefix} holds format ${fmt.toString('latin1')}, not ${redisFormat}`);
      }
      return new RedisBackend(redis, names, stored === null ? 0n : BigInt(stored.toString('latin1')));
    } catch (err) {
      redis.disconnect();
      throw backendError(err);
    }
  }

  /** One operation at a time: a batch never overtakes another, nor the resync before it. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const r = this.queue.then(f, f);
    this.queue = r.catch(() => undefined);
    return r;
  }

  private async call(name: string, args: Arg[]): Promise<unknown> {
    try {
      return await this.redis.callBuffer(name, args);
    } catch (err) {
      throw backendError(err);
    }
  }

  private async readSeq(): Promise<bigint> {
    const v = await this.call('GET', [this.names.seq]);
    return v === null ? 0n : BigInt(text(v));
  }

  /** After a dropped connection: learn from Pseq whether a batch in flight committed, and that nothing was lost. */
  private async settle(): Promise<void> {
    if (!this.resync) return;
    const stored = await this.readSeq();
    const p = this.pending;
    if (p !== null) {
      if (stored >= p.seq) {
        p.index.commit();
        this.generation++;
        if (p.seq > this.acked) this.acked = p.seq;
      }
      this.pending = null;
    }
    if (stored < this.acked) throw new Error(`redis backend: the store lost applied batches (Pseq ${stored} < acknowledged ${this.acked})`);
    this.seq = stored;
    this.resync = false;
  }

  /** The index of hashes with field TTLs, from a SCAN of the side keys if no load built it. */
  private async fttlIndex(): Promise<FttlIndex> {
    if (this.index !== null) return this.index;
    const idx = new FttlIndex();
    let cursor = '0';
    do {
      const [next, keys] = (await this.call('SCAN', [cursor, 'MATCH', this.names.sidePattern, 'COUNT', String(redisScanCount)])) as [Buffer, Buffer[]];
      cursor = text(next);
      for (const k of keys) {
        const p = this.names.parseSide(k);
        if (p !== null) idx.add(p.db, p.key);
      }
    } while (cursor !== '0');
    this.index = idx;
    return idx;
  }

  apply(effects: readonly Effect[], appliedSeq: bigint): Promise<void> {
    return this.serial(async () => {
      if (this.closed) throw new Error('redis backend used after close');
      await this.settle();
      if (appliedSeq < this.seq) throw new Error(`applied sequence went backwards: ${appliedSeq} < ${this.seq}`);
      // Equal: this batch is stored already (a retry after a lost EXEC answer), or empty.
      if (appliedSeq === this.seq) return;
      const batch = new Batch(this.names, await this.fttlIndex());
      for (const e of effects) batch.add(e);
      const m = this.redis.multi();
      for (const [name, args] of batch.cmds) m.callBuffer(name, args);
      m.callBuffer('SET', [this.names.seq, appliedSeq.toString()]);
      this.pending = { seq: appliedSeq, index: batch.index };
      let results: Array<[Error | null, unknown]> | null;
      try {
        results = await m.exec();
      } catch (err) {
        // A reply error (EXECABORT...) means Redis answered: nothing ran. Anything else may
        // have lost the answer of an EXEC that ran; settle() reads Pseq before the next batch.
        if (isReplyError(err)) this.pending = null;
        else this.resync = true;
        throw backendError(err);
      }
      this.pending = null;
      // Null is an EXEC aborted by a WATCH, which this backend never sets: nothing ran.
      if (results === null) throw new Error('redis backend: transaction aborted without a cause');
      batch.index.commit();
      this.generation++;
      this.seq = appliedSeq;
      this.acked = appliedSeq;
      // Runtime errors inside EXEC do not undo the rest: the batch is stored minus a command.
      // Only a bug (or a key Redis expired before Catena did) gets here; say so loudly.
      const failed = results.map(([err], i) => (err ? `${batch.cmds[i]?.[0] ?? 'SET'}: ${err.message}` : null)).filter((x) => x !== null);
      if (failed.length > 0) throw new Error(`redis backend: commands failed inside a committed batch (seq ${appliedSeq}): ${failed.join('; ')}`);
    });
  }

  appliedSeq(): Promise<bigint> {
    return this.serial(async () => {
      this.resync = true;
      await this.settle();
      return this.seq;
    });
  }

  async *load(): AsyncIterable<readonly Effect[]> {
    const n = this.names;
    const b = new LoadBuilder();
    const generation = this.generation;
    const index = new FttlIndex();
    // SCAN may return a key twice (the table resized between calls): load each once.
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, names] = (await this.call('SCAN', [cursor, 'MATCH', n.dataPattern, 'COUNT', String(redisScanCount)])) as [Buffer, Buffer[]];
      cursor = text(next);
      const keys: Array<{ name: Buffer; db: number; key: string }> = [];
      for (const name of names) {
        const p = n.parseData(name);
        const id = name.toString('latin1');
        if (p === null || seen.has(id)) continue;
        seen.add(id);
        keys.push({ name, ...p });
      }
      if (keys.length === 0) continue;
      // A page's types and expiries in one round trip, then its strings in another.
      const p = this.redis.pipeline();
      for (const k of keys) p.callBuffer('TYPE', [k.name]).callBuffer('PEXPIRETIME', [k.name]);
      const meta = await this.exec(p);
      const types = keys.map((_, i) => text(meta[2 * i]));
      const strings = this.redis.pipeline();
      for (let i = 0; i < keys.length; i++) if (types[i] === 'string') strings.callBuffer('GET', [(keys[i] as { name: Buffer }).name]);
      const values = strings.length > 0 ? await this.exec(strings) : [];
      let nextString = 0;
      for (let i = 0; i < keys.length; i++) {
        const { name, db, key } = keys[i] as { name: Buffer; db: number; key: string };
        const type = types[i] as string;
        const at = Number(meta[2 * i + 1]);
        const value = type === 'string' ? values[nextString++] : undefined;
        // Expired (or gone) since SCAN saw it.
        if (type === 'none' || at === -2) continue;
        const expireAt = at < 0 ? null : at;
        switch (type) {
          case 'string':
            if (value === null || value === undefined) continue;
            b.string(db, key, text(value), expireAt);
            break;
          case 'hash':
            yield* this.loadHash(b, db, key, name, index);
            b.expire(db, key, expireAt);
            break;
          case 'list':
            for (let from = 0; ; from += redisElementsPerCommand) {
              const items = (await this.call('LRANGE', [name, String(from), String(from + redisElementsPerCommand - 1)])) as Buffer[];
              b.listItems(db, key, items.map(text));
              yield* b.takeFull();
              if (items.length < redisElementsPerCommand) break;
            }
            b.expire(db, key, expireAt);
            break;
          case 'set': {
            let c = '0';
            do {
              const [nc, members] = (await this.call('SSCAN', [name, c, 'COUNT', String(redisElementsPerCommand)])) as [Buffer, Buffer[]];
              c = text(nc);
              b.setMembers(db, key, members.map(text));
              yield* b.takeFull();
            } while (c !== '0');
            b.expire(db, key, expireAt);
            break;
          }
          case 'zset':
            for (let from = 0; ; from += redisElementsPerCommand) {
              const flat = (await this.call('ZRANGE', [name, String(from), String(from + redisElementsPerCommand - 1), 'WITHSCORES'])) as Buffer[];
              const members: string[] = [];
              const scores: number[] = [];
              for (let j = 0; j + 1 < flat.length; j += 2) {
                members.push(text(flat[j]));
                scores.push(parseScore(text(flat[j + 1])));
              }
              b.zsetMembers(db, key, members, scores);
              yield* b.takeFull();
              if (members.length < redisElementsPerCommand) break;
            }
            b.expire(db, key, expireAt);
            break;
          default:
            throw new Error(`redis backend: ${name.toString('latin1')} is a ${type}, which Catena does not store`);
        }
        yield* b.takeFull();
      }
    } while (cursor !== '0');
    yield* b.takeAll();
    // What the load saw is the index, unless a batch committed meanwhile.
    if (this.index === null && generation === this.generation) this.index = index;
  }

  /** A hash's fields in pieces, then the TTLs of those of its fields that have one. */
  private async *loadHash(b: LoadBuilder, db: number, key: string, name: Buffer, index: FttlIndex): AsyncGenerator<Effect[]> {
    let c = '0';
    do {
      const [nc, flat] = (await this.call('HSCAN', [name, c, 'COUNT', String(redisElementsPerCommand)])) as [Buffer, Buffer[]];
      c = text(nc);
      b.hashFields(db, key, flat.map(text));
      yield* b.takeFull();
    } while (c !== '0');
    const side = this.names.side(db, key);
    c = '0';
    do {
      const [nc, flat] = (await this.call('HSCAN', [side, c, 'COUNT', String(redisElementsPerCommand)])) as [Buffer, Buffer[]];
      c = text(nc);
      if (flat.length === 0) continue;
      index.add(db, key);
      const fields = flat.filter((_, j) => j % 2 === 0);
      // Only fields the hash holds (the side key is kept a subset; never trust it blindly).
      const present = (await this.call('HMGET', [name, ...fields])) as Array<Buffer | null>;
      for (let j = 0; j < fields.length; j++) {
        if (present[j] === null) continue;
        b.hashTtl(db, key, text(fields[j]), Number(text(flat[2 * j + 1])));
      }
      yield* b.takeFull();
    } while (c !== '0');
  }

  private async exec(p: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
    let res: Array<[Error | null, unknown]> | null;
    try {
      res = await p.exec();
    } catch (err) {
      throw backendError(err);
    }
    return (res ?? []).map(([err, v]) => {
      if (err) throw backendError(err);
      return v;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    try {
      await this.redis.quit();
    } catch {
      // Down already: drop the connection and stop reconnecting.
    }
    this.redis.disconnect();
  }
}
