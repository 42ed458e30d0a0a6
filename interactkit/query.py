"""The query layer: every call to a black-box model goes through a :class:`Querier`.

It turns a batch of masks into values with the fewest and largest model calls it can:

* identical masks are evaluated once (``torch.unique`` over rows);
* unique masks are sent in chunks of at most ``batch_size`` (bounding the memory of one call);
* masks are created/moved on the feature space's device (the model's device);
* each chunk's output is validated: shape ``[b]`` (or ``[b, 1]``), finite values;
* distinct masks evaluated are counted in :attr:`Querier.n_queries`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from interactkit.space import FeatureSpace

__all__ = ["Querier", "QueryError", "as_batch_vector"]

DEFAULT_QUERY_BATCH = 1024


class QueryError(ValueError):
    """The value function returned something the detectors cannot use."""


class Querier:
    """Batched, de-duplicated, validated access to a feature space's value function.

    Args:
        space: the feature space (its ``value_fn`` is the black box).
        batch_size: the most masks passed to ``value_fn`` at once; defaults to the space's
            ``max_batch_size`` or 1024.
        budget: optional maximum number of distinct masks this querier may evaluate; a request
            that would exceed it raises :class:`QueryError` before any model call is made.
    """

    def __init__(
        self, space: FeatureSpace, batch_size: int | None = None, budget: int | None = None
    ) -> None:
        self.space = space
        self.n_features = int(space.n_features)
        if batch_size is None:
            batch_size = getattr(space, "max_batch_size", None) or DEFAULT_QUERY_BATCH
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = int(batch_size)
        self.budget = budget
        self.device = torch.device(getattr(space, "device", None) or "cpu")
        self.n_queries = 0
        self.n_requested = 0
        self.n_calls = 0
        self.model_seconds = 0.0

    def __call__(self, masks: torch.Tensor) -> torch.Tensor:
        """Values of ``masks``.

        Args:
            masks: ``BoolTensor[B, n_features]`` (any device; moved to the space's device).

        Returns:
            ``float32 Tensor[B]`` on the space's device, ``values[b] = value_fn(masks[b])``.
        """
        masks = self._check_masks(masks)
        self.n_requested += masks.shape[0]
        unique, inverse = torch.unique(masks, dim=0, return_inverse=True)
        n_unique = unique.shape[0]
        if self.budget is not None and self.n_queries + n_unique > self.budget:
            raise QueryError(
                f"query budget exceeded: this step needs {n_unique} distinct model queries, "
                f"{self.n_queries} of the budget {self.budget} are already used; raise the "
                "budget or lower the number of samples"
            )
        values = torch.empty(n_unique, dtype=torch.float32, device=self.device)
        for start in range(0, n_unique, self.batch_size):
            chunk = unique[start : start + self.batch_size]
            values[start : start + chunk.shape[0]] = self._evaluate(chunk)
        self.n_queries += n_unique
        return values[inverse]

    def _check_masks(self, masks: torch.Tensor) -> torch.Tensor:
        if not isinstance(masks, torch.Tensor):
            masks = torch.as_tensor(np.asarray(masks))
        if masks.dim() != 2:
            raise ValueError(
                f"masks must be 2-D [batch, n_features], got shape {tuple(masks.shape)}"
            )
        if masks.shape[1] != self.n_features:
            raise ValueError(
                f"mask width {masks.shape[1]} does not match n_features={self.n_features}"
            )
        if masks.dtype != torch.bool:
            if not bool(((masks == 0) | (masks == 1)).all()):
                raise ValueError("masks must be boolean (or 0/1 valued)")
            masks = masks.bool()
        return masks.to(self.device)

    def _evaluate(self, chunk: torch.Tensor) -> torch.Tensor:
        start = time.perf_counter()
        with torch.inference_mode():
            raw = self.space.value_fn(chunk)
        self.model_seconds += time.perf_counter() - start
        self.n_calls += 1
        return _validate_values(raw, chunk.shape[0], self.device)


def as_batch_vector(
    raw: Any,
    batch: int,
    *,
    source: str = "the value function",
    items: str = "masks",
    error: type[Exception] = QueryError,
    hint_2d: str = "",
    hint_nonfinite: str = "",
) -> torch.Tensor:
    """Check that ``raw`` holds one finite number per item and return it as ``float64 [batch]``.

    Accepts a tensor, array or list of shape ``[batch]`` or ``[batch, 1]``; anything else raises
    ``error`` with a message naming ``source`` and ``items`` (``hint_2d`` is appended when the
    output has one row per item but several columns, ``hint_nonfinite`` to NaN/inf errors).
    """
    try:
        values = raw.detach() if isinstance(raw, torch.Tensor) else torch.as_tensor(np.asarray(raw))
    except (TypeError, ValueError) as err:
        raise error(
            f"{source} returned {type(raw).__name__}, which is not a tensor, array or list of "
            f"numbers: {err}"
        ) from None
    shape = tuple(values.shape)
    if values.dim() == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.dim() != 1 or values.shape[0] != batch:
        hint = hint_2d if values.dim() == 2 and values.shape[0] == batch else ""
        raise error(
            f"{source} returned shape {shape} for a batch of {batch} {items}; expected "
            f"({batch},) or ({batch}, 1){hint}"
        )
    if not (values.dtype.is_floating_point or values.dtype in (torch.int32, torch.int64)):
        raise error(f"{source} returned dtype {values.dtype}; expected floats")
    values = values.to(torch.float64)
    finite = torch.isfinite(values)
    if not bool(finite.all()):
        bad = int((~finite).sum())
        first = int((~finite).nonzero()[0, 0])
        kinds = sorted({"NaN" if v != v else "inf" for v in values[~finite].tolist()})
        raise error(
            f"{source} returned non-finite values ({'/'.join(kinds)}) for {bad} of {batch} "
            f"{items} (first at row {first}){hint_nonfinite}"
        )
    return values


def _validate_values(raw: Any, batch: int, device: torch.device) -> torch.Tensor:
    values = as_batch_vector(
        raw,
        batch,
        hint_2d="; it looks like per-class outputs: select the explained output (e.g. the "
        "target class logit) inside the value function",
        hint_nonfinite="; the model must produce a finite output for every perturbed input (for "
        "probabilities, clip before taking a logit)",
    )
    return values.to(device=device, dtype=torch.float32)
