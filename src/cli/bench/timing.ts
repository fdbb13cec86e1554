/**
 * Timing loops. GPU work is timed by CUDA events recorded around each run on the stream the work
 * is enqueued on, so a sample is GPU time, not host time; all runs are enqueued back to back and
 * read once the last has finished, so the GPU never waits on the host between runs (as long as
 * one run takes longer than the host needs to enqueue the next, ~10 µs). CPU work is timed by the
 * wall clock.
 */
import { performance } from 'node:perf_hooks';
import * as cuda from '../../cuda/index.js';

export interface TimingPlan {
  /** Untimed runs first (clocks ramp up, caches and allocators settle). */
  warmup: number;
  /** Timed runs. */
  iters: number;
}

/** `run(i)` does (or enqueues) run i; i counts warm-ups first, then timed runs, from 0. */
export type RunFn = (i: number) => void;

/** Times GPU runs with a pair of events around each; reuses its events across calls. */
export class EventTimer {
  private readonly starts: cuda.Event[] = [];
  private readonly ends: cuda.Event[] = [];

  constructor(
    readonly stream: cuda.Stream,
    readonly device = stream.device,
  ) {}

  private ensure(n: number): void {
    while (this.starts.length < n) {
      this.starts.push(cuda.Event.create(this.device));
      this.ends.push(cuda.Event.create(this.device));
    }
  }

  /** Milliseconds of GPU time of each timed run, in order. */
  time(run: RunFn, plan: TimingPlan): number[] {
    this.ensure(plan.iters);
    for (let i = 0; i < plan.warmup; i++) run(i);
    for (let i = 0; i < plan.iters; i++) {
      this.starts[i]!.record(this.stream);
      run(plan.warmup + i);
      this.ends[i]!.record(this.stream);
    }
    this.ends[plan.iters - 1]!.synchronize();
    const ms: number[] = [];
    for (let i = 0; i < plan.iters; i++) ms.push(this.ends[i]!.elapsedSince(this.starts[i]!));
    return ms;
  }

  dispose(): void {
    for (const e of [...this.starts, ...this.ends]) e.dispose();
    this.starts.length = 0;
    this.ends.length = 0;
  }
}

/** Milliseconds of wall-clock time of each timed run of synchronous `run`. */
export function timeWallClock(run: RunFn, plan: TimingPlan): number[] {
  for (let i = 0; i < plan.warmup; i++) run(i);
  const ms: number[] = [];
  for (let i = 0; i < plan.iters; i++) {
    const t0 = performance.now();
    run(plan.warmup + i);
    ms.push(performance.now() - t0);
  }
  return ms;
}

/** How many input sets to rotate so their total reaches `rotationBytes` (at least 1, at most `cap`). */
export function inputSetCount(setBytes: number, rotationBytes: number, cap = MAX_INPUT_SETS): number {
  if (setBytes <= 0) return 1;
  return Math.max(1, Math.min(cap, Math.ceil(rotationBytes / setBytes)));
}

/** Rotation target: twice the L2, so no set is still resident when its turn comes again. */
export const L2_ROTATION_FACTOR = 2;
/**
 * Tiny shapes would need thousands of sets; past 64 their setup costs more than it tells. Such
 * points are launch-bound anyway, and `inputSets` in the JSON shows where the cap was reached.
 */
export const MAX_INPUT_SETS = 64;
