/**
 * Differential generator for the generic keys family and the keyspace-wide data commands,
 * mixed with string, hash, set, list and sorted-set writes so keys of every type come and go.
 * Expiry times are either far in the future or already past, so no reply depends on timing;
 * replies that do (TTL, OBJECT IDLETIME), that are unordered (KEYS, a complete SCAN, DUMP of
 * a hash-table encoded value) or random (RANDOMKEY) get a comparison that checks what is
 * deterministic. GT/LT only meet absolute times, whose order is fixed.
 */
import type { DiffCommand, Vocab } from '../helpers/differential';
import type { RawReply } from '../helpers/raw-client';
import type { Typed } from '../../src/resp/decoder';
import { createDumpPayload } from '../../src/engine/rdb';
import { crc64LE } from '../../src/engine/crc64';

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'key:a', 'key:b', 'K[1]', 'bin\x00\xff\r\n'];
/**
 * Keys that may hold lists and sorted sets. Kept apart from KEYS (which DUMP and RESTORE use)
 * while those types have no RDB codec in Catena; RENAME/COPY stay within one namespace.
 */
const COLL_KEYS = ['L0', 'L1', 'Z0', 'Z1'];

const PATTERNS = [
  '*', '**', 'k*', 'k?', 'k[0-3]', 'k[^0-3]', 'k[3-0]', 'key:*', '*:?', '?', '??', 'k\\1', 'K\\[1\\]', 'K[[]1]',
  '[', 'k[', '[k', '*[', 'k[\\]', 'k[a-', 'k[0-]', '[^k]*', '*\\', '\\*', 'bin*', 'bin\x00*', '*\xff*', '', 'nomatch', 'K*', 'k[!0]',
];

const TYPES = ['string', 'STRING', 'list', 'hash', 'none', 'foo', 'set', 'zset', 'Hash'];

const BAD_INTS = ['abc', '', '1.5', ' 1', '+1', '01', '-0', '9223372036854775808', '-9223372036854775809'];

/** Absolute Unix times (s) far beyond any run, ordered so GT/LT are deterministic. */
const FUTURE_S = 4102444800; // 2100-01-01

function key(v: Vocab): string {
  return v.pick(KEYS);
}

/** Any key, list and sorted-set keys included: for commands that never serialize a value. */
function anyKey(v: Vocab): string {
  return v.chance(0.25) ? v.pick(COLL_KEYS) : v.pick(KEYS);
}

/** A write of some type, so generic commands meet every type and encoding. */
function typedWrite(v: Vocab): string[] {
  const n = v.int(1, 3);
  const members: string[] = [];
  for (let i = 0; i < n; i++) members.push(v.pick(['a', 'b', 'c', '1', '2', '300', 'x'.repeat(70)]));
  switch (v.int(0, 3)) {
    case 0:
      return ['HSET', key(v), ...members.flatMap((m) => [m, v.pick(['1', 'v', 'x'.repeat(80)])])];
    case 1:
      return ['SADD', key(v), ...members];
    case 2:
      return ['RPUSH', v.pick(COLL_KEYS), ...members];
    default:
      return ['ZADD', v.pick(COLL_KEYS), ...members.flatMap((m) => [String(v.int(-5, 5)), m])];
  }
}

function randomCase(v: Vocab, s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += v.chance(0.5) ? (s[i] as string).toUpperCase() : (s[i] as string).toLowerCase();
  return out;
}

function typedInt(t: Typed): number | null {
  return typeof t === 'number' ? t : typeof t === 'bigint' ? Number(t) : null;
}

/** Integers equal, or both positive and within `tol` (time passes between the two servers). */
function closeInts(tol: number): (a: RawReply, b: RawReply) => boolean {
  return (a, b) => {
    if (a.raw === b.raw) return true;
    const x = typedInt(a.value);
    const y = typedInt(b.value);
    return x !== null && y !== null && x >= 0 && y >= 0 && Math.abs(x - y) <= tol;
  };
}

function asStrings(t: Typed): string[] | null {
  if (!Array.isArray(t)) return null;
  const out: string[] = [];
  for (const x of t) {
    if (typeof x !== 'string') return null;
    out.push(x);
  }
  return out.sort();
}

/** Same multiset of keys in any order (KEYS: dict order differs with the hash function). */
function sameKeySet(a: RawReply, b: RawReply): boolean {
  if (a.raw === b.raw) return true;
  const x = asStrings(a.value);
  const y = asStrings(b.value);
  return x !== null && y !== null && x.join('\x01') === y.join('\x01');
}

