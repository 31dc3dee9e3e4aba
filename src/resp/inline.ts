/**
 * Inline command splitting: Redis's `sdssplitargs`, byte for byte. Used for requests that
 * do not start with '*' (telnet-style). Returns null for unbalanced quotes, which Redis
 * reports as "Protocol error: unbalanced quotes in request".
 */

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let p = 0;
  const n = line.length;
  for (;;) {
    while (p < n && isSpace(line.charCodeAt(p))) p++;
    if (p >= n) return out;
    let inq = false; // inside "double quotes"
    let insq = false; // inside 'single quotes'
    let done = false;
    let cur = '';
    while (!done) {
      if (inq) {
        if (p >= n) return null;
        const c = line.charCodeAt(p);
        if (c === 92 && p + 3 < n && line.charCodeAt(p + 1) === 120) {
          const h = hexVal(line.charCodeAt(p + 2));
          const l = hexVal(line.charCodeAt(p + 3));
          if (h >= 0 && l >= 0) {
            cur += String.fromCharCode(h * 16 + l);
            p += 4;
            continue;
          }
        }
        if (c === 92 && p + 1 < n) {
          p++;
          const e = line[p];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === 34) {
          // closing quote must be followed by a space or nothing at all
          if (p + 1 < n && !isSpace(line.charCodeAt(p + 1))) return null;
          done = true;
        } else {
          cur += line[p];
        }
      } else if (insq) {
        if (p >= n) return null;
        const c = line.charCodeAt(p);
        if (c === 92 && p + 1 < n && line.charCodeAt(p + 1) === 39) {
          p++;
          cur += "'";
        } else if (c === 39) {
          if (p + 1 < n && !isSpace(line.charCodeAt(p + 1))) return null;
          done = true;
        } else {
          cur += line[p];
        }
      } else {
        if (p >= n) {
          done = true;
          break;
        }
        const c = line.charCodeAt(p);
        // sdssplitargs ends an unquoted token only at ' ', '\n', '\r', '\t' (or NUL), not at
        // '\v' or '\f', although it skips all isspace() bytes between tokens.
        if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0) done = true;
        else if (c === 34) inq = true;
        else if (c === 39) insq = true;
        else cur += line[p];
      }
      if (p < n) p++;
    }
    out.push(cur);
  }
}
