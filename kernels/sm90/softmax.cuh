// Online softmax over the m64nN accumulator fragment of one consumer warpgroup (exp2 domain).
// Each thread holds rows r and r + 8 (h = 0, 1); a row's values are spread over the 4 lanes of a
// quad, so row maxima are reduced with two xor-shuffles and row sums only once, at the end.
#pragma once
#include <cmath>
#include "common/fast_math.cuh"

namespace fa::sm90 {

constexpr float kLn2 = 0.6931471805599453f;
constexpr float kTwoLog2e = 2.8853900817779268f;  // 2 / ln(2)

// Softcap: s <- tanh(s * preScale), as 1 - 2 / (2^(2x log2 e) + 1) with two MUFU ops. Its absolute
// error (~1e-7) stays far below 16-bit rounding; tanh.approx (relative error 2^-11) would not.
template <int kAcc>
__device__ __forceinline__ void applySoftcap(float (&s)[kAcc], float preScale) {
#pragma unroll
  for (int i = 0; i < kAcc; ++i) s[i] = 1.f - 2.f * rcpApprox(ex2Approx(s[i] * preScale * kTwoLog2e) + 1.f);
}

// How a key block's new row maxima reach O (Traits::kRescaleMode):
//  0 (eager): every block multiplies O and the row sums by exp2(old max - new max);
//  1 (vote): a warp skips that multiplication (64 FMUL per thread at head dim 128, after the P V
//    wait) in a block where none of its rows' maxima moved, which is exact: the factor would be 1.
//    Long rows move their maximum ever more rarely (about ln(blocks) times in all for random scores),
//    but a warp's 16 rows together still move in 31-79% of blocks: measured level to 5% slower than
//    eager, so a checker experiment;
//  2 (lazy, FlashAttention-4's way on Blackwell; checker experiments): a row keeps its maximum until
//    a block raises it by more than 2^kLazyRescaleLog2, so p may exceed 1. Exact in exact
//    arithmetic, but measured (and simulated) less accurate than eager: the largest p of a row is
//    no longer exactly 1, so its 16-bit rounding is no longer free, and against the naive twin of the
//    acceptance rule the error ratio rose from ~0.8 to ~1.0 on average, with 2 of ~900 checker
//    problems above 2 (kernels/NOTES.md, "Session 6"). Not used in production for that reason.
constexpr float kLazyRescaleLog2 = 8.f;
// Traits::kSpeculativeExp (needs mode 2): a block's p are first taken against the kept maximum
// without looking for a new one; a thread's partial row sum at most this bounds every p it added.
constexpr float kSpeculativeSumBound = 4096.f;

// kSplitMax: a row's maximum is taken over four interleaved partial maxima (a dependency chain of
// kAcc / 16 + 2 FMNMX before the shuffles instead of kAcc / 4 + 1); the result is the same value.
// kSumChains (checker experiments): a block's row sum over that many interleaved partial sums
// instead of one FADD chain (the same terms, added in another order).
// kPolyExpOf8 (checker experiments): of every 8 consecutive column pairs of a row, the first
// kPolyExpOf8 take their exponentials from ex2Poly<kPolyDegree> (FMA pipe) instead of the MUFU.
template <int kAcc, int kRescaleMode = 0, bool kSplitMax = false, bool kNoSum = false, int kSumChains = 1,
          int kPolyExpOf8 = 0, int kPolyDegree = 3>
struct OnlineSoftmax {
  float rowMax[2];  // in score units; -inf while the row has seen no visible key
  float rowSum[2];  // this thread's partial sum of p (rescaled to the current max)
  float scaleLog2;

  __device__ __forceinline__ explicit OnlineSoftmax(float scaleLog2_) : scaleLog2(scaleLog2_) {
    rowMax[0] = rowMax[1] = -INFINITY;
    rowSum[0] = rowSum[1] = 0.f;
  }

  // New row maxima from block scores s, then s <- exp2((s - max) * scaleLog2) and the row sums.
  // oScale[h] is the factor the output row must be multiplied by (unused when kFirst). Returns
  // whether O must be rescaled at all (always in mode 0; warp-uniform).
  template <bool kFirst>
  __device__ __forceinline__ bool update(float (&s)[kAcc], float (&oScale)[2]) {
    if constexpr (kRescaleMode != 0 && !kFirst) {
      return updateVoted(s, oScale);
    } else {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const float mx = rowMaxOf(s, h);
        // -inf - -inf is NaN: a row with no visible key yet subtracts 0, so its p = exp2(-inf) = 0.
        const float mScaled = mx == -INFINITY ? 0.f : mx * scaleLog2;
        if constexpr (!kFirst) {
          oScale[h] = ex2Approx(rowMax[h] * scaleLog2 - mScaled);
          rowSum[h] *= oScale[h];
        }
        rowMax[h] = mx;
        exponentiate(s, h, mScaled);
      }
      return true;
    }
  }

