/**
 * A Catena node's runtime (DESIGN: runtime): the TCP listener, the client sessions, and the
 * dispatcher that validates every request against the command table (unknown command,
 * arity, auth, subscribe context, MULTI queueing) before running it — data commands in the
 * engine (today the local replica; the chain issue routes them to a chain), node commands
 * here. Also the timers: active expiry.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildTable } from '../commands/table';
import type { CommandSpec } from '../commands/spec';
import { Keyspace } from '../engine/keyspace';
import { Engine, type ApplyResult } from '../engine/engine';
import type { UpdateCtx } from '../engine/exec';
import { ErrorReply, MultiReply, QUEUED, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { Session, type QueuedCommand } from './session';
import { execRejected } from '../commands/transactions';
import { ConfigRegistry } from './config';
import { bindEncodingLimits, encodingParams, paramDefs } from './config-params';
import { ServerStats } from './stats';
import { PubSub } from './pubsub';
import { Watches } from './watch';
import { Slowlog } from './slowlog';
import { Blocking } from './blocking';
import { activeExpireKeysPerCycle, activeExpirePeriodMs, activeExpireHashKeysPerCycle } from '../limits';
import { HashFieldExpiryIndex } from '../engine/types/hash';
import { keyIndexes } from '../commands/spec';
import { applyEffect, type Effect } from '../engine/effects';
import type { Durability } from './durability';
import type { ClusterNode, ClusterWatch } from '../cluster/node';

export interface ServerOptions {
  port: number;
  bind?: string;
  requirepass?: string;
  /** Extra CONFIG parameters at start-up (from --config FILE). */
  config?: Record<string, string>;
  /** Print log lines (default true; tests pass false). */
  log?: boolean;
  /** Where updates are made durable (default: none, like `--backend memory`); see durability.ts. */
  durability?: Durability;
  /** In a cluster: the router and chains of this node (src/cluster/node.ts); started by listen(). */
  cluster?: ClusterNode;
}

/** CONFIG parameters the engine's results depend on (a cluster replicates their changes through every chain). */
const engineParamNames = new Set(encodingParams.map(([name]) => name));

/** Commands that run immediately even inside MULTI (Redis processCommand). */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export const catenaVersion: string = readPackageVersion();

