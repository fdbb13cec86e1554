// Consumer warpgroups of the Hopper forward: each owns 64 query rows and keeps S, P and O in
// registers. S = Q K^T is an SS wgmma (both operands K-major in shared memory); O += P V is an RS
// wgmma (P from registers, V read MN-major with trans-b). Softmax in the exp2 domain.
#pragma once
#include <type_traits>
#include "common/fast_math.cuh"
#include "common/mbarrier.cuh"
#include "common/warpgroup.cuh"
#include "common/wgmma.cuh"
#include "sm90/attn_fwd_sm90_params.h"
#include "sm90/attn_fwd_sm90_traits.h"
#include "sm90/mask.cuh"
#include "sm90/softmax.cuh"
#include "sm90/tile_scheduler.cuh"
#include "sm90/trace.cuh"

namespace fa::sm90 {

template <typename Element>
__device__ __forceinline__ uint32_t packPair(float lo, float hi);
template <>
__device__ __forceinline__ uint32_t packPair<__nv_bfloat16>(float lo, float hi) {
  return packBfloat162(lo, hi);
}
template <>
__device__ __forceinline__ uint32_t packPair<__half>(float lo, float hi) {
  return packHalf2(lo, hi);
}

// Where the consumer frees a Q or K/V slot, it calls the matching hook of its Loads, which refills
// the slot when the consumers issue the loads themselves (Traits::kWarpSpecialized = false:
// ConsumerIssuedLoads, mainloop_producer.cuh). With a producer warpgroup the hooks do nothing.
template <class T>
struct NoLoads {
  __device__ __forceinline__ NoLoads(const AttnFwdSm90Params&, const SharedTiles<T>&, int) {}
  __device__ __forceinline__ void prologue() {}
  __device__ __forceinline__ void refillK() {}
  __device__ __forceinline__ void refillV() {}
  __device__ __forceinline__ void refillQ() {}
};

template <class T, class Loads = NoLoads<T>>
struct MainloopConsumer {
  using Element = typename T::Element;
  static constexpr int kAccS = T::kBlockN / 2;   // S fragment: 64 x kBlockN f32 over 128 threads
  static constexpr int kAccO = T::kHeadDim / 2;  // O fragment: 64 x headDim
  static constexpr int kQkSteps = T::kHeadDim / 16;
  static constexpr int kPvSteps = T::kBlockN / 16;
  using Softmax = OnlineSoftmax<kAccS, T::kRescaleMode, T::kSplitMax, T::kNoFaddRowSum, T::kRowSumChains,
                                T::kPolyExpOf8, T::kPolyExpDegree>;
  static constexpr uint32_t kRowBytes = 128;              // one swizzled chunk row
  static constexpr uint32_t kSwizzleAtomBytes = 8 * 128;  // 8 rows: the SBO of every descriptor here

  const AttnFwdSm90Params& p;
  const SharedTiles<T>& smem;
  Loads& loads;
  int wg;         // consumer warpgroup 0 .. T::kConsumerWarpgroups - 1
  int tid;        // thread in the warpgroup
  int rowInWg;    // r = 16 * warp + lane / 4: this thread's rows are r and r + 8
  int colInBlock; // 2 * (lane % 4): its first column in each group of 8
  // Low descriptor words (wgmmaDescriptorLow128B) of this warpgroup's Q rows and of K and V stage
  // 0, made once: each GEMM step's descriptor is then one add to them (the high words are constants).
  uint32_t descQLow;
  // T::kStreamTiles: the Q tile of the current tile (two alternate) and its descriptor word.
  mutable uint32_t qBuf = 0;
  mutable uint32_t descQCur = 0;
  uint32_t descKLow;
  uint32_t descVLow;
  uint32_t descPLow = 0;  // T::kPFromSmem: this warpgroup's P tile
  static constexpr uint32_t kDescHigh = wgmmaDescriptorHigh128B(kSwizzleAtomBytes);

  __device__ __forceinline__ MainloopConsumer(const AttnFwdSm90Params& p_, const SharedTiles<T>& smem_, int wg_,
                                              Loads& loads_)
      : p(p_), smem(smem_), loads(loads_), wg(wg_) {
    tid = threadIdx.x % 128;
    rowInWg = 16 * (tid / 32) + (tid % 32) / 4;
    colInBlock = 2 * (tid % 4);
    descQLow = wgmmaDescriptorLow128B(smemAddress(smem.q) + wg * T::kRowsPerWarpgroup * kRowBytes, 16);
    descKLow = wgmmaDescriptorLow128B(smemAddress(smem.k), 16);
    descVLow = wgmmaDescriptorLow128B(smemAddress(smem.v), T::kBlockN * kRowBytes);
    if constexpr (T::kPFromSmem) descPLow = wgmmaDescriptorLow128B(smemAddress(smem.p) + wg * T::kPWgBytes, 16);
  }

