/**
 * The public attention API on the CPU path, checked with FlashAttention's acceptance rule against
 * the float64 reference (src/attention/reference.ts): every option, the awkward sequence lengths,
 * GQA/MQA, varlen with sequsedK, packed inputs (identical results, no copies), in-place `out`,
 * empty rows, NaN and large logits, and memory that stays O(seqlen) on a long sequence.
 *
 * Outputs are poisoned with NaN before each run, so an element the implementation forgets to
 * write fails the check. Expected options are spelled out here (resolved by hand), not taken from
 * validate.ts, so a resolution bug cannot agree with itself.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../src/tensor/tensor.js';
import type { DType } from '../src/tensor/dtype.js';
import type { AttentionOptions, ResolvedAttention } from '../src/attention/types.js';
import {
  type ReferenceResult,
  type ReferenceVarlen,
  acceptanceCheck,
  attentionNaiveLowPrecision,
  attentionReference,
} from '../src/attention/reference.js';
import { gpuTest } from './support/gpu.js';
import {
  AttentionDispatchError,
  CPU_TILE_M,
  CPU_TILE_N,
  cpuAttentionStats,
  cpuBackend,
  flashAttnFunc,
  flashAttnKvpackedFunc,
  flashAttnQkvpackedFunc,
  flashAttnVarlenFunc,
  getBackend,
  registerBackend,
  reloadBackendEnv,
  type AttentionProblem,
} from '../src/attention/index.js';

type FloatDType = Extract<DType, 'float32' | 'float16' | 'bfloat16'>;
const DTYPES: readonly FloatDType[] = ['float32', 'float16', 'bfloat16'];

interface Shape {
  batch: number;
  sq: number;
  sk: number;
  heads: number;
  headsKV: number;
  d: number;
  dv?: number;
}

let seedCounter = 7000;
function randQKV(s: Shape, dtype: FloatDType, scale = 1): { q: Tensor; k: Tensor; v: Tensor } {
  const seed = seedCounter;
  seedCounter += 3;
  return {
    q: Tensor.randn([s.batch, s.sq, s.heads, s.d], { dtype, seed, std: scale }),
    k: Tensor.randn([s.batch, s.sk, s.headsKV, s.d], { dtype, seed: seed + 1, std: scale }),
    v: Tensor.randn([s.batch, s.sk, s.headsKV, s.dv ?? s.d], { dtype, seed: seed + 2 }),
  };
}

/** Options as the reference receives them, resolved by hand (windows here stay below seqlenK). */
function resolvedFor(o: AttentionOptions, headDim: number): ResolvedAttention {
  const causal = o.causal ?? false;
  const [left, right] = o.windowSize ?? [-1, -1];
  return {
    softmaxScale: o.softmaxScale ?? 1 / Math.sqrt(headDim),
    causal,
    windowLeft: left,
    windowRight: causal ? 0 : right,
    softcap: o.softcap ?? 0,
  };
}

function poisoned(dims: readonly number[], dtype: DType): Tensor {
  return Tensor.full(dims, NaN, { dtype });
}

/**
 * The "naive" side of the acceptance rule. float16/bfloat16: the reference's low-precision
 * softmax(QK^T)V. float32: the float64 result rounded to float32, a stricter bound than a float32
 * naive computation would give (that one also rounds every score and sum).
 */
function naiveFor(q: Tensor, k: Tensor, v: Tensor, o: ResolvedAttention, dtype: FloatDType, ref: ReferenceResult, varlen?: ReferenceVarlen): ReferenceResult {
  if (dtype !== 'float32') return attentionNaiveLowPrecision(q, k, v, o, dtype, varlen);
  return { ...ref, out: ref.out.map(Math.fround), lse: ref.lse.map(Math.fround) };
}

function assertAccepted(actual: { out: Tensor; lse: Tensor }, ref: ReferenceResult, naive: ReferenceResult, what: string): void {
  assert.deepEqual(actual.out.dims, ref.outDims, `${what}: out dims`);
  assert.deepEqual(actual.lse.dims, ref.lseDims, `${what}: lse dims`);
  const o = acceptanceCheck(actual.out.toFloat64Array(), ref.out, naive.out);
  assert.ok(o.ok, `${what}: out: ${o.message}`);
  const l = acceptanceCheck(actual.lse.toFloat64Array(), ref.lse, naive.lse);
  assert.ok(l.ok, `${what}: lse: ${l.message}`);
}

