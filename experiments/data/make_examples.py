#!/usr/bin/env python3
"""Writes the example data sets for training on your own data: iris, wine and friedman1.

Each set becomes a train.csv and a test.csv in its own directory beside this script:
a header row, comma separators, `\\n` line endings, no index column, floats written as
repr(float(v)) (the shortest string that reads back as the same double), integer and
string labels as themselves.

    iris       load_iris(as_frame=True): sepal_length, sepal_width, petal_length, petal_width,
               species (setosa / versicolor / virginica, as strings)
    wine       load_wine(as_frame=True): the 13 features under sklearn's names ('/' → '_'),
               class (0 / 1 / 2)
    friedman1  make_friedman1(n_samples=2000, n_features=10, noise=1.0, random_state=0):
               x0 … x9, y; the first 1500 rows train, the last 500 test

iris and wine are split with train_test_split(test_size=0.25, random_state=0, stratify=y),
rows kept in the order it returns them.

The script is deterministic: nothing is drawn without a fixed seed, so running it twice
gives byte-identical files (for a given scikit-learn version; iris and wine ship inside
scikit-learn, friedman1 comes from its generator).

    pip install scikit-learn pandas
    python3 experiments/data/make_examples.py
"""
import os

from sklearn.datasets import load_iris, load_wine, make_friedman1
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))


def cell(v):
    if isinstance(v, str):
        if any(c in v for c in ',"\n\r'):
            raise ValueError(f"label needs quoting: {v!r}")
        return v
    if isinstance(v, (int,)) or (hasattr(v, "dtype") and v.dtype.kind in "iu"):
        return str(int(v))
    return repr(float(v))


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(cell(v) for v in row) + "\n")


def write_set(name, header, train_rows, test_rows):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    write_csv(os.path.join(d, "train.csv"), header, train_rows)
    write_csv(os.path.join(d, "test.csv"), header, test_rows)
    print(f"{name}: {len(train_rows)} train + {len(test_rows)} test rows × {len(header)} columns")


def frame_rows(x, y):
    # x: DataFrame of float features, y: Series of labels, both in split order.
    return [list(map(float, xs)) + [label] for xs, label in zip(x.itertuples(index=False), y.tolist())]


def iris():
    bunch = load_iris(as_frame=True)
    x = bunch.data.copy()
    x.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in x.columns]
    y = bunch.target.map(lambda i: str(bunch.target_names[i]))
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    write_set("iris", list(x.columns) + ["species"], frame_rows(xtr, ytr), frame_rows(xte, yte))


def wine():
    bunch = load_wine(as_frame=True)
    x = bunch.data.copy()
    x.columns = [c.replace("/", "_") for c in x.columns]
    y = bunch.target.astype(int)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    write_set("wine", list(x.columns) + ["class"], frame_rows(xtr, ytr), frame_rows(xte, yte))


def friedman1():
    x, y = make_friedman1(n_samples=2000, n_features=10, noise=1.0, random_state=0)
    rows = [[float(v) for v in xs] + [float(t)] for xs, t in zip(x, y)]
    write_set("friedman1", [f"x{i}" for i in range(10)] + ["y"], rows[:1500], rows[1500:])


if __name__ == "__main__":
    iris()
    wine()
    friedman1()
