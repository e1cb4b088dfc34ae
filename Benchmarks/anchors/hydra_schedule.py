#!/usr/bin/env python3
"""Hydra anchor for `cairn-bench schedule`: per-job overhead of a multirun of trivial jobs.

Runs an app with a trivial task through `--multirun seed=range(0,N)` with Hydra's basic
launcher (sequential, all jobs in one process), and reports (wall − Σ task time) / N.

    pip install hydra-core
    python3 Benchmarks/anchors/hydra_schedule.py --runs 200
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

APP = '''
import json, os, time
import hydra
from omegaconf import DictConfig

@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    start = time.perf_counter()
    x = sum(i * cfg.seed for i in range(100))  # the trivial task
    with open(os.environ["TASK_TIMES"], "a") as f:
        f.write(f"{time.perf_counter() - start}\\n")

if __name__ == "__main__":
    main()
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(f"{d}/conf")
        with open(f"{d}/conf/config.yaml", "w") as f:
            f.write("seed: 0\n")
        with open(f"{d}/app.py", "w") as f:
            f.write(APP)
        times = f"{d}/times.txt"
        env = dict(os.environ, TASK_TIMES=times)
        start = time.perf_counter()
        subprocess.run([sys.executable, f"{d}/app.py", "--multirun", f"seed=range(0,{args.runs})", f"hydra.sweep.dir={d}/multirun"],
                       cwd=d, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - start
        task = sum(float(x) for x in open(times))
        per_job = (wall - task) / args.runs * 1000
        print(f"{args.runs} trivial jobs with Hydra's basic launcher: {wall:.2f} s wall, {task:.4f} s of tasks: {per_job:.1f} ms per job")
        print(json.dumps({"runs": args.runs, "overhead_ms_per_run": round(per_job, 1), "sweep_seconds": round(wall, 2)}))


if __name__ == "__main__":
    main()
