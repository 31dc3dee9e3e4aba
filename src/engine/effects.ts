/**
 * Effects: the small primitive mutations an update makes, in order. They are what a backend
 * persists and what a restarted replica replays; sized by the change, never by the value
 * (APPEND emits the appended bytes, not the string). `applyEffect` is the reference
 * semantics every backend must match; a test replays effects into an empty keyspace and
 * checks it equals the engine's.
 * Values in effects are safe to keep: strings are immutable, collections are copies.
 */
import type { Keyspace } from './keyspace';
import { RawString, type Value, cloneValue } from './values';

export type Effect =
  /** Replace the whole value of a key (and its expiry: null = none). */
  | { op: 'put'; db: number; key: string; value: Value; expireAt: number | null }
  | { op: 'del'; db: number; key: string }
  /** Set (or with null, remove) a key's expiry, absolute Unix ms. */
  | { op: 'expire'; db: number; key: string; expireAt: number | null }
  /** Overwrite bytes of a string at offset, zero-padding any gap (SETRANGE, APPEND, SETBIT). */
  | { op: 'setrange'; db: number; key: string; offset: number; bytes: string }
  | { op: 'rename'; db: number; key: string; to: string }
  | { op: 'move'; db: number; key: string; toDb: number }
  | { op: 'flushdb'; db: number }
  | { op: 'flushall' }
  | { op: 'swapdb'; db: number; other: number }
  // Collection effects (the data-types issue). Each names only the elements that changed.
  // A collection left empty by an effect is deleted, as Redis deletes empty keys.
  /**
   * Set hash fields: flat [field, value, field, value...]; creates the hash if missing. A
   * field's TTL (Redis 7.4 field expiry) is removed, as HSET does, unless `keepTtl` (HINCRBY).
   */
  | { op: 'hset'; db: number; key: string; fields: string[]; keepTtl?: boolean }
  | { op: 'hdel'; db: number; key: string; fields: string[] }
  /**
   * Set (or with null, remove) the TTL of existing hash fields, absolute Unix ms (Redis 7.4
   * HEXPIRE/HPERSIST). With no fields it only readies the hash for field TTLs (a listpack
   * becomes "listpackex", as Redis's hashTypeSetExInit does).
   */
  | { op: 'hexpire'; db: number; key: string; fields: string[]; expireAt: number | null }
  /** Push items at the head (`lpush`, each item pushed in order as LPUSH does) or tail. */
  | { op: 'lpush' | 'rpush'; db: number; key: string; items: string[] }
  | { op: 'lpop' | 'rpop'; db: number; key: string; count: number }
  | { op: 'lset'; db: number; key: string; index: number; value: string }
  /** Insert `value` so that it ends up at position `index` (0 = head). */
  | { op: 'linsert'; db: number; key: string; index: number; value: string }
  /** Remove the items at these positions (ascending, positions before removal). */
  | { op: 'lremat'; db: number; key: string; indexes: number[] }
  | { op: 'ltrim'; db: number; key: string; start: number; stop: number }
  | { op: 'sadd'; db: number; key: string; members: string[] }
  | { op: 'srem'; db: number; key: string; members: string[] }
  /** Add or update members: scores[i] belongs to members[i]. */
  | { op: 'zadd'; db: number; key: string; scores: number[]; members: string[] }
  | { op: 'zrem'; db: number; key: string; members: string[] };

export function applyEffect(ks: Keyspace, e: Effect): void {
  switch (e.op) {
    case 'put': {
      const d = ks.db(e.db);
      d.data.set(e.key, cloneValue(e.value));
      if (e.expireAt === null) d.expires.delete(e.key);
      else d.expires.set(e.key, e.expireAt);
      return;
    }
    case 'del': {
      const d = ks.db(e.db);
      d.data.delete(e.key);
      d.expires.delete(e.key);
      return;
    }
    case 'expire': {
      const d = ks.db(e.db);
      if (e.expireAt === null) d.expires.delete(e.key);
      else d.expires.set(e.key, e.expireAt);
      return;
    }
    case 'setrange': {
      const d = ks.db(e.db);
      const cur = d.data.get(e.key);
      let raw: RawString;
      if (cur instanceof RawString) raw = cur;
      else {
        raw = new RawString(typeof cur === 'string' ? cur : '');
        d.data.set(e.key, raw);
      }
      raw.write(e.offset, e.bytes);
      return;
    }
    case 'rename': {
      const d = ks.db(e.db);
      const v = d.data.get(e.key);
      if (v === undefined) throw new Error(`rename effect on missing key`);
      const exp = d.expires.get(e.key);
      d.data.delete(e.key);
      d.expires.delete(e.key);
      d.data.set(e.to, v);
      if (exp === undefined) d.expires.delete(e.to);
      else d.expires.set(e.to, exp);
      return;
    }
    case 'move': {
      const from = ks.db(e.db);
      const to = ks.db(e.toDb);
      const v = from.data.get(e.key);
      if (v === undefined) throw new Error(`move effect on missing key`);
      const exp = from.expires.get(e.key);
      from.data.delete(e.key);
      from.expires.delete(e.key);
      to.data.set(e.key, v);
      if (exp === undefined) to.expires.delete(e.key);
      else to.expires.set(e.key, exp);
      return;
    }
    case 'flushdb':
      ks.db(e.db).clear();
      return;
    case 'flushall':
      ks.flushAll();
      return;
    case 'swapdb':
      ks.swap(e.db, e.other);
      return;
    default:
      applyCollectionEffect(ks, e);
  }
}

/**
 * Collection effects are applied by the type modules that define them; each registers its
 * ops here at load time so this file does not depend on every type.
 */
type CollectionOp = Exclude<Effect['op'], 'put' | 'del' | 'expire' | 'setrange' | 'rename' | 'move' | 'flushdb' | 'flushall' | 'swapdb'>;
const collectionAppliers = new Map<string, (ks: Keyspace, e: Effect) => void>();

export function registerEffect(op: CollectionOp, apply: (ks: Keyspace, e: Effect) => void): void {
  collectionAppliers.set(op, apply);
}

function applyCollectionEffect(ks: Keyspace, e: Effect): void {
  const f = collectionAppliers.get(e.op);
  if (f === undefined) throw new Error(`no applier registered for effect ${e.op}`);
  f(ks, e);
}
