// The benchmark harness's pure parts: redis-benchmark CSV parsing, medians and ratios, the
// latency histogram's percentiles, RESP reply framing, the profile's self-time ranking, run
// sizing and calibration, the time plan, and the report/SVG renderers. The harness itself (real servers, minutes of load) is never run
// by npm test.
import t from 'tap';
import { parseBenchmarkCsv, splitCsvLine, benchmarkArgs } from '../bench/redis-benchmark';
import { median, ratio, formatSize } from '../bench/stats';
import { Histogram, bucketIndex, bucketUpper } from '../bench/histogram';
import { replyEnd, encodeCommand, errorText, bulkText, infoField } from '../bench/resp-client';
import { arrivalTimes } from '../bench/latency';
import { classifyProbe, requestsForRate, requestsMax, requestsMin, roundRequests, nextCalibration, calibrate, fillPlan, slotGroups, randKey, workloads } from '../bench/workloads';
import { keySlot } from '../protocol/config/slots';
import { selfTimes, type CpuProfile } from '../bench/profile';
import { renderRatioChart, axisMax, escapeXml } from '../bench/svg';
import { renderMarkdown, chartSpec, targetRows, summaryRows, throughputRows, spread, PASS, MISS } from '../bench/report';
import { NOT_IN_SCOPE, type BenchResults, type ThroughputCell } from '../bench/results';
import { budgetSeconds, defaultSettings, estimatePlan, formatPlan, measuredCapacity, scopeOf, scopeText, throughputCells } from '../bench/plan';
import { catenaConfigurations, configurationProblem } from '../bench/configurations';
import { memoryDatasets } from '../bench/memory';
import { durabilitySettings, durabilitySystems } from '../bench/durability';
import { postgresBinDir } from '../bench/postgres';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

t.test('redis-benchmark --csv output parses, warnings and quoted names included', async (t) => {
  const out = [
    'WARNING: Could not fetch server CONFIG',
    '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
    '"SET","94073.38","0.303","0.064","0.255","0.583","0.743","4.407"',
    '"MSET (10 keys)","99206.34","0.271","0.064","0.255","0.383","0.687","4.207"',
    '',
  ].join('\n');
  const rows = parseBenchmarkCsv(out);
  t.equal(rows.length, 2);
  t.same(rows[0], { test: 'SET', rps: 94073.38, avgMs: 0.303, minMs: 0.064, p50Ms: 0.255, p95Ms: 0.583, p99Ms: 0.743, maxMs: 4.407 });
  t.equal(rows[1]?.test, 'MSET (10 keys)');
  t.equal(rows[1]?.rps, 99206.34);
  // Redis 6's redis-benchmark has only two columns, and no header before the rows.
  const old = parseBenchmarkCsv('"GET","1234.5"\n');
  t.equal(old[0]?.rps, 1234.5);
  t.ok(Number.isNaN(old[0]?.p99Ms));
  t.same(splitCsvLine('"a ""b""",c,"d"'), ['a "b"', 'c', 'd']);
});

t.test('redis-benchmark arguments', async (t) => {
  const a = benchmarkArgs({ host: '127.0.0.1', port: 7000, cluster: false, test: 'mset', csvName: 'MSET (10 keys)', clients: 50, requests: 1000, pipeline: 16, valueSize: 100, keyspace: 100000, timeoutMs: 1 });
  t.same(a, ['-h', '127.0.0.1', '-p', '7000', '-c', '50', '-n', '1000', '-P', '16', '-d', '100', '-r', '100000', '-t', 'mset', '--csv']);
  const c = benchmarkArgs({ host: 'h', port: 1, cluster: true, test: 'get', csvName: 'GET', clients: 1, requests: 1, pipeline: 1, valueSize: 3, keyspace: 0, timeoutMs: 1 });
  t.ok(c.includes('--cluster'));
  t.notOk(c.includes('-r'));
});

t.test('median and ratio', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5);
  t.equal(median([5]), 5);
  t.ok(Number.isNaN(median([])));
  t.equal(median([NaN, 7, Infinity]), 7, 'non-finite values are ignored');
  t.equal(ratio(75, 100), 0.75);
  t.ok(Number.isNaN(ratio(1, 0)));
  t.ok(Number.isNaN(ratio(NaN, 1)));
  t.equal(formatSize(100), '100 B');
  t.equal(formatSize(4096), '4 KiB');
});

