#!/usr/bin/env bash
# Brings up a single-node Slurm cluster on this machine (Debian's slurm-wlm and munge; the
# daemons started by hand and stopped by PID at exit) and runs the README's Slurm recipe on a
# tiny 4-point sweep the way people use Slurm:
#   1. the whole array, with one task killed mid-run (scancel), then only that index resubmitted;
#   2. a submission from another folder with a relative sweep path;
#   3. the merge, which must train nothing; every row exactly once;
#   4. a sweep into --out: the printed sbatch line carries it, and its task writes only there.
# The checkout it submits from, the sweep file and the output folders sit at paths holding a
# space, '#', '?' and non-ASCII: a real folder (scripts, models and the release binary copied
# into it), not a symlink, since the script finds its checkout from the path Slurm records.
#   bash scripts/test-slurm.sh          (root, or sudo for apt and the daemons; needs the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .build/release/comigs ] || swift build -c release --product comigs
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq slurm-wlm munge >/dev/null
fi

work=$(mktemp -d /tmp/comigs-slurm-XXXXXX)
state="$work/state"; mkdir -p "$state/spool" "$state/ctld" "$state/log" "$state/munge"
host=$(hostname -s)
cpus=$(nproc)
pids=()
passed=0
cleanup() {
  for p in "${pids[@]}"; do $sudo kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do $sudo kill -9 "$p" 2>/dev/null || true; done
  if [ "$passed" -eq 1 ]; then $sudo rm -rf "$work"; else echo "logs kept in $work"; fi
}
trap cleanup EXIT

# munge: its own key and socket in the work folder.
$sudo dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 status=none
$sudo chmod 400 "$state/munge/munge.key"
$sudo munged --force --key-file="$state/munge/munge.key" --socket="$state/munge/munge.socket" \
  --pid-file="$state/munge/munged.pid" --log-file="$state/munge/munged.log" --seed-file="$state/munge/seed"
pids+=("$($sudo cat "$state/munge/munged.pid")")

conf="$work/slurm.conf"
cat > "$conf" <<EOF
ClusterName=comigs-test
SlurmctldHost=$host
AuthType=auth/munge
CryptoType=crypto/munge
AuthInfo=socket=$state/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
export SLURM_CONF="$conf"
$sudo env SLURM_CONF="$conf" slurmctld -f "$conf"
$sudo env SLURM_CONF="$conf" slurmd -f "$conf"
for _ in $(seq 50); do [ -f "$state/slurmctld.pid" ] && [ -f "$state/slurmd.pid" ] && break; sleep 0.2; done
pids+=("$(cat "$state/slurmctld.pid")" "$(cat "$state/slurmd.pid")")
for _ in $(seq 100); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 0.3; done
sinfo -h -o "%P %t %c" | grep -q idle || { echo "slurm did not come up"; tail -20 "$state/log/"*.log; exit 1; }

# The checkout and the sweep at awkward paths (Slurm's own files stay at plain ones).
odd="$work/odd #1 ?é"
co="$odd/comigs checkout"
mkdir -p "$co/.build/release"
cp -r scripts models "$co/"
cp .build/release/comigs "$co/.build/release/"

# The sweep: 4 points of one seed, small enough for seconds per run.
sw="$odd/sweep ü"; mkdir -p "$sw"
cat > "$sw/base.json" <<'EOF'
{"name": "slurm", "rounds": 3, "local_steps": 3, "batch": 8, "eval_windows": 8, "seeds": [0],
 "data": {"synthetic": {"tokens": 20000}}, "outputs": {"save_adapters": false}}
EOF
cat > "$sw/sweep.json" <<EOF
{"name": "slurm", "scenario": "base.json",
 "variants": [{"label": "FedAvg", "set": {"method.name": "fedavg"}}, {"label": "CoMiGS", "set": {"method.name": "comigs"}}],
 "axes": {"heterogeneity.dropout.failure": [0, 0.1]}, "out": "$odd/out"}
