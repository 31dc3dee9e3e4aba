/**
 * Differential generator for the lists family: every list command, with valid and invalid
 * arguments, on a handful of keys (one of which is sometimes a string, for WRONGTYPE) and a
 * small value vocabulary so pivots, LREM and LPOS find matches. Blocking forms come right
 * after a push onto one of their keys, so they are served at once (the answer is then
 * deterministic); a few use an absent key and a tiny timeout to exercise the timeout reply.
 */
import type { DiffCommand, Vocab } from '../helpers/differential';

const KEYS = ['l0', 'l1', 'l2', 'l3', 'l\x00\xff'];
const STRING_KEY = 's0';
const BAD_INTS = ['abc', '', '1.5', ' 1', '+1', '01', '-0', '9223372036854775808', '-9223372036854775809'];
const INDEXES = ['0', '1', '2', '-1', '-2', '-3', '3', '5', '10', '-10', '-100', '100', '9223372036854775807', '-9223372036854775808'];
const TIMEOUTS_BAD = ['x', '-1', '-0.5', 'inf', 'nan', '1e30', ''];

function key(v: Vocab): string {
  return v.chance(0.05) ? STRING_KEY : v.pick(KEYS);
}

function elem(v: Vocab): string {
  return v.chance(0.85) ? v.pick(['a', 'b', 'c', 'd', '', '1', '-1', 'a\x00b']) : v.value();
}

function elems(v: Vocab, max: number): string[] {
  const n = v.int(1, max);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(elem(v));
  return out;
}

function randomCase(v: Vocab, s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += v.chance(0.5) ? (s[i] as string).toUpperCase() : (s[i] as string).toLowerCase();
  return out;
}

function int(v: Vocab): string {
  return v.chance(0.04) ? v.pick(BAD_INTS) : v.pick(INDEXES);
}

function side(v: Vocab): string {
  return v.chance(0.03) ? v.pick(['MIDDLE', 'LEFTX', '', 'LEFT\x00x']) : randomCase(v, v.pick(['left', 'right']));
}

function count(v: Vocab): string {
  return v.chance(0.08) ? v.pick(['0', '-1', 'x', '9223372036854775807', '9223372036854775808']) : String(v.int(1, 5));
}

/** A blocking command held back until the push that feeds it has been sent. */
let pending: { at: number; cmd: DiffCommand } | null = null;

function blockingAfterPush(v: Vocab, i: number): DiffCommand {
  const target = v.pick(KEYS);
  const others = [v.pick(KEYS), v.pick(KEYS)];
  const keys = v.chance(0.5) ? [target] : v.chance(0.5) ? [others[0] as string, target] : [target, ...others];
  const timeout = v.pick(['0', '0.5', '1', '10']);
  let cmd: string[];
  switch (v.int(0, 4)) {
    case 0:
      cmd = ['BLPOP', ...keys, timeout];
      break;
    case 1:
      cmd = ['BRPOP', ...keys, timeout];
      break;
    case 2:
      cmd = ['BLMOVE', target, v.pick(KEYS), side(v), side(v), timeout];
      break;
    case 3:
      cmd = ['BRPOPLPUSH', target, v.pick(KEYS), timeout];
      break;
    default: {
      cmd = ['BLMPOP', timeout, String(keys.length), ...keys, side(v)];
      if (v.chance(0.5)) cmd.push('COUNT', count(v));
    }
  }
  // An invalid side may make the command an error rather than block: still immediate.
  pending = { at: i + 1, cmd: { args: cmd } };
  return { args: ['RPUSH', target, ...elems(v, 3)] };
}

/** A blocking form on a key that is probably absent, with a timeout that expires at once. */
function blockingTimeout(v: Vocab): DiffCommand {
  const k = `absent${v.int(0, 2)}`;
  switch (v.int(0, 4)) {
    case 0:
      return { args: ['BLPOP', k, '0.001'] };
    case 1:
      return { args: ['BRPOP', k, 'absent9', '0.01'] };
    case 2:
      return { args: ['BLMOVE', k, 'l0', 'LEFT', 'RIGHT', '0.001'] };
    case 3:
      return { args: ['BRPOPLPUSH', k, 'l1', '0.001'] };
    default:
      return { args: ['BLMPOP', '0.001', '1', k, 'LEFT'] };
  }
}