t.test('histogram buckets: exact below 128, then within 1/64 above', async (t) => {
  for (let v = 0; v < 128; v++) t.equal(bucketUpper(bucketIndex(v)), v);
  for (const v of [128, 129, 255, 256, 1000, 12345, 999_999, 2 ** 31, 2 ** 31 - 1, 2 ** 40 + 12345]) {
    const upper = bucketUpper(bucketIndex(v));
    t.ok(upper >= v, `${v}: upper ${upper} >= value`);
    t.ok(upper <= v * (1 + 1 / 64), `${v}: upper ${upper} within 1/64`);
  }
  // Buckets are contiguous and ordered.
  let prev = -1;
  for (let i = 0; i < 128 + 64 * 10; i++) {
    const u = bucketUpper(i);
    t.equal(bucketIndex(u), i);
    t.ok(u > prev);
    prev = u;
  }
});

t.test('histogram percentiles', async (t) => {
  const h = new Histogram();
  for (let v = 1; v <= 10_000; v++) h.record(v * 1000);
  const near = (got: number, want: number) => Math.abs(got - want) / want <= 1 / 64;
  t.ok(near(h.percentile(50), 5_000_000), `p50 ${h.percentile(50)}`);
  t.ok(near(h.percentile(99), 9_900_000), `p99 ${h.percentile(99)}`);
  t.ok(near(h.percentile(99.9), 9_990_000), `p99.9 ${h.percentile(99.9)}`);
  t.equal(h.percentile(100), 10_000_000, 'p100 is the exact maximum');
  t.equal(h.count, 10_000);
  t.equal(h.min, 1000);
  t.equal(h.mean, 5_000_500);
  const empty = new Histogram();
  t.ok(Number.isNaN(empty.percentile(50)));
  const other = new Histogram();
  other.record(20_000_000);
  h.merge(other);
  t.equal(h.max, 20_000_000);
  t.equal(h.count, 10_001);
});

