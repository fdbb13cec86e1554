/**
 * src/nn: every small op on the CPU and on the GPU against float64 references, cuBLASLt Linear,
 * seeded init (identical bits on both devices), the layers, MultiHeadAttention on packed qkv, and
 * SimpleTransformer end to end against its float64 forward; plus every error message.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as cuda from '../src/cuda/index.js';
import { float16Bits, type DType } from '../src/tensor/dtype.js';
import { Tensor } from '../src/tensor/tensor.js';
import * as F from '../src/nn/functional.js';
import { NN_PARAM_LAYOUTS } from '../src/nn/kernels.js';
import { float32ToFloat16Bits, uniformInit, uniformInitValues } from '../src/nn/init.js';
import { erf } from '../src/nn/math.js';
import {
  addRef,
  geluRef,
  layerNormRef,
  linearRef,
  packedAttentionRef,
  rmsNormRef,
  simpleTransformerReference,
  swigluRef,
  valuesOf,
} from '../src/nn/reference.js';
import { Linear, Mlp, MultiHeadAttention, SimpleTransformer } from '../src/nn/index.js';
import { flashAttnQkvpackedFunc } from '../src/attention/index.js';
import { gpuTest } from './support/gpu.js';
import { assertLayoutMatches, emittedLayouts, paramOffsetsPath } from './support/param-offsets.js';

const DTYPES: DType[] = ['float32', 'float16', 'bfloat16'];
/** Unit roundoff: half an ulp of 1, the relative error of one rounding to nearest. */
const UNIT: Record<string, number> = { float32: 2 ** -24, float16: 2 ** -11, bfloat16: 2 ** -8 };
/** float16 subnormals are spaced 2^-24 apart: one rounding there is an absolute error up to 2^-25. */
const ABS_SLACK: Record<string, number> = { float32: 2 ** -149, float16: 2 ** -25, bfloat16: 2 ** -133 };

const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return NaN;
    m = Math.max(m, d);
  }
  return m;
};

/** The CPU path rounds a float64 result once: each element within one unit roundoff of the reference. */
function assertOneRounding(got: Tensor, ref: Float64Array, what: string): void {
  const v = valuesOf(got);
  assert.equal(v.length, ref.length, `${what}: length`);
  const u = UNIT[got.dtype]!;
  for (let i = 0; i < v.length; i++) {
    const bound = u * Math.abs(ref[i]!) * (1 + 1e-9) + ABS_SLACK[got.dtype]! + 1e-300;
    if (!(Math.abs(v[i]! - ref[i]!) <= bound)) {
      assert.fail(`${what}: element ${i} is ${v[i]}, reference ${ref[i]} (more than one ${got.dtype} rounding away)`);
    }
  }
}

/**
 * GPU kernels compute in float32 before the one rounding: within a unit roundoff of the dtype plus
 * `k` float32 roundings, relative to the largest reference value.
 */
function assertGpuClose(got: Tensor, ref: Float64Array, what: string, k = 64): void {
  const v = valuesOf(got);
  const scale = maxAbs(ref);
  const err = maxDiff(v, ref);
  const tol = (UNIT[got.dtype]! + k * 2 ** -24) * scale + ABS_SLACK[got.dtype]!;
  assert.ok(err <= tol, `${what}: max error ${err} > ${tol} (scale ${scale})`);
}

/** Random values rounded to the dtype, never zeros: fresh inputs. */
function rand(dims: number[], dtype: DType, seed: number, std = 1, mean = 0): Tensor {
  return Tensor.randn(dims, { dtype, seed, std, mean });
}

/** Leaves a NaN-filled block of `numel` elements in the allocator cache so the next output of that size starts poisoned. */
function poisonNextOutput(numel: number, dtype: DType): void {
  Tensor.full([numel], Number.NaN, { dtype, device: 'cuda' }).dispose();
}

