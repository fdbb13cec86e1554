/**
 * The plan cache of repeated attention calls (src/attention/plan.ts): a repeated call skips
 * validation, dispatch and prepare and gives what an uncached call gives; every change that could
 * alter the plan (another tensor object, a disposed tensor, any option, the backend registry or
 * FLASH_ATTN_BACKEND) takes the full path, with the full path's errors.
 *
 * The CPU backend has no prepare() and is never planned, so these tests register a CPU backend that
 * has one and counts the calls that took the full path (its forward or its prepare), its prepares
 * and its launches. The GPU test checks that a planned launch passes the kernel the same parameter
 * bytes as a fresh one.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as cuda from '../src/cuda/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import {
  type AttentionBackend,
  type AttentionResult,
  BACKEND_ENV,
  attentionForwardCpu,
  cpuBackend,
  flashAttnFunc,
  flashAttnKvpackedFunc,
  flashAttnQkvpackedFunc,
  getBackend,
  registerBackend,
  reloadBackendEnv,
  type WithoutLse,
} from '../src/attention/index.js';
import type { AttentionOptions } from '../src/attention/types.js';
import { ATTN_FWD_PARAMS } from '../src/attention/sm80.js';
import { ATTN_FWD_SM90_PARAMS } from '../src/attention/sm90.js';
import { gpuTest } from './support/gpu.js';
import { throwsExactly } from './support/errors.js';

const F = 'flashAttnFunc';

/** What the counting backend has done since it was registered: full paths are forwards plus prepares. */
const counts = { fullPaths: 0, prepares: 0, launches: 0 };

/** The CPU backend with a prepare(): its launch holds the inputs, which only a test may do. */
const countingCpu: AttentionBackend = {
  ...cpuBackend,
  forward(p) {
    counts.fullPaths++;
    counts.launches++;
    attentionForwardCpu(p);
  },
  prepare(p) {
    counts.fullPaths++;
    counts.prepares++;
    const { out: _out, lse: _lse, ...inputs } = p;
    return (out, lse) => {
      counts.launches++;
      attentionForwardCpu({ ...inputs, out, lse });
    };
  },
};

function rand(dims: number[], seed: number): Tensor {
  return Tensor.randn(dims, { dtype: 'bfloat16', seed });
}

/** q [2, 16, 4, 32], k/v [2, 24, 2, 32]. */
function inputs(seed = 1): { q: Tensor; k: Tensor; v: Tensor } {
  return { q: rand([2, 16, 4, 32], seed), k: rand([2, 24, 2, 32], seed + 1), v: rand([2, 24, 2, 32], seed + 2) };
}

function values(t: Tensor): number[] {
  return [...t.toFloat64Array()];
}

/** The result of the real (unplanned) CPU backend for the same call. */
function uncached<T>(fn: () => T): T {
  registerBackend(cpuBackend);
  try {
    return fn();
  } finally {
    registerBackend(countingCpu);
  }
}

/** Calls `call` twice: the first sighting of its first tensor runs the forward, the second is planned. */
function warm(call: () => unknown): void {
  call();
  call();
}

/** Asserts that `call` took the full path (a forward or a new prepare) or not, and returns its result. */
function expectPlanned<T>(planned: boolean, call: () => T, what: string): T {
  const before = counts.fullPaths;
  const r = call();
  assert.equal(counts.fullPaths - before, planned ? 0 : 1, `${what}: ${planned ? 'expected a plan hit' : 'expected a miss'}`);
  return r;
}

