/**
 * Differential generator for the sorted-set family: every zset command, with valid and invalid
 * arguments (strtod-style scores, "(" bounds, lex items, bad integers, option clashes), on a
 * few small keys, two keys that grow past zset-max-listpack-entries (128) or get members
 * longer than zset-max-listpack-value (64) so both encodings and the conversions are
 * exercised (OBJECT ENCODING checks them), and a string key for WRONGTYPE. Stateless: the
 * same (Vocab, i) always gives the same command.
 *
 * Replies that are random by nature (ZRANDMEMBER) or depend on hash-table layout (ZSCAN of a
 * skiplist zset) are compared by shape: same kind, same length, and the same elements when
 * the reply must hold the whole set.
 */
import type { DiffCommand, Vocab } from '../helpers/differential';
import type { RawReply } from '../helpers/raw-client';

/** Mixed scores, short members, never a destination: they stay listpack. */
const SMALL = ['z0', 'z1', 'z2', 'z\x00\xff'];
/** Mixed scores, many and long members, destinations: they become skiplists. */
const BIG = ['zbig0', 'zbig1'];
/**
 * Every score 0: the only keys lex commands may use besides SMALL ones. Redis's lex range
 * walk over a skiplist whose members are out of order (mixed scores) depends on its random
 * node levels, so only ordered members give an answer two servers must agree on.
 */
const LEXK = ['zlex0', 'zlexbig'];
const DESTS = ['zdst', ...BIG];
const STRING_KEY = 'zs';
const SET_KEY = 'zset-as-set';
const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', '', '1', '-1', '007', 'a\x00b', '\xff', 'aa', 'ab', 'b\x00'];
const LONG_MEMBER = 'L'.repeat(65);
const SCORES = ['0', '1', '2', '3', '-1', '-2', '1.5', '-2.25', '0.1', '10', '100', '1e20', '-0', '-0.0', '3.0', '1e-310', '0x10', '+5', '.5', '5.'];
const EDGE_SCORES = ['inf', '-inf', '+inf', 'INF', 'Infinity', '-infinity', '4611686018427387904', '4611686018427387905', '1e17', '1e300'];
const BAD_SCORES = ['nan', 'x', '', ' 1', '1 ', '1e400', '1e-400', '1e', '--1', 'inf1', '0x', '(1', '1\x00'];
const BAD_INTS = ['abc', '', '1.5', ' 1', '+1', '01', '-0', '9223372036854775808', '-9223372036854775809'];
const INDEXES = ['0', '1', '2', '-1', '-2', '-3', '3', '5', '10', '-10', '-100', '100', '127', '128', '-129', '9223372036854775807', '-9223372036854775808'];

function randomCase(v: Vocab, s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += v.chance(0.5) ? (s[i] as string).toUpperCase() : (s[i] as string).toLowerCase();
  return out;
}

/** Any key, for reads and removals. */
function anyKey(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.04) return STRING_KEY;
  if (r < 0.06) return 'znone';
  if (r < 0.28) return v.pick(BIG);
  if (r < 0.38) return v.pick(LEXK);
  if (r < 0.42) return 'zdst';
  return v.pick(SMALL);
}

/** A key whose scores may change freely (not a LEXK key). */
function scoreKey(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.04) return STRING_KEY;
  if (r < 0.06) return 'znone';
  if (r < 0.3) return v.pick(BIG);
  return v.pick(SMALL);
}

/** A key for lex ranges: members in order, or listpack (whose walk is a plain scan). */
function lexKey(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.03) return STRING_KEY;
  if (r < 0.05) return 'znone';
  if (r < 0.6) return v.pick(LEXK);
  return v.pick(SMALL);
}

function bigMember(v: Vocab): string {
  return `m${v.int(0, 299)}`;
}

