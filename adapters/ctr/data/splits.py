"""Encoded CTR data split into train / val / test, and how rows are split and encoded.

:class:`CTRData` holds the three :class:`CTRSplit` frames (encoded as described in
:mod:`~interactkit.adapters.ctr.data.schema`) and their :class:`~interactkit.adapters.ctr.Schema`;
:func:`split_indices` splits one table, :func:`encode_splits` fits an encoder on the training
split and encodes all three. Every loader and the synthetic generator end with these.

pandas is imported inside functions: importing this module costs only numpy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from interactkit.adapters.ctr.data.schema import DataFormatError, Field, Schema

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit.adapters.ctr.data.encoding import CTREncoder

__all__ = ["CTRData", "CTRSplit", "encode_splits", "split_indices"]


@dataclass
class CTRSplit:
    """One split of encoded data.

    Attributes:
        frame: ``DataFrame[N, n_fields]``, columns in schema order (int64 ids / float64 dense).
        labels: ``int64[N]`` of 0/1 clicks.
    """

    frame: pd.DataFrame
    labels: np.ndarray

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if len(self.frame) != len(self.labels):
            raise ValueError(f"frame has {len(self.frame)} rows but labels has {len(self.labels)}")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def ctr(self) -> float:
        return float(self.labels.mean()) if len(self.labels) else float("nan")

    def head(self, n: int) -> CTRSplit:
        return CTRSplit(self.frame.iloc[:n].reset_index(drop=True), self.labels[:n])


@dataclass
class CTRData:
    """Encoded CTR data split into train / val / test, with its schema.

    Attributes:
        train, val, test: the splits (:class:`CTRSplit`).
        schema: the fields (label excluded), in the frames' column order.
        label: the name of the label column in the raw data.
        name: a short description (format and source).
        encoder: the fitted :class:`CTREncoder` (None for hand-built data); encodes new raw rows.
        meta: extra information (how the data was split, planted interactions of synthetic data).
    """

    train: CTRSplit
    val: CTRSplit
    test: CTRSplit
    schema: Schema
    label: str = "label"
    name: str = ""
    encoder: CTREncoder | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def field_names(self) -> list[str]:
        return self.schema.names

    @property
    def n_fields(self) -> int:
        return len(self.schema)

    def raw_rows(self, part: str = "val") -> pd.DataFrame:
        """The raw rows of a split (``"train"``, ``"val"`` or ``"test"``), as the source had them.

        Raw rows are what a user's own model takes (strings, numbers, NaN; label excluded); row
        ``i`` is the raw form of row ``i`` of ``getattr(self, part).frame``. Every loader and the
        synthetic generator keep them (``meta["raw"]``); hand-built data has none.
        """
        if part not in ("train", "val", "test"):
            raise ValueError(f"part must be 'train', 'val' or 'test', got {part!r}")
        raw = self.meta.get("raw")
        if not isinstance(raw, Mapping) or part not in raw:
            raise ValueError(
                f"this CTRData ({self.name or 'hand-built'}) has no raw rows; load it with "
                "load_dataset / a loader / make_ad_clicks, which keep them"
            )
        return raw[part]

    def encode(self, raw: pd.DataFrame) -> pd.DataFrame:
        """Encode raw rows (same columns as the source file, after loader transforms)."""
        if self.encoder is None:
            raise ValueError("this CTRData has no encoder (it was built from encoded frames)")
        return self.encoder.transform(raw)

    def with_columns(
        self,
        fields: Sequence[Field],
        train: pd.DataFrame,
        val: pd.DataFrame,
        test: pd.DataFrame,
        name: str | None = None,
    ) -> CTRData:
        """A copy with extra encoded columns appended to every split (e.g. feature crosses)."""
        import pandas as pd

        def join(split: CTRSplit, extra: pd.DataFrame) -> CTRSplit:
            extra = extra.reset_index(drop=True)
            if len(extra) != len(split):
                raise ValueError(f"extra columns have {len(extra)} rows, split has {len(split)}")
            frame = pd.concat([split.frame.reset_index(drop=True), extra], axis=1)
            return CTRSplit(frame, split.labels)

        schema = self.schema.extend(fields)
        return replace(
            self,
            train=join(self.train, train),
            val=join(self.val, val),
            test=join(self.test, test),
            schema=schema,
            name=self.name if name is None else name,
            meta=dict(self.meta),
        )

    def summary(self) -> str:
        s = self.schema
        return (
            f"{self.name or 'CTRData'}: {len(s.categorical)} categorical + {len(s.dense)} dense "
            f"fields; train {len(self.train)} (CTR {self.train.ctr:.3f}), val {len(self.val)} "
            f"(CTR {self.val.ctr:.3f}), test {len(self.test)} (CTR {self.test.ctr:.3f})"
        )

    def __repr__(self) -> str:
        return f"CTRData({self.summary()})"


def split_indices(
    labels: np.ndarray,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    ordered: bool = False,
) -> list[np.ndarray]:
    """Split row indices ``0..N-1`` into len(fractions) parts.

    ``ordered=False`` (default): a seeded random permutation stratified by label (each part gets
    the same click rate, up to rounding); indices within a part are sorted. ``ordered=True``:
    contiguous blocks in file order (chronological for Criteo/Avazu logs).

    Returns:
        one ``int64`` index array per fraction.
    """
    fractions = [float(f) for f in fractions]
    if any(f <= 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError(f"split fractions must be > 0 and sum to 1, got {fractions}")
    labels = np.asarray(labels)
    n = len(labels)
    if n < 2 * len(fractions):
        raise DataFormatError(
            f"only {n} rows: too few to split into {len(fractions)} parts; give more data"
        )
    bounds = np.cumsum(fractions)[:-1]
    if ordered:
        cuts = np.round(bounds * n).astype(int)
        return [np.asarray(p, dtype=np.int64) for p in np.split(np.arange(n), cuts)]
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        idx = idx[rng.permutation(len(idx))]
        cuts = np.round(bounds * len(idx)).astype(int)
        for i, chunk in enumerate(np.split(idx, cuts)):
            parts[i].append(chunk)
    out = [np.sort(np.concatenate(p)).astype(np.int64) for p in parts]
    for i, p in enumerate(out):
        if len(p) == 0:
            raise DataFormatError(f"split part {i} is empty: give more rows or other fractions")
    return out


def encode_splits(
    frames: Mapping[str, pd.DataFrame],
    labels: Mapping[str, np.ndarray],
    encoder: CTREncoder,
    label: str,
    name: str,
    meta: dict[str, Any],
) -> CTRData:
    """Fit ``encoder`` on ``frames["train"]`` and encode the train / val / test raw frames.

    The raw frames are kept in ``meta["raw"]`` (see :meth:`CTRData.raw_rows`): a model of the
    user's own rows is explained on them. They are the frames the loader read anyway, so peak
    memory does not grow; a long-lived data object holds them beside the encoded frames.

    Args:
        frames: raw rows of each split (keys ``"train"``, ``"val"``, ``"test"``).
        labels: ``int64[N]`` 0/1 labels of each split.
        encoder: an unfitted :class:`~interactkit.adapters.ctr.CTREncoder`.
        label, name, meta: stored in the returned :class:`CTRData`.
    """
    meta = dict(meta)
    meta.setdefault("raw", {part: frames[part] for part in ("train", "val", "test")})
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
