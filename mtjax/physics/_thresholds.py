r"""Closed-form switching physics: critical currents, torque amplitudes, thermal stability,
Néel–Brown and precessional switching statistics, FMR, the Stoner–Wohlfarth astroid and TMR.

These are the "method A" surrogates of PHYSICS.md §5: pure functions of JAX scalars or arrays in
SI units that broadcast, and compose with `jit`, `vmap` and `grad`. They compute in the dtype of
their inputs (every constant is a Python float). Where a formula has a removable or physical
singularity (i = 1, θ₀ → 0, ψ = 0, an overdamped mode) it is evaluated with the double-`where`
trick so that values *and* gradients stay finite.

Argument checks follow the two tiers of `mtjax.physics._checks`: concrete values (Python
numbers, NumPy or concrete JAX arrays) that are out of range or not finite raise `ValueError`
naming the argument and echoing it; traced values (inside `jit`, `vmap`, `grad`) carry the same
check with `equinox.error_if`, which raises `equinox.EquinoxRuntimeError` naming the argument
when the compiled code runs. No formula returns NaN for accepted inputs: where a closed form has
no finite answer (no switching below threshold) each docstring says what is returned instead.

Sign conventions: a *threshold field* argument (`h_z`, `h_ext`, `h_x`) counts positive when it
raises the threshold of the transition being computed (i.e. stabilises the initial state), except
`h_x` of the SOT formula, which assists; see each docstring.
"""

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from ..constants import E_CHARGE, GAMMA0, HBAR, KB, MU0, ROOM_TEMPERATURE, TWO_E_OVER_HBAR
from ._checks import (
    check_finite,
    check_nonnegative,
    check_positive,
    check_range,
    concrete_eval,
    describe,
    ensure,
    fail_if,
    is_concrete,
)

__all__ = [
    "julliere_polarisation",
    "slonczewski_efficiency",
    "critical_current_perpendicular_stt",
    "critical_current_inplane_stt",
    "critical_current_density_perpendicular_sot",
    "spin_hall_efficiency",
    "critical_current_inplane_sot",
    "stt_amplitude",
    "sot_amplitude",
    "thermal_stability",
    "brown_attempt_time",
    "neel_brown_switching_probability",
    "neel_brown_current",
    "precessional_relaxation_rate",
    "precessional_switching_time",
    "precessional_switching_probability",
    "fmr_frequency",
    "stoner_wohlfarth_switching_field",
    "tmr_vs_thickness",
    "tmr_bias",
]

# hbar/(2e) in V s, one Python float: float32 never forms the ~1e-53 product hbar*e.
_HBAR_OVER_2E = HBAR / (2.0 * E_CHARGE)

# §4.5 exact three-point fit of seed 002's TMR(t_F), in percent and metres.
_TMR_FIT_OFFSET = 21.674
_TMR_FIT_AMPLITUDE = 11.326
_TMR_FIT_T0 = 1.6e-9
_TMR_FIT_SCALE = 0.6234e-9
_TMR_FIT_T_MAX = 2.6e-9


def _check_nonzero(name: str, value):
    """`value` as a float array, checked finite and non-zero in both tiers."""
    return ensure(name, value, lambda a: jnp.isfinite(a) & (a != 0), "finite and non-zero")


def _log1p_over_x(x):
    """$\\log(1+x)/x$, equal to 1 at x = 0, with finite value and gradient there (x > -1)."""
    small = jnp.abs(x) < 1e-4  # series error x^4/5 < 2e-17
    safe = jnp.where(small, 1.0, x)
    series = 1.0 - x / 2.0 + x * x / 3.0 - x * x * x / 4.0
    return jnp.where(small, series, jnp.log1p(safe) / safe)


def _log_softplus(z):
    """$\\log\\,\\mathrm{softplus}(z)$, finite with finite gradient for every real z."""
    deep = z < -30.0
    safe = jnp.where(deep, 0.0, z)
    # softplus(z) = e^z (1 - e^z/2 + ...) for z << 0, so log softplus(z) = z to ~1e-13 there.
    return jnp.where(deep, z, jnp.log(jax.nn.softplus(safe)))


# --------------------------------------------------------------------------------------------
# Spin polarisation and torque efficiency (§1.3, §1.4)
# --------------------------------------------------------------------------------------------


def julliere_polarisation(tmr: ArrayLike) -> Float[Array, "..."]:
    r"""Tunnelling spin polarisation from the TMR ratio by Jullière's model.

    $$\mathrm{TMR} = \frac{2P^2}{1 - P^2} \quad\Longleftrightarrow\quad
    P = \sqrt{\frac{\mathrm{TMR}}{2 + \mathrm{TMR}}}.$$

    **Arguments**

    - `tmr`: TMR as a ratio, $(R_{AP} - R_P)/R_P$ (1.2 means 120 %), ≥ 0.

    **Returns**

    $P \in [0, 1)$, dimensionless. At TMR = 0 the value is 0 and the (infinite) derivative is
    returned as 0 (double-`where`), so gradients never become NaN.

    **Raises**

    `ValueError` if a concrete `tmr` is negative or not finite.

    **Example**: `julliere_polarisation(1.2)` ≈ 0.612 (PHYSICS.md §1.3).

    **Reference**: M. Jullière, Phys. Lett. A 54, 225 (1975). PHYSICS.md §1.3.
    """
    tmr = check_nonnegative("tmr", tmr)
    x = tmr / (2.0 + tmr)
    positive = x > 0
    safe = jnp.where(positive, x, 1.0)
    return jnp.where(positive, jnp.sqrt(safe), 0.0 * x)


def slonczewski_efficiency(cos_theta: ArrayLike, polarisation: ArrayLike) -> Float[Array, "..."]:
    r"""Angular spin-transfer efficiency of a tunnel junction (Slonczewski 2005).

    $$\eta(\theta) = \frac{P}{2\,(1 + P^2\cos\theta)}, \qquad \cos\theta = m\cdot m_\mathrm{ref}.$$

    **Arguments**

    - `cos_theta`: $\cos\theta$ between free and reference layer, in [-1, 1]
      (1 = parallel, -1 = antiparallel).
    - `polarisation`: spin polarisation $P$ in [0, 1] (e.g. from `julliere_polarisation`).

    **Returns**

    $\eta$, dimensionless. For P = 0.612: η(0) = 0.223, η(π) = 0.490. The formula diverges
    for a half-metal in the antiparallel state (P = 1, cos θ = -1): `inf` is returned there.

    **Raises**

    `ValueError` for concrete arguments outside their ranges.

    PHYSICS.md flags a factor-2 ambiguity of this prefactor between papers; treat η(0) and
    η(π) as calibratable.

    **Reference**: J. C. Slonczewski, Phys. Rev. B 71, 024411 (2005),
    [doi:10.1103/PhysRevB.71.024411](https://doi.org/10.1103/PhysRevB.71.024411).
    PHYSICS.md §1.3.
    """
    cos_theta = check_range("cos_theta", cos_theta, -1.0, 1.0)
    polarisation = check_range("polarisation", polarisation, 0.0, 1.0)
    return polarisation / (2.0 * (1.0 + polarisation * polarisation * cos_theta))


