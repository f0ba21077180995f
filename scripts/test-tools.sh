#!/usr/bin/env bash
# Tools the tests use to read comigs' outputs with the field's own readers:
#   TensorBoard's event reader, in a venv (no system Python packages are touched);
#   Chromium (Debian package `chromium`), which renders `comigs report --html` pages headless
#   (scripts/render-html.sh), installed with apt only when missing.
#   bash scripts/test-tools.sh          # venv at $COMIGS_TEST_VENV or ~/.cache/comigs/test-venv
set -euo pipefail
venv="${COMIGS_TEST_VENV:-$HOME/.cache/comigs/test-venv}"
if ! "$venv/bin/python" -c "import tensorboard" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet tensorboard==2.21.0
fi
"$venv/bin/python" -c "import sys, tensorboard; print('tensorboard', tensorboard.__version__, 'in', sys.argv[1])" "$venv"
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
fi
"$(command -v chromium || command -v chromium-browser)" --version
