// Standalone GPU self-check of the portable forward kernels, for a machine with a GPU and nvcc but no
// Node.js. Runs the real entry points of kernels/attn_fwd_sm80.cu on fresh random inputs against a
// float64 CPU reference with FlashAttention's acceptance rule (DESIGN.md): per case,
//   maxAbs(out - ref64) <= 2 * maxAbs(outNaive - ref64) + 1e-5   (and the same for the LSE),
// where outNaive rounds the inputs and P to the kernel's dtype and computes in float32. NaN and
// infinite positions must match exactly. Outputs are poisoned (NaN) before every launch.
//
//   nvcc -O3 -gencode=arch=compute_80,code=compute_80 -I kernels kernels/sm80/selfcheck.cu -o /tmp/sc && /tmp/sc
//   /tmp/sc            correctness suite, prints one line per case and PASS/FAIL (exit code 1 on FAIL)
//   /tmp/sc small      one small case per head dim and dtype (for compute-sanitizer memcheck/racecheck)
//   /tmp/sc bench      TFLOP/s on the FlashAttention-3 paper's grid (batch * seqlen = 16k, hidden 2048)
//   /tmp/sc variants   the same timing for tile-shape candidates that are not in the table
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "attn_fwd_sm80.cu"

#define CHECK_CUDA(x)                                                                               \
  do {                                                                                              \
    cudaError_t err_ = (x);                                                                         \
    if (err_ != cudaSuccess) {                                                                      \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(err_));    \
      std::exit(2);                                                                                 \
    }                                                                                               \
  } while (0)

using KernelFn = void (*)(AttnFwdParams);

/** One launchable kernel: the table's entries, plus tuning candidates built from the same template. */
struct KernelInfo {
  std::string name;
  int headDim;
  int blockM;
  int threads;
  int smemBytes;
  KernelFn fp16;
  KernelFn bf16;
};

