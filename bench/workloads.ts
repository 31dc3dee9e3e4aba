/**
 * The throughput workloads: redis-benchmark's own tests (its key names and argument shapes,
 * Redis 7.0 redis-benchmark.c), each with a probe that tells whether a server implements the
 * command and the preparation that makes every run start from the same data on every server.
 */
import type { RespConnection } from './resp-client';

/** redis-benchmark's random keys are `__rand_int__` replaced by 12 digits in [0, keyspace). */
export function randKey(prefix: string, i: number): string {
  return prefix + String(i).padStart(12, '0');
}

export interface PrepareParams {
  valueSize: number;
  /** Requests of the run about to start. */
  requests: number;
  /** The -r keyspace length. */
  keyspace: number;
}

export interface Workload {
  /** As printed in reports: "SET", "MSET". */
  readonly id: string;
  /** redis-benchmark -t name. */
  readonly test: string;
  /** The test's row name in redis-benchmark's CSV output. */
  readonly csvName: string;
  /** The command carries a value of the chosen size (-d); false for INCR, SADD, ZADD. */
  readonly carriesValue: boolean;
  /** A harmless command of the family; "ERR unknown command" means "not implemented yet". */
  readonly probe: readonly string[];
  /** Once per cell, after the database is emptied. Returns an error text or null. */
  prepareCell?(c: RespConnection, p: PrepareParams): Promise<string | null>;
  /** Before every run (lists grow or drain in a run). Returns an error text or null. */
  prepareRun?(c: RespConnection, p: PrepareParams): Promise<string | null>;
}

const LIST_KEY = 'mylist';

/** Delete keys; falls back to FLUSHALL where DEL does not exist. */
export async function deleteKeys(c: RespConnection, keys: string[]): Promise<string | null> {
  const r = await c.call('DEL', ...keys);
  if (!r.startsWith('-')) return null;
  const f = await c.call('FLUSHALL');
  return f.startsWith('-') ? `cannot reset keys: ${r.trim()} / ${f.trim()}` : null;
}

/** Empty the database (FLUSHALL), or delete the workloads' fixed keys when FLUSHALL is missing. */
export async function emptyDatabase(c: RespConnection): Promise<void> {
  const r = await c.call('FLUSHALL');
  if (r.startsWith('-')) await c.call('DEL', LIST_KEY, 'myset', 'myhash', 'myzset');
}

export const workloads: readonly Workload[] = [
  { id: 'SET', test: 'set', csvName: 'SET', carriesValue: true, probe: ['SET', 'bench:probe:string', 'x'] },
  {
    id: 'GET',
    test: 'get',
    csvName: 'GET',
    carriesValue: true,
    probe: ['GET', 'bench:probe:string'],
    // Every key GET may ask for holds a value of the cell's size.
    prepareCell: (c, p) => {
      const value = 'x'.repeat(p.valueSize);
      return c.pipeline(p.keyspace, (i) => ['SET', randKey('key:', i), value]);
    },
  },
  { id: 'INCR', test: 'incr', csvName: 'INCR', carriesValue: false, probe: ['INCR', 'bench:probe:counter'] },
  {
    id: 'LPUSH',
    test: 'lpush',
    csvName: 'LPUSH',
    carriesValue: true,
    probe: ['LPUSH', 'bench:probe:list', 'x'],
    prepareRun: (c) => deleteKeys(c, [LIST_KEY]),
  },
  {
    id: 'LPOP',
    test: 'lpop',
    csvName: 'LPOP',
    carriesValue: true,
    probe: ['LPOP', 'bench:probe:list'],
    // As redis-benchmark's default sequence (LPUSH n, then LPOP n): every pop finds an element.
    prepareRun: async (c, p) => {
      const e = await deleteKeys(c, [LIST_KEY]);
      if (e !== null) return e;
      const value = 'x'.repeat(p.valueSize);
      const perCommand = Math.max(1, Math.min(1000, Math.floor((256 * 1024) / Math.max(1, p.valueSize))));
      const commands = Math.ceil(p.requests / perCommand);
      return c.pipeline(
        commands,
        (i) => {
          const n = Math.min(perCommand, p.requests - i * perCommand);
          const args = new Array<string>(n + 2).fill(value);
          args[0] = 'LPUSH';
          args[1] = LIST_KEY;
          return args;
        },
        8,
        4,
      );
    },
  },
  { id: 'SADD', test: 'sadd', csvName: 'SADD', carriesValue: false, probe: ['SADD', 'bench:probe:set', 'x'] },
  { id: 'HSET', test: 'hset', csvName: 'HSET', carriesValue: true, probe: ['HSET', 'bench:probe:hash', 'f', 'x'] },
  { id: 'ZADD', test: 'zadd', csvName: 'ZADD', carriesValue: false, probe: ['ZADD', 'bench:probe:zset', '0', 'x'] },
  {
    id: 'MSET',
    test: 'mset',
    csvName: 'MSET (10 keys)',
    carriesValue: true,
    probe: ['MSET', 'bench:probe:m1', 'x', 'bench:probe:m2', 'y'],
  },
];

/** What a probe reply means. */
export type ProbeResult = { kind: 'ok' } | { kind: 'missing' } | { kind: 'error'; text: string };

export function classifyProbe(raw: string): ProbeResult {
  if (!raw.startsWith('-')) return { kind: 'ok' };
  const text = raw.slice(1).trim();
  if (text.startsWith('ERR unknown command')) return { kind: 'missing' };
  return { kind: 'error', text };
}

/**
 * Most requests in one run: bounds a run's time when Catena is much slower than Redis, and
 * the list LPOP's preparation fills (4 KiB × 100,000 = 400 MB).
 */
export function requestsMax(pipeline: number, valueSize: number, quick: boolean): number {
  const big = valueSize > 1024;
  let n: number;
  if (pipeline <= 1) n = big ? 60_000 : 150_000;
  else n = big ? 100_000 : 1_200_000;
  return quick ? Math.floor(n / 5) : n;
}

/** Requests of the calibration run, which is also each server's warm-up for the command. */
export function calibrationRequests(pipeline: number, valueSize: number, quick: boolean): number {
  return Math.max(5_000, Math.floor(requestsMax(pipeline, valueSize, quick) / 10));
}

/**
 * Requests for the measured runs: what Redis served in `targetSeconds` during calibration,
 * rounded to a thousand, within [calibration, max]. Every system gets the same count.
 */
export function requestsForRate(rps: number, targetSeconds: number, pipeline: number, valueSize: number, quick: boolean): number {
  const lo = calibrationRequests(pipeline, valueSize, quick);
  const hi = requestsMax(pipeline, valueSize, quick);
  if (!Number.isFinite(rps) || rps <= 0) return lo;
  const n = Math.round((rps * targetSeconds) / 1000) * 1000;
  return Math.min(hi, Math.max(lo, n));
}
