/**
 * Server commands (Redis 7.0 server.c, config.c, slowlog.c, object.c, latency.c, debug.c,
 * functions.c): INFO, CONFIG, COMMAND, SLOWLOG, MEMORY, TIME, LATENCY, MONITOR, DEBUG,
 * SHUTDOWN, ROLE, WAIT, FUNCTION (none loaded), and honest answers for what Catena does not
 * do (RDB/AOF saves, Redis replication, modules). Node-local: they read and change the
 * server's config, counters and sessions; only MEMORY USAGE reads the keyspace (as a data
 * command). Nothing here writes the keyspace.
 */
import type { CommandDef, CommandSpec } from './spec';
import { keyIndexes } from './spec';
import type { Session } from '../server/session';
import type { CatenaServer } from '../server/server';
import type { Typed } from '../resp/decoder';
import { helpReply } from './connection';
import { redisVersion } from './table';
import { infoSections, infoText, resetInfoMetrics } from '../server/info';
import { unixTimeUs } from '../server/slowlog';
import { memoryUsage, dictOverhead } from '../engine/memory';
import { stringMatch } from '../engine/glob';
import { crc64LE } from '../engine/crc64';
import { rdbVersion } from '../engine/rdb';
import { parseInt64 } from '../resp/format';
import { err } from '../resp/errors';
import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NO_REPLY,
  NULL_ARRAY,
  OK,
  PushReply,
  type Reply,
  SetReply,
  StatusReply,
  VerbatimReply,
} from '../resp/reply';

function int64(s: string): bigint | null {
  const n = parseInt64(s);
  return n === null ? null : BigInt(n);
}

/** A typed RESP tree (command metadata from Redis) as a Reply, keeping every RESP3 type. */
export function typedToReply(t: Typed): Reply {
  if (t === null || typeof t === 'string' || typeof t === 'number') return t;
  if (Array.isArray(t)) return t.map(typedToReply);
  if ('s' in t) return new StatusReply(t.s);
  if ('e' in t) return new ErrorReply(t.e);
  if ('m' in t) return new MapReply(t.m.map(typedToReply));
  if ('set' in t) return new SetReply(t.set.map(typedToReply));
  if ('d' in t) return new DoubleReply(Number(t.d));
  if ('b' in t) return new BoolReply(t.b);
  if ('v' in t) return new VerbatimReply(t.f, t.v);
  if ('p' in t) return new PushReply(t.p.map(typedToReply));
  if ('big' in t) return BigInt(t.big);
  return NULL_ARRAY;
}

/** Redis allowProtectedAction: "yes", or "local" for a loopback client. */
function allowProtected(setting: string, s: Session): boolean {
  if (setting === 'yes') return true;
  if (setting !== 'local') return false;
  const a = s.socket.remoteAddress ?? '';
  return a.startsWith('127.') || a === '::1' || a.startsWith('::ffff:127.');
}

// --- COMMAND ---

/** Redis lookupCommandBySds: "name" or "container|sub", case-insensitive. */
function lookupByFullName(server: CatenaServer, name: string): CommandSpec | undefined {
  const parts = name.toLowerCase().split('|');
  if (parts.length > 2) return undefined;
  const top = server.table.get(parts[0] as string);
  if (parts.length === 1 || top === undefined) return top;
  return top.subcommands?.get(parts[1] as string);
}

/** Every command and subcommand, parents before their subcommands. */
function allSpecs(server: CatenaServer): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const spec of server.table.values()) {
    out.push(spec);
    if (spec.subcommands) out.push(...spec.subcommands.values());
  }
  return out;
}

