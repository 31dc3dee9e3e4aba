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
import { ByteWriter, writeReply } from './reply-codec';
import { decodeBatch, writeBatchEntry, type BatchEntry, type UpdatePayload } from './update-codec';
import type { Effect } from '../engine/effects';
import type { KeyEvent } from '../engine/exec';
import { activeExpireKeysPerCycle } from '../limits';
import { encodingParams } from '../server/config-params';
import { batchBytesTarget, batchEntriesMax, watchedKeysMax } from './limits';

/** Where a replica encodes a batch's replies to fold them into its digest (one at a time: single-threaded). */
const digestWriter = new ByteWriter();

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
  /**
   * Return client updates' replies (each an array, or NULL_ARRAY for an aborted EXEC, or an
   * error) to the nodes whose clients asked: `replies[i]` answers `origins[i]`.
   */
  answer(origins: readonly Origin[], replies: readonly Reply[]): void;
  /**
   * Head: call `host.sealTurn()` at the end of this event-loop turn (the node seals every chain's
   * open batch together, then flushes the links, so the batches leave in this turn).
   */
  requestSeal(host: ChainHost): void;
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
  /** Tail: each applied batch's origins and replies, until the core says to answer them. */
  private readonly replies = new Map<number, { origins: Origin[]; results: Reply[] }>();
  /**
   * Head: the batch being gathered — client updates that reached the head in this event-loop
   * turn, encoded as they arrive — sealed into one chain update at the end of the turn or at
   * batchEntriesMax / batchBytesTarget (see update-codec: batch).
   */
  private open: BatchEntry[] = [];
  private readonly openWriter = new ByteWriter();
  private sealScheduled = false;
  /** Head: the entries of the batch being handed to apply (what it just encoded, not decoded again). */
  private handing: BatchEntry[] | null = null;
  divergences = 0;
  /** Why this replica stopped applying the chain (an update no correct head sends), or null. */
  halted: string | null = null;
  /**
   * Head only, for WATCH (Redis's watched_keys): the keys clients watch through this chain, with
   * how many watches hold each and the last chain update that changed it. The head decides an
   * EXEC's WATCH when it orders it (an update that changed a watched key after the WATCH voids
   * it) and orders it as a plain or an `aborted` update, so replicas need no record of which
   * update changed which key, and nothing is recorded for keys nobody watches.
   */
  private readonly watched = new Map<string, { refs: number; changedSeq: number }>();
  /** Head: the last update that changed keys wholesale (FLUSHDB, FLUSHALL, SWAPDB): every WATCH before it is void. */
  private watchFloor = 0;
  /**
   * Not at the tail — CRAQ's dirty versions (Terrace & Freedman, "Object Storage on CRAQ",
   * USENIX ATC 2009, §2.3): per database, the keys changed by an update the tail has not yet
   * acknowledged, with the last such update. A key absent here holds its committed value on
   * this replica: any newer committed version would have passed through this replica first
   * and be listed until its ack. So such a read is answered here, linearizably, without the
   * hop to the tail. `dirtyLog` lists (seq, db, key) in update order to forget them on acks.
   */
  private readonly dirty: Array<Map<string, number> | undefined> = [];
  private dirtyLog: Array<number | string> = [];
  private dirtyLogHead = 0;
  /** The last update with a keyless effect (FLUSHDB, FLUSHALL, SWAPDB): nothing is clean until it is acknowledged. */
  private dirtyAllSeq = 0;
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

  /**
   * Head: order an update from a client (any node's): it joins the open batch, sealed into one
   * chain update at the end of this event-loop turn. Returns an error reply when the chain
   * refuses it now.
   */
  submit(payload: UpdatePayload, origin: Origin): ErrorReply | null {
    const refused = this.durability?.refusal() ?? null;
    if (refused !== null) return refused;
    if (payload.watch !== undefined) payload = this.decideWatch(payload, payload.watch);
    const entry: BatchEntry = { origin, payload };
    this.open.push(entry);
    writeBatchEntry(this.openWriter, entry);
    if (this.open.length >= batchEntriesMax || this.openWriter.len >= batchBytesTarget) this.seal();
    else if (!this.sealScheduled) {
      this.sealScheduled = true;
      this.deps.requestSeal(this);
    }
    return null;
  }

  /** Head: the end of the turn in which submit asked for it (ChainHostDeps.requestSeal). */
  sealTurn(): void {
    this.sealScheduled = false;
    this.seal();
  }

  /**
   * Head: an EXEC with a WATCH. Everything ordered before it is applied here first (seal), so
   * `changedSeq` covers every update before it; it is void if a watched key changed after the
   * WATCH's sequence number, or if its WATCH was never registered here (this head restarted).
   */
  private decideWatch(payload: UpdatePayload, w: NonNullable<UpdatePayload['watch']>): UpdatePayload {
    this.seal();
    let dirty = w.sinceSeq < this.watchFloor;
    for (const k of w.keys) {
      const e = this.watched.get(`${k.db}\u0000${k.key}`);
      if (e === undefined || e.changedSeq > w.sinceSeq) dirty = true;
    }
    this.releaseWatch(w.keys);
    const { watch: _watch, ...plain } = payload;
    return dirty ? { db: payload.db, nowMs: payload.nowMs, seed: payload.seed, items: [], aborted: true } : plain;
  }

  /**
   * Head: a client WATCHes these keys (the node's WATCH asks the head for its sequence number
   * and registers the keys in the same step). Seals first, so the number returned covers every
   * update that reached the head before the WATCH. An error when the head tracks too many keys.
   */
  registerWatch(keys: ReadonlyArray<{ db: number; key: string }>): number | ErrorReply {
    this.seal();
    if (this.watched.size + keys.length > watchedKeysMax) return err.tryAgain(`Too many watched keys on chain ${this.chain} (watchedKeysMax ${watchedKeysMax})`);
    for (const k of keys) {
      const id = `${k.db}\u0000${k.key}`;
      const e = this.watched.get(id);
      if (e === undefined) this.watched.set(id, { refs: 1, changedSeq: 0 });
      else e.refs++;
    }
    return this.replica.stats().handedSeq;
  }

  /** Head: how many (db, key) pairs clients watch through this chain now. */
  get watchedKeys(): number {
    return this.watched.size;
  }

  /** Head: a WATCH ended (EXEC decided, DISCARD, UNWATCH, its client gone). */
  releaseWatch(keys: ReadonlyArray<{ db: number; key: string }>): void {
    for (const k of keys) {
      const id = `${k.db}\u0000${k.key}`;
      const e = this.watched.get(id);
      if (e === undefined) continue;
      if (--e.refs === 0) this.watched.delete(id);
    }
  }

  /**
   * Head: order the open batch as one chain update now. WATCH calls this before it reads the
   * head's sequence number, so every update that reached the head before the WATCH is at or
   * below that number and every later one above it.
   */
  seal(): void {
    if (this.open.length === 0) return;
    const entries = this.open;
    this.open = [];
    const bytes = this.openWriter.take();
    const r = this.replica.submit(bytes, { node: this.deps.self, request: 0 });
    if ('error' in r) {
      const busy = err.tryAgain(`Chain ${this.chain} is busy: ${r.reason}`);
      this.deps.answer(
        entries.map((e) => e.origin as Origin),
        entries.map(() => busy),
      );
      return;
    }
    this.handing = entries;
    try {
      this.carryOut(r.out);
    } finally {
      this.handing = null;
    }
  }

  /** A chain-core message from a neighbour. */
  onChainMessage(from: NodeId, bytes: Uint8Array): void {
    const msg = decodeChainMsg(bytes);
    if ('error' in msg) {
      this.deps.log(`chain ${this.chain}: undecodable message from ${from} dropped: ${msg.error}`);
      return;
    }
    const before = this.replica.acked;
    this.carryOut(this.replica.step(from, msg));
    const acked = this.replica.acked;
    if (acked > before && this.dirtyLog.length > this.dirtyLogHead) this.cleanUpTo(acked);
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
      const b = this.replies.get(a.seq);
      this.replies.delete(a.seq);
      if (b === undefined) throw new Error(`chain ${this.chain}: no result kept for answered update ${a.seq}`);
      this.deps.answer(b.origins, b.results);
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

  /**
   * Apply one chain update (a batch of client updates) with the engine; report it applied once
   * durable (persist before send). The digest folds in every reply of the batch, in order.
   */
  private apply(seq: Seq, bytes: Uint8Array): void {
    if (this.halted !== null) return;
    let entries = this.handing;
    let problem: string | null = null;
    if (entries === null) {
      const b = decodeBatch(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if ('error' in b) problem = `does not decode: ${b.error}`;
      else entries = b;
    }
    if (entries !== null) {
      for (let i = 0; i < entries.length && problem === null; i++) problem = this.unknownCommandOf((entries[i] as BatchEntry).payload);
    }
    if (entries === null || problem !== null) {
      // An authenticated peer sent an update no correct head makes: never apply it, never
      // crash. This replica stops applying (and so acknowledging) this chain; the chain
      // stalls visibly instead of diverging, until reconfiguration replaces a replica.
      this.halted = `update ${seq} ${problem}`;
      this.deps.log(`chain ${this.chain}: HALTED: ${this.halted}`);
      return;
    }
    const results: Reply[] = [];
    let effects: Effect[] = [];
    let events: KeyEvent[] = [];
    const w = digestWriter;
    w.len = 0;
    for (let i = 0; i < entries.length; i++) {
      const r = this.run(seq, (entries[i] as BatchEntry).payload);
      results.push(r.result);
      writeReply(w, r.result, 0);
      if (r.effects.length > 0) {
        if (effects.length === 0) effects = r.effects;
        else for (const e of r.effects) effects.push(e);
      }
      if (r.events.length > 0) {
        if (events.length === 0) events = r.events;
        else for (const e of r.events) events.push(e);
      }
    }
    const h = createHash('sha256');
    h.update(this.digest, 'latin1');
    h.update(w.buf.subarray(0, w.len));
    this.digest = h.digest('hex').slice(0, 32);
    if (this.replica.role === 'tail') this.replies.set(seq, { origins: entries.map((e) => e.origin as Origin), results });
    this.deps.updated(this, { reply: results, effects, events });
    const digest = this.digest;
    if (this.durability === null) {
      this.carryOut(this.replica.applied(seq, digest));
      return;
    }
    const at = BigInt(seq);
    this.durability.recordAt(at, effects);
    // async durability (like appendfsync everysec): forwarded without waiting for the batch.
    if (this.durability.mode === 'async') this.carryOut(this.replica.applied(seq, digest));
    else void this.durability.whenDurable(at).then(() => this.carryOut(this.replica.applied(seq, digest)));
  }

  /** Why an update names a command no head would order, or null. */
  private unknownCommandOf(p: UpdatePayload): string | null {
    if (p.watch !== undefined) return 'carries a WATCH (a head decides it before ordering)';
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

  private run(seq: number, p: UpdatePayload): Ran {
    const r = this.runItems(p);
    if (this.replica.successor !== null) {
      for (const e of r.effects) {
        if ('key' in e) {
          this.markDirty(e.db, e.key, seq);
          if (e.op === 'rename') this.markDirty(e.db, e.to, seq);
          else if (e.op === 'move') this.markDirty(e.toDb, e.key, seq);
        } else this.dirtyAllSeq = seq;
      }
    }
    if (this.watched.size > 0) {
      // Redis touchWatchedKey: only keys someone watches are recorded.
      for (const e of r.effects) {
        if ('key' in e) {
          this.touch(e.db, e.key, seq);
          if (e.op === 'rename') this.touch(e.db, e.to, seq);
          else if (e.op === 'move') this.touch(e.toDb, e.key, seq);
        } else this.watchFloor = seq;
      }
    }
    return r;
  }

  private markDirty(db: number, key: string, seq: number): void {
    let m = this.dirty[db];
    if (m === undefined) this.dirty[db] = m = new Map();
    m.set(key, seq);
    this.dirtyLog.push(seq, db, key);
  }

  /** Forget the dirty versions the tail has acknowledged (acks are cumulative). */
  private cleanUpTo(acked: number): void {
    const log = this.dirtyLog;
    let i = this.dirtyLogHead;
    while (i < log.length && (log[i] as number) <= acked) {
      const seq = log[i] as number;
      const m = this.dirty[log[i + 1] as number] as Map<string, number>;
      const key = log[i + 2] as string;
      if (m.get(key) === seq) m.delete(key);
      i += 3;
    }
    if (i === log.length) {
      this.dirtyLog = [];
      this.dirtyLogHead = 0;
    } else if (i > 3 * 4096 && i * 2 > log.length) {
      this.dirtyLog = log.slice(i);
      this.dirtyLogHead = 0;
    } else this.dirtyLogHead = i;
  }

  /**
   * Whether this replica may answer a read of `keys` in `db` (null: the whole keyspace, for
   * DBSIZE, KEYS, SCAN, RANDOMKEY) itself: it is the tail, or none of them has a version the
   * tail has not acknowledged (CRAQ clean read).
   */
  cleanFor(db: number, keys: readonly string[] | null): boolean {
    if (this.replica.successor === null) return true;
    if (this.halted !== null) return false;
    const acked = this.replica.acked;
    if (this.dirtyAllSeq > acked) return false;
    if (keys === null) return this.replica.stats().appliedSeq === acked;
    const m = this.dirty[db];
    if (m === undefined) return true;
    for (let i = 0; i < keys.length; i++) if (m.has(keys[i] as string)) return false;
    return true;
  }

  private touch(db: number, key: string, seq: number): void {
    const e = this.watched.get(`${db}\u0000${key}`);
    if (e !== undefined) e.changedSeq = seq;
  }

  private runItems(p: UpdatePayload): Ran {
    const ctx = { nowMs: p.nowMs, seed: p.seed, db: p.db };
    const items = p.items;
    const first = items[0];
    if (items.length === 1 && first !== undefined && 'args' in first) {
      const name = first.args[0];
      if (name === expireCommand) {
        const r = this.engine.expireKeys(p.db, first.args.slice(1), ctx);
        return { result: [r.reply], effects: r.effects, events: r.events };
      }
      if (name === configCommand) {
        const a = first.args;
        for (let i = 1; i + 1 < a.length; i += 2) {
          const field = encodingParams.find(([param]) => param === a[i])?.[1];
          if (field !== undefined) this.ks.encoding[field] = Number(a[i + 1]);
        }
        return { result: ['OK'], effects: [], events: [] };
      }
      if (p.aborted !== true) {
        // One command (nearly every client update): no item list to build.
        const r = this.engine.apply(this.dataSpec(first.args), first.args, ctx);
        return { result: [r.reply], effects: r.effects, events: r.events };
      }
    }
    if (p.aborted === true) return { result: NULL_ARRAY, effects: [], events: [] };
    const list: Array<{ spec: CommandSpec; args: string[] } | { select: number }> = [];
    for (const it of items) {
      if ('select' in it) list.push(it);
      else list.push({ spec: this.dataSpec(it.args), args: it.args });
    }
    const r = this.engine.applyBatch(list, ctx);
    return { result: r.replies, effects: r.effects, events: r.events };
  }

  private dataSpec(args: string[]): CommandSpec {
    const spec = specOf(this.deps.table, args);
    if (spec === null || spec.data === undefined) throw new Error(`chain ${this.chain}: update names no data command: ${args[0]}`);
    return spec;
  }
}

/** What one client update did on this replica: its replies (an array, or NULL_ARRAY for a voided EXEC), effects, events. */
interface Ran {
  result: Reply;
  effects: Effect[];
  events: KeyEvent[];
}

export type { Effect, KeyEvent };
