// Warp-collective shared-memory matrix loads (PTX ISA, "Warp-level matrix load instruction: ldmatrix").
// Only kernels/common/ holds asm(); kernels call these by name.
//
// x4 loads four 8x8 matrices of 16-bit elements. Lane 8*i + r supplies the shared address of row r of
// matrix i (each row is 16 contiguous bytes, 16-byte aligned); register i of lane l receives matrix i's
// (row l >> 2, cols 2*(l & 3), 2*(l & 3) + 1). With .trans it receives (rows 2*(l & 3), 2*(l & 3) + 1,
// col l >> 2) instead, i.e. the same fragment of the transposed matrix.
#pragma once
#include <cstdint>

namespace fa {

// ldmatrix.sync.aligned.m8n8.x4.shared.b16: four 8x8 matrices, not transposed.
__device__ __forceinline__ void ldmatrixX4(uint32_t (&r)[4], uint32_t smemAddr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smemAddr));
}

// ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16: four 8x8 matrices, each transposed on the way.
__device__ __forceinline__ void ldmatrixX4Trans(uint32_t (&r)[4], uint32_t smemAddr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smemAddr));
}

}  // namespace fa
