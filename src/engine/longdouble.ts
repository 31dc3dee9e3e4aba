/**
 * x87 80-bit long double arithmetic, exactly as Redis 7.0 on x86-64 does INCRBYFLOAT: glibc
 * `strtold` to parse, one correctly rounded addition, `%.17Lf` with trailing zeros stripped
 * to print. Pure functions over BigInt mantissas (64 bits, round-half-even, IEEE denormals);
 * no state, no clock, no I/O.
 */

/** A finite long double `(-1)^neg · m · 2^e`, or ±infinity when `inf` (m, e unused). */
export interface LongDouble {
  readonly neg: boolean;
  readonly m: bigint;
  readonly e: number;
  readonly inf: boolean;
}

const MANT_BITS = 64;
/** Exponent of the mantissa's lowest bit at the smallest normal number, and for every denormal. */
const E_MIN = -16445;
/** Largest exponent with a 64-bit mantissa: LDBL_MAX = (2^64 − 1) · 2^16320. */
const E_MAX = 16320;
const TWO_64 = 1n << 64n;
const TWO_63 = 1n << 63n;
/** Redis MAX_LONG_DOUBLE_CHARS: string2ld refuses inputs this long or longer. */
const INPUT_CHARS_MAX = 5 * 1024;
/** Decimal magnitudes beyond these certainly overflow / round to zero (LDBL_MAX ≈ 1.19e4932, denormal min ≈ 3.65e-4951). */
const DEC_EXP_OVERFLOW = 4940;
const DEC_EXP_UNDERFLOW = -4960;
/** Clamp for parsed exponents, far outside every meaningful range, so huge exponent strings cost nothing. */
const EXP_CLAMP = 1_000_000;

export const LD_ZERO: LongDouble = { neg: false, m: 0n, e: 0, inf: false };

const POW10: bigint[] = [];
for (let i = 0, p = 1n; i <= 40; i++, p *= 10n) POW10.push(p);

function pow10(k: number): bigint {
  return k < POW10.length ? (POW10[k] as bigint) : 10n ** BigInt(k);
}

function bitLength(x: bigint): number {
  if (x < 9007199254740992n) {
    const n = Number(x);
    if (n < 4294967296) return 32 - Math.clz32(n);
    return 64 - Math.clz32(Math.floor(n / 4294967296));
  }
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0] as string, 16)));
}

/**
 * Round `(M + δ) · 2^E` (0 < δ < 1 when `sticky`) to the long double grid, half to even.
 * null on overflow. When `sticky` is set M must carry at least two bits below the result's
 * precision, which callers guarantee.
 */
function round(neg: boolean, M: bigint, E: number, sticky: boolean): LongDouble | null {
  if (M === 0n) return neg ? { neg, m: 0n, e: 0, inf: false } : LD_ZERO;
  const L = bitLength(M);
  let e = E + L - MANT_BITS;
  if (e < E_MIN) e = E_MIN;
  const r = e - E;
  let q: bigint;
  if (r <= 0) {
    q = M << BigInt(-r);
  } else if (r > L) {
    q = 0n; // below half of the smallest denormal
  } else {
    const R = BigInt(r);
    q = M >> R;
    const rem = M - (q << R);
    const half = 1n << (R - 1n);
    if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) {
      q += 1n;
      if (q === TWO_64) {
        q = TWO_63;
        e += 1;
      }
    }
  }
  if (q === 0n) return neg ? { neg, m: 0n, e: 0, inf: false } : LD_ZERO;
  if (e > E_MAX) return null;
  return { neg, m: q, e, inf: false };
}

