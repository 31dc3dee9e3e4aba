/**
 * The log of executed commands, fed once per command after it ran (Redis call()): the SLOWLOG
 * (commands slower than slowlog-log-slower-than µs, newest first, at most slowlog-max-len,
 * Redis 7.0's entry format and truncation) and the MONITOR stream. Both see the arguments with
 * secrets redacted as Redis does. Reads config and sessions; never touches the keyspace.
 */
import type { CatenaServer } from './server';
import type { Session } from './session';
import type { CommandSpec } from '../commands/spec';
import { StatusReply, type Reply } from '../resp/reply';
import { slowlogEntryArgsMax, slowlogEntryStringBytesMax } from '../limits';


export interface SlowlogEntry {
  id: number;
  /** Unix time in seconds when the command finished. */
  timeSec: number;
  durationUs: number;
  args: string[];
  addr: string;
  name: string;
}

const REDACTED = '(redacted)';

export class Slowlog {
  /** Newest first, as Redis's list (listAddNodeHead). */
  private entries: SlowlogEntry[] = [];
  private nextId = 0;
  /** Sessions in MONITOR mode. */
  readonly monitors = new Set<Session>();

  /** slowlog-log-slower-than and slowlog-max-len, kept current (read for every command). */
  private slowerThanUs: number;
  private maxLen: number;

  constructor(readonly server: CatenaServer) {
    this.slowerThanUs = server.config.getNumber('slowlog-log-slower-than');
    this.maxLen = server.config.getNumber('slowlog-max-len');
    server.config.onChange('slowlog-log-slower-than', (v) => {
      this.slowerThanUs = Number(v);
    });
    server.config.onChange('slowlog-max-len', (v) => {
      this.maxLen = Number(v);
    });
  }

  get length(): number {
    return this.entries.length;
  }

  /** Called by the server after every executed command (not for rejected or queued ones). */
  record(s: Session, args: string[], usec: number): void {
    const feedMonitors = this.monitors.size > 0;
    const threshold = this.slowerThanUs;
    const maxLen = this.maxLen;
    const slow = threshold >= 0 && maxLen > 0 && usec >= threshold;
    if (!feedMonitors && !slow) return;
    const spec = this.specOf(args);
    const shown = redact(spec, args, this.server);
    if (feedMonitors && spec !== undefined && !spec.flags.has('admin') && !spec.flags.has('skip_monitor')) {
      this.feedMonitors(s, shown);
    }
    if (slow && !(spec?.flags.has('skip_slowlog') ?? false)) {
      this.entries.unshift({
        id: this.nextId++,
        timeSec: Math.floor(Date.now() / 1000),
        durationUs: usec,
        args: truncateArgs(shown),
        addr: s.remoteAddress,
        name: s.name,
      });
      // Redis trims at push time only: lowering slowlog-max-len takes effect on the next entry.
      if (this.entries.length > maxLen) this.entries.length = maxLen;
    }
  }

  /** SLOWLOG GET: the newest `count` entries (all for -1). */
  get(count: number): Reply {
    const n = count < 0 ? this.entries.length : Math.min(count, this.entries.length);
    const out: Reply[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.entries[i] as SlowlogEntry;
      out.push([e.id, e.timeSec, e.durationUs, [...e.args], e.addr, e.name]);
    }
    return out;
  }

  reset(): void {
    this.entries = [];
  }

  private specOf(args: string[]): CommandSpec | undefined {
    const spec = this.server.table.get((args[0] as string).toLowerCase());
    if (spec?.subcommands && args.length >= 2) return spec.subcommands.get((args[1] as string).toLowerCase()) ?? spec;
    return spec;
  }

  /** Redis replicationFeedMonitors: `+<sec>.<usec> [<db> <addr>] "arg" ...`, to every monitor. */
  private feedMonitors(s: Session, args: string[]): void {
    const nowUs = unixTimeUs();
    const line = `${Math.floor(nowUs / 1e6)}.${String(nowUs % 1e6).padStart(6, '0')} [${s.db} ${s.remoteAddress}] ${args.map(repr).join(' ')}`;
    const reply = new StatusReply(line);
    for (const m of this.monitors) {
      if (m.closed) this.monitors.delete(m);
      // A monitor's own command: Redis writes the command's reply first, then the feed line.
      else if (m === s) queueMicrotask(() => m.enqueue(reply));
      else m.enqueue(reply);
    }
  }
}

/** Wall-clock time in whole microseconds (Redis ustime), for MONITOR lines and TIME. */
export function unixTimeUs(): number {
  // Date.now() stays on the wall clock (NTP steps included); the monotonic clock adds the µs.
  return Date.now() * 1000 + Number((process.hrtime.bigint() / 1000n) % 1000n);
}

/** Redis slowlogCreateEntry: at most 32 arguments, each at most 128 bytes. */
export function truncateArgs(args: string[]): string[] {
  const argc = args.length;
  const n = Math.min(argc, slowlogEntryArgsMax);
  const out: string[] = [];
  for (let j = 0; j < n; j++) {
    if (n !== argc && j === n - 1) {
      out.push(`... (${argc - n + 1} more arguments)`);
      continue;
    }
    const a = args[j] as string;
    out.push(a.length > slowlogEntryStringBytesMax ? `${a.slice(0, slowlogEntryStringBytesMax)}... (${a.length - slowlogEntryStringBytesMax} more bytes)` : a);
  }
  return out;
}

/**
 * The arguments as SLOWLOG and MONITOR may show them: Redis redactClientCommandArgument hides
 * AUTH's credentials, HELLO's AUTH pair, MIGRATE's AUTH/AUTH2 and the values of sensitive
 * parameters in CONFIG SET.
 */
export function redact(spec: CommandSpec | undefined, args: string[], server: CatenaServer): string[] {
  if (spec === undefined) return args;
  switch (spec.name) {
    case 'auth':
      return args.length <= 3 ? args.map((a, i) => (i === 0 ? a : REDACTED)) : args;
    case 'hello': {
      const out = [...args];
      for (let j = 2; j < out.length; j++) {
        const opt = (out[j] as string).toLowerCase();
        if (opt === 'auth' && out.length - 1 - j >= 2) {
          out[j + 1] = REDACTED;
          out[j + 2] = REDACTED;
          j += 2;
        } else if (opt === 'setname' && out.length - 1 - j >= 1) j++;
        else break;
      }
      return out;
    }
    case 'config|set': {
      const out = [...args];
      for (let j = 2; j + 1 < out.length; j += 2) if (server.config.def(out[j] as string)?.sensitive) out[j + 1] = REDACTED;
      return out;
    }
    case 'migrate': {
      const out = [...args];
      for (let j = 6; j < out.length; j++) {
        const opt = (out[j] as string).toLowerCase();
        if (opt === 'auth' && j + 1 < out.length) out[++j] = REDACTED;
        else if (opt === 'auth2' && j + 2 < out.length) {
          out[j + 1] = REDACTED;
          out[j + 2] = REDACTED;
          j += 2;
        } else if (opt === 'keys') break;
      }
      return out;
    }
    default:
      return args;
  }
}

/** Redis sdscatrepr: a double-quoted string with C escapes for unprintable bytes. */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += c >= 0x20 && c <= 0x7e ? s[i] : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}"`;
}
