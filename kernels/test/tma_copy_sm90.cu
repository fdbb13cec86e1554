// One TMA tile load per block into shared memory, then plain stores out: checks that a tensor map
// encoded from TypeScript drives the copy engine as intended (sm_90).
#include "common/tma.cuh"
#include "test/test_params.h"

constexpr int kMaxBoxElems = 64 * 64;

extern "C" __global__ void __launch_bounds__(128) tma_copy_bf16(const __grid_constant__ TmaCopyParams p) {
  __shared__ alignas(128) uint16_t tile[kMaxBoxElems];
  __shared__ uint64_t bar;
  const int row0 = blockIdx.y * p.boxRows;
  const int col0 = blockIdx.x * p.boxCols;
  if (threadIdx.x == 0) {
    fa::mbarrierInit(&bar, 1);
    fa::fenceBarrierInit();
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    fa::tmaPrefetchDescriptor(&p.src);
    // Out-of-range rows/columns of the box are zero-filled, but still counted in the bytes.
    fa::mbarrierArriveExpectTx(&bar, p.boxRows * p.boxCols * 2);
    fa::tmaLoad2d(tile, &p.src, &bar, col0, row0);
  }
  fa::mbarrierWait(&bar, 0);
  for (int i = threadIdx.x; i < p.boxRows * p.boxCols; i += blockDim.x) {
    const int r = row0 + i / p.boxCols, c = col0 + i % p.boxCols;
    if (r < p.rows && c < p.cols) p.out[int64_t(r) * p.cols + c] = tile[i];
  }
}
