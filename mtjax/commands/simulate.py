"""`mtjax simulate`: switching probability and switching-time statistics of one junction."""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from . import _args as A
from ._io import dumps
from ._progress import Progress


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", default="pmtj-stt",
                     help="device preset: pmtj-stt (seed 000), ip-stt (seed 001), ip-sot "
                          "(seed 002); default pmtj-stt")
    src.add_argument("--params", metavar="FILE",
                     help="JSON parameter file (write a template with --dump-params)")
    p.add_argument("--current", type=A.finite, help="pulse amplitude, A (MTJ current for STT, "
                   "channel current for SOT); default: the preset's")
    p.add_argument("--pulse-width", type=A.positive,
                   help="pulse plateau, s; default: the preset's")
    p.add_argument("--rise", type=A.nonnegative, default=0.0, help="rise time, s (default 0)")
    p.add_argument("--fall", type=A.nonnegative, default=0.0, help="fall time, s (default 0)")
    p.add_argument("--relax", type=A.positive, default=5e-9,
                   help="simulated time after the pulse before the state is read, s (default 5e-9)")
    p.add_argument("--temperature", type=A.nonnegative,
                   help="K; default: the preset's (300 K)")
    p.add_argument("--field-mT", type=A.finite, nargs=3, metavar=("BX", "BY", "BZ"),
                   help="applied field mu0*H in mT; default: the preset's")
    p.add_argument("--trials", type=A.int_range(1, 10**8), default=256,
                   help="number of thermal trials, at most 1e8 (256)")
    p.add_argument("--seed", type=A.seed, default=0, help=f"PRNG seed, 0..{A.MAX_SEED} (0)")
    p.add_argument("--dt", type=A.positive, default=1e-12,
                   help="time step, s (1e-12); at most the simulated span")
    p.add_argument("--noise", choices=["gaussian", "three-point"], default="gaussian",
                   help="thermal increments: pathwise Gaussian (default) or the cheap weak "
                        "three-point scheme")
    p.add_argument("--integrator", choices=["fast", "diffrax"], default="fast",
                   help="fast batched Heun (default) or diffrax's diffeqsolve: the same scheme "
                        "and increments; the fast one resolves switching times per step")
    p.add_argument("--x64", action="store_true", help="compute in float64 (slower)")
    p.add_argument("--dump-params", action="store_true",
                   help="print the device parameters as JSON (a --params template) and exit")


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def _resolve(args) -> Any:
    """The preset with the command-line overrides, rebuilt through the constructors (via its
    parameter dictionary), so every override is validated like a parameter file."""
    from .. import devices
    from ..cli import UsageError
    from ..constants import MU0

    if args.params:
        preset = devices.load_preset_file(args.params)
    else:
        try:
            preset = devices.get_preset(args.preset)
        except ValueError as err:
            raise UsageError(f"mtjax simulate: {err}") from None
    overrides = {"--temperature": ("free_layer", "temperature", args.temperature),
                 "--field-mT": (None, "field", None if args.field_mT is None
                                else [b * 1e-3 / MU0 for b in args.field_mT]),
                 "--current": (None, "current", args.current),
                 "--pulse-width": (None, "pulse_width", args.pulse_width)}
    if all(value is None for _, _, value in overrides.values()):
        return preset
    d = devices.preset_to_dict(preset)
    for section, key, value in overrides.values():
        if value is not None:
            (d if section is None else d[section])[key] = value
    try:
        return devices.preset_from_dict(d)
    except ValueError as err:
        given = [f for f, (_, _, v) in overrides.items() if v is not None]
        raise UsageError(f"mtjax simulate: {' / '.join(given)}: {err}") from None


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ..numerics import x64

    with x64(args.x64):
        return _run(args)


