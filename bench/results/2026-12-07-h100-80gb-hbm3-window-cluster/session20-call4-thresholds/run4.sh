#!/bin/bash
# Session 20 call 4: one CTA (now with O over V at hd192/256, early release at 128) against the
# cluster kernels around the dispatch thresholds (dense from 4096 keys, causal from 8192).
set -u
cd "$(dirname "$0")/.."
# (as run, this preamble was written out in full; it now sources scripts/device-run-lib.sh, which does the same)
TOTAL=${TOTAL:-240}
source scripts/device-run-lib.sh
xz -dc .device-build/check.xz > /tmp/check && chmod +x /tmp/check
t start
AB="bf16_hd256,bf16_hd256_cluster@2048,4096,8192@3 bf16_hd192,bf16_hd192_cluster@2048,4096,8192@3 bf16_hd128,bf16_hd128_cluster@2048,4096,8192@3 bf16_hd256_window,bf16_hd256_window_cluster@4096,8192,16384@3 bf16_hd192_window,bf16_hd192_window_cluster@4096,8192,16384@3 bf16_hd128_window,bf16_hd128_window_cluster@4096,8192,16384@3"
for pair in $AB; do
  IFS=@ read -r names seqlens passes <<< "$pair"
  [ $(left) -gt 20 ] || break
  timeout $(( $(left 5) < 90 ? $(left 5) : 90 )) /tmp/check --kernels=$(echo "$names" | sed -E 's/(^|,)/\1attn_fwd_sm90_/g') --seqlens=$seqlens --passes=$passes > "$R/ab/ab_${names//,/_vs_}.log" 2>&1
  t "$names"
done
python3 scripts/bench-ab.py $R/ab/ab_*.log | tee $R/ab_summary.txt
