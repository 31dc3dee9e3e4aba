// The HyperLogLog family. The hash against an independent 64-bit reference; the engine's
// effects (a new key is one setrange, a dense register change a byte or two, a promotion
// one put, PFCOUNT nothing at all); and interoperability with a real Redis 7.0: HLLs built
// by Redis are moved into Catena with GET/SET (and DUMP/RESTORE) and continued there, and
// the other way round, with every reply compared byte for byte.
import t, { type Test } from 'tap';
import Redis from 'ioredis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient, type RawReply } from './helpers/raw-client';
import { sameHllBytes } from './diff/gen-hll';
import { Keyspace } from '../src/engine/keyspace';
import { Engine } from '../src/engine/engine';
import { applyEffect, type Effect } from '../src/engine/effects';
import type { KeyEvent } from '../src/engine/exec';
import { RawString, isString, stringOf } from '../src/engine/values';
import { keyspaceDigest } from '../src/engine/digest';
import { buildTable } from '../src/commands/table';
import { ErrorReply, StatusReply, type Reply } from '../src/resp/reply';
import { HLL_DENSE_SIZE, murmurHash64ABig } from '../src/engine/hll';

const table = buildTable();

class Node {
  readonly ks = new Keyspace();
  readonly engine = new Engine(this.ks);
  effects: Effect[] = [];
  all: Effect[] = [];
  events: KeyEvent[] = [];
  run(...args: string[]): Reply {
    const spec = table.get((args[0] as string).toLowerCase());
    if (spec === undefined) throw new Error(`no command ${args[0]}`);
    const r = this.engine.apply(spec, args, { nowMs: 1_700_000_000_000, seed: 7, db: 0 });
    this.effects = r.effects;
    this.all.push(...r.effects);
    this.events = r.events;
    return r.reply;
  }
  value(key: string): string | undefined {
    const v = this.ks.db(0).data.get(key);
    return v === undefined ? undefined : isString(v) ? stringOf(v) : '<collection>';
  }
}

function errText(r: Reply): string | null {
  return r instanceof ErrorReply ? r.text : null;
}

function effectBytes(effects: Effect[]): number {
  let n = 0;
  for (const e of effects) {
    if (e.op === 'setrange') n += e.bytes.length;
    else if (e.op === 'put') n += (e.value as RawString).len;
  }
  return n;
}

/** MurmurHash64A exactly as hyperloglog.c writes it, in BigInt: the reference. */
function murmurReference(s: string, seed: bigint): bigint {
  const M = 0xc6a4a7935bd1e995n;
  const mask = (1n << 64n) - 1n;
  const len = s.length;
  let h = (seed ^ (BigInt(len) * M)) & mask;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let b = 7; b >= 0; b--) k = (k << 8n) | BigInt(s.charCodeAt(i + b));
    k = (k * M) & mask;
    k ^= k >> 47n;
    k = (k * M) & mask;
    h ^= k;
    h = (h * M) & mask;
  }
  const rest = len & 7;
  if (rest > 0) {
    for (let b = rest - 1; b >= 0; b--) h ^= BigInt(s.charCodeAt(blocks + b)) << BigInt(8 * b);
    h = (h * M) & mask;
  }
  h ^= h >> 47n;
  h = (h * M) & mask;
  h ^= h >> 47n;
  return h;
}

t.test('MurmurHash64A in 32-bit halves equals the 64-bit reference', async (t) => {
  let seed = 99;
  const rand = (k: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % k;
  };
  let bad = 0;
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const len = i % 41;
    for (let j = 0; j < len; j++) s += String.fromCharCode(i % 3 === 0 ? 255 - rand(3) : rand(256));
    if (murmurHash64ABig(s) !== murmurReference(s, 0xadc83b19n)) bad++;
  }
  t.equal(bad, 0, '3000 strings of 0..40 bytes hash alike');
  t.equal(murmurHash64ABig('', 0), murmurReference('', 0n));
  t.not(murmurHash64ABig('a'), murmurHash64ABig('b'), 'the test can tell hashes apart');
});

