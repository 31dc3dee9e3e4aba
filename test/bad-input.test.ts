// Bad input on the wire, byte for byte against Redis 7.0 (networking.c: processInlineBuffer,
// processMultibulkBuffer, readQueryFromClient): every "Protocol error" text, what is answered
// before it, that the connection closes after it; the 64 KB line limits at their exact
// boundary; the pre-AUTH limits; proto-max-bulk-len at run time; client-query-buffer-limit
// (closing without a reply); arity and unknown-command errors; that one client's bad input
// never disturbs another; and a seeded fuzz of malformed requests (FUZZ_SEED, FUZZ_COUNT).
//
// Every case states the exact outcome expected (reply bytes + open/closed) and, when a
// redis-server is available, the same bytes are sent to a real Redis, which must give that
// same outcome — so the expectations themselves are checked against the reference.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { startCatena, type CatenaHandle } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { bytes, exchange, multibulk, show, startPrivateRedis, type Outcome } from './helpers/wire';
import { decodeAll } from '../src/resp/decoder';
import { Rng } from '../src/engine/rng';
import { FuzzGen } from './helpers/fuzz-requests';

interface Case {
  name: string;
  send: string;
  reply: string;
  closed: boolean;
}

const perr = (text: string) => `-ERR Protocol error: ${text}\r\n`;
const open = (name: string, send: string, reply = ''): Case => ({ name, send, reply, closed: false });
const fails = (name: string, send: string, text: string, before = ''): Case => ({ name, send, reply: before + perr(text), closed: true });

/** Send each case to Catena (and to Redis when there is one); both must give the stated outcome. */
async function checkCases(t: Test, catenaPort: number, redisPort: number | null, cases: Case[]): Promise<void> {
  await Promise.all(
    cases.map(async (c) => {
      const expected: Outcome = { reply: c.reply, closed: c.closed };
      const opts = c.closed ? { untilClosed: true, timeoutMs: 5000 } : { quietMs: 250 };
      const [mine, ref] = await Promise.all([
        exchange(catenaPort, bytes(c.send), opts),
        redisPort === null ? Promise.resolve(null) : exchange(redisPort, bytes(c.send), opts),
      ]);
      t.equal(show(mine), show(expected), `catena: ${c.name}`);
      if (ref !== null) t.equal(show(ref), show(expected), `redis agrees: ${c.name}`);
    }),
  );
}

const x = (n: number, ch = 'x') => ch.repeat(n);

