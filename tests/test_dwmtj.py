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
