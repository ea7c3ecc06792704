r"""Experimental fixed-step Heun integrator for large batches of stochastic macrospins.

**Why it exists.** `solve_llgs` (diffrax) `jax.vmap`-ped over 10^4 junctions reaches about
10 million junction-steps per second on two CPU cores, 3x cmtj on the same cores, far from
the 20x target of `benchmarks/llgs_throughput.py`; this integrator reaches about 60 million.
Profiling (that script's `profile` section) found three causes, mostly outside diffrax's step
logic (about 20 ns of the 230 CPU ns per junction-step):

1. *Layout.* `vmap` of a function of one (3,)-vector gives (N, 3) arrays. XLA:CPU then emits
   `jnp.cross` as slices and concatenates along the minor axis of length 3, calls a small
   (N, 3) x (3, 3) matrix product for the anisotropy field and reduces over that axis for the
   norm; none of it vectorises. Here every quantity is held as three separate (N,) components
   ("structure of arrays"): under `vmap` each component is a contiguous (N,) array.
2. *Random bits.* On CPU `jax.random` lowers Threefry-2x32 as a rolled 5-iteration loop,
   several times slower per hash than the same 20 rounds unrolled (4-10x measured).
   `_threefry2x32` below is the unrolled hash (Salmon et al., "Parallel random numbers: as
   easy as 1, 2, 3", SC'11, doi:10.1145/2063384.2063405); it reproduces the bits of
   `jax.random.fold_in`, `split` and `normal`, so the increments are the ones `solve_llgs`
   uses (three-point: bit for bit; Gaussian: the same uniform bits, erf^-1 equal to a few
   ULP).
3. *Recomputation.* XLA duplicates cheap producers into every consumer fusion. The three
   components of the next step's noise are therefore generated once, at the end of the
   previous step, and carried by the loop (a carried value is materialised once).

**Scheme.** Exactly what `solve_llgs(..., solver=Heun(), noise=..., brownian="unsafe")`
computes: the same time grid as `diffrax.ConstantStepSize` (fractions of `t1 - t0`, the last
point exactly `t1`), Heun's predictor-corrector on drift and Stratonovich noise with one
increment per step (PHYSICS.md §1.6), and the projection $m \to m/|m|$ after every step (§1.7).
The physics is `Macrospin`'s: the applied/bias field comes from `Macrospin.reduced_field`
(affine in $m$: $h(m) = h(0) - \kappa m$, `FreeLayer`), the torque amplitudes from
`Macrospin.torque_amplitudes`, $\kappa$, $\alpha$ and $\sigma$ from the `FreeLayer`; only the
vector algebra of Eq. 1.5 is written out per component. `tests/test_fastpath.py` checks that
the trajectories agree with `solve_llgs` to rounding error.

Limits: fixed steps, no events, no dense output (only the final state), Threefry keys only.
Differentiable like a `lax.scan`, forward and reverse mode, with respect to the parameters
(not through the noise). The increments are keyed on the integer index of the step, as in
`StepBrownianPath` (which `solve_llgs` uses), so one key gives one sample path however the
call is compiled (eagerly, `jax.jit`, `CPU_FAST_MATH`).
"""

from __future__ import annotations

import diffrax
import equinox as eqx
import equinox.internal as eqxi
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import ArrayLike, PRNGKeyArray

from ._brownian import _BITS, _C, _LEVELS, _P_COUNT
from ._checks import check_vector3, is_concrete
from ._llgs import Drive, Macrospin
from ._solve import (
    LLGSSolution,
    Noise,
    _step_budget,
    check_time_grid,
    constant_step_count,
    flag_nonfinite,
)

_ROTATIONS = (13, 15, 26, 6, 17, 29, 16, 24)

#: XLA compile options for `jax.jit(..., compiler_options=CPU_FAST_MATH)` around
#: `solve_llgs_heun` on CPU: LLVM may contract a*b + c into a fused multiply-add and
#: reassociate sums; NaN/infinity semantics, division and library functions (sqrt, erf^-1) stay
#: exact. Measured about 1.3x on the benchmark junction; other backends ignore `xla_cpu_*`.
CPU_FAST_MATH = {
    "xla_cpu_enable_fast_math": True,
    "xla_cpu_fast_math_honor_nans": True,
    "xla_cpu_fast_math_honor_infs": True,
    "xla_cpu_fast_math_honor_division": True,
    "xla_cpu_fast_math_honor_functions": True,
}
_PARITY = 0x1BD11BDA


