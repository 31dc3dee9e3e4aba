/**
 * The built `catena` command as a child process, for tests: spawn it, wait for its port,
 * collect its output, and make sure dist/ is not older than the sources (a stale build would
 * test old code). Processes are killed by pid in the test's teardown.
 */
import type { Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'catena.js');
export const BUILT = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Newest modification time of the TypeScript sources the build compiles. */
export function newestSourceMs(): number {
  const include = (JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] }).include;
  let newest = fs.statSync(path.join(ROOT, 'tsconfig.build.json')).mtimeMs;
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of include) walk(path.join(ROOT, d));
  return newest;
}

export interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function finished(child: ChildProcess, timeoutMs: number): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal });
    });
  });
}

export function catena(args: string[], timeoutMs = 20000): Promise<Run> {
  return finished(spawn(process.execPath, [BIN, ...args], { cwd: ROOT }), timeoutMs);
}

/** Start `catena server ...`; resolves once the port accepts connections. */
export async function startNode(t: Test, args: string[], port: number): Promise<{ child: ChildProcess; done: Promise<Run> }> {
  const child = spawn(process.execPath, [BIN, 'server', ...args], { cwd: ROOT });
  const done = finished(child, 60000);
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    if (await canConnect(port)) return { child, done };
    await sleep(50);
  }
  const r = await Promise.race([done, sleep(100).then(() => null)]);
  throw new Error(`catena server did not start on port ${port}: ${r === null ? 'still running' : `exit ${r.code}: ${r.stderr}`}`);
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The port is free again: nothing accepts on it and it can be bound. */
export async function portReleased(port: number): Promise<boolean> {
  if (await canConnect(port)) return false;
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Build dist/ when it is missing or older than the sources (`npm test` builds it in pretest). */
export async function ensureBuilt(t: Test): Promise<void> {
  if (fs.existsSync(BUILT) && fs.statSync(BUILT).mtimeMs >= newestSourceMs()) return;
  t.comment('dist/ is missing or older than the sources: building with tsc -p tsconfig.build.json');
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  // Type errors elsewhere in a tree under development do not stop tsc from emitting.
  await finished(spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT }), 300000);
  if (!fs.existsSync(BUILT)) throw new Error('the build did not produce dist/src/cli/main.js');
}
