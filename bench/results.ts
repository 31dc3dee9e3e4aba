/** The shape of a benchmark run's results (also written as JSON to bench-results/). */
import type { LatencyResult } from './latency';
import type { MemoryMeasurement } from './memory';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryBytes: number;
  os: string;
  node: string;
  redisServer: string;
  redisBenchmark: string;
  catena: string;
  /** /proc/loadavg's 1-minute load at the start and at the end of the run (other work on the machine skews results). */
  loadAvgStart: number;
  loadAvgEnd: number;
}

export interface RunSettings {
  quick: boolean;
  /** Repetitions per cell of the primary configurations (and Redis). */
  reps: number;
  /** Repetitions per cell of the secondary configurations (the first `secondaryReps` of `reps`). */
  secondaryReps: number;
  clients: number;
  keyspace: number;
  pipelines: number[];
  valueSizes: number[];
  /** The value sizes the secondary configurations run (a subset of valueSizes). */
  secondaryValueSizes: number[];
  /** How long each system's measured runs last (requests sized by the system's own calibrated rate). */
  runSeconds: number;
  /** How long a trusted calibration run lasts. */
  calibrationSeconds: number;
  latencyRates: number[];
  latencyWarmupMs: number;
  latencyDurationMs: number;
  arrivals: 'poisson' | 'constant';
  /** The time plan printed at the start (bench/plan.ts). */
  plan?: { totalSeconds: number; phases: Array<{ phase: string; runs: number; seconds: number }> };
}

/** A configuration's side of a cell outside its scope (bench/plan.ts: secondary configurations run fewer cells). */
export const NOT_IN_SCOPE = 'not in scope';

/** What happened to one system in one cell: 'ok', 'not implemented yet', or an error text. */
export interface ThroughputSide {
  status: string;
  /** Requests of each measured run (sized by this system's calibrated rate); 0 when not run. */
  requests: number;
  rps: number[];
  p50Ms: number[];
  p99Ms: number[];
}

export interface ThroughputCell {
  workload: string;
  valueSize: number;
  pipeline: number;
  redis: ThroughputSide;
  /** By configuration id. */
  catena: Record<string, ThroughputSide>;
}

export interface LatencySide {
  status: string;
  runs: LatencyResult[];
}

export interface LatencyCell {
  command: string;
  valueSize: number;
  ratePerSec: number;
  redis: LatencySide;
  catena: Record<string, LatencySide>;
}

export interface MemoryRow {
  dataset: string;
  title: string;
  keys: number;
  redis: MemoryMeasurement;
  catena: Record<string, MemoryMeasurement>;
}

export interface ConfigurationStatus {
  id: string;
  title: string;
  /** 'measured', or why not. */
  status: string;
  /** What of the matrix it ran, e.g. "full matrix, 3 repetitions" (measured ones). */
  scope?: string;
}

export interface BenchResults {
  machine: MachineInfo;
  settings: RunSettings;
  configurations: ConfigurationStatus[];
  throughput: ThroughputCell[];
  latency: LatencyCell[];
  memory: MemoryRow[];
  elapsedSeconds: number;
}