describe('math', () => {
  test('erf matches known values to a few float64 ulps', () => {
    const known: [number, number][] = [
      [0, 0],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3.5, 0.9999992569016276],
      [-1.25, -0.9229001282564582],
    ];
    // A few float64 ulps: far below the float32 roundings the reference is used to judge.
    for (const [x, y] of known) assert.ok(Math.abs(erf(x) - y) <= 4e-15 * Math.abs(y), `erf(${x}) = ${erf(x)}, expected ${y}`);
    assert.equal(erf(7), 1);
    assert.ok(Number.isNaN(erf(Number.NaN)));
  });

  test('float32ToFloat16Bits rounds exactly like the general encoder', () => {
    const n = 200_000;
    const vals = Tensor.randn([n], { seed: 3 }).toFloat32Array();
    // Spread magnitudes over float16's whole range, subnormals and overflow included.
    for (let i = 0; i < n; i++) vals[i] = vals[i]! * 2 ** ((i % 48) - 30);
    vals[0] = Number.POSITIVE_INFINITY;
    vals[1] = 65520; // rounds to inf
    vals[2] = 65519.99; // rounds to 65504
    vals[3] = 2 ** -25; // a tie between 0 and the smallest subnormal: even is 0
    vals[4] = -0;
    const fast = float32ToFloat16Bits(vals);
    for (let i = 0; i < n; i++) assert.equal(fast[i], float16Bits(vals[i]!), `value ${vals[i]}`);
  });
});

describe('CPU ops against float64', () => {
  for (const dtype of DTYPES) {
    test(`linear with and without bias, ${dtype}`, () => {
      const x = rand([3, 5, 40], dtype, 1);
      const w = rand([33, 40], dtype, 2, 0.2);
      const b = rand([33], dtype, 3);
      for (const bias of [b, undefined]) {
        const y = F.linear(x, w, bias);
        assert.deepEqual(y.dims, [3, 5, 33]);
        assertOneRounding(y, linearRef(valuesOf(x), valuesOf(w), bias && valuesOf(bias), 15, 33, 40), `linear ${dtype}`);
      }
    });

    test(`layerNorm, rmsNorm (mean far from 0), ${dtype}`, () => {
      const x = rand([7, 96], dtype, 4, 2, 30);
      const w = rand([96], dtype, 5);
      const b = rand([96], dtype, 6);
      assertOneRounding(F.layerNorm(x, w, b, 1e-5), layerNormRef(valuesOf(x), valuesOf(w), valuesOf(b), 96, 1e-5), `layerNorm ${dtype}`);
      assertOneRounding(F.layerNorm(x, w, undefined, 1e-3), layerNormRef(valuesOf(x), valuesOf(w), undefined, 96, 1e-3), `layerNorm no bias ${dtype}`);
      assertOneRounding(F.rmsNorm(x, w, 1e-6), rmsNormRef(valuesOf(x), valuesOf(w), 96, 1e-6), `rmsNorm ${dtype}`);
    });

    test(`gelu, swiglu, add, ${dtype}`, () => {
      const x = rand([9, 64], dtype, 7, 3);
      const y = rand([9, 64], dtype, 8, 3);
      assertOneRounding(F.gelu(x), geluRef(valuesOf(x)), `gelu ${dtype}`);
      const s = F.swiglu(x);
      assert.deepEqual(s.dims, [9, 32]);
      assertOneRounding(s, swigluRef(valuesOf(x), 32), `swiglu ${dtype}`);
      assertOneRounding(F.add(x, y), addRef(valuesOf(x), valuesOf(y)), `add ${dtype}`);
    });

    test(`embedding copies rows bit for bit, ${dtype}`, () => {
      const w = rand([50, 24], dtype, 9);
      const ids = [3, 49, 0, 3, 17];
      const e = F.embedding(w, ids);
      assert.deepEqual(e.dims, [5, 24]);
      const wv = valuesOf(w);
      const ev = valuesOf(e);
      ids.forEach((id, r) => assert.deepEqual([...ev.subarray(r * 24, r * 24 + 24)], [...wv.subarray(id * 24, id * 24 + 24)]));
      const e2 = F.embedding(w, Tensor.fromData(Int32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], { dtype: 'int32' }));
      assert.deepEqual(e2.dims, [2, 3, 24]);
    });
  }
});

