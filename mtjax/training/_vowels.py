r"""Seed 001 end to end: the MTJ-chain vowel classifier, trained by gradient through the device
physics, next to the seed's ±10 µA rule and the software MLP baselines.

The model (`ChainParams` + an `STTChain`): 12 formants $x$ (standardised with the training
split's mean and std) are mapped to two input currents $I_A = a_A\cdot x + b_A$,
$I_B = a_B\cdot x + b_B$ (26 coefficients, mA); junction i carries $I_j + I^j_{C,i}$ for input
j (6 control currents); the switching configuration $c = (k_A, k_B)$ has probability
$P(c\mid x)$ from the junctions' thermal switching probabilities (`STTChain`); a learned
look-up table maps configurations to vowels. Training minimises the cross-entropy of
$p(y\mid x) = \sum_c P(c\mid x)\,\mathrm{softmax}(L_c)_y$ — the exact marginal likelihood
of the stochastic hardware — plus a penalty on the mean control-current magnitude (energy,
seed §IV) and a penalty on junction currents above breakdown. Co-design also trains the
junction diameters (each sets its junction's threshold through $I_{c0} \propto d^2$).

Two choices of parametrisation (`TrainConfig`) matter for unseen talkers, not for the hardware,
which always holds 13 coefficients per input and a full table: the input coefficients are
trained in the span of the training split's C − 1 = 6 discriminant directions
(`input_basis="discriminant"`), and the table as a sum of per-input terms
$L_c = \sum_j T_j[k_j]$ (`table="additive"`), which also defines the entries of
configurations no training input reaches. Measured (10 talker splits x 8 restarts, 2 inputs):
86.7 % test against 85.5 % with free coefficients and a free table; with 4 inputs the two are
equal within noise (91.8 vs 92.5 %).

Inference is hardware-faithful: each junction switches or not by a Bernoulli draw with its
thermal probability, and the class is the table's entry for the drawn configuration.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, PRNGKeyArray

from ..devices._sttchain import STTChain, table_size
from ..physics._checks import check_finite, check_positive, describe, fail_if, is_concrete
from ._fit import train_steps

# ---------------------------------------------------------------------------------------------
# data


def check_features(x, n_features: int | None = None, name: str = "x") -> Array:
    """`x` (standardised features) as a finite float array of shape (B, F) (F = `n_features`
    when given). **Raises** `ValueError` naming `name` for another shape or a NaN/inf feature
    (`EquinoxRuntimeError` when traced): one NaN feature would make every trained parameter
    NaN."""
    x = check_finite(name, x)
    if x.ndim != 2 or (n_features is not None and x.shape[1] != n_features):
        want = f"(B, {n_features})" if n_features is not None else "(B, F)"
        raise ValueError(f"{name} must have shape {want} (samples x features), got shape "
                         f"{x.shape}")
    return x


def check_labels(y, n_classes: int, n_samples: int | None = None, name: str = "y") -> Array:
    """`y` as an integer array of class labels in [0, `n_classes`), shape (`n_samples`,).

    **Raises** `ValueError` naming `name` for a non-integer dtype, another shape, or a label
    outside [0, C) (`EquinoxRuntimeError` when traced): JAX would index a label 7 of 7 classes
    as NaN and a label -1 as the last class, silently."""
    y = jnp.asarray(y)
    if not jnp.issubdtype(y.dtype, jnp.integer):
        raise ValueError(f"{name} must be integer class labels, got dtype {y.dtype}")
    if y.ndim != 1 or (n_samples is not None and y.shape[0] != n_samples):
        raise ValueError(f"{name} must have shape ({n_samples if n_samples is not None else 'B'},)"
                         f" (one label per sample), got shape {y.shape}")
    bad = (y < 0) | (y >= n_classes)
    return fail_if(y, bad, f"{name} must be class labels in [0, {n_classes - 1}] "
                   f"({n_classes} classes)" + (f", got {describe(y[np.asarray(bad)])} outside"
                                               if is_concrete(bad) else ""))


def check_weights(w, n_samples: int, name: str = "w") -> Array:
    """`w` (sample weights) as a finite, non-negative float array of shape (`n_samples`,) with
    a positive sum. **Raises** `ValueError` naming `name` otherwise (`EquinoxRuntimeError`
    when traced): all-zero weights would divide the loss by zero."""
    w = jnp.asarray(w)
    if w.shape != (n_samples,):
        raise ValueError(f"{name} must have shape ({n_samples},) (one weight per sample), got "
                         f"shape {w.shape}")
    w = check_finite(name, w)
    w = fail_if(w, w < 0, f"{name} (sample weights) must be >= 0"
                + (f", got {describe(w)}" if is_concrete(w) else ""))
    return fail_if(w, jnp.sum(w) <= 0, f"{name} (sample weights) must have a positive sum "
                   "(at least one sample weighted)")


def _check_count(name: str, value, minimum: int = 1) -> int:
    if not (isinstance(value, int | np.integer) and not isinstance(value, bool)
            and value >= minimum):
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


@dataclasses.dataclass(frozen=True)
class Split:
    """One train/test split of a data set with the training split's standardisation."""

    train: np.ndarray  # indices
    test: np.ndarray
    mean: np.ndarray  # (F,)
    std: np.ndarray  # (F,)
    kind: str
    seed: int


