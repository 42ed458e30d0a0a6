"""The shape every domain adapter's explainer takes (text, images, CTR, and any new domain).

An explainer holds a model and the domain's choices (what a feature is, what "off" means) and
turns a domain instance -- a sentence, an image, an ad impression -- into a
:class:`~interactkit.space.FeatureSpace`. Everything else is shared, so the same calls work in
every domain::

    space = explainer.space(x)                         # one instance -> FeatureSpace
    spaces = explainer.spaces(xs)                      # many instances
    exp = explainer.explain(x, method="archdetect")    # space + interactkit.explain
    exps = explainer.explain_many(xs, seed=0)          # spaces + interactkit.explain_many

Keyword arguments named in :attr:`Explainer.space_options` (e.g. ``target``) go to
:meth:`space`; the rest are detector parameters (``n_samples=2000``). The explanation holds
interactions and effects only; to draw it, keep the space: visualizers take
``(space, explanation)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

import torch

from interactkit.api import explain, explain_many
from interactkit.detectors import Detector
from interactkit.results import LocalExplanation
from interactkit.space import FeatureSpace

__all__ = ["Explainer", "check_instances"]

SpaceT = TypeVar("SpaceT", bound=FeatureSpace)


class Explainer(Generic[SpaceT]):
    """Base class of the adapters' explainers.

    Subclasses implement :meth:`space` and set :attr:`device` (the model's device) and
    :attr:`max_batch_size` (the most perturbed inputs per model call); they list the keyword
    options of :meth:`space` in :attr:`space_options`.
    """

    #: keyword arguments of :meth:`space` that :meth:`explain` passes through to it
    space_options: ClassVar[tuple[str, ...]] = ()
    device: torch.device = torch.device("cpu")
    max_batch_size: int = 1024

    def space(self, instance: Any, **options: Any) -> SpaceT:
        """The feature space of one instance."""
        raise NotImplementedError

    def spaces(self, instances: Iterable[Any], **options: Any) -> list[SpaceT]:
        """One feature space per instance (the options apply to every instance).

        Raises:
            TypeError: ``instances`` is one str or bytes (a text or a path), whose characters
                would otherwise be taken for the instances.
        """
        check_instances(instances, type(self).__name__)
        return [self.space(x, **options) for x in instances]

    def explain(
        self, instance: Any, method: str | Detector = "madex", seed: int = 0, **kwargs: Any
    ) -> LocalExplanation:
        """``interactkit.explain(self.space(instance, ...), method=method, seed=seed, ...)``.

        Keywords in :attr:`space_options` go to :meth:`space`, the rest to the detector.
        """
        options, params = self._split(kwargs)
        return explain(self.space(instance, **options), method=method, seed=seed, **params)

    def explain_many(
        self,
        instances: Iterable[Any],
        method: str | Detector = "madex",
        seed: int | Sequence[int] = 0,
        **kwargs: Any,
    ) -> list[LocalExplanation]:
        """``interactkit.explain_many(self.spaces(instances, ...), ...)`` (batched)."""
        options, params = self._split(kwargs)
        return explain_many(self.spaces(instances, **options), method=method, seed=seed, **params)

    def _split(self, kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        options = {k: v for k, v in kwargs.items() if k in self.space_options}
        params = {k: v for k, v in kwargs.items() if k not in self.space_options}
        return options, params


def check_instances(instances: Any, owner: str = "explainer") -> None:
    """Refuse one str/bytes given where many instances are expected (it would be iterated
    character by character)."""
    if isinstance(instances, (str, bytes)):
        raise TypeError(
            f"{owner}.spaces() and explain_many() take a collection of instances, got one "
            f"{type(instances).__name__}; use space()/explain() for a single instance, or wrap "
            "it in a list"
        )
