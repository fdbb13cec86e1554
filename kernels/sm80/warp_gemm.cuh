// The two per-warp tensor-core products of the forward pass: S = Q K^T (both operands from shared
// memory through ldmatrix) and O += P V (P from registers, V through ldmatrix.trans). Fragment
// layouts: kernels/common/mma_sm80.cuh and kernels/common/ldmatrix.cuh.
#pragma once
#include <cstdint>

#include "common/ldmatrix.cuh"
#include "sm80/kernel_traits.cuh"

namespace fa::sm80 {

template <class Cfg, class Elem>
struct WarpGemm {
  using QTile = SmemTile<Cfg::kBlockM, Cfg::kHeadDim>;
  using KVTile = SmemTile<Cfg::kBlockN, Cfg::kHeadDim>;
  static constexpr int kMT = Cfg::kMTiles;
  static constexpr int kNT = Cfg::kNTiles;
  static constexpr int kDT = Cfg::kDTiles;

  /**
   * s[mt][nt] = Q[warpRow0 + 16 mt .. +16, :] . K[8 nt .. +8, :]^T over the whole head dim.
   * Q's A fragment (x4): matrices (rows +0/+8) x (cols +0/+8) in a[0..3] order, so lane l points at
   * row (l & 7) + 8 ((l >> 3) & 1), col 8 (l >> 4). K's B fragments for two n8 tiles (x4): matrices
   * (keys +0, dims +0), (keys +0, dims +8), (keys +8, dims +0), (keys +8, dims +8), i.e. b[0], b[1] of
   * tile 2np then of tile 2np + 1; lane l points at key (l & 7) + 8 (l >> 4), dim 8 ((l >> 3) & 1).
   */
  __device__ __forceinline__ static void qkT(float (&s)[kMT][kNT][4], uint32_t qSmem, uint32_t kSmem, int warpRow0,
                                             int lane) {
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt)
#pragma unroll
      for (int nt = 0; nt < kNT; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e) s[mt][nt][e] = 0.f;

    // Tile bases are 128-byte aligned, so base + laneOffset keeps laneOffset's low 7 bits for the XOR.
    const uint32_t qLane = qSmem + QTile::laneOffset(warpRow0 + (lane & 7) + ((lane >> 3) & 1) * 8, lane >> 4);
    const uint32_t kLane = kSmem + KVTile::laneOffset((lane & 7) + (lane >> 4) * 8, (lane >> 3) & 1);
#pragma unroll
    for (int kk = 0; kk < Cfg::kHeadDim / 16; ++kk) {
      uint32_t a[kMT][4];
#pragma unroll
      for (int mt = 0; mt < kMT; ++mt) ldmatrixX4(a[mt], QTile::at(qLane, mt * 16, kk * 16));
#pragma unroll
      for (int np = 0; np < kNT / 2; ++np) {
        uint32_t b[4];
        ldmatrixX4(b, KVTile::at(kLane, np * 16, kk * 16));
#pragma unroll
        for (int mt = 0; mt < kMT; ++mt) {
          Elem::mma(s[mt][2 * np], a[mt], b[0], b[1]);
          Elem::mma(s[mt][2 * np + 1], a[mt], b[2], b[3]);
        }
      }
    }
  }

  /**
   * The C fragments of S tiles 2kk and 2kk+1 are, element for element, the A fragment of the k16
   * step kk of P V (rows g / g+8, cols 2t, 2t+1 / 2t+8, 2t+9), so P never leaves registers.
   */
  __device__ __forceinline__ static void packP(uint32_t (&pa)[kMT][kNT / 2][4], const float (&s)[kMT][kNT][4]) {
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt)
#pragma unroll
      for (int kk = 0; kk < kNT / 2; ++kk) {
        pa[mt][kk][0] = Elem::pack(s[mt][2 * kk][0], s[mt][2 * kk][1]);
        pa[mt][kk][1] = Elem::pack(s[mt][2 * kk][2], s[mt][2 * kk][3]);
        pa[mt][kk][2] = Elem::pack(s[mt][2 * kk + 1][0], s[mt][2 * kk + 1][1]);
        pa[mt][kk][3] = Elem::pack(s[mt][2 * kk + 1][2], s[mt][2 * kk + 1][3]);
      }
  }

  /**
   * o[mt][dt] += P[rows of mt, this tile's keys] . V[keys, 8 dt .. +8]. V is [key, dim] row-major in
   * shared memory; B needs (key pairs, one dim) per register, which is the transpose, so ldmatrix.trans
   * of matrices (keys +0, dims +0), (keys +8, dims +0), (keys +0, dims +8), (keys +8, dims +8) gives
   * b[0], b[1] of dim tile 2dp then of 2dp + 1; lane l points at key (l & 7) + 8 ((l >> 3) & 1),
   * dim 8 (l >> 4).
   */
  __device__ __forceinline__ static void pv(float (&o)[kMT][kDT][4], const uint32_t (&pa)[kMT][kNT / 2][4],
                                            uint32_t vSmem, int lane) {
    const uint32_t vLane = vSmem + KVTile::laneOffset((lane & 7) + ((lane >> 3) & 1) * 8, lane >> 4);
#pragma unroll
    for (int kk = 0; kk < kNT / 2; ++kk) {
#pragma unroll
      for (int dp = 0; dp < kDT / 2; ++dp) {
        uint32_t b[4];
        ldmatrixX4Trans(b, KVTile::at(vLane, kk * 16, dp * 16));
#pragma unroll
        for (int mt = 0; mt < kMT; ++mt) {
          Elem::mma(o[mt][2 * dp], pa[mt][kk], b[0], b[1]);
          Elem::mma(o[mt][2 * dp + 1], pa[mt][kk], b[2], b[3]);
        }
      }
    }
  }
};

}  // namespace fa::sm80
