// Parameters of the attention forward kernels (portable sm80 family), passed by value as one
// `const __grid_constant__` struct. Shared with TypeScript: src/attention/sm80.ts writes the same
// layout, and the build emits sizeof/offsetof of every field (ATTN_FWD_PARAMS_FIELDS) so a test can
// compare the two. Plain host C++: fixed-width types only, every field naturally aligned.
#pragma once
#include <cstdint>

struct AttnFwdParams {
  // Dense: q [batch, seqlenQ, heads, headDim], k/v [batch, seqlenK, headsKV, headDim],
  // out [batch, seqlenQ, heads, headDim]. Varlen (cuSeqlensQ set): q/out [totalQ, heads, headDim],
  // k/v [totalK, headsKV, headDim], batch strides unused. Element [0, ...] addresses, 16-byte aligned.
  const void* q;
  const void* k;
  const void* v;
  void* out;
  // float32, natural log. Dense [batch, heads, seqlenQ]; varlen [heads, totalQ]. Null: not written.
  void* lse;
  // int32 [batch + 1] each, or both null (dense).
  const void* cuSeqlensQ;
  const void* cuSeqlensK;
  // int32 [batch]: sequence b uses only its first sequsedK[b] keys. Null: all keys.
  const void* sequsedK;
  // Strides in elements (multiples of 8 so every 16-byte chunk of a row is aligned).
  int64_t qBatchStride;
  int64_t qRowStride;
  int64_t qHeadStride;
  int64_t kBatchStride;
  int64_t kRowStride;
  int64_t kHeadStride;
  int64_t vBatchStride;
  int64_t vRowStride;
  int64_t vHeadStride;
  int64_t oBatchStride;
  int64_t oRowStride;
  int64_t oHeadStride;
  // LSE strides in elements; its row (query) stride is 1.
  int64_t lseBatchStride;
  int64_t lseHeadStride;
  int32_t batch;
  // Dense: the sequence lengths. Varlen: unused (read from cuSeqlensQ/K).
  int32_t seqlenQ;
  int32_t seqlenK;
  int32_t heads;
  int32_t headsKV;
  // The real head dim (multiple of 8, <= the kernel's compiled size); columns beyond it read as zero.
  int32_t headDim;
  // Local window [left, right], -1 = unbounded; causal is right = 0. Query i sees keys j with
  // i + seqlenK - seqlenQ - left <= j <= i + seqlenK - seqlenQ + right.
  int32_t windowLeft;
  int32_t windowRight;
  float softmaxScale;
  // > 0: the scaled score s becomes softcap * tanh(s / softcap). 0: off.
  float softcap;
  // Derived on the host so the kernel reads them from the constant bank instead of holding them in
  // registers: scores are kept in log2 units. Without softcap: s_log2 = q.k * scoreScaleLog2 with
  // scoreScaleLog2 = softmaxScale * log2(e). With softcap: s_log2 = scoreScaleLog2 * tanh(q.k *
  // softcapPreScale), scoreScaleLog2 = softcap * log2(e), softcapPreScale = softmaxScale / softcap.
  float scoreScaleLog2;
  float softcapPreScale;
};

#define ATTN_FWD_PARAMS_FIELDS(X)                                                                      \
  X(q) X(k) X(v) X(out) X(lse) X(cuSeqlensQ) X(cuSeqlensK) X(sequsedK) X(qBatchStride) X(qRowStride)   \
  X(qHeadStride) X(kBatchStride) X(kRowStride) X(kHeadStride) X(vBatchStride) X(vRowStride)            \
  X(vHeadStride) X(oBatchStride) X(oRowStride) X(oHeadStride) X(lseBatchStride) X(lseHeadStride)       \
  X(batch) X(seqlenQ) X(seqlenK) X(heads) X(headsKV) X(headDim) X(windowLeft) X(windowRight)           \
  X(softmaxScale) X(softcap) X(scoreScaleLog2) X(softcapPreScale)
