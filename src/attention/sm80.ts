/**
 * The portable GPU backend ('sm80'): launches the FlashAttention-2-class forward kernels of
 * kernels/attn_fwd_sm80.cu (mma.sync, ldmatrix, cp.async; sm_80 machine code plus PTX, so every
 * NVIDIA GPU from sm_80 on runs them, the H100 included).
 *
 * Head dims: kernels exist for 32, 64, 96, 128, 192 and 256. Any other multiple of 8 up to 256 runs
 * on the next compiled size: the kernel takes the real head dim, zero-fills the extra columns of Q,
 * K and V as it loads them (cp.async with src-size 0, no read) and stores only the real columns of O.
 * Zero columns add nothing to q.k, so results are exact, and no padded copy is ever made.
 *
 * Everything else (causal, local window, softcap, GQA/MQA, varlen, sequsedK, strided/packed inputs,
 * LSE, a caller's `out`) is a run-time field of the parameter struct.
 */
import * as cuda from '../cuda/index.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { type AttentionBackend, type PreparedForward, registerBackend } from './dispatch.js';
import type { AttentionProblem } from './problem.js';

/** Module name in kernels/build-table.mjs. */
export const SM80_MODULE = 'attn_fwd_sm80';

/** One row of kernels/sm80/attn_fwd_sm80_configs.h (a test keeps the two equal). */
export interface Sm80TileConfig {
  /** Compiled head dim; problems with a smaller multiple of 8 run here padded. */
  readonly headDim: number;
  /** Query rows per CTA. */
  readonly blockM: number;
  /** Keys per K/V tile. */
  readonly blockN: number;
  readonly warps: number;
  /** K/V tiles in flight (shared-memory ring slots). */
  readonly stages: number;
}

/** The compiled tile shapes, ascending by head dim; the reasons are in the C++ header. */
export const SM80_CONFIGS: readonly Sm80TileConfig[] = [
  { headDim: 32, blockM: 128, blockN: 128, warps: 4, stages: 2 },
  { headDim: 64, blockM: 128, blockN: 96, warps: 4, stages: 3 },
  { headDim: 96, blockM: 128, blockN: 64, warps: 4, stages: 2 },
  { headDim: 128, blockM: 128, blockN: 64, warps: 4, stages: 2 },
  { headDim: 192, blockM: 128, blockN: 64, warps: 8, stages: 2 },
  { headDim: 256, blockM: 64, blockN: 64, warps: 4, stages: 2 },
];

/** Dynamic shared memory of a config in bytes: the Q tile plus `stages` K or V tiles (16-bit elements). */
export function sm80SharedMemoryBytes(c: Sm80TileConfig): number {
  return (c.blockM + c.stages * c.blockN) * c.headDim * 2;
}

/** The compiled config that runs head dim `headDim` (the smallest compiled size >= it), if any. */
export function sm80ConfigFor(headDim: number): Sm80TileConfig | undefined {
  return SM80_CONFIGS.find((c) => c.headDim >= headDim);
}

/** Entry point name, e.g. attn_fwd_sm80_hdim128_bf16. */
export function sm80KernelName(compiledHeadDim: number, dtype: 'float16' | 'bfloat16'): string {
  return `attn_fwd_sm80_hdim${compiledHeadDim}_${dtype === 'float16' ? 'fp16' : 'bf16'}`;
}

/** kernels/attn_fwd_params.h, field for field (tested against the build's offsetof values). */
export const ATTN_FWD_PARAMS = cuda.defineStruct('AttnFwdParams', [
  ['q', 'ptr'],
  ['k', 'ptr'],
  ['v', 'ptr'],
  ['out', 'ptr'],
  ['lse', 'ptr'],
  ['cuSeqlensQ', 'ptr'],
  ['cuSeqlensK', 'ptr'],
  ['sequsedK', 'ptr'],
  ['qBatchStride', 'i64'],
  ['qRowStride', 'i64'],
  ['qHeadStride', 'i64'],
  ['kBatchStride', 'i64'],
  ['kRowStride', 'i64'],
  ['kHeadStride', 'i64'],
  ['vBatchStride', 'i64'],
  ['vRowStride', 'i64'],
  ['vHeadStride', 'i64'],
  ['oBatchStride', 'i64'],
  ['oRowStride', 'i64'],
  ['oHeadStride', 'i64'],
  ['lseBatchStride', 'i64'],
  ['lseHeadStride', 'i64'],
  ['batch', 'i32'],
  ['seqlenQ', 'i32'],
  ['seqlenK', 'i32'],
  ['heads', 'i32'],
  ['headsKV', 'i32'],
  ['headDim', 'i32'],
  ['windowLeft', 'i32'],
  ['windowRight', 'i32'],
  ['softmaxScale', 'f32'],
  ['softcap', 'f32'],
  ['scoreScaleLog2', 'f32'],
  ['softcapPreScale', 'f32'],
] as const);

