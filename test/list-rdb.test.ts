// DUMP/RESTORE of lists in Redis 7.0's RDB formats (src/engine/types/list-rdb.ts). Units: the
// listpack writer against hash.ts's encodeListpack, the quicklist node split of
// quicklistPushTail (list-max-listpack-size, SIZE_SAFETY_LIMIT, packed_threshold), round trips,
// corrupt payloads. Against a real Redis 7.0: DUMP byte-identical for lists built by RPUSH
// under every list-max-listpack-size; Redis's payloads (RPUSH-, LPUSH- and edit-built node
// splits, LZF-compressed nodes under list-compress-depth) restore here; ours restore there and
// Redis, which keeps loaded nodes as they are, DUMPs them back byte for byte; hand-made
// payloads of the older encodings (QUICKLIST, ZIPLIST, LIST) and PLAIN nodes load alike on
// both; malformed payloads, TTLs, TYPE, OBJECT ENCODING and SCAN TYPE answer as Redis does.
import t from 'tap';
import type { Test } from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { crc64LE } from '../src/engine/crc64';
import { RdbReader, RdbType, RdbWriter, createDumpPayload, loadDumpPayload, rdbVersion, verifyDumpPayload } from '../src/engine/rdb';
import { defaultEncodingLimits } from '../src/engine/keyspace';
import { Rng } from '../src/engine/rng';
import { ListValue } from '../src/engine/types/list';
import { decodeListpack, encodeListpack } from '../src/engine/types/hash';
import { listpackEntryBytes, quicklistNodesByPushTail, writeListpack, writeQuicklist } from '../src/engine/types/list-rdb';

// ---------------------------------------------------------------------------------------------
// Payload builders.

function withFooter(body: Buffer, version = rdbVersion): Buffer {
  const v = Buffer.concat([body, Buffer.from([version & 0xff, version >> 8])]);
  return Buffer.concat([v, crc64LE(v)]);
}

/** A DUMP payload (latin1) of object `type` whose body `write` produces. */
function payload(type: number, write: (w: RdbWriter) => void, version = rdbVersion): string {
  const w = new RdbWriter();
  w.byte(type);
  write(w);
  return withFooter(Buffer.from(w.result()), version).toString('latin1');
}

const latin1 = (b: Buffer): string => b.toString('latin1');

