#!/usr/bin/env bash
# Engine benchmark, comigs against PyTorch, side by side in one run.
#   bash bench/compare.sh [steps]     (PyTorch from $TORCH_PY, default /tmp/torch/bin/python;
#   install: python3 -m venv /tmp/torch && /tmp/torch/bin/pip install torch==2.13.0+cpu numpy)
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for these commands only (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-20}
py=${TORCH_PY:-/tmp/torch/bin/python}
swift build -c release --product comigs >/dev/null
run() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@" 2>/dev/null | tail -1; }
echo "| config | threads | comigs ms/step | comigs tokens/s | comigs GFLOP/s | torch ms/step | torch tokens/s | torch GFLOP/s | speed-up |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in gpt-tiny comigs-tiny; do
  for t in 1 2; do
    ours=$(run .build/release/comigs bench engine --config "$c" --threads "$t" --steps "$steps")
    theirs=$(run "$py" bench/torch_reference.py --config "$c" --threads "$t" --steps "$steps")
    python3 - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"| {a['config']} | {a['threads']} | {a['ms_per_step']:.1f} | {a['tokens_per_s']:.0f} | {a['gflops']:.1f} | "
      f"{b['ms_per_step']:.1f} | {b['tokens_per_s']:.0f} | {b['gflops']:.1f} | {a['tokens_per_s'] / b['tokens_per_s']:.2f}x |")
PY
  done
done
echo
python3 -c "import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print(\"comigs kernels:\", a[\"kernels\"], \"| torch:\", b[\"blas_core\"])" "$ours" "$theirs"
