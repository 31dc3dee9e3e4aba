/**
 * Durability of a node's updates (DESIGN: storage; like Redis's appendfsync): every update's
 * effects get a sequence number and go to the backend in batches — group commit: while one
 * batch is in flight the next one gathers every update made meanwhile, so a backend round
 * trip carries many of them. In `sync` mode a reply that depends on an update is released
 * only once that update is durable (Session awaits `barrier`); in `async` mode replies go at
 * once and a batch is flushed within `asyncFlushDelayMs` (at once when a batch is full), and
 * if the backend falls `asyncBackpressureUpdates` behind, replies wait as in sync mode.
 * A batch the backend refuses (down, full) stays at the front and is retried with backoff
 * until it lands, so nothing acknowledged is lost and nothing is half-applied; meanwhile the
 * node refuses new writes (`refusal`), and reads of keys the unlanded batch touched wait.
 * May touch: the backend. Must not: run commands or know which backend it is.
 */
import type { Backend } from '../../backends/backend';
import { BackendUnavailable } from '../../backends/backend';
import {
  asyncBackpressureUpdates as asyncBackpressureUpdatesDefault,
  asyncFlushDelayMsDefault,
  asyncFlushNowUpdates,
  batchEffectsMax,
  pendingUpdatesMax,
  retryDelayMsMax,
  retryDelayMsMin,
} from '../../backends/limits';
import type { Effect } from '../engine/effects';
import type { ErrorReply } from '../resp/reply';
import { err } from '../resp/errors';

export type DurabilityMode = 'sync' | 'async';

interface PendingUpdate {
  seq: bigint;
  effects: Effect[];
}

interface Waiter {
  seq: bigint;
  resolve: () => void;
}

export interface DurabilityStats {
  mode: DurabilityMode;
  backend: string;
  lastSeq: bigint;
  durableSeq: bigint;
  pendingUpdates: number;
  batches: number;
  batchedUpdates: number;
  failedBatches: number;
  lastError: string;
  down: boolean;
}

