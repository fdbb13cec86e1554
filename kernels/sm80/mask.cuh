// Which key tiles a block of queries visits, which of those need a per-element mask, and the mask.
// Semantics (DESIGN.md): query i sees key j when j < seqlenK and, with diag = i + seqlenK - seqlenQ,
// diag - left <= j (left >= 0) and j <= diag + right (right >= 0). Causal is right = 0.
#pragma once
#include <cstdint>

namespace fa::sm80 {

/**
 * Key tiles [nBlockMin, nBlockMax) one query block visits, and which of them need a per-element mask:
 * tiles from nMaskHi on reach past the sequence end or the right window edge (causal diagonal) of
 * the block's first row; tiles below nMaskLo start before the left window edge of its last row.
 * Everything in between is fully visible to every real row of the block.
 */
template <int kBlockM, int kBlockN>
struct KeyRange {
  int nBlockMin;
  int nBlockMax;
  int nMaskLo;
  int nMaskHi;

  __device__ __forceinline__ KeyRange(int m0, int seqlenQ, int seqlenK, int left, int right) {
    const int diag = seqlenK - seqlenQ;
    const int lastRow = min(m0 + kBlockM, seqlenQ) - 1;
    int nEnd = seqlenK;
    if (right >= 0) nEnd = min(nEnd, lastRow + diag + right + 1);
    int nStart = 0;
    if (left >= 0) nStart = max(0, m0 + diag - left);
    nBlockMin = nStart / kBlockN;
    // Tiles entirely above the diagonal (or outside the window) are never loaded or computed.
    nBlockMax = nEnd > nStart ? (nEnd + kBlockN - 1) / kBlockN : nBlockMin;
    // Keys at or past `limit` are invisible to the first row: tile n needs the mask once
    // (n + 1) * kBlockN > limit.
    int limit = seqlenK;
    if (right >= 0) limit = min(limit, m0 + diag + right + 1);
    nMaskHi = max(limit, 0) / kBlockN;
    // Keys before `first` are invisible to the last row: tile n needs the mask while n * kBlockN < first.
    const int first = left >= 0 ? lastRow + diag - left : 0;
    nMaskLo = (max(first, 0) + kBlockN - 1) / kBlockN;
  }

  __device__ __forceinline__ bool needsMask(int nBlock) const { return nBlock >= nMaskHi || nBlock < nMaskLo; }
};

/**
 * Sets s to -inf where a row may not see a key. `rowDiag0` is the diagonal key (row + seqlenK -
 * seqlenQ) of this lane's first row (m-tile 0, row g); `n0` the tile's first key. The thread holds
 * keys n0 + 8 nt + 2t + {0, 1} of rows g and g + 8 of each m-tile.
 */
template <int kMT, int kNT>
__device__ __forceinline__ void applyMask(float (&s)[kMT][kNT][4], int rowDiag0, int n0, int lane, int seqlenK,
                                          int left, int right) {
  const int col0 = n0 + 2 * (lane & 3);
#pragma unroll
  for (int mt = 0; mt < kMT; ++mt) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int rowDiag = rowDiag0 + mt * 16 + half * 8;
      const int hi = right >= 0 ? min(seqlenK, rowDiag + right + 1) : seqlenK;  // exclusive
      const int lo = left >= 0 ? rowDiag - left : 0;
#pragma unroll
      for (int nt = 0; nt < kNT; ++nt) {
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int col = col0 + nt * 8 + e;
          if (col < lo || col >= hi) s[mt][nt][2 * half + e] = -INFINITY;
        }
      }
    }
  }
}

}  // namespace fa::sm80