def make_split(features: np.ndarray, train: np.ndarray, test: np.ndarray, kind: str,
               seed: int) -> Split:
    """A `Split` of the rows of `features` (B, F) into the index arrays `train` and `test`,
    with the training rows' mean and std.

    **Raises** `ValueError` for non-finite features, indices that are not integers in [0, B),
    an empty or overlapping split, or a feature constant on the training rows."""
    check_features(features, name="features")
    f = np.asarray(features, float)
    n = f.shape[0]
    for name, idx in (("train", train), ("test", test)):
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size < 1 or not np.issubdtype(idx.dtype, np.integer) or \
                np.any((idx < 0) | (idx >= n)):
            raise ValueError(f"{name} must be a non-empty 1-D array of row indices in "
                             f"[0, {n - 1}], got {describe(idx)}")
    if np.intersect1d(train, test).size:
        raise ValueError("train and test must not share samples, got "
                         f"{np.intersect1d(train, test).size} in both")
    mean = f[train].mean(axis=0)
    std = f[train].std(axis=0)
    if np.any(std <= 0):
        raise ValueError("a feature is constant on the training split; cannot standardise")
    return Split(np.asarray(train), np.asarray(test), mean, std, kind, seed)


def lda_directions(x: np.ndarray, y: np.ndarray, n_classes: int, k: int = 2) -> np.ndarray:
    """The k leading Fisher discriminant directions of standardised data (k, F), each scaled
    so that the projected within-class standard deviation is 1.

    **Raises** `ValueError` for non-finite features, labels outside [0, n_classes), a class
    with no sample, or fewer samples than n_classes + 1."""
    check_features(x)
    x = np.asarray(x, float)
    y = np.asarray(check_labels(y, n_classes, x.shape[0]))
    counts = np.bincount(y, minlength=n_classes)
    if np.any(counts == 0) or len(x) <= n_classes:
        raise ValueError(f"every class needs samples (and more samples than classes) for the "
                         f"discriminant directions, got counts {counts.tolist()}")
    mu = x.mean(axis=0)
    sw = np.zeros((x.shape[1], x.shape[1]))
    sb = np.zeros_like(sw)
    for c in range(n_classes):
        xc = x[y == c]
        mc = xc.mean(axis=0)
        sw += (xc - mc).T @ (xc - mc)
        sb += len(xc) * np.outer(mc - mu, mc - mu)
    sw /= len(x) - n_classes
    sw += 1e-6 * np.trace(sw) / sw.shape[0] * np.eye(sw.shape[0])
    # generalised eigenproblem sb v = l sw v via whitening
    evals, evecs = np.linalg.eigh(sw)
    w = evecs / np.sqrt(evals)
    m = w.T @ (sb / len(x)) @ w
    lv, lvec = np.linalg.eigh(m)
    dirs = (w @ lvec[:, ::-1][:, :k]).T
    return dirs


# ---------------------------------------------------------------------------------------------
# the hardware classifier


class ChainParams(eqx.Module):
    r"""Parameters of the chain classifier. Currents in mA (well-scaled for Adam).

    - `coef` (M, K), `basis` (K, F), `bias` (M,): the input currents from standardised
      formants are $I = (\mathrm{coef}\cdot\mathrm{basis})\,x + \mathrm{bias}$ (mA; M = 2 in
      the seed). The hardware's input coefficients are `input_weights(params)` = coef @ basis
      (M, F); `basis` is fixed during training: the identity (K = F, coefficients free) or the
      training split's C − 1 discriminant directions (K = C − 1: the coefficients stay in the
      subspace where the classes differ, which generalises better to unseen talkers).
    - `control` (M, N): control current of junction i for input j, mA.
    - `log_d` (N,): junction diameter d = d_nominal exp(0.3 tanh(log_d)) (±35 %), trained in
      co-design only.
    - `lut` ((N+1)^M, C) and `lut_factors` (M, N+1, C): the configuration -> class table's
      logits are `table_logits(params)` = lut[c] + Σ_j lut_factors[j, k_j] for the
      configuration c = (k_1, ..., k_M). Training uses one of the two (`TrainConfig.table`):
      the full table, or the additive one (M (N+1) C numbers, defined for configurations no
      training input reaches). The hardware stores the full table either way.
    """

    coef: Array
    basis: Array
    bias: Array
    control: Array
    log_d: Array
    lut: Array
    lut_factors: Array

    def __check_init__(self):
        # trailing axes only: restarts and splits are stacked along leading axes; scalar
        # fields (e.g. the gradient masks of `train_chain`) are not parameter sets
        if any(np.ndim(getattr(self, f)) == 0 for f in ("coef", "control", "lut")):
            return
        m, k = np.shape(self.coef)[-2:]
        n = np.shape(self.control)[-1]
        c = np.shape(self.lut)[-1]
        want = {"basis": (k, self.basis.shape[-1]), "bias": (m,), "control": (m, n),
                "log_d": (n,), "lut": ((n + 1) ** m, c), "lut_factors": (m, n + 1, c)}
        for name, shape in want.items():
            got = tuple(np.shape(getattr(self, name)))
            if got[len(got) - len(shape):] != shape:
                raise ValueError(f"ChainParams.{name} must end in shape {shape} for coef "
                                 f"{self.coef.shape} and control {self.control.shape} "
                                 f"(M = {m} inputs, N = {n} junctions, C = {c} classes), "
                                 f"got {got}")