/** COMMAND DOCS entry; a container lists only the subcommands Catena implements. */
function docsOf(spec: CommandSpec): Reply {
  const docs = spec.docs;
  if (spec.subcommands === null || docs === null || typeof docs !== 'object' || !('m' in docs)) return typedToReply(docs);
  const flat: Reply[] = [];
  let hadSubs = false;
  for (let i = 0; i < docs.m.length; i += 2) {
    if (docs.m[i] === 'subcommands') {
      hadSubs = true;
      flat.push('subcommands', subDocs(spec));
    } else flat.push(typedToReply(docs.m[i] as Typed), typedToReply(docs.m[i + 1] as Typed));
  }
  if (!hadSubs) flat.push('subcommands', subDocs(spec));
  return new MapReply(flat);
}

function subDocs(spec: CommandSpec): Reply {
  const flat: Reply[] = [];
  for (const sub of spec.subcommands?.values() ?? []) flat.push(sub.name, typedToReply(sub.docs));
  return new MapReply(flat);
}

interface KeySpecHit {
  pos: number;
  flags: Typed;
}

function field(m: Typed, name: string): Typed | undefined {
  if (m === null || typeof m !== 'object' || !('m' in m)) return undefined;
  for (let i = 0; i < m.m.length; i += 2) if (m.m[i] === name) return m.m[i + 1];
  return undefined;
}

/**
 * Redis getKeysUsingKeySpecs: the key positions the command's key specs find, with each
 * spec's flags; null when a spec cannot be applied to these arguments (invalid_spec).
 */
function keysFromSpecs(spec: CommandSpec, args: string[]): KeySpecHit[] | null {
  const specsTyped = (spec.info as Typed[])[8];
  const specs: Typed[] = Array.isArray(specsTyped) ? specsTyped : specsTyped !== null && typeof specsTyped === 'object' && 'set' in specsTyped ? specsTyped.set : [];
  const argc = args.length;
  const out: KeySpecHit[] = [];
  for (const ks of specs) {
    const flags = field(ks, 'flags') ?? { set: [] };
    const bs = field(ks, 'begin_search');
    const fk = field(ks, 'find_keys');
    const bsType = field(bs ?? null, 'type');
    const bsSpec = field(bs ?? null, 'spec') ?? null;
    let first = 0;
    if (bsType === 'index') first = Number(field(bsSpec, 'index'));
    else if (bsType === 'keyword') {
      const keyword = String(field(bsSpec, 'keyword')).toLowerCase();
      const startfrom = Number(field(bsSpec, 'startfrom'));
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 0;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if ((args[i] as string).toLowerCase() === keyword) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    } else return null;
    const fkType = field(fk ?? null, 'type');
    const fkSpec = field(fk ?? null, 'spec') ?? null;
    let last: number;
    let step: number;
    if (fkType === 'range') {
      const lastkey = Number(field(fkSpec, 'lastkey'));
      const limit = Number(field(fkSpec, 'limit'));
      step = Number(field(fkSpec, 'keystep'));
      if (lastkey >= 0) last = first + lastkey;
      else if (limit === 0) last = argc + lastkey;
      else last = first + (Math.floor((argc - first) / limit) + lastkey);
    } else if (fkType === 'keynum') {
      const idx = Number(field(fkSpec, 'keynumidx'));
      if (first + idx >= argc) return null;
      const n = int64(args[first + idx] as string);
      if (n === null || n < 0n) return null;
      first += Number(field(fkSpec, 'firstkey'));
      step = Number(field(fkSpec, 'keystep'));
      last = first + Number(n) - 1;
    } else return null;
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) continue;
      out.push({ pos: i, flags });
    }
  }
  return out;
}

