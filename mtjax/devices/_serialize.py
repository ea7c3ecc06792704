"""JSON parameter files: the `--params` files of `mtjax simulate` (macrospin presets) and of
`mtjax dw` (DW-MTJs), checked against a schema before anything is built.

A parameter file gives every field, as `--dump-params` writes it (only a preset's name,
description, sources and units are optional): an unknown key (a typo) or a missing one is an
error naming it, never a silent default, and each value must be of its field's kind (a number,
a 3-vector, ...), checked by name. The values are then checked by the constructors.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from pathlib import Path
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from ..physics import FreeLayer, Macrospin, SpinOrbitTorque, SpinTransferTorque
from ..physics._checks import check_finite, check_positive, check_vector3
from ._dwmtj import _MATERIAL_KEYS, _TRACK_KEYS, DWMTJ, dw_from_dict
from ._presets import MacrospinPreset


class _Field(NamedTuple):
    """One entry of a parameter file: its kind (a key of `_KINDS`, or a nested schema), unit,
    whether it must be present and whether it may be null."""

    kind: str | dict
    unit: str = ""
    required: bool = True
    nullable: bool = False


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_numbers(v, n: int | None = None) -> bool:
    return (isinstance(v, list) and len(v) > 0 and (n is None or len(v) == n)
            and all(_is_number(x) for x in v))


#: kind -> (test, what a value must be)
_KINDS = {
    "number": (_is_number, "a number"),
    "vector3": (lambda v: _is_numbers(v, 3), "a list of 3 numbers"),
    "pair": (lambda v: _is_numbers(v, 2), "a list of 2 numbers"),
    "numbers": (lambda v: _is_number(v) or _is_numbers(v), "a number or a list of numbers"),
    "text": (lambda v: isinstance(v, str), "a string"),
    "texts": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
              "a list of strings"),
    "charge": (lambda v: _is_number(v) and v in (1, -1), "+1 or -1"),
    "any": (lambda v: True, "anything"),
}

_NUM, _VEC = "number", "vector3"
_FREE_LAYER = {"ms": _Field(_NUM, "A/m"), "thickness": _Field(_NUM, "m"),
               "length": _Field(_NUM, "m"), "width": _Field(_NUM, "m"), "alpha": _Field(_NUM),
               "demag": _Field(_VEC), "k_u": _Field(_NUM, "J/m^3"), "easy_axis": _Field(_VEC),
               "k_s": _Field(_NUM, "J/m^2"), "h_bias": _Field(_VEC, "A/m"),
               "temperature": _Field(_NUM, "K")}
_STT = {"fixed_layer": _Field(_VEC), "efficiency_p": _Field(_NUM),
        "efficiency_ap": _Field(_NUM), "field_like_ratio": _Field(_NUM)}
_SOT = {"spin_hall_angle": _Field(_NUM), "channel_width": _Field(_NUM, "m"),
        "channel_thickness": _Field(_NUM, "m"), "polarisation": _Field(_VEC),
        "field_like_ratio": _Field(_NUM), "current_fraction": _Field(_NUM)}
#: a `--params` file of `mtjax simulate` (the format `preset_to_dict` writes)
PRESET_SCHEMA = {
    "name": _Field("text", required=False), "description": _Field("text", required=False),
    "free_layer": _Field(_FREE_LAYER), "stt": _Field(_STT, required=False, nullable=True),
    "sot": _Field(_SOT, required=False, nullable=True), "field": _Field(_VEC, "A/m"),
    "initial": _Field(_VEC), "drive_kind": _Field("text"), "current": _Field(_NUM, "A"),
    "pulse_width": _Field(_NUM, "s"), "delta_eff": _Field(_NUM),
    "sources": _Field("texts", required=False), "units": _Field("any", required=False),
}
#: a `--params` file of `mtjax dw` (the format `dw_to_dict` writes)
DW_SCHEMA = {
    "material": _Field({k: _Field(_NUM) for k in _MATERIAL_KEYS}),
    "track": _Field({k: _Field("numbers" if k.startswith("notch_") else _NUM)
                     for k in _TRACK_KEYS}),
    "wall_charge": _Field("charge"),
    # v_breakdown may be left out (files written before it existed; dw_from_dict's default)
    "mtj": _Field({"span": _Field("pair", "m"), "r_min": _Field(_NUM, "Ohm"),
                   "r_max": _Field(_NUM, "Ohm"), "start": _Field(_NUM, "m"),
                   "v_breakdown": _Field(_NUM, "V", required=False)}),
    "units": _Field("any", required=False),
}

_UNITS = {k: f.unit for schema in (PRESET_SCHEMA, _FREE_LAYER, _STT, _SOT)
          for k, f in schema.items() if f.kind in (_NUM, _VEC)}


def check_schema(d: Any, schema: dict[str, _Field], where: str = "") -> None:
    """Raise `ValueError` unless `d` follows `schema`: no unknown key (the closest valid one is
    suggested), every required key present, every value of its kind (checked by name, nested
    sections too). Values themselves are checked by the constructors."""
    here = f"{where}: " if where else ""
    if not isinstance(d, dict):
        raise ValueError(f"{where or 'the parameter file'} must be a JSON object, got "
                         f"{type(d).__name__}")
    for key in d:
        if key not in schema:
            close = difflib.get_close_matches(str(key), list(schema), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{here}unknown key {key!r}{hint}; valid keys: "
                             f"{', '.join(schema)}")
    missing = [k for k, f in schema.items() if f.required and k not in d]
    if missing:
        raise ValueError(f"{here}missing key(s) {', '.join(map(repr, missing))} (a parameter "
                         "file gives every field, as --dump-params writes it)")
    for key, field in schema.items():
        if key not in d or (d[key] is None and field.nullable):
            continue
        name = f"{where}.{key}" if where else key
        if isinstance(field.kind, dict):
            check_schema(d[key], field.kind, name)
            continue
        test, what = _KINDS[field.kind]
        if not test(d[key]):
            raise ValueError(f"{name} must be {what}"
                             f"{' (' + field.unit + ')' if field.unit else ''}, got "
                             f"{json.dumps(d[key])[:60]}")


def _module_to_dict(module) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(module):
        v = getattr(module, f.name)
        out[f.name] = np.asarray(v).tolist()
    return out


def preset_to_dict(preset: MacrospinPreset) -> dict[str, Any]:
    """A JSON-serialisable description of a preset (SI units; see `units`)."""
    m = preset.model
    return {
        "name": preset.name,
        "description": preset.description,
        "free_layer": _module_to_dict(m.layer),
        "stt": None if m.stt is None else _module_to_dict(m.stt),
        "sot": None if m.sot is None else _module_to_dict(m.sot),
        "field": np.asarray(preset.field).tolist(),
        "initial": np.asarray(preset.initial).tolist(),
        "drive_kind": preset.drive_kind,
        "current": float(preset.current),
        "pulse_width": float(preset.pulse_width),
        "delta_eff": float(preset.delta_eff),
        "sources": list(preset.sources),
        "units": _UNITS,
    }


def _build(cls, d: dict[str, Any]):
    return cls(**{k: jnp.asarray(v) for k, v in d.items()})


def preset_from_dict(d: dict[str, Any]) -> MacrospinPreset:
    """Inverse of `preset_to_dict`; the layout is checked against `PRESET_SCHEMA` and every value
    by the module constructors. Raises `ValueError` naming the key."""
    check_schema(d, PRESET_SCHEMA)
    if d["drive_kind"] not in ("current", "channel_current"):
        raise ValueError(f"drive_kind must be 'current' or 'channel_current', got "
                         f"{d['drive_kind']!r}")
    layer = _build(FreeLayer, d["free_layer"])
    stt = None if d.get("stt") is None else _build(SpinTransferTorque, d["stt"])
    sot = None if d.get("sot") is None else _build(SpinOrbitTorque, d["sot"])
    if d["drive_kind"] == "current" and stt is None:
        raise ValueError("drive_kind 'current' needs an 'stt' block")
    if d["drive_kind"] == "channel_current" and sot is None:
        raise ValueError("drive_kind 'channel_current' needs an 'sot' block")
    return MacrospinPreset(
        name=str(d.get("name", "custom")),
        description=str(d.get("description", "user parameters")),
        model=Macrospin(layer, stt=stt, sot=sot),
        field=check_vector3("field", d["field"]),
        initial=check_vector3("initial", d["initial"], unit=True),
        drive_kind=d["drive_kind"],
        current=check_finite("current", d["current"], "A"),
        pulse_width=check_positive("pulse_width", d["pulse_width"], "s"),
        delta_eff=check_positive("delta_eff", d["delta_eff"]),
        sources=tuple(d.get("sources", ("user",))),
    )


def _read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None


def load_preset_file(path: str | Path) -> MacrospinPreset:
    """Read a JSON parameter file (as written by `mtjax simulate --dump-params`); errors name
    the file and the key."""
    d = _read_json(path)
    try:
        return preset_from_dict(d)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def dw_from_checked_dict(d: dict[str, Any]) -> DWMTJ:
    """`dw_from_dict` after checking the layout against `DW_SCHEMA` (every field required:
    a material block without `ms` is an error, not the default)."""
    check_schema(d, DW_SCHEMA)
    return dw_from_dict(d)


def load_dw_file(path: str | Path) -> DWMTJ:
    """Read a DW-MTJ parameter file (as written by `mtjax dw --dump-params`); errors name the
    file and the key."""
    d = _read_json(path)
    try:
        return dw_from_checked_dict(d)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
