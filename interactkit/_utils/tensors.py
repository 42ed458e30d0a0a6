"""Reading black-box models: where a module lives and what logits its output holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

__all__ = ["check_device", "module_device", "output_logits", "synchronize"]


def check_device(device: torch.device | str, name: str = "device") -> torch.device:
    """``device`` as a ``torch.device`` that exists on this machine.

    Checked before a model or a tensor is moved there, so that ``"cuda"`` on a machine without
    a GPU, ``"cuda:3"`` on one with a single GPU or a misspelt ``"gpu"`` fail with a message
    that says what to use instead (torch's own errors come late, from deep inside a call).

    Raises:
        TypeError: not a str or ``torch.device``.
        ValueError: not a device name torch knows, or a device this machine does not have.
    """
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        try:
            dev = torch.device(device.strip())
        except RuntimeError:
            raise ValueError(
                f"{name} {device!r} is not a torch device; use 'cpu', 'cuda', 'cuda:N' or 'mps'"
            ) from None
    else:
        raise TypeError(f"{name} must be a str or a torch.device, got {type(device).__name__}")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            why = (
                "no GPU or driver is visible (torch.cuda.is_available() is False)"
                if torch.version.cuda
                else "this torch build has no CUDA"
            )
            raise ValueError(f"{name} {str(dev)!r} is not available: {why}; use {name}='cpu'")
        count = torch.cuda.device_count()
        if dev.index is not None and dev.index >= count:
            raise ValueError(
                f"{name} {str(dev)!r} does not exist: {count} CUDA device(s) are visible "
                f"(cuda:0 .. cuda:{count - 1})"
            )
    elif dev.type == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError(f"{name} 'mps' is not available on this machine; use {name}='cpu'")
    elif dev.type != "cpu":
        backend = getattr(torch, dev.type, None)
        available = getattr(backend, "is_available", None)
        if callable(available) and not available():
            raise ValueError(f"{name} {str(dev)!r} is not available here; use {name}='cpu'")
    return dev


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
