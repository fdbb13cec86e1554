/**
 * The Hopper forward kernels (src/attention/sm90.ts, kernels/attn_fwd_sm90.cu).
 *
 * Without a GPU: the build's artifacts (PTX has wgmma / TMA / setmaxnreg, ptxas reports no spill
 * and no ignored-setmaxnreg or serialized-wgmma warning, the SASS of every kernel has HGMMA, UTMALDG
 * and USETMAXREG and no local memory where an nvdisasm is at hand, every kernel the launcher can
 * name was built), the parameter struct against the C++ offsets, the TypeScript tile table against the C++
 * one, and supports() reasons. On an sm_90 GPU: the public API forced onto the sm90 backend
 * against the float64 reference with FlashAttention's acceptance rule, on fresh random inputs and
 * NaN-poisoned outputs, over every head dim and dtype, awkward seqlens, seqlenQ != seqlenK both
 * ways, GQA/MQA, causal, local windows, softcap, packed inputs, fully masked rows, and repeated
 * runs compared bit for bit. The long cases (clusters, wide kernels, more tiles than SMs) are in
 * attention-sm90-long.test.ts and FlashAttention-3's grid in attention-sm90-grid.test.ts, so that
 * the test runner can run them beside this file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as cuda from '../src/cuda/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { flashAttnFunc, flashAttnQkvpackedFunc, flashAttnVarlenFunc } from '../src/attention/api.js';
import { encodeElement } from '../src/tensor/dtype.js';
import { selectBackend } from '../src/attention/dispatch.js';
import { type ReferenceVarlen, acceptanceCheck, attentionNaiveLowPrecision, attentionReference } from '../src/attention/reference.js';
import type { AttentionOptions } from '../src/attention/types.js';
import { resolveOptions, validateVarlen } from '../src/attention/validate.js';
import {
  ATTN_FWD_SM90_PARAMS,
  SM90_BLOCK_N,
  SM90_HEAD_DIMS,
  SM90_MODULE,
  SM90_VARLEN_HEAD_DIMS,
  SM90_CLUSTER_HEAD_DIMS,
  sm90CompiledHeadDim,
  sm90KernelName,
  sm90SharedMemoryBytes,
  sm90OutputInV,
  sm90StreamsTiles,
  sm90ConsumerWarpgroups,
  sm90BlockM,
  sm90Supports,
} from '../src/attention/sm90.js';
import '../src/attention/index.js';
import type { AttentionProblem } from '../src/attention/problem.js';
import { gpuTest } from './support/gpu.js';
import { DTYPES, type Dt, checkCase, freshSeed, launchedKernels, requireSm90 } from './support/sm90-cases.js';
import { assertLayoutMatches, emittedLayouts, paramOffsetsPath } from './support/param-offsets.js';
import { problemShell, varlenOf } from './support/problem-shell.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HEAD_DIMS = [64, 128, 192, 256] as const;
/** H100: the most dynamic shared memory one block may have. */
const H100_SMEM_PER_BLOCK = 232448;

function builtFile(ext: string): string | undefined {
  const m = cuda.kernelManifest()?.modules.find((x) => x.name === SM90_MODULE);
  if (!m) return undefined;
  const p = join(cuda.kernelsDir(), ext === 'ptx' ? m.ptx : m.report);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}

// ---- without a GPU -----------------------------------------------------------------------------

test('the PTX of the sm90 module uses wgmma, TMA and setmaxnreg', (t) => {
  const ptx = builtFile('ptx');
  if (ptx === undefined) return t.skip(`kernel module ${SM90_MODULE} was not built (no nvcc)`);
  // The cluster kernels: K/V multicast to both CTAs, releases to the peer's barriers, __cluster_dims__.
  const multicast = 'cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster';
  for (const needle of ['wgmma.mma_async', 'cp.async.bulk.tensor.4d', 'setmaxnreg.inc', 'setmaxnreg.dec', 'mbarrier.try_wait', multicast, 'mapa.shared::cluster', '.reqnctapercluster 2, 1, 1']) {
    assert.ok(ptx.includes(needle), `${SM90_MODULE}.ptx lacks ${needle}`);
  }
});

test('ptxas: no spills, no ignored setmaxnreg, no serialized wgmma in any sm90 kernel', (t) => {
  const report = builtFile('report');
  if (report === undefined) return t.skip(`kernel module ${SM90_MODULE} was not built (no nvcc)`);
  const m = cuda.kernelManifest()!.modules.find((x) => x.name === SM90_MODULE)!;
  assert.ok(m.functions.length >= 12, `expected at least 12 kernels, got ${m.functions.length}`);
  for (const f of m.functions) {
    assert.equal(f.spillStores + f.spillLoads, 0, `${f.name} spills`);
    assert.equal(f.stackBytes, 0, `${f.name} has a stack frame`);
  }
  // C7508: setmaxnreg ignored; C7509-C7515 and C7518: wgmma serialized; C7517: a warpgroup.wait
  // injected; C7519: warpgroup.arrive injected (kernels/NOTES.md, session 7, has what set off three).
  const warnings = report.split('\n').filter((l) => /C75\d\d/.test(l));
  assert.deepEqual(warnings, [], 'ptxas performance warnings');
});

/** nvdisasm: .tools/bin's (scripts/get-sass-tools.sh) or one on the PATH (a CUDA toolkit's); undefined if none. */
function nvdisasm(): string | undefined {
  const local = join(root, '.tools', 'bin', 'nvdisasm');
  if (existsSync(local)) return local;
  return spawnSync('nvdisasm', ['--version']).status === 0 ? 'nvdisasm' : undefined;
}

