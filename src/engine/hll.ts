/**
 * HyperLogLog as Redis 7.0's hyperloglog.c, byte for byte: the "HYLL" header with its cached
 * cardinality, the sparse (ZERO / XZERO / VAL opcodes) and dense (16384 6-bit registers)
 * encodings with the same promotion rules, MurmurHash64A with seed 0xadc83b19, and Ertl's
 * histogram estimator ("New cardinality estimation algorithms for HyperLogLog sketches",
 * arXiv:1702.01284), so a value built here or by Redis reads the same in both.
 * Pure functions over byte buffers: no keyspace, no effects (the command layer turns what
 * changed into effects), no clock, no randomness.
 */

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
/** magic[4] "HYLL", encoding, notused[3], card[8] (little endian; MSB of card[7] = stale). */
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + Math.floor((HLL_REGISTERS * HLL_BITS + 7) / 8);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;
/** Byte of the header holding the encoding, and the most significant cache byte. */
const ENCODING_BYTE = 4;
const CACHE_MSB_BYTE = 15;

const SPARSE_XZERO_BIT = 0x40;
const SPARSE_VAL_BIT = 0x80;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const HLL_ALPHA_INF = 0.72134752044448170368;
const HASH_SEED = 0xadc83b19;

// ---------------------------------------------------------------------------------------
// MurmurHash64A in 32-bit halves (BigInt is far slower). Results land in hashHi/hashLo.

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const M_LO_HI16 = M_LO >>> 16;
const M_LO_LO16 = M_LO & 0xffff;
let hashHi = 0;
let hashLo = 0;

/** High 32 bits of the 64-bit product of a (uint32) and M_LO. */
function umulhiM(a: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const t = a0 * M_LO_LO16;
  const m1 = a1 * M_LO_LO16 + (t >>> 16);
  const m2 = a0 * M_LO_HI16 + (m1 & 0xffff);
  return a1 * M_LO_HI16 + (m1 >>> 16) + (m2 >>> 16);
}

