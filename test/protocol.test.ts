// Well-formed but demanding input on the wire, byte for byte against Redis 7.0: inline
// commands (sdssplitargs: quotes, escapes, \xHH), empty lines, *0 / *-1, the two bytes after a
// bulk and after a header's '\r' that Redis skips without looking, binary keys and values,
// requests cut at every byte boundary (over sockets, and deterministically at the reader),
// pipelines of 10,000 commands in one write, and 10 MB / 100 MB values stored and read back.
import t, { type Test } from 'tap';
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { bytes, exchange, multibulk, pieces, show, type Outcome } from './helpers/wire';
import { FuzzGen } from './helpers/fuzz-requests';
import { ProtocolError, QueryBufferOverflow, RequestReader } from '../src/resp/request-reader';
import { Rng } from '../src/engine/rng';

const RUN = `${process.pid}`;
const k = (name: string) => `proto:${RUN}:${name}`;
const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

interface Case {
  name: string;
  send: string;
  reply: string;
}

/** Each case on a fresh connection to Catena and to Redis (when there is one): same reply, connection open. */
async function checkCases(t: Test, catenaPort: number, redisPort: number | null, cases: Case[]): Promise<void> {
  await Promise.all(
    cases.map(async (c) => {
      const expected = show({ reply: c.reply, closed: false });
      const opts = { expectBytes: c.reply.length, quietMs: 250 };
      const [mine, ref] = await Promise.all([
        exchange(catenaPort, bytes(c.send), opts),
        redisPort === null ? Promise.resolve(null) : exchange(redisPort, bytes(c.send), opts),
      ]);
      t.equal(show(mine), expected, `catena: ${c.name}`);
      if (ref !== null) t.equal(show(ref), expected, `redis agrees: ${c.name}`);
    }),
  );
}

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;

t.test('inline commands: sdssplitargs quoting, escapes and separators', async (t) => {
  const c = await startCatena(t);
  const redis = await startRedis(t);
  if (redis === null) t.comment('no redis-server: checking the stated Redis replies against Catena only');
  const cases: Case[] = [
    { name: 'plain', send: 'PING\r\n', reply: '+PONG\r\n' },
    { name: 'LF alone ends a line', send: 'PING\nPING\n', reply: '+PONG\r\n+PONG\r\n' },
    { name: 'lower case, extra blanks and tabs', send: '  \t ping \t \r\n', reply: '+PONG\r\n' },
    { name: 'double quotes keep spaces', send: 'ECHO "hello world"\r\n', reply: bulk('hello world') },
    { name: 'single quotes keep spaces', send: "ECHO 'hello world'\r\n", reply: bulk('hello world') },
    { name: 'escapes in double quotes', send: 'ECHO "a\\nb\\rc\\td\\be\\af\\\\g\\"h\\zi"\r\n', reply: bulk('a\nb\rc\td\be\x07f\\g"hzi') },
    { name: '\\xHH in double quotes, both cases', send: 'ECHO "\\x41\\x62\\xfF\\x00"\r\n', reply: bulk('Ab\xff\x00') },
    { name: 'an incomplete \\x is taken as x and its text', send: 'ECHO "\\x4"\r\n', reply: bulk('x4') },
    { name: 'a bad \\x digit', send: 'ECHO "\\x4g"\r\n', reply: bulk('x4g') },
    { name: "only \\' is an escape in single quotes", send: "ECHO 'a\\'b\\nc'\r\n", reply: bulk("a'b\\nc") },
    { name: 'empty quoted arguments', send: 'ECHO ""\r\nECHO \'\'\r\n', reply: '$0\r\n\r\n$0\r\n\r\n' },
    { name: 'quotes inside a word start a quoted part', send: 'ECHO a"b c"\r\n', reply: bulk('ab c') },
    { name: 'a quoted part ended by a tab', send: 'ECHO "a"\tb\r\n', reply: "-ERR wrong number of arguments for 'echo' command\r\n" },
    { name: '\\v and \\f separate words only between them, not inside', send: 'ECHO a\vb\r\n', reply: bulk('a\vb') },
    { name: '\\v and \\f between words are blanks', send: '\vECHO \f\vab\t\r\n', reply: bulk('ab') },
    { name: 'so a word ending in \\f keeps it', send: 'ECHO\f ab\r\n', reply: "-ERR unknown command 'ECHO\f', with args beginning with: 'ab' \r\n" },
    { name: 'a CR inside a line separates words', send: 'ECHO a\rb\r\n', reply: "-ERR wrong number of arguments for 'echo' command\r\n" },
    { name: 'bytes >= 0x80 and controls pass through', send: 'ECHO \x80\xff\x01\r\n', reply: bulk('\x80\xff\x01') },
    { name: 'a lone CR at the end of a line is the line end', send: 'ECHO x\r\r\n', reply: bulk('x') },
    { name: 'empty lines and blank lines are skipped', send: '\r\n\n   \r\n\t\nPING\r\n\r\n', reply: '+PONG\r\n' },
    { name: 'inline after multibulk after inline', send: `PING\r\n${multibulk('ECHO', 'm')}ECHO i\r\n`, reply: `+PONG\r\n${bulk('m')}${bulk('i')}` },
  ];
  await checkCases(t, c.port, redis?.port ?? null, cases);
});

