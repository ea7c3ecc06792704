"""A minimal progress line on stderr (no dependency), silent when stderr is not a terminal
unless forced."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, label: str, *, enabled: bool | None = None):
        self.total = total
        self.label = label
        self.done = 0
        self.start = time.perf_counter()
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def update(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        frac = self.done / max(self.total, 1)
        eta = elapsed / frac - elapsed if frac > 0 else float("nan")
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {self.done}/{self.total} "
                         f"{elapsed:5.1f}s elapsed, ~{eta:5.1f}s left")
        sys.stderr.flush()
        if self.done >= self.total:
            sys.stderr.write("\n")
