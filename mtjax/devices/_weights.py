r"""From conductance levels to signed synaptic weights (seeds 000 and 002).

**Seed 000 (differential pair).** Each input i drives a pair of multi-level cells $G_{iP}$,
$G_{iN}$ through a resistive summing network and a differential amplifier:

$$V_d = -\frac{1}{G_\mathrm{sum}}\sum_{i=1}^m V_{\mathrm{in},i}(G_{iP} - G_{iN}),\qquad
G_\mathrm{sum} = m\,\frac{G_\mathrm{min} + G_\mathrm{max}}{2},$$

so the effective weight is $w_i = -(G_{iP} - G_{iN})/G_\mathrm{sum}$ (before the amplifier
gain). With N + 1 levels per cell a pair offers every difference $G_a - G_b$: 2N + 1 distinct
values for equally spaced levels, zero included.

**Seed 002 (normalised measured states).** The network is trained in full precision, then each
weight is replaced by the nearest of the device's conductance states "normalised", with both
signs. We normalise by the largest state, $\pm G_k/G_\mathrm{max}$: then a 1-cell device with
TMR 33 % offers ±{0.75, 1} and its accuracy depends on the TMR, as the seed reports (a
min-max normalisation would give ±{0, 1} for every TMR and no TMR dependence at all).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike

from ..physics._checks import check_finite, check_positive, describe, fail_if, is_concrete


def _levels(levels, min_size: int) -> Array:
    """`levels` (S) as a finite, positive 1-D array of at least `min_size` conductances."""
    g = check_positive("levels", levels, "S")
    if g.ndim != 1 or g.shape[0] < min_size:
        raise ValueError(f"levels must be a 1-D array of at least {min_size} conductance"
                         f"{'s' if min_size > 1 else ''} (S), got shape {g.shape}")
    return g


def differential_output(v_in: ArrayLike, g_pos: ArrayLike, g_neg: ArrayLike,
                        g_min: ArrayLike, g_max: ArrayLike) -> Array:
    """Seed 000's divider output $V_d$ (V) for inputs `v_in` (V, shape (..., m)) and pair
    conductances `g_pos`, `g_neg` (S, shape (..., m)); `g_min`, `g_max` are the smallest and
    largest conductance a cell can take (S).

    **Raises** `ValueError` (`EquinoxRuntimeError` when traced) for non-finite inputs,
    non-positive conductances, `g_max < g_min`, or shapes that do not share the trailing m."""
    v_in = check_finite("v_in", v_in, "V")
    g_pos, g_neg = check_positive("g_pos", g_pos, "S"), check_positive("g_neg", g_neg, "S")
    g_min, g_max = check_positive("g_min", g_min, "S"), check_positive("g_max", g_max, "S")
    g_max = fail_if(g_max, g_max < g_min, "g_max must be >= g_min"
                    + (f", got g_min={describe(g_min)}, g_max={describe(g_max)} S"
                       if is_concrete((g_min, g_max)) else ""))
    if v_in.ndim < 1 or g_pos.shape[-1:] != v_in.shape[-1:] or \
            g_neg.shape[-1:] != v_in.shape[-1:]:
        raise ValueError(f"v_in, g_pos and g_neg must share the trailing axis m (one per input), "
                         f"got shapes {v_in.shape}, {g_pos.shape}, {g_neg.shape}")
    m = v_in.shape[-1]
    g_sum = m * 0.5 * (g_min + g_max)
    return -jnp.sum(v_in * (g_pos - g_neg), axis=-1) / g_sum


def differential_weight_levels(levels: ArrayLike) -> Array:
    r"""All weights a differential pair of cells with conductance `levels` (S, shape (L,)) can
    hold, in units of $(G_\mathrm{min} + G_\mathrm{max})/2$ per input: the sorted
    $(G_a - G_b)/\bar G$ for every a, b (shape (L*L,), duplicates kept so the shape is static;
    use `numpy.unique` for display). Differentiable in `levels`.

    **Raises** for levels that are not a 1-D array of >= 2 finite, positive conductances."""
    g = _levels(levels, 2)
    g_bar = 0.5 * (jnp.min(g) + jnp.max(g))
    return jnp.sort((g[:, None] - g[None, :]).reshape(-1) / g_bar)


def normalised_weight_levels(levels: ArrayLike) -> Array:
    r"""Seed 002's signed weight levels: $\pm G_k/G_\mathrm{max}$ for the device's conductance
    `levels` (S, shape (L,)), sorted, shape (2L,). Differentiable in `levels`.

    **Raises** for levels that are not a non-empty 1-D array of finite, positive
    conductances."""
    g = _levels(levels, 1)
    u = g / jnp.max(g)
    return jnp.sort(jnp.concatenate([-u, u]))


def device_weight_levels(device, scheme: str = "normalised", v_read: ArrayLike = 0.1) -> Array:
    """The signed weight levels a device offers, differentiable in its physical parameters.

    - `device`: a `SeriesChain` (levels read at `v_read`, V, converted to conductances) or a
      `ParallelSOTCell` (anything with `levels()` in S, or in Ω for a chain).
    - `scheme`: `"normalised"` (seed 002, `normalised_weight_levels`) or `"differential"`
      (seed 000 pair, `differential_weight_levels`).

    **Raises** `ValueError` for an unknown `scheme` and whatever the level functions refuse.
    """
    from ._chain import SeriesChain

    if scheme not in ("normalised", "differential"):
        raise ValueError(f"scheme must be 'normalised' or 'differential', got {scheme!r}")
    g = 1.0 / device.levels(v_read) if isinstance(device, SeriesChain) else device.levels()
    return normalised_weight_levels(g) if scheme == "normalised" else \
        differential_weight_levels(g)


def quantise(w: ArrayLike, levels: ArrayLike, *, scale: ArrayLike = 1.0) -> Array:
    """Round each weight in `w` to the nearest of `scale * levels` (straight-through: the
    gradient with respect to `w` is the identity, PHYSICS.md §5 E; `levels` and `scale` get
    the gradient of the selected level).

    **Raises** `ValueError` (`EquinoxRuntimeError` when traced) for non-finite weights or
    levels, an empty or non-1-D `levels`, or a `scale` not finite and > 0."""
    w = check_finite("w", w)
    lv = check_finite("levels", levels)
    if lv.ndim != 1 or lv.shape[0] < 1:
        raise ValueError(f"levels must be a non-empty 1-D array, got shape {lv.shape}")
    lv = lv * check_positive("scale", scale)
    idx = jnp.argmin(jnp.abs(w[..., None] - lv), axis=-1)
    q = lv[idx]
    return w + jax.lax.stop_gradient(q - w) + (q - jax.lax.stop_gradient(q))


__all__ = ["device_weight_levels", "differential_output", "differential_weight_levels",
           "normalised_weight_levels", "quantise"]
