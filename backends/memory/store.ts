/**
 * The in-memory backend: no persistence (tests, caches). A replica's keyspace is already in
 * memory, so there is nothing to store; it keeps only the applied sequence number, which
 * survives nothing — a restarted node starts empty, as a Redis with no persistence does.
 */
import type { Backend, LoadedKey } from '../backend';
import type { Effect } from '../../src/engine/effects';

export class MemoryBackend implements Backend {
  readonly name = 'memory';
  private seq = 0n;
  private closed = false;

  async *load(): AsyncIterable<LoadedKey> {
    // Nothing survives a restart.
  }

  async apply(_effects: readonly Effect[], appliedSeq: bigint): Promise<void> {
    if (this.closed) throw new Error('memory backend used after close');
    if (appliedSeq < this.seq) throw new Error(`applied sequence went backwards: ${appliedSeq} < ${this.seq}`);
    this.seq = appliedSeq;
  }

  async appliedSeq(): Promise<bigint> {
    return this.seq;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