def spin_hall_efficiency(
    theta_sh: ArrayLike, t_hm: ArrayLike, lambda_s: ArrayLike, transparency: ArrayLike = 1.0
) -> Float[Array, "..."]:
    r"""Effective spin Hall angle of a heavy-metal layer of finite thickness.

    $$\theta_\mathrm{eff} = \theta_\mathrm{SH}\,T_\mathrm{int}\,
    \big[1 - \mathrm{sech}(t_\mathrm{HM}/\lambda_s)\big].$$

    **Arguments**

    - `theta_sh`: bulk spin Hall angle (dimensionless, signed: Pt > 0, Ta < 0).
    - `t_hm`: heavy-metal thickness, m, > 0.
    - `lambda_s`: spin-diffusion length, m, > 0 (≈ 1.4 nm Pt, ≈ 1.8 nm Ta, flagged in the spec).
    - `transparency`: interface spin transparency $T_\mathrm{int}$ in [0, 1] (default 1).

    **Returns**

    $\theta_\mathrm{eff}$, dimensionless. The thickness factor is 0.998 for Pt 10 nm and 0.876
    for Ta 5 nm.

    **Raises**

    `ValueError` for concrete non-positive lengths or a transparency outside [0, 1].

    **Reference**: L. Liu, T. Moriyama, D. C. Ralph & R. A. Buhrman, Phys. Rev. Lett. 106,
    036601 (2011), [doi:10.1103/PhysRevLett.106.036601](https://doi.org/10.1103/PhysRevLett.106.036601).
    PHYSICS.md §1.4.
    """
    theta_sh = check_finite("theta_sh", theta_sh)
    t_hm = check_positive("t_hm", t_hm, "m")
    lambda_s = check_positive("lambda_s", lambda_s, "m")
    transparency = check_range("transparency", transparency, 0.0, 1.0)
    x = t_hm / lambda_s
    # sech x = 2 e^{-x}/(1 + e^{-2x}) for x > 0: no overflow of cosh, finite gradient.
    e = jnp.exp(-x)
    sech = 2.0 * e / (1.0 + e * e)
    return theta_sh * transparency * (1.0 - sech)


# --------------------------------------------------------------------------------------------
# Torque amplitudes (§1.3, §1.4)
# --------------------------------------------------------------------------------------------


def stt_amplitude(
    current: ArrayLike, ms: ArrayLike, thickness: ArrayLike, area: ArrayLike, eta: ArrayLike
) -> Float[Array, "..."]:
    r"""Damping-like Slonczewski spin-transfer amplitude of an MTJ, as a field.

    $$a_\mathrm{STT} = \frac{\hbar\,\eta\,J}{2e\,\mu_0 M_s t_F}, \qquad J = I/A.$$

    **Arguments**

    - `current`: junction current $I$, A (positive: electrons flow from the reference into the
      free layer, favouring P).
    - `ms`: saturation magnetisation $M_s$, A/m.
    - `thickness`: free-layer thickness $t_F$, m.
    - `area`: junction area $A$, m².
    - `eta`: spin-transfer efficiency η (dimensionless).

    **Returns**

    $a_\mathrm{STT}$ in A/m ($\mu_0 a$ = 1.52 mT per 100 µA for a 100 nm, 1.5 nm pMTJ with
    η = 0.6, $M_s$ = 1.1 MA/m).

    **Raises**

    `ValueError` for concrete non-positive `ms`, `thickness` or `area`, or a non-finite
    `current` or `eta`.

    **Reference**: J. C. Slonczewski, J. Magn. Magn. Mater. 159, L1 (1996). PHYSICS.md §1.3.
    """
    current = check_finite("current", current, "A")
    ms = check_positive("ms", ms, "A/m")
    thickness = check_positive("thickness", thickness, "m")
    area = check_positive("area", area, "m^2")
    eta = check_finite("eta", eta)
    return _HBAR_OVER_2E * eta * (current / area) / (MU0 * ms * thickness)


def sot_amplitude(
    current_density_hm: ArrayLike, ms: ArrayLike, thickness: ArrayLike, theta_eff: ArrayLike
) -> Float[Array, "..."]:
    r"""Damping-like spin-orbit-torque amplitude from a heavy-metal channel, as a field.

    $$a_\mathrm{SOT} = \frac{\hbar\,\theta_\mathrm{eff}\,J_\mathrm{HM}}{2e\,\mu_0 M_s t_F}.$$

    **Arguments**

    - `current_density_hm`: charge current density in the heavy metal $J_\mathrm{HM}$, A/m².
    - `ms`: saturation magnetisation, A/m.
    - `thickness`: free-layer thickness $t_F$, m.
    - `theta_eff`: effective spin Hall angle (see `spin_hall_efficiency`).

    **Returns**

    $a_\mathrm{SOT}$ in A/m ($\mu_0 a$ = 1.89 mT per 1e11 A/m² at θ = 0.11, $M_s$ = 1.2 MA/m,
    $t_F$ = 1.6 nm).

    **Raises**

    `ValueError` for concrete non-positive `ms` or `thickness`, or a non-finite current
    density or `theta_eff`.

    **Reference**: L. Liu et al., Science 336, 555 (2012),
    [doi:10.1126/science.1218197](https://doi.org/10.1126/science.1218197). PHYSICS.md §1.4.
    """
    current_density_hm = check_finite("current_density_hm", current_density_hm, "A/m^2")
    ms = check_positive("ms", ms, "A/m")
    thickness = check_positive("thickness", thickness, "m")
    theta_eff = check_finite("theta_eff", theta_eff)
    return _HBAR_OVER_2E * theta_eff * current_density_hm / (MU0 * ms * thickness)


