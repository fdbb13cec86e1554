#!/usr/bin/env bash
# Builds bench/fa3/fa3_bench.cu against a FlashAttention-3 checkout (its hopper/ folder and the
# CUTLASS of its csrc/cutlass submodule), forward only, bf16, without PyTorch. FlashAttention-3's
# sources are read from FA3_DIR, never copied into this repository.
#   bash bench/fa3/build.sh FA3_HOPPER_DIR CUTLASS_DIR OUT_BINARY [head dims, default 128]
# e.g. FA3_HOPPER_DIR=flash-attention/hopper, CUTLASS_DIR=flash-attention/csrc/cutlass. The same
# flags as hopper/setup.py (and PyTorch's CUDAExtension defaults), with the features the bench
# does not use switched off by FlashAttention-3's own FLASHATTENTION_DISABLE_* macros, so each head
# dim instantiates its dense, dense-cluster and causal kernels only. On 2 cores one head dim
# takes several minutes. FA3_OBJS=DIR keeps the compiled FlashAttention-3 objects there and reuses
# them on the next build (only fa3_bench.cu is compiled again); FA3_REV names the FlashAttention-3
# commit the binary prints (default: `git rev-parse` of FA3_HOPPER_DIR when it is a checkout).
set -euo pipefail
fa3=$1 cutlass=$2 out=$3; shift 3
hdims=${*:-128}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objdir=${FA3_OBJS:-$tmp}
mkdir -p "$objdir"
rev=${FA3_REV:-$(git -C "$fa3" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}
flags=(-O3 -std=c++17 --use_fast_math -lineinfo --expt-relaxed-constexpr --expt-extended-lambda
  -gencode=arch=compute_90a,code=sm_90a -DCUTE_SM90_EXTENDED_MMA_SHAPES_ENABLED -DCUTLASS_ENABLE_GDC_FOR_SM90
  -DCUTLASS_DEBUG_TRACE_LEVEL=0 -DNDEBUG
  -D__CUDA_NO_HALF_OPERATORS__ -D__CUDA_NO_HALF_CONVERSIONS__ -D__CUDA_NO_BFLOAT16_CONVERSIONS__ -D__CUDA_NO_HALF2_OPERATORS__
  -DFLASHATTENTION_DISABLE_BACKWARD -DFLASHATTENTION_DISABLE_SPLIT -DFLASHATTENTION_DISABLE_PAGEDKV
  -DFLASHATTENTION_DISABLE_APPENDKV -DFLASHATTENTION_DISABLE_LOCAL -DFLASHATTENTION_DISABLE_SOFTCAP
  -DFLASHATTENTION_DISABLE_PACKGQA -DFLASHATTENTION_DISABLE_FP16 -DFLASHATTENTION_DISABLE_FP8
  -DFLASHATTENTION_DISABLE_VARLEN -DFLASHATTENTION_DISABLE_SM8x
  -I "$fa3" -I "$cutlass/include")
objs=() defs=()
for d in $hdims; do
  if [ ! -f "$objdir/hd$d.o" ]; then
    nvcc "${flags[@]}" -Xptxas -v -c "$fa3/instantiations/flash_fwd_hdim${d}_bf16_sm90.cu" -o "$objdir/hd$d.o" \
      2> "$out.hd$d.ptxas.txt"
  fi
  objs+=("$objdir/hd$d.o")
  defs+=(-DFA3_HDIM$d)
done
[ -f "$objdir/prep.o" ] || nvcc "${flags[@]}" -c "$fa3/flash_prepare_scheduler.cu" -o "$objdir/prep.o"
nvcc "${flags[@]}" "${defs[@]}" -DFA3_REV="\"$rev\"" "$here/fa3_bench.cu" "${objs[@]}" "$objdir/prep.o" -o "$out"
echo "built $out (head dims $hdims, FlashAttention-3 $rev)"
