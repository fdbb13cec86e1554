/**
 * Every validation and dispatch error of the public attention API, one test per message, each
 * asserting the exact text: the function, the argument, the expectation and what was received.
 *
 * Device mismatches need a cuda tensor; where no GPU exists a host tensor is relabelled as
 * cuda:0 (validation reads only dims, strides, dtype and location), which is enough to reach the
 * check and never reaches a kernel.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../src/tensor/tensor.js';
import type { DType } from '../src/tensor/dtype.js';
import {
  AttentionDispatchError,
  type AttentionBackend,
  type AttentionProblem,
  cpuBackend,
  explainDispatch,
  flashAttnFunc,
  flashAttnKvpackedFunc,
  flashAttnQkvpackedFunc,
  flashAttnVarlenFunc,
  getBackend,
  registerBackend,
  reloadBackendEnv,
  resolveOptions,
  selectBackend,
  unregisterBackend,
  validateDense,
} from '../src/attention/index.js';
import type { AttentionOptions, VarlenOptions } from '../src/attention/types.js';
import { throwsExactly } from './support/errors.js';

const F = 'flashAttnFunc';
const VF = 'flashAttnVarlenFunc';

function rand(dims: number[], dtype: DType = 'bfloat16', seed = 1): Tensor {
  return Tensor.randn(dims, { dtype, seed });
}

/** q [2, 16, 4, 32], k/v [2, 24, 2, 32]: valid unless a test changes one of them. */
function inputs(dtype: DType = 'bfloat16'): { q: Tensor; k: Tensor; v: Tensor } {
  return { q: rand([2, 16, 4, 32], dtype, 1), k: rand([2, 24, 2, 32], dtype, 2), v: rand([2, 24, 2, 32], dtype, 3) };
}

/** A host tensor that reports itself as living on cuda:`device` (see the file comment). */
function fakeCuda(t: Tensor, device = 0): Tensor {
  Object.defineProperty(t, 'location', { value: 'cuda' });
  Object.defineProperty(t, 'device', { value: device });
  return t;
}

function int32(values: number[]): Tensor {
  return Tensor.fromData(Int32Array.from(values), [values.length], { dtype: 'int32' });
}

function dense(over: Partial<{ q: unknown; k: unknown; v: unknown }> = {}, opts?: unknown): () => unknown {
  const base = inputs();
  const q = (over.q ?? base.q) as Tensor;
  const k = (over.k ?? base.k) as Tensor;
  const v = (over.v ?? base.v) as Tensor;
  return () => flashAttnFunc(q, k, v, opts as AttentionOptions);
}