function member(v: Vocab, key?: string): string {
  const big = key !== undefined && (BIG.includes(key) || key === 'zlexbig');
  if (big && v.chance(0.7)) return bigMember(v);
  const r = v.rng.next();
  if (big && r < 0.03) return LONG_MEMBER;
  if (r < 0.06) return v.value().slice(0, 30);
  return v.pick(MEMBERS);
}

function score(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.03) return v.pick(BAD_SCORES);
  if (r < 0.1) return v.pick(EDGE_SCORES);
  if (r < 0.2) return String(v.int(-50, 50) / 4);
  return v.pick(SCORES);
}

function int(v: Vocab): string {
  return v.chance(0.03) ? v.pick(BAD_INTS) : v.pick(INDEXES);
}

function scoreBound(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.03) return v.pick(['nan', 'x', '1 ', '((1', '-', '  ', '(nan', '1\x00x', '']);
  const s = r < 0.25 ? v.pick(['-inf', '+inf', 'inf', '-inf', '(-inf', '(+inf']) : v.pick(['0', '1', '2', '-1', '1.5', '3', '(1', '(0', '(2', '100', '1e20', '(-1', '0x2', ' 1']);
  return s;
}

function lexBound(v: Vocab): string {
  const r = v.rng.next();
  if (r < 0.04) return v.pick(['a', '', '++', '-a', 'x', '+\x00y']);
  if (r < 0.3) return v.pick(['-', '+']);
  return (v.chance(0.5) ? '[' : '(') + v.pick(['a', 'b', 'c', 'aa', '', 'm1', 'm150', 'b\x00', 'e', 'z']);
}

function numkeysAndKeys(v: Vocab): string[] {
  const n = v.int(1, 3);
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push(v.chance(0.08) ? SET_KEY_OR_NONE(v) : v.chance(0.3) ? v.pick(BIG) : v.chance(0.2) ? v.pick(LEXK) : v.pick(SMALL));
  if (v.chance(0.04)) return [v.pick(['0', '-1', 'x', String(n + 2)]), ...keys];
  return [String(n), ...keys];
}

function SET_KEY_OR_NONE(v: Vocab): string {
  return v.chance(0.5) ? 'znone' : STRING_KEY;
}

function zaddFlags(v: Vocab): string[] {
  const out: string[] = [];
  const all = ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'];
  const n = v.chance(0.5) ? 0 : v.int(1, 2);
  for (let i = 0; i < n; i++) out.push(randomCase(v, v.pick(all)));
  return out;
}

function zadd(v: Vocab, key: string): string[] {
  const flags = zaddFlags(v);
  const args = ['ZADD', key, ...flags];
  const incr = flags.some((f) => f.toUpperCase() === 'INCR');
  const big = BIG.includes(key) || key === 'zlexbig';
  const lex = LEXK.includes(key);
  const n = incr && v.chance(0.9) ? 1 : big && v.chance(0.4) ? v.int(10, 60) : v.int(1, 4);
  for (let i = 0; i < n; i++) args.push(lex ? (incr ? '0' : v.pick(['0', '0', '-0', '0.0'])) : score(v), member(v, key));
  if (v.chance(0.02)) args.push(score(v));
  return args;
}

function rangeOptions(v: Vocab, allowWithScores: boolean): string[] {
  const out: string[] = [];
  if (allowWithScores && v.chance(0.5)) out.push(randomCase(v, 'withscores'));
  if (v.chance(0.3)) out.push(randomCase(v, 'limit'), v.chance(0.8) ? String(v.int(-1, 4)) : int(v), v.chance(0.8) ? String(v.int(-1, 5)) : int(v));
  return out;
}