/** (hi:lo * m) mod 2^64 into hashHi/hashLo. */
function mulM(hi: number, lo: number): void {
  hashLo = Math.imul(lo, M_LO) >>> 0;
  hashHi = (umulhiM(lo >>> 0) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
}

/** Redis MurmurHash64A(key, len, seed) of a binary string; the hash lands in hashHi/hashLo. */
function murmurHash64A(s: string, seed: number): void {
  const len = s.length;
  mulM(0, len);
  let hHi = hashHi;
  let hLo = (hashLo ^ seed) >>> 0;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    const kLo = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    const kHi = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    mulM(kHi, kLo);
    mulM(hashHi, (hashLo ^ (hashHi >>> 15)) >>> 0); // k ^= k >> 47; k *= m
    hHi = (hHi ^ hashHi) >>> 0;
    hLo = (hLo ^ hashLo) >>> 0;
    mulM(hHi, hLo);
    hHi = hashHi;
    hLo = hashLo;
  }
  const rest = len & 7;
  if (rest > 0) {
    // The fall-through switch of the C code: the tail bytes, highest first.
    if (rest >= 7) hHi ^= s.charCodeAt(i + 6) << 16;
    if (rest >= 6) hHi ^= s.charCodeAt(i + 5) << 8;
    if (rest >= 5) hHi ^= s.charCodeAt(i + 4);
    if (rest >= 4) hLo ^= s.charCodeAt(i + 3) << 24;
    if (rest >= 3) hLo ^= s.charCodeAt(i + 2) << 16;
    if (rest >= 2) hLo ^= s.charCodeAt(i + 1) << 8;
    hLo ^= s.charCodeAt(i);
    mulM(hHi >>> 0, hLo >>> 0);
    hHi = hashHi;
    hLo = hashLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mulM(hHi, hLo);
  hashLo = (hashLo ^ (hashHi >>> 15)) >>> 0;
}

/** The 64-bit hash as a BigInt (tests compare it with known vectors). */
export function murmurHash64ABig(s: string, seed = HASH_SEED): bigint {
  murmurHash64A(s, seed);
  return (BigInt(hashHi) << 32n) | BigInt(hashLo);
}

/**
 * Redis hllPatLen: the register an element maps to and the length of the 000..1 run of
 * the rest of its hash (1..Q+1), packed as count * HLL_REGISTERS + index.
 */
export function hllPatLen(ele: string): number {
  murmurHash64A(ele, HASH_SEED);
  const index = hashLo & HLL_P_MASK;
  const low = hashLo >>> HLL_P; // hash bits 14..31 are bits 0..17 of hash >> P
  let count: number;
  if (low !== 0) count = 32 - Math.clz32(low & -low);
  else if (hashHi !== 0) count = 18 + 32 - Math.clz32(hashHi & -hashHi);
  else count = HLL_Q + 1;
  return count * HLL_REGISTERS + index;
}

// ---------------------------------------------------------------------------------------
// Validation and the cached cardinality.

/** Redis isHLLObjectOrReply, for a value already known to be a string. */
export function isValidHll(b: Uint8Array, len: number): boolean {
  if (len < HLL_HDR_SIZE) return false;
  if (b[0] !== 0x48 || b[1] !== 0x59 || b[2] !== 0x4c || b[3] !== 0x4c) return false;
  const enc = b[ENCODING_BYTE] as number;
  if (enc > HLL_MAX_ENCODING) return false;
  return enc !== HLL_DENSE || len === HLL_DENSE_SIZE;
}

export function hllEncoding(b: Uint8Array): number {
  return b[ENCODING_BYTE] as number;
}

/** The cached cardinality, or null when the cache is marked stale. */
export function cachedCard(b: Uint8Array): number | bigint | null {
  if (((b[CACHE_MSB_BYTE] as number) & 0x80) !== 0) return null;
  const lo = ((b[8] as number) | ((b[9] as number) << 8) | ((b[10] as number) << 16) | ((b[11] as number) << 24)) >>> 0;
  const hi = ((b[12] as number) | ((b[13] as number) << 8) | ((b[14] as number) << 16) | ((b[15] as number) << 24)) >>> 0;
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

// ---------------------------------------------------------------------------------------
// The estimator (hllCount).

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y; // pow(1 - x, 2) is exact-rounded, as d * d is
  } while (zPrime !== z);
  return z / 3;
}

const INT64_MIN = -9223372036854775808n;

/**
 * Cardinality from a register histogram, as Redis's hllCount. Redis stores llroundl() of the
 * estimate in a uint64 and replies it as a long long; an estimate beyond 2^63 (only from
 * crafted registers) comes out of llroundl as LLONG_MIN on x86-64, so it is that here too.
 */
function estimate(reghisto: Int32Array): number | bigint {
  const m = HLL_REGISTERS;
  let z = m * hllTau((m - (reghisto[HLL_Q + 1] as number)) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += reghisto[j] as number;
    z *= 0.5;
  }
  z += m * hllSigma((reghisto[0] as number) / m);
  const e = (HLL_ALPHA_INF * m * m) / z;
  if (!(e < 9223372036854775807.5)) return INT64_MIN;
  const r = Math.round(e); // e >= 0, so half-up is llround's half-away-from-zero
  return Number.isSafeInteger(r) ? r : BigInt(r);
}

function inc(h: Int32Array, i: number): void {
  h[i] = (h[i] as number) + 1;
}

