/**
 * The CONFIG parameter table (Redis 7.0's parameters with their defaults and validation).
 */
import type { ParamDef } from './config';

const int = (min: number, max: number) => (v: string) => {
  if (!/^-?\d+$/.test(v)) return { error: 'argument couldn\'t be parsed into an integer' };
  const n = Number(v);
  if (n < min || n > max) return { error: `argument must be between ${min} and ${max} inclusive` };
  return { ok: String(n) };
};

export const paramDefs: ParamDef[] = [
  { name: 'port', default: '7001', applied: true, immutable: true },
  { name: 'bind', default: '127.0.0.1', applied: true, immutable: true },
  { name: 'requirepass', default: '', applied: true },
  { name: 'databases', default: '16', applied: true, immutable: true },
  { name: 'proto-max-bulk-len', default: '536870912', applied: true, parse: int(1024 * 1024, Number.MAX_SAFE_INTEGER) },
  { name: 'client-query-buffer-limit', default: '1073741824', applied: true, parse: int(1024 * 1024, Number.MAX_SAFE_INTEGER) },
  { name: 'notify-keyspace-events', default: '', applied: true },
  { name: 'slowlog-log-slower-than', default: '10000', applied: true, parse: int(-1, Number.MAX_SAFE_INTEGER) },
  { name: 'slowlog-max-len', default: '128', applied: true, parse: int(0, 2147483647) },
  { name: 'maxclients', default: '10000', applied: true, parse: int(1, 2147483647) },
  { name: 'timeout', default: '0', applied: false, parse: int(0, 2147483647) },
  { name: 'hz', default: '10', applied: false, parse: int(0, 2147483647) },
];
