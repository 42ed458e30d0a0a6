"""The result of a global detection (GLIDER): :class:`GlobalExplanation`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from interactkit._utils import jsonio
from interactkit._utils.checks import check_int
from interactkit.results.fidelity import FidelitySummary
from interactkit.results.saved import Saved

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["GlobalExplanation", "GlobalInteraction", "SegmentDifference"]

FORMAT = "interactkit.GlobalExplanation"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class GlobalInteraction:
    """One global interaction: its key (feature names), count over instances and frequency.

    ``ci_low``/``ci_high`` bound the frequency (bootstrap over instances).
    """

    names: tuple[str, ...]
    count: int
    frequency: float
    ci_low: float
    ci_high: float

    @property
    def order(self) -> int:
        return len(self.names)

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "count": self.count,
            "frequency": self.frequency,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlobalInteraction:
        """Rebuild from :meth:`to_dict` output (counts >= 0, shares in [0, 1])."""
        count = jsonio.integer(data["count"], "count")
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        shares = [jsonio.number(data[k], k) for k in ("frequency", "ci_low", "ci_high")]
        for key, value in zip(("frequency", "ci_low", "ci_high"), shares, strict=True):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{key} is a share of the instances, in [0, 1]; got {value}")
        return cls(tuple(jsonio.strings(data["names"], "names")), count, *shares)

    def __str__(self) -> str:
        return (
            f"{{{', '.join(self.names)}}} {self.count} ({self.frequency:.1%}, "
            f"{self.ci_low:.1%}–{self.ci_high:.1%})"
        )


@dataclass(frozen=True)
class SegmentDifference:
    """Frequency of a global interaction in ``segment`` minus its frequency in all others.

    ``ci_low``/``ci_high`` bound the difference (bootstrap over instances within each group,
    Bonferroni-adjusted for the number of differences tested); ``holds`` is True when the
    interval excludes 0.
    """

    names: tuple[str, ...]
    segment: str
    frequency: float
    rest_frequency: float
    difference: float
    ci_low: float
    ci_high: float
    holds: bool

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["names"] = list(self.names)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegmentDifference:
        return cls(
            tuple(jsonio.strings(data["names"], "names")),
            str(data["segment"]),
            *(
                jsonio.number(data[k], k)
                for k in ("frequency", "rest_frequency", "difference", "ci_low", "ci_high")
            ),
            bool(data["holds"]),
        )


@dataclass
class GlobalExplanation(Saved):
    """The global interactions of a model (GLIDER).

    Attributes:
        interactions: selected global interactions, most frequent first.
        feature_names, pair_strength: when every instance has the same features (e.g. the
            fields of a CTR model), the mean over instances of each instance's pairwise NID
            strengths divided by its largest one (``float[n, n]``), else None.
        n_instances: instances explained.
        candidates: the most frequent keys before selection (up to 1000), with counts.
        segments: per-segment global explanations when ``segments`` were given.
        segment_differences: for each selected interaction and segment, its frequency there
            against the other segments, with an interval and whether the difference holds.
        params: settings (k, top, method, detector parameters, bootstrap).
        fidelity: the held-out R^2 of the instances' explanations
            (:class:`~interactkit.results.fidelity.FidelitySummary`), or None.
    """

    FORMAT: ClassVar[str] = FORMAT
    FORMAT_VERSION: ClassVar[int] = FORMAT_VERSION

    interactions: list[GlobalInteraction]
    n_instances: int
    candidates: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    segments: dict[str, GlobalExplanation] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    wall_time: float = 0.0
    model_time: float = 0.0
    n_queries: int = 0
    feature_names: list[str] | None = None
    pair_strength: np.ndarray | None = None
    segment_differences: list[SegmentDifference] = field(default_factory=list)
    fidelity: FidelitySummary | None = None

    def top(self, k: int = 10, order: int | None = None) -> list[GlobalInteraction]:
        """The ``k`` most frequent global interactions (of one ``order`` when given)."""
        k = check_int("k", k, minimum=0)
        if order is not None:
            order = check_int("order", order, minimum=1)
        items = (
            self.interactions
            if order is None
            else [it for it in self.interactions if it.order == order]
        )
        return items[:k]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "interactions": [it.to_dict() for it in self.interactions],
            "n_instances": self.n_instances,
            "candidates": [[list(k), c] for k, c in self.candidates],
            "segments": {str(s): g.to_dict() for s, g in self.segments.items()},
            "params": jsonio.jsonable(self.params),
            "wall_time": self.wall_time,
            "model_time": self.model_time,
            "n_queries": self.n_queries,
            "feature_names": self.feature_names,
            "segment_differences": [d.to_dict() for d in self.segment_differences],
            "fidelity": None if self.fidelity is None else self.fidelity.to_dict(),
            "pair_strength": None
            if self.pair_strength is None
            else np.round(self.pair_strength, 6).tolist(),
        }

    @classmethod
    def _build(cls, data: dict[str, Any]) -> GlobalExplanation:
        names = data.get("feature_names")
        names = None if names is None else jsonio.strings(names, "feature_names")
        pair_strength = None
        if data.get("pair_strength") is not None:
            rows = data["pair_strength"]
            if not isinstance(rows, list):
                raise TypeError("pair_strength must be a list of rows")
            pair_strength = np.stack([jsonio.numbers(r, "pair_strength", len(rows)) for r in rows])
            if names is not None and pair_strength.shape[0] != len(names):
                raise ValueError("pair_strength does not match feature_names")
        return cls(
            interactions=[GlobalInteraction.from_dict(d) for d in data["interactions"]],
            n_instances=_count(data["n_instances"], "n_instances"),
            candidates=[
                (tuple(jsonio.strings(k, "candidate")), jsonio.integer(c, "candidate count"))
                for k, c in data.get("candidates", [])
            ],
            segments={
                str(s): cls._build(g)
                for s, g in jsonio.mapping(data.get("segments"), "segments").items()
            },
            params=jsonio.mapping(data.get("params"), "params"),
            wall_time=jsonio.number(data.get("wall_time", 0.0), "wall_time"),
            model_time=jsonio.number(data.get("model_time", 0.0), "model_time"),
            n_queries=jsonio.integer(data.get("n_queries", 0), "n_queries"),
            feature_names=names,
            pair_strength=pair_strength,
            segment_differences=[
                SegmentDifference.from_dict(d) for d in data.get("segment_differences", [])
            ],
            fidelity=None
            if data.get("fidelity") is None
            else FidelitySummary.from_dict(data["fidelity"]),
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per global interaction (and per segment, with a ``segment`` column)."""
        import pandas as pd

        def rows(g: GlobalExplanation, segment: str | None) -> list[dict[str, Any]]:
            return [
                {
                    **({"segment": segment} if segment is not None else {}),
                    "rank": r,
                    "interaction": ", ".join(it.names),
                    "order": it.order,
                    "count": it.count,
                    "frequency": it.frequency,
                    "ci_low": it.ci_low,
                    "ci_high": it.ci_high,
                }
                for r, it in enumerate(g.interactions, start=1)
            ]

        if self.segments:
            return pd.DataFrame([r for s, g in self.segments.items() for r in rows(g, s)])
        return pd.DataFrame(rows(self, None))

    def __repr__(self) -> str:
        top = ", ".join(str(it) for it in self.interactions[:3])
        seg = f", segments={list(self.segments)}" if self.segments else ""
        return (
            f"GlobalExplanation(n_instances={self.n_instances}, "
            f"n_interactions={len(self.interactions)}{seg}, top=[{top}])"
        )


def _count(value: Any, name: str) -> int:
    """A count read from saved data: an int >= 0."""
    count = jsonio.integer(value, name)
    if count < 0:
        raise ValueError(f"{name} must be >= 0, got {count}")
    return count