const LOG2E = Math.LOG2E;
/** cp.async copies 16 bytes: 8 elements of 16 bits, so rows and base addresses must be that aligned. */
const CHUNK_BYTES = 16;
const CHUNK_ELEMENTS = 8;
/** gridDim.y (heads) and gridDim.z (batch) limits. */
const MAX_GRID_YZ = 65535;

function isSm80DType(d: DType): d is 'float16' | 'bfloat16' {
  return d === 'float16' || d === 'bfloat16';
}

/** Why a q/k/v/out view cannot be read by 16-byte copies, or undefined. */
function alignmentReason(name: string, t: Tensor): string | undefined {
  if (t.strides[t.ndim - 1] !== 1) return `${name} needs a contiguous last dim, got strides [${t.strides.join(', ')}]`;
  for (let i = 0; i < t.ndim - 1; i++) {
    if (t.dims[i]! > 1 && t.strides[i]! % CHUNK_ELEMENTS !== 0) {
      return `${name} strides must be multiples of ${CHUNK_ELEMENTS} elements (16-byte rows), got [${t.strides.join(', ')}]`;
    }
  }
  if (t.numel > 0 && t.devicePointer() % BigInt(CHUNK_BYTES) !== 0n) {
    return `${name} must start at a 16-byte aligned address (element offset ${t.offset})`;
  }
  return undefined;
}

/**
 * Why the sm80 kernels cannot run `p`, or undefined when they can. Reasons are one short clause,
 * collected by dispatch into its error message.
 */
export function sm80Supports(p: AttentionProblem): string | undefined {
  if (!isSm80DType(p.q.dtype)) return `needs float16 or bfloat16 inputs, got ${p.q.dtype}`;
  if (p.headDimV !== p.headDim) return `needs headDimV == headDim, got ${p.headDimV} and ${p.headDim}`;
  const cfg = sm80ConfigFor(p.headDim);
  if (!cfg || p.headDim % CHUNK_ELEMENTS !== 0) return `needs a head dim that is a multiple of 8 up to 256, got ${p.headDim}`;
  if (p.heads > MAX_GRID_YZ || p.batch > MAX_GRID_YZ) return `supports at most ${MAX_GRID_YZ} heads and sequences, got ${p.heads} and ${p.batch}`;
  if (!cuda.hasBuiltModule(SM80_MODULE)) return `kernel module ${SM80_MODULE} was not built`;
  if (p.q.location !== 'cuda') return 'inputs are on the cpu';
  for (const [name, t] of [['k', p.k], ['v', p.v], ['out', p.out], ['lse', p.lse]] as const) {
    if (t && (t.location !== 'cuda' || t.device !== p.q.device)) return `${name} must be on q's device cuda:${p.q.device}`;
  }
  for (const [name, t] of [['q', p.q], ['k', p.k], ['v', p.v], ['out', p.out]] as const) {
    const why = alignmentReason(name, t);
    if (why) return why;
  }
  if (p.lse) {
    if (p.lse.dtype !== 'float32') return `lse must be float32, got ${p.lse.dtype}`;
    if (p.lse.strides[p.lse.ndim - 1] !== 1) return `lse needs a contiguous last dim, got strides [${p.lse.strides.join(', ')}]`;
  }
  const smem = sm80SharedMemoryBytes(cfg);
  const props = cuda.getDeviceProperties(p.q.device);
  if (smem > props.maxSharedMemoryPerBlockOptin) {
    return `head dim ${cfg.headDim} needs ${smem} bytes of shared memory per block, cuda:${p.q.device} allows ${props.maxSharedMemoryPerBlockOptin}`;
  }
  return undefined;
}

const kernelCache = new Map<string, cuda.Kernel>();

function kernelFor(name: string, device: number): cuda.Kernel {
  const key = `${device}:${name}`;
  let k = kernelCache.get(key);
  if (!k) {
    k = cuda.loadBuiltKernel(SM80_MODULE, name, device);
    kernelCache.set(key, k);
  }
  return k;
}

type Sm80Writer = ReturnType<typeof ATTN_FWD_PARAMS.writer>;
/** Where a launch's arguments are packed until the launch is reused (see sm80Prepare). */
const sharedWriter = ATTN_FWD_PARAMS.writer();

/** Device address of a tensor's first element, 0 for none or an empty one (never read). */
function addressOf(t: Tensor | undefined): bigint {
  return t && t.numel > 0 ? t.devicePointer() : 0n;
}

/**
 * Prepares the forward of `p` (call only when sm80Supports(p) is undefined): picks the kernel and
 * computes every argument once. The returned launch enqueues the forward on p.stream, writing
 * `out` [batch, seqlenQ, heads, headDim] (varlen [totalQ, heads, headDim]) and, when given, `lse`
 * float32 [batch, heads, seqlenQ] (varlen [heads, totalQ]).
 *
 * The first launch packs into a writer all sm80 launches share (sm80Forward, for the calls that
 * are not planned, launches once) and a repeated launch packs once into bytes of its own; from
 * then on a launch writes only the output addresses.
 */
