// Which (query block, head, batch) a CTA computes. v1: one CTA per tile, grid
// [ceil(seqlenQ / kBlockM), heads, batch]. A persistent grid with an atomic tile counter is the
// next step (FA3's tile_scheduler.hpp).
#pragma once
#include "sm90/attn_fwd_sm90_traits.h"

namespace fa::sm90 {

struct Tile {
  int mBlock;
  int head;
  int batch;
};

// With a window (causal) the last query blocks see the most keys: blocks are dispatched in
// increasing blockIdx.x, so reversing m puts the longest tiles first and the short ones fill the tail.
template <class T>
__device__ __forceinline__ Tile staticTile() {
  const int m = T::kWindowed ? static_cast<int>(gridDim.x - 1 - blockIdx.x) : static_cast<int>(blockIdx.x);
  return Tile{m, static_cast<int>(blockIdx.y), static_cast<int>(blockIdx.z)};
}

}  // namespace fa::sm90
