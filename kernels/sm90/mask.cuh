// Which key blocks a query tile visits, which of them need an element mask, and the mask itself
// (columns >= seqlenK, causal / local window aligned to the bottom-right corner). The lengths are
// the tile's sequence's (varlen: its own seqlenQ and seqlenK after sequsedK), as in the portable path.
#pragma once
#include <climits>
#include <cmath>
#include "sm90/attn_fwd_sm90_params.h"
#include "sm90/attn_fwd_sm90_traits.h"
#include "sm90/tile_scheduler.cuh"

namespace fa::sm90 {

// Key blocks [nMin, nMax) of a query tile; empty when nMax <= nMin (every row sees no key).
struct BlockRange {
  int nMin;
  int nMax;
  __device__ __forceinline__ bool empty() const { return nMax <= nMin; }
};

__device__ __forceinline__ int floorDiv(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

template <class T>
__device__ __forceinline__ BlockRange keyBlockRange(const AttnFwdSm90Params& p, const Tile& tile) {
  int nMax = (tile.seqlenK + T::kBlockN - 1) / T::kBlockN;
  int nMin = 0;
  if constexpr (T::kWindowed) {
    const int offset = tile.seqlenK - tile.seqlenQ;  // bottom-right alignment
    const int firstRow = tile.mBlock * T::kBlockM;
    const int lastRow = min(firstRow + T::kBlockM, tile.seqlenQ) - 1;
    if (p.windowRight >= 0) nMax = min(nMax, floorDiv(lastRow + offset + p.windowRight, T::kBlockN) + 1);
    if (p.windowLeft >= 0) nMin = max(0, floorDiv(firstRow + offset - p.windowLeft, T::kBlockN));
  }
  return BlockRange{nMin, nMax};
}

// Masks the scores of one consumer warpgroup (64 rows starting at firstRow) against key block n.
template <class T>
struct ScoreMask {
  int rowLo[2];  // per accumulator row half (rows r and r + 8): first visible key
  int rowHi[2];  // one past the last visible key
  int wgFirstRow;
  int seqlenK;
  int windowLeft;
  int windowRight;
  int offset;

  // `row` is this thread's first accumulator row (in the sequence), r = 16 * warp + lane / 4.
  __device__ __forceinline__ ScoreMask(const AttnFwdSm90Params& p, const Tile& tile, int wgFirstRow_, int row)
      : wgFirstRow(wgFirstRow_), seqlenK(tile.seqlenK), windowLeft(p.windowLeft), windowRight(p.windowRight),
        offset(tile.seqlenK - tile.seqlenQ) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int i = row + 8 * h;
      rowLo[h] = 0;
      rowHi[h] = seqlenK;
      if constexpr (T::kWindowed) {
        if (windowRight >= 0) rowHi[h] = min(rowHi[h], i + offset + windowRight + 1);
        if (windowLeft >= 0) rowLo[h] = max(0, i + offset - windowLeft);
      }
    }
  }

  // Uniform over the warpgroup: whether block n has any masked element for these 64 rows.
  __device__ __forceinline__ bool needed(int n) const {
    const int colEnd = (n + 1) * T::kBlockN;
    if (colEnd > seqlenK) return true;
    if constexpr (T::kWindowed) {
      if (windowRight >= 0 && colEnd - 1 > wgFirstRow + offset + windowRight) return true;
      if (windowLeft >= 0 && n * T::kBlockN < wgFirstRow + T::kRowsPerWarpgroup - 1 + offset - windowLeft) return true;
    }
    return false;
  }

  // s: m64nN accumulator fragment, s[4j + 2h + e] is (row + 8h, column 8j + col0 + e) of block n.
  template <int kAcc>
  __device__ __forceinline__ void apply(float (&s)[kAcc], int n, int col0) const {
    const int colBase = n * T::kBlockN + col0;
#pragma unroll
    for (int j = 0; j < kAcc / 4; ++j)
#pragma unroll
      for (int h = 0; h < 2; ++h)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int col = colBase + 8 * j + e;
          if (col < rowLo[h] || col >= rowHi[h]) s[4 * j + 2 * h + e] = -INFINITY;
        }
  }
};

}  // namespace fa::sm90
