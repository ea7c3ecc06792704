r"""One-dimensional (q, φ) domain-wall model with spin-orbit torque, DMI, notches and tapered
tracks (PHYSICS.md §3; seed 003).

A perpendicular free layer carries a wall at position q with in-plane angle φ of its central
moment (φ = 0, π Néel; ±π/2 Bloch). In Gilbert form (Thiaville et al., EPL 100, 57002 (2012))

$$\dot\phi + \alpha\dot q/\Delta = \Gamma_B,\qquad \dot q/\Delta - \alpha\dot\phi = \Gamma_A,$$
$$\Gamma_B = \gamma_0 Q\,[H_z + H_\mathrm{pin}(q) + H_{\mathrm{th},q}
+ \tfrac{\pi}{2}H_\mathrm{SL}\cos\phi],$$
$$\Gamma_A = \gamma_0\,[-\tfrac{H_K}{2}\sin 2\phi + Q\tfrac{\pi}{2}H_D\sin\phi
+ \tfrac{\pi}{2}(H_x\sin\phi - H_y\cos\phi) + H_{\mathrm{th},\phi}],$$

solved explicitly: $\dot q = \Delta(\Gamma_A + \alpha\Gamma_B)/(1+\alpha^2)$,
$\dot\phi = (\Gamma_B - \alpha\Gamma_A)/(1+\alpha^2)$. The pinning field is
$H_\mathrm{pin} = -\partial_q E/(2\mu_0 M_s S(q))$ with the wall energy
$E(q) = \sigma_w t_F w(q)\,[1 - \sum_k \varepsilon_k e^{-(q-x_k)^2/2s_k^2}]$: the taper and the
notches as *fractional* width reductions (§3.3-3.4), so a notch's depinning field
$\sigma_w\varepsilon e^{-1/2}/(2\mu_0 M_s s)$ does not depend on the track width and, on a
trapezoid, the depinning *voltage* grows with the local width as measured. Thermal noise: two
independent additive white fields of variance $\alpha k_B T/(\gamma_0\mu_0 M_s S\Delta)$ (§3.5),
integrated as a Stratonovich SDE (additive, so Itô = Stratonovich) with Heun.

Units: SI at the API. Internally the state is (q in nm, φ) and time is in ns so that float32
is well conditioned.

Checks: every constructor and function refuses non-finite and unphysical inputs, naming the
parameter — `ValueError` now for concrete values, `equinox.EquinoxRuntimeError` when the
compiled code runs for traced ones (`mtjax.physics._checks`). `solve_dw` also refuses a step
that is not finite, longer than the run or too long for the drive (`DomainWall.max_rate`), and
flags a non-finite final state.

**[FLAG]** The DMI constant of Ta/CoFeB is uncertain (0.03-0.3 mJ/m²); it sets |cos φ*| and
thus every depinning current by a factor ≈ 2. Seed 003 gives no notch geometry: the presets
calibrate notch positions to the measured resistance levels (`mtjax.devices`).
"""

from __future__ import annotations

import math

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, PRNGKeyArray