t.test('RESP reply framing', async (t) => {
  const b = (s: string) => Buffer.from(s, 'latin1');
  t.equal(replyEnd(b('+OK\r\n'), 0), 5);
  t.equal(replyEnd(b('+OK\r'), 0), -1);
  t.equal(replyEnd(b('$3\r\nabc\r\n:1\r\n'), 0), 9);
  t.equal(replyEnd(b('$3\r\nabc\r\n:1\r\n'), 9), 13);
  t.equal(replyEnd(b('$3\r\nab'), 0), -1);
  t.equal(replyEnd(b('$-1\r\n'), 0), 5);
  t.equal(replyEnd(b('*2\r\n$1\r\na\r\n*1\r\n:5\r\n'), 0), 19);
  t.equal(replyEnd(b('*2\r\n$1\r\na\r\n*1\r\n'), 0), -1);
  t.equal(replyEnd(b('%1\r\n+a\r\n:1\r\n'), 0), 12);
  t.equal(replyEnd(b('*-1\r\n'), 0), 5);
  t.throws(() => replyEnd(b('?\r\n'), 0));
  t.equal(encodeCommand(['SET', 'k', 'v']).toString('latin1'), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
  t.equal(errorText("-ERR unknown command 'x'\r\n"), "ERR unknown command 'x'");
  t.equal(errorText('+OK\r\n'), null);
  t.equal(bulkText('$5\r\nhello\r\n'), 'hello');
  t.equal(infoField('# Memory\r\nused_memory:914568\r\nused_memory_human:893K\r\n', 'used_memory'), '914568');
});

t.test('workload helpers', async (t) => {
  t.same(classifyProbe('+OK\r\n'), { kind: 'ok' });
  t.same(classifyProbe(':1\r\n'), { kind: 'ok' });
  t.same(classifyProbe("-ERR unknown command 'HSET', with args beginning with: 'k' \r\n"), { kind: 'missing' });
  t.same(classifyProbe('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n'), { kind: 'error', text: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
  t.equal(randKey('key:', 42), 'key:000000000042');
  t.ok(requestsMax(16, 100, false) > requestsMax(1, 100, false));
  t.ok(requestsMax(1, 100, true) < requestsMax(1, 100, false));
  t.ok(requestsMax(16, 4096, false) < requestsMax(16, 100, false));
  t.equal(requestsMin(1), 5000, 'a hundred round trips per client at pipeline 1');
  t.equal(requestsMin(16), 8000);
  t.equal(roundRequests(1234), 1200);
  t.equal(roundRequests(123_456), 123_000);
  t.equal(requestsForRate(100_000, 0.75, 1, 100, false), 75_000);
  t.equal(requestsForRate(123_456, 0.75, 1, 100, false), 93_000, 'rounded to a thousand');
  t.equal(requestsForRate(12_345, 0.5, 1, 100, false), 6_200, 'a slow system gets fewer requests: rounded to a hundred');
  t.equal(requestsForRate(4_321, 0.5, 1, 100, false), requestsMin(1), 'but never fewer than requestsMin');
  t.equal(requestsForRate(10_000_000, 1, 16, 100, false), requestsMax(16, 100, false), 'capped');
  t.equal(requestsForRate(1000, 0.4, 1, 100, false), requestsMin(1), 'at least requestsMin');
  t.equal(requestsForRate(1000, 0.4, 16, 100, false), requestsMin(16));
  t.equal(requestsForRate(NaN, 1, 1, 100, false), requestsMin(1));
});

t.test('calibration: short runs are followed by one sized from their rate', async (t) => {
  // 500 requests at 100,000/s lasted 5 ms: too short, next one 0.2 s worth.
  t.equal(nextCalibration(500, 100_000, 0.2, 1, 100, false), 20_000);
  // Long enough (≥ half the calibration time): size the measured runs from it.
  t.equal(nextCalibration(500, 1_000, 0.2, 1, 100, false), null);
  t.equal(nextCalibration(20_000, 100_000, 0.2, 1, 100, false), null);
  // At least doubling, never above the cap.
  t.equal(nextCalibration(8_000, 10_000_000, 0.2, 16, 100, true), requestsMax(16, 100, true));
  t.equal(nextCalibration(500, 3_000, 0.4, 1, 100, false), 1_200);
  t.equal(nextCalibration(500, 2_600, 0.4, 1, 100, false), 1_000);
  t.equal(nextCalibration(500, NaN, 0.2, 1, 100, false), null);
  t.equal(nextCalibration(requestsMax(1, 100, false), 1e9, 0.2, 1, 100, false), null, 'the cap ends it');

  // calibrate() with a fake system serving 200,000/s: a short first run, then one of 0.2 s.
  const asked: number[] = [];
  const r = await calibrate(async (n) => (asked.push(n), { rps: 200_000 }), 0.2, 1, 100, false);
  t.same(asked, [5_000, 40_000]);
  t.same(r, { rps: 200_000, runs: 2 });
  // A slow system (1,000/s): the first run already lasts 5 s.
  const slow: number[] = [];
  t.same(await calibrate(async (n) => (slow.push(n), { rps: 1_000 }), 0.2, 1, 100, false), { rps: 1_000, runs: 1 });
  t.same(slow, [5_000]);
  // A failed run ends it with NaN.
  const failed = await calibrate(async () => null, 0.2, 1, 100, false);
  t.ok(Number.isNaN(failed.rps));
  t.equal(failed.runs, 1);
  // Never more than three runs.
  let k = 0;
  const growing = await calibrate(async () => ({ rps: 10 ** (6 + k++) }), 0.2, 16, 100, false);
  t.equal(growing.runs, 3);
});

t.test('keyspace fill: MSET chunks of about 1 MB, or one MSET per slot in a cluster', async (t) => {
  t.same(fillPlan(100_000, 100), { perCommand: 100, commands: 1000, batch: 104 });
  t.same(fillPlan(100_000, 4096), { perCommand: 16, commands: 6250, batch: 16 });
  t.same(fillPlan(10, 100), { perCommand: 100, commands: 1, batch: 104 });
  const groups = slotGroups(2000, 100);
  t.equal(groups.flat().length, 2000, 'every key once');
  t.same([...groups.flat()].sort((a, b) => a - b), Array.from({ length: 2000 }, (_, i) => i));
  for (const g of groups) {
    const slot = keySlot(randKey('key:', g[0] as number));
    if (!g.every((k) => keySlot(randKey('key:', k)) === slot)) t.fail(`group of slot ${slot} mixes slots`);
  }
  t.ok(slotGroups(200, 1).every((g) => g.length === 1), 'at most max keys a group');
  t.ok(workloads.find((w) => w.id === 'GET')?.readOnly, 'GET leaves its data as prepared');
  t.notOk(workloads.find((w) => w.id === 'SET')?.readOnly);
});

t.test('arrival schedules are reproducible and at the offered rate', async (t) => {
  const a = arrivalTimes('poisson', 10_000, 1000, 7);
  const b = arrivalTimes('poisson', 10_000, 1000, 7);
  t.same(Array.from(a), Array.from(b), 'same seed, same schedule');
  t.ok(a.length > 9_500 && a.length < 10_500, `about 10,000 arrivals in 1 s (${a.length})`);
  for (let i = 1; i < a.length; i++) if ((a[i] as number) < (a[i - 1] as number)) t.fail('not ordered');
  const c = arrivalTimes('constant', 1000, 1000, 0);
  t.equal(c.length, 1000);
  t.equal(c[1], 1);
});

t.test('cpuprofile self times', async (t) => {
  const p: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 }, children: [2, 3, 4] },
      { id: 2, callFrame: { functionName: 'hot', url: 'file:///x/dist/src/a.js', lineNumber: 9, columnNumber: 0 } },
      { id: 3, callFrame: { functionName: '(idle)', url: '', lineNumber: -1, columnNumber: -1 } },
      { id: 4, callFrame: { functionName: 'cold', url: 'file:///x/node_modules/m/b.js', lineNumber: 0, columnNumber: 0 } },
    ],
    startTime: 0,
    endTime: 1000,
    samples: [2, 2, 2, 3, 4, 2],
    timeDeltas: [0, 100, 100, 100, 100, 100],
  };
  const r = selfTimes(p);
  t.equal(r.rows[0]?.name, 'hot');
  t.equal(r.rows[0]?.location, 'dist/src/a.js:10');
  t.equal(r.rows[0]?.selfMs, 0.3);
  t.equal(r.rows[1]?.location, 'node_modules/m/b.js:1');
  t.equal(r.idleMs, 0.1);
  t.equal(r.busyMs, 0.4);
  t.equal(r.rows[0]?.percent, 75);
});

