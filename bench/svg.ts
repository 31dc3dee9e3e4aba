/**
 * The ratio chart next to docs/benchmarks.md: horizontal grouped bars of Catena/Redis
 * throughput per workload, one bar per series (configuration × pipeline), with Redis = 1.0
 * marked. Plain SVG text, no dependency, deterministic for the same input. Pure.
 */

export interface ChartSeries {
  label: string;
  color: string;
}

export interface ChartRow {
  label: string;
  /** One value per series; null where there is no measurement. */
  values: Array<number | null>;
  /** Shown instead of bars when every value is null ("not implemented yet"). */
  note?: string;
}

export interface ChartSpec {
  title: string;
  subtitle?: string;
  series: ChartSeries[];
  rows: ChartRow[];
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The axis end: at least 1.25 (so parity shows), rounded up to a quarter. */
export function axisMax(values: Array<number | null>): number {
  let m = 1.25;
  for (const v of values) if (v !== null && Number.isFinite(v) && v > m) m = v;
  return Math.ceil(m * 4) / 4;
}

export const seriesColors = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];

export function renderRatioChart(spec: ChartSpec): string {
  const width = 760;
  const left = 150;
  const right = 60;
  const top = spec.subtitle ? 64 : 48;
  const barH = 11;
  const barGap = 2;
  const rowGap = 10;
  const nSeries = Math.max(1, spec.series.length);
  const rowH = nSeries * (barH + barGap) - barGap + rowGap;
  const plotH = Math.max(1, spec.rows.length) * rowH;
  const legendH = 14 + 18 * Math.ceil(spec.series.length / 3);
  const height = top + plotH + 30 + legendH;
  const plotW = width - left - right;
  const xMax = axisMax(spec.rows.flatMap((r) => r.values));
  const x = (v: number) => left + (Math.max(0, v) / xMax) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="22" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="${left}" y="40" fill="#555555">${escapeXml(spec.subtitle)}</text>`);
  // Grid and axis labels every 0.25.
  for (let g = 0; g <= xMax + 1e-9; g += 0.25) {
    const gx = x(g).toFixed(1);
    const strong = Math.abs(g - 1) < 1e-9;
    out.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + plotH}" stroke="${strong ? '#333333' : '#e0e0e0'}" stroke-width="${strong ? 1.5 : 1}"${strong ? ' stroke-dasharray="4 3"' : ''}/>`);
    out.push(`<text x="${gx}" y="${top + plotH + 14}" text-anchor="middle" fill="#555555">${g.toFixed(2)}</text>`);
  }
  out.push(`<text x="${x(1).toFixed(1)}" y="${top - 10}" text-anchor="middle" fill="#333333">Redis = 1.00</text>`);
  spec.rows.forEach((row, i) => {
    const y0 = top + i * rowH;
    const mid = y0 + (rowH - rowGap) / 2;
    out.push(`<text x="${left - 8}" y="${(mid + 4).toFixed(1)}" text-anchor="end">${escapeXml(row.label)}</text>`);
    if (row.values.every((v) => v === null || !Number.isFinite(v))) {
      out.push(`<text x="${left + 6}" y="${(mid + 4).toFixed(1)}" fill="#888888" font-style="italic">${escapeXml(row.note ?? 'no measurement')}</text>`);
      return;
    }
    row.values.forEach((v, s) => {
      const by = y0 + s * (barH + barGap);
      const color = spec.series[s]?.color ?? '#888888';
      if (v === null || !Number.isFinite(v)) {
        out.push(`<text x="${left + 4}" y="${by + barH - 2}" fill="#888888" font-size="9">—</text>`);
        return;
      }
      const w = Math.max(0.5, x(v) - left);
      out.push(`<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="${barH}" fill="${color}"/>`);
      out.push(`<text x="${(left + w + 4).toFixed(1)}" y="${by + barH - 2}" font-size="10">${v.toFixed(2)}</text>`);
    });
  });
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 28}" text-anchor="middle" fill="#333333">Catena throughput / Redis throughput (higher is better)</text>`);
  spec.series.forEach((s, i) => {
    const lx = left + (i % 3) * 200;
    const ly = top + plotH + 44 + Math.floor(i / 3) * 18;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="10" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 17}" y="${ly}">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
