// The cluster codecs (src/cluster/reply-codec.ts, update-codec.ts): every Reply kind survives
// encode → decode so that the ReplyWriter writes the decoded reply byte for byte as the
// original, in RESP2 and in RESP3; seeded random round-trips; every truncation and random
// garbage decodes to an error value, never a throw; the named limits hold; golden bytes pin
// the frozen format (tags and kinds are append-only: a change here is a wire break).
import t from 'tap';
import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  MultiReply,
  NO_REPLY,
  NULL_ARRAY,
  OK,
  PairsReply,
  PushReply,
  type Reply,
  SetReply,
  StatusReply,
  VerbatimReply,
} from '../../src/resp/reply';
import { type Protocol, ReplyWriter } from '../../src/resp/writer';
import { ByteWriter, decodeReply, encodeReply, isCodecError, replyTag } from '../../src/cluster/reply-codec';
import {
  type BatchEntry,
  type ClusterMsg,
  type UpdatePayload,
  clusterMsgKind,
  decodeBatch,
  decodeClusterMsg,
  decodeUpdate,
  encodeClusterMsg,
  encodeUpdate,
  updateFlag,
  updateItemKind,
  writeBatchEntry,
} from '../../src/cluster/update-codec';
import { clusterChainIdBytesMax, dbIndexMax, replyBigintCharsMax, replyDepthMax } from '../../src/cluster/codec-limits';

/** mulberry32: a tiny seeded PRNG, so every random case reproduces from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

function resp(r: Reply, proto: Protocol): string {
  const w = new ReplyWriter(64);
  w.write(r, proto);
  return w.take().toString('latin1');
}

function mustDecode(b: Buffer): Reply {
  const d = decodeReply(b);
  if (isCodecError(d)) throw new Error(`decode failed: ${d.error}`);
  return d;
}

/** Encode, decode, and compare the RESP2 and RESP3 bytes; the re-encoding must be identical too. */
function roundTrips(r: Reply): { ok: boolean; why: string } {
  const enc = encodeReply(r);
  const d = decodeReply(enc);
  if (isCodecError(d)) return { ok: false, why: d.error };
  for (const proto of [2, 3] as const) {
    if (resp(d, proto) !== resp(r, proto)) return { ok: false, why: `RESP${proto} differs` };
  }
  if (!encodeReply(d).equals(enc)) return { ok: false, why: 're-encoding differs' };
  return { ok: true, why: '' };
}

function randString(rnd: () => number): string {
  const long = rnd() < 0.05;
  const n = Math.floor(rnd() * (long ? 3000 : 24));
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rnd() * 256));
  return s;
}

function randReply(rnd: () => number, depth: number): Reply {
  const pick = Math.floor(rnd() * (depth >= 5 ? 12 : 20));
  const items = (): Reply[] => {
    const n = Math.floor(rnd() * 5);
    const out: Reply[] = [];
    for (let i = 0; i < n; i++) out.push(randReply(rnd, depth + 1));
    return out;
  };
  switch (pick) {
    case 0:
    case 1:
      return randString(rnd);
    case 2:
      return Math.floor((rnd() - 0.5) * 2 ** (1 + Math.floor(rnd() * 53)));
    case 3:
      return [0, -0, 1.5, 2 ** 53, -(2 ** 60), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER][Math.floor(rnd() * 7)] as number;
    case 4:
      return BigInt(Math.floor((rnd() - 0.5) * 2 ** 40)) * 2n ** BigInt(Math.floor(rnd() * 24));
    case 5:
      return null;
    case 6:
      return new StatusReply(randString(rnd).replace(/[\r\n]/g, ' '));
    case 7:
      return new ErrorReply(randString(rnd));
    case 8:
      return new DoubleReply([Infinity, -Infinity, NaN, -0, 0, (rnd() - 0.5) * 1e10, rnd() * 1e-300][Math.floor(rnd() * 7)] as number);
    case 9:
      return new BoolReply(rnd() < 0.5);
    case 10:
      return new VerbatimReply(rnd() < 0.5 ? 'txt' : 'mkd', randString(rnd));
    case 11:
      return NULL_ARRAY;
    case 12:
    case 13:
      return items();
    case 14: {
      const flat = items();
      if (flat.length % 2 === 1) flat.push(randReply(rnd, depth + 1));
      return new MapReply(flat);
    }
    case 15: {
      const flat = items();
      if (flat.length % 2 === 1) flat.push(randReply(rnd, depth + 1));
      return new PairsReply(flat);
    }
    case 16:
      return new SetReply(items());
    case 17:
      return new PushReply(items());
    case 18:
      return new MultiReply(items());
    default:
      return NO_REPLY;
  }
}

