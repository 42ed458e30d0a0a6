"""Reading black-box models: where a module lives and what logits its output holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

__all__ = ["module_device", "output_logits", "synchronize"]


def module_device(model: Any, default: torch.device | str = "cpu") -> torch.device:
    """The device of a module's first parameter (or buffer); ``default`` for anything else."""
    if isinstance(model, torch.nn.Module):
        for tensor in model.parameters():
            return tensor.device
        for tensor in model.buffers():
            return tensor.device
    return torch.device(default)


def output_logits(out: Any, batch: int, inputs: str = "inputs") -> torch.Tensor:
    """The logits ``Tensor[batch, C]`` held by a model's output.

    Accepts a tensor ``[batch, C]`` or ``[batch]`` (one output: returned as ``[batch, 1]``), an
    object with a ``logits`` tensor (Hugging Face ``ModelOutput``), a mapping with a ``"logits"``
    entry, or a tuple/list whose first element is the logits.

    Args:
        out: what the model returned for a batch of ``batch`` inputs.
        batch: the batch size sent to the model.
        inputs: how to name the inputs in errors (e.g. ``"images"``).

    Raises:
        TypeError: no logits tensor in ``out``.
        ValueError: the logits do not have one row per input.
    """
    logits = out
    if not isinstance(logits, torch.Tensor):
        if isinstance(out, Mapping) and "logits" in out:
            logits = out["logits"]
        elif isinstance(getattr(out, "logits", None), torch.Tensor):
            logits = out.logits
        elif isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
            logits = out[0]
    if not isinstance(logits, torch.Tensor):
        raise TypeError(
            f"the model returned {type(out).__name__} for a batch of {batch} {inputs}; it must "
            f"return a logits tensor [batch, n_classes] (or an object with a .logits tensor)"
        )
    if logits.dim() == 1:
        logits = logits[:, None]
    if logits.dim() != 2 or logits.shape[0] != batch:
        raise ValueError(
            f"the model returned shape {tuple(logits.shape)} for a batch of {batch} {inputs}; "
            f"expected logits of shape ({batch}, n_classes). Wrap a model that returns "
            "something else in a function that selects the logits"
        )
    return logits


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (so that a timer measures it); a no-op on the CPU."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":  # pragma: no cover - needs Apple hardware
        torch.mps.synchronize()
