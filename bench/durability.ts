/**
 * The durability benchmark (backends issue): SET throughput of a Catena node on each backend,
 * in sync and async durability, next to a real redis-server with appendfsync always and
 * everysec, measured in the same run with the same redis-benchmark load. Writes
 * docs/durability-bench.md. Starts every process itself (bench/backends.ts: a throw-away
 * redis-server as the redis backend, a throw-away PostgreSQL as the postgres backend — never
 * a server that was already running). Each system's runs are sized by its own calibrated
 * rate to last durabilitySettings().runSeconds.
 */
import { backendProblem, provisionBackend, type BackendKind, type DurabilityMode } from './backends';
import { startCatenaCluster, startCatenaServer, startRedisServer, type ServerProcess } from './procs';
import { runRedisBenchmark } from './redis-benchmark';
import { median } from './stats';
import { calibrate, requestsForRate } from './workloads';

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
const PIPELINES = [1, 16] as const;

/** How the durability phase runs: seconds per measured run, repetitions, calibration (see durabilityPlan). */
export function durabilitySettings(quick: boolean): { runSeconds: number; reps: number; calibrationSeconds: number; pipelines: readonly number[] } {
  return quick ? { runSeconds: 0.25, reps: 1, calibrationSeconds: 0.1, pipelines: PIPELINES } : { runSeconds: 0.4, reps: 3, calibrationSeconds: 0.2, pipelines: PIPELINES };
}

/** The systems of the phase, for the time plan: ids, and which start a throw-away PostgreSQL. */
export function durabilitySystems(): Array<{ id: string; postgres: boolean }> {
  return systems().map((d) => ({ id: d.id, postgres: d.id.includes('postgres') }));
}

function systems(): SystemDef[] {
  const redis = (mode: 'always' | 'everysec'): SystemDef => ({
    id: `redis-aof-${mode}`,
    title: `redis-server, appendfsync ${mode}`,
    start: async () => ({ srv: await startRedisServer(mode), cleanup: async () => {} }),
  });
  const catena = (backend: BackendKind, mode: DurabilityMode): SystemDef => ({
    id: `catena-${backend}${backend === 'memory' ? '' : `-${mode}`}`,
    title: backend === 'memory' ? 'Catena, memory backend (nothing persisted)' : `Catena, ${backend} backend, durability ${mode}`,
    start: async () => {
      // The redis backend's redis-server fsyncs every write (appendfsync always), so "sync" is durable on its disk too.
      const store = await provisionBackend(backend, mode);
      try {
        return { srv: await startCatenaServer([], [...store.args, '--flush-delay-ms', '1000'], `catena-${backend}`), cleanup: store.stop };
      } catch (e) {
        await store.stop();
        throw e;
      }
    },
  });
  const cluster3 = (backend: 'memory' | 'fs', mode: DurabilityMode): SystemDef => ({
    id: `catena-cluster3-${backend}${backend === 'memory' ? '' : `-${mode}`}`,
    title: `Catena, 3-node cluster (R=3), ${backend} backend${backend === 'memory' ? '' : `, durability ${mode}`}`,
    start: async () => {
      const store = await provisionBackend(backend, mode);
      try {
        const c = await startCatenaCluster(3, [], store.args);
        const first = c.nodes[0] as ServerProcess;
        return { srv: { ...first, stop: c.stop }, cleanup: store.stop };
      } catch (e) {
        await store.stop();
        throw e;
      }
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

export async function durabilityPhase(quick: boolean, log: (line: string) => void): Promise<DurabilityCell[]> {
  const cells: DurabilityCell[] = [];
  const { runSeconds, reps, calibrationSeconds, pipelines } = durabilitySettings(quick);
  for (const def of systems()) {
    let started: Awaited<ReturnType<SystemDef['start']>>;
    const problem = def.id.includes('postgres') ? backendProblem('postgres') : null;
    try {
      if (problem !== null) throw new Error(problem);
      started = await def.start();
    } catch (e) {
      const status = `unavailable: ${(e as Error).message.split('\n')[0]}`;
      for (const pipeline of pipelines) cells.push({ system: def.id, title: def.title, pipeline, rps: null, p50Ms: null, p99Ms: null, status });
      log(`durability ${def.id}: ${status}`);
      continue;
    }
    try {
      for (const pipeline of pipelines) {
        let lastError = '';
        const run = async (requests: number) => {
          const o = await runRedisBenchmark({ host: '127.0.0.1', port: started.srv.port, cluster: false, test: 'set', csvName: 'SET', clients: CLIENTS, requests, pipeline, valueSize: 100, keyspace: KEYSPACE, timeoutMs: 120_000 });
          if (!o.ok) lastError = o.error;
          return o.ok ? o.row : null;
        };
        // Sized by each system's own rate: every run lasts about runSeconds.
        const cal = await calibrate(run, calibrationSeconds, pipeline, 100, quick);
        if (!Number.isFinite(cal.rps)) {
          cells.push({ system: def.id, title: def.title, pipeline, rps: null, p50Ms: null, p99Ms: null, status: lastError });
          continue;
        }
        const requests = requestsForRate(cal.rps, runSeconds, pipeline, 100, quick);
        const rps: number[] = [];
        const p50: number[] = [];
        const p99: number[] = [];
        let status = 'ok';
        for (let r = 0; r < reps; r++) {
          const o = await run(requests);
          if (o === null) {
            status = lastError;
            break;
          }
          rps.push(o.rps);
          p50.push(o.p50Ms);
          p99.push(o.p99Ms);
        }
        const cell: DurabilityCell = status === 'ok'
          ? { system: def.id, title: def.title, pipeline, rps: median(rps), p50Ms: median(p50), p99Ms: median(p99), status }
          : { system: def.id, title: def.title, pipeline, rps: null, p50Ms: null, p99Ms: null, status };
        cells.push(cell);
        log(`durability ${def.id} pipeline ${pipeline}: ${cell.rps === null ? cell.status : `${Math.round(cell.rps)} SET/s, p50 ${cell.p50Ms} ms, p99 ${cell.p99Ms} ms`} (${reps} × ${requests.toLocaleString('en-US')} requests)`);
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
export function renderDurability(cells: DurabilityCell[], header: string, runSeconds?: number): string {
  const by = (system: string, pipeline: number) => cells.find((c) => c.system === system && c.pipeline === pipeline);
  const lines: string[] = [];
  lines.push('# Durability benchmark: SET throughput per backend');
  lines.push('');
  lines.push('Generated by `npm run bench` (durability phase, `bench/durability.ts`); do not edit by hand.');
  lines.push('');
  lines.push(header);
  lines.push('');
  lines.push(`Load: redis-benchmark \`SET\`, 100-byte values, ${CLIENTS} clients, ${KEYSPACE.toLocaleString('en-US')} random keys, median of the runs`
    + `${runSeconds === undefined ? '' : `, each system's runs sized by its own calibrated rate to last about ${runSeconds} s`}. `
    + 'Sync rows are compared with Redis `appendfsync always` (every acknowledged write is on disk), '
    + 'async rows with `appendfsync everysec` (a bounded window of acknowledged writes can be lost). '
    + 'The redis backend stores into a second redis-server with `appendfsync always`; the postgres backend into a throw-away PostgreSQL with its default (durable) settings, both started by the harness.');
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
