r"""Seed 002 end to end: 784-128-10 networks on compound SOT-MTJ synapses.

Kumar et al., "Bimodal alteration of cognitive accuracy for spintronic artificial neural
networks", Nanoscale Horiz. 9, 1522 (2024), DOI 10.1039/d4nh00097h.

**The seed's protocol** (its "Simulations" section): a 784-128-10 network with sigmoid hidden
units, trained in full precision with Adam on the sparse categorical cross-entropy for 40 epochs;
then every weight, of either sign, is replaced by the nearest normalised conductance state of the
n-cell compound MTJ (n + 1 states, $\pm G_k/G_\mathrm{max}$, `NormalisedReadout`). Reported:
91.7 % (MNIST) and 77.4 % (Fashion-MNIST) for 3 cells at $t_F$ = 1.9 nm; ~91 % for 4 states on
MNIST; the 1-cell accuracy rising by ~8.3 % (MNIST) and 7.4 % (Fashion) with TMR (33-78 %); a
contour over TMR 60-260 % x 2-7 states ($R_P$ = 10 kΩ).

Choices the seed does not state, made here and reported in every result:

- pixel values scaled to [0, 1]; batch size 32 (Keras' default); learning rate 1e-3 (Adam's);
- the gain that maps the normalised levels onto a layer's weights (`calibrate_scales`): the
  quantisation-MSE-optimal one by default (`scale_rule="mse"`; with `"max"` every weight lands
  on the smallest magnitude and the accuracy no longer depends on TMR or the number of states);
- biases stay in full precision (peripheral offsets).

**Beyond the seed**: quantisation-aware training (QAT: straight-through weights, trained gains)
on the same levels; accuracy on sampled chips (device-to-device spread of $R_P$ and TMR, write
noise; the spreads are assumed, see `SOTNetworkConfig`); and the free-layer thickness
co-designed by gradient (`codesign_objective`, `codesign_thickness`).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import datasets
from ..devices._parallel import ParallelSOTCell
from ..devices._readout import NormalisedReadout
from ..physics._checks import check_finite
from ..training._design import SOT_THICKNESS_RANGE, SOTCellDesign
from ..training._fit import fit
from ..training._hardware import program_weights
from ..training._layers import SCALE_RULES, DeviceMLP, Nearest, Soft, calibrate_scales
from ..training._network import DeviceNetwork, trainable

#: what the seed reports (test accuracy; Fig. 5 and text)
SEED002_REPORTED = {
    "mnist": {"3_cells_1.9nm": 0.917, "4_states": 0.91, "1_cell_gain_with_tmr": 0.083},
    "fashion": {"3_cells_1.9nm": 0.774, "1_cell_gain_with_tmr": 0.074},
}
DATASETS = ("mnist", "fashion")
MODES = ("ptq", "qat")
N_CLASSES = 10


@dataclasses.dataclass(frozen=True)
class SOTNetworkConfig:
    """A seed-002 study. Defaults are the seed's protocol where it states one.

    - `dataset`: `"mnist"` (the full MNIST when its four files are found under `data_root`,
      else the 10k-digit subset split 8000/2000 with a fixed permutation, reported as such) or
      `"fashion"` (Fashion-MNIST, 60k/10k). `data_root`: where to look (None: `MTJAX_DATA`,
      the cache, system folders; see `mtjax.datasets`).
    - `n_train`, `n_test`: use only the first samples (None: all), for quick runs.
    - `hidden`, `epochs`, `batch_size`, `learning_rate`, `seeds`: float training
      (784-`hidden`-10 sigmoid MLP, Adam; one network per seed).
    - `cells`: compound-MTJ sizes n (n + 1 states); `thickness`: free-layer thickness, m.
    - `scale_rule`: `"mse"` or `"max"` (`calibrate_scales`).
    - `modes`: `"ptq"` and/or `"qat"`; `qat_epochs`, `qat_learning_rate`.
    - `chips`: sampled chips per network for the hardware accuracy (0: none); `spread`:
      device-to-device spread (relative) of `r_p` and `tmr` (assumed 5 % each; the seed
      measured ~10 devices per thickness and shows no spread); `write_sigma`: relative
      cycle-to-cycle write noise (assumed 0.5 %).
    - `tmr_thicknesses`: thicknesses (m) of the accuracy-vs-TMR sweep (seed Fig. 5b/c).
    - `contour`: also the TMR x states contour (Fig. 5d/e): `contour_tmr` (ratios),
      `contour_states`.
    """

    dataset: str = "mnist"
    data_root: str | None = None
    n_train: int | None = None
    n_test: int | None = None
    hidden: int = 128
    epochs: int = 40
    batch_size: int = 32
    learning_rate: float = 1e-3
    seeds: tuple[int, ...] = (0, 1, 2)
    cells: tuple[int, ...] = (1, 2, 3)
    thickness: float = 1.9e-9
    scale_rule: str = "mse"
    modes: tuple[str, ...] = ("ptq", "qat")
    qat_epochs: int = 5
    qat_learning_rate: float = 1e-4
    chips: int = 10
    spread: tuple[tuple[str, float], ...] = (("r_p", 0.05), ("tmr", 0.05))
    write_sigma: float = 0.005
    tmr_thicknesses: tuple[float, ...] = (1.6e-9, 1.8e-9, 2.0e-9, 2.2e-9, 2.4e-9, 2.6e-9)
    contour: bool = False
    contour_tmr: tuple[float, ...] = (0.6, 1.0, 1.4, 1.8, 2.2, 2.6)
    contour_states: tuple[int, ...] = (2, 3, 4, 5, 6, 7)

    def __post_init__(self):
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}, got {self.dataset!r}")
        for name in ("hidden", "epochs", "batch_size", "qat_epochs"):
            _count(name, getattr(self, name))
        for name in ("n_train", "n_test"):
            if getattr(self, name) is not None:
                _count(name, getattr(self, name))
        _count("chips", self.chips, 0)
        for name in ("learning_rate", "qat_learning_rate"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
        if not self.seeds:
            raise ValueError("seeds must name at least one seed")
        for s in self.seeds:
            _count("seeds entry", s, 0)
        if not self.cells:
            raise ValueError("cells must name at least one cell count")
        for n in self.cells:
            _count("cells", n)
        _check_thickness("thickness", self.thickness)
        for t in self.tmr_thicknesses:
            _check_thickness("tmr_thicknesses entry", t, closed=True)
        if self.scale_rule not in SCALE_RULES:
            raise ValueError(f"scale_rule must be one of {SCALE_RULES}, got {self.scale_rule!r}")
        if not self.modes or any(m not in MODES for m in self.modes):
            raise ValueError(f"modes must be a non-empty subset of {MODES}, got {self.modes!r}")
        for name, v in self.spread:
            if name not in ("r_p", "tmr") or not (math.isfinite(v) and 0 <= v < 0.3):
                raise ValueError(f"spread entries must be ('r_p' | 'tmr', relative std in "
                                 f"[0, 0.3)), got ({name!r}, {v!r})")
        if not (math.isfinite(self.write_sigma) and 0 <= self.write_sigma < 0.3):
            raise ValueError(f"write_sigma must be a relative std in [0, 0.3), got "
                             f"{self.write_sigma!r}")
        for t in self.contour_tmr:
            if not (math.isfinite(t) and t > 0):
                raise ValueError(f"contour_tmr entries must be TMR ratios > 0, got {t!r}")
        for s in self.contour_states:
            _count("contour_states entry", s, 2)


def _count(name: str, value, minimum: int = 1) -> int:
    if not (isinstance(value, int | np.integer) and not isinstance(value, bool)
            and value >= minimum):
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _check_thickness(name: str, t, closed: bool = False) -> float:
    lo, hi = SOT_THICKNESS_RANGE
    ok = isinstance(t, int | float) and math.isfinite(t) and (
        lo <= t <= hi if closed else lo < t < hi)
    if not ok:
        raise ValueError(f"{name} must be a free-layer thickness in {'[' if closed else '('}"
                         f"{lo * 1e9:.1f}, {hi * 1e9:.1f}{']' if closed else ')'} nm (the "
                         f"seed-002 model's validated range), got {t!r} m")
    return float(t)


# ---------------------------------------------------------------------------------------------
# data


@dataclasses.dataclass(frozen=True)
class ImageSplit:
    """Flattened images in [0, 1] (float32, (N, 784)) and int32 labels, with provenance."""

    x_train: jax.Array
    y_train: jax.Array
    x_test: jax.Array
    y_test: jax.Array
    info: dict


def _flatten(images: np.ndarray) -> jax.Array:
    return jnp.asarray(images.reshape(images.shape[0], -1).astype(np.float32) / 255.0)


def load_data(dataset: str, root: str | None = None, *, n_train: int | None = None,
              n_test: int | None = None) -> ImageSplit:
    """Train/test data for `dataset` (`"mnist"` or `"fashion"`), see `SOTNetworkConfig`.

    **Raises** `ValueError` for an unknown data set, `mtjax.datasets.DatasetNotFoundError`
    (saying where it looked) when the files are missing, `DatasetError` for corrupt files."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}")
    if dataset == "fashion":
        tr = datasets.load_fashion_mnist(root, "train")
        te = datasets.load_fashion_mnist(root, "test")
        info = {"dataset": "fashion-mnist", "split": "standard 60k/10k",
                "path": str(tr.images_path.parent)}
        xtr, ytr, xte, yte = tr.images, tr.labels, te.images, te.labels
    else:
        try:
            tr = datasets.load_mnist(root, "train")
            te = datasets.load_mnist(root, "test")
            info = {"dataset": "mnist", "split": "standard 60k/10k",
                    "path": str(tr.images_path.parent)}
            xtr, ytr, xte, yte = tr.images, tr.labels, te.images, te.labels
        except datasets.DatasetNotFoundError:
            d = datasets.load_mnist(root, "10k")
            perm = np.random.default_rng(0).permutation(d.labels.shape[0])
            n_te = d.labels.shape[0] // 5
            te_i, tr_i = perm[:n_te], perm[n_te:]
            info = {"dataset": "mnist-10k",
                    "split": f"{tr_i.size}/{te_i.size} of the 10k-digit MNIST subset (fixed "
                             "permutation, numpy seed 0): the stand-in for the full MNIST, "
                             "which was not found",
                    "path": str(d.images_path.parent)}
            xtr, ytr, xte, yte = d.images[tr_i], d.labels[tr_i], d.images[te_i], d.labels[te_i]
    if n_train is not None:
        xtr, ytr = xtr[:n_train], ytr[:n_train]
    if n_test is not None:
        xte, yte = xte[:n_test], yte[:n_test]
    for name, y in (("training labels", ytr), ("test labels", yte)):
        if y.size and (int(y.min()) < 0 or int(y.max()) >= N_CLASSES):
            raise datasets.DatasetError(f"{name} must lie in 0..9, found {int(y.min())}.."
                                        f"{int(y.max())}")
    info.update(n_train=int(ytr.shape[0]), n_test=int(yte.shape[0]))
    return ImageSplit(_flatten(xtr), jnp.asarray(ytr, jnp.int32), _flatten(xte),
                      jnp.asarray(yte, jnp.int32), info)