#define SC_TABLE_ROW(D, BM, BN, W, S)                                                             \
  KernelInfo{"hdim" #D " " #BM "x" #BN " w" #W " s" #S, D, BM, W * 32,                          \
             fa::sm80::AttnFwdConfig<D, BM, BN, W, S>::kSmemBytes, attn_fwd_sm80_hdim##D##_fp16,  \
             attn_fwd_sm80_hdim##D##_bf16},
static const std::vector<KernelInfo> kTable = {ATTN_FWD_SM80_CONFIGS(SC_TABLE_ROW)};

template <class Cfg, class Elem>
__global__ void __launch_bounds__(Cfg::kThreads) variantKernel(const __grid_constant__ AttnFwdParams p) {
  fa::sm80::attnFwdSm80<Cfg, Elem>(p);
}
template <int D, int BM, int BN, int W, int S>
KernelInfo variant() {
  using Cfg = fa::sm80::AttnFwdConfig<D, BM, BN, W, S>;
  char name[64];
  std::snprintf(name, sizeof name, "hdim%d %dx%d w%d s%d", D, BM, BN, W, S);
  return {name, D, BM, W * 32, Cfg::kSmemBytes, variantKernel<Cfg, fa::sm80::Fp16>, variantKernel<Cfg, fa::sm80::Bf16>};
}

/** The table row that runs head dim d: the smallest compiled size >= d (extra columns read as 0). */
static const KernelInfo& kernelFor(int d) {
  for (const KernelInfo& k : kTable)
    if (k.headDim >= d) return k;
  std::fprintf(stderr, "no kernel for head dim %d\n", d);
  std::exit(2);
}

// ---- host numerics -------------------------------------------------------------------------------

static uint16_t encode(float x, bool bf16) {
  if (bf16) {
    __nv_bfloat16 h = __float2bfloat16_rn(x);
    uint16_t b;
    std::memcpy(&b, &h, 2);
    return b;
  }
  __half h = __float2half_rn(x);
  uint16_t b;
  std::memcpy(&b, &h, 2);
  return b;
}
static float decode(uint16_t b, bool bf16) {
  if (bf16) {
    __nv_bfloat16 h;
    std::memcpy(&h, &b, 2);
    return __bfloat162float(h);
  }
  __half h;
  std::memcpy(&h, &b, 2);
  return __half2float(h);
}
static float roundTo(float x, bool bf16) { return decode(encode(x, bf16), bf16); }

// ---- problems ------------------------------------------------------------------------------------

struct Case {
  std::string name;
  int batch = 1, seqlenQ = 128, seqlenK = 128, heads = 2, headsKV = 2, headDim = 64;
  bool bf16 = true;
  bool causal = false;
  int left = -1, right = -1;
  float softcap = 0.f;
  float scale = 0.f;  // 0: 1/sqrt(headDim)
  bool varlen = false;
  bool sequsedK = false;
  bool packed = false;  // q, k, v are views of one [batch, seqlen, 3, heads, headDim] buffer
  bool lse = true;
  float qMul = 1.f;     // > 1: very large logits
  bool nanQ = false;    // one NaN in q
  const KernelInfo* kernel = nullptr;  // default: the table row for headDim
};

struct Layout {
  int64_t batchStride, rowStride, headStride, offset;
};

struct Built {
  int batch, heads, headsKV, d;
  std::vector<int> cuQ, cuK, usedK;  // per sequence starts and lengths (dense too)
  int totalQ, totalK, maxQ, maxK;
  std::vector<uint16_t> qkvBuf[3];    // separate buffers unless packed (then all in [0])
  Layout lq, lk, lv;
  int lseBatchStride, lseHeadStride;
};

static float gauss(std::mt19937& rng) { return std::normal_distribution<float>(0.f, 1.f)(rng); }

static Built build(const Case& c, std::mt19937& rng) {
  Built b;
  b.batch = c.batch;
  b.heads = c.heads;
  b.headsKV = c.headsKV;
  b.d = c.headDim;
  b.cuQ.assign(c.batch + 1, 0);
  b.cuK.assign(c.batch + 1, 0);
  b.usedK.assign(c.batch, 0);
  std::vector<int> lenQ(c.batch), lenK(c.batch);
  for (int i = 0; i < c.batch; ++i) {
    if (c.varlen) {
      lenQ[i] = 1 + int(rng() % c.seqlenQ);
      lenK[i] = int(rng() % (c.seqlenK + 1));  // an empty key set too, now and then
      if (i == 0) lenQ[i] = c.seqlenQ, lenK[i] = c.seqlenK;
    } else {
      lenQ[i] = c.seqlenQ;
      lenK[i] = c.seqlenK;
    }
    b.cuQ[i + 1] = b.cuQ[i] + lenQ[i];
    b.cuK[i + 1] = b.cuK[i] + lenK[i];
    b.usedK[i] = c.sequsedK ? int(rng() % (lenK[i] + 1)) : lenK[i];
  }
  b.totalQ = b.cuQ[c.batch];
  b.totalK = b.cuK[c.batch];
  b.maxQ = *std::max_element(lenQ.begin(), lenQ.end());
  b.maxK = *std::max_element(lenK.begin(), lenK.end());
  const int64_t d = c.headDim;
  if (c.packed) {
    // [batch, seqlen, 3, heads, d]; heads == headsKV and seqlenQ == seqlenK.
    const int64_t row = 3 * c.heads * d;
    b.qkvBuf[0].resize(size_t(c.batch) * c.seqlenQ * row);
    b.lq = {c.seqlenQ * row, row, d, 0};
    b.lk = {c.seqlenQ * row, row, d, c.heads * d};
    b.lv = {c.seqlenQ * row, row, d, 2 * c.heads * d};
  } else if (c.varlen) {
    b.qkvBuf[0].resize(size_t(b.totalQ) * c.heads * d);
    b.qkvBuf[1].resize(size_t(std::max(b.totalK, 1)) * c.headsKV * d);
    b.qkvBuf[2].resize(size_t(std::max(b.totalK, 1)) * c.headsKV * d);
    b.lq = {0, c.heads * d, d, 0};
    b.lk = b.lv = {0, c.headsKV * d, d, 0};
  } else {
    b.qkvBuf[0].resize(size_t(c.batch) * c.seqlenQ * c.heads * d);
    b.qkvBuf[1].resize(size_t(std::max(c.batch * c.seqlenK, 1)) * c.headsKV * d);
    b.qkvBuf[2].resize(size_t(std::max(c.batch * c.seqlenK, 1)) * c.headsKV * d);
    b.lq = {int64_t(c.seqlenQ) * c.heads * d, c.heads * d, d, 0};
    b.lk = b.lv = {int64_t(c.seqlenK) * c.headsKV * d, c.headsKV * d, d, 0};
  }
  for (auto& buf : b.qkvBuf)
    for (auto& x : buf) x = encode(gauss(rng), c.bf16);
  if (c.qMul != 1.f) {
    // Scale q only (k, v stay N(0, 1)); with the packed layout every third slot is q.
    auto& buf = b.qkvBuf[0];
    for (int bb = 0; bb < c.batch; ++bb)
      for (int i = 0; i < (c.varlen ? lenQ[bb] : c.seqlenQ); ++i)
        for (int h = 0; h < c.heads; ++h)
          for (int k = 0; k < c.headDim; ++k) {
            size_t at = b.lq.offset + bb * b.lq.batchStride + (b.cuQ[bb] * (c.varlen ? 1 : 0) + i) * b.lq.rowStride +
                        h * b.lq.headStride + k;
            buf[at] = encode(decode(buf[at], c.bf16) * c.qMul, c.bf16);
          }
  }
  if (c.nanQ) {
    // Query row 5 of sequence 0, head 0 (its output row and LSE must be NaN, nothing else).
    b.qkvBuf[0][b.lq.offset + 5 * b.lq.rowStride + 3] = encode(NAN, c.bf16);
  }
  if (c.varlen) {
    b.lseBatchStride = 0;
    b.lseHeadStride = b.totalQ;
  } else {
    b.lseBatchStride = c.heads * c.seqlenQ;
    b.lseHeadStride = c.seqlenQ;
  }
  return b;
}

/** float64 reference and the low-precision naive, over [totalQ rows, heads, d] / [heads-major lse]. */
struct Ref {
  std::vector<double> out, lse, naiveOut, naiveLse;
};

static Ref reference(const Case& c, const Built& b) {
  Ref r;
  const int d = c.headDim;
  const size_t rows = size_t(c.varlen ? b.totalQ : c.batch * c.seqlenQ);
  r.out.assign(rows * c.heads * d, 0);
  r.naiveOut.assign(rows * c.heads * d, 0);
  r.lse.assign(rows * c.heads, 0);
  r.naiveLse.assign(rows * c.heads, 0);
  const double scale = c.scale != 0.f ? c.scale : 1.0 / std::sqrt(double(d));
  const int right = c.causal ? 0 : c.right;
  const auto& qb = b.qkvBuf[0];
  const auto& kb = c.packed ? b.qkvBuf[0] : b.qkvBuf[1];
  const auto& vb = c.packed ? b.qkvBuf[0] : b.qkvBuf[2];
  // Work items: (sequence, head, query row).
  struct Item {
    int bb, h, i;
  };
  std::vector<Item> items;
  for (int bb = 0; bb < c.batch; ++bb)
    for (int h = 0; h < c.heads; ++h)
      for (int i = 0; i < b.cuQ[bb + 1] - b.cuQ[bb]; ++i) items.push_back({bb, h, i});
  auto work = [&](size_t begin, size_t end) {
    std::vector<double> s, pd;
    std::vector<float> sf;
    std::vector<int> vis;
    for (size_t it = begin; it < end; ++it) {
      const auto [bb, h, i] = items[it];
      const int hk = h / (c.heads / c.headsKV);
      const int sq = b.cuQ[bb + 1] - b.cuQ[bb];
      const int sk = b.usedK[bb];
      const int64_t qRow = c.varlen ? b.cuQ[bb] + i : i;
      const int64_t kRow0 = c.varlen ? b.cuK[bb] : 0;
      const size_t qAt = b.lq.offset + bb * b.lq.batchStride + qRow * b.lq.rowStride + h * b.lq.headStride;
      const int64_t diag = int64_t(i) + sk - sq;
      vis.clear();
      for (int j = 0; j < sk; ++j) {
        if (right >= 0 && j > diag + right) continue;
        if (c.left >= 0 && j < diag - c.left) continue;
        vis.push_back(j);
      }
      const size_t outRow = (c.varlen ? size_t(b.cuQ[bb] + i) : size_t(bb) * c.seqlenQ + i) * c.heads + h;
      const size_t lseAt = size_t(bb) * b.lseBatchStride + size_t(h) * b.lseHeadStride + (c.varlen ? b.cuQ[bb] : 0) + i;
      if (vis.empty()) {
        r.lse[lseAt] = r.naiveLse[lseAt] = -INFINITY;
        continue;  // out stays 0
      }
      s.resize(vis.size());
      sf.resize(vis.size());
      for (size_t jj = 0; jj < vis.size(); ++jj) {
        const size_t kAt = b.lk.offset + bb * b.lk.batchStride + (kRow0 + vis[jj]) * b.lk.rowStride + hk * b.lk.headStride;
        double acc = 0;
        float accf = 0;
        for (int k = 0; k < d; ++k) {
          const float qv = decode(qb[qAt + k], c.bf16), kv = decode(kb[kAt + k], c.bf16);
          acc += double(qv) * kv;
          accf += qv * kv;
        }
        double x = acc * scale;
        float xf = accf * float(scale);
        if (c.softcap > 0) {
          x = c.softcap * std::tanh(x / c.softcap);
          xf = c.softcap * std::tanh(xf / c.softcap);
        }
        s[jj] = x;
        sf[jj] = xf;
      }
      double mx = -INFINITY;
      float mxf = -INFINITY;
      for (size_t jj = 0; jj < s.size(); ++jj) {
        if (s[jj] > mx) mx = s[jj];
        if (sf[jj] > mxf) mxf = sf[jj];
      }
      double sum = 0;
      float sumf = 0;
      pd.resize(s.size());
      for (size_t jj = 0; jj < s.size(); ++jj) {
        pd[jj] = std::exp(s[jj] - mx);
        sum += pd[jj];
        sf[jj] = std::exp(sf[jj] - mxf);
        sumf += sf[jj];
      }
      r.lse[lseAt] = mx + std::log(sum);
      r.naiveLse[lseAt] = double(mxf + std::log(sumf));
      for (size_t jj = 0; jj < s.size(); ++jj) sf[jj] = roundTo(sf[jj] / sumf, c.bf16);
      for (int k = 0; k < d; ++k) {
        double acc = 0;
        float accf = 0;
        for (size_t jj = 0; jj < s.size(); ++jj) {
          const size_t vAt = b.lv.offset + bb * b.lv.batchStride + (kRow0 + vis[jj]) * b.lv.rowStride + hk * b.lv.headStride;
          const float vv = decode(vb[vAt + k], c.bf16);
          acc += pd[jj] * vv;
          accf += sf[jj] * vv;
        }
        r.out[outRow * d + k] = acc / sum;
        r.naiveOut[outRow * d + k] = roundTo(accf, c.bf16);
      }
    }
  };
  const unsigned nThreads = std::max(1u, std::min(32u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  const size_t per = (items.size() + nThreads - 1) / nThreads;
  for (unsigned t = 0; t < nThreads; ++t) {
    const size_t b0 = t * per, b1 = std::min(items.size(), b0 + per);
    if (b0 < b1) pool.emplace_back(work, b0, b1);
  }
  for (auto& t : pool) t.join();
  return r;
}

/** Acceptance rule over one array; returns false and prints why on failure. */
static bool accept(const char* what, const std::vector<double>& got, const std::vector<double>& ref,
                   const std::vector<double>& naive, double& maxErrOut, double& boundOut) {
  double naiveErr = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double e = std::fabs(naive[i] - ref[i]);
    if (std::isfinite(e)) naiveErr = std::max(naiveErr, e);
  }
  const double bound = 2 * naiveErr + 1e-5;
  double maxErr = 0;
  long bad = 0;
  long firstBad = -1;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double r = ref[i], a = got[i];
    bool ok;
    if (std::isnan(r)) ok = std::isnan(a);
    else if (!std::isfinite(r)) ok = a == r;
    else if (!std::isfinite(a)) ok = false;
    else {
      maxErr = std::max(maxErr, std::fabs(a - r));
      ok = std::fabs(a - r) <= bound;
    }
    if (!ok && bad++ == 0) firstBad = long(i);
  }
  maxErrOut = maxErr;
  boundOut = bound;
  if (bad) {
    std::printf("    %s: %ld bad, first at %ld: got %g want %g (bound %g)\n", what, bad, firstBad, got[firstBad],
                ref[firstBad], bound);
  }
  return bad == 0;
}

struct DeviceRun {
  std::vector<double> out, lse;
  float ms;
};

static int runCount = 0;

static DeviceRun runKernel(const Case& c, const Built& b, const KernelInfo& kinfo, int reps = 1) {
  // Upload.
  void* dBuf[3] = {nullptr, nullptr, nullptr};
  for (int i = 0; i < 3; ++i) {
    if (b.qkvBuf[i].empty()) continue;
    CHECK_CUDA(cudaMalloc(&dBuf[i], b.qkvBuf[i].size() * 2));
    CHECK_CUDA(cudaMemcpy(dBuf[i], b.qkvBuf[i].data(), b.qkvBuf[i].size() * 2, cudaMemcpyHostToDevice));
  }
  const size_t rows = size_t(c.varlen ? b.totalQ : c.batch * c.seqlenQ);
  const size_t outElems = rows * c.heads * c.headDim;
  void *dOut, *dLse = nullptr, *dCuQ = nullptr, *dCuK = nullptr, *dUsed = nullptr;
  CHECK_CUDA(cudaMalloc(&dOut, outElems * 2));
  CHECK_CUDA(cudaMemset(dOut, 0xFF, outElems * 2));  // NaN in both dtypes
  if (c.lse) {
    CHECK_CUDA(cudaMalloc(&dLse, rows * c.heads * 4));
    CHECK_CUDA(cudaMemset(dLse, 0xFF, rows * c.heads * 4));  // float NaN
  }
  if (c.varlen) {
    CHECK_CUDA(cudaMalloc(&dCuQ, b.cuQ.size() * 4));
    CHECK_CUDA(cudaMalloc(&dCuK, b.cuK.size() * 4));
    CHECK_CUDA(cudaMemcpy(dCuQ, b.cuQ.data(), b.cuQ.size() * 4, cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dCuK, b.cuK.data(), b.cuK.size() * 4, cudaMemcpyHostToDevice));
  }
  if (c.sequsedK) {
    CHECK_CUDA(cudaMalloc(&dUsed, b.usedK.size() * 4));
    CHECK_CUDA(cudaMemcpy(dUsed, b.usedK.data(), b.usedK.size() * 4, cudaMemcpyHostToDevice));
  }
  AttnFwdParams p{};
  auto at = [](void* base, int64_t off) { return static_cast<const void*>(static_cast<uint16_t*>(base) + off); };
  p.q = at(dBuf[0], b.lq.offset);
  p.k = c.packed ? at(dBuf[0], b.lk.offset) : at(dBuf[1], 0);
  p.v = c.packed ? at(dBuf[0], b.lv.offset) : at(dBuf[2], 0);
  p.out = dOut;
  p.lse = dLse;
  p.cuSeqlensQ = dCuQ;
  p.cuSeqlensK = dCuK;
  p.sequsedK = dUsed;
  p.qBatchStride = b.lq.batchStride;
  p.qRowStride = b.lq.rowStride;
  p.qHeadStride = b.lq.headStride;
  p.kBatchStride = b.lk.batchStride;
  p.kRowStride = b.lk.rowStride;
  p.kHeadStride = b.lk.headStride;
  p.vBatchStride = b.lv.batchStride;
  p.vRowStride = b.lv.rowStride;
  p.vHeadStride = b.lv.headStride;
  p.oBatchStride = c.varlen ? 0 : int64_t(c.seqlenQ) * c.heads * c.headDim;
  p.oRowStride = int64_t(c.heads) * c.headDim;
  p.oHeadStride = c.headDim;
  p.lseBatchStride = b.lseBatchStride;
  p.lseHeadStride = b.lseHeadStride;
  p.batch = c.batch;
  p.seqlenQ = c.seqlenQ;
  p.seqlenK = c.seqlenK;
  p.heads = c.heads;
  p.headsKV = c.headsKV;
  p.headDim = c.headDim;
  p.windowLeft = c.left;
  p.windowRight = c.causal ? 0 : c.right;
  p.softmaxScale = c.scale != 0.f ? c.scale : float(1.0 / std::sqrt(double(c.headDim)));
  p.softcap = c.softcap;
  const float LOG2E_ = 1.4426950408889634f;
  p.scoreScaleLog2 = (c.softcap > 0 ? c.softcap : p.softmaxScale) * LOG2E_;
  p.softcapPreScale = c.softcap > 0 ? p.softmaxScale / c.softcap : 0.f;
  KernelFn fn = c.bf16 ? kinfo.bf16 : kinfo.fp16;
  CHECK_CUDA(cudaFuncSetAttribute(fn, cudaFuncAttributeMaxDynamicSharedMemorySize, kinfo.smemBytes));
  dim3 grid((b.maxQ + kinfo.blockM - 1) / kinfo.blockM, c.heads, c.batch);
  cudaEvent_t e0, e1;
  CHECK_CUDA(cudaEventCreate(&e0));
  CHECK_CUDA(cudaEventCreate(&e1));
  std::vector<float> times;
  for (int r = 0; r < reps; ++r) {
    CHECK_CUDA(cudaEventRecord(e0));
    fn<<<grid, kinfo.threads, kinfo.smemBytes>>>(p);
    CHECK_CUDA(cudaEventRecord(e1));
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaEventSynchronize(e1));
    float ms;
    CHECK_CUDA(cudaEventElapsedTime(&ms, e0, e1));
    times.push_back(ms);
  }
  CHECK_CUDA(cudaDeviceSynchronize());
  ++runCount;
  std::sort(times.begin(), times.end());
  DeviceRun res;
  res.ms = times[times.size() / 2];
  std::vector<uint16_t> hOut(outElems);
  CHECK_CUDA(cudaMemcpy(hOut.data(), dOut, outElems * 2, cudaMemcpyDeviceToHost));
  res.out.resize(outElems);
  for (size_t i = 0; i < outElems; ++i) res.out[i] = decode(hOut[i], c.bf16);
  if (c.lse) {
    std::vector<float> hLse(rows * c.heads);
    CHECK_CUDA(cudaMemcpy(hLse.data(), dLse, hLse.size() * 4, cudaMemcpyDeviceToHost));
    res.lse.assign(hLse.begin(), hLse.end());
  }
  for (void* ptr : {dBuf[0], dBuf[1], dBuf[2], dOut, dLse, dCuQ, dCuK, dUsed})
    if (ptr) CHECK_CUDA(cudaFree(ptr));
  CHECK_CUDA(cudaEventDestroy(e0));
  CHECK_CUDA(cudaEventDestroy(e1));
  return res;
}