 private:
  // Row h's maximum over the quad, this block's scores and the running maximum.
  __device__ __forceinline__ float rowMaxOf(const float (&s)[kAcc], int h) const {
    float mx = rowMax[h];
    if constexpr (kSplitMax) {
      float part[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
#pragma unroll
      for (int j = 0; j < kAcc / 4; ++j) part[j % 4] = fmaxf(part[j % 4], fmaxf(s[4 * j + 2 * h], s[4 * j + 2 * h + 1]));
      mx = fmaxf(mx, fmaxf(fmaxf(part[0], part[1]), fmaxf(part[2], part[3])));
    } else {
#pragma unroll
      for (int j = 0; j < kAcc / 4; ++j) mx = fmaxf(mx, fmaxf(s[4 * j + 2 * h], s[4 * j + 2 * h + 1]));
    }
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    return fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
  }

  // Row h's p = exp2(s * scaleLog2 - mScaled), added to its sum (over kSumChains partial sums).
  __device__ __forceinline__ void exponentiate(float (&s)[kAcc], int h, float mScaled) {
    static_assert((kAcc / 4) % kSumChains == 0 && (kSumChains & (kSumChains - 1)) == 0, "whole chains, a power of two");
    float part[kSumChains];
#pragma unroll
    for (int c = 0; c < kSumChains; ++c) part[c] = 0.f;
#pragma unroll
    for (int j = 0; j < kAcc / 4; ++j)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        float& x = s[4 * j + 2 * h + e];
        const float arg = fmaf(x, scaleLog2, -mScaled);
        x = j % 8 < kPolyExpOf8 ? ex2Poly<kPolyDegree>(arg) : ex2Approx(arg);
        if constexpr (!kNoSum) part[j % kSumChains] += x;
      }
#pragma unroll
    for (int width = kSumChains / 2; width > 0; width /= 2)
#pragma unroll
      for (int c = 0; c < width; ++c) part[c] += part[c + width];
    rowSum[h] += part[0];
  }

  // Rescale modes 1 and 2, after the first block: both rows' maxima, one vote per warp, then the
  // exponentials.
  __device__ __forceinline__ bool updateVoted(float (&s)[kAcc], float (&oScale)[2]) {
    const float mx[2] = {rowMaxOf(s, 0), rowMaxOf(s, 1)};
    // mx >= rowMax. Mode 1: any rise (-inf to -inf is none: a row with no visible key yet stays
    // so, and its O is 0 either way); mode 2: a rise past the threshold (-inf - -inf is NaN and
    // compares false).
    const bool moved = kRescaleMode == 1 ? mx[0] > rowMax[0] || mx[1] > rowMax[1]
                                         : (mx[0] - rowMax[0]) * scaleLog2 > kLazyRescaleLog2 ||
                                               (mx[1] - rowMax[1]) * scaleLog2 > kLazyRescaleLog2;
    const bool rescale = __any_sync(0xffffffffu, moved);
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      if (rescale) {
        const float mScaled = mx[h] == -INFINITY ? 0.f : mx[h] * scaleLog2;
        oScale[h] = ex2Approx(rowMax[h] * scaleLog2 - mScaled);
        rowSum[h] *= oScale[h];
        rowMax[h] = mx[h];
      } else {
        oScale[h] = 1.f;
      }
      exponentiate(s, h, rowMax[h] == -INFINITY ? 0.f : rowMax[h] * scaleLog2);
    }
    return rescale;
  }

 public:
  // Mode 2 (lazy), after the first block, with a second P register set (Traits::kSpeculativeExp):
  // the p of the block are taken against the kept maxima first, without a maximum of the block
  // (its 64 FMNMX and 4 SHFL per thread), and packed into pa (pack(lo, hi) -> 16-bit pair) as
  // they come; s is left intact. Where every thread's partial row sums are finite and at most
  // kSpeculativeSumBound (so every p is), and no row that had seen no visible key sees one now,
  // that is the block's result (one vote per warp, no rescale). Otherwise the exact lazy update
  // runs on s, and pa is packed again (rare after a row's first blocks; NaN scores take this path,
  // as the eager update, and propagate).
  template <class Pack, int kSteps>
  __device__ __forceinline__ bool updateSpeculative(float (&s)[kAcc], uint32_t (&pa)[kSteps][4], float (&oScale)[2],
                                                    Pack pack) {
    static_assert(kRescaleMode == 2 && kSteps * 8 == kAcc, "P fragment of the S fragment, lazy rescale");
    const float ref[2] = {rowMax[0] == -INFINITY ? 0.f : rowMax[0] * scaleLog2,
                          rowMax[1] == -INFINITY ? 0.f : rowMax[1] * scaleLog2};
    float sum[2] = {0.f, 0.f};
#pragma unroll
    for (int kk = 0; kk < kSteps; ++kk)
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const int h = i & 1;  // s[8 kk + 2 i + e] belongs to row h (s[4 j + 2 h + e])
        const float lo = ex2Approx(fmaf(s[8 * kk + 2 * i], scaleLog2, -ref[h]));
        const float hi = ex2Approx(fmaf(s[8 * kk + 2 * i + 1], scaleLog2, -ref[h]));
        sum[h] += lo + hi;
        pa[kk][i] = pack(lo, hi);
      }
    const bool ok = sum[0] <= kSpeculativeSumBound && sum[1] <= kSpeculativeSumBound &&
                    (rowMax[0] != -INFINITY || sum[0] == 0.f) && (rowMax[1] != -INFINITY || sum[1] == 0.f);
    if (__all_sync(0xffffffffu, ok)) {
      rowSum[0] += sum[0];
      rowSum[1] += sum[1];
      oScale[0] = oScale[1] = 1.f;
      return false;
    }
    const bool rescale = updateVoted(s, oScale);