/** A ziplist (ziplist.c, Redis before 7.0) of `items`, integers encoded as zipTryEncoding does. */
function ziplist(items: readonly string[]): Buffer {
  const entries: Buffer[] = [];
  let prevlen = 0;
  let tail = 10;
  let off = 10;
  for (const s of items) {
    const prev = prevlen < 254 ? Buffer.from([prevlen]) : Buffer.concat([Buffer.from([0xfe]), u32le(prevlen)]);
    let body: Buffer;
    const n = s.length > 0 && s.length < 32 && /^(0|-?[1-9][0-9]*)$/.test(s) ? BigInt(s) : null;
    if (n !== null && n >= -(2n ** 63n) && n < 2n ** 63n) {
      const v = Number(n);
      if (n >= 0n && n <= 12n) body = Buffer.from([0xf1 + v]);
      else if (n >= -128n && n <= 127n) body = Buffer.from([0xfe, v & 0xff]);
      else if (n >= -32768n && n <= 32767n) body = int(0xc0, 2, n);
      else if (n >= -8388608n && n <= 8388607n) body = int(0xf0, 3, n);
      else if (n >= -2147483648n && n <= 2147483647n) body = int(0xd0, 4, n);
      else body = int(0xe0, 8, n);
    } else {
      const data = Buffer.from(s, 'latin1');
      const len = data.length;
      const head =
        len <= 0x3f ? Buffer.from([len]) : len <= 0x3fff ? Buffer.from([0x40 | (len >> 8), len & 0xff]) : Buffer.concat([Buffer.from([0x80]), u32be(len)]);
      body = Buffer.concat([head, data]);
    }
    const e = Buffer.concat([prev, body]);
    entries.push(e);
    tail = off;
    off += e.length;
    prevlen = e.length;
  }
  const total = off + 1;
  const head = Buffer.alloc(10);
  head.writeUInt32LE(total, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(Math.min(items.length, 65535), 8);
  return Buffer.concat([head, ...entries, Buffer.from([0xff])]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}
function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}
function int(tag: number, bytes: number, v: bigint): Buffer {
  const b = Buffer.alloc(1 + 8);
  b[0] = tag;
  b.writeBigInt64LE(v, 1);
  return b.subarray(0, 1 + bytes);
}

/** The node count of a QUICKLIST_2 payload. */
function nodeCount(p: string): number {
  return new RdbReader(Buffer.from(p, 'latin1'), 1).plainLength();
}

function limitsWith(fill: number) {
  return { ...defaultEncodingLimits, listMaxListpackSize: fill };
}

/** Strings of every kind a listpack encodes differently. */
function sampleElements(): string[] {
  const out = [
    '', '0', '1', '12', '13', '127', '128', '-1', '-128', '-129', '4095', '4096', '-4096', '-4097', '32767', '32768', '-32768',
    '-32769', '8388607', '8388608', '-8388608', '-8388609', '2147483647', '2147483648', '-2147483648', '-2147483649',
    '9223372036854775807', '-9223372036854775808', '9223372036854775808', '007', '-0', '+1', ' 1', '1.5', '1e3',
    'hello', 'a'.repeat(63), 'a'.repeat(64), 'b'.repeat(125), 'b'.repeat(126), 'c'.repeat(4095), 'c'.repeat(4096),
    'd'.repeat(16377), 'd'.repeat(16378), '\x00\xff\x80'.repeat(30),
  ];
  const rng = new Rng(0x11);
  for (let i = 0; i < 40; i++) {
    const len = rng.int(i < 20 ? 100 : 3000);
    let s = '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(i % 2 === 0 ? 97 + rng.int(4) : rng.int(256));
    out.push(s);
  }
  return out;
}

function randomStrings(seed: number, n: number, maxLen: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const len = rng.int(maxLen);
    let s = '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(97 + rng.int(26));
    return s;
  });
}

