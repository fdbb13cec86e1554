// Global-to-shared tile loads with cp.async (16 bytes per thread per copy), zero-filling rows past
// the sequence end and head-dim columns past the real head dim.
#pragma once
#include <cstdint>

#include "common/cp_async.cuh"
#include "sm80/kernel_traits.cuh"

namespace fa::sm80 {

/**
 * Loads a [kRows, kHeadDim] tile whose rows are `rowStride` elements apart in global memory.
 * Consecutive threads take consecutive 16-byte chunks of a column block's row, so a warp reads whole
 * 64- or 128-byte row segments (coalesced) and writes them into 8 distinct bank groups.
 */
template <class Cfg, int kRows>
struct TileLoader {
  using Tile = SmemTile<kRows, Cfg::kHeadDim>;
  static constexpr int kRowsPerPass = Cfg::kThreads / Tile::kChunksPerRow;
  static constexpr int kPasses = kRows / kRowsPerPass;
  static_assert(kRows % kRowsPerPass == 0, "every thread copies the same number of chunks");
  // Rows a thread visits differ by multiples of 8, so they share one swizzle.
  static_assert(kRowsPerPass % 8 == 0, "rows of one thread share their swizzle");

  int row0;          // this thread's first row
  int col0;          // this thread's column inside a column block (elements)
  uint32_t laneOff;  // this thread's first chunk in the tile (SmemTile::laneOffset)

  __device__ __forceinline__ explicit TileLoader(int tid)
      : row0(tid / Tile::kChunksPerRow),
        col0((tid % Tile::kChunksPerRow) * 8),
        laneOff(Tile::laneOffset(tid / Tile::kChunksPerRow, tid % Tile::kChunksPerRow)) {}

  /**
   * Issues the copies (no commit) into the tile at `smemTile` (128-byte aligned). `rowsValid` rows
   * exist from `g` on; `headDim` columns are real.
   */
  __device__ __forceinline__ void load(uint32_t smemTile, const uint16_t* g, int64_t rowStride, int rowsValid,
                                       int headDim) const {
    const uint16_t* gRow = g + row0 * rowStride + col0;
    const uint32_t dst = smemTile + laneOff;
#pragma unroll
    for (int pass = 0; pass < kPasses; ++pass) {
      const bool rowOk = row0 + pass * kRowsPerPass < rowsValid;
#pragma unroll
      for (int cb = 0; cb < Tile::kColBlocks; ++cb) {
        const bool ok = rowOk && cb * Tile::kColBlock + col0 < headDim;
        // A zero-filled copy (src-size 0) reads no byte, so the address of a row past the end is never
        // dereferenced.
        cpAsync16ZeroFill(dst + pass * kRowsPerPass * Tile::kRowBytes + cb * Tile::kColBlockBytes,
                          gRow + cb * Tile::kColBlock, ok);
      }
      gRow += kRowsPerPass * rowStride;
    }
  }
};

}  // namespace fa::sm80
