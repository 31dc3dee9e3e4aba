/**
 * A backend for tests of the durability pipeline: the reference memory backend behind a
 * switchboard — hold batches (to observe a reply waiting for durability), fail them as an
 * unavailable backend would, and count batches.
 */
import { BackendUnavailable, type Backend } from '../../backends/backend';
import { MemoryBackend, MemoryStore } from '../../backends/memory/store';
import type { Effect } from '../../src/engine/effects';

export class ControlledBackend implements Backend {
  readonly name = 'controlled';
  readonly inner: MemoryBackend;
  /** When set, apply waits for it before storing. */
  gate: Promise<void> | null = null;
  /** When non-null, apply rejects with BackendUnavailable(reason). */
  failWith: string | null = null;
  batches = 0;
  updatesSeen: bigint[] = [];
  attempts = 0;

  constructor(readonly store = new MemoryStore()) {
    this.inner = new MemoryBackend(store);
  }

  /** Hold every batch until the returned function is called. */
  hold(): () => void {
    let release = (): void => {};
    this.gate = new Promise<void>((r) => (release = r));
    return () => {
      this.gate = null;
      release();
    };
  }

  load(): AsyncIterable<readonly Effect[]> {
    return this.inner.load();
  }

  async apply(effects: readonly Effect[], appliedSeq: bigint): Promise<void> {
    this.attempts++;
    if (this.gate !== null) await this.gate;
    if (this.failWith !== null) throw new BackendUnavailable(this.name, this.failWith);
    if (appliedSeq === (await this.inner.appliedSeq()) && effects.length > 0) return;
    await this.inner.apply(effects, appliedSeq);
    this.batches++;
    this.updatesSeen.push(appliedSeq);
  }

  appliedSeq(): Promise<bigint> {
    return this.inner.appliedSeq();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
