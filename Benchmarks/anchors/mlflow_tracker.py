#!/usr/bin/env python3
"""MLflow anchor for `cairn-bench tracker`: the same workload with MLflow's SQLite backend.

runs × 10 params × 3 metrics × 100 steps, logged with log_batch (one call per run); a
filtered, sorted search_runs; get_metric_history for 10 runs × 3 keys; and 100 identical
800 KB artifacts. Prints one line per figure and, last, one JSON object.

    pip install mlflow
    python3 Benchmarks/anchors/mlflow_tracker.py --runs 1000
"""
import argparse
import json
import os
import random
import shutil
import tempfile
import time


def du(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--keep", help="keep the store in this new directory (for timing searches on it)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    import mlflow
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient
    import_s = time.perf_counter() - t0
    root = args.keep or tempfile.mkdtemp(prefix="mlflow-anchor-")
    os.makedirs(root, exist_ok=True)
    try:
        mlflow.set_tracking_uri(f"sqlite:///{root}/mlflow.db")
        client = MlflowClient()
        exp = client.create_experiment("bench", artifact_location=f"file://{root}/artifacts")
        rng = random.Random(1)
        opts = ["adam", "sgd", "adamw", "rmsprop"]
        run_ids = []
        points = 0
        start = time.perf_counter()
        for i in range(args.runs):
            run = client.create_run(exp)
            params = [Param("train.lr", str([0.1, 0.03, 0.01, 0.003, 0.001][i % 5])), Param("train.optimizer", opts[i % 4]),
                      Param("train.seed", str(i % 3)), Param("train.batch_size", str([32, 64, 128][i % 3])), Param("train.epochs", "10"),
                      Param("model.hidden", str([64 << (i % 3)])), Param("model.activation", "relu" if i % 2 == 0 else "tanh"),
                      Param("model.dropout", str((i % 4) * 0.1)), Param("data.validation", "5000"), Param("data.split_seed", str(i))]
            loss, acc, metrics = 2.0, 0.1, []
            for step in range(1, 101):
                loss *= 0.97 + 0.02 * rng.random()
                acc += (0.95 - acc) * 0.05 * rng.random()
                ts = int(time.time() * 1000)
                metrics += [Metric("train_loss", loss, ts, step), Metric("val_loss", loss * 1.1, ts, step), Metric("val_accuracy", acc, ts, step)]
            client.log_batch(run.info.run_id, metrics=metrics, params=params)
            client.set_terminated(run.info.run_id)
            run_ids.append(run.info.run_id)
            points += len(metrics)
        ingest_s = time.perf_counter() - start
        print(f"ingested {points} points in {ingest_s * 1000:.0f} ms: {points / ingest_s:.0f} points/s")
        best = float("inf")
        for _ in range(5):
            s = time.perf_counter()
            found = client.search_runs([exp], "params.`train.optimizer` = 'adam' and metrics.val_accuracy >= 0.5",
                                       order_by=["metrics.val_accuracy DESC"], max_results=50000)
            best = min(best, time.perf_counter() - s)
        print(f"listed {len(found)} of {args.runs} runs (filtered, sorted by a metric) in {best * 1000:.1f} ms")
        hist = float("inf")
        for _ in range(5):
            s = time.perf_counter()
            n = sum(len(client.get_metric_history(r, k)) for r in run_ids[:10] for k in ("train_loss", "val_loss", "val_accuracy"))
            hist = min(hist, time.perf_counter() - s)
        print(f"histories of 10 runs × 3 keys ({n} points) in {hist * 1000:.1f} ms")
        blob = os.path.join(root, "checkpoint.bin")
        with open(blob, "wb") as f:
            f.write(os.urandom(800_000))
        before = du(f"{root}/artifacts")
        s = time.perf_counter()
        for r in run_ids[:100]:
            client.log_artifact(r, blob)
        put_s = (time.perf_counter() - s) / 100
        copies = du(f"{root}/artifacts") - before
        print(f"100 identical 800 KB artifacts: {copies / 1e6:.1f} MB on disk, {put_s * 1000:.2f} ms each")
        print(json.dumps({"runs": args.runs, "points": points, "import_s": round(import_s, 2),
                          "ingest_points_per_second": round(points / ingest_s), "list_ms": round(best * 1000, 2),
                          "history_ms": round(hist * 1000, 2), "artifact_put_ms": round(put_s * 1000, 2),
                          "identical_artifacts_bytes": copies, "store_bytes": du(root)}, sort_keys=True))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
