"""The shared feature space: the one contract between adapters and detectors.

A detector never sees a model or a domain. It sees ``n_features`` interpretable features and a
*value function* that maps a batch of binary masks to a batch of model outputs::

    masks: torch.BoolTensor[B, n]   (True = feature kept, False = feature "off")
      -> values: torch.Tensor[B]    (the explained output, e.g. a class logit)

Every adapter (CTR fields, words of a sentence, superpixels of an image) implements this contract
by subclassing :class:`FeatureSpace`; a plain Python callable plus ``n_features`` is wrapped in a
:class:`FunctionSpace`. The detectors call the value function through
:class:`interactkit.query.Querier`, which batches, de-duplicates and validates the queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from interactkit._utils.checks import check_int
from interactkit._utils.tensors import check_device
from interactkit.query import Querier

__all__ = ["FeatureSpace", "FunctionSpace", "as_space"]

ValueFn = Callable[[torch.Tensor], Any]


class FeatureSpace:
    """Base class of an interpretable feature space around one instance.

    Subclasses set ``n_features`` and ``feature_names`` (or override the properties) and
    implement :meth:`value_fn`. Optional attributes the query layer honours:

    * ``device`` -- where masks are sent before :meth:`value_fn` is called (the model's device);
    * ``max_batch_size`` -- the largest batch of masks :meth:`value_fn` should receive at once
      (bounds the memory of one model call); ``None`` lets the caller choose;
    * ``max_samples`` -- the most perturbations a detector should draw for this instance when
      its own count is left at the default (an adapter whose queries are expensive, e.g. image
      models, sets it); ``None`` leaves it to the detector;
    * ``nonfinite_hint`` -- what to tell the user when the model returns NaN/inf for a
      perturbed input (e.g. "try another off strategy"), appended to the query layer's error.

    Adapters may carry anything else a visualizer needs (token spans, superpixel segments, field
    names); detectors ignore it.
    """

    n_features: int
    device: torch.device = torch.device("cpu")
    max_batch_size: int | None = None
    max_samples: int | None = None
    nonfinite_hint: str = ""

    @property
    def feature_names(self) -> list[str]:
        names = getattr(self, "_feature_names", None)
        return list(names) if names is not None else [f"x{i}" for i in range(self.n_features)]

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        """Model output for each mask -- what an adapter implements.

        Detectors never call this directly: they go through :class:`~interactkit.Querier`,
        which checks the masks, de-duplicates them, sends at most :attr:`max_batch_size` at a
        time and validates the outputs. So an implementation may assume valid masks of at most
        ``max_batch_size`` rows and need not check its output for NaN.

        Args:
            masks: ``torch.BoolTensor[B, n_features]`` on :attr:`device`; True keeps a feature,
                False turns it "off" in the adapter's sense.

        Returns:
            ``torch.Tensor[B]`` (the explained output, e.g. a logit).
        """
        raise NotImplementedError

    def __call__(self, masks: torch.Tensor) -> torch.Tensor:
        """Validated values of ``masks: [B, n]`` through the query layer (checked, batched).

        Returns:
            ``float64 Tensor[B]`` on :attr:`device` (CPU for MPS).
        """
        return Querier(self)(masks)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_features={self.n_features})"


class FunctionSpace(FeatureSpace):
    """Wrap a plain callable ``fn(masks[B, n]) -> values[B]`` as a :class:`FeatureSpace`.

    Args:
        fn: the value function; it receives a ``torch.BoolTensor[B, n]`` and may return a torch
            tensor, a numpy array or a list of ``B`` numbers.
        n_features: ``n``, the number of interpretable features.
        feature_names: optional names (``len == n_features``); default ``x0 .. x{n-1}``.
        device: where masks are created and sent (default CPU).
        max_batch_size: optional bound on the masks passed to ``fn`` at once.
    """

    def __init__(
        self,
        fn: ValueFn,
        n_features: int,
        feature_names: Sequence[str] | None = None,
        device: torch.device | str = "cpu",
        max_batch_size: int | None = None,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        self.fn = fn
        self.n_features = _check_n_features(n_features)
        if feature_names is not None:
            if isinstance(feature_names, (str, bytes)):
                raise TypeError(
                    "feature_names must be a list of names (one per feature), not one str"
                )
            feature_names = [str(name) for name in feature_names]
            if len(feature_names) != self.n_features:
                raise ValueError(
                    f"feature_names has {len(feature_names)} entries but n_features is "
                    f"{self.n_features}; give one name per feature"
                )
        self._feature_names = feature_names
        self.device = check_device(device)
        self.max_batch_size = (
            None if max_batch_size is None else check_int("max_batch_size", max_batch_size)
        )

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        return self.fn(masks)

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        return f"FunctionSpace({name}, n_features={self.n_features})"


def _check_n_features(n_features: Any) -> int:
    if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)):
        raise TypeError(f"n_features must be an int, got {type(n_features).__name__}")
    n_features = int(n_features)
    if n_features < 2:
        raise ValueError(
            f"n_features={n_features}: an interaction needs at least 2 features; "
            "an instance with fewer interpretable features has nothing to detect"
        )
    return n_features


def as_space(
    space_or_fn: FeatureSpace | ValueFn,
    n_features: int | None = None,
    feature_names: Sequence[str] | None = None,
) -> FeatureSpace:
    """Return a :class:`FeatureSpace` for an adapter or a plain callable.

    ``n_features`` is required for a callable and must agree with a space's own when given.
    """
    if isinstance(space_or_fn, FeatureSpace):
        n = _check_n_features(space_or_fn.n_features)
        if n_features is not None and n_features != n:
            raise ValueError(
                f"n_features={n_features} disagrees with the feature space's own n_features={n}"
            )
        if feature_names is not None:
            raise ValueError("feature_names can only be given with a plain callable")
        return space_or_fn
    if callable(space_or_fn):
        if n_features is None:
            raise ValueError("a plain value function needs n_features: explain(fn, n_features=...)")
        return FunctionSpace(space_or_fn, n_features, feature_names=feature_names)
    raise TypeError(
        "expected a FeatureSpace or a callable masks[B, n] -> values[B], "
        f"got {type(space_or_fn).__name__}"
    )
