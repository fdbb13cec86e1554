// Compile-time configuration of the Hopper attention forward: tile sizes, warp roles, register
// split, shared-memory layout, named-barrier ids, and the K/V pipeline state.
#pragma once
#include <cstdint>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace fa::sm90 {

// kBlockN per head dim (kBlockM is 128 for all: two consumer warpgroups of 64 query rows).
//  64: 128. FA3 takes 192 x 128/192 with three consumer warpgroups; later tuning.
// 128: 128. FA3's non-causal 176 is the next step (K/V stages 2 x 44 KB each).
// 192: 112 (FA3's choice too), because Q 48 KB + K 2 x 42 KB + V 2 x 42 KB = 216 KB fits and
//      kBlockN 128 would need Q 48 KB + 4 x 48 KB = 240 KB (227 KB is all there is). Registers per
//      consumer thread: O 96 + S 56 + P 28 = 180 of 240.
// 256: 80, because Q 64 KB + K 2 x 40 KB + V 2 x 40 KB = 224 KB is all the shared memory there is
//      (kBlockN 96 would need 256 KB).
// Head dims that are not multiples of 64 run on the next size up (TMA zero-fills the extra columns).
template <int kHeadDim>
struct TileN;
template <>
struct TileN<64> {
  static constexpr int value = 128;
};
template <>
struct TileN<128> {
  static constexpr int value = 128;
};
template <>
struct TileN<192> {
  static constexpr int value = 112;
};
template <>
struct TileN<256> {
  static constexpr int value = 80;
};

// Fixed ids of the named barriers (0 is __syncthreads). Counts are in the comments of their users.
enum NamedBarrierId : uint32_t {
  kBarrierEpilogueWg0 = 1,  // + consumer warpgroup index: its 128 threads before the O store
  kBarrierSchedulerWg0 = 3,  // + consumer warpgroup index: pingpong turn of that warpgroup (256)
};

// kBlockNOverride (0: TileN) exists for tile-size experiments (kernels/test/attn_fwd_sm90_check.cu).
template <typename Element_, int kHeadDim_, bool kWindowed_, bool kIntraWgOverlap_, bool kPingpong_,
          bool kPersistent_ = true, int kBlockNOverride = 0>
struct Traits {
  using Element = Element_;
  static_assert(sizeof(Element) == 2, "16-bit inputs only (fp8 needs V transposed in shared memory)");
  static constexpr int kHeadDim = kHeadDim_;
  // Causal and local windows share one mask: causal is the window [-1, 0].
  static constexpr bool kWindowed = kWindowed_;
  // Softmax of block j runs while the tensor cores compute Q K_{j-1}^T (FA3's intra-warpgroup overlap).
  static constexpr bool kIntraWgOverlap = kIntraWgOverlap_;
  // The two consumer warpgroups take turns issuing GEMMs, so one's softmax hides under the other's GEMMs.
  static constexpr bool kPingpong = kPingpong_;
  // Grid = min(#SMs, #work units), each CTA loops over units (tile_scheduler.cuh); false: one CTA per tile (v1).
  static constexpr bool kPersistent = kPersistent_;

  static constexpr int kConsumerWarpgroups = 2;
  static constexpr int kRowsPerWarpgroup = 64;  // one m64 wgmma
  static constexpr int kBlockM = kConsumerWarpgroups * kRowsPerWarpgroup;
  static constexpr int kBlockN = kBlockNOverride ? kBlockNOverride : TileN<kHeadDim>::value;
  static constexpr int kStages = 2;
  static constexpr int kThreads = 128 * (1 + kConsumerWarpgroups);
  // 128 * (24 + 2 * 240) = 64512 <= 65536 registers per SM; more would deadlock setmaxnreg.inc.
  static constexpr int kProducerRegisters = 24;
  static constexpr int kConsumerRegisters = 240;
  static_assert(128 * (kProducerRegisters + kConsumerWarpgroups * kConsumerRegisters) <= 65536, "register pool");

