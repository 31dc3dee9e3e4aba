/**
 * Glob-style matching exactly as Redis 7.0's `stringmatchlen` (util.c): `*`, `?`, `[...]` with
 * `^` negation, ranges and `\` escapes, optional case folding (ASCII only, as C's tolower in
 * the "C" locale). Pure: no state survives a call. Guards against pathological patterns as
 * Redis does (skip-longer-matches cut-off, nesting limit of 1000 stars).
 */

/** Redis: `if (nesting > 1000) return 0;` — deeper star nesting never matches. */
const nestingMax = 1000;

const STAR = 42; // '*'
const QUESTION = 63; // '?'
const LBRACKET = 91; // '['
const RBRACKET = 93; // ']'
const CARET = 94; // '^'
const BACKSLASH = 92; // '\\'
const DASH = 45; // '-'

/** Set when the rest of the pattern failed to match anywhere: no longer match of an earlier star can help. */
let skipLongerMatches = false;

/** True when `str` matches the glob `pattern` (both binary strings). */
export function stringMatch(pattern: string, str: string, nocase = false): boolean {
  skipLongerMatches = false;
  return matchImpl(pattern, 0, str, 0, nocase, 0);
}

/** C `char` is signed on the platforms Redis runs on: range bounds compare as -128..127. */
function signed(b: number): number {
  return (b << 24) >> 24;
}

/** C's tolower in the "C" locale: only A-Z fold. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * `p`/`s` are positions in `pattern`/`str`; the remaining lengths are measured to the ends.
 * Reads past the end yield NaN, which compares unequal to everything, as Redis's reads of the
 * pattern's NUL terminator do.
 */
function matchImpl(pattern: string, p: number, str: string, s: number, nocase: boolean, nesting: number): boolean {
  if (nesting > nestingMax) return false;
  const pEnd = pattern.length;
  const sEnd = str.length;
  while (p < pEnd && s < sEnd) {
    const pc = pattern.charCodeAt(p);
    switch (pc) {
      case STAR: {
        while (p < pEnd && pattern.charCodeAt(p + 1) === STAR) p++;
        if (pEnd - p === 1) return true;
        // When a plain byte follows the star, a try at a position holding another byte would
        // fail on its first comparison with no side effect: skip it without the call.
        const next = pattern.charCodeAt(p + 1);
        const plain = next !== QUESTION && next !== LBRACKET && next !== BACKSLASH;
        const want = nocase ? lower(next) : next;
        while (s < sEnd) {
          if (!plain || (nocase ? lower(str.charCodeAt(s)) : str.charCodeAt(s)) === want) {
            if (matchImpl(pattern, p + 1, str, s, nocase, nesting + 1)) return true;
            if (skipLongerMatches) return false;
          }
          s++;
        }
        skipLongerMatches = true;
        return false;
      }
      case QUESTION:
        s++;
        break;
      case LBRACKET: {
        p++;
        const not = pattern.charCodeAt(p) === CARET;
        if (not) p++;
        let match = false;
        const sc = str.charCodeAt(s);
        for (;;) {
          const c0 = pattern.charCodeAt(p);
          if (c0 === BACKSLASH && pEnd - p >= 2) {
            p++;
            if (pattern.charCodeAt(p) === sc) match = true;
          } else if (c0 === RBRACKET) {
            break;
          } else if (p === pEnd) {
            p--;
            break;
          } else if (pEnd - p >= 3 && pattern.charCodeAt(p + 1) === DASH) {
            let start = signed(c0);
            let end = signed(pattern.charCodeAt(p + 2));
            let c = signed(sc);
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = lower(start);
              end = lower(end);
              c = lower(c);
            }
            p += 2;
            if (c >= start && c <= end) match = true;
          } else if (!nocase) {
            if (c0 === sc) match = true;
          } else if (lower(c0) === lower(sc)) {
            match = true;
          }
          p++;
        }
        if (not) match = !match;
        if (!match) return false;
        s++;
        break;
      }
      default: {
        let c0 = pc;
        if (pc === BACKSLASH && pEnd - p >= 2) {
          p++;
          c0 = pattern.charCodeAt(p);
        }
        const sc = str.charCodeAt(s);
        if (nocase ? lower(c0) !== lower(sc) : c0 !== sc) return false;
        s++;
        break;
      }
    }
    p++;
    if (s === sEnd) {
      while (pattern.charCodeAt(p) === STAR) p++;
      break;
    }
  }
  return p === pEnd && s === sEnd;
}
