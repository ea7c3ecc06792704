"""Reliability of the macrospin core (issue 12): unphysical and non-finite values are refused
eagerly *and* traced (jit, vmap), the integrators flag non-finite states and steps that are too
long, and one PRNG key gives one sample path however the call is compiled.

Each test exercises one class of failure found at d3e038c; the good value of every case must
pass, so none of them can pass by refusing everything."""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _presets_for_tests import PMTJ_DEMAG, ip_stt, pmtj_a
from _rejects import assert_rejected

import mtjax
import mtjax.physics as ph

STT = ph.SpinTransferTorque((0.0, 0.0, -1.0), 0.6)
UP = jnp.array([0.0, 0.0, 1.0])


def _layer(**kw):
    args = dict(diameter=100e-9, thickness=1.5e-9, ms=1.1e6, alpha=0.01, k_u=8.7e5,
                temperature=300.0)
    args.update(kw)
    return ph.FreeLayer.disk(**args)


# -- class 1: every constructor checks its values, concrete or traced ----------------------------


@pytest.mark.parametrize(
    "field, bad, good, match",
    [
        ("alpha", -0.01, 0.01, "alpha must be finite and > 0"),
        ("thickness", -1.5e-9, 1.5e-9, "thickness must be finite and > 0"),
        ("temperature", -300.0, 300.0, "temperature must be finite and >= 0"),
        ("temperature", float("nan"), 300.0, "temperature must be finite and >= 0"),
        ("ms", float("inf"), 1.1e6, "ms must be finite and > 0"),
        ("k_u", float("nan"), 8.7e5, "k_u must be finite"),
    ],
)
def test_free_layer_refuses_unphysical_values_traced_too(field, bad, good, match):
    assert_rejected(lambda v: _layer(**{field: v}), bad, match, good=good)


def test_traced_negative_thickness_no_longer_integrates_to_nan():
    """At d3e038c `jit` of this solve returned m_final = [nan, nan, nan], result 'successful'."""

    @jax.jit
    def final(thickness):
        layer = eqx.tree_at(lambda x: x.thickness, pmtj_a(), thickness)  # bypasses __init__
        model = ph.Macrospin(ph.FreeLayer(
            ms=layer.ms, thickness=thickness, length=layer.length, width=layer.width,
            alpha=layer.alpha, demag=layer.demag, k_u=layer.k_u), stt=STT)
        return ph.solve_llgs(model, ph.Drive(), UP, 50e-12, dt=1e-12).m_final

    assert np.all(np.isfinite(np.asarray(final(1.5e-9))))
    with pytest.raises(Exception, match="thickness must be finite and > 0"):
        final(-1.5e-9)


def test_unphysical_state_slipped_past_the_constructor_is_flagged_not_zeroed():
    """`eqx.tree_at` bypasses the constructor: a negative temperature must give NaN noise
    (`thermal_sigma`), which the integrators flag, never a silent T = 0 run."""
    layer = eqx.tree_at(lambda x: x.temperature, pmtj_a(), jnp.asarray(-300.0))
    assert np.isnan(float(layer.thermal_sigma))
    assert float(pmtj_a(temperature=0.0).thermal_sigma) == 0.0  # the exact zero stays 0
    g = jax.grad(lambda t: eqx.tree_at(lambda x: x.temperature, pmtj_a(), t).thermal_sigma)(0.0)
    assert np.isfinite(float(g))
    model = ph.Macrospin(layer, stt=STT)
    key = jax.random.key(0)
    for solve in (ph.solve_llgs, ph.solve_llgs_heun):
        with pytest.raises(Exception, match="non-finite"):
            jax.block_until_ready(solve(model, ph.Drive(), UP, 20e-12, dt=1e-12, key=key))
        sol = solve(model, ph.Drive(), UP, 20e-12, dt=1e-12, key=key, throw=False)
        assert bool(sol.result == diffrax.RESULTS.nonfinite)


