/**
 * Multi-head self-attention on FlashAttention: one projection to a packed qkv tensor, viewed (no
 * copy) as `[batch, seqlen, 3, heads, headDim]` and handed to flashAttnQkvpackedFunc, then the
 * output projection. The attention runs on the best path the dispatcher has for the problem (the
 * Hopper kernel, the portable kernel, or the CPU for host tensors); when cuda tensors meet no GPU
 * kernel that takes them, it runs on the CPU through a host copy and says so in `lastPath`.
 */
import * as cuda from '../cuda/index.js';
import {
  type AttentionOptions,
  type BackendName,
  explainDispatch,
  flashAttnQkvpackedFunc,
  validateDense,
} from '../attention/index.js';
import { Tensor } from '../tensor/tensor.js';
import { NnArgumentError, type OpOptions, describeValue } from './functional.js';
import { Linear } from './layers.js';
import { Initializer, Module, type ModuleOptions } from './module.js';

/** Which attention implementation ran, and why a GPU one did not when it did not. */
export interface AttentionPath {
  backend: BackendName;
  /** Set when cuda tensors fell back to the CPU: the dispatcher's reasons. */
  fallback?: string;
}

/** One line for logs: "sm90", "sm80", "cpu", or "cpu (fallback: ...)". */
export function formatAttentionPath(p: AttentionPath | undefined): string {
  if (!p) return 'none (no forward has run)';
  return p.fallback ? `${p.backend} (fallback: ${p.fallback})` : p.backend;
}

/** Head dims the attention kernels take: multiples of 8 up to 256. */
export const HEAD_DIM_STEP = 8;
export const MAX_HEAD_DIM = 256;

/** Checks the (embedSize, heads) pair of a model or layer; returns the head dim. */
export function checkHeads(fn: string, embedSize: unknown, heads: unknown): number {
  if (typeof embedSize !== 'number' || !Number.isSafeInteger(embedSize) || embedSize < 1) {
    throw new NnArgumentError(fn, 'embedSize', `embedSize must be a positive integer, got ${describeValue(embedSize)}`);
  }
  if (typeof heads !== 'number' || !Number.isSafeInteger(heads) || heads < 1) {
    throw new NnArgumentError(fn, 'heads', `heads must be a positive integer, got ${describeValue(heads)}`);
  }
  if (embedSize % heads !== 0) {
    throw new NnArgumentError(fn, 'embedSize', `embedSize (${embedSize}) must be divisible by heads (${heads}), so each head gets embedSize / heads dims`);
  }
  const headDim = embedSize / heads;
  if (headDim % HEAD_DIM_STEP !== 0 || headDim > MAX_HEAD_DIM) {
    throw new NnArgumentError(
      fn,
      'heads',
      `embedSize / heads = ${embedSize} / ${heads} = ${headDim} must be a multiple of ${HEAD_DIM_STEP} up to ${MAX_HEAD_DIM} (the head dims FlashAttention takes)`,
    );
  }
  return headDim;
}

export interface MultiHeadAttentionOptions extends ModuleOptions {
  /** Causal mask (each token sees itself and earlier ones); default true. */
  causal?: boolean;
  /** Multiplies q.k; default 1/sqrt(headDim). */
  softmaxScale?: number;
}

export class MultiHeadAttention extends Module {
  readonly headDim: number;
  readonly causal: boolean;
  readonly softmaxScale: number | undefined;
  /** Projects x to q, k, v at once: weight `[3 * embedSize, embedSize]`, rows ordered (3, heads, headDim). */
  readonly qkv: Linear;
  readonly proj: Linear;
  /** The attention path of the last forward. */
  lastPath: AttentionPath | undefined;

  constructor(
    readonly embedSize: number,
    readonly heads: number,
    opts: MultiHeadAttentionOptions = {},
  ) {
    super();
    this.headDim = checkHeads('MultiHeadAttention', embedSize, heads);
    this.causal = opts.causal ?? true;
    this.softmaxScale = opts.softmaxScale;
    const init = Initializer.from('MultiHeadAttention', opts);
    this.qkv = this.addModule('qkv', new Linear(embedSize, 3 * embedSize, { init }));
    this.proj = this.addModule('proj', new Linear(embedSize, embedSize, { init }));
  }

  /** x `[batch, seqlen, embedSize]` -> `[batch, seqlen, embedSize]`. */
  forward(x: Tensor, opts: OpOptions = {}): Tensor {
    if (!(x instanceof Tensor) || x.ndim !== 3 || x.dims[2] !== this.embedSize) {
      throw new NnArgumentError(
        'MultiHeadAttention.forward',
        'x',
        `x must be a Tensor [batch, seqlen, ${this.embedSize}], got ${describeValue(x)}`,
      );
    }
    const [batch, seqlen] = x.dims as [number, number, number];
    const qkv = this.qkv.forward(x, opts); // [batch, seqlen, 3 * embedSize]
    const packed = qkv.view([batch, seqlen, 3, this.heads, this.headDim]);
    const device = x.location === 'cpu' ? 'cpu' : (`cuda:${x.device}` as const);
    const out = Tensor.empty([batch, seqlen, this.heads, this.headDim], { dtype: x.dtype, device, stream: opts.stream });
    try {
      this.lastPath = runPackedAttention(packed, out, { causal: this.causal, softmaxScale: this.softmaxScale, stream: opts.stream });
    } catch (e) {
      out.dispose();
      throw e;
    } finally {
      qkv.dispose();
    }
    const y = this.proj.forward(out.view([batch, seqlen, this.embedSize]), opts);
    out.dispose();
    return y;
  }
}

const QKV_NAMES = { q: 'qkv', k: 'qkv', v: 'qkv' };

/** flashAttnQkvpackedFunc(qkv) into `out`, on the best path; cuda tensors no kernel takes go through the host. */
function runPackedAttention(qkv: Tensor, out: Tensor, opts: AttentionOptions): AttentionPath {
  const attnOpts: AttentionOptions = { causal: opts.causal, softmaxScale: opts.softmaxScale, out, stream: opts.stream };
  if (qkv.location === 'cpu') {
    flashAttnQkvpackedFunc(qkv, attnOpts);
    return { backend: 'cpu' };
  }
  const vp = validateDense('flashAttnQkvpackedFunc', QKV_NAMES, qkv.select(2, 0), qkv.select(2, 1), qkv.select(2, 2), attnOpts);
  const plan = explainDispatch({ ...vp, out, lse: undefined });
  if (plan.backend !== undefined) {
    flashAttnQkvpackedFunc(qkv, attnOpts);
    return { backend: plan.backend };
  }
  const host = qkv.toHost(opts.stream);
  const hostOut = flashAttnQkvpackedFunc(host, { causal: opts.causal, softmaxScale: opts.softmaxScale });
  cuda.copyHostToDevice(out.devicePointer(), hostOut.data, opts.stream, out.device);
  host.dispose();
  hostOut.dispose();
  return { backend: 'cpu', fallback: plan.reasons.join('; ') };
}
