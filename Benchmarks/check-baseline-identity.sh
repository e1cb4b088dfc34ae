#!/usr/bin/env bash
# The determinism contract across CPU flags: an Engine built for Swift's baseline x86-64
# target (no FMA instructions: every fused multiply-add is a libm call) must produce the
# same checkpoint bytes and model metrics as the default -march=native build. Builds the baseline in its own
# scratch path so the two builds never mix.
#   Benchmarks/check-baseline-identity.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exp=${1:-experiments/quickstart.yaml}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
swift build -c release --product cairn
CAIRN_ENGINE_MARCH=baseline swift build -c release --product cairn --scratch-path .build-baseline
native=$(.build/release/cairn train "$exp" --json --checkpoint-out "$tmp/native.safetensors" | tail -1)
baseline=$(.build-baseline/release/cairn train "$exp" --json --checkpoint-out "$tmp/baseline.safetensors" | tail -1)
sha() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["checkpoint_sha256"])' "$1"; }
echo "native   build: $(sha "$native")"
echo "baseline build: $(sha "$baseline")"
if cmp -s "$tmp/native.safetensors" "$tmp/baseline.safetensors"; then echo "ok: identical bytes"; else echo "FAIL: checkpoints differ"; exit 1; fi
# And the model-side results (losses, accuracies, the decisions' figures, the compute counts),
# without what measures the machine or names a file.
model() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); [d.pop(k) for k in ("samples_per_second", "checkpoint")]; print(json.dumps(d, sort_keys=True))' "$1"; }
if [ "$(model "$native")" = "$(model "$baseline")" ]; then
  echo "ok: identical model metrics ($(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$native") values)"
else
  echo "FAIL: model metrics differ"; diff <(model "$native" | tr ',' '\n') <(model "$baseline" | tr ',' '\n'); exit 1
fi
