/**
 * The `catena` command line: `catena server` (one node), with --help for every flag.
 * Parsing uses node:util parseArgs (no dependency).
 */
import { parseArgs } from 'node:util';
import { CatenaServer, catenaVersion } from '../server/server';
import { readConfigFile } from './config-file';

const USAGE = `Usage: catena <command> [options]

Commands:
  server     Start one Catena node.
  bench      Benchmark Catena against a real redis-server (writes docs/benchmarks.md).

Run 'catena <command> --help' for the options of a command.
`;

const SERVER_USAGE = `Usage: catena server [options]

Start one Catena node (in-memory backend). Speaks RESP2/RESP3 like Redis 7.

Options:
  --port <n>            TCP port for clients (default 7001; never 6379, where a Redis often runs)
  --bind <addr>         Address to listen on (default 127.0.0.1)
  --requirepass <pw>    Require AUTH <pw> (the default user's password), as Redis's requirepass
  --config <file>       A redis.conf-style file of CONFIG parameters ("name value" per line);
                        command-line flags win over the file
  --quiet               Do not print log lines
  -h, --help            Show this help

The node stops cleanly on SIGINT (Ctrl-C) or SIGTERM.
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
  const server = new CatenaServer({
    port,
    bind,
    requirepass: values.requirepass ?? fileConfig.requirepass,
    config: fileConfig,
    log: !values.quiet,
  });
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
