#!/usr/bin/env python3
"""PyTorch anchor for `cairn-bench engine`: the same work, single-threaded.

The seed model (784→256→10, ReLU, softmax cross-entropy, Adam lr 1e-3) trained for one
epoch on Fashion-MNIST's 60,000 training images at each batch size, with
torch.set_num_threads(--threads, 1 by default). Prints one line per batch size and, last,
one JSON object.

    pip install torch numpy
    python3 Benchmarks/anchors/pytorch_engine.py --batch 64 256 [--threads 2]
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch


def idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    dims = int.from_bytes(data[3:4], "big")
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, nargs="+", default=[64, 256])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--fused", action="store_true", help="Adam(fused=True)")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.tensor(idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz")).reshape(-1, 784), dtype=torch.float32) / 255
    y = torch.tensor(idx(os.path.join(args.data_dir, "train-labels-idx1-ubyte.gz")), dtype=torch.long)
    out = {"torch_version": torch.__version__, "threads": torch.get_num_threads()}
    for b in args.batch:
        model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=args.fused or None)
        loss_fn = torch.nn.CrossEntropyLoss()
        best = 0.0
        for _ in range(args.epochs):
            perm = torch.randperm(x.shape[0])
            start = time.perf_counter()
            for i in range(0, x.shape[0], b):
                idx_b = perm[i:i + b]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x[idx_b]), y[idx_b])
                loss.backward()
                opt.step()
            best = max(best, x.shape[0] / (time.perf_counter() - start))
        print(f"batch {b}: {best:.0f} samples/s (PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s))")
        out[f"samples_per_second_batch_{b}"] = round(best)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
