"""Seed-003 DW-MTJ devices: presets (calibrated read-out and notch depths), the compact
notch-hopping model and pulse trains on the full (q, phi) model."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import mtjax
from mtjax import devices as dv


@pytest.fixture(autouse=True)
def _x64():
    with mtjax.x64():
        yield


@pytest.fixture(scope="module")
def trapezoid():
    with mtjax.x64():
        return dv.dw_preset("trapezoid")


@pytest.fixture(scope="module")
def straight():
    with mtjax.x64():
        return dv.dw_preset("straight")


def test_presets_reproduce_the_measured_levels_and_voltages(trapezoid, straight):
    """Calibration checks (seed 003 gives no notch geometry): the placed notches read the
    measured levels and the optax-fitted depths give the measured depinning voltages."""
    dev, rep = trapezoid
    np.testing.assert_allclose(np.asarray(dev.levels()), [100.0, 93.3, 76.1, 67.1], atol=0.05)
    v = np.asarray(dev.depinning_voltages())
    np.testing.assert_allclose(v, [3.0, 3.5, 3.7], rtol=1e-6)
    assert max(abs(x) for x in rep["fit"]["relative_residuals"]) < 1e-6
    assert rep["fit"]["loss_last"] < 1e-3 * rep["fit"]["loss_first"]
    assert np.all(np.diff(v) > 0)
    dev_s, _ = straight
    np.testing.assert_allclose(np.asarray(dev_s.levels()), [1061.0, 1043.3, 989.0, 929.5, 913.1],
                               atol=0.05)


def test_compact_model_state_map(trapezoid, straight):
    dev, _ = trapezoid
    volts = jnp.linspace(0.5, 4.5, 41)
    m = np.asarray(jax.vmap(lambda v: dev.compact_distribution(v, 0))(volts))
    np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-9)  # rows sum to 1
    mean_state = m @ np.arange(m.shape[1])
    assert np.all(np.diff(mean_state) >= -1e-9)  # trapezoid: voltage-ordered
    dev_s, _ = straight
    ms = np.asarray(jax.vmap(lambda v: dev_s.compact_distribution(v, 1))(volts))
    np.testing.assert_allclose(ms.sum(axis=1), 1.0, atol=1e-9)
    # straight: identical notches -> one pulse carries the wall across several notches
    multi = ms[:, 3:].sum(axis=1)  # two or more notches passed from notch 1
    assert multi.max() > 0.9
    # and there is a voltage where it stops at one notch or runs on, at random
    assert np.any((ms.max(axis=1) < 0.9) & (ms.max(axis=1) > 0.1))


def test_pulse_train_on_the_full_model_is_voltage_ordered(trapezoid):
    dev, _ = trapezoid
    with mtjax.x64():
        amps = jnp.array([1.0, 2.5, 2.9, 3.3, 3.45, 3.6])
        states, r, q = jax.jit(lambda a: dev.pulse_train(a))(amps)
    states = np.asarray(states)
    assert states[0] == 1 and states[2] == 1  # reaches notch 1 by 1 V and stays below 3.0 V
    assert np.all(np.diff(states) >= 0)  # writes move forward only
    assert states[-1] == 3
    assert np.asarray(r)[-1] == pytest.approx(67.1, abs=0.5)


def test_thermal_straight_pulse_passes_several_notches(straight):
    """300 K, one pulse 1.2x above the (identical) notches' threshold from notch 1: every wall
    leaves notch 1 and runs past notch 2 in the same pulse, and where it ends differs from
    path to path (thermal noise)."""
    dev, _ = straight
    v = 1.2 * float(dev.depinning_voltages()[0])
    pos = np.asarray(dev.positions())

    def one(key):
        _, _, q = dev.pulse_train(jnp.array([v]), key=key, q0=pos[1], dt=2e-12)
        return q[0]

    q = np.asarray(jax.jit(jax.vmap(one))(jax.random.split(jax.random.key(0), 16)))
    assert np.all(q > pos[2] + 3 * 25e-9)  # passed notch 2 without stopping
    assert np.std(q) > 20e-9  # stochastic end points


def test_bad_presets_and_calibration_input():
    with pytest.raises(ValueError, match="unknown DW preset"):
        dv.dw_preset("round")
    dev, _ = dv.dw_preset("straight", calibrate=False)
    with pytest.raises(ValueError, match="one entry per notch"):
        dv.calibrate_notch_depths(dev.track, dev.material, [3.0, 3.5])
    with pytest.raises(ValueError, match="r_max"):
        dv.DWMTJ(dev.wall, (0.5e-6, 3e-6), 100.0, 90.0, 0.3e-6)


def test_metaplastic_factors_from_the_device_physics():
    """f_meta from depinning voltages along a trapezoid: the hyperbolic current-density form
    within the taper correction, not the seed's linear form; gradients vs FD."""
    import mtjax.physics as ph

    mat = ph.DWMaterial(dmi=-1e-4)

    def device(ratio, spacing):
        x = 0.4e-6 + spacing * jnp.arange(5)
        track = ph.DWTrack(3.6e-6, 250e-9, 250e-9 / ratio, x, 0.15, 25e-9)
        return dv.DWMTJ(ph.DomainWall(mat, track), (0.5e-6, 3.0e-6), 67.1, 100.0, 0.2e-6)

    w, f = dv.metaplastic_factors(device(0.25, 0.7e-6))
    w, f = np.asarray(w), np.asarray(f)
    x = 0.4e-6 + 0.7e-6 * np.arange(5)
    wid = 250e-9 + 750e-9 * x / 3.6e-6
    r = wid[0] / wid[-1]
    hyper = np.asarray(ph.f_meta(jnp.asarray(w), r, "hyperbolic"))
    linear = np.asarray(ph.f_meta(jnp.asarray(w), r, "linear"))
    assert f[0] == 1.0 and np.all(np.diff(f) < 0)
    # The pure current-density ratio (hyperbolic form) ignores the taper's own restoring force,
    # sigma t w'(x), which adds relatively more pinning where the track is narrow: the device's
    # f lies above the hyperbolic form, by the closed-form taper correction (numpy, here).
    e12 = np.exp(-0.5)
    xq = x + 25e-9
    wq = 250e-9 + 750e-9 * xq / 3.6e-6
    h_dep = 0.15 * e12 / 25e-9 + (750e-9 / 3.6e-6) / wq * (1 - 0.15 * e12)
    v_dep = h_dep * wid
    np.testing.assert_allclose(f, v_dep[0] / v_dep, rtol=1e-6)
    assert np.all(f[1:] > hyper[1:]) and np.max(f - hyper) < 0.05
    assert np.abs(f[2] - linear[2]) > 0.1

    def mid(ratio, spacing):
        return dv.metaplastic_factors(device(ratio, spacing))[1][2]

    g = jax.grad(mid, argnums=(0, 1))(0.25, 0.7e-6)
    fd_r = (mid(0.25 + 1e-7, 0.7e-6) - mid(0.25 - 1e-7, 0.7e-6)) / 2e-7
    fd_s = (mid(0.25, 0.7e-6 + 1e-13) - mid(0.25, 0.7e-6 - 1e-13)) / 2e-13
    assert float(g[0]) == pytest.approx(float(fd_r), rel=1e-5)
    assert float(g[1]) == pytest.approx(float(fd_s), rel=1e-5)