const side = (status: string, rps: number[], p99 = 2, requests = 1000) => ({ status, requests, rps, p50Ms: [1], p99Ms: rps.length === 0 ? [] : [p99] });

function sampleResults(): BenchResults {
  const settings = defaultSettings({ quick: false });
  settings.valueSizes = [100];
  settings.latencyRates = [10000];
  return {
    machine: { date: '2026-01-02T03:04:05.000Z', cpu: 'Test CPU', cores: 2, memoryBytes: 2 ** 30, os: 'Linux', node: 'v20', redisServer: 'Redis 7', redisBenchmark: 'rb 7', catena: '0.1.0', loadAvgStart: 0.1, loadAvgEnd: 0.2 },
    settings,
    configurations: [
      { id: 'single-memory', title: 'Catena, single node, in-memory', status: 'measured', scope: 'full matrix, 3 repetitions' },
      { id: 'cluster3-memory', title: 'Catena, 3-node cluster (R=3), in-memory', status: 'measured', scope: 'full matrix, 3 repetitions' },
      { id: 'single-postgres-sync', title: 'Catena, single node, postgres backend (sync)', status: 'measured', scope: '100 B cells only, 2 repetitions, no latency phase' },
      { id: 'single-fs-sync', title: 'Catena, fs', status: 'not available (no disk)' },
    ],
    throughput: [
      {
        workload: 'SET',
        valueSize: 100,
        pipeline: 1,
        redis: side('ok', [100, 110, 90], 2, 40000),
        catena: { 'single-memory': side('ok', [80, 70, 90], 3, 32000), 'cluster3-memory': side('ok', [30, 40, 35]), 'single-postgres-sync': side('ok', [10, 12], 9, 500) },
      },
      {
        workload: 'SET',
        valueSize: 100,
        pipeline: 16,
        redis: side('ok', [1000]),
        catena: { 'single-memory': side('ok', [400]), 'cluster3-memory': side('ok', [300]), 'single-postgres-sync': side('error: boom', []) },
      },
      {
        workload: 'MSET',
        valueSize: 100,
        pipeline: 1,
        redis: side('ok', [50]),
        catena: { 'single-memory': side('ok', [25]), 'cluster3-memory': side("error: CROSSSLOT Keys in request don't hash to the same slot", []), 'single-postgres-sync': side('ok', [5]) },
      },
      {
        workload: 'GET',
        valueSize: 100,
        pipeline: 1,
        redis: side('ok', [100]),
        catena: { 'single-memory': side('ok', [75]), 'cluster3-memory': side('ok', [49]), 'single-postgres-sync': side('ok', [90]) },
      },
      {
        workload: 'HSET',
        valueSize: 4096,
        pipeline: 1,
        redis: side('ok', [100]),
        catena: { 'single-memory': side('not implemented yet', []), 'cluster3-memory': side('ok', [20]), 'single-postgres-sync': side(NOT_IN_SCOPE, []) },
      },
    ],
    latency: [],
    memory: [
      {
        dataset: 'strings',
        title: '10 strings',
        keys: 10,
        redis: { ok: true, bytesPerKey: 184, rssBytesPerKey: 200, emptyRssBytes: 1, loadSeconds: 1, note: null },
        catena: { 'single-memory': { ok: true, bytesPerKey: 500, rssBytesPerKey: 500, emptyRssBytes: 50 * 2 ** 20, loadSeconds: 1, note: null } },
      },
      {
        dataset: 'hashes',
        title: '10 hashes',
        keys: 10,
        redis: { ok: true, bytesPerKey: 100, rssBytesPerKey: 200, emptyRssBytes: 1, loadSeconds: 1, note: null },
        catena: { 'single-memory': { ok: true, bytesPerKey: 301, rssBytesPerKey: 301, emptyRssBytes: 50 * 2 ** 20, loadSeconds: 1, note: null } },
      },
    ],
    elapsedSeconds: 12,
  };
}

