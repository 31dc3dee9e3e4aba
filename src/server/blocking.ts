/**
 * Blocked clients (Redis blocked.c, BLOCKED_LIST / BLOCKED_ZSET): the generic mechanism behind
 * BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP and the sorted-set BZPOPMIN/BZPOPMAX/BZMPOP.
 * Runtime only: it holds sessions, promises and timers, and changes the keyspace solely by
 * running ordinary data commands through the server (so every change is an engine update
 * with effects). It never decides anything from the clock except when a timeout fires.
 *
 * The contract for a blocking command (see `registerBlocking`):
 * - its `data` handler is the non-blocking form: it serves the request now if it can, and
 *   otherwise answers as an expired timeout would inside MULTI (`null` or NULL_ARRAY), which
 *   is exactly what EXEC needs, since a transaction never blocks;
 * - outside MULTI, when that answer is the "nothing to serve" one, the client blocks here:
 *   its reply becomes a Promise and its session stops reading until it is served, times out,
 *   is unblocked by CLIENT UNBLOCK, or disconnects;
 * - after each command, the keys its effects touched that have waiters are served in the
 *   order they were touched, each key's waiters first blocked, first served, by running the
 *   waiter's command rewritten to that one key (`serveArgs`) as an ordinary update, until the
 *   key has nothing left or no waiter wants it (Redis handleClientsBlockedOnKeys). A served
 *   BLMOVE pushes onto its destination, which may in turn serve a waiter there.
 *
 * Which waiter is served, and with what, is a function of the order of blocking and of the
 * update stream only, so the head of a chain can make the same decision replicas would.
 */