function randomBytes(seed: number, n: number, len: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    let s = '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(rng.int(256));
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// Units.

t.test('writeListpack writes the bytes of encodeListpack, and they decode back', async (t) => {
  const items = sampleElements();
  const size = (xs: readonly string[]) => 7 + xs.reduce((n, s) => n + listpackEntryBytes(s), 0);
  for (const s of items) {
    const mine = writeListpack([s], 0, 1, size([s]));
    t.same(mine, encodeListpack([s]), `one entry ${JSON.stringify(s.slice(0, 24))} (${s.length} bytes)`);
  }
  const all = writeListpack(items, 0, items.length, size(items));
  t.same(all, encodeListpack(items), 'all of them in one listpack');
  t.same(decodeListpack(all), items, 'decodeListpack reads them back');
  t.same(writeListpack(['x', ...items, 'y'], 1, items.length, size(items)), all, 'a slice of a longer array');
  const many = Array.from({ length: 70000 }, (_, i) => String(i % 100));
  const big = writeListpack(many, 0, many.length, size(many));
  t.equal(big.readUInt16LE(4), 65535, 'more than 65534 entries: the header count saturates');
  t.same(big, encodeListpack(many));
  t.throws(() => writeListpack(['abc'], 0, 1, 20), /planned 20/, 'a wrong planned size is a bug, not a payload');
});

t.test('quicklistNodesByPushTail: the node split of quicklistPushTail', async (t) => {
  const counts = (items: string[], fill: number, threshold?: number) => quicklistNodesByPushTail(items, fill, threshold).map((n) => n.count);
  const ones = Array<string>(5000).fill('1');
  // 7 + 2n + (1 + SIZE_ESTIMATE_OVERHEAD) <= 8192 admits a 4089th entry: a 8185-byte node.
  t.same(counts(ones, -2), [4089, 911], 'fill -2: 8 KB nodes');
  t.same(quicklistNodesByPushTail(ones, -2).map((n) => n.bytes), [8185, 1829], 'lpBytes of each node');
  t.same(counts(ones, -1), [2041, 2041, 918], 'fill -1: 4 KB nodes');
  t.same(counts(ones, -5), [5000], 'fill -5: 64 KB nodes');
  t.same(counts(ones, -100), counts(ones, -5), 'a fill below -5 is -5 (quicklistSetFill)');
  t.same(counts(ones, 5), Array<number>(1000).fill(5), 'fill 5: five entries a node');
  t.same(counts(ones, 0), Array<number>(5000).fill(1), 'fill 0: one entry a node');
  t.same(counts(ones, 1_000_000), [4089, 911], 'a count limit stops at SIZE_SAFETY_LIMIT');
  const wide = Array<string>(7).fill('w'.repeat(3000));
  t.same(counts(wide, 5), [2, 2, 2, 1], 'a count limit with 3000-byte entries: two fit under 8 KB');
  t.same(counts(['a', 'b'.repeat(10000), 'c', 'd'], -2), [1, 1, 2], 'an entry bigger than the limit gets a node of its own');
  const plain = quicklistNodesByPushTail(['a', 'x'.repeat(100), 'b', 'c', 'y'.repeat(150)], -2, 100);
  t.same(
    plain.map((n) => [n.count, n.plain]),
    [[1, false], [1, true], [2, false], [1, true]],
    'elements at packed_threshold get PLAIN nodes; the next push opens a new node',
  );
});

t.test('DUMP round trips through RESTORE for every fill', async (t) => {
  const lists = [['a'], sampleElements(), Array<string>(20000).fill('1'), randomStrings(3, 3000, 40), randomStrings(4, 200, 9000)];
  for (const fill of [-2, -1, -5, 0, 3, 128]) {
    for (const items of lists) {
      const p = createDumpPayload(new ListValue(items), limitsWith(fill)) as Buffer;
      t.equal(p[0], RdbType.listQuicklist2, 'written as QUICKLIST_2');
      t.ok(verifyDumpPayload(p));
      const back = loadDumpPayload(p);
      t.ok(back instanceof ListValue && back.encoding() === 'quicklist');
      t.same((back as ListValue).toArray(), items, `fill ${fill}, ${items.length} elements`);
    }
  }
  t.equal(nodeCount(latin1(createDumpPayload(new ListValue(Array<string>(5000).fill('1'))) as Buffer)), 2, 'without limits: Redis defaults');
});

t.test('the older list encodings load', async (t) => {
  const items = sampleElements();
  const ql2 = (it: string[], threshold: number) => payload(RdbType.listQuicklist2, (w) => writeQuicklist(w, it, quicklistNodesByPushTail(it, -2, threshold)));
  const cases: Array<[string, string]> = [
    ['QUICKLIST_2 with PLAIN nodes', ql2(items, 100)],
    ['QUICKLIST (ziplist nodes)', payload(RdbType.listQuicklist, (w) => {
      w.length(3);
      w.string(latin1(ziplist(items.slice(0, 20))));
      w.string(latin1(ziplist([])));
      w.string(latin1(ziplist(items.slice(20))));
    }, 9)],
    ['ZIPLIST', payload(RdbType.listZiplist, (w) => w.string(latin1(ziplist(items))), 6)],
    ['LIST', payload(RdbType.list, (w) => {
      w.length(items.length);
      for (const s of items) w.string(s);
    }, 6)],
  ];
  for (const [name, p] of cases) {
    const v = loadDumpPayload(Buffer.from(p, 'latin1'));
    t.ok(v instanceof ListValue, name);
    t.same((v as ListValue).toArray(), items, `${name}: the elements, in order`);
  }
});

/** Payloads Redis refuses too ("Bad data format"), checked against it below. */
function shallowCorruptPayloads(): Array<[string, string]> {
  const lp = encodeListpack(['a', 'b', '7']);
  const badSize = Buffer.from(lp);
  badSize.writeUInt32LE(lp.length + 1, 0);
  const noEnd = Buffer.from(lp);
  noEnd[noEnd.length - 1] = 0xfe;
  const ql2 = (nodes: Array<[number, string]>, count = nodes.length) =>
    payload(RdbType.listQuicklist2, (w) => {
      w.length(count);
      for (const [c, data] of nodes) {
        w.length(c);
        w.string(data);
      }
    });
  const zl = ziplist(['a', 'b']);
  const zlBadSize = Buffer.from(zl);
  zlBadSize.writeUInt32LE(zl.length + 3, 0);
  return [
    ['no nodes', ql2([])],
    ['container 0', ql2([[0, latin1(lp)]])],
    ['container 3', ql2([[3, latin1(lp)]])],
    ['an empty PACKED node', ql2([[2, '']])],
    ['an empty PLAIN node', ql2([[1, '']])],
    ['a listpack whose total size is wrong', ql2([[2, latin1(badSize)]])],
    ['a listpack without its terminator', ql2([[2, latin1(noEnd)]])],
    ['only empty listpacks', ql2([[2, latin1(encodeListpack([]))], [2, latin1(encodeListpack([]))]])],
    ['more nodes announced than written', ql2([[2, latin1(lp)], [2, latin1(lp)]], 3)],
    ['a truncated node', payload(RdbType.listQuicklist2, (w) => {
      w.length(1);
      w.length(2);
      w.length(200);
      w.latin1('abc');
    })],
    ['QUICKLIST: no nodes', payload(RdbType.listQuicklist, (w) => w.length(0))],
    ['QUICKLIST: an empty ziplist only', payload(RdbType.listQuicklist, (w) => {
      w.length(1);
      w.string(latin1(ziplist([])));
    })],
    ['QUICKLIST: a ziplist whose size is wrong', payload(RdbType.listQuicklist, (w) => {
      w.length(1);
      w.string(latin1(zlBadSize));
    })],
    ['ZIPLIST: empty', payload(RdbType.listZiplist, (w) => w.string(latin1(ziplist([]))))],
    ['ZIPLIST: size is wrong', payload(RdbType.listZiplist, (w) => w.string(latin1(zlBadSize)))],
    ['LIST: no elements', payload(RdbType.list, (w) => w.length(0))],
    ['LIST: fewer elements than announced', payload(RdbType.list, (w) => {
      w.length(1000);
      w.string('a');
    })],
  ];
}

t.test('malformed list payloads load as nothing ("Bad data format")', async (t) => {
  for (const [name, p] of shallowCorruptPayloads()) t.equal(loadDumpPayload(Buffer.from(p, 'latin1')), null, name);
  // Corrupt inside a listpack: Redis checks only the header unless sanitize-dump-payload is
  // yes (and may then crash on use); Catena validates every entry and refuses.
  const lp = encodeListpack(['abc', '1000', 'xyz']);
  const deep: Array<[string, Buffer]> = [];
  const badBacklen = Buffer.from(lp);
  badBacklen[6 + 4] = 9;
  deep.push(['a wrong backlen', badBacklen]);
  const badCount = Buffer.from(lp);
  badCount.writeUInt16LE(5, 4);
  deep.push(['a wrong entry count', badCount]);
  const overrun = Buffer.from(lp);
  overrun[6] = 0x80 | 40;
  deep.push(['an entry running past the end', overrun]);
  const badEnc = Buffer.from(lp);
  badEnc[6] = 0xf5;
  deep.push(['an unknown entry encoding', badEnc]);
  for (const [name, blob] of deep) {
    const p = payload(RdbType.listQuicklist2, (w) => {
      w.length(1);
      w.length(2);
      w.string(latin1(blob));
    });
    t.equal(loadDumpPayload(Buffer.from(p, 'latin1')), null, name);
  }
  const good = payload(RdbType.listQuicklist2, (w) => {
    w.length(2);
    w.length(2);
    w.string(latin1(encodeListpack([])));
    w.length(2);
    w.string(latin1(lp));
  });
  t.same((loadDumpPayload(Buffer.from(good, 'latin1')) as ListValue).toArray(), ['abc', '1000', 'xyz'], 'an empty listpack among others is skipped, as Redis');
});

// ---------------------------------------------------------------------------------------------
// Against Redis 7.0.

interface Pair {
  a: RawClient;
  b: RawClient;
}

async function pair(t: Test): Promise<Pair | null> {
  const redis = await startRedis(t);
  if (redis === null) return null;
  const catena = await startCatena(t);
  const a = await RawClient.connect(catena.port);
  const b = await RawClient.connect(redis.port, redis.host);
  t.teardown(async () => {
    // A shared REDIS_URL server gets its defaults back.
    await b.call('CONFIG', 'SET', 'list-max-listpack-size', '-2');
    await b.call('CONFIG', 'SET', 'list-compress-depth', '0');
    a.close();
    b.close();
  });
  return { a, b };
}

async function both(p: Pair, cmd: string[]): Promise<[string, string]> {
  return [await p.a.call(...cmd), await p.b.call(...cmd)];
}

async function bulk(c: RawClient, ...cmd: string[]): Promise<string> {
  c.send(cmd);
  const r = await c.read();
  if (typeof r.value !== 'string') throw new Error(`${cmd[0]}: ${r.raw.slice(0, 80)}`);
  return r.value;
}

/** Elements LZF compresses well, so Redis's list-compress-depth really compresses nodes. */
function repetitive(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `user:${i % 300}:name`);
}

