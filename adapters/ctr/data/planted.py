"""Scoring selected interactions against a planted ground truth (synthetic data).

:func:`ground_truth_report` says, for every planted field set, at which rank GLIDER selected it
exactly and at which rank a selected set first contains it, plus recall and precision
(:class:`PlantedRecall`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from interactkit.extend import jsonio

__all__ = ["PlantedRank", "PlantedRecall", "ground_truth_report"]


@dataclass(frozen=True)
class PlantedRank:
    """Where one planted set was found: ``exact_rank`` (selected as is) and ``contained_rank``
    (first selected set containing it), 1-based, None when not found."""

    planted: tuple[str, ...]
    exact_rank: int | None
    contained_rank: int | None


@dataclass(frozen=True)
class PlantedRecall:
    """How the selected sets compare with the planted ones.

    Attributes:
        planted: one :class:`PlantedRank` per planted set, in the truth's order.
        recall_exact, recall_contained: shares of the planted sets found exactly / contained
            (None without planted sets).
        precision_exact: share of the ``k`` selected sets that are exactly a planted set (None
            if ``k = 0``).
        k: how many sets were selected.
    """

    planted: list[PlantedRank]
    recall_exact: float | None
    recall_contained: float | None
    precision_exact: float | None
    k: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "planted": [
                {
                    "planted": list(r.planted),
                    "exact_rank": r.exact_rank,
                    "contained_rank": r.contained_rank,
                }
                for r in self.planted
            ],
            "recall_exact": self.recall_exact,
            "recall_contained": self.recall_contained,
            "precision_exact": self.precision_exact,
            "k": self.k,
        }

    @classmethod
    def from_dict(cls, data: Any) -> PlantedRecall:
        data = jsonio.mapping(data, "ground truth")
        planted = []
        for row in jsonio.sequence(data["planted"], "planted"):
            row = jsonio.mapping(row, "planted set")
            planted.append(
                PlantedRank(
                    tuple(jsonio.strings(row["planted"], "planted")),
                    jsonio.opt_integer(row.get("exact_rank"), "exact_rank"),
                    jsonio.opt_integer(row.get("contained_rank"), "contained_rank"),
                )
            )
        return cls(
            planted=planted,
            recall_exact=jsonio.opt_number(data.get("recall_exact"), "recall_exact"),
            recall_contained=jsonio.opt_number(data.get("recall_contained"), "recall_contained"),
            precision_exact=jsonio.opt_number(data.get("precision_exact"), "precision_exact"),
            k=jsonio.integer(data["k"], "k"),
        )


def ground_truth_report(
    selected: Sequence[Sequence[str]], planted: Sequence[Sequence[str]]
) -> PlantedRecall:
    """How the selected sets compare with the planted ones (exact match and containment).

    Args:
        selected: the selected interactions, best first (field-name tuples, e.g.
            ``[it.names for it in global_exp.interactions]``).
        planted: the true interactions (e.g. ``data.meta["planted"]``).
    """
    sel = [frozenset(s) for s in selected]
    truth = [frozenset(p) for p in planted]
    rows = []
    for p, ps in zip(planted, truth, strict=True):
        exact = next((r for r, s in enumerate(sel, 1) if s == ps), None)
        covered = next((r for r, s in enumerate(sel, 1) if ps <= s), None)
        rows.append(PlantedRank(tuple(p), exact, covered))
    n_exact = sum(r.exact_rank is not None for r in rows)
    n_contained = sum(r.contained_rank is not None for r in rows)
    true_sel = sum(s in truth for s in sel)
    return PlantedRecall(
        planted=rows,
        recall_exact=n_exact / len(truth) if truth else None,
        recall_contained=n_contained / len(truth) if truth else None,
        precision_exact=true_sel / len(sel) if sel else None,
        k=len(sel),
    )
