#!/usr/bin/env bash
# Fails if a release build of the Engine's hot loops calls libm's fmaf (the sign that the
# Engine target lost its CPU flags and every fused multiply-add became a function call),
# and if they contain no vector FMA instruction at all.
#   Benchmarks/check-engine-codegen.sh .build/release/cairn
set -euo pipefail
bin=${1:-.build/release/cairn}
[ -x "$bin" ] || { echo "no executable at $bin (swift build -c release first)"; exit 2; }
case "$(uname -m)" in x86_64) ;; *) echo "codegen check is for x86-64; skipped on $(uname -m)"; exit 0 ;; esac
dis=$(mktemp)
trap 'rm -f "$dis"' EXIT
# The GEMM (its tiles are inlined into its specialisations) and the optimizer update.
objdump -d --no-show-raw-insn "$bin" | awk '/^[0-9a-f]+ <\$s6Engine9gemmTiled.*>:$|^[0-9a-f]+ <\$s6Engine9OptimizerC6update.*>:$/{on=1} on{print} /^$/{on=0}' > "$dis"
[ -s "$dis" ] || { echo "FAIL: Engine's gemmTiled / Optimizer.update not found in $bin"; exit 1; }
calls=$(grep -cE 'call.*<fmaf?(@plt)?>' "$dis" || true)
fmas=$(grep -cE 'vfmadd[0-9]+ps' "$dis" || true)
echo "engine hot loops: $fmas vector FMA instructions, $calls calls to fmaf"
if [ "$calls" -gt 0 ]; then echo "FAIL: the engine calls fmaf in its hot loop: the Engine target was built without -march flags"; exit 1; fi
if [ "$fmas" -eq 0 ]; then echo "FAIL: no vector FMA in the engine's hot loop"; exit 1; fi
echo "ok"