t.test('protocol errors: exact texts, replies before them, then close', async (t) => {
  const c = await startCatena(t);
  const redis = await startRedis(t);
  if (redis === null) t.comment('no redis-server: checking the stated Redis outcomes against Catena only');
  const cases: Case[] = [
    // invalid multibulk length: string2ll rules (no sign, no leading zero, no space, <= INT_MAX)
    fails('*abc', '*abc\r\n', 'invalid multibulk length'),
    fails('*-0', '*-0\r\n', 'invalid multibulk length'),
    fails('*01', '*01\r\n', 'invalid multibulk length'),
    fails('*+1', '*+1\r\n', 'invalid multibulk length'),
    fails('* (empty count)', '*\r\n', 'invalid multibulk length'),
    fails('*1 (trailing space)', '*1 \r\n', 'invalid multibulk length'),
    fails('*2147483648 (> INT_MAX)', '*2147483648\r\n', 'invalid multibulk length'),
    fails('*9223372036854775808', '*9223372036854775808\r\n', 'invalid multibulk length'),
    fails('count longer than a long long', `*${x(30, '1')}\r\n`, 'invalid multibulk length'),
    open('*2147483647 is accepted (waits for the arguments)', '*2147483647\r\n'),
    // expected '$'
    fails("expected '$', got 'x'", '*1\r\nxyz\r\n', "expected '$', got 'x'"),
    fails("expected '$', got ':'", '*2\r\n$4\r\nECHO\r\n:1\r\n', "expected '$', got ':'"),
    fails("expected '$', got a byte >= 0x80 (sent raw)", '*1\r\n\xff\xfe\r\n', "expected '$', got '\xff'"),
    fails("expected '$' is checked only on a whole line: '*' as an argument header", '*1\r\n*1\r\n', "expected '$', got '*'"),
    open("an argument header not starting with '$' is not judged before its line ends", '*1\r\nxyz'),
    // invalid bulk length
    fails('$-1 in a request', '*1\r\n$-1\r\n', 'invalid bulk length'),
    fails('$-0', '*1\r\n$-0\r\n', 'invalid bulk length'),
    fails('$01', '*1\r\n$01\r\n', 'invalid bulk length'),
    fails('$ (empty)', '*1\r\n$\r\n', 'invalid bulk length'),
    fails('$abc', '*1\r\n$abc\r\n', 'invalid bulk length'),
    fails('$3 followed by text on the line', '*1\r\n$3abc\r\n', 'invalid bulk length'),
    fails('$536870913 (> proto-max-bulk-len)', '*1\r\n$536870913\r\n', 'invalid bulk length'),
    fails('$99999999999999999999', '*1\r\n$99999999999999999999\r\n', 'invalid bulk length'),
    open('$536870912 (= proto-max-bulk-len) is accepted', '*1\r\n$536870912\r\n'),
    // unbalanced quotes (sdssplitargs)
    fails('unclosed double quote', 'ECHO "abc\r\n', 'unbalanced quotes in request'),
    fails('unclosed single quote', "ECHO 'abc\r\n", 'unbalanced quotes in request'),
    fails('closing quote followed by a letter', 'ECHO "a"b\r\n', 'unbalanced quotes in request'),
    fails("closing single quote followed by a letter", "ECHO 'a'b\r\n", 'unbalanced quotes in request'),
    fails('escaped closing quote', 'ECHO "a\\"\r\n', 'unbalanced quotes in request'),
    // what came before the error is answered; what comes after it is not
    fails(
      'replies before the error, nothing after',
      `PING\r\n${multibulk('ECHO', 'x')}*1\r\nxyz\r\nPING\r\n${multibulk('PING')}`,
      "expected '$', got 'x'",
      '+PONG\r\n$1\r\nx\r\n',
    ),
    fails('inline then bad multibulk', 'ECHO "a b"\r\n*1\r\n$-5\r\n', 'invalid bulk length', '$3\r\na b\r\n'),
    fails('bad quotes after good inline commands', 'PING\r\nPING\r\nECHO "\r\nPING\r\n', 'unbalanced quotes in request', '+PONG\r\n+PONG\r\n'),
  ];
  await checkCases(t, c.port, redis?.port ?? null, cases);
});

t.test('the 64 KB line limits, at their exact boundary (Redis counts the unended line from its first byte)', async (t) => {
  const c = await startCatena(t);
  const redis = await startRedis(t);
  const cases: Case[] = [
    open('inline: 65536 bytes without a newline wait', x(65536)),
    fails('inline: 65537 bytes without a newline', x(65537), 'too big inline request'),
    fails('inline: the limit counts from the line start, after earlier commands', `PING\r\n${x(65537)}`, 'too big inline request', '+PONG\r\n'),
    open('multibulk count: 65536 bytes with the star, no CR', `*${x(65535, '1')}`),
    fails('multibulk count: 65537 bytes, no CR', `*${x(65536, '1')}`, 'too big mbulk count string'),
    open('bulk count: 65536 bytes with the dollar, no CR', `*1\r\n$${x(65535, '1')}`),
    fails('bulk count: 65537 bytes, no CR', `*1\r\n$${x(65536, '1')}`, 'too big bulk count string'),
    fails('bulk count: too big even when it does not start with a dollar', `*1\r\n${x(65537, 'y')}`, 'too big bulk count string'),
    // A NUL stops Redis's strchr: a line holding one never ends, and only the limit closes it.
    open('inline with a NUL never ends (no reply)', 'ECHO a\0b\r\nPING\r\n'),
    open('a NUL as the first byte of a request', '\0PING\r\n'),
    open('multibulk count with a NUL before CR', `*1\0\r\n${multibulk('PING')}`),
    open('bulk count with a NUL before CR', '*1\r\n$4\0\r\nPING\r\n'),
    open('a NUL in place of the dollar', '*1\r\n\0yz\r\n'),
    fails('inline with a NUL: closed once the unended line passes 64 KB', `PING\r\nECHO a\0${x(65530)}`, 'too big inline request', '+PONG\r\n'),
    open('inline with a NUL: 65536 bytes still wait', `PING\r\nECHO a\0${x(65529)}`, '+PONG\r\n'),
    fails('multibulk count with a NUL: closed past 64 KB', `*1\0${x(65534)}`, 'too big mbulk count string'),
    fails('bulk count with a NUL: closed past 64 KB', `*1\r\n$1\0\r\n${x(65540)}`, 'too big bulk count string'),
  ];
  await checkCases(t, c.port, redis?.port ?? null, cases);
});