# --------------------------------------------------------------------------------------------
# Zero-temperature critical currents (§2.1, §2.2, §2.5, §2.6)
# --------------------------------------------------------------------------------------------


def critical_current_perpendicular_stt(
    ms: ArrayLike,
    volume: ArrayLike,
    alpha: ArrayLike,
    eta: ArrayLike,
    hk_eff: ArrayLike,
    h_z: ArrayLike = 0.0,
    xi: ArrayLike = 0.0,
) -> Float[Array, "..."]:
    r"""Zero-temperature STT instability current of a perpendicular MTJ (macrospin).

    $$I_{c0} = \frac{2e}{\hbar}\,\frac{\alpha}{\eta}\,
    \frac{\mu_0 M_s V\,(H_{k,\mathrm{eff}} + H_z)}{1 + \alpha\,\xi}.$$

    For the axially symmetric pMTJ this is exact: Eq. 1.5 reduces to
    $\dot\theta = \gamma'\mu_0\sin\theta\,[a_\mathrm{eff} - \alpha(H_{k,\mathrm{eff}}\cos\theta
    + H_z)]$ with $a_\mathrm{eff} = a + \alpha b$, $b = \xi a$. Equivalently
    $I_{c0} = (4e\alpha/\hbar\eta)E_b$ with $E_b = \mu_0 M_s H_k V/2$ — but keep the
    macrospin $H_{k,\mathrm{eff}}$ here and a separate $\Delta_\mathrm{eff}$ for statistics
    (PHYSICS.md §2.1 flag).

    **Arguments**

    - `ms`: saturation magnetisation $M_s$, A/m.
    - `volume`: free-layer volume $V$, m³.
    - `alpha`: Gilbert damping α.
    - `eta`: spin-transfer efficiency η at the initial state (constant-η approximation).
    - `hk_eff`: effective perpendicular anisotropy field $H_{k,\mathrm{eff}}$, A/m.
    - `h_z`: applied field along the easy axis, A/m, **counted positive when it points along the
      initial magnetisation** (stabilises it and raises the threshold). Default 0.
    - `xi`: field-like to damping-like ratio $\xi_\mathrm{STT}$ (default 0).

    **Returns**

    $I_{c0}$ in A (pMTJ-A: 131.3 µA at $\mu_0 H_{k,\mathrm{eff}}$ = 0.2 T).

    **Raises**

    `ValueError` for concrete non-positive `ms`, `volume`, `alpha` or `eta`, non-finite
    `hk_eff`, `h_z` or `xi`, or $1 + \alpha\xi \le 0$.

    **Reference**: J. Z. Sun, Phys. Rev. B 62, 570 (2000),
    [doi:10.1103/PhysRevB.62.570](https://doi.org/10.1103/PhysRevB.62.570). PHYSICS.md §2.1.
    """
    ms = check_positive("ms", ms, "A/m")
    volume = check_positive("volume", volume, "m^3")
    alpha = check_positive("alpha", alpha)
    eta = check_positive("eta", eta)
    hk_eff = check_finite("hk_eff", hk_eff, "A/m")
    h_z = check_finite("h_z", h_z, "A/m")
    xi = check_finite("xi", xi)
    with concrete_eval((alpha, xi)):
        reversed_ = 1.0 + alpha * xi <= 0
        xi = fail_if(xi, reversed_, "xi must satisfy 1 + alpha xi > 0 (the field-like torque "
                     "would reverse the damping-like one)"
                     + (f", got xi = {describe(xi)}, alpha = {describe(alpha)}"
                        if is_concrete((reversed_, xi, alpha)) else ""))
    return TWO_E_OVER_HBAR * (alpha / eta) * MU0 * ms * volume * (hk_eff + h_z) / (1.0 + alpha * xi)


def critical_current_inplane_stt(
    ms: ArrayLike,
    volume: ArrayLike,
    alpha: ArrayLike,
    eta: ArrayLike,
    hk: ArrayLike,
    m_eff: ArrayLike,
    h_ext: ArrayLike = 0.0,
) -> Float[Array, "..."]:
    r"""Zero-temperature STT **instability** current of an in-plane MTJ (Sun 2000).

    $$I_{c0} = \frac{2e}{\hbar}\,\frac{\alpha}{\eta}\,\mu_0 M_s V
    \Big(H_k + H_{\mathrm{ext},\parallel} + \frac{M_\mathrm{eff}}{2}\Big).$$

    It is the current at which the initial state loses stability, $a_\mathrm{eff} =
    \alpha(H_1 + H_2)/2$ with $H_1 = H_k + H$ and $H_2 = H_1 + M_\mathrm{eff}$. **It is not the
    reversal current:** between 1.0 and about 1.26 $I_{c0}$ (for the IP-STT set of PHYSICS.md
    §2.2) the macrospin settles into stable large-angle precession; deterministic reversal within
    300 ns needs $I \ge 1.263\,I_{c0}$, a ratio that depends on $H_k/M_\mathrm{eff}$.

    **Arguments**

    - `ms`: saturation magnetisation, A/m.
    - `volume`: free-layer volume, m³.
    - `alpha`: Gilbert damping.
    - `eta`: spin-transfer efficiency at the initial state (η(π) for AP→P, η(0) for P→AP).
    - `hk`: in-plane uniaxial anisotropy field $H_k$ (induced plus shape), A/m.
    - `m_eff`: effective out-of-plane demagnetising field $M_\mathrm{eff}$, A/m.
    - `h_ext`: applied field along the easy axis, A/m, **positive when it points along the initial
      magnetisation** (stabilising). Default 0.

    **Returns**

    $I_{c0}$ in A (IP-STT set, η(π) = 0.469, +6 mT: 0.725 mA).

    **Raises**

    `ValueError` for concrete non-positive `ms`, `volume`, `alpha` or `eta`, or non-finite
    fields.

    **Reference**: J. Z. Sun, Phys. Rev. B 62, 570 (2000),
    [doi:10.1103/PhysRevB.62.570](https://doi.org/10.1103/PhysRevB.62.570). PHYSICS.md §2.2.
    """
    ms = check_positive("ms", ms, "A/m")
    volume = check_positive("volume", volume, "m^3")
    alpha = check_positive("alpha", alpha)
    eta = check_positive("eta", eta)
    hk = check_finite("hk", hk, "A/m")
    m_eff = check_finite("m_eff", m_eff, "A/m")
    h_ext = check_finite("h_ext", h_ext, "A/m")
    return TWO_E_OVER_HBAR * (alpha / eta) * MU0 * ms * volume * (hk + h_ext + 0.5 * m_eff)