function getKeys(server: CatenaServer, args: string[], withFlags: boolean): Reply {
  const cmdArgs = args.slice(2);
  let spec = server.table.get((cmdArgs[0] as string).toLowerCase());
  if (spec !== undefined && spec.subcommands !== null && cmdArgs.length > 1) spec = spec.subcommands.get((cmdArgs[1] as string).toLowerCase());
  if (spec === undefined) return err.invalidCommandSpecified;
  const specsTyped = (spec.info as Typed[])[8];
  const hasSpecs = Array.isArray(specsTyped) ? specsTyped.length > 0 : specsTyped !== null && typeof specsTyped === 'object' && 'set' in specsTyped && specsTyped.set.length > 0;
  if (!hasSpecs && spec.keys === undefined) return err.commandHasNoKeys;
  if ((spec.arity > 0 && spec.arity !== cmdArgs.length) || cmdArgs.length < -spec.arity) return err.invalidNumberOfArgs;
  const hits = keysFromSpecs(spec, cmdArgs);
  if (hits === null || hits.length === 0) {
    if (spec.flags.has('no_mandatory_keys')) return [];
    if (hits === null || spec.keys === undefined) return hits === null ? err.invalidArgsForCommand : [];
  }
  // Positions: the family's key function when it has one (movable keys), else the specs'.
  const positions = spec.keys !== undefined ? keyIndexes(spec, cmdArgs) : hits.map((h) => h.pos);
  const flagsAt = new Map<number, Typed>();
  for (const h of hits) if (!flagsAt.has(h.pos)) flagsAt.set(h.pos, h.flags);
  const variable = variableKeyFlags(spec.name, cmdArgs);
  if (variable !== null) flagsAt.set(1, variable);
  return positions.map((p) => {
    const key = cmdArgs[p] as string;
    if (!withFlags) return key;
    return [key, typedToReply(flagsAt.get(p) ?? hits[0]?.flags ?? { set: [] })];
  });
}

/**
 * The key flags of the two Redis 7.0 commands whose key spec says variable_flags, as their
 * getkeys procs decide them (setGetKeys, bitfieldGetKeys).
 */
function variableKeyFlags(name: string, args: string[]): Typed | null {
  const flags = (...f: string[]): Typed => ({ set: f.map((x) => ({ s: x })) });
  if (name === 'set') {
    for (let i = 3; i < args.length; i++) if ((args[i] as string).toLowerCase() === 'get') return flags('RW', 'access', 'update');
    return flags('OW', 'update');
  }
  if (name === 'bitfield') {
    for (let i = 2; i < args.length; i++) {
      const a = (args[i] as string).toLowerCase();
      const rem = args.length - i - 1;
      if (a === 'get' && rem >= 2) i += 2;
      else if (a === 'overflow' && rem >= 1) i += 1;
      else return flags('RW', 'access', 'update');
    }
    return flags('RO', 'access');
  }
  return null;
}

function commandList(server: CatenaServer, args: string[]): Reply {
  if (args.length === 2) return allSpecs(server).map((s) => s.name);
  if (args.length !== 5 || (args[2] as string).toLowerCase() !== 'filterby') return err.syntax;
  const kind = (args[3] as string).toLowerCase();
  const arg = args[4] as string;
  let match: (s: CommandSpec) => boolean;
  if (kind === 'module') match = () => false;
  else if (kind === 'aclcat') {
    const cat = `@${arg.toLowerCase()}`;
    match = (s) => s.acl.includes(cat);
  } else if (kind === 'pattern') match = (s) => stringMatch(arg, s.name, true);
  else return err.syntax;
  return allSpecs(server)
    .filter(match)
    .map((s) => s.name);
}

const COMMAND_HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

// --- CONFIG ---

const CONFIG_HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

function configValue(server: CatenaServer, name: string): string {
  // The port CONFIG reports is the one the node listens on (port 0 asks the OS for one).
  if (name === 'port') return String(server.port);
  return server.config.get(name);
}

