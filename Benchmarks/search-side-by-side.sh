#!/usr/bin/env bash
# Model-based search side by side in one run: Cairn's GP (bayes), TPE and random search
# (`cairn-bench search`) and Optuna's TPESampler and RandomSampler (PyPI: pip install optuna)
# on Branin and Hartmann-6, 20 seeds x 50 trials each; prints the median best values and
# Cairn's TPE against Optuna's (the target: within 10%, both clearly ahead of random).
#   Benchmarks/search-side-by-side.sh [SEEDS] [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-20}
trials=${2:-50}
swift build -c release --product cairn-bench >/dev/null 2>&1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.build/release/cairn-bench search --seeds "$seeds" --trials "$trials" --json | tee "$tmp/cairn.txt" | sed '$d'
python3 Benchmarks/anchors/optuna_search.py "$seeds" "$trials" | tee "$tmp/optuna.txt" | sed '$d'
python3 - "$tmp" <<'PY'
import json, sys
c = json.loads(open(f"{sys.argv[1]}/cairn.txt").read().splitlines()[-1])
o = json.loads(open(f"{sys.argv[1]}/optuna.txt").read().splitlines()[-1])
optimum = {"branin": 0.397887, "hartmann6": -3.32237}
print(f"\n{'function':<10} {'cairn gp':>9} {'cairn tpe':>10} {'optuna tpe':>11} {'cairn rnd':>10} {'optuna rnd':>11}  tpe gap to optimum: cairn / optuna")
for f in ("branin", "hartmann6"):
    m = lambda d, k: d[f][k]["median_best"]
    gc, go = m(c, "tpe") - optimum[f], m(o, "optuna_tpe") - optimum[f]
    print(f"{f:<10} {m(c,'gp'):>9.4f} {m(c,'tpe'):>10.4f} {m(o,'optuna_tpe'):>11.4f} {m(c,'random'):>10.4f} {m(o,'optuna_random'):>11.4f}  "
          f"{gc:.4f} / {go:.4f}; values {abs(m(c,'tpe') - m(o,'optuna_tpe')) / abs(m(o,'optuna_tpe')):.1%} apart")
PY