/** A SCAN with COUNT above the keyspace size finishes in one call: cursor 0 and every match. */
function sameCompleteScan(a: RawReply, b: RawReply): boolean {
  if (a.raw === b.raw) return true;
  if (!Array.isArray(a.value) || !Array.isArray(b.value)) return false;
  const [ca, ka] = a.value;
  const [cb, kb] = b.value;
  return ca === '0' && cb === '0' && sameKeySet({ raw: '', value: ka as Typed }, { raw: '', value: kb as Typed });
}

/** RANDOMKEY: null exactly when Redis says null, a key when Redis gives one. */
function sameRandomKeyShape(a: RawReply, b: RawReply): boolean {
  if (a.raw === b.raw) return true;
  return typeof a.value === 'string' && typeof b.value === 'string';
}

/** OBJECT IDLETIME: seconds since last access in Redis, always 0 in Catena (no LRU clock). */
function sameIdleShape(a: RawReply, b: RawReply): boolean {
  if (a.raw === b.raw) return true;
  return typeof a.value === 'number' && typeof b.value === 'number';
}

/**
 * OBJECT REFCOUNT: exact, except that a COPY of a shared integer is an unshared object in
 * Redis (refcount 1) while Catena cannot tell it from a shared one (a documented difference).
 */
function sameRefcount(a: RawReply, b: RawReply): boolean {
  return a.raw === b.raw || (a.value === 2147483647 && b.value === 1);
}

/** RDB types whose elements are written in hash-table order (set, zset skiplist, hash). */
const HASH_ORDERED_TYPES = new Set([2, 3, 5, 4]);

/**
 * DUMP: byte-identical, except for hash-table encoded collections, whose elements come out
 * in each server's hash order: then the same type byte, the same length and the same footer
 * version are what is deterministic.
 */
function sameDump(a: RawReply, b: RawReply): boolean {
  if (a.raw === b.raw) return true;
  const x = a.value;
  const y = b.value;
  if (typeof x !== 'string' || typeof y !== 'string' || x.length !== y.length || x.length < 11) return false;
  return x.charCodeAt(0) === y.charCodeAt(0) && HASH_ORDERED_TYPES.has(x.charCodeAt(0)) && x.slice(-10, -8) === y.slice(-10, -8);
}

function stringValue(v: Vocab): string {
  switch (v.int(0, 5)) {
    case 0:
      return String(v.int(-20000, 20000));
    case 1:
      return v.pick(['9223372036854775807', '-9223372036854775808', '2147483648', '-2147483649', '12345678901', '32768', '-129', '128', '0', '-0', '007']);
    case 2:
      return 'ab'.repeat(v.int(5, 80));
    default:
      return v.value();
  }
}

function expireCommand(v: Vocab): string[] {
  const k = anyKey(v);
  switch (v.int(0, 5)) {
    case 0:
    case 1: {
      // Relative, far enough never to pass during a run, or already past; NX/XX only.
      const name = v.pick(['EXPIRE', 'PEXPIRE']);
      const future = v.chance(0.8);
      const s = future ? v.int(100, 1000000) : v.int(-1000, 0);
      const t = name === 'EXPIRE' ? String(s) : String(s * 1000 + (future ? 1 : -1) * v.int(0, 999));
      const opts = v.chance(0.3) ? [randomCase(v, v.pick(['NX', 'XX']))] : [];
      return [randomCase(v, name), k, t, ...opts];
    }
    case 2: {
      const name = v.pick(['EXPIREAT', 'PEXPIREAT']);
      const s = v.chance(0.85) ? FUTURE_S + v.int(0, 1000) : v.int(0, 1000000);
      const t = name === 'EXPIREAT' ? String(s) : String(s * 1000 + v.int(0, 999));
      const opts: string[] = [];
      const n = v.int(0, 2);
      for (let i = 0; i < n; i++) opts.push(randomCase(v, v.pick(['NX', 'XX', 'GT', 'LT', 'nx', 'bogus'])));
      return [name, k, t, ...opts];
    }
    case 3: {
      // Overflow and malformed times.
      const name = v.pick(['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']);
      const t = v.pick([
        '9223372036854775807', '-9223372036854775808', '9223372036854775', '-9223372036854775', '9223372036854776',
        '-9223372036854776', '9223372036854774', '92233720368547758', '-92233720368547758', ...BAD_INTS,
      ]);
      return [name, k, t];
    }
    default: {
      const name = v.pick(['EXPIRE', 'PEXPIREAT']);
      const opts = v.pick([['NX', 'XX'], ['GT', 'LT'], ['NX', 'GT'], ['LT', 'NX'], ['XX', 'GT'], ['gt', 'GT'], ['\x00x']]);
      return [name, k, name === 'EXPIRE' ? '100' : String(FUTURE_S * 1000), ...opts];
    }
  }
}