/** Lists built by RPUSH alone: small ints, short and long strings, many nodes. */
function rpushScenarios(): Array<[string, string[][]]> {
  const longs = randomStrings(7, 300, 9000);
  return [
    ['one element', [['RPUSH', 'l', 'x']]],
    ['small ints', [['RPUSH', 'l', ...Array.from({ length: 9000 }, (_, i) => String(i % 128))]]],
    ['ints of every width', [['RPUSH', 'l', ...Array.from({ length: 3000 }, (_, i) => String((i % 2 ? -1 : 1) * Math.floor(1.7 ** (i % 80))))]]],
    ['every element kind', [['RPUSH', 'l', ...sampleElements()]]],
    ['short strings', [['RPUSH', 'l', ...randomStrings(5, 20000, 12)]]],
    ['repetitive (compressible)', [['RPUSH', 'l', ...repetitive(20000)]]],
    ['long strings', [['RPUSH', 'l', ...longs.slice(0, 150)], ['RPUSH', 'l', ...longs.slice(150)]]],
    ['one by one', Array.from({ length: 2500 }, (_, i) => ['RPUSH', 'l', `item:${i}`])],
    ['incompressible', [['RPUSH', 'l', ...randomBytes(9, 40, 3000)]]],
    ['entries around 8 KB', [['RPUSH', 'l', 'a', 'b'.repeat(20000), 'c', 'd'.repeat(8180), 'e'.repeat(8170), 'f', 'g'.repeat(70000), 'h']]],
  ];
}

