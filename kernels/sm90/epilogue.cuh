// Epilogue of one consumer warpgroup: O / rowSum converted to 16 bits into its own 64 rows of the
// O tile (its own tile when T::kSeparateO; over the V stages when T::kOInV, once every consumer
// warpgroup's last P V has read them; else the Q tile, which is no longer read once the last S GEMM
// completed), in the 128B-swizzled chunk layout of the O tensor map, then TMA-stored one 64-column
// chunk at a time (rows past seqlenQ and columns past the real head dim are clipped by the copy
// engine). Varlen rows whose box would reach into the next sequence go out as plain stores instead.
// PackGQA: a warpgroup's 64 tile rows are one box over several heads, and each LSE row goes to its
// own head and position. LSE goes out from registers. Through the Q tile it ends with this
// warpgroup's arrival on the Q-free barrier, over the V stages on the O-stored barrier (the
// producer's next V loads wait for it); with a separate O tile, a TMA store is left in flight and
// the next tile's epilogue (or the kernel's end) waits for it to have left shared memory before
// the tile is written again (finishOutputStores).
#pragma once
#include "common/tma.cuh"
#include "common/warpgroup.cuh"
#include "sm90/attn_fwd_sm90_params.h"
#include "sm90/attn_fwd_sm90_traits.h"
#include "sm90/mainloop_consumer.cuh"
#include "sm90/tile_scheduler.cuh"