/** One reply of every kind, nested: the material for truncation and mutation tests. */
const rich: Reply = new MultiReply([
  [
    'a',
    '',
    ALL_BYTES,
    0,
    -7,
    300,
    Number.MAX_SAFE_INTEGER,
    1.5,
    -0,
    2n ** 63n - 1n,
    null,
    OK,
    new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value'),
    new MapReply(['k', new SetReply(['x', 1]), 'p', new PairsReply(['m', new DoubleReply(-Infinity)])]),
    new PushReply(['message', 'ch', 'hi']),
    new BoolReply(true),
    new BoolReply(false),
    new VerbatimReply('txt', 'line1\r\nline2'),
    NULL_ARRAY,
    NO_REPLY,
  ],
  new DoubleReply(NaN),
]);

t.test('every Reply kind writes byte-identically in RESP2 and RESP3 after a round trip', async (t) => {
  const cases: Array<[string, Reply]> = [
    ['empty bulk', ''],
    ['bulk', 'hello'],
    ['all 256 byte values', ALL_BYTES],
    ['all 256 byte values, reversed, 17+ chars (native latin1 path)', ALL_BYTES.split('').reverse().join('')],
    ['short binary (JS loop path)', '\x00\xff\r\n\x80'],
    ['huge bulk (4 MiB)', ALL_BYTES.repeat(16 * 1024)],
    ['zero', 0],
    ['negative', -1],
    ['large positive', Number.MAX_SAFE_INTEGER],
    ['large negative', Number.MIN_SAFE_INTEGER],
    ['beyond 2^53 number', 2 ** 60],
    ['-0 number', -0],
    ['fraction number', 2.25],
    ['bigint int64 max', 9223372036854775807n],
    ['bigint int64 min', -9223372036854775808n],
    ['bigint zero', 0n],
    ['null', null],
    ['empty array', []],
    ['status', OK],
    ['empty status', new StatusReply('')],
    ['error', new ErrorReply('ERR syntax error')],
    ['error with newlines (writer strips them)', new ErrorReply('ERR a\r\nb\nc')],
    ['error with binary', new ErrorReply('ERR \x00\xff')],
    ['map', new MapReply(['a', 1, 'b', 2])],
    ['empty map', new MapReply([])],
    ['odd map kept as is', new MapReply(['a'])],
    ['pairs', new PairsReply(['m1', new DoubleReply(1), 'm2', new DoubleReply(2.5)])],
    ['set', new SetReply(['x', 'y'])],
    ['push', new PushReply(['subscribe', 'ch', 1])],
    ['double inf', new DoubleReply(Infinity)],
    ['double -inf', new DoubleReply(-Infinity)],
    ['double nan', new DoubleReply(NaN)],
    ['double -0', new DoubleReply(-0)],
    ['double tiny', new DoubleReply(5e-324)],
    ['double 0.1', new DoubleReply(0.1)],
    ['bool true', new BoolReply(true)],
    ['bool false', new BoolReply(false)],
    ['verbatim', new VerbatimReply('txt', 'some text')],
    ['verbatim binary', new VerbatimReply('mkd', ALL_BYTES)],
    ['null array', NULL_ARRAY],
    ['multi', new MultiReply([new PushReply(['subscribe', 'a', 1]), new PushReply(['subscribe', 'b', 2])])],
    ['empty multi', new MultiReply([])],
    ['no reply', NO_REPLY],
    ['nested arrays of maps', [new MapReply(['f', [new MapReply(['g', [1, 2, null]])]]), [[[]]]]],
    ['errors inside arrays (EXEC)', [OK, new ErrorReply('WRONGTYPE x'), 3, NULL_ARRAY]],
    ['everything', rich],
  ];
  for (const [name, r] of cases) {
    const res = roundTrips(r);
    t.ok(res.ok, name, { why: res.why });
  }
  t.equal(mustDecode(encodeReply(NO_REPLY)), NO_REPLY, 'NoReply decodes to the singleton');
  t.equal(mustDecode(encodeReply(NULL_ARRAY)), NULL_ARRAY, 'NullArrayReply decodes to the singleton');
  t.equal(typeof mustDecode(encodeReply(5n)), 'bigint', 'a bigint stays a bigint');
  t.ok(Object.is(mustDecode(encodeReply(-0)), -0), 'a -0 number stays -0');
  t.equal(mustDecode(encodeReply(ALL_BYTES)), ALL_BYTES, 'binary string exactly preserved');
});

