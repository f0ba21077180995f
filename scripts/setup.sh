#!/usr/bin/env bash
# Installs the system packages comigs needs (OpenBLAS) with apt, only when missing.
set -euo pipefail
need=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || need+=(libopenblas-dev)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
command -v swift >/dev/null || { echo "setup: swift 6 is not on PATH (install it from swift.org)" >&2; exit 1; }
echo "setup: ok (libopenblas-dev installed, $(swift --version 2>&1 | head -1))"