t.test('report: the issue\'s targets with pass/miss marks', async (t) => {
  const r = sampleResults();
  const rows = targetRows(r);
  t.same(rows[0], ['single node, in-memory: SET 100 B, pipeline 1 ≥ 0.75× Redis', '0.80', PASS]);
  t.same(rows[1], ['single node, in-memory: GET 100 B, pipeline 1 ≥ 0.75× Redis', '0.75', PASS], 'the bound itself passes');
  t.same(rows[2], ['single node, in-memory: SET 100 B, pipeline 16 ≥ 0.45× Redis', '0.40', MISS]);
  t.same(rows[3], ['single node, in-memory: GET 100 B, pipeline 16 ≥ 0.45× Redis', '—', 'not measured in this run']);
  t.same(rows[4], ['3-node cluster, in-memory: SET 100 B, pipeline 1 ≥ 0.35× Redis', '0.35', PASS]);
  t.same(rows[5], ['3-node cluster, in-memory: GET 100 B, pipeline 1 ≥ 0.50× Redis', '0.49', MISS]);
  t.same(rows[6], ['3-node cluster, in-memory: SET 100 B, pipeline 16 ≥ 0.25× Redis', '0.30', PASS]);
  t.same(rows[7], ['single node, in-memory: memory, 10 strings ≤ 3× Redis bytes/key', '2.72', PASS]);
  t.same(rows[8], ['single node, in-memory: memory, 10 hashes ≤ 3× Redis bytes/key', '3.01', MISS]);
  t.equal(rows.length, 9);
  // A configuration that was not run says why in every one of its targets.
  const without = sampleResults();
  without.configurations = without.configurations.map((c) => (c.id === 'cluster3-memory' ? { id: c.id, title: c.title, status: 'not selected in this run' } : c));
  for (const cell of without.throughput) delete cell.catena['cluster3-memory'];
  without.memory = [];
  const w = targetRows(without);
  t.same(w[4], ['3-node cluster, in-memory: SET 100 B, pipeline 1 ≥ 0.35× Redis', '—', 'not selected in this run']);
  t.same(w[7], ['single node, in-memory: memory ≤ 3× Redis bytes/key (both data sets)', '—', 'not measured in this run']);
});

