// Which (query block, head, batch) tiles a CTA computes.
//
// Persistent (T::kPersistent, the default): grid = min(#SMs, #units), and CTA b runs the work units
// b, b + G, b + 2G, ... (G = gridDim.x), a unit being one tile. The units of one (head, batch) are
// consecutive, so the ~132 units in flight read the K/V of one or two heads. (FA3 spreads them over
// the heads of a 32 MB "L2 section"; for non-causal tiles of equal cost that order measured 0-4%
// slower at hd128, kernels/NOTES.md.)
// Windowed (causal, local): a unit is the pair of query blocks (M-1-i, i) of one (head, batch), the
// longer first: under a causal mask their key-block counts add up to about M + 1 whatever i is, so
// every unit costs about the same and a static round robin is as balanced as the non-causal grid
// but for the last round, which is partial (1024 pairs on 132 SMs are 7.76 rounds: ncu measured SM
// active cycles at 95.7% of elapsed against FlashAttention-3's 99.2%, whose longest-first order
// comes from an atomic counter within L2-sized groups of heads; kernels/NOTES.md, "Session 10").
// Tried first (kernels/NOTES.md, 2026-11-25): single causal tiles handed out round robin, even in
// "snake" order, left CTAs 10-70% apart; a global atomic counter (greedy, ~1% apart) made the tile
// index non-uniform to the compiler, and the producer (24 registers) and the hd256 window
// consumers spilled. Here everything derives from blockIdx, gridDim and the parameters.
// T::kSnakeOrder (checker experiment `_snake`, session 11): single tiles longest first across every
// (head, batch), tile t being query block M - 1 - t / HB of (head, batch) t % HB (HB = heads x
// batch; t / HB instead under a window bounded on the left only, where the first block is the
// longest), round r dealt forwards when even, backwards when odd: CTA b gets rG + b and
// (r + 1)G + G - 1 - b, whose costs add up to about the same for every b
// (scripts/schedule-model.py: within 0.2% at 8k-16k keys). On the H100 it was 20-35% slower at
// 512-2k keys and level at 8k-16k: every level re-reads the K/V of every head, which pairs read
// while they sit in L2. Pairs with only the last rounds dealt singly spilled 40-300 B in each of
// the forms tried (kernels/NOTES.md, "Session 11").
// Clusters (T::kClusterSize > 1, 1-D along x: the cluster's CTAs are consecutive blockIdx.x): a
// unit is kClusterSize adjacent query blocks of one (head, batch), one per CTA of the cluster, and
// cluster c runs units c, c + G / kClusterSize, ... (the grid is a multiple of the cluster size).
// Windowed clusters (the `_window_cluster` kernels, session 14): the groups of kClusterSize adjacent blocks
// are paired as single blocks are above, (G-1-u, u) the longer first, and both CTAs of a group walk
// the union of their key ranges (keyBlockRange), so the K/V blocks they share are multicast; a CTA
// masks the blocks outside its own range entirely (causal: one block per pair of tiles).
// Non-persistent (the v1 ablation): grid [ceil(seqlenQ / kBlockM), heads, batch], one tile per CTA.
// PackGQA (T::kPackGqa): a tile is R = kBlockM / headGroup query positions of all the headGroup
// query heads of one KV head (PackedRows), so units are (query block of R rows, KV head, batch),
// single tiles even when windowed: the causal pairing balances long prefills, and packed tiles
// serve short queries, where every block of a (KV head, batch) visits about the same keys.
//
// Dynamic (T::kDynamicTiles, checker experiment `_dyn`; windowed one-CTA kernels): single tiles,
// handed out greedily: a CTA's first unit is blockIdx.x, each later one the next value of a global
// counter (p.tileCounter), so whichever CTA frees first takes the next tile, as FA3's
// DynamicPersistentTileScheduler does. Units run longest first within L2 sections of (head, batch)
// groups whose K/V fit in kL2SectionBytes (FA3's order; longest first across every head re-read each
// head's K/V from DRAM at every level: the snake order's lesson above). scripts/schedule-model.py
// (scheme greedyL2): 0.996-0.999 of a perfect balance at the long causal points, against pairs'
// 0.970 (0.948 on the wide head-dim-64 kernel's 192-row tiles). The producer warp fetches the
// units and hands the tiles to the consumers through the varlen kernels' ring (DynamicTileSearch
// below), so the consumers keep no value read from memory in registers (the lesson above).
// Varlen (T::kVarlen): units are numbered sequence by sequence, (b, head, unit of the sequence),
// each sequence contributing ceil(seqlenQ_b / kBlockM) units per head (pairs when windowed; none
// when empty), and CTA b again runs b, b + G, ... Finding a unit's sequence takes a search over
// cuSeqlensQ: the producer warp loads the lengths of 32 sequences at a time, one per lane, takes a
// prefix sum with shuffles (the search only moves forward, so one load round per tile is typical),
// loads the tile and posts it to a small ring in shared memory that the consumers read
// (VarlenTileSearch). Values read from memory live in vector registers (the atomic-counter lesson
// above), and so do the loop bounds and pipeline stages derived from them: the varlen kernels need
// a 48 / 232 register split and exist for head dims <= 128 only (kernels/NOTES.md).
#pragma once
#include <cstddef>
#include "sm90/attn_fwd_sm90_params.h"
#include "common/mbarrier.cuh"
#include "common/warpgroup.cuh"
#include "sm90/attn_fwd_sm90_traits.h"

