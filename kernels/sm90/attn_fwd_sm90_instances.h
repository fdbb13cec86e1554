// THE table of Hopper forward kernels the build makes (one extern "C" entry each). The TypeScript
// launcher (src/attention/sm90.ts) derives the same names; a kernel missing here falls back to the
// portable path through supports(). Columns: element type, head dim, windowed (causal or local),
// intra-warpgroup overlap, pingpong, varlen (packed sequences, cuSeqlens), entry name.
//
// 16 dense kernels (2 dtypes x head dims 64/128/192/256 x {full, windowed}), 8 varlen kernels
// (2 dtypes x head dims 64/128 x {full, windowed}; at 192 and 256 their consumers spill, see
// kernels/NOTES.md, so those go to the portable path) + 3 ablation kernels at bf16 / hdim 128 (no
// pingpong, no overlap, neither) for measuring what each technique buys. Other head dims
// (multiples of 8 up to 256) run on the next compiled one up.
#pragma once

#define ATTN_FWD_SM90_INSTANCES(X)                                                      \
  X(__nv_bfloat16, 64, false, true, true, false, attn_fwd_sm90_bf16_hd64)               \
  X(__nv_bfloat16, 64, true, true, true, false, attn_fwd_sm90_bf16_hd64_window)         \
  X(__nv_bfloat16, 128, false, true, true, false, attn_fwd_sm90_bf16_hd128)             \
  X(__nv_bfloat16, 128, true, true, true, false, attn_fwd_sm90_bf16_hd128_window)       \
  X(__nv_bfloat16, 192, false, true, true, false, attn_fwd_sm90_bf16_hd192)             \
  X(__nv_bfloat16, 192, true, true, true, false, attn_fwd_sm90_bf16_hd192_window)       \
  X(__nv_bfloat16, 256, false, true, true, false, attn_fwd_sm90_bf16_hd256)             \
  X(__nv_bfloat16, 256, true, true, true, false, attn_fwd_sm90_bf16_hd256_window)       \
  X(__half, 64, false, true, true, false, attn_fwd_sm90_fp16_hd64)                      \
  X(__half, 64, true, true, true, false, attn_fwd_sm90_fp16_hd64_window)                \
  X(__half, 128, false, true, true, false, attn_fwd_sm90_fp16_hd128)                    \
  X(__half, 128, true, true, true, false, attn_fwd_sm90_fp16_hd128_window)              \
  X(__half, 192, false, true, true, false, attn_fwd_sm90_fp16_hd192)                    \
  X(__half, 192, true, true, true, false, attn_fwd_sm90_fp16_hd192_window)              \
  X(__half, 256, false, true, true, false, attn_fwd_sm90_fp16_hd256)                    \
  X(__half, 256, true, true, true, false, attn_fwd_sm90_fp16_hd256_window)              \
  X(__nv_bfloat16, 64, false, true, true, true, attn_fwd_sm90_bf16_hd64_varlen)         \
  X(__nv_bfloat16, 64, true, true, true, true, attn_fwd_sm90_bf16_hd64_window_varlen)   \
  X(__nv_bfloat16, 128, false, true, true, true, attn_fwd_sm90_bf16_hd128_varlen)       \
  X(__nv_bfloat16, 128, true, true, true, true, attn_fwd_sm90_bf16_hd128_window_varlen) \
  X(__half, 64, false, true, true, true, attn_fwd_sm90_fp16_hd64_varlen)                \
  X(__half, 64, true, true, true, true, attn_fwd_sm90_fp16_hd64_window_varlen)          \
  X(__half, 128, false, true, true, true, attn_fwd_sm90_fp16_hd128_varlen)              \
  X(__half, 128, true, true, true, true, attn_fwd_sm90_fp16_hd128_window_varlen)        \
  X(__nv_bfloat16, 128, false, true, false, false, attn_fwd_sm90_bf16_hd128_nopingpong) \
  X(__nv_bfloat16, 128, false, false, true, false, attn_fwd_sm90_bf16_hd128_nooverlap)  \
  X(__nv_bfloat16, 128, false, false, false, false, attn_fwd_sm90_bf16_hd128_plain)