import type { CatenaServer } from './server';
import type { Session } from './session';
import type { CommandSpec } from '../commands/spec';
import type { Effect } from '../engine/effects';
import { typeOf, type TypeName } from '../engine/values';
import { ErrorReply, NO_REPLY, NULL_ARRAY, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { parseDouble } from '../resp/format';

/** How a blocking command waits and is served; registered by its family at load time. */
export interface BlockingDef {
  /** The value type that can serve it (Redis btype): a waiter ignores keys of another type. */
  type: Extract<TypeName, 'list' | 'zset'>;
  /** Position of the timeout argument. */
  timeoutIndex: (args: string[]) => number;
  /** The keys to wait on, in argument order (duplicates allowed; they are ignored). */
  keys: (args: string[]) => string[];
  /** The same command narrowed to `key`: run as an update, it serves this waiter from that key. */
  serveArgs: (args: string[], key: string) => string[];
}

const defs = new Map<string, BlockingDef>();

/** The blocking definition of a command (lower-case name), if it blocks. */
export function blockingDefOf(name: string): BlockingDef | undefined {
  return defs.get(name);
}

/** Declare `name` (lower case, a data command with the `blocking` flag) as blocking. */
export function registerBlocking(name: string, def: BlockingDef): void {
  if (defs.has(name)) throw new Error(`blocking command ${name} registered twice`);
  defs.set(name, def);
}

/** Longest a single Node timer may wait (setTimeout's 32-bit signed limit). */
const timerMsMax = 2147483647;
const int64Bound = 9223372036854775808;

/**
 * Redis getTimeoutFromObjectOrReply(UNIT_SECONDS) for blocking commands: seconds as a float,
 * converted with ceil to whole ms (so 0.0001 waits 1 ms), 0 meaning forever. A value whose ms
 * do not fit a signed 64-bit integer (inf, 1e30) wraps negative in Redis and is reported so.
 * Returns the timeout in ms or the error reply. Pure; data handlers call it too.
 */
export function parseBlockTimeout(s: string): number | ErrorReply {
  const v = parseDouble(s);
  if (v === null) return err.timeoutNotFloat;
  let ms = v * 1000;
  if (!(ms < int64Bound && ms >= -int64Bound)) return err.timeoutNegative;
  // A long double keeps 1e-400 positive where a double underflows to 0: it is 1 ms for Redis.
  if (ms === 0 && !s.startsWith('-') && /[1-9]/.test(s.split(/[eE]/)[0] as string)) ms = Number.MIN_VALUE;
  const t = Math.ceil(ms);
  if (t < 0) return err.timeoutNegative;
  return t === 0 ? 0 : t;
}

/** The answer of a blocking command's data handler when it could not serve the request now. */
export function isNotServed(r: Reply): boolean {
  return r === null || r === NULL_ARRAY;
}

interface Waiter {
  readonly session: Session;
  readonly spec: CommandSpec;
  readonly args: string[];
  readonly def: BlockingDef;
  readonly db: number;
  readonly keys: string[];
  /** Absolute deadline (ms since epoch), 0 for none. */
  readonly deadlineMs: number;
  timer: NodeJS.Timeout | null;
  resolve: (r: Reply) => void;
  done: boolean;
}

export class Blocking {
  /**
   * db → key → waiters, in the order they blocked (Redis db->blocking_keys). A Set keeps
   * insertion order and removes a served waiter in O(1), wherever it is in the queue.
   */
  private readonly byDb = new Map<number, Map<string, Set<Waiter>>>();
  private readonly bySession = new Map<number, Waiter>();
  /** Keys touched by updates and waited on, in the order touched (Redis server.ready_keys). */
  private readonly ready = new Map<string, { db: number; key: string }>();
  private serving = false;
  private drainScheduled = false;

  constructor(private readonly server: CatenaServer) {}

  /** INFO blocked_clients. */
  get blockedCount(): number {
    return this.bySession.size;
  }

  /** INFO clients_in_timeout_table: blocked clients that have a timeout. */
  get timeoutCount(): number {
    let n = 0;
    for (const w of this.bySession.values()) if (w.deadlineMs !== 0) n++;
    return n;
  }

  /** The command a session is blocked in (CLIENT LIST flags 'b'), or null. */
  blockedCommand(sessionId: number): string | null {
    return this.bySession.get(sessionId)?.spec.name ?? null;
  }

  handles(spec: CommandSpec): boolean {
    return spec.blocking && defs.has(spec.name);
  }

  /**
   * Run a blocking command for `s` (not inside MULTI/EXEC): its non-blocking form now, and if
   * that could not serve it, block the client.
   */
  run(s: Session, spec: CommandSpec, args: string[]): Reply | Promise<Reply> {
    const def = defs.get(spec.name);
    if (def === undefined) throw new Error(`${spec.name} is not a registered blocking command`);
    const reply = this.server.applyData(s.db, spec, args);
    if (!isNotServed(reply) || s.multi !== null || this.server.inExec) return reply;
    const timeoutMs = parseBlockTimeout(args[def.timeoutIndex(args)] as string);
    if (typeof timeoutMs !== 'number') throw new Error(`${spec.name} blocked with an invalid timeout`);
    const keys = [...new Set(def.keys(args))];
    return new Promise<Reply>((resolve) => {
      const w: Waiter = {
        session: s,
        spec,
        args,
        def,
        db: s.db,
        keys,
        deadlineMs: timeoutMs === 0 ? 0 : Date.now() + timeoutMs,
        timer: null,
        resolve,
        done: false,
      };
      let keyMap = this.byDb.get(w.db);
      if (keyMap === undefined) {
        keyMap = new Map();
        this.byDb.set(w.db, keyMap);
      }
      for (const k of keys) {
        const q = keyMap.get(k);
        if (q === undefined) keyMap.set(k, new Set([w]));
        else q.add(w);
      }
      this.bySession.set(s.id, w);
      if (w.deadlineMs !== 0) this.armTimer(w);
      // Redis does not read a blocked client's further commands until it is unblocked.
      s.pause();
    });
  }

  /** CLIENT UNBLOCK: true when the session was blocked (it then gets the error or a timeout reply). */
  unblock(sessionId: number, withError: boolean): boolean {
    const w = this.bySession.get(sessionId);
    if (w === undefined) return false;
    if (withError) {
      this.server.countErrorReply(err.unblocked);
      this.finish(w, err.unblocked);
    } else this.finish(w, NULL_ARRAY);
    return true;
  }

  /** A session closed: forget its wait, if any. */
  removeSession(s: Session): void {
    const w = this.bySession.get(s.id);
    if (w !== undefined) this.finish(w, NO_REPLY);
  }

  /**
   * An update's effects: remember the keys written that have waiters (Redis signalKeyAsReady).
   * They are served by `serveReady`, which the server calls after each command; a timer turn
   * covers updates that arrive by other roads.
   */
  signal(effects: readonly Effect[]): void {
    if (this.bySession.size === 0) return;
    for (const e of effects) {
      switch (e.op) {
        case 'del':
        case 'expire':
        case 'flushdb':
        case 'flushall':
          break; // nothing became available
        case 'rename':
          this.markReady(e.db, e.to);
          break;
        case 'move':
          this.markReady(e.toDb, e.key);
          break;
        case 'swapdb':
          // Redis scanDatabaseForReadyKeys on both: waiters stay with the db index.
          for (const db of [e.db, e.other]) for (const key of this.byDb.get(db)?.keys() ?? []) this.markReady(db, key);
          break;
        default:
          this.markReady(e.db, e.key);
      }
    }
    if (this.ready.size > 0 && !this.serving && !this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        this.serveReady();
      });
    }
  }

  private markReady(db: number, key: string): void {
    if (this.byDb.get(db)?.has(key) !== true) return;
    const id = `${db}:${key}`;
    if (!this.ready.has(id)) this.ready.set(id, { db, key });
  }

  /**
   * Redis handleClientsBlockedOnKeys: serve the ready keys in the order they became ready;
   * keys made ready while serving (a BLMOVE's destination) are served in turn.
   */
  serveReady(): void {
    if (this.serving || this.ready.size === 0) return;
    this.serving = true;
    try {
      for (;;) {
        const first = this.ready.entries().next();
        if (first.done === true) break;
        const [id, { db, key }] = first.value;
        this.ready.delete(id);
        this.serveKey(db, key);
      }
    } finally {
      this.serving = false;
    }
  }

  /** Serve `key`'s waiters in FIFO order while it holds a value of the type they wait for. */
  private serveKey(db: number, key: string): void {
    const queue = this.byDb.get(db)?.get(key);
    if (queue === undefined) return;
    // Deleting the current element while iterating a Set is safe; nobody blocks meanwhile.
    for (const w of queue) {
      if (w.done) continue;
      const d = this.server.ks.db(db);
      const v = d.data.get(key);
      if (v === undefined) return;
      const at = d.expires.get(key);
      if (at !== undefined && at <= Date.now()) return;
      // A waiter for another type (BZPOPMIN on a key that became a list) keeps waiting (7.0).
      if (typeOf(v) !== w.def.type) continue;
      const reply = this.server.applyData(db, w.spec, w.def.serveArgs(w.args, key));
      if (isNotServed(reply)) continue;
      if (reply instanceof ErrorReply) {
        this.server.countErrorReply(reply);
        this.server.stats.command(w.spec.name).failedCalls++;
      }
      this.finish(w, reply);
    }
  }

  private armTimer(w: Waiter): void {
    const left = w.deadlineMs - Date.now();
    w.timer = setTimeout(
      () => {
        w.timer = null;
        if (w.done) return;
        if (Date.now() >= w.deadlineMs) this.finish(w, NULL_ARRAY);
        else this.armTimer(w);
      },
      Math.max(0, Math.min(left, timerMsMax)),
    );
    w.timer.unref();
  }

  /** Unblock `w` with `reply`: out of every queue, timer cleared, session reading again. */
  private finish(w: Waiter, reply: Reply): void {
    if (w.done) return;
    w.done = true;
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = null;
    this.bySession.delete(w.session.id);
    const keyMap = this.byDb.get(w.db);
    if (keyMap !== undefined) {
      for (const k of w.keys) {
        const q = keyMap.get(k);
        if (q === undefined) continue;
        q.delete(w);
        if (q.size === 0) keyMap.delete(k);
      }
      if (keyMap.size === 0) this.byDb.delete(w.db);
    }
    w.resolve(reply);
    if (!w.session.closed) w.session.resume();
  }
}