/** Runs flashAttnFunc into a poisoned `out` and checks out and lse with the acceptance rule. */
function checkDense(shape: Shape, dtype: FloatDType, opts: AttentionOptions, what: string, inputScale = 1): void {
  const { q, k, v } = randQKV(shape, dtype, inputScale);
  const out = poisoned([shape.batch, shape.sq, shape.heads, shape.dv ?? shape.d], dtype);
  const res = flashAttnFunc(q, k, v, { ...opts, out, returnLse: true });
  assert.equal(res.out, out, `${what}: the given out is returned`);
  assert.equal(res.out.dtype, dtype, `${what}: output dtype`);
  const o = resolvedFor(opts, shape.d);
  const ref = attentionReference(q, k, v, o);
  assertAccepted(res, ref, naiveFor(q, k, v, o, dtype, ref), `${what} (${dtype})`);
}

function tensorOf(values: readonly number[]): Tensor {
  return Tensor.fromData(Int32Array.from(values), [values.length], { dtype: 'int32' });
}

/** Peak resident set size so far, in bytes (a process-wide high-water mark). */
function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

// This test runs first: maxRSS is a high-water mark, so it must be read before other tests raise it.
test('memory stays O(seqlen): seqlen 8192 never holds a score matrix', () => {
  const S = 8192;
  const d = 8;
  const shape = { batch: 1, sq: S, sk: S, heads: 1, headsKV: 1, d };
  const { q, k, v } = randQKV(shape, 'float32');
  const out = poisoned([1, S, 1, d], 'float32');
  const scoreMatrixBytes = S * S * 4; // 256 MiB in float32
  const before = peakRss();
  const res = flashAttnFunc(q, k, v, { causal: true, out, returnLse: true });
  const growth = peakRss() - before;
  assert.ok(growth < scoreMatrixBytes / 8, `peak RSS grew by ${growth} bytes; a float32 score matrix is ${scoreMatrixBytes}`);
  assert.ok(
    cpuAttentionStats.lastScratchBytes < 1 << 20,
    `scratch ${cpuAttentionStats.lastScratchBytes} bytes should be O(tile), not O(seqlen^2)`,
  );
  // The last 64 query rows against the reference: with bottom-right alignment they are the
  // result of their own 64-row slice of q.
  const tail = 64;
  const o = resolvedFor({ causal: true }, d);
  const qTail = q.slice(1, S - tail);
  const ref = attentionReference(qTail, k, v, o);
  const outTail = res.out.slice(1, S - tail);
  const lseTail = res.lse.slice(2, S - tail);
  const check = acceptanceCheck(outTail.toFloat64Array(), ref.out, ref.out.map(Math.fround));
  assert.ok(check.ok, `tail rows: ${check.message}`);
  assert.ok(acceptanceCheck(lseTail.toFloat64Array(), ref.lse, ref.lse.map(Math.fround)).ok, 'tail lse');
  // Control: the probe does see a matrix of that size when one is materialized.
  const before2 = peakRss();
  const matrix = new Float32Array(S * S).fill(1);
  const growth2 = peakRss() - before2;
  assert.ok(matrix[S]! === 1 && growth2 > scoreMatrixBytes / 2, `control: a score matrix raised peak RSS by only ${growth2} bytes`);
});