t.test('a large encoding handed out without a copy is not overwritten by the next encode', async (t) => {
  const big = 'x'.repeat(1024 * 1024);
  const first = encodeReply(big);
  const copy = Buffer.from(first);
  encodeReply('y'.repeat(1024 * 1024));
  encodeReply('small');
  t.ok(first.equals(copy));
});

t.test('seeded random replies round-trip (mulberry32, seeds 1..4)', async (t) => {
  for (let seed = 1; seed <= 4; seed++) {
    const rnd = mulberry32(seed);
    let failures = 0;
    let first = '';
    for (let i = 0; i < 500; i++) {
      const r = randReply(rnd, 0);
      const res = roundTrips(r);
      if (!res.ok) {
        failures++;
        if (first === '') first = `case ${i}: ${res.why}`;
      }
    }
    t.equal(failures, 0, `seed ${seed}`, { first });
  }
});

t.test('every truncation of a valid encoding is an error value', async (t) => {
  const payload: UpdatePayload = {
    db: 3,
    nowMs: 1700000000123,
    seed: 0xdeadbeef,
    items: [{ args: ['SET', 'k', ALL_BYTES] }, { select: 5 }, { args: ['incr', 'n'] }],
    watch: { keys: [{ db: 3, key: 'k' }, { db: 5, key: '' }], sinceSeq: 42 },
  };
  const encodings: Array<[string, Buffer, (b: Buffer) => unknown]> = [
    ['reply', encodeReply(rich), decodeReply],
    ['update', encodeUpdate(payload), decodeUpdate],
    ['write', encodeClusterMsg({ kind: 'write', request: 9, chain: 'a>b>c', payload }), decodeClusterMsg],
    ['read', encodeClusterMsg({ kind: 'read', request: 1, chain: 'a', db: 0, args: ['GET', 'k'], nowMs: 5 }), decodeClusterMsg],
    ['result', encodeClusterMsg({ kind: 'result', request: 1e12, reply: rich }), decodeClusterMsg],
    ['chain', encodeClusterMsg({ kind: 'chain', chain: 'a>b', bytes: Buffer.from([1, 2, 3, 0, 255]) }), decodeClusterMsg],
    ['publish', encodeClusterMsg({ kind: 'publish', channel: 'news', message: 'hi', sharded: true }), decodeClusterMsg],
  ];
  for (const [name, enc, decode] of encodings) {
    t.notOk(isCodecError(decode(enc)), `${name}: the whole encoding decodes`);
    let bad = 0;
    for (let n = 0; n < enc.length; n++) {
      try {
        if (!isCodecError(decode(enc.subarray(0, n)))) bad++;
      } catch {
        bad++;
      }
    }
    t.equal(bad, 0, `${name}: all ${enc.length} strict prefixes are error values`);
    const extra = Buffer.concat([enc, Buffer.from([0])]);
    t.match(decode(extra), { error: /trailing/ }, `${name}: a trailing byte is an error`);
  }
});

