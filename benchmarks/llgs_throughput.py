#!/usr/bin/env python
r"""Throughput of the stochastic macrospin LLGS: mtjax batched with `jax.vmap` against cmtj.

Measures junction-steps per second (one junction advanced by one time step = one
junction-step) of Brown's thermal field at 300 K with dt = 1 ps for the pMTJ of PHYSICS.md §2
(pMTJ-A: disk d = 100 nm, t_F = 1.5 nm, Ms = 1.1 MA/m, alpha = 0.01, mu0 H_k,eff = 0.2 T, STT
with a constant eta = 0.6, p = +z, m0 = +z) driven by a DC current of about half the
threshold, in the destabilising direction (I = -0.5 Ic0, Ic0 = 131.3 uA). Each junction of a
batch gets its own PRNG key and its own current (+-10 % around I), so a batch is a real batch.

Two mtjax integrators are timed, both the same fixed-step Heun scheme with projection:

- `diffrax`: `mtjax.physics.solve_llgs(..., noise=..., brownian="unsafe")`, vmapped;
- `fastpath`: `mtjax.physics.solve_llgs_heun`, vmapped and jitted with
  `compiler_options=mtjax.physics.CPU_FAST_MATH` as its docstring recommends (FMA contraction
  and reassociation; NaN/inf, division and functions IEEE) -- identical increments, the same
  trajectories to rounding (`tests/test_fastpath.py`);
- `fastpath-ieee`: the same, compiled without the options.

For every configuration (integrator, N, dtype, noise) a fresh Python subprocess builds the batch,
calls the jitted function once (compile + run) and then `--repeats` more times; it reports the
compile time (first call minus the median steady call), the steady run time (median and
minimum, wall clock, with `block_until_ready`), the process CPU time of the steady calls, the
number of steps actually taken, and the peak resident memory of the subprocess
(`resource.getrusage(...).ru_maxrss`; a high-water mark, so one configuration per process). The
simulated duration is chosen so that a steady call takes about `--target-seconds`.

cmtj (when importable) runs the same junction (its physical constants set to mtjax's CODATA
values, Ms, volume, demag tensor, K_u giving 0.2 T, alpha, STT with eta = 0.6 and beta = alpha
so that the torque is purely damping-like, 300 K, dt = 1 ps) with its stochastic `Heun` and
`EulerHeun` solvers, one process per core (`multiprocessing`, `os.cpu_count()` workers, each
running its junctions serially) and on one core. The ratios mtjax / cmtj use the aggregate.

A physics check makes sure like is compared with like: the transverse thermal fluctuation
<(m_x^2 + m_y^2)/2> at zero current (Boltzmann value 1.60e-3) and at the benchmark current
(larger by about 1/(1 - I/Ic0)), from both codes, with standard errors.

Usage: `python benchmarks/llgs_throughput.py [--quick] [--n 1 100 10000 100000]
[--dtype float32 float64] [--noise gaussian three-point]
[--impl diffrax fastpath fastpath-ieee] [--out FILE]`.
One JSON document goes to stdout (and to `--out`), progress to stderr. Timings depend on the
load of the machine: the JSON records the load average before and after.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import multiprocessing as mp
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

# -- the junction (PHYSICS.md §2, pMTJ-A) -------------------------------------------------------

MS = 1.1e6  # A/m
THICKNESS = 1.5e-9  # m
DIAMETER = 100e-9  # m
DEMAG = (0.02422, 0.02422, 0.95156)  # PHYSICS.md §1.1 table, disk 100 nm x 1.5 nm
ALPHA = 0.01
HK_TESLA = 0.2  # mu0 H_k,eff
ETA = 0.6  # constant STT efficiency
TEMPERATURE = 300.0  # K
DT = 1e-12  # s
CURRENT_FRACTION = -0.5  # I / Ic0 (negative: destabilises the P state m = p = +z)
SEED = 20261123

GIB = 1024**3


def _constants():
    from mtjax.constants import MU0, TWO_E_OVER_HBAR

    area = math.pi * DIAMETER**2 / 4
    volume = area * THICKNESS
    hk = HK_TESLA / MU0
    k_u = 0.5 * MU0 * MS * hk + 0.5 * MU0 * MS * MS * (DEMAG[2] - DEMAG[0])
    ic0 = TWO_E_OVER_HBAR * (ALPHA / ETA) * MU0 * MS * volume * hk  # PHYSICS.md §2.1
    return dict(area=area, volume=volume, hk=hk, k_u=k_u, ic0=ic0, i_dc=CURRENT_FRACTION * ic0)


def _log(msg):
    print(f"[llgs_throughput {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _maxrss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _boltzmann_mx2(delta):
    """Exact <m_x^2> for E = -Delta kT cos^2(theta) on the upper hemisphere."""
    import numpy as np
    from scipy import integrate

    w = lambda u: np.exp(delta * (u * u - 1.0))  # noqa: E731  u = cos(theta)
    z = integrate.quad(w, 0.0, 1.0, epsabs=0, epsrel=1e-12, points=[0.9, 0.99])[0]
    s = integrate.quad(lambda u: (1 - u * u) * w(u), 0.0, 1.0, epsabs=0, epsrel=1e-12,
                       points=[0.9, 0.99])[0]
    return 0.5 * s / z


# -- mtjax side (runs in a subprocess per configuration) ----------------------------------------


def _mtjax_setup(dtype_name):
    import jax
    import jax.numpy as jnp

    import mtjax.physics as ph

    c = _constants()
    dtype = jnp.float64 if dtype_name == "float64" else jnp.float32
    f = lambda x: jnp.asarray(x, dtype)  # noqa: E731
    layer = ph.FreeLayer(ms=f(MS), thickness=f(THICKNESS), length=f(DIAMETER),
                         width=f(DIAMETER), alpha=f(ALPHA), demag=f(DEMAG), k_u=f(c["k_u"]),
                         temperature=f(TEMPERATURE))
    model = ph.Macrospin(layer, stt=ph.SpinTransferTorque(f(jnp.array([0.0, 0.0, 1.0])), f(ETA)))
    m0 = f(jnp.array([0.0, 0.0, 1.0]))
    return jax, jnp, ph, model, m0, dtype, c


def _solver(impl):
    import mtjax.physics as ph

    if impl == "diffrax":
        return lambda *a, **k: ph.solve_llgs(*a, brownian="unsafe", **k)
    from mtjax.physics import solve_llgs_heun

    return solve_llgs_heun


def _jit(impl, fn):
    import jax

    from mtjax.physics import CPU_FAST_MATH

    return jax.jit(fn, compiler_options=CPU_FAST_MATH if impl == "fastpath" else None)


def _worker_throughput(cfg):
    """One configuration: compile, time, report (JSON line on stdout)."""
    rss_start = _maxrss_bytes()
    if cfg["devices"] > 1:  # one XLA:CPU device per core, the batch sharded over them
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (
            f"{flags} --xla_force_host_platform_device_count={cfg['devices']}".strip())
    import contextlib

    import jax

    x64 = cfg["dtype"] == "float64"
    with jax.enable_x64(True) if x64 else contextlib.nullcontext():
        jax, jnp, ph, model, m0, dtype, c = _mtjax_setup(cfg["dtype"])
        import numpy as np

        n = cfg["n"]
        keys = jax.random.split(jax.random.key(SEED), n)
        spread = jnp.linspace(-0.1, 0.1, n, dtype=dtype) if n > 1 else jnp.zeros(1, dtype)
        currents = jnp.asarray(c["i_dc"], dtype) * (1 + spread)
        if cfg["devices"] > 1:
            from jax.sharding import Mesh, NamedSharding, PartitionSpec

            mesh = Mesh(jax.devices()[: cfg["devices"]], ("batch",))
            batch = NamedSharding(mesh, PartitionSpec("batch"))
            keys, currents = jax.device_put((keys, currents), batch)
        solve = _solver(cfg["impl"])
        rss_ready = _maxrss_bytes()

        def make(steps):
            t1 = steps * DT

            def one(key, current):
                sol = solve(model, ph.Drive(current=current), m0, t1, dt=DT, key=key,
                            noise=cfg["noise"])
                return sol.m_final, sol.num_steps

            return _jit(cfg["impl"], jax.vmap(one))

        steps = cfg["steps"]
        target = cfg["target_seconds"]
        for attempt in range(2):
            fn = make(steps)
            t0 = time.perf_counter()
            m, num = jax.block_until_ready(fn(keys, currents))
            first = time.perf_counter() - t0
            walls, cpus = [], []
            for r in range(cfg["repeats"]):
                t0, c0 = time.perf_counter(), time.process_time()
                m, num = jax.block_until_ready(fn(keys, currents))
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
                if r == 0 and attempt == 0 and not (target / 4 < walls[0] < target * 4):
                    break
            steady = statistics.median(walls)
            # one recompile if the duration guess was far off (the run must be long enough to
            # time, short enough to finish)
            if attempt == 0 and not (target / 4 < steady < target * 4):
                new = int(min(max(steps * target / max(steady, 1e-6), 20), 2_000_000))
                _log(f"  {cfg['impl']} N={n}: {steps} steps took {steady:.3f}s, retrying with "
                     f"{new}")
                steps = new
                continue
            break
        num = np.asarray(num)
        m = np.asarray(m)
        stats = None
        try:
            stats = jax.local_devices()[0].memory_stats()
        except Exception:  # noqa: BLE001  CPU backends may not implement it
            stats = None
        jsteps = float(num.sum())
        out = dict(
            cfg,
            steps=int(num.max()),
            steps_all_equal=bool((num == num[0]).all()),
            simulated_time_s=steps * DT,
            compile_s=first - steady,
            first_call_s=first,
            run_s_median=steady,
            run_s_min=min(walls),
            run_s_all=walls,
            cpu_s_median=statistics.median(cpus),
            junction_steps=jsteps,
            junction_steps_per_s=jsteps / steady,
            junction_steps_per_s_best=jsteps / min(walls),
            junction_steps_per_cpu_s=jsteps / statistics.median(cpus),
            ns_per_junction_step=steady / jsteps * 1e9,
            peak_rss_bytes=_maxrss_bytes(),
            peak_rss_gib=_maxrss_bytes() / GIB,
            rss_after_import_bytes=rss_start,
            rss_inputs_ready_bytes=rss_ready,
            jax_memory_stats=stats,
            finite=bool(np.isfinite(m).all()),
            mean_mz=float(m[:, 2].mean()),
            retried=attempt > 0,
        )
    print(json.dumps(out), flush=True)


def _worker_physics(cfg):
    """Ensemble <(m_x^2 + m_y^2)/2> after `t_s` from m0 = +z, for I = 0 and I = I_dc."""
    jax, jnp, ph, model, m0, dtype, c = _mtjax_setup("float32")
    import numpy as np

    solve = _solver(cfg["impl"])
    n = cfg["n"]
    keys = jax.random.split(jax.random.key(SEED + 1), n)
    fn = _jit(cfg["impl"], jax.vmap(
        lambda k, i: solve(model, ph.Drive(current=i), m0, cfg["t_s"], dt=DT, key=k,
                           noise=cfg["noise"]).m_final))
    out = dict(cfg)
    for name, current in (("zero_current", 0.0), ("benchmark_current", c["i_dc"])):
        m = np.asarray(fn(keys, jnp.full((n,), current, dtype)), dtype=np.float64)
        q = 0.5 * (m[:, 0] ** 2 + m[:, 1] ** 2)
        out[name] = dict(mean=float(q.mean()), stderr=float(q.std(ddof=1) / math.sqrt(n)),
                         junctions=n)
    print(json.dumps(out), flush=True)


def _worker_profile(cfg):
    """Where the time goes: variants of one float32 three-point batch, CPU ns per junction-step.

    Every variant integrates the same N junctions for the same steps; the `diffrax_*` variants
    change one ingredient of `solve_llgs` at a time, the `scan_*` ones replace diffrax by a
    `lax.scan` Heun loop over the vmapped `Macrospin.drift`/`noise_product` ((N, 3) arrays),
    the `fastpath_*` ones are `solve_llgs_heun` (components as (N,) arrays), `rng_*` time the
    increments alone.
    """
    import diffrax
    import numpy as np

    jax, jnp, ph, model, m0, dtype, c = _mtjax_setup("float32")
    from mtjax.physics._brownian import ThreePointBrownianPath
    from mtjax.physics._fastpath import _ThreePoint, solve_llgs_heun
    from mtjax.physics._solve import ProjectedSolver, _diffusion, _drift, _ThermalTerm

    n, steps = cfg["n"], cfg["steps"]
    keys = jax.random.split(jax.random.key(SEED), n)
    currents = jnp.full((n,), c["i_dc"], dtype)
    units = model.layer.units
    t1 = steps * DT
    tu1 = units.time_to_reduced(jnp.asarray(t1, dtype))
    dtu = units.time_to_reduced(jnp.asarray(DT, dtype))
    shape = jax.ShapeDtypeStruct((3,), dtype)

    def dfx(key, current, *, adjoint=None, project=True, matrix=False, heun=None, save=None):
        drive = ph.Drive(current=current)
        path = ThreePointBrownianPath(shape, key)
        cterm = diffrax.ControlTerm(_diffusion, path) if matrix else _ThermalTerm(_diffusion,
                                                                                   path)
        terms = diffrax.MultiTerm(diffrax.ODETerm(_drift), cterm)
        solver = heun or diffrax.Heun()
        solver = ProjectedSolver(solver) if project else solver
        sol = diffrax.diffeqsolve(
            terms, solver, jnp.asarray(0.0, dtype), tu1, dtu, m0, args=(model, drive),
            saveat=save or diffrax.SaveAt(subs=[diffrax.SubSaveAt(t1=True)]),
            stepsize_controller=diffrax.ConstantStepSize(), max_steps=steps + 2,
            adjoint=adjoint or diffrax.RecursiveCheckpointAdjoint())
        return sol.ys[0][-1] if save is None else sol.ys[-1]

    def scan_heun(key, current, *, rng):
        drive = ph.Drive(current=current)
        zero = jnp.asarray(0.0, dtype)
        path = ThreePointBrownianPath(shape, key, t_start=zero, dt=dtu)
        tp = _ThreePoint(key, zero, dtu)

        def body(m, k):
            t0 = k.astype(dtype) * dtu
            if rng == "none":
                w = jnp.zeros((3,), dtype)
            elif rng == "jax":
                w = path.evaluate(t0, t0 + dtu)
            else:
                w = jnp.stack(tp.increments(tp.draw(t0), t0, t0 + dtu, dtype))
            k1 = model.drift(t0, m, drive) * dtu + model.noise_product(t0, m, drive, w)
            ym = m + k1
            k2 = model.drift(t0 + dtu, ym, drive) * dtu + model.noise_product(t0, ym, drive, w)
            y1 = m + (0.5 * k1 + 0.5 * k2)
            return y1 / jnp.linalg.norm(y1), None

        return jax.lax.scan(body, m0, jnp.arange(steps))[0]

    def rng_only(key, current, *, rng):
        zero = jnp.asarray(0.0, dtype)
        path = ThreePointBrownianPath(shape, key, t_start=zero, dt=dtu)
        tp = _ThreePoint(key, zero, dtu)

        def body(acc, k):
            t0 = k.astype(dtype) * dtu
            if rng == "jax":
                w = path.evaluate(t0, t0 + dtu)
            else:
                w = jnp.stack(tp.increments(tp.draw(t0), t0, t0 + dtu, dtype))
            return acc + w, None

        return jax.lax.scan(body, jnp.zeros((3,), dtype), jnp.arange(steps))[0]

    def fast(key, current, *, noisy=True):
        return solve_llgs_heun(model, ph.Drive(current=current), m0, t1, dt=DT,
                               key=key if noisy else None, noise="three-point").m_final

    def ref(key, current):
        return ph.solve_llgs(model, ph.Drive(current=current), m0, t1, dt=DT, key=key,
                             noise="three-point").m_final

    variants = {
        "diffrax_solve_llgs": ref,
        "diffrax_same_terms": dfx,
        "diffrax_forward_mode_adjoint": lambda k, i: dfx(k, i, adjoint=diffrax.ForwardMode()),
        "diffrax_no_projection": lambda k, i: dfx(k, i, project=False),
        "diffrax_3x3_diffusion_matrix": lambda k, i: dfx(k, i, matrix=True),
        "diffrax_heun_stage_loop_lax": lambda k, i: dfx(k, i, heun=diffrax.Heun(scan_kind="lax")),
        "scan_vmap_macrospin_jax_rng": lambda k, i: scan_heun(k, i, rng="jax"),
        "scan_vmap_macrospin_unrolled_rng": lambda k, i: scan_heun(k, i, rng="unrolled"),
        "scan_vmap_macrospin_no_noise": lambda k, i: scan_heun(k, i, rng="none"),
        "fastpath_three_point": fast,
        "fastpath_three_point_fast_math": fast,
        "fastpath_no_noise": lambda k, i: fast(k, i, noisy=False),
        "rng_only_jax_fold_in": lambda k, i: rng_only(k, i, rng="jax"),
        "rng_only_unrolled_threefry": lambda k, i: rng_only(k, i, rng="unrolled"),
    }
    out = dict(cfg, unit="CPU ns per junction-step (process time, best of repeats); wall in "
                         "brackets", variants={})
    for name, fn in variants.items():
        opts = ph.CPU_FAST_MATH if name.endswith("_fast_math") else None
        f = jax.jit(jax.vmap(fn), compiler_options=opts)
        t0 = time.perf_counter()
        jax.block_until_ready(f(keys, currents))
        first = time.perf_counter() - t0
        cpus, walls = [], []
        for _ in range(cfg["repeats"]):
            t0, c0 = time.perf_counter(), time.process_time()
            res = jax.block_until_ready(f(keys, currents))
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        work = n * steps
        out["variants"][name] = dict(cpu_ns=min(cpus) / work * 1e9, wall_ns=min(walls) / work * 1e9,
                                     first_call_s=first, finite=bool(np.isfinite(res).all()))
        _log(f"  profile {name}: {min(cpus) / work * 1e9:.1f} CPU ns/junction-step "
             f"({min(walls) / work * 1e9:.1f} wall)")
    print(json.dumps(out), flush=True)


def _run_worker(kind, cfg, timeout):
    cmd = [sys.executable, os.path.abspath(__file__), "--_worker", kind, json.dumps(cfg)]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=None, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return dict(cfg, error=f"timeout after {timeout} s")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return dict(cfg, error=f"worker exit code {proc.returncode}")
    return json.loads(lines[-1])


# a first guess of ns per junction-step and of the per-step overhead, to pick durations
_GUESS_NS = {("diffrax", "three-point"): 250.0, ("diffrax", "gaussian"): 400.0,
             ("fastpath", "three-point"): 30.0, ("fastpath", "gaussian"): 100.0,
             ("fastpath-ieee", "three-point"): 40.0, ("fastpath-ieee", "gaussian"): 120.0}
_GUESS_STEP_OVERHEAD_S = {"diffrax": 8e-6, "fastpath": 5e-6, "fastpath-ieee": 5e-6}


def _steps_for(impl, noise, dtype, n, target):
    per = _GUESS_NS[(impl, noise)] * 1e-9 * (1.6 if dtype == "float64" else 1.0)
    t_step = _GUESS_STEP_OVERHEAD_S[impl] + n * per
    return int(min(max(target / t_step, 50), 1_000_000))


# -- cmtj side ---------------------------------------------------------------------------------


_CMTJ = {}  # parameters of a cmtj worker process (set by _cmtj_init; no JAX in the workers)


def _cmtj_params():
    from mtjax.constants import E_CHARGE, GAMMA0, HBAR, KB, MU0

    return dict(_constants(), mu0=MU0, gamma0=GAMMA0, e=E_CHARGE, hbar=HBAR, kb=KB)


def _cmtj_init(params):
    import cmtj

    _CMTJ.update(params)
    consts = cmtj.constants.PhysicalConstants  # mtjax's CODATA 2018 values
    consts.set_magnetic_permeability(params["mu0"])
    consts.set_gyromagnetic_ratio(params["gamma0"])
    consts.set_elementary_charge(params["e"])
    consts.set_hbar(params["hbar"])
    consts.set_boltzmann_constant(params["kb"])


def _cmtj_pool(ctx, procs, params):
    pool = ctx.Pool(procs, initializer=_cmtj_init, initargs=(params,))
    pool.map(time.sleep, [0.5] * procs, chunksize=1)  # every worker started and initialised
    return pool


def _cmtj_junction(current, seed):
    """The pMTJ-A junction in cmtj: Ms in T, K_u in J/m^3 (H_k = 2 K_u/(mu0 Ms) along z, minus
    the demag field Ms N m), STT with eta(theta) = P Lambda^2/(Lambda^2 + 1 + (Lambda^2 - 1)
    cos) = P/2 at Lambda = 1 and a_J = hbar j/(e mu0 Ms t): with P = eta that is mtjax's
    hbar eta I/(2 e mu0 Ms V); beta = alpha cancels the field-like part of cmtj's LL form."""
    import cmtj

    c = _CMTJ
    demag = [cmtj.CVector(DEMAG[0], 0, 0), cmtj.CVector(0, DEMAG[1], 0),
             cmtj.CVector(0, 0, DEMAG[2])]
    layer = cmtj.Layer.createSTTLayer("free", cmtj.CVector(0, 0, 1), cmtj.CVector(0, 0, 1),
                                      c["mu0"] * MS, THICKNESS, c["area"], demag, ALPHA, 1.0,
                                      ALPHA, ETA)
    j = cmtj.Junction([layer])
    j.setLayerAnisotropyDriver("free", cmtj.constantDriver(c["k_u"]))
    j.setLayerReferenceLayer("free", cmtj.CVector(0, 0, 1))
    j.setLayerCurrentDriver("free", cmtj.constantDriver(current / c["area"]))
    j.setLayerTemperatureDriver("free", cmtj.constantDriver(TEMPERATURE))
    j.setLayerSeed("free", seed)
    return j