t.test('DUMP of a list built by RPUSH is byte-identical to Redis 7.0, for every list-max-listpack-size', async (t) => {
  const p = await pair(t);
  if (p === null) return t.plan(0, 'no redis-server to compare with');
  let identical = 0;
  let total = 0;
  let multiNode = 0;
  for (const fill of ['-2', '-1', '-3', '-5', '0', '4', '128', '100000']) {
    t.same(await both(p, ['CONFIG', 'SET', 'list-max-listpack-size', fill]), ['+OK\r\n', '+OK\r\n']);
    for (const [name, cmds] of rpushScenarios()) {
      await both(p, ['DEL', 'l']);
      for (const cmd of cmds) await both(p, cmd);
      const ours = await bulk(p.a, 'DUMP', 'l');
      const theirs = await bulk(p.b, 'DUMP', 'l');
      total++;
      if (nodeCount(theirs) > 1) multiNode++;
      if (ours === theirs) identical++;
      else t.fail(`fill ${fill}, ${name}: ${nodeCount(ours)} nodes here, ${nodeCount(theirs)} in Redis`);
    }
  }
  t.equal(identical, total, `${identical}/${total} payloads identical`);
  t.ok(multiNode > 40, `${multiNode} of them with more than one node`);
});

/** Histories whose node split only Redis knows: LPUSH, pops, inserts, edits, trims. */
function editedScenarios(): Array<[string, string[][]]> {
  const words = randomStrings(11, 6000, 30);
  return [
    ['LPUSH', [['LPUSH', 'l', ...words]]],
    ['LPUSH and RPUSH', [['LPUSH', 'l', ...words.slice(0, 3000)], ['RPUSH', 'l', ...words.slice(3000)], ['LPUSH', 'l', 'x', 'y']]],
    ['pops', [['RPUSH', 'l', ...words], ['LPOP', 'l', '1500'], ['RPOP', 'l', '700'], ['LPUSH', 'l', 'back']]],
    ['LINSERT and LSET', [
      ['RPUSH', 'l', ...words],
      ['LINSERT', 'l', 'BEFORE', words[2000] as string, 'z'.repeat(5000)],
      ['LSET', 'l', '100', 'q'.repeat(9000)],
      ['LSET', 'l', '4000', '12345'],
    ]],
    ['LREM and LTRIM', [['RPUSH', 'l', ...words, ...words], ['LREM', 'l', '0', words[5] as string], ['LTRIM', 'l', '1000', '-1000']]],
  ];
}