t.test('random garbage and mutated encodings never throw (mulberry32, seed 7)', async (t) => {
  const rnd = mulberry32(7);
  const decoders = [decodeReply, decodeUpdate, decodeClusterMsg];
  const valid = [
    encodeReply(rich),
    encodeUpdate({ db: 0, nowMs: 1, seed: 2, items: [{ args: ['SET', 'a', 'b'] }] }),
    encodeClusterMsg({ kind: 'result', request: 3, reply: rich }),
  ];
  let threw = 0;
  let firstThrow = '';
  const attempt = (b: Buffer): void => {
    for (const decode of decoders) {
      try {
        decode(b);
      } catch (e) {
        threw++;
        if (firstThrow === '') firstThrow = `${b.toString('hex')}: ${String(e)}`;
      }
    }
  };
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(rnd() * 48);
    const b = Buffer.alloc(n);
    // Small bytes half the time, so tags, kinds and short varints are hit often.
    for (let j = 0; j < n; j++) b[j] = Math.floor(rnd() * (rnd() < 0.5 ? 0x16 : 256));
    attempt(b);
  }
  for (let i = 0; i < 3000; i++) {
    const src = valid[i % valid.length] as Buffer;
    const b = Buffer.from(src);
    const flips = 1 + Math.floor(rnd() * 3);
    for (let j = 0; j < flips; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    attempt(b);
  }
  t.equal(threw, 0, 'no decoder threw', { firstThrow });
});

t.test('replyDepthMax bounds nesting in both directions', async (t) => {
  const nest = (levels: number): Reply => {
    let r: Reply = 'leaf';
    for (let i = 0; i < levels; i++) r = [r];
    return r;
  };
  t.ok(roundTrips(nest(replyDepthMax)).ok, `${replyDepthMax} levels round-trip`);
  t.throws(() => encodeReply(nest(replyDepthMax + 1)), /replyDepthMax/, 'encoding deeper is a programmer error');
  const cyclic: Reply[] = [];
  cyclic.push(cyclic);
  t.throws(() => encodeReply(cyclic), /replyDepthMax/, 'a cyclic array throws, not a stack overflow');
  const deep = Buffer.alloc(2 * (replyDepthMax + 1) + 1);
  for (let i = 0; i <= replyDepthMax; i++) {
    deep[2 * i] = replyTag.map;
    deep[2 * i + 1] = 1;
  }
  deep[deep.length - 1] = replyTag.null;
  t.match(decodeReply(deep), { error: /nesting deeper than/ }, 'decoding deeper is an error value');
  const hostile = Buffer.alloc(100000, replyTag.array);
  t.ok(isCodecError(decodeReply(hostile)), '100000 nested array tags: an error value');
});