def check_images(x, y, name: str = "x") -> tuple[jax.Array, jax.Array]:
    """Images (N, 784) finite float and labels (N,) ints in 0..9, or a clear error naming
    them (`ValueError`; `EquinoxRuntimeError` when traced)."""
    from ..training._vowels import check_labels

    x = jnp.asarray(x)
    if x.ndim != 2 or x.shape[1] != 784:
        raise ValueError(f"{name} must have shape (N, 784) (flattened 28x28 images), got "
                         f"{x.shape}")
    x = check_finite(name, x)
    return x, check_labels(y, N_CLASSES, x.shape[0], "y" if name == "x" else f"labels of {name}")


# ---------------------------------------------------------------------------------------------
# devices and levels


def cell_levels(thickness, n_cells: int) -> jax.Array:
    """Seed 002's signed weight levels of an n-cell compound MTJ at free-layer `thickness`
    (m): `NormalisedReadout` of `ParallelSOTCell.from_thickness` (2(n + 1) levels).
    Differentiable in `thickness`."""
    cell = ParallelSOTCell.from_thickness(thickness, n_cells)
    return NormalisedReadout().weight_levels(cell.conductance_levels())


def tmr_levels(tmr, n_states: int, r_p: float = 10e3) -> jax.Array:
    """Levels of seed 002's Fig. 5d/e: n_states - 1 identical cells with $R_P$ = `r_p`
    (10 kΩ) and $R_{AP} = R_P(1 + \\mathrm{TMR})$, read in parallel and normalised."""
    n = _count("n_states", n_states, 2) - 1
    cell = ParallelSOTCell(r_p=jnp.full((n,), r_p), tmr=jnp.full((n,), tmr),
                           i_c=jnp.linspace(1.0, 1.1, n) * 1e-3, r_channel=300.0,
                           r_series=900.0, v_breakdown=2.0)
    return NormalisedReadout().weight_levels(cell.conductance_levels())


