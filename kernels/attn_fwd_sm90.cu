// FlashAttention-3-style forward for Hopper (sm_90a). A CTA loops over tiles of (kBlockM query rows,
// head, batch); kBlockM is 64 per consumer warpgroup (three at head dim 64, two otherwise):
//
//   warpgroup 0     producer   24 / 32 registers   one thread: TMA Q once, K and V through 2-stage rings
//                                                  (varlen kernels: 40 / 232 registers; a whole warp
//                                                  finds the tiles of the packed sequences and loads)
//   warpgroup 1     consumer  240 / 160 registers  query rows   0..63:  S = Q K^T (wgmma SS), online softmax,
//   warpgroup 2     consumer                       query rows  64..127: O += P V (wgmma RS), epilogue
//   (warpgroup 3)   consumer                       query rows 128..191 (head dim 64, not windowed or varlen)
//
// Roles live in kernels/sm90/: mainloop_producer.cuh, mainloop_consumer.cuh, softmax.cuh, mask.cuh,
// epilogue.cuh, tile_scheduler.cuh; tile sizes and shared-memory layout in attn_fwd_sm90_traits.h;
// the kernels built in attn_fwd_sm90_instances.h. Launch: block Traits::kThreads (384 or 512),
// dynamic shared memory Traits::kSmemBytes; grid [min(#SMs, work units)] for the persistent kernels
// (Traits::kPersistent, the default; every kernel of the table), where a unit is a tile, or a pair
// of query blocks in the windowed kernels (tile_scheduler.cuh); [ceil(seqlenQ / kBlockM), heads,
// batch] for kPersistent = false (the v1 ablation, built only into the checker).
// Traits::kWarpSpecialized = false (FA3's "without warp specialization" ablation, checker only):
// no producer warpgroup and no setmaxnreg, block 128 x kConsumerWarpgroups threads; thread 0 of
// the last consumer warpgroup issues the loads from inside its loop (ConsumerIssuedLoads).
// Traits::kPackGqa (the `_packgqa` kernels, kernels/NOTES.md): a tile holds the rows of all
// p.headGroup query heads of one KV head (PackedRows, tile_scheduler.cuh), for short queries (GQA
// decoding); always two consumer warpgroups (kBlockM 128); the roles are the same.
// Traits::kClusterSize = 2 (the `_cluster` kernels, __cluster_dims__(2, 1, 1)): the two CTAs of a
// cluster take adjacent query blocks of one head (windowed: walking the union of their key ranges),
// each producer loads half of every K/V block's
// 64-column chunks and multicasts them to both CTAs, and the consumers release each stage to both
// producers; grid [2 x min(#SMs / 2, pairs of query blocks)]. A cluster barrier after the barrier
// inits, and each producer's tail() before exit (mainloop_producer.cuh), order the cross-CTA traffic.
#include <type_traits>
#include "common/mbarrier.cuh"
#include "common/tma.cuh"
#include "common/warpgroup.cuh"
#include "sm90/attn_fwd_sm90_instances.h"
#include "sm90/attn_fwd_sm90_params.h"
#include "sm90/attn_fwd_sm90_traits.h"
#include "sm90/epilogue.cuh"
#include "sm90/mainloop_consumer.cuh"
#include "sm90/mainloop_producer.cuh"
#include "sm90/mask.cuh"
#include "sm90/softmax.cuh"
#include "sm90/tile_scheduler.cuh"
#include "sm90/trace.cuh"

