/**
 * INFO: the report Redis 7.0's genRedisInfoString writes — "# Section" headers, `field:value`
 * lines ending in \r\n, sections chosen by name or by "default"/"all"/"everything", always in
 * Redis's order. Reads the server's counters, config, sessions and keyspace; changes nothing
 * but the instantaneous-metric samples it keeps for itself.
 */
import * as os from 'node:os';
import type { CatenaServer } from './server';
import { catenaVersion } from './server';
import { redisVersion } from '../commands/table';
import { unixTimeUs } from './slowlog';

/** Redis's section order; the names INFO accepts. "modules" is Redis's module_list section. */
const sectionOrder = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'commandstats',
  'errorstats',
  'latencystats',
  'cluster',
  'keyspace',
] as const;
type Section = (typeof sectionOrder)[number];

const defaultSections = new Set<Section>(['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace']);

/** Redis genInfoSectionDict: the union of the named sections; unknown names add nothing. */
export function infoSections(args: string[]): Set<Section> {
  if (args.length === 0) return new Set(defaultSections);
  const out = new Set<Section>();
  for (const a of args) {
    const name = a.toLowerCase();
    if (name === 'all' || name === 'everything') for (const s of sectionOrder) out.add(s);
    else if (name === 'default') for (const s of defaultSections) out.add(s);
    else if ((sectionOrder as readonly string[]).includes(name)) out.add(name as Section);
  }
  return out;
}

/** Redis bytesToHuman. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let d = n / 1024;
  for (const u of units) {
    if (d < 1024 || u === 'P') return `${d.toFixed(2)}${u}`;
    d /= 1024;
  }
  return `${n}B`;
}

/**
 * Redis's instantaneous metrics: the average of the last 16 samples, one per 100 ms. Catena
 * samples lazily when INFO is asked: the time since the previous sample counts as that many
 * 100 ms samples (at most 16) of the average rate over it, which is what Redis's cron would
 * have recorded for an even load.
 */
class InstantaneousMetric {
  private readonly samples: number[] = [];
  private lastMs: number;
  private lastValue = 0;

  constructor(nowMs: number) {
    this.lastMs = nowMs;
  }

  /** Per-second rate of `value` (a running total). */
  rate(nowMs: number, value: number): number {
    const dt = nowMs - this.lastMs;
    if (dt >= 100) {
      const perSec = ((value - this.lastValue) * 1000) / dt;
      for (let n = Math.min(16, Math.floor(dt / 100)); n > 0; n--) {
        this.samples.push(perSec);
        if (this.samples.length > 16) this.samples.shift();
      }
      this.lastMs = nowMs;
      this.lastValue = value;
    }
    if (this.samples.length === 0) return 0;
    return this.samples.reduce((a, b) => a + b, 0) / this.samples.length;
  }
}

interface Metrics {
  ops: InstantaneousMetric;
  netIn: InstantaneousMetric;
  netOut: InstantaneousMetric;
  peakMemory: number;
  replId: string;
}

const metricsOf = new WeakMap<CatenaServer, Metrics>();

function metrics(server: CatenaServer): Metrics {
  let m = metricsOf.get(server);
  if (m === undefined) {
    const now = Date.now();
    const used = usedMemory();
    m = {
      ops: new InstantaneousMetric(now),
      netIn: new InstantaneousMetric(now),
      netOut: new InstantaneousMetric(now),
      peakMemory: used,
      replId: server.runId.split('').reverse().join(''),
    };
    metricsOf.set(server, m);
  }
  return m;
}

/** used_memory_startup: what the process used once Catena's code was loaded (shared by nodes in one process). */
const startupMemory = usedMemory();

/** CONFIG RESETSTAT: the rate samples restart (the counters they follow were reset). */
export function resetInfoMetrics(server: CatenaServer): void {
  const m = metricsOf.get(server);
  if (m === undefined) return;
  const now = Date.now();
  m.ops = new InstantaneousMetric(now);
  m.netIn = new InstantaneousMetric(now);
  m.netOut = new InstantaneousMetric(now);
}

/**
 * used_memory: the bytes the node process has allocated for JS objects and buffers (V8 heap
 * in use plus memory outside the heap: Buffers, RawString storage). It is the honest analogue
 * of Redis's zmalloc counter; it includes Catena's own code and is measured, not computed.
 */
function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function pct(a: number, b: number): string {
  return b === 0 ? '0.00%' : `${((a * 100) / b).toFixed(2)}%`;
}

