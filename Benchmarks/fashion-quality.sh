#!/usr/bin/env bash
# Quality of the seed model: 784→256→10, ReLU, Adam 1e-3, batch 64, 10 epochs on all 60,000
# Fashion-MNIST training images (no validation split), seeds 0, 1, 2. Prints each seed's
# per-epoch test accuracy and the mean final test accuracy.
#   Benchmarks/fashion-quality.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product cairn >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for seed in 0 1 2; do
  .build/release/cairn train experiments/fashion-mlp.yaml --set data.validation=0 --set train.seed=$seed \
    --json --checkpoint-out "$tmp/s$seed.safetensors" > "$tmp/s$seed.out"
done
python3 - "$tmp" <<'PY'
import json, re, sys
accs = []
for seed in (0, 1, 2):
    lines = open(f"{sys.argv[1]}/s{seed}.out").read().splitlines()
    curve = [float(m.group(1)) for l in lines if (m := re.search(r"test_acc (\d\.\d+)", l))]
    final = json.loads(lines[-1])["test_accuracy"]
    accs.append(final)
    print(f"seed {seed}: test accuracy by epoch " + " ".join(f"{a:.4f}" for a in curve))
print(f"mean final test accuracy over seeds 0-2: {sum(accs) / len(accs):.4f}")
PY
