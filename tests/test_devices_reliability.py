"""Issue 12 for the devices and the training: every constructor and method refuses NaN/inf and
unphysical numbers eagerly (`ValueError` naming the argument), under `jax.jit` and under
`jax.vmap` (`EquinoxRuntimeError` naming it); out-of-range indices are refused instead of being
clamped by JAX; size guards refuse tables that cannot be allocated, before allocating.

Tiny on purpose (a 2-junction chain, 12 samples, 1-2 training steps, uncalibrated DW presets)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _rejects import assert_rejected

import mtjax
from mtjax import devices as dv
from mtjax import training as T

NM = 1e-9


@pytest.fixture(scope="module")
def chain():
    return dv.seed001_chain([724e-6, 434e-6])


@pytest.fixture(scope="module")
def cell():
    return dv.ParallelSOTCell.from_thickness(1.6 * NM, 3)


@pytest.fixture(scope="module")
def dw():
    with mtjax.x64():
        dev, _ = dv.dw_preset("trapezoid", calibrate=False)
    return dev


@pytest.fixture(scope="module")
def data(chain):
    """3 separable classes x 4 samples, 2 standardised features, and a 1-input start."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 4)
    x = (np.eye(3, 2)[y] * 3 + 0.3 * rng.standard_normal((12, 2))).astype(np.float32)
    x = (x - x.mean(0)) / x.std(0)
    cfg = T.TrainConfig(steps=2, restarts=1, n_inputs=1)
    params = T.init_params(chain, x, y, 3, cfg)
    return jnp.asarray(x), jnp.asarray(y), jnp.ones(12, jnp.float32), params, cfg


# -- class 7: NaN / inf is refused, not read as a physical result -------------------------------


def test_parallel_cell_write_refuses_nan_and_breakdown(cell):
    states = jnp.ones(3, bool)
    for bad in (np.nan, np.inf):
        assert_rejected(lambda v: cell.write(v, states), bad, "write voltage", good=-1.0)
    assert_rejected(lambda v: cell.write(v, states), 5.0, "breakdown", good=-1.0)
    with pytest.raises(ValueError, match="states"):
        cell.write(-1.0, jnp.ones(2, bool))


def test_poisson_binomial_needs_probabilities():
    assert_rejected(dv.poisson_binomial, [1.5, 0.5], "p must be in [0.0, 1.0]",
                    good=[0.5, 0.5])
    assert_rejected(dv.poisson_binomial, [np.nan, 0.5], "p must be", good=[0.5, 0.5])
    np.testing.assert_allclose(dv.poisson_binomial([0.5, 0.5]), [0.25, 0.5, 0.25])


def test_sequence_probabilities_shapes_and_currents(chain):
    with pytest.raises(ValueError, match="M >= 1"):
        chain.sequence_probabilities(jnp.zeros((4, 0)), jnp.zeros((0, 2)))
    with pytest.raises(ValueError, match="control must have shape"):
        chain.sequence_probabilities(jnp.zeros((4, 2)), jnp.zeros((2, 3)))
    control = jnp.full((2, 2), -5e-4)
    assert_rejected(lambda i: chain.sequence_probabilities(i, control),
                    [[np.nan, 5e-4]], "inputs", good=[[5e-4, 5e-4]])
    assert_rejected(chain.switch_probability, [np.nan, 0.0], "junction_current",
                    good=[0.0, 0.0])


def test_series_chain_and_linear_rv_refuse_nan(chain):
    with mtjax.x64():
        ch = dv.SeriesChain.uniform(3)
        s = jnp.zeros(3, bool)
        assert_rejected(lambda v: ch.current(v, s), np.nan, "v_app", good=1.0)
        with pytest.raises(ValueError, match="states"):
            ch.current(1.0, jnp.zeros(2, bool))
        with pytest.raises(ValueError, match="v_max"):
            ch.loop(np.inf)


def test_program_array_refuses_out_of_range_targets():
    with mtjax.x64():
        chains = dv.SeriesChain(dv.sample_devices(dv.LinearRVMTJ(**dv.SEED000_PLACEHOLDER), {},
                                                  jax.random.key(0), (2, 3)))
        volts = dv.nominal_write_voltages(chains)
        f = eqx.filter_jit(lambda t: dv.program_array(chains, t, volts))
        for bad in ([-1, 1], [4, 1]):
            with pytest.raises(ValueError, match="targets"):
                dv.program_array(chains, jnp.array(bad), volts)
            with pytest.raises(Exception, match="targets"):
                jax.block_until_ready(f(jnp.array(bad)))
        assert np.asarray(f(jnp.array([3, 1]))).tolist() == [3, 1]
        with pytest.raises(ValueError, match="integer levels"):
            dv.program_array(chains, jnp.array([1.0, 2.0]), volts)


