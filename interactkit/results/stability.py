"""Results that say whether a global finding holds: replication and change between runs.

(Segment differences, :class:`~interactkit.results.SegmentDifference`, live in the
:class:`~interactkit.results.GlobalExplanation` of a segmented run.)

* :class:`Replication` -- how often each global interaction is selected again on disjoint halves
  of the instances and with other detector seeds (:func:`interactkit.replicate`);
* :class:`GlobalChange` -- how an interaction's frequency changed between two runs
  (:func:`interactkit.compare_global`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from interactkit._utils import jsonio
from interactkit.results.global_explanation import GlobalExplanation
from interactkit.results.saved import Saved

__all__ = ["GlobalChange", "Replication"]


@dataclass(frozen=True)
class GlobalChange:
    """How a global interaction differs between an old and a new run (e.g. a retrained model).

    ``status`` is ``"appeared"`` (selected now, not before), ``"vanished"``, ``"changed"``
    (selected in both, frequency changed beyond the two runs' intervals) or ``"stable"``.
    """

    names: tuple[str, ...]
    status: str
    old_frequency: float | None
    new_frequency: float | None
    change: float | None
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["names"] = list(self.names)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlobalChange:
        """Read back :meth:`to_dict`'s output (a JSON object)."""
        data = jsonio.mapping(data, "change")
        return cls(
            names=tuple(jsonio.strings(data.get("names"), "change names")),
            status=str(data.get("status")),
            old_frequency=jsonio.opt_number(data.get("old_frequency"), "old_frequency"),
            new_frequency=jsonio.opt_number(data.get("new_frequency"), "new_frequency"),
            change=jsonio.opt_number(data.get("change"), "change"),
            significant=bool(data.get("significant")),
        )


@dataclass
class Replication(Saved):
    """GLIDER repeated on disjoint halves of the instances and with other detector seeds.

    Attributes:
        full: the GLIDER result on every instance with the first seed.
        replicates: per replicate, ``{"seed", "half", "n_instances", "interactions"}`` (the
            selected interactions' names, in order).
        selected: per interaction (of any replicate or of ``full``), in how many replicates it
            was selected, most stable first.
        agreement: mean over replicate pairs of the top-``k`` agreement
            ``|A ∩ B| / k`` of their selections.
        k: the number of interactions selected per replicate.
    """

    FORMAT: ClassVar[str] = "interactkit.Replication"
    FORMAT_VERSION: ClassVar[int] = 1

    full: GlobalExplanation
    replicates: list[dict[str, Any]]
    selected: list[tuple[tuple[str, ...], int]]
    agreement: float
    k: int
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def n_replicates(self) -> int:
        return len(self.replicates)

    def stability(self, names: tuple[str, ...]) -> float:
        """Share of replicates that selected ``names``."""
        found = dict(self.selected).get(tuple(names), 0)
        return found / self.n_replicates if self.replicates else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.FORMAT,
            "version": self.FORMAT_VERSION,
            "full": self.full.to_dict(),
            "replicates": jsonio.jsonable(self.replicates),
            "selected": [[list(k), c] for k, c in self.selected],
            "agreement": self.agreement,
            "k": self.k,
            "params": jsonio.jsonable(self.params),
        }

    @classmethod
    def _build(cls, data: dict[str, Any]) -> Replication:
        return cls(
            full=GlobalExplanation.from_dict(data["full"]),
            replicates=list(data["replicates"]),
            selected=[
                (tuple(jsonio.strings(k, "selected")), jsonio.integer(c, "count"))
                for k, c in data["selected"]
            ],
            agreement=jsonio.number(data["agreement"], "agreement"),
            k=jsonio.integer(data["k"], "k"),
            params=jsonio.mapping(data.get("params"), "params"),
        )