export class Durability {
  /** Sequence number of the last update recorded. */
  lastSeq: bigint;
  /** Sequence number of the last update the backend holds durably. */
  durableSeq: bigint;
  private readonly pending: PendingUpdate[] = [];
  private inFlight = false;
  private timer: NodeJS.Timeout | null = null;
  private retryDelayMs = retryDelayMsMin;
  private waiters: Waiter[] = [];
  /** (db, key) → seq of the last unlanded update that wrote it; `allDirtySeq` covers keyless effects (FLUSHALL...). */
  private readonly dirty = new Map<string, bigint>();
  private allDirtySeq = 0n;
  private lastError = '';
  private down = false;
  private closed = false;
  private batches = 0;
  private batchedUpdates = 0;
  private failedBatches = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly backend: Backend,
    readonly mode: DurabilityMode,
    startSeq: bigint,
    private readonly log: (line: string) => void = () => {},
    readonly asyncFlushDelayMs = asyncFlushDelayMsDefault,
    /** async: past this many unlanded updates, replies wait for durability as in sync mode (flow control). */
    readonly asyncBackpressureUpdates = asyncBackpressureUpdatesDefault,
  ) {
    this.lastSeq = startSeq;
    this.durableSeq = startSeq;
  }

  /**
   * Why a write must be refused now, or null: the backend is down (its failed batch is
   * being retried), or too many updates wait for it (back-pressure).
   */
  refusal(): ErrorReply | null {
    if (this.down) return err.backendDown(this.lastError);
    if (this.pending.length >= pendingUpdatesMax) return err.backendBusy;
    return null;
  }

  /** Record one update's effects (in the order updates were applied); returns its seq. */
  record(effects: Effect[]): bigint {
    return this.recordAt(this.lastSeq + 1n, effects);
  }

  /**
   * Record the update numbered `seq` by someone else (a chain's head), effects or none: the
   * backend's applied sequence number then follows the chain's, which recovery relies on.
   */
  recordAt(seq: bigint, effects: Effect[]): bigint {
    if (this.closed) throw new Error('update recorded after the node closed its backend');
    if (seq <= this.lastSeq) throw new Error(`update ${seq} recorded after ${this.lastSeq}`);
    this.lastSeq = seq;
    this.pending.push({ seq, effects });
    for (const e of effects) {
      if ('key' in e) {
        this.dirty.set(dirtyKey(e.db, e.key), seq);
        if (e.op === 'rename') this.dirty.set(dirtyKey(e.db, e.to), seq);
        else if (e.op === 'move') this.dirty.set(dirtyKey(e.toDb, e.key), seq);
      } else this.allDirtySeq = seq;
    }
    if (this.mode === 'async' && this.timer !== null && !this.inFlight && this.pending.length >= asyncFlushNowUpdates) {
      // A full batch waits for no timer.
      clearTimeout(this.timer);
      this.timer = null;
      void this.flush();
    } else this.schedule();
    return seq;
  }

  /** Whether any reply may have to wait now (a cheap check before barrierFor). */
  mayWait(): boolean {
    return this.lastSeq !== this.durableSeq && (this.mode === 'sync' || this.pending.length >= this.asyncBackpressureUpdates);
  }

  /**
   * The seq a reply must wait for before it is sent, or 0n when it may go now: in sync
   * mode, a write's own update, or for a read the last unlanded update of its keys (all
   * pending updates when it has no keys, like DBSIZE or SCAN).
   */
  barrierFor(db: number, keys: readonly string[] | null): bigint {
    if (this.lastSeq === this.durableSeq) return 0n;
    // async: replies go at once, unless the backend falls this far behind (then as sync, like
    // Redis delaying writes while an everysec fsync is late) so writes slow down, not fail.
    if (this.mode !== 'sync' && this.pending.length < this.asyncBackpressureUpdates) return 0n;
    if (keys === null) return this.lastSeq;
    let at = this.allDirtySeq > this.durableSeq ? this.allDirtySeq : 0n;
    for (const k of keys) {
      const s = this.dirty.get(dirtyKey(db, k));
      if (s !== undefined && s > at && s > this.durableSeq) at = s;
    }
    return at;
  }

  /** Resolves once every update up to `seq` is durable. */
  whenDurable(seq: bigint): Promise<void> {
    if (seq <= this.durableSeq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Resolves once nothing is pending (shutdown; tests). */
  drain(): Promise<void> {
    if (this.pending.length === 0 && !this.inFlight) return Promise.resolve();
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
      void this.flush();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Flush what is pending, wait for it, and close the backend. */
  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.backend.close();
  }

  stats(): DurabilityStats {
    return {
      mode: this.mode,
      backend: this.backend.name,
      lastSeq: this.lastSeq,
      durableSeq: this.durableSeq,
      pendingUpdates: this.pending.length,
      batches: this.batches,
      batchedUpdates: this.batchedUpdates,
      failedBatches: this.failedBatches,
      lastError: this.lastError,
      down: this.down,
    };
  }

  private schedule(): void {
    if (this.inFlight || this.timer !== null || this.pending.length === 0) return;
    if (this.mode === 'sync') {
      // One event-loop turn gathers every update of the pipelines read in it.
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, 0);
    } else {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.asyncFlushDelayMs);
    }
  }

  private async flush(): Promise<void> {
    if (this.inFlight || this.pending.length === 0) return;
    this.inFlight = true;
    // Whole updates, up to batchEffectsMax effects (at least one update).
    let n = 0;
    let size = 0;
    const effects: Effect[] = [];
    for (const u of this.pending) {
      if (n > 0 && size + u.effects.length > batchEffectsMax) break;
      for (const e of u.effects) effects.push(e);
      size += u.effects.length;
      n++;
    }
    const last = (this.pending[n - 1] as PendingUpdate).seq;
    try {
      await this.backend.apply(effects, last);
    } catch (e) {
      this.inFlight = false;
      this.failedBatches++;
      if (!(e instanceof BackendUnavailable)) throw e;
      this.lastError = e.reason;
      if (!this.down) this.log(`Backend ${this.backend.name} unavailable (${e.reason}): writes are refused until it is back; retrying`);
      this.down = true;
      // The same batch again, after a pause; the backend's apply is idempotent for it.
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.retryDelayMs);
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, retryDelayMsMax);
      return;
    }
    if (this.down) this.log(`Backend ${this.backend.name} is back: writes accepted again`);
    this.down = false;
    this.retryDelayMs = retryDelayMsMin;
    this.pending.splice(0, n);
    this.batches++;
    this.batchedUpdates += n;
    this.durableSeq = last;
    this.inFlight = false;
    if (this.pending.length === 0) this.dirty.clear();
    else {
      for (const [k, s] of this.dirty) if (s <= last) this.dirty.delete(k);
    }
    const waiting: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= last) w.resolve();
      else waiting.push(w);
    }
    this.waiters = waiting;
    if (this.pending.length > 0) {
      if (this.mode === 'sync' || this.pending.length >= asyncFlushNowUpdates) void this.flush();
      else this.schedule();
    } else {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of idle) f();
    }
  }
}

function dirtyKey(db: number, key: string): string {
  return `${db}\u0000${key}`;
}
