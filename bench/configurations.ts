/**
 * What is benchmarked: the Redis baseline and the Catena configurations, as a table. A
 * configuration that does not exist yet has `start: null` and says why; when it lands, give
 * it a `start` that returns the node clients talk to (for a cluster: any node, with
 * `cluster: true` so redis-benchmark follows MOVED redirections with --cluster).
 */
import { startCatenaServer, startRedisServer, type ServerProcess } from './procs';

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
    start: null,
    unavailable: 'not available yet (the fs backend does not exist)',
  },
  {
    id: 'cluster3-memory',
    title: 'Catena, 3-node cluster, in-memory',
    start: null,
    unavailable: 'not available yet (`catena cluster` does not exist)',
  },
  {
    id: 'cluster3-fs-sync',
    title: 'Catena, 3-node cluster, fs backend (sync)',
    start: null,
    unavailable: 'not available yet (cluster and fs backend do not exist)',
  },
  {
    id: 'single-postgres',
    title: 'Catena, single node, postgres backend',
    start: null,
    unavailable: 'not available yet (the postgres backend does not exist)',
  },
  {
    id: 'single-redis',
    title: 'Catena, single node, redis backend',
    start: null,
    unavailable: 'not available yet (the redis backend does not exist)',
  },
];
