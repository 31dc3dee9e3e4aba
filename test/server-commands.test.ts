// Server commands against the real Redis 7.0: INFO (sections, fields, counters, RESP3
// verbatim), MEMORY USAGE (exact for strings), SLOWLOG and MONITOR (entries and redaction,
// ids/times/addresses masked), TIME, LATENCY, FUNCTION with no library, DEBUG protection,
// WAIT, ROLE, SHUTDOWN, and the honest errors for what Catena does not do.
import t from 'tap';
import Redis from 'ioredis';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { RawClient, type RawReply } from './helpers/raw-client';
import type { Typed } from '../src/resp/decoder';

async function replies(port: number, cmds: string[][], proto: 2 | 3 = 2): Promise<RawReply[]> {
  const c = await RawClient.connect(port);
  try {
    if (proto === 3) {
      c.send(['HELLO', '3']);
      await c.read();
    }
    c.send(...cmds);
    const out: RawReply[] = [];
    for (let i = 0; i < cmds.length; i++) out.push(await c.read(10000));
    return out;
  } finally {
    c.close();
  }
}

function text(r: RawReply | undefined): string {
  const v = r?.value as Typed;
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && 'v' in v) return v.v;
  throw new Error(`not a text reply: ${JSON.stringify(r?.raw)}`);
}

function headers(info: string): string[] {
  return info.match(/^# \w+/gm) ?? [];
}

/** INFO as section → field → value. */
function parseInfo(info: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let cur = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    if (line.startsWith('# ')) {
      cur = new Map();
      out.set(line.slice(2), cur);
    } else if (line !== '') {
      const i = line.indexOf(':');
      cur.set(line.slice(0, i), line.slice(i + 1));
    }
  }
  return out;
}

t.test('INFO sections and their order, as Redis 7.0 chooses them', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  const variants = [[], ['all'], ['everything'], ['default'], ['server', 'clients'], ['foo'], ['SERVER'], ['modules'], ['keyspace'], ['errorstats'], ['commandstats'], ['latencystats'], ['cluster'], ['default', 'commandstats'], ['all', 'modules'], ['everything', 'foo'], ['cpu', 'memory', 'server']];
  const cmds = variants.map((v) => ['INFO', ...v]);
  const [a, b] = await Promise.all([replies(c.port, cmds), replies(redis.port, cmds)]);
  variants.forEach((v, i) => t.same(headers(text(a[i])), headers(text(b[i])), `INFO ${v.join(' ')}`));
  t.equal(a[5]?.raw, '$0\r\n\r\n', 'an unknown section gives an empty report');
});

t.test('INFO fields: Redis 7.0 names, \\r\\n lines, one blank line between sections', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  const [[a], [b]] = await Promise.all([replies(c.port, [['INFO', 'everything']]), replies(redis.port, [['INFO', 'everything']])]);
  const ours = text(a);
  t.notMatch(ours.replace(/\r\n/g, ''), /[\r\n]/, 'every line ends in \\r\\n');
  t.match(ours, /^# Server\r\n[^]*\r\n\r\n# Clients\r\n/, 'sections are separated by one empty line');
  const mine = parseInfo(ours);
  const theirs = parseInfo(text(b));
  // Not meaningful for a node process: Redis's compiler and atomics.
  const omitted = new Set(['atomicvar_api', 'gcc_version']);
  for (const [section, fields] of theirs) {
    if (section === 'Commandstats' || section === 'Errorstats' || section === 'Latencystats') continue;
    const have = mine.get(section);
    t.ok(have, `section ${section}`);
    const missing = [...fields.keys()].filter((f) => !omitted.has(f) && !have?.has(f));
    t.same(missing, [], `${section}: every Redis field is reported`);
    const order = [...(have?.keys() ?? [])].filter((f) => fields.has(f));
    t.same(order, [...fields.keys()].filter((f) => order.includes(f)), `${section}: in Redis's order`);
  }
  const server = mine.get('Server');
  t.equal(server?.get('redis_version'), '7.0.15');
  t.equal(server?.get('redis_mode'), 'standalone');
  t.match(server?.get('catena_version') ?? '', /^\d+\.\d+\.\d+/);
  t.equal(server?.get('tcp_port'), String(c.port));
  t.equal(mine.get('Persistence')?.get('loading'), '0', 'loading:0 (ioredis ready check)');
  t.equal(mine.get('Replication')?.get('role'), 'master');
  t.equal(mine.get('Cluster')?.get('cluster_enabled'), '0');
});

