#!/usr/bin/env bash
# Early termination on Fashion-MNIST (apt-get install dataset-fashion-mnist), side by side in
# one run: the plain grid of 27 configs × 27 epochs (sweeps/fashion-budget.yaml), the same
# grid under W&B's Hyperband rule (fashion-budget-bands.yaml) and Hyperband brackets over it
# (fashion-budget-brackets.yaml). Each goes into a fresh store; prints epochs trained, wall
# time and the best validation accuracy of each, and the brackets' share of the grid's epochs.
#   Benchmarks/early-termination.sh [--workers N]
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${2:-$(nproc)}
swift build -c release --product cairn >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for sweep in fashion-budget fashion-budget-bands fashion-budget-brackets; do
  start=$(date +%s.%N)
  .build/release/cairn sweep "sweeps/$sweep.yaml" --store "$tmp/$sweep" --workers "$workers" --json 2>/dev/null | tail -1 > "$tmp/$sweep.json"
  end=$(date +%s.%N)
  echo "$sweep $(echo "$end - $start" | bc)" >> "$tmp/times"
done
python3 - "$tmp" "$workers" <<'PY'
import json, sys
tmp, workers = sys.argv[1], sys.argv[2]
times = dict(line.split() for line in open(f"{tmp}/times"))
rows = []
for sweep in ("fashion-budget", "fashion-budget-bands", "fashion-budget-brackets"):
    d = json.load(open(f"{tmp}/{sweep}.json"))
    runs = d["runs"]
    best = max(runs, key=lambda r: r["metrics"].get("val_accuracy", -1))
    et = d["early_termination"]
    epochs = et["epochs_trained"] if et else 27 * len(runs)
    rows.append((sweep, len(runs), d.get("stopped", 0), epochs, float(times[sweep]), best["metrics"]["val_accuracy"], best["hash"][:12]))
grid_epochs, grid_best = rows[0][3], rows[0][5]
print(f"{'sweep':<26} {'runs':>4} {'stopped':>7} {'epochs':>6} {'share':>6} {'wall s':>7} {'best val acc':>12}  best run  (workers {workers})")
for name, n, stopped, epochs, wall, acc, run in rows:
    print(f"{name:<26} {n:>4} {stopped:>7} {epochs:>6} {epochs / grid_epochs:>6.1%} {wall:>7.1f} {acc:>12.4f}  {run}")
print(f"brackets vs grid: {rows[2][3] / grid_epochs:.1%} of the epochs, best val accuracy {rows[2][5] - grid_best:+.4f}")
PY
