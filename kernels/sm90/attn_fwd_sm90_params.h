// Parameters of the Hopper attention forward kernels (kernels/attn_fwd_sm90.cu), passed by value as
// one `const __grid_constant__` struct. Shared with TypeScript: src/attention/sm90.ts writes the
// same layout, and the build emits sizeof/offsetof of every field (ATTN_FWD_SM90_PARAMS_FIELDS) so
// a test compares the two. Plain host C++: fixed-width types only, every field naturally aligned.
#pragma once
#include <cstdint>
#include "common/tensor_map_bytes.h"

struct AttnFwdSm90Params {
  // Rank-4 TMA views of q/k/v/out [batch, seqlen, heads, headDim] (dims innermost first):
  // {headDim, seqlen, heads, batch} with the real headDim, byte strides {row, head, batch}, 128-byte
  // swizzle, box {64, rows, 1, 1}. The kernel issues one box per 64-column chunk (x = 64 c), which
  // lands as a [rows x 128 B] chunk (the wgmma K-major layout); columns >= headDim read as zeros and
  // are not stored, so a head dim that is not a multiple of 64 runs on the next kernel up.
  // q box rows kBlockM; k and v kBlockN; out 64 (each consumer warpgroup stores its 64 rows).
  // Varlen (the _varlen kernels): q/k/v/out are packed [total, heads, headDim] and their maps
  // {headDim, total, heads, 1}; sequence b is rows [cuSeqlens[b], cuSeqlens[b + 1]).
  TensorMapBytes tmQ;
  TensorMapBytes tmK;
  TensorMapBytes tmV;
  TensorMapBytes tmO;
  // float32, natural log: dense [batch, heads, seqlenQ], varlen [heads, totalQ] (lseBatchStride 0);
  // query stride 1. Null: not written.
  float* lse;
  int64_t lseBatchStride;  // elements
  int64_t lseHeadStride;   // elements
  // Varlen only (null in dense launches): int32 [batch + 1] cumulative query and key rows, and
  // int32 [batch] keys used by each sequence (null: all of cuSeqlensK's).
  const int32_t* cuSeqlensQ;
  const int32_t* cuSeqlensK;
  const int32_t* sequsedK;
  // out [.., heads, headDim] element 0 and its strides in elements (multiples of 8), for the plain
  // stores of varlen tiles whose 64-row box would reach into the next sequence.
  void* out;
  int64_t oRowStride;
  int64_t oHeadStride;
  int32_t batch;
  // Dense: the sequence lengths. Varlen: total rows (the kernels read lengths from cuSeqlens).
  int32_t seqlenQ;
  int32_t seqlenK;
  int32_t heads;
  // heads / headsKV: query head h reads KV head h / headGroup (GQA/MQA).
  int32_t headGroup;
  // The real head dim (a multiple of 8, at most the kernel's); plain stores skip columns past it.
  int32_t headDim;
  // Local window [left, right], -1 = unbounded; causal is [-1, 0]. Query i sees keys j with
  // i + seqlenK - seqlenQ - left <= j <= i + seqlenK - seqlenQ + right (varlen: each sequence's
  // own lengths, seqlenK after sequsedK). Read only by the windowed kernels.
  int32_t windowLeft;
  int32_t windowRight;
  // exp2 domain: p = exp2(s * scoreScaleLog2 - max * scoreScaleLog2). Without softcap s = q.k and
  // scoreScaleLog2 = softmaxScale * log2(e); with softcap s = tanh(q.k * softcapPreScale) with
  // softcapPreScale = softmaxScale / softcap and scoreScaleLog2 = softcap * log2(e).
  float scoreScaleLog2;
  // 0: no softcap.
  float softcapPreScale;
  // Dynamic tile hand-out (Traits::kDynamicTiles, checker experiments): two int32 words, zero at
  // launch and left zero by the kernel (tile_scheduler.cuh, DynamicTileSearch); one pair per
  // stream. Null for every other kernel.
  int32_t* tileCounter;
};

#define ATTN_FWD_SM90_PARAMS_FIELDS(X)                                                                   \
  X(tmQ) X(tmK) X(tmV) X(tmO) X(lse) X(lseBatchStride) X(lseHeadStride) X(cuSeqlensQ) X(cuSeqlensK)     \
  X(sequsedK) X(out) X(oRowStride) X(oHeadStride) X(batch) X(seqlenQ) X(seqlenK) X(heads) X(headGroup) \
  X(headDim) X(windowLeft) X(windowRight) X(scoreScaleLog2) X(softcapPreScale) X(tileCounter)
