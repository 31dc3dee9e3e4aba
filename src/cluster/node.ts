/**
 * A node of a Catena cluster (DESIGN: runtime — router and chains): it accepts every client
 * command and routes it. Writes go to the head of the key's chain, reads to its tail; the
 * reply comes back through this node in the connection's order (Session's slots). Commands
 * that must be atomic across keys of different chains get Redis Cluster's CROSSSLOT error;
 * per-key commands (MGET, DEL, EXISTS, UNLINK, TOUCH) are split and merged; KEYS, SCAN,
 * DBSIZE, RANDOMKEY, FLUSHALL, FLUSHDB, SWAPDB span every chain; PUBLISH reaches every node.
 * It also hosts the chains this node is a member of (ChainHost) and their active expiry.
 * May touch: the transport, its chain hosts, the server's sessions and pub/sub.
 */
import { randomInt } from 'node:crypto';
import type { ChainId, ClusterConfig, NodeId } from '../../protocol/config/cluster';
import { Placement } from '../../protocol/config/placement';
import { keySlot } from '../../protocol/config/slots';
import type { Origin } from '../../protocol/chain/messages';
import type { CatenaServer } from '../server/server';
import type { Session, QueuedCommand } from '../server/session';
import { keyIndexes, type CommandSpec } from '../commands/spec';
import { ErrorReply, NULL_ARRAY, NullArrayReply, OK, type Reply } from '../resp/reply';
import { applyEffect, type Effect } from '../engine/effects';
import { isString } from '../engine/values';
import { blockingDefOf, isNotServed, parseBlockTimeout } from '../server/blocking';
import { err } from '../resp/errors';
import { Keyspace } from '../engine/keyspace';
import { encodingParams } from '../server/config-params';
import type { Durability } from '../server/durability';
import { PeerTransport } from './transport';
import { ChainHost, configCommand, specOf, type ParkedRequest } from './chain-host';
import { decodeClusterMsg, encodeClusterMsg, type ClusterMsg, type UpdatePayload } from './update-codec';
import { activeExpirePeriodMs } from '../limits';
import { clusterRequestTimeoutMs, requestSweepMs } from './limits';

/** Commands that are per-key by nature: split across chains, replies merged. */
const SPLIT = new Set(['mget', 'del', 'exists', 'unlink', 'touch']);
/** Keyless data commands that span the cluster. */
const SPAN_READ = new Set(['dbsize', 'keys', 'scan', 'randomkey']);
const SPAN_WRITE = new Set(['flushall', 'flushdb', 'swapdb']);

/** Node-to-node only: CONFIG SET of engine parameters reaching the other nodes' registries. */
const configChannel = '\u0000config';

/** Node-to-node only: a blocked request for the head to park ([blockCommand, waitMs, ...command]). */
const blockCommand = '\u0000block';
/** Node-to-node only: forget a parked request ([unblockCommand, request]). */
const unblockCommand = '\u0000unblock';

/** Node-to-node only: register WATCHed keys at the head and learn its last ordered update ([watchSeqCommand, ...keys] in the read's db). */
const watchSeqCommand = '\u0000watchseq';
/** Node-to-node only: a WATCH ended without its EXEC reaching the head ([unwatchCommand, db, key, db, key...]). */
const unwatchCommand = '\u0000unwatch';

export interface ClusterNodeOptions {
  config: ClusterConfig;
  self: NodeId;
  secret: Buffer;
  /** The durability of one chain's replica on this node, or null (memory backend). */
  openChain(chain: ChainId): Promise<Durability | null>;
  log(line: string): void;
}

/**
 * A connection's requests in flight. Writes go to heads and reads to tails (or clean
 * replicas) by different paths, so each waits for the other kind issued before it: a read for
 * the connection's earlier writes (it must see them), a write for its earlier reads (they
 * must not see it). A run of writes, or of reads, is not serialized: writes to one chain stay
 * in order on its FIFO link, and reads of the same state may run together. Counters and one
 * FIFO of waiting operations, not promise chains: the write path allocates no promise for
 * the ordering itself.
 */
interface ConnectionOrder {
  /** Writes sent and not yet answered. */
  writes: number;
  /** Reads started that answer later (at another node), not yet answered. */
  reads: number;
  /** Operations waiting for the other kind to drain, in the connection's order. */
  waiting: Array<{ write: boolean; start(): void }>;
}

interface PendingRequest {
  resolve(r: Reply): void;
  /** Answer the first reply of the update's array (a single command's), not the array. */
  unwrap: boolean;
  /** Called once the request is answered (or timed out): the connection order's bookkeeping. */
  after: (() => void) | null;
  /** Its own timer (blocking requests), or null: then `deadlineMs` is checked by the sweep. */
  timer: NodeJS.Timeout | null;
  /** When the sweep answers it -TRYAGAIN (Unix ms); Infinity: never. */
  deadlineMs: number;
}