from ..constants import E_CHARGE, GAMMA0, HBAR, KB, MU0
from ._checks import (
    as_float,
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
from ._waveforms import AbstractWaveform, as_waveform

_NM = 1e-9
_NS = 1e-9


class DWMaterial(eqx.Module):
    """Material and film parameters of a perpendicular domain-wall track (SI).

    **Arguments**

    - `ms`: saturation magnetisation, A/m (default 1.1e6).
    - `a_ex`: exchange stiffness, J/m (1.5e-11).
    - `k_eff`: effective perpendicular anisotropy $K_u - \\mu_0 M_s^2/2$, J/m³, > 0 (2e5).
    - `thickness`: free-layer thickness $t_F$, m (1.1 nm).
    - `alpha`: Gilbert damping (0.015).
    - `dmi`: interfacial DMI constant D, J/m² (1e-4; signed).
    - `theta_sh`: effective spin Hall angle of the underlayer (-0.12, Ta).
    - `temperature`: K (300).
    - `h_k_scale`: multiplier of the thin-film Bloch-Néel field estimate (1; 0 switches the
      wall's shape anisotropy off, as Thiaville's closed form assumes).

    Defaults: PHYSICS.md §3.1 / §6 (DW-MTJ column; assumed values, flagged there).

    **Raises**

    Naming the parameter, for a non-finite value anywhere, non-positive `ms`, `a_ex`, `k_eff`,
    `thickness` or `alpha`, a zero `theta_sh`, a negative `temperature` or `h_k_scale`, or a
    DMI at or above the critical $D_c = 4\\sqrt{A K_\\mathrm{eff}}/\\pi$ (the wall energy
    $\\sigma_w$ would be $\\le 0$: a spin spiral, not a wall): `ValueError` for concrete values,
    `equinox.EquinoxRuntimeError` when the compiled code runs for traced ones.
    """

    ms: Array
    a_ex: Array
    k_eff: Array
    thickness: Array
    alpha: Array
    dmi: Array
    theta_sh: Array
    temperature: Array
    h_k_scale: Array

    def __init__(self, ms=1.1e6, a_ex=1.5e-11, k_eff=2e5, thickness=1.1e-9, alpha=0.015,
                 dmi=1e-4, theta_sh=-0.12, temperature=300.0, h_k_scale=1.0):
        self.ms = check_positive("ms", ms, "A/m")
        self.a_ex = check_positive("a_ex", a_ex, "J/m")
        self.k_eff = check_positive("k_eff", k_eff, "J/m^3")
        self.thickness = check_positive("thickness", thickness, "m")
        self.alpha = check_positive("alpha", alpha)
        self.theta_sh = ensure("theta_sh", theta_sh, lambda a: jnp.isfinite(a) & (a != 0),
                               "finite and non-zero (no spin-orbit torque otherwise)")
        self.temperature = check_nonnegative("temperature", temperature, "K")
        self.h_k_scale = check_nonnegative("h_k_scale", h_k_scale)
        dmi = check_finite("dmi", dmi, "J/m^2")
        with concrete_eval((dmi, self.a_ex, self.k_eff)):
            d_c = 4 * jnp.sqrt(self.a_ex * self.k_eff) / jnp.pi
            above = jnp.abs(dmi) >= d_c
            self.dmi = fail_if(
                dmi, above,
                "dmi must be below the critical DMI 4 sqrt(a_ex k_eff)/pi in magnitude (the "
                "wall energy is <= 0 above it)"
                + (f", got {describe(dmi)} J/m^2 for D_c = {describe(d_c)} J/m^2"
                   if is_concrete((above, dmi, d_c)) else ""))

    @property
    def wall_width(self) -> Array:
        """$\\Delta = \\sqrt{A/K_\\mathrm{eff}}$, m."""
        return jnp.sqrt(self.a_ex / self.k_eff)

    @property
    def wall_energy(self) -> Array:
        """$\\sigma_w = 4\\sqrt{A K_\\mathrm{eff}} - \\pi|D|$, J/m²."""
        return 4 * jnp.sqrt(self.a_ex * self.k_eff) - jnp.pi * jnp.abs(self.dmi)

    @property
    def h_k(self) -> Array:
        """Bloch-Néel shape field $H_K = N_x M_s$, $N_x = t_F\\ln 2/(\\pi\\Delta)$, A/m."""
        return self.h_k_scale * self.thickness * math.log(2) / (jnp.pi * self.wall_width) \
            * self.ms

    @property
    def h_d(self) -> Array:
        """DMI field $H_D = D/(\\mu_0 M_s \\Delta)$, A/m (signed)."""
        return self.dmi / (MU0 * self.ms * self.wall_width)

    @property
    def cos_phi_star(self) -> Array:
        """$|\\cos\\phi^*| = \\min(1, (\\pi/2)|H_D|/H_K)$: the static wall angle under SOT."""
        ratio = 0.5 * jnp.pi * jnp.abs(self.h_d) / jnp.maximum(self.h_k, 1e-30)
        return jnp.minimum(1.0, ratio)

    def h_sl(self, j_hm: ArrayLike) -> Array:
        """Damping-like SOT field $\\hbar\\theta J/(2e\\mu_0 M_s t_F)$, A/m, for underlayer current
        density `j_hm` (A/m²)."""
        return HBAR * self.theta_sh * j_hm / (2 * E_CHARGE * MU0 * self.ms * self.thickness)


def _per_notch(name: str, value: Array, shape: tuple[int, ...]) -> Array:
    """`value` broadcast to one entry per notch; `ValueError` naming `name` if it cannot be."""
    try:
        return jnp.broadcast_to(value, shape)
    except ValueError:
        raise ValueError(f"{name} must be a scalar or have one entry per notch {shape}, got "
                         f"shape {value.shape}") from None


def _check_notch_layout(x: Array, s: Array, length: Array) -> Array:
    """`x` (notch centres, m) after checking that the notches lie inside (0, `length`), in
    increasing order, and do not overlap (centres at least 1.5 (s_k + s_{k+1}) apart)."""
    with concrete_eval((x, s, length)):
        outside = (x <= 0) | (x >= length)
        concrete = is_concrete((outside, x, s, length))
        x = fail_if(x, outside, "notch_positions must lie inside the track (0, length)"
                    + (f" = (0, {describe(length)}) m, got {describe(x)}" if concrete else ""))
        gaps = jnp.diff(x)
        x = fail_if(x, gaps <= 0, "notch_positions must be strictly increasing"
                    + (f", got {describe(x)}" if concrete else ""))
        overlap = gaps < 1.5 * (s[1:] + s[:-1])
        message = "notches overlap: centres closer than 1.5 (s_k + s_k+1)"
        if concrete and np.any(overlap):
            k = int(np.argmax(np.asarray(overlap)))
            xn, sn = np.asarray(x), np.asarray(s)
            message = (f"notches {k} and {k + 1} overlap: centres {xn[k]:.3g} and "
                       f"{xn[k + 1]:.3g} m are closer than 1.5 (s_k + s_k+1) = "
                       f"{1.5 * (sn[k] + sn[k + 1]):.3g} m")
        return fail_if(x, overlap, message)


def _check_direction(direction) -> None:
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 (towards +x) or -1 (towards -x), got "
                         f"{direction!r}")