static bool runCase(const Case& c, std::mt19937& rng) {
  const KernelInfo& k = c.kernel ? *c.kernel : kernelFor(c.headDim);
  const Built b = build(c, rng);
  const Ref r = reference(c, b);
  const DeviceRun got = runKernel(c, b, k);
  double outErr, outBound, lseErr = 0, lseBound = 0;
  bool ok = accept("out", got.out, r.out, r.naiveOut, outErr, outBound);
  if (c.lse) ok = accept("lse", got.lse, r.lse, r.naiveLse, lseErr, lseBound) && ok;
  if (c.nanQ) {
    // Exactly the row (sequence 0, query 5, head 0) is NaN: out row and LSE.
    long nanOut = 0;
    for (double x : got.out) nanOut += std::isnan(x);
    const bool rowNan = std::isnan(got.out[(5 * c.heads + 0) * c.headDim]);
    if (nanOut != c.headDim || !rowNan) {
      std::printf("    NaN spread: %ld NaN outputs, expected exactly the %d of one row\n", nanOut, c.headDim);
      ok = false;
    }
  }
  if (c.qMul > 1.f) {
    for (double x : got.out)
      if (!std::isfinite(x)) {
        std::printf("    large logits: non-finite output\n");
        ok = false;
        break;
      }
  }
  std::printf("%s %-58s [%s] out %.2e/%.2e lse %.2e/%.2e\n", ok ? "ok  " : "FAIL", c.name.c_str(), k.name.c_str(), outErr,
              outBound, lseErr, lseBound);
  return ok;
}

