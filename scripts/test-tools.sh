#!/usr/bin/env bash
# Tools the tests use to read comigs' outputs with the field's own readers:
#   TensorBoard's event reader, and PyTorch with Hugging Face transformers (which load and score the
#   GPT-2 folders `comigs export` writes, scripts/score-hf-gpt2.py), in a venv (no system Python
#   packages are touched); torch is the CPU-only build, which PyPI does not carry: pip takes it from
#   a local wheel folder its configuration names (find-links) or from PyTorch's CPU wheel index
#   (set PIP_EXTRA_INDEX_URL to it);
#   Chromium (Debian package `chromium`), which renders `comigs report --html` pages headless
#   (scripts/render-html.sh), installed with apt only when missing.
#   bash scripts/test-tools.sh          # venv at $COMIGS_TEST_VENV or ~/.cache/comigs/test-venv
set -euo pipefail
venv="${COMIGS_TEST_VENV:-$HOME/.cache/comigs/test-venv}"
if ! "$venv/bin/python" -c "import tensorboard, torch, transformers" 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet tensorboard==2.21.0 torch==2.13.0+cpu transformers==5.23.0
fi
"$venv/bin/python" -c "import sys, tensorboard, torch, transformers
print('tensorboard', tensorboard.__version__, '| torch', torch.__version__, '| transformers', transformers.__version__, '| in', sys.argv[1])" "$venv"
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
fi
"$(command -v chromium || command -v chromium-browser)" --version
