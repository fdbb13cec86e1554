#!/usr/bin/env bash
# Sustained against isolated timing of our Hopper kernels and cuDNN at 16k tokens, with nvidia-smi
# sampling SM clock, power and throttle reasons every 100 ms (kernels/NOTES.md, "the power cap").
# Device only, with the checker built here into .device-build/ (see scripts/sm90-check.sh):
#   bash scripts/sm90-power.sh        writes $OUT/smi.csv and $OUT/marks.txt (one line per phase)
# Sustained: samples of 8 back-to-back launches; isolated: one launch after 100 ms idle.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp}
B=.device-build/attn_fwd_sm90_check
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,clocks_event_reasons.active \
  --format=csv,noheader -lms 100 > "$OUT/smi.csv" 2>&1 &
SMI=$!
mark() { echo "MARK $(date +%H:%M:%S.%N) $*" | tee -a "$OUT/marks.txt"; }
for spec in "128 0 attn_fwd_sm90_bf16_hd128" "128 1 attn_fwd_sm90_bf16_hd128_window" "256 0 attn_fwd_sm90_bf16_hd256"; do
  set -- $spec
  mark ours-sustained "$3"; $B --kernels="$3" --seqlens=16384 --passes=1 --samples=150 | tail -1
  mark ours-gap "$3"; $B --kernels="$3" --seqlens=16384 --passes=1 --samples=30 --gap-ms=100 | tail -1
  mark cudnn-sustained "$1" "$2"; python3 scripts/cudnn-probe.py "$1" 16384 "$2" 150 0
  mark cudnn-gap "$1" "$2"; python3 scripts/cudnn-probe.py "$1" 16384 "$2" 30 100
done
mark end
kill $SMI
