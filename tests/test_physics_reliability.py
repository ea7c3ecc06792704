"""Issue 12, classes 1-3, for the domain-wall model, the closed-form thresholds, transport, the
implicit thresholds and demag: bad input is refused eagerly, under `jax.jit` and under
`jax.vmap` with a message naming the parameter; no NaN leaves a closed form for accepted input;
`solve_dw` refuses a step that is not finite or longer than the run and flags a non-finite
final state. Tiny problems only (a few compiles, well under a minute)."""

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _rejects import assert_rejected

import mtjax.physics as ph

# -- class 1: every constructor and function checks its inputs, traced or not -----------------


@pytest.mark.parametrize(
    "field, bad, good",
    [
        ("alpha", -0.01, 0.02),
        ("thickness", -1.5e-9, 1.2e-9),
        ("temperature", -300.0, 300.0),
        ("temperature", float("nan"), 0.0),
        ("ms", float("inf"), 1e6),
        ("theta_sh", 0.0, 0.1),
        ("dmi", 3e-3, 1e-4),  # above the critical DMI 2.2e-3 J/m^2: no wall
    ],
)
def test_dw_material_rejects(field, bad, good):
    assert_rejected(lambda v: ph.DWMaterial(**{field: v}), bad, field, good=good)


@pytest.mark.parametrize(
    "build, bad, good, match",
    [
        (lambda x: ph.DWTrack(3.6e-6, 250e-9, 1e-6, x), [1e-6, 4e-6], [1e-6, 2e-6],
         "notch_positions must lie inside"),
        (lambda x: ph.DWTrack(3.6e-6, 250e-9, 1e-6, x), [2e-6, 1e-6], [1e-6, 2e-6],
         "strictly increasing"),
        (lambda x: ph.DWTrack(3.6e-6, 250e-9, 1e-6, x), [1e-6, 1.03e-6], [1e-6, 2e-6],
         "overlap"),
        (lambda e: ph.DWTrack(3.6e-6, 250e-9, 1e-6, [1e-6], e), 1.2, 0.2, "notch_depths"),
        (lambda w: ph.DWTrack(3.6e-6, w, 1e-6, [1e-6]), -250e-9, 250e-9, "w1"),
        (lambda v: ph.DWDrive(v), float("inf"), 0.5, "voltage"),
        (lambda h: ph.DWDrive(h_z=h), float("nan"), 1e3, "h_z"),
    ],
    ids=["outside", "unsorted", "overlap", "depth", "w1", "voltage", "h_z"],
)
def test_dw_track_and_drive_reject(build, bad, good, match):
    assert_rejected(build, bad, match, good=good)


# (function of one traced value, bad, good, name in the message)
CLOSED_FORMS = [
    (lambda t: ph.thermal_stability(1e6, 1e5, 1e-23, t), -300.0, 300.0, "temperature"),
    (lambda a: ph.critical_current_perpendicular_stt(1e6, 1e-23, a, 0.6, 1e5), -0.01, 0.01,
     "alpha"),
    (lambda x: ph.critical_current_perpendicular_stt(1e6, 1e-23, 0.01, 0.6, 1e5, xi=x),
     -200.0, 0.3, "xi"),
    (lambda t: ph.critical_current_density_perpendicular_sot(1e6, 1e-9, t, 1e5), 0.0, 0.1,
     "theta_sh"),
    (lambda c: ph.stt_amplitude(c, 1e6, 1e-9, 1e-14, 0.6), float("nan"), 1e-4, "current"),
    (lambda p: ph.neel_brown_current(p, 1e-4, 1e-7, 60.0), 1.5, 0.5, "probability"),
    (lambda p: ph.neel_brown_current(p, 1e-4, 1e-9, 60.0), 0.9, 0.5,
     "is not reachable"),
    (lambda c: ph.neel_brown_switching_probability(c, 1e-4, 1e-7, 60.0), float("inf"), 5e-5,
     "current"),
    (lambda t: ph.precessional_switching_time(2.0, t, 1e8), 2.0, 0.1, "theta0"),
    (lambda i: ph.precessional_switching_probability(i, 1e-9, 60.0, 1e8), float("nan"), 2.0,
     "i"),
    (lambda v: ph.tmr_bias(0.1, 1.2, v), 0.0, 0.5, "v_half"),
    (lambda t: ph.spin_hall_efficiency(0.1, 5e-9, 1.5e-9, t), 1.2, 0.9, "transparency"),
    (lambda h: ph.fmr_frequency(h, 1e5, 0.01), float("inf"), 1e5, "h1"),
    (lambda r: ph.angular_conductance(1.0, r, 2e3), -1e3, 1e3, "r_p"),
    (lambda r: ph.tmr_from_resistances(1e3, r), 0.0, 2e3, "r_ap"),
    (lambda t: ph.junction_resistance(-1.0, 0.1, 1e3, t, 0.5), -1.0, 1.2, "tmr0"),
    (lambda t: ph.demag_factors_jax(50e-9, 50e-9, t), -1.5e-9, 1.5e-9, "t"),
    (lambda m: ph.tangent_jacobian(_pmtj(), ph.Drive(), m), [0.0, 0.0, 0.0], [0.0, 0.0, 1.0],
     "m_star"),
]


