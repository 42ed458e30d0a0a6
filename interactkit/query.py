"""The query layer: every call to a black-box model goes through a :class:`Querier`.

It turns a batch of masks into values with the fewest and largest model calls it can:

* identical masks are evaluated once (:func:`unique_masks`);
* unique masks are sent in chunks of at most ``batch_size`` (bounding the memory of one call);
* masks are created/moved on the feature space's device (the model's device);
* each chunk's output is validated: shape ``[b]`` (or ``[b, 1]``), finite values, and kept in
  float64 (a large offset does not swamp a small interaction);
* the first call re-evaluates two masks and warns when the model is not deterministic;
* distinct masks evaluated are counted in :attr:`Querier.n_queries`.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import numpy as np
import torch

from interactkit._utils.checks import check_int
from interactkit._utils.tensors import synchronize
from interactkit._utils.warn import warn

__all__ = [
    "MemoQuerier",
    "NondeterminismWarning",
    "Querier",
    "QueryError",
    "as_batch_vector",
    "check_masks",
    "unique_masks",
]


class Queryable(Protocol):
    """What the query layer reads of a feature space (:class:`interactkit.FeatureSpace` has it):
    ``n_features`` and ``value_fn(masks: BoolTensor[B, n_features]) -> Tensor[B]``; optionally
    ``device`` and ``max_batch_size``."""

    n_features: int

    def value_fn(self, masks: torch.Tensor) -> Any: ...


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
        check_determinism: the first model call (of a batch size >= 16) also evaluates two of its
            masks a second time
            (two extra rows in the same call, no extra call) and warns when the model gives
            different outputs for identical inputs (dropout left on, sampling in the model):
            detections of such a model describe its noise.

    Attributes:
        n_queries: distinct masks evaluated; ``n_requested``: masks asked for; ``n_calls``: model
            calls; ``model_seconds``: time inside ``value_fn``.
        output_dtype: the dtype the model returned (None before the first call); values are kept
            in float64 whatever it is, so a large offset does not swamp a small interaction.
    """

    def __init__(
        self,
        space: Queryable,
        batch_size: int | None = None,
        budget: int | None = None,
        check_determinism: bool = True,
    ) -> None:
        n_features = getattr(space, "n_features", None)
        if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)):
            raise TypeError(
                "a Querier needs a feature space (an object with n_features and value_fn, e.g. "
                f"interactkit.FunctionSpace(fn, n_features)), got {type(space).__name__}"
            )
        self.space = space
        self.n_features = int(n_features)
        if batch_size is None:
            batch_size = getattr(space, "max_batch_size", None) or DEFAULT_QUERY_BATCH
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"batch_size must be an int, got {type(batch_size).__name__}")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = int(batch_size)
        if budget is not None:
            budget = check_int("budget", budget, minimum=1)
        self.budget = budget
        self.device = torch.device(getattr(space, "device", None) or "cpu")
        # float64 values stay on the model's device, except where the device has no float64
        self.value_device = self.device if self.device.type != "mps" else torch.device("cpu")
        self.check_determinism = check_determinism
        self.n_queries = 0
        self.n_requested = 0
        self.n_calls = 0
        self.model_seconds = 0.0
        self.output_dtype: torch.dtype | None = None

    @property
    def resolution(self) -> float:
        """Relative precision of the model's outputs (machine epsilon of its output dtype)."""
        dtype = self.output_dtype or torch.float64
        if not dtype.is_floating_point:
            return float(torch.finfo(torch.float64).eps)
        return float(torch.finfo(dtype).eps)

    def __call__(self, masks: torch.Tensor) -> torch.Tensor:
        """Values of ``masks``.

        Args:
            masks: ``BoolTensor[B, n_features]`` (any device; moved to the space's device).

        Returns:
            ``float64 Tensor[B]`` (on the space's device; CPU for MPS),
            ``values[b] = value_fn(masks[b])``.
        """
        masks = check_masks(masks, self.n_features, self.device)
        self.n_requested += masks.shape[0]
        unique, inverse = unique_masks(masks)
        n_unique = unique.shape[0]
        if self.budget is not None and self.n_queries + n_unique > self.budget:
            raise QueryError(
                f"query budget exceeded: this step needs {n_unique} distinct model queries, "
                f"{self.n_queries} of the budget {self.budget} are already used; raise the "
                "budget or lower the number of samples"
            )
        values = torch.empty(n_unique, dtype=torch.float64, device=self.value_device)
        start = 0
        while start < n_unique:
            if self.check_determinism and self.n_calls == 0 and self.batch_size >= 16:
                size = min(self.batch_size - 2, n_unique - start)
                chunk = unique[start : start + size]
                values[start : start + size] = self._evaluate_checked(chunk)
            else:
                size = min(self.batch_size, n_unique - start)
                chunk = unique[start : start + size]
                values[start : start + size] = self._evaluate(chunk)
            start += size
        self.n_queries += n_unique
        return values[inverse.to(values.device)]

    def _evaluate(self, chunk: torch.Tensor) -> torch.Tensor:
        start = time.perf_counter()
        with torch.inference_mode():
            raw = self.space.value_fn(chunk)
            if isinstance(raw, torch.Tensor):
                synchronize(raw.device)  # so that the clock measures the model's queued work
        self.model_seconds += time.perf_counter() - start
        self.n_calls += 1
        if self.output_dtype is None:
            self.output_dtype = _dtype_of(raw)
        hint = getattr(self.space, "nonfinite_hint", "")
        return _validate_values(raw, chunk.shape[0], self.value_device, hint)

    def _evaluate_checked(self, chunk: torch.Tensor) -> torch.Tensor:
        """Evaluate ``chunk`` plus a repeat of its first and last mask; warn if they differ."""
        n = chunk.shape[0]
        repeat = torch.tensor([0, n - 1], device=chunk.device)
        try:
            values = self._evaluate(torch.cat([chunk, chunk[repeat]]))
        except QueryError:
            return self._evaluate(chunk)  # the error, in terms of the masks asked for
        first, again = values[repeat.to(values.device)], values[n:]
        spread = float((values.max() - values.min()).abs())
        scale = spread + float(values.abs().max())
        tolerance = 1e3 * self.resolution * scale + 1e-30
        diff = float((first - again).abs().max())
        if diff > tolerance:
            warn(
                f"the model is not deterministic: the same input gave outputs {float(first[0]):.6g}"
                f" and {float(again[0]):.6g} (differing by up to {diff:.3g}) within one batch; "
                "interactions detected on it describe its noise. Put the model in eval mode "
                "(dropout off) and turn off sampling in it, or average several calls inside the "
                "value function",
                NondeterminismWarning,
            )
        return values[:n]


