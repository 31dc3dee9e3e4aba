/**
 * Differential generator for the set family: every set command with valid and invalid
 * arguments, on a few small keys that stay intsets until a non-integer member lands in them,
 * two keys that grow past set-max-intset-entries (512) into hashtables, a destination key,
 * a string key for WRONGTYPE (which the STORE commands may also overwrite) and a missing key.
 * OBJECT ENCODING, DUMP, TYPE, DEL, EXPIRE/TTL observe them.
 *
 * Where Redis's reply order is defined — an intset's ascending order, which also orders the
 * result of SINTER over an intset and of SUNION/SDIFF whenever their result set is an intset
 * — replies must be byte-identical; where it is a hash table's they are compared
 * order-insensitively, and random replies (SPOP, SRANDMEMBER) by shape and membership. To
 * know which applies, a model of the keyspace (members and encoding of each set, mirroring
 * Redis 7.0's conversion rules and its SDIFF algorithm choice) follows the run: each
 * command's comparison updates it from Redis's reply, in command order. A SPOP that pops at
 * random leaves the two servers with different members, so it is always followed by SCARD
 * (which must agree) and DEL of the key, which makes them equal again.
 */
import type { DiffCommand, Vocab } from '../helpers/differential';
import type { RawReply } from '../helpers/raw-client';
import type { Typed } from '../../src/resp/decoder';
import { parseInt64 } from '../../src/resp/format';
import { elements, sameUnordered, tolerantInt } from './gen-hashes';

const SMALL = ['s0', 's1', 's2', 's\x00\xff'];
const BIG = ['sbig0', 'sbig1'];
const DEST = 'sdst';
const STRING_KEY = 'ss';
const MISSING = 'snone';
const EDGE = ['-0', '01', '+1', ' 1', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '70000', '-40000', '3000000000', '-3000000000', '4294967296', '1e3', '32767', '-32768', '2147483648'];
const WORDS = ['a', 'b', 'c', '', 'a\x00b', '\xff', 'x'.repeat(70), 'hello world'];
const intsetMax = 512;

// ---- the model -------------------------------------------------------------------------------

interface SetModel {
  members: Set<string>;
  intset: boolean;
}

const model = new Map<string, SetModel | 'string'>();
/** Commands that must follow the last one (a random SPOP's SCARD and DEL). */
let pending: DiffCommand[] = [];

function resetModel(): void {
  model.clear();
  orderStats.exact = 0;
  orderStats.unordered = 0;
  model.set(STRING_KEY, 'string');
  pending = [];
}

function isInt(s: string): boolean {
  return parseInt64(s) !== null;
}

function setOf(key: string): SetModel | undefined {
  const m = model.get(key);
  return m === undefined || m === 'string' ? undefined : m;
}

/** setTypeAdd on the model: a non-integer or the 513th member converts an intset. */
function modelAdd(s: SetModel, m: string): void {
  if (s.members.has(m)) return;
  if (s.intset && !isInt(m)) s.intset = false;
  s.members.add(m);
  if (s.intset && s.members.size > intsetMax) s.intset = false;
}

/** A set built as Redis builds results (createIntsetObject, then setTypeAdd of each member). */
function fresh(members: Iterable<string>): SetModel {
  const s: SetModel = { members: new Set(), intset: true };
  for (const m of members) modelAdd(s, m);
  return s;
}

interface OpResult {
  members: Set<string>;
  /** The result set is an intset, so its order (ascending) is Redis's reply order. */
  ordered: boolean;
}

/** SINTER over the model (inputs type-checked by the caller); ordered when its smallest input is an intset. */
function sinter(keys: string[]): OpResult {
  const sets = keys.map((k) => setOf(k));
  if (sets.some((s) => s === undefined)) return { members: new Set(), ordered: true };
  const sorted = (sets as SetModel[]).slice().sort((a, b) => a.members.size - b.members.size);
  const first = sorted[0] as SetModel;
  const out = new Set<string>();
  for (const m of first.members) if (sorted.every((s) => s.members.has(m))) out.add(m);
  return { members: out, ordered: first.intset };
}

