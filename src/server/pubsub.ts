/**
 * Pub/sub at this node (Redis pubsub.c, notify.c): channel, pattern and shard-channel
 * subscriptions, PUBLISH/SPUBLISH fan-out, and keyspace notifications (notify-keyspace-events).
 * Touches only subscription state and sessions' output queues; never the keyspace.
 */
import type { CatenaServer } from './server';
import type { Session } from './session';
import type { KeyEvent } from '../engine/exec';
import { MultiReply, PushReply, type Reply } from '../resp/reply';
import { stringMatch } from '../engine/glob';

/** The three kinds of subscription, as Redis's pubsubtype (pubsub.c). */
export interface PubSubKind {
  readonly subscribeMsg: string;
  readonly unsubscribeMsg: string;
  readonly messageMsg: string;
  /** The session's own set of subscriptions of this kind. */
  own(s: Session): Set<string>;
  /** The count a confirmation reports: channels + patterns for the classic kinds, shard channels alone for shard. */
  count(s: Session): number;
}

const classicCount = (s: Session): number => s.channels.size + s.patterns.size;

export const channelKind: PubSubKind = {
  subscribeMsg: 'subscribe',
  unsubscribeMsg: 'unsubscribe',
  messageMsg: 'message',
  own: (s) => s.channels,
  count: classicCount,
};
export const patternKind: PubSubKind = {
  subscribeMsg: 'psubscribe',
  unsubscribeMsg: 'punsubscribe',
  messageMsg: 'pmessage',
  own: (s) => s.patterns,
  count: classicCount,
};
export const shardKind: PubSubKind = {
  subscribeMsg: 'ssubscribe',
  unsubscribeMsg: 'sunsubscribe',
  messageMsg: 'smessage',
  own: (s) => s.shardChannels,
  count: (s) => s.shardChannels.size,
};

// notify-keyspace-events classes (Redis server.h NOTIFY_*).
const NOTIFY_KEYSPACE = 1 << 0; // K
const NOTIFY_KEYEVENT = 1 << 1; // E
const NOTIFY_GENERIC = 1 << 2; // g
const NOTIFY_STRING = 1 << 3; // $
const NOTIFY_LIST = 1 << 4; // l
const NOTIFY_SET = 1 << 5; // s
const NOTIFY_HASH = 1 << 6; // h
const NOTIFY_ZSET = 1 << 7; // z
const NOTIFY_EXPIRED = 1 << 8; // x
const NOTIFY_EVICTED = 1 << 9; // e
const NOTIFY_STREAM = 1 << 10; // t
const NOTIFY_KEY_MISS = 1 << 11; // m (not part of A, on purpose)
const NOTIFY_MODULE = 1 << 13; // d
const NOTIFY_NEW = 1 << 14; // n (not part of A)
const NOTIFY_ALL =
  NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE;

const CLASS_FLAGS: Record<string, number> = {
  A: NOTIFY_ALL,
  g: NOTIFY_GENERIC,
  $: NOTIFY_STRING,
  l: NOTIFY_LIST,
  s: NOTIFY_SET,
  h: NOTIFY_HASH,
  z: NOTIFY_ZSET,
  x: NOTIFY_EXPIRED,
  e: NOTIFY_EVICTED,
  K: NOTIFY_KEYSPACE,
  E: NOTIFY_KEYEVENT,
  t: NOTIFY_STREAM,
  m: NOTIFY_KEY_MISS,
  d: NOTIFY_MODULE,
  n: NOTIFY_NEW,
};

/** Redis keyspaceEventsStringToFlags: the flag bits, or null for an unknown class character. */
export function parseKeyspaceEventFlags(classes: string): number | null {
  let flags = 0;
  for (const c of classes) {
    const f = CLASS_FLAGS[c];
    if (f === undefined) return null;
    flags |= f;
  }
  return flags;
}

