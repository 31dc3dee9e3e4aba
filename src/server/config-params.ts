/**
 * The CONFIG parameter table: every Redis 7.0 parameter with its default (as a Redis started
 * with no configuration reports it), its type and validation (Redis 7.0's config.c: bool,
 * numeric with bounds, memory, percent, enum, special), and whether Catena acts on it.
 * Pure data and pure parsers: no server state; docs/config.md is generated from this table.
 */
import type { ConfigRegistry, ParamDef } from './config';
import type { EncodingLimits, Keyspace } from '../engine/keyspace';
import { parseInt64 } from '../resp/format';
import { parseNotifyKeyspaceEvents } from './pubsub';
import {
  bindAddressesMax,
  clientQueryBufferLimitDefault,
  databasesDefault,
  protoMaxBulkLenDefault,
  slowlogLogSlowerThanUsDefault,
  slowlogMaxLenDefault,
} from '../limits';

type Parse = (value: string) => { ok: string } | { error: string };

const U64 = 1n << 64n;
const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;
const ULLONG_MAX = U64 - 1n;

/** Why an inert parameter does nothing in Catena, by family (docs/config.md). */
const why = {
  persistence: 'Catena has no RDB/AOF files: durability comes from its storage backends.',
  replication: "Catena replicates with chain replication, not Redis's replication protocol.",
  cluster: 'Catena runs its own cluster protocol; Redis Cluster settings do not apply.',
  tls: 'TLS listeners are not supported yet.',
  memory: 'Catena does not enforce a memory limit or evict keys yet; reported by INFO only.',
  encoding: 'Encoding threshold (OBJECT ENCODING, when a compact encoding converts), applied to the keyspace.',
  process: 'Process management (daemonizing, logging, process title) is the node runner\'s job.',
  tuning: "Tuning of Redis's own event loop, allocator or background jobs; no counterpart in Catena.",
  acl: 'Catena has only the default user (requirepass); ACL files and logs do not exist.',
  scripting: 'Catena does not run Lua scripts or functions.',
  tracking: 'Client-side caching (CLIENT TRACKING) is not supported.',
  latency: 'Catena does not keep latency histograms or a latency monitor.',
};

// --- Parsers, each returning Redis 7.0's error reason text ---

function bool(v: string): { ok: string } | { error: string } {
  const l = v.toLowerCase();
  if (l === 'yes' || l === 'no') return { ok: l };
  return { error: "argument must be 'yes' or 'no'" };
}

