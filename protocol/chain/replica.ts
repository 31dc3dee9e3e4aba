/**
 * One replica of one chain as a pure state machine (van Renesse & Schneider, "Chain
 * Replication for Supporting High Throughput and Availability", OSDI 2004). Inputs are
 * method calls; each returns an Output (messages.ts) the driver carries out. No I/O, no clock.
 */

import type { ChainId, Epoch, NodeId, Seq } from '../config/cluster';
import { chainIdOf, type Role } from '../config/placement';
import { sentUpdatesMax as sentUpdatesMaxDefault } from './limits';
import { emptyOutput, type ApplyItem, type ChainMsg, type Origin, type Output } from './messages';

export interface ChainReplicaOptions {
  chain: ChainId;
  self: NodeId;
  /** Head..tail; `chain` must be `chainIdOf(members)`. */
  members: readonly NodeId[];
  epoch: Epoch;
  /** The backend's applied sequence number on restart; 0 when new. */
  appliedSeq: Seq;
  /** The driver's digest after `appliedSeq`, if known: lets a restarted tail re-send its last ack. */
  appliedDigest?: string;
  /** Overrides limits.sentUpdatesMax (tests use small windows). */
  sentUpdatesMax?: number;
}

export type SubmitResult<P> = { seq: Seq; out: Output<P> } | { error: 'busy'; reason: string };

export interface ChainReplicaStats {
  role: Role;
  /** Last update applied and durable here. */
  appliedSeq: Seq;
  /** Last update handed to the driver to apply (>= appliedSeq). */
  handedSeq: Seq;
  /** Last update acknowledged from downstream (at the tail: its last applied update). */
  ackedSeq: Seq;
  /** The Sent list (§3): forwarded to the successor, not yet acknowledged. */
  sentLength: number;
  /** Handed to apply, not yet reported applied. */
  applyPending: number;
  gapsDropped: number;
  duplicatesIgnored: number;
  rejections: number;
  divergences: number;
  ticks: number;
}

interface SentEntry<P> extends ApplyItem<P> {
  /** This replica's digest after `seq`, compared with the successor's ack. */
  digest: string;
}

export class ChainReplica<P> {
  readonly chain: ChainId;
  readonly self: NodeId;
  readonly members: readonly NodeId[];
  readonly epoch: Epoch;
  readonly predecessor: NodeId | null;
  readonly successor: NodeId | null;
  private readonly sentUpdatesMax: number;

  private appliedSeq: number;
  private handedSeq: number;
  private ackedSeq: number;
  /** The digest that goes with `ackedSeq`; null until an ack is earned in this life (or appliedDigest at a tail). */
  private ackedDigest: string | null;
  private readonly applyPending: ApplyItem<P>[] = [];
  private readonly sent: SentEntry<P>[] = [];
  private gapsDropped = 0;
  private duplicatesIgnored = 0;
  private rejections = 0;
  private divergences = 0;
  private ticks = 0;

  constructor(options: ChainReplicaOptions) {
    const { chain, self, members, epoch, appliedSeq } = options;
    const at = members.indexOf(self);
    if (members.length === 0 || new Set(members).size !== members.length) throw new Error(`ChainReplica: bad members ${members.join(',')}`);
    if (at < 0) throw new Error(`ChainReplica: ${self} is not a member of ${chain}`);
    if (chainIdOf(members) !== chain) throw new Error(`ChainReplica: chain ${chain} is not members ${members.join('>')}`);
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new Error(`ChainReplica: bad epoch ${epoch}`);
    if (!Number.isSafeInteger(appliedSeq) || appliedSeq < 0) throw new Error(`ChainReplica: bad appliedSeq ${appliedSeq}`);
    const max = options.sentUpdatesMax ?? sentUpdatesMaxDefault;
    if (!Number.isSafeInteger(max) || max < 1) throw new Error(`ChainReplica: bad sentUpdatesMax ${max}`);
    this.chain = chain;
    this.self = self;
    this.members = Object.freeze([...members]);
    this.epoch = epoch;
    this.predecessor = at > 0 ? (members[at - 1] as NodeId) : null;
    this.successor = at < members.length - 1 ? (members[at + 1] as NodeId) : null;
    this.sentUpdatesMax = max;
    this.appliedSeq = appliedSeq;
    this.handedSeq = appliedSeq;
    // What this replica sent before a restart is gone with its Sent list; it will never be
    // resent from here, so it counts as settled. Rebuilding a chain after a crash is a
    // reconfiguration (§3 "Failure of a middle server"), not this core's job.
    this.ackedSeq = appliedSeq;
    this.ackedDigest = this.successor === null ? (options.appliedDigest ?? null) : null;
  }

