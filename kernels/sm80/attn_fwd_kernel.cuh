// The portable (sm_80+) FlashAttention-2-class forward kernel. One CTA computes kBlockM query rows of
// one (sequence, head); its warps each own kWarpRows of them and walk the visible key tiles, last to
// first, keeping S, P and O in registers.
//
// Pipeline: the K and V tiles of the walk form one sequence K0, V0, K1, V1, ... streamed by cp.async
// through a ring of kStages shared-memory slots (tile t in slot t % kStages). Every tile is consumed
// behind a barrier; that barrier also proves the slot read kStages tiles ago is free, so the copy of
// tile t + kStages - 1 is issued right there and runs under the math of the next kStages - 1 tiles.
// With 2 stages V_j loads under Q K_j^T and K_{j+1} under the softmax and P V_j.
//
// Masking: tiles outside the causal/local window are never visited (KeyRange); only tiles that cross
// a window edge or the sequence end run applyMask. Softcap, window, varlen, sequsedK and LSE are
// run-time and uniform across the CTA.
#pragma once
#include <cstdint>

#include "attn_fwd_params.h"
#include "common/cp_async.cuh"
#include "sm80/epilogue.cuh"
#include "sm80/kernel_traits.cuh"
#include "sm80/mask.cuh"
#include "sm80/softmax.cuh"
#include "sm80/tile_load.cuh"
#include "sm80/warp_gemm.cuh"

