"""Spec strings: ``load_dataset("criteo:PATH")`` picks the loader of a data set kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from interactkit.adapters.ctr.data.loaders.avazu import load_avazu
from interactkit.adapters.ctr.data.loaders.criteo import load_criteo
from interactkit.adapters.ctr.data.loaders.csv import load_csv
from interactkit.adapters.ctr.data.loaders.frappe import load_frappe
from interactkit.adapters.ctr.data.splits import CTRData
from interactkit.adapters.ctr.data.synthetic import make_ad_clicks

__all__ = ["FIXED_LABELS", "KINDS", "LOADERS", "load_dataset"]

LOADERS: dict[str, Callable[..., CTRData]] = {
    "criteo": load_criteo,
    "avazu": load_avazu,
    "frappe": load_frappe,
    "csv": load_csv,
}
"""Loader of each file-based kind; each takes the path first and ``seed=``."""
FIXED_LABELS = {"criteo": "label", "avazu": "click", "frappe": "label"}
"""The label column of the formats that fix it (a csv file names its own with ``label=``)."""
KINDS = (*LOADERS, "synthetic")


def load_dataset(spec: str, label: str | None = None, seed: int = 0, **kwargs: Any) -> CTRData:
    """Load a data set from a spec string (used by the CLI).

    Specs: ``"criteo:PATH"``, ``"avazu:PATH"``, ``"frappe:PATH"``, ``"csv:PATH"`` (needs
    ``label=`` unless the file has a ``label`` column) and ``"synthetic"`` /
    ``"synthetic:N_ROWS"`` (:func:`~interactkit.adapters.ctr.make_ad_clicks`; its
    planted interactions are in ``data.meta["planted"]``). PATH is a file or a folder (see
    :mod:`interactkit.adapters.ctr.data.loaders`). Extra keyword arguments go to the loader
    (``min_count``, ``split``, ``nrows``, ...).
    """
    if not isinstance(spec, str) or (":" not in spec and spec != "synthetic"):
        raise ValueError(
            f"dataset spec {spec!r} must look like KIND:PATH with KIND one of {list(KINDS)}, "
            "e.g. 'criteo:data/criteo_sample'"
        )
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ValueError(f"unknown dataset kind {kind!r} in {spec!r}; use one of {list(KINDS)}")
    if kind == "synthetic":
        if rest:
            try:
                kwargs.setdefault("n_rows", int(rest.replace("_", "")))
            except ValueError:
                raise ValueError(
                    f"'synthetic:{rest}': give the number of rows, e.g. 'synthetic:20000'"
                ) from None
        data, _ = make_ad_clicks(seed=seed, **kwargs)
        return data
    if not rest:
        raise ValueError(f"dataset spec {spec!r} has no path after '{kind}:'")
    if kind == "csv":
        return load_csv(rest, label=label or "label", seed=seed, **kwargs)
    fixed = FIXED_LABELS[kind]
    if label is not None and label != fixed:
        raise ValueError(f"{kind} data has the fixed label column {fixed!r}, not {label!r}")
    return LOADERS[kind](rest, seed=seed, **kwargs)
