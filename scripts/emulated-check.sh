#!/usr/bin/env bash
# The release binary on emulated x86-64 CPUs (qemu-user) must run and write the same bytes
# as on the host's own CPU: -cpu Nehalem (SSE4.2, no AVX: the generic kernels)
# and -cpu Haswell (AVX2 and FMA, no AVX-512: the AVX2 kernels, chosen by CPUID as on an
# AVX2-only laptop or runner). Each side makes a synthetic corpus, runs one round on it (every
# file of the run folder is compared but provenance.json, which names the machine) and
# evaluates a checkpoint; the Nehalem side also re-runs the golden traces against the committed
# files (Haswell's emulated AVX2 is too slow for that; GoldenTests runs them on every path this
# machine has). Needs `swift build -c release`
# (or COMIGS_BIN=path) and qemu-user (scripts/setup.sh installs it). Takes about 3 minutes. The emulated side drops OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE
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
# qemu warns about host features its TCG lacks (tsc-deadline, rtm…); those lines are noise.
on() { local cpu=$1; shift; env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE qemu-x86_64 -cpu "$cpu" "$bin" "$@" 2> >(grep -v "TCG doesn't support" >&2); }
emulated() { on Nehalem "$@"; }
haswell() { on Haswell "$@"; }

fail=0
for side in emulated haswell; do
  want=generic; [ $side = haswell ] && want=avx2
  if $side bench kernels | grep -q "\"active\":\"$want\""; then echo "emulated-check: $side CPU runs the $want kernels"
  else echo "emulated-check: $side CPU should choose the $want kernels: $($side bench kernels)" >&2; fail=1; fi
done

for side in native emulated haswell; do
  start=$SECONDS
  $side data synth --clients 2 --tokens 6000 --seed 5 --out "$work/$side/data" 2>/dev/null
  ln -sfn "$work/$side/data" "$work/data"  # one data path for every side's scenario.json
  $side run Tests/Emulated/one-round.json --set "data.path=$work/data" --out "$work/$side/runs" --quiet > "$work/$side/run-dir"
  $side eval --checkpoint models/synthetic-byte-mini.safetensors --data "$work/$side/data/2/test_0.bin" 2>/dev/null | tail -1 > "$work/$side/eval.json"
  echo "emulated-check: $side side done in $((SECONDS - start)) s"
done

# One file a line, read line by line: a name is never split at a space.
files() { (cd "$1" && find . -type f ! -name provenance.json | sort); }
same() { if cmp -s "$1" "$2"; then echo "  same: $3"; else echo "  DIFFERENT: $3"; fail=1; fi; }
for side in emulated haswell; do
  echo "native against $side:"
  while IFS= read -r f; do same "$work/native/data/$f" "$work/$side/data/$f" "data synth ${f#./}"; done < <(cd "$work/native/data" && find . -type f | sort)
  n=$(cat "$work/native/run-dir"); e=$(cat "$work/$side/run-dir")
  if [ "$(files "$n")" != "$(files "$e")" ]; then echo "  DIFFERENT: the run folders hold different files"; fail=1; fi
  while IFS= read -r f; do same "$n/$f" "$e/$f" "run ${f#./}"; done < <(files "$n")
  same "$work/native/eval.json" "$work/$side/eval.json" "eval $(cat "$work/native/eval.json")"
done

start=$SECONDS
if emulated golden; then echo "  same: golden traces under emulation ($((SECONDS - start)) s)"; else fail=1; fi
[ $fail -eq 0 ] && echo "emulated-check: passed" || { echo "emulated-check: FAILED" >&2; exit 1; }
