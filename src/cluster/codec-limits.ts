/**
 * Limits of the cluster codecs (STYLE #3): what reply-codec.ts and update-codec.ts accept from
 * a peer. Constants only. Changing one changes what a node accepts, so all nodes of a cluster
 * must agree; the transport's own limits are in src/cluster/limits.ts.
 */
import { constants as bufferConstants } from 'node:buffer';
import { multibulkLengthMax, stringBytesMax } from '../limits';
import { chainIdBytesMax } from '../../protocol/chain/limits';
import { frameBodyBytesMax } from '../../protocol/auth/limits';

/**
 * Containers (arrays, maps, sets, pushes, pairs, multi) nested inside one reply. The deepest
 * reply Redis 7.0 builds is COMMAND DOCS inside EXEC (about 10 levels); 64 leaves ample room
 * while bounding the decoder's recursion on a hostile or corrupt message.
 */
export const replyDepthMax = 64;

/**
 * Longest string (bulk, status, error, argument, key, channel, message) either codec carries:
 * Redis `proto-max-bulk-len`, cut to the longest string V8 can hold (2^29 - 24 on 64-bit), since
 * a decoded string must become a JS string.
 */
export const codecStringBytesMax = Math.min(stringBytesMax, bufferConstants.MAX_STRING_LENGTH);

/** Digits of a bigint integer reply: Redis integers are int64 (20 chars); room up to int128. */
export const replyBigintCharsMax = 40;

/** Arguments of one command (the name included): Redis's multibulk header bound (INT_MAX). */
export const commandArgsMax = multibulkLengthMax;

/**
 * Commands in one update (one command, or an EXEC body with its SELECTs). Redis bounds a
 * MULTI queue only by memory; the head must refuse (EXECABORT) a transaction beyond this
 * before ordering it, since the update could not be shipped down the chain.
 */
export const updateItemsMax = 16 * 1024 * 1024;

/** Keys a WATCH guard may carry: Redis bounds WATCH only by its multibulk header (INT_MAX). */
export const watchKeysMax = multibulkLengthMax;

/** Largest database index (Redis `databases` is an int config bounded by INT_MAX). */
export const dbIndexMax = 2147483647 - 1;

/** Longest chain id in a cluster message (members joined by '>'). */
export const clusterChainIdBytesMax = chainIdBytesMax;

/** Largest opaque chain-core message a cluster message carries: what one frame body may hold. */
export const chainMessageBytesMax = frameBodyBytesMax;