class DWTrack(eqx.Module):
    """A straight or trapezoidal track with Gaussian fractional notches, and its electrical model.

    **Arguments** (SI)

    - `length`: track length L, m.
    - `w1`, `w2`: widths at x = 0 and x = L, m (equal: straight).
    - `notch_positions`: notch centres $x_k$, m, increasing, inside (0, L).
    - `notch_depths`: fractional width reductions $\\varepsilon_k$ in (0, 1) (scalar or per notch).
    - `notch_widths`: Gaussian widths $s_k$, m (default 25 nm: the seed's "50 nm notch").
    - `rho`: resistivity of the current-carrying layer, Ω m (190 µΩ cm, Ta).
    - `t_cond`: its thickness, m (5 nm).
    - `r_contact`: series contact resistance, Ω (0).

    **Raises**

    Naming the argument, for non-finite values, non-positive widths, length, `notch_widths`,
    `rho` or `t_cond`, a negative `r_contact`, depths outside (0, 1), notches outside the track,
    unsorted notches, or overlapping notches (centres closer than 1.5 (s_k + s_{k+1})):
    `ValueError` for concrete values, `equinox.EquinoxRuntimeError` when the compiled code runs
    for traced ones.
    """

    length: Array
    w1: Array
    w2: Array
    notch_positions: Array
    notch_depths: Array
    notch_widths: Array
    rho: Array
    t_cond: Array
    r_contact: Array

    def __init__(self, length, w1, w2, notch_positions, notch_depths=0.2, notch_widths=25e-9,
                 rho=190e-8, t_cond=5e-9, r_contact=0.0):
        self.length = check_positive("length", length, "m")
        self.w1 = check_positive("w1", w1, "m")
        self.w2 = check_positive("w2", w2, "m")
        self.rho = check_positive("rho", rho, "Ohm m")
        self.t_cond = check_positive("t_cond", t_cond, "m")
        self.r_contact = check_nonnegative("r_contact", r_contact, "Ohm")
        x = jnp.atleast_1d(check_finite("notch_positions", notch_positions, "m"))
        if x.ndim != 1:
            raise ValueError(f"notch_positions must be 1-D, got shape {x.shape}")
        eps = check_range("notch_depths", notch_depths, 0.0, 1.0, closed=False)
        self.notch_depths = _per_notch("notch_depths", eps, x.shape)
        s = _per_notch("notch_widths", check_positive("notch_widths", notch_widths, "m"), x.shape)
        self.notch_widths = s
        self.notch_positions = _check_notch_layout(x, s, self.length)

    @property
    def n_notches(self) -> int:
        return self.notch_positions.shape[0]

    def width(self, x: ArrayLike) -> Array:
        """Nominal (un-notched) width w(x), m."""
        return self.w1 + (self.w2 - self.w1) * jnp.asarray(x) / self.length

    @property
    def resistance(self) -> Array:
        """Track resistance, Ω: $\\rho L\\ln(w_2/w_1)/(t(w_2 - w_1))$ ($\\rho L/(t w)$ straight),
        plus `r_contact`."""
        dw = self.w2 - self.w1
        small = jnp.abs(dw) < 1e-6 * self.w1
        safe = jnp.where(small, 1.0, dw)
        ratio = jnp.where(small, 1.0, jnp.log(self.w2 / self.w1) / safe)
        # straight limit: ln(w2/w1)/(w2-w1) -> 1/w1 (second order in dw)
        ratio = jnp.where(small, 1.0 / self.w1 - 0.5 * dw / self.w1**2, ratio)
        return self.rho * self.length * ratio / self.t_cond + self.r_contact

    def current_density(self, x: ArrayLike, voltage: ArrayLike) -> Array:
        """Underlayer current density (A/m²) at x (m) for a voltage (V) across the track.

        **Raises** naming the argument for a non-finite `x` or `voltage` (`ValueError` now for
        concrete values, `equinox.EquinoxRuntimeError` at run time for traced ones)."""
        return self._current_density(check_finite("x", x, "m"),
                                     check_finite("voltage", voltage, "V"))

    def _current_density(self, x, voltage):
        # unchecked: called at every step of the solver, whose drive is checked once
        return voltage / (self.resistance * self.width(x) * self.t_cond)

    def wall_energy(self, q: ArrayLike, material: DWMaterial) -> Array:
        """E(q) = σ_w t_F w(q) [1 - Σ ε_k exp(-(q - x_k)²/2s_k²)], J."""
        u = (jnp.asarray(q)[..., None] - self.notch_positions) / self.notch_widths
        well = jnp.sum(self.notch_depths * jnp.exp(-0.5 * u * u), axis=-1)
        return material.wall_energy * material.thickness * self.width(q) * (1 - well)

    def pinning_field(self, q: ArrayLike, material: DWMaterial) -> Array:
        """$H_\\mathrm{pin}(q) = -E'(q)/(2\\mu_0 M_s t_F w(q))$, A/m (z-field equivalent)."""
        q = as_float(q)
        de = jnp.vectorize(jax.grad(lambda x: self.wall_energy(x, material)))(q)
        return -de / (2 * MU0 * material.ms * material.thickness * self.width(q))

    def depinning_fields(self, material: DWMaterial, direction: int = 1) -> Array:
        """Static depinning field of each notch for a wall pushed towards +x (`direction=1`) or
        -x (-1), A/m: the largest restoring field of the notch plus the taper,
        $\\frac{\\sigma_w}{2\\mu_0 M_s}[\\varepsilon e^{-1/2}/s \\pm w'/w\\,(1 - \\varepsilon
        e^{-1/2})]$ evaluated at $x_k \\pm s_k$ (exact for a straight track; the taper is a
        ~1 % correction). Differentiable in the geometry.

        **Raises** `ValueError` unless `direction` is +1 or -1."""
        _check_direction(direction)
        eps, s = self.notch_depths, self.notch_widths
        xq = self.notch_positions + direction * s
        taper = (self.w2 - self.w1) / self.length / self.width(xq)
        e12 = math.exp(-0.5)
        return material.wall_energy / (2 * MU0 * material.ms) * (
            eps * e12 / s + direction * taper * (1 - eps * e12))

    def depinning_current_densities(self, material: DWMaterial, h_z: ArrayLike = 0.0,
                                    direction: int = 1) -> Array:
        """$J_\\mathrm{dep} = \\frac{2}{\\pi}\\frac{2e\\mu_0 M_s t_F}{\\hbar|\\theta|}
        \\frac{H_\\mathrm{dep} - d\\,H_z}{|\\cos\\phi^*|}$ per notch, A/m² (magnitudes; §3.3).
        `h_z` (A/m) is counted positive when it pushes the wall the same way as the current;
        the result is <= 0 for a notch that the field alone depins.

        **Raises** naming the argument for a non-finite `h_z` or a `direction` other than ±1
        (`ValueError` now, `equinox.EquinoxRuntimeError` at run time for a traced `h_z`)."""
        h_z = check_finite("h_z", h_z, "A/m")
        pref = 2 * E_CHARGE * MU0 * material.ms * material.thickness / (
            HBAR * jnp.abs(material.theta_sh))
        h = self.depinning_fields(material, direction) - h_z
        return (2 / jnp.pi) * pref * h / material.cos_phi_star

    def depinning_voltages(self, material: DWMaterial, h_z: ArrayLike = 0.0,
                           direction: int = 1) -> Array:
        """Voltage across the track that depins each notch (quasi-static), V:
        $J_{\\mathrm{dep},k}\\,w(x_k)\\,t\\,R$. Increasing along a widening trapezoid.
        Same arguments and checks as `depinning_current_densities`."""
        j = self.depinning_current_densities(material, h_z, direction)
        return j * self.width(self.notch_positions) * self.t_cond * self.resistance


