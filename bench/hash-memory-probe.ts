/**
 * A quick probe of one figure of the memory benchmark: process RSS per key of a fresh Catena
 * node loaded with bench/memory.ts's "hashes of 10 fields" data set (the same commands,
 * pipelined the same way), and, when a Redis is given, its `used_memory` per key for the same
 * data. For checking a change to the in-memory hash encodings without running the whole
 * benchmark. Redis is only touched in the database given (FLUSHDB before and after).
 *
 *   node dist/bench/hash-memory-probe.js [--keys N] [--redis-port P] [--redis-db D] [--idle-ms MS]
 *     [--node-arg FLAG]...
 *
 * --idle-ms: also report the RSS after that long idle (V8 shrinks its young generation,
 * grown during the load, only after a while). --node-arg: a flag for the node running
 * Catena (e.g. --max-semi-space-size=1).
 */
import { installCleanup, rssBytes, startCatenaServer } from './procs';
import { bulkText, infoField, withConnection } from './resp-client';
import { memoryDatasets } from './memory';

function arg(name: string, fallback: number | null): number | null {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  installCleanup();
  const ds = memoryDatasets(false).find((d) => d.id === 'hashes');
  if (ds === undefined) throw new Error('no hashes data set in bench/memory.ts');
  const keys = arg('--keys', ds.keys) as number;
  const redisPort = arg('--redis-port', null);
  const redisDb = arg('--redis-db', 9) as number;
  const idleMs = arg('--idle-ms', 0) as number;
  const nodeArgs: string[] = [];
  for (let i = 0; i < process.argv.length; i++) if (process.argv[i] === '--node-arg') nodeArgs.push(process.argv[i + 1] as string);

  const node = await startCatenaServer(nodeArgs);
  try {
    await withConnection(node.port, node.host, async (c) => {
      await sleep(300);
      const rss0 = rssBytes(node.pid);
      const err = await c.pipeline(keys, (i) => ds.command(i), 1000, 8);
      if (err !== null) throw new Error(`loading: ${err}`);
      await sleep(1000);
      const rss1 = rssBytes(node.pid);
      const enc = await c.call('OBJECT', 'ENCODING', ds.command(0)[1] as string);
      process.stdout.write(`catena: ${((rss1 - rss0) / keys).toFixed(0)} B/key RSS (empty ${(rss0 / 1048576).toFixed(1)} MiB, ${keys} keys, encoding ${bulkText(enc) ?? enc.trim()})\n`);
      if (idleMs > 0) {
        await sleep(idleMs);
        process.stdout.write(`catena: ${((rssBytes(node.pid) - rss0) / keys).toFixed(0)} B/key RSS after ${idleMs} ms idle\n`);
      }
    });
  } finally {
    await node.stop();
  }

  if (redisPort === null) return;
  await withConnection(redisPort, '127.0.0.1', async (c) => {
    await c.call('SELECT', String(redisDb));
    await c.call('FLUSHDB');
    const used = async () => Number(infoField(bulkText(await c.call('INFO', 'memory')) ?? '', 'used_memory'));
    const u0 = await used();
    const err = await c.pipeline(keys, (i) => ds.command(i), 1000, 8);
    if (err !== null) throw new Error(`loading redis: ${err}`);
    const u1 = await used();
    await c.call('FLUSHDB');
    process.stdout.write(`redis: ${((u1 - u0) / keys).toFixed(0)} B/key used_memory (db ${redisDb})\n`);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
