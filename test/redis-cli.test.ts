// The real `redis-cli` (7.0) against Catena: one-shot commands (plain, --raw, --no-raw, -3),
// piped input, --pipe mass insertion, -a with requirepass, and the interactive REPL in a
// pseudo-terminal (util-linux `script`). What redis-cli prints must be what it prints against
// a real Redis, byte for byte. A recording proxy checks its start-up: in REPL mode (a tty, or
// commands piped on stdin) redis-cli 7.0 first sends COMMAND DOCS and builds its help and
// hints from the reply; an error there would silently fall back to its built-in help, so
// the reply itself is checked.
//
// redis-cli runs as a child process (never spawnSync: the Catena under test runs in this
// process's event loop, which must keep turning).
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { startRecordingProxy } from './helpers/wire';
import { decodeOne } from '../src/resp/decoder';

const haveCli = spawnSync('redis-cli', ['--version']).status === 0;
const haveScript = spawnSync('script', ['--version']).status === 0;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Run a command; `input` is written to its stdin as timed pieces ([text, delay before]). */
function run(cmd: string, args: string[], input: Array<[string, number]> | string = '', env: NodeJS.ProcessEnv = {}, timeoutMs = 20000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code });
    });
    void (async () => {
      if (typeof input === 'string') {
        child.stdin.end(input);
        return;
      }
      for (const [text, delayMs] of input) {
        await sleep(delayMs);
        child.stdin.write(text);
      }
      child.stdin.end();
    })();
  });
}

const cli = (port: number, args: string[], input: Array<[string, number]> | string = '') => run('redis-cli', ['-p', String(port), ...args], input);

t.test('redis-cli one-shot commands print what they print against Redis', { skip: haveCli ? false : 'redis-cli is not installed' }, async (t) => {
  const c = await startCatena(t);
  const redis = await startRedis(t);
  const p = `cli:${process.pid}:`;
  const invocations: Array<[string[], string | null]> = [
    // [arguments, the expected stdout (checked on Catena; null: only compared with Redis)]
    [['set', `${p}k`, 'hello world'], 'OK\n'],
    [['get', `${p}k`], 'hello world\n'],
    [['--no-raw', 'get', `${p}k`], '"hello world"\n'],
    [['get', `${p}missing`], '\n'],
    [['--no-raw', 'get', `${p}missing`], '(nil)\n'],
    [['incr', `${p}n`], '1\n'],
    [['--no-raw', 'incr', `${p}n`], '(integer) 2\n'],
    [['rpush', `${p}l`, 'x', 'y z'], '2\n'],
    [['lrange', `${p}l`, '0', '-1'], 'x\ny z\n'],
    [['--no-raw', 'lrange', `${p}l`, '0', '-1'], '1) "x"\n2) "y z"\n'],
    [['--no-raw', 'lrange', `${p}missing`, '0', '-1'], '(empty array)\n'],
    [['set', `${p}bin`, 'a\nb\x01é'], 'OK\n'],
    [['--raw', 'get', `${p}bin`], 'a\nb\x01é\n'],
    [['--no-raw', 'get', `${p}bin`], '"a\\nb\\x01\\xc3\\xa9"\n'],
    [['--no-raw', 'nosuch', 'x'], "(error) ERR unknown command 'nosuch', with args beginning with: 'x' \n"],
    // Without a tty an error is followed by an empty line.
    [['get'], "ERR wrong number of arguments for 'get' command\n\n"],
    [['-3', '--no-raw', 'zadd', `${p}z`, '1.5', 'm'], '(integer) 1\n'],
    [['-3', '--no-raw', 'zscore', `${p}z`, 'm'], '(double) 1.5\n'],
    [['--no-raw', 'zscore', `${p}z`, 'm'], '"1.5"\n'],
    [['-3', '--no-raw', 'zrange', `${p}z`, '0', '-1', 'withscores'], '1) 1) "m"\n   2) (double) 1.5\n'],
    [['-3', '--no-raw', 'config', 'get', 'maxclients'], '1# "maxclients" => "10000"\n'],
    [['--no-raw', 'config', 'get', 'maxclients'], '1) "maxclients"\n2) "10000"\n'],
    [['-3', '--no-raw', 'get', `${p}missing`], '(nil)\n'],
    [['-n', '3', 'set', `${p}db3`, 'x'], 'OK\n'],
    [['-n', '3', 'get', `${p}db3`], 'x\n'],
    [['get', `${p}db3`], '\n'],
    [['-r', '3', 'incr', `${p}rep`], '1\n2\n3\n'],
    [['--no-raw', 'ping'], 'PONG\n'],
    [['echo', 'é'], 'é\n'],
  ];
  const mine: Run[] = [];
  for (const [args, expected] of invocations) {
    const r = await cli(c.port, args);
    mine.push(r);
    if (expected !== null) t.equal(r.stdout, expected, `catena: redis-cli ${args.join(' ')}`);
    t.equal(r.code, 0, `catena: redis-cli ${args.join(' ')} exits 0`);
  }
  if (redis === null) {
    t.comment('no redis-server: outputs not compared with Redis');
    return;
  }
  for (let i = 0; i < invocations.length; i++) {
    const [args] = invocations[i] as [string[], string | null];
    const ref = await cli(redis.port, args);
    t.equal((mine[i] as Run).stdout, ref.stdout, `same output as Redis: redis-cli ${args.join(' ')}`);
  }
});

