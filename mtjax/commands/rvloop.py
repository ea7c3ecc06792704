"""`mtjax rv-loop`: R(V) loops and read-out levels of multi-level devices (seeds 000 and 002)."""

from __future__ import annotations

import argparse
import math
from typing import Any

from . import _args as A
from ._io import prepare_out_dir, render_figures, write_figures

_CMD = "mtjax rv-loop"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=["single", "chain", "parallel"], default="chain",
                   help="single MTJ, series chain of N MTJs (seed 000), or n SOT cells in "
                        "parallel on one channel (seed 002); default chain")
    p.add_argument("--n", type=A.int_range(1), default=None,
                   help="junctions in the chain / cells on the channel (default 3)")
    p.add_argument("--thickness-nm", type=A.positive, default=1.9,
                   help="parallel: free-layer thickness, nm (1.6-2.6; default 1.9)")
    p.add_argument("--r-series", type=A.nonnegative, default=900.0,
                   help="parallel: lumped series resistance, Ohm (default 900)")
    p.add_argument("--v-max", type=A.positive, default=None,
                   help="sweep amplitude, V (default: just past the last switch, capped at "
                        "the breakdown voltage for the parallel device)")
    p.add_argument("--v-read", type=A.positive, default=0.1,
                   help="chain read bias, V (default 0.1)")
    p.add_argument("--samples", type=A.int_range(0), default=0,
                   help="overlay K device-to-device samples and histogram their levels")
    p.add_argument("--seed", type=A.seed, default=0, help="PRNG seed for --samples (0)")
    p.add_argument("--points", type=A.int_range(3), default=401,
                   help="voltages per sweep leg (401)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="write rv_loop.png into this directory (created; needs matplotlib)")


def _chain_result(args, jax, jnp, np, dv):
    import equinox as eqx

    n = 1 if args.device == "single" else (3 if args.n is None else args.n)
    nominal = dv.LinearRVMTJ(**dv.SEED000_PLACEHOLDER)
    chain = dv.SeriesChain(jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, (n,)), nominal))
    writes = np.asarray(chain.write_voltages())
    erases = np.asarray(chain.erase_voltages())
    v_max = args.v_max if args.v_max is not None else float(writes[-1]) * 1.15
    with A.blame(_CMD, "--v-max", v_max, "V"):
        loop = {k: np.asarray(v) for k, v in chain.loop(v_max, args.points).items()}
        vmax_j = float(chain.max_junction_voltage(v_max))
    with A.blame(_CMD, "--v-read", args.v_read, "V"):
        levels = np.asarray(chain.levels(args.v_read))
    out = {
        "device": args.device, "n": n, "model": "seed 000 four-line R(V) (PHYSICS.md §4.1)",
        "parameters": dict(dv.SEED000_PLACEHOLDER),
        "parameters_note": "placeholders: seed 000 Table 1 is missing from the text",
        "v_max_V": v_max, "v_read_V": args.v_read,
        "levels_ohm": levels.tolist(),
        "write_voltages_V": writes.tolist(),
        "erase_voltages_V": erases.tolist(),
        "max_junction_voltage_V": vmax_j,
        "v_breakdown_V": float(np.min(np.asarray(chain.mtj.v_breakdown))),
        "loop": {k: v.tolist() for k, v in loop.items()},
    }
    if args.samples:
        pop = dv.sample_devices(nominal, dv.SEED000_PLACEHOLDER_SPREAD,
                                jax.random.key(args.seed), (args.samples, n))
        chains = dv.SeriesChain(pop)
        lv = np.asarray(eqx.filter_vmap(lambda c: c.levels(args.v_read))(chains))
        w = np.asarray(eqx.filter_vmap(lambda c: c.write_voltages())(chains))
        loops = eqx.filter_vmap(lambda c: c.loop(v_max, args.points))(chains)
        out["samples"] = {
            "n": args.samples, "seed": args.seed,
            "spread": dict(dv.SEED000_PLACEHOLDER_SPREAD),
            "spread_note": "assumed device-to-device standard deviations (absolute, SI)",
            "levels_mean_ohm": lv.mean(0).tolist(), "levels_std_ohm": lv.std(0).tolist(),
            "write_mean_V": w.mean(0).tolist(), "write_std_V": w.std(0).tolist(),
            "levels_ohm": lv.tolist(), "write_voltages_V": w.tolist(),
            "loops_r": np.asarray(loops["r"]).tolist(),
        }
    return out


