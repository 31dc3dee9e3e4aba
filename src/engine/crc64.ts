/**
 * CRC-64/Jones as Redis's crc64.c computes it (polynomial 0xad93d23594c935a9, reflected in and
 * out, initial value 0, no final xor) — the checksum of DUMP payloads and RDB files. Pure.
 * The 64-bit state is kept as two unsigned 32-bit halves, so no BigInt on the hot path.
 */

/** The reflected polynomial, split: 0x95ac9329ac4bc9b5. */
const polyHi = 0x95ac9329;
const polyLo = 0xac4bc9b5;

/** Slicing-by-8 tables: table k holds the CRC of a byte followed by k zero bytes. */
const tablesHi: Uint32Array[] = [];
const tablesLo: Uint32Array[] = [];

function buildTables(): void {
  const hi0 = new Uint32Array(256);
  const lo0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let hi = 0;
    let lo = n;
    for (let k = 0; k < 8; k++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        hi = (hi ^ polyHi) >>> 0;
        lo = (lo ^ polyLo) >>> 0;
      }
    }
    hi0[n] = hi;
    lo0[n] = lo;
  }
  tablesHi.push(hi0);
  tablesLo.push(lo0);
  for (let k = 1; k < 8; k++) {
    const ph = tablesHi[k - 1] as Uint32Array;
    const pl = tablesLo[k - 1] as Uint32Array;
    const th = new Uint32Array(256);
    const tl = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      const h = ph[n] as number;
      const l = pl[n] as number;
      const idx = l & 0xff;
      // crc >> 8, then xor the table entry for the byte shifted out.
      th[n] = ((h >>> 8) ^ (hi0[idx] as number)) >>> 0;
      tl[n] = (((l >>> 8) | ((h & 0xff) << 24)) ^ (lo0[idx] as number)) >>> 0;
    }
    tablesHi.push(th);
    tablesLo.push(tl);
  }
}
buildTables();
const [T0h, T1h, T2h, T3h, T4h, T5h, T6h, T7h] = tablesHi as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
const [T0l, T1l, T2l, T3l, T4l, T5l, T6l, T7l] = tablesLo as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/** CRC64 of `data[start, end)` continuing from `crc` ([hi, lo] halves); returns the new halves. */
export function crc64Update(hiIn: number, loIn: number, data: Uint8Array, start = 0, end = data.length): [number, number] {
  let hi = hiIn >>> 0;
  let lo = loIn >>> 0;
  let i = start;
  while (end - i >= 8) {
    // Little-endian: the low half meets the first four bytes.
    const a = lo ^ ((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24));
    const b = hi ^ ((data[i + 4] as number) | ((data[i + 5] as number) << 8) | ((data[i + 6] as number) << 16) | ((data[i + 7] as number) << 24));
    const b0 = a & 0xff;
    const b1 = (a >>> 8) & 0xff;
    const b2 = (a >>> 16) & 0xff;
    const b3 = a >>> 24;
    const b4 = b & 0xff;
    const b5 = (b >>> 8) & 0xff;
    const b6 = (b >>> 16) & 0xff;
    const b7 = b >>> 24;
    hi =
      ((T7h[b0] as number) ^ (T6h[b1] as number) ^ (T5h[b2] as number) ^ (T4h[b3] as number) ^
        (T3h[b4] as number) ^ (T2h[b5] as number) ^ (T1h[b6] as number) ^ (T0h[b7] as number)) >>> 0;
    lo =
      ((T7l[b0] as number) ^ (T6l[b1] as number) ^ (T5l[b2] as number) ^ (T4l[b3] as number) ^
        (T3l[b4] as number) ^ (T2l[b5] as number) ^ (T1l[b6] as number) ^ (T0l[b7] as number)) >>> 0;
    i += 8;
  }
  for (; i < end; i++) {
    const idx = (lo ^ (data[i] as number)) & 0xff;
    lo = (((lo >>> 8) | ((hi & 0xff) << 24)) ^ (T0l[idx] as number)) >>> 0;
    hi = ((hi >>> 8) ^ (T0h[idx] as number)) >>> 0;
  }
  return [hi, lo];
}

/** Redis `crc64(0, data, len)` as 8 little-endian bytes (how DUMP stores it). */
export function crc64LE(data: Uint8Array, start = 0, end = data.length): Buffer {
  const [hi, lo] = crc64Update(0, 0, data, start, end);
  const out = Buffer.allocUnsafe(8);
  out.writeUInt32LE(lo, 0);
  out.writeUInt32LE(hi, 4);
  return out;
}

/** Redis `crc64(0, data, len)` as a bigint (tests, diagnostics). */
export function crc64(data: Uint8Array): bigint {
  const [hi, lo] = crc64Update(0, 0, data);
  return (BigInt(hi) << 32n) | BigInt(lo);
}
