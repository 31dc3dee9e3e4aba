/**
 * Differential generator for the HyperLogLog family: PFADD with many elements (text and
 * binary, repeated and new, so keys promote from sparse to dense and keys are deleted often
 * enough to start sparse again), PFCOUNT of one and several keys, PFMERGE across keys
 * (missing ones included), PFDEBUG, and HLL values moved as strings: GET of every HLL and
 * SET of crafted ones — valid sparse values with unusual opcode runs, corrupt ones, dense
 * values with register values no PFADD makes (up to 63), bad magic, bad encoding, wrong
 * length — plus CONFIG SET hll-sparse-max-bytes.
 *
 * GET of an HLL is compared with the 8 cached-cardinality bytes masked: Redis's PFCOUNT
 * writes the count it computes back into the header, Catena's (a read) does not. Every other
 * byte must be equal. Commands that would read those bytes some other way (BITCOUNT,
 * GETRANGE) or rewrite part of an HLL (SETRANGE) are left out for the same reason.
 */
import type { DiffCommand, Vocab } from '../helpers/differential';
import type { RawReply } from '../helpers/raw-client';

const KEYS = ['h0', 'h1', 'h2', 'h3', 'h4', 'hb\x00\xff'];

function key(v: Vocab): string {
  if (v.chance(0.03)) return 'hlist';
  if (v.chance(0.03)) return 'hstr';
  if (v.chance(0.04)) return 'hmissing';
  return v.pick(KEYS);
}

function randomCase(v: Vocab, s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += v.chance(0.5) ? (s[i] as string).toUpperCase() : (s[i] as string).toLowerCase();
  return out;
}

function element(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.6) return `e${v.int(0, 40000)}`;
  if (r < 0.75) return String(v.int(0, 300));
  let s = '';
  const n = v.int(0, 24);
  for (let i = 0; i < n; i++) s += String.fromCharCode(v.rng.int(256));
  return s;
}

function bytes(...xs: number[]): string {
  return String.fromCharCode(...xs);
}

/** A header: magic, encoding, 3 unused bytes, 8 cache bytes (valid or stale). */
function header(v: Vocab, encoding: number): string {
  let h = 'HYLL' + bytes(encoding, 0, 0, 0);
  if (v.chance(0.6)) return h + bytes(0, 0, 0, 0, 0, 0, 0, 0x80);
  for (let i = 0; i < 7; i++) h += bytes(v.chance(0.5) ? 0 : v.rng.int(256));
  return h + bytes(v.rng.int(128));
}

/** Sparse opcodes covering `total` registers with random ZERO, XZERO and VAL runs. */
function opcodes(v: Vocab, total: number, nonzero: number): string {
  let out = '';
  let left = total;
  while (left > 0) {
    const r = v.rng.next();
    if (r < nonzero) {
      const len = Math.min(left, v.int(1, 4));
      out += bytes(0x80 | ((v.int(1, 32) - 1) << 2) | (len - 1));
      left -= len;
    } else if (r < nonzero + (1 - nonzero) / 2) {
      const len = Math.min(left, v.int(1, 64));
      out += bytes(len - 1);
      left -= len;
    } else {
      const len = Math.min(left, v.int(1, v.chance(0.5) ? 300 : 16384));
      out += bytes(0x40 | ((len - 1) >> 8), (len - 1) & 0xff);
      left -= len;
    }
  }
  return out;
}

function craftedHll(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.5) return header(v, 1) + opcodes(v, 16384, v.pick([0.02, 0.1, 0.5]));
  if (r < 0.6) {
    // Corrupt sparse: too few or too many registers, or a truncated XZERO.
    const total = 16384 + v.pick([-1, 1, -100, 200, -16384]);
    let body = opcodes(v, Math.max(total, 0), 0.2);
    if (v.chance(0.3)) body += bytes(0x41);
    return header(v, 1) + body;
  }
  if (r < 0.8) {
    let regs = '';
    const max = v.pick([20, 51, 63]);
    const density = v.pick([0.01, 0.3, 1]);
    for (let i = 0; i < 12288; i++) regs += bytes(v.chance(density) ? v.rng.int(256) & (max === 63 ? 255 : 0x7f) : 0);
    return header(v, 0) + regs;
  }
  if (r < 0.85) return header(v, 0) + '\x00'.repeat(v.pick([12287, 12289, 0, 100]));
  if (r < 0.9) return v.pick(['HYLX', 'hyll', 'HYL']) + '\x00'.repeat(v.int(0, 30));
  return header(v, v.pick([2, 3, 255])) + opcodes(v, 16384, 0.1);
}

/** GET replies equal except for the cached cardinality (payload bytes 8..15 of an HLL). */
export function sameHllBytes(a: RawReply, b: RawReply): boolean {
  if (a.raw === b.raw) return true;
  if (a.raw.length !== b.raw.length || !a.raw.startsWith('$')) return false;
  const start = a.raw.indexOf('\r\n') + 2;
  if (a.raw.slice(start, start + 4) !== 'HYLL' || a.raw.slice(0, start) !== b.raw.slice(0, start)) return false;
  return a.raw.slice(0, start + 8) === b.raw.slice(0, start + 8) && a.raw.slice(start + 16) === b.raw.slice(start + 16);
}

export function generate(v: Vocab): DiffCommand {
  const r = v.int(0, 99);
  if (r < 30) {
    const args = ['PFADD', key(v)];
    const n = v.pick([0, 1, 1, 3, 10, 30, 60, 100]);
    for (let i = 0; i < n; i++) args.push(element(v));
    return { args };
  }
  if (r < 42) return { args: ['PFCOUNT', key(v)] };
  if (r < 48) {
    const args = ['PFCOUNT'];
    const n = v.int(2, 4);
    for (let i = 0; i < n; i++) args.push(key(v));
    return { args };
  }
  if (r < 56) {
    const args = ['PFMERGE', key(v)];
    const n = v.int(0, 3);
    for (let i = 0; i < n; i++) args.push(key(v));
    return { args };
  }
  if (r < 62) return { args: ['GET', key(v)], compare: sameHllBytes };
  if (r < 67) return { args: ['SET', v.pick(KEYS), craftedHll(v)] };
  if (r < 74) return { args: ['DEL', key(v)] };
  if (r < 79) return { args: ['PFDEBUG', randomCase(v, v.pick(['encoding', 'decode', 'todense', 'encoding', 'bad'])), key(v)] };
  if (r < 80) {
    if (v.chance(0.3)) return { args: ['PFDEBUG', v.chance(0.2) ? 'getreg\x00x' : 'GETREG', key(v)] };
    return { args: ['PFCOUNT', key(v)] };
  }
  if (r < 82) return { args: ['SET', 'hstr', v.pick(['abc', 'HYLL', '12345', ''])] };
  if (r < 83) return { args: ['RPUSH', 'hlist', 'x'] };
  if (r < 87) return { args: [v.pick(['STRLEN', 'EXISTS', 'TYPE']), key(v)] };
  if (r < 88) return { args: ['CONFIG', 'SET', 'hll-sparse-max-bytes', v.pick(['0', '100', '3000', '3000', '6000'])] };
  if (r < 92) {
    // Few distinct elements into a fresh key: stays sparse, with VAL runs to merge.
    const args = ['PFADD', key(v)];
    const n = v.int(1, 20);
    for (let i = 0; i < n; i++) args.push(String(v.int(0, 50)));
    return { args };
  }
  return { args: ['PFADD', key(v), ...Array.from({ length: 200 }, () => element(v))] };
}
