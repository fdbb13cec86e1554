// Entry points of the portable (sm_80+) attention forward kernels: one per row of
// kernels/sm80/attn_fwd_sm80_configs.h and per dtype, named attn_fwd_sm80_hdim<D>_<fp16|bf16>.
// The kernel itself is kernels/sm80/attn_fwd_kernel.cuh; its launcher is src/attention/sm80.ts.
#include "attn_fwd_params.h"
#include "sm80/attn_fwd_kernel.cuh"
#include "sm80/attn_fwd_sm80_configs.h"

#define FA_SM80_ENTRY(D, BM, BN, W, S, NAME, ELEM)                                                        \
  extern "C" __global__ void __launch_bounds__(W * 32)                                                    \
      attn_fwd_sm80_hdim##D##_##NAME(const __grid_constant__ AttnFwdParams p) {                           \
    fa::sm80::attnFwdSm80<fa::sm80::AttnFwdConfig<D, BM, BN, W, S>, fa::sm80::ELEM>(p);                   \
  }
#define FA_SM80_BOTH_DTYPES(D, BM, BN, W, S) \
  FA_SM80_ENTRY(D, BM, BN, W, S, fp16, Fp16) FA_SM80_ENTRY(D, BM, BN, W, S, bf16, Bf16)

ATTN_FWD_SM80_CONFIGS(FA_SM80_BOTH_DTYPES)
