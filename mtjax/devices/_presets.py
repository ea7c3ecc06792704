"""Macrospin presets for the seed devices, with the provenance of every number.

Each preset is a `MacrospinPreset`: the `Macrospin` model, the static applied field, the initial
(state before writing) direction, the drive that switches it (MTJ current for STT, channel
current for SOT), a default pulse, and the effective barrier `delta_eff` used for Néel-Brown
statistics, which is deliberately *separate* from the macrospin dynamics parameters
(PHYSICS.md §2.1 flag). Sources are PHYSICS.md §6: "seed" = stated in the paper, "derived" =
computed from seed data, "assumed" = literature-typical.
"""

from __future__ import annotations

import inspect
from typing import Literal

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array

from ..constants import MU0
from ..physics import FreeLayer, Macrospin, SpinOrbitTorque, SpinTransferTorque
from ..physics._checks import check_finite, check_positive, check_vector3
from ..physics._freelayer import bulk_anisotropy_for_hk_eff

DRIVE_KINDS = ("current", "channel_current")


class MacrospinPreset(eqx.Module):
    """A named macrospin device with its default operating conditions (SI units).

    **Arguments**: `name`, `description` (text); `model` (a `Macrospin`); `field` (static
    applied field, A/m, 3-vector); `initial` (state before writing, a direction, normalised);
    `drive_kind` ("current": MTJ current, needs `model.stt`; "channel_current": SOT channel
    current, needs `model.sot`); `current` (default drive, A); `pulse_width` (s); `delta_eff`
    (effective Néel-Brown barrier, kT units); `sources` (provenance, texts).

    **Raises** `ValueError` naming the field (echoing its value) for a `model` that is not a
    `Macrospin`, an unknown `drive_kind` or one without its torque, a field or initial state
    that is not a finite 3-vector (a zero initial direction), a non-finite current, or a
    `pulse_width` / `delta_eff` not finite and > 0; traced values raise
    `equinox.EquinoxRuntimeError` when the compiled code runs.
    """

    name: str = eqx.field(static=True)
    description: str = eqx.field(static=True)
    model: Macrospin
    field: Array
    initial: Array
    drive_kind: Literal["current", "channel_current"] = eqx.field(static=True)
    current: Array
    pulse_width: Array
    delta_eff: Array
    sources: tuple[str, ...] = eqx.field(static=True)

    def __init__(self, name: str, description: str, model: Macrospin, field, initial,
                 drive_kind: Literal["current", "channel_current"], current, pulse_width,
                 delta_eff, sources: tuple[str, ...] = ()):
        if not isinstance(model, Macrospin):
            raise ValueError(f"model must be a Macrospin, got {type(model).__name__}")
        if drive_kind not in DRIVE_KINDS:
            raise ValueError(f"drive_kind must be one of {DRIVE_KINDS}, got {drive_kind!r}")
        torque = "stt" if drive_kind == "current" else "sot"
        if getattr(model, torque) is None:
            raise ValueError(f"drive_kind {drive_kind!r} needs a model with {torque} (its "
                             f"{torque} is None)")
        self.name, self.description = str(name), str(description)
        self.model, self.drive_kind = model, drive_kind
        self.field = check_vector3("field", field)
        self.initial = check_vector3("initial", initial, unit=True)
        self.current = check_finite("current", current, "A")
        self.pulse_width = check_positive("pulse_width", pulse_width, "s")
        self.delta_eff = check_positive("delta_eff", delta_eff)
        self.sources = tuple(str(s) for s in sources)


def pmtj_stt_seed000(temperature: float = 300.0) -> MacrospinPreset:
    """Perpendicular STT-MTJ like seed 000 (Rzeszut et al. 2022): PHYSICS.md set pMTJ-A.

    d = 100 nm disk (seed), t_F = 1.5 nm, Ms = 1.1 MA/m, alpha = 0.01, mu0 H_k,eff = 0.2 T,
    TMR0 = 100 % -> Slonczewski eta (all assumed); Delta_eff = 60 (assumed; macrospin Delta = 313).
    Starts in AP (m = -z, reference +z); a positive current (electrons into the free layer)
    switches AP -> P. Ic0(AP->P) = 2e alpha mu0 Ms V H_k,eff/(hbar eta_AP) ~ 105 uA.
    """
    layer = FreeLayer.disk(diameter=100e-9, thickness=1.5e-9, ms=1.1e6, alpha=0.01,
                           temperature=temperature)
    ku = bulk_anisotropy_for_hk_eff(0.2 / MU0, layer.ms, layer.demag)
    layer = eqx.tree_at(lambda x: x.k_u, layer, ku)
    stt = SpinTransferTorque.from_tmr(1.0, fixed_layer=(0.0, 0.0, 1.0))
    return MacrospinPreset(
        name="pmtj-stt",
        description="perpendicular STT-MTJ, 100 nm disk (seed 000-like, PHYSICS.md pMTJ-A)",
        model=Macrospin(layer, stt=stt),
        field=jnp.zeros(3),
        initial=jnp.array([0.0, 0.0, -1.0]),
        drive_kind="current",
        current=jnp.asarray(400e-6),
        pulse_width=jnp.asarray(10e-9),
        delta_eff=jnp.asarray(60.0),
        sources=("geometry: seed 000", "t_F, Ms, alpha, H_k,eff, TMR0, Delta_eff: assumed "
                 "(PHYSICS.md §6)"),
    )


