/**
 * The postgres backend (`--backend postgres`): a replica's keyspace in real tables of one
 * PostgreSQL schema (one replica, one schema), written with pg-promise. A key is a row of
 * `keys` (type, expiry); its value is rows of the table of its type: `strings`,
 * `hash_fields` (with field TTLs), `list_items` (by position), `set_members`,
 * `zset_members` (float8 scores: ±inf and -0 kept). Keys, fields, members and values are
 * bytea (the engine's latin1 strings, one char per byte); expiry times are absolute Unix ms.
 *
 * A batch of effects is one transaction together with the applied sequence number in
 * `meta`, so a batch is all or nothing and a retry after a lost COMMIT answer is recognised
 * (same sequence number) and not applied twice. Each effect writes the rows it changes and
 * no others: HSET of one field on a big hash is one row, a push one row, LSET one row.
 * LINSERT and the removal of inner items (LREM) also renumber the shorter side of the list
 * (list positions stay contiguous, so index i is min(pos) + i, found by index, not by
 * scanning); whole-key operations (put of a collection, RENAME, MOVE, SWAPDB, FLUSHDB,
 * FLUSHALL) cost the size of what they move, as in Redis. A string is one bytea, which
 * PostgreSQL rewrites whole on any change; several SETRANGEs of one string in a batch are
 * therefore merged into one write.
 *
 * Limits: keys, hash fields and set/zset members are btree index entries, so each must fit
 * in one (about 2.7 kB after compression); values have no such limit.
 *
 * May touch: the schema it is given (created and migrated at open) and its own connection
 * pool, ended by close(). Must not touch: other schemas, pg-promise's global state (no
 * pgp.end(), no global type parsers), the engine's keyspace.
 */
import * as os from 'node:os';
import pgPromise, { type IDatabase, type ITask } from 'pg-promise';
import { BackendUnavailable, type Backend } from '../backend';
import type { Effect } from '../../src/engine/effects';
import { isString, stringOf, type StringValue, type Value } from '../../src/engine/values';
import { LoadBuilder, recordsOf } from '../records';
import {
  postgresConnectTimeoutMs,
  postgresIdleTimeoutMs,
  postgresLoadPageRows,
  postgresPoolSize,
  postgresRowsPerStatement,
} from '../limits';

/** The schema layout this code writes; `meta.format` records the one a schema has. */
export const postgresFormatVersion = 1;

/** One library instance for every backend of the process; each backend has its own pool. */
const pgp = pgPromise({ capSQL: true });

type Db = IDatabase<object>;
type Tx = ITask<object>;

const collectionTables = ['hash_fields', 'list_items', 'set_members', 'zset_members'] as const;
const contentTables = ['strings', ...collectionTables] as const;
const allTables = ['keys', ...contentTables] as const;

/**
 * Migrations by format: entry i takes a schema from format i to i + 1. Applied in order at
 * open, inside one transaction, so a schema is never left half-migrated.
 */
const migrations: ReadonlyArray<(s: string) => string> = [
  (s) => `
    CREATE TABLE ${s}.keys (
      db smallint NOT NULL,
      key bytea NOT NULL,
      type text NOT NULL CHECK (type IN ('string', 'hash', 'list', 'set', 'zset')),
      expire_at bigint,
      PRIMARY KEY (db, key)
    );
    CREATE TABLE ${s}.strings (
      db smallint NOT NULL,
      key bytea NOT NULL,
      value bytea NOT NULL,
      PRIMARY KEY (db, key)
    );
    CREATE TABLE ${s}.hash_fields (
      db smallint NOT NULL,
      key bytea NOT NULL,
      field bytea NOT NULL,
      value bytea NOT NULL,
      expire_at bigint,
      PRIMARY KEY (db, key, field)
    );
    -- Positions are contiguous per list (head = min(pos)), so index i is min(pos) + i. The key
    -- is DEFERRABLE (checked at the end of each statement, not per row) so that shifting a side
    -- of the list by one with a single UPDATE does not collide with itself half-way.
    CREATE TABLE ${s}.list_items (
      db smallint NOT NULL,
      key bytea NOT NULL,
      pos bigint NOT NULL,
      value bytea NOT NULL,
      PRIMARY KEY (db, key, pos) DEFERRABLE INITIALLY IMMEDIATE
    );
    CREATE TABLE ${s}.set_members (
      db smallint NOT NULL,
      key bytea NOT NULL,
      member bytea NOT NULL,
      PRIMARY KEY (db, key, member)
    );
    -- No index on score: the engine keeps the order in memory; the store is read by key only.
    CREATE TABLE ${s}.zset_members (
      db smallint NOT NULL,
      key bytea NOT NULL,
      member bytea NOT NULL,
      score float8 NOT NULL,
      PRIMARY KEY (db, key, member)
    );
  `,
];

