/**
 * The execution context of one update: the keyspace, the database, the fixed time and seed
 * (`ctx`, chosen once at the head), and the outputs — effects in order, keyspace events.
 * Command handlers read and change the keyspace only through it, so every change is
 * recorded as an effect and expiry is decided by `nowMs`, never by the clock.
 */
import type { Db, Keyspace } from './keyspace';
import type { Effect } from './effects';
import { Rng } from './rng';
import { RawString, type StringValue, type Value, cloneValue, isString } from './values';

/** What the head fixes for an update and ships with it (DESIGN: ctx). */
export interface UpdateCtx {
  /** Unix time in ms for the whole update (expiry checks, TTL arithmetic). */
  nowMs: number;
  /** Seed for every random choice the update makes. */
  seed: number;
  /** Selected database. */
  db: number;
}

/** A keyspace notification (notify-keyspace-events); `cls` is Redis's class letter. */
export interface KeyEvent {
  db: number;
  key: string;
  event: string;
  cls: string;
}

/** Counters the engine feeds to INFO; local to a node, never part of replicated state. */
export class EngineStats {
  keyspaceHits = 0;
  keyspaceMisses = 0;
  expiredKeys = 0;
  reset(): void {
    this.keyspaceHits = 0;
    this.keyspaceMisses = 0;
    this.expiredKeys = 0;
  }
}

export class Exec {
  db: Db;
  dbIndex: number;
  nowMs: number;
  private rngState: Rng | null = null;
  private readonly seed: number;
  /**
   * False when nothing consumes keyspace events (no notify-keyspace-events flags): notify()
   * then allocates nothing. Events never affect state or replies, so replicas may differ here.
   */
  eventsWanted = true;
  /** True when the running command may write (its spec has the write flag). */
  writable = false;
  effects: Effect[] = [];
  events: KeyEvent[] = [];

  constructor(
    readonly ks: Keyspace,
    readonly stats: EngineStats,
    ctx: UpdateCtx,
  ) {
    this.db = ks.db(ctx.db);
    this.dbIndex = ctx.db;
    this.nowMs = ctx.nowMs;
    this.seed = ctx.seed;
  }

  /** The update's random source, seeded from ctx (made on first use: most commands draw nothing). */
  get rng(): Rng {
    if (this.rngState === null) this.rngState = new Rng(this.seed);
    return this.rngState;
  }

  selectDb(index: number): void {
    this.db = this.ks.db(index);
    this.dbIndex = index;
  }

  /** True when `key` has an expiry in the past (it is logically gone). */
  isExpired(key: string, db: Db = this.db): boolean {
    const at = db.expires.get(key);
    return at !== undefined && at <= this.nowMs;
  }

  /**
   * The key's value, or undefined when missing or expired. An expired key is deleted (with a
   * `del` effect and an "expired" event) only when the command may write; reads never change
   * state, so replicas that serve reads stay identical.
   */
  lookup(key: string, db: Db = this.db, dbIndex: number = this.dbIndex): Value | undefined {
    const v = db.data.get(key);
    if (v === undefined || db.expires.size === 0) return v;
    const at = db.expires.get(key);
    if (at !== undefined && at <= this.nowMs) {
      if (this.writable) this.expireNow(key, db, dbIndex);
      return undefined;
    }
    return v;
  }

  /** lookup for a read command, counting keyspace hits and misses as Redis does. */
  lookupRead(key: string): Value | undefined {
    const v = this.lookup(key);
    if (v === undefined) {
      this.stats.keyspaceMisses++;
      this.notify('keymiss', key, 'm');
    } else this.stats.keyspaceHits++;
    return v;
  }

  /** Delete a key whose time has come (lazy or active expiry). */
  expireNow(key: string, db: Db = this.db, dbIndex: number = this.dbIndex): void {
    db.data.delete(key);
    db.expires.delete(key);
    this.effects.push({ op: 'del', db: dbIndex, key });
    this.stats.expiredKeys++;
    this.notify('expired', key, 'x', dbIndex);
  }

  exists(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  expireAt(key: string): number | undefined {
    return this.db.expires.get(key);
  }

  /** Replace a key's value. `expireAt`: absolute ms, null for none, 'keep' to keep the current one. */
  put(key: string, value: Value, expireAt: number | null | 'keep' = null): void {
    const db = this.db;
    // An expired key is deleted first (Redis lookupKeyWrite), so the write creates it anew.
    // Most keyspaces hold few or no TTLs: skip the expires lookups then.
    const oldAt = db.expires.size === 0 ? undefined : db.expires.get(key);
    if (oldAt !== undefined && oldAt <= this.nowMs && db.data.has(key)) this.expireNow(key);
    // Redis dbAdd raises "new" (class n) when a key is created.
    if (db.data.set(key, value)) this.notify('new', key, 'n');
    let at: number | null;
    if (expireAt === 'keep') at = db.expires.get(key) ?? null;
    else {
      at = expireAt;
      if (at === null) {
        if (db.expires.size !== 0) db.expires.delete(key);
      } else db.expires.set(key, at);
    }
    // The effect must not alias a mutable value that later commands edit in place.
    const recorded = typeof value === 'string' ? value : cloneValue(value);
    this.effects.push({ op: 'put', db: this.dbIndex, key, value: recorded, expireAt: at });
  }

  /** Delete a key if present; true when it existed (expired keys count as absent). */
  del(key: string): boolean {
    if (this.lookup(key) === undefined) return false;
    this.db.data.delete(key);
    this.db.expires.delete(key);
    this.effects.push({ op: 'del', db: this.dbIndex, key });
    return true;
  }

  setExpire(key: string, at: number | null): void {
    if (at === null) this.db.expires.delete(key);
    else this.db.expires.set(key, at);
    this.effects.push({ op: 'expire', db: this.dbIndex, key, expireAt: at });
  }

  /** Overwrite bytes of a string value in place (converting it to a RawString). */
  setRange(key: string, offset: number, bytes: string): RawString {
    const cur = this.db.data.get(key);
    let raw: RawString;
    if (cur instanceof RawString) raw = cur;
    else {
      raw = new RawString(typeof cur === 'string' ? cur : '', offset + bytes.length);
      if (this.db.data.set(key, raw)) this.notify('new', key, 'n');
    }
    raw.write(offset, bytes);
    this.effects.push({ op: 'setrange', db: this.dbIndex, key, offset, bytes });
    return raw;
  }

  notify(event: string, key: string, cls: string, dbIndex: number = this.dbIndex): void {
    if (this.eventsWanted) this.events.push({ db: dbIndex, key, event, cls });
  }

  /** Value as a string, `null` for missing, or `false` when the key holds another type. */
  getString(key: string): StringValue | null | false {
    const v = this.lookup(key);
    if (v === undefined) return null;
    return isString(v) ? v : false;
  }
}
