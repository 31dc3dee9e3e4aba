/**
 * The `catena` command line: `catena server` (one node), with --help for every flag.
 * Parsing uses node:util parseArgs (no dependency).
 */
import { parseArgs } from 'node:util';
import { CatenaServer, catenaVersion } from '../server/server';
import { readConfigFile } from './config-file';
import { isBackendKind, backendKinds, openBackend, backendOptionsProblem } from '../../backends/open';
import { Durability } from '../server/durability';
import * as path from 'node:path';
import { chainOpener, readClusterFile, runCluster } from './cluster';
import { ClusterNode } from '../cluster/node';
import { loadClusterSecret } from '../cluster/transport';
import type { NodeId } from '../../protocol/config/cluster';

const USAGE = `Usage: catena <command> [options]

Commands:
  server     Start one Catena node. With --cluster FILE, one node of a cluster.
  cluster    Start a local cluster of Catena nodes for development.
  bench      Benchmark Catena against a real redis-server (writes docs/benchmarks.md).

Run 'catena <command> --help' for the options of a command.
`;

const SERVER_USAGE = `Usage: catena server [options]

Start one Catena node. Speaks RESP2/RESP3 like Redis 7.

Options:
  --port <n>            TCP port for clients (default 7001; never 6379, where a Redis often runs)
  --bind <addr>         Address to listen on (default 127.0.0.1)
  --requirepass <pw>    Require AUTH <pw> (the default user's password), as Redis's requirepass
  --config <file>       A redis.conf-style file of CONFIG parameters ("name value" per line);
                        command-line flags win over the file
  --backend <kind>      Where the keyspace is made durable: memory (nothing persisted, the
                        default), fs (embedded on-disk store in --dir), redis, postgres
  --dir <path>          fs: directory of the store (created if missing)
  --redis-url <url>     redis: the Redis to store in, e.g. redis://127.0.0.1:6380/0
  --redis-prefix <p>    redis: prefix of every key this node writes (default catena:)
  --postgres-url <url>  postgres: connection string, e.g. postgresql://127.0.0.1:5432/test
  --postgres-schema <s> postgres: schema holding this node's tables (default catena)
  --durability <mode>   sync (default for fs, redis, postgres): a write is answered once its
                        batch is durable in the backend; async: answered at once, batches
                        flushed within --flush-delay-ms (like appendfsync everysec)
  --flush-delay-ms <n>  async: the longest a batch waits before it is flushed (default 1000)
  --cluster <file>      Run as one node of the cluster this file describes (docs/cluster.md);
                        the node's client and peer addresses come from the file
  --node-id <id>        With --cluster: which node of the file this is
  --cluster-secret <s>  With --cluster: the key authenticating node-to-node frames (HMAC-SHA256),
  --cluster-secret-file <file>   at least 16 bytes; the same on every node
  --quiet               Do not print log lines
  -h, --help            Show this help

A restarted node loads its keyspace from its backend. The node stops cleanly on SIGINT
(Ctrl-C) or SIGTERM, after everything it applied has reached the backend.
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(USAGE);
    return cmd === undefined ? 1 : 0;
  }
  if (cmd === '--version' || cmd === '-v') {
    process.stdout.write(`catena ${catenaVersion}\n`);
    return 0;
  }
  if (cmd === 'server') return runServer(rest);
  if (cmd === 'cluster') return runCluster(rest, path.resolve(__dirname, '..', '..', '..', 'bin', 'catena.js'));
  // Loaded only when asked for: the harness is not part of a node's start-up path.
  if (cmd === 'bench') return (await import('../../bench/run')).runBench(rest);
  process.stderr.write(`catena: unknown command '${cmd}'\n\n${USAGE}`);
  return 1;
}

async function runServer(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        bind: { type: 'string' },
        requirepass: { type: 'string' },
        config: { type: 'string' },
        backend: { type: 'string' },
        dir: { type: 'string' },
        'redis-url': { type: 'string' },
        'redis-prefix': { type: 'string' },
        'postgres-url': { type: 'string' },
        'postgres-schema': { type: 'string' },
        durability: { type: 'string' },
        'flush-delay-ms': { type: 'string' },
        cluster: { type: 'string' },
        'node-id': { type: 'string' },
        'cluster-secret': { type: 'string' },
        'cluster-secret-file': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`catena server: ${(e as Error).message}\n\n${SERVER_USAGE}`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(SERVER_USAGE);
    return 0;
  }
  const fileConfig = values.config !== undefined ? readConfigFile(values.config) : {};
  const portText = values.port ?? fileConfig.port ?? '7001';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`catena server: invalid port '${portText}'\n`);
    return 1;
  }
  delete fileConfig.port;
  const bind = values.bind ?? fileConfig.bind?.split(' ')[0] ?? '127.0.0.1';
  delete fileConfig.bind;
  const kind = values.backend ?? 'memory';
  if (!isBackendKind(kind)) {
    process.stderr.write(`catena server: unknown backend '${kind}' (choose ${backendKinds.join(', ')})\n`);
    return 1;
  }
  const backendOptions = {
    dir: values.dir,
    redisUrl: values['redis-url'],
    redisPrefix: values['redis-prefix'],
    postgresUrl: values['postgres-url'],
    postgresSchema: values['postgres-schema'],
  };
  const problem = backendOptionsProblem(kind, backendOptions);
  if (problem !== null) {
    process.stderr.write(`catena server: ${problem}\n`);
    return 1;
  }
  const mode = values.durability ?? 'sync';
  if (mode !== 'sync' && mode !== 'async') {
    process.stderr.write(`catena server: --durability must be sync or async, not '${mode}'\n`);
    return 1;
  }
  const delayText = values['flush-delay-ms'] ?? '1000';
  const delayMs = Number(delayText);
  if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 60_000) {
    process.stderr.write(`catena server: invalid --flush-delay-ms '${delayText}' (0..60000)\n`);
    return 1;
  }
  let durability: Durability | undefined;
  const log = (line: string) => {
    if (!values.quiet) process.stderr.write(`${process.pid}:M ${new Date().toISOString()} * ${line}\n`);
  };
  let cluster: ClusterNode | undefined;
  let clientPort = port;
  let clientBind = bind;
  if (values.cluster !== undefined || values['node-id'] !== undefined) {
    if (values.cluster === undefined || values['node-id'] === undefined) {
      process.stderr.write('catena server: --cluster and --node-id go together\n');
      return 1;
    }
    const config = readClusterFile(values.cluster);
    if ('error' in config) {
      process.stderr.write(`catena server: ${config.error}\n`);
      return 1;
    }
    const self = values['node-id'] as NodeId;
    const me = config.nodes.find((x) => x.id === self);
    if (me === undefined) {
      process.stderr.write(`catena server: node '${self}' is not in ${values.cluster}\n`);
      return 1;
    }
    const secret = loadClusterSecret({ secret: values['cluster-secret'] ?? process.env.CATENA_CLUSTER_SECRET, secretFile: values['cluster-secret-file'] });
    if ('error' in secret) {
      process.stderr.write(`catena server: ${secret.error}\n`);
      return 1;
    }
    clientPort = me.port;
    clientBind = me.host;
    cluster = new ClusterNode({ config, self, secret, openChain: chainOpener(kind, backendOptions, self, mode, delayMs, log), log });
  } else if (kind !== 'memory') {
    let backend;
    try {
      backend = await openBackend(kind, backendOptions);
    } catch (e) {
      process.stderr.write(`catena server: cannot open the ${kind} backend: ${(e as Error).message}\n`);
      return 1;
    }
    durability = new Durability(backend, mode, await backend.appliedSeq(), log, delayMs);
  }
  const server = new CatenaServer({
    port: clientPort,
    bind: clientBind,
    requirepass: values.requirepass ?? fileConfig.requirepass,
    config: fileConfig,
    log: !values.quiet,
    durability,
    cluster,
  });
  if (durability !== undefined) {
    const t0 = Date.now();
    const keys = await server.load(durability.backend.load());
    server.log(`Loaded ${keys} keys from the ${kind} backend at sequence ${durability.durableSeq} in ${Date.now() - t0} ms (durability ${mode})`);
  }
  await server.listen();
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      server.log(`Received ${sig}, shutting down`);
      server.close().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