def _drive_term(name: str, value, unit: str) -> AbstractWaveform:
    """A number checked finite (naming `name`) and wrapped as a `Constant`; a waveform as is
    (the waveforms check their own numbers)."""
    if isinstance(value, AbstractWaveform):
        return value
    return as_waveform(check_finite(name, value, unit))


class DWDrive(eqx.Module):
    """What drives the wall: voltage across the track (V) or a uniform underlayer current
    density (A/m², overrides the voltage), and applied fields (A/m), each a number or an
    `AbstractWaveform` of time (s).

    **Raises** naming the argument for a non-finite number (`ValueError` now for concrete
    values, `equinox.EquinoxRuntimeError` at run time for traced ones).
    """

    voltage: AbstractWaveform
    current_density: AbstractWaveform | None
    h_z: AbstractWaveform
    h_x: AbstractWaveform
    h_y: AbstractWaveform

    def __init__(self, voltage=0.0, *, current_density=None, h_z=0.0, h_x=0.0, h_y=0.0):
        self.voltage = _drive_term("voltage", voltage, "V")
        self.current_density = (None if current_density is None
                                else _drive_term("current_density", current_density, "A/m^2"))
        self.h_z = _drive_term("h_z", h_z, "A/m")
        self.h_x = _drive_term("h_x", h_x, "A/m")
        self.h_y = _drive_term("h_y", h_y, "A/m")


