/**
 * What a benchmark run measures and how long it should take. Pure: the harness prints the
 * estimate at the start and the report keeps it next to the actual run time.
 *
 * The budget (the issue: `npm run bench` end to end in under 10 minutes, on a 2-core
 * machine) is met by sizing every run by the measured system's own rate (each run lasts
 * `runSeconds`, however slow the system), and by a reduced scope for the secondary
 * configurations (the fs, cluster fs, redis and postgres backends): the 100-byte cells only,
 * with fewer repetitions, no latency phase. The primary configurations (single node and
 * 3-node cluster, in-memory) run the full matrix with every repetition.
 *
 * Estimate = Σ over phases of (runs × their length + fixed costs per run, per cell and per
 * system), with the costs below, measured on a 2-core machine (AMD EPYC, 2026-11).
 */
import type { Tier } from './configurations';
import type { RunSettings, ThroughputCell } from './results';
import { median, formatSize } from './stats';

export interface PlanWorkload {
  readonly id: string;
  readonly carriesValue: boolean;
}

export interface PlanConfiguration {
  readonly id: string;
  readonly tier: Tier;
  readonly memory: boolean;
}

/** Fixed costs, seconds (see the file comment). */
export const costs = {
  /** redis-benchmark start, 50 connections, CSV: per run. */
  run: 0.06,
  /** Probe, FLUSHALL, per system and cell. */
  cell: 0.1,
  /** Calibration runs per system and cell (a short first run, then mostly one of calibrationSeconds). */
  calibrationRuns: 1.5,
  /** GET's preparation per system and cell: the keyspace SET by MSET (4 KiB values: ×3). */
  fillKeyspace: 0.6,
  /** LPOP's preparation per run: the list as long as the run (4 KiB values: ×5, up to 400 MB). */
  fillList: 0.15,
  /** Start and warm-up of one system (SET and GET at pipeline 16, SET at pipeline 1, 1 s each, with their calibration). */
  system: 5,
  /** Latency: connections, draining the last replies, per run. */
  latencyRun: 0.3,
  /** Memory: start, idle waits, stop per system and data set (the load itself: per key below). */
  memorySystem: 2,
  memoryPerKeyRedis: 2e-6,
  memoryPerKeyCatena: 8e-6,
  /** Durability phase: start of a system, of one with a throw-away PostgreSQL (initdb). */
  durabilitySystem: 0.5,
  durabilityPostgres: 3,
  /** `tsc` before the run (npm run bench). */
  build: 6,
};

/** The whole run must fit in this (the "under 10 minutes"). */
export const budgetSeconds = 600;

/**
 * The settings of a run: the full run (`npm run bench`) or --quick. `reps` defaults to 3 (1
 * quick), `secondaryReps` to 2 (1 quick), never more than `reps`.
 */
export function defaultSettings(o: { quick: boolean; reps?: number; secondaryReps?: number; clients?: number; keyspace?: number }): RunSettings {
  const quick = o.quick;
  const reps = o.reps ?? (quick ? 1 : 3);
  return {
    quick,
    reps,
    secondaryReps: Math.min(reps, o.secondaryReps ?? (quick ? 1 : 2)),
    clients: o.clients ?? 50,
    keyspace: o.keyspace ?? 100_000,
    pipelines: [1, 16],
    valueSizes: quick ? [100] : [100, 4096],
    secondaryValueSizes: [100],
    runSeconds: quick ? 0.25 : 0.4,
    calibrationSeconds: quick ? 0.1 : 0.2,
    latencyRates: quick ? [10_000] : [10_000, 40_000],
    latencyWarmupMs: 500,
    latencyDurationMs: quick ? 1000 : 1500,
    arrivals: 'poisson',
  };
}

/** What a configuration of `tier` runs: value sizes and repetitions per cell. */
export function scopeOf(tier: Tier, s: RunSettings): { valueSizes: number[]; reps: number } {
  if (tier === 'primary') return { valueSizes: s.valueSizes, reps: s.reps };
  return { valueSizes: s.valueSizes.filter((v) => s.secondaryValueSizes.includes(v)), reps: Math.min(s.reps, s.secondaryReps) };
}

export function scopeText(tier: Tier, s: RunSettings): string {
  const { valueSizes, reps } = scopeOf(tier, s);
  const sizes = valueSizes.length === s.valueSizes.length ? 'full matrix' : `${valueSizes.map(formatSize).join(', ')} cells only`;
  return `${sizes}, ${reps} repetition${reps === 1 ? '' : 's'}${tier === 'secondary' ? ', no latency phase' : ''}`;
}

export interface PlannedCell {
  workload: string;
  valueSize: number;
  pipeline: number;
  /** Catena configurations taking part, with their repetitions. */
  configs: Array<{ id: string; reps: number }>;
}

/**
 * The throughput cells: every workload (of `only`) × value size (one size for workloads
 * without a value) × pipeline, with the configurations whose scope covers the size. A cell
 * no configuration runs is left out (Redis alone gives no ratio), unless no configuration
 * was chosen at all (a Redis-only run).
 */
