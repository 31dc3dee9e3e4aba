/**
 * A RESP2/RESP3 *reply* decoder to a typed JSON-able tree, keeping the distinctions RESP3
 * makes (status vs bulk, map, set, double, push). Used by tools (generating command
 * metadata from a real Redis) and tests (byte-level comparisons). Not on the request path.
 */

export type Typed =
  | string // bulk string (binary string)
  | number // integer
  | null
  | Typed[] // array
  | { s: string } // status
  | { e: string } // error
  | { m: Typed[] } // map, flat
  | { set: Typed[] }
  | { d: string } // double, as sent
  | { b: boolean }
  | { v: string; f: string } // verbatim
  | { p: Typed[] } // push
  | { big: string }
  | { na: true }; // RESP2 null array

export class NeedMore extends Error {}

export function decodeOne(buf: Buffer, start = 0): { value: Typed; end: number } {
  let pos = start;
  const line = (): string => {
    const cr = buf.indexOf('\r\n', pos, 'latin1');
    if (cr < 0) throw new NeedMore();
    const s = buf.toString('latin1', pos, cr);
    pos = cr + 2;
    return s;
  };
  const one = (): Typed => {
    if (pos >= buf.length) throw new NeedMore();
    const t = String.fromCharCode(buf[pos] as number);
    pos++;
    const l = line();
    switch (t) {
      case '+':
        return { s: l };
      case '-':
        return { e: l };
      case ':':
        return Number(l);
      case '(':
        return { big: l };
      case ',':
        return { d: l };
      case '#':
        return { b: l === 't' };
      case '_':
        return null;
      case '$':
      case '=': {
        const n = Number(l);
        if (n < 0) return null;
        if (pos + n + 2 > buf.length) throw new NeedMore();
        const s = buf.toString('latin1', pos, pos + n);
        pos += n + 2;
        return t === '$' ? s : { f: s.slice(0, 3), v: s.slice(4) };
      }
      case '*':
      case '~':
      case '>':
      case '%': {
        const n = Number(l);
        if (n < 0) return { na: true };
        const count = t === '%' ? n * 2 : n;
        const items: Typed[] = [];
        for (let i = 0; i < count; i++) items.push(one());
        if (t === '*') return items;
        if (t === '~') return { set: items };
        if (t === '>') return { p: items };
        return { m: items };
      }
      default:
        throw new Error(`bad RESP type byte ${JSON.stringify(t)}`);
    }
  };
  const value = one();
  return { value, end: pos };
}

/** Decode every complete reply in `buf`; returns the replies and the bytes consumed. */
export function decodeAll(buf: Buffer): { values: Typed[]; end: number } {
  const values: Typed[] = [];
  let pos = 0;
  for (;;) {
    try {
      const r = decodeOne(buf, pos);
      values.push(r.value);
      pos = r.end;
    } catch (e) {
      if (e instanceof NeedMore) return { values, end: pos };
      throw e;
    }
  }
}