describe('flashAttnFunc (cpu) against the float64 reference', () => {
  const OPTIONS: Array<[string, AttentionOptions]> = [
    ['defaults', {}],
    ['softmaxScale 0.3', { softmaxScale: 0.3 }],
    ['causal', { causal: true }],
    ['window [16, 8]', { windowSize: [16, 8] }],
    ['window [0, 0]', { windowSize: [0, 0] }],
    ['window [40, -1]', { windowSize: [40, -1] }],
    ['window [-1, 3]', { windowSize: [-1, 3] }],
    ['causal with window left 20', { causal: true, windowSize: [20, -1] }],
    ['softcap 2, scale 1.5', { softcap: 2, softmaxScale: 1.5 }],
    ['causal, softcap 5, window [70, 0]', { causal: true, softcap: 5, windowSize: [70, 0] }],
  ];
  const SHAPES: Array<[string, Shape]> = [
    ['sq == sk', { batch: 2, sq: 129, sk: 129, heads: 4, headsKV: 2, d: 32 }],
    ['sq > sk', { batch: 1, sq: 203, sk: 113, heads: 2, headsKV: 1, d: 16 }],
    ['sq < sk', { batch: 2, sq: 17, sk: 203, heads: 2, headsKV: 2, d: 16, dv: 24 }],
  ];
  for (const dtype of DTYPES) {
    test(`every option, sq == sk, sq > sk, sq < sk (${dtype})`, () => {
      for (const [name, opts] of OPTIONS) {
        for (const [shapeName, shape] of SHAPES) checkDense(shape, dtype, opts, `${name}, ${shapeName}`);
      }
    });
  }

  test('awkward seqlens 1, 17, 113, 127, 128, 129, 203, 1000 and 4097 (every dtype)', () => {
    const lens = [1, 17, 113, 127, 128, 129, 203, 1000];
    let n = 0;
    for (const s of lens) {
      for (const dtype of DTYPES) {
        const causal = n++ % 2 === 1;
        checkDense({ batch: 1, sq: s, sk: s, heads: 1, headsKV: 1, d: 8 }, dtype, { causal }, `seqlen ${s}, causal ${causal}`);
      }
    }
    const pairs: Array<[number, number]> = [
      [1, 1000],
      [1000, 1],
      [129, 17],
      [17, 129],
      [1, 4097],
      [4097, 65],
    ];
    for (const [sq, sk] of pairs) {
      for (const causal of [false, true]) {
        const dtype = DTYPES[n++ % 3]!;
        checkDense({ batch: 1, sq, sk, heads: 1, headsKV: 1, d: 8 }, dtype, { causal }, `sq ${sq}, sk ${sk}, causal ${causal}`);
      }
    }
  });

  test('batch 1, one head; head dims 8 to 256; headDimV != headDim', () => {
    for (const [d, dv] of [
      [8, 8],
      [64, 64],
      [128, 128],
      [256, 256],
      [64, 128],
      [128, 32],
    ] as const) {
      const dtype = DTYPES[(d + dv) % 3]!;
      checkDense({ batch: 1, sq: 33, sk: 70, heads: 1, headsKV: 1, d, dv }, dtype, { causal: d === dv }, `d ${d}, dv ${dv}`);
    }
  });

  test('GQA groups 2..8 and MQA', () => {
    for (let group = 2; group <= 8; group++) {
      const headsKV = group % 2 === 0 ? 2 : 1;
      const shape = { batch: 2, sq: 40, sk: 67, heads: group * headsKV, headsKV, d: 16 };
      checkDense(shape, DTYPES[group % 3]!, { causal: group % 3 === 0 }, `group ${group}, headsKV ${headsKV}`);
    }
    checkDense({ batch: 1, sq: 50, sk: 50, heads: 8, headsKV: 1, d: 16 }, 'bfloat16', {}, 'MQA, 8 heads');
  });

  test('a window wider than the sequence behaves as unbounded', () => {
    const shape = { batch: 1, sq: 90, sk: 30, heads: 2, headsKV: 1, d: 16 };
    const { q, k, v } = randQKV(shape, 'float32');
    const plain = flashAttnFunc(q, k, v).toFloat64Array();
    for (const w of [
      [30, 30],
      [1000, -1],
      [-1, 31],
    ] as const) {
      const wide = flashAttnFunc(q, k, v, { windowSize: w }).toFloat64Array();
      assert.deepEqual(wide, plain, `window [${w.join(', ')}]`);
    }
    // causal still applies: windowSize [-1, 1000] with causal is plain causal.
    assert.deepEqual(
      flashAttnFunc(q, k, v, { causal: true, windowSize: [-1, 1000] }).toFloat64Array(),
      flashAttnFunc(q, k, v, { causal: true }).toFloat64Array(),
    );
  });

  test('non-contiguous inputs (only the last dim contiguous) give the same result', () => {
    const shape = { batch: 2, sq: 70, sk: 45, heads: 4, headsKV: 2, d: 16 };
    const { q, k, v } = randQKV(shape, 'bfloat16');
    // [b, h, s, d] storage viewed as [b, s, h, d]; k and v are slices of a wider tensor.
    const qT = Tensor.fromData(q.permute([0, 2, 1, 3]).toFloat64Array(), [2, 4, 70, 16], { dtype: 'bfloat16' }).permute([0, 2, 1, 3]);
    const wide = Tensor.randn([2, 45, 2, 48], { dtype: 'bfloat16', seed: 99 });
    const kvWide = Tensor.fromData(
      (() => {
        const vals = wide.toFloat64Array();
        const kv = k.toFloat64Array();
        const vv = v.toFloat64Array();
        for (let r = 0; r < 2 * 45 * 2; r++) {
          for (let c = 0; c < 16; c++) {
            vals[r * 48 + 8 + c] = kv[r * 16 + c]!;
            vals[r * 48 + 32 + c] = vv[r * 16 + c]!;
          }
        }
        return vals;
      })(),
      [2, 45, 2, 48],
      { dtype: 'bfloat16' },
    );
    const kS = kvWide.slice(3, 8, 24);
    const vS = kvWide.slice(3, 32, 48);
    assert.ok(!qT.isContiguous() && !kS.isContiguous() && !vS.isContiguous());
    const a = flashAttnFunc(q, k, v, { causal: true, returnLse: true });
    const b = flashAttnFunc(qT, kS, vS, { causal: true, returnLse: true });
    assert.deepEqual(b.out.toFloat64Array(), a.out.toFloat64Array());
    assert.deepEqual(b.lse.toFloat64Array(), a.lse.toFloat64Array());
  });
});