describe('flashAttnFunc argument errors', () => {
  test('q not a Tensor', () => {
    throwsExactly(dense({ q: [1, 2, 3] }), 'q', 'flashAttnFunc: q must be a Tensor, got [1, 2, 3]');
    throwsExactly(dense({ q: undefined as unknown as Tensor, k: 5 }), 'k', 'flashAttnFunc: k must be a Tensor, got 5');
  });

  test('disposed input', () => {
    const k = rand([2, 24, 2, 32]);
    k.dispose();
    throwsExactly(dense({ k }), 'k', 'flashAttnFunc: k must be a live Tensor, got a disposed one');
  });

  test('wrong rank', () => {
    throwsExactly(dense({ k: rand([2, 128, 64]) }), 'k', 'flashAttnFunc: k must have 4 dims [batch, seqlenK, headsKV, headDim], got [2, 128, 64]');
    throwsExactly(dense({ q: rand([2, 16, 4, 32, 1]) }), 'q', 'flashAttnFunc: q must have 4 dims [batch, seqlenQ, heads, headDim], got [2, 16, 4, 32, 1]');
    throwsExactly(dense({ v: rand([24, 2, 32]) }), 'v', 'flashAttnFunc: v must have 4 dims [batch, seqlenK, headsKV, headDimV], got [24, 2, 32]');
  });

  test('wrong dtype', () => {
    const q = Tensor.zeros([2, 16, 4, 32], { dtype: 'int32' });
    throwsExactly(dense({ q }), 'q', 'flashAttnFunc: q dtype must be float32, float16 or bfloat16, got int32');
  });

  test('float8 is not supported yet', () => {
    const { q, k, v } = inputs('float8_e4m3');
    throwsExactly(
      () => flashAttnFunc(q, k, v),
      'q',
      'flashAttnFunc: q dtype must be float32, float16 or bfloat16 (float8 inputs are not supported yet), got float8_e4m3',
    );
  });

  test('mismatched dtypes', () => {
    throwsExactly(dense({ k: rand([2, 24, 2, 32], 'float16') }), 'k', 'flashAttnFunc: k dtype must match q dtype bfloat16, got float16');
    throwsExactly(dense({ v: rand([2, 24, 2, 32], 'float32') }), 'v', 'flashAttnFunc: v dtype must match q dtype bfloat16, got float32');
  });

  test('mismatched devices', () => {
    throwsExactly(dense({ k: fakeCuda(rand([2, 24, 2, 32])) }), 'k', "flashAttnFunc: k must be on q's device cpu, got cuda:0");
    const { q, k, v } = inputs();
    for (const t of [q, k]) fakeCuda(t, 0);
    fakeCuda(v, 1);
    throwsExactly(() => flashAttnFunc(q, k, v), 'v', "flashAttnFunc: v must be on q's device cuda:0, got cuda:1");
  });

  test('empty batch', () => {
    throwsExactly(
      dense({ q: rand([0, 16, 4, 32]), k: rand([0, 24, 2, 32]), v: rand([0, 24, 2, 32]) }),
      'q',
      'flashAttnFunc: q batch (dim 0) must be at least 1 (empty batch), got 0',
    );
  });

  test('batch mismatch', () => {
    throwsExactly(dense({ k: rand([3, 24, 2, 32]) }), 'k', 'flashAttnFunc: k batch (dim 0) must equal q batch 2, got 3');
    throwsExactly(dense({ v: rand([1, 24, 2, 32]) }), 'v', 'flashAttnFunc: v batch (dim 0) must equal q batch 2, got 1');
  });

  test('empty sequences', () => {
    throwsExactly(dense({ q: rand([2, 0, 4, 32]) }), 'q', 'flashAttnFunc: q seqlenQ (dim 1) must be at least 1, got 0');
    throwsExactly(dense({ k: rand([2, 0, 2, 32]), v: rand([2, 0, 2, 32]) }), 'k', 'flashAttnFunc: k seqlenK (dim 1) must be at least 1, got 0');
  });

  test('v seqlenK differs from k', () => {
    throwsExactly(dense({ v: rand([2, 23, 2, 32]) }), 'v', 'flashAttnFunc: v seqlenK (dim 1) must equal k seqlenK 24, got 23');
  });

  test('no heads', () => {
    throwsExactly(dense({ q: rand([2, 16, 0, 32]) }), 'q', 'flashAttnFunc: q heads (dim 2) must be at least 1, got 0');
    throwsExactly(
      dense({ k: rand([2, 24, 0, 32]), v: rand([2, 24, 0, 32]) }),
      'k',
      'flashAttnFunc: k headsKV (dim 2) must be at least 1, got 0',
    );
  });

  test('v headsKV differs from k', () => {
    throwsExactly(dense({ v: rand([2, 24, 4, 32]) }), 'v', 'flashAttnFunc: v headsKV (dim 2) must equal k headsKV 2, got 4');
  });

  test('heads not divisible by headsKV', () => {
    throwsExactly(
      dense({ k: rand([2, 24, 3, 32]), v: rand([2, 24, 3, 32]) }),
      'k',
      'flashAttnFunc: k headsKV (dim 2) must divide q heads 4, got 3',
    );
  });

  test('head dim above 256 or not a multiple of 8', () => {
    for (const d of [264, 12, 4]) {
      throwsExactly(
        dense({ q: rand([2, 16, 4, d]), k: rand([2, 24, 2, d]), v: rand([2, 24, 2, d]) }),
        'q',
        `flashAttnFunc: q headDim (dim 3) must be a multiple of 8 between 8 and 256, got ${d}`,
      );
    }
  });

  test('k head dim differs from q', () => {
    throwsExactly(dense({ k: rand([2, 24, 2, 64]) }), 'k', 'flashAttnFunc: k headDim (dim 3) must equal q headDim 32, got 64');
  });

  test('v head dim above 256 or not a multiple of 8', () => {
    throwsExactly(dense({ v: rand([2, 24, 2, 20]) }), 'v', 'flashAttnFunc: v headDimV (dim 3) must be a multiple of 8 between 8 and 256, got 20');
    throwsExactly(dense({ v: rand([2, 24, 2, 512]) }), 'v', 'flashAttnFunc: v headDimV (dim 3) must be a multiple of 8 between 8 and 256, got 512');
  });

  test('non-contiguous last dim', () => {
    // [b, s, d, h] storage viewed as [b, s, h, d]: the last dim has stride 4.
    const q = rand([2, 16, 32, 4]).permute([0, 1, 3, 2]);
    throwsExactly(
      dense({ q }),
      'q',
      'flashAttnFunc: q must have a contiguous last dim (stride 1), got strides [2048, 128, 1, 4] for dims [2, 16, 4, 32]',
    );
    const v = rand([2, 24, 2, 64]).slice(3, 0, 64, 2);
    throwsExactly(
      dense({ v }),
      'v',
      'flashAttnFunc: v must have a contiguous last dim (stride 1), got strides [3072, 128, 64, 2] for dims [2, 24, 2, 32]',
    );
  });
});