t.test('engine: PFADD effects are sized by the change', async (t) => {
  const n = new Node();
  t.equal(n.run('PFADD', 'h', 'a', 'b', 'c'), 1);
  t.equal(n.effects.length, 1, 'a new key is one setrange');
  t.match(n.effects[0], { op: 'setrange', offset: 0 });
  t.ok(n.ks.db(0).data.get('h') instanceof RawString, 'OBJECT ENCODING raw, as createHLLObject');
  t.same(n.events.map((e) => e.event + e.cls), ['newn', 'pfadd$']);
  t.equal(n.run('PFADD', 'h', 'a'), 0);
  t.same(n.effects, [], 'no register grew: nothing to replicate');
  t.same(n.events, []);
  // A sparse edit shifts the opcodes after it: it sends them from the change on, never the
  // header again (the cache is already marked stale) and, on average, half the opcodes.
  for (let i = 0; i < 300; i++) n.run('PFADD', 'h', `s${i}`);
  let sent = 0;
  let body = 0;
  for (let i = 0; i < 50; i++) {
    t.equal(n.run('PFADD', 'h', `t${i}`), 1);
    if (!n.effects.every((e) => e.op === 'setrange' && e.offset >= 16)) t.fail('a sparse update resends the header');
    sent += effectBytes(n.effects);
    body += (n.value('h')?.length ?? 0) - 16;
  }
  t.ok(sent < body * 0.75, `50 sparse updates sent ${sent} bytes of ${body} opcode bytes`);

  for (let i = 0; i < 3000; i++) n.run('PFADD', 'h', `x${i}`);
  t.equal(n.value('h')?.length, HLL_DENSE_SIZE, 'promoted to dense');
  t.ok(
    n.all.some((e) => e.op === 'put' && e.key === 'h'),
    'the promotion is one put of the dense value',
  );
  let grew = 0;
  for (let i = 0; i < 200; i++) {
    if (n.run('PFADD', 'h', `y${i}`) === 1) {
      grew++;
      t.ok(effectBytes(n.effects) <= 2 && n.effects.every((e) => e.op === 'setrange'), 'a dense register change is one or two bytes');
    }
  }
  t.ok(grew > 10, `${grew} dense updates checked`);

  const before = n.value('h');
  const count = n.run('PFCOUNT', 'h');
  t.ok(typeof count === 'number' && count > 3450 && count < 3650, `PFCOUNT ${String(count)} of 3554 elements`);
  t.same(n.effects, [], 'PFCOUNT is a read: no effects...');
  t.equal(n.value('h'), before, '...and the value is untouched (the cache stays marked stale)');
  t.equal(n.run('PFMERGE', 'm', 'h', 'missing'), n.run('PFMERGE', 'm', 'h'));
  t.equal(n.run('PFCOUNT', 'm'), count);
  t.equal(n.run('PFCOUNT', 'h', 'm', 'missing'), count, 'the union of equal sets');
  const replay = new Keyspace();
  for (const e of n.all) applyEffect(replay, e);
  t.equal(keyspaceDigest(replay), keyspaceDigest(n.ks), 'the effects replay to the same keyspace');
});

t.test('engine: invalid values, corrupt values and PFDEBUG', async (t) => {
  const n = new Node();
  n.run('SET', 's', 'not an hll');
  n.run('RPUSH', 'l', 'x');
  const notHll = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
  t.equal(errText(n.run('PFADD', 's', 'a')), notHll);
  t.equal(errText(n.run('PFCOUNT', 's')), notHll);
  t.equal(errText(n.run('PFCOUNT', 'missing', 's')), notHll);
  t.equal(errText(n.run('PFMERGE', 'd', 's')), notHll);
  t.equal(n.value('d'), undefined, 'PFMERGE checks every source before creating destkey');
  t.equal(errText(n.run('PFADD', 'l', 'a')), 'WRONGTYPE Operation against a key holding the wrong kind of value');
  // Dense must be exactly 12304 bytes; sparse opcodes must cover 16384 registers.
  n.run('SET', 'shortdense', 'HYLL' + '\x00'.repeat(12299));
  t.equal(errText(n.run('PFCOUNT', 'shortdense')), notHll);
  n.run('SET', 'corrupt', 'HYLL\x01\x00\x00\x00' + '\x00\x00\x00\x00\x00\x00\x00\x80' + '\x7f\xfe');
  t.equal(errText(n.run('PFCOUNT', 'corrupt')), 'INVALIDOBJ Corrupted HLL object detected');
  t.equal(errText(n.run('PFCOUNT', 'corrupt', 'missing')), 'INVALIDOBJ Corrupted HLL object detected');
  n.run('SET', 'cached', 'HYLL\x01\x00\x00\x00' + '\x2a\x00\x00\x00\x00\x00\x00\x00' + '\x7f\xfe');
  t.equal(n.run('PFCOUNT', 'cached'), 42, 'a valid cached cardinality is answered without reading the registers');
  n.run('PFADD', 'h', 'a');
  t.same(n.run('PFDEBUG', 'ENCODING', 'h'), new StatusReply('sparse'));
  t.equal(n.run('PFDEBUG', 'decode', 'h'), 'Z:12711 v:2,1 Z:3672');
  t.equal(errText(n.run('PFDEBUG', 'NOPE', 'h')), "ERR Unknown PFDEBUG subcommand 'NOPE'");
  t.equal(errText(n.run('PFDEBUG', 'ENCODING', 'missing')), 'ERR The specified key does not exist');
  t.equal(n.run('PFDEBUG', 'TODENSE', 'h'), 1);
  t.equal(n.run('PFDEBUG', 'TODENSE', 'h'), 0);
  t.equal(errText(n.run('PFDEBUG', 'DECODE', 'h')), 'ERR HLL encoding is not sparse');
  const regs = n.run('PFDEBUG', 'GETREG', 'h') as number[];
  t.equal(regs.length, 16384);
  t.equal(regs.filter((r) => r !== 0).length, 1);
  t.equal(n.run('PFCOUNT', 'h'), 1);
});