test('the SASS of every sm90 kernel has HGMMA, UTMALDG and setmaxnreg, and no local memory', (t) => {
  const m = cuda.kernelManifest()?.modules.find((x) => x.name === SM90_MODULE);
  if (!m) return t.skip(`kernel module ${SM90_MODULE} was not built (no nvcc)`);
  const tool = nvdisasm();
  if (tool === undefined) return t.skip('no nvdisasm: bash scripts/get-sass-tools.sh fetches one (or a CUDA toolkit on the PATH)');
  const r = spawnSync(tool, ['-c', join(cuda.kernelsDir(), m.file)], { encoding: 'utf8', maxBuffer: 512 << 20 });
  assert.equal(r.status, 0, `nvdisasm failed: ${r.stderr}`);
  // The listing's sections: a line ".text.<kernel>:" opens each kernel's code.
  const bodies = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of r.stdout.split('\n')) {
    const open = /^\.text\.(\S+):/.exec(line);
    if (open) bodies.set(open[1]!, (current = []));
    else if (current && /^\s+\/\*[0-9a-f]+\*\//.test(line)) current.push(line);
  }
  for (const f of m.functions) {
    const code = bodies.get(f.name);
    assert.ok(code && code.length > 0, `${f.name} missing from the SASS listing`);
    const has = (op: RegExp): boolean => code.some((l) => op.test(l));
    assert.ok(has(/\bHGMMA\./), `${f.name}: no HGMMA`);
    assert.ok(has(/\bUTMALDG\./), `${f.name}: no UTMALDG`);
    assert.ok(has(/\bUSETMAXREG\./), `${f.name}: no USETMAXREG`);
    // Spills would show as local loads and stores (ptxas's report says 0; this is the code itself).
    assert.ok(!has(/\b(STL|LDL)\b/), `${f.name}: local-memory access (STL/LDL)`);
  }
});

test('every kernel the launcher can name was built', (t) => {
  const m = cuda.kernelManifest()?.modules.find((x) => x.name === SM90_MODULE);
  if (!m) return t.skip(`kernel module ${SM90_MODULE} was not built (no nvcc)`);
  const names = new Set(m.functions.map((f) => f.name));
  for (const dt of DTYPES) {
    for (const d of HEAD_DIMS) {
      for (const windowed of [false, true]) {
        const n = sm90KernelName(dt, { headDim: d, windowed });
        assert.ok(names.has(n), `${n} missing from the build`);
        const v = sm90KernelName(dt, { headDim: d, windowed, varlen: true });
        assert.equal(names.has(v), SM90_VARLEN_HEAD_DIMS.includes(d), `${v} built: ${names.has(v)}`);
        const c = sm90KernelName(dt, { headDim: d, windowed, cluster: true });
        assert.equal(names.has(c), SM90_CLUSTER_HEAD_DIMS.includes(d), `${c} built: ${names.has(c)}`);
        const w = sm90KernelName(dt, { headDim: d, windowed, wide: true });
        assert.equal(names.has(w), windowed && d === 64, `${w} built: ${names.has(w)}`);
      }
    }
  }
});

test('AttnFwdSm90Params written from TypeScript matches the offsets the build emitted', (t) => {
  const emitted = emittedLayouts();
  if (!emitted) return t.skip(`kernels were not built: ${paramOffsetsPath()} is missing`);
  assertLayoutMatches(ATTN_FWD_SM90_PARAMS, emitted);
});

