"""Feature crossing: turn detected interactions into new categorical fields (GLIDER, §4.2).

For an interaction ``I`` (a set of at least two fields) the cross is a truncated Cartesian
product of its fields' values:

1. dense fields are first bucketized into (up to) ``n_bins = 100`` quantile bins fitted on the
   training data;
2. every tuple of values seen in the training data **more than** ``min_count`` times gets its
   own id ``1..K`` (most frequent first);
3. rarer or unseen tuples, and tuples with a missing part (id 0 in any categorical field, or a
   NaN dense value), get the missing id 0.

So a cross is one int64 column plus one schema entry (a categorical
:class:`~interactkit.adapters.ctr.Field` with ``vocab_size = K + 1``), i.e. one
``SparseFeat`` in a DeepCTR target model. Note that a cross has no separate "rare" id: id 0
covers missing, rare and unseen tuples, as in the paper.

Default threshold: the paper kept tuples seen more than 100 times in a 1M-row sample; we scale
that rate to the training size, ``min_count = max(2, round(100 * n_train / 1_000_000))``
(2 for up to 25k training rows, 100 at 1M rows). Pass ``min_count`` to override.

Single fields are rejected: a one-field "cross" duplicates the field (the paper crosses sets of
two or more fields only).

pandas is imported inside functions (importing this module costs only numpy).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from interactkit.adapters.ctr.data.schema import MISSING_ID, DataFormatError, Field, Schema
from interactkit.adapters.ctr.data.splits import CTRData

if TYPE_CHECKING:  # pragma: no cover
    from typing import TypeAlias

    import pandas as pd

    from interactkit import GlobalExplanation, GlobalInteraction, Interaction, LocalExplanation

    Interactions: TypeAlias = (
        GlobalExplanation
        | LocalExplanation
        | Iterable[Sequence[str | int] | Interaction | GlobalInteraction]
    )

__all__ = [
    "CrossSpec",
    "FeatureCrosser",
    "augment_with_crosses",
    "cross_name",
    "default_min_count",
    "normalize_interactions",
]

CROSS_SEP = "&"


def default_min_count(n_train: int) -> int:
    """The paper's threshold (> 100 occurrences in 1M rows) scaled to ``n_train`` rows, >= 2."""
    return max(2, round(100 * int(n_train) / 1_000_000))


def cross_name(fields: Sequence[str]) -> str:
    """Column name of a cross: the field names joined by ``"&"`` (``"device_type&hour"``)."""
    return CROSS_SEP.join(fields)


def normalize_interactions(interactions: Interactions, schema: Schema) -> list[tuple[str, ...]]:
    """Interactions as tuples of field names, in schema order, validated.

    Each interaction may be a sequence of field names or indices, or an object with ``names``
    (an :class:`interactkit.Interaction` or a GLIDER ``GlobalInteraction``); a
    ``GlobalExplanation`` is taken as its ``interactions``. Raises ``ValueError`` for an empty
    interaction, a single field, a repeated field, an unknown field and an interaction listed
    twice.
    """
    # a GlobalExplanation (GLIDER) or LocalExplanation: take its ranked interactions
    interactions = getattr(interactions, "interactions", interactions)
    out: list[tuple[str, ...]] = []
    seen: set[frozenset[str]] = set()
    for it in interactions:
        raw = getattr(it, "names", it)
        if isinstance(raw, str):
            raise TypeError(
                f"interaction {raw!r} is a string; give a tuple of field names, e.g. "
                f"({raw!r}, 'other_field')"
            )
        items = list(raw)
        if not items:
            raise ValueError("an interaction is empty; give at least two field names")
        names = []
        for item in items:
            if isinstance(item, int | np.integer) and not isinstance(item, bool):
                if not 0 <= int(item) < len(schema):
                    raise ValueError(f"field index {item} is out of range 0..{len(schema) - 1}")
                names.append(schema.names[int(item)])
            else:
                name = str(item)
                if name not in schema:
                    raise ValueError(
                        f"unknown field {name!r} in interaction {tuple(items)}; fields are "
                        f"{schema.names}"
                    )
                names.append(name)
        if len(set(names)) != len(names):
            raise ValueError(f"interaction {tuple(names)} repeats a field")
        if len(names) < 2:
            raise ValueError(
                f"interaction {tuple(names)} has one field; a cross needs at least two (a "
                "one-field cross would duplicate the field)"
            )
        key = frozenset(names)
        if key in seen:
            raise ValueError(f"interaction {tuple(names)} is listed twice")
        seen.add(key)
        out.append(tuple(sorted(names, key=schema.index)))
    return out