def test_demag_trace_is_checked_per_layer_and_tiny_axes_normalise():
    batch = jnp.stack([jnp.asarray(PMTJ_DEMAG), jnp.asarray([0.3, 0.3, 0.4])])
    layer = ph.FreeLayer(ms=1.1e6, thickness=1.5e-9, length=1e-7, width=1e-7, alpha=0.01,
                         demag=batch)  # a valid (2, 3) batch: each row has trace 1
    assert layer.demag.shape == (2, 3)
    with pytest.raises(ValueError, match="demag must be a 3-vector"):
        ph.FreeLayer(ms=1.1e6, thickness=1.5e-9, length=1e-7, width=1e-7, alpha=0.01,
                     demag=jnp.ones((3, 2)) / 2)
    with pytest.raises(ValueError, match="trace 1"):  # rows of eye(3)/3 have trace 1/3
        ph.FreeLayer(ms=1.1e6, thickness=1.5e-9, length=1e-7, width=1e-7, alpha=0.01,
                     demag=jnp.eye(3) / 3)
    assert_rejected(
        lambda n: ph.FreeLayer(ms=1.1e6, thickness=1.5e-9, length=1e-7, width=1e-7,
                               alpha=0.01, demag=n).demag,
        jnp.asarray([0.5, 0.5, 0.5]), "demag must be non-negative with trace 1",
        good=jnp.asarray(PMTJ_DEMAG))
    tiny = _layer(easy_axis=jnp.asarray([0.0, 0.0, 1e-30], jnp.float32)).easy_axis
    np.testing.assert_array_equal(np.asarray(tiny), [0.0, 0.0, 1.0])
    assert_rejected(lambda u: _layer(easy_axis=u).easy_axis, jnp.zeros(3),
                    "easy_axis must be a non-zero direction", good=jnp.asarray([0.0, 0.0, 2.0]))


@pytest.mark.parametrize(
    "build, bad, good, match",
    [
        (lambda v: ph.Constant(v).value, float("nan"), 1e-4, "value must be finite"),
        (lambda v: ph.Pulse(v, 1e-9).amplitude, float("inf"), 1e-4, "amplitude must be finite"),
        (lambda v: ph.Pulse(1e-4, v).width, -1e-9, 1e-9, "width must be finite and > 0"),
        (lambda v: ph.Pulse(1e-4, 1e-9, start=v).start, float("nan"), 0.0,
         "start must be finite"),
        (lambda v: ph.PiecewiseLinear(jnp.stack([0.0, v, 2e-9]), [0.0, 1.0, 0.0]).times,
         3e-9, 1e-9, "times must be strictly increasing"),
        (lambda v: ph.PiecewiseLinear([0.0, 1e-9], jnp.stack([0.0, v])).values,
         float("nan"), 1.0, "values must be finite"),
        (lambda v: ph.SpinTransferTorque((0, 0, 1.0), v).efficiency_p, -0.5, 0.5,
         "efficiency_p must be finite and > 0"),
        (lambda v: ph.SpinOrbitTorque(0.1, v, 5e-9).channel_width, 0.0, 1e-7,
         "channel_width must be finite and > 0"),
        (lambda v: ph.SpinOrbitTorque(0.1, 1e-7, 5e-9, current_fraction=v).current_fraction,
         1.5, 0.5, "current_fraction must be in [0.0, 1.0]"),
    ],
)
def test_waveforms_and_torques_refuse_non_finite_values_traced_too(build, bad, good, match):
    assert_rejected(build, bad, match, good=good)


# -- class 2: NaN never becomes a physical-looking result ---------------------------------------


def test_switching_statistics_raises_on_a_nan_trial_instead_of_counting_it_unswitched():
    model = ph.Macrospin(pmtj_a(), stt=STT)
    drive = ph.Drive(current=ph.Pulse(400e-6, 2e-9))
    nan_drive = eqx.tree_at(lambda d: d.current.amplitude, drive, jnp.asarray(jnp.nan))
    kw = dict(key=jax.random.key(0), n_trials=4, dt=1e-12)
    ph.switching_statistics(model, drive, UP, 3e-9, **kw)
    for integrator in ("fast", "diffrax"):
        with pytest.raises(Exception, match="non-finite"):
            jax.block_until_ready(ph.switching_statistics(model, nan_drive, UP, 3e-9,
                                                          integrator=integrator, **kw))
    for level in (1.0, -1.5, float("nan")):
        with pytest.raises(ValueError, match="level must be in"):
            ph.switching_statistics(model, drive, UP, 3e-9, level=level, **kw)