t.test('multibulk framing: empty requests, and the bytes Redis skips without looking', async (t) => {
  const c = await startCatena(t);
  const redis = await startRedis(t);
  const cases: Case[] = [
    { name: '*0 is skipped', send: `*0\r\n${multibulk('PING')}`, reply: '+PONG\r\n' },
    { name: '*-1 is skipped', send: `*-1\r\n${multibulk('PING')}`, reply: '+PONG\r\n' },
    { name: 'any negative count is skipped', send: `*-12345\r\n${multibulk('PING')}`, reply: '+PONG\r\n' },
    { name: 'two bytes after a bulk are skipped whatever they are', send: '*2\r\n$4\r\nECHO\r\n$2\r\nhixy*1\r\n$4\r\nPINGzz', reply: `${bulk('hi')}+PONG\r\n` },
    { name: 'the byte after a header CR is skipped whatever it is', send: '*2\rX$4\rYECHO\r\n$1\r\rZ\r\n', reply: bulk('Z') },
    { name: 'an empty argument', send: multibulk('ECHO', ''), reply: '$0\r\n\r\n' },
    { name: 'CR LF inside an argument', send: multibulk('ECHO', '\r\n*1\r\n$4\r\nPING\r\n'), reply: bulk('\r\n*1\r\n$4\r\nPING\r\n') },
    { name: 'every byte value as an argument', send: multibulk('ECHO', ALL_BYTES), reply: bulk(ALL_BYTES) },
    { name: 'command names are case-insensitive', send: multibulk('eChO', 'x'), reply: bulk('x') },
  ];
  await checkCases(t, c.port, redis?.port ?? null, cases);
});

t.test('binary keys and values round-trip exactly', async (t) => {
  const c = await startCatena(t);
  const redis = await startRedis(t);
  const keys = [k('\0'), k('\r\n'), k('a b'), k('\x80\xff\xfe'), k(ALL_BYTES), `\0${RUN}`, `${RUN}\r\n*1\r\n$4\r\nPING\r\n`];
  const values = ['', '\0', '\r\n', '\0\0\r\n\0', ALL_BYTES, ALL_BYTES.repeat(40), '$-1\r\n', '-ERR x\r\n'];
  let send = '';
  let reply = '';
  keys.forEach((key, i) => {
    const v = values[i % values.length] as string;
    send += multibulk('SET', key, v) + multibulk('GET', key);
    reply += `+OK\r\n${bulk(v)}`;
  });
  values.forEach((v) => {
    send += multibulk('SET', k('v'), v) + multibulk('GET', k('v'));
    reply += `+OK\r\n${bulk(v)}`;
  });
  send += multibulk('GET', k('\0missing'));
  reply += '$-1\r\n';
  await checkCases(t, c.port, redis?.port ?? null, [{ name: 'SET and GET of binary keys and values', send, reply }]);
});