t.test('engine: PFSELFTEST passes', async (t) => {
  const n = new Node();
  t.same(n.run('PFSELFTEST'), new StatusReply('OK'));
});

/** Send the same command to both servers; the two raw replies. */
async function both(a: RawClient, b: RawClient, args: string[]): Promise<[RawReply, RawReply]> {
  a.send(args);
  b.send(args);
  return [await a.read(), await b.read()];
}

function bulkBytes(r: RawReply): string {
  if (typeof r.value !== 'string') throw new Error(`not a bulk string: ${r.raw.slice(0, 40)}`);
  return r.value;
}

/** Elements a0..a(n-1) of a family. */
function elements(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** Build HLLs of every shape on `port`: sparse small and large, dense, dense with a valid cache. */
async function build(port: number): Promise<Map<string, string>> {
  const cl = await RawClient.connect(port);
  try {
    const cmds: string[][] = [['FLUSHALL'], ['PFADD', 'small', ...elements('e', 10)], ['PFADD', 'tiny', 'a'], ['PFADD', 'mid', ...elements('m', 900)]];
    for (let i = 0; i < 30000; i += 1000) cmds.push(['PFADD', 'big', ...elements(`b${i}-`, 1000)]);
    cmds.push(['PFADD', 'cached', ...elements('c', 5000)], ['PFCOUNT', 'cached']);
    cl.send(...cmds);
    for (let i = 0; i < cmds.length; i++) await cl.read();
    const out = new Map<string, string>();
    for (const k of ['small', 'tiny', 'mid', 'big', 'cached']) out.set(k, bulkBytes(await (cl.send(['GET', k]), cl.read())));
    return out;
  } finally {
    cl.close();
  }
}

/** The same operations on two servers holding the same HLLs: every reply must agree. */
async function continueOnBoth(t: Test, a: RawClient, b: RawClient, label: string): Promise<void> {
  const steps: string[][] = [
    ['PFDEBUG', 'ENCODING', 'small'],
    ['PFDEBUG', 'ENCODING', 'mid'],
    ['PFDEBUG', 'ENCODING', 'big'],
    ['PFCOUNT', 'small'],
    ['PFCOUNT', 'tiny'],
    ['PFCOUNT', 'mid'],
    ['PFCOUNT', 'big'],
    ['PFCOUNT', 'cached'],
    ['PFCOUNT', 'small', 'mid', 'big', 'cached', 'missing'],
    ['PFADD', 'small', ...elements('e', 20)],
    ['PFADD', 'tiny', 'a'],
    ['PFADD', 'mid', ...elements('n', 1500)],
    ['PFDEBUG', 'ENCODING', 'mid'],
    ['PFADD', 'big', ...elements('z', 50)],
    ['PFADD', 'cached', 'c1'],
    ['PFCOUNT', 'cached'],
    ['PFADD', 'cached', 'new-element'],
    ['PFCOUNT', 'small'],
    ['PFCOUNT', 'mid'],
    ['PFCOUNT', 'big'],
    ['PFCOUNT', 'cached'],
    ['PFMERGE', 'm', 'small', 'tiny', 'mid'],
    ['PFDEBUG', 'ENCODING', 'm'],
    ['PFCOUNT', 'm'],
    ['PFMERGE', 'm', 'big', 'cached'],
    ['PFCOUNT', 'm'],
    ['PFMERGE', 'small', 'tiny'],
    ['PFDEBUG', 'DECODE', 'tiny'],
    ['GET', 'small'],
    ['GET', 'tiny'],
    ['GET', 'mid'],
    ['GET', 'big'],
    ['GET', 'cached'],
    ['GET', 'm'],
    ['STRLEN', 'm'],
  ];
  let same = 0;
  for (const args of steps) {
    const [x, y] = await both(a, b, args);
    const ok = args[0] === 'GET' ? sameHllBytes(x, y) : x.raw === y.raw;
    if (ok) same++;
    else t.fail(`${label}: ${args.slice(0, 3).join(' ')}`, { catena: x.raw.slice(0, 200), redis: y.raw.slice(0, 200) });
  }
  t.equal(same, steps.length, `${label}: ${steps.length} replies agree`);
}

t.test('HLLs built by Redis continue in Catena (GET/SET), and the other way round', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  for (const proto of [2, 3]) {
    for (const [from, to, label] of [
      [redis.port, cat.port, 'Redis → Catena'],
      [cat.port, redis.port, 'Catena → Redis'],
    ] as const) {
      const values = await build(from);
      t.ok((values.get('big') as string).length === HLL_DENSE_SIZE && (values.get('mid') as string).length < 3000, 'both encodings are moved');
      const a = await RawClient.connect(cat.port);
      const b = await RawClient.connect(redis.port);
      try {
        if (proto === 3) await both(a, b, ['HELLO', '3']);
        // Give both servers the bytes the source built (the source keeps its own copy).
        const dst = to === cat.port ? a : b;
        const src = to === cat.port ? b : a;
        dst.send(['FLUSHALL']);
        await dst.read();
        for (const [k, v] of values) {
          dst.send(['SET', k, v]);
          await dst.read();
          const [x, y] = await both(a, b, ['GET', k]);
          t.equal(x.raw, y.raw, `${k}: the same bytes on both sides`);
        }
        t.ok(src !== dst);
        await continueOnBoth(t, a, b, `${label} RESP${proto}`);
      } finally {
        a.close();
        b.close();
      }
    }
  }
});

