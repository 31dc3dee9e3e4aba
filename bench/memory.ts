/**
 * Memory per key for the same data in Redis and in Catena: each system is started fresh,
 * measured empty, loaded over pipelined RESP (the very same commands for both), and
 * measured again. Redis is measured by INFO's `used_memory` (what the targets are
 * stated in) and, for reference, by its process RSS; Catena by process RSS (VmRSS) minus
 * the RSS of the same process when empty.
 */
import type { Configuration, Target } from './configurations';
import { rssBytes } from './procs';
import { bulkText, infoField, RespConnection, withConnection } from './resp-client';
import { classifyProbe, randKey } from './workloads';

export interface MemoryDataset {
  readonly id: string;
  readonly title: string;
  readonly keys: number;
  readonly probe: readonly string[];
  command(i: number): string[];
}

/** 100-byte strings under redis-benchmark-style keys, and 10-field hashes of 8-byte values. */
export function memoryDatasets(quick: boolean): MemoryDataset[] {
  const value = 'x'.repeat(100);
  const stringKeys = quick ? 100_000 : 1_000_000;
  const hashKeys = quick ? 10_000 : 100_000;
  return [
    {
      id: 'strings',
      title: `${stringKeys.toLocaleString('en-US')} keys of 100-byte strings`,
      keys: stringKeys,
      probe: ['SET', 'bench:probe:string', 'x'],
      command: (i) => ['SET', randKey('key:', i), value],
    },
    {
      id: 'hashes',
      title: `${hashKeys.toLocaleString('en-US')} hashes of 10 fields`,
      keys: hashKeys,
      probe: ['HSET', 'bench:probe:hash', 'f', 'x'],
      command: (i) => {
        const args = ['HSET', randKey('hash:', i)];
        // Not integers, so Redis cannot store them as numbers: 8 bytes each, like the data set.
        for (let f = 0; f < 10; f++) args.push(`f${f}`, `v${String((i * 10 + f) % 10_000_000).padStart(7, '0')}`);
        return args;
      },
    },
  ];
}

export type MemoryMeasurement =
  | { ok: true; bytesPerKey: number; rssBytesPerKey: number; emptyRssBytes: number; loadSeconds: number; note: string | null }
  | { ok: false; status: string };

function sumRss(t: Target): number {
  let n = 0;
  for (const pid of t.pids) n += rssBytes(pid);
  return n;
}

async function usedMemory(c: RespConnection): Promise<number> {
  const info = bulkText(await c.call('INFO', 'memory'));
  const v = info === null ? null : infoField(info, 'used_memory');
  return v === null ? NaN : Number(v);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Measure one data set in a fresh system. `redisStyle`: also read used_memory (the Redis
 * baseline); otherwise bytes per key come from RSS alone.
 */
export async function measureMemory(cfg: Configuration, ds: MemoryDataset, redisStyle: boolean): Promise<MemoryMeasurement> {
  if (cfg.start === null) return { ok: false, status: cfg.unavailable ?? 'not available yet' };
  const target = await cfg.start({});
  try {
    return await withConnection(target.port, target.host, async (c) => {
      const probe = classifyProbe(await c.call(...ds.probe));
      if (probe.kind === 'missing') return { ok: false, status: 'not implemented yet' } as const;
      if (probe.kind === 'error') return { ok: false, status: `error: ${probe.text}` } as const;
      await c.call('DEL', ds.probe[1] as string);
      await sleep(300);
      const rss0 = sumRss(target);
      const used0 = redisStyle ? await usedMemory(c) : NaN;
      const t0 = process.hrtime.bigint();
      const err = await c.pipeline(ds.keys, (i) => ds.command(i), 1000, 8);
      const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (err !== null) return { ok: false, status: `error while loading: ${err}` } as const;
      await sleep(1000);
      const rss1 = sumRss(target);
      const used1 = redisStyle ? await usedMemory(c) : NaN;
      const dbsize = await c.call('DBSIZE');
      let note: string | null = null;
      if (dbsize.startsWith(':') && Number(dbsize.slice(1)) !== ds.keys) note = `DBSIZE is ${dbsize.slice(1).trim()}, expected ${ds.keys}`;
      const rssPerKey = (rss1 - rss0) / ds.keys;
      return {
        ok: true,
        bytesPerKey: redisStyle ? (used1 - used0) / ds.keys : rssPerKey,
        rssBytesPerKey: rssPerKey,
        emptyRssBytes: rss0,
        loadSeconds,
        note,
      } as const;
    });
  } finally {
    await target.stop();
  }
}