t.test("Redis's payloads RESTORE in Catena, whatever their node split, fill or compression", async (t) => {
  const p = await pair(t);
  if (p === null) return t.plan(0, 'no redis-server to compare with');
  const scenarios = [...rpushScenarios(), ...editedScenarios()];
  const settings: Array<[string, string]> = [['-2', '0'], ['-1', '1'], ['5', '0'], ['-5', '2'], ['0', '1']];
  let restored = 0;
  for (const [fill, depth] of settings) {
    await p.b.call('CONFIG', 'SET', 'list-max-listpack-size', fill);
    await p.b.call('CONFIG', 'SET', 'list-compress-depth', depth);
    for (const [name, cmds] of scenarios) {
      await p.b.call('DEL', 'l');
      for (const cmd of cmds) await p.b.call(...cmd);
      const theirs = await bulk(p.b, 'DUMP', 'l');
      const check = [
        ['RESTORE', 'r', '0', theirs, 'REPLACE'],
        ['TYPE', 'r'],
        ['OBJECT', 'ENCODING', 'r'],
        ['LLEN', 'r'],
        ['LRANGE', 'r', '0', '-1'],
      ];
      const ours: string[] = [];
      const redis: string[] = [];
      for (const cmd of check) [ours[ours.length], redis[redis.length]] = await both(p, cmd);
      const want = await p.b.call('LRANGE', 'l', '0', '-1');
      if (ours.join() === redis.join() && ours[0] === '+OK\r\n' && ours[4] === want) restored++;
      else t.same(ours.map((x) => x.slice(0, 80)), redis.map((x) => x.slice(0, 80)), `fill ${fill}, depth ${depth}, ${name}`);
    }
  }
  t.equal(restored, settings.length * scenarios.length, `${restored} payloads restored alike`);

  // The compression is real: under depth 1 Redis keeps interior nodes LZF-compressed.
  const words = repetitive(20000);
  const usage = async (depth: string) => {
    await p.b.call('CONFIG', 'SET', 'list-compress-depth', depth);
    await p.b.call('CONFIG', 'SET', 'list-max-listpack-size', '-2');
    await p.b.call('DEL', 'c');
    await p.b.call('RPUSH', 'c', ...words);
    return Number((await p.b.call('MEMORY', 'USAGE', 'c', 'SAMPLES', '0')).slice(1));
  };
  const raw = await usage('0');
  const compressed = await usage('1');
  t.ok(compressed < raw / 2, `list-compress-depth 1 compresses Redis's nodes (${compressed} < ${raw} bytes)`);
  const fromCompressed = await bulk(p.b, 'DUMP', 'c');
  t.ok(nodeCount(fromCompressed) > 3, 'several nodes, the interior ones compressed');
  t.equal(await p.a.call('RESTORE', 'c', '0', fromCompressed), '+OK\r\n');
  t.equal(await p.a.call('LRANGE', 'c', '0', '-1'), await p.b.call('LRANGE', 'c', '0', '-1'), 'a compressed quicklist restores');
  t.equal(await bulk(p.a, 'DUMP', 'c'), fromCompressed, "and DUMPs back to Redis's bytes (the depth does not show in a payload)");
});

