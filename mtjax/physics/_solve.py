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
import jax
import jax.numpy as jnp
import optimistix as optx
from jaxtyping import Array, ArrayLike, Bool, Float, PRNGKeyArray

from ._brownian import ThreePointBrownianPath
from ._checks import check_vector3, is_concrete
from ._llgs import Drive, Macrospin


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

    axis: Float[Array, 3]
    level: Float[Array, ""]

    def __init__(self, axis: ArrayLike = (0.0, 0.0, 1.0), level: ArrayLike = 0.0):
        self.axis = check_vector3("axis", axis, unit=True)
        self.level = jnp.asarray(level, dtype=self.axis.dtype)

    def __call__(self, m: Float[Array, 3]) -> Array:
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
    m_final: Float[Array, 3]
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
    - `brownian`: `"unsafe"` (fresh increments per step: fastest; fixed steps; not
      differentiable w.r.t. the path) or `"tree"` (`VirtualBrownianTree`: needed for adaptive
      steps and for differentiating through a stochastic solve). Default: "unsafe" for fixed
      steps, "tree" for adaptive.
    - `adaptive`: PID step-size control with `rtol`, `atol` (the waveform breakpoints are passed
      as `jump_ts`).
    - `switching`: a `SwitchingCriterion`; integration stops at the crossing.
    - `max_steps`: step budget; default exact for fixed steps, 10^6 for adaptive.
    - `adjoint`: a diffrax adjoint (default `RecursiveCheckpointAdjoint`; `ForwardMode` for
      Gaussian noise on the "unsafe" path, which diffrax cannot checkpoint).
    - `allow_euler`: permit Euler/EulerHeun (first-order drift; see module docs).
    - `throw`: raise on a failed solve (default); False returns the `result` code instead,
      for batched sweeps.

    **Returns** an `LLGSSolution` in SI units.

    **Raises** `ValueError` for a wrong-shaped `m0`, a non-positive `dt`, `t1 <= t0`, an
    Itô/Euler solver, or an unknown `noise`/`brownian`.
    """
    layer = model.layer
    m0 = check_vector3("m0", m0, unit=True)
    dtype = m0.dtype
    if noise not in ("gaussian", "three-point"):
        raise ValueError(f"noise must be 'gaussian' or 'three-point', got {noise!r}")
    if brownian not in (None, "unsafe", "tree"):
        raise ValueError(f"brownian must be 'unsafe', 'tree' or None, got {brownian!r}")
    if is_concrete((t0, t1, dt)):
        if not float(dt) > 0:
            raise ValueError(f"dt must be > 0, got {dt!r} s")
        if not float(t1) > float(t0):
            raise ValueError(f"t1 must be > t0, got t0={t0!r} s, t1={t1!r} s")

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
        if noise == "three-point":
            path = ThreePointBrownianPath(shape, key, t_start=tu0, dt=dtu)
        elif brownian == "unsafe":
            path = diffrax.UnsafeBrownianPath(shape, key, levy_area=levy)
        else:
            path = diffrax.VirtualBrownianTree(tu0, tu1, tol=dtu / 8, shape=shape, key=key,
                                               levy_area=levy)
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
        elif is_concrete((t0, t1, dt)):
            budget = int(math.ceil((float(t1) - float(t0)) / float(dt) * (1 + 1e-6))) + 2
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
        # diffrax refuses an UnsafeBrownianPath under RecursiveCheckpointAdjoint (it cannot be
        # replayed backwards); forward mode is the documented choice for it.
        unsafe = stochastic and noise == "gaussian" and brownian == "unsafe"
        adjoint = diffrax.ForwardMode() if unsafe else diffrax.RecursiveCheckpointAdjoint()

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
    return LLGSSolution(
        ts=ts_si[1],
        ms=ys[1],
        t_final=ts_si[0][0],
        m_final=ys[0][0],
        event_happened=happened,
        result=sol.result,
        num_steps=sol.stats["num_accepted_steps"],
    )


__all__ = ["ProjectedSolver", "SwitchingCriterion", "LLGSSolution", "solve_llgs"]

