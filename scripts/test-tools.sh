#!/usr/bin/env bash
# Python tools the tests use to read comigs' outputs with the field's own readers:
# TensorBoard's event reader, in a venv (no system Python packages are touched).
#   bash scripts/test-tools.sh          # venv at $COMIGS_TEST_VENV or ~/.cache/comigs/test-venv
set -euo pipefail
venv="${COMIGS_TEST_VENV:-$HOME/.cache/comigs/test-venv}"
if ! "$venv/bin/python" -c "import tensorboard" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet tensorboard==2.21.0
fi
"$venv/bin/python" -c "import tensorboard; print('tensorboard', tensorboard.__version__, 'in $venv')"
