r"""Quantisers: weights onto the levels a device offers.

Every quantiser here takes the weights `w` and the sorted 1-D `levels` (already scaled to the
weights' range) and returns values drawn from `levels`, with gradients chosen so that both the
network and the device can be trained through it:

- **to the weights**, straight through (the identity; Bengio et al. 2013, arXiv:1308.3432):
  rounding has zero derivative almost everywhere, which would stop training;
- **to the levels**, the true derivative of the selected level, $\partial q/\partial l_k =
  [k = k^*(w)]$: a level's gradient is the sum of the gradients of the weights that sit on it,
  so a device parameter that moves the levels (free-layer thickness through the TMR, ...) gets
  the derivative of the loss with the assignment held fixed.

`soft_quantise` replaces the argmin by a softmax of width `temperature` (in the weights'
units): a smooth function of both weights and levels whose derivative includes weights moving
from one level to the next, for objectives that must be differentiable in the level positions
in the ordinary sense (a finite-difference check, a co-design sweep). As the temperature goes
to 0 it becomes `quantise`.

`stochastic_round` rounds to one of the two neighbouring levels with probabilities that make
the result unbiased inside the levels' range, $E[q] = w$ (Gupta et al. 2015,
arXiv:1502.02551), with an explicit key.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Int, PRNGKeyArray

from ..physics._checks import check_finite, check_positive, describe, fail_if, is_concrete


def check_levels(levels: ArrayLike, dtype=None, name: str = "levels") -> Array:
    """`levels` as a 1-D float array of >= 1 finite values in non-decreasing order, of `dtype`
    when given (mixing float32 weights with float64 levels would silently promote).

    **Raises** `ValueError` (shape, dtype, or concrete values) or `EquinoxRuntimeError`
    (traced values) naming `name`."""
    lv = jnp.asarray(levels)
    if lv.ndim != 1 or lv.shape[0] < 1:
        raise ValueError(f"{name} must be a non-empty 1-D array of weight levels, got shape "
                         f"{lv.shape}")
    if dtype is not None and lv.dtype != jnp.dtype(dtype):
        raise ValueError(f"{name} must have the weights' dtype {jnp.dtype(dtype)}, got "
                         f"{lv.dtype}; convert one of them")
    lv = check_finite(name, lv)
    unsorted = jnp.any(lv[1:] < lv[:-1])
    return fail_if(lv, unsorted, f"{name} must be sorted in increasing order"
                   + (f", got {describe(lv)}" if is_concrete(lv) else ""))


def _check_weights(w: ArrayLike) -> Array:
    w = jnp.asarray(w)
    if not jnp.issubdtype(w.dtype, jnp.floating):
        raise ValueError(f"w must be a float array of weights, got dtype {w.dtype}")
    return check_finite("w", w)


def nearest_level(w: ArrayLike, levels: ArrayLike) -> Int[Array, "*shape"]:
    """Index of the level nearest to each weight (ties go to the lower level): the number of
    midpoints between consecutive levels that lie strictly below the weight.

    **Raises** as `quantise`."""
    w = _check_weights(w)
    lv = check_levels(levels, w.dtype)
    return _nearest(w, lv)


#: up to this many levels the nearest level is found by a chain of elementwise comparisons
#: (XLA fuses it into one loop over the weights: ~25 us for 100k weights and 8 levels on one
#: CPU core, against ~560 us for jnp.searchsorted's default scan); above it, by sorting search
_CHAIN_MAX_LEVELS = 64


def _nearest(w, lv):
    k = lv.shape[0]
    mid = 0.5 * (lv[1:] + lv[:-1])
    if k <= _CHAIN_MAX_LEVELS:
        idx = jnp.zeros(w.shape, jnp.int32)
        for j in range(k - 1):
            idx = idx + (w > mid[j]).astype(jnp.int32)
        return idx
    return jnp.searchsorted(mid, w, side="left", method="compare_all").astype(jnp.int32)


def _select_nearest(w, lv, bounds):
    """The level nearest to each weight as values, by a chain of selects against the decision
    `bounds` (K - 1 midpoints, held constant): no gather, and a backward pass of selects rather
    than a scatter of every weight's gradient into K slots."""
    q = jnp.broadcast_to(lv[0], w.shape)
    for j in range(lv.shape[0] - 1):
        q = jnp.where(w > bounds[j], lv[j + 1], q)
    return q


def _ste(w, q):
    """`q` in value (exactly: the two gradient carriers are exact zeros, where the usual
    `w + stop_gradient(q - w)` is off by a rounding error), identity gradient to `w`, `q`'s own
    gradient to whatever `q` depends on."""
    return jax.lax.stop_gradient(q) + (w - jax.lax.stop_gradient(w)) + \
        (q - jax.lax.stop_gradient(q))