function zrangeCmd(v: Vocab, name: 'ZRANGE' | 'ZRANGESTORE'): string[] {
  const kind = v.int(0, 2);
  const key = kind === 2 ? lexKey(v) : anyKey(v);
  const head = name === 'ZRANGE' ? ['ZRANGE', key] : ['ZRANGESTORE', v.pick(DESTS), key];
  const groups: string[][] = [];
  let min: string;
  let max: string;
  if (kind === 0) {
    min = int(v);
    max = int(v);
  } else if (kind === 1) {
    min = scoreBound(v);
    max = scoreBound(v);
    groups.push([randomCase(v, 'byscore')]);
  } else {
    min = lexBound(v);
    max = lexBound(v);
    groups.push([randomCase(v, 'bylex')]);
  }
  if (v.chance(0.4)) groups.push([randomCase(v, 'rev')]);
  if (name === 'ZRANGE' && v.chance(kind === 2 ? 0.05 : 0.4)) groups.push([randomCase(v, 'withscores')]);
  if (v.chance(kind === 0 ? 0.05 : 0.3)) groups.push([randomCase(v, 'limit'), String(v.int(-1, 3)), String(v.int(-1, 4))]);
  if (v.chance(0.03)) groups.push([v.pick(['BYSCORE', 'BYLEX', 'REV', 'FOO', 'LIMIT', 'WITHSCORES'])]);
  // Options in any order, as Redis accepts them.
  for (let i = groups.length - 1; i > 0; i--) {
    const j = v.int(0, i);
    [groups[i], groups[j]] = [groups[j] as string[], groups[i] as string[]];
  }
  return [...head, min, max, ...groups.flat()];
}

function setOp(v: Vocab): string[] {
  const op = v.pick(['ZUNION', 'ZINTER', 'ZDIFF', 'ZINTERCARD', 'ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']);
  const store = op.endsWith('STORE');
  const args = store ? [op, v.pick(DESTS)] : [op];
  const nk = numkeysAndKeys(v);
  args.push(...nk);
  const n = Number(nk[0]);
  const diff = op.startsWith('ZDIFF');
  const card = op === 'ZINTERCARD';
  if (!diff && !card && v.chance(0.4) && Number.isInteger(n) && n > 0) {
    args.push(randomCase(v, 'weights'));
    for (let i = 0; i < n; i++) args.push(v.chance(0.05) ? v.pick(['x', 'nan', '']) : v.pick(['1', '2', '0', '-1', '0.5', 'inf', '-inf', '1e300']));
  }
  if (!diff && !card && v.chance(0.4)) args.push(randomCase(v, 'aggregate'), v.chance(0.95) ? randomCase(v, v.pick(['sum', 'min', 'max'])) : 'avg');
  if (!store && !card && v.chance(0.5)) args.push(randomCase(v, 'withscores'));
  if (card && v.chance(0.5)) args.push('LIMIT', v.pick(['0', '1', '2', '-1', 'x']));
  if (v.chance(0.02)) args.push(v.pick(['WEIGHTS', 'AGGREGATE', 'LIMIT', 'junk']));
  return args;
}

/** Shape comparison for random replies (see the file comment). */
function sameShape(a: RawReply, b: RawReply): boolean {
  if (a.raw === b.raw) return true;
  const ca = a.raw.charCodeAt(0);
  if (ca !== b.raw.charCodeAt(0)) return false;
  if (a.raw[0] === '-' || a.raw[0] === '_' || a.raw === '$-1\r\n' || b.raw === '$-1\r\n') return a.raw === b.raw;
  if (a.raw[0] === '$') return true;
  if (!Array.isArray(a.value) || !Array.isArray(b.value)) return false;
  return a.value.length === b.value.length;
}

function zrandmemberCompare(count: number, withScores: boolean) {
  return (a: RawReply, b: RawReply): boolean => {
    if (!sameShape(a, b)) return false;
    if (a.raw === b.raw || !Array.isArray(a.value)) return true;
    // Fewer elements than a positive count asked for: the whole set, in Redis's order, so the
    // bytes must agree.
    const nested = a.value.length > 0 && Array.isArray(a.value[0]);
    const n = withScores && !nested ? a.value.length / 2 : a.value.length;
    return !(count > 0 && n < count);
  };
}

function zscanCompare(fromStart: boolean) {
  return (a: RawReply, b: RawReply): boolean => zscanSame(fromStart, a, b);
}

