r"""Device designs: the physical parameters a co-design trains, with their bounds.

A design holds the *unconstrained* value $u$ of each trained physical parameter and maps it into
its validated range $[a, b]$ by $p = a + (b - a)\,\sigma(u)$, so an optimiser can never step
outside the range where the device model holds. `build()` returns the device
(an `AbstractSynapse`), so a loss follows the parameter in one direction:

    design.t_f -> ParallelSOTCell.from_thickness -> conductance_levels -> read-out levels
              -> quantised weights -> network loss

A model holds its design once, at its root, so every layer shares the same leaves.
`design_labels()` labels those leaves `"design"` (and the rest `"network"`) for
`optax.multi_transform`, so devices and weights can have their own learning rates.
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike

from ..devices._base import AbstractSynapse
from ..devices._parallel import ParallelSOTCell, _check_cells
from ..physics._checks import check_nonnegative, check_range, describe, is_concrete


def to_unconstrained(value: ArrayLike, lo: float, hi: float, name: str = "value") -> Array:
    """$u = \\mathrm{logit}((p - a)/(b - a))$ for `value` p strictly inside (lo, hi).

    **Raises** `ValueError` (`EquinoxRuntimeError` when traced) naming `name` for a value
    outside the open interval (the bounds themselves are at infinite u)."""
    p = check_range(name, value, lo, hi, closed=False)
    x = (p - lo) / (hi - lo)
    return jnp.log(x) - jnp.log1p(-x)


def from_unconstrained(u: ArrayLike, lo: float, hi: float) -> Array:
    """$p = a + (b - a)\\,\\sigma(u)$."""
    return lo + (hi - lo) * jax.nn.sigmoid(jnp.asarray(u))


class AbstractDesign(eqx.Module):
    """A parameterised device: trainable unconstrained leaves, `build()` the device."""

    @abc.abstractmethod
    def build(self) -> AbstractSynapse:
        """The device at the design's current parameters (traceable)."""

    @abc.abstractmethod
    def physical(self) -> dict[str, Array]:
        """The designed physical parameters by name, SI (for reports)."""


#: validated free-layer thickness range of the seed-002 TMR(t_F) fit and breakdown data, m
SOT_THICKNESS_RANGE = (1.6e-9, 2.6e-9)


class SOTCellDesign(AbstractDesign):
    """Seed 002's compound SOT-MTJ with a trainable free-layer thickness.

    **Arguments**: `t_f` (m, strictly inside `bounds`), `n_cells` (int >= 1, static),
    `bounds` (default `SOT_THICKNESS_RANGE`, 1.6-2.6 nm: where the seed measured TMR,
    switching and breakdown voltages), `cell_spread` (relative spread of the cells' critical
    currents, default 0.05, see `ParallelSOTCell.from_thickness`).

    The thickness sets the TMR (so the levels), the critical write voltages and the breakdown
    voltage of `build()`.

    **Raises** `ValueError` naming the argument for a `t_f` outside the bounds, bad bounds,
    `n_cells` not an int >= 1 or a negative `cell_spread`.
    """

    raw_t_f: Array
    cell_spread: Array
    n_cells: int = eqx.field(static=True)
    bounds: tuple[float, float] = eqx.field(static=True)

    def __init__(self, t_f: ArrayLike, n_cells: int, *,
                 bounds: tuple[float, float] = SOT_THICKNESS_RANGE, cell_spread: ArrayLike = 0.05):
        lo, hi = (float(b) for b in bounds)
        if not (SOT_THICKNESS_RANGE[0] <= lo < hi <= SOT_THICKNESS_RANGE[1]):
            raise ValueError(f"bounds must satisfy {SOT_THICKNESS_RANGE[0]} <= lo < hi <= "
                             f"{SOT_THICKNESS_RANGE[1]} m (the model's validated range), got "
                             f"{bounds}")
        self.n_cells = _check_cells(n_cells)
        self.bounds = (lo, hi)
        if is_concrete(t_f) and not lo < float(np.asarray(t_f, np.float64)) < hi:
            raise ValueError(f"t_f must lie strictly inside ({lo:.3g}, {hi:.3g}) m (the "
                             f"validated range of the seed-002 model), got {describe(t_f)} m")
        # strongly typed leaves: a weakly typed Python-float leaf would turn strong after the
        # first optimiser update and make a jitted training step compile twice
        dtype = jnp.result_type(jnp.asarray(t_f).dtype, float)
        self.raw_t_f = jnp.asarray(to_unconstrained(t_f, lo, hi, "t_f"), dtype)
        self.cell_spread = jnp.asarray(check_nonnegative("cell_spread", cell_spread), dtype)

    @property
    def t_f(self) -> Array:
        """Free-layer thickness, m."""
        return from_unconstrained(self.raw_t_f, *self.bounds)

    def build(self) -> ParallelSOTCell:
        return ParallelSOTCell.from_thickness(self.t_f, self.n_cells,
                                              cell_spread=self.cell_spread)

    def physical(self) -> dict[str, Array]:
        return {"t_f": self.t_f}


def design_labels(design_attr: str = "design"):
    """The `param_labels` function for `optax.multi_transform`: labels every leaf under
    `params.<design_attr>` `"design"` and the others `"network"`, e.g.
    `optax.multi_transform({"network": optax.adam(1e-3), "design": optax.adam(0.05)},
    design_labels())`. (A function, not a pytree: the labels must follow the structure of
    the trainable part `fit` hands to the optimiser.)"""

    def labels(params):
        tree = jax.tree_util.tree_map(lambda _: "network", params)
        sub = jax.tree_util.tree_map(lambda _: "design", getattr(params, design_attr))
        return eqx.tree_at(lambda m: getattr(m, design_attr), tree, sub)

    return labels


__all__ = ["AbstractDesign", "SOTCellDesign", "SOT_THICKNESS_RANGE", "design_labels",
           "from_unconstrained", "to_unconstrained"]