/** SUNION / SDIFF over the model, with Redis's algorithm choice for SDIFF. */
function sunionDiff(keys: string[], op: 'union' | 'diff'): OpResult {
  const sets = keys.map((k) => setOf(k) ?? null);
  if (op === 'union') {
    const r = fresh(sets.flatMap((s) => (s === null ? [] : [...s.members])));
    return { members: r.members, ordered: r.intset };
  }
  const first = sets[0] ?? null;
  if (first === null) return { members: new Set(), ordered: true };
  for (let j = 1; j < keys.length; j++) if (keys[j] === keys[0]) return { members: new Set(), ordered: true };
  let one = 0;
  let two = 0;
  for (const s of sets) {
    if (s === null) continue;
    one += first.members.size;
    two += s.members.size;
  }
  const out = new Set<string>();
  for (const m of first.members) if (!sets.slice(1).some((s) => s !== null && s.members.has(m))) out.add(m);
  const algoOne = Math.floor(one / 2) <= two;
  // Algorithm 1 only ever adds result members; algorithm 2 adds the whole first set first.
  const ordered = algoOne ? fresh(out).intset : fresh(first.members).intset;
  return { members: out, ordered };
}

function isError(r: RawReply): boolean {
  return r.raw.startsWith('-');
}

/** Update the model from Redis's reply to `args` (run after the comparison). */
function apply(args: string[], redis: RawReply): void {
  if (isError(redis)) return;
  const cmd = (args[0] as string).toUpperCase();
  const key = args[1] as string;
  switch (cmd) {
    case 'SADD': {
      let s = setOf(key);
      if (s === undefined) {
        s = { members: new Set(), intset: isInt(args[2] as string) };
        model.set(key, s);
      }
      for (let i = 2; i < args.length; i++) modelAdd(s, args[i] as string);
      return;
    }
    case 'SREM': {
      const s = setOf(key);
      if (s === undefined) return;
      for (let i = 2; i < args.length && s.members.size > 0; i++) s.members.delete(args[i] as string);
      if (s.members.size === 0) model.delete(key);
      return;
    }
    case 'SMOVE': {
      const dst = args[2] as string;
      const ele = args[3] as string;
      if (redis.value !== 1 || key === dst) return;
      const src = setOf(key) as SetModel;
      src.members.delete(ele);
      if (src.members.size === 0) model.delete(key);
      let d = setOf(dst);
      if (d === undefined) {
        d = { members: new Set(), intset: isInt(ele) };
        model.set(dst, d);
      }
      modelAdd(d, ele);
      return;
    }
    case 'SPOP': {
      // Only a whole-set SPOP is deterministic; a random one is followed by DEL of the key.
      const s = setOf(key);
      if (s !== undefined && args.length === 3 && Number(args[2]) >= s.members.size) model.delete(key);
      return;
    }
    case 'SINTERSTORE':
    case 'SUNIONSTORE':
    case 'SDIFFSTORE': {
      const srcs = args.slice(2);
      if (cmd === 'SINTERSTORE') {
        const r = sinter(srcs);
        if (r.members.size === 0) model.delete(key);
        else model.set(key, fresh(r.members));
        return;
      }
      // The stored set is the one SUNION/SDIFF built, whose encoding `ordered` tells.
      const r = sunionDiff(srcs, cmd === 'SUNIONSTORE' ? 'union' : 'diff');
      if (r.members.size === 0) model.delete(key);
      else model.set(key, { members: r.members, intset: r.ordered });
      return;
    }
    case 'DEL':
      for (let i = 1; i < args.length; i++) model.delete(args[i] as string);
      return;
    case 'SET':
      model.set(key, 'string');
      return;
    default:
  }
}

// ---- comparisons that consult the model -------------------------------------------------------

type Compare = (catena: RawReply, redis: RawReply) => boolean;

/**
 * How the replies whose order matters were compared (several elements): byte for byte in
 * intset order, or order-insensitively for a hash table's. The test requires both to occur.
 */
export const orderStats = { exact: 0, unordered: 0 };

function exactOrUnordered(ordered: () => boolean): Compare {
  return (a, b) => {
    const isOrdered = ordered();
    const n = elements(b.value)?.length ?? 0;
    if (n >= 2) {
      if (isOrdered) orderStats.exact++;
      else orderStats.unordered++;
    }
    return a.raw === b.raw ? true : isOrdered ? false : sameUnordered(a, b);
  };
}

/** Every element is a member of the model's set (and distinct when `distinct`), `n` of them. */
function membersOf(a: RawReply, s: SetModel, n: number, distinct: boolean): boolean {
  const ea = elements(a.value);
  if (ea === null || ea.length !== n) return false;
  if (!ea.every((m: Typed) => typeof m === 'string' && s.members.has(m))) return false;
  return !distinct || new Set(ea as string[]).size === n;
}

