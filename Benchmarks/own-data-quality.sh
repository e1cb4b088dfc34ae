#!/usr/bin/env bash
# Quality on your own data, side by side in one run: Cairn and scikit-learn's MLPClassifier /
# MLPRegressor on the example CSVs (experiments/data), the same split, scaling, architecture,
# optimizer, batch size and epochs (experiments/{iris,wine,friedman1}-mlp.yaml and
# Benchmarks/anchors/sklearn_quality.py state them), seeds 0-4. Test accuracy for iris and
# wine, test R² for Friedman #1; the table gives each mean and the difference.
#   Benchmarks/own-data-quality.sh          (CAIRN_RELEASE_DIR=DIR to skip the build)
# Needs: pip install scikit-learn pandas
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CAIRN_RELEASE_DIR:-}
if [ -z "$bin" ]; then
  swift build -c release --product cairn >&2
  bin=$(swift build -c release --show-bin-path)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for set in iris wine friedman1; do
  for seed in 0 1 2 3 4; do
    "$bin/cairn" train "experiments/$set-mlp.yaml" --set train.seed=$seed --json \
      --checkpoint-out "$tmp/$set-$seed.safetensors" | tail -1 > "$tmp/$set-$seed.json"
  done
done
python3 Benchmarks/anchors/sklearn_quality.py --seeds 0-4 2>/dev/null > "$tmp/sklearn.json"
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
sk = json.load(open(f"{d}/sklearn.json"))
print(f"{'set':10s} {'metric':9s} {'Cairn (seeds 0-4)':40s} {'mean':>7s}   {'scikit-learn':>12s}   {'Cairn − sklearn':>15s}")
for name, key in [("iris", "test_accuracy"), ("wine", "test_accuracy"), ("friedman1", "test_r2")]:
    ours = [json.load(open(f"{d}/{name}-{s}.json"))[key] for s in range(5)]
    mean = sum(ours) / len(ours)
    ref = sk[name]["mean"]
    print(f"{name:10s} {key[5:]:9s} {' '.join(f'{v:.4f}' for v in ours):40s} {mean:7.4f}   {ref:12.4f}   {mean - ref:+15.4f}")
print(f"scikit-learn {sk['iris']['sklearn_version']}; its per-seed scores: " + "; ".join(f"{n} " + " ".join(f"{v:.4f}" for v in sk[n]["scores"]) for n in ("iris", "wine", "friedman1")))
PY