class DomainWall(eqx.Module):
    """The (q, φ) model of one wall of charge Q (+1 up|down, -1 down|up) on a track."""

    material: DWMaterial
    track: DWTrack
    charge: int = eqx.field(static=True, default=1)

    def __check_init__(self):
        if self.charge not in (1, -1):
            raise ValueError(f"charge must be +1 (up|down) or -1 (down|up), got {self.charge}")

    def _rates(self, t_s, q, phi, drive: DWDrive, h_th_q=0.0, h_th_phi=0.0):
        """(dq/dt in m/s, dphi/dt in rad/s) at SI time t_s."""
        mat, tr, qc = self.material, self.track, self.charge
        alpha = mat.alpha
        if drive.current_density is not None:
            j = drive.current_density(t_s)
        else:
            j = tr._current_density(q, drive.voltage(t_s))
        h_sl = mat.h_sl(j)
        h_pin = tr.pinning_field(q, mat)
        gb = GAMMA0 * qc * (drive.h_z(t_s) + h_pin + h_th_q + 0.5 * jnp.pi * h_sl * jnp.cos(phi))
        ga = GAMMA0 * (-0.5 * mat.h_k * jnp.sin(2 * phi)
                       + qc * 0.5 * jnp.pi * mat.h_d * jnp.sin(phi)
                       + 0.5 * jnp.pi * (drive.h_x(t_s) * jnp.sin(phi)
                                         - drive.h_y(t_s) * jnp.cos(phi)) + h_th_phi)
        inv = 1 / (1 + alpha * alpha)
        return mat.wall_width * (ga + alpha * gb) * inv, (gb - alpha * ga) * inv

    def thermal_field_std(self, q: ArrayLike) -> Array:
        """$\\sqrt{\\alpha k_B T/(\\gamma_0\\mu_0 M_s S\\Delta)}$, A/m s^{1/2} (§3.5)."""
        mat = self.material
        s = self.track.width(q) * mat.thickness
        return jnp.sqrt(mat.alpha * KB * mat.temperature /
                        (GAMMA0 * MU0 * mat.ms * s * mat.wall_width))

    def velocity(self, t, q, phi, drive):
        return self._rates(t, q, phi, drive)

    def max_rate(self, drive: DWDrive) -> Array | None:
        r"""A bound of the fastest rate of the deterministic (q/Δ, φ) flow under `drive`,
        rad/s: $\gamma_0\frac{1+\alpha}{1+\alpha^2}\big[H_K + \frac{\pi}{2}(|H_D| +
        |H_\mathrm{SL}| + |H_x| + |H_y|) + |H_z| + \Delta\max|\partial_q H_\mathrm{pin}|\big]$
        with each drive at its `peak()` (the current density of a voltage drive at the
        narrowest width) and the notch stiffness $\sigma_w\varepsilon_k/(2\mu_0 M_s s_k^2)$.
        None when a waveform cannot bound itself. `solve_dw` refuses fixed steps with
        `max_rate * dt` above `MAX_OMEGA_DT`."""
        j_wave = drive.voltage if drive.current_density is None else drive.current_density
        peaks = [w.peak() for w in (j_wave, drive.h_x, drive.h_y, drive.h_z)]
        if any(p is None for p in peaks):
            return None
        j, h_x, h_y, h_z = peaks
        mat, tr = self.material, self.track
        if drive.current_density is None:
            j = j / (tr.resistance * jnp.minimum(tr.w1, tr.w2) * tr.t_cond)
        stiff = tr.notch_depths / tr.notch_widths ** 2
        h_pin = (mat.wall_energy * mat.wall_width / (2 * MU0 * mat.ms)
                 * (jnp.max(stiff) if tr.n_notches else 0.0))
        fields = (mat.h_k + 0.5 * jnp.pi * (jnp.abs(mat.h_d) + jnp.abs(mat.h_sl(j)) + h_x + h_y)
                  + h_z + h_pin)
        return GAMMA0 * (1 + mat.alpha) / (1 + mat.alpha ** 2) * fields


class DWSolution(eqx.Module):
    """Result of `solve_dw`: `ts` (s), `q` (m), `phi` (rad) at the save times; `q_final`,
    `phi_final`; `num_steps`; `result`, the diffrax `RESULTS` code (`RESULTS.nonfinite` when
    the final state is NaN/inf, with `throw=False`)."""

    ts: Array
    q: Array
    phi: Array
    q_final: Array
    phi_final: Array
    num_steps: Array
    result: diffrax.RESULTS


def _check_time_grid(t0, t1, dt):
    """`(t0, t1, dt)` (s) checked: finite times with t1 > t0, and a step dt that is finite,
    > 0 and no longer than the span t1 - t0 (a longer one would "solve" the run in one step)."""
    t0 = check_finite("t0", t0, "s")
    t1 = check_finite("t1", t1, "s")
    dt = check_finite("dt", dt, "s")
    with concrete_eval((t0, t1, dt)):
        span = t1 - t0
        concrete = is_concrete((span, t0, t1, dt))
        t1 = fail_if(t1, span <= 0, "t1 must be > t0"
                     + (f", got t0 = {describe(t0)} s, t1 = {describe(t1)} s" if concrete
                        else ""))
        # the relative slack lets dt = t1 - t0 through the rounding of the subtraction
        dt = fail_if(dt, (dt <= 0) | (dt > span * (1 + 1e-6)),
                     "dt must be > 0 and no longer than the span t1 - t0"
                     + (f", got dt = {describe(dt)} s for a span of {describe(span)} s"
                        if concrete else ""))
    return t0, t1, dt


#: The largest `DomainWall.max_rate * dt` a fixed-step `solve_dw` accepts (as for the LLGS
#: solvers): about 0.1 is accurate; at 1 a Heun step turns the wall angle by about a radian.
MAX_OMEGA_DT = 1.0


def _check_step(wall: DomainWall, drive: DWDrive, dt, carrier):
    """`carrier` (an array the solve uses, e.g. its initial state) with the check that
    `wall.max_rate(drive) * dt` (dt in s) is at most `MAX_OMEGA_DT` attached to it."""
    rate = wall.max_rate(drive)
    if rate is None:
        return carrier
    with concrete_eval((rate, dt)):
        omega_dt = rate * dt
        msg = (f"dt is too long for this wall and drive: omega_max*dt must be <= "
               f"{MAX_OMEGA_DT} (about 0.1 is accurate)")
        if is_concrete((omega_dt, rate, dt)):
            msg += (f", got omega_max*dt = {float(omega_dt):.3g} (dt = {describe(dt)} s, "
                    f"omega_max = {float(rate):.3g} rad/s from the anisotropy, DMI, notches and "
                    f"the drive's peak); use dt <= {float(0.1 / rate):.3g} s, adaptive=True, or "
                    "check_step=False")
        return fail_if(carrier, omega_dt > MAX_OMEGA_DT, msg)


