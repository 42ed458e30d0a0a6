"""What the file loaders share: checked reading of delimited files, split files, splitting.

:func:`load_generic` is the one path from a file or a folder to :class:`CTRData`: a folder is
read as its own train / val / test files, a single file is split (stratified random or in file
order); the encoder is fitted on the training split.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from interactkit.adapters.ctr.data.encoding import CTREncoder
from interactkit.adapters.ctr.data.schema import DataFormatError
from interactkit.adapters.ctr.data.splits import CTRData, encode_splits, split_indices

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Split", "check_file", "first_line", "load_generic", "not_text", "read_table"]

Split = tuple[float, float, float]
"""Train / val / test fractions."""


def check_file(path: Path) -> None:
    """Raise unless ``path`` is an existing, non-empty file (not a folder)."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file")
    if path.stat().st_size == 0:
        raise DataFormatError(f"{path} is empty")


def not_text(
    path: Path,
    encoding: str,
    exc: UnicodeDecodeError,
    fix: str = "load it with load_csv(..., encoding='latin-1') (or 'cp1252', ...)",
) -> str:
    """The message for a file that is not text in ``encoding``: it names the file, the first
    byte that cannot be decoded, and how to read it (``encoding=``)."""
    return (
        f"{path} is not {encoding} text (it has the byte {exc.object[exc.start : exc.start + 1]!r}"
        f"); if it is text in another encoding, re-save it as UTF-8 or {fix}"
    )


def first_line(path: Path) -> str:
    """The first non-blank line of a text file, without its line ending."""
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                return line.rstrip("\r\n")
    raise DataFormatError(f"{path} is empty (only blank lines)")


def read_table(
    path: Path, sep: str, header: bool, names: Sequence[str] | None, nrows: int | None
) -> pd.DataFrame:
    """Read a delimited file as strings (empty field -> NaN), checking the column count."""
    import pandas as pd

    check_file(path)
    first = first_line(path)
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
    except UnicodeDecodeError as exc:
        raise DataFormatError(not_text(path, "utf-8", exc, "read it with load_csv")) from None
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


def load_generic(
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
    """Load a file or a folder of train / val / test files into :class:`CTRData`.

    Args:
        path: one file (split by ``split``, ``seed``, ``ordered``) or a folder whose files
            (with a suffix in ``exts``) are named ``*train*``, ``*dev*``/``*val*``, ``*test*``.
        reader: ``file -> (raw rows DataFrame[N, columns], int64[N] 0/1 labels)``.
        make_encoder: a fresh encoder, called after every file was read (so a reader may
            decide the column kinds).
        label, name: stored in the result.
    """
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
    return encode_splits(frames, labels, make_encoder(), label, name, meta)
