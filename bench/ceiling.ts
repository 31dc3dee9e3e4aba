/**
 * `npm run bench:ceiling`: the ceiling the performance issue states — a minimal Node.js RESP
 * server (bench/minimal-server.ts) — measured next to a real redis-server and a single
 * in-memory Catena node in the same run, SET and GET of 100-byte values, 50 clients,
 * pipelines 1 and 16, alternating runs, medians of 3. Prints each one's ratio to Redis, and
 * Catena's to the minimal server. Starts and stops only its own processes.
 */
import * as path from 'node:path';
import { installCleanup, repoRoot, startCatenaServer, startRedisServer, startServer, type ServerProcess } from './procs';
import { runRedisBenchmark } from './redis-benchmark';
import { median } from './stats';

const CLIENTS = 50;
const REPS = 3;

async function main(): Promise<void> {
  installCleanup();
  const minimalJs = path.join(repoRoot(), 'dist', 'bench', 'minimal-server.js');
  const systems: Array<[string, ServerProcess]> = [
    ['redis', await startRedisServer()],
    ['minimal Node.js server', await startServer('minimal', process.execPath, (port) => [minimalJs, String(port)])],
    ['catena single-memory', await startCatenaServer()],
  ];
  try {
    const rows: string[] = ['| workload | pipeline | redis req/s | minimal / redis | catena / redis | catena / minimal |', '|---|---:|---:|---:|---:|---:|'];
    for (const test of ['set', 'get']) {
      for (const pipeline of [1, 16]) {
        const requests = pipeline === 1 ? 100_000 : 1_000_000;
        const rps: number[][] = systems.map(() => []);
        for (let rep = 0; rep < REPS; rep++) {
          for (const [i, [, s]] of systems.entries()) {
            const r = await runRedisBenchmark({ host: s.host, port: s.port, cluster: false, test, csvName: test.toUpperCase(), clients: CLIENTS, requests, pipeline, valueSize: 100, keyspace: 100_000, timeoutMs: 120_000 });
            if (!r.ok) throw new Error(`${systems[i]?.[0]}: ${r.error}`);
            rps[i]?.push(r.row.rps);
          }
        }
        const [redis, minimal, catena] = rps.map((x) => median(x)) as [number, number, number];
        const line = `| ${test.toUpperCase()} | ${pipeline} | ${Math.round(redis).toLocaleString('en-US')} | ${(minimal / redis).toFixed(2)} | ${(catena / redis).toFixed(2)} | ${(catena / minimal).toFixed(2)} |`;
        process.stdout.write(line + '\n');
        rows.push(line);
      }
    }
    process.stdout.write('\n' + rows.join('\n') + '\n');
  } finally {
    for (const [, s] of systems) await s.stop();
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`bench:ceiling: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
