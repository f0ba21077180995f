#!/usr/bin/env bash
# Runs one shard of a comigs sweep per Slurm array task. Every task takes the
# points whose index ≡ task id (mod task count); all tasks write into the
# sweep's output folder, which must be on a shared file system (or collect
# the folders afterwards and merge them with `comigs report`).
#
#   swift build -c release                       # once, on the shared checkout
#   sbatch --array=0-7 scripts/slurm-sweep.sh scenarios/sweeps/dropout-method.json
#   # when the array is done: write sweep.md / sweep.csv (every run is skipped as finished)
#   .build/release/comigs sweep scenarios/sweeps/dropout-method.json
#
# A task that is killed (time limit, preemption) leaves its runs resumable:
# resubmitting the same array finishes them from their last checkpoint.
#SBATCH --job-name=comigs-sweep
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
#SBATCH --output=comigs-sweep-%A_%a.log
set -euo pipefail
sweep="${1:?usage: sbatch --array=0-N scripts/slurm-sweep.sh SWEEP.json}"
count="${SLURM_ARRAY_TASK_COUNT:?submit as a job array (sbatch --array=...)}"
exec .build/release/comigs sweep "$sweep" --shard "${SLURM_ARRAY_TASK_ID}/${count}" \
  --workers "${SLURM_CPUS_PER_TASK:-2}" --quiet