# ---------------------------------------------------------------------------------------------
# training and evaluation


@functools.cache
def _adam(learning_rate: float) -> optax.GradientTransformation:
    """One optax Adam per learning rate: `fit` compiles its epoch once per optimiser object,
    so repeated trainings (seeds, cell counts, notebooks, tests) reuse the compilation."""
    return optax.adam(learning_rate)


def _ce(logits, y):
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def _float_loss(model, batch, key):
    x, y = batch
    return _ce(jax.vmap(lambda xx: model(xx))(x), y), {}


def _network_loss(model, batch, key):
    x, y = batch
    return _ce(jax.vmap(lambda xx: model(xx))(x), y), {}


@eqx.filter_jit
def accuracy(model, x, y, levels=None) -> jax.Array:
    """Test accuracy of `model` (a `DeviceMLP` called with `levels`, or a `DeviceNetwork` /
    any one-example callable when `levels` is None)."""
    if levels is None:
        logits = jax.vmap(lambda xx: model(xx))(x)
    else:
        logits = jax.vmap(lambda xx: model(xx, levels))(x)
    return jnp.mean(jnp.argmax(logits, -1) == y)


def train_float(data: ImageSplit, cfg: SOTNetworkConfig, seed: int, *,
                progress: bool | None = None) -> tuple[DeviceMLP, dict]:
    """The seed's float network: 784-`hidden`-10 sigmoid MLP, Adam, cross-entropy,
    `cfg.epochs` epochs of minibatches. Returns (mlp, history with per-epoch test accuracy)."""
    key = jax.random.key(seed)
    k_init, k_fit = jax.random.split(key)
    mlp = DeviceMLP((784, cfg.hidden, N_CLASSES), key=k_init)
    return fit(mlp, _float_loss, (data.x_train, data.y_train),
               optimiser=_adam(cfg.learning_rate), key=k_fit, epochs=cfg.epochs,
               batch_size=cfg.batch_size, progress=progress, label=f"float seed {seed}",
               evaluate=lambda m: {"test_acc": accuracy(m, data.x_test, data.y_test)})


