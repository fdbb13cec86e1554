// Parameter structs of the foundation's test kernels. Plain host C++ too: the build prints their
// offsets for the TypeScript layout test.
#pragma once
#include <cstdint>

#include "common/tensor_map_bytes.h"

// out[i] = start + i * step, i < count.
struct IotaParams {
  float* out;
  int64_t count;
  float start;
  float step;
};
#define IOTA_PARAMS_FIELDS(X) X(out) X(count) X(start) X(step)

// Copies a [rows, cols] bf16 matrix through one TMA tile load per block (box boxRows x boxCols).
struct TmaCopyParams {
  TensorMapBytes src;
  uint16_t* out;
  int32_t rows;
  int32_t cols;
  int32_t boxRows;
  int32_t boxCols;
};
#define TMA_COPY_PARAMS_FIELDS(X) X(src) X(out) X(rows) X(cols) X(boxRows) X(boxCols)
