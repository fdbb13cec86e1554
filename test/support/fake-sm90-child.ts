/**
 * Run by test/sm90-fake-driver.test.ts in a process whose FLASH_ATTN_LIBCUDA and
 * FLASH_ATTN_KERNELS_DIR select scripts/fake-libcuda.c and a kernels folder listing the sm90
 * kernels: dispatch and the sm90 launcher run as on an H100, launches do nothing. Prints one JSON
 * object of what the test checks. Run with --expose-gc.
 */
import * as cuda from '../../src/cuda/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { flashAttnFunc } from '../../src/attention/api.js';
import { selectBackend } from '../../src/attention/dispatch.js';
import type { AttentionProblem } from '../../src/attention/problem.js';
import { ATTN_FWD_SM90_PARAMS, sm90Supports } from '../../src/attention/sm90.js';
import { PLAIN_NAMES, validateDense, validateVarlen } from '../../src/attention/validate.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { AttentionOptions } from '../../src/attention/types.js';

function rand(dims: number[], dtype: DType = 'bfloat16', seed = 1): Tensor {
  return Tensor.randn(dims, { dtype, device: 'cuda', seed });
}

/** The problem flashAttnFunc would dispatch, with a fresh output (and LSE when asked). */
function problem(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): AttentionProblem {
  const vp = validateDense('flashAttnFunc', PLAIN_NAMES, q, k, v, opts);
  const out = Tensor.empty([vp.batch, vp.seqlenQ, vp.heads, vp.headDimV], { dtype: q.dtype, device: 'cuda' });
  const lse = vp.returnLse ? Tensor.empty([vp.batch, vp.heads, vp.seqlenQ], { dtype: 'float32', device: 'cuda' }) : undefined;
  return { ...vp, out, lse };
}

/** sm90Supports of each problem, in order: each after the accepted one of its signature. */
function reasons(): Record<string, string | null> {
  const r: Record<string, string | null> = {};
  const check = (name: string, p: AttentionProblem): void => {
    r[name] = sm90Supports(p) ?? null;
  };
  const q = rand([2, 100, 4, 64]);
  const k = rand([2, 333, 2, 64], 'bfloat16', 2);
  check('accepted', problem(q, k, k));
  check('accepted again', problem(q, k, k));
  check('same signature, negative scale', problem(q, k, k, { softmaxScale: -1 }));
  const unaligned = rand([2 * 100 * 4 * 64 + 8]).slice(0, 4, 4 + 2 * 100 * 4 * 64).view([2, 100, 4, 64]);
  check('same signature, q at an unaligned address', problem(unaligned, k, k));
  const wide = rand([2, 333, 2, 68], 'bfloat16', 3);
  check('same signature, k strides not multiples of 8', problem(q, wide.slice(3, 0, 64), k));
  const p = problem(q, k, k);
  check('same signature, float16 lse', { ...p, lse: Tensor.empty([2, 4, 100], { dtype: 'float16', device: 'cuda' }) });
  check('same signature, an empty problem', { ...p, seqlenK: 0 });
  check('same signature, out on the host', { ...p, out: Tensor.empty([2, 100, 4, 64], { dtype: 'bfloat16' }) });
  check('same signature, lse with strided rows', { ...p, lse: Tensor.empty([2, 4, 200], { dtype: 'float32', device: 'cuda' }).slice(2, 0, 200, 2) });
  const q192 = rand([1, 30, 2, 192]);
  check('dense head dim 192', problem(q192, q192, q192));
  const cu = Tensor.fromData(Int32Array.from([0, 10, 30]), [3], { dtype: 'int32', device: 'cuda' });
  const packed = rand([30, 2, 192]);
  const vp = validateVarlen('flashAttnVarlenFunc', packed, packed, packed, { cuSeqlensQ: cu, cuSeqlensK: cu, maxSeqlenQ: 20, maxSeqlenK: 20 });
  check('varlen head dim 192 after dense', { ...vp, out: Tensor.empty([30, 2, 192], { dtype: 'bfloat16', device: 'cuda' }), lse: undefined });
  const q32 = rand([2, 100, 4, 64], 'float32');
  check('float32 after bfloat16', problem(q32, q32, q32));
  const causal = problem(q, k, k, { causal: true });
  check('causal (windowed) after unmasked', causal);
  check('causal, negative scale', { ...causal, params: { ...causal.params, softmaxScale: -0.5 } });
  r['dispatch of the accepted problem'] = selectBackend(problem(q, k, k)).name;
  return r;
}

/**
 * The plan-cache GPU test's check on this fake device: fresh views, then the same tensors four
 * times (first sighting, planned, hit, hit); only the output's map and address and the LSE address
 * may differ between the launches' bytes.
 */
function plannedBytes(): { launches: number; differing: number[]; hitsIdentical: boolean } {
  const launches: Uint8Array[] = [];
  const launch = cuda.Kernel.prototype.launch;
  cuda.Kernel.prototype.launch = function (this: cuda.Kernel, ...args: Parameters<typeof launch>) {
    launches.push(args[3].slice());
    launch.apply(this, args);
  };
  const dims = [2, 200, 4, 64];
  const [q, k, v] = [1, 2, 3].map((seed) => rand(dims, 'bfloat16', seed)) as [Tensor, Tensor, Tensor];
  const outs = [0, 1].map(() => Tensor.empty(dims, { dtype: 'bfloat16', device: 'cuda' })) as [Tensor, Tensor];
  const opts = { out: outs[0], causal: true, returnLse: true } as const;
  flashAttnFunc(q.view(dims), k.view(dims), v.view(dims), { ...opts, out: outs[1] }).lse.dispose();
  for (let i = 0; i < 4; i++) flashAttnFunc(q, k, v, opts).lse.dispose();
  cuda.Kernel.prototype.launch = launch;
  const P = ATTN_FWD_SM90_PARAMS.offsets;
  const varying: [number, number][] = [[P.tmO, 128], [P.out, 8], [P.lse, 8]];
  const masked = launches.map((b) => {
    const m = b.slice();
    for (const [at, n] of varying) m.fill(0, at, at + n);
    return Buffer.from(m).toString('hex');
  });
  const differing = masked.flatMap((m, i) => (m === masked[0] ? [] : [i]));
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  const hitsIdentical = hex(launches[4]!) === hex(launches[3]!);
  return { launches: launches.length, differing, hitsIdentical };
}

/**
 * The leak backstop (tensor.ts): owners of device memory that were never disposed, more than one
 * registration batch of them made in one job, are freed once collected; one disposed in the job
 * that made it is freed once. Needs --expose-gc.
 */
async function backstop(): Promise<{ leaked: number; disposed: number; leftAfterGc: number }> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const live = (): number => cuda.memoryStats(0).liveBlocks;
  const before = live();
  (() => {
    for (let i = 0; i < 300; i++) Tensor.empty([64], { device: 'cuda' });
  })();
  const leaked = live() - before;
  Tensor.empty([64], { device: 'cuda' }).dispose();
  const disposed = live() - before - leaked;
  for (let i = 0; i < 50 && live() > before; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
  }
  return { leaked, disposed, leftAfterGc: live() - before };
}

// The backstop first: the other parts leave tensors for the collector too.
const leaks = await backstop();
console.log(JSON.stringify({ reasons: reasons(), planned: plannedBytes(), backstop: leaks }));
