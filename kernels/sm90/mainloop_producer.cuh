// Producer warp of the Hopper forward: one thread issues every TMA load of a tile. Q once, then K
// and V through kStages-deep rings guarded by full (TMA bytes landed) and empty (every consumer
// warpgroup finished reading) mbarriers. Each tile is loaded as one box per 64-column chunk from
// the rank-4 maps {headDim, seqlen, heads, batch} (attn_fwd_sm90_params.h): columns past the real
// head dim come back as zeros, so head dims that are not multiples of 64 run on the next kernel up.
// Varlen kernels run the producer on a whole warp (the tile search is warp-wide) and zero the V rows
// past a sequence's keys before the consumers may read the block (loadV).
#pragma once
#include "common/tma.cuh"
#include "common/warpgroup.cuh"
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
  uint32_t landedPhase = 0;  // varlen: parity of the next wait on smem.landedV

  // Dense: the one producer thread. Varlen: lane 0 of the producer warp issues the TMA and the
  // arrivals; the whole warp waits, searches for tiles and zeroes V rows.
  __device__ __forceinline__ static bool leader() { return !T::kVarlen || threadIdx.x % 32 == 0; }
  // The maps' batch coordinate: varlen maps have one "batch" ({headDim, total, heads, 1}).
  __device__ __forceinline__ static int mapBatch(const Tile& tile) { return T::kVarlen ? 0 : tile.batch; }

  // Box c (x = 64 c) of a tile of kRows rows lands in chunk c. Out-of-range elements are
  // zero-filled and still counted, so the expected bytes are always the full tile.
  template <int kRows>
  __device__ __forceinline__ static void loadChunks(uint8_t* dst, const TensorMapBytes* map, uint64_t* bar, int row,
                                                    int head, int batch, uint64_t l2Policy) {
#pragma unroll
    for (int c = 0; c < T::kChunks; ++c) tmaLoad4d(dst + c * kRows * 128, map, bar, c * T::kChunkCols, row, head, batch, l2Policy);
  }

  __device__ __forceinline__ void loadK(int n, const Tile& tile, int headKV, PipelineState<T::kStages>& st) const {
    // Producers start at phase 1, which a fresh barrier reports as complete: the first pass does not block.
    mbarrierWait(&smem.emptyK[st.stage], st.phase ^ 1);
    if (leader()) {
      mbarrierArriveExpectTx(&smem.fullK[st.stage], T::kKBytes);
      loadChunks<T::kBlockN>(smem.kStage(st.stage), &p.tmK, &smem.fullK[st.stage], tile.kStart + n * T::kBlockN, headKV,
                             mapBatch(tile), kL2EvictLast);
      FA_SM90_TRACE_EVENT(kTraceLoadK, n);
    }
    st.advance();
  }

  __device__ __forceinline__ void loadV(int n, const Tile& tile, int headKV, PipelineState<T::kStages>& st) {
    mbarrierWait(&smem.emptyV[st.stage], st.phase ^ 1);
    const int row = tile.kStart + n * T::kBlockN;
    if constexpr (T::kVarlen) {
      // Rows past this sequence's keys hold the next sequence, or sequsedK's unused slots, which
      // may be uninitialized (NaN): P is 0 there, but 0 * NaN = NaN would still reach O (FA3's
      // issues #1745, #2374). Dense rows past seqlenK are outside the map and arrive as zeros.
      const int validRows = tile.seqlenK - n * T::kBlockN;  // >= 1: block n holds a key
      if (validRows < T::kBlockN) {
        if (leader()) {
          mbarrierArriveExpectTx(smem.landedV, T::kVBytes);
          loadChunks<T::kBlockN>(smem.vStage(st.stage), &p.tmV, smem.landedV, row, headKV, 0, kL2EvictLast);
        }
        mbarrierWait(smem.landedV, landedPhase);
        landedPhase ^= 1;
        zeroRowsFrom(smem.vStage(st.stage), validRows);
        fenceProxyAsyncShared();  // each writer: the zeros before the consumers' wgmma (async proxy) reads
        __syncwarp();
        if (leader()) mbarrierArrive(&smem.fullV[st.stage]);
        st.advance();
        return;
      }
    }
    if (leader()) {
      mbarrierArriveExpectTx(&smem.fullV[st.stage], T::kVBytes);
      loadChunks<T::kBlockN>(smem.vStage(st.stage), &p.tmV, &smem.fullV[st.stage], row, headKV, mapBatch(tile),
                             kL2EvictLast);
      FA_SM90_TRACE_EVENT(kTraceLoadV, n);
    }
    st.advance();
  }

  // Warp-wide: rows [firstRow, kBlockN) of every chunk of a V stage become zeros. The swizzle only
  // permutes 16-byte pieces within a 128-byte row, so whole rows are a contiguous byte range.
  __device__ __forceinline__ static void zeroRowsFrom(uint8_t* stage, int firstRow) {
    const int lane = static_cast<int>(threadIdx.x % 32);
#pragma unroll
    for (int c = 0; c < T::kChunks; ++c) {
      uint8_t* chunk = stage + c * T::kBlockN * 128;
      for (int off = firstRow * 128 + 16 * lane; off < T::kBlockN * 128; off += 16 * 32)
        *reinterpret_cast<uint4*>(chunk + off) = make_uint4(0, 0, 0, 0);
    }
  }

  // Key blocks go from nMax - 1 down to nMin (the masked diagonal first). V lags K by one block,
  // the order in which the overlapped consumer uses them: S_j = Q K_j^T is issued before O += P_{j+1} V_{j+1}.
  // k and v carry the ring state from tile to tile; `iteration` counts this CTA's tiles (the parity
  // of the one-shot Q barriers). Q is loaded for every tile, empty ones included, so that the
  // consumers' Q wait and the Q-free handshake stay in step with the tile count.
  __device__ __forceinline__ void run(const Tile& tile, const BlockRange& range, PipelineState<T::kStages>& k,
                                      PipelineState<T::kStages>& v, uint32_t iteration) {
    // The first K block of this tile needs only a free K stage: it goes out before the wait for the
    // previous tile's Q to be free (its last S GEMM, or its O store where O overwrites Q).
    const int headKV = tile.head / p.headGroup;
    if (!range.empty()) loadK(range.nMax - 1, tile, headKV, k);
    // A fresh barrier reports its "previous" phase complete: the first tile does not block.
    mbarrierWait(smem.emptyQ, (iteration & 1) ^ 1);
    // Every box delivers its full size, zero-filled past seqlen, so expect_tx is the box size.
    // (Varlen: rows past the sequence are the next one's; their outputs are never stored.)
    if (leader()) {
      mbarrierArriveExpectTx(smem.barQ, T::kQBytes);
      loadChunks<T::kBlockM>(smem.q, &p.tmQ, smem.barQ, tile.qStart + tile.mBlock * T::kBlockM, tile.head,
                             mapBatch(tile), kL2EvictFirst);
      FA_SM90_TRACE_EVENT(kTraceLoadQ, tile.mBlock);
    }
    if (range.empty()) return;  // the consumers write zeros and -inf without reading K or V
    for (int n = range.nMax - 2; n >= range.nMin; --n) {
      loadK(n, tile, headKV, k);
      loadV(n + 1, tile, headKV, v);
    }
    loadV(range.nMin, tile, headKV, v);
    // No drain: the CTA cannot exit before the consumers have waited on every load issued here.
  }
};

}  // namespace fa::sm90
