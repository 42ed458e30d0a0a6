"""Typed records of an audit's facts: the data, the model, the crossing experiment.

Each is a frozen dataclass with ``to_dict`` / ``from_dict`` (the JSON of ``audit.json``); the
report and the summary read their attributes, never string keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from interactkit.extend import jsonio

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit.adapters.ctr.data.splits import CTRData
    from interactkit.adapters.ctr.targets.comparison import CrossComparison

__all__ = ["Crossing", "CrossingSummary", "DataInfo", "ModelInfo"]

#: the ways an audited model reads rows (``ModelInfo.inputs``)
MODEL_INPUTS = ("raw", "encoded", "source")


@dataclass(frozen=True)
class DataInfo:
    """The audited data: its spec, fields, split sizes and click rates."""

    spec: str
    name: str
    fields: tuple[str, ...]
    rows: dict[str, int]
    ctr: dict[str, float]

    @classmethod
    def of(cls, data: CTRData, spec: str) -> DataInfo:
        return cls(
            spec=spec,
            name=data.name or spec,
            fields=tuple(data.schema.names),
            rows={"train": len(data.train), "val": len(data.val), "test": len(data.test)},
            ctr={"train": float(data.train.ctr), "test": float(data.test.ctr)},
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "fields": list(self.fields)}

    @classmethod
    def from_dict(cls, data: Any) -> DataInfo:
        data = jsonio.mapping(data, "data")
        return cls(
            spec=str(data["spec"]),
            name=str(data.get("name") or data["spec"]),
            fields=tuple(jsonio.strings(data["fields"], "data fields")),
            rows={str(k): jsonio.integer(v, "rows") for k, v in data["rows"].items()},
            ctr={str(k): jsonio.number(v, "ctr") for k, v in data["ctr"].items()},
        )


@dataclass(frozen=True)
class ModelInfo:
    """The audited model as the audit read it.

    Attributes:
        inputs: ``"raw"`` (the user's rows), ``"encoded"`` (interactkit's encoded rows) or
            ``"source"`` (a source model trained or saved by interactkit).
        note: what it is, in a line (with its test AUC / logloss).
        output: ``"logit"`` or ``"probability"`` (as resolved).
        metrics: test ``auc`` and ``logloss`` of its own predictions.
        off: what "off" means for a raw-row model (None otherwise).
    """

    inputs: str
    note: str
    output: str
    metrics: dict[str, float] = field(default_factory=dict)
    off: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> ModelInfo:
        data = jsonio.mapping(data, "model")
        if data.get("inputs") not in MODEL_INPUTS:
            raise jsonio.FormatError(
                f"model inputs must be one of {MODEL_INPUTS}, got {data.get('inputs')!r}"
            )
        return cls(
            inputs=str(data["inputs"]),
            note=str(data["note"]),
            output=str(data["output"]),
            metrics={
                str(k): jsonio.number(v, "metric")
                for k, v in jsonio.mapping(data.get("metrics"), "metrics").items()
            },
            off=None if data.get("off") is None else str(data["off"]),
        )


@dataclass(frozen=True)
class CrossingSummary:
    """One (target, variant) row of the crossing experiment: means over seeds and the paired
    change against the plain target (``variant`` ``"base"``, ``"glider"`` or ``"random"``)."""

    model: str
    variant: str
    n: int
    auc_mean: float
    auc_std: float | None
    logloss_mean: float
    logloss_std: float | None
    delta_auc_mean: float
    delta_auc_std: float | None
    delta_logloss_mean: float
    delta_logloss_std: float | None

    @classmethod
    def from_dict(cls, data: Any) -> CrossingSummary:
        data = jsonio.mapping(data, "crossing summary")
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = data.get(f.name)
            if f.name in ("model", "variant"):
                values[f.name] = str(raw)
            elif f.name == "n":
                values[f.name] = jsonio.integer(raw, f.name)
            elif f.name.endswith("_std"):
                values[f.name] = jsonio.opt_number(raw, f.name)  # one seed: no spread
            else:
                values[f.name] = jsonio.number(raw, f.name)
        return cls(**values)


@dataclass(frozen=True)
class Crossing:
    """The crossing experiment of an audit.

    Attributes:
        crossed: the GLIDER sets crossed into the targets.
        skipped: selected sets not crossed (single fields, or fields the data lacks).
        random_control: per training seed, the random sets of the same orders.
        summary: one :class:`CrossingSummary` per (target, variant).
        table: one record per (target, variant, seed): ``model``, ``variant``, ``seed``,
            ``auc``, ``logloss`` and the training's own columns (epochs, seconds, ...).
    """

    crossed: list[tuple[str, ...]]
    skipped: list[tuple[str, ...]]
    random_control: dict[str, list[tuple[str, ...]]]
    summary: list[CrossingSummary]
    table: list[dict[str, Any]]

    @classmethod
    def of(cls, comparison: CrossComparison, skipped: list[tuple[str, ...]]) -> Crossing:
        summary = jsonio.jsonable(comparison.summary.to_dict(orient="records"))
        return cls(
            crossed=[tuple(c) for c in comparison.crosses],
            skipped=list(skipped),
            random_control={
                str(s): [tuple(c) for c in r] for s, r in comparison.random_crosses.items()
            },
            summary=[CrossingSummary.from_dict(r) for r in summary],
            table=jsonio.jsonable(comparison.table.to_dict(orient="records")),
        )

    def summary_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([asdict(r) for r in self.summary])

    def table_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.table)

    def to_dict(self) -> dict[str, Any]:
        return jsonio.jsonable(
            {
                "crossed": [list(c) for c in self.crossed],
                "skipped": [list(c) for c in self.skipped],
                "random_control": {s: [list(c) for c in r] for s, r in self.random_control.items()},
                "summary": [asdict(r) for r in self.summary],
                "table": self.table,
            }
        )

    @classmethod
    def from_dict(cls, data: Any) -> Crossing:
        data = jsonio.mapping(data, "crossing")

        def sets(value: Any, what: str) -> list[tuple[str, ...]]:
            return [tuple(jsonio.strings(s, what)) for s in jsonio.sequence(value, what)]

        return cls(
            crossed=sets(data["crossed"], "crossed"),
            skipped=sets(data.get("skipped") or [], "skipped"),
            random_control={
                str(s): sets(r, "random control")
                for s, r in jsonio.mapping(data.get("random_control"), "random_control").items()
            },
            summary=[
                CrossingSummary.from_dict(r) for r in jsonio.sequence(data["summary"], "summary")
            ],
            table=[dict(jsonio.mapping(r, "row")) for r in jsonio.sequence(data["table"], "table")],
        )
