"""Loaders of CTR data sets into :class:`~interactkit.datasets.base.CTRData`.

Preprocessing follows the GLIDER paper (which follows AutoInt):

* categorical values seen fewer than ``min_count`` times in the **training** split share the rare
  id 1; missing values (and values never seen in training) get id 0;
* Criteo integer fields: ``x > 2 -> floor(ln(x)^2)``, then treated as categorical. Values
  ``x <= 2`` keep their own categories (``-1, 0, 1, 2``); the transformed buckets are labelled by
  the integer range they cover (e.g. ``"3-4"`` for bucket 1) so they stay distinct from the raw
  small values (AutoInt's code merged e.g. ``x = 1`` with ``x in {3, 4}``). With
  ``int_fields="dense"`` they become dense values ``ln(x)^2`` (``x`` for ``x <= 2``), mean-imputed
  and standardized;
* encoders are fitted on the training split only and applied to val/test.

Splitting: a single file is split 80/10/10 by a seeded permutation stratified by label
(``ordered=True``: contiguous blocks in file order, i.e. chronological for Criteo/Avazu logs). A
folder is read as its own ``*train*`` / ``*dev*`` (or ``*val*``) / ``*test*`` files. Frappe's
shared folder has no train file: its validation file is the training pool (a seeded, stratified
``val_fraction`` of it becomes the validation split) and its test file is the test split.
"""

from __future__ import annotations

import io
import itertools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from interactkit.datasets.base import (
    CTRData,
    CTREncoder,
    CTRSplit,
    DataFormatError,
    parse_binary_labels,
    split_indices,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "AVAZU_COLUMNS",
    "CRITEO_CATEGORICAL",
    "CRITEO_COLUMNS",
    "CRITEO_INTEGER",
    "FRAPPE_FIELDS",
    "load_avazu",
    "load_criteo",
    "load_csv",
    "load_dataset",
    "load_frappe",
]

CRITEO_INTEGER = [f"I{i}" for i in range(1, 14)]
CRITEO_CATEGORICAL = [f"C{i}" for i in range(1, 27)]
CRITEO_COLUMNS = ["label", *CRITEO_INTEGER, *CRITEO_CATEGORICAL]

AVAZU_COLUMNS = [
    "id", "click", "hour", "C1", "banner_pos", "site_id", "site_domain", "site_category",
    "app_id", "app_domain", "app_category", "device_id", "device_ip", "device_model",
    "device_type", "device_conn_type", "C14", "C15", "C16", "C17", "C18", "C19", "C20", "C21",
]  # fmt: skip

FRAPPE_FIELDS: dict[str, tuple[int, int]] = {
    "user": (0, 956),
    "item": (957, 5038),
    "daytime": (5039, 5045),
    "weekday": (5046, 5052),
    "isweekend": (5053, 5054),
    "homework": (5055, 5057),
    "cost": (5058, 5059),
    "weather": (5060, 5068),
    "country": (5069, 5148),
    "city": (5149, 5381),
}
"""Global libFM id range (inclusive) of each Frappe field (BARS Frappe_x1 / NFM split)."""

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
Split = tuple[float, float, float]