t.test('non-canonical and out-of-range encodings are refused', async (t) => {
  const cases: Array<[string, number[], RegExp]> = [
    ['empty input', [], /truncated/],
    ['tag 0', [0], /unknown reply tag 0x00/],
    ['unknown tag', [0x7f], /unknown reply tag 0x7f/],
    ['varint with a trailing zero byte', [replyTag.int, 0x85, 0x00], /not minimal/],
    ['varint longer than 8 bytes', [replyTag.int, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], /longer than 8/],
    ['varint beyond 2^53', [replyTag.int, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], /beyond 2\^53/],
    ['negative zero as negInt', [replyTag.negInt, 0], /negative integer 0/],
    ['float tag on a safe integer', [replyTag.float, ...Buffer.from(new Float64Array([3]).buffer)], /float tag/],
    ['bigint with a leading zero', [replyTag.bigint, 2, 0x30, 0x31], /canonical/],
    ['bigint "-0"', [replyTag.bigint, 2, 0x2d, 0x30], /canonical/],
    ['bigint too long', [replyTag.bigint, replyBigintCharsMax + 1, ...Buffer.alloc(replyBigintCharsMax + 1, 0x31)], /above/],
    ['array count beyond the input', [replyTag.array, 0xff, 0xff, 0x03], /truncated/],
    ['bulk length beyond the input', [replyTag.bulk, 10, 0x61], /truncated/],
  ];
  for (const [name, bytes, why] of cases) t.match(decodeReply(Buffer.from(bytes)), { error: why }, name);

  const update = (bytes: number[]) => decodeUpdate(Buffer.from(bytes));
  t.match(update([0, 0, 0, 0, 0, 0, 0x04, 0]), { error: /unknown update flags/ }, 'unknown flag bit');
  t.match(decodeBatch(Buffer.alloc(0)), { error: /truncated/ }, 'a batch without entries');
  t.match(decodeClusterMsg(Buffer.from([clusterMsgKind.results, 0])), { error: /without results/ }, 'a results message without results');
  t.match(update([0, 0, 0, 0, 0, 0, 0, 1, 0x09, 1, 1, 0x61]), { error: /unknown update item kind/ }, 'unknown item kind');
  t.match(update([0, 0, 0, 0, 0, 0, 0, 1, updateItemKind.command, 0, 0]), { error: /without a name/ }, 'command with no args');
  const tooBigDb = [0xff, 0xff, 0xff, 0xff, 0x07]; // 2^31 - 1 > dbIndexMax
  t.match(update([...tooBigDb, 0, 0, 0, 0, 0, 0, 0]), { error: /db .* above/ }, 'db above dbIndexMax');
  t.match(decodeClusterMsg(Buffer.from([0x7e])), { error: /unknown cluster message kind 0x7e/ }, 'unknown message kind');
  t.match(decodeClusterMsg(Buffer.from([clusterMsgKind.publish, 2, 0, 0])), { error: /sharded flag/ }, 'sharded flag 2');
  const longChain = encodeClusterMsg({ kind: 'chain', chain: 'c', bytes: Buffer.alloc(0) });
  // Rewrite the chain id length to one past the limit: refused from the length alone.
  const over = clusterChainIdBytesMax + 1;
  const forged = Buffer.concat([Buffer.from([clusterMsgKind.chain, (over & 0x7f) | 0x80, over >>> 7]), Buffer.alloc(over, 0x61), longChain.subarray(3)]);
  t.match(decodeClusterMsg(forged), { error: /chain id length .* above/ }, 'chain id above clusterChainIdBytesMax');
});

t.test('encoders assert their inputs (programmer errors throw)', async (t) => {
  const base: UpdatePayload = { db: 0, nowMs: 0, seed: 0, items: [] };
  t.throws(() => encodeUpdate({ ...base, seed: -1 }), /seed/);
  t.throws(() => encodeUpdate({ ...base, seed: 2 ** 32 }), /seed/);
  t.throws(() => encodeUpdate({ ...base, nowMs: 1.5 }), /nowMs/);
  t.throws(() => encodeUpdate({ ...base, db: dbIndexMax + 1 }), /db/);
  t.throws(() => encodeUpdate({ ...base, items: [{ args: [] }] }), /args/);
  t.throws(() => encodeClusterMsg({ kind: 'chain', chain: 'x'.repeat(clusterChainIdBytesMax + 1), bytes: Buffer.alloc(0) }), /chain id/);
  t.throws(() => encodeReply({} as unknown as Reply), /not a reply/);
  t.throws(() => encodeReply(10n ** BigInt(replyBigintCharsMax)), /bigint/);
  t.doesNotThrow(() => encodeUpdate({ ...base, db: dbIndexMax, seed: 2 ** 32 - 1, nowMs: Number.MAX_SAFE_INTEGER }));
});

