"""The sections of an audit's ``report.html``, built from an :class:`AuditResult`.

:func:`build_page` returns the whole document, built with the kit
(:mod:`interactkit.visualizers.report.kit`: every string escaped, figures as data URIs, the
page's CSP). Every part of the result may be absent (no targets, no replication, no segments,
...): its section is then left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from interactkit.visualizers.report.kit import Cell, Report, pct

if TYPE_CHECKING:  # pragma: no cover
    from interactkit import GlobalChange, GlobalExplanation
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


def _names(names: Sequence[Any]) -> str:
    return " × ".join(str(n) for n in names)


def _interval(lo: float | None, hi: float | None, signed: bool = False) -> str:
    return f"{pct(lo, signed)} – {pct(hi, signed)}"


def _summary(doc: Report, result: AuditResult) -> None:
    model, data = result.model, result.data
    doc.section("summary", "Summary")
    doc.paragraph(f"Model: {model.note or 'not recorded'}.", "summary")
    how = _HOW.get(model.inputs, "")
    if how:
        how = how.format(off=model.off or "recorded by the model")
        doc.paragraph(f"How fields are switched off: {how}. Explained value: the click logit.")
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
        facts.append(f"the most frequent: {_names(top.names)} ({pct(top.frequency)})")
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


def _change_cell(change: GlobalChange) -> Cell:
    tip = f"frequency {pct(change.old_frequency)} before, {pct(change.new_frequency)} now" + (
        "; significant" if change.significant else ""
    )
    return Cell(change.status, change.status, tip, f"status-{change.status}")


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
        ci = _interval(it.ci_low, it.ci_high)
        tip = f"selected in {it.count} of {n} explained impressions; 95% interval {ci}"
        row: list[Any] = [
            r,
            Cell(_names(it.names), title="fields: " + ", ".join(map(str, it.names))),
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
            row.append(_change_cell(change) if change else Cell("—"))
        rows.append(row)
    doc.table(columns, rows, "interactions")
    doc.paragraph(
        "Frequency: share of the explained impressions whose local explanation selected the "
        "interaction (95% Wilson interval). Hover a cell for its counts.",
        "note",
    )


def _replication(doc: Report, result: AuditResult) -> None:
    rep = result.replication
    if rep is None:
        return
    doc.section("replication", "Replication")
    n_rep = rep.n_replicates
    doc.paragraph(
        f"GLIDER repeated on {n_rep} replicates (disjoint halves of the impressions × detector "
        f"seeds), {rep.k} interactions each; mean top-{rep.k} agreement between replicates "
        f"{pct(rep.agreement)}."
    )
    if not rep.selected or not n_rep:
        return
    in_full = {tuple(it.names) for it in result.glider.interactions}
    rows = [
        [
            Cell(_names(names)),
            Cell(
                f"{count} of {n_rep}",
                count,
                f"selected in {count} of {n_rep} replicates",
                "num",
                bar=count / n_rep,
            ),
            Cell(pct(count / n_rep), count / n_rep, css="num"),
            tuple(names) in in_full,
        ]
        for names, count in rep.selected
    ]
    doc.table(["interaction", "selected in", "share", "in this audit"], rows, "replication")


def _segment_data(glider: GlobalExplanation) -> list[dict[str, Any]]:
    """What the page's segment selector shows (the JSON block; see the kit's assets)."""
    out = []
    for name, seg in glider.segments.items():
        out.append(
            {
                "name": str(name),
                "n_instances": seg.n_instances,
                "interactions": [
                    {
                        "names": [str(x) for x in it.names],
                        "count": it.count,
                        "frequency": it.frequency,
                        "ci_low": it.ci_low,
                        "ci_high": it.ci_high,
                    }
                    for it in seg.interactions
                ],
                "differences": [
                    {**d.to_dict(), "names": [str(x) for x in d.names]}
                    for d in glider.segment_differences
                    if d.segment == name
                ],
            }
        )
    return out


def _segments(doc: Report, result: AuditResult) -> None:
    glider = result.glider
    if not glider.segments and not glider.segment_differences:
        return
    doc.section("segments", "Segments")
    by = result.config.glider.segment_by
    if by:
        doc.paragraph(f"Impressions segmented by the field {by}.", "note")
    if glider.segments:
        # filled by the page's script from the JSON block
        doc.add(
            '<p><label for="segment-select">Segment: </label>'
            '<select id="segment-select"></select></p><div id="segment-panel"></div>'
        )
    diffs = glider.segment_differences
    if not diffs:
        return
    doc.heading("Every segment difference")
    doc.paragraph(
        "Frequency in the segment minus in all the others; the difference holds when its "
        "Bonferroni-adjusted bootstrap interval excludes 0.",
        "note",
    )
    rows = [
        [
            Cell(d.segment),
            Cell(_names(d.names)),
            Cell(pct(d.frequency), d.frequency, css="num"),
            Cell(pct(d.rest_frequency), d.rest_frequency, css="num"),
            Cell(
                pct(d.difference, True),
                d.difference,
                css="num",
                title=f"interval {_interval(d.ci_low, d.ci_high, True)}",
            ),
            Cell(_interval(d.ci_low, d.ci_high, True), d.ci_low, css="num"),
            Cell("✓ holds" if d.holds else "–", int(d.holds), css="yes" if d.holds else None),
        ]
        for d in diffs
    ]
    columns = ["segment", "interaction", "in segment", "in the others", "difference"]
    doc.table(
        [*columns, "interval", "holds"],
        rows,
        "all-segment-differences",
        ["holds" if d.holds else None for d in diffs],
    )


def _changes(doc: Report, result: AuditResult) -> None:
    if result.changes is None:
        return
    doc.section("changes", "Changes since the previous audit")
    doc.paragraph(
        f"Compared with the audit in {result.config.findings.compare_to or 'an earlier folder'}."
    )
    rows = [
        [
            _names(c.names),
            _change_cell(c),
            Cell(pct(c.old_frequency), c.old_frequency, css="num"),
            Cell(pct(c.new_frequency), c.new_frequency, css="num"),
            Cell(pct(c.change, True), c.change, css="num"),
            c.significant,
        ]
        for c in result.changes
    ]
    columns = ["interaction", "status", "before", "now", "change", "significant"]
    doc.table(columns, rows, "changes")


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


def _consistency(doc: Report, result: AuditResult) -> None:
    con = result.consistency
    if con is None:
        return
    doc.section("consistency", "Consistent across attribution methods")
    methods = [str(m) for m in con.methods]
    corr = "—" if con.rank_correlation is None else f"{con.rank_correlation:.2f}"
    doc.paragraph(
        f"Main effects of {con.instances} impressions by {', '.join(methods)}; "
        f"top-{con.k} agreement {pct(con.top_k_agreement)}, all methods rank the same field "
        f"first on {pct(con.top1_all_agree)} of them, mean rank correlation {corr}."
    )
    rule = con.rule or "the methods give it the same sign"
    doc.paragraph(f"A field counts as consistent when: {rule}.", "note")
    rows = [
        [
            f.feature,
            *(f.mean_abs.get(m) for m in methods),
            Cell(pct(f.sign_agreement), f.sign_agreement, css="num"),
            Cell(
                "✓ consistent" if f.consistent else "✗ differs",
                int(f.consistent),
                css="yes" if f.consistent else "no",
            ),
        ]
        for f in con.features
    ]
    columns = ["field", *(f"mean |effect|: {m}" for m in methods), "sign agreement", "consistent"]
    classes = [None if f.consistent else "inconsistent" for f in con.features]
    doc.table(columns, rows, "consistency", classes)


def _truth(doc: Report, result: AuditResult) -> None:
    truth = result.ground_truth
    if truth is None:
        return
    doc.section("truth", "Planted ground truth")
    doc.paragraph(
        f"Exact recall {pct(truth.recall_exact)}, contained recall "
        f"{pct(truth.recall_contained)}, precision {pct(truth.precision_exact)} of the top "
        f"{truth.k}."
    )
    rows = [[_names(r.planted), r.exact_rank, r.contained_rank] for r in truth.planted]
    doc.table(["planted interaction", "exact rank", "contained in rank"], rows, "truth")


def _crossing(doc: Report, result: AuditResult) -> None:
    crossing = result.crossing
    if crossing is None:
        return
    doc.section("crossing", "Crossing the global interactions into target models")
    rows = [[getattr(r, k) for k in _CROSSING_COLUMNS] for r in crossing.summary]
    doc.table(list(_CROSSING_COLUMNS.values()), rows, "crossing")
    if crossing.crossed:
        doc.paragraph("Crossed: " + "; ".join(_names(c) for c in crossing.crossed) + ".")
    if crossing.skipped:
        doc.paragraph("Not crossable: " + "; ".join(_names(c) for c in crossing.skipped) + ".")
    for seed, sets in crossing.random_control.items():
        doc.paragraph(
            f"Random control, seed {seed}: " + "; ".join(_names(c) for c in sets) + ".", "note"
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
    _replication(doc, result)
    _segments(doc, result)
    _changes(doc, result)
    _pairs(doc, figures, uris)
    _consistency(doc, result)
    _truth(doc, result)
    _crossing(doc, result)
    others = [n for n in figures if not n.startswith(PAIR_PREFIX)]
    if others:
        doc.section("figures", "Figures")
        for name in others:
            doc.image(uris[name], figures[name])
    _settings(doc, result)
    return doc.render(data={"segments": _segment_data(result.glider)})