describe('option errors', () => {
  test('opts not an object', () => {
    throwsExactly(dense({}, 5), 'opts', 'flashAttnFunc: opts must be an options object, got 5');
    throwsExactly(dense({}, [true]), 'opts', 'flashAttnFunc: opts must be an options object, got [true]');
  });

  test('unknown option', () => {
    throwsExactly(
      dense({}, { casual: true }),
      'opts',
      'flashAttnFunc: opts must only have the options softmaxScale, causal, windowSize, softcap, returnLse, deterministic, out, stream, got unknown option "casual"',
    );
  });

  test('softmaxScale not finite', () => {
    throwsExactly(dense({}, { softmaxScale: NaN }), 'softmaxScale', 'flashAttnFunc: softmaxScale must be a finite number, got NaN');
    throwsExactly(dense({}, { softmaxScale: Infinity }), 'softmaxScale', 'flashAttnFunc: softmaxScale must be a finite number, got Infinity');
    throwsExactly(dense({}, { softmaxScale: '0.1' }), 'softmaxScale', 'flashAttnFunc: softmaxScale must be a finite number, got "0.1"');
  });

  test('flags not boolean', () => {
    throwsExactly(dense({}, { causal: 'yes' }), 'causal', 'flashAttnFunc: causal must be a boolean, got "yes"');
    throwsExactly(dense({}, { returnLse: 1 }), 'returnLse', 'flashAttnFunc: returnLse must be a boolean, got 1');
    throwsExactly(dense({}, { deterministic: null }), 'deterministic', 'flashAttnFunc: deterministic must be a boolean, got null');
  });

  test('bad window', () => {
    for (const [w, shown] of [
      [[-2, 0], '[-2, 0]'],
      [[1.5, 0], '[1.5, 0]'],
      [[4], '[4]'],
      [[0, NaN], '[0, NaN]'],
      ['4', '"4"'],
    ] as const) {
      throwsExactly(
        dense({}, { windowSize: w }),
        'windowSize',
        `flashAttnFunc: windowSize must be [left, right] with integers >= -1 (-1 = unbounded), got ${shown}`,
      );
    }
  });

  test('negative softcap', () => {
    for (const [c, shown] of [
      [-1, '-1'],
      [Infinity, 'Infinity'],
      [NaN, 'NaN'],
    ] as const) {
      throwsExactly(dense({}, { softcap: c }), 'softcap', `flashAttnFunc: softcap must be a finite number >= 0 (0 = off), got ${shown}`);
    }
  });

  test('out not a Tensor or disposed', () => {
    throwsExactly(dense({}, { out: new Float32Array(4) }), 'out', 'flashAttnFunc: out must be a Tensor, got a Float32Array');
    const out = Tensor.empty([2, 16, 4, 32], { dtype: 'bfloat16' });
    out.dispose();
    throwsExactly(dense({}, { out }), 'out', 'flashAttnFunc: out must be a live Tensor, got a disposed one');
  });

  test('out with wrong dims', () => {
    const out = Tensor.empty([2, 16, 2, 32], { dtype: 'bfloat16' });
    throwsExactly(dense({}, { out }), 'out', 'flashAttnFunc: out must have dims [2, 16, 4, 32], got [2, 16, 2, 32]');
  });

  test('out with wrong dtype', () => {
    const out = Tensor.empty([2, 16, 4, 32], { dtype: 'float32' });
    throwsExactly(dense({}, { out }), 'out', "flashAttnFunc: out dtype must be bfloat16 (the inputs' dtype), got float32");
  });

  test('out on another device', () => {
    const out = fakeCuda(Tensor.empty([2, 16, 4, 32], { dtype: 'bfloat16' }));
    throwsExactly(dense({}, { out }), 'out', "flashAttnFunc: out must be on the inputs' device cpu, got cuda:0");
  });

  test('out with a non-contiguous last dim', () => {
    const out = Tensor.empty([2, 16, 32, 4], { dtype: 'bfloat16' }).permute([0, 1, 3, 2]);
    throwsExactly(
      dense({}, { out }),
      'out',
      'flashAttnFunc: out must have a contiguous last dim (stride 1), got strides [2048, 128, 1, 4] for dims [2, 16, 4, 32]',
    );
  });
});

