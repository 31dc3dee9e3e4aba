/**
 * The writer of the fs backend's crash test (fs.test.ts): opens the store in the directory
 * given as its argument and applies deterministic batches in a loop, continuing after the
 * store's applied sequence number, printing each number once its apply resolved, until it is
 * killed. It touches only that directory. `crashBatch` is also what the test replays into a
 * reference keyspace to know what the store must hold.
 */
import type { Effect } from '../../src/engine/effects';
import { FsBackend } from '../../backends/fs/store';

const far = 4102444800000; // 2100-01-01 in ms

/** The effects of the batch applied with sequence number `seq` (1, 2, ...). */
export function crashBatch(seq: bigint): Effect[] {
  const i = Number(seq);
  const effects: Effect[] = [
    { op: 'put', db: 0, key: `s${i % 7}`, value: `v${i}`.repeat(1 + (i % 5)), expireAt: i % 3 === 0 ? far + i : null },
    { op: 'hset', db: 0, key: 'h', fields: [`f${i % 50}`, `v${i}`, `g${i}`, 'x'] },
    { op: 'rpush', db: 1, key: 'l', items: [`a${i}`, `b${i}`] },
  ];
  if (i % 5 === 0) effects.push({ op: 'lpop', db: 1, key: 'l', count: 3 });
  if (i % 4 === 0) effects.push({ op: 'sadd', db: 2, key: 'S', members: [`m${i % 20}`, `n${i}`] });
  if (i % 6 === 0) effects.push({ op: 'zadd', db: 3, key: 'Z', members: [`z${i % 30}`], scores: [i / 7] });
  if (i % 11 === 0) effects.push({ op: 'setrange', db: 0, key: 'big', offset: (i * 997) % 200_000, bytes: `w${i}` });
  return effects;
}

async function main(dir: string): Promise<void> {
  const b = await FsBackend.open({ dir });
  let seq = await b.appliedSeq();
  for (;;) {
    seq++;
    await b.apply(crashBatch(seq), seq);
    process.stdout.write(`${seq}\n`);
  }
}

if (require.main === module) {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('usage: fs-crash-writer <dir>');
  main(dir).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
