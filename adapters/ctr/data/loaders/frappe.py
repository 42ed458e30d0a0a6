"""Frappe from libFM files: 10 one-hot fields (user, item, context), labels 1 / -1.

Each global libFM id is mapped to its field by the ranges in :data:`FRAPPE_FIELDS`. The shared
folder (BARS Frappe_x1) has no train file: its validation file is the training pool (a seeded,
stratified ``val_fraction`` of it becomes the validation split) and its test file is the test
split.
"""

from __future__ import annotations

import io
import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from interactkit.adapters.ctr.data.encoding import CTREncoder, parse_binary_labels
from interactkit.adapters.ctr.data.loaders.common import Split, check_file, load_generic
from interactkit.adapters.ctr.data.schema import DataFormatError
from interactkit.adapters.ctr.data.splits import CTRData, encode_splits, split_indices

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["FRAPPE_FIELDS", "load_frappe"]

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


def _read_frappe(path: Path, nrows: int | None) -> tuple[pd.DataFrame, np.ndarray]:
    import pandas as pd

    check_file(path)
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
        return load_generic(
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
    return encode_splits(frames, labels, make_encoder(), label, name, meta)