def ptq(mlp: DeviceMLP, levels: jax.Array, rule: str = "mse") -> DeviceMLP:
    """Post-training quantisation: the gains set by `rule` for `levels` (the weights stay
    float; a forward call with `levels` quantises them)."""
    return calibrate_scales(mlp, levels, rule)


def qat(mlp: DeviceMLP, design: SOTCellDesign, data: ImageSplit, cfg: SOTNetworkConfig,
        seed: int, *, progress: bool | None = None) -> tuple[DeviceNetwork, dict]:
    """Quantisation-aware training from the float network: nearest-level forward,
    straight-through weights, trained gains, for `cfg.qat_epochs` epochs; the design fixed."""
    model = DeviceNetwork(design, mlp, NormalisedReadout(), Nearest())
    model = eqx.tree_at(lambda m: m.network, model,
                        calibrate_scales(mlp, model.levels(), cfg.scale_rule))
    return fit(model, _network_loss, (data.x_train, data.y_train),
               optimiser=_adam(cfg.qat_learning_rate),
               key=jax.random.fold_in(jax.random.key(seed), 1), epochs=cfg.qat_epochs,
               batch_size=cfg.batch_size, filter_spec=trainable(model), progress=progress,
               label=f"QAT n={design.n_cells} seed {seed}")


@eqx.filter_jit
def chip_accuracies(mlp: DeviceMLP, nominal: ParallelSOTCell, keys: jax.Array, x, y,
                    spread: tuple[tuple[str, float], ...], write_sigma: float) -> jax.Array:
    """Accuracy of `mlp` (calibrated gains) programmed into one chip per key: every weight a
    device drawn around `nominal` with relative `spread` of its fields, written with relative
    noise `write_sigma` (`program_weights`), all chips at once (`jax.vmap` over the keys).
    Returns accuracies (len(keys),)."""
    readout = NormalisedReadout()
    sp = {name: (std, "relative") for name, std in spread}

    def one(k):
        ks = jax.random.split(k, len(mlp.layers))
        layers = tuple(
            eqx.tree_at(lambda la: la.weight, la,
                        program_weights(la.weight, la.scale, nominal, readout, key=kk,
                                        spread=sp, write_sigma=write_sigma))
            for la, kk in zip(mlp.layers, ks, strict=True))
        chip = eqx.tree_at(lambda m: m.layers, mlp, layers)
        return jnp.mean(jnp.argmax(jax.vmap(lambda xx: chip(xx))(x), -1) == y)

    return jax.vmap(one)(keys)


