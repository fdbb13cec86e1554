// Producer warp of the Hopper forward: one thread issues every TMA load of a tile. Q once, then K
// and V through kStages-deep rings guarded by full (TMA bytes landed) and empty (every consumer
// warpgroup finished reading) mbarriers. Each tile is loaded as one box per 64-column chunk from
// the rank-4 maps {headDim, seqlen, heads, batch} (attn_fwd_sm90_params.h): columns past the real
// head dim come back as zeros, so head dims that are not multiples of 64 run on the next kernel up.
// Varlen kernels run the producer on a whole warp (the tile search is warp-wide) and zero the V rows
// past a sequence's keys before the consumers may read the block (loadV). Without warp
// specialization (a checker ablation) a consumer thread issues the same loads (ConsumerIssuedLoads).
#pragma once
#include <type_traits>
#include "common/tma.cuh"
#include "common/warpgroup.cuh"
#include "sm90/attn_fwd_sm90_params.h"
#include "sm90/attn_fwd_sm90_traits.h"
#include "sm90/mainloop_consumer.cuh"
#include "sm90/mask.cuh"
#include "sm90/tile_scheduler.cuh"
#include "sm90/trace.cuh"

namespace fa::sm90 {

template <class T>
struct MainloopProducer {
  const AttnFwdSm90Params& p;
  const SharedTiles<T>& smem;
  uint32_t landedPhase = 0;  // varlen: parity of the next wait on smem.landedV

  // Dense: the one producer thread. Varlen and dynamic tiles: lane 0 of the producer warp issues
  // the TMA and the arrivals; the whole warp waits and hands the tiles over (varlen: searches for
  // them and zeroes V rows).
  __device__ __forceinline__ static bool leader() { return T::kProducerThreads == 1 || threadIdx.x % 32 == 0; }
  // The maps' batch coordinate: varlen maps have one "batch" ({headDim, total, heads, 1}).
  __device__ __forceinline__ static int mapBatch(const Tile& tile) { return T::kVarlen ? 0 : tile.batch; }

  // Box c (x = 64 c) of a tile of kRows rows lands in chunk c. Out-of-range elements are
  // zero-filled and still counted, so the expected bytes are always the full tile.
  template <int kRows>
  __device__ __forceinline__ static void loadChunks(uint8_t* dst, const TensorMapBytes* map, uint64_t* bar, int row,
                                                    int head, int batch, uint64_t l2Policy) {
#pragma unroll
    for (int c = 0; c < T::kChunks; ++c) tmaLoad4d(dst + c * kRows * 128, map, bar, c * T::kChunkCols, row, head, batch, l2Policy);
  }

  // K and V blocks: with clusters (T::kClusterSize > 1) this CTA loads the chunks c with
  // c % kClusterSize == its rank and multicasts each to the whole cluster; every CTA's full barrier
  // expects the whole block (its own producer's expect_tx), whichever CTA's load delivers the bytes.
  template <int kRows>
  __device__ __forceinline__ static void loadChunksShared(uint8_t* dst, const TensorMapBytes* map, uint64_t* bar,
                                                          int row, int head, int batch, uint64_t l2Policy) {
    if constexpr (T::kClusterSize == 1) {
      loadChunks<kRows>(dst, map, bar, row, head, batch, l2Policy);
    } else {
      constexpr uint16_t kAllCtas = (1u << T::kClusterSize) - 1;
#pragma unroll
      for (int c = 0; c < T::kChunks; ++c) {
        if (c % T::kClusterSize == clusterRank<T>()) {
          tmaLoad4dMulticast(dst + c * kRows * 128, map, bar, c * T::kChunkCols, row, head, batch, kAllCtas, l2Policy);
        }
      }
    }
  }

  // Q of the CTA's tile number `iteration`, once the previous tile's Q is free (a fresh barrier
  // reports its "previous" phase complete: the first tile does not block).
  // With two Q tiles (T::kQBuffers, streamed tiles) tile `iteration` uses buffer iteration % 2, and
  // each buffer's barriers complete one phase every second tile.
  __device__ __forceinline__ void loadQ(const Tile& tile, uint32_t iteration) const {
    const uint32_t b = iteration % T::kQBuffers;
    mbarrierWait<T::kWaitSuspendNs>(smem.emptyQ + b, ((iteration / T::kQBuffers) & 1) ^ 1);
    // Every box delivers its full size, zero-filled past seqlen, so expect_tx is the box size.
    // (Varlen: rows past the sequence are the next one's; their outputs are never stored.)
    // PackGQA: the box is {64, R, headGroup, 1} from the group's first head, the same kBlockM rows.
    // Clusters: a CTA past the last query block (odd count) loads the last block's Q again; its
    // output is not stored (epilogue.cuh), and a box wholly outside the tensor is not issued.
    int mBlock = tile.mBlock;
    if constexpr (T::kClusterSize > 1) mBlock = min(mBlock, (p.seqlenQ - 1) / T::kBlockM);
    if (leader()) {
      mbarrierArriveExpectTx(smem.barQ + b, T::kQBytes);
      loadChunks<T::kBlockM>(smem.qBuffer(b), &p.tmQ, smem.barQ + b, tile.qStart + mBlock * tileRowsPerHead<T>(p), tile.head,
                             mapBatch(tile), kL2EvictFirst);
      FA_SM90_TRACE_EVENT(kTraceLoadQ, tile.mBlock);
    }
  }

