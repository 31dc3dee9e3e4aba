// DUMP/RESTORE and the serialization under them. Units: CRC-64/Jones against its published
// check value, LZF round trips and corrupt inputs, RDB string encodings. Against a real Redis
// 7.0: DUMP payloads byte-identical for many string values (ints of every width, the 20/21
// byte LZF boundary, long compressible and incompressible strings, binary), Redis's payloads
// restore here, ours restore there, and corrupt payloads fail with Redis's texts.
import t from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { crc64, crc64LE } from '../src/engine/crc64';
import { lzfCompress, lzfDecompress } from '../src/engine/lzf';
import { createDumpPayload, loadDumpPayload, verifyDumpPayload, rdbVersion } from '../src/engine/rdb';
import { RawString } from '../src/engine/values';
import { Rng } from '../src/engine/rng';

function withFooter(body: Buffer, version = rdbVersion): Buffer {
  const v = Buffer.concat([body, Buffer.from([version & 0xff, version >> 8])]);
  return Buffer.concat([v, crc64LE(v)]);
}

/** Deterministic test strings of every kind DUMP treats differently. */
function sampleValues(): string[] {
  const rng = new Rng(0xd0);
  const out = [
    '', '0', '1', '-1', '127', '128', '-128', '-129', '32767', '32768', '-32768', '-32769', '2147483647', '2147483648',
    '-2147483648', '-2147483649', '12345678901', '-1234567890', '9223372036854775807', '-9223372036854775808',
    '9223372036854775808', '007', '-0', '+1', ' 1', '1.5', 'hello', 'a'.repeat(20), 'a'.repeat(21), 'ab'.repeat(11),
    'abcdefghijklmnopqrstu', 'x'.repeat(64), 'x'.repeat(16383), 'x'.repeat(16384), 'x'.repeat(100_000),
    '\x00\x01\x02\xff\xfe'.repeat(10), 'hello world '.repeat(500),
  ];
  for (let i = 0; i < 60; i++) {
    const len = rng.int(i < 30 ? 200 : 70_000);
    const alpha = 1 + rng.int(i % 3 === 0 ? 256 : 6);
    let s = '';
    while (s.length < len) {
      if (i % 2 === 0 && s.length > 8 && rng.int(4) === 0) {
        const at = rng.int(s.length - 4);
        s += s.slice(at, at + 3 + rng.int(300));
        continue;
      }
      s += String.fromCharCode(alpha > 10 ? rng.int(256) : 97 + rng.int(alpha));
    }
    out.push(s.slice(0, len));
  }
  return out;
}

t.test('crc64: the CRC-64/Jones check value and incremental use', async (t) => {
  t.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
  t.equal(crc64(Buffer.alloc(0)), 0n);
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff));
  // Slicing-by-8 and the byte loop agree on every split.
  for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
    const whole = crc64LE(data);
    const part = crc64LE(Buffer.concat([data.subarray(0, cut), data.subarray(cut)]));
    t.same(part, whole, `split at ${cut}`);
  }
});

t.test('lzf: round trips, refuses to expand, rejects corrupt input', async (t) => {
  const rng = new Rng(5);
  for (let i = 0; i < 200; i++) {
    const len = 21 + rng.int(5000);
    const src = Buffer.alloc(len);
    const alpha = 1 + rng.int(8);
    for (let j = 0; j < len; j++) src[j] = 97 + rng.int(alpha);
    const out = Buffer.alloc(len - 4);
    const clen = lzfCompress(src, out, len - 4);
    if (clen === 0) continue;
    const back = Buffer.alloc(len);
    t.equal(lzfDecompress(out, 0, clen, back), len);
    if (!back.equals(src)) {
      t.fail(`round trip ${i}`);
      break;
    }
  }
  const random = Buffer.from(Array.from({ length: 1000 }, () => rng.int(256)));
  t.equal(lzfCompress(random, Buffer.alloc(996), 996), 0, 'incompressible input does not fit in len-4');
  // A back reference before the start of the output is corrupt.
  t.equal(lzfDecompress(Buffer.from([0x20, 0x05]), 0, 2, Buffer.alloc(10)), 0);
  // A literal run longer than the input.
  t.equal(lzfDecompress(Buffer.from([0x05, 0x61]), 0, 2, Buffer.alloc(10)), 0);
  // Output longer than announced.
  t.equal(lzfDecompress(Buffer.from([0x02, 0x61, 0x62, 0x63]), 0, 4, Buffer.alloc(2)), 0);
});

