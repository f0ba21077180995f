#!/usr/bin/env bash
# Runs a comigs sweep as a Slurm job array: by default task I runs point I of the sweep, so
# any subset of points can be (re)submitted; with a shard count N as second argument, task I
# runs the points whose index ≡ I (mod N). All tasks write into the sweep's output folder,
# which must be on a shared file system (or collect the folders and use `comigs report`).
#
#   swift build -c release                                  # once, on the shared checkout
#   comigs sweep FILE --status                              # the points, and the sbatch line
#   sbatch --array=0-8 scripts/slurm-sweep.sh FILE          # one task per point (FILE has 9)
#   sbatch --array=2,5 scripts/slurm-sweep.sh FILE          # only points 2 and 5 again
#   sbatch --array=0-3 scripts/slurm-sweep.sh FILE 4        # 4 tasks, points i ≡ task (mod 4)
#   sbatch --array=0-8 scripts/slurm-sweep.sh FILE --out DIR   # runs into DIR instead of the file's out
#   .build/release/comigs sweep FILE --merge                # the tables; refuses if unfinished
#
# Submit from anywhere: the checkout is found from the submitted script's path (scontrol), a
# relative FILE or DIR from the submit folder; the task runs in the checkout. A task killed by a
# time limit or preemption leaves its runs resumable: resubmitting its index finishes them.
# `comigs sweep FILE [--out DIR] --status` prints the sbatch line for what is left, --out included.
#SBATCH --job-name=comigs-sweep
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
#SBATCH --output=comigs-sweep-%A_%a.log
set -euo pipefail
usage="usage: sbatch --array=LIST scripts/slurm-sweep.sh SWEEP.json [SHARDS] [--out DIR]"
arguments="$*"  # as Slurm joins them after the script's path in the job's Command
sweep="${1:?$usage}"
shift
shards=""
out=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || { echo "slurm-sweep.sh: --out needs a folder; $usage" >&2; exit 2; }
           out=(--out "$2"); shift 2 ;;
    *) [ -z "$shards" ] || { echo "slurm-sweep.sh: unexpected argument '$1'; $usage" >&2; exit 2; }
       shards="$1"; shift ;;
  esac
done
task="${SLURM_ARRAY_TASK_ID:?submit as a job array (sbatch --array=...); $usage}"
submit="${SLURM_SUBMIT_DIR:-$PWD}"

# sbatch runs a copy of this script from its spool folder; the original's path is the job's
# Command: that path, a space, and the arguments joined by spaces (the path may hold spaces too,
# so the arguments are cut off the end rather than the line cut at its first space).
root=""
if [ -n "${SLURM_JOB_ID:-}" ] && command -v scontrol >/dev/null; then
  script=$(scontrol show job "$SLURM_JOB_ID" 2>/dev/null | sed -n 's/^ *Command=//p' | head -1)
  script="${script%" $arguments"}"
  case "$script" in ''|/*) ;; *) script="$submit/$script" ;; esac
  [ -n "$script" ] && [ -f "$script" ] && root=$(cd "$(dirname "$script")/.." && pwd)
fi
for candidate in "$root" "$(cd "$(dirname "$0")/.." && pwd)" "$submit"; do
  if [ -n "$candidate" ] && [ -x "$candidate/.build/release/comigs" ]; then root="$candidate"; break; fi
done
bin="$root/.build/release/comigs"
if [ ! -x "$bin" ]; then
  echo "slurm-sweep.sh: no .build/release/comigs in the checkout ($root); run 'swift build -c release' there" >&2
  exit 2
fi
case "$sweep" in /*) ;; *) sweep="$submit/$sweep" ;; esac
if [ ${#out[@]} -gt 0 ]; then case "${out[1]}" in /*) ;; *) out=(--out "$submit/${out[1]}") ;; esac; fi
[ -f "$sweep" ] || { echo "slurm-sweep.sh: $sweep: no such sweep file" >&2; exit 2; }
if [ -n "$shards" ]; then
  case "$shards" in ''|*[!0-9]*) echo "slurm-sweep.sh: SHARDS must be a positive integer, got '$shards'" >&2; exit 2 ;; esac
  if [ "$task" -ge "$shards" ]; then
    echo "slurm-sweep.sh: task $task is not below the $shards shards; submit --array within 0-$((shards - 1))" >&2
    exit 2
  fi
  select=(--shard "$task/$shards")
else
  select=(--point "$task")  # comigs checks it against the sweep's points
fi
cd "$root"
exec "$bin" sweep "$sweep" "${select[@]}" "${out[@]}" --workers "${SLURM_CPUS_PER_TASK:-2}" --quiet