namespace fa::sm90 {

// The first `rows` (1..63) of a consumer warpgroup's 64 O rows, from the swizzled tile to out with
// 16-byte stores, consecutive threads on consecutive pieces of a row; columns past the real head
// dim stay unwritten. Call after the warpgroup's barrier over its O stores.
template <class T>
__device__ __forceinline__ void storeRowsPlain(const AttnFwdSm90Params& p, const uint8_t* tileO, const Tile& tile, int wg,
                                               int firstRow, int rows) {
  constexpr int kPiecesPerRow = T::kHeadDim / 8;  // 16 bytes of 16-bit elements
  const int tid = threadIdx.x % 128;
  uint16_t* out = static_cast<uint16_t*>(p.out) + (tile.qStart + firstRow) * p.oRowStride + tile.head * p.oHeadStride;
  for (int i = tid; i < rows * kPiecesPerRow; i += 128) {
    const int row = i / kPiecesPerRow;
    const int col = 8 * (i - row * kPiecesPerRow);
    if (col >= p.headDim) continue;
    const int tileRow = wg * T::kRowsPerWarpgroup + row;
    const uint32_t off = swizzledOffset128B(tileRow, col, T::kBlockM);
    *reinterpret_cast<uint4*>(out + row * p.oRowStride + col) = *reinterpret_cast<const uint4*>(tileO + off);
  }
}

template <class T>
__device__ __forceinline__ void storeOutput(const AttnFwdSm90Params& p, const SharedTiles<T>& smem, const Tile& tile,
                                            int wg, const float (&o)[T::kHeadDim / 2], const float (&invSum)[2],
                                            const float (&lse)[2]) {
  using Element = typename T::Element;
  const int tid = threadIdx.x % 128;
  const int r = 16 * (tid / 32) + (tid % 32) / 4;
  const int c = 2 * (tid % 4);
  uint8_t* tileO = smem.o;
  if constexpr (T::kSeparateO) {
    // The previous tile's store of these rows must have read them (issued a whole mainloop ago).
    if (tid == 0) bulkWaitGroupRead0();
    namedBarrierSync(kBarrierEpilogueWg0 + wg, 128);
  }
  // Every consumer warpgroup has waited for its last P V, i.e. read its last V stage.
  if constexpr (T::kOInV) namedBarrierSync(kBarrierConsumers, T::kConsumerWarpgroups * 128);
#pragma unroll
  for (int j = 0; j < T::kHeadDim / 8; ++j)
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int row = wg * T::kRowsPerWarpgroup + r + 8 * h;  // row of the kBlockM-row tile
      const int col = 8 * j + c;
      // swizzledOffset128B(row, col, T::kBlockM) written out (conflict-free 4-byte stores): through
      // the helper, 55 shipped kernels' scheduled code came out different, so it stays as measured.
      uint32_t off = (col / 64) * (T::kBlockM * 128) + row * 128 + (col % 64) * 2;
      off ^= (row % 8) << 4;
      const uint32_t packed = packPair<Element>(o[4 * j + 2 * h] * invSum[h], o[4 * j + 2 * h + 1] * invSum[h]);
      if constexpr (T::kSharedStoresInEpilogue) {
        storeShared32(smemAddress(tileO) + off, packed);
      } else {
        *reinterpret_cast<uint32_t*>(tileO + off) = packed;
      }
    }
  fenceProxyAsyncShared();  // each writer, before the barrier, so the TMA store sees the stores
  namedBarrierSync(kBarrierEpilogueWg0 + wg, 128);
  // Of this warpgroup's rows in the sequence; computed after the stores to shared memory (before
  // them, it moved the scheduled code of 41 production kernels).
  int firstRow = tile.mBlock * T::kBlockM + wg * T::kRowsPerWarpgroup;
  int storeHead = tile.head;
  if constexpr (T::kPackGqa) {
    // The warpgroup's 64 rows are one box {64, min(R, 64), max(1, 64 / R), 1} of the O map (the
    // host encodes it so): heads from storeHead, positions from firstRow.
    const PackedRows<T> packed(p);
    firstRow = packed.position(tile, wg * T::kRowsPerWarpgroup);
    storeHead = tile.head + packed.headOffset(wg * T::kRowsPerWarpgroup);
  }
  bool plainStores = false;
  if constexpr (T::kVarlen) plainStores = tile.seqlenQ - firstRow < T::kRowsPerWarpgroup;  // uniform
  if (plainStores) {
    // Varlen: a TMA box would write the next packed sequence's rows (only the end of the tensor
    // clips), so these rows go out as plain 16-byte stores, as in FA3.
    storeRowsPlain<T>(p, tileO, tile, wg, firstRow, tile.seqlenQ - firstRow);
    namedBarrierSync(kBarrierEpilogueWg0 + wg, 128);  // every read of this warpgroup's O rows is done
  } else if (tid == 0 && firstRow < tile.seqlenQ) {
#pragma unroll
    for (int chunk = 0; chunk < T::kChunks; ++chunk)
      tmaStore4d(&p.tmO, tileO + chunk * (T::kBlockM * 128) + wg * T::kRowsPerWarpgroup * 128, chunk * T::kChunkCols,
                 tile.qStart + firstRow, storeHead, T::kVarlen ? 0 : tile.batch);
    bulkCommitGroup();
    // Aliased with Q or V: shared memory must stay valid until the copy engine has read it.
    if constexpr (!T::kSeparateO) bulkWaitGroupRead0();
  }
  // This warpgroup's rows of the Q/O tile are free again: the producer may load the next Q there
  // (or, over the V stages, the next tile's V blocks). (The other 127 threads wrote their O before
  // the named barrier above; tid 0 has seen the store read them.)
  if constexpr (!T::kSeparateO) {
    if (tid == 0) mbarrierArrive(T::kOInV ? smem.freeO : smem.emptyQ);
  }
  if (p.lse != nullptr && c == 0) {
    if constexpr (T::kPackGqa) {
      // Each row's own head and position.
      const PackedRows<T> packed(p);
      float* lseBatch = p.lse + tile.batch * p.lseBatchStride;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int tileRow = wg * T::kRowsPerWarpgroup + r + 8 * h;
        const int row = packed.position(tile, tileRow);
        if (row < tile.seqlenQ) lseBatch[(tile.head + packed.headOffset(tileRow)) * p.lseHeadStride + row] = lse[h];
      }
    } else {
      // Dense [batch, heads, seqlenQ]; varlen [heads, totalQ] (lseBatchStride 0, rows from qStart).
      float* lseRow = p.lse + tile.batch * p.lseBatchStride + tile.head * p.lseHeadStride + tile.qStart;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int row = firstRow + r + 8 * h;
        if (row < tile.seqlenQ) lseRow[row] = lse[h];
      }
    }
  }
}

// Traits::kSkipEpilogue (a timing diagnostic): instead of the epilogue, stores of O and of the
// row sums predicated on a condition that is false at run time but unknown to the compilers, so
// that neither can drop the P V GEMMs or the softmax sums that feed O: the kernel does all of its
// work but writes no output.
template <class T>
__device__ __forceinline__ void sinkOutput(const AttnFwdSm90Params& p, const SharedTiles<T>& smem,
                                           const float (&o)[T::kHeadDim / 2], const float (&invSum)[2],
                                           const float (&lse)[2]) {
  const float rowTerms[4] = {invSum[0], invSum[1], lse[0], lse[1]};
  keepFloatsLive(o, smemAddress(smem.o), p.batch < 0);
  keepFloatsLive(rowTerms, smemAddress(smem.o), p.batch < 0);
}

// A CTA may not exit while a bulk store still reads its shared memory.
template <class T>
__device__ __forceinline__ void finishOutputStores() {
  if constexpr (T::kSeparateO) {
    if (threadIdx.x % 128 == 0) bulkWaitGroupRead0();
  }
}

}  // namespace fa::sm90
