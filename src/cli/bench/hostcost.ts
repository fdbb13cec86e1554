/**
 * Host cost of one attention call from TypeScript: how long flashAttnFunc keeps the CPU busy
 * before the kernel is queued (validation, dispatch, output handling, argument packing, the
 * launch), in microseconds, beside a bare cuLaunchKernel of an empty kernel through the same FFI.
 * Two calls are timed: a repeated one (same tensors and options, so the plan of the earlier call
 * is reused: src/attention/plan.ts), the figure held to the target, and a call with tensors it has
 * not seen, which validates, dispatches and packs, as a model's fresh activations do.
 *
 * The call is timed by the wall clock over rounds of back-to-back calls on a tiny shape, so the
 * GPU keeps up and never makes the host wait; the stream is drained between rounds, untimed. The
 * figure is the median round's time per call. Target (DESIGN.md): at most 10 µs.
 */
import { performance } from 'node:perf_hooks';
import * as cuda from '../../cuda/index.js';
import { explainDispatch, selectBackend } from '../../attention/dispatch.js';
import { PLAIN_NAMES, validateDense } from '../../attention/validate.js';
import * as lib from '../../attention/index.js';
import type { DType } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { problemOf } from '../info-dispatch.js';
import type { HostCostRecord } from './schema.js';
import { summarize } from './stats.js';

export const HOST_COST_TARGET_US = 10;
/** Calls per timed round: enough to amortize the clock reads, few enough for the launch queue. */
export const DEFAULT_CALLS_PER_ROUND = 200;
export const DEFAULT_ROUNDS = 30;
/** Untimed rounds first, so V8 has optimized the call path. */
const WARM_ROUNDS = 5;
/** [batch, seqlen, heads, headDim]: a kernel of a few µs, so the GPU never holds the host up. */
export const HOST_COST_SHAPE = [1, 128, 2, 64] as const;

/** The test module's empty kernel takes this struct (kernels/test/test_params.h, IotaParams). */
const EMPTY_KERNEL_PARAMS = cuda.defineStruct('IotaParams', [
  ['out', 'ptr'],
  ['count', 'i64'],
  ['start', 'f32'],
  ['step', 'f32'],
] as const);

export interface HostCostOptions {
  callsPerRound?: number;
  rounds?: number;
  dtype?: DType;
}

/** Median µs per call of `fn` over timed rounds (`sync` runs untimed after each round). */
export function microsPerCall(fn: () => void, calls: number, rounds: number, sync: () => void = () => {}): number {
  const perCall: number[] = [];
  for (let r = 0; r < WARM_ROUNDS + rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    const t1 = performance.now();
    sync();
    if (r >= WARM_ROUNDS) perCall.push(((t1 - t0) * 1000) / calls);
  }
  return summarize(perCall).median;
}

/** Measures the host cost; launch parts only when a CUDA device is present. */
export function measureHostCost(opts: HostCostOptions = {}): HostCostRecord {
  const calls = opts.callsPerRound ?? DEFAULT_CALLS_PER_ROUND;
  const rounds = opts.rounds ?? DEFAULT_ROUNDS;
  const dtype = opts.dtype ?? 'bfloat16';
  const gpu = cuda.isAvailable();
  const device = gpu ? 'cuda' : 'cpu';
  const [b, s, h, d] = HOST_COST_SHAPE;
  const q = Tensor.randn([b, s, h, d], { dtype, device, seed: 1 });
  const k = Tensor.randn([b, s, h, d], { dtype, device, seed: 2 });
  const v = Tensor.randn([b, s, h, d], { dtype, device, seed: 3 });
  const out = Tensor.empty([b, s, h, d], { dtype, device });
  const stream = gpu ? cuda.defaultStream(0) : undefined;
  const sync = (): void => stream?.synchronize();
  try {
    const callOpts = { out, stream };
    const validation = microsPerCall(() => validateDense('flashAttnFunc', PLAIN_NAMES, q, k, v, callOpts), calls, rounds);
    const p = problemOf(q, k, v, out, { causal: false, stream });
    const backend = explainDispatch(p).backend ?? null;
    const dispatch = microsPerCall(() => selectBackend(p), calls, rounds);
    let call: number | null = null;
    let uncachedCall: number | null = null;
    let bareLaunch: number | null = null;
    let note: string | undefined;
    if (!gpu) {
      note = `no CUDA device (${cuda.unavailableReason()}): only validation and dispatch were measured`;
    } else if (backend === null || backend === 'cpu') {
      note = `no GPU backend takes the probe shape (${explainDispatch(p).reasons.join('; ') || 'cpu forced'}): the call was not measured`;
    } else {
      call = microsPerCall(() => lib.flashAttnFunc(q, k, v, callOpts), calls, rounds, sync);
      // New views of the same memory are tensors no plan knows; making them is timed apart and taken off.
      const dims = [b, s, h, d];
      const withViews = microsPerCall(() => lib.flashAttnFunc(q.view(dims), k.view(dims), v.view(dims), callOpts), calls, rounds, sync);
      const views = microsPerCall(
        () => {
          q.view(dims);
          k.view(dims);
          v.view(dims);
        },
        calls,
        rounds,
      );
      uncachedCall = Math.max(0, withViews - views);
    }
    if (gpu) {
      if (cuda.hasBuiltModule('test_kernels')) {
        const kernel = cuda.loadBuiltKernel('test_kernels', 'empty_kernel');
        const params = EMPTY_KERNEL_PARAMS.writer().ptr('out', out.devicePointer()).i64('count', 0).bytes;
        bareLaunch = microsPerCall(() => kernel.launch([1, 1, 1], [32, 1, 1], 0, params, stream), calls, rounds, sync);
      } else {
        note = `${note ? `${note}; ` : ''}the test kernels are not built: no bare-launch baseline`;
      }
    }
    return {
      shape: [...HOST_COST_SHAPE],
      dtype,
      backend,
      callsPerRound: calls,
      rounds,
      us: { validation, dispatch, call, uncachedCall, bareLaunch },
      packAndLaunchUs: uncachedCall === null ? null : Math.max(0, uncachedCall - validation - dispatch),
      targetUs: HOST_COST_TARGET_US,
      ...(note ? { note } : {}),
    };
  } finally {
    sync();
    for (const t of [q, k, v, out]) t.dispose();
  }
}

/** The host cost as text lines. */
export function formatHostCost(r: HostCostRecord): string {
  const f = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(2)} µs`);
  const lines = [
    `host cost of one flashAttnFunc call (${r.dtype} [${r.shape.join(', ')}], backend ${r.backend ?? 'none'}; median of ${r.rounds} rounds of ${r.callsPerRound} calls):`,
    `  call with new tensors       ${f(r.us.uncachedCall ?? null)}`,
    `    validation                ${f(r.us.validation)}`,
    `    dispatch                  ${f(r.us.dispatch)}`,
    `    outputs, packing, launch  ${f(r.packAndLaunchUs)}`,
    `  repeated call (planned)     ${f(r.us.call)}${r.us.call === null ? '' : r.us.call <= r.targetUs ? `  (target <= ${r.targetUs} µs: met)` : `  (target <= ${r.targetUs} µs: MISSED)`}`,
    `  bare cuLaunchKernel (empty) ${f(r.us.bareLaunch)}`,
  ];
  if (r.us.call !== null && r.us.bareLaunch !== null) lines.push(`  ours over bare launch       ${f(r.us.call - r.us.bareLaunch)}`);
  if (r.note) lines.push(`  note: ${r.note}`);
  return lines.join('\n');
}
