/**
 * The float64 reference is the oracle of every kernel test, so it is checked three ways here:
 * against a second, naive implementation (test/support/naive-attention.ts) over every option,
 * against hand-worked numbers, and against itself under re-layouts (strided views, varlen vs dense,
 * GQA vs expanded heads). The acceptance rule and the low-precision "naive" are tested too.
 * (Over 500 lines on purpose: every option of the oracle is checked in this one file.)
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../src/tensor/tensor.js';
import type { DType } from '../src/tensor/dtype.js';
import { roundToDType } from '../src/tensor/dtype.js';
import type { ResolvedAttention } from '../src/attention/types.js';
import {
  type ReferenceResult,
  type ReferenceVarlen,
  acceptanceCheck,
  attentionNaiveLowPrecision,
  attentionReference,
} from '../src/attention/reference.js';
import { naiveAttention } from './support/naive-attention.js';

/** Both implementations are float64; only summation order differs. */
const CROSS_CHECK_RTOL = 1e-12;

function resolved(headDim: number, o: Partial<ResolvedAttention> = {}): ResolvedAttention {
  return {
    softmaxScale: o.softmaxScale ?? 1 / Math.sqrt(headDim),
    causal: o.causal ?? false,
    windowLeft: o.windowLeft ?? -1,
    windowRight: o.windowRight ?? -1,
    softcap: o.softcap ?? 0,
  };
}

interface Shape {
  batch: number;
  sq: number;
  sk: number;
  heads: number;
  headsKV: number;
  d: number;
  dv?: number;
}

let seedCounter = 1000;
function randQKV(s: Shape, dtype: DType = 'float32'): { q: Tensor; k: Tensor; v: Tensor } {
  const seed = seedCounter;
  seedCounter += 3;
  return {
    q: Tensor.randn([s.batch, s.sq, s.heads, s.d], { dtype, seed }),
    k: Tensor.randn([s.batch, s.sk, s.headsKV, s.d], { dtype, seed: seed + 1 }),
    v: Tensor.randn([s.batch, s.sk, s.headsKV, s.dv ?? s.d], { dtype, seed: seed + 2 }),
  };
}