function readPackageVersion(): string {
  // Works from src/ (tests) and from dist/src/ (the built CLI).
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

export class CatenaServer {
  readonly table: Map<string, CommandSpec> = buildTable();
  /** Upper-case command name → the table's name: "SET" and "set" are found without lowering every request's name. */
  private readonly lowerName = new Map([...this.table.keys()].map((name) => [name.toUpperCase(), name]));
  readonly ks: Keyspace;
  readonly engine: Engine;
  readonly config: ConfigRegistry;
  readonly stats = new ServerStats();
  readonly sessions = new Map<number, Session>();
  readonly pubsub: PubSub;
  readonly watches: Watches;
  readonly slowlog: Slowlog;
  /** Clients blocked in BLPOP & co. (blocking.ts). */
  readonly blocking: Blocking = new Blocking(this);
  /** Hashes with field TTLs, per database, for active field expiry (Redis 7.4 db->hexpires). */
  readonly hashFieldExpiry = new HashFieldExpiryIndex();
  readonly runId = randomBytes(20).toString('hex');
  readonly startMs = Date.now();
  private nextClientId = 1;
  private listener: net.Server | null = null;
  private expireTimer: NodeJS.Timeout | null = null;
  private readonly expireCursors = new WeakMap<object, Iterator<[string, number]>>();
  private readonly logEnabled: boolean;
  /** The backend's durability pipeline, or null when nothing is persisted. */
  readonly durability: Durability | null;
  /** This node's cluster router and chains, or null for a single node. */
  readonly cluster: ClusterNode | null;
  /** True while EXEC runs its queue (Redis server.in_exec, CLIENT_DENY_BLOCKING): blocking commands must answer at once. */
  inExec = false;

  constructor(readonly options: ServerOptions) {
    this.config = new ConfigRegistry(paramDefs);
    this.config.setRaw('port', String(options.port));
    if (options.bind !== undefined) this.config.setRaw('bind', options.bind);
    for (const [k, v] of Object.entries(options.config ?? {})) this.config.setRaw(k, v);
    if (options.requirepass !== undefined) this.config.setRaw('requirepass', options.requirepass);
    this.ks = new Keyspace(this.config.getNumber('databases'));
    bindEncodingLimits(this.config, this.ks);
    this.engine = new Engine(this.ks);
    this.pubsub = new PubSub(this);
    this.watches = new Watches(this);
    this.slowlog = new Slowlog(this);
    this.logEnabled = options.log ?? true;
    this.durability = options.durability ?? null;
    this.cluster = options.cluster ?? null;
  }

  /**
   * A restarted node's keyspace, from its backend (before listen): the stored effects
   * replayed by the reference semantics. Returns the number of keys loaded.
   */
  async load(stream: AsyncIterable<readonly Effect[]>): Promise<number> {
    for await (const chunk of stream) {
      for (const e of chunk) applyEffect(this.ks, e);
      this.hashFieldExpiry.observe(this.ks, chunk);
    }
    let keys = 0;
    for (const d of this.ks.dbs) keys += d.size;
    return keys;
  }

  log(line: string): void {
    if (this.logEnabled) process.stderr.write(`${process.pid}:M ${new Date().toISOString()} * ${line}\n`);
  }

  authRequired(): boolean {
    return this.config.get('requirepass') !== '';
  }

  get port(): number {
    const a = this.listener?.address();
    return a !== null && typeof a === 'object' ? a.port : this.options.port;
  }

  async listen(): Promise<void> {
    if (this.cluster !== null) await this.cluster.start(this);
    const srv = net.createServer((sock) => this.accept(sock));
    this.listener = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.options.port, this.options.bind ?? '127.0.0.1', () => {
        srv.off('error', reject);
        resolve();
      });
    });
    this.expireTimer = setInterval(() => this.activeExpireCycle(), activeExpirePeriodMs);
    this.expireTimer.unref();
    this.log(`Catena ${catenaVersion} ready to accept connections on ${this.options.bind ?? '127.0.0.1'}:${this.port}`);
  }

  async close(): Promise<void> {
    if (this.expireTimer) clearInterval(this.expireTimer);
    const srv = this.listener;
    this.listener = null;
    for (const s of [...this.sessions.values()]) s.destroy();
    if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
    // Everything applied in memory reaches the backend before it closes.
    if (this.durability !== null) await this.durability.close();
    if (this.cluster !== null) await this.cluster.close();
  }

  private accept(sock: net.Socket): void {
    this.stats.totalConnectionsReceived++;
    if (this.sessions.size >= this.config.getNumber('maxclients')) {
      this.stats.rejectedConnections++;
      sock.end('-ERR max number of clients reached\r\n');
      return;
    }
    const s = new Session(this.nextClientId++, sock, this);
    this.sessions.set(s.id, s);
  }

  onSessionClosed(s: Session): void {
    this.sessions.delete(s.id);
    this.stats.netInputBytes += s.bytesIn;
    this.stats.netOutputBytes += s.bytesOut;
    this.pubsub.removeSession(s);
    this.watches.unwatchAll(s);
    this.blocking.removeSession(s);
    this.cluster?.onSessionClosed(s);
  }

  /** Validate a request against the table and run it (or queue it inside MULTI). */
  dispatch(s: Session, args: string[]): Reply | Promise<Reply> {
    const name = args[0] as string;
    let spec = this.table.get(name) ?? this.table.get(this.lowerName.get(name) ?? name.toLowerCase());
    if (spec === undefined) return this.reject(s, null, unknownCommand(args));
    if (spec.subcommands !== null && args.length >= 2) {
      const sub = spec.subcommands.get((args[1] as string).toLowerCase());
      if (sub === undefined) {
        return this.reject(s, null, err.unknownSubcommand(truncate(args[1] as string, 128), spec.name));
      }
      spec = sub;
    }
    if ((spec.arity > 0 && args.length !== spec.arity) || args.length < -spec.arity) {
      return this.reject(s, spec, err.arity(spec.name));
    }
    if (!s.authenticated && !spec.noAuth) return this.reject(s, spec, err.noAuth);
    if (s.inSubscribeContext && !spec.allowedInSubscribe) return this.reject(s, spec, err.onlyInSubscribe(spec.name));
    if (s.multi !== null && !MULTI_IMMEDIATE.has(spec.name)) {
      if (spec.noMulti) return this.reject(s, spec, err.notAllowedInMulti);
      s.multi.push({ spec, args });
      return QUEUED;
    }
    const d = this.durability;
    if (d !== null && (spec.isWrite || spec.name === 'exec')) {
      const refused = d.refusal();
      if (refused !== null && (spec.isWrite || (s.multi ?? []).some((q) => q.spec.isWrite))) return this.reject(s, spec, refused);
    }
    const reply = this.execute(s, spec, args);
    return d === null ? reply : this.durableReply(d, s.db, spec, args, reply);
  }

  /**
   * Sync durability (and async when the backend falls far behind): a reply that may depend on
   * an update not yet durable waits for it (a
   * write's own update; for a read, the last unlanded update of its keys; for keyless data
   * commands and EXEC, every update so far). Node commands that read no data go at once.
   */
  private durableReply(d: Durability, db: number, spec: CommandSpec, args: string[], reply: Reply | Promise<Reply>): Reply | Promise<Reply> {
    const keyed = spec.data !== undefined;
    if (!keyed && spec.name !== 'exec') return reply;
    if (!(reply instanceof Promise) && !d.mayWait()) return reply;
    const barrier = (): bigint => {
      if (!keyed) return d.barrierFor(db, null);
      const idx = keyIndexes(spec, args);
      return d.barrierFor(db, idx.length === 0 ? null : idx.map((i) => args[i] as string));
    };
    if (reply instanceof Promise) {
      return reply.then((r) => {
        const b = barrier();
        return b === 0n ? r : d.whenDurable(b).then(() => r);
      });
    }
    const b = barrier();
    return b === 0n ? reply : d.whenDurable(b).then(() => reply);
  }

  private reject(s: Session, spec: CommandSpec | null, e: ErrorReply): ErrorReply {
    if (s.multi !== null) s.multiFailed = true;
    if (spec) this.stats.command(spec.name).rejectedCalls++;
    if (spec?.name === 'exec') e = execRejected(s, this, e);
    this.countErrorReply(e);
    return e;
  }

  countErrorReply(e: ErrorReply): void {
    this.stats.totalErrorReplies++;
    const sp = e.text.indexOf(' ');
    this.stats.countError(sp < 0 ? e.text : e.text.slice(0, sp));
  }

  /** Run a validated command now. */
  execute(s: Session, spec: CommandSpec, args: string[]): Reply | Promise<Reply> {
    // performance.now(): sub-microsecond resolution without a BigInt per command.
    const t0 = performance.now();
    let reply: Reply | Promise<Reply>;
    const cluster = this.cluster;
    if (spec.data !== undefined) {
      if (cluster !== null) reply = cluster.data(s, spec, args);
      else reply = this.blocking.handles(spec) ? this.blocking.run(s, spec, args) : this.applyData(s.db, spec, args);
    } else if (spec.node !== undefined) reply = (cluster !== null ? this.clusterNodeCommand(cluster, s, spec, args) : undefined) ?? spec.node(s, args, this);
    else throw new Error(`command ${spec.name} has no handler`);
    const usec = Math.floor((performance.now() - t0) * 1000);
    s.lastCommand = spec.name;
    // An asynchronous reply is counted as a call now; its error, if any, is not known yet.
    this.recordCall(s, spec, args, reply instanceof Promise ? null : reply, usec);
    // Redis handleClientsBlockedOnKeys: keys this command made ready serve blocked clients now.
    this.blocking.serveReady();
    return reply;
  }

  /** Node commands that act on data differently in a cluster (WATCH, PUBLISH); undefined for the rest. */
  private clusterNodeCommand(c: ClusterNode, s: Session, spec: CommandSpec, args: string[]): Reply | Promise<Reply> | undefined {
    switch (spec.name) {
      case 'watch':
        return s.multi !== null ? err.watchInMulti : c.watch(s, args.slice(1));
      case 'unwatch':
        c.dropWatch(s);
        return undefined;
      case 'publish':
        return c.publish(args[1] as string, args[2] as string, false);
      case 'spublish':
        return c.publish(args[1] as string, args[2] as string, true);
      case 'config|set': {
        const node = spec.node as NonNullable<CommandSpec['node']>;
        const r = node(s, args, this);
        if (r instanceof Promise || r instanceof ErrorReply) return r;
        const pairs: Array<[string, string]> = [];
        for (let i = 2; i + 1 < args.length; i += 2) {
          const name = (args[i] as string).toLowerCase();
          if (engineParamNames.has(name)) pairs.push([name, this.config.get(name)]);
        }
        return pairs.length === 0 ? r : c.replicateEngineConfig(s, pairs);
      }
      default:
        return undefined;
    }
  }

  /** A fresh ctx for an update originating here (DESIGN: ctx chosen once, at the head). */
  newCtx(db: number): UpdateCtx {
    return { nowMs: Date.now(), seed: (Math.random() * 4294967296) >>> 0, db };
  }

  /** Run a data command on the local replica and publish its consequences. */
  applyData(db: number, spec: CommandSpec, args: string[]): Reply {
    const r = this.engine.apply(spec, args, this.newCtx(db));
    this.afterUpdate(r);
    return r.reply;
  }

  /**
   * EXEC's body: the queued commands in order, as one synchronous step with one time for all
   * (Redis fixes the clock for the whole EXEC). Each run of consecutive data commands is one
   * engine batch with one ctx — a SELECT between them becomes a `{select}` item — which is
   * the unit the chain can ship as one update; other node commands run at their position.
   * Every inner command counts in commandstats, as Redis's call() does. Messages for `s`
   * itself land inside the array next to the reply that caused them, as in Redis (so a
   * subscribed session's data commands run one batch each, still at the same time).
   * Only a node command that answers asynchronously makes the rest wait (atomicity then
   * holds for each synchronous stretch only).
   */
  execTransaction(s: Session, queued: QueuedCommand[], nowMs: number, clusterWatch?: ClusterWatch | 'crossslot'): Reply | Promise<Reply> {
    if (this.cluster !== null) return this.cluster.execTransaction(s, queued, clusterWatch);
    const replies: Reply[] = new Array<Reply>(queued.length).fill(null);
    const seed = (Math.random() * 4294967296) >>> 0;
    let batches = 0;
    const run = (from: number): Reply | Promise<Reply> => {
      let items: Array<QueuedCommand | { select: number }> = [];
      let at: number[] = [];
      let db = s.db;
      const flush = (): void => {
        if (at.length > 0) {
          const t0 = process.hrtime.bigint();
          const r = this.engine.applyBatch(items, { nowMs, seed: (seed + batches++) >>> 0, db });
          this.afterUpdate(r);
          const usec = Math.round(Number((process.hrtime.bigint() - t0) / 1000n) / at.length);
          const pushes = this.pubsub.takeCaptured();
          at.forEach((pos, i) => {
            const q = queued[pos] as QueuedCommand;
            const reply = r.replies[i] as Reply;
            replies[pos] = i === 0 && pushes.length > 0 ? new MultiReply([...pushes, reply]) : reply;
            this.recordCall(s, q.spec, q.args, reply, usec);
          });
        }
        items = [];
        at = [];
        db = s.db;
      };
      this.inExec = true;
      this.pubsub.beginCapture(s);
      try {
        for (let i = from; i < queued.length; i++) {
          const q = queued[i] as QueuedCommand;
          if (q.spec.data !== undefined) {
            items.push(q);
            at.push(i);
            // A subscribed session may be notified of its own writes: Redis writes each
            // notification just before the reply of the command that caused it.
            if (s.subscriptionCount > 0) flush();
            continue;
          }
          const node = q.spec.node;
          if (node === undefined) throw new Error(`command ${q.spec.name} has no handler`);
          const isSelect = q.spec.name === 'select';
          if (!isSelect) flush();
          const t0 = process.hrtime.bigint();
          const reply = node(s, q.args, this);
          if (reply instanceof Promise) {
            flush();
            this.inExec = false;
            this.pubsub.endCapture();
            return reply.then((r) => {
              replies[i] = r;
              this.recordCall(s, q.spec, q.args, r, Number((process.hrtime.bigint() - t0) / 1000n));
              return run(i + 1);
            });
          }
          const pushes = this.pubsub.takeCaptured();
          replies[i] = pushes.length > 0 ? new MultiReply([...pushes, reply]) : reply;
          this.recordCall(s, q.spec, q.args, reply, Number((process.hrtime.bigint() - t0) / 1000n));
          if (isSelect) {
            if (at.length > 0) items.push({ select: s.db });
            else db = s.db;
          }
        }
        flush();
      } finally {
        this.inExec = false;
        this.pubsub.endCapture();
      }
      return replies;
    };
    return run(0);
  }

  /** What is counted for every command run (INFO stats, commandstats, errorstats, SLOWLOG), also inside EXEC. */
  private recordCall(s: Session, spec: CommandSpec, args: string[], reply: Reply, usec: number): void {
    this.stats.totalCommandsProcessed++;
    s.commandsProcessed++;
    const st = this.stats.command(spec.name);
    st.calls++;
    st.usec += usec;
    if (reply instanceof ErrorReply) {
      st.failedCalls++;
      this.countErrorReply(reply);
    }
    this.slowlog.record(s, args, usec);
  }

  /** After an update: touch WATCHed keys, send keyspace notifications. */
  afterUpdate(r: ApplyResult): void {
    if (r.effects.length > 0 && this.durability !== null) this.durability.record(r.effects);
    if (r.effects.length > 0) this.watches.touch(r.effects);
    if (r.events.length > 0) this.pubsub.keyEvents(r.events);
    if (r.effects.length > 0) this.blocking.signal(r.effects);
    if (r.effects.length > 0) this.hashFieldExpiry.observe(this.ks, r.effects);
  }

  /** Redis's active expiry: sample keys with a TTL, delete the expired ones as an update. */
  private activeExpireCycle(): void {
    const now = Date.now();
    for (let i = 0; i < this.ks.dbs.length; i++) {
      const db = this.ks.dbs[i];
      // Redis 7.4 expires hash fields first, then keys (activeExpireCycle).
      const hashes = db === undefined ? [] : this.hashFieldExpiry.due(db, now, activeExpireHashKeysPerCycle);
      if (hashes.length > 0) this.afterUpdate(this.engine.expireHashFields(i, hashes, { nowMs: now, seed: 0, db: i }));
      if (db === undefined || db.expires.size === 0) continue;
      let it = this.expireCursors.get(db);
      if (it === undefined) {
        it = db.expires.entries();
        this.expireCursors.set(db, it);
      }
      const due: string[] = [];
      for (let n = 0; n < activeExpireKeysPerCycle; n++) {
        const next = it.next();
        if (next.done) {
          this.expireCursors.delete(db);
          break;
        }
        if (next.value[1] <= now) due.push(next.value[0]);
      }
      if (due.length > 0) this.afterUpdate(this.engine.expireKeys(i, due, { nowMs: now, seed: 0, db: i }));
    }
  }
}

/** C's `%.<n>s`: at most n bytes, and nothing from the first NUL on (Redis formats names so). */
function truncate(s: string, n: number): string {
  const nul = s.indexOf('\0');
  const end = nul >= 0 && nul < n ? nul : n;
  return s.length > end ? s.slice(0, end) : s;
}

/** Redis 7.0: "unknown command '%.128s', with args beginning with: " + "'%.*s' " per arg while < 128 chars. */
function unknownCommand(args: string[]): ErrorReply {
  let preview = '';
  for (let i = 1; i < args.length && preview.length < 128; i++) {
    preview += `'${truncate(args[i] as string, 128 - preview.length)}' `;
  }
  return err.unknownCommand(truncate(args[0] as string, 128), preview);
}
