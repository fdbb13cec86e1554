/**
 * PackGQA on the Hopper path (src/attention/sm90.ts, the `*_packgqa` kernels of
 * kernels/sm90/attn_fwd_sm90_instances.h): the headGroup query heads of a KV head share a 128-row
 * tile when the query is short.
 *
 * Without a GPU: the packed kernels the launcher can name were built (and windowed 256 was not),
 * the dispatch rule on shapes either side of its bounds, the packed kernels' warpgroups and shared
 * memory. (test/sm90-fake-driver.test.ts checks the launch bytes: boxes, grid, block, smem.)
 * On an sm_90 GPU: decode shapes (seqlenQ 1, 4, 17, 100 x seqlenK 1, 77, 1000, headGroup 2..16,
 * causal and not, every head dim with a packed kernel and the padded 96, both dtypes), local
 * windows, softcap, more tiles than SMs and planned repeated calls against the float64 reference
 * with the acceptance rule, LSE included and outputs NaN-poisoned, each checking that the kernel
 * the rule names is the one launched; and the unpacked kernels on the same shapes with packing off.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as cuda from '../src/cuda/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { flashAttnFunc } from '../src/attention/api.js';
import { acceptanceCheck, attentionNaiveLowPrecision, attentionReference } from '../src/attention/reference.js';
import type { AttentionOptions } from '../src/attention/types.js';
import { resolveOptions } from '../src/attention/validate.js';
import {
  SM90_HEAD_DIMS,
  SM90_MODULE,
  SM90_PACK_GQA_MAX_GROUP,
  sm90BlockM,
  sm90CompiledHeadDim,
  sm90ConsumerWarpgroups,
  sm90HasPackGqaKernel,
  sm90KernelName,
  sm90PackGqaGroup,
  setSm90PackGqaEnabled,
  sm90SharedMemoryBytes,
} from '../src/attention/sm90.js';
import '../src/attention/index.js';
import { gpuTest } from './support/gpu.js';
import { problemShell, varlenOf } from './support/problem-shell.js';
import { type Case, DTYPES, checkCase, describeCase, freshSeed, launchedKernels, requireSm90 } from './support/sm90-cases.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CAUSAL = { softmaxScale: 0.125, causal: true, windowLeft: -1, windowRight: 0, softcap: 0 } as const;
const FULL = { softmaxScale: 0.125, causal: false, windowLeft: -1, windowRight: -1, softcap: 0 } as const;

// ---- without a GPU -----------------------------------------------------------------------------

test('the build has a PackGQA kernel for every head dim and mask but windowed 256', (t) => {
  const m = cuda.kernelManifest()?.modules.find((x) => x.name === SM90_MODULE);
  if (!m) return t.skip(`kernel module ${SM90_MODULE} was not built (no nvcc)`);
  const names = new Set(m.functions.map((f) => f.name));
  for (const dt of DTYPES) {
    for (const d of SM90_HEAD_DIMS) {
      for (const windowed of [false, true]) {
        const n = sm90KernelName(dt, { headDim: d, windowed, packGqa: true });
        assert.equal(names.has(n), sm90HasPackGqaKernel(d, windowed), `${n} built: ${names.has(n)}`);
        assert.equal(sm90HasPackGqaKernel(d, windowed), !(d === 256 && windowed));
      }
    }
  }
  assert.equal(m.functions.filter((f) => f.name.endsWith('_packgqa')).length, 14);
});

test('PackGQA kernels have two consumer warpgroups (128-row tiles) at every head dim', () => {
  const src = readFileSync(join(root, 'kernels', 'sm90', 'attn_fwd_sm90_instances.h'), 'utf8');
  // The header's override, as written there; this test pins the TypeScript copy to it.
  assert.match(src, /\(kPackGqa\) \? 2 : 0/);
  for (const d of SM90_HEAD_DIMS) {
    for (const w of [false, true]) {
      assert.equal(sm90ConsumerWarpgroups({ headDim: d, windowed: w, packGqa: true }), 2);
      assert.equal(sm90BlockM({ headDim: d, windowed: w, packGqa: true }), 128);
    }
  }
  // Head dim 64 without a window: the unpacked kernel has three warpgroups (192-row Q and O
  // tiles), the packed one two, the shared memory of the windowed kernel.
  assert.equal(sm90ConsumerWarpgroups({ headDim: 64, windowed: false }), 3);
  assert.equal(sm90SharedMemoryBytes({ headDim: 64, windowed: false, packGqa: true }), sm90SharedMemoryBytes({ headDim: 64, windowed: true, packGqa: true }));
  assert.equal(sm90SharedMemoryBytes({ headDim: 64, windowed: false, packGqa: true }), (2 * 128 + 4 * 128) * 64 * 2 + 80 + 1024);
  // Head dims 128-256: the unpacked kernel's tiles; at 192 and 256 without its O-stored barrier
  // (the packed kernels write O over Q, not over the V stages).
  for (const d of [128, 192, 256]) {
    const oStored = d >= 192 ? 8 : 0;
    assert.equal(sm90SharedMemoryBytes({ headDim: d, windowed: false, packGqa: true }), sm90SharedMemoryBytes({ headDim: d, windowed: false }) - oStored);
  }
});

/** A problem shell of the given GQA shape (host tensors: the rule reads only sizes and options). */
function gqa(seqlenQ: number, heads: number, headsKV: number, headDim = 128, params: typeof FULL | typeof CAUSAL = FULL) {
  return problemShell({ seqlenQ, seqlenK: 1000, heads, headsKV, headDim, headDimV: headDim, params });
}