t.test('redis-cli with piped commands (REPL mode without a tty) and --pipe', { skip: haveCli ? false : 'redis-cli is not installed' }, async (t) => {
  const c = await startCatena(t);
  const proxy = await startRecordingProxy(t, c.port);
  const redis = await startRedis(t);
  const p = `clipipe:${process.pid}:`;
  const script = `set ${p}a 1\nincr ${p}a\nget ${p}a\nnosuch\nset ${p}q "two words"\nget ${p}q\n`;
  const r = await cli(proxy.port, [], script);
  t.equal(r.stdout, `OK\n2\n2\nERR unknown command 'nosuch', with args beginning with: \n\nOK\ntwo words\n`, 'replies of piped commands');
  t.equal(r.code, 0);
  t.match(proxy.sent(), /^\*2\r\n\$7\r\nCOMMAND\r\n\$4\r\nDOCS\r\n/, 'redis-cli starts by sending COMMAND DOCS');
  const docs = decodeOne(Buffer.from(proxy.received(), 'latin1')).value;
  t.ok(Array.isArray(docs) && docs.length > 100, 'and gets a command-docs array back (not an error)');

  // --pipe: mass insertion in RESP, ended by redis-cli's ECHO marker.
  let mass = '';
  for (let i = 0; i < 1000; i++) mass += `*3\r\n$3\r\nSET\r\n$${`${p}m${i}`.length}\r\n${p}m${i}\r\n$${String(i).length}\r\n${i}\r\n`;
  const piped = await cli(c.port, ['--pipe'], mass);
  t.match(piped.stdout, /errors: 0, replies: 1000/, '--pipe: 1000 replies, no errors');
  t.equal(piped.code, 0);
  t.equal((await cli(c.port, ['get', `${p}m999`])).stdout, '999\n', '--pipe data is there');
  if (redis !== null) {
    const ref = await cli(redis.port, [], script);
    t.equal(r.stdout, ref.stdout, 'same output as Redis for the piped commands');
  }
});

