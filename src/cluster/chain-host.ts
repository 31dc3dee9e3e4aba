/**
 * The driver of one chain on this node (DESIGN: runtime): the pure ChainReplica core, the
 * chain's own keyspace and engine, and its durability. It carries out the core's Output in
 * the documented order — apply (engine, then backend), and only once durable report it
 * applied; then send; then answer — and nothing else. Every replica of a chain runs every
 * update through the engine with the ctx the head fixed, so all hold the same keyspace and
 * compute the same replies; a cumulative digest of the replies travels with the acks and a
 * replica whose digest differs is reported, never believed (DESIGN invariant 4).
 * May touch: its keyspace, engine, backend; the network only through `deps.send`.
 */
import { createHash } from 'node:crypto';
import type { ChainId, NodeId, Seq } from '../../protocol/config/cluster';
import { ChainReplica } from '../../protocol/chain/replica';
import type { AckMsg, Origin, Output } from '../../protocol/chain/messages';
import { decodeChainMsg, encodeChainMsg } from '../../protocol/chain/codec';
import { Keyspace } from '../engine/keyspace';
import { Engine, type ApplyResult } from '../engine/engine';
import type { CommandSpec } from '../commands/spec';
import type { Durability } from '../server/durability';
import { ErrorReply, NULL_ARRAY, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { encodeReply } from './reply-codec';
import { decodeUpdate, encodeUpdate, type UpdatePayload } from './update-codec';
import type { Effect } from '../engine/effects';
import type { KeyEvent } from '../engine/exec';
import { activeExpireKeysPerCycle } from '../limits';
import { encodingParams } from '../server/config-params';
import { watchPruneEveryUpdates, watchWindowUpdates } from './limits';

/** Pseudo-commands only a head puts in an update (never a client: names start with NUL). */
export const expireCommand = '\u0000expire';
/** CONFIG SET of engine parameters, applied by every replica at the same point of the stream: [name, value, ...]. */
export const configCommand = '\u0000config';

/** A blocked request (BLPOP & co.) parked at the head of its chain, waiting for its keys. */
export interface ParkedRequest {
  host: ChainHost;
  db: number;
  args: string[];
  keys: string[];
  /** The value type that can serve it. */
  type: string;
  origin: Origin;
  timer: NodeJS.Timeout | null;
}

export interface ChainHostDeps {
  self: NodeId;
  table: Map<string, CommandSpec>;
  /** Send a chain-core message (encoded) to a peer. */
  sendChain(to: NodeId, chain: ChainId, bytes: Uint8Array): void;
  /** Return an update's replies (an array, or NULL_ARRAY for an aborted EXEC) to the node whose client asked. */
  answer(origin: Origin, replies: Reply): void;
  /** After an update applied here: its effects and keyspace events (WATCH, blocking, notifications). */
  updated(chain: ChainHost, r: ApplyResult): void;
  log(line: string): void;
}

/** The spec a request names (subcommands included); validation happened at the origin. */
export function specOf(table: Map<string, CommandSpec>, args: readonly string[]): CommandSpec | null {
  const spec = table.get((args[0] as string).toLowerCase());
  if (spec === undefined) return null;
  if (spec.subcommands !== null && args.length >= 2) return spec.subcommands.get((args[1] as string).toLowerCase()) ?? null;
  return spec;
}

export class ChainHost {
  readonly ks: Keyspace;
  readonly engine: Engine;
  readonly replica: ChainReplica<Uint8Array>;
  /** Cumulative digest of every update's replies, after `digestSeq`. */
  private digest = '';
  private readonly replies = new Map<number, Reply>();
  divergences = 0;
  /** Why this replica stopped applying the chain (an update no correct head sends), or null. */
  halted: string | null = null;
  /**
   * (db, key) → the last update that changed it, for WATCH: an EXEC carrying watched keys
   * aborts if one changed after the update its WATCH saw. Every replica keeps it alike (it
   * follows the update stream only); entries older than watchWindowUpdates are pruned, and
   * an EXEC whose WATCH is older than that aborts (it cannot be proven clean).
   */
  private readonly touched = new Map<string, number>();
  private touchedFloor = 0;
  /** The newest ack of this burst, sent once the burst is processed (coalesceAck). */
  private pendingAck: { to: NodeId; msg: AckMsg } | null = null;
  /** Head only: blocked requests waiting per (db, key), in arrival order (the node parks and serves them). */
  readonly parked = new Map<string, ParkedRequest[]>();

  constructor(
    readonly chain: ChainId,
    members: readonly NodeId[],
    epoch: number,
    readonly durability: Durability | null,
    private readonly deps: ChainHostDeps,
    ks: Keyspace,
  ) {
    this.ks = ks;
    this.engine = new Engine(ks);
    this.engine.eventsWanted = false;
    const appliedSeq = durability === null ? 0 : Number(durability.durableSeq);
    this.replica = new ChainReplica<Uint8Array>({
      chain,
      self: deps.self,
      members,
      epoch: epoch as never,
      appliedSeq: appliedSeq as Seq,
    });
  }

  get role(): 'head' | 'middle' | 'tail' {
    return this.replica.role;
  }

  /** Head: order an update from a client (any node's). Returns an error reply when the chain refuses it now. */
  submit(payload: UpdatePayload, origin: Origin): ErrorReply | null {
    const refused = this.durability?.refusal() ?? null;
    if (refused !== null) return refused;
    const r = this.replica.submit(encodeUpdate(payload), origin);
    if ('error' in r) return err.tryAgain(`Chain ${this.chain} is busy: ${r.reason}`);
    this.carryOut(r.out);
    return null;
  }

  /** A chain-core message from a neighbour. */
  onChainMessage(from: NodeId, bytes: Uint8Array): void {
    const msg = decodeChainMsg(bytes);
    if ('error' in msg) {
      this.deps.log(`chain ${this.chain}: undecodable message from ${from} dropped: ${msg.error}`);
      return;
    }
    this.carryOut(this.replica.step(from, msg));
  }

  linkUp(peer: NodeId): void {
    this.carryOut(this.replica.linkUp(peer));
  }

  /** Run a read-only command on this replica's keyspace (the tail serves reads). */
  read(db: number, args: string[], nowMs: number): Reply {
    const spec = specOf(this.deps.table, args);
    if (spec === null || spec.data === undefined) return err.unknownCommand(args[0] as string, '');
    return this.engine.apply(spec, args, { nowMs, seed: 0, db }).reply;
  }

  /** Head: the keys due to expire, sampled from this chain's keyspace, as one update. */
  expireDue(nowMs: number): UpdatePayload[] {
    const out: UpdatePayload[] = [];
    for (let db = 0; db < this.ks.dbs.length; db++) {
      const d = this.ks.db(db);
      if (d.expires.size === 0) continue;
      const due: string[] = [];
      for (const [k, at] of d.expires) {
        if (at <= nowMs) due.push(k);
        if (due.length >= activeExpireKeysPerCycle) break;
      }
      if (due.length > 0) out.push({ db, nowMs, seed: 0, items: [{ args: [expireCommand, ...due] }] });
    }
    return out;
  }

  private carryOut(out: Output<Uint8Array>): void {
    for (const item of out.apply) this.apply(item.seq, item.payload);
    for (const s of out.send) {
      if (s.msg.kind === 'ack') this.coalesceAck(s.to, s.msg);
      else this.deps.sendChain(s.to, this.chain, encodeChainMsg(s.msg));
    }
    for (const a of out.answer) {
      const replies = this.replies.get(a.seq);
      this.replies.delete(a.seq);
      if (replies === undefined) throw new Error(`chain ${this.chain}: no result kept for answered update ${a.seq}`);
      this.deps.answer(a.origin, replies);
    }
    for (const e of out.events) {
      if (e.kind === 'divergence') {
        this.divergences++;
        this.deps.log(`chain ${this.chain}: DIVERGENCE at update ${e.seq}: ${e.from} reports ${e.theirs}, this replica has ${e.mine}; its acknowledgement is not believed`);
      } else if (e.kind === 'rejected') this.deps.log(`chain ${this.chain}: rejected ${e.msg} from ${e.from}: ${e.reason}`);
      else this.deps.log(`chain ${this.chain}: gap from ${e.from}: expected ${e.expected}, got ${e.got}`);
    }
  }

  /**
   * Acks are cumulative and carry the chained digest, so the last one of a burst says all the
   * others say (its digest covers every earlier reply): one ack per burst goes upstream
   * instead of one per update (§3's acks only ever move a Sent list's cut forward).
   */
  private coalesceAck(to: NodeId, msg: AckMsg): void {
    const had = this.pendingAck !== null;
    this.pendingAck = { to, msg };
    if (had) return;
    queueMicrotask(() => {
      const a = this.pendingAck;
      this.pendingAck = null;
      if (a !== null) this.deps.sendChain(a.to, this.chain, encodeChainMsg(a.msg));
    });
  }

  /** Apply one update with the engine; report it applied once durable (persist before send). */
  private apply(seq: Seq, bytes: Uint8Array): void {
    if (this.halted !== null) return;
    const p = decodeUpdate(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const problem = 'error' in p ? `does not decode: ${p.error}` : this.unknownCommandOf(p);
    if ('error' in p || problem !== null) {
      // An authenticated peer sent an update no correct head makes: never apply it, never
      // crash. This replica stops applying (and so acknowledging) this chain; the chain
      // stalls visibly instead of diverging, until reconfiguration replaces a replica.
      this.halted = `update ${seq} ${problem}`;
      this.deps.log(`chain ${this.chain}: HALTED: ${this.halted}`);
      return;
    }
    const r = this.run(seq, p);
    const h = createHash('sha256');
    h.update(this.digest, 'latin1');
    h.update(encodeReply(r.result));
    this.digest = h.digest('hex').slice(0, 32);
    if (this.replica.role === 'tail') this.replies.set(seq, r.result);
    this.deps.updated(this, r);
    const digest = this.digest;
    if (this.durability === null) {
      this.carryOut(this.replica.applied(seq, digest));
      return;
    }
    const at = BigInt(seq);
    this.durability.recordAt(at, r.effects);
    // async durability (like appendfsync everysec): forwarded without waiting for the batch.
    if (this.durability.mode === 'async') this.carryOut(this.replica.applied(seq, digest));
    else void this.durability.whenDurable(at).then(() => this.carryOut(this.replica.applied(seq, digest)));
  }

  /** Why an update names a command no head would order, or null. */
  private unknownCommandOf(p: UpdatePayload): string | null {
    for (const it of p.items) {
      if (!('args' in it)) continue;
      const name = it.args[0];
      if (name === undefined) return 'has an empty command';
      if (name === expireCommand || name === configCommand) continue;
      const spec = specOf(this.deps.table, it.args);
      if (spec === null || spec.data === undefined) return `names no data command: ${JSON.stringify(name.slice(0, 64))}`;
    }
    return null;
  }

  private run(seq: number, p: UpdatePayload): ApplyResult & { result: Reply } {
    const r = this.runItems(seq, p);
    for (const e of r.effects) {
      if ('key' in e) {
        this.touched.set(`${e.db}\u0000${e.key}`, seq);
        if (e.op === 'rename') this.touched.set(`${e.db}\u0000${e.to}`, seq);
        else if (e.op === 'move') this.touched.set(`${e.toDb}\u0000${e.key}`, seq);
      } else this.touchedFloor = seq;
    }
    if (seq % watchPruneEveryUpdates === 0) {
      const floor = seq - watchWindowUpdates;
      for (const [k, at] of this.touched) if (at <= floor) this.touched.delete(k);
      if (floor > this.touchedFloor) this.touchedFloor = floor;
    }
    return r;
  }

  private runItems(seq: number, p: UpdatePayload): ApplyResult & { result: Reply } {
    const ctx = { nowMs: p.nowMs, seed: p.seed, db: p.db };
    const first = p.items[0];
    if (first !== undefined && 'args' in first && first.args[0] === expireCommand) {
      const r = this.engine.expireKeys(p.db, first.args.slice(1), ctx);
      return { ...r, result: [r.reply] };
    }
    if (first !== undefined && 'args' in first && first.args[0] === configCommand) {
      const a = first.args;
      for (let i = 1; i + 1 < a.length; i += 2) {
        const field = encodingParams.find(([param]) => param === a[i])?.[1];
        if (field !== undefined) this.ks.encoding[field] = Number(a[i + 1]);
      }
      return { reply: 'OK', effects: [], events: [], result: ['OK'] };
    }
    if (p.watch !== undefined) {
      const since = p.watch.sinceSeq;
      const dirty = since < this.touchedFloor || p.watch.keys.some((k) => (this.touched.get(`${k.db}\u0000${k.key}`) ?? 0) > since);
      if (dirty) return { reply: NULL_ARRAY, effects: [], events: [], result: NULL_ARRAY };
    }
    const items: Array<{ spec: CommandSpec; args: string[] } | { select: number }> = [];
    for (const it of p.items) {
      if ('select' in it) items.push(it);
      else {
        const spec = specOf(this.deps.table, it.args);
        if (spec === null || spec.data === undefined) throw new Error(`chain ${this.chain}: update names no data command: ${it.args[0]}`);
        items.push({ spec, args: it.args });
      }
    }
    const r = this.engine.applyBatch(items, ctx);
    return { ...r, result: r.replies };
  }
}

export type { Effect, KeyEvent };
