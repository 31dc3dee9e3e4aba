/**
 * A throw-away redis-server a test may kill and restart: own free loopback port, own temp
 * dir, append-only file on (so a restart on the same dir keeps what was acknowledged). Killed
 * by its pid and its dir removed in teardown. For a Redis the test only reads and writes, use
 * `redisForBackend`, which honours REDIS_URL (the caller promises it may be flushed) and
 * returns null, with the reason, when neither it nor redis-server is available.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import type { Test } from 'tap';
import { freePort, redisServerAvailable } from './redis-oracle';

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  /** SIGKILL the server (by pid) and wait until it is gone. */
  kill(): Promise<void>;
  /** Start it again on the same port and dir; resolves once it answers PING. */
  start(): Promise<void>;
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const done = (v: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), 300);
    sock.on('connect', () => sock.write('PING\r\n'));
    // +PONG once loaded; -LOADING while the AOF is read back.
    sock.on('data', (d) => done(d.toString('latin1').startsWith('+PONG')));
    sock.on('error', () => done(false));
  });
}

export async function startRedisServer(t: Test): Promise<RedisServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-redis-backend-'));
  let child: ChildProcess | null = null;
  const kill = async (): Promise<void> => {
    const c = child;
    child = null;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGKILL');
    await gone;
  };
  const start = async (): Promise<void> => {
    if (child !== null) throw new Error('redis-server already running');
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir, '--logfile', path.join(dir, 'redis.log')],
      { stdio: 'ignore' },
    );
    child = c;
    for (let i = 0; i < 200; i++) {
      if (await answers(port)) return;
      if (c.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`throw-away redis-server on port ${port} did not start`);
  };
  t.teardown(async () => {
    await kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, dir, kill, start };
}

/** The Redis for backend tests: REDIS_URL, else a throw-away server; null with a reason when neither. */
export async function redisForBackend(t: Test): Promise<{ url: string; server: RedisServer | null } | { skip: string }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, server: null };
  if (!redisServerAvailable()) return { skip: 'redis-server is not installed and REDIS_URL is not set' };
  const server = await startRedisServer(t);
  return { url: server.url, server };
}
