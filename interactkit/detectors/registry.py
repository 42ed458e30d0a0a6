"""Detectors by name: what ``method="madex"`` / ``method="archdetect"`` resolves to."""

from __future__ import annotations

import inspect
from typing import Any

from interactkit.detectors.archdetect import ArchDetect
from interactkit.detectors.base import Detector
from interactkit.detectors.madex import MADEX

__all__ = ["DETECTORS", "get_detector"]

DETECTORS: dict[str, type[Detector]] = {"madex": MADEX, "archdetect": ArchDetect}


def get_detector(method: str | Detector = "madex", **params: Any) -> Detector:
    """A detector from its name (``"madex"``, ``"archdetect"``) and parameters, or as given."""
    if isinstance(method, Detector):
        if params:
            raise TypeError(
                f"parameters {sorted(params)} were given with a detector instance; "
                "set them on the instance instead"
            )
        return method
    if not isinstance(method, str) or method.lower() not in DETECTORS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(DETECTORS)}")
    cls = DETECTORS[method.lower()]
    accepted = [n for n in inspect.signature(cls.__init__).parameters if n != "self"]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise TypeError(
            f"{cls.__name__} has no parameter(s) {unknown}; it takes {accepted}"
            + (
                " (n_samples is MADEX's)"
                if cls.name == "archdetect" and "n_samples" in unknown
                else ""
            )
        )
    try:
        return cls(**params)
    except TypeError as err:
        raise TypeError(f"{cls.__name__}: {err}") from err
