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

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike

from ..physics._checks import check_finite, check_positive, describe, fail_if, is_concrete
from ._base import AbstractSynapse
from ._readout import AbstractReadout, DifferentialPair, NormalisedReadout, get_readout


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
    use `numpy.unique` for display). `DifferentialPair().weight_levels`. Differentiable in
    `levels`.

    **Raises** for levels that are not a 1-D array of >= 2 finite, positive conductances."""
    return DifferentialPair().weight_levels(levels)


def normalised_weight_levels(levels: ArrayLike) -> Array:
    r"""Seed 002's signed weight levels: $\pm G_k/G_\mathrm{max}$ for the device's conductance
    `levels` (S, shape (L,)), sorted, shape (2L,). `NormalisedReadout().weight_levels`.
    Differentiable in `levels`.

    **Raises** for levels that are not a 1-D array of >= 2 finite, positive conductances."""
    return NormalisedReadout().weight_levels(levels)


def device_weight_levels(device: AbstractSynapse, readout: str | AbstractReadout = "normalised",
                         **read) -> Array:
    """The signed weight levels a synapse offers through a read-out circuit: `readout`
    (a name of `READOUTS` or an `AbstractReadout`) applied to `device.conductance_levels(**read)`
    (e.g. `v_read=0.2` for a `SeriesChain`). Differentiable in the device's physical fields.

    **Raises** `ValueError` for a device that is not an `AbstractSynapse`, an unknown read-out,
    and whatever the read-out refuses."""
    if not isinstance(device, AbstractSynapse):
        raise ValueError(f"device must be an AbstractSynapse (SeriesChain, ParallelSOTCell, "
                         f"DWMTJ, ...), got {type(device).__name__}")
    return get_readout(readout).weight_levels(device.conductance_levels(**read))


__all__ = ["device_weight_levels", "differential_output", "differential_weight_levels",
           "normalised_weight_levels"]