function srandmemberCompare(key: string, count: number | null): Compare {
  return (a, b) => {
    if (a.raw === b.raw) return true;
    const s = setOf(key);
    if (s === undefined || isError(b) || a.raw[0] !== b.raw[0]) return false;
    if (count === null) return typeof a.value === 'string' && s.members.has(a.value);
    if (count > 0 && count >= s.members.size) return !s.intset && sameUnordered(a, b);
    return membersOf(a, s, Math.abs(count), count > 0);
  };
}

function spopCompare(key: string, count: number | null): Compare {
  return (a, b) => {
    if (a.raw === b.raw) return true;
    const s = setOf(key);
    if (s === undefined || isError(b) || a.raw[0] !== b.raw[0]) return false;
    if (count === null) return typeof a.value === 'string' && s.members.has(a.value);
    // The whole set comes back as SUNION would build it: ordered when that is an intset.
    if (count >= s.members.size) return !fresh(s.members).intset && sameUnordered(a, b);
    return membersOf(a, s, count, true);
  };
}

function sscanCompare(key: string, fromStart: boolean, pattern: string | null): Compare {
  return (a, b) => {
    const s = setOf(key);
    if (s === undefined || s.intset || isError(b)) return a.raw === b.raw;
    if (!Array.isArray(a.value) || !Array.isArray(b.value) || a.value.length !== 2 || b.value.length !== 2) return false;
    const ia = a.value[1];
    const ib = b.value[1];
    if (!Array.isArray(ia) || !Array.isArray(ib)) return false;
    if (fromStart && a.value[0] === '0' && b.value[0] === '0' && pattern === null) {
      return sameUnordered({ raw: '*', value: ia }, { raw: '*', value: ib });
    }
    return ia.every((m) => typeof m === 'string' && s.members.has(m));
  };
}

function dumpCompare(key: string): Compare {
  return (a, b) => {
    const s = setOf(key);
    if (s === undefined || s.intset) return a.raw === b.raw;
    // A hashtable set's members in each server's order: same bytes, another order and CRC.
    return a.raw[0] === '$' && a.raw.length === b.raw.length;
  };
}

// ---- the generator ---------------------------------------------------------------------------

function randomCase(v: Vocab, s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += v.chance(0.5) ? (s[i] as string).toUpperCase() : (s[i] as string).toLowerCase();
  return out;
}

function anyKey(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.04) return STRING_KEY;
  if (r < 0.06) return MISSING;
  if (r < 0.1) return DEST;
  if (r < 0.32) return v.pick(BIG);
  return v.pick(SMALL);
}

function member(v: Vocab, key: string): string {
  if (BIG.includes(key) && v.chance(0.9)) return v.chance(0.98) ? String(v.int(0, 699)) : v.pick(WORDS);
  const r = v.rng.next();
  if (r < 0.75) return String(v.int(-10, 20));
  if (r < 0.87) return v.pick(EDGE);
  return v.pick(WORDS);
}

function withCompare(args: string[], compare?: Compare): DiffCommand {
  return {
    args,
    compare: (a, b) => {
      const same = compare ? compare(a, b) : a.raw === b.raw;
      apply(args, b);
      return same;
    },
  };
}

function keys(v: Vocab, n: number): string[] {
  const out: string[] = [];
  for (let j = 0; j < n; j++) out.push(v.chance(0.1) ? v.pick([MISSING, STRING_KEY, DEST]) : anyKey(v));
  return out;
}

function countArg(v: Vocab): string {
  if (v.chance(0.92)) return String(v.pick([0, 1, 2, 3, 5, 10, 20, 100, 600, -1, -3, -20]));
  return v.pick(['x', '-9223372036854775808', '9223372036854775807', '', '1.5', ' 1']);
}