def solve_dw(wall: DomainWall, drive: DWDrive, q0: ArrayLike, phi0: ArrayLike, t1: float, *,
             dt: float = 1e-12, t0: float = 0.0, key: PRNGKeyArray | None = None,
             saveat: int | None = None, adaptive: bool = False, rtol: float = 1e-6,
             atol: float = 1e-6, max_steps: int | None = None, throw: bool = True,
             check_step: bool = True) -> DWSolution:
    """Integrate the (q, φ) equations from (`q0` m, `phi0` rad) over [`t0`, `t1`] s.

    - `dt`: the step, s (the first step with `adaptive=True`); finite, > 0 and no longer than
      `t1 - t0`.
    - `key`: PRNG key for the thermal fields at `wall.material.temperature` (SDE, Stratonovich
      Heun with `diffrax.UnsafeBrownianPath`, fixed step `dt`), or None (ODE: Heun with fixed
      `dt`, or Tsit5 with `adaptive=True`).
    - `saveat`: number (>= 2) of equally spaced save points from `t0` to `t1` (default: only
      the end).
    - `max_steps`: step budget (default: the fixed-step count plus 10, or 100 000 adaptive
      steps); needed when `t0`, `t1` or `dt` are traced with fixed steps.
    - `check_step`: with fixed steps, refuse a `dt` for which `wall.max_rate(drive) * dt`
      exceeds `MAX_OMEGA_DT` (a very strong drive or stiff notch needs a shorter step).
    - `throw`: raise when the solve fails (the step budget runs out, or the final state is
      NaN/inf: a drive far too strong for `dt`); with False, report it in `result` instead.

    Pure and `jit`/`vmap`/`grad`-compatible; the times may be traced if `max_steps` is given.

    **Raises**

    `ValueError` for concrete bad times (non-finite, `t1 <= t0`, `dt` not in (0, t1 - t0], a
    fixed step too long for the drive, see `check_step`),
    a non-finite `q0`/`phi0`, `saveat < 2`, `max_steps < 1`, or non-positive `rtol`/`atol`;
    for traced values the same checks raise `equinox.EquinoxRuntimeError` when the compiled
    code runs. With `throw=True`, a failed solve raises `equinox.EquinoxRuntimeError`.
    """
    concrete_times = is_concrete((t0, t1, dt))
    t0c, t1c, dtc = _check_time_grid(t0, t1, dt)
    if saveat is not None and not (isinstance(saveat, int | np.integer) and saveat >= 2):
        raise ValueError(f"saveat must be an int >= 2 (save points from t0 to t1), got "
                         f"{saveat!r}")
    if max_steps is not None and not (isinstance(max_steps, int | np.integer) and max_steps >= 1):
        raise ValueError(f"max_steps must be an int >= 1, got {max_steps!r}")
    if adaptive:
        rtol = check_positive("rtol", rtol)
        atol = check_positive("atol", atol)
    q0 = check_finite("q0", q0, "m")
    phi0 = check_finite("phi0", phi0, "rad")
    dtype = jnp.result_type(q0, phi0, wall.material.ms)
    y0 = jnp.stack([jnp.asarray(q0, dtype) / _NM, jnp.asarray(phi0, dtype)])
    if check_step and (key is not None or not adaptive):
        # on y0, so that a traced drive is checked although concrete times stay Python floats
        y0 = _check_step(wall, drive, dtc, y0)

    def drift(t_ns, y, args):
        dq, dphi = wall._rates(t_ns * _NS, y[0] * _NM, y[1], drive)
        return jnp.stack([dq * _NS / _NM, dphi * _NS])

    if concrete_times:  # Python floats: the step count is static
        ts0, ts1, dt_ns = float(t0) / _NS, float(t1) / _NS, float(dt) / _NS
        n_steps = int(math.ceil((ts1 - ts0) / dt_ns))
    else:
        ts0, ts1, dt_ns = t0c / _NS, t1c / _NS, dtc / _NS
        n_steps = None
    if max_steps is None:
        if adaptive:
            max_steps = 100_000
        elif n_steps is None:
            raise ValueError("solve_dw: with traced t0, t1 or dt and fixed steps, pass "
                             "max_steps (the step count must be known when compiling)")
        else:
            max_steps = n_steps + 10
    if saveat is None:
        save = diffrax.SaveAt(t1=True)
    else:
        save = diffrax.SaveAt(ts=jnp.linspace(ts0, ts1, int(saveat), dtype=dtype))
    if key is not None:
        def diffusion(t_ns, y, args):
            mat, qc = wall.material, wall.charge
            sig = wall.thermal_field_std(y[0] * _NM) * GAMMA0 * math.sqrt(_NS)
            inv = 1 / (1 + mat.alpha ** 2)
            delta = mat.wall_width / _NM
            # columns: (dW_q, dW_phi); q in nm, time in ns
            return jnp.array([[delta * mat.alpha * qc * sig * inv, delta * sig * inv],
                              [qc * sig * inv, -mat.alpha * sig * inv]], dtype)

        bm = diffrax.UnsafeBrownianPath(shape=(2,), key=key)
        terms = diffrax.MultiTerm(diffrax.ODETerm(drift),
                                  diffrax.ControlTerm(diffusion, bm))
        solver, controller = diffrax.Heun(), diffrax.ConstantStepSize()
        adjoint = diffrax.ForwardMode()
    else:
        terms = diffrax.ODETerm(drift)
        if adaptive:
            solver = diffrax.Tsit5()
            controller = diffrax.PIDController(rtol=rtol, atol=atol)
        else:
            solver, controller = diffrax.Heun(), diffrax.ConstantStepSize()
        adjoint = diffrax.RecursiveCheckpointAdjoint()
    sol = diffrax.diffeqsolve(terms, solver, ts0, ts1, dt_ns, y0, saveat=save,
                              stepsize_controller=controller, max_steps=max_steps,
                              adjoint=adjoint, throw=throw)
    ys = sol.ys
    bad = ~jnp.all(jnp.isfinite(ys[-1]))
    result = diffrax.RESULTS.where(bad, diffrax.RESULTS.nonfinite, sol.result)
    if throw:
        ys = eqx.error_if(
            ys, bad,
            "solve_dw: the wall state (q, phi) became non-finite (NaN/inf): a drive far too "
            "strong for the step dt (use a shorter dt or adaptive=True) or an unphysical "
            "parameter; pass throw=False to get the result code instead")
    return DWSolution(ts=sol.ts * _NS, q=ys[:, 0] * _NM, phi=ys[:, 1], q_final=ys[-1, 0] * _NM,
                      phi_final=ys[-1, 1], num_steps=sol.stats["num_steps"], result=result)


