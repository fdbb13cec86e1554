/**
 * A grouped bar chart as standalone SVG text, in the style of the FlashAttention-3 paper's speed
 * figures: one panel per configuration, sequence lengths along x, one bar per implementation,
 * the value printed above each bar. No browser, no Python, no dependencies.
 *
 * Every bar is a <rect class="bar"> carrying data-series, data-category and data-value, and each
 * panel a <g class="panel"> carrying data-ymax, data-plot-height and data-baseline, so a test can
 * check that each bar's height is value / ymax x plot height and that it stands on the baseline.
 */

export interface BarSeries {
  label: string;
  /** One value per category; null where this series has no figure. */
  values: (number | null)[];
}

export interface BarPanel {
  title: string;
  categories: string[];
  series: BarSeries[];
}

export interface BarChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** Unit of the values, for each bar's tooltip ('TFLOP/s'). */
  unit?: string;
  panels: BarPanel[];
  /** Panels per row. */
  columns: number;
  /** Series labels in legend (and color) order; default: order of first appearance. */
  seriesOrder?: string[];
}

/** Colors by series position: distinguishable, and printable in grey. */
export const PALETTE = ['#4c72b0', '#55a868', '#8172b2', '#ccb974', '#64b5cd', '#8c8c8c', '#c44e52'];
/** The series named 'ours...' always gets this color, as FA3 is red in the paper's figures. */
export const OURS_COLOR = '#c44e52';

const PANEL_W = 480;
const PANEL_H = 300;
const MARGIN = { left: 54, right: 12, top: 34, bottom: 46 };
const TITLE_H = 58;
const LEGEND_ROW_H = 22;
const GROUP_FILL = 0.82;
/** Bars narrower than this get their value written vertically. */
const HORIZONTAL_LABEL_MIN_BAR = 18;

/** Escapes text for XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const f2 = (x: number): string => String(Math.round(x * 100) / 100);

/** The smallest "nice" number (1, 2, 2.5, 5 x 10^k) >= x. */
export function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x - 1e-12 * p) return m * p;
  return 10 * p;
}

/** Axis top and tick step for data up to `max`: about five ticks, with room above the tallest bar. */
export function yAxis(max: number): { yMax: number; step: number } {
  const TICKS = 5;
  const HEADROOM = 1.12;
  const step = niceStep((max > 0 ? max * HEADROOM : 1) / TICKS);
  return { yMax: Math.ceil((max > 0 ? max * HEADROOM : 1) / step - 1e-9) * step, step };
}