def mean_std(values) -> dict:
    v = np.asarray(values, float)
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "values": v.tolist()}


# ---------------------------------------------------------------------------------------------
# co-design of the free-layer thickness


@dataclasses.dataclass(frozen=True)
class CodesignConfig:
    """The thickness co-design objective (see `codesign_objective`).

    - `write_cost`: weight of the write voltage in the objective, nats of cross-entropy per
      volt (default 0.02: a volt of write amplitude is worth 0.02 of loss; 0 optimises the
      network's loss alone under the breakdown constraint).
    - `margin`: the write voltage must stay below (1 - margin) x the breakdown voltage
      (default 0.1: 10 % below breakdown), enforced by a quadratic penalty of weight
      `penalty` (per V²) on the excess.
    - `temperature`: width of the soft quantiser, as a fraction of the largest level.
    - `samples`: training samples in the objective (the first ones).
    - `steps`, `learning_rate`: Adam on the unconstrained thickness and the layers' log-gains
      (cosine-decayed); `starts`: thicknesses (m) the gradient descent starts from (the best
      end point wins).
    - `sweep_points`: the dense sweep over the validated range; `gain_steps`: Adam steps on
      the gains at each sweep point (warm-started from the previous point).
    """

    write_cost: float = 0.02
    margin: float = 0.1
    penalty: float = 100.0
    temperature: float = 0.05
    samples: int = 1000
    steps: int = 600
    learning_rate: float = 0.1
    starts: tuple[float, ...] = (1.7e-9, 1.9e-9, 2.1e-9, 2.3e-9, 2.5e-9)
    sweep_points: int = 101
    gain_steps: int = 40

    def __post_init__(self):
        for name in ("write_cost", "penalty", "temperature", "learning_rate"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if not (0 <= self.margin < 1):
            raise ValueError(f"margin must be in [0, 1), got {self.margin!r}")
        _count("samples", self.samples)
        _count("steps", self.steps)
        _count("gain_steps", self.gain_steps)
        _count("sweep_points", self.sweep_points, 3)
        if not self.starts:
            raise ValueError("starts must name at least one thickness")
        for t in self.starts:
            _check_thickness("starts entry", t)


def write_voltage(cell: ParallelSOTCell) -> jax.Array:
    """The pulse amplitude (V) that writes every cell of the compound MTJ: the largest
    critical voltage."""
    return jnp.max(cell.critical_voltages())


def _with_log_gains(mlp: DeviceMLP, log_gains: jax.Array) -> DeviceMLP:
    return eqx.tree_at(lambda m: [la.scale for la in m.layers], mlp,
                       [jnp.exp(g) for g in log_gains])


def codesign_objective(design: SOTCellDesign, log_gains: jax.Array, mlp: DeviceMLP, x, y,
                       cc: CodesignConfig) -> tuple[jax.Array, dict]:
    r"""$\hat J(t_F, s) = \mathrm{CE}(t_F, s) + \lambda V_w(t_F) + \mu\,\mathrm{relu}(V_w -
    (1 - m) V_B)^2$: the cross-entropy of the network `mlp` with its weights soft-quantised
    (`Soft`, width `cc.temperature`: smooth in the level positions) onto the levels of
    `design`'s device times the layers' gains $s = \exp$(`log_gains`), the write voltage $V_w$
    (`write_voltage`) weighted by $\lambda$ = `cc.write_cost`, and the breakdown constraint
    with margin $m$. The co-design objective is $J(t_F) = \min_s \hat J(t_F, s)$: the gains
    are the read-out amplifiers', set for whatever device is built. Returns ($\hat J$, parts).
    """
    cell = design.build()
    model = DeviceNetwork(design, _with_log_gains(mlp, log_gains), NormalisedReadout(),
                          Soft(cc.temperature))
    ce = _ce(jax.vmap(lambda xx: model(xx))(x), y)
    v_w = write_voltage(cell)
    excess = jax.nn.relu(v_w - (1 - cc.margin) * cell.v_breakdown)
    j = ce + cc.write_cost * v_w + cc.penalty * excess**2
    return j, {"ce": ce, "v_write": v_w, "v_breakdown": cell.v_breakdown,
               "tmr": cell.tmr[0], "t_f": design.t_f}


_objective_grad = jax.value_and_grad(codesign_objective, argnums=(0, 1), has_aux=True)


@eqx.filter_jit
def _descend(design, log_gains, mlp, x, y, cc, steps: int, train_design: bool):
    """Adam (cosine-decayed) on the design's raw thickness (if `train_design`) and the
    log-gains; returns the end point and the path of (t_F, objective)."""
    # b2 = 0.9: a short memory of squared gradients. With Adam's default 0.999 one step into
    # the breakdown penalty (gradients ~1e4 x the cross-entropy's) freezes the thickness for
    # the next ~1000 steps, and the descent stalls short of the constraint.
    opt = optax.adam(optax.cosine_decay_schedule(cc.learning_rate, steps), b2=0.9)
    params = (design.raw_t_f, log_gains)
    state = opt.init(params)

    def body(carry, _):
        (raw, lg), st = carry
        d = eqx.tree_at(lambda dd: dd.raw_t_f, design, raw)
        (j, parts), (gd, gl) = _objective_grad(d, lg, mlp, x, y, cc)
        g = (gd.raw_t_f if train_design else jnp.zeros_like(raw), gl)
        upd, st = opt.update(g, st)
        return (optax.apply_updates((raw, lg), upd), st), (parts["t_f"], j)

    ((raw, lg), _), path = jax.lax.scan(body, (params, state), None, length=steps)
    d = eqx.tree_at(lambda dd: dd.raw_t_f, design, raw)
    j, parts = codesign_objective(d, lg, mlp, x, y, cc)
    return d, lg, j, parts, path


def _raw_of(t, lo, hi):
    return np.log((t - lo) / (hi - t))


def codesign_thickness(mlp: DeviceMLP, n_cells: int, x, y, cc: CodesignConfig) -> dict:
    """Optimise the free-layer thickness of an n-cell compound MTJ by gradient on
    $J(t_F) = \\min_s \\hat J(t_F, s)$ (`codesign_objective`; Adam on the unconstrained
    thickness and the gains jointly, from each of `cc.starts`), and sweep the same objective
    densely over the validated range (at each point the gains re-optimised). Returns the sweep,
    the gradient paths, the optimum of each, a central finite-difference check of
    $dJ/dt_F$ (gains at their optimum, where by the envelope theorem $dJ/dt_F = \\partial
    \\hat J/\\partial t_F$), and the parts of the objective at the optimum and at the seed's
    1.9 nm. `mlp` gives the weights and the initial gains."""
    lo, hi = SOT_THICKNESS_RANGE
    lg0 = jnp.stack([jnp.log(la.scale) for la in mlp.layers])
    # dense sweep (strictly inside the open range), gains warm-started along it
    ts = lo + (hi - lo) * (np.arange(cc.sweep_points) + 0.5) / cc.sweep_points
    j_sweep, parts_sweep, lg = [], [], lg0
    for t in ts:
        d = SOTCellDesign(float(t), n_cells)
        d, lg, j, parts, _ = _descend(d, lg, mlp, x, y, cc, cc.gain_steps, False)
        j_sweep.append(float(j))
        parts_sweep.append({k: float(v) for k, v in parts.items()})
    j_sweep = np.asarray(j_sweep)
    i_best = int(np.argmin(j_sweep))
    # gradient descent on (thickness, gains) from each start
    paths = []
    for t0 in cc.starts:
        d, lg, j, parts, (pt, pj) = _descend(SOTCellDesign(t0, n_cells), lg0, mlp, x, y, cc,
                                             cc.steps, True)
        paths.append({"start_nm": t0 * 1e9, "t_f_nm": (np.asarray(pt) * 1e9).tolist(),
                      "objective": np.asarray(pj).tolist(),
                      "final": {k: float(v) for k, v in parts.items()} | {
                          "objective": float(j), "gains": np.exp(np.asarray(lg)).tolist()}})
    best = min(paths, key=lambda p: p["final"]["objective"])
    # derivative check at the first start, gains at their optimum there
    t_check, h = cc.starts[0], 1e-12
    d0, lg_c, _, _, _ = _descend(SOTCellDesign(t_check, n_cells), lg0, mlp, x, y, cc,
                                 cc.steps, False)
    (_, _), (gd, _) = _objective_grad(d0, lg_c, mlp, x, y, cc)
    sig = jax.nn.sigmoid(d0.raw_t_f)
    grad_t = float(gd.raw_t_f / ((hi - lo) * sig * (1 - sig)))

    def j_at(t):
        return float(codesign_objective(SOTCellDesign(t, n_cells), lg_c, mlp, x, y, cc)[0])

    fd = (j_at(t_check + h) - j_at(t_check - h)) / (2 * h)
    _, lg19, j19, p19, _ = _descend(SOTCellDesign(1.9e-9, n_cells), lg0, mlp, x, y, cc,
                                    cc.steps, False)
    resolution = (hi - lo) / cc.sweep_points
    return {
        "n_cells": n_cells,
        "sweep": {"t_f_nm": (ts * 1e9).tolist(), "objective": j_sweep.tolist(),
                  **{k: [p[k] for p in parts_sweep] for k in parts_sweep[0] if k != "t_f"}},
        "sweep_optimum_nm": float(ts[i_best] * 1e9),
        "sweep_resolution_nm": resolution * 1e9,
        "gradient_paths": paths,
        "gradient_optimum_nm": best["final"]["t_f"] * 1e9,
        "agree_within_resolution": bool(abs(best["final"]["t_f"] - ts[i_best]) <= resolution),
        "derivative_check": {"t_f_nm": t_check * 1e9, "h_nm": h * 1e9,
                             "autodiff_per_nm": grad_t * 1e-9, "central_fd_per_nm": fd * 1e-9,
                             "rel_error": abs(grad_t - fd) / max(abs(fd), 1e-30)},
        "at_optimum": best["final"],
        "at_1.9nm": {k: float(v) for k, v in p19.items()} | {
            "objective": float(j19), "gains": np.exp(np.asarray(lg19)).tolist()},
        "config": dataclasses.asdict(cc),
    }


# ---------------------------------------------------------------------------------------------
# the study


def sot_network_study(cfg: SOTNetworkConfig, *, codesign: CodesignConfig | None = None,
                      progress: Callable[[str], None] | None = None,
                      bars: bool | None = None) -> dict[str, Any]:
    """Run the seed-002 study of `cfg` and return a JSON-ready dict (plus `_figures`, the
    arrays the figures need). `progress(msg)` is told each stage; `bars` shows per-epoch
    progress lines."""
    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    data = load_data(cfg.dataset, cfg.data_root, n_train=cfg.n_train, n_test=cfg.n_test)
    check_images(data.x_train, data.y_train, "x_train")
    x_te, y_te = check_images(data.x_test, data.y_test, "x_test")
    result: dict[str, Any] = {"data": data.info, "config": dataclasses.asdict(cfg),
                              "seed_reported": SEED002_REPORTED[cfg.dataset]}
    devices = {n: ParallelSOTCell.from_thickness(cfg.thickness, n) for n in cfg.cells}
    levels = {n: NormalisedReadout().weight_levels(devices[n].conductance_levels())
              for n in cfg.cells}
    result["devices"] = {str(n): {
        "tmr": float(devices[n].tmr[0]),
        "conductance_levels_uS": (np.asarray(devices[n].conductance_levels()) * 1e6).tolist(),
        "weight_levels": np.asarray(levels[n]).tolist(),
        "critical_voltages_V": np.asarray(devices[n].critical_voltages()).tolist(),
        "v_breakdown_V": float(devices[n].v_breakdown)} for n in cfg.cells}
    floats, histories = [], []
    for s in cfg.seeds:
        say(f"float training, seed {s} ({cfg.epochs} epochs, {data.info['n_train']} samples)")
        mlp, hist = train_float(data, cfg, s, progress=bars)
        floats.append(mlp)
        histories.append(hist)
    result["float"] = {"test_acc": mean_std([h["test_acc"][-1] for h in histories]),
                       "epoch_s": float(np.mean([np.mean(h["epoch_s"][1:] or h["epoch_s"])
                                                 for h in histories]))}
    spread = cfg.spread
    chip_keys = jax.random.split(jax.random.key(12345), max(cfg.chips, 1))
    ptq_res, qat_res = {}, {}
    for n in cfg.cells:
        if "ptq" in cfg.modes:
            say(f"post-training quantisation, {n} cell(s)")
            accs, chips = [], []
            for mlp in floats:
                q = ptq(mlp, levels[n], cfg.scale_rule)
                accs.append(float(accuracy(q, x_te, y_te, levels[n])))
                if cfg.chips:
                    chips.append(np.asarray(chip_accuracies(
                        q, devices[n], chip_keys[:cfg.chips], x_te, y_te, spread,
                        cfg.write_sigma)))
            ptq_res[str(n)] = {"test_acc": mean_std(accs)}
            if chips:
                c = np.concatenate(chips)
                ptq_res[str(n)]["chips_test_acc"] = mean_std(c) | {"n_chips": int(c.size)}
        if "qat" in cfg.modes:
            accs, chips = [], []
            for s, mlp in zip(cfg.seeds, floats, strict=True):
                say(f"quantisation-aware training, {n} cell(s), seed {s}")
                model, _ = qat(mlp, SOTCellDesign(cfg.thickness, n), data, cfg, s,
                               progress=bars)
                accs.append(float(accuracy(model, x_te, y_te)))
                if cfg.chips:
                    chips.append(np.asarray(chip_accuracies(
                        model.network, devices[n], chip_keys[:cfg.chips], x_te, y_te, spread,
                        cfg.write_sigma)))
            qat_res[str(n)] = {"test_acc": mean_std(accs)}
            if chips:
                c = np.concatenate(chips)
                qat_res[str(n)]["chips_test_acc"] = mean_std(c) | {"n_chips": int(c.size)}
    if ptq_res:
        result["ptq"] = ptq_res
    if qat_res:
        result["qat"] = qat_res
    # accuracy vs TMR (seed Fig. 5b/c): PTQ over the thickness range
    say("accuracy vs TMR over the thickness range (PTQ)")
    sweep = {"thickness_nm": [t * 1e9 for t in cfg.tmr_thicknesses], "tmr": [], "test_acc": {}}
    for t in cfg.tmr_thicknesses:
        t_in = min(max(t, SOT_THICKNESS_RANGE[0]), SOT_THICKNESS_RANGE[1])
        sweep["tmr"].append(float(ParallelSOTCell.from_thickness(t_in, 1).tmr[0]))
    for n in cfg.cells:
        rows = []
        for t in cfg.tmr_thicknesses:
            lv = cell_levels(t, n)
            rows.append([float(accuracy(ptq(m, lv, cfg.scale_rule), x_te, y_te, lv))
                         for m in floats])
        sweep["test_acc"][str(n)] = mean_std(np.mean(rows, axis=1)) | {
            "per_thickness": np.mean(rows, axis=1).tolist()}
    result["tmr_sweep"] = sweep
    if cfg.contour:
        say("contour over TMR x states (PTQ)")
        grid = np.zeros((len(cfg.contour_states), len(cfg.contour_tmr)))
        for i, ns in enumerate(cfg.contour_states):
            for j, tmr in enumerate(cfg.contour_tmr):
                lv = tmr_levels(tmr, ns)
                grid[i, j] = np.mean([float(accuracy(ptq(m, lv, cfg.scale_rule), x_te, y_te,
                                                     lv)) for m in floats])
        result["contour"] = {"tmr": list(cfg.contour_tmr), "states": list(cfg.contour_states),
                             "test_acc": grid.tolist()}
    if codesign is not None:
        n = max(cfg.cells)
        say(f"co-design of the free-layer thickness ({n} cells)")
        mlp = ptq(floats[0], levels[n], cfg.scale_rule)
        k = min(codesign.samples, int(data.x_train.shape[0]))
        cd = codesign_thickness(mlp, n, data.x_train[:k], data.y_train[:k], codesign)
        for where in ("at_optimum", "at_1.9nm"):
            lv = cell_levels(float(cd[where]["t_f"]), n)
            gains = jnp.log(jnp.asarray(cd[where]["gains"], jnp.float32))
            cd[where]["test_acc"] = float(accuracy(_with_log_gains(floats[0], gains), x_te,
                                                   y_te, lv))
        result["codesign"] = cd
    result["elapsed_s"] = time.perf_counter() - t0
    result["_figures"] = {}
    return result


__all__ = ["CodesignConfig", "DATASETS", "ImageSplit", "MODES", "SEED002_REPORTED",
           "SOTNetworkConfig", "accuracy", "cell_levels", "check_images", "chip_accuracies",
           "codesign_objective", "codesign_thickness", "load_data", "ptq", "qat",
           "sot_network_study", "tmr_levels", "train_float", "write_voltage"]