namespace fa::sm90 {

template <class T>
__device__ __forceinline__ void attnFwdSm90(const AttnFwdSm90Params& p) {
  extern __shared__ uint8_t smemRaw[];
  // A launch with less shared memory than the layout needs would corrupt memory silently.
  if (dynamicSmemBytes() < static_cast<uint32_t>(T::kSmemBytes)) __trap();
  const SharedTiles<T> smem(smemRaw);
  const int warpgroup = T::kUniformWarpgroup ? __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x / 128), 0)
                                             : static_cast<int>(threadIdx.x / 128);

  if (threadIdx.x == 0) {
    tmaPrefetchDescriptor(&p.tmQ);
    tmaPrefetchDescriptor(&p.tmK);
    tmaPrefetchDescriptor(&p.tmV);
    tmaPrefetchDescriptor(&p.tmO);
    for (int b = 0; b < T::kQBuffers; ++b) {
      mbarrierInit(smem.barQ + b, 1);
      mbarrierInit(smem.emptyQ + b, T::kConsumerWarpgroups);
    }
    for (int s = 0; s < T::kStages; ++s) {
      mbarrierInit(&smem.fullK[s], 1);
      mbarrierInit(&smem.fullV[s], 1);
      mbarrierInit(&smem.emptyK[s], T::kConsumerWarpgroups * T::kClusterSize);
      mbarrierInit(&smem.emptyV[s], T::kConsumerWarpgroups * T::kClusterSize);
    }
    if constexpr (T::kVarlen) mbarrierInit(smem.landedV, 1);
    if constexpr (T::kOInV) mbarrierInit(smem.freeO, T::kConsumerWarpgroups);
    if constexpr (T::kUnitHandoff) {
      mbarrierInit(smem.unitFull, 1);
      mbarrierInit(smem.unitEmpty, 1);
    }
    fenceBarrierInit();
    FA_SM90_TRACE_INIT();
  }
  // Clusters: the peers' barriers are initialized before any multicast or remote arrival reaches them.
  if constexpr (T::kClusterSize > 1) {
    clusterSync();
  } else {
    __syncthreads();
  }

  // Every role walks the same tile sequence (tile_scheduler.cuh); the K/V ring states carry over
  // from tile to tile, and the one-shot barriers (Q full, Q free) use parity = tile count & 1.
  TileScheduler<T> scheduler(p, smem);
  if (T::kWarpSpecialized && warpgroup == 0) {
    warpgroupRegistersDecrease<T::kProducerRegisters>();
    if (threadIdx.x < T::kProducerThreads) {
      MainloopProducer<T> producer{p, smem};
      PipelineState<T::kStages> k, v;
      if constexpr (T::kTileHandover) {
        // The producer warp finds the tiles (of the packed sequences, or from the global counter)
        // and hands them to the consumers (tile_scheduler.cuh); clusters (dynamic tiles) end with
        // the tail, as below.
        std::conditional_t<T::kVarlen, VarlenTileSearch<T>, DynamicTileSearch<T>> search(p, smem);
        for (uint32_t iteration = 0;; ++iteration) {
          const Tile tile = search.next();
          if (tile.mBlock < 0) break;
          if constexpr (T::kDynamicTiles) {
            producer.run(tile, keyBlockRange<T>(p, tile), k, v, iteration, [&] { search.prefetch(); });
          } else {
            producer.run(tile, keyBlockRange<T>(p, tile), k, v, iteration);
          }
        }
        producer.tail(k, v);
      } else {
        for (uint32_t iteration = 0; scheduler.valid(); scheduler.next(), ++iteration) {
          const Tile tile = scheduler.tile();
          producer.run(tile, keyBlockRange<T>(p, tile), k, v, iteration);
        }
        producer.tail(k, v);
      }
    }
  } else {
    if constexpr (T::kWarpSpecialized) warpgroupRegistersIncrease<T::kConsumerRegisters>();
    const int wg = T::kWarpSpecialized ? warpgroup - 1 : warpgroup;
    // Without a producer warpgroup the consumers refill the slots they free (no-ops otherwise).
    ConsumerLoads<T> loads(p, smem, wg);
    loads.prologue();
    using Consumer = MainloopConsumer<T, ConsumerLoads<T>>;
    const Consumer consumer(p, smem, wg, loads);
    PipelineState<T::kStages> ks, vs;
    if constexpr (T::kStreamTiles) {
      // The CTA's tiles as one stream of key blocks (Traits::kStreamTiles): each tile's last P V
      // goes out in the next tile's first turn (MainloopConsumer::streamTile), which also runs the
      // previous tile's epilogue; the last tile's P V and epilogue follow the loop. O is zeroed once
      // (every tile's first P V overwrites it); warpgroup 0 takes the first pingpong turn of the
      // CTA, and consumes the last hand-over at the end.
      float o[T::kHeadDim / 2];
#pragma unroll
      for (int i = 0; i < T::kHeadDim / 2; ++i) o[i] = 0.f;
      float s[Consumer::kAccS];
      uint32_t pa[Consumer::kPvSteps][4];
      uint32_t pendingAcc = 0u;
      Tile prev{};
      float invSum[2], lse[2];
      typename Consumer::Softmax softmax(p.scoreScaleLog2);
      if (wg == 0) namedBarrierArrive(kBarrierSchedulerWg0, 2 * 128);
      auto stream = [&](auto cap) __attribute__((always_inline)) {
        constexpr int kCap = decltype(cap)::value;
        bool havePrev = false;
        for (uint32_t iteration = 0; scheduler.valid(); scheduler.next(), ++iteration) {
          const Tile tile = scheduler.tile();
          consumer.selectQ(iteration);
          mbarrierWait<T::kWaitSuspendNs>(smem.barQ + iteration % T::kQBuffers, (iteration / T::kQBuffers) & 1);
          const BlockRange range = keyBlockRange<T>(p, tile);
          softmax = typename Consumer::Softmax(p.scoreScaleLog2);
          if (range.empty()) {
            // Rows that see no key: the previous tile is finished first, then zeros and -inf.
            if (havePrev) {
              consumer.pvToCompletion(prev.mBlock, o, pa, vs, pendingAcc);  // (the first argument: trace only)
              storeOutput<T>(p, smem, prev, wg, o, invSum, lse);
              havePrev = false;
            }
#pragma unroll
            for (int i = 0; i < T::kHeadDim / 2; ++i) o[i] = 0.f;
            softmax.finalize(invSum, lse);
            consumer.releaseQ();
            storeOutput<T>(p, smem, tile, wg, o, invSum, lse);
            continue;
          }
          const ScoreMask<T> mask(p, tile, ScoreMask<T>::rowsOf(p, tile, wg, consumer.rowInWg));
          if constexpr (T::kHalfDiagonal) {
            // Two copies of the tile: a narrow first S GEMM where this warpgroup sees none of the
            // first block's upper half (uniform over the warpgroup).
            const auto flush = [&] { storeOutput<T>(p, smem, prev, wg, o, invSum, lse); };
            if (mask.upperHalfMasked(range.nMax - 1)) {
              if (havePrev) {
                consumer.template streamTile<true, kCap, true>(range, mask, s, o, pa, pendingAcc, softmax, ks, vs, flush);
              } else {
                consumer.template streamTile<false, kCap, true>(range, mask, s, o, pa, pendingAcc, softmax, ks, vs, [] {});
              }
            } else if (havePrev) {
              consumer.template streamTile<true, kCap>(range, mask, s, o, pa, pendingAcc, softmax, ks, vs, flush);
            } else {
              consumer.template streamTile<false, kCap>(range, mask, s, o, pa, pendingAcc, softmax, ks, vs, [] {});
            }
          } else if (havePrev) {
            consumer.template streamTile<true, kCap>(range, mask, s, o, pa, pendingAcc, softmax, ks, vs,
                                                     [&] { storeOutput<T>(p, smem, prev, wg, o, invSum, lse); });
          } else {
            consumer.template streamTile<false, kCap>(range, mask, s, o, pa, pendingAcc, softmax, ks, vs, [] {});
          }
          softmax.finalize(invSum, lse);
          prev = tile;
          havePrev = true;
        }
        if (havePrev) {
          consumer.pvToCompletion(prev.mBlock, o, pa, vs, pendingAcc);
          storeOutput<T>(p, smem, prev, wg, o, invSum, lse);
        }
      };
      if constexpr (T::kSoftcapOutsideLoop) {
        if (p.softcapPreScale != 0.f) {
          stream(std::integral_constant<int, 1>{});
        } else {
          stream(std::integral_constant<int, 2>{});
        }
      } else {
        stream(std::integral_constant<int, 0>{});
      }
      if (wg == 0) namedBarrierSync(kBarrierSchedulerWg0, 2 * 128);
      finishOutputStores<T>();
      return;
    }
    if constexpr (T::kNextTileBeforeEpilogue) {
      // Each tile's epilogue runs in the next tile's run(), after that tile's first S GEMM is
      // issued (Traits), and the last one after the loop. O is zeroed once: every tile's first
      // P V overwrites it (an empty tile zeroes it in run()).
      float o[T::kHeadDim / 2];
#pragma unroll
      for (int i = 0; i < T::kHeadDim / 2; ++i) o[i] = 0.f;
      Tile prev{};
      float invSum[2], lse[2];
      bool havePrev = false;
      for (uint32_t iteration = 0; scheduler.valid(); scheduler.next(), ++iteration) {
        const Tile tile = scheduler.tile();
        mbarrierWait<T::kWaitSuspendNs>(smem.barQ, iteration & 1);
        FA_SM90_TRACE_EVENT(kTraceTileStart, tile.mBlock);
        typename Consumer::Softmax softmax(p.scoreScaleLog2);
        consumer.run(tile, keyBlockRange<T>(p, tile), o, softmax, ks, vs, [&] {
          if (havePrev) storeOutput<T>(p, smem, prev, wg, o, invSum, lse);
        });
        softmax.finalize(invSum, lse);
        prev = tile;
        havePrev = true;
      }
      if (havePrev) storeOutput<T>(p, smem, prev, wg, o, invSum, lse);
      finishOutputStores<T>();
      return;
    }
    for (uint32_t iteration = 0; scheduler.valid(); scheduler.next(), ++iteration) {
      const Tile tile = scheduler.tile();
      // Q is loaded for every tile, empty ones included, so the Q-free handshake counts tiles alike.
      mbarrierWait<T::kWaitSuspendNs>(smem.barQ, iteration & 1);
      FA_SM90_TRACE_EVENT(kTraceTileStart, tile.mBlock);
      float o[T::kHeadDim / 2];
#pragma unroll
      for (int i = 0; i < T::kHeadDim / 2; ++i) o[i] = 0.f;
      typename Consumer::Softmax softmax(p.scoreScaleLog2);
      consumer.run(tile, keyBlockRange<T>(p, tile), o, softmax, ks, vs, [] {});
      float invSum[2], lse[2];
      FA_SM90_TRACE_EVENT(kTraceEpilogueStart, tile.mBlock);
      softmax.finalize(invSum, lse);
      // The tile again: varlen reads it from shared memory instead of keeping it in registers.
      if constexpr (T::kSkipEpilogue) {
        sinkOutput<T>(p, smem, o, invSum, lse);
      } else {
        storeOutput<T>(p, smem, scheduler.tile(), wg, o, invSum, lse);
      }
      FA_SM90_TRACE_EVENT(kTraceEpilogueEnd, tile.mBlock);
    }
    finishOutputStores<T>();
  }
}

}  // namespace fa::sm90

