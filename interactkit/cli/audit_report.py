"""What ``interactkit audit`` writes besides ``audit.json``: PNG figures, ``report.html`` and the
printed summary.

The figures come from :mod:`interactkit.visualizers.ctr`, the page from
:mod:`interactkit.visualizers.report` (every string escaped: field names and values are user
data); matplotlib is imported by :func:`write_figures` only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from interactkit import GlobalExplanation, LocalExplanation
    from interactkit.adapters.ctr import CrossComparison, CTRSpace

__all__ = ["print_summary", "write_figures", "write_report"]


def write_figures(
    out: Path,
    global_exp: GlobalExplanation,
    space: CTRSpace,
    example: LocalExplanation,
    comparison: CrossComparison | None,
) -> dict[str, str]:
    """Save the audit's PNG figures in ``out``.

    Args:
        global_exp: the GLIDER result (and its segments).
        space, example: one impression's feature space and its local explanation.
        comparison: the crossing experiment, if one was run.

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
            viz.plot_local_explanation(space, example),
            "One impression's local explanation",
        ),
    }
    if global_exp.pair_strength is not None:
        made["pair_heatmap.png"] = (
            viz.plot_pair_heatmap(global_exp),
            "Mean pairwise interaction strength between fields",
        )
    if comparison is not None:
        made["crossing_gains.png"] = (
            viz.plot_crossing_gains(comparison.table, baseline="base"),
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
    rep.paragraph(f"Source model: {result['source_model']['note']}.", "summary")
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


def print_summary(result: dict[str, Any], global_exp: GlobalExplanation, out: Path) -> None:
    """Print the top global interactions, the planted recall and the crossing gains."""
    print("\ntop global interactions:")
    for r, it in enumerate(global_exp.interactions[:10], 1):
        print(
            f"  {r:2d}. {', '.join(it.names):50s} {it.frequency:6.1%} "
            f"[{it.ci_low:.1%}, {it.ci_high:.1%}]"
        )
    truth = result["ground_truth"]
    if truth:
        print(
            f"planted interactions found: {truth['recall_exact']:.0%} exactly, "
            f"{truth['recall_contained']:.0%} contained in a selected set"
        )
    if result["crossing"] is not None:
        print("\ntarget models, mean test AUC (ΔAUC vs base):")
        for row in result["crossing"]["summary"]:
            print(
                f"  {row['model']:8s} {row['variant']:7s} {row['auc_mean']:.4f} "
                f"({row['delta_auc_mean']:+.4f})"
            )
    print(
        f"\nwrote {out / 'audit.json'}, {out / 'report.html'} and figures "
        f"in {result['timings_seconds']['total']:.0f} s"
    )
