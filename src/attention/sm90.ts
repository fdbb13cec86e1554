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
 * GQA with short queries (decoding) runs on the PackGQA kernels (`*_packgqa`): a 128-row tile holds
 * R = 128 / headGroup positions of each of the headGroup query heads that share a KV head, instead
 * of one head's rows with most of the tile empty (sm90PackGqaGroup says when; kernels/NOTES.md).
 *
 * Inputs reach the kernel as TMA tensor maps: a rank-4 view {headDim, seqlen, heads, batch} of each
 * [batch, seqlen, heads, headDim] tensor with a 128-byte swizzle and box {64, rows, 1, 1}; the
 * kernel issues one box per 64-column chunk, which lands in shared memory as a [rows x 128 B] column
 * chunk, the K-major layout wgmma reads (kernels/sm90/attn_fwd_sm90_params.h).
 */
import * as cuda from '../cuda/index.js';
import type { DType } from '../tensor/dtype.js';
import { type Tensor, dimsOf, stridesOf } from '../tensor/tensor.js';
import { type AttentionBackend, type PreparedForward, registerBackend, reloadBackendEnv } from './dispatch.js';
import type { AttentionProblem } from './problem.js';

/** Module name in kernels/build-table.mjs. */
export const SM90_MODULE = 'attn_fwd_sm90';

/** Query rows per consumer warpgroup (one m64 wgmma). */
const ROWS_PER_WARPGROUP = 64;
/** Keys per K/V tile, per compiled head dim (TileN in attn_fwd_sm90_traits.h; the reasons are there). */
export const SM90_BLOCK_N: Readonly<Record<number, number>> = { 64: 128, 128: 128, 192: 112, 256: 80 };
/** The compiled head dims, ascending (kernels/sm90/attn_fwd_sm90_instances.h). */
export const SM90_HEAD_DIMS: readonly number[] = [64, 128, 192, 256];
const SM90_MAX_HEAD_DIM = SM90_HEAD_DIMS[SM90_HEAD_DIMS.length - 1]!;

/**
 * One Hopper kernel of the build, by what names it (kernels/sm90/attn_fwd_sm90_instances.h: the
 * table's columns and the cluster, wide and short tables) less the element type, which changes
 * neither its tiles nor its shared memory. Absent flags are false.
 */
export interface Sm90Variant {
  /** The compiled head dim: one of SM90_HEAD_DIMS. */
  headDim: number;
  /** The causal / local mask. */
  windowed: boolean;
  /** Packed sequences (cuSeqlens). */
  varlen?: boolean;
  /** A tile holds a whole GQA group (`_packgqa`; never varlen). */
  packGqa?: boolean;
  /** Two-CTA clusters sharing K/V by multicast (`_cluster`; never varlen or packed). */
  cluster?: boolean;
  /** Windowed head dim 64 with three consumer warpgroups and 192 x 96 tiles (`_wide`). */
  wide?: boolean;
  /** Dense head dim 64 for short keys (`_short`): the `_hd64` kernel's tiles and shared memory. */
  short?: boolean;
}

/**
 * Consumer warpgroups of a kernel (ConsumerWarpgroups in kernels/sm90/attn_fwd_sm90_traits.h, where
 * the reasons are): three for compiled head dim 64 without a window, not varlen and not packed, and
 * for the wide kernels; two otherwise (PackGQA kernels always have two: ATTN_FWD_SM90_TRAITS in
 * attn_fwd_sm90_instances.h). A CTA computes 64 query rows per consumer warpgroup and has one
 * producer warpgroup besides.
 */
export function sm90ConsumerWarpgroups(v: Sm90Variant): number {
  return v.wide || (v.headDim === 64 && !v.windowed && !v.varlen && !v.packGqa) ? 3 : 2;
}

/** Query rows per CTA (Traits::kBlockM). */
export function sm90BlockM(v: Sm90Variant): number {
  return ROWS_PER_WARPGROUP * sm90ConsumerWarpgroups(v);
}

/** Keys per K/V tile of a kernel (Traits::kBlockN): SM90_BLOCK_N, or SM90_WIDE_BLOCK_N for a `_wide` kernel. */
export function sm90BlockN(v: Sm90Variant): number | undefined {
  return v.wide ? SM90_WIDE_BLOCK_N : SM90_BLOCK_N[v.headDim];
}

/**
 * The wide kernels (`*_window_wide`, ATTN_FWD_SM90_WIDE_INSTANCES in
 * kernels/sm90/attn_fwd_sm90_instances.h): windowed head dim 64 with three consumer warpgroups,
 * 192 x 96 tiles, FA3's loop arrangement. Measured on the H100 (kernels/NOTES.md, "Session 13"):
 * causal +3-10% at 8k-16k over the two-warpgroup kernel, level at 2k, -26-29% at 512.
 */
export const SM90_WIDE_BLOCK_N = 96;
/** The fewest query rows that take a wide kernel (level at 2048 in the measurement above). */
export const SM90_WIDE_MIN_SEQLEN_Q = 4096;

/**
 * The short kernels (`*_hd64_short`, ATTN_FWD_SM90_SHORT_INSTANCES in
 * kernels/sm90/attn_fwd_sm90_instances.h): dense head dim 64 with the same three consumer
 * warpgroups and tiles as `*_hd64`, in FlashAttention-3's loop arrangement with early Q release.
 * Measured on the H100 (kernels/NOTES.md, "Session 16"): +3% at 512 keys, +6% at 1k, level at 2k;
 * FA3's loop measured 1-3% slower at 8k-16k keys, so only short keys take them.
 */
export const SM90_SHORT_MAX_SEQLEN_K = 2048;

/**
 * Whether `p` runs on a short kernel: not windowed, compiled head dim 64, not varlen or packed,
 * at most SM90_SHORT_MAX_SEQLEN_K keys, and the build has the kernel.
 */