namespace fa::sm90 {

// PackGQA: tile row r (the TMA box {64, R, headGroup, 1} lays Q out as [head][position][64 columns])
// is query head tile.head + r / R at position mBlock * R + r % R, R = kBlockM / headGroup.
// headGroup is a power of two up to 16 (the host checks it: R >= 8), so both are shifts.
template <class T>
struct PackedRows {
  static constexpr int kMaxHeadGroup = T::kBlockM / 8;
  int log2R;
  __device__ __forceinline__ explicit PackedRows(const AttnFwdSm90Params& p)
      : log2R(T::kLog2BlockM - log2HeadGroup(p.headGroup)) {}
  __device__ __forceinline__ static int log2HeadGroup(int g) {
    static_assert(kMaxHeadGroup == 16, "log2HeadGroup counts up to 16");
    return (g > 1) + (g > 2) + (g > 4) + (g > 8);
  }
  __device__ __forceinline__ int rows() const { return 1 << log2R; }
  __device__ __forceinline__ int headOffset(int r) const { return r >> log2R; }
  __device__ __forceinline__ int position(const Tile& tile, int r) const {
    return (tile.mBlock << log2R) + (r & ((1 << log2R) - 1));
  }
};

// Query positions per head in a tile: kBlockM, or R with PackGQA.
template <class T>
__device__ __forceinline__ int tileRowsPerHead(const AttnFwdSm90Params& p) {
  if constexpr (T::kPackGqa) return PackedRows<T>(p).rows();
  return T::kBlockM;
}

// This CTA's rank in its cluster (0 without clusters): the grid's clusters are 1-D along x, so a
// cluster's CTAs are consecutive blockIdx.x.
template <class T>
__device__ __forceinline__ int clusterRank() {
  return static_cast<int>(blockIdx.x) % T::kClusterSize;
}

template <class T, bool kHandover = T::kTileHandover>
struct TileScheduler {
  const AttnFwdSm90Params& p;
  int mBlocks;
  int heads;       // PackGQA: KV heads
  int unitsPerHb;  // units per (head, batch): query blocks, or pairs of them when windowed (not snake)
  // The unit count (valid()): a member made at the kernel's start, or, where it is recounted
  // (kRecountUnits: the streamed cluster kernels), a product of the kernel parameters at each
  // valid(); held across the role split it was the one value the streamed cluster kernel spilled
  // (4 B / 24 B), recounted it spills nothing.
  // The head-dim-128 half diagonal (`_hd128_window_bnd_stream_uwg_halfdiag_lean`) spilled the held
  // count too (16 B, the SASS's STL before setmaxnreg); recounted, at head dim 64 the half diagonal's
  // wgmmas were serialized instead (C7511), so that one holds it.
  static constexpr bool kRecountUnits =
      T::kStreamTiles && (T::kClusterSize > 1 || (T::kHalfDiagonal && T::kHeadDim == 128));
  int numUnitsHeld;
  int unit;        // current unit (snake: the round); done once index() >= numUnits()
  int second;      // windowed pairs: 1 while running the lower block of the pair

