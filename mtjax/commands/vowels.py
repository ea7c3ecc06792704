"""`mtjax vowels`: the seed-001 MTJ-chain vowel classifier, trained through the device physics
(the README's main job)."""

from __future__ import annotations

import argparse
import sys
from itertools import takewhile
from typing import Any

from . import _args as A
from ._io import prepare_out_dir, render_figures, write_figures

#: most numbers in one array of the vmapped training: chain configurations (devices + 1)^inputs
#: x samples x vmapped runs (256 MiB as float32; the training holds several such arrays)
MAX_TRAINING_NUMBERS = 2**26


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--method", choices=["gradient", "sign-rule", "both"], default="both",
                   help="gradient: control currents + input coefficients by gradient, and "
                        "co-design (diameters too); sign-rule: the seed's ±10 µA rule; both "
                        "(default) also runs the MLP baselines (27 and 47 parameters)")
    p.add_argument("--devices", type=A.int_range(1), default=3,
                   help="junctions in the chain (default 3)")
    p.add_argument("--inputs", type=A.int_range(1), default=2,
                   help="sequential input currents per classification (default 2, the seed's "
                        "I_A, I_B; the seed's §III proposes more to classify more categories; "
                        "at most 6, and (devices + 1)^inputs configurations must fit, see "
                        "MAX_TRAINING_NUMBERS)")
    p.add_argument("--splits", type=A.int_range(1), default=5,
                   help="number of splits, seeds SEED, SEED+1, ... (default 5)")
    p.add_argument("--split", choices=["talker", "sample"], default="talker",
                   help="talker: no talker in both train and test (default); sample: random "
                        "80/20 split of samples, the seed's protocol")
    p.add_argument("--seed", type=A.seed, default=0,
                   help=f"first split / PRNG seed, 0..{A.MAX_SEED} (default 0)")
    p.add_argument("--steps", type=A.int_range(1), default=800, help="gradient steps (default 800)")
    p.add_argument("--restarts", type=A.int_range(1), default=4,
                   help="random restarts per split, best training loss kept (default 4)")
    p.add_argument("--energy-weight", type=A.nonnegative, default=0.02,
                   help="loss weight on the mean |I_C| in mA (default 0.02)")
    p.add_argument("--table", choices=["additive", "full"], default="additive",
                   help="how gradient training parametrises the configuration -> vowel table: "
                        "additive (a sum of per-input terms, default) or full (one entry per "
                        "configuration)")
    p.add_argument("--input-basis", choices=["discriminant", "formants"],
                   default="discriminant",
                   help="input coefficients trained in the span of the training split's "
                        "discriminant directions (default) or free over all 12 formants")
    p.add_argument("--ensemble", type=A.int_range(1), default=1, metavar="K",
                   help="run the K restarts with the lowest training loss one after the other "
                        "on the same chain and sum their table scores (K x inputs pulses per "
                        "classification; co-design members share one set of diameters). "
                        "Default 1; K <= --restarts")
    p.add_argument("--sign-steps", type=A.int_range(1), default=100,
                   help="steps of the ±10 µA rule (default 100)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="write the figures into this directory (created, and checked before "
                        "the training; needs matplotlib: pip install 'mtjax[plot]')")


def _size_numbers(devices: int, inputs: int, samples: int, runs: int) -> int:
    return (devices + 1) ** inputs * samples * runs


def check_size(args: argparse.Namespace, samples: int, chain_methods: int) -> None:
    """Refuse, before any tracing, a configuration whose training arrays exceed
    `MAX_TRAINING_NUMBERS`; the message says which --devices / --inputs would fit."""
    from ..cli import UsageError

    runs = max(1, chain_methods * args.splits * args.restarts)
    n = _size_numbers(args.devices, args.inputs, samples, runs)
    if n <= MAX_TRAINING_NUMBERS:
        return

    def fits(d, m):
        return _size_numbers(d, m, samples, runs) <= MAX_TRAINING_NUMBERS

    # the size grows with both, so count up while it still fits
    max_m = len(list(takewhile(lambda m: fits(args.devices, m), range(1, args.inputs))))
    max_d = len(list(takewhile(lambda d: fits(d, args.inputs), range(1, args.devices))))
    fit = [f"--devices {args.devices} with --inputs <= {max_m}" if max_m else
           f"no --inputs with --devices {args.devices}",
           f"--inputs {args.inputs} with --devices <= {max_d}" if max_d else
           f"no --devices with --inputs {args.inputs}"]
    how = (f" x {runs} vmapped training runs ({chain_methods} chain methods x --splits "
           f"{args.splits} x --restarts {args.restarts})" if runs > 1 else "")
    raise UsageError(
        f"mtjax vowels: --devices {args.devices} --inputs {args.inputs} is too large: "
        f"({args.devices}+1)^{args.inputs} = {(args.devices + 1) ** args.inputs:,} chain "
        f"configurations x {samples} samples{how} = {n:.2g} numbers per array, above the bound "
        f"{MAX_TRAINING_NUMBERS:.2g} ({4 * MAX_TRAINING_NUMBERS / 2**20:.0f} MiB of float32); "
        "what fits here: "
        f"{' or '.join(fit)}" + (" (fewer --splits / --restarts also help)" if runs > 1 else ""))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from .. import datasets, training
    from ..cli import UsageError

    methods = {"gradient": ("gradient", "codesign"), "sign-rule": ("sign-rule",),
               "both": training.METHODS}[args.method]
    if args.ensemble > args.restarts:
        raise UsageError(f"mtjax vowels: --ensemble {args.ensemble} must be <= --restarts "
                         f"{args.restarts} (the members are the best restarts)")
    data = datasets.load_vowels()
    n_classes = len(data.vowel_names)
    if args.inputs > n_classes - 1:
        raise UsageError(f"mtjax vowels: --inputs {args.inputs} must be <= {n_classes - 1} "
                         f"(one discriminant direction per input; {n_classes} vowels)")
    check_size(args, int(data.n_samples), sum(m in ("gradient", "codesign") for m in methods))
    out_dir = prepare_out_dir(args.out)
    cfg = training.StudyConfig(n_devices=args.devices, n_inputs=args.inputs,
                               n_splits=args.splits, split=args.split,
                               methods=methods, seed=args.seed, steps=args.steps,
                               restarts=args.restarts, energy_weight=args.energy_weight,
                               sign_steps=args.sign_steps, table=args.table,
                               input_basis=args.input_basis, ensemble=args.ensemble)
    quiet = args.json and not sys.stderr.isatty()

    def say(msg: str) -> None:
        if not quiet:
            print(f"mtjax vowels: {msg} ...", file=sys.stderr, flush=True)

    result = training.vowel_study(cfg, progress=say)
    figures = result.pop("_figures")
    warn = [m for m, r in result["methods"].items() if r.get("all_below_breakdown") is False]
    if warn:
        result["warnings"] = [f"{m}: a junction current exceeds the breakdown voltage "
                              f"({result['methods'][m]['max_junction_voltage_V']:.2f} V > "
                              f"{result['chain']['v_breakdown_V']:.2f} V) on some input"
                              for m in warn]
    return write_figures(result, out_dir, lambda w: _draw(figures, result, w))


def render(r: dict[str, Any]) -> str:
    d = r["data"]
    lines = [
        f"seed-001 vowel classifier: {d['n_samples']} samples, {d['n_classes']} vowels, "
        f"{d['n_talkers']} talkers; {len(d['split_seeds'])} {d['split']} splits "
        f"(seeds {d['split_seeds']}), test {d['n_test'][0]} samples each",
        f"chain: {r['chain']['n_devices']} in-plane STT-MTJs, intrinsic thresholds "
        + ", ".join(f"{v:.0f}" for v in r["chain"]["intrinsic_thresholds_uA"])
        + " µA, switching width (10-90 %) "
        + ", ".join(f"{v:.0f}" for v in r["chain"]["switching_width_10_90_uA"]) + " µA",
        "accuracy: hardware-faithful (sampled thermal switching, 20 draws per input), "
        "mean ± std over splits",
        "",
        f"{'method':<10} {'params':>6} {'train acc':>14} {'test acc':>14} {'mean |I_C|':>12} "
        f"{'energy/class.':>13}",
    ]
    for m, v in r["methods"].items():
        tr, te = v["train_acc"], v["test_acc"]
        ic = v.get("mean_abs_control_uA")
        en = v.get("energy_pJ")
        lines.append(
            f"{m:<10} {v['n_params']:>6} {100 * tr['mean']:6.1f} ± {100 * tr['std']:4.1f} % "
            f"{100 * te['mean']:6.1f} ± {100 * te['std']:4.1f} % "
            + (f"{ic['mean']:9.0f} µA" if ic else f"{'-':>12}")
            + (f" {en['mean']:9.2f} pJ" if en else f" {'-':>12}"))
    s = r["seed_reported"]
    lines += ["", "seed 001 reports (one random 80/20 split): chain "
              f"{100 * s['chain_train']:.1f} % train / {100 * s['chain_test']:.1f} % test, "
              f"MLP-47 ~{100 * s['mlp47_test']:.0f} %"]
    if "codesign_vs_gradient" in r:
        c = r["codesign_vs_gradient"]
        lines.append(f"co-design vs control currents alone: mean |I_C| "
                     f"{-100 * c['control_magnitude_reduction']:+.0f} %, test accuracy "
                     f"{100 * c['test_acc_change']:+.1f} points")
    lines.append("energy/class.: seed §IV estimate, per input pulse 1 pJ x (1 + N mean|I_C| / "
                 "mean|I_in|), times the number of input pulses")
    ens = {v.get("ensemble", 1) for v in r["methods"].values()} - {1}
    if ens:
        k = ens.pop()
        lines.append(f"chain rows: an ensemble of {k} parameter sets on the one chain, "
                     f"{k * r['chain']['n_inputs']} input pulses per classification, summed "
                     "table scores; params counts all members")
    for w in r.get("warnings", []):
        lines.append(f"warning: {w}")
    lines.append(f"elapsed {r['elapsed_s']:.1f} s")
    return "\n".join(lines + render_figures(r))


def _draw(fig_data: dict, r: dict, writer) -> None:
    import jax.numpy as jnp
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np

    from ..training._vowels import chain_with_diameters, input_currents, table_logits

    chain = fig_data["chain"]
    x, y = fig_data["x"], fig_data["y"]
    names = fig_data["vowels"]
    colors = plt.get_cmap("tab10")(np.arange(len(names)))
    n = chain.n_devices
    methods = [m for m in ("gradient", "codesign", "sign-rule") if m in fig_data]
    if r["chain"]["n_inputs"] != 2:
        methods = []  # the (I_A, I_B) map is drawn for the seed's two inputs only

    # 1. switching maps over (I_A, I_B) with the data on top (seed Figs. 1c, 2a-d)
    if methods:
        fig, axes = plt.subplots(1, len(methods), figsize=(5.2 * len(methods), 4.6),
                                 squeeze=False)
        for ax, m in zip(axes[0], methods, strict=True):
            p = fig_data[m]["params"]
            ch = chain_with_diameters(chain, p)
            i = np.asarray(input_currents(p, jnp.asarray(x))) * 1e3
            lo, hi = i.min(axis=0) - 0.1, i.max(axis=0) + 0.1
            ga, gb = np.meshgrid(np.linspace(lo[0], hi[0], 160), np.linspace(lo[1], hi[1], 160))
            pc = np.asarray(ch.configuration_probabilities(
                jnp.asarray(ga.ravel() * 1e-3), jnp.asarray(gb.ravel() * 1e-3),
                p.control * 1e-3))
            table = np.asarray(jnp.argmax(table_logits(p), axis=-1))
            cls = table[pc.argmax(axis=1)].reshape(ga.shape)
            ax.imshow(cls, origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]), aspect="auto",
                      cmap=matplotlib.colors.ListedColormap(colors[:len(names)]), alpha=0.3,
                      vmin=-0.5, vmax=len(names) - 0.5)
            cfg = pc.argmax(axis=1).reshape(ga.shape)
            ax.contour(ga, gb, cfg, levels=np.arange((n + 1) ** 2) + 0.5, colors="k",
                       linewidths=0.5)
            for c in range(len(names)):
                sel_tr = np.intersect1d(np.flatnonzero(y == c), fig_data["train"])
                sel_te = np.intersect1d(np.flatnonzero(y == c), fig_data["test"])
                ax.scatter(i[sel_tr, 0], i[sel_tr, 1], s=10, color=colors[c], label=names[c])
                ax.scatter(i[sel_te, 0], i[sel_te, 1], s=26, color=colors[c], marker="x")
            te = r["methods"][m]["per_split"][0]["hw_test"]
            ax.set(xlabel="I_A (mA)", ylabel="I_B (mA)",
                   title=f"{m}: split {r['data']['split_seeds'][0]}, test {100 * te:.0f} %")
        axes[0][0].legend(fontsize=7, loc="best", title="vowel (x = test)")
        fig.tight_layout()
        writer.save(fig, "vowels_switching_map.png", dpi=120)

    # 2. control currents and recognition rate vs step (seed Figs. 2e-f)
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), sharex="col")
    for col, m in enumerate(("gradient", "sign-rule")):
        if m not in fig_data:
            axes[0][col].set_visible(False)
            axes[1][col].set_visible(False)
            continue
        h = fig_data[m]["history"]
        c = np.asarray(h["control_mA"]) * 1e3
        steps = np.arange(1, c.shape[0] + 1)
        for j, lab in enumerate("ABCDEF"[:c.shape[1]]):
            for d in range(n):
                axes[0][col].plot(steps, c[:, j, d], ls=("-", "--", ":", "-.")[j % 4],
                                  label=f"I_C{d + 1}^{lab}")
        axes[0][col].set(ylabel="control current (µA)", title=m)
        axes[0][col].legend(fontsize=7, ncol=2)
        axes[1][col].plot(steps, 100 * np.asarray(h["train_acc"]), label="train")
        if len(h.get("test_acc", [])):
            axes[1][col].plot(steps, 100 * np.asarray(h["test_acc"]), label="test")
        axes[1][col].set(xlabel="training step", ylabel="recognition rate (%)",
                         ylim=(0, 100))
        axes[1][col].legend()
    fig.tight_layout()
    writer.save(fig, "vowels_training.png", dpi=120)

    # 3. test accuracy vs step: chain vs MLPs (seed Fig. 3)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for m in ("gradient", "codesign", "sign-rule", "mlp27", "mlp47"):
        if m in fig_data and len(fig_data[m]["history"].get("test_acc", [])):
            t = 100 * np.asarray(fig_data[m]["history"]["test_acc"])
            ax.plot(np.arange(1, t.size + 1), t,
                    label=f"{m} ({r['methods'][m]['n_params']} params)")
    ax.set(xscale="log", xlabel="training step", ylabel="test recognition rate (%)",
           ylim=(0, 100), title=f"split {r['data']['split_seeds'][0]} (expected accuracy)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    writer.save(fig, "vowels_accuracy.png", dpi=120)
