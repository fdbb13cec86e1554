#!/usr/bin/env bash
# Ours against the peers in one GPU run: `flash-attn bench`, then bench/peers.py (PyTorch SDPA with
# its cuDNN and FlashAttention-2 backends) over the same grid, then the host-cost microbenchmark,
# then the ratio table (ours / cuDNN, ours / FA2, ours / the best peer) and one combined chart.
#
#   bench/compare.sh [OUTDIR] [grid flags for both tools, e.g. --head-dims 128 --seqlens 1k,16k]
#
# OUTDIR defaults to bench/results/<UTC date>-<card>/. It receives six files (seven with fa3.json):
#   ours.json peers.json hostcost.json [fa3.json]   (flash-attn-bench/1, see bench/README.md)
#   compare.svg summary.md               (the chart; the table with date, card and commit)
#   log.txt                              (info, clocks before and after, every table, every progress line)
# Environment: FLASH_ATTN_BACKEND=sm90|sm80 forces our backend (default: dispatch decides);
# FLASH_ATTN_COMMIT=<hash> records the commit where the checkout has no .git (the GPU machine);
# FA3_BENCH=<path> (default .device-build/fa3_bench when it exists) also times FlashAttention-3 itself
# in this run (bench/fa3/fa3_peer.py, binary built by bench/fa3/build.sh), into fa3.json; FA3_BENCH=none
# skips it. The recorded FlashAttention-3 figures are then left out (FA3_RECORDED=1 keeps them);
# without a measured FA3, FA3_RECORDED=0 leaves them out.
# Needs: node (or .device-carry/node.xz), dist/ and node_modules/koffi built, python3 with torch.
# Clocks are read with nvidia-smi when present and recorded; they are never changed.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  if [ -f .device-carry/node.xz ]; then
    xz -dc .device-carry/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
  else
    echo "compare.sh: node is not on the PATH and .device-carry/node.xz is missing" >&2
    exit 2
  fi
fi
if [ ! -f dist/src/cli/main.js ]; then
  echo "compare.sh: dist/ is not built; run 'npm run build:ts' first (or carry dist/)" >&2
  exit 2
fi

out=""
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then out="$1"; shift; fi
if [ -z "$out" ]; then
  card=$(nvidia-smi --query-gpu=name --format=csv,noheader --id=0 2>/dev/null | head -n1 |
    tr '[:upper:]' '[:lower:]' | sed -e 's/^nvidia //' -e 's/[^a-z0-9]\{1,\}/-/g' -e 's/^-//' -e 's/-$//')
  out="bench/results/$(date -u +%Y-%m-%d)-${card:-cpu}"
fi
mkdir -p "$out"
log="$out/log.txt"
: > "$log"
say() { echo "$@" | tee -a "$log"; }

smi_snapshot() {
  if command -v nvidia-smi >/dev/null 2>&1; then
    say "== nvidia-smi $1 =="
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,clocks.max.mem,clocks.applications.graphics,power.draw,power.limit,temperature.gpu,pstate,persistence_mode \
      --format=csv 2>&1 | tee -a "$log"
  fi
}

say "== compare.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) into $out; grid flags: ${*:-(defaults)}; FLASH_ATTN_BACKEND=${FLASH_ATTN_BACKEND:-(dispatch)}"
node bin/flash-attn.js info 2>&1 | tee -a "$log"
python3 -c 'import torch; print("python", __import__("platform").python_version(), "torch", torch.__version__, "cudnn", torch.backends.cudnn.version())' 2>&1 | tee -a "$log"
smi_snapshot before

status=0
say "== ours"
node bin/flash-attn.js bench --progress lines --json "$out/ours.json" "$@" 2>&1 | tee -a "$log"
ours=${PIPESTATUS[0]}
[ "$ours" -eq 0 ] || { say "compare.sh: flash-attn bench exited with $ours"; status=1; }

say "== peers (PyTorch SDPA)"
PYTHONUNBUFFERED=1 python3 bench/peers.py --json "$out/peers.json" "$@" 2>&1 | tee -a "$log"
peers=${PIPESTATUS[0]}
[ "$peers" -eq 0 ] || { say "compare.sh: peers.py exited with $peers"; status=1; }

fa3bin=${FA3_BENCH:-.device-build/fa3_bench}
fa3measured=0
if [ "$fa3bin" != none ] && [ -x "$fa3bin" ]; then
  say "== FlashAttention-3 ($fa3bin)"
  PYTHONUNBUFFERED=1 python3 bench/fa3/fa3_peer.py --bin "$fa3bin" --json "$out/fa3.json" "$@" 2>&1 | tee -a "$log"
  fa3=${PIPESTATUS[0]}
  if [ "$fa3" -eq 0 ]; then fa3measured=1; else say "compare.sh: fa3_peer.py exited with $fa3"; status=1; fi
elif [ -n "${FA3_BENCH:-}" ] && [ "$fa3bin" != none ]; then
  say "compare.sh: FA3_BENCH=$fa3bin is not an executable"; status=1
fi

say "== host cost"
node bin/flash-attn.js bench hostcost --json "$out/hostcost.json" 2>&1 | tee -a "$log" || status=1
smi_snapshot after

inputs=()
[ -f "$out/ours.json" ] && inputs+=("$out/ours.json")
[ -f "$out/peers.json" ] && inputs+=("$out/peers.json")
[ -f "$out/hostcost.json" ] && inputs+=("$out/hostcost.json")
[ -f "$out/fa3.json" ] && inputs+=("$out/fa3.json")
if [ "${FA3_RECORDED:-$((1 - fa3measured))}" != 0 ]; then
  for f in bench/recorded/fa3-*.json; do [ -f "$f" ] && inputs+=("$f"); done
fi
if [ ${#inputs[@]} -gt 0 ]; then
  say "== comparison"
  node bin/flash-attn.js bench compare "${inputs[@]}" --svg "$out/compare.svg" --markdown "$out/summary.md" 2>&1 | tee -a "$log" || status=1
fi
say "== done: $out (status $status)"
exit $status
