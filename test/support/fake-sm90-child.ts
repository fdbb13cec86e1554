/**
 * Run by test/sm90-fake-driver.test.ts in a process whose FLASH_ATTN_LIBCUDA and
 * FLASH_ATTN_KERNELS_DIR select scripts/fake-libcuda.c and a kernels folder listing the sm90
 * kernels: dispatch and the sm90 launcher run as on an H100, launches do nothing. Prints one JSON
 * object of what the test checks. Run with --expose-gc.
 */
import * as cuda from '../../src/cuda/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { flashAttnFunc, flashAttnVarlenFunc } from '../../src/attention/api.js';
import { selectBackend } from '../../src/attention/dispatch.js';
import type { AttentionProblem } from '../../src/attention/problem.js';
import { ATTN_FWD_SM90_PARAMS, sm90KernelFor, sm90Supports } from '../../src/attention/sm90.js';
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

/** One launch as the driver would see it: the kernel, its configuration and the maps' boxes. */
export interface LaunchRecord {
  kernel: string;
  grid: number[];
  block: number[];
  smem: number;
  /** Box dims of tmQ, tmK and tmO as encoded (scripts/fake-libcuda.c writes them at byte 65 of a map). */
  boxQ: number[];
  boxK: number[];
  boxO: number[];
}

/** Where cuTensorMapEncodeTiled of scripts/fake-libcuda.c puts the box: after address, rank, 4 dims and 3 strides. */
const FAKE_MAP_BOX_AT = 8 + 1 + 4 * 8 + 3 * 8;

/** The launches `fn` makes (kernel, grid, block, shared memory, map boxes) and their bytes. */
function recordLaunches(fn: () => void): { records: LaunchRecord[]; bytes: Uint8Array[] } {
  const records: LaunchRecord[] = [];
  const bytes: Uint8Array[] = [];
  const P = ATTN_FWD_SM90_PARAMS.offsets;
  const boxAt = (b: Uint8Array, map: number): number[] => [0, 1, 2, 3].map((i) => b[map + FAKE_MAP_BOX_AT + 2 * i]!);
  const launch = cuda.Kernel.prototype.launch;
  cuda.Kernel.prototype.launch = function (this: cuda.Kernel, ...args: Parameters<typeof launch>) {
    const [grid, block, smem, b] = args;
    records.push({ kernel: this.name, grid: [...grid], block: [...block], smem, boxQ: boxAt(b, P.tmQ), boxK: boxAt(b, P.tmK), boxO: boxAt(b, P.tmO) });
    bytes.push(b.slice());
    launch.apply(this, args);
  };
  try {
    fn();
  } finally {
    cuda.Kernel.prototype.launch = launch;
  }
  return { records, bytes };
}

/**
 * PackGQA on the fake device: the kernel dispatch names for GQA shapes either side of the rule
 * (sm90KernelFor, after sm90Supports accepted them), and the launches flashAttnFunc makes for
 * packed problems: boxes, grid, block and shared memory; a planned call's bytes equal a fresh one's;
 * a tensor used first as a packed Q (box {64, 64, 2, 1}) and then as an unpacked output (box {64,
 * 64, 1, 1}: same rows, other heads per box) gets its own map.
 */
