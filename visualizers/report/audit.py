"""An ad-model audit's report: its PNG figures and ``report.html``.

:func:`write_audit_report` is what the CLI calls after :meth:`AuditResult.save` (which writes
data only); from Python::

    from interactkit.adapters.ctr import audit
    from interactkit.visualizers.report import write_audit_report
    result = audit(model, data)
    result.save("audit-out")                     # audit.json, glider.json, source_model.pt
    write_audit_report(result, "audit-out")      # figures and report.html

It works on a fresh result and on one read back with ``AuditResult.from_json``: it reads the
result's records only (no model, no feature space; the local-explanation figure is drawn from
``result.example_row`` and ``result.example``). The figures come from
:mod:`interactkit.visualizers.ctr` and :mod:`interactkit.visualizers.ctr_pairs`; the page from
:mod:`interactkit.visualizers.report.audit_sections`. matplotlib is imported by
:func:`write_figures` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from interactkit.visualizers.report.audit_sections import PAIR_PREFIX, build_page
from interactkit.visualizers.report.kit import png_data_uri

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from interactkit.adapters.ctr import AuditResult

__all__ = ["REPORT_FILE", "segment_file_names", "write_audit_report", "write_figures"]

REPORT_FILE = "report.html"
_LABEL_CHARS = 40  # of a segment label in its file name (the index keeps names unique)


class _Impression:
    """What the local-explanation figure reads of a feature space (its readable field values and
    its size), rebuilt from the result: a result read back from JSON has no space."""

    def __init__(self, values: Mapping[str, str], n_features: int) -> None:
        self.values = dict(values)
        self.n_features = n_features


def segment_file_names(segments: Iterable[str]) -> dict[str, str]:
    """``{segment label: figure file name}``: ``segment_<i>_<label>.png``, the label reduced to
    ASCII letters and digits (others become ``_``) and cut to 40 characters.

    The 1-based index ``i`` keeps the names unique: labels that reduce alike (``x/y``, ``x?y``)
    would otherwise overwrite each other's figure.
    """
    out = {}
    for i, label in enumerate(segments, 1):
        safe = "".join(c if c.isascii() and c.isalnum() else "_" for c in str(label))
        out[label] = f"segment_{i}_{safe[:_LABEL_CHARS]}.png"
    return out


def write_figures(result: AuditResult, out: str | Path) -> dict[str, str]:
    """Save the audit's PNG figures in the folder ``out`` (created if missing).

    The figures: global interaction frequencies, the interaction graph, the example
    impression's local explanation, the pair-strength heatmap (when GLIDER recorded one), the
    crossing gains (when targets were trained), one "how fields interact" figure per pair
    effect (``pair_effects_<i>.png``) and one frequency figure per segment
    (:func:`segment_file_names`).

    Returns:
        ``{file name: caption}`` of the figures written, in report order.
    """
    import matplotlib.pyplot as plt

    from interactkit.visualizers import ctr as viz
    from interactkit.visualizers.ctr_pairs import plot_pair_effects

    out = Path(out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    glider = result.glider
    impression = _Impression(result.example_row, result.example.n_features)
    made: dict[str, tuple[Figure, str]] = {
        "global_interactions.png": (
            viz.plot_global_frequencies(glider),
            "Global interactions: frequency among explained impressions",
        ),
        "interaction_graph.png": (
            viz.plot_interaction_graph(glider),
            "Interaction graph of the global interactions",
        ),
        "local_explanation.png": (
            # the figure reads .values and .n_features only: the shim stands in for the space
            viz.plot_local_explanation(impression, result.example),  # type: ignore[arg-type]
            "One impression's local explanation",
        ),
    }
    if glider.pair_strength is not None:
        made["pair_heatmap.png"] = (
            viz.plot_pair_heatmap(glider),
            "Mean pairwise interaction strength between fields",
        )
    table = result.crossing_table()
    if table is not None:
        made["crossing_gains.png"] = (
            viz.plot_crossing_gains(table, baseline="base"),
            "Test AUC change from crossing (mean ± std over seeds)",
        )
    for i, effect in enumerate(result.pair_effects, 1):
        a, b = effect.fields
        made[f"{PAIR_PREFIX}{i}.png"] = (
            plot_pair_effects(effect),
            f"How {a} and {b} interact (model scores over {effect.n_rows} rows)",
        )
    names = segment_file_names(glider.segments)
    for segment, g in glider.segments.items():
        made[names[segment]] = (
            viz.plot_global_frequencies(g, title=f"Global interactions, segment {segment}"),
            f"Segment {segment}",
        )
    captions = {}
    for name, (fig, caption) in made.items():
        try:
            fig.savefig(out / name, dpi=110, bbox_inches="tight")
        finally:
            plt.close(fig)
        captions[name] = caption
    return captions


def write_audit_report(result: AuditResult, out: str | Path) -> dict[str, Path]:
    """Write the audit's PNG figures and ``report.html`` into the folder ``out``.

    ``report.html`` is one self-contained file: the figures inline as PNG data URIs, every
    string of the result escaped, a Content-Security-Policy that lets only its own script run,
    and no network request (see :mod:`interactkit.visualizers.report`).

    Args:
        result: the audit, fresh or read back with ``AuditResult.from_json``.
        out: the folder (created if missing); usually the one ``result.save`` wrote to.

    Returns:
        ``{file name: path}`` of the files written (the figures, then ``report.html``).
    """
    out = Path(out).expanduser()
    figures = write_figures(result, out)
    uris = {name: png_data_uri((out / name).read_bytes()) for name in figures}
    written = {name: out / name for name in figures}
    written[REPORT_FILE] = out / REPORT_FILE
    written[REPORT_FILE].write_text(build_page(result, figures, uris), encoding="utf-8")
    return written