def _parallel_result(args, jax, jnp, np, dv):
    import equinox as eqx

    n = 3 if args.n is None else args.n
    t_f = args.thickness_nm * 1e-9
    with A.blame(_CMD, "--thickness-nm", args.thickness_nm, "nm"):
        cell = dv.ParallelSOTCell.from_thickness(t_f, n, r_series=args.r_series)
    vc = np.asarray(cell.critical_voltages())
    vb = float(cell.v_breakdown)
    capped = False
    if args.v_max is not None:
        v_max = args.v_max  # check_drive refuses it if above breakdown
    else:
        v_max = min(float(vc.max()) * 1.15, vb)
        capped = float(vc.max()) > vb
    with A.blame(_CMD, "--v-max", v_max, "V"):
        loop = {k: np.asarray(v) for k, v in cell.loop(v_max, args.points).items()}
    g = np.asarray(cell.levels())
    out = {
        "device": "parallel", "n": n, "thickness_nm": args.thickness_nm,
        "model": "n SOT-MTJs on one channel, read in parallel (PHYSICS.md §4.3, §2.6, §4.5)",
        "tmr": float(cell.tmr[0]), "r_p_ohm": float(cell.r_p[0]),
        "r_channel_ohm": float(cell.r_channel), "r_series_ohm": args.r_series,
        "alpha_over_theta_eff": float(dv.calibrated_alpha_over_theta(args.r_series)),
        "critical_voltages_V": vc.tolist(), "v_breakdown_V": vb,
        "switches_beyond_breakdown": bool(capped),
        "v_max_V": v_max,
        "levels_ohm": (1 / g).tolist(), "levels_S": g.tolist(),
        "consecutive_ratios": np.asarray(cell.consecutive_ratios()).tolist(),
        "normalised_weight_levels": np.asarray(dv.normalised_weight_levels(g)).tolist(),
        "loop": {k: v.tolist() for k, v in loop.items()},
    }
    if args.samples:
        keys = jax.random.split(jax.random.key(args.seed), args.samples)
        cells = eqx.filter_vmap(
            lambda k: dv.ParallelSOTCell.from_thickness(t_f, n, r_series=args.r_series, key=k)
        )(keys)
        vcs = np.asarray(eqx.filter_vmap(lambda c: c.critical_voltages())(cells))
        gs = np.asarray(eqx.filter_vmap(lambda c: c.levels())(cells))
        loops = eqx.filter_vmap(lambda c: c._loop(v_max, args.points))(cells)
        out["samples"] = {
            "n": args.samples, "seed": args.seed,
            "spread_note": "5 % relative cell-to-cell spread of the critical current (assumed)",
            "critical_voltages_V": vcs.tolist(), "levels_ohm": (1 / gs).tolist(),
            "levels_mean_ohm": (1 / gs).mean(0).tolist(),
            "levels_std_ohm": (1 / gs).std(0).tolist(),
            "loops_r": np.asarray(loops["r"]).tolist(),
        }
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp
    import numpy as np

    from .. import devices as dv
    from ..numerics import x64

    out_dir = prepare_out_dir(args.out)
    with x64():
        if args.device == "parallel":
            out = _parallel_result(args, jax, jnp, np, dv)
        else:
            out = _chain_result(args, jax, jnp, np, dv)
    return write_figures(out, out_dir, lambda w: _figure(out, w))


