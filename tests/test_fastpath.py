"""The experimental batched Heun integrator (`mtjax.physics._fastpath.solve_llgs_heun`) against
`solve_llgs`: the same random increments, hence the same trajectories to rounding error.

The reference is diffrax's own path objects (`UnsafeBrownianPath`, `ThreePointBrownianPath`)
and `jax.random`, which the fast path re-implements (unrolled Threefry) for speed.
"""

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _presets_for_tests import pmtj_a

import mtjax
import mtjax.physics as ph
from mtjax.physics._fastpath import _fold_in, _Gaussian, _ThreePoint, solve_llgs_heun


def _rich_model(dtype):
    """pMTJ-A with every term of the drift switched on: angle-dependent STT with a field-like
    part, SOT, bias field, applied field."""
    layer = pmtj_a(dtype=dtype)
    layer = ph.FreeLayer(
        ms=layer.ms, thickness=layer.thickness, length=layer.length, width=layer.width,
        alpha=layer.alpha, demag=layer.demag, k_u=layer.k_u, temperature=layer.temperature,
        h_bias=jnp.asarray([300.0, 0.0, -800.0], dtype),
    )
    stt = ph.SpinTransferTorque((0.0, 0.0, 1.0), 0.3, 0.6, field_like_ratio=0.1)
    sot = ph.SpinOrbitTorque(0.11, channel_width=1e-6, channel_thickness=5e-9,
                             field_like_ratio=0.2)
    return ph.Macrospin(layer, stt=stt, sot=sot)


def _drive(current):
    return ph.Drive(
        current=ph.Pulse(current, width=60e-12, start=30e-12, rise=10e-12, fall=10e-12),
        channel_current=2e-3,
        field=(1.0e3, -2.0e3, 3.0e3),
    )


def test_threefry_reproduces_jax_random():
    keys = jax.random.split(jax.random.key(3), 257)
    data = jnp.arange(257, dtype=jnp.uint32) * jnp.uint32(2654435761)
    ref = jax.random.key_data(jax.vmap(jax.random.fold_in)(keys, data))
    kd = jax.random.key_data(keys)
    got = _fold_in((kd[:, 0], kd[:, 1]), data)
    np.testing.assert_array_equal(np.asarray(got[0]), np.asarray(ref[:, 0]))
    np.testing.assert_array_equal(np.asarray(got[1]), np.asarray(ref[:, 1]))


@pytest.mark.parametrize("x64", [False, True])
def test_increments_equal_diffrax_paths(x64):
    with mtjax.x64(x64):
        dtype = jnp.float64 if x64 else jnp.float32
        shape = jax.ShapeDtypeStruct((3,), dtype)
        key = jax.random.key(11)

        @jax.jit
        def both(t0, t1):
            start, step = jnp.asarray(0.0, dtype), jnp.asarray(0.25, dtype)
            tp, g = _ThreePoint(key), _Gaussian(key, dtype)
            index = jnp.round((t0 - start) / step).astype(jnp.int32)
            return (
                jnp.stack(tp.increments(tp.draw(index), t0, t1, dtype)),
                ph.ThreePointBrownianPath(shape, key, t_start=start, dt=step).evaluate(t0, t1),
                jnp.stack(g.increments(g.draw(index), t0, t1, dtype)),
                ph.StepBrownianPath(shape, key, t_start=start, dt=step).evaluate(t0, t1),
            )

        for t0, t1 in [(0.0, 0.25), (17.25, 17.5), (1234.5, 1234.75)]:
            tp, tp_ref, g, g_ref = both(jnp.asarray(t0, dtype), jnp.asarray(t1, dtype))
            np.testing.assert_array_equal(np.asarray(tp), np.asarray(tp_ref))
            # erf^-1 may be fused differently (FMA contraction): equal to a few ULP
            np.testing.assert_allclose(np.asarray(g), np.asarray(g_ref), rtol=1e-6 if x64 else 1e-5,
                                       atol=0)


