// Optional timeline of the Hopper forward, for diagnosis only: built when FA_SM90_TRACE is defined
// (the checker's trace build, kernels/test/attn_fwd_sm90_check.cu --trace); the production build
// compiles FA_SM90_TRACE_EVENT to nothing. Thread 0 of each warpgroup (the producer and every
// consumer) of the first kTraceCtas CTAs appends (clock64, event, argument) records; the SM's cycle
// counter is common to all warpgroups of a CTA, so their records interleave on one time axis.
// An event costs ~100-200 cycles on its warpgroup's critical path (the pointer and counter are
// reloaded after every asm memory clobber): hd128 at 16k ran ~4100 cycles per key block traced
// against ~2750 untraced, so read the order and the proportions, not absolute durations.
#pragma once
#include <cstdint>

namespace fa::sm90 {

enum TraceEvent : uint32_t {
  kTraceTileStart = 1,  // consumer: Q landed (argument: tile's query block)
  kTraceTurn,           // consumer: got the pingpong turn (argument: key block)
  kTraceGemmsIssued,    // consumer: S (and P V) GEMMs committed, turn handed on
  kTraceSReady,         // consumer: S GEMM complete
  kTraceSoftmaxDone,    // consumer: softmax of the block done
  kTracePvDone,         // consumer: P V GEMM complete
  kTraceEpilogueStart,  // consumer: last P V complete, epilogue begins
  kTraceEpilogueEnd,    // consumer: O store issued
  kTraceLoadQ,          // producer: Q load issued (argument: query block)
  kTraceLoadK,          // producer: K load issued (argument: key block)
  kTraceLoadV,          // producer: V load issued (argument: key block)
  kTraceKWaitFull,      // consumer: waited for K to land (argument: key block) -- before the wait
  kTraceVWaitFull,      // consumer: waited for V to land -- before the wait
};

#ifdef FA_SM90_TRACE
constexpr int kTraceCtas = 4;
constexpr int kTraceSlots = 4;  // warpgroups per CTA at most
constexpr int kTraceEvents = 1 << 14;
// [kTraceCtas][kTraceSlots][kTraceEvents] records (clock64 << 24 | event << 16 | argument), set by
// the host with cudaMemcpyToSymbol; null: no tracing.
__device__ uint64_t* gTrace;
__shared__ uint32_t gTraceCount[kTraceSlots];

// Thread 0 of the CTA, before the kernel's first __syncthreads.
__device__ __forceinline__ void traceInit() {
  for (int i = 0; i < kTraceSlots; ++i) gTraceCount[i] = 0;
}

__device__ __forceinline__ void traceEvent(uint32_t event, uint32_t argument) {
  const uint32_t slot = threadIdx.x / 128;
  if (threadIdx.x % 128 != 0 || blockIdx.x >= kTraceCtas || gTrace == nullptr) return;
  const uint32_t i = gTraceCount[slot];
  if (i >= kTraceEvents) return;
  gTraceCount[slot] = i + 1;
  gTrace[(blockIdx.x * kTraceSlots + slot) * kTraceEvents + i] =
      (static_cast<uint64_t>(clock64()) << 24) | (static_cast<uint64_t>(event) << 16) | (argument & 0xFFFF);
}
#define FA_SM90_TRACE_INIT() ::fa::sm90::traceInit()
#define FA_SM90_TRACE_EVENT(event, argument) ::fa::sm90::traceEvent(event, argument)
#else
#define FA_SM90_TRACE_INIT() ((void)0)
#define FA_SM90_TRACE_EVENT(event, argument) ((void)0)
#endif

}  // namespace fa::sm90
