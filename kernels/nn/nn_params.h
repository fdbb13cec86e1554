// Parameter structs of the small transformer ops (kernels/nn/nn_ops.cu), passed by value as one
// `const __grid_constant__` struct each. Shared with TypeScript: src/nn/kernels.ts writes the same
// layouts, and the build emits sizeof/offsetof of every field (the *_FIELDS X-macros) for the layout
// test. Plain host C++: fixed-width types only, every field naturally aligned.
//
// Element pointers point at element [0, ...] of a contiguous tensor whose dtype the kernel's name
// says (f32, f16 or bf16); every op reads its inputs exactly, computes in float32 and rounds its
// output once to the dtype, to nearest even.
#pragma once
#include <cstdint>

// out[r, c] = weight[ids[r], c] for r < rows, c < dim. ids are validated on the host.
struct EmbeddingParams {
  void* out;
  const void* weight;
  const int32_t* ids;
  int64_t rows;
  int32_t dim;
  int32_t vocab;
};
#define EMBEDDING_PARAMS_FIELDS(X) X(out) X(weight) X(ids) X(rows) X(dim) X(vocab)

// LayerNorm: out = (x - mean) / sqrt(var + eps) * weight + bias (bias may be null).
// RMSNorm:   out = x / sqrt(mean(x^2) + eps) * weight. One block per row of `dim` elements.
struct NormParams {
  void* out;
  const void* x;
  const void* weight;
  const void* bias;
  int64_t rows;
  int32_t dim;
  float eps;
};
#define NORM_PARAMS_FIELDS(X) X(out) X(x) X(weight) X(bias) X(rows) X(dim) X(eps)

// Elementwise over n elements: add (out = a + b), gelu (out = gelu(a)), and swiglu, which reads
// a as rows of 2 * cols (gate, then up) and writes out = silu(gate) * up as rows of cols.
struct ElementwiseParams {
  void* out;
  const void* a;
  const void* b;
  int64_t n;
  int32_t cols;
  int32_t reserved;
};
#define ELEMENTWISE_PARAMS_FIELDS(X) X(out) X(a) X(b) X(n) X(cols) X(reserved)

// Seeded initialization, the same bits as src/nn/init.ts: out[i] = (2u - 1) * bound rounded to the
// dtype, u = hash(seed, stream, i) / 2^24 with 24 random bits.
struct UniformInitParams {
  void* out;
  int64_t n;
  uint32_t seed;
  uint32_t stream;
  float bound;
  int32_t reserved;
};
#define UNIFORM_INIT_PARAMS_FIELDS(X) X(out) X(n) X(seed) X(stream) X(bound) X(reserved)