test('dispatch packs GQA with headGroup a power of two 2..16 when packed tiles compute under 90% of the rows', () => {
  const group = (sq: number, heads: number, headsKV: number, d = 128, causal = false): number =>
    sm90PackGqaGroup(gqa(sq, heads, headsKV, d, causal ? CAUSAL : FULL), sm90CompiledHeadDim(d)!, causal);
  // Decoding: one position of 128 rows per head unpacked, R = 128 / headGroup packed.
  assert.equal(group(1, 32, 4), 8);
  assert.equal(group(1, 32, 4, 128, true), 8);
  assert.equal(group(1, 4, 2), 2);
  assert.equal(group(1, 16, 1), SM90_PACK_GQA_MAX_GROUP);
  assert.equal(group(17, 8, 2), 4);
  // Not GQA, or a group the packed tiles cannot split into 8-row multiples: the unpacked kernels.
  assert.equal(group(1, 8, 8), 0);
  assert.equal(group(1, 6, 2), 0, 'headGroup 3 is no power of two');
  assert.equal(group(1, 12, 1), 0, 'headGroup 12 is no power of two');
  assert.equal(group(1, 32, 1), 0, 'headGroup 32: R = 4 rows, under the 8-row swizzle atom');
  // Where packing saves under 10%, or nothing: 128 rows either way, 1024 against 1008.
  assert.equal(group(128, 16, 2), 0);
  assert.equal(group(100, 4, 2), 0, 'R 64: 128 rows either way');
  assert.equal(group(1000, 16, 2), 0);
  assert.equal(group(129, 16, 2), 8, '144 rows against 256');
  // The bound: with R = 8, seqlenQ 1025 computes 1032 rows against 1152 (packs), 1153 1160 against 1280 (does not).
  assert.equal(group(1025, 16, 1), 16);
  assert.equal(group(1153, 16, 1), 0);
  // Head dim 64 without a window: unpacked tiles have 192 rows, so packing pays sooner.
  assert.equal(group(100, 4, 2, 64), 2, '128 rows against 192');
  assert.equal(group(100, 4, 2, 64, true), 0, 'windowed: 128-row tiles, 128 rows either way');
  // Head dim 96 runs on the 128 kernels, packed too; windowed 256 has no packed kernel.
  assert.equal(group(1, 32, 4, 96), 8);
  assert.equal(group(1, 32, 4, 256), 8);
  assert.equal(group(1, 32, 4, 256, true), 0);
  // Varlen is never packed.
  const cu = Int32Array.from([0, 1, 2]);
  const varlen = problemShell({ batch: 2, seqlenQ: 2, heads: 8, headsKV: 2, varlen: varlenOf(cu, cu) });
  assert.equal(sm90PackGqaGroup(varlen, 64, false), 0);
  // The tests' switch (setSm90PackGqaEnabled) turns packing off and on again.
  setSm90PackGqaEnabled(false);
  try {
    assert.equal(group(1, 32, 4), 0);
  } finally {
    setSm90PackGqaEnabled(true);
  }
  assert.equal(group(1, 32, 4), 8);
});

