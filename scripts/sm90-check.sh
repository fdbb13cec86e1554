#!/bin/bash
# Session 22's third call: short causal (the half diagonal at head dims 64 and 128, the lean-mask
# control) and the P-through-shared-memory forms.
set -u
cd "$(dirname "$0")/.."
TOTAL=${TOTAL:-580}
source scripts/device-run-lib.sh
[ -x .device-build/attn_fwd_sm90_check ] || { xz -dc .device-build/check.xz > .device-build/attn_fwd_sm90_check && chmod +x .device-build/attn_fwd_sm90_check; }
t start
AB_RACE="x_bf16_hd64_window_bnd_stream_uwg_dyn" \
AB="bf16_hd64_window,x_bf16_hd64_window_bnd_stream_uwg_halfdiag,x_bf16_hd64_window_bnd_stream_uwg_dyn@512,1024,2048,4096@3 bf16_hd128_window,x_bf16_hd128_window_bnd_stream_uwg_lean,x_bf16_hd128_window_bnd_stream_uwg_halfdiag_lean,x_bf16_hd128_window_bnd_stream_uwg_dyn@512,1024,2048,4096@3 bf16_hd64_window_wide,x_bf16_hd64_window_wide_n128_psmem@8192,16384@2 bf16_hd64,x_bf16_hd64_psmem@2048,16384@2" \
OUT=$R/ab timeout $(left 20) bash scripts/sm90-check.sh ab 2>&1 | tee $R/ab_stdout.txt
t ab
