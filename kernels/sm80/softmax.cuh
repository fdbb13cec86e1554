// Score transforms and the online softmax, all in registers. Scores are kept in log2 units
// (s * softmaxScale * log2(e)) so each probability is one ex2 (the exp2 trick).
#pragma once
#include <cstdint>

#include "common/fast_math.cuh"

namespace fa::sm80 {

constexpr float LOG2E = 1.4426950408889634f;
constexpr float LN2 = 0.6931471805599453f;

/**
 * tanh from ex2 and rcp with absolute error ~3e-7 everywhere. tanh.approx.f32 has ~2^-11 relative
 * error, which softcap multiplies into the logits (softcap 30: ~0.015) and so into every probability.
 * exp2(-2|x| log2 e) lies in (0, 1], so nothing overflows; NaN stays NaN.
 */
__device__ __forceinline__ float tanhAccurate(float x) {
  const float t = ex2Approx(-2.f * LOG2E * fabsf(x));
  return copysignf((1.f - t) * rcpApprox(1.f + t), x);
}

/** s <- s * scaleLog2 (scaleLog2 = softmaxScale * log2 e): raw scores to log2 units. */
template <int kMT, int kNT>
__device__ __forceinline__ void scaleScores(float (&s)[kMT][kNT][4], float scaleLog2) {
#pragma unroll
  for (int mt = 0; mt < kMT; ++mt)
#pragma unroll
    for (int nt = 0; nt < kNT; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[mt][nt][e] *= scaleLog2;
}

/** s <- softcap * tanh(s * softmaxScale / softcap), in log2 units (capLog2 = softcap * log2 e). */
template <int kMT, int kNT>
__device__ __forceinline__ void softcapScores(float (&s)[kMT][kNT][4], float preScale, float capLog2) {
#pragma unroll
  for (int mt = 0; mt < kMT; ++mt)
#pragma unroll
    for (int nt = 0; nt < kNT; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[mt][nt][e] = capLog2 * tanhAccurate(s[mt][nt][e] * preScale);
}

/**
 * Running max and sum of each query row a thread holds: rows g and g + 8 of each of its m16 tiles
 * (r = 2 mt + half). A row is spread over the 4 lanes of a quad; the max is reduced across the quad
 * at every tile, the sum only at the end (the quad shares the max, so partial sums scale alike).
 * Scores arrive unscaled; `scale` (> 0) takes them to log2 units, folded into each exponent's FFMA
 * (the max of s is the max of s * scale for a positive scale, so it is taken on raw scores).
 */
template <int kMT, int kNT, int kDT, bool kVoteRescale>
struct OnlineSoftmax {
  static constexpr int kRows = 2 * kMT;
  float rowMax[kRows];  // raw score units; -inf until the row sees a visible key
  float rowSum[kRows];  // this lane's part of sum(exp2((s - rowMax) * scale))

  __device__ __forceinline__ OnlineSoftmax() {
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      rowMax[r] = -INFINITY;
      rowSum[r] = 0.f;
    }
  }

  /** Folds one tile of scores (masked = -inf) in: rescales o when a max moved, turns s into P. */
  __device__ __forceinline__ void update(float (&s)[kMT][kNT][4], float (&o)[kMT][kDT][4], float scale) {
    float corr[kRows];
    bool moved = false;
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int r = 2 * mt + half;
        float mx = rowMax[r];
#pragma unroll
        for (int nt = 0; nt < kNT; ++nt) mx = fmaxf(mx, fmaxf(s[mt][nt][2 * half], s[mt][nt][2 * half + 1]));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        // A row with no visible key yet has max -inf, and -inf - (-inf) is NaN: subtract 0 instead,
        // so its probabilities are exp2(-inf) = 0 and it stays empty.
        const float mScaled = mx == -INFINITY ? 0.f : mx * scale;
        // exp2(-inf) = 0 when the row was empty (o and the sum are 0 anyway); exactly 1 when the max
        // did not move (the same product minus itself).
        corr[r] = ex2Approx(rowMax[r] * scale - mScaled);
        moved |= mx != rowMax[r];
        rowMax[r] = mx;
        float sum = rowSum[r] * corr[r];
#pragma unroll
        for (int nt = 0; nt < kNT; ++nt) {
#pragma unroll
          for (int e = 2 * half; e < 2 * half + 2; ++e) {
            const float pv = ex2Approx(fmaf(s[mt][nt][e], scale, -mScaled));
            s[mt][nt][e] = pv;
            sum += pv;
          }
        }
        rowSum[r] = sum;
      }
    }
    // Once the keys seen so far hold each row's maximum, most tiles move no max of any row of the
    // warp: with kVoteRescale, skip the kDT * 4 * kMT multiplies of O then (every corr is exactly 1).
    if (!kVoteRescale || __any_sync(0xffffffffu, moved)) {
#pragma unroll
      for (int mt = 0; mt < kMT; ++mt)
#pragma unroll
        for (int dt = 0; dt < kDT; ++dt)
#pragma unroll
          for (int e = 0; e < 4; ++e) o[mt][dt][e] *= corr[2 * mt + e / 2];
    }
  }

  /**
   * Divides o by the row sums and returns each row's LSE (natural log). An empty row (sum 0) gives
   * o = 0 and LSE -inf; a NaN row keeps NaN in both.
   */
  __device__ __forceinline__ void finalize(float (&o)[kMT][kDT][4], float (&lse)[kRows], float scale) {
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int r = 2 * mt + half;
        float sum = rowSum[r];
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        sum += __shfl_xor_sync(0xffffffffu, sum, 2);
        // A non-empty row's sum is >= 1 (its max contributes exp2(0)), so the approximate rcp is safe.
        const float inv = sum == 0.f ? 0.f : rcpApprox(sum);
#pragma unroll
        for (int dt = 0; dt < kDT; ++dt) {
          o[mt][dt][2 * half] *= inv;
          o[mt][dt][2 * half + 1] *= inv;
        }
        lse[r] = sum == 0.f ? -INFINITY : (rowMax[r] * scale + log2f(sum)) * LN2;
      }
    }
  }
};

}  // namespace fa::sm80
