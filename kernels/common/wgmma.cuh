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

// The descriptor is kept as two words: the low word holds the address and LBO fields and is the
// only one that depends on where the tile is; the high word (SBO, swizzle) is a compile-time
// constant. Moving the start address by a multiple of 16 bytes adds bytes >> 4 to the low word:
// shared-window addresses are below 2^18, so the 14-bit address field never carries into the LBO
// field. So the descriptors of a loop are one add each, not a rebuild.
__device__ __forceinline__ uint32_t wgmmaDescriptorLow128B(uint32_t smemAddr, uint32_t lboBytes) {
  return ((smemAddr & 0x3FFFF) >> 4) | (((lboBytes & 0x3FFFF) >> 4) << 16);
}
__host__ __device__ constexpr uint32_t wgmmaDescriptorHigh128B(uint32_t sboBytes) {
  return ((sboBytes & 0x3FFFF) >> 4) | static_cast<uint32_t>(kWgmmaSwizzle128B >> 32);
}
__device__ __forceinline__ uint64_t wgmmaDescriptorFromWords(uint32_t low, uint32_t high) {
  return (static_cast<uint64_t>(high) << 32) | low;
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

// Keeps the registers an in-flight wgmma reads (an RS A operand, 4 per k16 step) allocated up to
// this point. ptxas ends an operand's live range at the wgmma's issue, so it may give the same
// physical registers to values computed before the wgmma.wait_group that completes it, and must
// then hoist that wait above their computation (kernels/NOTES.md: the P V wait ended up above the
// whole softmax). A shared-memory store predicated on `never`, which is false at run time but
// unknown to ptxas, is the later use; it costs one issue slot per 4 registers and stores nothing.
template <int N>
__device__ __forceinline__ void keepOperandsLive(const uint32_t (&r)[N][4], uint32_t smemAddr, bool never) {
#pragma unroll
  for (int i = 0; i < N; ++i) {
    asm volatile(
        "{\n .reg .pred p;\n setp.ne.b32 p, %0, 0;\n @p st.shared.v4.b32 [%1], {%2, %3, %4, %5};\n}\n" ::"r"(
            static_cast<uint32_t>(never)),
        "r"(smemAddr), "r"(r[i][0]), "r"(r[i][1]), "r"(r[i][2]), "r"(r[i][3])
        : "memory");
  }
}

// The same never-executed store as a sink for float results (N a multiple of 4): their producers
// (wgmmas included, which ptxas drops when nothing reads their accumulators) stay in the kernel.
// For timing diagnostics that write no output.
template <int N>
__device__ __forceinline__ void keepFloatsLive(const float (&r)[N], uint32_t smemAddr, bool never) {
  static_assert(N % 4 == 0, "whole 16-byte stores");
  uint32_t words[N / 4][4];
#pragma unroll
  for (int i = 0; i < N; ++i) words[i / 4][i % 4] = __float_as_uint(r[i]);
  keepOperandsLive(words, smemAddr, never);
}

// Reads the SM clock into a store predicated on `never` (false at run time, unknown to ptxas):
// three instructions that ptxas does not move other instructions across, used to keep work above a
// wgmma.wait_group that ptxas would otherwise sink below it.
__device__ __forceinline__ void schedulingFence(uint32_t smemAddr, bool never) {
  asm volatile(
      "{\n .reg .u32 c;\n .reg .pred p;\n mov.u32 c, %%clock;\n setp.ne.b32 p, %0, 0;\n @p st.shared.u32 [%1], c;\n}\n" ::"r"(
          static_cast<uint32_t>(never)),
      "r"(smemAddr)
      : "memory");
}

}  // namespace fa