export function throughputCells(workloads: readonly PlanWorkload[], s: RunSettings, configs: readonly PlanConfiguration[], only: readonly string[] | null): PlannedCell[] {
  const cells: PlannedCell[] = [];
  for (const w of workloads) {
    if (only !== null && !only.includes(w.id)) continue;
    for (const size of s.valueSizes) {
      if (!w.carriesValue && size !== s.valueSizes[0]) continue;
      const inScope = configs.filter((c) => scopeOf(c.tier, s).valueSizes.includes(size) || (!w.carriesValue && scopeOf(c.tier, s).valueSizes.length > 0));
      if (configs.length > 0 && inScope.length === 0) continue;
      for (const pipeline of s.pipelines) cells.push({ workload: w.id, valueSize: size, pipeline, configs: inScope.map((c) => ({ id: c.id, reps: scopeOf(c.tier, s).reps })) });
    }
  }
  return cells;
}

export interface PhaseEstimate {
  phase: string;
  /** Measured runs (redis-benchmark / latency runs / data set loads). */
  runs: number;
  seconds: number;
  detail: string;
}

export interface PlanInput {
  settings: RunSettings;
  workloads: readonly PlanWorkload[];
  configs: readonly PlanConfiguration[];
  only: readonly string[] | null;
  skip: ReadonlySet<string>;
  memoryDatasets: ReadonlyArray<{ keys: number }>;
  durability: { runSeconds: number; reps: number; calibrationSeconds: number; pipelines: readonly number[]; systems: ReadonlyArray<{ postgres: boolean }> };
}

export interface PlanEstimate {
  phases: PhaseEstimate[];
  totalSeconds: number;
}

export function estimatePlan(p: PlanInput): PlanEstimate {
  const s = p.settings;
  const phases: PhaseEstimate[] = [];
  const runCost = s.runSeconds + costs.run;
  const calibration = costs.calibrationRuns * (s.calibrationSeconds + costs.run);
  if (!p.skip.has('throughput')) {
    const cells = throughputCells(p.workloads, s, p.configs, p.only);
    let runs = 0;
    let seconds = (1 + p.configs.length) * costs.system;
    for (const c of cells) {
      const sides = [s.reps, ...c.configs.map((x) => x.reps)];
      for (const reps of sides) {
        runs += reps;
        seconds += costs.cell + calibration + reps * runCost;
        // The keyspace serves both pipelines' cells (GET leaves it as it was).
        if (c.workload === 'GET' && c.pipeline === s.pipelines[0]) seconds += costs.fillKeyspace * (c.valueSize > 1024 ? 3 : 1);
        if (c.workload === 'LPOP') seconds += (reps + costs.calibrationRuns) * costs.fillList * (c.valueSize > 1024 ? 5 : 1);
      }
    }
    phases.push({ phase: 'throughput', runs, seconds, detail: `${cells.length} cells, ${runs} runs of ~${s.runSeconds} s` });
  }
  const primaries = p.configs.filter((c) => c.tier === 'primary').length;
  if (!p.skip.has('latency')) {
    const runs = s.latencyRates.length * 2 * (1 + primaries) * s.reps;
    const seconds = runs * ((s.latencyWarmupMs + s.latencyDurationMs) / 1000 + costs.latencyRun);
    phases.push({ phase: 'latency', runs, seconds, detail: `${runs} runs of ${(s.latencyWarmupMs + s.latencyDurationMs) / 1000} s (Redis and the primary configurations)` });
  }
  if (!p.skip.has('memory')) {
    const catenas = p.configs.filter((c) => c.memory).length;
    let seconds = 0;
    for (const d of p.memoryDatasets) seconds += costs.memorySystem * (1 + catenas) + d.keys * (costs.memoryPerKeyRedis + catenas * costs.memoryPerKeyCatena);
    const runs = p.memoryDatasets.length * (1 + catenas);
    phases.push({ phase: 'memory', runs, seconds, detail: `${runs} loads` });
  }
  if (!p.skip.has('durability')) {
    const d = p.durability;
    const perPipeline = costs.calibrationRuns * (d.calibrationSeconds + costs.run) + d.reps * (d.runSeconds + costs.run);
    const runs = d.systems.length * d.pipelines.length * d.reps;
    let seconds = 0;
    for (const sys of d.systems) seconds += (sys.postgres ? costs.durabilityPostgres : costs.durabilitySystem) + d.pipelines.length * perPipeline;
    phases.push({ phase: 'durability', runs, seconds, detail: `${d.systems.length} systems × ${d.pipelines.length} pipelines, ${runs} runs of ~${d.runSeconds} s` });
  }
  const totalSeconds = costs.build + phases.reduce((a, x) => a + x.seconds, 0);
  return { phases, totalSeconds };
}

export function formatPlan(e: PlanEstimate): string {
  const parts = e.phases.map((x) => `${x.phase} ~${Math.round(x.seconds)} s (${x.detail})`);
  const min = e.totalSeconds / 60;
  return `time plan: ${parts.join('; ')}; build ~${costs.build} s; total ≈ ${min.toFixed(1)} min (budget ${budgetSeconds / 60} min)`;
}

/**
 * The highest median throughput a system reached on `command` with 100-byte values at any
 * pipeline in this run (config null: Redis), or NaN when it was not measured. The latency
 * phase does not offer a system a load above what it can serve (its queue would only grow).
 */
export function measuredCapacity(cells: readonly ThroughputCell[], command: string, config: string | null): number {
  let best = NaN;
  for (const c of cells) {
    if (c.workload !== command || c.valueSize !== 100) continue;
    const side = config === null ? c.redis : c.catena[config];
    if (side === undefined || side.status !== 'ok') continue;
    const m = median(side.rps);
    if (Number.isFinite(m) && !(m <= best)) best = m;
  }
  return best;
}

/** Offered loads above this share of a system's measured capacity are not offered to it. */
export const latencyCapacityShare = 0.9;
