/**
 * The Hopper GPU backend ('sm90'): launches the FlashAttention-3-class forward kernels of
 * kernels/attn_fwd_sm90.cu (TMA, wgmma, warp specialization; sm_90a machine code only).
 *
 * Takes float16/bfloat16 problems with headDim = headDimV a multiple of 8 up to 256 (kernels for
 * 64, 128, 192 and 256; other head dims run on the next one up, the copy engine zero-filling the
 * extra columns), any seqlenQ and seqlenK, GQA/MQA, causal and local windows, softcap, LSE,
 * strided (packed) inputs whose strides are multiples of 8 elements, and varlen batches
 * (cuSeqlensQ/K, sequsedK, empty sequences) up to head dim 128, with the portable path's semantics:
 * per-sequence lengths, windows aligned to each sequence's bottom-right corner, LSE [heads, totalQ].
 * Everything else (varlen beyond head dim 128, headDimV != headDim, empty problems) is left to the
 * portable 'sm80' backend: supports() names the reason.
 *
 * Inputs reach the kernel as TMA tensor maps: a rank-4 view {headDim, seqlen, heads, batch} of each
 * [batch, seqlen, heads, headDim] tensor with a 128-byte swizzle and box {64, rows, 1, 1}; the
 * kernel issues one box per 64-column chunk, which lands in shared memory as a [rows x 128 B] column
 * chunk, the K-major layout wgmma reads (kernels/sm90/attn_fwd_sm90_params.h).
 */
import * as cuda from '../cuda/index.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { type AttentionBackend, type PreparedForward, registerBackend } from './dispatch.js';
import type { AttentionProblem } from './problem.js';

/** Module name in kernels/build-table.mjs. */
export const SM90_MODULE = 'attn_fwd_sm90';

/** Query rows per consumer warpgroup (one m64 wgmma). */
const ROWS_PER_WARPGROUP = 64;
/** Keys per K/V tile, per compiled head dim (TileN in attn_fwd_sm90_traits.h; the reasons are there). */
export const SM90_BLOCK_N: Readonly<Record<number, number>> = { 64: 128, 128: 128, 192: 112, 256: 80 };
/** The compiled head dims, ascending (kernels/sm90/attn_fwd_sm90_instances.h). */
export const SM90_HEAD_DIMS: readonly number[] = [64, 128, 192, 256];

/**
 * Consumer warpgroups of a kernel (ConsumerWarpgroups in kernels/sm90/attn_fwd_sm90_traits.h, where
 * the reasons are): three for compiled head dim 64 without a window and not varlen, two otherwise.
 * A CTA computes 64 query rows per consumer warpgroup and has one producer warpgroup besides.
 */
export function sm90ConsumerWarpgroups(headDim: number, windowed: boolean, varlen = false): number {
  return headDim === 64 && !windowed && !varlen ? 3 : 2;
}

/** Query rows per CTA (Traits::kBlockM). */
export function sm90BlockM(headDim: number, windowed: boolean, varlen = false): number {
  return ROWS_PER_WARPGROUP * sm90ConsumerWarpgroups(headDim, windowed, varlen);
}
const STAGES = 2;
/** Q full, Q free, then full/empty for each K and V stage. */
const BARRIER_BYTES = 8 * (2 + 4 * STAGES);
/** Varlen kernels: the V-landed barrier and the tile ring's slots (28-byte Tile each). */
const VARLEN_TILE_SLOTS = 2;
const VARLEN_EXTRA_BYTES = 8 + 28 * VARLEN_TILE_SLOTS;
/**
 * Compiled head dims that have varlen kernels: at 192 and 256 the varlen consumers spill registers
 * (kernels/NOTES.md), so those problems go to the portable path.
 */
export const SM90_VARLEN_HEAD_DIMS: readonly number[] = [64, 128];
/** The kernel rounds its dynamic shared memory base up to the 128B-swizzle repeat (1024 B). */
const SMEM_ALIGN = 1024;
/** Shared memory one H100 block may use (227 KB). */
const MAX_SMEM_BYTES = 232448;
/** Column chunk of a 128-byte-swizzled tile: 128 B of 16-bit elements. */
const CHUNK_COLS = 64;
/** The copy engine needs 16-byte aligned addresses and strides: 8 elements of 16 bits. */
const TMA_ALIGN_BYTES = 16;
const TMA_ALIGN_BIGINT = BigInt(TMA_ALIGN_BYTES);
const ELEMENT_BYTES = 2;
/** Rows of O each consumer warpgroup stores per TMA box. */
const O_STORE_ROWS = 64;
/** The kernels index tiles (query blocks x heads x batch) with int32. */
const MAX_TILES = 2 ** 31 - 1;
const LOG2E = Math.LOG2E;

