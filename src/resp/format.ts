/**
 * Number formatting exactly as Redis 7.0 prints numbers: `%.17g` for doubles (ZSCORE,
 * RESP3 doubles), and Redis's strict integer parsing (`string2ll`), which rejects leading
 * zeros, '+', spaces and anything beyond the signed 64-bit range.
 */

/** C's `%.17g` for a finite double; "inf"/"-inf"/"nan" as Redis prints them. */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return formatG(x, 17);
}

/** C's `%.<precision>g`. */
export function formatG(x: number, precision: number): string {
  const expStr = x.toExponential(precision - 1);
  const ePos = expStr.indexOf('e');
  const exp = Number(expStr.slice(ePos + 1));
  const negative = expStr.charCodeAt(0) === 45;
  const digits = expStr.slice(negative ? 1 : 0, ePos).replace('.', '');
  let out: string;
  if (exp < -4 || exp >= precision) {
    let mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    mant = stripZeros(mant);
    const absExp = Math.abs(exp);
    out = `${mant}e${exp < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
  } else if (exp >= 0) {
    out = stripZeros(`${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`);
  } else {
    out = stripZeros(`0.${'0'.repeat(-exp - 1)}${digits}`);
  }
  return negative ? `-${out}` : out;
}

function stripZeros(s: string): string {
  if (s.indexOf('.') < 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Redis `string2ll`: a canonical signed 64-bit integer ("-0", "01", "+1", " 1" are rejected).
 * Returns a number when it is a safe integer, a bigint otherwise, or null when invalid.
 */
export function parseInt64(s: string): number | bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 45) {
    if (len === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return len === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  for (let j = i + 1; j < len; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  if (len - i <= 15) return Number(s);
  const big = BigInt(s);
  if (big > INT64_MAX || big < INT64_MIN) return null;
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

/** Like parseInt64 but always a number; null when invalid or not a safe integer... */
export function parseSafeInt(s: string): number | null {
  const v = parseInt64(s);
  return typeof v === 'number' ? v : null;
}

/**
 * Parse a signed 64-bit integer where Redis would clamp nothing and reject overflow, but
 * callers need a number: values beyond the safe range are returned as their nearest double,
 * which is only valid for comparisons (timeouts, counts), never for arithmetic results.
 */
export function parseInt64Loose(s: string): number | null {
  const v = parseInt64(s);
  if (v === null) return null;
  return typeof v === 'bigint' ? Number(v) : v;
}

/**
 * Redis `string2ld`/`strtod` as used by commands taking a float (INCRBYFLOAT, ZADD scores,
 * timeouts): accepts what strtod accepts over the whole string, rejects spaces and NaN.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || s.length > 5120) return null;
  const c0 = s.charCodeAt(0);
  const cl = s.charCodeAt(s.length - 1);
  if (c0 <= 32 || cl <= 32) return null;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) {
    if (/^[+-]?0x[0-9a-f]+$/i.test(s)) return Number.parseInt(s, 16);
    return null;
  }
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}
