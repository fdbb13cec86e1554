// FlashAttention-3's Hopper forward, timed without PyTorch, with the same method and grid as our
// checker's bench (kernels/test/attn_fwd_sm90_check.cu): batch x seqlen = 16k tokens, hidden 2048,
// bf16 inputs drawn from N(0, 1), three input sets rotated, samples of 8 back-to-back launches,
// median. It links one of FlashAttention-3's own instantiation files (bench/fa3/build.sh) and fills
// its Flash_fwd_params as hopper/flash_api.cpp's mha_fwd does for a dense, non-split call; before
// timing, a small problem of each kind is checked against a float64 reference on the host, so a
// wrongly filled parameter shows as a failure, not as a fast wrong number.
//   fa3_bench [--hdim=128] [--seqlens=512,1024,2048,4096,8192,16384] [--causal=0,1] [--passes=2]
//             [--samples=12] [--gap-ms=G]   (G > 0: each sample is one launch after G ms of idle GPU,
//             as the checker's --gap-ms, for the power-cap probe scripts/sm90-power.sh)
//             [--profile=N]   (no timing: 200 launches of each case, then N more, for ncu --launch-skip 200)
//   fa3_bench --point=HD,CAUSAL,SEQLEN,BATCH,HEADS [--point=...] [--warmup=10] [--iters=100]
//             (bench/fa3/fa3_peer.py's mode, the method of bench/peers.py: per point, WARMUP runs,
//             then ITERS runs each timed by its own pair of CUDA events, the input sets rotated
//             until they pass twice the L2 size; one line per point:
//             `raw HD CAUSAL SEQLEN BATCH HEADS SETS ms1 ms2 ...`)
#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <algorithm>
#include <chrono>
#include <thread>
#include <iterator>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include <cutlass/numeric_types.h>
#include "flash.h"

template <int Arch, typename T, int kHeadDim, int kHeadDimV, bool Split, bool PagedKVNonTMA, bool Has_softcap,
          bool PackGQA>
void run_mha_fwd_(Flash_fwd_params& params, cudaStream_t stream);

#define CK(x)                                                                                  \
  do {                                                                                         \
    cudaError_t e_ = (x);                                                                      \
    if (e_ != cudaSuccess) {                                                                   \
      std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
      std::exit(2);                                                                            \
    }                                                                                          \
  } while (0)

struct Buffers {
  __nv_bfloat16 *q, *k, *v, *o;
  float* lse;
};

static int smCount = 0;
static int* semaphore = nullptr;

static void launch(int hdim, const Buffers& bf, int b, int s, int h, bool causal, cudaStream_t st) {
  Flash_fwd_params p{};
  p.is_bf16 = true;
  p.q_ptr = bf.q;
  p.k_ptr = bf.k;
  p.v_ptr = bf.v;
  p.o_ptr = bf.o;
  const int64_t row = (int64_t)h * hdim, batch = (int64_t)s * row;
  p.q_row_stride = p.k_row_stride = p.v_row_stride = p.o_row_stride = row;
  p.q_head_stride = p.k_head_stride = p.v_head_stride = p.o_head_stride = hdim;
  p.v_dim_stride = 1;
  p.q_batch_stride = p.k_batch_stride = p.v_batch_stride = p.o_batch_stride = batch;
  p.softmax_lse_ptr = bf.lse;
  p.b = b;
  p.b_k = b;
  p.h = p.h_k = h;
  p.seqlen_q = p.seqlen_k = s;
  p.seqlen_q_rounded = p.seqlen_k_rounded = (s + 127) / 128 * 128;
  p.d = p.d_rounded = p.dv = p.dv_rounded = hdim;
  p.total_q = p.total_k = b * s;
  p.scale_softmax = 1.f / std::sqrt((float)hdim);
  p.softcap = 0.f;
  p.p_dropout = 1.f;
  p.rp_dropout = 1.f;
  p.is_causal = causal;
  p.is_local = false;
  p.window_size_left = s - 1;
  p.window_size_right = causal ? 0 : s - 1;
  p.attention_chunk = 0;
  p.arch = 90;
  p.num_sm = smCount;
  p.num_splits = 1;
  p.pack_gqa = false;
  // The causal (dynamic persistent) scheduler hands out tiles with an atomic counter that mha_fwd
  // zeroes before every call; the dense (static) scheduler does not read it.
  p.tile_count_semaphore = semaphore;
  if (causal) CK(cudaMemsetAsync(semaphore, 0, sizeof(int), st));
  switch (hdim) {
#ifdef FA3_HDIM64
    case 64: run_mha_fwd_<90, cutlass::bfloat16_t, 64, 64, false, false, false, false>(p, st); break;
#endif
#ifdef FA3_HDIM128
    case 128: run_mha_fwd_<90, cutlass::bfloat16_t, 128, 128, false, false, false, false>(p, st); break;
#endif
#ifdef FA3_HDIM256
    case 256: run_mha_fwd_<90, cutlass::bfloat16_t, 256, 256, false, false, false, false>(p, st); break;
#endif
    default: std::fprintf(stderr, "head dim %d not built\n", hdim); std::exit(2);
  }
  CK(cudaGetLastError());
}