/** Redis keyspaceEventsFlagsToString: the canonical text CONFIG GET reports ("KEA" → "AKE"). */
export function keyspaceEventFlagsToString(flags: number): string {
  let res = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) res += 'A';
  else {
    if (flags & NOTIFY_GENERIC) res += 'g';
    if (flags & NOTIFY_STRING) res += '$';
    if (flags & NOTIFY_LIST) res += 'l';
    if (flags & NOTIFY_SET) res += 's';
    if (flags & NOTIFY_HASH) res += 'h';
    if (flags & NOTIFY_ZSET) res += 'z';
    if (flags & NOTIFY_EXPIRED) res += 'x';
    if (flags & NOTIFY_EVICTED) res += 'e';
    if (flags & NOTIFY_STREAM) res += 't';
    if (flags & NOTIFY_MODULE) res += 'd';
    if (flags & NOTIFY_NEW) res += 'n';
  }
  if (flags & NOTIFY_KEYSPACE) res += 'K';
  if (flags & NOTIFY_KEYEVENT) res += 'E';
  if (flags & NOTIFY_KEY_MISS) res += 'm';
  return res;
}

/** CONFIG SET notify-keyspace-events: the canonical value, or Redis's reason for refusing it (config.c). */
export function parseNotifyKeyspaceEvents(value: string): { ok: string } | { error: string } {
  const flags = parseKeyspaceEventFlags(value);
  if (flags === null) return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
  return { ok: keyspaceEventFlagsToString(flags) };
}

/** Subscribers of one channel or pattern, in subscription order (Redis appends to a list). */
type Subscribers = Set<Session>;

export class PubSub {
  private readonly channels = new Map<string, Subscribers>();
  private readonly patterns = new Map<string, Subscribers>();
  private readonly shardChannels = new Map<string, Subscribers>();
  private notifyFlags = 0;
  /**
   * While a session runs EXEC, messages for that same session are collected here and placed
   * inside the EXEC array next to the reply of the command that caused them, where Redis
   * writes them (it appends to the client's buffer during the command).
   */
  private capture: { session: Session; pushes: Reply[] } | null = null;

  constructor(readonly server: CatenaServer) {
    const param = 'notify-keyspace-events';
    this.notifyFlags = parseKeyspaceEventFlags(server.config.get(param)) ?? 0;
    server.engine.eventsWanted = this.notifyFlags !== 0;
    server.config.onChange(param, (_canonical, given) => {
      this.notifyFlags = parseKeyspaceEventFlags(given) ?? 0;
      // Engine updates skip building events nobody would receive.
      server.engine.eventsWanted = this.notifyFlags !== 0;
    });
  }

  private table(kind: PubSubKind): Map<string, Subscribers> {
    if (kind === patternKind) return this.patterns;
    if (kind === shardKind) return this.shardChannels;
    return this.channels;
  }

  /** SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE: one confirmation per name, also for names already subscribed. */
  subscribe(s: Session, kind: PubSubKind, names: string[]): MultiReply {
    const own = kind.own(s);
    const table = this.table(kind);
    const out: Reply[] = [];
    for (const name of names) {
      if (!own.has(name)) {
        own.add(name);
        let subs = table.get(name);
        if (subs === undefined) {
          subs = new Set();
          table.set(name, subs);
        }
        subs.add(s);
      }
      out.push(new PushReply([kind.subscribeMsg, name, kind.count(s)]));
    }
    return new MultiReply(out);
  }

  /**
   * UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE. With no names, every subscription of the kind;
   * with none to drop, Redis answers one confirmation with a null name and the count.
   */
  unsubscribe(s: Session, kind: PubSubKind, names: string[]): MultiReply {
    const own = kind.own(s);
    const list = names.length > 0 ? names : [...own];
    const out: Reply[] = [];
    for (const name of list) {
      this.drop(s, kind, name);
      out.push(new PushReply([kind.unsubscribeMsg, name, kind.count(s)]));
    }
    if (list.length === 0) out.push(new PushReply([kind.unsubscribeMsg, null, kind.count(s)]));
    return new MultiReply(out);
  }

  private drop(s: Session, kind: PubSubKind, name: string): void {
    if (!kind.own(s).delete(name)) return;
    const table = this.table(kind);
    const subs = table.get(name);
    if (subs === undefined) return;
    subs.delete(s);
    if (subs.size === 0) table.delete(name);
  }