describe('plans of repeated calls (CPU backend with a prepare)', () => {
  beforeEach(() => {
    counts.fullPaths = 0;
    counts.prepares = 0;
    counts.launches = 0;
    registerBackend(countingCpu);
  });
  afterEach(() => registerBackend(cpuBackend));

  test('a repeated call skips validation, dispatch and prepare, and gives the uncached result', () => {
    const { q, k, v } = inputs();
    const opts: WithoutLse<AttentionOptions> = { causal: true, softcap: 5 };
    const first = flashAttnFunc(q, k, v, opts);
    assert.equal(counts.prepares, 0, 'the first sighting runs the forward, unprepared');
    expectPlanned(false, () => flashAttnFunc(q, k, v, opts), 'second call');
    assert.equal(counts.prepares, 1, 'the second call prepares the plan');
    const hit = expectPlanned(true, () => flashAttnFunc(q, k, v, opts), 'third call');
    assert.equal(counts.launches, 3);
    assert.notEqual(hit, first, 'each call returns a fresh output');
    const expected = values(uncached(() => flashAttnFunc(q, k, v, opts)));
    assert.deepEqual(values(hit), expected);
    assert.deepEqual(values(first), expected);
  });

  test('hits return the LSE, write a caller-provided out, and cover the packed functions', () => {
    const { q, k, v } = inputs(10);
    const lseOpts = { returnLse: true, windowSize: [5, 2] } as const;
    warm(() => flashAttnFunc(q, k, v, lseOpts));
    const hit = expectPlanned(true, () => flashAttnFunc(q, k, v, lseOpts), 'returnLse');
    const ref = uncached(() => flashAttnFunc(q, k, v, lseOpts));
    assert.deepEqual(values(hit.out), values(ref.out));
    assert.deepEqual(values(hit.lse), values(ref.lse));

    const out = Tensor.full([2, 16, 4, 32], NaN, { dtype: 'bfloat16' });
    const outOpts = { out };
    warm(() => flashAttnFunc(q, k, v, outOpts));
    out.fill_(NaN);
    const written = expectPlanned(true, () => flashAttnFunc(q, k, v, outOpts), 'caller out');
    assert.equal(written, out);
    assert.deepEqual(values(out), values(uncached(() => flashAttnFunc(q, k, v))));

    const qkv = Tensor.randn([1, 20, 3, 2, 16], { dtype: 'float16', seed: 40 });
    warm(() => flashAttnQkvpackedFunc(qkv, { causal: true }));
    const packed = expectPlanned(true, () => flashAttnQkvpackedFunc(qkv, { causal: true }), 'qkvpacked');
    assert.deepEqual(values(packed), values(uncached(() => flashAttnQkvpackedFunc(qkv, { causal: true }))));

    const kv = Tensor.randn([2, 24, 2, 2, 32], { dtype: 'bfloat16', seed: 41 });
    warm(() => flashAttnKvpackedFunc(q, kv));
    const kvHit = expectPlanned(true, () => flashAttnKvpackedFunc(q, kv), 'kvpacked');
    assert.deepEqual(values(kvHit), values(uncached(() => flashAttnKvpackedFunc(q, kv))));
  });

  test('another tensor object misses, even a view of the same memory', () => {
    const { q, k, v } = inputs(20);
    warm(() => flashAttnFunc(q, k, v));
    expectPlanned(false, () => flashAttnFunc(q.view(q.dims), k, v), 'a view of q');
    expectPlanned(false, () => flashAttnFunc(q, k.view(k.dims), v), 'a view of k');
    expectPlanned(false, () => flashAttnFunc(q, k, v.view(v.dims)), 'a view of v');
    expectPlanned(false, () => flashAttnFunc(q, v, k), 'k and v swapped');
    const kv = Tensor.randn([2, 24, 2, 2, 32], { dtype: 'bfloat16', seed: 21 });
    warm(() => flashAttnKvpackedFunc(q, kv));
    expectPlanned(false, () => flashAttnKvpackedFunc(q, kv.view(kv.dims)), 'another kv');
    expectPlanned(true, () => flashAttnFunc(q, k, v), 'the original tensors again');
  });

  test('every option value is part of the plan', () => {
    const { q, k, v } = inputs(30);
    const out = Tensor.empty([2, 16, 4, 32], { dtype: 'bfloat16' });
    const base: AttentionOptions = {};
    const variants: [string, AttentionOptions][] = [
      ['softmaxScale', { softmaxScale: 0.3 }],
      ['causal', { causal: true }],
      ['windowSize', { windowSize: [3, 4] }],
      ['softcap', { softcap: 2 }],
      ['returnLse', { returnLse: true }],
      ['deterministic', { deterministic: true }],
      ['out', { out }],
    ];
    const outputOf = (r: Tensor | AttentionResult): Tensor => (r instanceof Tensor ? r : r.out);
    // References first: registering the real backend would void the plans made below.
    const expected = variants.map(([, opts]) => values(outputOf(uncached(() => flashAttnFunc(q, k, v, opts)))));
    warm(() => flashAttnFunc(q, k, v, base));
    variants.forEach(([name, opts], i) => {
      const r = expectPlanned(false, () => flashAttnFunc(q, k, v, opts), name);
      assert.deepEqual(values(outputOf(r)), expected[i], name);
    });
    // The plans of the newest option sets are kept.
    expectPlanned(true, () => flashAttnFunc(q, k, v, { out }), 'out again');
    expectPlanned(true, () => flashAttnFunc(q, k, v, { deterministic: true }), 'deterministic again');
    // Equal values in new objects are the same call; an absent windowSize is [-1, -1].
    flashAttnFunc(q, k, v, { windowSize: [3, 4] });
    expectPlanned(true, () => flashAttnFunc(q, k, v, { windowSize: [3, 4] }), 'an equal windowSize');
    flashAttnFunc(q, k, v);
    expectPlanned(true, () => flashAttnFunc(q, k, v, { windowSize: [-1, -1] }), 'the default window spelled out');
    // Validation takes a null windowSize for the default, so a plan does too.
    expectPlanned(true, () => flashAttnFunc(q, k, v, { windowSize: null } as unknown as AttentionOptions), 'a null windowSize');
    expectPlanned(false, () => flashAttnFunc(q, k, v, { out: Tensor.empty([2, 16, 4, 32], { dtype: 'bfloat16' }) }), 'another out');
  });

  test('an options object or window changed in place misses', () => {
    const { q, k, v } = inputs(50);
    const window: [number, number] = [6, 1];
    const opts: WithoutLse<AttentionOptions> = { windowSize: window };
    warm(() => flashAttnFunc(q, k, v, opts));
    expectPlanned(true, () => flashAttnFunc(q, k, v, opts), 'unchanged');
    window[0] = 2;
    const r = expectPlanned(false, () => flashAttnFunc(q, k, v, opts), 'windowSize[0] changed in place');
    assert.deepEqual(values(r), values(uncached(() => flashAttnFunc(q, k, v, { windowSize: [2, 1] }))));
    opts.causal = true;
    expectPlanned(false, () => flashAttnFunc(q, k, v, opts), 'causal set on the same object');
  });

  test('a registry change or a reloaded FLASH_ATTN_BACKEND misses', () => {
    const { q, k, v } = inputs(60);
    warm(() => flashAttnFunc(q, k, v));
    registerBackend(countingCpu);
    expectPlanned(false, () => flashAttnFunc(q, k, v), 'after registerBackend');
    flashAttnFunc(q, k, v);
    const saved = process.env[BACKEND_ENV];
    process.env[BACKEND_ENV] = 'cpu';
    try {
      expectPlanned(true, () => flashAttnFunc(q, k, v), 'env changed but not reloaded');
      reloadBackendEnv();
      expectPlanned(false, () => flashAttnFunc(q, k, v), 'after reloadBackendEnv');
    } finally {
      if (saved === undefined) delete process.env[BACKEND_ENV];
      else process.env[BACKEND_ENV] = saved;
      reloadBackendEnv();
    }
  });

  test('a disposed tensor gets the full path and its usual error', () => {
    const { q, k, v } = inputs(70);
    const out = Tensor.empty([2, 16, 4, 32], { dtype: 'bfloat16' });
    warm(() => flashAttnFunc(q, k, v, { out }));
    out.dispose();
    throwsExactly(() => flashAttnFunc(q, k, v, { out }), 'out', `${F}: out must be a live Tensor, got a disposed one`);
    warm(() => flashAttnFunc(q, k, v));
    k.dispose();
    throwsExactly(() => flashAttnFunc(q, k, v), 'k', `${F}: k must be a live Tensor, got a disposed one`);
    q.dispose();
    throwsExactly(() => flashAttnFunc(q, k, v), 'q', `${F}: q must be a live Tensor, got a disposed one`);

    const qkv = Tensor.randn([1, 20, 3, 2, 16], { dtype: 'float16', seed: 71 });
    const view = qkv.view(qkv.dims);
    warm(() => flashAttnQkvpackedFunc(view));
    qkv.dispose();
    throwsExactly(() => flashAttnQkvpackedFunc(view), 'qkv', 'flashAttnQkvpackedFunc: qkv must be a live Tensor, got a disposed one');
  });

  test('bad options still fail after a plan exists', () => {
    const { q, k, v } = inputs(80);
    const opts: Record<string, unknown> = { causal: false };
    warm(() => flashAttnFunc(q, k, v, opts));
    opts.casual = true;
    throwsExactly(
      () => flashAttnFunc(q, k, v, opts),
      'opts',
      `${F}: opts must only have the options softmaxScale, causal, windowSize, softcap, returnLse, deterministic, out, stream, got unknown option "casual"`,
    );
    warm(() => flashAttnFunc(q, k, v));
    throwsExactly(() => flashAttnFunc(q, k, v, [] as AttentionOptions), 'opts', `${F}: opts must be an options object, got []`);
    throwsExactly(() => flashAttnFunc(q, k, v, { windowSize: [1, 2, 3] } as unknown as AttentionOptions), 'windowSize',
      `${F}: windowSize must be [left, right] with integers >= -1 (-1 = unbounded), got [1, 2, 3]`);
    throwsExactly(() => flashAttnFunc(q, k, v, { softmaxScale: NaN }), 'softmaxScale', `${F}: softmaxScale must be a finite number, got NaN`);
    const wrong = Tensor.empty([2, 16, 4, 16], { dtype: 'bfloat16' });
    throwsExactly(() => flashAttnFunc(q, k, v, { out: wrong }), 'out', `${F}: out must have dims [2, 16, 4, 32], got [2, 16, 4, 16]`);
  });
});