export function generate(v: Vocab, i: number): DiffCommand {
  if (i === 0) {
    resetModel();
    return withCompare(['SET', STRING_KEY, 'not a set']);
  }
  const next = pending.shift();
  if (next !== undefined) return next;
  const key = anyKey(v);
  const r = v.int(0, 99);
  if (r < 20) {
    const args = ['SADD', key];
    const n = BIG.includes(key) ? v.int(5, 40) : v.int(1, 4);
    for (let j = 0; j < n; j++) args.push(member(v, key));
    return withCompare(args);
  }
  if (r < 26) {
    const args = ['SREM', key];
    const n = BIG.includes(key) ? v.int(1, 20) : v.int(1, 3);
    for (let j = 0; j < n; j++) args.push(member(v, key));
    return withCompare(args);
  }
  if (r < 29) return withCompare(['SISMEMBER', key, member(v, key)]);
  if (r < 31) return withCompare(['SMISMEMBER', key, member(v, key), member(v, key), member(v, key)]);
  if (r < 33) return withCompare(['SCARD', key]);
  if (r < 37) return withCompare(['SMEMBERS', key], exactOrUnordered(() => setOf(key)?.intset ?? true));
  if (r < 41) {
    const args = v.chance(0.25) ? ['SPOP', key] : ['SPOP', key, countArg(v)];
    if (v.chance(0.02)) args.push('1');
    const c = args[2];
    const count = c === undefined ? null : /^\d+$/.test(c) ? Number(c) : 0;
    pending = [withCompare(['SCARD', key]), withCompare(['DEL', key])];
    if (key === STRING_KEY) pending.push(withCompare(['SET', STRING_KEY, 'not a set']));
    return withCompare(args, spopCompare(key, count));
  }
  if (r < 45) {
    if (v.chance(0.2)) return withCompare(['SRANDMEMBER', key], srandmemberCompare(key, null));
    const c = countArg(v);
    const args = ['SRANDMEMBER', key, c];
    if (v.chance(0.02)) args.push('1');
    return withCompare(args, srandmemberCompare(key, /^-?\d+$/.test(c) ? Number(c) : 0));
  }
  if (r < 49) {
    const src = v.chance(0.5) ? key : anyKey(v);
    const dst = v.chance(0.1) ? src : anyKey(v);
    return withCompare(['SMOVE', src, dst, member(v, src)]);
  }
  if (r < 62) {
    const op = v.pick(['SINTER', 'SUNION', 'SDIFF']);
    const ks = keys(v, v.int(1, 4));
    const ordered = (): boolean => {
      if (ks.some((k) => model.get(k) === 'string')) return true;
      return op === 'SINTER' ? sinter(ks).ordered : sunionDiff(ks, op === 'SUNION' ? 'union' : 'diff').ordered;
    };
    return withCompare([op, ...ks], exactOrUnordered(ordered));
  }
  if (r < 70) {
    const op = v.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']);
    const dst = v.chance(0.6) ? DEST : v.chance(0.9) ? anyKey(v) : STRING_KEY;
    return withCompare([op, dst, ...keys(v, v.int(1, 4))]);
  }
  if (r < 74) {
    const n = v.int(1, 4);
    const numkeys = v.chance(0.9) ? String(n) : v.pick(['0', '-1', 'x', String(n + 1), '9223372036854775807']);
    const args = ['SINTERCARD', numkeys, ...keys(v, n)];
    if (v.chance(0.4)) args.push(randomCase(v, 'limit'), v.chance(0.85) ? String(v.int(0, 10)) : v.pick(['-1', 'x', '']));
    if (v.chance(0.03)) args.push(v.pick(['limit', 'foo']));
    return withCompare(args);
  }
  if (r < 79) {
    const cursor = v.chance(0.9) ? '0' : v.pick(['x', '-1', ' 0', '18446744073709551616', '3', '']);
    const args = ['SSCAN', key, cursor];
    let pattern: string | null = null;
    if (v.chance(0.3)) {
      pattern = v.pick(['*', '1*', '*1*', '?', '[ab]*', '-*']);
      args.push(randomCase(v, 'match'), pattern);
      if (pattern === '*') pattern = null;
    }
    if (v.chance(0.3)) args.push(randomCase(v, 'count'), v.pick(['1', '5', '100', '1000', '0', 'x', '-1']));
    if (v.chance(0.03)) args.push(v.pick(['type', 'count']));
    return withCompare(args, sscanCompare(key, cursor === '0' || cursor === '', pattern));
  }
  if (r < 83) return withCompare(['OBJECT', 'ENCODING', key]);
  if (r < 85) return withCompare(['DUMP', key], dumpCompare(key));
  if (r < 87) return withCompare(['TYPE', key]);
  if (r < 89) return withCompare(['EXISTS', key]);
  if (r < 91) return withCompare(['EXPIRE', key, String(v.int(1000, 100000))]);
  if (r < 93) return withCompare(['TTL', key], tolerantInt(2));
  if (r < 96) return withCompare(['DEL', v.chance(0.95) ? v.pick([...SMALL, DEST]) : v.pick(BIG)]);
  // Arity errors the table catches before the handler.
  const cmd = v.pick(['SADD', 'SREM', 'SISMEMBER', 'SMISMEMBER', 'SMOVE', 'SINTERSTORE', 'SINTERCARD', 'SSCAN', 'SPOP', 'SCARD']);
  return withCompare(cmd === 'SCARD' || cmd === 'SPOP' || v.chance(0.5) ? [cmd] : [cmd, key]);
}
