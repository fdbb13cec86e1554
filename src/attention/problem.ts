/**
 * The validated attention problem that every backend (CPU, sm80, sm90) receives.
 *
 * Built by validate.ts from the public API's arguments; backends never see raw options. Inputs
 * are strided views whose last dim is contiguous (packed qkv/kv are views into one storage).
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Stream } from '../cuda/index.js';
import type { ResolvedAttention } from './types.js';

/** Variable-length batch description (flashAttnVarlenFunc). */
export interface VarlenProblem {
  /** int32 [batch + 1], cumulative query lengths starting at 0 (where the caller put it). */
  cuSeqlensQ: Tensor;
  /** int32 [batch + 1], cumulative key lengths starting at 0. */
  cuSeqlensK: Tensor;
  /** int32 [batch]: only the first sequsedK[b] keys of sequence b are used. */
  sequsedK?: Tensor;
  /** Upper bound on the query length of any sequence (as given by the caller, validated). */
  maxSeqlenQ: number;
  /** Upper bound on the key length of any sequence. */
  maxSeqlenK: number;
  /**
   * Host copies of the int32 tensors above, read once during validation (a device-to-host copy
   * for cuda tensors). Host backends index with them; device backends pass the tensors.
   */
  host: { cuSeqlensQ: Int32Array; cuSeqlensK: Int32Array; sequsedK?: Int32Array };
}

export interface AttentionProblem {
  /** Public function name, for error messages raised after validation. */
  fn: string;
  /** Dense [batch, seqlenQ, heads, headDim] or varlen [totalQ, heads, headDim]. */
  q: Tensor;
  /** Dense [batch, seqlenK, headsKV, headDim] or varlen [totalK, headsKV, headDim]. */
  k: Tensor;
  /** Dense [batch, seqlenK, headsKV, headDimV] or varlen [totalK, headsKV, headDimV]. */
  v: Tensor;
  /** Dense [batch, seqlenQ, heads, headDimV] or varlen [totalQ, heads, headDimV], q's dtype. */
  out: Tensor;
  /** float32 dense [batch, heads, seqlenQ] or varlen [heads, totalQ]; only when returnLse. */
  lse: Tensor | undefined;
  /** Number of sequences (varlen: cuSeqlensQ.length - 1). */
  batch: number;
  /** Dense: q's dim 1. Varlen: total query rows (q's dim 0). */
  seqlenQ: number;
  /** Dense: k's dim 1. Varlen: total key rows (k's dim 0). */
  seqlenK: number;
  heads: number;
  headsKV: number;
  headDim: number;
  headDimV: number;
  varlen?: VarlenProblem;
  params: ResolvedAttention;
  stream?: Stream;
}

/** Dims of the output for a problem's shape (dense or varlen). */
export function outDimsOf(p: Pick<AttentionProblem, 'batch' | 'seqlenQ' | 'heads' | 'headDimV' | 'varlen'>): number[] {
  return p.varlen ? [p.seqlenQ, p.heads, p.headDimV] : [p.batch, p.seqlenQ, p.heads, p.headDimV];
}

/** Dims of the float32 log-sum-exp for a problem's shape (dense or varlen). */
export function lseDimsOf(p: Pick<AttentionProblem, 'batch' | 'seqlenQ' | 'heads' | 'varlen'>): number[] {
  return p.varlen ? [p.heads, p.seqlenQ] : [p.batch, p.heads, p.seqlenQ];
}
