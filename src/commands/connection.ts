/**
 * Connection commands (Redis 7.0 networking.c, acl.c, server.c): PING, ECHO, QUIT, RESET,
 * HELLO, AUTH, SELECT and the CLIENT family. They touch only the calling session's state
 * (protocol, database, name, auth, reply mode) and, for CLIENT LIST/KILL, other sessions;
 * never the keyspace. Catena has one user, "default", whose password is requirepass.
 */
import * as crypto from 'node:crypto';
import type { CommandDef } from './spec';
import type { Session } from '../server/session';
import type { CatenaServer } from '../server/server';
import { redisVersion } from './table';
import { discardTransaction } from './transactions';
import { parseInt64 } from '../resp/format';
import { err } from '../resp/errors';
import {
  type ErrorReply,
  MapReply,
  NO_REPLY,
  OK,
  PONG,
  PushReply,
  type Reply,
  SetReply,
  StatusReply,
  VerbatimReply,
} from '../resp/reply';

/** Redis addReplyHelp: the command's usage line, its help lines, then HELP's own. */
export function helpReply(cmd: string, lines: string[]): Reply {
  return [
    new StatusReply(`${cmd.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`),
    ...lines.map((l) => new StatusReply(l)),
    new StatusReply('HELP'),
    new StatusReply('    Prints this help.'),
  ];
}

/** Redis getLongLongFromObject: a canonical signed 64-bit integer, or null. */
function int64(s: string): bigint | null {
  const n = parseInt64(s);
  return n === null ? null : BigInt(n);
}

