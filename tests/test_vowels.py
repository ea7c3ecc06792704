"""Seed-001 MTJ-chain classifier: device calibration against the seed's measurements, the
switching statistics against sampling, gradients, bad input, and training end to end (reduced)."""

import json
import os
import runpy
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import mtjax
import mtjax.devices as dv
import mtjax.training as T
from mtjax.constants import MU0


@pytest.fixture(scope="module")
def chain():
    return dv.seed001_chain()


def test_chain_reproduces_the_seeds_thresholds(chain):
    """Measured input thresholds (seed Fig. 1b, I_C = -500 µA) are reproduced, and the
    seed's adjusted control currents predict the thresholds PHYSICS.md §4.2 derives."""
    th = np.asarray(chain.input_thresholds(jnp.full(3, dv.SEED001_CONTROL))) * 1e6
    np.testing.assert_allclose(th, [724, 434, 696], atol=0.05)
    adj = np.asarray(chain.input_thresholds(jnp.asarray(dv.SEED001_ADJUSTED_CONTROL))) * 1e6
    np.testing.assert_allclose(adj, [684, 314, 756], atol=0.05)
    # the threshold is where the physical switching probability is one half
    p = chain.switch_probability(chain.intrinsic_thresholds)
    np.testing.assert_allclose(np.asarray(p), 0.5, atol=1e-5)
    # offsets oppose the 6 mT applied field by a few mT (the seed needs the field to switch)
    off = np.asarray(chain.h_offset) * MU0 * 1e3
    assert np.all((off < -4) & (off > -9))


def test_stack_numbers_match_the_spec():
    """PHYSICS.md §2.2 / §6, IP-STT: Δ = 16.4 with μ0H_k = 5 mT and no field, and I_c0 =
    0.725 mA with η(π) = 0.469 and +6 mT stabilising the initial state."""
    c = dv.STTChain(150e-9, h_applied=0.0)
    assert float(c.delta[0]) == pytest.approx(16.4, rel=0.01)
    # η(π) = 0.469 is P = 0.6 in Slonczewski's form: TMR = 2P²/(1 - P²) = 1.125
    c = dv.STTChain(150e-9, h_applied=-6e-3 / MU0, tmr0=2 * 0.36 / 0.64)
    assert float(c.eta_ap) == pytest.approx(0.469, abs=5e-4)
    assert float(c.ic0[0]) == pytest.approx(0.725e-3, rel=0.01)


def test_configuration_probabilities_match_sampling(chain):
    """The exact Poisson-binomial configuration law against hardware-style Bernoulli draws
    (fixed key, 40 000 draws; every configuration within 5 binomial standard errors)."""
    ctrl = jnp.asarray([[-0.5e-3, -0.45e-3, -0.55e-3], [-0.4e-3, -0.5e-3, -0.6e-3]])
    ia, ib = 0.70e-3, 0.62e-3
    p = np.asarray(chain.configuration_probabilities(jnp.asarray(ia), jnp.asarray(ib), ctrl))
    assert p.shape == (16,) and p.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.sum(p > 0.02) >= 4  # a genuinely stochastic operating point
    n = 40_000
    draws = chain.sample_configuration(jax.random.key(3), jnp.full(n, ia), jnp.full(n, ib), ctrl)
    freq = np.bincount(np.asarray(draws), minlength=16) / n
    se = np.sqrt(p * (1 - p) / n) + 1e-4
    assert np.all(np.abs(freq - p) < 5 * se)


def test_gradients_match_finite_differences():
    with mtjax.x64():
        c = dv.seed001_chain()

        def f(ctrl, d):
            ch = dv.STTChain(d, c.h_offset)
            return ch.configuration_probabilities(jnp.asarray(0.68e-3), jnp.asarray(0.6e-3),
                                                  ctrl)[9]

        # every junction near its threshold for input A (724, 684, 746 µA vs 680 µA)
        ctrl = jnp.asarray([[-0.5e-3, -0.75e-3, -0.55e-3], [-0.4e-3, -0.5e-3, -0.6e-3]])
        d = jnp.asarray([150e-9, 148e-9, 152e-9])
        gc, gd = jax.grad(f, argnums=(0, 1))(ctrl, d)
        for idx in [(0, 0), (1, 2)]:
            e = jnp.zeros_like(ctrl).at[idx].set(1e-9)
            fd = (f(ctrl + e, d) - f(ctrl - e, d)) / 2e-9
            assert float(gc[idx]) == pytest.approx(float(fd), rel=1e-5)
        e = jnp.zeros_like(d).at[1].set(1e-13)
        fd = (f(ctrl, d + e) - f(ctrl, d - e)) / 2e-13
        assert float(gd[1]) == pytest.approx(float(fd), rel=1e-5)
        assert abs(float(gd[1])) > 0