EOF
wait_jobs() { while [ -n "$(squeue -h -j "$1" 2>/dev/null)" ]; do sleep 0.5; done; }
fail() { echo "FAIL: $*"; exit 1; }
# The words a shell makes of a printed command line, one a line: its quoting must survive.
words() { eval "set -- $1"; printf '%s\n' "$@"; }

# 1. The whole array from the checkout; task 3 killed once it has started.
job=$(cd "$co" && sbatch --parsable --array=0-3 --cpus-per-task=1 --output="$work/%A_%a.log" scripts/slurm-sweep.sh "$sw/sweep.json")
for _ in $(seq 200); do [ -d "$odd/out/003-comigs_heterogeneity.dropout.failure_0.1" ] && break; sleep 0.1; done
scancel "${job}_3"
wait_jobs "$job"
state3=$(.build/release/comigs sweep "$sw/sweep.json" --status | awk -F'\t' '$1 == 3 {print $2}')
[ "$state3" != finished ] || fail "task 3 finished before it could be cancelled"
line=$(.build/release/comigs sweep "$sw/sweep.json" --status | tail -1)
[ "$(words "$line")" = "$(printf '%s\n' sbatch --array=3 scripts/slurm-sweep.sh "$sw/sweep.json")" ] || fail "status line: $line"
if .build/release/comigs sweep "$sw/sweep.json" --merge --quiet 2>/dev/null; then fail "merge did not refuse"; fi

# 2. Only the killed index, resubmitted from another folder with a relative sweep path (there
#    neither the submit folder nor the spool copy leads to the checkout: only the path Slurm records).
other="$odd/elsewhere"; mkdir -p "$other"
job=$(cd "$other" && sbatch --parsable --array=3 --cpus-per-task=1 --output="$work/%A_%a.log" "$co/scripts/slurm-sweep.sh" "../sweep ü/sweep.json")
wait_jobs "$job"
grep -q "slurm-comigs-seed0" "$work/${job}_3.log" || fail "the resubmitted task did not run point 3: $(cat "$work/${job}_3.log")"

# 3. The merge trains nothing and every row appears once.
before=$(find "$odd/out" -name summary.json | wc -l)
merged=$(.build/release/comigs sweep "$sw/sweep.json" --merge --quiet)
[ -z "$merged" ] || fail "merge trained: $merged"
[ "$before" -eq 4 ] || fail "$before of 4 runs finished"
rows=$(tail -n +2 "$odd/out/sweep.csv" | cut -d, -f1-3 | sort | uniq | wc -l)
[ "$rows" -eq 4 ] && [ "$(tail -n +2 "$odd/out/sweep.csv" | wc -l)" -eq 4 ] || fail "sweep.csv: $(cat "$odd/out/sweep.csv")"
.build/release/comigs report "$odd/out" >/dev/null || fail "report says incomplete"

# 4. --out: the status line carries it, and the task it submits (a relative DIR, from another
#    folder) writes there and nowhere else.
line=$(.build/release/comigs sweep "$sw/sweep.json" --out "$odd/out 2" --status | tail -1)
[ "$(words "$line")" = "$(printf '%s\n' sbatch --array=0-3 scripts/slurm-sweep.sh "$sw/sweep.json" --out "$odd/out 2")" ] || fail "status line with --out: $line"
job=$(cd "$other" && sbatch --parsable --array=1 --cpus-per-task=1 --output="$work/%A_%a.log" "$co/scripts/slurm-sweep.sh" "../sweep ü/sweep.json" --out "../out 2")
wait_jobs "$job"
[ "$(find "$odd/out 2" -name summary.json | wc -l)" -eq 1 ] || fail "--out: $(cat "$work/${job}_1.log")"
[ "$(find "$odd/out" -name summary.json | wc -l)" -eq 4 ] || fail "--out task wrote into the file's out"
passed=1
echo "slurm recipe, from a checkout and a sweep at paths with a space, '#', '?' and non-ASCII: 4 points; a cancelled task finished by resubmitting only its index, from another folder; the merge trained nothing; --out carried into the sbatch line and the task — ok"