  __device__ __forceinline__ void loadK(int n, const Tile& tile, int headKV, PipelineState<T::kStages>& st) const {
    // Producers start at phase 1, which a fresh barrier reports as complete: the first pass does not block.
    mbarrierWait<T::kWaitSuspendNs>(&smem.emptyK[st.stage], st.phase ^ 1);
    if (leader()) {
      mbarrierArriveExpectTx(&smem.fullK[st.stage], T::kKBytes);
      loadChunksShared<T::kBlockN>(smem.kStage(st.stage), &p.tmK, &smem.fullK[st.stage], tile.kStart + n * T::kBlockN,
                                   headKV, mapBatch(tile), kL2EvictLast);
      FA_SM90_TRACE_EVENT(kTraceLoadK, n);
    }
    st.advance();
  }

  __device__ __forceinline__ void loadV(int n, const Tile& tile, int headKV, PipelineState<T::kStages>& st) {
    mbarrierWait<T::kWaitSuspendNs>(&smem.emptyV[st.stage], st.phase ^ 1);
    const int row = tile.kStart + n * T::kBlockN;
    if constexpr (T::kVarlen) {
      // Rows past this sequence's keys hold the next sequence, or sequsedK's unused slots, which
      // may be uninitialized (NaN): P is 0 there, but 0 * NaN = NaN would still reach O (FA3's
      // issues #1745, #2374). Dense rows past seqlenK are outside the map and arrive as zeros.
      const int validRows = tile.seqlenK - n * T::kBlockN;  // >= 1: block n holds a key
      if (validRows < T::kBlockN) {
        if (leader()) {
          mbarrierArriveExpectTx(smem.landedV, T::kVBytes);
          loadChunks<T::kBlockN>(smem.vStage(st.stage), &p.tmV, smem.landedV, row, headKV, 0, kL2EvictLast);
        }
        mbarrierWait<T::kWaitSuspendNs>(smem.landedV, landedPhase);
        landedPhase ^= 1;
        zeroRowsFrom(smem.vStage(st.stage), validRows);
        fenceProxyAsyncShared();  // each writer: the zeros before the consumers' wgmma (async proxy) reads
        __syncwarp();
        if (leader()) mbarrierArrive(&smem.fullV[st.stage]);
        st.advance();
        return;
      }
    }
    if (leader()) {
      mbarrierArriveExpectTx(&smem.fullV[st.stage], T::kVBytes);
      loadChunksShared<T::kBlockN>(smem.vStage(st.stage), &p.tmV, &smem.fullV[st.stage], row, headKV, mapBatch(tile),
                                   kL2EvictLast);
      FA_SM90_TRACE_EVENT(kTraceLoadV, n);
    }
    st.advance();
  }

  // Warp-wide: rows [firstRow, kBlockN) of every chunk of a V stage become zeros. The swizzle only
  // permutes 16-byte pieces within a 128-byte row, so whole rows are a contiguous byte range.
  __device__ __forceinline__ static void zeroRowsFrom(uint8_t* stage, int firstRow) {
    const int lane = static_cast<int>(threadIdx.x % 32);
#pragma unroll
    for (int c = 0; c < T::kChunks; ++c) {
      uint8_t* chunk = stage + c * T::kBlockN * 128;
      for (int off = firstRow * 128 + 16 * lane; off < T::kBlockN * 128; off += 16 * 32)
        *reinterpret_cast<uint4*>(chunk + off) = make_uint4(0, 0, 0, 0);
    }
  }

  // T::kOInV: the previous tile's O, written over the V stages, has been read by its TMA store (a
  // fresh barrier reports its "previous" phase complete: the first tile does not block). One phase
  // per tile, empty ones included (their epilogue arrives too); the Q handshake keeps the consumers
  // within a tile of the producer, so the parity cannot alias.
  __device__ __forceinline__ void waitOutputStored(uint32_t iteration) const {
    if constexpr (T::kOInV) mbarrierWait<T::kWaitSuspendNs>(smem.freeO, (iteration & 1) ^ 1);
  }

