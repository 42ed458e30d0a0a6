"""Any delimited file with a header and a 0/1 label column; column kinds from the dtypes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from interactkit.adapters.ctr.data.encoding import CTREncoder, parse_binary_labels
from interactkit.adapters.ctr.data.loaders.common import Split, check_file, load_generic, not_text
from interactkit.adapters.ctr.data.schema import DataFormatError
from interactkit.adapters.ctr.data.splits import CTRData

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["frame_data", "load_csv"]


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
    encoding: str = "utf-8",
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
        encoding: the text encoding of the file (e.g. ``"latin-1"`` or ``"cp1252"`` for a
            file saved by a spreadsheet program).
    """
    import pandas as pd

    declared_cat = [str(c) for c in (categorical or ())]
    declared_dense = [str(c) for c in (dense or ())]
    kinds: dict[str, list[str]] = {}

    def reader(p: Path) -> tuple[pd.DataFrame, np.ndarray]:
        check_file(p)
        try:
            frame = pd.read_csv(p, sep=sep, nrows=nrows, encoding=encoding)
        except UnicodeDecodeError as exc:
            raise DataFormatError(not_text(p, encoding, exc)) from None
        except LookupError:
            raise ValueError(f"unknown encoding={encoding!r}; e.g. 'utf-8' or 'latin-1'") from None
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
            kinds.update(_column_kinds(frame, declared_cat, declared_dense, str(p)))
        return frame, labels

    def make_encoder() -> CTREncoder:
        return CTREncoder(
            kinds["categorical"], kinds["dense"], min_count=min_count, standardize=standardize
        )

    return load_generic(
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


def _column_kinds(
    frame: pd.DataFrame, declared_cat: Sequence[str], declared_dense: Sequence[str], where: str
) -> dict[str, list[str]]:
    """Categorical and dense columns: as declared, else text/bool -> categorical, numbers ->
    dense."""
    import pandas as pd

    cat, den = [], []
    for c in frame.columns:
        if c in declared_cat:
            cat.append(c)
        elif c in declared_dense:
            den.append(c)
        elif pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]):
            den.append(c)
        else:
            cat.append(c)
    if not cat and not den:
        raise DataFormatError(f"{where}: no feature columns besides the label")
    return {"categorical": cat, "dense": den}


def frame_data(
    frame: pd.DataFrame,
    label: str,
    *,
    categorical: Sequence[str] | None = None,
    dense: Sequence[str] | None = None,
    drop: Sequence[str] = (),
    min_count: int = 5,
    standardize: bool = True,
    split: Split = (0.8, 0.1, 0.1),
    seed: int = 0,
    ordered: bool = False,
) -> CTRData:
    """:func:`load_csv` for rows already in a DataFrame (raw rows with a 0/1 ``label`` column).

    The frame is split (stratified random by ``seed``, or in row order with ``ordered=True``),
    the encoder fitted on the training part; the raw rows stay in ``data.raw_rows(part)``.
    """
    import pandas as pd

    from interactkit.adapters.ctr.data.splits import encode_splits, split_indices

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a DataFrame, got {type(frame).__name__}")
    frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    if label not in frame.columns:
        raise DataFormatError(
            f"the DataFrame has no label column {label!r}; columns are {list(frame.columns)}"
        )
    unknown = [c for c in (*(categorical or ()), *(dense or ()), *drop) if c not in frame.columns]
    if unknown:
        raise DataFormatError(f"columns {unknown} not found in {list(frame.columns)}")
    labels = parse_binary_labels(frame[label], f"the DataFrame (column {label!r})")
    rows = frame.drop(columns=[label, *drop]).reset_index(drop=True)
    kinds = _column_kinds(rows, list(categorical or ()), list(dense or ()), "the DataFrame")
    parts = split_indices(labels, split, seed=seed, ordered=ordered)
    keys = ("train", "val", "test")
    frames = {k: rows.iloc[i].reset_index(drop=True) for k, i in zip(keys, parts, strict=True)}
    labs = {k: labels[i] for k, i in zip(keys, parts, strict=True)}
    how = "row order" if ordered else f"stratified random, seed {seed}"
    meta = {"split": f"{'/'.join(str(round(100 * f)) for f in split)} split, {how}"}
    encoder = CTREncoder(
        kinds["categorical"], kinds["dense"], min_count=min_count, standardize=standardize
    )
    return encode_splits(frames, labs, encoder, label, f"DataFrame[{len(frame)} rows]", meta)
