/**
 * A PostgreSQL for tests of the postgres backend. With DATABASE_URL set, that server: each
 * test gets schemas of its own (`schema()`), dropped when the test ends. Without it, a
 * throw-away server: initdb into a temporary directory, started on a free loopback port
 * with its socket in that directory, stopped and removed when the test ends; it can be
 * stopped and started again (`stop()`, `restart()`) to test an outage. PostgreSQL refuses
 * to run as root, so as root the server runs as the `postgres` OS user.
 *
 * May touch: the schemas it names (DATABASE_URL), its own temporary directory and the
 * server it started (stopped by its data directory / pid). Never another server or process.
 */
import type { Test } from 'tap';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import pgPromise from 'pg-promise';
import { postgresUrlWithUser } from '../../backends/postgres/store';

const run = promisify(execFile);

export interface PgHandle {
  /** Connection string of the server (with a user name). */
  url: string;
  /** A new schema name, unique to this process and call. */
  schema(): string;
  /** Throw-away server only: start it again (stopping it first when it runs). */
  restart?(): Promise<void>;
  /** Throw-away server only: stop it (fast shutdown: sessions are ended). */
  stop?(): Promise<void>;
}

/** How long a throw-away server may take to start or stop. */
const serverWaitSeconds = 60;

let schemas = 0;
function schemaName(): string {
  return `catena_test_${process.pid}_${Date.now().toString(36)}_${++schemas}`;
}

/** The server for test `t`, or null (with the reason as a comment) when there is none. */
export async function startPostgres(t: Test): Promise<PgHandle | null> {
  const url = process.env.DATABASE_URL;
  if (url !== undefined && url !== '') return external(t, postgresUrlWithUser(url));
  return throwAway(t);
}

function external(t: Test, url: string): PgHandle {
  const made: string[] = [];
  t.teardown(async () => {
    if (made.length === 0) return;
    const pgp = pgPromise();
    const db = pgp({ connectionString: url, max: 1 });
    try {
      for (const s of made) await db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [s]);
    } finally {
      await db.$pool.end();
    }
  });
  return {
    url,
    schema() {
      const s = schemaName();
      made.push(s);
      return s;
    },
  };
}

/** The bin directory of the newest installed PostgreSQL with initdb, or null. */
function findBinDir(): string | null {
  const env = process.env.PG_BIN;
  if (env !== undefined && fs.existsSync(path.join(env, 'initdb'))) return env;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : path.join(root, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function throwAway(t: Test): Promise<PgHandle | null> {
  const bin = findBinDir();
  if (bin === null) {
    t.comment('no DATABASE_URL and no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)');
    return null;
  }
  const asRoot = process.getuid?.() === 0;
  let uid = -1;
  let gid = -1;
  if (asRoot) {
    try {
      uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
      gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    } catch {
      t.comment('running as root and there is no postgres OS user to run a throw-away server as');
      return null;
    }
  }
  // As root, every server command runs as the postgres user (runuser keeps no session).
  const pg = (cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]) : run(path.join(bin, cmd), args);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-pg-'));
  if (asRoot) fs.chownSync(dir, uid, gid);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  let running = false;
  const stop = async (): Promise<void> => {
    if (!running) return;
    await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', String(serverWaitSeconds), 'stop']);
    running = false;
  };
  t.teardown(async () => {
    try {
      await stop();
    } catch {
      // pg_ctl failed: end the postmaster by the pid in its own pid file (our server only).
      const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'latin1').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  try {
    await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  } catch (err) {
    t.comment(`initdb failed: ${(err as Error).message}`);
    return null;
  }
  const port = await freePort();
  // Durability settings off: the server lives for one test file; a clean stop still flushes.
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c shared_buffers=32MB',
    '-c max_connections=40',
  ].join(' ');
  const start = async (): Promise<void> => {
    await pg('pg_ctl', ['-D', data, '-l', log, '-w', '-t', String(serverWaitSeconds), '-o', options, 'start']);
    running = true;
  };
  try {
    await start();
  } catch (err) {
    const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : '';
    t.comment(`the throw-away PostgreSQL did not start: ${(err as Error).message}\n${tail}`);
    return null;
  }
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    schema: schemaName,
    async restart() {
      await stop();
      await start();
    },
    stop,
  };
}