t.test('pre-AUTH limits with requirepass: 10 arguments, 16384-byte bulks; lifted by AUTH', async (t) => {
  const c = await startCatena(t, { requirepass: 'pw' });
  const redis = await startPrivateRedis(t, ['--requirepass', 'pw']);
  if (redis === null) t.comment('no redis-server: checking the stated Redis outcomes against Catena only');
  const echo10 = multibulk(...Array<string>(10).fill('ECHO'));
  const echo11 = multibulk(...Array<string>(11).fill('ECHO'));
  const cases: Case[] = [
    fails('*11 before AUTH', '*11\r\n', 'unauthenticated multibulk length'),
    open('*10 before AUTH waits for its arguments', '*10\r\n'),
    open('10 arguments before AUTH reach the command table', echo10, "-ERR wrong number of arguments for 'echo' command\r\n"),
    fails('11 arguments before AUTH', echo11, 'unauthenticated multibulk length'),
    fails('$16385 before AUTH', '*2\r\n$4\r\nECHO\r\n$16385\r\n', 'unauthenticated bulk length'),
    open('$16384 before AUTH is accepted, then NOAUTH', multibulk('ECHO', x(16384)), '-NOAUTH Authentication required.\r\n'),
    open('unknown command before AUTH is an unknown command', multibulk('nocmd', 'a'), "-ERR unknown command 'nocmd', with args beginning with: 'a' \r\n"),
    open('inline requests have no argument limit before AUTH', `PING${' a'.repeat(20)}\r\n`, '-NOAUTH Authentication required.\r\n'),
    open('*0 and *-1 before AUTH are skipped', `*-1\r\n*0\r\n${multibulk('PING')}`, '-NOAUTH Authentication required.\r\n'),
    fails('a failed AUTH keeps the limits', multibulk('AUTH', 'bad') + echo11, 'unauthenticated multibulk length', '-WRONGPASS invalid username-password pair or user is disabled.\r\n'),
    open('AUTH lifts the argument limit', multibulk('AUTH', 'pw') + echo11, "+OK\r\n-ERR wrong number of arguments for 'echo' command\r\n"),
    open('AUTH lifts the bulk limit', multibulk('AUTH', 'pw') + multibulk('ECHO', x(16385)), `+OK\r\n$16385\r\n${x(16385)}\r\n`),
  ];
  await checkCases(t, c.port, redis?.port ?? null, cases);
});

t.test('proto-max-bulk-len changed at run time with CONFIG SET', async (t) => {
  const c = await startCatena(t);
  const redis = await startPrivateRedis(t);
  const servers: Array<[string, number]> = [['catena', c.port]];
  if (redis !== null) servers.push(['redis', redis.port]);
  else t.comment('no redis-server: Catena only');
  for (const [name, port] of servers) {
    const admin = await RawClient.connect(port);
    t.teardown(() => admin.close());
    t.equal(await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '1048576'), '+OK\r\n', `${name}: CONFIG SET proto-max-bulk-len`);
    const over = await exchange(port, bytes('*2\r\n$4\r\nECHO\r\n$1048577\r\n'), { untilClosed: true, timeoutMs: 5000 });
    t.equal(show(over), show({ reply: perr('invalid bulk length'), closed: true }), `${name}: a bulk one byte over the new limit`);
    const at = await exchange(port, bytes(multibulk('ECHO', x(1048576))), { expectBytes: 1048576 + 12 });
    t.equal(at.reply, `$1048576\r\n${x(1048576)}\r\n`, `${name}: a bulk at the new limit is served`);
    t.equal(at.closed, false, `${name}: and the connection stays open`);
    t.equal(await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '536870912'), '+OK\r\n', `${name}: restore`);
    const back = await exchange(port, bytes('*2\r\n$4\r\nECHO\r\n$1048577\r\n'), { quietMs: 250 });
    t.equal(show(back), show({ reply: '', closed: false }), `${name}: the old limit is back`);
  }
});