  // 128-byte swizzle: a tile is stored as column chunks of 64 elements (128 B) x rows.
  static constexpr int kChunkCols = 64;
  static constexpr int kChunks = kHeadDim / kChunkCols;
  // Compiled head dims are multiples of 64; others run on the next one up (zero-filled columns).
  static_assert(kHeadDim % kChunkCols == 0, "compiled head dims are multiples of 64");
  static_assert(kBlockN % 16 == 0 && kBlockN <= 256, "kBlockN is the N of an m64nNk16 wgmma and the K of P V");

  static constexpr int kQBytes = kBlockM * kHeadDim * 2;
  static constexpr int kKBytes = kBlockN * kHeadDim * 2;
  static constexpr int kVBytes = kBlockN * kHeadDim * 2;
  // Layout from the 1024-aligned base: Q (reused for O), K stages, V stages, then the mbarriers.
  // Every chunk is a multiple of 1024 B, so each swizzle atom starts on its repeat boundary.
  static constexpr int kOffsetQ = 0;
  static constexpr int kOffsetK = kOffsetQ + kQBytes;
  static constexpr int kOffsetV = kOffsetK + kStages * kKBytes;
  static constexpr int kOffsetBarriers = kOffsetV + kStages * kVBytes;
  static constexpr int kBarrierCount = 2 + 4 * kStages;  // Q full, Q/O free, full/empty K, full/empty V
  static constexpr int kSmemAlign = 1024;
  // Dynamic shared memory is only 16-byte aligned: ask for the slack to round the base up.
  static constexpr int kSmemBytes = kOffsetBarriers + 8 * kBarrierCount + kSmemAlign;
  static_assert(kSmemBytes <= 232448, "more than the 227 KB of shared memory an H100 block may use");
};

// Stage index and phase parity of a circular buffer of mbarrier-guarded stages.
template <int kStages>
struct PipelineState {
  int stage = 0;
  uint32_t phase = 0;
  __device__ __forceinline__ void advance() {
    if (++stage == kStages) {
      stage = 0;
      phase ^= 1;
    }
  }
};

// Pointers into the CTA's shared memory.
template <class T>
struct SharedTiles {
  uint8_t* q;  // [kChunks][kBlockM][128 B]; each consumer warpgroup's O overwrites its own rows at the end
  uint8_t* k;  // [kStages][kChunks][kBlockN][128 B]
  uint8_t* v;  // [kStages][kChunks][kBlockN][128 B]
  uint64_t* barQ;
  // Q/O tile free: one arrival per consumer warpgroup once its O store has left shared memory; the
  // producer waits on it before loading the next tile's Q over the O of the previous one.
  uint64_t* emptyQ;
  uint64_t* fullK;   // [kStages], 1 arrival + bytes
  uint64_t* emptyK;  // [kStages], one arrival per consumer warpgroup
  uint64_t* fullV;
  uint64_t* emptyV;

  __device__ __forceinline__ explicit SharedTiles(uint8_t* raw) {
    uint8_t* base = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(raw) + T::kSmemAlign - 1) &
                                               ~static_cast<uintptr_t>(T::kSmemAlign - 1));
    q = base + T::kOffsetQ;
    k = base + T::kOffsetK;
    v = base + T::kOffsetV;
    uint64_t* bars = reinterpret_cast<uint64_t*>(base + T::kOffsetBarriers);
    barQ = bars;
    emptyQ = bars + 1;
    fullK = bars + 2;
    emptyK = fullK + T::kStages;
    fullV = emptyK + T::kStages;
    emptyV = fullV + T::kStages;
  }
  __device__ __forceinline__ uint8_t* kStage(int s) const { return k + s * T::kKBytes; }
  __device__ __forceinline__ uint8_t* vStage(int s) const { return v + s * T::kVBytes; }
};

}  // namespace fa::sm90
