/**
 * The frozen binary encodings of a chain update's payload and of the cluster layer's
 * node-to-node messages (STYLE #10). Pure bytes in and out: no sockets, no clock, no engine.
 * Decoding never throws on bad input: it returns the reason (STYLE #4). Item kinds and message
 * kinds are append-only; test/cluster/codecs.test.ts pins the bytes.
 *
 * Layout (uvar, str, bytes as in reply-codec.ts; u32 little-endian):
 *   update:  uvar db | uvar nowMs | u32 seed | u8 flags | uvar n | n items | [watch]
 *            item: u8 kind (command: uvar argc ≥ 1, argc str | select: uvar db)
 *            watch (flags bit 0): uvar sinceSeq | uvar n | n × (uvar db, str key)
 *            aborted (flags bit 1): an EXEC the head voided (a watched key changed)
 *   batch:   n ≥ 1 entries up to the end: str origin node | uvar request | update
 *            (the payload of one chain update: the head orders every client update that
 *            reached it in one event-loop turn as one chain update, so the chain's per-update
 *            costs — sequence, message, MAC, digest, Sent entry, backend batch — are paid once
 *            per batch; each entry keeps its own ctx and origin)
 *   message: u8 kind | body
 *            write:   uvar request | str chain | update
 *            read:    uvar request | str chain | uvar db | uvar nowMs | uvar argc ≥ 1, argc str
 *            result:  uvar request | reply
 *            chain:   str chain | bytes
 *            publish: u8 sharded (0/1) | str channel | str message
 *            results: uvar n ≥ 1 | n × (uvar request | reply)
 */
import type { Reply } from '../resp/reply';
import {
  type ByteReader,
  type ByteWriter,
  type CodecError,
  decodeWith,
  readReply,
  scratchWriter,
  writeReply,
} from './reply-codec';
import {
  chainMessageBytesMax,
  clusterChainIdBytesMax,
  codecStringBytesMax,
  commandArgsMax,
  dbIndexMax,
  updateItemsMax,
  watchKeysMax,
} from './codec-limits';
import { nodeIdBytesMax } from '../../protocol/chain/limits';

/** One update's data commands and the context the head fixed for them (DESIGN: ctx). */
export interface UpdatePayload {
  /** Database selected when the update starts. */
  db: number;
  /** The update's time, Unix ms (a non-negative safe integer). */
  nowMs: number;
  /** The update's random seed (an unsigned 32-bit integer, as Rng uses it). */
  seed: number;
  /** One command, or an EXEC body with SELECTs between; args[0] is the name as the client sent it. */
  items: Array<{ args: string[] } | { select: number }>;
  /**
   * WATCH guard of an EXEC on its way to the head (a `write` message): the update is void if
   * any key changed after `sinceSeq`. The head decides it and orders the update without it,
   * or `aborted`; a chain update never carries one.
   */
  watch?: { keys: Array<{ db: number; key: string }>; sinceSeq: number };
  /** The head found a watched key changed: every replica answers this EXEC nil and applies nothing. */
  aborted?: true;
}

/** One client update of a chain update (a batch), with the request it answers. */
export interface BatchEntry {
  origin: { node: string; request: number };
  payload: UpdatePayload;
}

export type ClusterMsg =
  | { kind: 'write'; request: number; chain: string; payload: UpdatePayload }
  | { kind: 'read'; request: number; chain: string; db: number; args: string[]; nowMs: number }
  | { kind: 'result'; request: number; reply: Reply }
  | { kind: 'chain'; chain: string; bytes: Buffer /* an encoded chain-core message, opaque here */ }
  | { kind: 'publish'; channel: string; message: string; sharded: boolean }
  /** The replies of several requests of one origin node (a tail answering a batch). */
  | { kind: 'results'; results: Array<{ request: number; reply: Reply }> };

/** Update item kinds. APPEND-ONLY: on the wire between nodes; never renumber or reuse one. */
export const updateItemKind = { command: 0x01, select: 0x02 } as const;

/** Update flag bits. APPEND-ONLY; a decoder refuses bits it does not know. */
export const updateFlag = { watch: 0x01, aborted: 0x02 } as const;
const updateFlagsKnown = updateFlag.watch | updateFlag.aborted;

/** Cluster message kinds. APPEND-ONLY: never renumber or reuse one; 0 stays unused. */
export const clusterMsgKind = { write: 0x01, read: 0x02, result: 0x03, chain: 0x04, publish: 0x05, results: 0x06 } as const;

// ---------------------------------------------------------------------------------------------
// Encoding. A value outside its field's range is a programmer error (STYLE #4): it throws.

function checkUint(v: number, max: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) throw new Error(`cluster codec: ${what} ${v} is not an integer in 0..${max}`);
  return v;
}

