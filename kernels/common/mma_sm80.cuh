// Warp-level tensor-core MMA wrappers for sm_80+ (PTX ISA, "Warp Level Matrix Multiply-Accumulate
// Instructions: mma", shape m16n8k16). Only kernels/common/ holds asm(); kernels call these by name.
//
// Fragment layouts (PTX ISA, "Matrix Fragments for mma.m16n8k16 with floating point type"), with
// g = laneid >> 2 and t = laneid & 3; a 32-bit register holds two 16-bit elements, the lower column
// index in the low half:
//   A (16x16, row-major): a[0] = (row g,   cols 2t, 2t+1)   a[1] = (row g+8, cols 2t, 2t+1)
//                         a[2] = (row g,   cols 2t+8, 2t+9) a[3] = (row g+8, cols 2t+8, 2t+9)
//   B (16x8, "col"):      b[0] = (rows k 2t, 2t+1,   col n g) b[1] = (rows k 2t+8, 2t+9, col n g)
//   C/D (16x8 float32):   c[0], c[1] = (row g,   cols 2t, 2t+1)  c[2], c[3] = (row g+8, cols 2t, 2t+1)
#pragma once
#include <cstdint>

namespace fa {

// mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32: D = A * B + D, float16 inputs, float32 accumulate.
__device__ __forceinline__ void mmaM16N8K16F16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32: D = A * B + D, bfloat16 inputs, float32 accumulate.
__device__ __forceinline__ void mmaM16N8K16Bf16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

}  // namespace fa
