"""One attribution per feature of one instance: :func:`attribute` and the
:class:`GradientSpace` capability (see the package docstring for the methods)."""

from __future__ import annotations

import time
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from interactkit.attribution.compare import as_attribution
from interactkit.attribution.perturbation import PERTURBATION_METHODS, perturbation_attribution
from interactkit.detectors import MADEX
from interactkit.query import Querier
from interactkit.results import Attribution
from interactkit.space import FeatureSpace, ValueFn, as_space

__all__ = ["OWN_METHODS", "GradientSpace", "attribute"]

OWN_METHODS = ("madex", "archattribute")


@runtime_checkable
class GradientSpace(Protocol):
    """A feature space with a differentiable path to its model: what gradient methods need.

    An adapter's space implements it when its domain can be differentiated (text: layer
    integrated gradients on the token embeddings; images: integrated gradients on pixels; CTR:
    on the field embeddings). :func:`attribute` checks ``isinstance(space, GradientSpace)``.

    Attributes:
        gradient_methods: the gradient method names this instance offers (may be empty, e.g. a
            CTR model called on DataFrames has no gradients).
    """

    @property
    def gradient_methods(self) -> tuple[str, ...]: ...

    def gradient_attribution(self, method: str, seed: int = 0, **params: Any) -> Attribution:
        """One attribution per feature with ``method`` (one of :attr:`gradient_methods`)."""
        ...


def attribute(
    space_or_fn: FeatureSpace | ValueFn,
    method: str = "shapley",
    n_features: int | None = None,
    seed: int = 0,
    **params: Any,
) -> Attribution:
    """One attribution per feature of one instance.

    Args:
        space_or_fn: a feature space, or a value function with ``n_features``.
        method: a perturbation method (``"shapley"``, default; ``"ablation"``, ``"kernelshap"``,
            ``"lime"``), ``"madex"``, ``"archattribute"``, or a gradient method the space
            offers (a :class:`GradientSpace`'s ``gradient_methods``).
        seed: same seed, same result (for the sampling methods).
        **params: the method's settings, e.g. ``n_samples=50``, ``query_budget=2000``;
            ``n_steps=64`` for integrated gradients; MADEX parameters for ``"madex"``.

    Raises:
        ValueError: an unknown method, naming those the space offers.
        TypeError: a gradient method on a space without a differentiable path.
    """
    space = as_space(space_or_fn, n_features)
    if method in PERTURBATION_METHODS:
        return perturbation_attribution(space, method, seed=seed, **params)
    if method == "madex":
        exp = MADEX(**params).explain(space, seed=seed)
        attr = as_attribution(exp)
        attr.params = {"madex": exp.params}
        return attr
    if method == "archattribute":
        return _archattribute(space, **params)
    offered = tuple(space.gradient_methods) if isinstance(space, GradientSpace) else ()
    if method in offered:
        return space.gradient_attribution(method, seed=seed, **params)
    known = sorted(PERTURBATION_METHODS) + list(OWN_METHODS)
    if method in _GRADIENT_NAMES and offered:
        raise ValueError(
            f"{type(space).__name__} offers the gradient methods {list(offered)}, not "
            f"{method!r}; or use a perturbation method: {', '.join(sorted(PERTURBATION_METHODS))}"
        )
    if method in _GRADIENT_NAMES:
        raise TypeError(
            f"{type(space).__name__} has no differentiable path to the model, so {method!r} "
            "cannot run on it (plain callables and models of raw rows have no gradients); use "
            f"a perturbation method: {', '.join(sorted(PERTURBATION_METHODS))}"
        )
    raise ValueError(f"unknown attribution method {method!r}; choose from {known + list(offered)}")


_GRADIENT_NAMES = (
    "integrated_gradients",
    "gradient_shap",
    "layer_integrated_gradients",
    "saliency",
    "input_x_gradient",
)


def _archattribute(space: FeatureSpace, query_budget: int | None = None) -> Attribution:
    """ArchAttribute of single features: ``f({i} on, rest off) - f(all off)``."""
    start = time.perf_counter()
    p = space.n_features
    masks = torch.cat([torch.zeros(1, p, dtype=torch.bool), torch.eye(p, dtype=torch.bool)])
    masks = torch.cat([masks, torch.ones(1, p, dtype=torch.bool)])
    querier = Querier(space, budget=query_budget)
    values = querier(masks).double().cpu().numpy()
    return Attribution(
        method="archattribute",
        feature_names=space.feature_names,
        values=np.asarray(values[1 : 1 + p] - values[0]),
        n_queries=querier.n_queries,
        value=float(values[-1]),
        baseline_value=float(values[0]),
        wall_time=time.perf_counter() - start,
        model_time=querier.model_seconds,
    )
