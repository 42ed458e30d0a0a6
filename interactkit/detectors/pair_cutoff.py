"""ArchDetect's cut-off: which pairs an instance really has, merged into higher-order sets.

ArchDetect measures each pair ``(i, j)`` by its mixed difference ``delta_ij(c)`` in two contexts
(every other feature off, and every other feature on). Most pairs of a model do not interact, so
in each context the typical ``|delta|`` over pairs is the noise level of that context: a
context can be far noisier than the other (for a CTR model, "every field missing" is an input it
never saw). So each context is scored on its own scale,

    z_ij(c) = |delta_ij(c)| / sigma(c),        sigma(c) = median_ij |delta_ij(c)| / 0.6745

(``0.6745 sigma`` is the median of ``|N(0, sigma^2)|``), and a pair is **detected** when it
stands out in either context, ``max_c z_ij(c) > threshold`` (default 4). A pair interaction makes
only its own pair stand out; an interaction of three features ``{a, b, c}`` makes all three of
its pairs do so, each more weakly. So a pair with ``z > low_threshold`` (default 2) that closes a
triangle of two detected pairs is detected too. The **maximal cliques** of the graph of detected
pairs are the candidates for sets of three or more, which :mod:`.set_check` keeps only where
their own higher-order effect is measured (a triangle of three pairwise interactions is three
pairs, a three-way interaction one triple). ``sigma`` has a floor (``floor`` times the largest
``|delta|`` of the context, plus the outputs' rounding), so an exact function whose other pairs
are exactly 0 detects exactly its interacting pairs.

The rule assumes sparsity (most pairs do not interact); with very few features (fewer than 6
pairs) the median is not a noise level and the floor alone decides.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["detect_pairs", "maximal_cliques", "noise_scale"]

_HALF_NORMAL_MEDIAN = 0.6745
MAX_CLIQUES = 1000


def noise_scale(delta: torch.Tensor, floor: float = 1e-3, resolution: float = 0.0) -> float:
    """``sigma`` of one context: ``median |delta| / 0.6745`` over its pairs ``delta:
    float64[P]``, at least ``floor`` times the largest ``|delta|`` and ``resolution``."""
    mag = delta.abs()
    peak = float(mag.max()) if mag.numel() else 0.0
    sigma = float(mag.median()) / _HALF_NORMAL_MEDIAN if mag.numel() >= 6 else 0.0
    return max(sigma, floor * peak, resolution, 1e-300)


def detect_pairs(
    deltas: Sequence[torch.Tensor],
    pairs: torch.Tensor,
    threshold: float = 4.0,
    low_threshold: float = 2.0,
    floor: float = 1e-3,
    resolution: float = 0.0,
) -> torch.Tensor:
    """Which pairs are detected.

    Args:
        deltas: per context, ``float64[P]`` mixed differences of the ``P`` pairs.
        pairs: ``LongTensor[P, 2]``, the pairs (``i < j``).
        threshold, low_threshold: z-score to detect a pair, and to detect one that closes a
            triangle of two detected pairs.
        floor: ``sigma`` is at least ``floor`` times the context's largest ``|delta|``.
        resolution: absolute floor of ``sigma`` (the outputs' rounding).

    Returns:
        ``BoolTensor[P]``.
    """
    z = torch.stack([d.abs() / noise_scale(d, floor, resolution) for d in deltas]).amax(dim=0)
    strong = z > threshold
    weak = (z > low_threshold) & ~strong
    if not bool(weak.any()) or int(strong.sum()) < 2:
        return strong
    p = int(pairs.max()) + 1
    adj = torch.zeros(p, p, dtype=torch.bool)
    s = pairs[strong]
    adj[s[:, 0], s[:, 1]] = adj[s[:, 1], s[:, 0]] = True
    w = pairs[weak]
    # a weak pair (i, j) closes a triangle when some k is strongly paired with both i and j
    closes = (adj[w[:, 0]] & adj[w[:, 1]]).any(dim=1)
    out = strong.clone()
    out[weak.nonzero().squeeze(1)[closes]] = True
    return out


def _members(bits: int) -> list[int]:
    """The set bits of ``bits``, ascending."""
    out = []
    while bits:
        low = bits & -bits
        out.append(low.bit_length() - 1)
        bits ^= low
    return out


def maximal_cliques(
    edges: Sequence[tuple[int, int]], limit: int = MAX_CLIQUES
) -> list[tuple[int, ...]]:
    """Maximal cliques (of two or more nodes) of an undirected graph, by Bron–Kerbosch with a
    pivot; at most ``limit`` (the largest-first order is not guaranteed past the limit).

    Node sets are Python ints used as bit sets (intersections and counts are then single
    integer operations rather than set operations: ArchDetect runs this once per instance).

    Returns:
        Sorted node tuples, largest cliques first, then lexicographically.
    """
    neighbours: dict[int, int] = {}
    for a, b in edges:
        a, b = int(a), int(b)
        if a == b:
            continue
        neighbours[a] = neighbours.get(a, 0) | (1 << b)
        neighbours[b] = neighbours.get(b, 0) | (1 << a)
    found: list[tuple[int, ...]] = []

    def expand(r: int, candidates: int, excluded: int) -> None:
        if len(found) >= limit:
            return
        if not candidates and not excluded:
            if r.bit_count() >= 2:
                found.append(tuple(_members(r)))
            return
        pivot = max(
            _members(candidates | excluded),
            key=lambda u: (neighbours[u] & candidates).bit_count(),
        )
        for v in _members(candidates & ~neighbours[pivot]):
            expand(r | (1 << v), candidates & neighbours[v], excluded & neighbours[v])
            candidates &= ~(1 << v)
            excluded |= 1 << v

    everyone = 0
    for node in neighbours:
        everyone |= 1 << node
    expand(0, everyone, 0)
    return sorted(found, key=lambda c: (-len(c), c))
