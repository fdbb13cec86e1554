/**
 * Progress of a benchmark on stderr: a redrawn bar on a terminal, one plain line per finished
 * point otherwise (logs, CI, the GPU machine), nothing with 'none'. stdout stays for the table.
 */
import { configLabel, type BenchConfig } from './grid.js';
import type { RunnerObserver } from './runner.js';
import type { BenchRun } from './schema.js';

const BAR_WIDTH = 24;

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A one-line summary of a finished point. */
export function runSummary(r: BenchRun): string {
  if (!r.ms || !r.tflops) return `failed: ${r.error ?? 'unknown error'}`;
  const t = r.tflops.median;
  const rate = t >= 1 ? `${t.toFixed(1)} TFLOP/s` : `${(t * 1000).toFixed(2)} GFLOP/s`;
  return `${r.ms.median.toFixed(3)} ms, ${rate} (spread ${r.spreadPct!.toFixed(1)}%, ${r.backend})`;
}

/** An observer that reports progress on `out` in `mode`. */
export function progressObserver(mode: 'auto' | 'lines' | 'none', out: ProgressStream = process.stderr): RunnerObserver {
  if (mode === 'none') return {};
  const bar = mode === 'auto' && out.isTTY === true;
  const started = Date.now();
  let current = '';
  const draw = (done: number, total: number): void => {
    const filled = Math.round((BAR_WIDTH * done) / total);
    const elapsed = (Date.now() - started) / 1000;
    const eta = done > 0 ? ` eta ${formatEta((elapsed / done) * (total - done))}` : '';
    const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total}${eta} ${current}`;
    const width = Math.max(20, (out.columns ?? 100) - 1);
    out.write(`\r${line.slice(0, width).padEnd(width)}`);
  };
  return {
    before(i: number, total: number, c: BenchConfig) {
      current = configLabel(c);
      if (bar) draw(i, total);
    },
    after(i: number, total: number, r: BenchRun) {
      if (bar) {
        if (r.error) out.write(`\r\x1b[K[${i + 1}/${total}] ${current}: ${runSummary(r)}\n`);
        draw(i + 1, total);
        if (i + 1 === total) out.write('\r\x1b[K');
      } else {
        out.write(`[${i + 1}/${total}] ${current}: ${runSummary(r)}\n`);
      }
    },
  };
}
