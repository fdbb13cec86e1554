// Asynchronous global-to-shared copies for sm_80+ (PTX ISA, "Data Movement and Conversion
// Instructions: cp.async", "cp.async.commit_group", "cp.async.wait_group"). Only kernels/common/ holds
// asm(); kernels call these by name.
#pragma once
#include <cstdint>

namespace fa {

// cp.async.cg.shared.global [dst], [src], 16, src-size: copies 16 bytes, bypassing L1 (.cg), when
// `valid`; otherwise src-size is 0 and the 16 destination bytes are zero-filled without reading src
// (out-of-range rows and padded head-dim columns become zeros, so they add nothing to dot products).
__device__ __forceinline__ void cpAsync16ZeroFill(uint32_t smemAddr, const void* gmem, bool valid) {
  const uint32_t srcBytes = valid ? 16u : 0u;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smemAddr), "l"(gmem), "r"(srcBytes)
               : "memory");
}

// cp.async.commit_group: closes the group of every cp.async issued since the previous commit.
__device__ __forceinline__ void cpAsyncCommitGroup() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

// cp.async.wait_group N: waits until at most N of this thread's most recent groups are pending.
template <int N>
__device__ __forceinline__ void cpAsyncWaitGroup() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

}  // namespace fa
