"""The contract every local detector follows (one ``explain`` API across algorithms)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from interactkit.results import LocalExplanation
from interactkit.space import FeatureSpace, as_space

__all__ = ["Detector", "check_spaces"]


class Detector:
    """Base class of local interaction detectors.

    A detector sees only feature spaces (``n_features`` + a value function) and returns one
    :class:`~interactkit.LocalExplanation` per space. Subclasses implement :meth:`explain_many`;
    parameters are validated in ``__init__`` and exposed by :meth:`get_params` (scikit-learn
    style). Traits are class attributes: :attr:`deterministic`, :attr:`glider_defaults`.
    """

    name: ClassVar[str] = ""
    #: same instance and settings, same result whatever the seed (a replicate with another
    #: seed would repeat the same run, so :func:`interactkit.replicate` runs it once)
    deterministic: ClassVar[bool] = False
    #: settings GLIDER gives a detector built from its name (``glider(spaces, detector="madex")``)
    #: unless the caller sets them: counting over many instances needs less per instance
    glider_defaults: ClassVar[dict[str, Any]] = {}
    _params: dict[str, Any]

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
        """Explain many instances (one explanation per space, in order)."""
        raise NotImplementedError

    def get_params(self) -> dict[str, Any]:
        """The detector's settings (what ``__init__`` was given, defaults filled in)."""
        return dict(self._params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"{type(self).__name__}({args})"


def check_spaces(spaces: Sequence[FeatureSpace]) -> list[FeatureSpace]:
    """The spaces of an ``explain_many`` call as a non-empty list of :class:`FeatureSpace`."""
    if isinstance(spaces, FeatureSpace):
        raise TypeError("explain_many takes a sequence of feature spaces; use explain() for one")
    out = [as_space(s) for s in spaces]
    if not out:
        raise ValueError("explain_many needs at least one feature space")
    return out