describe('flashAttnVarlenFunc (cpu)', () => {
  // Sequences: ordinary, empty queries, empty keys, sq > sk, sq < sk, one token.
  const lensQ = [37, 0, 12, 70, 5, 1];
  const lensK = [37, 9, 0, 20, 130, 1];
  const cumsum = (xs: number[]): number[] => xs.reduce((acc, x) => [...acc, acc.at(-1)! + x], [0]);
  const cuQ = cumsum(lensQ);
  const cuK = cumsum(lensK);
  const totalQ = cuQ.at(-1)!;
  const totalK = cuK.at(-1)!;

  for (const dtype of DTYPES) {
    test(`every mask, with and without sequsedK (${dtype})`, () => {
      const heads = 4;
      const headsKV = 2;
      const d = 16;
      const dv = 8;
      const seed = seedCounter;
      seedCounter += 3;
      const q = Tensor.randn([totalQ, heads, d], { dtype, seed });
      const k = Tensor.randn([totalK, headsKV, d], { dtype, seed: seed + 1 });
      const v = Tensor.randn([totalK, headsKV, dv], { dtype, seed: seed + 2 });
      const used = [30, 9, 0, 20, 64, 0];
      for (const withUsed of [false, true]) {
        for (const opts of [{}, { causal: true }, { windowSize: [6, 2] as const }, { softcap: 3, causal: true, windowSize: [10, -1] as const }]) {
          const out = poisoned([totalQ, heads, dv], dtype);
          const res = flashAttnVarlenFunc(q, k, v, {
            ...opts,
            cuSeqlensQ: tensorOf(cuQ),
            cuSeqlensK: tensorOf(cuK),
            maxSeqlenQ: Math.max(...lensQ),
            maxSeqlenK: Math.max(...lensK),
            ...(withUsed ? { sequsedK: tensorOf(used) } : {}),
            out,
            returnLse: true,
          });
          const varlen: ReferenceVarlen = {
            cuSeqlensQ: Int32Array.from(cuQ),
            cuSeqlensK: Int32Array.from(cuK),
            ...(withUsed ? { sequsedK: Int32Array.from(used) } : {}),
          };
          const o = resolvedFor(opts, d);
          const ref = attentionReference(q, k, v, o, varlen);
          assertAccepted(res, ref, naiveFor(q, k, v, o, dtype, ref, varlen), `${JSON.stringify(opts)}, sequsedK ${withUsed}`);
          // Sequence 2 has no keys (and sequence 5 none used): output 0, lse -inf.
          const lse = res.lse.toFloat64Array();
          for (let h = 0; h < heads; h++) {
            for (let i = cuQ[2]!; i < cuQ[3]!; i++) assert.equal(lse[h * totalQ + i], -Infinity);
          }
        }
      }
    });
  }

  test('varlen equals dense calls per sequence', () => {
    const heads = 2;
    const d = 16;
    const q = Tensor.randn([totalQ, heads, d], { dtype: 'float16', seed: 11 });
    const k = Tensor.randn([totalK, heads, d], { dtype: 'float16', seed: 12 });
    const v = Tensor.randn([totalK, heads, d], { dtype: 'float16', seed: 13 });
    const res = flashAttnVarlenFunc(q, k, v, {
      cuSeqlensQ: tensorOf(cuQ),
      cuSeqlensK: tensorOf(cuK),
      maxSeqlenQ: 70,
      maxSeqlenK: 130,
      causal: true,
    });
    const all = res.toFloat64Array();
    for (let b = 0; b < lensQ.length; b++) {
      if (lensQ[b] === 0 || lensK[b] === 0) continue;
      const qb = q.slice(0, cuQ[b]!, cuQ[b + 1]!).view([1, lensQ[b]!, heads, d]);
      const kb = k.slice(0, cuK[b]!, cuK[b + 1]!).view([1, lensK[b]!, heads, d]);
      const vb = v.slice(0, cuK[b]!, cuK[b + 1]!).view([1, lensK[b]!, heads, d]);
      const dense = flashAttnFunc(qb, kb, vb, { causal: true }).toFloat64Array();
      assert.deepEqual(all.subarray(cuQ[b]! * heads * d, cuQ[b + 1]! * heads * d), dense, `sequence ${b}`);
    }
  });
});

