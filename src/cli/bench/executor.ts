/**
 * What the benchmark runner needs from a place that runs attention (the GPU through our API, or
 * the CPU path): prepare one grid point, time it, say what clock it ran at.
 */
import type { BenchConfig } from './grid.js';
import type { RunFn, TimingPlan } from './timing.js';
import type { DeviceRecord, SettingsRecord } from './schema.js';

/** One grid point, ready to run. */
export interface PreparedCase {
  run: RunFn;
  /** The backend that runs it ('sm90', 'sm80', 'cpu'). */
  backend: string;
  inputSets: number;
  dispose(): void;
}

export interface Executor {
  readonly device: DeviceRecord;
  readonly timer: SettingsRecord['timer'];
  /** Rotation target in bytes, null when inputs are not rotated. */
  readonly rotationBytes: number | null;
  /** Builds inputs for `c`; throws (with a reason worth recording) when the point cannot run. */
  prepare(c: BenchConfig): PreparedCase;
  time(run: RunFn, plan: TimingPlan): number[];
  /** The SM clock now (MHz), null when it cannot be read. */
  clockMHz(): number | null;
  /** Called after the last point: final clocks, free memory. */
  finish(): void;
}
