/**
 * Limits of the node-to-node frame format (STYLE #3). Pure constants: no Node APIs. Changing
 * one of these changes what a node accepts from its peers, so all nodes of a cluster must
 * agree; the transport's run-time limits (queues, timers) are in src/cluster/limits.ts.
 */

/** Longest node id a frame header can carry (its length travels in one byte). */
export const nodeIdBytesMax = 40;

/**
 * Largest frame body a node accepts from an authenticated peer. A chain update carries one
 * client command, which Redis bounds by `client-query-buffer-limit` (1 GiB), so one update
 * always fits in one frame; a larger length is refused from the header alone, before any of
 * the body is buffered.
 */
export const frameBodyBytesMax = 1024 * 1024 * 1024;

/**
 * Largest frame body accepted before a connection's handshake is done: a hello's body is the
 * addressee's node id. Until a peer has proven it holds the cluster secret, it cannot make a
 * node buffer more than this (plus one header).
 */
export const helloBodyBytesMax = nodeIdBytesMax;

/** A decoder whose buffer grew past this (for one large frame) lets it go once it is empty. */
export const decoderBufferKeepBytesMax = 1024 * 1024;