  __device__ __forceinline__ TileScheduler(const AttnFwdSm90Params& p_, const SharedTiles<T>&) : p(p_) {
    if constexpr (T::kPackGqa) {
      const int rows = tileRowsPerHead<T>(p);
      mBlocks = (p.seqlenQ + rows - 1) / rows;
      heads = p.heads / p.headGroup;
      unitsPerHb = mBlocks;
    } else {
      mBlocks = (p.seqlenQ + T::kBlockM - 1) / T::kBlockM;
      heads = p.heads;
      unitsPerHb = T::kWindowed && !T::kSnakeOrder ? (groups() + 1) / 2 : groups();
    }
    numUnitsHeld = kRecountUnits ? 0 : unitsPerHb * heads * p.batch;
    unit = T::kPersistent && !T::kSnakeOrder ? static_cast<int>(blockIdx.x) / T::kClusterSize : 0;
    second = 0;
  }

  // Groups of kClusterSize adjacent query blocks per (head, batch), one block per CTA of a
  // cluster (the query blocks themselves without clusters).
  __device__ __forceinline__ int groups() const { return (mBlocks + T::kClusterSize - 1) / T::kClusterSize; }

  // Snake order: the tile of round `unit`, forwards in even rounds and backwards in odd ones.
  __device__ __forceinline__ int index() const {
    if constexpr (T::kSnakeOrder) {
      const int g = static_cast<int>(gridDim.x), b = static_cast<int>(blockIdx.x);
      return unit * g + ((unit & 1) ? g - 1 - b : b);
    }
    return unit;
  }

  __device__ __forceinline__ int numUnits() const { return kRecountUnits ? unitsPerHb * heads * p.batch : numUnitsHeld; }
  __device__ __forceinline__ bool valid() const { return T::kPersistent ? index() < numUnits() : unit == 0; }

  __device__ __forceinline__ void next() {
    if constexpr (!T::kPersistent) {
      unit = 1;
      return;
    }
    if constexpr (T::kSnakeOrder) {
      ++unit;
      return;
    }
    if constexpr (T::kWindowed && !T::kPackGqa) {
      const int u = unit % unitsPerHb;
      if (!second && groups() - 1 - u != u) {  // the pair's lower block (group) is next
        second = 1;
        return;
      }
      second = 0;
    }
    unit += static_cast<int>(gridDim.x) / T::kClusterSize;
  }

  __device__ __forceinline__ Tile tile() const {
    if constexpr (!T::kPersistent) {
      // Windowed: reversed blockIdx.x puts the longest blocks first in the hardware's dispatch order.
      const int m = T::kWindowed ? static_cast<int>(gridDim.x - 1 - blockIdx.x) : static_cast<int>(blockIdx.x);
      return Tile{m, static_cast<int>(blockIdx.y), static_cast<int>(blockIdx.z), 0, 0, p.seqlenQ, p.seqlenK};
    }
    if constexpr (T::kSnakeOrder) {
      const int hbs = heads * p.batch, t = index();
      const int level = t / hbs, hb = t - level * hbs;
      // A window bounded on the left only: query block m sees the keys from about m kBlockM - left
      // to the end, so the first block is the longest. Otherwise (causal; bounded on the right) the
      // last block sees at least as many keys as any other.
      const int m = p.windowRight < 0 && p.windowLeft >= 0 ? level : mBlocks - 1 - level;
      return Tile{m, hb % heads, hb / heads, 0, 0, p.seqlenQ, p.seqlenK};
    }
    const int hb = unit / unitsPerHb;
    const int u = unit - hb * unitsPerHb;
    if constexpr (T::kPackGqa) return Tile{u, hb % heads * p.headGroup, hb / heads, 0, 0, p.seqlenQ, p.seqlenK};
    // Clusters: CTA r of the cluster takes query block kClusterSize g + r of group g; past the last
    // block (an odd count) it still runs the key loop for the loads it shares, and stores nothing
    // (epilogue.cuh). Windowed: unit u is the pair of groups (G-1-u, u), the longer first.
    const int g = T::kWindowed ? (second ? u : groups() - 1 - u) : u;
    const int m = g * T::kClusterSize + clusterRank<T>();
    return Tile{m, hb % heads, hb / heads, 0, 0, p.seqlenQ, p.seqlenK};
  }
};

// Varlen tile hand-over: the producer warp finds the tiles in order (a warp-wide search over the
// sequences), loads each one itself and posts it for the consumers to a ring of T::kTileSlots
// shared-memory slots, then a slot with mBlock = -1 for the end. Per slot, two named barriers of
// kTileHandoverThreads (the producer warp and the consumer warpgroups): full (the producer warp
// arrives after writing, the consumers sync before reading) and empty (the consumers arrive when
// done, the producer warp syncs before writing the slot again). Each barrier thus has one waiting
// side, and named barriers order the shared-memory accesses for every participant, which
// compute-sanitizer's racecheck and synccheck both follow (an mbarrier hand-over, and one where the
// producer warp also waited on the full barrier, were reported).
template <class T>
constexpr int kTileHandoverThreads = 32 + 128 * T::kConsumerWarpgroups;
// Traits::kTileFullPerWg: a full barrier per consumer warpgroup (the producer warp and that warpgroup).
constexpr int kTileFullPerWgThreads = 32 + 128;

// The producer warp's end of the ring. Warp-collective.
template <class T>
struct TileRing {
  const SharedTiles<T>& smem;
  int slot = 0;
  uint32_t pending = 0;  // bit s: slot s holds a tile the consumers will release

