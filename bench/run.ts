/**
 * `catena bench` (npm run bench): Catena against a real redis-server, measured the same way
 * on the same machine in the same run — throughput with redis-benchmark (alternating A/B
 * runs, medians), latency at a fixed offered load with our own open-loop client, memory per
 * key — written to docs/benchmarks.md and docs/benchmarks.svg. `--profile` instead profiles
 * a Catena node under redis-benchmark SET/GET load (node --cpu-prof) and ranks self time.
 * Starts and stops only its own processes, on free loopback ports. Never part of npm test.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { durabilityPhase, durabilitySettings, durabilitySystems, renderDurability } from './durability';
import { catenaConfigurations, configurationProblem, redisBaseline, type Configuration, type Target } from './configurations';
import { runFixedRate } from './latency';
import { measureMemory, memoryDatasets } from './memory';
import { commandExists, commandVersion, installCleanup, repoRoot } from './procs';
import { formatSelfTimes, selfTimes, type CpuProfile } from './profile';
import { runRedisBenchmark, type BenchRow } from './redis-benchmark';
import { chartSpec, renderMarkdown } from './report';
import { NOT_IN_SCOPE, type BenchResults, type ConfigurationStatus, type LatencyCell, type MachineInfo, type MemoryRow, type RunSettings, type ThroughputCell, type ThroughputSide } from './results';
import { formatInt, formatSize } from './stats';
import { renderRatioChart } from './svg';
import { calibrate, classifyProbe, emptyDatabase, requestsForRate, requestsMin, workloads, type PrepareParams } from './workloads';
import { budgetSeconds, costs, defaultSettings, estimatePlan, formatPlan, latencyCapacityShare, measuredCapacity, scopeText, throughputCells } from './plan';
import { withConnection } from './resp-client';

const USAGE = `Usage: catena bench [options]

Benchmark Catena against a real redis-server on this machine (redis-benchmark for
throughput, an open-loop client for latency at a fixed load, RSS for memory) and write
docs/benchmarks.md and docs/benchmarks.svg; then SET throughput per storage backend in sync
and async durability next to redis-server with appendfsync always/everysec, written to
docs/durability-bench.md. Needs redis-server and redis-benchmark
(Debian/Ubuntu: sudo apt-get install redis-server redis-tools); the postgres-backend
configuration also needs PostgreSQL's server binaries (postgresql; reported "not available"
without them). Every server it uses is its own, started on free loopback ports. Takes under
10 minutes: each system's runs are sized by its own rate, and the secondary configurations
(fs, cluster fs, redis and postgres backends) run the 100-byte cells with fewer
repetitions; the time plan is printed at the start.

Options:
  --quick              Few requests, one repetition, 100-byte values only; writes to
                       bench-results/ unless --out is given (for development)
  --reps <n>           Repetitions per cell (default 3; 1 with --quick)
  --secondary-reps <n> Repetitions per cell of the secondary configurations (default 2;
                       1 with --quick; at most --reps)
  --only <list>        Throughput workloads, comma-separated (e.g. SET,GET)
  --configs <list>     Catena configurations, comma-separated ids (default: all available):
                       single-memory, cluster3-memory (primary); single-fs-sync,
                       cluster3-fs-sync, single-redis-sync, single-postgres-sync
  --skip <list>        Phases to skip: throughput, latency, memory, durability
  --out <file.md>      Report path (default docs/benchmarks.md); the SVG and
                       durability-bench.md go next to it
  --profile            Instead: profile one Catena node under SET/GET load (node --cpu-prof)
                       and print the functions with the most self time
  -h, --help           Show this help
`;

const CLIENTS = 50;
const KEYSPACE = 100_000;
const RUN_TIMEOUT_MS = 60_000;

function log(line: string): void {
  process.stdout.write(line + '\n');
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
}

function machineInfo(root: string): MachineInfo {
  const cpus = os.cpus();
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const git = (args: string[]) => {
    const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const sha = git(['rev-parse', '--short', 'HEAD']);
  const dirty = (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redisServer: commandVersion('redis-server'),
    redisBenchmark: commandVersion('redis-benchmark'),
    catena: `${version}${sha === null ? '' : ` (commit ${sha}${dirty ? ', with uncommitted changes' : ''})`}`,
    loadAvgStart: os.loadavg()[0] as number,
    loadAvgEnd: NaN,
  };
}

/** A running system of the throughput/latency phases, restarted if it dies; one that cannot start is not tried again. */
class System {
  target: Target | null = null;
  /** The cell (workload and value size) whose prepared data the system holds, or null. */
  prepared: string | null = null;
  /** Why the system could not be started (then every later use fails at once), or null. */
  failed: string | null = null;
  constructor(readonly cfg: Configuration) {}
  get label(): string {
    return this.cfg.id;
  }
  async ensure(): Promise<Target> {
    if (this.target !== null && this.target.alive()) return this.target;
    if (this.failed !== null) throw new Error(this.failed);
    if (this.target !== null) {
      log(`  ! ${this.label} exited; last output:\n${this.target.output()}\n  restarting it`);
      await this.target.stop();
      this.target = null;
    }
    if (this.cfg.start === null) throw new Error(`${this.label} is not available`);
    this.prepared = null;
    try {
      this.target = await this.cfg.start({});
    } catch (e) {
      this.failed = `could not start: ${(e as Error).message.split('\n')[0]}`;
      log(`  ! ${this.label} ${this.failed}`);
      throw new Error(this.failed);
    }
    return this.target;
  }
  async stop(): Promise<void> {
    if (this.target !== null) await this.target.stop();
    this.target = null;
  }
}