def _rotl(x, r: int):
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _threefry2x32(k0, k1, x0, x1):
    """Threefry-2x32 with 20 rounds, unrolled; all arguments uint32 (any broadcastable shape)."""
    ks = (k0, k1, k0 ^ k1 ^ np.uint32(_PARITY))
    x0 = x0 + ks[0]
    x1 = x1 + ks[1]
    for i in range(5):
        for r in _ROTATIONS[4 * (i % 2): 4 * (i % 2) + 4]:
            x0 = x0 + x1
            x1 = _rotl(x1, r) ^ x0
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x0, x1


def _fold_in(k, data):
    """`jax.random.fold_in` on raw Threefry key words `k = (k0, k1)` and uint32 `data`."""
    return _threefry2x32(k[0], k[1], jnp.zeros_like(data), data)


def _key_pair(key):
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        impl = str(jax.random.key_impl(key))
        if "threefry" not in impl:
            raise ValueError(f"solve_llgs_heun needs a threefry2x32 key, got impl {impl}")
        words = jax.random.key_data(key)
    else:
        if jax.config.jax_default_prng_impl != "threefry2x32":
            raise ValueError("solve_llgs_heun needs threefry2x32 raw keys")
        words = key
    if words.shape != (2,):
        raise ValueError(f"key must be a single PRNG key, got key data of shape {words.shape}")
    return words[0], words[1]


class _ThreePoint:
    """`ThreePointBrownianPath.evaluate` of step `index` for a scalar key: one hash per step."""

    def __init__(self, key):
        self.k = _key_pair(key)

    def draw(self, index):
        k = _fold_in(self.k, index.astype(jnp.uint32))
        return (k[0],)

    def increments(self, state, t0, t1, dtype):
        (word,) = state
        scale = _C * jnp.sqrt((t1 - t0).astype(dtype))
        out = []
        for i in range(3):
            f = (word >> np.uint32(_BITS * i)) & np.uint32(_LEVELS - 1)
            sign = jnp.where(f < _P_COUNT, -1.0, jnp.where(f >= _LEVELS - _P_COUNT, 1.0, 0.0))
            out.append(sign.astype(dtype) * scale)
        return tuple(out)


class _Gaussian:
    """`StepBrownianPath(shape=(3,))` of step `index`: fold in the step index, then
    `jax.random.normal` (partitionable Threefry bits, uniform on (-1, 1), erf^-1)."""

    def __init__(self, key, dtype):
        if not jax.config.jax_threefry_partitionable:
            raise ValueError("solve_llgs_heun reproduces jax.random with "
                             "jax_threefry_partitionable=True only")
        self.k = _key_pair(key)
        self.dtype = dtype

    def draw(self, index):
        k = _fold_in(self.k, index.astype(jnp.uint32))
        zero = jnp.zeros_like(k[0])
        dtype = jnp.dtype(self.dtype)
        lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype), dtype=dtype)
        one_bits = np.array(1.0, dtype).view(np.uint32 if dtype.itemsize == 4 else np.uint64)
        out = []
        for i in range(3):
            b0, b1 = _threefry2x32(k[0], k[1], zero, zero + np.uint32(i))
            if dtype.itemsize == 4:
                bits = b0 ^ b1
                fbits = (bits >> np.uint32(32 - 23)) | one_bits
            else:
                bits = (b0.astype(jnp.uint64) << np.uint64(32)) | b1.astype(jnp.uint64)
                fbits = (bits >> np.uint64(64 - 52)) | one_bits
            u = jax.lax.bitcast_convert_type(fbits, dtype) - np.array(1.0, dtype)
            u = jnp.maximum(lo, u * (np.array(1.0, dtype) - lo) + lo)
            out.append(np.array(np.sqrt(2), dtype) * jax.lax.erf_inv(u))
        return tuple(out)

    def increments(self, state, t0, t1, dtype):
        std = jnp.sqrt(t1 - t0).astype(dtype)
        return tuple(z * std for z in state)


