r"""The synapse interface every multi-level device implements.

A synapse offers a small set of programmable states; a network only needs their read
conductances. `AbstractSynapse.conductance_levels()` returns them **in siemens, in increasing
order**, as a differentiable function of the device's physical fields, so a loss that uses the
levels has a gradient with respect to those fields (free-layer thickness, TMR, notch positions,
...). Implementations never call `float()` on a field, so a synapse can be built and read inside
`jax.jit`, `jax.grad` and `jax.vmap` (a population of devices is one synapse with a leading
batch axis on its fields, read with `jax.vmap(lambda d: d.conductance_levels())(devices)`).

How conductances become signed weights is the read-out circuit's business, not the device's:
see `mtjax.devices.AbstractReadout`.

Implemented by `SeriesChain` (seed 000), `ParallelSOTCell` (seed 002) and `DWMTJ` (seed 003).
"""

from __future__ import annotations

import abc

import equinox as eqx
from jaxtyping import Array, Float


class AbstractSynapse(eqx.Module):
    """A multi-level synaptic device.

    Subclasses implement `conductance_levels`; `n_levels` follows from it (a static shape).
    """

    @abc.abstractmethod
    def conductance_levels(self) -> Float[Array, " L"]:
        """Read conductance of each programmable state, S, increasing (shape (L,), L >= 2).

        Differentiable in the device's array fields; usable under `jit`, `vmap` and `grad`."""

    @property
    def n_levels(self) -> int:
        """Number of programmable states L (static)."""
        return int(self.conductance_levels().shape[-1])


__all__ = ["AbstractSynapse"]
