#!/usr/bin/env bash
# Device-side self-check of the Hopper forward kernels without Node: runs the standalone checker
# (kernels/test/attn_fwd_sm90_check.cu, built on this machine into .device-build/), prints the
# SASS opcode summary of one kernel, and times PyTorch SDPA (cuDNN) at the same points.
#   here:   nvcc -gencode=arch=compute_90a,code=sm_90a -O3 -std=c++17 -I kernels --expt-relaxed-constexpr \
#             -o .device-build/attn_fwd_sm90_check kernels/test/attn_fwd_sm90_check.cu
#   device: bash scripts/sm90-check.sh [check|bench|sass|race|cudnn|profile ...]   (default: all but race
#           and profile). profile: Nsight Compute (full set, SASS-level source counters) of one launch of
#           $PROFILE_KERNEL (default attn_fwd_sm90_bf16_hd128) at $PROFILE_SEQLEN (16384), and of cuDNN's
#           fused attention at the same shape, into $OUT/prof_*.
#           fa3: FlashAttention-3's forward (.device-build/fa3_bench, built here by bench/fa3/build.sh)
#           and our production kernels, the same bench method, at head dims 64 / 128 / 256 (FA3_SEQLENS,
#           default 512,2048,4096,8192,16384), into $OUT/fa3.log and $OUT/ours.log.
#           fa3profile: Nsight Compute (as profile) of FA3's and our hd128 dense and causal kernels at
#           $PROFILE_SEQLEN, into $OUT/prof_{fa3,ours}_{dense,causal}.* (OURS_DENSE / OURS_CAUSAL name
#           other checker kernels for ours, e.g. attn_fwd_sm90_x_bf16_hd128_sleep_uwg_cluster)
#           issue: session 10's instruction-issue experiments (Traits::kIssueOverride, kernels/NOTES.md):
#           the acceptance check of the _sleep and _uwg kernels, racecheck/synccheck of two of them,
#           then production against _sleep, _uwg and _sleep_uwg in one bench, into $OUT/issue_*.log.
#           ab: same-run A/Bs of checker experiments against production. AB is a space-separated list of
#           BASE,EXPERIMENT[,...]@SEQLENS@PASSES (kernel names without attn_fwd_sm90_; the windowed ones time
#           causal problems), default the ones sessions 20-22 prepared (kernels/NOTES.md, "Session 22"); each
#           experiment first gets the acceptance check (--only), then every pair is timed with its
#           passes interleaved, into $OUT/ab_*.log, and scripts/bench-ab.py prints the ratios of sums.
#           AB_RACE="NAME ..." runs racecheck on those experiments' small problems first.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.device-build/attn_fwd_sm90_check
OUT=${OUT:-/tmp}
steps=${*:-check sass bench cudnn}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
for step in $steps; do
  case $step in
    check) timeout 400 $BIN --check 2>&1 | tee "$OUT/check.log" ;;
    bench) timeout 120 $BIN --bench 2>&1 | tee "$OUT/bench.log" ;;
    race)
      timeout 300 compute-sanitizer --tool racecheck $BIN --check --small 2>&1 | tail -8
      timeout 300 compute-sanitizer --tool synccheck $BIN --check --small 2>&1 | tail -4 ;;
    sass)
      cuobjdump --dump-sass $BIN > "$OUT/sass.txt" 2>&1
      awk '/Function : attn_fwd_sm90_bf16_hd128$/{f=1;next} /Function :/{f=0} f' "$OUT/sass.txt" > "$OUT/sass_hd128.txt"
      echo "--- attn_fwd_sm90_bf16_hd128 opcode histogram"
      grep -oE "/\*[0-9a-f]{4}\*/ +[A-Z][A-Z0-9_.]*" "$OUT/sass_hd128.txt" | awk '{print $2}' | sort | uniq -c | sort -rn | head -40
      echo "--- GMMA / sync sequence"
      grep -oE "(HGMMA\.[0-9x]+\.[A-Z0-9.]+[^;]*gsb0|HGMMA\.[0-9x]+|WARPGROUP\.[A-Z.]+[^;]*|BAR\.[A-Z.]+ [^;]*|SYNCS\.[A-Z0-9.]+|UTMA[A-Z0-9.]+|USETMAXREG[A-Z.]*)" "$OUT/sass_hd128.txt" | uniq -c | head -70 ;;
    profile)
      K=${PROFILE_KERNEL:-attn_fwd_sm90_bf16_hd128}; S=${PROFILE_SEQLEN:-16384}
      timeout 300 ncu --clock-control none -k "regex:^${K}\$" --launch-skip 200 --launch-count 1 --set full \
        --import-source yes -f -o "$OUT/prof_${K}_$S" $BIN --kernels=$K --seqlens=$S --passes=1 --profile=4 2>&1 | tail -3
      ncu -i "$OUT/prof_${K}_$S.ncu-rep" --page details > "$OUT/prof_${K}_$S.details.txt" 2>&1
      ncu -i "$OUT/prof_${K}_$S.ncu-rep" --page source --print-source sass --csv > "$OUT/prof_${K}_$S.sass.csv" 2>&1
      H=$((2048 / $(echo "$K" | sed -E 's/.*_hd([0-9]+).*/\1/'))); C=$([[ $K == *window* ]] && echo True || echo False)
      cat > /tmp/cudnn_one.py <<PY