def quantise(w: ArrayLike, levels: ArrayLike, scale: ArrayLike | None = None
             ) -> Float[Array, "*shape"]:
    """Each weight replaced by the nearest of the sorted `levels` (times `scale`, a gain > 0,
    when given), with the straight-through gradient to `w`, the selected level's gradient to
    `levels` and $\\partial q/\\partial s = l_{k^*}$ to `scale` (see the module docstring).

    **Raises** `ValueError` (`EquinoxRuntimeError` when traced) for weights that are not a
    finite float array, `levels` not a non-empty, sorted, finite 1-D array of the weights'
    dtype, or a `scale` not finite and > 0."""
    w = _check_weights(w)
    lv = check_levels(levels, w.dtype)
    if scale is not None:
        scale = check_positive("scale", scale).astype(w.dtype)
    return _quantise(w, lv, scale)


def _quantise(w, lv, scale):
    """`quantise` without the argument checks, for the training hot path (a layer's weights
    and the read-out's sorted levels; a NaN weight still shows as a NaN loss, which `fit`
    refuses)."""
    if lv.shape[0] > _CHAIN_MAX_LEVELS:
        q = lv[_nearest(w, lv)] if scale is None else scale * lv[_nearest(w / scale, lv)]
        return _ste(w, q)
    bounds = jax.lax.stop_gradient(0.5 * (lv[1:] + lv[:-1]))
    if scale is None:
        return _ste(w, _select_nearest(w, lv, bounds))
    s = scale
    ss = jax.lax.stop_gradient(s)
    u = _select_nearest(w, lv, ss * bounds)  # dimensionless level of each weight
    us = jax.lax.stop_gradient(u)
    return ss * us + (w - jax.lax.stop_gradient(w)) + (s - ss) * us + ss * (u - us)


def soft_quantise(w: ArrayLike, levels: ArrayLike, temperature: ArrayLike
                  ) -> Float[Array, "*shape"]:
    r"""$\sum_k \mathrm{softmax}_k(-(w - l_k)^2/(2\tau^2))\,l_k$ with width $\tau$ =
    `temperature` (> 0, in the weights' units): smooth in `w` and `levels`, the nearest level
    as $\tau \to 0$. Builds a (weights x levels) array.

    **Raises** as `quantise`, and for a `temperature` not finite and > 0."""
    w = _check_weights(w)
    lv = check_levels(levels, w.dtype)
    tau = check_positive("temperature", temperature).astype(w.dtype)
    logits = -0.5 * ((w[..., None] - lv) / tau) ** 2
    return jnp.sum(jax.nn.softmax(logits, axis=-1) * lv, axis=-1)


def stochastic_round(w: ArrayLike, levels: ArrayLike, *, key: PRNGKeyArray
                     ) -> Float[Array, "*shape"]:
    r"""Round each weight to the level just below or just above it, choosing the upper one with
    probability $(w - l_a)/(l_b - l_a)$, so $E[q] = w$ for $l_0 \le w \le l_{K-1}$ (weights
    outside the range go to the end level). Straight-through gradient to `w`, the selected
    level's gradient to `levels`. `key` is a JAX PRNG key (one draw per weight).

    **Raises** as `quantise`."""
    w = _check_weights(w)
    lv = check_levels(levels, w.dtype)
    k = lv.shape[0]
    if k == 1:
        return _ste(w, jnp.broadcast_to(lv[0], w.shape))
    hi = jnp.clip(jnp.searchsorted(lv, w, side="right"), 1, k - 1)
    lo = hi - 1
    gap = lv[hi] - lv[lo]
    frac = jnp.clip((w - lv[lo]) / jnp.where(gap > 0, gap, 1.0), 0.0, 1.0)
    up = jax.random.uniform(key, w.shape, w.dtype) < jax.lax.stop_gradient(frac)
    return _ste(w, lv[jnp.where(up, hi, lo)])


def sign_ste(x: ArrayLike) -> Float[Array, "*shape"]:
    r"""$\mathrm{sign}(x)$ (with sign(0) = +1) in value, the gradient of
    $\mathrm{hardtanh}(x)$ (1 for |x| <= 1, else 0): the binarised-network activation of
    Courbariaux et al. 2016 (arXiv:1602.02830)."""
    x = jnp.asarray(x)
    s = jnp.where(x >= 0, 1.0, -1.0).astype(x.dtype)
    h = jnp.clip(x, -1.0, 1.0)
    return h + jax.lax.stop_gradient(s - h)


__all__ = ["check_levels", "nearest_level", "quantise", "sign_ste", "soft_quantise",
           "stochastic_round"]