def input_weights(params: ChainParams) -> Array:
    """The hardware input coefficients (M, F), mA per standardised formant."""
    return params.coef @ params.basis


def table_logits(params: ChainParams) -> Array:
    """Logits of the configuration -> class table, ((N+1)^M, C); configurations in row-major
    order of (k_1, ..., k_M), as `STTChain.sequence_probabilities`."""
    m, levels, _ = params.lut_factors.shape
    add = params.lut_factors[0]
    for j in range(1, m):
        add = (add[:, None, :] + params.lut_factors[j][None, :, :]).reshape(-1, add.shape[-1])
    return params.lut + add


def chain_with_diameters(chain: STTChain, params: ChainParams) -> STTChain:
    d = chain.diameter * jnp.exp(0.3 * jnp.tanh(params.log_d))
    return eqx.tree_at(lambda c: c.diameter, chain, d)


def input_currents(params: ChainParams, x: Array) -> Array:
    """Input currents (A), shape (B, M), for standardised features x (B, F). **Raises** for
    features of another shape or a NaN/inf feature (`check_features`)."""
    x = check_features(x, params.basis.shape[-1])
    return (x @ input_weights(params).T + params.bias) * 1e-3


def configuration_probabilities(chain: STTChain, params: ChainParams, x: Array) -> Array:
    ch = chain_with_diameters(chain, params)
    i = input_currents(params, x)
    return ch.sequence_probabilities(i, params.control * 1e-3)


def class_probabilities(chain: STTChain, params: ChainParams, x: Array) -> Array:
    """p(y | x) of the stochastic hardware with a soft table, (B, C)."""
    table = jax.nn.softmax(table_logits(params), axis=-1)
    return configuration_probabilities(chain, params, x) @ table


def junction_currents(params: ChainParams, x: Array) -> Array:
    """Every junction current the protocol produces for inputs x (A): (B, 2, N) for the two
    inputs, plus the control currents alone (reset / idle), flattened."""
    i = input_currents(params, x)
    c = params.control * 1e-3
    during = i[:, :, None] + c[None]
    return jnp.concatenate([during.reshape(-1), c.reshape(-1)])


def hardware_predict(chain: STTChain, params: ChainParams, x: Array, key: PRNGKeyArray,
                     n_repeats: int = 1) -> Array:
    """Hardware-faithful classes (n_repeats, B): sampled switching, then the table's argmax.
    **Raises** for bad features (`check_features`) and `n_repeats` not an int >= 1."""
    n_repeats = _check_count("n_repeats", n_repeats)
    ch = chain_with_diameters(chain, params)
    i = input_currents(params, x)
    table = jnp.argmax(table_logits(params), axis=-1)
    keys = jax.random.split(key, n_repeats)
    cfg = jax.vmap(lambda k: ch.sample_sequence(k, i, params.control * 1e-3))(keys)
    return table[cfg]


def ensemble_predict(chain: STTChain, members: ChainParams, x: Array, key: PRNGKeyArray,
                     n_repeats: int = 1) -> Array:
    """Hardware-faithful classes (n_repeats, B) of K parameter sets (`members`, batched along
    axis 0) run one after the other on the *same* chain: each member applies its M inputs with
    its own control currents (reset in between, K·M input pulses per classification), its
    configuration is drawn (sampled thermal switching) and looked up in its table, which stores
    a score per class (the softmax of the member's table logits) instead of a single class; the
    scores of the K members are summed and the largest wins. With K = 1 this is
    `hardware_predict` (the argmax of one table entry). The members must share the chain's
    diameters (`log_d` equal) to be one device (checked when not traced).

    **Raises** `ValueError` for unstacked members, members with different diameters, bad
    features or `n_repeats` not an int >= 1."""
    n_repeats = _check_count("n_repeats", n_repeats)
    if members.control.ndim != 3:
        raise ValueError("members must be parameter sets stacked along axis 0 (control of "
                         f"shape (K, M, N)), got control of shape {members.control.shape}")
    k = members.control.shape[0]
    if is_concrete(members.log_d) and not np.allclose(np.asarray(members.log_d),
                                                      np.asarray(members.log_d)[:1]):
        raise ValueError("members must share the chain's diameters (equal log_d) to run on one "
                         f"chain, got log_d {np.asarray(members.log_d).tolist()}")

    def scores(p, kk):
        ch = chain_with_diameters(chain, p)
        i = input_currents(p, x)
        keys = jax.random.split(kk, n_repeats)
        cfg = jax.vmap(lambda q: ch.sample_sequence(q, i, p.control * 1e-3))(keys)
        return jax.nn.softmax(table_logits(p), axis=-1)[cfg]  # (n_repeats, B, C)

    total = jnp.sum(jax.vmap(scores)(members, jax.random.split(key, k)), axis=0)
    return jnp.argmax(total, axis=-1)