export function sm90UsesShort(p: AttentionProblem, compiledHeadDim: number, windowed: boolean, group: number): boolean {
  if (windowed || compiledHeadDim !== 64 || group > 0 || p.varlen !== undefined || p.seqlenK > SM90_SHORT_MAX_SEQLEN_K) return false;
  return builtKernelNames()?.has(kernelNameOf(p.q.dtype as 'float16' | 'bfloat16', { headDim: 64, windowed: false, short: true })) ?? false;
}

/**
 * Whether `p` runs on a wide kernel: windowed without a left edge (causal, or bounded on the right
 * only: the case measured; sliding windows keep the two-warpgroup kernel), compiled head dim 64,
 * not varlen or packed, at least SM90_WIDE_MIN_SEQLEN_Q query rows, and the build has the kernel.
 */
export function sm90UsesWide(p: AttentionProblem, compiledHeadDim: number, windowed: boolean, group: number): boolean {
  if (!windowed || compiledHeadDim !== 64 || group > 0 || p.varlen !== undefined || p.seqlenQ < SM90_WIDE_MIN_SEQLEN_Q) return false;
  if (kernelWindowLeft(p) >= 0) return false;
  return builtKernelNames()?.has(kernelNameOf(p.q.dtype as 'float16' | 'bfloat16', { headDim: 64, windowed: true, wide: true })) ?? false;
}

/** Tile rows of a PackGQA kernel (Traits::kBlockM with two consumer warpgroups). */
const PACK_GQA_BLOCK_M = 128;
/**
 * The largest headGroup a packed tile takes: each head's R = 128 / headGroup rows must be a
 * multiple of the 8-row 128B-swizzle atom (PackedRows in kernels/sm90/tile_scheduler.cuh).
 */
export const SM90_PACK_GQA_MAX_GROUP = 16;

/**
 * Whether the build has PackGQA kernels for a compiled head dim (kernels/sm90/attn_fwd_sm90_instances.h):
 * every one but windowed 256, whose packed consumers spill registers (kernels/NOTES.md); windowed
 * GQA problems at head dim 256 run on the unpacked kernel.
 */
export function sm90HasPackGqaKernel(headDim: number, windowed: boolean): boolean {
  return SM90_BLOCK_N[headDim] !== undefined && !(headDim === 256 && windowed);
}

/** Whether sm90PackGqaGroup may pack (tests turn it off to cover the unpacked kernels on GQA shapes). */
let packGqaEnabled = true;

/**
 * Tests only, not exported by the package: `false` runs every problem on the unpacked kernels, as
 * before PackGQA was wired; `true` restores the rule. Bumps the dispatch epoch (through
 * reloadBackendEnv) so that no plan of a repeated call keeps the other kernel.
 */
export function setSm90PackGqaEnabled(enabled: boolean): void {
  packGqaEnabled = enabled;
  reloadBackendEnv();
}

/**
 * The headGroup (heads / headsKV) whose query heads share a tile when `p` runs on a PackGQA kernel,
 * or 0 when it runs on the unpacked one. Packs dense GQA problems with headGroup a power of two from
 * 2 to 16 (R = 128 / headGroup rows per head, a multiple of 8) when the packed tiles compute fewer
 * than 90% of the query rows the unpacked tiles would. A tile costs its full row count times the
 * keys whether its rows are real or padding, so the rows computed, padding included, are the work:
 * unpacked, each head's seqlenQ rounded up to kBlockM (128, 192 at head dim 64); packed, rounded up
 * to R. Decoding (seqlenQ 1, headGroup 8): 128 rows per head against 16. The 10% margin keeps the
 * measured unpacked kernels (and the windowed kernels' causal pairing of query blocks, which packed
 * tiles do without) where packing saves little; it also bounds packing to short queries: the
 * unpacked padding is under kBlockM rows, so it exceeds 10% of the rows only while seqlenQ < 10
 * kBlockM. (FA3's should_pack_gqa in hopper/heuristics.h compares the same two efficiencies with
 * the same margin, for its layout, which rounds seqlenQ x headGroup up to kBlockM as a whole.)
 * Varlen problems are never packed (the packed kernels have no varlen twins).
 */
export function sm90PackGqaGroup(p: AttentionProblem, compiledHeadDim: number, windowed: boolean): number {
  const group = p.heads / p.headsKV;
  if (!packGqaEnabled || group < 2 || group > SM90_PACK_GQA_MAX_GROUP || (group & (group - 1)) !== 0 || p.varlen !== undefined) return 0;
  if (!sm90HasPackGqaKernel(compiledHeadDim, windowed)) return 0;
  const rows = PACK_GQA_BLOCK_M / group;
  const blockM = sm90BlockM({ headDim: compiledHeadDim, windowed });
  const seqlenQ = p.seqlenQ;
  return 10 * Math.ceil(seqlenQ / rows) * rows < 9 * Math.ceil(seqlenQ / blockM) * blockM ? group : 0;
}
/**
 * The head dims with cluster kernels (`*_cluster`, ATTN_FWD_SM90_CLUSTER_INSTANCES in
 * kernels/sm90/attn_fwd_sm90_instances.h): two CTAs of a cluster take adjacent query blocks of one
 * head and share each K/V block through TMA multicast, so L2 sends it once per pair.
 */
export const SM90_CLUSTER_HEAD_DIMS: readonly number[] = [128, 192, 256];
/** CTAs per cluster of the `*_cluster` kernels (Traits::kClusterSize, their __cluster_dims__). */
const CLUSTER_SIZE = 2;
/**
 * The shortest seqlenK that takes a dense cluster kernel. On the H200 (kernels/NOTES.md, "Session 8")
 * they gained 2-4% at 8k-16k keys, were level at 2k-4k and lost 3% at head dim 128 and 512: each
 * pair then advances through K/V in step, which costs where a tile has few key blocks.
 */
export const SM90_CLUSTER_MIN_SEQLEN_K = 4096;
/**
 * The shortest seqlenK that takes a windowed cluster kernel (`*_window_cluster`). On the H100
 * (kernels/NOTES.md, "Session 14"), causal: +1-5% at head dim 128, +1-4% at 192 and +4-8% at 256
 * from 8k keys on, level at 4k, 1-10% slower below.
 */
