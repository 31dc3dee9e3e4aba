/**
 * Differential generator for the hash family: every hash command with valid and invalid
 * arguments (bad integers and floats, odd pairs, option typos), on a few small keys that stay
 * listpack-encoded unless a field or value longer than hash-max-listpack-value (64) lands in
 * them, two keys that grow past hash-max-listpack-entries (512) into hashtables, a string key
 * for WRONGTYPE and a missing key. OBJECT ENCODING, DUMP, TYPE, DEL, EXPIRE/TTL observe them.
 *
 * Where Redis's reply order is defined — a listpack's insertion order — replies must be
 * byte-identical; where it is a hash table's (HGETALL, HKEYS, HVALS, HSCAN, DUMP of a
 * hashtable hash) they are compared order-insensitively, and random replies (HRANDFIELD) by
 * shape and membership. To know which applies, a model of the keyspace (fields, values and
 * encoding of each hash, mirroring Redis 7.0's conversion rules) follows the run: each
 * command's comparison updates it from Redis's reply, in command order. The model is reset
 * at command 0, which runDifferential generates before any reply of the run is compared.
 */
import type { DiffCommand, Vocab } from '../helpers/differential';
import type { RawReply } from '../helpers/raw-client';
import type { Typed } from '../../src/resp/decoder';

const SMALL = ['h0', 'h1', 'h2', 'h\x00\xff'];
const BIG = ['hbig0', 'hbig1'];
const STRING_KEY = 'hs';
const MISSING = 'hnone';
const FIELDS = ['a', 'b', 'c', 'd', 'e', '', '1', '-1', '007', 'a\x00b', '\xff', 'aa', 'f\r\n', 'num', 'flt'];
const LONG = 'L'.repeat(65);
const EDGE_INTS = ['0', '1', '-1', '100', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775806', '4611686018427387904', '9007199254740993'];
const BAD_INTS = ['abc', '', '1.5', ' 1', '+1', '01', '-0', '9223372036854775808', '-9223372036854775809', '1e3'];
const FLOATS = ['0.1', '-0.1', '10.5', '1.1', '3.0e3', '5.0e-1', '1e-17', '1e308', '-1e308', '1e4932', '1e-4950', '0x1p-3', '.5', '5.', '+2.5', '-0', '3.14159265358979323846'];
const BAD_FLOATS = ['inf', '-inf', 'Infinity', 'nan', '1e', '.', '', ' 1.5', '1.5 ', '1e4933', '0x', 'abc'];

// ---- the model -------------------------------------------------------------------------------

/** A hash as Redis holds it: fields in listpack order (a Map keeps insertion order) and its encoding. */
interface HashModel {
  fields: Map<string, string>;
  listpack: boolean;
}

/** Redis 7.0's defaults (config.c): hash-max-listpack-entries 512, hash-max-listpack-value 64. */
const limits = { entries: 512, value: 64 };
const model = new Map<string, HashModel | 'string'>();

function resetModel(): void {
  model.clear();
  orderStats.exact = 0;
  orderStats.unordered = 0;
  model.set(STRING_KEY, 'string');
}

function hashOf(key: string): HashModel | undefined {
  const m = model.get(key);
  return m === undefined || m === 'string' ? undefined : m;
}

function hashOrCreate(key: string): HashModel {
  let h = hashOf(key);
  if (h === undefined) {
    h = { fields: new Map(), listpack: true };
    model.set(key, h);
  }
  return h;
}

/** hashTypeSet: a too-long field or value converts first, too many fields after. */
function modelSet(h: HashModel, f: string, v: string): void {
  if (f.length > limits.value || v.length > limits.value) h.listpack = false;
  h.fields.set(f, v);
  if (h.fields.size > limits.entries) h.listpack = false;
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
    case 'HSET':
    case 'HMSET': {
      const h = hashOrCreate(key);
      for (let i = 2; i < args.length; i++) if ((args[i] as string).length > limits.value) h.listpack = false;
      for (let i = 2; i + 1 < args.length; i += 2) modelSet(h, args[i] as string, args[i + 1] as string);
      return;
    }
    case 'HSETNX':
      if (redis.value === 1) modelSet(hashOrCreate(key), args[2] as string, args[3] as string);
      return;
    case 'HINCRBY':
      // The integer as Redis wrote it (a JS number would round beyond 2^53).
      modelSet(hashOrCreate(key), args[2] as string, redis.raw.slice(1, -2));
      return;
    case 'HINCRBYFLOAT':
      modelSet(hashOrCreate(key), args[2] as string, redis.value as string);
      return;
    case 'HDEL': {
      const h = hashOf(key);
      if (h === undefined) return;
      for (let i = 2; i < args.length && h.fields.size > 0; i++) h.fields.delete(args[i] as string);
      if (h.fields.size === 0) model.delete(key);
      return;
    }
    case 'DEL':
      for (let i = 1; i < args.length; i++) model.delete(args[i] as string);
      return;
    default:
  }
}

