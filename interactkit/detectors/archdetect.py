"""ArchDetect and ArchAttribute (Tsang, Rambhatla & Liu, "How does this interaction affect me?
Interpretable attribution for feature interactions", NeurIPS 2020).

For a pair ``(i, j)`` and a context ``c`` (the state of every other feature)::

    delta_ij(c) = f(c, i on, j on) - f(c, i on, j off) - f(c, i off, j on) + f(c, i off, j off)

ArchDetect evaluates it in the two contexts ``x' = all off`` and ``x* = all on`` and scores the
pair by ``0.5 * delta_ij(x')^2 + 0.5 * delta_ij(x*)^2``. That takes the masks ``{}, {i}, {i, j}``
and their complements: ``2 * (1 + p + p(p-1)/2)`` queries, fewer once duplicates are removed.
ArchAttribute of a set ``I`` is ``f(I on, rest off) - f(all off)``.

Which pairs are real is decided by :mod:`.pair_cutoff`; a set of three or more features is
reported only when its own higher-order effect is measured (:mod:`.set_check`: two more queries
per candidate set). Each explanation's fidelity (:mod:`.fidelity`) is a ridge on main effects
and the detected sets fitted on ArchDetect's own queries, scored on ``fidelity_samples`` random
masks drawn as MADEX draws them (fixed generator: ArchDetect stays deterministic).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import torch

from interactkit._utils.checks import check_float, check_int
from interactkit._utils.progress import progress as progress_bar
from interactkit.detectors.base import Detector, check_spaces
from interactkit.detectors.fidelity import set_model_r2
from interactkit.detectors.nid import MAX_STORED_PAIRS
from interactkit.detectors.pair_cutoff import detect_pairs, maximal_cliques, noise_scale
from interactkit.detectors.set_check import MAX_SET_TESTS, ContextValues, confirm_sets
from interactkit.query import Querier, QueryError
from interactkit.results import (
    Fidelity,
    Interaction,
    LocalExplanation,
    PairList,
    make_interactions,
)
from interactkit.sampling import make_generator, resolve_seeds, sample_masks
from interactkit.space import FeatureSpace, ValueFn, as_space

__all__ = ["ArchDetect", "archattribute", "archdetect_queries"]

# masks built at once: blocks of pairs with about this many mask entries
_MASK_BLOCK_ELEMENTS = 2**24
#: the most of ArchDetect's own queries its fidelity ridge is fitted on
MAX_FIT_MASKS = 4096
#: fewer held-out masks than this measure no R^2 worth reporting
MIN_FIDELITY_SAMPLES = 16


class ArchDetect(Detector):
    """ArchDetect pairwise detection with ArchAttribute main effects (``method="archdetect"``).

    Deterministic (no sampling, no training): the seed is recorded but unused. Its cost grows
    with the square of the number of features, ``2 * (1 + p + p(p-1)/2)`` queries (1,642 for
    p = 40; 360,602 for p = 600), so it refuses up front what would exceed ``max_queries``;
    masks are built and queried in blocks of pairs, so memory stays bounded.

    Args:
        max_interactions: keep at most this many ranked pairs in ``interactions`` (at most
            :data:`~interactkit.detectors.nid.MAX_STORED_PAIRS` stay in ``pairs()``).
        query_batch_size: most masks per model call.
        query_budget: optional cap on distinct model queries per instance; an instance that
            needs more raises before any query is made.
        max_queries: refuse an instance that needs more queries than this (default 100,000,
            p <= 316); raise it deliberately for more features.
        cutoff: judge which pairs are real and merge them into sets (``detected``; see
            :mod:`~interactkit.detectors.pair_cutoff`), which GLIDER counts.
        threshold, low_threshold: the cut-off's z-scores (a pair stands out; a pair closes a
            triangle of two detected pairs); a set of three or more must stand out by
            ``threshold`` too (:mod:`~interactkit.detectors.set_check`).
        fidelity_samples: random masks the explanation's held-out R^2 is measured on (0: none;
            see :mod:`~interactkit.detectors.fidelity`); with a ``query_budget``, at most what
            the budget leaves.
    """

    name = "archdetect"
    deterministic = True

    def __init__(
        self,
        max_interactions: int = 100,
        query_batch_size: int | None = None,
        query_budget: int | None = None,
        max_queries: int = 100_000,
        cutoff: bool = True,
        threshold: float = 4.0,
        low_threshold: float = 2.0,
        fidelity_samples: int = 128,
    ) -> None:
        check_int("max_interactions", max_interactions)
        if query_batch_size is not None:
            check_int("query_batch_size", query_batch_size)
        if query_budget is not None:
            check_int("query_budget", query_budget)
        check_int("max_queries", max_queries)
        if not isinstance(cutoff, bool):
            raise TypeError(f"cutoff must be True or False, got {cutoff!r}")
        threshold = check_float("threshold", threshold, 0, low_open=True)
        low_threshold = check_float("low_threshold", low_threshold, 0, threshold, low_open=True)
        check_int("fidelity_samples", fidelity_samples, minimum=0)
        self._params = {
            "max_interactions": max_interactions,
            "query_batch_size": query_batch_size,
            "query_budget": query_budget,
            "max_queries": max_queries,
            "cutoff": cutoff,
            "threshold": threshold,
            "low_threshold": low_threshold,
            "fidelity_samples": fidelity_samples,
        }

    def explain_many(
        self,
        spaces: Sequence[FeatureSpace],
        seed: int | Sequence[int] = 0,
        progress: bool | None = None,
    ) -> list[LocalExplanation]:
        spaces = check_spaces(spaces)
        seeds = resolve_seeds(seed, len(spaces))
        for space in spaces:
            self._check_cost(space.n_features)
        bar = progress_bar(len(spaces), "ArchDetect", "instance", progress, leave=False)
        out = []
        for space, s in zip(spaces, seeds):
            out.append(self._explain_one(space, s))
            bar.update(1)
        bar.close()
        return out

    def _check_cost(self, p: int) -> None:
        needed = archdetect_queries(p)
        limit = self._params["max_queries"]
        budget = self._params["query_budget"]
        if budget is not None and needed > budget:
            raise QueryError(
                f"ArchDetect on {p:,} features needs up to {needed:,} model queries "
                f"(2 * (1 + p + p(p-1)/2)), more than query_budget={budget:,}; raise the budget "
                "or use method='madex' (its queries do not grow with p)"
            )
        if needed > limit:
            mib = needed * p / 2**20
            memory = (
                f"; built at once its masks alone would take {mib:,.0f} MiB" if mib >= 1 else ""
            )
            raise QueryError(
                f"ArchDetect on {p:,} features needs {needed:,} model queries (2 * (1 + p + "
                f"p(p-1)/2)), more than max_queries={limit:,}{memory}. Use method='madex' (its "
                "queries do not grow with p), group features into fewer ones, or raise the "
                f"limit deliberately (ArchDetect(max_queries={needed}))"
            )

    def _explain_one(self, space: FeatureSpace, seed: int) -> LocalExplanation:
        start = time.perf_counter()
        p = space.n_features
        pairs = torch.triu_indices(p, p, offset=1).T  # [P, 2]
        n_pairs = pairs.shape[0]
        querier = Querier(
            space, batch_size=self._params["query_batch_size"], budget=self._params["query_budget"]
        )
        # contexts of single features: {} and {i} (off context), full and full \ {i} (on)
        singles = torch.zeros(1 + p, p, dtype=torch.bool)
        singles[1 + torch.arange(p), torch.arange(p)] = True
        base = querier(torch.cat([singles, ~singles])).double().cpu()
        off1, on1 = base[: 1 + p], base[1 + p :]
        fit = _FitMasks(p)
        fit.add(torch.cat([singles, ~singles]), base)
        delta_off = torch.empty(n_pairs, dtype=torch.float64)
        delta_on = torch.empty(n_pairs, dtype=torch.float64)
        block = max(1, _MASK_BLOCK_ELEMENTS // max(1, p))
        for lo in range(0, n_pairs, block):
            pb = pairs[lo : lo + block]
            rows = torch.arange(pb.shape[0])
            both = torch.zeros(pb.shape[0], p, dtype=torch.bool)
            both[rows, pb[:, 0]] = True
            both[rows, pb[:, 1]] = True
            values = querier(torch.cat([both, ~both])).double().cpu()
            fit.add(torch.cat([both, ~both]), values)
            i, j = pb[:, 0], pb[:, 1]
            # all-off context: {i,j} - {i} - {j} + {}
            delta_off[lo : lo + block] = values[: pb.shape[0]] - off1[1 + i] - off1[1 + j] + off1[0]
            # all-on context: full - (full \ {j}) - (full \ {i}) + (full \ {i,j})
            delta_on[lo : lo + block] = on1[0] - on1[1 + j] - on1[1 + i] + values[pb.shape[0] :]
        strength = 0.5 * delta_off**2 + 0.5 * delta_on**2
        if not bool(torch.isfinite(strength).all()):
            raise QueryError(
                f"the model's outputs are too large for ArchDetect (up to "
                f"{float(base.abs().max()):.3g}): their squared differences overflow float64; "
                "rescale the explained output (e.g. explain a logit, not an exponential)"
            )
        order = strength.argsort(descending=True)[:MAX_STORED_PAIRS]
        names = space.feature_names
        pair_list = PairList(
            pairs[order].cpu().numpy(),
            strength[order].cpu().numpy(),
            names,
            delta_off[order].cpu().numpy(),
        )
        main = (off1[1:] - off1[0]).numpy()
        detected = None
        if self._params["cutoff"]:
            detected = self._detected(
                querier, pairs, delta_off, delta_on, off1, on1, names, float(base.abs().max())
            )
        fidelity = self._fidelity(querier, fit, detected, p)
        return LocalExplanation(
            method=self.name,
            feature_names=names,
            interactions=list(pair_list[: self._params["max_interactions"]]),
            pair_list=pair_list,
            main_effects=main,
            detected=detected,
            cutoff=None if detected is None else len(detected),
            fidelity=fidelity,
            n_queries=querier.n_queries,
            value=float(on1[0]),
            baseline_value=float(off1[0]),
            wall_time=time.perf_counter() - start,
            model_time=querier.model_seconds,
            seed=seed,
            params=self.get_params(),
        )

    def _detected(
        self,
        querier: Querier,
        pairs: torch.Tensor,
        delta_off: torch.Tensor,
        delta_on: torch.Tensor,
        off1: torch.Tensor,
        on1: torch.Tensor,
        names: list[str],
        scale: float,
    ) -> list[Interaction]:
        """The sets judged real: detected pairs (:mod:`.pair_cutoff`), and sets of three or
        more whose own effect is measured (:mod:`.set_check`), each with its mixed difference
        in the all-off context as its effect."""
        params = self._params
        resolution = 8 * querier.resolution * scale
        found = detect_pairs(
            [delta_off, delta_on],
            pairs,
            threshold=params["threshold"],
            low_threshold=params["low_threshold"],
            resolution=resolution,
        )
        edges = [tuple(pr) for pr in pairs[found].tolist()]
        if not edges:
            return []
        values = ContextValues(querier, off1, on1, pairs, delta_off, delta_on)
        sigma = (
            noise_scale(delta_off, resolution=resolution),
            noise_scale(delta_on, resolution=resolution),
        )
        budget = params["query_budget"]
        tests = MAX_SET_TESTS if budget is None else (budget - querier.n_queries) // 2
        effects = confirm_sets(
            values, maximal_cliques(edges), edges, sigma, params["threshold"], max(tests, 0)
        )
        return make_interactions(
            [(e.features, e.strength) for e in effects], names, [e.delta_off for e in effects]
        )

    def _fidelity(
        self,
        querier: Querier,
        fit: _FitMasks,
        detected: list[Interaction] | None,
        p: int,
    ) -> Fidelity | None:
        """Held-out R^2 of main effects + the detected sets, fitted on ArchDetect's queries."""
        n_test = self._params["fidelity_samples"]
        budget = self._params["query_budget"]
        if budget is not None:  # what the budget leaves, if it is enough to measure anything
            n_test = min(n_test, budget - querier.n_queries)
        if n_test < MIN_FIDELITY_SAMPLES:
            return None
        # a fixed generator: the random test masks do not depend on the seed, so ArchDetect
        # stays deterministic
        test = sample_masks(p, n_test + 1, make_generator(0))[1:]
        y_test = querier(test).double().cpu()
        x_fit, y_fit = fit.masks()
        sets = [] if detected is None else [it.features for it in detected]
        r2, r2_main = set_model_r2(
            x_fit[None].double(), y_fit[None], test[None].double(), y_test[None], [sets]
        )
        return Fidelity(r2[0], r2_main[0], None, x_fit.shape[0], n_test)


class _FitMasks:
    """ArchDetect's queried masks and values, kept for the fidelity fit: every one up to
    :data:`MAX_FIT_MASKS`, beyond that an even thinning (memory and the ridge's cost stay
    bounded at large ``p``)."""

    def __init__(self, p: int) -> None:
        self.p = p
        self.parts: list[tuple[torch.Tensor, torch.Tensor]] = []

    def add(self, masks: torch.Tensor, values: torch.Tensor) -> None:
        self.parts.append((masks.cpu(), values))

    def masks(self) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.cat([m for m, _ in self.parts])
        y = torch.cat([v for _, v in self.parts])
        if x.shape[0] > MAX_FIT_MASKS:
            keep = torch.linspace(0, x.shape[0] - 1, MAX_FIT_MASKS).round().long()
            x, y = x[keep], y[keep]
        return x, y


def archdetect_queries(n_features: int) -> int:
    """Masks ArchDetect's pairs take for ``n_features`` (before duplicates are removed); the
    set check adds two per candidate set of three or more features, the fidelity
    ``fidelity_samples``."""
    p = int(n_features)
    return 2 * (1 + p + p * (p - 1) // 2)


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
