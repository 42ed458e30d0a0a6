"""How two fields interact in the model: its click probability over a grid of their values.

For a pair of fields ``(a, b)`` (a 2-field global interaction), :func:`pair_effect` takes the
``values`` most frequent values of each in the training rows (quantiles for a numeric field with
many distinct values) and ``n_rows`` validation rows; for each value combination it sets both
fields to those values in every row and asks the model -- one batch of
``values_a x values_b x n_rows`` rows per pair, through the explainer's own prediction path
(``explainer.predict_logits``: raw DataFrames for a model of raw rows, encoded frames otherwise),
logits turned into probabilities with the sigmoid. The record (:class:`PairEffect`) holds

* ``mean[i][j]``: the mean click probability with ``a = values_a[i]`` and ``b = values_b[j]``;
* ``effect[i][j]``: its interaction part ``mean - row mean - column mean + grand mean`` (0
  everywhere when the two fields act additively on the probability);
* ``support[i][j]``: training rows with that combination (a large effect on a combination no
  one sees is a curiosity, not a finding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from interactkit.extend import jsonio

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit.adapters.ctr.data.splits import CTRData

__all__ = ["PairEffect", "pair_effect", "pair_effects"]

#: a numeric field with more distinct training values than this gets quantiles, not its modes
MAX_LEVELS = 20


@dataclass(frozen=True)
class PairEffect:
    """How two fields interact in the model (see the module docstring).

    Attributes:
        fields: ``(a, b)``.
        values_a, values_b: the readable levels of each (``len_a``, ``len_b``).
        mean: ``[len_a][len_b]`` mean click probability with the two fields set to those levels.
        effect: ``[len_a][len_b]`` its interaction part (double-centred ``mean``).
        support: ``[len_a][len_b]`` training rows with that combination.
        n_rows: validation rows averaged over.
    """

    fields: tuple[str, str]
    values_a: list[str]
    values_b: list[str]
    mean: list[list[float]]
    effect: list[list[float]]
    support: list[list[int]]
    n_rows: int

    @property
    def largest_effect(self) -> float:
        """The largest ``|effect|`` of the grid (click probability)."""
        return max((abs(v) for row in self.effect for v in row), default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fields": list(self.fields),
            "values_a": list(self.values_a),
            "values_b": list(self.values_b),
            "mean": self.mean,
            "effect": self.effect,
            "support": self.support,
            "n_rows": self.n_rows,
        }

    @classmethod
    def from_dict(cls, data: Any) -> PairEffect:
        data = jsonio.mapping(data, "pair effect")
        names = jsonio.strings(data["fields"], "pair effect fields")
        if len(names) != 2:
            raise jsonio.FormatError(f"a pair effect has 2 fields, got {names}")

        def grid(key: str) -> list[list[float]]:
            return [
                [jsonio.number(v, key) for v in jsonio.sequence(row, key)]
                for row in jsonio.sequence(data[key], key)
            ]

        return cls(
            fields=(names[0], names[1]),
            values_a=[str(v) for v in jsonio.sequence(data["values_a"], "values_a")],
            values_b=[str(v) for v in jsonio.sequence(data["values_b"], "values_b")],
            mean=grid("mean"),
            effect=grid("effect"),
            support=[[int(v) for v in row] for row in grid("support")],
            n_rows=jsonio.integer(data["n_rows"], "n_rows"),
        )


def pair_effects(
    explainer: Any,
    data: CTRData,
    interactions: Sequence[Sequence[str]],
    pairs: int = 3,
    values: int = 5,
    n_rows: int = 200,
    raw: bool = False,
) -> list[PairEffect]:
    """:func:`pair_effect` of the first ``pairs`` 2-field sets of ``interactions`` whose fields
    the model takes (``raw``: the model takes raw rows)."""
    if pairs < 1:
        return []
    train = data.raw_rows("train") if raw else data.train.frame
    rows = data.raw_rows("val") if raw else data.val.frame
    rows = rows.iloc[: max(1, int(n_rows))].reset_index(drop=True)
    names = set(getattr(explainer, "names", train.columns))
    out = []
    for it in interactions:
        if len(it) == 2 and all(f in names and f in train.columns for f in it):
            out.append(pair_effect(explainer, train, rows, tuple(it), values, data, raw))
            if len(out) == pairs:
                break
    return out


def pair_effect(
    explainer: Any,
    train: pd.DataFrame,
    rows: pd.DataFrame,
    fields: tuple[str, str],
    values: int = 5,
    data: CTRData | None = None,
    raw: bool = False,
) -> PairEffect:
    """The probability grid of one pair over ``rows`` (see the module docstring)."""
    import pandas as pd

    a, b = fields
    schema = None if raw or data is None else data.schema
    levels_a = _levels(train[a], values, schema, a)
    levels_b = _levels(train[b], values, schema, b)
    na, nb, n = len(levels_a), len(levels_b), len(rows)
    batch = pd.concat([rows] * (na * nb), ignore_index=True)
    col_a = np.repeat(np.asarray(levels_a, dtype=object), nb * n)
    col_b = np.tile(np.repeat(np.asarray(levels_b, dtype=object), n), na)
    batch[a] = pd.Series(col_a).astype(rows[a].dtype, errors="ignore")
    batch[b] = pd.Series(col_b).astype(rows[b].dtype, errors="ignore")
    logits = explainer.predict_logits(batch).double().cpu().numpy()
    probs = 1.0 / (1.0 + np.exp(-logits))
    mean = probs.reshape(na, nb, n).mean(axis=2)
    effect = (
        mean - mean.mean(axis=1, keepdims=True) - mean.mean(axis=0, keepdims=True) + mean.mean()
    )
    return PairEffect(
        fields=(a, b),
        values_a=[_label(v, schema, a) for v in levels_a],
        values_b=[_label(v, schema, b) for v in levels_b],
        mean=mean.round(6).tolist(),
        effect=effect.round(6).tolist(),
        support=_support(train[a], train[b], levels_a, levels_b, schema).tolist(),
        n_rows=n,
    )


def _continuous(column: pd.Series, schema: Any, name: str) -> bool:
    """A dense field (encoded data), or a float column with many distinct values (raw rows)."""
    import pandas as pd

    if schema is not None:
        return not schema[name].is_categorical
    return bool(pd.api.types.is_float_dtype(column) and column.nunique() > MAX_LEVELS)


def _levels(column: pd.Series, values: int, schema: Any, name: str) -> list[Any]:
    """The ``values`` most frequent values (quantiles of a numeric field with many values)."""
    values = max(1, int(values))
    if _continuous(column, schema, name):
        qs = np.linspace(0.1, 0.9, values) if values > 1 else [0.5]
        return list(dict.fromkeys(float(q) for q in column.quantile(qs)))
    counts = column.value_counts(dropna=True)
    if schema is not None and schema[name].is_categorical:  # id 0 = missing: not a value
        counts = counts[counts.index != 0]
    return counts.index[:values].tolist()


def _nearest(column: pd.Series, levels: list[Any], continuous: bool) -> np.ndarray:
    """Index of each row's level (-1: none), the nearest one for a continuous field."""
    if continuous:
        x = column.to_numpy(dtype=float)
        out = np.abs(x[:, None] - np.asarray(levels, dtype=float)[None, :]).argmin(axis=1)
        return np.where(np.isnan(x), -1, out)
    pos = {v: i for i, v in enumerate(levels)}
    return column.map(pos).fillna(-1).to_numpy(dtype=int)


def _support(
    col_a: pd.Series, col_b: pd.Series, levels_a: list, levels_b: list, schema: Any
) -> np.ndarray:
    ia = _nearest(col_a, levels_a, _continuous(col_a, schema, str(col_a.name)))
    ib = _nearest(col_b, levels_b, _continuous(col_b, schema, str(col_b.name)))
    keep = (ia >= 0) & (ib >= 0)
    table = np.zeros((len(levels_a), len(levels_b)), dtype=int)
    np.add.at(table, (ia[keep], ib[keep]), 1)
    return table


def _label(value: Any, schema: Any, name: str) -> str:
    if schema is not None:
        return schema[name].decode(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
