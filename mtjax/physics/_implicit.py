r"""Exact macrospin instability thresholds by implicit differentiation (PHYSICS.md §5, method B).

At a fixed point $m^*(I)$ of the deterministic LLGS flow, linearise the drift in the tangent plane
of the sphere: a 2x2 Jacobian $J(I)$. The state loses stability when

- **Hopf** (precessional, e.g. STT with the polarisation along the easy axis):
  $\operatorname{tr} J(I) = 0$ while $\det J > 0$;
- **saddle-node** (e.g. perpendicular SOT, the fixed point is dragged away by the torque):
  $\det J(I) = 0$.

`instability_current` solves $F(I) = 0$ with `optimistix.root_find`, tracking $m^*(I)$ with an
inner Newton solve, so $\partial I_c/\partial\theta$ for any parameter $\theta$ of the model or
the drive follows from the implicit function theorem. This is the *instability*, not reversal:
for in-plane junctions reversal needs ~1.26x more (PHYSICS.md §2.2), and it has no thermal or
pulse-width effects (use the Néel-Brown / precessional closed forms or Monte Carlo for those).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import optimistix as optx
from jaxtyping import Array, ArrayLike

from ._checks import check_finite, check_positive, check_vector3, ensure, is_concrete
from ._freelayer import _transverse_basis
from ._llgs import Drive, Macrospin


def _chart(m_ref):
    v1, v2 = _transverse_basis(m_ref)

    def m_of(x):
        m = m_ref + x[0] * v1 + x[1] * v2
        return m / jnp.linalg.norm(m)

    return m_of, v1, v2


#: Newton's default tolerances per working precision, (rtol, atol). A relative 1e-10 is below
#: float32's resolution (eps = 1.2e-7): Newton then stops only on an exactly zero step, which
#: depends on the last ULP of the drift and made the solve fail at random (max_steps reached).
_DEFAULT_TOLERANCES = {4: (1e-6, 1e-8), 8: (1e-10, 1e-12)}


def _check_solver_settings(rtol, atol, max_steps, dtype) -> tuple[float, float]:
    """Newton's tolerances (finite, > 0; None: the default for `dtype`, see
    `_DEFAULT_TOLERANCES`) and step budget (an int >= 1): static settings, so they must be
    concrete; `ValueError` naming the bad one. Returns (rtol, atol)."""
    default = _DEFAULT_TOLERANCES.get(jnp.dtype(dtype).itemsize, _DEFAULT_TOLERANCES[8])
    rtol = default[0] if rtol is None else rtol
    atol = default[1] if atol is None else atol
    if not is_concrete((rtol, atol)):
        raise ValueError("rtol and atol must be concrete numbers (solver settings), not traced")
    check_positive("rtol", rtol)
    check_positive("atol", atol)
    if not (isinstance(max_steps, int) and max_steps >= 1):
        raise ValueError(f"max_steps must be an int >= 1, got {max_steps!r}")
    return float(rtol), float(atol)


def _flag_nonfinite(value: Array, where: str) -> Array:
    """`value`, raising `EquinoxRuntimeError` (now, or when the compiled code runs) if any
    entry is NaN/inf: a solve that diverged must not pass its result on."""
    return eqx.error_if(value, ~jnp.all(jnp.isfinite(value)),
                        f"{where}: the Newton solve gave a non-finite result (NaN/inf); check "
                        "the model and the starting guess")


def tangent_jacobian(model: Macrospin, drive: Drive, m_star: ArrayLike) -> Array:
    """The 2x2 Jacobian of the reduced drift in the tangent plane at the direction `m_star`
    (normalised here), 1/reduced time.

    **Raises** naming `m_star` for a wrong shape, a non-finite or a zero vector (`ValueError`
    now, `equinox.EquinoxRuntimeError` at run time when traced)."""
    return _tangent_jacobian(model, drive, check_vector3("m_star", m_star, unit=True))


def _tangent_jacobian(model: Macrospin, drive: Drive, m_star: Array) -> Array:
    m_of, v1, v2 = _chart(m_star)

    def f(x):
        dm = model.drift(0.0, m_of(x), drive)
        return jnp.stack([dm @ v1, dm @ v2])

    return jax.jacfwd(f)(jnp.zeros(2, m_star.dtype))


def fixed_point(model: Macrospin, drive: Drive, m_guess: ArrayLike, *, rtol=None,
                atol=None, max_steps=64) -> Array:
    """A fixed point of the deterministic drift near the direction `m_guess` (Newton in the
    tangent chart), with Newton tolerances `rtol`, `atol` (default: 1e-10, 1e-12 in float64,
    1e-6, 1e-8 in float32) and at most `max_steps` steps.

    **Raises** `ValueError` naming the argument for a bad `m_guess` (wrong shape, non-finite,
    zero; `equinox.EquinoxRuntimeError` at run time when traced) or bad solver settings;
    `equinox.EquinoxRuntimeError` if Newton does not converge or gives a non-finite state."""
    m_guess = check_vector3("m_guess", m_guess, unit=True)
    rtol, atol = _check_solver_settings(rtol, atol, max_steps, m_guess.dtype)
    m_of, v1, v2 = _chart(m_guess)

    def residual(x, _):
        dm = model.drift(0.0, m_of(x), drive)
        return jnp.stack([dm @ v1, dm @ v2])

    sol = optx.root_find(residual, optx.Newton(rtol=rtol, atol=atol),
                         jnp.zeros(2, m_guess.dtype), max_steps=max_steps)
    return _flag_nonfinite(m_of(sol.value), "fixed_point")


def instability_current(
    model: Macrospin,
    drive_at: Callable[[Array], Drive],
    m_guess: ArrayLike,
    current_guess: ArrayLike,
    *,
    kind: Literal["hopf", "saddle-node"] = "hopf",
    current_scale: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    max_steps: int = 64,
) -> Array:
    r"""The current (A) at which the fixed point near `m_guess` loses stability.

    **Arguments**

    - `model`: the `Macrospin`.
    - `drive_at`: maps a current (A) to the `Drive`, e.g. `lambda i: Drive(current=i)` for STT
      or `lambda i: Drive(channel_current=i, field=h)` for SOT.
    - `m_guess`: the state whose stability is lost (e.g. the initial AP direction).
    - `current_guess`: starting guess, A (the closed-form threshold is a good one); finite, and
      non-zero unless `current_scale` is given.
    - `kind`: "hopf" (trace condition) or "saddle-node" (determinant condition).
    - `current_scale`: the root is solved for I / scale (default |current_guess|), so that
      Newton sees O(1) numbers (PHYSICS.md §5: unscaled, Newton stalls); finite, > 0.
    - `rtol`, `atol`, `max_steps`: Newton's tolerances (default: 1e-10, 1e-12 in float64;
      1e-6, 1e-8 in float32, whose resolution is 1.2e-7) and step budget.

    **Returns** the critical current, A. Differentiable in every array in `model` and in what
    `drive_at` closes over, by the implicit function theorem.

    **Raises** `ValueError` naming the argument for a bad `kind`, `m_guess`, `current_guess`,
    `current_scale` or solver setting (`equinox.EquinoxRuntimeError` at run time for traced
    values); `equinox.EquinoxRuntimeError` if Newton does not converge or gives a non-finite
    current.
    """
    if kind not in ("hopf", "saddle-node"):
        raise ValueError(f"kind must be 'hopf' or 'saddle-node', got {kind!r}")
    m_guess = check_vector3("m_guess", m_guess, unit=True)
    rtol, atol = _check_solver_settings(rtol, atol, max_steps, m_guess.dtype)
    if current_scale is None:
        current_guess = ensure("current_guess", current_guess,
                               lambda a: jnp.isfinite(a) & (a != 0),
                               "finite and non-zero (it sets the scale of the solve; pass "
                               "current_scale for a zero guess)", "A")
        scale = jnp.abs(current_guess)
    else:
        current_guess = check_finite("current_guess", current_guess, "A")
        scale = check_positive("current_scale", current_scale, "A")
    current_guess = jnp.asarray(current_guess, m_guess.dtype)
    scale = jax.lax.stop_gradient(scale)
    # Start from the fixed point at the guessed current, then solve the augmented system
    # (tangent drift = 0, bifurcation condition = 0) for (x1, x2, I/scale) by Newton: unlike
    # nesting a fixed-point solve inside the outer root find, this stays well conditioned at a
    # fold, where the fixed point itself ceases to exist.
    m0 = jax.lax.stop_gradient(
        fixed_point(model, drive_at(current_guess), m_guess, rtol=rtol, atol=atol)
    )
    m_of, v1, v2 = _chart(m0)

    def system(y, _):
        x, i = y[:2], y[2]
        drive = drive_at(i * scale)
        m = m_of(x)
        dm = model.drift(0.0, m, drive)
        jac = _tangent_jacobian(model, drive, m)
        cond = jnp.trace(jac) if kind == "hopf" else jnp.linalg.det(jac)
        return jnp.stack([dm @ v1, dm @ v2, cond])

    y0 = jnp.concatenate([jnp.zeros(2, m_guess.dtype), (current_guess / scale)[None]])
    sol = optx.root_find(system, optx.Newton(rtol=rtol, atol=atol), y0, max_steps=max_steps)
    return _flag_nonfinite(sol.value[2] * scale, "instability_current")