def ip_stt_seed001(temperature: float = 300.0) -> MacrospinPreset:
    """In-plane STT-MTJ like seed 001 (López et al. 2024): 150 nm disk, CoFeB 1.4 nm.

    Easy axis x; mu0 H_k = 5 mT induced and mu0 M_eff = 0.8 T (assumed, realised by an
    interfacial K_s); TMR 120 % -> P = 0.612, eta(0) = 0.223, eta(pi) = 0.490 (seed TMR);
    6 mT along the easy axis (seed). Starts in AP (m = -x, reference +x). Delta_eff = 16
    (PHYSICS.md §6, from the assumed H_k).
    """
    ms, t, d = 1.1e6, 1.4e-9, 150e-9
    base = FreeLayer.disk(diameter=d, thickness=t, ms=ms, alpha=0.01, temperature=temperature,
                          easy_axis=(1.0, 0.0, 0.0))
    n = base.demag
    k_s = (ms * (n[2] - n[0]) - 0.8 / MU0) * MU0 * ms * t / 2
    layer = eqx.tree_at(lambda x: (x.k_u, x.k_s), base, (jnp.asarray(0.5 * ms * 5e-3), k_s))
    stt = SpinTransferTorque.from_tmr(1.2, fixed_layer=(1.0, 0.0, 0.0))
    return MacrospinPreset(
        name="ip-stt",
        description="in-plane STT-MTJ, 150 nm disk (seed 001-like)",
        model=Macrospin(layer, stt=stt),
        field=jnp.array([6e-3 / MU0, 0.0, 0.0]),
        initial=jnp.array([-1.0, 0.0, 0.0]),
        drive_kind="current",
        current=jnp.asarray(0.9e-3),
        pulse_width=jnp.asarray(300e-9),
        delta_eff=jnp.asarray(16.0),
        sources=("geometry, t_F, TMR, field: seed 001", "Ms, alpha, H_k, M_eff: assumed "
                 "(PHYSICS.md §2.2, §6)"),
    )


def ip_sot_seed002(thickness: float = 1.9e-9, temperature: float = 300.0) -> MacrospinPreset:
    """In-plane SOT-MTJ like seed 002 (Kumar et al. 2024): 500 x 250 nm ellipse on Pt.

    Long axis = easy axis = x (the paper's y); Ms = 1.2 MA/m, alpha = 0.01 (assumed),
    K_s = 0.973 mJ/m^2 (derived, PHYSICS.md §2.6); channel Pt 10 nm (theta_SH = 0.11, seed) under
    Ta 4 nm, 96 % of the current in the Pt, w_HM = 0.9 um (seed); spin polarisation along the
    easy axis ("type-y" geometry), 8 mT assist field along the easy axis (seed: 6-10 mT).
    Starts in AP (m = -x); a positive channel current pushes m to +x. Delta_eff: the shape
    macrospin value is too high (PHYSICS.md §6); 60 is a placeholder to fit.
    """
    layer = FreeLayer.ellipse(length=500e-9, width=250e-9, thickness=thickness, ms=1.2e6,
                              alpha=0.01, k_s=0.973e-3, easy_axis=(1.0, 0.0, 0.0),
                              temperature=temperature)
    sot = SpinOrbitTorque(spin_hall_angle=0.11, channel_width=0.9e-6, channel_thickness=10e-9,
                          polarisation=(1.0, 0.0, 0.0), current_fraction=0.96)
    return MacrospinPreset(
        name="ip-sot",
        description="in-plane SOT-MTJ, 500 x 250 nm ellipse on a Pt channel (seed 002-like)",
        model=Macrospin(layer, sot=sot),
        field=jnp.array([8e-3 / MU0, 0.0, 0.0]),
        initial=jnp.array([-1.0, 0.0, 0.0]),
        drive_kind="channel_current",
        current=jnp.asarray(3e-3),
        pulse_width=jnp.asarray(200e-9),
        delta_eff=jnp.asarray(60.0),
        sources=("geometry, t_F range, theta_SH, channel, assist field, pulse: seed 002",
                 "K_s: derived (PHYSICS.md §2.6)", "Ms, alpha, Delta_eff: assumed"),
    )


PRESETS = {
    "pmtj-stt": pmtj_stt_seed000,
    "ip-stt": ip_stt_seed001,
    "ip-sot": ip_sot_seed002,
}


def get_preset(name: str, **kwargs) -> MacrospinPreset:
    """Look up a preset by name ('pmtj-stt', 'ip-stt', 'ip-sot'); `kwargs` go to its factory
    (`temperature` in K, `thickness` in m for 'ip-sot'), whose values `FreeLayer` checks.

    **Raises** `ValueError` for an unknown name or keyword."""
    try:
        factory = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}") from None
    allowed = list(inspect.signature(factory).parameters)
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise ValueError(f"preset {name!r} takes {allowed}, got unknown {unknown}")
    return factory(**kwargs)