@pytest.mark.parametrize(
    "x64, noise",
    [(False, "three-point"), pytest.param(True, "gaussian", marks=pytest.mark.slow)],
)
def test_same_trajectories_as_solve_llgs(x64, noise):
    """vmap over keys and per-junction currents; 120.5 steps so that the last one is short."""
    with mtjax.x64(x64):
        dtype = jnp.float64 if x64 else jnp.float32
        model = _rich_model(dtype)
        m0 = jnp.asarray([0.1, 0.2, 0.97], dtype)
        keys = jax.random.split(jax.random.key(5), 6)
        currents = jnp.linspace(-150e-6, 150e-6, 6, dtype=dtype)
        t1, dt = 120.5e-12, 1e-12

        def fast(k, i):
            return solve_llgs_heun(model, _drive(i), m0, t1, dt=dt, key=k, noise=noise)

        def ref(k, i):
            return ph.solve_llgs(model, _drive(i), m0, t1, dt=dt, key=k, noise=noise)

        a = jax.jit(jax.vmap(fast))(keys, currents)
        b = jax.jit(jax.vmap(ref))(keys, currents)
        np.testing.assert_array_equal(np.asarray(a.num_steps), np.asarray(b.num_steps))
        assert int(a.num_steps[0]) == 121
        np.testing.assert_array_equal(np.asarray(a.t_final), np.asarray(b.t_final))
        assert bool(jnp.all(a.result == diffrax.RESULTS.successful))
        # float64: rounding only; float32: the rounding of 121 steps (|dm| ~ 1e-2 per step)
        tol = 1e-12 if x64 else 2e-5
        np.testing.assert_allclose(np.asarray(a.m_final), np.asarray(b.m_final), rtol=0, atol=tol)
        # and the thermal noise did something: the junctions are not all alike
        assert float(jnp.std(a.m_final[:, 0])) > 1e-3


def test_deterministic_and_bad_input():
    with mtjax.x64():
        model = _rich_model(jnp.float64)
        m0 = jnp.asarray([0.3, 0.0, 0.95])
        a = jax.jit(lambda: solve_llgs_heun(model, _drive(-200e-6), m0, 80e-12, dt=1e-12))()
        b = jax.jit(lambda: ph.solve_llgs(model, _drive(-200e-6), m0, 80e-12, dt=1e-12))()
        np.testing.assert_allclose(np.asarray(a.m_final), np.asarray(b.m_final), atol=1e-13)
        short = jax.jit(
            lambda: solve_llgs_heun(model, _drive(0.0), m0, 80e-12, dt=1e-12, max_steps=10,
                                    throw=False)
        )()
        assert bool(short.result != diffrax.RESULTS.successful)
        assert int(short.num_steps) == 10
        with pytest.raises(ValueError, match="noise"):
            solve_llgs_heun(model, _drive(0.0), m0, 1e-11, dt=1e-12, noise="uniform")
        with pytest.raises(ValueError, match="dt"):
            solve_llgs_heun(model, _drive(0.0), m0, 1e-11, dt=0.0)
        with pytest.raises(ValueError, match="concrete"):
            jax.jit(lambda t: solve_llgs_heun(model, _drive(0.0), m0, t, dt=1e-12))(1e-11)


def test_gradient_matches_finite_differences():
    """Reverse mode through the scan, with thermal noise: d m_x(t1) / d I against a central
    difference (float64; the step is far above the rounding level of m_x)."""
    with mtjax.x64():
        model = ph.Macrospin(pmtj_a(), stt=ph.SpinTransferTorque((0.0, 0.0, 1.0), 0.6))
        m0 = jnp.asarray([0.1, 0.0, 0.99])
        key = jax.random.key(0)

        def f(current):
            sol = solve_llgs_heun(model, ph.Drive(current=current), m0, 50e-12, dt=1e-12,
                                  key=key, noise="three-point")
            return sol.m_final[0]

        g = float(jax.jit(jax.grad(f))(-1e-4))
        h = 1e-9
        fd = float((jax.jit(f)(-1e-4 + h) - jax.jit(f)(-1e-4 - h)) / (2 * h))
        assert g == pytest.approx(fd, rel=1e-6)


