"""Encoding raw CTR columns: the fit-on-train :class:`CTREncoder`, tokens and 0/1 labels.

The encoder turns raw rows (strings, numbers, NaN) into the shared encoding of
:mod:`~interactkit.adapters.ctr.data.schema`: categorical ids (0 missing/unknown, 1 rare, 2..
frequent) and mean-imputed, standardized dense values. Vocabularies and statistics come from the
training split only.

pandas is imported inside functions: importing this module costs only numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from interactkit.adapters.ctr.data.schema import (
    CATEGORICAL,
    DENSE,
    MISSING_ID,
    DataFormatError,
    Field,
    Schema,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CTREncoder", "Tokenizer", "parse_binary_labels", "to_tokens"]

Tokenizer = Callable[["pd.Series"], "pd.Series"]


class CTREncoder:
    """Fit-on-train encoder of raw columns into the shared encoding (see
    :mod:`~interactkit.adapters.ctr.data.schema`).

    Args:
        categorical: names of categorical columns (raw values of any type; NaN = missing).
        dense: names of dense columns (numeric; NaN imputed with the training mean).
        min_count: a categorical value seen fewer than ``min_count`` times in training data gets
            the shared rare id 1. An int, or a ``{field: int}`` mapping (default for absent
            fields: 1, i.e. no rare bucket).
        standardize: scale dense fields to zero mean / unit variance (training statistics).
        tokenizers: optional ``{field: fn(raw Series) -> Series of str tokens (NaN = missing)}``
            applied before counting, e.g. Criteo's ``floor(ln(x)^2)`` transform.
        descriptions: optional ``{field: text}`` stored in the fields.
        preprocess: optional ``fn(raw DataFrame) -> DataFrame`` applied first, in ``fit`` and
            ``transform`` alike (format-specific column transforms, e.g. Avazu's ``hour`` split),
            so that :meth:`transform` takes rows exactly as the source file has them.
    """

    def __init__(
        self,
        categorical: Sequence[str],
        dense: Sequence[str] = (),
        min_count: int | Mapping[str, int] = 1,
        standardize: bool = True,
        tokenizers: Mapping[str, Tokenizer] | None = None,
        descriptions: Mapping[str, str] | None = None,
        preprocess: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    ) -> None:
        self.preprocess = preprocess
        self.categorical = [str(c) for c in categorical]
        self.dense = [str(c) for c in dense]
        overlap = set(self.categorical) & set(self.dense)
        if overlap:
            raise ValueError(f"fields listed as both categorical and dense: {sorted(overlap)}")
        if not self.categorical and not self.dense:
            raise ValueError("the encoder needs at least one field")
        self.min_count = min_count
        self.standardize = standardize
        self.tokenizers = dict(tokenizers or {})
        self.descriptions = dict(descriptions or {})
        self.order = [*self.categorical, *self.dense]
        self._maps: dict[str, dict[str, int]] = {}
        self._fields: dict[str, Field] = {}
        self.label: str | None = None

    def _min_count(self, name: str) -> int:
        if isinstance(self.min_count, Mapping):
            value = int(self.min_count.get(name, 1))
        else:
            value = int(self.min_count)
        if value < 1:
            raise ValueError(f"min_count must be >= 1, got {value} for field {name!r}")
        return value

    def _tokens(self, name: str, column: pd.Series) -> pd.Series:
        tok = self.tokenizers.get(name)
        if tok is not None:
            column = tok(column)
        return to_tokens(column)

    def fit(self, raw: pd.DataFrame, label: str | None = None) -> CTREncoder:
        """Fit vocabularies and dense statistics on training rows ``raw[N, columns]``."""
        if self.preprocess is not None:
            raw = self.preprocess(raw)
        self._check_columns(raw, "training data")
        self.label = label
        for name in self.categorical:
            tokens = self._tokens(name, raw[name])
            counts = tokens.value_counts(dropna=True)
            min_count = self._min_count(name)
            # frequent values: most frequent first, ties broken by the token (deterministic)
            order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            mapping: dict[str, int] = {}
            vocab = ["<missing>", "<rare>"]
            for token, count in order:
                if count >= min_count:
                    mapping[token] = len(vocab)
                    vocab.append(token)
                else:
                    mapping[token] = 1
            self._maps[name] = mapping
            desc = self.descriptions.get(name, "")
            self._fields[name] = Field(
                name, CATEGORICAL, vocab_size=len(vocab), vocab=tuple(vocab), description=desc
            )
        for name in self.dense:
            values = self._dense_values(name, raw[name], "training data")
            finite = values[np.isfinite(values)]
            mean = float(finite.mean()) if finite.size else 0.0
            std = float(finite.std()) if finite.size else 1.0
            if not (std > 0 and math.isfinite(std)):
                std = 1.0
            offset, scale = (mean, std) if self.standardize else (0.0, 1.0)
            desc = self.descriptions.get(name, "")
            self._fields[name] = Field(
                name, DENSE, mean=mean, offset=offset, scale=scale, description=desc
            )
        return self

    @property
    def fitted(self) -> bool:
        return bool(self._fields)

    @property
    def schema(self) -> Schema:
        if not self.fitted:
            raise RuntimeError("fit the encoder on training data first")
        return Schema([self._fields[n] for n in self.order], label=self.label)

    def transform(self, raw: pd.DataFrame) -> pd.DataFrame:
        """Encode raw rows: ``DataFrame[N, n_fields]`` (int64 ids, float64 dense), schema order.

        Unseen categorical values map to the unknown id 0, missing dense values to the mean.
        """
        import pandas as pd

        if not self.fitted:
            raise RuntimeError("fit the encoder on training data before transform")
        if self.preprocess is not None:
            raw = self.preprocess(raw)
        self._check_columns(raw, "data")
        cols: dict[str, np.ndarray] = {}
        for name in self.categorical:
            tokens = self._tokens(name, raw[name])
            ids = tokens.map(self._maps[name]).fillna(MISSING_ID)
            cols[name] = ids.to_numpy(dtype=np.int64)
        for name in self.dense:
            f = self._fields[name]
            values = self._dense_values(name, raw[name], "data")
            values = np.where(np.isfinite(values), values, f.mean)
            cols[name] = (values - f.offset) / f.scale
        return pd.DataFrame(cols, index=pd.RangeIndex(len(raw)))[self.order]

    def fit_transform(self, raw: pd.DataFrame, label: str | None = None) -> pd.DataFrame:
        return self.fit(raw, label=label).transform(raw)

    def _check_columns(self, raw: pd.DataFrame, what: str) -> None:
        missing = [c for c in self.order if c not in raw.columns]
        if missing:
            raise DataFormatError(f"{what} lacks columns {missing}; it has {list(raw.columns)}")

    @staticmethod
    def _dense_values(name: str, column: pd.Series, what: str) -> np.ndarray:
        import pandas as pd

        try:
            values = pd.to_numeric(column, errors="raise")
        except (ValueError, TypeError):
            bad = column[pd.to_numeric(column, errors="coerce").isna() & column.notna()]
            raise DataFormatError(
                f"{what}: dense column {name!r} has non-numeric values such as "
                f"{bad.iloc[0]!r}; declare it categorical instead"
            ) from None
        return np.asarray(values, dtype=np.float64)


def to_tokens(column: pd.Series) -> pd.Series:
    """String tokens of a raw categorical column (missing -> NaN).

    Integral numbers are written without a decimal part (``3.0`` -> ``"3"``) so that a column
    read as float (because it has gaps) and the same column read as int give the same tokens.
    """
    import pandas as pd

    mask = column.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        arr = column.to_numpy(dtype=np.float64, na_value=np.nan)
        integral = np.isfinite(arr) & (np.abs(arr) < 2.0**53)
        integral &= np.floor(np.where(integral, arr, 0.0)) == np.where(integral, arr, 0.0)
        out = np.empty(len(arr), dtype=object)
        out[integral] = arr[integral].astype(np.int64).astype(str)
        rest = ~integral & ~mask
        out[rest] = [repr(float(v)) for v in arr[rest]]
    else:
        out = column.astype(object).to_numpy(copy=True)
        out[~mask] = [str(v) for v in out[~mask]]
    out[mask] = None
    return pd.Series(out, index=column.index, dtype=object)


def parse_binary_labels(column: pd.Series, where: str) -> np.ndarray:
    """Labels as ``int64[N]`` of 0/1; raise :class:`DataFormatError` for anything else.

    Accepts 0/1 numbers (also written ``"0"``/``"1"``/``"1.0"``) and booleans. Raises for
    missing labels, values other than 0/1, and a single class.
    """
    import pandas as pd

    if column.isna().any():
        raise DataFormatError(f"{where}: {int(column.isna().sum())} rows have no label")
    if column.dtype == bool:
        values = column.to_numpy(dtype=np.int64)
    else:
        numeric = pd.to_numeric(column, errors="coerce")
        if numeric.isna().any():
            bad = column[numeric.isna()].unique()[:5]
            raise DataFormatError(
                f"{where}: labels must be 0/1, found non-numeric values {list(bad)}"
            )
        arr = numeric.to_numpy(dtype=np.float64)
        uniq = np.unique(arr)
        if not set(uniq.tolist()) <= {0.0, 1.0}:
            shown = ", ".join(f"{u:g}" for u in uniq[:6])
            raise DataFormatError(
                f"{where}: labels must be binary 0/1 clicks, found values {{{shown}}}; "
                "map them to 0/1 first"
            )
        values = arr.astype(np.int64)
    n_pos = int(values.sum())
    if n_pos == 0 or n_pos == len(values):
        raise DataFormatError(
            f"{where}: all {len(values)} labels are {values[0]}; a CTR data set needs both "
            "clicks (1) and non-clicks (0)"
        )
    return values