/** Blocking forms with bad arguments: answered at once with an error. */
function blockingBad(v: Vocab): DiffCommand {
  const k = key(v);
  const t = v.pick(TIMEOUTS_BAD);
  switch (v.int(0, 4)) {
    case 0:
      return { args: ['BLPOP', k, t] };
    case 1:
      return { args: ['BRPOP', k, key(v), t] };
    case 2:
      return { args: ['BLMOVE', k, key(v), side(v), side(v), t] };
    case 3:
      return { args: ['BRPOPLPUSH', k, key(v), t] };
    default:
      return { args: ['BLMPOP', t, v.pick(['1', '0', 'x', '2']), k, side(v)] };
  }
}

function lpos(v: Vocab): DiffCommand {
  const args = ['LPOS', key(v), elem(v)];
  const n = v.int(0, 3);
  for (let j = 0; j < n; j++) {
    const opt = v.pick(['RANK', 'COUNT', 'MAXLEN', 'rank', 'count', 'maxlen']);
    if (v.chance(0.03)) {
      args.push(v.pick(['FIRST', 'FOO', opt]));
      continue;
    }
    let val: string;
    if (opt.toUpperCase() === 'RANK') val = v.pick(['1', '2', '3', '-1', '-2', '-3', '0', '9223372036854775807', '-9223372036854775807']);
    else if (opt.toUpperCase() === 'COUNT') val = v.pick(['0', '1', '2', '5', '-1']);
    else val = v.pick(['0', '1', '2', '4', '-1']);
    if (v.chance(0.03)) val = v.pick(BAD_INTS);
    args.push(opt, val);
  }
  return { args };
}

export function generate(v: Vocab, i: number): DiffCommand {
  if (pending !== null) {
    const p = pending;
    pending = null;
    if (p.at === i) return p.cmd;
  }
  const r = v.int(0, 999);
  if (r < 120) return { args: [v.pick(['LPUSH', 'lpush']), key(v), ...elems(v, 4)] };
  if (r < 230) return { args: [v.pick(['RPUSH', 'rpush']), key(v), ...elems(v, 4)] };
  if (r < 260) return { args: [v.pick(['LPUSHX', 'RPUSHX']), key(v), ...elems(v, 3)] };
  if (r < 340) {
    const cmd = v.pick(['LPOP', 'RPOP']);
    if (v.chance(0.5)) return { args: [cmd, key(v)] };
    if (v.chance(0.03)) return { args: [cmd, key(v), '1', '2'] };
    return { args: [cmd, key(v), v.chance(0.7) ? String(v.int(0, 4)) : count(v)] };
  }
  if (r < 380) return { args: ['LLEN', key(v)] };
  if (r < 450) return { args: ['LRANGE', key(v), int(v), int(v)] };
  if (r < 500) return { args: ['LINDEX', key(v), int(v)] };
  if (r < 540) return { args: ['LSET', key(v), int(v), elem(v)] };
  if (r < 590) {
    const where = v.chance(0.04) ? v.pick(['MIDDLE', 'BEFOREX', '']) : randomCase(v, v.pick(['before', 'after']));
    return { args: ['LINSERT', key(v), where, elem(v), elem(v)] };
  }
  if (r < 640) return { args: ['LREM', key(v), v.chance(0.05) ? v.pick(BAD_INTS) : String(v.int(-3, 3)), elem(v)] };
  if (r < 670) return { args: ['LTRIM', key(v), int(v), int(v)] };
  if (r < 720) return lpos(v);
  if (r < 770) return { args: ['LMOVE', key(v), key(v), side(v), side(v)] };
  if (r < 790) return { args: ['RPOPLPUSH', key(v), key(v)] };
  if (r < 830) {
    const n = v.int(1, 3);
    const keys: string[] = [];
    for (let j = 0; j < n; j++) keys.push(key(v));
    const numkeys = v.chance(0.05) ? v.pick(['0', '-1', 'x', String(n + 1), '9223372036854775807']) : String(n);
    const args = ['LMPOP', numkeys, ...keys, side(v)];
    if (v.chance(0.5)) args.push(v.chance(0.95) ? 'COUNT' : 'FOO', count(v));
    return { args };
  }
  if (r < 930) return blockingAfterPush(v, i);
  if (r < 945) return blockingBad(v);
  if (r < 948) return blockingTimeout(v);
  if (r < 965) return { args: ['DEL', v.pick(KEYS)] };
  if (r < 975) return { args: ['SET', STRING_KEY, elem(v)] };
  if (r < 985) return { args: ['LTRIM', v.pick(KEYS), '0', String(v.int(2, 8))] };
  return { args: ['DEL', STRING_KEY] };
}