# -- closed forms -----------------------------------------------------------------------------


def thiaville_velocity(h_sl: ArrayLike, h_d: ArrayLike, alpha: ArrayLike,
                       wall_width: ArrayLike) -> Array:
    """Steady SOT-driven velocity of a chiral Néel wall with $H_K = 0$ (Thiaville et al. 2012):
    $v = (\\pi/2)\\gamma_0\\Delta H_D/\\sqrt{1 + (\\alpha H_D/H_\\mathrm{SL})^2}$, m/s
    (sign of $H_D H_\\mathrm{SL}$ for Q = +1), for the SOT field `h_sl` and DMI field `h_d`
    (A/m), damping `alpha` and wall width `wall_width` (m). 0 without drive (`h_sl = 0`), the
    limit of the formula, with a finite gradient.

    **Raises** naming the argument for non-finite fields, a negative `alpha` or a non-positive
    `wall_width` (`ValueError` now, `equinox.EquinoxRuntimeError` at run time when traced)."""
    h_sl = check_finite("h_sl", h_sl, "A/m")
    h_d = check_finite("h_d", h_d, "A/m")
    alpha = check_nonnegative("alpha", alpha)
    wall_width = check_positive("wall_width", wall_width, "m")
    driven = h_sl != 0
    safe = jnp.where(driven, h_sl, 1.0)
    v = (0.5 * jnp.pi * GAMMA0 * wall_width * h_d * jnp.sign(safe)
         / jnp.sqrt(1 + (alpha * h_d / safe) ** 2))
    return jnp.where(driven, v, 0.0 * v)


def parallel_fraction(q: ArrayLike, x_a: ArrayLike, x_b: ArrayLike, wall_width: ArrayLike,
                      p_side: str = "left") -> Array:
    r"""Fraction of a uniform-width MTJ on [x_a, x_b] (m) that is parallel when the wall is at
    q (m) (PHYSICS.md §3.6): for the region *behind* the wall (x < q, `p_side="left"`, the
    seed-003 geometry: saturated AP, the wall swept in from the left)
    $f_P = \frac12 - \frac{\Delta}{2L}[\mathrm{lc}((x_b-q)/\Delta) - \mathrm{lc}((x_a-q)/\Delta)]$,
    lc = log cosh; `p_side="right"` gives 1 - that. Smooth in q.

    **Raises** naming the argument for non-finite positions, `x_b <= x_a`, a non-positive
    `wall_width` (`ValueError` now, `equinox.EquinoxRuntimeError` at run time when traced) or
    an unknown `p_side` (`ValueError`)."""
    if p_side not in ("left", "right"):
        raise ValueError(f"p_side must be 'left' or 'right', got {p_side!r}")

    def lc(y):
        a = jnp.abs(y)
        return a + jnp.log1p(jnp.exp(-2 * a)) - math.log(2)

    q = check_finite("q", q, "m")
    x_a = check_finite("x_a", x_a, "m")
    x_b = check_finite("x_b", x_b, "m")
    with concrete_eval((x_a, x_b)):
        empty = x_b <= x_a
        x_b = fail_if(x_b, empty, "x_b must be > x_a (the MTJ spans [x_a, x_b])"
                      + (f", got x_a = {describe(x_a)} m, x_b = {describe(x_b)} m"
                         if is_concrete((empty, x_a, x_b)) else ""))
    wall_width = check_positive("wall_width", wall_width, "m")
    length = x_b - x_a
    right = 0.5 + wall_width / (2 * length) * (lc((x_b - q) / wall_width)
                                                - lc((x_a - q) / wall_width))
    return 1 - right if p_side == "left" else right