def critical_current_density_perpendicular_sot(
    ms: ArrayLike,
    thickness: ArrayLike,
    theta_sh: ArrayLike,
    hk_eff: ArrayLike,
    h_x: ArrayLike = 0.0,
) -> Float[Array, "..."]:
    r"""SOT switching current density of a perpendicular magnet with an in-plane assist field.

    $$J_c = \frac{2e}{\hbar}\,\frac{\mu_0 M_s t_F}{\theta_\mathrm{SH}}
    \Big(\frac{H_{k,\mathrm{eff}}}{2} - \frac{H_x}{\sqrt 2}\Big)$$

    (Lee et al. 2013), i.e. a damping-like field $a_c = H_{k,\mathrm{eff}}/2 - H_x/\sqrt2$.
    Approximate, valid for $H_x \ll H_k$ (Taniguchi, arXiv:1911.07961, refines it for
    $H_x \gtrsim 0.15 H_k$); quasi-static macrospin simulations lie 0.2-6 % above it.

    **Arguments**

    - `ms`: saturation magnetisation, A/m.
    - `thickness`: free-layer thickness $t_F$, m.
    - `theta_sh`: (effective) spin Hall angle, non-zero; its sign carries to $J_c$.
    - `hk_eff`: effective perpendicular anisotropy field, A/m.
    - `h_x`: in-plane field along the current, A/m, **counted positive in the assisting
      direction** (it lowers the threshold). Default 0.

    **Returns**

    $J_c$ in A/m² in the heavy metal (2.61e12 A/m² for $\mu_0 H_k$ = 0.2 T, $\mu_0 H_x$ = 20 mT,
    $t_F$ = 1 nm, $M_s$ = 1.1 MA/m, θ = 0.11).

    **Raises**

    `ValueError` for concrete non-positive `ms`, `thickness`, zero `theta_sh` or non-finite
    fields.

    **Reference**: K.-S. Lee, S.-W. Lee, B.-C. Min & K.-J. Lee, Appl. Phys. Lett. 102, 112410
    (2013). PHYSICS.md §2.5.
    """
    ms = check_positive("ms", ms, "A/m")
    thickness = check_positive("thickness", thickness, "m")
    theta_sh = _check_nonzero("theta_sh", theta_sh)
    hk_eff = check_finite("hk_eff", hk_eff, "A/m")
    h_x = check_finite("h_x", h_x, "A/m")
    return TWO_E_OVER_HBAR * MU0 * ms * thickness / theta_sh * (0.5 * hk_eff - h_x / 2.0**0.5)


def critical_current_inplane_sot(
    ms: ArrayLike,
    thickness: ArrayLike,
    alpha: ArrayLike,
    theta_eff: ArrayLike,
    h_c: ArrayLike,
    k_s: ArrayLike,
    hm_width: ArrayLike,
    hm_thickness: ArrayLike,
) -> Float[Array, "..."]:
    r"""Antidamping SOT threshold current of an in-plane ("type-y") magnet on a heavy-metal channel.

    $$I_{c0} = \frac{2e}{\hbar}\,\frac{\alpha}{\theta_\mathrm{eff}}\,w_\mathrm{HM} t_\mathrm{HM}
    \Big[\mu_0 M_s H_c t_F + \frac{\mu_0 M_s^2 t_F}{2} - K_s\Big],$$

    the dimensionally consistent reading of seed 002's Eq. 1 (Kumar et al. 2024). It is the
    macrospin instability threshold $J_{c0} = (2e/\hbar)(\alpha/\theta_\mathrm{eff})\mu_0 M_s t_F
    (H_c + M_\mathrm{eff}/2)$ with $M_\mathrm{eff} = M_s - 2K_s/(\mu_0 M_s t_F)$ (Sun's form with
    $p = \sigma$; as in §2.2, reversal needs somewhat more). $I_{c0}$ is linear in $t_F$ and
    vanishes at $t^* = K_s/(\mu_0 M_s(H_c + M_s/2))$. The bracket is in J/m².

    **Arguments**

    - `ms`: saturation magnetisation, A/m.
    - `thickness`: free-layer thickness $t_F$, m.
    - `alpha`: Gilbert damping.
    - `theta_eff`: effective spin Hall angle (non-zero, signed).
    - `h_c`: coercive field standing in for $H_k + H_{\mathrm{ext},\parallel}$, A/m.
    - `k_s`: interfacial perpendicular anisotropy $K_s$, J/m².
    - `hm_width`, `hm_thickness`: heavy-metal channel width and thickness, m.

    **Returns**

    $I_{c0} = J_{c0} w_\mathrm{HM} t_\mathrm{HM}$ in A (seed-002 set, α = 0.01, θ = 0.11,
    $K_s$ = 0.973 mJ/m², 0.9 µm × 10 nm Pt: 1.23 mA at 1.6 nm, 3.51 mA at 2.6 nm).

    **Raises**

    `ValueError` for concrete non-positive `ms`, `thickness`, `alpha`, channel dimensions,
    zero `theta_eff`, or non-finite `h_c` or `k_s`.

    **Reference**: L. Liu et al., Science 336, 555 (2012),
    [doi:10.1126/science.1218197](https://doi.org/10.1126/science.1218197); J. Z. Sun, Phys. Rev.
    B 62, 570 (2000); Kumar et al., Nanoscale Horiz. 9, 1522 (2024). PHYSICS.md §2.6.
    """
    ms = check_positive("ms", ms, "A/m")
    thickness = check_positive("thickness", thickness, "m")
    alpha = check_positive("alpha", alpha)
    theta_eff = _check_nonzero("theta_eff", theta_eff)
    h_c = check_finite("h_c", h_c, "A/m")
    k_s = check_finite("k_s", k_s, "J/m^2")
    hm_width = check_positive("hm_width", hm_width, "m")
    hm_thickness = check_positive("hm_thickness", hm_thickness, "m")
    bracket = MU0 * ms * thickness * (h_c + 0.5 * ms) - k_s
    return TWO_E_OVER_HBAR * (alpha / theta_eff) * hm_width * hm_thickness * bracket


# --------------------------------------------------------------------------------------------
# Thermal stability and Néel–Brown statistics (§2.7)
# --------------------------------------------------------------------------------------------