describe('packed inputs', () => {
  /** Records the problem the cpu backend receives and fails if any tensor is copied meanwhile. */
  function spyOnRun<T>(fn: () => T): { result: T; problem: AttentionProblem } {
    let problem: AttentionProblem | undefined;
    const proto = Tensor.prototype as unknown as Record<string, unknown>;
    const copying = ['clone', 'contiguous', 'toHost', 'to', 'toFloat64Array', 'toFloat32Array'] as const;
    const saved = copying.map((name) => proto[name]);
    registerBackend({
      ...cpuBackend,
      forward(p) {
        problem = p;
        cpuBackend.forward(p);
      },
    });
    for (const name of copying) {
      proto[name] = () => {
        throw new Error(`packed inputs were copied: Tensor.${name} was called`);
      };
    }
    try {
      return { result: fn(), problem: problem! };
    } finally {
      copying.forEach((name, i) => (proto[name] = saved[i]));
      registerBackend(cpuBackend);
    }
  }

  for (const dtype of DTYPES) {
    test(`flashAttnQkvpackedFunc equals unpacked and copies nothing (${dtype})`, () => {
      const [b, s, h, d] = [2, 77, 3, 16];
      const qkv = Tensor.randn([b, s, 3, h, d], { dtype, seed: 21 });
      const { result, problem } = spyOnRun(() => flashAttnQkvpackedFunc(qkv, { causal: true, returnLse: true }));
      for (const t of [problem.q, problem.k, problem.v]) {
        assert.equal(t.hostStorageArray(), qkv.hostStorageArray(), 'q, k, v are views of qkv');
        assert.ok(!t.isOwner);
      }
      const q = qkv.select(2, 0).contiguous();
      const k = qkv.select(2, 1).contiguous();
      const v = qkv.select(2, 2).contiguous();
      assert.ok(q.isOwner && q.hostStorageArray() !== qkv.hostStorageArray());
      const plain = flashAttnFunc(q, k, v, { causal: true, returnLse: true });
      assert.deepEqual(result.out.toFloat64Array(), plain.out.toFloat64Array());
      assert.deepEqual(result.lse.toFloat64Array(), plain.lse.toFloat64Array());
    });

    test(`flashAttnKvpackedFunc equals unpacked and copies nothing (${dtype})`, () => {
      const [b, sq, sk, h, hk, d] = [2, 40, 95, 4, 2, 16];
      const q = Tensor.randn([b, sq, h, d], { dtype, seed: 31 });
      const kv = Tensor.randn([b, sk, 2, hk, d], { dtype, seed: 32 });
      const { result, problem } = spyOnRun(() => flashAttnKvpackedFunc(q, kv, { windowSize: [20, 5] }));
      assert.equal(problem.k.hostStorageArray(), kv.hostStorageArray());
      assert.equal(problem.v.hostStorageArray(), kv.hostStorageArray());
      const plain = flashAttnFunc(q, kv.select(2, 0).contiguous(), kv.select(2, 1).contiguous(), { windowSize: [20, 5] });
      assert.deepEqual(result.toFloat64Array(), plain.toFloat64Array());
      const o = resolvedFor({ windowSize: [20, 5] }, d);
      const ref = attentionReference(q, kv.select(2, 0), kv.select(2, 1), o);
      const naive = naiveFor(q, kv.select(2, 0), kv.select(2, 1), o, dtype, ref);
      const check = acceptanceCheck(result.toFloat64Array(), ref.out, naive.out);
      assert.ok(check.ok, check.message);
    });
  }

  test('the spy catches a copy (the no-copy check can fail)', () => {
    const qkv = Tensor.randn([1, 8, 3, 1, 8], { seed: 5 });
    assert.throws(
      () => spyOnRun(() => flashAttnFunc(qkv.select(2, 0).contiguous(), qkv.select(2, 1), qkv.select(2, 2))),
      /packed inputs were copied: Tensor.contiguous was called/,
    );
    assert.equal(getBackend('cpu'), cpuBackend, 'the spy restores the cpu backend');
  });
});