def _pmtj():
    layer = ph.FreeLayer(ms=1.1e6, thickness=1.5e-9, length=100e-9, width=100e-9,
                         alpha=0.01, demag=(0.024, 0.024, 0.952), k_u=8.15e5)
    return ph.Macrospin(layer, stt=ph.SpinTransferTorque((0.0, 0.0, -1.0), 0.6))


@pytest.mark.parametrize("fn, bad, good, name", CLOSED_FORMS,
                         ids=[f"{i}-{c[3].split()[0]}" for i, c in enumerate(CLOSED_FORMS)])
def test_closed_forms_reject_in_every_tier(fn, bad, good, name):
    assert_rejected(fn, bad, name, good=good)


def test_implicit_threshold_refuses_a_zero_guess():
    model = _pmtj()
    with pytest.raises(ValueError, match="current_guess must be finite and non-zero"):
        ph.instability_current(model, lambda i: ph.Drive(current=i), jnp.array([0, 0, 1.0]), 0.0)
    with pytest.raises(ValueError, match="current_scale"):
        ph.instability_current(model, lambda i: ph.Drive(current=i), jnp.array([0, 0, 1.0]),
                               1e-4, current_scale=-1.0)


# -- class 2: no NaN passes silently; the closed forms say what they return ------------------


def test_closed_forms_return_no_nan_at_their_edges():
    # no drive: v = 0 (was 0/0 = NaN for h_d = 0)
    assert float(ph.thiaville_velocity(0.0, 0.0, 0.1, 8e-9)) == 0.0
    assert float(ph.thiaville_velocity(0.0, 1e4, 0.1, 8e-9)) == 0.0
    g = jax.grad(ph.thiaville_velocity)(0.0, 1e4, 0.1, 8e-9)
    assert np.isfinite(float(g))
    # a notch the field alone depins (j_dep <= 0): no barrier, P = 1 - exp(-tau/tau0)
    p = ph.depinning_probability(jnp.array([0.0, -1e11, 1e11]), 0.0, 50e-9, 88.0)
    np.testing.assert_allclose(np.asarray(p), -np.expm1(-50.0), rtol=1e-6)
    # below threshold: inf (never switches) and 0 (no precessional switching), not NaN
    assert float(ph.precessional_switching_time(0.5, 0.1, 1e8)) == np.inf
    assert float(ph.precessional_switching_probability(0.5, 1e-9, 60.0, 1e8)) == 0.0
    # a half-metal in the AP state: the formula's divergence, documented as inf
    assert float(ph.slonczewski_efficiency(-1.0, 1.0)) == np.inf


def test_closed_forms_finite_over_a_grid_of_accepted_inputs():
    i = jnp.linspace(-2.0, 3.0, 101)
    outs = [
        ph.neel_brown_switching_probability(i * 1e-4, 1e-4, 1e-7, 60.0),
        ph.neel_brown_switching_probability(i * 1e-4, 1e-4, 1e-7, 60.0,
                                            collinear_prefactor=True),
        ph.precessional_switching_probability(i, 1e-9, 60.0, 1e8),
        ph.depinning_probability(i * 4e11, 4e11, 50e-9, 88.0),
        ph.thiaville_velocity(i * 1e5, 8e3, 0.1, 8e-9),
    ]
    for out in outs:
        assert np.all(np.isfinite(np.asarray(out)))


