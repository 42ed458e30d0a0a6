"""Neural Interaction Detection (Tsang, Cheng & Liu, ICLR 2018) on trained MLP weights.

With first-layer weights ``W1: [p, h1]`` (input j -> unit u) and deeper weights
``W2 .. WL``, ``w_y``, the aggregated influence of first-layer unit ``u`` is::

    z = |W2| |W3| ... |WL| |w_y|          ([h1] after the matrix products)

and the strength of a feature set ``I`` is ``omega(I) = sum_u z_u * min_{j in I} |W1[j, u]|``.

* :func:`pairwise_strengths` scores every pair.
* :func:`ranked_interactions` scores the any-order candidates: for each unit, the inputs ranked
  by ``|W1[:, u]|`` give the sets {top-2}, {top-3}, ... with ``z_u`` times the smallest weight in
  the set; the scores of identical sets add up; sets are sorted by strength and a set listed after
  one of its strict supersets is pruned; at most ``max_interactions`` are kept.
* :func:`pair_candidates` lists pairs missing from such a ranking (inside its larger sets, and
  the strongest by pairwise strength) for the cut-off's repair step.

All functions take a leading instance axis and work on every instance at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import torch

__all__ = [
    "kept_in_order",
    "pair_candidates",
    "pairwise_strengths",
    "prune_after_superset",
    "ranked_interactions",
    "ranked_pairs",
    "unit_influence",
]

#: most pairs an explanation stores (p = 317 features has 50,086)
MAX_STORED_PAIRS = 50_000

_PAIR_CHUNK_ELEMENTS = 2**25


def unit_influence(weights: Sequence[torch.Tensor]) -> torch.Tensor:
    """Aggregated influence ``z`` of each first-layer unit.

    Args:
        weights: ``[W1: [I, p, h1], W2: [I, h1, h2], ..., w_y: [I, hL, 1]]``.

    Returns:
        ``z: [I, h1]`` (non-negative).
    """
    agg = weights[-1].abs()
    for w in reversed(weights[1:-1]):
        agg = torch.bmm(w.abs(), agg)
    return agg.squeeze(-1)


def pairwise_strengths(w1: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """``omega({i, j}) = sum_u z_u min(|W1[i,u]|, |W1[j,u]|)`` for all pairs.

    Args:
        w1: first-layer weights ``[I, p, h1]``.
        z: unit influence ``[I, h1]``.

    Returns:
        Symmetric ``[I, p, p]`` with a zero diagonal.
    """
    a = w1.abs()
    n_inst, p, h1 = a.shape
    out = torch.empty(n_inst, p, p, dtype=a.dtype, device=a.device)
    rows = max(1, _PAIR_CHUNK_ELEMENTS // max(1, p * h1 * p))
    for i in range(n_inst):
        ai, zi = a[i], z[i]
        for start in range(0, p, rows):
            block = torch.minimum(ai[start : start + rows, None, :], ai[None, :, :])
            out[i, start : start + rows] = (block * zi).sum(dim=-1)
    idx = torch.arange(p, device=a.device)
    out[:, idx, idx] = 0.0
    return out


def _set_hash_keys(p: int, device: torch.device) -> torch.Tensor:
    """Random keys per feature; a set's key is the sum of its members' keys.

    Keys are below ``2**63 / p`` so that no sum overflows int64.
    """
    gen = torch.Generator().manual_seed(0x5EED)
    keys = torch.randint(0, (2**63 - 1) // p, (p,), generator=gen, dtype=torch.long)
    return keys.to(device)


def ranked_interactions(
    w1: torch.Tensor,
    z: torch.Tensor,
    max_interactions: int = 100,
    max_order: int | None = None,
    max_candidates: int = 4096,
    feature_counts: Sequence[int] | None = None,
) -> list[list[tuple[tuple[int, ...], float]]]:
    """NID any-order ranking with redundancy pruning, for every instance.

    Args:
        w1: first-layer weights ``[I, p, h1]``.
        z: unit influence ``[I, h1]``.
        max_interactions: keep at most this many sets per instance (after pruning).
        max_order: largest set size considered (default: ``p``).
        max_candidates: strongest distinct candidate sets examined for pruning per instance.
        feature_counts: per instance, how many leading input rows of ``w1`` are real features
            (the rest is padding and is ignored).

    Returns:
        For each instance, ``[(features, strength), ...]`` sorted by decreasing strength;
        ``features`` is a sorted tuple of feature indices.
    """
    a_all = w1.abs().transpose(1, 2)  # [I, h1, p]
    n_inst = a_all.shape[0]
    counts = [a_all.shape[2]] * n_inst if feature_counts is None else list(feature_counts)
    results: list[list[tuple[tuple[int, ...], float]]] = []
    for i in range(n_inst):
        p = int(counts[i])
        order_cap = p if max_order is None else max(2, min(int(max_order), p))
        results.append(
            _rank_one(a_all[i, :, :p], z[i], order_cap, max_interactions, max_candidates)
        )
    return results


def _rank_one(
    a: torch.Tensor, z: torch.Tensor, max_order: int, max_interactions: int, max_candidates: int
) -> list[tuple[tuple[int, ...], float]]:
    """Any-order ranking of one instance; ``a = |W1|ᵀ: [h1, p]``, ``z: [h1]``."""
    p = a.shape[1]
    keys = _set_hash_keys(p, a.device)
    vals, order = a.sort(dim=1, descending=True)  # [h1, p]
    # candidate (u, k): set = order[u, :k+1] for k = 1 .. max_order-1, score z_u * vals[u, k]
    scores = (vals[:, 1:max_order] * z[:, None]).reshape(-1)
    set_keys = keys[order].cumsum(dim=1)[:, 1:max_order].reshape(-1)
    unique_keys, inverse = torch.unique(set_keys, return_inverse=True)
    totals = torch.zeros(unique_keys.shape[0], dtype=scores.dtype, device=scores.device)
    totals.index_add_(0, inverse, scores)
    # one representative (u, k) per unique set, to recover its members
    first = torch.full(
        (unique_keys.shape[0],), scores.shape[0], dtype=torch.long, device=scores.device
    )
    first.scatter_reduce_(0, inverse, torch.arange(scores.shape[0], device=scores.device), "amin")
    top = totals.argsort(descending=True)[:max_candidates]
    members = torch.zeros(top.shape[0], p, dtype=torch.bool, device=a.device)
    rep = first[top]
    unit, kth = rep // (max_order - 1), rep % (max_order - 1) + 2  # set size
    ranks = torch.arange(p, device=a.device)
    members.scatter_(1, order[unit], ranks[None, :] < kth[:, None])
    kept_rows = kept_in_order(members, max_interactions)
    members_np = members[kept_rows].cpu().numpy()
    strengths = totals[top[kept_rows]].tolist()
    return [
        (tuple(int(j) for j in row.nonzero()[0]), float(s)) for row, s in zip(members_np, strengths)
    ]


def kept_in_order(members: torch.Tensor, limit: int, block: int = 256) -> torch.Tensor:
    """Indices of the first ``limit`` sets not listed after a strict superset of theirs.

    Works through the ranked sets in blocks and stops once ``limit`` sets are kept, so the cost
    is usually one ``block x block`` comparison instead of all candidates against each other.
    """
    kept: list[torch.Tensor] = []
    n_kept = 0
    m = members.float()
    sizes = m.sum(dim=1)
    for lo in range(0, members.shape[0], block):
        hi = min(lo + block, members.shape[0])
        inter = m[:hi] @ m[lo:hi].T  # [earlier-or-same, block]
        sup = (inter == sizes[None, lo:hi]) & (sizes[:hi, None] > sizes[None, lo:hi])
        earlier = torch.arange(hi, device=m.device)[:, None] < torch.arange(lo, hi, device=m.device)
        ok = ~(sup & earlier).any(dim=0)
        rows = torch.arange(lo, hi, device=m.device)[ok]
        kept.append(rows)
        n_kept += rows.shape[0]
        if n_kept >= limit:
            break
    return torch.cat(kept)[:limit] if kept else torch.zeros(0, dtype=torch.long)


def prune_after_superset(members: torch.Tensor) -> torch.Tensor:
    """Keep-mask over sets in rank order: drop a set listed after one of its strict supersets.

    Args:
        members: ``BoolTensor[M, p]`` in rank order.
    """
    m = members.float()
    sizes = m.sum(dim=1)
    inter = m @ m.T  # inter[a, b] = |A ∩ B|
    # a is a strict superset of b: B ⊆ A and |A| > |B|
    superset = (inter == sizes[None, :]) & (sizes[:, None] > sizes[None, :])
    earlier = torch.ones_like(superset).triu(diagonal=1)  # a listed before b
    return ~(superset & earlier).any(dim=0)


def ranked_pairs(
    mat: torch.Tensor, max_pairs: int = MAX_STORED_PAIRS
) -> tuple[np.ndarray, np.ndarray]:
    """All pairs ``i < j`` of a ``[p, p]`` strength matrix, strongest first (capped).

    Returns:
        ``(pairs int64[n, 2], strengths float64[n])``.
    """
    p = mat.shape[0]
    iu = torch.triu_indices(p, p, offset=1, device=mat.device)
    vals = mat[iu[0], iu[1]]
    order = vals.argsort(descending=True)[:max_pairs]
    pairs = iu[:, order].T.cpu().numpy().astype(np.int64)
    return pairs, vals[order].double().cpu().numpy()


def pair_candidates(
    ranked: Sequence[tuple[tuple[int, ...], float]],
    pair_mat: torch.Tensor,
    n_pairs: int,
) -> list[tuple[int, ...]]:
    """Sets worth a try beside one instance's any-order ranking ``ranked``: the pairs and
    triples inside its larger sets, then the strongest pairs by pairwise strength (``pair_mat:
    [p, p]``), none already ranked: at most ``2 * n_pairs`` inner pairs, ``n_pairs`` inner
    triples and ``n_pairs`` strongest pairs.

    The any-order rule credits a pair only on units where it is the top two, so a pair whose
    units also weigh a third feature (a triangle of pairs) may appear only inside a larger set,
    and a triple only inside a set of four or more.
    """
    listed = {fs for fs, _ in ranked}
    inner: dict[int, list[tuple[int, ...]]] = {2: [], 3: []}
    for fs, _ in ranked:
        for size in (2, 3):
            if len(fs) > size:
                subs = [s for s in itertools.combinations(fs, size) if s not in listed]
                inner[size].extend(sorted(subs, key=lambda s: -_min_pair(pair_mat, s)))
    strongest: list[tuple[int, ...]] = []
    if pair_mat.shape[0] >= 2:
        index, _ = ranked_pairs(pair_mat, n_pairs + len(listed))
        strongest = [(int(i), int(j)) for i, j in index.tolist() if (i, j) not in listed]
    out = dict.fromkeys(inner[2][: 2 * n_pairs] + inner[3][:n_pairs] + strongest[:n_pairs])
    return list(out)


def _min_pair(pair_mat: torch.Tensor, fs: tuple[int, ...]) -> float:
    """The weakest pairwise strength inside ``fs`` (how strongly all its members interact)."""
    return min(float(pair_mat[i, j]) for i, j in itertools.combinations(fs, 2))
