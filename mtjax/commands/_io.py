"""Output of the sub-commands: the `--out` directory, atomic files and figures, strict JSON.

One convention for every command: `--out DIR` names a directory, created (one level: its parent
must exist) and checked for writing *before* any work, so a typo or an existing file costs a
usage error, not a finished computation. Every file is written to a temporary file in the same
directory and moved into place with `os.replace`, so an interrupted write never leaves a
truncated file under the final name. A figure that fails is reported with the result, which is
still printed.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any


def prepare_out_dir(path: str | None, *, flag: str = "--out",
                    needs_matplotlib: bool = True) -> Path | None:
    """Check (and create) the output directory `path`; `None` passes through.

    Raises `UsageError` naming `flag` when `path` is an existing non-directory, its parent does
    not exist, it cannot be created or written, or (`needs_matplotlib`) matplotlib is missing.
    """
    from ..cli import UsageError

    if path is None:
        return None
    if needs_matplotlib:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise UsageError(f"{flag} needs matplotlib: pip install 'mtjax[plot]'") from None
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{flag} {path!r} is an existing file; {flag} takes a directory")
    if not out.exists():
        parent = out.absolute().parent
        if not parent.is_dir():
            raise UsageError(f"{flag} {path!r}: the parent directory {str(parent)!r} does not "
                             "exist (only the last level is created)")
        try:
            out.mkdir()
        except OSError as err:
            raise UsageError(f"{flag} {path!r}: cannot create the directory "
                             f"({err.strerror or err})") from None
    try:  # a real write: permissions, read-only file systems, a full disk
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        raise UsageError(f"{flag} {path!r}: the directory is not writable "
                         f"({err.strerror or err})") from None
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary path beside `path`; on success move it to `path` (`os.replace`), on
    any failure or interrupt remove it. The file gets the usual permissions (0666 & ~umask)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class FigureWriter:
    """Saves matplotlib figures atomically into one directory and lists the paths written."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.written: list[str] = []

    def save(self, fig, name: str, **savefig_kwargs) -> str:
        import matplotlib.pyplot as plt

        path = self.directory / name
        try:
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", **savefig_kwargs)
        finally:
            plt.close(fig)
        self.written.append(str(path))
        return str(path)


def write_figures(result: dict[str, Any], directory: Path | None,
                  draw: Callable[[FigureWriter], None]) -> dict[str, Any]:
    """Run `draw(writer)` when `directory` is set; record `result["figures"]` (the paths
    written) and, if drawing failed, `result["figure_error"]` (one line) and exit code 1. The
    result itself is kept either way."""
    if directory is None:
        return result
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    writer = FigureWriter(directory)
    try:
        draw(writer)
    except Exception as err:  # noqa: BLE001 - the result is kept; the failure is reported
        plt.close("all")
        result["figure_error"] = one_line(err)
        result["exit_code"] = 1
    result["figures"] = writer.written
    return result


def render_figures(result: dict[str, Any]) -> list[str]:
    """Text lines for the figures written (and a failed figure), shared by every renderer."""
    lines = []
    if result.get("figures"):
        lines.append("figures: " + ", ".join(result["figures"]))
    if result.get("figure_error"):
        lines.append(f"figure failed (the result above is complete): {result['figure_error']}")
    return lines


def one_line(err: BaseException) -> str:
    """`err` as one line: its type and the first non-empty line of its message."""
    text = next((ln.strip() for ln in str(err).splitlines() if ln.strip()), "")
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def strict(obj: Any) -> Any:
    """`obj` with every non-finite float replaced by None, recursively (dicts, lists, tuples,
    NumPy and JAX scalars and arrays), so that `json.dumps(..., allow_nan=False)` accepts it.
    Other non-JSON objects become their `str`."""
    import numpy as np

    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict(v) for v in obj]
    if isinstance(obj, np.generic):
        return strict(obj.item())
    if isinstance(obj, np.ndarray) or hasattr(obj, "__array__"):
        try:
            return strict(np.asarray(obj).tolist())
        except (TypeError, ValueError):
            return str(obj)
    return str(obj)


def dumps(obj: Any) -> str:
    """Strict JSON (no NaN / Infinity tokens): non-finite numbers are written as null."""
    import json

    return json.dumps(strict(obj), indent=2, allow_nan=False)
