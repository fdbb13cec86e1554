/** A minimal AttentionProblem for backends' supports() tests: host tensors, one head, headDim 64. */
import type { AttentionProblem } from '../../src/attention/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

/** The `varlen` field of a problem packed by these cumulative lengths (host copies and int32 tensors). */
export function varlenOf(cuSeqlensQ: Int32Array, cuSeqlensK: Int32Array): NonNullable<AttentionProblem['varlen']> {
  const longest = (cu: Int32Array): number => Math.max(0, ...cu.slice(1).map((end, i) => end - cu[i]!));
  return {
    cuSeqlensQ: Tensor.fromData(cuSeqlensQ, [cuSeqlensQ.length], { dtype: 'int32' }),
    cuSeqlensK: Tensor.fromData(cuSeqlensK, [cuSeqlensK.length], { dtype: 'int32' }),
    maxSeqlenQ: longest(cuSeqlensQ),
    maxSeqlenK: longest(cuSeqlensK),
    host: { cuSeqlensQ, cuSeqlensK },
  };
}

/** The reasons such tests check come before any device is touched; `over` replaces fields. */
export function problemShell(over: Partial<AttentionProblem>): AttentionProblem {
  const q = Tensor.zeros([1, 4, 1, 64], { dtype: 'bfloat16' });
  return {
    fn: 'flashAttnFunc',
    q,
    k: q,
    v: q,
    out: q,
    lse: undefined,
    batch: 1,
    seqlenQ: 4,
    seqlenK: 4,
    heads: 1,
    headsKV: 1,
    headDim: 64,
    headDimV: 64,
    params: { softmaxScale: 0.125, causal: false, windowLeft: -1, windowRight: -1, softcap: 0 },
    ...over,
  };
}
