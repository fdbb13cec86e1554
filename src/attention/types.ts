/**
 * Options and result types shared by the public attention API, its implementations and the
 * float64 reference. Semantics are FlashAttention's (see DESIGN.md, "Public API").
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Stream } from '../cuda/index.js';

export interface AttentionOptions {
  /** Multiplies q.k before the softmax; default 1/sqrt(headDim). */
  softmaxScale?: number;
  /** Causal mask aligned to the bottom-right corner when seqlenQ != seqlenK; default false. */
  causal?: boolean;
  /**
   * Local attention [left, right]; -1 is unbounded; default [-1, -1]. Query i sees keys j with
   * i + sk - sq - left <= j <= i + sk - sq + right.
   */
  windowSize?: readonly [number, number];
  /** When > 0, the scaled score s becomes softcap * tanh(s / softcap); default 0 (off). */
  softcap?: number;
  /** Also return the log-sum-exp of each row (float32 [batch, heads, seqlenQ], natural log). */
  returnLse?: boolean;
  /** Backward only: deterministic accumulation. Accepted and ignored by the forward. */
  deterministic?: boolean;
  /** Preallocated output, same dims/dtype/device as the result. */
  out?: Tensor;
  /** Stream for device work; default the library stream. */
  stream?: Stream;
}

export interface VarlenOptions extends AttentionOptions {
  /** int32 [batch + 1], cumulative query lengths starting at 0. */
  cuSeqlensQ: Tensor;
  /** int32 [batch + 1], cumulative key lengths starting at 0. */
  cuSeqlensK: Tensor;
  /** Longest query sequence in the batch (upper bound). */
  maxSeqlenQ: number;
  /** Longest key sequence in the batch (upper bound). */
  maxSeqlenK: number;
  /** int32 [batch]: only the first sequsedK[b] keys of sequence b are used. */
  sequsedK?: Tensor;
}

export interface AttentionResult {
  out: Tensor;
  /** float32 [batch, heads, seqlenQ] (varlen: [heads, totalQ]), natural log; -inf for empty rows. */
  lse: Tensor;
}

/**
 * The fully resolved problem every implementation receives after validation: no optional fields,
 * window bounds resolved against causal, per-sequence bounds for varlen.
 */
export interface ResolvedAttention {
  softmaxScale: number;
  causal: boolean;
  /** -1 = unbounded; causal sets right to 0. */
  windowLeft: number;
  windowRight: number;
  softcap: number;
}