@pytest.mark.parametrize(
    "fn, bad, good, match",
    [
        (lambda s: ph.hopping_distribution(jnp.array([0.9, 0.5, 0.2]), s), 3, 1, "start"),
        (lambda s: ph.hopping_distribution(jnp.array([0.9, 0.5, 0.2]), s), -1, 0, "start"),
        (lambda p: ph.hopping_distribution(jnp.stack([p, 0.5, 0.2]), 0), 1.5, 0.5, "p_leave"),
        (lambda w: ph.f_meta(w, 0.25), 2.0, 0.5, "w"),
        (lambda x: ph.parallel_fraction(0.5e-6, 0.0, x, 8.66e-9), -1e-6, 1e-6, "x_b"),
        (lambda j: ph.depinning_probability(j, 1.0, 50e-9, 88.0), float("nan"), 0.5, "j"),
    ],
    ids=["start-high", "start-negative", "p_leave", "f_meta-w", "x_b", "j"],
)
def test_dw_closed_forms_reject(fn, bad, good, match):
    assert_rejected(fn, bad, match, good=good)


# -- class 3: solve_dw's step, and its non-finite final state ---------------------------------


def _wall():
    mat = ph.DWMaterial(temperature=0.0)
    track = ph.DWTrack(2e-6, 300e-9, 300e-9, [1e-6], 0.2, 20e-9)
    return ph.DomainWall(mat, track)


def test_solve_dw_refuses_a_step_that_is_not_finite_or_longer_than_the_run():
    wall = _wall()

    def run(dt):
        return ph.solve_dw(wall, ph.DWDrive(), 1e-6, 0.0, 1e-10, dt=dt, max_steps=16).q_final

    assert_rejected(run, float("inf"), "dt must be finite", good=1e-11)
    assert_rejected(run, 2e-10, "no longer than the span", good=1e-11)
    assert_rejected(run, 0.0, "dt must be > 0", good=1e-11, modes=("eager", "jit"))
    with pytest.raises(ValueError, match="t1 must be > t0"):
        ph.solve_dw(wall, ph.DWDrive(), 1e-6, 0.0, 0.0)
    with pytest.raises(ValueError, match="saveat must be an int >= 2"):
        ph.solve_dw(wall, ph.DWDrive(), 1e-6, 0.0, 1e-10, dt=1e-11, saveat=1)
    with pytest.raises(ValueError, match="pass max_steps"):
        jax.jit(lambda dt: ph.solve_dw(wall, ph.DWDrive(), 1e-6, 0.0, 1e-10, dt=dt).q_final)(
            1e-11)


def test_solve_dw_flags_a_non_finite_final_state():
    wall = _wall()
    drive = ph.DWDrive(h_z=1e38)  # finite, but float32 overflows in the first step

    def run(throw):
        return ph.solve_dw(wall, drive, 1e-6, 0.0, 1e-10, dt=1e-11, throw=throw,
                           check_step=False)

    sol = run(False)
    assert sol.result == diffrax.RESULTS.nonfinite
    assert ph.solve_dw(wall, ph.DWDrive(), 1e-6, 0.0, 1e-10, dt=1e-11).result == \
        diffrax.RESULTS.successful
    with pytest.raises(Exception, match="solve_dw: the wall state"):
        jax.block_until_ready(run(True).q_final)
    with pytest.raises(Exception, match="solve_dw: the wall state"):
        jax.block_until_ready(jax.jit(lambda h: ph.solve_dw(
            wall, ph.DWDrive(h_z=h), 1e-6, 0.0, 1e-10, dt=1e-11, check_step=False).q_final)(
            1e38))


def test_solve_dw_refuses_a_fixed_step_too_long_for_the_drive():
    """omega_max dt > 1 (here a current density of 1e15 A/m^2 at dt = 10 ps: ~90) is refused,
    also for a traced drive; the default step is far inside the bound."""
    wall = _wall()

    def run(j):
        return ph.solve_dw(wall, ph.DWDrive(current_density=j), 1e-6, 0.0, 1e-10,
                           dt=1e-11).q_final

    assert_rejected(run, 1e15, "dt is too long for this wall and drive", good=1e11)
    assert float(wall.max_rate(ph.DWDrive(3.0))) * 1e-12 < 0.1
    # adaptive (ODE) solves choose their own steps; check_step=False is the way out
    ph.solve_dw(wall, ph.DWDrive(current_density=1e15), 1e-6, 0.0, 1e-12, dt=1e-12,
                check_step=False)