// ---- order-insensitive comparison helpers (shared with gen-sets) -----------------------------

/** The elements of an aggregate reply (array, RESP3 set or map), or null for anything else. */
export function elements(t: Typed): Typed[] | null {
  if (Array.isArray(t)) return t;
  if (t !== null && typeof t === 'object') {
    if ('set' in t) return t.set;
    if ('m' in t) return t.m;
  }
  return null;
}

/** Same aggregate kind (first byte), same elements as a multiset; `pairs`: compare (a, b) pairs. */
export function sameUnordered(a: RawReply, b: RawReply, pairs = false): boolean {
  if (a.raw === b.raw) return true;
  if (a.raw[0] !== b.raw[0]) return false;
  const ea = elements(a.value);
  const eb = elements(b.value);
  if (ea === null || eb === null || ea.length !== eb.length) return false;
  const norm = (xs: Typed[]): string[] => {
    const out: string[] = [];
    if (pairs && xs.length > 0 && !Array.isArray(xs[0])) {
      for (let i = 0; i < xs.length; i += 2) out.push(JSON.stringify([xs[i], xs[i + 1]]));
    } else {
      for (const x of xs) out.push(JSON.stringify(x));
    }
    return out.sort();
  };
  return norm(ea).join('\n') === norm(eb).join('\n');
}

export function tolerantInt(tolerance: number): (a: RawReply, b: RawReply) => boolean {
  return (a, b) => {
    if (a.raw === b.raw) return true;
    if (!a.raw.startsWith(':') || !b.raw.startsWith(':')) return false;
    const x = Number(a.raw.slice(1, -2));
    const y = Number(b.raw.slice(1, -2));
    return x >= 0 && y >= 0 && Math.abs(x - y) <= tolerance;
  };
}

/** (field, value) pairs of a reply's elements, flat or RESP3-nested. */
function pairsOf(xs: Typed[]): Array<[Typed, Typed]> | null {
  const out: Array<[Typed, Typed]> = [];
  if (xs.length > 0 && Array.isArray(xs[0])) {
    for (const p of xs) {
      if (!Array.isArray(p) || p.length !== 2) return null;
      out.push([p[0] as Typed, p[1] as Typed]);
    }
    return out;
  }
  if (xs.length % 2 !== 0) return null;
  for (let i = 0; i < xs.length; i += 2) out.push([xs[i] as Typed, xs[i + 1] as Typed]);
  return out;
}

// ---- comparisons that consult the model -------------------------------------------------------

type Compare = (catena: RawReply, redis: RawReply) => boolean;

/**
 * How the replies whose order matters were compared (several elements): byte for byte in
 * listpack order, or order-insensitively for a hashtable. The test requires both to occur.
 */
export const orderStats = { exact: 0, unordered: 0 };

function countOrder(h: HashModel | undefined): void {
  if (h === undefined || h.fields.size < 2) return;
  if (h.listpack) orderStats.exact++;
  else orderStats.unordered++;
}

/** Exact when the hash is a listpack (insertion order), else order-insensitive. */
function orderedIfListpack(key: string, pairs: boolean): Compare {
  return (a, b) => {
    const h = hashOf(key);
    countOrder(h);
    if (h === undefined || h.listpack) return a.raw === b.raw;
    return sameUnordered(a, b, pairs);
  };
}