// ---- on an sm_90 GPU ---------------------------------------------------------------------------

/** Whether the kernels see a mask: causal, or a window bound some row can reach (sm90.ts drops the others). */
function isWindowed(c: Case): boolean {
  const o = c.opts ?? {};
  const [left, right] = o.windowSize ?? [-1, -1];
  return o.causal === true || (left >= 0 && left < c.sk) || (right >= 0 && right < c.sq);
}

/**
 * The kernel the rule of sm90PackGqaGroup names for a case, written out again here: a power-of-two
 * group 2..16 with a packed kernel, and packed rows (seqlenQ rounded up to R = 128 / group) under
 * 90% of the unpacked rows (rounded up to 128, or 192 at head dim 64 without a window).
 */
function expectedKernel(c: Case): { name: string; packed: boolean } {
  const d = sm90CompiledHeadDim(c.d)!;
  const windowed = isWindowed(c);
  const g = c.heads / c.headsKV;
  const rows = 128 / g;
  const blockM = d === 64 && !windowed ? 192 : 128;
  const packed =
    [2, 4, 8, 16].includes(g) &&
    !(d === 256 && windowed) &&
    10 * Math.ceil(c.sq / rows) * rows < 9 * Math.ceil(c.sq / blockM) * blockM;
  return { name: sm90KernelName(c.dtype, { headDim: d, windowed, packGqa: packed }), packed };
}

/** checkCase with the launched kernel checked against expectedKernel; returns whether it was packed. */
function checkPacked(c: Case): boolean {
  const { name, packed } = expectedKernel(c);
  checkCase({ ...c, kernel: name });
  return packed;
}

const DECODE_SEQLENS_Q = [1, 4, 17, 100] as const;
const DECODE_SEQLENS_K = [1, 77, 1000] as const;
const GROUPS = [2, 4, 8, 16] as const;
/** Head dims with packed kernels, and 96 (on the 128 kernels, zero-filled columns). */
const PACKED_HEAD_DIMS = [64, 96, 128, 192, 256] as const;

gpuTest('sm90 PackGQA: decode shapes, every head dim and dtype, headGroup 2..16, causal and not', (t) => {
  if (!requireSm90(t)) return;
  let packedCases = 0;
  let total = 0;
  for (const dtype of DTYPES) {
    for (const d of PACKED_HEAD_DIMS) {
      // The 12 (seqlenQ, seqlenK) pairs, each with one group and mask; over the pairs every group
      // meets both masks, and over the head dims every pair meets every group.
      let i = PACKED_HEAD_DIMS.indexOf(d);
      for (const sq of DECODE_SEQLENS_Q) {
        for (const sk of DECODE_SEQLENS_K) {
          const g = GROUPS[i % 4]!;
          const causal = ((i >> 2) + i) % 2 === 1;
          const headsKV = g >= 8 ? 1 : 2;
          if (checkPacked({ dtype, batch: g >= 8 ? 1 : 2, sq, sk, heads: g * headsKV, headsKV, d, opts: causal ? { causal } : {} })) packedCases++;
          total++;
          i++;
        }
      }
    }
  }
  // The rule packs every seqlenQ of 1, 4 and 17 (and 100 for the larger groups), except windowed 256.
  assert.ok(packedCases >= total / 2, `${packedCases} of ${total} cases ran packed`);
});