  // S = Q_wg K^T over the stage's first kCols keys (kBlockN but for Traits::kHalfDiagonal's narrow
  // GEMM, whose m64n(N/2) fragment is the first half of the m64nN one: its caller passes the first
  // half of s; the same descriptors, the narrower B reads the first rows of each chunk). K-major,
  // 128B swizzle: a k16 step is +32 B inside a chunk, then the next chunk.
  template <int kCols = T::kBlockN>
  __device__ __forceinline__ void gemmQK(float (&s)[kCols / 2], int kStage) const {
    const uint32_t k = descKLow + kStage * (T::kKBytes >> 4);
    const uint32_t q = T::kStreamTiles ? descQCur : descQLow;
#pragma unroll
    for (int kk = 0; kk < kQkSteps; ++kk) {
      Wgmma<kCols, Element>::ss(s, kMajorStep(q, kk, T::kBlockM), kMajorStep(k, kk, T::kBlockN), kk > 0 ? 1u : 0u);
    }
  }

  // The descriptor of k16 step kk of a K-major, 128B-swizzled operand of chunkRows rows per
  // 64-column chunk whose low word at step 0 is `low`: +32 B inside a chunk, then the next chunk.
  __device__ __forceinline__ static uint64_t kMajorStep(uint32_t low, int kk, int chunkRows) {
    return wgmmaDescriptorFromWords(low + (((kk / 4) * (chunkRows * kRowBytes) + (kk % 4) * 32) >> 4), kDescHigh);
  }

  // O += P V (O = P V where accumulate is 0: the tile's first P V under
  // T::kNextTileBeforeEpilogue, which never zeroes O). V [keys][headDim] row-major is the MN-major
  // B: LBO = next 64 columns (chunk), SBO = next 8 keys, a k16 step (16 keys) = +2048 B.
  // kSteps: the first kSteps k16 steps only (Traits::kHalfDiagonal's half P V: P is 0 above them).
  template <int kSteps = kPvSteps>
  __device__ __forceinline__ void gemmPV(float (&o)[kAccO], const uint32_t (&pa)[kPvSteps][4], int vStage,
                                         uint32_t accumulate) const {
    const uint32_t v = descVLow + vStage * (T::kVBytes >> 4);
#pragma unroll
    for (int kk = 0; kk < kSteps; ++kk) {
      const uint64_t descV = wgmmaDescriptorFromWords(v + ((kk * 16 * kRowBytes) >> 4), kDescHigh);
      if constexpr (T::kPFromSmem) {
        // P [64 rows][keys] K-major from this warpgroup's tile (storeP), addressed as Q is in gemmQK.
        Wgmma<T::kHeadDim, Element>::ssTransB(o, kMajorStep(descPLow, kk, T::kRowsPerWarpgroup), descV,
                                              kk > 0 ? 1u : accumulate);
      } else {
        Wgmma<T::kHeadDim, Element>::rsTransB(o, pa[kk], descV, kk > 0 ? 1u : accumulate);
      }
    }
  }

  // Traits::kOnesRowSum (a timing diagnostic): rs = P times a [kBlockN x 8] block of ones, one
  // m64n8k16 per k16 step, read from 128 bytes at the O tile (no swizzle, both strides 0: every core
  // matrix is the same 128 bytes; their values do not matter for timing).
  __device__ __forceinline__ void gemmOnes(float (&rs)[4], const uint32_t (&pa)[kPvSteps][4]) const {
    const uint64_t descOnes = wgmmaDescriptorFromWords((smemAddress(smem.o) & 0x3FFFF) >> 4, 0u);
#pragma unroll
    for (int kk = 0; kk < kPvSteps; ++kk) Wgmma<8, Element>::rsTransB(rs, pa[kk], descOnes, kk > 0 ? 1u : 0u);
  }
  __device__ __forceinline__ void sinkOnes(const float (&rs)[4]) const {
    keepFloatsLive(rs, smemAddress(smem.o), p.batch < 0);
  }

  // The accumulator of a 64 x 16 slice is exactly the A-operand fragment: no shuffles for 16-bit P.
  // T::kPFromSmem: P goes to this warpgroup's shared tile instead (storeP), and pa stays unused.
  __device__ __forceinline__ void convertP(uint32_t (&pa)[kPvSteps][4], const float (&s)[kAccS]) const {
    if constexpr (T::kPFromSmem) {
      storeP(s);
    } else {
#pragma unroll
      for (int kk = 0; kk < kPvSteps; ++kk)
#pragma unroll
        for (int i = 0; i < 4; ++i) pa[kk][i] = packPair<Element>(s[8 * kk + 2 * i], s[8 * kk + 2 * i + 1]);
    }
  }

