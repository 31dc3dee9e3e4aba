/**
 * The replication layer's named limits (STYLE #3), in one place: chain windows, wire fields,
 * and the cluster configuration and placement they run on. Constants only; pure.
 */

/**
 * Updates a head may hold between `submit` and the tail's acknowledgement (handed to apply
 * or in its Sent list, §3 of the chain-replication paper). Past it, `submit` returns a
 * `busy` value (back-pressure) instead of letting the list grow without bound. Every
 * downstream replica holds a subset of its head's window, so the same bound covers them.
 */
export const sentUpdatesMax = 4096;

/** Longest node id (the `[A-Za-z0-9_-]` charset keeps '>' free for chain ids). */
export const nodeIdBytesMax = 40;
/** Nodes in one cluster configuration at most. */
export const clusterNodesMax = 1000;
/** Replicas per chain at most (R). */
export const replicationMax = 16;
/** Virtual points per node on the placement ring at most (the table is built in O(nodes × vnodes)). */
export const vnodesMax = 4096;
/** Longest host string (a DNS name is at most 253 characters). */
export const hostBytesMax = 253;

/** A chain id is its members joined by '>', so it is at most this long. */
export const chainIdBytesMax = replicationMax * nodeIdBytesMax + (replicationMax - 1);
/** Longest result digest carried in an ack (a hex SHA-512 is 128). */
export const digestBytesMax = 128;
/**
 * Largest update payload on the wire: a 512 MiB bulk (Redis `proto-max-bulk-len`) plus
 * room for the rest of the command and its ctx.
 */
export const updatePayloadBytesMax = 512 * 1024 * 1024 + 64 * 1024;
