"""The `mtjax` command-line program.

Every sub-command prints human-readable text by default and one JSON document with `--json`.
Errors are a single line on stderr; bad usage exits with code 2, a failed computation with 1.

Sub-commands register themselves in `_COMMANDS` below: each is a pair of functions, one that adds
its arguments to an `argparse` parser and one that runs it and returns a JSON-serialisable dict
(plus an optional text renderer).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from ._version import __version__


class UsageError(Exception):
    """Bad command-line usage; reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit with code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


@dataclass(frozen=True)
class _Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], dict[str, Any]]
    render: Callable[[dict[str, Any]], str]


# ---------------------------------------------------------------------------------------------
# mtjax info


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _info_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def _info_run(args: argparse.Namespace) -> dict[str, Any]:
    del args
    import jax

    from . import datasets
    from .numerics import x64_enabled

    runtime = ["jax", "jaxlib", "equinox", "optax", "diffrax", "numpy", "jaxtyping"]
    optional = ["matplotlib", "cmtj", "scipy", "pytest", "hypothesis", "jupytext"]
    return {
        "mtjax": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {name: _package_version(name) for name in runtime},
        "optional": {name: _package_version(name) for name in optional},
        "jax": {
            "backend": jax.default_backend(),
            "devices": [str(d) for d in jax.devices()],
            "device_count": jax.device_count(),
            "process_count": jax.process_count(),
            "x64_enabled": x64_enabled(),
        },
        "datasets": datasets.describe_datasets(),
    }


def _info_render(result: dict[str, Any]) -> str:
    lines = [f"mtjax {result['mtjax']}  (Python {result['python']}, {result['platform']})", ""]
    lines.append("runtime dependencies:")
    for name, ver in result["versions"].items():
        lines.append(f"  {name:<12} {ver or 'MISSING'}")
    lines.append("optional:")
    for name, ver in result["optional"].items():
        lines.append(f"  {name:<12} {ver or '-'}")
    j = result["jax"]
    lines += [
        "",
        f"JAX backend: {j['backend']}  devices: {', '.join(j['devices'])}",
        f"64-bit mode (jax_enable_x64): {'on' if j['x64_enabled'] else 'off'}"
        + ("" if j["x64_enabled"] else "  (float32 default; see mtjax.numerics)"),
        "",
        "data sets:",
    ]
    for d in result["datasets"]:
        where = d["path"] if d["found"] else f"not found ({d['hint']})"
        lines.append(f"  {d['name']:<14} {where}")
    return "\n".join(lines)


_COMMANDS: list[_Command] = [
    _Command(
        "info",
        "print versions, the JAX backend and devices, 64-bit status, and where data sets are",
        _info_arguments,
        _info_run,
        _info_render,
    ),
]


def _lazy(module: str, name: str, help: str) -> _Command:
    """A command whose implementation lives in `mtjax.commands.<module>` (imported on use)."""
    import importlib

    def mod():
        return importlib.import_module(f"mtjax.commands.{module}")

    return _Command(
        name,
        help,
        lambda p: mod().add_arguments(p),
        lambda a: mod().run(a),
        lambda r: mod().render(r),
    )


_COMMANDS += [
    _lazy("vowels", "vowels",
          "seed-001 MTJ-chain vowel classifier trained through the device physics (gradient, "
          "co-design, the seed's ±10 µA rule, MLP baselines); table, figures, --json"),
    _lazy("simulate", "simulate",
          "switching probability and switching-time statistics of one junction (thermal LLGS)"),
    _lazy("dw", "dw",
          "seed-003 domain-wall MTJ synapse: pulse protocol (compact model and thermal (q, phi) "
          "cycles), levels, switching-voltage spread, state-distribution map, PNGs"),
    _lazy("rvloop", "rv-loop",
          "R(V) loop and read-out levels of a multi-level device (single MTJ, series chain, "
          "parallel SOT cells), optionally with device-to-device samples and a PNG figure"),
    _lazy("validate", "validate",
          "run the physics checks (closed forms of PHYSICS.md) on this install; exit 1 on failure"),
]


def register(command: _Command) -> None:
    """Add a sub-command (used by later modules; names must be unique)."""
    if any(c.name == command.name for c in _COMMANDS):
        raise ValueError(f"duplicate mtjax sub-command {command.name!r}")
    _COMMANDS.append(command)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mtjax",
        description="mtjax: differentiable device physics for spintronic neuromorphic computing.",
    )
    parser.add_argument("--version", action="version", version=f"mtjax {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for cmd in _COMMANDS:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        p.add_argument("--json", action="store_true", help="print one JSON document")
        cmd.add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError("mtjax: a sub-command is required (see 'mtjax --help')")
        cmd = next(c for c in _COMMANDS if c.name == args.command)
        result = cmd.run(args)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, FileNotFoundError, OSError) as err:
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(cmd.render(result))
    return int(result.get("exit_code", 0))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
