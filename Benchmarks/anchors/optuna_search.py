"""Optuna's TPESampler (its defaults) and RandomSampler on Branin and Hartmann-6: SEEDS seeds
x TRIALS trials each, the median best value; the same functions and domains as
`cairn-bench search`. Prints one JSON object as its last line.

    pip install optuna && python3 Benchmarks/anchors/optuna_search.py [SEEDS] [TRIALS]
"""
import json
import math
import statistics
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
SEEDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
TRIALS = int(sys.argv[2]) if len(sys.argv) > 2 else 50


def branin(u):
    x1, x2 = -5 + 15 * u[0], 15 * u[1]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


out = {"seeds": SEEDS, "trials": TRIALS, "optuna": optuna.__version__}
for name, dims, f in [("branin", 2, branin), ("hartmann6", 6, hartmann6)]:
    row = {}
    for label, make in [("optuna_tpe", lambda s: optuna.samplers.TPESampler(seed=s)),
                        ("optuna_random", lambda s: optuna.samplers.RandomSampler(seed=s))]:
        start = time.time()
        bests = []
        for seed in range(SEEDS):
            study = optuna.create_study(sampler=make(seed))
            study.optimize(lambda t: f([t.suggest_float(f"x{i}", 0.0, 1.0) for i in range(dims)]), n_trials=TRIALS)
            bests.append(study.best_value)
        took = time.time() - start
        median = statistics.median(bests)
        print(f"{name:<10} {label:<13} median best {median:.5f}  ({SEEDS} seeds x {TRIALS} trials, {took:.2f} s)")
        row[label] = {"median_best": median, "seconds": took, "best": sorted(bests)}
    out[name] = row
print(json.dumps(out))