def test_dw_compact_distribution_start_state_and_amplitude(dw):
    with mtjax.x64():
        assert_rejected(lambda s: dw.compact_distribution(3.0, s), 9,
                        "start_state must be a state index in [0, 3]", good=1)
        assert_rejected(lambda s: dw.compact_distribution(3.0, s), -1, "start_state", good=1)
        assert_rejected(lambda v: dw.compact_distribution(v, 0), 1000.0, "breakdown", good=3.0)
        assert_rejected(lambda v: dw.compact_distribution(v, 0), np.nan, "amplitude",
                        good=3.0)
        with pytest.raises(ValueError, match="integer state index"):
            dw.compact_distribution(3.0, 1.0)


def test_dw_wall_positions_stay_on_the_track(dw):
    with mtjax.x64():
        span = (dw.x_a, dw.x_b)
        assert_rejected(lambda s: dv.DWMTJ(dw.wall, span, 60.0, 100.0, s).start, 10.0,
                        "start must lie on the track", good=1e-7)
        assert_rejected(lambda q: dw.resistance(q), 10.0, "q (wall position)", good=1e-6)
        with pytest.raises(ValueError, match="q0 must lie on the track"):
            dw.pulse_train(jnp.array([1.0]), q0=10.0)
        with pytest.raises(ValueError, match="mtj_span x_b"):
            dv.DWMTJ(dw.wall, (dw.x_a, 10.0), 60.0, 100.0, dw.start)


def test_dw_breakdown_limit(dw):
    """A default breakdown limit (6 V on the track), checked before any pulse is solved, and
    carried through the JSON description."""
    assert float(dw.v_breakdown) == dv.DW_V_BREAKDOWN == 6.0
    with mtjax.x64():
        with pytest.raises(ValueError, match="breakdown voltage v_breakdown = 6.0 V"):
            dw.pulse_train(jnp.array([1.0, 1000.0]))
        with pytest.raises(ValueError, match="breakdown"):
            dw.apply_pulse(dw.start, 0.0, -1000.0)
        assert_rejected(lambda v: dv.DWMTJ(dw.wall, (dw.x_a, dw.x_b), 60.0, 100.0, dw.start,
                                           v).v_breakdown, -1.0, "v_breakdown", good=5.0)
        d = dv.dw_to_dict(eqx.tree_at(lambda m: m.v_breakdown, dw, jnp.asarray(4.0)))
        assert d["mtj"]["v_breakdown"] == 4.0
        assert float(dv.dw_from_dict(d).v_breakdown) == 4.0
        del d["mtj"]["v_breakdown"]  # files written before the field existed
        assert float(dv.dw_from_dict(d).v_breakdown) == 6.0


def test_dwmtj_constructs_under_jit(dw):
    """No float() on fields: r_min/r_max/span may be traced, and the order check still runs."""
    with mtjax.x64():
        def build(r):
            return dv.DWMTJ(dw.wall, (dw.x_a, dw.x_b), r[0], r[1], dw.start).levels()

        assert_rejected(build, [100.0, 60.0], "r_max must exceed r_min", good=[60.0, 100.0])


# -- class 7: training validates labels, weights and features ---------------------------------


def test_label_weight_feature_checks():
    assert_rejected(lambda y: T.check_labels(y, 7), [0, 7], "y must be class labels in [0, 6]",
                    good=[0, 6])
    assert_rejected(lambda y: T.check_labels(y, 7), [-1, 2], "y must be class labels",
                    good=[0, 2])
    assert_rejected(lambda w: T.check_weights(w, 2), [0.0, 0.0], "positive sum",
                    good=[0.0, 1.0])
    assert_rejected(lambda w: T.check_weights(w, 2), [-1.0, 2.0], "w (sample weights) must be",
                    good=[1.0, 2.0])
    assert_rejected(T.check_features, [[0.0, np.nan]], "x must be finite", good=[[0.0, 1.0]])
    with pytest.raises(ValueError, match="integer class labels"):
        T.check_labels(jnp.array([0.0, 1.0]), 7)


