#!/usr/bin/env python
"""Speed of the seed-001 classifier training (`train_chain` on `train_steps`), printed as JSON.

One jitted call trains S splits x R restarts (vmapped) of the 3-MTJ chain for `--steps` Adam
steps on the bundled vowels (full batch, 259 samples padded with weights). Reported: compile
time (first call minus a steady call), steady wall time (median of `--repeats`), model-steps per
second (S x R x steps / time), and the end-to-end wall time of `mtjax vowels` defaults is left to
the CLI's own `elapsed_s`.

Usage: `python benchmarks/vowels_training.py [--splits 5] [--restarts 4] [--steps 800]
[--inputs 2] [--repeats 3] [--out FILE]`.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

import mtjax
from mtjax import datasets
from mtjax.training import TrainConfig, default_chain, init_restarts, make_split, train_chain


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", type=int, default=5)
    ap.add_argument("--restarts", type=int, default=4)
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument("--inputs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()

    v = datasets.load_vowels()
    x_raw, y = np.asarray(v.features, float), np.asarray(v.labels, int)
    chain = default_chain(3)
    tc = TrainConfig(steps=a.steps, restarts=a.restarts, n_inputs=a.inputs)
    xs, wt, inits = [], [], []
    for s in range(a.splits):
        tr, te = datasets.talker_split(v, 0.2, s)
        sp = make_split(x_raw, tr, te, "talker", s)
        x = ((x_raw - sp.mean) / sp.std).astype(np.float32)
        w = np.zeros(len(y), np.float32)
        w[tr] = 1
        xs.append(x)
        wt.append(w)
        inits.append(init_restarts(chain, x[tr], y[tr], 7, tc, jax.random.key(s)))
    p0 = jax.tree_util.tree_map(lambda *q: jnp.stack(q), *inits)
    yj = jnp.asarray(y)

    run = jax.jit(jax.vmap(jax.vmap(lambda p, x, w: train_chain(chain, p, x, yj, w, tc)[0],
                                    in_axes=(0, None, None))))
    args = (p0, jnp.asarray(np.stack(xs)), jnp.asarray(np.stack(wt)))
    t0 = time.perf_counter()
    jax.block_until_ready(run(*args))
    first = time.perf_counter() - t0
    times = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(run(*args))
        times.append(time.perf_counter() - t0)
    steady = statistics.median(times)
    models = a.splits * a.restarts
    out = {
        "benchmark": "vowels_training",
        "mtjax": mtjax.__version__, "jax": jax.__version__,
        "backend": jax.default_backend(), "cpu_count": __import__("os").cpu_count(),
        "machine": platform.machine(),
        "splits": a.splits, "restarts": a.restarts, "steps": a.steps, "inputs": a.inputs,
        "samples": int(len(y)),
        "compile_s": first - steady, "steady_s": steady, "steady_all_s": times,
        "model_steps_per_s": models * a.steps / steady,
    }
    text = json.dumps(out, indent=2)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
