/**
 * The GPU executor: times our public API on cuda tensors exactly as a user calls it (validation,
 * dispatch and launch included), with `out` preallocated so the allocator is not timed, and input
 * sets rotated so that L2 does not flatter.
 */
import * as cuda from '../../cuda/index.js';
import { explainDispatch } from '../../attention/dispatch.js';
import { dtypeSize, type DType } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { problemOf } from '../info-dispatch.js';
import { type InputSet, checkDirectionAvailable, makeRun } from './calls.js';
import { clockSample, cudaDeviceRecord, readClocks } from './environment.js';
import type { Executor, PreparedCase } from './executor.js';
import type { BenchConfig } from './grid.js';
import { DeviceInputPool } from './inputs.js';
import type { DeviceRecord } from './schema.js';
import { EventTimer, L2_ROTATION_FACTOR, inputSetCount, type RunFn, type TimingPlan } from './timing.js';

const LSE_BYTES = 4;

/** Bytes one input set moves: forward reads q, k, v and writes out; backward also reads out, dout, lse and writes dq, dk, dv. */
export function inputSetBytes(c: BenchConfig): number {
  const es = dtypeSize(c.dtype);
  const q = c.batch * c.seqlen * c.heads * c.headDim * es;
  const kv = c.batch * c.seqlenK * c.headsKV * c.headDim * es;
  if (c.direction === 'fwd') return 2 * q + 2 * kv;
  return 4 * q + 4 * kv + c.batch * c.heads * c.seqlen * LSE_BYTES;
}

export class GpuExecutor implements Executor {
  readonly device: DeviceRecord;
  readonly timer = 'cuda-events' as const;
  readonly rotationBytes: number;
  private readonly stream: cuda.Stream;
  private readonly events: EventTimer;
  private readonly pools = new Map<DType, DeviceInputPool>();
  private readonly smi: boolean;

  constructor(
    private readonly deviceIndex: number,
    private readonly seed: number,
  ) {
    this.device = cudaDeviceRecord(deviceIndex);
    this.smi = this.device.clocksStart !== null;
    this.rotationBytes = L2_ROTATION_FACTOR * this.device.l2Bytes!;
    this.stream = cuda.defaultStream(deviceIndex);
    this.events = new EventTimer(this.stream);
  }

  private pool(dtype: DType): DeviceInputPool {
    let p = this.pools.get(dtype);
    if (!p) {
      p = new DeviceInputPool(dtype, this.stream, this.seed);
      this.pools.set(dtype, p);
    }
    return p;
  }

  prepare(c: BenchConfig): PreparedCase {
    checkDirectionAvailable(c.direction);
    const backward = c.direction !== 'fwd';
    const qDims = [c.batch, c.seqlen, c.heads, c.headDim];
    const kvDims = [c.batch, c.seqlenK, c.headsKV, c.headDim];
    const nSets = inputSetCount(inputSetBytes(c), this.rotationBytes);
    const perSet = backward ? [qDims, kvDims, kvDims, qDims] : [qDims, kvDims, kvDims];
    const views = this.pool(c.dtype).take(Array.from({ length: nSets }, () => perSet).flat());
    const owned: Tensor[] = [...views];
    const device = `cuda:${this.deviceIndex}` as const;
    const sets: InputSet[] = [];
    for (let s = 0; s < nSets; s++) {
      const [q, k, v, dout] = views.slice(s * perSet.length, (s + 1) * perSet.length) as [Tensor, Tensor, Tensor, Tensor?];
      const out = Tensor.empty(qDims, { dtype: c.dtype, device, stream: this.stream });
      owned.push(out);
      sets.push({ q, k, v, out, dout });
    }
    const dispose = (): void => {
      for (const t of owned) t.dispose();
    };
    try {
      const s0 = sets[0]!;
      const { backend, reasons } = explainDispatch(problemOf(s0.q, s0.k, s0.v, s0.out, { causal: c.causal, stream: this.stream }));
      if (backend === undefined) throw new Error(`no backend runs it: ${reasons.join('; ')}`);
      if (backend === 'cpu') {
        throw new Error(
          'dispatch chose the cpu backend for cuda tensors (FLASH_ATTN_BACKEND=cpu?), which copies through the host; time the CPU path with --backend cpu',
        );
      }
      const run = makeRun(c.direction, sets, c.causal, this.stream, owned);
      return { run, backend, inputSets: nSets, dispose };
    } catch (e) {
      dispose();
      throw e;
    }
  }

  time(run: RunFn, plan: TimingPlan): number[] {
    return this.events.time(run, plan);
  }

  clockMHz(): number | null {
    return this.smi ? (readClocks(this.deviceIndex)?.smMHz ?? null) : null;
  }

  finish(): void {
    this.stream.synchronize();
    this.device.clocksEnd = this.smi ? clockSample(readClocks(this.deviceIndex)) : null;
    for (const p of this.pools.values()) p.dispose();
    this.pools.clear();
    this.events.dispose();
  }
}