def fill_unvisited_table(chain: STTChain, params: ChainParams, x: Array, y: Array,
                         n_classes: int, min_mass: float = 0.5) -> ChainParams:
    """Give the look-up table's rarely visited configurations a class from their neighbours.

    Gradient training only moves the table entries of configurations that training inputs
    reach; an entry nobody reaches keeps its initial logits, and its argmax (class 0) is
    arbitrary. Here each configuration whose expected number of training inputs is below
    `min_mass` takes the majority class of the training inputs in the nearest visited
    configurations (Manhattan distance in (k_1, ..., k_M), ties pooled). Visited entries are
    untouched. The returned params hold the whole table in `lut` (`lut_factors` zero). Not
    differentiable (a post-training step); returns new params.

    **Raises** `ValueError` for bad features, labels outside [0, n_classes) or a `min_mass`
    not finite and > 0."""
    min_mass = float(check_positive("min_mass", min_mass))
    pc = np.asarray(configuration_probabilities(chain, params, jnp.asarray(x)))
    y = np.asarray(check_labels(y, n_classes, pc.shape[0]))
    mass = np.stack([pc[y == c].sum(axis=0) for c in range(n_classes)], axis=1)  # (K, C)
    visited = mass.sum(axis=1) >= min_mass
    lut = np.array(table_logits(params))
    params = eqx.tree_at(lambda q: (q.lut, q.lut_factors), params,
                         (jnp.asarray(lut, params.lut.dtype), jnp.zeros_like(params.lut_factors)))
    if visited.all() or not visited.any():
        return params
    n, m = chain.n_devices, params.control.shape[0]
    grid = np.stack(np.meshgrid(*[np.arange(n + 1)] * m, indexing="ij"), -1).reshape(-1, m)
    dist = np.abs(grid[:, None, :] - grid[None, :, :]).sum(-1)
    hi = float(np.max(np.abs(lut))) + 1.0
    for c in np.flatnonzero(~visited):
        d = np.where(visited, dist[c], np.iinfo(int).max)
        near = d == d.min()
        cls = int(np.argmax(mass[near].sum(axis=0)))
        lut[c] = 0.0
        lut[c, cls] = hi
    return eqx.tree_at(lambda q: q.lut, params, jnp.asarray(lut, params.lut.dtype))


