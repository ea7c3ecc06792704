r"""Domain-wall MTJ synapses of seed 003 (Leonard et al.): a wall pinned at lithographic notches
under one MTJ, written by spin-orbit torque pulses (PHYSICS.md §3).

`DWMTJ` couples the (q, φ) wall model (`mtjax.physics.DomainWall`) to the read-out of an MTJ on
[x_a, x_b]: the region the wall has swept (x < q) is parallel, so the conductance is
$G(q) = G_{AP} + (G_P - G_{AP}) f_P(q)$ with the width-weighted parallel fraction
$f_P = \int w(x) p(x; q) dx/\int w dx$, $p = (1 - \tanh((x - q)/\Delta))/2$ (Gauss-Legendre).
$R_\mathrm{min}$, $R_\mathrm{max}$ are the measured extremes (PHYSICS.md §3.6 flag: the seed's
TMR, RA and ΔR do not close on the nominal area).

Presets (`dw_preset("trapezoid" | "straight")`) hold what the seed measured and *calibrate* what
it does not give: notch positions are placed so that the read-out reproduces the measured
levels (93.3 / 76.1 / 67.1 Ω from 100 Ω; 1061.0 / 1043.3 / 989.0 / 929.5 / 913.1 Ω), and notch
depths are fitted by gradient descent (optax, `calibrate_notch_depths`) to the measured
depinning voltages. The fitted numbers are stored in the preset with the fit residual.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .._optimise import train_steps
from ..physics._checks import (
    check_finite,
    check_nonnegative,
    check_positive,
    describe,
    ensure,
    fail_if,
    is_concrete,
)
from ..physics._domainwall import (
    DomainWall,
    DWDrive,
    DWMaterial,
    DWTrack,
    depinning_probability,
    hopping_distribution,
    solve_dw,
)
from ..physics._waveforms import Pulse
from ._base import AbstractSynapse

_GL_X, _GL_W = np.polynomial.legendre.leggauss(96)

#: Default largest write-pulse amplitude across the track (IN to CLK), V. **Assumed** (seed 003
#: gives no breakdown voltage). The pulse runs along the Ta track under the MTJ, whose top
#: electrode floats during a write, so the MgO barrier sees at most about half the track's
#: potential drop along the MTJ span: 0.32 V per volt for the trapezoid (the span carries 65 %
#: of the drop) and 0.35 V per volt for the straight track (70 %). At 6 V that is 1.9-2.1 V
#: across the barrier, the pulsed breakdown seed 002 measures on the same class of MgO junction
#: (1.7-2.0 V, Fig. 4h); and 6 V is above the largest pulse seed 003 applied (5.5 V, ten
#: cycles, Fig. 3b), so every seed protocol runs.
DW_V_BREAKDOWN = 6.0


def _check_in_track(name: str, q, length, unit: str = "m"):
    """`q` (finite) if it lies on the track [0, `length`] (m); raises naming `name`."""
    q = check_finite(name, q, unit)
    return fail_if(q, (q < 0) | (q > length), f"{name} must lie on the track [0, length]"
                   + (f" = [0, {describe(length)}] m, got {describe(q)} m"
                      if is_concrete((q, length)) else ""))


def _python_number(name: str, value, check) -> float:
    """A time that sets the integration grid: a concrete Python float passing `check`."""
    if not is_concrete(value):
        raise ValueError(f"{name} must be a concrete number (it sets the time grid of the "
                         "solver); vmap over amplitudes or keys, not over it")
    return float(check(name, value, "s"))


class DWMTJ(AbstractSynapse):
    """A DW-MTJ synapse: wall model + MTJ read-out.

    **Arguments** (SI)

    - `wall`: a `DomainWall` (material and track).
    - `mtj_span`: (x_a, x_b), m: where the MTJ sits on the track, 0 <= x_a < x_b <= L.
    - `r_min`, `r_max`: measured P and AP resistances of the MTJ, Ω, 0 < r_min < r_max.
    - `start`: position of the wall after initialisation (nucleation), m, in [0, L].
    - `v_breakdown`: largest write-pulse amplitude |V| across the track, V (default
      `DW_V_BREAKDOWN` = 6 V, **assumed** from the MgO barrier's breakdown; see there).

    Every field may be traced (the constructor runs under `jit`/`vmap`).

    **Raises** `ValueError` naming the argument (echoing its value) for a `wall` that is not a
    `DomainWall`, a span not of two finite positions ordered on the track, non-positive or
    non-finite resistances, `r_max <= r_min`, a `start` off the track or a `v_breakdown` not
    finite and > 0; traced values raise `equinox.EquinoxRuntimeError` when the compiled code
    runs.
    """

    wall: DomainWall
    x_a: Array
    x_b: Array
    r_min: Array
    r_max: Array
    start: Array
    v_breakdown: Array

    def __init__(self, wall: DomainWall, mtj_span, r_min, r_max, start,
                 v_breakdown=DW_V_BREAKDOWN):
        if not isinstance(wall, DomainWall):
            raise ValueError(f"wall must be a DomainWall, got {type(wall).__name__}")
        if len(mtj_span) != 2:
            raise ValueError(f"mtj_span must be (x_a, x_b), two positions in m, got "
                             f"{len(mtj_span)} values")
        length = wall.track.length
        x_a = _check_in_track("mtj_span x_a", mtj_span[0], length)
        x_b = _check_in_track("mtj_span x_b", mtj_span[1], length)
        x_b = fail_if(x_b, x_b <= x_a, "mtj_span must have x_b > x_a"
                      + (f", got ({describe(x_a)}, {describe(x_b)}) m"
                         if is_concrete((x_a, x_b)) else ""))
        r_min = check_positive("r_min", r_min, "Ohm")
        r_max = check_positive("r_max", r_max, "Ohm")
        r_max = fail_if(r_max, r_max <= r_min, "r_max must exceed r_min"
                        + (f", got r_min={describe(r_min)} and r_max={describe(r_max)} Ohm"
                           if is_concrete((r_min, r_max)) else ""))
        self.wall, self.x_a, self.x_b = wall, x_a, x_b
        self.r_min, self.r_max = r_min, r_max
        self.start = _check_in_track("start", start, length)
        self.v_breakdown = check_positive("v_breakdown", v_breakdown, "V")

    @property
    def track(self) -> DWTrack:
        return self.wall.track

    @property
    def material(self) -> DWMaterial:
        return self.wall.material

    def parallel_fraction(self, q: ArrayLike) -> Array:
        """Width-weighted parallel fraction of the MTJ with the wall at q (m; the region x < q
        is P). **Raises** for a q that is not finite or off the track [0, L]."""
        q = _check_in_track("q (wall position)", q, self.track.length)
        x = 0.5 * (self.x_b - self.x_a) * (jnp.asarray(_GL_X) + 1) + self.x_a
        w = self.track.width(x) * jnp.asarray(_GL_W)
        p = 0.5 * (1 - jnp.tanh((x - q[..., None]) / self.material.wall_width))
        return jnp.sum(w * p, axis=-1) / jnp.sum(w)

    def resistance(self, q: ArrayLike) -> Array:
        """MTJ resistance (Ω) with the wall at q (m). **Raises** as `parallel_fraction`."""
        g_p, g_ap = 1 / self.r_min, 1 / self.r_max
        return 1 / (g_ap + (g_p - g_ap) * self.parallel_fraction(q))

    def positions(self) -> Array:
        """Start position then the notch centres, m (the states of the device)."""
        return jnp.concatenate([self.start[None], self.track.notch_positions])

    def levels(self) -> Array:
        """Resistance (Ω) with the wall at the start and at each notch."""
        return self.resistance(self.positions())

    def conductance_levels(self) -> Float[Array, " L"]:
        """Read conductance (S) of every state (start and notches), increasing (the
        `AbstractSynapse` interface; `levels` gives resistances in state order)."""
        return jnp.sort(1.0 / self.levels())

    def state_of(self, q: ArrayLike) -> Array:
        """Index of the nearest state (0 = start, k = notch k) for wall positions q (m).
        **Raises** for a q that is not finite or off the track (argmin would map NaN to 0)."""
        q = _check_in_track("q (wall position)", q, self.track.length)
        return jnp.argmin(jnp.abs(q[..., None] - self.positions()), axis=-1)

    def depinning_voltages(self, h_z: ArrayLike = 0.0, direction: int = 1) -> Array:
        """Quasi-static depinning voltage of each notch, V (PHYSICS.md §3.3-3.4), in the
        out-of-plane field `h_z` (A/m). **Raises** for a non-finite `h_z` or a `direction`
        other than ±1."""
        h_z = check_finite("h_z", h_z, "A/m")
        return self.track.depinning_voltages(self.material, h_z, direction)

    def check_drive(self, amplitude: ArrayLike) -> Array:
        """`amplitude` (V) as a float array if it is finite and |amplitude| <= `v_breakdown`.

        **Raises** `ValueError` naming the amplitude for a concrete NaN/inf or a pulse above
        breakdown (echoing both); `equinox.EquinoxRuntimeError` at run time when traced."""
        v = check_finite("amplitude", amplitude, "V")
        over = jnp.abs(v) > self.v_breakdown
        concrete = is_concrete((v, self.v_breakdown))
        return fail_if(v, over, "pulse amplitude "
                       + (f"{describe(v)} V " if concrete else "")
                       + "exceeds the breakdown voltage v_breakdown"
                       + (f" = {describe(self.v_breakdown)} V" if concrete else ""))

    # -- pulses -------------------------------------------------------------------------------

    def apply_pulse(self, q0, phi0, amplitude, *, key=None, width=50e-9, edge=10e-9,
                    relax=20e-9, dt=1e-12, h_z=0.0):
        """One voltage pulse of `amplitude` (V; plateau `width`, linear `edge`s, then `relax` at
        0 V, all s) on the (q, φ) model from the wall at `q0` (m) with angle `phi0` (rad), with
        thermal noise if `key` is given. Returns (q, φ) after the relaxation.

        **Raises** `ValueError` (`EquinoxRuntimeError` for traced values) for a NaN/inf
        amplitude or one above `v_breakdown`, a `q0` off the track, a non-finite `phi0` or
        `h_z`, and times that are not concrete numbers (width > 0, edge and relax >= 0,
        dt > 0)."""
        amplitude = self.check_drive(amplitude)
        q0 = _check_in_track("q0", q0, self.track.length)
        phi0 = check_finite("phi0", phi0, "rad")
        return self._pulse(q0, phi0, amplitude, key=key, width=width, edge=edge, relax=relax,
                           dt=dt, h_z=h_z)

    def _pulse(self, q0, phi0, amplitude, *, key=None, width=50e-9, edge=10e-9,
               relax=20e-9, dt=1e-12, h_z=0.0):
        """`apply_pulse` without the checks of the wall state and amplitude."""
        width = _python_number("width", width, check_positive)
        edge = _python_number("edge", edge, check_nonnegative)
        relax = _python_number("relax", relax, check_nonnegative)
        dt = _python_number("dt", dt, check_positive)
        h_z = check_finite("h_z", h_z, "A/m")
        pulse = Pulse(amplitude, width, start=0.0, rise=edge, fall=edge)
        t1 = width + 2 * edge + relax
        sol = solve_dw(self.wall, DWDrive(pulse, h_z=h_z), q0, phi0, t1, dt=dt, key=key)
        return sol.q_final, sol.phi_final

    def pulse_train(self, amplitudes: ArrayLike, *, key: PRNGKeyArray | None = None,
                    q0: ArrayLike | None = None, phi0: ArrayLike | None = None, **pulse_kw):
        """Apply the pulses `amplitudes` (V, shape (P,)) in order from the wall at `q0` (m,
        default `start`) with angle `phi0` (rad, default the static angle); return (state
        index, resistance Ω, q m) after each pulse. One compiled pulse is reused
        (`jax.lax.scan`); a wall pushed past an end of the track is held there (expelled).
        `pulse_kw` go to `apply_pulse`.

        **Raises** as `apply_pulse` (every amplitude is checked before the first pulse), and
        for amplitudes that are not a 1-D array."""
        q0 = self.start if q0 is None else _check_in_track("q0", q0, self.track.length)
        phi0 = self._phi_star() if phi0 is None else check_finite("phi0", phi0, "rad")
        amps = self.check_drive(amplitudes)
        if amps.ndim != 1:
            raise ValueError(f"amplitudes must be a 1-D array of pulse amplitudes (V), got "
                             f"shape {amps.shape}")
        keys = (jax.random.split(key, amps.shape[0]) if key is not None else None)

        def body(carry, xs):
            q, phi = carry
            v, k = xs
            q, phi = self._pulse(q, phi, v, key=k, **pulse_kw)
            # a wall driven off either end of the track is expelled: the track is then
            # uniformly magnetised, which the read-out sees as the wall at that end
            q = jnp.clip(q, 0.0, self.track.length)
            return (q, phi), q

        if keys is None:
            def body_nokey(carry, v):
                return body(carry, (v, None))
            _, qs = jax.lax.scan(body_nokey, (q0, phi0), amps)
        else:
            _, qs = jax.lax.scan(body, (q0, phi0), (amps, keys))
        return self.state_of(qs), self.resistance(qs), qs

    def _phi_star(self):
        """Static wall angle: cos φ* = |cos φ*| with the sign of Q D (the DMI-favoured side)."""
        c = jnp.arccos(self.material.cos_phi_star)
        return jnp.where(self.material.dmi * self.wall.charge >= 0, c, jnp.pi - c)

    # -- the compact model (PHYSICS.md §3.7) --------------------------------------------------

    def compact_distribution(self, amplitude: ArrayLike, start_state: ArrayLike = 0, *,
                             width: ArrayLike = 50e-9, tau0: ArrayLike = 1e-9,
                             h_z: ArrayLike = 0.0) -> Array:
        """Probability of ending in each state (start, notch 1..K) after one pulse of
        `amplitude` (V) from `start_state`: per-notch thermally activated depinning
        (`depinning_probability`, barrier = the notch's well depth, attempt time `tau0`) and the
        notch-hopping chain. The nucleated wall at the start is not pinned: any positive pulse
        moves it. Smooth in `amplitude` and the geometry. `width` and `tau0` in s, `h_z` in
        A/m.

        **Raises** `ValueError` (`EquinoxRuntimeError` for traced values) naming the argument
        for a NaN/inf `amplitude` or one above `v_breakdown`, a `start_state` that is not an
        integer state index in [0, K] (K notches; JAX would clamp it silently), a non-positive
        `width` or `tau0`, or a non-finite `h_z`; `amplitude` and `start_state` must be
        scalars (vmap over several)."""
        tr, mat = self.track, self.material
        amplitude = self.check_drive(amplitude)
        start_state = jnp.asarray(start_state)
        if amplitude.ndim or start_state.ndim:
            raise ValueError(f"amplitude and start_state must be scalars (vmap over several), "
                             f"got shapes {amplitude.shape} and {start_state.shape}")
        if not jnp.issubdtype(start_state.dtype, jnp.integer):
            raise ValueError(f"start_state must be an integer state index (0 = start, k = notch "
                             f"k), got dtype {start_state.dtype}")
        k_max = tr.n_notches
        start_state = fail_if(start_state, (start_state < 0) | (start_state > k_max),
                              f"start_state must be a state index in [0, {k_max}] (0 = start, "
                              f"k = notch k)" + (f", got {describe(start_state)}"
                                                 if is_concrete(start_state) else ""))
        width = check_positive("width", width, "s")
        tau0 = check_positive("tau0", tau0, "s")
        h_z = check_finite("h_z", h_z, "A/m")
        j = tr.current_density(tr.notch_positions, amplitude)
        j_dep = tr.depinning_current_densities(mat, h_z)
        kt = 1.380649e-23 * jnp.maximum(mat.temperature, 1.0)
        barrier = (mat.wall_energy * mat.thickness * tr.notch_depths
                   * tr.width(tr.notch_positions)) / kt
        p = depinning_probability(j, j_dep, width, barrier, tau0)
        p_all = jnp.concatenate([jnp.where(amplitude > 0, 1.0, 0.0)[None], p])
        return hopping_distribution(p_all, start_state)


def metaplastic_factors(device: DWMTJ, h_z: ArrayLike = 0.0) -> tuple[Array, Array]:
    r"""f_meta derived from the device physics: for the wall at notch k, the ease of moving it
    on relative to the first notch, $V_{\mathrm{dep},1}/V_{\mathrm{dep},k}$, against the
    normalised position $|W| = (x_k - x_1)/(x_K - x_1)$. Returns (|W|, f). Compare with
    `mtjax.physics.f_meta` (the seed's linear form and the hyperbolic current-density ratio);
    differentiable in the width ratio and the notch spacing.

    **Raises** `ValueError` for a device with fewer than two notches (no spacing to normalise
    by) and for a non-finite `h_z` (A/m)."""
    if device.track.n_notches < 2:
        raise ValueError(f"metaplastic_factors needs at least two notches, got "
                         f"{device.track.n_notches}")
    v = device.depinning_voltages(h_z)
    x = device.track.notch_positions
    w = (x - x[0]) / (x[-1] - x[0])
    return w, v[0] / v


def _check_notch(notch: int, n_notches: int) -> None:
    if not (isinstance(notch, int | np.integer) and not isinstance(notch, bool)
            and 0 <= notch < n_notches):
        raise ValueError(f"notch must be an index in [0, {n_notches - 1}], got {notch!r}")


def _check_count(name: str, value, minimum: int = 1) -> int:
    if not (isinstance(value, int | np.integer) and not isinstance(value, bool)
            and value >= minimum):
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _adam_minimise(loss, x0: Array, steps: int, learning_rate: float) -> tuple[Array, list]:
    """Full-batch Adam (optax) on `loss` from `x0` (the shared `train_steps`: one jitted
    `lax.scan`); returns the final
    parameters and the loss history (before each update) as a list of floats. **Raises** for
    `steps` not an int >= 1, a `learning_rate` not finite and > 0, or a non-finite loss (the
    fit diverged or its inputs were bad)."""
    steps = _check_count("steps", steps)
    learning_rate = float(check_positive("learning_rate", learning_rate))

    def loss_fn(x, batch, key):
        return loss(x), {}

    x, hist = jax.jit(lambda x: train_steps(x, loss_fn, (), optimiser=optax.adam(learning_rate),
                                            steps=steps, key=jax.random.key(0)))(x0)
    vals = np.asarray(hist["loss"])
    if not (np.all(np.isfinite(vals)) and np.all(np.isfinite(np.asarray(x)))):
        raise ValueError("the fit produced a non-finite loss or parameters (check the targets "
                         "and the learning_rate)")
    return x, vals.tolist()


def measure_depinning_probability(device: DWMTJ, notch: int, amplitudes: ArrayLike, *,
                                  key: PRNGKeyArray, n_paths: int = 32, dt: float = 2e-12,
                                  width: float = 50e-9) -> Array:
    """Monte Carlo on the full thermal (q, φ) model: the probability that one pulse of each
    amplitude (V) moves a wall sitting in notch `notch` (0-based) out of it (past
    $x_k + 3 s_k$). Shape (len(amplitudes),).

    **Raises** `ValueError` for a `notch` out of range, `n_paths` not an int >= 1, amplitudes
    that are not a 1-D array of finite values below `v_breakdown`, and bad times (as
    `DWMTJ.apply_pulse`)."""
    tr = device.track
    _check_notch(notch, tr.n_notches)
    n_paths = _check_count("n_paths", n_paths)
    x_k = tr.notch_positions[notch]
    s_k = tr.notch_widths[notch]
    amps = device.check_drive(amplitudes)
    if amps.ndim != 1:
        raise ValueError(f"amplitudes must be a 1-D array (V), got shape {amps.shape}")
    keys = jax.random.split(key, amps.shape[0] * n_paths).reshape((amps.shape[0], n_paths))

    def one(v, k):
        q, _ = device._pulse(x_k, device._phi_star(), v, key=k, width=width, dt=dt)
        return (q > x_k + 3 * s_k).astype(amps.dtype)

    return jnp.mean(jax.vmap(lambda v, ks: jax.vmap(lambda k: one(v, k))(ks))(amps, keys),
                    axis=1)


def fit_compact_model(device: DWMTJ, notch: int, amplitudes: ArrayLike,
                      measured: ArrayLike, *, n_paths: int, steps: int = 300,
                      learning_rate: float = 0.05, width: float = 50e-9) -> dict:
    r"""Calibrate the compact depinning law of one notch against probabilities measured on the
    full model (`measure_depinning_probability`): fit a scale $s_J$ of the closed-form
    $J_\mathrm{dep}$ and a scale $s_E$ of the barrier (log-parameterised) by Adam on the
    binomial negative log-likelihood. Returns the fitted scales, the compact probabilities
    before and after, and the residual (RMS difference of probabilities, with the Monte Carlo
    standard error for comparison).

    **Raises** `ValueError` for a `notch` out of range, amplitudes not finite or above
    `v_breakdown`, `measured` not one probability in [0, 1] per amplitude, `n_paths` not an
    int >= 1, bad `steps` / `learning_rate`, or a diverged fit."""
    tr, mat = device.track, device.material
    _check_notch(notch, tr.n_notches)
    amps = device.check_drive(amplitudes)
    meas = ensure("measured", measured, lambda a: (a >= 0) & (a <= 1),
                  "probabilities in [0, 1]")
    if meas.shape != amps.shape or amps.ndim != 1:
        raise ValueError(f"measured must have one probability per amplitude (1-D, shape "
                         f"{amps.shape}), got {meas.shape}")
    n_paths = _check_count("n_paths", n_paths)
    width = check_positive("width", width, "s")
    x_k = tr.notch_positions[notch]
    j = tr.current_density(x_k, amps)
    j_dep0 = tr.depinning_current_densities(mat)[notch]
    kt = 1.380649e-23 * jnp.maximum(mat.temperature, 1.0)
    e0 = mat.wall_energy * mat.thickness * tr.notch_depths[notch] * tr.width(x_k) / kt

    def model(theta):
        return depinning_probability(j, j_dep0 * jnp.exp(theta[0]), width,
                                     e0 * jnp.exp(theta[1]))

    def nll(theta):
        p = jnp.clip(model(theta), 1e-6, 1 - 1e-6)
        return -jnp.mean(meas * jnp.log(p) + (1 - meas) * jnp.log(1 - p))

    theta, losses = _adam_minimise(nll, jnp.zeros(2, amps.dtype), steps, learning_rate)
    before, after = np.asarray(model(jnp.zeros(2))), np.asarray(model(theta))
    m = np.asarray(meas)
    se = np.sqrt(np.clip(m * (1 - m), 1 / n_paths, None) / n_paths)
    return {
        "notch": notch, "amplitudes_V": np.asarray(amps).tolist(), "measured": m.tolist(),
        "compact_before": before.tolist(), "compact_after": after.tolist(),
        "j_dep_scale": float(np.exp(theta[0])), "barrier_scale": float(np.exp(theta[1])),
        "rms_residual_before": float(np.sqrt(np.mean((before - m) ** 2))),
        "rms_residual_after": float(np.sqrt(np.mean((after - m) ** 2))),
        "monte_carlo_stderr_rms": float(np.sqrt(np.mean(se ** 2))),
        "loss_first": losses[0], "loss_last": losses[-1], "n_paths": n_paths,
    }


def calibrate_notch_depths(track: DWTrack, material: DWMaterial, target_voltages: ArrayLike,
                           *, h_z: ArrayLike = 0.0, steps: int = 400,
                           learning_rate: float = 0.05) -> tuple[DWTrack, dict]:
    """Fit the notch depths ε_k (in logit space, so 0 < ε < 1) to measured depinning voltages
    by Adam (optax) on the relative squared error. Returns the fitted track and a report
    (initial and final depths and voltages, relative residuals, loss history).

    **Raises** `ValueError` for target voltages not finite and > 0 or not one per notch, a
    non-finite `h_z`, bad `steps` / `learning_rate`, or a diverged fit."""
    target = check_positive("target_voltages", target_voltages, "V")
    h_z = check_finite("h_z", h_z, "A/m")
    if target.shape != track.notch_positions.shape:
        raise ValueError(f"target_voltages must have one entry per notch "
                         f"{track.notch_positions.shape}, got {target.shape}")

    def with_depths(logit):
        return eqx.tree_at(lambda t: t.notch_depths, track, jax.nn.sigmoid(logit))

    def loss(logit):
        v = with_depths(logit).depinning_voltages(material, h_z)
        return jnp.mean((v / target - 1) ** 2)

    logit0 = jnp.log(track.notch_depths / (1 - track.notch_depths))
    logit, history = _adam_minimise(loss, logit0, steps, learning_rate)
    fitted = with_depths(logit)
    v_fit = fitted.depinning_voltages(material, h_z)
    report = {
        "initial_depths": np.asarray(track.notch_depths).tolist(),
        "fitted_depths": np.asarray(fitted.notch_depths).tolist(),
        "target_voltages": np.asarray(target).tolist(),
        "fitted_voltages": np.asarray(v_fit).tolist(),
        "relative_residuals": np.asarray(v_fit / target - 1).tolist(),
        "loss_first": history[0], "loss_last": history[-1], "steps": steps,
    }
    return fitted, report


_MATERIAL_KEYS = ("ms", "a_ex", "k_eff", "thickness", "alpha", "dmi", "theta_sh", "temperature",
                  "h_k_scale")
_TRACK_KEYS = ("length", "w1", "w2", "notch_positions", "notch_depths", "notch_widths", "rho",
               "t_cond", "r_contact")
_MTJ_KEYS = ("span", "r_min", "r_max", "start", "v_breakdown")


def dw_to_dict(device: DWMTJ) -> dict:
    """A JSON-able description of a DW-MTJ (SI units), the format `dw_from_dict` reads."""
    def val(x):
        a = np.asarray(x)
        return a.tolist() if a.ndim else float(a)

    return {
        "material": {k: val(getattr(device.material, k)) for k in _MATERIAL_KEYS},
        "track": {k: val(getattr(device.track, k)) for k in _TRACK_KEYS},
        "wall_charge": device.wall.charge,
        "mtj": {"span": [val(device.x_a), val(device.x_b)], "r_min": val(device.r_min),
                "r_max": val(device.r_max), "start": val(device.start),
                "v_breakdown": val(device.v_breakdown)},
        "units": "SI (m, A/m, J/m, J/m^3, J/m^2, K, Ohm, Ohm m)",
    }


def dw_from_dict(d: dict) -> DWMTJ:
    """Build a `DWMTJ` from `dw_to_dict`'s format (SI units). `mtj.v_breakdown` may be left
    out (files written before it existed): it then takes `DW_V_BREAKDOWN`. The full layout
    check (every key required, each value's type) is `_serialize.dw_from_checked_dict`.

    **Raises** `ValueError` naming them for a missing section, unknown keys, a missing mtj key,
    a `wall_charge` other than ±1, and any value the constructors refuse."""
    if not isinstance(d, dict):
        raise ValueError(f"a DW-MTJ description must be a JSON object, got {type(d).__name__}")
    for section in ("material", "track", "mtj"):
        if section not in d or not isinstance(d[section], dict):
            raise ValueError(f"missing section {section!r} (an object) in the DW-MTJ description")
    for section, keys in (("material", _MATERIAL_KEYS), ("track", _TRACK_KEYS),
                          ("mtj", _MTJ_KEYS)):
        extra = set(d[section]) - set(keys)
        if extra:
            raise ValueError(f"unknown {section} keys {sorted(extra)}; allowed: {list(keys)}")
    for k in _MTJ_KEYS[:-1]:
        if k not in d["mtj"]:
            raise ValueError(f"missing mtj key {k!r}")
    charge = d.get("wall_charge", 1)
    if isinstance(charge, bool) or charge not in (1, -1):
        raise ValueError(f"wall_charge must be +1 or -1, got {charge!r}")
    try:
        mat = DWMaterial(**d["material"])
        track = DWTrack(**d["track"])
    except TypeError as err:
        raise ValueError(f"bad DW-MTJ description: {err}") from None
    wall = DomainWall(mat, track, charge=int(charge))
    m = d["mtj"]
    return DWMTJ(wall, tuple(m["span"]), m["r_min"], m["r_max"], m["start"],
                 m.get("v_breakdown", DW_V_BREAKDOWN))


def _positions_for_levels(track_w, x_a, x_b, delta, fractions):
    """Wall positions (m) where the width-weighted parallel fraction equals `fractions`
    (bisection in NumPy; calibration of the presets)."""
    x = 0.5 * (x_b - x_a) * (_GL_X + 1) + x_a
    w = track_w(x) * _GL_W

    def frac(q):
        return np.sum(w * 0.5 * (1 - np.tanh((x - q) / delta))) / np.sum(w)

    out = []
    for f in fractions:
        lo, hi = x_a - 20 * delta, x_b + 20 * delta
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if frac(mid) < f else (lo, mid)
        out.append(0.5 * (lo + hi))
    return np.array(out)


#: Seed 003 measurements used by the presets.
SEED003 = {
    "trapezoid": dict(levels=(100.0, 93.3, 76.1, 67.1), write_voltages=(3.0, 3.5),
                      first_notch_by=1.5, reset_voltage=3.7, w1=250e-9, w2=1000e-9,
                      length=3.6e-6, h_write_mT=-4.0, h_reset_mT=-42.0),
    "straight": dict(levels=(1061.0, 1043.3, 989.0, 929.5, 913.1), w1=350e-9, w2=350e-9,
                     length=3.6e-6, h_write_mT=-4.0),
}


def dw_preset(name: str, *, material: DWMaterial | None = None, calibrate: bool = True):
    """A seed-003 device: `"trapezoid"` (w1:w2 = 1:4, three deep notches resolved) or
    `"straight"` (350 nm, five notches). Returns (`DWMTJ`, report dict).

    **Raises** `ValueError` for an unknown name or a `material` that is not a `DWMaterial`."""
    if name not in SEED003:
        raise ValueError(f"unknown DW preset {name!r}; choose from {sorted(SEED003)}")
    if material is not None and not isinstance(material, DWMaterial):
        raise ValueError(f"material must be a DWMaterial, got {type(material).__name__}")
    d = SEED003[name]
    # the sign of D (PHYSICS.md §8 flag 3) is chosen so that positive pulses drive the wall
    # from IN (x = 0) to CLK (x = L), the seed's write polarity, with Ta's negative spin Hall
    # angle: chiral Neel walls move along sign(theta_sh D)
    mat = DWMaterial(dmi=-1e-4) if material is None else material
    delta = float(mat.wall_width)
    length, w1, w2 = d["length"], d["w1"], d["w2"]
    x_a, x_b = 0.15 * length, 0.85 * length
    levels = np.asarray(d["levels"])
    r_max, r_min = levels[0], levels[-1]
    g = 1 / levels
    frac = (g - g[0]) / (g[-1] - g[0])

    def track_w(x):
        return w1 + (w2 - w1) * x / length

    # the measured levels as positions; the last one ("all P") just past the MTJ
    inner = _positions_for_levels(track_w, x_a, x_b, delta, np.clip(frac[1:-1], 1e-6, 1 - 1e-6))
    positions = np.concatenate([inner, [x_b + 0.05 * length]])
    start = x_a - 0.05 * length
    track = DWTrack(length, w1, w2, positions, 0.1, 25e-9)
    report = {"preset": name, "notch_positions_m": positions.tolist(),
              "mtj_span_m": [x_a, x_b], "start_m": start,
              "note": "notch positions placed to reproduce the measured levels; depths fitted "
                      "to the measured depinning voltages (seed 003 gives neither)"}
    if calibrate:
        if name == "trapezoid":
            # notch 1 -> 3.0 V, notch 2 -> 3.5 V, notch 3 (last) holds the wall: give it the
            # reset voltage as its (forward) strength
            target = np.array([d["write_voltages"][0], d["write_voltages"][1],
                               d["reset_voltage"]])
        else:
            target = np.full(positions.shape, 3.5)  # Fig. 3b: switching around 3-5 V
        track, fit = calibrate_notch_depths(track, mat, target)
        report["fit"] = fit
    wall = DomainWall(mat, track)
    return DWMTJ(wall, (x_a, x_b), r_min, r_max, start), report


__all__ = ["DWMTJ", "DW_V_BREAKDOWN", "calibrate_notch_depths", "dw_from_dict", "dw_preset",
           "dw_to_dict", "fit_compact_model", "measure_depinning_probability",
           "metaplastic_factors", "SEED003"]
