"""The sections of the audit's ``report.html``, built from an :class:`AuditResult`.

:func:`build_page` returns the whole document (see :mod:`interactkit.cli.report_html` for the
escaping and :mod:`interactkit.cli.report_assets` for the script). Every part of the result may
be absent (no targets, no replication, no segments, ...): its section is then left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from interactkit.cli.report_html import Cell, esc, figure, page, pct, table

if TYPE_CHECKING:  # pragma: no cover
    from interactkit import GlobalExplanation
    from interactkit.adapters.ctr import AuditResult

__all__ = ["build_page"]

_HOW = {
    "raw": "the model scores the data's raw rows; an off field takes the baseline {baseline}",
    "encoded": "the model scores interactkit's encoded rows; an off field takes the missing id "
    "0 (dense fields: the training mean)",
    "source": "a source model of interactkit's encoded rows; an off field takes the missing id "
    "0 (dense fields: the training mean)",
}
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


def _interval(lo: float, hi: float, signed: bool = False) -> str:
    return f"{pct(lo, signed)} – {pct(hi, signed)}"


class _Page:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.nav: list[str] = []

    def section(self, ident: str, title: str) -> None:
        self.nav.append(f"sec-{ident}|{title}")
        self.parts.append(f'<h2 id="sec-{esc(ident)}">{esc(title)}</h2>')

    def p(self, text: str, css: str | None = None) -> None:
        attr = f' class="{esc(css)}"' if css else ""
        self.parts.append(f"<p{attr}>{esc(text)}</p>")

    def add(self, html_part: str) -> None:
        self.parts.append(html_part)


def _summary(doc: _Page, result: AuditResult) -> None:
    model = result.model
    doc.section("summary", "Summary")
    doc.p(f"Model: {model.get('note', 'not recorded')}.", "summary")
    how = _HOW.get(str(model.get("inputs", "source")), "")
    if how:
        how = how.format(baseline=model.get("baseline"))
        doc.p(f"How fields are switched off: {how}. Explained value: the click logit.")
    glider, facts = result.glider, []
    facts.append(
        f"{len(glider.interactions)} global interactions selected among "
        f"{glider.n_instances} explained impressions"
    )
    if glider.interactions:
        top = glider.interactions[0]
        facts.append(f"the most frequent: {_names(top.names)} ({pct(top.frequency)})")
    if result.replication is not None and result.replication.n_replicates:
        facts.append(
            f"replicated {result.replication.n_replicates} times, mean top-"
            f"{result.replication.k} agreement {pct(result.replication.agreement)}"
        )
    holds = sum(d.holds for d in glider.segment_differences)
    if glider.segments:
        facts.append(f"{len(glider.segments)} segments, {holds} segment differences hold")
    if result.changes:
        moved = sum(c.status != "stable" for c in result.changes)
        facts.append(f"{moved} interactions appeared, vanished or changed since the last audit")
    doc.add("<ul>" + "".join(f"<li>{esc(f)}.</li>" for f in facts) + "</ul>")


def _interactions(doc: _Page, result: AuditResult) -> None:
    glider, rep = result.glider, result.replication
    doc.section("interactions", "Global interactions (GLIDER)")
    if not glider.interactions:
        doc.p("No global interaction was selected.", "note")
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
            row.append(
                Cell(
                    f"{got} of {n_rep}",
                    got / n_rep,
                    f"selected in {got} of {n_rep} replicates ({pct(got / n_rep)})",
                    "num",
                )
            )
        if result.changes is not None:
            change = changes.get(tuple(it.names))
            row.append(_change_cell(change) if change else Cell("—"))
        rows.append(row)
    doc.add(table(columns, rows, "interactions"))
    doc.p(
        "Frequency: share of the explained impressions whose local explanation selected the "
        "interaction (95% Wilson interval). Hover a cell for its counts.",
        "note",
    )


def _change_cell(change: Any) -> Cell:
    tip = f"frequency {pct(change.old_frequency)} before, {pct(change.new_frequency)} now" + (
        "; significant" if change.significant else ""
    )
    return Cell(change.status, change.status, tip, f"status-{change.status}")


def _replication(doc: _Page, result: AuditResult) -> None:
    rep = result.replication
    if rep is None:
        return
    doc.section("replication", "Replication")
    n_rep = rep.n_replicates
    doc.p(
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
    doc.add(table(["interaction", "selected in", "share", "in this audit"], rows, "replication"))


def _segment_data(glider: GlobalExplanation) -> list[dict[str, Any]]:
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


def _segments(doc: _Page, result: AuditResult) -> None:
    glider = result.glider
    if not glider.segments and not glider.segment_differences:
        return
    doc.section("segments", "Segments")
    if glider.segments:
        doc.add(
            '<p><label for="segment-select">Segment: </label>'
            '<select id="segment-select"></select></p><div id="segment-panel"></div>'
        )
    diffs = glider.segment_differences
    if diffs:
        doc.add("<h3>Every segment difference</h3>")
        doc.p(
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
        doc.add(
            table(
                [
                    "segment",
                    "interaction",
                    "in segment",
                    "in the others",
                    "difference",
                    "interval",
                    "holds",
                ],
                rows,
                "all-segment-differences",
                ["holds" if d.holds else None for d in diffs],
            )
        )


def _changes(doc: _Page, result: AuditResult) -> None:
    if result.changes is None:
        return
    doc.section("changes", "Changes since the previous audit")
    doc.p(f"Compared with the audit in {result.compared_to or 'an earlier folder'}.")
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
    doc.add(table(columns, rows, "changes"))


def _pairs(doc: _Page, result: AuditResult, figures: dict[str, str], uris: dict[str, str]):
    names = [n for n in figures if n.startswith("pair_effects_")]
    if not names:
        return
    doc.section("pairs", "How fields interact")
    doc.p(
        "The model's mean click probability with two fields set to each pair of their most "
        "frequent values (left), and its interaction part (right: mean − row mean − column "
        "mean + grand mean; red = the pair together raises the click probability).",
        "note",
    )
    for name in names:
        doc.add(figure(uris[name], figures[name]))


def _consistency(doc: _Page, result: AuditResult) -> None:
    con = result.consistency
    if not con:
        return
    doc.section("consistency", "Consistent across attribution methods")
    methods = [str(m) for m in con.get("methods") or []]
    agree = con.get("top_k_agreement")
    doc.p(
        f"Main effects of {con.get('instances', '?')} impressions by {', '.join(methods)}; "
        f"top-{con.get('k', '?')} agreement "
        f"{pct(agree) if isinstance(agree, (int, float)) else '—'}. A field is consistent when "
        "the methods give it the same sign."
    )
    fields = con.get("fields") or []
    rows = []
    for f in fields:
        mean_abs = f.get("mean_abs") or {}
        ok = bool(f.get("consistent"))
        rows.append(
            [
                str(f.get("field")),
                *(mean_abs.get(m) for m in methods),
                Cell(pct(f.get("sign_agreement")), f.get("sign_agreement"), css="num"),
                Cell("✓ consistent" if ok else "✗ differs", int(ok), css="yes" if ok else "no"),
            ]
        )
    columns = ["field", *(f"mean |effect|: {m}" for m in methods), "sign agreement", "consistent"]
    classes = [None if f.get("consistent") else "inconsistent" for f in fields]
    doc.add(table(columns, rows, "consistency", classes))


def _truth(doc: _Page, result: AuditResult) -> None:
    truth = result.ground_truth
    if not truth:
        return
    doc.section("truth", "Planted ground truth")
    doc.p(
        f"Exact recall {pct(truth.get('recall_exact'))}, contained recall "
        f"{pct(truth.get('recall_contained'))}, precision {pct(truth.get('precision_exact'))} "
        f"of the top {truth.get('k')}."
    )
    rows = [
        [_names(r["planted"]), r.get("exact_rank"), r.get("contained_rank")]
        for r in truth.get("planted") or []
    ]
    doc.add(table(["planted interaction", "exact rank", "contained in rank"], rows, "truth"))


def _crossing(doc: _Page, result: AuditResult) -> None:
    crossing = result.crossing
    if crossing is None:
        return
    doc.section("crossing", "Crossing the global interactions into target models")
    rows = [[r.get(k) for k in _CROSSING_COLUMNS] for r in crossing.get("summary") or []]
    doc.add(table(list(_CROSSING_COLUMNS.values()), rows, "crossing"))
    if crossing.get("crossed"):
        doc.p("Crossed: " + "; ".join(_names(c) for c in crossing["crossed"]) + ".")
    if crossing.get("skipped"):
        doc.p("Not crossable: " + "; ".join(_names(c) for c in crossing["skipped"]) + ".")
    doc.p(
        "Variants: base = target as is; glider = + the GLIDER crosses; random = + as many "
        "random crosses of the same orders (control).",
        "note",
    )


def build_page(result: AuditResult, figures: dict[str, str], uris: dict[str, str]) -> str:
    """The audit's ``report.html``.

    Args:
        result: the audit.
        figures: ``{figure file name: caption}`` in report order (``pair_effects_*`` names go
            to the "How fields interact" section, the others to "Figures").
        uris: ``{figure file name: data URI}``.
    """
    doc = _Page()
    _summary(doc, result)
    _interactions(doc, result)
    _replication(doc, result)
    _segments(doc, result)
    _changes(doc, result)
    _pairs(doc, result, figures, uris)
    _consistency(doc, result)
    _truth(doc, result)
    _crossing(doc, result)
    others = [n for n in figures if not n.startswith("pair_effects_")]
    if others:
        doc.section("figures", "Figures")
        for name in others:
            doc.add(figure(uris[name], figures[name]))
    doc.section("settings", "Settings and timings")
    seconds = {f"seconds: {k}": round(v, 1) for k, v in result.timings.items()}
    rows = [[str(k), str(v)] for k, v in {**result.settings, **seconds}.items()]
    doc.add(table(["setting", "value"], rows, "settings"))
    settings = result.settings
    subtitle = (
        f"data {result.data.get('spec', settings.get('data', '?'))} · "
        f"{settings.get('instances', result.glider.n_instances)} impressions explained with "
        f"{settings.get('method', '?')} · interactkit {result.version or '?'}"
    )
    data = {"segments": _segment_data(result.glider)}
    return page("interactkit audit", subtitle, doc.parts, data, doc.nav)
