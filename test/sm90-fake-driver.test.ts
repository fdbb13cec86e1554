/**
 * The sm90 path on a fake device: scripts/fake-libcuda.c (built with gcc) stands in for the
 * driver, so dispatch, sm90Supports and the launcher run here as on an H100 while launches do
 * nothing (test/support/fake-sm90-child.ts, in a process of its own: the driver and the kernels
 * folder are chosen by environment variables read once per process). Skipped without gcc or off Linux.
 *
 * It checks the cache of accepted problem signatures in sm90Supports (a problem of an accepted
 * signature is still checked for everything else, with the same reasons; another signature is
 * checked in full), that planned launches pass the bytes of a fresh one, that the leak
 * backstop frees device memory of owners never disposed (registered in batches, tensor.ts), and
 * PackGQA: which kernel GQA shapes get, and the launches of packed problems (kernel, grid, block,
 * shared memory, the tensor maps' boxes, as kernels/test/attn_fwd_sm90_check.cu's launch() makes them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { LaunchRecord } from './support/fake-sm90-child.js';

const root = process.cwd();
const gcc = spawnSync('gcc', ['--version']);
const skip = process.platform !== 'linux' ? 'the fake driver stands in for Linux\'s libcuda.so.1' : gcc.status === 0 ? false : 'no gcc to build scripts/fake-libcuda.c';


/** Shared memory of a 2-consumer-warpgroup kernel: Q (and O where it fits), 2 K and 2 V stages, 10 barriers, alignment slack. */
const smem2 = (d: number, blockN: number, separateO: boolean): number => ((separateO ? 2 : 1) * 128 + 4 * blockN) * d * 2 + 80 + 1024;

