/**
 * Plans of repeated attention calls. A dense call with the same tensor objects and the same option
 * values as an earlier successful call reuses that call's plan: the backend dispatch chose and its
 * packed kernel arguments. It then only allocates its outputs and launches. DESIGN.md allows 10 µs
 * of host time per call; the driver's bare launch takes 4.5-5.1 µs of it on the H100 host, where a
 * call with new tensors took 7.0-7.5 µs and a planned call 5.0 µs (2026-11-25, commit c3a9314,
 * bench/results/2026-11-25-h100-80gb-hbm3/hostcost.json).
 *
 * Why a hit is the same call:
 * - a Tensor's dtype, dims, strides, offset and storage are fixed when it is made, and Tensor.id
 *   names one tensor object; what can change is disposal, so a plan is used only while every
 *   tensor of the call is live (a disposed one takes the full path, which raises the usual error);
 * - every option value must be the one the plan was made with, the options object may hold no
 *   other key, and a caller's `out` must be the same live tensor;
 * - dispatch reads nothing else that can change without bumping dispatchEpoch (device properties
 *   and the built kernels are fixed for the process).
 * Varlen calls are never planned: their cuSeqlens tensors are read at every call and their
 * contents may change while the tensor objects stay the same. Nor are calls on backends without
 * prepare() (the CPU ones), whose compute dwarfs validation and whose plan would have to hold the
 * input tensors.
 *
 * Memory and time on calls that never repeat: a plan holds no tensor, only tensor ids, so it keeps
 * nothing alive. Plans are made only when a first tensor comes back (admit() records the id of its
 * first sighting, a number): a model whose activations are new tensors at every step makes none,
 * and so pays neither for preparing launches (its calls take the backend's forward) nor for
 * collecting plans once they outlive a young-generation GC.
 * Both tables are bounded; a WeakMap keyed by the tensor would drop entries sooner, but setting a
 * fresh key cost ~2 µs with its GC in Node 20.
 */
import type { Stream } from '../cuda/index.js';
import { type DeviceSpec, Tensor, type TensorOptions } from '../tensor/tensor.js';
import { dispatchEpoch, type PreparedForward } from './dispatch.js';
import { lseDimsOf, outDimsOf } from './problem.js';
import type { AttentionOptions } from './types.js';
import { DENSE_OPTION_KEYS, type ValidatedProblem } from './validate.js';

/** First tensors whose plans are kept: far more than the attention calls of one model step. */
const MAX_KEYS = 256;
/**
 * Slots of the table of first tensors seen once: direct-mapped by id, so a lookup is one read and
 * a collision only costs a tensor one more unplanned call.
 */
const SEEN_SLOTS = 4096;
/** Plans kept per first tensor (calls that alternate options or second tensors). */
const PLANS_PER_KEY = 4;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(DENSE_OPTION_KEYS);
const NO_OPTIONS: AttentionOptions = Object.freeze({});

/** The outputs each call of a problem allocates (the output only when the caller gives no out). */
export interface CallOutputs {
  readonly outDims: readonly number[];
  readonly outOptions: TensorOptions;
  /** Dims and options of the float32 LSE a call allocates; undefined without returnLse. */
  readonly lseDims: readonly number[] | undefined;
  readonly lseOptions: TensorOptions;
}

/** 'cuda:N' by device index, formatted once: outputs are allocated on every call. */
const cudaSpecs: DeviceSpec[] = [];

/** Where `t` lives, as Tensor.empty takes it. */
export function deviceSpecOf(t: Tensor): DeviceSpec {
  return t.location === 'cpu' ? 'cpu' : (cudaSpecs[t.device] ??= `cuda:${t.device}`);
}

/** The outputs of a validated problem. */
export function outputsOf(vp: ValidatedProblem): CallOutputs {
  const device = deviceSpecOf(vp.q);
  return {
    outDims: outDimsOf(vp),
    outOptions: { dtype: vp.q.dtype, device, stream: vp.stream },
    lseDims: vp.returnLse ? lseDimsOf(vp) : undefined,
    lseOptions: { dtype: 'float32', device, stream: vp.stream },
  };
}

/** A repeated call's outputs and launch, and what it was made for: tensor ids and option values as given. */
export interface ForwardPlan {
  /** dispatchEpoch when the plan was made. */
  readonly epoch: number;
  /** Tensor.id of the second and third tensor arguments; 0 (no tensor's id) when absent. */
  readonly secondId: number;
  readonly thirdId: number;
  /** Tensor.id of the caller's out; 0 when each call allocates its own. */
  readonly outId: number;
  readonly softmaxScale: unknown;
  readonly causal: unknown;
  /** windowSize[0] and [1] as given; -1 and -1 (the default) when windowSize was not given. */
  readonly windowLeft: number;
  readonly windowRight: number;
  readonly softcap: unknown;
  readonly returnLse: unknown;
  readonly deterministic: unknown;
  readonly stream: Stream | undefined;
  readonly outputs: CallOutputs;
  readonly launch: PreparedForward;
}

