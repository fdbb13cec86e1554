/**
 * Grouping benchmark runs from one or more files: which series (implementation) a run belongs to,
 * and which grid point it measures, so runs of different tools line up point by point.
 */
import type { BenchFile, BenchRun } from './schema.js';

/** A run with the series it belongs to. */
export interface LabeledRun {
  series: string;
  run: BenchRun;
  file: BenchFile;
}

/**
 * 'ours (sm80)', 'cudnn', 'fa3 (recorded)'. Our runs of one file form one series named after the
 * backends that ran them ('ours (sm90/sm80)' when dispatch chose per shape), failed points included.
 */
export function seriesLabel(run: BenchRun, file: BenchFile): string {
  if (run.impl === 'ours') {
    const backends = [...new Set(file.runs.filter((r) => r.impl === 'ours' && r.tflops).map((r) => r.backend))];
    return backends.length ? `ours (${backends.join('/')})` : 'ours';
  }
  return file.recorded ? `${run.impl} (recorded)` : run.impl;
}

export function isOurs(series: string): boolean {
  return series.startsWith('ours');
}

/** Identity of a grid point across implementations. */
export function pointKey(r: BenchRun): string {
  return [r.direction, r.dtype, r.headDim, r.causal ? 'causal' : 'full', r.seqlen, r.seqlenK, r.batch, r.heads, r.headsKV].join('|');
}

/**
 * Every run of every file, labeled. Recorded figures are context for measured ones: when any file
 * was measured, recorded runs are kept only at grid points some measured run also covers.
 */
export function labelRuns(files: readonly BenchFile[]): LabeledRun[] {
  const all = files.flatMap((file) => file.runs.map((run) => ({ series: seriesLabel(run, file), run, file })));
  const measured = new Set(all.filter((r) => !r.file.recorded).map((r) => pointKey(r.run)));
  if (measured.size === 0) return all;
  return all.filter((r) => !r.file.recorded || measured.has(pointKey(r.run)));
}

/** Series in display order: peers first (as they appear), ours last, as in the FA3 paper's figures. */
export function seriesOrder(runs: readonly LabeledRun[]): string[] {
  const all = [...new Set(runs.map((r) => r.series))];
  return [...all.filter((s) => !isOurs(s)), ...all.filter(isOurs)];
}

/** '16k' for 16384, '512' for 512: the papers' axis labels. */
export function seqlenLabel(n: number): string {
  return n >= 1024 && n % 1024 === 0 ? `${n / 1024}k` : String(n);
}

/** A run's median TFLOP/s, or null when it failed. */
export function medianTflops(r: BenchRun): number | null {
  return r.tflops?.median ?? null;
}