def thermal_stability(
    ms: ArrayLike, hk: ArrayLike, volume: ArrayLike, temperature: ArrayLike = ROOM_TEMPERATURE
) -> Float[Array, "..."]:
    r"""Thermal stability factor of a uniaxial macrospin.

    $$\Delta = \frac{E_b}{k_B T} = \frac{\mu_0 M_s H_k V}{2 k_B T}.$$

    **Arguments**

    - `ms`: saturation magnetisation, A/m.
    - `hk`: (effective) anisotropy field, A/m.
    - `volume`: switching volume, m³ (the free-layer volume for a macrospin, or an activation
      volume $V_\mathrm{act}$).
    - `temperature`: K (default 300).

    **Returns**

    Δ, dimensionless (pMTJ-A: 313).

    **Raises**

    `ValueError` for concrete non-positive `ms`, `volume` or `temperature`, or a non-finite
    `hk`.

    **Reference**: W. F. Brown, Phys. Rev. 130, 1677 (1963),
    [doi:10.1103/PhysRev.130.1677](https://doi.org/10.1103/PhysRev.130.1677). PHYSICS.md §2.1, §2.7.
    """
    ms = check_positive("ms", ms, "A/m")
    volume = check_positive("volume", volume, "m^3")
    temperature = check_positive("temperature", temperature, "K")
    hk = check_finite("hk", hk, "A/m")
    return MU0 * ms * hk * volume / (2.0 * KB * temperature)


def brown_attempt_time(alpha: ArrayLike, hk: ArrayLike, delta: ArrayLike) -> Float[Array, "..."]:
    r"""Brown's high-barrier attempt time $\tau_0$ of a uniaxial particle (field along the axis).

    $$\frac{1}{\tau_0} = \alpha\,\gamma'\mu_0 H_k\sqrt{\Delta/\pi},
    \qquad \gamma' = \frac{\gamma}{1 + \alpha^2}.$$

    PHYSICS.md §2.7 quotes 0.65 ns for Δ = 60 at $\mu_0 H_k$ = 0.2 T: that value holds for
    **α = 0.01** (the pMTJ-A damping; it gives 0.650 ns, whereas α = 0.1 would give 0.066 ns).

    **Arguments**

    - `alpha`: Gilbert damping, > 0.
    - `hk`: anisotropy field $H_k$, A/m, > 0.
    - `delta`: barrier Δ = $E_b/k_BT$, > 0.

    **Returns**

    $\tau_0$ in s.

    **Raises**

    `ValueError` for concrete non-positive arguments.

    **Reference**: W. F. Brown, Phys. Rev. 130, 1677 (1963),
    [doi:10.1103/PhysRev.130.1677](https://doi.org/10.1103/PhysRev.130.1677). PHYSICS.md §2.7.
    """
    alpha = check_positive("alpha", alpha)
    hk = check_positive("hk", hk, "A/m")
    delta = check_positive("delta", delta)
    rate = alpha * GAMMA0 * hk / (1.0 + alpha * alpha) * jnp.sqrt(delta / jnp.pi)
    return 1.0 / rate


def _check_neel_brown(ic0, pulse_width, delta_eff, tau0, beta, smoothness):
    """The six positive parameters of the Néel–Brown law, checked and returned in order."""
    return (check_positive("ic0", ic0, "A"), check_positive("pulse_width", pulse_width, "s"),
            check_positive("delta_eff", delta_eff), check_positive("tau0", tau0, "s"),
            check_positive("beta", beta), check_positive("smoothness", smoothness))


def neel_brown_switching_probability(
    current: ArrayLike,
    ic0: ArrayLike,
    pulse_width: ArrayLike,
    delta_eff: ArrayLike,
    tau0: ArrayLike = 1e-9,
    beta: ArrayLike = 2.0,
    smoothness: ArrayLike = 1e-3,
    collinear_prefactor: bool = False,
) -> Float[Array, "..."]:
    r"""Thermally activated switching probability under spin torque (Néel–Brown).

    $$P_\mathrm{sw} = 1 - \exp\Big[-\frac{\tau}{\tau_0}
    \exp\big(-\Delta_\mathrm{eff}\,(1 - i)_+^{\beta}\big)\Big], \qquad i = I/I_{c0},$$

    with $(1 - i)_+$ implemented as $s\,\mathrm{softplus}((1 - i)/s)$ of width
    $s$ = `smoothness`, so that value and gradient are finite and smooth at $i = 1$; for
    $|1 - i| \gg s$ it equals the hard form to within $s\,e^{-|1-i|/s}$. Above $I_{c0}$ the
    barrier vanishes and $P \to 1 - e^{-\tau/\tau_0}$; there the precessional regime
    (`precessional_switching_probability`) is the appropriate model.

    $\beta = 2$ follows for a uniaxial pMTJ with collinear torque; $\beta = 1$ is the classic
    in-plane/STT "effective temperature" form.

    **Arguments**

    - `current`: current $I$, A (same polarity as `ic0`).
    - `ic0`: zero-temperature critical current $I_{c0}$, A, > 0.
    - `pulse_width`: pulse duration τ, s.
    - `delta_eff`: effective barrier $\Delta_\mathrm{eff}$ (not the macrospin value for large
      devices, PHYSICS.md §2.1).
    - `tau0`: attempt time, s (default 1 ns).
    - `beta`: barrier exponent β (default 2).
    - `smoothness`: softplus width $s$ in units of $I_{c0}$ (default 1e-3).
    - `collinear_prefactor`: multiply the rate by $(1 - i)_+^2(1 + i)$, the exact large-barrier
      Fokker-Planck prefactor of a uniaxial pMTJ with collinear torque when `tau0` is Brown's
      $1/(\alpha\gamma'\mu_0 H_k\sqrt{\Delta/\pi})$. The default (False) is the PHYSICS.md §2.7
      form, which overestimates that rate (2.7x at i = 0.5); `neel_brown_current` inverts the
      default form only.

    **Raises**

    `ValueError` for concrete non-positive `ic0`, `pulse_width`, `delta_eff`, `tau0`, `beta` or
    `smoothness`, or a non-finite `current`.

    **References**: R. H. Koch, J. A. Katine & J. Z. Sun, Phys. Rev. Lett. 92, 088302 (2004),
    [doi:10.1103/PhysRevLett.92.088302](https://doi.org/10.1103/PhysRevLett.92.088302);
    Z. Li & S. Zhang, Phys. Rev. B 69, 134416 (2004),
    [doi:10.1103/PhysRevB.69.134416](https://doi.org/10.1103/PhysRevB.69.134416).
    PHYSICS.md §2.7.
    """
    current = check_finite("current", current, "A")
    ic0, pulse_width, delta_eff, tau0, beta, smoothness = _check_neel_brown(
        ic0, pulse_width, delta_eff, tau0, beta, smoothness)
    overdrive_deficit = 1.0 - current / ic0
    # log (1 - i)_+ = log s + log softplus((1 - i)/s); the barrier is exp(beta * that).
    log_deficit = jnp.log(smoothness) + _log_softplus(overdrive_deficit / smoothness)
    barrier = delta_eff * jnp.exp(beta * log_deficit)
    log_rate_times_tau = jnp.log(pulse_width / tau0) - barrier
    if collinear_prefactor:
        # Exact large-barrier Fokker-Planck rate of a uniaxial macrospin with collinear STT:
        # the attempt frequency carries (1 - i)^2 (1 + i) (tests/test_llgs_thermal.py).
        log_rate_times_tau = log_rate_times_tau + 2.0 * log_deficit + jnp.log1p(
            jnp.clip(current / ic0, -1.0 + 1e-12, None))
    return -jnp.expm1(-jnp.exp(log_rate_times_tau))


