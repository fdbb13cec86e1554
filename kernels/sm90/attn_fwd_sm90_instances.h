// THE table of Hopper forward kernels the build makes (one extern "C" entry each). The TypeScript
// launcher (src/attention/sm90.ts) derives the same names; a kernel missing here falls back to the
// portable path through supports(). Columns: element type, head dim, windowed (causal or local),
// intra-warpgroup overlap, pingpong, varlen (packed sequences, cuSeqlens), PackGQA (the headGroup
// query heads of one KV head share a tile, for short queries), entry name.
//
// 16 dense kernels (2 dtypes x head dims 64/128/192/256 x {full, windowed}), 8 varlen kernels
// (2 dtypes x head dims 64/128 x {full, windowed}; at 192 and 256 their consumers spill, see
// kernels/NOTES.md, so those go to the portable path), 3 ablation kernels at bf16 / hdim 128 (no
// pingpong, no overlap, neither) for measuring what each technique buys, and 14 PackGQA kernels
// (2 dtypes x head dims 64/128/192/256 x {full, windowed}, less windowed 256: with PackGQA its
// consumers spilled 28 B of stores and 44 B of loads under ptxas 13.0, 24 B of stack, so windowed
// GQA problems at head dim 256 keep the unpacked kernel; kernels/NOTES.md), 41 kernels; 12
// cluster kernels (ATTN_FWD_SM90_CLUSTER_INSTANCES below: 6 dense, 6 windowed) and 2 wide windowed
// head-dim-64 kernels (ATTN_FWD_SM90_WIDE_INSTANCES), 2 short dense head-dim-64 kernels
// (ATTN_FWD_SM90_SHORT_INSTANCES). 57 kernels in all.
// Other head dims (multiples of 8 up to 256) run on the next compiled one up.
#pragma once

// The Traits of a table row (kernels/sm90/attn_fwd_sm90_traits.h), for the build's entries and the
// checker's. PackGQA splits a tile's rows into headGroup heads of R = kBlockM / headGroup rows with
// shifts, R a multiple of the 8-row swizzle atom, so it needs kBlockM = 128, two consumer
// warpgroups (192 / headGroup is no power of two): the non-windowed head-dim-64 kernel has three
// by default, so its packed twin overrides the count to 2. For every other row the override is 0,
// the default, so those kernels are the same template instances as before the column existed.
#define ATTN_FWD_SM90_TRAITS(Element, kHeadDim, kWindowed, kOverlap, kPingpong, kVarlen, kPackGqa)        \
  fa::sm90::Traits<Element, kHeadDim, kWindowed, kOverlap, kPingpong, true, 0, 0, true, (kPackGqa) ? 2 : 0, \
                   kVarlen, 0, 0, true, kPackGqa>

