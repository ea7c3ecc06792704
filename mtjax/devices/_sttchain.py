r"""The seed-001 reconfigurable classifier: a chain of N in-plane STT-MTJs with control currents
(López et al., Phys. Rev. Applied 22, 014082 (2024); PHYSICS.md §2.2, §2.7, §4.2).

An input current $I_\mathrm{in}$ flows through every junction; a control current $I_{C,i}$ is
added to junction i only, so junction i carries $I_i = I_\mathrm{in} + I_{C,i}$. Each junction
starts in AP (held there by a negative current) and switches AP→P with the thermally activated
probability of PHYSICS.md §2.7 (β = 1, the in-plane form),

$$P_i = 1 - \exp\!\big[-\tfrac{\tau}{\tau_0}\,e^{-\Delta_i\,(1 - I_i/I_{c0,i})_+}\big],$$

with the junction's own zero-temperature threshold (Sun, §2.2) and barrier, both from its
geometry and its easy-axis field $H_i = H_\mathrm{app} + H_{\mathrm{off},i}$ (counted positive
along P, i.e. destabilising the AP state):

$$I_{c0,i} = \frac{2e}{\hbar}\frac{\alpha}{\eta(\pi)}\mu_0 M_s V_i
\Big(H_k - H_i + \frac{M_\mathrm{eff}}{2}\Big),\qquad
\Delta_i = r_\Delta\,\frac{\mu_0 M_s H_k V_i}{2k_BT}\Big(1 - \frac{H_i}{H_k}\Big)_+^2,
\qquad V_i = \frac{\pi d_i^2}{4}t_F .$$

$r_\Delta$ (`delta_ratio`, default 1) scales the barrier away from the macrospin value without
touching the dynamics parameters (PHYSICS.md §2.1: the two are separate). The current at which
$P_i = 1/2$ is the junction's *intrinsic threshold* $I_{\mathrm{sw},i} = I_{c0,i}(1 -
\ln(\tau/\tau_0\ln 2)/\Delta_i)$ and the input threshold is $I_{\mathrm{sw},i} - I_{C,i}$.

Calibration to the seed (`seed001_chain`): the seed measures input thresholds 724, 434 and
696 µA at $I_C$ = −500 µA, i.e. intrinsic thresholds 224, −66 and 196 µA (§4.2). The stack
values (§6, IP-STT: 150 nm, CoFeB 1.4 nm, Ms 1.1 MA/m, α 0.01, η(π) 0.490 from TMR 120 %,
μ0H_k 5 mT, μ0M_eff 0.8 T, 6 mT applied) give $I_{c0}$ ≈ 0.7 mA and Δ ≈ 16. The one free
per-device number is the offset field $H_{\mathrm{off},i}$ (the reference layer's stray /
Néel field, which varies from device to device); it is solved so that each junction
reproduces its measured threshold for the input dwell τ. **Assumed**: τ = 10 ms (one point of a
dc sweep; the seed applies dc inputs), τ0 = 1 ns. The resulting offsets (≈ −7 to −6 mT) oppose
the 6 mT applied field, which is why the seed needs that field "to facilitate switching".

The switching width follows: the 10-90 % width in current is $\ln(\ln 10/\ln(10/9))\,
(I_{c0} - I_\mathrm{sw})/\ln(\tau/\tau_0\ln 2)$ ≈ 90-145 µA for the three seed devices — the
intrinsic stochasticity that hardware-faithful inference samples.

Read-out and breakdown: $R_P$ = 1100 Ω, TMR0 = 120 % (seed), $V_h$ = 0.5 V (assumed); the AP
junction's voltage solves $V = I\,R_{AP}(V)$. The breakdown voltage 1.5 V is **assumed** (the
seed does not give it); `junction_voltages` reports the largest voltage a set of currents
produces and `check_breakdown` refuses currents above it.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, PRNGKeyArray

from ..constants import KB, MU0
from ..physics._checks import (
    as_float,
    check_finite,
    check_nonnegative,
    check_positive,
    check_range,
    describe,
    ensure,
    fail_if,
    is_concrete,
)
from ..physics._thresholds import (
    critical_current_inplane_stt,
    julliere_polarisation,
    neel_brown_current,
    neel_brown_switching_probability,
    slonczewski_efficiency,
)
from ..physics._transport import junction_resistance

#: Seed 001 (Fig. 1b): input thresholds at I_C = -500 µA for junctions 1, 2, 3 (A).
SEED001_INPUT_THRESHOLDS = (724e-6, 434e-6, 696e-6)
#: The control current of that measurement (A).
SEED001_CONTROL = -500e-6
#: Seed 001 Fig. 1b dashed lines: the control currents that move the thresholds (A).
SEED001_ADJUSTED_CONTROL = (-460e-6, -380e-6, -560e-6)


#: Largest probability table (configurations x rows) the chain and the training build: 2^26
#: entries, 256 MB per float32 copy (the training's forward and backward passes hold several
#: copies per restart); above it an allocation fails only after a long trace.
MAX_TABLE_ENTRIES = 2**26


def table_size(n_devices: int, n_inputs: int, n_rows: int = 1, *,
               names: tuple[str, str] = ("n_devices", "n_inputs"), rows: str = "rows") -> int:
    """Number of switching configurations $(N + 1)^M$ of `n_inputs` = M inputs on `n_devices`
    = N junctions, after checking that a table of them for `n_rows` rows (samples x parallel
    fits) stays within `MAX_TABLE_ENTRIES`.

    **Raises** `ValueError` naming `names` (the caller's words for N and M) with the sizes and
    what would fit, before anything is allocated.
    """
    n, m, rows_n = int(n_devices), int(n_inputs), max(int(n_rows), 1)
    configs = (n + 1) ** m
    if configs * rows_n <= MAX_TABLE_ENTRIES:
        return configs
    cap = MAX_TABLE_ENTRIES // rows_n
    max_m = int(math.floor(math.log(cap) / math.log(n + 1) + 1e-9)) if cap >= 1 else 0
    max_n = int(math.floor(cap ** (1.0 / m) + 1e-9)) - 1 if m >= 1 and cap >= 1 else 0
    while max_m >= 0 and (n + 1) ** max_m > cap:
        max_m -= 1
    while max_n >= 1 and (max_n + 1) ** m > cap:
        max_n -= 1
    fits = []
    if max_m >= 1:
        fits.append(f"{names[1]} <= {max_m} with {names[0]} = {n}")
    if max_n >= 1:
        fits.append(f"{names[0]} <= {max_n} with {names[1]} = {m}")
    hint = " or ".join(fits) if fits else f"fewer {rows}"
    raise ValueError(
        f"{names[0]} = {n} and {names[1]} = {m} give (N + 1)^M = {n + 1}^{m} = {configs:,} "
        f"switching configurations x {rows_n:,} {rows} = {configs * rows_n:,} probability-table "
        f"entries, above the bound {MAX_TABLE_ENTRIES:,} (2^26, 256 MB per float32 table); "
        f"what fits: {hint}")


def _broadcast_field(name: str, value, shape: tuple[int, ...]):
    """`value` broadcast to `shape` (the chain's (..., N)); `ValueError` naming it if it cannot
    be."""
    try:
        return jnp.broadcast_to(value, jnp.broadcast_shapes(jnp.shape(value), shape))
    except ValueError:
        raise ValueError(f"{name} must broadcast against the junction shape {shape} "
                         f"(a scalar shared by the chain or one value per junction), got shape "
                         f"{jnp.shape(value)}") from None


def _softplus_pos(x, s=1e-3):
    """(x)_+ smoothed with width s (the same device as §2.7's (1 - i)_+)."""
    return s * jax.nn.softplus(x / s)


class STTChain(eqx.Module):
    """N in-plane STT-MTJs carrying a common input current plus per-junction control currents
    (seed 001). Fields are SI; `diameter` and `h_offset` have shape (N,), everything else is
    shared by the chain. See the module docstring for the model and its calibration.

    Construct with `seed001_chain()` (calibrated to the seed's measured thresholds) or
    directly. `jit`/`vmap`/`grad`-compatible: a population of chains is an `STTChain` whose
    per-junction fields have shape (M, N) (`sample_chains`).

    **Arguments** (SI): `diameter` (m, (N,) or a scalar for N = 1, each in (0, 2 µm)),
    `h_offset` (A/m, per junction, finite), `thickness` (m), `ms`, `hk`, `m_eff` (A/m),
    `alpha`, `tmr0`, `delta_ratio` (ratios), `h_applied` (A/m along the easy axis, finite),
    `temperature` (K), `pulse_width`, `tau0` (s), `r_p` (Ω), `v_half`, `v_breakdown` (V).

    **Raises** `ValueError` naming the field (echoing its value) for a non-finite value, a
    non-positive one (every field but `h_offset` and `h_applied`), a diameter of 2 µm or more,
    or a shape that does not broadcast against the junctions (N,); traced fields raise
    `equinox.EquinoxRuntimeError` naming the field when the compiled code runs."""

    diameter: Array
    h_offset: Array
    thickness: Array
    ms: Array
    alpha: Array
    tmr0: Array
    hk: Array
    m_eff: Array
    h_applied: Array
    temperature: Array
    pulse_width: Array
    tau0: Array
    delta_ratio: Array
    r_p: Array
    v_half: Array
    v_breakdown: Array

    def __init__(self, diameter: ArrayLike, h_offset: ArrayLike = 0.0, *,
                 thickness: ArrayLike = 1.4e-9, ms: ArrayLike = 1.1e6,
                 alpha: ArrayLike = 0.01, tmr0: ArrayLike = 1.2,
                 hk: ArrayLike = 5e-3 / MU0, m_eff: ArrayLike = 0.8 / MU0,
                 h_applied: ArrayLike = 6e-3 / MU0, temperature: ArrayLike = 300.0,
                 pulse_width: ArrayLike = 10e-3, tau0: ArrayLike = 1e-9,
                 delta_ratio: ArrayLike = 1.0, r_p: ArrayLike = 1100.0,
                 v_half: ArrayLike = 0.5, v_breakdown: ArrayLike = 1.5):
        d = check_positive("diameter", diameter, "m")
        if d.ndim == 0:
            d = d[None]
        if d.shape[-1] < 1:
            raise ValueError(f"diameter must hold N >= 1 junction diameters (shape (..., N)), "
                             f"got shape {d.shape}")
        d = ensure("diameter", d, lambda a: a < 2e-6, "below 2 µm (a nanopillar)", "m")
        self.diameter = d
        self.h_offset = _broadcast_field("h_offset", check_finite("h_offset", h_offset, "A/m"),
                                         d.shape)
        shared = dict(thickness=(thickness, "m"), ms=(ms, "A/m"), alpha=(alpha, ""),
                      tmr0=(tmr0, ""), hk=(hk, "A/m"), m_eff=(m_eff, "A/m"),
                      temperature=(temperature, "K"), pulse_width=(pulse_width, "s"),
                      tau0=(tau0, "s"), delta_ratio=(delta_ratio, ""), r_p=(r_p, "Ohm"),
                      v_half=(v_half, "V"), v_breakdown=(v_breakdown, "V"))
        for name, (value, unit) in shared.items():
            checked = check_positive(name, value, unit)
            _broadcast_field(name, checked, d.shape)  # shape check only
            setattr(self, name, checked)
        self.h_applied = check_finite("h_applied", h_applied, "A/m")
        _broadcast_field("h_applied", self.h_applied, d.shape)

    # -- derived physics ------------------------------------------------------------------

    @property
    def n_devices(self) -> int:
        return self.diameter.shape[-1]

    @property
    def volume(self) -> Array:
        """Free-layer volume per junction, m³."""
        return 0.25 * jnp.pi * self.diameter**2 * self.thickness

    @property
    def eta_ap(self) -> Array:
        """Slonczewski efficiency η(π) of the AP state, from the TMR via Julliere's P."""
        return slonczewski_efficiency(-1.0, julliere_polarisation(self.tmr0))

    @property
    def h_easy(self) -> Array:
        """Net easy-axis field per junction, A/m, positive along P (destabilising AP)."""
        return self.h_applied + self.h_offset

    @property
    def ic0(self) -> Array:
        """Zero-temperature AP→P instability current per junction (Sun, §2.2), A."""
        return critical_current_inplane_stt(self.ms, self.volume, self.alpha, self.eta_ap,
                                            self.hk, self.m_eff, h_ext=-self.h_easy)

    @property
    def delta(self) -> Array:
        """Effective barrier per junction in the easy-axis field (§2.7 field form)."""
        d0 = MU0 * self.ms * self.hk * self.volume / (2 * KB * self.temperature)
        return self.delta_ratio * d0 * _softplus_pos(1 - self.h_easy / self.hk) ** 2

    @property
    def intrinsic_thresholds(self) -> Array:
        """Junction current at which P_sw = 1/2 for one input of duration `pulse_width`, A."""
        return neel_brown_current(0.5, self.ic0, self.pulse_width, self.delta, self.tau0,
                                  beta=1.0)

    def input_thresholds(self, control: ArrayLike) -> Array:
        """Input current at which each junction switches with probability 1/2, A:
        $I_{\\mathrm{sw},i} - I_{C,i}$ (∂/∂I_C = −1, §4.2). **Raises** for a non-finite
        `control` (A) or one that does not broadcast to the junctions."""
        c = check_finite("control", control, "A")
        _broadcast_field("control", c, self.diameter.shape)
        return self.intrinsic_thresholds - c

    def switching_width(self) -> Array:
        """10-90 % width of P_sw in current per junction, A."""
        i10 = neel_brown_current(0.1, self.ic0, self.pulse_width, self.delta, self.tau0, 1.0)
        i90 = neel_brown_current(0.9, self.ic0, self.pulse_width, self.delta, self.tau0, 1.0)
        return i90 - i10

    # -- switching ------------------------------------------------------------------------

    def switch_probability(self, junction_current: ArrayLike) -> Array:
        """AP→P probability of each junction for one input pulse; `junction_current` (A) has
        shape (..., N) (the total current through each junction).

        **Raises** `ValueError` (`EquinoxRuntimeError` when traced) for a non-finite current:
        a NaN current would otherwise read as "not switched"."""
        i = check_finite("junction_current", junction_current, "A")
        return neel_brown_switching_probability(i, self.ic0,
                                                self.pulse_width, self.delta, self.tau0,
                                                beta=1.0)

    def count_distribution(self, input_current: ArrayLike, control: ArrayLike) -> Array:
        """Probability that k = 0..N junctions switch for an input (A, shape (...)) with
        control currents `control` (A, shape (N,)): the Poisson-binomial law of independent
        junctions. Shape (..., N + 1). **Raises** for non-finite currents or a `control` that is
        not one current per junction."""
        i_in = check_finite("input_current", input_current, "A")
        c = self._check_control(control, None)
        p = self.switch_probability(i_in[..., None] + c)
        return poisson_binomial(p)

    def _check_control(self, control, m: int | None):
        """`control` (A) as a finite array of shape (N,) (`m` None) or (M, N)."""
        c = check_finite("control", control, "A")
        n = self.n_devices
        want = (n,) if m is None else (m, n)
        if c.shape != want:
            what = "one current per junction" if m is None else "one row of N per input"
            raise ValueError(f"control must have shape {want} ({what}; N = {n} junctions"
                             + ("" if m is None else f", M = {m} inputs") + f"), got shape "
                             f"{c.shape}")
        return c

    def _check_inputs(self, inputs):
        """`inputs` (A) as a finite array of shape (..., M), M >= 1; returns it and M."""
        i = check_finite("inputs", inputs, "A")
        if i.ndim < 1 or i.shape[-1] < 1:
            raise ValueError(f"inputs must have shape (..., M) with M >= 1 sequential input "
                             f"currents (A), got shape {i.shape}")
        return i, i.shape[-1]

    def configuration_probabilities(self, i_a: ArrayLike, i_b: ArrayLike,
                                    control: ArrayLike) -> Array:
        """Probability of each switching configuration [k_A, k_B] for the two inputs applied
        one after the other (junctions reset to AP in between), shape (..., (N+1)²), index
        k_A (N + 1) + k_B. `control` has shape (2, N): row 0 for input A, row 1 for B."""
        i = jnp.stack(jnp.broadcast_arrays(as_float(i_a), as_float(i_b)), axis=-1)
        return self.sequence_probabilities(i, control)

    def sequence_probabilities(self, inputs: ArrayLike, control: ArrayLike) -> Array:
        """M inputs applied one after the other (reset to AP in between): probability of each
        configuration [k_1, ..., k_M], shape (..., (N+1)^M), index Σ_j k_j (N+1)^(M-1-j)
        (row-major). `inputs` (A) has shape (..., M), `control` (A) shape (M, N). Seed 001
        uses M = 2; its §III proposes more inputs to classify more categories.

        **Raises** `ValueError` for M = 0 inputs, a `control` not of shape (M, N), non-finite
        currents (`EquinoxRuntimeError` when traced), or a table of more than
        `MAX_TABLE_ENTRIES` entries (batch x (N+1)^M; the message says what fits)."""
        i, m = self._check_inputs(inputs)
        c = self._check_control(control, m)
        table_size(self.n_devices, m, math.prod(i.shape[:-1]), names=("N (junctions)",
                   "M (inputs)"), rows="input sets")
        out = self.count_distribution(i[..., 0], c[0])
        for j in range(1, m):
            pj = self.count_distribution(i[..., j], c[j])
            out = (out[..., :, None] * pj[..., None, :]).reshape(pj.shape[:-1] + (-1,))
        return out

    def sample_configuration(self, key: PRNGKeyArray, i_a: ArrayLike, i_b: ArrayLike,
                             control: ArrayLike) -> Array:
        """Hardware-faithful draw: every junction switches or not (Bernoulli with its thermal
        probability) for input A, the chain is reset, then for input B. Returns the
        configuration index k_A (N + 1) + k_B, shape (...)."""
        i = jnp.stack(jnp.broadcast_arrays(as_float(i_a), as_float(i_b)), axis=-1)
        return self.sample_sequence(key, i, control)

    def sample_sequence(self, key: PRNGKeyArray, inputs: ArrayLike,
                        control: ArrayLike) -> Array:
        """Hardware-faithful draw for M sequential inputs (`sequence_probabilities`' layout):
        the configuration index, shape (...). **Raises** as `sequence_probabilities` (the
        index must fit in int32: at most `MAX_TABLE_ENTRIES` configurations)."""
        i, m = self._check_inputs(inputs)
        c = self._check_control(control, m)
        table_size(self.n_devices, m, names=("N (junctions)", "M (inputs)"))
        p = self.switch_probability(i[..., :, None] + c)  # (..., M, N)
        k = jnp.sum(jax.random.uniform(key, p.shape, p.dtype) < p, axis=-1)  # (..., M)
        weights = (self.n_devices + 1) ** jnp.arange(m - 1, -1, -1)
        return jnp.sum(k * weights, axis=-1)

    # -- read-out and breakdown -------------------------------------------------------------

    def ap_voltage(self, junction_current: ArrayLike) -> Array:
        """|V| across a junction in AP carrying `junction_current` (A): the self-consistent
        solution of V = |I| R_AP(V) with the bias-dependent TMR (Newton, 8 steps; the AP
        state is the worst case, R_AP(V) >= R_P). **Raises** for a non-finite current."""
        i = jnp.abs(check_finite("junction_current", junction_current, "A"))

        def f(v):
            return v - i * junction_resistance(-1.0, v, self.r_p, self.tmr0, self.v_half)

        v = i * self.r_p * (1 + self.tmr0)
        df = jax.grad(lambda x: jnp.sum(f(x)))
        for _ in range(8):
            v = v - f(v) / df(v)
        return v

    def check_breakdown(self, junction_current: ArrayLike) -> Array:
        """Return `junction_current` (A), raising if any junction would see more than
        `v_breakdown`.

        **Raises** `ValueError` for a concrete current (naming it, with the voltage it puts
        across the junction) and `equinox.EquinoxRuntimeError` at run time for a traced one;
        also for a non-finite current."""
        i = check_finite("junction_current", junction_current, "A")
        v = self.ap_voltage(i)
        over = v > self.v_breakdown
        if is_concrete((v, self.v_breakdown)):
            msg = (f"junction_current up to {float(np.max(np.abs(np.asarray(i)))) * 1e6:.0f} µA "
                   f"puts {float(np.max(np.asarray(v))):.2f} V across a junction, above the "
                   f"breakdown voltage v_breakdown = {describe(self.v_breakdown)} V")
        else:
            msg = "junction_current puts a junction above the breakdown voltage v_breakdown"
        return fail_if(i, over, msg)

    def max_junction_current(self) -> Array:
        """Largest |current| a junction in AP can carry below breakdown, A (Newton on
        V_bd = I R_AP(V_bd) is explicit: I = V_bd / R_AP(V_bd))."""
        return self.v_breakdown / junction_resistance(-1.0, self.v_breakdown, self.r_p,
                                                      self.tmr0, self.v_half)

    def resistance(self, switched: ArrayLike, junction_current: ArrayLike = 0.0) -> Array:
        """Read-out resistance of each junction, Ω: R_P if switched, else R_AP at the bias of
        `junction_current`. **Raises** for a non-finite current."""
        v = self.ap_voltage(junction_current)
        r_ap = junction_resistance(-1.0, v, self.r_p, self.tmr0, self.v_half)
        return jnp.where(jnp.asarray(switched, bool), self.r_p, r_ap)


def poisson_binomial(p: ArrayLike) -> Array:
    """Distribution of the number of successes of independent Bernoulli trials with
    probabilities `p` (..., N): shape (..., N + 1), exact (sequential convolution).

    **Raises** `ValueError` (`EquinoxRuntimeError` when traced) unless every `p` is a
    probability in [0, 1] (a p outside it gives negative "probabilities"), and for a scalar
    `p` (shape (..., N) needed; N = 0 gives the certain count 0)."""
    p = check_range("p", p, 0.0, 1.0)
    if p.ndim < 1:
        raise ValueError(f"p must have shape (..., N) (one probability per trial), got a scalar "
                         f"{describe(p) if is_concrete(p) else ''}")
    n = p.shape[-1]
    dist = jnp.zeros(p.shape[:-1] + (n + 1,), p.dtype).at[..., 0].set(1.0)
    for i in range(n):
        pi = p[..., i:i + 1]
        shifted = jnp.concatenate([jnp.zeros_like(dist[..., :1]), dist[..., :-1]], axis=-1)
        dist = dist * (1 - pi) + shifted * pi
    return dist


def calibrate_offsets(chain: STTChain, intrinsic_thresholds: ArrayLike) -> STTChain:
    """Solve each junction's offset field so that its intrinsic threshold (P_sw = 1/2 for one
    input of `pulse_width`) equals `intrinsic_thresholds` (A, shape (N,)). The threshold falls
    monotonically with the destabilising field, from +∞ (strongly stabilising) to −∞ (barrier
    gone), so the root exists and is found by bisection (64 halvings, float64 not needed).

    **Raises** `ValueError` for thresholds that are not N finite currents, a chain or
    thresholds that are traced (the bisection runs in NumPy: call it outside `jit`), or
    thresholds no offset field reaches."""
    if not is_concrete((chain, intrinsic_thresholds)):
        raise ValueError("calibrate_offsets needs concrete values (it bisects in NumPy); call "
                         "it outside jax.jit / vmap / grad")
    target = np.asarray(intrinsic_thresholds, dtype=float)
    if target.shape != (chain.n_devices,) or not np.all(np.isfinite(target)):
        raise ValueError(f"intrinsic_thresholds must be {chain.n_devices} finite currents (A), "
                         f"got {target.tolist()}")
    hk = float(np.asarray(chain.hk))
    ha = float(np.asarray(chain.h_applied))
    lo = np.full(target.shape, -50.0 * hk - ha)       # field strongly stabilising AP
    hi = np.full(target.shape, (1 - 1e-3) * hk - ha)  # barrier nearly gone

    @jax.jit
    def thr(off):
        return eqx.tree_at(lambda c: c.h_offset, chain, off).intrinsic_thresholds

    if np.any(np.asarray(thr(jnp.asarray(lo))) < target) or \
            np.any(np.asarray(thr(jnp.asarray(hi))) > target):
        raise ValueError(f"intrinsic_thresholds {(target * 1e6).round(1).tolist()} µA cannot be "
                         "reached by an offset field with these stack parameters")
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        above = np.asarray(thr(jnp.asarray(mid))) > target
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return eqx.tree_at(lambda c: c.h_offset, chain, jnp.asarray(0.5 * (lo + hi),
                                                                 chain.diameter.dtype))


def seed001_chain(input_thresholds: ArrayLike = SEED001_INPUT_THRESHOLDS,
                  control: float = SEED001_CONTROL, *, diameter: ArrayLike = 150e-9,
                  **stack) -> STTChain:
    """The seed-001 chain: junctions of the IP-STT stack (keyword `stack` overrides any
    `STTChain` field) whose offset fields are calibrated so that the measured input thresholds
    (A, default 724 / 434 / 696 µA) are reproduced at the control current `control` (A,
    default −500 µA). Any N: pass N thresholds.

    **Raises** `ValueError` for thresholds that are not a 1-D list of N >= 1 finite currents,
    a `control` outside ±5 mA, traced arguments (the calibration runs in NumPy) or stack
    values `STTChain` refuses."""
    if not is_concrete((input_thresholds, control)):
        raise ValueError("seed001_chain needs concrete input_thresholds and control (the "
                         "offsets are calibrated in NumPy); call it outside jax.jit / vmap")
    th = np.asarray(input_thresholds, dtype=float)
    if th.ndim != 1 or th.size < 1 or not np.all(np.isfinite(th)):
        raise ValueError(f"input_thresholds must be a 1-D list of N >= 1 finite currents (A), "
                         f"got {np.asarray(input_thresholds).tolist()}")
    control = float(check_range("control", control, -5e-3, 5e-3, unit="A"))
    d = jnp.broadcast_to(as_float(diameter), th.shape)
    chain = STTChain(d, **stack)
    return calibrate_offsets(chain, th + control)


def sample_chains(nominal: STTChain, key: PRNGKeyArray, n: int, *,
                  diameter_std: float = 3e-9, h_offset_std: float | None = None) -> STTChain:
    """Device-to-device variability: `n` chains around `nominal`, with a normal spread of each
    junction's diameter (`diameter_std`, m; default 3 nm, **assumed**) and offset field
    (`h_offset_std`, A/m; default: the standard deviation of the nominal chain's calibrated
    offsets, i.e. the spread the seed's three devices show). Fields of shape (n, N);
    reparameterised, so differentiable in the nominal values (the stds may be traced).

    **Raises** `ValueError` for `n` not an int >= 1, a negative or non-finite std, or a
    `diameter_std` so large that a drawn diameter is <= 0 (`EquinoxRuntimeError` when
    traced)."""
    if not (isinstance(n, int | np.integer) and n >= 1):
        raise ValueError(f"n (chains to draw) must be an int >= 1, got {n!r}")
    if h_offset_std is None:
        h_offset_std = jnp.std(nominal.h_offset, ddof=1) if nominal.n_devices > 1 else 0.0
    diameter_std = check_nonnegative("diameter_std", diameter_std, "m")
    h_offset_std = check_nonnegative("h_offset_std", h_offset_std, "A/m")
    kd, ko = jax.random.split(key)
    shape = (n, nominal.n_devices)
    d = nominal.diameter + diameter_std * jax.random.normal(kd, shape, nominal.diameter.dtype)
    d = fail_if(d, d <= 0, f"diameter_std = "
                f"{describe(diameter_std) if is_concrete(diameter_std) else '(traced)'} m "
                "draws non-positive diameters; reduce it")
    off = nominal.h_offset + h_offset_std * jax.random.normal(ko, shape, d.dtype)
    return eqx.tree_at(lambda c: (c.diameter, c.h_offset), nominal, (d, off))