function denseRegHisto(b: Uint8Array, reghisto: Int32Array): void {
  let r = HLL_HDR_SIZE;
  for (let j = 0; j < 1024; j++) {
    const b0 = b[r] as number;
    const b1 = b[r + 1] as number;
    const b2 = b[r + 2] as number;
    const b3 = b[r + 3] as number;
    const b4 = b[r + 4] as number;
    const b5 = b[r + 5] as number;
    const b6 = b[r + 6] as number;
    const b7 = b[r + 7] as number;
    const b8 = b[r + 8] as number;
    const b9 = b[r + 9] as number;
    const b10 = b[r + 10] as number;
    const b11 = b[r + 11] as number;
    inc(reghisto, b0 & 63);
    inc(reghisto, ((b0 >> 6) | (b1 << 2)) & 63);
    inc(reghisto, ((b1 >> 4) | (b2 << 4)) & 63);
    inc(reghisto, (b2 >> 2) & 63);
    inc(reghisto, b3 & 63);
    inc(reghisto, ((b3 >> 6) | (b4 << 2)) & 63);
    inc(reghisto, ((b4 >> 4) | (b5 << 4)) & 63);
    inc(reghisto, (b5 >> 2) & 63);
    inc(reghisto, b6 & 63);
    inc(reghisto, ((b6 >> 6) | (b7 << 2)) & 63);
    inc(reghisto, ((b7 >> 4) | (b8 << 4)) & 63);
    inc(reghisto, (b8 >> 2) & 63);
    inc(reghisto, b9 & 63);
    inc(reghisto, ((b9 >> 6) | (b10 << 2)) & 63);
    inc(reghisto, ((b10 >> 4) | (b11 << 4)) & 63);
    inc(reghisto, (b11 >> 2) & 63);
    r += 12;
  }
}

/** Byte i of a value of length len, 0 past the end (sds strings end in an implicit NUL). */
function byteAt(b: Uint8Array, i: number, len: number): number {
  return i < len ? (b[i] as number) : 0;
}

