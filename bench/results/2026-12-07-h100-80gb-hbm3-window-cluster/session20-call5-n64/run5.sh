#!/bin/bash
# Session 20 call 5: 64-key blocks for short windowed (causal) problems, against production: the
# acceptance check of each experiment, then the same-run A/B (ratio = production ms / experiment ms).
set -u
cd "$(dirname "$0")/.."
TOTAL=${TOTAL:-300}
source scripts/device-run-lib.sh
xz -dc .device-build/check.xz > /tmp/check && chmod +x /tmp/check
t start
AB="bf16_hd256_window,x_bf16_hd256_window_n64_bnd_oinv@512,1024,2048,4096@3 bf16_hd256,x_bf16_hd256_n64_bnd_oinv@512,1024,2048@3 bf16_hd192_window,x_bf16_hd192_window_n64_s3_bnd_oinv@512,1024,2048,4096@3 bf16_hd128_window,x_bf16_hd128_window_n64_bnd_stream_uwg@512,1024,2048@3 bf16_hd64_window,x_bf16_hd64_window_n64_bnd_stream_uwg@512,1024,2048@3"
for pair in $AB; do
  IFS=@ read -r names seqlens passes <<< "$pair"
  [ $(left) -gt 25 ] || break
  x=${names#*,}
  timeout 40 /tmp/check --check --only==attn_fwd_sm90_$x > "$R/ab/check_$x.log" 2>&1
  echo "check $x rc $?: $(grep -c '^ok' "$R/ab/check_$x.log") ok; $(grep -E '^checks' "$R/ab/check_$x.log")"; grep -m3 "^FAIL\|^not ok\|failed" "$R/ab/check_$x.log"
  timeout $(( $(left 5) < 90 ? $(left 5) : 90 )) /tmp/check --kernels=$(echo "$names" | sed -E 's/(^|,)/\1attn_fwd_sm90_/g') --seqlens=$seqlens --passes=$passes > "$R/ab/ab_${names//,/_vs_}.log" 2>&1
  t "$names"
done
python3 scripts/bench-ab.py $R/ab/ab_*.log | tee $R/ab_summary.txt
