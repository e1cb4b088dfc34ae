#!/usr/bin/env python3
"""Writes mlp_adam.json: an independent NumPy reference for the engine.

A 6→5→4→3 MLP with tanh between its layers, in float64: the forward logits, the mean
softmax cross-entropy, every parameter's gradient, and the parameters after three Adam
steps (PyTorch's documented update rule) on the same batch. Run once; the JSON is
committed, so `swift test` needs no Python.

    python3 Tests/EngineTests/Fixtures/make_mlp_fixture.py
"""
import json
import os

import numpy as np

rng = np.random.default_rng(20261129)
sizes = [6, 5, 4, 3]
batch = 7
lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8

# Weights in PyTorch layout (out, in); float32 values so the engine starts from the same numbers.
params = {}
for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
    params[f"{2 * i}.weight"] = rng.uniform(-0.8, 0.8, (b, a)).astype(np.float32).astype(np.float64)
    params[f"{2 * i}.bias"] = rng.uniform(-0.3, 0.3, (b,)).astype(np.float32).astype(np.float64)
x = rng.uniform(0, 1, (batch, sizes[0])).astype(np.float32).astype(np.float64)
labels = rng.integers(0, sizes[-1], batch)
ACTIVATION = "tanh"  # between Linear layers


def act(z):
    return np.tanh(z)


def dact(z):
    return 1 - np.tanh(z) ** 2


def forward_backward(p):
    names = [f"{2 * i}" for i in range(len(sizes) - 1)]
    h, cache = x, []
    for k, n in enumerate(names):
        z = h @ p[f"{n}.weight"].T + p[f"{n}.bias"]
        cache.append((h, z))
        h = act(z) if k < len(names) - 1 else z
    logits = h
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    loss = np.mean((m[:, 0] + np.log(s[:, 0])) - logits[np.arange(batch), labels])
    d = e / s
    d[np.arange(batch), labels] -= 1
    d /= batch
    grads = {}
    for k in reversed(range(len(names))):
        n = names[k]
        h_in, z = cache[k]
        grads[f"{n}.weight"] = d.T @ h_in
        grads[f"{n}.bias"] = d.sum(axis=0)
        if k > 0:
            d = (d @ p[f"{n}.weight"]) * dact(cache[k - 1][1])
    return logits, loss, grads


logits, loss, grads = forward_backward(params)
p = {k: v.copy() for k, v in params.items()}
m = {k: np.zeros_like(v) for k, v in p.items()}
v = {k: np.zeros_like(v) for k, v in p.items()}
for t in range(1, 4):
    _, _, g = forward_backward(p)
    for k in p:
        m[k] = beta1 * m[k] + (1 - beta1) * g[k]
        v[k] = beta2 * v[k] + (1 - beta2) * g[k] ** 2
        mhat_scale = lr / (1 - beta1 ** t)
        denom = np.sqrt(v[k]) / np.sqrt(1 - beta2 ** t) + eps
        p[k] = p[k] - mhat_scale * m[k] / denom


def flat(a):
    return [float(z) for z in np.asarray(a).ravel()]


out = {
    "sizes": sizes, "activation": ACTIVATION, "batch": batch, "lr": lr,
    "x": flat(x), "labels": [int(l) for l in labels],
    "params": {k: flat(a) for k, a in params.items()},
    "logits": flat(logits), "loss": float(loss),
    "grads": {k: flat(a) for k, a in grads.items()},
    "after_3_adam_steps": {k: flat(a) for k, a in p.items()},
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp_adam.json"), "w") as f:
    json.dump(out, f, indent=1)
