"""One chunk of MADEX's queried instances as batched tensors: masks, standardised outputs,
kernel weights, and the train / validation / test split of the samples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from interactkit.detectors.madex_readout import QueriedInstance
from interactkit.sampling import kernel_weights

__all__ = ["StackedInstances", "stack_instances"]


@dataclass
class StackedInstances:
    """The chunk's tensors (``I`` instances, ``S`` samples, ``p`` the most features).

    Attributes:
        x: masks ``float32 [I, S, p]`` (0/1; features beyond an instance's own are 0).
        y: outputs ``float64 [I, S]``; ys: standardised on the training split, ``float32``.
        w: kernel weights ``[I, S]``, mean 1 on the training split.
        y_std: ``float64 [I]``, the scale undone in reported effects (1 for constant outputs).
        constant: ``bool [I]``: the output does not change beyond the model's rounding.
        counts: features per instance; splits: the train / validation / test sample slices.
    """

    x: torch.Tensor
    y: torch.Tensor
    ys: torch.Tensor
    w: torch.Tensor
    y_std: torch.Tensor
    constant: torch.Tensor
    counts: list[int]
    splits: tuple[slice, slice, slice]


def stack_instances(
    instances: list[QueriedInstance],
    samples: tuple[int, int, int],
    params: dict[str, Any],
    device: torch.device,
) -> StackedInstances:
    """Stack queried instances (all with ``samples = (n_samples, n_val, n_test)``)."""
    counts = [inst.space.n_features for inst in instances]
    p_max = max(counts)
    n_inst = len(instances)
    n_samples, n_val, n_test = samples
    x = torch.zeros(n_inst, n_samples, p_max, device=device)
    for i, inst in enumerate(instances):
        x[i, :, : counts[i]] = inst.masks.to(device=device, dtype=torch.float32)
    # outputs stay float64 until the offset is removed, so that a large offset (1e6 + a
    # 0.01 interaction) or a large scale (1e39) survives the float32 surrogate
    y = torch.stack([inst.values.double().cpu() for inst in instances])  # [I, S]
    w = torch.stack([kernel_weights(inst.masks, params["kernel_width"]) for inst in instances])

    n_train = n_samples - n_val - n_test
    tr, va, te = (
        slice(0, n_train),
        slice(n_train, n_train + n_val),
        slice(n_train + n_val, None),
    )
    wn = w[:, tr].double() / w[:, tr].double().sum(dim=1, keepdim=True)
    y_mean = (y[:, tr] * wn).sum(dim=1)
    y_std = ((y[:, tr] - y_mean[:, None]) ** 2 * wn).sum(dim=1).sqrt()
    # constant up to the model's own rounding (its output dtype's epsilon)
    resolution = torch.tensor([inst.resolution for inst in instances], dtype=torch.float64)
    constant = y_std <= 8 * resolution * (y_mean.abs() + y[:, tr].abs().amax(dim=1))
    y_std = torch.where(constant, torch.ones_like(y_std), y_std)
    ys = ((y - y_mean[:, None]) / y_std[:, None]).to(device=device, dtype=torch.float32)
    w = (w / w[:, tr].mean(dim=1, keepdim=True)).to(device)
    return StackedInstances(x, y, ys, w, y_std, constant, counts, (tr, va, te))
