/**
 * Differential generator for the bitmap family: SETBIT, GETBIT, BITCOUNT and BITPOS with
 * every argument count and BIT|BYTE, BITOP over present, missing and wrong-type keys,
 * BITFIELD / BITFIELD_RO with random operation lists (signed and unsigned widths 1..64,
 * "#" offsets, OVERFLOW WRAP|SAT|FAIL, int64 edge values, and every malformed form), mixed
 * with the string commands that shape the values (SET, APPEND, SETRANGE, GET, STRLEN) and
 * OBJECT ENCODING. Offsets stay small enough that no run allocates hundreds of megabytes,
 * except for the out-of-range ones Redis refuses before allocating.
 */
import type { DiffCommand, Vocab } from '../helpers/differential';

const KEYS = ['b0', 'b1', 'b2', 'b3', 'bin\x00\xff'];
const LIST_KEY = 'blist';

function key(v: Vocab): string {
  if (v.chance(0.03)) return LIST_KEY;
  if (v.chance(0.03)) return 'missing';
  return v.pick(KEYS);
}

function randomCase(v: Vocab, s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += v.chance(0.5) ? (s[i] as string).toUpperCase() : (s[i] as string).toLowerCase();
  return out;
}

function bitOffsetArg(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.75) return String(v.int(0, 120));
  if (r < 0.9) return String(v.int(0, 4000));
  return v.pick(['-1', 'x', '', '1.5', '4294967296', '9223372036854775807', '-9223372036854775808', '01', ' 1', '4294967295x']);
}

function index(v: Vocab): string {
  if (v.chance(0.85)) return String(v.int(-40, 40));
  return v.pick(['-9223372036854775808', '9223372036854775807', '-9223372036854775807', '9223372036854775808', 'x', '', '1.0', '-100', '1000']);
}

function unit(v: Vocab): string {
  return v.chance(0.9) ? randomCase(v, v.pick(['BIT', 'BYTE'])) : v.pick(['bits', 'BIT\x00x', '', 'x']);
}

function byteString(v: Vocab, max: number): string {
  let s = '';
  const n = v.int(0, max);
  const dense = v.chance(0.5);
  for (let i = 0; i < n; i++) {
    if (dense) s += String.fromCharCode(v.rng.int(256));
    else s += String.fromCharCode(v.pick([0, 0, 0, 255, 255, 1, 128, 0x0f, 0xf0, v.rng.int(256)]));
  }
  return s;
}

const INT64 = ['9223372036854775807', '-9223372036854775808', '9223372036854775806', '-9223372036854775807', '4611686018427387904', '-1', '0', '1'];

function bitfieldType(v: Vocab): string {
  if (v.chance(0.05)) return v.pick(['u64', 'i65', 'i0', 'u0', 'x8', 'I8', 'U8', 'u', 'i', '', 'i8\x00junk', 'u-1', 'i 8', 'i08']);
  const signed = v.chance(0.5);
  const widths = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 40, 47, 48, 49, 53, 54, 62, 63, 64];
  let bits = v.pick(widths);
  if (!signed && bits === 64) bits = 63;
  return `${signed ? 'i' : 'u'}${bits}`;
}

function bitfieldValue(v: Vocab, type: string): string {
  const r = v.rng.next();
  if (r < 0.1) return v.pick(INT64);
  if (r < 0.15) return v.pick(['x', '', '1.5', '9223372036854775808', ' 1']);
  const bits = Number(type.slice(1)) || 8;
  const span = Math.min(2 ** Math.min(bits, 52), 2 ** 52);
  if (r < 0.3) return String(Math.floor(span) * (v.chance(0.5) ? 1 : -1) + v.int(-2, 2));
  return String(v.int(-300, 300));
}

function bitfieldOffset(v: Vocab): string {
  if (v.chance(0.15)) return `#${v.int(0, 12)}`;
  if (v.chance(0.03)) return v.pick(['#', '#-1', '#x', '-1', 'x', '4294967296', '#288230376151711745', '#4294967296']);
  return String(v.int(0, 100));
}

