/**
 * WATCH bookkeeping (Redis multi.c): which sessions watch which keys, and marking a session
 * dirty (its next EXEC aborts) when an update's effects touch a watched key or flush/swap its
 * database. Reads the keyspace to judge existence and expiry; never changes it.
 */
import type { CatenaServer } from './server';
import type { Session, WatchedKey } from './session';
import type { Effect } from '../engine/effects';

/**
 * One watched key of one session. `present`: the key is in the database's dict (expired or
 * not). While the watch is clean the key is unchanged since WATCH, so this stays what it was
 * then, except for the no-op changes tracked below; FLUSHDB/SWAPDB need it afterwards, when
 * the dict no longer says.
 */
interface Watch extends WatchedKey {
  session: Session;
  present: boolean;
}

export class Watches {
  /** Per database: key → the watches on it, in WATCH order. */
  private readonly byDb = new Map<number, Map<string, Watch[]>>();

  constructor(readonly server: CatenaServer) {}

  /** Watches held by all sessions (one per session and key). */
  get size(): number {
    let n = 0;
    for (const keys of this.byDb.values()) for (const list of keys.values()) n += list.length;
    return n;
  }

  /** WATCH of one key in `db`; watching a key twice keeps the first watch (Redis watchForKey). */
  watch(s: Session, db: number, key: string, nowMs: number): void {
    for (const w of s.watching) if (w.db === db && w.key === key) return;
    const d = this.server.ks.db(db);
    const at = d.expires.get(key);
    const w: Watch = { db, key, expiredAtWatch: at !== undefined && at <= nowMs, session: s, present: d.data.has(key) };
    s.watching.push(w);
    let keys = this.byDb.get(db);
    if (keys === undefined) {
      keys = new Map();
      this.byDb.set(db, keys);
    }
    const list = keys.get(key);
    if (list === undefined) keys.set(key, [w]);
    else list.push(w);
  }

  unwatchAll(s: Session): void {
    for (const w of s.watching) {
      const keys = this.byDb.get(w.db);
      const list = keys?.get(w.key);
      if (keys === undefined || list === undefined) continue;
      const i = list.findIndex((x) => x.session === s);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) {
        keys.delete(w.key);
        if (keys.size === 0) this.byDb.delete(w.db);
      }
    }
    s.watching.length = 0;
  }

  /**
   * Redis isWatchedKeyExpired, checked by EXEC: a key that was not expired when watched but
   * is expired now aborts the transaction, even if nothing deleted it yet.
   */
  anyExpired(s: Session, nowMs: number): boolean {
    for (const w of s.watching) {
      if (w.expiredAtWatch) continue;
      const at = this.server.ks.db(w.db).expires.get(w.key);
      if (at !== undefined && at <= nowMs) return true;
    }
    return false;
  }

  /** Mark the sessions watching the keys an update changed (Redis signalModifiedKey / signalFlushedDb / SWAPDB). */
  touch(effects: Effect[]): void {
    if (this.byDb.size === 0) return;
    for (const e of effects) {
      switch (e.op) {
        case 'put':
        case 'expire':
        case 'setrange':
          this.touchKey(e.db, e.key, false);
          break;
        case 'del':
          this.touchKey(e.db, e.key, true);
          break;
        case 'rename':
          this.touchKey(e.db, e.key, true);
          this.touchKey(e.db, e.to, false);
          break;
        case 'move':
          this.touchKey(e.db, e.key, true);
          this.touchKey(e.toDb, e.key, false);
          break;
        case 'flushdb':
          this.touchDb(e.db, null);
          break;
        case 'flushall':
          for (const db of [...this.byDb.keys()]) this.touchDb(db, null);
          break;
        case 'swapdb':
          // The dbs are already swapped: what replaced e.db now sits at e.db, and vice versa.
          this.touchDb(e.db, e.db);
          if (e.other !== e.db) this.touchDb(e.other, e.other);
          break;
        default:
          // Collection effects (lpush, hset, zadd...): each names the one key it changes.
          this.touchKey(e.db, e.key, false);
      }
    }
  }

  /**
   * Redis touchWatchedKey. `deleted`: the effect left the key absent. A key that was already
   * expired when watched and is now deleted (lazily or actively) is logically unchanged: the
   * watch stays clean, no longer flagged as expired.
   */
  private touchKey(db: number, key: string, deleted: boolean): void {
    const list = this.byDb.get(db)?.get(key);
    if (list === undefined) return;
    for (const w of [...list]) {
      if (w.expiredAtWatch && deleted) {
        w.expiredAtWatch = false;
        w.present = false;
        continue;
      }
      this.dirty(w.session);
    }
  }

  /**
   * Redis touchAllWatchedKeysInDb(emptied, replaced_with) for FLUSHDB/FLUSHALL (no
   * replacement) and SWAPDB (`replacedWith`: the index now holding what replaced `db`).
   * Only keys present before, or present in the replacement, count; expired keys follow the
   * same "logically unchanged" rule as in touchKey.
   */
  private touchDb(db: number, replacedWith: number | null): void {
    const keys = this.byDb.get(db);
    if (keys === undefined) return;
    const nowMs = Date.now();
    const repl = replacedWith === null ? null : this.server.ks.db(replacedWith);
    for (const [key, list] of [...keys]) {
      for (const w of [...list]) {
        const inRepl = repl !== null && repl.data.has(key);
        if (!w.present && !inRepl) continue;
        const replExpired = inRepl && isExpired(repl.expires.get(key), nowMs);
        if (w.expiredAtWatch) {
          if (!inRepl) {
            // An expired key removed: no logical change.
            w.expiredAtWatch = false;
            w.present = false;
            continue;
          }
          if (replExpired) continue; // expired key replaced by an expired key
        } else if (!w.present && replExpired) {
          // A missing key replaced by an expired one: still logically missing.
          w.expiredAtWatch = true;
          w.present = true;
          continue;
        }
        this.dirty(w.session);
      }
    }
  }

  /** The session's next EXEC aborts; its watches are no longer needed (Redis 7 unwatches at once). */
  private dirty(s: Session): void {
    s.watchDirty = true;
    this.unwatchAll(s);
  }
}

function isExpired(at: number | undefined, nowMs: number): boolean {
  return at !== undefined && at <= nowMs;
}