// A pipeline exercising every reader state: inline (quotes, escapes, empty lines), multibulk
// with binary bulks, *0, *-1, skipped trailing bytes, an error reply, and the line ends.
const PIPELINE =
  'PING\r\n' +
  multibulk('SET', k('split\0\r\n'), '\r\n\xff\x80\0') +
  multibulk('GET', k('split\0\r\n')) +
  'ECHO "q \\x41\\n" \'s p\'\r\n' +
  '\r\n' +
  'ECHO "a b"\n' +
  '*0\r\n*-1\r\n' +
  '*1\r\n$4\r\nPINGxy' +
  '*2\rX$4\r\nECHO\r\n$1\r\nZ\r\n' +
  multibulk('nosuch', 'arg') +
  multibulk('GET', 'a', 'b') +
  multibulk('ECHO', '') +
  'PING\r\n';
const PIPELINE_REPLY =
  '+PONG\r\n+OK\r\n' +
  bulk('\r\n\xff\x80\0') +
  "-ERR wrong number of arguments for 'echo' command\r\n" +
  bulk('a b') +
  '+PONG\r\n' +
  bulk('Z') +
  "-ERR unknown command 'nosuch', with args beginning with: 'arg' \r\n" +
  "-ERR wrong number of arguments for 'get' command\r\n" +
  '$0\r\n\r\n' +
  '+PONG\r\n';

t.test('a pipeline written in one piece, one byte at a time, and cut at every byte boundary', async (t) => {
  const c = await startCatena(t);
  const redis = await startRedis(t);
  const data = bytes(PIPELINE);
  const servers: Array<[string, number]> = [['catena', c.port]];
  if (redis !== null) servers.push(['redis', redis.port]);
  const expected = show({ reply: PIPELINE_REPLY, closed: false });
  for (const [name, port] of servers) {
    const whole = await exchange(port, data, { expectBytes: PIPELINE_REPLY.length });
    t.equal(show(whole), expected, `${name}: in one write`);
    const bytewise = await exchange(port, pieces(data, 1), { gapMs: 1, expectBytes: PIPELINE_REPLY.length });
    t.equal(show(bytewise), expected, `${name}: one byte per write (${data.length} writes)`);
  }
  // Catena only: every cut point, 16 connections at a time, the second half after a pause so
  // it arrives in its own read.
  const bad: number[] = [];
  for (let start = 1; start < data.length; start += 16) {
    await Promise.all(
      Array.from({ length: Math.min(16, data.length - start) }, async (_, j) => {
        const cut = start + j;
        const o = await exchange(c.port, [data.subarray(0, cut), data.subarray(cut)], { gapMs: 3, expectBytes: PIPELINE_REPLY.length });
        if (show(o) !== expected) bad.push(cut);
      }),
    );
  }
  t.same(bad, [], `the same replies with the request cut at each of the ${data.length - 1} boundaries`);
});

/** Everything a reader yields for `chunks`, fed one after the other, as comparable text. */
function readAll(chunks: Buffer[], authenticated = true): string[] {
  const reader = new RequestReader({ protoMaxBulkLen: () => 512 * 1024 * 1024, queryBufferLimit: () => 1024 * 1024 * 1024 });
  reader.authenticated = authenticated;
  const out: string[] = [];
  for (const ch of chunks) {
    reader.feed(ch);
    for (;;) {
      const r = reader.next();
      if (r === null) break;
      if (r instanceof ProtocolError) {
        out.push(`error: ${r.text}`);
        return out;
      }
      if (r instanceof QueryBufferOverflow) {
        out.push('overflow');
        return out;
      }
      out.push(JSON.stringify(r));
    }
  }
  return out;
}