async function probe(t: Target, args: readonly string[]): Promise<string> {
  return withConnection(t.port, t.host, async (c) => {
    const p = classifyProbe(await c.call(...args));
    if (p.kind === 'ok') {
      await c.call('DEL', args[1] as string);
      return 'ok';
    }
    return p.kind === 'missing' ? 'not implemented yet' : `error: ${p.text}`;
  });
}

/**
 * Seconds of each warm-up run on every system before any cell: SET and GET at pipeline 16,
 * then SET at pipeline 1 (a fresh cluster measured its first pipeline-1 cell 30% below the
 * same cell later in the run after a pipeline-16-only warm-up of 0.5 s).
 */
const WARMUP_SECONDS = 1;

async function throughputPhase(systems: System[], settings: RunSettings, only: string[] | null): Promise<ThroughputCell[]> {
  const [redis, ...catenas] = systems as [System, ...System[]];
  const cells: ThroughputCell[] = [];
  const plan = throughputCells(workloads, settings, catenas.map((c) => c.cfg), only);
  const quick = settings.quick;
  // Warm-up (JIT, allocator, connection paths), not recorded; sized by each system's own rate.
  for (const s of systems) {
    let t: Target;
    try {
      t = await s.ensure();
    } catch {
      continue; // logged; its cells say why
    }
    for (const [test, pipeline] of [['SET', 16], ['GET', 16], ['SET', 1]] as const) {
      const run = async (requests: number) => {
        const r = await runRedisBenchmark({ host: t.host, port: t.port, cluster: t.cluster, test: test.toLowerCase(), csvName: test, clients: CLIENTS, requests, pipeline, valueSize: 100, keyspace: KEYSPACE, timeoutMs: RUN_TIMEOUT_MS });
        return r.ok ? r.row : null;
      };
      const cal = await calibrate(run, settings.calibrationSeconds, pipeline, 100, quick);
      if (Number.isFinite(cal.rps)) await run(requestsForRate(cal.rps, quick ? WARMUP_SECONDS / 2 : WARMUP_SECONDS, pipeline, 100, quick));
    }
  }
  let n = 0;
  for (const pc of plan) {
    n++;
    const cellStart = Date.now();
    const w = workloads.find((x) => x.id === pc.workload) as (typeof workloads)[number];
    const { valueSize: size, pipeline } = pc;
    const head = `[${n}/${plan.length}] ${w.id} ${formatSize(size)} pipeline ${pipeline}`;
    const cell: ThroughputCell = { workload: w.id, valueSize: size, pipeline, redis: newSide(), catena: {} };
    const inCell = catenas.filter((c) => pc.configs.some((x) => x.id === c.cfg.id));
    for (const c of catenas) cell.catena[c.cfg.id] = inCell.includes(c) ? newSide() : { ...newSide(), status: NOT_IN_SCOPE };
    const participants = [redis, ...inCell];
    const sideOf = (s: System): ThroughputSide => (s === redis ? cell.redis : (cell.catena[s.cfg.id] as ThroughputSide));
    const repsOf = (s: System): number => (s === redis ? settings.reps : (pc.configs.find((x) => x.id === s.cfg.id)?.reps ?? 0));
    const params: PrepareParams = { valueSize: size, requests: requestsMin(pipeline), keyspace: KEYSPACE };

    /** One redis-benchmark run (with the workload's per-run preparation); records a failure in the side. */
    const runOnce = async (s: System, requests: number): Promise<BenchRow | null> => {
      const side = sideOf(s);
      try {
        const t = await s.ensure();
        if (w.prepareRun) {
          const e = await withConnection(t.port, t.host, (c) => w.prepareRun?.(c, { ...params, requests }) ?? Promise.resolve(null));
          if (e !== null) {
            side.status = `error while preparing: ${e}`;
            return null;
          }
        }
        const r = await runRedisBenchmark({ host: t.host, port: t.port, cluster: t.cluster, test: w.test, csvName: w.csvName, clients: CLIENTS, requests, pipeline, valueSize: size, keyspace: KEYSPACE, timeoutMs: RUN_TIMEOUT_MS });
        if (r.ok) return r.row;
        side.status = t.alive() ? r.error : `server exited during the run (${r.error})`;
      } catch (e) {
        side.status = `error: ${(e as Error).message.split('\n')[0]}`;
      }
      return null;
    };

    // Probe and prepare the cell on every system.
    for (const s of inCell.length > 0 ? [...inCell, redis] : [redis]) {
      const side = sideOf(s);
      try {
        const t = await s.ensure();
        side.status = await probe(t, w.probe);
        if (side.status !== 'ok') continue;
        // Redis alone gives no ratio: skip it when no Catena configuration can run the cell.
        if (s === redis && inCell.length > 0 && inCell.every((c) => sideOf(c).status !== 'ok')) {
          side.status = 'skipped (no Catena configuration runs it)';
          continue;
        }
        // A read-only workload's data, prepared for the previous cell of the same size, serve again.
        const key = `${w.id} ${size}`;
        if (w.readOnly === true && s.prepared === key) continue;
        s.prepared = null;
        await withConnection(t.port, t.host, async (c) => {
          await emptyDatabase(c);
          const e = w.prepareCell ? await w.prepareCell(c, params) : null;
          if (e !== null) side.status = `error while preparing: ${e}`;
          else s.prepared = key;
        });
      } catch (e) {
        side.status = `error: ${(e as Error).message.split('\n')[0]}`;
      }
    }
    if (cell.redis.status !== 'ok') {
      const why = inCell.map((c) => `${c.label}: ${sideOf(c).status}`).join(' | ');
      log(`${head}: ${cell.redis.status.startsWith('skipped') ? why : `Redis: ${cell.redis.status}`}`);
      for (const s of participants) sideOf(s).status = sideOf(s).status === 'ok' ? 'not run (the Redis baseline failed)' : sideOf(s).status;
      cells.push(cell);
      continue;
    }

    // Calibrate every system on the cell (also its warm-up for the command): each one's runs
    // are sized by its own rate to last settings.runSeconds.
    for (const s of participants) {
      const side = sideOf(s);
      if (side.status !== 'ok') continue;
      const cal = await calibrate((k) => runOnce(s, k), settings.calibrationSeconds, pipeline, size, quick);
      if (Number.isFinite(cal.rps)) side.requests = requestsForRate(cal.rps, settings.runSeconds, pipeline, size, quick);
    }

    const maxReps = Math.max(...participants.map(repsOf));
    for (let rep = 0; rep < maxReps; rep++) {
      const parts: string[] = [];
      for (const s of participants) {
        const side = sideOf(s);
        if (side.status !== 'ok' || rep >= repsOf(s)) continue;
        const row = await runOnce(s, side.requests);
        if (row !== null) {
          side.rps.push(row.rps);
          side.p50Ms.push(row.p50Ms);
          side.p99Ms.push(row.p99Ms);
          parts.push(`${s.label} ${formatInt(row.rps)}/s (${formatInt(side.requests)})`);
        } else parts.push(`${s.label} ${side.status}`);
      }
      const skipped = rep > 0 ? [] : inCell.filter((c) => sideOf(c).status !== 'ok' && !parts.some((p) => p.startsWith(c.label))).map((c) => `${c.label}: ${sideOf(c).status}`);
      const took = rep === maxReps - 1 ? ` [cell ${((Date.now() - cellStart) / 1000).toFixed(1)} s]` : '';
      log(`${head} rep ${rep + 1}/${maxReps}: ${[...parts, ...skipped].join(' | ')}${took}`);
    }
    for (const s of participants) {
      const side = sideOf(s);
      if (side.status !== 'ok') side.rps = [];
    }
    cells.push(cell);
  }
  return cells;
}