class MemoQuerier:
    """A :class:`Querier` that remembers: a mask is sent to the model once over all calls.

    For algorithms that ask for masks in many small requests (captum's samplers), where the
    per-call de-duplication of :class:`Querier` misses repeats across calls. Arguments as
    :class:`Querier`; ``n_queries``, ``n_calls`` and ``model_seconds`` are the inner querier's.
    """

    def __init__(
        self, space: Queryable, batch_size: int | None = None, budget: int | None = None
    ) -> None:
        self.querier = Querier(space, batch_size=batch_size, budget=budget)
        self._values: dict[bytes, float] = {}

    n_queries = property(lambda self: self.querier.n_queries)
    n_calls = property(lambda self: self.querier.n_calls)
    model_seconds = property(lambda self: self.querier.model_seconds)

    def __call__(self, masks: torch.Tensor) -> torch.Tensor:
        """``float64 Tensor[B]`` (CPU) of ``masks: [B, n_features]``."""
        masks = check_masks(masks, self.querier.n_features)
        unique, inverse = unique_masks(masks.cpu())
        keys = [row.tobytes() for row in np.packbits(unique.numpy(), axis=1)]
        new = [i for i, key in enumerate(keys) if key not in self._values]
        if new:
            fresh = self.querier(unique[new]).cpu().tolist()
            self._values.update({keys[i]: v for i, v in zip(new, fresh)})
        values = torch.tensor([self._values[key] for key in keys], dtype=torch.float64)
        return values[inverse]