t.test('client-query-buffer-limit closes without a reply (Redis counts the element being read)', async (t) => {
  const limit = 1048576;
  const c = await startCatena(t, { config: { 'client-query-buffer-limit': String(limit) } });
  const redis = await startPrivateRedis(t, ['--client-query-buffer-limit', String(limit)]);
  if (redis === null) t.comment('no redis-server: checking the stated Redis outcomes against Catena only');
  const pingBurst = multibulk('PING').repeat(80000); // 1.1 MB of complete commands in one write
  const manyArgs = `*100000\r\n${multibulk(...Array<string>(50000).fill(x(30, 'y'))).slice('*50000\r\n'.length)}`;
  const cases: Array<Case & { expectBytes?: number }> = [
    { name: 'an incomplete 2 MB bulk', send: `*1\r\n$2000000\r\n${x(1500000)}`, reply: '', closed: true },
    { name: 'a complete 1.5 MB bulk', send: multibulk('ECHO', x(1500000)), reply: '', closed: true },
    { name: 'a complete bulk 1 KB over the limit', send: multibulk('ECHO', x(limit + 1024)), reply: '', closed: true },
    // Parsed arguments leave Redis's query buffer: 1.9 MB of small arguments is not over it.
    { name: 'an incomplete request of 1.9 MB in small arguments is not over the limit', send: manyArgs, reply: '', closed: false },
    { name: '1.1 MB of complete pipelined commands in one write', send: pingBurst, reply: '+PONG\r\n'.repeat(80000), closed: false, expectBytes: 7 * 80000 },
    { name: 'a 0.9 MB bulk is under the limit', send: multibulk('ECHO', x(900000)), reply: `$900000\r\n${x(900000)}\r\n`, closed: false, expectBytes: 900011 },
  ];
  for (const cs of cases) {
    const opts = cs.closed ? { untilClosed: true, timeoutMs: 10000 } : cs.expectBytes !== undefined ? { expectBytes: cs.expectBytes } : { quietMs: 300 };
    const [mine, ref] = await Promise.all([
      exchange(c.port, bytes(cs.send), opts),
      redis === null ? Promise.resolve(null) : exchange(redis.port, bytes(cs.send), opts),
    ]);
    const expected = show({ reply: cs.reply, closed: cs.closed }, 80);
    t.equal(show(mine, 80), expected, `catena: ${cs.name}`);
    if (ref !== null) t.equal(show(ref, 80), expected, `redis agrees: ${cs.name}`);
  }
  // The server itself is unharmed.
  const r = await RawClient.connect(c.port);
  t.teardown(() => r.close());
  t.equal(await r.call('PING'), '+PONG\r\n', 'a new client is served afterwards');
});

t.test('wrong arity and unknown commands', async (t) => {
  const c = await startCatena(t);
  const redis = await startRedis(t);
  const long = x(200, 'a');
  const cases: Case[] = [
    open('GET without a key', multibulk('GET'), "-ERR wrong number of arguments for 'get' command\r\n"),
    open('GET with two keys', multibulk('get', 'a', 'b'), "-ERR wrong number of arguments for 'get' command\r\n"),
    open('SET with one argument', multibulk('SeT', 'a'), "-ERR wrong number of arguments for 'set' command\r\n"),
    open('ECHO with two arguments (inline)', 'ECHO a b\r\n', "-ERR wrong number of arguments for 'echo' command\r\n"),
    open('PING with two arguments', multibulk('PING', 'a', 'b'), "-ERR wrong number of arguments for 'ping' command\r\n"),
    open('unknown command, no arguments', multibulk('nosuch'), "-ERR unknown command 'nosuch', with args beginning with: \r\n"),
    open('unknown command, inline, arguments quoted back', 'nosuch a "b c"\r\n', "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b c' \r\n"),
    open('empty command name', '*1\r\n$0\r\n\r\n', "-ERR unknown command '', with args beginning with: \r\n"),
    open('newlines in the name become spaces', multibulk('no\r\nsuch', 'x\ny'), "-ERR unknown command 'no  such', with args beginning with: 'x y' \r\n"),
    open('binary name', multibulk('\xff\x80', '\x01'), "-ERR unknown command '\xff\x80', with args beginning with: '\x01' \r\n"),
    // Redis formats the texts with %.128s: a NUL ends the name and each argument there.
    open('a NUL cuts the name and the arguments', multibulk('no\0such', 'a\0b', 'cd'), "-ERR unknown command 'no', with args beginning with: 'a' 'cd' \r\n"),
    open('a NUL cuts an unknown subcommand', multibulk('CLIENT', 'a\0b'), "-ERR unknown subcommand 'a'. Try CLIENT HELP.\r\n"),
    open('a name longer than 128 bytes is cut at 128', multibulk(long), `-ERR unknown command '${x(128, 'a')}', with args beginning with: \r\n`),
    open(
      'the argument preview stops after 128 bytes',
      multibulk('nosuch', x(100, 'b'), x(100, 'c'), 'd'),
      `-ERR unknown command 'nosuch', with args beginning with: '${x(100, 'b')}' '${x(25, 'c')}' \r\n`,
    ),
    open('unknown subcommand', multibulk('CLIENT', 'NOSUCH'), "-ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.\r\n"),
    open('an error does not close: the next command is served', `${multibulk('GET')}PING\r\n`, "-ERR wrong number of arguments for 'get' command\r\n+PONG\r\n"),
  ];
  await checkCases(t, c.port, redis?.port ?? null, cases);
});

