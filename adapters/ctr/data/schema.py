"""Fields and schemas of encoded CTR data, and the check that values are encoded.

Encoding convention shared by every loader, the crosses
(:mod:`~interactkit.adapters.ctr.targets.crossing`) and the CTR explainer:

* a **categorical** field holds int64 ids: ``0`` = missing or unknown (a value never seen in the
  training data), ``1`` = rare (seen in training fewer than ``min_count`` times), ``2..`` =
  frequent values, most frequent first. ``Field.vocab[i]`` is the readable label of id ``i``.
  Id 0 is also what "off" means for a categorical field in the CTR explainer.
* a **dense** field holds float64 values, missing values imputed with the training mean and, by
  default, standardized with the training mean/std, so the training mean (the dense "off" value)
  encodes as ``0.0``. ``Field.offset``/``Field.scale`` map back: ``raw = value * scale + offset``.

pandas is imported inside functions: importing this module costs only numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "CATEGORICAL",
    "DENSE",
    "MISSING_ID",
    "RARE_ID",
    "DataFormatError",
    "Field",
    "Schema",
    "check_encoded_values",
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