def _cmtj_mode(name):
    import cmtj

    return {"Heun": cmtj.SolverMode.Heun, "EulerHeun": cmtj.SolverMode.EulerHeun}[name]


def _cmtj_task_throughput(args):
    """Run `junctions` junctions serially for `steps` steps each; log only once."""
    solver, junctions, steps, seed = args
    c = _CMTJ
    total = steps * DT
    done = 0
    t0 = time.perf_counter()
    for k in range(junctions):
        j = _cmtj_junction(c["i_dc"] * (1 + 0.1 * (2 * k / max(junctions - 1, 1) - 1)), seed + k)
        j.runSimulation(total, DT, total, solverMode=_cmtj_mode(solver))
        done += int(total / DT)  # cmtj's own iteration count
    return done, time.perf_counter() - t0


def _cmtj_task_physics(args):
    """Time average of (m_x^2 + m_y^2)/2 after `skip_s`, one junction."""
    import numpy as np

    solver, current, total_s, skip_s, seed = args
    j = _cmtj_junction(current, seed)
    j.runSimulation(total_s, DT, 10 * DT, solverMode=_cmtj_mode(solver))
    log = j.getLog()
    t = np.asarray(log["time"])
    keep = t >= skip_s
    mx, my = np.asarray(log["free_mx"])[keep], np.asarray(log["free_my"])[keep]
    return float(np.mean(0.5 * (mx * mx + my * my)))


