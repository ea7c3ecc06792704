"""Parse-time validation of command-line numbers: `argparse` `type=` helpers shared by every
sub-command.

A bad value is refused while the arguments are parsed, so the error is one usage line naming
the flag and echoing the value (exit code 2), before any JAX work starts. Non-finite values
(`nan`, `inf`) are refused by every float helper: a NaN flag would otherwise run and print a
physical-looking result.

`NEGATIVE_NUMBER` is the pattern the parsers use to tell a negative number from an option:
argparse's own has no exponent, so `--current -4e-4` was taken for an option.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: what argparse treats as a negative number (a value), not an option: -4, -.5, -4e-6, -1E+3,
#: and -inf / -nan (so that the float helpers can refuse them with a clear message)
NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^-(inf|infinity|nan)$",
                             re.IGNORECASE)

#: most time steps of one run (the integrators count steps in int32)
MAX_STEPS = 2**31 - 1

#: largest accepted PRNG seed (seeds are also offset by split and restart indices)
MAX_SEED = 2**31 - 1


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _named(func: Callable, name: str) -> Callable:
    func.__name__ = name  # argparse names the type in some messages
    return func


def float_range(lo: float | None = None, hi: float | None = None, *,
                lo_open: bool = False, hi_open: bool = False) -> Callable[[str], float]:
    """A `type=` for a finite float in [lo, hi] (open at lo with `lo_open`, at hi with
    `hi_open`); None: unbounded."""
    def parse(text: str) -> float:
        value = _float(text)
        if lo is not None and (value <= lo if lo_open else value < lo):
            raise argparse.ArgumentTypeError(
                f"must be {'>' if lo_open else '>='} {lo:g}, got {text!r}")
        if hi is not None and (value >= hi if hi_open else value > hi):
            raise argparse.ArgumentTypeError(
                f"must be {'<' if hi_open else '<='} {hi:g}, got {text!r}")
        return value

    return _named(parse, "float")


def int_range(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """A `type=` for an integer in [lo, hi] (None: unbounded on that side)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            if hi is None:
                want = f">= {lo}"
            elif lo is None:
                want = f"<= {hi}"
            else:
                want = f"in [{lo}, {hi}]"
            raise argparse.ArgumentTypeError(f"must be an integer {want}, got {text!r}")
        return value

    return _named(parse, "int")


#: a finite float (any sign)
finite = float_range()
#: a finite float > 0
positive = float_range(0.0, lo_open=True)
#: a finite float >= 0
nonnegative = float_range(0.0)
#: a PRNG seed, 0 <= seed <= MAX_SEED
seed = int_range(0, MAX_SEED)


def check_dt(command: str, dt: float, span: float, span_text: str, flag: str = "--dt") -> int:
    """The number of steps of length `dt` over `span` (s); raises `UsageError` naming `flag`
    for a step longer than the span (one step would be "integrated" and reported) or more than
    `MAX_STEPS` steps."""
    from ..cli import UsageError

    if dt > span:
        raise UsageError(f"{command}: {flag} {dt:g} s is longer than the simulated span "
                         f"{span:g} s ({span_text}); use a step well below it")
    n_steps = math.ceil(span / dt)
    if n_steps > MAX_STEPS:
        raise UsageError(f"{command}: {flag} {dt:g} s gives {n_steps:.3g} steps over the "
                         f"{span:g} s span, more than {MAX_STEPS} (int32 step count); use "
                         f"{flag} >= {span / MAX_STEPS:.3g} s")
    return n_steps


@contextmanager
def blame(command: str, flag: str, value: float, unit: str = "") -> Iterator[None]:
    """Report a `ValueError` or a failed traced check (`EquinoxRuntimeError`, JAX runtime
    error) raised inside as a usage error naming `flag` and its value: for calls whose only
    user input is that flag."""
    from ..cli import UsageError, failure_message

    try:
        yield
    except (ValueError, RuntimeError) as err:
        u = f" {unit}" if unit else ""
        raise UsageError(f"{command}: {flag} {value:g}{u} is refused: "
                         f"{failure_message(err)}") from None
