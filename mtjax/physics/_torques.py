r"""Spin torques: Slonczewski spin-transfer (MTJ) and spin-orbit (heavy-metal channel).

Each torque contributes a damping-like amplitude $a$ and a field-like amplitude $b$ (both A/m)
along a unit polarisation $p$ (PHYSICS.md §1.3-1.5). In the explicit Landau-Lifshitz form the
LLGS equation reads

$$\dot m = -\gamma'\mu_0\Big[m\times h + \alpha\, m\times(m\times h)\Big]
 - \gamma'\mu_0\sum_k\Big[(a_k+\alpha b_k)\, m\times(m\times p_k)
 + (b_k-\alpha a_k)\, m\times p_k\Big],$$

$\gamma' = \gamma/(1+\alpha^2)$. With $a > 0$ the damping-like torque drives $m$ toward $p$.

Sign convention (seed 001, adopted globally): **a positive MTJ current means electrons flow from
the reference layer into the free layer; it favours the parallel state**.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from .._custom_types import Vector3
from ..constants import E_CHARGE, HBAR, MU0
from ._checks import check_finite, check_positive, check_range, check_vector3

# hbar/(2e) in J/A (= V s): kept as one Python float so that float32 never forms hbar*I ~ 1e-38.
_HBAR_OVER_2E = HBAR / (2.0 * E_CHARGE)


class SpinTransferTorque(eqx.Module):
    r"""Slonczewski spin-transfer torque of a tunnel junction.

    $a_\mathrm{STT} = \frac{\hbar\,\eta(\theta)\,I}{2e\,\mu_0 M_s V}$ (A/m), $b = \xi a$,
    $p = m_\mathrm{ref}$,
    with the angular efficiency $\eta(\theta) = A/(1 + B\cos\theta)$, $\cos\theta = m\cdot p$, fixed
    by its parallel and antiparallel values. The Slonczewski tunnelling form
    $\eta = P/(2(1+P^2\cos\theta))$ (PRB 71, 024411 (2005)) is `from_polarisation(P)`;
    a constant efficiency (benchmarks, closed forms) is `efficiency_p == efficiency_ap`.
    PHYSICS.md flags a factor-2 ambiguity in prefactor conventions between papers: both values
    are therefore plain calibratable fields.

    **Arguments**

    - `fixed_layer`: unit vector $p = m_\mathrm{ref}$ of the reference layer.
    - `efficiency_p`: $\eta$ in the parallel state ($m = p$), dimensionless, > 0.
    - `efficiency_ap`: $\eta$ in the antiparallel state ($m = -p$), > 0.
    - `field_like_ratio`: $\xi = b/a$ (default 0; MgO junctions: 0-0.3, bias dependent).
    """

    fixed_layer: Vector3
    efficiency_p: Float[Array, ""]
    efficiency_ap: Float[Array, ""]
    field_like_ratio: Float[Array, ""]

    def __init__(self, fixed_layer: ArrayLike, efficiency_p: ArrayLike,
                 efficiency_ap: ArrayLike | None = None, field_like_ratio: ArrayLike = 0.0):
        if efficiency_ap is None:
            efficiency_ap = efficiency_p
        self.fixed_layer = check_vector3("fixed_layer", fixed_layer, unit=True)
        self.efficiency_p = check_positive("efficiency_p", efficiency_p)
        self.efficiency_ap = check_positive("efficiency_ap", efficiency_ap)
        self.field_like_ratio = check_finite("field_like_ratio", field_like_ratio)

    @classmethod
    def from_polarisation(cls, polarisation: ArrayLike, fixed_layer: ArrayLike,
                          field_like_ratio: ArrayLike = 0.0) -> SpinTransferTorque:
        """Slonczewski tunnelling efficiency from the spin polarisation P in (0, 1)."""
        p = check_range("polarisation", polarisation, 0.0, 1.0, closed=False)
        return cls(fixed_layer, p / (2 * (1 + p * p)), p / (2 * (1 - p * p)), field_like_ratio)

    @classmethod
    def from_tmr(cls, tmr: ArrayLike, fixed_layer: ArrayLike,
                 field_like_ratio: ArrayLike = 0.0) -> SpinTransferTorque:
        """Efficiency from the TMR ratio (1.2 = 120 %) via Jullière, $P = \\sqrt{TMR/(2+TMR)}$."""
        tmr = check_positive("tmr", tmr)
        return cls.from_polarisation(jnp.sqrt(tmr / (2 + tmr)), fixed_layer, field_like_ratio)

    def efficiency(self, cos_theta: ArrayLike) -> Array:
        """$\\eta(\\theta)$ at $\\cos\\theta = m\\cdot p$."""
        ep, eap = self.efficiency_p, self.efficiency_ap
        b = (eap - ep) / (eap + ep)
        return ep * (1 + b) / (1 + b * cos_theta)

    def amplitudes(self, m: Vector3, current: ArrayLike, ms: ArrayLike,
                   volume: ArrayLike) -> tuple[Array, Array]:
        """Reduced amplitudes $(a, b)/M_s$ for MTJ current `current` (A)."""
        p = self.fixed_layer
        # written out rather than `m @ p`: under vmap a (N, 3) x (3,) dot is a separate
        # matrix-vector call that breaks XLA's fusion; this also accepts a tuple of components
        eta = self.efficiency(m[0] * p[0] + m[1] * p[1] + m[2] * p[2])
        a = _HBAR_OVER_2E * eta * current / (MU0 * ms * ms * volume)
        return a, self.field_like_ratio * a


class SpinOrbitTorque(eqx.Module):
    r"""Spin-orbit torque from a heavy-metal channel under the free layer.

    $a_\mathrm{SOT} = \frac{\hbar\,\theta_\mathrm{eff} J_\mathrm{HM}}{2e\,\mu_0 M_s t_F}$ (A/m),
    $J_\mathrm{HM} = f I_\mathrm{ch}/(w\,t_\mathrm{HM})$, $b = \xi_\mathrm{FL} a$,
    $p = \sigma$ (PHYSICS.md §1.4).

    **Arguments**

    - `spin_hall_angle`: effective spin Hall angle $\theta_\mathrm{eff}$ (signed: Pt > 0, Ta < 0;
      `mtjax.physics.spin_hall_efficiency` includes the thickness and transparency factors).
    - `channel_width`: heavy-metal channel width $w$, m.
    - `channel_thickness`: heavy-metal thickness $t_\mathrm{HM}$, m.
    - `polarisation`: unit spin-accumulation direction $\sigma$ (in-plane, perpendicular to the
      current; for current along x, $\sigma = \pm y$). The sign is a calibration (§1.4 flag).
    - `field_like_ratio`: $\xi_\mathrm{FL} = b/a$ (default 0).
    - `current_fraction`: fraction $f$ of the channel current that flows in the heavy metal
      (default 1; see §1.4 on current sharing).

    The Oersted field of the channel is not included (about 1.6 mT at 2.6e11 A/m² in 10 nm Pt);
    add it to the applied field if it matters.
    """

    spin_hall_angle: Float[Array, ""]
    channel_width: Float[Array, ""]
    channel_thickness: Float[Array, ""]
    polarisation: Vector3
    field_like_ratio: Float[Array, ""]
    current_fraction: Float[Array, ""]

    def __init__(self, spin_hall_angle: ArrayLike, channel_width: ArrayLike,
                 channel_thickness: ArrayLike, polarisation: ArrayLike = (0.0, 1.0, 0.0),
                 field_like_ratio: ArrayLike = 0.0, current_fraction: ArrayLike = 1.0):
        self.spin_hall_angle = check_finite("spin_hall_angle", spin_hall_angle)
        self.channel_width = check_positive("channel_width", channel_width, "m")
        self.channel_thickness = check_positive("channel_thickness", channel_thickness, "m")
        self.polarisation = check_vector3("polarisation", polarisation, unit=True)
        self.field_like_ratio = check_finite("field_like_ratio", field_like_ratio)
        self.current_fraction = check_range("current_fraction", current_fraction, 0.0, 1.0)

    def current_density(self, channel_current: ArrayLike) -> Array:
        """$J_\\mathrm{HM}$ (A/m²) for a channel current (A)."""
        return self.current_fraction * channel_current / (
            self.channel_width * self.channel_thickness
        )

    def amplitudes(self, channel_current: ArrayLike, ms: ArrayLike,
                   thickness: ArrayLike) -> tuple[Array, Array]:
        """Reduced amplitudes $(a, b)/M_s$ for a channel current (A)."""
        j = self.current_density(channel_current)
        a = _HBAR_OVER_2E * self.spin_hall_angle * j / (MU0 * ms * ms * thickness)
        return a, self.field_like_ratio * a
