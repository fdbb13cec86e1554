#!/usr/bin/env bash
# ptxas's report (registers, spills, C75xx warnings) for one Hopper forward kernel of the checker's
# experiment kind, without building the whole checker (~10 s against ~8 min on 2 cores): the kernel
# file up to its namespace's end, the checker's FA_X_TRAITS, and one entry point.
#   bash scripts/sm90-probe.sh E D W N S SO WG P [cluster]
# with the columns of FA_EXPERIMENTS in kernels/test/attn_fwd_sm90_check.cu (element, head dim,
# windowed, kBlockN, stages, separate O, consumer warpgroups, the packed overrides P); `cluster`
# builds it as FA_CLUSTER_EXPERIMENTS do (__cluster_dims__). E.g. the streamed windowed hd64 kernel
# with the uniform warpgroup index: bash scripts/sm90-probe.sh __nv_bfloat16 64 true 0 0 true 0 2009000000
# PROBE_CUBIN=file keeps the cubin (for nvdisasm: scripts/get-sass-tools.sh, scripts/sass-loop-count.py).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 8 ] || { sed -n 2,9p "$0"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
end=$(grep -n '^}  // namespace fa::sm90' kernels/attn_fwd_sm90.cu | head -1 | cut -d: -f1)
at=$(grep -n 'define FA_X_TRAITS' kernels/test/attn_fwd_sm90_check.cu | cut -d: -f1)
traits="FA_X_TRAITS($1, $2, $3, $4, $5, $6, $7, $8)"
dims=""
[ "${9:-}" = cluster ] && dims="__cluster_dims__($traits::kClusterSize, 1, 1)"
{
  head -n "$end" kernels/attn_fwd_sm90.cu | sed 's#^\#include "\(sm90\|common\)/#\#include "'"$PWD"'/kernels/\1/#'
  echo "#define FA_X_TRAITS(E, D, W, N, S, SO, WG, P) $(sed -n "$((at + 1)),$((at + 3))p" kernels/test/attn_fwd_sm90_check.cu | tr -d '\\\n')"
  echo "extern \"C\" __global__ void $dims __launch_bounds__($traits::kThreads, 1) probe(const __grid_constant__ AttnFwdSm90Params p) { fa::sm90::attnFwdSm90<$traits>(p); }"
} > "$tmp/probe.cu"
nvcc -gencode=arch=compute_90a,code=sm_90a -O3 -std=c++17 -I kernels --expt-relaxed-constexpr -Xptxas -v -cubin \
  -o "$tmp/probe.cubin" "$tmp/probe.cu" 2>&1 | grep -E "Compiling|registers|spill|error|C75" || true
[ -n "${PROBE_CUBIN:-}" ] && cp "$tmp/probe.cubin" "$PROBE_CUBIN"
true
