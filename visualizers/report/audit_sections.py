"""The sections of an audit's ``report.html``, built from an :class:`AuditResult`.

:func:`build_page` returns the whole document, built with the kit
(:mod:`interactkit.visualizers.report.kit`: every string escaped, figures as data URIs, the
page's CSP). Every part of the result may be absent (no targets, no replication, no segments,
...): its section is then left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from interactkit.visualizers.report.audit_checks import (
    change_cell,
    changes_section,
    consistency_section,
    fidelity_section,
    replication_section,
    segment_data,
    segments_section,
    truth_section,
)
from interactkit.visualizers.report.kit import Cell, Report, interval_text, names_text, pct

if TYPE_CHECKING:  # pragma: no cover
    from interactkit.adapters.ctr import AuditResult

__all__ = ["PAIR_PREFIX", "build_page"]

PAIR_PREFIX = "pair_effects_"
"""File-name prefix of the "how fields interact" figures (their own section of the page)."""

_HOW = {
    "raw": "the model scores the data's raw rows; an off field takes the baseline {off}",
    "encoded": "the model scores interactkit's encoded rows; an off field takes the missing id "
    "0 (dense fields: the training mean)",
    "source": "a source model of interactkit's encoded rows; an off field takes the missing id "
    "0 (dense fields: the training mean)",
}
#: CrossingSummary attribute -> column header
_CROSSING_COLUMNS = {
    "model": "model",
    "variant": "variant",
    "n": "seeds",
    "auc_mean": "AUC",
    "auc_std": "± std",
    "logloss_mean": "logloss",
    "delta_auc_mean": "ΔAUC vs base",
    "delta_logloss_mean": "Δlogloss vs base",
}


def _summary(doc: Report, result: AuditResult) -> None:
    model, data = result.model, result.data
    doc.section("summary", "Summary")
    doc.paragraph(f"Model: {model.note or 'not recorded'}.", "summary")
    how = _HOW.get(model.inputs, "")
    if how:
        how = how.format(off=model.off or "recorded by the model")
        doc.paragraph(f"How fields are switched off: {how}. Explained value: the click logit.")
        doc.paragraph(
            "What an interaction means here: the model's interventional interaction under this "
            "'off' (how one field's effect on the click logit changes when another is switched "
            "off), a property of the model, not of the data's correlations. For tree models "
            "TreeSHAP interaction values (path-dependent) measure a related quantity; expect "
            "them to agree on strong interactions and to rank weak ones differently.",
            "note",
        )
    glider, facts = result.glider, []
    rows = " / ".join(f"{n} {split}" for split, n in data.rows.items())
    ctr = ", ".join(f"{split} {pct(rate)}" for split, rate in data.ctr.items())
    facts.append(f"data {data.name}: {len(data.fields)} fields, {rows} rows, click rate {ctr}")
    facts.append(
        f"{len(glider.interactions)} global interactions selected among "
        f"{glider.n_instances} explained impressions"
    )
    if glider.interactions:
        top = glider.interactions[0]
        facts.append(f"the most frequent: {names_text(top.names)} ({pct(top.frequency)})")
    rep = result.replication
    if rep is not None and rep.n_replicates:
        facts.append(
            f"replicated {rep.n_replicates} times, mean top-{rep.k} agreement {pct(rep.agreement)}"
        )
    holds = sum(d.holds for d in glider.segment_differences)
    if glider.segments:
        facts.append(f"{len(glider.segments)} segments, {holds} segment differences hold")
    if result.changes:
        moved = sum(c.status != "stable" for c in result.changes)
        facts.append(f"{moved} interactions appeared, vanished or changed since the last audit")
    doc.bullets(f"{f}." for f in facts)


def _interactions(doc: Report, result: AuditResult) -> None:
    glider, rep = result.glider, result.replication
    doc.section("interactions", "Global interactions (GLIDER)")
    if not glider.interactions:
        doc.paragraph("No global interaction was selected.", "note")
        return
    columns = ["rank", "interaction", "order", "count", "frequency", "95% interval"]
    selected = dict(rep.selected) if rep is not None else {}
    n_rep = rep.n_replicates if rep is not None else 0
    if n_rep:
        columns.append("selected in replicates")
    changes = {tuple(c.names): c for c in result.changes or []}
    if result.changes is not None:
        columns.append("vs previous audit")
    n = glider.n_instances
    rows = []
    for r, it in enumerate(glider.interactions, 1):
        ci = interval_text(it.ci_low, it.ci_high)
        tip = f"selected in {it.count} of {n} explained impressions; 95% interval {ci}"
        row: list[Any] = [
            r,
            Cell(names_text(it.names), title="fields: " + ", ".join(map(str, it.names))),
            it.order,
            Cell(it.count, it.count, f"{it.count} of {n}", "num"),
            Cell(pct(it.frequency), it.frequency, tip, "num", bar=it.frequency),
            Cell(ci, it.ci_low, tip, "num"),
        ]
        if n_rep:
            got = selected.get(tuple(it.names), 0)
            share = got / n_rep
            tip = f"selected in {got} of {n_rep} replicates ({pct(share)})"
            row.append(Cell(f"{got} of {n_rep}", share, tip, "num"))
        if result.changes is not None:
            change = changes.get(tuple(it.names))
            row.append(change_cell(change) if change else Cell("—"))
        rows.append(row)
    doc.table(columns, rows, "interactions")
    doc.paragraph(
        "Frequency: share of the explained impressions whose local explanation selected the "
        "interaction (95% Wilson interval). Hover a cell for its counts.",
        "note",
    )


def _pairs(doc: Report, figures: Mapping[str, str], uris: Mapping[str, str]) -> None:
    names = [n for n in figures if n.startswith(PAIR_PREFIX)]
    if not names:
        return
    doc.section("pairs", "How fields interact")
    doc.paragraph(
        "The model's mean click probability with two fields set to each pair of their most "
        "frequent values (left), and its interaction part (right: mean − row mean − column "
        "mean + grand mean; red = the pair together raises the click probability).",
        "note",
    )
    for name in names:
        doc.image(uris[name], figures[name])


def _crossing(doc: Report, result: AuditResult) -> None:
    crossing = result.crossing
    if crossing is None:
        return
    doc.section("crossing", "Crossing the global interactions into target models")
    rows = [[getattr(r, k) for k in _CROSSING_COLUMNS] for r in crossing.summary]
    doc.table(list(_CROSSING_COLUMNS.values()), rows, "crossing")
    if crossing.crossed:
        doc.paragraph("Crossed: " + "; ".join(names_text(c) for c in crossing.crossed) + ".")
    if crossing.skipped:
        doc.paragraph("Not crossable: " + "; ".join(names_text(c) for c in crossing.skipped) + ".")
    for seed, sets in crossing.random_control.items():
        doc.paragraph(
            f"Random control, seed {seed}: " + "; ".join(names_text(c) for c in sets) + ".", "note"
        )
    doc.paragraph(
        "Variants: base = target as is; glider = + the GLIDER crosses; random = + as many "
        "random crosses of the same orders (control).",
        "note",
    )


def _setting(value: Any) -> Any:
    """A config value as one table cell (lists joined, mappings as JSON)."""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) if value else "—"
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=str) if value else "—"
    return value


def _settings(doc: Report, result: AuditResult) -> None:
    doc.section("settings", "Settings and timings")
    rows: list[list[Any]] = []
    for section, values in result.config.to_dict().items():
        if section == "version":  # the config's format version, not a setting
            continue
        if isinstance(values, Mapping):
            rows.extend([f"{section}.{k}", _setting(v)] for k, v in values.items())
        else:
            rows.append([section, _setting(values)])
    rows.extend([f"seconds: {k}", round(v, 1)] for k, v in result.timings.items())
    doc.table(["setting", "value"], rows, "settings")


def build_page(result: AuditResult, figures: Mapping[str, str], uris: Mapping[str, str]) -> str:
    """The audit's ``report.html``.

    Args:
        result: the audit (fresh or read back from ``audit.json``).
        figures: ``{figure file name: caption}`` in report order (``pair_effects_*`` names go
            to the "How fields interact" section, the others to "Figures").
        uris: ``{figure file name: data URI}``.
    """
    doc = Report(
        "interactkit audit",
        subtitle=(
            f"data {result.data.spec} · {result.glider.n_instances} impressions explained with "
            f"{result.config.detector.method} · interactkit {result.version or '?'}"
        ),
    )
    _summary(doc, result)
    _interactions(doc, result)
    replication_section(doc, result)
    segments_section(doc, result)
    changes_section(doc, result)
    _pairs(doc, figures, uris)
    fidelity_section(doc, result)
    consistency_section(doc, result)
    truth_section(doc, result)
    _crossing(doc, result)
    others = [n for n in figures if not n.startswith(PAIR_PREFIX)]
    if others:
        doc.section("figures", "Figures")
        for name in others:
            doc.image(uris[name], figures[name])
    _settings(doc, result)
    return doc.render(data={"segments": segment_data(result.glider)})