describe('packed argument errors', () => {
  test('qkv wrong rank', () => {
    throwsExactly(
      () => flashAttnQkvpackedFunc(rand([2, 16, 3, 128])),
      'qkv',
      'flashAttnQkvpackedFunc: qkv must have 5 dims [batch, seqlen, 3, heads, headDim], got [2, 16, 3, 128]',
    );
  });

  test('qkv dim 2 not 3', () => {
    throwsExactly(
      () => flashAttnQkvpackedFunc(rand([2, 16, 2, 4, 32])),
      'qkv',
      'flashAttnQkvpackedFunc: qkv dim 2 must be 3 (q, k, v), got dims [2, 16, 2, 4, 32]',
    );
  });

  test('qkv errors name qkv, not its views', () => {
    throwsExactly(
      () => flashAttnQkvpackedFunc(rand([2, 16, 3, 4, 36])),
      'qkv',
      'flashAttnQkvpackedFunc: qkv headDim (dim 3) must be a multiple of 8 between 8 and 256, got 36',
    );
  });

  test('kv wrong rank', () => {
    throwsExactly(
      () => flashAttnKvpackedFunc(rand([2, 16, 4, 32]), rand([2, 24, 2, 64])),
      'kv',
      'flashAttnKvpackedFunc: kv must have 5 dims [batch, seqlenK, 2, headsKV, headDim], got [2, 24, 2, 64]',
    );
  });

  test('kv dim 2 not 2', () => {
    throwsExactly(
      () => flashAttnKvpackedFunc(rand([2, 16, 4, 32]), rand([2, 24, 3, 2, 32])),
      'kv',
      'flashAttnKvpackedFunc: kv dim 2 must be 2 (k, v), got dims [2, 24, 3, 2, 32]',
    );
  });

  test('kv heads not dividing q heads', () => {
    throwsExactly(
      () => flashAttnKvpackedFunc(rand([2, 16, 4, 32]), rand([2, 24, 2, 3, 32])),
      'kv',
      'flashAttnKvpackedFunc: kv headsKV (dim 2) must divide q heads 4, got 3',
    );
  });
});