/** What a session in a cluster remembers for WATCH: the chain, the head's seq when watched, the keys. */
export interface ClusterWatch {
  chain: ChainId;
  sinceSeq: number;
  keys: Array<{ db: number; key: string }>;
}

export class ClusterNode {
  readonly placement: Placement;
  readonly self: NodeId;
  readonly chains = new Map<ChainId, ChainHost>();
  readonly transport: PeerTransport;
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequest = 1;
  private expireTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  /** Reads answered by a non-tail replica of this node from a clean copy (INFO: clean_reads). */
  private cleanReads = 0;
  /** Heads with an open batch to seal at the end of this turn. */
  private sealing: ChainHost[] = [];
  /** Per session: what keeps its reads and writes in the connection's order (see asRead/asWrite). */
  private readonly order = new WeakMap<Session, ConnectionOrder>();
  private readonly watches = new WeakMap<Session, ClusterWatch | 'crossslot'>();
  /** Sessions blocked in BLPOP & co., and where their request waits. */
  private readonly blocked = new Map<Session, { head: NodeId; chain: ChainId; request: number; db: number }>();
  server!: CatenaServer;

  constructor(readonly options: ClusterNodeOptions) {
    this.placement = new Placement(options.config);
    this.self = options.self;
    const me = options.config.nodes.find((n) => n.id === options.self);
    if (me === undefined) throw new Error(`node ${options.self} is not in the cluster configuration`);
    const peers = new Map<string, { host: string; port: number }>();
    for (const n of options.config.nodes) if (n.id !== options.self) peers.set(n.id, { host: n.peerHost, port: n.peerPort });
    this.transport = new PeerTransport({
      self: options.self,
      secret: options.secret,
      epoch: options.config.epoch,
      listenHost: me.peerHost,
      listenPort: me.peerPort,
      peers,
      log: options.log,
    });
  }

