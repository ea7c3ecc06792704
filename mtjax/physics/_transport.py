r"""Tunnel transport of one MTJ: angle, bias, area (PHYSICS.md §4.4).

- Angle (Slonczewski/Jullière conductance interpolation):
  $G(\theta) = G_P\,\frac{1 + \cos\theta}{2} + G_{AP}\,\frac{1 - \cos\theta}{2}$, $R = 1/G$,
  with $\cos\theta = m\cdot m_\mathrm{ref}$.
- Bias: $\mathrm{TMR}(V) = \mathrm{TMR}_0/(1 + V^2/V_h^2)$ (`tmr_bias`), applied to the AP
  conductance, $G_{AP}(V) = G_P/(1 + \mathrm{TMR}(V))$, $G_P$ bias-independent to first order.
  Seed 000's linear R(V) branches (`mtjax.devices.LinearRVMTJ`) already contain the bias
  dependence empirically: do not apply both.
- Area: $R_P = \mathrm{RA}/A$.

Breakdown is a device limit, enforced by the devices (`ParallelSOTCell.check_drive`,
`program_array`), not here.
"""

from __future__ import annotations

from jaxtyping import Array, ArrayLike

from ._checks import check_positive, check_range
from ._thresholds import tmr_bias


def angular_conductance(cos_theta: ArrayLike, r_p: ArrayLike, r_ap: ArrayLike) -> Array:
    """Junction conductance (S) at relative angle $\\cos\\theta$ = m . m_ref between the P
    resistance `r_p` and the AP resistance `r_ap` (Ω).

    **Raises** naming the argument for `cos_theta` outside [-1, 1] or non-positive (or
    non-finite) resistances: `ValueError` for concrete values, `equinox.EquinoxRuntimeError`
    at run time for traced ones (as every function here)."""
    c = check_range("cos_theta", cos_theta, -1.0, 1.0)
    r_p = check_positive("r_p", r_p, "Ohm")
    r_ap = check_positive("r_ap", r_ap, "Ohm")
    return 0.5 * (1 + c) / r_p + 0.5 * (1 - c) / r_ap


def angular_resistance(cos_theta: ArrayLike, r_p: ArrayLike, r_ap: ArrayLike) -> Array:
    """1 / `angular_conductance` (Ω); same arguments and checks."""
    return 1.0 / angular_conductance(cos_theta, r_p, r_ap)


def junction_resistance(cos_theta: ArrayLike, v: ArrayLike, r_p: ArrayLike, tmr0: ArrayLike,
                        v_half: ArrayLike) -> Array:
    """Resistance (Ω) at angle `cos_theta` and bias `v` (V): P resistance `r_p` (Ω), zero-bias
    TMR `tmr0` (ratio, > 0) falling as `tmr_bias` with `v_half` (V).

    **Raises** naming the argument for a non-positive `tmr0`, `r_p` or `v_half`, a non-finite
    `v`, or `cos_theta` outside [-1, 1]."""
    tmr0 = check_positive("tmr0", tmr0)
    r_p = check_positive("r_p", r_p, "Ohm")
    tmr = tmr_bias(v, tmr0, v_half)
    return angular_resistance(cos_theta, r_p, r_p * (1 + tmr))


def resistance_from_ra(ra: ArrayLike, area: ArrayLike) -> Array:
    """P-state resistance (Ω) from the resistance-area product `ra` (Ω m²) and the junction
    area `area` (m²).

    **Raises** naming the argument for a non-positive or non-finite `ra` or `area`."""
    ra = check_positive("ra", ra, "Ohm m^2")
    area = check_positive("area", area, "m^2")
    return ra / area


def tmr_from_resistances(r_p: ArrayLike, r_ap: ArrayLike) -> Array:
    """$(R_{AP} - R_P)/R_P$ (ratio) from the P and AP resistances (Ω).

    **Raises** naming the argument for a non-positive or non-finite `r_p` or `r_ap`."""
    r_p = check_positive("r_p", r_p, "Ohm")
    r_ap = check_positive("r_ap", r_ap, "Ohm")
    return r_ap / r_p - 1


__all__ = ["angular_conductance", "angular_resistance", "junction_resistance",
           "resistance_from_ra", "tmr_from_resistances"]
