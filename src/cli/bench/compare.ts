/**
 * Several benchmark files (ours, the peers', recorded figures) -> one table of TFLOP/s per series
 * and the ratios ours / each peer and ours / the best peer at each grid point, which is what the
 * performance targets are stated in (DESIGN.md: only ratios measured in the same run mean much).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { BenchFile, HostCostRecord } from './schema.js';
import { type LabeledRun, isOurs, labelRuns, medianTflops, pointKey, seriesOrder } from './series.js';
import { markdownTable, fileHeadline, formatRate, plural, type Align } from './table.js';
import { unitFor } from './chart.js';

export interface ComparisonRow {
  key: string;
  run: LabeledRun['run'];
  /** Median TFLOP/s by series (null: failed or absent). */
  tflops: Map<string, number | null>;
}

export interface Comparison {
  series: string[];
  ours: string[];
  peers: string[];
  rows: ComparisonRow[];
}

/** Lines up every file's runs by grid point. */
export function compareFiles(files: readonly BenchFile[]): Comparison {
  const runs = labelRuns(files);
  const series = seriesOrder(runs);
  const rows = new Map<string, ComparisonRow>();
  for (const r of runs) {
    const key = pointKey(r.run);
    let row = rows.get(key);
    if (!row) {
      row = { key, run: r.run, tflops: new Map() };
      rows.set(key, row);
    }
    row.tflops.set(r.series, medianTflops(r.run));
  }
  return { series, ours: series.filter(isOurs), peers: series.filter((s) => !isOurs(s)), rows: [...rows.values()] };
}

/** ours / peer, or null when either is missing. */
export function ratio(ours: number | null | undefined, peer: number | null | undefined): number | null {
  return ours != null && peer != null && peer > 0 ? ours / peer : null;
}

/** The best peer figure at a point (the bar a target is stated against), or null. */
export function bestPeer(row: ComparisonRow, peers: readonly string[]): number | null {
  const v = peers.map((p) => row.tflops.get(p)).filter((x): x is number => x != null);
  return v.length ? Math.max(...v) : null;
}

/** The comparison as a markdown table: TFLOP/s per series, then ours / each peer and ours / best. */
export function comparisonTable(c: Comparison, files: readonly BenchFile[]): string {
  const unit = unitFor(labelRuns(files));
  const multiDtype = new Set(c.rows.map((r) => r.run.dtype)).size > 1;
  const multiDir = new Set(c.rows.map((r) => r.run.direction)).size > 1;
  const headers: string[] = [];
  const align: Align[] = [];
  const add = (h: string, a: Align): void => {
    headers.push(h);
    align.push(a);
  };
  if (multiDir) add('dir', 'l');
  if (multiDtype) add('dtype', 'l');
  add('hdim', 'r');
  add('causal', 'l');
  add('seqlen', 'r');
  for (const s of c.series) add(s, 'r');
  const ratioCols: [string, string][] = [];
  for (const o of c.ours) for (const p of c.peers) ratioCols.push([o, p]);
  const oursShort = (o: string): string => (c.ours.length > 1 ? o : 'ours');
  for (const [o, p] of ratioCols) add(`${oursShort(o)} / ${p}`, 'r');
  if (c.peers.length > 1) for (const o of c.ours) add(`${oursShort(o)} / best`, 'r');
  const fmtRatio = (x: number | null): string => (x === null ? '' : x.toFixed(2));
  const rows = c.rows.map((row) => {
    const r = row.run;
    const cells: string[] = [];
    if (multiDir) cells.push(r.direction);
    if (multiDtype) cells.push(r.dtype);
    cells.push(String(r.headDim), r.causal ? 'yes' : 'no', String(r.seqlen));
    for (const s of c.series) {
      const t = row.tflops.get(s);
      cells.push(t == null ? (row.tflops.has(s) ? 'failed' : '') : formatRate(t, unit.scale));
    }
    for (const [o, p] of ratioCols) cells.push(fmtRatio(ratio(row.tflops.get(o), row.tflops.get(p))));
    if (c.peers.length > 1) for (const o of c.ours) cells.push(fmtRatio(ratio(row.tflops.get(o), bestPeer(row, c.peers))));
    return cells;
  });
  return markdownTable(headers, rows, align);
}

/** A markdown section: headline, the table, the chart link. */
export function comparisonMarkdown(files: readonly BenchFile[], svgLink?: string): string {
  const c = compareFiles(files);
  const measured = files.filter((f) => !f.recorded && f.runs.length > 0);
  const head = measured[0] ?? files[0]!;
  const lines = [`**${head.date.slice(0, 10)} · ${head.device.name} · commit ${files.find((f) => f.runs.some((r) => r.impl === 'ours'))?.commit ?? 'unknown'}**`, ''];
  for (const f of measured) lines.push(`- ${f.tool}: ${fileHeadline(f, false)}`);
  for (const f of files.filter((x) => x.recorded)) {
    // Figures recorded on another card are still the bar, but the reader must know the cards differ.
    const card = f.device.name !== head.device.name ? ` on ${f.device.name}, not this run's card (${head.device.name})` : '';
    lines.push(`- ${f.tool}: recorded${card}, not measured in this run (${f.recorded!.source})`);
  }
  const s = head.settings;
  lines.push(
    '',
    `${[...new Set(c.rows.map((r) => r.run.dtype))].join(', ')}; ${unitFor(labelRuns(files)).label}, median of ${s.iters} runs after ${plural(s.warmup, 'warm-up')} (${s.timer}); a ratio above 1 means ours is faster.`,
    '',
    comparisonTable(c, files),
  );
  for (const f of files) if (f.hostCost) lines.push('', hostCostLine(f.hostCost));
  if (svgLink) lines.push('', `![attention speed](${svgLink})`);
  return lines.join('\n');
}

/** One sentence of a host-cost record for the summary. */
export function hostCostLine(h: HostCostRecord): string {
  const us = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(1)} µs`);
  const verdict = h.us.call === null ? '' : h.us.call <= h.targetUs ? ` (target <= ${h.targetUs} µs: met)` : ` (target <= ${h.targetUs} µs: missed)`;
  // Files written before the plan cache have no uncachedCall: their `call` validated every time.
  const parts = `validation ${us(h.us.validation)}, dispatch ${us(h.us.dispatch)}, outputs + packing + launch ${us(h.packAndLaunchUs)}`;
  const calls =
    h.us.uncachedCall === undefined
      ? `${us(h.us.call)}${verdict}; ${parts}`
      : `${us(h.us.call)} repeated (plan reused)${verdict}, ${us(h.us.uncachedCall)} with new tensors (${parts})`;
  return (
    `Host cost of one call (${h.dtype} [${h.shape.join(', ')}], ${h.backend ?? 'no backend'}): ${calls}; ` +
    `a bare cuLaunchKernel of an empty kernel ${us(h.us.bareLaunch)}.`
  );
}

export const README_START = '<!-- bench:latest:start -->';
export const README_END = '<!-- bench:latest:end -->';

/** Replaces the text between the README's markers (appending them when absent). */
export function replaceBetweenMarkers(text: string, section: string): string {
  const block = `${README_START}\n${section.trim()}\n${README_END}`;
  const a = text.indexOf(README_START);
  const b = text.indexOf(README_END);
  if (a >= 0 && b > a) return text.slice(0, a) + block + text.slice(b + README_END.length);
  return `${text.trimEnd()}\n\n## Latest results\n\n${block}\n`;
}

export function updateReadme(path: string, section: string): void {
  writeFileSync(path, replaceBetweenMarkers(readFileSync(path, 'utf8'), section));
}
