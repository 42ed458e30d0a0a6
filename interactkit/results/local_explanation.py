"""The result of a local detection: :class:`LocalExplanation`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from interactkit._utils import jsonio
from interactkit._utils.checks import check_int
from interactkit.results.fidelity import Fidelity
from interactkit.results.interaction import Interaction, PairList, make_interactions
from interactkit.results.saved import Saved

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Interaction", "LocalExplanation", "PairList", "make_interactions"]

FORMAT = "interactkit.LocalExplanation"
FORMAT_VERSION = 1


def feature_index(feature: Any, names: Sequence[str]) -> int:
    """The index of a feature given by index (negative counts from the end) or by name.

    Raises:
        IndexError: an index outside ``-n .. n-1``. KeyError: no feature of that name.
        TypeError: neither an int nor a str.
    """
    n = len(names)
    if isinstance(feature, (int, np.integer)) and not isinstance(feature, bool):
        if not -n <= int(feature) < n:
            raise IndexError(f"feature index {feature} is out of range for {n} features")
        return int(feature) % n
    if isinstance(feature, str):
        try:
            return list(names).index(feature)
        except ValueError:
            shown = ", ".join(repr(x) for x in names[:10]) + (", ..." if n > 10 else "")
            raise KeyError(f"no feature named {feature!r}; the features are {shown}") from None
    raise TypeError(f"a feature is an index or a name, got {type(feature).__name__}")


def _named(interaction: Interaction, names: Sequence[str]) -> Interaction:
    """``interaction`` if its names are those of its feature indices (a saved file that says
    otherwise is damaged)."""
    expected = tuple(names[i] for i in interaction.features)
    if interaction.names != expected:
        raise ValueError(
            f"interaction {list(interaction.names)} does not match the names of its features "
            f"{list(interaction.features)} ({list(expected)})"
        )
    return interaction


@dataclass
class LocalExplanation(Saved):
    """Interactions and main effects of one instance (or one function, for NID on data).

    Attributes:
        method: ``"madex"``, ``"archdetect"`` or ``"nid"``.
        feature_names: one name per feature.
        interactions: ranked interaction sets of any order (MADEX, NID) or ranked pairs
            (ArchDetect), strongest first.
        pair_list: every pair (up to ``max_pairs``) ranked by pairwise strength, as a
            :class:`PairList` (a list given here is converted).
        main_effects: ``float[n_features]``, signed effect of each feature on the output
            (MADEX: ridge coefficients in output units; ArchDetect: f(only i on) - f(all off)).
        detected: the interactions judged real (MADEX: the ridge cut-off's top ``cutoff`` sets
            after overlap merging, with effects), or None when the method has no cut-off.
        cutoff: ``s*`` of the ridge cut-off (MADEX), else None.
        fidelity: held-out R^2 of main effects plus the detected sets, and of main effects
            only (:class:`~interactkit.results.fidelity.Fidelity`), or None.
        n_queries: distinct model queries spent.
        surrogate_fit: MADEX/NID surrogate diagnostics (validation/test R^2, epochs), else {}.
        value: model output of the instance (all features on), if queried.
        baseline_value: model output with every feature off, if queried.
        wall_time: seconds spent on this explanation (amortised over a batch in explain_many).
        model_time: seconds spent inside the value function.
        seed: the seed this instance used.
        params: the detector's settings.
    """

    FORMAT: ClassVar[str] = FORMAT
    FORMAT_VERSION: ClassVar[int] = FORMAT_VERSION

    method: str
    feature_names: list[str]
    interactions: list[Interaction]
    pair_list: Sequence[Interaction]
    main_effects: np.ndarray
    detected: list[Interaction] | None = None
    cutoff: int | None = None
    fidelity: Fidelity | None = None
    n_queries: int = 0
    surrogate_fit: dict[str, Any] = field(default_factory=dict)
    value: float | None = None
    baseline_value: float | None = None
    wall_time: float = 0.0
    model_time: float = 0.0
    seed: int | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pair_list = PairList.of(self.pair_list, self.feature_names)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    # ------------------------------------------------------------------ queries
    def top(
        self, k: int = 10, order: int | None = None, detected: bool = False
    ) -> list[Interaction]:
        """The ``k`` strongest interactions.

        Args:
            k: how many.
            order: only sets of this size (e.g. 2 for pairs).
            detected: take them from :attr:`detected` (after the cut-off) instead of the ranking.
        """
        k = check_int("k", k, minimum=0)
        if order is not None:
            order = check_int("order", order, minimum=1)
        source = self.interactions
        if detected:
            if self.detected is None:
                raise ValueError(f"method {self.method!r} has no cut-off; use detected=False")
            source = self.detected
        if order is not None:
            source = [it for it in source if it.order == order]
        return source[:k]

    def pairs(self, k: int | None = None) -> list[Interaction]:
        """Pairwise interactions ranked by pairwise strength (all stored pairs if ``k`` is None)."""
        if k is None:
            return list(self.pair_list)
        return list(self.pair_list[: check_int("k", k, minimum=0)])

    def pair_matrix(self) -> np.ndarray:
        """Symmetric ``[n, n]`` pairwise strength matrix (zero for pairs not stored)."""
        return PairList.of(self.pair_list, self.feature_names).matrix(self.n_features)

    def main_effect(self, feature: int | str) -> float:
        """The main effect of a feature given by index (negative counts from the end) or name.

        Raises:
            IndexError: an index outside the features. KeyError: no feature of that name.
        """
        return float(self.main_effects[feature_index(feature, self.feature_names)])

    # ------------------------------------------------------------------ export
    def to_dict(self) -> dict[str, Any]:
        pairs, pair_effects = PairList.of(self.pair_list, self.feature_names).to_lists()
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "method": self.method,
            "feature_names": list(self.feature_names),
            "interactions": [it.to_dict() for it in self.interactions],
            "pairs": pairs,
            "pair_effects": pair_effects,
            "main_effects": [float(v) for v in self.main_effects],
            "detected": None if self.detected is None else [it.to_dict() for it in self.detected],
            "cutoff": self.cutoff,
            "fidelity": None if self.fidelity is None else self.fidelity.to_dict(),
            "n_queries": self.n_queries,
            "surrogate_fit": jsonio.jsonable(self.surrogate_fit),
            "value": self.value,
            "baseline_value": self.baseline_value,
            "wall_time": self.wall_time,
            "model_time": self.model_time,
            "seed": self.seed,
            "params": jsonio.jsonable(self.params),
        }

    @classmethod
    def _build(cls, data: dict[str, Any]) -> LocalExplanation:
        names = jsonio.strings(data["feature_names"], "feature_names")
        n = len(names)
        if not isinstance(data["method"], str):
            raise TypeError(f"method must be a str, got {type(data['method']).__name__}")
        pairs = data["pairs"]
        if not isinstance(pairs, list):
            raise TypeError("pairs must be a list")
        effects = data.get("pair_effects") or [None] * len(pairs)
        if len(effects) != len(pairs):
            raise ValueError(f"{len(effects)} pair effects for {len(pairs)} pairs")
        index, strengths, pair_effects = [], [], []
        for (i, j, s), e in zip(pairs, effects, strict=True):
            i, j = jsonio.integer(i, "pair index"), jsonio.integer(j, "pair index")
            if not (0 <= i < n and 0 <= j < n):
                raise ValueError(f"pair ({i}, {j}) outside 0..{n - 1}")
            if i == j:
                raise ValueError(f"pair ({i}, {j}) repeats a feature")
            index.append((min(i, j), max(i, j)))
            strengths.append(jsonio.number(s, "pair strength"))
            e = jsonio.opt_number(e, "pair effect")
            pair_effects.append(np.nan if e is None else e)
        pair_list = PairList(
            np.array(index, dtype=np.int64).reshape(-1, 2),
            np.array(strengths, dtype=np.float64),
            names,
            None if all(e is None for e in effects) else np.array(pair_effects),
        )
        detected = data.get("detected")
        if detected is not None and not isinstance(detected, list):
            raise TypeError("detected must be a list or null")
        interactions = [_named(Interaction.from_dict(d, n), names) for d in data["interactions"]]
        n_queries = jsonio.integer(data.get("n_queries", 0), "n_queries")
        if n_queries < 0:
            raise ValueError(f"n_queries must be >= 0, got {n_queries}")
        return cls(
            method=data["method"],
            feature_names=names,
            interactions=interactions,
            pair_list=pair_list,
            main_effects=jsonio.numbers(data["main_effects"], "main_effects", n),
            detected=None
            if detected is None
            else [_named(Interaction.from_dict(d, n), names) for d in detected],
            cutoff=jsonio.opt_integer(data.get("cutoff"), "cutoff"),
            fidelity=None if data.get("fidelity") is None else Fidelity.from_dict(data["fidelity"]),
            n_queries=n_queries,
            surrogate_fit=jsonio.mapping(data.get("surrogate_fit"), "surrogate_fit"),
            value=jsonio.opt_number(data.get("value"), "value"),
            baseline_value=jsonio.opt_number(data.get("baseline_value"), "baseline_value"),
            wall_time=jsonio.number(data.get("wall_time", 0.0), "wall_time"),
            model_time=jsonio.number(data.get("model_time", 0.0), "model_time"),
            seed=jsonio.opt_integer(data.get("seed"), "seed"),
            params=jsonio.mapping(data.get("params"), "params"),
        )

    def to_frame(self, which: str = "interactions") -> pd.DataFrame:
        """A pandas table: ``which`` is interactions, pairs, detected or main_effects."""
        import pandas as pd

        if which == "main_effects":
            return pd.DataFrame({"feature": self.feature_names, "main_effect": self.main_effects})
        rows = {
            "interactions": self.interactions,
            "pairs": self.pair_list,
            "detected": self.detected,
        }
        if which not in rows:
            raise ValueError(f"which must be one of {[*rows, 'main_effects']}, got {which!r}")
        items = rows[which] or []
        return pd.DataFrame(
            {
                "rank": range(1, len(items) + 1),
                "features": [it.features for it in items],
                "names": [", ".join(it.names) for it in items],
                "order": [it.order for it in items],
                "strength": [it.strength for it in items],
                "effect": [it.effect for it in items],
            }
        )

    def __repr__(self) -> str:
        top = ", ".join(str(it) for it in self.interactions[:3])
        return (
            f"LocalExplanation(method={self.method!r}, n_features={self.n_features}, "
            f"n_interactions={len(self.interactions)}, cutoff={self.cutoff}, "
            f"n_queries={self.n_queries}, top=[{top}])"
        )
