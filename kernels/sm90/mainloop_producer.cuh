// Producer warp of the Hopper forward: one thread issues every TMA load of a tile. Q once, then K
// and V through kStages-deep rings guarded by full (TMA bytes landed) and empty (every consumer
// warpgroup finished reading) mbarriers. Each tile is loaded as one box per 64-column chunk from
// the rank-4 maps {headDim, seqlen, heads, batch} (attn_fwd_sm90_params.h): columns past the real
// head dim come back as zeros, so head dims that are not multiples of 64 run on the next kernel up.
#pragma once
#include "common/tma.cuh"
#include "sm90/attn_fwd_sm90_params.h"
#include "sm90/attn_fwd_sm90_traits.h"
#include "sm90/mask.cuh"
#include "sm90/tile_scheduler.cuh"

namespace fa::sm90 {

template <class T>
struct MainloopProducer {
  const AttnFwdSm90Params& p;
  const SharedTiles<T>& smem;

  // Box c (x = 64 c) of a tile of kRows rows lands in chunk c. Out-of-range elements are
  // zero-filled and still counted, so the expected bytes are always the full tile.
  template <int kRows>
  __device__ __forceinline__ static void loadChunks(uint8_t* dst, const TensorMapBytes* map, uint64_t* bar, int row,
                                                    int head, int batch, uint64_t l2Policy) {
#pragma unroll
    for (int c = 0; c < T::kChunks; ++c) tmaLoad4d(dst + c * kRows * 128, map, bar, c * T::kChunkCols, row, head, batch, l2Policy);
  }

  __device__ __forceinline__ void loadK(int n, int headKV, int batch, PipelineState<T::kStages>& st) const {
    // Producers start at phase 1, which a fresh barrier reports as complete: the first pass does not block.
    mbarrierWait(&smem.emptyK[st.stage], st.phase ^ 1);
    mbarrierArriveExpectTx(&smem.fullK[st.stage], T::kKBytes);
    loadChunks<T::kBlockN>(smem.kStage(st.stage), &p.tmK, &smem.fullK[st.stage], n * T::kBlockN, headKV, batch, kL2EvictLast);
    st.advance();
  }

  __device__ __forceinline__ void loadV(int n, int headKV, int batch, PipelineState<T::kStages>& st) const {
    mbarrierWait(&smem.emptyV[st.stage], st.phase ^ 1);
    mbarrierArriveExpectTx(&smem.fullV[st.stage], T::kVBytes);
    loadChunks<T::kBlockN>(smem.vStage(st.stage), &p.tmV, &smem.fullV[st.stage], n * T::kBlockN, headKV, batch, kL2EvictLast);
    st.advance();
  }

  // Key blocks go from nMax - 1 down to nMin (the masked diagonal first). V lags K by one block,
  // the order in which the overlapped consumer uses them: S_j = Q K_j^T is issued before O += P_{j+1} V_{j+1}.
  // k and v carry the ring state from tile to tile; `iteration` counts this CTA's tiles (the parity
  // of the one-shot Q barriers). Q is loaded for every tile, empty ones included, so that the
  // consumers' Q wait and the Q/O-free handshake stay in step with the tile count.
  __device__ __forceinline__ void run(const Tile& tile, const BlockRange& range, PipelineState<T::kStages>& k,
                                      PipelineState<T::kStages>& v, uint32_t iteration) const {
    // The first K block of this tile needs only a free K stage: it goes out before the wait for the
    // previous tile's O store, under that tile's epilogue.
    const int headKV = tile.head / p.headGroup;
    if (!range.empty()) loadK(range.nMax - 1, headKV, tile.batch, k);
    // A fresh barrier reports its "previous" phase complete: the first tile does not block.
    mbarrierWait(smem.emptyQ, (iteration & 1) ^ 1);
    // Every box delivers its full size, zero-filled past seqlen, so expect_tx is the box size.
    mbarrierArriveExpectTx(smem.barQ, T::kQBytes);
    loadChunks<T::kBlockM>(smem.q, &p.tmQ, smem.barQ, tile.mBlock * T::kBlockM, tile.head, tile.batch, kL2EvictFirst);
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
