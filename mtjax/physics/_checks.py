"""Argument validation shared by every mtjax module: one rule for concrete and traced values.

Co-design and Monte Carlo studies build devices and run solvers *inside* `jax.jit`, `jax.vmap`
and `jax.grad`, so a check that only looks at concrete numbers checks nothing where it matters.
Every helper here therefore has two tiers (STYLE.md 15), chosen per call:

- the value is concrete (Python/NumPy numbers, a JAX array outside a trace): the test runs now
  and raises `ValueError` naming the argument and echoing its value;
- the value is traced: the same test is attached to the value with `equinox.error_if`, which
  raises `equinox.EquinoxRuntimeError` naming the argument when the compiled code runs (under
  `vmap` if any member of the batch fails).

Because the traced check rides on the value, **callers must use the returned array** (e.g.
`self.ms = check_positive("ms", ms, "A/m")`); a discarded return value checks nothing under
`jit`. (Likewise a traced check fires only if the checked value reaches the computation's
output: a field that nothing uses is dead code to XLA, and so is its check.) `ensure` is the
general form; `check_positive`, `check_nonnegative`, `check_finite`,
`check_range` and `check_vector3` are the common cases; `fail_if` takes a ready-made predicate.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np


def is_concrete(x) -> bool:
    """True when no leaf of `x` is a JAX tracer (so its numbers can be inspected now)."""
    return not any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(x))


def concrete_eval(x):
    """A context in which JAX operations on `x` run now when `x` is concrete, even inside a
    `jit` trace (where `jnp.asarray(0.0)` would otherwise become a tracer and make a concrete
    check silently traced); a no-op context when `x` is traced."""
    return jax.ensure_compile_time_eval() if is_concrete(x) else contextlib.nullcontext()


def describe(value) -> str:
    """A short text form of a concrete value for error messages."""
    arr = np.asarray(value)
    if arr.ndim == 0:
        if np.issubdtype(arr.dtype, np.floating):
            return repr(float(arr))
        return repr(arr.item())
    return f"{np.array2string(arr, precision=6, threshold=8)} (shape {arr.shape})"


_describe = describe  # older private name, kept for the modules that import it


def as_float(value):
    """A float JAX array (float32/float64 inputs keep their dtype; ints become default float)."""
    arr = jnp.asarray(value)
    if not jnp.issubdtype(arr.dtype, jnp.floating):
        arr = arr.astype(jnp.result_type(float))
    return arr


def fail_if(x, pred, message: str):
    """Return `x`, raising `message` where the boolean `pred` holds anywhere.

    Concrete `pred`: raises `ValueError(message)` now. Traced `pred`: returns `x` wrapped in
    `equinox.error_if`, so the error is raised when the compiled code runs. `x` must be an
    array (or pytree of arrays) that the caller goes on to use.
    """
    if is_concrete(pred):
        if bool(np.any(np.asarray(pred))):
            raise ValueError(message)
        return x
    return eqx.error_if(x, jnp.any(pred), message)


def ensure(
    name: str,
    value,
    ok: Callable,
    requirement: str,
    unit: str = "",
    *,
    to_float: bool = True,
):
    """Check `ok(value)` elementwise (with `jnp` operations) and return the value.

    - `name`: the argument's name, as the user wrote it.
    - `ok`: a function of the array giving True where the value is acceptable.
    - `requirement`: what the value must be, completing "`name` must be ...".
    - `unit`: appended to the echoed value.
    - `to_float`: convert the value with `as_float` first (default).

    Concrete values raise `ValueError("{name} must be {requirement}, got {value} {unit}")`;
    traced values raise `EquinoxRuntimeError("{name} must be {requirement} ...")` at run time.
    """
    u = f" {unit}" if unit else ""
    if is_concrete(value):
        with jax.ensure_compile_time_eval():
            arr = as_float(value) if to_float else jnp.asarray(value)
            good = np.asarray(ok(arr))
        if not bool(np.all(good)):
            raise ValueError(f"{name} must be {requirement}, got {describe(arr)}{u}")
        return arr
    arr = as_float(value) if to_float else jnp.asarray(value)
    return eqx.error_if(arr, ~jnp.all(ok(arr)),
                        f"{name} must be {requirement}{' (' + unit + ')' if unit else ''} "
                        "(a traced value failed the check)")


def check_finite(name: str, value, unit: str = ""):
    """`value` as a float array; raises unless every entry is finite (no NaN or inf)."""
    return ensure(name, value, jnp.isfinite, "finite", unit)


def check_positive(name: str, value, unit: str = ""):
    """`value` as a float array; raises unless every entry is finite and > 0."""
    return ensure(name, value, lambda a: jnp.isfinite(a) & (a > 0), "finite and > 0", unit)


def check_nonnegative(name: str, value, unit: str = ""):
    """`value` as a float array; raises unless every entry is finite and >= 0."""
    return ensure(name, value, lambda a: jnp.isfinite(a) & (a >= 0), "finite and >= 0", unit)


def check_range(name: str, value, lo: float, hi: float, *, closed: bool = True, unit: str = ""):
    """`value` as a float array; raises unless every entry lies in [lo, hi] (or (lo, hi))."""
    if closed:
        def ok(a):
            return jnp.isfinite(a) & (a >= lo) & (a <= hi)
        requirement = f"in [{lo}, {hi}]"
    else:
        def ok(a):
            return jnp.isfinite(a) & (a > lo) & (a < hi)
        requirement = f"in ({lo}, {hi})"
    return ensure(name, value, ok, requirement, unit)


def check_vector3(name: str, value, *, unit: bool = False):
    """Return `value` as a float array of shape (..., 3); with `unit=True` also normalise it.

    Raises for a wrong shape (`ValueError`, always: shapes are static), non-finite entries, or
    (`unit=True`) a zero vector. The normalisation divides by the largest component first, so a
    tiny but non-zero float32 direction (say of length 1e-30) normalises instead of underflowing
    to NaN.
    """
    with concrete_eval(value):
        arr = as_float(value)
        if arr.shape[-1:] != (3,):
            raise ValueError(
                f"{name} must be a 3-vector (shape (..., 3)), got shape {arr.shape}")
        arr = check_finite(name, arr)
        if unit:
            scale = jnp.max(jnp.abs(arr), axis=-1, keepdims=True)
            arr = fail_if(arr, scale == 0, f"{name} must be a non-zero direction"
                          + (f", got {describe(arr)}" if is_concrete(arr) else ""))
            safe = jnp.where(scale > 0, scale, 1.0)
            arr = arr / safe
            arr = arr / jnp.linalg.norm(arr, axis=-1, keepdims=True)
    return arr


def check_shape(name: str, value, shape: tuple[int | None, ...]):
    """Raise `ValueError` unless `value` has `shape` (None matches any size); returns it."""
    arr = jnp.asarray(value)
    ok = arr.ndim == len(shape) and all(
        s is None or s == d for s, d in zip(shape, arr.shape, strict=False))
    if not ok:
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got shape {arr.shape}")
    return arr


__all__ = [
    "is_concrete",
    "concrete_eval",
    "describe",
    "as_float",
    "fail_if",
    "ensure",
    "check_finite",
    "check_positive",
    "check_nonnegative",
    "check_range",
    "check_vector3",
    "check_shape",
]
