"""The result of an ad-model audit: what :func:`~interactkit.adapters.ctr.audit` computed.

:class:`AuditResult` holds the config it ran with (:class:`~interactkit.adapters.ctr.AuditConfig`),
typed records of the data, the model and the crossing experiment
(:mod:`~interactkit.adapters.ctr.audit.records`), the global interactions (a GLIDER
:class:`~interactkit.GlobalExplanation`) with their replication and changes, one impression's
local explanation, the pair effects, the attribution consistency and the timings. It is saved as
versioned JSON (``audit.json``, format ``"interactkit.audit"``) and read back with
:meth:`AuditResult.from_json`.

:meth:`AuditResult.save` writes data only (``audit.json``, ``glider.json``, a trained source
model); figures and ``report.html`` are the report's (:mod:`interactkit.visualizers.report`),
which the CLI writes after saving.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from interactkit import Consistency, GlobalChange, GlobalExplanation, LocalExplanation, Replication
from interactkit.adapters.ctr.audit.config import AuditConfig
from interactkit.adapters.ctr.audit.pair_effects import PairEffect
from interactkit.adapters.ctr.audit.records import Crossing, DataInfo, ModelInfo
from interactkit.adapters.ctr.data.planted import PlantedRecall
from interactkit.extend import Saved, jsonio

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit import FeatureSpace
    from interactkit.adapters.ctr.targets.comparison import CrossComparison
    from interactkit.adapters.ctr.targets.source import SourceModel

__all__ = [
    "AUDIT_FORMAT",
    "AUDIT_VERSION",
    "AuditResult",
    "load_previous_audit",
    "load_previous_glider",
    "read_config",
]

AUDIT_FORMAT = "interactkit.audit"
AUDIT_VERSION = 4  # 2: the model's inputs, output kind and baseline; 3: replication, changes,
# pair effects, attribution consistency; 4: the AuditConfig and typed records

_STATUSES = ("appeared", "vanished", "changed", "stable")


@dataclass
class AuditResult(Saved):
    """Everything an audit computed (see the module docstring).

    Attributes:
        config: the settings it ran with.
        data: the audited data (:class:`~interactkit.adapters.ctr.audit.records.DataInfo`).
        model: the audited model as read
            (:class:`~interactkit.adapters.ctr.audit.records.ModelInfo`).
        glider: the global interactions.
        example_row: readable field values of the explained example impression.
        example: that impression's local explanation, by exactly GLIDER's detector.
        crossing: the crossing experiment
            (:class:`~interactkit.adapters.ctr.audit.records.Crossing`), or None when no
            target was trained.
        ground_truth: recall of the planted interactions (synthetic data), or None.
        timings: seconds per step (``data``, ``source_model``, ``glider``, ``replication``,
            ``pair_effects``, ``consistency``, ``targets``, ``total``).
        replication: GLIDER repeated on disjoint holdout halves and detector seeds, or None.
        changes: against the earlier audit ``config.findings.compare_to``, per interaction
            whether it appeared, vanished, changed or is stable, or None.
        compared_settings: the settings in which that earlier audit differed (None when its
            config is not known: a ``glider.json`` alone or an older ``audit.json``).
        pair_effects: how the top pairs interact (one
            :class:`~interactkit.adapters.ctr.audit.pair_effects.PairEffect` each).
        consistency: whether main effects agree across attribution methods, or None.
        version: the interactkit version that ran the audit.
        space, comparison, source: the example's feature space, the crossing comparison and a
            source model trained by the audit (kept in memory, not in JSON).
    """

    FORMAT: ClassVar[str] = AUDIT_FORMAT
    FORMAT_VERSION: ClassVar[int] = AUDIT_VERSION

    config: AuditConfig
    data: DataInfo
    model: ModelInfo
    glider: GlobalExplanation
    example_row: dict[str, str]
    example: LocalExplanation
    crossing: Crossing | None = None
    ground_truth: PlantedRecall | None = None
    timings: dict[str, float] = field(default_factory=dict)
    version: str = ""
    replication: Replication | None = None
    changes: list[GlobalChange] | None = None
    compared_settings: list[str] | None = None
    pair_effects: list[PairEffect] = field(default_factory=list)
    consistency: Consistency | None = None
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
        return None if self.ground_truth is None else self.ground_truth.recall_exact

    def crossing_summary(self) -> pd.DataFrame | None:
        """Per (target, variant): mean test AUC / logloss and the change against the base."""
        return None if self.crossing is None else self.crossing.summary_frame()

    def crossing_table(self) -> pd.DataFrame | None:
        """One row per (target, variant, seed) of the crossing experiment."""
        return None if self.crossing is None else self.crossing.table_frame()

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
            ranks = ", ".join(str(r.exact_rank or "–") for r in truth.planted)
            lines.append(
                f"planted interactions found: {truth.recall_exact:.0%} exactly (ranks "
                f"{ranks}), {truth.recall_contained:.0%} contained in a selected set"
            )
        lines.extend(self.findings_lines(top))
        if self.crossing is not None:
            lines.append("target models, mean test AUC (ΔAUC vs base):")
            for row in self.crossing.summary:
                lines.append(
                    f"  {row.model:8s} {row.variant:7s} {row.auc_mean:.4f} "
                    f"({row.delta_auc_mean:+.4f})"
                )
        return "\n".join(lines)

    def findings_lines(self, top: int = 10) -> list[str]:
        """Summary lines of the explanations' fidelity, the replication, the segment differences
        that hold, the changes against an earlier audit, the pair effects and the attribution
        consistency."""
        lines = []
        fid = self.glider.fidelity
        if fid is not None:
            lines.append(
                f"fidelity: median held-out R^2 {fid.r2_median:.2f} with the detected "
                f"interactions, {fid.r2_main_median:.2f} with main effects only ({fid.n} "
                "impressions)"
            )
            lines.extend(f"  warning: {w}" for w in fid.warnings)
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
            differ = self.compared_settings
            note = "" if not differ else f" (its settings differ: {', '.join(differ)})"
            lines.append(
                f"against {self.config.findings.compare_to}{note}: "
                + ", ".join(f"{len(v)} {s}" for s, v in counts.items())
            )
            for status in ("appeared", "vanished", "changed"):
                for c in counts[status][: min(top, 5)]:
                    old = "–" if c.old_frequency is None else f"{c.old_frequency:.0%}"
                    new = "–" if c.new_frequency is None else f"{c.new_frequency:.0%}"
                    lines.append(f"  {status:8s} {', '.join(c.names):40s} {old} -> {new}")
        for eff in self.pair_effects:
            lines.append(
                f"pair {' x '.join(eff.fields)}: largest interaction effect "
                f"{eff.largest_effect:.4f} (click probability, {eff.n_rows} rows)"
            )
        cons = self.consistency
        if cons is not None:
            bad = cons.inconsistent
            lines.append(
                f"attribution consistency ({', '.join(cons.methods)}; {cons.instances} "
                f"impressions): top-{cons.k} agreement {cons.top_k_agreement:.0%}, "
                f"{len(cons.features) - len(bad)} of {len(cons.features)} fields consistent"
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
                "config": self.config.to_dict(),
                "data": self.data.to_dict(),
                "model": self.model.to_dict(),
                "glider": self.glider.to_dict(),
                "example": {"row": self.example_row, "explanation": self.example.to_dict()},
                "crossing": None if self.crossing is None else self.crossing.to_dict(),
                "ground_truth": None if self.ground_truth is None else self.ground_truth.to_dict(),
                "timings_seconds": self.timings,
                "replication": None if self.replication is None else self.replication.to_dict(),
                "changes": None if self.changes is None else [c.to_dict() for c in self.changes],
                "compared_settings": self.compared_settings,
                "pair_effects": [e.to_dict() for e in self.pair_effects],
                "consistency": None if self.consistency is None else self.consistency.to_dict(),
            }
        )

    @classmethod
    def _build(cls, data: dict[str, Any]) -> AuditResult:
        example = jsonio.mapping(data["example"], "example")
        row = jsonio.mapping(example.get("row"), "example row")

        def optional(key: str, read: Any) -> Any:
            return None if data.get(key) is None else read(data[key])

        return cls(
            config=AuditConfig.from_dict(jsonio.mapping(data["config"], "config")),
            data=DataInfo.from_dict(data["data"]),
            model=ModelInfo.from_dict(data["model"]),
            glider=GlobalExplanation.from_dict(data["glider"]),
            example_row={str(k): str(v) for k, v in row.items()},
            example=LocalExplanation.from_dict(example["explanation"]),
            crossing=optional("crossing", Crossing.from_dict),
            ground_truth=optional("ground_truth", PlantedRecall.from_dict),
            timings={
                str(k): jsonio.number(v, "timing")
                for k, v in jsonio.mapping(data.get("timings_seconds"), "timings").items()
            },
            version=str(data.get("interactkit", "")),
            replication=optional("replication", Replication.from_dict),
            changes=optional(
                "changes",
                lambda v: [GlobalChange.from_dict(c) for c in jsonio.sequence(v, "changes")],
            ),
            compared_settings=optional(
                "compared_settings", lambda v: jsonio.strings(v, "compared_settings")
            ),
            pair_effects=[
                PairEffect.from_dict(r)
                for r in jsonio.sequence(data.get("pair_effects") or [], "pair_effects")
            ],
            consistency=optional("consistency", Consistency.from_dict),
        )

    # ------------------------------------------------------------------ files
    def save(self, out: str | Path) -> dict[str, Path]:
        """Write the audit's data to the folder ``out``: ``audit.json`` (this result),
        ``glider.json`` (the :class:`~interactkit.GlobalExplanation`) and, for a source model
        the audit trained, ``source_model.pt`` (``torch.load(..., weights_only=True)``).

        Figures and ``report.html`` are the report's:
        ``interactkit.visualizers.report.write_audit_report(result, out)``.

        Returns:
            ``{name: path}`` of the files written.
        """
        out = Path(out).expanduser()
        out.mkdir(parents=True, exist_ok=True)
        written = {"glider.json": out / "glider.json", "audit.json": out / "audit.json"}
        self.glider.to_json(written["glider.json"])
        self.to_json(written["audit.json"], indent=1)
        if self.source is not None:
            written["source_model.pt"] = out / "source_model.pt"
            self.source.save(written["source_model.pt"], data=self.data.spec)
        return written


def load_previous_glider(path: str | Path) -> GlobalExplanation:
    """The GLIDER result of an earlier audit: its folder (``audit.json`` or ``glider.json``) or
    one of those files. Reads the GLIDER part of any version of ``audit.json``.

    Raises:
        FileNotFoundError: nothing of an audit there.
    """
    return load_previous_audit(path)[0]


def load_previous_audit(path: str | Path) -> tuple[GlobalExplanation, AuditConfig | None]:
    """An earlier audit's GLIDER result and the config it ran with (None for a ``glider.json``
    alone or an ``audit.json`` written before the config existed). Arguments as
    :func:`load_previous_glider`."""
    path = Path(path).expanduser()
    folder = path if path.is_dir() else path.parent
    candidates = [path] if path.is_file() else [folder / "audit.json", folder / "glider.json"]
    for file in candidates:
        if not file.is_file():
            continue
        data, where = jsonio.load(file, "an audit")
        if isinstance(data, dict) and data.get("format") == AUDIT_FORMAT:
            with jsonio.fields_of(where):
                glider = GlobalExplanation.from_dict(jsonio.mapping(data["glider"], "glider"))
                config = data.get("config")
                return glider, None if config is None else AuditConfig.from_dict(config)
        return GlobalExplanation.from_json(file), None
    what = "folder" if path.is_dir() else "path" if not path.exists() else "file"
    raise FileNotFoundError(
        f"--compare {path}: no earlier audit there (the {what} has no audit.json or glider.json"
        "; give the --out folder of an earlier `interactkit audit`)"
    )


def read_config(path: str | Path) -> AuditConfig:
    """The config of an earlier audit (its folder or ``audit.json``) or of a JSON file holding
    :meth:`AuditConfig.to_dict`'s output: what ``interactkit audit --config`` reruns with.

    Raises:
        FileNotFoundError: no such file or folder.
        ValueError: the file holds no config (a damaged or older audit, another JSON).
    """
    path = Path(path).expanduser()
    file = path / "audit.json" if path.is_dir() else path
    data, where = jsonio.load(file, "--config")
    if isinstance(data, dict) and data.get("format") == AUDIT_FORMAT:
        data = data.get("config")
    if not isinstance(data, dict):
        raise ValueError(f"--config {where}: holds no audit config (an audit.json of version 4+)")
    return AuditConfig.from_dict(data)
