"""The seed-001 study: every method on the same talker-disjoint (or random) splits, with
hardware-faithful evaluation, mean ± std, and the histories the figures need."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import datasets
from ..devices._sttchain import SEED001_INPUT_THRESHOLDS, STTChain, seed001_chain, table_size
from ._vowels import (
    ChainParams,
    TrainConfig,
    chain_with_diameters,
    ensemble_predict,
    expected_accuracy,
    fill_unvisited_table,
    hardware_predict,
    init_restarts,
    input_currents,
    junction_currents,
    make_split,
    mlp_n_params,
    sign_rule_train,
    train_chain,
    train_mlp,
)

METHODS = ("gradient", "codesign", "sign-rule", "mlp27", "mlp47")
#: The seed's reported numbers (one random 80/20 split).
SEED001_REPORTED = {"chain_train": 0.966, "chain_test": 0.964, "mlp47_test": 0.95}


def default_chain(n_devices: int = 3) -> STTChain:
    """The seed-001 chain for N = 3; for other N, junctions whose measured-style input
    thresholds at I_C = −500 µA are spread evenly over the seed's 434-724 µA (**assumed**).

    **Raises** `ValueError` unless `n_devices` is an int >= 1."""
    if not (isinstance(n_devices, int | np.integer) and not isinstance(n_devices, bool)
            and n_devices >= 1):
        raise ValueError(f"n_devices must be an int >= 1, got {n_devices!r}")
    if n_devices == 3:
        return seed001_chain()
    return seed001_chain(np.linspace(434e-6, 724e-6, n_devices))


def _mean_std(v) -> dict:
    v = np.asarray(v, float)
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "values": v.tolist()}


def energy_per_input_pj(n_devices: int, mean_abs_control: float, mean_abs_input: float) -> float:
    """Seed 001 §IV estimate, pJ per classified input: ~1 pJ for the input pulse (tens of µA,
    1-10 ns, CMOS spiking driver) plus N learning pulses whose energy scales with their
    amplitude relative to the input's: $1 + N\\,\\overline{|I_C|}/\\overline{|I_\\mathrm{in}|}$
    (the seed's $(1 + 0.2N)$ pJ at a ratio of 0.2)."""
    return 1.0 + n_devices * mean_abs_control / max(mean_abs_input, 1e-30)


@dataclasses.dataclass
class StudyConfig:
    """What `vowel_study` runs (see the field comments).

    **Raises** `ValueError` naming the field for unknown methods or split kinds, counts that
    are not ints >= 1, non-finite or out-of-range numbers (`learning_rate` and
    `sign_input_span` > 0, weights >= 0, `test_fraction` in (0, 1)), `ensemble > restarts`,
    a negative seed, or more switching configurations (n_devices + 1)^n_inputs than
    `MAX_TABLE_ENTRIES` allows even for one sample (`vowel_study` checks the full table,
    samples x parallel fits, before any work)."""

    n_devices: int = 3
    n_inputs: int = 2  # the seed's I_A, I_B; more inputs per §III of the seed
    n_splits: int = 5
    split: str = "talker"  # or "sample" (the seed's protocol)
    methods: Sequence[str] = METHODS
    seed: int = 0
    steps: int = 800
    restarts: int = 4
    learning_rate: float = 0.03
    energy_weight: float = 0.02
    coef_l2: float = 0.1
    sign_steps: int = 100
    sign_input_span: float = 0.1  # mA per discriminant unit (the rule's fixed inputs)
    mlp_steps: int = 2000
    eval_repeats: int = 20
    test_fraction: float = 0.2
    table: str = "additive"  # the look-up table's parametrisation in gradient training
    input_basis: str = "discriminant"  # input coefficients in the discriminant subspace
    fill_table: bool = True  # unvisited entries of a *full* table from their neighbours
    ensemble: int = 1  # parameter sets run one after the other on the chain (<= restarts)
    refit_steps: int = 300  # co-design ensemble: members refit to the shared diameters

    def __post_init__(self):
        bad = [m for m in self.methods if m not in METHODS]
        if bad:
            raise ValueError(f"methods must be among {METHODS}, got {bad}")
        if self.split not in ("talker", "sample"):
            raise ValueError(f"split must be 'talker' or 'sample', got {self.split!r}")
        for name in ("n_devices", "n_inputs", "n_splits", "steps", "restarts", "sign_steps",
                     "mlp_steps", "eval_repeats", "ensemble", "refit_steps"):
            v = getattr(self, name)
            if not (isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= 1):
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        for name, lo in (("learning_rate", None), ("sign_input_span", None),
                         ("energy_weight", 0.0), ("coef_l2", 0.0)):
            v = getattr(self, name)
            ok = isinstance(v, int | float) and math.isfinite(v) and \
                (v > 0 if lo is None else v >= lo)
            if not ok:
                raise ValueError(f"{name} must be a finite number {'> 0' if lo is None else '>= 0'}"
                                 f", got {v!r}")
        if not (isinstance(self.test_fraction, int | float) and 0 < self.test_fraction < 1):
            raise ValueError(f"test_fraction must be in (0, 1), got {self.test_fraction!r}")
        table_size(self.n_devices, self.n_inputs)
        if self.ensemble > self.restarts:
            raise ValueError(f"ensemble must be <= restarts ({self.restarts}), got "
                             f"{self.ensemble}")
        # the parametrisation choices are checked by TrainConfig
        TrainConfig(table=self.table, input_basis=self.input_basis)
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")


def vowel_study(cfg: StudyConfig | None = None, *,
                progress: Callable[[str], None] | None = None) -> dict:
    """Run every requested method on `cfg.n_splits` splits of the bundled vowels (seeds
    `cfg.seed`, `cfg.seed + 1`, ...) and return a JSON-ready dict: per method the per-split
    and mean ± std hardware-faithful train/test accuracy, the expected (noise-averaged) test
    accuracy, mean |I_C|, energy estimate, trained-parameter count; plus the histories and the
    trained parameters of the first split for figures (under the key `_figures`, arrays)."""
    cfg = StudyConfig() if cfg is None else cfg
    say = progress or (lambda _msg: None)
    t_start = time.perf_counter()
    data = datasets.load_vowels()
    x_raw, y_np = np.asarray(data.features, float), np.asarray(data.labels, int)
    n_cls = data.n_classes
    if cfg.n_inputs > n_cls - 1:
        raise ValueError(f"n_inputs must be <= {n_cls - 1} (number of classes - 1), got "
                         f"{cfg.n_inputs}")
    n_chain = sum(m in cfg.methods for m in ("gradient", "codesign"))
    # the vmapped training holds a probability table per split, restart and method: refuse
    # sizes that cannot be allocated before tracing anything
    table_size(cfg.n_devices, cfg.n_inputs,
               data.n_samples * (cfg.n_splits * cfg.restarts * max(n_chain, 1)),
               rows=f"rows ({data.n_samples} samples x {cfg.n_splits} splits x {cfg.restarts} "
                    f"restarts x {max(n_chain, 1)} method(s), trained at once)")
    chain = default_chain(cfg.n_devices)
    n = chain.n_devices

    splits = []
    for s in range(cfg.seed, cfg.seed + cfg.n_splits):
        if cfg.split == "talker":
            tr, te = datasets.talker_split(data, cfg.test_fraction, s)
        else:
            tr, te = datasets.sample_split(data.n_samples, cfg.test_fraction, s)
        splits.append(make_split(x_raw, tr, te, cfg.split, s))
    xs = np.stack([(x_raw - sp.mean) / sp.std for sp in splits]).astype(np.float32)
    w_tr = np.zeros((len(splits), len(y_np)), np.float32)
    w_te = np.zeros_like(w_tr)
    for k, sp in enumerate(splits):
        w_tr[k, sp.train] = 1
        w_te[k, sp.test] = 1
    y = jnp.asarray(y_np)

    out: dict = {
        "data": {"name": "Hillenbrand et al. (1995) vowels, seed-001 subset",
                 "n_samples": int(data.n_samples), "n_classes": int(n_cls),
                 "n_talkers": int(np.unique(data.talkers).size),
                 "split": cfg.split, "test_fraction": cfg.test_fraction,
                 "split_seeds": [sp.seed for sp in splits],
                 "n_train": [int(sp.train.size) for sp in splits],
                 "n_test": [int(sp.test.size) for sp in splits]},
        "config": dataclasses.asdict(cfg) | {"methods": list(cfg.methods)},
        "chain": {"n_devices": n, "n_inputs": cfg.n_inputs,
                  "diameter_nm": (np.asarray(chain.diameter) * 1e9).tolist(),
                  "intrinsic_thresholds_uA": (np.asarray(chain.intrinsic_thresholds)
                                              * 1e6).tolist(),
                  "switching_width_10_90_uA": (np.asarray(chain.switching_width())
                                               * 1e6).tolist(),
                  "pulse_width_s": float(chain.pulse_width),
                  "max_junction_current_uA": float(chain.max_junction_current()) * 1e6,
                  "v_breakdown_V": float(chain.v_breakdown),
                  "calibrated_to": "seed 001 input thresholds "
                                   f"{[round(v * 1e6) for v in SEED001_INPUT_THRESHOLDS]} µA "
                                   "at I_C = -500 µA" if n == 3 else "assumed thresholds"},
        "seed_reported": SEED001_REPORTED,
        "methods": {},
    }
    figures: dict = {"x": xs[0], "y": y_np, "train": splits[0].train, "test": splits[0].test,
                     "vowels": list(data.vowel_names), "chain": chain}

    chain_methods = [m for m in ("gradient", "codesign") if m in cfg.methods]
    if chain_methods:
        say(f"{' + '.join(chain_methods)}: {cfg.n_splits} splits x {cfg.restarts} restarts x "
            f"{cfg.steps} steps (one compiled, vmapped run)")
        tc = TrainConfig(steps=cfg.steps, learning_rate=cfg.learning_rate,
                         energy_weight=cfg.energy_weight, coef_l2=cfg.coef_l2,
                         restarts=cfg.restarts, n_inputs=cfg.n_inputs, table=cfg.table,
                         input_basis=cfg.input_basis)
        inits = [init_restarts(chain, xs[k][sp.train], y_np[sp.train], n_cls, tc,
                               jax.random.fold_in(jax.random.key(cfg.seed), k))
                 for k, sp in enumerate(splits)]
        p0 = jax.tree_util.tree_map(lambda *a: jnp.stack(a), *inits)  # (S, R, ...)
        p0 = jax.tree_util.tree_map(lambda a: jnp.stack([a] * len(chain_methods)), p0)
        flags = jnp.asarray([m == "codesign" for m in chain_methods], jnp.float32)
        params_all, hist_all = _fit_all(chain, p0, jnp.asarray(xs), y, jnp.asarray(w_tr),
                                        jnp.asarray(w_te), flags, tc)
        n_ens = cfg.ensemble
        for mi, method in enumerate(chain_methods):
            params = jax.tree_util.tree_map(lambda a, mi=mi: a[mi], params_all)
            hist = jax.tree_util.tree_map(lambda a, mi=mi: a[mi], hist_all)
            order = np.argsort(np.asarray(hist["loss"][:, :, -1]), axis=1)  # (S, R)
            best = order[:, 0]
            if n_ens > 1:
                top = jnp.asarray(order[:, :n_ens])
                members = jax.tree_util.tree_map(
                    lambda a, t=top: jax.vmap(lambda ai, ti: ai[ti])(a, t), params)
                if method == "codesign":
                    # one physical chain: every member takes the diameters of the member with
                    # the lowest training loss and refits its currents and table to them
                    say(f"codesign ensemble: {n_ens} members refit to shared diameters "
                        f"({cfg.refit_steps} steps)")
                    shared = jnp.broadcast_to(members.log_d[:, :1], members.log_d.shape)
                    members = eqx.tree_at(lambda q: q.log_d, members, shared)
                    members, _ = _fit_all(chain, jax.tree_util.tree_map(lambda a: a[None],
                                                                        members),
                                          jnp.asarray(xs), y, jnp.asarray(w_tr),
                                          jnp.asarray(w_te), jnp.zeros(1, jnp.float32),
                                          dataclasses.replace(tc, steps=cfg.refit_steps))
                    members = jax.tree_util.tree_map(lambda a: a[0], members)
            rows = []
            chosen = []
            for k, sp in enumerate(splits):
                if n_ens > 1:
                    mem = [jax.tree_util.tree_map(lambda a, k=k, j=j: a[k, j], members)
                           for j in range(n_ens)]
                else:
                    mem = [jax.tree_util.tree_map(lambda a, k=k, b=best: a[k, b[k]], params)]
                if cfg.fill_table and cfg.table == "full":
                    mem = [fill_unvisited_table(chain, p, xs[k][sp.train], y_np[sp.train],
                                                n_cls) for p in mem]
                chosen.append(mem[0])
                if n_ens > 1:
                    rows.append(_evaluate_ensemble(chain, mem, xs[k], y_np, sp, cfg, k))
                else:
                    rows.append(_evaluate_chain(chain, mem[0], xs[k], y_np, sp, cfg, k))
            mi_ = cfg.n_inputs
            per = mi_ * (x_raw.shape[1] + 1) + mi_ * n
            res = _summarise(rows, n_params=n_ens * per + (n if method == "codesign" else 0))
            res["trained"] = ((f"{n_ens} x (" if n_ens > 1 else "")
                              + f"{mi_ * (x_raw.shape[1] + 1)} input coefficients + {mi_ * n} "
                              "control currents" + (")" if n_ens > 1 else "")
                              + (f" + {n} diameters" if method == "codesign" else ""))
            res["restart_chosen"] = (order[:, :n_ens] if n_ens > 1 else best).tolist()
            res["ensemble"] = n_ens
            res["input_pulses_per_classification"] = n_ens * mi_
            out["methods"][method] = res
            figures[method] = {
                "params": chosen[0],
                "history": jax.tree_util.tree_map(lambda a, b=best: np.asarray(a[0, b[0]]),
                                                  hist)}

    if "sign-rule" in cfg.methods:
        say(f"sign-rule: {cfg.n_splits} splits x {cfg.sign_steps} steps (±10 µA)")
        tc = TrainConfig(restarts=1, n_inputs=cfg.n_inputs, input_span=cfg.sign_input_span)
        rows = []
        for k, sp in enumerate(splits):
            p0 = jax.tree_util.tree_map(
                lambda a: a[0], init_restarts(chain, xs[k][sp.train], y_np[sp.train], n_cls,
                                              tc, jax.random.key(0)))
            p, h = sign_rule_train(chain, p0, xs[k][sp.train], y_np[sp.train], n_cls,
                                   jax.random.fold_in(jax.random.key(cfg.seed + 17), k),
                                   steps=cfg.sign_steps, x_test=xs[k][sp.test],
                                   y_test=y_np[sp.test])
            rows.append(_evaluate_chain(chain, p, xs[k], y_np, sp, cfg, k))
            if k == 0:
                figures["sign-rule"] = {"params": p, "history": h}
        res = _summarise(rows, n_params=cfg.n_inputs * n)
        res["trained"] = (f"{cfg.n_inputs * n} control currents (±10 µA rule); input "
                          "coefficients fixed from the training split's leading discriminants")
        out["methods"]["sign-rule"] = res

    for method, hidden in (("mlp27", 1), ("mlp47", 2)):
        if method not in cfg.methods:
            continue
        say(f"{method}: {cfg.n_splits} splits x {cfg.mlp_steps} steps")

        def fit_mlp(x, wt, we, k, hidden=hidden):  # the history (the MLP holds its tanh)
            return train_mlp(k, x, y, wt, hidden, n_cls, steps=cfg.mlp_steps, w_test=we)[1]

        keys = jax.random.split(jax.random.key(cfg.seed + 101), len(splits))
        hist = jax.jit(jax.vmap(fit_mlp))(jnp.asarray(xs), jnp.asarray(w_tr),
                                          jnp.asarray(w_te), keys)
        tr_acc = np.asarray(hist["train_acc"][:, -1])
        te_acc = np.asarray(hist["test_acc"][:, -1])
        out["methods"][method] = {
            "n_params": mlp_n_params(x_raw.shape[1], hidden, n_cls),
            "trained": f"{x_raw.shape[1]}-{hidden}-{n_cls} tanh MLP, Adam",
            "train_acc": _mean_std(tr_acc), "test_acc": _mean_std(te_acc),
        }
        figures[method] = {"history": {k: np.asarray(v[0]) for k, v in hist.items()}}

    if "gradient" in out["methods"] and "codesign" in out["methods"]:
        g, c = out["methods"]["gradient"], out["methods"]["codesign"]
        red = 1 - c["mean_abs_control_uA"]["mean"] / g["mean_abs_control_uA"]["mean"]
        out["codesign_vs_gradient"] = {
            "control_magnitude_reduction": red,
            "test_acc_change": c["test_acc"]["mean"] - g["test_acc"]["mean"],
            "target": ">= 30 % less mean |I_C| at equal or better test accuracy",
        }
    out["elapsed_s"] = time.perf_counter() - t_start
    out["_figures"] = figures
    return out


@eqx.filter_jit
def _fit_all(chain, p0, xs, y, w_tr, w_te, flags, tc: TrainConfig):
    """Train methods x splits x restarts in one vmapped call. Module-level and traced on its
    array arguments (the chain included), so repeated studies with the same shapes and
    `TrainConfig` reuse the compiled function."""

    def fit(p, x, wt, we, flag):
        return train_chain(chain, p, x, y, wt, tc, w_test=we, codesign=flag)

    run = jax.vmap(jax.vmap(jax.vmap(fit, in_axes=(0, None, None, None, None)),
                            in_axes=(0, 0, 0, 0, None)),
                   in_axes=(0, None, None, None, 0))
    return run(p0, xs, w_tr, w_te, flags)


def _evaluate_chain(chain: STTChain, p: ChainParams, x: np.ndarray, y: np.ndarray, sp, cfg,
                    k: int) -> dict:
    key = jax.random.fold_in(jax.random.key(cfg.seed + 999), k)
    xt, xe = jnp.asarray(x[sp.train]), jnp.asarray(x[sp.test])
    yt, ye = jnp.asarray(y[sp.train]), jnp.asarray(y[sp.test])
    k1, k2 = jax.random.split(key)
    hw_tr = float(jnp.mean(hardware_predict(chain, p, xt, k1, cfg.eval_repeats) == yt))
    hw_te = float(jnp.mean(hardware_predict(chain, p, xe, k2, cfg.eval_repeats) == ye))
    ex_te = float(expected_accuracy(chain, p, xe, ye))
    i_in = np.asarray(input_currents(p, jnp.asarray(x)))
    ic = np.abs(np.asarray(p.control)) * 1e-3
    ch = chain_with_diameters(chain, p)
    v = np.asarray(ch.ap_voltage(junction_currents(p, jnp.asarray(x))))
    return {
        "hw_train": hw_tr, "hw_test": hw_te, "expected_test": ex_te,
        "mean_abs_control_uA": float(ic.mean() * 1e6),
        "mean_abs_input_uA": float(np.abs(i_in).mean() * 1e6),
        "energy_pJ": p.control.shape[0] * energy_per_input_pj(chain.n_devices, ic.mean(),
                                                              np.abs(i_in).mean()),
        "max_junction_voltage_V": float(v.max()),
        "below_breakdown": bool(v.max() <= float(chain.v_breakdown)),
        "diameter_nm": (np.asarray(ch.diameter) * 1e9).tolist(),
        "control_uA": (np.asarray(p.control) * 1e3).tolist(),
    }


def _evaluate_ensemble(chain: STTChain, members: list[ChainParams], x: np.ndarray,
                       y: np.ndarray, sp, cfg, k: int) -> dict:
    """`_evaluate_chain` for K members on one chain (`ensemble_predict`): accuracies of the
    summed table scores with sampled switching; currents, energy and voltages over all
    members (energy: the K members' input pulses add up)."""
    each = [_evaluate_chain(chain, p, x, y, sp, cfg, k) for p in members]
    stacked = jax.tree_util.tree_map(lambda *a: jnp.stack(a), *members)
    key = jax.random.fold_in(jax.random.key(cfg.seed + 4999), k)
    k1, k2 = jax.random.split(key)
    acc = {}
    for name, idx, kk in (("hw_train", sp.train, k1), ("hw_test", sp.test, k2)):
        pred = ensemble_predict(chain, stacked, jnp.asarray(x[idx]), kk, cfg.eval_repeats)
        acc[name] = float(jnp.mean(pred == jnp.asarray(y[idx])))
    return {
        **acc,
        "expected_test": None,  # the summed scores have no cheap exact noise average
        "member_hw_test": [r["hw_test"] for r in each],
        "mean_abs_control_uA": float(np.mean([r["mean_abs_control_uA"] for r in each])),
        "mean_abs_input_uA": float(np.mean([r["mean_abs_input_uA"] for r in each])),
        "energy_pJ": float(np.sum([r["energy_pJ"] for r in each])),
        "max_junction_voltage_V": float(max(r["max_junction_voltage_V"] for r in each)),
        "below_breakdown": all(r["below_breakdown"] for r in each),
        "diameter_nm": each[0]["diameter_nm"],
        "member_diameter_nm": [r["diameter_nm"] for r in each],
        "control_uA": [r["control_uA"] for r in each],
    }


def _summarise(rows: list[dict], n_params: int) -> dict:
    return {
        "n_params": n_params,
        "train_acc": _mean_std([r["hw_train"] for r in rows]),
        "test_acc": _mean_std([r["hw_test"] for r in rows]),
        "expected_test_acc": (None if any(r["expected_test"] is None for r in rows)
                              else _mean_std([r["expected_test"] for r in rows])),
        "mean_abs_control_uA": _mean_std([r["mean_abs_control_uA"] for r in rows]),
        "energy_pJ": _mean_std([r["energy_pJ"] for r in rows]),
        "max_junction_voltage_V": float(max(r["max_junction_voltage_V"] for r in rows)),
        "all_below_breakdown": all(r["below_breakdown"] for r in rows),
        "per_split": rows,
    }


def strip_figures(result: dict) -> dict:
    """The JSON part of a `vowel_study` result."""
    return {k: v for k, v in result.items() if not k.startswith("_")}


__all__ = ["METHODS", "StudyConfig", "default_chain", "energy_per_input_pj", "strip_figures",
           "vowel_study"]