gpuTest('sm90 PackGQA: local windows, softcap, a custom scale, rows that see no key', (t) => {
  if (!requireSm90(t)) return;
  const cases: Omit<Case, 'dtype'>[] = [
    { batch: 1, sq: 100, sk: 1000, heads: 8, headsKV: 1, d: 128, opts: { windowSize: [50, 0] } },
    { batch: 2, sq: 17, sk: 77, heads: 8, headsKV: 2, d: 64, opts: { windowSize: [10, 5] } },
    { batch: 1, sq: 4, sk: 1000, heads: 16, headsKV: 1, d: 192, opts: { windowSize: [-1, 2] } },
    { batch: 1, sq: 17, sk: 1000, heads: 16, headsKV: 2, d: 128, opts: { windowSize: [300, -1] } },
    { batch: 1, sq: 4, sk: 1000, heads: 16, headsKV: 1, d: 128, opts: { causal: true, softcap: 10 } },
    { batch: 2, sq: 17, sk: 300, heads: 4, headsKV: 2, d: 256, opts: { softcap: 20 } },
    { batch: 1, sq: 1, sk: 1000, heads: 8, headsKV: 2, d: 96, opts: { softmaxScale: 0.3 } },
    // Causal with seqlenQ > seqlenK: the first 23 positions of every head see no key (0 and -inf).
    { batch: 2, sq: 100, sk: 77, heads: 16, headsKV: 1, d: 128, opts: { causal: true } },
    { batch: 1, sq: 17, sk: 1, heads: 4, headsKV: 1, d: 64, opts: { causal: true } },
  ];
  for (const dtype of DTYPES) {
    for (const c of cases) assert.ok(checkPacked({ dtype, ...c }), `${describeCase({ dtype, ...c }, 0)} ran unpacked`);
  }
});

gpuTest('sm90 PackGQA: more tiles than SMs (several per persistent CTA), causal and not', (t) => {
  if (!requireSm90(t)) return;
  // 2 blocks of 16 positions x 4 KV heads x 20 sequences = 160 tiles on the H100's 132 SMs.
  assert.ok(checkPacked({ dtype: 'bfloat16', batch: 20, sq: 17, sk: 77, heads: 32, headsKV: 4, d: 128 }));
  assert.ok(checkPacked({ dtype: 'float16', batch: 20, sq: 17, sk: 300, heads: 32, headsKV: 4, d: 64, opts: { causal: true } }));
});

gpuTest('sm90 PackGQA: planned repeated calls launch the packed kernel and are bit-identical', (t) => {
  if (!requireSm90(t)) return;
  const seed = freshSeed();
  const dev = { dtype: 'bfloat16', device: 'cuda' } as const;
  const c: Case = { dtype: 'bfloat16', batch: 3, sq: 4, sk: 1000, heads: 32, headsKV: 4, d: 128, opts: { causal: true } };
  const q = Tensor.randn([c.batch, c.sq, c.heads, c.d], { ...dev, seed });
  const k = Tensor.randn([c.batch, c.sk, c.headsKV, c.d], { ...dev, seed: seed + 1 });
  const v = Tensor.randn([c.batch, c.sk, c.headsKV, c.d], { ...dev, seed: seed + 2 });
  const what = describeCase(c, seed);
  try {
    // The first call takes the unplanned path, the second makes a plan, the rest reuse it (plan.ts).
    let first: Float64Array | undefined;
    for (let i = 0; i < 4; i++) {
      let out: Tensor | undefined;
      const kernels = launchedKernels(() => {
        out = flashAttnFunc(q, k, v, { causal: true });
      });
      assert.deepEqual(kernels, [expectedKernel(c).name], `${what}: call ${i}`);
      assert.ok(expectedKernel(c).packed);
      const o = out!.toHost().toFloat64Array();
      out!.dispose();
      if (first === undefined) {
        first = o;
        const resolved = resolveOptions('test', c.opts!, c.d, c.sk);
        const ok = acceptanceCheck(o, attentionReference(q, k, v, resolved).out, attentionNaiveLowPrecision(q, k, v, resolved, 'bfloat16').out);
        assert.ok(ok.ok, `${what}: ${ok.message}`);
      } else {
        assert.ok(o.every((x, j) => Object.is(x, first![j])), `${what}: call ${i} differs from call 0`);
      }
    }
  } finally {
    for (const x of [q, k, v]) x.dispose();
  }
});

gpuTest('sm90 PackGQA off: the unpacked kernels on the same decode shapes', (t) => {
  if (!requireSm90(t)) return;
  setSm90PackGqaEnabled(false);
  t.after(() => setSm90PackGqaEnabled(true));
  for (const dtype of DTYPES) {
    for (const [sq, g, d, causal] of [[1, 8, 128, false], [17, 4, 64, true], [4, 16, 256, false], [100, 2, 192, true]] as const) {
      const opts: AttentionOptions = causal ? { causal } : {};
      const c: Case = { dtype, batch: 2, sq, sk: 1000, heads: g, headsKV: 1, d, opts };
      checkCase({ ...c, kernel: sm90KernelName(dtype, { headDim: d, windowed: causal }) });
    }
  }
});
