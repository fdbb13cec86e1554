/**
 * The public attention forward API, named after flash_attn's functions in camelCase.
 *
 * Every function validates all of its arguments first (validate.ts), allocates the outputs, picks
 * a backend (dispatch.ts) and runs its forward. Packed inputs are split into strided views, never
 * copied. A dense call whose first tensor comes back prepares its launch instead and keeps it; a
 * call that then repeats it (same tensors, same option values) skips straight to allocating its
 * outputs and launching (plan.ts says why that is safe).
 */
import { Tensor } from '../tensor/tensor.js';
import { type PreparedForward, selectBackend } from './dispatch.js';
import { type CallOutputs, PlanCache, deviceSpecOf, outputsOf } from './plan.js';
import { type AttentionProblem, lseDimsOf, outDimsOf } from './problem.js';
import type { AttentionOptions, AttentionResult, VarlenOptions } from './types.js';
import {
  PLAIN_NAMES,
  checkKvPacked,
  checkQkvPacked,
  validateDense,
  validateVarlen,
  type ValidatedProblem,
} from './validate.js';

/** Options that make the call return `{ out, lse }`. */
export type WithLse<O extends AttentionOptions> = O & { returnLse: true };
/** Options that make the call return the output tensor alone. */
export type WithoutLse<O extends AttentionOptions> = O & { returnLse?: false };

/**
 * Allocates the outputs (the output only when the caller gave no `out`), then runs `launch` into
 * them. On failure the outputs allocated here are freed before the error goes on.
 */
function runInto(outputs: CallOutputs, given: Tensor | undefined, launch: PreparedForward): Tensor | AttentionResult {
  const out = given ?? Tensor.empty(outputs.outDims, outputs.outOptions);
  let lse: Tensor | undefined;
  try {
    if (outputs.lseDims) lse = Tensor.empty(outputs.lseDims, outputs.lseOptions);
    launch(out, lse);
  } catch (e) {
    if (out !== given) out.dispose();
    lse?.dispose();
    throw e;
  }
  return lse ? { out, lse } : out;
}

/** The caller's out, read once: the plan lookup checks the very tensor the call then writes. */
function givenOut(opts: unknown): unknown {
  return (opts as AttentionOptions | undefined)?.out;
}

/**
 * A validated call: allocates the outputs, dispatches, then runs the backend's forward, or, for a
 * dense call whose first tensor `a` the plan cache admits (its second sighting), prepares the
 * launch, runs it and adds the plan for these tensors. On failure the outputs allocated here are
 * freed before the error goes on.
 */
function run(vp: ValidatedProblem, plans?: PlanCache, a?: Tensor, b?: Tensor, c?: Tensor): Tensor | AttentionResult {
  const given = vp.out;
  const device = deviceSpecOf(vp.q);
  const out = given ?? Tensor.empty(outDimsOf(vp), { dtype: vp.q.dtype, device, stream: vp.stream });
  let lse: Tensor | undefined;
  let launch: PreparedForward | undefined;
  try {
    if (vp.returnLse) lse = Tensor.empty(lseDimsOf(vp), { dtype: 'float32', device, stream: vp.stream });
    // Completes the validated object in place: copying its dozen fields showed in profiles.
    const p = vp as AttentionProblem;
    p.out = out;
    p.lse = lse;
    const backend = selectBackend(p);
    if (plans !== undefined && backend.prepare && plans.admit(a!)) {
      launch = backend.prepare(p);
      launch(out, lse);
    } else {
      backend.forward(p);
    }
  } catch (e) {
    if (out !== given) out.dispose();
    lse?.dispose();
    throw e;
  }
  if (launch) plans!.add(a!, b, c, vp.options, given, outputsOf(vp), launch);
  return lse ? { out, lse } : out;
}

/**
 * Scaled dot-product attention, FlashAttention semantics.
 *
 * @param q `[batch, seqlenQ, heads, headDim]`, float32 | float16 | bfloat16
 * @param k `[batch, seqlenK, headsKV, headDim]`, q's dtype and device; `heads % headsKV == 0` (GQA/MQA)
 * @param v `[batch, seqlenK, headsKV, headDimV]`, q's dtype and device
 * @param opts softmaxScale (default 1/sqrt(headDim)), causal (default false, bottom-right aligned),
 *   windowSize (default [-1, -1]), softcap (default 0 = off), returnLse (default false), out, stream.
 *   headDim and headDimV are multiples of 8 up to 256; only the last dim of each tensor must be contiguous.
 * @returns out `[batch, seqlenQ, heads, headDimV]` in q's dtype, or `{ out, lse }` with lse float32
 *   `[batch, heads, seqlenQ]` (natural log; -inf and output 0 for a row that sees no key) when returnLse.
 * @throws AttentionArgumentError naming the argument, the expectation and what was received.
 */
export function flashAttnFunc(q: Tensor, k: Tensor, v: Tensor, opts: WithLse<AttentionOptions>): AttentionResult;
export function flashAttnFunc(q: Tensor, k: Tensor, v: Tensor, opts?: WithoutLse<AttentionOptions>): Tensor;
export function flashAttnFunc(q: Tensor, k: Tensor, v: Tensor, opts?: AttentionOptions): Tensor | AttentionResult;
export function flashAttnFunc(q: Tensor, k: Tensor, v: Tensor, opts?: AttentionOptions): Tensor | AttentionResult {
  const given = givenOut(opts);
  const plan = densePlans.find(q, k, v, opts, given);
  if (plan) return runInto(plan.outputs, given as Tensor | undefined, plan.launch);
  const vp = validateDense('flashAttnFunc', PLAIN_NAMES, q, k, v, opts);
  return run(vp, densePlans, q, k, v);
}