/** The SQL of every statement, by name; `$1` is always the database and `$2` the key. */
function statements(s: string): Record<string, string> {
  const D = '$1::int2';
  const K = '$2::bytea';
  const at = `db = ${D} AND key = ${K}`;
  const each = (tables: readonly string[], sql: (table: string) => string): string => tables.map((tb, i) => `x${i} AS (${sql(`${s}.${tb}`)})`).join(', ');
  const ensureKey = (type: string): string => `k AS (INSERT INTO ${s}.keys (db, key, type, expire_at) VALUES (${D}, ${K}, '${type}', NULL) ON CONFLICT (db, key) DO NOTHING)`;
  // A collection left empty is deleted with its expiry. The condition reads the snapshot from
  // before the statement: the key survives when some element outside the removed ones exists
  // (an index probe, not a count of the collection).
  const dropIfNone = (table: string, col: string): string =>
    `DELETE FROM ${s}.keys WHERE ${at} AND NOT EXISTS (SELECT 1 FROM ${s}.${table} WHERE ${at} AND ${col} <> ALL($3::bytea[]))`;
  const head = `(SELECT min(pos) FROM ${s}.list_items WHERE ${at})`;
  const tail = `(SELECT max(pos) FROM ${s}.list_items WHERE ${at})`;
  return {
    advanceSeq: `UPDATE ${s}.meta SET applied_seq = $1::int8 WHERE applied_seq < $1::int8`,
    readSeq: `SELECT applied_seq::text AS seq FROM ${s}.meta`,
    del: `WITH ${each(allTables, (tb) => `DELETE FROM ${tb} WHERE ${at}`)} SELECT 1`,
    // A string put clears whatever the key held; the keys row is only rewritten when its
    // type or expiry changes.
    putString:
      `WITH ${each(collectionTables, (tb) => `DELETE FROM ${tb} WHERE ${at}`)}, ` +
      `k AS (INSERT INTO ${s}.keys AS o (db, key, type, expire_at) VALUES (${D}, ${K}, 'string', $4::int8) ` +
      `ON CONFLICT (db, key) DO UPDATE SET type = 'string', expire_at = excluded.expire_at ` +
      `WHERE o.type <> 'string' OR o.expire_at IS DISTINCT FROM excluded.expire_at) ` +
      `INSERT INTO ${s}.strings AS o (db, key, value) VALUES (${D}, ${K}, $3::bytea) ON CONFLICT (db, key) DO UPDATE SET value = excluded.value`,
    // The same for many keys at once: $1 databases, $2 keys, $3 values, $4 expiry times.
    putStrings:
      `WITH v AS (SELECT * FROM unnest($1::int2[], $2::bytea[], $3::bytea[], $4::int8[]) AS v(db, key, value, expire_at)), ` +
      `${each(collectionTables, (tb) => `DELETE FROM ${tb} AS t USING v WHERE t.db = v.db AND t.key = v.key`)}, ` +
      `k AS (INSERT INTO ${s}.keys AS o (db, key, type, expire_at) SELECT v.db, v.key, 'string', v.expire_at FROM v ` +
      `ON CONFLICT (db, key) DO UPDATE SET type = 'string', expire_at = excluded.expire_at ` +
      `WHERE o.type <> 'string' OR o.expire_at IS DISTINCT FROM excluded.expire_at) ` +
      `INSERT INTO ${s}.strings AS o (db, key, value) SELECT v.db, v.key, v.value FROM v ON CONFLICT (db, key) DO UPDATE SET value = excluded.value`,
    putCollection:
      `WITH ${each(contentTables, (tb) => `DELETE FROM ${tb} WHERE ${at}`)} ` +
      `INSERT INTO ${s}.keys AS o (db, key, type, expire_at) VALUES (${D}, ${K}, $3::text, $4::int8) ` +
      `ON CONFLICT (db, key) DO UPDATE SET type = excluded.type, expire_at = excluded.expire_at ` +
      `WHERE o.type <> excluded.type OR o.expire_at IS DISTINCT FROM excluded.expire_at`,
    putHashRows: `INSERT INTO ${s}.hash_fields (db, key, field, value, expire_at) SELECT ${D}, ${K}, u.f, u.v, u.e FROM unnest($3::bytea[], $4::bytea[], $5::int8[]) AS u(f, v, e)`,
    putListRows: `INSERT INTO ${s}.list_items (db, key, pos, value) SELECT ${D}, ${K}, $4::int8 + u.i - 1, u.v FROM unnest($3::bytea[]) WITH ORDINALITY AS u(v, i)`,
    delMany:
      `WITH v AS (SELECT * FROM unnest($1::int2[], $2::bytea[]) AS v(db, key)), ` +
      `${each(allTables, (tb) => `DELETE FROM ${tb} AS t USING v WHERE t.db = v.db AND t.key = v.key`)} SELECT 1`,
    expireMany:
      `UPDATE ${s}.keys AS k SET expire_at = v.e FROM unnest($1::int2[], $2::bytea[], $3::int8[]) AS v(db, key, e) ` +
      `WHERE k.db = v.db AND k.key = v.key AND k.expire_at IS DISTINCT FROM v.e`,
    expire: `UPDATE ${s}.keys SET expire_at = $3::int8 WHERE ${at} AND expire_at IS DISTINCT FROM $3::int8`,
    // Overwrite bytes at $3, zero-padding a gap (an APPEND is a SETRANGE at the old length).
    setrange:
      `WITH k AS (INSERT INTO ${s}.keys (db, key, type, expire_at) VALUES (${D}, ${K}, 'string', NULL) ON CONFLICT (db, key) DO NOTHING) ` +
      `INSERT INTO ${s}.strings AS o (db, key, value) VALUES (${D}, ${K}, decode(repeat('00', $3::int4), 'hex') || $4::bytea) ` +
      `ON CONFLICT (db, key) DO UPDATE SET value = overlay(` +
      `CASE WHEN length(o.value) < $3::int4 THEN o.value || decode(repeat('00', $3::int4 - length(o.value)), 'hex') ELSE o.value END ` +
      `PLACING $4::bytea FROM $3::int4 + 1 FOR length($4::bytea))`,
    readString: `SELECT value FROM ${s}.strings WHERE ${at}`,
    writeString:
      `WITH k AS (INSERT INTO ${s}.keys (db, key, type, expire_at) VALUES (${D}, ${K}, 'string', NULL) ON CONFLICT (db, key) DO NOTHING) ` +
      `INSERT INTO ${s}.strings AS o (db, key, value) VALUES (${D}, ${K}, $3::bytea) ON CONFLICT (db, key) DO UPDATE SET value = excluded.value`,
    rekey: `WITH ${each(allTables, (tb) => `UPDATE ${tb} SET key = $3::bytea WHERE ${at}`)} SELECT 1`,
    moveKey: `WITH ${each(allTables, (tb) => `UPDATE ${tb} SET db = $3::int2 WHERE ${at}`)} SELECT 1`,
    renumberDb: `WITH ${each(allTables, (tb) => `UPDATE ${tb} SET db = $2::int2 WHERE db = $1::int2`)} SELECT 1`,
    flushdb: `WITH ${each(allTables, (tb) => `DELETE FROM ${tb} WHERE db = $1::int2`)} SELECT 1`,
    flushall: `WITH ${each(allTables, (tb) => `DELETE FROM ${tb}`)} SELECT 1`,

    hset1: `WITH ${ensureKey('hash')} INSERT INTO ${s}.hash_fields (db, key, field, value, expire_at) VALUES (${D}, ${K}, $3::bytea, $4::bytea, NULL) ON CONFLICT (db, key, field) DO UPDATE SET value = excluded.value, expire_at = NULL`,
    hset1KeepTtl: `WITH ${ensureKey('hash')} INSERT INTO ${s}.hash_fields (db, key, field, value, expire_at) VALUES (${D}, ${K}, $3::bytea, $4::bytea, NULL) ON CONFLICT (db, key, field) DO UPDATE SET value = excluded.value`,
    hsetN: `WITH ${ensureKey('hash')} INSERT INTO ${s}.hash_fields (db, key, field, value, expire_at) SELECT ${D}, ${K}, u.f, u.v, NULL FROM unnest($3::bytea[], $4::bytea[]) AS u(f, v) ON CONFLICT (db, key, field) DO UPDATE SET value = excluded.value, expire_at = NULL`,
    hsetNKeepTtl: `WITH ${ensureKey('hash')} INSERT INTO ${s}.hash_fields (db, key, field, value, expire_at) SELECT ${D}, ${K}, u.f, u.v, NULL FROM unnest($3::bytea[], $4::bytea[]) AS u(f, v) ON CONFLICT (db, key, field) DO UPDATE SET value = excluded.value`,
    hdel: `WITH x AS (DELETE FROM ${s}.hash_fields WHERE ${at} AND field = ANY($3::bytea[])) ${dropIfNone('hash_fields', 'field')}`,
    hexpire: `UPDATE ${s}.hash_fields SET expire_at = $4::int8 WHERE ${at} AND field = ANY($3::bytea[]) AND expire_at IS DISTINCT FROM $4::int8`,

    // Each pushed item takes the next position past the end it is pushed at.
    rpush1: `WITH ${ensureKey('list')} INSERT INTO ${s}.list_items (db, key, pos, value) VALUES (${D}, ${K}, coalesce(${tail}, -1) + 1, $3::bytea)`,
    lpush1: `WITH ${ensureKey('list')} INSERT INTO ${s}.list_items (db, key, pos, value) VALUES (${D}, ${K}, coalesce(${head}, 0) - 1, $3::bytea)`,
    rpushN: `WITH ${ensureKey('list')} INSERT INTO ${s}.list_items (db, key, pos, value) SELECT ${D}, ${K}, coalesce(${tail}, -1) + u.i, u.v FROM unnest($3::bytea[]) WITH ORDINALITY AS u(v, i)`,
    lpushN: `WITH ${ensureKey('list')} INSERT INTO ${s}.list_items (db, key, pos, value) SELECT ${D}, ${K}, coalesce(${head}, 0) - u.i, u.v FROM unnest($3::bytea[]) WITH ORDINALITY AS u(v, i)`,
    lpop:
      `WITH b AS (SELECT ${head} AS m), x AS (DELETE FROM ${s}.list_items WHERE ${at} AND pos < (SELECT m FROM b) + $3::int8) ` +
      `DELETE FROM ${s}.keys WHERE ${at} AND NOT EXISTS (SELECT 1 FROM ${s}.list_items WHERE ${at} AND pos >= (SELECT m FROM b) + $3::int8)`,
    rpop:
      `WITH b AS (SELECT ${tail} AS m), x AS (DELETE FROM ${s}.list_items WHERE ${at} AND pos > (SELECT m FROM b) - $3::int8) ` +
      `DELETE FROM ${s}.keys WHERE ${at} AND NOT EXISTS (SELECT 1 FROM ${s}.list_items WHERE ${at} AND pos <= (SELECT m FROM b) - $3::int8)`,
    lset: `UPDATE ${s}.list_items SET value = $4::bytea WHERE ${at} AND pos = ${head} + $3::int8`,
    listBounds: `SELECT min(pos)::text AS lo, max(pos)::text AS hi FROM ${s}.list_items WHERE ${at}`,
    listInsertAt: `INSERT INTO ${s}.list_items (db, key, pos, value) VALUES (${D}, ${K}, $3::int8, $4::bytea)`,
    listShiftHead: `UPDATE ${s}.list_items SET pos = pos - 1 WHERE ${at} AND pos < $3::int8`,
    listShiftTail: `UPDATE ${s}.list_items SET pos = pos + 1 WHERE ${at} AND pos >= $3::int8`,
    listDeleteAt: `DELETE FROM ${s}.list_items WHERE ${at} AND pos = ANY($3::int8[])`,
    // After removing items, close the gaps: renumber the items past the first removed
    // position (tail side) or before the last one (head side), whichever moves fewer rows.
    listCloseTail:
      `UPDATE ${s}.list_items AS l SET pos = r.np FROM (SELECT pos, $3::int8 + row_number() OVER (ORDER BY pos) - 1 AS np ` +
      `FROM ${s}.list_items WHERE ${at} AND pos > $3::int8) AS r WHERE l.db = ${D} AND l.key = ${K} AND l.pos = r.pos AND l.pos <> r.np`,
    listCloseHead:
      `UPDATE ${s}.list_items AS l SET pos = r.np FROM (SELECT pos, $3::int8 - row_number() OVER (ORDER BY pos DESC) + 1 AS np ` +
      `FROM ${s}.list_items WHERE ${at} AND pos < $3::int8) AS r WHERE l.db = ${D} AND l.key = ${K} AND l.pos = r.pos AND l.pos <> r.np`,
    ltrim:
      `WITH b AS (SELECT ${head} AS m), ` +
      `x AS (DELETE FROM ${s}.list_items WHERE ${at} AND pos < (SELECT m FROM b) + $3::int8), ` +
      `y AS (DELETE FROM ${s}.list_items WHERE ${at} AND pos > (SELECT m FROM b) + $4::int8) ` +
      `DELETE FROM ${s}.keys WHERE ${at} AND NOT EXISTS (SELECT 1 FROM ${s}.list_items WHERE ${at} ` +
      `AND pos BETWEEN (SELECT m FROM b) + $3::int8 AND (SELECT m FROM b) + $4::int8)`,

    sadd1: `WITH ${ensureKey('set')} INSERT INTO ${s}.set_members (db, key, member) VALUES (${D}, ${K}, $3::bytea) ON CONFLICT (db, key, member) DO NOTHING`,
    saddN: `WITH ${ensureKey('set')} INSERT INTO ${s}.set_members (db, key, member) SELECT ${D}, ${K}, u.m FROM unnest($3::bytea[]) AS u(m) ON CONFLICT (db, key, member) DO NOTHING`,
    srem: `WITH x AS (DELETE FROM ${s}.set_members WHERE ${at} AND member = ANY($3::bytea[])) ${dropIfNone('set_members', 'member')}`,
    // Scores travel as text: node-postgres would send -0 as "0".
    zadd1: `WITH ${ensureKey('zset')} INSERT INTO ${s}.zset_members (db, key, member, score) VALUES (${D}, ${K}, $3::bytea, $4::float8) ON CONFLICT (db, key, member) DO UPDATE SET score = excluded.score`,
    zaddN: `WITH ${ensureKey('zset')} INSERT INTO ${s}.zset_members (db, key, member, score) SELECT ${D}, ${K}, u.m, u.s FROM unnest($3::bytea[], $4::float8[]) AS u(m, s) ON CONFLICT (db, key, member) DO UPDATE SET score = excluded.score`,
    zrem: `WITH x AS (DELETE FROM ${s}.zset_members WHERE ${at} AND member = ANY($3::bytea[])) ${dropIfNone('zset_members', 'member')}`,
  };
}