function writeArgs(w: ByteWriter, args: string[], what: string): void {
  if (args.length === 0 || args.length > commandArgsMax) throw new Error(`cluster codec: ${what} has ${args.length} args`);
  w.uvar(args.length);
  for (let i = 0; i < args.length; i++) w.str(args[i] as string);
}

function writeChainId(w: ByteWriter, chain: string): void {
  if (chain.length > clusterChainIdBytesMax) throw new Error(`cluster codec: chain id longer than ${clusterChainIdBytesMax}`);
  w.str(chain);
}

function writeUpdate(w: ByteWriter, p: UpdatePayload): void {
  w.uvar(checkUint(p.db, dbIndexMax, 'db'));
  w.uvar(checkUint(p.nowMs, Number.MAX_SAFE_INTEGER, 'nowMs'));
  w.u32(checkUint(p.seed, 0xffffffff, 'seed'));
  w.u8((p.watch === undefined ? 0 : updateFlag.watch) | (p.aborted === true ? updateFlag.aborted : 0));
  if (p.items.length > updateItemsMax) throw new Error(`cluster codec: ${p.items.length} items above ${updateItemsMax}`);
  w.uvar(p.items.length);
  for (const item of p.items) {
    if ('select' in item) {
      w.u8(updateItemKind.select);
      w.uvar(checkUint(item.select, dbIndexMax, 'select'));
    } else {
      w.u8(updateItemKind.command);
      writeArgs(w, item.args, 'command');
    }
  }
  if (p.watch !== undefined) {
    w.uvar(checkUint(p.watch.sinceSeq, Number.MAX_SAFE_INTEGER, 'sinceSeq'));
    const keys = p.watch.keys;
    if (keys.length > watchKeysMax) throw new Error(`cluster codec: ${keys.length} watched keys above ${watchKeysMax}`);
    w.uvar(keys.length);
    for (const k of keys) {
      w.uvar(checkUint(k.db, dbIndexMax, 'watch db'));
      w.str(k.key);
    }
  }
}

function writeClusterMsg(w: ByteWriter, m: ClusterMsg): void {
  w.u8(clusterMsgKind[m.kind]);
  switch (m.kind) {
    case 'write':
      w.uvar(checkUint(m.request, Number.MAX_SAFE_INTEGER, 'request'));
      writeChainId(w, m.chain);
      return writeUpdate(w, m.payload);
    case 'read':
      w.uvar(checkUint(m.request, Number.MAX_SAFE_INTEGER, 'request'));
      writeChainId(w, m.chain);
      w.uvar(checkUint(m.db, dbIndexMax, 'db'));
      w.uvar(checkUint(m.nowMs, Number.MAX_SAFE_INTEGER, 'nowMs'));
      return writeArgs(w, m.args, 'read');
    case 'result':
      w.uvar(checkUint(m.request, Number.MAX_SAFE_INTEGER, 'request'));
      return writeReply(w, m.reply, 0);
    case 'chain':
      writeChainId(w, m.chain);
      return w.bytes(m.bytes);
    case 'publish':
      w.u8(m.sharded ? 1 : 0);
      w.str(m.channel);
      return w.str(m.message);
    case 'results':
      if (m.results.length === 0) throw new Error('cluster codec: results message without results');
      w.uvar(m.results.length);
      for (const r of m.results) {
        w.uvar(checkUint(r.request, Number.MAX_SAFE_INTEGER, 'request'));
        writeReply(w, r.reply, 0);
      }
      return;
  }
}

/** Append one entry to a batch being built in `w` (a batch is its entries, back to back). */
export function writeBatchEntry(w: ByteWriter, e: BatchEntry): void {
  if (e.origin.node.length > nodeIdBytesMax) throw new Error(`cluster codec: origin node longer than ${nodeIdBytesMax}`);
  w.str(e.origin.node);
  w.uvar(checkUint(e.origin.request, Number.MAX_SAFE_INTEGER, 'request'));
  writeUpdate(w, e.payload);
}

/** The encoding of `p`. Throws only on a programmer error (a field out of its range). */
export function encodeUpdate(p: UpdatePayload): Buffer {
  const w = scratchWriter;
  w.len = 0;
  writeUpdate(w, p);
  return w.take();
}

/** The encoding of `m`. Throws only on a programmer error (a field out of range, a non-Reply). */
export function encodeClusterMsg(m: ClusterMsg): Buffer {
  const w = scratchWriter;
  w.len = 0;
  writeClusterMsg(w, m);
  return w.take();
}

// ---------------------------------------------------------------------------------------------
// Decoding.

function readArgs(rd: ByteReader): string[] {
  // Every argument is at least its length byte.
  const n = rd.count(commandArgsMax, 1, 'args');
  if (n === 0) rd.fail('command without a name');
  const args: string[] = [];
  for (let i = 0; i < n; i++) args.push(rd.str(codecStringBytesMax, 'arg'));
  return args;
}