t.test("Catena's payloads RESTORE in Redis, and Redis DUMPs them back byte for byte", async (t) => {
  const p = await pair(t);
  if (p === null) return t.plan(0, 'no redis-server to compare with');
  let back = 0;
  let sameAsRedis = 0;
  const scenarios = [...rpushScenarios(), ...editedScenarios()];
  for (const fill of ['-2', '-1', '7']) {
    await both(p, ['CONFIG', 'SET', 'list-max-listpack-size', fill]);
    for (const [name, cmds] of scenarios) {
      await both(p, ['DEL', 'l']);
      for (const cmd of cmds) {
        const [x, y] = await both(p, cmd);
        if (x !== y) t.fail(`${name}: ${cmd[0]} answers ${x.slice(0, 40)} here, ${y.slice(0, 40)} in Redis`);
      }
      const ours = await bulk(p.a, 'DUMP', 'l');
      if (ours === (await bulk(p.b, 'DUMP', 'l'))) sameAsRedis++;
      const ok = await p.b.call('RESTORE', 'mine', '0', ours, 'REPLACE');
      const got = await p.b.call('LRANGE', 'mine', '0', '-1');
      const echo = await bulk(p.b, 'DUMP', 'mine');
      if (ok === '+OK\r\n' && got === (await p.a.call('LRANGE', 'l', '0', '-1')) && echo === ours) back++;
      else t.fail(`fill ${fill}, ${name}: Redis answered ${ok.trim()}, ${echo === ours ? 'same' : 'other'} DUMP`);
    }
  }
  t.equal(back, scenarios.length * 3, 'every payload restores in Redis and comes back unchanged');
  // Identical to Redis's own DUMP: every RPUSH-built list, and the edited ones that happen to
  // keep RPUSH's split. LPUSH-built and edited lists may differ (see list-rdb.ts).
  t.ok(sameAsRedis >= rpushScenarios().length * 3, `${sameAsRedis}/${scenarios.length * 3} identical to Redis's own DUMP`);
});

t.test('hand-made payloads of every list encoding load alike in both', async (t) => {
  const p = await pair(t);
  if (p === null) return t.plan(0, 'no redis-server to compare with');
  const items = [...sampleElements(), ...randomStrings(13, 2000, 30)];
  const plainSplit = quicklistNodesByPushTail(items, -2, 100);
  const withPlain = payload(RdbType.listQuicklist2, (w) => writeQuicklist(w, items, plainSplit));
  t.ok(plainSplit.filter((n) => n.plain).length > 10, 'PLAIN nodes (Redis makes them at 1 GB; a 100-byte threshold here)');
  const cases: Array<[string, string]> = [
    ['QUICKLIST_2 with PLAIN nodes', withPlain],
    ['QUICKLIST (ziplist nodes, one empty)', payload(RdbType.listQuicklist, (w) => {
      w.length(4);
      w.string(latin1(ziplist(items.slice(0, 30))));
      w.string(latin1(ziplist([])));
      w.string(latin1(ziplist(items.slice(30, 1000))));
      w.string(latin1(ziplist(items.slice(1000))));
    }, 9)],
    ['ZIPLIST', payload(RdbType.listZiplist, (w) => w.string(latin1(ziplist(items))), 6)],
    ['LIST', payload(RdbType.list, (w) => {
      w.length(items.length);
      for (const s of items) w.string(s);
    }, 6)],
  ];
  const expected = await (async () => {
    await p.b.call('DEL', 'e');
    await p.b.call('RPUSH', 'e', ...items);
    return p.b.call('LRANGE', 'e', '0', '-1');
  })();
  for (const [name, pl] of cases) {
    const [x, y] = await both(p, ['RESTORE', 'k', '0', pl, 'REPLACE']);
    t.equal(x, y, `${name}: RESTORE`);
    t.equal(y, '+OK\r\n', `${name}: Redis accepts it`);
    const [lx, ly] = await both(p, ['LRANGE', 'k', '0', '-1']);
    t.equal(lx, ly, `${name}: same elements`);
    t.equal(lx, expected, `${name}: the elements written`);
    t.same(await both(p, ['OBJECT', 'ENCODING', 'k']), ['$9\r\nquicklist\r\n', '$9\r\nquicklist\r\n']);
    if (name === 'LIST' || name === 'ZIPLIST') {
      t.equal(await bulk(p.a, 'DUMP', 'k'), await bulk(p.b, 'DUMP', 'k'), `${name} loads as RPUSH would build it: the same DUMP both sides`);
    }
  }
  await p.b.call('RESTORE', 'k', '0', withPlain, 'REPLACE');
  t.equal(await bulk(p.b, 'DUMP', 'k'), withPlain, 'Redis writes our PLAIN-node payload back unchanged: same container bytes');
});

