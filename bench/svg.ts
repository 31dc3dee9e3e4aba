/**
 * The ratio chart next to docs/benchmarks.md: Catena/Redis throughput as horizontal grouped
 * bars, one panel per pipeline depth side by side (the same axis in every panel), one row
 * per workload and value size, one bar per series (a configuration, in a fixed color), each
 * bar labelled with its ratio; Redis = 1.0 marked. A row a series did not run leaves its bar
 * out. Plain SVG text, no dependency, deterministic for the same input. Pure.
 */

export interface ChartSeries {
  label: string;
  color: string;
}

export interface ChartRow {
  label: string;
  /** values[panel][series]; null where there is no measurement. */
  values: Array<Array<number | null>>;
  /** Shown in a panel instead of bars when every value of that panel is null ("not implemented yet"). */
  note?: string;
  /** notes[panel][series]: a short text in place of a missing bar ("CROSSSLOT"); none for null. */
  notes?: Array<Array<string | null>>;
}

export interface ChartSpec {
  title: string;
  subtitle?: string;
  /** Panel titles, e.g. "pipeline 1", "pipeline 16". */
  panels: string[];
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

const finite = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);

export function renderRatioChart(spec: ChartSpec): string {
  const left = 120;
  const right = 16;
  const panelW = 330;
  const panelGap = 34;
  const nPanels = Math.max(1, spec.panels.length);
  const width = left + nPanels * panelW + (nPanels - 1) * panelGap + right;
  // Legend columns as wide as the longest label (about 6.2 px a character at 11 px).
  const legendW = Math.max(150, Math.ceil(Math.max(0, ...spec.series.map((x) => x.label.length)) * 6.2) + 34);
  const legendCols = Math.max(1, Math.floor((width - left) / legendW));
  const legendH = 18 * Math.ceil(spec.series.length / legendCols);
  const top = (spec.subtitle ? 58 : 42) + legendH + 34;
  const barH = 10;
  const barGap = 2;
  const rowGap = 12;
  const nSeries = Math.max(1, spec.series.length);
  const rowH = nSeries * (barH + barGap) - barGap + rowGap;
  const plotH = Math.max(1, spec.rows.length) * rowH;
  const height = top + plotH + 40;
  const xMax = axisMax(spec.rows.flatMap((r) => r.values.flat()));
  const panelX = (p: number) => left + p * (panelW + panelGap);
  const x = (p: number, v: number) => panelX(p) + (Math.max(0, v) / xMax) * (panelW - 30);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="12" y="40" fill="#555555">${escapeXml(spec.subtitle)}</text>`);
  // Legend: one swatch per series, above the panels.
  const legendTop = (spec.subtitle ? 58 : 42) + 4;
  spec.series.forEach((s, i) => {
    const lx = left + (i % legendCols) * legendW;
    const ly = legendTop + Math.floor(i / legendCols) * 18;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="10" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 17}" y="${ly}">${escapeXml(s.label)}</text>`);
  });
  spec.panels.forEach((title, p) => {
    out.push(`<text x="${(panelX(p) + (panelW - 30) / 2).toFixed(1)}" y="${top - 22}" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`);
    // Grid and axis labels every 0.25.
    for (let g = 0; g <= xMax + 1e-9; g += 0.25) {
      const gx = x(p, g).toFixed(1);
      const strong = Math.abs(g - 1) < 1e-9;
      out.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + plotH}" stroke="${strong ? '#333333' : '#e0e0e0'}" stroke-width="${strong ? 1.5 : 1}"${strong ? ' stroke-dasharray="4 3"' : ''}/>`);
      if (Math.abs(g * 2 - Math.round(g * 2)) < 1e-9) out.push(`<text x="${gx}" y="${top + plotH + 14}" text-anchor="middle" fill="#555555">${g.toFixed(1)}</text>`);
    }
    out.push(`<text x="${x(p, 1).toFixed(1)}" y="${top - 9}" text-anchor="middle" fill="#333333" font-size="10">Redis = 1.0</text>`);
  });
  spec.rows.forEach((row, i) => {
    const y0 = top + i * rowH;
    const mid = y0 + (rowH - rowGap) / 2;
    if (i > 0) out.push(`<line x1="12" y1="${(y0 - rowGap / 2).toFixed(1)}" x2="${width - right}" y2="${(y0 - rowGap / 2).toFixed(1)}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${left - 8}" y="${(mid + 4).toFixed(1)}" text-anchor="end">${escapeXml(row.label)}</text>`);
    spec.panels.forEach((_, p) => {
      const values = row.values[p] ?? [];
      if (!values.some(finite)) {
        out.push(`<text x="${panelX(p) + 6}" y="${(mid + 4).toFixed(1)}" fill="#888888" font-style="italic">${escapeXml(row.note ?? 'no measurement')}</text>`);
        return;
      }
      values.forEach((v, s) => {
        const by = y0 + s * (barH + barGap);
        if (!finite(v)) {
          const n = row.notes?.[p]?.[s];
          if (n !== undefined && n !== null) out.push(`<text x="${panelX(p) + 3}" y="${by + barH - 1}" font-size="9" fill="#888888" font-style="italic">${escapeXml(n)}</text>`);
          return;
        }
        const w = Math.max(1, x(p, v) - panelX(p));
        out.push(`<rect x="${panelX(p)}" y="${by}" width="${w.toFixed(1)}" height="${barH}" fill="${spec.series[s]?.color ?? '#888888'}"/>`);
        out.push(`<text x="${(panelX(p) + w + 3).toFixed(1)}" y="${by + barH - 1}" font-size="9" stroke="#ffffff" stroke-width="3" paint-order="stroke">${v.toFixed(2)}</text>`);
      });
    });
  });
  out.push(`<text x="${(left + (width - left - right) / 2).toFixed(1)}" y="${top + plotH + 32}" text-anchor="middle" fill="#333333">Catena throughput / Redis throughput (higher is better)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