t.test("a protocol error on one connection never disturbs another's requests or data", async (t) => {
  const c = await startCatena(t);
  const good = await RawClient.connect(c.port);
  t.teardown(() => good.close());
  const value = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  t.equal(await good.call('SET', 'iso:k', value), '+OK\r\n');
  // The healthy client is in the middle of a request when the others misbehave.
  const half = bytes(multibulk('SET', 'iso:k2', value));
  good.writeRaw(half.subarray(0, 20));
  const bad = [
    '*1\r\nxyz\r\n',
    '*-0\r\n',
    'ECHO "\r\n',
    `*1\r\n$${x(70000, '9')}`,
    `${x(70000)}`,
    '*3\r\n$3\r\nSET\r\n$5\r\niso:k\r\n$99999999999999\r\n',
    '*3\r\n$3\r\nSET\r\n$5\r\niso:k\r\n$5\r\nevil', // left incomplete, then dropped
  ];
  const outcomes = await Promise.all(bad.map((b) => exchange(c.port, bytes(b), { quietMs: 200, timeoutMs: 5000 })));
  t.ok(outcomes.slice(0, 6).every((o) => o.closed), 'every bad connection was closed');
  good.writeRaw(half.subarray(20));
  t.equal((await good.read()).raw, '+OK\r\n', 'the interrupted request completes');
  t.equal(await good.call('GET', 'iso:k'), `$256\r\n${value}\r\n`, 'data intact');
  t.equal(await good.call('GET', 'iso:k2'), `$256\r\n${value}\r\n`, 'data written across the incident intact');
  t.equal(await good.call('PING'), '+PONG\r\n');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(c.server.sessions.size, 1, 'no session left behind by the closed connections');
});

// ---------------------------------------------------------------------------------------
// Fuzz: seeded malformed requests. Each case is a few requests (valid, mutated, inline,
// truncated), sent on a fresh connection in random pieces. The server must answer with
// well-formed RESP, then either wait or close; never crash, never hang; a healthy client is
// served throughout; and, when a redis-server is available, the outcome must equal Redis's.

/** Why two outcomes differ, or null when they are the same. */
function outcomeDiff(a: Outcome, b: Outcome): string | null {
  if (a.reply !== b.reply) return 'reply bytes differ';
  if (a.closed !== b.closed) return a.closed ? 'only the first closed' : 'only the second closed';
  return null;
}

/** Every byte of a reply stream is whole RESP replies (nothing cut, nothing malformed). */
function wellFormed(reply: string): boolean {
  try {
    return decodeAll(Buffer.from(reply, 'latin1')).end === reply.length;
  } catch {
    return false;
  }
}

async function fuzzOne(port: number, chunks: Buffer[], quietMs: number): Promise<Outcome> {
  return exchange(port, chunks, { quietMs, timeoutMs: 10000 });
}