  // T::kPFromSmem: P (16-bit) into this warpgroup's [ceil(kBlockN / 64)][64][128 B] tile, written as
  // storeOutput writes O (swizzledOffset128B: conflict-free 4-byte stores), then made visible to
  // the async proxy and to the warpgroup's other warps before its P V reads it.
  // The caller has waited for the previous P V (wait_group 0), which read this tile.
  __device__ __forceinline__ void storeP(const float (&s)[kAccS]) const {
    const uint32_t tileP = smemAddress(smem.p) + wg * T::kPWgBytes;
#pragma unroll
    for (int j = 0; j < T::kBlockN / 8; ++j)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const uint32_t off = swizzledOffset128B(rowInWg + 8 * h, 8 * j + colInBlock, T::kRowsPerWarpgroup);
        storeShared32(tileP + off, packPair<Element>(s[4 * j + 2 * h], s[4 * j + 2 * h + 1]));
      }
    fenceProxyAsyncShared();
    namedBarrierSync(kBarrierEpilogueWg0 + wg, 128);
  }

  // One thread per warpgroup releases a stage; the wgmma that read it has completed (wait_group).
  // Clusters: K and V stages are written by every CTA's multicast, so thread r of the warpgroup
  // releases the stage to the producer of CTA r (releaseShared).
  __device__ __forceinline__ void release(uint64_t* emptyBar) const {
    if (tid == 0) mbarrierArrive(emptyBar);
  }
  __device__ __forceinline__ void releaseShared(uint64_t* emptyBar) const {
    if constexpr (T::kClusterSize == 1) {
      release(emptyBar);
    } else {
      if (tid < T::kClusterSize) mbarrierArriveCluster(emptyBar, static_cast<uint32_t>(tid));
    }
  }

  // With a separate O tile, or O written over the V stages (T::kOInV), Q is free once this
  // warpgroup's last S GEMM has completed (its wait covers the whole warpgroup); otherwise the
  // epilogue frees it after the O store.
  __device__ __forceinline__ void releaseQ() const {
    if constexpr (T::kStreamTiles) {
      release(smem.emptyQ + qBuf);
    } else if constexpr (T::kSeparateO || T::kOInV) {
      release(smem.emptyQ);
    }
  }

  // T::kStreamTiles: the tile of CTA iteration `iteration` reads Q tile iteration % 2.
  __device__ __forceinline__ void selectQ(uint32_t iteration) const {
    qBuf = iteration % T::kQBuffers;
    descQCur = descQLow + qBuf * (T::kQBytes >> 4);
  }

  // Pingpong: this warpgroup's turn to issue GEMMs, and handing the turn to the next one (round
  // robin over the consumer warpgroups).
  __device__ __forceinline__ void schedulerSync() const {
    if constexpr (T::kPingpong) namedBarrierSync(kBarrierSchedulerWg0 + wg, 2 * 128);
  }
  __device__ __forceinline__ void schedulerArrive() const {
    if constexpr (T::kPingpong) {
      namedBarrierArrive(kBarrierSchedulerWg0 + (wg + 1 == T::kConsumerWarpgroups ? 0 : wg + 1), 2 * 128);
    }
  }

  // kCap: 0 test the softcap here, 1 apply it, 2 none (T::kSoftcapOutsideLoop chose per tile);
  // kMayMask false: the block cannot need the mask (T::kSteadyMaskTest).
  template <int kCap = 0, bool kMayMask = true>
  __device__ __forceinline__ void scoreMod(float (&s)[kAccS], int n, const ScoreMask<T>& mask) const {
    if constexpr (kCap == 1) {
      applySoftcap(s, p.softcapPreScale);
    } else if constexpr (kCap == 0) {
      if (p.softcapPreScale != 0.f) applySoftcap(s, p.softcapPreScale);
    }
    if constexpr (kMayMask) {
      if (mask.needed(n)) mask.apply(s, n, colInBlock);
    }
  }

