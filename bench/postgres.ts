/**
 * A throw-away PostgreSQL for the benchmark's postgres-backend configurations: initdb into
 * a temporary directory, `postgres` started in the foreground on a free loopback port (a
 * tracked child, so it is stopped by pid like every other process of the run, also when the
 * harness is interrupted), stopped and removed when the configuration stops. It never uses
 * a PostgreSQL that is already running (DATABASE_URL, port 5432). Durable settings (fsync,
 * synchronous_commit on: PostgreSQL's defaults), so "sync" durability means on disk.
 * PostgreSQL refuses to run as root: as root, initdb and the server run as the `postgres`
 * OS user (spawn's uid/gid).
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort, removeOnExit, spawnTracked, stopChild, tailLines } from './procs';

const run = promisify(execFile);

/** The bin directory of the newest installed PostgreSQL with initdb and postgres (PG_BIN first), or null. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env, root = '/usr/lib/postgresql'): string | null {
  const has = (dir: string) => ['initdb', 'postgres', 'pg_isready'].every((b) => fs.existsSync(path.join(dir, b)));
  const pinned = env.PG_BIN;
  if (pinned !== undefined && pinned !== '' && has(pinned)) return pinned;
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => has(path.join(root, v, 'bin')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : path.join(root, versions[0], 'bin');
}

/** uid/gid to run PostgreSQL as: the `postgres` user when we are root, else ourselves (null). */
function runAs(): { uid: number; gid: number } | null | 'missing' {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const u = id('-u');
  const g = id('-g');
  if (u.status !== 0 || g.status !== 0) return 'missing';
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Why a throw-away PostgreSQL cannot be started here, or null when it can. */
export function postgresProblem(): string | null {
  if (postgresBinDir() === null) return 'no PostgreSQL server binaries (initdb, postgres, pg_isready) in /usr/lib/postgresql/*/bin or $PG_BIN';
  if (runAs() === 'missing') return 'running as root and there is no `postgres` OS user to run PostgreSQL as';
  return null;
}

export interface PostgresServer {
  /** Connection string, with the user name. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  alive(): boolean;
  output(): string;
  stop(): Promise<void>;
}

const WAIT_MS = 60_000;

/** Start a throw-away PostgreSQL (see the file comment). Throws with the reason when it cannot. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const problem = postgresProblem();
  if (problem !== null) throw new Error(problem);
  const bin = postgresBinDir() as string;
  const who = runAs() as { uid: number; gid: number } | null;
  const ids = who === null ? {} : { uid: who.uid, gid: who.gid };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-bench-pg-'));
  const forget = removeOnExit(dir);
  const cleanup = () => {
    fs.rmSync(dir, { recursive: true, force: true });
    forget();
  };
  if (who !== null) fs.chownSync(dir, who.uid, who.gid);
  const data = path.join(dir, 'data');
  try {
    await run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...ids, cwd: dir, timeout: WAIT_MS });
  } catch (e) {
    cleanup();
    const why = ((e as { stderr?: string }).stderr ?? '').trim().split('\n').pop() || (e as Error).message.split('\n')[0];
    throw new Error(`initdb failed: ${why}`);
  }
  const port = await freePort();
  const c = spawnTracked(
    path.join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=60', '-c', 'shared_buffers=64MB'],
    { ...ids, cwd: dir },
  );
  const lines: string[] = [];
  c.stdout?.on('data', (d: Buffer) => tailLines(lines, d.toString('utf8')));
  c.stderr?.on('data', (d: Buffer) => tailLines(lines, d.toString('utf8')));
  const alive = () => c.exitCode === null && c.signalCode === null;
  const stop = async () => {
    // SIGINT: PostgreSQL's fast shutdown (sessions ended, no waiting for clients).
    await stopChild(c, 'SIGINT', 10_000);
    cleanup();
  };
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (!alive()) {
      cleanup();
      throw new Error(`postgres exited during start-up (code ${c.exitCode ?? c.signalCode}): ${lines.slice(-5).join(' / ')}`);
    }
    const ready = spawnSync(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '1']);
    if (ready.status === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`postgres did not accept connections on port ${port} within ${WAIT_MS / 1000} s: ${lines.slice(-5).join(' / ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `postgresql://postgres@127.0.0.1:${port}/postgres`, port, pid: c.pid as number, alive, output: () => lines.join('\n'), stop };
}
