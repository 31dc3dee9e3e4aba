/**
 * Reads a V8 .cpuprofile (written by `node --cpu-prof`) and ranks functions by self time:
 * what to remove first. Pure.
 */

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  /** file:line (1-based), shortened to the path from the repository or node_modules. */
  location: string;
  selfMs: number;
  /** Share of the busy (non-idle) time, in percent. */
  percent: number;
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm);
  const dist = u.indexOf('/dist/');
  if (dist >= 0) return u.slice(dist + 1);
  return u;
}

/** Self time per function (same name and location merged), busiest first. */
export function selfTimes(p: CpuProfile): { rows: SelfTime[]; busyMs: number; idleMs: number } {
  const byId = new Map<number, CpuProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  if (samples.length > 0) {
    // timeDeltas[i] is the time before sample i; the time a sample stands for is the gap to the next.
    for (let i = 0; i < samples.length; i++) {
      const dt = (i + 1 < deltas.length ? deltas[i + 1] : 0) as number;
      const id = samples[i] as number;
      self.set(id, (self.get(id) ?? 0) + Math.max(0, dt));
    }
  } else {
    const total = p.endTime - p.startTime;
    const hits = p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
    for (const n of p.nodes) self.set(n.id, ((n.hitCount ?? 0) / hits) * total);
  }
  const merged = new Map<string, { name: string; location: string; us: number }>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of self) {
    const cf = (byId.get(id) as CpuProfileNode).callFrame;
    const name = cf.functionName || '(anonymous)';
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const location = cf.url ? `${shortUrl(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${name}@${location}`;
    const m = merged.get(key);
    if (m) m.us += us;
    else merged.set(key, { name, location, us });
  }
  const rows = [...merged.values()]
    .sort((a, b) => b.us - a.us)
    .map((m) => ({ name: m.name, location: m.location, selfMs: m.us / 1000, percent: busyUs > 0 ? (100 * m.us) / busyUs : 0 }));
  return { rows, busyMs: busyUs / 1000, idleMs: idleUs / 1000 };
}

/** Self time summed per source file; functions without a file (native, GC) keep their name. */
export function selfTimesByFile(rows: readonly SelfTime[]): Array<{ file: string; selfMs: number; percent: number }> {
  const m = new Map<string, { file: string; selfMs: number; percent: number }>();
  for (const r of rows) {
    const file = r.location === '' ? r.name : r.location.replace(/:\d+$/, '');
    const e = m.get(file);
    if (e) {
      e.selfMs += r.selfMs;
      e.percent += r.percent;
    } else m.set(file, { file, selfMs: r.selfMs, percent: r.percent });
  }
  return [...m.values()].sort((a, b) => b.selfMs - a.selfMs);
}

export function formatSelfTimes(r: { rows: SelfTime[]; busyMs: number; idleMs: number }, top = 30): string {
  const lines = [`busy ${r.busyMs.toFixed(0)} ms, idle ${r.idleMs.toFixed(0)} ms`, '  self ms     %  function  (location)'];
  for (const x of r.rows.slice(0, top)) {
    lines.push(`${x.selfMs.toFixed(1).padStart(8)} ${x.percent.toFixed(1).padStart(5)}  ${x.name}  ${x.location ? `(${x.location})` : ''}`);
  }
  lines.push('', '  self ms     %  by file');
  for (const f of selfTimesByFile(r.rows).slice(0, 20)) lines.push(`${f.selfMs.toFixed(1).padStart(8)} ${f.percent.toFixed(1).padStart(5)}  ${f.file}`);
  return lines.join('\n');
}