def neel_brown_current(
    probability: ArrayLike,
    ic0: ArrayLike,
    pulse_width: ArrayLike,
    delta_eff: ArrayLike,
    tau0: ArrayLike = 1e-9,
    beta: ArrayLike = 2.0,
    smoothness: ArrayLike = 1e-3,
) -> Float[Array, "..."]:
    r"""Current at which the Néel–Brown switching probability equals `probability`.

    Exact inverse of `neel_brown_switching_probability` (same softplus smoothing):

    $$y = \Big[\frac{1}{\Delta_\mathrm{eff}}
    \ln\frac{\tau}{\tau_0\ln\big(1/(1 - P)\big)}\Big]^{1/\beta},\qquad
    \frac{I_P}{I_{c0}} = 1 - s\,\mathrm{softplus}^{-1}(y/s) = 1 - y - s\ln\big(1 - e^{-y/s}\big),$$

    which is $1 - y$, the hard-threshold inversion of PHYSICS.md §2.7, whenever $y \gg s$.

    **Arguments**

    - `probability`: target $P$ in (0, 1); it must also be below
      $1 - e^{-\tau/\tau_0}$, the largest probability the model reaches (barrier gone).
    - `ic0`, `pulse_width`, `delta_eff`, `tau0`, `beta`, `smoothness`: as in
      `neel_brown_switching_probability`.

    **Returns**

    $I_P$ in A.

    **Raises**

    `ValueError` for a concrete `probability` outside (0, 1) or not reachable, and for the
    parameter checks of `neel_brown_switching_probability`. For traced values the same
    conditions raise `equinox.EquinoxRuntimeError` when the compiled code runs, rather than
    returning NaN.

    **Reference**: R. H. Koch, J. A. Katine & J. Z. Sun, Phys. Rev. Lett. 92, 088302 (2004),
    [doi:10.1103/PhysRevLett.92.088302](https://doi.org/10.1103/PhysRevLett.92.088302).
    PHYSICS.md §2.7.
    """
    ic0, pulse_width, delta_eff, tau0, beta, smoothness = _check_neel_brown(
        ic0, pulse_width, delta_eff, tau0, beta, smoothness)
    probability = check_range("probability", probability, 0.0, 1.0, closed=False)
    with concrete_eval((probability, pulse_width, tau0)):
        # log(tau/tau0) - log(ln(1/(1-P))): the barrier Delta_eff (1 - i)_+^beta that gives P.
        log_ratio = jnp.log(pulse_width / tau0) - jnp.log(-jnp.log1p(-probability))
        unreachable = ~(log_ratio > 0)
        shown = is_concrete((unreachable, probability, pulse_width, tau0))
        log_ratio = fail_if(
            log_ratio, unreachable,
            (f"probability={describe(probability)} " if shown else "probability ")
            + "is not reachable: the Néel–Brown probability cannot exceed "
            "1 - exp(-pulse_width/tau0)"
            + (f" (pulse_width={describe(pulse_width)} s, tau0={describe(tau0)} s)" if shown
               else ""))
    y = jnp.exp(jnp.log(log_ratio / delta_eff) / beta)
    z = y / smoothness
    # Inverse softplus: s * log(expm1(z)) = y + s * log(1 - e^{-z}), stable for large z.
    return ic0 * (1.0 - y - smoothness * jnp.log(-jnp.expm1(-z)))


# --------------------------------------------------------------------------------------------
# Precessional regime (§2.3, §2.4)
# --------------------------------------------------------------------------------------------


def precessional_relaxation_rate(alpha: ArrayLike, hk_eff: ArrayLike) -> Float[Array, "..."]:
    r"""Rate $a$ of the pMTJ polar-angle equation $\dot\theta = a\sin\theta\,(i - \cos\theta)$.

    $$a = \alpha\,\gamma'\mu_0 H_{k,\mathrm{eff}}, \qquad \gamma' = \frac{\gamma}{1+\alpha^2}.$$

    **Arguments**

    - `alpha`: Gilbert damping.
    - `hk_eff`: effective perpendicular anisotropy field, A/m.

    **Returns**

    $a$ in 1/s (pMTJ-A: 3.521e8 1/s). Its inverse is the damping time
    $\tau_D = (1+\alpha^2)/(\alpha\gamma\mu_0 H_k)$.

    **Raises**

    `ValueError` for a concrete negative `alpha` or a non-finite `hk_eff`.

    **Reference**: J. Z. Sun, Phys. Rev. B 62, 570 (2000). PHYSICS.md §2.3.
    """
    alpha = check_nonnegative("alpha", alpha)
    hk_eff = check_finite("hk_eff", hk_eff, "A/m")
    return alpha * GAMMA0 * hk_eff / (1.0 + alpha * alpha)


