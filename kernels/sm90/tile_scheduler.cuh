// Which (query block, head, batch) tiles a CTA computes.
//
// Persistent (T::kPersistent, the default): grid = min(#SMs, #units), and CTA b runs the work units
// b, b + G, b + 2G, ... (G = gridDim.x). A unit is one tile, or for windowed (causal) kernels the
// pair of query blocks (M-1-i, i) of one (head, batch), the longer one first: under a causal mask
// their key-block counts add up to about M + 1 whatever i is, so every unit costs about the same
// and a static round robin is as balanced as the non-causal grid (only the last round is partial,
// e.g. 1024 units on 132 SMs: 3%).
// Tried first (kernels/NOTES.md, 2026-11-25): single causal tiles handed out round robin, even in
// "snake" order, left CTAs 10-70% apart; a global atomic counter (greedy, ~1% apart) made the tile
// index non-uniform to the compiler, and the producer (24 registers) and the hd256 window
// consumers spilled. Here everything derives from blockIdx, gridDim and the parameters.
// The order is v1's: the units of one (head, batch) are consecutive, so the ~132 units in flight
// read the K/V of one or two heads. (FA3 spreads them over the heads of a 32 MB "L2 section" for
// its longest-first causal order; with equal-cost units that is not needed, and that order
// measured 0-4% slower at hd128 non-causal.)
// Non-persistent (the v1 ablation): grid [ceil(seqlenQ / kBlockM), heads, batch], one tile per CTA.
#pragma once
#include "sm90/attn_fwd_sm90_params.h"
#include "sm90/attn_fwd_sm90_traits.h"

namespace fa::sm90 {

struct Tile {
  int mBlock;
  int head;
  int batch;
};

template <class T>
struct TileScheduler {
  int mBlocks;
  int heads;
  int unitsPerHb;  // units per (head, batch): query blocks, or pairs of them when windowed
  int numUnits;
  int unit;        // current unit; >= numUnits: done
  int second;      // windowed: 1 while running the lower block of the pair

  __device__ __forceinline__ explicit TileScheduler(const AttnFwdSm90Params& p) {
    mBlocks = (p.seqlenQ + T::kBlockM - 1) / T::kBlockM;
    heads = p.heads;
    unitsPerHb = T::kWindowed ? (mBlocks + 1) / 2 : mBlocks;
    numUnits = unitsPerHb * p.heads * p.batch;
    unit = T::kPersistent ? static_cast<int>(blockIdx.x) : 0;
    second = 0;
  }

  __device__ __forceinline__ bool valid() const { return T::kPersistent ? unit < numUnits : unit == 0; }

  __device__ __forceinline__ void next() {
    if constexpr (!T::kPersistent) {
      unit = 1;
      return;
    }
    if constexpr (T::kWindowed) {
      const int u = unit % unitsPerHb;
      if (!second && mBlocks - 1 - u != u) {  // the pair's lower block is next
        second = 1;
        return;
      }
      second = 0;
    }
    unit += static_cast<int>(gridDim.x);
  }

  __device__ __forceinline__ Tile tile() const {
    if constexpr (!T::kPersistent) {
      // Windowed: reversed blockIdx.x puts the longest blocks first in the hardware's dispatch order.
      const int m = T::kWindowed ? static_cast<int>(gridDim.x - 1 - blockIdx.x) : static_cast<int>(blockIdx.x);
      return Tile{m, static_cast<int>(blockIdx.y), static_cast<int>(blockIdx.z)};
    }
    const int hb = unit / unitsPerHb;
    const int u = unit - hb * unitsPerHb;
    const int m = T::kWindowed ? (second ? u : mBlocks - 1 - u) : u;
    return Tile{m, hb % heads, hb / heads};
  }
};

}  // namespace fa::sm90
