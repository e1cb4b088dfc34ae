#!/usr/bin/env bash
# Model-based search on a real sweep, side by side in one run: a 64-run random search on
# Fashion-MNIST (sweeps/fashion-search-random.yaml) and bayes (a GP, 24 runs in rounds of 2,
# sweeps/fashion-search-bayes.yaml) over the same space; prints each one's best validation
# accuracy, and after how many bayes runs it was within 0.005 of the random search's best.
#   Benchmarks/fashion-search.sh [--workers N]   (apt-get install dataset-fashion-mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${2:-$(nproc)}
swift build -c release --product cairn >/dev/null 2>&1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for sweep in fashion-search-random fashion-search-bayes; do
  start=$(date +%s.%N)
  .build/release/cairn sweep "sweeps/$sweep.yaml" --store "$tmp/runs" --workers "$workers" --json 2>/dev/null | tail -1 > "$tmp/$sweep.json"
  echo "$sweep $(echo "$(date +%s.%N) - $start" | bc)" >> "$tmp/times"
done
cp "$tmp"/runs/searches/*.jsonl "$tmp/suggestions.jsonl"
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
times = dict(l.split() for l in open(f"{tmp}/times"))
rnd = json.load(open(f"{tmp}/fashion-search-random.json"))
bay = json.load(open(f"{tmp}/fashion-search-bayes.json"))
acc = lambda r: r["metrics"].get("val_accuracy", 0)
best_random = max(map(acc, rnd["runs"]))
by_hash = {r["hash"]: r for r in bay["runs"]}
order = [json.loads(l)["run"] for l in open(f"{tmp}/suggestions.jsonl")]
curve, best, within = [], 0, None
for i, h in enumerate(order, 1):
    best = max(best, acc(by_hash[h]))
    curve.append(best)
    if within is None and best >= best_random - 0.005:
        within = i
print(f"random search: {len(rnd['runs'])} runs, best val accuracy {best_random:.4f}, {float(times['fashion-search-random']):.1f} s")
print(f"bayes (gp):    {len(order)} runs, best val accuracy {best:.4f}, {float(times['fashion-search-bayes']):.1f} s")
print("bayes best so far, run by run: " + " ".join(f"{v:.4f}" for v in curve))
print(f"bayes within 0.005 of the random search's best after {within} runs" if within else "bayes never within 0.005")
PY
