#!/usr/bin/env bash
# The release binary on an emulated x86-64 CPU without AVX (qemu-user, -cpu Nehalem: SSE4.2)
# must run and write the same bytes as on this machine's own CPU (issue 12): a synthetic
# corpus, a one-round run (metrics, routing, events, rounds), an evaluation, and the golden
# traces against the committed files. Needs `swift build -c release` (or COMIGS_BIN=path)
# and qemu-user (scripts/setup.sh installs it). Takes about 2 minutes. The emulated side drops OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE
# (a forced AVX2 OpenBLAS kernel would crash without AVX); results never depend on them.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${COMIGS_BIN:-.build/release/comigs}
if [ "$(uname -m)" != x86_64 ]; then echo "emulated-check: skipped (not an x86-64 machine)"; exit 0; fi
command -v qemu-x86_64 >/dev/null || { echo "emulated-check: qemu-x86_64 is missing (bash scripts/setup.sh)" >&2; exit 1; }
[ -x "$bin" ] || { echo "emulated-check: $bin is missing (swift build -c release)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

native() { "$bin" "$@"; }
emulated() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE qemu-x86_64 -cpu Nehalem "$bin" "$@"; }

for side in native emulated; do
  start=$SECONDS
  $side data synth --clients 2 --tokens 6000 --seed 5 --out "$work/$side/data" 2>/dev/null
  $side run Tests/Emulated/one-round.json --set "data.path=$work/$side/data" --out "$work/$side/runs" --quiet > "$work/$side/run-dir"
  $side eval --checkpoint models/synthetic-byte-mini.safetensors --data "$work/$side/data/2/test_0.bin" 2>/dev/null | tail -1 > "$work/$side/eval.json"
  echo "emulated-check: $side side done in $((SECONDS - start)) s"
done

fail=0
same() { if cmp -s "$1" "$2"; then echo "  same: $3"; else echo "  DIFFERENT: $3"; fail=1; fi; }
for f in $(cd "$work/native/data" && find . -type f | sort); do same "$work/native/data/$f" "$work/emulated/data/$f" "data synth ${f#./}"; done
n=$(cat "$work/native/run-dir"); e=$(cat "$work/emulated/run-dir")
for f in metrics.jsonl routing.jsonl events.jsonl rounds.jsonl; do same "$n/$f" "$e/$f" "run $f"; done
same "$work/native/eval.json" "$work/emulated/eval.json" "eval $(cat "$work/native/eval.json")"

start=$SECONDS
if emulated golden; then echo "  same: golden traces under emulation ($((SECONDS - start)) s)"; else fail=1; fi
[ $fail -eq 0 ] && echo "emulated-check: passed" || { echo "emulated-check: FAILED" >&2; exit 1; }