export const SM90_WINDOW_CLUSTER_MIN_SEQLEN_K = 8192;
/**
 * Whether windowed problems may take the windowed cluster kernels: on since session 15, when the GPU
 * suite sent them through this launcher on the H100 (commit 51dba47: 428 tests, 0 fail; the
 * checker's acceptance check had passed 132 of 132 problems, racecheck clean). Turning it off: this
 * constant, and the expected kernel names in test/attention-sm90-long.test.ts and
 * test/sm90-fake-driver.test.ts (their `_window_cluster` cases).
 */
export const SM90_WINDOW_CLUSTER_DISPATCH = true;

/**
 * Whether `p` runs on a cluster kernel: not varlen or packed, a head dim of SM90_CLUSTER_HEAD_DIMS,
 * at least SM90_CLUSTER_MIN_SEQLEN_K keys (dense) or SM90_WINDOW_CLUSTER_MIN_SEQLEN_K (windowed,
 * only with SM90_WINDOW_CLUSTER_DISPATCH, and then without a left window edge: causal, or bounded
 * on the right only, the case measured; with a left edge the pair's union of key ranges would add
 * a block at each end of short ranges),
 * an even number of 128-row query blocks, so that no CTA of a pair computes a block past the end
 * (the kernel handles an odd count, but wastes that block; FA3 takes clusters on the same
 * condition), and the build has the kernel.
 */
export function sm90UsesCluster(p: AttentionProblem, compiledHeadDim: number, windowed: boolean, group: number): boolean {
  if (group > 0 || p.varlen !== undefined || !SM90_CLUSTER_HEAD_DIMS.includes(compiledHeadDim)) return false;
  if (windowed && (!SM90_WINDOW_CLUSTER_DISPATCH || kernelWindowLeft(p) >= 0)) return false;
  const minKeys = windowed ? SM90_WINDOW_CLUSTER_MIN_SEQLEN_K : SM90_CLUSTER_MIN_SEQLEN_K;
  if (p.seqlenK < minKeys || Math.ceil(p.seqlenQ / sm90BlockM({ headDim: compiledHeadDim, windowed })) % CLUSTER_SIZE !== 0) {
    return false;
  }
  return builtKernelNames()?.has(kernelNameOf(p.q.dtype as 'float16' | 'bfloat16', { headDim: compiledHeadDim, windowed, cluster: true })) ?? false;
}

const STAGES = 2;
/** Q full and Q free for each Q tile, then full/empty for each K and V stage (Traits::kBarrierCount). */
function barrierBytes(qTiles: number): number {
  return 8 * (2 * qTiles + 4 * STAGES);
}
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
 * Whether the kernel runs a CTA's tiles as one stream of key blocks (Traits::kStreamDefault in
 * kernels/sm90/attn_fwd_sm90_traits.h): the windowed one-CTA kernels at compiled head dims 64 and
 * 128, not varlen, packed, wide or clustered. They keep two Q tiles (and their two barriers) so that
 * the next tile's Q is loaded while this tile's last key blocks run.
 */
export function sm90StreamsTiles(v: Sm90Variant): boolean {
  return v.windowed && !v.varlen && !v.packGqa && !v.wide && !v.cluster && (v.headDim === 64 || v.headDim === 128);
}

/**
 * Whether the kernel writes O over its V stages (Traits::kOInVDefault): the one-CTA kernels at
 * compiled head dims 192 and 256, not varlen or packed, which have no room for an O tile of their
 * own. They keep one barrier more (O stored, before the next tile's V may load).
 */
export function sm90OutputInV(v: Sm90Variant): boolean {
  return !v.varlen && !v.packGqa && !v.cluster && (v.headDim === 192 || v.headDim === 256);
}

/**
 * Dynamic shared memory of the kernel for compiled head dim `headDim` (Traits::kSmemBytes): Q (two
 * tiles where it streams its tiles, sm90StreamsTiles), a separate O tile where it fits
 * (Traits::kSeparateO), 2 K and 2 V stages, barriers (one more where O goes over the V stages,
 * sm90OutputInV); varlen kernels add their tile ring; PackGQA kernels have 128-row Q and O tiles at
 * every head dim.
 */
export function sm90SharedMemoryBytes(v: Sm90Variant): number {
  const { headDim } = v;
  const blockN = sm90BlockN(v);
  if (blockN === undefined) {
    throw new RangeError(`sm90SharedMemoryBytes: headDim must be a compiled head dim (${SM90_HEAD_DIMS.join(', ')}), got ${headDim}`);
  }
  const qTiles = sm90StreamsTiles(v) ? 2 : 1;
  const rest =
    2 * STAGES * blockN * headDim * ELEMENT_BYTES + barrierBytes(qTiles) + (v.varlen ? VARLEN_EXTRA_BYTES : 0) + SMEM_ALIGN;
  const tileQ = sm90BlockM(v) * headDim * ELEMENT_BYTES;
  const withO = (qTiles + 1) * tileQ + rest;
  return withO <= MAX_SMEM_BYTES ? withO : qTiles * tileQ + rest + (sm90OutputInV(v) ? 8 : 0);
}

/**
 * Entry point name, e.g. attn_fwd_sm90_bf16_hd128_window_varlen (kernels/sm90/attn_fwd_sm90_instances.h),
 * for a compiled head dim. `windowed` selects the kernels with the causal / local mask, `varlen`
 * those for packed sequences (cuSeqlens), `packGqa` those whose tiles hold a whole GQA group
 * (attn_fwd_sm90_bf16_hd128_window_packgqa; never varlen), `cluster` the kernels with
 * two-CTA clusters (attn_fwd_sm90_bf16_hd128_cluster, attn_fwd_sm90_bf16_hd128_window_cluster;
 * never varlen or packed), `wide` the windowed
 * head-dim-64 kernels with three consumer warpgroups (attn_fwd_sm90_bf16_hd64_window_wide), `short`
 * the dense head-dim-64 kernels for short keys (attn_fwd_sm90_bf16_hd64_short).
 */
