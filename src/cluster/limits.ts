/**
 * Run-time limits of the node-to-node transport (STYLE #3): queues, timers, connection counts.
 * Constants only. What a frame may be on the wire is in protocol/auth/limits.ts; every value
 * here can be overridden per PeerTransport (tests shrink them), the defaults are these.
 */
import { frameBodyBytesMax } from '../../protocol/auth/limits';
import { batchMessageOverheadBytes } from '../../protocol/auth/frame';

/** Shortest cluster secret accepted from --cluster-secret / --cluster-secret-file (128 bits). */
export const clusterSecretBytesMin = 16;

/** Largest message `send` takes: one message must fit in one frame body with its length prefix. */
export const messageBytesMax = frameBodyBytesMax - batchMessageOverheadBytes;

/**
 * Queued bytes for one peer beyond which `send` returns false: the chain layer must slow down
 * (stop admitting writes) until the drain callback. 64 MiB is Redis's replica output buffer
 * soft limit (`client-output-buffer-limit replica 256mb 64mb 60`).
 */
export const peerQueueBytesMax = 64 * 1024 * 1024;

/**
 * Queued bytes for one peer beyond which a message is dropped (and counted). Past the soft
 * limit there is room for one more largest message, so a caller that was told to slow down
 * while it had one update in hand never loses that update.
 */
export const peerQueueBytesHardMax = peerQueueBytesMax + messageBytesMax;

/**
 * A flush closes a frame once its body reaches this many bytes and starts another, so a
 * receiver checks a MAC and delivers every MiB instead of buffering a whole burst. A single
 * larger message still goes alone in one frame.
 */
export const frameBatchBytesTarget = 1024 * 1024;

/** First delay before redialing a peer after a failed dial or a dropped link... */
export const reconnectDelayMsMin = 50;
/** ...doubling on each failure up to this; back to the minimum after a handshake succeeds. */
export const reconnectDelayMsMax = 2000;

/** A connection whose handshake has not finished after this long is closed (dial or accept). */
export const handshakeTimeoutMs = 5000;

/** TCP keep-alive probe delay: reaps half-open links to peers that vanished without a FIN. */
export const keepAliveDelayMs = 5000;

/** Inbound connections open at once (authenticated or not); more are refused on arrival. */
export const inboundLinksMax = 256;

// ---- routing and chains (src/cluster/node.ts, chain-host.ts) ----------------------------

/** A request forwarded to another node (a write to a head, a read to a tail) is answered -TRYAGAIN after this long. */
export const clusterRequestTimeoutMs = 10_000;

/**
 * WATCH: the (db, key) pairs a chain's head tracks for watching clients at once; a WATCH
 * beyond it gets -TRYAGAIN rather than growing the head's memory without bound.
 */
export const watchedKeysMax = 1_000_000;

/**
 * A head seals its open batch (one chain update carrying many client updates) at this many
 * entries or bytes, or at the end of the event-loop turn, whichever comes first: large
 * enough to pay the chain's per-update costs once for a whole burst of pipelined clients,
 * small enough that one batch is a short stretch of work for every replica.
 */
export const batchEntriesMax = 1024;
export const batchBytesTarget = 1024 * 1024;

/** How often a node looks for requests that have waited clusterRequestTimeoutMs (one timer, not one per request). */
export const requestSweepMs = 250;
