"""`mtjax dw`: the seed-003 pulse protocol on a domain-wall MTJ synapse."""

from __future__ import annotations

import argparse
import time
from typing import Any

from . import _args as A
from ._io import dumps, prepare_out_dir, render_figures, write_figures


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", choices=["trapezoid", "straight"], default="trapezoid",
                     help="seed-003 device (default trapezoid)")
    src.add_argument("--params", metavar="FILE",
                     help="JSON geometry/material file (write a template with --dump-params)")
    p.add_argument("--dump-params", action="store_true",
                   help="print the device description as JSON (a --params template) and exit")
    p.add_argument("--v-min", type=A.positive, default=0.5,
                   help="first pulse amplitude, V (0.5)")
    p.add_argument("--v-max", type=A.positive, default=4.5, help="last pulse amplitude, V (4.5)")
    p.add_argument("--steps", type=A.int_range(2), default=21, help="pulses per cycle (21)")
    p.add_argument("--cycles", type=A.int_range(0), default=4,
                   help="write cycles on the full (q, phi) model with thermal noise, each from "
                        "the initialised state (default 4; 0 = compact model only)")
    p.add_argument("--dt", type=A.positive, default=2e-12,
                   help="time step of the full model, s (2e-12); at most one pulse's span")
    p.add_argument("--seed", type=A.seed, default=0, help=f"PRNG seed, 0..{A.MAX_SEED} (0)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="write dw_cycles.png and dw_statemap.png into this directory (created; "
                        "needs matplotlib)")


#: the seed-003 pulse: plateau, linear edges, relaxation at 0 V (s)
PULSE = {"width": 50e-9, "edge": 10e-9, "relax": 20e-9}


def run(args: argparse.Namespace) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp
    import numpy as np

    from .. import devices as dv
    from ..cli import UsageError
    from ..devices._serialize import load_dw_file
    from ..numerics import x64
    from ._progress import Progress

    if not args.v_min < args.v_max:
        raise UsageError(f"mtjax dw: need --v-min < --v-max, got --v-min {args.v_min:g}, "
                         f"--v-max {args.v_max:g}")
    if args.cycles:
        A.check_dt("mtjax dw", args.dt, PULSE["width"] + 2 * PULSE["edge"] + PULSE["relax"],
                   "one pulse: plateau + 2 edges + relaxation")
    out_dir = prepare_out_dir(None if args.dump_params else args.out)
    with x64():
        if args.params:
            dev = load_dw_file(args.params)
            report = {"source": args.params}
            name = args.params
        else:
            dev, report = dv.dw_preset(args.preset)
            name = args.preset
        if args.dump_params:
            return {"params": dv.dw_to_dict(dev), "dumped": True}
        volts = jnp.linspace(args.v_min, args.v_max, args.steps)
        levels = np.asarray(dev.levels())

        # compact model: state distribution after a ramp of pulses (Markov chain over states)
        def step(dist, v):
            trans = jax.vmap(lambda s: dev.compact_distribution(v, s))(
                jnp.arange(levels.shape[0]))
            new = dist @ trans
            return new, new

        d0 = jnp.zeros(levels.shape[0]).at[0].set(1.0)
        _, statemap = jax.lax.scan(step, d0, volts)
        statemap = np.asarray(statemap)
        out = {
            "preset": name, "levels_ohm": levels.tolist(), "params": dv.dw_to_dict(dev),
            "depinning_voltages_V": np.asarray(dev.depinning_voltages()).tolist(),
            "reset_voltages_V": np.asarray(dev.depinning_voltages(direction=-1)).tolist(),
            "calibration": report,
            "pulse": {"width_s": PULSE["width"], "edges_s": PULSE["edge"],
                      "relax_s": PULSE["relax"]},
            "voltages_V": np.asarray(volts).tolist(),
            "compact_state_map": statemap.tolist(),
        }
        if args.cycles:
            run_train = jax.jit(lambda k: dev.pulse_train(volts, key=k, dt=args.dt, **PULSE))
            keys = jax.random.split(jax.random.key(args.seed), args.cycles)
            progress = Progress(args.cycles, "mtjax dw: write cycles")
            t0 = time.perf_counter()
            states, rs = [], []
            for k in keys:
                s, r, _ = run_train(k)
                states.append(np.asarray(s))
                rs.append(np.asarray(r))
                progress.update()
            states, rs = np.array(states), np.array(rs)
            counts = np.stack([(states == i).mean(axis=0) for i in range(levels.shape[0])], 1)
            # first voltage at which each cycle reaches state k; "var" as the seed defines it
            switch = {}
            for kk in range(1, levels.shape[0]):
                first = [float(np.asarray(volts)[np.argmax(s >= kk)]) if np.any(s >= kk)
                         else None for s in states]
                vals = [x for x in first if x is not None]
                if vals:
                    avg = float(np.mean(vals))
                    switch[str(kk)] = {"mean_V": avg, "var_percent":
                                       200 * (max(vals) - min(vals)) / avg, "cycles": len(vals)}
            out["full_model"] = {"cycles": args.cycles, "seed": args.seed, "dt_s": args.dt,
                                 "states": states.tolist(), "resistance_ohm": rs.tolist(),
                                 "state_map": counts.tolist(), "switching": switch,
                                 "wall_time_s": time.perf_counter() - t0}
    return write_figures(out, out_dir, lambda w: _figures(out, w))


def _figures(r: dict[str, Any], writer) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    v = np.asarray(r["voltages_V"])
    fig, ax = plt.subplots(figsize=(5.5, 4))
    full = r.get("full_model")
    if full:
        for k, rr in enumerate(full["resistance_ohm"]):
            ax.plot(v, rr, "o-", ms=3, lw=1, label=f"cycle {k + 1}")
        ax.legend(fontsize=7)
    for lv in r["levels_ohm"]:
        ax.axhline(lv, color="0.8", lw=0.6, zorder=0)
    ax.set_xlabel("pulse amplitude (V)")
    ax.set_ylabel("R_MTJ (Ω)")
    ax.set_title(f"{r['preset']} DW-MTJ, 50 ns pulses", fontsize=10)
    fig.tight_layout()
    writer.save(fig, "dw_cycles.png", dpi=130)

    maps = [("compact model", np.asarray(r["compact_state_map"]))]
    if full:
        maps.append((f"full model, {full['cycles']} cycles", np.asarray(full["state_map"])))
    fig, axes = plt.subplots(1, len(maps), figsize=(5.2 * len(maps), 4), squeeze=False)
    for ax, (title, m) in zip(axes[0], maps, strict=True):
        ax.stackplot(v, m.T, labels=[f"state {k}" for k in range(m.shape[1])])
        ax.set_xlabel("pulse amplitude (V)")
        ax.set_ylabel("probability")
        ax.set_ylim(0, 1)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    writer.save(fig, "dw_statemap.png", dpi=130)


def render(r: dict[str, Any]) -> str:
    if r.get("dumped"):
        return dumps(r["params"])
    lines = [f"{r['preset']} DW-MTJ (seed 003): levels " +
             ", ".join(f"{x:.1f}" for x in r["levels_ohm"]) + " Ohm",
             "depinning voltages " + ", ".join(f"{x:.2f}" for x in r["depinning_voltages_V"]) +
             " V (write), reset from the last notch " +
             f"{r['reset_voltages_V'][-1]:.2f} V",
             "compact model: most likely state after each pulse of the ramp:",
             "  " + " ".join(f"{v:.2f}V:{int(max(range(len(p)), key=p.__getitem__))}"
                             for v, p in zip(r["voltages_V"], r["compact_state_map"],
                                             strict=True))]
    full = r.get("full_model")
    if full:
        lines.append(f"full (q, phi) model, {full['cycles']} cycles at 300 K "
                     f"({full['wall_time_s']:.1f} s):")
        for k, s in full["switching"].items():
            lines.append(f"  reaches state {k} at {s['mean_V']:.2f} V on average, var "
                         f"{s['var_percent']:.1f} % ({s['cycles']} cycles)")
    return "\n".join(lines + render_figures(r))
