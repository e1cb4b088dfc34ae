#!/usr/bin/env python3
"""pandas/NumPy anchor for loading your own data: a large numeric CSV into memory.

--make FILE writes the test file: --rows (default 1,000,000) × --cols (default 50) float
columns named c0, c1, …, the last one named `target`, values drawn from
np.random.default_rng(0).standard_normal (row by row, so a given --rows/--cols always
gives the same bytes) and written with "%.6f", a header row, `,` and `\\n`. About 9.5
bytes a value: 1M × 50 is ~475 MB of CSV for a 200 MB float32 matrix. Beside it go the
same values as float32 .npy files: FILE.features.npy (rows × cols−1) and FILE.targets.npy
(rows), each value the float32 nearest the decimal in the CSV.

Without --make, FILE is timed three ways, each measurement a fresh child process that
imports pandas and NumPy, reads ru_maxrss, loads once, and reads ru_maxrss again (so
the peak-RSS increase is one load's, unpolluted by the others):

    pandas        pandas.read_csv(FILE, engine="c")                    (float64 columns)
    pandas_f32    pandas.read_csv(FILE, engine="c", dtype=np.float32)
    numpy         np.load(FILE.features.npy), np.load(FILE.targets.npy)

One untimed warm-up load first (the page cache is warm for every timed one), then the
best of --repeat. Prints a summary on stderr and one JSON object on stdout: bytes read,
best seconds, MB/s (MB = 1e6 bytes), peak-RSS increase, and the bytes of the float32
rows × cols matrix the load stands for.

    pip install pandas numpy
    python3 Benchmarks/anchors/pandas_csv_load.py --make big.csv
    python3 Benchmarks/anchors/pandas_csv_load.py big.csv --repeat 3
"""
import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

CHUNK = 50_000  # rows formatted at a time by --make


def columns(cols):
    return [f"c{i}" for i in range(cols - 1)] + ["target"]


def make(path, rows, cols):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    rng = np.random.default_rng(0)
    features = np.lib.format.open_memmap(path + ".features.npy", mode="w+", dtype=np.float32, shape=(rows, cols - 1))
    targets = np.lib.format.open_memmap(path + ".targets.npy", mode="w+", dtype=np.float32, shape=(rows,))
    start = time.perf_counter()
    with open(path, "w", newline="") as f:
        f.write(",".join(columns(cols)) + "\n")
        for lo in range(0, rows, CHUNK):
            n = min(CHUNK, rows - lo)
            block = rng.standard_normal((n, cols))
            buf = io.StringIO()
            np.savetxt(buf, block, fmt="%.6f", delimiter=",", newline="\n")
            text = buf.getvalue()
            f.write(text)
            # The .npy values come from the written decimals (NumPy's str → float64 is
            # correctly rounded; float64 → float32 then is too, for 6-decimal values).
            parsed = np.array(text.replace("\n", ",").split(",")[:-1], dtype=np.float64).reshape(n, cols)
            features[lo:lo + n] = parsed[:, :-1]
            targets[lo:lo + n] = parsed[:, -1]
    features.flush()
    targets.flush()
    del features, targets
    size = os.path.getsize(path)
    print(f"wrote {path}: {rows} rows × {cols} columns, {size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s; "
          f"float32 .npy pair {(os.path.getsize(path + '.features.npy') + os.path.getsize(path + '.targets.npy')) / 1e6:.1f} MB",
          file=sys.stderr)


def maxrss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def child(kind, path):
    """One load in this (fresh) process; prints its figures as one JSON line."""
    import pandas as pd
    before = maxrss()
    start = time.perf_counter()
    if kind == "pandas":
        df = pd.read_csv(path, engine="c")
    elif kind == "pandas_f32":
        df = pd.read_csv(path, engine="c", dtype=np.float32)
    else:
        x = np.load(path + ".features.npy")
        y = np.load(path + ".targets.npy")
    seconds = time.perf_counter() - start
    after = maxrss()
    if kind == "numpy":
        shape, result = [x.shape[0], x.shape[1] + 1], x.nbytes + y.nbytes
        dtypes = sorted({str(x.dtype), str(y.dtype)})
    else:
        shape, result = list(df.shape), int(df.memory_usage(index=True, deep=True).sum())
        dtypes = sorted({str(t) for t in df.dtypes})
    print(json.dumps({"seconds": seconds, "rss_before": before, "rss_increase": after - before,
                      "shape": shape, "result_bytes": result, "dtypes": dtypes}))


def measure(kind, path):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", kind, path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", help="CSV to time (made earlier with --make)")
    ap.add_argument("--make", metavar="FILE", help="write the test CSV and its .npy pair, then stop")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cols", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3, help="timed loads per way (best is reported)")
    ap.add_argument("--child", choices=["pandas", "pandas_f32", "numpy"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.file)
    if args.make:
        return make(args.make, args.rows, args.cols)
    if not args.file:
        ap.error("give FILE to time, or --make FILE to write one")
    import pandas as pd
    path = args.file
    csv_bytes = os.path.getsize(path)
    npy_bytes = os.path.getsize(path + ".features.npy") + os.path.getsize(path + ".targets.npy")
    out = {"file": os.path.basename(path), "csv_bytes": csv_bytes, "npy_bytes": npy_bytes, "repeat": args.repeat,
           "pandas_version": pd.__version__, "numpy_version": np.__version__}
    for kind in ("pandas", "pandas_f32", "numpy"):
        measure(kind, path)  # warm-up: page cache
        runs = [measure(kind, path) for _ in range(args.repeat)]
        best = min(r["seconds"] for r in runs)
        read = npy_bytes if kind == "numpy" else csv_bytes
        rows, cols = runs[0]["shape"]
        out[kind] = {"bytes": read, "seconds": round(best, 4), "seconds_all": [round(r["seconds"], 4) for r in runs],
                     "mb_per_second": round(read / best / 1e6, 1),
                     "peak_rss_increase_bytes": max(r["rss_increase"] for r in runs),
                     "result_bytes": runs[0]["result_bytes"], "dtypes": runs[0]["dtypes"], "shape": [rows, cols]}
        out["rows"], out["cols"] = rows, cols
        out["float32_matrix_bytes"] = rows * cols * 4
    print(f"{path}: {out['rows']} rows × {out['cols']} columns, CSV {csv_bytes / 1e6:.1f} MB, .npy pair {npy_bytes / 1e6:.1f} MB, "
          f"float32 matrix {out['float32_matrix_bytes'] / 1e6:.1f} MB (pandas {pd.__version__}, NumPy {np.__version__})", file=sys.stderr)
    labels = {"pandas": 'read_csv(engine="c")', "pandas_f32": 'read_csv(engine="c", dtype=float32)', "numpy": "np.load ×2"}
    for kind in ("pandas", "pandas_f32", "numpy"):
        r = out[kind]
        print(f"  {labels[kind]:<36} {r['seconds']:>8.3f} s  {r['mb_per_second']:>8.1f} MB/s  peak RSS +{r['peak_rss_increase_bytes'] / 1e6:.1f} MB"
              f"  (result {r['result_bytes'] / 1e6:.1f} MB, {'/'.join(r['dtypes'])})", file=sys.stderr)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