t.test('rdb: string encodings and footer checks', async (t) => {
  t.same(createDumpPayload('5')?.subarray(0, 3), Buffer.from([0x00, 0xc0, 0x05]), 'INT8');
  t.same(createDumpPayload('-300')?.subarray(0, 4), Buffer.from([0x00, 0xc1, 0xd4, 0xfe]), 'INT16 little-endian');
  t.same(createDumpPayload('100000')?.subarray(0, 6), Buffer.from([0x00, 0xc2, 0xa0, 0x86, 0x01, 0x00]), 'INT32');
  t.same(createDumpPayload('007')?.subarray(0, 5), Buffer.from('\x00\x03007', 'latin1'), 'not canonical: plain');
  t.equal(createDumpPayload('x'.repeat(100))?.[1], 0xc3, 'compressible and longer than 20 bytes: LZF');
  t.equal(createDumpPayload('x'.repeat(20))?.[1], 20, 'at most 20 bytes: never compressed');
  t.same(createDumpPayload('x'.repeat(100)), createDumpPayload(new RawString('x'.repeat(100))), 'raw and embedded strings dump alike');
  const p = createDumpPayload('hello') as Buffer;
  t.same(p.subarray(p.length - 10, p.length - 8), Buffer.from([10, 0]), 'RDB version 10, little-endian');
  t.ok(verifyDumpPayload(p));
  t.equal(loadDumpPayload(p), 'hello');
  const flipped = Buffer.from(p);
  flipped[2] = (flipped[2] as number) ^ 1;
  t.notOk(verifyDumpPayload(flipped), 'a flipped byte breaks the CRC');
  t.notOk(verifyDumpPayload(withFooter(Buffer.from('\x00\x01a', 'latin1'), 11)), 'a later RDB version is refused');
  t.ok(verifyDumpPayload(withFooter(Buffer.from('\x00\x01a', 'latin1'), 9)), 'an earlier one is accepted');
  t.notOk(verifyDumpPayload(Buffer.alloc(9)), 'shorter than the footer');
  for (const body of ['\x00\x32abc', '\x00\xc4', '\x08\x01a', '\x14\x00', '\x00', '\x00\xc3\x05\x10abcde', '\xff']) {
    t.equal(loadDumpPayload(withFooter(Buffer.from(body, 'latin1'))), null, `bad data: ${JSON.stringify(body)}`);
  }
  t.equal(loadDumpPayload(withFooter(Buffer.from('\x00\xc3\x01\x00\x61', 'latin1'))), '', 'LZF of length 0 reads as empty, as Redis');
});

t.test('DUMP payloads are byte-identical to Redis 7.0 and restore both ways', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) {
    t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
    return;
  }
  const catena = await startCatena(t);
  const a = await RawClient.connect(catena.port);
  const b = await RawClient.connect(redis.port, redis.host);
  t.teardown(() => {
    a.close();
    b.close();
  });
  const values = sampleValues();
  let identical = 0;
  let compressed = 0;
  for (const v of values) {
    a.send(['SET', 'k', v], ['DUMP', 'k']);
    b.send(['SET', 'k', v], ['DUMP', 'k']);
    await a.read();
    await b.read();
    const ours = (await a.read()).raw;
    const theirs = (await b.read()).raw;
    if (ours !== theirs) {
      t.equal(ours.slice(0, 200), theirs.slice(0, 200), `DUMP of a ${v.length}-byte value ${JSON.stringify(v.slice(0, 40))}`);
      continue;
    }
    identical++;
    if (ours.includes('\r\n\x00\xc3')) compressed++;
  }
  t.equal(identical, values.length, `${identical}/${values.length} payloads identical`);
  t.ok(compressed > 20, `${compressed} of them LZF-compressed`);

  // Redis's payloads restore here; ours restore into Redis; APPEND makes a raw string first.
  let restored = 0;
  for (const v of values) {
    b.send(['SET', 'src', v], ['APPEND', 'src', ''], ['DUMP', 'src']);
    await b.read();
    await b.read();
    const payload = (await b.read()).value as string;
    a.send(['RESTORE', 'r', '0', payload, 'REPLACE'], ['GET', 'r'], ['OBJECT', 'ENCODING', 'r']);
    b.send(['RESTORE', 'r', '0', payload, 'REPLACE'], ['GET', 'r'], ['OBJECT', 'ENCODING', 'r']);
    const ours = [(await a.read()).raw, (await a.read()).raw, (await a.read()).raw];
    const theirs = [(await b.read()).raw, (await b.read()).raw, (await b.read()).raw];
    if (ours.join() === theirs.join() && ours[0] === '+OK\r\n') restored++;
    else t.same(ours.map((x) => x.slice(0, 100)), theirs.map((x) => x.slice(0, 100)), `RESTORE of Redis's payload for ${JSON.stringify(v.slice(0, 40))}`);
  }
  t.equal(restored, values.length, "every Redis payload restores to the same value and encoding");

  let back = 0;
  for (const v of values) {
    a.send(['SET', 'src', v], ['DUMP', 'src']);
    await a.read();
    const payload = (await a.read()).value as string;
    b.send(['RESTORE', 'mine', '0', payload, 'REPLACE'], ['GET', 'mine']);
    const ok = (await b.read()).raw;
    const got = (await b.read()).value;
    if (ok === '+OK\r\n' && got === v) back++;
    else t.fail(`Redis refused or changed our payload for ${JSON.stringify(v.slice(0, 40))}: ${ok}`);
  }
  t.equal(back, values.length, 'every Catena payload restores in Redis');
});