#define ATTN_FWD_SM90_INSTANCES(X)                                                               \
  X(__nv_bfloat16, 64, false, true, true, false, false, attn_fwd_sm90_bf16_hd64)                 \
  X(__nv_bfloat16, 64, true, true, true, false, false, attn_fwd_sm90_bf16_hd64_window)           \
  X(__nv_bfloat16, 128, false, true, true, false, false, attn_fwd_sm90_bf16_hd128)               \
  X(__nv_bfloat16, 128, true, true, true, false, false, attn_fwd_sm90_bf16_hd128_window)         \
  X(__nv_bfloat16, 192, false, true, true, false, false, attn_fwd_sm90_bf16_hd192)               \
  X(__nv_bfloat16, 192, true, true, true, false, false, attn_fwd_sm90_bf16_hd192_window)         \
  X(__nv_bfloat16, 256, false, true, true, false, false, attn_fwd_sm90_bf16_hd256)               \
  X(__nv_bfloat16, 256, true, true, true, false, false, attn_fwd_sm90_bf16_hd256_window)         \
  X(__half, 64, false, true, true, false, false, attn_fwd_sm90_fp16_hd64)                        \
  X(__half, 64, true, true, true, false, false, attn_fwd_sm90_fp16_hd64_window)                  \
  X(__half, 128, false, true, true, false, false, attn_fwd_sm90_fp16_hd128)                      \
  X(__half, 128, true, true, true, false, false, attn_fwd_sm90_fp16_hd128_window)                \
  X(__half, 192, false, true, true, false, false, attn_fwd_sm90_fp16_hd192)                      \
  X(__half, 192, true, true, true, false, false, attn_fwd_sm90_fp16_hd192_window)                \
  X(__half, 256, false, true, true, false, false, attn_fwd_sm90_fp16_hd256)                      \
  X(__half, 256, true, true, true, false, false, attn_fwd_sm90_fp16_hd256_window)                \
  X(__nv_bfloat16, 64, false, true, true, true, false, attn_fwd_sm90_bf16_hd64_varlen)           \
  X(__nv_bfloat16, 64, true, true, true, true, false, attn_fwd_sm90_bf16_hd64_window_varlen)     \
  X(__nv_bfloat16, 128, false, true, true, true, false, attn_fwd_sm90_bf16_hd128_varlen)         \
  X(__nv_bfloat16, 128, true, true, true, true, false, attn_fwd_sm90_bf16_hd128_window_varlen)   \
  X(__half, 64, false, true, true, true, false, attn_fwd_sm90_fp16_hd64_varlen)                  \
  X(__half, 64, true, true, true, true, false, attn_fwd_sm90_fp16_hd64_window_varlen)            \
  X(__half, 128, false, true, true, true, false, attn_fwd_sm90_fp16_hd128_varlen)                \
  X(__half, 128, true, true, true, true, false, attn_fwd_sm90_fp16_hd128_window_varlen)          \
  X(__nv_bfloat16, 128, false, true, false, false, false, attn_fwd_sm90_bf16_hd128_nopingpong)   \
  X(__nv_bfloat16, 128, false, false, true, false, false, attn_fwd_sm90_bf16_hd128_nooverlap)    \
  X(__nv_bfloat16, 128, false, false, false, false, false, attn_fwd_sm90_bf16_hd128_plain)       \
  X(__nv_bfloat16, 64, false, true, true, false, true, attn_fwd_sm90_bf16_hd64_packgqa)          \
  X(__nv_bfloat16, 64, true, true, true, false, true, attn_fwd_sm90_bf16_hd64_window_packgqa)    \
  X(__nv_bfloat16, 128, false, true, true, false, true, attn_fwd_sm90_bf16_hd128_packgqa)        \
  X(__nv_bfloat16, 128, true, true, true, false, true, attn_fwd_sm90_bf16_hd128_window_packgqa)  \
  X(__nv_bfloat16, 192, false, true, true, false, true, attn_fwd_sm90_bf16_hd192_packgqa)        \
  X(__nv_bfloat16, 192, true, true, true, false, true, attn_fwd_sm90_bf16_hd192_window_packgqa)  \
  X(__nv_bfloat16, 256, false, true, true, false, true, attn_fwd_sm90_bf16_hd256_packgqa)        \
  X(__half, 64, false, true, true, false, true, attn_fwd_sm90_fp16_hd64_packgqa)                 \
  X(__half, 64, true, true, true, false, true, attn_fwd_sm90_fp16_hd64_window_packgqa)           \
  X(__half, 128, false, true, true, false, true, attn_fwd_sm90_fp16_hd128_packgqa)               \
  X(__half, 128, true, true, true, false, true, attn_fwd_sm90_fp16_hd128_window_packgqa)         \
  X(__half, 192, false, true, true, false, true, attn_fwd_sm90_fp16_hd192_packgqa)               \
  X(__half, 192, true, true, true, false, true, attn_fwd_sm90_fp16_hd192_window_packgqa)         \
  X(__half, 256, false, true, true, false, true, attn_fwd_sm90_fp16_hd256_packgqa)

// Kernels with clusters of two CTAs that share each K/V block through TMA multicast
// (Traits::kClusterSize; FA3's ClusterM = 2): head dims 128, 192 and 256, not varlen or PackGQA.
// Dense: measured on the H200 (kernels/NOTES.md, "Session 8"), +2-4% at 8k-16k keys, level at
// 2k, -3% at head dim 128 and 512, and -3% to -22% at head dim 64 at any length but 16k, so the
// host takes them for long keys only (sm90UsesCluster in src/attention/sm90.ts). Windowed (session
// 14; FA3 does not cluster causal): both CTAs of a pair of adjacent query blocks walk the union of
// their key ranges (keyBlockRange), the lower block masking the one block above its diagonal;
// on the H100, causal +1-5% (head dim 128), +1-4% (192) and +4-8% (256) at 8k-16k keys, level at
// 4k, -1% to -10% below, so the host rule takes them without a left window edge from
// SM90_WINDOW_CLUSTER_MIN_SEQLEN_K keys on (SM90_WINDOW_CLUSTER_DISPATCH, on since the GPU test
// suite ran them through the launcher, session 15). Declared with __cluster_dims__(2, 1, 1): the grid is a
// whole number of clusters. Columns: element type, head dim, windowed, entry name.
#define ATTN_FWD_SM90_CLUSTER_TRAITS(Element, kHeadDim, kWindowed)                                                 \
  fa::sm90::Traits<Element, kHeadDim, kWindowed, true, true, true, 0, 0, true, 0, false, 0, 0, true, false, false, 0, \
                   false, 0, 0, 0, 2>