def _cmtj_throughput(pool, procs, solver, steps, junctions_per_proc, repeats):
    walls, per_proc = [], []
    for rep in range(repeats):
        tasks = [(solver, junctions_per_proc, steps, SEED + 1000 * p + 100 * rep)
                 for p in range(procs)]
        t0 = time.perf_counter()
        res = pool.map(_cmtj_task_throughput, tasks)
        walls.append(time.perf_counter() - t0)
        per_proc.append([r[0] / r[1] for r in res])
        total = sum(r[0] for r in res)
    wall = statistics.median(walls)
    return dict(processes=procs, junctions=procs * junctions_per_proc, steps_per_junction=steps,
                junction_steps=total, repeats=repeats, wall_s_all=walls,
                junction_steps_per_s=total / wall, junction_steps_per_s_best=total / min(walls),
                per_process_junction_steps_per_s=per_proc)


def cmtj_section(args):
    try:
        from importlib.metadata import version

        import cmtj  # noqa: F401

        cmtj_version = version("cmtj")
    except Exception as exc:  # noqa: BLE001
        return dict(available=False, reason=repr(exc))
    procs = os.cpu_count() or 1
    steps = 200_000 if args.quick else 500_000
    jpp = 1 if args.quick else 2
    repeats = 2 if args.quick else 3
    out = dict(available=True, version=cmtj_version, precision="float64 (C++ double)",
               solvers={})
    ctx = mp.get_context("spawn")
    params = _cmtj_params()
    res = {}
    for count in (1, procs):  # pools one after the other: no start-up competes with a timing
        with _cmtj_pool(ctx, count, params) as pool:
            for solver in ("Heun", "EulerHeun"):
                _log(f"cmtj {solver}: {count} processes x {jpp} junctions x {steps} steps")
                res[solver, count] = _cmtj_throughput(pool, count, solver, steps, jpp, repeats)
                _log(f"  {res[solver, count]['junction_steps_per_s'] / 1e6:.2f} M/s")
    for solver in ("Heun", "EulerHeun"):
        out["solvers"][solver] = dict(all_cores=res[solver, procs], one_core=res[solver, 1])
    return out