function readUpdate(rd: ByteReader): UpdatePayload {
  const db = rd.uvarMax(dbIndexMax, 'db');
  const nowMs = rd.uvar();
  const seed = rd.u32();
  const flags = rd.u8();
  if ((flags & ~updateFlagsKnown) !== 0) rd.fail(`unknown update flags 0x${flags.toString(16)}`);
  // Every item is at least a kind byte and one more byte.
  const n = rd.count(updateItemsMax, 2, 'items');
  const items: UpdatePayload['items'] = [];
  for (let i = 0; i < n; i++) {
    const kind = rd.u8();
    if (kind === updateItemKind.command) items.push({ args: readArgs(rd) });
    else if (kind === updateItemKind.select) items.push({ select: rd.uvarMax(dbIndexMax, 'select') });
    else {
      rd.pos--;
      rd.fail(`unknown update item kind 0x${kind.toString(16)}`);
    }
  }
  const p: UpdatePayload = { db, nowMs, seed, items };
  if ((flags & updateFlag.aborted) !== 0) p.aborted = true;
  if ((flags & updateFlag.watch) !== 0) {
    const sinceSeq = rd.uvar();
    // Every watched key is at least a db byte and a length byte.
    const k = rd.count(watchKeysMax, 2, 'watched keys');
    const keys: Array<{ db: number; key: string }> = [];
    for (let i = 0; i < k; i++) {
      const keyDb = rd.uvarMax(dbIndexMax, 'watch db');
      keys.push({ db: keyDb, key: rd.str(codecStringBytesMax, 'watched key') });
    }
    p.watch = { keys, sinceSeq };
  }
  return p;
}

function readBatch(rd: ByteReader): BatchEntry[] {
  const entries: BatchEntry[] = [];
  do {
    const node = rd.str(nodeIdBytesMax, 'origin node');
    const request = rd.uvar();
    entries.push({ origin: { node, request }, payload: readUpdate(rd) });
  } while (rd.remaining > 0);
  return entries;
}

function readChainId(rd: ByteReader): string {
  return rd.str(clusterChainIdBytesMax, 'chain id');
}

function readClusterMsg(rd: ByteReader): ClusterMsg {
  const kind = rd.u8();
  switch (kind) {
    case clusterMsgKind.write: {
      const request = rd.uvar();
      const chain = readChainId(rd);
      return { kind: 'write', request, chain, payload: readUpdate(rd) };
    }
    case clusterMsgKind.read: {
      const request = rd.uvar();
      const chain = readChainId(rd);
      const db = rd.uvarMax(dbIndexMax, 'db');
      const nowMs = rd.uvar();
      return { kind: 'read', request, chain, db, args: readArgs(rd), nowMs };
    }
    case clusterMsgKind.result: {
      const request = rd.uvar();
      return { kind: 'result', request, reply: readReply(rd, 0) };
    }
    case clusterMsgKind.chain: {
      const chain = readChainId(rd);
      return { kind: 'chain', chain, bytes: rd.bytes(chainMessageBytesMax, 'chain message') };
    }
    case clusterMsgKind.publish: {
      const sharded = rd.u8();
      if (sharded > 1) rd.fail(`sharded flag ${sharded}`);
      const channel = rd.str(codecStringBytesMax, 'channel');
      return { kind: 'publish', channel, message: rd.str(codecStringBytesMax, 'message'), sharded: sharded === 1 };
    }
    case clusterMsgKind.results: {
      // Every result is at least a request byte and a reply tag.
      const n = rd.count(Number.MAX_SAFE_INTEGER, 2, 'results');
      if (n === 0) rd.fail('results message without results');
      const results: Array<{ request: number; reply: Reply }> = [];
      for (let i = 0; i < n; i++) {
        const request = rd.uvar();
        results.push({ request, reply: readReply(rd, 0) });
      }
      return { kind: 'results', results };
    }
    default:
      rd.pos--;
      return rd.fail(`unknown cluster message kind 0x${kind.toString(16).padStart(2, '0')}`);
  }
}

/** The update payload encoded in `b` (all of it), or the reason it is not one. Never throws on bad input. */
export function decodeUpdate(b: Buffer): UpdatePayload | CodecError {
  return decodeWith(b, 'update', readUpdate);
}

/** The batch encoded in `b` (all of it: at least one entry), or the reason it is not one. Never throws on bad input. */
export function decodeBatch(b: Buffer): BatchEntry[] | CodecError {
  return decodeWith(b, 'batch', readBatch);
}

/** The cluster message encoded in `b` (all of it), or the reason it is not one. Never throws on bad input. */
export function decodeClusterMsg(b: Buffer): ClusterMsg | CodecError {
  return decodeWith(b, 'cluster message', readClusterMsg);
}
