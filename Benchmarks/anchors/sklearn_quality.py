#!/usr/bin/env python3
"""scikit-learn anchor for training on your own data: test-set quality on the example CSVs.

For iris and wine (classification, accuracy) and friedman1 (regression, R² in the target's
own units), trains an MLP on train.csv and scores it on test.csv, once per seed
(random_state; it drives both the weight initialisation and the per-epoch shuffle). The
configuration is the one Cairn's experiment files for these sets use:

    features   StandardScaler fit on the train rows (population std), applied to both files
    iris, wine MLPClassifier: hidden (100,), relu, adam lr 0.001 (β₁ 0.9, β₂ 0.999, ε 1e-8),
               batch 16, 200 epochs, alpha 0, shuffle
    friedman1  MLPRegressor: hidden (64,), relu, adam lr 0.001, batch 32, 200 epochs, alpha 0,
               shuffle; the target standardised too (TransformedTargetRegressor with a
               StandardScaler), predictions mapped back before scoring

sklearn's tolerance-based stop is disabled (n_iter_no_change = max_iter, so its counter can
never pass it) and the script checks that every fit ran exactly 200 epochs; the
ConvergenceWarning that sklearn raises at max_iter is silenced. Prints a table on stderr
and one JSON object on stdout, one key per set: {"iris": {"scores": [...], "mean": m,
"metric": "accuracy", "seeds": [...], "sklearn_version": "..."}, ...}.

    pip install scikit-learn pandas
    python3 experiments/data/make_examples.py       # only if the CSVs are missing
    python3 Benchmarks/anchors/sklearn_quality.py --seeds 0-4
"""
import argparse
import json
import os
import sys
import time
import warnings

import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EPOCHS = 200

# name → (target column, task, hidden, batch size)
SETS = {
    "iris": ("species", "classification", (100,), 16),
    "wine": ("class", "classification", (100,), 16),
    "friedman1": ("y", "regression", (64,), 32),
}


def seeds(spec):
    out = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out


def mlp(cls, hidden, batch, seed):
    return cls(hidden_layer_sizes=hidden, activation="relu", solver="adam", learning_rate_init=0.001,
               beta_1=0.9, beta_2=0.999, epsilon=1e-8, batch_size=batch, max_iter=EPOCHS, alpha=0.0,
               shuffle=True, early_stopping=False, n_iter_no_change=EPOCHS, random_state=seed)


def fit_score(name, data_dir, seed):
    target, task, hidden, batch = SETS[name]
    train = pd.read_csv(os.path.join(data_dir, name, "train.csv"))
    test = pd.read_csv(os.path.join(data_dir, name, "test.csv"))
    xtr, ytr = train.drop(columns=[target]).to_numpy(float), train[target].to_numpy()
    xte, yte = test.drop(columns=[target]).to_numpy(float), test[target].to_numpy()
    if task == "classification":
        model = make_pipeline(StandardScaler(), mlp(MLPClassifier, hidden, batch, seed))
        net = lambda: model[-1]
    else:
        model = TransformedTargetRegressor(regressor=make_pipeline(StandardScaler(), mlp(MLPRegressor, hidden, batch, seed)),
                                           transformer=StandardScaler())
        ytr, yte = ytr.astype(float), yte.astype(float)
        net = lambda: model.regressor_[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(xtr, ytr)
    if net().n_iter_ != EPOCHS:
        raise SystemExit(f"{name} seed {seed}: stopped after {net().n_iter_} epochs, not {EPOCHS}")
    pred = model.predict(xte)
    score = accuracy_score(yte, pred) if task == "classification" else r2_score(yte, pred)
    return float(score), net().loss_curve_[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=os.path.join(REPO, "experiments", "data"),
                    help="directory holding iris/, wine/, friedman1/ (default: experiments/data in this repo)")
    ap.add_argument("--seeds", default="0-4", help="random_state values: '0-4', '0,2,5' or '3'")
    ap.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    args = ap.parse_args()
    import sklearn
    out = {}
    print(f"scikit-learn {sklearn.__version__}, {EPOCHS} epochs per fit", file=sys.stderr)
    print(f"{'set':<10} {'metric':<8} {'seed':>4} {'score':>8} {'final loss':>11} {'fit s':>7}", file=sys.stderr)
    for name in args.sets:
        metric = "accuracy" if SETS[name][1] == "classification" else "r2"
        scores = []
        for seed in seeds(args.seeds):
            start = time.perf_counter()
            score, loss = fit_score(name, args.data_dir, seed)
            scores.append(score)
            print(f"{name:<10} {metric:<8} {seed:>4} {score:>8.4f} {loss:>11.6f} {time.perf_counter() - start:>7.2f}", file=sys.stderr)
        mean = sum(scores) / len(scores)
        print(f"{name:<10} {metric:<8} {'mean':>4} {mean:>8.4f}  (min {min(scores):.4f}, max {max(scores):.4f})", file=sys.stderr)
        out[name] = {"metric": metric, "seeds": seeds(args.seeds), "scores": scores, "mean": mean,
                     "sklearn_version": sklearn.__version__}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
