r"""N perpendicular MTJs in series: seed 000's multi-level memristor (PHYSICS.md §4.1).

One current $I$ flows through every junction, so the applied voltage divides by the present
resistances: $V_\mathrm{app} = \sum_i I b_i/(1 + a_i|I|)$ ($b_i, a_i$ of each junction's
state, `LinearRVMTJ`). The right-hand side is strictly increasing in $I$, so `current` solves it
with Newton's method (optimistix, implicit differentiation through the root).

Quasi-static ramps are solved *exactly*, event by event, rather than on a voltage grid.
Junction $i$ reaches its critical voltage when the common current reaches its threshold current
$I_{P,i} = c_{P,i}/(b_{0,i} - a_{0,i} c_{P,i})$ (write) or $I_{N,i}$ (erase), whatever the other
junctions do; the applied voltage at that moment is the closed form above. After a P→AP flip
the chain resistance rises and the current drops, so the next write needs more voltage: a
staircase with $N + 1$ levels. After an AP→P flip the current jumps up and may push others past
their threshold at the same voltage: the erase avalanches, usually in one shot. `ramp` returns
the voltage of every flip; everything else (levels, loops, programming) follows from it.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
from jaxtyping import Array, ArrayLike, Bool, Float, Int

from ..physics._checks import (
    as_float,
    check_finite,
    check_nonnegative,
    check_positive,
    describe,
    fail_if,
    is_concrete,
)
from ._base import AbstractSynapse
from ._rv import LinearRVMTJ


def series_current(v_app: ArrayLike, b: ArrayLike, a: ArrayLike) -> Array:
    r"""Current (A) through junctions in series with $R_i(I) = b_i/(1 + a_i|I|)$ at applied
    voltage `v_app` (V): the root of $\sum_i I b_i/(1 + a_i|I|) = V_\mathrm{app}$.

    Newton's method on $y = I\sum_i b_i$ (volts, so the tolerance is physical), started at
    $y = V_\mathrm{app}$. The function is odd, increasing and concave for $y > 0$, so Newton
    approaches the root monotonically from below and cannot overshoot. Gradients with respect
    to `v_app`, `b` and `a` come from the implicit function theorem (optimistix); `jit`, `vmap`
    and `grad` compose.

    **Arguments**: `v_app` scalar, `b` (Ω) and `a` (Ω/V) of shape (N,).

    **Raises** `ValueError` for concrete values, `equinox.EquinoxRuntimeError` at run time for
    traced ones, when `v_app` is not finite, a `b` is not finite and > 0, an `a` not finite
    and >= 0, `b` and `a` are not 1-D of one length N >= 1, or
    $|V_\mathrm{app}| \ge \sum_i b_i/a_i$: the linear branches $b - a|V|$ reach zero resistance
    at $|V| = b/a$, so the model has no current for larger voltages (real junctions break down
    long before).
    """
    v_app = check_finite("v_app", v_app, "V")
    b, a = check_positive("b", b, "Ohm"), check_nonnegative("a", a, "Ohm/V")
    if b.ndim != 1 or b.shape != a.shape or b.shape[0] < 1:
        raise ValueError(f"b and a must be 1-D arrays of one length N >= 1 (one per junction), "
                         f"got shapes {b.shape} and {a.shape}")
    if v_app.ndim:
        raise ValueError(f"v_app must be a scalar (vmap for several voltages), got shape "
                         f"{v_app.shape}")
    limit = jnp.sum(b / a)
    over = jnp.abs(v_app) >= limit
    v_app = fail_if(v_app, over, "series_current: |v_app| exceeds the largest voltage the "
                    "linear R(V) branches can carry (sum of b/a, where each junction's "
                    "resistance reaches zero); the junctions would have broken down long before"
                    + (f"; got v_app = {describe(v_app)} V, sum of b/a = {describe(limit)} V"
                       if is_concrete((v_app, limit)) else ""))
    return _series_current(v_app, b, a)


@eqx.filter_jit
def _series_current(v_app, b, a):
    dtype = jnp.result_type(v_app, b, a)
    v_app, b, a = v_app.astype(dtype), b.astype(dtype), a.astype(dtype)
    r = jnp.sum(b)
    tol = 1e-12 if dtype == jnp.float64 else 1e-6

    def fn(y, args):
        v, b, a, r = args
        return jnp.sum(y * b / (r + a * jnp.abs(y))) - v

    sol = optx.root_find(fn, optx.Newton(rtol=tol, atol=tol), v_app, args=(v_app, b, a, r),
                         max_steps=64)
    return sol.value / r


class RampEvents(eqx.Module):
    """The flips of a quasi-static voltage ramp, in the order they happen.

    - `voltages`: applied voltage of each flip, V, shape (N,); ±inf where fewer than N flips
      are possible (junctions already in the target state). Equal entries are an avalanche.
    - `order`: index of the junction flipped, shape (N,) (-1 for padding).
    - `final_states`: states after the whole ramp (True = AP), shape (N,).
    """

    voltages: Float[Array, " n"]
    order: Int[Array, " n"]
    final_states: Bool[Array, " n"]


class SeriesChain(AbstractSynapse):
    """N MTJs in series (seed 000): a multi-level resistor with N + 1 levels.

    **Arguments**

    - `mtj`: a `LinearRVMTJ` whose fields broadcast to shape (N,), one entry per junction
      (scalars are shared by all junctions), or (M, N) for a batch of M chains (e.g. from
      `sample_devices(mtj, spread, key, (M, N))`). Methods act on one chain: use
      `eqx.filter_vmap` over a batch.

    **Raises** `ValueError` if `mtj` is not a `LinearRVMTJ` or its fields do not broadcast to
    (..., N) with N >= 1 (its values are checked by `LinearRVMTJ`).
    """

    mtj: LinearRVMTJ

    def __init__(self, mtj: LinearRVMTJ):
        if not isinstance(mtj, LinearRVMTJ):
            raise ValueError(f"mtj must be a LinearRVMTJ, got {type(mtj).__name__}")
        shapes = [jnp.shape(x) for x in jax.tree_util.tree_leaves(mtj)]
        try:
            shape = jnp.broadcast_shapes(*shapes)
        except ValueError:
            raise ValueError("SeriesChain: the LinearRVMTJ fields must broadcast to one shape "
                             f"(..., N), got shapes {shapes}") from None
        if len(shape) < 1 or shape[-1] < 1:
            raise ValueError("a chain needs N >= 1 junctions: give at least one LinearRVMTJ "
                             f"field as an array of shape (N,) (or (M, N) for M chains), got "
                             f"shapes {shapes}")
        self.mtj = jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, shape), mtj)

    @classmethod
    def uniform(cls, n: int, *, b0=900.0, a0=100.0, b1=1800.0, a1=1000.0, c_p=0.46, c_n=-0.42,
                v_breakdown=1.5) -> SeriesChain:
        """N identical junctions (defaults: the seed-000 placeholders, PHYSICS.md §4.1).

        **Raises** `ValueError` for `n` not an int >= 1 and whatever `LinearRVMTJ` refuses."""
        if not (isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 1):
            raise ValueError(f"n (junctions in the chain) must be an int >= 1, got {n!r}")
        full = lambda x: jnp.full((int(n),), as_float(x))  # noqa: E731
        return cls(LinearRVMTJ(full(b0), full(a0), full(b1), full(a1), full(c_p), full(c_n),
                               full(v_breakdown)))

    @property
    def n(self) -> int:
        return self.mtj.b0.shape[-1]

    def _states(self, states, name: str = "states") -> Array:
        """`states` (True = AP) as a bool array of shape (N,), refusing other shapes and
        values other than 0/1."""
        s = jnp.asarray(states)
        if s.shape not in ((), (self.n,)):
            raise ValueError(f"{name} must have shape ({self.n},) (one per junction, True = AP) "
                             f"or be a scalar, got shape {s.shape}")
        if not jnp.issubdtype(s.dtype, jnp.bool_):
            s = fail_if(s, (s != 0) & (s != 1), f"{name} must be booleans (or 0/1)"
                        + (f", got {describe(s)}" if is_concrete(s) else ""))
        return jnp.broadcast_to(s.astype(bool), (self.n,))

    # -- transport ------------------------------------------------------------------------------

    def current(self, v_app: ArrayLike, states: ArrayLike) -> Array:
        """Chain current (A) at applied voltage `v_app` (V) with junction `states` (True = AP).

        **Raises** (`series_current`) for a non-finite `v_app` or one beyond the model's
        limit, and for `states` of the wrong shape."""
        b, a = self.mtj.branch(self._states(states))
        return series_current(v_app, b, a)

    def junction_voltages(self, v_app: ArrayLike, states: ArrayLike) -> Array:
        """Voltage across each junction, V, shape (N,). **Raises** as `current`."""
        states = self._states(states)
        return self.mtj.voltage_at_current(self.current(v_app, states), states)

    def resistance(self, v_app: ArrayLike, states: ArrayLike) -> Array:
        r"""Chain resistance (Ω) at bias `v_app`: $\sum_i b_i/(1 + a_i|I|)$ (= $V/I$, and
        $\sum_i b_i$ at zero bias). **Raises** as `current`."""
        b, a = self.mtj.branch(self._states(states))
        i = series_current(v_app, b, a)
        return jnp.sum(b / (1 + a * jnp.abs(i)))

    # -- quasi-static ramps --------------------------------------------------------------------

    @eqx.filter_jit
    def ramp(self, states0: ArrayLike, direction: int) -> RampEvents:
        """Flips of a quasi-static ramp from 0 V towards +inf (`direction=+1`, writes P→AP) or
        -inf (`direction=-1`, erases AP→P), starting from `states0` (True = AP). Exact (no
        voltage grid); differentiable in the device parameters (the order is piecewise
        constant)."""
        if isinstance(direction, bool) or direction not in (1, -1):
            raise ValueError(f"direction must be +1 (write) or -1 (erase), got {direction!r}")
        write = direction > 0
        states0 = self._states(states0, "states0")
        i_p, i_n = self.mtj.threshold_currents()
        thr = i_p if write else i_n
        dtype = thr.dtype

        def body(carry, _):
            states, v_last = carry
            cand = ~states if write else states
            any_c = jnp.any(cand)
            j = jnp.argmin(jnp.where(cand, thr, jnp.inf))
            t = jnp.where(any_c, thr[j], jnp.ones((), dtype))
            b, a = self.mtj.branch(states)
            # the current already flowing at the last flip's voltage (post-flip states)
            i_now = jnp.abs(series_current(v_last, b, a))
            v_reach = direction * jnp.sum(t * b / (1 + a * t))
            v_event = jnp.where(t <= i_now, v_last, v_reach)
            states = jnp.where(any_c & (jnp.arange(self.n) == j), write, states)
            out_v = jnp.where(any_c, v_event, direction * jnp.inf)
            return (states, jnp.where(any_c, v_event, v_last)), (out_v, jnp.where(any_c, j, -1))

        (final, _), (volts, order) = jax.lax.scan(
            body, (states0, jnp.zeros((), dtype)), None, length=self.n)
        return RampEvents(voltages=volts, order=order.astype(jnp.int32), final_states=final)

    @eqx.filter_jit
    def write_voltages(self) -> Array:
        """Applied voltages of the N writes from the erased (all-P) state, V, increasing."""
        return self.ramp(jnp.zeros((self.n,), bool), +1).voltages

    @eqx.filter_jit
    def erase_voltages(self) -> Array:
        """Applied voltages of the N erases from the fully written (all-AP) state, V."""
        return self.ramp(jnp.ones((self.n,), bool), -1).voltages

    @eqx.filter_jit
    def level_states(self) -> Bool[Array, "L n"]:
        """Junction states of the N + 1 levels reached by writing from all-P: row k has the
        first k junctions of the write order in AP."""
        order = self.ramp(jnp.zeros((self.n,), bool), +1).order
        rank = jnp.argsort(order)  # rank[i]: when junction i flips
        return rank[None, :] < jnp.arange(self.n + 1)[:, None]

    @eqx.filter_jit
    def levels(self, v_read: ArrayLike = 0.1) -> Array:
        """Read resistances (Ω) of the N + 1 levels at read bias `v_read` (V), increasing."""
        return jax.vmap(lambda s: self.resistance(v_read, s))(self.level_states())

    def conductance_levels(self, v_read: ArrayLike = 0.1) -> Float[Array, " L"]:
        """The N + 1 read conductances (S) at read bias `v_read` (V), increasing (the
        `AbstractSynapse` interface; the reciprocal of `levels`, in reverse order)."""
        return (1.0 / self.levels(v_read))[::-1]

    @eqx.filter_jit
    def level_at(self, v_write: ArrayLike, states0: ArrayLike | None = None) -> Array:
        """Number of junctions in AP after a write pulse of `v_write` (V, quasi-static) from
        `states0` (default all-P). **Raises** for a non-finite `v_write` or `states0` of the
        wrong shape."""
        v_write = check_finite("v_write", v_write, "V")
        s0 = jnp.zeros((self.n,), bool) if states0 is None else self._states(states0, "states0")
        ev = self.ramp(s0, +1)
        return jnp.sum(s0) + jnp.sum(ev.voltages <= v_write)

    @eqx.filter_jit
    def max_junction_voltage(self, v_write: ArrayLike) -> Array:
        """Largest |bias| any junction carries during a quasi-static write ramp from all-P to
        `v_write`: at `v_write` in the final state or at a flip (just before it), V.
        **Raises** for a non-finite `v_write`."""
        v_write = check_finite("v_write", v_write, "V")
        ev = self.ramp(jnp.zeros((self.n,), bool), +1)
        rank = jnp.argsort(ev.order)
        final = jnp.sum(ev.voltages <= v_write)
        # beyond the model's limit (a branch at zero resistance) the answer is "above any
        # breakdown voltage": inf
        b, a = self.mtj.branch(rank < final)
        limit = jnp.sum(b / a)
        v_safe = jnp.where(v_write < limit, v_write, 0.5 * limit)
        at_end = jnp.max(jnp.abs(self.junction_voltages(v_safe, rank < final)))
        at_end = jnp.where(v_write < limit, at_end, jnp.inf)
        # before flip k the states are the first k junctions of the order
        def before(k):
            return jnp.max(jnp.abs(self.junction_voltages(ev.voltages[k], rank < k)))
        at_flips = jax.vmap(before)(jnp.arange(self.n))
        at_flips = jnp.where(ev.voltages <= v_write, at_flips, 0.0)
        return jnp.maximum(at_end, jnp.max(at_flips))

    @eqx.filter_jit
    def loop(self, v_max: float, n_points: int = 401) -> dict[str, Array]:
        """An R(V) loop: 0 → +`v_max` → -`v_max` → 0 from the erased state, `n_points` per leg.

        Returns a dict of arrays: `v` (V), `r` (Ω, chain resistance at that bias), `level`
        (junctions in AP) along the path. Not differentiable in `v_max`/`n_points` (static).

        **Raises** for a `v_max` that is not finite and > 0 (`ValueError` for a Python number,
        `EquinoxRuntimeError` for an array, which is traced here), `n_points` not an int >= 2,
        or a `v_max` beyond the linear model's zero-resistance limit.
        """
        v_max = check_positive("v_max", v_max, "V")
        if not (isinstance(n_points, int | np.integer) and n_points >= 2):
            raise ValueError(f"n_points must be an int >= 2, got {n_points!r}")
        up_ev = self.ramp(jnp.zeros((self.n,), bool), +1)
        rank_up = jnp.argsort(up_ev.order)
        top = rank_up < jnp.sum(up_ev.voltages <= v_max)
        down_ev = self.ramp(top, -1)
        rank_down = jnp.argsort(down_ev.order)
        v_leg = jnp.linspace(0.0, v_max, n_points, dtype=up_ev.voltages.dtype)

        def up_state(v):
            return rank_up < jnp.sum(up_ev.voltages <= v)

        def down_state(v):
            return top & ~(rank_down < jnp.sum(down_ev.voltages >= v))

        v_down = jnp.concatenate([v_leg[::-1], -v_leg[1:]])
        v_back = -v_leg[::-1][1:]
        s_up = jax.vmap(up_state)(v_leg)
        s_down = jax.vmap(down_state)(v_down)
        s_back = jnp.broadcast_to(s_down[-1], (v_back.shape[0], self.n))
        v = jnp.concatenate([v_leg, v_down, v_back])
        s = jnp.concatenate([s_up, s_down, s_back])
        r = jax.vmap(self.resistance)(v, s)
        return {"v": v, "r": r, "level": jnp.sum(s, axis=-1)}


def program_array(chains: SeriesChain, targets: ArrayLike, write_voltages: ArrayLike,
                  *, check_breakdown: bool = True) -> Array:
    r"""Seed 000's programming protocol for an array of chains in N + 1 cycles.

    Cycle 0 erases every chain (a negative pulse beyond every erase voltage); cycle k = 1..N
    connects the chains whose target level is k and applies `write_voltages[k-1]` (V) to them
    (quasi-statically). Returns the level each chain reached; with device-to-device spread some
    land off target (compare with `targets`).

    **Arguments**

    - `chains`: a `SeriesChain` whose fields have a leading batch axis (M, N).
    - `targets`: int levels in [0, N], shape (M,).
    - `write_voltages`: the N programming voltages, V (e.g. `nominal_write_voltages`).
    - `check_breakdown`: if True, a programming voltage that would put any junction above its
      `v_breakdown` raises (`ValueError` for concrete inputs, `equinox.error_if` under `jit`).

    **Raises** `ValueError` (`EquinoxRuntimeError` for traced values) for targets that are not
    integer levels in [0, N] (one per chain: JAX would clamp an out-of-range index silently),
    chains without a batch axis, or voltages of the wrong shape or not finite and > 0.
    """
    if not isinstance(chains, SeriesChain) or chains.mtj.b0.ndim != 2:
        raise ValueError("chains must be a SeriesChain with a leading batch axis (fields of "
                         "shape (M, N))")
    m, n = chains.mtj.b0.shape
    targets = jnp.asarray(targets)
    if not jnp.issubdtype(targets.dtype, jnp.integer) or targets.shape != (m,):
        raise ValueError(f"targets must be integer levels of shape ({m},) (one per chain), got "
                         f"dtype {targets.dtype} and shape {targets.shape}")
    targets = fail_if(targets, (targets < 0) | (targets > n), f"targets must be levels in "
                      f"[0, {n}]" + (f", got {describe(targets)}" if is_concrete(targets)
                                     else ""))
    write_voltages = as_float(write_voltages)
    if write_voltages.shape != (n,):
        raise ValueError(f"write_voltages must have shape ({n},) (one per level 1..N), got "
                         f"{write_voltages.shape}")
    write_voltages = check_positive("write_voltages", write_voltages, "V")
    v_apply = jnp.where(targets > 0, write_voltages[jnp.clip(targets - 1, 0, n - 1)], 0.0)

    def one(chain, v):
        level = jnp.where(v > 0, chain.level_at(v), 0)
        vmax = jnp.where(v > 0, chain.max_junction_voltage(v), 0.0)
        over = jnp.any(vmax > chain.mtj.v_breakdown)
        return level, over, vmax

    levels, over, vmax = eqx.filter_vmap(one)(chains, v_apply)
    if check_breakdown:
        if is_concrete((over, vmax, v_apply)):
            k = int(np.argmax(np.asarray(over)))
            msg = (f"programming voltage {float(v_apply[k]):.3f} V (target level "
                   f"{int(targets[k])}) puts a junction of chain {k} at {float(vmax[k]):.3f} V, "
                   f"above its breakdown voltage "
                   f"{float(np.min(np.asarray(chains.mtj.v_breakdown[k]))):.3f} V")
        else:
            msg = "a programming voltage puts a junction above its breakdown voltage (v_breakdown)"
        levels = fail_if(levels, over, msg)
    return levels


def nominal_write_voltages(chains: SeriesChain, margin: float = 0.5) -> Array:
    """Programming voltages for levels 1..N from a sample of chains (leading batch axis): for
    level k < N, the midpoint between the mean k-th and (k+1)-th write voltages; for level N,
    the mean N-th write voltage plus `margin` times the last step (default half a step).

    **Raises** `ValueError` for chains without a batch axis or a `margin` not finite and
    >= 0."""
    if not isinstance(chains, SeriesChain) or chains.mtj.b0.ndim != 2:
        raise ValueError("chains must be a SeriesChain with a leading batch axis (fields of "
                         "shape (M, N))")
    margin = check_nonnegative("margin", margin)
    w = eqx.filter_vmap(lambda c: c.write_voltages())(chains)
    mean = jnp.mean(w, axis=0)
    mid = 0.5 * (mean[:-1] + mean[1:])
    last_step = mean[-1] - (mean[-2] if mean.shape[0] > 1 else 0.0)
    return jnp.concatenate([mid, mean[-1:] + margin * last_step])


__all__ = ["SeriesChain", "RampEvents", "series_current", "program_array",
           "nominal_write_voltages"]
