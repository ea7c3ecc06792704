r"""Read-out circuits: from device conductances to signed synaptic weights.

A weight is held by D devices (one, or a differential pair), each programmed to one of its L
states. A read-out lists the K weight values those devices can represent — every *code*
(a state index per device, and a sign for circuits that apply one) — and the function that
turns the programmed conductances into the weight. Quantisers work with the sorted weight levels
(`weight_levels`); hardware evaluation programs the code of each chosen level into sampled,
noisy devices and reads back what the circuit computes (`realise`). Both are differentiable in
the conductances, so a device's physical parameters reach the loss through the levels.

Three circuits of the seed papers:

- `NormalisedReadout` (Kumar et al. 2024, seed 002): each conductance state, normalised by the
  largest, with either sign: $w \in \{\pm G_k/G_\mathrm{max}\}$ (2L levels). A 1-cell device
  with TMR 33 % offers $\pm\{0.75, 1\}$, so the accuracy depends on the TMR, as the seed
  reports (a min-max normalisation would give $\pm\{0, 1\}$ for every TMR).
- `DifferentialPair` (Rzeszut et al. 2022, seed 000): two cells per weight feeding a
  differential amplifier, $w = (G_P - G_N)/\bar G$ with $\bar G = (G_\mathrm{min} +
  G_\mathrm{max})/2$ (the divider's per-input normalisation, `differential_output`):
  every difference $G_a - G_b$, L² codes (duplicates kept so shapes are static).
- `BinaryReadout` (binarised networks, seed 003): a pair programmed to the two extreme states,
  $w = (G_P - G_N)/(G_\mathrm{max} - G_\mathrm{min}) = \pm 1$.

The reference conductances that normalise a weight ($G_\mathrm{max}$, $\bar G$, ...) belong to
the circuit: `realise` takes them from the *nominal* levels, so a device that came out of the
fab with a higher conductance gives a larger weight, as it would on a chip.
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int

from ..physics._checks import check_positive


def check_conductance_levels(g, name: str = "levels") -> Array:
    """`g` (S) as a float array of shape (L,), L >= 2, finite and > 0.

    **Raises** `ValueError` (shape; concrete values) or `EquinoxRuntimeError` (traced values)
    naming `name`."""
    g = check_positive(name, g, "S")
    if g.ndim != 1 or g.shape[0] < 2:
        raise ValueError(f"{name} must be a 1-D array of at least 2 conductances (S), got shape "
                         f"{g.shape}")
    return g


class AbstractReadout(eqx.Module):
    """Maps the conductance levels of D devices per weight to signed weights.

    Subclasses give `n_devices` (D), `codes(L)` (the static table of what can be
    programmed) and `combine` (the circuit's function)."""

    @property
    @abc.abstractmethod
    def n_devices(self) -> int:
        """Devices per weight, D."""

    @abc.abstractmethod
    def codes(self, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
        """Every programmable code for devices with `n_levels` states: state indices
        (K, D) and signs (K,) (+1 where the circuit applies none). Static (NumPy)."""

    @abc.abstractmethod
    def combine(self, g: Float[Array, "*batch D"], sign: Float[Array, "*batch"],
                g_ref: Float[Array, " L"]) -> Float[Array, "*batch"]:
        """The weight the circuit computes from the programmed conductances `g` (S, one per
        device of the weight), the code's `sign`, and the nominal levels `g_ref` (S) that set
        the circuit's reference."""

    def _sorted_codes(self, g: Array) -> tuple[Array, Array, Array]:
        idx, sign = self.codes(g.shape[0])
        values = self.combine(g[idx], jnp.asarray(sign, g.dtype), g)
        order = jnp.argsort(values, stable=True)
        return values[order], jnp.asarray(idx)[order], jnp.asarray(sign, g.dtype)[order]

    def weight_levels(self, g: ArrayLike) -> Float[Array, " K"]:
        """The K weights the circuit can hold with devices of conductance levels `g` (S, shape
        (L,)), sorted increasing (duplicates kept, so the shape is static). Differentiable in
        `g`.

        **Raises** for `g` not a 1-D array of >= 2 finite, positive conductances."""
        return self._sorted_codes(check_conductance_levels(g))[0]

    def realise(self, level_index: Int[ArrayLike, "*batch"], g_devices: ArrayLike,
                g_ref: ArrayLike) -> Float[Array, "*batch"]:
        """Weights read back from devices programmed to the codes of the chosen levels.

        - `level_index`: index into `weight_levels(g_ref)` of each weight (int, any shape S).
        - `g_devices`: the actual state conductances of each weight's devices, S, shape
          S + (D, L) (device-to-device spread; add cycle-to-cycle write noise before or after).
        - `g_ref`: the nominal levels (S, shape (L,)) the circuit is designed for.

        With `g_devices` equal to `g_ref` everywhere this returns `weight_levels(g_ref)
        [level_index]`. **Raises** for a `g_devices` shape other than S + (D, L)."""
        g_ref = check_conductance_levels(g_ref, "g_ref")
        g_dev = jnp.asarray(g_devices)
        k = jnp.asarray(level_index)
        want = k.shape + (self.n_devices, g_ref.shape[0])
        if g_dev.shape != want:
            raise ValueError(f"g_devices must have shape {want} (weights, devices per weight, "
                             f"levels), got {g_dev.shape}")
        _, idx, sign = self._sorted_codes(g_ref)
        states = idx[k]  # S + (D,)
        g_sel = jnp.take_along_axis(g_dev, states[..., None], axis=-1)[..., 0]
        return self.combine(g_sel, sign[k], g_ref)


class NormalisedReadout(AbstractReadout):
    r"""Seed 002: $w = \pm G_k/G_\mathrm{max}$, one device per weight and a sign."""

    @property
    def n_devices(self) -> int:
        return 1

    def codes(self, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
        k = np.arange(n_levels)
        return (np.concatenate([k, k])[:, None],
                np.concatenate([-np.ones(n_levels), np.ones(n_levels)]))

    def combine(self, g, sign, g_ref):
        return sign * g[..., 0] / jnp.max(g_ref)


class DifferentialPair(AbstractReadout):
    r"""Seed 000: $w = (G_P - G_N)/\bar G$, $\bar G = (G_\mathrm{min} + G_\mathrm{max})/2$."""

    @property
    def n_devices(self) -> int:
        return 2

    def codes(self, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.meshgrid(np.arange(n_levels), np.arange(n_levels), indexing="ij")
        return np.stack([a.ravel(), b.ravel()], axis=-1), np.ones(n_levels * n_levels)

    def combine(self, g, sign, g_ref):
        g_bar = 0.5 * (jnp.min(g_ref) + jnp.max(g_ref))
        return sign * (g[..., 0] - g[..., 1]) / g_bar


class BinaryReadout(AbstractReadout):
    r"""Binarised weights: a pair in the extreme states,
    $w = (G_P - G_N)/(G_\mathrm{max} - G_\mathrm{min}) = \pm 1$ nominally."""

    @property
    def n_devices(self) -> int:
        return 2

    def codes(self, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
        top = n_levels - 1
        return np.array([[0, top], [top, 0]]), np.ones(2)

    def combine(self, g, sign, g_ref):
        return sign * (g[..., 0] - g[..., 1]) / (jnp.max(g_ref) - jnp.min(g_ref))


READOUTS = {"normalised": NormalisedReadout, "differential": DifferentialPair,
            "binary": BinaryReadout}


def get_readout(readout: str | AbstractReadout) -> AbstractReadout:
    """An `AbstractReadout` from its name (`"normalised"`, `"differential"`, `"binary"`) or
    itself. **Raises** `ValueError` for an unknown name."""
    if isinstance(readout, AbstractReadout):
        return readout
    if readout not in READOUTS:
        raise ValueError(f"readout must be one of {sorted(READOUTS)} or an AbstractReadout, got "
                         f"{readout!r}")
    return READOUTS[readout]()


__all__ = ["AbstractReadout", "BinaryReadout", "DifferentialPair", "NormalisedReadout",
           "READOUTS", "check_conductance_levels", "get_readout"]