t.test('fuzz: seeded malformed requests never crash or hang the server, and match Redis', async (t) => {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20240611;
  const count = process.env.FUZZ_COUNT ? Number(process.env.FUZZ_COUNT) : 2000;
  const c = await startCatena(t);
  const redis = await startRedis(t);
  if (redis === null) t.comment('no redis-server: checking well-formed replies and liveness only');
  const healthy = await RawClient.connect(c.port);
  t.teardown(() => healthy.close());
  t.equal(await healthy.call('SET', 'fz:healthy', 'intact'), '+OK\r\n');

  const gen = new FuzzGen(new Rng(seed));
  const cases = Array.from({ length: count }, (_, i) => {
    const data = bytes(gen.fuzzCase(i));
    return { i, data, chunks: gen.split(data) };
  });
  let mismatches = 0;
  let malformed = 0;
  let closedCount = 0;
  const batch = 48;
  for (let start = 0; start < cases.length && mismatches + malformed < 5; start += batch) {
    await Promise.all(
      cases.slice(start, start + batch).map(async (cs) => {
        let [mine, ref] = await Promise.all([
          fuzzOne(c.port, cs.chunks, 120),
          redis === null ? Promise.resolve(null) : fuzzOne(redis.port, cs.chunks, 120),
        ]);
        if (ref !== null && outcomeDiff(mine, ref) !== null) {
          // Rule out a slow server before calling it a difference: again, unhurried.
          [mine, ref] = await Promise.all([fuzzOne(c.port, [cs.data], 1000), fuzzOne(redis?.port ?? 0, [cs.data], 1000)]);
        }
        if (mine.closed) closedCount++;
        if (!wellFormed(mine.reply)) {
          malformed++;
          t.fail(`fuzz case ${cs.i} (seed ${seed}): reply is not well-formed RESP`, { sent: JSON.stringify(cs.data.toString('latin1')), catena: show(mine) });
        }
        const why = ref === null ? null : outcomeDiff(mine, ref);
        if (ref !== null && why !== null) {
          mismatches++;
          if (process.env.FUZZ_DUMP) {
            fs.appendFileSync(process.env.FUZZ_DUMP, `${JSON.stringify({ seed, i: cs.i, sent: cs.data.toString('latin1'), catena: mine, redis: ref })}\n`);
          }
          t.fail(`fuzz case ${cs.i} (seed ${seed}) differs from Redis: ${why}`, {
            sent: JSON.stringify(cs.data.toString('latin1')),
            catena: show(mine, 4000),
            redis: show(ref, 4000),
          });
        }
      }),
    );
    // The healthy client is served between batches.
    if (start % (batch * 10) === 0) t.equal(await healthy.call('PING'), '+PONG\r\n', `healthy client served after ${start + batch} cases`);
  }
  t.equal(mismatches, 0, `${count} fuzz cases (seed ${seed}) answered as Redis answers them`);
  t.equal(malformed, 0, 'every reply stream was well-formed RESP');
  t.ok(closedCount > count / 10 && closedCount < count, `the fuzz reaches both outcomes (${closedCount} closed of ${count})`);
  t.equal(await healthy.call('GET', 'fz:healthy'), '$6\r\nintact\r\n', "the healthy client's data is intact");
  await new Promise((r) => setTimeout(r, 100));
  t.equal(c.server.sessions.size, 1, 'every fuzz connection is gone from the server');
});

t.test('negative control: the fuzz comparison catches a server that answers differently', async (t) => {
  // A deliberately wrong "server": answers +PONG to anything, then closes.
  const liar = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('+PONG\r\n'));
  });
  await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => liar.close(() => resolve())));
  const liarPort = (liar.address() as net.AddressInfo).port;
  const c: CatenaHandle = await startCatena(t);
  const gen = new FuzzGen(new Rng(7));
  let caught = 0;
  for (let i = 0; i < 20; i++) {
    const data = bytes(gen.fuzzCase(i));
    const [mine, lie] = await Promise.all([fuzzOne(c.port, [data], 120), fuzzOne(liarPort, [data], 120)]);
    if (outcomeDiff(mine, lie) !== null) caught++;
  }
  t.ok(caught >= 15, `the comparison flags the wrong server (${caught} of 20 cases)`);
  t.notOk(wellFormed('$5\r\nab'), 'a cut reply is not well-formed');
  t.notOk(wellFormed('?what\r\n'), 'a bad type byte is not well-formed');
});
