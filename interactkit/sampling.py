"""Perturbation sampling for MADEX (LIME-style) and seeds for batched runs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from interactkit._utils.checks import check_int, check_seed

__all__ = [
    "DEFAULT_SAMPLES",
    "MIN_SAMPLES",
    "check_sample_settings",
    "instance_seeds",
    "kernel_weights",
    "make_generator",
    "sample_count",
    "sample_masks",
]

#: the fewest perturbations MADEX accepts per instance
MIN_SAMPLES = 20


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


#: The most perturbations per instance when a detector's ``n_samples`` is None (the paper's).
DEFAULT_SAMPLES = 6000


def check_sample_settings(
    n_samples: int | None,
    min_samples: int,
    samples_per_pair: float | None,
    samples_per_feature: int | None,
    val_samples: int | None,
    test_samples: int | None,
) -> None:
    """Raise ValueError for settings :func:`sample_count` cannot use (or that leave fewer than
    10 training samples after the validation and test splits)."""
    if n_samples is not None:
        check_int("n_samples", n_samples, minimum=MIN_SAMPLES)
    if samples_per_feature is not None:
        check_int("samples_per_feature", samples_per_feature)
    if samples_per_pair is not None:
        if not samples_per_pair > 0:
            raise ValueError(f"samples_per_pair must be > 0 or None, got {samples_per_pair}")
        if samples_per_feature is not None:
            raise ValueError(
                "give samples_per_feature or samples_per_pair, not both (set the other to None)"
            )
    check_int("min_samples", min_samples, minimum=MIN_SAMPLES)
    if val_samples is not None:
        check_int("val_samples", val_samples)
    if test_samples is not None:
        check_int("test_samples", test_samples)
    most = DEFAULT_SAMPLES if n_samples is None else n_samples
    for n in {most, min(min_samples, most)}:
        held = (val_samples or n // 12) + (test_samples or n // 12)
        if n - held < 10:
            raise ValueError(
                f"{n} samples leave {n - held} training samples after the validation and "
                "test splits; use more samples"
            )


def sample_count(
    n_features: int,
    n_samples: int | None,
    min_samples: int,
    samples_per_pair: float | None = None,
    samples_per_feature: int | None = None,
    space_limit: int | None = None,
) -> int:
    """How many perturbations an instance of ``n_features`` gets.

    The most is ``n_samples``, or when that is None, :data:`DEFAULT_SAMPLES` or the space's
    ``max_samples`` (``space_limit``) if smaller. With ``samples_per_pair`` the count follows
    the number of feature pairs, ``clip(round(samples_per_pair * p * (p - 1) / 2), min_samples,
    most)``; with ``samples_per_feature``, ``clip(samples_per_feature * p, ...)``; with neither
    it is the most.
    """
    most = n_samples
    if most is None:
        most = DEFAULT_SAMPLES if space_limit is None else min(DEFAULT_SAMPLES, int(space_limit))
    if samples_per_feature is not None:
        wanted = samples_per_feature * n_features
    elif samples_per_pair is not None:
        wanted = round(samples_per_pair * n_features * (n_features - 1) / 2)
    else:
        return most
    return min(most, max(min_samples, wanted))


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
    # a random order of the features per sample; its first n_off are off. Scattering "position
    # >= n_off" through the order is the same as comparing each feature's rank (the inverse
    # order) with n_off, at one sort instead of two
    order = torch.rand(n_samples - 1, n_features, generator=generator).argsort(dim=1)
    keep = torch.arange(n_features).expand(n_samples - 1, -1) >= n_off
    masks = torch.ones(n_samples, n_features, dtype=torch.bool)
    masks[1:] = torch.empty_like(keep).scatter_(1, order, keep)
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