def test_bad_input_is_refused(chain):
    with pytest.raises(ValueError, match="diameter"):
        dv.STTChain([150e-9, -1e-9])
    with pytest.raises(ValueError, match="intrinsic_thresholds"):
        dv.calibrate_offsets(chain, [1e-4, 2e-4])
    with pytest.raises(ValueError, match="v_breakdown"):
        chain.check_breakdown(jnp.asarray([2e-3, 0.0, 0.0]))
    with pytest.raises(ValueError, match="methods"):
        T.StudyConfig(methods=("gradient", "svm"))
    with pytest.raises(ValueError, match="n_devices"):
        T.default_chain(0)
    # under jit the breakdown check is an equinox runtime error
    with pytest.raises(Exception, match="breakdown"):
        eqx.filter_jit(lambda c, i: c.check_breakdown(i))(
            chain, jnp.asarray([2e-3, 0.0, 0.0])).block_until_ready()
    assert float(chain.max_junction_current()) == pytest.approx(1.2175e-3, rel=1e-3)


def test_sampled_chains_carry_the_seed_spread(chain):
    pop = dv.sample_chains(chain, jax.random.key(0), 2000)
    assert pop.diameter.shape == (2000, 3)
    th = np.asarray(jax.vmap(lambda d, o: dv.STTChain(d, o).intrinsic_thresholds)(
        pop.diameter, pop.h_offset)) * 1e6
    # the three measured intrinsic thresholds (224, -66, 196 µA) spread by ~160 µA
    assert 80 < np.std(th) < 400


