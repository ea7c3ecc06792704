"""`mtjax sot-network`: seed 002's 784-128-10 networks on compound SOT-MTJ synapses (PTQ as the
seed did, QAT, sampled chips, the accuracy-vs-TMR curves and contour, and the free-layer
thickness co-designed by gradient)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import _args as A
from ._io import prepare_out_dir, render_figures, write_figures

#: the quick default and the seed's full protocol (`--full`)
QUICK = {"epochs": 5, "seeds": 1, "qat_epochs": 1, "chips": 5}
FULL = {"epochs": 40, "seeds": 3, "qat_epochs": 5, "chips": 10}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", choices=["mnist", "fashion"], default="mnist",
                   help="mnist (the full MNIST if its four IDX files are found, else the 10k-digit "
                        "subset split 8000/2000, reported) or fashion (Fashion-MNIST 60k/10k)")
    p.add_argument("--data-root", metavar="DIR", default=None,
                   help="directory holding the data set's files or its folder (default: "
                        "$MTJAX_DATA, the cache, system folders)")
    p.add_argument("--cells", type=A.int_range(1, 8), nargs="+", default=[1, 2, 3],
                   help="cells per compound MTJ (n + 1 states each; default 1 2 3)")
    p.add_argument("--thickness-nm", default=1.9,
                   type=A.float_range(1.6, 2.6, lo_open=True, hi_open=True),
                   help="free-layer thickness in nm, inside (1.6, 2.6) where the model is "
                        "validated (default 1.9, the seed's choice)")
    p.add_argument("--mode", choices=["ptq", "qat", "both"], default="both",
                   help="ptq: quantise the float network after training (the seed); qat: "
                        "quantisation-aware training from it; both (default)")
    p.add_argument("--scale-rule", choices=["mse", "max"], default="mse",
                   help="how a layer's gain maps the normalised levels onto its weights "
                        "(default mse; max sends the largest weight to the largest state)")
    p.add_argument("--codesign", action="store_true",
                   help="co-design the free-layer thickness by gradient (largest --cells), "
                        "checked against a dense sweep and finite differences (a few minutes)")
    p.add_argument("--write-cost", type=A.float_range(0.0), default=0.02,
                   help="co-design: weight of the write voltage in the objective, nats of "
                        "cross-entropy per volt (default 0.02; 0: accuracy alone, under the "
                        "breakdown constraint)")
    p.add_argument("--contour", action="store_true",
                   help="also the accuracy contour over TMR 60-260 %% x 2-7 states (seed "
                        "Fig. 5d/e)")
    p.add_argument("--full", action="store_true",
                   help=f"the seed's protocol: {FULL['epochs']} epochs, {FULL['seeds']} "
                        f"training seeds, {FULL['qat_epochs']} QAT epochs, {FULL['chips']} "
                        "chips, and the contour (quick default: "
                        f"{QUICK['epochs']} epochs, {QUICK['seeds']} seed)")
    p.add_argument("--epochs", type=A.int_range(1, 1000), default=None,
                   help="float training epochs (overrides the preset)")
    p.add_argument("--seeds", type=A.int_range(1, 100), default=None,
                   help="number of training seeds SEED, SEED+1, ... (overrides the preset)")
    p.add_argument("--qat-epochs", type=A.int_range(1, 1000), default=None,
                   help="QAT epochs (overrides the preset)")
    p.add_argument("--chips", type=A.int_range(0, 1000), default=None,
                   help="sampled chips per network for the hardware accuracy, 0 for none "
                        "(overrides the preset)")
    p.add_argument("--seed", type=A.seed, default=0, help="first training seed (default 0)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="write the figures into this directory (created, and checked before "
                        "the training; needs matplotlib: pip install 'mtjax[plot]')")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ..tasks import kumar2024 as K

    out_dir = prepare_out_dir(args.out)
    preset = dict(FULL if args.full else QUICK)
    for name in ("epochs", "seeds", "qat_epochs", "chips"):
        if getattr(args, name) is not None:
            preset[name] = getattr(args, name)
    cfg = K.SOTNetworkConfig(
        dataset=args.dataset, data_root=args.data_root, epochs=preset["epochs"],
        seeds=tuple(range(args.seed, args.seed + preset["seeds"])),
        cells=tuple(sorted(set(args.cells))), thickness=args.thickness_nm * 1e-9,
        scale_rule=args.scale_rule,
        modes=("ptq", "qat") if args.mode == "both" else (args.mode,),
        qat_epochs=preset["qat_epochs"], chips=preset["chips"],
        contour=args.contour or args.full)
    codesign = K.CodesignConfig(write_cost=args.write_cost) if args.codesign else None
    quiet = args.json and not sys.stderr.isatty()

    def say(msg: str) -> None:
        if not quiet:
            print(f"mtjax sot-network: {msg} ...", file=sys.stderr, flush=True)

    result = K.sot_network_study(cfg, codesign=codesign, progress=say,
                                 bars=None if not quiet else False)
    result.pop("_figures", None)
    result["protocol"] = "full (--full)" if args.full else "quick (default; --full for the seed's)"
    return write_figures(result, out_dir, lambda w: _draw(result, w))


def _pct(ms: dict) -> str:
    return f"{100 * ms['mean']:5.1f} ± {100 * ms['std']:3.1f} %"


def render(r: dict[str, Any]) -> str:
    d, c = r["data"], r["config"]
    lines = [
        f"seed-002 network 784-{c['hidden']}-10 (sigmoid) on {d['dataset']}: {d['n_train']} "
        f"train / {d['n_test']} test ({d['split']}); {c['epochs']} epochs, batch "
        f"{c['batch_size']}, Adam {c['learning_rate']:g}, seeds {list(c['seeds'])}; "
        f"{r['protocol']}",
        f"compound SOT-MTJ at t_F = {c['thickness'] * 1e9:.2f} nm, levels ±G_k/G_max, gains by "
        f"the {c['scale_rule']} rule; chips: {c['chips']} per network (spread "
        + ", ".join(f"{n} {100 * s:.0f} %" for n, s in c["spread"])
        + f", write noise {100 * c['write_sigma']:.1f} %)",
        "",
        f"float baseline: {_pct(r['float']['test_acc'])} test",
        f"{'cells':>5} {'states':>6} {'TMR':>6} {'PTQ':>15} {'PTQ chips':>15} {'QAT':>15} "
        f"{'QAT chips':>15}",
    ]
    for n in c["cells"]:
        dev = r["devices"][str(n)]
        row = f"{n:>5} {n + 1:>6} {100 * dev['tmr']:5.1f}%"
        for mode in ("ptq", "qat"):
            res = r.get(mode, {}).get(str(n))
            row += f" {_pct(res['test_acc']) if res else '-':>15}"
            row += f" {_pct(res['chips_test_acc']) if res and 'chips_test_acc' in res else '-':>15}"
        lines.append(row)
    s = r["seed_reported"]
    lines.append(f"seed 002 reports: 3 cells at 1.9 nm {100 * s['3_cells_1.9nm']:.1f} %"
                 + (f", 4 states {100 * s['4_states']:.0f} %" if "4_states" in s else "")
                 + f"; 1-cell gain with TMR 33->78 % +{100 * s['1_cell_gain_with_tmr']:.1f} "
                 "points")
    sw = r["tmr_sweep"]
    lines.append("PTQ accuracy vs TMR ("
                 + ", ".join(f"{t:.2f} nm: {100 * m:.0f} %" for t, m in
                             zip(sw["thickness_nm"], sw["tmr"], strict=True)) + "):")
    for n, v in sw["test_acc"].items():
        acc = v["per_thickness"]
        lines.append(f"  {n} cell(s): " + " ".join(f"{100 * a:5.1f}" for a in acc)
                     + f"  (gain {100 * (acc[-1] - acc[0]):+.1f} points)")
    if "contour" in r:
        ct = r["contour"]
        lines.append("contour (PTQ, R_P = 10 kOhm): rows = states "
                     + " ".join(str(s) for s in ct["states"]) + "; columns = TMR "
                     + " ".join(f"{100 * t:.0f}%" for t in ct["tmr"]))
        for st, row in zip(ct["states"], ct["test_acc"], strict=True):
            lines.append(f"  {st} states: " + " ".join(f"{100 * a:5.1f}" for a in row))
    if "codesign" in r:
        cd = r["codesign"]
        o, s19 = cd["at_optimum"], cd["at_1.9nm"]
        dc = cd["derivative_check"]
        lines += [
            f"co-design of t_F ({cd['n_cells']} cells; objective = cross-entropy + "
            f"{cd['config']['write_cost']:g} x V_write, V_write <= "
            f"{1 - cd['config']['margin']:.2f} x V_breakdown):",
            f"  gradient optimum {cd['gradient_optimum_nm']:.3f} nm, dense sweep optimum "
            f"{cd['sweep_optimum_nm']:.3f} nm (resolution {cd['sweep_resolution_nm']:.3f} nm): "
            + ("agree" if cd["agree_within_resolution"] else "DISAGREE"),
            f"  dJ/dt_F at {dc['t_f_nm']:.2f} nm: autodiff {dc['autodiff_per_nm']:.5g} /nm, "
            f"central FD {dc['central_fd_per_nm']:.5g} /nm (rel. error {dc['rel_error']:.1e})",
            f"  at the optimum: TMR {100 * o['tmr']:.1f} %, V_write {o['v_write']:.3f} V "
            f"(breakdown {o['v_breakdown']:.3f} V), test {100 * o['test_acc']:.1f} %",
            f"  at 1.9 nm:      TMR {100 * s19['tmr']:.1f} %, V_write {s19['v_write']:.3f} V "
            f"(breakdown {s19['v_breakdown']:.3f} V), test {100 * s19['test_acc']:.1f} %",
        ]
    lines.append(f"elapsed {r['elapsed_s']:.1f} s")
    return "\n".join(lines + render_figures(r))


def _draw(r: dict, writer) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    name = r["data"]["dataset"]
    sw = r["tmr_sweep"]
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    for n, v in sw["test_acc"].items():
        ax.plot(100 * np.asarray(sw["tmr"]), 100 * np.asarray(v["per_thickness"]), "o-",
                label=f"{n} cell(s), {int(n) + 1} states")
    ax.axhline(100 * r["float"]["test_acc"]["mean"], color="k", ls="--", lw=1,
               label="float")
    ax.set(xlabel="TMR (%) (free layer 1.6-2.6 nm)", ylabel="test accuracy (%)",
           title=f"PTQ on compound SOT-MTJ levels ({name})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    writer.save(fig, "sot_accuracy_vs_tmr.png", dpi=120)
    if "contour" in r:
        ct = r["contour"]
        fig, ax = plt.subplots(figsize=(6.0, 4.4))
        z = 100 * np.asarray(ct["test_acc"])
        cs = ax.contourf(100 * np.asarray(ct["tmr"]), ct["states"], z, levels=12,
                         cmap="viridis")
        fig.colorbar(cs, ax=ax, label="test accuracy (%)")
        ax.set(xlabel="TMR (%)", ylabel="states", title=f"PTQ accuracy ({name}), "
               "R_P = 10 kOhm")
        fig.tight_layout()
        writer.save(fig, "sot_contour.png", dpi=120)
    if "codesign" in r:
        cd = r["codesign"]
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(10.5, 4.2))
        t = np.asarray(cd["sweep"]["t_f_nm"])
        a1.plot(t, cd["sweep"]["objective"], "k-", lw=1, label="dense sweep")
        for p in cd["gradient_paths"]:
            a1.plot(p["t_f_nm"], p["objective"], ".", ms=2,
                    label=f"gradient from {p['start_nm']:.1f} nm")
        a1.axvline(cd["gradient_optimum_nm"], color="r", lw=1)
        lo = min(cd["sweep"]["objective"])
        a1.set(xlabel="free-layer thickness (nm)", ylabel="objective",
               ylim=(lo - 0.01, lo + 0.1), title=f"co-design, {cd['n_cells']} cells")
        a1.legend(fontsize=7)
        a2.plot(t, cd["sweep"]["v_write"], label="write voltage")
        a2.plot(t, cd["sweep"]["v_breakdown"], label="breakdown voltage")
        a2.plot(t, (1 - cd["config"]["margin"]) * np.asarray(cd["sweep"]["v_breakdown"]),
                ":", label="breakdown x (1 - margin)")
        a2.axvline(cd["gradient_optimum_nm"], color="r", lw=1, label="optimum")
        a2.axvline(1.9, color="gray", ls="--", lw=1, label="seed (1.9 nm)")
        a2.set(xlabel="free-layer thickness (nm)", ylabel="V")
        a2b = a2.twinx()
        a2b.plot(t, 100 * np.asarray(cd["sweep"]["tmr"]), "g-", lw=0.8)
        a2b.set_ylabel("TMR (%)", color="g")
        a2.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        writer.save(fig, "sot_codesign.png", dpi=120)