  /** Every update up to this one is applied at the tail (acknowledged to this replica); at the tail, its applied one. */
  get acked(): Seq {
    return this.ackedSeq as Seq;
  }

  get role(): Role {
    if (this.predecessor === null) return 'head';
    return this.successor === null ? 'tail' : 'middle';
  }

  /**
   * Head only: order a new update (§2: the head assigns the sequence). Returns `busy` when the
   * window of unacknowledged updates is full (back-pressure, limits.sentUpdatesMax).
   */
  submit(payload: P, origin: Origin): SubmitResult<P> {
    if (this.predecessor !== null) throw new Error(`ChainReplica.submit: ${this.self} is not the head of ${this.chain}`);
    if (!Number.isSafeInteger(origin.request) || origin.request < 0) throw new Error(`ChainReplica.submit: bad request ${origin.request}`);
    const inFlight = this.applyPending.length + this.sent.length;
    if (inFlight >= this.sentUpdatesMax) {
      return { error: 'busy', reason: `${inFlight} updates unacknowledged on ${this.chain} (sentUpdatesMax ${this.sentUpdatesMax})` };
    }
    if (this.handedSeq >= Number.MAX_SAFE_INTEGER) throw new Error('ChainReplica.submit: sequence exhausted');
    const seq = (this.handedSeq + 1) as Seq;
    const out = emptyOutput<P>();
    this.hand({ seq, payload, origin }, out);
    return { seq, out };
  }

  /**
   * The driver reports update `seq` applied and durable here, with its cumulative result
   * digest. A non-tail forwards it and keeps it in Sent (§3); the tail answers the origin
   * and acknowledges upstream (§2: the reply comes from the tail).
   */
  applied(seq: Seq, digest: string): Output<P> {
    const item = this.applyPending[0];
    if (item === undefined || item.seq !== seq || seq !== this.appliedSeq + 1) {
      throw new Error(`ChainReplica.applied: ${seq} reported, expected ${item === undefined ? 'none pending' : item.seq}`);
    }
    if (typeof digest !== 'string') throw new Error('ChainReplica.applied: digest must be a string');
    this.applyPending.shift();
    this.appliedSeq = seq;
    const out = emptyOutput<P>();
    if (this.successor === null) {
      this.ackedSeq = seq;
      this.ackedDigest = digest;
      out.answer.push({ seq, origin: item.origin, digest });
      if (this.predecessor !== null) out.send.push({ to: this.predecessor, msg: this.ack(seq, digest) });
    } else {
      this.sent.push({ ...item, digest });
      out.send.push({ to: this.successor, msg: this.update(item) });
    }
    return out;
  }

  /** A message from a peer. Anything from the wrong epoch, chain or neighbour is rejected, never applied. */
  step(from: NodeId, msg: ChainMsg<P>): Output<P> {
    const out = emptyOutput<P>();
    const reason = this.check(from, msg);
    if (reason !== null) {
      this.rejections++;
      out.events.push({ kind: 'rejected', from, msg: msg.kind, reason });
      return out;
    }
    if (msg.kind === 'update') this.onUpdate(from, msg.seq, msg.payload, msg.origin, out);
    else this.onAck(from, msg.seq, msg.digest, out);
    return out;
  }

  /**
   * A link to `peer` is (re)established. Links are FIFO but lose what was in flight when they
   * broke, so the predecessor resends its whole Sent list (§3 "Failure of a middle server":
   * the new successor gets every update it may lack) and the successor resends its last ack.
   */
  linkUp(peer: NodeId): Output<P> {
    const out = emptyOutput<P>();
    if (peer === this.successor) {
      for (const entry of this.sent) out.send.push({ to: peer, msg: this.update(entry) });
    } else if (peer === this.predecessor && this.ackedDigest !== null && this.ackedSeq > 0) {
      out.send.push({ to: peer, msg: this.ack(this.ackedSeq as Seq, this.ackedDigest) });
    }
    return out;
  }

  /** Time passes (counted, not read: no clock in protocol/). Reserved for future timeouts. */
  tick(): Output<P> {
    this.ticks++;
    return emptyOutput<P>();
  }

  stats(): ChainReplicaStats {
    return {
      role: this.role,
      appliedSeq: this.appliedSeq as Seq,
      handedSeq: this.handedSeq as Seq,
      ackedSeq: this.ackedSeq as Seq,
      sentLength: this.sent.length,
      applyPending: this.applyPending.length,
      gapsDropped: this.gapsDropped,
      duplicatesIgnored: this.duplicatesIgnored,
      rejections: this.rejections,
      divergences: this.divergences,
      ticks: this.ticks,
    };
  }

