/**
 * Byte-level exchanges for protocol tests: send exact bytes to a server (whole, in given
 * pieces, or one byte at a time) and collect every reply byte until the server closes the
 * connection or stays quiet. Used to compare Catena with a real Redis: same bytes in, same
 * bytes out, same open/closed state. Knows nothing of Catena.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Test } from 'tap';
import { freePort, redisServerAvailable } from './redis-oracle';

export interface Outcome {
  /** Every byte the server sent, latin1. */
  reply: string;
  /** The server closed (or reset) the connection. */
  closed: boolean;
}

export interface ExchangeOptions {
  host?: string;
  /** The server is done when it sends nothing for this long (default 150 ms)... */
  quietMs?: number;
  /** ...or once this many reply bytes have arrived (skip the quiet wait when known)... */
  expectBytes?: number;
  /** ...or only when the server closes (or at the timeout): for cases that must close. */
  untilClosed?: boolean;
  /** Pause between pieces, so each arrives in its own read (default 0: write back to back). */
  gapMs?: number;
  /** Give up (and report what arrived) after this long (default 20 s). */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** `*N\r\n$len\r\narg\r\n...` for binary-string arguments. */
export function multibulk(...args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

/** Split `data` into pieces of `size` bytes. */
export function pieces(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

export async function exchange(port: number, data: Buffer | Buffer[], o: ExchangeOptions = {}): Promise<Outcome> {
  const quietMs = o.quietMs ?? 150;
  const timeoutMs = o.timeoutMs ?? 20000;
  const sock = net.connect(port, o.host ?? '127.0.0.1');
  sock.setNoDelay(true);
  const got: Buffer[] = [];
  let gotBytes = 0;
  let closed = false;
  let lastEventMs = Date.now();
  sock.on('data', (d: Buffer) => {
    got.push(d);
    gotBytes += d.length;
    lastEventMs = Date.now();
  });
  sock.on('error', () => {});
  sock.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  const list = Array.isArray(data) ? data : [data];
  for (let i = 0; i < list.length && !closed; i++) {
    sock.write(list[i] as Buffer);
    if ((o.gapMs ?? 0) > 0 && i < list.length - 1) await sleep(o.gapMs as number);
  }
  lastEventMs = Date.now();
  const deadline = Date.now() + timeoutMs;
  while (!closed && Date.now() < deadline) {
    if (o.expectBytes !== undefined && gotBytes >= o.expectBytes) {
      // Known length reached: wait one short beat for anything extra (or a close).
      await sleep(20);
      break;
    }
    if (o.expectBytes === undefined && !o.untilClosed && Date.now() - lastEventMs >= quietMs) break;
    await sleep(5);
  }
  sock.destroy();
  return { reply: Buffer.concat(got).toString('latin1'), closed };
}

/** Readable form of an outcome for failure messages. */
export function show(o: Outcome, max = 300): string {
  const s = JSON.stringify(o.reply);
  return `${s.length > max ? `${s.slice(0, max)}…(${o.reply.length} bytes)` : s} ${o.closed ? 'CLOSED' : 'open'}`;
}

/**
 * A private throw-away redis-server with extra start-up arguments (`--requirepass pw`,
 * `--client-query-buffer-limit 1mb`...), for tests that change server-wide settings and so
 * must never use a shared REDIS_URL. Stopped by its pid in teardown. Null when redis-server
 * is not installed, so the caller can skip the comparison with a reason.
 */
export async function startPrivateRedis(t: Test, args: string[] = []): Promise<{ port: number } | null> {
  if (!redisServerAvailable()) return null;
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', path.join(dir, 'redis.log'), ...args],
    { stdio: 'ignore' },
  );
  t.teardown(() => {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 100; i++) {
    const o = await exchange(port, bytes('PING\r\n'), { expectBytes: 5, timeoutMs: 200 }).catch(() => null);
    if (o !== null && (o.reply.startsWith('+PONG') || o.reply.startsWith('-NOAUTH'))) return { port };
    await sleep(50);
  }
  throw new Error('private redis-server did not start');
}

export interface RecordingProxy {
  port: number;
  /** Bytes the clients sent, in order, latin1 (all connections). */
  sent(): string;
  /** Bytes the server sent back, in order, latin1 (all connections). */
  received(): string;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a server that records both directions, to see exactly what a real
 * client library or redis-cli sends (HELLO 3? COMMAND DOCS?) and what it is answered.
 */
export async function startRecordingProxy(t: Test, targetPort: number, host = '127.0.0.1'): Promise<RecordingProxy> {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((client) => {
    const server = net.connect(targetPort, host);
    sockets.add(client);
    sockets.add(server);
    client.setNoDelay(true);
    server.setNoDelay(true);
    client.on('data', (d: Buffer) => {
      up.push(d);
      server.write(d);
    });
    server.on('data', (d: Buffer) => {
      down.push(d);
      client.write(d);
    });
    const end = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on('close', end);
    server.on('close', end);
    client.on('error', end);
    server.on('error', end);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      srv.close(() => resolve());
    });
  t.teardown(close);
  return {
    port: (srv.address() as net.AddressInfo).port,
    sent: () => Buffer.concat(up).toString('latin1'),
    received: () => Buffer.concat(down).toString('latin1'),
    close,
  };
}
