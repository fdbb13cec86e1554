// mbarrier wrappers (PTX ISA 9.7.13.15, "Parallel Synchronization and Communication Instructions: mbarrier").
// Only kernels/common/ holds asm(); kernels call these by name.
#pragma once
#include <cstdint>

namespace fa {

__device__ __forceinline__ uint32_t smemAddress(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// st.shared.b32 at a shared-window address (smemAddress) (PTX ISA 9.7.9.10, st; ld is 9.7.9.8).
// A C++ store through a pointer into the dynamic shared memory (after the alignment arithmetic on
// its address) compiles to a generic ST.E, which resolves the address space at run time (the sm90
// epilogue's O stores, SASS of session 7); this is the shared-memory store itself.
__device__ __forceinline__ void storeShared32(uint32_t addr, uint32_t value) {
  asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(addr), "r"(value) : "memory");
}

// ld.shared.b32 at a shared-window address (smemAddress): the load that storeShared32 pairs with.
// A C++ load through such a pointer is a generic LD.E with a 64-bit address, two registers where
// this needs one (the sm90 consumers' tile reads from the hand-over ring). Ordered like a memory
// access against the barriers around it.
__device__ __forceinline__ uint32_t loadShared32(uint32_t addr) {
  uint32_t value;
  asm volatile("ld.shared.b32 %0, [%1];\n" : "=r"(value) : "r"(addr) : "memory");
  return value;
}

// mbarrier.init: arrivals expected per phase (9.7.13.15.9).
__device__ __forceinline__ void mbarrierInit(uint64_t* bar, uint32_t arrivals) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(smemAddress(bar)), "r"(arrivals) : "memory");
}

// fence.mbarrier_init: makes initialized barriers visible to the async proxy (TMA) (9.7.13.4).
__device__ __forceinline__ void fenceBarrierInit() {
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
}

// mbarrier.arrive.expect_tx: arrive once and expect `bytes` of asynchronous transactions (9.7.13.15.11).
__device__ __forceinline__ void mbarrierArriveExpectTx(uint64_t* bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(smemAddress(bar)), "r"(bytes) : "memory");
}

// mbarrier.arrive: plain arrival (9.7.13.15.13).
__device__ __forceinline__ void mbarrierArrive(uint64_t* bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(smemAddress(bar)) : "memory");
}

// How long (ns) a thread waiting on an mbarrier may stay suspended before try_wait gives up and
// the loop asks again: the suspendTimeHint of mbarrier.try_wait (9.7.13.15.16), the value
// CUTLASS's ClusterBarrier::wait passes (10 ms). With a hint, ptxas emits the wait as TRYWAIT, then
// NANOSLEEP.SYNCS (the warp sleeps until the barrier's phase completes) and one more phase check,
// as in FlashAttention-3's SASS; without one, try_wait returns after a short system-defined time
// and the loop spins: in ncu (H100, 2026-12-07, hd128 16k) our producer warp executed ~440k
// TRYWAIT + BRA pairs per SM and launch while waiting for free K/V stages, ~10% of all
// instructions of the kernel, on the issue slots of the consumer warps sharing its SM
// sub-partition (kernels/NOTES.md, "Session 10"). Traits::kWaitSuspendNs picks it per kernel:
// the checker's `_sleep` kernels. Not in production: on the H100 (session 11) sleeping waits,
// with the uniform warpgroup index, timed within the noise of the spinning loop, no faster.
constexpr uint32_t kMbarrierSuspendNs = 10000000;

// mbarrier.try_wait.parity in a loop: returns once the phase with parity `phase` has completed
// (9.7.13.15.16). kSuspendNs > 0 passes it as the suspend-time hint (see kMbarrierSuspendNs).
template <uint32_t kSuspendNs = 0>
__device__ __forceinline__ void mbarrierWait(uint64_t* bar, uint32_t phase) {
  if constexpr (kSuspendNs == 0) {
    asm volatile(
        "{\n"
        ".reg .pred done;\n"
        "WAIT_%=:\n"
        "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
        "@!done bra WAIT_%=;\n"
        "}\n" ::"r"(smemAddress(bar)),
        "r"(phase)
        : "memory");
  } else {
    asm volatile(
        "{\n"
        ".reg .pred done;\n"
        "WAIT_%=:\n"
        "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1, %2;\n"
        "@!done bra WAIT_%=;\n"
        "}\n" ::"r"(smemAddress(bar)),
        "r"(phase), "r"(kSuspendNs)
        : "memory");
  }
}

// Thread block clusters (PTX ISA: mapa, mbarrier.arrive with .shared::cluster, barrier.cluster).
// mbarrier.arrive on the barrier at the same shared-memory offset in the cluster's CTA `ctaRank`
// (this CTA's own included), with the default semantics (.release at .cta scope), as CUTLASS's
// ClusterBarrier::arrive(cta_id) does for a consumer's release of a multicast stage. An explicit
// .release.cluster compiles to a MEMBAR.ALL.CTA + MEMBAR.ALL.GPU before every arrival (SASS,
// session 8): the cluster kernels then ran 11-19% slower at 8k-16k (kernels/NOTES.md).
__device__ __forceinline__ void mbarrierArriveCluster(uint64_t* bar, uint32_t ctaRank) {
  asm volatile(
      "{\n"
      ".reg .b32 remote;\n"
      "mapa.shared::cluster.u32 remote, %0, %1;\n"
      "mbarrier.arrive.shared::cluster.b64 _, [remote];\n"
      "}\n" ::"r"(smemAddress(bar)),
      "r"(ctaRank)
      : "memory");
}

// st.async (PTX ISA, "Data Movement and Conversion Instructions: st.async"): stores `value` at the
// offset of `dst` in the shared memory of the cluster's CTA `ctaRank` and completes 4 bytes of
// transactions on the mbarrier at the offset of `bar` there, so the receiver waits on its own
// barrier (with an expect_tx of 4) and then reads the word: data and signal in one message.
__device__ __forceinline__ void storeAsyncCluster32(const void* dst, uint32_t value, uint64_t* bar, uint32_t ctaRank) {
  asm volatile(
      "{\n"
      ".reg .b32 rdst, rbar;\n"
      "mapa.shared::cluster.u32 rdst, %0, %3;\n"
      "mapa.shared::cluster.u32 rbar, %1, %3;\n"
      "st.async.shared::cluster.mbarrier::complete_tx::bytes.b32 [rdst], %2, [rbar];\n"
      "}\n" ::"r"(smemAddress(dst)),
      "r"(smemAddress(bar)), "r"(value), "r"(ctaRank)
      : "memory");
}

// barrier.cluster.arrive.release + barrier.cluster.wait.acquire: every thread of every CTA of the
// cluster (warp-aligned: whole warps call it). Before the first cross-CTA access it makes the
// peers' barrier inits visible.
__device__ __forceinline__ void clusterSync() {
  asm volatile(
      "barrier.cluster.arrive.release.aligned;\n"
      "barrier.cluster.wait.acquire.aligned;\n" ::
          : "memory");
}

}  // namespace fa