t.test('INFO counters follow what the node does', async (t) => {
  const c = await startCatena(t);
  const r = await RawClient.connect(c.port);
  const other = await RawClient.connect(c.port);
  t.teardown(() => {
    r.close();
    other.close();
  });
  const info = async (...sections: string[]) => {
    r.send(['INFO', ...sections]);
    return parseInfo(text(await r.read()));
  };
  const before = await info('stats');
  const processed = Number(before.get('Stats')?.get('total_commands_processed'));
  for (let i = 0; i < 10; i++) await r.call('PING');
  await r.call('NOSUCH');
  await r.call('GET');
  const after = await info('stats', 'clients', 'errorstats', 'commandstats');
  t.equal(Number(after.get('Stats')?.get('total_commands_processed')), processed + 11, 'PINGs and INFO counted, rejected commands not');
  t.equal(after.get('Stats')?.get('total_error_replies'), '2');
  t.equal(after.get('Errorstats')?.get('errorstat_ERR'), 'count=2');
  t.match(after.get('Commandstats')?.get('cmdstat_ping') ?? '', /^calls=10,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
  t.equal(after.get('Commandstats')?.get('cmdstat_get')?.replace(/usec=\d+,usec_per_call=[\d.]+/, 'usec'), 'calls=0,usec,rejected_calls=1,failed_calls=0');
  t.equal(after.get('Clients')?.get('connected_clients'), '2');
  t.ok(Number(after.get('Stats')?.get('total_net_input_bytes')) > 0, 'bytes in');
  if (c.server.table.has('set')) {
    await r.call('SET', 'k', 'v');
    await r.call('SET', 'e', 'v', 'PX', '1');
    await r.call('GET', 'k');
    await r.call('GET', 'missing');
    // Long enough for the active expiry cycle (every 100 ms) to delete it.
    await new Promise((res) => setTimeout(res, 300));
    await r.call('GET', 'e');
    const ks = await info('stats', 'keyspace');
    t.equal(ks.get('Stats')?.get('keyspace_hits'), '1');
    t.equal(ks.get('Stats')?.get('keyspace_misses'), '2');
    t.match(ks.get('Stats')?.get('expired_keys') ?? '', /^[1-9]/, 'the expired key was counted');
    t.equal(ks.get('Keyspace')?.get('db0'), 'keys=1,expires=0,avg_ttl=0');
  }
  // Redis samples ops/sec every 100 ms over 16 samples; under load the rate is not zero.
  for (let i = 0; i < 300; i++) r.send(['PING']);
  for (let i = 0; i < 300; i++) await r.read();
  await new Promise((res) => setTimeout(res, 120));
  const load = await info('stats');
  t.ok(Number(load.get('Stats')?.get('instantaneous_ops_per_sec')) > 0, 'instantaneous_ops_per_sec is sampled');
});

t.test('INFO is a verbatim string in RESP3, a bulk string in RESP2', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  for (const proto of [2, 3] as const) {
    const [[a], [b]] = await Promise.all([replies(c.port, [['INFO', 'cluster']], proto), replies(redis.port, [['INFO', 'cluster']], proto)]);
    t.equal(a?.raw, b?.raw, `INFO cluster, RESP${proto}`);
  }
  const [[k]] = await Promise.all([replies(c.port, [['INFO', 'keyspace']], 3)]);
  t.equal(k?.raw, '=16\r\ntxt:# Keyspace\r\n\r\n');
});

t.test('ioredis becomes ready (its ready check reads INFO loading)', async (t) => {
  const c = await startCatena(t);
  const r = new Redis({ port: c.port, lazyConnect: true });
  t.teardown(() => r.disconnect());
  await r.connect();
  t.equal(r.status, 'ready');
  t.equal(await r.ping(), 'PONG');
  t.match(await r.info('persistence'), /loading:0\r\n/);
});

