"""The shared training layer: quantisers, read-outs, layers, designs, the training loop and
programmed chips, each against hand-computed values or an independent computation."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from _rejects import assert_rejected

import mtjax
from mtjax import devices as dv
from mtjax import training as T

LV = jnp.array([-1.0, -0.25, 0.5, 1.0])


# ---------------------------------------------------------------------------------------------
# quantisers


def test_quantise_values_and_gradients():
    w = jnp.array([-2.0, -0.7, -0.6, 0.1, 0.125, 0.8, 0.74, 3.0])
    # midpoints -0.625, 0.125, 0.75; ties go to the lower level
    np.testing.assert_array_equal(np.asarray(T.quantise(w, LV)),
                                  [-1.0, -1.0, -0.25, -0.25, -0.25, 1.0, 0.5, 1.0])
    brute = LV[jnp.argmin(jnp.abs(w[:, None] - LV), axis=-1)]
    np.testing.assert_array_equal(np.asarray(T.quantise(w, LV)), np.asarray(brute))
    # straight-through to w; to the levels: each level collects the upstream gradients of the
    # weights it was chosen for
    c = jnp.arange(1.0, 9.0)
    gw, gl = jax.grad(lambda ww, ll: jnp.sum(c * T.quantise(ww, ll)), argnums=(0, 1))(w, LV)
    np.testing.assert_array_equal(np.asarray(gw), np.asarray(c))
    np.testing.assert_array_equal(np.asarray(gl), [1 + 2, 3 + 4 + 5, 7, 6 + 8])


def test_nearest_level_matches_brute_force_on_random_weights():
    key = jax.random.key(0)
    lv = jnp.sort(jax.random.normal(key, (9,)))
    w = 2 * jax.random.normal(jax.random.fold_in(key, 1), (5000,))
    k = T.nearest_level(w, lv)
    d = np.abs(np.asarray(w)[:, None] - np.asarray(lv))
    np.testing.assert_array_equal(np.take_along_axis(d, np.asarray(k)[:, None], 1)[:, 0],
                                  d.min(axis=1))


def test_quantisers_refuse_bad_levels_and_weights():
    w = jnp.array([0.1, 0.2])
    assert_rejected(lambda lv: T.quantise(w, lv), jnp.array([1.0, -1.0, 0.5]),
                    "levels must be sorted", good=jnp.array([-1.0, 0.5, 1.0]))
    assert_rejected(lambda ww: T.quantise(ww, LV), jnp.array([0.1, jnp.nan]), "w must be finite",
                    good=jnp.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="levels must have the weights' dtype"):
        with mtjax.x64():
            T.quantise(jnp.array([0.1], jnp.float32), jnp.array([0.0, 1.0], jnp.float64))
    with pytest.raises(ValueError, match="non-empty 1-D"):
        T.quantise(w, jnp.ones((2, 2)))
    with pytest.raises(ValueError, match="float array"):
        T.quantise(jnp.array([1, 2]), LV)
    with pytest.raises(ValueError, match="needs a PRNG key"):
        T.Stochastic()(w, LV, 1.0)


def test_soft_quantise_tends_to_nearest_and_is_smooth_in_the_levels():
    w = jnp.array([-0.9, -0.3, 0.2, 0.6, 0.95])
    hard = T.quantise(w, LV)
    np.testing.assert_allclose(np.asarray(T.soft_quantise(w, LV, 1e-3)), np.asarray(hard),
                               atol=1e-6)

    def f(lv):
        return jnp.sum(jnp.sin(3 * w) * T.soft_quantise(w, lv, 0.1))

    g = jax.grad(f)(LV)
    h = 1e-3
    fd = [(f(LV.at[i].add(h)) - f(LV.at[i].add(-h))) / (2 * h) for i in range(4)]
    np.testing.assert_allclose(np.asarray(g), np.asarray(fd), rtol=2e-3, atol=2e-4)


def test_stochastic_round_is_unbiased_and_lands_on_levels():
    w = jnp.array([-0.9, -0.3, 0.2, 0.6, 0.95])
    keys = jax.random.split(jax.random.key(3), 20000)
    q = jax.vmap(lambda k: T.stochastic_round(w, LV, key=k))(keys)
    assert np.all(np.isin(np.asarray(q), np.asarray(LV)))
    # E[q] = w; the standard error of the mean of a two-point variable is < gap / (2 sqrt(n))
    se = 1.5 / (2 * np.sqrt(keys.shape[0]))
    np.testing.assert_allclose(np.asarray(q.mean(0)), np.asarray(w), atol=5 * se)
    g = jax.grad(lambda ww: jnp.sum(T.stochastic_round(ww, LV, key=keys[0])))(w)
    np.testing.assert_array_equal(np.asarray(g), 1.0)


def test_sign_ste_has_the_hardtanh_gradient():
    x = jnp.array([-2.0, -0.5, 0.0, 0.3, 1.5])
    np.testing.assert_array_equal(np.asarray(T.sign_ste(x)), [-1, -1, 1, 1, 1])
    g = jax.grad(lambda xx: jnp.sum(T.sign_ste(xx)))(x)
    np.testing.assert_array_equal(np.asarray(g), [0, 1, 1, 1, 0])


# ---------------------------------------------------------------------------------------------
# read-outs


def test_readouts_against_their_circuit_formulas():
    g = jnp.array([1 / 5300, 1 / 4418, 1 / 3546, 1 / 2690])
    gn = np.asarray(g)
    norm = np.sort(np.concatenate([-gn, gn]) / gn.max())
    np.testing.assert_allclose(np.asarray(dv.NormalisedReadout().weight_levels(g)), norm,
                               rtol=1e-6)
    diff = np.sort((gn[:, None] - gn[None, :]).ravel() / (0.5 * (gn.min() + gn.max())))
    np.testing.assert_allclose(np.asarray(dv.DifferentialPair().weight_levels(g)), diff,
                               rtol=1e-5, atol=1e-7)
    # the pair's weight is what seed 000's divider computes for one unit input
    v = dv.differential_output(jnp.array([-1.0]), g[3:4], g[0:1], g[0], g[3])
    assert float(v) == pytest.approx(float(diff[-1]), rel=1e-5)
    np.testing.assert_allclose(np.asarray(dv.BinaryReadout().weight_levels(g)), [-1, 1],
                               rtol=1e-6)
    for ro in (dv.NormalisedReadout(), dv.DifferentialPair(), dv.BinaryReadout()):
        lv = ro.weight_levels(g)
        k = jnp.arange(lv.shape[0])
        nominal = jnp.broadcast_to(g, (lv.shape[0], ro.n_devices, 4))
        np.testing.assert_allclose(np.asarray(ro.realise(k, nominal, g)), np.asarray(lv),
                                   rtol=1e-6, atol=1e-7)
    # a device whose states came out 10 % more conductive gives 10 % larger weights
    ro = dv.NormalisedReadout()
    k = jnp.array([7, 0])
    np.testing.assert_allclose(np.asarray(ro.realise(k, jnp.broadcast_to(1.1 * g, (2, 1, 4)),
                                                     g)), [1.1, -1.1], rtol=1e-6)
    with pytest.raises(ValueError, match="g_devices must have shape"):
        ro.realise(k, jnp.broadcast_to(g, (2, 2, 4)), g)
    with pytest.raises(ValueError, match="readout must be one of"):
        dv.get_readout("ternary")


def test_every_synapse_reports_increasing_conductances_in_siemens():
    chain = dv.SeriesChain.uniform(3)
    np.testing.assert_allclose(np.asarray(chain.conductance_levels()),
                               1 / np.asarray(chain.levels(0.1))[::-1], rtol=1e-6)
    cell = dv.ParallelSOTCell.from_thickness(1.9e-9, 3)
    for syn in (chain, cell):  # DWMTJ: tests/test_conformance.py
        g = np.asarray(syn.conductance_levels())
        assert np.all(np.diff(g) > 0) and 1e-6 < g.min() and g.max() < 1.0
        assert isinstance(syn, dv.AbstractSynapse) and syn.n_levels == g.size


# ---------------------------------------------------------------------------------------------
# layers, designs, scales


def test_quantised_linear_uses_levels_times_its_gain():
    layer = T.QuantisedLinear(3, 2, key=jax.random.key(0))
    layer = eqx.tree_at(lambda la: (la.weight, la.scale), layer,
                        (jnp.array([[0.29, -0.1, 0.06], [-0.38, 0.21, 0.0]]), jnp.asarray(0.4)))
    x = jnp.array([1.0, 2.0, 3.0])
    wq = np.array([[0.2, -0.1, 0.2], [-0.4, 0.2, -0.1]])  # onto 0.4 x (-1, -0.25, 0.5, 1)
    np.testing.assert_allclose(np.asarray(layer(x, LV)), wq @ np.asarray(x) + layer.bias,
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(layer.weight @ x + layer.bias),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="one example of shape"):
        layer(jnp.ones((4, 3)))


def test_mse_scale_beats_the_max_rule_and_matches_a_brute_force_grid():
    w = 0.1 * jax.random.normal(jax.random.key(1), (64, 32))
    lv = dv.NormalisedReadout().weight_levels(dv.ParallelSOTCell.from_thickness(
        1.9e-9, 3).conductance_levels())

    def mse(s):
        return float(jnp.mean((w - T.quantise(w, lv * s)) ** 2))

    s_mse, s_max = T.fit_scale(w, lv, "mse"), T.fit_scale(w, lv, "max")
    assert float(s_max) == pytest.approx(float(jnp.max(jnp.abs(w))), rel=1e-6)
    grid = np.linspace(1e-3, float(s_max), 400)
    assert mse(s_mse) <= min(mse(s) for s in grid) * 1.01
    assert mse(s_mse) < 0.5 * mse(s_max)
    mlp = T.calibrate_scales(T.DeviceMLP((32, 8, 4), key=jax.random.key(2)), lv)
    for la in mlp.layers:
        assert float(la.scale) == pytest.approx(float(T.fit_scale(la.weight, lv)), rel=1e-6)
    with pytest.raises(ValueError, match="scale rule"):
        T.fit_scale(w, lv, "median")


def test_sot_design_bounds_and_gradient_to_the_levels():
    d = T.SOTCellDesign(2.1e-9, 2)
    assert float(d.t_f) == pytest.approx(2.1e-9, rel=1e-5)
    with mtjax.x64():
        def top(raw):  # the smallest positive level, 1 / (1 + TMR(t_F))
            dd = eqx.tree_at(lambda x: x.raw_t_f, T.SOTCellDesign(2.1e-9, 2), raw)
            return dv.NormalisedReadout().weight_levels(dd.build().conductance_levels())[3]

        raw = jnp.asarray(T.to_unconstrained(2.1e-9, *T.SOT_THICKNESS_RANGE), jnp.float64)
        g = float(jax.grad(top)(raw))
        fd = float((top(raw + 1e-6) - top(raw - 1e-6)) / 2e-6)
        assert g == pytest.approx(fd, rel=1e-6) and g < 0
    for bad in (1.6e-9, 2.6e-9, 3e-9, float("nan")):
        with pytest.raises(ValueError, match="t_f must lie"):
            T.SOTCellDesign(bad, 3)
    with pytest.raises(ValueError, match="n \\(cells on the channel\\)"):
        T.SOTCellDesign(2e-9, 0)
    with pytest.raises(ValueError, match="bounds must satisfy"):
        T.SOTCellDesign(2e-9, 1, bounds=(1e-9, 2.5e-9))


# ---------------------------------------------------------------------------------------------
# the training loop


def _logistic_problem(n=512):
    key = jax.random.key(7)
    x = jax.random.normal(key, (n, 5))
    w_true = jnp.array([1.5, -2.0, 0.5, 0.0, 1.0])
    y = (x @ w_true + 0.3 > 0).astype(jnp.int32)
    return x, y


def _loss(model, batch, key):
    x, y = batch
    logits = jax.vmap(model)(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), {
        "acc": jnp.mean(jnp.argmax(logits, -1) == y)}


def test_fit_trains_compiles_once_and_is_reproducible():
    x, y = _logistic_problem()
    model = T.QuantisedLinear(5, 2, key=jax.random.key(0))
    loss = eqx.debug.assert_max_traces(_loss, max_traces=1)
    opt = optax.adam(0.05)  # the loss and the optimiser are static: the same ones, one compile
    runs = []
    for _ in range(2):
        m, h = T.fit(model, loss, (x, y), optimiser=opt, key=jax.random.key(1),
                     epochs=4, batch_size=64, progress=False)
        runs.append((m, h))
    (m1, h1), (m2, h2) = runs
    assert h1["loss"][-1] < 0.5 * h1["loss"][0] and h1["acc"][-1] > 0.95
    np.testing.assert_array_equal(np.asarray(m1.weight), np.asarray(m2.weight))
    assert len(h1["epoch_s"]) == 4
    # a different key shuffles differently
    m3, _ = T.fit(model, loss, (x, y), optimiser=opt, key=jax.random.key(2),
                  epochs=4, batch_size=64, progress=False)
    assert not np.array_equal(np.asarray(m1.weight), np.asarray(m3.weight))


def test_fit_refuses_bad_data_and_a_diverging_loss():
    x, y = _logistic_problem(64)
    model = T.QuantisedLinear(5, 2, key=jax.random.key(0))
    kw = dict(optimiser=optax.adam(0.05), key=jax.random.key(1), progress=False)
    with pytest.raises(ValueError, match="batch_size must be <="):
        T.fit(model, _loss, (x, y), batch_size=65, **kw)
    with pytest.raises(ValueError, match="share one leading"):
        T.fit(model, _loss, (x, y[:10]), **kw)
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):
        T.fit(model, _loss, (x, y), epochs=0, **kw)
    with pytest.raises(ValueError, match="training loss became nan in epoch 1"):
        T.fit(model, _loss, (x.at[3, 1].set(jnp.nan), y), batch_size=64, **kw)


def test_train_steps_is_a_pure_scan_that_vmaps_over_restarts():
    x, y = _logistic_problem(128)

    def run(key):
        model = T.QuantisedLinear(5, 2, key=key)
        return T.train_steps(model, _loss, (x, y), optimiser=optax.adam(0.05), steps=100,
                             key=key, record=lambda m: {"w0": m.weight[0, 0]})

    models, hist = jax.vmap(run)(jax.random.split(jax.random.key(0), 3))
    assert models.weight.shape == (3, 2, 5) and hist["loss"].shape == (3, 100)
    assert hist["w0"].shape == (3, 100) and np.all(np.asarray(hist["acc"][:, -1]) > 0.95)
    one, h1 = run(jax.random.split(jax.random.key(0), 3)[1])
    np.testing.assert_allclose(np.asarray(one.weight), np.asarray(models.weight[1]), rtol=1e-5,
                               atol=1e-6)


def test_design_and_network_trained_together_by_fit():
    """Co-design on a toy problem: the thickness moves (its gradient is not zero) and stays in
    the validated range; a network-only spec leaves it untouched."""
    x, y = _logistic_problem(256)
    net = T.DeviceNetwork(T.SOTCellDesign(1.9e-9, 1), T.DeviceMLP((5, 4, 2), key=jax.random.key(0)),
                          dv.NormalisedReadout())
    net = eqx.tree_at(lambda m: m.network, net, T.calibrate_scales(net.network, net.levels()))
    opt = optax.multi_transform({"network": optax.adam(0.02), "design": optax.adam(0.2)},
                                T.design_labels())
    kw = dict(key=jax.random.key(3), epochs=3, batch_size=32, progress=False)
    m_net, _ = T.fit(net, _loss, (x, y), optimiser=optax.adam(0.02),
                     filter_spec=T.trainable(net), **kw)
    assert float(m_net.design.raw_t_f) == float(net.design.raw_t_f)
    m_co, _ = T.fit(net, _loss, (x, y), optimiser=opt,
                    filter_spec=T.trainable(net, design=True), **kw)
    assert float(m_co.design.raw_t_f) != float(net.design.raw_t_f)
    assert 1.6e-9 < float(m_co.design.t_f) < 2.6e-9


# ---------------------------------------------------------------------------------------------
# programmed chips


def test_program_weights_nominal_chip_and_spread():
    w = 0.1 * jax.random.normal(jax.random.key(0), (40, 30))
    cell = dv.ParallelSOTCell.from_thickness(1.9e-9, 2)
    ro = dv.NormalisedReadout()
    lv = ro.weight_levels(cell.conductance_levels())
    s = T.fit_scale(w, lv)
    nominal = T.program_weights(w, s, cell, ro, key=jax.random.key(1))
    np.testing.assert_allclose(np.asarray(nominal), np.asarray(T.quantise(w, lv * s)),
                               rtol=1e-6)
    chip = T.program_weights(w, s, cell, ro, key=jax.random.key(1),
                             spread={"tmr": (0.1, "relative"), "r_p": (0.05, "relative")},
                             write_sigma=0.01)
    rel = np.asarray(chip / nominal)
    # each weight keeps its sign; its magnitude scatters by ~ the R_P spread (5 %) and TMR's
    assert np.all(rel > 0) and 0.02 < rel.std() < 0.12 and abs(rel.mean() - 1) < 0.03
    with pytest.raises(ValueError, match="unknown field"):
        T.program_weights(w, s, cell, ro, key=jax.random.key(1), spread={"ms": 0.1})
    assert_rejected(lambda sc: T.program_weights(w, sc, cell, ro, key=jax.random.key(1)),
                    0.0, "scale must be finite and > 0", good=0.1, modes=("eager", "jit"))