describe('flashAttnVarlenFunc argument errors', () => {
  // Sequences of 3 and 5 queries, 4 and 6 keys.
  function varlenCall(over: Partial<Record<keyof VarlenOptions | 'q' | 'k' | 'v', unknown>> = {}): () => unknown {
    const q = (over.q ?? rand([8, 4, 16], 'float16', 1)) as Tensor;
    const k = (over.k ?? rand([10, 2, 16], 'float16', 2)) as Tensor;
    const v = (over.v ?? rand([10, 2, 16], 'float16', 3)) as Tensor;
    const opts: Record<string, unknown> = {
      cuSeqlensQ: int32([0, 3, 8]),
      cuSeqlensK: int32([0, 4, 10]),
      maxSeqlenQ: 5,
      maxSeqlenK: 6,
    };
    for (const [key, val] of Object.entries(over)) if (!['q', 'k', 'v'].includes(key)) opts[key] = val;
    return () => flashAttnVarlenFunc(q, k, v, opts as unknown as VarlenOptions);
  }

  test('the baseline call is valid', () => {
    assert.ok(varlenCall()() instanceof Tensor);
  });

  test('varlenOpts missing', () => {
    const q = rand([8, 4, 16]);
    throwsExactly(
      () => flashAttnVarlenFunc(q, q, q, undefined as unknown as VarlenOptions),
      'varlenOpts',
      'flashAttnVarlenFunc: varlenOpts must be an object with cuSeqlensQ, cuSeqlensK, maxSeqlenQ and maxSeqlenK, got undefined',
    );
  });

  test('wrong rank', () => {
    throwsExactly(varlenCall({ q: rand([1, 8, 4, 16], 'float16') }), 'q', 'flashAttnVarlenFunc: q must have 3 dims [totalQ, heads, headDim], got [1, 8, 4, 16]');
    throwsExactly(varlenCall({ v: rand([10, 32], 'float16') }), 'v', 'flashAttnVarlenFunc: v must have 3 dims [totalK, headsKV, headDimV], got [10, 32]');
  });

  test('empty batch: no query or key rows', () => {
    throwsExactly(
      varlenCall({ q: rand([0, 4, 16], 'float16'), cuSeqlensQ: int32([0, 0, 0]) }),
      'q',
      'flashAttnVarlenFunc: q total rows (dim 0) must be at least 1 (empty batch), got 0',
    );
    throwsExactly(
      varlenCall({ k: rand([0, 2, 16], 'float16'), v: rand([0, 2, 16], 'float16') }),
      'k',
      'flashAttnVarlenFunc: k total rows (dim 0) must be at least 1 (empty batch), got 0',
    );
  });

  test('v total rows differ from k', () => {
    throwsExactly(varlenCall({ v: rand([9, 2, 16], 'float16') }), 'v', 'flashAttnVarlenFunc: v total rows (dim 0) must equal k total rows 10, got 9');
  });

  test('cuSeqlens not a Tensor', () => {
    throwsExactly(varlenCall({ cuSeqlensQ: [0, 3, 8] }), 'cuSeqlensQ', 'flashAttnVarlenFunc: cuSeqlensQ must be a Tensor, got [0, 3, 8]');
  });

  test('cuSeqlens not int32', () => {
    throwsExactly(
      varlenCall({ cuSeqlensK: Tensor.fromData([0, 4, 10], [3]) }),
      'cuSeqlensK',
      'flashAttnVarlenFunc: cuSeqlensK dtype must be int32, got float32',
    );
  });

  test('cuSeqlens on another device', () => {
    throwsExactly(
      varlenCall({ cuSeqlensQ: fakeCuda(int32([0, 3, 8])) }),
      'cuSeqlensQ',
      "flashAttnVarlenFunc: cuSeqlensQ must be on q's device cpu, got cuda:0",
    );
  });

  test('empty batch: cuSeqlensQ with one entry', () => {
    throwsExactly(
      varlenCall({ cuSeqlensQ: int32([0]) }),
      'cuSeqlensQ',
      'flashAttnVarlenFunc: cuSeqlensQ must have 1 dim [batch + 1] with batch >= 1 (empty batch), got dims [1]',
    );
  });

  test('cuSeqlensK of the wrong length', () => {
    throwsExactly(
      varlenCall({ cuSeqlensK: int32([0, 4, 6, 10]) }),
      'cuSeqlensK',
      'flashAttnVarlenFunc: cuSeqlensK must have dims [3] ([batch + 1], as cuSeqlensQ), got [4]',
    );
  });

  test('cuSeqlens not contiguous', () => {
    const strided = Tensor.fromData(Int32Array.from([0, 9, 3, 9, 8, 9]), [6], { dtype: 'int32' }).slice(0, 0, 6, 2);
    throwsExactly(varlenCall({ cuSeqlensQ: strided }), 'cuSeqlensQ', 'flashAttnVarlenFunc: cuSeqlensQ must be contiguous (stride 1), got strides [2]');
  });

  test('cuSeqlens not starting at 0', () => {
    throwsExactly(varlenCall({ cuSeqlensQ: int32([1, 3, 8]) }), 'cuSeqlensQ', 'flashAttnVarlenFunc: cuSeqlensQ[0] must be 0, got 1');
  });

  test('cuSeqlens not monotone', () => {
    throwsExactly(
      varlenCall({ cuSeqlensK: int32([0, 11, 10]) }),
      'cuSeqlensK',
      'flashAttnVarlenFunc: cuSeqlensK must be non-decreasing, got cuSeqlensK[2] = 10 after cuSeqlensK[1] = 11',
    );
  });

  test('cuSeqlens last entry not the total', () => {
    throwsExactly(
      varlenCall({ cuSeqlensQ: int32([0, 3, 7]) }),
      'cuSeqlensQ',
      'flashAttnVarlenFunc: cuSeqlensQ last entry must equal q total rows (dim 0) 8, got cuSeqlensQ[2] = 7',
    );
    throwsExactly(
      varlenCall({ cuSeqlensK: int32([0, 4, 12]) }),
      'cuSeqlensK',
      'flashAttnVarlenFunc: cuSeqlensK last entry must equal k total rows (dim 0) 10, got cuSeqlensK[2] = 12',
    );
  });

  test('maxSeqlen too small', () => {
    throwsExactly(varlenCall({ maxSeqlenQ: 4 }), 'maxSeqlenQ', 'flashAttnVarlenFunc: maxSeqlenQ must be an integer >= the longest query sequence 5, got 4');
    throwsExactly(varlenCall({ maxSeqlenK: 6.5 }), 'maxSeqlenK', 'flashAttnVarlenFunc: maxSeqlenK must be an integer >= the longest key sequence 6, got 6.5');
    throwsExactly(varlenCall({ maxSeqlenK: undefined }), 'maxSeqlenK', 'flashAttnVarlenFunc: maxSeqlenK must be an integer >= the longest key sequence 6, got undefined');
  });

  test('sequsedK not int32 or of the wrong length', () => {
    throwsExactly(
      varlenCall({ sequsedK: Tensor.fromData([4, 6], [2], { dtype: 'float16' }) }),
      'sequsedK',
      'flashAttnVarlenFunc: sequsedK dtype must be int32, got float16',
    );
    throwsExactly(
      varlenCall({ sequsedK: int32([4, 6, 1]) }),
      'sequsedK',
      'flashAttnVarlenFunc: sequsedK must have dims [2] ([batch]), got [3]',
    );
  });

  test('sequsedK out of range', () => {
    throwsExactly(
      varlenCall({ sequsedK: int32([4, 7]) }),
      'sequsedK',
      "flashAttnVarlenFunc: sequsedK[1] must be in [0, 6] (that sequence's key length), got 7",
    );
    throwsExactly(
      varlenCall({ sequsedK: int32([-1, 6]) }),
      'sequsedK',
      "flashAttnVarlenFunc: sequsedK[0] must be in [0, 4] (that sequence's key length), got -1",
    );
  });

  test('unknown varlen option', () => {
    throwsExactly(
      varlenCall({ seqUsedK: int32([4, 6]) } as never),
      'varlenOpts',
      'flashAttnVarlenFunc: varlenOpts must only have the options softmaxScale, causal, windowSize, softcap, returnLse, deterministic, out, stream, cuSeqlensQ, cuSeqlensK, maxSeqlenQ, maxSeqlenK, sequsedK, got unknown option "seqUsedK"',
    );
  });

  test('varlen option errors use the same messages', () => {
    throwsExactly(varlenCall({ softcap: -2 }), 'softcap', `${VF}: softcap must be a finite number >= 0 (0 = off), got -2`);
    throwsExactly(
      varlenCall({ out: Tensor.empty([8, 4, 8], { dtype: 'float16' }) }),
      'out',
      `${VF}: out must have dims [8, 4, 16], got [8, 4, 8]`,
    );
  });
});