test('the TypeScript tile table equals TileN in attn_fwd_sm90_traits.h, and fits shared memory', () => {
  const src = readFileSync(join(root, 'kernels', 'sm90', 'attn_fwd_sm90_traits.h'), 'utf8');
  const cpp: Record<number, number> = {};
  for (const m of src.matchAll(/struct TileN<(\d+)>\s*\{\s*static constexpr int value = (\d+);/g)) cpp[Number(m[1])] = Number(m[2]);
  assert.deepEqual(cpp, { ...SM90_BLOCK_N });
  for (const d of HEAD_DIMS) {
    for (const w of [false, true]) {
      const bytes = sm90SharedMemoryBytes({ headDim: d, windowed: w });
      assert.ok(bytes <= H100_SMEM_PER_BLOCK, `head dim ${d}${w ? ' windowed' : ''}: ${bytes} bytes`);
    }
  }
  // Q, O (its own tile where it fits), 2 K and 2 V stages; 10 mbarriers (Q full, Q free,
  // full/empty per stage); alignment slack. Head dims 192 and 256 have no room for O: it goes
  // over the V stages (one CTA) or overwrites Q (clusters, PackGQA). Head dim 64 without a window has three consumer warpgroups: 192-row Q and O tiles.
  assert.equal(sm90SharedMemoryBytes({ headDim: 64, windowed: false }), (2 * 192 + 4 * 128) * 64 * 2 + 80 + 1024);
  // The windowed one-CTA kernels at head dims 64 and 128 stream their tiles: two Q tiles and
  // their two barriers more (Traits::kStreamDefault); their cluster twins do not.
  assert.equal(sm90SharedMemoryBytes({ headDim: 64, windowed: true }), (3 * 128 + 4 * 128) * 64 * 2 + 96 + 1024);
  assert.equal(sm90SharedMemoryBytes({ headDim: 128, windowed: true }), (3 * 128 + 4 * 128) * 128 * 2 + 96 + 1024);
  assert.equal(sm90SharedMemoryBytes({ headDim: 128, windowed: true, cluster: true }), (2 * 128 + 4 * 128) * 128 * 2 + 80 + 1024);
  assert.ok(sm90SharedMemoryBytes({ headDim: 128, windowed: true }) <= H100_SMEM_PER_BLOCK);
  // The wide windowed head-dim-64 kernels: three consumer warpgroups, 192 x 96 tiles.
  assert.equal(sm90SharedMemoryBytes({ headDim: 64, windowed: true, wide: true }), (2 * 192 + 4 * 96) * 64 * 2 + 80 + 1024);
  assert.equal(sm90SharedMemoryBytes({ headDim: 128, windowed: false }), (2 * 128 + 4 * 128) * 128 * 2 + 80 + 1024);
  // Head dims 192 and 256, one CTA: O goes over the V stages, and its O-stored barrier is one more
  // (Traits::kOInVDefault); their cluster kernels write O over Q.
  assert.equal(sm90SharedMemoryBytes({ headDim: 192, windowed: false }), (128 + 4 * 112) * 192 * 2 + 88 + 1024);
  assert.equal(sm90SharedMemoryBytes({ headDim: 256, windowed: true }), (128 + 4 * 80) * 256 * 2 + 88 + 1024);
  assert.equal(sm90SharedMemoryBytes({ headDim: 256, windowed: true, cluster: true }), (128 + 4 * 80) * 256 * 2 + 80 + 1024);
  // Varlen (two consumer warpgroups): + the V-landed barrier and the two 28-byte tile slots.
  assert.equal(sm90SharedMemoryBytes({ headDim: 128, windowed: false, varlen: true }), sm90SharedMemoryBytes({ headDim: 128, windowed: false }) + 8 + 2 * 28);
  assert.equal(sm90SharedMemoryBytes({ headDim: 64, windowed: false, varlen: true }), (2 * 128 + 4 * 128) * 64 * 2 + 80 + 1024 + 8 + 2 * 28);
  for (const d of SM90_VARLEN_HEAD_DIMS) {
    for (const w of [false, true]) assert.ok(sm90SharedMemoryBytes({ headDim: d, windowed: w, varlen: true }) <= H100_SMEM_PER_BLOCK);
  }
  assert.throws(() => sm90SharedMemoryBytes({ headDim: 96, windowed: false }), /headDim must be a compiled head dim \(64, 128, 192, 256\), got 96/);
  assert.deepEqual([...SM90_HEAD_DIMS], [...HEAD_DIMS]);
});

test('the TypeScript consumer-warpgroup rule equals ConsumerWarpgroups in attn_fwd_sm90_traits.h', () => {
  const src = readFileSync(join(root, 'kernels', 'sm90', 'attn_fwd_sm90_traits.h'), 'utf8');
  // The header's rule, as written there; this test pins the TypeScript copy to it.
  assert.match(src, /static constexpr int value = kHeadDim == 64 && !kWindowed && !kVarlen \? 3 : 2;/);
  for (const d of HEAD_DIMS) {
    assert.equal(sm90ConsumerWarpgroups({ headDim: d, windowed: true }), 2);
    assert.equal(sm90ConsumerWarpgroups({ headDim: d, windowed: false, varlen: true }), 2);
    assert.equal(sm90ConsumerWarpgroups({ headDim: d, windowed: false }), d === 64 ? 3 : 2);
    assert.equal(sm90BlockM({ headDim: d, windowed: false }), 64 * sm90ConsumerWarpgroups({ headDim: d, windowed: false }));
  }
  // The wide kernels override the count (ATTN_FWD_SM90_WIDE_TRAITS): three, 192-row tiles.
  assert.match(src, /kConsumerWgOverride \? kConsumerWgOverride : ConsumerWarpgroups<kHeadDim, kWindowed, kVarlen_>::value/);
  const instances = readFileSync(join(root, 'kernels', 'sm90', 'attn_fwd_sm90_instances.h'), 'utf8');
  assert.match(instances, /ATTN_FWD_SM90_WIDE_TRAITS\(Element\) \\\s*fa::sm90::Traits<Element, 64, true, true, true, true, 96, 0, true, 3>/);
  assert.equal(sm90ConsumerWarpgroups({ headDim: 64, windowed: true, wide: true }), 3);
  assert.equal(sm90BlockM({ headDim: 64, windowed: true, wide: true }), 192);
});

test('the TypeScript streamed-tiles rule equals Traits::kStreamDefault in attn_fwd_sm90_traits.h', () => {
  const src = readFileSync(join(root, 'kernels', 'sm90', 'attn_fwd_sm90_traits.h'), 'utf8');
  // The header's rule as written there (windowed, head dim 64 or 128, two consumer warpgroups
  // through no override, not varlen, packed or clustered, every experiment override at its default).
  assert.match(src, /static constexpr bool kOneCtaProduction =\s*kIntraWgOverlap_ && kPingpong_ && kPersistent_ && kWarpSpecialized_ && !kVarlen_ && !kPackGqa_ &&\s*kBlockNOverride == 0 && kStagesOverride == 0 && kSeparateOAllowed && kConsumerWgOverride == 0 &&/);
  assert.match(src, /kClusterOverride == 0 &&\s*kIssueOverride == 0/);
  assert.match(src, /static constexpr bool kStreamDefault = kOneCtaProduction && kWindowed_ && \(kHeadDim_ == 64 \|\| kHeadDim_ == 128\);/);
  assert.match(src, /kBoundaryModeDefault =\s*kStreamDefault \? 8/);
  // The wide kernels override the warpgroup count and the cluster kernels the cluster size: neither streams.
  for (const d of HEAD_DIMS) {
    for (const w of [false, true]) {
      assert.equal(sm90StreamsTiles({ headDim: d, windowed: w }), w && (d === 64 || d === 128), `head dim ${d}${w ? ' windowed' : ''}`);
      assert.equal(sm90StreamsTiles({ headDim: d, windowed: w, varlen: true }), false);
      assert.equal(sm90StreamsTiles({ headDim: d, windowed: w, packGqa: true }), false);
      assert.equal(sm90StreamsTiles({ headDim: d, windowed: w, cluster: true }), false);
    }
  }
  assert.equal(sm90StreamsTiles({ headDim: 64, windowed: true, wide: true }), false);
});

test('the TypeScript O-over-V rule equals Traits::kOInVDefault in attn_fwd_sm90_traits.h', () => {
  const src = readFileSync(join(root, 'kernels', 'sm90', 'attn_fwd_sm90_traits.h'), 'utf8');
  // The header's rule as written there: the one-CTA production kernels (kOneCtaProduction, pinned
  // by the streamed-tiles test: not varlen, packed or clustered) at head dims 192 and 256.
  assert.match(src, /static constexpr bool kOInVDefault = kOneCtaProduction && \(kHeadDim_ == 192 \|\| kHeadDim_ == 256\);/);
  assert.match(src, /: kOInVDefault \|\| \(kFa3Loop && kHeadDim_ == 128 && !kWindowed_ && kClusterOverride == 0\) \? 1/);
  for (const d of HEAD_DIMS) {
    for (const w of [false, true]) {
      assert.equal(sm90OutputInV({ headDim: d, windowed: w }), d === 192 || d === 256, `head dim ${d}${w ? ' windowed' : ''}`);
      assert.equal(sm90OutputInV({ headDim: d, windowed: w, varlen: true }), false);
      assert.equal(sm90OutputInV({ headDim: d, windowed: w, packGqa: true }), false);
      assert.equal(sm90OutputInV({ headDim: d, windowed: w, cluster: true }), false);
    }
  }
});

test('head dims that are not compiled run on the next compiled one up', () => {
  assert.equal(sm90CompiledHeadDim(8), 64);
  assert.equal(sm90CompiledHeadDim(32), 64);
  assert.equal(sm90CompiledHeadDim(64), 64);
  assert.equal(sm90CompiledHeadDim(72), 128);
  assert.equal(sm90CompiledHeadDim(96), 128);
  assert.equal(sm90CompiledHeadDim(136), 192);
  assert.equal(sm90CompiledHeadDim(160), 192);
  assert.equal(sm90CompiledHeadDim(192), 192);
  assert.equal(sm90CompiledHeadDim(224), 256);
  assert.equal(sm90CompiledHeadDim(256), 256);
  for (const d of [0, 4, 12, 100, 264, 512]) assert.equal(sm90CompiledHeadDim(d), undefined, `head dim ${d}`);
});


test('supports() names what the sm90 kernels do not take', () => {
  const f32 = Tensor.zeros([1, 4, 1, 64]);
  assert.match(sm90Supports(problemShell({ q: f32 }))!, /needs float16 or bfloat16 inputs, got float32/);
  assert.match(sm90Supports(problemShell({ headDim: 100, headDimV: 100 }))!, /needs a head dim that is a multiple of 8 up to 256, got 100/);
  assert.match(sm90Supports(problemShell({ headDim: 264, headDimV: 264 }))!, /needs a head dim that is a multiple of 8 up to 256, got 264/);
  assert.match(sm90Supports(problemShell({ headDimV: 128 }))!, /needs headDimV == headDim, got 128 and 64/);
  assert.match(sm90Supports(problemShell({ seqlenK: 0 }))!, /empty problems/);
  assert.match(
    sm90Supports(problemShell({ params: { softmaxScale: -1, causal: false, windowLeft: -1, windowRight: -1, softcap: 0 } }))!,
    /needs softmaxScale > 0 without softcap, got -1/,
  );
  // Varlen beyond head dim 128 falls back (its consumers would spill).
  assert.match(
    sm90Supports(varlenShell({ headDim: 192, headDimV: 192 }))!,
    /has varlen kernels for head dims up to 128 only \(beyond, their consumers spill registers\), got 192/,
  );
  assert.match(sm90Supports(varlenShell({ headDim: 160, headDimV: 160 }))!, /varlen kernels for head dims up to 128 only.*got 160/);
});

/** A varlen problem shell: 3 sequences (query lengths 3, 0, 1; key lengths 2, 2, 0), host tensors. */
function varlenShell(over: Partial<AttentionProblem>): AttentionProblem {
  const d = over.headDim ?? 64;
  const q = Tensor.zeros([4, 1, d], { dtype: 'bfloat16' });
  const cuQ = Int32Array.from([0, 3, 3, 4]);
  const cuK = Int32Array.from([0, 2, 4, 4]);
  return problemShell({
    q,
    k: q,
    v: q,
    out: q,
    batch: 3,
    seqlenQ: 4,
    seqlenK: 4,
    varlen: varlenOf(cuQ, cuK),
    ...over,
  });
}

test('supports() takes head dims 96 and 192 and varlen up to head dim 128 once the kernels are built', () => {
  // Host tensors: every shape check passes, and the first reason is where the tensors are (or that
  // the kernels were not built), never the head dim or varlen.
  const built = cuda.kernelManifest()?.modules.some((x) => x.name === SM90_MODULE) ?? false;
  const expected = built ? /^q must be on cuda/ : new RegExp(`^kernel module ${SM90_MODULE} was not built`);
  for (const d of [96, 192, 40, 200]) {
    const q = Tensor.zeros([1, 4, 1, d], { dtype: 'bfloat16' });
    assert.match(sm90Supports(problemShell({ q, k: q, v: q, out: q, headDim: d, headDimV: d }))!, expected, `head dim ${d}`);
  }
  for (const d of [64, 128, 96, 8]) {
    assert.match(sm90Supports(varlenShell({ headDim: d, headDimV: d }))!, expected, `varlen head dim ${d}`);
  }
  const windowed = varlenShell({ params: { softmaxScale: 0.125, causal: true, windowLeft: -1, windowRight: 0, softcap: 0 } });
  assert.match(sm90Supports(windowed)!, expected, 'varlen causal');
});

// ---- on an sm_90 GPU ---------------------------------------------------------------------------

gpuTest('sm90: every head dim and dtype, seqlenQ < seqlenK and >, GQA, causal and not', (t) => {
  if (!requireSm90(t)) return;
  for (const dtype of DTYPES) {
    for (const d of HEAD_DIMS) {
      checkCase({ dtype, batch: 2, sq: 113, sk: 203, heads: 4, headsKV: 2, d });
      checkCase({ dtype, batch: 1, sq: 203, sk: 113, heads: 2, headsKV: 1, d, opts: { causal: true } });
      checkCase({ dtype, batch: 1, sq: 129, sk: 1000, heads: 2, headsKV: 2, d, opts: { causal: true } });
    }
  }
});

gpuTest('sm90: awkward seqlens 1, 17, 127, 128, 129, 1000 (bf16, head dim 128)', (t) => {
  if (!requireSm90(t)) return;
  for (const s of [1, 17, 127, 128, 129, 1000]) {
    checkCase({ dtype: 'bfloat16', batch: 1, sq: s, sk: s, heads: 2, headsKV: 1, d: 128 });
    checkCase({ dtype: 'bfloat16', batch: 1, sq: s, sk: s, heads: 2, headsKV: 1, d: 128, opts: { causal: true } });
  }
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 1, sk: 17, heads: 1, headsKV: 1, d: 128 });
  checkCase({ dtype: 'float16', batch: 1, sq: 17, sk: 1, heads: 1, headsKV: 1, d: 64 });
});

