"""One interacting feature set (:class:`Interaction`) and a ranked list of pairs stored as
arrays (:class:`PairList`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from interactkit._utils import jsonio

__all__ = ["Interaction", "PairList", "make_interactions"]


@dataclass(frozen=True)
class Interaction:
    """One interacting feature set.

    Attributes:
        features: sorted feature indices.
        names: the features' names.
        strength: detector score (NID strength for MADEX, ArchDetect strength for pairs); only
            comparable within one explanation.
        effect: signed effect on the explained output where the detector estimates one (MADEX:
            the ridge coefficient of the set's AND-feature; ArchDetect: ArchAttribute of the set
            minus its members' main effects), else None.
    """

    features: tuple[int, ...]
    names: tuple[str, ...]
    strength: float
    effect: float | None = None

    @property
    def order(self) -> int:
        return len(self.features)

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "names": list(self.names),
            "strength": self.strength,
            "effect": self.effect,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], n_features: int | None = None) -> Interaction:
        """Rebuild from :meth:`to_dict` output (indices checked against ``n_features``)."""
        features = tuple(jsonio.integer(i, "interaction features") for i in data["features"])
        names = tuple(jsonio.strings(data["names"], "interaction names"))
        if len(features) != len(names) or not features:
            raise ValueError("an interaction needs one name per feature index")
        if len(set(features)) != len(features):
            raise ValueError(f"interaction features {features} repeat a feature")
        if n_features is not None and not all(0 <= i < n_features for i in features):
            raise ValueError(f"interaction features {features} outside 0..{n_features - 1}")
        return cls(
            features,
            names,
            jsonio.number(data["strength"], "strength"),
            jsonio.opt_number(data.get("effect"), "effect"),
        )

    def __str__(self) -> str:
        return f"{{{', '.join(self.names)}}} {self.strength:.4g}"

    def __repr__(self) -> str:
        effect = "" if self.effect is None else f", effect={self.effect:+.4g}"
        return f"Interaction({{{', '.join(self.names)}}}, strength={self.strength:.4g}{effect})"


def make_interactions(
    sets: Iterable[tuple[Sequence[int], float]],
    feature_names: Sequence[str],
    effects: Sequence[float] | None = None,
) -> list[Interaction]:
    """:class:`Interaction` s of ``(feature indices, strength)`` items, in their order."""
    out = []
    for k, (fs, strength) in enumerate(sets):
        fs = tuple(sorted(int(i) for i in fs))
        effect = None if effects is None else float(effects[k])
        out.append(Interaction(fs, tuple(feature_names[i] for i in fs), float(strength), effect))
    return out


class PairList(Sequence[Interaction]):
    """Ranked feature pairs, held as arrays; an :class:`Interaction` is built when one is read.

    A detector ranks every pair of an instance (741 of them at 39 features) while most uses
    read a few, or all at once as arrays (:meth:`matrix`, saving): building the objects up
    front was a measurable part of a GLIDER run. Behaves as a read-only list of
    :class:`Interaction` (indexing, slices, iteration, ``==`` against a list).

    Args:
        features: ``int[n, 2]`` feature indices of each pair, each row ``i < j``.
        strengths: ``float[n]``.
        feature_names: the names of all features of the explanation.
        effects: ``float[n]`` signed effects, NaN where none (None: no pair has one).
    """

    __slots__ = ("_effects", "_features", "_names", "_strengths")

    def __init__(
        self,
        features: np.ndarray,
        strengths: np.ndarray,
        feature_names: Sequence[str],
        effects: np.ndarray | None = None,
    ) -> None:
        features = np.asarray(features, dtype=np.int64).reshape(-1, 2)
        strengths = np.asarray(strengths, dtype=np.float64).reshape(-1)
        if strengths.shape[0] != features.shape[0]:
            raise ValueError(f"{strengths.shape[0]} strengths for {features.shape[0]} pairs")
        if effects is not None:
            effects = np.asarray(effects, dtype=np.float64).reshape(-1)
            if effects.shape[0] != features.shape[0]:
                raise ValueError(f"{effects.shape[0]} effects for {features.shape[0]} pairs")
        n = len(feature_names)
        if features.size and not (
            (features[:, 0] < features[:, 1]).all() and features.min() >= 0 and features.max() < n
        ):
            raise ValueError(f"pairs must be index pairs i < j within 0..{n - 1}")
        self._features, self._strengths, self._effects = features, strengths, effects
        self._names = tuple(feature_names)

    @classmethod
    def of(cls, items: Iterable[Interaction], feature_names: Sequence[str]) -> PairList:
        """A :class:`PairList` of ``items`` (each of order 2, named as ``feature_names``)."""
        if isinstance(items, PairList):
            return items
        items = list(items)
        if any(it.order != 2 for it in items):
            raise ValueError("a pair list holds interactions of two features only")
        effects = [it.effect for it in items]
        return cls(
            np.array([it.features for it in items], dtype=np.int64).reshape(-1, 2),
            np.array([it.strength for it in items], dtype=np.float64),
            feature_names,
            None
            if all(e is None for e in effects)
            else np.array([np.nan if e is None else e for e in effects], dtype=np.float64),
        )

    @property
    def features(self) -> np.ndarray:
        """``int[n, 2]`` (a copy)."""
        return self._features.copy()

    @property
    def strengths(self) -> np.ndarray:
        """``float[n]`` (a copy)."""
        return self._strengths.copy()

    def matrix(self, n_features: int | None = None) -> np.ndarray:
        """Symmetric ``[n, n]`` strength matrix, zero for pairs not stored."""
        n = len(self._names) if n_features is None else n_features
        mat = np.zeros((n, n))
        i, j = self._features[:, 0], self._features[:, 1]
        mat[i, j] = self._strengths
        mat[j, i] = self._strengths
        return mat

    def to_lists(self) -> tuple[list[list[float]], list[float | None]]:
        """``([[i, j, strength], ...], [effect or None, ...])``, as saved."""
        rows = [
            [int(i), int(j), float(s)]
            for (i, j), s in zip(self._features.tolist(), self._strengths.tolist())
        ]
        if self._effects is None:
            return rows, [None] * len(rows)
        return rows, [None if np.isnan(e) else float(e) for e in self._effects.tolist()]

    def __len__(self) -> int:
        return self._features.shape[0]

    def _item(self, k: int) -> Interaction:
        i, j = int(self._features[k, 0]), int(self._features[k, 1])
        effect = None
        if self._effects is not None and not np.isnan(self._effects[k]):
            effect = float(self._effects[k])
        return Interaction(
            (i, j), (self._names[i], self._names[j]), float(self._strengths[k]), effect
        )

    @overload
    def __getitem__(self, index: int) -> Interaction: ...

    @overload
    def __getitem__(self, index: slice) -> PairList: ...

    def __getitem__(self, index: int | slice) -> Interaction | PairList:
        if isinstance(index, slice):
            effects = None if self._effects is None else self._effects[index]
            return PairList(self._features[index], self._strengths[index], self._names, effects)
        n = len(self)
        k = int(index)
        if not -n <= k < n:
            raise IndexError(f"pair index {index} is out of range for {n} pairs")
        return self._item(k % n)

    def __iter__(self) -> Iterator[Interaction]:
        return (self._item(k) for k in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PairList):
            return self._names == other._names and self.to_lists() == other.to_lists()
        if isinstance(other, (list, tuple)):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(repr(it) for it in self[:3])
        more = ", ..." if len(self) > 3 else ""
        return f"PairList({len(self)} pairs: [{shown}{more}])"

    def __reduce__(self) -> tuple[Any, ...]:
        return (PairList, (self._features, self._strengths, self._names, self._effects))
