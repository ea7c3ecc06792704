r"""The macrospin Landau-Lifshitz-Gilbert-Slonczewski (LLGS) equation, in reduced units.

`Macrospin` composes a `FreeLayer` with optional spin-transfer and spin-orbit torques; `Drive`
holds the time-dependent MTJ current, channel current and applied field. The right-hand side is
written in explicit Landau-Lifshitz form (PHYSICS.md Eq. 1.5) with time in units of
$1/(\gamma_0 M_s)$ and fields in units of $M_s$ (`ReducedUnits`):

$$\frac{dm}{d\tau} = -\frac{1}{1+\alpha^2}\Big[m\times h + \alpha\,m\times(m\times h)
+ \sum_k (a_k + \alpha b_k)\, m\times(m\times p_k) + (b_k - \alpha a_k)\, m\times p_k\Big]$$

and Brown's thermal field enters as the Stratonovich diffusion
$G(m)\,\circ dW = -\frac{\sigma}{1+\alpha^2}\big(m\times dW + \alpha\, m\times(m\times dW)\big)$,
$\sigma^2 = 2\alpha k_B T/(\mu_0 M_s^2 V)$ (PHYSICS.md §1.6).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from .._custom_types import Vector3
from ._freelayer import FreeLayer
from ._torques import SpinOrbitTorque, SpinTransferTorque
from ._waveforms import AbstractWaveform, Constant, as_waveform


class Drive(eqx.Module):
    """What drives a junction: currents and applied field as functions of time (SI).

    **Arguments**

    - `current`: MTJ current, A (STT; positive = electrons from reference into free layer,
      favouring P). A number or an `AbstractWaveform`.
    - `channel_current`: heavy-metal channel current, A (SOT).
    - `field`: applied field, A/m, a 3-vector or a vector-valued waveform.
    """

    current: AbstractWaveform
    channel_current: AbstractWaveform
    field: AbstractWaveform

    def __init__(self, current=0.0, channel_current=0.0, field=(0.0, 0.0, 0.0)):
        self.current = as_waveform(current)
        self.channel_current = as_waveform(channel_current)
        self.field = as_waveform(field)
        if isinstance(self.field, Constant) and self.field.value.shape != (3,):
            raise ValueError(
                f"field must be a 3-vector in A/m, got shape {self.field.value.shape}"
            )

    def breakpoints(self) -> Array:
        return jnp.concatenate(
            [self.current.breakpoints(), self.channel_current.breakpoints(),
             self.field.breakpoints()]
        )


class Macrospin(eqx.Module):
    """A free layer with the spin torques acting on it: the object the LLGS solvers integrate.

    **Arguments**

    - `layer`: the `FreeLayer`.
    - `stt`: a `SpinTransferTorque` (MTJ current), or None.
    - `sot`: a `SpinOrbitTorque` (channel current), or None.
    """

    layer: FreeLayer
    stt: SpinTransferTorque | None = None
    sot: SpinOrbitTorque | None = None

    # -- pieces -------------------------------------------------------------------------------

    def reduced_field(self, tau: ArrayLike, m: Vector3, drive: Drive) -> Vector3:
        """Effective field $h = H_\\mathrm{eff}/M_s$ (no thermal part) at reduced time tau."""
        layer = self.layer
        t = layer.units.time_to_si(tau)
        h_app = (drive.field(t) + layer.h_bias) / layer.ms
        return h_app - layer.anisotropy_tensor @ m

    def torque_amplitudes(self, tau: ArrayLike, m: Vector3, drive: Drive):
        """List of (a, b, p) reduced torque amplitudes and polarisations at reduced time tau."""
        layer = self.layer
        t = layer.units.time_to_si(tau)
        out = []
        if self.stt is not None:
            a, b = self.stt.amplitudes(m, drive.current(t), layer.ms, layer.volume)
            out.append((a, b, self.stt.fixed_layer))
        if self.sot is not None:
            a, b = self.sot.amplitudes(drive.channel_current(t), layer.ms, layer.thickness)
            out.append((a, b, self.sot.polarisation))
        return out

    def max_rate(self, drive: Drive) -> Array | None:
        r"""An upper bound $\omega_\max$ of the precession rate, in reduced units ($\gamma_0 M_s$).

        $\omega_\max = \|\kappa\|_2 + (|H_\mathrm{bias}| + \max_t|H(t)|)/M_s
        + \sum_k (|a_k| + |b_k|)_\max$: the largest effective field the junction can see
        (anisotropy at any $m$, applied and bias fields, and the spin torques at the drive's
        peak, with the STT efficiency at its larger end). A fixed-step Heun integration is
        accurate for $\omega_\max\,\Delta\tau \lesssim 0.1$ and meaningless beyond about 1
        (the solvers refuse that). None if a waveform does not bound itself (`peak()`).
        """
        layer = self.layer
        peaks = [drive.field.peak(), drive.current.peak(), drive.channel_current.peak()]
        if any(q is None for q in peaks):
            return None
        field, current, channel = peaks
        rate = jnp.max(jnp.abs(jnp.linalg.eigvalsh(layer.anisotropy_tensor)))
        rate = rate + (jnp.sqrt(jnp.sum(layer.h_bias ** 2)) + field) / layer.ms
        if self.stt is not None:
            p = self.stt.fixed_layer
            a = jnp.maximum(*(jnp.abs(self.stt.amplitudes(s * p, current, layer.ms,
                                                           layer.volume)[0])
                              for s in (1.0, -1.0)))
            rate = rate + a * (1 + jnp.abs(self.stt.field_like_ratio))
        if self.sot is not None:
            a, _ = self.sot.amplitudes(channel, layer.ms, layer.thickness)
            rate = rate + jnp.abs(a) * (1 + jnp.abs(self.sot.field_like_ratio))
        return rate

    # -- the SDE ------------------------------------------------------------------------------

    def drift(self, tau: ArrayLike, m: Vector3, drive: Drive) -> Vector3:
        """$dm/d\\tau$ (reduced units), PHYSICS.md Eq. 1.5."""
        alpha = self.layer.alpha
        h = self.reduced_field(tau, m, drive)
        # Field-like torques act exactly like a field b p; damping-like ones need their own term.
        dl = jnp.zeros_like(m)
        for a, b, p in self.torque_amplitudes(tau, m, drive):
            h = h + b * p
            mxp = jnp.cross(m, p)
            dl = dl + a * (jnp.cross(m, mxp) - alpha * mxp)
        mxh = jnp.cross(m, h)
        return -(mxh + alpha * jnp.cross(m, mxh) + dl) / (1 + alpha * alpha)

    def diffusion(self, tau: ArrayLike, m: Vector3, drive: Drive) -> Float[Array, "3 3"]:
        """The 3x3 Stratonovich diffusion matrix $G(m)$ (reduced units), PHYSICS.md §1.6."""
        del tau, drive
        alpha = self.layer.alpha
        mx = jnp.array(
            [[0.0, -m[2], m[1]], [m[2], 0.0, -m[0]], [-m[1], m[0], 0.0]], dtype=m.dtype
        )
        return -(self.layer.thermal_sigma / (1 + alpha * alpha)) * (mx + alpha * mx @ mx)

    def noise_product(self, tau: ArrayLike, m: Vector3, drive: Drive, dw: Vector3) -> Vector3:
        """$G(m)\\,dW$ without forming the matrix (9 multiplications fewer)."""
        del tau, drive
        alpha = self.layer.alpha
        mxw = jnp.cross(m, dw)
        return -(self.layer.thermal_sigma / (1 + alpha * alpha)) * (mxw + alpha * jnp.cross(m, mxw))

    def energy(self, m: Vector3, drive: Drive, t: ArrayLike = 0.0) -> Array:
        """Magnetic energy (J) at SI time t (no spin torque: it is not conservative)."""
        return self.layer.energy(m, drive.field(t))
