/**
 * What is benchmarked: the Redis baseline and the Catena configurations, as a table. A
 * configuration that does not exist yet has `start: null` and says why; when it lands, give
 * it a `start` that returns the node clients talk to (for a cluster: any node, with
 * `cluster: true` so redis-benchmark follows MOVED redirections with --cluster). Every
 * backing store (directory, redis-server, PostgreSQL) is the harness's own, on free loopback
 * ports, and removed when the configuration stops.
 */
import { backendProblem, provisionBackend, type BackendKind, type DurabilityMode } from './backends';
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

/**
 * Primary configurations run the full throughput matrix with every repetition, and the
 * latency phase; secondary ones a reduced matrix (see bench/plan.ts) so that the whole run
 * stays within its time budget.
 */
export type Tier = 'primary' | 'secondary';

export interface Configuration {
  /** Short stable id, used on the command line (--configs) and in results. */
  readonly id: string;
  readonly title: string;
  readonly tier: Tier;
  /** Measured in the memory phase (the memory targets are for the single in-memory node). */
  readonly memory: boolean;
  /** Start the system; null while the configuration does not exist yet. */
  readonly start: ((opts: StartOptions) => Promise<Target>) | null;
  /** Why it is not available (when `start` is null). */
  readonly unavailable?: string;
  /** Why it cannot run on this machine (e.g. no PostgreSQL binaries), or null; checked at run time. */
  readonly problem?: () => string | null;
}

/** Why `c` cannot be measured in this run, or null. */
export function configurationProblem(c: Configuration): string | null {
  if (c.start === null) return c.unavailable ?? 'not available yet';
  const p = c.problem?.() ?? null;
  return p === null ? null : `not available (${p})`;
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
  tier: 'primary',
  memory: true,
  start: async () => single(await startRedisServer()),
};

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

/**
 * Catena on a freshly provisioned store (bench/backends.ts): `startWith` gets the server
 * flags; stopping the target stops Catena, then removes the store.
 */
async function withBackend(kind: BackendKind, mode: DurabilityMode, startWith: (args: string[]) => Promise<Target>): Promise<Target> {
  const store = await provisionBackend(kind, mode);
  let t: Target;
  try {
    t = await startWith(store.args);
  } catch (e) {
    await store.stop();
    throw e;
  }
  return {
    ...t,
    alive: () => t.alive() && store.alive(),
    output: () => [t.output(), store.alive() ? '' : store.output()].filter((x) => x !== '').join('\n'),
    stop: async () => {
      await t.stop();
      await store.stop();
    },
  };
}

function singleOn(kind: BackendKind, mode: DurabilityMode): Configuration['start'] {
  return (o) => withBackend(kind, mode, async (args) => single(await startCatenaServer(o.nodeArgs ?? [], args)));
}

function clusterOn(kind: BackendKind, mode: DurabilityMode): Configuration['start'] {
  return (o) => withBackend(kind, mode, async (args) => cluster(await startCatenaCluster(3, o.nodeArgs ?? [], args)));
}

/** Catena configurations, in report order. */
export const catenaConfigurations: readonly Configuration[] = [
  {
    id: 'single-memory',
    title: 'Catena, single node, in-memory',
    tier: 'primary',
    memory: true,
    start: async (o) => single(await startCatenaServer(o.nodeArgs ?? [])),
  },
  {
    id: 'cluster3-memory',
    title: 'Catena, 3-node cluster (R=3), in-memory',
    tier: 'primary',
    memory: false,
    start: async (o) => cluster(await startCatenaCluster(3, o.nodeArgs ?? [])),
  },
  {
    id: 'single-fs-sync',
    title: 'Catena, single node, fs backend (sync)',
    tier: 'secondary',
    memory: false,
    start: singleOn('fs', 'sync'),
  },
  {
    id: 'cluster3-fs-sync',
    title: 'Catena, 3-node cluster (R=3), fs backend (sync)',
    tier: 'secondary',
    memory: false,
    start: clusterOn('fs', 'sync'),
  },
  {
    id: 'single-redis-sync',
    title: 'Catena, single node, redis backend (sync)',
    tier: 'secondary',
    memory: false,
    start: singleOn('redis', 'sync'),
  },
  {
    id: 'single-postgres-sync',
    title: 'Catena, single node, postgres backend (sync)',
    tier: 'secondary',
    memory: false,
    start: singleOn('postgres', 'sync'),
    problem: () => backendProblem('postgres'),
  },
];
