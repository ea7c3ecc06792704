"""Multi-level devices of seeds 000 and 002: linear-R(V) junctions, series chains, parallel SOT
cells, weight levels and variability.

References the code did not compute: PHYSICS.md §4.1's worked 3-MTJ staircase (writes 1.320,
1.551, 1.778 V; reads 2690/3546/4418/5300 Ohm at 0.1 V; single-shot erase at -1.201 V, found
there on a voltage grid); an independent brute-force quasi-static sweep written here in NumPy
(bisection for the current, 0.1 mV voltage steps, flip the largest overdrive); the parallel
resistor formula; seed 002's TMR anchors (33 / 40 / 78 %) and critical voltages (0.7 -> 2.0 V);
central finite differences for every gradient.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import mtjax
from mtjax import devices as dv
from mtjax import physics as ph
from mtjax import training as T

NM = 1e-9
PLACEHOLDER_3 = dict(b0=900.0, a0=100.0, b1=1800.0, a1=1000.0, c_p=[0.44, 0.46, 0.48],
                     c_n=[-0.40, -0.42, -0.44])


def _chain3():
    p = {k: jnp.asarray(v, jnp.float64) for k, v in PLACEHOLDER_3.items()}
    return dv.SeriesChain(dv.LinearRVMTJ(**p))


# -- an independent reference: brute-force quasi-static sweep -----------------------------------


def _bisect_currents(v, b, a):
    """I with sum I b/(1 + a|I|) = v for every v of an array, by bisection (no Newton, no
    closed forms); b, a per junction."""
    av = np.abs(v)[:, None]
    lo, hi = np.zeros_like(av), av / np.min(b) * 10 + 1e-3
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        low = np.sum(mid * b / (1 + a * mid), axis=1, keepdims=True) < av
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    return np.sign(v) * 0.5 * (lo + hi)[:, 0]


def _brute_sweep(p, voltages, states):
    """Seed-000 switching rule on a voltage path: at each V flip the junction with the largest
    overdrive and re-solve until none qualifies. Returns the final states and the (V, junction)
    of each flip."""
    b0, a0, b1, a1 = (np.asarray(p[k], float) for k in ("b0", "a0", "b1", "a1"))
    c_p, c_n = np.asarray(p["c_p"], float), np.asarray(p["c_n"], float)
    states = np.array(states, bool)
    voltages = np.asarray(voltages, float)
    flips, start = [], 0
    while start < len(voltages):
        b = np.where(states, b1, b0) * np.ones_like(c_p)
        a = np.where(states, a1, a0) * np.ones_like(c_p)
        v = voltages[start:]
        i = _bisect_currents(v, b, a)
        vj = i[:, None] * b / (1 + a * np.abs(i[:, None]))
        over = np.where(~states, vj - c_p, c_n - vj)
        hit = np.nonzero(np.max(over, axis=1) >= 0)[0]
        if hit.size == 0:
            break
        k = hit[0]
        j = int(np.argmax(over[k]))
        states[j] = ~states[j]
        flips.append((v[k], j))
        start += k  # re-solve at the same voltage with the new states
    return states, flips


def test_three_mtj_staircase_matches_spec_and_brute_force():
    with mtjax.x64():
        chain = _chain3()
        writes = np.asarray(chain.write_voltages())
        erases = np.asarray(chain.erase_voltages())
        levels = np.asarray(chain.levels(0.1))
    # PHYSICS.md §4.1 (found on a grid: within 2 mV)
    np.testing.assert_allclose(writes, [1.320, 1.551, 1.778], atol=2e-3)
    np.testing.assert_allclose(levels, [2690, 3546, 4418, 5300], atol=1.0)
    np.testing.assert_allclose(erases, [-1.201] * 3, atol=2e-3)
    assert erases[0] == erases[1] == erases[2]  # single-shot avalanche
    # independent brute force on a 0.1 mV grid: the same flips at the same voltages
    grid = np.arange(0, 2.0, 1e-4)
    top, flips = _brute_sweep(PLACEHOLDER_3, grid, [False] * 3)
    assert top.all() and [j for _, j in flips] == [0, 1, 2]
    np.testing.assert_allclose([v for v, _ in flips], writes, atol=1.1e-4)
    bottom, flips = _brute_sweep(PLACEHOLDER_3, -grid, top)
    assert not bottom.any()
    np.testing.assert_allclose([v for v, _ in flips], erases, atol=1.1e-4)
    # 4 distinct levels, increasing
    assert np.all(np.diff(levels) > 800)


def test_seven_mtj_chain_has_eight_levels_and_loop():
    with mtjax.x64():
        chain = dv.SeriesChain.uniform(7)
        levels = np.asarray(chain.levels())
        writes = np.asarray(chain.write_voltages())
        loop = chain.loop(4.5, 301)
    assert levels.shape == (8,) and np.all(np.diff(levels) > 800)
    assert np.all(np.diff(writes) > 0.1)  # a staircase, one flip per step
    assert writes[0] == pytest.approx(7 * 0.46, rel=1e-12)  # the seed's "about 3.25 V"
    # the loop visits every level going up and comes back to 0 in one erase step
    lv = np.asarray(loop["level"])
    assert set(lv.tolist()) == set(range(8))
    assert lv[-1] == 0 and np.max(lv) == 7
    np.testing.assert_allclose(np.asarray(loop["r"])[0], levels[0] + 0 * 7, rtol=0.02)


def test_spread_preserves_level_order_and_write_spread_grows():
    with mtjax.x64():
        key = jax.random.key(0)
        nominal = dv.LinearRVMTJ(**dv.SEED000_PLACEHOLDER)
        stds = {}
        for n in (3, 7):
            pop = dv.sample_devices(nominal, dv.SEED000_PLACEHOLDER_SPREAD, key, (400, n))
            chains = dv.SeriesChain(pop)
            w = np.asarray(eqx.filter_vmap(lambda c: c.write_voltages())(chains))
            lv = np.asarray(eqx.filter_vmap(lambda c: c.levels())(chains))
            assert np.all(np.diff(lv.mean(axis=0)) > 0)  # mean level order preserved
            assert np.all(np.diff(lv, axis=1) > 0)  # and in every sampled chain
            stds[n] = w.std(axis=0)
        # longer chains: more junction voltages add up in every write (seed 000 Fig. 3d)
        assert stds[7].mean() > 1.2 * stds[3].mean(), stds
        assert stds[7][-1] > stds[3][-1]
        # spread 0: every sample is the nominal chain
        pop0 = dv.sample_devices(nominal, {"c_p": 0.0}, key, (5, 3))
        w0 = np.asarray(eqx.filter_vmap(lambda c: c.write_voltages())(dv.SeriesChain(pop0)))
        np.testing.assert_allclose(w0, np.broadcast_to(w0[0], w0.shape), rtol=1e-14)


def test_chain_current_implicit_gradient_matches_fd():
    with mtjax.x64():
        b = jnp.array([900.0, 1800.0, 950.0])
        a = jnp.array([100.0, 1000.0, 120.0])

        def f(v, b, a):
            return dv.series_current(v, b, a)

        v0 = 1.3
        i0 = float(f(v0, b, a))
        # the root
        assert float(jnp.sum(i0 * b / (1 + a * abs(i0)))) == pytest.approx(v0, rel=1e-12)
        gv, gb, ga = jax.grad(f, argnums=(0, 1, 2))(v0, b, a)
        h = 1e-6
        fd_v = (f(v0 + h, b, a) - f(v0 - h, b, a)) / (2 * h)
        assert float(gv) == pytest.approx(float(fd_v), rel=1e-6)
        for k in range(3):
            e = jnp.zeros(3).at[k].set(1.0)
            fd_b = (f(v0, b + h * 1e3 * e, a) - f(v0, b - h * 1e3 * e, a)) / (2 * h * 1e3)
            fd_a = (f(v0, b, a + h * 1e3 * e) - f(v0, b, a - h * 1e3 * e)) / (2 * h * 1e3)
            assert float(gb[k]) == pytest.approx(float(fd_b), rel=1e-6)
            assert float(ga[k]) == pytest.approx(float(fd_a), rel=1e-6)
        # negative bias: odd in V; vmap and jit compose
        vs = jnp.linspace(-2.0, 2.0, 9)
        cur = jax.jit(jax.vmap(lambda v: f(v, b, a)))(vs)
        np.testing.assert_allclose(np.asarray(cur), -np.asarray(cur)[::-1], rtol=1e-12)
        g = jax.vmap(jax.grad(lambda v: f(v, b, a)))(vs)
        assert np.all(np.asarray(g) > 0)


def test_chain_write_voltages_and_levels_gradients_match_fd():
    with mtjax.x64():
        def writes(b1, c_p):
            mtj = dv.LinearRVMTJ(900.0, 100.0, b1, 1000.0, c_p, jnp.array([-0.4, -0.42, -0.44]))
            return dv.SeriesChain(mtj).write_voltages()

        def levels(b0, a1):
            mtj = dv.LinearRVMTJ(b0, 100.0, 1800.0, a1, jnp.array([0.44, 0.46, 0.48]), -0.42)
            return dv.SeriesChain(mtj).levels(0.1)

        c_p = jnp.array([0.44, 0.46, 0.48])
        jw = jax.jacobian(writes, argnums=(0, 1))(1800.0, c_p)
        h = 1e-4
        fd_b1 = (writes(1800.0 + h, c_p) - writes(1800.0 - h, c_p)) / (2 * h)
        np.testing.assert_allclose(np.asarray(jw[0]), np.asarray(fd_b1), rtol=1e-6)
        for k in range(3):
            e = jnp.zeros(3).at[k].set(1e-6)
            fd = (writes(1800.0, c_p + e) - writes(1800.0, c_p - e)) / 2e-6
            np.testing.assert_allclose(np.asarray(jw[1][:, k]), np.asarray(fd), rtol=1e-6,
                                       atol=1e-9)
        jl = jax.jacobian(levels, argnums=(0, 1))(900.0, 1000.0)
        fd_b0 = (levels(900.0 + h, 1000.0) - levels(900.0 - h, 1000.0)) / (2 * h)
        fd_a1 = (levels(900.0, 1000.0 + h) - levels(900.0, 1000.0 - h)) / (2 * h)
        np.testing.assert_allclose(np.asarray(jl[0]), np.asarray(fd_b0), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(jl[1]), np.asarray(fd_a1), rtol=1e-6, atol=1e-9)


def test_thresholds_from_macrospin_critical_current():
    """c_P is the voltage the P junction itself carries at the §2.1 macrospin I_c0."""
    from _presets_for_tests import pmtj_a

    with mtjax.x64():
        layer = pmtj_a()
        stt = ph.SpinTransferTorque((0.0, 0.0, 1.0), 0.6)  # constant eta
        mtj = dv.LinearRVMTJ.from_macrospin(layer, stt, b0=900.0, a0=100.0, b1=1800.0,
                                            a1=1000.0)
        ic0 = 131.3e-6  # PHYSICS.md §6: pMTJ-STT Ic0 = 131 uA
        assert float(mtj.c_p) == pytest.approx(ic0 * 900 / (1 + 100 * ic0), rel=1e-3)
        assert float(mtj.c_n) == pytest.approx(-ic0 * 1800 / (1 + 1000 * ic0), rel=1e-3)
        i_p, i_n = mtj.threshold_currents()
        assert float(i_p) == pytest.approx(ic0, rel=1e-3)
        assert float(i_n) == pytest.approx(ic0, rel=1e-3)

        # d c_P / d thickness through the layer (Ic0 ~ volume * hk_eff)
        def cp(t):
            lay = ph.FreeLayer.disk(ms=layer.ms, thickness=t, diameter=100e-9,
                                    alpha=layer.alpha, k_u=layer.k_u)
            return dv.LinearRVMTJ.from_macrospin(lay, stt, b0=900.0, a0=100.0, b1=1800.0,
                                                 a1=1000.0).c_p

        g = float(jax.grad(cp)(1.5e-9))
        fd = float((cp(1.5e-9 + 1e-13) - cp(1.5e-9 - 1e-13)) / 2e-13)
        assert g == pytest.approx(fd, rel=1e-5)


def test_program_array_in_n_plus_one_cycles():
    with mtjax.x64():
        n, m = 4, 300
        nominal = dv.LinearRVMTJ(**dv.SEED000_PLACEHOLDER)
        key = jax.random.key(1)
        targets = jax.random.randint(jax.random.key(2), (m,), 0, n + 1)
        # without spread every chain lands on its target
        chains0 = dv.SeriesChain(dv.sample_devices(nominal, {}, key, (m, n)))
        v_prog = dv.nominal_write_voltages(chains0)
        assert v_prog.shape == (n,)
        got = dv.program_array(chains0, targets, v_prog)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(targets))
        # with the placeholder spread some miss, by at most one level, and more for more spread
        errs = []
        for scale in (1.0, 2.0):
            spread = {k: v * scale for k, v in dv.SEED000_PLACEHOLDER_SPREAD.items()}
            chains = dv.SeriesChain(dv.sample_devices(nominal, spread, key, (m, n)))
            got = np.asarray(dv.program_array(chains, targets, dv.nominal_write_voltages(chains)))
            miss = got != np.asarray(targets)
            errs.append(miss.mean())
            assert np.all(np.abs(got - np.asarray(targets)) <= 2)
        assert 0 <= errs[0] < errs[1]


def test_parallel_cell_levels_and_critical_voltage():
    with mtjax.x64():
        for n in (1, 2, 3):
            cell = dv.ParallelSOTCell.from_thickness(1.9 * NM, n)
            g = np.asarray(cell.levels())
            r_p, r_ap = float(cell.r_p[0]), float(cell.r_ap[0])
            # parallel-resistor formula, k cells switched to P (the lowest-threshold first)
            ref = [(n - k) / r_ap + k / r_p for k in range(n + 1)]
            np.testing.assert_allclose(g, ref, rtol=1e-12)
            assert len(np.unique(np.round(g, 12))) == n + 1
        # critical voltage rises with thickness across 1.6 -> 2.6 nm inside the seed's band
        ts = np.linspace(1.6, 2.6, 11) * NM
        vc = np.array([float(dv.ParallelSOTCell.from_thickness(t, 1, cell_spread=0.0)
                             .critical_voltages()[0]) for t in ts])
        assert np.all(np.diff(vc) > 0)
        assert vc[0] == pytest.approx(0.7, abs=0.01) and vc[-1] == pytest.approx(2.0, abs=0.01)
        # the 3-cell device needs 20-30 % more (seed) through the longer channel
        v3 = float(jnp.median(dv.ParallelSOTCell.from_thickness(1.6 * NM, 3).critical_voltages()))
        assert 1.2 <= v3 / vc[0] <= 1.3
        # PHYSICS.md §2.6: (alpha/theta)_eff = 0.173 at 300 Ohm total, 0.043 at 1200 Ohm
        assert float(dv.calibrated_alpha_over_theta(0.0)) == pytest.approx(0.173, rel=0.01)
        assert float(dv.calibrated_alpha_over_theta(900.0)) == pytest.approx(0.043, rel=0.01)
        # consecutive level ratios: what a parallel model gives (not the seed's ">= 21 %")
        r = np.asarray(dv.ParallelSOTCell.from_thickness(1.6 * NM, 3).consecutive_ratios())
        np.testing.assert_allclose(r, [1.11, 1.099, 1.090], atol=2e-3)


def test_parallel_cell_loop_and_breakdown():
    cell = dv.ParallelSOTCell.from_thickness(1.7 * NM, 3)
    loop = cell.loop(1.5, 151)
    lv = np.asarray(loop["level"])
    assert set(lv.tolist()) == {0, 1, 2, 3}
    assert lv[-1] == 0  # the positive leg writes every cell back to AP
    with pytest.raises(ValueError, match="breakdown"):
        cell.write(-2.5, jnp.ones(3, bool))
    with pytest.raises(ValueError, match="breakdown"):
        cell.loop(2.5)
    with pytest.raises(Exception, match="breakdown"):
        jax.jit(lambda v: cell.write(v, jnp.ones(3, bool)))(-2.5)
    ok = jax.jit(lambda v: cell.write(v, jnp.ones(3, bool)))(-1.5)
    assert not bool(jnp.any(ok))


def test_tmr_vs_thickness_anchors_and_smoothness():
    for t, tmr in ((1.6, 0.33), (1.9, 0.40), (2.6, 0.78)):
        assert float(ph.tmr_vs_thickness(t * NM)) == pytest.approx(tmr, abs=0.01)
    ts = jnp.linspace(1.6, 2.6, 101) * NM
    g = jax.vmap(jax.grad(ph.tmr_vs_thickness))(ts[1:-1])
    assert bool(jnp.all(jnp.isfinite(g))) and bool(jnp.all(g > 0))
    # "33-40 % below 1.9 nm"
    low = np.asarray(ph.tmr_vs_thickness(ts[ts <= 1.9 * NM]))
    assert low.min() >= 0.33 - 0.01 and low.max() <= 0.40 + 0.01


def test_weight_level_gradients_match_fd():
    with mtjax.x64():
        def w_levels(t_f, r_series):
            cell = dv.ParallelSOTCell.from_thickness(t_f, 3, r_series=r_series)
            return dv.normalised_weight_levels(cell.levels())

        def w_tmr(tmr, r_p):
            cell = dv.ParallelSOTCell(r_p=r_p, tmr=tmr, i_c=jnp.array([1e-3, 1.1e-3]),
                                      r_channel=400.0, r_series=900.0, v_breakdown=2.0)
            return dv.differential_weight_levels(cell.levels())

        jt = jax.jacobian(w_levels, argnums=(0, 1))(1.9 * NM, 900.0)
        h = 1e-13
        fd = (w_levels(1.9 * NM + h, 900.0) - w_levels(1.9 * NM - h, 900.0)) / (2 * h)
        np.testing.assert_allclose(np.asarray(jt[0]), np.asarray(fd), rtol=1e-5, atol=1e-3)
        assert float(jnp.max(jnp.abs(jt[0]))) > 1e6  # thickness matters (through the TMR)
        jr = jax.jacobian(w_tmr, argnums=(0, 1))(0.5, 25e3)
        fd_t = (w_tmr(0.5 + 1e-6, 25e3) - w_tmr(0.5 - 1e-6, 25e3)) / 2e-6
        np.testing.assert_allclose(np.asarray(jr[0]), np.asarray(fd_t), rtol=1e-6, atol=1e-10)
        # normalised levels do not depend on the overall resistance scale; differential ones
        # neither (both are ratios): gradient 0 w.r.t. R_P
        np.testing.assert_allclose(np.asarray(jr[1]), 0.0, atol=1e-12)


def test_weights_differential_output_and_quantise():
    g_levels = jnp.array([1 / 5300, 1 / 4418, 1 / 3546, 1 / 2690])
    v_in = jnp.array([0.2, -0.1, 0.05])
    gp = g_levels[jnp.array([3, 0, 1])]
    gn = g_levels[jnp.array([0, 0, 2])]
    vd = dv.differential_output(v_in, gp, gn, g_levels[0], g_levels[-1])
    g_sum = 3 * 0.5 * (g_levels[0] + g_levels[-1])
    expected = -(0.2 * (gp[0] - gn[0]) + 0.0 + 0.05 * (gp[2] - gn[2])) / g_sum
    assert float(vd) == pytest.approx(float(expected), rel=1e-6)
    lv = dv.differential_weight_levels(g_levels)
    assert lv.shape == (16,)
    assert len(np.unique(np.round(np.asarray(lv), 6))) == 13  # 0, +-6 distinct differences
    q = T.quantise(jnp.array([0.1, -0.8, 2.0]), jnp.array([-1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(np.asarray(q), [0.0, -1.0, 1.0])
    g = jax.grad(lambda w: jnp.sum(T.quantise(w, jnp.array([-1.0, 0.0, 1.0])) * 3.0))(
        jnp.array([0.1, 0.7]))
    np.testing.assert_array_equal(np.asarray(g), [3.0, 3.0])  # straight-through


def test_sample_devices_reparameterised_and_write_noise():
    with mtjax.x64():
        nominal = dv.LinearRVMTJ(**dv.SEED000_PLACEHOLDER)
        pop = dv.sample_devices(nominal, {"c_p": 0.02, "b1": (0.03, "relative")},
                                jax.random.key(3), (20000,))
        assert pop.c_p.shape == (20000,) and pop.b0.shape == (20000,)
        assert float(jnp.std(pop.c_p)) == pytest.approx(0.02, rel=0.03)
        assert float(jnp.std(pop.b1) / 1800) == pytest.approx(0.03, rel=0.03)
        assert float(jnp.mean(pop.c_p)) == pytest.approx(0.46, abs=4e-4)

        # gradients flow to the nominal value and to sigma
        def mean_cp(mu, sigma):
            nom = dv.LinearRVMTJ(900.0, 100.0, 1800.0, 1000.0, mu, -0.42)
            return jnp.mean(dv.sample_devices(nom, {"c_p": sigma}, jax.random.key(4), 50).c_p)

        gmu, gsig = jax.grad(mean_cp, argnums=(0, 1))(0.46, 0.02)
        assert float(gmu) == pytest.approx(1.0, rel=1e-12)
        z = jax.random.normal(jax.random.fold_in(jax.random.key(4), 4), (50,), jnp.float64)
        assert float(gsig) == pytest.approx(float(jnp.mean(z)), rel=1e-10)
        # unphysical draws and bad names are refused
        with pytest.raises(ValueError, match="opposite sign"):
            dv.sample_devices(nominal, {"c_p": 1.0}, jax.random.key(0), 1000)
        with pytest.raises(ValueError, match="unknown field 'cp'"):
            dv.sample_devices(nominal, {"cp": 0.1}, jax.random.key(0), 10)
        with pytest.raises(ValueError, match="std"):
            dv.Spread(-0.1)
        # cycle-to-cycle write noise (seed 003: 2.53 uS on ~1 mS)
        g = jnp.full((20000,), 1e-3)
        noisy = dv.write_noise(jax.random.key(5), g, 2.53e-6)
        assert float(jnp.std(noisy)) == pytest.approx(2.53e-6, rel=0.03)
        assert float(jnp.mean(noisy)) == pytest.approx(1e-3, abs=1e-7)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="n .* >= 1"):
        dv.SeriesChain.uniform(0)
    with pytest.raises(ValueError, match="N >= 1"):
        dv.SeriesChain(dv.LinearRVMTJ(**{k: jnp.zeros((0,)) + v
                                         for k, v in dv.SEED000_PLACEHOLDER.items()}))
    with pytest.raises(ValueError, match="tmr"):
        dv.ParallelSOTCell(r_p=25e3, tmr=0.0, i_c=1e-3, r_channel=300.0, r_series=0.0,
                           v_breakdown=2.0)
    with pytest.raises(ValueError, match="n .* >= 1"):
        dv.ParallelSOTCell.from_thickness(1.9 * NM, 0)
    with pytest.raises(ValueError, match="b1"):
        dv.LinearRVMTJ(900.0, 100.0, 800.0, 1000.0, 0.46, -0.42)
    with pytest.raises(ValueError, match="c_n"):
        dv.LinearRVMTJ(900.0, 100.0, 1800.0, 1000.0, 0.46, 0.42)
    with pytest.raises(ValueError, match="c_p"):
        dv.LinearRVMTJ(900.0, 100.0, 1800.0, 1000.0, -0.46, -0.42)
    with pytest.raises(ValueError, match="t_f"):
        dv.ParallelSOTCell.from_thickness(16.0, 1)  # nm given where m is expected
    with mtjax.x64():
        chains = dv.SeriesChain(dv.sample_devices(dv.LinearRVMTJ(**dv.SEED000_PLACEHOLDER), {},
                                                  jax.random.key(0), (2, 3)))
        with pytest.raises(ValueError, match="breakdown"):
            dv.program_array(chains, jnp.array([3, 1]), jnp.array([1.3, 1.6, 8.0]))
        with pytest.raises(ValueError, match="targets"):
            dv.program_array(chains, jnp.array([4, 1]), jnp.array([1.3, 1.6, 1.9]))
        with pytest.raises(ValueError, match="write_voltages"):
            dv.program_array(chains, jnp.array([1, 1]), jnp.array([1.3, 1.6]))


def test_series_current_beyond_the_model_limit_is_an_error():
    with mtjax.x64():
        b, a = jnp.array([1800.0, 1800.0]), jnp.array([1000.0, 1000.0])
        assert float(dv.series_current(3.5, b, a)) > 0  # below sum b/a = 3.6 V
        with pytest.raises(Exception, match="sum of b/a"):
            dv.series_current(3.7, b, a)


def test_transport_angle_bias_area():
    with mtjax.x64():
        r_p, r_ap = 1100.0, 2420.0  # seed 001: R_P = 1100 Ohm, TMR 120 %
        assert float(ph.angular_resistance(1.0, r_p, r_ap)) == pytest.approx(r_p, rel=1e-14)
        assert float(ph.angular_resistance(-1.0, r_p, r_ap)) == pytest.approx(r_ap, rel=1e-14)
        # 90 degrees: the conductances average (not the resistances)
        assert float(ph.angular_resistance(0.0, r_p, r_ap)) == pytest.approx(
            2 / (1 / r_p + 1 / r_ap), rel=1e-14)
        g = jax.grad(ph.angular_resistance)(0.3, r_p, r_ap)
        fd = (ph.angular_resistance(0.3 + 1e-6, r_p, r_ap)
              - ph.angular_resistance(0.3 - 1e-6, r_p, r_ap)) / 2e-6
        assert float(g) == pytest.approx(float(fd), rel=1e-7)
        # bias: the TMR halves at V = V_h; PHYSICS.md §4.2: R_AP = 1874 Ohm at 0.42 V and
        # 1368 Ohm at 0.99 V with V_h = 0.5 V
        r_half = ph.junction_resistance(-1.0, 0.5, r_p, 1.2, 0.5)
        assert float(r_half) == pytest.approx(r_p * 1.6, rel=1e-14)
        assert float(ph.junction_resistance(-1.0, 0.42, r_p, 1.2, 0.5)) == pytest.approx(
            1874, abs=1.0)
        assert float(ph.junction_resistance(-1.0, 0.99, r_p, 1.2, 0.5)) == pytest.approx(
            1368, abs=1.0)
        # area: seed 002's R_P = 25.2 kOhm over a 250 x 500 nm ellipse -> RA = 2.47 kOhm um^2
        area = np.pi * 0.125e-6 * 0.25e-6
        assert float(ph.resistance_from_ra(2.474e-9, area)) == pytest.approx(25.2e3, rel=1e-3)
        assert float(ph.tmr_from_resistances(25.2e3, 33.8e3)) == pytest.approx(0.341, abs=1e-3)
        with pytest.raises(ValueError, match="cos_theta"):
            ph.angular_resistance(1.5, r_p, r_ap)
        with pytest.raises(ValueError, match="tmr0"):
            ph.junction_resistance(1.0, 0.1, r_p, 0.0, 0.5)


def test_device_weight_levels_of_both_devices():
    with mtjax.x64():
        chain = dv.SeriesChain.uniform(3)
        w = dv.device_weight_levels(chain, "differential")
        g = 1 / np.asarray(chain.levels(0.1))
        g_bar = 0.5 * (g.min() + g.max())
        np.testing.assert_allclose(np.asarray(w).max(), (g.max() - g.min()) / g_bar, rtol=1e-12)

        def top_level(t_f):  # the smallest non-zero normalised level: G_AP-all / G_P-all
            cell = dv.ParallelSOTCell.from_thickness(t_f, 2)
            return dv.device_weight_levels(cell)[3]

        t = 2.2 * NM
        expected = float(1 / (1 + ph.tmr_vs_thickness(t)))  # all-AP / all-P conductance
        assert float(top_level(t)) == pytest.approx(expected, rel=1e-12)
        gr = float(jax.grad(top_level)(t))
        fd = float((top_level(t + 1e-13) - top_level(t - 1e-13)) / 2e-13)
        assert gr == pytest.approx(fd, rel=1e-5) and gr < 0  # thicker: more TMR, lower level
        with pytest.raises(ValueError, match="readout must be one of"):
            dv.device_weight_levels(chain, "linear")
        with pytest.raises(ValueError, match="AbstractSynapse"):
            dv.device_weight_levels(dv.LinearRVMTJ(**dv.SEED000_PLACEHOLDER))
