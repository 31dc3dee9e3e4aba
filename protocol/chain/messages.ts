/**
 * The chain-replication core's vocabulary: messages between neighbours, and the Output a
 * driver must carry out. Types only (plus an empty-output helper); pure.
 */

import type { ChainId, Epoch, NodeId, Seq } from '../config/cluster';

/** Who must get the update's result: the node whose client asked, and its request number there. */
export interface Origin {
  node: NodeId;
  request: number;
}

/** Predecessor → successor: apply update `seq` (§2 "Chain Replication Protocol": updates flow head to tail). */
export interface UpdateMsg<P> {
  kind: 'update';
  epoch: Epoch;
  chain: ChainId;
  seq: Seq;
  payload: P;
  origin: Origin;
}

/**
 * Successor → predecessor: every update up to `seq` is applied at the tail (cumulative, §3's
 * acknowledgements that let a server trim its Sent list). `digest` is the sender's result
 * digest after `seq`; the receiver compares it with its own and never forwards a mismatch.
 */
export interface AckMsg {
  kind: 'ack';
  epoch: Epoch;
  chain: ChainId;
  seq: Seq;
  digest: string;
}

export type ChainMsg<P> = UpdateMsg<P> | AckMsg;

export interface ApplyItem<P> {
  seq: Seq;
  payload: P;
  origin: Origin;
}

export interface SendItem<P> {
  to: NodeId;
  msg: ChainMsg<P>;
}

export interface AnswerItem {
  seq: Seq;
  origin: Origin;
  /** The tail's result digest after `seq`. */
  digest: string;
}

export type ChainEvent =
  /** A neighbour's digest for `seq` differs from this replica's: one of the two is faulty. */
  | { kind: 'divergence'; seq: Seq; mine: string; theirs: string; from: NodeId }
  /** A message that was not applied or believed, and why (wrong epoch, chain, sender, seq…). */
  | { kind: 'rejected'; from: NodeId; msg: ChainMsg<unknown>['kind']; reason: string }
  /** An update beyond the next expected one: the link lost something; the predecessor resends on linkUp. */
  | { kind: 'gap'; from: NodeId; expected: Seq; got: Seq };

/**
 * What the driver must do after one input, in this order (like etcd raft's Ready):
 * 1. `apply`: run these updates through the engine, in order, and make them durable; then
 *    report each with `applied(seq, digest)`.
 * 2. `send`: only after every `apply` item of this output is durable, send these to peers
 *    (in order per peer: links are FIFO).
 * 3. `answer`: (tail only) return these updates' results to their origins, in order.
 * 4. `events`: log / report.
 */
export interface Output<P> {
  apply: ApplyItem<P>[];
  send: SendItem<P>[];
  answer: AnswerItem[];
  events: ChainEvent[];
}

export function emptyOutput<P>(): Output<P> {
  return { apply: [], send: [], answer: [], events: [] };
}
