// The small ops of src/nn (embedding gather, LayerNorm, RMSNorm, residual add, GELU, SwiGLU,
// seeded uniform init), one extern "C" entry per op and dtype: nn_<op>_<f32|f16|bf16>.
// Matmuls are not here: Linear runs on cuBLASLt (src/cuda/cublaslt.ts).
//
// Numerics shared with the CPU path (src/nn/cpu.ts): inputs decoded exactly, float32 arithmetic,
// one round-to-nearest-even into the output dtype. Reductions (norm statistics) accumulate in float32.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include "nn/nn_params.h"

namespace {

constexpr int kThreads = 256;
constexpr int kWarp = 32;

template <typename T> struct Elem;
template <> struct Elem<float> {
  __device__ static float load(const void* p, int64_t i) { return static_cast<const float*>(p)[i]; }
  __device__ static void store(void* p, int64_t i, float v) { static_cast<float*>(p)[i] = v; }
};
template <> struct Elem<__half> {
  __device__ static float load(const void* p, int64_t i) { return __half2float(static_cast<const __half*>(p)[i]); }
  __device__ static void store(void* p, int64_t i, float v) { static_cast<__half*>(p)[i] = __float2half_rn(v); }
};
template <> struct Elem<__nv_bfloat16> {
  __device__ static float load(const void* p, int64_t i) { return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]); }
  __device__ static void store(void* p, int64_t i, float v) { static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16_rn(v); }
};

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
  for (int o = kWarp / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sum over the block; every thread gets the result. `scratch` holds one float per warp.
__device__ float blockSum(float v, float* scratch) {
  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  v = warpSum(v);
  __syncthreads();  // scratch may still be read by the previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / kWarp;
  float t = lane < warps ? scratch[lane] : 0.f;
  return warpSum(t);
}

template <typename T>
__device__ void embedding(const EmbeddingParams& p) {
  const int64_t n = p.rows * p.dim;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / p.dim;
    const int64_t c = i - r * p.dim;
    Elem<T>::store(p.out, i, Elem<T>::load(p.weight, int64_t(p.ids[r]) * p.dim + c));
  }
}

// Two passes over the row (mean, then the centered sum of squares): a one-pass E[x^2] - E[x]^2
// cancels badly in float32 when |mean| >> std.
template <typename T>
__device__ void layerNorm(const NormParams& p) {
  __shared__ float scratch[kThreads / kWarp];
  const int64_t row = blockIdx.x;
  if (row >= p.rows) return;
  const int64_t base = row * p.dim;
  float s = 0.f;
  for (int c = threadIdx.x; c < p.dim; c += blockDim.x) s += Elem<T>::load(p.x, base + c);
  const float mean = blockSum(s, scratch) / float(p.dim);
  float ss = 0.f;
  for (int c = threadIdx.x; c < p.dim; c += blockDim.x) {
    const float d = Elem<T>::load(p.x, base + c) - mean;
    ss += d * d;
  }
  const float var = blockSum(ss, scratch) / float(p.dim);
  const float rstd = rsqrtf(var + p.eps);
  for (int c = threadIdx.x; c < p.dim; c += blockDim.x) {
    float y = (Elem<T>::load(p.x, base + c) - mean) * rstd * Elem<T>::load(p.weight, c);
    if (p.bias) y += Elem<T>::load(p.bias, c);
    Elem<T>::store(p.out, base + c, y);
  }
}

template <typename T>
__device__ void rmsNorm(const NormParams& p) {
  __shared__ float scratch[kThreads / kWarp];
  const int64_t row = blockIdx.x;
  if (row >= p.rows) return;
  const int64_t base = row * p.dim;
  float ss = 0.f;
  for (int c = threadIdx.x; c < p.dim; c += blockDim.x) {
    const float v = Elem<T>::load(p.x, base + c);
    ss += v * v;
  }
  const float rstd = rsqrtf(blockSum(ss, scratch) / float(p.dim) + p.eps);
  for (int c = threadIdx.x; c < p.dim; c += blockDim.x) {
    Elem<T>::store(p.out, base + c, Elem<T>::load(p.x, base + c) * rstd * Elem<T>::load(p.weight, c));
  }
}

template <typename T>
__device__ void add(const ElementwiseParams& p) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < p.n; i += int64_t(gridDim.x) * blockDim.x) {
    Elem<T>::store(p.out, i, Elem<T>::load(p.a, i) + Elem<T>::load(p.b, i));
  }
}

// Exact GELU (PyTorch's nn.GELU default), not the tanh approximation.
template <typename T>
__device__ void gelu(const ElementwiseParams& p) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < p.n; i += int64_t(gridDim.x) * blockDim.x) {
    const float x = Elem<T>::load(p.a, i);
    Elem<T>::store(p.out, i, 0.5f * x * (1.f + erff(x * kInvSqrt2)));
  }
}

// n = rows * cols outputs; input row r is [gate (cols), up (cols)].
template <typename T>
__device__ void swiglu(const ElementwiseParams& p) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < p.n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / p.cols;
    const int64_t c = i - r * p.cols;
    const float g = Elem<T>::load(p.a, r * 2 * p.cols + c);
    const float u = Elem<T>::load(p.a, r * 2 * p.cols + p.cols + c);
    // expf(-g) overflows to inf for g < -88: g / inf = -0, the right limit.
    Elem<T>::store(p.out, i, g / (1.f + expf(-g)) * u);
  }
}

// lowbias32 (Wellons): a full-avalanche 32-bit mix; the TypeScript twin uses Math.imul.
__device__ __forceinline__ uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

template <typename T>
__device__ void uniformInit(const UniformInitParams& p) {
  const uint32_t key = mix32(p.seed * 0x9e3779b9u ^ mix32(p.stream + 0x632be5abu));
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < p.n; i += int64_t(gridDim.x) * blockDim.x) {
    const uint32_t h = mix32(mix32(uint32_t(i) ^ key) + uint32_t(i >> 32));
    const float u = float(h >> 8) * 0x1p-24f;
    // 2u - 1 is exact in float32 (24 bits in [-1, 1)); the product is rounded once, as in JS.
    Elem<T>::store(p.out, i, __fmul_rn(__fsub_rn(__fmul_rn(u, 2.f), 1.f), p.bound));
  }
}

}  // namespace

#define NN_ENTRIES(SUFFIX, T)                                                                          \
  extern "C" __global__ void nn_embedding_##SUFFIX(const __grid_constant__ EmbeddingParams p) { embedding<T>(p); } \
  extern "C" __global__ void __launch_bounds__(kThreads) nn_layernorm_##SUFFIX(const __grid_constant__ NormParams p) { layerNorm<T>(p); } \
  extern "C" __global__ void __launch_bounds__(kThreads) nn_rmsnorm_##SUFFIX(const __grid_constant__ NormParams p) { rmsNorm<T>(p); } \
  extern "C" __global__ void nn_add_##SUFFIX(const __grid_constant__ ElementwiseParams p) { add<T>(p); }                \
  extern "C" __global__ void nn_gelu_##SUFFIX(const __grid_constant__ ElementwiseParams p) { gelu<T>(p); }              \
  extern "C" __global__ void nn_swiglu_##SUFFIX(const __grid_constant__ ElementwiseParams p) { swiglu<T>(p); }          \
  extern "C" __global__ void nn_uniform_init_##SUFFIX(const __grid_constant__ UniformInitParams p) { uniformInit<T>(p); }

NN_ENTRIES(f32, float)
NN_ENTRIES(f16, __half)
NN_ENTRIES(bf16, __nv_bfloat16)
