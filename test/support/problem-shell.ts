/** A minimal AttentionProblem for backends' supports() tests: host tensors, one head, headDim 64. */
import type { AttentionProblem } from '../../src/attention/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

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
