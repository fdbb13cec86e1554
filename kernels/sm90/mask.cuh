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
    // Query positions of the tile (PackGQA: the R positions every packed head shares).
    const int rowsPerHead = tileRowsPerHead<T>(p);
    // Clusters: the union of the cluster's kClusterSize adjacent query blocks' ranges, the same for
    // each of its CTAs (they walk the same key blocks; the mask keeps each CTA to its own keys). A
    // CTA past the last query block (odd count) takes the range of the blocks before it.
    const int firstRow = tile.mBlock / T::kClusterSize * T::kClusterSize * rowsPerHead;
    const int lastRow = min(firstRow + T::kClusterSize * rowsPerHead, tile.seqlenQ) - 1;
    if (p.windowRight >= 0) nMax = min(nMax, floorDiv(lastRow + offset + p.windowRight, T::kBlockN) + 1);
    if (p.windowLeft >= 0) nMin = max(0, floorDiv(firstRow + offset - p.windowLeft, T::kBlockN));
  }
  return BlockRange{nMin, nMax};
}

// Masks the scores of one consumer warpgroup (64 tile rows) against key block n. Rows are query
// positions in the sequence; with PackGQA a warpgroup's rows are several heads' positions, and
// the two rows of a thread need not be 8 positions apart (ScoreMask::rowsOf).
template <class T>
struct ScoreMask {
  int rowLo[2];  // per accumulator row half (rows r and r + 8): first visible key
  int rowHi[2];  // one past the last visible key
  // Traits::kLeanMask: the two rows' query positions instead of rowLo / rowHi; apply() derives the
  // bounds, so the mask holds two vector registers across the key loop instead of four.
  int rowPos[2];
  int wgFirstRow;  // the smallest and largest query position among the warpgroup's rows
  int wgLastRow;
  int seqlenK;
  int windowLeft;
  int windowRight;
  int offset;

  // Query positions of this thread's accumulator rows r and r + 8 (r = 16 * warp + lane / 4,
  // `rowInWg`) and the span of its warpgroup's 64 rows (rows past seqlenQ included: a wider span
  // only makes needed() more conservative).
  struct Rows {
    int first, last, row[2];
  };
  __device__ __forceinline__ static Rows rowsOf(const AttnFwdSm90Params& p, const Tile& tile, int wg, int rowInWg) {
    const int tileRow = wg * T::kRowsPerWarpgroup + rowInWg;
    if constexpr (T::kPackGqa) {
      // Every packed head of the warpgroup has the same positions: with R <= 64 all R of them.
      const PackedRows<T> packed(p);
      const int first = packed.position(tile, wg * T::kRowsPerWarpgroup);
      return Rows{first, first + min(packed.rows(), T::kRowsPerWarpgroup) - 1,
                  {packed.position(tile, tileRow), packed.position(tile, tileRow + 8)}};
    }
    const int first = tile.mBlock * T::kBlockM + wg * T::kRowsPerWarpgroup;
    return Rows{first, first + T::kRowsPerWarpgroup - 1, {first + rowInWg, first + rowInWg + 8}};
  }

