// The built `catena` command (bin/catena.js → dist/): help texts, every documented flag
// accepted, a node that starts, answers redis-cli, and stops cleanly on SIGINT and SIGTERM
// (exit code 0, port released), --requirepass, --config FILE (flags win over the file), and
// clear errors with exit code 1 for bad input.
//
// dist/ comes from `npm test`'s pretest (tsc -p tsconfig.build.json). When this file is run
// on its own (`npx tap test/cli.test.ts`) and dist/ is missing or older than the sources, it
// is rebuilt here first, so the test never runs a stale build.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './helpers/redis-oracle';
import { RawClient } from './helpers/raw-client';
import { ROOT, finished, catena, startNode, canConnect, portReleased, ensureBuilt, type Run } from './helpers/cli-process';

const haveCli = spawnSync('redis-cli', ['--version']).status === 0;

function redisCli(args: string[]): Promise<Run> {
  return finished(spawn('redis-cli', args), 10000);
}

t.before(() => ensureBuilt(t));

t.test('catena --help, --version, no command, unknown command', async (t) => {
  const help = await catena(['--help']);
  t.equal(help.code, 0, '--help exits 0');
  t.match(help.stdout, /^Usage: catena <command> \[options\]/, 'usage line');
  t.match(help.stdout, /^\s+server\s+Start one Catena node\./m, 'lists the server command');
  t.match(help.stdout, /catena <command> --help/, 'points to per-command help');
  const version = await catena(['--version']);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  t.equal(version.stdout, `catena ${pkg.version}\n`, '--version prints the package version');
  t.equal(version.code, 0);
  const none = await catena([]);
  t.match(none.stdout, /^Usage: catena/, 'no command: prints the usage');
  t.not(none.code, 0, 'no command: non-zero exit');
  const unknown = await catena(['frobnicate']);
  t.equal(unknown.code, 1, 'unknown command: exit 1');
  t.match(unknown.stderr, /unknown command 'frobnicate'/, 'unknown command: says which');
});

t.test('catena server --help documents every flag, and every documented flag is accepted', async (t) => {
  const help = await catena(['server', '--help']);
  t.equal(help.code, 0, 'exits 0');
  t.match(help.stdout, /^Usage: catena server \[options\]/, 'usage line');
  for (const flag of ['--port', '--bind', '--requirepass', '--config', '--quiet', '--help', '-h']) {
    t.match(help.stdout, new RegExp(`(^|[\\s,])${flag}\\b`, 'm'), `documents ${flag}`);
  }
  t.match(help.stdout, /SIGINT/, 'documents how it stops');
  // Each option line of the help: the flag and whether it takes a value.
  const documented = [...help.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)( <[^>]+>)?/gm)].map((m) => ({ flag: m[1] as string, value: m[2] !== undefined }));
  t.ok(documented.length >= 6, `found ${documented.length} documented options`);
  for (const { flag, value } of documented) {
    // With --help the parser still rejects unknown options (strict), but then prints help.
    const r = await catena(['server', flag, ...(value ? ['1'] : []), '--help']);
    t.equal(r.code, 0, `${flag} is accepted by the parser`);
  }
});

t.test('catena server starts, answers redis-cli, and stops cleanly on SIGINT and on SIGTERM', { skip: haveCli ? false : 'redis-cli is not installed' }, async (t) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const port = await freePort();
    const { child, done } = await startNode(t, ['--port', String(port)], port);
    const ping = await redisCli(['-p', String(port), 'ping']);
    t.equal(ping.stdout, 'PONG\n', `${signal} run: redis-cli ping → PONG`);
    const set = await redisCli(['-p', String(port), 'set', 'k', 'v']);
    t.equal(set.stdout, 'OK\n', `${signal} run: redis-cli set`);
    // A client still connected when the signal arrives must not keep the node alive.
    const idle = await RawClient.connect(port);
    t.teardown(() => idle.close());
    child.kill(signal);
    const r = await done;
    t.equal(r.code, 0, `${signal}: exit code 0`);
    t.equal(r.signal, null, `${signal}: exited by itself, not killed by the signal`);
    t.match(r.stderr, /ready to accept connections/, `${signal}: logged start-up`);
    t.match(r.stderr, new RegExp(`Received ${signal}`), `${signal}: logged the signal`);
    t.ok(await portReleased(port), `${signal}: port ${port} released`);
    t.ok(await idle.waitClosed(2000), `${signal}: the connected client was disconnected`);
  }
});

