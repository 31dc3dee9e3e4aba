/**
 * The storage port (DESIGN: storage; STYLE #6): what a replica needs from durable storage,
 * and nothing more. Load the keyspace a restarted replica starts from (streamed, never one
 * big array), apply a batch of engine effects atomically together with the sequence number
 * of the last update in it, report that number, close. Implementations live beside this
 * file (memory today; fs, redis and postgres with the backends issue) and must all pass one
 * conformance suite. Nothing above this interface knows which backend is in use.
 */
import type { Effect } from '../src/engine/effects';
import type { Value } from '../src/engine/values';

/** One key as loaded: its database, name, value and absolute expiry (ms) or null. */
export interface LoadedKey {
  db: number;
  key: string;
  value: Value;
  expireAt: number | null;
}

/** An operating error of the backend (down, full, refused): the caller answers -TRYAGAIN/-ERR. */
export class BackendUnavailable extends Error {
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`${backend} backend unavailable: ${reason}`);
  }
}

export interface Backend {
  /** Short name for INFO and logs ("memory", "fs", "redis", "postgres"). */
  readonly name: string;
  /** Every stored key, streamed. */
  load(): AsyncIterable<LoadedKey>;
  /**
   * Make `effects` durable, all or nothing, together with `appliedSeq` (the sequence number
   * of the last update they belong to). Resolves once durable; rejects with
   * BackendUnavailable on an operating error, in which case nothing of the batch is applied.
   */
  apply(effects: readonly Effect[], appliedSeq: bigint): Promise<void>;
  /** The sequence number stored with the last applied batch (0n when empty). */
  appliedSeq(): Promise<bigint>;
  close(): Promise<void>;
}