/** Round P/Q (P, Q > 0). */
function fromRational(neg: boolean, P: bigint, Q: bigint): LongDouble | null {
  // Scale so the quotient has at least 66 bits: two below the 64 kept, plus the sticky remainder.
  const s = MANT_BITS + 3 - (bitLength(P) - bitLength(Q));
  let q: bigint;
  let rem: bigint;
  if (s >= 0) {
    const num = P << BigInt(s);
    q = num / Q;
    rem = num - q * Q;
  } else {
    const den = Q << BigInt(-s);
    q = P / den;
    rem = P - q * den;
  }
  return round(neg, q, -s, rem !== 0n);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Parse `[+-]?digits` at i (at least one digit) into a clamped exponent; -1 index when absent. */
function parseExponent(s: string, i: number): { value: number; end: number } | null {
  let neg = false;
  const c = s.charCodeAt(i);
  if (c === 43 || c === 45) {
    neg = c === 45;
    i++;
  }
  if (i >= s.length || !isDigit(s.charCodeAt(i))) return null;
  let v = 0;
  for (; i < s.length && isDigit(s.charCodeAt(i)); i++) {
    if (v < EXP_CLAMP) v = v * 10 + (s.charCodeAt(i) - 48);
  }
  return { value: neg ? -v : v, end: i };
}

/**
 * Redis `string2ld`: glibc strtold over the whole string (decimal, hex floats, inf/infinity),
 * rejecting a leading space, trailing bytes, NaN, overflow and underflow to zero. null when
 * Redis says "value is not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | null {
  const len = s.length;
  if (len === 0 || len >= INPUT_CHARS_MAX) return null;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
  }
  if (i >= len) return null;
  const c = s.charCodeAt(i);
  if (c === 48 && i + 1 < len && (s.charCodeAt(i + 1) | 0x20) === 120) {
    const hex = parseHex(s, i + 2, neg);
    if (hex !== undefined) return hex;
    // "0x" with no hex digit: strtold reads "0" and stops at 'x', so the string is rejected.
    return null;
  }
  if (isDigit(c) || c === 46) return parseDecimal(s, i, neg);
  const rest = s.slice(i).toLowerCase();
  if (rest === 'inf' || rest === 'infinity') return { neg, m: 0n, e: 0, inf: true };
  return null; // nan, nan(...) and anything else
}

function parseDecimal(s: string, i: number, neg: boolean): LongDouble | null {
  const len = s.length;
  const intStart = i;
  while (i < len && isDigit(s.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < len && s.charCodeAt(i) === 46) {
    fracStart = ++i;
    while (i < len && isDigit(s.charCodeAt(i))) i++;
    fracEnd = i;
  }
  if (intEnd === intStart && fracEnd === fracStart) return null;
  let exp = 0;
  if (i < len) {
    if ((s.charCodeAt(i) | 0x20) !== 101) return null;
    const ex = parseExponent(s, i + 1);
    if (ex === null || ex.end !== len) return null;
    exp = ex.value;
  }
  let digits = s.slice(intStart, intEnd) + s.slice(fracStart, fracEnd);
  let k = 0;
  while (k < digits.length && digits.charCodeAt(k) === 48) k++;
  if (k === digits.length) return neg ? { neg, m: 0n, e: 0, inf: false } : LD_ZERO;
  digits = digits.slice(k);
  const X = exp - (fracEnd - fracStart);
  const nd = digits.length;
  if (X + nd - 1 > DEC_EXP_OVERFLOW) return null; // ERANGE, ±HUGE_VAL
  if (X + nd < DEC_EXP_UNDERFLOW) return null; // ERANGE, zero
  const D = BigInt(digits);
  const r = X >= 0 ? round(neg, D * pow10(X), 0, false) : fromRational(neg, D, pow10(-X));
  if (r === null || r.m === 0n) return null;
  return r;
}

/** Hex float after "0x": undefined when no hex digit follows (caller rejects). */
function parseHex(s: string, i: number, neg: boolean): LongDouble | null | undefined {
  const len = s.length;
  let digits = '';
  let fracDigits = 0;
  let any = false;
  while (i < len && hexVal(s.charCodeAt(i)) >= 0) {
    digits += s[i];
    any = true;
    i++;
  }
  if (i < len && s.charCodeAt(i) === 46) {
    i++;
    while (i < len && hexVal(s.charCodeAt(i)) >= 0) {
      digits += s[i];
      fracDigits++;
      any = true;
      i++;
    }
  }
  if (!any) return undefined;
  let exp = 0;
  if (i < len) {
    if ((s.charCodeAt(i) | 0x20) !== 112) return null;
    const ex = parseExponent(s, i + 1);
    if (ex === null || ex.end !== len) return null;
    exp = ex.value;
  }
  const H = BigInt(`0x${digits}`);
  if (H === 0n) return neg ? { neg, m: 0n, e: 0, inf: false } : LD_ZERO;
  const E = exp - 4 * fracDigits;
  const top = E + bitLength(H);
  if (top > 16384 + 1) return null;
  if (top < E_MIN - 2) return null;
  const r = round(neg, H, E, false);
  if (r === null || r.m === 0n) return null;
  return r;
}

/** a + b rounded once, as the x87 FPU adds; null when the sum is infinite or NaN. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) return null;
  if (a.m === 0n) {
    if (b.m === 0n) return a.neg && b.neg ? a : LD_ZERO;
    return b;
  }
  if (b.m === 0n) return a;
  const topA = a.e + bitLength(a.m);
  const topB = b.e + bitLength(b.m);
  // An operand more than 66 binary places below the other cannot move it off its value
  // (it is below half an ulp even after a borrow), so skip the huge shift.
  if (topA - topB > MANT_BITS + 2) return a;
  if (topB - topA > MANT_BITS + 2) return b;
  const e = Math.min(a.e, b.e);
  const A = a.e > e ? a.m << BigInt(a.e - e) : a.m;
  const B = b.e > e ? b.m << BigInt(b.e - e) : b.m;
  const S = (a.neg ? -A : A) + (b.neg ? -B : B);
  if (S === 0n) return LD_ZERO;
  return S < 0n ? round(true, -S, e, false) : round(false, S, e, false);
}

const SCALE17 = 10n ** 17n;

/**
 * Redis `ld2string(..., LD_STR_HUMAN)`: `%.17Lf` (exact, half to even), trailing zeros and a
 * bare dot stripped, "-0" printed as "0". Finite values only.
 */
export function formatLongDouble(x: LongDouble): string {
  if (x.m === 0n) return '0';
  let out: string;
  if (x.e >= 0) {
    out = (x.m << BigInt(x.e)).toString();
  } else {
    const scaled = x.m * SCALE17;
    const sh = -x.e;
    let q: bigint;
    if (sh > bitLength(scaled)) {
      q = 0n; // below half of 1e-17
    } else {
      const S = BigInt(sh);
      q = scaled >> S;
      const rem = scaled - (q << S);
      const half = 1n << (S - 1n);
      if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    }
    let digits = q.toString();
    if (digits.length < 18) digits = '0'.repeat(18 - digits.length) + digits;
    const intPart = digits.slice(0, digits.length - 17);
    let end = digits.length;
    while (end > intPart.length && digits.charCodeAt(end - 1) === 48) end--;
    out = end > intPart.length ? `${intPart}.${digits.slice(intPart.length, end)}` : intPart;
  }
  if (!x.neg) return out;
  return out === '0' ? '0' : `-${out}`;
}