def test_sample_thermal_state_refuses_a_direction_that_is_not_a_minimum():
    key = jax.random.key(1)
    perpendicular, in_plane = pmtj_a(), ip_stt()
    m = ph.sample_thermal_state(perpendicular, -UP, key=key)
    assert float(m[2]) < -0.9
    with pytest.raises(ValueError, match="direction must be along the layer's easy axis"):
        ph.sample_thermal_state(in_plane, UP, key=key)  # z is the hard axis of an in-plane layer
    # a field against the direction larger than the anisotropy field: not a minimum any more
    h_k = float(perpendicular.hk_eff)
    assert_rejected(lambda h: ph.sample_thermal_state(perpendicular, UP, key=key,
                                                      h_along_axis=h),
                    -2 * h_k, "direction is not an energy minimum", good=0.5 * h_k)


# -- class 3: the time grid --------------------------------------------------------------------


@pytest.mark.parametrize("dt", [float("inf"), 1e-6, 0.0, -1e-12, float("nan")])
def test_dt_must_be_finite_positive_and_no_longer_than_the_span(dt):
    """At d3e038c `dt = inf` or a step longer than the run did one step and reported success
    (`mtjax simulate --dt 1e-6`: P = 0 where the default gives ~0.8)."""
    model = ph.Macrospin(pmtj_a(), stt=STT)
    drive = ph.Drive(current=ph.Pulse(400e-6, 2e-9))
    match = "dt must be finite, > 0 and no longer than the span"
    with pytest.raises(ValueError, match=match):
        ph.solve_llgs(model, drive, UP, 3e-9, dt=dt)
    with pytest.raises(ValueError, match=match):
        ph.solve_llgs_heun(model, drive, UP, 3e-9, dt=dt)
    with pytest.raises(ValueError, match=match):
        ph.switching_statistics(model, drive, UP, 3e-9, dt=dt, key=jax.random.key(0),
                                n_trials=2)


def test_traced_dt_and_a_step_too_long_for_the_junction_are_refused():
    model = ph.Macrospin(pmtj_a(), stt=STT)
    drive = ph.Drive(current=ph.Pulse(400e-6, 2e-9))
    assert_rejected(lambda dt: ph.solve_llgs(model, drive, UP, 3e-9, dt=dt,
                                             max_steps=4000).m_final,
                    1e-6, "dt must be finite, > 0 and no longer than the span", good=1e-12,
                    modes=("jit",))
    # 1 A through a 100 nm junction: omega_max * dt ~ 50 at dt = 1 ps
    huge = ph.Drive(current=1.0)
    with pytest.raises(ValueError, match=r"dt is too long .* omega_max\*dt = [0-9.]+"):
        ph.solve_llgs_heun(model, huge, UP, 1e-9, dt=1e-12)
    ph.solve_llgs_heun(model, huge, UP, 1e-12, dt=1e-14)  # fine with a short enough step
    # a traced junction (co-design, Monte Carlo) is checked when the compiled code runs
    assert_rejected(lambda i: ph.solve_llgs_heun(model, ph.Drive(current=i), UP, 1e-10,
                                                 dt=1e-12).m_final,
                    1.0, "dt is too long for this junction", good=400e-6, modes=("jit", "vmap"))
    # the step limit follows the stiffness too: a 1000x stiffer in-plane layer
    stiff = ph.Macrospin(eqx.tree_at(lambda x: x.k_s, ip_stt(), ip_stt().k_s * 1000), stt=STT)
    with pytest.raises(ValueError, match="dt is too long"):
        ph.solve_llgs(stiff, ph.Drive(), jnp.array([1.0, 0, 0]), 1e-10, dt=1e-12)
    with pytest.raises(ValueError, match="int32"):
        ph.solve_llgs_heun(model, drive, UP, 3e-9, dt=1e-20)


# -- class 4: one key, one sample path -----------------------------------------------------------