  // Writes `t` to `slot` once the consumers released its previous tile (none on the first pass),
  // then advances `slot`; after the end marker (mBlock < 0) the hand-over is closed. Named
  // barriers count whole warps: the warp reconverges first (its lanes part ways around the
  // single-lane TMA issue).
  __device__ __forceinline__ void post(const Tile& t) {
    __syncwarp();
    if (pending & (1u << slot)) namedBarrierSync(kBarrierTileEmpty0 + slot, kTileHandoverThreads<T>);
    if (threadIdx.x % 32 == 0) smem.tiles[slot] = t;
    __syncwarp();
    if constexpr (T::kTileFullPerWg) {
      namedBarrierArrive(kBarrierTileFull0 + slot, kTileFullPerWgThreads);
      namedBarrierArrive(kBarrierTileFullWg1_0 + slot, kTileFullPerWgThreads);
    } else {
      namedBarrierArrive(kBarrierTileFull0 + slot, kTileHandoverThreads<T>);
    }
    pending |= 1u << slot;
    if (++slot == T::kTileSlots) slot = 0;
    if (t.mBlock < 0) {
      // The consumers stop at the end marker without releasing its slot, but they do release the
      // tile in the other slot (where `slot` now points), if there is one: consume that release,
      // so every barrier ends balanced.
      static_assert(T::kTileSlots == 2, "the end hand-over assumes two slots");
      if (pending & (1u << slot)) namedBarrierSync(kBarrierTileEmpty0 + slot, kTileHandoverThreads<T>);
    }
  }
};

// The producer warp's side. Warp-collective.
template <class T>
struct VarlenTileSearch {
  static constexpr unsigned kAllLanes = 0xffffffffu;
  const AttnFwdSm90Params& p;
  int groupStart = 0;   // first sequence of the 32 loaded last
  int unitsBefore = 0;  // units of the sequences before groupStart
  int unit = static_cast<int>(blockIdx.x);
  int lowerBlock = -1;  // windowed: the pair's second (lower) query block, still to hand out
  Tile last{};          // the tile handed out last (windowed pairs reuse its sequence fields)
  TileRing<T> ring;

  __device__ __forceinline__ VarlenTileSearch(const AttnFwdSm90Params& p_, const SharedTiles<T>& smem_)
      : p(p_), ring{smem_} {}

  // The next tile of this CTA, posted to the consumers; mBlock < 0 when there is none (also posted,
  // and the hand-over is then closed).
  __device__ __forceinline__ Tile next() {
    Tile t = find();
    ring.post(t);
    return t;
  }