/** SQLSTATEs of operating errors (the server, not the request): retrying later may succeed. */
const operatingStates = new Set([
  '57P01', // admin_shutdown (server stopping, pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '57014', // query_canceled
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '58000', // system_error
  '58030', // io_error
]);
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** node-postgres and pg-promise report a lost or unobtainable connection by message only. */
const lostConnection = /connection terminated|connection ended|not queryable|timeout exceeded when trying to connect|connection timeout|released or lost connection|pool is destroyed/i;

/** True for an error of the server or the network (BackendUnavailable), false for a bug. */
export function isOperatingError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  // Class 08: connection exception; class 53: insufficient resources (disk full 53100, out
  // of memory, too many connections 53300).
  if (code.startsWith('08') || code.startsWith('53') || operatingStates.has(code) || networkCodes.has(code)) return true;
  if (Array.isArray(e.errors) && e.errors.some(isOperatingError)) return true; // AggregateError of a multi-address connect
  return typeof e.message === 'string' && lostConnection.test(e.message);
}

function bin(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/**
 * An absolute time in ms as int8 input text. The engine holds times as doubles, and its
 * largest (LLONG_MAX) is 2^63 as a double, one past int8: stored as LLONG_MAX, which reads
 * back as the same double.
 */
function msText(x: number | null): string | null {
  if (x === null) return null;
  if (x >= 9223372036854775807) return '9223372036854775807';
  if (x <= -9223372036854775808) return '-9223372036854775808';
  return BigInt(Math.trunc(x)).toString();
}

/** A score as float8 input text, keeping the sign of -0 and the infinities. */
function scoreText(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Fields [f, v, f, v...] with a repeated field set once, to its last value (as applied in order). */
function lastWins(flat: readonly string[]): [string[], string[]] {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(flat[i] as string, flat[i + 1] as string);
  return [[...m.keys()], [...m.values()]];
}

type Merged = Extract<Effect, { op: 'hset' | 'hdel' | 'sadd' | 'srem' | 'zadd' | 'zrem' | 'lpush' | 'rpush' }>;

/**
 * Runs of element effects on one key merged into one effect (one statement instead of
 * many): consecutive SADDs, RPUSHes, HSETs... of one key apply exactly as their
 * concatenation. Input effects are not modified.
 */
export function coalesce(effects: readonly Effect[]): Effect[] {
  const out: Effect[] = [];
  const owned = new Set<Effect>();
  for (const e of effects) {
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.op === e.op && mergeable(e) && mergeable(prev) && prev.db === e.db && prev.key === e.key) {
      if (e.op === 'hset' && prev.op === 'hset' && (e.keepTtl === true) !== (prev.keepTtl === true)) {
        out.push(e);
        continue;
      }
      let m = prev as Merged;
      if (!owned.has(m)) {
        m = copyMerged(m);
        owned.add(m);
        out[out.length - 1] = m;
      }
      appendMerged(m, e as Merged);
      continue;
    }
    out.push(e);
  }
  return out;
}

function mergeable(e: Effect): e is Merged {
  switch (e.op) {
    case 'hset':
    case 'hdel':
    case 'sadd':
    case 'srem':
    case 'zadd':
    case 'zrem':
    case 'lpush':
    case 'rpush':
      return true;
    default:
      return false;
  }
}

function copyMerged(e: Merged): Merged {
  switch (e.op) {
    case 'hset':
    case 'hdel':
      return { ...e, fields: e.fields.slice() };
    case 'sadd':
    case 'srem':
    case 'zrem':
      return { ...e, members: e.members.slice() };
    case 'zadd':
      return { ...e, members: e.members.slice(), scores: e.scores.slice() };
    case 'lpush':
    case 'rpush':
      return { ...e, items: e.items.slice() };
  }
}

function appendMerged(into: Merged, e: Merged): void {
  const push = <T>(to: T[], from: readonly T[]): void => {
    for (const x of from) to.push(x);
  };
  if ((into.op === 'hset' || into.op === 'hdel') && (e.op === 'hset' || e.op === 'hdel')) push(into.fields, e.fields);
  else if ((into.op === 'sadd' || into.op === 'srem' || into.op === 'zrem') && (e.op === 'sadd' || e.op === 'srem' || e.op === 'zrem')) push(into.members, e.members);
  else if (into.op === 'zadd' && e.op === 'zadd') {
    push(into.members, e.members);
    push(into.scores, e.scores);
  } else if ((into.op === 'lpush' || into.op === 'rpush') && (e.op === 'lpush' || e.op === 'rpush')) push(into.items, e.items);
}

type RunKind = 'putString' | 'del' | 'expire';

/** The kind of run an effect can be written in with its neighbours, or null. */
function runKind(e: Effect): RunKind | null {
  if (e.op === 'put') return isString(e.value) ? 'putString' : null;
  if (e.op === 'del' || e.op === 'expire') return e.op;
  return null;
}

/** The keys ("db:key") an effect reads or writes, for the database-wide ones none. */
function touches(e: Effect): string[] {
  if (!('key' in e)) return [];
  if (e.op === 'rename') return [`${e.db}:${e.key}`, `${e.db}:${e.to}`];
  if (e.op === 'move') return [`${e.db}:${e.key}`, `${e.toDb}:${e.key}`];
  return [`${e.db}:${e.key}`];
}

/** Pieces of at most `postgresRowsPerStatement` rows. */
function* pieces(n: number): Generator<[number, number]> {
  for (let from = 0; from < n; from += postgresRowsPerStatement) yield [from, Math.min(n, from + postgresRowsPerStatement)];
}

interface Row {
  db: number;
  key: Buffer;
}
interface KeyRow extends Row {
  type: string;
  expire_at: string | null;
  value: Buffer | null;
}
interface HashRow extends Row {
  field: Buffer;
  value: Buffer;
  expire_at: string | null;
}
interface ListRow extends Row {
  value: Buffer;
}
interface SetRow extends Row {
  member: Buffer;
}
interface ZsetRow extends Row {
  member: Buffer;
  score: number;
}

type Conn = Pick<Tx, 'any'>;

/** One cursor of a load, read a page at a time. */
class Cursor<R extends Row> {
  private rows: R[] = [];
  private i = 0;
  private end = false;
  constructor(
    private readonly c: Conn,
    private readonly name: string,
  ) {}

  async peek(): Promise<R | undefined> {
    if (this.i < this.rows.length) return this.rows[this.i];
    if (this.end) return undefined;
    this.rows = await this.c.any<R>(`FETCH ${postgresLoadPageRows} FROM ${this.name}`);
    this.i = 0;
    if (this.rows.length < postgresLoadPageRows) this.end = true;
    return this.rows[0];
  }

  /**
   * The next rows of key (db, key), at most a page; [] once past it. Every cursor is
   * ordered by (db, key) like the keys cursor, so a load is a merge, not a query per key.
   */
  async take(db: number, key: Buffer): Promise<R[]> {
    const out: R[] = [];
    while (out.length < postgresLoadPageRows) {
      const r = await this.peek();
      if (r === undefined) break;
      const c = r.db - db || Buffer.compare(r.key, key);
      if (c > 0) break;
      this.i++;
      // c < 0: an element of a key not in `keys`; no write makes one, and it is not data.
      if (c === 0) out.push(r);
    }
    return out;
  }
}

function expireOf(x: string | null): number | null {
  return x === null ? null : Number(x);
}

/**
 * The URL with libpq's default user (PGUSER, else the OS user) when it names none, as psql
 * would connect: node-postgres would otherwise send no user name at all.
 */
export function postgresUrlWithUser(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.username !== '' || u.host === '') return url;
  u.username = process.env.PGUSER || os.userInfo().username;
  return u.toString();
}