  // Block n's S GEMM has completed (the caller waited): free its K stage (and Q after the tile's
  // last S GEMM, `lastS`, with T::kEarlyQRelease), then the score modifiers.
  template <int kCap = 0, bool kMayMask = true>
  __device__ __forceinline__ void scoresReady(int n, float (&s)[kAccS], PipelineState<T::kStages>& ks,
                                              const ScoreMask<T>& mask, bool lastS) const {
    registerFence(s);
    FA_SM90_TRACE_EVENT(kTraceSReady, n);
    releaseShared(&smem.emptyK[ks.stage]);
    if constexpr (T::kEarlyQRelease) {
      if (lastS) releaseQ();
    }
    ks.advance();
    loads.refillK();
    scoreMod<kCap, kMayMask>(s, n, mask);
  }

  // scoresReady, then the online softmax (kFirst: the tile's first block, nothing to rescale).
  // Returns whether O must be rescaled by oScale (OnlineSoftmax::update).
  template <bool kFirst, int kCap = 0, bool kMayMask = true>
  __device__ __forceinline__ bool softmaxOfBlock(int n, float (&s)[kAccS], float (&oScale)[2],
                                                 Softmax& softmax, PipelineState<T::kStages>& ks,
                                                 const ScoreMask<T>& mask, bool lastS) const {
    scoresReady<kCap, kMayMask>(n, s, ks, mask, lastS);
    return softmax.template update<kFirst>(s, oScale);
  }

  // softmaxOfBlock<false> followed by packing P into pa, in one pass (Traits::kSpeculativeExp).
  template <int kCap = 0, bool kMayMask = true>
  __device__ __forceinline__ bool softmaxOfBlockInto(int n, float (&s)[kAccS], uint32_t (&pa)[kPvSteps][4],
                                                     float (&oScale)[2], Softmax& softmax,
                                                     PipelineState<T::kStages>& ks, const ScoreMask<T>& mask,
                                                     bool lastS) const {
    scoresReady<kCap, kMayMask>(n, s, ks, mask, lastS);
    return softmax.updateSpeculative(s, pa, oScale, [](float lo, float hi) { return packPair<Element>(lo, hi); });
  }

  // One steady-state key block n (intra-warpgroup overlap): in this warpgroup's turn, S = Q K_n^T
  // and O += P_{n+1} V_{n+1} (P from `cur`); then block n's softmax while that P V runs; then O is
  // rescaled once the P V has completed. Block n's P goes to `next`: with two P sets (`kTwoSets`,
  // `next` is the other set) right after the softmax, under the P V; with one (`next` is `cur`)
  // only after the P V has completed.
  // With T::kRescaleInTurn, O's rescale for the previous block's maxima (`pending`, factors
  // pendScale) runs in this block's turn between the two GEMMs, and this block's is left pending.
  template <bool kTwoSets, int kCap, bool kMayMask = T::kSteadyMaskTest, bool kHalfPV = false>
  __device__ __forceinline__ void steadyBlock(int n, float (&s)[kAccS], float (&o)[kAccO],
                                              const uint32_t (&cur)[kPvSteps][4], uint32_t (&next)[kPvSteps][4],
                                              Softmax& softmax, PipelineState<T::kStages>& ks,
                                              PipelineState<T::kStages>& vs, const ScoreMask<T>& mask,
                                              bool lastS, uint32_t accumulate, float (&pendScale)[2], bool& pending) const {
    float oScale[2];
    // Traits::kWaitVBeforeTurn / kOnlyFirstWarpgroupWaits say where the K and V waits go.
    const bool waits = !T::kOnlyFirstWarpgroupWaits || wg == 0;
    FA_SM90_TRACE_EVENT(kTraceKWaitFull, n);
    if (waits) mbarrierWait<T::kWaitSuspendNs>(&smem.fullK[ks.stage], ks.phase);
    if constexpr (T::kWaitVBeforeTurn) {
      if (waits) mbarrierWait<T::kWaitSuspendNs>(&smem.fullV[vs.stage], vs.phase);
    }
    schedulerSync();
    FA_SM90_TRACE_EVENT(kTraceTurn, n);
    wgmmaFence();
    gemmQK(s, ks.stage);
    wgmmaCommitGroup();
    if constexpr (T::kRescaleInTurn) {
      if (pending) rescaleRows(o, pendScale);
    }
    if constexpr (!T::kWaitVBeforeTurn) {
      FA_SM90_TRACE_EVENT(kTraceVWaitFull, n + 1);
      if (waits) mbarrierWait<T::kWaitSuspendNs>(&smem.fullV[vs.stage], vs.phase);
      wgmmaFence();  // the wait loop above is a branch: ptxas wants the fence again before P is read
    } else if constexpr (T::kRescaleInTurn) {
      wgmmaFence();  // O's rescale above is read by the P V below
    }
    // kHalfPV (Traits::kHalfDiagonal): `cur` is a tile's first P, of a narrow first S GEMM.
    gemmPV<kHalfPV ? kPvSteps / 2 : kPvSteps>(o, cur, vs.stage, accumulate);
    float rs[4];
    if constexpr (T::kOnesRowSum) gemmOnes(rs, cur);
    wgmmaCommitGroup();
    schedulerArrive();
    FA_SM90_TRACE_EVENT(kTraceGemmsIssued, n);
    wgmmaWaitGroup<1>();  // S is done (the older group); P V may still run
    bool rescale;
    if constexpr (kTwoSets && T::kSpeculativeExp) {
      rescale = softmaxOfBlockInto<kCap, kMayMask>(n, s, next, oScale, softmax, ks, mask, lastS);
    } else {
      rescale = softmaxOfBlock<false, kCap, kMayMask>(n, s, oScale, softmax, ks, mask, lastS);
      if constexpr (kTwoSets) convertP(next, s);
    }
    FA_SM90_TRACE_EVENT(kTraceSoftmaxDone, n);
    if constexpr (T::kFenceBeforePvWait) schedulingFence(smemAddress(smem.o), p.batch < 0);
    wgmmaWaitGroup<0>();  // P V done: only now may O (and with one P set, P) be rewritten
    registerFence(o);
    if constexpr (T::kOnesRowSum) sinkOnes(rs);
    // `cur` stays allocated until here, so neither `next` (two sets) nor softmax temporaries (one
    // set, mode 6) get its registers before the wait (see keepOperandsLive).
    if constexpr (T::kKeepPLive) keepOperandsLive(cur, smemAddress(smem.o), p.batch < 0);
    FA_SM90_TRACE_EVENT(kTracePvDone, n + 1);
    releaseShared(&smem.emptyV[vs.stage]);
    vs.advance();
    loads.refillV();
    if constexpr (T::kRescaleInTurn) {
      pendScale[0] = oScale[0];
      pendScale[1] = oScale[1];
      pending = rescale;
    } else {
      if (rescale) rescaleRows(o, oScale);
    }
    if constexpr (!kTwoSets) convertP(next, s);
  }

