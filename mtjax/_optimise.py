r"""The optimisation step every mtjax fit uses, below the device layer.

`make_step` (one optax step on the trainable leaves of an equinox model, chosen by a
`filter_spec`) and `train_steps` (that step in one `lax.scan`, full batch, pure and vmappable)
serve both the device calibrations in `mtjax.devices` (compact-model and notch-depth fits) and
the network training of `mtjax.training` (which adds minibatch epochs, `fit`). They live here,
at the package root, so that devices need not import the training layer above them.

The loss has the signature `loss_fn(model, batch, key) -> (loss, aux)`, `aux` a dict of
scalars to record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import numpy as np
import optax
from jaxtyping import PRNGKeyArray

LossFn = Callable[[Any, tuple, PRNGKeyArray], tuple[jax.Array, dict]]


def make_step(loss_fn: LossFn, optimiser: optax.GradientTransformation,
              filter_spec=eqx.is_inexact_array) -> Callable:
    """One optimisation step: `step(model, opt_state, batch, key) -> (model, opt_state, loss,
    aux)`, with `opt_state = optimiser.init(eqx.filter(model, filter_spec))`. Pure; `jit`,
    `vmap` and `scan` compose with it."""

    def step(model, opt_state, batch, key):
        diff, static = eqx.partition(model, filter_spec)

        def f(d):
            return loss_fn(eqx.combine(d, static), batch, key)

        (loss, aux), grads = jax.value_and_grad(f, has_aux=True)(diff)
        updates, opt_state = optimiser.update(grads, opt_state, diff)
        diff = eqx.apply_updates(diff, updates)
        return eqx.combine(diff, static), opt_state, loss, aux

    return step


def init_state(model, optimiser: optax.GradientTransformation, filter_spec=eqx.is_inexact_array):
    """The optimiser state for the trainable leaves of `model`."""
    return optimiser.init(eqx.filter(model, filter_spec))


def train_steps(model, loss_fn: LossFn, batch: tuple, *, optimiser: optax.GradientTransformation,
                steps: int, key: PRNGKeyArray, filter_spec=eqx.is_inexact_array,
                record: Callable | None = None):
    """`steps` full-batch steps in one `lax.scan`. Returns (model, history): history holds
    `loss`, every `aux` entry and, if given, `record(model)` (a dict) after each step, as arrays
    with a leading axis of length `steps`. Pure (no progress output), so it can be `vmap`ped
    over restarts or splits.

    **Raises** `ValueError` for `steps` not an int >= 1."""
    _check_count("steps", steps)
    step = make_step(loss_fn, optimiser, filter_spec)
    diff, static = eqx.partition(model, filter_spec)

    def body(carry, k):
        d, s = carry
        m, s, loss, aux = step(eqx.combine(d, static), s, batch, k)
        rec = {"loss": loss, **aux}
        if record is not None:
            rec.update(record(m))
        return (eqx.filter(m, filter_spec), s), rec

    (diff, _), hist = jax.lax.scan(body, (diff, init_state(model, optimiser, filter_spec)),
                                   jax.random.split(key, steps))
    return eqx.combine(diff, static), hist


def _check_count(name: str, value, minimum: int = 1) -> int:
    if not (isinstance(value, int | np.integer) and not isinstance(value, bool)
            and value >= minimum):
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


__all__ = ["LossFn", "init_state", "make_step", "train_steps"]