describe('outputs and edge cases', () => {
  test('returns a Tensor without returnLse, { out, lse } with it; allocated out equals given out', () => {
    const shape = { batch: 1, sq: 20, sk: 20, heads: 2, headsKV: 2, d: 8 };
    const { q, k, v } = randQKV(shape, 'bfloat16');
    const a = flashAttnFunc(q, k, v);
    assert.ok(a instanceof Tensor);
    assert.deepEqual(a.dims, [1, 20, 2, 8]);
    assert.equal(a.dtype, 'bfloat16');
    const b = flashAttnFunc(q, k, v, { returnLse: true });
    assert.ok(b.out instanceof Tensor && b.lse instanceof Tensor);
    assert.equal(b.lse.dtype, 'float32');
    assert.deepEqual(b.lse.dims, [1, 2, 20]);
    assert.deepEqual(a.toFloat64Array(), b.out.toFloat64Array());
  });

  test('out given is written in place, also as a strided view, leaving its neighbours alone', () => {
    const shape = { batch: 2, sq: 33, sk: 50, heads: 2, headsKV: 1, d: 16 };
    const { q, k, v } = randQKV(shape, 'float16');
    const expected = flashAttnFunc(q, k, v, { causal: true }).toFloat64Array();
    const big = poisoned([2, 33, 2, 40], 'float16');
    const view = big.slice(3, 8, 24);
    const res = flashAttnFunc(q, k, v, { causal: true, out: view });
    assert.equal(res, view);
    assert.deepEqual(view.toFloat64Array(), expected);
    const all = big.toFloat64Array();
    for (let i = 0; i < all.length; i++) {
      const c = i % 40;
      if (c < 8 || c >= 24) assert.ok(Number.isNaN(all[i]!), `element ${i} outside the view was written`);
    }
  });

  test('fully masked row gives 0 and -inf', () => {
    // causal with sq > sk: the first sq - sk rows see no key; window [0, 0] with sq > sk too.
    for (const dtype of DTYPES) {
      const shape = { batch: 2, sq: 90, sk: 30, heads: 2, headsKV: 1, d: 8 };
      const { q, k, v } = randQKV(shape, dtype);
      for (const opts of [{ causal: true }, { windowSize: [0, 0] as const }]) {
        const out = poisoned([2, 90, 2, 8], dtype);
        const res = flashAttnFunc(q, k, v, { ...opts, out, returnLse: true });
        const o = res.out.toFloat64Array();
        const lse = res.lse.toFloat64Array();
        for (let b = 0; b < 2; b++) {
          for (let i = 0; i < 90; i++) {
            for (let h = 0; h < 2; h++) {
              const row = o.subarray(((b * 90 + i) * 2 + h) * 8, ((b * 90 + i) * 2 + h + 1) * 8);
              const l = lse[(b * 2 + h) * 90 + i]!;
              if (i < 60) {
                assert.ok(row.every((x) => Object.is(x, 0)), `${dtype} row ${i} should be 0, got ${row.join(', ')}`);
                assert.equal(l, -Infinity);
              } else {
                assert.ok(row.every((x) => Number.isFinite(x)) && Number.isFinite(l), `${dtype} row ${i} should be finite`);
              }
            }
          }
        }
      }
    }
  });

  test('NaN in q propagates only to its rows', () => {
    for (const dtype of DTYPES) {
      const shape = { batch: 2, sq: 70, sk: 70, heads: 2, headsKV: 1, d: 16 };
      const { q, k, v } = randQKV(shape, dtype);
      const clean = flashAttnFunc(q, k, v, { returnLse: true });
      const vals = q.toFloat64Array();
      const [nb, ni, nh] = [1, 65, 1];
      vals[((nb * 70 + ni) * 2 + nh) * 16 + 3] = NaN;
      const qNaN = Tensor.fromData(vals, q.dims, { dtype });
      const res = flashAttnFunc(qNaN, k, v, { returnLse: true });
      const o = res.out.toFloat64Array();
      const oc = clean.out.toFloat64Array();
      for (let b = 0; b < 2; b++) {
        for (let i = 0; i < 70; i++) {
          for (let h = 0; h < 2; h++) {
            const base = ((b * 70 + i) * 2 + h) * 16;
            const hit = b === nb && i === ni && h === nh;
            for (let c = 0; c < 16; c++) {
              if (hit) assert.ok(Number.isNaN(o[base + c]!), `${dtype}: NaN row element ${c}`);
              else assert.equal(o[base + c], oc[base + c], `${dtype}: row (${b}, ${i}, ${h}) changed`);
            }
          }
        }
      }
      const lse = res.lse.toFloat64Array();
      const lc = clean.lse.toFloat64Array();
      for (let i = 0; i < lse.length; i++) {
        if (i === (nb * 2 + nh) * 70 + ni) assert.ok(Number.isNaN(lse[i]!));
        else assert.equal(lse[i], lc[i]);
      }
    }
  });

  test('large logits stay finite and accurate', () => {
    // |q.k| reaches ~1e4 with scale 1: a softmax without the running max overflows.
    for (const dtype of DTYPES) {
      const shape = { batch: 1, sq: 100, sk: 150, heads: 2, headsKV: 2, d: 32 };
      checkDense(shape, dtype, { softmaxScale: 1 }, 'logits ~1e4', 20);
      checkDense(shape, dtype, { softmaxScale: 1, causal: true, softcap: 50 }, 'logits ~1e4, softcap 50', 20);
    }
  });

  test('tile edges: seqlens around multiples of the tile sizes', () => {
    assert.equal(CPU_TILE_M, 64);
    for (const [sq, sk] of [
      [CPU_TILE_M - 1, CPU_TILE_N + 1],
      [CPU_TILE_M + 1, CPU_TILE_N - 1],
      [2 * CPU_TILE_M, 2 * CPU_TILE_N],
      [2 * CPU_TILE_M + 1, 3 * CPU_TILE_N + 1],
    ] as const) {
      checkDense({ batch: 1, sq, sk, heads: 1, headsKV: 1, d: 8 }, 'float32', { windowSize: [70, 10] }, `sq ${sq}, sk ${sk}`);
    }
  });
});

