"""The progress line lives in `mtjax._progress` (the training layer uses it too)."""

from .._progress import Progress as Progress

__all__ = ["Progress"]
