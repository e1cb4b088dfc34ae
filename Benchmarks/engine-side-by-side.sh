#!/usr/bin/env bash
# Cairn's engine and PyTorch (1 thread) on the same work, back to back in one run, and the
# ratios: the seed model for one epoch of Fashion-MNIST at batch 64 and 256. The machine is
# shared and noisy, so each side runs twice, alternating, and keeps its best.
#   pip install torch numpy && apt-get install dataset-fashion-mnist
#   Benchmarks/engine-side-by-side.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product cairn-bench >/dev/null
c1=$(.build/release/cairn-bench engine --json | tail -1)
p1=$(python3 Benchmarks/anchors/pytorch_engine.py | tail -1)
c2=$(.build/release/cairn-bench engine --json | tail -1)
p2=$(python3 Benchmarks/anchors/pytorch_engine.py | tail -1)
python3 - "$c1" "$c2" "$p1" "$p2" <<'PY'
import json, sys
c = [json.loads(a) for a in sys.argv[1:3]]
p = [json.loads(a) for a in sys.argv[3:5]]
print(f"{'':28}{'Cairn':>10}{'PyTorch':>10}{'ratio':>8}")
for b in (64, 256):
    k = f"samples_per_second_batch_{b}"
    cb, pb = max(x[k] for x in c), max(x[k] for x in p)
    print(f"samples/s at batch {b:<9}{cb:>10.0f}{pb:>10.0f}{cb / pb:>7.2f}x")
peak = max(x["fma_peak_gflops"] for x in c)
print(f"single-core FMA peak          {peak:.1f} GFLOP/s")
for k in sorted(c[0]):
    if k.startswith("gemm_gflops_"):
        g = max(x[k] for x in c)
        print(f"{k[12:]:<30}{g:6.1f} GFLOP/s  {100 * g / peak:4.0f}% of peak")
PY