/** Redis configGetCommand: exact names as typed, patterns against every visible name and alias. */
function configGet(server: CatenaServer, args: string[]): Reply {
  const matches = new Map<string, [string, string]>();
  for (const pattern of args.slice(2)) {
    if (!/[[*?]/.test(pattern)) {
      const def = server.config.def(pattern);
      if (def !== undefined && !matches.has(pattern.toLowerCase())) matches.set(pattern.toLowerCase(), [pattern, def.name]);
      continue;
    }
    for (const [name, def] of server.config.names()) {
      if (def.hidden || matches.has(name)) continue;
      if (stringMatch(pattern, name, true)) matches.set(name, [name, def.name]);
    }
  }
  const flat: Reply[] = [];
  for (const [shown, canonical] of matches.values()) flat.push(shown, configValue(server, canonical));
  return new MapReply(flat);
}

/**
 * Redis configSetCommand: all pairs are checked (unknown names, immutable and protected
 * parameters, duplicates) and parsed before any is stored, so a failure changes nothing;
 * the first problem is the one reported.
 */
function configSet(s: Session, server: CatenaServer, args: string[]): Reply {
  if (args.length % 2 !== 0) return err.syntax;
  const seen = new Set<string>();
  const pending: Array<{ name: string; typed: string; value: string }> = [];
  for (let i = 2; i < args.length; i += 2) {
    const typed = args[i] as string;
    const def = server.config.def(typed);
    if (def === undefined) return err.unsupportedConfig(typed);
    if (def.immutable) return err.configSetFailed(typed, "can't set immutable config");
    if (def.protected && !allowProtected(server.config.get('enable-protected-configs'), s)) {
      return err.configSetFailed(typed, "can't set protected config");
    }
    // Redis compares registered entries: an alias and its canonical name are not duplicates.
    const registered = typed.toLowerCase();
    if (seen.has(registered)) return err.configSetFailed(typed, 'duplicate parameter');
    seen.add(registered);
    pending.push({ name: def.name, typed: registered, value: args[i + 1] as string });
  }
  // Stored as given (setRaw canonicalises it again): listeners see the value as typed.
  const parsed: Array<{ name: string; value: string }> = [];
  for (const p of pending) {
    const def = server.config.def(p.name);
    let value = p.value;
    // client-output-buffer-limit changes only the classes given.
    if (p.name === 'client-output-buffer-limit' && value !== '') value = `${server.config.get(p.name)} ${value}`;
    if (p.name === 'client-output-buffer-limit' && value === '') value = server.config.get(p.name);
    const r = def?.parse ? def.parse(value) : { ok: value };
    if ('error' in r) return err.configSetFailed(p.typed, r.error);
    parsed.push({ name: p.name, value });
  }
  for (const p of parsed) server.config.setRaw(p.name, p.value);
  return OK;
}

// --- MEMORY ---

const MEMORY_HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

/** Redis memoryCommand STATS: the same fields, from the node's measured memory and the keyspace. */
function memoryStats(server: CatenaServer): Reply {
  const mu = process.memoryUsage();
  const used = mu.heapUsed + mu.external;
  let keys = 0;
  const flat: Reply[] = [
    'peak.allocated',
    used,
    'total.allocated',
    used,
    'startup.allocated',
    0,
    'replication.backlog',
    0,
    'clients.slaves',
    0,
    'clients.normal',
    0,
    'cluster.links',
    0,
    'aof.buffer',
    0,
    'lua.caches',
    0,
    'functions.caches',
    0,
  ];
  let overhead = 0;
  server.ks.dbs.forEach((db, i) => {
    if (db.size === 0) return;
    keys += db.size;
    const main = dictOverhead(db.size);
    const expires = dictOverhead(db.expires.size);
    overhead += main + expires;
    flat.push(`db.${i}`, new MapReply(['overhead.hashtable.main', main, 'overhead.hashtable.expires', expires, 'overhead.hashtable.slot-to-keys', 0]));
  });
  const dataset = Math.max(0, used - overhead);
  flat.push(
    'overhead.total',
    overhead,
    'keys.count',
    keys,
    'keys.bytes-per-key',
    keys === 0 ? 0 : Math.floor(used / keys),
    'dataset.bytes',
    dataset,
    'dataset.percentage',
    new DoubleReply(used === 0 ? 0 : (dataset * 100) / used),
    'peak.percentage',
    new DoubleReply(100),
    'allocator.allocated',
    mu.heapUsed,
    'allocator.active',
    mu.heapTotal,
    'allocator.resident',
    mu.rss,
    'allocator-fragmentation.ratio',
    new DoubleReply(mu.heapTotal / Math.max(1, mu.heapUsed)),
    'allocator-fragmentation.bytes',
    mu.heapTotal - mu.heapUsed,
    'allocator-rss.ratio',
    new DoubleReply(mu.rss / Math.max(1, mu.heapTotal)),
    'allocator-rss.bytes',
    mu.rss - mu.heapTotal,
    'rss-overhead.ratio',
    new DoubleReply(1),
    'rss-overhead.bytes',
    0,
    'fragmentation',
    new DoubleReply(mu.rss / Math.max(1, used)),
    'fragmentation.bytes',
    mu.rss - used,
  );
  return new MapReply(flat);
}

/** The dataset's estimated bytes, counted only up to `limit` (so the walk stops early). */
function datasetBytesAtLeast(server: CatenaServer, limit: number): number {
  let total = 0;
  for (const db of server.ks.dbs) {
    for (const [key, value] of db.data.entries()) {
      total += memoryUsage(key, value, 5);
      if (total >= limit) return total;
    }
  }
  return total;
}

/** Redis getMemoryDoctorReport: below 5 MB it declines; Catena finds nothing it can diagnose. */
function memoryDoctor(server: CatenaServer): string {
  // Redis declines when used_memory is under 5 MB — an instance holding (almost) no data. A
  // node process is never that small, so Catena applies the threshold to its dataset, as
  // MEMORY USAGE estimates it (stopping as soon as 5 MB is reached), which is deterministic.
  if (datasetBytesAtLeast(server, 5 * 1024 * 1024) < 5 * 1024 * 1024) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
  }
  return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
}