t.test('redis-cli -a with requirepass', { skip: haveCli ? false : 'redis-cli is not installed' }, async (t) => {
  const c = await startCatena(t, { requirepass: 's3cret' });
  const ok = await cli(c.port, ['-a', 's3cret', '--no-auth-warning', 'ping']);
  t.equal(ok.stdout, 'PONG\n', 'authenticated with -a');
  const none = await cli(c.port, ['--no-raw', 'ping']);
  t.equal(none.stdout, '(error) NOAUTH Authentication required.\n', 'without -a: NOAUTH');
  const bad = await cli(c.port, ['-a', 'wrong', '--no-auth-warning', 'ping']);
  t.match(bad.stderr, /AUTH failed: WRONGPASS invalid username-password pair or user is disabled\./, 'a wrong password is reported');
});

/** Normalize a pty transcript: CR(s) LF → LF, no ANSI colours, the port in the prompt → PORT. */
function normalize(s: string, port: number): string {
  return s.replace(/\r+\n/g, '\n').replace(/\x1b\[[0-9;]*m/g, '').replace(new RegExp(`127\\.0\\.0\\.1:${port}`, 'g'), '127.0.0.1:PORT');
}

async function interactive(port: number, lines: string[]): Promise<Run> {
  // TERM=dumb: linenoise reads plain lines (no raw mode, no cursor-position queries); stdin is
  // still a tty, so redis-cli runs its interactive REPL with prompts and formatted replies.
  // `stty -echo`: the terminal does not echo what is typed, so the transcript (prompts and
  // replies) does not depend on when each line is typed.
  const input: Array<[string, number]> = lines.map((l, i) => [`${l}\n`, i === 0 ? 500 : 150]);
  input.push(['quit\n', 150]);
  return run('script', ['-qfec', `stty -echo; redis-cli -p ${port}`, '/dev/null'], input, { TERM: 'dumb' });
}

t.test(
  'redis-cli interactive in a pseudo-terminal: start-up, prompts, replies, help from COMMAND DOCS',
  { skip: !haveCli ? 'redis-cli is not installed' : !haveScript ? 'util-linux script is not installed' : false },
  async (t) => {
    const c = await startCatena(t);
    const proxy = await startRecordingProxy(t, c.port);
    const redis = await startRedis(t);
    const p = `clitty:${process.pid}:`;
    const lines = [`set ${p}a 10`, `incrby ${p}a 5`, `get ${p}a`, `get ${p}none`, `rpush ${p}l a b`, `lrange ${p}l 0 -1`, 'nosuch x', 'help set', 'help get'];
    const r = await interactive(proxy.port, lines);
    const out = normalize(r.stdout, proxy.port);
    t.equal(r.code, 0, 'redis-cli exits 0 after quit');
    t.match(proxy.sent(), /^\*2\r\n\$7\r\nCOMMAND\r\n\$4\r\nDOCS\r\n/, 'the first thing redis-cli sends is COMMAND DOCS');
    const docs = decodeOne(Buffer.from(proxy.received(), 'latin1')).value;
    t.ok(Array.isArray(docs) && docs.length > 100, 'answered with the command docs array');
    t.notMatch(out, /Could not connect|Error:|Reading reply/, 'no connection or protocol error at start-up');
    t.match(out, /^127\.0\.0\.1:PORT> OK\n127\.0\.0\.1:PORT> \(integer\) 15\n/, 'prompts and replies');
    t.match(out, '(integer) 15\n', 'integer reply formatted');
    t.match(out, '"15"\n', 'bulk reply quoted');
    t.match(out, '(nil)\n', 'null formatted');
    t.match(out, '1) "a"\n2) "b"\n', 'array formatted');
    t.match(out, "(error) ERR unknown command 'nosuch', with args beginning with: 'x' \n", 'error formatted');
    t.match(out, /SET key value \[NX\|XX\] \[GET\].*\n\s+summary: Set the string value of a key\n\s+since: 1\.0\.0\n\s+group: string/, 'help set comes from COMMAND DOCS');
    if (redis === null) {
      t.comment('no redis-server: transcript not compared with Redis');
      return;
    }
    const ref = await interactive(redis.port, lines);
    t.equal(out, normalize(ref.stdout, redis.port), 'the whole transcript is the one Redis gives');
  },
);