describe('option resolution', () => {
  test('defaults, causal and windows wider than the keys', () => {
    assert.deepEqual(resolveOptions(F, {}, 64, 100), { softmaxScale: 0.125, causal: false, windowLeft: -1, windowRight: -1, softcap: 0 });
    assert.deepEqual(resolveOptions(F, { causal: true, windowSize: [-1, 7] }, 16, 100), {
      softmaxScale: 0.25,
      causal: true,
      windowLeft: -1,
      windowRight: 0,
      softcap: 0,
    });
    // A causal mask with a left bound is local attention, as FlashAttention decides.
    assert.equal(resolveOptions(F, { causal: true, windowSize: [5, -1] }, 16, 100).causal, false);
    // [-1, 0] is the causal mask.
    assert.equal(resolveOptions(F, { windowSize: [-1, 0] }, 16, 100).causal, true);
    const wide = resolveOptions(F, { windowSize: [100, 100] }, 16, 100);
    assert.deepEqual([wide.windowLeft, wide.windowRight], [-1, -1]);
    const narrow = resolveOptions(F, { windowSize: [99, 99], softcap: 3, softmaxScale: -0.5 }, 16, 100);
    assert.deepEqual([narrow.windowLeft, narrow.windowRight, narrow.softcap, narrow.softmaxScale], [99, 99, 3, -0.5]);
  });
});