/** Redis hllSparseRegHisto; false when the opcodes do not cover exactly 16384 registers. */
function sparseRegHisto(b: Uint8Array, len: number, reghisto: Int32Array): boolean {
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < len) {
    const op = b[p] as number;
    if ((op & 0xc0) === 0) {
      const runlen = (op & 0x3f) + 1;
      idx += runlen;
      reghisto[0] = (reghisto[0] as number) + runlen;
      p++;
    } else if ((op & 0xc0) === SPARSE_XZERO_BIT) {
      const runlen = (((op & 0x3f) << 8) | byteAt(b, p + 1, len)) + 1;
      idx += runlen;
      reghisto[0] = (reghisto[0] as number) + runlen;
      p += 2;
    } else {
      const runlen = (op & 3) + 1;
      const regval = ((op >> 2) & 0x1f) + 1;
      idx += runlen;
      reghisto[regval] = (reghisto[regval] as number) + runlen;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

/** Redis hllCount of a stored HLL (dense or sparse); null when a sparse one is corrupt. */
export function hllCount(b: Uint8Array, len: number): number | bigint | null {
  const reghisto = new Int32Array(64);
  if (b[ENCODING_BYTE] === HLL_DENSE) denseRegHisto(b, reghisto);
  else if (!sparseRegHisto(b, len, reghisto)) return null;
  return estimate(reghisto);
}

/** hllCount of the internal raw encoding: one byte per register (PFCOUNT of several keys). */
export function hllCountRaw(registers: Uint8Array): number | bigint {
  const reghisto = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) inc(reghisto, registers[i] as number);
  return estimate(reghisto);
}

/**
 * Redis hllMerge: max[i] = MAX(max[i], register i) for a validated HLL. False when a sparse
 * HLL turns out to be corrupt (max may then be partly updated, as in Redis).
 */
export function hllMerge(max: Uint8Array, b: Uint8Array, len: number): boolean {
  if (b[ENCODING_BYTE] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(b, HLL_HDR_SIZE, i, len);
      if (v > (max[i] as number)) max[i] = v;
    }
    return true;
  }
  let i = 0;
  let p = HLL_HDR_SIZE;
  while (p < len) {
    const op = b[p] as number;
    if ((op & 0xc0) === 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === SPARSE_XZERO_BIT) {
      i += (((op & 0x3f) << 8) | byteAt(b, p + 1, len)) + 1;
      p += 2;
    } else {
      let runlen = (op & 3) + 1;
      const regval = ((op >> 2) & 0x1f) + 1;
      if (runlen + i > HLL_REGISTERS) break;
      while (runlen-- > 0) {
        if (regval > (max[i] as number)) max[i] = regval;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

/** HLL_DENSE_GET_REGISTER over registers starting at byte `base`. */
function denseGet(b: Uint8Array, base: number, regnum: number, len: number): number {
  const byte = base + ((regnum * HLL_BITS) >> 3);
  const fb = (regnum * HLL_BITS) & 7;
  const b0 = b[byte] as number;
  const b1 = byteAt(b, byte + 1, len);
  return ((b0 >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

/** Every register of a valid dense HLL (PFDEBUG GETREG). */
export function denseRegisters(b: Uint8Array, len: number): number[] {
  const out = new Array<number>(HLL_REGISTERS);
  for (let i = 0; i < HLL_REGISTERS; i++) out[i] = denseGet(b, HLL_HDR_SIZE, i, len);
  return out;
}

/** PFDEBUG DECODE of a sparse HLL: "Z:8436 v:1,1 z:3 ...". */
export function decodeSparse(b: Uint8Array, len: number): string {
  const parts: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < len) {
    const op = b[p] as number;
    if ((op & 0xc0) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === SPARSE_XZERO_BIT) {
      parts.push(`Z:${(((op & 0x3f) << 8) | byteAt(b, p + 1, len)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------
// A mutable working copy (PFADD, PFMERGE, PFDEBUG TODENSE), with what changed recorded so
// that the command layer can emit effects sized by the change.

export class HllWork {
  /** Capacity always exceeds len: buf[len] is 0, as the sds terminator Redis relies on. */
  buf: Buffer;
  len: number;
  /** The encoding changed (sparse → dense): the whole value must be replaced. */
  promoted = false;
  /** Dense: absolute byte offsets written (may repeat). */
  readonly touched: number[] = [];

  private constructor(buf: Buffer, len: number) {
    this.buf = buf;
    this.len = len;
  }

  /** Redis createHLLObject: sparse, all registers in XZERO opcodes, cache 0. */
  static empty(): HllWork {
    const xzeros = Math.floor((HLL_REGISTERS + SPARSE_XZERO_MAX_LEN - 1) / SPARSE_XZERO_MAX_LEN);
    const len = HLL_HDR_SIZE + xzeros * 2;
    const w = new HllWork(Buffer.alloc(len + 4), len);
    w.buf.write('HYLL', 0, 'latin1');
    w.buf[ENCODING_BYTE] = HLL_SPARSE;
    let p = HLL_HDR_SIZE;
    let aux = HLL_REGISTERS;
    while (aux > 0) {
      const xzero = Math.min(SPARSE_XZERO_MAX_LEN, aux);
      w.buf[p] = ((xzero - 1) >> 8) | SPARSE_XZERO_BIT;
      w.buf[p + 1] = (xzero - 1) & 0xff;
      p += 2;
      aux -= xzero;
    }
    return w;
  }

  static copyOf(b: Uint8Array, len: number): HllWork {
    const buf = Buffer.allocUnsafe(len + 4);
    buf.set(b.subarray(0, len));
    buf.fill(0, len);
    return new HllWork(buf, len);
  }

  get encoding(): number {
    return this.buf[ENCODING_BYTE] as number;
  }

  invalidateCache(): void {
    this.buf[CACHE_MSB_BYTE] = (this.buf[CACHE_MSB_BYTE] as number) | 0x80;
    this.touched.push(CACHE_MSB_BYTE);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  private reserve(extra: number): void {
    if (this.len + extra + 1 <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.len + extra + 1, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private setLen(len: number): void {
    this.len = len;
    this.buf[len] = 0;
  }

  /** Redis hllDenseSet: 1 when the register grew. */
  denseSet(index: number, count: number): number {
    const b = this.buf;
    const byte = HLL_HDR_SIZE + ((index * HLL_BITS) >> 3);
    const fb = (index * HLL_BITS) & 7;
    const fb8 = 8 - fb;
    const b0 = b[byte] as number;
    const b1 = b[byte + 1] as number;
    const old = ((b0 >> fb) | (b1 << fb8)) & HLL_REGISTER_MAX;
    if (count <= old) return 0;
    const n0 = ((b0 & ~(HLL_REGISTER_MAX << fb)) | (count << fb)) & 0xff;
    const n1 = ((b1 & ~(HLL_REGISTER_MAX >> fb8)) | (count >> fb8)) & 0xff;
    if (n0 !== b0) {
      b[byte] = n0;
      this.touched.push(byte);
    }
    // The last register's second byte is the terminator; it never changes (fb is 2 there).
    if (n1 !== b1) {
      b[byte + 1] = n1;
      this.touched.push(byte + 1);
    }
    return 1;
  }

  /** Redis hllSparseToDense; false when the sparse opcodes are corrupt. */
  toDense(): boolean {
    if (this.encoding === HLL_DENSE) return true;
    const src = this.buf;
    const end = this.len;
    const dense = Buffer.alloc(HLL_DENSE_SIZE + 1);
    src.copy(dense, 0, 0, HLL_HDR_SIZE); // magic and cached cardinality
    dense[ENCODING_BYTE] = HLL_DENSE;
    let idx = 0;
    let p = HLL_HDR_SIZE;
    while (p < end) {
      const op = src[p] as number;
      if ((op & 0xc0) === 0) {
        idx += (op & 0x3f) + 1;
        p++;
      } else if ((op & 0xc0) === SPARSE_XZERO_BIT) {
        idx += (((op & 0x3f) << 8) | (src[p + 1] as number)) + 1;
        p += 2;
      } else {
        let runlen = (op & 3) + 1;
        const regval = ((op >> 2) & 0x1f) + 1;
        if (runlen + idx > HLL_REGISTERS) break;
        while (runlen-- > 0) {
          denseSetRaw(dense, idx, regval);
          idx++;
        }
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return false;
    this.buf = dense;
    this.len = HLL_DENSE_SIZE;
    this.promoted = true;
    return true;
  }

  /**
   * Redis hllSparseSet: set register `index` to `count` if larger, splitting the opcode that
   * covers it, merging equal neighbours, and promoting to dense when the value exceeds 32
   * or the string would exceed `sparseMaxBytes`. 1 when updated, 0 when not, -1 when corrupt.
   */
  sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    this.reserve(3);
    const b = this.buf;
    const sparse = HLL_HDR_SIZE;
    let p = sparse;
    let end = this.len;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      let oplen = 1;
      const op = b[p] as number;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if (op & SPARSE_VAL_BIT) span = (op & 3) + 1;
      else {
        span = (((op & 0x3f) << 8) | (b[p + 1] as number)) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;

    const op = b[p] as number;
    const isXzero = (op & 0xc0) === SPARSE_XZERO_BIT;
    let next = isXzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const isZero = (op & 0xc0) === 0;
    const isVal = (op & SPARSE_VAL_BIT) !== 0;
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | (b[p + 1] as number)) + 1 : (op & 3) + 1;

    let trivial = false;
    if (isVal) {
      const oldcount = ((op >> 2) & 0x1f) + 1;
      if (oldcount >= count) return 0; // case A
      if (runlen === 1) {
        b[p] = valOp(count, 1); // case B
        trivial = true;
      }
    }
    if (!trivial && isZero && runlen === 1) {
      b[p] = valOp(count, 1); // case C
      trivial = true;
    }
    if (!trivial) {
      // Case D: split the opcode; the worst case is XZERO → XZERO VAL XZERO (5 bytes).
      const seq: number[] = [];
      const last = first + span - 1;
      if (isZero || isXzero) {
        if (index !== first) pushZeros(seq, index - first);
        seq.push(valOp(count, 1));
        if (index !== last) pushZeros(seq, last - index);
      } else {
        const curval = ((op >> 2) & 0x1f) + 1;
        if (index !== first) seq.push(valOp(curval, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(curval, last - index));
      }
      const oldlen = isXzero ? 2 : 1;
      const deltalen = seq.length - oldlen;
      if (deltalen > 0 && this.len + deltalen > sparseMaxBytes) return this.promote(index, count);
      if (deltalen !== 0 && next >= 0) b.copyWithin(next + deltalen, next, end);
      this.setLen(this.len + deltalen);
      for (let k = 0; k < seq.length; k++) b[p + k] = seq[k] as number;
      end += deltalen;
    }

    // Merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from prev.
    p = prev >= 0 ? prev : sparse;
    let scanlen = 5;
    while (p < end && scanlen-- > 0) {
      const o = b[p] as number;
      if ((o & 0xc0) === SPARSE_XZERO_BIT) {
        p += 2;
        continue;
      } else if ((o & 0xc0) === 0) {
        p++;
        continue;
      }
      if (p + 1 < end && ((b[p + 1] as number) & SPARSE_VAL_BIT) !== 0) {
        const o2 = b[p + 1] as number;
        const v1 = ((o >> 2) & 0x1f) + 1;
        const v2 = ((o2 >> 2) & 0x1f) + 1;
        if (v1 === v2) {
          const len = (o & 3) + 1 + (o2 & 3) + 1;
          if (len <= SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(v1, len);
            b.copyWithin(p, p + 1, end);
            this.setLen(this.len - 1);
            end--;
            continue;
          }
        }
      }
      p++;
    }
    this.invalidateCache();
    return 1;
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    // A promotion always happens for a register that must grow (Redis asserts it).
    return this.denseSet(index, count);
  }

  /** Redis hllAdd: 1 when a register grew, 0 when not, -1 for a corrupt sparse HLL. */
  add(ele: string, sparseMaxBytes: number): number {
    const packed = hllPatLen(ele);
    const index = packed & HLL_P_MASK;
    const count = Math.floor(packed / HLL_REGISTERS);
    if (this.encoding === HLL_DENSE) return this.denseSet(index, count);
    return this.sparseSet(index, count, sparseMaxBytes);
  }

  /** Set a register to at least `count` in whatever encoding (PFMERGE). */
  set(index: number, count: number, sparseMaxBytes: number): number {
    if (this.encoding === HLL_DENSE) return this.denseSet(index, count);
    return this.sparseSet(index, count, sparseMaxBytes);
  }
}

function valOp(val: number, len: number): number {
  return (((val - 1) << 2) | (len - 1) | SPARSE_VAL_BIT) & 0xff;
}

/** A run of zero registers as one ZERO (up to 64) or XZERO opcode, as Redis splits them. */
function pushZeros(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) {
    seq.push(((len - 1) >> 8) | SPARSE_XZERO_BIT, (len - 1) & 0xff);
  } else {
    seq.push(len - 1);
  }
}

function denseSetRaw(b: Uint8Array, index: number, val: number): void {
  const byte = HLL_HDR_SIZE + ((index * HLL_BITS) >> 3);
  const fb = (index * HLL_BITS) & 7;
  const fb8 = 8 - fb;
  b[byte] = (((b[byte] as number) & ~(HLL_REGISTER_MAX << fb)) | (val << fb)) & 0xff;
  b[byte + 1] = (((b[byte + 1] as number) & ~(HLL_REGISTER_MAX >> fb8)) | (val >> fb8)) & 0xff;
}

/** A dense HLL's register array for PFSELFTEST (registers only, no header). */
export function selfTestDenseSet(registers: Uint8Array, index: number, val: number): void {
  const byte = (index * HLL_BITS) >> 3;
  const fb = (index * HLL_BITS) & 7;
  const fb8 = 8 - fb;
  registers[byte] = (((registers[byte] as number) & ~(HLL_REGISTER_MAX << fb)) | (val << fb)) & 0xff;
  registers[byte + 1] = (((registers[byte + 1] as number) & ~(HLL_REGISTER_MAX >> fb8)) | (val >> fb8)) & 0xff;
}

export function selfTestDenseGet(registers: Uint8Array, index: number): number {
  return denseGet(registers, 0, index, registers.length);
}
