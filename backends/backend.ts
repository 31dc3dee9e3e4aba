/**
 * The storage port (DESIGN: storage; STYLE #6): what a replica needs from durable storage,
 * and nothing more. Load the keyspace a restarted replica starts from (streamed as effects,
 * never one big array), apply a batch of engine effects atomically together with the
 * sequence number of the last update in it, report that number, close. Implementations live
 * beside this file (memory, fs, redis, postgres) and all pass one conformance suite
 * (test/helpers/backend-conformance.ts). Nothing above this interface knows which backend
 * is in use.
 */
import type { Effect } from '../src/engine/effects';

/** An operating error of the backend (down, full, refused): the caller answers -TRYAGAIN and retries. */
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
  /**
   * The stored keyspace as effects that rebuild it when applied in order to an empty
   * keyspace (`applyEffect`): per key, a `put` (strings) or element effects in chunks
   * (`hset`/`hexpire`, `rpush`, `sadd`, `zadd`), then its `expire`. Streamed in chunks
   * (backends/records.ts `loadChunkElements`) so a big collection never becomes one array.
   */
  load(): AsyncIterable<readonly Effect[]>;
  /**
   * Make `effects` durable, all or nothing, together with `appliedSeq` (the sequence number
   * of the last update they belong to). Resolves once durable; rejects with
   * BackendUnavailable on an operating error, in which case nothing of the batch is applied
   * and the caller may retry the same batch. `appliedSeq` never goes backwards.
   */
  apply(effects: readonly Effect[], appliedSeq: bigint): Promise<void>;
  /** The sequence number stored with the last applied batch (0n when empty). */
  appliedSeq(): Promise<bigint>;
  close(): Promise<void>;
}

/** Every backend's options; each reads the ones it needs. */
export interface BackendOptions {
  /** fs: the directory of the store. */
  dir?: string;
  /** redis: the Redis to store in (redis://host:port/db). */
  redisUrl?: string;
  /** redis: prefix of every key this replica writes (one replica, one prefix). */
  redisPrefix?: string;
  /** postgres: connection string. */
  postgresUrl?: string;
  /**
   * postgres: schema holding this replica's tables (one replica, one schema); redis and fs
   * use `redisPrefix` / `dir` for the same purpose.
   */
  postgresSchema?: string;
}
