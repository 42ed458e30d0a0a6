"""Local detection entry points: :func:`explain` (one instance) and :func:`explain_many`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from interactkit._utils.checks import check_int
from interactkit.detectors import Detector, get_detector
from interactkit.results import LocalExplanation
from interactkit.runs import explain_many_ray
from interactkit.sampling import resolve_seeds
from interactkit.space import FeatureSpace, ValueFn, as_space

__all__ = ["explain", "explain_many"]


def explain(
    space_or_fn: FeatureSpace | ValueFn,
    n_features: int | None = None,
    method: str | Detector = "madex",
    seed: int = 0,
    feature_names: Sequence[str] | None = None,
    progress: bool | None = False,
    **params: Any,
) -> LocalExplanation:
    """Detect the feature interactions of one instance.

    Args:
        space_or_fn: an adapter's feature space, or a value function
            ``masks: BoolTensor[B, n] -> Tensor[B]`` (True = feature kept).
        n_features: required with a plain value function.
        method: ``"madex"`` (default, the paper's detector) or ``"archdetect"``, or a detector.
        seed: same seed, same result.
        feature_names: names for a plain value function's features.
        progress: show progress bars (None: only on a terminal).
        **params: detector parameters, e.g. ``n_samples=2000`` for MADEX.

    Returns:
        A :class:`LocalExplanation`; equal to ``explain_many([space], seed=seed)[0]``.
    """
    space = as_space(space_or_fn, n_features, feature_names)
    return get_detector(method, **params).explain(space, seed=seed, progress=progress)


def explain_many(
    spaces: Sequence[FeatureSpace],
    method: str | Detector = "madex",
    seed: int | Sequence[int] = 0,
    progress: bool | None = None,
    backend: str = "local",
    chunk_size: int = 256,
    **params: Any,
) -> list[LocalExplanation]:
    """Detect the interactions of many instances, batched (MADEX surrogates train together).

    Args:
        spaces: one feature space per instance.
        method: ``"madex"`` or ``"archdetect"``, or a detector.
        seed: one int (per-instance seeds are derived from it, independent of batching) or one
            seed per instance.
        progress: show progress bars (None: only on a terminal).
        backend: ``"local"`` or ``"ray"`` (chunks of ``chunk_size`` instances on Ray workers,
            connecting to the cluster of ``RAY_ADDRESS`` or starting a local one; same result).
        **params: detector parameters.
    """
    check_int("chunk_size", chunk_size)
    detector = get_detector(method, **params)
    if backend == "local":
        return detector.explain_many(spaces, seed=seed, progress=progress)
    if backend != "ray":
        raise ValueError(f"backend must be 'local' or 'ray', got {backend!r}")
    spaces = list(spaces)
    return explain_many_ray(detector, spaces, resolve_seeds(seed, len(spaces)), chunk_size)