function bitfieldArgs(v: Vocab, readOnly: boolean): string[] {
  const out: string[] = [];
  const n = v.int(0, 5);
  for (let i = 0; i < n; i++) {
    const r = v.rng.next();
    if (r < 0.35 || (readOnly && r < 0.85)) {
      out.push(randomCase(v, 'get'), bitfieldType(v), bitfieldOffset(v));
    } else if (r < 0.6) {
      const t = bitfieldType(v);
      out.push(randomCase(v, 'set'), t, bitfieldOffset(v), bitfieldValue(v, t));
    } else if (r < 0.85) {
      const t = bitfieldType(v);
      out.push(randomCase(v, 'incrby'), t, bitfieldOffset(v), bitfieldValue(v, t));
    } else if (r < 0.97) {
      out.push(randomCase(v, 'overflow'), v.chance(0.9) ? randomCase(v, v.pick(['wrap', 'sat', 'fail'])) : v.pick(['bad', '', 'wrap\x00x']));
    } else {
      out.push(v.pick(['bad', 'get', 'set', 'incrby', 'overflow']));
    }
  }
  // Sometimes drop the last argument: a syntax error, reported before anything runs.
  if (out.length > 0 && v.chance(0.05)) out.pop();
  return out;
}

export function generate(v: Vocab): DiffCommand {
  const r = v.int(0, 29);
  switch (r) {
    case 0:
    case 1:
    case 2:
    case 3:
      return { args: ['SETBIT', key(v), bitOffsetArg(v), v.chance(0.95) ? v.pick(['0', '1']) : v.pick(['2', '-1', 'x', '', '01', '1.0'])] };
    case 4:
    case 5:
      return { args: ['GETBIT', key(v), bitOffsetArg(v)] };
    case 6:
    case 7:
    case 8: {
      const args = ['BITCOUNT', key(v)];
      const n = v.pick([0, 1, 2, 2, 2, 3, 3, 3, 4]);
      if (n >= 1) args.push(index(v));
      if (n >= 2) args.push(index(v));
      if (n >= 3) args.push(unit(v));
      if (n >= 4) args.push('x');
      return { args };
    }
    case 9:
    case 10:
    case 11: {
      const bit = v.chance(0.95) ? v.pick(['0', '1']) : v.pick(['2', '-1', 'x', '']);
      const args = ['BITPOS', key(v), bit];
      const n = v.pick([0, 1, 1, 2, 2, 3, 3, 3, 4]);
      if (n >= 1) args.push(index(v));
      if (n >= 2) args.push(index(v));
      if (n >= 3) args.push(unit(v));
      if (n >= 4) args.push('x');
      return { args };
    }
    case 12:
    case 13: {
      const op = v.chance(0.95) ? randomCase(v, v.pick(['and', 'or', 'xor', 'not'])) : v.pick(['nand', 'diff', '', 'and\x00x']);
      const args = ['BITOP', op, key(v)];
      const n = op.toLowerCase() === 'not' && v.chance(0.85) ? 1 : v.int(1, 4);
      for (let i = 0; i < n; i++) args.push(key(v));
      return { args };
    }
    case 14:
    case 15:
    case 16:
      return { args: ['BITFIELD', key(v), ...bitfieldArgs(v, false)] };
    case 17:
      return { args: ['BITFIELD_RO', key(v), ...bitfieldArgs(v, true)] };
    case 18:
    case 19:
      return { args: ['SET', key(v), v.chance(0.2) ? v.value() : byteString(v, 40)] };
    case 20:
      return { args: ['APPEND', key(v), byteString(v, 8)] };
    case 21:
      return { args: ['SETRANGE', key(v), String(v.int(0, 60)), byteString(v, 6)] };
    case 22:
    case 23:
      return { args: ['GET', key(v)] };
    case 24:
      return { args: ['STRLEN', key(v)] };
    case 25:
      return { args: ['OBJECT', 'ENCODING', key(v)] };
    case 26:
      return { args: ['DEL', key(v)] };
    case 27:
      return { args: ['RPUSH', LIST_KEY, 'x'] };
    case 28:
      // Long strings exercise the word-at-a-time paths of BITCOUNT, BITPOS and BITOP.
      return { args: ['SETRANGE', key(v), String(v.int(0, 3000)), byteString(v, 200)] };
    default:
      return { args: ['SET', key(v), v.pick(['\xff'.repeat(v.int(1, 100)), '\x00'.repeat(v.int(1, 100)), '12345', 'foobar', ''])] };
  }
}