/**

 * The compiled head dim that runs `headDim`: the smallest of SM90_HEAD_DIMS at least as large, for
 * a multiple of 8 up to 256 (TMA zero-fills the columns in between; e.g. 96 runs on the 128
 * kernel, 25% of its tensor-core work on zeros), else undefined.
 */
export function sm90CompiledHeadDim(headDim: number): number | undefined {
  if (!Number.isInteger(headDim) || headDim < 1 || headDim % (TMA_ALIGN_BYTES / ELEMENT_BYTES) !== 0) return undefined;
  return SM90_HEAD_DIMS.find((d) => d >= headDim);
}

/**
 * Dynamic shared memory of the kernel for compiled head dim `headDim` (Traits::kSmemBytes): Q, a
 * separate O tile where it fits (Traits::kSeparateO), 2 K and 2 V stages, barriers; varlen kernels
 * add their tile ring.
 */
export function sm90SharedMemoryBytes(headDim: number, windowed: boolean, varlen = false): number {
  const blockN = SM90_BLOCK_N[headDim];
  if (blockN === undefined) {
    throw new RangeError(`sm90SharedMemoryBytes: headDim must be a compiled head dim (${SM90_HEAD_DIMS.join(', ')}), got ${headDim}`);
  }
  const rest =
    2 * STAGES * blockN * headDim * ELEMENT_BYTES + BARRIER_BYTES + (varlen ? VARLEN_EXTRA_BYTES : 0) + SMEM_ALIGN;
  const tileQ = sm90BlockM(headDim, windowed, varlen) * headDim * ELEMENT_BYTES;
  return 2 * tileQ + rest <= MAX_SMEM_BYTES ? 2 * tileQ + rest : tileQ + rest;
}

/**
 * Entry point name, e.g. attn_fwd_sm90_bf16_hd128_window_varlen (kernels/sm90/attn_fwd_sm90_instances.h),
 * for a compiled head dim. `windowed` selects the kernels with the causal / local mask, `varlen`
 * those for packed sequences (cuSeqlens).
 */
export function sm90KernelName(dtype: 'float16' | 'bfloat16', headDim: number, windowed: boolean, varlen = false): string {
  return `attn_fwd_sm90_${dtype === 'float16' ? 'fp16' : 'bf16'}_hd${headDim}${windowed ? '_window' : ''}${varlen ? '_varlen' : ''}`;
}

/** kernels/sm90/attn_fwd_sm90_params.h, field for field (tested against the build's offsetof values). */
export const ATTN_FWD_SM90_PARAMS = cuda.defineStruct('AttnFwdSm90Params', [
  ['tmQ', 'tensormap'],
  ['tmK', 'tensormap'],
  ['tmV', 'tensormap'],
  ['tmO', 'tensormap'],
  ['lse', 'ptr'],
  ['lseBatchStride', 'i64'],
  ['lseHeadStride', 'i64'],
  ['cuSeqlensQ', 'ptr'],
  ['cuSeqlensK', 'ptr'],
  ['sequsedK', 'ptr'],
  ['out', 'ptr'],
  ['oRowStride', 'i64'],
  ['oHeadStride', 'i64'],
  ['batch', 'i32'],
  ['seqlenQ', 'i32'],
  ['seqlenK', 'i32'],
  ['heads', 'i32'],
  ['headGroup', 'i32'],
  ['headDim', 'i32'],
  ['windowLeft', 'i32'],
  ['windowRight', 'i32'],
  ['scoreScaleLog2', 'f32'],
  ['softcapPreScale', 'f32'],
] as const);

function isSm90DType(d: DType): d is 'float16' | 'bfloat16' {
  return d === 'float16' || d === 'bfloat16';
}

/** Kernel names by (dtype, head dim, windowed, varlen), formatted once: calls happen per attention call. */
const kernelNames = new Map<number, string>();
function kernelNameOf(dtype: 'float16' | 'bfloat16', headDim: number, windowed: boolean, varlen: boolean): string {
  const key = headDim * 8 + (varlen ? 4 : 0) + (dtype === 'float16' ? 2 : 0) + (windowed ? 1 : 0);
  let name = kernelNames.get(key);
  if (name === undefined) kernelNames.set(key, (name = sm90KernelName(dtype, headDim, windowed, varlen)));
  return name;
}