  // The tile's last P V (block range.nMin), after its last S GEMM: Q is free from here on (freed
  // already where that GEMM completed with T::kEarlyQRelease).
  __device__ __forceinline__ void lastPV(int n, float (&o)[kAccO], const uint32_t (&pa)[kPvSteps][4],
                                         PipelineState<T::kStages>& vs, uint32_t accumulate,
                                         const float (&oScale)[2], bool pending) const {
    if constexpr (!T::kEarlyQRelease) releaseQ();
    loads.refillQ();
    if constexpr (T::kRescaleInTurn) {
      if (pending) rescaleRows(o, oScale);
    }
    pvToCompletion(n, o, pa, vs, accumulate);
  }

  // O += P V with block n's V (the stage vs points at), waited for until complete; then the stage
  // is freed. (The state outlives the tile.)
  __device__ __forceinline__ void pvToCompletion(int n, float (&o)[kAccO], const uint32_t (&pa)[kPvSteps][4],
                                                 PipelineState<T::kStages>& vs, uint32_t accumulate = 1u) const {
    FA_SM90_TRACE_EVENT(kTraceVWaitFull, n);
    mbarrierWait<T::kWaitSuspendNs>(&smem.fullV[vs.stage], vs.phase);
    wgmmaFence();
    gemmPV(o, pa, vs.stage, accumulate);
    float rs[4];
    if constexpr (T::kOnesRowSum) gemmOnes(rs, pa);
    wgmmaCommitGroup();
    wgmmaWaitGroup<0>();
    registerFence(o);
    if constexpr (T::kOnesRowSum) sinkOnes(rs);
    FA_SM90_TRACE_EVENT(kTracePvDone, n);
    releaseShared(&smem.emptyV[vs.stage]);
    vs.advance();
    loads.refillV();
  }

  // The tile's first S GEMM (block range.nMax - 1, intra-warpgroup overlap), in warpgroup 0's or
  // its pingpong turn, left in flight for finishBlocks().
  __device__ __forceinline__ void issueFirstS(const BlockRange& range, float (&s)[kAccS], PipelineState<T::kStages>& ks) const {
    const int n = range.nMax - 1;
    FA_SM90_TRACE_EVENT(kTraceKWaitFull, n);
    mbarrierWait<T::kWaitSuspendNs>(&smem.fullK[ks.stage], ks.phase);
    schedulerSync();
    FA_SM90_TRACE_EVENT(kTraceTurn, n);
    wgmmaFence();
    gemmQK(s, ks.stage);
    wgmmaCommitGroup();
    schedulerArrive();
    FA_SM90_TRACE_EVENT(kTraceGemmsIssued, n);
  }

