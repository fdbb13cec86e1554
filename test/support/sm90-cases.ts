/**
 * The sm90 GPU tests' common harness (test/attention-sm90*.test.ts): forcing the sm90 backend,
 * one dense case through flashAttnFunc against the float64 reference under FlashAttention's
 * acceptance rule (DESIGN.md) with fresh random inputs and a NaN-poisoned output, and the names
 * of the kernels a call launched.
 */
import assert from 'node:assert/strict';
import * as cuda from '../../src/cuda/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { flashAttnFunc } from '../../src/attention/api.js';
import { acceptanceCheck, attentionNaiveLowPrecision, attentionReference } from '../../src/attention/reference.js';
import type { AttentionOptions } from '../../src/attention/types.js';
import { resolveOptions } from '../../src/attention/validate.js';
import { SM90_MODULE } from '../../src/attention/sm90.js';
import { type TestContext, requireBackend } from './gpu.js';

export const DTYPES = ['bfloat16', 'float16'] as const;
export type Dt = (typeof DTYPES)[number];

/** Skips (with the reason) unless the sm90 backend can run here; forces it for the test's duration. */
export function requireSm90(t: TestContext): boolean {
  return requireBackend(t, 'sm90', SM90_MODULE, (major, minor) =>
    major !== 9 ? `needs a compute capability 9.x device, cuda:0 is ${major}.${minor}` : undefined,
  );
}

export interface Case {
  dtype: Dt;
  batch: number;
  sq: number;
  sk: number;
  heads: number;
  headsKV: number;
  d: number;
  opts?: AttentionOptions;
  /** Standard deviation of q (default 1): large values make huge logits. */
  qStd?: number;
  /** Checks the LSE by this relative tolerance instead of the acceptance rule (huge logits only: attention-sm90.test.ts says why). */
  lseRelTol?: number;
  /** The entry point the call must launch (e.g. a PackGQA kernel), checked when given. */
  kernel?: string;
}

/** Fresh inputs every run; the seed is in every failure message. */
export function freshSeed(): number {
  return (Math.floor(Math.random() * 0x7fffffff) ^ Date.now()) >>> 0;
}

export function describeCase(c: Case, seed: number): string {
  const o = c.opts ?? {};
  const mask = o.causal ? ' causal' : o.windowSize ? ` window [${o.windowSize.join(', ')}]` : '';
  return `${c.dtype} b${c.batch} sq${c.sq} sk${c.sk} h${c.heads}/${c.headsKV} d${c.d}${mask}${o.softcap ? ` softcap ${o.softcap}` : ''}${o.softmaxScale ? ` scale ${o.softmaxScale}` : ''} seed ${seed}`;
}

/** Runs `fn` and returns the names of the kernels it launched, in order. */
export function launchedKernels(fn: () => void): string[] {
  const names: string[] = [];
  const launch = cuda.Kernel.prototype.launch;
  cuda.Kernel.prototype.launch = function (this: cuda.Kernel, ...args: Parameters<typeof launch>) {
    names.push(this.name);
    launch.apply(this, args);
  };
  try {
    fn();
  } finally {
    cuda.Kernel.prototype.launch = launch;
  }
  return names;
}

/** Runs the case through flashAttnFunc (forced onto sm90) and applies the acceptance rule to out and lse. */
export function checkCase(c: Case): { lse: Float64Array; out: Float64Array } {
  const seed = freshSeed();
  const what = describeCase(c, seed);
  const dev = { dtype: c.dtype, device: 'cuda' } as const;
  const q = Tensor.randn([c.batch, c.sq, c.heads, c.d], { ...dev, seed, std: c.qStd ?? 1 });
  const k = Tensor.randn([c.batch, c.sk, c.headsKV, c.d], { ...dev, seed: seed + 1 });
  const v = Tensor.randn([c.batch, c.sk, c.headsKV, c.d], { ...dev, seed: seed + 2 });
  const out = Tensor.full([c.batch, c.sq, c.heads, c.d], NaN, dev); // poisoned
  try {
    let res: { out: Tensor; lse: Tensor } | undefined;
    const kernels = launchedKernels(() => {
      res = flashAttnFunc(q, k, v, { ...c.opts, out, returnLse: true });
    });
    if (c.kernel !== undefined) assert.deepEqual(kernels, [c.kernel], `${what}: launched kernels`);
    const actualOut = res!.out.toHost().toFloat64Array();
    const actualLse = res!.lse.toHost().toFloat64Array();
    res!.lse.dispose();
    const resolved = resolveOptions('test', c.opts ?? {}, c.d, c.sk);
    const ref = attentionReference(q, k, v, resolved);
    const naive = attentionNaiveLowPrecision(q, k, v, resolved, c.dtype);
    const o = acceptanceCheck(actualOut, ref.out, naive.out);
    assert.ok(o.ok, `${what}: out: ${o.message}`);
    if (c.lseRelTol === undefined) {
      const l = acceptanceCheck(actualLse, ref.lse, naive.lse);
      assert.ok(l.ok, `${what}: lse: ${l.message}`);
    } else {
      for (let i = 0; i < ref.lse.length; i++) {
        const err = Math.abs(actualLse[i]! - ref.lse[i]!);
        assert.ok(err <= c.lseRelTol * Math.abs(ref.lse[i]!), `${what}: lse[${i}] = ${actualLse[i]}, reference ${ref.lse[i]}`);
      }
    }
    return { out: actualOut, lse: actualLse };
  } finally {
    for (const x of [q, k, v, out]) x.dispose();
  }
}