function newSide(): ThroughputSide {
  return { status: 'ok', requests: 0, rps: [], p50Ms: [], p99Ms: [] };
}

/** Latency at fixed offered loads, on Redis and the primary configurations. */
async function latencyPhase(systems: System[], settings: RunSettings, throughput: readonly ThroughputCell[]): Promise<LatencyCell[]> {
  const [redis, ...catenas] = systems as [System, ...System[]];
  const value = 'x'.repeat(100);
  const commands: Array<{ name: string; args: string[] }> = [
    { name: 'SET', args: ['SET', 'bench:latency', value] },
    { name: 'GET', args: ['GET', 'bench:latency'] },
  ];
  const cells: LatencyCell[] = [];
  for (const rate of settings.latencyRates) {
    for (const cmd of commands) {
      const cell: LatencyCell = { command: cmd.name, valueSize: 100, ratePerSec: rate, redis: { status: 'ok', runs: [] }, catena: {} };
      for (const c of catenas) cell.catena[c.cfg.id] = { status: 'ok', runs: [] };
      const sideOf = (s: System) => (s === redis ? cell.redis : cell.catena[s.cfg.id] ?? cell.redis);
      for (const s of systems) {
        const side = sideOf(s);
        const capacity = measuredCapacity(throughput, cmd.name, s === redis ? null : s.cfg.id);
        if (s !== redis && capacity < rate / latencyCapacityShare) {
          side.status = `not offered: above its measured throughput (${formatInt(capacity)}/s)`;
          continue;
        }
        try {
          const t = await s.ensure();
          side.status = await probe(t, cmd.args);
          if (side.status === 'ok') await withConnection(t.port, t.host, (c) => c.call('SET', 'bench:latency', value));
        } catch (e) {
          side.status = `error: ${(e as Error).message.split('\n')[0]}`;
        }
      }
      for (let rep = 0; rep < settings.reps; rep++) {
        const parts: string[] = [];
        for (const s of systems) {
          const side = sideOf(s);
          if (side.status !== 'ok') continue;
          try {
            const t = await s.ensure();
            const r = await runFixedRate({
              host: t.host,
              port: t.port,
              connections: CLIENTS,
              ratePerSec: rate,
              warmupMs: settings.latencyWarmupMs,
              durationMs: settings.latencyDurationMs,
              command: cmd.args,
              arrivals: settings.arrivals,
              seed: 12345 + rep,
            });
            side.runs.push(r);
            parts.push(`${s.label} p50 ${r.p50Ms.toFixed(3)} p99 ${r.p99Ms.toFixed(3)} p99.9 ${r.p999Ms.toFixed(3)} ms${r.lost > 0 ? ` (${r.lost} unanswered)` : ''}`);
          } catch (e) {
            side.status = `error: ${(e as Error).message.split('\n')[0]}`;
          }
        }
        const notOffered = rep > 0 ? [] : systems.filter((s) => sideOf(s).status.startsWith('not offered')).map((s) => `${s.label}: ${sideOf(s).status}`);
        log(`latency ${cmd.name} at ${formatInt(rate)}/s rep ${rep + 1}/${settings.reps}: ${[...parts, ...notOffered].join(' | ')}`);
      }
      cells.push(cell);
    }
  }
  return cells;
}