gpuTest('sm90: head dims 96 and 192 at awkward seqlens 1, 17, 127, 129, 1000', (t) => {
  if (!requireSm90(t)) return;
  for (const s of [1, 17, 127, 129, 1000]) {
    checkCase({ dtype: 'bfloat16', batch: 1, sq: s, sk: s, heads: 2, headsKV: 1, d: 96 });
    checkCase({ dtype: 'float16', batch: 1, sq: s, sk: s, heads: 2, headsKV: 1, d: 192, opts: { causal: true } });
  }
  checkCase({ dtype: 'float16', batch: 2, sq: 129, sk: 1000, heads: 4, headsKV: 2, d: 96, opts: { causal: true } });
  checkCase({ dtype: 'bfloat16', batch: 2, sq: 1000, sk: 129, heads: 4, headsKV: 2, d: 192 });
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 300, sk: 317, heads: 2, headsKV: 1, d: 192, opts: { windowSize: [40, 7], softcap: 10 } });
});

gpuTest('sm90: head dims that are not compiled run on the next kernel up (8, 40, 72, 160, 200, 248)', (t) => {
  if (!requireSm90(t)) return;
  // Columns past the real head dim are zero-filled by the copy engine and not stored: q.k and the
  // stored O columns are exact, and nothing next to a row (the k part of a packed qkv) is read.
  for (const d of [8, 40, 72, 160, 200, 248]) {
    checkCase({ dtype: 'bfloat16', batch: 2, sq: 203, sk: 130, heads: 4, headsKV: 2, d });
    checkCase({ dtype: 'float16', batch: 1, sq: 17, sk: 300, heads: 2, headsKV: 1, d, opts: { causal: true } });
  }
});

