// TensorMapBytes: the 128-byte, 64-byte-aligned CUtensorMap as a parameter-struct field. Under
// nvcc it is the driver's type (kernels hand its address to cp.async.bulk.tensor); in plain host
// C++ (the build's offsetof program) an opaque struct of the same size and alignment.
#pragma once
#include <cstdint>

#ifdef __CUDACC__
#include <cuda.h>
typedef CUtensorMap TensorMapBytes;
#else
struct alignas(64) TensorMapBytes {
  uint64_t opaque[16];
};
#endif