function zscanSame(fromStart: boolean, a: RawReply, b: RawReply): boolean {
  if (a.raw === b.raw) return true;
  if (!Array.isArray(a.value) || !Array.isArray(b.value) || a.value.length !== 2 || b.value.length !== 2) return false;
  // A skiplist zset's cursor and order follow each server's own hash table.
  const ca = a.value[0];
  const cb = b.value[0];
  const ia = a.value[1];
  const ib = b.value[1];
  if (!Array.isArray(ia) || !Array.isArray(ib)) return false;
  // A scan from cursor 0 that ends at once returned the whole set on both sides.
  if (fromStart && ca === '0' && cb === '0') {
    const pa: string[] = [];
    const pb: string[] = [];
    for (let i = 0; i < ia.length; i += 2) pa.push(JSON.stringify([ia[i], ia[i + 1]]));
    for (let i = 0; i < ib.length; i += 2) pb.push(JSON.stringify([ib[i], ib[i + 1]]));
    return pa.sort().join() === pb.sort().join();
  }
  return ia.length % 2 === 0 && ib.length % 2 === 0;
}

export function generate(v: Vocab, i: number): DiffCommand {
  return generateZsets(v, i, false);
}

/** The same workload with SET values among the ZUNION/ZINTER/ZDIFF inputs (once SADD exists). */
export function generateWithSets(v: Vocab, i: number): DiffCommand {
  return generateZsets(v, i, true);
}