gpuTest('sm90: very large logits (softcap off) stay finite', (t) => {
  if (!requireSm90(t)) return;
  // At |LSE| ~ 1e4 one float32 ulp (~1e-3) is far above the rule's 1e-5 slack, and wgmma's fp32
  // score sums and the naive float32 loop differ by a few ulps of scores ~1e5: on the H100 the LSE
  // missed 2x the naive error by ~6% on 1 of 400 rows in 1 of 5 runs (3.8e-3 at 1.2e4, relative
  // 3.2e-7). Out keeps the full rule; the LSE here must be within 1e-6 relative (about 8 ulps).
  const lseRelTol = 1e-6;
  for (let i = 0; i < 4; i++) {
    const a = checkCase({ dtype: 'float16', batch: 1, sq: 200, sk: 333, heads: 2, headsKV: 2, d: 64, qStd: 300, lseRelTol });
    const b = checkCase({ dtype: 'bfloat16', batch: 1, sq: 200, sk: 333, heads: 2, headsKV: 2, d: 128, qStd: 3000, opts: { causal: true }, lseRelTol });
    for (const x of [...a.out, ...b.out, ...a.lse, ...b.lse]) assert.ok(Number.isFinite(x), `non-finite ${x}`);
  }
});

gpuTest('sm90: GQA groups 2..8 and MQA', (t) => {
  if (!requireSm90(t)) return;
  for (const [heads, headsKV] of [[8, 4], [8, 2], [8, 1], [6, 2]] as const) {
    checkCase({ dtype: 'bfloat16', batch: 2, sq: 150, sk: 170, heads, headsKV, d: 64, opts: { causal: headsKV === 1 } });
  }
});

