r"""The free layer of a magnetic tunnel junction, as a macrospin.

Energy (J), PHYSICS.md §1.2, with the applied and bias fields added by the caller:

$$E(m) = V\Big[-\mu_0 M_s H\cdot m - K_u (m\cdot u)^2 - \frac{K_s}{t_F} m_z^2
+ \frac{\mu_0 M_s^2}{2} m\cdot N m\Big],\qquad H_\mathrm{eff} = -\frac{1}{\mu_0 M_s V}
\frac{\partial E}{\partial m}.$$

In reduced units (`ReducedUnits`) all three anisotropies combine into one symmetric tensor
$\kappa = N - h_k\, u u^\top - h_s\, z z^\top$ with $h_k = 2K_u/(\mu_0 M_s^2)$ and
$h_s = 2K_s/(\mu_0 M_s^2 t_F)$, so that $e(m) = \tfrac12 m\cdot\kappa m - h\cdot m$ and
$h_\mathrm{eff} = h - \kappa m$.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .._custom_types import Vector3
from ..constants import KB, MU0, ROOM_TEMPERATURE
from ._checks import (
    check_finite,
    check_nonnegative,
    check_positive,
    check_vector3,
    describe,
    fail_if,
    is_concrete,
)
from ._units import ReducedUnits

_Z = (0.0, 0.0, 1.0)


def _safe_sqrt(x):
    """sqrt with a finite (zero) gradient at exactly x = 0 (double-where trick).

    Only the exact zero is special-cased: a negative or NaN argument gives NaN, as `sqrt` does,
    so an unphysical input (a negative temperature slipped past the constructor) is never
    turned into a silent zero."""
    zero = x == 0
    return jnp.where(zero, jnp.zeros_like(x), jnp.sqrt(jnp.where(zero, jnp.ones_like(x), x)))


def _transverse_basis(u: Vector3) -> tuple[Vector3, Vector3]:
    """Two unit vectors orthogonal to the unit vector `u` and to each other."""
    e = jnp.where(jnp.abs(u[0]) < 0.9, jnp.array([1.0, 0.0, 0.0], u.dtype),
                  jnp.array([0.0, 1.0, 0.0], u.dtype))
    v1 = e - jnp.dot(e, u) * u
    v1 = v1 / jnp.linalg.norm(v1)
    v2 = jnp.cross(u, v1)
    return v1, v2


class FreeLayer(eqx.Module):
    r"""A uniformly magnetised free layer (macrospin) with elliptic-cylinder shape.

    All fields are SI. A circle is an ellipse with `length == width`.

    **Arguments**

    - `ms`: saturation magnetisation $M_s$, A/m (> 0).
    - `thickness`: free-layer thickness $t_F$, m (> 0).
    - `length`: lateral size along x (major axis for an ellipse, diameter for a disk), m.
    - `width`: lateral size along y, m.
    - `alpha`: Gilbert damping $\alpha$ (> 0).
    - `demag`: diagonal of the demagnetising tensor $(N_{xx}, N_{yy}, N_{zz})$, trace 1.
      `FreeLayer.ellipse`/`FreeLayer.disk` compute it from the geometry.
    - `k_u`: bulk uniaxial anisotropy constant $K_u$, J/m³ (along `easy_axis`; may be 0).
    - `easy_axis`: unit vector $u$ of the bulk uniaxial anisotropy (normalised here).
    - `k_s`: interfacial perpendicular anisotropy $K_s$, J/m² (along z; may be 0).
    - `h_bias`: constant bias field (interlayer coupling, orange peel, stray field of the
      reference layer), A/m, 3-vector.
    - `temperature`: temperature $T$, K (>= 0).

    **Raises**

    Naming the field, if a value is unphysical (non-positive `ms`, `thickness`, `length`,
    `width`, `alpha`; negative `temperature`; NaN or inf anywhere; a demag tensor with a
    negative entry or a trace other than 1; a zero easy axis): `ValueError` at construction
    for concrete values, `equinox.EquinoxRuntimeError` when the compiled code runs for traced
    ones (inside `jit`, `vmap`, `grad`).
    """

    ms: Float[Array, ""]
    thickness: Float[Array, ""]
    length: Float[Array, ""]
    width: Float[Array, ""]
    alpha: Float[Array, ""]
    demag: Vector3
    k_u: Float[Array, ""]
    easy_axis: Vector3
    k_s: Float[Array, ""]
    h_bias: Vector3
    temperature: Float[Array, ""]

    def __init__(
        self,
        *,
        ms: ArrayLike,
        thickness: ArrayLike,
        length: ArrayLike,
        width: ArrayLike,
        alpha: ArrayLike,
        demag: ArrayLike,
        k_u: ArrayLike = 0.0,
        easy_axis: ArrayLike = _Z,
        k_s: ArrayLike = 0.0,
        h_bias: ArrayLike = (0.0, 0.0, 0.0),
        temperature: ArrayLike = ROOM_TEMPERATURE,
    ):
        self.ms = check_positive("ms", ms, "A/m")
        self.thickness = check_positive("thickness", thickness, "m")
        self.length = check_positive("length", length, "m")
        self.width = check_positive("width", width, "m")
        self.alpha = check_positive("alpha", alpha)
        demag = check_vector3("demag", demag)
        # per layer (the last axis), so that a batch of layers is checked layer by layer
        trace = jnp.sum(demag, axis=-1)
        bad = (jnp.abs(trace - 1.0) > 1e-3) | jnp.any(demag < 0, axis=-1)
        self.demag = fail_if(
            demag, bad,
            "demag must be non-negative with trace 1"
            + (f", got {describe(demag)} (trace {describe(trace)})"
               if is_concrete((bad, demag, trace)) else ""),
        )
        self.k_u = check_finite("k_u", k_u, "J/m^3")
        self.easy_axis = check_vector3("easy_axis", easy_axis, unit=True)
        self.k_s = check_finite("k_s", k_s, "J/m^2")
        self.h_bias = check_vector3("h_bias", h_bias)
        self.temperature = check_nonnegative("temperature", temperature, "K")

    # -- constructors -----------------------------------------------------------------------

    @classmethod
    def ellipse(cls, *, length: ArrayLike, width: ArrayLike, thickness: ArrayLike, **kwargs):
        """An elliptic free layer of full axes `length` (x) and `width` (y), m; the demagnetising
        factors are computed from the geometry unless `demag=` is given: with NumPy
        (`elliptic_cylinder_demag_factors`) for concrete sizes, and with the differentiable
        `demag_factors_jax` when the sizes are traced, so `jax.grad` with respect to diameter
        or thickness includes the shape anisotropy."""
        if "demag" not in kwargs:
            from ._demag import demag_factors_jax, elliptic_cylinder_demag_factors

            concrete = is_concrete((length, width, thickness))
            length = check_positive("length", length, "m")
            width = check_positive("width", width, "m")
            thickness = check_positive("thickness", thickness, "m")
            if concrete:  # NumPy numbers: no JAX operation (it would be traced inside jit)
                kwargs["demag"] = elliptic_cylinder_demag_factors(
                    np.asarray(length) / 2, np.asarray(width) / 2, np.asarray(thickness))
            else:  # traced geometry (jit/grad/vmap): the differentiable JAX quadrature
                kwargs["demag"] = demag_factors_jax(jnp.asarray(length) / 2,
                                                    jnp.asarray(width) / 2, thickness)
        return cls(length=length, width=width, thickness=thickness, **kwargs)

    @classmethod
    def disk(cls, *, diameter: ArrayLike, thickness: ArrayLike, **kwargs):
        """A circular free layer of the given diameter (m)."""
        return cls.ellipse(length=diameter, width=diameter, thickness=thickness, **kwargs)

    # -- derived quantities ------------------------------------------------------------------

    @property
    def area(self) -> Array:
        """Lateral area $\\pi a b/4$ of the ellipse, m²."""
        return (jnp.pi / 4) * self.length * self.width

    @property
    def volume(self) -> Array:
        """Free-layer volume, m³."""
        return self.area * self.thickness

    @property
    def units(self) -> ReducedUnits:
        """The reduced units of this layer (`ReducedUnits`)."""
        return ReducedUnits(self.ms, self.volume)

    @property
    def anisotropy_tensor(self) -> Float[Array, "3 3"]:
        """The reduced anisotropy tensor $\\kappa = N - h_k uu^T - h_s zz^T$ (dimensionless)."""
        u = self.easy_axis
        z = jnp.array(_Z, dtype=u.dtype)
        scale = MU0 * self.ms * self.ms
        hk = 2.0 * self.k_u / scale
        hs = 2.0 * self.k_s / (scale * self.thickness)
        return jnp.diag(self.demag) - hk * jnp.outer(u, u) - hs * jnp.outer(z, z)

    def effective_field(self, m: Vector3, h_applied: Vector3) -> Vector3:
        """$H_\\mathrm{eff}(m)$ in A/m for an applied field `h_applied` (A/m); includes `h_bias`."""
        h = (h_applied + self.h_bias) / self.ms
        return (h - self.anisotropy_tensor @ m) * self.ms

    def energy(self, m: Vector3, h_applied: Vector3 | None = None) -> Array:
        """Magnetic energy $E(m)$ in J (PHYSICS.md §1.2), including `h_bias`."""
        h = self.h_bias if h_applied is None else h_applied + self.h_bias
        e = 0.5 * m @ (self.anisotropy_tensor @ m) - (h / self.ms) @ m
        return self.units.energy_to_si(e)

    def stiffness_fields(self, h_along_axis: ArrayLike = 0.0) -> tuple[Array, Array]:
        r"""Principal stiffness fields $(H_1, H_2)$, A/m, about the easy axis, $H_1 \le H_2$.

        For small deviations $m = u + \delta$ the energy is
        $\tfrac12\mu_0 M_s V (H_1\delta_1^2 + H_2\delta_2^2)$; with a field `h_along_axis` (A/m)
        along $u$ both grow by that field. Perpendicular disk: $H_1 = H_2 = H_{k,\mathrm{eff}}$.
        In-plane easy axis x: $H_1 = H_k + M_s(N_{yy}-N_{xx})$, $H_2 = H_1 + M_\mathrm{eff}$.
        These enter the FMR frequency (PHYSICS.md §2.9) and the Sun threshold (§2.2).
        """
        u = self.easy_axis
        v1, v2 = _transverse_basis(u)
        k = self.anisotropy_tensor
        kuu = u @ k @ u
        a = v1 @ k @ v1 - kuu
        d = v2 @ k @ v2 - kuu
        b = v1 @ k @ v2
        mean = 0.5 * (a + d)
        rad = _safe_sqrt(0.25 * (a - d) ** 2 + b * b)
        h = h_along_axis / self.ms
        return (mean - rad + h) * self.ms, (mean + rad + h) * self.ms

    @property
    def hk_eff(self) -> Array:
        """Effective uniaxial anisotropy field $H_1$ (the smaller stiffness field), A/m."""
        return self.stiffness_fields()[0]

    @property
    def m_eff(self) -> Array:
        """Effective out-of-plane demagnetisation $M_\\mathrm{eff} = M_s(N_{zz}-N_{xx}) -
        2K_s/(\\mu_0 M_s t_F)$, A/m (positive for an in-plane film)."""
        return self.ms * (self.demag[2] - self.demag[0]) - 2.0 * self.k_s / (
            MU0 * self.ms * self.thickness
        )

    @property
    def thermal_stability(self) -> Array:
        r"""Macrospin thermal stability $\Delta = \mu_0 M_s H_1 V/(2 k_B T)$ (dimensionless).

        This is the *macrospin* barrier. Large devices reverse by nucleation and have a much
        smaller effective barrier; statistics use a separate $\Delta_\mathrm{eff}$
        (PHYSICS.md §2.1 flag; see `mtjax.physics.ThermalActivation`).
        """
        return MU0 * self.ms * self.hk_eff * self.volume / (2.0 * KB * self.temperature)

    @property
    def thermal_sigma(self) -> Array:
        r"""Reduced thermal-field strength $\sigma = \sqrt{2\alpha k_B T/(\mu_0 M_s^2 V)}$.

        Brown's field has $\langle h_i(\tau)h_j(\tau')\rangle = \sigma^2\delta_{ij}
        \delta(\tau-\tau')$ in reduced units (PHYSICS.md §1.6).
        """
        # safe sqrt: at T = 0 the gradient with respect to the layer's parameters must be 0,
        # not 0 * inf = NaN
        return _safe_sqrt(
            2.0 * self.alpha * KB * self.temperature / (MU0 * self.ms * self.ms * self.volume)
        )


def bulk_anisotropy_for_hk_eff(
    hk_eff: ArrayLike, ms: ArrayLike, demag: ArrayLike, *, k_s: ArrayLike = 0.0,
    thickness: ArrayLike = 1.0,
) -> Array:
    r"""The bulk perpendicular $K_u$ (J/m³) that gives a chosen $H_{k,\mathrm{eff}}$ (A/m).

    $K_u = \mu_0 M_s H_{k,\mathrm{eff}}/2 + \mu_0 M_s^2 (N_{zz}-N_{xx})/2 - K_s/t_F$
    (PHYSICS.md §2, parameter set pMTJ-A: $K_u = 8.70\times10^5$ J/m³ for 0.2 T).
    """
    demag = jnp.asarray(demag)
    return (
        0.5 * MU0 * ms * hk_eff + 0.5 * MU0 * ms * ms * (demag[2] - demag[0]) - k_s / thickness
    )