static float bf2f(__nv_bfloat16 x) { return __bfloat162float(x); }

// b = 1, h = 2, s = 300: FA3's output against a float64 reference (max abs error; bf16 output).
static bool check(int hdim, bool causal, std::mt19937& rng) {
  const int b = 1, h = 2, s = 300;
  const size_t n = (size_t)b * s * h * hdim;
  std::normal_distribution<float> nd(0.f, 1.f);
  std::vector<__nv_bfloat16> q(n), k(n), v(n), o(n);
  for (auto* t : {&q, &k, &v})
    for (auto& x : *t) x = __float2bfloat16(nd(rng));
  Buffers d{};
  CK(cudaMalloc(&d.q, n * 2));
  CK(cudaMalloc(&d.k, n * 2));
  CK(cudaMalloc(&d.v, n * 2));
  CK(cudaMalloc(&d.o, n * 2));
  CK(cudaMalloc(&d.lse, (size_t)b * h * s * 4));
  CK(cudaMemcpy(d.q, q.data(), n * 2, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(d.k, k.data(), n * 2, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(d.v, v.data(), n * 2, cudaMemcpyHostToDevice));
  CK(cudaMemset(d.o, 0xFF, n * 2));  // NaN poison
  launch(hdim, d, b, s, h, causal, 0);
  CK(cudaDeviceSynchronize());
  CK(cudaMemcpy(o.data(), d.o, n * 2, cudaMemcpyDeviceToHost));
  double maxErr = 0;
  const double scale = 1.0 / std::sqrt((double)hdim);
  std::vector<double> sc(s);
  for (int hh = 0; hh < h; ++hh)
    for (int i = 0; i < s; ++i) {
      const int hi = causal ? i + 1 : s;
      double mx = -INFINITY;
      for (int j = 0; j < hi; ++j) {
        double acc = 0;
        for (int t = 0; t < hdim; ++t)
          acc += (double)bf2f(q[((size_t)i * h + hh) * hdim + t]) * bf2f(k[((size_t)j * h + hh) * hdim + t]);
        sc[j] = acc * scale;
        mx = std::max(mx, sc[j]);
      }
      double sum = 0;
      for (int j = 0; j < hi; ++j) sum += (sc[j] = std::exp(sc[j] - mx));
      for (int t = 0; t < hdim; ++t) {
        double acc = 0;
        for (int j = 0; j < hi; ++j) acc += sc[j] * bf2f(v[((size_t)j * h + hh) * hdim + t]);
        const double got = bf2f(o[((size_t)i * h + hh) * hdim + t]);
        const double err = std::fabs(got - acc / sum);
        maxErr = std::isnan(got) ? INFINITY : std::max(maxErr, err);
      }
    }
  for (void* ptr : {(void*)d.q, (void*)d.k, (void*)d.v, (void*)d.o, (void*)d.lse}) CK(cudaFree(ptr));
  const bool ok = maxErr < 1e-2;
  std::printf("check hd%d %s s%d: max abs error %.3e %s\n", hdim, causal ? "causal" : "dense", s, maxErr,
              ok ? "ok" : "FAIL");
  return ok;
}

static std::vector<int> splitInts(const char* s) {
  std::vector<int> out;
  std::string str(s);
  size_t pos = 0;
  while (pos <= str.size()) {
    size_t comma = str.find(',', pos);
    if (comma == std::string::npos) comma = str.size();
    if (comma > pos) out.push_back(std::atoi(str.substr(pos, comma - pos).c_str()));
    pos = comma + 1;
  }
  return out;
}

#ifndef FA3_REV
#define FA3_REV "unknown"
#endif

// The head dims this binary was built with (bench/fa3/build.sh's list).
static const int kBuilt[] = {
#ifdef FA3_HDIM64
    64,
#endif
#ifdef FA3_HDIM128
    128,
#endif
#ifdef FA3_HDIM256
    256,
#endif
    0};

struct Point {
  int hd, causal, seqlen, batch, heads;
};

// --point mode: every run timed on its own, as bench/peers.py times the SDPA peers.
static int rawPoints(const std::vector<Point>& points, int warmup, int iters, const std::vector<Buffers>& sets,
                     size_t maxElems, size_t l2Bytes) {
  for (const Point& pt : points) {
    const size_t elems = (size_t)pt.batch * pt.seqlen * pt.heads * pt.hd;
    if (elems > maxElems) {
      std::printf("skip %d %d %d %d %d: needs %zu elements per tensor, the bench holds %zu\n", pt.hd, pt.causal,
                  pt.seqlen, pt.batch, pt.heads, elems, maxElems);
      continue;
    }
    // As peers.py's input_set_count: sets until their bytes pass 2 x L2 (here at most the sets held).
    const size_t setBytes = 4 * elems * 2;
    int n = (int)std::max<size_t>(1, (2 * l2Bytes + setBytes - 1) / setBytes);
    n = std::min<int>(n, (int)sets.size());
    int set = 0;
    auto run = [&] { launch(pt.hd, sets[set++ % n], pt.batch, pt.seqlen, pt.heads, pt.causal != 0, 0); };
    for (int w = 0; w < warmup; ++w) run();
    std::vector<cudaEvent_t> ev(2 * iters);
    for (auto& e : ev) CK(cudaEventCreate(&e));
    for (int i = 0; i < iters; ++i) {
      CK(cudaEventRecord(ev[2 * i]));
      run();
      CK(cudaEventRecord(ev[2 * i + 1]));
    }
    CK(cudaDeviceSynchronize());
    std::printf("raw %d %d %d %d %d %d", pt.hd, pt.causal, pt.seqlen, pt.batch, pt.heads, n);
    for (int i = 0; i < iters; ++i) {
      float t = 0;
      CK(cudaEventElapsedTime(&t, ev[2 * i], ev[2 * i + 1]));
      std::printf(" %.5f", t);
    }
    std::printf("\n");
    for (auto& e : ev) CK(cudaEventDestroy(e));
  }
  return 0;
}

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::vector<Point> points;
  int warmup = 10, iters = 100;
  std::vector<int> hdims = {128}, seqlens = {512, 1024, 2048, 4096, 8192, 16384}, causals = {0, 1};
  int passes = 2, samples = 12, profile = 0, gapMs = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strncmp(argv[i], "--hdim=", 7)) hdims = splitInts(argv[i] + 7);
    if (!std::strncmp(argv[i], "--seqlens=", 10)) seqlens = splitInts(argv[i] + 10);
    if (!std::strncmp(argv[i], "--causal=", 9)) causals = splitInts(argv[i] + 9);
    if (!std::strncmp(argv[i], "--passes=", 9)) passes = std::atoi(argv[i] + 9);
    if (!std::strncmp(argv[i], "--profile=", 10)) profile = std::atoi(argv[i] + 10);
    if (!std::strncmp(argv[i], "--warmup=", 9)) warmup = std::atoi(argv[i] + 9);
    if (!std::strncmp(argv[i], "--samples=", 10)) samples = std::atoi(argv[i] + 10);
    if (!std::strncmp(argv[i], "--gap-ms=", 9)) gapMs = std::atoi(argv[i] + 9);
    if (!std::strncmp(argv[i], "--iters=", 8)) iters = std::atoi(argv[i] + 8);
    if (!std::strncmp(argv[i], "--point=", 8)) {
      const std::vector<int> v = splitInts(argv[i] + 8);
      if (v.size() != 5 || v[0] <= 0 || v[2] <= 0 || v[3] <= 0 || v[4] <= 0) {
        std::fprintf(stderr, "--point wants HD,CAUSAL,SEQLEN,BATCH,HEADS (positive), got %s\n", argv[i] + 8);
        return 2;
      }
      points.push_back({v[0], v[1] != 0, v[2], v[3], v[4]});
    }
  }
  if (warmup < 0 || iters < 1 || samples < 1 || gapMs < 0) {
    std::fprintf(stderr, "--warmup and --gap-ms must be >= 0, --iters and --samples >= 1\n");
    return 2;
  }
  if (argc == 2 && !std::strcmp(argv[1], "--built")) {
    for (const int* d = kBuilt; *d; ++d) std::printf("%s%d", d == kBuilt ? "" : " ", *d);
    std::printf("\n");
    return 0;
  }
  if (!points.empty()) {
    for (const Point& pt : points)
      if (std::find(std::begin(kBuilt), std::end(kBuilt) - 1, pt.hd) == std::end(kBuilt) - 1) {
        std::fprintf(stderr, "--point: head dim %d is not built into this binary (bench/fa3/build.sh)\n", pt.hd);
        return 2;
      }
    hdims.clear();
    causals = {0, 1};
    for (const Point& pt : points)
      if (std::find(hdims.begin(), hdims.end(), pt.hd) == hdims.end()) hdims.push_back(pt.hd);
  }
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, 0));
  smCount = prop.multiProcessorCount;
  int runtime = 0;
  CK(cudaRuntimeGetVersion(&runtime));
  std::printf("device %s, %d SMs, L2 %d bytes, CUDA %d.%d; FlashAttention-3 %s\n", prop.name, smCount,
              prop.l2CacheSize, runtime / 1000, runtime % 1000 / 10, FA3_REV);
  CK(cudaMalloc(&semaphore, sizeof(int)));
  std::mt19937 rng(20261207);
  bool ok = true;
  for (int hd : hdims)
    for (int c : causals) ok &= check(hd, c != 0, rng);
  if (!ok) return 1;

  const size_t maxElems = (size_t)16384 * 2048;
  const int kSets = 3;
  std::vector<Buffers> sets(kSets);
  std::vector<__nv_bfloat16> host(maxElems);
  std::normal_distribution<float> nd(0.f, 1.f);
  for (auto& st : sets) {
    CK(cudaMalloc(&st.q, maxElems * 2));
    CK(cudaMalloc(&st.k, maxElems * 2));
    CK(cudaMalloc(&st.v, maxElems * 2));
    CK(cudaMalloc(&st.o, maxElems * 2));
    CK(cudaMalloc(&st.lse, (size_t)16384 * 32 * 4));
    for (__nv_bfloat16* dst : {st.q, st.k, st.v}) {
      for (auto& x : host) x = __float2bfloat16(nd(rng));
      CK(cudaMemcpy(dst, host.data(), maxElems * 2, cudaMemcpyHostToDevice));
    }
  }
  if (!points.empty()) return rawPoints(points, warmup, iters, sets, maxElems, (size_t)prop.l2CacheSize);
  cudaEvent_t a, b;
  CK(cudaEventCreate(&a));
  CK(cudaEventCreate(&b));
  std::printf("%-12s %5s %6s %5s %6s %8s %8s %5s\n", "kernel", "hdim", "seqlen", "batch", "causal", "ms", "TFLOP/s",
              "pass");
  for (int pass = 0; pass < (profile > 0 ? 1 : passes); ++pass)
    for (int s : seqlens)
      for (int hd : hdims)
        for (int c : causals) {
          const int batch = 16384 / s, heads = 2048 / hd;
          const double flops = 4.0 * batch * heads * (double)s * s * hd / (c ? 2 : 1);
          int set = 0;
          auto run = [&] { launch(hd, sets[set++ % kSets], batch, s, heads, c != 0, 0); };
          if (profile > 0) {
            for (int r = 0; r < 200 + profile; ++r) run();
            CK(cudaDeviceSynchronize());
            continue;
          }
          // ~30 ms of warm-up, as the checker's bench.
          cudaEventRecord(a);
          run();
          cudaEventRecord(b);
          CK(cudaEventSynchronize(b));
          float one = 0;
          CK(cudaEventElapsedTime(&one, a, b));
          for (int w = 0, n = std::max(3, (int)(30.f / std::max(one, 0.01f))); w < n; ++w) run();
          std::vector<float> ms;
          const int perSample = gapMs > 0 ? 1 : 8;
          for (int sm = 0; sm < samples; ++sm) {
            if (gapMs > 0) {
              CK(cudaDeviceSynchronize());
              std::this_thread::sleep_for(std::chrono::milliseconds(gapMs));
            }
            CK(cudaEventRecord(a));
            for (int r = 0; r < perSample; ++r) run();
            CK(cudaEventRecord(b));
            CK(cudaEventSynchronize(b));
            float t = 0;
            CK(cudaEventElapsedTime(&t, a, b));
            ms.push_back(t / perSample);
          }
          std::sort(ms.begin(), ms.end());
          const float med = ms[ms.size() / 2];
          std::printf("%-12s %5d %6d %5d %6s %8.4f %8.1f %5d\n", "fa3", hd, s, batch, c ? "yes" : "no", med,
                      flops / med / 1e9, pass);
        }
  return 0;
}