# -- physics check --------------------------------------------------------------------------------


def physics_section(args, cmtj_ok):
    from mtjax.constants import KB, MU0

    c = _constants()
    delta = MU0 * MS * c["hk"] * c["volume"] / (2 * KB * TEMPERATURE)
    exact = _boltzmann_mx2(delta)
    out = dict(
        quantity="<(m_x^2 + m_y^2)/2> (stationary; m0 = +z)",
        boltzmann_zero_current=exact,
        expected_ratio_benchmark_current=1 / (1 - abs(CURRENT_FRACTION)),
        expected_ratio_note="small-angle effective temperature T/(1 - |I|/Ic0) (PHYSICS.md §2.7)",
        mtjax={}, cmtj={},
    )
    n = 256 if args.quick else 4096
    noises = ("three-point",) if args.quick else ("three-point", "gaussian")
    for noise in noises:
        cfg = dict(impl="fastpath", noise=noise, n=n, t_s=20e-9, dtype="float32")
        _log(f"physics check mtjax {noise}: {n} junctions x 20 ns (ensemble at t = 20 ns)")
        out["mtjax"][f"fastpath_{noise}_float32"] = _run_worker("physics", cfg, 900)
    if cmtj_ok:
        procs = os.cpu_count() or 1
        per = 2 if args.quick else 8
        total, skip = (60e-9, 20e-9) if args.quick else (120e-9, 20e-9)
        ctx = mp.get_context("spawn")
        with _cmtj_pool(ctx, procs, _cmtj_params()) as pool:
            runs = [("Heun", "zero_current", 0.0), ("Heun", "benchmark_current", c["i_dc"]),
                    ("EulerHeun", "zero_current", 0.0)]
            for solver, name, current in runs:
                m = procs * per
                _log(f"physics check cmtj {solver} {name}: {m} junctions x {total * 1e9:.0f} ns")
                vals = pool.map(_cmtj_task_physics,
                                [(solver, current, total, skip, SEED + 7000 + k) for k in range(m)])
                mean = statistics.fmean(vals)
                se = statistics.stdev(vals) / math.sqrt(len(vals))
                out["cmtj"].setdefault(solver, {})[name] = dict(
                    mean=mean, stderr=se, junctions=m, averaged_over_s=total - skip)
    # agreement: z-scores of the differences, mtjax vs cmtj Heun
    agree = {}
    heun = out["cmtj"].get("Heun", {})
    for key, res in out["mtjax"].items():
        for name in ("zero_current", "benchmark_current"):
            if name in res and name in heun:
                a, b = res[name], heun[name]
                z = (a["mean"] - b["mean"]) / math.hypot(a["stderr"], b["stderr"])
                agree[f"{key}_vs_cmtj_Heun_{name}_z"] = z
            if name == "zero_current" and name in res:
                agree[f"{key}_vs_boltzmann_ratio"] = res[name]["mean"] / exact
    for name in ("zero_current",):
        if name in heun:
            agree["cmtj_Heun_vs_boltzmann_ratio"] = heun[name]["mean"] / exact
    if "EulerHeun" in out["cmtj"]:
        agree["cmtj_EulerHeun_vs_boltzmann_ratio"] = (
            out["cmtj"]["EulerHeun"]["zero_current"]["mean"] / exact)
    out["agreement"] = agree
    return out


