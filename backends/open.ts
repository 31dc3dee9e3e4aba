/**
 * Opens the backend a node was started with (`--backend memory|fs|redis|postgres`). Each
 * implementation is loaded only when chosen, so a node on one backend never loads another's
 * driver. The only place above `backends/` that names the implementations.
 */
import type { Backend, BackendOptions } from './backend';

export const backendKinds = ['memory', 'fs', 'redis', 'postgres'] as const;
export type BackendKind = (typeof backendKinds)[number];

export function isBackendKind(s: string): s is BackendKind {
  return (backendKinds as readonly string[]).includes(s);
}

/** Why these options cannot open this backend, or null. */
export function backendOptionsProblem(kind: BackendKind, o: BackendOptions): string | null {
  if (kind === 'fs' && (o.dir === undefined || o.dir === '')) return '--backend fs needs --dir <directory>';
  if (kind === 'redis' && (o.redisUrl === undefined || o.redisUrl === '')) return '--backend redis needs --redis-url <redis://host:port/db>';
  if (kind === 'postgres' && (o.postgresUrl === undefined || o.postgresUrl === '')) return '--backend postgres needs --postgres-url <postgresql://...>';
  return null;
}

export async function openBackend(kind: BackendKind, o: BackendOptions): Promise<Backend> {
  const problem = backendOptionsProblem(kind, o);
  if (problem !== null) throw new Error(problem);
  switch (kind) {
    case 'memory': {
      const { MemoryBackend } = await import('./memory/store');
      return new MemoryBackend();
    }
    case 'fs': {
      const { FsBackend } = await import('./fs/store');
      return FsBackend.open({ dir: o.dir as string });
    }
    case 'redis': {
      const { RedisBackend } = await import('./redis/store');
      return RedisBackend.open({ redisUrl: o.redisUrl as string, redisPrefix: o.redisPrefix ?? 'catena:' });
    }
    case 'postgres': {
      const { PostgresBackend } = await import('./postgres/store');
      return PostgresBackend.open({ postgresUrl: o.postgresUrl as string, postgresSchema: o.postgresSchema ?? 'catena' });
    }
  }
}
