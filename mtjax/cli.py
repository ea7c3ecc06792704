"""The `mtjax` command-line program.

Every sub-command prints human-readable text by default and one strict JSON document with
`--json` (non-finite numbers as null). Errors are a single line on stderr naming the flag; bad
usage exits with code 2 (numbers are checked while parsing, `mtjax.commands._args`), a failed
computation with 1, Ctrl-C with 130; `--traceback` or `MTJAX_DEBUG=1` shows the traceback.
Output files go into the `--out` directory, written atomically (`mtjax.commands._io`).

Sub-commands register themselves in `_COMMANDS` below: each is a pair of functions, one that adds
its arguments to an `argparse` parser and one that runs it and returns a JSON-serialisable dict
(plus an optional text renderer).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from ._version import __version__


class UsageError(Exception):
    """Bad command-line usage; reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit with code 2, and which takes
    `-4e-6`, `-.5` or `-1E+3` as negative numbers (values), not as options."""

    def __init__(self, *args, **kwargs):
        from .commands._args import NEGATIVE_NUMBER

        super().__init__(*args, **kwargs)
        self._negative_number_matcher = NEGATIVE_NUMBER

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
    _lazy("sotnet", "sot-network",
          "seed-002 784-128-10 networks on compound SOT-MTJ synapses: PTQ (the seed's protocol), "
          "QAT, sampled chips, accuracy vs TMR and states, free-layer thickness co-designed by "
          "gradient; table, figures, --json"),
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
        p.add_argument("--json", action="store_true", help="print one (strict) JSON document")
        p.add_argument("--traceback", action="store_true",
                       help="on a failure, show the full Python traceback instead of one line "
                            "(also: environment variable MTJAX_DEBUG=1)")
        cmd.add_arguments(p)
    return parser


_EQX_MESSAGE = re.compile(r"EquinoxRuntimeError: *([^\n]+)")


def failure_message(err: BaseException) -> str:
    """One line for a failed run: the message of an `equinox.error_if` check (also when JAX
    wraps it in a `JaxRuntimeError`), else the exception's type and first message line."""
    from .commands._io import one_line

    found = _EQX_MESSAGE.findall(str(err))
    if found and isinstance(err, RuntimeError):
        return f"EquinoxRuntimeError: {found[-1].strip()}"
    return one_line(err)


def _debug_requested() -> bool:
    return os.environ.get("MTJAX_DEBUG", "").strip().lower() not in ("", "0", "false", "no")


def _run(argv: Sequence[str] | None) -> int:
    from .commands._io import dumps

    parser = build_parser()
    debug = _debug_requested()
    command = "?"
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError("mtjax: a sub-command is required (see 'mtjax --help')")
        debug, command = debug or args.traceback, args.command
        cmd = next(c for c in _COMMANDS if c.name == args.command)
        result = cmd.run(args)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as err:
        if debug:
            raise
        print(f"error: mtjax {command}: {failure_message(err)} (--traceback for details)",
              file=sys.stderr)
        return 1
    code = int(result.get("exit_code", 0))
    try:
        text = dumps(result) if args.json else cmd.render(result)
    except Exception as err:
        if debug:
            raise
        # never lose a finished result to a formatting bug: fall back to the JSON document
        text = dumps(result)
        print(f"error: mtjax {command}: the text report failed ({failure_message(err)}); the "
              "result is printed as JSON", file=sys.stderr)
        code = 1
    print(text, flush=True)
    if result.get("figure_error"):
        print(f"error: mtjax {command}: figure failed: {result['figure_error']}",
              file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 1 failed run, 2 bad usage,
    130 interrupted).

    Ctrl-C prints one line. Run as the program (`argv` None) it then leaves with `os._exit`,
    skipping the interpreter teardown, which can crash while XLA is compiling; called with an
    explicit `argv` (tests, notebooks) it returns 130.
    """
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("mtjax: interrupted", file=sys.stderr)
        if argv is None:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            os._exit(130)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