def _run(args) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp
    import numpy as np

    from .. import devices, physics
    from ..constants import MU0

    preset = _resolve(args)
    params = devices.preset_to_dict(preset)
    if args.dump_params:
        return {"params": params, "dumped": True}

    pulse = physics.Pulse(preset.current, preset.pulse_width, rise=args.rise, fall=args.fall)
    kind = preset.drive_kind
    drive = physics.Drive(**{kind: pulse}, field=preset.field)
    t1 = float(pulse.end) + args.relax
    n_steps = A.check_dt("mtjax simulate", args.dt, t1, "rise + pulse + fall + --relax")

    # chunks: a progress bar, bounded memory; the fast integrator wants large batches
    n_chunks = -(-args.trials // (4096 if args.integrator == "fast" else 256))
    chunk = -(-args.trials // n_chunks)

    def batch(key):
        st = physics.switching_statistics(preset.model, drive, preset.initial, t1, key=key,
                                          n_trials=chunk, dt=args.dt, noise=args.noise,
                                          integrator=args.integrator)
        return st.switched, st.switching_times

    batch = jax.jit(batch, compiler_options=physics.CPU_FAST_MATH)

    keys = jax.random.split(jax.random.key(args.seed), n_chunks)
    progress = Progress(n_chunks * chunk, "mtjax simulate: trials")
    t_start = time.perf_counter()
    switched, times = [], []
    for k in keys:
        s, t = batch(k)
        switched.append(np.asarray(s))
        times.append(np.asarray(t))
        progress.update(chunk)
    elapsed = time.perf_counter() - t_start
    switched = np.concatenate(switched)[: args.trials]
    times = np.concatenate(times)[: args.trials]
    n_sw = int(switched.sum())
    n = args.trials
    crossed = times[np.isfinite(times)]

    # Reference thresholds: the exact macrospin instability current (implicit function) and
    # the Neel-Brown estimate with the preset's separate Delta_eff (tau0 = 1 ns).
    model, d0 = preset.model, preset.initial

    def drive_at(i):
        return physics.Drive(**{kind: i}, field=preset.field)

    ic = float("nan")
    # Newton needs a guess in its basin: try the drive, then scaled versions of it.
    for guess in (1.0, 0.5, 2.0, 0.25, 4.0):
        try:
            ic = float(physics.instability_current(model, drive_at, d0,
                                                   guess * preset.current))
        except Exception:  # noqa: BLE001, S112 - a reference value: try another guess
            continue
        if math.isfinite(ic):
            break
    perpendicular = bool(abs(float(model.layer.easy_axis[2])) > 0.9)
    beta = 2.0 if perpendicular else 1.0
    i_amp = float(preset.current)
    if math.isfinite(ic) and ic * i_amp > 0 and abs(i_amp) < abs(ic):
        p_nb = float(physics.neel_brown_switching_probability(
            abs(i_amp), abs(ic), float(preset.pulse_width), float(preset.delta_eff),
            beta=beta))
    else:
        p_nb = None
    return {
        "preset": preset.name,
        "description": preset.description,
        "drive": {"kind": kind, "amplitude_A": i_amp, "pulse_width_s": float(preset.pulse_width),
                  "rise_s": args.rise, "fall_s": args.fall, "relax_s": args.relax,
                  "field_mT": (np.asarray(preset.field) * MU0 * 1e3).tolist()},
        "simulation": {"trials": n, "seed": args.seed, "dt_s": args.dt, "steps": n_steps,
                       "noise": args.noise, "integrator": args.integrator,
                       "dtype": str(jnp.asarray(1.0).dtype),
                       "temperature_K": float(preset.model.layer.temperature),
                       "wall_time_s": elapsed},
        "result": {
            "switching_probability": n_sw / n,
            "stderr": math.sqrt((n_sw / n) * (1 - n_sw / n) / n),
            "wilson95": list(_wilson(n_sw, n)),
            "n_switched": n_sw,
            "mean_switching_time_s": float(crossed.mean()) if crossed.size else None,
            "std_switching_time_s": float(crossed.std(ddof=1)) if crossed.size > 1 else None,
            "n_crossed": int(crossed.size),
        },
        "reference": {
            "instability_current_A": ic if math.isfinite(ic) else None,
            "drive_over_instability": i_amp / ic if math.isfinite(ic) else None,
            "delta_eff": float(preset.delta_eff),
            "macrospin_delta": float(preset.model.layer.thermal_stability),
            "neel_brown_probability": p_nb,
            "neel_brown_beta": beta,
        },
        "params": params,
    }


def render(r: dict[str, Any]) -> str:
    if r.get("dumped"):
        return dumps(r["params"])
    d, s, res, ref = r["drive"], r["simulation"], r["result"], r["reference"]

    def ns(x):
        return "-" if x is None else f"{x * 1e9:.3f} ns"

    lo, hi = res["wilson95"]
    lines = [
        f"{r['preset']}: {r['description']}",
        f"drive: {d['kind']} pulse {d['amplitude_A'] * 1e6:.1f} uA x {d['pulse_width_s'] * 1e9:.2f}"
        f" ns (rise {d['rise_s'] * 1e9:.2f} ns, fall {d['fall_s'] * 1e9:.2f} ns), read after "
        f"{d['relax_s'] * 1e9:.1f} ns; field {[round(x, 3) for x in d['field_mT']]} mT",
        f"{s['trials']} trials at {s['temperature_K']:.0f} K, dt {s['dt_s'] * 1e12:.2f} ps, "
        f"{s['steps']} steps, {s['noise']} noise, {s['dtype']}, seed {s['seed']} "
        f"({s['wall_time_s']:.1f} s)",
        "",
        f"switching probability  {res['switching_probability']:.4f} +- {res['stderr']:.4f}"
        f"  (95 % Wilson [{lo:.4f}, {hi:.4f}], {res['n_switched']}/{s['trials']})",
        f"switching time         mean {ns(res['mean_switching_time_s'])}, std "
        f"{ns(res['std_switching_time_s'])}  ({res['n_crossed']} crossings)",
        "",
        (f"macrospin instability current {ref['instability_current_A'] * 1e6:.2f} uA "
         f"(drive / Ic = {ref['drive_over_instability']:.3f})"
         if ref["drive_over_instability"] is not None
         else "macrospin instability current: not found (Newton did not converge)"),
        f"Delta_eff {ref['delta_eff']:.1f} (statistics) vs macrospin Delta "
        f"{ref['macrospin_delta']:.1f} (dynamics)",
    ]
    if ref["neel_brown_probability"] is not None:
        lines.append(f"Neel-Brown estimate (Delta_eff, beta={ref['neel_brown_beta']:.0f}, "
                     f"tau0 = 1 ns): {ref['neel_brown_probability']:.4f}")
    return "\n".join(lines)
