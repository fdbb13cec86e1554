// Writes O (normalized, rounded to the input dtype) and the LSE. O goes through shared memory (the
// Q tile's space, free by then) so global stores are 16-byte and row-contiguous.
#pragma once
#include <cstdint>

#include "sm80/kernel_traits.cuh"

namespace fa::sm80 {

template <class Cfg, class Elem>
struct Epilogue {
  using OTile = SmemTile<Cfg::kBlockM, Cfg::kHeadDim>;
  static constexpr int kMT = Cfg::kMTiles;
  static constexpr int kDT = Cfg::kDTiles;
  static constexpr int kRowsPerPass = Cfg::kThreads / OTile::kChunksPerRow;
  static constexpr int kPasses = Cfg::kBlockM / kRowsPerPass;
  static_assert(Cfg::kBlockM % kRowsPerPass == 0, "every thread stores the same number of chunks");

  /**
   * Call after every thread is done with Q in shared memory (a barrier). `gOut` is row 0 of the
   * block, `gLse` the LSE of row 0 (or null); `rowsValid` rows exist; `headDim` columns are real.
   */
  __device__ __forceinline__ static void store(const float (&o)[kMT][kDT][4], const float (&lse)[2 * kMT], char* smem,
                                               uint16_t* gOut, int64_t oRowStride, float* gLse, int rowsValid,
                                               int headDim, int warpRow0, int tid) {
    const int lane = tid & 31;
    const int g = lane >> 2;
    const int t = lane & 3;
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int row = warpRow0 + mt * 16 + half * 8 + g;
#pragma unroll
        for (int dt = 0; dt < kDT; ++dt) {
          const uint32_t v = Elem::pack(o[mt][dt][2 * half], o[mt][dt][2 * half + 1]);
          *reinterpret_cast<uint32_t*>(smem + OTile::offset(row, dt * 8) + 4 * t) = v;
        }
        if (gLse != nullptr && t == 0 && row < rowsValid) gLse[row] = lse[2 * mt + half];
      }
    }
    __syncthreads();
    const int row0 = tid / OTile::kChunksPerRow;
    const int col0 = (tid % OTile::kChunksPerRow) * 8;
#pragma unroll
    for (int pass = 0; pass < kPasses; ++pass) {
      const int row = row0 + pass * kRowsPerPass;
      if (row >= rowsValid) break;
#pragma unroll
      for (int cb = 0; cb < OTile::kColBlocks; ++cb) {
        const int col = cb * OTile::kColBlock + col0;
        if (col < headDim) {
          const uint4 v = *reinterpret_cast<const uint4*>(smem + OTile::offset(row, col));
          *reinterpret_cast<uint4*>(gOut + row * oRowStride + col) = v;
        }
      }
    }
  }
};

}  // namespace fa::sm80
