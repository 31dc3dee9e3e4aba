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
import { applyEffect } from '../engine/effects';
import { blockingDefOf, isNotServed, parseBlockTimeout } from '../server/blocking';
import { err } from '../resp/errors';
import { Keyspace } from '../engine/keyspace';
import { encodingParams } from '../server/config-params';
import type { Durability } from '../server/durability';
import { PeerTransport } from './transport';
import { ChainHost, configCommand, specOf } from './chain-host';
import { decodeClusterMsg, encodeClusterMsg, type ClusterMsg, type UpdatePayload } from './update-codec';
import { activeExpirePeriodMs } from '../limits';
import { clusterBlockingRetryMsMax, clusterRequestTimeoutMs } from './limits';

/** Commands that are per-key by nature: split across chains, replies merged. */
const SPLIT = new Set(['mget', 'del', 'exists', 'unlink', 'touch']);
/** Keyless data commands that span the cluster. */
const SPAN_READ = new Set(['dbsize', 'keys', 'scan', 'randomkey']);
const SPAN_WRITE = new Set(['flushall', 'flushdb', 'swapdb']);

/** Node-to-node only: CONFIG SET of engine parameters reaching the other nodes' registries. */
const configChannel = '\u0000config';

/** A read asks the head for its last ordered update (WATCH's starting point). */
const watchSeqCommand = '\u0000watchseq';

export interface ClusterNodeOptions {
  config: ClusterConfig;
  self: NodeId;
  secret: Buffer;
  /** The durability of one chain's replica on this node, or null (memory backend). */
  openChain(chain: ChainId): Promise<Durability | null>;
  log(line: string): void;
}

/**
 * A connection's requests in flight. Writes go to heads and reads to tails by different
 * paths, so each waits for the other kind issued before it: a read for the connection's
 * earlier writes (it must see them), a write for its earlier reads (they must not see it).
 * A run of writes, or of reads, is not serialized: writes to one chain stay in order on its
 * FIFO link, and reads of the same state may run together.
 */
interface ConnectionOrder {
  writes: Promise<unknown> | null;
  reads: Promise<unknown> | null;
  /** Sending of writes that had to wait: later writes go after them, to keep FIFO order. */
  gate: Promise<unknown> | null;
}

function track(o: ConnectionOrder, kind: 'writes' | 'reads' | 'gate', p: Promise<unknown>): void {
  const prev = o[kind];
  const all = prev === null ? p : Promise.all([prev, p]);
  o[kind] = all;
  const clear = () => {
    if (o[kind] === all) o[kind] = null;
  };
  all.then(clear, clear);
}

interface PendingRequest {
  resolve(r: Reply): void;
  timer: NodeJS.Timeout;
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
  /** Per session: what keeps its reads and writes in the connection's order (see asRead/asWrite). */
  private readonly order = new WeakMap<Session, ConnectionOrder>();
  private readonly watches = new WeakMap<Session, ClusterWatch | 'crossslot'>();
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
        answer: (origin, replies) => this.answer(origin, replies),
        updated: (_c, r) => {
          if (r.effects.length > 0) server.watches.touch(r.effects);
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
  }