/** A DUMP payload with a valid footer (version 10 and CRC64) around `body`. */
function footer(body: Buffer, version = 10): string {
  const withVer = Buffer.concat([body, Buffer.from([version & 0xff, version >> 8])]);
  return Buffer.concat([withVer, crc64LE(withVer)]).toString('latin1');
}

function payload(v: Vocab): string {
  const good = (createDumpPayload(stringValue(v)) as Buffer).toString('latin1');
  switch (v.int(0, 9)) {
    case 0: {
      // One flipped byte: the CRC no longer matches.
      const i = v.int(0, good.length - 1);
      return good.slice(0, i) + String.fromCharCode(good.charCodeAt(i) ^ (1 << v.int(0, 7))) + good.slice(i + 1);
    }
    case 1:
      return footer(Buffer.from(good.slice(0, -10), 'latin1'), 11);
    case 2:
      return v.pick(['', 'x', '\x00\x05hello', good.slice(0, 9)]);
    case 3:
      // Valid footer, malformed body: truncated strings, unknown encodings, non-object types.
      return footer(
        Buffer.from(
          v.pick(['\x00\x32abc', '\x00\xc4', '\x00\xc3\x05\x10abcde', '\x08\x01a', '\x00', '\x00\x80\x00\x00\x00\x05ab', '\xff', '\x06\x00', '\x00\xc0', '\x00\xc1\x01', '\x00\xc3\x02\x00\x00a']),
          'latin1',
        ),
      );
    case 4:
      // Older RDB versions are accepted.
      return footer(Buffer.from(good.slice(0, -10), 'latin1'), v.int(0, 10));
    case 5:
      // An LZF string whose compressed length claims more than the bytes given, and trailing bytes.
      return footer(Buffer.from(good.slice(0, -10) + 'trailing', 'latin1'));
    default:
      return good;
  }
}

function restoreCommand(v: Vocab): string[] {
  let ttl: string;
  const abs = v.chance(0.3);
  if (abs) ttl = v.pick(['0', String(FUTURE_S * 1000), String(v.int(1, 1000000)), '9223372036854775807']);
  else ttl = v.pick(['0', '0', String(v.int(100000, 100000000)), '-1', 'abc', '9223372036854775807', '9223372036852000000']);
  const args = ['RESTORE', key(v), ttl, payload(v)];
  if (abs) args.push(randomCase(v, 'ABSTTL'));
  const n = v.int(0, 3);
  for (let i = 0; i < n; i++) {
    const o = v.pick(['REPLACE', 'REPLACE', 'IDLETIME', 'FREQ', 'ABSTTL', 'junk']);
    args.push(randomCase(v, o));
    if (o === 'IDLETIME' || o === 'FREQ') {
      if (i < n - 1 || v.chance(0.9)) args.push(v.pick(['0', '5', '255', '256', '-1', 'x', '1000000']));
    }
  }
  return args;
}

function dbIndex(v: Vocab): string {
  return v.chance(0.85) ? String(v.int(0, 3)) : v.pick(['16', '-1', '99999999999', 'a', '2147483648', '']);
}

