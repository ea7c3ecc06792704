"""Shared assertion for the reliability tests: a bad value is refused eagerly, under `jax.jit`
and under `jax.vmap`, with a message naming the parameter."""

from __future__ import annotations

import re

import equinox as eqx
import jax
import jax.numpy as jnp
import pytest


def assert_rejected(fn, bad, match: str, *, good=None, modes=("eager", "jit", "vmap")):
    """`fn(value)` must raise for `bad` in every mode of `modes`, with `match` in the message.

    - eager: `ValueError` (concrete value).
    - jit: `fn` jitted on the value (so the value is traced); equinox's run-time error, which
      surfaces as `EquinoxRuntimeError` / `XlaRuntimeError` carrying the message.
    - vmap: `fn` vmapped over a batch `[good, bad]` (so only one member fails); needs `good`.

    When `good` is given, `fn(good)` must succeed in every mode (so the test cannot pass by a
    function that always raises).
    """
    pattern = re.escape(match) if not match.startswith("re:") else match[3:]
    for mode in modes:
        if mode == "eager":
            with pytest.raises(ValueError, match=pattern):
                jax.block_until_ready(fn(bad))
            if good is not None:
                jax.block_until_ready(fn(good))
        elif mode == "jit":
            f = eqx.filter_jit(fn)
            with pytest.raises(Exception, match=pattern):
                jax.block_until_ready(f(jnp.asarray(bad)))
            if good is not None:
                jax.block_until_ready(f(jnp.asarray(good)))
        elif mode == "vmap":
            assert good is not None, "vmap mode needs a good value"
            batch = jnp.stack([jnp.asarray(good), jnp.asarray(bad)])
            f = eqx.filter_jit(eqx.filter_vmap(fn))
            with pytest.raises(Exception, match=pattern):
                jax.block_until_ready(f(batch))
            jax.block_until_ready(f(jnp.stack([jnp.asarray(good)] * 2)))
        else:
            raise ValueError(f"unknown mode {mode!r}")