# ----------------------------------------------------------------------------- file helpers
def _check_file(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file")
    if path.stat().st_size == 0:
        raise DataFormatError(f"{path} is empty")


def _first_line(path: Path) -> str:
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                return line.rstrip("\r\n")
    raise DataFormatError(f"{path} is empty (only blank lines)")


def _read_table(
    path: Path, sep: str, header: bool, names: Sequence[str] | None, nrows: int | None
) -> pd.DataFrame:
    """Read a delimited file as strings (empty field -> NaN), checking the column count."""
    import pandas as pd

    _check_file(path)
    first = _first_line(path)
    n_cols = len(first.split(sep))
    if names is not None and not header and n_cols != len(names):
        raise DataFormatError(
            f"{path}: the first line has {n_cols} {_sep_name(sep)}-separated columns but the "
            f"format has {len(names)} ({', '.join(names[:4])}, ...); is this the right format "
            "and separator?"
        )
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            header=0 if header else None,
            names=None if header else list(names) if names is not None else None,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            nrows=nrows,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise DataFormatError(f"{path} is empty") from None
    except pd.errors.ParserError as exc:
        raise DataFormatError(
            f"{path}: rows have different numbers of columns ({exc}); the file is malformed"
        ) from None
    if len(frame) == 0:
        raise DataFormatError(f"{path} has a header but no data rows")
    if names is not None and header:
        frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _sep_name(sep: str) -> str:
    return {"\t": "tab", ",": "comma", " ": "space"}.get(sep, repr(sep))


def _split_files(folder: Path, exts: Sequence[str]) -> dict[str, Path]:
    """Find the train / val / test files of a folder by name (``*train*``, ``*dev*``/``*val*``,
    ``*test*``) among files with one of ``exts``."""
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in exts)
    patterns = {
        "train": re.compile(r"train", re.I),
        "val": re.compile(r"(^|[^a-z])(dev|val|valid|validation)([^a-z]|$)", re.I),
        "test": re.compile(r"test", re.I),
    }
    found: dict[str, Path] = {}
    for part, pat in patterns.items():
        hits = [p for p in files if pat.search(p.stem)]
        if len(hits) > 1:
            raise DataFormatError(
                f"{folder}: several {part} files {[h.name for h in hits]}; give one file path"
            )
        if hits:
            found[part] = hits[0]
    return found


def _make_splits(
    frames: Mapping[str, pd.DataFrame],
    labels: Mapping[str, np.ndarray],
    encoder: CTREncoder,
    label: str,
    name: str,
    meta: dict[str, Any],
) -> CTRData:
    train = encoder.fit(frames["train"], label=label).transform(frames["train"])
    splits = {"train": CTRSplit(train, labels["train"])}
    for part in ("val", "test"):
        splits[part] = CTRSplit(encoder.transform(frames[part]), labels[part])
    return CTRData(
        train=splits["train"],
        val=splits["val"],
        test=splits["test"],
        schema=encoder.schema,
        label=label,
        name=name,
        encoder=encoder,
        meta=meta,
    )


