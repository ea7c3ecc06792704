r"""A cheap weak-order Brownian path for fixed-step *statistics*.

`ThreePointBrownianPath` returns, for every step, independent increments
$\Delta W \in \{-c, 0, +c\}$ with probabilities $(p, 1-2p, p)$, $p = 171/1024 \approx 1/6$,
$c = \sqrt{\Delta t/(2p)}$: mean 0 and variance exactly $\Delta t$, odd moments 0, fourth moment
$\Delta t^2/(2p) = 2.994\,\Delta t^2$ (Gaussian: $3\,\Delta t^2$). This is the classic bounded
increment of weak second-order schemes (Kloeden & Platen, *Numerical Solution of Stochastic
Differential Equations*, §14.2, doi:10.1007/978-3-662-12616-5). Sample paths are not Brownian
paths: use it only for distributions and expectations (switching probabilities, mean switching
times, equilibrium moments), never for pathwise quantities or gradients through the noise.

Why it is fast: one threefry hash per step gives a fresh key whose 64 bits are the random bits
(10 bits per component), where `diffrax.UnsafeBrownianPath` spends three hashes on key
derivation plus two more and an inverse error function on the Gaussian normals.
"""

from __future__ import annotations

import math

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
from diffrax import BrownianIncrement, SpaceTimeLevyArea
from jaxtyping import PRNGKeyArray

_BITS = 10
_LEVELS = 1 << _BITS
_P_COUNT = 171  # p = 171/1024 = 0.16699 ~ 1/6
_P = _P_COUNT / _LEVELS
_C = 1.0 / math.sqrt(2.0 * _P)  # increments are +-_C sqrt(dt): variance exactly dt
_PER_WORD = 32 // _BITS  # 3 components from each 32-bit word


def _key_words(key) -> jax.Array:
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return jax.random.key_data(key).reshape(-1)
    return key.reshape(-1)