describe('cuda tensors on the cpu path', () => {
  gpuTest('FLASH_ATTN_BACKEND=cpu runs cuda tensors through the host into device outputs', () => {
    const shape = { batch: 2, sq: 70, sk: 90, heads: 4, headsKV: 2, d: 32 };
    const { q, k, v } = randQKV(shape, 'bfloat16');
    const opts = { causal: true, returnLse: true } as const;
    const expected = flashAttnFunc(q, k, v, opts);
    const [qd, kd, vd] = [q, k, v].map((t) => t.to('cuda'));
    const qkv = Tensor.randn([1, 40, 3, 2, 16], { dtype: 'float16', seed: 77 });
    const expectedPacked = flashAttnQkvpackedFunc(qkv, { windowSize: [8, 8] });
    const qkvd = qkv.to('cuda');
    const saved = process.env.FLASH_ATTN_BACKEND;
    process.env.FLASH_ATTN_BACKEND = 'cpu';
    reloadBackendEnv();
    try {
      const res = flashAttnFunc(qd!, kd!, vd!, opts);
      assert.equal(res.out.location, 'cuda');
      assert.equal(res.lse.location, 'cuda');
      assert.deepEqual(res.out.toHost().toFloat64Array(), expected.out.toFloat64Array());
      assert.deepEqual(res.lse.toHost().toFloat64Array(), expected.lse.toFloat64Array());
      const packed = flashAttnQkvpackedFunc(qkvd, { windowSize: [8, 8] });
      assert.deepEqual(packed.toHost().toFloat64Array(), expectedPacked.toFloat64Array());
    } finally {
      if (saved === undefined) delete process.env.FLASH_ATTN_BACKEND;
      else process.env.FLASH_ATTN_BACKEND = saved;
      reloadBackendEnv();
    }
    if (!getBackend('sm80') && !getBackend('sm90')) {
      assert.throws(() => flashAttnFunc(qd!, kd!, vd!), AttentionDispatchError);
    }
  });
});
