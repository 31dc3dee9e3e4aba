/**
 * The frozen binary encoding of chain messages (STYLE #10); the payload is opaque bytes.
 * Pure: Uint8Array and DataView only. Decoding never throws on bad input: it returns the reason.
 * Opcodes are append-only; test/chain/codec.test.ts pins the bytes.
 *
 * Layout, big-endian:
 *   u8 opcode | u64 epoch | u16 len + chain id (ASCII) | u64 seq | body
 *   update (1): u8 len + origin node (ASCII) | u64 origin request | u32 len + payload
 *   ack    (2): u16 len + digest (ASCII)
 * Integers are safe integers (< 2^53); strings are printable ASCII (0x21..0x7e).
 */

import type { ChainId, Epoch, NodeId, Seq } from '../config/cluster';
import { chainIdBytesMax, digestBytesMax, nodeIdBytesMax, updatePayloadBytesMax } from './limits';
import type { ChainMsg } from './messages';

export const chainOpcode = { update: 1, ack: 2 } as const;

const twoTo32 = 0x1_0000_0000;
/** High word of the largest safe integer (2^53 - 1). */
const safeHighMax = 0x1f_ffff;

function asciiBytes(s: string, max: number, what: string): Uint8Array {
  if (s.length > max) throw new Error(`encodeChainMsg: ${what} longer than ${max}`);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) throw new Error(`encodeChainMsg: ${what} is not printable ASCII`);
    out[i] = c;
  }
  return out;
}

function checkSafe(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`encodeChainMsg: ${what} ${v} is not a non-negative safe integer`);
  return v;
}

/**
 * Writes into one growable buffer: a message is encoded per update on the hot path, so no
 * per-field allocation (a Uint8Array per integer cost ~13% of a node's CPU under load).
 */
class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private at = 0;
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }
  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.at, v);
    this.at += 2;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.at, v);
    this.at += 4;
  }
  u64(v: number): void {
    this.u32(Math.floor(v / twoTo32));
    this.u32(v >>> 0);
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

export function encodeChainMsg(msg: ChainMsg<Uint8Array>): Uint8Array {
  const w = new Writer();
  w.u8(chainOpcode[msg.kind]);
  w.u64(checkSafe(msg.epoch, 'epoch'));
  const chain = asciiBytes(msg.chain, chainIdBytesMax, 'chain');
  w.u16(chain.length);
  w.bytes(chain);
  w.u64(checkSafe(msg.seq, 'seq'));
  if (msg.kind === 'update') {
    const node = asciiBytes(msg.origin.node, nodeIdBytesMax, 'origin node');
    w.u8(node.length);
    w.bytes(node);
    w.u64(checkSafe(msg.origin.request, 'origin request'));
    if (msg.payload.length > updatePayloadBytesMax) throw new Error(`encodeChainMsg: payload larger than ${updatePayloadBytesMax}`);
    w.u32(msg.payload.length);
    w.bytes(msg.payload);
  } else {
    const digest = asciiBytes(msg.digest, digestBytesMax, 'digest');
    w.u16(digest.length);
    w.bytes(digest);
  }
  return w.finish();
}

class DecodeError {
  constructor(readonly reason: string) {}
}

class Reader {
  private at = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number, what: string): void {
    if (this.bytes.length - this.at < n) throw new DecodeError(`truncated: ${what} needs ${n} bytes at offset ${this.at}, ${this.bytes.length - this.at} left`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.at++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.at);
    this.at += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.at);
    this.at += 4;
    return v;
  }
  u64(what: string): number {
    this.need(8, what);
    const hi = this.view.getUint32(this.at);
    const lo = this.view.getUint32(this.at + 4);
    if (hi > safeHighMax) throw new DecodeError(`${what} at offset ${this.at} is not a safe integer`);
    this.at += 8;
    return hi * twoTo32 + lo;
  }
  /** A view into the input, not a copy. */
  bytesOf(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
  ascii(n: number, max: number, what: string): string {
    if (n > max) throw new DecodeError(`${what} length ${n} exceeds ${max}`);
    const b = this.bytesOf(n, what);
    let s = '';
    for (const c of b) {
      if (c < 0x21 || c > 0x7e) throw new DecodeError(`${what} is not printable ASCII`);
      s += String.fromCharCode(c);
    }
    return s;
  }
  end(): void {
    if (this.at !== this.bytes.length) throw new DecodeError(`${this.bytes.length - this.at} trailing bytes`);
  }
}

/**
 * Decodes one message. The update payload is a view into `bytes` (no copy): a caller that
 * reuses the buffer must copy it first.
 */
export function decodeChainMsg(bytes: Uint8Array): ChainMsg<Uint8Array> | { error: string } {
  try {
    const r = new Reader(bytes);
    const opcode = r.u8('opcode');
    if (opcode !== chainOpcode.update && opcode !== chainOpcode.ack) return { error: `unknown opcode ${opcode}` };
    const epoch = r.u64('epoch') as Epoch;
    const chain = r.ascii(r.u16('chain length'), chainIdBytesMax, 'chain') as ChainId;
    const seq = r.u64('seq') as Seq;
    let msg: ChainMsg<Uint8Array>;
    if (opcode === chainOpcode.update) {
      const node = r.ascii(r.u8('origin node length'), nodeIdBytesMax, 'origin node') as NodeId;
      const request = r.u64('origin request');
      const length = r.u32('payload length');
      if (length > updatePayloadBytesMax) return { error: `payload length ${length} exceeds ${updatePayloadBytesMax}` };
      const payload = r.bytesOf(length, 'payload');
      msg = { kind: 'update', epoch, chain, seq, payload, origin: { node, request } };
    } else {
      const digest = r.ascii(r.u16('digest length'), digestBytesMax, 'digest');
      msg = { kind: 'ack', epoch, chain, seq, digest };
    }
    r.end();
    return msg;
  } catch (e) {
    if (e instanceof DecodeError) return { error: e.reason };
    throw e;
  }
}