  struct NoPrefetch {
    __device__ __forceinline__ void operator()() const {}
  };

  // Key blocks go from nMax - 1 down to nMin (the masked diagonal first). V lags K by one block,
  // the order in which the overlapped consumer uses them: S_j = Q K_j^T is issued before O += P_{j+1} V_{j+1}.
  // k and v carry the ring state from tile to tile; `iteration` counts this CTA's tiles (the parity
  // of the one-shot Q barriers). Q is loaded for every tile, empty ones included, so that the
  // consumers' Q wait and the Q-free handshake stay in step with the tile count.
  // `prefetch` runs once the tile's Q and first K are issued (the dynamic tile hand-out fetches its
  // next unit there, as FA3's producer does: DynamicTileSearch).
  template <class Prefetch = NoPrefetch>
  __device__ __forceinline__ void run(const Tile& tile, const BlockRange& range, PipelineState<T::kStages>& k,
                                      PipelineState<T::kStages>& v, uint32_t iteration,
                                      const Prefetch& prefetch = Prefetch{}) {
    // The first K block of this tile needs only a free K stage: it goes out before the wait for the
    // previous tile's Q to be free (its last S GEMM, or its O store where O overwrites Q).
    const int headKV = tile.head / p.headGroup;
    if (!range.empty()) loadK(range.nMax - 1, tile, headKV, k);
    loadQ(tile, iteration);
    prefetch();
    if (range.empty()) return;  // the consumers write zeros and -inf without reading K or V
    // The tile's first V load waits for the previous tile's O (T::kOInV): after the tile's second K
    // load, or right away in a one-block tile.
    for (int n = range.nMax - 2; n >= range.nMin; --n) {
      loadK(n, tile, headKV, k);
      if (n == range.nMax - 2) waitOutputStored(iteration);
      loadV(n + 1, tile, headKV, v);
    }
    if (range.nMax - 1 == range.nMin) waitOutputStored(iteration);
    loadV(range.nMin, tile, headKV, v);
    // No drain: the CTA cannot exit before the consumers have waited on every load issued here.
  }

  // Clusters: the peers' consumers arrive on this CTA's empty barriers (releaseShared), possibly
  // after this CTA's own consumers are done; the producer thread keeps the CTA alive until every
  // stage of both rings has been released for its last use (a stage never used passes at once).
  // The peers' multicasts into this CTA have all landed: its consumers waited for every block.
  __device__ __forceinline__ void tail(PipelineState<T::kStages>& k, PipelineState<T::kStages>& v) const {
    if constexpr (T::kClusterSize > 1) {
#pragma unroll
      for (int s = 0; s < T::kStages; ++s) {
        mbarrierWait<T::kWaitSuspendNs>(&smem.emptyK[k.stage], k.phase ^ 1);
        mbarrierWait<T::kWaitSuspendNs>(&smem.emptyV[v.stage], v.phase ^ 1);
        k.advance();
        v.advance();
      }
    }
  }
};

// One ring's walk over the key blocks of this CTA's tiles in the consumers' order: tiles as the
// scheduler hands them out, each tile's blocks from nMax - 1 down to nMin; `ring` is the stage the
// next block goes to (ConsumerIssuedLoads).
template <class T>
struct KeyBlockWalk {
  TileScheduler<T> tiles;
  Tile tile{};  // the next block's tile
  int n = 0;    // the next block
  int nMin = 0;
  PipelineState<T::kStages> ring;

  __device__ __forceinline__ KeyBlockWalk(const AttnFwdSm90Params& p, const SharedTiles<T>& smem) : tiles(p, smem) {
    enterTile(p);
  }
  __device__ __forceinline__ bool done() const { return !tiles.valid(); }
  __device__ __forceinline__ void advance(const AttnFwdSm90Params& p) {
    if (--n >= nMin) return;
    tiles.next();
    enterTile(p);
  }