function hrandfieldCompare(key: string, count: number | null, withValues: boolean): Compare {
  return (a, b) => {
    const h = hashOf(key);
    if (a.raw === b.raw) return true;
    if (h === undefined || isError(b)) return false;
    if (count === null) {
      return typeof a.value === 'string' && h.fields.has(a.value);
    }
    if (count > 0 && count >= h.fields.size) return h.listpack ? false : sameUnordered(a, b, withValues);
    const ea = elements(a.value);
    if (ea === null || a.raw[0] !== b.raw[0]) return false;
    const n = Math.abs(count);
    const items: Array<[Typed, Typed]> = withValues ? (pairsOf(ea) ?? []) : ea.map((f) => [f, null]);
    if (items.length !== n) return false;
    const seen = new Set<string>();
    for (const [f, val] of items) {
      if (typeof f !== 'string' || !h.fields.has(f)) return false;
      if (withValues && h.fields.get(f) !== val) return false;
      seen.add(f);
    }
    return count < 0 || seen.size === n;
  };
}

function hscanCompare(key: string, fromStart: boolean, pattern: string | null): Compare {
  return (a, b) => {
    const h = hashOf(key);
    if (h === undefined || h.listpack || isError(b)) return a.raw === b.raw;
    if (!Array.isArray(a.value) || !Array.isArray(b.value) || a.value.length !== 2 || b.value.length !== 2) return false;
    const ia = a.value[1];
    const ib = b.value[1];
    if (!Array.isArray(ia) || !Array.isArray(ib)) return false;
    if (fromStart && a.value[0] === '0' && b.value[0] === '0' && pattern === null) {
      return sameUnordered({ raw: '*', value: ia }, { raw: '*', value: ib }, true);
    }
    // A partial scan of a hash table: every pair returned must be in the hash.
    const pa = pairsOf(ia);
    if (pa === null) return false;
    return pa.every(([f, v]) => typeof f === 'string' && h.fields.get(f) === v);
  };
}

