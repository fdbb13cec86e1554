#!/usr/bin/env bash
# Fetches a SASS disassembler (nvdisasm, cuobjdump) for this machine, which has nvcc and ptxas but
# neither of them: Debian trixie's nvidia-cuda-toolkit (non-free, CUDA 12.4) is downloaded as a .deb
# with apt's own tools, into a private apt state (the system's sources and lists are not touched),
# and only the two binaries are unpacked into .tools/bin (git-ignored).
#
# A developer's tool, not a dependency: nothing in npm install or npm test calls it. nvdisasm 12.4
# decodes the sm_90a cubins that nvcc 13.0 writes (every HGMMA, UTMALDG and STL shows, no unknown
# opcodes; the header's newer flags print as "unrecognized"), so the main loop's instructions can be
# counted here (scripts/sass-loop-count.py) without the device machine.
#
# Usage: bash scripts/get-sass-tools.sh   (about 90 MB downloaded once; prints the tools' path)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
if [[ -x "$tools/bin/nvdisasm" && -x "$tools/bin/cuobjdump" ]]; then
  echo "$tools/bin"
  exit 0
fi

apt_dir="$tools/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$tools/bin"
echo 'deb http://deb.debian.org/debian trixie non-free' > "$apt_dir/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache::Archives=$apt_dir/archives"
)
apt-get "${apt_opts[@]}" update >/dev/null
(cd "$apt_dir" && apt-get "${apt_opts[@]}" download nvidia-cuda-toolkit >/dev/null 2>&1)
deb="$(ls "$apt_dir"/nvidia-cuda-toolkit_*.deb | head -n 1)"
unpacked="$apt_dir/unpacked"
rm -rf "$unpacked"
dpkg-deb -x "$deb" "$unpacked"
install -m 0755 "$unpacked/usr/bin/nvdisasm" "$unpacked/usr/bin/cuobjdump" "$tools/bin/"
rm -rf "$unpacked" "$deb"
echo "$tools/bin"