function generateZsets(v: Vocab, i: number, withSets: boolean): DiffCommand {
  if (i === 0) return { args: ['SET', STRING_KEY, 'not a zset'] };
  const key = anyKey(v);
  const r = v.int(0, 99);
  if (r < 18) return { args: zadd(v, v.chance(0.15) ? v.pick(LEXK) : scoreKey(v)) };
  if (r < 21) {
    const k = scoreKey(v);
    return { args: ['ZINCRBY', k, score(v), member(v, k)] };
  }
  if (r < 25) {
    const args = ['ZREM', key];
    const n = v.int(1, BIG.includes(key) ? 20 : 3);
    for (let j = 0; j < n; j++) args.push(member(v, key));
    return { args };
  }
  if (r < 28) return { args: ['ZSCORE', key, member(v, key)] };
  if (r < 30) return { args: ['ZMSCORE', key, member(v, key), member(v, key), member(v, key)] };
  if (r < 32) return { args: ['ZCARD', key] };
  if (r < 34) return { args: [v.pick(['ZRANK', 'ZREVRANK']), key, member(v, key)] };
  if (r < 36) return { args: ['ZCOUNT', key, scoreBound(v), scoreBound(v)] };
  if (r < 38) return { args: ['ZLEXCOUNT', lexKey(v), lexBound(v), lexBound(v)] };
  if (r < 46) return { args: zrangeCmd(v, 'ZRANGE') };
  if (r < 48) return { args: zrangeCmd(v, 'ZRANGESTORE') };
  if (r < 50) return { args: [v.pick(['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']), key, scoreBound(v), scoreBound(v), ...rangeOptions(v, true)] };
  if (r < 52) return { args: [v.pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX']), lexKey(v), lexBound(v), lexBound(v), ...rangeOptions(v, v.chance(0.1))] };
  if (r < 54) return { args: ['ZREVRANGE', key, int(v), int(v), ...(v.chance(0.5) ? ['WITHSCORES'] : [])] };
  if (r < 57) {
    const args = [v.pick(['ZPOPMIN', 'ZPOPMAX']), key];
    if (v.chance(0.6)) args.push(v.chance(0.85) ? String(v.int(0, 4)) : v.pick(['-1', 'x', '200']));
    if (v.chance(0.02)) args.push('1');
    return { args };
  }
  if (r < 59) {
    const nk = numkeysAndKeys(v);
    const args = ['ZMPOP', ...nk, v.chance(0.95) ? randomCase(v, v.pick(['min', 'max'])) : 'MID'];
    if (v.chance(0.5)) args.push(randomCase(v, 'count'), v.chance(0.9) ? String(v.int(1, 5)) : v.pick(['0', '-1', 'x']));
    return { args };
  }
  if (r < 61) {
    // Blocking forms: served at once when a key has members; else a 10 ms timeout on both.
    const which = v.int(0, 2);
    const timeout = v.chance(0.95) ? '0.01' : v.pick(['-1', 'x', 'nan']);
    if (which < 2) return { args: [which === 0 ? 'BZPOPMIN' : 'BZPOPMAX', key, ...(v.chance(0.3) ? [v.pick(SMALL)] : []), timeout] };
    const nk = numkeysAndKeys(v);
    const args = ['BZMPOP', timeout, ...nk, randomCase(v, v.pick(['min', 'max']))];
    if (v.chance(0.5)) args.push('COUNT', String(v.int(1, 4)));
    return { args };
  }
  if (r < 64) {
    const roll = v.int(0, 9);
    if (roll === 0) return { args: ['ZRANDMEMBER', key], compare: sameShape };
    const count = v.pick([0, 1, 2, 3, 5, 10, 200, -1, -3, -20]);
    const args = ['ZRANDMEMBER', key, String(count)];
    const withScores = v.chance(0.5);
    if (withScores) args.push(randomCase(v, 'withscores'));
    if (v.chance(0.03)) args.push('junk');
    return { args, compare: zrandmemberCompare(count, withScores) };
  }
  if (r < 67) {
    const cursor = v.chance(0.9) ? '0' : v.pick(['x', '-1', ' 0', '18446744073709551616', '3', '']);
    const args = ['ZSCAN', key, cursor];
    if (v.chance(0.3)) args.push(randomCase(v, 'match'), v.pick(['*', 'a*', '*1*', 'm1?', '[ab]*']));
    if (v.chance(0.3)) args.push(randomCase(v, 'count'), v.pick(['1', '5', '100', '1000', '0', 'x']));
    return { args, compare: zscanCompare(cursor === '0' || cursor === '') };
  }
  if (r < 71) {
    const t = v.pick(['ZREMRANGEBYRANK', 'ZREMRANGEBYSCORE', 'ZREMRANGEBYLEX']);
    if (t === 'ZREMRANGEBYRANK') return { args: [t, key, int(v), int(v)] };
    if (t === 'ZREMRANGEBYSCORE') return { args: [t, key, scoreBound(v), scoreBound(v)] };
    return { args: [t, lexKey(v), lexBound(v), lexBound(v)] };
  }
  if (r < 80) {
    const args = setOp(v);
    if (withSets) for (let j = 0; j < args.length; j++) if (args[j] === 'znone' && v.chance(0.5)) args[j] = SET_KEY;
    return { args };
  }
  if (r < 84) return { args: ['OBJECT', 'ENCODING', key] };
  if (r < 86) return { args: ['DEL', key] };
  if (r < 87) return { args: ['TYPE', key] };
  if (r < 88) return { args: ['COPY', v.pick([...SMALL, ...BIG, ...LEXK]), v.pick(DESTS), 'REPLACE'] };
  if (r < 89 && withSets) return { args: ['SADD', SET_KEY, member(v), member(v)] };
  if (r < 92) {
    // Arity and command-name errors answered before any handler runs.
    return { args: v.pick([['ZADD', key], ['ZSCORE', key], ['ZRANK', key, 'a', 'WITHSCORE'], ['ZRANGE', key, '0'], ['ZUNION'], ['ZMPOP', '1'], ['ZCARD']]) };
  }
  if (r < 96) return { args: zadd(v, v.pick([...BIG, 'zlexbig'])) };
  return { args: [v.pick(['ZRANGE', 'ZREVRANGE']), v.pick(BIG), '0', String(v.int(0, 200)), 'WITHSCORES'] };
}
