/**
 * The durability benchmark (backends issue): SET throughput of a Catena node on each backend,
 * in sync and async durability, next to a real redis-server with appendfsync always and
 * everysec, measured in the same run with the same redis-benchmark load. Writes
 * docs/durability-bench.md. Starts every process itself (a throw-away redis-server as the
 * redis backend; PostgreSQL from DATABASE_URL or 127.0.0.1:5432/test in a schema it drops).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCatenaCluster, startCatenaServer, startRedisServer, type ServerProcess } from './procs';
import { runRedisBenchmark } from './redis-benchmark';
import { median } from './stats';

export interface DurabilityCell {
  system: string;
  title: string;
  pipeline: number;
  /** Median requests/s, or null with `status`. */
  rps: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  status: string;
}

interface SystemDef {
  id: string;
  title: string;
  start(): Promise<{ srv: ServerProcess; cleanup: () => Promise<void> }>;
}

const CLIENTS = 50;
const KEYSPACE = 100_000;
const TARGET_SECONDS = 2;

function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function postgresUrl(): Promise<string> {
  return process.env.DATABASE_URL ?? 'postgresql://127.0.0.1:5432/test';
}

function systems(): SystemDef[] {
  const redis = (mode: 'always' | 'everysec'): SystemDef => ({
    id: `redis-aof-${mode}`,
    title: `redis-server, appendfsync ${mode}`,
    start: async () => ({ srv: await startRedisServer(mode), cleanup: async () => {} }),
  });
  const catena = (backend: 'memory' | 'fs' | 'redis' | 'postgres', mode: 'sync' | 'async'): SystemDef => ({
    id: `catena-${backend}${backend === 'memory' ? '' : `-${mode}`}`,
    title: backend === 'memory' ? 'Catena, memory backend (nothing persisted)' : `Catena, ${backend} backend, durability ${mode}`,
    start: async () => {
      const cleanups: Array<() => Promise<void>> = [];
      const args = ['--durability', mode, '--flush-delay-ms', '1000'];
      if (backend === 'memory') args.push('--backend', 'memory');
      if (backend === 'fs') {
        const dir = tmpDir('catena-bench-fs-');
        cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
        args.push('--backend', 'fs', '--dir', dir);
      }
      if (backend === 'redis') {
        // The backend Redis fsyncs every write, so "sync" means durable on its disk too.
        const store = await startRedisServer('always');
        cleanups.push(() => store.stop());
        args.push('--backend', 'redis', '--redis-url', `redis://127.0.0.1:${store.port}/0`, '--redis-prefix', 'bench:');
      }
      if (backend === 'postgres') {
        const schema = `catena_bench_${process.pid}_${mode}`;
        args.push('--backend', 'postgres', '--postgres-url', await postgresUrl(), '--postgres-schema', schema);
        cleanups.push(async () => dropSchema(schema));
      }
      const srv = await startCatenaServer([], args, `catena-${backend}`);
      return {
        srv,
        cleanup: async () => {
          for (const c of cleanups.reverse()) await c();
        },
      };
    },
  });
  const cluster3 = (backend: 'memory' | 'fs', mode: 'sync' | 'async'): SystemDef => ({
    id: `catena-cluster3-${backend}${backend === 'memory' ? '' : `-${mode}`}`,
    title: `Catena, 3-node cluster (R=3), ${backend} backend${backend === 'memory' ? '' : `, durability ${mode}`}`,
    start: async () => {
      const dir = tmpDir('catena-bench-cluster-fs-');
      const args = ['--backend', backend, '--durability', mode];
      if (backend === 'fs') args.push('--dir', dir);
      const c = await startCatenaCluster(3, [], args);
      const first = c.nodes[0] as ServerProcess;
      return { srv: { ...first, stop: c.stop }, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  });
  return [
    redis('always'),
    redis('everysec'),
    catena('memory', 'sync'),
    catena('fs', 'sync'),
    catena('fs', 'async'),
    catena('redis', 'sync'),
    catena('redis', 'async'),
    catena('postgres', 'sync'),
    catena('postgres', 'async'),
    cluster3('memory', 'sync'),
    cluster3('fs', 'sync'),
    cluster3('fs', 'async'),
  ];
}

async function dropSchema(schema: string): Promise<void> {
  const pgp = (await import('pg-promise')).default();
  const { postgresUrlWithUser } = await import('../backends/postgres/store');
  const db = pgp(postgresUrlWithUser(await postgresUrl()));
  try {
    await db.none('DROP SCHEMA IF EXISTS $1:name CASCADE', [schema]);
  } finally {
    await db.$pool.end();
  }
}

export async function durabilityPhase(quick: boolean, log: (line: string) => void): Promise<DurabilityCell[]> {
  const cells: DurabilityCell[] = [];
  const reps = quick ? 1 : 3;
  for (const def of systems()) {
    let started: Awaited<ReturnType<SystemDef['start']>>;
    try {
      started = await def.start();
    } catch (e) {
      const status = `unavailable: ${(e as Error).message.split('\n')[0]}`;
      for (const pipeline of [1, 16]) cells.push({ system: def.id, title: def.title, pipeline, rps: null, p50Ms: null, p99Ms: null, status });
      log(`durability ${def.id}: ${status}`);
      continue;
    }
    try {
      for (const pipeline of [1, 16]) {
        const run = (requests: number) =>
          runRedisBenchmark({ host: '127.0.0.1', port: started.srv.port, cluster: false, test: 'set', csvName: 'SET', clients: CLIENTS, requests, pipeline, valueSize: 100, keyspace: KEYSPACE, timeoutMs: 120_000 });
        const cal = await run(pipeline === 1 ? 5_000 : 20_000);
        if (!cal.ok) {
          cells.push({ system: def.id, title: def.title, pipeline, rps: null, p50Ms: null, p99Ms: null, status: cal.error });
          continue;
        }
        const requests = Math.max(5_000, Math.min(3_000_000, Math.round((cal.row.rps * (quick ? 0.5 : TARGET_SECONDS)) / 1000) * 1000));
        const rps: number[] = [];
        const p50: number[] = [];
        const p99: number[] = [];
        let status = 'ok';
        for (let r = 0; r < reps; r++) {
          const o = await run(requests);
          if (!o.ok) {
            status = o.error;
            break;
          }
          rps.push(o.row.rps);
          p50.push(o.row.p50Ms);
          p99.push(o.row.p99Ms);
        }
        const cell: DurabilityCell = status === 'ok'
          ? { system: def.id, title: def.title, pipeline, rps: median(rps), p50Ms: median(p50), p99Ms: median(p99), status }
          : { system: def.id, title: def.title, pipeline, rps: null, p50Ms: null, p99Ms: null, status };
        cells.push(cell);
        log(`durability ${def.id} pipeline ${pipeline}: ${cell.rps === null ? cell.status : `${Math.round(cell.rps)} SET/s, p50 ${cell.p50Ms} ms, p99 ${cell.p99Ms} ms`}`);
      }
    } finally {
      await started.srv.stop();
      try {
        await started.cleanup();
      } catch (e) {
        log(`durability ${def.id}: cleanup failed: ${(e as Error).message}`);
      }
    }
  }
  return cells;
}

function fmt(n: number | null, digits = 0): string {
  if (n === null) return '—';
  return digits === 0 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

/** The markdown report: absolute figures of this run and ratios to Redis with the matching fsync policy. */
export function renderDurability(cells: DurabilityCell[], header: string): string {
  const by = (system: string, pipeline: number) => cells.find((c) => c.system === system && c.pipeline === pipeline);
  const lines: string[] = [];
  lines.push('# Durability benchmark: SET throughput per backend');
  lines.push('');
  lines.push('Generated by `npm run bench` (durability phase, `bench/durability.ts`); do not edit by hand.');
  lines.push('');
  lines.push(header);
  lines.push('');
  lines.push(`Load: redis-benchmark \`SET\`, 100-byte values, ${CLIENTS} clients, ${KEYSPACE.toLocaleString('en-US')} random keys, median of the runs. `
    + 'Sync rows are compared with Redis `appendfsync always` (every acknowledged write is on disk), '
    + 'async rows with `appendfsync everysec` (a bounded window of acknowledged writes can be lost). '
    + 'The redis backend stores into a second redis-server with `appendfsync always`; postgres uses the local PostgreSQL.');
  lines.push('');
  lines.push('| system | pipeline | SET/s | p50 ms | p99 ms | ratio to Redis (same policy) |');
  lines.push('|---|---|---|---|---|---|');
  for (const c of cells) {
    const baseline = c.system.endsWith('-async') ? 'redis-aof-everysec' : c.system.startsWith('catena') && !c.system.endsWith('-memory') ? 'redis-aof-always' : null;
    const base = baseline === null ? undefined : by(baseline, c.pipeline);
    const ratio = c.rps !== null && base?.rps != null && c.system.startsWith('catena') && !c.system.endsWith('-memory') ? (c.rps / base.rps).toFixed(2) : '';
    lines.push(`| ${c.title} | ${c.pipeline} | ${c.rps === null ? c.status : fmt(c.rps)} | ${fmt(c.p50Ms, 3)} | ${fmt(c.p99Ms, 3)} | ${ratio} |`);
  }
  lines.push('');
  return lines.join('\n');
}