  // The key blocks of a non-empty `range` after issueFirstS(); o and softmax come back ready for
  // finalize. ks and vs carry the K/V ring state from tile to tile (the producer's advance in step).
  __device__ __forceinline__ void finishBlocks(const BlockRange& range, const ScoreMask<T>& mask, float (&s)[kAccS],
                                               float (&o)[kAccO], Softmax& softmax, PipelineState<T::kStages>& ks,
                                               PipelineState<T::kStages>& vs) const {
    uint32_t pa[kPvSteps][4];
    float oScale[2];

    if constexpr (T::kIntraWgOverlap) {
      bool pending = false;  // T::kRescaleInTurn: O awaits a rescale by oScale
      int n = range.nMax - 1;
      // The tile's first P V overwrites O under T::kNextTileBeforeEpilogue (O is not zeroed);
      // every later one accumulates.
      uint32_t accumulate = T::kNextTileBeforeEpilogue ? 0u : 1u;
      wgmmaWaitGroup<0>();
      softmaxOfBlock<true>(n, s, oScale, softmax, ks, mask, n == range.nMin);
      convertP(pa, s);
      FA_SM90_TRACE_EVENT(kTraceSoftmaxDone, n);
      if constexpr (T::kSoftcapOutsideLoop) {
        // The steady-state blocks, then the tile's last P V. kCap: the softcap as scoreMod takes it
        // (T::kSoftcapOutsideLoop picks 1 or 2 once per tile, so the loop is compiled twice).
        auto steadyLoop = [&](auto cap) {
          constexpr int kCap = decltype(cap)::value;
          if constexpr (T::kPBuffers == 2) {
            // Block n's P goes to the set the in-flight P V is not reading; the sets swap every block.
            uint32_t pb[kPvSteps][4];
            for (--n;; --n) {
              if (n < range.nMin) {
                lastPV(range.nMin, o, pa, vs, accumulate, oScale, pending);
                break;
              }
              steadyBlock<true, kCap>(n, s, o, pa, pb, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale, pending);
              accumulate = 1u;
              if (--n < range.nMin) {
                lastPV(range.nMin, o, pb, vs, accumulate, oScale, pending);
                break;
              }
              steadyBlock<true, kCap>(n, s, o, pb, pa, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale, pending);
            }
          } else if constexpr (T::kSplitMaskedBlocks) {
            // Blocks above nFree may need the mask; the rest cannot (T::kSplitMaskedBlocks).
            const int nFree = mask.lastUnmaskedBlock();
            for (--n; n >= range.nMin && n > nFree; --n) {
              steadyBlock<false, kCap, true>(n, s, o, pa, pa, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale,
                                             pending);
              accumulate = 1u;
            }
            for (; n >= range.nMin; --n) {
              steadyBlock<false, kCap, false>(n, s, o, pa, pa, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale,
                                              pending);
              accumulate = 1u;
            }
            lastPV(range.nMin, o, pa, vs, accumulate, oScale, pending);
          } else {
            for (--n; n >= range.nMin; --n) {
              steadyBlock<false, kCap>(n, s, o, pa, pa, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale, pending);
              accumulate = 1u;
            }
            lastPV(range.nMin, o, pa, vs, accumulate, oScale, pending);
          }
        };
        if (p.softcapPreScale != 0.f) {
          steadyLoop(std::integral_constant<int, 1>{});
        } else {
          steadyLoop(std::integral_constant<int, 2>{});
        }
      } else if constexpr (T::kPBuffers == 2) {
        // The same loops written out (as steadyLoop with kCap 0): through the lambda NVVM emits
        // different PTX for the production kernels, whose machine code is kept as measured.
        uint32_t pb[kPvSteps][4];
        for (--n;; --n) {
          if (n < range.nMin) {
            lastPV(range.nMin, o, pa, vs, accumulate, oScale, pending);
            break;
          }
          steadyBlock<true, 0>(n, s, o, pa, pb, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale, pending);
          accumulate = 1u;
          if (--n < range.nMin) {
            lastPV(range.nMin, o, pb, vs, accumulate, oScale, pending);
            break;
          }
          steadyBlock<true, 0>(n, s, o, pb, pa, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale, pending);
        }
      } else {
        for (--n; n >= range.nMin; --n) {
          steadyBlock<false, 0>(n, s, o, pa, pa, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale, pending);
          accumulate = 1u;
        }
        lastPV(range.nMin, o, pa, vs, accumulate, oScale, pending);
      }
    } else {
      for (int n = range.nMax - 1; n >= range.nMin; --n) {
        mbarrierWait<T::kWaitSuspendNs>(&smem.fullK[ks.stage], ks.phase);
        schedulerSync();
        wgmmaFence();
        gemmQK(s, ks.stage);
        wgmmaCommitGroup();
        schedulerArrive();
        wgmmaWaitGroup<0>();
        registerFence(s);
        releaseShared(&smem.emptyK[ks.stage]);
        ks.advance();
        scoreMod(s, n, mask);
        if (n == range.nMax - 1) {
          softmax.template update<true>(s, oScale);
        } else {
          if (softmax.template update<false>(s, oScale)) rescaleRows(o, oScale);
        }
        convertP(pa, s);
        pvToCompletion(n, o, pa, vs);
      }
      releaseQ();
    }
  }

