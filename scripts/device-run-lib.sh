# Sourced by the device-call scripts (bench/results/*/run*.sh): node on the PATH, a results folder
# R that is packed into one archive on exit ($OUT/results.tar.xz: the device returns at most 8
# files, no deeper than two folders under $OUT), and a clock against the call's own budget.
#   TOTAL=seconds the script may run (default 570);  t LABEL   logs elapsed seconds;
#   $(left [RESERVE])   seconds left before TOTAL, less RESERVE.
# Run from the repository root.
if ! command -v node >/dev/null 2>&1 && [ -f .device-carry/node.xz ]; then
  xz -dc .device-carry/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
fi
O=${OUT:-/tmp/out}; R=${R:-/tmp/res}; mkdir -p "$O" "$R/ab"
T0=$(date +%s)
TOTAL=${TOTAL:-570}
t() { echo "[$(( $(date +%s) - T0 ))s] $*" | tee -a "$R/times.txt"; }
left() { echo $(( TOTAL - ${1:-0} - ($(date +%s) - T0) )); }
finish() { t end; tar -cJf "$O/results.tar.xz" -C "$R" . ; cp "$R/times.txt" "$O/" 2>/dev/null; }
trap finish EXIT
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv | tee "$R/smi.txt"
