"""The result of an ad-model audit: what :func:`~interactkit.adapters.ctr.audit` computed.

:class:`AuditResult` holds the global interactions (a GLIDER
:class:`~interactkit.GlobalExplanation`), one impression's local explanation, the crossing
experiment's table, the planted recall when the truth is known, the settings and the timings.
It is saved as versioned JSON (``audit.json``, format ``"interactkit.audit"``) and read back with
:meth:`AuditResult.from_json`; version 1 files (written by the CLI before this class) read too.

:meth:`AuditResult.save` writes ``audit.json`` and ``glider.json`` (and the trained source
model) **before** anything that can fail late: figures and the HTML report are drawn by a
``render`` function of the application layer (``interactkit.cli.audit_report.render_audit``;
adapters never import visualizers), and if it fails, the error says where the JSON files are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from interactkit import GlobalChange, GlobalExplanation, LocalExplanation, Replication
from interactkit.extend import Saved, jsonio

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit import FeatureSpace
    from interactkit.adapters.ctr.targets.comparison import CrossComparison
    from interactkit.adapters.ctr.targets.source import SourceModel

__all__ = ["AUDIT_FORMAT", "AUDIT_VERSION", "AuditResult", "AuditSaveError", "Renderer"]

AUDIT_FORMAT = "interactkit.audit"
AUDIT_VERSION = 3  # 2: the model's inputs, output kind and baseline; 3: replication, changes,
# pair effects, attribution consistency

_STATUSES = ("appeared", "vanished", "changed", "stable")

Renderer = Callable[["AuditResult", Path], dict[str, str]]
"""``render(result, out) -> {file name: caption}``: writes the figures and ``report.html``."""


class AuditSaveError(RuntimeError):
    """Figures or the report failed; the JSON results were written (the message says where)."""


@dataclass
class AuditResult(Saved):
    """Everything an audit computed (see the module docstring).

    Attributes:
        settings: the audit's settings (data spec, instances, method, k, seed, baseline, ...).
        data: ``{"spec", "name", "fields", "rows": {split: n}, "ctr": {split: rate}}``.
        model: ``{"inputs": "raw" | "encoded" | "source", "note", "metrics", "output",
            "baseline"}`` (``baseline`` for raw-row models only).
        glider: the global interactions.
        example_row: readable field values of the explained example impression.
        example: that impression's local explanation.
        crossing: ``{"crossed", "skipped", "random_control", "table", "summary"}`` (tables as
            lists of records), or None when no target was trained.
        ground_truth: :func:`~interactkit.adapters.ctr.ground_truth_report` of the
            planted interactions (synthetic data), or None.
        timings: seconds per step (``data``, ``source_model``, ``glider``, ``targets``, ``total``).
        replication: GLIDER repeated on disjoint holdout halves and detector seeds
            (:class:`~interactkit.Replication`), or None when not run.
        changes: against an earlier audit (``compared_to``: its folder), per interaction whether
            it appeared, vanished, changed or is stable (:class:`~interactkit.GlobalChange`).
        pair_effects: how the top pairs interact, one record per pair: ``{"fields": [a, b],
            "values_a": [...], "values_b": [...]`` (the most frequent values of each),
            ``"mean"`` (len(values_a) x len(values_b): the model's mean click probability with
            the two fields set to those values, over ``n_rows`` rows), ``"effect"`` (the same
            table's interaction part: ``mean - row mean - column mean + grand mean``),
            ``"support": [[rows of the data with that combination]], "n_rows"}``.
        consistency: whether main effects agree across attribution methods: ``{"methods",
            "instances", "k", "top_k_agreement", "fields": [{"field", "mean_abs": {method:
            value}, "sign_agreement", "consistent"}]}``, or None.
        version: the interactkit version that ran the audit.
        space, comparison, source: the example's feature space, the crossing comparison and a
            source model trained by the audit (kept in memory, not in JSON).
    """

    FORMAT: ClassVar[str] = AUDIT_FORMAT
    FORMAT_VERSION: ClassVar[int] = AUDIT_VERSION

    settings: dict[str, Any]
    data: dict[str, Any]
    model: dict[str, Any]
    glider: GlobalExplanation
    example_row: dict[str, str]
    example: LocalExplanation
    crossing: dict[str, Any] | None = None
    ground_truth: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    version: str = ""
    replication: Replication | None = None
    changes: list[GlobalChange] | None = None
    compared_to: str | None = None
    pair_effects: list[dict[str, Any]] = field(default_factory=list)
    consistency: dict[str, Any] | None = None
    space: FeatureSpace | None = field(default=None, repr=False, compare=False)
    comparison: CrossComparison | None = field(default=None, repr=False, compare=False)
    source: SourceModel | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ reading
    @property
    def interactions(self) -> list[tuple[str, ...]]:
        """The selected global interactions (field-name tuples), most frequent first."""
        return [tuple(it.names) for it in self.glider.interactions]

    @property
    def planted_recall(self) -> float | None:
        """Share of the planted interactions selected exactly (None without a planted truth)."""
        return None if self.ground_truth is None else self.ground_truth["recall_exact"]

    def crossing_summary(self) -> pd.DataFrame | None:
        """Per (target, variant): mean test AUC / logloss and the change against the base."""
        import pandas as pd

        return None if self.crossing is None else pd.DataFrame(self.crossing["summary"])

    def crossing_table(self) -> pd.DataFrame | None:
        """One row per (target, variant, seed) of the crossing experiment."""
        import pandas as pd

        return None if self.crossing is None else pd.DataFrame(self.crossing["table"])

    def summary(self, top: int = 10) -> str:
        """A few lines: the top interactions, the planted recall and the crossing gains."""
        lines = ["top global interactions:"]
        for r, it in enumerate(self.glider.interactions[:top], 1):
            lines.append(
                f"  {r:2d}. {', '.join(it.names):50s} {it.frequency:6.1%} "
                f"[{it.ci_low:.1%}, {it.ci_high:.1%}]"
            )
        truth = self.ground_truth
        if truth:
            ranks = ", ".join(str(r["exact_rank"] or "–") for r in truth["planted"])
            lines.append(
                f"planted interactions found: {truth['recall_exact']:.0%} exactly (ranks "
                f"{ranks}), {truth['recall_contained']:.0%} contained in a selected set"
            )
        lines.extend(self.findings_lines(top))
        if self.crossing is not None:
            lines.append("target models, mean test AUC (ΔAUC vs base):")
            for row in self.crossing["summary"]:
                lines.append(
                    f"  {row['model']:8s} {row['variant']:7s} {row['auc_mean']:.4f} "
                    f"({row['delta_auc_mean']:+.4f})"
                )
        return "\n".join(lines)

    def findings_lines(self, top: int = 10) -> list[str]:
        """Summary lines of the replication, the segment differences that hold, the changes
        against an earlier audit, the pair effects and the attribution consistency."""
        lines = []
        rep = self.replication
        if rep is not None and rep.replicates:
            shown = self.glider.interactions[:top]
            stable = [it for it in shown if rep.stability(it.names) >= 1]
            lines.append(
                f"replication: {rep.n_replicates} replicates, top-{rep.k} agreement "
                f"{rep.agreement:.0%}; {len(stable)} of the top {len(shown)} "
                "selected in every replicate"
            )
        held = [d for d in self.glider.segment_differences if d.holds]
        if self.glider.segment_differences:
            lines.append(
                f"segment differences that hold: {len(held)} of "
                f"{len(self.glider.segment_differences)}"
            )
            for d in held[:top]:
                lines.append(
                    f"  {', '.join(d.names):40s} {d.segment}: {d.frequency:.0%} vs "
                    f"{d.rest_frequency:.0%} elsewhere ({d.difference:+.0%})"
                )
        if self.changes is not None:
            counts = {s: [c for c in self.changes if c.status == s] for s in _STATUSES}
            lines.append(
                f"against {self.compared_to}: "
                + ", ".join(f"{len(v)} {s}" for s, v in counts.items())
            )
            for status in ("appeared", "vanished", "changed"):
                for c in counts[status][: min(top, 5)]:
                    old = "–" if c.old_frequency is None else f"{c.old_frequency:.0%}"
                    new = "–" if c.new_frequency is None else f"{c.new_frequency:.0%}"
                    lines.append(f"  {status:8s} {', '.join(c.names):40s} {old} -> {new}")
        for eff in self.pair_effects:
            spread = max((abs(v) for row in eff["effect"] for v in row), default=0.0)
            lines.append(
                f"pair {' x '.join(eff['fields'])}: largest interaction effect "
                f"{spread:.4f} (click probability, {eff['n_rows']} rows)"
            )
        cons = self.consistency
        if cons is not None:
            bad = [f["field"] for f in cons["fields"] if not f["consistent"]]
            lines.append(
                f"attribution consistency ({', '.join(cons['methods'])}; {cons['instances']} "
                f"impressions): top-{cons['k']} agreement {cons['top_k_agreement']:.0%}, "
                f"{len(cons['fields']) - len(bad)} of {len(cons['fields'])} fields consistent"
                + (f" (not: {', '.join(bad[:6])})" if bad else "")
            )
        return lines

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        return jsonio.jsonable(
            {
                "format": AUDIT_FORMAT,
                "version": AUDIT_VERSION,
                "interactkit": self.version,
                "settings": self.settings,
                "data": self.data,
                "source_model": self.model,
                "glider": self.glider.to_dict(),
                "example": {"row": self.example_row, "explanation": self.example.to_dict()},
                "crossing": self.crossing,
                "ground_truth": self.ground_truth,
                "timings_seconds": self.timings,
                "replication": None if self.replication is None else self.replication.to_dict(),
                "changes": None if self.changes is None else [c.to_dict() for c in self.changes],
                "compared_to": self.compared_to,
                "pair_effects": self.pair_effects,
                "consistency": self.consistency,
            }
        )

    @classmethod
    def _build(cls, data: dict[str, Any]) -> AuditResult:
        example = jsonio.mapping(data["example"], "example")
        row = jsonio.mapping(example.get("row"), "example row")
        return cls(
            settings=jsonio.mapping(data["settings"], "settings"),
            data=jsonio.mapping(data["data"], "data"),
            model=jsonio.mapping(data["source_model"], "source_model"),
            glider=GlobalExplanation.from_dict(data["glider"]),
            example_row={str(k): str(v) for k, v in row.items()},
            example=LocalExplanation.from_dict(example["explanation"]),
            crossing=None if data.get("crossing") is None else dict(data["crossing"]),
            ground_truth=None if data.get("ground_truth") is None else dict(data["ground_truth"]),
            timings={
                str(k): jsonio.number(v, "timing")
                for k, v in jsonio.mapping(data.get("timings_seconds"), "timings").items()
            },
            version=str(data.get("interactkit", "")),
            replication=None
            if data.get("replication") is None
            else Replication.from_dict(data["replication"]),
            changes=None
            if data.get("changes") is None
            else [GlobalChange.from_dict(c) for c in jsonio.sequence(data["changes"], "changes")],
            compared_to=None if data.get("compared_to") is None else str(data["compared_to"]),
            pair_effects=[
                dict(jsonio.mapping(r, "pair effect"))
                for r in jsonio.sequence(data.get("pair_effects") or [], "pair_effects")
            ],
            consistency=None
            if data.get("consistency") is None
            else dict(jsonio.mapping(data["consistency"], "consistency")),
        )

    # ------------------------------------------------------------------ files
    def save(self, out: str | Path, render: Renderer | None = None) -> dict[str, Path]:
        """Write the audit to the folder ``out``; the JSON files first.

        Writes ``audit.json`` (this result), ``glider.json`` (the
        :class:`~interactkit.GlobalExplanation`) and, for a source model the audit trained,
        ``source_model.pt`` (``torch.load(..., weights_only=True)``); then ``render(self, out)``
        draws the figures and ``report.html`` (the CLI passes
        ``interactkit.cli.audit_report.render_audit``).

        Returns:
            ``{name: path}`` of the files written.

        Raises:
            AuditSaveError: ``render`` failed; the JSON files are written and named.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = {"glider.json": out / "glider.json", "audit.json": out / "audit.json"}
        self.glider.to_json(written["glider.json"])
        self.to_json(written["audit.json"], indent=1)
        if self.source is not None:
            written["source_model.pt"] = out / "source_model.pt"
            self.source.save(written["source_model.pt"], data=str(self.settings.get("data")))
        if render is not None:
            try:
                names = render(self, out)
            except Exception as err:
                raise AuditSaveError(
                    f"the figures/report failed ({type(err).__name__}: {err}); the results are "
                    f"saved in {written['audit.json']} and {written['glider.json']}"
                ) from err
            written.update({name: out / name for name in names})
            written["report.html"] = out / "report.html"
        return written