t.test('malformed list payloads: "Bad data format", as Redis', async (t) => {
  const p = await pair(t);
  if (p === null) return t.plan(0, 'no redis-server to compare with');
  for (const [name, pl] of shallowCorruptPayloads()) {
    const [x, y] = await both(p, ['RESTORE', 'bad', '0', pl]);
    t.equal(x, y, name);
    t.equal(x, '-ERR Bad data format\r\n', name);
  }
  t.same(await both(p, ['EXISTS', 'bad']), [':0\r\n', ':0\r\n'], 'nothing was created');
  await both(p, ['RPUSH', 'l', 'a', 'b']);
  const good = await bulk(p.b, 'DUMP', 'l');
  const flipped = good.slice(0, 5) + String.fromCharCode(good.charCodeAt(5) ^ 1) + good.slice(6);
  const [x, y] = await both(p, ['RESTORE', 'bad', '0', flipped]);
  t.equal(x, y, 'a flipped bit fails the checksum');
  t.equal(x, '-ERR DUMP payload version or checksum are wrong\r\n');
});

t.test('RESTORE of a list: TTL, ABSTTL, REPLACE, TYPE, OBJECT ENCODING, SCAN TYPE', async (t) => {
  const p = await pair(t);
  if (p === null) return t.plan(0, 'no redis-server to compare with');
  await both(p, ['RPUSH', 'src', ...randomStrings(14, 5000, 10)]);
  const pl = await bulk(p.b, 'DUMP', 'src');
  t.equal(await bulk(p.a, 'DUMP', 'src'), pl);
  const cmds: string[][] = [
    ['RESTORE', 'ttl', '100000', pl],
    ['TTL', 'ttl'],
    ['TYPE', 'ttl'],
    ['OBJECT', 'ENCODING', 'ttl'],
    ['LLEN', 'ttl'],
    ['RESTORE', 'ttl', '0', pl],
    ['RESTORE', 'ttl', '0', pl, 'REPLACE'],
    ['TTL', 'ttl'],
    ['RESTORE', 'abs', '4102444800000', pl, 'ABSTTL'],
    ['PEXPIRETIME', 'abs'],
    ['RESTORE', 'past', '1', pl, 'ABSTTL'],
    ['EXISTS', 'past'],
    ['RESTORE', 'abs', '1', pl, 'ABSTTL', 'REPLACE'],
    ['EXISTS', 'abs'],
    ['RESTORE', 'idle', '0', pl, 'IDLETIME', '10'],
    ['LINDEX', 'idle', '-1'],
  ];
  for (const cmd of cmds) {
    const [x, y] = await both(p, cmd);
    t.equal(x, y, cmd.map((s) => (s === pl ? '<payload>' : s)).join(' '));
  }
  t.same(await both(p, ['RESTORE', 'ttl2', '5000', pl]), ['+OK\r\n', '+OK\r\n']);
  const left = Number((await p.a.call('PTTL', 'ttl2')).slice(1));
  t.ok(left > 4000 && left <= 5000, `a relative TTL: ${left} ms left`);
  const scan = async (c: RawClient) => {
    c.send(['SCAN', '0', 'COUNT', '1000', 'TYPE', 'list']);
    const r = (await c.read()).value as [string, string[]];
    return [...r[1]].sort();
  };
  t.same(await scan(p.a), await scan(p.b), 'SCAN TYPE list: the same keys');
  t.same(await scan(p.a), ['idle', 'src', 'ttl', 'ttl2'], 'the restored lists and the source');
});