namespace fa::sm80 {

/** Where sequence b's rows start and how long it is (dense or varlen, with sequsedK). */
struct SequenceInfo {
  int qStart;
  int kStart;
  int seqlenQ;
  int seqlenK;
  __device__ __forceinline__ SequenceInfo(const AttnFwdParams& p, int b) {
    if (p.cuSeqlensQ != nullptr) {
      const int32_t* cuQ = static_cast<const int32_t*>(p.cuSeqlensQ);
      const int32_t* cuK = static_cast<const int32_t*>(p.cuSeqlensK);
      qStart = cuQ[b];
      seqlenQ = cuQ[b + 1] - qStart;
      kStart = cuK[b];
      seqlenK = cuK[b + 1] - kStart;
    } else {
      qStart = 0;
      kStart = 0;
      seqlenQ = p.seqlenQ;
      seqlenK = p.seqlenK;
    }
    if (p.sequsedK != nullptr) seqlenK = static_cast<const int32_t*>(p.sequsedK)[b];
  }
};

template <class Cfg, class Elem>
__device__ __forceinline__ void attnFwdSm80(const AttnFwdParams& p) {
  constexpr int kBlockM = Cfg::kBlockM;
  constexpr int kBlockN = Cfg::kBlockN;
  constexpr int kStages = Cfg::kStages;
  constexpr int kMT = Cfg::kMTiles;
  constexpr int kNT = Cfg::kNTiles;
  constexpr int kDT = Cfg::kDTiles;
  using Gemm = WarpGemm<Cfg, Elem>;

  extern __shared__ __align__(128) char smem[];
  const int tid = threadIdx.x;
  const int lane = tid & 31;
  const int warpRow0 = (tid >> 5) * Cfg::kWarpRows;
  const int b = blockIdx.z;
  const int h = blockIdx.y;
  // Heaviest query blocks first: under a causal mask the last block sees the most keys, and starting
  // it first shortens the tail of the grid.
  const int mBlock = gridDim.x - 1 - blockIdx.x;

  const SequenceInfo seq(p, b);
  const int m0 = mBlock * kBlockM;
  if (m0 >= seq.seqlenQ) return;  // varlen: this sequence is shorter than the longest
  const int rowsValid = seq.seqlenQ - m0;
  const int hKV = h / (p.heads / p.headsKV);

  const uint16_t* gQ = static_cast<const uint16_t*>(p.q) + b * p.qBatchStride +
                       int64_t(seq.qStart + m0) * p.qRowStride + h * p.qHeadStride;
  const uint16_t* gK = static_cast<const uint16_t*>(p.k) + b * p.kBatchStride + int64_t(seq.kStart) * p.kRowStride +
                       hKV * p.kHeadStride;
  const uint16_t* gV = static_cast<const uint16_t*>(p.v) + b * p.vBatchStride + int64_t(seq.kStart) * p.vRowStride +
                       hKV * p.vHeadStride;

  const KeyRange<kBlockM, kBlockN> range(m0, seq.seqlenQ, seq.seqlenK, p.windowLeft, p.windowRight);


  const uint32_t qSmem = static_cast<uint32_t>(__cvta_generic_to_shared(smem));
  const uint32_t kvSmem = qSmem + Cfg::kQBytes;
  const TileLoader<Cfg, kBlockN> kvLoader(tid);

  // Tile t of the walk: K (t even) or V (t odd) of key block nBlockMax - 1 - t / 2, into slot t % kStages.
  // Past the end it commits an empty group, so the wait counts below hold to the last tile.
  auto issueTile = [&](int t) {
    const int nBlock = range.nBlockMax - 1 - (t >> 1);
    if (nBlock >= range.nBlockMin) {
      const bool isV = (t & 1) != 0;
      const int64_t stride = isV ? p.vRowStride : p.kRowStride;
      const uint16_t* g = (isV ? gV : gK) + int64_t(nBlock) * kBlockN * stride;
      kvLoader.load(kvSmem + (t % kStages) * Cfg::kKVTileBytes, g, stride, seq.seqlenK - nBlock * kBlockN, p.headDim);
    }
    cpAsyncCommitGroup();
  };

  TileLoader<Cfg, kBlockM>(tid).load(qSmem, gQ, p.qRowStride, rowsValid, p.headDim);
  cpAsyncCommitGroup();
#pragma unroll
  for (int t = 0; t < kStages - 1; ++t) issueTile(t);


  // The factor from the scores update() sees to log2 units: softcapped and non-positive-scale scores
  // are transformed in place (already log2 units); a positive scale is folded into each exponent.
  const float exponentScale = p.softcap > 0.f || !(p.scoreScaleLog2 > 0.f) ? 1.f : p.scoreScaleLog2;
  float o[kMT][kDT][4];
#pragma unroll
  for (int mt = 0; mt < kMT; ++mt)
#pragma unroll
    for (int dt = 0; dt < kDT; ++dt)
#pragma unroll
      for (int e = 0; e < 4; ++e) o[mt][dt][e] = 0.f;
  OnlineSoftmax<kMT, kNT, kDT, Cfg::kVoteRescale> softmax;

  // t counts tiles (two per key block); key blocks are walked from the last to the first.
  for (int nBlock = range.nBlockMax - 1, t = 0; nBlock >= range.nBlockMin; --nBlock, t += 2) {

    // ---- K_j: wait for it, free the slot V_{j-1} used, S = Q K_j^T ----
    // Groups after tile t: tiles t+1 .. t+kStages-2, so at most kStages-2 may still be in flight.
    cpAsyncWaitGroup<kStages - 2>();
    __syncthreads();
    issueTile(t + kStages - 1);
    float s[kMT][kNT][4];
    Gemm::qkT(s, qSmem, kvSmem + (t % kStages) * Cfg::kKVTileBytes, warpRow0, lane);
    if (p.softcap > 0.f) {
      softcapScores(s, p.softcapPreScale, p.scoreScaleLog2);
    } else if (!(p.scoreScaleLog2 > 0.f)) {
      scaleScores(s, p.scoreScaleLog2);
    }
    if (range.needsMask(nBlock)) {
      applyMask(s, m0 + warpRow0 + (lane >> 2) + seq.seqlenK - seq.seqlenQ, nBlock * kBlockN, lane, seq.seqlenK,
                p.windowLeft, p.windowRight);
    }

    // ---- V_j: wait for it, free the slot K_j used, softmax, O += P V_j ----
    cpAsyncWaitGroup<kStages - 2>();
    __syncthreads();
    issueTile(t + kStages);
    softmax.update(s, o, exponentScale);
    uint32_t pa[kMT][kNT / 2][4];
    Gemm::packP(pa, s);
    Gemm::pv(o, pa, kvSmem + ((t + 1) % kStages) * Cfg::kKVTileBytes, lane);
  }

  float lse[2 * kMT];
  softmax.finalize(o, lse, exponentScale);

  // Q's shared memory becomes O's staging area: every copy must have landed (a block with no
  // visible key never waited on Q) and every warp must be done reading Q.
  cpAsyncWaitGroup<0>();
  __syncthreads();
  uint16_t* gO = static_cast<uint16_t*>(p.out) + b * p.oBatchStride + int64_t(seq.qStart + m0) * p.oRowStride +
                 h * p.oHeadStride;
  float* gLse = p.lse == nullptr ? nullptr
                                 : static_cast<float*>(p.lse) + b * p.lseBatchStride + h * p.lseHeadStride +
                                       (seq.qStart + m0);
  Epilogue<Cfg, Elem>::store(o, lse, smem, gO, p.oRowStride, gLse, rowsValid, p.headDim, warpRow0, tid);
}

}  // namespace fa::sm80
