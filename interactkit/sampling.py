"""Perturbation sampling for MADEX (LIME-style) and seeds for batched runs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from interactkit._utils.checks import check_int, check_seed

__all__ = ["instance_seeds", "kernel_weights", "make_generator", "sample_masks"]


def instance_seeds(seed: int, n: int, start: int = 0) -> list[int]:
    """Per-instance seeds for instances ``start .. start+n-1`` of a run with ``seed``.

    Instance ``i`` of ``explain_many(spaces, seed=seed)`` uses ``instance_seeds(seed, 1, i)[0]``,
    whatever the other instances are, so a result never depends on how instances were batched.
    """
    seed = check_seed(seed)
    n = check_int("n", n, minimum=0)
    start = check_int("start", start, minimum=0)
    return [
        int(np.random.SeedSequence([int(seed), i]).generate_state(1, dtype=np.uint64)[0] >> 1)
        for i in range(start, start + n)
    ]


def resolve_seeds(seed: int | Sequence[int], n: int) -> list[int]:
    """Seeds for ``n`` instances: derived from one int, or given one per instance."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return instance_seeds(int(seed), n)
    if isinstance(seed, (str, bytes)) or not isinstance(seed, Sequence | np.ndarray):
        check_seed(seed)  # raises with a message naming what a seed must be
    seeds = [check_seed(s, "each per-instance seed") for s in seed]
    if len(seeds) != n:
        raise ValueError(f"got {len(seeds)} seeds for {n} instances; give one per instance")
    return seeds


def make_generator(seed: int) -> torch.Generator:
    """A CPU generator (CPU so that results do not depend on the model's device)."""
    gen = torch.Generator()
    gen.manual_seed(int(seed))
    return gen


def sample_masks(n_features: int, n_samples: int, generator: torch.Generator) -> torch.Tensor:
    """MADEX perturbations of one instance.

    Sample 0 keeps every feature (the instance itself). Every other sample draws
    ``k ~ UniformInt[1, n_features]`` and switches off ``k`` features chosen uniformly at random.

    Returns:
        ``BoolTensor[n_samples, n_features]`` on the CPU (True = kept).
    """
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2, got {n_samples}")
    n_off = torch.randint(1, n_features + 1, (n_samples - 1, 1), generator=generator)
    ranks = torch.rand(n_samples - 1, n_features, generator=generator).argsort(dim=1).argsort(dim=1)
    masks = torch.ones(n_samples, n_features, dtype=torch.bool)
    masks[1:] = ranks >= n_off
    return masks


def kernel_weights(masks: torch.Tensor, kernel_width: float | None) -> torch.Tensor:
    """LIME kernel weights ``w = sqrt(exp(-d^2 / width^2))`` with ``d = 1 - sqrt(k_on / n)``.

    ``d`` is the cosine distance between a binary mask and the all-ones instance. ``None`` gives
    uniform weights.

    Args:
        masks: ``BoolTensor[..., n]``.

    Returns:
        ``float32 Tensor[...]``.
    """
    if kernel_width is None:
        return torch.ones(masks.shape[:-1], dtype=torch.float32, device=masks.device)
    frac_on = masks.float().mean(dim=-1)
    distance = 1.0 - frac_on.sqrt()
    return torch.exp(-(distance**2) / kernel_width**2).sqrt()