 private:
  __device__ __forceinline__ Tile find() {
    if constexpr (T::kWindowed) {
      if (lowerBlock >= 0) {
        last.mBlock = lowerBlock;
        lowerBlock = -1;
        return last;
      }
    }
    const int lane = static_cast<int>(threadIdx.x % 32);
    // The sequence holding `unit` (>= unitsBefore: the search only moves forward).
    int batch = -1, seqFirstUnit = 0;
    for (;;) {
      const int b = groupStart + lane;
      int units = 0;
      if (b < p.batch) {
        const int blocks = (p.cuSeqlensQ[b + 1] - p.cuSeqlensQ[b] + T::kBlockM - 1) / T::kBlockM;
        units = (T::kWindowed ? (blocks + 1) / 2 : blocks) * p.heads;
      }
      int inclusive = units;
#pragma unroll
      for (int d = 1; d < 32; d *= 2) {
        const int x = __shfl_up_sync(kAllLanes, inclusive, d);
        if (lane >= d) inclusive += x;
      }
      const int total = __shfl_sync(kAllLanes, inclusive, 31);
      if (unit < unitsBefore + total) {
        // The first lane whose sequences end past `unit`; an empty sequence (0 units) never is.
        const int src = __ffs(__ballot_sync(kAllLanes, unitsBefore + inclusive > unit)) - 1;
        batch = groupStart + src;
        seqFirstUnit = unitsBefore + __shfl_sync(kAllLanes, inclusive - units, src);
        break;
      }
      if (groupStart + 32 >= p.batch) break;
      groupStart += 32;
      unitsBefore += total;
    }
    if (batch < 0) return Tile{-1, 0, 0, 0, 0, 0, 0};
    // Same address in every lane: one transaction each.
    const int qStart = p.cuSeqlensQ[batch];
    const int seqlenQ = p.cuSeqlensQ[batch + 1] - qStart;
    const int kStart = p.cuSeqlensK[batch];
    const int seqlenK = p.sequsedK != nullptr ? p.sequsedK[batch] : p.cuSeqlensK[batch + 1] - kStart;
    const int mBlocks = (seqlenQ + T::kBlockM - 1) / T::kBlockM;
    const int unitsPerHead = T::kWindowed ? (mBlocks + 1) / 2 : mBlocks;
    const int w = unit - seqFirstUnit;
    const int head = w / unitsPerHead;
    const int u = w - head * unitsPerHead;
    unit += static_cast<int>(gridDim.x);
    // Windowed: the pair of query blocks (M-1-u, u), the longer first, as in the dense scheduler.
    if constexpr (T::kWindowed) {
      if (mBlocks - 1 - u != u) lowerBlock = u;
    }
    last = Tile{T::kWindowed ? mBlocks - 1 - u : u, head, batch, qStart, kStart, seqlenQ, seqlenK};
    return last;
  }
};

// Dynamic tiles (T::kDynamicTiles), the producer warp's side. Warp-collective. A unit is a group of
// kClusterSize adjacent query blocks of one (head, batch) (a single block without clusters; CTA r
// of a cluster takes block kClusterSize g + r of group g). Unit t, in the order the counter hands
// them out: section s = t / (S x G) of S (head, batch) groups of G query groups each (the last
// section may have fewer, n), and inside it level l = r / n and group r % n of r = t - s S G, so a
// section's tiles go out longest first (query group G - 1 - l; l under a window bounded on the
// left only, whose first block is the longest), S heads to a level.
// The counter (p.tileCounter[0]) starts at 0 and is back at 0 when the kernel ends: every CTA (with
// clusters, every rank 0) counts itself in p.tileCounter[1] after its last fetch, and the last one
// to do so, after which no fetch of this launch can follow, sets both to 0. So the host zeroes the
// two words once, when it allocates them, and launches that may run at the same time need words
// of their own (one pair per stream). The next unit is fetched once the tile's Q and first K load
// are issued (prefetch(), from MainloopProducer::run, as FA3's producer does), where the producer
// would wait for a free K stage anyway: ptxas turns the single-lane atomic into a warp-aggregated
// one that waits for its result at once (a SHFL of it right after the ATOMG; FA3's SASS has the
// same), so it cannot be left in flight until the next search.
// Clusters (T::kUnitHandoff): rank 0 fetches, and passes every unit it hands out (the end
// included) to rank 1 (exchangeUnit), so both CTAs walk the same groups in the same order, as
// their shared K/V stages require.
template <class T>
struct DynamicTileSearch {
  static constexpr unsigned kAllLanes = 0xffffffffu;
  // K/V bytes a section's heads may read: FA3's L2 budget (its DynamicPersistentTileScheduler).
  static constexpr uint32_t kL2SectionBytes = 32u << 20;
  static constexpr int kCtas = T::kClusterSize;
  const AttnFwdSm90Params& p;
  // Lane 0 (of rank 0): the counter's value for the next unit, units + fetched with units = the
  // clusters in the grid (the first unit: this cluster's index).
  int fetched = static_cast<int>(blockIdx.x) / kCtas - static_cast<int>(gridDim.x) / kCtas;
  uint32_t handoffs = 0;  // units rank 0 has passed to rank 1 (kUnitHandoff)
  TileRing<T> ring;

