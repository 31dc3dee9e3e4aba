/**
 * Cluster mode of the `catena` command: `catena server --node-id ID --cluster FILE` (one node
 * of a cluster, its addresses from the cluster file) and `catena cluster` (a local cluster
 * for development: N node processes on consecutive ports, stopped together by Ctrl-C).
 * Also where a node's per-chain backends are named: each chain a node replicates has its own
 * store (a directory, key prefix or schema), whose applied sequence number is the chain's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { localClusterConfig, parseClusterConfig, type ChainId, type ClusterConfig, type NodeId } from '../../protocol/config/cluster';
import type { BackendKind, } from '../../backends/open';
import { openBackend } from '../../backends/open';
import type { BackendOptions } from '../../backends/backend';
import { Durability, type DurabilityMode } from '../server/durability';

/** Read and validate a cluster file (docs/cluster.md); returns the reason when it is not usable. */
export function readClusterFile(file: string): ClusterConfig | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { error: `cannot read cluster file ${file}: ${(e as Error).message}` };
  }
  const c = parseClusterConfig(json);
  return 'error' in c ? { error: `cluster file ${file}: ${c.error}` } : c;
}

/** A file-system, key and schema safe name for one chain's store on one node. */
export function chainStoreName(node: NodeId, chain: ChainId): string {
  const readable = `${node}__${chain.replace(/>/g, '+')}`;
  if (readable.length <= 48 && /^[A-Za-z0-9_+-]+$/.test(readable)) return readable;
  return `${node.slice(0, 16)}__${createHash('sha256').update(chain).digest('hex').slice(0, 16)}`;
}

/** Opens the durability of one chain's replica on this node, or null for the memory backend. */
export function chainOpener(kind: BackendKind, o: BackendOptions, node: NodeId, mode: DurabilityMode, flushDelayMs: number, log: (l: string) => void) {
  return async (chain: ChainId): Promise<Durability | null> => {
    if (kind === 'memory') return null;
    const name = chainStoreName(node, chain);
    const per: BackendOptions = {
      ...o,
      dir: o.dir === undefined ? undefined : path.join(o.dir, node, name),
      redisPrefix: `${o.redisPrefix ?? 'catena:'}${name}:`,
      postgresSchema: `${o.postgresSchema ?? 'catena'}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`.toLowerCase().slice(0, 63),
    };
    const backend = await openBackend(kind, per);
    return new Durability(backend, mode, await backend.appliedSeq(), (l) => log(`chain ${chain}: ${l}`), flushDelayMs);
  };
}

const CLUSTER_USAGE = `Usage: catena cluster [options]

Start a local Catena cluster for development: N node processes on 127.0.0.1, client ports
base-port..base-port+N-1 (peer ports 10000 higher), chains of --replication nodes. Any node
answers any command. Ctrl-C stops every node cleanly.

Options:
  --nodes <n>           Number of nodes (default 3)
  --base-port <p>       Client port of the first node (default 7001)
  --replication <r>     Replicas per chain (default 3, at most --nodes)
  --backend <kind>      memory, fs (default), redis or postgres, for every node
  --dir <path>          fs: data directory (default ./data); the cluster file and secret live there too
  --redis-url, --redis-prefix, --postgres-url, --postgres-schema
                        As for catena server; each node and chain gets its own prefix/schema
  --durability <mode>   sync (default) or async
  --quiet               Only the start-up summary
  -h, --help            Show this help
`;

/** `catena cluster`: write the cluster file and secret (kept across restarts), start the nodes, stop them on a signal. */
export async function runCluster(argv: string[], binPath: string): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string' },
        'base-port': { type: 'string' },
        replication: { type: 'string' },
        backend: { type: 'string' },
        dir: { type: 'string' },
        'redis-url': { type: 'string' },
        'redis-prefix': { type: 'string' },
        'postgres-url': { type: 'string' },
        'postgres-schema': { type: 'string' },
        durability: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`catena cluster: ${(e as Error).message}\n\n${CLUSTER_USAGE}`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(CLUSTER_USAGE);
    return 0;
  }
  const n = Number(values.nodes ?? '3');
  const basePort = Number(values['base-port'] ?? '7001');
  const r = Number(values.replication ?? String(Math.min(3, n)));
  if (!Number.isInteger(n) || n < 1 || n > 64) return fail(`invalid --nodes '${values.nodes}' (1..64)`);
  if (!Number.isInteger(r) || r < 1 || r > n) return fail(`invalid --replication '${values.replication}' (1..${n})`);
  const backend = values.backend ?? 'fs';
  const dir = path.resolve(values.dir ?? 'data');
  fs.mkdirSync(dir, { recursive: true });
  let config: ClusterConfig;
  try {
    config = localClusterConfig(n, basePort, r);
  } catch (e) {
    return fail((e as Error).message);
  }
  const clusterFile = path.join(dir, 'cluster.json');
  const existing = fs.existsSync(clusterFile) ? readClusterFile(clusterFile) : null;
  if (existing !== null && !('error' in existing) && JSON.stringify(existing) !== JSON.stringify(config) && backend !== 'memory') {
    return fail(`${clusterFile} describes a different cluster; use another --dir or remove it`);
  }
  fs.writeFileSync(clusterFile, JSON.stringify(config, null, 2) + '\n');
  const secretFile = path.join(dir, 'cluster.secret');
  if (!fs.existsSync(secretFile)) fs.writeFileSync(secretFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });

  const common: string[] = ['--cluster', clusterFile, '--cluster-secret-file', secretFile, '--backend', backend];
  if (backend === 'fs') common.push('--dir', dir);
  for (const f of ['redis-url', 'redis-prefix', 'postgres-url', 'postgres-schema', 'durability'] as const) {
    const v = values[f];
    if (v !== undefined) common.push(`--${f}`, v);
  }
  if (values.quiet) common.push('--quiet');
  const children: ChildProcess[] = [];
  let stopping = false;
  const exited: Array<Promise<number>> = [];
  for (const node of config.nodes) {
    const child = spawn(process.execPath, [binPath, 'server', '--node-id', node.id, ...common], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const prefix = `[${node.id}] `;
    const pipe = (src: NodeJS.ReadableStream | null, dst: NodeJS.WriteStream) => {
      let rest = '';
      src?.on('data', (d: Buffer) => {
        const text = rest + d.toString('utf8');
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) dst.write(prefix + l + '\n');
      });
    };
    pipe(child.stdout, process.stdout);
    pipe(child.stderr, process.stderr);
    exited.push(
      new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          if (!stopping) {
            process.stderr.write(`${prefix}exited (${code ?? signal}); stopping the cluster\n`);
            stop();
          }
          resolve(code ?? 1);
        }),
      ),
    );
  }
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(
    `Catena cluster: ${n} nodes (${config.nodes.map((x) => `${x.id} on ${x.host}:${x.port}`).join(', ')}), ` +
      `replication ${r}, backend ${backend}${backend === 'fs' ? ` in ${dir}` : ''}. Connect to any node, e.g. redis-cli -p ${basePort}. Ctrl-C stops.\n`,
  );
  const codes = await Promise.all(exited);
  return stopping && codes.every((c) => c === 0) ? 0 : 1;

  function fail(why: string): number {
    process.stderr.write(`catena cluster: ${why}\n`);
    return 1;
  }
}
