/**
 * The in-memory backend and the port's reference adapter (STYLE #6). As a node's backend
 * (`--backend memory`) it persists nothing: a replica's keyspace is already in memory, a
 * restarted node starts empty as a Redis without persistence does, and it keeps only the
 * applied sequence number. Given a `MemoryStore`, it keeps the keyspace there by the
 * reference semantics (`applyEffect`), so the conformance suite can "restart" it by opening
 * a new backend on the same store.
 */
import type { Backend } from '../backend';
import { applyEffect, type Effect } from '../../src/engine/effects';
import { Keyspace } from '../../src/engine/keyspace';
import { LoadBuilder, recordsOf } from '../records';

/** What survives a "restart" of a retaining memory backend. */
export class MemoryStore {
  readonly ks = new Keyspace();
  seq = 0n;
}

export class MemoryBackend implements Backend {
  readonly name = 'memory';
  private seq: bigint;
  private closed = false;

  constructor(private readonly store: MemoryStore | null = null) {
    this.seq = store?.seq ?? 0n;
  }

  async *load(): AsyncIterable<readonly Effect[]> {
    const ks = this.store?.ks;
    if (ks === undefined) return;
    const b = new LoadBuilder();
    for (let db = 0; db < ks.dbs.length; db++) {
      const d = ks.db(db);
      for (const [key, value] of d.data.entries()) {
        b.value(db, key, recordsOf(value), d.expires.get(key) ?? null);
        yield* b.takeFull();
      }
    }
    yield* b.takeAll();
  }

  async apply(effects: readonly Effect[], appliedSeq: bigint): Promise<void> {
    if (this.closed) throw new Error('memory backend used after close');
    if (appliedSeq < this.seq) throw new Error(`applied sequence went backwards: ${appliedSeq} < ${this.seq}`);
    if (this.store !== null) {
      for (const e of effects) applyEffect(this.store.ks, e);
      this.store.seq = appliedSeq;
    }
    this.seq = appliedSeq;
  }

  async appliedSeq(): Promise<bigint> {
    return this.seq;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
