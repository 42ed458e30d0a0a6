"""Triangulation: do several attribution methods agree on an instance, and over many instances?

For one instance, :func:`compare_attributions` compares each pair of methods by

* the Spearman rank correlation of their attributions (ties get average ranks);
* top-``k`` agreement: the share of the ``k`` largest-``|value|`` features they share;
* sign agreement: the share of features, among those that matter to either method
  (``|value| >= 5%`` of its largest), on which both give the same sign;

and marks each feature *consistent* when every method that finds it matters gives it the same
sign. For many instances, :func:`agreement_over_instances` gives the share of instances where all
methods put the same feature first, and the mean pairwise top-``k`` agreement.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from interactkit.results import Attribution, LocalExplanation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Agreement", "agreement_over_instances", "as_attribution", "compare_attributions"]

#: a feature "matters" to a method when its |value| is at least this share of the largest
RELEVANCE = 0.05


def as_attribution(item: Attribution | LocalExplanation) -> Attribution:
    """An :class:`Attribution` (a local explanation contributes its main effects)."""
    if isinstance(item, Attribution):
        return item
    if isinstance(item, LocalExplanation):
        return Attribution(
            method=item.method,
            feature_names=list(item.feature_names),
            values=np.asarray(item.main_effects, dtype=float),
            n_queries=item.n_queries,
            value=item.value,
            baseline_value=item.baseline_value,
            wall_time=item.wall_time,
            model_time=item.model_time,
            seed=item.seed,
        )
    raise TypeError(f"expected an Attribution or a LocalExplanation, got {type(item).__name__}")


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1 with ties given their average rank."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=float)
    for v in np.unique(values):
        tied = values == v
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    """Spearman rank correlation (None when either side is constant)."""
    ra, rb = _ranks(np.asarray(a, float)), _ranks(np.asarray(b, float))
    if ra.std() == 0 or rb.std() == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])


def _top(values: np.ndarray, k: int) -> set[int]:
    return set(np.argsort(-np.abs(values), kind="stable")[:k].tolist())


def _relevant(values: np.ndarray) -> np.ndarray:
    peak = np.abs(values).max()
    return np.abs(values) >= RELEVANCE * peak if peak > 0 else np.zeros(len(values), bool)


@dataclass
class Agreement:
    """How several attribution methods agree on one instance.

    Attributes:
        methods: the methods compared, in order.
        feature_names: the instance's features.
        values: ``float[n_methods, n_features]``, the attributions.
        rank_correlation, top_k_agreement, sign_agreement: ``float[m, m]`` (NaN where
            undefined, e.g. a method that attributes nothing).
        consistent: ``bool[n_features]``: every method to which the feature matters gives it the
            same sign (features that matter to no method count as consistent).
        k: the ``k`` of top-k.
    """

    methods: list[str]
    feature_names: list[str]
    values: np.ndarray
    rank_correlation: np.ndarray
    top_k_agreement: np.ndarray
    sign_agreement: np.ndarray
    consistent: np.ndarray
    k: int
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, float | None]:
        """Means over method pairs (NaN-free)."""
        off = ~np.eye(len(self.methods), dtype=bool)

        def mean(mat: np.ndarray) -> float | None:
            vals = mat[off]
            vals = vals[np.isfinite(vals)]
            return float(vals.mean()) if vals.size else None

        return {
            "rank_correlation": mean(self.rank_correlation),
            "top_k_agreement": mean(self.top_k_agreement),
            "sign_agreement": mean(self.sign_agreement),
            "consistent_share": float(self.consistent.mean()),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per feature: each method's value and whether the methods agree on its sign."""
        import pandas as pd

        frame = pd.DataFrame(self.values.T, columns=self.methods)
        frame.insert(0, "feature", self.feature_names)
        frame["consistent"] = self.consistent
        return frame


def compare_attributions(items: Sequence[Attribution | LocalExplanation], k: int = 3) -> Agreement:
    """Compare the main effects that several methods give one instance.

    Args:
        items: at least two attributions (or local explanations: their main effects) of the
            same instance (same feature names).
        k: top-k size.
    """
    attrs = [as_attribution(it) for it in items]
    if len(attrs) < 2:
        raise ValueError("compare_attributions needs at least two methods to compare")
    names = attrs[0].feature_names
    for a in attrs[1:]:
        if a.feature_names != names:
            raise ValueError(
                f"{a.method} attributes features {a.feature_names[:4]}... but {attrs[0].method} "
                f"attributes {names[:4]}...: compare attributions of the same instance"
            )
    k = max(1, min(int(k), len(names)))
    values = np.stack([np.asarray(a.values, float) for a in attrs])
    m = len(attrs)
    rank = np.full((m, m), np.nan)
    topk = np.full((m, m), np.nan)
    sign = np.full((m, m), np.nan)
    relevant = np.stack([_relevant(v) for v in values])
    for i, j in itertools.product(range(m), repeat=2):
        r = spearman(values[i], values[j])
        rank[i, j] = np.nan if r is None else r
        if relevant[i].any() and relevant[j].any():
            topk[i, j] = len(_top(values[i], k) & _top(values[j], k)) / k
        both = relevant[i] | relevant[j]
        if both.any():
            sign[i, j] = float((np.sign(values[i][both]) == np.sign(values[j][both])).mean())
    signs = np.where(relevant, np.sign(values), 0.0)
    consistent = ~((signs > 0).any(axis=0) & (signs < 0).any(axis=0))
    return Agreement(
        methods=[a.method for a in attrs],
        feature_names=list(names),
        values=values,
        rank_correlation=rank,
        top_k_agreement=topk,
        sign_agreement=sign,
        consistent=consistent,
        k=k,
    )


def agreement_over_instances(
    per_instance: Sequence[Sequence[Attribution | LocalExplanation]], k: int = 3
) -> dict[str, Any]:
    """Agreement of the same methods over many instances.

    Args:
        per_instance: for each instance, its attributions by the same methods (same order).

    Returns:
        ``{"n_instances", "methods", "top1_all_agree"`` (share of instances where every method
        ranks the same feature first), ``"mean_top_k_agreement"`` and
        ``"mean_rank_correlation"`` (means over instances and method pairs)``}``.
    """
    if not per_instance:
        raise ValueError("agreement_over_instances needs at least one instance")
    agreements = [compare_attributions(items, k) for items in per_instance]
    methods = agreements[0].methods
    if any(a.methods != methods for a in agreements):
        raise ValueError("give the same methods, in the same order, for every instance")
    first = [len({int(np.argmax(np.abs(v))) for v in a.values}) == 1 for a in agreements]
    summaries = [a.summary() for a in agreements]

    def mean(key: str) -> float | None:
        vals = [s[key] for s in summaries if s[key] is not None]
        return float(np.mean(vals)) if vals else None

    return {
        "n_instances": len(agreements),
        "methods": methods,
        "k": agreements[0].k,
        "top1_all_agree": float(np.mean(first)),
        "mean_top_k_agreement": mean("top_k_agreement"),
        "mean_rank_correlation": mean("rank_correlation"),
        "mean_sign_agreement": mean("sign_agreement"),
    }
