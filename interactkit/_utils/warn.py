"""Warnings that point at the user's line, not at interactkit's internals."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

__all__ = ["warn"]

_ROOT = Path(__file__).resolve().parents[1]  # the interactkit package
# in a source checkout, adapters/ and visualizers/ sit next to it (installed: inside it)
_PREFIXES = tuple(str(p) for p in (_ROOT, _ROOT.parent / "adapters", _ROOT.parent / "visualizers"))


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` with the stack level of the first caller outside interactkit."""
    level = 2  # stacklevel 2 = the caller of warn()
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PREFIXES):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