class ThreePointBrownianPath(diffrax.AbstractBrownianPath):
    """Weak three-point increments for fixed-step SDE statistics (see module docstring).

    **Arguments**

    - `shape`: a `jax.ShapeDtypeStruct` (or tuple of ints) of the noise.
    - `key`: a JAX PRNG key.
    - `t_start`, `dt`: the fixed step grid. When given (as `solve_llgs` does), each increment is
      keyed on the step index round((t0 - t_start)/dt), so a step re-evaluated with a slightly
      different t0 (diffrax recomputes steps when differentiating) gets the same increment;
      otherwise it is keyed on the bits of t0.
    """

    shape: jax.ShapeDtypeStruct = eqx.field(static=True)
    key: PRNGKeyArray
    t_start: jax.Array | None
    dt: jax.Array | None

    def __init__(self, shape, key: PRNGKeyArray, *, t_start=None, dt=None):
        if isinstance(shape, tuple):
            shape = jax.ShapeDtypeStruct(shape, jnp.result_type(float))
        if (t_start is None) != (dt is None):
            raise ValueError("give both t_start and dt (step-index keying) or neither")
        self.shape = shape
        self.key = key
        self.t_start = None if t_start is None else jnp.asarray(t_start)
        self.dt = None if dt is None else jnp.asarray(dt)

    @property
    def t0(self):
        return -jnp.inf

    @property
    def t1(self):
        return jnp.inf

    @property
    def levy_area(self):
        return BrownianIncrement

    def evaluate(self, t0, t1=None, left: bool = True, use_levy: bool = False):
        del left
        if t1 is None:
            t1 = t0
            t0 = jnp.zeros_like(t0)
        dtype = self.shape.dtype
        n = math.prod(self.shape.shape)
        t0 = jax.lax.stop_gradient(jnp.asarray(t0))
        t1 = jax.lax.stop_gradient(jnp.asarray(t1))
        if self.dt is not None:
            # Key on the step index: the same increment whenever the same step is evaluated,
            # even if t0 is recomputed with different rounding (diffrax's backward pass does).
            key = jax.random.fold_in(self.key, _step_index(t0, self.t_start, self.dt))
        elif t0.dtype == jnp.float64:  # fold in both halves so nearby times stay distinct
            hi_lo = jax.lax.bitcast_convert_type(t0, jnp.uint32)
            key = jax.random.fold_in(jax.random.fold_in(self.key, hi_lo[0]), hi_lo[1])
        else:
            tag = jax.lax.bitcast_convert_type(t0.astype(jnp.float32), jnp.uint32)
            key = jax.random.fold_in(self.key, tag)
        words = _key_words(key)
        n_words = -(-n // _PER_WORD)
        while words.shape[0] < n_words:  # static; only for noise with more than 6 entries
            key = jax.random.fold_in(key, 1)
            words = jnp.concatenate([words, _key_words(key)])
        words = words[:n_words]
        shifts = jnp.arange(_PER_WORD, dtype=jnp.uint32) * _BITS
        fields = ((words[:, None] >> shifts[None, :]) & (_LEVELS - 1)).reshape(-1)[:n]
        sign = jnp.where(fields < _P_COUNT, -1.0, jnp.where(fields >= _LEVELS - _P_COUNT, 1.0, 0.0))
        dt = (t1 - t0).astype(dtype)
        w = (sign.astype(dtype) * (_C * jnp.sqrt(dt))).reshape(self.shape.shape)
        if use_levy:
            return BrownianIncrement(dt=dt, W=w)
        return w


def _step_index(t0, t_start, dt):
    """The index of the fixed step that starts at `t0` on the grid `t_start + k dt`, as uint32
    (rounded, so an ULP of difference in `t0` between compilations gives the same index)."""
    return jnp.round((t0 - t_start) / dt).astype(jnp.uint32)


class StepBrownianPath(diffrax.AbstractBrownianPath):
    r"""Gaussian Brownian increments for fixed steps, keyed on the integer step index.

    The increment of step $k$ (the step starting at `t_start + k dt`) is
    $\sqrt{\Delta t}\,z$, $z$ = `jax.random.normal(jax.random.fold_in(key, k), shape)`, so one
    key gives one sample path however the program is compiled: eagerly, under `jax.jit`, with
    `CPU_FAST_MATH` (times computed with an ULP of difference give the same step index), and
    when diffrax re-evaluates a step for a backward pass. `diffrax.UnsafeBrownianPath` keys on
    the floating-point bits of the step's times instead, so its path changes with rounding.
    With `levy_area=diffrax.SpaceTimeLevyArea` (SRK solvers) the space-time Lévy area
    $H \sim N(0, \Delta t/12)$ is drawn from a second key of the same step.

    Valid only on the fixed grid it was built for (`solve_llgs` passes the grid of
    `diffrax.ConstantStepSize`): an evaluation between grid points reuses a step's draw.

    **Arguments**: `shape` (a `jax.ShapeDtypeStruct` or tuple), `key`, `t_start`, `dt` (the grid),
    `levy_area` (`diffrax.BrownianIncrement`, default, or `diffrax.SpaceTimeLevyArea`).
    """

    shape: jax.ShapeDtypeStruct = eqx.field(static=True)
    levy_area: type = eqx.field(static=True)
    key: PRNGKeyArray
    t_start: jax.Array
    dt: jax.Array

    def __init__(self, shape, key: PRNGKeyArray, *, t_start, dt,
                 levy_area: type = BrownianIncrement):
        if isinstance(shape, tuple):
            shape = jax.ShapeDtypeStruct(shape, jnp.result_type(float))
        if levy_area not in (BrownianIncrement, SpaceTimeLevyArea):
            raise ValueError(f"levy_area must be BrownianIncrement or SpaceTimeLevyArea, got "
                             f"{levy_area!r}")
        self.shape = shape
        self.levy_area = levy_area
        self.key = key
        self.t_start = jnp.asarray(t_start)
        self.dt = jnp.asarray(dt)

    @property
    def t0(self):
        return -jnp.inf

    @property
    def t1(self):
        return jnp.inf

    def evaluate(self, t0, t1=None, left: bool = True, use_levy: bool = False):
        del left
        if t1 is None:
            t1 = t0
            t0 = jnp.zeros_like(t0)
        dtype = self.shape.dtype
        t0 = jax.lax.stop_gradient(jnp.asarray(t0))
        t1 = jax.lax.stop_gradient(jnp.asarray(t1))
        key = jax.random.fold_in(self.key, _step_index(t0, self.t_start, self.dt))
        dt = (t1 - t0).astype(dtype)
        w = jax.random.normal(key, self.shape.shape, dtype) * jnp.sqrt(dt)
        if not use_levy:
            return w
        if self.levy_area is SpaceTimeLevyArea:
            h_key = jax.random.fold_in(key, 1)
            h = jax.random.normal(h_key, self.shape.shape, dtype) * jnp.sqrt(dt / 12)
            return SpaceTimeLevyArea(dt=dt, W=w, H=h)
        return BrownianIncrement(dt=dt, W=w)
