// Warpgroup MMA (wgmma) support, sm_90a: shared-memory matrix descriptors, the fence / commit /
// wait protocol, and the per-shape instruction wrappers (generated, wgmma_instructions.cuh).
// PTX ISA 9.7.15 ("Asynchronous Warpgroup Level Matrix Multiply-Accumulate Instructions").
#pragma once
#include <cstdint>
#include "mbarrier.cuh"
#include "wgmma_instructions.cuh"

namespace fa {

// Matrix descriptor (9.7.15.5.1): start address, leading (LBO) and stride (SBO) byte offsets, all
// stored >> 4 over 14 bits of the shared-window address; bits 62-63 select the 128-byte swizzle.
// Tiles are 1024-byte aligned, so the base-offset field stays 0.
constexpr uint64_t kWgmmaSwizzle128B = 1ull << 62;

__device__ __forceinline__ uint64_t wgmmaDescriptor128B(uint32_t smemAddr, uint32_t lboBytes, uint32_t sboBytes) {
  return static_cast<uint64_t>((smemAddr & 0x3FFFF) >> 4) | (static_cast<uint64_t>((lboBytes & 0x3FFFF) >> 4) << 16) |
         (static_cast<uint64_t>((sboBytes & 0x3FFFF) >> 4) << 32) | kWgmmaSwizzle128B;
}

// wgmma.fence: orders this thread's earlier register writes before the next wgmma reads them (9.7.15.7.1).
__device__ __forceinline__ void wgmmaFence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }

// wgmma.commit_group: closes the batch of wgmma issued since the last commit (9.7.15.7.2).
__device__ __forceinline__ void wgmmaCommitGroup() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }

// wgmma.wait_group N: returns once at most N of the newest committed groups are pending (9.7.15.7.3).
template <int N>
__device__ __forceinline__ void wgmmaWaitGroup() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

// An empty asm that "rewrites" each register: the compiler may not move reads of wgmma results above
// the preceding wgmma.wait_group, nor writes of operands below the next wgmma (no PTX emitted).
template <int N>
__device__ __forceinline__ void registerFence(float (&r)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i) asm volatile("" : "+f"(r[i])::"memory");
}
template <int N, int M>
__device__ __forceinline__ void registerFence(uint32_t (&r)[N][M]) {
#pragma unroll
  for (int i = 0; i < N; ++i)
#pragma unroll
    for (int j = 0; j < M; ++j) asm volatile("" : "+r"(r[i][j])::"memory");
}

}  // namespace fa