/** Redis memtoull: digits with an optional b/k/kb/m/mb/g/gb unit; wraps on overflow as 7.0 does. */
export function parseMemory(v: string): bigint | null {
  if (v.startsWith('-')) return null;
  let i = 0;
  while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
  const unit = v.slice(i).toLowerCase();
  const mul = ({ '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n } as Record<string, bigint>)[unit];
  if (mul === undefined) return null;
  const digits = v.slice(0, i);
  if (digits.length >= 128) return null;
  // strtoull on no digits gives 0 without an error, as Redis accepts "" and "kb" as 0.
  let n = digits === '' ? 0n : BigInt(digits);
  if (n > ULLONG_MAX) n = ULLONG_MAX; // strtoull saturates (ERANGE is not checked)
  return (n * mul) % U64;
}

interface NumOpts {
  min: bigint;
  max: bigint;
  /** Redis numericBoundaryCheck compares unsigned for ULONG_LONG, UINT and SIZE_T configs. */
  unsigned?: boolean;
  memory?: boolean;
  percent?: boolean;
  /** Canonicalise after a successful parse (hz is capped to 1..500 by its apply function). */
  after?: (n: bigint) => bigint;
}

function toSigned(n: bigint): bigint {
  return n >= 1n << 63n ? n - U64 : n;
}

function numeric(o: NumOpts): Parse {
  return (v) => {
    let n: bigint | null = null;
    if (o.memory) {
      const m = parseMemory(v);
      if (m !== null) n = toSigned(m);
    }
    if (n === null && o.percent && v.length > 1 && v.endsWith('%')) {
      const p = parseInt64(v.slice(0, -1));
      if (p !== null && BigInt(p) >= 0n) n = -BigInt(p);
    }
    if (n === null && !o.memory && !o.percent) {
      const p = parseInt64(v);
      if (p !== null) n = BigInt(p);
    }
    if (n === null) {
      if (o.memory && o.percent) return { error: 'argument must be a memory or percent value' };
      if (o.memory) return { error: 'argument must be a memory value' };
      return { error: "argument couldn't be parsed into an integer" };
    }
    if (o.unsigned) {
      const u = n < 0n ? n + U64 : n;
      if (u > o.max || u < o.min) return { error: `argument must be between ${o.min} and ${o.max} inclusive` };
      n = u;
    } else if (o.percent && n < 0n) {
      if (n < o.min) return { error: `percentage argument must be less or equal to ${-o.min}` };
    } else if (n > o.max || n < o.min) {
      return { error: `argument must be between ${o.min} and ${o.max} inclusive` };
    }
    if (o.after) n = o.after(n);
    return { ok: o.percent && n < 0n ? `${-n}%` : String(n) };
  };
}

function enumOf(values: string[], canonical?: Record<string, string>): Parse {
  return (v) => {
    const l = v.toLowerCase();
    if (!values.includes(l)) return { error: `argument(s) must be one of the following: ${values.join(', ')}` };
    return { ok: canonical?.[l] ?? l };
  };
}

/** shutdown-on-sigint / -sigterm: a set of flags, reported in the enum's order. */
function shutdownFlags(v: string): { ok: string } | { error: string } {
  const order = ['default', 'save', 'nosave', 'now', 'force'];
  const words = v.split(' ').map((w) => w.toLowerCase());
  for (const w of words) if (!order.includes(w)) return { error: `argument(s) must be one of the following: ${order.join(', ')}` };
  if (words.includes('save') && words.includes('nosave')) return { error: "shutdown options SAVE and NOSAVE can't be used simultaneously" };
  const set = order.filter((w) => w !== 'default' && words.includes(w));
  return { ok: set.length === 0 ? 'default' : set.join(' ') };
}

const anyString: Parse = (v) => ({ ok: v });

function baseName(what: string, kind: string): Parse {
  return (v) => (v.includes('/') ? { error: `${what} can't be a path, just a ${kind}` } : { ok: v });
}

/** setConfigSaveOption: pairs of seconds >= 1 and changes >= 0 (strtoll: leading + and zeros pass). */
function saveParams(v: string): { ok: string } | { error: string } {
  const args = v === '' ? [] : v.split(' ');
  if (args.length % 2 !== 0) return { error: 'Invalid save parameters' };
  const nums: bigint[] = [];
  for (let j = 0; j < args.length; j++) {
    const a = args[j] as string;
    if (!/^[ \t]*[+-]?\d+$/.test(a)) return { error: 'Invalid save parameters' };
    const n = BigInt(a.trim());
    if ((j % 2 === 0 && n < 1n) || (j % 2 === 1 && n < 0n)) return { error: 'Invalid save parameters' };
    nums.push(n);
  }
  const out: string[] = [];
  for (let j = 0; j < nums.length; j += 2) out.push(`${nums[j]} ${nums[j + 1]}`);
  return { ok: out.join(' ') };
}

const outputBufferLimitDefault = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

/**
 * updateClientOutputBufferLimit: <class> <hard> <soft> <seconds> groups; classes not named keep
 * their value. The parser merges onto the defaults; CONFIG SET passes "<current> <new>" so the
 * later groups win over the live value.
 */
function outputBufferLimit(v: string): { ok: string } | { error: string } {
  const args = v === '' ? [] : v.split(' ');
  if (args.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const classes = new Map<string, string>();
  for (const part of outputBufferLimitDefault.match(/\S+ \S+ \S+ \S+/g) ?? []) classes.set(part.split(' ')[0] as string, part);
  const updates: Array<[string, string]> = [];
  for (let j = 0; j < args.length; j += 4) {
    const cls = ({ normal: 'normal', slave: 'slave', replica: 'slave', pubsub: 'pubsub' } as Record<string, string>)[
      (args[j] as string).toLowerCase()
    ];
    if (cls === undefined) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = parseMemory(args[j + 1] as string);
    const soft = parseMemory(args[j + 2] as string);
    const secs = args[j + 3] as string;
    if (hard === null || soft === null || !/^[ \t]*[+-]?\d+$/.test(secs) || BigInt(secs.trim()) < 0n) {
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    updates.push([cls, `${cls} ${hard} ${soft} ${BigInt(secs.trim())}`]);
  }
  for (const [cls, text] of updates) classes.set(cls, text);
  return { ok: ['normal', 'slave', 'pubsub'].map((c) => classes.get(c) as string).join(' ') };
}

function oomScoreAdjValues(v: string): { ok: string } | { error: string } {
  const args = v.split(' ');
  if (args.length !== 3) return { error: 'wrong number of arguments' };
  const out: string[] = [];
  for (const a of args) {
    if (!/^[ \t]*[+-]?\d+$/.test(a)) return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    const n = BigInt(a.trim());
    if (n < -2000n || n > 2000n) return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    out.push(String(n));
  }
  return { ok: out.join(' ') };
}

/** latency-tracking-info-percentiles: doubles in [0, 100], printed with %f and trailing zeros trimmed. */
function percentiles(v: string): { ok: string } | { error: string } {
  const args = v === '' ? [] : v.split(' ');
  const out: string[] = [];
  for (const a of args) {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(a)) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    const n = Number(a);
    if (n > 100 || n < 0) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(n.toFixed(6).replace(/\.?0+$/, ''));
  }
  return { ok: out.join(' ') };
}

function bindAddrs(v: string): { ok: string } | { error: string } {
  const args = v === '' ? [] : v.split(' ');
  if (args.length > bindAddressesMax) return { error: 'Too many bind addresses specified.' };
  return { ok: args.join(' ') };
}

function replicaOf(v: string): { ok: string } | { error: string } {
  const args = v.split(' ');
  if (args.length !== 2) return { error: 'wrong number of arguments' };
  if ((args[0] as string).toLowerCase() === 'no' && (args[1] as string).toLowerCase() === 'one') return { ok: '' };
  const port = Number(args[1]);
  if (!/^-?\d+$/.test(args[1] as string) || port < 0 || port > 65535) return { error: 'Invalid master port' };
  return { ok: `${args[0]} ${port}` };
}

function hostname(v: string): { ok: string } | { error: string } {
  if (v.length >= 256) return { error: 'Hostnames must be less than 256 characters' };
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return { error: 'Hostnames may only contain alphanumeric characters, hyphens or dots' };
  return { ok: v };
}

/** validateProcTitleTemplate: only known {variables}, balanced braces, a non-empty expansion. */
function procTitleTemplate(v: string): { ok: string } | { error: string } {
  const bad = { error: 'template format is invalid or contains unknown variables' };
  const known = new Set(['title', 'listen-addr', 'server-mode', 'port', 'tls-port', 'unixsocket', 'config-file']);
  let expanded = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '{') {
      if (v[i + 1] === '{') {
        expanded += '{';
        i++;
        continue;
      }
      const end = v.indexOf('}', i);
      if (end < 0 || !known.has(v.slice(i + 1, end))) return bad;
      expanded += 'x';
      i = end;
    } else if (c === '}') {
      if (v[i + 1] !== '}') return bad;
      expanded += '}';
      i++;
    } else expanded += c;
  }
  return expanded.length === 0 ? bad : { ok: v };
}

function activeDefrag(v: string): { ok: string } | { error: string } {
  const r = bool(v);
  if ('ok' in r && r.ok === 'yes') {
    // Same answer as a Redis built without jemalloc's defrag support: there is nothing to defragment.
    return {
      error:
        'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution',
    };
  }
  return r;
}

// --- Table builders ---

interface Extra {
  aliases?: string[];
  immutable?: boolean;
  protected?: boolean;
  hidden?: boolean;
  sensitive?: boolean;
  applied?: boolean;
  note: string;
}

function b(name: string, def: 'yes' | 'no', x: Extra, parse: Parse = bool): ParamDef {
  return { name, default: def, parse, type: 'bool', applied: x.applied ?? false, ...x };
}
function i(name: string, min: bigint, max: bigint, def: number, x: Extra, o: Partial<NumOpts> = {}): ParamDef {
  return { name, default: String(def), parse: numeric({ min, max, ...o }), type: 'integer', applied: x.applied ?? false, ...x };
}
function mem(name: string, min: bigint, max: bigint, def: number, x: Extra, o: Partial<NumOpts> = {}): ParamDef {
  return {
    name,
    default: String(def),
    parse: numeric({ min, max, memory: true, ...o }),
    type: o.percent ? 'memory or percent' : 'memory',
    applied: x.applied ?? false,
    ...x,
  };
}
function en(name: string, values: string[], def: string, x: Extra, canonical?: Record<string, string>): ParamDef {
  return { name, default: def, parse: enumOf(values, canonical), type: `enum (${values.join(', ')})`, applied: x.applied ?? false, ...x };
}
function str(name: string, def: string, x: Extra, parse: Parse = anyString): ParamDef {
  return { name, default: def, parse, type: 'string', applied: x.applied ?? false, ...x };
}
function special(name: string, def: string, parse: Parse, x: Extra): ParamDef {
  return { name, default: def, parse, type: 'special', applied: x.applied ?? false, ...x };
}

const P = { note: why.persistence };
const R = { note: why.replication };
const C = { note: why.cluster };
const T = { note: why.tls };
const M = { note: why.memory };
const E = { note: why.encoding, applied: true };
const L = { note: 'Passed to the keyspace, but lists are always reported as quicklist, as Redis 7.0 does: no visible effect.' };
const PR = { note: why.process };
const TU = { note: why.tuning };
const IMM = (x: Extra): Extra => ({ ...x, immutable: true });

const protectedAction = ['no', 'yes', 'local'];

export const paramDefs: ParamDef[] = [
  // Applied: Catena acts on these.
  i('port', 0n, 65535n, 7001, {
    applied: true,
    immutable: true,
    note: 'The TCP port, fixed at start-up (catena server --port); Catena does not re-listen on CONFIG SET.',
  }),
  special('bind', '127.0.0.1', bindAddrs, {
    applied: true,
    immutable: true,
    note: 'The listening address, fixed at start-up (catena server --bind); Catena does not re-bind on CONFIG SET.',
  }),
  str(
    'requirepass',
    '',
    { applied: true, sensitive: true, note: "The default user's password: AUTH/HELLO AUTH check it; new connections need it when set." },
  ),
  i('databases', 1n, INT_MAX, databasesDefault, { applied: true, immutable: true, note: 'Number of logical databases (SELECT range), fixed at start-up.' }),
  mem('proto-max-bulk-len', 1048576n, LONG_MAX, protoMaxBulkLenDefault, {
    applied: true,
    note: 'Largest bulk string a client may send; longer ones are a protocol error, as in Redis.',
  }),
  mem('client-query-buffer-limit', 1048576n, LONG_MAX, clientQueryBufferLimitDefault, {
    applied: true,
    note: 'A client whose unparsed input exceeds this is disconnected, as in Redis.',
  }),
  special('notify-keyspace-events', '', parseNotifyKeyspaceEvents, { applied: true, note: 'Keyspace notifications (classes as in Redis).' }),
  i('slowlog-log-slower-than', -1n, LLONG_MAX, slowlogLogSlowerThanUsDefault, { applied: true, note: 'SLOWLOG threshold in microseconds (-1 disables, 0 logs all).' }),
  i('slowlog-max-len', 0n, LONG_MAX, slowlogMaxLenDefault, { applied: true, note: 'SLOWLOG length.' }),
  i('maxclients', 1n, UINT_MAX, 10000, {
    applied: true,
    note: 'Connections beyond this are refused with "max number of clients reached".',
  }, { unsigned: true }),
  en('enable-protected-configs', protectedAction, 'no', {
    applied: true,
    immutable: true,
    note: 'Whether CONFIG SET may change protected parameters (dir, dbfilename).',
  }),
  en('enable-debug-command', protectedAction, 'no', { applied: true, immutable: true, note: 'Whether DEBUG is allowed.' }),
  en('enable-module-command', protectedAction, 'no', { applied: true, immutable: true, note: 'Whether MODULE LOAD/UNLOAD is allowed (Catena loads no modules either way).' }),
  mem('maxmemory', 0n, ULLONG_MAX, 0, { note: 'Reported by INFO (maxmemory); ' + why.memory }, { unsigned: true }),
  en(
    'maxmemory-policy',
    ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
    'noeviction',
    { note: 'Reported by INFO (maxmemory_policy); ' + why.memory },
  ),
  i('latency-monitor-threshold', 0n, LLONG_MAX, 0, { note: why.latency }),
  i('hz', 0n, INT_MAX, 10, { note: 'Reported by INFO; active expiry runs at a fixed 10 Hz.' }, { after: (n) => (n < 1n ? 1n : n > 500n ? 500n : n) }),
  i('timeout', 0n, INT_MAX, 0, { note: 'Idle clients are not disconnected yet.' }),
  special('save', '', saveParams, { note: 'Empty by default: ' + why.persistence }),
  special('dir', process.cwd(), anyString, { protected: true, note: 'Reported as the working directory; ' + why.persistence }),

  // Persistence (RDB / AOF).
  b('rdbchecksum', 'yes', IMM(P)),
  b('rdbcompression', 'yes', P),
  b('rdb-del-sync-files', 'no', P),
  b('stop-writes-on-bgsave-error', 'yes', P),
  b('rdb-save-incremental-fsync', 'yes', P),
  b('aof-rewrite-incremental-fsync', 'yes', P),
  b('no-appendfsync-on-rewrite', 'no', P),
  b('aof-load-truncated', 'yes', P),
  b('aof-use-rdb-preamble', 'yes', P),
  b('aof-timestamp-enabled', 'no', P),
  b('appendonly', 'no', P),
  b('aof-disable-auto-gc', 'no', P),
  str('dbfilename', 'dump.rdb', { ...P, protected: true }, baseName('dbfilename', 'filename')),
  str('appendfilename', 'appendonly.aof', IMM(P), (v) => (v === '' ? { error: "appendfilename can't be empty" } : baseName('appendfilename', 'filename')(v))),
  str('appenddirname', 'appendonlydir', IMM(P), (v) => (v === '' ? { error: "appenddirname can't be empty" } : baseName('appenddirname', 'dirname')(v))),
  en('appendfsync', ['everysec', 'always', 'no'], 'everysec', P),
  i('auto-aof-rewrite-percentage', 0n, INT_MAX, 100, P),
  mem('auto-aof-rewrite-min-size', 0n, LLONG_MAX, 67108864, P),
  i('rdb-key-save-delay', INT_MIN, INT_MAX, 0, { ...P, hidden: true }),
  i('key-load-delay', INT_MIN, INT_MAX, 0, { ...P, hidden: true }),
  i('loading-process-events-interval-bytes', 1024n, INT_MAX, 2097152, { ...P, hidden: true }),
  en('sanitize-dump-payload', ['no', 'yes', 'clients'], 'no', { note: 'RESTORE payload checks follow Catena\'s own DUMP format validation.' }),

  // Replication.
  b('repl-disable-tcp-nodelay', 'no', R),
  b('repl-diskless-sync', 'yes', R),
  b('replica-lazy-flush', 'no', { ...R, aliases: ['slave-lazy-flush'] }),
  b('replica-serve-stale-data', 'yes', { ...R, aliases: ['slave-serve-stale-data'] }),
  b('replica-read-only', 'yes', { ...R, aliases: ['slave-read-only'] }),
  b('replica-ignore-maxmemory', 'yes', { ...R, aliases: ['slave-ignore-maxmemory'] }),
  b('replica-announced', 'yes', R),
  b('replica-ignore-disk-write-errors', 'no', R),
  str('replica-announce-ip', '', { ...R, aliases: ['slave-announce-ip'] }),
  str('masteruser', '', { ...R, sensitive: true }),
  str('masterauth', '', { ...R, sensitive: true }),
  en('repl-diskless-load', ['disabled', 'on-empty-db', 'swapdb'], 'disabled', R),
  i('replica-priority', 0n, INT_MAX, 100, { ...R, aliases: ['slave-priority'] }),
  i('repl-diskless-sync-delay', 0n, INT_MAX, 5, R),
  i('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0, R),
  i('replica-announce-port', 0n, 65535n, 0, { ...R, aliases: ['slave-announce-port'] }),
  i('repl-timeout', 1n, INT_MAX, 60, R),
  i('repl-ping-replica-period', 1n, INT_MAX, 10, { ...R, aliases: ['repl-ping-slave-period'] }),
  i('min-replicas-to-write', 0n, INT_MAX, 0, { ...R, aliases: ['min-slaves-to-write'] }),
  i('min-replicas-max-lag', 0n, INT_MAX, 10, { ...R, aliases: ['min-slaves-max-lag'] }),
  // Redis resizeReplicationBacklog raises anything smaller to CONFIG_REPL_BACKLOG_MIN_SIZE.
  mem('repl-backlog-size', 1n, LLONG_MAX, 1048576, R, { after: (n) => (n < 16384n ? 16384n : n) }),
  i('repl-backlog-ttl', 0n, LONG_MAX, 3600, R),
  special('replicaof', '', replicaOf, { ...R, immutable: true, aliases: ['slaveof'] }),
  en('propagation-error-behavior', ['ignore', 'panic', 'panic-on-replicas'], 'ignore', R),
  special('client-output-buffer-limit', outputBufferLimitDefault, outputBufferLimit, {
    note: 'Catena closes any client whose unsent output exceeds a fixed limit (limits.ts); these class limits are not used.',
  }),

  // Cluster.
  b('cluster-enabled', 'no', IMM(C)),
  b('cluster-require-full-coverage', 'yes', C),
  b('cluster-replica-no-failover', 'no', { ...C, aliases: ['cluster-slave-no-failover'] }),
  b('cluster-allow-reads-when-down', 'no', C),
  b('cluster-allow-pubsubshard-when-down', 'yes', C),
  b('cluster-allow-replica-migration', 'yes', C),
  str('cluster-config-file', 'nodes.conf', IMM(C)),
  str('cluster-announce-ip', '', C),
  str('cluster-announce-hostname', '', C, hostname),
  en('cluster-preferred-endpoint-type', ['ip', 'hostname', 'unknown-endpoint'], 'ip', C),
  i('cluster-replica-validity-factor', 0n, INT_MAX, 10, { ...C, aliases: ['cluster-slave-validity-factor'] }),
  i('cluster-migration-barrier', 0n, INT_MAX, 1, C),
  i('cluster-port', 0n, 65535n, 0, IMM(C)),
  i('cluster-announce-bus-port', 0n, 65535n, 0, C),
  i('cluster-announce-port', 0n, 65535n, 0, C),
  i('cluster-announce-tls-port', 0n, 65535n, 0, C),
  i('cluster-node-timeout', 0n, LLONG_MAX, 15000, C),
  mem('cluster-link-sendbuf-limit', 0n, ULLONG_MAX, 0, C, { unsigned: true }),

  // Memory and eviction.
  i('maxmemory-samples', 1n, INT_MAX, 5, M),
  i('maxmemory-eviction-tenacity', 0n, 100n, 10, M),
  mem('maxmemory-clients', -100n, LONG_MAX, 0, M, { percent: true }),
  i('lfu-log-factor', 0n, INT_MAX, 10, M),
  i('lfu-decay-time', 0n, INT_MAX, 1, M),
  b('lazyfree-lazy-eviction', 'no', M),
  b('lazyfree-lazy-expire', 'no', { note: 'Expired keys are deleted synchronously.' }),
  b('lazyfree-lazy-server-del', 'no', { note: 'Deletes are synchronous.' }),
  b('lazyfree-lazy-user-del', 'no', { note: 'DEL is synchronous (UNLINK too).' }),
  b('lazyfree-lazy-user-flush', 'no', { note: 'FLUSHALL/FLUSHDB are synchronous.' }),
  b('activedefrag', 'no', { note: 'There is no allocator to defragment: enabling it is refused as by a Redis without defrag support.' }, activeDefrag),
  i('active-defrag-cycle-min', 1n, 99n, 1, TU),
  i('active-defrag-cycle-max', 1n, 99n, 25, TU),
  i('active-defrag-threshold-lower', 0n, 1000n, 10, TU),
  i('active-defrag-threshold-upper', 0n, 1000n, 100, TU),
  i('active-defrag-max-scan-fields', 1n, LONG_MAX, 1000, TU),
  mem('active-defrag-ignore-bytes', 1n, LLONG_MAX, 104857600, TU, { unsigned: true }),
  b('jemalloc-bg-thread', 'yes', TU),
  en('oom-score-adj', ['no', 'yes', 'relative', 'absolute'], 'no', PR, { relative: 'yes' }),
  special('oom-score-adj-values', '0 200 800', oomScoreAdjValues, PR),

  // Encodings.
  i('hash-max-listpack-entries', 0n, LONG_MAX, 512, { ...E, aliases: ['hash-max-ziplist-entries'] }, { unsigned: true }),
  mem('hash-max-listpack-value', 0n, LONG_MAX, 64, { ...E, aliases: ['hash-max-ziplist-value'] }, { unsigned: true }),
  i('list-max-listpack-size', INT_MIN, INT_MAX, -2, { ...L, aliases: ['list-max-ziplist-size'] }),
  i('list-compress-depth', 0n, INT_MAX, 0, L),
  i('set-max-intset-entries', 0n, LONG_MAX, 512, E, { unsigned: true }),
  i('zset-max-listpack-entries', 0n, LONG_MAX, 128, { ...E, aliases: ['zset-max-ziplist-entries'] }, { unsigned: true }),
  mem('zset-max-listpack-value', 0n, LONG_MAX, 64, { ...E, aliases: ['zset-max-ziplist-value'] }, { unsigned: true }),
  mem('hll-sparse-max-bytes', 0n, LONG_MAX, 3000, E, { unsigned: true }),
  i('stream-node-max-entries', 0n, LLONG_MAX, 100, { note: 'Streams are not implemented yet.' }),
  mem('stream-node-max-bytes', 0n, LONG_MAX, 4096, { note: 'Streams are not implemented yet.' }, { unsigned: true }),

  // Clients, scripting, tracking, latency.
  i('tcp-keepalive', 0n, INT_MAX, 300, TU),
  i('tcp-backlog', 0n, INT_MAX, 511, IMM(TU)),
  b('protected-mode', 'yes', { note: 'Catena binds to 127.0.0.1 by default instead of refusing remote clients.' }),
  i('tracking-table-max-keys', 0n, LONG_MAX, 1000000, { note: why.tracking }, { unsigned: true }),
  i('busy-reply-threshold', 0n, LONG_MAX, 5000, { note: why.scripting, aliases: ['lua-time-limit'] }),
  b('latency-tracking', 'yes', { note: why.latency }),
  special('latency-tracking-info-percentiles', '50 99 99.9', percentiles, { note: why.latency }),
  i('active-expire-effort', 1n, 10n, 1, { note: 'Active expiry samples a fixed number of keys per cycle (limits.ts).' }),
  b('activerehashing', 'yes', TU),
  b('dynamic-hz', 'yes', TU),
  i('io-threads', 1n, 128n, 1, IMM(TU)),
  b('io-threads-do-reads', 'no', IMM(TU)),
  str('aclfile', '', IMM({ note: why.acl })),
  i('acllog-max-len', 0n, LONG_MAX, 128, { note: why.acl }),
  en('acl-pubsub-default', ['allchannels', 'resetchannels'], 'resetchannels', { note: why.acl }),
  str('ignore-warnings', '', TU),
  str('bind-source-addr', '', R),
  i('shutdown-timeout', 0n, INT_MAX, 10, { note: 'SHUTDOWN closes the node at once: there is no replica to wait for.' }),
  special('shutdown-on-sigint', 'default', shutdownFlags, PR),
  special('shutdown-on-sigterm', 'default', shutdownFlags, PR),
  i('watchdog-period', 0n, INT_MAX, 0, { ...TU, hidden: true }),
  b('use-exit-on-panic', 'no', { ...TU, hidden: true }),

  // Process.
  b('daemonize', 'no', IMM(PR)),
  b('always-show-logo', 'no', IMM(PR)),
  b('set-proc-title', 'yes', IMM(PR)),
  b('syslog-enabled', 'no', IMM(PR)),
  b('crash-log-enabled', 'yes', PR),
  b('crash-memcheck-enabled', 'yes', PR),
  b('disable-thp', 'yes', IMM(PR)),
  str('unixsocket', '', IMM({ note: 'Catena listens on TCP only.' })),
  i('unixsocketperm', 0n, 511n, 0, IMM({ note: 'Catena listens on TCP only.' })),
  str('pidfile', '', IMM(PR)),
  str('syslog-ident', 'redis', IMM(PR)),
  str('logfile', '', IMM(PR)),
  en('syslog-facility', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], 'local0', IMM(PR)),
  en('supervised', ['upstart', 'systemd', 'auto', 'no'], 'no', IMM(PR)),
  en('loglevel', ['debug', 'verbose', 'notice', 'warning'], 'notice', PR),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', PR, procTitleTemplate),
  str('server_cpulist', '', IMM(PR)),
  str('bio_cpulist', '', IMM(PR)),
  str('aof_rewrite_cpulist', '', IMM(PR)),
  str('bgsave_cpulist', '', IMM(PR)),
  i('socket-mark-id', 0n, UINT_MAX, 0, IMM(TU), { unsigned: true }),

  // TLS.
  i('tls-port', 0n, 65535n, 0, T),
  i('tls-session-cache-size', 0n, INT_MAX, 20480, T),
  i('tls-session-cache-timeout', 0n, INT_MAX, 300, T),
  b('tls-cluster', 'no', T),
  b('tls-replication', 'no', T),
  en('tls-auth-clients', ['no', 'yes', 'optional'], 'yes', T),
  b('tls-prefer-server-ciphers', 'no', T),
  b('tls-session-caching', 'yes', T),
  str('tls-cert-file', '', T),
  str('tls-key-file', '', T),
  str('tls-key-file-pass', '', T),
  str('tls-client-cert-file', '', T),
  str('tls-client-key-file', '', T),
  str('tls-client-key-file-pass', '', T),
  str('tls-dh-params-file', '', T),
  str('tls-ca-cert-file', '', T),
  str('tls-ca-cert-dir', '', T),
  str('tls-protocols', '', T),
  str('tls-ciphers', '', T),
  str('tls-ciphersuites', '', T),
];

/** The parameters behind the keyspace's encoding thresholds (Keyspace.encoding). */
export const encodingParams: Array<[string, keyof EncodingLimits]> = [
  ['hash-max-listpack-entries', 'hashMaxListpackEntries'],
  ['hash-max-listpack-value', 'hashMaxListpackValue'],
  ['set-max-intset-entries', 'setMaxIntsetEntries'],
  ['zset-max-listpack-entries', 'zsetMaxListpackEntries'],
  ['zset-max-listpack-value', 'zsetMaxListpackValue'],
  ['list-max-listpack-size', 'listMaxListpackSize'],
  ['list-compress-depth', 'listCompressDepth'],
  ['hll-sparse-max-bytes', 'hllSparseMaxBytes'],
];

/** Keep the keyspace's encoding thresholds equal to their CONFIG values, now and after CONFIG SET. */
export function bindEncodingLimits(config: ConfigRegistry, ks: Keyspace): void {
  for (const [param, field] of encodingParams) {
    ks.encoding[field] = config.getNumber(param);
    config.onChange(param, (v) => {
      ks.encoding[field] = Number(v);
    });
  }
}