test('sm90 on a fake device: accepted signatures, planned launches, the leak backstop, PackGQA', { skip }, () => {
  const setUp = spawnSync(process.execPath, [join(root, 'scripts', 'hostcost-fake-driver.mjs'), '--env'], { encoding: 'utf8' });
  assert.equal(setUp.status, 0, setUp.stderr);
  const env = { ...process.env, ...JSON.parse(setUp.stdout), FLASH_ATTN_BACKEND: '' };
  const child = spawnSync(process.execPath, ['--expose-gc', join(root, 'dist', 'test', 'support', 'fake-sm90-child.js')], { encoding: 'utf8', env });
  assert.equal(child.status, 0, child.stderr);
  const r = JSON.parse(child.stdout) as {
    reasons: Record<string, string | null>;
    planned: { launches: number; differing: number[]; hitsIdentical: boolean };
    backstop: { leaked: number; disposed: number; leftAfterGc: number };
    packGqa: {
      kernels: Record<string, string | null>;
      launches: Record<string, LaunchRecord>;
      planned: { launches: number; identical: boolean };
      reusedAddress: number[][];
    };
    outStrides: Record<string, number[]>;
  };
  assert.deepEqual(r.reasons, {
    accepted: null,
    'accepted again': null,
    'same signature, negative scale': 'needs softmaxScale > 0 without softcap, got -1',
    'same signature, q at an unaligned address': 'q must start at a 16-byte aligned address (element offset 4)',
    'same signature, k strides not multiples of 8':
      'k strides must be multiples of 8 elements (16-byte TMA strides), got [45288, 136, 68, 1]',
    'same signature, float16 lse': 'lse must be float32, got float16',
    'same signature, an empty problem': 'empty problems (a zero dim) are left to the portable path',
    'same signature, out on the host': 'out must be on cuda:0',
    'same signature, lse with strided rows': 'lse needs a contiguous last dim, got strides [800, 200, 2]',
    'dense head dim 192': null,
    'varlen head dim 192 after dense':
      'has varlen kernels for head dims up to 128 only (beyond, their consumers spill registers), got 192',
    'float32 after bfloat16': 'needs float16 or bfloat16 inputs, got float32',
    'causal (windowed) after unmasked': null,
    'causal, negative scale': 'needs softmaxScale > 0 without softcap, got -0.5',
    'dispatch of the accepted problem': 'sm90',
  });
  assert.deepEqual(r.planned, { launches: 5, differing: [], hitsIdentical: true });
  assert.deepEqual(r.backstop, { leaked: 300, disposed: 0, leftAfterGc: 0 });

  // PackGQA: dense GQA with headGroup a power of two 2..16 and a short query (sm90PackGqaGroup).
  assert.deepEqual(r.packGqa.kernels, {
    'decode g8': 'attn_fwd_sm90_bf16_hd128_packgqa',
    'decode g8 causal': 'attn_fwd_sm90_bf16_hd128_window_packgqa',
    'decode g8 causal again': 'attn_fwd_sm90_bf16_hd128_window_packgqa',
    'decode g2 fp16 hd64': 'attn_fwd_sm90_fp16_hd64_packgqa',
    'decode g16 hd96': 'attn_fwd_sm90_bf16_hd128_packgqa',
    'decode g4 hd192 window': 'attn_fwd_sm90_bf16_hd192_window_packgqa',
    'decode g8 hd256': 'attn_fwd_sm90_bf16_hd256_packgqa',
    'decode g8 hd256 causal: no packed kernel': 'attn_fwd_sm90_bf16_hd256_window',
    'headGroup 3': 'attn_fwd_sm90_bf16_hd128',
    'headGroup 32': 'attn_fwd_sm90_bf16_hd128',
    MHA: 'attn_fwd_sm90_bf16_hd128',
    'seqlenQ 128 g8': 'attn_fwd_sm90_bf16_hd128',
    'seqlenQ 129 g8': 'attn_fwd_sm90_bf16_hd128_packgqa',
    'seqlenQ 1000 g8': 'attn_fwd_sm90_bf16_hd128',
    'cluster hd128 sk4096': 'attn_fwd_sm90_bf16_hd128_cluster',
    'cluster fp16 hd256': 'attn_fwd_sm90_fp16_hd256_cluster',
    'cluster hd96 on 128, GQA': 'attn_fwd_sm90_bf16_hd128_cluster',
    'no cluster: sk 4095': 'attn_fwd_sm90_bf16_hd128',
    'no cluster: 9 query blocks': 'attn_fwd_sm90_bf16_hd128',
    'no cluster: causal': 'attn_fwd_sm90_bf16_hd128_window',
    'no cluster: hd64': 'attn_fwd_sm90_bf16_hd64',
    'cluster: causal hd128 sk8192': 'attn_fwd_sm90_bf16_hd128_window_cluster',
    'cluster: causal fp16 hd256 sq256': 'attn_fwd_sm90_fp16_hd256_window_cluster',
    'cluster: right window only hd192': 'attn_fwd_sm90_bf16_hd192_window_cluster',
    'no cluster: causal sk 8191': 'attn_fwd_sm90_bf16_hd128_window',
    'no cluster: sliding window': 'attn_fwd_sm90_bf16_hd128_window',
    'no cluster: causal, 3 query blocks': 'attn_fwd_sm90_bf16_hd128_window',
    'no cluster: causal hd64': 'attn_fwd_sm90_bf16_hd64_window_wide',
    'wide: causal hd64 sq4096': 'attn_fwd_sm90_bf16_hd64_window_wide',
    'wide: fp16 hd48 on 64, right window only': 'attn_fwd_sm90_fp16_hd64_window_wide',
    'not wide: sq4095': 'attn_fwd_sm90_bf16_hd64_window',
    'not wide: sliding window': 'attn_fwd_sm90_bf16_hd64_window',
    'not wide: not windowed': 'attn_fwd_sm90_bf16_hd64',
    'not wide: hd128': 'attn_fwd_sm90_bf16_hd128_window',
    'short: hd64 sk2048': 'attn_fwd_sm90_bf16_hd64_short',
    'short: fp16 hd40 on 64, GQA': 'attn_fwd_sm90_fp16_hd64_short',
    'not short: sk2049': 'attn_fwd_sm90_bf16_hd64',
    'not short: causal': 'attn_fwd_sm90_bf16_hd64_window',
    'not short: hd128': 'attn_fwd_sm90_bf16_hd128',
  });
  // Q box {64, R, headGroup, 1} with R = 128 / headGroup, O box {64, min(R, 64), max(1, 64 / R), 1};
  // grid min(132, ceil(seqlenQ / R) x headsKV x batch); 384 threads (two consumer warpgroups) and
  // 128-row tiles at every head dim, head dim 64 included.
  const block = [384, 1, 1];
  const launch = (kernel: string, units: number, smem: number, boxQ: number[], blockN: number, boxO: number[]): LaunchRecord =>
    ({ kernel, grid: [Math.min(132, units), 1, 1], block, smem, boxQ, boxK: [64, blockN, 1, 1], boxO });
  assert.deepEqual(r.packGqa.launches, {
    'g8 hd128 sq1': launch('attn_fwd_sm90_bf16_hd128_packgqa', 1 * 4 * 2, smem2(128, 128, true), [64, 16, 8, 1], 128, [64, 16, 4, 1]),
    'g4 hd64 sq17 causal fp16': launch('attn_fwd_sm90_fp16_hd64_window_packgqa', 1 * 2 * 1, smem2(64, 128, true), [64, 32, 4, 1], 128, [64, 32, 2, 1]),
    'g2 hd64 sq100 batch3': launch('attn_fwd_sm90_bf16_hd64_packgqa', 2 * 2 * 3, smem2(64, 128, true), [64, 64, 2, 1], 128, [64, 64, 1, 1]),
    'g16 hd192 sq4 window': launch('attn_fwd_sm90_bf16_hd192_window_packgqa', 1, smem2(192, 112, false), [64, 8, 16, 1], 112, [64, 8, 8, 1]),
    'g8 hd256 sq1': launch('attn_fwd_sm90_bf16_hd256_packgqa', 1, smem2(256, 80, false), [64, 16, 8, 1], 80, [64, 16, 4, 1]),
    'g8 hd128 sq17 batch40': launch('attn_fwd_sm90_bf16_hd128_packgqa', 2 * 4 * 40, smem2(128, 128, true), [64, 16, 8, 1], 128, [64, 16, 4, 1]),
    // Unpacked: one head per 128-row tile (causal: pairs of query blocks, here one per head).
    // (one CTA at head dim 256: O over the V stages, one barrier more)
    'unpacked: g8 hd256 sq1 causal': launch('attn_fwd_sm90_bf16_hd256_window', 8, smem2(256, 80, false) + 8, [64, 128, 1, 1], 80, [64, 64, 1, 1]),
    'unpacked: g3 hd128 sq1': launch('attn_fwd_sm90_bf16_hd128', 6, smem2(128, 128, true), [64, 128, 1, 1], 128, [64, 64, 1, 1]),
    // Clusters of two: whole clusters, at most one per two SMs (66), one per pair of query blocks.
    'cluster: hd128 sq2048 sk4096 h16': launch('attn_fwd_sm90_bf16_hd128_cluster', 2 * 66, smem2(128, 128, true), [64, 128, 1, 1], 128, [64, 64, 1, 1]),
    'cluster: hd192 sq256 sk4096 h2': launch('attn_fwd_sm90_bf16_hd192_cluster', 2 * 2, smem2(192, 112, false), [64, 128, 1, 1], 112, [64, 64, 1, 1]),
    // Windowed clusters (SM90_WINDOW_CLUSTER_DISPATCH): a cluster's unit is two pairs of query
    // blocks, so 16 per head at 64 blocks, min(66, 16 x 3) = 48 clusters; 768 rows are 6 blocks,
    // 3 pairs, 2 units per (head, batch): 8 clusters.
    'cluster: causal hd128 sq8192 h3': launch('attn_fwd_sm90_bf16_hd128_window_cluster', 2 * 48, smem2(128, 128, true), [64, 128, 1, 1], 128, [64, 64, 1, 1]),
    'cluster: causal hd256 sq768 sk8192 b2': launch('attn_fwd_sm90_bf16_hd256_window_cluster', 2 * 8, smem2(256, 80, false), [64, 128, 1, 1], 80, [64, 64, 1, 1]),
    // Wide: 512 threads (three consumer warpgroups), 192-row Q and O tiles, 96-key K/V tiles; units
    // are pairs of 192-row query blocks: ceil(ceil(4096 / 192) / 2) = 11 per head, 2 heads.
    'wide: causal hd64 sq4096 h2': {
      kernel: 'attn_fwd_sm90_bf16_hd64_window_wide',
      grid: [22, 1, 1],
      block: [512, 1, 1],
      smem: (2 * 192 + 4 * 96) * 64 * 2 + 80 + 1024,
      boxQ: [64, 192, 1, 1],
      boxK: [64, 96, 1, 1],
      boxO: [64, 64, 1, 1],
    },
  });
  assert.deepEqual(r.packGqa.planned, { launches: 5, identical: true });
  // The map cache tells a packed Q box from an output box of the same rows by its heads.
  assert.deepEqual(r.packGqa.reusedAddress, [[64, 64, 2, 1], [64, 64, 1, 1]]);
  // The output's row and head strides in elements as launches pass them.
  assert.deepEqual(r.outStrides, {
    dense: [4 * 256, 256],
    'every other head of a wider tensor': [8 * 256, 2 * 256],
    varlen: [2 * 64, 64],
  });
});