t.test('updates and cluster messages round-trip', async (t) => {
  const updates: UpdatePayload[] = [
    { db: 0, nowMs: 0, seed: 0, items: [] },
    { db: 0, nowMs: 1700000000000, seed: 12345, items: [{ args: ['set', 'k', 'v'] }] },
    {
      db: 15,
      nowMs: Number.MAX_SAFE_INTEGER,
      seed: 0xffffffff,
      items: [{ args: ['LPUSH', ALL_BYTES, '', ALL_BYTES.repeat(40)] }, { select: 2 }, { args: ['DEL', 'x'] }, { select: dbIndexMax }],
      watch: { keys: [{ db: 15, key: ALL_BYTES }], sinceSeq: 2 ** 40 },
    },
    { db: 1, nowMs: 2, seed: 3, items: [{ args: ['PING'] }], watch: { keys: [], sinceSeq: 0 } },
  ];
  for (const p of updates) {
    const d = decodeUpdate(encodeUpdate(p));
    t.same(d, p, `update with ${p.items.length} items`);
    t.equal('watch' in d, p.watch !== undefined, 'watch present exactly when sent');
  }

  const rnd = mulberry32(11);
  for (let i = 0; i < 200; i++) {
    const items: UpdatePayload['items'] = [];
    const n = Math.floor(rnd() * 6);
    for (let j = 0; j < n; j++) {
      if (rnd() < 0.2) items.push({ select: Math.floor(rnd() * 16) });
      else items.push({ args: Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => randString(rnd)) });
    }
    const p: UpdatePayload = { db: Math.floor(rnd() * 16), nowMs: Math.floor(rnd() * 2 ** 45), seed: Math.floor(rnd() * 2 ** 32), items };
    if (rnd() < 0.3) p.watch = { keys: [{ db: 0, key: randString(rnd) }], sinceSeq: Math.floor(rnd() * 1e9) };
    const d = decodeUpdate(encodeUpdate(p));
    if (!t.same(d, p, `random update ${i} (seed 11)`)) break;
  }

  const msgs: ClusterMsg[] = [
    { kind: 'write', request: 0, chain: 'n1>n2>n3', payload: updates[2] as UpdatePayload },
    { kind: 'read', request: Number.MAX_SAFE_INTEGER, chain: 'n3', db: 4, args: ['GET', ALL_BYTES], nowMs: 1700000000000 },
    { kind: 'chain', chain: 'n1>n2', bytes: Buffer.from(ALL_BYTES, 'latin1') },
    { kind: 'chain', chain: '', bytes: Buffer.alloc(0) },
    { kind: 'publish', channel: 'news', message: ALL_BYTES, sharded: false },
    { kind: 'publish', channel: '', message: '', sharded: true },
  ];
  for (const m of msgs) t.same(decodeClusterMsg(encodeClusterMsg(m)), m, `${m.kind} message`);

  const entries: BatchEntry[] = updates.map((payload, i) => ({ origin: { node: `n${i}`, request: i * 1000 }, payload }));
  entries.push({ origin: { node: 'n9', request: 1 }, payload: { db: 3, nowMs: 4, seed: 5, items: [], aborted: true } });
  const bw = new ByteWriter();
  for (const e of entries) writeBatchEntry(bw, e);
  const batch = bw.take();
  t.same(decodeBatch(batch), entries, 'a batch round-trips, entry by entry');
  for (let cut = 0; cut < batch.length; cut++) {
    if (!isCodecError(decodeBatch(batch.subarray(0, cut)))) {
      // A cut between two entries is a shorter, valid batch: only cuts inside an entry must fail.
      const d = decodeBatch(batch.subarray(0, cut)) as BatchEntry[];
      if (!t.same(d, entries.slice(0, d.length), `a cut at ${cut} is a batch of whole entries`)) break;
    }
  }
  const results = { kind: 'results' as const, results: [{ request: 9, reply: rich }, { request: 0, reply: NULL_ARRAY }] };
  const rd = decodeClusterMsg(encodeClusterMsg(results));
  t.ok(!isCodecError(rd) && rd.kind === 'results' && rd.results.length === 2 && resp(rd.results[0]?.reply as Reply, 3) === resp(rich, 3), 'results message');

  for (const reply of [rich, NO_REPLY, [OK, new ErrorReply('EXECABORT x')]] as Reply[]) {
    const d = decodeClusterMsg(encodeClusterMsg({ kind: 'result', request: 77, reply }));
    if (isCodecError(d) || d.kind !== 'result') {
      t.fail('result message did not decode');
      continue;
    }
    t.equal(d.request, 77);
    t.equal(resp(d.reply, 2), resp(reply, 2), 'result reply, RESP2');
    t.equal(resp(d.reply, 3), resp(reply, 3), 'result reply, RESP3');
  }
});

