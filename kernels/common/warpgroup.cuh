// Warp-specialization primitives for sm_90a: register reallocation between warpgroups, named
// barriers, and the proxy fence between ordinary shared-memory stores and the async proxy.
#pragma once
#include <cstdint>

namespace fa {

// setmaxnreg.inc: this warpgroup grows to `Regs` registers per thread, waiting for the CTA pool (9.7.19.4).
template <int Regs>
__device__ __forceinline__ void warpgroupRegistersIncrease() {
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(Regs));
}

// setmaxnreg.dec: this warpgroup gives registers back to the CTA pool, down to `Regs` (9.7.19.4).
template <int Regs>
__device__ __forceinline__ void warpgroupRegistersDecrease() {
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(Regs));
}

// bar.sync id, count: waits until `count` threads (a multiple of 32) arrived or synced on `id` (9.7.13.1).
__device__ __forceinline__ void namedBarrierSync(uint32_t id, uint32_t count) {
  asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(count) : "memory");
}

// bar.arrive id, count: counts this warp on barrier `id` without waiting (9.7.13.1).
__device__ __forceinline__ void namedBarrierArrive(uint32_t id, uint32_t count) {
  asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(count) : "memory");
}

// fence.proxy.async.shared::cta: makes this thread's ordinary shared-memory writes visible to the
// async proxy (TMA stores, wgmma operand reads) (9.7.13.4, "membar/fence").
__device__ __forceinline__ void fenceProxyAsyncShared() {
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}

// elect.sync: true in exactly one lane of the converged warp (9.7.13.9).
__device__ __forceinline__ bool electOneSync() {
  uint32_t pred = 0;
  asm volatile(
      "{\n.reg .pred p;\n.reg .b32 laneid;\n"
      "elect.sync laneid|p, 0xffffffff;\n"
      "selp.u32 %0, 1, 0, p;\n}\n"
      : "=r"(pred));
  return pred != 0;
}

// %dynamic_smem_size: bytes of dynamic shared memory this launch was given (PTX ISA 10, special registers).
__device__ __forceinline__ uint32_t dynamicSmemBytes() {
  uint32_t r;
  asm volatile("mov.u32 %0, %%dynamic_smem_size;\n" : "=r"(r));
  return r;
}

}  // namespace fa
