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
  reps: number;
  clients: number;
  keyspace: number;
  pipelines: number[];
  valueSizes: number[];
  latencyRates: number[];
  latencyDurationMs: number;
  arrivals: 'poisson' | 'constant';
}

/** What happened to one system in one cell: 'ok', 'not implemented yet', or an error text. */
export interface ThroughputSide {
  status: string;
  rps: number[];
  p50Ms: number[];
  p99Ms: number[];
}

export interface ThroughputCell {
  workload: string;
  valueSize: number;
  pipeline: number;
  requests: number;
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