  __device__ __forceinline__ ScoreMask(const AttnFwdSm90Params& p, const Tile& tile, const Rows& rows)
      : wgFirstRow(rows.first), wgLastRow(rows.last), seqlenK(tile.seqlenK), windowLeft(p.windowLeft),
        windowRight(p.windowRight), offset(tile.seqlenK - tile.seqlenQ) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int i = rows.row[h];
      if constexpr (T::kLeanMask) {
        rowPos[h] = i;
        continue;
      }
      rowLo[h] = 0;
      rowHi[h] = seqlenK;
      if constexpr (T::kWindowed) {
        if (windowRight >= 0) rowHi[h] = min(rowHi[h], i + offset + windowRight + 1);
        if (windowLeft >= 0) rowLo[h] = max(0, i + offset - windowLeft);
      }
    }
  }

  // Keys [lo, hi) that query position i sees: below seqlenK, inside the window (Traits::kLeanMask).
  // The constructor computes the same bounds inline for the other kernels: calling this there
  // reorders the machine code of two production kernels (fp16 hd64 varlen and packgqa), which
  // would then no longer be the ones measured and checked on the GPU.
  __device__ __forceinline__ void visibleKeys(int i, int& lo, int& hi) const {
    lo = 0;
    hi = seqlenK;
    if constexpr (T::kWindowed) {
      if (windowRight >= 0) hi = min(hi, i + offset + windowRight + 1);
      if (windowLeft >= 0) lo = max(0, i + offset - windowLeft);
    }
  }

  // Uniform over the warpgroup: whether block n has any masked element for these 64 rows.
  __device__ __forceinline__ bool needed(int n) const {
    const int colEnd = (n + 1) * T::kBlockN;
    if (colEnd > seqlenK) return true;
    if constexpr (T::kWindowed) {
      if (windowRight >= 0 && colEnd - 1 > wgFirstRow + offset + windowRight) return true;
      // Without PackGQA the expression the kernels were measured with (wgLastRow there is the same
      // number, but ptxas orders the sum's operands differently: the SASS would change).
      const int lastRow = T::kPackGqa ? wgLastRow : wgFirstRow + T::kRowsPerWarpgroup - 1;
      if (windowLeft >= 0 && n * T::kBlockN < lastRow + offset - windowLeft) return true;
    }
    return false;
  }

  // Traits::kSplitMaskedBlocks: the highest key block at or below which needed() is false for
  // every block (-1 where a left window edge may need the mask in the lowest blocks, which then
  // all keep the test). Block n <= the result ends at or before seqlenK and, with a right window
  // edge, at or before the warpgroup's first row's last visible key: needed()'s first two tests.
  __device__ __forceinline__ int lastUnmaskedBlock() const {
    int hi = seqlenK / T::kBlockN;
    if constexpr (T::kWindowed) {
      if (windowLeft >= 0) return -1;
      if (windowRight >= 0) hi = min(hi, floorDiv(wgFirstRow + offset + windowRight + 1, T::kBlockN));
    }
    return hi - 1;
  }

  // One past the last key that any query position up to lastRow may see: the right bounds,
  // seqlenK and windowRight (the experiments' partial and half first blocks).
  __device__ __forceinline__ int keyEnd(int lastRow) const {
    int hi = seqlenK;
    if constexpr (T::kWindowed) {
      if (windowRight >= 0) hi = min(hi, lastRow + offset + windowRight + 1);
    }
    return hi;
  }

  // Traits::kPartialFirstBlock: how many 16-column groups of block n the 16 query rows from
  // warpFirstRow may see at most; every column from 16 times that on is masked for each of those
  // rows. kBlockN / 16 where nothing bounds them.
  __device__ __forceinline__ int visibleGroups16(int n, int warpFirstRow) const {
    return max(0, min(T::kBlockN / 16, (keyEnd(warpFirstRow + 15) - n * T::kBlockN + 15) / 16));
  }

  // Traits::kHalfDiagonal: whether no row of the warpgroup sees a key in the upper half of block n
  // (its columns kBlockN / 2 and up).
  __device__ __forceinline__ bool upperHalfMasked(int n) const {
    return keyEnd(wgLastRow) <= n * T::kBlockN + T::kBlockN / 2;
  }

  // s: m64nN accumulator fragment, s[4j + 2h + e] is (row + 8h, column 8j + col0 + e) of block n.
  template <int kAcc>
  __device__ __forceinline__ void apply(float (&s)[kAcc], int n, int col0) const {
    const int colBase = n * T::kBlockN + col0;
    int lo[2], hi[2];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      if constexpr (T::kLeanMask) {
        visibleKeys(rowPos[h], lo[h], hi[h]);
      } else {
        lo[h] = rowLo[h];
        hi[h] = rowHi[h];
      }
    }
#pragma unroll
    for (int j = 0; j < kAcc / 4; ++j)
#pragma unroll
      for (int h = 0; h < 2; ++h)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int col = colBase + 8 * j + e;
          if (col < lo[h] || col >= hi[h]) s[4 * j + 2 * h + e] = -INFINITY;
        }
  }
};

}  // namespace fa::sm90