/** The names of the kernels the build made, or undefined when the module was not built. */
let builtNames: Set<string> | null | undefined;
function builtKernelNames(): Set<string> | undefined {
  if (builtNames === undefined) {
    const m = cuda.kernelManifest()?.modules.find((x) => x.name === SM90_MODULE);
    builtNames = m ? new Set(m.functions.map((f) => f.name)) : null;
  }
  return builtNames ?? undefined;
}

/** Why the copy engine cannot read a [batch, seqlen, heads, headDim] (varlen [total, heads, headDim]) view, or undefined. */
function tmaLayoutReason(name: string, t: Tensor): string | undefined {
  const last = t.ndim - 1;
  if (t.strides[last] !== 1) return `${name} needs a contiguous last dim, got strides [${t.strides.join(', ')}]`;
  for (let i = 0; i < last; i++) {
    if (t.dims[i]! > 1 && (t.strides[i]! * ELEMENT_BYTES) % TMA_ALIGN_BYTES !== 0) {
      return `${name} strides must be multiples of 8 elements (16-byte TMA strides), got [${t.strides.join(', ')}]`;
    }
  }
  if (t.devicePointer() % TMA_ALIGN_BIGINT !== 0n) {
    return `${name} must start at a 16-byte aligned address (element offset ${t.offset})`;
  }
  return undefined;
}

function tmaInputReason(name: string, t: Tensor, device: number): string | undefined {
  if (t.location !== 'cuda' || t.device !== device) return `${name} must be on cuda:${device}`;
  return tmaLayoutReason(name, t);
}

/**
 * Why the sm90 kernels cannot run `p`, or undefined when they can (dispatch has already checked
 * that the device is compute capability 9.x). Each reason is one short clause.
 */
export function sm90Supports(p: AttentionProblem): string | undefined {
  if (!isSm90DType(p.q.dtype)) return `needs float16 or bfloat16 inputs, got ${p.q.dtype}`;
  if (p.headDimV !== p.headDim) return `needs headDimV == headDim, got ${p.headDimV} and ${p.headDim}`;
  const compiled = sm90CompiledHeadDim(p.headDim);
  if (compiled === undefined) return `needs a head dim that is a multiple of 8 up to 256, got ${p.headDim}`;
  const varlen = p.varlen !== undefined;
  if (varlen && !SM90_VARLEN_HEAD_DIMS.includes(compiled)) {
    return `has varlen kernels for head dims up to ${SM90_VARLEN_HEAD_DIMS[SM90_VARLEN_HEAD_DIMS.length - 1]} only (beyond, their consumers spill registers), got ${p.headDim}`;
  }
  if (p.batch === 0 || p.seqlenQ === 0 || p.seqlenK === 0 || p.heads === 0) {
    return 'empty problems (a zero dim) are left to the portable path';
  }
  const windowed = isWindowed(p);
  const blockM = sm90BlockM(compiled, windowed, varlen);
  const tiles = workUnits(p, blockM, false);
  if (tiles > MAX_TILES) {
    return `supports at most ${MAX_TILES} tiles of ${blockM} query rows, got ${tiles}`;
  }
  if (p.params.softcap === 0 && !(p.params.softmaxScale > 0)) {
    // The running row maximum is taken over unscaled scores, which is only right for a positive scale.
    return `needs softmaxScale > 0 without softcap, got ${p.params.softmaxScale}`;
  }
  const names = builtKernelNames();
  if (!names) return `kernel module ${SM90_MODULE} was not built`;
  if (!names.has(kernelNameOf(p.q.dtype, compiled, windowed, varlen))) {
    return `kernel ${sm90KernelName(p.q.dtype, compiled, windowed, varlen)} was not built`;
  }
  const why = tmaInputReason('q', p.q, p.q.device) ?? tmaInputReason('k', p.k, p.q.device) ??
    tmaInputReason('v', p.v, p.q.device) ?? tmaInputReason('out', p.out, p.q.device);
  if (why) return why;
  if (p.lse) {
    if (p.lse.dtype !== 'float32') return `lse must be float32, got ${p.lse.dtype}`;
    if (p.lse.strides[p.lse.ndim - 1] !== 1) return `lse needs a contiguous last dim, got strides [${p.lse.strides.join(', ')}]`;
  }
  const smem = sm90SharedMemoryBytes(compiled, windowed, varlen);
  const props = cuda.getDeviceProperties(p.q.device);
  if (smem > props.maxSharedMemoryPerBlockOptin) {
    return `head dim ${compiled} needs ${smem} bytes of shared memory per block, cuda:${p.q.device} allows ${props.maxSharedMemoryPerBlockOptin}`;
  }
  return undefined;
}

