"""Avazu: all fields categorical, label ``click``, ``id`` dropped, ``hour`` split in two.

``hour`` (``YYMMDDHH``) becomes the hour of day and a ``weekday`` field is added after it;
:func:`avazu_preprocess` does this for new raw rows too, so ``data.encode(rows)`` takes rows as
the file has them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from interactkit.adapters.ctr.data.encoding import CTREncoder, parse_binary_labels
from interactkit.adapters.ctr.data.loaders.common import (
    Split,
    check_file,
    first_line,
    load_generic,
    read_table,
)
from interactkit.adapters.ctr.data.schema import DataFormatError
from interactkit.adapters.ctr.data.splits import CTRData

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["AVAZU_COLUMNS", "avazu_preprocess", "avazu_time_fields", "load_avazu"]

AVAZU_COLUMNS = [
    "id", "click", "hour", "C1", "banner_pos", "site_id", "site_domain", "site_category",
    "app_id", "app_domain", "app_category", "device_id", "device_ip", "device_model",
    "device_type", "device_conn_type", "C14", "C15", "C16", "C17", "C18", "C19", "C20", "C21",
]  # fmt: skip


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def avazu_time_fields(hour: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split Avazu's ``hour`` (``YYMMDDHH``, e.g. ``14102100``) into hour of day and weekday."""
    import pandas as pd

    text = hour.astype(str).str.strip()
    stamp = pd.to_datetime(text, format="%y%m%d%H", errors="coerce")
    bad = stamp.isna() & hour.notna()
    if bad.any():
        raise DataFormatError(
            f"Avazu 'hour' must look like 14102100 (YYMMDDHH), found {hour[bad].iloc[0]!r}"
        )
    hod = stamp.dt.hour.astype("Int64").astype(str).where(stamp.notna(), None)
    wd = stamp.dt.day_of_week.map(lambda d: _WEEKDAYS[int(d)] if d == d else None)
    return hod.astype(object), wd.astype(object)


def _read_avazu(
    path: Path, names: Sequence[str] | None, nrows: int | None
) -> tuple[pd.DataFrame, np.ndarray]:
    check_file(path)
    first = first_line(path)
    tokens = [t.strip() for t in first.split(",")]
    has_header = "click" in tokens or tokens[0].lower() == "id"
    columns = list(names) if names is not None else AVAZU_COLUMNS
    frame = read_table(path, ",", has_header, columns, nrows)
    if "click" not in frame.columns:
        raise DataFormatError(
            f"{path}: no 'click' label column (columns: {list(frame.columns)[:8]}...)"
        )
    labels = parse_binary_labels(frame["click"], f"{path} (column 'click')")
    frame = frame.drop(columns=[c for c in ("id", "click") if c in frame.columns])
    return frame.reset_index(drop=True), labels


def avazu_preprocess(raw: pd.DataFrame) -> pd.DataFrame:
    """Raw Avazu rows -> loader columns: drop ``id``/``click``; split a raw ``hour``
    (``YYMMDDHH``) into ``hour`` (of day) and ``weekday``. Idempotent."""
    frame = raw.drop(columns=[c for c in ("id", "click") if c in raw.columns])
    if "hour" in frame.columns and "weekday" not in frame.columns:
        frame = frame.copy()
        hod, wd = avazu_time_fields(frame["hour"])
        frame["hour"] = hod
        frame.insert(frame.columns.get_loc("hour") + 1, "weekday", wd)
    return frame


def load_avazu(
    path: str | os.PathLike[str],
    *,
    min_count: int = 5,
    names: Sequence[str] | None = None,
    split: Split = (0.8, 0.1, 0.1),
    seed: int = 0,
    ordered: bool = False,
    nrows: int | None = None,
) -> CTRData:
    """Load Avazu (all fields categorical; ``id`` dropped; label ``click``).

    ``hour`` (``YYMMDDHH``) becomes hour of day, and a ``weekday`` field is added after it.
    ``data.encode(rows)`` takes rows exactly as in the file (``id``/``click`` are dropped).

    Args:
        path: a CSV with header (the Kaggle train file), a header-less CSV with the Kaggle columns
            (``names`` overrides them), or a folder with train/dev/test files.
        min_count: categorical values seen fewer times in training share the rare id.
        names: column names for header-less files (default: the 24 Kaggle train columns).
        split, seed, ordered, nrows: as :func:`load_criteo`.
    """
    first_names: list[str] = []

    def reader(p: Path) -> tuple[pd.DataFrame, np.ndarray]:
        frame, labels = _read_avazu(p, names, nrows)
        if first_names and list(frame.columns) != first_names:
            raise DataFormatError(
                f"{p}: columns {list(frame.columns)} differ from the other file's {first_names}"
            )
        first_names[:] = list(frame.columns)
        return frame, labels

    def make_encoder() -> CTREncoder:
        fields = [c for n in first_names for c in ((n, "weekday") if n == "hour" else (n,))]
        return CTREncoder(fields, min_count=min_count, preprocess=avazu_preprocess)

    return load_generic(
        path,
        reader=reader,
        make_encoder=make_encoder,
        label="click",
        name=f"avazu:{path}",
        exts=(".csv", ".txt"),
        split=split,
        seed=seed,
        ordered=ordered,
    )
