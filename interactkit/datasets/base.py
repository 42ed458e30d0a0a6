"""Encoded tabular CTR data: fields, schemas, train/val/test splits and the encoder.

Encoding convention shared by every loader, :mod:`interactkit.crossing` and the CTR adapter:

* a **categorical** field holds int64 ids: ``0`` = missing or unknown (a value never seen in the
  training data), ``1`` = rare (seen in training fewer than ``min_count`` times), ``2..`` =
  frequent values, most frequent first. ``Field.vocab[i]`` is the readable label of id ``i``.
  Id 0 is also what "off" means for a categorical field in the CTR adapter.
* a **dense** field holds float64 values, missing values imputed with the training mean and, by
  default, standardized with the training mean/std, so the training mean (the dense "off" value)
  encodes as ``0.0``. ``Field.offset``/``Field.scale`` map back: ``raw = value * scale + offset``.

pandas is imported inside functions: importing this module costs only numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "MISSING_ID",
    "RARE_ID",
    "CTRData",
    "CTREncoder",
    "CTRSplit",
    "DataFormatError",
    "Field",
    "Schema",
    "parse_binary_labels",
    "split_indices",
    "to_tokens",
]

MISSING_ID = 0
"""Id of a missing or unknown categorical value (also the "off" id of the CTR adapter)."""
RARE_ID = 1
"""Id shared by the values of a field seen fewer than ``min_count`` times in training data."""

CATEGORICAL = "categorical"
DENSE = "dense"


class DataFormatError(ValueError):
    """A data file or frame does not have the expected format (message says what to fix)."""


@dataclass(frozen=True)
class Field:
    """One input field of a CTR model.

    Attributes:
        name: column name in the encoded frame (also the feature name in explanations).
        kind: ``"categorical"`` or ``"dense"``.
        vocab_size: number of ids of a categorical field (valid ids are ``0..vocab_size-1``);
            0 for a dense field.
        vocab: readable label of each id (``len(vocab) == vocab_size``), or empty when unknown.
        mean: training mean of the raw dense value (dense fields).
        offset, scale: dense encoding ``value = (raw - offset) / scale``.
        description: free text, e.g. the transform applied to the raw value.
    """

    name: str
    kind: str = CATEGORICAL
    vocab_size: int = 0
    vocab: tuple[str, ...] = ()
    mean: float = 0.0
    offset: float = 0.0
    scale: float = 1.0
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in (CATEGORICAL, DENSE):
            raise ValueError(
                f"field {self.name!r}: kind must be 'categorical' or 'dense', got {self.kind!r}"
            )
        if self.kind == CATEGORICAL:
            if self.vocab_size < 1:
                raise ValueError(
                    f"categorical field {self.name!r} needs vocab_size >= 1 (id 0 = missing), "
                    f"got {self.vocab_size}"
                )
            if self.vocab and len(self.vocab) != self.vocab_size:
                raise ValueError(
                    f"field {self.name!r}: vocab has {len(self.vocab)} labels but vocab_size is "
                    f"{self.vocab_size}"
                )
        elif not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"dense field {self.name!r}: scale must be > 0, got {self.scale}")

    @property
    def is_categorical(self) -> bool:
        return self.kind == CATEGORICAL

    @property
    def vocabulary_size(self) -> int:
        """Alias of :attr:`vocab_size` (DeepCTR's ``SparseFeat`` spelling)."""
        return self.vocab_size

    @property
    def off_value(self) -> float:
        """Encoded value meaning "off": the missing id 0, or the training mean of a dense field."""
        if self.is_categorical:
            return float(MISSING_ID)
        return (self.mean - self.offset) / self.scale

    def decode(self, value: Any) -> str:
        """Readable label of one encoded value (an id, or a dense value in raw units)."""
        if self.is_categorical:
            idx = int(value)
            if self.vocab and 0 <= idx < len(self.vocab):
                return self.vocab[idx]
            return str(idx)
        return f"{float(value) * self.scale + self.offset:.4g}"

    def encode_label(self, label: str) -> int:
        """Id of a readable label (inverse of :meth:`decode`); unknown labels -> 0."""
        try:
            return self.vocab.index(str(label))
        except ValueError:
            return MISSING_ID


class Schema:
    """Ordered fields of a CTR table (the columns a model consumes, label excluded).

    Args:
        fields: the fields, in model-input order; names must be unique.
        label: name of the label column of the data this schema came from (used to give a
            specific error when a label column is passed as a feature by mistake).
    """

    def __init__(self, fields: Iterable[Field], label: str | None = None) -> None:
        self.fields: tuple[Field, ...] = tuple(fields)
        for f in self.fields:
            if not isinstance(f, Field):
                raise TypeError(f"Schema takes Field objects, got {type(f).__name__}")
        names = [f.name for f in self.fields]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate field names in schema: {dup}")
        if label is not None and label in names:
            raise ValueError(f"the label {label!r} cannot also be a field")
        self.label = label
        self._index = {n: i for i, n in enumerate(names)}

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def categorical(self) -> list[Field]:
        return [f for f in self.fields if f.is_categorical]

    @property
    def dense(self) -> list[Field]:
        return [f for f in self.fields if not f.is_categorical]

    def index(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"no field named {name!r}; fields are {self.names}") from None

    def __len__(self) -> int:
        return len(self.fields)

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __getitem__(self, key: int | str) -> Field:
        if isinstance(key, str):
            return self.fields[self.index(key)]
        return self.fields[key]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Schema) and self.fields == other.fields and self.label == other.label
        )

    def __hash__(self) -> int:
        return hash((self.fields, self.label))

    def __repr__(self) -> str:
        n_cat, n_dense = len(self.categorical), len(self.dense)
        return f"Schema({n_cat} categorical + {n_dense} dense fields, label={self.label!r})"

    def extend(self, fields: Iterable[Field]) -> Schema:
        """A new schema with ``fields`` appended (e.g. feature crosses)."""
        return Schema((*self.fields, *fields), label=self.label)

    def off_values(self) -> np.ndarray:
        """``float64[n_fields]``: the encoded "off" value of each field (0 or the dense mean)."""
        return np.array([f.off_value for f in self.fields], dtype=np.float64)

    def check_frame(self, frame: pd.DataFrame, what: str = "frame") -> None:
        """Raise :class:`DataFormatError` unless ``frame`` holds every field, correctly encoded.

        Checks: every schema field is a column; categorical columns are integer ids in
        ``[0, vocab_size)`` without NaN; dense columns are finite numbers.
        """
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
        missing = [n for n in self.names if n not in frame.columns]
        if missing:
            raise DataFormatError(f"{what} lacks fields {missing}; it has {list(frame.columns)}")
        for f in self.fields:
            values = frame[f.name].to_numpy()
            check_encoded_values(f, values, what)