#define FA_ATTN_FWD_SM90_KERNEL(Element, kHeadDim, kWindowed, kOverlap, kPingpong, kVarlen, kPackGqa, name)          \
  extern "C" __global__ void __launch_bounds__(                                                                    \
      ATTN_FWD_SM90_TRAITS(Element, kHeadDim, kWindowed, kOverlap, kPingpong, kVarlen, kPackGqa)::kThreads, 1)      \
      name(const __grid_constant__ AttnFwdSm90Params p) {                                                          \
    fa::sm90::attnFwdSm90<ATTN_FWD_SM90_TRAITS(Element, kHeadDim, kWindowed, kOverlap, kPingpong, kVarlen, kPackGqa)>(p); \
  }
ATTN_FWD_SM90_INSTANCES(FA_ATTN_FWD_SM90_KERNEL)
#define FA_ATTN_FWD_SM90_CLUSTER_KERNEL(Element, kHeadDim, kWindowed, name)                                                \
  extern "C" __global__ void __cluster_dims__(ATTN_FWD_SM90_CLUSTER_TRAITS(Element, kHeadDim, kWindowed)::kClusterSize, 1, 1) \
      __launch_bounds__(ATTN_FWD_SM90_CLUSTER_TRAITS(Element, kHeadDim, kWindowed)::kThreads, 1)                               \
      name(const __grid_constant__ AttnFwdSm90Params p) {                                                                     \
    fa::sm90::attnFwdSm90<ATTN_FWD_SM90_CLUSTER_TRAITS(Element, kHeadDim, kWindowed)>(p);                                      \
  }