t.test('report: every configuration\'s ratios, tables and chart from results', async (t) => {
  const r = sampleResults();
  t.same(summaryRows(r), [
    ['SET', '100 B', '1', '100', '0.80', '0.35', '0.11'],
    ['SET', '100 B', '16', '1,000', '0.40', '0.30', 'failed'],
    ['MSET', '100 B', '1', '50', '0.50', 'CROSSSLOT', '0.10'],
    ['GET', '100 B', '1', '100', '0.75', '0.49', '0.90'],
    ['HSET', '4 KiB', '1', '100', 'n/i', '0.20', '·'],
  ]);
  // A configuration's own table leaves out the cells outside its scope.
  t.same(throughputRows(r, 'single-postgres-sync').map((x) => `${x[0]} ${x[2]}`), ['SET 1', 'SET 16', 'MSET 1', 'GET 1']);
  const md = renderMarkdown(r, 'benchmarks.svg');
  t.match(md, /!\[Catena \/ Redis throughput\]\(benchmarks\.svg\)/);
  t.match(md, /\| workload \| value \| pipeline \| Redis req\/s \| `single-memory` \| `cluster3-memory` \| `single-postgres-sync` \|/);
  t.match(md, /\| HSET \| 4 KiB \| 1 \| 100 \| — \| not implemented yet \|/);
  t.match(md, /\| SET \| 100 B \| 1 \| 100 \| 80 \| 0\.80 \| 3\.00 \| 2\.00 \| 80, 70, 90 \| 40,000 \/ 32,000 \| 25% \|/);
  t.match(md, /\| SET \| 100 B \| 1 \| 100 \| 11 \| 0\.11 \| 9\.00 \| 2\.00 \| 10, 12 \| 40,000 \/ 500 \| 20% \|/);
  t.equal(spread([90, 100, 110]), 0.2);
  t.ok(Number.isNaN(spread([5])));
  t.match(md, /\| `single-fs-sync` \| Catena, fs \| not available \(no disk\) \|/);
  t.match(md, /\| `single-postgres-sync` \| Catena, single node, postgres backend \(sync\) \| measured \| 100 B cells only, 2 repetitions, no latency phase \|/);
  t.match(md, /✗ \*\*miss\*\*/);
  t.match(md, /Test CPU × 2/);
  t.match(md, /sized by its own rate to last about 0\.4 s/);
  const spec = chartSpec(r);
  t.same(spec.panels, ['pipeline 1', 'pipeline 16']);
  t.same(spec.series.map((x) => x.label), ['single node, in-memory', '3-node cluster (R=3), in-memory', 'single node, postgres backend (sync)']);
  t.same(spec.series.map((x) => x.color), ['#4e79a7', '#f28e2b', '#59a14f'], 'colors by place among all configurations');
  const fewer = sampleResults();
  fewer.configurations = fewer.configurations.map((c) => (c.id === 'cluster3-memory' ? { id: c.id, title: c.title, status: 'not selected in this run' } : c));
  t.same(chartSpec(fewer).series.map((x) => x.color), ['#4e79a7', '#59a14f'], 'a configuration left out does not shift the others\' colors');
  t.same(spec.rows.map((x) => x.label), ['SET 100 B', 'MSET 100 B', 'GET 100 B', 'HSET 4 KiB']);
  t.same(spec.rows[0]?.values, [
    [0.8, 0.35, 0.11],
    [0.4, 0.3, null],
  ]);
  t.equal(spec.rows[0]?.note, 'error: boom');
  t.same(spec.rows[0]?.notes, [
    [null, null, null],
    [null, null, 'failed'],
  ]);
  t.same(spec.rows[1]?.notes?.[0], [null, 'CROSSSLOT', null], 'the error code in place of the missing bar');
  t.same(spec.rows[3]?.notes?.[0], ['n/i', null, null], 'nothing where the cell is outside the scope');
  t.same(spec.rows[3]?.values[0], [null, 0.2, null]);
  t.equal(spec.rows[3]?.note, 'not implemented yet', 'outside the scope is no note');
  t.match(spec.subtitle ?? '', /median of 3 \(secondary configurations: 2\)/);
});