/** A schema written by a newer version has a layout this one does not know: never write it. */
function refuseNewer(schema: string, format: number): void {
  if (format > postgresFormatVersion) {
    throw new Error(`postgres schema ${schema} has format ${format}, newer than this version of catena understands (${postgresFormatVersion})`);
  }
}

let instances = 0;

export class PostgresBackend implements Backend {
  readonly name = 'postgres';
  private closed = false;
  private readonly sql: Record<string, string>;
  /** Prepared statement names are per connection; the prefix keeps this schema's apart anyway. */
  private readonly prefix: string;

  private constructor(
    private readonly db: Db,
    private readonly schema: string,
  ) {
    this.sql = statements(pgp.as.name(schema));
    this.prefix = `catena${instances}_`;
  }

  /** Connect, create or migrate the schema, and return the backend. */
  static async open(opts: { postgresUrl: string; postgresSchema: string }): Promise<PostgresBackend> {
    const schema = opts.postgresSchema;
    if (schema === '' || Buffer.byteLength(schema) > 63) throw new Error(`postgres schema name must be 1 to 63 bytes: ${JSON.stringify(schema)}`);
    instances++;
    // A database context of its own: several backends (replicas, restarts in tests) may use
    // the same server, each with its own pool.
    const db: Db = pgp(
      {
        connectionString: postgresUrlWithUser(opts.postgresUrl),
        max: postgresPoolSize,
        connectionTimeoutMillis: postgresConnectTimeoutMs,
        idleTimeoutMillis: postgresIdleTimeoutMs,
        keepAlive: true,
        allowExitOnIdle: true,
        application_name: `catena ${schema}`.slice(0, 63),
      },
      `catena:${schema}:${instances}`,
    );
    const b = new PostgresBackend(db, schema);
    try {
      await b.migrate();
    } catch (err) {
      await db.$pool.end().catch(() => undefined);
      throw b.unavailable(err);
    }
    return b;
  }