@dataclass
class CrossSpec:
    """A fitted cross: its fields, dense bin edges and tuple vocabulary.

    Attributes:
        fields: the crossed field names (schema order).
        edges: per field, the inner quantile edges of a dense field (None for categorical).
        tuples: ``int64[K, len(fields)]`` component codes of the kept tuples; row ``k`` has id
            ``k + 1``.
        counts: ``int64[K]`` training occurrences of each kept tuple.
        field: the schema entry of the cross column.
    """

    fields: tuple[str, ...]
    edges: list[np.ndarray | None]
    tuples: np.ndarray
    counts: np.ndarray
    field: Field

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def vocab_size(self) -> int:
        return self.field.vocab_size


class FeatureCrosser:
    """Fit crosses on training data, then transform any encoded frame.

    Args:
        interactions: the interactions to cross (see :func:`normalize_interactions`).
        schema: the schema of the frames (field kinds and vocabularies).
        min_count: a tuple needs more than ``min_count`` training occurrences to get its own
            id; None -> :func:`default_min_count` of the training size.
        n_bins: quantile bins of a dense field (fitted on training data).
        embedding_dim: recorded for :meth:`feature_specs` (the target model's embedding size).
    """

    def __init__(
        self,
        interactions: Interactions,
        schema: Schema,
        *,
        min_count: int | None = None,
        n_bins: int = 100,
        embedding_dim: int = 16,
    ) -> None:
        if not isinstance(schema, Schema):
            raise TypeError(f"schema must be a Schema, got {type(schema).__name__}")
        self.schema = schema
        self.interactions = normalize_interactions(interactions, schema)
        if not self.interactions:
            raise ValueError("no interactions to cross")
        clash = [cross_name(i) for i in self.interactions if cross_name(i) in schema]
        if clash:
            raise ValueError(f"cross columns {clash} already exist in the schema")
        if min_count is not None and int(min_count) < 0:
            raise ValueError(f"min_count must be >= 0, got {min_count}")
        if int(n_bins) < 2:
            raise ValueError(f"n_bins must be >= 2, got {n_bins}")
        self.min_count = None if min_count is None else int(min_count)
        self.n_bins = int(n_bins)
        self.embedding_dim = int(embedding_dim)
        self.specs: list[CrossSpec] = []
        self.min_count_used: int | None = None

    # ------------------------------------------------------------------ fit / transform
    def fit(self, train: pd.DataFrame) -> FeatureCrosser:
        """Fit bins and tuple vocabularies on the encoded training frame ``[N, fields]``."""
        self._check(train, "training frame")
        threshold = default_min_count(len(train)) if self.min_count is None else self.min_count
        self.min_count_used = threshold
        self.specs = []
        for fields in self.interactions:
            edges = [self._fit_edges(train[f].to_numpy(), self.schema[f]) for f in fields]
            codes, valid = self._codes(train, fields, edges)
            kept = codes[valid]
            if len(kept):
                uniq, counts = np.unique(kept, axis=0, return_counts=True)
            else:
                uniq = np.zeros((0, len(fields)), dtype=np.int64)
                counts = np.zeros(0, dtype=np.int64)
            keep = counts > threshold
            uniq, counts = uniq[keep], counts[keep]
            order = np.lexsort((*uniq.T[::-1], -counts)) if len(uniq) else np.zeros(0, int)
            uniq, counts = uniq[order], counts[order]
            vocab = ("<missing>", *(self._label(fields, edges, t) for t in uniq))
            name = cross_name(fields)
            field = Field(
                name,
                "categorical",
                vocab_size=len(uniq) + 1,
                vocab=vocab,
                description=f"cross of {', '.join(fields)} (tuples seen > {threshold} times)",
            )
            self.specs.append(CrossSpec(tuple(fields), edges, uniq, counts, field))
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Cross columns ``DataFrame[N, n_crosses]`` (int64 ids) of an encoded frame."""
        import pandas as pd

        if not self.specs:
            raise RuntimeError("fit the crosser on training data before transform")
        self._check(frame, "frame")
        cols: dict[str, np.ndarray] = {}
        for spec in self.specs:
            codes, valid = self._codes(frame, spec.fields, spec.edges)
            ids = np.full(len(frame), MISSING_ID, dtype=np.int64)
            if len(spec.tuples) and valid.any():
                vocab = pd.MultiIndex.from_arrays(list(spec.tuples.T))
                query = pd.MultiIndex.from_arrays(list(codes[valid].T))
                pos = vocab.get_indexer(query)
                ids[np.flatnonzero(valid)] = np.where(pos >= 0, pos + 1, MISSING_ID)
            cols[spec.name] = ids
        return pd.DataFrame(cols, index=frame.index)

    def fit_transform(self, train: pd.DataFrame) -> pd.DataFrame:
        return self.fit(train).transform(train)

    @property
    def fields(self) -> list[Field]:
        """Schema entries of the cross columns (categorical, ``vocab_size = K + 1``)."""
        if not self.specs:
            raise RuntimeError("fit the crosser first")
        return [s.field for s in self.specs]

    def feature_specs(self, embedding_dim: int | None = None) -> list[dict[str, Any]]:
        """SparseFeat-style entries ``{"name", "vocabulary_size", "embedding_dim"}``."""
        dim = self.embedding_dim if embedding_dim is None else int(embedding_dim)
        return [
            {"name": f.name, "vocabulary_size": f.vocab_size, "embedding_dim": dim}
            for f in self.fields
        ]

    # ------------------------------------------------------------------ internals
    def _check(self, frame: pd.DataFrame, what: str) -> None:
        needed = sorted({f for it in self.interactions for f in it}, key=self.schema.index)
        missing = [f for f in needed if f not in frame.columns]
        if missing:
            raise DataFormatError(f"{what} lacks the crossed fields {missing}")
        if len(frame) == 0 and what == "training frame":
            raise DataFormatError("cannot fit crosses on an empty training frame")

    def _fit_edges(self, values: np.ndarray, field: Field) -> np.ndarray | None:
        if field.is_categorical:
            return None
        x = np.asarray(values, dtype=np.float64)
        x = x[np.isfinite(x)]
        if x.size == 0:
            return np.zeros(0)
        qs = np.linspace(0.0, 1.0, self.n_bins + 1)[1:-1]
        return np.unique(np.quantile(x, qs))

    def _codes(
        self, frame: pd.DataFrame, fields: Sequence[str], edges: Sequence[np.ndarray | None]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Component codes ``int64[N, len(fields)]`` and a ``bool[N]`` no-missing-part mask."""
        n = len(frame)
        codes = np.zeros((n, len(fields)), dtype=np.int64)
        valid = np.ones(n, dtype=bool)
        for j, (name, edge) in enumerate(zip(fields, edges, strict=True)):
            x = np.asarray(frame[name].to_numpy(), dtype=np.float64)
            if edge is None:
                nan = np.isnan(x)
                if nan.any():
                    raise DataFormatError(
                        f"categorical field {name!r} contains NaN; encode missing values as "
                        f"id {MISSING_ID}"
                    )
                codes[:, j] = x.astype(np.int64)
                valid &= codes[:, j] != MISSING_ID
            else:
                finite = np.isfinite(x)
                # bucket b in 0..len(edge): x <= edge[0] -> 0, ... (right-closed bins)
                codes[:, j] = np.searchsorted(edge, np.where(finite, x, 0.0), side="left")
                valid &= finite
        return codes, valid

    def _label(
        self, fields: Sequence[str], edges: Sequence[np.ndarray | None], codes: np.ndarray
    ) -> str:
        parts = []
        for name, edge, code in zip(fields, edges, codes, strict=True):
            f = self.schema[name]
            if edge is None:
                parts.append(f"{name}={f.decode(int(code))}")
            else:
                lo = -np.inf if code == 0 else edge[code - 1]
                hi = np.inf if code >= len(edge) else edge[code]
                parts.append(f"{name} in ({f.decode(lo)}, {f.decode(hi)}]")
        return " & ".join(parts)


def augment_with_crosses(
    data: CTRData,
    interactions: Interactions,
    *,
    min_count: int | None = None,
    n_bins: int = 100,
) -> tuple[CTRData, FeatureCrosser]:
    """Append cross columns to every split of ``data`` (fitted on its training split).

    Returns:
        ``(augmented, crosser)``: a new :class:`CTRData` whose schema ends with the cross
        fields, and the fitted :class:`FeatureCrosser` (to transform new data).
    """
    crosser = FeatureCrosser(interactions, data.schema, min_count=min_count, n_bins=n_bins)
    train = crosser.fit_transform(data.train.frame)
    augmented = data.with_columns(
        crosser.fields,
        train,
        crosser.transform(data.val.frame),
        crosser.transform(data.test.frame),
        name=f"{data.name} + {len(crosser.fields)} crosses",
    )
    augmented.meta["crosses"] = [s.fields for s in crosser.specs]
    augmented.meta["cross_min_count"] = crosser.min_count_used
    return augmented, crosser
