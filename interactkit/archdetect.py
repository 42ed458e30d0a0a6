"""ArchDetect and ArchAttribute (Tsang, Rambhatla & Liu, "How does this interaction affect me?
Interpretable attribution for feature interactions", NeurIPS 2020).

For a pair ``(i, j)`` and a context ``c`` (the state of every other feature)::

    delta_ij(c) = f(c, i on, j on) - f(c, i on, j off) - f(c, i off, j on) + f(c, i off, j off)

ArchDetect evaluates it in the two contexts ``x' = all off`` and ``x* = all on`` and scores the
pair by ``0.5 * delta_ij(x')^2 + 0.5 * delta_ij(x*)^2``. That takes the masks ``{}, {i}, {i, j}``
and their complements: ``2 * (1 + p + p(p-1)/2)`` queries, fewer once duplicates are removed.
ArchAttribute of a set ``I`` is ``f(I on, rest off) - f(all off)``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

from interactkit.detector import Detector, check_positive_int, check_spaces
from interactkit.explanation import LocalExplanation, make_interactions
from interactkit.query import Querier
from interactkit.sampling import resolve_seeds
from interactkit.space import FeatureSpace, ValueFn, as_space

__all__ = ["ArchDetect", "archattribute", "archdetect_masks"]


def archdetect_masks(n_features: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The masks ArchDetect queries and the pairs they belong to.

    Returns:
        ``masks: BoolTensor[2 * (1 + p + P), p]`` laid out as
        ``[empty, singles (p), pairs (P), full, complements of singles (p), of pairs (P)]`` with
        ``P = p(p-1)/2``, and ``pairs: LongTensor[P, 2]`` (``i < j``, row-major order).
    """
    p = n_features
    pairs = torch.triu_indices(p, p, offset=1).T
    n_pairs = pairs.shape[0]
    off_context = torch.zeros(1 + p + n_pairs, p, dtype=torch.bool)
    off_context[1 + torch.arange(p), torch.arange(p)] = True
    rows = 1 + p + torch.arange(n_pairs)
    off_context[rows, pairs[:, 0]] = True
    off_context[rows, pairs[:, 1]] = True
    return torch.cat([off_context, ~off_context]), pairs


class ArchDetect(Detector):
    """ArchDetect pairwise detection with ArchAttribute main effects (``method="archdetect"``).

    Deterministic (no sampling, no training): the seed is recorded but unused.

    Args:
        max_interactions: keep at most this many ranked pairs in ``interactions`` (all pairs stay
            in ``pairs()``).
        query_batch_size: most masks per model call.
        query_budget: optional cap on distinct model queries per instance; an instance that
            needs more raises before any query is made.
    """

    name = "archdetect"

    def __init__(
        self,
        max_interactions: int = 100,
        query_batch_size: int | None = None,
        query_budget: int | None = None,
    ) -> None:
        check_positive_int("max_interactions", max_interactions)
        if query_batch_size is not None:
            check_positive_int("query_batch_size", query_batch_size)
        if query_budget is not None:
            check_positive_int("query_budget", query_budget)
        self._params = {
            "max_interactions": max_interactions,
            "query_batch_size": query_batch_size,
            "query_budget": query_budget,
        }

    def explain_many(
        self,
        spaces: Sequence[FeatureSpace],
        seed: int | Sequence[int] = 0,
        progress: bool | None = None,
    ) -> list[LocalExplanation]:
        spaces = check_spaces(spaces)
        seeds = resolve_seeds(seed, len(spaces))
        disable = (not progress) if progress is not None else None
        return [
            self._explain_one(space, s)
            for space, s in tqdm(
                list(zip(spaces, seeds)),
                desc="archdetect",
                unit="instance",
                disable=disable,
                leave=False,
            )
        ]

    def _explain_one(self, space: FeatureSpace, seed: int) -> LocalExplanation:
        start = time.perf_counter()
        p = space.n_features
        masks, pairs = archdetect_masks(p)
        querier = Querier(
            space, batch_size=self._params["query_batch_size"], budget=self._params["query_budget"]
        )
        values = querier(masks).double().cpu()
        n_pairs = pairs.shape[0]
        half = 1 + p + n_pairs
        off, on = values[:half], values[half:]
        i, j = pairs[:, 0], pairs[:, 1]
        # all-off context: {i,j} - {i} - {j} + {}
        delta_off = off[1 + p :] - off[1 + i] - off[1 + j] + off[0]
        # all-on context: full - (full \ {j}) - (full \ {i}) + (full \ {i,j})
        delta_on = on[0] - on[1 + j] - on[1 + i] + on[1 + p :]
        strength = 0.5 * delta_off**2 + 0.5 * delta_on**2
        order = strength.argsort(descending=True)
        ranked = [
            ((int(i[k]), int(j[k])), float(strength[k]), float(delta_off[k]))
            for k in order.tolist()
        ]
        names = space.feature_names
        pair_list = make_interactions(
            [(fs, s) for fs, s, _ in ranked], names, [e for _, _, e in ranked]
        )
        main = (off[1 : 1 + p] - off[0]).numpy().astype(float)
        return LocalExplanation(
            method=self.name,
            feature_names=names,
            interactions=pair_list[: self._params["max_interactions"]],
            pair_list=pair_list,
            main_effects=np.asarray(main),
            detected=None,
            cutoff=None,
            n_queries=querier.n_queries,
            value=float(on[0]),
            baseline_value=float(off[0]),
            wall_time=time.perf_counter() - start,
            model_time=querier.model_seconds,
            seed=seed,
            params=self.get_params(),
        )


def archattribute(
    space_or_fn: FeatureSpace | ValueFn,
    sets: Sequence[Sequence[int]],
    n_features: int | None = None,
) -> np.ndarray:
    """ArchAttribute of feature sets: ``f(I on, rest off) - f(all off)`` for each ``I``.

    Args:
        space_or_fn: a feature space, or a value function with ``n_features``.
        sets: feature index sets.

    Returns:
        ``float[len(sets)]``.
    """
    space = as_space(space_or_fn, n_features)
    p = space.n_features
    masks = torch.zeros(len(sets) + 1, p, dtype=torch.bool)
    for k, fs in enumerate(sets):
        idx = [int(f) for f in fs]
        if not idx or min(idx) < 0 or max(idx) >= p:
            raise ValueError(f"set {tuple(fs)} is empty or has indices outside 0..{p - 1}")
        masks[k + 1, idx] = True
    values = Querier(space)(masks).double().cpu()
    return (values[1:] - values[0]).numpy()