def precessional_switching_time(
    i: ArrayLike, theta0: ArrayLike, a: ArrayLike
) -> Float[Array, "..."]:
    r"""Exact macrospin time to reach the equator ($m_z = 0$) of a pMTJ under constant-η STT.

    Integrating $\dot\theta = a\sin\theta\,(i - \cos\theta)$ from $\theta_0$ to $\pi/2$
    ($u_0 = \cos\theta_0$, $i = I/I_{c0}$, no field, no field-like torque):

    $$\tau = \frac{1}{a}\Big[-\frac{\ln(1 - u_0)}{2(i - 1)} + \frac{\ln(1 + u_0)}{2(i + 1)}
    - \frac{\ln(1 - u_0/i)}{1 - i^2}\Big].$$

    The first and last terms are separately singular at $i = 1$ but their sum is not; the code
    evaluates the equivalent form
    $a\tau = \big[\ell(\delta/w)/w - \ell(\delta) - \ln\tan(\theta_0/2)\big]/(i+1)$, with
    $\delta = i - 1$, $w = 1 - u_0 = 2\sin^2(\theta_0/2)$ and $\ell(x) = \ln(1+x)/x$,
    which is finite, exact and differentiable through $i = 1$ (where
    $a\tau = [1/w - 1 + \tfrac12\ln((1+u_0)/w)]/2$). For small $\theta_0$ it approaches Sun's
    $\ln(\pi/2\theta_0)/(a(i-1))$.

    **Arguments**

    - `i`: reduced current $I/I_{c0}$.
    - `theta0`: initial angle from the easy axis, rad, in (0, π/2].
    - `a`: relaxation rate, 1/s (`precessional_relaxation_rate`).

    **Returns**

    τ in s; `inf` when the torque cannot overcome damping at $\theta_0$ ($i \le \cos\theta_0$),
    with zero gradient there.

    **Raises**

    `ValueError` for a concrete `theta0` outside (0, π/2], a non-positive `a` or a non-finite
    `i`.

    **Reference**: J. Z. Sun, Phys. Rev. B 62, 570 (2000),
    [doi:10.1103/PhysRevB.62.570](https://doi.org/10.1103/PhysRevB.62.570). PHYSICS.md §2.3.
    """
    i = check_finite("i", i)
    theta0 = ensure("theta0", theta0, lambda t: (t > 0) & (t <= 0.5 * jnp.pi), "in (0, pi/2]",
                    "rad")
    a = check_positive("a", a, "1/s")
    half = 0.5 * theta0
    sin_half = jnp.sin(half)
    w = 2.0 * sin_half * sin_half
    delta = i - 1.0
    switches = (delta > -w) & (i > 0)
    safe_delta = jnp.where(switches, delta, 1.0)
    bracket = _log1p_over_x(safe_delta / w) / w - _log1p_over_x(safe_delta) - jnp.log(jnp.tan(half))
    tau = bracket / ((safe_delta + 2.0) * a)
    return jnp.where(switches, tau, jnp.inf)


def precessional_switching_probability(
    i: ArrayLike,
    pulse_width: ArrayLike,
    delta: ArrayLike,
    a: ArrayLike,
    refined: bool = True,
) -> Float[Array, "..."]:
    r"""Switching probability of a pMTJ in the precessional regime ($i = I/I_{c0} > 1$).

    Classic form (thermal initial angle, deterministic growth; Sun et al. 2004):

    $$P_\mathrm{sw} = \exp\Big[-\frac{\pi^2\Delta}{4}\,e^{-2a(i-1)\tau}\Big].$$

    Refined form (PHYSICS.md §2.4, the default): the exact switching time of §2.3 replaces the
    $\ln(\pi/2\theta_0)$ approximation, and noise during the pulse multiplies the initial
    variance by $i/(i-1)$,

    $$P_\mathrm{sw} = \exp\Big[-\Delta\,\frac{i-1}{i}\,2e^{2c(i)}\,e^{-2a(i-1)\tau}\Big],\qquad
    c(i) = \frac{(i-1)\ln 2}{2(i+1)} + \frac{\ln((i-1)/i)}{i+1}.$$

    It matches stochastic LLGS runs to ≈ 3 % in $\tau_{50}$ at $i = 2$, whereas the classic form
    is too pessimistic. **Domain:** both forms assume $i > 1$; the refined one also relies on
    $(i-1)\Delta \gg 1$ and $a(i-1)\tau \gtrsim 1$ — as $i \to 1^+$ its prefactor vanishes and it
    tends, unphysically, to $P = 1$. For $i \le 1$ this function returns 0 (no deterministic
    precessional switching; use `neel_brown_switching_probability` there).

    **Arguments**

    - `i`: reduced current $I/I_{c0}$.
    - `pulse_width`: pulse duration τ, s, ≥ 0.
    - `delta`: thermal stability Δ of the initial state (macrospin value).
    - `a`: relaxation rate, 1/s (`precessional_relaxation_rate`).
    - `refined`: Python bool, choose the refined (default) or the classic form.

    **Returns**

    $P_\mathrm{sw} \in [0, 1]$ (pMTJ-A, i = 2: $\tau_{50}$ = 9.96 ns classic, 8.35 ns refined).

    **Raises**

    `ValueError` for concrete negative `pulse_width`, non-positive `delta`, `a`, or a
    non-finite `i`.

    **References**: J. Z. Sun et al., Proc. SPIE 5359, 445 (2004); J. He, J. Z. Sun & S. Zhang,
    J. Appl. Phys. 101, 09A501 (2007). PHYSICS.md §2.4.
    """
    i = check_finite("i", i)
    pulse_width = check_nonnegative("pulse_width", pulse_width, "s")
    delta = check_positive("delta", delta)
    a = check_positive("a", a, "1/s")
    above = i > 1.0
    safe_i = jnp.where(above, i, 2.0)
    d = safe_i - 1.0
    if refined:
        # log[Delta (i-1)/i 2 e^{2c}] = log(2 Delta) + d ln2/(i+1) + (i+3)/(i+1) log(d/i)
        log_prefactor = (
            jnp.log(2.0 * delta)
            + d * jnp.log(2.0) / (safe_i + 1.0)
            + (safe_i + 3.0) / (safe_i + 1.0) * jnp.log(d / safe_i)
        )
    else:
        log_prefactor = jnp.log(0.25 * jnp.pi**2 * delta)
    p = jnp.exp(-jnp.exp(log_prefactor - 2.0 * a * d * pulse_width))
    return jnp.where(above, p, 0.0 * p)


# --------------------------------------------------------------------------------------------
# FMR, Stoner–Wohlfarth, TMR (§2.8, §2.9, §4.4, §4.5)
# --------------------------------------------------------------------------------------------