def test_train_chain_refuses_bad_data(chain, data):
    x, y, w, params, cfg = data

    def fit(yy, ww=w, xx=x):
        return T.train_chain(chain, params, xx, yy, ww, cfg)[0].coef

    for bad in (y.at[0].set(3), y.at[0].set(-1)):  # classes 0-2
        with pytest.raises(ValueError, match=r"y must be class labels in \[0, 2\]"):
            fit(bad)
    with pytest.raises(ValueError, match="positive sum"):
        fit(y, ww=jnp.zeros(12))
    with pytest.raises(ValueError, match="x must be finite"):
        fit(y, xx=x.at[3, 1].set(jnp.nan))
    with pytest.raises(ValueError, match="w_test"):
        T.train_chain(chain, params, x, y, w, cfg, w_test=jnp.zeros(12))
    # traced (as the study runs it): a label out of range is a run-time error, not NaN
    assert_rejected(fit, y.at[0].set(3), "y must be class labels", good=y,
                    modes=("jit",))
    assert np.all(np.isfinite(np.asarray(fit(y))))
    with pytest.raises(ValueError, match="y must be class labels"):
        T.train_mlp(jax.random.key(0), x, y.at[0].set(-1), w, 1, 3, steps=1)


def test_configs_refuse_bad_numbers():
    with pytest.raises(ValueError, match="learning_rate"):
        T.TrainConfig(learning_rate=float("nan"))
    with pytest.raises(ValueError, match="steps"):
        T.TrainConfig(steps=0)
    with pytest.raises(ValueError, match="test_fraction"):
        T.StudyConfig(test_fraction=1.0)
    with pytest.raises(ValueError, match="energy_weight"):
        T.StudyConfig(energy_weight=-1.0)


# -- class 8: size guards before allocating ----------------------------------------------------


def test_table_size_guard_says_what_fits(chain):
    assert dv.table_size(3, 6, 259 * 40) == 4**6
    with pytest.raises(ValueError, match=r"21\^6 = 85,766,121 switching configurations") as e:
        dv.table_size(20, 6, 259 * 40)
    assert "n_inputs <= 2 with n_devices = 20" in str(e.value)
    assert "n_devices <= 3 with n_inputs = 6" in str(e.value)
    with pytest.raises(ValueError, match="n_devices = 20 and n_inputs = 6"):
        T.StudyConfig(n_devices=20, n_inputs=6)
    # the study checks samples x splits x restarts x methods before loading any model
    with pytest.raises(ValueError, match="259 samples x 5 splits x 4 restarts x 2 method"):
        T.vowel_study(T.StudyConfig(n_devices=6, n_inputs=6, methods=("gradient", "codesign")))
    # the chain itself: a batch of inputs whose table would not fit
    with pytest.raises(ValueError, match="M \\(inputs\\) = 26"):
        chain.sequence_probabilities(jnp.zeros((2, 26)), jnp.zeros((26, 2)))


# -- class 1: constructors check traced values too ---------------------------------------------


def test_constructors_check_traced_values(chain):
    assert_rejected(lambda d: dv.STTChain(d).diameter, [150e-9, -1e-9], "diameter",
                    good=[150e-9, 140e-9])
    assert_rejected(lambda d: dv.STTChain(d).diameter, [150e-9, 3e-6], "below 2 µm",
                    good=[150e-9, 140e-9])
    assert_rejected(lambda t: dv.STTChain(150e-9, temperature=t).temperature, np.nan,
                    "temperature", good=300.0)
    assert_rejected(lambda b1: dv.LinearRVMTJ(900.0, 100.0, b1, 1000.0, 0.46, -0.42).b1,
                    800.0, "b1 (AP resistance) must exceed b0", good=1800.0)
    assert_rejected(lambda r: dv.ParallelSOTCell(r, 0.5, 1e-3, 300.0, 900.0, 2.0).r_p,
                    [-1.0, 2e4], "r_p", good=[2e4, 2e4])
    assert_rejected(lambda t: dv.ParallelSOTCell.from_thickness(t, 2).i_c, np.nan, "t_f",
                    good=1.6 * NM)
    assert_rejected(lambda s: dv.sample_chains(chain, jax.random.key(0), 4,
                                               diameter_std=s).diameter,
                    -1e-9, "diameter_std", good=1e-9)
    assert_rejected(lambda s: dv.write_noise(jax.random.key(0), jnp.full(8, 1e-3), s),
                    1.0, "sigma is so large", good=1e-6)
    p = dv.get_preset("ip-stt")
    assert_rejected(lambda c: dv.MacrospinPreset(p.name, p.description, p.model, p.field,
                                                 p.initial, p.drive_kind, c, p.pulse_width,
                                                 p.delta_eff, p.sources).current,
                    np.nan, "current", good=1e-3)
    with pytest.raises(ValueError, match="drive_kind"):
        dv.MacrospinPreset(p.name, p.description, p.model, p.field, p.initial,
                           "channel_current", p.current, p.pulse_width, p.delta_eff, p.sources)