  __device__ __forceinline__ DynamicTileSearch(const AttnFwdSm90Params& p_, const SharedTiles<T>& smem_)
      : p(p_), ring{smem_} {}

  // The next tile of this CTA, posted to the consumers; mBlock < 0 when there is none (also posted,
  // and the hand-over is then closed).
  __device__ __forceinline__ Tile next() {
    const int clusters = static_cast<int>(gridDim.x) / kCtas;
    const int rank = clusterRank<T>();
    int unit = clusters + __shfl_sync(kAllLanes, fetched, 0);
    if constexpr (T::kUnitHandoff) unit = exchangeUnit(unit);
    const int mBlocks = (p.seqlenQ + T::kBlockM - 1) / T::kBlockM;
    const int queryGroups = (mBlocks + kCtas - 1) / kCtas;
    const int groups = p.heads * p.batch;
    const bool lane0 = threadIdx.x % 32 == 0;
    Tile t{-1, 0, 0, 0, 0, 0, 0};
    if (unit < queryGroups * groups) {
      // (head, batch) groups per section: the query heads of the KV heads whose K and V fit in
      // kL2SectionBytes, at most all of them (so perSection x queryGroups <= the unit count).
      // seqlenK is capped so that the product fits 32 bits; at the cap a KV head is 64 MB or more,
      // a section of one.
      const uint32_t kvHeadBytes = static_cast<uint32_t>(min(p.seqlenK, 1 << 20)) * (T::kHeadDim * 4u);
      const int perSection =
          min(groups, max(1, static_cast<int>(kL2SectionBytes / max(kvHeadBytes, 1u))) * p.headGroup);
      const int section = unit / (perSection * queryGroups);
      const int first = section * perSection;
      const int n = min(perSection, groups - first);
      const int r = unit - first * queryGroups;
      const int level = r / n;
      const int hb = first + (r - level * n);
      const int g = p.windowRight < 0 && p.windowLeft >= 0 ? level : queryGroups - 1 - level;
      t = Tile{g * kCtas + rank, hb % p.heads, hb / p.heads, 0, 0, p.seqlenQ, p.seqlenK};
    } else if (lane0 && rank == 0) {
      // This CTA (cluster) fetches no more: the last to get here sets the counters back to 0. (The
      // fence orders this CTA's fetches before its count, for the CTA that reads the count.)
      __threadfence();
      if (atomicAdd(p.tileCounter + 1, 1) == clusters - 1) {
        atomicExch(p.tileCounter, 0);
        atomicExch(p.tileCounter + 1, 0);
      }
    }
    if constexpr (T::kUnitHandoff) {
      // Rank 0 stays until rank 1 has read the end (its arrival lands in this CTA's shared memory).
      if (t.mBlock < 0 && rank == 0 && lane0) mbarrierWait(ring.smem.unitEmpty, (handoffs - 1) & 1);
    }
    ring.post(t);
    return t;
  }

  // The unit after the one just handed out (each tile handed out calls this once, the end marker
  // does not). With clusters rank 0 alone fetches.
  __device__ __forceinline__ void prefetch() {
    if (threadIdx.x % 32 == 0 && clusterRank<T>() == 0) fetched = atomicAdd(p.tileCounter, 1);
  }

