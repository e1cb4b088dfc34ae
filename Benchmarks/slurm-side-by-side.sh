#!/usr/bin/env bash
# The Slurm executor's figures, on the cluster Tests/slurm/start-cluster.sh starts (or any
# Slurm where this user may submit to the default partition), in one run:
#   1. submitting a 1,000-run sweep: wall time on the submitter and the sbatch calls;
#   2. polling while those 1,000 runs are queued (held): squeue calls per minute and the
#      submitter's CPU time;
#   3. the quickstart sweep under Slurm against the local executor, two at a time each:
#      wall time, overhead per run, and whether the checkpoints are the same bytes.
# Every Slurm command cairn runs goes through a logging shim put first on PATH.
#
#   Benchmarks/slurm-side-by-side.sh [path/to/cairn] [seconds of polling, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
cairn=$(realpath "${1:-.build/release/cairn}")
poll_seconds=${2:-60}
[ -x "$cairn" ] || { echo "build it first: swift build -c release --product cairn" >&2; exit 1; }
sinfo -h >/dev/null || { echo "no Slurm answers sinfo: Tests/slurm/start-cluster.sh (as root) starts one" >&2; exit 1; }

work=$(mktemp -d /tmp/cairn-slurm-bench.XXXXXX)
trap 'scancel --name="$(ls "$work"/*/slurm 2>/dev/null | sed "s/^/cairn-/" | paste -sd, -)" 2>/dev/null || true' EXIT
shim="$work/shim"
mkdir -p "$shim"
for tool in sbatch squeue scancel scontrol sacct; do
  real=$(command -v "$tool" || true)
  [ -n "$real" ] || continue
  printf '#!/bin/sh\necho "$(date +%%s.%%N) %s" >> "%s/calls"\nexec %s "$@"\n' "$tool" "$work" "$real" >"$shim/$tool"
  chmod +x "$shim/$tool"
done
calls() { grep -c " $1\$" "$work/calls" 2>/dev/null || true; }

# 1,000 trivial runs: one epoch of a tiny synthetic model each.
cat >"$work/e.yaml" <<'EOF'
name: trivial
data: { dataset: synthetic, synthetic: { features: 4, train_size: 64, test_size: 16 } }
model: { hidden: [4] }
train: { optimizer: sgd, lr: 0.1, epochs: 1, batch_size: 16 }
EOF
{
  echo "experiment: e.yaml"
  echo "method: grid"
  echo "parameters:"
  echo "  train.seed: { values: [$(seq -s, 0 999)] }"
} >"$work/big.yaml"

max_array=$(scontrol show config | sed -n 's/^MaxArraySize *= *//p')
echo "== 1. submitting 1,000 runs (MaxArraySize $max_array: expect $(((1000 + max_array - 1) / max_array)) sbatch calls)"
: >"$work/calls"
start=$(date +%s.%N)
PATH="$shim:$PATH" "$cairn" sweep "$work/big.yaml" --executor slurm --store "$work/big" --detach --sbatch-arg=--hold --json >"$work/submit.out"
end=$(date +%s.%N)
submit=$(echo "$end - $start" | bc)
echo "wall: ${submit} s (planning, claiming and writing 1,000 specs included); sbatch calls: $(calls sbatch); squeue: $(calls squeue); scontrol: $(calls scontrol)"
echo "queued: $(squeue -h -r --name="cairn-$(ls "$work/big/slurm" | paste -sd, - | sed 's/,/,cairn-/g')" | wc -l) tasks"

echo "== 2. polling for ${poll_seconds} s while the 1,000 runs wait (held)"
: >"$work/calls"
PATH="$shim:$PATH" "$cairn" sweep "$work/big.yaml" --executor slurm --store "$work/big" >"$work/follow.out" 2>&1 &
follower=$!
sleep "$poll_seconds"
ticks=$(awk '{print $14 + $15}' "/proc/$follower/stat")
hz=$(getconf CLK_TCK)
kill -INT "$follower"
wait "$follower" || true
cpu=$(echo "scale=3; $ticks / $hz" | bc)
echo "squeue calls: $(calls squeue) in ${poll_seconds} s (intervals 1 s doubling to 16 s while nothing changes)"
echo "submitter CPU: ${cpu} s in ${poll_seconds} s ($(echo "scale=2; 100 * $cpu / $poll_seconds" | bc)% of a core)"
echo "after Ctrl-C: $(squeue -h -r --name="cairn-$(ls "$work/big/slurm" | paste -sd, - | sed 's/,/,cairn-/g')" -t PD,R,CG | wc -l) tasks left in squeue; scancel calls: $(calls scancel)"

echo "== 3. the quickstart sweep (12 runs, 2 at a time), local then Slurm"
t0=$(date +%s.%N)
"$cairn" sweep sweeps/quickstart.yaml --store "$work/local" --workers 2 --json >"$work/local.out"
t1=$(date +%s.%N)
"$cairn" sweep sweeps/quickstart.yaml --store "$work/slurm" --executor slurm --array-throttle 2 --json >"$work/slurm.out"
t2=$(date +%s.%N)
local_wall=$(echo "$t1 - $t0" | bc)
slurm_wall=$(echo "$t2 - $t1" | bc)
echo "local: ${local_wall} s; slurm: ${slurm_wall} s; overhead per run: $(echo "scale=3; ($slurm_wall - $local_wall) * 2 / 12" | bc) s (two at a time)"
python3 - "$work/local.out" "$work/slurm.out" <<'EOF'
import json, sys
runs = [{r["hash"]: r["checkpoint_sha256"] for r in json.loads(open(p).read().splitlines()[-1])["runs"]} for p in sys.argv[1:]]
same = runs[0] == runs[1] and len(runs[0]) == 12
print(f"checkpoints: {'identical' if same else 'DIFFERENT'} ({len(runs[0])} runs)")
sys.exit(0 if same else 1)
EOF
rm -rf "$work"
trap - EXIT
