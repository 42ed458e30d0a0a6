"""Sets of three or more features only where their own effect is measured: ArchDetect's check.

Detected pairs that form a clique (``{a, b}``, ``{b, c}``, ``{a, c}``) may come from one
three-way interaction or from three separate pairwise ones; a clique alone cannot tell, and on
real models cliques of detected pairs grow to 6-9 fields with no effect of their own. So a set
``I`` of three or more features is kept only when its own **mixed difference** (its Möbius
coefficient relative to a context ``c``)::

    delta_I(c) = sum over S ⊆ I of (-1)^(|I| - |S|) f(c with S toggled)

stands out from the noise of that context like a pair does (``|delta_I(c)| / sigma(c) >
threshold`` in either context, ``sigma(c)`` the pairs' noise scale of :mod:`.pair_cutoff`).
Candidates grow level by level inside each clique of detected pairs, as in the a-priori
principle: every triple of a clique is tested, a set of four only when its four triples passed,
and so on. Each candidate costs one new query per context, since every proper subset's value is
known (singles and pairs from ArchDetect's own queries, smaller sets from the levels before).

The kept sets are the confirmed sets not inside a larger confirmed one, and the detected pairs
not inside a kept set. A set's strength is ``0.5 * delta_I(x')^2 + 0.5 * delta_I(x*)^2`` (a
pair's is ArchDetect's), its effect ``delta_I(x')``: its Möbius coefficient in the all-off
context.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from interactkit.query import Querier

__all__ = ["ContextValues", "SetEffect", "confirm_sets"]

FeatureSet = tuple[int, ...]
#: the most candidate sets tested per instance (each costs two queries)
MAX_SET_TESTS = 2000


@dataclass(frozen=True)
class SetEffect:
    """A feature set and its mixed differences in the all-off and all-on contexts."""

    features: FeatureSet
    delta_off: float
    delta_on: float

    @property
    def strength(self) -> float:
        return 0.5 * self.delta_off**2 + 0.5 * self.delta_on**2


class ContextValues:
    """The model's value with a set of features toggled, in the all-off context (the set on,
    the rest off) and the all-on context (the set off, the rest on), for one instance.

    Values of the empty set, single features and pairs come from ArchDetect's own queries;
    larger sets are queried (both contexts in one call) and remembered.

    Args:
        querier: the instance's query layer.
        off1, on1: ``float64[1 + p]``: ``f({})``, ``f({i})`` and ``f(all)``, ``f(all \\ {i})``.
        pairs: ``LongTensor[P, 2]`` and ``delta_off``, ``delta_on``: ``float64[P]``, the pairs'
            mixed differences (from which their values are recovered).
    """

    def __init__(
        self,
        querier: Querier,
        off1: torch.Tensor,
        on1: torch.Tensor,
        pairs: torch.Tensor,
        delta_off: torch.Tensor,
        delta_on: torch.Tensor,
    ) -> None:
        self.querier = querier
        self.p = off1.shape[0] - 1
        self.off1, self.on1 = off1.numpy(), on1.numpy()
        self.pair_index = {(int(i), int(j)): k for k, (i, j) in enumerate(pairs.tolist())}
        self.delta_off, self.delta_on = delta_off.numpy(), delta_on.numpy()
        self.known: dict[FeatureSet, tuple[float, float]] = {}

    def value(self, fs: FeatureSet) -> tuple[float, float]:
        """``(f(fs on, rest off), f(fs off, rest on))`` for a sorted feature tuple."""
        off1, on1 = self.off1, self.on1
        if len(fs) == 0:
            return float(off1[0]), float(on1[0])
        if len(fs) == 1:
            return float(off1[1 + fs[0]]), float(on1[1 + fs[0]])
        if len(fs) == 2:
            i, j = fs
            k = self.pair_index[(i, j)]
            f_off = self.delta_off[k] + off1[1 + i] + off1[1 + j] - off1[0]
            f_on = self.delta_on[k] - on1[0] + on1[1 + i] + on1[1 + j]
            return float(f_off), float(f_on)
        return self.known[fs]

    def query(self, sets: Sequence[FeatureSet]) -> None:
        """Query the sets not known yet, both contexts in one call."""
        new = [fs for fs in dict.fromkeys(sets) if len(fs) > 2 and fs not in self.known]
        if not new:
            return
        masks = torch.zeros(len(new), self.p, dtype=torch.bool)
        for row, fs in enumerate(new):
            masks[row, list(fs)] = True
        values = self.querier(torch.cat([masks, ~masks])).double().cpu().numpy()
        for row, fs in enumerate(new):
            self.known[fs] = (float(values[row]), float(values[len(new) + row]))

    def mixed_difference(self, fs: FeatureSet) -> tuple[float, float]:
        """``(delta_fs(x'), delta_fs(x*))`` by inclusion-exclusion over the subsets of ``fs``.

        In the all-on context the features of ``fs`` are switched off, so a subset ``S`` kept
        on there is the complement ``fs \\ S`` switched off: the sign follows ``|S|``.
        """
        k = len(fs)
        d_off = d_on = 0.0
        for size in range(k + 1):
            sign = (-1.0) ** (k - size)
            for sub in itertools.combinations(fs, size):
                f_off, _ = self.value(sub)
                _, f_on = self.value(tuple(x for x in fs if x not in sub))
                d_off += sign * f_off
                d_on += sign * f_on
        return d_off, d_on


def confirm_sets(
    values: ContextValues,
    cliques: Sequence[FeatureSet],
    detected_pairs: Sequence[FeatureSet],
    sigma: tuple[float, float],
    threshold: float,
    max_tests: int = MAX_SET_TESTS,
) -> list[SetEffect]:
    """The detected sets: confirmed sets of three or more features, and pairs (see the module
    docstring).

    Args:
        values: the instance's :class:`ContextValues`.
        cliques: maximal cliques of detected pairs (sorted tuples), largest first.
        detected_pairs: the detected pairs (sorted tuples).
        sigma: the noise scales of the all-off and all-on contexts.
        threshold: z-score a set's mixed difference must exceed in either context.
        max_tests: the most candidate sets tested (two queries each).

    Returns:
        :class:`SetEffect` s, strongest first.
    """
    confirmed: dict[FeatureSet, SetEffect] = {}
    level = sorted({t for c in cliques if len(c) >= 3 for t in itertools.combinations(c, 3)})
    tests = 0
    while level and tests < max_tests:
        level = level[: max_tests - tests]
        tests += len(level)
        values.query(level)
        passed = []
        for fs in level:
            d_off, d_on = values.mixed_difference(fs)
            if abs(d_off) / sigma[0] > threshold or abs(d_on) / sigma[1] > threshold:
                confirmed[fs] = SetEffect(fs, d_off, d_on)
                passed.append(fs)
        level = _next_level(passed, cliques)
    kept = [fs for fs in confirmed if not any(set(fs) < set(big) for big in confirmed)]
    out = [confirmed[fs] for fs in kept]
    for pair in detected_pairs:
        if not any(set(pair) <= set(fs) for fs in kept):
            d_off, d_on = values.mixed_difference(pair)
            out.append(SetEffect(pair, d_off, d_on))
    return sorted(out, key=lambda e: (-e.strength, e.features))


def _next_level(passed: Sequence[FeatureSet], cliques: Sequence[FeatureSet]) -> list[FeatureSet]:
    """Sets one larger whose every subset one smaller passed, inside a clique."""
    if not passed:
        return []
    ok = set(passed)
    size = len(passed[0]) + 1
    candidates = set()
    for a, b in itertools.combinations(sorted(ok), 2):
        union = tuple(sorted(set(a) | set(b)))
        if len(union) == size and all(sub in ok for sub in itertools.combinations(union, size - 1)):
            candidates.add(union)
    clique_sets = [set(c) for c in cliques]
    return sorted(c for c in candidates if any(set(c) <= cs for cs in clique_sets))