describe('dispatch errors', () => {
  function problem(fake = false): AttentionProblem {
    const { q, k, v } = inputs();
    if (fake) for (const t of [q, k, v]) fakeCuda(t);
    const vp = validateDense(F, { q: 'q', k: 'k', v: 'v' }, q, k, v, { causal: true });
    return { ...vp, out: Tensor.empty([2, 16, 4, 32], { dtype: 'bfloat16' }), lse: undefined };
  }

  /** Runs `fn` with FLASH_ATTN_BACKEND set to `value` (or unset) and only the given GPU backends. */
  function withEnv<T>(value: string | undefined, gpuBackends: AttentionBackend[], fn: () => T): T {
    const saved = process.env.FLASH_ATTN_BACKEND;
    const savedBackends = (['sm80', 'sm90'] as const).map((n) => getBackend(n));
    if (value === undefined) delete process.env.FLASH_ATTN_BACKEND;
    else process.env.FLASH_ATTN_BACKEND = value;
    reloadBackendEnv();
    unregisterBackend('sm80');
    unregisterBackend('sm90');
    for (const b of gpuBackends) registerBackend(b);
    try {
      return fn();
    } finally {
      if (saved === undefined) delete process.env.FLASH_ATTN_BACKEND;
      else process.env.FLASH_ATTN_BACKEND = saved;
      reloadBackendEnv();
      unregisterBackend('sm80');
      unregisterBackend('sm90');
      for (const b of savedBackends) if (b) registerBackend(b);
    }
  }

  const fakeSm90: AttentionBackend = { name: 'sm90', supports: () => undefined, forward: () => {} };
  const DESC = 'bfloat16 on cpu, batch 2, seqlenQ 16, seqlenK 24, heads 4/2, headDim 32/32, causal';

  test('cpu tensors go to the cpu backend', () => {
    withEnv(undefined, [], () => {
      assert.deepEqual(explainDispatch(problem()), { backend: 'cpu', reasons: [] });
      assert.equal(selectBackend(problem()), cpuBackend);
    });
    withEnv('cpu', [], () => assert.equal(selectBackend(problem()), cpuBackend));
  });

  test('FLASH_ATTN_BACKEND with an unknown value', () => {
    withEnv('sm70', [], () => {
      assert.throws(() => selectBackend(problem()), {
        name: 'AttentionDispatchError',
        message: 'FLASH_ATTN_BACKEND must be one of cpu, sm80, sm90 (or unset), got "sm70"',
      });
    });
  });

  test('FLASH_ATTN_BACKEND forcing a backend that is not registered', () => {
    withEnv('sm90', [], () => {
      const { q, k, v } = inputs();
      assert.throws(() => flashAttnFunc(q, k, v, { causal: true }), {
        name: 'AttentionDispatchError',
        message: `flashAttnFunc: the backend forced by FLASH_ATTN_BACKEND=sm90 cannot run it (${DESC}): sm90: not registered (its kernels are not built or not loaded) (forced by FLASH_ATTN_BACKEND=sm90)`,
      });
    });
  });

  test('FLASH_ATTN_BACKEND forcing a GPU backend for cpu tensors', () => {
    withEnv('sm90', [fakeSm90], () => {
      assert.throws(() => selectBackend(problem()), {
        name: 'AttentionDispatchError',
        message: `flashAttnFunc: the backend forced by FLASH_ATTN_BACKEND=sm90 cannot run it (${DESC}): sm90: inputs are on the cpu (forced by FLASH_ATTN_BACKEND=sm90)`,
      });
    });
  });

  test('cuda tensors that no GPU kernel takes', () => {
    withEnv(undefined, [], () => {
      const p = problem(true);
      assert.throws(() => selectBackend(p), (e: unknown) => {
        assert.ok(e instanceof AttentionDispatchError);
        assert.equal(
          e.message,
          'flashAttnFunc: no GPU kernel takes it (bfloat16 on cuda:0, batch 2, seqlenQ 16, seqlenK 24, heads 4/2, headDim 32/32, causal): ' +
            'sm90: not registered (its kernels are not built or not loaded); sm80: not registered (its kernels are not built or not loaded)',
        );
        return true;
      });
    });
  });

  test('the cpu backend refuses cuda tensors with a reason', () => {
    assert.equal(cpuBackend.supports(problem(true)), 'inputs are on cuda:0; the cpu backend reads host tensors');
  });

  test('registerBackend with an unknown name', () => {
    assert.throws(() => registerBackend({ name: 'sm75' as 'sm80', supports: () => undefined, forward: () => {} }), {
      name: 'TypeError',
      message: 'registerBackend: backend name must be one of cpu, sm80, sm90, got "sm75"',
    });
  });

  test('validation happens before anything runs', () => {
    let calls = 0;
    registerBackend({ ...cpuBackend, forward: () => void calls++ });
    try {
      const out = Tensor.empty([2, 16, 4, 32], { dtype: 'float16' });
      throwsExactly(dense({}, { causal: true, out }), 'out', "flashAttnFunc: out dtype must be bfloat16 (the inputs' dtype), got float16");
      throwsExactly(varlenCallBadMax(), 'maxSeqlenK', 'flashAttnVarlenFunc: maxSeqlenK must be an integer >= the longest key sequence 6, got 2');
      assert.equal(calls, 0);
    } finally {
      registerBackend(cpuBackend);
    }
  });

  function varlenCallBadMax(): () => unknown {
    const q = rand([8, 4, 16]);
    const k = rand([10, 2, 16]);
    return () =>
      flashAttnVarlenFunc(q, k, k, { cuSeqlensQ: int32([0, 3, 8]), cuSeqlensK: int32([0, 4, 10]), maxSeqlenQ: 5, maxSeqlenK: 2 });
  }
});