gpuTest('sm90: local windows, softcap and a custom softmax scale', (t) => {
  if (!requireSm90(t)) return;
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 500, sk: 517, heads: 2, headsKV: 1, d: 128, opts: { windowSize: [50, 20] } });
  checkCase({ dtype: 'float16', batch: 1, sq: 300, sk: 200, heads: 2, headsKV: 2, d: 256, opts: { windowSize: [-1, 30] } });
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 200, sk: 300, heads: 2, headsKV: 2, d: 64, opts: { windowSize: [10, -1] } });
  checkCase({ dtype: 'bfloat16', batch: 2, sq: 130, sk: 260, heads: 2, headsKV: 1, d: 128, opts: { softcap: 20 } });
  checkCase({ dtype: 'float16', batch: 1, sq: 257, sk: 257, heads: 2, headsKV: 2, d: 128, opts: { causal: true, softcap: 5 } });
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 100, sk: 333, heads: 3, headsKV: 1, d: 256, opts: { softmaxScale: 0.3 } });
});

gpuTest('sm90: fully masked rows give 0 and -inf', (t) => {
  if (!requireSm90(t)) return;
  // Causal with seqlenQ > seqlenK: query row i sees keys j <= i - (300 - 100), so rows 0..199 see none.
  const { out, lse } = checkCase({ dtype: 'bfloat16', batch: 1, sq: 300, sk: 100, heads: 2, headsKV: 1, d: 128, opts: { causal: true } });
  const d = 128;
  for (let h = 0; h < 2; h++) {
    for (const row of [0, 150, 199]) {
      assert.equal(lse[h * 300 + row], -Infinity, `lse head ${h} row ${row}`);
      for (let c = 0; c < d; c++) assert.equal(out[(row * 2 + h) * d + c], 0, `out row ${row} head ${h} col ${c}`);
    }
    assert.ok(Number.isFinite(lse[h * 300 + 200]!), 'row 200 sees key 0');
  }
});

gpuTest('sm90: packed qkv (strided TMA views) matches the reference, at head dims 128 and 96', (t) => {
  if (!requireSm90(t)) return;
  for (const d of [128, 96]) checkPackedQkv(d);
});

/** Head dim 96 runs on the 128 kernel: its second 64-column box must not read the next part of the row. */
function checkPackedQkv(d: number): void {
  const seed = freshSeed();
  const [b, s, h] = [2, 203, 2];
  const qkv = Tensor.randn([b, s, 3, h, d], { dtype: 'bfloat16', device: 'cuda', seed });
  const res = flashAttnQkvpackedFunc(qkv, { causal: true, returnLse: true });
  const q = qkv.select(2, 0);
  const k = qkv.select(2, 1);
  const v = qkv.select(2, 2);
  const resolved = resolveOptions('test', { causal: true }, d, s);
  const ref = attentionReference(q, k, v, resolved);
  const naive = attentionNaiveLowPrecision(q, k, v, resolved, 'bfloat16');
  const o = acceptanceCheck(res.out.toHost().toFloat64Array(), ref.out, naive.out);
  assert.ok(o.ok, `packed qkv d${d} seed ${seed}: ${o.message}`);
  const l = acceptanceCheck(res.lse.toHost().toFloat64Array(), ref.lse, naive.lse);
  assert.ok(l.ok, `packed qkv d${d} seed ${seed}: lse: ${l.message}`);
  for (const x of [qkv, res.out, res.lse]) x.dispose();
}

gpuTest('sm90: out given as a strided view of a wider tensor is written in place, its neighbours left alone', (t) => {
  if (!requireSm90(t)) return;
  // O leaves through the copy engine's map of the output (from its own tile, Q's or the V stages'
  // memory): a view whose rows, heads and batches lie farther apart than its shape says gets the
  // reference's numbers, and nothing beside it changes. 200 runs on the 256 kernel, whose stores
  // clip the columns past the real head dim.
  for (const d of [64, 128, 192, 256, 200]) {
    for (const causal of [false, true]) checkOutView(d, causal);
  }
});

