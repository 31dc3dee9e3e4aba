/**
 * A real Redis for tests to compare against. REDIS_URL wins when set (the caller promises
 * it may be flushed); otherwise a throw-away `redis-server` is started on a free loopback
 * port with no persistence and stopped (by its pid) in teardown. Returns null when neither
 * is possible, so a test can skip with a reason instead of failing for the machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Test } from 'tap';

export interface RedisHandle {
  host: string;
  port: number;
  url: string;
  /** Version string reported by INFO server. */
  version: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function ping(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = net.connect(port, host);
    let buf = '';
    const done = (v: string | null) => {
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.on('connect', () => sock.write('INFO server\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const m = buf.match(/redis_version:(\S+)/);
      if (m) {
        clearTimeout(timer);
        done(m[1] as string);
      }
    });
    sock.on('error', () => {
      clearTimeout(timer);
      done(null);
    });
  });
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

export async function startRedis(t: Test): Promise<RedisHandle | null> {
  if (process.env.REDIS_URL) {
    const u = new URL(process.env.REDIS_URL);
    const host = u.hostname || '127.0.0.1';
    const port = Number(u.port || 6379);
    const version = await ping(host, port, 2000);
    if (version === null) throw new Error(`REDIS_URL ${process.env.REDIS_URL} does not answer`);
    return { host, port, url: process.env.REDIS_URL, version };
  }
  if (!redisServerAvailable()) return null;
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', path.join(dir, 'redis.log')],
    { stdio: 'ignore' },
  );
  t.teardown(() => {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 100; i++) {
    const version = await ping('127.0.0.1', port, 200);
    if (version !== null) return { host: '127.0.0.1', port, url: `redis://127.0.0.1:${port}`, version };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('throw-away redis-server did not start');
}
