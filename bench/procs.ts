/**
 * The processes a benchmark run starts — redis-server, Catena nodes, redis-benchmark — on
 * free loopback ports, each remembered by pid and stopped by pid, also when the harness is
 * interrupted (SIGINT/SIGTERM) or fails. Never touches a process it did not start, and never
 * uses port 6379 (a Redis that is not ours may be there).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { RespConnection } from './resp-client';

const children = new Set<ChildProcess>();
const dirsToRemove = new Set<string>();
let cleanupInstalled = false;

/** Remove `dir` if the harness exits before its owner does; returns the function that forgets it. */
export function removeOnExit(dir: string): () => void {
  dirsToRemove.add(dir);
  return () => dirsToRemove.delete(dir);
}

function killAllNow(): void {
  for (const c of children) {
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  for (const d of dirsToRemove) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {
      // a killed server may still hold it; the OS's temp cleanup will
    }
  }
  dirsToRemove.clear();
}

/** Kill every child we started when the harness exits, however it exits. */
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping the processes it started\n`);
      killAllNow();
      process.exit(130);
    });
  }
}

/** Spawn a child that the cleanup knows about. */
export function spawnTracked(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

/** Stop one child by its pid: `signal`, then SIGKILL after `graceMs`. */
export async function stopChild(c: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  process.kill(c.pid, signal);
  const timer = setTimeout(() => {
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export function commandExists(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

export function commandVersion(cmd: string): string {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

/** A free loopback TCP port (never 6379). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        const p = typeof a === 'object' && a !== null ? a.port : 0;
        s.close(() => resolve(p));
      });
    });
    if (port !== 6379 && port !== 0) return port;
  }
}

/** Resident set size of a process, from /proc/<pid>/status (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** A server the harness started: where it listens and how to stop it. */
export interface ServerProcess {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  alive(): boolean;
  /** The last lines the process wrote to stderr/stdout (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

/** Append the non-empty lines of `text` to `lines`, keeping the last `keep`. */
export function tailLines(lines: string[], text: string, keep = 40): void {
  for (const l of text.split('\n')) if (l.length > 0) lines.push(l);
  if (lines.length > keep) lines.splice(0, lines.length - keep);
}

async function waitReady(c: ChildProcess, name: string, port: number, out: () => string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (c.exitCode !== null || c.signalCode !== null) {
      throw new Error(`${name} exited during start-up (code ${c.exitCode ?? c.signalCode}):\n${out()}`);
    }
    try {
      const conn = await RespConnection.connect(port, '127.0.0.1', 500);
      try {
        const r = await conn.call('PING');
        if (r.startsWith('+PONG')) return;
      } finally {
        conn.close();
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not answer PING on port ${port} within ${timeoutMs} ms:\n${out()}`);
}

export async function startServer(name: string, cmd: string, args: (port: number) => string[], opts: SpawnOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const c = spawnTracked(cmd, args(port), opts);
  const lines: string[] = [];
  c.stdout?.on('data', (d: Buffer) => tailLines(lines, d.toString('utf8')));
  c.stderr?.on('data', (d: Buffer) => tailLines(lines, d.toString('utf8')));
  const output = () => lines.join('\n');
  try {
    await waitReady(c, name, port, output);
  } catch (e) {
    await stopChild(c, 'SIGKILL');
    throw e;
  }
  return {
    name,
    host: '127.0.0.1',
    port,
    pid: c.pid as number,
    alive: () => c.exitCode === null && c.signalCode === null,
    output,
    stop: () => stopChild(c),
  };
}

/** A throw-away redis-server: loopback only, no persistence, its own temporary directory. */
export async function startRedisServer(appendfsync: 'no-aof' | 'always' | 'everysec' = 'no-aof'): Promise<ServerProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-bench-redis-'));
  const forget = removeOnExit(dir);
  const persistence = appendfsync === 'no-aof' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', appendfsync];
  const srv = await startServer('redis-server', 'redis-server', (port) => [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    ...persistence,
    '--dir', dir,
    '--logfile', '',
  ]);
  return {
    ...srv,
    stop: async () => {
      await srv.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}

/** The repository root (holds package.json and bin/catena.js), from src/ or dist/. */
export function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'bin', 'catena.js'))) return dir;
  }
  throw new Error('cannot find the repository root (package.json and bin/catena.js)');
}

/** One Catena node started as `node [nodeArgs] bin/catena.js server --port P --quiet [serverArgs]`. */
export async function startCatenaServer(nodeArgs: string[] = [], serverArgs: string[] = [], name = 'catena'): Promise<ServerProcess> {
  const bin = path.join(repoRoot(), 'bin', 'catena.js');
  return startServer(name, process.execPath, (port) => [...nodeArgs, bin, 'server', '--port', String(port), '--quiet', ...serverArgs]);
}

/** A cluster started for a benchmark: its node processes (clients use the first). */
export interface ClusterProcesses {
  nodes: ServerProcess[];
  stop(): Promise<void>;
}

/**
 * N Catena nodes as one cluster (`catena server --node-id nI --cluster FILE`), on free ports,
 * with a cluster file and a random secret in a temp dir that `stop` removes. `serverArgs`
 * go to every node (e.g. `--backend fs --dir D`: each node keeps its chains under D/<node>).
 */
export async function startCatenaCluster(n: number, nodeArgs: string[] = [], serverArgs: string[] = []): Promise<ClusterProcesses> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-bench-cluster-'));
  const forget = removeOnExit(dir);
  const nodes = [];
  for (let i = 1; i <= n; i++) nodes.push({ id: `n${i}`, host: '127.0.0.1', port: await freePort(), peerHost: '127.0.0.1', peerPort: await freePort() });
  const file = path.join(dir, 'cluster.json');
  fs.writeFileSync(file, JSON.stringify({ epoch: 1, replication: Math.min(3, n), vnodes: 64, nodes }, null, 2));
  const secret = path.join(dir, 'secret');
  fs.writeFileSync(secret, randomBytes(32).toString('hex'), { mode: 0o600 });
  const bin = path.join(repoRoot(), 'bin', 'catena.js');
  const started: ServerProcess[] = [];
  const children: ChildProcess[] = [];
  const lines: string[] = [];
  try {
    for (const node of nodes) {
      const args = [...nodeArgs, bin, 'server', '--node-id', node.id, '--cluster', file, '--cluster-secret-file', secret, '--quiet', ...serverArgs.map((a) => a.replace('{node}', node.id))];
      const c = spawnTracked(process.execPath, args);
      children.push(c);
      c.stdout?.on('data', (d: Buffer) => tailLines(lines, d.toString('utf8')));
      c.stderr?.on('data', (d: Buffer) => tailLines(lines, d.toString('utf8')));
    }
    for (const [i, node] of nodes.entries()) {
      const c = children[i] as ChildProcess;
      await waitReady(c, `catena-${node.id}`, node.port, () => lines.join('\n'));
      started.push({
        name: `catena-${node.id}`,
        host: '127.0.0.1',
        port: node.port,
        pid: c.pid as number,
        alive: () => c.exitCode === null && c.signalCode === null,
        output: () => lines.join('\n'),
        stop: () => stopChild(c),
      });
    }
  } catch (e) {
    for (const c of children) await stopChild(c, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    forget();
    throw e;
  }
  return {
    nodes: started,
    stop: async () => {
      await Promise.all(children.map((c) => stopChild(c)));
      fs.rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}