t.test('the request reader gives the same commands however the bytes are cut (deterministic)', async (t) => {
  const data = bytes(PIPELINE);
  const whole = readAll([data]);
  t.equal(whole.length, 11, 'the pipeline holds 11 commands (empty requests and lines skipped)');
  const bad: number[] = [];
  for (let cut = 1; cut < data.length; cut++) {
    if (JSON.stringify(readAll([data.subarray(0, cut), data.subarray(cut)])) !== JSON.stringify(whole)) bad.push(cut);
  }
  t.same(bad, [], 'cut in two at every boundary');
  t.same(readAll(pieces(data, 1)), whole, 'fed one byte at a time');
  // Malformed input too: the outcome (commands, then the error or the wait) never depends on
  // where the reads end. Seeded; FUZZ_SEED reproduces.
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 99;
  const gen = new FuzzGen(new Rng(seed));
  let differ = 0;
  for (let i = 0; i < 3000 && differ < 3; i++) {
    const input = bytes(gen.fuzzCase(i));
    const ref = readAll([input]);
    for (const auth of [true, false]) {
      const refAuth = auth ? ref : readAll([input], false);
      const got = readAll(gen.split(input), auth);
      if (JSON.stringify(got) !== JSON.stringify(refAuth)) {
        differ++;
        t.fail(`fuzz case ${i} (seed ${seed}, authenticated ${auth}) depends on the cuts`, { input: JSON.stringify(input.toString('latin1')), whole: refAuth, split: got });
      }
    }
  }
  t.equal(differ, 0, '3000 seeded malformed inputs read the same whole and cut');
});

/** Where a long reply stream departs from the expected one (null when equal and open). */
function firstDifference(o: Outcome, expected: string): string | null {
  if (o.reply === expected) return o.closed ? 'the connection was closed' : null;
  let i = 0;
  while (i < o.reply.length && o.reply[i] === expected[i]) i++;
  return `byte ${i} of ${expected.length}: got ${JSON.stringify(o.reply.slice(i, i + 60))}, expected ${JSON.stringify(expected.slice(i, i + 60))}`;
}

t.test('10,000 commands in one write', async (t) => {
  const c = await startCatena(t);
  const redis = await startRedis(t);
  let send = '';
  let reply = '';
  for (let i = 0; i < 2500; i++) {
    const key = k(`pipe:${i}`);
    const v = `v${i}\r\n${String.fromCharCode(i % 256)}`;
    send += multibulk('SET', key, v) + multibulk('GET', key) + multibulk('ECHO', String(i)) + multibulk('PING');
    reply += `+OK\r\n${bulk(v)}${bulk(String(i))}+PONG\r\n`;
  }
  let inline = '';
  let inlineReply = '';
  for (let i = 0; i < 10000; i++) {
    inline += i % 2 === 0 ? `ECHO "n\\x${(i % 256).toString(16).padStart(2, '0')}"\r\n` : 'PING\n';
    inlineReply += i % 2 === 0 ? bulk(`n${String.fromCharCode(i % 256)}`) : '+PONG\r\n';
  }
  const servers: Array<[string, number]> = [['catena', c.port]];
  if (redis !== null) servers.push(['redis', redis.port]);
  for (const [name, port] of servers) {
    const o = await exchange(port, bytes(send), { expectBytes: reply.length });
    t.equal(firstDifference(o, reply), null, `${name}: multibulk pipeline: 10,000 replies exact and in order`);
    const p = await exchange(port, bytes(inline), { expectBytes: inlineReply.length });
    t.equal(firstDifference(p, inlineReply), null, `${name}: inline pipeline: 10,000 replies exact and in order`);
  }
});