/** Plans of one public function, by the ids of its tensor arguments (the first is the key). */
export class PlanCache {
  private readonly byFirst = new Map<number, ForwardPlan[]>();
  private readonly seen = new Float64Array(SEEN_SLOTS);

  /**
   * The plan of an earlier call with these tensors, all still live, and these option values;
   * undefined when there is none (the caller then validates as usual). `out` is opts.out, read
   * once by the caller, which then writes into that very tensor.
   */
  find(a: Tensor, b: Tensor | undefined, c: Tensor | undefined, opts: unknown, out: unknown): ForwardPlan | undefined {
    // Any value: a non-Tensor argument finds nothing here and gets its error from validation.
    const plans = a instanceof Tensor ? this.byFirst.get(a.id) : undefined;
    if (plans === undefined || a.isDisposed || !onlyKnownOptions(opts)) return undefined;
    const bId = idOfLive(b);
    const cId = idOfLive(c);
    const outId = idOfLive(out);
    if (bId < 0 || cId < 0 || outId < 0) return undefined;
    const o = (opts ?? NO_OPTIONS) as AttentionOptions;
    for (const plan of plans) {
      if (plan.secondId === bId && plan.thirdId === cId && plan.outId === outId && sameOptions(plan, o)) return plan;
    }
    return undefined;
  }

  /**
   * Whether a call whose first tensor is `a` should be planned: prepared, then added here when it
   * succeeds. False at the first sighting of `a`, which it records; true once `a` comes back.
   */
  admit(a: Tensor): boolean {
    const slot = a.id % SEEN_SLOTS;
    if (this.seen[slot] === a.id) return true;
    this.seen[slot] = a.id;
    return false;
  }

  /**
   * Remembers the plan of a successful call with these tensors (admitted by admit()), which
   * validated the option values `opts` (ValidatedProblem.options) and wrote the caller's `out` (or
   * `outputs` it allocated) with `launch`. Newest first; plans of an older dispatch epoch are dropped.
   */
  add(
    a: Tensor,
    b: Tensor | undefined,
    c: Tensor | undefined,
    opts: AttentionOptions | undefined,
    out: Tensor | undefined,
    outputs: CallOutputs,
    launch: PreparedForward,
  ): void {
    const o = opts ?? NO_OPTIONS;
    // Validation takes null for the default window as it takes undefined.
    const w = o.windowSize ?? undefined;
    const plan: ForwardPlan = {
      epoch: dispatchEpoch,
      secondId: b ? b.id : 0,
      thirdId: c ? c.id : 0,
      outId: out ? out.id : 0,
      softmaxScale: o.softmaxScale,
      causal: o.causal,
      windowLeft: w === undefined ? -1 : w[0],
      windowRight: w === undefined ? -1 : w[1],
      softcap: o.softcap,
      returnLse: o.returnLse,
      deterministic: o.deterministic,
      stream: o.stream,
      outputs,
      launch,
    };
    const kept = (this.byFirst.get(a.id) ?? []).filter((p) => p.epoch === dispatchEpoch).slice(0, PLANS_PER_KEY - 1);
    this.byFirst.delete(a.id);
    if (this.byFirst.size >= MAX_KEYS) this.byFirst.delete(this.byFirst.keys().next().value!);
    this.byFirst.set(a.id, [plan, ...kept]);
  }
}

/** Tensor.id of a live tensor, 0 for undefined, -1 for anything else (a disposed tensor, a non-Tensor). */
function idOfLive(t: unknown): number {
  if (t === undefined) return 0;
  return t instanceof Tensor && !t.isDisposed ? t.id : -1;
}

/**
 * Whether `opts` is undefined or an object whose enumerable keys are all known options. Anything
 * else takes the full path, which accepts or rejects it with the usual message.
 */
function onlyKnownOptions(opts: unknown): boolean {
  if (opts === undefined) return true;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts) || opts instanceof Tensor) return false;
  for (const key in opts) if (!KNOWN_OPTIONS.has(key)) return false;
  return true;
}

function sameOptions(plan: ForwardPlan, o: AttentionOptions): boolean {
  if (plan.epoch !== dispatchEpoch) return false;
  if (o.softmaxScale !== plan.softmaxScale || o.causal !== plan.causal || o.softcap !== plan.softcap) return false;
  if (o.returnLse !== plan.returnLse || o.deterministic !== plan.deterministic || o.stream !== plan.stream) return false;
  // Validation reads windowSize only as an array of two numbers, and undefined or null means [-1, -1].
  const w: unknown = o.windowSize;
  if (w === undefined || w === null) return plan.windowLeft === -1 && plan.windowRight === -1;
  return Array.isArray(w) && w.length === 2 && w[0] === plan.windowLeft && w[1] === plan.windowRight;
}