def _split_frame(
    raw: pd.DataFrame,
    labels: np.ndarray,
    split: Split,
    seed: int,
    ordered: bool,
) -> tuple[dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    parts = split_indices(labels, split, seed=seed, ordered=ordered)
    frames, labs = {}, {}
    for key, idx in zip(("train", "val", "test"), parts, strict=True):
        frames[key] = raw.iloc[idx].reset_index(drop=True)
        labs[key] = labels[idx]
    return frames, labs


def _describe_split(split: Split, seed: int, ordered: bool) -> str:
    how = "file order (chronological)" if ordered else f"stratified random, seed {seed}"
    return f"{'/'.join(f'{round(100 * f)}' for f in split)} split, {how}"


def _load_generic(
    path: str | os.PathLike[str],
    *,
    reader: Callable[[Path], tuple[pd.DataFrame, np.ndarray]],
    make_encoder: Callable[[], CTREncoder],
    label: str,
    name: str,
    exts: Sequence[str],
    split: Split,
    seed: int,
    ordered: bool,
) -> CTRData:
    p = Path(path)
    if p.is_dir():
        files = _split_files(p, exts)
        missing = [k for k in ("train", "val", "test") if k not in files]
        if missing:
            raise DataFormatError(
                f"{p}: no {'/'.join(missing)} file found (names must contain 'train', "
                "'dev' or 'val', 'test'); give a single file path to split it instead"
            )
        frames, labels = {}, {}
        for key, fp in files.items():
            frames[key], labels[key] = reader(fp)
        meta = {"split": "own train/dev/test files", "files": {k: str(v) for k, v in files.items()}}
    else:
        raw, labs = reader(p)
        frames, labels = _split_frame(raw, labs, split, seed, ordered)
        meta = {"split": _describe_split(split, seed, ordered), "files": {"all": str(p)}}
    return _make_splits(frames, labels, make_encoder(), label, name, meta)


# ----------------------------------------------------------------------------- Criteo
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
    _check_file(path)
    first = _first_line(path)
    sep = "\t" if "\t" in first else ","
    has_header = first.split(sep)[0].strip().lower() == "label"
    frame = _read_table(path, sep, has_header, CRITEO_COLUMNS, nrows)
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
        split, seed, ordered: how a single file is split (module docstring).
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

    return _load_generic(
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


# ----------------------------------------------------------------------------- Avazu
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
    _check_file(path)
    first = _first_line(path)
    tokens = [t.strip() for t in first.split(",")]
    has_header = "click" in tokens or tokens[0].lower() == "id"
    columns = list(names) if names is not None else AVAZU_COLUMNS
    frame = _read_table(path, ",", has_header, columns, nrows)
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

    return _load_generic(
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


# ----------------------------------------------------------------------------- Frappe
def _read_frappe(path: Path, nrows: int | None) -> tuple[pd.DataFrame, np.ndarray]:
    import pandas as pd

    _check_file(path)
    n_fields = len(FRAPPE_FIELDS)
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        lines = list(itertools.islice(fh, nrows)) if nrows is not None else fh.readlines()
    lines = [ln.strip() for ln in lines if ln.strip()]
    if not lines:
        raise DataFormatError(f"{path} is empty")
    counts = {len(ln.split()) for ln in lines[:1000]}
    if counts != {n_fields + 1}:
        raise DataFormatError(
            f"{path}: libFM rows must have a label and {n_fields} 'id:value' pairs "
            f"(Frappe's fields), found rows with {sorted(c - 1 for c in counts)} pairs"
        )
    text = "\n".join(lines).replace(":", " ")
    try:
        raw = pd.read_csv(io.StringIO(text), sep=" ", header=None, dtype=np.float64)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataFormatError(
            f"{path}: malformed libFM file; rows must look like '1 12:1 987:1 ...' ({exc})"
        ) from None
    if raw.shape[1] != 2 * n_fields + 1 or raw.isna().any().any():
        raise DataFormatError(f"{path}: every row needs a label and {n_fields} 'id:value' pairs")
    arr = raw.to_numpy()
    lab = arr[:, 0]
    if not set(np.unique(lab).tolist()) <= {-1.0, 0.0, 1.0}:
        raise DataFormatError(
            f"{path}: libFM labels must be 1 / -1 (or 0), found {np.unique(lab)[:5].tolist()}"
        )
    ids_f, vals = arr[:, 1::2], arr[:, 2::2]
    if not np.all(ids_f == np.floor(ids_f)):
        raise DataFormatError(f"{path}: libFM feature ids must be integers")
    ids = ids_f.astype(np.int64)
    if not np.all(vals == 1.0):
        raise DataFormatError(f"{path}: Frappe fields are one-hot; every value must be 1")
    starts = np.array([lo for lo, _ in FRAPPE_FIELDS.values()], dtype=np.int64)
    ends = np.array([hi for _, hi in FRAPPE_FIELDS.values()], dtype=np.int64)
    field_of = np.searchsorted(starts, ids, side="right") - 1
    out_of_range = (ids < 0) | (ids > ends[-1])
    if out_of_range.any():
        raise DataFormatError(
            f"{path}: feature id {ids[out_of_range][0]} is outside Frappe's range 0..{ends[-1]}"
        )
    order = np.argsort(field_of, axis=1, kind="stable")
    field_sorted = np.take_along_axis(field_of, order, axis=1)
    if not (field_sorted == np.arange(n_fields)).all():
        row = int(np.flatnonzero((field_sorted != np.arange(n_fields)).any(axis=1))[0])
        raise DataFormatError(
            f"{path}: row {row + 1} does not have exactly one id per Frappe field"
        )
    local = np.take_along_axis(ids, order, axis=1) - starts[None, :]
    labels = parse_binary_labels(pd.Series((lab > 0).astype(np.int64)), f"{path} (labels)")
    frame = pd.DataFrame(
        {name: local[:, j].astype(str) for j, name in enumerate(FRAPPE_FIELDS)}
    ).astype(object)
    return frame, labels


def load_frappe(
    path: str | os.PathLike[str],
    *,
    min_count: int = 1,
    val_fraction: float = 0.1,
    split: Split = (0.8, 0.1, 0.1),
    seed: int = 0,
    nrows: int | None = None,
) -> CTRData:
    """Load Frappe from libFM files (``label(1/-1) id:1 x10``; label -1 -> 0).

    Each global id is mapped to its field by the ranges in :data:`FRAPPE_FIELDS`; the field
    value is the id's offset inside its range (``"item"`` value ``"17"`` = global id 974).

    Args:
        path: one ``.libfm`` file (split ``split`` by a seeded stratified permutation) or the
            shared folder: ``*validation*`` = training pool (a stratified ``val_fraction`` becomes
            the val split), ``*test*`` = test split (a ``*train*`` file, if present, is used as
            the training pool instead and ``*validation*`` as val).
        min_count: values seen fewer times in training share the rare id (default 1: none).
    """
    p = Path(path)
    label = "label"
    name = f"frappe:{path}"

    def make_encoder() -> CTREncoder:
        return CTREncoder(list(FRAPPE_FIELDS), min_count=min_count)

    if not p.is_dir():
        return _load_generic(
            p,
            reader=lambda q: _read_frappe(q, nrows),
            make_encoder=make_encoder,
            label=label,
            name=name,
            exts=(".libfm",),
            split=split,
            seed=seed,
            ordered=False,
        )
    files = sorted(q for q in p.iterdir() if q.is_file() and q.suffix.lower() == ".libfm")
    by_role = {
        role: [q for q in files if role in q.name.lower()] for role in ("train", "valid", "test")
    }
    for role, hits in by_role.items():
        if len(hits) > 1:
            raise DataFormatError(f"{p}: several {role} files {[h.name for h in hits]}")
    test_files = by_role["test"]
    if not test_files or not (by_role["train"] or by_role["valid"]):
        raise DataFormatError(
            f"{p}: expected frappe *.validation.libfm and *.test.libfm files, found "
            f"{[q.name for q in files]}"
        )
    test_frame, test_labels = _read_frappe(test_files[0], nrows)
    if by_role["train"]:
        frames, labels = {}, {}
        frames["train"], labels["train"] = _read_frappe(by_role["train"][0], nrows)
        if not by_role["valid"]:
            raise DataFormatError(f"{p}: a train file but no validation file")
        frames["val"], labels["val"] = _read_frappe(by_role["valid"][0], nrows)
        how = "own train/validation/test files"
    else:
        if not 0 < val_fraction < 1:
            raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
        pool, pool_labels = _read_frappe(by_role["valid"][0], nrows)
        tr, va = split_indices(pool_labels, (1 - val_fraction, val_fraction), seed=seed)
        frames = {
            "train": pool.iloc[tr].reset_index(drop=True),
            "val": pool.iloc[va].reset_index(drop=True),
        }
        labels = {"train": pool_labels[tr], "val": pool_labels[va]}
        how = (
            f"validation file = training pool ({round(100 * (1 - val_fraction))}/"
            f"{round(100 * val_fraction)} stratified split, seed {seed}); test file = test"
        )
    frames["test"], labels["test"] = test_frame, test_labels
    meta = {"split": how, "files": [str(q) for q in files]}
    return _make_splits(frames, labels, make_encoder(), label, name, meta)


# ----------------------------------------------------------------------------- generic CSV
def load_csv(
    path: str | os.PathLike[str],
    label: str = "label",
    *,
    categorical: Sequence[str] | None = None,
    dense: Sequence[str] | None = None,
    drop: Sequence[str] = (),
    sep: str = ",",
    min_count: int = 5,
    standardize: bool = True,
    split: Split = (0.8, 0.1, 0.1),
    seed: int = 0,
    ordered: bool = False,
    nrows: int | None = None,
) -> CTRData:
    """Load any delimited file with a header and a 0/1 label column.

    Column kinds: names in ``categorical`` / ``dense`` as given; other columns are categorical
    if their dtype is text or bool, dense if numeric. ``drop`` removes columns (e.g. ids).

    Args:
        path: the file, or a folder with ``*train*``, ``*dev*``/``*val*``, ``*test*`` files (the
            column kinds are decided on the train file).
        label: the label column (values 0/1).
        min_count, standardize: see :class:`CTREncoder`.
        split, seed, ordered, nrows: as :func:`load_criteo`.
    """
    import pandas as pd

    declared_cat = [str(c) for c in (categorical or ())]
    declared_dense = [str(c) for c in (dense or ())]
    kinds: dict[str, list[str]] = {}

    def reader(p: Path) -> tuple[pd.DataFrame, np.ndarray]:
        _check_file(p)
        try:
            frame = pd.read_csv(p, sep=sep, nrows=nrows)
        except pd.errors.EmptyDataError:
            raise DataFormatError(f"{p} is empty") from None
        except pd.errors.ParserError as exc:
            raise DataFormatError(f"{p}: malformed file ({exc})") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        if label not in frame.columns:
            raise DataFormatError(
                f"{p}: no label column {label!r}; columns are {list(frame.columns)}. "
                "Pass label=<name of the 0/1 click column>"
            )
        if len(frame) == 0:
            raise DataFormatError(f"{p} has a header but no data rows")
        if frame.shape[1] < 2:
            raise DataFormatError(
                f"{p}: only one column ({list(frame.columns)}); wrong separator sep={sep!r}?"
            )
        unknown = [c for c in (*declared_cat, *declared_dense, *drop) if c not in frame.columns]
        if unknown:
            raise DataFormatError(f"{p}: columns {unknown} not found in {list(frame.columns)}")
        labels = parse_binary_labels(frame[label], f"{p} (column {label!r})")
        frame = frame.drop(columns=[label, *drop])
        if not kinds:
            cat, den = [], []
            for c in frame.columns:
                if c in declared_cat:
                    cat.append(c)
                elif c in declared_dense:
                    den.append(c)
                elif pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
                    frame[c]
                ):
                    den.append(c)
                else:
                    cat.append(c)
            if not cat and not den:
                raise DataFormatError(f"{p}: no feature columns besides the label")
            kinds["categorical"], kinds["dense"] = cat, den
        return frame, labels

    def make_encoder() -> CTREncoder:
        return CTREncoder(
            kinds["categorical"], kinds["dense"], min_count=min_count, standardize=standardize
        )

    return _load_generic(
        path,
        reader=reader,
        make_encoder=make_encoder,
        label=label,
        name=f"csv:{path}",
        exts=(".csv", ".tsv", ".txt"),
        split=split,
        seed=seed,
        ordered=ordered,
    )


# ----------------------------------------------------------------------------- spec strings
_KINDS = ("criteo", "avazu", "frappe", "csv", "synthetic")


def load_dataset(spec: str, label: str | None = None, seed: int = 0, **kwargs: Any) -> CTRData:
    """Load a data set from a spec string (used by the CLI).

    Specs: ``"criteo:PATH"``, ``"avazu:PATH"``, ``"frappe:PATH"``, ``"csv:PATH"`` (needs
    ``label=`` unless the file has a ``label`` column) and ``"synthetic"`` /
    ``"synthetic:N_ROWS"`` (:func:`~interactkit.datasets.synthetic.make_ad_clicks`; its planted
    interactions are in ``data.meta["planted"]``). PATH is a file or a folder (module docstring).
    Extra keyword arguments go to the loader (``min_count``, ``split``, ``nrows``, ...).
    """
    if not isinstance(spec, str) or (":" not in spec and spec != "synthetic"):
        raise ValueError(
            f"dataset spec {spec!r} must look like KIND:PATH with KIND one of {list(_KINDS)}, "
            "e.g. 'criteo:data/criteo_sample'"
        )
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in _KINDS:
        raise ValueError(f"unknown dataset kind {kind!r} in {spec!r}; use one of {list(_KINDS)}")
    if kind == "synthetic":
        from interactkit.datasets.synthetic import make_ad_clicks

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
    if kind != "csv" and label is not None:
        fixed = {"criteo": "label", "avazu": "click", "frappe": "label"}[kind]
        if label != fixed:
            raise ValueError(f"{kind} data has the fixed label column {fixed!r}, not {label!r}")
    if kind == "criteo":
        return load_criteo(rest, seed=seed, **kwargs)
    if kind == "avazu":
        return load_avazu(rest, seed=seed, **kwargs)
    if kind == "frappe":
        return load_frappe(rest, seed=seed, **kwargs)
    return load_csv(rest, label=label or "label", seed=seed, **kwargs)
