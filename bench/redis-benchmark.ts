/**
 * Runs Debian's `redis-benchmark` (redis-tools) against one server and reads its --csv
 * output. The spawn is bounded by a timeout and tracked for cleanup; parsing is pure.
 */
import { spawnTracked, stopChild } from './procs';

/** One row of redis-benchmark --csv (Redis 7 columns). */
export interface BenchRow {
  test: string;
  rps: number;
  avgMs: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Split one CSV line of quoted fields ("a","b c","1.5"); unquoted fields are taken as they are. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            s += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += line[i];
        i++;
      }
      out.push(s);
      if (line[i] === ',') i++;
      else break;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        out.push(line.slice(i));
        break;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
  return out;
}

/**
 * Parse redis-benchmark --csv output. Lines that are not CSV rows (warnings such as
 * "WARNING: Could not fetch server CONFIG") are ignored; the header names the columns, so
 * a redis-benchmark with fewer columns (Redis 6: test,rps) still parses.
 */
export function parseBenchmarkCsv(text: string): BenchRow[] {
  const rows: BenchRow[] = [];
  let header: string[] | null = null;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line.startsWith('"')) continue;
    const fields = splitCsvLine(line);
    if (fields[0] === 'test') {
      header = fields;
      continue;
    }
    const cols = header ?? ['test', 'rps'];
    const get = (name: string): number => {
      const i = cols.indexOf(name);
      return i < 0 || fields[i] === undefined ? NaN : Number(fields[i]);
    };
    rows.push({
      test: fields[0] as string,
      rps: get('rps'),
      avgMs: get('avg_latency_ms'),
      minMs: get('min_latency_ms'),
      p50Ms: get('p50_latency_ms'),
      p95Ms: get('p95_latency_ms'),
      p99Ms: get('p99_latency_ms'),
      maxMs: get('max_latency_ms'),
    });
  }
  return rows;
}

export interface BenchmarkParams {
  host: string;
  port: number;
  cluster: boolean;
  /** -t test name. */
  test: string;
  /** The CSV row to take (e.g. "MSET (10 keys)"). */
  csvName: string;
  clients: number;
  requests: number;
  pipeline: number;
  valueSize: number;
  /** -r keyspace length; 0 for none. */
  keyspace: number;
  timeoutMs: number;
}

export type BenchmarkOutcome = { ok: true; row: BenchRow; seconds: number } | { ok: false; error: string; timedOut: boolean };

export function benchmarkArgs(p: BenchmarkParams): string[] {
  const args = ['-h', p.host, '-p', String(p.port), '-c', String(p.clients), '-n', String(p.requests), '-P', String(p.pipeline), '-d', String(p.valueSize)];
  if (p.keyspace > 0) args.push('-r', String(p.keyspace));
  if (p.cluster) args.push('--cluster');
  args.push('-t', p.test, '--csv');
  return args;
}

/** Run redis-benchmark once; never throws for a failing or slow server. */
export async function runRedisBenchmark(p: BenchmarkParams): Promise<BenchmarkOutcome> {
  const t0 = process.hrtime.bigint();
  const child = spawnTracked('redis-benchmark', benchmarkArgs(p));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopChild(child, 'SIGKILL');
  }, p.timeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (c) => resolve(c));
    child.once('error', (e) => {
      err += e.message;
      resolve(-1);
    });
  });
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (timedOut) return { ok: false, error: `timed out after ${Math.round(p.timeoutMs / 1000)} s`, timedOut: true };
  const row = parseBenchmarkCsv(out).find((r) => r.test === p.csvName);
  const serverError = /Error from server: (.*)/.exec(out + '\n' + err);
  if (code !== 0 || row === undefined || !Number.isFinite(row.rps)) {
    const why = serverError ? serverError[1] : (err.trim().split('\n').pop() ?? `exit code ${code}`);
    return { ok: false, error: `redis-benchmark failed: ${why}`, timedOut: false };
  }
  return { ok: true, row, seconds };
}