def check_encoded_values(f: Field, values: np.ndarray, what: str = "data") -> None:
    """Raise :class:`DataFormatError` unless ``values`` are valid encoded values of ``f``."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataFormatError(
            f"{what}: field {f.name!r} holds non-numeric values; encode raw data first "
            "(CTRData.encode or CTREncoder.transform)"
        ) from None
    if f.is_categorical:
        if np.isnan(arr).any():
            raise DataFormatError(
                f"{what}: categorical field {f.name!r} contains NaN; encode missing values as "
                f"id {MISSING_ID}"
            )
        bad = (arr < 0) | (arr >= f.vocab_size) | (arr != np.floor(arr))
        if bad.any():
            example = arr[bad][0]
            raise DataFormatError(
                f"{what}: field {f.name!r} has id {example:g}, outside its vocabulary "
                f"0..{f.vocab_size - 1}; unknown values must be encoded as {MISSING_ID} "
                "(use CTRData.encode / CTREncoder.transform on raw values)"
            )
    elif not np.isfinite(arr).all():
        raise DataFormatError(
            f"{what}: dense field {f.name!r} contains NaN or inf; impute it (the encoder uses "
            "the training mean)"
        )


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


Tokenizer = Callable[["pd.Series"], "pd.Series"]


class CTREncoder:
    """Fit-on-train encoder of raw columns into the shared encoding (module docstring).

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
