"""The audit page's sections that say whether its findings hold: replication, segments, changes
since an earlier audit, the explanations' fidelity, attribution consistency and the planted
ground truth (:mod:`.audit_sections` puts them on the page). Every string goes through the kit
(:mod:`interactkit.visualizers.report.kit`), which escapes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interactkit.visualizers.report.kit import Cell, Report, interval_text, names_text, pct

if TYPE_CHECKING:  # pragma: no cover
    from interactkit import GlobalChange, GlobalExplanation
    from interactkit.adapters.ctr import AuditResult

__all__ = [
    "change_cell",
    "changes_section",
    "consistency_section",
    "fidelity_section",
    "replication_section",
    "segment_data",
    "segments_section",
    "truth_section",
]


def change_cell(change: GlobalChange) -> Cell:
    tip = f"frequency {pct(change.old_frequency)} before, {pct(change.new_frequency)} now" + (
        "; significant" if change.significant else ""
    )
    return Cell(change.status, change.status, tip, f"status-{change.status}")


def replication_section(doc: Report, result: AuditResult) -> None:
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
            Cell(names_text(names)),
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


def segment_data(glider: GlobalExplanation) -> list[dict[str, Any]]:
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


def segments_section(doc: Report, result: AuditResult) -> None:
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
            Cell(names_text(d.names)),
            Cell(pct(d.frequency), d.frequency, css="num"),
            Cell(pct(d.rest_frequency), d.rest_frequency, css="num"),
            Cell(
                pct(d.difference, True),
                d.difference,
                css="num",
                title=f"interval {interval_text(d.ci_low, d.ci_high, True)}",
            ),
            Cell(interval_text(d.ci_low, d.ci_high, True), d.ci_low, css="num"),
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


def changes_section(doc: Report, result: AuditResult) -> None:
    if result.changes is None:
        return
    doc.section("changes", "Changes since the previous audit")
    doc.paragraph(
        f"Compared with the audit in {result.config.findings.compare_to or 'an earlier folder'}."
    )
    rows = [
        [
            names_text(c.names),
            change_cell(c),
            Cell(pct(c.old_frequency), c.old_frequency, css="num"),
            Cell(pct(c.new_frequency), c.new_frequency, css="num"),
            Cell(pct(c.change, True), c.change, css="num"),
            c.significant,
        ]
        for c in result.changes
    ]
    columns = ["interaction", "status", "before", "now", "change", "significant"]
    doc.table(columns, rows, "changes")


def consistency_section(doc: Report, result: AuditResult) -> None:
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


def truth_section(doc: Report, result: AuditResult) -> None:
    truth = result.ground_truth
    if truth is None:
        return
    doc.section("truth", "Planted ground truth")
    doc.paragraph(
        f"Exact recall {pct(truth.recall_exact)}, contained recall "
        f"{pct(truth.recall_contained)}, precision {pct(truth.precision_exact)} of the top "
        f"{truth.k}."
    )
    rows = [[names_text(r.planted), r.exact_rank, r.contained_rank] for r in truth.planted]
    doc.table(["planted interaction", "exact rank", "contained in rank"], rows, "truth")


def fidelity_section(doc: Report, result: AuditResult) -> None:
    fid = result.glider.fidelity
    if fid is None:
        return
    doc.section("fidelity", "How well the explanations describe the model")
    doc.paragraph(
        "Each impression's explanation, as a model of the black box: main effects plus its "
        "detected interaction sets, fitted on the masks the detector queried, scored by R² on "
        f"held-out random masks. Over {fid.n} impressions:"
    )
    rows = [
        ["main effects + detected sets", fid.r2_q25, fid.r2_median, fid.r2_q75],
        ["main effects only", None, fid.r2_main_median, None],
        ["gain from the interactions", None, fid.gain_median, None],
    ]
    doc.table(["held-out R²", "25%", "median", "75%"], rows, "fidelity")
    doc.paragraph(f"Share of impressions below R² 0.8: {pct(fid.low_share)}.", "note")
    for warning in fid.warnings:
        doc.paragraph(f"Warning: {warning}.", "summary")