#pragma unroll
    for (int kk = 0; kk < kSteps; ++kk)
#pragma unroll
      for (int i = 0; i < 4; ++i) pa[kk][i] = pack(s[8 * kk + 2 * i], s[8 * kk + 2 * i + 1]);
    return rescale;
  }

  // The tile's first block (kFirst) over its first kCols columns only (Traits::kPartialFirstBlock:
  // every later column is masked for all of this warp's rows); s beyond them becomes p = 0. The
  // same maxima, p and sums as update<true> on the masked block: a masked score is -inf, which
  // neither raises a maximum nor adds to a sum (p = +0). Straight-line code per kCols (a branch per
  // column group made ptxas spill at head dim 128).
  template <int kCols>
  __device__ __forceinline__ void updateFirstColumns(float (&s)[kAcc]) {
    static_assert(kRescaleMode == 0 && !kSplitMax && !kNoSum && kSumChains == 1 && kPolyExpOf8 == 0,
                  "the partial first block is written for the production softmax");
    constexpr int kJ = kCols / 8;  // 8-column groups j: s[4j + 2h + e]
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      float mx = rowMax[h];
#pragma unroll
      for (int j = 0; j < kJ; ++j) mx = fmaxf(mx, fmaxf(s[4 * j + 2 * h], s[4 * j + 2 * h + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float mScaled = mx == -INFINITY ? 0.f : mx * scaleLog2;
      rowMax[h] = mx;
      float sum = 0.f;
#pragma unroll
      for (int j = 0; j < kAcc / 4; ++j)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          float& x = s[4 * j + 2 * h + e];
          if (j < kJ) {
            x = ex2Approx(fmaf(x, scaleLog2, -mScaled));
            sum += x;
          } else {
            x = 0.f;
          }
        }
      rowSum[h] += sum;
    }
  }

  // Row sums over the quad; invSum (1 for an empty row, whose output is already 0, and for NaN so
  // that it propagates) and the natural-log LSE (-inf for an empty row).
  __device__ __forceinline__ void finalize(float (&invSum)[2], float (&lse)[2]) const {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      float sum = rowSum[h];
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      const bool empty = sum == 0.f || sum != sum;
      invSum[h] = empty ? 1.f : 1.f / sum;
      lse[h] = sum == 0.f ? -INFINITY : (rowMax[h] * scaleLog2 + log2f(sum)) * kLn2;
    }
  }
};

// o[4j + 2h + e] belongs to row h.
template <int kAcc>
__device__ __forceinline__ void rescaleRows(float (&o)[kAcc], const float (&scale)[2]) {
#pragma unroll
  for (int j = 0; j < kAcc / 4; ++j) {
    o[4 * j + 0] *= scale[0];
    o[4 * j + 1] *= scale[0];
    o[4 * j + 2] *= scale[1];
    o[4 * j + 3] *= scale[1];
  }
}

}  // namespace fa::sm90
