/**
 * Turns results into docs/benchmarks.md and the ratio chart. Pure: the same results give
 * the same text. The targets live here, so the report says which are met.
 */
import type { BenchResults, LatencySide, ThroughputCell, ThroughputSide } from './results';
import { median, ratio, formatBytes, formatInt, formatMs, formatRatio, formatSize } from './stats';
import { seriesColors, type ChartSpec } from './svg';

/** Issue targets: single node, in-memory, medians, 50 clients. */
export const throughputTargets = [
  { config: 'single-memory', workloads: ['SET', 'GET'], pipeline: 1, min: 0.75 },
  { config: 'single-memory', workloads: ['SET', 'GET'], pipeline: 16, min: 0.45 },
] as const;
/** Catena's bytes per key at most this multiple of Redis's used_memory per key. */
export const memoryTargetMax = 3;

export function sideMedianRps(s: ThroughputSide | undefined): number {
  return s === undefined || s.status !== 'ok' ? NaN : median(s.rps);
}

export function cellRatio(cell: ThroughputCell, config: string): number {
  return ratio(sideMedianRps(cell.catena[config]), sideMedianRps(cell.redis));
}

function latencyMedian(s: LatencySide | undefined, pick: (r: LatencySide['runs'][number]) => number): number {
  return s === undefined || s.status !== 'ok' ? NaN : median(s.runs.map(pick));
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

export function targetRows(r: BenchResults): string[][] {
  const rows: string[][] = [];
  for (const t of throughputTargets) {
    for (const w of t.workloads) {
      for (const cell of r.throughput) {
        if (cell.workload !== w || cell.pipeline !== t.pipeline) continue;
        const q = cellRatio(cell, t.config);
        const verdict = Number.isFinite(q) ? (q >= t.min ? 'met' : '**not met**') : statusText(cell.catena[t.config]);
        rows.push([`${w} ${formatSize(cell.valueSize)}, pipeline ${t.pipeline}: ≥ ${t.min.toFixed(2)}× Redis`, formatRatio(q), verdict]);
      }
    }
  }
  for (const m of r.memory) {
    const c = m.catena['single-memory'];
    let q = NaN;
    if (m.redis.ok && c !== undefined && c.ok) q = ratio(c.bytesPerKey, m.redis.bytesPerKey);
    const verdict = Number.isFinite(q) ? (q <= memoryTargetMax ? 'met' : '**not met**') : c !== undefined && !c.ok ? c.status : 'not run';
    rows.push([`memory, ${m.title}: ≤ ${memoryTargetMax}× Redis bytes/key`, formatRatio(q), verdict]);
  }
  return rows;
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
  return r.throughput.map((cell) => {
    const red = cell.redis;
    const cat = cell.catena[config];
    const runs = cat !== undefined && cat.status === 'ok' ? cat.rps.map((x) => formatInt(x)).join(', ') : '';
    const ratioText = cat === undefined ? 'not run' : cat.status === 'ok' ? formatRatio(cellRatio(cell, config)) : cat.status;
    return [
      cell.workload,
      formatSize(cell.valueSize),
      String(cell.pipeline),
      red.status === 'ok' ? formatInt(sideMedianRps(red)) : red.status,
      cat !== undefined && cat.status === 'ok' ? formatInt(sideMedianRps(cat)) : '—',
      ratioText,
      cat !== undefined && cat.status === 'ok' ? formatMs(median(cat.p99Ms)) : '—',
      red.status === 'ok' ? formatMs(median(red.p99Ms)) : '—',
      runs,
      cat !== undefined && cat.status === 'ok' && red.status === 'ok' ? formatSpread(Math.max(spread(red.rps), spread(cat.rps))) : '',
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

/** Chart of every measured configuration × pipeline, one row per workload and value size. */
export function chartSpec(r: BenchResults): ChartSpec {
  const configs = measuredConfigs(r);
  const pipelines = r.settings.pipelines;
  const series: ChartSpec['series'] = [];
  for (const c of configs) for (const p of pipelines) series.push({ label: `${configs.length > 1 ? c.id + ', ' : ''}pipeline ${p}`, color: seriesColors[series.length % seriesColors.length] as string });
  const rowKeys: string[] = [];
  for (const cell of r.throughput) {
    const k = `${cell.workload} ${formatSize(cell.valueSize)}`;
    if (!rowKeys.includes(k)) rowKeys.push(k);
  }
  const rows = rowKeys.map((k) => {
    const values: Array<number | null> = [];
    let note: string | undefined;
    for (const c of configs) {
      for (const p of pipelines) {
        const cell = r.throughput.find((x) => `${x.workload} ${formatSize(x.valueSize)}` === k && x.pipeline === p);
        const q = cell === undefined ? NaN : cellRatio(cell, c.id);
        values.push(Number.isFinite(q) ? q : null);
        if (cell !== undefined && !Number.isFinite(q)) note ??= cell.catena[c.id]?.status ?? cell.redis.status;
      }
    }
    return note === undefined ? { label: k, values } : { label: k, values, note };
  });
  return {
    title: 'Catena / Redis throughput',
    subtitle: `redis-benchmark, ${r.settings.clients} clients, median of ${r.settings.reps}, ${r.machine.date.slice(0, 10)}, ${r.machine.cpu} × ${r.machine.cores}`,
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
        ['Run time', `${Math.round(r.elapsedSeconds)} s`],
        ['Load average (1 min) at start / end', `${m.loadAvgStart.toFixed(2)} / ${m.loadAvgEnd.toFixed(2)}${Math.max(m.loadAvgStart, m.loadAvgEnd) > m.cores / 2 ? ' — **the machine was busy with other work; treat the figures with care**' : ''}`],
      ],
    ),
  );
  out.push('');
  out.push('## Method');
  out.push('');
  out.push(
    `- **Throughput**: \`redis-benchmark -c ${s.clients} -r ${s.keyspace} -P <pipeline> -d <value size> -t <test> --csv\` (Debian's redis-tools), ` +
      `pipelines ${s.pipelines.join(' and ')}, values of ${s.valueSizes.map(formatSize).join(' and ')} (INCR, SADD and ZADD carry no value: 100 B rows only). ` +
      `Runs alternate Redis, Catena, Redis, Catena…, ${s.reps} per cell; the tables give the median. ` +
      'Each cell starts from an empty database; GET finds every key it asks for, LPOP finds a list as long as the run. ' +
      'A warm-up run precedes the measurements on every server.',
  );
  out.push(
    `- **Latency at a fixed offered load**: the harness's own open-loop client (bench/latency.ts), ${s.clients} connections, ` +
      `${s.arrivals} arrivals (the same seeded schedule for every server), ${s.latencyDurationMs / 1000} s measured after a warm-up; ` +
      'latency from the write to the reply, percentiles from a log-linear histogram (≤ 1.6% error). "Sender lag" is how late the client itself sent; a large one means the client, not the server, shaped the tail.',
  );
  out.push(
    '- **Memory**: each system started fresh, measured empty, loaded with the same commands over pipelined RESP, measured again after 1 s. ' +
      "Redis: INFO `used_memory` per key (and its process RSS per key, for reference). Catena: process RSS (VmRSS) per key, minus the RSS of the same process when empty.",
  );
  out.push('- Redis runs with `--save "" --appendonly no`; everything on loopback; no CPU pinning.');
  out.push('');
  out.push('## Configurations');
  out.push('');
  out.push(mdTable(['configuration', 'status'], r.configurations.map((c) => [c.title, c.status])));
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(mdTable(['target', 'measured', 'verdict'], targetRows(r)));
  out.push('');
  out.push('## Throughput');
  out.push('');
  out.push(`![Catena / Redis throughput](${svgName})`);
  for (const c of measuredConfigs(r)) {
    out.push('');
    out.push(`### ${c.title}`);
    out.push('');
    out.push(
      mdTable(
        ['workload', 'value', 'pipeline', 'Redis req/s', 'Catena req/s', 'Catena / Redis', 'Catena p99 ms', 'Redis p99 ms', 'Catena runs (req/s)', 'spread'],
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