export function sm80Prepare(p: AttentionProblem): PreparedForward {
  const cfg = sm80ConfigFor(p.headDim)!;
  const dtype = p.q.dtype as 'float16' | 'bfloat16';
  const kernel = kernelFor(sm80KernelName(cfg.headDim, dtype), p.q.device);
  const vl = p.varlen;
  const maxSeqlenQ = vl ? vl.maxSeqlenQ : p.seqlenQ;
  const maxSeqlenK = vl ? vl.maxSeqlenK : p.seqlenK;
  const { softmaxScale, softcap } = p.params;
  // A bound no row can reach is the same as no bound (left >= seqlenK: every key is at or after
  // diag - left; right >= seqlenQ: every key is at or before diag + right); -1 keeps the kernel's
  // int32 window arithmetic far from overflow.
  const windowLeft = p.params.windowLeft >= maxSeqlenK ? -1 : p.params.windowLeft;
  const windowRight = p.params.causal ? 0 : p.params.windowRight >= maxSeqlenQ ? -1 : p.params.windowRight;
  const inputs = [addressOf(p.q), addressOf(p.k), addressOf(p.v)] as const;
  const varlenInputs = [addressOf(vl?.cuSeqlensQ), addressOf(vl?.cuSeqlensK), addressOf(vl?.sequsedK)] as const;
  // Dense tensors are [batch, rows, heads, dim]; varlen drop the batch dim (its stride is unused).
  // A flag, not `vl`, in the closure: closures share one context, and the launch returned below
  // must keep no tensor reachable.
  const isVarlen = vl !== undefined;
  const strides = (t: Tensor): readonly [number, number, number] =>
    isVarlen ? [0, t.strides[0]!, t.strides[1]!] : [t.strides[0]!, t.strides[1]!, t.strides[2]!];
  const [qs, ks, vs, os] = [strides(p.q), strides(p.k), strides(p.v), strides(p.out)];
  // Dense [batch, heads, seqlenQ]; varlen [heads, totalQ].
  const lseStrides = !p.lse ? [0, 0] : vl ? [0, p.lse.strides[0]!] : [p.lse.strides[0]!, p.lse.strides[1]!];
  const { batch, seqlenQ, seqlenK, heads, headsKV, headDim } = p;
  const pack = (w: Sm80Writer): Sm80Writer => {
    w.ptr('q', inputs[0]).ptr('k', inputs[1]).ptr('v', inputs[2]);
    w.ptr('cuSeqlensQ', varlenInputs[0]).ptr('cuSeqlensK', varlenInputs[1]).ptr('sequsedK', varlenInputs[2]);
    w.i64('qBatchStride', qs[0]).i64('qRowStride', qs[1]).i64('qHeadStride', qs[2]);
    w.i64('kBatchStride', ks[0]).i64('kRowStride', ks[1]).i64('kHeadStride', ks[2]);
    w.i64('vBatchStride', vs[0]).i64('vRowStride', vs[1]).i64('vHeadStride', vs[2]);
    w.i64('oBatchStride', os[0]).i64('oRowStride', os[1]).i64('oHeadStride', os[2]);
    w.i64('lseBatchStride', lseStrides[0]!).i64('lseHeadStride', lseStrides[1]!);
    w.i32('batch', batch).i32('seqlenQ', seqlenQ).i32('seqlenK', seqlenK);
    w.i32('heads', heads).i32('headsKV', headsKV).i32('headDim', headDim);
    w.i32('windowLeft', windowLeft).i32('windowRight', windowRight);
    w.f32('softmaxScale', softmaxScale).f32('softcap', softcap);
    // Scores are kept in log2 units (kernels/attn_fwd_params.h).
    w.f32('scoreScaleLog2', (softcap > 0 ? softcap : softmaxScale) * LOG2E);
    w.f32('softcapPreScale', softcap > 0 ? softmaxScale / softcap : 0);
    return w;
  };

  const grid: cuda.Dim3 = [Math.ceil(maxSeqlenQ / cfg.blockM), heads, batch];
  const block: cuda.Dim3 = [cfg.warps * 32, 1, 1];
  const smem = sm80SharedMemoryBytes(cfg);
  const stream = p.stream;
  let own: Sm80Writer | undefined;
  let launched = false;
  return (out, lse) => {
    let w = own;
    if (w === undefined) {
      w = pack(launched ? (own = ATTN_FWD_PARAMS.writer()) : sharedWriter);
      launched = true;
    }
    w.ptr('out', addressOf(out)).ptr('lse', addressOf(lse));
    if (grid[0] > 0) kernel.launch(grid, block, smem, w.bytes, stream);
  };
}

/** Enqueues the forward of `p` into p.out and p.lse (see sm80Prepare). */
export function sm80Forward(p: AttentionProblem): void {
  sm80Prepare(p)(p.out, p.lse);
}

export const sm80Backend: AttentionBackend = {
  name: 'sm80',
  supports: sm80Supports,
  forward: sm80Forward,
  prepare: sm80Prepare,
};

// Registered whenever the module was built; dispatch still checks the device's compute capability.
if (cuda.hasBuiltModule(SM80_MODULE)) registerBackend(sm80Backend);