def test_one_key_gives_one_sample_path_however_it_is_compiled():
    """At d3e038c `switching_statistics(key=key(0))` gave P = 0.875 called directly and 0.8125
    jitted: the increments were keyed on the float bits of each step's times."""
    model = ph.Macrospin(pmtj_a(), stt=STT)
    drive = ph.Drive(current=ph.Pulse(650e-6, 3e-9))

    def stats(noise):
        return ph.switching_statistics(model, drive, UP, 4e-9, key=jax.random.key(0),
                                       n_trials=16, dt=2e-12, noise=noise)

    for noise in ("gaussian", "three-point"):
        eager = stats(noise)
        jitted = jax.jit(lambda n=noise: stats(n))()
        fast = jax.jit(lambda n=noise: stats(n)).lower().compile(ph.CPU_FAST_MATH)()
        for other in (jitted, fast):
            np.testing.assert_array_equal(np.asarray(eager.switched), np.asarray(other.switched))
            np.testing.assert_allclose(np.asarray(eager.switching_times),
                                       np.asarray(other.switching_times), rtol=1e-3)
        assert 0.0 < float(eager.probability) < 1.0  # a marginal drive: the test can fail

    # solve_llgs: the same path eagerly and jitted, and the same as the fast path
    sol = ph.solve_llgs(model, drive, UP, 1e-9, dt=2e-12, key=jax.random.key(3))
    sol_jit = jax.jit(lambda: ph.solve_llgs(model, drive, UP, 1e-9, dt=2e-12,
                                            key=jax.random.key(3)))()
    heun = ph.solve_llgs_heun(model, drive, UP, 1e-9, dt=2e-12, key=jax.random.key(3))
    np.testing.assert_allclose(np.asarray(sol.m_final), np.asarray(sol_jit.m_final), atol=2e-5)
    np.testing.assert_allclose(np.asarray(sol.m_final), np.asarray(heun.m_final), atol=2e-5)
    # and a different key gives a different path
    other = ph.solve_llgs(model, drive, UP, 1e-9, dt=2e-12, key=jax.random.key(4))
    assert float(jnp.max(jnp.abs(other.m_final - sol.m_final))) > 1e-3


def test_step_keyed_gaussian_path_has_unit_variance_and_reverse_mode_works():
    """`StepBrownianPath`: independent N(0, dt) increments (chi-square of the sample variance
    at p = 1e-3), and a pathwise gradient through a thermal solve in reverse mode (which the
    diffrax unsafe path could not give): equal to forward mode in float32 and to central
    differences with the same key in float64."""
    path = ph.StepBrownianPath((3,), jax.random.key(7), t_start=0.0, dt=0.5)
    t0 = jnp.arange(4000) * 0.5
    w = jax.vmap(lambda t: path.evaluate(t, t + 0.5))(t0).reshape(-1)
    n = w.size
    from scipy import stats

    chi2 = float(jnp.sum(w * w) / 0.5)
    assert stats.chi2.ppf(1e-3, n) < chi2 < stats.chi2.ppf(1 - 1e-3, n)
    assert abs(float(jnp.mean(w))) < 4 * np.sqrt(0.5 / n)

    def mz(i, adjoint=None):
        # built here, so that the layer and m0 follow the precision in force (x64 below)
        model = ph.Macrospin(pmtj_a(), stt=STT)
        sol = ph.solve_llgs(model, ph.Drive(current=i), jnp.array([0.0, 0.0, 1.0]), 2e-10,
                            dt=2e-12, key=jax.random.key(0), adjoint=adjoint)
        return sol.m_final[2]

    i0 = 300e-6
    # float32: the checkpointed reverse pass regenerates every step's increment; forward mode
    # carries the tangent along the forward pass and regenerates nothing, so a backward pass
    # that drew different increments would show here (they agree to ~1e-6)
    g = jax.grad(mz)(i0)
    _, g_fwd = jax.jvp(lambda i: mz(i, diffrax.ForwardMode()), (i0,), (1.0,))
    np.testing.assert_allclose(float(g), float(g_fwd), rtol=1e-4)
    # central differences with the same key (common random numbers) in float64: in float32
    # a step of h = 1e-6 A moves m_z = 0.9998 by ~2e-7, about 3 ULP, and the difference came
    # out as 2 ULP (fd = -0.0596 against -0.1018 from both grad and jvp). Float64 agrees to
    # 3e-8; rtol 1e-3 would catch the 1 % error of a replay with different increments
    # (9739d92: 1.7728 vs 1.7575).
    with mtjax.x64():
        g64 = jax.grad(mz)(i0)
        h = 1e-6
        fd = (mz(i0 + h) - mz(i0 - h)) / (2 * h)
    assert g64.dtype == jnp.float64
    np.testing.assert_allclose(float(g64), float(fd), rtol=1e-3)
