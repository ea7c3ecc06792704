r"""One training loop for every network in mtjax (equinox + optax).

The model is any equinox module; `filter_spec` (default `equinox.is_inexact_array`) chooses
its trainable leaves: `eqx.partition` splits them off, `jax.value_and_grad` differentiates the
loss with respect to them, and an optax transformation updates them. The loss has the signature

    loss_fn(model, batch, key) -> (loss, aux)

where `batch` is a tuple of arrays sharing a leading axis and `aux` a dict of scalars to record.

- `make_step` builds that single step (a pure function: jit it, vmap it over restarts, scan it).
- `train_steps` runs `steps` full-batch steps in one `lax.scan` (small problems, vmappable over
  restarts and splits).
- `fit` runs epochs of shuffled minibatches with an explicit key: one jitted, scanned epoch
  (compiled once per shapes and static arguments, and reused across calls), a progress line on
  stderr, and a per-epoch history. The remainder of a shuffled epoch that does not fill a
  batch is dropped (static shapes); a new permutation each epoch means every sample is seen.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import PRNGKeyArray

from .._optimise import LossFn, _check_count, init_state, make_step, train_steps
from .._progress import Progress


@eqx.filter_jit
def _epoch(diff, static, opt_state, data, key, loss_fn, optimiser, filter_spec, batch_size):
    n = jax.tree_util.tree_leaves(data)[0].shape[0]
    n_batches = n // batch_size
    kp, ks = jax.random.split(key)
    idx = jax.random.permutation(kp, n)[: n_batches * batch_size].reshape(n_batches, batch_size)
    step = make_step(loss_fn, optimiser, filter_spec)

    def body(carry, xs):
        d, s = carry
        i, k = xs
        batch = jax.tree_util.tree_map(lambda a: a[i], data)
        m, s, loss, aux = step(eqx.combine(d, static), s, batch, k)
        return (eqx.filter(m, filter_spec), s), {"loss": loss, **aux}

    (diff, opt_state), hist = jax.lax.scan(body, (diff, opt_state),
                                           (idx, jax.random.split(ks, n_batches)))
    return diff, opt_state, jax.tree_util.tree_map(jnp.mean, hist)


def fit(model, loss_fn: LossFn, data: tuple, *, optimiser: optax.GradientTransformation,
        key: PRNGKeyArray, epochs: int = 1, batch_size: int = 32,
        filter_spec=eqx.is_inexact_array, evaluate: Callable | None = None,
        progress: bool | None = None, label: str = "training", opt_state=None):
    """Train `model` on minibatches of `data` for `epochs` epochs.

    **Arguments**

    - `model`: an equinox module; `filter_spec` picks its trainable leaves (a bool pytree or a
      predicate, as `eqx.partition` takes).
    - `loss_fn(model, batch, key) -> (loss, aux)`: mean loss of a minibatch (`batch` has the
      structure of `data`), `aux` a dict of scalars.
    - `data`: a tuple of arrays with one leading axis of N samples (e.g. `(x, y)`).
    - `optimiser`: an optax transformation; `opt_state` to resume (default: fresh).
    - `key`: PRNG key; epoch e shuffles with `fold_in(key, e)` and gives each step its key.
    - `batch_size`: samples per step (1 <= batch_size <= N).
    - `evaluate(model) -> dict`: run after each epoch (e.g. test accuracy), recorded.
    - `progress`: a line on stderr per epoch (default: when stderr is a terminal).

    The epoch is compiled once per data shapes and per `loss_fn`, `optimiser` and
    `filter_spec` *objects*: pass the same ones again (not a fresh `optax.adam(...)` or a
    redefined loss) to reuse the compilation across calls.

    **Returns** `(model, history)`: history is a dict of per-epoch lists (`loss`, the `aux`
    entries, the `evaluate` entries, `epoch_s` wall time) plus `opt_state`.

    **Raises** `ValueError` for an empty or ragged `data`, `epochs` or `batch_size` not ints
    in range, or a loss that became NaN/inf (naming the epoch), instead of training on.
    """
    epochs = _check_count("epochs", epochs)
    batch_size = _check_count("batch_size", batch_size)
    data = tuple(jnp.asarray(a) for a in data)
    if not data:
        raise ValueError("data must be a tuple of arrays (e.g. (x, y)), got an empty tuple")
    lead = {a.shape[0] if a.ndim else None for a in data}
    if len(lead) != 1 or None in lead:
        raise ValueError("the arrays of data must share one leading (sample) axis, got shapes "
                         f"{[a.shape for a in data]}")
    n = lead.pop()
    if batch_size > n:
        raise ValueError(f"batch_size must be <= the number of samples {n}, got {batch_size}")
    diff, static = eqx.partition(model, filter_spec)
    if opt_state is None:
        opt_state = optimiser.init(diff)
    bar = Progress(epochs, f"mtjax {label}: epochs", enabled=progress)
    history: dict[str, list] = {}
    for e in range(epochs):
        t0 = time.perf_counter()
        diff, opt_state, means = _epoch(diff, static, opt_state, data,
                                        jax.random.fold_in(key, e), loss_fn, optimiser,
                                        filter_spec, batch_size)
        means = {k: float(v) for k, v in means.items()}
        if not np.isfinite(means["loss"]):
            raise ValueError(f"{label}: the training loss became {means['loss']} in epoch "
                             f"{e + 1}; lower the learning rate or check the data")
        if evaluate is not None:
            means.update({k: float(v) for k, v in
                          evaluate(eqx.combine(diff, static)).items()})
        means["epoch_s"] = time.perf_counter() - t0
        for k, v in means.items():
            history.setdefault(k, []).append(v)
        bar.update(1)
    if bar.enabled and bar.done < bar.total:  # pragma: no cover - finished lines end themselves
        sys.stderr.write("\n")
    history["opt_state"] = opt_state
    return eqx.combine(diff, static), history


__all__ = ["LossFn", "fit", "init_state", "make_step", "train_steps"]