/** A value as printed above a bar: integers from 10 up, else three significant digits. */
export function formatBarValue(v: number): string {
  if (Math.abs(v) >= 10) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

function seriesColors(order: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>();
  let next = 0;
  for (const label of order) {
    if (label.toLowerCase().startsWith('ours')) colors.set(label, OURS_COLOR);
    else colors.set(label, PALETTE[next++ % (PALETTE.length - 1)]!);
  }
  return colors;
}

function renderPanel(p: BarPanel, x0: number, y0: number, colors: Map<string, string>, chart: BarChart): string {
  const plotW = PANEL_W - MARGIN.left - MARGIN.right;
  const plotH = PANEL_H - MARGIN.top - MARGIN.bottom;
  const left = x0 + MARGIN.left;
  const top = y0 + MARGIN.top;
  const baseline = top + plotH;
  const values = p.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const { yMax, step } = yAxis(Math.max(0, ...values));
  const out: string[] = [];
  out.push(`<g class="panel" data-ymax="${yMax}" data-plot-height="${f2(plotH)}" data-baseline="${f2(baseline)}">`);
  out.push(`<text class="panel-title" x="${f2(x0 + PANEL_W / 2)}" y="${f2(y0 + 20)}" text-anchor="middle" font-size="13" font-weight="bold">${xmlEscape(p.title)}</text>`);
  for (let t = 0; t <= yMax + 1e-9; t += step) {
    const y = baseline - (t / yMax) * plotH;
    out.push(`<line x1="${f2(left)}" y1="${f2(y)}" x2="${f2(left + plotW)}" y2="${f2(y)}" stroke="#e0e0e0" stroke-width="1"/>`);
    out.push(`<text class="tick" x="${f2(left - 6)}" y="${f2(y + 4)}" text-anchor="end" font-size="10">${formatBarValue(t)}</text>`);
  }
  const nCat = Math.max(1, p.categories.length);
  const groupW = plotW / nCat;
  const nSer = Math.max(1, p.series.length);
  const barW = (groupW * GROUP_FILL) / nSer;
  p.categories.forEach((cat, g) => {
    const gx = left + g * groupW + (groupW * (1 - GROUP_FILL)) / 2;
    p.series.forEach((s, i) => {
      const v = s.values[g];
      const x = gx + i * barW;
      const cx = x + barW / 2;
      if (v === null || v === undefined || !Number.isFinite(v)) {
        out.push(`<text class="na" x="${f2(cx)}" y="${f2(baseline - 3)}" text-anchor="middle" font-size="8" fill="#888">n/a</text>`);
        return;
      }
      const h = (Math.max(0, v) / yMax) * plotH;
      const y = baseline - h;
      const label = `${s.label}, ${cat}: ${formatBarValue(v)}${chart.unit ? ` ${chart.unit}` : ''}`;
      out.push(
        `<rect class="bar" x="${f2(x)}" y="${f2(y)}" width="${f2(barW * 0.94)}" height="${f2(h)}" fill="${colors.get(s.label) ?? PALETTE[0]}" ` +
          `data-series="${xmlEscape(s.label)}" data-category="${xmlEscape(cat)}" data-value="${v}"><title>${xmlEscape(label)}</title></rect>`,
      );
      const text = formatBarValue(v);
      if (barW >= HORIZONTAL_LABEL_MIN_BAR) {
        out.push(`<text class="value" x="${f2(cx)}" y="${f2(y - 3)}" text-anchor="middle" font-size="9">${text}</text>`);
      } else {
        out.push(
          `<text class="value" x="${f2(cx + 3)}" y="${f2(y - 3)}" transform="rotate(-90 ${f2(cx + 3)} ${f2(y - 3)})" font-size="9">${text}</text>`,
        );
      }
    });
    out.push(`<text class="category" x="${f2(left + (g + 0.5) * groupW)}" y="${f2(baseline + 15)}" text-anchor="middle" font-size="11">${xmlEscape(cat)}</text>`);
  });
  out.push(`<line x1="${f2(left)}" y1="${f2(baseline)}" x2="${f2(left + plotW)}" y2="${f2(baseline)}" stroke="#333" stroke-width="1"/>`);
  out.push(`<line x1="${f2(left)}" y1="${f2(top)}" x2="${f2(left)}" y2="${f2(baseline)}" stroke="#333" stroke-width="1"/>`);
  out.push(`<text class="axis-label" x="${f2(left + plotW / 2)}" y="${f2(baseline + 34)}" text-anchor="middle" font-size="11">${xmlEscape(chart.xLabel)}</text>`);
  const ly = top + plotH / 2;
  out.push(`<text class="axis-label" x="${f2(x0 + 14)}" y="${f2(ly)}" transform="rotate(-90 ${f2(x0 + 14)} ${f2(ly)})" text-anchor="middle" font-size="11">${xmlEscape(chart.yLabel)}</text>`);
  out.push('</g>');
  return out.join('\n');
}

/** The chart as a standalone SVG document. */
export function renderBarChart(chart: BarChart): string {
  const order = chart.seriesOrder ?? [...new Set(chart.panels.flatMap((p) => p.series.map((s) => s.label)))];
  const colors = seriesColors(order);
  const cols = Math.max(1, Math.min(chart.columns, chart.panels.length));
  const rows = Math.ceil(chart.panels.length / cols);
  const width = cols * PANEL_W;
  const height = TITLE_H + LEGEND_ROW_H + rows * PANEL_H + 8;
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text class="title" x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${xmlEscape(chart.title)}</text>`);
  if (chart.subtitle) {
    out.push(`<text class="subtitle" x="${width / 2}" y="44" text-anchor="middle" font-size="11" fill="#444">${xmlEscape(chart.subtitle)}</text>`);
  }
  // Legend: one row, centered.
  const itemW = order.map((l) => 26 + 6.5 * l.length);
  let lx = (width - itemW.reduce((a, b) => a + b, 0)) / 2;
  const legendY = TITLE_H + 4;
  out.push('<g class="legend">');
  order.forEach((label, i) => {
    out.push(`<rect x="${f2(lx)}" y="${legendY}" width="12" height="12" fill="${colors.get(label)}"/>`);
    out.push(`<text x="${f2(lx + 17)}" y="${legendY + 10}" font-size="11">${xmlEscape(label)}</text>`);
    lx += itemW[i]!;
  });
  out.push('</g>');
  chart.panels.forEach((p, i) => {
    const x0 = (i % cols) * PANEL_W;
    const y0 = TITLE_H + LEGEND_ROW_H + Math.floor(i / cols) * PANEL_H;
    out.push(renderPanel(p, x0, y0, colors, chart));
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
