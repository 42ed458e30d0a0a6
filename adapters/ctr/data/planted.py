"""Scoring selected interactions against a planted ground truth (synthetic data).

:func:`ground_truth_report` says, for every planted field set, at which rank GLIDER selected it
exactly and at which rank a selected set first contains it, plus recall and precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["ground_truth_report"]


def ground_truth_report(
    selected: Sequence[Sequence[str]], planted: Sequence[Sequence[str]]
) -> dict[str, Any]:
    """How the selected sets compare with the planted ones (exact match and containment).

    Args:
        selected: the selected interactions, best first (field-name tuples, e.g.
            ``[it.names for it in global_exp.interactions]``).
        planted: the true interactions (e.g. ``data.meta["planted"]``).

    Returns:
        ``{"planted": [{"planted": [names], "exact_rank": int | None, "contained_rank": int |
        None}, ...], "recall_exact", "recall_contained", "precision_exact", "k"}``: ranks are
        1-based; recalls are shares of the planted sets (None without planted sets), precision
        the share of the ``k`` selected sets that are exactly a planted set (None if ``k = 0``).
    """
    sel = [frozenset(s) for s in selected]
    truth = [frozenset(p) for p in planted]
    rows = []
    for p, ps in zip(planted, truth, strict=True):
        exact = next((r for r, s in enumerate(sel, 1) if s == ps), None)
        covered = next((r for r, s in enumerate(sel, 1) if ps <= s), None)
        rows.append({"planted": list(p), "exact_rank": exact, "contained_rank": covered})
    n_exact = sum(r["exact_rank"] is not None for r in rows)
    n_contained = sum(r["contained_rank"] is not None for r in rows)
    true_sel = sum(s in truth for s in sel)
    return {
        "planted": rows,
        "recall_exact": n_exact / len(truth) if truth else None,
        "recall_contained": n_contained / len(truth) if truth else None,
        "precision_exact": true_sel / len(sel) if sel else None,
        "k": len(sel),
    }