// Negative control (STYLE #8): a codec that collapsed one kind into another that RESP2 writes
// the same way must be caught, so the two-protocol comparison has to tell these pairs apart.
t.test('negative control: the RESP2 + RESP3 comparison catches a collapsed kind', async (t) => {
  const collapsed: Array<[string, Reply, Reply]> = [
    ['map → array', new MapReply(['a', 1]), ['a', 1]],
    ['pairs → array', new PairsReply(['a', 1]), ['a', 1]],
    ['set → array', new SetReply(['a']), ['a']],
    ['push → array', new PushReply(['a']), ['a']],
    ['bool → int', new BoolReply(true), 1],
    ['double → bulk', new DoubleReply(1.5), '1.5'],
    ['verbatim → bulk', new VerbatimReply('txt', 'x'), 'x'],
    ['null array → null', NULL_ARRAY, null],
    ['error text cleaned → same', new ErrorReply('ERR a\nb'), new ErrorReply('ERR a b')],
  ];
  for (const [name, original, wrong] of collapsed) {
    const differs = resp(original, 2) !== resp(wrong, 2) || resp(original, 3) !== resp(wrong, 3);
    // The last pair writes identically in both protocols: the re-encoding check is what catches it.
    if (name.startsWith('error')) t.notOk(encodeReply(original).equals(encodeReply(wrong)), name);
    else t.ok(differs, name);
  }
});

t.test('isCodecError tells an error value from every Reply and every decoded message', async (t) => {
  t.ok(isCodecError({ error: 'x' }));
  t.notOk(isCodecError(decodeUpdate(encodeUpdate({ db: 0, nowMs: 0, seed: 0, items: [] }))));
  t.notOk(isCodecError(decodeClusterMsg(encodeClusterMsg({ kind: 'publish', channel: 'c', message: 'm', sharded: false }))));
  for (const r of [null, 'error', 1, 1n, [], OK, new ErrorReply('ERR x'), new MapReply([]), NO_REPLY, NULL_ARRAY] as Reply[]) {
    t.notOk(isCodecError(r), resp(r, 3) || 'no reply');
  }
});