def fmr_frequency(h1: ArrayLike, h2: ArrayLike, alpha: ArrayLike) -> Float[Array, "..."]:
    r"""Damped small-angle precession frequency about an equilibrium (Kittel with damping).

    Linearising Eq. 1.5 with principal stiffness fields $H_1$, $H_2$:

    $$f = \frac{\omega_d}{2\pi},\qquad \omega_d = \gamma'\mu_0\sqrt{(1 + \alpha^2)H_1H_2
    - \alpha^2 (H_1 + H_2)^2/4},\qquad \gamma' = \frac{\gamma}{1+\alpha^2}.$$

    pMTJ with $H \parallel z$: $H_1 = H_2 = H_{k,\mathrm{eff}} + H_z$. In-plane easy axis with
    $H$ along it: $H_1 = H_k + H$, $H_2 = H_k + H + M_\mathrm{eff}$. For α → 0 this is Kittel's
    $f = (\gamma\mu_0/2\pi)\sqrt{H_1H_2}$.

    **Arguments**

    - `h1`, `h2`: principal stiffness fields, A/m.
    - `alpha`: Gilbert damping, ≥ 0.

    **Returns**

    $f$ in Hz (pMTJ-A: 5.60 GHz). An overdamped or unstable mode (negative radicand) returns 0,
    with zero gradient.

    **Raises**

    `ValueError` for a concrete negative `alpha` or non-finite fields.

    **Reference**: C. Kittel, Phys. Rev. 73, 155 (1948),
    [doi:10.1103/PhysRev.73.155](https://doi.org/10.1103/PhysRev.73.155). PHYSICS.md §2.9.
    """
    h1 = check_finite("h1", h1, "A/m")
    h2 = check_finite("h2", h2, "A/m")
    alpha = check_nonnegative("alpha", alpha)
    s = h1 + h2
    radicand = (1.0 + alpha * alpha) * h1 * h2 - 0.25 * alpha * alpha * s * s
    oscillates = radicand > 0
    safe = jnp.where(oscillates, radicand, 1.0)
    omega = GAMMA0 / (1.0 + alpha * alpha) * jnp.sqrt(safe)
    return jnp.where(oscillates, omega / (2.0 * jnp.pi), 0.0 * omega)


def stoner_wohlfarth_switching_field(psi: ArrayLike) -> Float[Array, "..."]:
    r"""Reduced Stoner–Wohlfarth switching field $h_\mathrm{sw} = H_\mathrm{sw}/H_k$.

    $$h_\mathrm{sw}(\psi) = \big(|\cos\psi|^{2/3} + |\sin\psi|^{2/3}\big)^{-3/2},$$

    the astroid $h_\parallel^{2/3} + h_\perp^{2/3} = 1$ for a field at angle ψ to the easy
    axis (T = 0). Values: 1 at 0° and 90°, 0.5 at 45°, 0.6738 at 10° and 80°.

    At the cusps (ψ = 0, π/2, ...) the one-sided derivative is infinite; the gradient there is
    returned as 0 (double-`where`), which is also the symmetric derivative of this even function.

    **Arguments**

    - `psi`: angle between field and easy axis, rad.

    **Returns**

    $h_\mathrm{sw}$, dimensionless, in [0.5, 1].

    **Reference**: E. C. Stoner & E. P. Wohlfarth, Phil. Trans. R. Soc. A 240, 599 (1948),
    [doi:10.1098/rsta.1948.0007](https://doi.org/10.1098/rsta.1948.0007). PHYSICS.md §2.8.
    """
    psi = check_finite("psi", psi, "rad")

    def two_thirds_power(x):
        x = jnp.abs(x)
        positive = x > 0
        safe = jnp.where(positive, x, 1.0)
        return jnp.where(positive, safe ** (2.0 / 3.0), 0.0 * x)

    return (two_thirds_power(jnp.cos(psi)) + two_thirds_power(jnp.sin(psi))) ** -1.5


def tmr_vs_thickness(t_f: ArrayLike, clamp: bool = True) -> Float[Array, "..."]:
    r"""TMR of seed 002's CoFeB/MgO junctions versus free-layer thickness (exact 3-point fit).

    $$\mathrm{TMR}(t)\,[\%] = 21.674 + 11.326\,\exp\!\big((t - 1.6\,\mathrm{nm})/0.6234\,
    \mathrm{nm}\big),$$

    through the seed's anchors 33 % (1.6 nm), 40 % (1.9 nm) and 78 % (2.6 nm).

    **Arguments**

    - `t_f`: free-layer thickness, m.
    - `clamp`: Python bool. If True (default) `t_f` is clamped to the measured range
      [1.6, 2.6] nm, so the TMR is constant (and its gradient 0) outside it, as PHYSICS.md §4.5
      recommends; if False the exponential is extrapolated.

    **Returns**

    TMR as a **ratio** (0.33 = 33 %).

    **Raises**

    `ValueError` for a concrete non-positive `t_f`.

    **Reference**: Kumar et al., Nanoscale Horiz. 9, 1522 (2024) (data); fit in PHYSICS.md §4.5.
    """
    t_f = check_positive("t_f", t_f, "m")
    if clamp:
        t_f = jnp.where(
            t_f < _TMR_FIT_T0, _TMR_FIT_T0, jnp.where(t_f > _TMR_FIT_T_MAX, _TMR_FIT_T_MAX, t_f)
        )
    percent = _TMR_FIT_OFFSET + _TMR_FIT_AMPLITUDE * jnp.exp((t_f - _TMR_FIT_T0) / _TMR_FIT_SCALE)
    return 0.01 * percent


def tmr_bias(v: ArrayLike, tmr0: ArrayLike, v_half: ArrayLike) -> Float[Array, "..."]:
    r"""Bias dependence of the TMR of an MgO junction.

    $$\mathrm{TMR}(V) = \frac{\mathrm{TMR}_0}{1 + V^2/V_h^2}.$$

    Use with $G_{AP}(V) = G_P/(1 + \mathrm{TMR}(V))$ and a bias-independent $G_P$; do not apply
    it on top of seed 000's empirical linear R(V) branches.

    **Arguments**

    - `v`: junction bias, V.
    - `tmr0`: zero-bias TMR as a ratio (1.2 = 120 %).
    - `v_half`: bias at which the TMR has halved, V, > 0 (≈ 0.3-0.6 V for MgO; not given in the
      seeds).

    **Returns**

    TMR(V) as a ratio.

    **Raises**

    `ValueError` for a concrete negative `tmr0`, non-positive `v_half` or non-finite `v`.

    PHYSICS.md §4.4.
    """
    v = check_finite("v", v, "V")
    tmr0 = check_nonnegative("tmr0", tmr0)
    v_half = check_positive("v_half", v_half, "V")
    r = v / v_half
    return tmr0 / (1.0 + r * r)
