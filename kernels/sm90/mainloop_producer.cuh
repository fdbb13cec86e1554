// Producer warp of the Hopper forward: one thread issues every TMA load of a tile. Q once, then K
// and V through kStages-deep rings guarded by full (TMA bytes landed) and empty (every consumer
// warpgroup finished reading) mbarriers.
#pragma once
#include "common/tma.cuh"
#include "sm90/attn_fwd_sm90_params.h"
#include "sm90/attn_fwd_sm90_traits.h"
#include "sm90/mask.cuh"
#include "sm90/tile_scheduler.cuh"
#include "sm90/trace.cuh"

namespace fa::sm90 {

template <class T>
struct MainloopProducer {
  const AttnFwdSm90Params& p;
  const SharedTiles<T>& smem;

  __device__ __forceinline__ void loadK(int n, int headKV, int batch, PipelineState<T::kStages>& st) const {
    // Producers start at phase 1, which a fresh barrier reports as complete: the first pass does not block.
    mbarrierWait(&smem.emptyK[st.stage], st.phase ^ 1);
    mbarrierArriveExpectTx(&smem.fullK[st.stage], T::kKBytes);
    tmaLoad5d(smem.kStage(st.stage), &p.tmK, &smem.fullK[st.stage], 0, n * T::kBlockN, 0, headKV, batch, kL2EvictLast);
    FA_SM90_TRACE_EVENT(kTraceLoadK, n);
    st.advance();
  }

  __device__ __forceinline__ void loadV(int n, int headKV, int batch, PipelineState<T::kStages>& st) const {
    mbarrierWait(&smem.emptyV[st.stage], st.phase ^ 1);
    mbarrierArriveExpectTx(&smem.fullV[st.stage], T::kVBytes);
    tmaLoad5d(smem.vStage(st.stage), &p.tmV, &smem.fullV[st.stage], 0, n * T::kBlockN, 0, headKV, batch, kL2EvictLast);
    FA_SM90_TRACE_EVENT(kTraceLoadV, n);
    st.advance();
  }

  // Key blocks go from nMax - 1 down to nMin (the masked diagonal first). V lags K by one block,
  // the order in which the overlapped consumer uses them: S_j = Q K_j^T is issued before O += P_{j+1} V_{j+1}.
  // k and v carry the ring state from tile to tile; `iteration` counts this CTA's tiles (the parity
  // of the one-shot Q barriers). Q is loaded for every tile, empty ones included, so that the
  // consumers' Q wait and the Q-free handshake stay in step with the tile count.
  __device__ __forceinline__ void run(const Tile& tile, const BlockRange& range, PipelineState<T::kStages>& k,
                                      PipelineState<T::kStages>& v, uint32_t iteration) const {
    // The first K block of this tile needs only a free K stage: it goes out before the wait for the
    // previous tile's Q to be free (its last S GEMM, or its O store where O overwrites Q).
    const int headKV = tile.head / p.headGroup;
    if (!range.empty()) loadK(range.nMax - 1, headKV, tile.batch, k);
    // A fresh barrier reports its "previous" phase complete: the first tile does not block.
    mbarrierWait(smem.emptyQ, (iteration & 1) ^ 1);
    // Every box delivers its full size, zero-filled past seqlen, so expect_tx is the box size.
    mbarrierArriveExpectTx(smem.barQ, T::kQBytes);
    tmaLoad5d(smem.q, &p.tmQ, smem.barQ, 0, tile.mBlock * T::kBlockM, 0, tile.head, tile.batch, kL2EvictFirst);
    FA_SM90_TRACE_EVENT(kTraceLoadQ, tile.mBlock);
    if (range.empty()) return;  // the consumers write zeros and -inf without reading K or V
    for (int n = range.nMax - 2; n >= range.nMin; --n) {
      loadK(n, headKV, tile.batch, k);
      loadV(n + 1, headKV, tile.batch, v);
    }
    loadV(range.nMin, headKV, tile.batch, v);
    // No drain: the CTA cannot exit before the consumers have waited on every load issued here.
  }
};

}  // namespace fa::sm90
