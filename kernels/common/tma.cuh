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

// L2 eviction policies for the .L2::cache_hint operand (opaque 64-bit values, as CUTLASS's
// TMA::CacheHintSm90): tiles read once go first, tiles many CTAs re-read (K, V) stay.
constexpr uint64_t kL2EvictFirst = 0x12F0000000000000ull;
constexpr uint64_t kL2EvictLast = 0x14F0000000000000ull;

// cp.async.bulk.tensor.4d global -> shared with an L2 policy, completion counted in bytes on `bar`
// (9.7.9.25.5.1). Out-of-range box elements are zero-filled and still counted.
__device__ __forceinline__ void tmaLoad4d(void* dst, const void* map, uint64_t* bar, int c0, int c1, int c2, int c3,
                                          uint64_t l2Policy) {
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.L2::cache_hint"
      " [%0], [%1, {%3, %4, %5, %6}], [%2], %7;" ::"r"(smemAddress(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(smemAddress(bar)), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "l"(l2Policy)
      : "memory");
}

// tmaLoad4d multicast to the CTAs of the cluster in `ctaMask` (.multicast::cluster): the box lands
// at the same shared-memory offset in each of them, and each one's mbarrier at `bar`'s offset counts
// its bytes (9.7.9.25.5.1).
__device__ __forceinline__ void tmaLoad4dMulticast(void* dst, const void* map, uint64_t* bar, int c0, int c1, int c2,
                                                   int c3, uint16_t ctaMask, uint64_t l2Policy) {
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster.L2::cache_hint"
      " [%0], [%1, {%3, %4, %5, %6}], [%2], %7, %8;" ::"r"(smemAddress(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(smemAddress(bar)), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "h"(ctaMask),
      "l"(l2Policy)
      : "memory");
}

// cp.async.bulk.tensor.5d global -> shared with an L2 policy, completion counted in bytes on `bar`
// (9.7.9.25.5.1). Out-of-range box elements are zero-filled and still counted.
__device__ __forceinline__ void tmaLoad5d(void* dst, const void* map, uint64_t* bar, int c0, int c1, int c2, int c3, int c4,
                                          uint64_t l2Policy) {
  asm volatile(
      "cp.async.bulk.tensor.5d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.L2::cache_hint"
      " [%0], [%1, {%3, %4, %5, %6, %7}], [%2], %8;" ::"r"(smemAddress(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(smemAddress(bar)), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(c4), "l"(l2Policy)
      : "memory");
}

// cp.async.bulk.tensor.4d shared -> global; out-of-range box elements are not written (9.7.9.25.5.2).
// The source must have been fenced (fenceProxyAsyncShared) by every thread that wrote it.
__device__ __forceinline__ void tmaStore4d(const void* map, const void* src, int c0, int c1, int c2, int c3) {
  asm volatile("cp.async.bulk.tensor.4d.global.shared::cta.tile.bulk_group [%0, {%2, %3, %4, %5}], [%1];" ::"l"(
                   reinterpret_cast<uint64_t>(map)),
               "r"(smemAddress(src)), "r"(c0), "r"(c1), "r"(c2), "r"(c3)
               : "memory");
}

// cp.async.bulk.tensor.5d shared -> global; out-of-range box elements are not written (9.7.9.25.5.2).
// The source must have been fenced (fenceProxyAsyncShared) by every thread that wrote it.
__device__ __forceinline__ void tmaStore5d(const void* map, const void* src, int c0, int c1, int c2, int c3, int c4) {
  asm volatile("cp.async.bulk.tensor.5d.global.shared::cta.tile.bulk_group [%0, {%2, %3, %4, %5, %6}], [%1];" ::"l"(
                   reinterpret_cast<uint64_t>(map)),
               "r"(smemAddress(src)), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(c4)
               : "memory");
}

// cp.async.bulk.commit_group: closes the bulk stores issued so far by this thread (9.7.9.25.6.1).
__device__ __forceinline__ void bulkCommitGroup() { asm volatile("cp.async.bulk.commit_group;" ::: "memory"); }

// cp.async.bulk.wait_group.read 0: the sources of all committed bulk stores have been read, so that
// shared memory may be reused or the CTA may exit (9.7.9.25.6.2).
__device__ __forceinline__ void bulkWaitGroupRead0() { asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory"); }

}  // namespace fa
