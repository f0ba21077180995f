#!/usr/bin/env bash
# Installs the system packages comigs needs, with apt, only when missing:
#   libopenblas-dev  matrix products (the one native dependency of the build)
#   libreadline8     runtime of bible-kjv's decoder, used by scripts/corpora.sh
#   qemu-user        runs the release binary on an emulated CPU without AVX (scripts/emulated-check.sh)
#   gcc-aarch64-linux-gnu  the arm64 C library and linker, so the kernels can be built for arm64
#                    and run under qemu-aarch64 (scripts/emulated-check.sh; x86-64 hosts only)
set -euo pipefail
need=()
pkgs=(libopenblas-dev libreadline8 qemu-user)
[ "$(uname -m)" = x86_64 ] && pkgs+=(gcc-aarch64-linux-gnu)
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
command -v swift >/dev/null || { echo "setup: swift 6 is not on PATH (install it from swift.org)" >&2; exit 1; }
echo "setup: ok ($(swift --version 2>&1 | head -1))"