static std::vector<Case> suite() {
  std::vector<Case> cs;
  auto add = [&](Case c, const std::string& tag) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "%s d%d %s b%d sq%d sk%d h%d/%d%s%s%s", tag.c_str(), c.headDim, c.bf16 ? "bf16" : "fp16",
                  c.batch, c.seqlenQ, c.seqlenK, c.heads, c.headsKV, c.causal ? " causal" : "",
                  c.left >= 0 || c.right >= 0 ? (" win[" + std::to_string(c.left) + "," + std::to_string(c.right) + "]").c_str() : "",
                  c.softcap > 0 ? " softcap" : "");
    c.name = buf;
    cs.push_back(c);
  };
  // Every compiled head dim and the padded ones, both dtypes, causal and not.
  for (int d : {32, 64, 96, 128, 192, 256, 40, 72, 136, 200, 248})
    for (bool bf16 : {false, true})
      for (bool causal : {false, true}) {
        Case c;
        c.headDim = d;
        c.bf16 = bf16;
        c.causal = causal;
        c.seqlenQ = 203;
        c.seqlenK = 203;
        add(c, "hdim");
      }
  // Awkward lengths, seqlenQ > seqlenK and the reverse (causal rows above the corner are empty).
  const int lens[][2] = {{1, 1}, {17, 17}, {113, 113}, {127, 127}, {128, 128}, {129, 129}, {1000, 1000},
                         {113, 203}, {203, 113}, {1, 203}, {203, 1}, {17, 1000}, {1000, 17}};
  for (auto [sq, sk] : lens)
    for (bool causal : {false, true}) {
      Case c;
      c.seqlenQ = sq;
      c.seqlenK = sk;
      c.causal = causal;
      c.headDim = 128;
      c.bf16 = (sq + sk) % 2 == 0;
      add(c, "len");
    }
  {
    Case c;
    c.seqlenQ = c.seqlenK = 4097;
    c.heads = c.headsKV = 1;
    c.headDim = 64;
    add(c, "long");
    c.causal = true;
    c.headDim = 128;
    c.bf16 = false;
    add(c, "long");
  }
  // causal x window x softcap x GQA, sampled over head dims.
  int sample = 0;
  for (bool causal : {false, true})
    for (int win : {0, 1, 2})
      for (bool cap : {false, true})
        for (int g : {1, 2, 8}) {
          Case c;
          const int dims[] = {32, 64, 96, 128, 192, 256};
          c.headDim = dims[sample % 6];
          c.bf16 = sample % 2 == 0;
          ++sample;
          c.causal = causal;
          if (win == 1) c.left = 37, c.right = causal ? 0 : 11;
          if (win == 2) c.left = 0, c.right = causal ? 0 : 0;  // a single diagonal key
          c.softcap = cap ? 5.f : 0.f;
          c.heads = 8;
          c.headsKV = 8 / g;
          c.seqlenQ = 150;
          c.seqlenK = 260;
          c.batch = 2;
          add(c, "mix");
        }
  // Varlen (cuSeqlens and sequsedK), packed qkv, MQA, no LSE, softmax scale, softcap alone.
  for (int d : {64, 128, 256}) {
    Case c;
    c.headDim = d;
    c.varlen = true;
    c.batch = 5;
    c.seqlenQ = 300;
    c.seqlenK = 300;
    c.heads = 4;
    c.headsKV = 2;
    add(c, "varlen");
    c.causal = true;
    c.sequsedK = true;
    add(c, "varlen+sequsedK");
  }
  {
    Case c;
    c.packed = true;
    c.seqlenQ = c.seqlenK = 257;
    c.heads = c.headsKV = 3;
    c.batch = 2;
    c.headDim = 96;
    add(c, "packed qkv");
    c.causal = true;
    c.headDim = 64;
    add(c, "packed qkv");
    Case m;
    m.heads = 8;
    m.headsKV = 1;
    m.seqlenQ = 77;
    m.seqlenK = 333;
    m.lse = false;
    add(m, "mqa nolse");
    Case s;
    s.scale = 0.37f;
    s.headDim = 192;
    add(s, "scale");
    s.scale = 0.f;
    s.softcap = 30.f;
    s.seqlenK = 500;
    add(s, "softcap30");
  }
  // Edge cases named as in the tests.
  {
    Case c;
    c.seqlenQ = 300;
    c.seqlenK = 100;
    c.causal = true;
    add(c, "fully masked rows (causal sq>sk)");
    Case w;
    w.seqlenQ = 200;
    w.seqlenK = 200;
    w.left = 3;
    w.right = 5;
    add(w, "narrow window");
    Case n;
    n.nanQ = true;
    n.seqlenQ = 150;
    n.seqlenK = 150;
    add(n, "nan in q");
    Case l;
    l.qMul = 300.f;
    l.seqlenQ = 200;
    l.seqlenK = 333;
    l.bf16 = false;
    l.headDim = 64;
    add(l, "large logits fp16");
    l.bf16 = true;
    l.qMul = 3000.f;
    l.causal = true;
    add(l, "large logits bf16");
  }
  return cs;
}