ATTN_FWD_SM90_CLUSTER_INSTANCES(FA_ATTN_FWD_SM90_CLUSTER_KERNEL)
#define FA_ATTN_FWD_SM90_WIDE_KERNEL(Element, name)                                                   \
  extern "C" __global__ void __launch_bounds__(ATTN_FWD_SM90_WIDE_TRAITS(Element)::kThreads, 1)      \
      name(const __grid_constant__ AttnFwdSm90Params p) {                                           \
    fa::sm90::attnFwdSm90<ATTN_FWD_SM90_WIDE_TRAITS(Element)>(p);                                    \
  }
ATTN_FWD_SM90_WIDE_INSTANCES(FA_ATTN_FWD_SM90_WIDE_KERNEL)
#define FA_ATTN_FWD_SM90_SHORT_KERNEL(Element, name)                                                  \
  extern "C" __global__ void __launch_bounds__(ATTN_FWD_SM90_SHORT_TRAITS(Element)::kThreads, 1)     \
      name(const __grid_constant__ AttnFwdSm90Params p) {                                           \
    fa::sm90::attnFwdSm90<ATTN_FWD_SM90_SHORT_TRAITS(Element)>(p);                                   \
  }
ATTN_FWD_SM90_SHORT_INSTANCES(FA_ATTN_FWD_SM90_SHORT_KERNEL)
