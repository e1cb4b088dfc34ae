#!/usr/bin/env bash
# The determinism contract across CPU flags: an Engine built for Swift's baseline x86-64
# target (no FMA instructions: every fused multiply-add is a libm call) must produce the
# same checkpoint bytes and model metrics as the default -march=native build.
#   Benchmarks/check-baseline-identity.sh [experiment]     (CONFIG=debug: check the debug build instead)
# Both builds use the one scratch path: the flag belongs to the Engine target alone, so switching
# it recompiles the Engine and relinks (~35 s here) instead of building every dependency again in
# a scratch path of its own (~7 min). The native build is rebuilt at the end, so .build/release is
# left as it was. That the second binary really is the baseline is checked, not assumed: its hot
# loops must call libm's fmaf.
set -euo pipefail
cd "$(dirname "$0")/.."
exp=${1:-experiments/quickstart.yaml}
config=${CONFIG:-release}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; swift build -c "$config" --product cairn >/dev/null' EXIT
swift build -c "$config" --product cairn
cp ".build/$config/cairn" "$tmp/cairn-native"
CAIRN_ENGINE_MARCH=baseline swift build -c "$config" --product cairn
cp ".build/$config/cairn" "$tmp/cairn-baseline"
if Benchmarks/check-engine-codegen.sh "$tmp/cairn-baseline" >/dev/null; then
  echo "FAIL: the baseline build has vector FMA in its hot loops: CAIRN_ENGINE_MARCH=baseline was not applied"; exit 1
fi
native=$("$tmp/cairn-native" train "$exp" --json --checkpoint-out "$tmp/native.safetensors" | tail -1)
baseline=$("$tmp/cairn-baseline" train "$exp" --json --checkpoint-out "$tmp/baseline.safetensors" | tail -1)
sha() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["checkpoint_sha256"])' "$1"; }
rate() { python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])["samples_per_second"]))' "$1"; }
echo "native   build: $(sha "$native"), $(rate "$native") samples/s"
echo "baseline build: $(sha "$baseline"), $(rate "$baseline") samples/s (every fused multiply-add a call to libm's fmaf)"
if cmp -s "$tmp/native.safetensors" "$tmp/baseline.safetensors"; then echo "ok: identical bytes"; else echo "FAIL: checkpoints differ"; exit 1; fi
# And the model-side results (losses, accuracies, the decisions' figures, the compute counts),
# without what measures the machine or names a file.
model() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); [d.pop(k) for k in ("samples_per_second", "checkpoint")]; print(json.dumps(d, sort_keys=True))' "$1"; }
if [ "$(model "$native")" = "$(model "$baseline")" ]; then
  echo "ok: identical model metrics ($(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$native") values)"
else
  echo "FAIL: model metrics differ"; diff <(model "$native" | tr ',' '\n') <(model "$baseline" | tr ',' '\n'); exit 1
fi
