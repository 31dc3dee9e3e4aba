/**
 * The store a benchmarked Catena node persists to (`catena server --backend …`), provisioned
 * by the harness for the run and removed when it stops: a temporary directory (fs), a
 * throw-away redis-server with appendfsync always (redis: "sync" is then durable on its
 * disk too), a throw-away PostgreSQL (postgres, bench/postgres.ts). Shared by the main
 * matrix (bench/configurations.ts) and the durability phase (bench/durability.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { postgresProblem, startPostgresServer } from './postgres';
import { removeOnExit, startRedisServer } from './procs';

export type BackendKind = 'memory' | 'fs' | 'redis' | 'postgres';
export type DurabilityMode = 'sync' | 'async';

export interface BackingStore {
  /** `catena server` flags that select this store (the same for every node of a cluster). */
  readonly args: string[];
  /** False once a backing server the harness started has exited. */
  alive(): boolean;
  output(): string;
  stop(): Promise<void>;
}

/** Why `kind` cannot be provisioned on this machine, or null. */
export function backendProblem(kind: BackendKind): string | null {
  return kind === 'postgres' ? postgresProblem() : null;
}

/** Provision a fresh store of `kind` and the flags for a node in durability `mode`. */
export async function provisionBackend(kind: BackendKind, mode: DurabilityMode): Promise<BackingStore> {
  const durability = ['--durability', mode];
  switch (kind) {
    case 'memory':
      return { args: ['--backend', 'memory'], alive: () => true, output: () => '', stop: async () => {} };
    case 'fs': {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-bench-fs-'));
      const forget = removeOnExit(dir);
      return {
        // Every node of a cluster keeps its chains under <dir>/<node id>.
        args: ['--backend', 'fs', '--dir', dir, ...durability],
        alive: () => true,
        output: () => '',
        stop: async () => {
          fs.rmSync(dir, { recursive: true, force: true });
          forget();
        },
      };
    }
    case 'redis': {
      const store = await startRedisServer('always');
      return {
        args: ['--backend', 'redis', '--redis-url', `redis://127.0.0.1:${store.port}/0`, '--redis-prefix', 'bench:', ...durability],
        alive: store.alive,
        output: () => `backing redis-server: ${store.output()}`,
        stop: store.stop,
      };
    }
    case 'postgres': {
      const pg = await startPostgresServer();
      return {
        args: ['--backend', 'postgres', '--postgres-url', pg.url, '--postgres-schema', 'catena_bench', ...durability],
        alive: pg.alive,
        output: () => `backing postgres: ${pg.output()}`,
        stop: pg.stop,
      };
    }
  }
}