 private:
  // Rank 0 passes `unit` to rank 1 and returns it; rank 1 returns what it receives. Handoff k uses
  // parity k & 1 of both barriers: rank 0 waits until rank 1 has read handoff k - 1 (a fresh
  // unitEmpty reports the phase before the first complete), then st.async's the unit into rank 1's
  // slot with 4 bytes of transactions on rank 1's unitFull; rank 1 arrives on unitFull with that
  // expectation, waits, reads the slot, and frees it by a remote arrival on rank 0's unitEmpty
  // once the value is in a register (the shuffle needs it).
  __device__ __forceinline__ int exchangeUnit(int unit) {
    const uint32_t k = handoffs++;
    const bool lane0 = threadIdx.x % 32 == 0;
    if (clusterRank<T>() == 0) {
      if (lane0) {
        mbarrierWait(ring.smem.unitEmpty, (k & 1) ^ 1);
        storeAsyncCluster32(ring.smem.unitSlot, static_cast<uint32_t>(unit), ring.smem.unitFull, 1);
      }
      __syncwarp();
      return unit;
    }
    int received = 0;
    if (lane0) {
      mbarrierArriveExpectTx(ring.smem.unitFull, 4);
      mbarrierWait(ring.smem.unitFull, k & 1);
      received = static_cast<int>(loadShared32(smemAddress(ring.smem.unitSlot)));
    }
    received = __shfl_sync(kAllLanes, received, 0);
    if (lane0) mbarrierArriveCluster(ring.smem.unitEmpty, 0);
    return received;
  }
};

// Varlen and dynamic tiles, the consumers' side: the loop shape of the dense scheduler over the posted slots.
// valid() waits for the next slot; next() releases it: every consumer thread arrives once it will
// not read the slot again.
template <class T>
struct TileScheduler<T, true> {
  const SharedTiles<T>& smem;
  int slot = 0;

  __device__ __forceinline__ TileScheduler(const AttnFwdSm90Params&, const SharedTiles<T>& smem_) : smem(smem_) {}

  __device__ __forceinline__ bool valid() const {
    if constexpr (T::kTileFullPerWg) {
      // Warpgroup 1 (threads 256-383) waits at its own barrier; warpgroup 0 at the shared id's.
      const uint32_t id = threadIdx.x >= 256 ? kBarrierTileFullWg1_0 : kBarrierTileFull0;
      namedBarrierSync(id + slot, kTileFullPerWgThreads);
    } else {
      namedBarrierSync(kBarrierTileFull0 + slot, kTileHandoverThreads<T>);
    }
    if constexpr (T::kDynamicTiles) return static_cast<int>(loadShared32(slotAddress())) >= 0;  // mBlock
    return smem.tiles[slot].mBlock >= 0;
  }

  __device__ __forceinline__ void next() {
    namedBarrierArrive(kBarrierTileEmpty0 + slot, kTileHandoverThreads<T>);
    if (++slot == T::kTileSlots) slot = 0;
  }

  // Read from shared memory at each call, so that callers need not keep the fields in registers.
  // Dynamic tiles read the words at 32-bit shared addresses (loadShared32): through the generic
  // pointer the slot's 64-bit address was live across the tile loop, and the wide head-dim-64
  // kernel's consumers (160 registers) spilled it (24 B, ptxas 13.0; the SASS shows the STL.64).
  // (The varlen kernels keep the generic reads, the code their measurements ran.)
  __device__ __forceinline__ Tile tile() const {
    if constexpr (T::kDynamicTiles) {
      const uint32_t a = slotAddress();
      return Tile{static_cast<int>(loadShared32(a)),      static_cast<int>(loadShared32(a + 4)),
                  static_cast<int>(loadShared32(a + 8)),  static_cast<int>(loadShared32(a + 12)),
                  static_cast<int>(loadShared32(a + 16)), static_cast<int>(loadShared32(a + 20)),
                  static_cast<int>(loadShared32(a + 24))};
    }
    return smem.tiles[slot];
  }
  __device__ __forceinline__ uint32_t slotAddress() const {
    static_assert(sizeof(Tile) == 28 && offsetof(Tile, mBlock) == 0, "Tile: seven 32-bit words, mBlock first");
    return smemAddress(smem.tiles) + slot * static_cast<uint32_t>(sizeof(Tile));
  }
};

}  // namespace fa::sm90