describe('op errors name the function, the argument and what was received', () => {
  const x = rand([4, 8], 'float32', 1);
  const w = rand([6, 8], 'float32', 2);
  test('linear', () => {
    assert.throws(() => F.linear(x, rand([6, 7], 'float32', 3)), /^NnArgumentError: linear: x must end in inFeatures = 7 \(weight is \[6, 7\]\), got \[4, 8\]$/);
    assert.throws(() => F.linear(x, w, rand([5], 'float32', 3)), /linear: bias must have dims \[6\], got \[5\]/);
    assert.throws(() => F.linear(x, rand([6, 8], 'bfloat16', 3)), /linear: weight dtype must match x dtype float32, got bfloat16/);
    assert.throws(() => F.linear(x.permute([1, 0]), w), /linear: x must be contiguous, got dims \[8, 4\] strides \[1, 8\]/);
    assert.throws(() => F.linear([1, 2] as unknown as Tensor, w), /linear: x must be a Tensor, got \[1, 2\]/);
    const gone = rand([6, 8], 'float32', 3);
    gone.dispose();
    assert.throws(() => F.linear(x, gone), /linear: weight must be a live Tensor, got a disposed one/);
    assert.throws(() => F.linear(Tensor.zeros([4, 8], { dtype: 'int32' }), w), /linear: x dtype must be float32, float16 or bfloat16, got int32/);
  });
  test('embedding ids out of the vocabulary, not integers, wrong type', () => {
    const table = rand([10, 4], 'float32', 1);
    assert.throws(() => F.embedding(table, [1, 10]), /^NnArgumentError: embedding: ids must be integers in \[0, 9\] \(the vocabulary\), got 10 at position 1$/);
    assert.throws(() => F.embedding(table, [-1]), /got -1 at position 0/);
    assert.throws(() => F.embedding(table, [1.5]), /got 1\.5 at position 0/);
    assert.throws(() => F.embedding(table, 'hello' as unknown as number[]), /ids must be an int32 Tensor, an Int32Array or an array of integers, got "hello"/);
    assert.throws(() => F.embedding(table, Tensor.zeros([2])), /ids dtype must be int32, got float32/);
  });
  test('norms, add, swiglu', () => {
    assert.throws(() => F.layerNorm(x, rand([7], 'float32', 1), undefined), /layerNorm: weight must have dims \[8\], got \[7\]/);
    assert.throws(() => F.rmsNorm(x, rand([8], 'float32', 1), -1), /rmsNorm: eps must be a finite number >= 0, got -1/);
    assert.throws(() => F.add(x, rand([4, 9], 'float32', 1)), /add: b must have a's dims \[4, 8\], got \[4, 9\]/);
    assert.throws(() => F.swiglu(rand([4, 7], 'float32', 1)), /swiglu: x must end in an even size \[\.\.\., 2 \* hidden\] \(gate, then up\), got \[4, 7\]/);
  });
});

describe('seeded init', () => {
  test('uniform init is bounded, centered, and differs by seed and stream', () => {
    const a = uniformInitValues(100_000, 7, 0, 0.5);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(maxAbs(a) <= 0.5 && maxAbs(a) > 0.499, `max ${maxAbs(a)}`);
    assert.ok(Math.abs(mean) < 0.005, `mean ${mean}`);
    const varc = a.reduce((s, v) => s + v * v, 0) / a.length;
    assert.ok(Math.abs(varc - 0.25 / 3) < 0.002, `variance ${varc}`);
    assert.notDeepEqual(a.subarray(0, 8), uniformInitValues(8, 8, 0, 0.5));
    assert.notDeepEqual(a.subarray(0, 8), uniformInitValues(8, 7, 1, 0.5));
    assert.deepEqual(a.subarray(0, 8), uniformInitValues(8, 7, 0, 0.5));
  });
});

describe('modules and SimpleTransformer on the CPU', () => {
  test('config errors are clear', () => {
    const base = { vocabSize: 100, embedSize: 64, heads: 4, layers: 1 };
    assert.throws(
      () => new SimpleTransformer({ ...base, embedSize: 100, heads: 3 }),
      /^NnArgumentError: SimpleTransformer: embedSize \(100\) must be divisible by heads \(3\), so each head gets embedSize \/ heads dims$/,
    );
    assert.throws(() => new SimpleTransformer({ ...base, embedSize: 36, heads: 3 }), /embedSize \/ heads = 36 \/ 3 = 12 must be a multiple of 8 up to 256/);
    assert.throws(() => new SimpleTransformer({ ...base, heads: 0 }), /SimpleTransformer: heads must be a positive integer, got 0/);
    assert.throws(() => new SimpleTransformer({ ...base, vocabSize: 0 }), /SimpleTransformer: vocabSize must be an integer >= 1, got 0/);
    assert.throws(() => new SimpleTransformer({ ...base, layers: -1 }), /layers must be an integer >= 0, got -1/);
    assert.throws(() => new SimpleTransformer({ ...base, dtype: 'int32' }), /dtype must be one of 'float32', 'float16', 'bfloat16', got "int32"/);
    assert.throws(() => new SimpleTransformer({ ...base, causal: 'yes' as unknown as boolean }), /causal must be a boolean, got "yes"/);
    assert.throws(() => new SimpleTransformer(null as unknown as { vocabSize: number; embedSize: number; heads: number; layers: number }), /config must be an object/);
  });

  test('forward errors: ids out of the vocabulary, empty, wrong rank', () => {
    const m = new SimpleTransformer({ vocabSize: 50, embedSize: 16, heads: 2, layers: 1, dtype: 'float32' });
    assert.throws(() => m.forward([1, 50]), /SimpleTransformer\.forward: ids must be integers in \[0, 49\] \(the vocabulary\), got 50 at position 1/);
    assert.throws(() => m.forward([]), /SimpleTransformer\.forward: ids must hold at least one token, got dims \[0\]/);
    assert.throws(
      () => m.forward(Tensor.zeros([1, 1, 2], { dtype: 'int32' })),
      /ids must have dims \[seqlen\] or \[batch, seqlen\], got \[1, 1, 2\]/,
    );
  });

  test('MultiHeadAttention is linear -> packed view -> flashAttnQkvpackedFunc -> linear', () => {
    const mha = new MultiHeadAttention(32, 4, { seed: 5, causal: true });
    const x = rand([2, 9, 32], 'float32', 6);
    const y = mha.forward(x);
    assert.deepEqual(y.dims, [2, 9, 32]);
    assert.deepEqual(mha.lastPath, { backend: 'cpu' });
    const qkv = F.linear(x, mha.qkv.weight.data, mha.qkv.bias!.data);
    const o = flashAttnQkvpackedFunc(qkv.view([2, 9, 3, 4, 8]), { causal: true });
    const manual = F.linear(o.view([2, 9, 32]), mha.proj.weight.data, mha.proj.bias!.data);
    assert.deepEqual(valuesOf(y), valuesOf(manual));
    // And against float64 softmax attention.
    const ref = linearRef(
      packedAttentionRef(valuesOf(qkv), 2, 9, 4, 8, true),
      valuesOf(mha.proj.weight.data),
      valuesOf(mha.proj.bias!.data),
      18,
      32,
      32,
    );
    assert.ok(maxDiff(valuesOf(y), ref) < 1e-5);
  });

  test('parameters have stable names and counts', () => {
    const m = new SimpleTransformer({ vocabSize: 64, embedSize: 32, heads: 2, layers: 2, dtype: 'float32', activation: 'silu', norm: 'rmsnorm' });
    const names = m.namedParameters().map(([n]) => n);
    assert.deepEqual(names.slice(0, 6), [
      'embedding.weight',
      'blocks.0.norm1.weight',
      'blocks.0.attn.qkv.weight',
      'blocks.0.attn.qkv.bias',
      'blocks.0.attn.proj.weight',
      'blocks.0.attn.proj.bias',
    ]);
    const perBlock = 32 + (3 * 32 * 32 + 3 * 32) + (32 * 32 + 32) + 32 + 32 * 256 + 128 * 32;
    assert.equal(m.numParameters(), 64 * 32 + 2 * perBlock + 32 + 32 * 64 + 64);
    assert.ok(m.parameters().every((p) => p.grad === undefined && p.requiresGrad));
  });
});

/** The whole model's tolerance against float64: eight unit roundoffs of the dtype (2^-16 for float32, whose error is mostly accumulation). */
const MODEL_TOL: Record<string, number> = { float32: 2 ** -16, float16: 8 * 2 ** -11, bfloat16: 8 * 2 ** -8 };
// Head dim 64: a size every attention kernel takes, so the GPU test exercises the GPU path.
const SMALL = { vocabSize: 300, embedSize: 128, heads: 2, layers: 2 };

function modelCheck(model: SimpleTransformer, ids: Int32Array, batch: number, seqlen: number): { err: number; tol: number } {
  const logits = model.forward(Tensor.fromData(ids, [batch, seqlen], { dtype: 'int32' }));
  assert.deepEqual(logits.dims, [batch, seqlen, model.config.vocabSize]);
  const ref = simpleTransformerReference(model, ids, batch, seqlen);
  const v = valuesOf(logits);
  logits.dispose();
  const err = maxDiff(v, ref);
  return { err, tol: MODEL_TOL[model.config.dtype]! * maxAbs(ref) };
}

function tokenIds(n: number, vocab: number, seed: number): Int32Array {
  const r = Tensor.rand([n], { seed, low: 0, high: vocab }).toFloat64Array();
  return Int32Array.from(r, (v) => Math.floor(v));
}

describe('SimpleTransformer CPU forward against its float64 forward', () => {
  for (const dtype of DTYPES) {
    for (const variant of [{ activation: 'gelu', norm: 'layernorm', causal: true }, { activation: 'silu', norm: 'rmsnorm', causal: false }] as const) {
      test(`${dtype}, ${variant.activation}/${variant.norm}, causal ${variant.causal}`, () => {
        const model = new SimpleTransformer({ ...SMALL, ...variant, dtype, seed: 11 });
        const { err, tol } = modelCheck(model, tokenIds(2 * 13, SMALL.vocabSize, 3), 2, 13);
        assert.ok(err <= tol, `max error ${err} > ${tol}`);
        assert.deepEqual(model.attentionPath, { backend: 'cpu' });
      });
    }
  }
});

// ---- GPU ------------------------------------------------------------------------------------

gpuTest('kernel parameter layouts match the offsets the build emitted', () => {
  const emitted = emittedLayouts();
  assert.ok(emitted, `${paramOffsetsPath()} is missing`);
  for (const layout of NN_PARAM_LAYOUTS) assertLayoutMatches(layout, emitted);
});

test('nn parameter layouts match the C++ headers (when the build has run)', (t) => {
  const emitted = emittedLayouts();
  if (!emitted) {
    t.skip('kernels were not built (no nvcc at install)');
    return;
  }
  for (const layout of NN_PARAM_LAYOUTS) {
    if (!emitted[layout.name]) {
      t.skip(`${layout.name} not in ${paramOffsetsPath()} (built before kernels/nn existed)`);
      return;
    }
    assertLayoutMatches(layout, emitted);
  }
});

test('a missing libcublasLt is an error naming the library and how to get it', () => {
  const script = `import('${join(process.cwd(), 'dist/src/cuda/cublaslt.js').replace(/\\/g, '/')}').then((c) => {
    console.log(JSON.stringify({ reason: c.cublasLtUnavailableReason() }));
  });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, FLASH_ATTN_LIBCUBLASLT: '/nonexistent/libcublasLt.so.13' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const { reason } = JSON.parse(r.stdout) as { reason: string };
  assert.match(reason, /cannot load \/nonexistent\/libcublasLt\.so\.13 named by FLASH_ATTN_LIBCUBLASLT/);
  assert.match(reason, /install the CUDA toolkit .*pip install nvidia-cublas-cu12/);
  if (!cuda.isAvailable()) {
    // On this machine (no GPU), nothing may be found at all: the message must still say what to do.
    const why = cuda.cublasLt.cublasLtUnavailableReason();
    if (why) assert.match(why, /libcublasLt\.so\.\d+.*To get it, install the CUDA toolkit/);
  }
});

describe('GPU ops against float64', () => {
  for (const dtype of DTYPES) {
    gpuTest(`cuBLASLt linear, odd sizes, with and without bias, ${dtype}`, () => {
      for (const [m, n, k] of [
        [17, 33, 40],
        [1, 8, 8],
        [130, 200, 264],
      ] as const) {
        const x = rand([m, k], dtype, m + k);
        const w = rand([n, k], dtype, n, 0.2);
        const b = rand([n], dtype, 5);
        for (const bias of [b, undefined]) {
          const [xd, wd, bd] = [x.to('cuda'), w.to('cuda'), bias?.to('cuda')];
          poisonNextOutput(m * n, dtype);
          const y = F.linear(xd, wd, bd);
          assertGpuClose(y, linearRef(valuesOf(x), valuesOf(w), bias && valuesOf(bias), m, n, k), `linear ${dtype} ${m}x${n}x${k}`, k);
          for (const t of [xd, wd, bd, y]) t?.dispose();
        }
      }
    });

    gpuTest(`norms, gelu, swiglu, add, embedding kernels, ${dtype}`, () => {
      const x = rand([37, 1000], dtype, 4, 2, 30); // mean far from 0: the two-pass variance matters
      const w = rand([1000], dtype, 5);
      const b = rand([1000], dtype, 6);
      const [xd, wd, bd] = [x.to('cuda'), w.to('cuda'), b.to('cuda')];
      poisonNextOutput(x.numel, dtype);
      assertGpuClose(F.layerNorm(xd, wd, bd, 1e-5), layerNormRef(valuesOf(x), valuesOf(w), valuesOf(b), 1000, 1e-5), `layerNorm ${dtype}`);
      poisonNextOutput(x.numel, dtype);
      assertGpuClose(F.layerNorm(xd, wd, undefined), layerNormRef(valuesOf(x), valuesOf(w), undefined, 1000, 1e-5), `layerNorm no bias ${dtype}`);
      poisonNextOutput(x.numel, dtype);
      assertGpuClose(F.rmsNorm(xd, wd, 1e-6), rmsNormRef(valuesOf(x), valuesOf(w), 1000, 1e-6), `rmsNorm ${dtype}`);
      const a = rand([33, 130], dtype, 7, 3);
      const c = rand([33, 130], dtype, 8, 3);
      const [ad, cd] = [a.to('cuda'), c.to('cuda')];
      poisonNextOutput(a.numel, dtype);
      assertGpuClose(F.gelu(ad), geluRef(valuesOf(a)), `gelu ${dtype}`, 4);
      poisonNextOutput(a.numel / 2, dtype);
      assertGpuClose(F.swiglu(ad), swigluRef(valuesOf(a), 65), `swiglu ${dtype}`, 4);
      poisonNextOutput(a.numel, dtype);
      assertGpuClose(F.add(ad, cd), addRef(valuesOf(a), valuesOf(c)), `add ${dtype}`, 1);
      const table = rand([300, 72], dtype, 9);
      const td = table.to('cuda');
      const ids = [299, 0, 5, 5, 123];
      poisonNextOutput(ids.length * 72, dtype);
      const e = F.embedding(td, ids);
      assert.deepEqual(e.toHost().data, F.embedding(table, ids).data);
      for (const t of [xd, wd, bd, ad, cd, td, e]) t.dispose();
    });

    gpuTest(`seeded init gives the same bits on the GPU as on the CPU, ${dtype}`, () => {
      const cpu = uniformInit([1001, 37], { dtype, seed: 42, stream: 3, bound: 0.125 });
      const dev = uniformInit([1001, 37], { dtype, seed: 42, stream: 3, bound: 0.125, device: 'cuda' });
      assert.deepEqual(dev.toHost().data, cpu.data);
      dev.dispose();
    });
  }
});

describe('SimpleTransformer GPU forward against its float64 forward', () => {
  for (const dtype of DTYPES) {
    gpuTest(`${dtype}: same weights as on the CPU, logits within the dtype's tolerance`, () => {
      const cfg = { ...SMALL, dtype, seed: 11 } as const;
      const onGpu = new SimpleTransformer({ ...cfg, device: 'cuda' });
      const onCpu = new SimpleTransformer(cfg);
      const gp = onGpu.parameters();
      onCpu.parameters().forEach((p, i) => assert.deepEqual(gp[i]!.data.toHost().data, p.data.data, `parameter ${i}`));
      const { err, tol } = modelCheck(onGpu, tokenIds(2 * 45, SMALL.vocabSize, 4), 2, 45);
      assert.ok(err <= tol, `max error ${err} > ${tol}`);
      assert.ok(onGpu.attentionPath, 'an attention path was recorded');
      if (dtype !== 'float32') assert.notEqual(onGpu.attentionPath!.backend, 'cpu', `attention fell back: ${onGpu.attentionPath!.fallback}`);
      onGpu.dispose();
    });
  }

  gpuTest('Mlp and Linear modules run on cuda', () => {
    const mlp = new Mlp(64, 128, 'silu', { dtype: 'bfloat16', device: 'cuda', seed: 1 });
    const lin = new Linear(64, 10, { dtype: 'bfloat16', device: 'cuda', seed: 2 });
    const x = rand([5, 64], 'bfloat16', 3).to('cuda');
    const y = lin.forward(mlp.forward(x));
    assert.deepEqual(y.dims, [5, 10]);
    assert.ok(valuesOf(y).every((v) => Number.isFinite(v)));
    mlp.dispose();
    lin.dispose();
  });
});