  /** Open this node's chains (loading each from its backend), then start the links. */
  async start(server: CatenaServer): Promise<void> {
    this.server = server;
    for (const chain of this.placement.chains()) {
      const members = this.placement.membersOf(chain);
      if (!members.includes(this.self)) continue;
      const durability = await this.options.openChain(chain);
      const ks = new Keyspace(server.ks.databases);
      // Start from the node's configuration (the same on every node); later changes arrive
      // as updates (replicateEngineConfig), never by a listener that would fire at a
      // different point of the update stream on each replica.
      for (const [param, field] of encodingParams) ks.encoding[field] = server.config.getNumber(param);
      if (durability !== null) {
        for await (const chunk of durability.backend.load()) for (const e of chunk) applyEffect(ks, e);
      }
      const host = new ChainHost(chain, members, this.options.config.epoch, durability, {
        self: this.self,
        table: server.table,
        sendChain: (to, c, bytes) => this.send(to, { kind: 'chain', chain: c, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) }),
        answer: (origins, replies) => this.answerMany(origins, replies),
        requestSeal: (h) => this.requestSeal(h),
        updated: (h, r) => {
          // After the update's own bookkeeping: serving a waiter orders a new update on this chain.
          if (r.effects.length > 0 && h.parked.size > 0) queueMicrotask(() => this.serveTouched(h, r.effects));
        },
        log: this.options.log,
      }, ks);
      this.chains.set(chain, host);
    }
    this.transport.onMessage((from, bytes) => this.onMessage(from as NodeId, bytes));
    this.transport.onLinkUp((peer) => {
      for (const h of this.chains.values()) h.linkUp(peer as NodeId);
    });
    await this.transport.start();
    this.expireTimer = setInterval(() => this.expireCycle(), activeExpirePeriodMs);
    this.expireTimer.unref();
    this.sweepTimer = setInterval(() => this.sweepRequests(Date.now()), requestSweepMs);
    this.sweepTimer.unref();
  }

  async close(): Promise<void> {
    if (this.expireTimer !== null) clearInterval(this.expireTimer);
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    await this.transport.close();
    for (const w of this.parkedAll()) this.unpark(w);
    for (const p of this.pending.values()) {
      if (p.timer !== null) clearTimeout(p.timer);
      p.resolve(err.tryAgain('Cluster node shutting down'));
      p.after?.();
    }
    this.pending.clear();
    for (const h of this.chains.values()) if (h.durability !== null) await h.durability.close();
  }

  // ---- routing ------------------------------------------------------------------------

  chainOfKey(key: string): ChainId {
    return this.placement.chainOfSlot(keySlot(key));
  }

  /** A data command from a client of this node. */
  data(s: Session, spec: CommandSpec, args: string[]): Reply | Promise<Reply> {
    const idx = keyIndexes(spec, args).filter((i) => i < args.length);
    if (idx.length === 0) return this.span(s, spec, args);
    const byChain = new Map<ChainId, number[]>();
    for (const i of idx) {
      const c = this.chainOfKey(args[i] as string);
      const list = byChain.get(c);
      if (list === undefined) byChain.set(c, [i]);
      else list.push(i);
    }
    if (byChain.size === 1) {
      const chain = byChain.keys().next().value as ChainId;
      if (spec.blocking && s.multi === null) {
        // Like a blocked client on a single node, the connection reads nothing more until served.
        s.pause();
        return this.blockingWrite(s, spec, chain, args).finally(() => s.resume());
      }
      return spec.isWrite ? this.writeOne(s, chain, args) : this.readOne(s, chain, args, idx.map((i) => args[i] as string));
    }
    if (!SPLIT.has(spec.name)) return err.crossSlot;
    return this.split(s, spec, args, byChain);
  }

  private orderOf(s: Session): ConnectionOrder {
    let o = this.order.get(s);
    if (o === undefined) this.order.set(s, (o = { writes: 0, reads: 0, waiting: [] }));
    return o;
  }

  /**
   * Send a write of session `s` in the connection's order (after its earlier reads). `send`
   * must call `done` exactly once, when the write is answered.
   */
  private asWrite(s: Session, send: (done: () => void) => Promise<Reply>): Promise<Reply> {
    const o = this.orderOf(s);
    if (o.waiting.length === 0 && o.reads === 0) return this.startWrite(o, send);
    return new Promise<Reply>((resolve) => o.waiting.push({ write: true, start: () => resolve(this.startWrite(o, send)) }));
  }

  private startWrite(o: ConnectionOrder, send: (done: () => void) => Promise<Reply>): Promise<Reply> {
    o.writes++;
    let called = false;
    return send(() => {
      if (called) return;
      called = true;
      if (--o.writes === 0) this.pump(o);
    });
  }

  /** Run a read of session `s` in the connection's order (after its earlier writes). */
  private asRead(s: Session, run: () => Reply | Promise<Reply>): Reply | Promise<Reply> {
    const o = this.orderOf(s);
    if (o.waiting.length === 0 && o.writes === 0) return this.startRead(o, run);
    return new Promise<Reply>((resolve) => o.waiting.push({ write: false, start: () => resolve(this.startRead(o, run)) }));
  }

  private startRead(o: ConnectionOrder, run: () => Reply | Promise<Reply>): Reply | Promise<Reply> {
    const r = run();
    if (!(r instanceof Promise)) return r;
    o.reads++;
    const done = () => {
      if (--o.reads === 0) this.pump(o);
    };
    r.then(done, done);
    return r;
  }

  /** Start the waiting operations that may go now: a write once no read is out, a read once no write is. */
  private pump(o: ConnectionOrder): void {
    while (o.waiting.length > 0) {
      const op = o.waiting[0] as { write: boolean; start(): void };
      if (op.write ? o.reads > 0 : o.writes > 0) return;
      o.waiting.shift();
      op.start();
    }
  }

  private writeOne(s: Session, chain: ChainId, args: string[]): Promise<Reply> {
    const db = s.db;
    return this.asWrite(s, (done) => this.write(chain, { db, nowMs: 0, seed: 0, items: [{ args }] }, done, true));
  }

  /**
   * BLPOP and friends in a cluster. The first try is the command's non-blocking form, ordered
   * at the head like any write (it also validates the request). If nothing was served, the
   * request waits at the head (`blockAtHead`): the head keeps blocked requests per key in
   * arrival order and orders one as an update as soon as an update gives its key something
   * to serve, or answers nil at the timeout. While waiting, the connection reads nothing
   * more, as a blocked client on a single node. A try that raced with another client and
   * found nothing again simply waits again, until the deadline.
   */
  private async blockingWrite(s: Session, spec: CommandSpec, chain: ChainId, args: string[]): Promise<Reply> {
    const def = blockingDefOf(spec.name);
    const first = await this.writeOne(s, chain, args);
    if (def === undefined || !isNotServed(first)) return first;
    const timeoutMs = parseBlockTimeout(args[def.timeoutIndex(args)] as string);
    if (timeoutMs instanceof ErrorReply) return timeoutMs;
    const deadline = timeoutMs === 0 ? Infinity : Date.now() + timeoutMs;
    const db = s.db;
    const head = this.placement.membersOf(chain)[0] as NodeId;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || s.closed) return NULL_ARRAY;
      const request = this.nextRequest++;
      const waitMs = left === Infinity ? 0 : Math.ceil(left);
      // The head answers at the deadline; the origin's own timer only guards a lost head.
      const p = this.expect(request, waitMs === 0 ? 0 : waitMs + clusterRequestTimeoutMs);
      this.blocked.set(s, { head, chain, request, db });
      const payload: UpdatePayload = { db, nowMs: 0, seed: 0, items: [{ args: [blockCommand, String(waitMs), ...args] }] };
      if (head === this.self) this.submitAt(chain, payload, { node: this.self, request });
      else this.send(head, { kind: 'write', request, chain, payload });
      const r = await p;
      this.blocked.delete(s);
      const reply = Array.isArray(r) ? (r[0] as Reply) : r;
      if (!isNotServed(reply)) return reply;
    }
  }

  /** A client closed while blocked: the head forgets its request (nothing is served to nobody). */
  onSessionClosed(s: Session): void {
    this.dropWatch(s);
    const b = this.blocked.get(s);
    if (b === undefined) return;
    this.blocked.delete(s);
    this.settle(b.request, NULL_ARRAY);
    void this.readAt(b.head, b.chain, b.db, [unblockCommand, String(b.request)]);
  }

  private readOne(s: Session, chain: ChainId, args: string[], keys: readonly string[] | null): Reply | Promise<Reply> {
    const db = s.db;
    return this.asRead(s, () => this.read(chain, db, args, keys));
  }

  private split(s: Session, spec: CommandSpec, args: string[], byChain: Map<ChainId, number[]>): Promise<Reply> {
    const parts = [...byChain].map(([chain, idx]) => {
      const sub = [args[0] as string, ...idx.map((i) => args[i] as string)];
      return (spec.isWrite ? this.writeOne(s, chain, sub) : Promise.resolve(this.readOne(s, chain, sub, sub.slice(1)))).then((r) => ({ idx, r }));
    });
    const all = Promise.all(parts).then((results) => {
      for (const { r } of results) if (r instanceof ErrorReply) return r;
      if (spec.name === 'mget') {
        const out: Reply[] = new Array<Reply>(args.length - 1).fill(null);
        for (const { idx, r } of results) idx.forEach((argIndex, j) => (out[argIndex - 1] = (r as Reply[])[j] as Reply));
        return out;
      }
      let n = 0;
      for (const { r } of results) n += r as number;
      return n;
    });
    return all;
  }

  /** KEYS, SCAN, DBSIZE, RANDOMKEY, FLUSHALL, FLUSHDB, SWAPDB: every chain. */
  private span(s: Session, spec: CommandSpec, args: string[]): Reply | Promise<Reply> {
    const chains = this.placement.chains();
    if (SPAN_WRITE.has(spec.name)) {
      return Promise.all(chains.map((c) => this.writeOne(s, c, args))).then((rs) => rs.find((r) => r instanceof ErrorReply) ?? (rs[0] as Reply));
    }
    if (!SPAN_READ.has(spec.name)) {
      // Any other keyless data command reads one chain's state: give it the first chain.
      return this.readOne(s, chains[0] as ChainId, args, null);
    }
    const db = s.db;
    if (spec.name === 'scan') return this.asRead(s, () => this.scan(chains, db, args));
    return this.asRead(s, async () => {
      const rs = await Promise.all(chains.map((c) => Promise.resolve(this.read(c, db, args, null))));
      const bad = rs.find((r) => r instanceof ErrorReply);
      if (bad !== undefined) return bad;
      if (spec.name === 'dbsize') return rs.reduce<number>((a, r) => a + (r as number), 0);
      if (spec.name === 'keys') return rs.flatMap((r) => r as Reply[]);
      const present = rs.filter((r) => r !== null);
      return present.length === 0 ? null : (present[randomInt(present.length)] as Reply);
    });
  }

  /**
   * SCAN across chains: the cursor is inner * chains + chain index, so a cursor names the
   * chain being walked and its own cursor there; every key is returned by some call, as
   * Redis's SCAN guarantees, as long as the chain list does not change.
   */
  private async scan(chains: ChainId[], db: number, args: string[]): Promise<Reply> {
    let cursor: bigint;
    try {
      cursor = BigInt(args[1] as string);
      if (cursor < 0n) throw new Error('negative');
    } catch {
      return err.invalidCursor;
    }
    const n = BigInt(chains.length);
    let at = Number(cursor % n);
    let inner = cursor / n;
    const rest = args.slice(2);
    const keys: Reply[] = [];
    for (;;) {
      const r = await this.read(chains[at] as ChainId, db, ['SCAN', inner.toString(), ...rest], null);
      if (r instanceof ErrorReply) return r;
      const [next, batch] = r as [string, Reply[]];
      keys.push(...batch);
      if (next !== '0') return [(BigInt(next) * n + BigInt(at)).toString(), keys];
      at++;
      inner = 0n;
      if (at === chains.length) return ['0', keys];
      if (keys.length > 0) return [BigInt(at).toString(), keys];
    }
  }

  /** EXEC in a cluster: the data commands of the transaction as one update at the head of their one chain. */
  execTransaction(s: Session, queued: QueuedCommand[], watched: ClusterWatch | 'crossslot' | undefined): Reply | Promise<Reply> {
    const r = this.execAt(s, queued, watched);
    // The head decides a WATCH only when the EXEC reaches it; otherwise it must forget it now.
    if (watched !== undefined && watched !== 'crossslot' && !r.carriesWatch) this.releaseWatch(watched);
    return r.reply;
  }

  private execAt(s: Session, queued: QueuedCommand[], watched: ClusterWatch | 'crossslot' | undefined): { reply: Reply | Promise<Reply>; carriesWatch: boolean } {
    let chain: ChainId | null = null;
    for (const q of queued) {
      if (q.spec.data === undefined) continue;
      const idx = keyIndexes(q.spec, q.args);
      if (idx.length === 0) return { reply: err.crossSlot, carriesWatch: false };
      for (const i of idx) {
        const c = this.chainOfKey(q.args[i] as string);
        if (chain !== null && c !== chain) return { reply: err.crossSlot, carriesWatch: false };
        chain = c;
      }
    }
    if (watched === 'crossslot') return { reply: err.crossSlot, carriesWatch: false };
    if (watched !== undefined && chain !== null && watched.chain !== chain) return { reply: err.crossSlot, carriesWatch: false };
    const replies: Reply[] = new Array<Reply>(queued.length).fill(null);
    const at: number[] = [];
    const items: UpdatePayload['items'] = [];
    const startDb = s.db;
    for (let i = 0; i < queued.length; i++) {
      const q = queued[i] as QueuedCommand;
      if (q.spec.data !== undefined) {
        items.push({ args: q.args });
        at.push(i);
        continue;
      }
      const r = this.server.execute(s, q.spec, q.args);
      replies[i] = r instanceof Promise ? err.tryAgain('asynchronous command in a cluster transaction') : r;
      if (q.spec.name === 'select' && at.length > 0) items.push({ select: s.db });
    }
    if (chain === null) return { reply: replies, carriesWatch: false };
    const payload: UpdatePayload = { db: startDb, nowMs: 0, seed: 0, items };
    if (watched !== undefined) payload.watch = { keys: watched.keys, sinceSeq: watched.sinceSeq };
    const p = this.asWrite(s, (done) => this.write(chain, payload, done)).then((r) => {
      if (r instanceof ErrorReply) return r;
      if (r === null || r instanceof NullArrayReply) return NullArrayReply.instance;
      const rs = r as Reply[];
      at.forEach((pos, j) => (replies[pos] = rs[j] as Reply));
      return replies;
    });
    return { reply: p, carriesWatch: watched !== undefined };
  }

  /** WATCH in a cluster: remember the head's last ordered update; EXEC aborts if a watched key changed after it. */
  watch(s: Session, keys: string[]): Reply | Promise<Reply> {
    const prev = this.watches.get(s);
    if (prev === 'crossslot') return OK;
    let chain: ChainId | null = prev?.chain ?? null;
    for (const k of keys) {
      const c = this.chainOfKey(k);
      if (chain !== null && c !== chain) {
        this.watches.set(s, 'crossslot');
        return err.crossSlot;
      }
      chain = c;
    }
    const db = s.db;
    const target = chain as ChainId;
    return Promise.resolve(this.asRead(s, () => this.readAt(this.placement.membersOf(target)[0] as NodeId, target, db, [watchSeqCommand, ...keys]))).then((r) => {
      if (typeof r !== 'number') return r;
      const w = this.watches.get(s);
      const entries = keys.map((key) => ({ db, key }));
      if (w === undefined && !s.closed) this.watches.set(s, { chain: target, sinceSeq: r, keys: entries });
      else if (w !== undefined && w !== 'crossslot' && w.chain === target) w.keys.push(...entries);
      // Registered at the head, but no EXEC will carry it (the client left, or UNWATCH won the race).
      else this.releaseWatch({ chain: target, sinceSeq: r, keys: entries });
      return OK;
    });
  }

  takeWatch(s: Session): ClusterWatch | 'crossslot' | undefined {
    const w = this.watches.get(s);
    this.watches.delete(s);
    return w;
  }

  dropWatch(s: Session): void {
    const w = this.watches.get(s);
    this.watches.delete(s);
    if (w !== undefined && w !== 'crossslot') this.releaseWatch(w);
  }

  /** The head forgets a WATCH whose EXEC will never reach it. */
  private releaseWatch(w: ClusterWatch): void {
    const args = [unwatchCommand];
    for (const k of w.keys) args.push(String(k.db), k.key);
    void this.readAt(this.placement.membersOf(w.chain)[0] as NodeId, w.chain, 0, args);
  }

  /**
   * CONFIG SET of parameters the engine depends on (encoding thresholds) in a cluster: every
   * chain applies the change as an update, so all replicas switch at the same point of the
   * update stream and stay identical; the other nodes' CONFIG GET learns it by a broadcast.
   */
  replicateEngineConfig(s: Session, pairs: Array<[string, string]>): Promise<Reply> {
    const flat = pairs.flat();
    for (const n of this.options.config.nodes) if (n.id !== this.self) this.send(n.id, { kind: 'publish', channel: configChannel, message: flat.join('\u0000'), sharded: false });
    const db = s.db;
    return Promise.all(this.placement.chains().map((c) => this.asWrite(s, (done) => this.write(c, { db, nowMs: 0, seed: 0, items: [{ args: [configCommand, ...flat] }] }, done)))).then(
      (rs) => rs.find((r) => r instanceof ErrorReply) ?? OK,
    );
  }

  /** PUBLISH: delivered here and sent to every other node. */
  publish(channel: string, message: string, sharded: boolean): number {
    for (const n of this.options.config.nodes) if (n.id !== this.self) this.send(n.id, { kind: 'publish', channel, message, sharded });
    return sharded ? this.server.pubsub.spublish(channel, message) : this.server.pubsub.publish(channel, message);
  }

  // ---- requests -------------------------------------------------------------------------

  /**
   * Order an update at the chain's head; resolves to its replies (an array; with `unwrap`, the
   * first of them) or an error, then calls `after`.
   */
  write(chain: ChainId, payload: UpdatePayload, after: (() => void) | null = null, unwrap = false): Promise<Reply> {
    const head = this.placement.membersOf(chain)[0] as NodeId;
    const request = this.nextRequest++;
    const p = this.expect(request, clusterRequestTimeoutMs, after, unwrap);
    if (head === this.self) this.submitAt(chain, payload, { node: this.self, request });
    else this.send(head, { kind: 'write', request, chain, payload });
    return p;
  }

  /**
   * A read of `keys` (null: keyless, the whole keyspace): answered here if this node is a
   * replica of the chain whose copy of them is clean (ChainHost.cleanFor: CRAQ), otherwise at
   * the chain's tail.
   */
  read(chain: ChainId, db: number, args: string[], keys: readonly string[] | null): Reply | Promise<Reply> {
    const local = this.chains.get(chain);
    if (local !== undefined && local.cleanFor(db, keys)) {
      this.cleanReads++;
      return local.read(db, args, Date.now());
    }
    const members = this.placement.membersOf(chain);
    return this.readAt(members[members.length - 1] as NodeId, chain, db, args);
  }

  private readAt(node: NodeId, chain: ChainId, db: number, args: string[]): Reply | Promise<Reply> {
    if (node === this.self) return this.control(this.self, chain, args) ?? this.readLocal(chain, db, args, Date.now());
    const request = this.nextRequest++;
    const p = this.expect(request);
    this.send(node, { kind: 'read', request, chain, db, args, nowMs: Date.now() });
    return p;
  }

  private readLocal(chain: ChainId, db: number, args: string[], nowMs: number): Reply {
    const host = this.chains.get(chain);
    if (host === undefined) return err.tryAgain(`This node does not serve chain ${chain}`);
    if (args[0] === watchSeqCommand) {
      if (host.role !== 'head') return err.tryAgain(`This node is not the head of chain ${chain}`);
      return host.registerWatch(args.slice(1).map((key) => ({ db, key })));
    }
    return host.read(db, args, nowMs);
  }

  /** A read-path request that is a control message for this node (unblock, unwatch). */
  private control(from: NodeId, chain: ChainId, args: string[]): Reply | undefined {
    if (args[0] === unwatchCommand) {
      const keys: Array<{ db: number; key: string }> = [];
      for (let i = 1; i + 1 < args.length; i += 2) keys.push({ db: Number(args[i]), key: args[i + 1] as string });
      this.chains.get(chain)?.releaseWatch(keys);
      return OK;
    }
    if (args[0] !== unblockCommand) return undefined;
    this.unblock(chain, { node: from, request: Number(args[1]) });
    return OK;
  }

  /**
   * A promise of request's answer; after timeoutMs (0: never) it answers -TRYAGAIN instead.
   * The common timeout is enforced by one periodic sweep (requests are kept in the order they
   * were made, so the sweep stops at the first one not yet due): a timer per request would
   * cost more than the request itself on the write path.
   */
  private expect(request: number, timeoutMs = clusterRequestTimeoutMs, after: (() => void) | null = null, unwrap = false): Promise<Reply> {
    return new Promise<Reply>((resolve) => {
      if (timeoutMs === clusterRequestTimeoutMs) {
        this.pending.set(request, { resolve, unwrap, after, timer: null, deadlineMs: Date.now() + timeoutMs });
        return;
      }
      const timer =
        timeoutMs === 0
          ? null
          : setTimeout(() => {
              this.pending.delete(request);
              resolve(err.tryAgain('Cluster request timed out; the write may or may not have been applied'));
              after?.();
            }, timeoutMs);
      this.pending.set(request, { resolve, unwrap, after, timer, deadlineMs: Infinity });
    });
  }

  /** Answer -TRYAGAIN to the requests made with the common timeout that are due at `nowMs`. */
  private sweepRequests(nowMs: number): void {
    for (const [request, p] of this.pending) {
      if (p.deadlineMs === Infinity) continue;
      if (p.deadlineMs > nowMs) return;
      this.pending.delete(request);
      p.resolve(err.tryAgain('Cluster request timed out; the write may or may not have been applied'));
      p.after?.();
    }
  }

  private settle(request: number, r: Reply): void {
    const p = this.pending.get(request);
    if (p === undefined) return;
    this.pending.delete(request);
    if (p.timer !== null) clearTimeout(p.timer);
    p.resolve(p.unwrap && Array.isArray(r) ? (r[0] as Reply) : r);
    p.after?.();
  }

  /** Head: fix the ctx (time, seed) and order the update. */
  private submitAt(chain: ChainId, payload: UpdatePayload, origin: Origin): void {
    const host = this.chains.get(chain);
    let refused: ErrorReply | null;
    const first = payload.items[0];
    if (host === undefined || host.role !== 'head') refused = err.tryAgain(`This node is not the head of chain ${chain}`);
    else if (first !== undefined && 'args' in first && first.args[0] === blockCommand) refused = this.blockAtHead(host, payload.db, first.args, origin);
    else refused = host.submit({ ...payload, nowMs: Date.now(), seed: randomInt(0x1_0000_0000) }, origin);
    if (refused !== null) this.answer(origin, refused);
  }

  /**
   * Head: a blocked request ([blockCommand, waitMs, ...command]). Ordered now if one of its
   * keys holds something of the type it pops; otherwise parked behind the requests already
   * waiting on its keys (first blocked, first served, as Redis's blocked.c) until an update
   * touches one of them, or answered nil once waitMs have passed (0: never).
   */
  private blockAtHead(host: ChainHost, db: number, raw: string[], origin: Origin): ErrorReply | null {
    const args = raw.slice(2);
    const spec = specOf(this.server.table, args);
    const def = spec === null ? undefined : blockingDefOf(spec.name);
    if (def === undefined) return err.tryAgain('not a blocking command');
    const w: ParkedRequest = { host, db, args, keys: [...new Set(def.keys(args))], type: def.type, origin, timer: null };
    if (this.servable(w)) return this.serveParked(w);
    const waitMs = Number(raw[1]);
    if (waitMs > 0) {
      w.timer = setTimeout(() => {
        this.unpark(w);
        this.answer(origin, NULL_ARRAY);
      }, waitMs);
      w.timer.unref();
    }
    for (const k of w.keys) {
      const id = `${db}\u0000${k}`;
      const list = host.parked.get(id);
      if (list === undefined) host.parked.set(id, [w]);
      else list.push(w);
    }
    return null;
  }

  /** Whether one of the request's keys holds a live, non-empty value of the type it pops. */
  private servable(w: ParkedRequest): boolean {
    const d = w.host.ks.db(w.db);
    const now = Date.now();
    for (const k of w.keys) {
      const v = d.data.get(k);
      const at = d.expires.get(k);
      if (v !== undefined && (at === undefined || at > now) && !isString(v) && v.type === w.type && v.size > 0) return true;
    }
    return false;
  }

  private serveParked(w: ParkedRequest): ErrorReply | null {
    return w.host.submit({ db: w.db, nowMs: Date.now(), seed: randomInt(0x1_0000_0000), items: [{ args: w.args }] }, w.origin);
  }

  private unpark(w: ParkedRequest): void {
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = null;
    for (const k of w.keys) {
      const id = `${w.db}\u0000${k}`;
      const list = w.host.parked.get(id);
      if (list === undefined) continue;
      const i = list.indexOf(w);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) w.host.parked.delete(id);
    }
  }

  private *parkedAll(): Iterable<ParkedRequest> {
    const seen = new Set<ParkedRequest>();
    for (const h of this.chains.values()) {
      for (const list of h.parked.values()) {
        for (const w of list) {
          if (seen.has(w)) continue;
          seen.add(w);
          yield w;
        }
      }
    }
  }

  /** Head, after each update: serve the first waiter of each touched key that can now be served. */
  private serveTouched(host: ChainHost, effects: readonly Effect[]): void {
    if (host.parked.size === 0 || host.role !== 'head') return;
    const touched = new Set<string>();
    for (const e of effects) {
      if (!('key' in e)) continue;
      touched.add(`${e.db}\u0000${e.key}`);
      if (e.op === 'rename') touched.add(`${e.db}\u0000${e.to}`);
      else if (e.op === 'move') touched.add(`${e.toDb}\u0000${e.key}`);
    }
    for (const id of touched) {
      const list = host.parked.get(id);
      const w = list?.find((x) => this.servable(x));
      if (w === undefined) continue;
      this.unpark(w);
      const refused = this.serveParked(w);
      if (refused !== null) this.answer(w.origin, refused);
    }
  }

  /** Head: a blocked client went away; forget its request. */
  private unblock(chain: ChainId, origin: Origin): void {
    const host = this.chains.get(chain);
    if (host === undefined) return;
    for (const list of host.parked.values()) {
      const w = list.find((x) => x.origin.node === origin.node && x.origin.request === origin.request);
      if (w !== undefined) {
        this.unpark(w);
        return;
      }
    }
  }

  private answer(origin: Origin, replies: Reply): void {
    if (origin.node === this.self) this.settle(origin.request, replies);
    else this.send(origin.node, { kind: 'result', request: origin.request, reply: replies });
  }

  /**
   * Seal every open batch at the end of the turn (setImmediate: after all of this turn's I/O
   * callbacks), then flush the links at once, so the batches leave in this turn rather than
   * at the links' own flush in the next one.
   */
  private requestSeal(h: ChainHost): void {
    if (this.sealing.length === 0) setImmediate(this.sealAll);
    this.sealing.push(h);
  }

  private readonly sealAll = (): void => {
    const hosts = this.sealing;
    this.sealing = [];
    for (const h of hosts) h.sealTurn();
    this.transport.flushNow();
  };

  /** A tail answering a batch: one message per origin node carries all of that node's replies. */
  private answerMany(origins: readonly Origin[], replies: readonly Reply[]): void {
    let remote: Map<NodeId, Array<{ request: number; reply: Reply }>> | null = null;
    for (let i = 0; i < origins.length; i++) {
      const o = origins[i] as Origin;
      const r = replies[i] as Reply;
      if (o.node === this.self) {
        this.settle(o.request, r);
        continue;
      }
      remote ??= new Map();
      const list = remote.get(o.node);
      if (list === undefined) remote.set(o.node, [{ request: o.request, reply: r }]);
      else list.push({ request: o.request, reply: r });
    }
    if (remote !== null) for (const [node, results] of remote) this.send(node, { kind: 'results', results });
  }

  private send(to: NodeId, m: ClusterMsg): void {
    this.transport.send(to, encodeClusterMsg(m));
  }

  private onMessage(from: NodeId, bytes: Uint8Array): void {
    const m = decodeClusterMsg(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if ('error' in m) {
      this.options.log(`dropped an undecodable message from ${from}: ${m.error}`);
      return;
    }
    switch (m.kind) {
      case 'write':
        this.submitAt(m.chain as ChainId, m.payload, { node: from, request: m.request });
        return;
      case 'read':
        this.send(from, { kind: 'result', request: m.request, reply: this.control(from, m.chain as ChainId, m.args) ?? this.readLocal(m.chain as ChainId, m.db, m.args, m.nowMs) });
        return;
      case 'result':
        this.settle(m.request, m.reply);
        return;
      case 'results':
        for (const r of m.results) this.settle(r.request, r.reply);
        return;
      case 'chain': {
        const host = this.chains.get(m.chain as ChainId);
        if (host === undefined) this.options.log(`chain message for ${m.chain}, which this node does not serve, from ${from}`);
        else host.onChainMessage(from, m.bytes);
        return;
      }
      case 'publish':
        if (m.channel === configChannel) {
          const parts = m.message.split('\u0000');
          for (let i = 0; i + 1 < parts.length; i += 2) this.server.config.setRaw(parts[i] as string, parts[i + 1] as string);
          return;
        }
        if (m.sharded) this.server.pubsub.spublish(m.channel, m.message);
        else this.server.pubsub.publish(m.channel, m.message);
        return;
    }
  }

  /** Heads expire their chains' keys as ordinary updates (DESIGN: active expiry is an update). */
  private expireCycle(): void {
    const now = Date.now();
    for (const h of this.chains.values()) {
      if (h.role !== 'head') continue;
      for (const p of h.expireDue(now)) {
        const request = this.nextRequest++;
        void this.expect(request);
        this.submitAt(h.chain, p, { node: this.self, request });
      }
    }
  }

  /** INFO replication's lines for the chains. */
  infoLines(): string[] {
    const roles = { head: 0, middle: 0, tail: 0 };
    const lines: string[] = [];
    let i = 0;
    for (const h of this.chains.values()) {
      const st = h.replica.stats();
      roles[st.role]++;
      const lag = st.handedSeq - st.ackedSeq;
      lines.push(`chain${i++}:id=${h.chain},role=${st.role},applied_seq=${st.appliedSeq},acked_seq=${st.ackedSeq},lag=${lag},sent=${st.sentLength},watched=${h.watchedKeys},divergences=${h.divergences},halted=${h.halted === null ? 0 : 1}`);
    }
    return [`cluster_node:${this.self}`, `chains:${this.chains.size}`, `clean_reads:${this.cleanReads}`, `chain_heads:${roles.head}`, `chain_middles:${roles.middle}`, `chain_tails:${roles.tail}`, ...lines];
  }
}

export { specOf };
