"""Conformance of every synapse and of the training layer: jit, vmap(grad), grad(vmap),
gradients against central finite differences (float64), dtypes kept (float32 in, float32 out),
a training step that compiles once, and runtime-checked jaxtyping annotations."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import mtjax
from mtjax import devices as dv
from mtjax import training as T


def _series(b1):  # junction AP resistance parameter b1 (Ohm)
    return dv.SeriesChain.uniform(3, b1=b1)


def _sot(t_f):  # free-layer thickness (m)
    return dv.ParallelSOTCell.from_thickness(t_f, 3)


_DW, _ = dv.dw_preset("straight", calibrate=False)


def _dw(r_max):  # AP resistance of the DW-MTJ read-out (Ohm)
    return dv.DWMTJ(_DW.wall, (_DW.x_a, _DW.x_b), _DW.r_min, r_max, _DW.start)


SYNAPSES = {  # name: (constructor of one physical field, nominal value, second value, FD step)
    "SeriesChain": (_series, 1800.0, 2000.0, 1e-3),
    "ParallelSOTCell": (_sot, 1.9e-9, 2.2e-9, 1e-14),
    "DWMTJ": (_dw, float(_DW.r_max), float(_DW.r_max) * 1.1, 1e-4),
}


@pytest.mark.parametrize("name", sorted(SYNAPSES))
def test_synapse_jit_vmap_grad_fd_and_dtype(name):
    make, p0, p1, h = SYNAPSES[name]

    def levels(p):
        return make(p).conductance_levels()

    def total(p):  # a scalar with every level in it
        g = levels(p)
        return jnp.sum(g * jnp.arange(1, g.shape[0] + 1)) / jnp.sum(g)

    p32 = jnp.asarray(p0, jnp.float32)
    g_eager = levels(p32)
    assert g_eager.dtype == jnp.float32 and g_eager.ndim == 1
    np.testing.assert_allclose(np.asarray(jax.jit(levels)(p32)), np.asarray(g_eager), rtol=1e-5)
    assert jax.grad(total)(p32).dtype == jnp.float32
    ps = jnp.asarray([p0, p1], jnp.float32)
    vg = jax.vmap(jax.grad(total))(ps)
    gv = jax.grad(lambda q: jnp.sum(jax.vmap(total)(q)))(ps)
    np.testing.assert_allclose(np.asarray(vg), np.asarray(gv), rtol=1e-5)
    assert np.all(np.isfinite(np.asarray(vg))) and np.any(np.asarray(vg) != 0)
    with mtjax.x64():
        for p in (p0, p1):
            p64 = jnp.asarray(p, jnp.float64)
            g = float(jax.jit(jax.grad(total))(p64))
            fd = float((total(p64 + h) - total(p64 - h)) / (2 * h))
            assert g == pytest.approx(fd, rel=1e-5, abs=1e-12 * abs(fd) + 1e-30), (name, p)


def test_readouts_keep_float32_and_grad_through_realise():
    g = _sot(jnp.asarray(1.9e-9, jnp.float32)).conductance_levels()
    for ro in (dv.NormalisedReadout(), dv.DifferentialPair(), dv.BinaryReadout()):
        lv = ro.weight_levels(g)
        assert lv.dtype == jnp.float32
        k = jnp.zeros((5,), jnp.int32)
        dev = jnp.broadcast_to(g, (5, ro.n_devices, g.shape[0]))
        out = jax.grad(lambda d, r=ro, kk=k: jnp.sum(r.realise(kk, d, g)))(dev)
        assert out.dtype == jnp.float32 and np.any(np.asarray(out) != 0)


def test_a_training_step_compiles_once():
    net = T.DeviceNetwork(T.SOTCellDesign(1.9e-9, 2),
                          T.DeviceMLP((6, 5, 3), key=jax.random.key(0)), dv.NormalisedReadout())

    def loss(model, batch, key):
        x, y = batch
        logits = jax.vmap(model)(x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), {}

    opt = optax.adam(1e-2)
    spec = T.trainable(net, design=True)
    step = eqx.filter_jit(eqx.debug.assert_max_traces(T.make_step(loss, opt, spec),
                                                      max_traces=1))
    state = T.init_state(net, opt, spec)
    key = jax.random.key(1)
    for _ in range(3):
        kx, key = jax.random.split(key)
        batch = (jax.random.normal(kx, (8, 6)), jnp.arange(8) % 3)
        net, state, value, _ = step(net, state, batch, kx)
        assert value.dtype == jnp.float32 and np.isfinite(float(value))
    assert net.network.layers[0].weight.dtype == jnp.float32


def test_annotations_hold_at_run_time_under_jaxtyping_and_beartype():
    """The training layer's and synapse interface's jaxtyping annotations, checked by beartype
    on every call (jaxtyping's import hook, in a fresh interpreter so the hook sees the
    imports; the physics annotations are resolved by tests/test_annotations.py)."""
    pytest.importorskip("beartype")
    code = textwrap.dedent("""
        from jaxtyping import install_import_hook
        new = ["mtjax.training", "mtjax.tasks", "mtjax.devices._base",
               "mtjax.devices._readout", "mtjax.devices._parallel"]
        with install_import_hook(new, "beartype.beartype"):
            import mtjax.training as T
            import mtjax.devices as dv
            import mtjax.tasks.kumar2024 as K
        import jax, jax.numpy as jnp, optax
        cell = dv.ParallelSOTCell.from_thickness(1.9e-9, 3)
        for ro in (dv.NormalisedReadout(), dv.DifferentialPair(), dv.BinaryReadout()):
            lv = ro.weight_levels(cell.conductance_levels())
            ro.realise(jnp.zeros((2, 3), jnp.int32),
                       jnp.broadcast_to(cell.conductance_levels(), (2, 3, ro.n_devices, 4)),
                       cell.conductance_levels())
        lv = dv.NormalisedReadout().weight_levels(cell.conductance_levels())
        w = jax.random.normal(jax.random.key(0), (4, 6))
        T.quantise(w, lv); T.soft_quantise(w, lv, 0.1); T.nearest_level(w, lv)
        T.stochastic_round(w, lv, key=jax.random.key(1)); T.sign_ste(w)
        mlp = T.calibrate_scales(T.DeviceMLP((6, 4, 3), key=jax.random.key(2)), lv)
        mlp(jnp.ones(6), lv)
        net = T.DeviceNetwork(T.SOTCellDesign(1.9e-9, 3), mlp, dv.NormalisedReadout())
        def loss(m, batch, key):
            x, y = batch
            lg = jax.vmap(m)(x)
            return optax.softmax_cross_entropy_with_integer_labels(lg, y).mean(), {}
        x, y = jax.random.normal(jax.random.key(3), (16, 6)), jnp.arange(16) % 3
        T.fit(net, loss, (x, y), optimiser=optax.adam(1e-2), key=jax.random.key(4),
              batch_size=8, filter_spec=T.trainable(net), progress=False)
        T.program_weights(mlp.layers[0].weight, mlp.layers[0].scale, cell,
                          dv.NormalisedReadout(), key=jax.random.key(5),
                          spread={"tmr": (0.05, "relative")}, write_sigma=0.01)
        K.tmr_levels(1.0, 4); K.cell_levels(2.0e-9, 2)
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]
