/**
 * Differential generator for the strings family: every string command with random option
 * combinations (valid, conflicting, malformed), colliding keys from a small set, edge-case
 * values (int64 limits, floats in every strtold form, binary bytes). TTLs are either far
 * enough in the future not to expire during a run or already in the past, so replies never
 * depend on timing; TTL/PTTL replies are compared with a tolerance.
 */
import type { DiffCommand, Vocab } from '../helpers/differential';
import type { RawReply } from '../helpers/raw-client';

/** Keys: a few text names and one binary one, so commands collide often. */
const KEYS = ['s0', 's1', 's2', 's3', 's4', 's5', 'bin\x00\r\n\xff'];

const INTS = ['0', '1', '-1', '17', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775806', '-9223372036854775807', '4611686018427387904', '9007199254740993', '-0', '01', '+1', ' 1', '1 ', '', 'abc', '1.5', '9223372036854775808', '12345678901234567890'];

const FLOATS = ['0.1', '-0.1', '10.5', '1.1', '3.0e3', '5.0e-1', '1e-17', '5e-18', '0.000003814697265625', '1e308', '-1e308', '1.7976931348623157e308', '1e4932', '1e4933', '1e-4950', '1e-5000', '0x1p-3', '0x1.8p1', '0X.8', 'inf', '-inf', 'Infinity', 'nan', '1e', '.', '.5', '5.', '+2.5', '-0', '0e-99999', ' 1.5', '1.5 ', '1..2', '0x', '3.14159265358979323846264338327950288'];

function key(v: Vocab): string {
  return v.pick(KEYS);
}

function randomCase(v: Vocab, s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += v.chance(0.5) ? (s[i] as string).toUpperCase() : (s[i] as string).toLowerCase();
  return out;
}

function intArg(v: Vocab): string {
  return v.chance(0.7) ? String(v.int(-50, 50)) : v.pick(INTS);
}

function floatArg(v: Vocab): string {
  switch (v.int(0, 5)) {
    case 0:
      return v.pick(FLOATS);
    case 1:
      return String(v.int(-1000, 1000));
    case 2:
      return (v.rng.next() * 200 - 100).toFixed(v.int(0, 18));
    case 3:
      return `${v.int(1, 99)}e${v.int(-30, 30)}`;
    default:
      return `${v.int(-9, 9)}.${v.int(0, 99)}`;
  }
}

/** Expire values: mostly long enough to outlive the run, plus every invalid form. */
function expireArg(v: Vocab, opt: string): string {
  const o = opt.toLowerCase();
  const nowMs = Date.now();
  if (v.chance(0.75)) {
    if (o === 'ex') return String(v.int(1000, 100000));
    if (o === 'px') return String(v.int(1000000, 100000000));
    if (o === 'exat') return v.chance(0.2) ? String(v.int(1, 1000)) : String(Math.floor(nowMs / 1000) + v.int(1000, 100000));
    return v.chance(0.2) ? String(v.int(1, 1000000)) : String(nowMs + v.int(1000000, 100000000));
  }
  return v.pick(['0', '-1', 'abc', '1.5', '', '9223372036854775807', '9223372036854775', '9223372036854776', '-9223372036854775808', '9223372036854775808']);
}

function valueArg(v: Vocab): string {
  if (v.chance(0.15)) return intArg(v);
  if (v.chance(0.1)) return floatArg(v);
  return v.value();
}

/** SET / GETEX options: random sequences, so valid, repeated and conflicting sets all occur. */
function options(v: Vocab, forSet: boolean): string[] {
  const out: string[] = [];
  const n = v.int(0, forSet ? 4 : 2);
  const words = forSet ? ['NX', 'XX', 'GET', 'KEEPTTL', 'EX', 'PX', 'EXAT', 'PXAT', 'PERSIST', 'BAD'] : ['EX', 'PX', 'EXAT', 'PXAT', 'PERSIST', 'KEEPTTL', 'NX', 'BAD'];
  for (let i = 0; i < n; i++) {
    const w = v.pick(words);
    out.push(randomCase(v, w));
    if (w === 'EX' || w === 'PX' || w === 'EXAT' || w === 'PXAT') {
      // Sometimes leave the value out at the end: a syntax error in Redis.
      if (i < n - 1 || v.chance(0.9)) out.push(expireArg(v, w));
    }
  }
  return out;
}

function tolerantInt(tolerance: number): (a: RawReply, b: RawReply) => boolean {
  return (a, b) => {
    if (a.raw === b.raw) return true;
    if (!a.raw.startsWith(':') || !b.raw.startsWith(':')) return false;
    const x = Number(a.raw.slice(1, -2));
    const y = Number(b.raw.slice(1, -2));
    return x >= 0 && y >= 0 && Math.abs(x - y) <= tolerance;
  };
}

function rangeIndex(v: Vocab): string {
  if (v.chance(0.85)) return String(v.int(-15, 15));
  return v.pick(['-9223372036854775808', '9223372036854775807', '-9223372036854775807', 'x', '', '1.0', '-100']);
}

function setrangeOffset(v: Vocab, valueLen: number): string {
  if (v.chance(0.9)) return String(v.int(0, 40));
  // Offsets past 512 MB are refused before anything is allocated; never generate one that
  // would build a 512 MB string in both servers.
  if (valueLen >= 2) return v.pick(['-1', 'abc', '536870911', '536870912', '9223372036854775807']);
  return v.pick(['-1', 'abc', '536870912', '9223372036854775807', '-9223372036854775808']);
}

export interface StringsGenOptions {
  /** Mix in generic key commands (DEL, EXISTS, TTL, PTTL, EXPIRE, PERSIST) when Catena has them. */
  generic: boolean;
}

export function makeGenerator(opts: StringsGenOptions): (v: Vocab, i: number) => DiffCommand {
  return (v) => {
    const r = v.int(0, opts.generic ? 33 : 29);
    switch (r) {
      case 0:
      case 1:
        return { args: ['GET', key(v)] };
      case 2:
      case 3:
      case 4:
        return { args: ['SET', key(v), valueArg(v), ...options(v, true)] };
      case 5:
        return { args: ['SETNX', key(v), valueArg(v)] };
      case 6:
        return { args: [v.chance(0.5) ? 'SETEX' : 'PSETEX', key(v), v.chance(0.8) ? String(v.int(100000, 1000000)) : expireArg(v, 'ex'), valueArg(v)] };
      case 7:
        return { args: ['GETSET', key(v), valueArg(v)] };
      case 8:
        return { args: ['GETDEL', key(v)] };
      case 9:
        return { args: ['GETEX', key(v), ...options(v, false)] };
      case 10: {
        const args = ['MGET'];
        const n = v.int(1, 5);
        for (let i = 0; i < n; i++) args.push(key(v));
        return { args };
      }
      case 11:
      case 12: {
        const nx = v.chance(0.4);
        const args = [nx ? 'MSETNX' : 'MSET'];
        const n = v.int(1, 4);
        for (let i = 0; i < n; i++) args.push(key(v), valueArg(v));
        if (v.chance(0.05)) args.pop(); // odd number of arguments
        return { args };
      }
      case 13:
      case 14:
        return { args: ['APPEND', key(v), v.chance(0.1) ? '' : v.value().slice(0, 12)] };
      case 15:
        return { args: ['STRLEN', key(v)] };
      case 16:
      case 17:
        return { args: [v.chance(0.8) ? 'GETRANGE' : 'SUBSTR', key(v), rangeIndex(v), rangeIndex(v)] };
      case 18: {
        const value = v.chance(0.15) ? '' : v.value().slice(0, 10);
        return { args: ['SETRANGE', key(v), setrangeOffset(v, value.length), value] };
      }
      case 19:
      case 20:
        return { args: [v.pick(['INCR', 'DECR']), key(v)] };
      case 21:
      case 22:
        return { args: [v.pick(['INCRBY', 'DECRBY']), key(v), intArg(v)] };
      case 23:
      case 24:
      case 25:
        return { args: ['INCRBYFLOAT', key(v), floatArg(v)] };
      case 26:
        return { args: ['SET', key(v), v.chance(0.5) ? intArg(v) : floatArg(v)] };
      case 27: {
        const args = ['LCS', key(v), key(v)];
        const n = v.int(0, 3);
        for (let i = 0; i < n; i++) {
          const o = v.pick(['LEN', 'IDX', 'IDX', 'WITHMATCHLEN', 'MINMATCHLEN', 'MINMATCHLEN', 'BAD']);
          args.push(randomCase(v, o));
          if (o === 'MINMATCHLEN' && (i < n - 1 || v.chance(0.9))) args.push(v.chance(0.8) ? String(v.int(-1, 4)) : 'x');
        }
        return { args };
      }
      case 28:
        // Counters and LCS need strings shaped for them.
        return { args: ['SET', key(v), v.pick(['ohmytext', 'mynewtext', 'hello world', 'abcabcabc', 'xaybzc', ''])] };
      case 29:
        return { args: ['INCRBYFLOAT', key(v), floatArg(v)] };
      case 30:
        return { args: [v.pick(['DEL', 'EXISTS', 'PERSIST']), key(v)] };
      case 31:
        return { args: ['PTTL', key(v)], compare: tolerantInt(2000) };
      case 32:
        return { args: ['TTL', key(v)], compare: tolerantInt(2) };
      default:
        return { args: ['EXPIRE', key(v), String(v.int(1000, 100000))] };
    }
  };
}

/** String commands and the generic key commands that observe them (DEL, TTL...). */
export const generate = makeGenerator({ generic: true });
