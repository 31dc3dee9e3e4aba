// The benchmark harness's pure parts: redis-benchmark CSV parsing, medians and ratios, the
// latency histogram's percentiles, RESP reply framing, the profile's self-time ranking, and
// the report/SVG renderers. The harness itself (real servers, minutes of load) is never run
// by npm test.
import t from 'tap';
import { parseBenchmarkCsv, splitCsvLine, benchmarkArgs } from '../bench/redis-benchmark';
import { median, ratio, formatSize } from '../bench/stats';
import { Histogram, bucketIndex, bucketUpper } from '../bench/histogram';
import { replyEnd, encodeCommand, errorText, bulkText, infoField } from '../bench/resp-client';
import { arrivalTimes } from '../bench/latency';
import { classifyProbe, requestsForRate, requestsMax, calibrationRequests, randKey } from '../bench/workloads';
import { selfTimes, type CpuProfile } from '../bench/profile';
import { renderRatioChart, axisMax, escapeXml } from '../bench/svg';
import { renderMarkdown, chartSpec, targetRows, spread } from '../bench/report';
import type { BenchResults } from '../bench/results';

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
  t.equal(requestsForRate(100_000, 0.75, 1, 100, false), 75_000);
  t.equal(requestsForRate(123_456, 0.75, 1, 100, false), 93_000, 'rounded to a thousand');
  t.equal(requestsForRate(10_000_000, 1, 16, 100, false), requestsMax(16, 100, false), 'capped');
  t.equal(requestsForRate(1000, 1, 1, 100, false), calibrationRequests(1, 100, false), 'at least the calibration run');
  t.equal(requestsForRate(NaN, 1, 1, 100, false), calibrationRequests(1, 100, false));
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

function sampleResults(): BenchResults {
  return {
    machine: { date: '2026-01-02T03:04:05.000Z', cpu: 'Test CPU', cores: 2, memoryBytes: 2 ** 30, os: 'Linux', node: 'v20', redisServer: 'Redis 7', redisBenchmark: 'rb 7', catena: '0.1.0', loadAvgStart: 0.1, loadAvgEnd: 0.2 },
    settings: { quick: false, reps: 3, clients: 50, keyspace: 100000, pipelines: [1, 16], valueSizes: [100], latencyRates: [10000], latencyDurationMs: 5000, arrivals: 'poisson' },
    configurations: [
      { id: 'single-memory', title: 'Catena, single node, in-memory', status: 'measured' },
      { id: 'single-fs-sync', title: 'Catena, fs', status: 'not available yet' },
    ],
    throughput: [
      { workload: 'SET', valueSize: 100, pipeline: 1, requests: 1, redis: { status: 'ok', rps: [100, 110, 90], p50Ms: [1], p99Ms: [2] }, catena: { 'single-memory': { status: 'ok', rps: [80, 70, 90], p50Ms: [1], p99Ms: [3] } } },
      { workload: 'SET', valueSize: 100, pipeline: 16, requests: 1, redis: { status: 'ok', rps: [1000], p50Ms: [1], p99Ms: [2] }, catena: { 'single-memory': { status: 'ok', rps: [400], p50Ms: [1], p99Ms: [3] } } },
      { workload: 'HSET', valueSize: 100, pipeline: 1, requests: 1, redis: { status: 'ok', rps: [100], p50Ms: [1], p99Ms: [2] }, catena: { 'single-memory': { status: 'not implemented yet', rps: [], p50Ms: [], p99Ms: [] } } },
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
    ],
    elapsedSeconds: 12,
  };
}

t.test('report: targets, tables and chart from results', async (t) => {
  const r = sampleResults();
  const rows = targetRows(r);
  t.same(rows[0], ['SET 100 B, pipeline 1: ≥ 0.75× Redis', '0.80', 'met']);
  t.same(rows[1], ['SET 100 B, pipeline 16: ≥ 0.45× Redis', '0.40', '**not met**']);
  t.same(rows[2], ['memory, 10 strings: ≤ 3× Redis bytes/key', '2.72', 'met']);
  const md = renderMarkdown(r, 'benchmarks.svg');
  t.match(md, /!\[Catena \/ Redis throughput\]\(benchmarks\.svg\)/);
  t.match(md, /\| HSET \| 100 B \| 1 \| 100 \| — \| not implemented yet \|/);
  t.match(md, /\| SET \| 100 B \| 1 \| 100 \| 80 \| 0\.80 \| 3\.00 \| 2\.00 \| 80, 70, 90 \| 25% \|/);
  t.equal(spread([90, 100, 110]), 0.2);
  t.ok(Number.isNaN(spread([5])));
  t.match(md, /\| Catena, fs \| not available yet \|/);
  t.match(md, /Test CPU × 2/);
  const spec = chartSpec(r);
  t.equal(spec.series.length, 2);
  t.same(spec.rows.map((x) => x.label), ['SET 100 B', 'HSET 100 B']);
  t.same(spec.rows[0]?.values, [0.8, 0.4]);
  t.equal(spec.rows[1]?.note, 'not implemented yet');
});

t.test('SVG chart is well-formed and deterministic', async (t) => {
  const spec = {
    title: 'T <&>',
    series: [
      { label: 'pipeline 1', color: '#111111' },
      { label: 'pipeline 16', color: '#222222' },
    ],
    rows: [
      { label: 'SET 100 B', values: [0.8, 0.4] },
      { label: 'HSET 100 B', values: [null, null], note: 'not implemented yet' },
    ],
  };
  const svg = renderRatioChart(spec);
  t.equal(svg, renderRatioChart(spec));
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  t.match(svg, /<\/svg>\n$/);
  t.match(svg, /T &lt;&amp;&gt;/);
  t.match(svg, /not implemented yet/);
  t.equal((svg.match(/<rect /g) ?? []).length, 1 + 2 + 2, 'background, two bars, two legend swatches');
  t.equal(axisMax([0.5, null]), 1.25);
  t.equal(axisMax([1.6]), 1.75);
  t.equal(escapeXml('"a"'), '&quot;a&quot;');
});
