/**
 * Turns results into docs/benchmarks.md and the ratio chart. Pure: the same results give
 * the same text. The issue's targets live here, so the report says which are met.
 */
import { NOT_IN_SCOPE, type BenchResults, type LatencySide, type ThroughputCell, type ThroughputSide } from './results';
import { median, ratio, formatBytes, formatInt, formatMs, formatRatio, formatSize } from './stats';
import { seriesColors, type ChartSpec } from './svg';

/** The issue's throughput targets: Catena / Redis medians, 100-byte values, 50 clients. */
export const throughputTargets: ReadonlyArray<{ config: string; what: string; workload: string; valueSize: number; pipeline: number; min: number }> = [
  { config: 'single-memory', what: 'single node, in-memory', workload: 'SET', valueSize: 100, pipeline: 1, min: 0.75 },
  { config: 'single-memory', what: 'single node, in-memory', workload: 'GET', valueSize: 100, pipeline: 1, min: 0.75 },
  { config: 'single-memory', what: 'single node, in-memory', workload: 'SET', valueSize: 100, pipeline: 16, min: 0.45 },
  { config: 'single-memory', what: 'single node, in-memory', workload: 'GET', valueSize: 100, pipeline: 16, min: 0.45 },
  { config: 'cluster3-memory', what: '3-node cluster, in-memory', workload: 'SET', valueSize: 100, pipeline: 1, min: 0.35 },
  { config: 'cluster3-memory', what: '3-node cluster, in-memory', workload: 'GET', valueSize: 100, pipeline: 1, min: 0.5 },
  { config: 'cluster3-memory', what: '3-node cluster, in-memory', workload: 'SET', valueSize: 100, pipeline: 16, min: 0.25 },
];
/** Catena's bytes per key at most this multiple of Redis's used_memory per key (single node, in-memory). */
export const memoryTargetMax = 3;
export const memoryTargetConfig = 'single-memory';

export const PASS = '✓ pass';
export const MISS = '✗ **miss**';

export function sideMedianRps(s: ThroughputSide | undefined): number {
  return s === undefined || s.status !== 'ok' ? NaN : median(s.rps);
}

export function cellRatio(cell: ThroughputCell, config: string): number {
  return ratio(sideMedianRps(cell.catena[config]), sideMedianRps(cell.redis));
}