def expected_accuracy(chain: STTChain, params: ChainParams, x: Array, y: Array) -> Array:
    """Accuracy averaged over the thermal switching noise exactly (hard table). **Raises** for
    bad features or labels outside the table's classes."""
    pc = configuration_probabilities(chain, params, x)
    y = check_labels(y, params.lut.shape[-1], pc.shape[0])
    table = jnp.argmax(table_logits(params), axis=-1)
    correct = (table[None, :] == y[:, None]).astype(pc.dtype)
    return jnp.mean(jnp.sum(pc * correct, axis=-1))


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Gradient training of the chain classifier.

    `energy_weight` multiplies the mean |I_C| (mA) in the loss; `breakdown_weight` the mean
    squared excess of |junction current| over 90 % of the breakdown current (mA²).
    `codesign` also trains the diameters. `input_basis`: "discriminant" keeps the input
    coefficients in the span of the training split's C − 1 discriminant directions,
    "formants" leaves all F free. `table`: "additive" trains the look-up table as a sum of
    per-input terms, "full" one free entry per configuration (see `ChainParams`)."""

    steps: int = 1500
    learning_rate: float = 0.02
    energy_weight: float = 0.02
    breakdown_weight: float = 1000.0
    codesign: bool = False
    init_control: float = -0.5  # mA, as the seed starts
    input_span: float = 0.15  # mA per discriminant unit at init
    coef_l2: float = 0.1  # L2 on the input coefficients (mA^2): bounds the input span
    restarts: int = 8
    n_inputs: int = 2  # sequential inputs per classification (seed: 2)
    input_basis: str = "discriminant"  # or "formants"
    table: str = "additive"  # or "full"

    def __post_init__(self):
        for name in ("steps", "restarts", "n_inputs"):
            _check_count(name, getattr(self, name))
        for name in ("learning_rate", "input_span"):
            check_positive(name, getattr(self, name))
        for name in ("energy_weight", "breakdown_weight", "coef_l2"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        check_finite("init_control", self.init_control, "mA")
        if self.input_basis not in ("discriminant", "formants"):
            raise ValueError("input_basis must be 'discriminant' or 'formants', got "
                             f"{self.input_basis!r}")
        if self.table not in ("additive", "full"):
            raise ValueError(f"table must be 'additive' or 'full', got {self.table!r}")


def init_params(chain: STTChain, x_train: np.ndarray, y_train: np.ndarray, n_classes: int,
                cfg: TrainConfig) -> ChainParams:
    """Data-driven start: the M leading discriminant directions (M = `cfg.n_inputs`, at most
    C - 1), scaled so that the data straddle the junctions' input thresholds at the initial
    control current. (Restart 0 of `init_restarts`.)"""
    return jax.tree_util.tree_map(lambda a: a[0], init_restarts(
        chain, x_train, y_train, n_classes, dataclasses.replace(cfg, restarts=1),
        jax.random.key(0)))


def init_restarts(chain: STTChain, x_train: np.ndarray, y_train: np.ndarray, n_classes: int,
                  cfg: TrainConfig, key: PRNGKeyArray) -> ChainParams:
    """`cfg.restarts` starting points (batched along axis 0): restart 0 takes the M leading
    discriminant directions; the others mix all C - 1 discriminant directions at random
    (leading M weighted 1, the rest 0.3). Each input is scaled to `cfg.input_span` mA per unit
    of within-class spread and centred on the junctions' thresholds at `cfg.init_control`.

    **Raises** `ValueError` for bad features or labels (`lda_directions`), `n_inputs` outside
    [1, C - 1], or a look-up table of (N + 1)^M configurations too large to allocate (checked
    before allocating; the message says what fits)."""
    n, m = chain.n_devices, cfg.n_inputs
    if not 1 <= m <= n_classes - 1:
        raise ValueError(f"n_inputs must be in [1, {n_classes - 1}] (the discriminant "
                         f"directions available), got {m}")
    table_size(n, m, cfg.restarts * n_classes, rows="restarts x classes (the look-up tables)")
    dirs = lda_directions(x_train, y_train, n_classes, k=n_classes - 1)  # (C-1, F)
    mix = np.array(jax.random.normal(key, (cfg.restarts, m, n_classes - 1)))
    mix *= np.r_[np.ones(m), np.full(n_classes - 1 - m, 0.3)]
    mix[0] = np.eye(m, n_classes - 1)
    thr = np.asarray(chain.intrinsic_thresholds) * 1e3 - cfg.init_control  # mA
    coefs, biases = [], []
    for r in range(cfg.restarts):
        z = x_train @ (mix[r] @ dirs).T
        within = np.sqrt(np.mean([z[y_train == c].var(axis=0) for c in range(n_classes)], 0))
        a = cfg.input_span * mix[r] / within[:, None]  # (M, C-1), mA per discriminant unit
        coefs.append(a)
        biases.append(float(np.mean(thr)) - (x_train @ (a @ dirs).T).mean(axis=0))
    coef = np.stack(coefs)
    if cfg.input_basis == "discriminant":
        basis = dirs
    else:
        coef, basis = coef @ dirs, np.eye(x_train.shape[1])
    r_ = cfg.restarts
    return ChainParams(
        coef=jnp.asarray(coef, jnp.float32),
        basis=jnp.broadcast_to(jnp.asarray(basis, jnp.float32), (r_,) + basis.shape),
        bias=jnp.asarray(np.stack(biases), jnp.float32),
        control=jnp.full((r_, m, n), cfg.init_control, jnp.float32),
        log_d=jnp.zeros((r_, n), jnp.float32),
        lut=jnp.zeros((r_, (n + 1) ** m, n_classes), jnp.float32),
        lut_factors=jnp.zeros((r_, m, n + 1, n_classes), jnp.float32),
    )


def make_loss(chain: STTChain, cfg: TrainConfig) -> Callable:
    i_max = chain.max_junction_current()

    def loss(params: ChainParams, x: Array, y: Array, w: Array) -> tuple[Array, dict]:
        p = class_probabilities(chain, params, x)
        py = jnp.take_along_axis(p, y[:, None], axis=-1)[:, 0]
        ce = -jnp.sum(w * jnp.log(py + 1e-7)) / jnp.sum(w)
        energy = jnp.mean(jnp.abs(params.control))
        i = junction_currents(params, x)
        excess = jax.nn.relu(jnp.abs(i) * 1e3 - 0.9 * jnp.min(i_max) * 1e3)
        bd = jnp.mean(excess**2)
        l2 = jnp.sum(input_weights(params) ** 2)
        total = ce + cfg.energy_weight * energy + cfg.breakdown_weight * bd + cfg.coef_l2 * l2
        return total, {"ce": ce, "energy": energy, "breakdown": bd}

    return loss


def chain_filter_spec(cfg: TrainConfig) -> ChainParams:
    """The trainable fields of `ChainParams` for `cfg` (a `filter_spec` for `train_steps`):
    everything but the basis (fixed during training) and whichever of `lut` / `lut_factors`
    `cfg.table` does not use. The diameters (`log_d`) are in it: whether their gradient is
    kept is a run-time flag (`train_chain`'s `codesign`), not a compile-time choice."""
    full = cfg.table == "full"
    return ChainParams(coef=True, basis=False, bias=True, control=True, log_d=True, lut=full,
                       lut_factors=not full)


def train_chain(chain: STTChain, params: ChainParams, x: Array, y: Array, w: Array,
                cfg: TrainConfig, w_test: Array | None = None, codesign: Array | None = None):
    """Adam (`cfg.learning_rate`) for `cfg.steps` full-batch steps of the shared loop
    (`mtjax.training.train_steps`, one `lax.scan`) on the loss of `make_loss` over the batch
    (x, y, w). Trained: the input coefficients and biases, the control currents, the table
    `cfg.table` uses (`chain_filter_spec`), and the diameters only in co-design. `w` weights
    the samples (1 train, 0 excluded) so that splits of different sizes share shapes and
    `vmap`; `w_test` (optional) marks the test samples of the same `x` for the recorded test
    accuracy. Returns (params, history) with arrays of length `steps`: loss, cross-entropy
    `ce`, `mean_abs_control_mA` (mean |I_C|, before each step), and after each step the
    control currents `control_mA` (steps, M, N), the expected train (and test) accuracy.

    `codesign` (a 0/1 array, may be traced) overrides `cfg.codesign`. It is a value, not a
    static choice: without it the diameters' gradient is stopped inside the loss
    (`jnp.where(codesign, log_d, stop_gradient(log_d))`, so Adam leaves them exactly where they
    are), hence one compiled function serves gradient and co-design runs (`vowel_study` vmaps
    over the flag).

    **Raises** `ValueError` naming the argument (`EquinoxRuntimeError` at run time for traced
    values) for features `x` not of shape (B, F) or not finite, labels `y` not integers in
    [0, C) (C = the table's classes), weights `w` / `w_test` not finite, negative or summing
    to 0, or a probability table of B x (N + 1)^M above `MAX_TABLE_ENTRIES` — instead of
    training on a NaN loss."""
    x = check_features(x, params.basis.shape[-1])
    n_samples = x.shape[0]
    y = check_labels(y, params.lut.shape[-1], n_samples)
    w = check_weights(w, n_samples)
    if w_test is not None:
        w_test = check_weights(w_test, n_samples, "w_test")
    table_size(chain.n_devices, params.control.shape[-2], n_samples, rows="samples")
    objective = make_loss(chain, cfg)
    train_d = jnp.asarray(cfg.codesign if codesign is None else codesign) != 0

    def loss_fn(p: ChainParams, batch: tuple, _key) -> tuple[Array, dict]:
        xb, yb, wb = batch
        log_d = jnp.where(train_d, p.log_d, jax.lax.stop_gradient(p.log_d))
        val, aux = objective(eqx.tree_at(lambda q: q.log_d, p, log_d), xb, yb, wb)
        return val, {"ce": aux["ce"], "mean_abs_control_mA": aux["energy"]}

    def record(p: ChainParams) -> dict:
        pc = configuration_probabilities(chain, p, x)
        table = jnp.argmax(table_logits(p), axis=-1)
        ok = jnp.sum(pc * (table[None, :] == y[:, None]), axis=-1)
        rec = {"control_mA": p.control, "train_acc": jnp.sum(w * ok) / jnp.sum(w)}
        if w_test is not None:
            rec["test_acc"] = jnp.sum(w_test * ok) / jnp.sum(w_test)
        return rec

    # the loss draws nothing: the key only feeds the loop's per-step keys
    return train_steps(params, loss_fn, (x, y, w), optimiser=optax.adam(cfg.learning_rate),
                       steps=cfg.steps, key=jax.random.key(0),
                       filter_spec=chain_filter_spec(cfg), record=record)


# ---------------------------------------------------------------------------------------------
# the seed's ±10 µA rule


def target_configurations(z_means: np.ndarray, n_devices: int) -> np.ndarray:
    """A target configuration (k_1, ..., k_M) per class from the class means (C, M) of the
    inputs: on each axis the N thresholds go into the N largest gaps between consecutive
    sorted class means, and a class's k is the number of thresholds below its mean. (C, M)."""
    targets = np.zeros(z_means.shape, int)
    for j in range(z_means.shape[1]):
        m = np.sort(z_means[:, j])
        gaps = np.diff(m)
        cut = np.sort(np.argsort(gaps)[::-1][:n_devices])
        edges = 0.5 * (m[cut] + m[cut + 1])
        targets[:, j] = np.searchsorted(edges, z_means[:, j])
    return targets


def sign_rule_train(chain: STTChain, params: ChainParams, x: np.ndarray, y: np.ndarray,
                    n_classes: int, key: PRNGKeyArray, *, steps: int = 100,
                    step_uA: float = 10.0, x_test=None, y_test=None):
    """The seed's learning rule on the control currents, with the input coefficients fixed
    (here: the discriminant initialisation). Each step applies one random training input per
    class to the (sampled, thermal) hardware; for each misclassified input and each input j,
    a junction that switched but should not have gets −step_uA on I_C (raising its input
    threshold), one that should have switched but did not gets +step_uA. The junctions that
    *should* switch for a target k are the k with the lowest present input thresholds. The
    votes of the 7 inputs are summed and each control current moves by ±step_uA (sign of its
    vote). Targets come from `target_configurations`; after training the look-up table is the
    majority class of the training inputs in each configuration (unvisited configurations go
    to the class with the nearest target). Returns (params, history).

    **Raises** `ValueError` for bad features or labels (also of the test set), a class with no
    training input, `steps` not an int >= 1 or a `step_uA` not finite and > 0."""
    steps = _check_count("steps", steps)
    step_uA = float(check_positive("step_uA", step_uA, "µA"))
    check_features(x, params.basis.shape[-1])
    x = np.asarray(x)
    y = np.asarray(check_labels(y, n_classes, x.shape[0]))
    if np.any(np.bincount(y, minlength=n_classes) == 0):
        raise ValueError(f"every class needs a training input, got counts "
                         f"{np.bincount(y, minlength=n_classes).tolist()}")
    if x_test is not None:
        check_features(x_test, params.basis.shape[-1], "x_test")
        x_test = np.asarray(x_test)
        y_test = np.asarray(check_labels(y_test, n_classes, x_test.shape[0], "y_test"))
    n = chain.n_devices
    i_tr = np.asarray(input_currents(params, jnp.asarray(x))) * 1e3  # mA
    means = np.stack([i_tr[y == c].mean(axis=0) for c in range(n_classes)])
    targets = target_configurations(means, n)
    by_class = [np.flatnonzero(y == c) for c in range(n_classes)]
    control = np.asarray(params.control, float).copy()  # mA
    thr0 = np.asarray(chain.intrinsic_thresholds) * 1e3  # mA
    m = control.shape[0]
    place = (n + 1) ** np.arange(m - 1, -1, -1)

    def sample(k, ii, c):
        return _sample_switches_jit(chain, k, ii, c)

    def acc_fn(c, xx, yy, tab):
        return _table_accuracy_jit(chain, eqx.tree_at(lambda q: q.control, params, c),
                                   jnp.asarray(xx), jnp.asarray(yy), jnp.asarray(tab))

    hist = {"control_mA": [], "train_acc": [], "test_acc": []}
    rng = np.random.default_rng(int(jax.random.randint(key, (), 0, 2**31 - 1)))
    table = _nearest_target_table(targets, n)
    # keep every training junction current below 90 % of the breakdown current
    i_lim = 0.9 * float(np.min(np.asarray(chain.max_junction_current()))) * 1e3
    c_lo = np.maximum(-i_lim - i_tr.min(axis=0)[:, None], -i_lim)
    c_hi = np.minimum(i_lim - i_tr.max(axis=0)[:, None], i_lim)
    for _ in range(steps):
        idx = np.array([rng.choice(b) for b in by_class])
        key, sub = jax.random.split(key)
        sw = np.asarray(sample(sub, jnp.asarray(i_tr[idx] * 1e-3),
                               jnp.asarray(control * 1e-3)))  # (C, M, N) bool
        votes = np.zeros_like(control)
        for r, c in enumerate(y[idx]):
            k = sw[r].sum(axis=-1)
            if table[int(np.sum(k * place))] == c:
                continue
            for j in range(m):
                order = np.argsort(thr0 - control[j])  # lowest input threshold first
                should = np.zeros(n, bool)
                should[order[:targets[c, j]]] = True
                votes[j] += np.where(should & ~sw[r, j], 1, 0) - np.where(~should & sw[r, j], 1, 0)
        control = np.clip(control + np.sign(votes) * step_uA * 1e-3, c_lo, c_hi)
        c32 = jnp.asarray(control, jnp.float32)
        hist["control_mA"].append(control.copy())
        hist["train_acc"].append(float(acc_fn(c32, x, y, table)))
        if x_test is not None:
            hist["test_acc"].append(float(acc_fn(c32, x_test, y_test, table)))
    params = eqx.tree_at(lambda q: q.control, params, jnp.asarray(control, jnp.float32))
    table = _majority_table(chain, params, x, y, n_classes, targets)
    lut = jnp.asarray(np.eye(n_classes)[table] * 10.0, jnp.float32)
    params = eqx.tree_at(lambda q: (q.lut, q.lut_factors), params,
                         (lut, jnp.zeros_like(params.lut_factors)))
    return params, {k: np.asarray(v) for k, v in hist.items()}


def _sample_switches(chain, key, inputs, control):
    p = chain.switch_probability(inputs[:, :, None] + control)  # (B, M, N)
    return jax.random.uniform(key, p.shape, p.dtype) < p


_sample_switches_jit = eqx.filter_jit(lambda *a: _sample_switches(*a))
_table_accuracy_jit = eqx.filter_jit(lambda *a: _table_accuracy(*a))


def _nearest_target_table(targets: np.ndarray, n: int) -> np.ndarray:
    m = targets.shape[1]
    grid = np.stack(np.meshgrid(*[np.arange(n + 1)] * m, indexing="ij"), -1).reshape(-1, m)
    d = np.abs(grid[:, None, :] - targets[None]).sum(-1)
    return np.argmin(d, axis=1)


def _table_accuracy(chain, params, x, y, table):
    pc = configuration_probabilities(chain, params, jnp.asarray(x))
    correct = (jnp.asarray(table)[None, :] == jnp.asarray(y)[:, None]).astype(pc.dtype)
    return jnp.mean(jnp.sum(pc * correct, axis=-1))


def _majority_table(chain, params, x, y, n_classes, targets):
    pc = np.asarray(configuration_probabilities(chain, params, jnp.asarray(x)))
    mass = np.stack([pc[y == c].sum(axis=0) for c in range(n_classes)], axis=1)
    table = _nearest_target_table(targets, chain.n_devices)
    seen = mass.sum(axis=1) > 0.5
    return np.where(seen, np.argmax(mass, axis=1), table)


# ---------------------------------------------------------------------------------------------
# software baselines


def mlp_n_params(n_in: int, hidden: int, n_out: int) -> int:
    return (n_in + 1) * hidden + (hidden + 1) * n_out


def train_mlp(key: PRNGKeyArray, x: Array, y: Array, w: Array, hidden: int, n_classes: int, *,
              steps: int = 2000, learning_rate: float = 0.02, weight_decay: float = 1e-3,
              w_test: Array | None = None):
    """A F-h-C tanh MLP (`equinox.nn.MLP`, depth 1; h = 1: 27 parameters, h = 2: 47 for 12
    formants and 7 vowels, the seed's Fig. 3 baselines), trained by the shared loop
    (`train_steps`: full batch, Adam) on the cross-entropy of the samples weighted by `w` plus
    `weight_decay` times the squared weights (not the biases). `key` initialises the MLP
    (equinox's default uniform init). Returns (model, history): per step the loss and, after
    the step, the train (and `w_test`) accuracy.

    **Raises** `ValueError` (`EquinoxRuntimeError` for traced values) as `train_chain` for
    bad features, labels or weights, and for `hidden`, `n_classes` or `steps` not ints >= 1
    (>= 2 classes) or a `learning_rate` / `weight_decay` not finite (> 0 / >= 0)."""
    hidden = _check_count("hidden", hidden)
    n_classes = _check_count("n_classes", n_classes, 2)
    steps = _check_count("steps", steps)
    learning_rate = check_positive("learning_rate", learning_rate)
    if not (math.isfinite(weight_decay) and weight_decay >= 0):
        raise ValueError(f"weight_decay must be finite and >= 0, got {weight_decay!r}")
    x = check_features(x)
    y = check_labels(y, n_classes, x.shape[0])
    w = check_weights(w, x.shape[0])
    if w_test is not None:
        w_test = check_weights(w_test, x.shape[0], "w_test")
    k_init, k_steps = jax.random.split(key)
    model = eqx.nn.MLP(x.shape[1], n_classes, hidden, depth=1, activation=jnp.tanh,
                       key=k_init, dtype=x.dtype)

    def loss_fn(m: eqx.nn.MLP, batch: tuple, _key) -> tuple[Array, dict]:
        xb, yb, wb = batch
        lp = jax.nn.log_softmax(jax.vmap(m)(xb))
        ce = -jnp.sum(wb * jnp.take_along_axis(lp, yb[:, None], -1)[:, 0]) / jnp.sum(wb)
        l2 = sum(jnp.sum(layer.weight**2) for layer in m.layers)
        return ce + weight_decay * l2, {"ce": ce}

    def record(m: eqx.nn.MLP) -> dict:
        ok = (jnp.argmax(jax.vmap(m)(x), -1) == y).astype(x.dtype)
        rec = {"train_acc": jnp.sum(w * ok) / jnp.sum(w)}
        if w_test is not None:
            rec["test_acc"] = jnp.sum(w_test * ok) / jnp.sum(w_test)
        return rec

    return train_steps(model, loss_fn, (x, y, w), optimiser=optax.adam(learning_rate),
                       steps=steps, key=k_steps, record=record)