t.test('HLLs move with DUMP/RESTORE both ways', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const a = await RawClient.connect(cat.port);
  const b = await RawClient.connect(redis.port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  await both(a, b, ['FLUSHALL']);
  for (let i = 0; i < 20000; i += 1000) await both(a, b, ['PFADD', 'dense', ...elements(`d${i}-`, 1000)]);
  await both(a, b, ['PFADD', 'sparse', ...elements('s', 300)]);
  for (const k of ['dense', 'sparse']) {
    const fromRedis = bulkBytes(await (b.send(['DUMP', k]), b.read()));
    const fromCatena = bulkBytes(await (a.send(['DUMP', k]), a.read()));
    a.send(['RESTORE', `${k}-r`, '0', fromRedis]);
    t.equal((await a.read()).raw, '+OK\r\n', `Catena restores Redis's DUMP of ${k}`);
    b.send(['RESTORE', `${k}-c`, '0', fromCatena]);
    t.equal((await b.read()).raw, '+OK\r\n', `Redis restores Catena's DUMP of ${k}`);
    const expected = (await (b.send(['PFCOUNT', k]), b.read())).raw;
    t.equal((await (a.send(['PFCOUNT', `${k}-r`]), a.read())).raw, expected, `PFCOUNT ${k} after RESTORE in Catena`);
    t.equal((await (b.send(['PFCOUNT', `${k}-c`]), b.read())).raw, expected, `PFCOUNT ${k} after RESTORE in Redis`);
    t.equal((await (a.send(['PFCOUNT', k]), a.read())).raw, expected, `PFCOUNT ${k} built in each`);
    const [g1, g2] = await both(a, b, ['GET', k]);
    t.ok(sameHllBytes(g1, g2), `${k}: the same registers`);
  }
});

