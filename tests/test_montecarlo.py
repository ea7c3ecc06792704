"""Monte Carlo switching statistics, the differentiable soft estimator and the simulated
critical current, against closed forms (PHYSICS.md §2.3, §5 C)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _presets_for_tests import pmtj_a
from scipy.optimize import brentq

import mtjax
import mtjax.physics as ph


@pytest.fixture(autouse=True)
def _x64():
    with mtjax.x64():
        yield


STT = ph.SpinTransferTorque((0.0, 0.0, -1.0), 0.6)


def _ic0(layer):
    return ph.critical_current_perpendicular_stt(layer.ms, layer.volume, layer.alpha, 0.6,
                                                 layer.hk_eff)


def test_soft_probability_gradients_match_finite_differences():
    """Pathwise gradients with common random numbers (fixed key), rel 1e-3 (§5 C)."""
    base = pmtj_a(temperature=300.0)
    ic0 = float(_ic0(base))

    @jax.jit
    def p(i, thickness, diameter):
        lay = eqx.tree_at(lambda x: (x.thickness, x.length, x.width), base,
                          (thickness, diameter, diameter))
        drive = ph.Drive(current=ph.Pulse(i * ic0, 6e-9))
        return ph.soft_switching_probability(ph.Macrospin(lay, stt=STT), drive,
                                             jnp.array([0.0, 0.0, 1.0]), 8e-9,
                                             key=jax.random.key(0), n_trials=8, dt=2e-12)

    x = (2.6, 1.5e-9, 100e-9)
    g = jax.jit(jax.grad(p, argnums=(0, 1, 2)))(*x)
    assert 0.0 < float(p(*x)) < 1.0
    for k, h in enumerate((1e-4, 1e-14, 1e-12)):
        xp, xm = list(x), list(x)
        xp[k] += h
        xm[k] -= h
        fd = (p(*xp) - p(*xm)) / (2 * h)
        assert float(g[k]) == pytest.approx(float(fd), rel=1e-3), k
    # far below and far above threshold
    assert float(p(0.5, 1.5e-9, 100e-9)) < 1e-6
    assert float(p(6.0, 1.5e-9, 100e-9)) > 1 - 1e-6


def _zero_temperature_ic(thickness):
    layer = eqx.tree_at(lambda x: (x.thickness, x.temperature), pmtj_a(),
                        (thickness, jnp.asarray(0.0)))
    theta0 = 0.05
    m0 = jnp.array([np.sin(theta0), 0.0, np.cos(theta0)])
    ic0 = _ic0(layer)
    base = 131.3e-6  # the bracket must be concrete: Ic0 of pMTJ-A at 1.5 nm
    return ph.simulated_critical_current(
        ph.Macrospin(layer, stt=STT), lambda i: ph.Drive(current=ph.Pulse(i, 10e-9)), m0, 13e-9,
        (1.2 * base, 3.0 * base), key=jax.random.key(1), n_trials=1, dt=1e-12, iterations=20,
        thermal_initial=False,
    ), ic0


def test_simulated_critical_current_zero_temperature_matches_switching_time():
    """At T = 0 a 10 ns pulse switches iff the exact §2.3 crossing time is below 10 ns; the
    simulated 50 % current must be that i* Ic0 (0.5 %). Since i* depends only on H_k,eff and
    alpha, Ic = i* Ic0 is proportional to the volume: dIc/dt_F = Ic/t_F exactly (IFT gradient)."""
    t_f = 1.5e-9
    (ic, ic0), g = jax.jit(jax.value_and_grad(_zero_temperature_ic, has_aux=True))(t_f)
    layer = pmtj_a()
    a = float(ph.precessional_relaxation_rate(layer.alpha, layer.hk_eff))
    i_star = brentq(lambda i: float(ph.precessional_switching_time(i, 0.05, a)) - 10e-9, 1.05, 5)
    assert float(ic / ic0) == pytest.approx(i_star, rel=5e-3)
    assert float(g) == pytest.approx(float(ic) / t_f, rel=1e-3)


def test_switching_statistics_below_and_above_and_time():
    """P = 0 far below and 1 far above threshold; deep in the precessional regime (i = 5) the
    mean switching time is the §2.3 time averaged over the Boltzmann (Rayleigh) initial angles
    (noise during the pulse shortens it slightly: tolerance 5 %)."""
    layer = pmtj_a(temperature=300.0)
    model = ph.Macrospin(layer, stt=STT)  # constant eta, as the closed form assumes
    d0 = jnp.array([0.0, 0.0, 1.0])
    ic0 = float(_ic0(layer))

    def stats(i, noise):
        return ph.switching_statistics(model, ph.Drive(current=ph.Pulse(i * ic0, 8e-9)), d0,
                                       12e-9, key=jax.random.key(3), n_trials=64, dt=2e-12,
                                       noise=noise)

    a = float(ph.precessional_relaxation_rate(layer.alpha, layer.hk_eff))
    var = 1.380649e-23 * 300 / (4e-7 * np.pi * layer.ms * layer.hk_eff * layer.volume)
    u = (np.arange(20000) + 0.5) / 20000
    theta0 = np.sqrt(-2 * float(var) * np.log(1 - u))  # Rayleigh quantiles
    t_ref = float(np.mean(np.asarray(ph.precessional_switching_time(5.0, theta0, a))))
    for noise in ("gaussian", "three-point"):
        low, high = stats(0.3, noise), stats(5.0, noise)
        assert float(low.probability) == 0.0
        assert float(high.probability) == 1.0
        assert float(high.stderr) == 0.0
        assert float(high.mean_time) == pytest.approx(t_ref, rel=0.05)


def test_thermal_state_has_equipartition_variance():
    layer = pmtj_a(temperature=300.0)
    ms = jax.vmap(lambda k: ph.sample_thermal_state(layer, jnp.array([0.0, 0.0, -1.0]), key=k))(
        jax.random.split(jax.random.key(0), 20000))
    assert float(jnp.mean(ms[:, 2])) < -0.99
    expected = 1.380649e-23 * 300 / (4e-7 * np.pi * 1.1e6 * float(layer.hk_eff) *
                                     float(layer.volume))
    # 20000 samples: relative standard error of a variance is sqrt(2/n) = 1 %
    assert float(jnp.var(ms[:, 0])) == pytest.approx(expected, rel=0.04)
    assert float(jnp.var(ms[:, 1])) == pytest.approx(expected, rel=0.04)


def test_bad_arguments():
    model = ph.Macrospin(pmtj_a(), stt=STT)
    d = ph.Drive()
    with pytest.raises(ValueError, match="n_trials"):
        ph.switching_statistics(model, d, jnp.array([0, 0, 1.0]), 1e-9, key=jax.random.key(0),
                                n_trials=0)
    with pytest.raises(ValueError, match="bracket"):
        ph.simulated_critical_current(model, lambda i: ph.Drive(current=i),
                                      jnp.array([0, 0, 1.0]), 1e-9, (2e-4, 1e-4),
                                      key=jax.random.key(0), n_trials=1)
    with pytest.raises(ValueError, match="bracket must be concrete"):
        jax.jit(lambda lo: ph.simulated_critical_current(
            model, lambda i: ph.Drive(current=i), jnp.array([0, 0, 1.0]), 1e-9, (lo, 2e-4),
            key=jax.random.key(0), n_trials=1))(1e-4)
