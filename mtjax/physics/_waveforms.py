"""Drive waveforms: currents and fields as functions of time (SI seconds).

Every waveform is an `equinox.Module` (so its numbers are differentiable pytree leaves) and is
called as `waveform(t)`; amplitudes may be scalars (a current in A) or 3-vectors (a field in A/m).
`breakpoints()` lists the kinks, for adaptive step-size controllers (`diffrax.PIDController`
`jump_ts`); `peak()` bounds the magnitude, so the solvers can bound the fastest precession.

Every number must be finite (and durations non-negative, a pulse width positive): `ValueError`
at construction for concrete values, `equinox.EquinoxRuntimeError` at run time for traced ones.
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike

from ._checks import (
    check_finite,
    check_nonnegative,
    check_positive,
    describe,
    fail_if,
    is_concrete,
)


class AbstractWaveform(eqx.Module):
    """A drive value as a function of time t (s)."""

    @abc.abstractmethod
    def __call__(self, t: ArrayLike) -> Array: ...

    def breakpoints(self) -> Array:
        """Times (s) where the waveform has a kink or jump (may be empty)."""
        return jnp.zeros((0,))

    def peak(self) -> Array | None:
        """An upper bound of $|w(t)|$ over all t (the Euclidean norm for a vector waveform),
        used to bound the fastest precession a drive can cause (`Macrospin.max_rate`); None
        when the waveform cannot say (a user-defined waveform that does not override this)."""
        return None


def _norm(value: Array) -> Array:
    """|value| for a scalar, the Euclidean norm over the last axis for a 3-vector."""
    return jnp.abs(value) if value.ndim == 0 else jnp.sqrt(jnp.sum(value * value, axis=-1))


class Constant(AbstractWaveform):
    """A constant value (DC current in A, or a static field 3-vector in A/m)."""

    value: Array

    def __init__(self, value: ArrayLike):
        self.value = check_finite("value", value)

    def __call__(self, t: ArrayLike) -> Array:
        del t
        return self.value

    def peak(self) -> Array:
        return _norm(self.value)


class Pulse(AbstractWaveform):
    r"""A trapezoidal pulse: `baseline` until `start`, a linear rise over `rise`, a plateau at
    `amplitude` for `width`, a linear fall over `fall`, then `baseline` again.

    **Arguments** (times in s; amplitude/baseline in the unit of the driven quantity)

    - `amplitude`: plateau value (scalar, or a 3-vector for a field pulse).
    - `width`: plateau duration, s (> 0). The full pulse lasts `rise + width + fall`.
    - `start`: time the rise begins, s (default 0).
    - `rise`, `fall`: edge durations, s (>= 0; 0 gives an abrupt edge).
    - `baseline`: value outside the pulse (default 0).
    """

    amplitude: Array
    width: Array
    start: Array
    rise: Array
    fall: Array
    baseline: Array

    def __init__(self, amplitude, width, *, start=0.0, rise=0.0, fall=0.0, baseline=0.0):
        self.amplitude = check_finite("amplitude", amplitude)
        self.width = check_positive("width", width, "s")
        self.start = check_finite("start", start, "s")
        self.rise = check_nonnegative("rise", rise, "s")
        self.fall = check_nonnegative("fall", fall, "s")
        self.baseline = jnp.broadcast_to(check_finite("baseline", baseline),
                                         self.amplitude.shape)

    @property
    def end(self) -> Array:
        """Time the pulse is back at baseline, s."""
        return self.start + self.rise + self.width + self.fall

    def envelope(self, t: ArrayLike) -> Array:
        """The pulse shape in [0, 1] at time t."""
        t = jnp.asarray(t)
        t_rise = t - self.start
        t_fall = self.end - t
        # A zero-length edge is a step; guard the division so gradients stay finite.
        up = jnp.where(self.rise > 0, t_rise / jnp.where(self.rise > 0, self.rise, 1.0),
                       jnp.where(t_rise >= 0, 1.0, 0.0))
        down = jnp.where(self.fall > 0, t_fall / jnp.where(self.fall > 0, self.fall, 1.0),
                         jnp.where(t_fall > 0, 1.0, 0.0))
        return jnp.clip(jnp.minimum(up, down), 0.0, 1.0)

    def __call__(self, t: ArrayLike) -> Array:
        return self.baseline + (self.amplitude - self.baseline) * self.envelope(t)

    def breakpoints(self) -> Array:
        t1 = self.start + self.rise
        t2 = t1 + self.width
        return jnp.stack([self.start, t1, t2, t2 + self.fall])

    def peak(self) -> Array:
        return jnp.maximum(_norm(self.amplitude), _norm(self.baseline))


class PiecewiseLinear(AbstractWaveform):
    """Linear interpolation through `(times[i], values[i])`, held constant outside.

    **Arguments**

    - `times`: strictly increasing times, s, shape (n,), n >= 2.
    - `values`: shape (n,) for a scalar drive or (n, 3) for a field.
    """

    times: Array
    values: Array

    def __init__(self, times: ArrayLike, values: ArrayLike):
        times = check_finite("times", times, "s")
        values = check_finite("values", values)
        if times.ndim != 1 or times.shape[0] < 2:
            raise ValueError(f"times must have shape (n,) with n >= 2, got {times.shape}")
        if values.shape[:1] != times.shape:
            raise ValueError(
                f"values must have shape (n,) or (n, 3) matching times (n = {times.shape[0]}), "
                f"got {values.shape}"
            )
        self.times = fail_if(
            times, ~(jnp.diff(times) > 0),
            "times must be strictly increasing"
            + (f", got {describe(times)}" if is_concrete(times) else ""))
        self.values = values

    def __call__(self, t: ArrayLike) -> Array:
        if self.values.ndim == 1:
            return jnp.interp(t, self.times, self.values)
        return jax.vmap(lambda v: jnp.interp(t, self.times, v), in_axes=1)(self.values)

    def breakpoints(self) -> Array:
        return self.times

    def peak(self) -> Array:
        return jnp.max(_norm(self.values))


class Sum(AbstractWaveform):
    """The sum of several waveforms (e.g. a DC bias plus a pulse)."""

    parts: tuple[AbstractWaveform, ...]

    def __init__(self, *parts: AbstractWaveform):
        if not parts or not all(isinstance(p, AbstractWaveform) for p in parts):
            raise TypeError(f"Sum takes one or more waveforms, got {parts!r}")
        self.parts = tuple(parts)

    def __call__(self, t: ArrayLike) -> Array:
        out = self.parts[0](t)
        for p in self.parts[1:]:
            out = out + p(t)
        return out

    def breakpoints(self) -> Array:
        return jnp.concatenate([p.breakpoints() for p in self.parts])

    def peak(self) -> Array | None:
        peaks = [p.peak() for p in self.parts]
        return None if any(q is None for q in peaks) else sum(peaks[1:], peaks[0])


def as_waveform(x) -> AbstractWaveform:
    """Wrap a number/array as a `Constant`; pass waveforms through."""
    return x if isinstance(x, AbstractWaveform) else Constant(x)