/** A DUMP payload is byte-identical for a listpack; a hashtable's follows each server's order. */
function dumpCompare(key: string): Compare {
  return (a, b) => {
    const h = hashOf(key);
    if (h === undefined || h.listpack) return a.raw === b.raw;
    return a.raw[0] === '$' && b.raw[0] === '$' && a.raw.length === b.raw.length;
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
  if (r < 0.3) return v.pick(BIG);
  return v.pick(SMALL);
}

function field(v: Vocab, key: string): string {
  if (BIG.includes(key) && v.chance(0.8)) return `f${v.int(0, 899)}`;
  if (v.chance(0.01)) return LONG;
  return v.pick(FIELDS);
}

function value(v: Vocab, key: string): string {
  const r = v.rng.next();
  // Rarely on the big keys, so they also convert by count (past 512 fields).
  if (r < (BIG.includes(key) ? 0.001 : 0.02)) return LONG;
  if (r < 0.2) return String(v.int(-50, 50));
  if (r < 0.25) return v.pick(EDGE_INTS);
  if (r < 0.3) return v.pick(FLOATS);
  return v.value();
}

function intArg(v: Vocab): string {
  if (v.chance(0.8)) return String(v.int(-20, 20));
  return v.chance(0.5) ? v.pick(EDGE_INTS) : v.pick(BAD_INTS);
}

function floatArg(v: Vocab): string {
  if (v.chance(0.4)) return String(v.int(-20, 20));
  if (v.chance(0.5)) return `${v.int(-9, 9)}.${v.int(0, 99)}`;
  return v.chance(0.7) ? v.pick(FLOATS) : v.pick(BAD_FLOATS);
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

export function generate(v: Vocab, i: number): DiffCommand {
  if (i === 0) {
    resetModel();
    return withCompare(['SET', STRING_KEY, 'not a hash']);
  }
  const key = anyKey(v);
  const r = v.int(0, 99);
  if (r < 20) {
    const args = [v.chance(0.9) ? 'HSET' : 'HMSET', key];
    const n = BIG.includes(key) ? v.int(10, 50) : v.int(1, 3);
    for (let j = 0; j < n; j++) args.push(field(v, key), value(v, key));
    if (v.chance(0.03)) args.push(field(v, key));
    return withCompare(args);
  }
  if (r < 24) return withCompare(['HSETNX', key, field(v, key), value(v, key)]);
  if (r < 30) return withCompare(['HGET', key, field(v, key)]);
  if (r < 33) {
    const args = ['HMGET', key];
    const n = v.int(1, 4);
    for (let j = 0; j < n; j++) args.push(field(v, key));
    return withCompare(args);
  }
  if (r < 39) {
    const args = ['HDEL', key];
    const n = BIG.includes(key) ? v.int(1, 15) : v.int(1, 3);
    for (let j = 0; j < n; j++) args.push(field(v, key));
    return withCompare(args);
  }
  if (r < 41) return withCompare(['HEXISTS', key, field(v, key)]);
  if (r < 43) return withCompare(['HLEN', key]);
  if (r < 45) return withCompare(['HSTRLEN', key, field(v, key)]);
  if (r < 47) return withCompare(['HKEYS', key], orderedIfListpack(key, false));
  if (r < 49) return withCompare(['HVALS', key], orderedIfListpack(key, false));
  if (r < 52) return withCompare(['HGETALL', key], orderedIfListpack(key, true));
  if (r < 58) {
    const f = v.chance(0.5) ? 'num' : field(v, key);
    return withCompare(['HINCRBY', key, f, intArg(v)]);
  }
  if (r < 63) {
    const f = v.chance(0.5) ? 'flt' : field(v, key);
    return withCompare(['HINCRBYFLOAT', key, f, floatArg(v)]);
  }
  if (r < 68) {
    if (v.chance(0.15)) return withCompare(['HRANDFIELD', key], hrandfieldCompare(key, null, false));
    const countArg = v.chance(0.9)
      ? String(v.pick([0, 1, 2, 3, 5, 10, 100, 300, -1, -3, -20]))
      : v.pick(['x', '-9223372036854775808', '9223372036854775807', '4611686018427387904', '', '-9223372036854775807']);
    const args = ['HRANDFIELD', key, countArg];
    const withValues = v.chance(0.5);
    if (withValues) args.push(v.chance(0.95) ? randomCase(v, 'withvalues') : 'withvalue');
    if (v.chance(0.02)) args.push('junk');
    // Huge negative counts would make both servers build gigantic replies: never sent valid.
    if (countArg === '-9223372036854775807' && !withValues) args.push('junk');
    return withCompare(args, hrandfieldCompare(key, /^-?\d+$/.test(countArg) ? Number(countArg) : 0, withValues));
  }
  if (r < 74) {
    const cursor = v.chance(0.9) ? '0' : v.pick(['x', '-1', ' 0', '18446744073709551616', '3', '']);
    const args = ['HSCAN', key, cursor];
    let pattern: string | null = null;
    if (v.chance(0.3)) {
      pattern = v.pick(['*', 'a*', '*1*', 'f1?', '[ab]*', 'f\\*']);
      args.push(randomCase(v, 'match'), pattern);
      if (pattern === '*') pattern = null;
    }
    if (v.chance(0.3)) args.push(randomCase(v, 'count'), v.pick(['1', '5', '100', '1000', '0', 'x', '-1']));
    if (v.chance(0.03)) args.push(v.pick(['type', 'novalues', 'count']));
    return withCompare(args, hscanCompare(key, cursor === '0' || cursor === '', pattern));
  }
  if (r < 78) return withCompare(['OBJECT', 'ENCODING', key]);
  if (r < 80) return withCompare(['DUMP', key], dumpCompare(key));
  if (r < 82) return withCompare(['TYPE', key]);
  if (r < 84) return withCompare(['EXISTS', key]);
  if (r < 86) return withCompare(['EXPIRE', key, String(v.int(1000, 100000))]);
  if (r < 88) return withCompare(['TTL', key], tolerantInt(2));
  if (r < 91) return withCompare(['DEL', v.chance(0.97) ? v.pick(SMALL) : v.pick(BIG)]);
  // Arity errors the table catches before the handler.
  const cmd = v.pick(['HSET', 'HGET', 'HDEL', 'HLEN', 'HINCRBY', 'HRANDFIELD', 'HSCAN', 'HSETNX', 'HMGET', 'HSTRLEN']);
  return withCompare(v.chance(0.5) || cmd === 'HLEN' || cmd === 'HRANDFIELD' ? [cmd] : [cmd, key]);
}