def test_training_end_to_end_learns_the_vowels(capsys, tmp_path):
    """A reduced study (1 talker split, 2 restarts, 150 steps): the gradient-trained chain,
    evaluated with sampled switching on unseen talkers, is far above chance (1/7) and the
    JSON output of `mtjax vowels` carries the table."""
    from mtjax.cli import main

    rc = main(["vowels", "--json", "--splits", "1", "--steps", "150", "--restarts", "2",
               "--method", "gradient"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    g = out["methods"]["gradient"]
    assert g["n_params"] == 32 and out["methods"]["codesign"]["n_params"] == 35
    assert g["test_acc"]["mean"] > 0.6
    assert g["all_below_breakdown"]
    assert out["data"]["split"] == "talker" and out["data"]["n_test"] == [49]


def test_notebook_runs_in_quick_mode(monkeypatch):
    # quick mode trains with the same configuration as the CLI test above, so in one pytest
    # process the compiled training is reused (`_fit_all` is traced on its arrays)
    monkeypatch.setenv("MTJAX_NOTEBOOK_QUICK", "1")
    nb = Path(__file__).resolve().parents[1] / "notebooks" / "vowel_classifier.py"
    ns = runpy.run_path(str(nb))
    assert ns["result"]["methods"]["gradient"]["test_acc"]["mean"] > 0.3
    assert os.environ["MTJAX_NOTEBOOK_QUICK"] == "1"


def test_sequences_of_more_inputs_match_sampling(chain):
    """M = 3 sequential inputs: (N + 1)^3 configurations, the exact law equals the product of
    the per-input count laws and matches hardware draws."""
    ctrl = jnp.asarray([[-0.5e-3, -0.75e-3, -0.55e-3], [-0.4e-3, -0.5e-3, -0.6e-3],
                        [-0.45e-3, -0.6e-3, -0.5e-3]])
    inputs = jnp.asarray([0.70e-3, 0.62e-3, 0.66e-3])
    p = np.asarray(chain.sequence_probabilities(inputs, ctrl))
    assert p.shape == (64,) and p.sum() == pytest.approx(1.0, abs=1e-6)
    per = [np.asarray(chain.count_distribution(inputs[j], ctrl[j])) for j in range(3)]
    np.testing.assert_allclose(p.reshape(4, 4, 4),
                               np.einsum("i,j,k->ijk", *per), rtol=1e-6, atol=1e-9)
    n = 40_000
    draws = chain.sample_sequence(jax.random.key(5), jnp.broadcast_to(inputs, (n, 3)), ctrl)
    freq = np.bincount(np.asarray(draws), minlength=64) / n
    se = np.sqrt(p * (1 - p) / n) + 1e-4
    assert np.all(np.abs(freq - p) < 5 * se)
    with pytest.raises(ValueError, match="control must have shape"):
        chain.sequence_probabilities(inputs, ctrl[:2])


def test_sign_rule_targets_and_learning():
    """Targets put the N thresholds in the largest gaps between class means; the ±10 µA rule
    moves the control currents and raises the training accuracy from its start."""
    means = np.array([[0.0, 5.0], [1.0, 4.0], [5.0, 3.0], [6.0, 0.0]])
    t = T.target_configurations(means, 1)
    np.testing.assert_array_equal(t, [[0, 1], [0, 1], [1, 1], [1, 0]])
    import mtjax.datasets as ds

    v = ds.load_vowels()
    x, y = np.asarray(v.features, float), np.asarray(v.labels)
    tr, te = ds.talker_split(v, 0.2, 0)
    sp = T.make_split(x, tr, te, "talker", 0)
    xs = ((x - sp.mean) / sp.std).astype(np.float32)
    chain = dv.seed001_chain()
    p0 = T.init_params(chain, xs[tr], y[tr], 7, T.TrainConfig())
    p, h = T.sign_rule_train(chain, p0, xs[tr], y[tr], 7, jax.random.key(0), steps=40)
    assert h["control_mA"].shape == (40, 2, 3)
    assert np.any(np.abs(h["control_mA"][-1] - np.asarray(p0.control)) >= 0.0099)
    assert np.mean(h["train_acc"][-5:]) > h["train_acc"][0] + 0.05


def test_unvisited_table_entries_take_their_neighbours_class(chain):
    """One input, three junctions (configurations k = 0..3). Training inputs reach only k = 0
    (class 2) and k = 1 (class 5); k = 2 and k = 3 must then answer class 5 (nearest visited
    configuration), while the visited entries keep their learned classes."""
    lut = jnp.zeros((4, 7)).at[0, 2].set(3.0).at[1, 5].set(3.0)
    p = T.ChainParams(coef=jnp.ones((1, 1)), basis=jnp.ones((1, 1)), bias=jnp.zeros(1),
                      control=jnp.full((1, 3), -0.5), log_d=jnp.zeros(3), lut=lut,
                      lut_factors=jnp.zeros((1, 4, 7)))
    # input thresholds 434 / 696 / 724 µA: 0.2 mA switches none, 0.55 mA exactly junction 2
    x = jnp.asarray([[0.2], [0.2], [0.55], [0.55]])
    y = jnp.asarray([2, 2, 5, 5])
    filled = T.fill_unvisited_table(chain, p, x, y, 7)
    table = np.asarray(jnp.argmax(filled.lut, axis=-1))
    np.testing.assert_array_equal(table, [2, 5, 5, 5])
    np.testing.assert_array_equal(np.asarray(filled.lut[:2]), np.asarray(lut[:2]))


def test_additive_table_and_discriminant_basis(chain):
    """The additive table's configuration order is the hardware's: inputs far from every
    threshold switch a known number of junctions, and the sampled configuration's table entry
    is lut_factors[0, k_A] + lut_factors[1, k_B]. Training moves the factors only (the full
    table and the basis stay fixed), and the trained input coefficients stay in the span of
    the training split's discriminant directions."""
    f = jnp.asarray(np.random.default_rng(0).normal(size=(2, 4, 7)), jnp.float32)
    p = T.ChainParams(coef=jnp.eye(2), basis=jnp.eye(2), bias=jnp.zeros(2),
                      control=jnp.full((2, 3), -0.5), log_d=jnp.zeros(3),
                      lut=jnp.zeros((16, 7)), lut_factors=f)
    # input thresholds 434 / 696 / 724 µA at I_C = -500 µA: 0.1 mA switches none, 0.53 one
    # (junction 2, p = 0.997; the others < 0.003) and 1.0 all three
    levels = {0: 0.1, 1: 0.53, 3: 1.0}
    x = jnp.asarray([[levels[a], levels[b]] for a in levels for b in levels])
    pc = np.asarray(jax.vmap(lambda i: chain.sequence_probabilities(i, p.control * 1e-3))(
        x * 1e-3))
    want = [4 * a + b for a in levels for b in levels]
    np.testing.assert_array_equal(pc.argmax(axis=1), want)
    assert pc.max(axis=1).min() > 0.98
    tab = np.asarray(T.table_logits(p))
    for a in levels:
        for b in levels:
            np.testing.assert_allclose(tab[4 * a + b], np.asarray(f[0, a] + f[1, b]), rtol=1e-6)

    import mtjax.datasets as ds

    v = ds.load_vowels()
    xv, yv = np.asarray(v.features, float), np.asarray(v.labels)
    tr, te = ds.talker_split(v, 0.2, 0)
    sp = T.make_split(xv, tr, te, "talker", 0)
    xs = ((xv - sp.mean) / sp.std).astype(np.float32)
    tc = T.TrainConfig(steps=20, restarts=1)
    p0 = T.init_params(chain, xs[tr], yv[tr], 7, tc)
    assert p0.coef.shape == (2, 6) and p0.basis.shape == (6, 12)
    w = jnp.zeros(len(yv)).at[tr].set(1.0)
    p1, _ = T.train_chain(chain, p0, jnp.asarray(xs), jnp.asarray(yv), w, tc)
    np.testing.assert_array_equal(np.asarray(p1.basis), np.asarray(p0.basis))
    np.testing.assert_array_equal(np.asarray(p1.lut), 0.0)
    assert float(jnp.abs(p1.lut_factors).max()) > 0
    dirs = T.lda_directions(xs[tr], yv[tr], 7, k=6)
    wts = np.asarray(T.input_weights(p1), float)
    resid = wts - np.linalg.lstsq(dirs.T, wts.T, rcond=None)[0].T @ dirs
    assert np.abs(resid).max() < 1e-4 * np.abs(wts).max()
    assert not np.allclose(np.asarray(p1.coef), np.asarray(p0.coef))
    with pytest.raises(ValueError, match="table"):
        T.TrainConfig(table="sparse")
    with pytest.raises(ValueError, match="input_basis"):
        T.StudyConfig(input_basis="pca")


def test_ensemble_sums_the_members_table_scores(chain):
    """K parameter sets on one chain: at inputs far from every threshold each member's
    configuration is certain, so the class is the argmax of the summed table scores — here
    member A favours class 1 weakly (softmax 0.55) and member B class 2 strongly (0.9): one A
    and two B answer 2, two A and one B answer 1."""
    def member(logits_row):
        lut = jnp.zeros((16, 7)).at[4 * 3 + 0].set(jnp.asarray(logits_row))
        return T.ChainParams(coef=jnp.eye(2), basis=jnp.eye(2), bias=jnp.zeros(2),
                             control=jnp.full((2, 3), -0.5), log_d=jnp.zeros(3), lut=lut,
                             lut_factors=jnp.zeros((2, 4, 7)))

    def row(cls, prob):  # logits whose softmax puts `prob` on `cls`, the rest evenly
        other = (1 - prob) / 6
        return [np.log(prob) if c == cls else np.log(other) for c in range(7)]

    a, b = member(row(1, 0.55)), member(row(2, 0.9))
    x = jnp.asarray([[1.0, 0.1]] * 5)  # all three junctions switch for input A, none for B
    key = jax.random.key(0)

    def predict(*members):  # three members each time: one compiled shape
        stack = jax.tree_util.tree_map(lambda *q: jnp.stack(q), *members)
        return np.asarray(T.ensemble_predict(chain, stack, x, key, 3))

    np.testing.assert_array_equal(predict(a, a, a), 1)  # = each member's own table argmax
    np.testing.assert_array_equal(predict(a, b, b), 2)
    np.testing.assert_array_equal(predict(b, a, a), 1)  # 1.1 + 0.017 against 0.9 + 0.15
    with pytest.raises(ValueError, match="ensemble"):
        T.StudyConfig(restarts=2, ensemble=3)
    with pytest.raises(ValueError, match="stacked along axis 0"):
        T.ensemble_predict(chain, a, x, key)
    other = eqx.tree_at(lambda q: q.log_d, b, jnp.full(3, 0.1))
    with pytest.raises(ValueError, match="share the chain's diameters"):
        predict(a, a, other)
    with pytest.raises(ValueError, match=r"ChainParams.lut must end in shape \(16, 7\)"):
        T.ChainParams(coef=jnp.eye(2), basis=jnp.eye(2), bias=jnp.zeros(2),
                      control=jnp.full((2, 3), -0.5), log_d=jnp.zeros(3),
                      lut=jnp.zeros((9, 7)), lut_factors=jnp.zeros((2, 4, 7)))


def test_study_ensemble_shares_the_chain():
    """`vowel_study` with an ensemble (reduced: 1 split, 2 restarts x 150 steps, the CLI
    test's configuration, so the compiled training is reused): co-design members end with one
    set of diameters (one physical chain), parameter counts and pulses count every member, and
    the energy adds up over members."""
    cfg = T.StudyConfig(n_splits=1, steps=150, restarts=2, ensemble=2, refit_steps=10,
                        methods=("gradient", "codesign"), eval_repeats=2)
    r = T.vowel_study(cfg)
    g, c = r["methods"]["gradient"], r["methods"]["codesign"]
    assert g["n_params"] == 64 and c["n_params"] == 67
    assert g["input_pulses_per_classification"] == 4 and g["ensemble"] == 2
    assert len(g["restart_chosen"][0]) == 2
    split = c["per_split"][0]
    assert len(split["control_uA"]) == 2 and len(split["member_hw_test"]) == 2
    assert split["energy_pJ"] > 2 * 2 * 1.0  # 2 members x 2 pulses x >= 1 pJ
    assert g["expected_test_acc"] is None and g["test_acc"]["mean"] > 0.3
    d = np.asarray(split["member_diameter_nm"])
    np.testing.assert_array_equal(d[0], d[1])  # one chain: the members share the diameters
    assert np.abs(d[0] - 150.0).max() > 0.01  # ... and they are co-designed, not nominal
    d_g = np.asarray(g["per_split"][0]["member_diameter_nm"])
    np.testing.assert_allclose(d_g, 150.0, rtol=1e-6)


def test_train_chain_compiles_once_for_gradient_and_codesign(chain):
    """`train_chain` runs on the shared loop (`train_steps`) with `codesign` a run-time 0/1
    flag: one trace serves gradient and co-design, the diameters move only with the flag set,
    and the fields never trained (basis, the table `cfg.table` does not use) stay put."""
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(12, 2)), jnp.float32)
    y = jnp.asarray(np.arange(12) % 3)
    w = jnp.ones(12)
    p0 = T.ChainParams(coef=0.15 * jnp.eye(2), basis=jnp.eye(2), bias=jnp.full(2, 0.6),
                       control=jnp.full((2, 3), -0.5), log_d=jnp.zeros(3),
                       lut=jnp.zeros((16, 3)), lut_factors=jnp.zeros((2, 4, 3)))
    tc = T.TrainConfig(steps=5)

    @eqx.filter_jit
    @eqx.debug.assert_max_traces(max_traces=1)
    def run(p, flag):
        return T.train_chain(chain, p, x, y, w, tc, codesign=flag)

    (pg, hg), (pc, _) = run(p0, jnp.asarray(0.0)), run(p0, jnp.asarray(1.0))
    assert set(hg) == {"loss", "ce", "mean_abs_control_mA", "control_mA", "train_acc"}
    assert hg["control_mA"].shape == (5, 2, 3) and hg["loss"].shape == (5,)
    np.testing.assert_array_equal(np.asarray(pg.log_d), 0.0)
    assert float(jnp.abs(pc.log_d).max()) > 0
    for p in (pg, pc):
        np.testing.assert_array_equal(np.asarray(p.basis), np.eye(2))
        np.testing.assert_array_equal(np.asarray(p.lut), 0.0)
        assert not np.allclose(np.asarray(p.control), -0.5)


def test_mlp_baselines_are_equinox_mlps():
    """The baselines are `equinox.nn.MLP`s with the seed's 27 and 47 parameters, trained by
    the shared loop (history of loss and accuracies per step)."""
    rng = np.random.default_rng(1)
    x = jnp.asarray(rng.normal(size=(14, 12)), jnp.float32)
    y = jnp.asarray(np.arange(14) % 7)
    for hidden, n in ((1, 27), (2, 47)):
        m, h = T.train_mlp(jax.random.key(0), x, y, jnp.ones(14), hidden, 7, steps=3,
                           w_test=jnp.ones(14))
        assert isinstance(m, eqx.nn.MLP)
        leaves = jax.tree_util.tree_leaves(eqx.filter(m, eqx.is_inexact_array))
        assert sum(a.size for a in leaves) == n  # (12 + 1) h + (h + 1) 7
        assert h["train_acc"].shape == h["test_acc"].shape == h["loss"].shape == (3,)