def test_compact_model_fit_to_the_full_thermal_model(trapezoid):
    """Depinning probability of notch 1 measured on the thermal (q, phi) model (24 paths per
    amplitude) and the compact law fitted to it with optax: the fit does not get worse and
    ends within a few Monte Carlo standard errors."""
    dev, _ = trapezoid
    amps = jnp.linspace(2.6, 3.3, 6)
    p = dv.measure_depinning_probability(dev, 0, amps, key=jax.random.key(1), n_paths=24)
    p = np.asarray(p)
    assert p[0] < 0.5 and p[-1] > 0.5 and np.all(np.diff(p) >= -0.25)
    fit = dv.fit_compact_model(dev, 0, amps, p, n_paths=24)
    assert fit["rms_residual_after"] <= fit["rms_residual_before"] + 1e-9
    assert fit["rms_residual_after"] < 3 * fit["monte_carlo_stderr_rms"] + 0.02
    assert 0.5 < fit["j_dep_scale"] < 1.5


def test_compact_fit_refuses_bad_input(trapezoid):
    dev, _ = trapezoid
    amps = jnp.linspace(2.6, 3.3, 3)
    with pytest.raises(ValueError, match="notch must be an index"):
        dv.fit_compact_model(dev, 7, amps, [0.0, 0.5, 1.0], n_paths=8)
    with pytest.raises(ValueError, match="one probability per amplitude"):
        dv.fit_compact_model(dev, 0, amps, [0.0, 1.0], n_paths=8)
    with pytest.raises(ValueError, match="probabilities in"):
        dv.fit_compact_model(dev, 0, amps, [0.0, 0.5, 1.5], n_paths=8)
    with pytest.raises(ValueError, match="notch must be an index"):
        dv.measure_depinning_probability(dev, -1, amps, key=jax.random.key(0))