def depinning_probability(j: ArrayLike, j_dep: ArrayLike, pulse_width: ArrayLike,
                          barrier_kt: ArrayLike, tau0: ArrayLike = 1e-9,
                          exponent: float = 1.5) -> Array:
    r"""Thermally activated depinning during a pulse (§3.5):
    $P = 1 - \exp[-(\tau/\tau_0)\exp(-E_k(1 - J/J_\mathrm{dep})_+^{3/2}/k_BT)]$, with the
    barrier $E_k/k_BT$ = `barrier_kt`. Smooth (the power is taken of a softplus-free clamp at 0,
    so P → 1 - exp(-τ/τ0) ≈ 1 above J_dep).

    - `j`, `j_dep`: current density and depinning current density, A/m². A `j_dep <= 0` (the
      applied field alone depins the notch, `DWTrack.depinning_current_densities`) means no
      barrier: P = 1 - exp(-τ/τ0) for every `j`.
    - `pulse_width` τ (s, >= 0), `barrier_kt` (>= 0), `tau0` (s, > 0), `exponent` (> 0).

    **Raises** naming the argument for a value outside those ranges or not finite
    (`ValueError` now, `equinox.EquinoxRuntimeError` at run time when traced)."""
    j = check_finite("j", j, "A/m^2")
    j_dep = check_finite("j_dep", j_dep, "A/m^2")
    pulse_width = check_nonnegative("pulse_width", pulse_width, "s")
    barrier_kt = check_nonnegative("barrier_kt", barrier_kt)
    tau0 = check_positive("tau0", tau0, "s")
    exponent = check_positive("exponent", exponent)
    pinned = j_dep > 0
    x = jnp.clip(1 - j / jnp.where(pinned, j_dep, 1.0), 0.0, None)
    x = jnp.where(pinned, x, 0.0)
    rate = jnp.exp(-barrier_kt * x ** exponent)
    return -jnp.expm1(-(pulse_width / tau0) * rate)


def hopping_distribution(p_leave: ArrayLike, start: ArrayLike) -> Array:
    r"""Compact notch-hopping chain (§3.7): with $p_k$ the probability of leaving notch k during
    a pulse, a wall starting at notch `start` stops at $k' \ge$ `start` with probability
    $(1 - p_{k'})\prod_{j=\mathrm{start}}^{k'-1} p_j$; the last notch (end of the track) keeps
    whatever passes. Returns the distribution over notches (shape (K,), sums to 1);
    differentiable in `p_leave` (and `start` may be traced).

    **Raises** naming the argument for probabilities outside [0, 1] or a `start` that is not an
    integer index in [0, K - 1] (`ValueError` now, `equinox.EquinoxRuntimeError` at run time
    when traced)."""
    p = check_range("p_leave", p_leave, 0.0, 1.0)
    if p.ndim == 0:
        raise ValueError("p_leave must have one probability per notch (shape (..., K)), got a "
                         "scalar")
    n = p.shape[-1]
    start = ensure("start", start, lambda s: (s >= 0) & (s <= n - 1) & (s == jnp.round(s)),
                   f"an integer state index in [0, {n - 1}]", to_float=False)
    k = jnp.arange(n)
    passed = jnp.where(k >= start, p, 1.0)
    # survival to k': product of p_j for start <= j < k'
    cum = jnp.concatenate([jnp.ones(p.shape[:-1] + (1,), p.dtype),
                           jnp.cumprod(passed, axis=-1)[..., :-1]], axis=-1)
    stop = jnp.where(k == n - 1, 1.0, 1 - p)
    return jnp.where(k >= start, cum * stop, 0.0)


def f_meta(w: ArrayLike, width_ratio: ArrayLike, form: str = "linear") -> Array:
    r"""Seed 003's metaplastic function of the hidden weight $W \in [-1, 1]$ for a trapezoid of
    width ratio $r = w_1/w_2$ (PHYSICS.md §3.7):

    - `"linear"` (the seed's Eq. 1 as reconstructed): $1 - |W|(1 - r)$;
    - `"hyperbolic"` (physics-derived current-density ratio): $r/(r + |W|(1 - r))$.

    Both are 1 at W = 0 and r at |W| = 1; differentiable in `w` and `width_ratio`.

    **Raises** naming the argument for `w` outside [-1, 1], a non-positive or non-finite
    `width_ratio` (`ValueError` now, `equinox.EquinoxRuntimeError` at run time when traced) or
    an unknown `form` (`ValueError`)."""
    if form not in ("linear", "hyperbolic"):
        raise ValueError(f"form must be 'linear' or 'hyperbolic', got {form!r}")
    width_ratio = check_positive("width_ratio", width_ratio)
    a = jnp.abs(check_range("w", w, -1.0, 1.0))
    if form == "linear":
        return 1 - a * (1 - width_ratio)
    return width_ratio / (width_ratio + a * (1 - width_ratio))


__all__ = ["DWMaterial", "DWTrack", "DWDrive", "DomainWall", "DWSolution", "solve_dw",
           "MAX_OMEGA_DT",
           "thiaville_velocity", "parallel_fraction", "depinning_probability",
           "hopping_distribution", "f_meta"]
