/**
 * Text tables of benchmark results, as GitHub-flavoured markdown with padded columns, so the same
 * text reads well in a terminal and pastes into a README.
 */
import type { BenchFile, BenchRun } from './schema.js';

export type Align = 'l' | 'r';

/** A markdown table with every column padded to its widest cell. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, i: number): string => (align[i] === 'r' ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => pad(c, i)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** A rate in the given unit with sensible digits. */
export function formatRate(tflops: number, scale: number): string {
  const v = tflops * scale;
  return v >= 10 ? v.toFixed(0) : v.toFixed(2);
}

export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(1) : ms >= 10 ? ms.toFixed(2) : ms >= 1 ? ms.toFixed(3) : ms.toFixed(4);
}

/** One line naming where and when a file was measured (and by what, unless `withTool` is false). */
export function fileHeadline(f: BenchFile, withTool = true): string {
  const d = f.device;
  const parts: string[] = [d.name];
  if (d.kind === 'cuda') {
    parts.push(`sm ${d.computeCapability}, ${d.smCount} SMs`);
    if (d.driver || d.cudaVersion) parts.push(`driver ${d.driver ?? '?'} (CUDA ${d.cudaVersion ?? '?'})`);
    const c = d.clocksEnd ?? d.clocksStart;
    if (c?.smMHz != null) parts.push(`SM clock ${c.smMHz}/${c.smMaxMHz ?? '?'} MHz, memory ${c.memMHz ?? '?'} MHz`);
  }
  parts.push(f.date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
  parts.push(`commit ${f.commit ?? 'unknown'}`);
  if (withTool) parts.push(f.tool);
  return parts.join('; ');
}

/** The results table of one file: every run with its median time, spread and rate. */
export function runsTable(f: BenchFile): string {
  const ok = f.runs.filter((r) => r.tflops);
  const max = Math.max(0, ...ok.map((r) => r.tflops!.median));
  const gflops = max > 0 && max < 1;
  const scale = gflops ? 1000 : 1;
  const unit = gflops ? 'GFLOP/s' : 'TFLOP/s';
  const headers = ['dir', 'dtype', 'hdim', 'causal', 'seqlen', 'batch', 'heads', 'backend', 'ms', 'spread', unit];
  const align: Align[] = ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'l', 'r', 'r', 'r'];
  const rows = f.runs.map((r: BenchRun) => [
    r.direction,
    r.dtype,
    String(r.headDim),
    r.causal ? 'yes' : 'no',
    r.seqlenK !== r.seqlen ? `${r.seqlen}/${r.seqlenK}` : String(r.seqlen),
    String(r.batch),
    r.headsKV !== r.heads ? `${r.heads}/${r.headsKV}` : String(r.heads),
    r.backend,
    r.ms ? formatMs(r.ms.median) : 'failed',
    r.spreadPct !== null ? `${r.spreadPct.toFixed(1)}%` : '',
    r.tflops ? formatRate(r.tflops.median, scale) : '',
  ]);
  const notes = f.runs.filter((r) => r.error).map((r) => `- ${r.direction} hdim ${r.headDim} ${r.causal ? 'causal' : 'non-causal'} seqlen ${r.seqlen}: ${r.error}`);
  const legend = `ms: median of ${f.settings.iters} runs after ${plural(f.settings.warmup, 'warm-up')} (${f.settings.timer}); spread: interquartile range / median`;
  return [markdownTable(headers, rows, align), '', legend, ...(notes.length ? ['', 'Failed points:', ...[...new Set(notes)]] : [])].join('\n');
}

/** '1 warm-up', '10 warm-ups'. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