 private:
  // From the current tile on, the first one with key blocks (none: done()).
  __device__ __forceinline__ void enterTile(const AttnFwdSm90Params& p) {
    for (; tiles.valid(); tiles.next()) {
      tile = tiles.tile();
      const BlockRange range = keyBlockRange<T>(p, tile);
      if (!range.empty()) {
        n = range.nMax - 1;
        nMin = range.nMin;
        return;
      }
    }
  }
};

// Loads without warp specialization (Traits::kWarpSpecialized = false: the checker's ablation of
// FA3's Table 2). No producer warpgroup: thread 0 of the last consumer warpgroup, the issuer,
// issues every load through MainloopProducer's loadQ/loadK/loadV, i.e. the same barriers, stages
// and order as the producer. Before the tile loop it loads what is free from the start: the first
// Q and kStages blocks of each ring. After that each load refills the slot the issuer's warpgroup
// has just released (MainloopConsumer's refill hooks): after a K release (its S GEMM completed)
// the K block kStages positions later, after a V release (its P V completed) the V block kStages
// later, after releaseQ (its last S GEMM of the tile completed; O has its own tile) the next tile's
// Q. The rings run across tiles as the producer's do: near a tile's end the K and V walks are
// already in the next tile (or the one after, for one-block tiles), each at its own position.
// Why the last warpgroup: pingpong has it use every slot after the others, so when it releases a
// slot the others have almost always released it too, and the empty wait costs nothing. Issuing
// from warpgroup 0 would make it wait for the others' releases before its softmax, or load late.
//
// No deadlock. Call the issuer's warpgroup I and any other A. A and I meet only at the loads
// (full barriers, Q), at the empty barriers (I waits for A's releases) and at the pingpong turns;
// the epilogue's barriers are per warpgroup. Order the turns as the round robin takes them (per key
// block: A's, then I's; A's first turn of a tile after I's last of the previous tile):
//  (1) I issues every load before it waits for that load: position j + kStages of a ring when it
//      has released position j, the Q of tile t + 1 when it has released tile t's, and it uses
//      positions in order. So I never waits for itself.
//  (2) I waits on an empty barrier only after it handed its turn on (the releases follow
//      schedulerArrive, or sit in lastPV after the last turn), and the slot is released by A's
//      use of the same block, which came earlier in the round robin: A's turn for that block, or
//      A's lastPV. Between that use and its release A waits only for its own wgmma. So I's empty
//      waits need nothing more from I.
//  (3) A's waits: its turn needs I's turn of the block before; K of block j + kStages and V of
//      block j + kStages - 1 are issued by I right after its turn for block j (its releases of
//      K_j and V_{j-1}), before A's turn that uses them in round-robin order; the next tile's Q
//      is issued in I's lastPV, which needs only (2) and A's releaseQ, which A makes before it
//      waits for anything of I's.
// So every wait is for an event earlier in the round robin (or a TMA I already issued), and by
// induction over the turns every warpgroup reaches every turn. Stages whose blocks do not exist
// (past this CTA's last tile) are not loaded; every load issued is waited on before the CTA exits.
template <class T>
struct ConsumerIssuedLoads {
  static_assert(!T::kWarpSpecialized, "with a producer warpgroup the consumers issue no loads");
  MainloopProducer<T> producer;
  const bool issuer;
  KeyBlockWalk<T> k, v;
  TileScheduler<T> qTiles;  // the tile whose Q was loaded last
  uint32_t qIteration = 0;  // its number among this CTA's tiles (the parity of the Q barriers)

  // `wg`: this thread's consumer warpgroup.
  __device__ __forceinline__ ConsumerIssuedLoads(const AttnFwdSm90Params& p, const SharedTiles<T>& smem, int wg)
      : producer{p, smem},
        issuer(wg == T::kConsumerWarpgroups - 1 && threadIdx.x % 128 == 0),
        k(p, smem),
        v(p, smem),
        qTiles(p, smem) {}

  // Before the tile loop: every slot is free (fresh empty barriers pass the producers' first wait).
  __device__ __forceinline__ void prologue() {
    if (!issuer) return;
    if (qTiles.valid()) producer.loadQ(qTiles.tile(), 0);
#pragma unroll
    for (int s = 0; s < T::kStages; ++s) refillK();
#pragma unroll
    for (int s = 0; s < T::kStages; ++s) refillV();
  }
  __device__ __forceinline__ void refillK() {
    if (!issuer || k.done()) return;
    producer.loadK(k.n, k.tile, k.tile.head / producer.p.headGroup, k.ring);
    k.advance(producer.p);
  }
  __device__ __forceinline__ void refillV() {
    if (!issuer || v.done()) return;
    producer.loadV(v.n, v.tile, v.tile.head / producer.p.headGroup, v.ring);
    v.advance(producer.p);
  }
  __device__ __forceinline__ void refillQ() {
    if (!issuer) return;
    qTiles.next();
    ++qIteration;
    if (qTiles.valid()) producer.loadQ(qTiles.tile(), qIteration);
  }
};

// The consumers' Loads (MainloopConsumer): refills from inside their loop without a producer warpgroup.
template <class T>
using ConsumerLoads = std::conditional_t<T::kWarpSpecialized, NoLoads<T>, ConsumerIssuedLoads<T>>;

}  // namespace fa::sm90
