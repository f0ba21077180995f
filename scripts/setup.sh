#!/usr/bin/env bash
# Installs the system packages comigs needs, with apt, only when missing:
#   libopenblas-dev  matrix products (the one native dependency of the build)
#   libreadline8     runtime of bible-kjv's decoder, used by scripts/corpora.sh
#   qemu-user        runs the release binary on an emulated CPU without AVX (scripts/emulated-check.sh)
set -euo pipefail
need=()
for p in libopenblas-dev libreadline8 qemu-user; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
command -v swift >/dev/null || { echo "setup: swift 6 is not on PATH (install it from swift.org)" >&2; exit 1; }
echo "setup: ok ($(swift --version 2>&1 | head -1))"
