"""The contract every local detector follows (one ``explain`` API across algorithms)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from interactkit.explanation import LocalExplanation
from interactkit.space import FeatureSpace, as_space

__all__ = ["Detector"]


class Detector:
    """Base class of local interaction detectors.

    A detector sees only feature spaces (``n_features`` + a value function) and returns one
    :class:`LocalExplanation` per space. Subclasses implement :meth:`explain_many`; parameters are
    validated in ``__init__`` and exposed by :meth:`get_params` (scikit-learn style).
    """

    name: ClassVar[str] = ""

    def explain(
        self, space: FeatureSpace, seed: int = 0, progress: bool | None = False
    ) -> LocalExplanation:
        """Explain one instance; identical to ``explain_many([space], seed=seed)[0]``."""
        return self.explain_many([space], seed=seed, progress=progress)[0]

    def explain_many(
        self,
        spaces: Sequence[FeatureSpace],
        seed: int | Sequence[int] = 0,
        progress: bool | None = None,
    ) -> list[LocalExplanation]:
        raise NotImplementedError

    def get_params(self) -> dict[str, Any]:
        return dict(self._params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"{type(self).__name__}({args})"

    _params: dict[str, Any]


def check_spaces(spaces: Sequence[FeatureSpace]) -> list[FeatureSpace]:
    if isinstance(spaces, FeatureSpace):
        raise TypeError("explain_many takes a sequence of feature spaces; use explain() for one")
    out = [as_space(s) for s in spaces]
    if not out:
        raise ValueError("explain_many needs at least one feature space")
    return out


def check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value