t.test('catena server --requirepass', { skip: haveCli ? false : 'redis-cli is not installed' }, async (t) => {
  const port = await freePort();
  const { child, done } = await startNode(t, ['--port', String(port), '--requirepass', 'pw', '--quiet'], port);
  t.equal((await redisCli(['-p', String(port), '--no-raw', 'ping'])).stdout, '(error) NOAUTH Authentication required.\n', 'without AUTH: NOAUTH');
  t.equal((await redisCli(['-p', String(port), '-a', 'pw', '--no-auth-warning', 'ping'])).stdout, 'PONG\n', 'with -a pw: PONG');
  child.kill('SIGTERM');
  const r = await done;
  t.equal(r.code, 0);
  t.equal(r.stderr, '', '--quiet prints nothing');
});

t.test('catena server --config FILE is read; flags win over the file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const filePort = await freePort();
  const file = path.join(dir, 'catena.conf');
  fs.writeFileSync(file, `# a redis.conf-style file\nport ${filePort}\n\nrequirepass "pa ss"\nslowlog-max-len 77\n`);
  const a = await startNode(t, ['--config', file, '--quiet'], filePort);
  const c = await RawClient.connect(filePort);
  t.teardown(() => c.close());
  t.equal(await c.call('PING'), '-NOAUTH Authentication required.\r\n', 'requirepass from the file applies');
  t.equal(await c.call('AUTH', 'pa ss'), '+OK\r\n', 'the quoted password from the file');
  t.equal(await c.call('CONFIG', 'GET', 'slowlog-max-len'), '*2\r\n$15\r\nslowlog-max-len\r\n$2\r\n77\r\n', 'other parameters from the file');
  c.close();
  a.child.kill('SIGTERM');
  t.equal((await a.done).code, 0);

  const flagPort = await freePort();
  const b = await startNode(t, ['--config', file, '--port', String(flagPort), '--requirepass', 'flag', '--quiet'], flagPort);
  t.notOk(await canConnect(filePort), "the file's port is not used when --port is given");
  const d = await RawClient.connect(flagPort);
  t.teardown(() => d.close());
  t.equal(await d.call('AUTH', 'flag'), '+OK\r\n', '--requirepass wins over the file');
  d.close();
  b.child.kill('SIGINT');
  t.equal((await b.done).code, 0);
});

t.test('bad input: clear errors, exit code 1', async (t) => {
  const bogus = await catena(['server', '--bogus']);
  t.equal(bogus.code, 1, 'unknown flag: exit 1');
  t.match(bogus.stderr, /--bogus/, 'unknown flag: names it');
  t.match(bogus.stderr, /Usage: catena server/, 'unknown flag: shows the usage');
  const noValue = await catena(['server', '--port']);
  t.equal(noValue.code, 1, 'a flag without its value: exit 1');
  t.match(noValue.stderr, /--port/, 'a flag without its value: names it');
  const badPort = await catena(['server', '--port', 'seventy']);
  t.equal(badPort.code, 1, 'bad port: exit 1');
  t.match(badPort.stderr, /invalid port 'seventy'/, 'bad port: says so');
  const outOfRange = await catena(['server', '--port', '70000']);
  t.equal(outOfRange.code, 1, 'port out of range: exit 1');
  const stray = await catena(['server', 'extra']);
  t.equal(stray.code, 1, 'a stray argument: exit 1');
  const missing = await catena(['server', '--config', '/nonexistent/catena.conf']);
  t.equal(missing.code, 1, 'missing config file: exit 1');
  t.match(missing.stderr, /\/nonexistent\/catena\.conf/, 'missing config file: names it');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const badFile = path.join(dir, 'bad.conf');
  fs.writeFileSync(badFile, 'requirepass "unclosed\n');
  const unbalanced = await catena(['server', '--config', badFile]);
  t.equal(unbalanced.code, 1, 'malformed config file: exit 1');
  t.match(unbalanced.stderr, /bad\.conf:1/, 'malformed config file: names the file and line');
  // The port is taken: the node says so and exits 1 instead of hanging.
  const port = await freePort();
  const { child, done } = await startNode(t, ['--port', String(port), '--quiet'], port);
  const second = await catena(['server', '--port', String(port), '--quiet']);
  t.equal(second.code, 1, 'port in use: exit 1');
  t.match(second.stderr, /EADDRINUSE|address already in use/i, 'port in use: says so');
  child.kill('SIGTERM');
  t.equal((await done).code, 0);
});
