r"""Device-aware layers: linear maps whose weights are quantised onto a synapse's levels.

A layer describes one example (`x` of shape (in,)); batches come from `jax.vmap`, as in
`equinox.nn.Linear`. The weight levels are an *argument* of the call, computed once at the model's
root from the device (`AbstractDesign.build().conductance_levels()` through a read-out), so every
layer shares one set of device parameters and the gradient of the loss reaches them.

**Scale.** The read-out's levels are dimensionless (e.g. $\pm G_k/G_\mathrm{max}$, within
[-1, 1]); each layer maps them onto its weights with its own gain $s$ (the `scale` field, the
read-out amplifier's gain): the quantised weight is $s\,l_{k^*}$. `calibrate_scales` sets it
after training (post-training quantisation) by one of two rules:

- `"max"`: $s = \max|W|$, the largest weight on the largest state;
- `"mse"` (default): the $s$ that minimises $\|W - Q_s(W)\|^2$ on a grid of 128 values in
  $(0, \max|W|]$. With levels that have no state near zero (seed 002's $\pm G_k/G_\mathrm{max}$
  are all above $1/(1 + \mathrm{TMR})$ in magnitude) the max rule sends nearly every weight to
  the smallest magnitude, and the accuracy no longer depends on the TMR or the number of
  states; the MSE rule puts the small levels where the weights are.

In quantisation-aware training the scale is trained with the weights (its gradient is that of
the selected level, $\partial q/\partial s = l_{k^*}$, as in learned step-size quantisation,
Esser et al. 2019, arXiv:1902.08153).

**Quantisers** (`Nearest`, `Stochastic`, `Soft`) are small modules that say how weights meet the
levels; `None` in place of levels runs the layer in full precision.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ..physics._checks import check_positive
from ._quantise import _quantise, quantise, soft_quantise, stochastic_round


class AbstractQuantiser(eqx.Module):
    """How weights are put onto the levels: `q = quantiser(w, levels, scale, key=key)` takes
    values in `scale` x `levels` (`levels` dimensionless and sorted, `scale` > 0)."""

    @abc.abstractmethod
    def __call__(self, w: Array, levels: Array, scale: Array, *,
                 key: PRNGKeyArray | None = None) -> Array:
        """`w` quantised onto `scale` x the sorted `levels`."""


class Nearest(AbstractQuantiser):
    """Nearest level, straight-through (`quantise` with the gain fused in); deterministic."""

    def __call__(self, w, levels, scale, *, key=None):
        return _quantise(w, levels, scale)


class Stochastic(AbstractQuantiser):
    """Unbiased stochastic rounding (`stochastic_round`); needs a `key` per call."""

    def __call__(self, w, levels, scale, *, key=None):
        if key is None:
            raise ValueError("the Stochastic quantiser needs a PRNG key (key=...)")
        return stochastic_round(w, levels * scale, key=key)


class Soft(AbstractQuantiser):
    """Softmax over the levels (`soft_quantise`) with width `temperature` x the layer's scale:
    smooth in the level positions."""

    temperature: float = eqx.field(static=True)

    def __init__(self, temperature: float = 0.05):
        self.temperature = float(check_positive("temperature", temperature))

    def __call__(self, w, levels, scale, *, key=None):
        lv = levels * scale
        spacing = jax.lax.stop_gradient(jnp.max(jnp.abs(lv)))
        return soft_quantise(w, lv, self.temperature * spacing)


SCALE_RULES = ("mse", "max")


#: the default quantiser (a module-level instance: equinox modules are immutable)
NEAREST = Nearest()


def fit_scale(weight: Array, levels: Array, rule: str = "mse", n_grid: int = 128) -> Array:
    """The gain that maps the dimensionless `levels` onto `weight` by `rule` (`"mse"` or
    `"max"`, see the module docstring); held constant under differentiation.

    **Raises** `ValueError` for an unknown rule."""
    if rule not in SCALE_RULES:
        raise ValueError(f"scale rule must be one of {SCALE_RULES}, got {rule!r}")
    w = jax.lax.stop_gradient(jnp.asarray(weight))
    lv = jax.lax.stop_gradient(jnp.asarray(levels)).astype(w.dtype)
    top = jnp.max(jnp.abs(w)) / jnp.max(jnp.abs(lv))
    if rule == "max":
        return top
    grid = top * jnp.arange(1, n_grid + 1, dtype=w.dtype) / n_grid

    def err(s):
        return jnp.sum((w - jax.lax.stop_gradient(quantise(w, lv, s))) ** 2)

    return grid[jnp.argmin(jax.lax.map(err, grid))]


class QuantisedLinear(eqx.Module):
    r"""$y = Q(W)\,x + b$ for one example, with $Q$ onto `levels` x `scale`.

    **Arguments**: `in_features`, `out_features` (ints >= 1), `key` (initialisation:
    uniform in $\pm 1/\sqrt{\text{in}}$, like `equinox.nn.Linear`), `use_bias` (the bias
    stays in full precision: it is a peripheral offset, not a synapse), `dtype`.

    **Call**: `layer(x, levels=None, *, quantiser=Nearest(), key=None)` with `x` of shape
    (in_features,); `levels` the read-out's sorted, dimensionless weight levels (None: full
    precision).
    """

    weight: Float[Array, "out in"]
    bias: Float[Array, " out"] | None
    scale: Float[Array, ""]
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)

    def __init__(self, in_features: int, out_features: int, *, key: PRNGKeyArray,
                 use_bias: bool = True, dtype=None):
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        dtype = jnp.result_type(float) if dtype is None else dtype
        kw, kb = jax.random.split(key)
        lim = 1.0 / math.sqrt(in_features)
        self.weight = jax.random.uniform(kw, (out_features, in_features), dtype, -lim, lim)
        self.bias = jax.random.uniform(kb, (out_features,), dtype, -lim, lim) if use_bias \
            else None
        self.scale = jnp.asarray(lim, dtype)
        self.in_features, self.out_features = in_features, out_features

    def effective_weight(self, levels: Array | None = None, *,
                         quantiser: AbstractQuantiser = NEAREST,
                         key: PRNGKeyArray | None = None) -> Float[Array, "out in"]:
        """The weights the layer computes with: `weight` itself (no `levels`), or quantised onto
        `levels` x `scale`."""
        if levels is None:
            return self.weight
        # |scale|: a trained gain that steps through zero (the levels are symmetric) must not
        # turn the levels' order around
        return quantiser(self.weight, levels, jnp.abs(self.scale), key=key)

    def __call__(self, x: Float[Array, " in"], levels: Array | None = None, *,
                 quantiser: AbstractQuantiser = NEAREST,
                 key: PRNGKeyArray | None = None) -> Float[Array, " out"]:
        if x.shape != (self.in_features,):
            raise ValueError(f"QuantisedLinear takes one example of shape ({self.in_features},)"
                             f" (batch with jax.vmap), got shape {x.shape}")
        y = self.effective_weight(levels, quantiser=quantiser, key=key) @ x
        return y if self.bias is None else y + self.bias


class DeviceMLP(eqx.Module):
    """A multi-layer perceptron of `QuantisedLinear` layers (one example per call).

    **Arguments**: `sizes` (in, hidden..., out), `key`, `activation` (between layers; default
    `jax.nn.sigmoid`, seed 002's), `dtype`.

    **Call**: `mlp(x, levels=None, *, quantiser=Nearest(), key=None)` -> logits; `key` is split
    per layer (stochastic quantisers).
    """

    layers: tuple[QuantisedLinear, ...]
    activation: Callable = eqx.field(static=True)

    def __init__(self, sizes: Sequence[int], *, key: PRNGKeyArray,
                 activation: Callable = jax.nn.sigmoid, dtype=None):
        sizes = tuple(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least the input and output sizes, got {sizes}")
        keys = jax.random.split(key, len(sizes) - 1)
        self.layers = tuple(QuantisedLinear(a, b, key=k, dtype=dtype)
                            for a, b, k in zip(sizes[:-1], sizes[1:], keys, strict=True))
        self.activation = activation

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.layers[0].in_features,) + tuple(la.out_features for la in self.layers)

    def __call__(self, x: Float[Array, " in"], levels: Array | None = None, *,
                 quantiser: AbstractQuantiser = NEAREST,
                 key: PRNGKeyArray | None = None) -> Float[Array, " out"]:
        keys = [None] * len(self.layers) if key is None else \
            list(jax.random.split(key, len(self.layers)))
        for i, (layer, k) in enumerate(zip(self.layers, keys, strict=True)):
            x = layer(x, levels, quantiser=quantiser, key=k)
            if i < len(self.layers) - 1:
                x = self.activation(x)
        return x


def calibrate_scales(model, levels: Array, rule: str = "mse"):
    """`model` with the `scale` of every `QuantisedLinear` in it set by `fit_scale(weight,
    levels, rule)` (post-training quantisation, or the start of quantisation-aware training).

    **Raises** `ValueError` for an unknown rule."""
    is_layer = lambda x: isinstance(x, QuantisedLinear)  # noqa: E731
    layers = [x for x in jax.tree_util.tree_leaves(model, is_leaf=is_layer) if is_layer(x)]
    if not layers:
        raise ValueError("calibrate_scales: the model has no QuantisedLinear layer")
    new = [fit_scale(la.weight, levels, rule).astype(la.scale.dtype) for la in layers]
    return eqx.tree_at(
        lambda m: [x.scale for x in jax.tree_util.tree_leaves(m, is_leaf=is_layer)
                   if is_layer(x)], model, new)


__all__ = ["AbstractQuantiser", "DeviceMLP", "Nearest", "QuantisedLinear", "SCALE_RULES",
           "Soft", "Stochastic", "calibrate_scales", "fit_scale"]
