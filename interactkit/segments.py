"""Are segment differences real? A global interaction's frequency in each segment against the rest.

For every selected global interaction and every segment ``s`` (say, the device type of an
impression): its frequency among the instances of ``s`` minus its frequency among all other
instances, with a percentile bootstrap interval (instances resampled within each group). Many
differences are tested at once (interactions x segments), so the intervals are Bonferroni-
adjusted: a difference *holds* when its ``1 - (1 - level) / m`` interval excludes 0, ``m`` the
number of differences. "Recency matters in one region, popularity in another" is then a finding
only where it holds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interactkit.counting import KeyTable
from interactkit.results import SegmentDifference

__all__ = ["segment_differences"]

_BLOCK = 256  # bootstrap resamples drawn at once


def _boot_means(ind: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``float[n_boot, K]`` bootstrap means of the rows of ``ind: bool[n, K]``."""
    n = ind.shape[0]
    values = ind.astype(float)
    probs = np.full(n, 1.0 / n)
    return np.concatenate(
        [
            rng.multinomial(n, probs, size=min(_BLOCK, n_boot - b)) @ values / n
            for b in range(0, n_boot, _BLOCK)
        ]
    )


def segment_differences(
    table: KeyTable,
    keys: Sequence[tuple[str, ...]],
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> list[SegmentDifference]:
    """Segment-vs-rest frequency differences of ``keys`` (see the module docstring).

    Args:
        table: the run's per-instance keys with their segment labels.
        keys: the interactions to compare (e.g. the selected ones), as name tuples.
        n_boot: bootstrap resamples per group (0: no intervals; nothing then holds).

    Returns:
        One :class:`SegmentDifference` per (key, segment), segments in sorted order.
    """
    if table.segments is None:
        raise ValueError("segment_differences needs a run with segment labels")
    labels = sorted(set(table.segments.tolist()))
    keys = [tuple(k) for k in keys]
    if len(labels) < 2 or not keys:
        return []
    ind = table.indicators(keys)  # [N, K]
    m = len(labels) * len(keys)
    alpha = (1 - level) / m / 2
    rng = np.random.default_rng(seed)
    out: list[SegmentDifference] = []
    for label in labels:
        inside = table.segments == label
        a, b = ind[inside], ind[~inside]
        diff = a.mean(0) - b.mean(0)
        if n_boot > 0 and len(a) and len(b):
            boot = _boot_means(a, n_boot, rng) - _boot_means(b, n_boot, rng)
            low, high = np.quantile(boot, alpha, axis=0), np.quantile(boot, 1 - alpha, axis=0)
        else:
            low = high = diff
        for j, key in enumerate(keys):
            holds = bool(n_boot > 0 and (low[j] > 0 or high[j] < 0))
            out.append(
                SegmentDifference(
                    key,
                    str(label),
                    float(a[:, j].mean()) if len(a) else 0.0,
                    float(b[:, j].mean()) if len(b) else 0.0,
                    float(diff[j]),
                    float(low[j]),
                    float(high[j]),
                    holds,
                )
            )
    return out