t.test('MEMORY USAGE of strings is what Redis 7.0 reports', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  if (!c.server.table.has('set')) return t.plan(0, 'SET is not implemented yet');
  const values = ['', 'hello', '5', '-5', '12345', '9223372036854775807', '9223372036854775808', '12345678901234567890', '007'];
  for (const n of [20, 21, 44, 45, 100, 200, 251, 255, 256, 1000, 4000, 32767, 32768, 40000, 65535, 65536, 70000, 100000, 1000000]) values.push('x'.repeat(n));
  const keys = ['k', 'a'.repeat(31), 'b'.repeat(32), 'c'.repeat(60), 'd'.repeat(300)];
  const cmds: string[][] = [];
  values.forEach((v, i) => {
    const key = keys[i % keys.length] as string;
    cmds.push(['SET', key, v], ['MEMORY', 'USAGE', key]);
  });
  cmds.push(
    ['MEMORY', 'USAGE', 'nokey'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', '0'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'abc'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', '-1'],
    ['MEMORY', 'USAGE', 'k', 'FOO', '1'],
    ['MEMORY', 'USAGE'],
    ['FLUSHALL'],
  );
  const [a, b] = await Promise.all([replies(c.port, cmds), replies(redis.port, cmds)]);
  const mismatches = cmds.map((cmd, i) => (a[i]?.raw === b[i]?.raw ? null : `${cmd.slice(0, 2).join(' ')} ${cmd[2]?.slice(0, 8)} (${cmds[i - 1]?.[2]?.length ?? 0}): ${a[i]?.raw} vs ${b[i]?.raw}`)).filter((x) => x !== null);
  t.same(mismatches, [], `all ${cmds.length} replies identical`);
});

t.test('MEMORY subcommands', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  const cmds = [['MEMORY', 'HELP'], ['MEMORY', 'PURGE'], ['MEMORY', 'FOO'], ['MEMORY', 'DOCTOR'], ['MEMORY']];
  const [a, b] = await Promise.all([replies(c.port, cmds), replies(redis.port, cmds)]);
  cmds.forEach((cmd, i) => t.equal(a[i]?.raw, b[i]?.raw, cmd.join(' ')));
  const [[sa], [sb]] = await Promise.all([replies(c.port, [['MEMORY', 'STATS']], 3), replies(redis.port, [['MEMORY', 'STATS']], 3)]);
  const names = (v: Typed) => ((v as { m: Typed[] }).m.filter((_, i) => i % 2 === 0) as string[]).filter((n) => !n.startsWith('db.'));
  t.same(names(sa?.value as Typed), names(sb?.value as Typed), 'MEMORY STATS has Redis\'s fields, in order');
  const [ms] = await replies(c.port, [['MEMORY', 'MALLOC-STATS']]);
  t.equal(ms?.raw, '$45\r\nStats not supported for the current allocator\r\n', "Redis's answer for an allocator that is not jemalloc");
});

/** SLOWLOG entries with what differs between servers masked: id, time, duration, client port. */
function maskSlowlog(v: Typed): Typed {
  return (v as Typed[][]).map((e) => ['<id>', '<time>', '<us>', e[3] as Typed, String(e[4]).replace(/:\d+$/, ':<port>'), e[5] as Typed]);
}

t.test('SLOWLOG: entries, truncation, redaction and errors as Redis 7.0', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  const cmds = [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
    ['SLOWLOG', 'RESET'],
    ['ECHO', 'a'],
    ['CLIENT', 'SETNAME', 'slowconn'],
    ['AUTH', 'default', 'pw'],
    ['AUTH', 'a', 'b', 'c'],
    ['HELLO', '2', 'AUTH', 'default', 'pw', 'SETNAME', 'slowconn'],
    ['CONFIG', 'SET', 'masterauth', 'secret', 'hz', '10'],
    ['ECHO', 'y'.repeat(200)],
    ['PING', 'z'.repeat(128)],
    ['ECHO', 'z'.repeat(129)],
    ['EXISTS', ...Array.from({ length: 40 }, (_, i) => `k${i}`)],
    ['EXISTS', ...Array.from({ length: 31 }, (_, i) => `k${i}`)],
    ['NOSUCHCOMMAND'],
    ['MULTI'],
    ['ECHO', 'in multi'],
    ['EXEC'],
    ['SLOWLOG', 'LEN'],
    ['SLOWLOG', 'GET', '-1'],
    ['SLOWLOG', 'GET', '-2'],
    ['SLOWLOG', 'GET', 'abc'],
    ['SLOWLOG', 'GET', '1', '2'],
    ['SLOWLOG', 'LEN', 'x'],
    ['SLOWLOG', 'FOO'],
    ['SLOWLOG', 'HELP'],
    ['SLOWLOG', 'GET', '0'],
    ['CONFIG', 'SET', 'slowlog-max-len', '2'],
    ['SLOWLOG', 'LEN'],
    ['PING'],
    ['SLOWLOG', 'LEN'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128'],
  ];
  const [a, b] = await Promise.all([replies(c.port, cmds), replies(redis.port, cmds)]);
  cmds.forEach((cmd, i) => {
    const label = cmd.join(' ').slice(0, 60);
    if (cmd[0] === 'SLOWLOG' && cmd[1] === 'GET' && cmd[2] === '-1') t.same(maskSlowlog(a[i]?.value as Typed), maskSlowlog(b[i]?.value as Typed), label);
    else t.equal(a[i]?.raw.replace(/id\r\n:\d+/, 'id\r\n:<id>'), b[i]?.raw.replace(/id\r\n:\d+/, 'id\r\n:<id>'), label);
  });
  const entries = a[18]?.value as Typed[][];
  t.ok(entries.every((e) => typeof e[2] === 'number' && e[2] >= 0), 'durations in µs');
});