  /** Create the schema or bring it to `postgresFormatVersion`; refuse a newer one. */
  private async migrate(): Promise<void> {
    const s = pgp.as.name(this.schema);
    // The usual case, a schema already at this format, in one query and without DDL locks.
    const current = await this.db.oneOrNone<{ format: number }>(`SELECT format FROM ${s}.meta`).catch((err: { code?: unknown }) => {
      if (err.code === '42P01' || err.code === '3F000') return null; // no meta table, no schema: a new store
      throw err;
    });
    if (current !== null) refuseNewer(this.schema, current.format);
    if (current?.format === postgresFormatVersion) return;
    await this.db.tx(async (t) => {
      // Two replicas opening one schema at once would both try to create it.
      await t.any('SELECT pg_advisory_xact_lock(hashtext($1))', [`catena schema ${this.schema}`]);
      await t.none(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await t.none(`CREATE TABLE IF NOT EXISTS ${s}.meta (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        format integer NOT NULL,
        applied_seq bigint NOT NULL
      )`);
      const row = await t.oneOrNone<{ format: number }>(`SELECT format FROM ${s}.meta`);
      const format = row?.format ?? 0;
      refuseNewer(this.schema, format);
      if (row === null) await t.none(`INSERT INTO ${s}.meta (format, applied_seq) VALUES (0, 0)`);
      for (let v = format; v < postgresFormatVersion; v++) await t.none((migrations[v] as (s: string) => string)(s));
      if (format !== postgresFormatVersion) await t.none(`UPDATE ${s}.meta SET format = $1`, [postgresFormatVersion]);
    });
  }

  async apply(effects: readonly Effect[], appliedSeq: bigint): Promise<void> {
    if (this.closed) throw new Error('postgres backend used after close');
    try {
      await this.db.tx(async (t) => {
        // The sequence number first: it takes the row lock of meta (one writer per schema)
        // and tells a retry of a committed batch from a new one.
        const moved = await this.run(t, 'advanceSeq', [String(appliedSeq)]);
        if (moved.rowCount === 0) {
          const stored = BigInt((await t.one<{ seq: string }>(this.ps('readSeq', []))).seq);
          if (appliedSeq < stored) throw new Error(`applied sequence went backwards: ${appliedSeq} < ${stored}`);
          // Equal: this batch is already durable (its COMMIT's answer was lost); do nothing.
          return;
        }
        await this.applyAll(t, coalesce(effects));
      });
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async appliedSeq(): Promise<bigint> {
    if (this.closed) throw new Error('postgres backend used after close');
    try {
      return BigInt((await this.db.one<{ seq: string }>(this.ps('readSeq', []))).seq);
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async *load(): AsyncIterable<readonly Effect[]> {
    if (this.closed) throw new Error('postgres backend used after close');
    const s = pgp.as.name(this.schema);
    let c: Awaited<ReturnType<Db['connect']>>;
    try {
      c = await this.db.connect();
    } catch (err) {
      throw this.unavailable(err);
    }
    let committed = false;
    try {
      // One snapshot for every cursor: the tables agree with each other. (One round trip.)
      await c.multi(
        [
          'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
          `DECLARE catena_keys NO SCROLL CURSOR FOR SELECT k.db, k.key, k.type, k.expire_at::text AS expire_at, v.value ` +
            `FROM ${s}.keys AS k LEFT JOIN ${s}.strings AS v ON v.db = k.db AND v.key = k.key ORDER BY k.db, k.key`,
          `DECLARE catena_hash NO SCROLL CURSOR FOR SELECT db, key, field, value, expire_at::text AS expire_at FROM ${s}.hash_fields ORDER BY db, key, field`,
          `DECLARE catena_list NO SCROLL CURSOR FOR SELECT db, key, value FROM ${s}.list_items ORDER BY db, key, pos`,
          `DECLARE catena_set NO SCROLL CURSOR FOR SELECT db, key, member FROM ${s}.set_members ORDER BY db, key, member`,
          `DECLARE catena_zset NO SCROLL CURSOR FOR SELECT db, key, member, score FROM ${s}.zset_members ORDER BY db, key, member`,
        ].join('; '),
      );
      const keys = new Cursor<KeyRow>(c, 'catena_keys');
      const hashes = new Cursor<HashRow>(c, 'catena_hash');
      const lists = new Cursor<ListRow>(c, 'catena_list');
      const sets = new Cursor<SetRow>(c, 'catena_set');
      const zsets = new Cursor<ZsetRow>(c, 'catena_zset');
      const b = new LoadBuilder();
      for (;;) {
        const k = await keys.peek();
        if (k === undefined) break;
        await keys.take(k.db, k.key);
        const db = k.db;
        const key = k.key.toString('latin1');
        const exp = expireOf(k.expire_at);
        if (k.type === 'string') {
          if (k.value === null) throw new Error(`postgres store is inconsistent: string key ${JSON.stringify(key)} in db ${db} has no value`);
          b.string(db, key, k.value.toString('latin1'), exp);
          yield* b.takeFull();
          continue;
        }
        let found = false;
        for (;;) {
          let n = 0;
          if (k.type === 'hash') {
            const rows = await hashes.take(k.db, k.key);
            n = rows.length;
            const flat: string[] = [];
            for (const r of rows) flat.push(r.field.toString('latin1'), r.value.toString('latin1'));
            b.hashFields(db, key, flat);
            for (const r of rows) if (r.expire_at !== null) b.hashTtl(db, key, r.field.toString('latin1'), Number(r.expire_at));
          } else if (k.type === 'list') {
            const rows = await lists.take(k.db, k.key);
            n = rows.length;
            b.listItems(
              db,
              key,
              rows.map((r) => r.value.toString('latin1')),
            );
          } else if (k.type === 'set') {
            const rows = await sets.take(k.db, k.key);
            n = rows.length;
            b.setMembers(
              db,
              key,
              rows.map((r) => r.member.toString('latin1')),
            );
          } else if (k.type === 'zset') {
            const rows = await zsets.take(k.db, k.key);
            n = rows.length;
            b.zsetMembers(
              db,
              key,
              rows.map((r) => r.member.toString('latin1')),
              rows.map((r) => r.score),
            );
          } else throw new Error(`postgres store holds a key of unknown type ${k.type}`);
          if (n === 0) break;
          found = true;
          yield* b.takeFull();
        }
        // A collection without elements cannot be written (the last removal deletes the key).
        if (found) b.expire(db, key, exp);
        yield* b.takeFull();
      }
      yield* b.takeAll();
      await c.none('COMMIT');
      committed = true;
    } catch (err) {
      throw this.unavailable(err);
    } finally {
      // Also reached when the reader stops early: end the snapshot, give the connection back.
      if (!committed) await c.none('ROLLBACK').catch(() => undefined);
      c.done();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // This backend's pool only: other backends of the process keep theirs.
    await this.db.$pool.end();
  }

  // ---- effects ----------------------------------------------------------------------

  private ps(name: string, values: unknown[]): InstanceType<typeof pgp.PreparedStatement> {
    const text = this.sql[name];
    if (text === undefined) throw new Error(`no statement ${name}`);
    return new pgp.PreparedStatement({ name: this.prefix + name, text, values });
  }

  private run(t: Tx, name: string, values: unknown[]): Promise<{ rowCount: number }> {
    return t.result(this.ps(name, values));
  }

  private async applyEffect(t: Tx, e: Effect): Promise<void> {
    switch (e.op) {
      case 'put':
        return this.put(t, e.db, e.key, e.value, e.expireAt);
      case 'del':
        await this.run(t, 'del', [e.db, bin(e.key)]);
        return;
      case 'expire':
        await this.run(t, 'expire', [e.db, bin(e.key), msText(e.expireAt)]);
        return;
      case 'setrange':
        await this.run(t, 'setrange', [e.db, bin(e.key), e.offset, bin(e.bytes)]);
        return;
      case 'rename':
        if (e.key === e.to) return;
        await this.run(t, 'del', [e.db, bin(e.to)]);
        await this.run(t, 'rekey', [e.db, bin(e.key), bin(e.to)]);
        return;
      case 'move':
        if (e.db === e.toDb) return;
        await this.run(t, 'del', [e.toDb, bin(e.key)]);
        await this.run(t, 'moveKey', [e.db, bin(e.key), e.toDb]);
        return;
      case 'flushdb':
        await this.run(t, 'flushdb', [e.db]);
        return;
      case 'flushall':
        await this.run(t, 'flushall', []);
        return;
      case 'swapdb':
        if (e.db === e.other) return;
        // Through a database number no key uses: the primary keys are checked row by row.
        await this.run(t, 'renumberDb', [e.db, -1]);
        await this.run(t, 'renumberDb', [e.other, e.db]);
        await this.run(t, 'renumberDb', [-1, e.other]);
        return;
      case 'hset': {
        const [fields, values] = lastWins(e.fields);
        const keep = e.keepTtl === true;
        if (fields.length === 1) {
          await this.run(t, keep ? 'hset1KeepTtl' : 'hset1', [e.db, bin(e.key), bin(fields[0] as string), bin(values[0] as string)]);
          return;
        }
        for (const [from, to] of pieces(fields.length)) {
          await this.run(t, keep ? 'hsetNKeepTtl' : 'hsetN', [e.db, bin(e.key), fields.slice(from, to).map(bin), values.slice(from, to).map(bin)]);
        }
        return;
      }
      case 'hdel':
        if (e.fields.length > 0) await this.run(t, 'hdel', [e.db, bin(e.key), e.fields.map(bin)]);
        return;
      case 'hexpire':
        // No fields: it only readies the hash for field TTLs, an in-memory encoding matter.
        for (const [from, to] of pieces(e.fields.length)) await this.run(t, 'hexpire', [e.db, bin(e.key), e.fields.slice(from, to).map(bin), msText(e.expireAt)]);
        return;
      case 'lpush':
      case 'rpush': {
        if (e.items.length === 1) {
          await this.run(t, e.op === 'lpush' ? 'lpush1' : 'rpush1', [e.db, bin(e.key), bin(e.items[0] as string)]);
          return;
        }
        for (const [from, to] of pieces(e.items.length)) await this.run(t, e.op === 'lpush' ? 'lpushN' : 'rpushN', [e.db, bin(e.key), e.items.slice(from, to).map(bin)]);
        return;
      }
      case 'lpop':
      case 'rpop':
        if (e.count > 0) await this.run(t, e.op, [e.db, bin(e.key), e.count]);
        return;
      case 'lset': {
        const r = await this.run(t, 'lset', [e.db, bin(e.key), e.index, bin(e.value)]);
        if (r.rowCount !== 1) throw new Error('lset effect out of range');
        return;
      }
      case 'linsert':
        return this.linsert(t, e.db, e.key, e.index, e.value);
      case 'lremat':
        return this.lremat(t, e.db, e.key, e.indexes);
      case 'ltrim':
        if (e.start > e.stop) await this.run(t, 'del', [e.db, bin(e.key)]);
        else await this.run(t, 'ltrim', [e.db, bin(e.key), e.start, e.stop]);
        return;
      case 'sadd':
        if (e.members.length === 1) await this.run(t, 'sadd1', [e.db, bin(e.key), bin(e.members[0] as string)]);
        else for (const [from, to] of pieces(e.members.length)) await this.run(t, 'saddN', [e.db, bin(e.key), e.members.slice(from, to).map(bin)]);
        return;
      case 'srem':
        if (e.members.length > 0) await this.run(t, 'srem', [e.db, bin(e.key), e.members.map(bin)]);
        return;
      case 'zadd': {
        const m = new Map<string, number>();
        for (let i = 0; i < e.members.length; i++) m.set(e.members[i] as string, e.scores[i] as number);
        const members = [...m.keys()];
        const scores = [...m.values()].map(scoreText);
        if (members.length === 1) await this.run(t, 'zadd1', [e.db, bin(e.key), bin(members[0] as string), scores[0]]);
        else for (const [from, to] of pieces(members.length)) await this.run(t, 'zaddN', [e.db, bin(e.key), members.slice(from, to).map(bin), scores.slice(from, to)]);
        return;
      }
      case 'zrem':
        if (e.members.length > 0) await this.run(t, 'zrem', [e.db, bin(e.key), e.members.map(bin)]);
        return;
    }
  }

  /**
   * The effects in order. Two ways to fewer statements that keep the result:
   * - a run of consecutive string puts, deletions or expiry changes (distinct keys are
   *   independent; for a repeated key the last one wins) is one multi-row statement;
   * - a string edited by several SETRANGEs in the batch (APPEND, SETBIT, a HyperLogLog's
   *   registers) is read once, patched here and written once before anything else touches
   *   it: PostgreSQL rewrites a whole bytea for every change, so writing each effect would
   *   cost the value's size per bit set.
   */
  private async applyAll(t: Tx, effects: readonly Effect[]): Promise<void> {
    const edits = new Map<string, number>();
    for (const e of effects) if (e.op === 'setrange') edits.set(`${e.db}:${e.key}`, (edits.get(`${e.db}:${e.key}`) ?? 0) + 1);
    const open = new Map<string, { db: number; key: string; buf: Buffer; len: number }>();
    const flush = async (ids: Iterable<string>): Promise<void> => {
      for (const id of [...ids]) {
        const p = open.get(id);
        if (p === undefined) continue;
        open.delete(id);
        await this.run(t, 'writeString', [p.db, bin(p.key), p.buf.subarray(0, p.len)]);
      }
    };
    for (let i = 0; i < effects.length; ) {
      const e = effects[i] as Effect;
      if (e.op === 'setrange' && (edits.get(`${e.db}:${e.key}`) ?? 0) > 1) {
        const id = `${e.db}:${e.key}`;
        let p = open.get(id);
        if (p === undefined) {
          const row = await t.oneOrNone<{ value: Buffer }>(this.ps('readString', [e.db, bin(e.key)]));
          const cur = row?.value ?? Buffer.alloc(0);
          p = { db: e.db, key: e.key, buf: cur, len: cur.length };
          open.set(id, p);
        }
        const end = e.offset + e.bytes.length;
        if (end > p.buf.length) {
          const grown = Buffer.alloc(Math.max(end, p.buf.length * 2)); // zero-filled: a gap reads as zero bytes
          p.buf.copy(grown, 0, 0, p.len);
          p.buf = grown;
        }
        p.buf.write(e.bytes, e.offset, 'latin1');
        p.len = Math.max(p.len, end);
        i++;
        continue;
      }
      const kind = runKind(e);
      let j = i + 1;
      if (kind !== null) while (j < effects.length && runKind(effects[j] as Effect) === kind) j++;
      const run = effects.slice(i, j);
      if (open.size > 0) {
        // Whatever may touch a patched string sees it written first.
        if (run.some((x) => x.op === 'flushdb' || x.op === 'flushall' || x.op === 'swapdb')) await flush(open.keys());
        else await flush(run.flatMap(touches));
      }
      if (run.length > 1) await this.applyRun(t, kind as RunKind, run);
      else await this.applyEffect(t, e);
      i = j;
    }
    await flush(open.keys());
  }

  /** A run of string puts, deletions or expiry changes as one statement. */
  private async applyRun(t: Tx, kind: RunKind, run: readonly Effect[]): Promise<void> {
    // The last effect of a repeated key wins (each of these replaces the previous one).
    const last = new Map<string, Effect>();
    for (const e of run) if ('key' in e) last.set(`${e.db}:${e.key}`, e);
    const dbs: number[] = [];
    const keys: Buffer[] = [];
    const values: Buffer[] = [];
    const times: Array<string | null> = [];
    for (const e of last.values()) {
      if (!('key' in e)) continue;
      dbs.push(e.db);
      keys.push(bin(e.key));
      if (e.op === 'put') {
        values.push(bin(stringOf(e.value as StringValue)));
        times.push(msText(e.expireAt));
      } else if (e.op === 'expire') times.push(msText(e.expireAt));
    }
    for (const [from, to] of pieces(dbs.length)) {
      const part = [dbs.slice(from, to), keys.slice(from, to)];
      if (kind === 'putString') await this.run(t, 'putStrings', [...part, values.slice(from, to), times.slice(from, to)]);
      else if (kind === 'expire') await this.run(t, 'expireMany', [...part, times.slice(from, to)]);
      else await this.run(t, 'delMany', part);
    }
  }

  /** Replace the whole value and expiry: clear what the key held, then write its records. */
  private async put(t: Tx, db: number, key: string, value: Value, expireAt: number | null): Promise<void> {
    const r = recordsOf(value);
    const k = bin(key);
    if (r.type === 'string') {
      await this.run(t, 'putString', [db, k, bin(r.bytes), msText(expireAt)]);
      return;
    }
    const n = r.type === 'hash' ? r.fields.length / 2 : r.type === 'list' ? r.items.length : r.members.length;
    // No empty collections exist (Redis deletes them): an empty one is no key.
    if (n === 0) {
      await this.run(t, 'del', [db, k]);
      return;
    }
    await this.run(t, 'putCollection', [db, k, r.type, msText(expireAt)]);
    for (const [from, to] of pieces(n)) {
      switch (r.type) {
        case 'hash': {
          const fields: Buffer[] = [];
          const values: Buffer[] = [];
          const ttls: Array<string | null> = [];
          for (let i = from; i < to; i++) {
            const f = r.fields[2 * i] as string;
            fields.push(bin(f));
            values.push(bin(r.fields[2 * i + 1] as string));
            ttls.push(msText(r.ttls.get(f) ?? null));
          }
          await this.run(t, 'putHashRows', [db, k, fields, values, ttls]);
          break;
        }
        case 'list':
          await this.run(t, 'putListRows', [db, k, r.items.slice(from, to).map(bin), from]);
          break;
        case 'set':
          await this.run(t, 'saddN', [db, k, r.members.slice(from, to).map(bin)]);
          break;
        case 'zset':
          await this.run(t, 'zaddN', [db, k, r.members.slice(from, to).map(bin), r.scores.slice(from, to).map(scoreText)]);
          break;
      }
    }
  }

  /** The positions of a list's head and tail, or null when there is no such list. */
  private async bounds(t: Tx, db: number, key: string): Promise<{ lo: bigint; n: number } | null> {
    const r = await t.one<{ lo: string | null; hi: string | null }>(this.ps('listBounds', [db, bin(key)]));
    if (r.lo === null || r.hi === null) return null;
    const lo = BigInt(r.lo);
    return { lo, n: Number(BigInt(r.hi) - lo + 1n) };
  }

  /** Insert so the value ends up at `index`: shifts the shorter side by one, as the engine's list does. */
  private async linsert(t: Tx, db: number, key: string, index: number, value: string): Promise<void> {
    const b = await this.bounds(t, db, key);
    if (b === null || index < 0 || index > b.n) throw new Error('linsert effect out of range');
    const k = bin(key);
    if (index === 0) await this.run(t, 'lpush1', [db, k, bin(value)]);
    else if (index === b.n) await this.run(t, 'rpush1', [db, k, bin(value)]);
    else {
      const at = b.lo + BigInt(index);
      if (index < b.n - index) {
        await this.run(t, 'listShiftHead', [db, k, String(at)]);
        await this.run(t, 'listInsertAt', [db, k, String(at - 1n), bin(value)]);
      } else {
        await this.run(t, 'listShiftTail', [db, k, String(at)]);
        await this.run(t, 'listInsertAt', [db, k, String(at), bin(value)]);
      }
    }
  }

  /** Remove the items at ascending indexes, then close the gaps from the side that moves fewer rows. */
  private async lremat(t: Tx, db: number, key: string, indexes: readonly number[]): Promise<void> {
    const count = indexes.length;
    if (count === 0) return;
    const b = await this.bounds(t, db, key);
    if (b === null) throw new Error('lremat effect on a missing list');
    const k = bin(key);
    if (count >= b.n) {
      await this.run(t, 'del', [db, k]);
      return;
    }
    await this.run(t, 'listDeleteAt', [db, k, indexes.map((i) => String(b.lo + BigInt(i)))]);
    const first = indexes[0] as number;
    const last = indexes[count - 1] as number;
    const tailMoves = b.n - 1 - first - (count - 1);
    const headMoves = last - (count - 1);
    if (Math.min(tailMoves, headMoves) <= 0) return;
    if (tailMoves <= headMoves) await this.run(t, 'listCloseTail', [db, k, String(b.lo + BigInt(first))]);
    else await this.run(t, 'listCloseHead', [db, k, String(b.lo + BigInt(last))]);
  }

  /** An operating error as BackendUnavailable; anything else (a bug, a refusal) as it is. */
  private unavailable(err: unknown): unknown {
    if (err instanceof BackendUnavailable || !isOperatingError(err)) return err;
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'string' && e.code !== '' ? `${e.code} ` : '';
    return new BackendUnavailable(this.name, `${code}${String(e.message ?? err)}`);
  }
}
