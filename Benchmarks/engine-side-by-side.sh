#!/usr/bin/env bash
# Cairn's engine against the machine's limit and against PyTorch, in one run: the seed model
# (784→256→10, ReLU, Adam 1e-3) on Fashion-MNIST at batch 64 and 256, at 1 and 2 threads,
# beside PyTorch at torch.set_num_threads(1) and (2), each side's fastest epoch of three. Cairn's figures come with the
# limits measured in the same process: the FMA peak, and the GEMM-bound cap (the samples/s
# the step would reach doing nothing but its matrix multiplies, at the rates measured for its
# exact shapes), and the per-phase profile. The machine is shared and noisy, so each side
# runs twice, alternating, and keeps its best.
#   pip install torch numpy && apt-get install dataset-fashion-mnist
#   Benchmarks/engine-side-by-side.sh        (PYTHON=… for an interpreter other than python3)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product cairn-bench >/dev/null
run_cairn() { .build/release/cairn-bench engine --threads 1 --threads 2 --json | tail -1; }
run_torch() { "${PYTHON:-python3}" Benchmarks/anchors/pytorch_engine.py --epochs 3 --threads "$1" | tail -1; }
c1=$(run_cairn); p11=$(run_torch 1); p21=$(run_torch 2)
c2=$(run_cairn); p12=$(run_torch 1); p22=$(run_torch 2)
python3 - "$c1" "$c2" "$p11" "$p12" "$p21" "$p22" <<'PY'
import json, sys
c = [json.loads(a) for a in sys.argv[1:3]]
p1 = [json.loads(a) for a in sys.argv[3:5]]
p2 = [json.loads(a) for a in sys.argv[5:7]]
best = lambda runs, k: max(x[k] for x in runs)
# The run with the best batch-256 single-thread rate supplies the profile and the cap.
top = max(c, key=lambda x: x["samples_per_second_batch_256"])
print(f"FMA peak {top['fma_peak_gflops']} GFLOP/s ({top['fma_peak_shape']}), GEMM tile {top['gemm_tile']}, numerics version {top['numerics_version']}")
# The share of the cap is each run's median over its paired windows (a stretch of training,
# then as many steps' GEMMs alone, a moment apart); both runs' shares are shown.
print(f"{'':22}{'Cairn':>9}{'PyTorch':>9}{'ratio':>7}   share of the GEMM-bound cap (paired windows: training / GEMMs alone, samples/s)")
for b in (64, 256):
    for t, p in ((1, p1), (2, p2)):
        s = f"batch_{b}" if t == 1 else f"batch_{b}_threads_{t}"
        rate = best(c, f"samples_per_second_{s}")
        torch = best(p, f"samples_per_second_batch_{b}")
        shares = "  ".join(f"{100 * x[f'share_of_gemm_cap_{s}']:.0f}% ({x[f'paired_samples_per_second_{s}']:.0f} / {x[f'gemm_cap_samples_per_second_{s}']:.0f})" for x in c)
        print(f"batch {b:<4} {t} thread{'s' if t > 1 else ' '}  {rate:>9.0f}{torch:>9.0f}{rate / torch:>6.2f}x   {shares}")
for b in (64, 256):
    one, two = best(c, f"samples_per_second_batch_{b}"), best(c, f"samples_per_second_batch_{b}_threads_2")
    t1, t2 = best(p1, f"samples_per_second_batch_{b}"), best(p2, f"samples_per_second_batch_{b}")
    same = all(x[f"identical_across_threads_batch_{b}"] for x in c)
    print(f"batch {b}: 2 threads / 1 thread: Cairn {two / one:.2f}x (bytes {'identical' if same else 'DIFFER'}), PyTorch {t2 / t1:.2f}x")
for b in (64, 256):
    prof = top[f"profile_batch_{b}"]
    print(f"profile at batch {b}, 1 thread: {prof['step_us']} µs per step")
    for name in ("gather", "forward_gemm", "backward_gemm", "elementwise", "loss", "optimizer", "other", "evaluation"):
        print(f"    {name:<14}{prof[name]['us_per_step']:>9.1f} µs {100 * prof[name]['share']:>6.1f}%")
for k in sorted(top):
    if k.startswith("gemm_gflops_"):
        g = best(c, k)
        print(f"gemm {k[12:]:<26}{g:6.1f} GFLOP/s  {100 * g / top['fma_peak_gflops']:4.0f}% of peak")
PY
