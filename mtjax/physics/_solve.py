r"""Integrating the macrospin LLGS equation with diffrax (ODE and Stratonovich SDE).

`solve_llgs` is the one entry point. It converts SI inputs to reduced units
(`ReducedUnits`), builds the diffrax terms (drift `ODETerm`; thermal field as a control term on
a Brownian path), wraps the solver in `ProjectedSolver` so that $|m| = 1$ after every step, and
converts the solution back to SI.

Choice of scheme (PHYSICS.md §1.6-1.7): the thermal noise is multiplicative and non-commutative,
so the SDE must be integrated in the Stratonovich sense with a drift of order >= 2: `Heun`
(default, fixed step) or the SRK solvers (`GeneralShARK`, `SPaRK` for adaptive steps). Euler-type
drift schemes pump energy into the precession (bias ~ omega dt/(2 alpha)) and are refused unless
`allow_euler=True`.
"""

from __future__ import annotations

import math
from typing import Literal

import diffrax
import equinox as eqx
import equinox.internal as eqxi
import jax
import jax.numpy as jnp
import optimistix as optx
from jaxtyping import Array, ArrayLike, Bool, Float, PRNGKeyArray

from .._custom_types import Vector3
from ._brownian import StepBrownianPath, ThreePointBrownianPath
from ._checks import check_vector3, concrete_eval, describe, fail_if, is_concrete
from ._llgs import Drive, Macrospin

#: The largest $\omega_\max\,dt$ (`Macrospin.max_rate` times the step, reduced units) that the
#: fixed-step solvers accept: the recommendation is about 0.1; at 1 a Heun step turns the
#: magnetisation by about a radian and the trajectory is meaningless, not merely inaccurate.
MAX_OMEGA_DT = 1.0


def check_time_grid(model: Macrospin, drive: Drive, t0, t1, dt, *, fixed_step: bool = True,
                    check_step: bool = True):
    r"""Validate the time grid of an LLGS solve and return `(t0, t1, dt)` (s).

    - `t0`, `t1` finite with `t1 > t0`; `dt` finite, > 0 and no longer than the span
      `t1 - t0` (a longer step would "solve" the whole run in one step and report success).
    - fixed steps and `check_step`: $\omega_\max\,dt \le$ `MAX_OMEGA_DT`, with
      $\omega_\max$ from `Macrospin.max_rate` (anisotropy, fields, torques at the drive's peak):
      a very stiff layer or a huge current needs a shorter step.

    Concrete values raise `ValueError` naming the argument now; traced ones raise
    `EquinoxRuntimeError` when the compiled code runs.
    """
    concrete = is_concrete((t0, t1, dt))
    with concrete_eval((t0, t1, dt)):
        t0, t1, dt = (jnp.asarray(x) for x in (t0, t1, dt))
        ok_times = jnp.isfinite(t0) & jnp.isfinite(t1) & (t1 > t0)
        t1 = fail_if(t1, ~ok_times, "t0 and t1 must be finite with t1 > t0"
                     + (f", got t0={describe(t0)} s, t1={describe(t1)} s" if concrete else ""))
        span = t1 - t0
        ok_dt = jnp.isfinite(dt) & (dt > 0) & (dt <= span * (1 + 1e-6))
        dt = fail_if(dt, ~ok_dt, "dt must be finite, > 0 and no longer than the span t1 - t0"
                     + (f", got dt={describe(dt)} s for a span of {describe(span)} s"
                        if concrete else ""))
    if fixed_step and check_step:
        with concrete_eval((model, drive, dt)):
            rate = model.max_rate(drive)
            if rate is not None:
                omega_dt = rate * model.layer.units.time_to_reduced(dt)
                msg = (f"dt is too long for this junction and drive: omega_max*dt must be <= "
                       f"{MAX_OMEGA_DT} (about 0.1 is accurate)")
                if is_concrete(omega_dt):
                    omega = float(rate * model.layer.units.time_to_reduced(1.0))  # rad/s
                    msg += (f", got omega_max*dt = {float(omega_dt):.3g} (dt = {describe(dt)} "
                            f"s, omega_max = {omega:.3g} rad/s from the anisotropy, fields and "
                            f"torques at the drive's peak); use dt <= {0.1 / omega:.3g} s, or "
                            "check_step=False")
                dt = fail_if(dt, omega_dt > MAX_OMEGA_DT, msg)
    return t0, t1, dt