  private check(from: NodeId, msg: ChainMsg<P>): string | null {
    if (msg.epoch !== this.epoch) return `epoch ${msg.epoch}, this replica is at epoch ${this.epoch}`;
    if (msg.chain !== this.chain) return `chain ${msg.chain}, this replica is on ${this.chain}`;
    if (!Number.isSafeInteger(msg.seq) || msg.seq < 1) return `bad seq ${msg.seq}`;
    const expected = msg.kind === 'update' ? this.predecessor : this.successor;
    if (from !== expected) {
      const who = msg.kind === 'update' ? 'predecessor' : 'successor';
      return `${msg.kind} from ${from}, not the ${who} (${expected ?? `none: ${this.self} is the ${this.role}`})`;
    }
    return null;
  }

  private onUpdate(from: NodeId, seq: Seq, payload: P, origin: Origin, out: Output<P>): void {
    if (seq <= this.handedSeq) {
      // A resend after reconnection (linkUp). If it is already acknowledged, the ack may be
      // what was lost, so repeat it: acks are cumulative, a repeat is harmless.
      this.duplicatesIgnored++;
      if (seq <= this.ackedSeq && this.ackedDigest !== null && this.predecessor !== null) {
        out.send.push({ to: this.predecessor, msg: this.ack(this.ackedSeq as Seq, this.ackedDigest) });
      }
      return;
    }
    if (seq > this.handedSeq + 1) {
      // FIFO links make this impossible unless a link broke; the predecessor resends in order on linkUp.
      this.gapsDropped++;
      out.events.push({ kind: 'gap', from, expected: (this.handedSeq + 1) as Seq, got: seq });
      return;
    }
    const inFlight = this.applyPending.length + this.sent.length;
    if (inFlight >= this.sentUpdatesMax) {
      // Only a faulty predecessor can overrun the head's window downstream; refuse it memory.
      this.rejections++;
      out.events.push({ kind: 'rejected', from, msg: 'update', reason: `window full (${inFlight}, sentUpdatesMax ${this.sentUpdatesMax})` });
      return;
    }
    this.hand({ seq, payload, origin }, out);
  }

  private onAck(from: NodeId, seq: Seq, digest: string, out: Output<P>): void {
    if (seq <= this.ackedSeq) {
      this.duplicatesIgnored++;
      if (seq === this.ackedSeq && this.ackedDigest !== null && digest !== this.ackedDigest) this.diverged(seq, this.ackedDigest, digest, from, out);
      return;
    }
    const first = this.sent[0];
    const last = this.sent[this.sent.length - 1];
    if (first === undefined || last === undefined || seq > last.seq) {
      this.rejections++;
      out.events.push({ kind: 'rejected', from, msg: 'ack', reason: `ack for ${seq}, never sent (sent up to ${last?.seq ?? this.ackedSeq})` });
      return;
    }
    // Sent holds ackedSeq+1.. contiguously, so the acked entry is found by offset.
    const index = seq - first.seq;
    const entry = this.sent[index] as SentEntry<P>;
    if (entry.seq !== seq) throw new Error(`ChainReplica: Sent list not contiguous at ${seq}`);
    if (entry.digest !== digest) {
      // Not believed: the entries stay, the ack goes no further (DESIGN invariant 4).
      this.diverged(seq, entry.digest, digest, from, out);
      return;
    }
    this.sent.splice(0, index + 1);
    this.ackedSeq = seq;
    this.ackedDigest = digest;
    if (this.predecessor !== null) out.send.push({ to: this.predecessor, msg: this.ack(seq, digest) });
  }

  private diverged(seq: Seq, mine: string, theirs: string, from: NodeId, out: Output<P>): void {
    this.divergences++;
    out.events.push({ kind: 'divergence', seq, mine, theirs, from });
  }

  private hand(item: ApplyItem<P>, out: Output<P>): void {
    this.handedSeq = item.seq;
    this.applyPending.push(item);
    out.apply.push(item);
  }

  private update(item: ApplyItem<P>): ChainMsg<P> {
    return { kind: 'update', epoch: this.epoch, chain: this.chain, seq: item.seq, payload: item.payload, origin: item.origin };
  }

  private ack(seq: Seq, digest: string): ChainMsg<P> {
    return { kind: 'ack', epoch: this.epoch, chain: this.chain, seq, digest };
  }
}
