r"""Compound SOT-MTJ: n in-plane MTJs on one heavy-metal write channel (seed 002; PHYSICS.md
§4.3, §2.6, §4.5).

Kumar et al., Nanoscale Horiz. 9, 1522 (2024): n = 1-3 elliptical 250 × 500 nm² MTJs sit
1.2 µm apart on a shared Pt(10)/Ta(4) channel 0.9 µm wide; their top electrodes are bonded
together, so the read-out is the parallel resistance $1/R = \sum_i 1/R_i(s_i)$ with n + 1
levels. A write pulse V across the channel drives $I_\mathrm{ch} = V/(R_\mathrm{ch} + R_s)$
through every cell alike; cell i switches when $|I_\mathrm{ch}|$ exceeds its critical current
(negative V: AP→P, positive V: P→AP, with the matching assist field). Switching one cell does
not change the drive of the others (unlike the series chain).

Model choices, all documented flags of PHYSICS.md:

- Critical current: the in-plane antidamping threshold of §2.6 (seed Eq. 1 read dimensionally),
  linear in $t_F$ with $K_s$ = 0.973 mJ/m² and $\mu_0 H_c$ = 10 mT; $(\alpha/\theta)_\mathrm{eff}$
  is calibrated so that a 1-cell device switches at the seed's 0.7 V at 1.6 nm (field-free,
  Fig. 4c). The same formula then gives 2.0 V at 2.6 nm.
- Channel: $R_\mathrm{ch}$ linear in the channel length through the seed's two numbers
  (≈ 300 Ω for 0.9 µm, ≈ 600 Ω for 3.25 µm), length 0.9 µm + (n - 1) × 1.175 µm.
- Series resistance $R_s$ (default 900 Ω): without it the 3-cell device would need 2x the
  1-cell voltage; the seed measures only 20-30 % more. $R_s$ = 900 Ω gives +25 % (§4.3 flag).
- Cell-to-cell spread of the critical current (default 5 % relative, **assumed**): identical
  cells on one channel would all switch at the same voltage; the seed's 3-cell R(V) shows
  distinct steps.
- Breakdown: the seed's average $V_B$ rises linearly from 1.8 to 2.0 V (1 cell) and from 1.7
  to 1.9 V (3 cells) over 1.6-2.6 nm; 2 cells are interpolated. A drive above it raises.
- TMR(t_F): the §4.5 exponential fit; $R_P$ from RA = 2.47 kΩ µm² (25.2 kΩ at 1.6 nm over the
  0.0982 µm² ellipse; the seed's R_P(t) is dome-shaped but unreported beyond 1.6 nm, so RA is
  held constant).

**[FLAG]** The seed's "TMR difference between consecutive states of at least 21 %" does not
follow from a parallel model with 33-78 % per-cell TMR: consecutive level ratios are
1.11-1.26 (`consecutive_ratios`). We report what the model gives and do not force it.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float

from ..constants import MU0
from ..physics._checks import (
    check_finite,
    check_nonnegative,
    check_positive,
    check_range,
    describe,
    fail_if,
    is_concrete,
)
from ..physics._thresholds import critical_current_inplane_sot, tmr_vs_thickness
from ._base import AbstractSynapse

# -- seed-002 numbers (Kumar et al. 2024) and PHYSICS.md fits ---------------------------------
SEED002_MS = 1.2e6  # A/m (assumed, PHYSICS.md §6)
SEED002_K_S = 0.973e-3  # J/m^2 (derived, §2.6)
SEED002_H_C = 10e-3 / MU0  # A/m, device coercivity (seed)
SEED002_HM_WIDTH = 0.9e-6  # m (seed)
SEED002_HM_THICKNESS = 10e-9  # m, Pt (seed; the 4 nm Ta underlayer is neglected as in §2.6)
SEED002_MTJ_AREA = math.pi * 0.125e-6 * 0.25e-6  # m^2, 250 x 500 nm ellipse
SEED002_RA = 25.2e3 * SEED002_MTJ_AREA  # Ohm m^2 (R_P = 25.2 kOhm at 1.6 nm)
SEED002_CELL_PITCH = 1.175e-6  # m: 0.9 um (1 cell) -> 3.25 um (3 cells)
SEED002_V_C_ANCHOR = (1.6e-9, 0.7)  # (t_F m, V): field-free 1-cell V_c (seed Fig. 4c)
_R_CH_POINTS = ((0.9e-6, 300.0), (3.25e-6, 600.0))  # (channel length m, Ohm), seed


def _check_cells(n) -> int:
    if not (isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 1):
        raise ValueError(f"n (cells on the channel) must be an int >= 1, got {n!r}")
    return int(n)


def channel_length(n: int) -> float:
    """Write-channel length for n cells, m (0.9 µm for one, 3.25 µm for three).

    **Raises** `ValueError` unless `n` is an int >= 1."""
    return 0.9e-6 + (_check_cells(n) - 1) * SEED002_CELL_PITCH


def channel_resistance(length: ArrayLike) -> Array:
    """Channel resistance (Ω) linear in length (m) through the seed's 300 Ω / 600 Ω points.

    **Raises** for a length that is not finite and > 0 (`EquinoxRuntimeError` when traced)."""
    (l0, r0), (l1, r1) = _R_CH_POINTS
    return r0 + (check_positive("length", length, "m") - l0) * (r1 - r0) / (l1 - l0)


def breakdown_voltage(t_f: ArrayLike, n: int) -> Array:
    """Average breakdown voltage (V) versus free-layer thickness `t_f` (m), seed Fig. 4h: 1.8 →
    2.0 V for one cell, 1.7 → 1.9 V for three (linear over 1.6-2.6 nm, clamped outside; n = 2
    and n > 3 interpolated/extrapolated in n, floored at 1.5 V).

    **Raises** for a `t_f` that is not finite and > 0, or `n` not an int >= 1."""
    n = _check_cells(n)
    x = jnp.clip((check_positive("t_f", t_f, "m") - 1.6e-9) / 1.0e-9, 0.0, 1.0)
    base = jnp.maximum(1.8 - 0.05 * (n - 1), 1.5)
    return base + 0.2 * x


def _ic_per_alpha_over_theta(t_f):
    return critical_current_inplane_sot(SEED002_MS, t_f, 1.0, 1.0, SEED002_H_C, SEED002_K_S,
                                        SEED002_HM_WIDTH, SEED002_HM_THICKNESS)


def calibrated_alpha_over_theta(r_series: ArrayLike = 900.0) -> Array:
    r"""$(\alpha/\theta)_\mathrm{eff}$ that makes a 1-cell device switch at 0.7 V at 1.6 nm with
    series resistance `r_series` (Ω; PHYSICS.md §2.6: 0.173 at 300 Ω total, 0.043 at 1200 Ω).

    **Raises** for an `r_series` that is not finite and >= 0."""
    r_series = check_nonnegative("r_series", r_series, "Ohm")
    t, v = SEED002_V_C_ANCHOR
    return v / (_ic_per_alpha_over_theta(t) * (channel_resistance(channel_length(1)) + r_series))


class ParallelSOTCell(AbstractSynapse):
    """n SOT-MTJ cells on one write channel, read in parallel (seed 002).

    **Arguments** (SI; per-cell fields have shape (n,), others are scalars)

    - `r_p`: P-state resistance of each cell, Ω.
    - `tmr`: TMR of each cell (ratio), > 0; $R_{AP} = R_P(1 + \\mathrm{TMR})$.
    - `i_c`: critical channel current of each cell, A (magnitude; same for both directions).
    - `r_channel`: write-channel resistance, Ω.
    - `r_series`: lumped series resistance (contacts, lines), Ω.
    - `v_breakdown`: device breakdown voltage, V.

    Most users start from `ParallelSOTCell.from_thickness`.

    **Raises** `ValueError` naming the field (echoing its value) for non-finite or
    non-positive values (`r_series` may be 0) or mismatched shapes; traced fields raise
    `equinox.EquinoxRuntimeError` naming the field when the compiled code runs.
    """

    r_p: Array
    tmr: Array
    i_c: Array
    r_channel: Array
    r_series: Array
    v_breakdown: Array

    def __init__(self, r_p, tmr, i_c, r_channel, r_series, v_breakdown):
        r_p = jnp.atleast_1d(check_positive("r_p", r_p, "Ohm"))
        tmr = jnp.atleast_1d(check_positive("tmr", tmr))
        i_c = jnp.atleast_1d(check_positive("i_c", i_c, "A"))
        try:
            shape = jnp.broadcast_shapes(r_p.shape, tmr.shape, i_c.shape)
        except ValueError:
            shape = ()
        if len(shape) != 1 or shape[0] < 1:
            raise ValueError(f"r_p, tmr and i_c must be per-cell 1-D arrays of one length n >= 1,"
                             f" got shapes {r_p.shape}, {tmr.shape}, {i_c.shape}")
        self.r_p = jnp.broadcast_to(r_p, shape)
        self.tmr = jnp.broadcast_to(tmr, shape)
        self.i_c = jnp.broadcast_to(i_c, shape)
        for name, value, unit, check in (("r_channel", r_channel, "Ohm", check_positive),
                                         ("r_series", r_series, "Ohm", check_nonnegative),
                                         ("v_breakdown", v_breakdown, "V", check_positive)):
            value = check(name, value, unit)
            if value.ndim:
                raise ValueError(f"{name} must be a scalar (shared by the cells), got shape "
                                 f"{value.shape}")
            setattr(self, name, value)

    @classmethod
    def from_thickness(cls, t_f: ArrayLike, n: int, *, r_series: ArrayLike = 900.0,
                       alpha_over_theta: ArrayLike | None = None, ra: ArrayLike = SEED002_RA,
                       cell_spread: ArrayLike = 0.05, key=None, h_assist: ArrayLike = 0.0
                       ) -> ParallelSOTCell:
        r"""The seed-002 device at free-layer thickness `t_f` (m, 1.6-2.6 nm) with `n` cells.

        - `r_series`: lumped series resistance, Ω (default 900: the seed's +20-30 % for 3 cells).
        - `alpha_over_theta`: $(\alpha/\theta)_\mathrm{eff}$; default
          `calibrated_alpha_over_theta(r_series)` (0.7 V at 1.6 nm, 1 cell).
        - `ra`: resistance-area product, Ω m² (default 2.47e-9, i.e. 2.47 kΩ µm²: R_P = 25.2 kΩ).
        - `cell_spread`, `key`: relative std of the cells' critical currents and the PRNG key
          that draws them; without a key the cells get the deterministic offsets
          $\sigma\,\Phi^{-1}((i + 1/2)/n)$ (evenly spaced quantiles), so a nominal device
          still has n distinct steps.
        - `h_assist`: in-plane assist field along the easy axis, A/m, counted positive when it
          assists the switch; it lowers $H_c$ in the threshold.

        Differentiable in `t_f`, `r_series`, `alpha_over_theta`, `ra`, `cell_spread`.

        **Raises** `ValueError` (`EquinoxRuntimeError` for traced values) naming the argument
        for `n` not an int >= 1, `t_f` outside [1, 4] nm, a negative `cell_spread` or
        `r_series`, a non-positive `alpha_over_theta` or `ra`, an `h_assist` that is not finite
        or not below the coercivity (10 mT / µ0: the cell would switch with no current), and
        a spread so large that a drawn critical current is <= 0.
        """
        n = _check_cells(n)
        t_f = check_range("t_f", t_f, 1.0e-9, 4.0e-9, unit="m")
        cell_spread = check_nonnegative("cell_spread", cell_spread)
        r_series = check_nonnegative("r_series", r_series, "Ohm")
        ra = check_positive("ra", ra, "Ohm m^2")
        h_assist = check_finite("h_assist", h_assist, "A/m")
        h_assist = fail_if(h_assist, h_assist >= SEED002_H_C,
                           f"h_assist must be below the coercivity {SEED002_H_C:.4g} A/m "
                           f"(10 mT / mu0), got "
                           + (f"{describe(h_assist)} A/m" if is_concrete(h_assist) else "more"))
        aot = calibrated_alpha_over_theta(r_series) if alpha_over_theta is None \
            else check_positive("alpha_over_theta", alpha_over_theta)
        ic = critical_current_inplane_sot(SEED002_MS, t_f, aot, 1.0, SEED002_H_C - h_assist,
                                          SEED002_K_S, SEED002_HM_WIDTH, SEED002_HM_THICKNESS)
        if key is None:
            q = (np.arange(n) + 0.5) / n
            z = np.sqrt(2.0) * jax.scipy.special.erfinv(jnp.asarray(2 * q - 1, t_f.dtype))
        else:
            z = jax.random.normal(key, (n,), t_f.dtype)
        i_c = ic * (1 + cell_spread * z)
        i_c = fail_if(i_c, i_c <= 0, "cell_spread "
                      + (f"= {describe(cell_spread)} " if is_concrete(cell_spread) else "")
                      + "draws a non-positive critical current i_c; reduce it")
        r_p = ra / SEED002_MTJ_AREA
        return cls(r_p=jnp.full((n,), r_p, t_f.dtype) * jnp.ones((), t_f.dtype),
                   tmr=jnp.full((n,), tmr_vs_thickness(t_f)),
                   i_c=i_c, r_channel=channel_resistance(channel_length(n)),
                   r_series=r_series, v_breakdown=breakdown_voltage(t_f, n))

    @property
    def n(self) -> int:
        return self.r_p.shape[-1]

    @property
    def r_ap(self) -> Array:
        return self.r_p * (1 + self.tmr)

    def critical_voltages(self) -> Array:
        """Write-pulse amplitude (V) at which each cell switches: $I_c (R_\\mathrm{ch} + R_s)$."""
        return self.i_c * (self.r_channel + self.r_series)

    def check_drive(self, v: ArrayLike) -> Array:
        """`v` (V) as a float array if it is finite and |v| <= `v_breakdown`.

        **Raises** `ValueError` naming the write voltage `v` for a concrete NaN/inf or a drive
        above breakdown; `equinox.EquinoxRuntimeError` at run time for a traced one."""
        v = check_finite("v (write voltage)", v, "V")
        over = jnp.abs(v) > self.v_breakdown
        if is_concrete((v, self.v_breakdown)):
            msg = (f"write voltage v = {describe(v)} V exceeds the breakdown voltage "
                   f"v_breakdown = {float(self.v_breakdown):.3f} V")
        else:
            msg = "write voltage v exceeds the device breakdown voltage (v_breakdown)"
        return fail_if(v, over, msg)

    def _check_states(self, states) -> Array:
        """`states` as a bool array of shape (..., n) (one per cell)."""
        ap = jnp.asarray(states)
        if ap.shape[-1:] != (self.n,):
            raise ValueError(f"states must have shape (..., {self.n}) (one per cell, True = AP),"
                             f" got shape {ap.shape}")
        if jnp.issubdtype(ap.dtype, jnp.floating):
            ap = fail_if(ap, (ap != 0) & (ap != 1), "states must be booleans (or 0/1), got "
                         + (describe(ap) if is_concrete(ap) else "other values"))
        return ap.astype(bool)

    def conductance(self, states: ArrayLike) -> Array:
        """Read conductance (S) for cell `states` (True = AP, shape (..., n)):
        $\\sum_i 1/R_i(s_i)$. **Raises** `ValueError` for a wrong shape or non-0/1 values."""
        ap = self._check_states(states)
        return jnp.sum(1.0 / jnp.where(ap, self.r_ap, self.r_p), axis=-1)

    def level_states(self) -> Bool[Array, "L n"]:
        """States of the n + 1 levels along an AP→P write ramp from all-AP: row k has the k
        cells with the lowest critical voltage in P."""
        rank = jnp.argsort(jnp.argsort(self.i_c))
        return ~(rank[None, :] < jnp.arange(self.n + 1)[:, None])

    def levels(self) -> Array:
        """The n + 1 read conductances (S), increasing (all-AP first)."""
        return jax.vmap(self.conductance)(self.level_states())

    def conductance_levels(self) -> Float[Array, " L"]:
        """The n + 1 read conductances (S), increasing: `levels` (the `AbstractSynapse`
        interface)."""
        return self.levels()

    def consecutive_ratios(self) -> Array:
        """$G_{k+1}/G_k$ of consecutive levels (shape (n,)): 1 + the 'TMR between states'."""
        g = self.levels()
        return g[1:] / g[:-1]

    def write(self, v: ArrayLike, states: ArrayLike) -> Array:
        """States after a write pulse of amplitude `v` (V): negative switches AP→P every cell
        with $|I_\\mathrm{ch}| \\ge I_c$, positive switches P→AP (`states`: True = AP, shape
        (..., n)).

        **Raises** (`check_drive`) for a NaN/inf `v` — which would otherwise read as "no
        switch" — or one above `v_breakdown`, and for `states` of the wrong shape."""
        v = self.check_drive(v)
        ap = self._check_states(states)
        i = jnp.abs(v) / (self.r_channel + self.r_series)
        fire = i >= self.i_c
        return jnp.where(fire, v > 0, ap)

    def loop(self, v_max: float, n_points: int = 401) -> dict[str, Array]:
        """R(V) loop from all-AP: 0 → -`v_max` → +`v_max` → 0 (`n_points` per leg; each point
        is a pulse followed by a read). Returns `v` (V), `r` (Ω) and `level` (cells in P).

        **Raises** `ValueError` for a `v_max` that is not a finite number > 0 or above
        `v_breakdown`, or `n_points` not an int >= 2 (both set the static voltage grid)."""
        if not is_concrete(v_max):
            raise ValueError("v_max must be a concrete number (it sets the voltage grid); "
                             "vmap over cells, not over v_max")
        v_max = float(check_positive("v_max", v_max, "V"))
        if not (isinstance(n_points, int | np.integer) and n_points >= 2):
            raise ValueError(f"n_points must be an int >= 2, got {n_points!r}")
        self.check_drive(v_max)
        return self._loop(v_max, int(n_points))

    @eqx.filter_jit
    def _loop(self, v_max, n_points):
        leg = np.linspace(0.0, v_max, n_points)
        v = np.concatenate([-leg, -leg[::-1][1:], leg[1:], leg[::-1][1:]])
        v = jnp.asarray(v, self.r_p.dtype)

        def step(states, vk):
            states = self.write(vk, states)
            return states, (1.0 / self.conductance(states), jnp.sum(~states))

        _, (r, level) = jax.lax.scan(step, jnp.ones((self.n,), bool), v)
        return {"v": v, "r": r, "level": level}


__all__ = ["ParallelSOTCell", "breakdown_voltage", "calibrated_alpha_over_theta",
           "channel_length", "channel_resistance"]
