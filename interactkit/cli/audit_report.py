"""What an audit writes besides ``audit.json`` and ``glider.json``: PNG figures and
``report.html``.

:func:`render_audit` is the renderer :meth:`AuditResult.save` takes (adapters never import
visualizers, so the application layer draws)::

    from interactkit.adapters.ctr import audit
    from interactkit.cli.audit_report import render_audit
    result = audit(model, data)
    result.save("audit-out", render=render_audit)

The figures come from :mod:`interactkit.visualizers.ctr` and
:mod:`interactkit.visualizers.ctr_pairs` (one "how fields interact" figure per
``pair_effects`` record); the page from :mod:`interactkit.cli.report_sections`: one
self-contained file (figures as PNG data URIs, no network), every string escaped (field names
and values are user data), with sortable and filterable tables, a segment selector and hover
details (:mod:`interactkit.cli.report_assets`). matplotlib is imported by :func:`write_figures`
only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from interactkit import GlobalExplanation, LocalExplanation
    from interactkit.adapters.ctr import AuditResult, CTRSpace, RawSpace

__all__ = ["render_audit", "write_figures", "write_report"]


class _Impression:
    """What the local-explanation figure reads of a feature space, rebuilt from ``audit.json``
    (a result read back from JSON has no model, so no space)."""

    def __init__(self, values: dict[str, str], n_features: int) -> None:
        self.values = values
        self.n_features = n_features


def render_audit(result: AuditResult, out: Path) -> dict[str, str]:
    """Write the audit's figures and ``report.html`` to ``out``.

    Works on a fresh result and on one read back with ``AuditResult.from_json``.

    Returns:
        ``{figure file name: caption}``.
    """
    out = Path(out)
    space = result.space
    if space is None:
        space = _Impression(result.example_row, result.example.n_features)
    figures = write_figures(
        out,
        result.glider,
        space,
        result.example,
        result.crossing_table(),
        pair_effects=result.pair_effects,
    )
    write_report(out, result, figures)
    return figures


def write_figures(
    out: Path,
    global_exp: GlobalExplanation,
    space: CTRSpace | RawSpace | _Impression,
    example: LocalExplanation,
    crossing_table: pd.DataFrame | None,
    pair_effects: Sequence[dict[str, Any]] = (),
) -> dict[str, str]:
    """Save the audit's PNG figures in ``out``.

    Args:
        global_exp: the GLIDER result (and its segments).
        space, example: one impression's feature space (or its values) and its local
            explanation.
        crossing_table: the crossing experiment's table (one row per target, variant, seed),
            if one was run.
        pair_effects: ``AuditResult.pair_effects`` records (``{"fields": [a, b], "values_a",
            "values_b", "mean", "effect", "support", "n_rows"}``): one "how fields interact"
            figure each, ``pair_effects_<i>.png``.

    Returns:
        ``{file name: caption}`` of the figures written, in report order.
    """
    import matplotlib.pyplot as plt

    from interactkit.visualizers import ctr as viz
    from interactkit.visualizers.ctr_pairs import plot_pair_effects

    made: dict[str, tuple[Figure, str]] = {
        "global_interactions.png": (
            viz.plot_global_frequencies(global_exp),
            "Global interactions: frequency among explained impressions",
        ),
        "interaction_graph.png": (
            viz.plot_interaction_graph(global_exp),
            "Interaction graph of the global interactions",
        ),
        "local_explanation.png": (
            viz.plot_local_explanation(space, example),  # type: ignore[arg-type]
            "One impression's local explanation",
        ),
    }
    if global_exp.pair_strength is not None:
        made["pair_heatmap.png"] = (
            viz.plot_pair_heatmap(global_exp),
            "Mean pairwise interaction strength between fields",
        )
    if crossing_table is not None:
        made["crossing_gains.png"] = (
            viz.plot_crossing_gains(crossing_table, baseline="base"),
            "Test AUC change from crossing (mean ± std over seeds)",
        )
    for i, record in enumerate(pair_effects, 1):
        a, b = [*map(str, record.get("fields") or []), "?", "?"][:2]
        rows = record.get("n_rows")
        made[f"pair_effects_{i}.png"] = (
            plot_pair_effects(record),
            f"How {a} and {b} interact" + (f" (model scores over {rows} rows)" if rows else ""),
        )
    for segment, g in global_exp.segments.items():
        safe = "".join(c if c.isalnum() else "_" for c in segment)[:40]
        made[f"segment_{safe}.png"] = (
            viz.plot_global_frequencies(g, title=f"Global interactions, segment {segment}"),
            f"Segment {segment}",
        )
    captions = {}
    for name, (fig, caption) in made.items():
        fig.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
        captions[name] = caption
    return captions


def write_report(out: Path, result: AuditResult, figures: dict[str, str]) -> None:
    """Write ``out / "report.html"``: the interactive one-file report of ``result``.

    Args:
        result: the audit (fresh or read back from ``audit.json``).
        figures: ``{file name in out: caption}`` (from :func:`write_figures`), embedded as PNG
            data URIs.
    """
    from interactkit.cli.report_html import png_data_uri
    from interactkit.cli.report_sections import build_page

    uris = {name: png_data_uri((out / name).read_bytes()) for name in figures}
    (out / "report.html").write_text(build_page(result, figures, uris), encoding="utf-8")