async function memoryPhase(catenas: Configuration[], quick: boolean): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  for (const ds of memoryDatasets(quick)) {
    const row: MemoryRow = { dataset: ds.id, title: ds.title, keys: ds.keys, redis: await measureMemory(redisBaseline, ds, true), catena: {} };
    for (const c of catenas) {
      try {
        row.catena[c.id] = await measureMemory(c, ds, false);
      } catch (e) {
        row.catena[c.id] = { ok: false, status: `error: ${(e as Error).message.split('\n')[0]}` };
      }
    }
    const show = (m: MemoryRow['redis']) => (m.ok ? `${formatInt(m.bytesPerKey)} B/key` : m.status);
    log(`memory ${ds.title}: Redis ${show(row.redis)} | ${catenas.map((c) => `${c.id} ${show(row.catena[c.id] as MemoryRow['redis'])}`).join(' | ')}`);
    rows.push(row);
  }
  return rows;
}

async function profileMode(root: string, quick: boolean): Promise<number> {
  const cfg = catenaConfigurations.find((c) => c.id === 'single-memory') as Configuration;
  const base = path.join(root, 'bench-results', `profile-${stamp()}`);
  for (const pipeline of [1, 16]) {
    const dir = path.join(base, `pipeline-${pipeline}`);
    fs.mkdirSync(dir, { recursive: true });
    const t = await (cfg.start as NonNullable<Configuration['start']>)({ nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    try {
      const requests = (pipeline === 1 ? 300_000 : 2_000_000) / (quick ? 5 : 1);
      const r = await runRedisBenchmark({ host: t.host, port: t.port, cluster: false, test: 'set,get', csvName: 'GET', clients: CLIENTS, requests, pipeline, valueSize: 100, keyspace: KEYSPACE, timeoutMs: 120_000 });
      log(`profile: redis-benchmark SET,GET pipeline ${pipeline}, ${formatInt(requests)} requests each: ${r.ok ? `GET ${formatInt(r.row.rps)}/s` : r.error}`);
    } finally {
      await t.stop();
    }
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) {
      log(`profile: no .cpuprofile written in ${dir}`);
      return 1;
    }
    const summary = formatSelfTimes(selfTimes(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile), 40);
    fs.writeFileSync(path.join(dir, 'self-time.txt'), summary + '\n');
    log(`\nTop self time, pipeline ${pipeline} (${path.relative(root, path.join(dir, file))}):\n${summary}\n`);
  }
  return 0;
}

export async function runBench(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        reps: { type: 'string' },
        'secondary-reps': { type: 'string' },
        only: { type: 'string' },
        configs: { type: 'string' },
        skip: { type: 'string' },
        out: { type: 'string' },
        profile: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`catena bench: ${(e as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const missing = ['redis-server', 'redis-benchmark'].filter((c) => !commandExists(c));
  if (missing.length > 0) {
    process.stderr.write(`catena bench: ${missing.join(' and ')} not found. Install them (Debian/Ubuntu): sudo apt-get install redis-server redis-tools\n`);
    return 1;
  }
  installCleanup();
  const root = repoRoot();
  const quick = values.quick ?? false;
  if (values.profile) return profileMode(root, quick);

  const count = (v: string | undefined, name: string): number | undefined | null => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (Number.isInteger(n) && n >= 1) return n;
    process.stderr.write(`catena bench: invalid --${name} '${v}'\n`);
    return null;
  };
  const reps = count(values.reps, 'reps');
  const secondaryReps = count(values['secondary-reps'], 'secondary-reps');
  if (reps === null || secondaryReps === null) return 1;
  const list = (s: string | undefined) => (s === undefined ? null : s.split(',').map((x) => x.trim()).filter((x) => x !== ''));
  const only = list(values.only)?.map((x) => x.toUpperCase()) ?? null;
  const skip = new Set(list(values.skip) ?? []);
  const phases = ['throughput', 'latency', 'memory', 'durability'];
  const unknownPhase = [...skip].find((x) => !phases.includes(x));
  if (unknownPhase !== undefined) {
    process.stderr.write(`catena bench: unknown phase '${unknownPhase}' in --skip (choose from ${phases.join(', ')})\n`);
    return 1;
  }
  const wantConfigs = list(values.configs);
  const settings: RunSettings = defaultSettings({ quick, reps, secondaryReps, clients: CLIENTS, keyspace: KEYSPACE });
  const outMd = path.resolve(values.out ?? (quick ? path.join(root, 'bench-results', 'benchmarks-quick.md') : path.join(root, 'docs', 'benchmarks.md')));
  const outSvg = outMd.replace(/\.md$/, '') + '.svg';

  const configurations: ConfigurationStatus[] = [];
  const chosen: Configuration[] = [];
  for (const c of catenaConfigurations) {
    const problem = configurationProblem(c);
    if (wantConfigs !== null && !wantConfigs.includes(c.id)) configurations.push({ id: c.id, title: c.title, status: 'not selected in this run' });
    else if (problem !== null) configurations.push({ id: c.id, title: c.title, status: problem });
    else {
      configurations.push({ id: c.id, title: c.title, status: 'measured', scope: scopeText(c.tier, settings) });
      chosen.push(c);
    }
  }
  for (const id of wantConfigs ?? []) {
    if (!catenaConfigurations.some((c) => c.id === id)) {
      process.stderr.write(`catena bench: unknown configuration '${id}' (choose from ${catenaConfigurations.map((c) => c.id).join(', ')})\n`);
      return 1;
    }
  }
  const machine = machineInfo(root);
  log(`catena bench${quick ? ' --quick' : ''}: ${machine.cpu} × ${machine.cores}, ${machine.redisServer.split(' sha=')[0]}, Node ${machine.node}, Catena ${machine.catena}`);
  if (machine.loadAvgStart > machine.cores / 2) {
    log(`WARNING: load average ${machine.loadAvgStart.toFixed(1)} on ${machine.cores} cores: other work on this machine will skew the results`);
  }
  for (const c of configurations) log(`  ${c.id}: ${c.status}${c.scope === undefined ? '' : ` (${c.scope})`}`);
  const estimate = estimatePlan({
    settings,
    workloads,
    configs: chosen,
    only,
    skip,
    memoryDatasets: memoryDatasets(quick),
    durability: { ...durabilitySettings(quick), systems: durabilitySystems() },
  });
  settings.plan = { totalSeconds: estimate.totalSeconds, phases: estimate.phases.map((x) => ({ phase: x.phase, runs: x.runs, seconds: x.seconds })) };
  log(formatPlan(estimate));
  if (estimate.totalSeconds > budgetSeconds) log(`WARNING: the plan exceeds the ${budgetSeconds / 60}-minute budget`);
  const t0 = Date.now();
  const results: BenchResults = { machine, settings, configurations, throughput: [], latency: [], memory: [], elapsedSeconds: 0 };

  /** Run one phase, then log how long it took against the plan. */
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await fn();
    } finally {
      const planned = estimate.phases.find((x) => x.phase === name)?.seconds ?? NaN;
      log(`${name} phase: ${Math.round((Date.now() - start) / 1000)} s (planned ≈ ${Math.round(planned)} s)`);
    }
  };
  const systems = [new System(redisBaseline), ...chosen.map((c) => new System(c))];
  try {
    if (!skip.has('throughput')) results.throughput = await phase('throughput', () => throughputPhase(systems, settings, only));
    // Secondary configurations are done: stop them (and their backing servers) before the latency phase.
    for (const s of systems) if (s.cfg.tier !== 'primary') await s.stop();
    if (!skip.has('latency')) results.latency = await phase('latency', () => latencyPhase(systems.filter((s) => s.cfg.tier === 'primary'), settings, results.throughput));
  } finally {
    for (const s of systems) await s.stop();
  }
  for (const s of systems) {
    const c = configurations.find((x) => x.id === s.cfg.id);
    if (s.failed !== null && c !== undefined) {
      c.status = s.failed;
      delete c.scope;
    }
  }
  if (!skip.has('memory')) results.memory = await phase('memory', () => memoryPhase(chosen.filter((c) => c.memory), quick));
  if (!skip.has('durability')) {
    const td = Date.now();
    const cells = await durabilityPhase(quick, log);
    const file = quick && values.out === undefined ? path.join(root, 'bench-results', 'durability-bench-quick.md') : path.join(path.dirname(outMd), 'durability-bench.md');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const header = `Run ${machine.date}: ${machine.cpu} × ${machine.cores}, ${machine.os}, Node ${machine.node}, ${machine.redisServer.split(' sha=')[0]}, Catena ${machine.catena}.`;
    fs.writeFileSync(file, renderDurability(cells, header, durabilitySettings(quick).runSeconds));
    log(`durability phase: ${Math.round((Date.now() - td) / 1000)} s (planned ≈ ${Math.round(estimate.phases.find((x) => x.phase === 'durability')?.seconds ?? NaN)} s); wrote ${path.relative(root, file)}`);
  }
  results.elapsedSeconds = (Date.now() - t0) / 1000;
  machine.loadAvgEnd = os.loadavg()[0] as number;

  if (skip.has('throughput') && skip.has('latency') && skip.has('memory')) {
    // Only the durability phase ran: the main report keeps its last full figures.
    log(`durability phase only: ${path.relative(root, outMd)} left as it was; ${Math.round(results.elapsedSeconds)} s in all`);
    return 0;
  }
  fs.mkdirSync(path.dirname(outMd), { recursive: true });
  const md = renderMarkdown(results, path.basename(outSvg));
  fs.writeFileSync(outMd, md);
  fs.writeFileSync(outSvg, renderRatioChart(chartSpec(results)));
  const jsonDir = path.join(root, 'bench-results');
  fs.mkdirSync(jsonDir, { recursive: true });
  const jsonFile = path.join(jsonDir, `bench-${stamp()}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(jsonFile, JSON.stringify(results, null, 2) + '\n');
  log('\n' + md);
  log(`wrote ${path.relative(root, outMd)}, ${path.relative(root, outSvg)} and ${path.relative(root, jsonFile)} in ${Math.round(results.elapsedSeconds)} s (planned ≈ ${Math.round(estimate.totalSeconds - costs.build)} s)`);
  return 0;
}
