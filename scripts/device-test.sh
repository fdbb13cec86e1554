#!/usr/bin/env bash
# Runs the test suite with the GPU required, on a GPU machine that may have no Node.js.
# Build here first (npm install), then run this there with dist/, node_modules/koffi,
# node_modules/@koromix and .device-carry/ (made by ../shared/device/pack-node.sh) copied along.
#   bash scripts/device-test.sh [file-filter ...]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1; then
  xz -dc .device-carry/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
fi
echo "node $(node --version); $(nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader 2>/dev/null || echo 'nvidia-smi unavailable')"
if [ ! -f dist/kernels/manifest.json ]; then node scripts/build-kernels.mjs; fi
FLASH_ATTN_REQUIRE_GPU=1 node scripts/run-tests.mjs "$@"