export function sm90KernelName(dtype: 'float16' | 'bfloat16', v: Sm90Variant): string {
  return `attn_fwd_sm90_${dtype === 'float16' ? 'fp16' : 'bf16'}_hd${v.headDim}${v.windowed ? '_window' : ''}${v.varlen ? '_varlen' : ''}${v.packGqa ? '_packgqa' : ''}${v.cluster ? '_cluster' : ''}${v.wide ? '_wide' : ''}${v.short ? '_short' : ''}`;
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
  // The dynamic tile hand-out's counter (Traits::kDynamicTiles): checker experiments only so far;
  // the kernels launched from here leave it null (the bytes start zeroed).
  ['tileCounter', 'ptr'],
] as const);

function isSm90DType(d: DType): d is 'float16' | 'bfloat16' {
  return d === 'float16' || d === 'bfloat16';
}

/** Kernel names by dtype and variant, formatted once: calls happen per attention call. */
const kernelNames = new Map<number, string>();
function kernelNameOf(dtype: 'float16' | 'bfloat16', v: Sm90Variant): string {
  const key =
    v.headDim * 128 +
    (v.short ? 64 : 0) +
    (v.wide ? 32 : 0) +
    (v.cluster ? 16 : 0) +
    (v.packGqa ? 8 : 0) +
    (v.varlen ? 4 : 0) +
    (dtype === 'float16' ? 2 : 0) +
    (v.windowed ? 1 : 0);
  let name = kernelNames.get(key);
  if (name === undefined) kernelNames.set(key, (name = sm90KernelName(dtype, v)));
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
  if (stridesOf(t)[last] !== 1) return `${name} needs a contiguous last dim, got strides [${stridesOf(t).join(', ')}]`;
  for (let i = 0; i < last; i++) {
    if (dimsOf(t)[i]! > 1 && (stridesOf(t)[i]! * ELEMENT_BYTES) % TMA_ALIGN_BYTES !== 0) {
      return `${name} strides must be multiples of 8 elements (16-byte TMA strides), got [${stridesOf(t).join(', ')}]`;
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
 * Signatures (dtype, head dim, windowed, varlen, packed, device) of problems sm90Supports accepted,
 * with their compiled head dim: a later problem with the same signature passes every check that
 * depends on nothing else (dtype, head dims, a built kernel, its shared memory on the device), and
 * is checked only for the rest, in the same order. Those facts are fixed for the process (the
 * build's manifest and the device's properties are read once); only acceptances are recorded.
 */
const acceptedSignatures = new Map<number, number>();

/** The key of a signature, or -1 for problems no signature of which is ever accepted. */
function signatureKey(p: AttentionProblem, windowed: boolean, packGqa: boolean): number {
  const { headDim } = p;
  const dtype = p.q.dtype;
  if (p.headDimV !== headDim || !(headDim >= 1 && headDim <= SM90_MAX_HEAD_DIM) || !isSm90DType(dtype)) return -1;
  const device = p.q.device;
  if (!(device >= 0)) return -1;
  return ((((device * (SM90_MAX_HEAD_DIM + 1) + headDim) * 2 + (p.varlen ? 1 : 0)) * 2 + (packGqa ? 1 : 0)) * 2 +
    (windowed ? 1 : 0)) * 2 + (dtype === 'float16' ? 1 : 0);
}

/**
 * sm90PackGqaGroup for a problem whose head dim may not be one the kernels take (then 0: the
 * checks that follow reject it); runs on every call, so no lookups beyond the head-dim table.
 */
function packGroupOf(p: AttentionProblem, windowed: boolean): number {
  if (p.heads === p.headsKV) return 0;
  const compiled = sm90CompiledHeadDim(p.headDim);
  return compiled === undefined ? 0 : sm90PackGqaGroup(p, compiled, windowed);
}

/**
 * Why the sm90 kernels cannot run `p`, or undefined when they can (dispatch has already checked
 * that the device is compute capability 9.x). Each reason is one short clause.
 */
export function sm90Supports(p: AttentionProblem): string | undefined {
  const windowed = isWindowed(p);
  const group = packGroupOf(p, windowed);
  const key = signatureKey(p, windowed, group > 0);
  const compiled = key < 0 ? undefined : acceptedSignatures.get(key);
  if (compiled !== undefined) return shapeReason(p, compiled, windowed, group) ?? layoutReason(p);
  const why = fullReason(p, windowed, group);
  if (why === undefined && key >= 0) acceptedSignatures.set(key, sm90CompiledHeadDim(p.headDim)!);
  return why;
}

/**
 * The entry point sm90 would launch for `p` (call only when sm90Supports(p) is undefined), e.g.
 * attn_fwd_sm90_bf16_hd128_packgqa for a GQA decode step: for `flash-attn info` and for tests
 * that check which kernel ran; not part of the public API.
 */
export function sm90KernelFor(p: AttentionProblem): string {
  return kernelChoice(p).name;
}

/** Which kernel runs `p`, and the choices that name it (the launch reads its tiles from them too). */
interface KernelChoice {
  /** Its flags, every one set (`headDim`: the compiled head dim, the next multiple of 64 up). */
  variant: Required<Sm90Variant>;
  /** PackGQA: the query heads per KV head packed into a tile; 0 unpacked. */
  group: number;
  name: string;
}

/** The one place the kernel is chosen, for sm90KernelFor and packProblem alike (call only when sm90Supports(p) is undefined). */
function kernelChoice(p: AttentionProblem): KernelChoice {
  const windowed = isWindowed(p);
  const d = sm90CompiledHeadDim(p.headDim)!;
  const group = sm90PackGqaGroup(p, d, windowed);
  const cluster = sm90UsesCluster(p, d, windowed, group);
  const wide = sm90UsesWide(p, d, windowed, group);
  // The short kernels have the hd64 kernels' tiles, threads and shared memory: only the name differs.
  const short = sm90UsesShort(p, d, windowed, group);
  const variant = { headDim: d, windowed, varlen: p.varlen !== undefined, packGqa: group > 0, cluster, wide, short };
  return { variant, group, name: kernelNameOf(p.q.dtype as 'float16' | 'bfloat16', variant) };
}

/** Every check, in order; the ones of the signature are what acceptedSignatures records. */
function fullReason(p: AttentionProblem, windowed: boolean, group: number): string | undefined {
  if (!isSm90DType(p.q.dtype)) return `needs float16 or bfloat16 inputs, got ${p.q.dtype}`;
  if (p.headDimV !== p.headDim) return `needs headDimV == headDim, got ${p.headDimV} and ${p.headDim}`;
  const compiled = sm90CompiledHeadDim(p.headDim);
  if (compiled === undefined) return `needs a head dim that is a multiple of 8 up to 256, got ${p.headDim}`;
  const varlen = p.varlen !== undefined;
  if (varlen && !SM90_VARLEN_HEAD_DIMS.includes(compiled)) {
    return `has varlen kernels for head dims up to ${SM90_VARLEN_HEAD_DIMS[SM90_VARLEN_HEAD_DIMS.length - 1]} only (beyond, their consumers spill registers), got ${p.headDim}`;
  }
  const shape = shapeReason(p, compiled, windowed, group);
  if (shape) return shape;
  const names = builtKernelNames();
  if (!names) return `kernel module ${SM90_MODULE} was not built`;
  // Without the cluster, wide and short choices: the kernel every problem of this signature may
  // run on, whose shared memory (the windowed one-CTA kernels' streamed layout) is the largest.
  const base: Sm90Variant = { headDim: compiled, windowed, varlen, packGqa: group > 0 };
  const name = kernelNameOf(p.q.dtype, base);
  if (!names.has(name)) return `kernel ${name} was not built`;
  const layout = layoutReason(p);
  if (layout) return layout;
  const smem = sm90SharedMemoryBytes(base);
  const props = cuda.getDeviceProperties(p.q.device);
  if (smem > props.maxSharedMemoryPerBlockOptin) {
    return `head dim ${compiled} needs ${smem} bytes of shared memory per block, cuda:${p.q.device} allows ${props.maxSharedMemoryPerBlockOptin}`;
  }
  return undefined;
}

/** The checks of the problem's sizes and scalars. */
function shapeReason(p: AttentionProblem, compiled: number, windowed: boolean, group: number): string | undefined {
  if (p.batch === 0 || p.seqlenQ === 0 || p.seqlenK === 0 || p.heads === 0) {
    return 'empty problems (a zero dim) are left to the portable path';
  }
  const blockM = sm90BlockM({ headDim: compiled, windowed, varlen: p.varlen !== undefined, packGqa: group > 0 });
  const tiles = workUnits(p, blockM, false, group);
  if (tiles > MAX_TILES) {
    return `supports at most ${MAX_TILES} tiles of ${blockM} query rows, got ${tiles}`;
  }
  if (p.params.softcap === 0 && !(p.params.softmaxScale > 0)) {
    // The running row maximum is taken over unscaled scores, which is only right for a positive scale.
    return `needs softmaxScale > 0 without softcap, got ${p.params.softmaxScale}`;
  }
  return undefined;
}

/** The checks of the tensors' places and layouts. */
function layoutReason(p: AttentionProblem): string | undefined {
  const device = p.q.device;
  const why = tmaInputReason('q', p.q, device) ?? tmaInputReason('k', p.k, device) ??
    tmaInputReason('v', p.v, device) ?? tmaInputReason('out', p.out, device);
  if (why) return why;
  const lse = p.lse;
  if (lse) {
    if (lse.dtype !== 'float32') return `lse must be float32, got ${lse.dtype}`;
    if (stridesOf(lse)[lse.ndim - 1] !== 1) return `lse needs a contiguous last dim, got strides [${stridesOf(lse).join(', ')}]`;
  }
  return undefined;
}

/**
 * The window the kernel sees, left and right. A bound no row can reach is no bound (left >=
 * seqlenK: every key is at or after diag - left; right >= seqlenQ: every key is at or before
 * diag + right; varlen: the longest sequences, maxSeqlenK and maxSeqlenQ, as the portable path),
 * so such problems run the unmasked kernel and the kernel's int32 window arithmetic stays far
 * from overflow. Two functions rather than a pair: these run on every call.
 */
function kernelWindowLeft(p: AttentionProblem): number {
  const seqlenK = p.varlen ? p.varlen.maxSeqlenK : p.seqlenK;
  return p.params.windowLeft >= seqlenK ? -1 : p.params.windowLeft;
}

function kernelWindowRight(p: AttentionProblem): number {
  const seqlenQ = p.varlen ? p.varlen.maxSeqlenQ : p.seqlenQ;
  return p.params.causal ? 0 : p.params.windowRight >= seqlenQ ? -1 : p.params.windowRight;
}

/** Query blocks of `blockM` rows for `rows` query rows, or pairs of them for the windowed kernels. */
function unitsOfRows(rows: number, blockM: number, windowed: boolean): number {
  const blocks = Math.ceil(rows / blockM);
  return windowed ? Math.ceil(blocks / 2) : blocks;
}

/**
 * Work units of the persistent grid (kernels/sm90/tile_scheduler.cuh): query blocks of `blockM`
 * rows per head and sequence, or pairs of them for the windowed kernels. Varlen counts each
 * sequence's own blocks from the host copy of cuSeqlensQ (an empty sequence has none). PackGQA
 * (`group` > 0): blocks of R = 128 / group positions per KV head and sequence, single tiles also
 * when windowed (no causal pairing).
 */
function workUnits(p: AttentionProblem, blockM: number, windowed: boolean, group: number): number {
  if (group > 0) return Math.ceil(p.seqlenQ / (PACK_GQA_BLOCK_M / group)) * p.headsKV * p.batch;
  if (!p.varlen) return unitsOfRows(p.seqlenQ, blockM, windowed) * p.heads * p.batch;
  const cu = p.varlen.host.cuSeqlensQ;
  let units = 0;
  for (let b = 0; b < p.batch; b++) units += unitsOfRows(cu[b + 1]! - cu[b]!, blockM, windowed);
  return units * p.heads;
}

function isWindowed(p: AttentionProblem): boolean {
  return kernelWindowLeft(p) >= 0 || kernelWindowRight(p) >= 0;
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
 * cache is keyed by the address (a bigint: a Map hashes it by value, and converting it to a number
 * took ~50 ns in Node 20), then matched field by field: building a string key per map cost ~1 µs
 * each, a quarter of the whole host cost of a call. Fields are flat: comparing through arrays
 * showed in profiles.
 */
interface CachedMap {
  readonly device: number;
  readonly dtype: DType;
  readonly rows: number;
  /** Heads per box (PackGQA's Q and O boxes span several heads; 1 otherwise). */
  readonly boxHeads: number;
  /** The map's dims {headDim, seqlen, heads, batch} and byte strides of seqlen, heads and batch. */
  readonly hd: number;
  readonly s: number;
  readonly h: number;
  readonly b: number;
  readonly sb1: number;
  readonly sb2: number;
  readonly sb0: number;
  readonly map: Uint8Array;
}
const mapCache = new Map<bigint, CachedMap[]>();
let mapCacheEntries = 0;
const MAP_CACHE_LIMIT = 256;

/**
 * The rank-4 TMA view {headDim, seqlen, heads, batch} of a [batch, seqlen, heads, headDim] tensor
 * (varlen [total, heads, headDim]: {headDim, total, heads, 1}), with the real head dim and box
 * {64, rows, boxHeads, 1}: the kernel loads or stores one box per 64-column chunk, and the copy
 * engine zero-fills (loads) or clips (stores) columns past headDim, and rows and heads past the
 * tensor. A box lands in shared memory as [boxHeads][rows][128 B]: PackGQA's Q box {64, R,
 * headGroup, 1} is exactly its tile's rows (kernels/sm90/tile_scheduler.cuh, PackedRows). Strides
 * of size-1 dims are never used by the copy engine; they are replaced by 16 so that any view of
 * such a dim passes the driver's multiple-of-16 rule.
 */
function tensorMap(t: Tensor, rows: number, boxHeads: number): Uint8Array {
  const d = dimsOf(t);
  const st = stridesOf(t);
  const dense = d.length === 4;
  const i = dense ? 1 : 0; // the seqlen (varlen: total) dim
  const b = dense ? d[0]! : 1;
  const s = d[i]!;
  const h = d[i + 1]!;
  const hd = d[i + 2]!;
  const sb0 = dense && b !== 1 ? st[0]! * ELEMENT_BYTES : TMA_ALIGN_BYTES;
  const sb1 = s === 1 ? TMA_ALIGN_BYTES : st[i]! * ELEMENT_BYTES;
  const sb2 = h === 1 ? TMA_ALIGN_BYTES : st[i + 1]! * ELEMENT_BYTES;
  const addr = t.devicePointer();
  const device = t.device;
  const dtype = t.dtype;
  const list = mapCache.get(addr);
  if (list) {
    for (let j = 0; j < list.length; j++) {
      const e = list[j]!;
      if (
        e.device === device && e.dtype === dtype && e.rows === rows && e.boxHeads === boxHeads && e.hd === hd && e.s === s &&
        e.h === h && e.b === b && e.sb1 === sb1 && e.sb2 === sb2 && e.sb0 === sb0
      ) {
        return e.map;
      }
    }
  }
  const map = cuda.encodeTensorMapTiled(
    {
      dataType: dtype === 'float16' ? 'float16' : 'bfloat16',
      globalAddress: addr,
      globalDims: [hd, s, h, b],
      globalStridesBytes: [sb1, sb2, sb0],
      boxDims: [CHUNK_COLS, rows, boxHeads, 1],
      swizzle: '128B',
      l2Promotion: '128B',
    },
    device,
  );
  if (mapCacheEntries >= MAP_CACHE_LIMIT) {
    mapCache.clear();
    mapCacheEntries = 0;
  }
  const entry: CachedMap = { device, dtype, rows, boxHeads, hd, s, h, b, sb1, sb2, sb0, map };
  if (list && mapCacheEntries > 0) list.push(entry);
  else mapCache.set(addr, [entry]);
  mapCacheEntries++;
  return map;
}

type Sm90Writer = ReturnType<typeof ATTN_FWD_SM90_PARAMS.writer>;

/** Byte offsets of the parameter fields, resolved and checked against their types once. */
const AT = {
  tmQ: ATTN_FWD_SM90_PARAMS.offsetOf('tmQ', 'tensormap'),
  tmK: ATTN_FWD_SM90_PARAMS.offsetOf('tmK', 'tensormap'),
  tmV: ATTN_FWD_SM90_PARAMS.offsetOf('tmV', 'tensormap'),
  tmO: ATTN_FWD_SM90_PARAMS.offsetOf('tmO', 'tensormap'),
  lse: ATTN_FWD_SM90_PARAMS.offsetOf('lse', 'ptr'),
  lseBatchStride: ATTN_FWD_SM90_PARAMS.offsetOf('lseBatchStride', 'i64'),
  lseHeadStride: ATTN_FWD_SM90_PARAMS.offsetOf('lseHeadStride', 'i64'),
  cuSeqlensQ: ATTN_FWD_SM90_PARAMS.offsetOf('cuSeqlensQ', 'ptr'),
  cuSeqlensK: ATTN_FWD_SM90_PARAMS.offsetOf('cuSeqlensK', 'ptr'),
  sequsedK: ATTN_FWD_SM90_PARAMS.offsetOf('sequsedK', 'ptr'),
  out: ATTN_FWD_SM90_PARAMS.offsetOf('out', 'ptr'),
  oRowStride: ATTN_FWD_SM90_PARAMS.offsetOf('oRowStride', 'i64'),
  oHeadStride: ATTN_FWD_SM90_PARAMS.offsetOf('oHeadStride', 'i64'),
  batch: ATTN_FWD_SM90_PARAMS.offsetOf('batch', 'i32'),
  seqlenQ: ATTN_FWD_SM90_PARAMS.offsetOf('seqlenQ', 'i32'),
  seqlenK: ATTN_FWD_SM90_PARAMS.offsetOf('seqlenK', 'i32'),
  heads: ATTN_FWD_SM90_PARAMS.offsetOf('heads', 'i32'),
  headGroup: ATTN_FWD_SM90_PARAMS.offsetOf('headGroup', 'i32'),
  headDim: ATTN_FWD_SM90_PARAMS.offsetOf('headDim', 'i32'),
  windowLeft: ATTN_FWD_SM90_PARAMS.offsetOf('windowLeft', 'i32'),
  windowRight: ATTN_FWD_SM90_PARAMS.offsetOf('windowRight', 'i32'),
  scoreScaleLog2: ATTN_FWD_SM90_PARAMS.offsetOf('scoreScaleLog2', 'f32'),
  softcapPreScale: ATTN_FWD_SM90_PARAMS.offsetOf('softcapPreScale', 'f32'),
} as const;

/**
 * The bytes a launch passes, and the tensor maps they hold: a map already in place (the same
 * cached, never-modified bytes) is not copied again.
 */
interface ArgBuffer {
  readonly w: Sm90Writer;
  mapQ: Uint8Array | undefined;
  mapK: Uint8Array | undefined;
  mapV: Uint8Array | undefined;
  mapO: Uint8Array | undefined;
}

function argBuffer(): ArgBuffer {
  return { w: ATTN_FWD_SM90_PARAMS.writer(), mapQ: undefined, mapK: undefined, mapV: undefined, mapO: undefined };
}

/** Where sm90Forward packs: calls that are not planned (plan.ts) pack afresh every time. */
const shared = argBuffer();

/** A launch's configuration besides its arguments, and the box of its output map. */
interface LaunchShape {
  kernel: cuda.Kernel | undefined;
  grid: cuda.Dim3;
  block: cuda.Dim3;
  smem: number;
  /** The O map's box rows and heads: {64, 64, 1, 1}, or PackGQA's {64, min(R, 64), max(1, 64 / R), 1}. */
  oBoxRows: number;
  oBoxHeads: number;
}
function launchShape(): LaunchShape {
  return { kernel: undefined, grid: [1, 1, 1], block: [1, 1, 1], smem: 0, oBoxRows: O_STORE_ROWS, oBoxHeads: 1 };
}
const sharedShape = launchShape();

/**
 * Grids by CTA count ([n, 1, 1]), made once each: n is at most the SM count. Not frozen (an
 * element of a frozen array loads slower, tensor.ts says why); they go only to Kernel.launch.
 */
const grids: cuda.Dim3[] = [];
function gridOf(n: number): cuda.Dim3 {
  return grids[n] ?? (grids[n] = [n, 1, 1]);
}
/** Blocks by consumer warpgroups: one producer warpgroup and the consumers (Traits::kThreads). */
const BLOCKS: Readonly<Record<number, cuda.Dim3>> = { 2: [128 * 3, 1, 1], 3: [128 * 4, 1, 1] };

/**
 * Packs every argument of `p` but the output's and the LSE's into `b`, and its launch
 * configuration into `shape` (call only when sm90Supports(p) is undefined).
 */
function packProblem(p: AttentionProblem, b: ArgBuffer, shape: LaunchShape): void {
  const { variant, group, name } = kernelChoice(p);
  const { windowed, cluster } = variant;
  const vl = p.varlen;
  const params = p.params;
  const windowLeft = kernelWindowLeft(p);
  const windowRight = kernelWindowRight(p);
  // PackGQA: R = 128 / group positions of each of the group's heads per tile; Q is one box
  // {64, R, group, 1} per chunk and each consumer warpgroup's 64 rows one O box {64, min(R, 64),
  // max(1, 64 / R), 1} (kernels/sm90/mainloop_producer.cuh, epilogue.cuh).
  const packGqa = group > 0;
  const blockM = sm90BlockM(variant);
  const blockN = sm90BlockN(variant)!;
  const rowsPerHead = packGqa ? blockM / group : blockM;
  const w = b.w;
  const mapQ = tensorMap(p.q, rowsPerHead, packGqa ? group : 1);
  if (b.mapQ !== mapQ) {
    w.tensormapAt(AT.tmQ, mapQ);
    b.mapQ = mapQ;
  }
  const mapK = tensorMap(p.k, blockN, 1);
  if (b.mapK !== mapK) {
    w.tensormapAt(AT.tmK, mapK);
    b.mapK = mapK;
  }
  const mapV = tensorMap(p.v, blockN, 1);
  if (b.mapV !== mapV) {
    w.tensormapAt(AT.tmV, mapV);
    b.mapV = mapV;
  }
  // LSE strides: dense [batch, heads, seqlenQ]; varlen [heads, totalQ] (rows from each sequence's
  // qStart). Without an LSE the kernel sees a null pointer and writes none.
  const lse = p.lse;
  w.i64At(AT.lseBatchStride, lse && !vl ? stridesOf(lse)[0]! : 0);
  w.i64At(AT.lseHeadStride, !lse ? 0 : vl ? stridesOf(lse)[0]! : stridesOf(lse)[1]!);
  w.ptrAt(AT.cuSeqlensQ, vl ? vl.cuSeqlensQ.devicePointer() : 0n);
  w.ptrAt(AT.cuSeqlensK, vl ? vl.cuSeqlensK.devicePointer() : 0n);
  w.ptrAt(AT.sequsedK, vl?.sequsedK ? vl.sequsedK.devicePointer() : 0n);
  w.i32At(AT.batch, p.batch).i32At(AT.seqlenQ, p.seqlenQ).i32At(AT.seqlenK, p.seqlenK);
  w.i32At(AT.heads, p.heads).i32At(AT.headGroup, p.heads / p.headsKV).i32At(AT.headDim, p.headDim);
  w.i32At(AT.windowLeft, windowLeft).i32At(AT.windowRight, windowRight);
  // exp2 domain (attn_fwd_sm90_params.h): with softcap the kernel keeps tanh(q.k * scale / softcap).
  const { softmaxScale, softcap } = params;
  w.f32At(AT.scoreScaleLog2, (softcap > 0 ? softcap : softmaxScale) * LOG2E);
  w.f32At(AT.softcapPreScale, softcap > 0 ? softmaxScale / softcap : 0);
  // Persistent kernels: one CTA per SM (one fits per SM: 384 or 512 threads holding all 64K
  // registers, up to 225 KB of shared memory), each looping over work units; fewer when there are
  // fewer units. A unit is a tile, or for the windowed kernels a pair of query blocks
  // (kernels/sm90/tile_scheduler.cuh; PackGQA: always a tile). Varlen: at least one CTA, which
  // finds no tile when every sequence is empty. Cluster kernels: a unit is a pair of query blocks
  // (even in number here) for the two CTAs of a cluster (windowed: two such pairs, the longer
  // first, as the windowed kernels pair single blocks), and the grid is whole clusters, one per
  // two SMs (all 66 pairs of the H200's 132 SMs are resident at once: cudaOccupancyMaxActiveClusters
  // in the checker; a device whose SMs do not pair up runs the odd cluster later, as a short tail).
  const device = p.q.device;
  shape.kernel = kernelFor(name, device);
  const units = workUnits(p, blockM, windowed, group);
  // A cluster's units: pairs of query blocks (dense), or pairs of those pairs, the longer first
  // (windowed): the windowed count of pairs, halved and rounded up, per head.
  const clusterUnits = windowed ? Math.ceil(units / (p.heads * p.batch) / CLUSTER_SIZE) * p.heads * p.batch : units / CLUSTER_SIZE;
  shape.grid = cluster
    ? gridOf(CLUSTER_SIZE * Math.max(1, Math.min(Math.floor(smCountOf(device) / CLUSTER_SIZE), clusterUnits)))
    : gridOf(Math.max(1, Math.min(smCountOf(device), units)));
  shape.block = BLOCKS[sm90ConsumerWarpgroups(variant)]!;
  shape.smem = sm90SharedMemoryBytes(variant);
  shape.oBoxRows = Math.min(rowsPerHead, O_STORE_ROWS);
  shape.oBoxHeads = Math.max(1, O_STORE_ROWS / rowsPerHead);
}

/**
 * Packs the output's map, address and strides into `b`, with the box `shape` says (packProblem).
 * Each consumer warpgroup stores its 64 rows one 64-column chunk at a time; varlen tiles whose TMA
 * box would reach into the next sequence use plain stores to [.., heads, headDim].
 */
function packOutput(b: ArgBuffer, out: Tensor, shape: LaunchShape): void {
  const w = b.w;
  const mapO = tensorMap(out, shape.oBoxRows, shape.oBoxHeads);
  if (b.mapO !== mapO) {
    w.tensormapAt(AT.tmO, mapO);
    b.mapO = mapO;
  }
  const o = stridesOf(out);
  w.ptrAt(AT.out, out.devicePointer()).i64At(AT.oRowStride, o[o.length - 3]!).i64At(AT.oHeadStride, o[o.length - 2]!);
}

/**
 * Prepares the forward of `p` (call only when sm90Supports(p) is undefined): picks the kernel,
 * encodes the input tensor maps and packs every argument once, into bytes of its own. The returned
 * launch enqueues the forward on p.stream, writing `out` [batch, seqlenQ, heads, headDim] (varlen
 * [totalQ, heads, headDim]) and, when given, `lse` float32 [batch, heads, seqlenQ] (varlen [heads,
 * totalQ]; natural log; -inf for a row that sees no key, whose output is 0). A launch writes only
 * the output's map, address and strides (when its address changed) and the LSE address.
 *
 * Dispatch prepares only calls that the plan cache keeps; the others take sm90Forward, which packs
 * into bytes all its calls share and allocates nothing for the launch.
 */
export function sm90Prepare(p: AttentionProblem): PreparedForward {
  const b = argBuffer();
  const shape = launchShape();
  packProblem(p, b, shape);
  const { kernel, grid, block, smem } = shape;
  const stream = p.stream;
  /** The address whose map is in tmO: a fresh output usually gets the last one's back. */
  let outAddress = -1n;
  return (out, lse) => {
    const addr = out.devicePointer();
    if (addr !== outAddress) {
      packOutput(b, out, shape);
      outAddress = addr;
    }
    b.w.ptrAt(AT.lse, lse ? lse.devicePointer() : 0n);
    kernel!.launch(grid, block, smem, b.w.bytes, stream);
  };
}

/**
 * Enqueues the forward of `p` into p.out and p.lse (call only when sm90Supports(p) is undefined;
 * see sm90Prepare for what the launch writes).
 */
export function sm90Forward(p: AttentionProblem): void {
  packProblem(p, shared, sharedShape);
  packOutput(shared, p.out, sharedShape);
  shared.w.ptrAt(AT.lse, p.lse ? p.lse.devicePointer() : 0n);
  sharedShape.kernel!.launch(sharedShape.grid, sharedShape.block, sharedShape.smem, shared.w.bytes, p.stream);
}

export const sm90Backend: AttentionBackend = {
  name: 'sm90',
  supports: sm90Supports,
  forward: sm90Forward,
  prepare: sm90Prepare,
};

// Registered whenever the module was built; dispatch still checks the device's compute capability.
if (cuda.hasBuiltModule(SM90_MODULE)) registerBackend(sm90Backend);
