/**
 * Every limit Catena enforces, in one place (STYLE #3). Values mirror Redis 7 where Redis has
 * the same limit, so that a client sees the same behaviour at the same sizes. Limits that an
 * operator may change at run time (CONFIG SET) are only defaults here; the live value is in
 * the server's config registry.
 */

/** Redis `PROTO_INLINE_MAX_SIZE`: longest inline command line, and longest `*N` / `$N` header line. */
export const inlineLineBytesMax = 64 * 1024;
/** Redis default `proto-max-bulk-len`: largest bulk string a client may send. */
export const protoMaxBulkLenDefault = 512 * 1024 * 1024;
/** Redis default `client-query-buffer-limit`: a client whose unparsed input exceeds this is closed. */
export const clientQueryBufferLimitDefault = 1024 * 1024 * 1024;
/** Redis: a multibulk header larger than this is a protocol error (`INT_MAX`). */
export const multibulkLengthMax = 2147483647;
/** Redis: before AUTH, a request may have at most this many arguments... */
export const unauthenticatedMultibulkLengthMax = 10;
/** ...each at most this long. */
export const unauthenticatedBulkLengthMax = 16384;
/** Number of logical databases (Redis `databases`). */
export const databasesDefault = 16;
/** Longest string value (Redis `proto-max-bulk-len` again, also the SETRANGE/APPEND cap). */
export const stringBytesMax = 512 * 1024 * 1024;
/** Slow log: default length and threshold (Redis defaults). */
export const slowlogMaxLenDefault = 128;
export const slowlogLogSlowerThanUsDefault = 10000;
/** Slow log entries keep at most this many arguments (Redis SLOWLOG_ENTRY_MAX_ARGC)... */
export const slowlogEntryArgsMax = 32;
/** ...each cut to this many bytes (Redis SLOWLOG_ENTRY_MAX_STRING). */
export const slowlogEntryStringBytesMax = 128;
/** CONFIG SET bind: at most this many addresses (Redis CONFIG_BINDADDR_MAX). */
export const bindAddressesMax = 16;
/** A client's output buffer beyond this (pubsub / normal) is closed, like Redis's hard limits. */
export const clientOutputBufferBytesMax = 256 * 1024 * 1024;
/** Client names and lib names: Redis rejects spaces/newlines, not length; we cap length. */
export const clientNameBytesMax = 4096;
/** Keys sampled per active-expiry cycle per database (Redis ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP). */
export const activeExpireKeysPerCycle = 20;
/** Active expiry cycle period (Redis `hz` 10 → every 100 ms). */
export const activeExpirePeriodMs = 100;
/**
 * Hash fields (Redis 7.4 field expiry) deleted per active-expiry cycle per database: Redis's
 * HFE_DB_BASE_ACTIVE_EXPIRE_FIELDS_PER_SEC (10000) / hz (10).
 */
export const activeExpireHashFieldsPerCycle = 1000;
/** Hashes with field TTLs sampled per active-expiry cycle per database. */
export const activeExpireHashKeysPerCycle = 100;
/** Reply encoder: a connection's reused encode buffer is shrunk back after it grows beyond this. */
export const replyBufferKeepBytesMax = 64 * 1024;
/** LCS: largest product of the two string lengths we accept (memory of the DP table), as Redis's check. */
export const lcsCellsMax = 4294967295;
/**
 * ZRANDMEMBER: most elements one reply may carry. Redis streams any count into the client's
 * buffer; Catena builds a reply whole, so a count of billions would exhaust the node's memory
 * instead of the one client's; beyond this the command is refused.
 */
export const zrandmemberCountMax = 16 * 1024 * 1024;
/** HRANDFIELD with a negative count: most fields one reply may carry (as zrandmemberCountMax). */
export const hrandfieldCountMax = 16 * 1024 * 1024;
/** SRANDMEMBER with a negative count: most members one reply may carry (as zrandmemberCountMax). */
export const srandmemberCountMax = 16 * 1024 * 1024;
