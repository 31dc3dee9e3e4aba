/**
 * Argument parsing shared by the command families, as Redis parses arguments in C: options
 * compared with strcasecmp over the C string (so "NX\0junk" is NX), C-string truncation at
 * the first NUL, and the SCAN family's cursor and option rules. Pure functions, no state.
 */
import { ErrorReply } from '../resp/reply';
import { err } from '../resp/errors';
import { parseInt64 } from '../resp/format';

/** C's `%s` / strcmp view of an argument: it stops at the first NUL byte. */
export function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * strcasecmp(opt, word) == 0 over C strings. `word` must be lower case letters and digits
 * (every Redis option word is), which lets the comparison fold case with one OR.
 */
export function optIs(opt: string, word: string): boolean {
  const n = word.length;
  if (opt.length < n) return false;
  for (let i = 0; i < n; i++) if ((opt.charCodeAt(i) | 0x20) !== word.charCodeAt(i)) return false;
  return opt.length === n || opt.charCodeAt(n) === 0;
}

/** C's isspace. */
export function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Redis parseScanCursorOrReply (strtoul over the C string): no leading space, optional sign,
 * decimal digits, at most ULONG_MAX, '-' negating modulo 2^64, "" meaning 0. Returns the low
 * 32 bits, all a Dict of fewer than 2^32 buckets uses (dictScan sets every bit above the
 * mask); null for "invalid cursor".
 */
export function parseScanCursor(arg: string): number | null {
  const s = cString(arg);
  if (s.length === 0) return 0;
  const c0 = s.charCodeAt(0);
  if (isCSpace(c0)) return null;
  let i = 0;
  let neg = false;
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
  }
  if (i === s.length) return null;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const digits = s.slice(i);
  let low: number;
  if (digits.length <= 15) low = Number(digits) % 4294967296;
  else {
    const v = BigInt(digits);
    if (v > 18446744073709551615n) return null;
    low = Number(v & 0xffffffffn);
  }
  return neg ? (4294967296 - low) % 4294967296 : low;
}

export interface ScanOptions {
  count: number;
  /** null when every element matches (no MATCH, or MATCH *). */
  pattern: string | null;
}

/** Redis scanGenericCommand's option loop for HSCAN/SSCAN/ZSCAN (COUNT >= 1, MATCH; no TYPE). */
export function parseScanOptions(args: readonly string[], from: number): ScanOptions | ErrorReply {
  let count = 10;
  let pattern: string | null = null;
  for (let i = from; i < args.length; ) {
    const opt = args[i] as string;
    const left = args.length - i;
    if (optIs(opt, 'count') && left >= 2) {
      const c = parseInt64(args[i + 1] as string);
      if (c === null) return err.notInteger;
      if (c < 1) return err.syntax;
      count = Number(c);
      i += 2;
    } else if (optIs(opt, 'match') && left >= 2) {
      const p = args[i + 1] as string;
      pattern = p === '*' ? null : p;
      i += 2;
    } else {
      return err.syntax;
    }
  }
  return { count, pattern };
}