_MAX_FIXED_STEPS = 2**31 - 16  # the step counters (diffrax's and the fast path's) are int32


def _step_budget(t0, t1, dt) -> int:
    """Loop length for a fixed-step solve: the steps of the grid plus two spare (concrete
    numbers only; called after the time-grid check, or on values it will refuse)."""
    t0, t1, dt = float(t0), float(t1), float(dt)
    if not (math.isfinite(t0) and math.isfinite(t1) and math.isfinite(dt) and dt > 0
            and t1 > t0):
        return 2  # check_time_grid refuses these values
    n = int(math.ceil((t1 - t0) / dt * (1 + 1e-6))) + 2
    if n > _MAX_FIXED_STEPS:
        raise ValueError(f"dt={dt!r} s gives {n:.3g} steps over the span of {t1 - t0!r} s; the "
                         f"step counter is int32, so at most {_MAX_FIXED_STEPS} steps: use a "
                         "longer dt or a shorter span")
    return n


def constant_step_count(tu0, tu1, dtu):
    """The number of steps `diffrax.ConstantStepSize` takes from `tu0` to `tu1` with step `dtu`
    (its grid is that many equal fractions of the span; the last point is exactly `tu1`)."""
    return jnp.ceil((tu1 - tu0) / eqxi.nextafter(dtu)).astype(jnp.int32)


def flag_nonfinite(m_final, result, throw: bool, where: str):
    """`result` set to `RESULTS.nonfinite` where `m_final` is not finite; raise when `throw`."""
    bad = ~jnp.all(jnp.isfinite(m_final))
    result = diffrax.RESULTS.where(bad, diffrax.RESULTS.nonfinite, result)
    if throw:
        m_final = eqx.error_if(
            m_final, bad,
            f"{where}: the magnetisation became non-finite (NaN/inf): an unphysical parameter "
            "(negative or NaN temperature, thickness, Ms ...) or a step far too long; pass "
            "throw=False to get the result code instead")
    return m_final, result


class ProjectedSolver(diffrax.AbstractWrappedSolver):
    """Wrap a diffrax solver and renormalise $m \\to m/|m|$ after every step.

    This keeps $|m| = 1$ to rounding error at every step (PHYSICS.md §1.7, option 1). It is a
    projection onto the sphere, not a geometric integrator: the step itself is the wrapped
    solver's. Dense output is built from the projected end point; `solve_llgs` also normalises
    interpolated outputs. `isinstance` checks (Stratonovich, adaptive, ...) are forwarded to the
    wrapped solver.
    """

    solver: diffrax.AbstractSolver

    @property
    def term_structure(self):
        return self.solver.term_structure

    @property
    def interpolation_cls(self):  # pyright: ignore
        return self.solver.interpolation_cls

    @property
    def term_compatible_contr_kwargs(self):
        return self.solver.term_compatible_contr_kwargs

    @property
    def scan_kind(self):
        # `ForwardMode`/`DirectAdjoint` read and `eqx.tree_at`-replace `solver.scan_kind` of
        # Runge-Kutta/SRK solvers (isinstance is forwarded to the wrapped solver, so they see
        # one); without this they fail with AttributeError on the wrapper.
        return self.solver.scan_kind

    def order(self, terms):
        return self.solver.order(terms)

    def strong_order(self, terms):
        return self.solver.strong_order(terms)

    def error_order(self, terms):
        return self.solver.error_order(terms)

    def init(self, terms, t0, t1, y0, args):
        return self.solver.init(terms, t0, t1, y0, args)

    def step(self, terms, t0, t1, y0, args, solver_state, made_jump):
        y1, y_error, dense_info, solver_state, result = self.solver.step(
            terms, t0, t1, y0, args, solver_state, made_jump
        )
        y1 = y1 / jnp.linalg.norm(y1)
        if "y1" in dense_info:
            dense_info = dict(dense_info, y1=y1)
        return y1, y_error, dense_info, solver_state, result

    def func(self, terms, t0, y0, args):
        return self.solver.func(terms, t0, y0, args)