/** Client names and lib names: Redis accepts only '!'..'~' (so CLIENT LIST stays splittable). */
function validClientAttr(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Redis clientSetNameOrReply: "" clears the name. */
function setName(s: Session, name: string): ErrorReply | null {
  if (name.length > 0 && !validClientAttr(name)) return err.clientNameSpaces;
  s.name = name;
  return null;
}

/**
 * Redis ACLAuthenticateUser for Catena's one user: "default" with requirepass as its password
 * (no password means "nopass": any password is accepted). Compared in constant time.
 */
function authenticate(s: Session, server: CatenaServer, user: string, pass: string): boolean {
  if (user !== 'default') return false;
  const required = server.config.get('requirepass');
  if (required !== '') {
    const a = crypto.createHash('sha256').update(pass, 'latin1').digest();
    const b = crypto.createHash('sha256').update(required, 'latin1').digest();
    if (!crypto.timingSafeEqual(a, b)) return false;
  }
  s.user = 'default';
  s.setAuthenticated(true);
  return true;
}

/** Redis getClientType: pubsub when subscribed, else normal (Catena has no replica or master links). */
function clientType(s: Session): 'normal' | 'pubsub' {
  return s.subscriptionCount > 0 ? 'pubsub' : 'normal';
}

/** Redis getClientTypeByName. */
function clientTypeByName(name: string): 'normal' | 'pubsub' | 'slave' | 'master' | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'slave';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

/** The socket's file descriptor when Node exposes it (CLIENT LIST fd), else -1. */
function fdOf(s: Session): number {
  const handle = (s.socket as unknown as { _handle?: { fd?: number } })._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}

/**
 * Redis 7.0 catClientInfoString, with Redis 7.2's lib-name/lib-ver at the end (Catena has
 * CLIENT SETINFO). `current` is the command being run by `self` (Redis sets lastcmd before
 * running it, so a client listing itself shows cmd=client|list).
 */
function clientInfoLine(server: CatenaServer, c: Session, self: Session, current: string, currentArgs: string[]): string {
  const now = Date.now();
  let flags = '';
  if (server.slowlog.monitors.has(c)) flags += 'O';
  if (c.subscriptionCount > 0) flags += 'P';
  if (c.multi !== null) flags += 'x';
  const blockedIn = server.blocking.blockedCommand(c.id);
  if (blockedIn !== null) flags += 'b';
  if (c.watchDirty) flags += 'd';
  if (c.noEvict) flags += 'e';
  if (c.noTouch) flags += 'T';
  if (flags === '') flags = 'N';
  const isSelf = c === self;
  const argvMem = isSelf ? currentArgs.reduce((n, a) => n + a.length, 0) : 0;
  let multiMem = 0;
  if (c.multi !== null) for (const q of c.multi) for (const a of q.args) multiMem += a.length;
  const qbuf = c.reader.bufferedBytes;
  const omem = c.socket.writableLength;
  const totMem = qbuf + argvMem + multiMem + omem + 16384;
  const events = omem > 0 ? 'rw' : 'r';
  const cmd = isSelf ? current : (blockedIn ?? c.lastCommand);
  const idle = isSelf ? 0 : Math.floor((now - c.lastInteractionMs) / 1000);
  return (
    `id=${c.id} addr=${c.remoteAddress} laddr=${c.localAddress} fd=${fdOf(c)} name=${c.name}` +
    ` age=${Math.floor((now - c.createdMs) / 1000)} idle=${idle} flags=${flags} db=${c.db}` +
    ` sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size}` +
    ` multi=${c.multi === null ? -1 : c.multi.length} qbuf=${qbuf} qbuf-free=0 argv-mem=${argvMem}` +
    ` multi-mem=${multiMem} rbs=16384 rbp=16384 obl=0 oll=0 omem=${omem} tot-mem=${totMem}` +
    ` events=${events} cmd=${cmd} user=${c.user} redir=-1 resp=${c.proto} lib-name=${c.libName} lib-ver=${c.libVer}`
  );
}

const CLIENT_HELP = [
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  // Redis 7.0's text exactly: it does not list the 7.2 subcommands (SETINFO, NO-TOUCH).
];

/** Redis 7.2 metadata of the CLIENT subcommands Redis 7.0 lacks (src/commands/client-*.json). */
const meta72 = (summary: string, arity: number) => ({
  arity,
  flags: ['noscript', 'loading', 'stale'],
  firstKey: 0,
  lastKey: 0,
  step: 0,
  acl: ['@slow', '@connection'],
  summary,
  group: 'connection',
  since: '7.2.0',
});

function onOff(v: string): boolean | null {
  const l = v.toLowerCase();
  return l === 'on' ? true : l === 'off' ? false : null;
}

function clientKill(s: Session, args: string[], server: CatenaServer): Reply {
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: string | null = null;
  let id = 0n;
  let skipme = true;
  if (args.length === 3) {
    // Old form CLIENT KILL <addr>: the caller may kill itself.
    addr = args[2] as string;
    skipme = false;
  } else {
    for (let i = 2; i < args.length; i += 2) {
      const opt = (args[i] as string).toLowerCase();
      const more = i + 1 < args.length;
      const val = args[i + 1] as string;
      if (opt === 'id' && more) {
        const n = int64(val);
        if (n === null || n < 1n) return err.clientIdNotPositive;
        id = n;
      } else if (opt === 'type' && more) {
        type = clientTypeByName(val);
        if (type === null) return err.unknownClientType(val);
      } else if (opt === 'addr' && more) addr = val;
      else if (opt === 'laddr' && more) laddr = val;
      else if (opt === 'user' && more) {
        if (val !== 'default') return err.noSuchUser(val);
      } else if (opt === 'skipme' && more) {
        const l = val.toLowerCase();
        if (l === 'yes') skipme = true;
        else if (l === 'no') skipme = false;
        else return err.syntax;
      } else return err.syntax;
    }
  }
  let killed = 0;
  let killSelf = false;
  for (const c of [...server.sessions.values()]) {
    if (addr !== null && c.remoteAddress !== addr) continue;
    if (laddr !== null && c.localAddress !== laddr) continue;
    if (type !== null && clientType(c) !== type) continue;
    if (id !== 0n && BigInt(c.id) !== id) continue;
    if (c === s && skipme) continue;
    if (c === s) killSelf = true;
    else c.destroy();
    killed++;
  }
  // Redis flags the caller CLOSE_AFTER_REPLY only after queueing the reply.
  if (killSelf) s.closeAfterReply();
  if (args.length === 3) return killed === 0 ? err.noSuchClient : OK;
  return killed;
}

export const commands: CommandDef[] = [
  {
    name: 'ping',
    node: (s, args) => {
      // Redis pingCommand: arity -1, but more than one argument is an arity error.
      if (args.length > 2) return err.arity('ping');
      if (s.inSubscribeContext) return new PushReply(['pong', args.length > 1 ? (args[1] as string) : '']);
      return args.length > 1 ? (args[1] as string) : PONG;
    },
  },
  { name: 'echo', node: (_s, args) => args[1] as string },
  {
    name: 'quit',
    node: (s) => {
      s.closeAfterReply();
      return OK;
    },
  },
  {
    // Redis resetCommand / clearClientConnectionState. The name, lib-name/lib-ver (7.2) and
    // NO-EVICT/NO-TOUCH are kept as Redis keeps them; authentication goes back to the
    // default user's state (authenticated only when it has no password).
    name: 'reset',
    node: (s, _args, server) => {
      server.slowlog.monitors.delete(s);
      s.db = 0;
      s.proto = 2;
      s.user = 'default';
      s.setAuthenticated(!server.authRequired());
      discardTransaction(s, server);
      server.pubsub.removeSession(s);
      s.name = '';
      s.replyMode = 'on';
      return new StatusReply('RESET');
    },
  },
  {
    // Redis 7.0 helloCommand: options apply in order (AUTH, SETNAME), then the auth check,
    // then the protocol switch, so the map is encoded with the new protocol.
    name: 'hello',
    node: (s, args, server) => {
      let ver = 0n;
      if (args.length >= 2) {
        const n = int64(args[1] as string);
        if (n === null) return err.helloProtoNotInteger;
        if (n < 2n || n > 3n) return err.noProto;
        ver = n;
      }
      for (let j = 2; j < args.length; j++) {
        const more = args.length - 1 - j;
        const opt = args[j] as string;
        if (opt.toLowerCase() === 'auth' && more >= 2) {
          if (!authenticate(s, server, args[j + 1] as string, args[j + 2] as string)) return err.wrongPass;
          j += 2;
        } else if (opt.toLowerCase() === 'setname' && more >= 1) {
          const e = setName(s, args[j + 1] as string);
          if (e !== null) return e;
          j++;
        } else return err.helloSyntax(opt);
      }
      if (!s.authenticated) return err.helloNoAuth;
      if (ver !== 0n) s.proto = Number(ver) as 2 | 3;
      return new MapReply(['server', 'redis', 'version', redisVersion, 'proto', s.proto, 'id', s.id, 'mode', 'standalone', 'role', 'master', 'modules', []]);
    },
  },
  {
    name: 'auth',
    node: (s, args, server) => {
      if (args.length > 3) return err.syntax;
      if (args.length === 2) {
        if (!server.authRequired()) return err.authNotConfigured;
        return authenticate(s, server, 'default', args[1] as string) ? OK : err.wrongPass;
      }
      return authenticate(s, server, args[1] as string, args[2] as string) ? OK : err.wrongPass;
    },
  },
  {
    name: 'select',
    node: (s, args, server) => {
      const n = int64(args[1] as string);
      if (n === null || n < -2147483648n || n > 2147483647n) return err.notInteger;
      if (n < 0n || n >= BigInt(server.ks.dbs.length)) return err.dbIndexOutOfRange;
      s.db = Number(n);
      return OK;
    },
  },

  // CLIENT
  { name: 'client|help', node: () => helpReply('client', CLIENT_HELP) },
  { name: 'client|id', node: (s) => s.id },
  {
    name: 'client|setname',
    node: (s, args) => setName(s, args[2] as string) ?? OK,
  },
  { name: 'client|getname', node: (s) => (s.name === '' ? null : s.name) },
  {
    // Redis 7.2 clientSetinfoCommand.
    name: 'client|setinfo',
    meta: meta72('Set client or connection specific info', 4),
    node: (s, args) => {
      const attr = args[2] as string;
      const val = args[3] as string;
      const which = attr.toLowerCase();
      if (which !== 'lib-name' && which !== 'lib-ver') return err.unrecognizedOption(attr);
      if (!validClientAttr(val)) return err.clientAttrSpaces(attr);
      if (which === 'lib-name') s.libName = val;
      else s.libVer = val;
      return OK;
    },
  },
  {
    name: 'client|info',
    node: (s, args, server) => new VerbatimReply('txt', `${clientInfoLine(server, s, s, 'client|info', args)}\n`),
  },
  {
    name: 'client|list',
    node: (s, args, server) => {
      let sessions: Session[] = [...server.sessions.values()];
      if (args.length === 4 && (args[2] as string).toLowerCase() === 'type') {
        const type = clientTypeByName(args[3] as string);
        if (type === null) return err.unknownClientType(args[3] as string);
        sessions = sessions.filter((c) => clientType(c) === type);
      } else if (args.length > 3 && (args[2] as string).toLowerCase() === 'id') {
        const picked: Session[] = [];
        for (const a of args.slice(3)) {
          const id = int64(a);
          if (id === null) return err.invalidClientId;
          const c = id >= 1n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? server.sessions.get(Number(id)) : undefined;
          if (c !== undefined) picked.push(c);
        }
        sessions = picked;
      } else if (args.length !== 2) return err.syntax;
      let text = '';
      for (const c of sessions) text += `${clientInfoLine(server, c, s, 'client|list', args)}\n`;
      return new VerbatimReply('txt', text);
    },
  },
  { name: 'client|kill', node: clientKill },
  {
    // Redis: ON answers OK; OFF and SKIP answer nothing (the session suppresses the replies);
    // SKIP while OFF changes nothing.
    name: 'client|reply',
    node: (s, args) => {
      const mode = (args[2] as string).toLowerCase();
      if (mode === 'on') {
        s.replyMode = 'on';
        return OK;
      }
      if (mode === 'off') {
        s.replyMode = 'off';
        return NO_REPLY;
      }
      if (mode === 'skip') {
        if (s.replyMode !== 'off') s.replyMode = 'skip';
        return NO_REPLY;
      }
      return err.syntax;
    },
  },
  {
    name: 'client|no-evict',
    node: (s, args) => {
      const v = onOff(args[2] as string);
      if (v === null) return err.syntax;
      s.noEvict = v;
      return OK;
    },
  },
  {
    name: 'client|no-touch',
    meta: meta72('Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.', 3),
    node: (s, args) => {
      const v = onOff(args[2] as string);
      if (v === null) return err.syntax;
      s.noTouch = v;
      return OK;
    },
  },
  {
    name: 'client|unblock',
    node: (_s, args, server) => {
      let withError = false;
      if (args.length === 4) {
        const why = (args[3] as string).toLowerCase();
        if (why === 'error') withError = true;
        else if (why !== 'timeout') return err.unblockReason;
      }
      const id = int64(args[2] as string);
      if (id === null) return err.notInteger;
      if (id < 1n || id > BigInt(Number.MAX_SAFE_INTEGER)) return 0;
      return server.blocking.unblock(Number(id), withError) ? 1 : 0;
    },
  },
  {
    // Catena does not pause clients: the arguments are checked as Redis checks them, then
    // the request is refused rather than pretending the clients are paused.
    name: 'client|pause',
    node: (_s, args) => {
      if (args.length === 4) {
        const mode = (args[3] as string).toLowerCase();
        if (mode !== 'write' && mode !== 'all') return err.pauseMode;
      }
      const ms = int64(args[2] as string);
      if (ms === null) return err.timeoutNotInteger;
      if (ms < 0n) return err.timeoutNegative;
      return err.notImplemented('CLIENT PAUSE');
    },
  },
  { name: 'client|unpause', node: () => OK },
  {
    // Client-side caching is not supported: OFF (the only state there is) is accepted.
    name: 'client|tracking',
    node: (_s, args) => {
      const mode = (args[2] as string).toLowerCase();
      if (mode === 'off') return OK;
      if (mode === 'on') return err.notImplemented('CLIENT TRACKING');
      return err.syntax;
    },
  },
  { name: 'client|caching', node: () => err.cachingWithoutTracking },
  { name: 'client|getredir', node: () => -1 },
  {
    name: 'client|trackinginfo',
    node: () => new MapReply(['flags', new SetReply(['off']), 'redirect', -1, 'prefixes', []]),
  },
];
