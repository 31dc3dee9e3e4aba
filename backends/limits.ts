/**
 * The storage layer's named limits (STYLE #3), in one place.
 */

/** Elements per chunk of a load stream: a big collection loads in pieces of this size. */
export const loadChunkElements = 1024;

/** Effects per backend batch at most (group commit takes more updates while under it). */
export const batchEffectsMax = 4096;

/** Updates waiting for the backend at most; past it, writes get -TRYAGAIN (back-pressure). */
export const pendingUpdatesMax = 100_000;

/** async durability: a batch is flushed within this many ms (Redis's appendfsync everysec is 1000). */
export const asyncFlushDelayMsDefault = 1000;

/** First and largest pause between retries of a batch a backend refused. */
export const retryDelayMsMin = 50;
export const retryDelayMsMax = 2000;