t.test('MONITOR streams executed commands as Redis 7.0 does', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  const work = [
    ['SELECT', '3'],
    ['ECHO', 'b\n"x\x01\xff\\'],
    ['AUTH', 'default', 'x'],
    ['CONFIG', 'GET', 'hz'],
    ['HELLO', '3', 'AUTH', 'default', 'x'],
    ['PING'],
    ['SELECT', '0'],
    ['NOSUCHCOMMAND'],
    ['ECHO', 'last'],
  ];
  const streams: string[] = [];
  for (const port of [c.port, redis.port]) {
    const m = await RawClient.connect(port);
    t.equal(await m.call('MONITOR'), '+OK\r\n');
    m.send(['PING']);
    t.equal((await m.read()).raw, '+PONG\r\n', 'the monitor still runs commands: the reply comes first');
    const w = await RawClient.connect(port);
    w.send(...work);
    for (let i = 0; i < work.length; i++) await w.read();
    w.close();
    let raw = '';
    for (;;) {
      const x = await m.read();
      raw += x.raw;
      if (x.raw.includes('"last"')) break;
    }
    m.close();
    streams.push(raw.replace(/\+\d{10}\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]/g, '+<time> [$1 <addr>]'));
  }
  t.equal(streams[0], streams[1], 'same lines (times and client ports masked)');
  t.match(streams[0] ?? '', /"AUTH" "\(redacted\)" "\(redacted\)"/, 'credentials are redacted');
  t.notMatch(streams[0] ?? '', /CONFIG/, 'admin commands are not shown');
});

t.test('LATENCY, FUNCTION, MODULE, DEBUG and other server commands', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return t.plan(0, 'no redis-server on this machine to compare with');
  const c = await startCatena(t);
  const cmds = [
    ['LATENCY', 'LATEST'],
    ['LATENCY', 'DOCTOR'],
    ['LATENCY', 'HISTORY', 'command'],
    ['LATENCY', 'RESET'],
    ['LATENCY', 'GRAPH', 'command'],
    ['LATENCY', 'HELP'],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'x'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME'],
    ['FUNCTION', 'LIST', 'FOO'],
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'FLUSH', 'ASYNC'],
    ['FUNCTION', 'FLUSH', 'FOO'],
    ['FUNCTION', 'STATS'],
    ['FUNCTION', 'DUMP'],
    ['FUNCTION', 'KILL'],
    ['FUNCTION', 'DELETE', 'x'],
    ['FUNCTION', 'RESTORE', 'x'],
    ['FUNCTION', 'RESTORE', 'x', 'FOO'],
    ['FUNCTION', 'HELP'],
    ['MODULE', 'LIST'],
    ['MODULE', 'LOAD', '/x.so'],
    ['MODULE', 'UNLOAD', 'x'],
    ['MODULE', 'HELP'],
    ['DEBUG', 'SLEEP', '0'],
    ['DEBUG', 'FOO'],
    ['DEBUG'],
    ['ROLE'],
    ['READONLY'],
    ['READWRITE'],
    ['WAIT', '0', '0'],
    ['WAIT', 'x', '0'],
    ['WAIT', '0', '-1'],
    ['WAIT', '0', 'x'],
    ['LOLWUT', 'VERSION', 'x'],
    ['LOLWUT'],
    ['SHUTDOWN', 'ABORT'],
    ['SHUTDOWN', 'NOSAVE', 'SAVE'],
    ['SHUTDOWN', 'ABORT', 'NOW'],
    ['SHUTDOWN', 'FOO'],
    ['REPLICAOF', 'NO', 'ONE'],
    ['SLAVEOF', 'NO', 'ONE'],
    ['FAILOVER'],
  ];
  for (const proto of [2, 3] as const) {
    const [a, b] = await Promise.all([replies(c.port, cmds, proto), replies(redis.port, cmds, proto)]);
    cmds.forEach((cmd, i) => t.equal(a[i]?.raw, b[i]?.raw, `${cmd.join(' ')} (RESP${proto})`));
  }
  const [[dump]] = await Promise.all([replies(redis.port, [['FUNCTION', 'DUMP']])]);
  const [restore] = await replies(c.port, [['FUNCTION', 'RESTORE', String(dump?.value)]]);
  t.equal(restore?.raw, '+OK\r\n', "Redis's empty FUNCTION DUMP payload restores");
});