static std::vector<Case> smallSuite() {
  std::vector<Case> cs;
  for (const KernelInfo& k : kTable)
    for (bool bf16 : {false, true}) {
      Case c;
      c.headDim = k.headDim;
      c.bf16 = bf16;
      c.seqlenQ = 70;
      c.seqlenK = 90;
      c.causal = true;
      c.left = 50;
      c.heads = 2;
      c.headsKV = 1;
      c.name = "small d" + std::to_string(k.headDim) + (bf16 ? " bf16" : " fp16");
      cs.push_back(c);
    }
  return cs;
}

// ---- timing --------------------------------------------------------------------------------------

__global__ void fillRandom(uint16_t* x, size_t n, uint32_t seed, bool bf16) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint32_t h = uint32_t(i) * 2654435761u ^ seed;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    const float u = (h & 0xFFFFFF) / float(1 << 24) * 2.f - 1.f;  // uniform(-1, 1), never all zeros
    x[i] = bf16 ? __bfloat16_as_ushort(__float2bfloat16_rn(u * 1.7f)) : __half_as_ushort(__float2half_rn(u * 1.7f));
  }
}

static double timeKernel(const KernelInfo& k, int d, int seqlen, bool causal) {
  const int batch = 16384 / seqlen, heads = 2048 / d;
  const size_t n = size_t(batch) * seqlen * heads * d;
  uint16_t *q, *kk, *v, *o;
  CHECK_CUDA(cudaMalloc(&q, n * 2));
  CHECK_CUDA(cudaMalloc(&kk, n * 2));
  CHECK_CUDA(cudaMalloc(&v, n * 2));
  CHECK_CUDA(cudaMalloc(&o, n * 2));
  fillRandom<<<1024, 256>>>(q, n, 1, true);
  fillRandom<<<1024, 256>>>(kk, n, 2, true);
  fillRandom<<<1024, 256>>>(v, n, 3, true);
  AttnFwdParams p{};
  p.q = q;
  p.k = kk;
  p.v = v;
  p.out = o;
  p.qBatchStride = p.kBatchStride = p.vBatchStride = p.oBatchStride = int64_t(seqlen) * heads * d;
  p.qRowStride = p.kRowStride = p.vRowStride = p.oRowStride = int64_t(heads) * d;
  p.qHeadStride = p.kHeadStride = p.vHeadStride = p.oHeadStride = d;
  p.batch = batch;
  p.seqlenQ = p.seqlenK = seqlen;
  p.heads = p.headsKV = heads;
  p.headDim = d;
  p.windowLeft = -1;
  p.windowRight = causal ? 0 : -1;
  p.softmaxScale = 1.f / std::sqrt(float(d));
  p.scoreScaleLog2 = p.softmaxScale * 1.4426950408889634f;
  CHECK_CUDA(cudaFuncSetAttribute(k.bf16, cudaFuncAttributeMaxDynamicSharedMemorySize, k.smemBytes));
  dim3 grid((seqlen + k.blockM - 1) / k.blockM, heads, batch);
  cudaEvent_t e0, e1;
  CHECK_CUDA(cudaEventCreate(&e0));
  CHECK_CUDA(cudaEventCreate(&e1));
  for (int i = 0; i < 3; ++i) k.bf16<<<grid, k.threads, k.smemBytes>>>(p);
  std::vector<float> ts;
  for (int i = 0; i < 15; ++i) {
    CHECK_CUDA(cudaEventRecord(e0));
    k.bf16<<<grid, k.threads, k.smemBytes>>>(p);
    CHECK_CUDA(cudaEventRecord(e1));
    CHECK_CUDA(cudaEventSynchronize(e1));
    float ms;
    CHECK_CUDA(cudaEventElapsedTime(&ms, e0, e1));
    ts.push_back(ms);
  }
  CHECK_CUDA(cudaGetLastError());
  std::sort(ts.begin(), ts.end());
  for (void* ptr : {(void*)q, (void*)kk, (void*)v, (void*)o}) CHECK_CUDA(cudaFree(ptr));
  const double flops = 4.0 * batch * heads * double(seqlen) * seqlen * d / (causal ? 2 : 1);
  return flops / (ts[ts.size() / 2] * 1e-3) / 1e12;
}