// --- LATENCY, FUNCTION, MODULE, DEBUG help texts ---

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

const MODULE_HELP = [
  'LIST',
  '    Return a list of loaded modules.',
  'LOAD <path> [<arg> ...]',
  '    Load a module library from <path>, passing to it any optional arguments.',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Load a module library from <path>, while passing it module configurations and optional arguments.',
  'UNLOAD <name>',
  '    Unload a module.',
];

const DEBUG_HELP = [
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  '    (Catena: delays this client\'s reply only; the node keeps serving others.)',
];

/** The payload FUNCTION DUMP gives when no library is loaded: RDB version and CRC64 only. */
function emptyFunctionsPayload(): string {
  const body = Buffer.from([rdbVersion & 0xff, (rdbVersion >> 8) & 0xff]);
  return Buffer.concat([body, crc64LE(body)]).toString('latin1');
}

/** Redis getTimeoutFromObjectOrReply(UNIT_MILLISECONDS) for WAIT: ms, or the error. */
function msTimeout(v: string): number | ErrorReply {
  const n = int64(v);
  if (n === null) return err.timeoutNotInteger;
  if (n < 0n) return err.timeoutNegative;
  return Number(n);
}

export const commands: CommandDef[] = [
  {
    name: 'info',
    node: (_s, args, server) => new VerbatimReply('txt', infoText(server, infoSections(args.slice(1)))),
  },
  {
    name: 'time',
    node: () => {
      const us = unixTimeUs();
      return [String(Math.floor(us / 1e6)), String(us % 1e6)];
    },
  },
  { name: 'lastsave', node: (_s, _args, server) => Math.floor(server.startMs / 1000) },
  // Catena has no RDB/AOF files: data is made durable by its storage backends as it is applied.
  { name: 'save', node: () => err.notImplemented('SAVE') },
  { name: 'bgsave', node: () => err.notImplemented('BGSAVE') },
  { name: 'bgrewriteaof', node: () => err.notImplemented('BGREWRITEAOF') },
  { name: 'role', node: () => ['master', 0, []] },
  {
    // A standalone Redis has no replica to acknowledge: 0, after the timeout when more are asked for.
    name: 'wait',
    node: (s, args, server) => {
      const n = int64(args[1] as string);
      if (n === null) return err.notInteger;
      const timeout = msTimeout(args[2] as string);
      if (timeout instanceof ErrorReply) return timeout;
      if (n <= 0n || s.multi !== null || server.inExec) return 0;
      s.pause();
      return new Promise<Reply>((resolve) => {
        if (timeout === 0) return; // blocks until the client goes away, as Redis's WAIT
        setTimeout(() => {
          s.resume();
          resolve(0);
        }, timeout).unref();
      });
    },
  },
  {
    name: 'lolwut',
    node: (_s, args) => {
      for (let j = 1; j < args.length; j++) {
        if ((args[j] as string).toLowerCase() === 'version' && j + 1 < args.length) {
          if (int64(args[j + 1] as string) === null) return err.notInteger;
          j++;
        }
      }
      return new VerbatimReply('txt', `Redis ver. ${redisVersion}\n`);
    },
  },
  {
    name: 'monitor',
    node: (s, _args, server) => {
      // Inside EXEC a client expects one reply per command (Redis CLIENT_DENY_BLOCKING).
      if (server.inExec) return err.monitorDenyBlocking;
      server.slowlog.monitors.add(s);
      return OK;
    },
  },
  {
    // Redis shutdownCommand's options; the node then closes every connection and its
    // listener without replying, as a Redis that shut down does.
    name: 'shutdown',
    node: (_s, args, server) => {
      let save = false;
      let nosave = false;
      let flags = 0;
      let abort = false;
      for (const a of args.slice(1)) {
        const o = a.toLowerCase();
        if (o === 'abort') abort = true;
        else if (o === 'nosave' || o === 'save' || o === 'now' || o === 'force') {
          flags++;
          if (o === 'nosave') nosave = true;
          if (o === 'save') save = true;
        } else return err.syntax;
      }
      if ((abort && flags > 0) || (save && nosave)) return err.syntax;
      if (abort) return err.noShutdownInProgress;
      server.log('User requested shutdown...');
      setImmediate(() => void server.close());
      return NO_REPLY;
    },
  },
  { name: 'replicaof', node: (_s, args) => replicaOf(args) },
  { name: 'slaveof', node: (_s, args) => replicaOf(args) },
  { name: 'failover', node: (_s, args) => (args.some((a) => a.toLowerCase() === 'abort') ? err.noFailoverInProgress : err.failoverNeedsReplicas) },
  { name: 'sync', node: () => err.notImplemented('SYNC') },
  { name: 'psync', node: () => err.notImplemented('PSYNC') },

  // COMMAND
  { name: 'command', node: (_s, _args, server) => [...server.table.values()].map((s) => typedToReply(s.info)) },
  { name: 'command|help', node: () => helpReply('command', COMMAND_HELP) },
  { name: 'command|count', node: (_s, _args, server) => server.table.size },
  { name: 'command|list', node: (_s, args, server) => commandList(server, args) },
  {
    name: 'command|info',
    node: (_s, args, server) => {
      if (args.length === 2) return [...server.table.values()].map((s) => typedToReply(s.info));
      return args.slice(2).map((n) => {
        const spec = lookupByFullName(server, n);
        return spec === undefined ? null : typedToReply(spec.info);
      });
    },
  },
  {
    name: 'command|docs',
    node: (_s, args, server) => {
      const flat: Reply[] = [];
      const specs = args.length === 2 ? [...server.table.values()] : args.slice(2).map((n) => lookupByFullName(server, n));
      for (const spec of specs) if (spec !== undefined) flat.push(spec.name, docsOf(spec));
      return new MapReply(flat);
    },
  },
  { name: 'command|getkeys', node: (_s, args, server) => getKeys(server, args, false) },
  { name: 'command|getkeysandflags', node: (_s, args, server) => getKeys(server, args, true) },

  // CONFIG
  { name: 'config|help', node: () => helpReply('config', CONFIG_HELP) },
  { name: 'config|get', node: (_s, args, server) => configGet(server, args) },
  { name: 'config|set', node: (s, args, server) => configSet(s, server, args) },
  {
    name: 'config|resetstat',
    node: (_s, _args, server) => {
      server.stats.reset();
      server.engine.stats.reset();
      // Byte counters of open connections restart from zero too (INFO adds them to the total).
      for (const c of server.sessions.values()) {
        server.stats.netInputBytes -= c.bytesIn;
        server.stats.netOutputBytes -= c.bytesOut;
      }
      resetInfoMetrics(server);
      return OK;
    },
  },
  // The node is configured by flags and a file read once at start-up; it does not write it back.
  { name: 'config|rewrite', node: () => err.noConfigFile },

  // SLOWLOG
  { name: 'slowlog|help', node: () => helpReply('slowlog', SLOWLOG_HELP) },
  {
    name: 'slowlog|get',
    node: (_s, args, server) => {
      if (args.length > 3) return err.unknownSubcommandOrArity(args[1] as string, 'slowlog');
      let count = 10;
      if (args.length === 3) {
        const n = int64(args[2] as string);
        if (n === null || n < -1n) return err.slowlogCount;
        count = n > 2147483647n ? 2147483647 : Number(n);
      }
      return server.slowlog.get(count);
    },
  },
  { name: 'slowlog|len', node: (_s, _args, server) => server.slowlog.length },
  {
    name: 'slowlog|reset',
    node: (_s, _args, server) => {
      server.slowlog.reset();
      return OK;
    },
  },

  // MEMORY
  { name: 'memory|help', node: () => helpReply('memory', MEMORY_HELP) },
  {
    // Redis reads the dict entry without an expiry check (dbFind), so a logically expired key
    // not yet deleted still reports its size.
    name: 'memory|usage',
    data: (x, args) => {
      let samples = 5;
      for (let j = 3; j < args.length; j++) {
        if ((args[j] as string).toLowerCase() === 'samples' && j + 1 < args.length) {
          const n = int64(args[j + 1] as string);
          if (n === null) return err.notInteger;
          if (n < 0n) return err.syntax;
          samples = n === 0n ? 0 : Number(n);
          j++;
        } else return err.syntax;
      }
      const key = args[2] as string;
      const v = x.db.data.get(key);
      return v === undefined ? null : memoryUsage(key, v, samples);
    },
  },
  { name: 'memory|stats', node: (_s, _args, server) => memoryStats(server) },
  { name: 'memory|doctor', node: (_s, _args, server) => new VerbatimReply('txt', memoryDoctor(server)) },
  // Redis's answer when its allocator is not jemalloc: the node's heap is V8's.
  { name: 'memory|malloc-stats', node: () => new VerbatimReply('txt', 'Stats not supported for the current allocator') },
  { name: 'memory|purge', node: () => OK },

  // LATENCY: Catena runs no latency monitor, so there are no events (as a Redis with
  // latency-monitor-threshold 0), and it keeps call counts but no latency histograms.
  { name: 'latency|help', node: () => helpReply('latency', LATENCY_HELP) },
  { name: 'latency|latest', node: () => [] },
  { name: 'latency|history', node: () => [] },
  { name: 'latency|reset', node: () => 0 },
  { name: 'latency|graph', node: (_s, args) => err.noLatencySamples(args[2] as string) },
  {
    name: 'latency|doctor',
    node: (_s, _args, server) =>
      new VerbatimReply(
        'txt',
        server.config.get('latency-monitor-threshold') === '0'
          ? 'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n'
          : 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep a bit more.\n',
      ),
  },
  {
    name: 'latency|histogram',
    node: (_s, args, server) => {
      const names = args.length > 2 ? args.slice(2).map((n) => n.toLowerCase()) : null;
      const flat: Reply[] = [];
      for (const [name, st] of server.stats.commands) {
        if (st.calls === 0 || (names !== null && !names.includes(name) && !names.includes(name.split('|')[0] as string))) continue;
        flat.push(name, new MapReply(['calls', st.calls, 'histogram_usec', new MapReply([])]));
      }
      return new MapReply(flat);
    },
  },

  // FUNCTION: Catena runs no Lua, so no library is ever loaded.
  { name: 'function|help', node: () => helpReply('function', FUNCTION_HELP) },
  {
    name: 'function|list',
    node: (_s, args) => {
      let withCode = false;
      let libName = false;
      for (let i = 2; i < args.length; i++) {
        const a = (args[i] as string).toLowerCase();
        if (!withCode && a === 'withcode') withCode = true;
        else if (!libName && a === 'libraryname') {
          if (i >= args.length - 1) return err.libraryNameMissing;
          libName = true;
          i++;
        } else return err.unknownArgument(args[i] as string);
      }
      return [];
    },
  },
  {
    name: 'function|flush',
    node: (_s, args) => {
      if (args.length === 3) {
        const mode = (args[2] as string).toLowerCase();
        if (mode !== 'sync' && mode !== 'async') return err.functionFlushMode;
      }
      return OK;
    },
  },
  {
    name: 'function|stats',
    node: () => new MapReply(['running_script', null, 'engines', new MapReply(['LUA', new MapReply(['libraries_count', 0, 'functions_count', 0])])]),
  },
  { name: 'function|dump', node: () => emptyFunctionsPayload() },
  {
    name: 'function|restore',
    node: (_s, args) => {
      if (args.length === 4) {
        const p = (args[3] as string).toLowerCase();
        if (p !== 'flush' && p !== 'append' && p !== 'replace') return err.restorePolicy;
      }
      return args[2] === emptyFunctionsPayload() ? OK : err.dumpPayload;
    },
  },
  { name: 'function|kill', node: () => err.notBusy },
  { name: 'function|delete', node: () => err.libraryNotFound },
  { name: 'function|load', node: () => err.notImplemented('FUNCTION LOAD') },

  // MODULE: none can be loaded.
  { name: 'module|help', node: () => helpReply('module', MODULE_HELP) },
  { name: 'module|list', node: () => [] },
  ...['load', 'loadex', 'unload'].map(
    (sub): CommandDef => ({
      name: `module|${sub}`,
      node: (s, _args, server) =>
        allowProtected(server.config.get('enable-module-command'), s) ? err.notImplemented(`MODULE ${sub.toUpperCase()}`) : err.protectedCommand('MODULE', 'enable-module-command'),
    }),
  ),

  {
    // DEBUG is refused unless enable-debug-command allows it, as in Redis. Catena implements
    // only SLEEP, which delays the caller's reply (it does not freeze the node).
    name: 'debug',
    node: (s, args, server) => {
      if (!allowProtected(server.config.get('enable-debug-command'), s)) return err.protectedCommand('DEBUG', 'enable-debug-command');
      const sub = (args[1] as string).toLowerCase();
      if (sub === 'help' && args.length === 2) return helpReply('debug', DEBUG_HELP);
      if (sub === 'sleep' && args.length === 3) {
        // Redis parses the seconds with strtod: anything unparsable is 0.
        const secs = Number.parseFloat(args[2] as string);
        const ms = Number.isFinite(secs) && secs > 0 ? secs * 1000 : 0;
        return new Promise<Reply>((resolve) => setTimeout(() => resolve(OK), ms).unref());
      }
      return err.unknownSubcommandOrArity(args[1] as string, 'debug');
    },
  },
];

function replicaOf(args: string[]): Reply {
  if ((args[1] as string).toLowerCase() === 'no' && (args[2] as string).toLowerCase() === 'one') return OK;
  const port = int64(args[2] as string);
  if (port === null) return err.notInteger;
  return err.notImplemented(`${(args[0] as string).toUpperCase()} <host> <port>`);
}