  // Traits::kPartialFirstBlock: the tile's first block (scoresReady and update<true>) with the
  // mask and the softmax over only the 16-column groups some row of this warp may see.
  template <int kCap>
  __device__ __forceinline__ void partialFirstBlock(int n, float (&s)[kAccS], Softmax& softmax,
                                                    PipelineState<T::kStages>& ks, const ScoreMask<T>& mask,
                                                    bool lastS) const {
    registerFence(s);
    releaseShared(&smem.emptyK[ks.stage]);
    if constexpr (T::kEarlyQRelease) {
      if (lastS) releaseQ();
    }
    ks.advance();
    loads.refillK();
    if constexpr (kCap == 1) {
      applySoftcap(s, p.softcapPreScale);
    } else if constexpr (kCap == 0) {
      if (p.softcapPreScale != 0.f) applySoftcap(s, p.softcapPreScale);
    }
    if (mask.needed(n)) mask.apply(s, n, colInBlock);
    // Quarters of the block (32 columns) that some row of this warp may see.
    const int quarters = (mask.visibleGroups16(n, mask.wgFirstRow + 16 * (tid / 32)) + 1) / 2;
    static_assert(T::kBlockN == 128, "quarters of a 128-key block");
    switch (quarters) {
      case 0:
        softmax.template updateFirstColumns<0>(s);
        break;
      case 1:
        softmax.template updateFirstColumns<32>(s);
        break;
      case 2:
        softmax.template updateFirstColumns<64>(s);
        break;
      case 3:
        softmax.template updateFirstColumns<96>(s);
        break;
      default:
        softmax.template updateFirstColumns<128>(s);
        break;
    }
  }