/** Deterministic test data of any size with every byte value (a linear congruential stream). */
function pattern(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/**
 * SET key <value> then GET key over a raw socket, streaming: the reply is checked by its
 * header, a SHA-256 of its body and its CRLF, without building one big string.
 */
async function storeAndReadBack(port: number, key: string, value: Buffer): Promise<{ setReply: string; header: string; sha: string; trailer: string; ms: number }> {
  const t0 = Date.now();
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    let phase: 'set' | 'header' | 'body' | 'trailer' = 'set';
    let text = '';
    let bodyLeft = 0;
    let setReply = '';
    let header = '';
    let trailer = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timed out in phase ${phase}`));
    }, 120000);
    sock.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`connection closed in phase ${phase}`));
    });
    sock.on('data', (d: Buffer) => {
      let off = 0;
      while (off < d.length) {
        if (phase === 'set' || phase === 'header') {
          const nl = d.indexOf(10, off);
          text += d.toString('latin1', off, nl < 0 ? d.length : nl + 1);
          off = nl < 0 ? d.length : nl + 1;
          if (nl < 0) continue;
          if (phase === 'set') {
            setReply = text;
            text = '';
            phase = 'header';
            sock.write(bytes(multibulk('GET', key)));
          } else {
            header = text;
            text = '';
            bodyLeft = Number(header.slice(1, -2));
            phase = bodyLeft >= 0 ? 'body' : 'trailer';
            if (bodyLeft < 0) {
              clearTimeout(timer);
              sock.destroy();
              resolve({ setReply, header, sha: '', trailer: '', ms: Date.now() - t0 });
              return;
            }
          }
        } else if (phase === 'body') {
          const n = Math.min(bodyLeft, d.length - off);
          hash.update(d.subarray(off, off + n));
          bodyLeft -= n;
          off += n;
          if (bodyLeft === 0) phase = 'trailer';
        } else {
          const n = Math.min(2 - trailer.length, d.length - off);
          trailer += d.toString('latin1', off, off + n);
          off += n;
          if (trailer.length === 2) {
            clearTimeout(timer);
            sock.removeAllListeners('close');
            sock.destroy();
            resolve({ setReply, header, sha: hash.digest('hex'), trailer, ms: Date.now() - t0 });
            return;
          }
        }
      }
    });
    sock.write(bytes(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n`));
    sock.write(value);
    sock.write(bytes('\r\n'));
  });
}

t.test('big values: 10 MB and 100 MB arguments stored and read back', async (t) => {
  const c = await startCatena(t);
  const redis = await startRedis(t);
  for (const [label, size, onRedis] of [['10 MB', 10 * 1024 * 1024, true], ['100 MB', 100 * 1024 * 1024, false]] as const) {
    const value = pattern(size, size);
    const sha = crypto.createHash('sha256').update(value).digest('hex');
    const servers: Array<[string, number]> = [['catena', c.port]];
    if (onRedis && redis !== null) servers.push(['redis', redis.port]);
    for (const [name, port] of servers) {
      const r = await storeAndReadBack(port, k(`big:${label}`), value);
      t.equal(r.setReply, '+OK\r\n', `${name}: SET of ${label}`);
      t.equal(r.header, `$${size}\r\n`, `${name}: GET header of ${label}`);
      t.equal(r.sha, sha, `${name}: the ${label} value comes back byte for byte`);
      t.equal(r.trailer, '\r\n', `${name}: and ends with CRLF`);
      t.comment(`${name}: ${label} stored and read back in ${r.ms} ms`);
    }
  }
  // The node is still healthy, and the big key can be replaced.
  const o: Outcome = await exchange(c.port, bytes(multibulk('SET', k('big:100 MB'), 'small') + multibulk('GET', k('big:100 MB'))), { expectBytes: 16 });
  t.equal(show(o), show({ reply: `+OK\r\n${bulk('small')}`, closed: false }), 'the big key is replaced by a small value');
});
