r"""Monte Carlo switching statistics from the stochastic LLGS, and thermal initial states.

`switching_statistics` runs `n_trials` independent thermal trajectories of one junction under
one drive (a `jax.vmap` of `solve_llgs` over PRNG keys) and reports the switching probability
and the switching-time distribution. `sample_thermal_state` draws an initial magnetisation from
the small-angle Boltzmann distribution around an easy direction.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, PRNGKeyArray

from .._custom_types import Vector3
from ..constants import KB, MU0
from ._checks import (
    check_finite,
    check_positive,
    check_range,
    check_vector3,
    describe,
    fail_if,
    is_concrete,
)
from ._fastpath import solve_llgs_heun
from ._freelayer import FreeLayer, _transverse_basis
from ._llgs import Drive, Macrospin
from ._solve import Noise, check_time_grid, solve_llgs


def _check_trials(n_trials) -> None:
    if not (isinstance(n_trials, int) and not isinstance(n_trials, bool) and n_trials >= 1):
        raise ValueError(f"n_trials must be an int >= 1, got {n_trials!r}")


def _check_level(level):
    """The switching level of m.d0: inside (-1, 1), or no trajectory could (not) cross it."""
    return check_range("level", level, -1.0, 1.0, closed=False)


def _check_concrete_grid(model, drive, t1, dt) -> None:
    """`t1` and `dt` fix the number of steps, so they must be concrete; then the grid check
    of the solvers, done once here so that a bad `dt` is reported before any tracing."""
    if not is_concrete((t1, dt)):
        raise ValueError("t1 and dt must be concrete numbers (s): they fix the number of steps")
    check_time_grid(model, drive, 0.0, t1, dt)


def sample_thermal_state(
    layer: FreeLayer, direction: ArrayLike, *, key: PRNGKeyArray,
    h_along_axis: ArrayLike = 0.0,
) -> Vector3:
    r"""Draw $m$ from the small-angle Boltzmann distribution about the easy direction `direction`.

    Transverse components along the principal stiffness axes are Gaussian with variances
    $k_BT/(\mu_0 M_s V H_i)$ (equipartition, PHYSICS.md §2.10), $H_i$ from
    `FreeLayer.stiffness_fields` (plus `h_along_axis`, A/m, a field along `direction`). Accurate
    for $\Delta \gg 1$; at small $\Delta$ run a thermal burn-in with `solve_llgs` instead.

    **Arguments**: `layer`; `direction` (3-vector, ± the easy axis); `key` (keyword-only);
    `h_along_axis` (A/m).

    **Returns** a unit 3-vector.

    **Raises** (`ValueError` now, or `EquinoxRuntimeError` at run time for traced values) if
    `direction` is not along the easy axis, or if it is not an energy minimum (a stiffness
    field $H_i \le 0$, e.g. a field along `h_along_axis` that destabilises it): there the
    small-angle Gaussian does not exist.
    """
    d = check_vector3("direction", direction, unit=True)
    h_along_axis = check_finite("h_along_axis", h_along_axis, "A/m")
    u = layer.easy_axis
    along = d @ u
    d = fail_if(d, jnp.abs(along) < 1 - 1e-5,
                "direction must be along the layer's easy axis (+u or -u)"
                + (f", got {describe(d)} with easy axis {describe(u)}"
                   if is_concrete((d, u)) else ""))
    sign = jnp.sign(along)
    v1, v2 = _transverse_basis(u)
    k = layer.anisotropy_tensor
    kuu = u @ k @ u
    a, dd, b = v1 @ k @ v1 - kuu, v2 @ k @ v2 - kuu, v1 @ k @ v2
    # Rotate (v1, v2) onto the principal axes. For a degenerate (axially symmetric) layer the
    # angle is arbitrary and arctan2(0, 0) has a NaN gradient: the double-where keeps it at 0.
    degenerate = (b == 0) & (a == dd)
    phi = 0.5 * jnp.arctan2(jnp.where(degenerate, 0.0, 2 * b), jnp.where(degenerate, 1.0, a - dd))
    e1 = jnp.cos(phi) * v1 + jnp.sin(phi) * v2
    e2 = -jnp.sin(phi) * v1 + jnp.cos(phi) * v2
    h1, h2 = layer.stiffness_fields(h_along_axis)
    h1 = fail_if(h1, h1 <= 0,
                 "direction is not an energy minimum of the layer (smallest stiffness field "
                 + (f"{describe(h1)} A/m" if is_concrete(h1) else "<= 0")
                 + "): sample_thermal_state needs a stable direction; run a thermal burn-in "
                 "with solve_llgs instead")
    scale = KB * layer.temperature / (MU0 * layer.ms * layer.volume)
    z = jax.random.normal(key, (2,), dtype=u.dtype)
    m = sign * u + z[0] * jnp.sqrt(scale / h1) * e1 + z[1] * jnp.sqrt(scale / h2) * e2
    return m / jnp.linalg.norm(m)


class SwitchingStatistics(eqx.Module):
    """Result of `switching_statistics` (SI units).

    - `probability`: fraction of trials whose final state is switched.
    - `stderr`: its binomial standard error $\\sqrt{p(1-p)/n}$.
    - `switched`: per-trial booleans, shape (n_trials,).
    - `switching_times`: first crossing of the switching level, s (`inf` if never), per trial.
    - `mean_time`, `std_time`: over the trials that crossed (NaN if none did).
    - `n_trials`: number of trials.
    """

    probability: Array
    stderr: Array
    switched: Array
    switching_times: Array
    mean_time: Array
    std_time: Array
    n_trials: int = eqx.field(static=True)


def switching_statistics(
    model: Macrospin,
    drive: Drive,
    initial: ArrayLike,
    t1: float,
    *,
    key: PRNGKeyArray,
    n_trials: int,
    dt: float = 1e-12,
    thermal_initial: bool = True,
    level: float = 0.0,
    n_save: int | None = None,
    noise: Noise = "gaussian",
    integrator: str = "fast",
) -> SwitchingStatistics:
    r"""Switching probability and switching-time statistics over thermal trajectories.

    Each trial starts at `initial` (or, with `thermal_initial`, at a Boltzmann sample about it),
    integrates to `t1` under `drive` with Brown's thermal field (Stratonovich Heun, fixed `dt`),
    and counts as switched if $m\cdot\hat d_0 <$ `level` at `t1`, $\hat d_0$ the initial
    direction. Choose `t1` so that a pulse has ended and the state has relaxed. The switching
    time of a trial is the first crossing of `level`, by linear interpolation inside the step
    (`integrator="fast"`) or between `n_save` saved points (`"diffrax"`).

    **Arguments**

    - `model`, `drive`: the junction and its drive.
    - `initial`: initial direction (3-vector; e.g. the AP state).
    - `t1`: simulated time, s.
    - `key`: PRNG key (keyword-only); trial k uses `jax.random.split(key, n_trials)[k]`.
    - `n_trials`: number of independent trials.
    - `dt`: step, s (default 1 ps).
    - `thermal_initial`: draw the initial state from `sample_thermal_state` (default True).
    - `level`: switching level of $m\cdot\hat d_0$ (default 0, the equator).
    - `n_save`: number of saved points for switching times (`"diffrax"` only; default every
      10 steps).
    - `noise`: "gaussian" (pathwise) or "three-point" (cheap weak scheme; statistics only).
    - `integrator`: `"fast"` (default; `solve_llgs_heun`, several times faster in large
      batches) or `"diffrax"` (`solve_llgs`). Both are the same Heun scheme with the same
      increments: the trajectories agree to rounding error.

    **Returns** a `SwitchingStatistics`.

    **Raises** `ValueError` for a bad `n_trials`, `integrator` or `initial`, a `level` outside
    (-1, 1), traced `t1`/`dt`, or a time grid `check_time_grid` refuses (`dt` not finite, not
    > 0, longer than `t1`, or too long for the junction); any trial whose state becomes
    non-finite raises (it is never counted as "not switched").
    """
    _check_trials(n_trials)
    if integrator not in ("fast", "diffrax"):
        raise ValueError(f"integrator must be 'fast' or 'diffrax', got {integrator!r}")
    d0 = check_vector3("initial", initial, unit=True)
    level = _check_level(level)
    _check_concrete_grid(model, drive, t1, dt)
    n_steps = int(math.ceil(float(t1) / float(dt)))
    if n_save is None:
        n_save = max(2, n_steps // 10 + 1)
    ts = jnp.linspace(0.0, t1, n_save, dtype=d0.dtype)

    def one_fast(k):
        k_init, k_path = jax.random.split(k)
        m0 = sample_thermal_state(model.layer, d0, key=k_init) if thermal_initial else d0
        sol = solve_llgs_heun(model, drive, m0, t1, dt=dt, key=k_path, noise=noise,
                              crossing=(d0, level))
        return sol.m_final @ d0 < level, sol.crossing_time

    def one(k):
        k_init, k_path = jax.random.split(k)
        m0 = sample_thermal_state(model.layer, d0, key=k_init) if thermal_initial else d0
        sol = solve_llgs(model, drive, m0, t1, dt=dt, key=k_path, saveat=ts, noise=noise)
        proj = sol.ms @ d0 - level
        below = proj < 0
        idx = jnp.argmax(below)
        crossed = jnp.any(below)
        prev = jnp.maximum(idx - 1, 0)
        frac = proj[prev] / jnp.where(idx > 0, proj[prev] - proj[idx], 1.0)
        t_cross = jnp.where(idx > 0, ts[prev] + frac * (ts[idx] - ts[prev]), ts[0])
        return sol.m_final @ d0 < level, jnp.where(crossed, t_cross, jnp.inf)

    switched, times = jax.vmap(one_fast if integrator == "fast" else one)(
        jax.random.split(key, n_trials))
    p = jnp.mean(switched.astype(d0.dtype))
    finite = jnp.isfinite(times)
    n_cross = jnp.sum(finite)
    t_safe = jnp.where(finite, times, 0.0)
    mean = jnp.where(n_cross > 0, jnp.sum(t_safe) / jnp.maximum(n_cross, 1), jnp.nan)
    var = jnp.sum(jnp.where(finite, (t_safe - mean) ** 2, 0.0)) / jnp.maximum(n_cross - 1, 1)
    std = jnp.where(n_cross > 1, jnp.sqrt(var), jnp.nan)
    return SwitchingStatistics(
        probability=p,
        stderr=jnp.sqrt(p * (1 - p) / n_trials),
        switched=switched,
        switching_times=times,
        mean_time=mean,
        std_time=std,
        n_trials=n_trials,
    )


def soft_switching_probability(
    model: Macrospin,
    drive: Drive,
    initial: ArrayLike,
    t1: float,
    *,
    key: PRNGKeyArray,
    n_trials: int,
    dt: float = 1e-12,
    sharpness: float = 20.0,
    thermal_initial: bool = True,
    level: float = 0.0,
    adjoint=None,
) -> Array:
    r"""A differentiable Monte Carlo estimate of the switching probability.

    $\hat P = \frac1n\sum_k \sigma\big(-\kappa\,(m_k(t_1)\cdot\hat d_0 - \text{level})\big)$
    with $\kappa$ = `sharpness` (PHYSICS.md §5, method C). Each trial integrates the thermal
    SDE on a `VirtualBrownianTree` (so the noise is a deterministic function of `key` and the
    solve can be differentiated with the default checkpointed adjoint); initial states are
    reparameterised Boltzmann samples. For fixed `key` the estimator is a smooth function of
    every parameter of `model` and `drive`: `jax.grad` gives the pathwise derivative (common
    random numbers), which is what a finite difference with the same key measures. As
    $\kappa\to\infty$ it tends to `switching_statistics(...).probability`; gradients grow near
    the separatrix and vanish far from it (§5 C), so keep $\kappa$ moderate (10-50).

    Arguments as `switching_statistics`, plus `adjoint` (a diffrax adjoint; the default
    checkpointed one supports reverse mode only, `diffrax.DirectAdjoint()` supports both
    forward and reverse mode, as implicit differentiation needs). Returns a scalar in [0, 1].
    """
    _check_trials(n_trials)
    sharpness = check_positive("sharpness", sharpness)
    d0 = check_vector3("initial", initial, unit=True)
    level = _check_level(level)
    _check_concrete_grid(model, drive, t1, dt)

    # At a concrete T = 0 there is no noise to integrate: solve the ODE (much cheaper).
    cold = is_concrete(model.layer.temperature) and not bool(
        np.any(np.asarray(model.layer.temperature) > 0))

    def one(k):
        k_init, k_path = jax.random.split(k)
        m0 = sample_thermal_state(model.layer, d0, key=k_init) if thermal_initial else d0
        sol = solve_llgs(model, drive, m0, t1, dt=dt, key=None if cold else k_path,
                         brownian=None if cold else "tree", adjoint=adjoint)
        return jax.nn.sigmoid(-sharpness * (sol.m_final @ d0 - level))

    return jnp.mean(jax.vmap(one)(jax.random.split(key, n_trials)))


def simulated_critical_current(
    model: Macrospin,
    drive_at,
    initial: ArrayLike,
    t1: float,
    bracket: tuple[float, float],
    *,
    key: PRNGKeyArray,
    n_trials: int,
    probability: float = 0.5,
    dt: float = 1e-12,
    sharpness: float = 20.0,
    thermal_initial: bool = True,
    iterations: int = 40,
) -> Array:
    r"""The drive current (A) at which the simulated switching probability equals `probability`.

    Solves $\hat P(I) = p$ for the `soft_switching_probability` estimator (fixed `key`: common
    random numbers, so $\hat P$ is a smooth function of $I$) by `iterations` bisection steps on
    `bracket` = (I_lo, I_hi), which must satisfy $\hat P(I_{lo}) < p < \hat P(I_{hi})$ (if
    $\hat P$ is not monotone in between, one of the crossings is returned).

    Gradients follow from the implicit function theorem,
    $\partial I_p/\partial\theta = -\partial_\theta\hat P/\partial_I\hat P$, for every parameter
    of `model` and of what `drive_at` closes over: the bisection runs on stopped gradients and the
    returned value is $I^* - (\hat P(I^*;\theta) - p)/\partial_I\hat P$, whose value is $I^*$ and
    whose first derivative is the IFT one (reverse mode; second derivatives are not provided).
    Unlike `instability_current` this includes thermal fluctuations, the pulse shape and the
    finite pulse width.

    **Arguments**: `drive_at(I) -> Drive`; `t1` (s, pulse plus relaxation); `bracket` (A,
    concrete numbers); `iterations` (bisection steps: the bracket shrinks by 2^-iterations);
    the rest as `soft_switching_probability`.
    """
    if not is_concrete(bracket):
        raise ValueError("bracket must be concrete numbers (A), not traced values: it fixes the "
                         "bisection interval; close over it instead of passing it through jit")
    lo, hi = (float(b) for b in bracket)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"bracket must be finite (low, high) with low < high, got {bracket!r}")
    if not (isinstance(iterations, int) and iterations >= 1):
        raise ValueError(f"iterations must be an int >= 1, got {iterations!r}")
    if not 0 < probability < 1:
        raise ValueError(f"probability must lie in (0, 1), got {probability!r}")

    def p_hat(mod, drv):
        return soft_switching_probability(mod, drv, initial, t1, key=key, n_trials=n_trials,
                                          dt=dt, sharpness=sharpness,
                                          thermal_initial=thermal_initial)

    frozen = jax.lax.stop_gradient(model)

    def step(_, b):
        a, c = b
        mid = 0.5 * (a + c)
        above = p_hat(frozen, jax.lax.stop_gradient(drive_at(mid))) > probability
        return jnp.where(above, a, mid), jnp.where(above, mid, c)

    dtype = jnp.result_type(float)
    a, c = jax.lax.fori_loop(0, iterations, step, (jnp.asarray(lo, dtype), jnp.asarray(hi, dtype)))
    i_star = jax.lax.stop_gradient(0.5 * (a + c))
    slope = jax.lax.stop_gradient(jax.grad(lambda i: p_hat(frozen, drive_at(i)))(i_star))
    return i_star - (p_hat(model, drive_at(i_star)) - probability) / slope