  /** A closed or RESET connection: every subscription goes, without confirmations. */
  removeSession(s: Session): void {
    for (const kind of [channelKind, patternKind, shardKind]) {
      for (const name of [...kind.own(s)]) this.drop(s, kind, name);
    }
    if (this.capture?.session === s) this.capture = null;
  }

  /** PUBLISH (Redis pubsubPublishMessage): channel subscribers first, then matching patterns; the number of deliveries. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const subs = this.channels.get(channel);
    if (subs !== undefined) {
      const msg = new PushReply(['message', channel, message]);
      for (const s of subs) this.deliver(s, msg);
      receivers += subs.size;
    }
    if (this.patterns.size > 0) {
      for (const [pattern, psubs] of this.patterns) {
        if (!stringMatch(pattern, channel, false)) continue;
        const msg = new PushReply(['pmessage', pattern, channel, message]);
        for (const s of psubs) this.deliver(s, msg);
        receivers += psubs.size;
      }
    }
    return receivers;
  }

  /** SPUBLISH: shard-channel subscribers only (no patterns for shard channels). */
  spublish(channel: string, message: string): number {
    const subs = this.shardChannels.get(channel);
    if (subs === undefined) return 0;
    const msg = new PushReply(['smessage', channel, message]);
    for (const s of subs) this.deliver(s, msg);
    return subs.size;
  }

  private deliver(s: Session, msg: PushReply): void {
    if (this.capture !== null && this.capture.session === s) this.capture.pushes.push(msg);
    else s.enqueue(msg);
  }

  /** PUBSUB CHANNELS / SHARDCHANNELS: active channels matching the pattern (all when none). */
  activeChannels(shard: boolean, pattern: string | undefined): string[] {
    const out: string[] = [];
    for (const ch of (shard ? this.shardChannels : this.channels).keys()) {
      if (pattern === undefined || stringMatch(pattern, ch, false)) out.push(ch);
    }
    return out;
  }

  /** PUBSUB NUMSUB / SHARDNUMSUB: subscribers of one channel (patterns not counted). */
  subscriberCount(shard: boolean, channel: string): number {
    return (shard ? this.shardChannels : this.channels).get(channel)?.size ?? 0;
  }

  /** PUBSUB NUMPAT and INFO pubsub_patterns: distinct patterns with at least one subscriber. */
  get patternCount(): number {
    return this.patterns.size;
  }

  /** INFO pubsub_channels. */
  get channelCount(): number {
    return this.channels.size;
  }

  /** INFO pubsubshard_channels. */
  get shardChannelCount(): number {
    return this.shardChannels.size;
  }

  /**
   * Keyspace notifications for an update's events (Redis notifyKeyspaceEvent):
   * `__keyspace@<db>__:<key>` → event and `__keyevent@<db>__:<event>` → key, for enabled classes.
   */
  keyEvents(events: KeyEvent[]): void {
    const flags = this.notifyFlags;
    if ((flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)) === 0) return;
    if (this.channels.size === 0 && this.patterns.size === 0) return;
    for (const ev of events) {
      const cls = CLASS_FLAGS[ev.cls];
      if (cls === undefined) throw new Error(`keyspace event ${ev.event} has unknown class ${ev.cls}`);
      if ((flags & cls) === 0) continue;
      if (flags & NOTIFY_KEYSPACE) this.publish(`__keyspace@${ev.db}__:${ev.key}`, ev.event);
      if (flags & NOTIFY_KEYEVENT) this.publish(`__keyevent@${ev.db}__:${ev.event}`, ev.key);
    }
  }

  /** EXEC: hold messages for `s` until `takeCaptured`, so they land inside its EXEC reply. */
  beginCapture(s: Session): void {
    this.capture = { session: s, pushes: [] };
  }

  /** Messages captured for the EXEC session since the last call. */
  takeCaptured(): Reply[] {
    const c = this.capture;
    if (c === null || c.pushes.length === 0) return [];
    const out = c.pushes;
    c.pushes = [];
    return out;
  }

  endCapture(): void {
    const c = this.capture;
    this.capture = null;
    // Anything left (a command that failed half way) still reaches the client, in order.
    if (c !== null) for (const p of c.pushes) c.session.enqueue(p);
  }
}

