// The one table of portable forward kernels: tile shape per head dim. Every row is built for both
// float16 and bfloat16 (kernels/attn_fwd_sm80.cu), so the build makes 2 x rows kernels. Feature
// flags (causal, local window, softcap, varlen, sequsedK, LSE) are run-time, uniform branches outside
// the MMA loops, so they add no instantiations. src/attention/sm80.ts mirrors this table and a test
// parses this file to keep the two equal.
//
// Columns: head dim, kBlockM (query rows per CTA), kBlockN (keys per tile), warps, K/V ring stages.
// Each warp owns kBlockM / warps query rows (16 or 32). Shared memory = Q tile + stages x one K or V
// tile, (kBlockM + stages * kBlockN) * headDim * 2 bytes; every row fits the 99 KB a block may use on
// sm_86/sm_89, so one table serves every GPU from sm_80 on.
//   32:  128x128, 4 warps, 2 stages, 24 KB. 32 rows per warp share each K/V fragment (half the
//        shared-memory reads per MMA of 16 rows); S is 128 floats per thread, O only 32.
//   64:  128x96, 4 warps, 3 stages, 52 KB. 128x128 (FlashAttention-2's shape) needs S = 128 plus O = 64
//        floats per thread and spills; 128x96 measured 305-335 TFLOP/s against 294-312 for 128x128
//        and 297-304 for 128x64 (H100, 2k-16k, non-causal): fewer tiles than 64 and no spill.
//   96:  128x64, 4 warps, 2 stages, 48 KB. O (96 floats) + S (64) per thread.
//   128: 128x64, 4 warps, 2 stages, 64 KB, 2 CTAs per SM. O (128 floats) + S (64) fill the 255
//        registers; 128x128 spills, 128x32 loses ~7% to per-tile overhead, 8 warps of 16 rows lose
//        ~15% to doubled ldmatrix traffic, a third stage gained < 2% and spills.
//   192: 128x64, 8 warps, 2 stages, 96 KB. 4 warps would need 192 O floats per thread, so 16 rows
//        per warp.
//   256: 64x64, 4 warps, 2 stages, 96 KB, 2 CTAs per SM on sm_80/sm_90. 128x64 with 8 warps is ~3%
//        slower; 3 stages (128 KB, one CTA per SM) ~10% slower.
#pragma once

#define ATTN_FWD_SM80_CONFIGS(X) \
  X(32, 128, 128, 4, 2)          \
  X(64, 128, 96, 4, 3)           \
  X(96, 128, 64, 4, 2)           \
  X(128, 128, 64, 4, 2)          \
  X(192, 128, 64, 8, 2)          \
  X(256, 64, 64, 4, 2)