/** Same dims, same NaN and infinity positions, finite values within CROSS_CHECK_RTOL. */
function assertMatches(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = CROSS_CHECK_RTOL): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      assert.ok(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${what}[${i}]: expected ${e}, got ${a}`);
      continue;
    }
    assert.ok(Math.abs(a - e) <= rtol * (1 + Math.abs(e)), `${what}[${i}]: expected ${e}, got ${a}`);
  }
}

function assertSameResult(actual: ReferenceResult, expected: ReferenceResult, what: string, rtol = CROSS_CHECK_RTOL): void {
  assert.deepEqual(actual.outDims, expected.outDims, `${what}: outDims`);
  assert.deepEqual(actual.lseDims, expected.lseDims, `${what}: lseDims`);
  assertMatches(actual.out, expected.out, `${what}: out`, rtol);
  assertMatches(actual.lse, expected.lse, `${what}: lse`, rtol);
}

function crossCheck(q: Tensor, k: Tensor, v: Tensor, o: ResolvedAttention, what: string, varlen?: ReferenceVarlen): ReferenceResult {
  const ref = attentionReference(q, k, v, o, varlen);
  const naive = naiveAttention(q, k, v, o, varlen);
  assertSameResult(ref, naive, what);
  return ref;
}

/** A copy of `t` (same dtype, contiguous) with NaN at row-major position `idx`. */
function withNaN(t: Tensor, idx: readonly number[]): Tensor {
  const vals = t.toFloat64Array();
  let flat = 0;
  for (let a = 0; a < idx.length; a++) flat = flat * t.dims[a]! + idx[a]!;
  vals[flat] = NaN;
  return Tensor.fromData(vals, t.dims, { dtype: t.dtype });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(b[i]!)) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const OPTION_SETS: Array<[string, Partial<ResolvedAttention>]> = [
  ['default scale', {}],
  ['softmaxScale 0.7', { softmaxScale: 0.7 }],
  ['causal', { causal: true }],
  ['window left only [3, -1]', { windowLeft: 3 }],
  ['window right only [-1, 2]', { windowRight: 2 }],
  ['window [2, 1]', { windowLeft: 2, windowRight: 1 }],
  ['window [0, 0]', { windowLeft: 0, windowRight: 0 }],
  ['window [0, -1]', { windowLeft: 0 }],
  ['window [-1, 0]', { windowRight: 0 }],
  ['causal with window left 2', { causal: true, windowLeft: 2 }],
  ['softcap 3, scale 1.5', { softcap: 3, softmaxScale: 1.5 }],
  ['causal, softcap 2, window [4, -1]', { causal: true, softcap: 2, windowLeft: 4 }],
];
const SEQLENS: Array<[number, number]> = [
  [1, 1],
  [5, 5],
  [7, 13],
  [13, 7],
  [1, 9],
  [9, 1],
  [16, 16],
];

describe('attentionReference against the naive implementation', () => {
  test('every option on sq == sk, sq < sk and sq > sk (float32 and bfloat16)', () => {
    let n = 0;
    for (const [name, o] of OPTION_SETS) {
      for (const [sq, sk] of SEQLENS) {
        const dtype: DType = n++ % 2 === 0 ? 'float32' : 'bfloat16';
        const shape = { batch: 2, sq, sk, heads: 4, headsKV: 2, d: 8 };
        const { q, k, v } = randQKV(shape, dtype);
        crossCheck(q, k, v, resolved(8, o), `${name}, sq ${sq}, sk ${sk}, ${dtype}`);
      }
    }
  });

  test('GQA groups 1..8 and MQA', () => {
    for (let group = 1; group <= 8; group++) {
      const shape = { batch: 1, sq: 6, sk: 9, heads: 2 * group, headsKV: 2, d: 4 };
      const { q, k, v } = randQKV(shape, group % 2 ? 'float32' : 'bfloat16');
      crossCheck(q, k, v, resolved(4, { causal: group % 3 === 0 }), `group ${group}`);
    }
    const mqa = randQKV({ batch: 2, sq: 5, sk: 7, heads: 5, headsKV: 1, d: 6 });
    crossCheck(mqa.q, mqa.k, mqa.v, resolved(6, { windowLeft: 2, windowRight: 1 }), 'MQA heads 5');
  });

  test('GQA equals attention with each KV head repeated for its query heads', () => {
    const shape = { batch: 2, sq: 5, sk: 6, heads: 6, headsKV: 2, d: 4 };
    const { q, k, v } = randQKV(shape);
    const expand = (t: Tensor): Tensor => {
      const [b, s, hkv, d] = t.dims as [number, number, number, number];
      const src = t.toFloat64Array();
      const group = shape.heads / hkv;
      const dst = new Float64Array(b * s * shape.heads * d);
      for (let r = 0; r < b * s; r++) {
        for (let h = 0; h < shape.heads; h++) {
          for (let c = 0; c < d; c++) dst[(r * shape.heads + h) * d + c] = src[(r * hkv + Math.floor(h / group)) * d + c]!;
        }
      }
      return Tensor.fromData(dst, [b, s, shape.heads, d]);
    };
    const o = resolved(4, { causal: true });
    assertSameResult(attentionReference(q, k, v, o), attentionReference(q, expand(k), expand(v), o), 'GQA vs expanded', 0);
  });

  test('headDimV != headDim', () => {
    for (const [d, dv] of [[16, 8], [8, 24], [4, 1]] as const) {
      const { q, k, v } = randQKV({ batch: 2, sq: 7, sk: 11, heads: 4, headsKV: 4, d, dv });
      const ref = crossCheck(q, k, v, resolved(d, { causal: true }), `d ${d}, dv ${dv}`);
      assert.deepEqual(ref.outDims, [2, 7, 4, dv]);
    }
  });

  test('strided views (permuted q, packed kv) read the same values as contiguous copies', () => {
    const [b, sq, sk, h, hkv, d] = [2, 6, 9, 4, 2, 8];
    const qT = Tensor.randn([b, h, sq, d], { seed: 7, dtype: 'bfloat16' }).permute([0, 2, 1, 3]);
    const kv = Tensor.randn([b, sk, 2, hkv, d], { seed: 8, dtype: 'bfloat16' });
    const k = kv.select(2, 0);
    const v = kv.select(2, 1);
    assert.ok(!qT.isContiguous() && !k.isContiguous());
    const o = resolved(d, { causal: true, softcap: 4 });
    const strided = crossCheck(qT, k, v, o, 'strided');
    const contiguous = attentionReference(qT.contiguous(), k.contiguous(), v.contiguous(), o);
    assert.deepEqual(strided, contiguous);
  });
});

describe('attentionReference varlen', () => {
  // Sequences: (sq 3, sk 5), (sq 0, sk 2), (sq 7, sk 0), (sq 1, sk 13), (sq 4, sk 2).
  const cuSeqlensQ = new Int32Array([0, 3, 3, 10, 11, 15]);
  const cuSeqlensK = new Int32Array([0, 5, 7, 7, 20, 22]);
  const heads = 4;
  const headsKV = 2;
  const d = 8;
  const dv = 6;
  const makeInputs = (dtype: DType) => ({
    q: Tensor.randn([15, heads, d], { seed: 31, dtype }),
    k: Tensor.randn([22, headsKV, d], { seed: 32, dtype }),
    v: Tensor.randn([22, headsKV, dv], { seed: 33, dtype }),
  });

  /** The varlen result assembled from dense batch-1 runs on each sequence's slice. */
  function densePerSequence(q: Tensor, k: Tensor, v: Tensor, o: ResolvedAttention, used?: Int32Array): ReferenceResult {
    const totalQ = q.dims[0]!;
    const out = new Float64Array(totalQ * heads * dv);
    const lse = new Float64Array(heads * totalQ);
    for (let b = 0; b + 1 < cuSeqlensQ.length; b++) {
      const [q0, q1] = [cuSeqlensQ[b]!, cuSeqlensQ[b + 1]!];
      const k0 = cuSeqlensK[b]!;
      const k1 = used ? k0 + used[b]! : cuSeqlensK[b + 1]!;
      const qs = q.slice(0, q0, q1).view([1, q1 - q0, heads, d]);
      const ks = k.slice(0, k0, k1).view([1, k1 - k0, headsKV, d]);
      const vs = v.slice(0, k0, k1).view([1, k1 - k0, headsKV, dv]);
      const r = attentionReference(qs, ks, vs, o);
      out.set(r.out, q0 * heads * dv);
      for (let h = 0; h < heads; h++) lse.set(r.lse.subarray(h * (q1 - q0), (h + 1) * (q1 - q0)), h * totalQ + q0);
    }
    return { out, lse, outDims: [totalQ, heads, dv], lseDims: [heads, totalQ] };
  }

  for (const [name, o] of [
    ['no mask', {}],
    ['causal', { causal: true }],
    ['window [2, 1]', { windowLeft: 2, windowRight: 1 }],
    ['softcap 2, causal', { softcap: 2, causal: true }],
  ] as Array<[string, Partial<ResolvedAttention>]>) {
    test(`uneven lengths with empty sequences, ${name}`, () => {
      const { q, k, v } = makeInputs('bfloat16');
      const varlen = { cuSeqlensQ, cuSeqlensK };
      const ref = crossCheck(q, k, v, resolved(d, o), name, varlen);
      assert.deepEqual(ref.outDims, [15, heads, dv]);
      assert.deepEqual(ref.lseDims, [heads, 15]);
      assertSameResult(ref, densePerSequence(q, k, v, resolved(d, o)), `${name}: varlen vs dense`, 0);
      // Sequence 2 has no keys: every row is empty.
      for (let h = 0; h < heads; h++) for (let i = 3; i < 10; i++) assert.equal(ref.lse[h * 15 + i], -Infinity);
    });
  }

  test('sequsedK limits each sequence to its first keys', () => {
    const { q, k, v } = makeInputs('float32');
    const sequsedK = new Int32Array([4, 1, 0, 13, 0]);
    for (const o of [resolved(d), resolved(d, { causal: true }), resolved(d, { windowLeft: 1, windowRight: 1 })]) {
      const ref = crossCheck(q, k, v, o, 'sequsedK', { cuSeqlensQ, cuSeqlensK, sequsedK });
      assertSameResult(ref, densePerSequence(q, k, v, o, sequsedK), 'sequsedK: varlen vs dense', 0);
      for (let h = 0; h < heads; h++) for (let i = 11; i < 15; i++) assert.equal(ref.lse[h * 15 + i], -Infinity);
    }
    // Keys past sequsedK must not matter, even NaN ones.
    const kNaN = withNaN(k, [4, 0, 0]);
    const withUsed = attentionReference(q, kNaN, v, resolved(d), { cuSeqlensQ, cuSeqlensK, sequsedK });
    assertSameResult(withUsed, attentionReference(q, k, v, resolved(d), { cuSeqlensQ, cuSeqlensK, sequsedK }), 'unused NaN key', 0);
  });
});

describe('attentionReference edge cases', () => {
  test('fully masked rows give 0 and -inf (causal, seqlenQ > seqlenK)', () => {
    const { q, k, v } = randQKV({ batch: 2, sq: 5, sk: 2, heads: 2, headsKV: 1, d: 4 });
    const ref = crossCheck(q, k, v, resolved(4, { causal: true }), 'causal sq 5 sk 2');
    for (let b = 0; b < 2; b++) {
      for (let h = 0; h < 2; h++) {
        for (let i = 0; i < 5; i++) {
          const lse = ref.lse[(b * 2 + h) * 5 + i]!;
          const row = ref.out.subarray(((b * 5 + i) * 2 + h) * 4, ((b * 5 + i) * 2 + h + 1) * 4);
          if (i < 3) {
            assert.equal(lse, -Infinity, `row ${i} is empty`);
            assert.deepEqual([...row], [0, 0, 0, 0]);
          } else {
            assert.ok(Number.isFinite(lse), `row ${i} sees keys`);
            assert.ok(row.some((x) => x !== 0));
          }
        }
      }
    }
  });

  test('seqlenK = 0 gives 0 and -inf everywhere', () => {
    const { q, k, v } = randQKV({ batch: 1, sq: 3, sk: 0, heads: 2, headsKV: 2, d: 4 });
    const ref = crossCheck(q, k, v, resolved(4), 'sk 0');
    assert.ok(ref.out.every((x) => x === 0));
    assert.ok(ref.lse.every((x) => x === -Infinity));
  });

  test('NaN in q propagates to exactly its row', () => {
    const shape = { batch: 2, sq: 4, sk: 6, heads: 4, headsKV: 2, d: 4 };
    const { q, k, v } = randQKV(shape);
    const o = resolved(4, { causal: true });
    const clean = attentionReference(q, k, v, o);
    const ref = crossCheck(withNaN(q, [1, 2, 3, 1]), k, v, o, 'NaN in q');
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < 4; i++) {
        for (let h = 0; h < 4; h++) {
          const hit = b === 1 && i === 2 && h === 3;
          const lseAt = (b * 4 + h) * 4 + i;
          assert.equal(Number.isNaN(ref.lse[lseAt]!), hit, `lse b ${b} i ${i} h ${h}`);
          if (!hit) assert.equal(ref.lse[lseAt], clean.lse[lseAt]);
          for (let c = 0; c < 4; c++) {
            const at = ((b * 4 + i) * 4 + h) * 4 + c;
            if (hit) assert.ok(Number.isNaN(ref.out[at]!));
            else assert.equal(ref.out[at], clean.out[at]);
          }
        }
      }
    }
  });

  test('NaN in a key reaches only the rows that see it, in its KV head group', () => {
    // sq 4, sk 6, causal: query i sees keys j <= i + 2, so key 4 is seen by rows 2 and 3.
    const shape = { batch: 1, sq: 4, sk: 6, heads: 4, headsKV: 2, d: 4 };
    const { q, k, v } = randQKV(shape, 'bfloat16');
    const o = resolved(4, { causal: true });
    const clean = attentionReference(q, k, v, o);
    const ref = crossCheck(q, withNaN(k, [0, 4, 1, 2]), v, o, 'NaN in k');
    for (let i = 0; i < 4; i++) {
      for (let h = 0; h < 4; h++) {
        const hit = i >= 2 && Math.floor(h / 2) === 1;
        const lseAt = h * 4 + i;
        assert.equal(Number.isNaN(ref.lse[lseAt]!), hit, `lse i ${i} h ${h}`);
        if (!hit) assert.equal(ref.lse[lseAt], clean.lse[lseAt]);
        const row = ref.out.subarray((i * 4 + h) * 4, (i * 4 + h + 1) * 4);
        assert.ok(hit ? row.every(Number.isNaN) : row.every(Number.isFinite), `out i ${i} h ${h}`);
      }
    }
  });

  test('NaN in v reaches only its column of the rows that see its key', () => {
    const shape = { batch: 1, sq: 4, sk: 6, heads: 2, headsKV: 1, d: 4, dv: 3 };
    const { q, k, v } = randQKV(shape);
    const o = resolved(4, { causal: true });
    const clean = attentionReference(q, k, v, o);
    const ref = crossCheck(q, k, withNaN(v, [0, 5, 0, 1]), o, 'NaN in v');
    assert.deepEqual(ref.lse, clean.lse);
    for (let i = 0; i < 4; i++) {
      for (let h = 0; h < 2; h++) {
        for (let c = 0; c < 3; c++) {
          const at = (i * 2 + h) * 3 + c;
          assert.equal(Number.isNaN(ref.out[at]!), i === 3 && c === 1, `out i ${i} h ${h} c ${c}`);
        }
      }
    }
  });

  test('scores of 1e4 stay finite and exact (no softcap)', () => {
    // s = [100*100 + 1*0, 100*99 + 1*99] = [10000, 9999]
    const q = Tensor.fromData([100, 1], [1, 1, 1, 2]);
    const k = Tensor.fromData([100, 0, 99, 99], [1, 2, 1, 2]);
    const v = Tensor.fromData([1, 3], [1, 2, 1, 1]);
    const ref = attentionReference(q, k, v, resolved(2, { softmaxScale: 1 }));
    const w1 = Math.exp(-1);
    assert.ok(Math.abs(ref.out[0]! - (1 + 3 * w1) / (1 + w1)) < 1e-15);
    assert.ok(Math.abs(ref.lse[0]! - (10000 + Math.log1p(w1))) < 1e-11);
  });

  test('large random logits give finite convex combinations', () => {
    const shape = { batch: 1, sq: 8, sk: 8, heads: 2, headsKV: 2, d: 16 };
    const q = Tensor.randn([1, 8, 2, 16], { seed: 91, std: 400 });
    const { k, v } = randQKV(shape);
    const ref = attentionReference(q, k, v, resolved(16, { causal: true }));
    const vals = v.toFloat64Array();
    const lo = Math.min(...vals);
    const hi = Math.max(...vals);
    assert.ok(ref.lse.every(Number.isFinite) && Math.max(...ref.lse.map(Math.abs)) > 709, "lse finite and beyond exp's float64 range");
    assert.ok(ref.out.every((x) => Number.isFinite(x) && x >= lo - 1e-12 && x <= hi + 1e-12), 'out within v range');
  });

  test('hand-worked: 1 query, 2 keys', () => {
    const q = Tensor.fromData([1, 0], [1, 1, 1, 2]);
    const k = Tensor.fromData([1, 0, 0, 1], [1, 2, 1, 2]);
    const v = Tensor.fromData([1, 2, 3, 4], [1, 2, 1, 2]);
    const e = Math.E;
    const p0 = e / (e + 1);
    const ref = attentionReference(q, k, v, resolved(2, { softmaxScale: 1 }));
    assertMatches(ref.out, [p0 * 1 + (1 - p0) * 3, p0 * 2 + (1 - p0) * 4], 'out', 1e-15);
    assertMatches(ref.lse, [Math.log(e + 1)], 'lse', 1e-15);
    // softmaxScale 2 and softcap 1: s0 = tanh(2), s1 = 0.
    const capped = attentionReference(q, k, v, resolved(2, { softmaxScale: 2, softcap: 1 }));
    const w = Math.exp(Math.tanh(2));
    const c0 = w / (w + 1);
    assertMatches(capped.out, [c0 + (1 - c0) * 3, 2 * c0 + (1 - c0) * 4], 'softcap out', 1e-15);
    assertMatches(capped.lse, [Math.log(w + 1)], 'softcap lse', 1e-15);
  });

  test('hand-worked: two query heads share one KV head; causal bottom-right', () => {
    // heads 2, headsKV 1; query 0 (head 0 = [1, 0], head 1 = [0, 1]), query 1 (head 0 = [0, 0]).
    const q = Tensor.fromData([1, 0, 0, 1, 0, 0, 0, 0], [1, 2, 2, 2]);
    const k = Tensor.fromData([1, 0, 0, 1, 5, 5], [1, 3, 1, 2]);
    const v = Tensor.fromData([1, 3, 9], [1, 3, 1, 1]);
    // causal, sq 2, sk 3: query 0 sees keys 0, 1; query 1 sees keys 0, 1, 2.
    const ref = attentionReference(q, k, v, resolved(2, { softmaxScale: 1, causal: true }));
    const e = Math.E;
    assertMatches(ref.out, [(e + 3) / (e + 1), (1 + 3 * e) / (e + 1), 13 / 3, 13 / 3], 'out', 1e-15);
    // lse [batch, heads, seqlenQ]
    assertMatches(ref.lse, [Math.log(e + 1), Math.log(3), Math.log(e + 1), Math.log(3)], 'lse', 1e-15);
  });

  test('invalid arguments name the function and the argument', () => {
    const { q, k, v } = randQKV({ batch: 1, sq: 2, sk: 3, heads: 3, headsKV: 3, d: 4 });
    const o = resolved(4);
    assert.throws(() => attentionReference(q.select(0, 0), k, v, o), /attentionReference: q must have 4 dims \[batch, seqlenQ, heads, headDim\], got \[2, 3, 4\]/);
    const k2 = Tensor.randn([1, 3, 2, 4], { seed: 1 });
    assert.throws(() => attentionReference(q, k2, k2, o), /attentionReference: heads \(3\) must be a multiple of headsKV \(2\)/);
    assert.throws(() => attentionReference(q, Tensor.randn([1, 3, 3, 5]), v, o), /attentionReference: k must have headDim 4/);
    assert.throws(() => attentionReference(q, k, Tensor.randn([1, 4, 3, 4]), o), /attentionReference: v must match k/);
    const vq = Tensor.randn([4, 3, 4]);
    const vk = Tensor.randn([5, 3, 4]);
    const bad = (cuQ: number[], cuK: number[], used?: number[]) => () =>
      attentionReference(vq, vk, vk, o, {
        cuSeqlensQ: new Int32Array(cuQ),
        cuSeqlensK: new Int32Array(cuK),
        ...(used ? { sequsedK: new Int32Array(used) } : {}),
      });
    assert.throws(bad([0, 4], [0, 2, 5]), /varlen.cuSeqlensK must have batch \+ 1 = 2 entries, got 3/);
    assert.throws(bad([0, 3, 2, 4], [0, 1, 2, 5]), /varlen.cuSeqlensQ must be non-decreasing/);
    assert.throws(bad([0, 2, 3], [0, 1, 2]), /varlen.cuSeqlensQ\[2\] must be 4/);
    assert.throws(bad([0, 2, 4], [0, 1, 6]), /varlen.cuSeqlensK\[2\] must be <= 5/);
    assert.throws(bad([0, 2, 4], [0, 1, 5], [2, 1]), /varlen.sequsedK\[0\] must be in \[0, 1\]/);
    assert.throws(() => attentionReference(q, k, v, { ...o, windowLeft: -2 }), /opts.windowLeft must be an integer >= -1, got -2/);
    assert.throws(
      () => attentionNaiveLowPrecision(q, k, v, o, 'float32' as 'bfloat16'),
      /attentionNaiveLowPrecision: dtype must be 'float16' or 'bfloat16', got "float32"/,
    );
  });
});

describe('attentionNaiveLowPrecision', () => {
  const shape = { batch: 2, sq: 20, sk: 17, heads: 4, headsKV: 2, d: 32 };
  const o = resolved(32, { causal: true });

  test('bf16 is close to, but not exactly, the float64 reference', () => {
    const { q, k, v } = randQKV(shape, 'bfloat16');
    const ref = attentionReference(q, k, v, o);
    const naive = attentionNaiveLowPrecision(q, k, v, o, 'bfloat16');
    const fp16 = attentionNaiveLowPrecision(q, k, v, o, 'float16');
    const outErr = maxAbsDiff(naive.out, ref.out);
    const lseErr = maxAbsDiff(naive.lse, ref.lse);
    assert.ok(outErr > 0 && outErr < 0.03, `bf16 out error ${outErr}`);
    assert.ok(lseErr > 0 && lseErr < 1e-4, `bf16 lse error ${lseErr}`);
    const fp16Err = maxAbsDiff(fp16.out, ref.out);
    assert.ok(fp16Err > 0 && fp16Err < outErr / 2, `fp16 out error ${fp16Err} vs bf16 ${outErr}`);
    assert.ok(naive.out.every((x) => roundToDType(x, 'bfloat16') === x), 'outputs are bf16 values');
    assert.ok(naive.lse.every((x) => Number.isNaN(x) || Math.fround(x) === x), 'lse values are float32');
    // Empty rows (causal, sq 20 > sk 17) agree exactly.
    for (let i = 0; i < ref.lse.length; i++) {
      if (ref.lse[i] === -Infinity) assert.equal(naive.lse[i], -Infinity);
    }
    assert.ok(ref.lse.some((x) => x === -Infinity));
  });

  test('hand-worked: P is rounded to bf16 before P@V', () => {
    // s = [0, 1]: P = [1/(1+e), e/(1+e)] = [0.26894.., 0.73105..] round to bf16 [0.26953125, 0.73046875].
    // out = 0.26953125 * 3 - 0.73046875 * 2 = -0.65234375 (a bf16 value); unrounded P would give
    // -0.65625 after the output rounding, the exact answer is -0.65529.
    const q = Tensor.fromData([1], [1, 1, 1, 1]);
    const k = Tensor.fromData([0, 1], [1, 2, 1, 1]);
    const v = Tensor.fromData([3, -2], [1, 2, 1, 1]);
    const naive = attentionNaiveLowPrecision(q, k, v, resolved(1, { softmaxScale: 1 }), 'bfloat16');
    assert.equal(naive.out[0], -0.65234375);
    assert.equal(naive.lse[0], Math.fround(naive.lse[0]!));
    assert.ok(Math.abs(naive.lse[0]! - Math.log1p(Math.E)) < 1e-6);
  });

  test('rounds float32 inputs to the dtype first', () => {
    const { q, k, v } = randQKV(shape, 'float32');
    const rounded = (t: Tensor) => Tensor.fromData(t.toFloat64Array(), t.dims, { dtype: 'bfloat16' });
    const a = attentionNaiveLowPrecision(q, k, v, o, 'bfloat16');
    const b = attentionNaiveLowPrecision(rounded(q), rounded(k), rounded(v), o, 'bfloat16');
    assert.deepEqual(a, b);
  });

  test('varlen, softcap and NaN follow the reference', () => {
    const q = withNaN(Tensor.randn([9, 2, 8], { seed: 5, dtype: 'bfloat16' }), [4, 1, 0]);
    const k = Tensor.randn([10, 1, 8], { seed: 6, dtype: 'bfloat16' });
    const v = Tensor.randn([10, 1, 8], { seed: 7, dtype: 'bfloat16' });
    const varlen = { cuSeqlensQ: new Int32Array([0, 4, 9]), cuSeqlensK: new Int32Array([0, 3, 10]) };
    const so = resolved(8, { softcap: 2, causal: true });
    const ref = attentionReference(q, k, v, so, varlen);
    const naive = attentionNaiveLowPrecision(q, k, v, so, 'bfloat16', varlen);
    assert.deepEqual(naive.outDims, ref.outDims);
    for (let i = 0; i < ref.out.length; i++) assert.equal(Number.isNaN(naive.out[i]!), Number.isNaN(ref.out[i]!));
    for (let i = 0; i < ref.lse.length; i++) {
      assert.equal(Number.isNaN(naive.lse[i]!), Number.isNaN(ref.lse[i]!));
      assert.equal(naive.lse[i] === -Infinity, ref.lse[i] === -Infinity);
    }
    assert.ok(acceptanceCheck(naive.out, ref.out, naive.out).ok);
    assert.ok(maxAbsDiff(naive.out, ref.out) < 0.03);
  });
});

describe('acceptanceCheck', () => {
  // causal with sq 20 > sk 17: some rows are empty, so lse holds -inf.
  const { q, k, v } = randQKV({ batch: 1, sq: 20, sk: 17, heads: 2, headsKV: 1, d: 16 }, 'bfloat16');
  const o = resolved(16, { causal: true });
  const ref = attentionReference(q, k, v, o);
  const naive = attentionNaiveLowPrecision(q, k, v, o, 'bfloat16');

  test('accepts the reference itself and the naive output', () => {
    const self = acceptanceCheck(ref.out, ref.out, naive.out);
    assert.ok(self.ok, self.message);
    assert.equal(self.maxErr, 0);
    assert.ok(self.naiveErr > 0);
    assert.equal(self.bound, 2 * self.naiveErr + 1e-5);
    assert.equal(self.firstBad, undefined);
    assert.ok(acceptanceCheck(naive.out, ref.out, naive.out).ok);
    assert.ok(acceptanceCheck(naive.lse, ref.lse, naive.lse).ok);
    assert.ok(acceptanceCheck(ref.lse, ref.lse, naive.lse).ok);
  });

  test('rejects an output perturbed beyond the bound', () => {
    const { bound } = acceptanceCheck(ref.out, ref.out, naive.out);
    const bad = Float64Array.from(ref.out);
    bad[70] = bad[70]! + 1.01 * bound;
    const r = acceptanceCheck(bad, ref.out, naive.out);
    assert.ok(!r.ok);
    assert.equal(r.firstBad, 70);
    assert.match(r.message, /first at index 70/);
    const within = Float64Array.from(ref.out);
    within[70] = within[70]! + 0.99 * bound;
    assert.ok(acceptanceCheck(within, ref.out, naive.out).ok);
  });

  test('rejects a NaN where the reference is finite', () => {
    const bad = Float64Array.from(naive.out);
    bad[100] = NaN;
    const r = acceptanceCheck(bad, ref.out, naive.out);
    assert.ok(!r.ok);
    assert.equal(r.firstBad, 100);
    assert.match(r.message, /expected a finite value/);
  });

  test('rejects an unwritten, poisoned element', () => {
    for (const poison of [NaN, 1e4, -1e4]) {
      const kernelOut = new Float32Array(ref.out.length).fill(poison);
      for (let i = 0; i < kernelOut.length; i++) if (i !== 321) kernelOut[i] = naive.out[i]!;
      const r = acceptanceCheck(kernelOut, ref.out, naive.out);
      assert.ok(!r.ok, `poison ${poison}: ${r.message}`);
      assert.equal(r.firstBad, 321);
    }
  });

  test('-inf and NaN in the reference require the same in the output', () => {
    const empty = ref.lse.findIndex((x) => x === -Infinity);
    assert.ok(empty >= 0);
    for (const wrong of [0, NaN, -1e30, Infinity]) {
      const bad = Float64Array.from(ref.lse);
      bad[empty] = wrong;
      const r = acceptanceCheck(bad, ref.lse, naive.lse);
      assert.ok(!r.ok, `${wrong} accepted for -inf`);
      assert.equal(r.firstBad, empty);
    }
    assert.ok(acceptanceCheck([NaN, 1], [NaN, 1], [NaN, 1]).ok);
    assert.equal(acceptanceCheck([0, 1], [NaN, 1], [NaN, 1]).firstBad, 0);
    assert.match(acceptanceCheck([0, 1], [NaN, 1], [NaN, 1]).message, /expected NaN, got 0/);
  });

  test('throws on mismatched lengths', () => {
    assert.throws(() => acceptanceCheck([1, 2], [1, 2, 3], [1, 2, 3]), /acceptanceCheck: actual, ref and naive must have the same length, got 2, 3 and 3/);
  });
});
