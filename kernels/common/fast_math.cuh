// Special-function-unit wrappers (PTX ISA, "Floating Point Instructions: ex2", "rcp") and the
// float-to-16-bit packing conversions (PTX ISA, "Data Movement and Conversion Instructions: cvt").
// Only kernels/common/ holds asm(); kernels call these by name.
#pragma once
#include <cstdint>

namespace fa {

// ex2.approx.ftz.f32: 2^x in one MUFU op (max relative error about 2^-22); ex2(-inf) = +0, NaN stays NaN.
__device__ __forceinline__ float ex2Approx(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// max.NaN.f32 (sm_80+): the larger of a and b, and NaN if either is NaN (fmaxf would drop the NaN).
__device__ __forceinline__ float maxPropagateNan(float a, float b) {
  float y;
  asm("max.NaN.f32 %0, %1, %2;\n" : "=f"(y) : "f"(a), "f"(b));
  return y;
}

// 2^x for x <= 0 on the FMA and integer pipes instead of the MUFU (FlashAttention-4's idea for
// Blackwell, where the special-function unit cannot keep up with the tensor cores): x is split as
// r + f, r = round(x) by adding and subtracting 1.5 * 2^23 (an add rounds to the nearest integer
// there), f in [-0.5, 0.5]; 2^f = 1 + f q(f), q of degree kDegree - 1 (Horner, FFMA), and 2^r is
// built from the exponent bits: the low bits of t = x + 1.5 * 2^23 hold r, so t's bits shifted up
// by 23 plus 127 << 23 are those of 2^r. Coefficients from scripts/exp2-poly-fit.py (minimax
// relative error with the constant fixed at 1, so 2^0 is exactly 1 as with ex2.approx): degree 3,
// relative error 1.0e-4 (bfloat16's half ulp is 2.0e-3); degree 4, 2.9e-6 (float16's is 2.4e-4).
// x is first clamped to -127 (2^r is then 0, so -inf and anything below -126.5 give exactly +0,
// as ex2.approx.ftz flushes them), with a NaN-propagating max so that NaN stays NaN (its 2^r is
// garbage, but NaN times anything is NaN). Nine instructions against one MUFU op: a caller takes
// it for a part of its exponentials only, to unload the MUFU unit.
template <int kDegree>
__device__ __forceinline__ float ex2Poly(float x) {
  static_assert(kDegree == 3 || kDegree == 4, "degree 3 (bfloat16) or 4 (float16)");
  constexpr float kRoundingShift = 12582912.f;  // 1.5 * 2^23
  x = maxPropagateNan(x, -127.f);
  const float t = __fadd_rn(x, kRoundingShift);  // _rn: never contracted or reassociated
  const float f = __fsub_rn(x, __fsub_rn(t, kRoundingShift));
  float q;
  if constexpr (kDegree == 3) {
    q = fmaf(fmaf(5.500893295e-02f, f, 2.422109991e-01f), f, 6.932829022e-01f);
  } else {
    q = fmaf(fmaf(fmaf(9.582854807e-03f, f, 5.590642989e-02f), f, 2.402409911e-01f), f, 6.931241751e-01f);
  }
  const float twoToR = __uint_as_float((__float_as_uint(t) << 23) + (127u << 23));
  return __fmul_rn(fmaf(q, f, 1.f), twoToR);
}

// rcp.approx.ftz.f32: 1/x in one MUFU op (max relative error about 2^-23).
__device__ __forceinline__ float rcpApprox(float x) {
  float y;
  asm("rcp.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// cvt.rn.f16x2.f32: packs two floats, round to nearest even; PTX puts its first source in the upper
// half, so `hi` goes first and `lo` (the lower column index) lands in bits 0..15.
__device__ __forceinline__ uint32_t packHalf2(float lo, float hi) {
  uint32_t r;
  asm("cvt.rn.f16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

// cvt.rn.bf16x2.f32: as packHalf2, for bfloat16 (sm_80+).
__device__ __forceinline__ uint32_t packBfloat162(float lo, float hi) {
  uint32_t r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

}  // namespace fa
