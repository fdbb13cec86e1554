/**
 * Benchmark runs -> the grouped bar chart of svg.ts: one panel per (direction, head dim, causal),
 * sequence lengths along x, one bar per series, as the FlashAttention-3 paper draws its figures.
 */
import type { BenchFile } from './schema.js';
import { type LabeledRun, labelRuns, medianTflops, seqlenLabel, seriesOrder } from './series.js';
import { type BarChart, type BarPanel, renderBarChart } from './svg.js';

const DIRECTION_TITLE: Record<string, string> = { fwd: 'Forward', bwd: 'Backward', 'fwd+bwd': 'Forward + backward' };

/** The unit figures are drawn in: TFLOP/s, or GFLOP/s when every figure is below 1 TFLOP/s (the CPU). */
export function unitFor(runs: readonly LabeledRun[]): { label: string; scale: number } {
  const max = Math.max(0, ...runs.map((r) => medianTflops(r.run) ?? 0));
  return max >= 1 || max === 0 ? { label: 'TFLOP/s', scale: 1 } : { label: 'GFLOP/s', scale: 1000 };
}

/** The chart of `files` (one or several tools' runs of the same grid). */
export function chartOf(files: readonly BenchFile[]): BarChart {
  const runs = labelRuns(files);
  const order = seriesOrder(runs);
  const unit = unitFor(runs);
  const panelKeys: string[] = [];
  const byPanel = new Map<string, LabeledRun[]>();
  for (const r of runs) {
    const k = `${r.run.direction}|${r.run.headDim}|${r.run.causal}|${r.run.dtype}`;
    if (!byPanel.has(k)) {
      byPanel.set(k, []);
      panelKeys.push(k);
    }
    byPanel.get(k)!.push(r);
  }
  const dtypes = new Set(runs.map((r) => r.run.dtype));
  const panels: BarPanel[] = panelKeys.map((k) => {
    const list = byPanel.get(k)!;
    const { direction, headDim, causal, dtype } = list[0]!.run;
    const seqlens = [...new Set(list.map((r) => r.run.seqlen))].sort((a, b) => a - b);
    const present = order.filter((s) => list.some((r) => r.series === s));
    const series = present.map((label) => ({
      label,
      values: seqlens.map((n) => {
        const hit = list.filter((r) => r.series === label && r.run.seqlen === n).at(-1);
        const t = hit ? medianTflops(hit.run) : null;
        return t === null ? null : t * unit.scale;
      }),
    }));
    const dt = dtypes.size > 1 ? `, ${dtype}` : '';
    return {
      title: `${DIRECTION_TITLE[direction] ?? direction}, ${causal ? 'with' : 'without'} causal mask, head dim ${headDim}${dt}`,
      categories: seqlens.map(seqlenLabel),
      series,
    };
  });
  const first = files[0];
  const dev = first?.device;
  const card = dev ? `${dev.name}${dev.driver ? `, driver ${dev.driver}` : ''}` : '';
  const dates = [...new Set(files.filter((f) => !f.recorded).map((f) => f.date.slice(0, 10)))].join(', ');
  const commit = files.find((f) => f.runs.some((r) => r.impl === 'ours'))?.commit;
  const subtitleParts = [card, dates, commit ? `commit ${commit}` : ''].filter((s) => s !== '');
  const causalKinds = new Set(runs.map((r) => r.run.causal)).size;
  return {
    title: `Attention speed (${[...dtypes].join(', ')})`,
    subtitle: subtitleParts.join(' · '),
    xLabel: 'Sequence length',
    yLabel: `Speed (${unit.label})`,
    unit: unit.label,
    panels,
    columns: Math.max(1, causalKinds),
    seriesOrder: order,
  };
}

/** The SVG document of `files`. */
export function svgOf(files: readonly BenchFile[]): string {
  return renderBarChart(chartOf(files));
}