/**
 * The window the kernel sees. A bound no row can reach is no bound (left >= seqlenK: every key is
 * at or after diag - left; right >= seqlenQ: every key is at or before diag + right; varlen: the
 * longest sequences, maxSeqlenK and maxSeqlenQ, as the portable path), so such problems run the
 * unmasked kernel and the kernel's int32 window arithmetic stays far from overflow.
 */
function kernelWindow(p: AttentionProblem): [number, number] {
  const seqlenK = p.varlen ? p.varlen.maxSeqlenK : p.seqlenK;
  const seqlenQ = p.varlen ? p.varlen.maxSeqlenQ : p.seqlenQ;
  const left = p.params.windowLeft >= seqlenK ? -1 : p.params.windowLeft;
  const right = p.params.causal ? 0 : p.params.windowRight >= seqlenQ ? -1 : p.params.windowRight;
  return [left, right];
}

/**
 * Work units of the persistent grid (kernels/sm90/tile_scheduler.cuh): query blocks of `blockM`
 * rows per head and sequence, or pairs of them for the windowed kernels. Varlen counts each
 * sequence's own blocks from the host copy of cuSeqlensQ (an empty sequence has none).
 */
function workUnits(p: AttentionProblem, blockM: number, windowed: boolean): number {
  const per = (rows: number): number => {
    const blocks = Math.ceil(rows / blockM);
    return windowed ? Math.ceil(blocks / 2) : blocks;
  };
  if (!p.varlen) return per(p.seqlenQ) * p.heads * p.batch;
  const cu = p.varlen.host.cuSeqlensQ;
  let units = 0;
  for (let b = 0; b < p.batch; b++) units += per(cu[b + 1]! - cu[b]!);
  return units * p.heads;
}

function isWindowed(p: AttentionProblem): boolean {
  const [left, right] = kernelWindow(p);
  return left >= 0 || right >= 0;
}

/** Streaming multiprocessors per device (the persistent grid size), read once. */
const smCounts = new Map<number, number>();
function smCountOf(device: number): number {
  let n = smCounts.get(device);
  if (n === undefined) smCounts.set(device, (n = cuda.getDeviceProperties(device).smCount));
  return n;
}

/** Loaded kernels per device, by name. */
const kernelCache = new Map<number, Map<string, cuda.Kernel>>();

function kernelFor(name: string, device: number): cuda.Kernel {
  let byName = kernelCache.get(device);
  if (!byName) kernelCache.set(device, (byName = new Map()));
  let k = byName.get(name);
  if (!k) {
    k = cuda.loadBuiltKernel(SM90_MODULE, name, device);
    byName.set(name, k);
  }
  return k;
}

/**
 * Encoded maps by layout. The allocator hands the same addresses back, so repeated shapes hit. The
 * cache is keyed by the address as a number, then matched field by field: building a string key
 * per map cost ~1 µs each, a quarter of the whole host cost of a call.
 */
interface CachedMap {
  device: number;
  dtype: DType;
  /** [batch, seqlen, heads, headDim]; varlen [total, heads, headDim] is batch 1. */
  dims: [number, number, number, number];
  strideBytes: [number, number, number];
  rows: number;
  map: Uint8Array;
}
const mapCache = new Map<number, CachedMap[]>();
let mapCacheEntries = 0;
const MAP_CACHE_LIMIT = 256;

/** Byte stride of dim i for the map; size-1 dims get 16 (never used, but must pass the driver's rule). */
function mapStrideBytes(t: Tensor, i: number): number {
  return t.dims[i] === 1 ? TMA_ALIGN_BYTES : t.strides[i]! * ELEMENT_BYTES;
}