import torch, torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend
S, H, D = $S, $H, 2048 // $H
q = torch.randn(16384 // S, H, S, D, device="cuda", dtype=torch.bfloat16); k = torch.randn_like(q); v = torch.randn_like(q)
with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
    for _ in range(4): F.scaled_dot_product_attention(q, k, v, is_causal=$C)
torch.cuda.synchronize()
PY
      timeout 300 ncu --clock-control none -k "regex:(?i)(sdpa|fmha|flash|attn|fprop)" --launch-skip 2 --launch-count 1 \
        --set full -f -o "$OUT/prof_cudnn_$S" python3 /tmp/cudnn_one.py 2>&1 | tail -3
      ncu -i "$OUT/prof_cudnn_$S.ncu-rep" --page details > "$OUT/prof_cudnn_$S.details.txt" 2>&1 ;;
    fa3)
      S=${FA3_SEQLENS:-512,2048,4096,8192,16384}
      timeout 150 .device-build/fa3_bench --hdim=64,128,256 --seqlens=$S --passes=2 2>&1 | tee "$OUT/fa3.log"
      timeout 150 $BIN --kernels=attn_fwd_sm90_bf16_hd64,attn_fwd_sm90_bf16_hd64_window,attn_fwd_sm90_bf16_hd128_cluster,attn_fwd_sm90_bf16_hd128,attn_fwd_sm90_bf16_hd128_window,attn_fwd_sm90_bf16_hd256_cluster,attn_fwd_sm90_bf16_hd256,attn_fwd_sm90_bf16_hd256_window \
        --seqlens=$S --passes=2 2>&1 | tee "$OUT/ours.log" ;;
    fa3profile)
      S=${PROFILE_SEQLEN:-16384}
      OD=${OURS_DENSE:-attn_fwd_sm90_bf16_hd128_cluster} OC=${OURS_CAUSAL:-attn_fwd_sm90_bf16_hd128_window}
      for run in "fa3_dense -k regex:device_kernel .device-build/fa3_bench --hdim=128 --seqlens=$S --causal=0 --profile=2" \
                 "ours_dense -k regex:^$OD\$ $BIN --kernels=$OD --seqlens=$S --passes=1 --profile=4" \
                 "fa3_causal -k regex:device_kernel .device-build/fa3_bench --hdim=128 --seqlens=$S --causal=1 --profile=2" \
                 "ours_causal -k regex:^$OC\$ $BIN --kernels=$OC --seqlens=$S --passes=1 --profile=4"; do
        set -- $run; n=$1; shift
        timeout 120 ncu --clock-control none --launch-skip 200 --launch-count 1 --set full --import-source yes -f \
          -o "$OUT/prof_$n" "$@" 2>&1 | tail -3
        ncu -i "$OUT/prof_$n.ncu-rep" --page details > "$OUT/prof_$n.details.txt" 2>&1
        ncu -i "$OUT/prof_$n.ncu-rep" --page source --print-source sass --csv > "$OUT/prof_$n.sass.csv" 2>&1
      done ;;
    issue)
      timeout 240 $BIN --check --only=_sleep 2>&1 | tee "$OUT/issue_check_sleep.log" | tail -4
      timeout 120 $BIN --check --only=_uwg 2>&1 | tee "$OUT/issue_check_uwg.log" | tail -4
      timeout 120 $BIN --check --only=hd64_window_p5 2>&1 | tee "$OUT/issue_check_p5.log" | tail -4
      timeout 200 compute-sanitizer --tool racecheck $BIN --check --small --only=_hd128_sleep_uwg_cluster 2>&1 | tail -3
      timeout 200 compute-sanitizer --tool synccheck $BIN --check --small --only=_hd128_window_sleep_uwg 2>&1 | tail -3
      P=attn_fwd_sm90_bf16_ X=attn_fwd_sm90_x_bf16_
      timeout 300 $BIN --kernels=${P}hd64,${X}hd64_sleep,${X}hd64_sleep_uwg,${P}hd64_window,${X}hd64_window_sleep,${X}hd64_window_sleep_uwg,${P}hd128_cluster,${X}hd128_sleep_cluster,${X}hd128_uwg_cluster,${X}hd128_sleep_uwg_cluster,${X}hd128_n176_sleep_uwg_cluster,${X}hd128_n176_p4_sleep_uwg_cluster,${P}hd128_window,${X}hd128_window_sleep,${X}hd128_window_uwg,${X}hd128_window_sleep_uwg,${X}hd128_window_p5_uwg,${X}hd128_window_p5_sleep_uwg,${X}hd64_window_p5,${X}hd64_window_p5_sleep_uwg,${P}hd256_cluster,${X}hd256_sleep_cluster,${X}hd256_sleep_uwg_cluster,${P}hd256_window,${X}hd256_window_sleep,${X}hd256_window_sleep_uwg \
        --seqlens=512,2048,8192,16384 --passes=2 2>&1 | tee "$OUT/issue_bench.log" ;;
    ab)
      AB=${AB:-"bf16_hd64_window_wide,x_bf16_hd64_window_wide_dyn,x_bf16_hd64_window_wide_n128_plainloop,x_bf16_hd64_window_wide_n128_plainloop_dyn,x_bf16_hd64_window_wide_n128_psmem@4096,8192,16384@2 bf16_hd128_window_cluster,x_bf16_hd128_window_dyn,x_bf16_hd128_window_dyn_cluster,bf16_hd128_window@8192,16384@2 bf16_hd256_window_cluster,x_bf16_hd256_window_dyn_uwg,x_bf16_hd256_window_dyn_uwg_cluster@8192,16384@2 bf16_hd256_cluster,x_bf16_hd256_uwg_cluster,x_bf16_hd256_p4_uwg_cluster@4096,8192,16384@2 bf16_hd64_window,x_bf16_hd64_window_bnd_stream_uwg_halfdiag,x_bf16_hd64_window_bnd_stream_uwg_dyn@512,1024,2048,4096@3 bf16_hd128_window,x_bf16_hd128_window_bnd_stream_uwg_lean,x_bf16_hd128_window_bnd_stream_uwg_halfdiag_lean,x_bf16_hd128_window_bnd_stream_uwg_dyn@512,1024,2048,4096@3 bf16_hd64,x_bf16_hd64_psmem@2048,16384@2"}
      logs=()
      # AB_RACE="kernel ..." (names without attn_fwd_sm90_): racecheck of their small problems first.
      for x in ${AB_RACE:-}; do
        timeout 200 compute-sanitizer --tool racecheck $BIN --check --small --only==attn_fwd_sm90_$x 2>&1 | tail -3
      done
      for pair in $AB; do
        IFS=@ read -r names seqlens passes <<< "$pair"
        for x in $(echo "$names" | tr , ' ' | cut -d' ' -f2-); do
          timeout 120 $BIN --check --only==attn_fwd_sm90_$x > "$OUT/ab_check_$x.log" 2>&1
          echo "check $x: $(grep -c '^ok' "$OUT/ab_check_$x.log") ok; $(grep -E '^checks' "$OUT/ab_check_$x.log")"
        done
        log="$OUT/ab_${names//,/_vs_}.log"
        timeout 150 $BIN --kernels=$(echo "$names" | sed -E 's/(^|,)/\1attn_fwd_sm90_/g') --seqlens=$seqlens \
          --passes=${passes:-3} > "$log" 2>&1
        logs+=("$log")
      done
      python3 scripts/bench-ab.py "${logs[@]}" | tee "$OUT/ab_summary.txt" ;;
    cudnn)
      timeout 120 python3 - <<'PY'
import torch, torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend
print("torch", torch.__version__, "cudnn", torch.backends.cudnn.version())
def bench(fn, iters=15, warm=3):
    for _ in range(warm): fn()
    torch.cuda.synchronize()
    st = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]; en = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    for i in range(iters): st[i].record(); fn(); en[i].record()
    torch.cuda.synchronize()
    ts = sorted(s.elapsed_time(e) for s, e in zip(st, en)); return ts[len(ts) // 2]
for S in (8192, 16384):
    for causal in (False, True):
        for hd, H in ((64, 32), (128, 16), (256, 8)):
            B = 16384 // S
            q = torch.randn(B, H, S, hd, device="cuda", dtype=torch.bfloat16); k = torch.randn_like(q); v = torch.randn_like(q)
            with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                t = bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
            print(f"cudnn hdim {hd} seqlen {S} causal {causal}: {t:.3f} ms {4*B*H*S*S*hd/(2 if causal else 1)/t/1e9:.1f} TFLOP/s")
PY
      ;;
  esac
done
