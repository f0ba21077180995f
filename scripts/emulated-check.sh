#!/usr/bin/env bash
# The release binary on emulated x86-64 CPUs (qemu-user) must run and write the same bytes
# as on the host's own CPU: -cpu Nehalem (SSE4.2, no AVX, no FMA: the generic kernels and their
# software fma) and -cpu Haswell (AVX2 and FMA, no AVX-512: the AVX2 kernels, chosen by CPUID as
# on an AVX2-only laptop or runner). Each side makes a synthetic corpus, runs one round on it
# (every file of the run folder is compared but provenance.json, which names the machine),
# evaluates a checkpoint and re-runs the small golden set (Tests/Golden/emulated) against its
# committed files; GoldenTests runs every golden set on every path the host has. Then the
# kernels (Sources/Kernels) are built for arm64 with the toolchain's clang and run under
# qemu-aarch64 (Tests/Kernels/agreement.c): every path there (generic, fma, neon) must give the
# contract's bits, and the same digests as the host's build. Needs `swift build -c release`
# (or COMIGS_BIN=path), qemu-user and the arm64 C library (scripts/setup.sh installs both).
# Takes about 5 minutes. The emulated side drops OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE
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

for side in emulated haswell; do
  start=$SECONDS
  if $side golden --dir Tests/Golden/emulated; then echo "  same: $side golden traces ($((SECONDS - start)) s)"; else fail=1; fi
done

# arm64: the same kernel sources, cross-compiled, under qemu-aarch64.
kernels=(Sources/Kernels/*.c)
cc=$(dirname "$(command -v swift)")/clang
flags=(-O2 -ffp-contract=off -ISources/Kernels/include Tests/Kernels/agreement.c "${kernels[@]}" -lm)
"$cc" "${flags[@]}" -o "$work/agreement-host"
"$work/agreement-host" > "$work/agreement-host.txt" || { echo "  DIFFERENT: a host kernel path breaks the contract" >&2; fail=1; }
if "$cc" --target=aarch64-linux-gnu -static "${flags[@]}" -o "$work/agreement-arm64" 2> "$work/cc.err"; then
  if qemu-aarch64 "$work/agreement-arm64" > "$work/agreement-arm64.txt"; then
    echo "arm64 kernels: $(tail -1 "$work/agreement-arm64.txt")"
    same <(head -n -1 "$work/agreement-host.txt") <(head -n -1 "$work/agreement-arm64.txt") "kernel digests, host and arm64"
  else
    echo "  DIFFERENT: an arm64 kernel path breaks the contract: $(grep DIFFERENT "$work/agreement-arm64.txt" | head -3)"; fail=1
  fi
else
  echo "emulated-check: cannot build for arm64 (bash scripts/setup.sh installs its C library): $(head -3 "$work/cc.err")" >&2; fail=1
fi
[ $fail -eq 0 ] && echo "emulated-check: passed" || { echo "emulated-check: FAILED" >&2; exit 1; }
