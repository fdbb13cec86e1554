/**
 * Runs a grid on an executor and assembles the flash-attn-bench/1 file: one run record per grid
 * point, a failed point recorded with its reason rather than ending the benchmark.
 */
import { type BenchConfig, expandGrid } from './grid.js';
import type { BenchOptions } from './args.js';
import { gitCommit, hostRecord } from './environment.js';
import type { Executor, PreparedCase } from './executor.js';
import { attentionFlops, tflopsOf } from './flops.js';
import { BENCH_SCHEMA, type BenchFile, type BenchRun } from './schema.js';
import { spreadPct, summarize } from './stats.js';

/** Our implementation's name in run records (peers: 'cudnn', 'fa2', 'fa3'). */
export const OUR_IMPL = 'ours';

export interface RunnerObserver {
  /** Before point `index` (0-based) of `total`. */
  before?(index: number, total: number, c: BenchConfig): void;
  /** After it, with its record. */
  after?(index: number, total: number, r: BenchRun): void;
}

function baseRecord(impl: string, backend: string, c: BenchConfig): Omit<BenchRun, 'ms' | 'spreadPct' | 'tflops' | 'samplesMs' | 'smClockMHz' | 'inputSets'> {
  return {
    impl,
    backend,
    dtype: c.dtype,
    direction: c.direction,
    headDim: c.headDim,
    causal: c.causal,
    seqlen: c.seqlen,
    seqlenK: c.seqlenK,
    batch: c.batch,
    heads: c.heads,
    headsKV: c.headsKV,
    flops: attentionFlops(
      { batch: c.batch, heads: c.heads, seqlenQ: c.seqlen, seqlenK: c.seqlenK, headDim: c.headDim, causal: c.causal },
      c.direction,
    ),
  };
}

/** The record of a measured point. */
export function measuredRecord(
  impl: string,
  backend: string,
  c: BenchConfig,
  samplesMs: number[],
  inputSets: number,
  smClockMHz: number | null,
): BenchRun {
  const base = baseRecord(impl, backend, c);
  const ms = summarize(samplesMs);
  return {
    ...base,
    inputSets,
    ms,
    spreadPct: spreadPct(ms),
    tflops: { median: tflopsOf(base.flops, ms.median), best: tflopsOf(base.flops, ms.min) },
    samplesMs,
    smClockMHz,
  };
}

/** The record of a point that could not run. */
export function failedRecord(impl: string, backend: string, c: BenchConfig, error: string): BenchRun {
  return { ...baseRecord(impl, backend, c), inputSets: 0, ms: null, spreadPct: null, tflops: null, samplesMs: [], smClockMHz: null, error };
}

/**
 * Times every point of `opts.grid` on `ex`.
 * @param tool the tool string recorded in the file ('flash-attn-ts 0.1.0')
 * @param argv the command line recorded in the file
 */
export function runGrid(opts: BenchOptions, ex: Executor, tool: string, argv: readonly string[], observer: RunnerObserver = {}): BenchFile {
  const configs = expandGrid(opts.grid);
  const date = new Date().toISOString();
  const runs: BenchRun[] = [];
  try {
    configs.forEach((c, i) => {
      observer.before?.(i, configs.length, c);
      let record: BenchRun;
      let prepared: PreparedCase | undefined;
      try {
        prepared = ex.prepare(c);
        const samples = ex.time(prepared.run, { warmup: opts.warmup, iters: opts.iters });
        record = measuredRecord(OUR_IMPL, prepared.backend, c, samples, prepared.inputSets, ex.clockMHz());
      } catch (e) {
        record = failedRecord(OUR_IMPL, prepared?.backend ?? 'none', c, (e as Error).message);
      } finally {
        prepared?.dispose();
      }
      runs.push(record);
      observer.after?.(i, configs.length, record);
    });
  } finally {
    ex.finish();
  }
  return {
    schema: BENCH_SCHEMA,
    tool,
    date,
    commit: gitCommit(),
    host: hostRecord({ node: process.version }),
    device: ex.device,
    settings: {
      warmup: opts.warmup,
      iters: opts.iters,
      timer: ex.timer,
      rotationBytes: ex.rotationBytes,
      seed: opts.seed,
      argv: [...argv],
    },
    runs,
  };
}