t.test('time plan: scopes, cells and the estimate within the budget', async (t) => {
  const full = defaultSettings({ quick: false });
  t.same(scopeOf('primary', full), { valueSizes: [100, 4096], reps: 3 });
  t.same(scopeOf('secondary', full), { valueSizes: [100], reps: 2 });
  t.equal(scopeText('primary', full), 'full matrix, 3 repetitions');
  t.equal(scopeText('secondary', full), '100 B cells only, 2 repetitions, no latency phase');
  t.equal(defaultSettings({ quick: false, reps: 1 }).secondaryReps, 1, 'never more than reps');
  t.equal(defaultSettings({ quick: true }).reps, 1);

  const configs = catenaConfigurations;
  t.same(configs.map((c) => c.id), ['single-memory', 'cluster3-memory', 'single-fs-sync', 'cluster3-fs-sync', 'single-redis-sync', 'single-postgres-sync']);
  t.same(configs.filter((c) => c.tier === 'primary').map((c) => c.id), ['single-memory', 'cluster3-memory']);
  t.same(configs.filter((c) => c.memory).map((c) => c.id), ['single-memory']);
  const cells = throughputCells(workloads, full, configs, null);
  // 6 workloads with values × 2 sizes + 3 without × 1 size, × 2 pipelines.
  t.equal(cells.length, 30);
  const big = cells.filter((c) => c.valueSize === 4096);
  t.equal(big.length, 12);
  t.ok(big.every((c) => c.configs.map((x) => x.id).join() === 'single-memory,cluster3-memory'), '4 KiB cells: the primary configurations only');
  const small = cells.filter((c) => c.valueSize === 100);
  t.ok(small.every((c) => c.configs.length === 6));
  t.same(small[0]?.configs.map((x) => x.reps), [3, 3, 2, 2, 2, 2]);
  t.same(throughputCells(workloads, full, configs, ['SET']).map((c) => `${c.workload} ${c.valueSize} ${c.pipeline}`), ['SET 100 1', 'SET 100 16', 'SET 4096 1', 'SET 4096 16']);
  // Only secondary configurations: no 4 KiB cell (Redis alone gives no ratio).
  t.equal(throughputCells(workloads, full, configs.filter((c) => c.tier === 'secondary'), null).filter((c) => c.valueSize === 4096).length, 0);
  // No configuration at all: a Redis-only run keeps every cell.
  t.equal(throughputCells(workloads, full, [], null).length, 30);

  const plan = (quick: boolean, skip: string[] = []) =>
    estimatePlan({
      settings: defaultSettings({ quick }),
      workloads,
      configs,
      only: null,
      skip: new Set(skip),
      memoryDatasets: memoryDatasets(quick),
      durability: { ...durabilitySettings(quick), systems: durabilitySystems() },
    });
  const e = plan(false);
  t.same(e.phases.map((x) => x.phase), ['throughput', 'latency', 'memory', 'durability']);
  t.equal(e.phases[0]?.runs, 30 * 3 * 3 + 18 * 4 * 2, 'Redis and the primaries: 3 runs a cell; secondaries: 2 runs in the 18 100-byte cells');
  t.equal(e.phases[1]?.runs, 2 * 2 * 3 * 3, 'latency: 2 rates × SET/GET × Redis and 2 primaries × 3');
  t.equal(e.phases[3]?.runs, 12 * 2 * 3);
  t.ok(e.totalSeconds < budgetSeconds * 0.85, `the default full run is planned well within the budget (${Math.round(e.totalSeconds)} s)`);
  t.ok(e.totalSeconds > budgetSeconds * 0.5, 'and the estimate is not absurdly low');
  t.ok(plan(true).totalSeconds < e.totalSeconds / 2, 'quick is much shorter');
  t.same(plan(false, ['latency', 'memory', 'durability']).phases.map((x) => x.phase), ['throughput']);
  t.match(formatPlan(e), /^time plan: throughput ~\d+ s \(30 cells, 414 runs of ~0\.4 s\); latency ~\d+ s .*total ≈ \d+\.\d min \(budget 10 min\)$/);
});

