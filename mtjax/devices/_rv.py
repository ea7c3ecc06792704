r"""Seed 000's single-MTJ R(V) model: four linear branches and two critical voltages.

Rzeszut et al., Sci. Rep. 12, 7178 (2022), Fig. 1a: in state $s$ (0 = P, 1 = AP) the resistance
is linear in the bias on each side, with the seed's relations $a_{sn} = -a_{sp} = a_s$ and
$b_{sn} = b_{sp} = b_s$, i.e.

$$R_s(V) = b_s - a_s |V|,$$

and the junction switches P→AP when $V \ge c_P > 0$ and AP→P when $V \le c_N < 0$
(PHYSICS.md §4.1). Because $V = I R_s(V)$, the same junction in current language is

$$V(I) = \frac{I\,b_s}{1 + a_s |I|},\qquad R_s(I) = \frac{b_s}{1 + a_s|I|},\qquad
|I|(V) = \frac{|V|}{b_s - a_s|V|},$$

which is what a series chain needs (one current through all junctions).

**[FLAG] placeholders.** The seed's Table 1 (means and standard deviations of $a_0, b_0, a_1,
b_1, c_N, c_P$) did not survive in the text copy. `SEED000_PLACEHOLDER` holds PHYSICS.md §4.1's
placeholders ($b_0$ = 900 Ω, $a_0$ = 100 Ω/V, $b_1$ = 1800 Ω, $a_1$ = 1000 Ω/V, $c_P$ = 0.46 V,
$c_N$ = -0.42 V). They match the seed's one number, "about 3.25 V is needed to program seven
serially connected MTJs", only in the sense PHYSICS.md reads it (≈ 0.46 V per junction: the
first write of a 7-chain is at 7 c_P = 3.22 V; the full staircase of identical junctions needs
4.24 V). Their spread (`SEED000_PLACEHOLDER_SPREAD`) is assumed, not measured. Replace both
with Table 1 when it is available.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike

from ..physics._checks import (
    check_finite,
    check_nonnegative,
    check_positive,
    describe,
    ensure,
    fail_if,
    is_concrete,
)


def _relation(x, ok, message: str, **values):
    """`x` if the relation `ok` between fields holds, else the error `message` (with the fields'
    values when concrete)."""
    if is_concrete(tuple(values.values())):
        message += ", got " + ", ".join(f"{k}={describe(v)}" for k, v in values.items())
    return fail_if(x, ~ok, message)


class LinearRVMTJ(eqx.Module):
    """One perpendicular STT-MTJ in seed 000's four-line R(V) model (or an array of them: every
    field may carry the same leading shape, e.g. (N,) for a chain of N junctions).

    **Arguments** (SI)

    - `b0`, `a0`: P-state zero-bias resistance (Ω) and bias slope (Ω/V), $R_0 = b_0 - a_0|V|$.
    - `b1`, `a1`: the same for the AP state; $b_1 > b_0$.
    - `c_p`: P→AP critical voltage, V, > 0.
    - `c_n`: AP→P critical voltage, V, < 0.
    - `v_breakdown`: largest |V| the barrier survives, V (default 1.5 V, an MgO-typical value;
      **assumed**, seed 000 gives none). Drives above it are reported by the devices.

    **Raises** `ValueError` (naming the field, echoing its value) for non-finite values,
    non-positive resistances, negative slopes, $b_1 \\le b_0$, wrong-signed critical voltages,
    or a branch that would reach zero resistance before its critical voltage
    ($b_s \\le a_s |c|$); traced fields raise `equinox.EquinoxRuntimeError` when the compiled
    code runs.
    """

    b0: Array
    a0: Array
    b1: Array
    a1: Array
    c_p: Array
    c_n: Array
    v_breakdown: Array

    def __init__(self, b0: ArrayLike, a0: ArrayLike, b1: ArrayLike, a1: ArrayLike,
                 c_p: ArrayLike, c_n: ArrayLike, v_breakdown: ArrayLike = 1.5):
        b0 = check_positive("b0", b0, "Ohm")
        a0 = check_nonnegative("a0", a0, "Ohm/V")
        b1 = check_positive("b1", b1, "Ohm")
        a1 = check_nonnegative("a1", a1, "Ohm/V")
        c_p = check_positive("c_p", c_p, "V")
        c_n = ensure("c_n", c_n, lambda a: jnp.isfinite(a) & (a < 0), "finite and < 0", "V")
        vb = check_positive("v_breakdown", v_breakdown, "V")
        b1 = _relation(b1, b1 > b0, "b1 (AP resistance) must exceed b0 (P)", b0=b0, b1=b1)
        b0 = _relation(b0, b0 > a0 * c_p, "the P branch b0 - a0 |V| reaches zero before c_p: "
                       "need b0 > a0 c_p", b0=b0, a0=a0, c_p=c_p)
        b1 = _relation(b1, b1 > a1 * jnp.abs(c_n), "the AP branch b1 - a1 |V| reaches zero "
                       "before c_n: need b1 > a1 |c_n|", b1=b1, a1=a1, c_n=c_n)
        self.b0, self.a0, self.b1, self.a1 = b0, a0, b1, a1
        self.c_p, self.c_n, self.v_breakdown = c_p, c_n, vb

    @classmethod
    def from_critical_currents(cls, ic_p_to_ap: ArrayLike, ic_ap_to_p: ArrayLike, *,
                               b0: ArrayLike, a0: ArrayLike, b1: ArrayLike, a1: ArrayLike,
                               v_breakdown: ArrayLike = 1.5) -> LinearRVMTJ:
        r"""Critical voltages from critical currents (e.g. the macrospin $I_{c0}$ of PHYSICS.md
        §2.1 for each direction): the voltage the junction itself carries at that current,
        $c_P = I_{P\to AP}\,b_0/(1 + a_0 I_{P\to AP})$ and
        $c_N = -|I_{AP\to P}|\,b_1/(1 + a_1 |I_{AP\to P}|)$. Differentiable in every input.

        **Raises** for a non-positive or non-finite `ic_p_to_ap`, a zero or non-finite
        `ic_ap_to_p` (its sign is ignored), and whatever the constructor refuses.
        """
        i_p = check_positive("ic_p_to_ap", ic_p_to_ap, "A")
        i_ap = check_positive("|ic_ap_to_p|", jnp.abs(check_finite("ic_ap_to_p", ic_ap_to_p,
                                                                   "A")), "A")
        c_p = i_p * b0 / (1 + a0 * i_p)
        c_n = -i_ap * b1 / (1 + a1 * i_ap)
        return cls(b0, a0, b1, a1, c_p, c_n, v_breakdown)

    @classmethod
    def from_macrospin(cls, layer, stt, *, b0: ArrayLike, a0: ArrayLike, b1: ArrayLike,
                       a1: ArrayLike, h_z: ArrayLike = 0.0,
                       v_breakdown: ArrayLike = 1.5) -> LinearRVMTJ:
        r"""Critical voltages from the zero-temperature macrospin thresholds of a perpendicular
        free layer (PHYSICS.md §2.1): $I_{c0}$ with the efficiency of the starting state,
        $\eta(+1)$ for P→AP and $\eta(-1)$ for AP→P (`SpinTransferTorque.efficiency`), then
        `from_critical_currents`. `layer` is a `FreeLayer`, `stt` a `SpinTransferTorque`; `h_z`
        (A/m) is an easy-axis field counted positive along the starting state. Differentiable
        in the layer's geometry (thickness, diameter) and the resistances."""
        from ..physics import critical_current_perpendicular_stt

        def ic(cos0):
            return critical_current_perpendicular_stt(layer.ms, layer.volume, layer.alpha,
                                                      stt.efficiency(cos0), layer.hk_eff, h_z)

        return cls.from_critical_currents(ic(1.0), ic(-1.0), b0=b0, a0=a0, b1=b1, a1=a1,
                                          v_breakdown=v_breakdown)

    # -- per-junction relations ---------------------------------------------------------------

    def branch(self, state: ArrayLike) -> tuple[Array, Array]:
        """(b, a) of the present state (0/False = P, 1/True = AP), broadcast with the fields."""
        ap = jnp.asarray(state).astype(bool)
        return jnp.where(ap, self.b1, self.b0), jnp.where(ap, self.a1, self.a0)

    def resistance(self, v: ArrayLike, state: ArrayLike) -> Array:
        """$R_s(V) = b_s - a_s|V|$, Ω, at junction bias `v` (V). **Raises** for a non-finite
        `v` and for a bias at or beyond the branch's zero-resistance point $|V| \\ge b_s/a_s$
        (the linear model has no resistance there)."""
        b, a = self.branch(state)
        v = check_finite("v", v, "V")
        r = b - a * jnp.abs(v)
        return fail_if(r, r <= 0, "v is beyond the linear branch's zero-resistance point "
                       "|v| = b/a (the junction would have broken down)"
                       + (f", got v = {describe(v)} V" if is_concrete((v, r)) else ""))

    def voltage_at_current(self, i: ArrayLike, state: ArrayLike) -> Array:
        """$V(I) = I b_s/(1 + a_s|I|)$, V, at current `i` (A). **Raises** for a non-finite
        `i`."""
        b, a = self.branch(state)
        i = check_finite("i", i, "A")
        return i * b / (1 + a * jnp.abs(i))

    def threshold_currents(self) -> tuple[Array, Array]:
        r"""Currents (A, magnitudes) at which the junction reaches its critical voltages:
        $I_P = c_P/(b_0 - a_0 c_P)$ (P→AP, positive current) and
        $I_N = |c_N|/(b_1 - a_1|c_N|)$ (AP→P, negative current)."""
        return (self.c_p / (self.b0 - self.a0 * self.c_p),
                -self.c_n / (self.b1 + self.a1 * self.c_n))

    @property
    def tmr0(self) -> Array:
        """Zero-bias TMR $b_1/b_0 - 1$ (ratio)."""
        return self.b1 / self.b0 - 1


#: PHYSICS.md §4.1/§6 placeholders for seed 000 (Table 1 missing from the text; see module doc).
SEED000_PLACEHOLDER = dict(b0=900.0, a0=100.0, b1=1800.0, a1=1000.0, c_p=0.46, c_n=-0.42)

#: Assumed device-to-device standard deviations for the placeholders (absolute, SI): 0.02 V on
#: the critical voltages (PHYSICS.md §6), 3 % on the resistances, 10 % on the slopes.
SEED000_PLACEHOLDER_SPREAD = dict(b0=27.0, a0=10.0, b1=54.0, a1=100.0, c_p=0.02, c_n=0.02)


__all__ = ["LinearRVMTJ", "SEED000_PLACEHOLDER", "SEED000_PLACEHOLDER_SPREAD"]
