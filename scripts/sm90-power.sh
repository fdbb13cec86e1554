#!/usr/bin/env bash
# Sustained against isolated timing of our Hopper kernels, cuDNN and (when .device-build/fa3_bench is
# there, bench/fa3/build.sh) FlashAttention-3 at 16k tokens, with nvidia-smi
# sampling SM clock, power and throttle reasons every 100 ms (kernels/NOTES.md, "the power cap").
# Device only, with the checker built here into .device-build/ (see scripts/sm90-check.sh):
#   bash scripts/sm90-power.sh        writes $OUT/smi.csv and $OUT/marks.txt (one line per phase),
#                                     then prints each phase's mean SM clock and power under load
# Sustained: samples of 8 back-to-back launches; isolated: one launch after 100 ms idle. About
# 15 s per phase (most of it the checker's input generation), 4-5 minutes with FlashAttention-3.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp}
B=.device-build/attn_fwd_sm90_check
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,clocks_event_reasons.active \
  --format=csv,noheader -lms 100 > "$OUT/smi.csv" 2>&1 &
SMI=$!
mark() { echo "MARK $(date +%H:%M:%S.%N) $*" | tee -a "$OUT/marks.txt"; }
FA3=.device-build/fa3_bench
for spec in "128 0 attn_fwd_sm90_bf16_hd128_cluster" "128 1 attn_fwd_sm90_bf16_hd128_window" "256 0 attn_fwd_sm90_bf16_hd256_cluster"; do
  set -- $spec
  mark ours-sustained "$3"; $B --kernels="$3" --seqlens=16384 --passes=1 --samples=150 | tail -1
  mark ours-gap "$3"; $B --kernels="$3" --seqlens=16384 --passes=1 --samples=30 --gap-ms=100 | tail -1
  mark cudnn-sustained "$1" "$2"; python3 scripts/cudnn-probe.py "$1" 16384 "$2" 150 0
  mark cudnn-gap "$1" "$2"; python3 scripts/cudnn-probe.py "$1" 16384 "$2" 30 100
  if [ -x $FA3 ]; then
    mark fa3-sustained "$1" "$2"; $FA3 --hdim="$1" --causal="$2" --seqlens=16384 --passes=1 --samples=150 | tail -1
    mark fa3-gap "$1" "$2"; $FA3 --hdim="$1" --causal="$2" --seqlens=16384 --passes=1 --samples=30 --gap-ms=100 | tail -1
  fi
done
mark end
kill $SMI
# Mean SM clock and power of each phase over its samples under load (above 350 W): a phase also
# spans the checker's input generation and the idle gaps, which would dilute the means.
python3 - "$OUT/smi.csv" "$OUT/marks.txt" <<'PY'
import sys
def t(hms):
    h, m, s = hms.split(":"); return int(h) * 3600 + int(m) * 60 + float(s)
smi = []
for line in open(sys.argv[1]):
    f = [x.strip() for x in line.split(",")]
    try:
        smi.append((t(f[0].split()[1]), float(f[1].split()[0]), float(f[2].split()[0]), f[4]))
    except (IndexError, ValueError):
        pass
marks = [(t(l.split()[1][:15]), " ".join(l.split()[2:])) for l in open(sys.argv[2]) if l.startswith("MARK")]
print(f"{'phase':<48}{'samples':>8}{'loaded':>7}{'MHz':>7}{'W':>7}  throttle reasons")
for (a, name), (b, _) in zip(marks, marks[1:]):
    xs = [x for x in smi if a <= x[0] < b]
    ld = [x for x in xs if x[2] > 350]
    if ld:
        print(f"{name:<48}{len(xs):>8}{len(ld):>7}{sum(x[1] for x in ld) / len(ld):>7.0f}{sum(x[2] for x in ld) / len(ld):>7.0f}  "
              f"{','.join(sorted(set(x[3] for x in ld)))}")
PY