t.test('latency loads within what a system measured', async (t) => {
  const r = sampleResults();
  const cells: ThroughputCell[] = r.throughput;
  t.equal(measuredCapacity(cells, 'SET', 'single-memory'), 400, 'the best pipeline');
  t.equal(measuredCapacity(cells, 'SET', null), 1000, 'Redis');
  t.equal(measuredCapacity(cells, 'SET', 'single-postgres-sync'), 11, 'failed cells do not count');
  t.ok(Number.isNaN(measuredCapacity(cells, 'GET', 'nope')));
  t.ok(Number.isNaN(measuredCapacity(cells, 'HSET', 'cluster3-memory')), '100-byte cells only');
});

t.test('configurations and the throw-away PostgreSQL', async (t) => {
  t.equal(configurationProblem({ id: 'x', title: 'x', tier: 'secondary', memory: false, start: null, unavailable: 'not yet' }), 'not yet');
  t.equal(configurationProblem({ id: 'x', title: 'x', tier: 'secondary', memory: false, start: async () => Promise.reject(new Error('no')), problem: () => 'no binaries' }), 'not available (no binaries)');
  t.equal(configurationProblem({ id: 'x', title: 'x', tier: 'secondary', memory: false, start: async () => Promise.reject(new Error('no')), problem: () => null }), null);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'catena-pgbin-test-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  t.equal(postgresBinDir({}, path.join(root, 'missing')), null, 'no PostgreSQL installed');
  for (const v of ['13', '15', '9']) {
    const bin = path.join(root, v, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    for (const b of ['initdb', 'postgres', 'pg_isready']) fs.writeFileSync(path.join(bin, b), '');
  }
  fs.mkdirSync(path.join(root, '16', 'bin'), { recursive: true });
  t.equal(postgresBinDir({}, root), path.join(root, '15', 'bin'), 'the newest complete version');
  t.equal(postgresBinDir({ PG_BIN: path.join(root, '9', 'bin') }, root), path.join(root, '9', 'bin'), 'PG_BIN first');
  t.equal(postgresBinDir({ PG_BIN: path.join(root, '16', 'bin') }, root), path.join(root, '15', 'bin'), 'an incomplete PG_BIN is ignored');
});

t.test('SVG chart is well-formed and deterministic', async (t) => {
  const spec = {
    title: 'T <&>',
    panels: ['pipeline 1', 'pipeline 16'],
    series: [
      { label: 'single node', color: '#111111' },
      { label: 'cluster', color: '#222222' },
    ],
    rows: [
      { label: 'SET 100 B', values: [[0.8, 0.4], [0.5, null]] },
      { label: 'HSET 100 B', values: [[null, null], [null, null]], note: 'not implemented yet' },
      { label: 'MSET 100 B', values: [[0.5, null], [0.4, null]], notes: [[null, 'CROSSSLOT'], [null, 'CROSSSLOT']] },
    ],
  };
  const svg = renderRatioChart(spec);
  t.equal(svg, renderRatioChart(spec));
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  t.match(svg, /<\/svg>\n$/);
  t.match(svg, /T &lt;&amp;&gt;/);
  t.equal((svg.match(/not implemented yet/g) ?? []).length, 2, 'the note in each panel');
  t.equal((svg.match(/<rect /g) ?? []).length, 1 + 5 + 2, 'background, five bars (none for null), two legend swatches');
  t.equal((svg.match(/>CROSSSLOT</g) ?? []).length, 2, 'a missing bar\'s note in its place');
  t.match(svg, />pipeline 16</);
  t.match(svg, />0\.80</);
  t.equal((svg.match(/Redis = 1\.0/g) ?? []).length, 2, 'parity marked in each panel');
  t.equal(axisMax([0.5, null]), 1.25);
  t.equal(axisMax([1.6]), 1.75);
  t.equal(escapeXml('"a"'), '&quot;a&quot;');
});
