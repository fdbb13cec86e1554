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
