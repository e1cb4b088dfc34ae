#!/usr/bin/env bash
# The read side, whole process as a user runs it, side by side with MLflow in one run:
#  - `cairn ls --sort val_accuracy` and `cairn compare --sweep S` over 1,000 runs
#    (10 params, 3 metrics × 100 steps each; the store cairn-bench tracker builds), against
#    `python3 -c 'import mlflow; mlflow.search_runs(...)'` over the same workload logged to MLflow;
#  - `cairn reproduce` of a Fashion-MNIST run against that run's own training time.
#   pip install mlflow; apt-get install dataset-fashion-mnist
#   Benchmarks/read-side.sh            (MLFLOW=0 skips MLflow: logging 1,000 runs takes minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product cairn >/dev/null
swift build -c release --product cairn-bench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cairn=.build/release/cairn
.build/release/cairn-bench tracker --runs 1000 --keep "$work/cairn" >/dev/null
if [ "${MLFLOW:-1}" != 0 ]; then python3 Benchmarks/anchors/mlflow_tracker.py --runs 1000 --keep "$work/mlflow" >/dev/null; fi

python3 - "$cairn" "$work" <<'PY'
import os, statistics, subprocess, sys, time
cairn, work = sys.argv[1], sys.argv[2]
def timed(args, n):
    xs = []
    for _ in range(n):
        s = time.perf_counter()
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        xs.append(time.perf_counter() - s)
    return min(xs) * 1e3, statistics.median(xs) * 1e3
store = f"{work}/cairn"
rows = [("cairn ls --sort val_accuracy", [cairn, "ls", "--store", store, "--sort", "val_accuracy"], 30),
        ("cairn compare --sweep S", [cairn, "compare", "--sweep", "bench", "--store", store], 30),
        ("cairn ls --aggregate seed", [cairn, "ls", "--store", store, "--aggregate", "seed"], 10)]
if os.path.isdir(f"{work}/mlflow"):
    uri = f"sqlite:///{work}/mlflow/mlflow.db"
    rows.append(("MLflow search_runs (python3 -c)", [sys.executable, "-c",
        f"import mlflow; mlflow.set_tracking_uri('{uri}'); "
        "print(len(mlflow.search_runs(experiment_names=['bench'], order_by=['metrics.val_accuracy DESC'])))"], 3))
print(f"{'1,000 runs, whole process':<40}{'best ms':>10}{'median ms':>11}")
for label, args, n in rows:
    best, median = timed(args, n)
    print(f"{label:<40}{best:>10.1f}{median:>11.1f}")
PY

# reproduce against the original run: the seed model, Fashion-MNIST, 10 epochs.
run_start=$(date +%s.%N)
out=$("$cairn" run experiments/fashion-mlp.yaml --store "$work/repro" --json | tail -1)
run_end=$(date +%s.%N)
hash=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["runs"][0]["hash"])' "$out")
start=$(date +%s.%N)
r=$("$cairn" reproduce "$hash" --store "$work/repro" --json | tail -1)
end=$(date +%s.%N)
python3 - "$r" "$start" "$end" "$run_start" "$run_end" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); wall = float(sys.argv[3]) - float(sys.argv[2]); o = r["original_seconds"]
run_wall = float(sys.argv[5]) - float(sys.argv[4])
print(f"reproduce: {'bit-identical' if r['reproduced'] else 'DIFFERS'}; the original run took {o:.2f} s (start to end event)")
print(f"  its reproduction's run: {r['run_seconds']:.2f} s = {r['run_seconds'] / o:.3f}x")
print(f"  the whole command (process, data loading, ingest, comparison): {wall:.2f} s = {wall / o:.3f}x;"
      f" against the whole `cairn run` that made the original ({run_wall:.2f} s): {wall / run_wall:.3f}x")
PY