/**
 * The rank-4 TMA view {headDim, seqlen, heads, batch} of a [batch, seqlen, heads, headDim] tensor
 * (varlen [total, heads, headDim]: {headDim, total, heads, 1}), with the real head dim and box
 * {64, rows, 1, 1}: the kernel loads or stores one box per 64-column chunk, and the copy engine
 * zero-fills (loads) or clips (stores) columns past headDim. Strides of size-1 dims are never used
 * by the copy engine; they are replaced by 16 so that any view of such a dim passes the driver's
 * multiple-of-16 rule.
 */
function tensorMap(t: Tensor, rows: number): Uint8Array {
  const d = t.dims;
  const dense = t.ndim === 4;
  const b = dense ? d[0]! : 1;
  const s = dense ? d[1]! : d[0]!;
  const h = dense ? d[2]! : d[1]!;
  const hd = dense ? d[3]! : d[2]!;
  const sb0 = dense ? mapStrideBytes(t, 0) : TMA_ALIGN_BYTES;
  const sb1 = mapStrideBytes(t, dense ? 1 : 0);
  const sb2 = mapStrideBytes(t, dense ? 2 : 1);
  const addr = t.devicePointer();
  const key = Number(addr); // device addresses are far below 2^53
  const list = mapCache.get(key);
  if (list) {
    for (const e of list) {
      const [eb, es, eh, ehd] = e.dims;
      const [e0, e1, e2] = e.strideBytes;
      if (
        e.device === t.device && e.dtype === t.dtype && e.rows === rows && eb === b && es === s && eh === h &&
        ehd === hd && e0 === sb0 && e1 === sb1 && e2 === sb2
      ) {
        return e.map;
      }
    }
  }
  const map = cuda.encodeTensorMapTiled(
    {
      dataType: t.dtype === 'float16' ? 'float16' : 'bfloat16',
      globalAddress: addr,
      globalDims: [hd, s, h, b],
      globalStridesBytes: [sb1, sb2, sb0],
      boxDims: [CHUNK_COLS, rows, 1, 1],
      swizzle: '128B',
      l2Promotion: '128B',
    },
    t.device,
  );
  if (mapCacheEntries >= MAP_CACHE_LIMIT) {
    mapCache.clear();
    mapCacheEntries = 0;
  }
  const entry: CachedMap = { device: t.device, dtype: t.dtype, dims: [b, s, h, hd], strideBytes: [sb0, sb1, sb2], rows, map };
  if (list) list.push(entry);
  else mapCache.set(key, [entry]);
  mapCacheEntries++;
  return map;
}

type Sm90Writer = ReturnType<typeof ATTN_FWD_SM90_PARAMS.writer>;
/** Where a launch's arguments are packed until the launch is reused (see sm90Prepare). */
const sharedWriter = ATTN_FWD_SM90_PARAMS.writer();

/**

 * Prepares the forward of `p` (call only when sm90Supports(p) is undefined): picks the kernel,
 * encodes the input tensor maps and computes every argument once. The returned launch enqueues
 * the forward on p.stream, writing `out` [batch, seqlenQ, heads, headDim] (varlen [totalQ, heads,
 * headDim]) and, when given, `lse` float32 [batch, heads, seqlenQ] (varlen [heads, totalQ];
 * natural log; -inf for a row that sees no key, whose output is 0).
 *
 * The first launch packs the arguments into a writer all sm90 launches share; a second launch (a
 * repeated call) packs them once into bytes of its own, and from then on a launch writes only the
 * output's tensor map and address (when its address changed) and the LSE address. So a call that
 * is never repeated, as a model's fresh activations are, allocates no argument buffer.
 */
