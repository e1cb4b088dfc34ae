#!/usr/bin/env bash
# Cairn's tracker and MLflow (SQLite backend) on the same workload, back to back in one run:
# runs × 10 params × 3 metrics × 100 steps; a filtered, sorted listing; 10 runs × 3 metric
# histories; 100 identical 800 KB checkpoints. MLflow takes minutes at 1,000 runs.
#   pip install mlflow
#   Benchmarks/tracker-side-by-side.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000}
swift build -c release --product cairn-bench >/dev/null
c=$(.build/release/cairn-bench tracker --runs "$runs" --json | tail -1)
m=$(python3 Benchmarks/anchors/mlflow_tracker.py --runs "$runs" | tail -1)
python3 - "$c" "$m" <<'PY'
import json, sys
c, m = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'':34}{'Cairn':>12}{'MLflow':>12}{'ratio':>9}")
def row(label, ck, mk, higher_better, fmt="{:.2f}"):
    a, b = c[ck], m[mk]
    r = a / b if higher_better else b / a
    print(f"{label:<34}{fmt.format(a):>12}{fmt.format(b):>12}{r:>8.1f}x")
row("ingest, points/s", "ingest_points_per_second", "ingest_points_per_second", True, "{:.0f}")
row("filtered sorted listing, ms", "list_ms", "list_ms", False)
row("10 runs x 3 histories, ms", "history_ms", "history_ms", False)
row("checkpoint put, ms", "checkpoint_put_ms", "artifact_put_ms", False)
print(f"{'100 identical checkpoints, bytes':<34}{c['identical_puts_bytes']:>12}{m['identical_artifacts_bytes']:>12}")
print(f"Cairn: gzip + SHA-256 of an 800 KB checkpoint {c['checkpoint_gzip_sha256_ms']} ms; store {c['store_bytes'] / 1e6:.1f} MB")
PY