  async close(): Promise<void> {
    if (this.expireTimer !== null) clearInterval(this.expireTimer);
    await this.transport.close();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve(err.tryAgain('Cluster node shutting down'));
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
      return spec.isWrite ? this.writeOne(s, chain, args) : this.readOne(s, chain, args);
    }
    if (!SPLIT.has(spec.name)) return err.crossSlot;
    return this.split(s, spec, args, byChain);
  }

  private orderOf(s: Session): ConnectionOrder {
    let o = this.order.get(s);
    if (o === undefined) this.order.set(s, (o = { writes: null, reads: null, gate: null }));
    return o;
  }

  /** Send a write of session `s` in the connection's order (after its earlier reads). */
  private asWrite(s: Session, send: () => Promise<Reply>): Promise<Reply> {
    const o = this.orderOf(s);
    let p: Promise<Reply>;
    if (o.reads === null && o.gate === null) p = send();
    else {
      const sent = Promise.all([o.reads, o.gate]).then(() => ({ reply: send() }));
      track(o, 'gate', sent);
      p = sent.then((x) => x.reply);
    }
    track(o, 'writes', p);
    return p;
  }

  /** Run a read of session `s` in the connection's order (after its earlier writes). */
  private asRead(s: Session, run: () => Reply | Promise<Reply>): Reply | Promise<Reply> {
    const o = this.orderOf(s);
    const r = o.writes === null ? run() : o.writes.then(run);
    if (r instanceof Promise) track(o, 'reads', r);
    return r;
  }

  private writeOne(s: Session, chain: ChainId, args: string[]): Promise<Reply> {
    const db = s.db;
    return this.asWrite(s, () => this.write(chain, { db, nowMs: 0, seed: 0, items: [{ args }] }).then((r) => (Array.isArray(r) ? (r[0] as Reply) : r)));
  }

  /**
   * BLPOP and friends in a cluster: the command's non-blocking form is ordered at the head
   * like any write; while it finds nothing, it is tried again after a pause that grows to
   * clusterBlockingRetryMsMax, until served or timed out. Each try is an atomic update, so
   * nothing is popped twice or lost; clients blocked on one key are not served in strict
   * FIFO order as on a single node (docs/cluster.md).
   */
  private async blockingWrite(s: Session, spec: CommandSpec, chain: ChainId, args: string[]): Promise<Reply> {
    const def = blockingDefOf(spec.name);
    // The first try also validates the request: its errors are the command's own.
    const first = await this.writeOne(s, chain, args);
    if (def === undefined || !isNotServed(first)) return first;
    const timeoutMs = parseBlockTimeout(args[def.timeoutIndex(args)] as string);
    if (timeoutMs instanceof ErrorReply) return timeoutMs;
    const deadline = timeoutMs === 0 ? Infinity : Date.now() + timeoutMs;
    let pauseMs = 1;
    for (;;) {
      const left = deadline - Date.now();
      // A timeout answers as a single node's blocked client does.
      if (left <= 0 || s.closed) return NULL_ARRAY;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
      pauseMs = Math.min(pauseMs * 2, clusterBlockingRetryMsMax);
      const r = await this.writeOne(s, chain, args);
      if (!isNotServed(r)) return r;
    }
  }

  private readOne(s: Session, chain: ChainId, args: string[]): Reply | Promise<Reply> {
    const db = s.db;
    return this.asRead(s, () => this.read(chain, db, args));
  }

  private split(s: Session, spec: CommandSpec, args: string[], byChain: Map<ChainId, number[]>): Promise<Reply> {
    const parts = [...byChain].map(([chain, idx]) => {
      const sub = [args[0] as string, ...idx.map((i) => args[i] as string)];
      return (spec.isWrite ? this.writeOne(s, chain, sub) : Promise.resolve(this.readOne(s, chain, sub))).then((r) => ({ idx, r }));
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
      return this.readOne(s, chains[0] as ChainId, args);
    }
    const db = s.db;
    if (spec.name === 'scan') return this.asRead(s, () => this.scan(chains, db, args));
    return this.asRead(s, async () => {
      const rs = await Promise.all(chains.map((c) => Promise.resolve(this.read(c, db, args))));
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
      const r = await this.read(chains[at] as ChainId, db, ['SCAN', inner.toString(), ...rest]);
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
    let chain: ChainId | null = null;
    for (const q of queued) {
      if (q.spec.data === undefined) continue;
      const idx = keyIndexes(q.spec, q.args);
      if (idx.length === 0) return err.crossSlot;
      for (const i of idx) {
        const c = this.chainOfKey(q.args[i] as string);
        if (chain !== null && c !== chain) return err.crossSlot;
        chain = c;
      }
    }
    if (watched === 'crossslot') return err.crossSlot;
    if (watched !== undefined && chain !== null && watched.chain !== chain) return err.crossSlot;
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
    if (chain === null) return replies;
    const payload: UpdatePayload = { db: startDb, nowMs: 0, seed: 0, items };
    if (watched !== undefined) payload.watch = { keys: watched.keys, sinceSeq: watched.sinceSeq };
    const p = this.asWrite(s, () => this.write(chain, payload)).then((r) => {
      if (r instanceof ErrorReply) return r;
      if (r === null || r instanceof NullArrayReply) return NullArrayReply.instance;
      const rs = r as Reply[];
      at.forEach((pos, j) => (replies[pos] = rs[j] as Reply));
      return replies;
    });
    return p;
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
    return Promise.resolve(this.asRead(s, () => this.readAt(this.placement.membersOf(target)[0] as NodeId, target, db, [watchSeqCommand]))).then((r) => {
      if (typeof r !== 'number') return r;
      const w = this.watches.get(s);
      const entries = keys.map((key) => ({ db, key }));
      if (w === undefined) this.watches.set(s, { chain: target, sinceSeq: r, keys: entries });
      else if (w !== 'crossslot') w.keys.push(...entries);
      return OK;
    });
  }

  takeWatch(s: Session): ClusterWatch | 'crossslot' | undefined {
    const w = this.watches.get(s);
    this.watches.delete(s);
    return w;
  }

  dropWatch(s: Session): void {
    this.watches.delete(s);
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
    return Promise.all(this.placement.chains().map((c) => this.asWrite(s, () => this.write(c, { db, nowMs: 0, seed: 0, items: [{ args: [configCommand, ...flat] }] })))).then(
      (rs) => rs.find((r) => r instanceof ErrorReply) ?? OK,
    );
  }

  /** PUBLISH: delivered here and sent to every other node. */
  publish(channel: string, message: string, sharded: boolean): number {
    for (const n of this.options.config.nodes) if (n.id !== this.self) this.send(n.id, { kind: 'publish', channel, message, sharded });
    return sharded ? this.server.pubsub.spublish(channel, message) : this.server.pubsub.publish(channel, message);
  }

  // ---- requests -------------------------------------------------------------------------

  /** Order an update at the chain's head; resolves to its replies (an array) or an error. */
  write(chain: ChainId, payload: UpdatePayload): Promise<Reply> {
    const head = this.placement.membersOf(chain)[0] as NodeId;
    const request = this.nextRequest++;
    const p = this.expect(request);
    if (head === this.self) this.submitAt(chain, payload, { node: this.self, request });
    else this.send(head, { kind: 'write', request, chain, payload });
    return p;
  }

  /** A read at the chain's tail. */
  read(chain: ChainId, db: number, args: string[]): Reply | Promise<Reply> {
    const members = this.placement.membersOf(chain);
    return this.readAt(members[members.length - 1] as NodeId, chain, db, args);
  }

  private readAt(node: NodeId, chain: ChainId, db: number, args: string[]): Reply | Promise<Reply> {
    if (node === this.self) return this.readLocal(chain, db, args, Date.now());
    const request = this.nextRequest++;
    const p = this.expect(request);
    this.send(node, { kind: 'read', request, chain, db, args, nowMs: Date.now() });
    return p;
  }

  private readLocal(chain: ChainId, db: number, args: string[], nowMs: number): Reply {
    const host = this.chains.get(chain);
    if (host === undefined) return err.tryAgain(`This node does not serve chain ${chain}`);
    if (args[0] === watchSeqCommand) return host.replica.stats().handedSeq;
    return host.read(db, args, nowMs);
  }

  private expect(request: number): Promise<Reply> {
    return new Promise<Reply>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(request);
        resolve(err.tryAgain('Cluster request timed out; the write may or may not have been applied'));
      }, clusterRequestTimeoutMs);
      this.pending.set(request, { resolve, timer });
    });
  }

  private settle(request: number, r: Reply): void {
    const p = this.pending.get(request);
    if (p === undefined) return;
    this.pending.delete(request);
    clearTimeout(p.timer);
    p.resolve(r);
  }

  /** Head: fix the ctx (time, seed) and order the update. */
  private submitAt(chain: ChainId, payload: UpdatePayload, origin: Origin): void {
    const host = this.chains.get(chain);
    let refused: ErrorReply | null;
    if (host === undefined || host.role !== 'head') refused = err.tryAgain(`This node is not the head of chain ${chain}`);
    else refused = host.submit({ ...payload, nowMs: Date.now(), seed: randomInt(0x1_0000_0000) }, origin);
    if (refused !== null) this.answer(origin, refused);
  }

  private answer(origin: Origin, replies: Reply): void {
    if (origin.node === this.self) this.settle(origin.request, replies);
    else this.send(origin.node, { kind: 'result', request: origin.request, reply: replies });
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
        this.send(from, { kind: 'result', request: m.request, reply: this.readLocal(m.chain as ChainId, m.db, m.args, m.nowMs) });
        return;
      case 'result':
        this.settle(m.request, m.reply);
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
      lines.push(`chain${i++}:id=${h.chain},role=${st.role},applied_seq=${st.appliedSeq},acked_seq=${st.ackedSeq},lag=${lag},sent=${st.sentLength},divergences=${h.divergences}`);
    }
    return [`cluster_node:${this.self}`, `chains:${this.chains.size}`, `chain_heads:${roles.head}`, `chain_middles:${roles.middle}`, `chain_tails:${roles.tail}`, ...lines];
  }
}

export { specOf };