def test_crossing_time_matches_exact_switching_time():
    """PHYSICS.md §2.3: T = 0 collinear-STT reversal of pMTJ-A from theta0 = 0.05 at i = 1.5;
    the in-loop first crossing of m_z = 0 (linear interpolation inside a 0.25 ps step) against
    the exact expression (tolerance 0.5 %, as for the diffrax Event) and against the Event of
    `solve_llgs` on the same grid (within a step)."""
    from mtjax.constants import GAMMA_E, MU0, TWO_E_OVER_HBAR

    with mtjax.x64():
        layer = pmtj_a()
        eta, i = 0.6, 1.5
        ic0 = TWO_E_OVER_HBAR * 0.01 / eta * MU0 * 1.1e6 * layer.volume * (0.2 / MU0)
        model = ph.Macrospin(layer, stt=ph.SpinTransferTorque((0.0, 0.0, -1.0), eta))
        a = 0.01 * GAMMA_E / (1 + 0.01**2) * 0.2
        u0 = np.cos(0.05)
        exact = (1 / a) * (-np.log(1 - u0) / (2 * (i - 1)) + np.log(1 + u0) / (2 * (i + 1))
                           - np.log(1 - u0 / i) / (1 - i * i))
        m0 = jnp.asarray([np.sin(0.05), 0.0, np.cos(0.05)])
        drive = ph.Drive(current=i * ic0)
        fast = jax.jit(lambda: solve_llgs_heun(model, drive, m0, 40e-9, dt=2.5e-13,
                                               crossing=((0.0, 0.0, 1.0), 0.0)))()
        event = jax.jit(lambda: ph.solve_llgs(
            model, drive, m0, 40e-9, dt=2.5e-13,
            switching=ph.SwitchingCriterion((0.0, 0.0, 1.0), 0.0)))()
        t_fast = float(fast.crossing_time)
        assert t_fast == pytest.approx(exact, rel=5e-3)
        assert abs(t_fast - float(event.switching_time)) < 2.5e-13
        assert float(fast.m_final[2]) < -0.99  # integrated on to t1, reversed
        # no crossing: inf; starting below the level: t0
        stay = jax.jit(lambda: solve_llgs_heun(model, ph.Drive(current=0.5 * ic0), m0, 2e-9,
                                               dt=1e-12, crossing=((0.0, 0.0, 1.0), 0.0)))()
        assert np.isinf(float(stay.crossing_time))
        below = jax.jit(lambda: solve_llgs_heun(model, drive, m0, 1e-11, dt=1e-12, t0=1e-12,
                                                crossing=((0.0, 0.0, 1.0), 0.999)))()
        assert float(below.crossing_time) == 1e-12
        assert ph.solve_llgs_heun(model, drive, m0, 1e-11, dt=1e-12).crossing_time is None


def test_cpu_fast_math_changes_only_rounding():
    """`CPU_FAST_MATH` (FMA contraction, reassociation) against the IEEE compile of the same
    batched run: the same grid and steps, final states equal to float32 rounding."""
    model = _rich_model(jnp.float32)
    m0 = jnp.asarray([0.1, 0.2, 0.97], jnp.float32)
    keys = jax.random.split(jax.random.key(7), 64)
    currents = jnp.linspace(-150e-6, 150e-6, 64, dtype=jnp.float32)

    def fast(k, i):
        sol = solve_llgs_heun(model, _drive(i), m0, 120.5e-12, dt=1e-12, key=k,
                              noise="three-point", crossing=((0.0, 0.0, 1.0), 0.96))
        return sol.m_final, sol.t_final, sol.num_steps, sol.crossing_time

    a = jax.jit(jax.vmap(fast), compiler_options=ph.CPU_FAST_MATH)(keys, currents)
    b = jax.jit(jax.vmap(fast))(keys, currents)
    np.testing.assert_array_equal(np.asarray(a[2]), np.asarray(b[2]))
    np.testing.assert_array_equal(np.asarray(a[1]), np.asarray(b[1]))
    np.testing.assert_allclose(np.asarray(a[0]), np.asarray(b[0]), rtol=0, atol=2e-5)
    crossed = np.isfinite(np.asarray(b[3]))
    assert 10 < crossed.sum() < 54  # some junctions dip below m_z = 0.96, some do not
    # (a path grazing the level could flip with rounding: allow one)
    assert np.sum(crossed != np.isfinite(np.asarray(a[3]))) <= 1
    crossed &= np.isfinite(np.asarray(a[3]))
    np.testing.assert_allclose(np.asarray(a[3])[crossed], np.asarray(b[3])[crossed],
                               rtol=0, atol=1e-13)  # 0.1 % of a step
