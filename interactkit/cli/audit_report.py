"""What an audit writes besides ``audit.json`` and ``glider.json``: PNG figures and
``report.html``.

:func:`render_audit` is the renderer :meth:`AuditResult.save` takes (adapters never import
visualizers, so the application layer draws)::

    from interactkit.adapters.ctr import audit
    from interactkit.cli.audit_report import render_audit
    result = audit(model, data)
    result.save("audit-out", render=render_audit)

The figures come from :mod:`interactkit.visualizers.ctr`, the page from
:mod:`interactkit.visualizers.report` (every string escaped: field names and values are user
data); matplotlib is imported by :func:`write_figures` only.
"""

from __future__ import annotations

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
    figures = write_figures(out, result.glider, space, result.example, result.crossing_table())
    write_report(out, result.to_dict(), result.glider, figures)
    return figures


def write_figures(
    out: Path,
    global_exp: GlobalExplanation,
    space: CTRSpace | RawSpace | _Impression,
    example: LocalExplanation,
    crossing_table: pd.DataFrame | None,
) -> dict[str, str]:
    """Save the audit's PNG figures in ``out``.

    Args:
        global_exp: the GLIDER result (and its segments).
        space, example: one impression's feature space (or its values) and its local
            explanation.
        crossing_table: the crossing experiment's table (one row per target, variant, seed),
            if one was run.

    Returns:
        ``{file name: caption}`` of the figures written, in report order.
    """
    import matplotlib.pyplot as plt

    from interactkit.visualizers import ctr as viz

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


def write_report(
    out: Path, result: dict[str, Any], global_exp: GlobalExplanation, figures: dict[str, str]
) -> None:
    """Write ``out / "report.html"``: the summary, tables and the figures of ``out``.

    Args:
        result: the audit record (what ``audit.json`` holds).
        global_exp: the GLIDER result.
        figures: ``{file name in out: caption}`` (from :func:`write_figures`).
    """
    from interactkit.visualizers.report import Report

    settings = result["settings"]
    rep = Report(
        "interactkit audit",
        subtitle=f"data {result['data']['spec']} · {settings['instances']} impressions explained "
        f"with {settings['method']} · interactkit {result['interactkit']}",
    )
    rep.heading("Summary")
    model = result["source_model"]
    rep.paragraph(f"Model: {model['note']}.", "summary")
    how = {
        "raw": "the model scores the data's raw rows; an off field takes the baseline "
        f"{model.get('baseline')}",
        "encoded": "the model scores interactkit's encoded rows; an off field takes the "
        "missing id 0 (dense fields: the training mean)",
        "source": "a source model of interactkit's encoded rows; an off field takes the "
        "missing id 0 (dense fields: the training mean)",
    }.get(model.get("inputs", "source"), "")
    if how:
        rep.paragraph(f"How fields are switched off: {how}. Explained value: the click logit.")
    rep.heading("Global interactions (GLIDER)")
    rep.table(
        [
            [r, ", ".join(it.names), it.count, it.frequency, f"{it.ci_low:.3f}–{it.ci_high:.3f}"]
            for r, it in enumerate(global_exp.interactions, 1)
        ],
        ["rank", "interaction", "count", "frequency", "95% interval"],
    )
    truth = result["ground_truth"]
    if truth:
        rep.heading("Planted ground truth")
        rep.paragraph(
            f"Exact recall {truth['recall_exact']:.0%}, contained recall "
            f"{truth['recall_contained']:.0%}, precision {truth['precision_exact']:.0%} "
            f"of the top {truth['k']}."
        )
        rep.table(
            [
                [", ".join(r["planted"]), r["exact_rank"] or "—", r["contained_rank"] or "—"]
                for r in truth["planted"]
            ],
            ["planted interaction", "exact rank", "contained in rank"],
        )
    for name, caption in figures.items():
        rep.image((out / name).read_bytes(), caption)
    if result["crossing"] is not None:
        rep.heading("Crossing the global interactions into target models")
        columns = {
            "model": "model",
            "variant": "variant",
            "n": "seeds",
            "auc_mean": "AUC",
            "auc_std": "± std",
            "logloss_mean": "logloss",
            "delta_auc_mean": "ΔAUC vs base",
            "delta_logloss_mean": "Δlogloss vs base",
        }
        rep.table(
            [[r[key] for key in columns] for r in result["crossing"]["summary"]],
            list(columns.values()),
        )
        rep.paragraph(
            "Variants: base = target as is; glider = + the GLIDER crosses; random = + "
            "as many random crosses of the same orders (control).",
            "note",
        )
    rep.heading("Settings and timings")
    seconds = {f"seconds: {k}": round(v, 1) for k, v in result["timings_seconds"].items()}
    rep.table([[k, str(v)] for k, v in {**settings, **seconds}.items()], ["setting", "value"])
    (out / "report.html").write_text(rep.render(), encoding="utf-8")