t.test('TIME, LASTSAVE and the persistence commands Catena does not have', async (t) => {
  const c = await startCatena(t);
  const r = await RawClient.connect(c.port);
  t.teardown(() => r.close());
  r.send(['TIME']);
  const time = (await r.read()).value as string[];
  t.match(time[0], /^\d{10}$/, 'seconds');
  t.match(time[1], /^\d{1,6}$/, 'microseconds');
  t.ok(Math.abs(Number(time[0]) - Date.now() / 1000) < 5, 'now');
  const lastsave = await r.call('LASTSAVE');
  t.equal(lastsave, `:${Math.floor(c.server.startMs / 1000)}\r\n`, 'the start time, as a Redis that never saved');
  t.equal(await r.call('SAVE'), '-ERR SAVE is not supported by Catena\r\n');
  t.equal(await r.call('BGSAVE'), '-ERR BGSAVE is not supported by Catena\r\n');
  t.equal(await r.call('BGREWRITEAOF'), '-ERR BGREWRITEAOF is not supported by Catena\r\n');
  t.equal(await r.call('REPLICAOF', '127.0.0.1', '6379'), '-ERR REPLICAOF <host> <port> is not supported by Catena\r\n');
});

t.test('WAIT for replicas a standalone node does not have: 0 after the timeout', async (t) => {
  const c = await startCatena(t);
  const r = await RawClient.connect(c.port);
  t.teardown(() => r.close());
  const t0 = Date.now();
  t.equal(await r.call('WAIT', '1', '100'), ':0\r\n');
  t.ok(Date.now() - t0 >= 95, 'after the timeout');
  r.send(['MULTI'], ['WAIT', '1', '0'], ['EXEC']);
  t.equal((await r.read()).raw, '+OK\r\n');
  t.equal((await r.read()).raw, '+QUEUED\r\n');
  t.equal((await r.read()).raw, '*1\r\n:0\r\n', 'inside EXEC it answers at once');
});

t.test('DEBUG when enable-debug-command allows it', async (t) => {
  const c = await startCatena(t, { config: { 'enable-debug-command': 'local' } });
  const r = await RawClient.connect(c.port);
  t.teardown(() => r.close());
  const t0 = Date.now();
  t.equal(await r.call('DEBUG', 'SLEEP', '0.1'), '+OK\r\n');
  t.ok(Date.now() - t0 >= 95, 'DEBUG SLEEP delays the reply');
  t.match(await r.call('DEBUG', 'HELP'), /^\*\d+\r\n\+DEBUG <subcommand>/);
  t.equal(await r.call('DEBUG', 'FOO'), "-ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.\r\n");
  t.equal(await r.call('CONFIG', 'SET', 'enable-debug-command', 'no'), "-ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config\r\n");
});

t.test('SHUTDOWN closes the node without a reply', async (t) => {
  const c = await startCatena(t);
  const r = await RawClient.connect(c.port);
  t.teardown(() => r.close());
  r.send(['SHUTDOWN', 'NOSAVE']);
  t.ok(await r.waitClosed(), 'the connection closes');
  t.equal(r.pending(), '', 'with no reply');
  await t.rejects(RawClient.connect(c.port), 'the node no longer accepts connections');
});
