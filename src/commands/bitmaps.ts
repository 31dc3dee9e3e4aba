/**
 * The bitmap family, as Redis 7.0's bitops.c: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
 * BITFIELD and BITFIELD_RO over string values (bit 0 is the most significant bit of byte 0).
 * Data handlers only: the keyspace through the Exec; a write emits setranges of the bytes it
 * changed (SETBIT one byte), so a 512 MB bitmap costs one byte per update to replicate.
 */
import type { CommandDef } from './spec';
import type { Exec } from '../engine/exec';
import { type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { parseInt64 } from '../resp/format';
import { RawString, type StringValue, isString, stringLength } from '../engine/values';
import { stringBytesMax } from '../limits';

/** Redis embstr strings are at most 44 bytes; dbUnshareStringValue turns them into raw. */
const EMBSTR_MAX = 44;

// ---------------------------------------------------------------------------------------
// Helpers shared by the family (and by hyperloglog.ts, whose values are strings too).

/** C string semantics for an option word: Redis compares with strcasecmp, which stops at NUL. */
export function cstr(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

function optIs(opt: string, word: string): boolean {
  return cstr(opt).toLowerCase() === word;
}

/**
 * Replace a key's value with a raw string holding `bytes` (OBJECT ENCODING "raw", as Redis's
 * createObject gives). The live value takes `bytes` over (the caller must not reuse it);
 * the effect carries its own copy, since the live value may later be edited in place.
 */
export function putRaw(x: Exec, key: string, bytes: Buffer, expireAt: number | null | 'keep'): void {
  const live = new RawString('', 0);
  live.buf = bytes;
  live.len = bytes.length;
  // Redis dbAdd raises "new" (class n) when a key is created.
  if (x.db.data.set(key, live)) x.notify('new', key, 'n');
  let at: number | null;
  if (expireAt === 'keep') at = x.db.expires.get(key) ?? null;
  else {
    at = expireAt;
    if (at === null) x.db.expires.delete(key);
    else x.db.expires.set(key, at);
  }
  const copy = new RawString('', 0);
  copy.buf = Buffer.from(bytes);
  copy.len = bytes.length;
  x.effects.push({ op: 'put', db: x.dbIndex, key, value: copy, expireAt: at });
}

/** A string value's bytes: a RawString's own buffer (read only), or a copy of a JS string. */
function bytesOf(v: StringValue): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v.buf.subarray(0, v.len);
}

function byteOf(v: StringValue, i: number): number {
  return typeof v === 'string' ? v.charCodeAt(i) : (v.buf[i] as number);
}

/**
 * Make a string value raw (dbUnshareStringValue) and return it. A JS string becomes a
 * RawString through an empty setrange, so replicas convert it too.
 */
function unshare(x: Exec, key: string, v: StringValue): RawString {
  return typeof v === 'string' ? x.setRange(key, 0, '') : v;
}

/**
 * Redis getBitOffsetFromArgument: a bit offset below 2^32 (its byte must be under
 * proto-max-bulk-len, 512 MB). With `bits` (BITFIELD) "#n" means n * bits, multiplied in
 * 64-bit two's complement as Redis's C does, so an overflowing product wraps.
 */
function bitOffset(arg: string, bits: number): number | null {
  const usehash = bits > 0 && arg.charCodeAt(0) === 35; // '#'
  const v = parseInt64(usehash ? arg.slice(1) : arg);
  if (v === null) return null;
  let off: bigint | number = v;
  if (usehash) off = BigInt.asIntN(64, BigInt(v) * BigInt(bits));
  if (off < 0 || Number(off) / 8 >= stringBytesMax) return null;
  return Number(off);
}

// ---------------------------------------------------------------------------------------
// Popcount and bit search over byte ranges (BITCOUNT, BITPOS).

const BITS_IN_BYTE = new Uint8Array(256);
for (let i = 1; i < 256; i++) BITS_IN_BYTE[i] = (i & 1) + (BITS_IN_BYTE[i >> 1] as number);

/** Set bits in bytes [start, start + count): SWAR over aligned 32-bit words. */
function popcountBytes(b: Uint8Array, start: number, count: number): number {
  let bits = 0;
  let i = start;
  const end = start + count;
  while (i < end && ((b.byteOffset + i) & 3) !== 0) bits += BITS_IN_BYTE[b[i++] as number] as number;
  const words = (end - i) >> 2;
  if (words > 0) {
    const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      let v = w[k] as number;
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      bits += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    i += words * 4;
  }
  while (i < end) bits += BITS_IN_BYTE[b[i++] as number] as number;
  return bits;
}

function popcount(v: StringValue, start: number, count: number): number {
  if (typeof v !== 'string') return popcountBytes(v.buf, start, count);
  if (count > 64) return popcountBytes(Buffer.from(v.substring(start, start + count), 'latin1'), 0, count);
  let bits = 0;
  for (let i = start; i < start + count; i++) bits += BITS_IN_BYTE[v.charCodeAt(i)] as number;
  return bits;
}

/**
 * Redis redisBitpos over bytes [start, start + count): the position (from `start`) of the
 * first bit equal to `bit`; when there is none, -1 looking for 1, count * 8 looking for 0
 * (the string is taken as zero-padded on the right).
 */
function bitposBytes(b: Uint8Array, start: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  let i = start;
  const end = start + count;
  while (i < end && ((b.byteOffset + i) & 3) !== 0 && b[i] === skip) i++;
  if (i < end && b[i] === skip) {
    const words = (end - i) >> 2;
    if (words > 0) {
      const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
      const skipWord = bit ? 0 : 0xffffffff;
      let k = 0;
      while (k < words && w[k] === skipWord) k++;
      i += k * 4;
    }
    while (i < end && b[i] === skip) i++;
  }
  if (i === end) return bit ? -1 : count * 8;
  const byte = b[i] as number;
  let pos = (i - start) * 8;
  for (let mask = 0x80; mask !== 0; mask >>= 1, pos++) if (((byte & mask) !== 0 ? 1 : 0) === bit) return pos;
  throw new Error('bitpos: a byte that is not the skip value has the bit');
}

function bitpos(v: StringValue | Uint8Array, start: number, count: number, bit: number): number {
  if (typeof v === 'string') return bitposBytes(Buffer.from(v.substring(start, start + count), 'latin1'), 0, count, bit);
  if (v instanceof RawString) return bitposBytes(v.buf, start, count, bit);
  return bitposBytes(v, start, count, bit);
}

// ---------------------------------------------------------------------------------------
// SETBIT, GETBIT.

/** SETBIT key offset value: the old bit; the string grows (zero-padded) to reach the offset. */
function setbit(x: Exec, args: string[]): Reply {
  const key = args[1] as string;
  const off = bitOffset(args[2] as string, 0);
  if (off === null) return err.bitOffset;
  const on = parseInt64(args[3] as string);
  if (on === null || (on !== 0 && on !== 1)) return err.bitValue;
  const v = x.lookup(key);
  if (v !== undefined && !isString(v)) return err.wrongType;
  const byte = Math.floor(off / 8);
  const shift = 7 - (off & 7);
  const len = v === undefined ? 0 : stringLength(v);
  const grows = byte >= len;
  const old = grows ? 0 : byteOf(v as StringValue, byte);
  const bitval = (old >> shift) & 1;
  if (grows || bitval !== on) {
    const next = (old & ~(1 << shift)) | (on << shift);
    x.setRange(key, byte, String.fromCharCode(next));
    x.notify('setbit', key, '$');
  } else if (typeof v === 'string' && v.length <= EMBSTR_MAX) {
    unshare(x, key, v);
  }
  return bitval;
}

function getbit(x: Exec, args: string[]): Reply {
  const off = bitOffset(args[2] as string, 0);
  if (off === null) return err.bitOffset;
  const v = x.lookupRead(args[1] as string);
  if (v === undefined) return 0;
  if (!isString(v)) return err.wrongType;
  const byte = Math.floor(off / 8);
  if (byte >= stringLength(v)) return 0;
  return (byteOf(v, byte) >> (7 - (off & 7))) & 1;
}

// ---------------------------------------------------------------------------------------
// BITCOUNT, BITPOS.

/** An index argument for range arithmetic: exact when safe, ±Infinity beyond (it then only clamps). */
function rangeIndex(v: number | bigint): number {
  if (typeof v === 'number') return v;
  return v < 0n ? -Infinity : Infinity;
}

/** BIT|BYTE, as strcasecmp: 1 for BIT, 0 for BYTE, null for anything else. */
function unitArg(arg: string): number | null {
  if (optIs(arg, 'bit')) return 1;
  if (optIs(arg, 'byte')) return 0;
  return null;
}

/**
 * Redis 7.0 bitcountCommand: the key is looked up before the range is parsed (a missing key
 * answers 0 whatever the arguments); negative indexes count from the end; BIT ranges mask
 * the edge bytes.
 */
function bitcount(x: Exec, args: string[]): Reply {
  const v = x.lookupRead(args[1] as string);
  if (v === undefined) return 0;
  if (!isString(v)) return err.wrongType;
  const strlen = stringLength(v);
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (args.length === 4 || args.length === 5) {
    const s = parseInt64(args[2] as string);
    if (s === null) return err.notInteger;
    const e = parseInt64(args[3] as string);
    if (e === null) return err.notInteger;
    // Redis 7.0 answers an inverted negative range before it reads BIT|BYTE.
    if (s < 0 && e < 0 && s > e) return 0;
    let isbit = 0;
    if (args.length === 5) {
      const u = unitArg(args[4] as string);
      if (u === null) return err.syntax;
      isbit = u;
    }
    const totlen = isbit ? strlen * 8 : strlen;
    start = rangeIndex(s);
    end = rangeIndex(e);
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (isbit && start <= end) {
      firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
      lastMask = (1 << (7 - (end & 7))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (args.length === 2) {
    start = 0;
    end = strlen - 1;
  } else {
    return err.syntax;
  }
  if (start > end) return 0;
  let count = popcount(v, start, end - start + 1);
  if (firstMask !== 0) count -= BITS_IN_BYTE[byteOf(v, start) & firstMask] as number;
  if (lastMask !== 0) count -= BITS_IN_BYTE[byteOf(v, end) & lastMask] as number;
  return count;
}

/**
 * Redis 7.0 bitposCommand. Without an explicit end, looking for 0 in a run of ones answers
 * the first bit past the string (it is taken as zero-padded); with an end given, -1.
 */
function bitposCommand(x: Exec, args: string[]): Reply {
  const b = parseInt64(args[2] as string);
  if (b === null) return err.notInteger;
  if (b !== 0 && b !== 1) return err.bitposBit;
  const bit = b;
  const v = x.lookupRead(args[1] as string);
  if (v === undefined) return bit ? -1 : 0;
  if (!isString(v)) return err.wrongType;
  const strlen = stringLength(v);
  let start: number;
  let end: number;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  const argc = args.length;
  if (argc >= 4 && argc <= 6) {
    const s = parseInt64(args[3] as string);
    if (s === null) return err.notInteger;
    let isbit = 0;
    if (argc === 6) {
      const u = unitArg(args[5] as string);
      if (u === null) return err.syntax;
      isbit = u;
    }
    let e: number | bigint = 0;
    if (argc >= 5) {
      const p = parseInt64(args[4] as string);
      if (p === null) return err.notInteger;
      e = p;
      endGiven = true;
    }
    start = rangeIndex(s);
    end = argc < 5 ? strlen - 1 : rangeIndex(e);
    const totlen = isbit ? strlen * 8 : strlen;
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (isbit && start <= end) {
      firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
      lastMask = (1 << (7 - (end & 7))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argc === 3) {
    start = 0;
    end = strlen - 1;
  } else {
    return err.syntax;
  }
  if (start > end) return -1;
  let bytes = end - start + 1;
  let pos: number;
  found: {
    if (firstMask !== 0) {
      let tmp = bit ? byteOf(v, start) & ~firstMask : byteOf(v, start) | firstMask;
      if (lastMask !== 0 && bytes === 1) tmp = bit ? tmp & ~lastMask : tmp | lastMask;
      pos = bitpos(Uint8Array.of(tmp & 0xff), 0, 1, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break found;
      start++;
      bytes--;
    }
    const curbytes = bytes - (lastMask !== 0 ? 1 : 0);
    if (curbytes > 0) {
      pos = bitpos(v, start, curbytes, bit);
      if (bytes === curbytes || (pos !== -1 && pos !== curbytes * 8)) break found;
      start += curbytes;
      bytes -= curbytes;
    }
    const tmp = bit ? byteOf(v, end) & ~lastMask : byteOf(v, end) | lastMask;
    pos = bitpos(Uint8Array.of(tmp & 0xff), 0, 1, bit);
  }
  // With an explicit end the right of the range is not zero padding: no clear bit → -1.
  if (endGiven && bit === 0 && pos === bytes * 8) return -1;
  if (pos !== -1) pos += start * 8;
  return pos;
}

// ---------------------------------------------------------------------------------------
// BITOP.

const OP_AND = 0;
const OP_OR = 1;
const OP_XOR = 2;
const OP_NOT = 3;

/**
 * dst[0, n) = dst op src[0, n), a 32-bit word at a time when both are aligned. Source by
 * source rather than byte by byte across sources: the result is the same (AND, OR and XOR
 * are associative) and the work is the sum of the lengths.
 */
function combine(op: number, dst: Uint8Array, src: Uint8Array, n: number): void {
  let i = 0;
  if (((dst.byteOffset | src.byteOffset) & 3) === 0 && n >= 16) {
    const words = n >> 2;
    const d = new Int32Array(dst.buffer, dst.byteOffset, words);
    const s = new Int32Array(src.buffer, src.byteOffset, words);
    if (op === OP_AND) for (let k = 0; k < words; k++) d[k] = (d[k] as number) & (s[k] as number);
    else if (op === OP_OR) for (let k = 0; k < words; k++) d[k] = (d[k] as number) | (s[k] as number);
    else for (let k = 0; k < words; k++) d[k] = (d[k] as number) ^ (s[k] as number);
    i = words * 4;
  }
  if (op === OP_AND) for (; i < n; i++) dst[i] = (dst[i] as number) & (src[i] as number);
  else if (op === OP_OR) for (; i < n; i++) dst[i] = (dst[i] as number) | (src[i] as number);
  else for (; i < n; i++) dst[i] = (dst[i] as number) ^ (src[i] as number);
}

/**
 * BITOP AND|OR|XOR|NOT destkey key [key ...]: missing keys are empty strings (zero bytes
 * up to the longest); an empty result deletes destkey. Replies the result length.
 */
function bitop(x: Exec, args: string[]): Reply {
  const opname = cstr(args[1] as string).toLowerCase();
  let op: number;
  if (opname === 'and') op = OP_AND;
  else if (opname === 'or') op = OP_OR;
  else if (opname === 'xor') op = OP_XOR;
  else if (opname === 'not') op = OP_NOT;
  else return err.syntax;
  if (op === OP_NOT && args.length !== 4) return err.bitopNotSingleKey;
  const dest = args[2] as string;
  const numkeys = args.length - 3;
  const srcs: Uint8Array[] = [];
  let maxlen = 0;
  for (let j = 0; j < numkeys; j++) {
    const v = x.lookupRead(args[j + 3] as string);
    if (v === undefined) {
      srcs.push(new Uint8Array(0));
      continue;
    }
    if (!isString(v)) return err.wrongType;
    const b = bytesOf(v);
    srcs.push(b);
    if (b.length > maxlen) maxlen = b.length;
  }
  if (maxlen === 0) {
    // Redis dbDelete: the key goes if it is there at all.
    if (x.db.data.has(dest)) {
      x.db.data.delete(dest);
      x.db.expires.delete(dest);
      x.effects.push({ op: 'del', db: x.dbIndex, key: dest });
      x.notify('del', dest, 'g');
    }
    return 0;
  }
  // Missing bytes (keys shorter than the longest, or missing keys) read as zero.
  const res = Buffer.alloc(maxlen);
  const s0 = srcs[0] as Uint8Array;
  res.set(s0);
  if (op === OP_NOT) {
    const words = (res.byteOffset & 3) === 0 ? maxlen >> 2 : 0;
    const r = new Int32Array(res.buffer, res.byteOffset, words);
    for (let k = 0; k < words; k++) r[k] = ~(r[k] as number);
    for (let k = words * 4; k < maxlen; k++) res[k] = ~(res[k] as number) & 0xff;
  }
  for (let i = 1; i < numkeys; i++) {
    const s = srcs[i] as Uint8Array;
    combine(op, res, s, s.length);
    if (op === OP_AND) res.fill(0, s.length);
  }
  x.lookup(dest); // setKey's lookupKeyWrite: an expired destkey is reclaimed first
  putRaw(x, dest, res, null);
  x.notify('set', dest, '$');
  return maxlen;
}

// ---------------------------------------------------------------------------------------
// BITFIELD, BITFIELD_RO.

const GET = 0;
const SET = 1;
const INCRBY = 2;
const WRAP = 0;
const SAT = 1;
const FAIL = 2;

interface BitfieldOp {
  offset: number;
  value: bigint;
  opcode: number;
  owtype: number;
  bits: number;
  signed: boolean;
}

const U64 = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

/** Redis getBitfieldTypeFromArgument: i1..i64 or u1..u63 (the width parsed as a C string). */
function bitfieldType(arg: string): { signed: boolean; bits: number } | null {
  const c = arg.charCodeAt(0);
  if (c !== 105 && c !== 117) return null; // 'i' | 'u'
  const signed = c === 105;
  const n = parseInt64(cstr(arg.slice(1)));
  if (n === null || n < 1 || (signed && n > 64) || (!signed && n > 63)) return null;
  return { signed, bits: Number(n) };
}

/** Bits [offset, offset + bits) as an unsigned integer, bit 0 the most significant. */
function getUnsigned(read: (i: number) => number, offset: number, bits: number): bigint {
  let value = 0n;
  let small = 0;
  for (let j = 0; j < bits; j++) {
    const o = offset + j;
    const bit = (read(Math.floor(o / 8)) >> (7 - (o & 7))) & 1;
    if (bits <= 48) small = small * 2 + bit;
    else value = (value << 1n) | BigInt(bit);
  }
  return bits <= 48 ? BigInt(small) : value;
}

function getSigned(read: (i: number) => number, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsigned(read, offset, bits));
}

/** Redis checkUnsignedBitfieldOverflow: [1 | -1 | 0, the wrapped or saturated value]. */
function checkUnsigned(value: bigint, incr: bigint, bits: number, owtype: number): [number, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, -value);
  const wrapped = () => BigInt.asUintN(64, value + incr) & max;
  if (value > max || (incr > 0n && incr > maxincr)) return [1, owtype === WRAP ? wrapped() : max];
  if (incr < 0n && incr < minincr) return [-1, owtype === WRAP ? wrapped() : 0n];
  return [0, 0n];
}

/** Redis checkSignedBitfieldOverflow, with C's two's complement wrap-around of the temporaries. */
function checkSigned(value: bigint, incr: bigint, bits: number, owtype: number): [number, bigint] {
  const max = bits === 64 ? I64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = BigInt.asIntN(64, BigInt.asUintN(64, max) - BigInt.asUintN(64, value));
  const minincr = BigInt.asIntN(64, min - value);
  const wrapped = () => {
    let c = BigInt.asUintN(64, value + incr);
    if (bits < 64) {
      const mask = BigInt.asUintN(64, U64 << BigInt(bits));
      c = c & (1n << BigInt(bits - 1)) ? c | mask : c & ~mask & U64;
    }
    return BigInt.asIntN(64, c);
  };
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return [1, owtype === WRAP ? wrapped() : max];
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return [-1, owtype === WRAP ? wrapped() : min];
  }
  return [0, 0n];
}

function toReply(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Write `value` (its low `bits` bits) at a bit offset through setrange; true when bytes changed. */
function writeBits(x: Exec, key: string, raw: RawString, offset: number, bits: number, value: bigint): boolean {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  const bytes: number[] = [];
  for (let i = first; i <= last; i++) bytes.push(raw.buf[i] as number);
  const uv = BigInt.asUintN(64, value);
  for (let j = 0; j < bits; j++) {
    const o = offset + j - first * 8;
    const bitval = Number((uv >> BigInt(bits - 1 - j)) & 1n);
    const idx = o >> 3;
    const shift = 7 - (o & 7);
    bytes[idx] = ((bytes[idx] as number) & ~(1 << shift)) | (bitval << shift);
  }
  let changed = false;
  for (let i = first; i <= last; i++) if (bytes[i - first] !== raw.buf[i]) changed = true;
  if (changed) x.setRange(key, first, String.fromCharCode(...bytes));
  return changed;
}

/**
 * Redis bitfieldGeneric: every operation is parsed (and every error reported) before any
 * runs; a command with only GETs is a read; writes grow the string to the farthest bit any
 * of them reaches before running, in order. OVERFLOW applies to the operations after it.
 */
function bitfield(x: Exec, args: string[], readOnlyCommand: boolean): Reply {
  const key = args[1] as string;
  const ops: BitfieldOp[] = [];
  let owtype = WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < args.length; j++) {
    const remargs = args.length - j - 1;
    const sub = cstr(args[j] as string).toLowerCase();
    let opcode: number;
    if (sub === 'get' && remargs >= 2) opcode = GET;
    else if (sub === 'set' && remargs >= 3) opcode = SET;
    else if (sub === 'incrby' && remargs >= 3) opcode = INCRBY;
    else if (sub === 'overflow' && remargs >= 1) {
      const t = cstr(args[++j] as string).toLowerCase();
      if (t === 'wrap') owtype = WRAP;
      else if (t === 'sat') owtype = SAT;
      else if (t === 'fail') owtype = FAIL;
      else return err.bitfieldOverflowType;
      continue;
    } else return err.syntax;
    const type = bitfieldType(args[j + 1] as string);
    if (type === null) return err.bitfieldType;
    const offset = bitOffset(args[j + 2] as string, type.bits);
    if (offset === null) return err.bitOffset;
    let value = 0n;
    if (opcode !== GET) {
      readonly = false;
      if (highest < offset + type.bits - 1) highest = offset + type.bits - 1;
      const v = parseInt64(args[j + 3] as string);
      if (v === null) return err.notInteger;
      value = BigInt(v);
    }
    ops.push({ offset, value, opcode, owtype, bits: type.bits, signed: type.signed });
    j += opcode === GET ? 2 : 3;
  }

  let src: StringValue | undefined;
  let raw: RawString | null = null;
  let grew = false;
  if (readonly) {
    src = x.lookupRead(key) as StringValue | undefined;
    if (src !== undefined && !isString(src)) return err.wrongType;
  } else {
    if (readOnlyCommand) return err.bitfieldRoGetOnly;
    const v = x.lookup(key);
    if (v !== undefined && !isString(v)) return err.wrongType;
    const need = Math.floor(highest / 8) + 1;
    const len = v === undefined ? 0 : stringLength(v);
    if (need > len) {
      raw = x.setRange(key, need - 1, '\0');
      grew = true;
    } else raw = unshare(x, key, v as StringValue);
    src = raw;
  }

  const replies: Reply[] = [];
  let changes = 0;
  for (const op of ops) {
    if (op.opcode === GET) {
      const s = src;
      const len = s === undefined ? 0 : stringLength(s);
      const read = (i: number) => (s !== undefined && i < len ? byteOf(s, i) : 0);
      replies.push(toReply(op.signed ? getSigned(read, op.offset, op.bits) : getUnsigned(read, op.offset, op.bits)));
      continue;
    }
    const r = raw as RawString;
    const read = (i: number) => r.buf[i] as number;
    const oldval = op.signed ? getSigned(read, op.offset, op.bits) : getUnsigned(read, op.offset, op.bits);
    let newval: bigint;
    let retval: bigint;
    let overflow: number;
    let limit: bigint;
    if (op.signed) {
      if (op.opcode === INCRBY) {
        [overflow, limit] = checkSigned(oldval, op.value, op.bits, op.owtype);
        newval = overflow ? limit : oldval + op.value;
        retval = newval;
      } else {
        newval = op.value;
        [overflow, limit] = checkSigned(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = oldval;
      }
    } else {
      if (op.opcode === INCRBY) {
        newval = BigInt.asUintN(64, oldval + op.value);
        [overflow, limit] = checkUnsigned(oldval, op.value, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = newval;
      } else {
        newval = BigInt.asUintN(64, op.value);
        [overflow, limit] = checkUnsigned(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = oldval;
      }
    }
    if (overflow && op.owtype === FAIL) {
      replies.push(null);
      continue;
    }
    replies.push(toReply(retval));
    writeBits(x, key, r, op.offset, op.bits, newval);
    if (grew || oldval !== newval) changes++;
  }
  if (changes) x.notify('setbit', key, '$');
  return replies;
}

export const commands: CommandDef[] = [
  { name: 'setbit', data: setbit },
  { name: 'getbit', data: getbit },
  { name: 'bitcount', data: bitcount },
  { name: 'bitpos', data: bitposCommand },
  { name: 'bitop', data: bitop },
  { name: 'bitfield', data: (x, args) => bitfield(x, args, false) },
  { name: 'bitfield_ro', data: (x, args) => bitfield(x, args, true) },
];