class _ThermalTerm(diffrax.ControlTerm):
    """The thermal-field control term; `vf_prod` forms G(m) dW with two cross products."""

    def vf_prod(self, t, y, args, control):
        model, drive = args
        return model.noise_product(t, y, drive, control)


def _drift(t, y, args):
    model, drive = args
    return model.drift(t, y, drive)


def _diffusion(t, y, args):
    model, drive = args
    return model.diffusion(t, y, drive)


class SwitchingCriterion(eqx.Module):
    """Stop when $m\\cdot$`axis` crosses `level` (either direction); the crossing time is located
    by a root find on the dense output (diffrax `Event`).

    For a P -> AP switch of a perpendicular junction starting at +z use `axis=(0, 0, 1)`,
    `level=0` (the §2.3 definition of switching time: $m_z = 0$).
    """

    axis: Vector3
    level: Float[Array, ""]

    def __init__(self, axis: ArrayLike = (0.0, 0.0, 1.0), level: ArrayLike = 0.0):
        self.axis = check_vector3("axis", axis, unit=True)
        self.level = jnp.asarray(level, dtype=self.axis.dtype)

    def __call__(self, m: Vector3) -> Array:
        return m @ self.axis - self.level


class LLGSSolution(eqx.Module):
    """The result of `solve_llgs` (SI units).

    - `ts`: save times, s, shape (n,). Points after a stopping event are `inf`.
    - `ms`: unit magnetisation at `ts`, shape (n, 3) (NaN after a stopping event).
    - `t_final`: the time integration stopped, s (the event time if `event_happened`).
    - `m_final`: m at `t_final`.
    - `event_happened`: whether the switching criterion fired.
    - `result`: the diffrax `RESULTS` code.
    - `num_steps`: accepted steps.
    - `crossing_time`: `solve_llgs_heun(..., crossing=...)` only: the first time the
      projection fell below the level, s (`inf` if never); None otherwise.
    """

    ts: Float[Array, " n"]
    ms: Float[Array, "n 3"]
    t_final: Float[Array, ""]
    m_final: Vector3
    event_happened: Bool[Array, ""]
    result: diffrax.RESULTS
    num_steps: Array
    crossing_time: Float[Array, ""] | None = None

    @property
    def switching_time(self) -> Array:
        """The event time if the criterion fired, else `inf`, s."""
        return jnp.where(self.event_happened, self.t_final, jnp.inf)


Noise = Literal["gaussian", "three-point"]
Brownian = Literal["unsafe", "tree"]