const densePlans = new PlanCache();
const qkvPackedPlans = new PlanCache();
const kvPackedPlans = new PlanCache();

const QKV_NAMES = { q: 'qkv', k: 'qkv', v: 'qkv' };
const KV_NAMES = { q: 'q', k: 'kv', v: 'kv' };

/**
 * Self-attention on packed projections: q, k and v are strided views `qkv.select(2, i)`, never copies.
 *
 * @param qkv `[batch, seqlen, 3, heads, headDim]`, float32 | float16 | bfloat16, last dim contiguous
 * @param opts as flashAttnFunc
 * @returns out `[batch, seqlen, heads, headDim]` in qkv's dtype, or `{ out, lse }` when returnLse.
 */
export function flashAttnQkvpackedFunc(qkv: Tensor, opts: WithLse<AttentionOptions>): AttentionResult;
export function flashAttnQkvpackedFunc(qkv: Tensor, opts?: WithoutLse<AttentionOptions>): Tensor;
export function flashAttnQkvpackedFunc(qkv: Tensor, opts?: AttentionOptions): Tensor | AttentionResult;
export function flashAttnQkvpackedFunc(qkv: Tensor, opts?: AttentionOptions): Tensor | AttentionResult {
  const given = givenOut(opts);
  const plan = qkvPackedPlans.find(qkv, undefined, undefined, opts, given);
  if (plan) return runInto(plan.outputs, given as Tensor | undefined, plan.launch);
  const fn = 'flashAttnQkvpackedFunc';
  checkQkvPacked(fn, qkv);
  const vp = validateDense(fn, QKV_NAMES, qkv.select(2, 0), qkv.select(2, 1), qkv.select(2, 2), opts);
  return run(vp, qkvPackedPlans, qkv);
}

/**
 * Attention with packed keys and values: k and v are strided views `kv.select(2, i)`, never copies.
 *
 * @param q `[batch, seqlenQ, heads, headDim]`, float32 | float16 | bfloat16
 * @param kv `[batch, seqlenK, 2, headsKV, headDim]`, q's dtype and device; `heads % headsKV == 0`
 * @param opts as flashAttnFunc
 * @returns out `[batch, seqlenQ, heads, headDim]` in q's dtype, or `{ out, lse }` when returnLse.
 */
export function flashAttnKvpackedFunc(q: Tensor, kv: Tensor, opts: WithLse<AttentionOptions>): AttentionResult;
export function flashAttnKvpackedFunc(q: Tensor, kv: Tensor, opts?: WithoutLse<AttentionOptions>): Tensor;
export function flashAttnKvpackedFunc(q: Tensor, kv: Tensor, opts?: AttentionOptions): Tensor | AttentionResult;
export function flashAttnKvpackedFunc(q: Tensor, kv: Tensor, opts?: AttentionOptions): Tensor | AttentionResult {
  const given = givenOut(opts);
  const plan = kvPackedPlans.find(q, kv, undefined, opts, given);
  if (plan) return runInto(plan.outputs, given as Tensor | undefined, plan.launch);
  const fn = 'flashAttnKvpackedFunc';
  checkKvPacked(fn, kv);
  const vp = validateDense(fn, KV_NAMES, q, kv.select(2, 0), kv.select(2, 1), opts);
  return run(vp, kvPackedPlans, q, kv);
}

/**
 * Attention over a batch of sequences of different lengths, concatenated along dim 0.
 *
 * @param q `[totalQ, heads, headDim]`, float32 | float16 | bfloat16
 * @param k `[totalK, headsKV, headDim]`, q's dtype and device
 * @param v `[totalK, headsKV, headDimV]`, q's dtype and device
 * @param varlenOpts cuSeqlensQ / cuSeqlensK: int32 `[batch + 1]` on q's device, starting at 0,
 *   non-decreasing, ending at totalQ / totalK; maxSeqlenQ / maxSeqlenK: at least the longest
 *   sequence (windows wider than maxSeqlenK are unbounded); sequsedK (optional): int32 `[batch]`,
 *   only the first sequsedK[b] keys of sequence b are used (causal alignment uses that length);
 *   plus every flashAttnFunc option.
 * @returns out `[totalQ, heads, headDimV]` in q's dtype, or `{ out, lse }` with lse float32
 *   `[heads, totalQ]` when returnLse.
 */
export function flashAttnVarlenFunc(q: Tensor, k: Tensor, v: Tensor, varlenOpts: WithLse<VarlenOptions>): AttentionResult;
export function flashAttnVarlenFunc(q: Tensor, k: Tensor, v: Tensor, varlenOpts: WithoutLse<VarlenOptions>): Tensor;
export function flashAttnVarlenFunc(q: Tensor, k: Tensor, v: Tensor, varlenOpts: VarlenOptions): Tensor | AttentionResult;
export function flashAttnVarlenFunc(q: Tensor, k: Tensor, v: Tensor, varlenOpts: VarlenOptions): Tensor | AttentionResult {
  return run(validateVarlen('flashAttnVarlenFunc', q, k, v, varlenOpts));
}