function netTotals(server: CatenaServer): { input: number; output: number } {
  let input = server.stats.netInputBytes;
  let output = server.stats.netOutputBytes;
  for (const s of server.sessions.values()) {
    input += s.bytesIn;
    output += s.bytesOut;
  }
  return { input, output };
}

/** INFO's text for `sections` (as chosen by infoSections). */
export function infoText(server: CatenaServer, sections: Set<Section>): string {
  const parts: string[] = [];
  for (const name of sectionOrder) {
    if (!sections.has(name)) continue;
    parts.push(sectionText(server, name));
  }
  return parts.join('\r\n');
}

function lines(title: string, fields: Array<[string, string | number]>): string {
  let out = `# ${title}\r\n`;
  for (const [k, v] of fields) out += `${k}:${v}\r\n`;
  return out;
}

function sectionText(server: CatenaServer, name: Section): string {
  const m = metrics(server);
  const nowMs = Date.now();
  switch (name) {
    case 'server': {
      const uptime = Math.floor((nowMs - server.startMs) / 1000);
      const hz = server.config.get('hz');
      return lines('Server', [
        ['redis_version', redisVersion],
        ['redis_git_sha1', '00000000'],
        ['redis_git_dirty', 0],
        ['redis_build_id', '0'],
        ['redis_mode', 'standalone'],
        ['catena_version', catenaVersion],
        ['os', `${os.type()} ${os.release()} ${os.machine()}`],
        ['arch_bits', process.arch.endsWith('64') ? 64 : 32],
        ['monotonic_clock', 'POSIX clock_gettime'],
        ['multiplexing_api', process.platform === 'linux' ? 'epoll' : process.platform === 'win32' ? 'iocp' : 'kqueue'],
        ['node_version', process.versions.node],
        ['process_id', process.pid],
        ['process_supervised', 'no'],
        ['run_id', server.runId],
        ['tcp_port', server.port],
        ['server_time_usec', unixTimeUs()],
        ['uptime_in_seconds', uptime],
        ['uptime_in_days', Math.floor(uptime / 86400)],
        ['hz', hz],
        ['configured_hz', hz],
        ['lru_clock', Math.floor(nowMs / 1000) & ((1 << 24) - 1)],
        ['executable', process.argv[1] ?? process.execPath],
        ['config_file', ''],
        ['io_threads_active', 0],
      ]);
    }
    case 'clients': {
      let maxIn = 0;
      for (const s of server.sessions.values()) maxIn = Math.max(maxIn, s.reader.bufferedBytes);
      let maxOut = 0;
      for (const s of server.sessions.values()) maxOut = Math.max(maxOut, s.socket.writableLength);
      return lines('Clients', [
        ['connected_clients', server.sessions.size],
        ['cluster_connections', 0],
        ['maxclients', server.config.get('maxclients')],
        ['client_recent_max_input_buffer', maxIn],
        ['client_recent_max_output_buffer', maxOut],
        ['blocked_clients', server.blocking.blockedCount],
        ['tracking_clients', 0],
        ['clients_in_timeout_table', server.blocking.timeoutCount],
      ]);
    }
    case 'memory': {
      const mu = process.memoryUsage();
      const used = mu.heapUsed + mu.external;
      if (used > m.peakMemory) m.peakMemory = used;
      const total = os.totalmem();
      const maxmemory = server.config.get('maxmemory');
      const overhead = startupMemory;
      const dataset = Math.max(0, used - overhead);
      return lines('Memory', [
        ['used_memory', used],
        ['used_memory_human', bytesToHuman(used)],
        ['used_memory_rss', mu.rss],
        ['used_memory_rss_human', bytesToHuman(mu.rss)],
        ['used_memory_peak', m.peakMemory],
        ['used_memory_peak_human', bytesToHuman(m.peakMemory)],
        ['used_memory_peak_perc', pct(used, m.peakMemory)],
        ['used_memory_overhead', overhead],
        ['used_memory_startup', startupMemory],
        ['used_memory_dataset', dataset],
        ['used_memory_dataset_perc', pct(dataset, used - startupMemory > 0 ? used - startupMemory : used)],
        ['allocator_allocated', mu.heapUsed],
        ['allocator_active', mu.heapTotal],
        ['allocator_resident', mu.rss],
        ['total_system_memory', total],
        ['total_system_memory_human', bytesToHuman(total)],
        ['used_memory_lua', 0],
        ['used_memory_vm_eval', 0],
        ['used_memory_lua_human', '0B'],
        ['used_memory_scripts_eval', 0],
        ['number_of_cached_scripts', 0],
        ['number_of_functions', 0],
        ['number_of_libraries', 0],
        ['used_memory_vm_functions', 0],
        ['used_memory_vm_total', 0],
        ['used_memory_vm_total_human', '0B'],
        ['used_memory_functions', 0],
        ['used_memory_scripts', 0],
        ['used_memory_scripts_human', '0B'],
        ['maxmemory', maxmemory],
        ['maxmemory_human', bytesToHuman(Number(maxmemory))],
        ['maxmemory_policy', server.config.get('maxmemory-policy')],
        ['allocator_frag_ratio', (mu.heapTotal / Math.max(1, mu.heapUsed)).toFixed(2)],
        ['allocator_frag_bytes', mu.heapTotal - mu.heapUsed],
        ['allocator_rss_ratio', (mu.rss / Math.max(1, mu.heapTotal)).toFixed(2)],
        ['allocator_rss_bytes', mu.rss - mu.heapTotal],
        ['rss_overhead_ratio', '1.00'],
        ['rss_overhead_bytes', 0],
        ['mem_fragmentation_ratio', (mu.rss / Math.max(1, used)).toFixed(2)],
        ['mem_fragmentation_bytes', mu.rss - used],
        ['mem_not_counted_for_evict', 0],
        ['mem_replication_backlog', 0],
        ['mem_total_replication_buffers', 0],
        ['mem_clients_slaves', 0],
        ['mem_clients_normal', 0],
        ['mem_cluster_links', 0],
        ['mem_aof_buffer', 0],
        ['mem_allocator', `v8-${process.versions.v8}`],
        ['active_defrag_running', 0],
        ['lazyfree_pending_objects', 0],
        ['lazyfreed_objects', 0],
      ]);
    }
    case 'persistence': {
      const started = Math.floor(server.startMs / 1000);
      return lines('Persistence', [
        ['loading', 0],
        ['async_loading', 0],
        ['current_cow_peak', 0],
        ['current_cow_size', 0],
        ['current_cow_size_age', 0],
        ['current_fork_perc', '0.00'],
        ['current_save_keys_processed', 0],
        ['current_save_keys_total', 0],
        ['rdb_changes_since_last_save', 0],
        ['rdb_bgsave_in_progress', 0],
        ['rdb_last_save_time', started],
        ['rdb_last_bgsave_status', 'ok'],
        ['rdb_last_bgsave_time_sec', -1],
        ['rdb_current_bgsave_time_sec', -1],
        ['rdb_saves', 0],
        ['rdb_last_cow_size', 0],
        ['rdb_last_load_keys_expired', 0],
        ['rdb_last_load_keys_loaded', 0],
        ['aof_enabled', 0],
        ['aof_rewrite_in_progress', 0],
        ['aof_rewrite_scheduled', 0],
        ['aof_last_rewrite_time_sec', -1],
        ['aof_current_rewrite_time_sec', -1],
        ['aof_last_bgrewrite_status', 'ok'],
        ['aof_rewrites', 0],
        ['aof_rewrites_consecutive_failures', 0],
        ['aof_last_write_status', 'ok'],
        ['aof_last_cow_size', 0],
        ['module_fork_in_progress', 0],
        ['module_fork_last_cow_size', 0],
      ]);
    }
    case 'stats': {
      const st = server.stats;
      const es = server.engine.stats;
      const net = netTotals(server);
      const ps = server.pubsub;
      return lines('Stats', [
        ['total_connections_received', st.totalConnectionsReceived],
        ['total_commands_processed', st.totalCommandsProcessed],
        ['instantaneous_ops_per_sec', Math.round(m.ops.rate(nowMs, st.totalCommandsProcessed))],
        ['total_net_input_bytes', net.input],
        ['total_net_output_bytes', net.output],
        ['total_net_repl_input_bytes', 0],
        ['total_net_repl_output_bytes', 0],
        ['instantaneous_input_kbps', (m.netIn.rate(nowMs, net.input) / 1024).toFixed(2)],
        ['instantaneous_output_kbps', (m.netOut.rate(nowMs, net.output) / 1024).toFixed(2)],
        ['instantaneous_input_repl_kbps', '0.00'],
        ['instantaneous_output_repl_kbps', '0.00'],
        ['rejected_connections', st.rejectedConnections],
        ['sync_full', 0],
        ['sync_partial_ok', 0],
        ['sync_partial_err', 0],
        ['expired_keys', es.expiredKeys],
        ['expired_stale_perc', '0.00'],
        ['expired_time_cap_reached_count', 0],
        ['expire_cycle_cpu_milliseconds', 0],
        ['evicted_keys', 0],
        ['evicted_clients', 0],
        ['total_eviction_exceeded_time', 0],
        ['current_eviction_exceeded_time', 0],
        ['keyspace_hits', es.keyspaceHits],
        ['keyspace_misses', es.keyspaceMisses],
        ['pubsub_channels', ps.activeChannels(false, undefined).length],
        ['pubsub_patterns', ps.patternCount],
        ['pubsubshard_channels', ps.activeChannels(true, undefined).length],
        ['latest_fork_usec', 0],
        ['total_forks', 0],
        ['migrate_cached_sockets', 0],
        ['slave_expires_tracked_keys', 0],
        ['active_defrag_hits', 0],
        ['active_defrag_misses', 0],
        ['active_defrag_key_hits', 0],
        ['active_defrag_key_misses', 0],
        ['total_active_defrag_time', 0],
        ['current_active_defrag_time', 0],
        ['tracking_total_keys', 0],
        ['tracking_total_items', 0],
        ['tracking_total_prefixes', 0],
        ['unexpected_error_replies', 0],
        ['total_error_replies', st.totalErrorReplies],
        ['dump_payload_sanitizations', 0],
        ['total_reads_processed', 0],
        ['total_writes_processed', 0],
        ['io_threaded_reads_processed', 0],
        ['io_threaded_writes_processed', 0],
        ['reply_buffer_shrinks', 0],
        ['reply_buffer_expands', 0],
      ]);
    }
    case 'replication':
      return lines('Replication', [
        ['role', 'master'],
        ['connected_slaves', 0],
        ['master_failover_state', 'no-failover'],
        ['master_replid', m.replId],
        ['master_replid2', '0'.repeat(40)],
        ['master_repl_offset', 0],
        ['second_repl_offset', -1],
        ['repl_backlog_active', 0],
        ['repl_backlog_size', server.config.get('repl-backlog-size')],
        ['repl_backlog_first_byte_offset', 0],
        ['repl_backlog_histlen', 0],
        ...(server.cluster === null ? [] : server.cluster.infoLines().map((l): [string, string] => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)])),
      ]);
    case 'cpu': {
      const cpu = process.cpuUsage();
      const sys = (cpu.system / 1e6).toFixed(6);
      const user = (cpu.user / 1e6).toFixed(6);
      return lines('CPU', [
        ['used_cpu_sys', sys],
        ['used_cpu_user', user],
        ['used_cpu_sys_children', '0.000000'],
        ['used_cpu_user_children', '0.000000'],
        ['used_cpu_sys_main_thread', sys],
        ['used_cpu_user_main_thread', user],
      ]);
    }
    case 'modules':
      return lines('Modules', []);
    case 'commandstats': {
      const fields: Array<[string, string]> = [];
      for (const [cmd, c] of server.stats.commands) {
        if (c.calls === 0 && c.rejectedCalls === 0 && c.failedCalls === 0) continue;
        const perCall = c.calls === 0 ? 0 : c.usec / c.calls;
        fields.push([
          `cmdstat_${cmd}`,
          `calls=${c.calls},usec=${c.usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${c.rejectedCalls},failed_calls=${c.failedCalls}`,
        ]);
      }
      return lines('Commandstats', fields);
    }
    case 'errorstats': {
      const fields: Array<[string, string]> = [];
      for (const [code, n] of server.stats.errors) fields.push([`errorstat_${code}`, `count=${n}`]);
      return lines('Errorstats', fields);
    }
    case 'latencystats':
      // Catena keeps no per-command latency histograms (documented in docs/config.md).
      return lines('Latencystats', []);
    case 'cluster':
      return lines('Cluster', [['cluster_enabled', server.cluster === null ? 0 : 1]]);
    case 'keyspace': {
      const fields: Array<[string, string]> = [];
      server.ks.dbs.forEach((db, i) => {
        if (db.size === 0) return;
        fields.push([`db${i}`, `keys=${db.size},expires=${db.expires.size},avg_ttl=${averageTtl(db.expires, nowMs)}`]);
      });
      return lines('Keyspace', fields);
    }
  }
}

/** Redis estimates avg_ttl from the keys its expiry cycle samples; Catena samples up to 20 keys. */
function averageTtl(expires: Map<string, number>, nowMs: number): number {
  let n = 0;
  let sum = 0;
  for (const at of expires.values()) {
    if (at > nowMs) {
      sum += at - nowMs;
      n++;
    }
    if (n >= 20) break;
  }
  return n === 0 ? 0 : Math.round(sum / n);
}