#define ATTN_FWD_SM90_CLUSTER_INSTANCES(X)                                \
  X(__nv_bfloat16, 128, false, attn_fwd_sm90_bf16_hd128_cluster)        \
  X(__nv_bfloat16, 192, false, attn_fwd_sm90_bf16_hd192_cluster)        \
  X(__nv_bfloat16, 256, false, attn_fwd_sm90_bf16_hd256_cluster)        \
  X(__half, 128, false, attn_fwd_sm90_fp16_hd128_cluster)               \
  X(__half, 192, false, attn_fwd_sm90_fp16_hd192_cluster)               \
  X(__half, 256, false, attn_fwd_sm90_fp16_hd256_cluster)               \
  X(__nv_bfloat16, 128, true, attn_fwd_sm90_bf16_hd128_window_cluster) \
  X(__nv_bfloat16, 192, true, attn_fwd_sm90_bf16_hd192_window_cluster) \
  X(__nv_bfloat16, 256, true, attn_fwd_sm90_bf16_hd256_window_cluster) \
  X(__half, 128, true, attn_fwd_sm90_fp16_hd128_window_cluster)        \
  X(__half, 192, true, attn_fwd_sm90_fp16_hd192_window_cluster)        \
  X(__half, 256, true, attn_fwd_sm90_fp16_hd256_window_cluster)

// Windowed head-dim-64 kernels with three consumer warpgroups (192 x 96 tiles) and FA3's loop
// arrangement (Traits::kFa3Loop), for long causal problems: measured in the checker on the H100
// (kernels/NOTES.md, "Session 13"), +3-10% at 8k-16k over the two-warpgroup kernel, level at 2k
// and -26-29% at 512 (a 192-row tile wastes rows and pairs badly on short sequences), so the host
// takes them from SM90_WIDE_MIN_SEQLEN_Q query rows on and without a left window edge
// (sm90UsesWide in src/attention/sm90.ts). kBlockN 96 because 128 spilled 24 B at 160 registers
// per consumer thread (ptxas 13.0). Columns: element type, entry name.
#define ATTN_FWD_SM90_WIDE_TRAITS(Element) \
  fa::sm90::Traits<Element, 64, true, true, true, true, 96, 0, true, 3>

#define ATTN_FWD_SM90_WIDE_INSTANCES(X)                  \
  X(__nv_bfloat16, attn_fwd_sm90_bf16_hd64_window_wide) \
  X(__half, attn_fwd_sm90_fp16_hd64_window_wide)

// Dense head-dim-64 kernels for short keys (three consumer warpgroups, 192 x 128 tiles, as the
// `attn_fwd_sm90_*_hd64` kernels) with FlashAttention-3's loop arrangement (Traits::kFa3Loop's
// settings, spelled out: one P set, warpgroup 0 alone waits on K/V, a warp-uniform warpgroup index,
// no branch in the steady loop) and early Q release (the next tile's Q loads under this tile's last
// softmax and P V; Traits::kBoundaryMode 1, as the dense one-CTA head-dim-128 kernels). Measured on
// the H100 (kernels/NOTES.md, "Session 16"): +3% at 512 keys, +6% at 1k, level at 2k against the
// three-warpgroup kernel; FA3's loop alone measured -1% to -3% at 8k-16k there (session 13), so
// the host takes these from SM90_SHORT_MAX_SEQLEN_K keys down (sm90UsesShort in
// src/attention/sm90.ts), dense, not varlen or packed. The checker measures the same instances.
// Traits arguments past the column list: P sets 1, wait mode 1 + 2, warp specialized, no PackGQA,
// no lean mask, eager rescale, no speculation, default maximum, boundary 1 + early Q release, row
// sums as usual, no cluster, issue bits 2 (uniform warpgroup index), default order, loop 1 + bits
// 6 (no steady mask test, softcap per tile). Columns: element type, entry name.
#define ATTN_FWD_SM90_SHORT_TRAITS(Element)                                                                         \
  fa::sm90::Traits<Element, 64, false, true, true, true, 0, 0, true, 0, false, 1, 3, true, false, false, 0, false, 0, 2, \
                   0, 0, 2, 0, 7>

#define ATTN_FWD_SM90_SHORT_INSTANCES(X)         \
  X(__nv_bfloat16, attn_fwd_sm90_bf16_hd64_short) \
  X(__half, attn_fwd_sm90_fp16_hd64_short)