// The frozen format: these bytes must never change (tags and kinds are append-only).
t.test('golden bytes', async (t) => {
  const hex = (b: Buffer) => b.toString('hex');
  t.equal(hex(encodeReply(OK)), '08024f4b', '+OK: status, len 2, "OK"');
  t.equal(hex(encodeReply(null)), '01', 'null');
  t.equal(hex(encodeReply('a\xff')), '020261ff', 'bulk, latin1 bytes');
  t.equal(hex(encodeReply(300)), '03ac02', 'int 300 as LEB128');
  t.equal(hex(encodeReply(-1)), '0401', 'negative int');
  t.equal(hex(encodeReply(-0)), '050000000000000080', '-0 number as f64 LE');
  t.equal(hex(encodeReply(-5n)), '0602' + '2d35', 'bigint as decimal');
  t.equal(hex(encodeReply(new ErrorReply('ERR x'))), '0905' + '4552522078', 'error');
  t.equal(
    hex(encodeReply([new MapReply(['k', 1]), new SetReply([]), new PairsReply([]), new PushReply([]), new MultiReply([])])),
    '0705' + '0a02' + '02016b' + '0301' + '0c00' + '0b00' + '1100' + '1300',
    'containers',
  );
  t.equal(hex(encodeReply(new DoubleReply(1.5))), '0d000000000000f83f', 'double');
  t.equal(hex(encodeReply(new BoolReply(false))) + hex(encodeReply(new BoolReply(true))), '0e0f', 'bools');
  t.equal(hex(encodeReply(new VerbatimReply('txt', 'hi'))), '1003747874026869', 'verbatim');
  t.equal(hex(encodeReply(NULL_ARRAY)) + hex(encodeReply(NO_REPLY)), '1214', 'null array, no reply');

  const p: UpdatePayload = {
    db: 1,
    nowMs: 1000,
    seed: 0x01020304,
    items: [{ args: ['SET', 'k', 'v'] }, { select: 2 }],
    watch: { keys: [{ db: 1, key: 'k' }], sinceSeq: 7 },
  };
  const update = '01' + 'e807' + '04030201' + '01' + '02' + '01' + '03' + '03534554' + '016b' + '0176' + '02' + '02' + '07' + '01' + '01016b';
  t.equal(hex(encodeUpdate(p)), update, 'update');
  t.equal(hex(encodeClusterMsg({ kind: 'write', request: 5, chain: 'a>b', payload: p })), '01' + '05' + '03613e62' + update, 'write');
  t.equal(
    hex(encodeClusterMsg({ kind: 'read', request: 6, chain: 'b', db: 0, args: ['GET', 'k'], nowMs: 2 })),
    '02' + '06' + '0162' + '00' + '02' + '02' + '03474554' + '016b',
    'read',
  );
  t.equal(hex(encodeClusterMsg({ kind: 'result', request: 6, reply: OK })), '03' + '06' + '08024f4b', 'result');
  t.equal(hex(encodeClusterMsg({ kind: 'chain', chain: 'b', bytes: Buffer.from([9, 8]) })), '04' + '0162' + '020908', 'chain');
  t.equal(
    hex(encodeClusterMsg({ kind: 'publish', channel: 'c', message: 'm', sharded: true })),
    '05' + '01' + '0163' + '016d',
    'publish',
  );
  t.same(replyTag, {
    null: 1, bulk: 2, int: 3, negInt: 4, float: 5, bigint: 6, array: 7, status: 8, error: 9, map: 10, pairs: 11,
    set: 12, double: 13, false: 14, true: 15, verbatim: 16, push: 17, nullArray: 18, multi: 19, noReply: 20,
  }, 'reply tags');
  t.same(clusterMsgKind, { write: 1, read: 2, result: 3, chain: 4, publish: 5, results: 6 }, 'message kinds');
  t.same(updateFlag, { watch: 1, aborted: 2 }, 'update flags');
  t.equal(hex(encodeUpdate({ db: 0, nowMs: 1, seed: 0, items: [], aborted: true })), '00' + '01' + '00000000' + '02' + '00', 'aborted update');
  const w = new ByteWriter();
  writeBatchEntry(w, { origin: { node: 'n1', request: 3 }, payload: { db: 0, nowMs: 1, seed: 0, items: [] } });
  writeBatchEntry(w, { origin: { node: 'n2', request: 300 }, payload: { db: 0, nowMs: 1, seed: 0, items: [{ select: 1 }] } });
  t.equal(
    hex(w.take()),
    '026e31' + '03' + '0001000000000000' + '026e32' + 'ac02' + '000100000000' + '00' + '01' + '0201',
    'batch: entries back to back (origin node, request, update)',
  );
  t.equal(
    hex(encodeClusterMsg({ kind: 'results', results: [{ request: 1, reply: OK }, { request: 2, reply: null }] })),
    '06' + '02' + '01' + '08024f4b' + '02' + '01',
    'results',
  );
  t.same(updateItemKind, { command: 1, select: 2 }, 'update item kinds');
});