  // T::kStreamTiles: one tile of a CTA's stream of key blocks (the kernel's loop, attn_fwd_sm90.cu).
  // kPending: the previous tile's last P (pa, its P V not yet issued; accumulate `pendingAcc`) goes
  // out in this tile's first pingpong turn with its first S GEMM; `flushPrev` (the previous tile's
  // epilogue, which reads o) runs once that P V has completed, after this first block's softmax.
  // Returns with this tile's last P in pa and its P V not issued; pendingAcc is then that P V's
  // accumulate flag (0 for a one-block tile: its first P V overwrites O). softmax comes back with
  // this tile's row statistics, to be finalized before the next call.
  template <bool kPending, int kCap, bool kHalf = false, class FlushPrev>
  __device__ __forceinline__ void streamTile(const BlockRange& range, const ScoreMask<T>& mask, float (&s)[kAccS],
                                             float (&o)[kAccO], uint32_t (&pa)[kPvSteps][4], uint32_t& pendingAcc,
                                             Softmax& softmax, PipelineState<T::kStages>& ks,
                                             PipelineState<T::kStages>& vs, FlushPrev flushPrev) const {
    int n = range.nMax - 1;
    mbarrierWait<T::kWaitSuspendNs>(&smem.fullK[ks.stage], ks.phase);
    schedulerSync();
    // kHalf (Traits::kHalfDiagonal, where this warpgroup sees none of the first block's upper
    // half): a narrow first S GEMM; those columns are set to -inf once it has completed, as the
    // mask would write. (A run-time branch between the two GEMM shapes here made ptxas serialize
    // every wgmma of the kernel, C7511 / C7515; the caller picks one of two copies instead.)
    wgmmaFence();
    if constexpr (kHalf) {
      gemmQK<T::kBlockN / 2>(*reinterpret_cast<float(*)[kAccS / 2]>(&s[0]), ks.stage);
    } else {
      gemmQK(s, ks.stage);
    }
    wgmmaCommitGroup();
    if constexpr (kPending) {
      mbarrierWait<T::kWaitSuspendNs>(&smem.fullV[vs.stage], vs.phase);
      wgmmaFence();  // the wait loop above is a branch: ptxas wants the fence again before P is read
      gemmPV(o, pa, vs.stage, pendingAcc);
      wgmmaCommitGroup();
    }
    schedulerArrive();
    if constexpr (kPending) {
      wgmmaWaitGroup<1>();  // S is done; the previous tile's last P V may still run
    } else {
      wgmmaWaitGroup<0>();
    }
    if constexpr (kHalf) {
#pragma unroll
      for (int i = kAccS / 2; i < kAccS; ++i) s[i] = -INFINITY;
    }
    float oScale[2];
    if constexpr (T::kPartialFirstBlock) {
      partialFirstBlock<kCap>(n, s, softmax, ks, mask, n == range.nMin);
    } else {
      softmaxOfBlock<true, kCap, true>(n, s, oScale, softmax, ks, mask, n == range.nMin);
    }
    if constexpr (kPending) {
      wgmmaWaitGroup<0>();
      registerFence(o);
      releaseShared(&smem.emptyV[vs.stage]);
      vs.advance();
      flushPrev();
    }
    convertP(pa, s);
    uint32_t accumulate = 0u;  // o holds the previous tile's output, already stored
    bool pending = false;      // T::kRescaleInTurn is off here
    if constexpr (kHalf) {
      // The first block's P V (half its k-steps) goes out in the second block's turn. (A
      // one-block tile's goes out whole in the next tile's first turn: P is 0 above the half.)
      if (n - 1 >= range.nMin) {
        --n;
        steadyBlock<false, kCap, true, true>(n, s, o, pa, pa, softmax, ks, vs, mask, n == range.nMin, accumulate,
                                             oScale, pending);
        accumulate = 1u;
      }
    }
    // The same loops as finishBlocks' one-set steady loop (a shared helper changed the scheduled
    // machine code of every kernel using it, so each keeps its own copy as measured).
    if constexpr (T::kSplitMaskedBlocks) {
      const int nFree = mask.lastUnmaskedBlock();
      for (--n; n >= range.nMin && n > nFree; --n) {
        steadyBlock<false, kCap, true>(n, s, o, pa, pa, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale,
                                       pending);
        accumulate = 1u;
      }
      for (; n >= range.nMin; --n) {
        steadyBlock<false, kCap, false>(n, s, o, pa, pa, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale,
                                        pending);
        accumulate = 1u;
      }
    } else {
      for (--n; n >= range.nMin; --n) {
        steadyBlock<false, kCap>(n, s, o, pa, pa, softmax, ks, vs, mask, n == range.nMin, accumulate, oScale, pending);
        accumulate = 1u;
      }
    }
    pendingAcc = accumulate;
  }

  // A whole tile. `between` runs after the tile's first S GEMM is issued and before o is written
  // (T::kNextTileBeforeEpilogue: the previous tile's epilogue, which reads o; the tile's first P V
  // then overwrites o instead of accumulating).
  template <class Between>
  __device__ __forceinline__ void run(const Tile& tile, const BlockRange& range, float (&o)[kAccO],
                                      Softmax& softmax, PipelineState<T::kStages>& ks,
                                      PipelineState<T::kStages>& vs, Between between) const {
    // Warpgroup 0 takes the first turn; the matching sync is the last thing it does below.
    if constexpr (T::kPingpong) {
      if (wg == 0) namedBarrierArrive(kBarrierSchedulerWg0, 2 * 128);
    }
    if (!range.empty()) {
      const ScoreMask<T> mask(p, tile, ScoreMask<T>::rowsOf(p, tile, wg, rowInWg));
      float s[kAccS];
      if constexpr (T::kIntraWgOverlap) issueFirstS(range, s, ks);
      // Completes nothing at run time (the S GEMM just issued is the only group in flight), but
      // without it ptxas takes the o that `between` reads for the output of a wgmma still in
      // flight and waits for the S GEMM there (C7517), or, with `between` conditional, serializes
      // every wgmma of the kernel (C7518).
      if constexpr (T::kNextTileBeforeEpilogue) wgmmaWaitGroup<1>();
      between();
      finishBlocks(range, mask, s, o, softmax, ks, vs);
    } else {
      between();
      if constexpr (T::kNextTileBeforeEpilogue) {
#pragma unroll
        for (int i = 0; i < kAccO; ++i) o[i] = 0.f;
      }
      releaseQ();
      loads.refillQ();
    }
    if constexpr (T::kPingpong) {
      // Consumes the last warpgroup's last hand-over, so every named barrier ends balanced.
      if (wg == 0) namedBarrierSync(kBarrierSchedulerWg0, 2 * 128);
    }
  }
};

}  // namespace fa::sm90