t.test('RESTORE errors and TTL options answer as Redis 7.0', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) {
    t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
    return;
  }
  const catena = await startCatena(t);
  const a = await RawClient.connect(catena.port);
  const b = await RawClient.connect(redis.port, redis.host);
  t.teardown(() => {
    a.close();
    b.close();
  });
  // A hash payload from Redis: Catena has no hash codec yet, and says so as Redis does for garbage.
  b.send(['HSET', 'h', 'f', 'v'], ['DUMP', 'h']);
  await b.read();
  const hashPayload = (await b.read()).value as string;
  a.send(['RESTORE', 'h', '0', hashPayload]);
  const hashReply = (await a.read()).raw;
  t.ok(hashReply === '+OK\r\n' || hashReply === '-ERR Bad data format\r\n', `hash payload: ${JSON.stringify(hashReply)}`);

  const good = (createDumpPayload('value') as Buffer).toString('latin1');
  const corrupt = good.slice(0, 3) + String.fromCharCode(good.charCodeAt(3) ^ 0x40) + good.slice(4);
  const future = withFooter(Buffer.from(good.slice(0, -10), 'latin1'), 11).toString('latin1');
  const garbage = withFooter(Buffer.from('\x00\x7f\x00', 'latin1')).toString('latin1');
  const cases: string[][] = [
    ['RESTORE', 'k', '0', corrupt],
    ['RESTORE', 'k', '0', future],
    ['RESTORE', 'k', '0', garbage],
    ['RESTORE', 'k', '0', 'short'],
    ['RESTORE', 'k', '-1', good],
    ['RESTORE', 'k', '0', good],
    ['RESTORE', 'k', '0', good],
    ['RESTORE', 'k', '0', good, 'REPLACE', 'IDLETIME', '100'],
    ['RESTORE', 'k', '0', good, 'REPLACE', 'FREQ', '255'],
    ['RESTORE', 'k', '0', good, 'REPLACE', 'IDLETIME', '1', 'FREQ', '1'],
    ['RESTORE', 'k', '0', good, 'REPLACE', 'FREQ', '-1'],
    ['RESTORE', 'k', '0', good, 'REPLACE', 'IDLETIME', '-1'],
    ['RESTORE', 'k', '1', good, 'REPLACE', 'ABSTTL'],
    ['EXISTS', 'k'],
    ['RESTORE', 'k', '4102444800000', good, 'ABSTTL'],
    ['PEXPIRETIME', 'k'],
    ['RESTORE', 'k', '9223372036854775807', good, 'REPLACE'],
    ['EXISTS', 'k'],
    ['RESTORE', 'k', '9223372036854775807', good, 'REPLACE', 'ABSTTL'],
    ['PEXPIRETIME', 'k'],
    ['DUMP', 'nokey'],
  ];
  for (const cmd of cases) {
    a.send(cmd);
    b.send(cmd);
    t.equal((await a.read()).raw, (await b.read()).raw, cmd.map((x) => JSON.stringify(x.slice(0, 20))).join(' '));
  }
});
