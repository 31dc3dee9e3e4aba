/**
 * What is benchmarked: the Redis baseline and the Catena configurations, as a table. A
 * configuration that does not exist yet has `start: null` and says why; when it lands, give
 * it a `start` that returns the node clients talk to (for a cluster: any node, with
 * `cluster: true` so redis-benchmark follows MOVED redirections with --cluster).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCatenaCluster, startCatenaServer, startRedisServer, type ClusterProcesses, type ServerProcess } from './procs';

/** A running system under test: where clients connect, its processes, how to stop it. */
export interface Target {
  readonly host: string;
  readonly port: number;
  /** redis-benchmark must run with --cluster. */
  readonly cluster: boolean;
  /** Every process of the system (their RSS is its memory). */
  readonly pids: readonly number[];
  alive(): boolean;
  output(): string;
  stop(): Promise<void>;
}

export interface Configuration {
  /** Short stable id, used on the command line (--configs) and in results. */
  readonly id: string;
  readonly title: string;
  /** Start the system; null while the configuration does not exist yet. */
  readonly start: ((opts: StartOptions) => Promise<Target>) | null;
  /** Why it is not available (when `start` is null). */
  readonly unavailable?: string;
}

export interface StartOptions {
  /** Extra `node` flags for every Catena process (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

function single(p: ServerProcess): Target {
  return { host: p.host, port: p.port, cluster: false, pids: [p.pid], alive: p.alive, output: p.output, stop: p.stop };
}

/** The baseline: a real redis-server, no persistence. */
export const redisBaseline: Configuration = {
  id: 'redis',
  title: 'redis-server (no persistence)',
  start: async () => single(await startRedisServer()),
};

/** A node with a store in a fresh temp dir / prefix / schema, removed (dir) when it stops. */
function withTempDir(p: () => Promise<Target>, dir: string): () => Promise<Target> {
  return async () => {
    const t = await p();
    return {
      ...t,
      stop: async () => {
        await t.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

function cluster(c: ClusterProcesses): Target {
  const first = c.nodes[0] as ServerProcess;
  return {
    host: first.host,
    port: first.port,
    // Every node serves every key (no MOVED): redis-benchmark talks to one node, as a plain client would.
    cluster: false,
    pids: c.nodes.map((n) => n.pid),
    alive: () => c.nodes.every((n) => n.alive()),
    output: () => c.nodes.map((n) => n.output()).join('\n'),
    stop: c.stop,
  };
}

/** Catena configurations, in report order. */
export const catenaConfigurations: readonly Configuration[] = [
  {
    id: 'single-memory',
    title: 'Catena, single node, in-memory',
    start: async (o) => single(await startCatenaServer(o.nodeArgs ?? [])),
  },
  {
    id: 'single-fs-sync',
    title: 'Catena, single node, fs backend (sync)',
    start: async (o) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-bench-fs-'));
      return withTempDir(async () => single(await startCatenaServer(o.nodeArgs ?? [], ['--backend', 'fs', '--dir', dir, '--durability', 'sync'])), dir)();
    },
  },
  {
    id: 'cluster3-memory',
    title: 'Catena, 3-node cluster (R=3), in-memory',
    start: async (o) => cluster(await startCatenaCluster(3, o.nodeArgs ?? [])),
  },
  {
    id: 'cluster3-fs-sync',
    title: 'Catena, 3-node cluster (R=3), fs backend (sync)',
    start: async (o) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-bench-cfs-'));
      return withTempDir(async () => cluster(await startCatenaCluster(3, o.nodeArgs ?? [], ['--backend', 'fs', '--dir', dir, '--durability', 'sync'])), dir)();
    },
  },
];