export function generate(v: Vocab, _i: number): DiffCommand {
  const r = v.int(0, 99);
  if (r < 16) {
    if (v.chance(0.3)) return { args: typedWrite(v) };
    switch (v.int(0, 4)) {
      case 0:
        return { args: ['SET', key(v), stringValue(v)] };
      case 1:
        return { args: ['INCR', key(v)] };
      case 2:
        return { args: ['APPEND', key(v), v.pick(['x', 'yz', '123'])] };
      default:
        return { args: ['GET', key(v)] };
    }
  }
  if (r < 22) {
    const n = v.int(1, 3);
    const ks: string[] = [];
    for (let i = 0; i < n; i++) ks.push(anyKey(v));
    return { args: [v.pick(['DEL', 'UNLINK', 'EXISTS', 'TOUCH', 'del']), ...ks] };
  }
  if (r < 25) return { args: ['TYPE', anyKey(v)] };
  if (r < 36) return { args: expireCommand(v) };
  if (r < 44) {
    const name = v.pick(['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']);
    return { args: [name, anyKey(v)], compare: closeInts(name.startsWith('P') ? 3000 : 3) };
  }
  if (r < 47) return { args: ['PERSIST', anyKey(v)] };
  if (r < 50) return { args: ['KEYS', v.pick(PATTERNS)], compare: sameKeySet };
  if (r < 54) {
    const args = ['SCAN', '0'];
    const n = v.int(0, 2);
    for (let i = 0; i < n; i++) {
      if (v.chance(0.5)) args.push(randomCase(v, 'MATCH'), v.pick(PATTERNS));
      else args.push(randomCase(v, 'TYPE'), v.pick(TYPES));
    }
    args.push('COUNT', '1000');
    return { args, compare: sameCompleteScan };
  }
  if (r < 56) {
    // Malformed SCAN requests: deterministic errors.
    return {
      args: v.pick([
        ['SCAN', 'abc'], ['SCAN', ' 1'], ['SCAN', '0x1'], ['SCAN', '18446744073709551616'], ['SCAN', '0', 'COUNT', '0'],
        ['SCAN', '0', 'COUNT', '-1'], ['SCAN', '0', 'COUNT', 'x'], ['SCAN', '0', 'MATCH'], ['SCAN', '0', 'TYPE'], ['SCAN', '0', 'BOGUS', '1'],
        ['SCAN', 'x', 'COUNT', 'x'],
      ]),
    };
  }
  if (r < 58) return { args: ['RANDOMKEY'], compare: sameRandomKeyShape };
  if (r < 63) {
    const coll = v.chance(0.2);
    const src = coll ? v.pick(COLL_KEYS) : key(v);
    const dst = v.chance(0.15) ? src : coll ? v.pick(COLL_KEYS) : key(v);
    return { args: [v.pick(['RENAME', 'RENAMENX']), src, dst] };
  }
  if (r < 67) {
    const coll = v.chance(0.2);
    const args = coll ? ['COPY', v.pick(COLL_KEYS), v.pick(COLL_KEYS)] : ['COPY', key(v), key(v)];
    const n = v.int(0, 2);
    for (let i = 0; i < n; i++) {
      const o = v.pick(['REPLACE', 'DB', 'DB', 'bogus']);
      args.push(randomCase(v, o));
      if (o === 'DB' && (i < n - 1 || v.chance(0.9))) args.push(dbIndex(v));
    }
    return { args };
  }
  if (r < 70) return { args: ['MOVE', anyKey(v), dbIndex(v)] };
  if (r < 72) {
    const a = v.chance(0.9) ? String(v.int(0, 2)) : v.pick(BAD_INTS.concat(['16', '-1', '99999999999']));
    const b = v.chance(0.9) ? String(v.int(0, 2)) : v.pick(BAD_INTS.concat(['16', '-1']));
    return { args: ['SWAPDB', a, b] };
  }
  if (r < 79) {
    const sub = v.pick(['ENCODING', 'ENCODING', 'REFCOUNT', 'IDLETIME', 'FREQ', 'HELP', 'encoding']);
    if (sub === 'HELP') return { args: ['OBJECT', randomCase(v, sub)] };
    const compare = sub === 'IDLETIME' ? sameIdleShape : sub === 'REFCOUNT' ? sameRefcount : undefined;
    return compare ? { args: ['OBJECT', sub, anyKey(v)], compare } : { args: ['OBJECT', sub, anyKey(v)] };
  }
  if (r < 85) return { args: ['DUMP', key(v)], compare: sameDump };
  if (r < 93) return { args: restoreCommand(v) };
  if (r < 96) return { args: ['DBSIZE'] };
  if (r < 97) return { args: v.chance(0.8) ? ['FLUSHDB', ...(v.chance(0.5) ? [v.pick(['SYNC', 'async', 'bad'])] : [])] : ['FLUSHDB', 'SYNC', 'x'] };
  if (r < 98) return { args: v.chance(0.2) ? ['FLUSHALL', v.pick(['ASYNC', 'sync', 'nope'])] : ['DBSIZE'] };
  // Arity errors, answered by the dispatcher from Redis's metadata.
  return { args: v.pick([['EXPIRE', 'k0'], ['TTL'], ['RENAME', 'k0'], ['COPY', 'k0'], ['MOVE', 'k0'], ['OBJECT', 'ENCODING'], ['RESTORE', 'k0', '0'], ['DBSIZE', 'x'], ['SWAPDB', '0'], ['OBJECT']]) };
}
