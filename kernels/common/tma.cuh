// TMA (bulk tensor copy) wrappers (PTX ISA 9.7.9.25, "cp.async.bulk.tensor"), sm_90+.
#pragma once
#include <cstdint>
#include "mbarrier.cuh"

namespace fa {

// prefetch.tensormap: pulls the descriptor into the cache before its first use (9.7.9.26).
__device__ __forceinline__ void tmaPrefetchDescriptor(const void* map) {
  asm volatile("prefetch.tensormap [%0];" ::"l"(reinterpret_cast<uint64_t>(map)) : "memory");
}

// cp.async.bulk.tensor.2d global -> shared, completion counted in bytes on `bar` (9.7.9.25.5.1).
__device__ __forceinline__ void tmaLoad2d(void* dst, const void* map, uint64_t* bar, int c0, int c1) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%3, %4}], [%2];" ::"r"(
          smemAddress(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(smemAddress(bar)), "r"(c0), "r"(c1)
      : "memory");
}

}  // namespace fa