function checkOutView(d: number, causal: boolean): void {
  const seed = freshSeed();
  const [b, s, h] = [2, 203, 2];
  const what = `out view d${d}${causal ? ' causal' : ''} seed ${seed}`;
  const dev = { dtype: 'bfloat16', device: 'cuda' } as const;
  const q = Tensor.randn([b, s, h, d], { ...dev, seed });
  const k = Tensor.randn([b, s, h, d], { ...dev, seed: seed + 1 });
  const v = Tensor.randn([b, s, h, d], { ...dev, seed: seed + 2 });
  // Rows 3.. of 5 more, heads 1.. of one more, columns 8.. of 16 more (8 elements: the 16 bytes TMA wants).
  const big = Tensor.full([b, s + 5, h + 1, d + 16], NaN, dev);
  const view = big.slice(1, 3, 3 + s).slice(2, 1, 1 + h).slice(3, 8, 8 + d);
  try {
    let res: Tensor | undefined;
    const kernels = launchedKernels(() => {
      res = flashAttnFunc(q, k, v, { causal, out: view });
    });
    assert.equal(res, view, `${what}: the given out is returned`);
    assert.ok(kernels.length === 1 && kernels[0]!.startsWith('attn_fwd_sm90_'), `${what}: launched ${kernels.join(', ')}`);
    const resolved = resolveOptions('test', { causal }, d, s);
    const ref = attentionReference(q, k, v, resolved);
    const naive = attentionNaiveLowPrecision(q, k, v, resolved, 'bfloat16');
    const o = acceptanceCheck(view.toHost().toFloat64Array(), ref.out, naive.out);
    assert.ok(o.ok, `${what}: ${o.message}`);
    const all = big.toHost().toFloat64Array();
    let written = 0;
    for (let i = 0; i < all.length; i++) {
      const col = i % (d + 16);
      const head = Math.floor(i / (d + 16)) % (h + 1);
      const row = Math.floor(i / ((d + 16) * (h + 1))) % (s + 5);
      const inside = col >= 8 && col < 8 + d && head >= 1 && row >= 3 && row < 3 + s;
      if (!inside && !Number.isNaN(all[i]!)) written++;
    }
    assert.equal(written, 0, `${what}: elements outside the view were written`);
  } finally {
    for (const x of [q, k, v, big]) x.dispose();
  }
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

gpuTest('sm90: 20 repeated runs are bit-identical (races would show here)', (t) => {
  if (!requireSm90(t)) return;
  const seed = freshSeed();
  for (const [d, causal] of [[128, true], [256, false], [64, false]] as const) {
    const dev = { dtype: 'bfloat16', device: 'cuda' } as const;
    const q = Tensor.randn([2, 1000, 4, d], { ...dev, seed });
    const k = Tensor.randn([2, 1000, 2, d], { ...dev, seed: seed + 1 });
    const v = Tensor.randn([2, 1000, 2, d], { ...dev, seed: seed + 2 });
    let first: { out: Uint16Array; lse: Float32Array } | undefined;
    for (let i = 0; i < 20; i++) {
      const out = Tensor.full([2, 1000, 4, d], NaN, dev);
      const res = flashAttnFunc(q, k, v, { causal, out, returnLse: true });
      const o = res.out.toHost().data as Uint16Array;
      const l = res.lse.toHost().data as Float32Array;
      if (!first) first = { out: o, lse: l };
      else {
        assert.ok(sameBytes(o, first.out), `head dim ${d} run ${i}: out differs from run 0 (seed ${seed})`);
        assert.ok(sameBytes(l, first.lse), `head dim ${d} run ${i}: lse differs from run 0 (seed ${seed})`);
      }
      out.dispose();
      res.lse.dispose();
    }
    for (const x of [q, k, v]) x.dispose();
  }
});

// ---- varlen on an sm_90 GPU --------------------------------------------------------------------

interface VarlenCase {
  dtype: Dt;
  lensQ: number[];
  lensK: number[];
  /** Keys used per sequence (sequsedK); the rows past them are filled with NaN. */
  usedK?: number[];
  heads: number;
  headsKV: number;
  d: number;
  opts?: AttentionOptions;
}

const cumulative = (lens: number[]): Int32Array => Int32Array.from([0, ...lens.map((_, j) => lens.slice(0, j + 1).reduce((a, b) => a + b, 0))]);

/**
 * Runs a varlen case through flashAttnVarlenFunc (forced onto sm90) into NaN-poisoned out and
 * checks out and LSE ([heads, totalQ]) against the float64 reference with the acceptance rule.
 * K and V rows a sequence does not use (past sequsedK) hold NaN: the kernel must not let them
 * reach any output (P is 0 there, but 0 * NaN is NaN).
 */
function checkVarlen(c: VarlenCase): void {
  const seed = freshSeed();
  const o = c.opts ?? {};
  const what = `varlen ${c.dtype} q[${c.lensQ.join(',')}] k[${c.lensK.join(',')}]${c.usedK ? ` used[${c.usedK.join(',')}]` : ''} h${c.heads}/${c.headsKV} d${c.d}${o.causal ? ' causal' : o.windowSize ? ` window [${o.windowSize.join(', ')}]` : ''} seed ${seed}`;
  const cuQ = cumulative(c.lensQ);
  const cuK = cumulative(c.lensK);
  const totalQ = cuQ[c.lensQ.length]!;
  const totalK = cuK[c.lensK.length]!;
  const q = Tensor.randn([totalQ, c.heads, c.d], { dtype: c.dtype, device: 'cuda', seed });
  const kHost = Tensor.randn([totalK, c.headsKV, c.d], { dtype: c.dtype, seed: seed + 1 });
  const vHost = Tensor.randn([totalK, c.headsKV, c.d], { dtype: c.dtype, seed: seed + 2 });
  const used = c.usedK ? Int32Array.from(c.usedK) : undefined;
  if (used) {
    const nan = encodeElement(NaN, c.dtype);
    for (let b = 0; b < c.lensK.length; b++) {
      for (let row = cuK[b]! + used[b]!; row < cuK[b + 1]!; row++) {
        for (let i = 0; i < c.headsKV * c.d; i++) {
          kHost.hostStorageArray()[row * c.headsKV * c.d + i] = nan;
          vHost.hostStorageArray()[row * c.headsKV * c.d + i] = nan;
        }
      }
    }
  }
  const k = kHost.to('cuda');
  const v = vHost.to('cuda');
  const dev = { dtype: 'int32', device: 'cuda' } as const;
  const cuSeqlensQ = Tensor.fromData(cuQ, [cuQ.length], dev);
  const cuSeqlensK = Tensor.fromData(cuK, [cuK.length], dev);
  const sequsedK = used ? Tensor.fromData(used, [used.length], dev) : undefined;
  const out = Tensor.full([totalQ, c.heads, c.d], NaN, { dtype: c.dtype, device: 'cuda' }); // poisoned
  try {
    const opts = {
      ...o,
      cuSeqlensQ,
      cuSeqlensK,
      maxSeqlenQ: Math.max(...c.lensQ),
      maxSeqlenK: Math.max(...c.lensK),
      ...(sequsedK ? { sequsedK } : {}),
    };
    const vp = validateVarlen('flashAttnVarlenFunc', q, k, v, opts);
    const { returnLse: _unused, ...rest } = vp;
    assert.equal(selectBackend({ ...rest, out, lse: undefined }).name, 'sm90', `${what}: dispatch`);
    const res = flashAttnVarlenFunc(q, k, v, { ...opts, out, returnLse: true });
    const actualOut = res.out.toHost().toFloat64Array();
    const actualLse = res.lse.toHost().toFloat64Array();
    res.lse.dispose();
    const ref: ReferenceVarlen = { cuSeqlensQ: cuQ, cuSeqlensK: cuK, ...(used ? { sequsedK: used } : {}) };
    const expected = attentionReference(q, k, v, vp.params, ref);
    const naive = attentionNaiveLowPrecision(q, k, v, vp.params, c.dtype, ref);
    const oc = acceptanceCheck(actualOut, expected.out, naive.out);
    assert.ok(oc.ok, `${what}: out: ${oc.message}`);
    const lc = acceptanceCheck(actualLse, expected.lse, naive.lse);
    assert.ok(lc.ok, `${what}: lse: ${lc.message}`);
  } finally {
    for (const x of [q, kHost, vHost, k, v, cuSeqlensQ, cuSeqlensK, sequsedK, out]) x?.dispose();
  }
}

gpuTest('sm90 varlen: empty sequences, lengths that are not multiples of 128, GQA, causal and not', (t) => {
  if (!requireSm90(t)) return;
  const lensQ = [300, 1, 0, 129, 77, 5, 128, 17];
  const lensK = [300, 17, 40, 0, 200, 64, 128, 1000];
  for (const d of [64, 128]) {
    for (const dtype of DTYPES) {
      checkVarlen({ dtype, lensQ, lensK, heads: 4, headsKV: 2, d });
      checkVarlen({ dtype, lensQ, lensK, heads: 4, headsKV: 1, d, opts: { causal: true } });
    }
  }
});

gpuTest('sm90 varlen: sequsedK with NaN in the unused key and value rows', (t) => {
  if (!requireSm90(t)) return;
  const lensQ = [130, 1, 64, 0, 257];
  const lensK = [300, 256, 64, 10, 260];
  const usedK = [129, 0, 63, 10, 1];
  checkVarlen({ dtype: 'bfloat16', lensQ, lensK, usedK, heads: 2, headsKV: 2, d: 128 });
  checkVarlen({ dtype: 'float16', lensQ, lensK, usedK, heads: 4, headsKV: 2, d: 64, opts: { causal: true } });
  checkVarlen({ dtype: 'bfloat16', lensQ, lensK, usedK, heads: 2, headsKV: 1, d: 96, opts: { windowSize: [30, 5] } });
});

gpuTest('sm90 varlen: local windows, softcap, head dims 96 and 40, and many short sequences', (t) => {
  if (!requireSm90(t)) return;
  checkVarlen({ dtype: 'bfloat16', lensQ: [500, 17, 333], lensK: [517, 40, 300], heads: 2, headsKV: 1, d: 128, opts: { windowSize: [50, 20] } });
  checkVarlen({ dtype: 'float16', lensQ: [200, 129], lensK: [300, 1], heads: 2, headsKV: 2, d: 96, opts: { windowSize: [-1, 30], softcap: 10 } });
  checkVarlen({ dtype: 'bfloat16', lensQ: [1000, 127], lensK: [1000, 129], heads: 3, headsKV: 1, d: 40, opts: { causal: true } });
  // 70 sequences (more than one 32-sequence search round) of 1..140 rows, several empty: 9 heads
  // give more tiles than the H100's 132 SMs, so persistent CTAs walk several sequences each.
  const lensQ = Array.from({ length: 70 }, (_, i) => (i % 9 === 4 ? 0 : 1 + ((i * 37) % 140)));
  const lensK = Array.from({ length: 70 }, (_, i) => (i % 11 === 7 ? 0 : 1 + ((i * 53) % 200)));
  checkVarlen({ dtype: 'bfloat16', lensQ, lensK, heads: 9, headsKV: 3, d: 64 });
  checkVarlen({ dtype: 'float16', lensQ, lensK, heads: 9, headsKV: 3, d: 128, opts: { causal: true } });
});

gpuTest('sm90 varlen: head dim 192 falls back to the portable path with the reason', (t) => {
  if (!requireSm90(t)) return;
  const q = Tensor.randn([10, 2, 192], { dtype: 'bfloat16', device: 'cuda', seed: 1 });
  const cu = Tensor.fromData(Int32Array.from([0, 4, 10]), [3], { dtype: 'int32', device: 'cuda' });
  try {
    const vp = validateVarlen('flashAttnVarlenFunc', q, q, q, { cuSeqlensQ: cu, cuSeqlensK: cu, maxSeqlenQ: 6, maxSeqlenK: 6 });
    const { returnLse: _unused, ...rest } = vp;
    assert.match(sm90Supports({ ...rest, out: q, lse: undefined })!, /varlen kernels for head dims up to 128 only/);
  } finally {
    q.dispose();
    cu.dispose();
  }
});
