/**
 * LZF as Redis bundles it (lzf_c.c / lzf_d.c, liblzf 3.6 with HLOG 16, VERY_FAST, offsets in
 * the hash table), so compressed DUMP payloads are byte-identical to Redis's. Pure functions
 * over byte arrays; the only state is a reusable hash table, invalidated between calls.
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * The hash table holds `base + position`. Redis leaves its table uninitialised (INIT_HTAB 0),
 * where a slot from no earlier position of this input acts as "no candidate" (the offset
 * points at the input's first byte, which `ref > in_data` rejects); entries below `base`
 * come from earlier calls and are treated the same way, so no per-call clearing is needed.
 */
const htab = new Float64Array(HSIZE);
let base = 1;

function idx(h: number): number {
  // VERY_FAST: ((h >> (3*8 - HLOG)) - h*5) & (HSIZE - 1), in unsigned 32-bit arithmetic.
  return ((h >>> (24 - HLOG)) - h * 5) & (HSIZE - 1);
}

/**
 * `lzf_compress(in, inLen, out, outLen)`: the compressed length, or 0 when the result would
 * not fit in `outLen` bytes (Redis then stores the string uncompressed).
 */
export function lzfCompress(input: Uint8Array, out: Uint8Array, outLen: number): number {
  const inLen = input.length;
  if (inLen === 0 || outLen === 0) return 0;
  if (base + inLen + 1 > 2 ** 52) {
    htab.fill(0);
    base = 1;
  }
  const b = base;
  base += inLen + 1;

  let ip = 0;
  let op = 0;
  const inEnd = inLen;
  const outEnd = outLen;
  let lit = 0;
  op++; // start run

  let hval = ((input[0] as number) << 8) | (input[1] ?? 0);
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | (input[ip + 2] as number)) >>> 0;
    const slot = idx(hval);
    const stored = htab[slot] as number;
    htab[slot] = b + ip;
    const ref = stored >= b ? stored - b : 0;
    const off = ip - ref - 1;

    if (
      stored >= b &&
      off >= 0 &&
      off < MAX_OFF &&
      ref > 0 &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      // match found at ref
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;

      if (op + 3 + 1 >= outEnd) {
        if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
      }

      out[op - lit - 1] = lit - 1; // stop run
      if (lit === 0) op--; // undo run if length is zero

      matching: {
        if (maxlen > 16) {
          for (let k = 0; k < 16; k++) {
            len++;
            if (input[ref + len] !== input[ip + len]) break matching;
          }
        }
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }

      len -= 2; // len is now #octets - 1
      ip++;

      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;

      lit = 0;
      op++; // start run

      ip += len + 1;
      if (ip >= inEnd - 2) break;

      // VERY_FAST: re-hash the last two positions of the match.
      ip -= 2;
      hval = ((input[ip] as number) << 8) | (input[ip + 1] as number);
      hval = ((hval << 8) | (input[ip + 2] as number)) >>> 0;
      htab[idx(hval)] = b + ip;
      ip++;
      hval = ((hval << 8) | (input[ip + 2] as number)) >>> 0;
      htab[idx(hval)] = b + ip;
      ip++;
    } else {
      // one more literal byte we must copy
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = input[ip++] as number;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1; // stop run
        lit = 0;
        op++; // start run
      }
    }
  }

  if (op + 3 > outEnd) return 0; // at most 3 bytes can be missing here

  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++] as number;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }

  out[op - lit - 1] = lit - 1; // end run
  if (lit === 0) op--; // undo run if length is zero
  return op;
}

/**
 * `lzf_decompress` with CHECK_INPUT: the number of bytes written to `out`, or 0 when the input
 * is corrupt or does not fit (Redis compares the result with the expected length).
 */
export function lzfDecompress(input: Uint8Array, inStart: number, inEnd: number, out: Uint8Array): number {
  let ip = inStart;
  let op = 0;
  const outEnd = out.length;
  if (ip >= inEnd) return 0;
  do {
    let ctrl = input[ip++] as number;
    if (ctrl < 1 << 5) {
      // literal run
      ctrl++;
      if (op + ctrl > outEnd) return 0;
      if (ip + ctrl > inEnd) return 0;
      for (let k = 0; k < ctrl; k++) out[op++] = input[ip++] as number;
    } else {
      // back reference
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) return 0;
      if (len === 7) {
        len += input[ip++] as number;
        if (ip >= inEnd) return 0;
      }
      ref -= input[ip++] as number;
      if (op + len + 2 > outEnd) return 0;
      if (ref < 0) return 0;
      len += 2;
      for (let k = 0; k < len; k++) out[op++] = out[ref++] as number;
    }
  } while (ip < inEnd);
  return op;
}
