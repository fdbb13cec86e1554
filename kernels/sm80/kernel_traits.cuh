// Tile configuration, element types and the swizzled shared-memory tile layout of the portable
// (sm_80+) attention forward kernel.
#pragma once
#include <cstdint>

#include "common/fast_math.cuh"
#include "common/mma_sm80.cuh"

namespace fa::sm80 {

/** float16 inputs and outputs: MMA flavor and float-pair packing. */
struct Fp16 {
  __device__ __forceinline__ static void mma(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    mmaM16N8K16F16(d, a, b0, b1);
  }
  __device__ __forceinline__ static uint32_t pack(float lo, float hi) { return packHalf2(lo, hi); }
};

/** bfloat16 inputs and outputs. */
struct Bf16 {
  __device__ __forceinline__ static void mma(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    mmaM16N8K16Bf16(d, a, b0, b1);
  }
  __device__ __forceinline__ static uint32_t pack(float lo, float hi) { return packBfloat162(lo, hi); }
};

/** One row of kernels/sm80/attn_fwd_sm80_configs.h and everything derived from it. */
template <int kHeadDim_, int kBlockM_, int kBlockN_, int kNWarps_, int kStages_>
struct AttnFwdConfig {
  static constexpr int kHeadDim = kHeadDim_;
  static constexpr int kBlockM = kBlockM_;
  static constexpr int kBlockN = kBlockN_;
  static constexpr int kNWarps = kNWarps_;
  static constexpr int kStages = kStages_;
  static constexpr int kThreads = kNWarps * 32;
  /** Query rows owned by one warp, and the m16 MMA tiles they make. */
  static constexpr int kWarpRows = kBlockM / kNWarps;
  static constexpr int kMTiles = kWarpRows / 16;
  /** n8 MMA tiles across one K tile (S) and across the head dim (O). */
  static constexpr int kNTiles = kBlockN / 8;
  static constexpr int kDTiles = kHeadDim / 8;
  static constexpr int kQBytes = kBlockM * kHeadDim * 2;
  static constexpr int kKVTileBytes = kBlockN * kHeadDim * 2;
  static constexpr int kSmemBytes = kQBytes + kStages * kKVTileBytes;
  /**
   * Skip O's rescale on tiles where no row max of the warp moved (one warp vote per tile). H100,
   * 2k-16k: +3-5% at head dim 128 (32 rows x 128 O floats per thread, the largest rescale); -5% at 64
   * and -2% at 256, where the split it forces into the softmax costs more than the multiplies saved.
   */
  static constexpr bool kVoteRescale = kMTiles == 2 && kDTiles >= 16;

  static_assert(kWarpRows % 16 == 0, "each warp owns whole m16 tiles");
  static_assert(kBlockN % 16 == 0, "S n-tiles pair up into k16 steps of P@V");
  static_assert(kHeadDim % 16 == 0, "head dim is consumed in k16 steps and n8 pairs");
  static_assert(kStages >= 2, "the K/V ring needs a slot to fill while another is read");
};

/**
 * A [kRows, kHeadDim] tile of 16-bit elements in shared memory, stored as kHeadDim / kColBlock
 * column blocks, each [kRows, kColBlock] row-major. Within a column block the 16-byte chunks of a
 * row are XOR-swizzled with the row index, so the 8 rows that one ldmatrix phase (or one cp.async
 * wave) touches fall in 8 different 16-byte bank groups: no bank conflicts for rows of any stride.
 * kColBlock is 64 elements (128-byte rows, 8 chunks, chunk ^= row & 7) when the head dim allows,
 * else 32 (64-byte rows, 4 chunks, chunk ^= (row >> 1) & 3: two rows share one 128-byte line).
 */
template <int kRows, int kHeadDim>
struct SmemTile {
  static constexpr int kColBlock = kHeadDim % 64 == 0 ? 64 : 32;
  static constexpr int kChunksPerRow = kColBlock / 8;
  static constexpr int kRowBytes = kColBlock * 2;
  static constexpr int kColBlockBytes = kRows * kRowBytes;
  static constexpr int kColBlocks = kHeadDim / kColBlock;
  static_assert(kHeadDim % kColBlock == 0, "head dim must be a multiple of 32");

  /** The XOR applied to a row's chunk byte offsets. Depends only on row & 7. */
  __device__ __forceinline__ static uint32_t swizzle(int row) {
    return kChunksPerRow == 8 ? uint32_t(row & 7) << 4 : uint32_t((row >> 1) & 3) << 4;
  }

  /**
   * A lane's fixed part of an address in the tile: its row (rows that differ from it by multiples of
   * 8 share the swizzle) and a 16-byte chunk within a column block, as one byte offset. Row bytes are
   * multiples of 64 and chunk/swizzle bits are bits 4..6 below them, so moving to another chunk is
   * one XOR and moving by whole rows or column blocks is an add that folds into the instruction's
   * immediate: a loop over k-steps keeps one register per tile instead of one per address.
   */
  __device__ __forceinline__ static uint32_t laneOffset(int row, int chunk) {
    return uint32_t(row) * kRowBytes + ((uint32_t(chunk) << 4) ^ swizzle(row));
  }

  /**
   * laneOffset(row, chunk) moved by rowAdd rows (a multiple of 8) and col columns (a multiple of 16,
   * so the lane's chunk bit 0 is untouched). Both are compile-time after unrolling.
   */
  __device__ __forceinline__ static uint32_t at(uint32_t laneOff, int rowAdd, int col) {
    return (laneOff ^ (uint32_t((col % kColBlock) / 8) << 4)) + uint32_t(rowAdd) * kRowBytes +
           uint32_t(col / kColBlock) * kColBlockBytes;
  }

  /** Byte offset of the 16-byte chunk holding elements (row, col .. col + 7); col % 8 == 0. */
  __device__ __forceinline__ static uint32_t offset(int row, int col) {
    return uint32_t(col / kColBlock) * kColBlockBytes + uint32_t(row) * kRowBytes +
           ((uint32_t((col % kColBlock) / 8) << 4) ^ swizzle(row));
  }
};

}  // namespace fa::sm80
