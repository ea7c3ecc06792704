r"""Device-to-device and cycle-to-cycle variability for whole arrays (vectorised, keyed).

Device-to-device: every named parameter of a device is drawn per device as
$\mu + \sigma z$ (absolute spread) or $\mu(1 + \sigma z)$ (relative spread), $z \sim N(0, 1)$.
This is the reparameterisation PHYSICS.md §4.1 asks for: a sample is a smooth function of the
nominal values $\mu$ and of $\sigma$, so gradients flow to both (for a fixed key). Sampling
keeps the device's structure: `sample_devices(mtj, spread, key, (M, N))` returns the same
`LinearRVMTJ` type with fields of shape (M, N), ready for `jax.vmap` over M chains of N.

Cycle-to-cycle: `write_noise` perturbs programmed conductances per write (seed 003 measured
$\sigma_G$ = 2.53 µS on 0.94-1.1 mS).

A draw that flips the sign of a parameter (a negative resistance, a positive AP→P voltage) is
unphysical: it raises `ValueError` for concrete values and an `equinox.error_if` error under
`jit` — a spread that large is a modelling error, not something to clip silently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, PRNGKeyArray

from ..physics._checks import as_float, check_nonnegative, check_positive, fail_if, is_concrete


@dataclasses.dataclass(frozen=True)
class Spread:
    """Standard deviation of one parameter: `std` in the parameter's SI unit
    (`relative=False`) or as a fraction of its nominal value (`relative=True`).

    **Raises** `ValueError` for a `std` that is not finite and >= 0 (a traced `std` is checked
    when it is used, by `sample_devices`) or a `relative` that is not a bool."""

    std: float
    relative: bool = False

    def __post_init__(self):
        if not isinstance(self.relative, bool | np.bool_):
            raise ValueError(f"relative must be a bool, got {self.relative!r}")
        if is_concrete(self.std):
            check_nonnegative("std", self.std)


def _as_spread(name, value) -> Spread:
    if isinstance(value, Spread):
        return value
    if isinstance(value, tuple) and len(value) == 2 and value[1] in ("relative", "absolute"):
        return Spread(value[0], value[1] == "relative")
    if isinstance(value, int | float | np.floating | jax.Array | np.ndarray) and \
            not isinstance(value, bool):
        return Spread(value)
    raise TypeError(f"spread[{name!r}] must be a number (absolute std), (std, 'relative'|"
                    f"'absolute') or a Spread, got {value!r}")


def sample_devices(nominal: eqx.Module, spread: Mapping[str, object], key: PRNGKeyArray,
                   shape: tuple[int, ...] | int) -> eqx.Module:
    """Draw a population of devices around `nominal`.

    **Arguments**

    - `nominal`: an equinox device module with scalar (or per-device broadcastable) float
      fields, e.g. `LinearRVMTJ(**SEED000_PLACEHOLDER)`.
    - `spread`: field name -> standard deviation (absolute, SI), `(std, "relative")`, or a
      `Spread`. Fields not named are copied (broadcast) to every device.
    - `key`: PRNG key; field k uses `jax.random.fold_in(key, k)` in the order of `spread`.
    - `shape`: population shape, e.g. `(M, N)` for M chains of N junctions.

    **Returns** a module of the same type with every array field of shape `shape + field.shape`.

    **Raises** `ValueError` for an unknown field name, a negative or non-finite std, a shape
    that is not non-negative ints, or a draw that changes the sign of a parameter
    (`equinox.EquinoxRuntimeError` when traced).
    """
    shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
    if not all(isinstance(s, int | np.integer) and not isinstance(s, bool) and s >= 0
               for s in shape):
        raise ValueError(f"shape must be a population shape of ints >= 0, got {shape!r}")
    names = {f.name for f in dataclasses.fields(nominal)}
    for name in spread:
        if name not in names:
            raise ValueError(f"spread names unknown field {name!r} of {type(nominal).__name__} "
                             f"(fields: {sorted(names)})")
    out = nominal
    bad = []
    for k, f in enumerate(dataclasses.fields(nominal)):
        mu = getattr(nominal, f.name)
        if not isinstance(mu, (jax.Array, np.ndarray)):
            continue
        mu = as_float(mu)
        if f.name in spread:
            sp = _as_spread(f.name, spread[f.name])
            z = jax.random.normal(jax.random.fold_in(key, k), shape + mu.shape, mu.dtype)
            std = check_nonnegative(f"spread[{f.name!r}]", sp.std).astype(mu.dtype)
            value = mu * (1 + std * z) if sp.relative else mu + std * z
            bad.append((f.name, jnp.any(jnp.sign(value) != jnp.sign(mu))))
        else:
            value = jnp.broadcast_to(mu, shape + mu.shape)
        out = eqx.tree_at(lambda m, n=f.name: getattr(m, n), out, value)
    for name, flipped in bad:
        nominal_value = getattr(nominal, name)
        shown = (f" {np.asarray(nominal_value)}" if is_concrete(nominal_value) else "")
        out = fail_if(out, flipped, f"the spread of {name!r} is so large that some sampled "
                      f"devices have the opposite sign of the nominal value{shown} "
                      "(unphysical); reduce the spread")
    return out


def write_noise(key: PRNGKeyArray, conductance: ArrayLike, sigma: ArrayLike,
                *, relative: bool = False) -> Array:
    """Cycle-to-cycle write noise: each programmed conductance `conductance` (S) becomes
    G + sigma z (absolute, S) or G (1 + sigma z) (`relative=True`), z ~ N(0, 1) per element.
    Differentiable in `conductance` and `sigma` for a fixed key.

    **Raises** `ValueError` (`EquinoxRuntimeError` when traced) for a conductance not finite
    and > 0, a `sigma` not finite and >= 0, or a `sigma` so large that a noisy conductance is
    <= 0 (unphysical: a spread that large is a modelling error, not something to clip)."""
    g = check_positive("conductance", conductance, "S")
    sigma = check_nonnegative("sigma", sigma)
    z = jax.random.normal(key, g.shape, g.dtype)
    out = g * (1 + sigma * z) if relative else g + sigma * z
    return fail_if(out, out <= 0, "sigma is so large that a noisy conductance is <= 0 "
                   "(unphysical); reduce it")


__all__ = ["Spread", "sample_devices", "write_noise"]