# -- driver -----------------------------------------------------------------------------------


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("jax", "jaxlib", "diffrax", "equinox", "mtjax", "cmtj", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a small smoke subset (< 60 s)")
    p.add_argument("--n", type=int, nargs="+", help="batch sizes (default 1 100 10000 100000)")
    p.add_argument("--dtype", nargs="+", choices=("float32", "float64"))
    p.add_argument("--noise", nargs="+", choices=("gaussian", "three-point"))
    p.add_argument("--impl", nargs="+", choices=("diffrax", "fastpath", "fastpath-ieee"))
    p.add_argument("--repeats", type=int, default=None, help="steady-state calls (median)")
    p.add_argument("--devices", type=int, default=None,
                   help="XLA:CPU devices to shard a batch over (default: one per core when N "
                        "divides; a per-core reference at N=1e4 is added unless --quick)")
    p.add_argument("--target-seconds", type=float, default=None,
                   help="approximate duration of one timed call")
    p.add_argument("--no-cmtj", action="store_true")
    p.add_argument("--no-physics", action="store_true")
    p.add_argument("--profile", action=argparse.BooleanOptionalAction, default=None,
                   help="time variants of the integrator (default: on unless --quick)")
    p.add_argument("--out", help="also write the JSON document to this file")
    p.add_argument("--_worker", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args._worker:
        kind, cfg = args._worker[0], json.loads(args._worker[1])
        {"throughput": _worker_throughput, "physics": _worker_physics,
         "profile": _worker_profile}[kind](cfg)
        return

    quick = args.quick
    ns = args.n or ([10_000] if quick else [1, 100, 10_000, 100_000])
    dtypes = args.dtype or (["float32"] if quick else ["float32", "float64"])
    noises = args.noise or (["three-point"] if quick else ["three-point", "gaussian"])
    impls = args.impl or ["diffrax", "fastpath", "fastpath-ieee"]
    repeats = args.repeats or (2 if quick else 3)
    target = args.target_seconds or (0.4 if quick else 2.0)

    c = _constants()
    doc = dict(
        benchmark="llgs_throughput",
        command=" ".join([os.path.basename(sys.executable)] + sys.argv),
        started=datetime.datetime.now().isoformat(timespec="seconds"),
        machine=dict(cpu_count=os.cpu_count(), platform=platform.platform(),
                     processor=platform.processor(), python=platform.python_version(),
                     loadavg_start=os.getloadavg(), versions=_versions()),
        junction=dict(preset="pMTJ-A (PHYSICS.md §2)", ms_A_per_m=MS, thickness_m=THICKNESS,
                      diameter_m=DIAMETER, volume_m3=c["volume"], demag=DEMAG, alpha=ALPHA,
                      mu0_hk_eff_T=HK_TESLA, k_u_J_per_m3=c["k_u"], stt_eta=ETA,
                      temperature_K=TEMPERATURE, dt_s=DT, ic0_A=c["ic0"],
                      current_A=c["i_dc"], current_over_ic0=CURRENT_FRACTION,
                      per_junction_current_spread="+-10 % (linear over the batch)",
                      m0=(0.0, 0.0, 1.0), scheme="fixed-step Heun + projection, Stratonovich"),
        definitions=dict(
            junction_steps_per_s="sum over junctions of steps taken / median wall time of a "
                                 "steady call (block_until_ready)",
            compile_s="first call minus median steady call (trace + compile)",
            peak_rss="ru_maxrss of the configuration's own subprocess (includes Python, JAX and "
                     "XLA; a high-water mark)",
        ),
        mtjax=[],
    )

    cmtj = {"available": False, "reason": "--no-cmtj"} if args.no_cmtj else cmtj_section(args)
    doc["cmtj"] = cmtj

    cores = os.cpu_count() or 1
    plan = []
    for impl in impls:
        for dtype in dtypes:
            for noise in noises:
                for n in ns:
                    # sharding pays off only for large batches
                    dev = args.devices or (cores if n >= 10_000 and n % cores == 0 else 1)
                    plan.append((impl, dtype, noise, n, dev))
                    if args.devices is None and not quick and n == 10_000 and dev > 1:
                        plan.append((impl, dtype, noise, n, 1))
    for impl, dtype, noise, n, dev in plan:
        # a guess; the worker re-times once if it is far off
        steps = int(_steps_for(impl, noise, dtype, n, target) * (1 + 0.7 * (dev - 1)))
        cfg = dict(impl=impl, dtype=dtype, noise=noise, n=n, devices=dev,
                   repeats=repeats, target_seconds=target, steps=steps)
        _log(f"mtjax {impl} {dtype} {noise} N={n} devices={dev}: {steps} steps")
        res = _run_worker("throughput", cfg, 1800)
        if "error" not in res:
            _log(f"  {res['junction_steps_per_s'] / 1e6:.2f} M junction-steps/s "
                 f"({res['ns_per_junction_step']:.1f} ns each), compile "
                 f"{res['compile_s']:.1f} s, peak RSS {res['peak_rss_gib']:.2f} GiB")
            if cmtj.get("available"):
                for solver, r in cmtj["solvers"].items():
                    res[f"ratio_vs_cmtj_{solver}_all_cores"] = (
                        res["junction_steps_per_s"]
                        / r["all_cores"]["junction_steps_per_s"])
                    res[f"ratio_vs_cmtj_{solver}_one_core"] = (
                        res["junction_steps_per_s"]
                        / r["one_core"]["junction_steps_per_s"])
        else:
            _log(f"  failed: {res['error']}")
        doc["mtjax"].append(res)

    if not args.no_physics:
        doc["physics_check"] = physics_section(args, cmtj.get("available", False))

    if args.profile if args.profile is not None else not quick:
        cfg = dict(n=10_000, steps=300, repeats=3)
        _log(f"profile: variants of the float32 three-point batch, N={cfg['n']}")
        doc["profile"] = _run_worker("profile", cfg, 1800)

    doc["summary"] = _summary(doc)
    doc["machine"]["loadavg_end"] = os.getloadavg()
    doc["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    text = json.dumps(doc, indent=2)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    print(text)


def _key(r):
    return f"{r['impl']}/{r['dtype']}/{r['noise']}/N={r['n']}/devices={r['devices']}"


def _summary(doc):
    ok = [r for r in doc["mtjax"] if "error" not in r]
    out = dict(throughput_M_junction_steps_per_s={
        _key(r): round(r["junction_steps_per_s"] / 1e6, 3) for r in ok})
    big32 = [r for r in ok if r["n"] >= 10_000 and r["dtype"] == "float32"]
    targets = {}
    cm = doc["cmtj"]
    if cm.get("available"):
        for solver, r in cm["solvers"].items():
            ref = r["all_cores"]["junction_steps_per_s"]
            out[f"cmtj_{solver}_all_cores_M_per_s"] = ref / 1e6
            out[f"ratio_vs_cmtj_{solver}_all_cores"] = {
                _key(x): x["junction_steps_per_s"] / ref for x in big32}
            best = r["all_cores"].get("junction_steps_per_s_best", ref)
            out[f"ratio_vs_cmtj_{solver}_all_cores_best_of_repeats"] = {
                _key(x): x["junction_steps_per_s_best"] / best for x in big32}
            # on a shared machine the processes of the all-core run compete with other work;
            # cmtj's junctions are independent, so cores x one-core is what a quiet machine
            # gives: the conservative reference
            ideal = r["all_cores"]["processes"] * r["one_core"]["junction_steps_per_s_best"]
            out[f"cmtj_{solver}_ideal_all_cores_M_per_s"] = ideal / 1e6
            out[f"ratio_vs_cmtj_{solver}_ideal_all_cores"] = {
                _key(x): x["junction_steps_per_s"] / ideal for x in big32}
            # load-robust: junction-steps per CPU-second (all threads of the mtjax process)
            # against cmtj's single-process rate
            one = r["one_core"]["junction_steps_per_s_best"]
            out[f"ratio_per_cpu_second_vs_cmtj_{solver}_one_core"] = {
                _key(x): x["junction_steps_per_cpu_s"] / one for x in big32}
        ref = cm["solvers"]["Heun"]["all_cores"]["junction_steps_per_s"]
        ideal = out["cmtj_Heun_ideal_all_cores_M_per_s"] * 1e6
        all_dev = [x for x in big32 if x["devices"] == max(y["devices"] for y in big32)]
        for impl in sorted({x["impl"] for x in all_dev}):
            for noise in sorted({x["noise"] for x in all_dev}):
                rows = [x for x in all_dev if x["impl"] == impl and x["noise"] == noise]
                if rows:
                    worst = min(x["junction_steps_per_s"] for x in rows)
                    name = f"ratio_vs_cmtj_Heun_all_cores>=20_at_N>=1e4_float32/{impl}/{noise}"
                    targets[name] = dict(value=worst / ref, met=worst / ref >= 20)
                    name = name.replace("all_cores", "ideal_all_cores")
                    targets[name] = dict(value=worst / ideal, met=worst / ideal >= 20)
    for x in ok:
        key = _key(x)
        targets.setdefault("compile_s<5", {})[key] = dict(value=x["compile_s"],
                                                          met=x["compile_s"] < 5)
        if x["n"] >= 100_000:
            targets.setdefault("peak_rss<2GB_at_N=1e5", {})[key] = dict(
                value_GiB=x["peak_rss_gib"], met=x["peak_rss_bytes"] < 2e9)
    out["targets"] = targets
    return out


if __name__ == "__main__":
    main()