def _cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def solve_llgs_heun(
    model: Macrospin,
    drive: Drive,
    m0: ArrayLike,
    t1: float,
    *,
    dt: float,
    t0: float = 0.0,
    key: PRNGKeyArray | None = None,
    noise: Noise = "gaussian",
    max_steps: int | None = None,
    crossing: tuple[ArrayLike, ArrayLike] | None = None,
    throw: bool = True,
    check_step: bool = True,
) -> LLGSSolution:
    r"""Fixed-step Heun integration of the macrospin LLGS equation, fast under `jax.vmap`.

    Same scheme, same time grid and same increments as
    `solve_llgs(model, drive, m0, t1, dt=dt, t0=t0, key=key, noise=noise)` with its default
    fixed-step `Heun` and `brownian="unsafe"`: the final states agree to rounding error. Use it
    for large batches of statistics (`jax.vmap` over keys and parameters); use `solve_llgs`
    for anything else (events, saved trajectories, adaptive steps, SRK solvers).

    **Arguments**

    - `model`, `drive`, `m0`: as in `solve_llgs` (SI; `m0` is normalised here).
    - `t1`, `t0`, `dt`: end time, start time and step, s. Python numbers (they fix the number
      of loop iterations).
    - `key`: PRNG key (Threefry) for the thermal field at `model.layer.temperature`, or None
      for T = 0.
    - `noise`: `"gaussian"` (the increments of `StepBrownianPath`, as `solve_llgs`) or
      `"three-point"` (those of `ThreePointBrownianPath`; statistics only).
    - `max_steps`: loop length; the default covers the grid with two or three spare
      iterations (masked: they do not change the result).
    - `crossing`: optional `(axis, level)`: record the first time $m\cdot\hat a$ falls below
      `level` (linear interpolation inside the step; `t0` if it starts below). The
      integration goes on to `t1`.
    - `throw`: raise (default) if `max_steps` did not reach `t1` or the final state is not
      finite; False returns the result code (`max_steps_reached`, `nonfinite`) instead.
    - `check_step`: refuse $\omega_\max\,dt >$ `MAX_OMEGA_DT` (see `check_time_grid`).

    **Returns** an `LLGSSolution` with only the final state (`ts`, `ms` empty), `num_steps`
    and, with `crossing`, `crossing_time` (s, `inf` if never); `result` is
    `max_steps_reached` if `max_steps` was too small (with `throw=False`).

    **Speed.** Compile the caller with `jax.jit(..., compiler_options=CPU_FAST_MATH)`: it lets
    LLVM contract multiply-adds and reassociate (NaN, infinity, division and library
    functions stay IEEE), about 1.3x faster on CPU; results change at the rounding level
    (tested). Other backends ignore the options.

    **Raises** `ValueError` for traced times, a `dt` that is not finite, not > 0 or longer
    than `t1 - t0`, `t1 <= t0`, a step too long for the junction (`check_time_grid`), a wrong
    `m0`, an unknown `noise`, or a non-Threefry key; `EquinoxRuntimeError` for a traced model
    whose step is too long, and (with `throw`) a non-finite final state or too few
    `max_steps`.
    """
    if noise not in ("gaussian", "three-point"):
        raise ValueError(f"noise must be 'gaussian' or 'three-point', got {noise!r}")
    if not is_concrete((t0, t1, dt)):
        raise ValueError("solve_llgs_heun needs concrete t0, t1 and dt (Python numbers)")
    # the loop length comes from the concrete numbers; the checked (possibly error_if-wrapped,
    # hence traced) values are the ones integrated, so that a traced check takes effect
    n_default = _step_budget(t0, t1, dt)
    t0, t1, dt = check_time_grid(model, drive, t0, t1, dt, check_step=check_step)
    m0 = check_vector3("m0", m0, unit=True)
    dtype = m0.dtype
    if max_steps is None:
        max_steps = n_default

    layer = model.layer
    units = layer.units
    tu0 = units.time_to_reduced(jnp.asarray(t0, dtype))
    tu1 = units.time_to_reduced(jnp.asarray(t1, dtype))
    dtu = units.time_to_reduced(jnp.asarray(dt, dtype))
    tdtype = tu1.dtype
    # The grid of diffrax.ConstantStepSize and diffeqsolve's clipping to t1 (100 ULP).
    n_grid = constant_step_count(tu0, tu1, dtu)
    t1_floor = tu1
    for _ in range(100):
        t1_floor = eqxi.prevbefore(t1_floor)

    alpha = layer.alpha
    kappa = layer.anisotropy_tensor
    kap = [[kappa[i, j] for j in range(3)] for i in range(3)]
    rinv = 1 / (1 + alpha * alpha)  # multiplied, not divided, inside the loop
    zero3 = jnp.zeros((3,), dtype)
    sigma = layer.thermal_sigma

    def stage(tau, m, h, w):
        # One Heun stage h f(tau, m) + G(m) w, PHYSICS.md Eq. 1.5 and §1.6, written out per
        # component. Eq. 1.5 is linear in the field and the thermal field sigma w/h enters
        # exactly like it, so m x (.) and m x (m x .) are evaluated once for both: same
        # algebra as Macrospin.drift + Macrospin.noise_product, two cross products fewer.
        h_app = model.reduced_field(tau, zero3, drive)
        f = [h_app[i] - (kap[i][0] * m[0] + kap[i][1] * m[1] + kap[i][2] * m[2])
             for i in range(3)]
        dl = (0.0, 0.0, 0.0)
        for a, b, p in model.torque_amplitudes(tau, m, drive):
            f = [f[i] + b * p[i] for i in range(3)]
            mxp = _cross(m, p)
            mmxp = _cross(m, mxp)
            dl = tuple(dl[i] + a * (mmxp[i] - alpha * mxp[i]) for i in range(3))
        f = [f[i] * h for i in range(3)]
        if w is not None:
            f = [f[i] + sigma * w[i] for i in range(3)]
        mxf = _cross(m, f)
        mmxf = _cross(m, mxf)
        return tuple(-(mxf[i] + alpha * mmxf[i] + h * dl[i]) * rinv for i in range(3))

    if key is None:
        path = None
    elif noise == "three-point":
        path = _ThreePoint(key)
    else:
        path = _Gaussian(key, dtype)

    def draw(index):
        # the increment of the step that starts at grid point `index` (keyed on the integer
        # index: the same path eagerly, under jit and with CPU_FAST_MATH)
        return () if path is None else path.draw(index)

    if crossing is not None:
        axis = check_vector3("crossing axis", crossing[0], unit=True).astype(dtype)
        level = jnp.asarray(crossing[1], dtype)

        def project(m):
            return m[0] * axis[0] + m[1] * axis[1] + m[2] * axis[2] - level

    def step(carry, _):
        m, tp, tn, steps, rng, t_cross = carry
        h = tn - tp
        w = path.increments(rng, tp, tn, dtype) if path is not None else None
        k1 = stage(tp, m, h, w)
        ym = tuple(m[i] + k1[i] for i in range(3))
        k2 = stage(tn, ym, h, w)
        y1 = [m[i] + (0.5 * k1[i] + 0.5 * k2[i]) for i in range(3)]
        rnorm = jax.lax.rsqrt(y1[0] * y1[0] + y1[1] * y1[1] + y1[2] * y1[2])
        y1 = tuple(y * rnorm for y in y1)
        # the time grid of diffrax.ConstantStepSize / diffeqsolve
        live = tp < tu1
        if crossing is not None:
            # first step that ends below the level: interpolate linearly inside it
            before, after = project(m), project(y1)
            first = live & (after < 0) & jnp.isinf(t_cross)
            frac = jnp.where(before > 0, before / jnp.where(first, before - after, 1.0), 0.0)
            t_cross = jnp.where(first, tp + frac.astype(tdtype) * (tn - tp), t_cross)
        done = steps + 1
        t_next = tu0 + (tu1 - tu0) * (done.astype(tdtype) / n_grid.astype(tdtype))
        t_next = jnp.where(done == n_grid, tu1, t_next)
        t_next = jnp.where(t_next > t1_floor, tu1, t_next)
        t_prev = jnp.minimum(tn, tu1)
        m = tuple(jnp.where(live, y1[i], m[i]) for i in range(3))
        tp, tn = jnp.where(live, t_prev, tp), jnp.where(live, t_next, tn)
        # the next step's random numbers, drawn here so that they are computed once
        rng = draw(done - 1)
        return (m, tp, tn, jnp.where(live, done, steps), rng, t_cross), None

    tn0 = jnp.minimum(tu0 + dtu, tu1)
    t_cross0 = jnp.asarray(jnp.inf, tdtype)
    if crossing is not None:  # already below the level at t0: crossed at t0
        t_cross0 = jnp.where(project(m0) < 0, tu0, t_cross0)
    init = ((m0[0], m0[1], m0[2]), tu0, tn0, jnp.asarray(1, jnp.int32),
            draw(jnp.asarray(0, jnp.int32)), t_cross0)
    (m, tp, _, steps, _, t_cross), _ = jax.lax.scan(step, init, None, length=max_steps)
    m = jnp.stack(m)
    finished = tp >= tu1
    result = diffrax.RESULTS.where(finished, diffrax.RESULTS.successful,
                                   diffrax.RESULTS.max_steps_reached)
    if throw:
        m = eqx.error_if(m, ~finished, "solve_llgs_heun: max_steps was too small to reach t1 "
                         "(pass throw=False to get the result code instead)")
    m, result = flag_nonfinite(m, result, throw, "solve_llgs_heun")
    return LLGSSolution(
        ts=jnp.zeros((0,), dtype),
        ms=jnp.zeros((0, 3), dtype),
        t_final=units.time_to_si(tp),
        m_final=m,
        event_happened=jnp.asarray(False),
        result=result,
        num_steps=steps - 1,
        crossing_time=None if crossing is None else units.time_to_si(t_cross),
    )


__all__ = ["CPU_FAST_MATH", "solve_llgs_heun"]