function packGqa(): { kernels: Record<string, string | null>; launches: Record<string, LaunchRecord>; planned: { launches: number; identical: boolean }; reusedAddress: number[][] } {
  const kernels: Record<string, string | null> = {};
  const name = (label: string, dims: [number, number, number, number, number, number], opts: AttentionOptions = {}, dtype: DType = 'bfloat16'): void => {
    const [b, sq, sk, h, hkv, d] = dims;
    const p = problem(rand([b, sq, h, d], dtype), rand([b, sk, hkv, d], dtype, 2), rand([b, sk, hkv, d], dtype, 3), opts);
    const why = sm90Supports(p);
    kernels[label] = why === undefined ? sm90KernelFor(p) : `unsupported: ${why}`;
  };
  name('decode g8', [2, 1, 77, 32, 4, 128]);
  name('decode g8 causal', [2, 1, 77, 32, 4, 128], { causal: true });
  name('decode g8 causal again', [2, 1, 77, 32, 4, 128], { causal: true });
  name('decode g2 fp16 hd64', [1, 17, 300, 4, 2, 64], {}, 'float16');
  name('decode g16 hd96', [1, 4, 300, 16, 1, 96]);
  name('decode g4 hd192 window', [1, 4, 300, 8, 2, 192], { windowSize: [50, 0] });
  name('decode g8 hd256', [1, 1, 300, 8, 1, 256]);
  name('decode g8 hd256 causal: no packed kernel', [1, 1, 300, 8, 1, 256], { causal: true });
  name('headGroup 3', [1, 1, 300, 6, 2, 128]);
  name('headGroup 32', [1, 1, 300, 32, 1, 128]);
  name('MHA', [1, 1, 300, 8, 8, 128]);
  name('seqlenQ 128 g8', [1, 128, 300, 16, 2, 128]);
  name('seqlenQ 129 g8', [1, 129, 300, 16, 2, 128]);
  name('seqlenQ 1000 g8', [1, 1000, 300, 16, 2, 128]);
  // Cluster kernels (sm90UsesCluster): dense, head dims 128-256, seqlenK >= 4096, an even count
  // of 128-row query blocks.
  name('cluster hd128 sk4096', [1, 1024, 4096, 4, 4, 128]);
  name('cluster fp16 hd256', [1, 256, 4096, 2, 2, 256], {}, 'float16');
  name('cluster hd96 on 128, GQA', [1, 256, 4096, 2, 1, 96]);
  name('no cluster: sk 4095', [1, 1024, 4095, 4, 4, 128]);
  name('no cluster: 9 query blocks', [1, 1100, 4096, 4, 4, 128]);
  name('no cluster: causal', [1, 1024, 4096, 4, 4, 128], { causal: true });
  name('no cluster: hd64', [1, 256, 4096, 2, 2, 64]);
  // Windowed cluster kernels (SM90_WINDOW_CLUSTER_DISPATCH): no left window edge, seqlenK >= 8192,
  // an even count of query blocks.
  name('cluster: causal hd128 sk8192', [1, 8192, 8192, 2, 2, 128], { causal: true });
  name('cluster: causal fp16 hd256 sq256', [1, 256, 8192, 2, 2, 256], { causal: true }, 'float16');
  name('cluster: right window only hd192', [1, 1024, 8192, 2, 2, 160], { windowSize: [-1, 100] });
  name('no cluster: causal sk 8191', [1, 8192, 8191, 2, 2, 128], { causal: true });
  name('no cluster: sliding window', [1, 8192, 8192, 2, 2, 128], { windowSize: [1024, 0] });
  name('no cluster: causal, 3 query blocks', [1, 300, 8192, 2, 2, 128], { causal: true });
  name('no cluster: causal hd64', [1, 8192, 8192, 2, 2, 64], { causal: true });
  // Wide kernels (sm90UsesWide): windowed head dim 64 without a left edge, seqlenQ >= 4096, not packed.
  name('wide: causal hd64 sq4096', [1, 4096, 4096, 2, 2, 64], { causal: true });
  name('wide: fp16 hd48 on 64, right window only', [1, 8192, 8192, 2, 2, 48], { windowSize: [-1, 64] }, 'float16');
  name('not wide: sq4095', [1, 4095, 8192, 2, 2, 64], { causal: true });
  name('not wide: sliding window', [1, 4096, 4096, 2, 2, 64], { windowSize: [256, 0] });
  name('not wide: not windowed', [1, 4096, 4096, 2, 2, 64]);
  name('not wide: hd128', [1, 4096, 4096, 2, 2, 128], { causal: true });
  // Short kernels (sm90UsesShort): dense head dim 64, seqlenK <= 2048, not varlen or packed (a
  // headGroup of 3 is never packed).
  name('short: hd64 sk2048', [1, 2048, 2048, 2, 2, 64]);
  name('short: fp16 hd40 on 64, GQA', [2, 300, 512, 6, 2, 40], {}, 'float16');
  name('not short: sk2049', [1, 2048, 2049, 2, 2, 64]);
  name('not short: causal', [1, 512, 512, 2, 2, 64], { causal: true });
  name('not short: hd128', [1, 512, 512, 2, 2, 128]);

  const launches: Record<string, LaunchRecord> = {};
  const run = (label: string, dims: [number, number, number, number, number, number], opts: AttentionOptions = {}, dtype: DType = 'bfloat16'): void => {
    const [b, sq, sk, h, hkv, d] = dims;
    const q = rand([b, sq, h, d], dtype);
    const k = rand([b, sk, hkv, d], dtype, 2);
    const { records } = recordLaunches(() => flashAttnFunc(q, k, k, opts));
    launches[label] = records[0]!;
  };
  run('g8 hd128 sq1', [2, 1, 77, 32, 4, 128]);
  run('g4 hd64 sq17 causal fp16', [1, 17, 1000, 8, 2, 64], { causal: true }, 'float16');
  run('g2 hd64 sq100 batch3', [3, 100, 300, 4, 2, 64]);
  run('g16 hd192 sq4 window', [1, 4, 1000, 16, 1, 192], { windowSize: [50, 0] });
  run('g8 hd256 sq1', [1, 1, 300, 8, 1, 256]);
  run('g8 hd128 sq17 batch40', [40, 17, 77, 32, 4, 128]);
  run('unpacked: g8 hd256 sq1 causal', [1, 1, 300, 8, 1, 256], { causal: true });
  run('unpacked: g3 hd128 sq1', [1, 1, 300, 6, 2, 128]);
  run('cluster: hd128 sq2048 sk4096 h16', [1, 2048, 4096, 16, 16, 128]);
  run('wide: causal hd64 sq4096 h2', [1, 4096, 4096, 2, 2, 64], { causal: true });
  run('cluster: hd192 sq256 sk4096 h2', [1, 256, 4096, 2, 2, 192]);
  run('cluster: causal hd128 sq8192 h3', [1, 8192, 8192, 3, 3, 128], { causal: true });
  run('cluster: causal hd256 sq768 sk8192 b2', [2, 768, 8192, 2, 2, 256], { causal: true });

  // Fresh views, then the same tensors four times (first sighting, planned, hit, hit).
  const dims = [2, 4, 32, 128];
  const kvDims = [2, 500, 4, 128];
  const q = rand(dims);
  const k = rand(kvDims, 'bfloat16', 2);
  const out = Tensor.empty(dims, { dtype: 'bfloat16', device: 'cuda' });
  const { records, bytes } = recordLaunches(() => {
    flashAttnFunc(q.view(dims), k.view(kvDims), k.view(kvDims), { out, causal: true });
    for (let i = 0; i < 4; i++) flashAttnFunc(q, k, k, { out, causal: true });
  });
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  const identical = bytes.every((b) => hex(b) === hex(bytes[0]!)) && records.every((r) => JSON.stringify(r) === JSON.stringify(records[0]));

  // One tensor, first a packed Q (headGroup 2: R = 64 rows of 2 heads per box), then an unpacked
  // output: the same address, dims, strides and box rows, another box in heads.
  const x = rand([1, 100, 4, 64]);
  const kv2 = rand([1, 300, 2, 64], 'bfloat16', 2);
  const kv4 = rand([1, 300, 4, 64], 'bfloat16', 3);
  const first = recordLaunches(() => flashAttnFunc(x, kv2, kv2)).records[0]!;
  const second = recordLaunches(() => flashAttnFunc(rand([1, 100, 4, 64], 'bfloat16', 4), kv4, kv4, { out: x })).records[0]!;
  return { kernels, launches, planned: { launches: records.length, identical }, reusedAddress: [first.boxQ, second.boxO] };
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
/**
 * The output's element strides as a launch passes them (oRowStride, oHeadStride: varlen rows that
 * go out as plain stores are addressed with them): a fresh dense output, an output that is a view
 * of every other head of a wider tensor, and varlen.
 */
function outStrides(): Record<string, number[]> {
  const P = ATTN_FWD_SM90_PARAMS.offsets;
  const strides = (fn: () => void): number[] => {
    const b = recordLaunches(fn).bytes[0]!;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return [P.oRowStride, P.oHeadStride].map((at) => Number(view.getBigInt64(at, true)));
  };
  const q = rand([2, 100, 4, 256]);
  const wide = Tensor.empty([2, 100, 8, 256], { dtype: 'bfloat16', device: 'cuda' });
  const cu = Tensor.fromData(Int32Array.from([0, 10, 30]), [3], { dtype: 'int32', device: 'cuda' });
  const packed = rand([30, 2, 64]);
  return {
    dense: strides(() => flashAttnFunc(q, q, q, { causal: true })),
    'every other head of a wider tensor': strides(() => flashAttnFunc(q, q, q, { out: wide.slice(2, 0, 8, 2) })),
    varlen: strides(() => flashAttnVarlenFunc(packed, packed, packed, { cuSeqlensQ: cu, cuSeqlensK: cu, maxSeqlenQ: 20, maxSeqlenK: 20 })),
  };
}

console.log(JSON.stringify({ reasons: reasons(), planned: plannedBytes(), backstop: leaks, packGqa: packGqa(), outStrides: outStrides() }));
