/**
 * The CPU executor: times the CPU path (host tensors) by the wall clock, so machines without a GPU
 * can compare builds of the library on the same grid. Inputs are not rotated: these figures are
 * compared only with other CPU runs, and the CPU path streams K/V tiles through its caches anyway.
 */
import { explainDispatch } from '../../attention/dispatch.js';
import { Tensor } from '../../tensor/tensor.js';
import { problemOf } from '../info-dispatch.js';
import { checkDirectionAvailable, makeRun } from './calls.js';
import { cpuDeviceRecord } from './environment.js';
import type { Executor, PreparedCase } from './executor.js';
import type { BenchConfig } from './grid.js';
import type { DeviceRecord } from './schema.js';
import { type RunFn, type TimingPlan, timeWallClock } from './timing.js';

export class CpuExecutor implements Executor {
  readonly device: DeviceRecord = cpuDeviceRecord();
  readonly timer = 'wall-clock' as const;
  readonly rotationBytes = null;

  constructor(private readonly seed: number) {}

  prepare(c: BenchConfig): PreparedCase {
    checkDirectionAvailable(c.direction);
    const opts = { dtype: c.dtype };
    const qDims = [c.batch, c.seqlen, c.heads, c.headDim];
    const kvDims = [c.batch, c.seqlenK, c.headsKV, c.headDim];
    const q = Tensor.randn(qDims, { ...opts, seed: this.seed });
    const k = Tensor.randn(kvDims, { ...opts, seed: this.seed + 1 });
    const v = Tensor.randn(kvDims, { ...opts, seed: this.seed + 2 });
    const out = Tensor.empty(qDims, opts);
    const owned: Tensor[] = [q, k, v, out];
    const dout = c.direction === 'fwd' ? undefined : Tensor.randn(qDims, { ...opts, seed: this.seed + 3 });
    if (dout) owned.push(dout);
    const dispose = (): void => {
      for (const t of owned) t.dispose();
    };
    try {
      const { backend, reasons } = explainDispatch(problemOf(q, k, v, out, { causal: c.causal }));
      if (backend !== 'cpu') throw new Error(`dispatch does not choose the cpu backend for host tensors: ${reasons.join('; ')}`);
      const run = makeRun(c.direction, [{ q, k, v, out, dout }], c.causal, undefined, owned);
      return { run, backend, inputSets: 1, dispose };
    } catch (e) {
      dispose();
      throw e;
    }
  }

  time(run: RunFn, plan: TimingPlan): number[] {
    return timeWallClock(run, plan);
  }

  clockMHz(): number | null {
    return null;
  }

  finish(): void {}
}