def solve_llgs(
    model: Macrospin,
    drive: Drive,
    m0: ArrayLike,
    t1: float | Array,
    *,
    dt: float | Array,
    t0: float | Array = 0.0,
    key: PRNGKeyArray | None = None,
    saveat: int | ArrayLike | None = None,
    solver: diffrax.AbstractSolver | None = None,
    noise: Noise = "gaussian",
    brownian: Brownian | None = None,
    adaptive: bool = False,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    switching: SwitchingCriterion | None = None,
    max_steps: int | None = None,
    adjoint: diffrax.AbstractAdjoint | None = None,
    allow_euler: bool = False,
    throw: bool = True,
    check_step: bool = True,
) -> LLGSSolution:
    r"""Integrate the macrospin LLGS equation from `t0` to `t1` (seconds).

    Deterministic when `key` is None (zero temperature, whatever `model.layer.temperature` is);
    otherwise Brown's thermal field at `model.layer.temperature`, Stratonovich.

    **Arguments**

    - `model`: the `Macrospin` (free layer + torques).
    - `drive`: the `Drive` (currents and applied field vs time).
    - `m0`: initial magnetisation (normalised here), shape (3,).
    - `t1`, `t0`: end and start time, s.
    - `dt`: step size, s (the initial step when `adaptive`). 1-2 ps suits GHz dynamics in a
      fixed-step Heun (keep $\omega_\max dt \lesssim 0.1$, PHYSICS.md §1.6).
    - `key`: PRNG key for the thermal field (keyword-only), or None for T = 0.
    - `saveat`: None (only the final state), an int n (n equally spaced times from t0 to t1),
      or an array of times in s.
    - `solver`: a diffrax solver; default `Heun()` (fixed step) or `Tsit5()` (adaptive ODE) or
      `SPaRK()` (adaptive SDE). It is always wrapped in `ProjectedSolver`.
    - `noise`: `"gaussian"` (pathwise Brownian increments, default) or `"three-point"` (weak
      increments $\pm\sqrt{3\,dt}$ with probability 1/6 each, 0 with 2/3; matches the Gaussian
      moments to fifth order, valid for *statistics* only, fixed steps, much cheaper).
    - `brownian`: `"unsafe"` (fresh increments per step, keyed on the integer step index:
      fastest; fixed steps; one key gives one path however the call is compiled;
      differentiable with respect to the parameters, not the path: `StepBrownianPath`) or
      `"tree"` (`VirtualBrownianTree`: needed for adaptive steps and for differentiating
      through a stochastic solve). Default: "unsafe" for fixed steps, "tree" for adaptive.
    - `adaptive`: PID step-size control with `rtol`, `atol` (the waveform breakpoints are passed
      as `jump_ts`).
    - `switching`: a `SwitchingCriterion`; integration stops at the crossing.
    - `max_steps`: step budget; default exact for fixed steps, 10^6 for adaptive.
    - `adjoint`: a diffrax adjoint (default `RecursiveCheckpointAdjoint`, reverse mode: every
      Brownian path used here replays exactly, keyed on the step index or a virtual tree).
    - `allow_euler`: permit Euler/EulerHeun (first-order drift; see module docs).
    - `throw`: raise on a failed solve (default), including a non-finite final state; False
      returns the `result` code instead (`RESULTS.nonfinite` for a NaN/inf state), for
      batched sweeps.
    - `check_step`: refuse fixed steps with $\omega_\max\,dt >$ `MAX_OMEGA_DT` (default
      True; see `check_time_grid`).

    **Returns** an `LLGSSolution` in SI units.

    **Raises** `ValueError` (concrete) or `EquinoxRuntimeError` (traced, when the compiled
    code runs) for a wrong-shaped or non-finite `m0`, non-finite times, `t1 <= t0`, a `dt`
    that is not finite, not > 0 or longer than `t1 - t0`, a fixed step too long for the
    junction (`check_time_grid`); `ValueError` for an Itô/Euler solver or an unknown
    `noise`/`brownian`.
    """
    layer = model.layer
    m0 = check_vector3("m0", m0, unit=True)
    dtype = m0.dtype
    if noise not in ("gaussian", "three-point"):
        raise ValueError(f"noise must be 'gaussian' or 'three-point', got {noise!r}")
    if brownian not in (None, "unsafe", "tree"):
        raise ValueError(f"brownian must be 'unsafe', 'tree' or None, got {brownian!r}")
    n_default = _step_budget(t0, t1, dt) if is_concrete((t0, t1, dt)) else None
    t0, t1, dt = check_time_grid(model, drive, t0, t1, dt, fixed_step=not adaptive,
                                 check_step=check_step)

    stochastic = key is not None
    if brownian is None:
        brownian = "tree" if adaptive else "unsafe"
    if adaptive and brownian == "unsafe" and stochastic:
        raise ValueError("adaptive steps need brownian='tree' (an UnsafeBrownianPath cannot "
                         "be re-evaluated on rejected steps)")
    if noise == "three-point" and (adaptive or brownian == "tree"):
        raise ValueError("noise='three-point' is a fixed-step weak scheme; use adaptive=False "
                         "and brownian='unsafe'")

    if solver is None:
        if adaptive:
            solver = diffrax.SPaRK() if stochastic else diffrax.Tsit5()
        else:
            solver = diffrax.Heun()
    if isinstance(solver, (diffrax.Euler, diffrax.EulerHeun)) and not allow_euler:
        raise ValueError(
            f"{type(solver).__name__} has a first-order drift that heats the precession "
            "(PHYSICS.md §1.6: <m_x^2> 1.5x too large at dt = 2 ps); use Heun/SRK, or pass "
            "allow_euler=True deliberately"
        )
    if stochastic and isinstance(solver, diffrax.AbstractItoSolver) and not allow_euler:
        raise ValueError(
            f"{type(solver).__name__} converges to the Itô solution; Brown's thermal field is a "
            "Stratonovich SDE. Use Heun, GeneralShARK or SPaRK."
        )

    units = layer.units
    tu0 = units.time_to_reduced(jnp.asarray(t0, dtype))
    tu1 = units.time_to_reduced(jnp.asarray(t1, dtype))
    dtu = units.time_to_reduced(jnp.asarray(dt, dtype))

    drift_term = diffrax.ODETerm(_drift)
    if stochastic:
        shape = jax.ShapeDtypeStruct((3,), dtype)
        levy = diffrax.BrownianIncrement
        if isinstance(solver, (diffrax.AbstractSRK,)):
            levy = diffrax.SpaceTimeLevyArea
        if brownian == "tree":
            path = diffrax.VirtualBrownianTree(tu0, tu1, tol=dtu / 8, shape=shape, key=key,
                                               levy_area=levy)
        else:
            # the grid of diffrax.ConstantStepSize: n equal steps of (t1 - t0)/n, n the
            # ceiling of the span over dt; each increment is keyed on its step's index
            grid = (tu1 - tu0) / constant_step_count(tu0, tu1, dtu)
            if noise == "three-point":
                path = ThreePointBrownianPath(shape, key, t_start=tu0, dt=grid)
            else:
                path = StepBrownianPath(shape, key, t_start=tu0, dt=grid, levy_area=levy)
        terms = diffrax.MultiTerm(drift_term, _ThermalTerm(_diffusion, path))
    else:
        terms = drift_term

    if adaptive:
        jumps = drive.breakpoints()
        controller = diffrax.PIDController(
            rtol=rtol, atol=atol,
            jump_ts=units.time_to_reduced(jumps) if jumps.shape[0] else None,
        )
        budget = 1_000_000 if max_steps is None else max_steps
    else:
        controller = diffrax.ConstantStepSize()
        if max_steps is not None:
            budget = max_steps
        elif n_default is not None:
            budget = n_default
        else:
            raise ValueError("max_steps must be given when t0, t1 or dt are traced")

    # The final state is its own SubSaveAt: with SaveAt(ts=..., t1=True) in one array, diffrax
    # writes the t1 value right after the last *reached* ts, so after an early event it is not
    # at index len(ts) (that entry is inf).
    subs = [diffrax.SubSaveAt(t1=True)]
    if saveat is not None:
        if isinstance(saveat, int):
            ts = jnp.linspace(tu0, tu1, saveat)
        else:
            ts = units.time_to_reduced(jnp.asarray(saveat, dtype))
        subs.append(diffrax.SubSaveAt(ts=ts))
    save = diffrax.SaveAt(subs=subs)

    if adjoint is None:
        # every path used here replays exactly (keyed on the step index, or a virtual tree),
        # so the checkpointed reverse-mode adjoint applies to all of them
        adjoint = diffrax.RecursiveCheckpointAdjoint()

    event = None
    if switching is not None:
        event = diffrax.Event(
            lambda t, y, args, **kw: switching(y),
            root_finder=optx.Newton(rtol=1e-8 if dtype == jnp.float64 else 1e-5,
                                    atol=1e-10 if dtype == jnp.float64 else 1e-6),
        )

    sol = diffrax.diffeqsolve(
        terms,
        ProjectedSolver(solver),
        tu0,
        tu1,
        dtu,
        m0,
        args=(model, drive),
        saveat=save,
        stepsize_controller=controller,
        event=event,
        max_steps=budget,
        adjoint=adjoint,
        throw=throw,
    )
    ys = [y / jnp.linalg.norm(y, axis=-1, keepdims=True) for y in sol.ys]
    ts_si = [units.time_to_si(t) for t in sol.ts]
    if saveat is None:
        ts_si.append(ts_si[0][:0])
        ys.append(ys[0][:0])
    happened = jnp.asarray(False) if event is None else jnp.asarray(sol.event_mask)
    m_final, result = flag_nonfinite(ys[0][0], sol.result, throw, "solve_llgs")
    return LLGSSolution(
        ts=ts_si[1],
        ms=ys[1],
        t_final=ts_si[0][0],
        m_final=m_final,
        event_happened=happened,
        result=result,
        num_steps=sol.stats["num_accepted_steps"],
    )


__all__ = [
    "MAX_OMEGA_DT",
    "ProjectedSolver",
    "SwitchingCriterion",
    "LLGSSolution",
    "check_time_grid",
    "solve_llgs",
]