export function sm90Prepare(p: AttentionProblem): PreparedForward {
  const dtype = p.q.dtype as 'float16' | 'bfloat16';
  const d = sm90CompiledHeadDim(p.headDim)!;
  const blockN = SM90_BLOCK_N[d]!;
  const vl = p.varlen;
  const [windowLeft, windowRight] = kernelWindow(p);
  const windowed = windowLeft >= 0 || windowRight >= 0;
  const kernel = kernelFor(kernelNameOf(dtype, d, windowed, vl !== undefined), p.q.device);
  const { softmaxScale, softcap } = p.params;
  const blockM = sm90BlockM(d, windowed, vl !== undefined);
  const mapQ = tensorMap(p.q, blockM);
  const mapK = tensorMap(p.k, blockN);
  const mapV = tensorMap(p.v, blockN);
  // LSE strides: dense [batch, heads, seqlenQ]; varlen [heads, totalQ] (rows from each sequence's
  // qStart). Without an LSE the kernel sees a null pointer and writes none.
  const lse0 = p.lse;
  const [lseBatchStride, lseHeadStride] = !lse0 ? [0, 0] : vl ? [0, lse0.strides[0]!] : [lse0.strides[0]!, lse0.strides[1]!];
  const cuQ = vl ? vl.cuSeqlensQ.devicePointer() : 0n;
  const cuK = vl ? vl.cuSeqlensK.devicePointer() : 0n;
  const usedK = vl?.sequsedK ? vl.sequsedK.devicePointer() : 0n;
  const { batch, seqlenQ, seqlenK, heads, headsKV, headDim } = p;
  const pack = (w: Sm90Writer): Sm90Writer => {
    w.tensormap('tmQ', mapQ).tensormap('tmK', mapK).tensormap('tmV', mapV);
    w.i64('lseBatchStride', lseBatchStride).i64('lseHeadStride', lseHeadStride);
    w.ptr('cuSeqlensQ', cuQ).ptr('cuSeqlensK', cuK).ptr('sequsedK', usedK);
    w.i32('batch', batch).i32('seqlenQ', seqlenQ).i32('seqlenK', seqlenK);
    w.i32('heads', heads).i32('headGroup', heads / headsKV).i32('headDim', headDim);
    w.i32('windowLeft', windowLeft).i32('windowRight', windowRight);
    // exp2 domain (attn_fwd_sm90_params.h): with softcap the kernel keeps tanh(q.k * scale / softcap).
    w.f32('scoreScaleLog2', (softcap > 0 ? softcap : softmaxScale) * LOG2E);
    w.f32('softcapPreScale', softcap > 0 ? softmaxScale / softcap : 0);
    return w;
  };
  // Persistent kernels: one CTA per SM (one fits per SM: 384 or 512 threads holding all 64K
  // registers, up to 225 KB of shared memory), each looping over work units; fewer when there are
  // fewer units. A unit is a tile, or for the windowed kernels a pair of query blocks
  // (kernels/sm90/tile_scheduler.cuh). Varlen: at least one CTA, which finds no tile when every
  // sequence is empty.
  const units = workUnits(p, blockM, windowed);
  const grid: cuda.Dim3 = [Math.max(1, Math.min(smCountOf(p.q.device), units)), 1, 1];
  const smem = sm90SharedMemoryBytes(d, windowed, vl !== undefined);
  // One producer warpgroup and the consumer warpgroups (Traits::kThreads).
  const block: cuda.Dim3 = [128 * (1 + sm90ConsumerWarpgroups(d, windowed, vl !== undefined)), 1, 1];
  const stream = p.stream;
  let own: Sm90Writer | undefined;
  let launched = false;
  /** The address whose map is in the writer's tmO: a fresh output usually gets the last one's back. */
  let outAddress = -1n;
  return (out, lse) => {
    let w = own;
    if (w === undefined) {
      w = pack(launched ? (own = ATTN_FWD_SM90_PARAMS.writer()) : sharedWriter);
      launched = true;
      outAddress = -1n;
    }
    const addr = out.devicePointer();
    if (addr !== outAddress) {
      // Each consumer warpgroup stores its 64 rows one 64-column chunk at a time; varlen tiles
      // whose TMA box would reach into the next sequence use plain stores to [.., heads, headDim].
      const o = out.strides;
      w.tensormap('tmO', tensorMap(out, O_STORE_ROWS));
      w.ptr('out', addr).i64('oRowStride', o[o.length - 3]!).i64('oHeadStride', o[o.length - 2]!);
      outAddress = addr;
    }
    w.ptr('lse', lse ? lse.devicePointer() : 0n);
    kernel.launch(grid, block, smem, w.bytes, stream);
  };
}

/** Enqueues the forward of `p` into p.out and p.lse (see sm90Prepare). */
export function sm90Forward(p: AttentionProblem): void {
  sm90Prepare(p)(p.out, p.lse);
}

export const sm90Backend: AttentionBackend = {
  name: 'sm90',
  supports: sm90Supports,
  forward: sm90Forward,
  prepare: sm90Prepare,
};

// Registered whenever the module was built; dispatch still checks the device's compute capability.
if (cuda.hasBuiltModule(SM90_MODULE)) registerBackend(sm90Backend);
