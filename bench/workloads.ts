/**
 * The throughput workloads: redis-benchmark's own tests (its key names and argument shapes,
 * Redis 7.0 redis-benchmark.c), each with a probe that tells whether a server implements the
 * command and the preparation that makes every run start from the same data on every server.
 */
import { keySlot } from '../protocol/config/slots';
import { errorText, type RespConnection } from './resp-client';

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
  /** Runs leave the data as prepareCell made it: the next cell of the same value size (the other pipeline) keeps it. */
  readonly readOnly?: boolean;
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

/**
 * SET `key:000000000000` … up to `keys` keys to values of `valueSize` bytes: MSET of up to
 * 100 keys per command (few commands, so a node with a sync backend makes them durable in
 * few batches), about 1 MB per write; in a cluster, which refuses keys of different slots
 * (CROSSSLOT), one MSET per slot; SET one by one where MSET does not exist.
 */
export async function fillKeys(c: RespConnection, keys: number, valueSize: number): Promise<string | null> {
  const value = 'x'.repeat(valueSize);
  const { perCommand, commands, batch } = fillPlan(keys, valueSize);
  const mset = (from: readonly number[]): string[] => {
    const args = ['MSET'];
    for (const k of from) args.push(randKey('key:', k), value);
    return args;
  };
  const range = (i: number) => Array.from({ length: Math.min(keys, (i + 1) * perCommand) - i * perCommand }, (_, j) => i * perCommand + j);
  const first = errorText(await c.call(...mset(range(0))));
  if (first === null) return c.pipeline(commands - 1, (i) => mset(range(i + 1)), batch, 4);
  if (first.startsWith('CROSSSLOT')) {
    // A cluster: one MSET per hash slot (about 6 keys each), as Redis Cluster allows.
    const groups = slotGroups(keys, perCommand);
    const e = errorText(await c.call(...mset(groups[0] ?? [])));
    if (e === null) return c.pipeline(groups.length - 1, (i) => mset(groups[i + 1] as number[]), batch * Math.max(1, Math.floor(perCommand / 6)), 4);
  }
  // MSET does not exist (or refuses even one slot's keys): SET one by one.
  return c.pipeline(keys, (i) => ['SET', randKey('key:', i), value]);
}

/** The key indexes [0, keys) grouped by hash slot of their key name, at most `max` per group. */
export function slotGroups(keys: number, max: number): number[][] {
  const bySlot = new Map<number, number[]>();
  const out: number[][] = [];
  for (let k = 0; k < keys; k++) {
    const slot = keySlot(randKey('key:', k));
    let g = bySlot.get(slot);
    if (g === undefined || g.length >= max) {
      g = [];
      bySlot.set(slot, g);
      out.push(g);
    }
    g.push(k);
  }
  return out;
}

/** fillKeys's shape: keys per MSET, MSETs in all, MSETs per write (about 1 MB). */
export function fillPlan(keys: number, valueSize: number): { perCommand: number; commands: number; batch: number } {
  const perCommand = Math.max(1, Math.min(100, Math.floor((64 * 1024) / Math.max(1, valueSize))));
  const commands = Math.ceil(keys / perCommand);
  const batch = Math.max(1, Math.floor((1024 * 1024) / (perCommand * Math.max(1, valueSize))));
  return { perCommand, commands, batch };
}

export const workloads: readonly Workload[] = [
  { id: 'SET', test: 'set', csvName: 'SET', carriesValue: true, probe: ['SET', 'bench:probe:string', 'x'] },
  {
    id: 'GET',
    test: 'get',
    csvName: 'GET',
    carriesValue: true,
    probe: ['GET', 'bench:probe:string'],
    readOnly: true,
    // Every key GET may ask for holds a value of the cell's size.
    prepareCell: (c, p) => fillKeys(c, p.keyspace, p.valueSize),
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
 * Most requests in one run: bounds a run's time, and the list LPOP's preparation fills
 * (4 KiB × 100,000 = 400 MB).
 */
export function requestsMax(pipeline: number, valueSize: number, quick: boolean): number {
  const big = valueSize > 1024;
  let n: number;
  if (pipeline <= 1) n = big ? 60_000 : 150_000;
  else n = big ? 100_000 : 1_200_000;
  return quick ? Math.floor(n / 5) : n;
}

/**
 * Fewest requests in one run: 100 round trips per client of redis-benchmark's 50 at pipeline 1
 * (5,000), ten at pipeline 16 (8,000). Also the first calibration run. Fewer round trips
 * measure the connections' start more than the steady state: a 3-node cluster measured SET at
 * 14k/s with 500 requests at pipeline 1, 15k/s with 1,800, 19k/s with 5,000 and 22k/s with
 * 20,000. A system slower than requestsMin / target seconds gets runs longer than the target.
 */
export function requestsMin(pipeline: number): number {
  return pipeline <= 1 ? 5000 : 500 * pipeline;
}

/** Request counts are rounded to a hundred (below 10,000) or a thousand. */
export function roundRequests(n: number): number {
  return n < 10_000 ? Math.round(n / 100) * 100 : Math.round(n / 1000) * 1000;
}

/**
 * Calibration: a first run of requestsMin requests, then, while the last run was too short
 * to trust (under half of `calibrationSeconds`: connection set-up weighs in it), one sized
 * from its rate to last `calibrationSeconds`. Returns that next run's requests, or null when
 * the last run can size the measured ones.
 */
export function nextCalibration(requests: number, rps: number, calibrationSeconds: number, pipeline: number, valueSize: number, quick: boolean): number | null {
  if (!Number.isFinite(rps) || rps <= 0) return null;
  const hi = requestsMax(pipeline, valueSize, quick);
  if (requests >= hi || requests / rps >= calibrationSeconds / 2) return null;
  return Math.min(hi, Math.max(requests * 2, roundRequests(rps * calibrationSeconds)));
}

/**
 * Requests for a system's measured runs: what that system served in `targetSeconds` at its
 * calibrated rate, within [requestsMin, requestsMax]. Each system (Redis and every Catena
 * configuration) is sized by its own rate, so every run lasts about `targetSeconds`.
 */
export function requestsForRate(rps: number, targetSeconds: number, pipeline: number, valueSize: number, quick: boolean): number {
  const lo = requestsMin(pipeline);
  const hi = requestsMax(pipeline, valueSize, quick);
  if (!Number.isFinite(rps) || rps <= 0) return lo;
  return Math.min(hi, Math.max(lo, roundRequests(rps * targetSeconds)));
}

/**
 * Calibrate one system for one cell: runs of `run(requests)` as nextCalibration says (at
 * most three). Returns the last run's rate and how many runs it took; rps is NaN when a
 * run failed (`run` returned null).
 */
export async function calibrate(
  run: (requests: number) => Promise<{ rps: number } | null>,
  calibrationSeconds: number,
  pipeline: number,
  valueSize: number,
  quick: boolean,
): Promise<{ rps: number; runs: number }> {
  let requests: number | null = requestsMin(pipeline);
  let rps = NaN;
  let runs = 0;
  while (requests !== null && runs < 3) {
    const row = await run(requests);
    runs++;
    if (row === null) return { rps: NaN, runs };
    rps = row.rps;
    requests = nextCalibration(requests, rps, calibrationSeconds, pipeline, valueSize, quick);
  }
  return { rps, runs };
}