t.test('hll-sparse-max-bytes moves the promotion point as in Redis', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const a = await RawClient.connect(cat.port);
  const b = await RawClient.connect(redis.port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  await both(a, b, ['FLUSHALL']);
  for (const limit of ['40', '100', '6000']) {
    await both(a, b, ['CONFIG', 'SET', 'hll-sparse-max-bytes', limit]);
    for (let n = 1; n <= 1601; n += 100) {
      const key = `k${limit}`;
      await both(a, b, ['PFADD', key, ...elements(`${n}-`, 100)]);
      const [x, y] = await both(a, b, ['PFDEBUG', 'ENCODING', key]);
      t.equal(x.raw, y.raw, `limit ${limit}, ${n + 99} elements: ${y.raw.trim()}`);
      const [g1, g2] = await both(a, b, ['GET', key]);
      if (!sameHllBytes(g1, g2)) t.fail(`limit ${limit}: GET differs after ${n + 99} elements`);
    }
  }
  await both(a, b, ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
});

t.test("PFCOUNT does not write the cache back (Catena's reads never change state)", async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const a = await RawClient.connect(cat.port);
  const b = await RawClient.connect(redis.port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  await both(a, b, ['PFADD', 'h', ...elements('x', 100)]);
  const [c1, c2] = await both(a, b, ['PFCOUNT', 'h']);
  t.equal(c1.raw, c2.raw, 'the same count');
  const [g1, g2] = await both(a, b, ['GET', 'h']);
  const cat15 = bulkBytes(g1).charCodeAt(15);
  const redis15 = bulkBytes(g2).charCodeAt(15);
  t.equal(redis15 & 0x80, 0, 'Redis stored the count and cleared the stale flag');
  t.equal(cat15 & 0x80, 0x80, 'Catena left the value as PFADD made it');
  t.ok(sameHllBytes(g1, g2), 'every other byte is the same');
});

/** The keyspace events a pattern subscriber receives for `writes` on one server. */
async function eventsFor(port: number, writes: string[][]): Promise<string[]> {
  const sub = await RawClient.connect(port);
  const cl = await RawClient.connect(port);
  try {
    cl.send(['FLUSHALL'], ['CONFIG', 'SET', 'notify-keyspace-events', 'KEAnm']);
    await cl.read();
    await cl.read();
    sub.send(['PSUBSCRIBE', '__keyevent@0__:*', 'sentinel']);
    await sub.read();
    await sub.read();
    cl.send(...writes);
    for (let i = 0; i < writes.length; i++) await cl.read();
    cl.send(['PUBLISH', 'sentinel', 'end'], ['CONFIG', 'SET', 'notify-keyspace-events', '']);
    await cl.read();
    await cl.read();
    const got: string[] = [];
    for (;;) {
      const m = await sub.read();
      if (m.raw.includes('sentinel')) break;
      got.push(m.raw);
    }
    return got;
  } finally {
    sub.close();
    cl.close();
  }
}

t.test('keyspace events are the ones Redis 7.0 raises', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server to compare with');
  const cat = await startCatena(t);
  const writes = [
    ['PFADD', 'h', 'a', 'b'],
    ['PFADD', 'h', 'a'],
    ['PFADD', 'h'],
    ['PFADD', 'new'],
    ['PFMERGE', 'm', 'h', 'missing'],
    ['PFMERGE', 'm'],
    ['PFCOUNT', 'h', 'missing'],
    ['PFCOUNT', 'missing'],
    ['PFDEBUG', 'TODENSE', 'h'],
    ['PFDEBUG', 'ENCODING', 'missing'],
    ['SET', 'bad', 'x'],
    ['PFADD', 'bad', 'x'],
  ];
  const expected = await eventsFor(redis.port, writes);
  t.same(await eventsFor(cat.port, writes), expected);
  t.ok(expected.length >= 10, `the comparison is not vacuous (${expected.length} events)`);
});

t.test('ioredis: PFADD, PFCOUNT, PFMERGE with binary elements over a real socket', async (t) => {
  const cat = await startCatena(t);
  const r = new Redis(cat.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
  t.teardown(() => r.disconnect());
  const bin = (i: number) => Buffer.from([i & 255, 0, 13, 10, (i >> 8) & 255]);
  t.equal(await r.pfadd('a', ...Array.from({ length: 500 }, (_, i) => bin(i))), 1);
  t.equal(await r.pfadd('b', ...Array.from({ length: 500 }, (_, i) => bin(i + 250))), 1);
  const ca = await r.pfcount('a');
  t.ok(Math.abs(ca - 500) < 25, `PFCOUNT a = ${ca}`);
  const union = await r.pfcount('a', 'b');
  t.ok(Math.abs(union - 750) < 40, `PFCOUNT a b = ${union}`);
  t.equal(await r.pfmerge('u', 'a', 'b'), 'OK');
  t.equal(await r.pfcount('u'), union);
  t.equal(await r.type('u'), 'string');
  t.equal(await r.call('OBJECT', 'ENCODING', 'u'), 'raw');
});
