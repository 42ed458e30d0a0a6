"""Criteo: 13 integer fields I1..I13 and 26 hashed categorical fields C1..C26, label ``label``.

Integer fields follow the GLIDER paper (after AutoInt): ``x > 2 -> floor(ln(x)^2)``, then
categorical. Values ``x <= 2`` keep their own categories (``-1, 0, 1, 2``); the transformed
buckets are labelled by the integer range they cover (e.g. ``"3-4"`` for bucket 1) so they stay
distinct from the raw small values (AutoInt's code merged e.g. ``x = 1`` with ``x in {3, 4}``).
With ``int_fields="dense"`` they become dense values ``ln(x)^2`` (``x`` for ``x <= 2``),
mean-imputed and standardized.
"""

from __future__ import annotations

import os
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

__all__ = [
    "CRITEO_CATEGORICAL",
    "CRITEO_COLUMNS",
    "CRITEO_INTEGER",
    "criteo_int_dense",
    "criteo_int_tokens",
    "load_criteo",
]

CRITEO_INTEGER = [f"I{i}" for i in range(1, 14)]
CRITEO_CATEGORICAL = [f"C{i}" for i in range(1, 27)]
CRITEO_COLUMNS = ["label", *CRITEO_INTEGER, *CRITEO_CATEGORICAL]


def _criteo_bucket_range(v: int) -> str:
    """Integer range ``lo-hi`` of the ``x > 2`` values with ``floor(ln(x)^2) == v``."""

    def bucket(x: int) -> int:
        return int(np.floor(np.log(x) ** 2))

    lo = max(3, int(np.floor(np.exp(np.sqrt(v)))) - 1)  # a lower bound: bucket(lo) <= v
    while bucket(lo) < v:
        lo += 1
    hi = max(lo, int(np.floor(np.exp(np.sqrt(v + 1)))) - 2)  # bucket(hi) <= v
    while bucket(hi + 1) <= v:
        hi += 1
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def _criteo_numbers(column: pd.Series, name: str) -> np.ndarray:
    import pandas as pd

    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() & column.notna()
    if bad.any():
        raise DataFormatError(
            f"Criteo integer field {name} has a non-numeric value {column[bad].iloc[0]!r}; "
            "is the file in Criteo format (label, I1..I13, C1..C26)?"
        )
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def criteo_int_tokens(column: pd.Series) -> pd.Series:
    """Tokens of a Criteo integer field: ``x <= 2`` -> ``str(x)``, ``x > 2`` -> the integer
    range of its ``floor(ln(x)^2)`` bucket (``"3-4"``, ``"5-7"``, ...); NaN stays NaN."""
    import pandas as pd

    x = _criteo_numbers(column, str(column.name))
    out = np.full(len(x), None, dtype=object)
    small = np.isfinite(x) & (x <= 2)
    out[small] = np.floor(x[small]).astype(np.int64).astype(str)
    big = np.isfinite(x) & (x > 2)
    buckets = np.floor(np.log(x[big]) ** 2).astype(np.int64)
    labels = {int(v): _criteo_bucket_range(int(v)) for v in np.unique(buckets)}
    out[big] = [labels[int(v)] for v in buckets]
    return pd.Series(out, index=column.index, dtype=object)


def criteo_int_dense(column: pd.Series) -> pd.Series:
    """Dense version of the Criteo transform: ``ln(x)^2`` for ``x > 2``, else ``x``."""
    import pandas as pd

    x = _criteo_numbers(column, str(column.name))
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(x > 2, np.log(np.where(x > 2, x, 3.0)) ** 2, x)
    return pd.Series(y, index=column.index)


def _criteo_dense_columns(raw: pd.DataFrame) -> pd.DataFrame:
    raw = raw.copy()
    for name in CRITEO_INTEGER:
        if name in raw.columns:
            raw[name] = criteo_int_dense(raw[name])
    return raw


def _read_criteo(path: Path, nrows: int | None) -> tuple[pd.DataFrame, np.ndarray]:
    check_file(path)
    first = first_line(path)
    sep = "\t" if "\t" in first else ","
    has_header = first.split(sep)[0].strip().lower() == "label"
    frame = read_table(path, sep, has_header, CRITEO_COLUMNS, nrows)
    if has_header:
        missing = [c for c in CRITEO_COLUMNS if c not in frame.columns]
        if missing:
            raise DataFormatError(
                f"{path}: the header lacks Criteo columns {missing[:5]}; expected "
                "label, I1..I13, C1..C26"
            )
        frame = frame[CRITEO_COLUMNS]
    labels = parse_binary_labels(frame["label"], f"{path} (column 'label')")
    return frame.drop(columns="label"), labels


def load_criteo(
    path: str | os.PathLike[str],
    *,
    min_count: int = 10,
    int_fields: str = "categorical",
    split: Split = (0.8, 0.1, 0.1),
    seed: int = 0,
    ordered: bool = False,
    nrows: int | None = None,
) -> CTRData:
    """Load Criteo (39 fields: I1..I13 integer, C1..C26 hashed categorical).

    Args:
        path: a TSV without header (``label, I1..I13, C1..C26``; empty = missing), a CSV/TSV with
            that header, or a folder with ``*train*``, ``*dev*``/``*val*``, ``*test*`` files.
        min_count: categorical values seen fewer times in training share the rare id (AutoInt
            used 10 on the full data).
        int_fields: ``"categorical"`` (paper: ``floor(ln(x)^2)`` buckets) or ``"dense"`` (then
            the schema lists C1..C26 first, then the dense I1..I13).
        split, seed, ordered: how a single file is split
            (:mod:`interactkit.adapters.ctr.data.loaders`).
        nrows: read only the first ``nrows`` rows of each file.

    Returns:
        :class:`CTRData` with fields I1..I13, C1..C26 and label ``"label"``.
    """
    if int_fields not in ("categorical", "dense"):
        raise ValueError(f"int_fields must be 'categorical' or 'dense', got {int_fields!r}")
    if int_fields == "categorical":
        desc = "Criteo integer: x > 2 -> floor(ln(x)^2) bucket, as categorical"

        def make_encoder() -> CTREncoder:
            return CTREncoder(
                [*CRITEO_INTEGER, *CRITEO_CATEGORICAL],
                min_count=min_count,
                tokenizers=dict.fromkeys(CRITEO_INTEGER, criteo_int_tokens),
                descriptions=dict.fromkeys(CRITEO_INTEGER, desc),
            )
    else:
        desc = "Criteo integer: x > 2 -> ln(x)^2, dense (mean-imputed, standardized)"

        def make_encoder() -> CTREncoder:
            return CTREncoder(
                CRITEO_CATEGORICAL,
                CRITEO_INTEGER,
                min_count=min_count,
                descriptions=dict.fromkeys(CRITEO_INTEGER, desc),
                preprocess=_criteo_dense_columns,
            )

    return load_generic(
        path,
        reader=lambda p: _read_criteo(p, nrows),
        make_encoder=make_encoder,
        label="label",
        name=f"criteo:{path}",
        exts=(".tsv", ".txt", ".csv"),
        split=split,
        seed=seed,
        ordered=ordered,
    )