def _figure(r: dict[str, Any], writer) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    samples = r.get("samples")
    ncols = 3 if samples else 1
    fig, axes = plt.subplots(1, ncols, figsize=(5.2 * ncols, 4.2), squeeze=False)
    ax = axes[0, 0]
    v = np.asarray(r["loop"]["v"])
    if samples:
        for rr in samples["loops_r"]:
            ax.plot(v, np.asarray(rr) / 1e3, color="0.75", lw=0.6)
    ax.plot(v, np.asarray(r["loop"]["r"]) / 1e3, color="C3", lw=1.8, label="nominal")
    ax.set_xlabel("applied voltage (V)")
    ax.set_ylabel("resistance (kΩ)")
    title = (f"series chain of {r['n']} MTJs" if r["device"] != "parallel"
             else f"{r['n']} SOT cells in parallel, t_F = {r['thickness_nm']} nm")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    if samples:
        lv = np.asarray(samples["levels_ohm"]) / 1e3
        ax = axes[0, 1]
        ax.hist(lv.reshape(-1), bins=80, color="C0")
        ax.set_xlabel("read-out resistance (kΩ)")
        ax.set_ylabel("count")
        ax.set_title(f"levels over {samples['n']} devices", fontsize=10)
        ax = axes[0, 2]
        if r["device"] == "parallel":
            data, label = np.asarray(samples["critical_voltages_V"]), "critical voltage (V)"
        else:
            data, label = np.asarray(samples["write_voltages_V"]), "write voltage (V)"
        for k in range(data.shape[1]):
            ax.hist(data[:, k], bins=40, alpha=0.7, label=f"switch {k + 1}")
        ax.set_xlabel(label)
        ax.set_ylabel("count")
        ax.legend(fontsize=7)
        ax.set_title("spread of write voltages", fontsize=10)
    fig.tight_layout()
    writer.save(fig, "rv_loop.png", dpi=130)


def render(r: dict[str, Any]) -> str:
    lines = []
    if r["device"] == "parallel":
        lines.append(f"{r['n']} SOT-MTJ cell(s) in parallel, t_F = {r['thickness_nm']} nm: "
                     f"TMR {100 * r['tmr']:.1f} %, R_P {r['r_p_ohm'] / 1e3:.2f} kOhm, channel "
                     f"{r['r_channel_ohm']:.0f} Ohm + series {r['r_series_ohm']:.0f} Ohm")
        lines.append("critical voltages  " + ", ".join(f"{x:.3f}" for x in
                                                       r["critical_voltages_V"]) +
                     f" V   (breakdown {r['v_breakdown_V']:.2f} V)")
        if r["switches_beyond_breakdown"]:
            lines.append("WARNING: some cells switch only above the breakdown voltage; the "
                         "sweep stops at breakdown")
        lines.append("levels             " + ", ".join(f"{x / 1e3:.3f}" for x in
                                                       r["levels_ohm"]) + " kOhm")
        lines.append("consecutive ratio  " + ", ".join(f"{x:.3f}" for x in
                                                       r["consecutive_ratios"]))
    else:
        lines.append(f"series chain of {r['n']} MTJ(s), seed-000 R(V) model "
                     f"({r['parameters_note']})")
        lines.append("write voltages     " + ", ".join(f"{x:.3f}" for x in r["write_voltages_V"])
                     + " V")
        e = r["erase_voltages_V"]
        shots = len({round(x, 9) for x in e if math.isfinite(x)})
        lines.append("erase voltages     " + ", ".join(f"{x:.3f}" for x in e) +
                     f" V   ({shots} erase step{'s' if shots != 1 else ''})")
        lines.append(f"levels at {r['v_read_V']:.2f} V    " +
                     ", ".join(f"{x:.0f}" for x in r["levels_ohm"]) + " Ohm")
        lines.append(f"max junction bias  {r['max_junction_voltage_V']:.3f} V "
                     f"(breakdown {r['v_breakdown_V']:.2f} V) at v_max {r['v_max_V']:.3f} V")
    s = r.get("samples")
    if s:
        lines.append(f"{s['n']} device samples (seed {s['seed']}): levels mean +- std")
        for k, (m, sd) in enumerate(zip(s["levels_mean_ohm"], s["levels_std_ohm"], strict=True)):
            lines.append(f"  level {k}: {m:9.1f} +- {sd:7.1f} Ohm")
        if "write_mean_V" in s:
            pairs = zip(s["write_mean_V"], s["write_std_V"], strict=True)
            lines.append("  writes: " + ", ".join(f"{m:.3f}+-{sd:.3f}" for m, sd in pairs)
                         + " V")
    return "\n".join(lines + render_figures(r))
