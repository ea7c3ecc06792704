r"""A network whose synapses are devices of one design, held at the model's root.

`DeviceNetwork(design, network, readout, quantiser)` computes the weight levels once per call
from the design (`readout.weight_levels(design.build().conductance_levels())`) and hands them
to the network, so the design's physical parameters reach the loss through every layer:

    logits = network(x, levels(design), quantiser=quantiser)

`trainable(model, network=..., design=...)` is the `filter_spec` that trains the network's
weights and gains, the design's unconstrained parameters, or both (co-design).
"""

from __future__ import annotations

import equinox as eqx
import jax
from jaxtyping import Array, Float, PRNGKeyArray

from ..devices._readout import AbstractReadout
from ._design import AbstractDesign
from ._layers import AbstractQuantiser, Nearest


class DeviceNetwork(eqx.Module):
    """`design` (an `AbstractDesign`), `network` (called as `network(x, levels, quantiser=,
    key=)`, e.g. a `DeviceMLP`), `readout` (an `AbstractReadout`), `quantiser` (default
    `Nearest()`). One example per call; batch with `jax.vmap`."""

    design: AbstractDesign
    network: eqx.Module
    readout: AbstractReadout
    quantiser: AbstractQuantiser = Nearest()

    def levels(self) -> Float[Array, " K"]:
        """The read-out's weight levels of the design's device (dimensionless, sorted)."""
        return self.readout.weight_levels(self.design.build().conductance_levels())

    def __call__(self, x: Array, *, key: PRNGKeyArray | None = None) -> Array:
        return self.network(x, self.levels(), quantiser=self.quantiser, key=key)


def trainable(model: DeviceNetwork, *, network: bool = True, design: bool = False):
    """A `filter_spec` (bool pytree) for `fit`: the network's float arrays when `network`, the
    design's unconstrained parameters (fields named `raw_*`) when `design`."""
    spec = jax.tree_util.tree_map(lambda _: False, model)
    if network:
        spec = eqx.tree_at(lambda m: m.network, spec,
                           jax.tree_util.tree_map(eqx.is_inexact_array, model.network))
    if design:
        names = [f for f in vars(model.design) if f.startswith("raw_")]
        for name in names:
            spec = eqx.tree_at(lambda m, n=name: getattr(m.design, n), spec, True)
    return spec


__all__ = ["DeviceNetwork", "trainable"]
