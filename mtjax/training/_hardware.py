r"""Hardware evaluation: a trained network programmed into sampled chips.

A chip holds one device per synapse (D per weight for a differential read-out), each drawn
around the nominal design with device-to-device spread (`sample_devices`), and every write
lands with cycle-to-cycle noise (`write_noise`). Programming a weight means choosing the code
of its nominal quantised level (`AbstractReadout.realise`); what the network then computes
with is what the read-out circuit makes of the *actual* conductances:

$$w_{ij} = s\;\mathrm{combine}\big(G^{(ij)}_{\mathrm{code}(k^*_{ij})} + \epsilon_{ij},\;
  G^\mathrm{nominal}\big),$$

with $s$ the layer's gain (`QuantisedLinear.scale`) and $k^*$ the nominal quantised level.
`program_weights` does this for one weight matrix and one chip; map it over chips with a key
per chip.
"""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, PRNGKeyArray

from ..devices._base import AbstractSynapse
from ..devices._readout import AbstractReadout
from ..devices._variability import sample_devices, write_noise
from ..physics._checks import check_positive
from ._quantise import nearest_level


def _levels_of_population(devices: AbstractSynapse, batch_ndim: int) -> Array:
    """conductance_levels of a population with `batch_ndim` leading axes on every field."""
    fn = type(devices).conductance_levels
    for _ in range(batch_ndim):
        fn = jax.vmap(fn)
    return fn(devices)


def program_weights(weight: ArrayLike, scale: ArrayLike, nominal: AbstractSynapse,
                    readout: AbstractReadout, *, key: PRNGKeyArray,
                    spread: Mapping[str, object] | None = None,
                    write_sigma: ArrayLike = 0.0, write_relative: bool = True) -> Array:
    """The weights one chip computes with after `weight` (any shape S) was quantised onto
    `readout.weight_levels(nominal.conductance_levels())` x `scale` (the layer's gain) and
    programmed.

    - `nominal`: the designed device (an `AbstractSynapse` with scalar/per-cell fields).
    - `spread`: device-to-device spread per field of `nominal` (see `sample_devices`; e.g.
      `{"tmr": (0.05, "relative")}`); None or empty: every device is nominal.
    - `write_sigma`, `write_relative`: cycle-to-cycle write noise on each programmed
      conductance (relative by default; `write_noise`).
    - `key`: PRNG key of this chip.

    **Returns** the realised weights, shape S. With no spread and no noise they equal the
    nominal quantised weights. **Raises** what `sample_devices`, `write_noise` and the read-out
    refuse (unknown field, a spread that flips a sign, non-positive conductances), and a
    `scale` not finite and > 0 (`EquinoxRuntimeError` when traced)."""
    w = jnp.asarray(weight)
    g_ref = nominal.conductance_levels()
    scale = check_positive("scale", scale).astype(w.dtype)
    k = nearest_level(w / scale, readout.weight_levels(g_ref).astype(w.dtype))
    shape = w.shape + (readout.n_devices,)
    k_dev, k_noise = jax.random.split(key)
    if spread:
        devices = sample_devices(nominal, spread, k_dev, shape)
        g_dev = _levels_of_population(devices, len(shape))
    else:
        g_dev = jnp.broadcast_to(g_ref, shape + g_ref.shape)
    g_dev = write_noise(k_noise, g_dev, write_sigma, relative=write_relative)
    return scale * readout.realise(k, g_dev, g_ref).astype(w.dtype)


__all__ = ["program_weights"]