function latencyMedian(s: LatencySide | undefined, pick: (r: LatencySide['runs'][number]) => number): number {
  return s === undefined || s.status !== 'ok' ? NaN : median(s.runs.map(pick));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function mdTable(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function statusText(s: { status: string } | undefined): string {
  if (s === undefined) return 'not run';
  return s.status;
}

function measuredConfigs(r: BenchResults): Array<{ id: string; title: string }> {
  return r.configurations.filter((c) => c.status === 'measured');
}

/** Why a configuration has no figure for a target: its status in the run, or the cell's. */
function notMeasured(r: BenchResults, config: string, side: { status: string } | undefined): string {
  const c = r.configurations.find((x) => x.id === config);
  if (c !== undefined && c.status !== 'measured') return c.status;
  return side === undefined ? 'not measured in this run' : side.status;
}

/** The targets of the issue with what this run measured: [target, measured, verdict]. */
export function targetRows(r: BenchResults): string[][] {
  const rows: string[][] = [];
  for (const t of throughputTargets) {
    const cell = r.throughput.find((c) => c.workload === t.workload && c.valueSize === t.valueSize && c.pipeline === t.pipeline);
    const q = cell === undefined ? NaN : cellRatio(cell, t.config);
    const verdict = Number.isFinite(q) ? (q >= t.min ? PASS : MISS) : notMeasured(r, t.config, cell?.catena[t.config]);
    rows.push([`${t.what}: ${t.workload} ${formatSize(t.valueSize)}, pipeline ${t.pipeline} ≥ ${t.min.toFixed(2)}× Redis`, formatRatio(q), verdict]);
  }
  const memoryTarget = `≤ ${memoryTargetMax}× Redis bytes/key`;
  if (r.memory.length === 0) rows.push([`single node, in-memory: memory ${memoryTarget} (both data sets)`, '—', 'not measured in this run']);
  for (const m of r.memory) {
    const c = m.catena[memoryTargetConfig];
    let q = NaN;
    if (m.redis.ok && c !== undefined && c.ok) q = ratio(c.bytesPerKey, m.redis.bytesPerKey);
    const verdict = Number.isFinite(q) ? (q <= memoryTargetMax ? PASS : MISS) : c !== undefined && !c.ok ? c.status : !m.redis.ok ? `Redis: ${m.redis.status}` : notMeasured(r, memoryTargetConfig, undefined);
    rows.push([`single node, in-memory: memory, ${m.title} ${memoryTarget}`, formatRatio(q), verdict]);
  }
  return rows;
}

/** A side's short mark in the summary matrix: the ratio, or why there is none. */
function shortStatus(cell: ThroughputCell, config: string): string {
  const side = cell.catena[config];
  if (side === undefined || side.status === NOT_IN_SCOPE || side.status === 'not selected in this run') return '·';
  if (side.status === 'ok') {
    const q = cellRatio(cell, config);
    return Number.isFinite(q) ? formatRatio(q) : '—';
  }
  if (side.status === 'not implemented yet') return 'n/i';
  // A Redis-style error code says most ("CROSSSLOT" for MSET in a cluster); else see the configuration's table.
  const code = /^error: ([A-Z]{3,})\b/.exec(side.status);
  return code === null ? 'failed' : (code[1] as string);
}

/** Catena / Redis of every configuration, one row per cell: [workload, value, pipeline, Redis req/s, ratio per configuration…]. */
export function summaryRows(r: BenchResults): string[][] {
  const configs = measuredConfigs(r);
  return r.throughput.map((cell) => [
    cell.workload,
    formatSize(cell.valueSize),
    String(cell.pipeline),
    cell.redis.status === 'ok' ? formatInt(sideMedianRps(cell.redis)) : cell.redis.status,
    ...configs.map((c) => shortStatus(cell, c.id)),
  ]);
}

/** (max − min) / median of a cell's runs: how much the repetitions disagree. */
export function spread(values: readonly number[]): number {
  const m = median(values);
  if (!Number.isFinite(m) || m === 0 || values.length < 2) return NaN;
  return (Math.max(...values) - Math.min(...values)) / m;
}

function formatSpread(x: number): string {
  return Number.isFinite(x) ? `${Math.round(x * 100)}%` : '—';
}

export function throughputRows(r: BenchResults, config: string): string[][] {
  return r.throughput
    .filter((cell) => cell.catena[config]?.status !== NOT_IN_SCOPE)
    .map((cell) => {
      const red = cell.redis;
      const cat = cell.catena[config];
      const ok = cat !== undefined && cat.status === 'ok';
      const runs = ok ? cat.rps.map((x) => formatInt(x)).join(', ') : '';
      const ratioText = cat === undefined ? 'not run' : cat.status === 'ok' ? formatRatio(cellRatio(cell, config)) : cat.status;
      return [
        cell.workload,
        formatSize(cell.valueSize),
        String(cell.pipeline),
        red.status === 'ok' ? formatInt(sideMedianRps(red)) : red.status,
        ok ? formatInt(sideMedianRps(cat)) : '—',
        ratioText,
        ok ? formatMs(median(cat.p99Ms)) : '—',
        red.status === 'ok' ? formatMs(median(red.p99Ms)) : '—',
        runs,
        ok && red.status === 'ok' ? `${formatInt(red.requests)} / ${formatInt(cat.requests)}` : '',
        ok && red.status === 'ok' ? formatSpread(Math.max(spread(red.rps), spread(cat.rps))) : '',
      ];
    });
}

export function latencyRows(r: BenchResults): string[][] {
  const rows: string[][] = [];
  const configs = measuredConfigs(r);
  for (const cell of r.latency) {
    const systems: Array<[string, LatencySide | undefined]> = [['Redis', cell.redis], ...configs.map((c) => [c.title, cell.catena[c.id]] as [string, LatencySide | undefined])];
    for (const [name, side] of systems) {
      const ok = side !== undefined && side.status === 'ok';
      const lag = ok ? Math.max(...side.runs.map((x) => x.senderLagMaxMs)) : NaN;
      rows.push([
        `${cell.command} ${formatSize(cell.valueSize)}`,
        `${formatInt(cell.ratePerSec)}/s`,
        name,
        ok ? formatMs(latencyMedian(side, (x) => x.p50Ms)) : statusText(side),
        ok ? formatMs(latencyMedian(side, (x) => x.p99Ms)) : '',
        ok ? formatMs(latencyMedian(side, (x) => x.p999Ms)) : '',
        ok ? formatMs(latencyMedian(side, (x) => x.maxMs)) : '',
        ok ? formatInt(latencyMedian(side, (x) => x.achievedPerSec)) : '',
        ok ? formatMs(lag) : '',
      ]);
    }
  }
  return rows;
}

export function memoryRows(r: BenchResults): string[][] {
  const rows: string[][] = [];
  const configs = measuredConfigs(r);
  for (const m of r.memory) {
    for (const c of configs) {
      if (!(c.id in m.catena)) continue;
      const cm = m.catena[c.id];
      const red = m.redis;
      const redUsed = red.ok ? red.bytesPerKey : NaN;
      const catText = cm === undefined ? 'not run' : cm.ok ? formatInt(cm.bytesPerKey) : cm.status;
      const q = cm !== undefined && cm.ok ? ratio(cm.bytesPerKey, redUsed) : NaN;
      const notes = [red.ok ? red.note : null, cm !== undefined && cm.ok ? cm.note : null].filter((x) => x !== null).join('; ');
      rows.push([
        m.title,
        c.title,
        red.ok ? formatInt(redUsed) : red.status,
        red.ok ? formatInt(red.rssBytesPerKey) : '—',
        catText,
        cm !== undefined && cm.ok ? formatBytes(cm.emptyRssBytes) : '—',
        formatRatio(q),
        notes,
      ]);
    }
  }
  return rows;
}

/** Chart: one panel per pipeline, one bar per measured configuration, one row per workload and value size. */
export function chartSpec(r: BenchResults): ChartSpec {
  const configs = measuredConfigs(r);
  const pipelines = r.settings.pipelines;
  // A configuration keeps its color from run to run: by its place among all configurations.
  const colorOf = (id: string) => seriesColors[Math.max(0, r.configurations.findIndex((c) => c.id === id)) % seriesColors.length] as string;
  const series: ChartSpec['series'] = configs.map((c) => ({ label: c.title.replace(/^Catena, /, ''), color: colorOf(c.id) }));
  const rowKeys: string[] = [];
  for (const cell of r.throughput) {
    const k = `${cell.workload} ${formatSize(cell.valueSize)}`;
    if (!rowKeys.includes(k)) rowKeys.push(k);
  }
  const rows = rowKeys.map((k) => {
    let note: string | undefined;
    const cellAt = (p: number) => r.throughput.find((x) => `${x.workload} ${formatSize(x.valueSize)}` === k && x.pipeline === p);
    const values = pipelines.map((p) => {
      const cell = cellAt(p);
      return configs.map((c) => {
        const q = cell === undefined ? NaN : cellRatio(cell, c.id);
        const side = cell?.catena[c.id];
        if (cell !== undefined && !Number.isFinite(q) && side?.status !== NOT_IN_SCOPE) note ??= side?.status ?? cell.redis.status;
        return Number.isFinite(q) ? q : null;
      });
    });
    // Where one configuration has no figure and others do: its short status in place of the bar.
    const notes = pipelines.map((p) => {
      const cell = cellAt(p);
      return configs.map((c) => {
        if (cell === undefined || Number.isFinite(cellRatio(cell, c.id))) return null;
        const mark = shortStatus(cell, c.id);
        return mark === '·' ? null : mark;
      });
    });
    const row: ChartSpec['rows'][number] = { label: k, values };
    if (note !== undefined) row.note = note;
    if (notes.some((n) => n.some((x) => x !== null))) row.notes = notes;
    return row;
  });
  const reps = r.settings.reps === r.settings.secondaryReps ? `median of ${r.settings.reps}` : `median of ${r.settings.reps} (secondary configurations: ${r.settings.secondaryReps})`;
  return {
    title: 'Catena / Redis throughput',
    subtitle: `redis-benchmark, ${r.settings.clients} clients, ${reps}, ${r.machine.date.slice(0, 10)}, ${r.machine.cpu} × ${r.machine.cores}`,
    panels: pipelines.map((p) => `pipeline ${p}`),
    series,
    rows,
  };
}

export function renderMarkdown(r: BenchResults, svgName: string): string {
  const m = r.machine;
  const s = r.settings;
  const out: string[] = [];
  out.push('# Catena benchmarks');
  out.push('');
  out.push(
    `Generated by \`npm run bench\` (bench/run.ts)${s.quick ? ' in **quick mode** (fewer requests and repetitions; not for publication)' : ''} — do not edit by hand. ` +
      'Catena and a real `redis-server` are measured the same way, on the same machine, in the same run; ratios are Catena / Redis.',
  );
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(
    mdTable(
      ['', ''],
      [
        ['Date', m.date],
        ['CPU', `${m.cpu} × ${m.cores}`],
        ['Memory', formatBytes(m.memoryBytes)],
        ['OS', m.os],
        ['Node.js', m.node],
        ['Redis', m.redisServer],
        ['redis-benchmark', m.redisBenchmark],
        ['Catena', m.catena],
        ['Run time', `${Math.round(r.elapsedSeconds)} s${s.plan === undefined ? '' : ` (time plan: ≈ ${Math.round(s.plan.totalSeconds)} s with the build)`}`],
        ['Load average (1 min) at start / end', `${m.loadAvgStart.toFixed(2)} / ${m.loadAvgEnd.toFixed(2)}${Math.max(m.loadAvgStart, m.loadAvgEnd) > m.cores / 2 ? ' — **the machine was busy with other work; treat the figures with care**' : ''}`],
      ],
    ),
  );
  out.push('');
  out.push('## Method');
  out.push('');
  const secondary = r.configurations.some((c) => c.status === 'measured' && c.scope !== undefined && c.scope.includes('no latency phase'));
  out.push(
    `- **Throughput**: \`redis-benchmark -c ${s.clients} -r ${s.keyspace} -P <pipeline> -d <value size> -t <test> --csv\` (Debian's redis-tools), ` +
      `pipelines ${s.pipelines.join(' and ')}, values of ${s.valueSizes.map(formatSize).join(' and ')} (INCR, SADD and ZADD carry no value: ${formatSize(s.valueSizes[0] ?? 100)} rows only). ` +
      `Each system — Redis and every Catena configuration — is calibrated on every cell and its runs are sized by its own rate to last about ${s.runSeconds} s ` +
      '(the requests per run of Redis and of Catena are in the tables); ratios are requests/s over requests/s. ' +
      `Runs alternate Redis, Catena, Redis, Catena…, ${s.reps} per cell${secondary && s.secondaryReps < s.reps ? ` (${s.secondaryReps} for the secondary configurations, in the first rounds)` : ''}; the tables give the median. ` +
      'Each cell starts from an empty database; GET finds every key it asks for, LPOP finds a list as long as the run. ' +
      'A warm-up precedes the measurements on every server: SET and GET at pipeline 16, then SET at pipeline 1, about 1 s each.',
  );
  out.push(
    '- **Scope**: the primary configurations (single node and 3-node cluster, in-memory) run the whole matrix; the secondary ones (fs, cluster fs, redis and postgres backends) ' +
      `the ${s.secondaryValueSizes.map(formatSize).join(', ')} cells with ${plural(Math.min(s.reps, s.secondaryReps), 'repetition')} and no latency phase, so that \`npm run bench\` stays under 10 minutes (bench/plan.ts). ` +
      'Their backing stores are the harness\'s own: a temporary directory, a redis-server with `appendfsync always`, a throw-away PostgreSQL with its default (durable) settings.',
  );
  out.push(
    `- **Latency at a fixed offered load**: the harness's own open-loop client (bench/latency.ts), ${s.clients} connections, ` +
      `${s.arrivals} arrivals (the same seeded schedule for every server), ${s.latencyDurationMs / 1000} s measured after a ${s.latencyWarmupMs / 1000} s warm-up, Redis and the primary configurations; ` +
      'a load above what a system reached in the throughput phase is not offered to it. ' +
      'Latency from the write to the reply, percentiles from a log-linear histogram (≤ 1.6% error). "Sender lag" is how late the client itself sent; a large one means the client, not the server, shaped the tail.',
  );
  out.push(
    '- **Memory** (single node, in-memory, where the targets are): each system started fresh, measured empty, loaded with the same commands over pipelined RESP, measured again after 1 s. ' +
      "Redis: INFO `used_memory` per key (and its process RSS per key, for reference). Catena: process RSS (VmRSS) per key, minus the RSS of the same process when empty.",
  );
  out.push('- Redis runs with `--save "" --appendonly no`; everything on loopback; no CPU pinning.');
  out.push('');
  out.push('## Configurations');
  out.push('');
  out.push(mdTable(['id', 'configuration', 'status', 'scope'], r.configurations.map((c) => [`\`${c.id}\``, c.title, c.status, c.scope ?? ''])));
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(mdTable(['target', 'measured', 'verdict'], targetRows(r)));
  out.push('');
  out.push('## Throughput');
  out.push('');
  out.push(`![Catena / Redis throughput](${svgName})`);
  const configs = measuredConfigs(r);
  if (configs.length > 0 && r.throughput.length > 0) {
    out.push('');
    out.push('### Catena / Redis, every configuration');
    out.push('');
    out.push(mdTable(['workload', 'value', 'pipeline', 'Redis req/s', ...configs.map((c) => `\`${c.id}\``)], summaryRows(r)));
    out.push('');
    out.push('"·": outside the configuration\'s scope; "n/i": not implemented yet; an error code or "failed": the run failed, see the configuration\'s table.');
  }
  for (const c of configs) {
    out.push('');
    out.push(`### ${c.title}`);
    out.push('');
    out.push(
      mdTable(
        ['workload', 'value', 'pipeline', 'Redis req/s', 'Catena req/s', 'Catena / Redis', 'Catena p99 ms', 'Redis p99 ms', 'Catena runs (req/s)', 'requests/run Redis / Catena', 'spread'],
        throughputRows(r, c.id),
      ),
    );
  }
  out.push('');
  out.push(
    "p99 here is redis-benchmark's, at saturation; see the next section for latency at a fixed load. " +
      '"spread" is (max − min) / median of the repetitions, the worse of Redis and Catena: above ~20% the cell is noisy.',
  );
  out.push('');
  out.push('## Latency at a fixed offered load');
  out.push('');
  out.push(
    r.latency.length === 0
      ? '_not measured in this run_'
      : mdTable(['command', 'offered', 'system', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'achieved/s', 'sender lag ms'], latencyRows(r)),
  );
  out.push('');
  out.push('## Memory');
  out.push('');
  out.push(
    r.memory.length === 0
      ? '_not measured in this run_'
      : mdTable(['data set', 'configuration', 'Redis used_memory B/key', 'Redis RSS B/key', 'Catena RSS B/key', 'Catena empty RSS', 'Catena / Redis used_memory', 'notes'], memoryRows(r)),
  );
  out.push('');
  return out.join('\n');
}
