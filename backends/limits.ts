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

/** async durability: this many waiting updates are flushed at once, without waiting for the delay. */
export const asyncFlushNowUpdates = 4096;

/** async durability: past this many waiting updates, replies wait for durability (flow control, not errors). */
export const asyncBackpressureUpdates = 50_000;

/** First and largest pause between retries of a batch a backend refused. */
export const retryDelayMsMin = 50;
export const retryDelayMsMax = 2000;

/**
 * fs backend: a string is stored in chunks of this many bytes, so SETRANGE/APPEND/SETBIT on
 * a big string rewrite the chunks they touch, not the whole value.
 */
export const fsStringChunkBytes = 64 * 1024;

/**
 * fs backend: a key, field or member name up to this many bytes is stored in the LMDB key as
 * is; a longer one by its first bytes and a SHA-256 (LMDB keys are at most 1978 bytes).
 */
export const fsNameInlineBytesMax = 511;

/**
 * fs backend: gap between the positions of list items pushed one after another; LINSERT
 * takes midpoints, so about log2 of this many inserts fit between two neighbours before
 * one side of the insert point is renumbered.
 */
export const fsListPositionStep = 65536;

/** fs backend: initial LMDB map size; lmdb-js grows the map on demand beyond it. */
export const fsMapSizeInitial = 256 * 1024 * 1024;

// ---- redis backend (backends/redis/store.ts) --------------------------------------------

/**
 * Elements per native command the redis backend sends (HSET/RPUSH/SADD/ZADD/HDEL... of a
 * whole value or a big effect, pushes inside its Lua scripts) and reads (LRANGE/ZRANGE
 * windows, HSCAN/SSCAN COUNT): big values travel in pieces of this size, never as one
 * command of a million arguments (Lua's unpack stops near 8000).
 */
export const redisElementsPerCommand = 1000;

/** SCAN COUNT when the redis backend walks the keyspace (load, its field-TTL index, FLUSHDB/SWAPDB scripts). */
export const redisScanCount = 1000;

/** Connecting to Redis gives up after this many ms (the open fails; reconnects retry in the background). */
export const redisConnectTimeoutMs = 1000;

/**
 * A Redis command without an answer for this long fails as unavailable (a hung or paused
 * server, a lost network). Not shorter: a SWAPDB/FLUSHDB script that walks a big database
 * may take seconds (the batch then counts as unknown, settled by reading its sequence number).
 */
export const redisCommandTimeoutMs = 5000;

/** Background reconnects to Redis: attempt n waits min(n * step, max) ms. */
export const redisReconnectStepMs = 50;
export const redisReconnectMaxMs = 2000;

// ---- postgres backend (backends/postgres/store.ts) ----------------------------------------

/** Connections per postgres backend: applies run one at a time, a load holds one more. */
export const postgresPoolSize = 3;
/** Give up opening a connection after this long: the apply fails BackendUnavailable and is retried. */
export const postgresConnectTimeoutMs = 3000;
/** Idle pooled connections are closed after this long. */
export const postgresIdleTimeoutMs = 10_000;
/** Rows per FETCH of a load cursor: what a load holds in memory per table at most. */
export const postgresLoadPageRows = 1000;
/** Rows per multi-row statement (unnest arrays); a bigger effect is written in several. */
export const postgresRowsPerStatement = 5000;