static void bench(const std::vector<KernelInfo>& kernels) {
  std::printf("%-26s %6s %6s", "kernel (bf16)", "causal", "");
  const int lens[] = {512, 1024, 2048, 4096, 8192, 16384};
  for (int s : lens) std::printf(" %6d", s);
  std::printf("   TFLOP/s\n");
  for (const KernelInfo& k : kernels) {
    if (k.headDim != 64 && k.headDim != 128 && k.headDim != 256) continue;
    for (bool causal : {false, true}) {
      std::printf("%-26s %6s %6s", k.name.c_str(), causal ? "yes" : "no", "");
      for (int s : lens) std::printf(" %6.0f", timeKernel(k, k.headDim, s, causal));
      std::printf("\n");
      std::fflush(stdout);
    }
  }
}

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "check";
  cudaDeviceProp prop;
  CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s (sm_%d%d, %d SMs, %zu KB smem/block opt-in)\n", prop.name, prop.major, prop.minor,
              prop.multiProcessorCount, prop.sharedMemPerBlockOptin / 1024);
  for (const KernelInfo& k : kTable) {
    cudaFuncAttributes a;
    CHECK_CUDA(cudaFuncGetAttributes(&a, k.bf16));
    std::printf("  %-24s %3d regs, %5d B local, %6d B dyn smem, %d threads\n", k.name.c_str(), a.numRegs,
                int(a.localSizeBytes), k.smemBytes, k.threads);
  }
  if (mode == "bench") {
    bench(kTable);
    return 0;
  }
  if (mode == "variants") {
    std::vector<KernelInfo> vs = {
        variant<64, 128, 128, 4, 2>(), variant<64, 128, 96, 4, 3>(), variant<64, 128, 64, 4, 4>(),
        variant<128, 128, 64, 4, 3>(), variant<256, 64, 64, 4, 3>(),
    };
    std::mt19937 rng(7);
    bool ok = true;
    for (const KernelInfo& k : vs) {
      Case c;
      c.headDim = k.headDim;
      c.seqlenQ = 203;
      c.seqlenK = 331;
      c.causal = true;
      c.kernel = &k;
      c.name = "variant check";
      ok = runCase(c, rng) && ok;
    }
    bench(vs);
    return ok ? 0 : 1;
  }
  std::mt19937 rng(12345);
  const std::vector<Case> cases = mode == "small" ? smallSuite() : suite();
  int failed = 0;
  for (const Case& c : cases) failed += !runCase(c, rng);
  std::printf("%s: %d of %zu cases failed (%d launches)\n", failed ? "FAIL" : "PASS", failed, cases.size(), runCount);
  return failed ? 1 : 0;
}