gpuTest('a planned launch passes the kernel the bytes of a fresh one (sm90 and sm80)', (t) => {
  const [major] = cuda.getDeviceProperties(0).computeCapability;
  const backends = (['sm90', 'sm80'] as const).filter((b) => getBackend(b) && (b === 'sm90' ? major === 9 : major >= 8));
  if (backends.length === 0) {
    t.skip(`no GPU backend runs on cuda:0 (compute capability ${major}.x)`);
    return;
  }
  const launches: Uint8Array[] = [];
  const launch = cuda.Kernel.prototype.launch;
  cuda.Kernel.prototype.launch = function (this: cuda.Kernel, ...args: Parameters<typeof launch>) {
    launches.push(args[3].slice());
    launch.apply(this, args);
  };
  const saved = process.env[BACKEND_ENV];
  const dims = [2, 200, 4, 64];
  const [q, k, v] = [1, 2, 3].map((seed) => Tensor.randn(dims, { dtype: 'bfloat16', device: 'cuda', seed }));
  const outs = [0, 1, 2, 3].map(() => Tensor.empty(dims, { dtype: 'bfloat16', device: 'cuda' }));
  try {
    for (const backend of backends) {
      process.env[BACKEND_ENV] = backend;
      reloadBackendEnv();
      launches.length = 0;
      const opts = { out: outs[0]!, causal: true, returnLse: true } as const;
      for (const o of outs) o.fill_(NaN);
      // Fresh views (never planned), then the same tensors: first sighting, planned, hit, hit.
      const fresh = flashAttnFunc(q!.view(dims), k!.view(dims), v!.view(dims), { ...opts, out: outs[1]! });
      for (let i = 0; i < 4; i++) flashAttnFunc(q!, k!, v!, opts).lse.dispose();
      assert.equal(launches.length, 5, backend);
      // Only the output and LSE addresses (on sm90 also the output's tensor map) may differ between
      // launches: the fresh call writes outs[1], the others outs[0], and each gets a new LSE.
      const varying: [number, number][] =
        backend === 'sm90'
          ? [[ATTN_FWD_SM90_PARAMS.offsets.tmO, 128], [ATTN_FWD_SM90_PARAMS.offsets.out, 8], [ATTN_FWD_SM90_PARAMS.offsets.lse, 8]]
          : [[ATTN_FWD_PARAMS.offsets.out, 8], [ATTN_FWD_PARAMS.offsets.lse, 8]];
      const masked = launches.map((b) => {
        const m = b.slice();
        for (const [at, n] of varying) m.fill(0, at, at + n);
        return [...m];
      });
      for (let i = 1; i < 5; i++) assert.deepEqual(masked[i], masked[0], `${backend}: launch ${i} differs from the fresh one`);
      assert.deepEqual(launches[4], launches[3], `${backend}: two plan hits differ`);
      assert.deepEqual(values(outs[0]!.toHost()), values(outs[1]!.toHost()), `${backend}: planned and fresh results differ`);
      fresh.lse.dispose();
    }
  } finally {
    cuda.Kernel.prototype.launch = launch;
    if (saved === undefined) delete process.env[BACKEND_ENV];
    else process.env[BACKEND_ENV] = saved;
    reloadBackendEnv();
    for (const x of [q, k, v, ...outs]) x!.dispose();
  }
});