def unique_masks(masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The distinct rows of ``masks: BoolTensor[B, p]`` and where each row went.

    Returns:
        ``(unique [U, p], inverse [B])`` with ``masks == unique[inverse]``, the rows in
        lexicographic order, as ``torch.unique(masks, dim=0, return_inverse=True)``.
    """
    n_features = masks.shape[1]
    if not 0 < n_features <= 63 or masks.shape[0] == 0:
        return torch.unique(masks, dim=0, return_inverse=True)
    # a row read as a binary number (its first column the most significant bit) sorts as the
    # row does: a sort of B integers instead of a sort of rows
    bits = 2 ** torch.arange(n_features - 1, -1, -1, dtype=torch.long, device=masks.device)
    keys = (masks.long() * bits).sum(dim=1)
    unique_keys, inverse = torch.unique(keys, sorted=True, return_inverse=True)
    return (unique_keys[:, None] & bits) != 0, inverse


class NondeterminismWarning(UserWarning):
    """The model gave different outputs for identical inputs."""


def _dtype_of(raw: Any) -> torch.dtype | None:
    if isinstance(raw, torch.Tensor):
        return raw.dtype
    dtype = getattr(raw, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return {2: torch.float16, 4: torch.float32}.get(dtype.itemsize, torch.float64)
    return torch.float64  # Python floats


def check_masks(
    masks: Any,
    n_features: int,
    device: torch.device | str | None = None,
    allow_single: bool = False,
) -> torch.Tensor:
    """The one mask check: ``masks`` as ``BoolTensor[B, n_features]`` on ``device``.

    Accepts a bool tensor or a 0/1 tensor/array/list ``[B, n_features]``; with
    ``allow_single``, also one mask ``[n_features]`` (returned as ``[1, n_features]``).

    Raises:
        ValueError: wrong number of dimensions or columns, or values other than 0/1.
    """
    if not isinstance(masks, torch.Tensor):
        try:
            masks = torch.as_tensor(np.asarray(masks))
        except (TypeError, ValueError) as err:
            raise ValueError(f"masks must be a bool tensor or a 0/1 array: {err}") from None
    if masks.dim() == 1 and allow_single:
        masks = masks[None]
    if masks.dim() != 2:
        raise ValueError(f"masks must be 2-D [batch, n_features], got shape {tuple(masks.shape)}")
    if masks.shape[1] != n_features:
        raise ValueError(
            f"mask width {masks.shape[1]} does not match n_features={n_features}: give one "
            "column per feature"
        )
    if masks.dtype != torch.bool:
        if masks.is_complex() or not bool(((masks == 0) | (masks == 1)).all()):
            raise ValueError("masks must be boolean (or 0/1 valued)")
        masks = masks.bool()
    return masks if device is None else masks.to(device)


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
        # a copy: read-only arrays (a pandas Series' values) cannot back a tensor
        values = raw.detach() if isinstance(raw, torch.Tensor) else torch.as_tensor(np.array(raw))
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


def _validate_values(raw: Any, batch: int, device: torch.device, hint: str = "") -> torch.Tensor:
    values = as_batch_vector(
        raw,
        batch,
        hint_2d="; it looks like per-class outputs: select the explained output (e.g. the "
        "target class logit) inside the value function",
        hint_nonfinite=hint
        or "; the model must produce a finite output for every perturbed input (for "
        "probabilities, clip before taking a logit)",
    )
    return values.to(device=device)
