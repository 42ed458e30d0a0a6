"""The detectors against an exact reference nobody tuned: every 2^p mask of a small function.

At p = 6 all 64 masks are enumerated through the query layer and the function's Möbius
coefficients computed exactly (``m(S) = sum over T ⊆ S of (-1)^(|S|-|T|) f(T)``). The sets
with a non-zero coefficient of order two or more are the function's interactions; ArchDetect
and MADEX must detect exactly those, and ArchDetect's effects are the coefficients themselves.
"""

from __future__ import annotations

import itertools

import pytest
import torch

import interactkit
from interactkit import Querier
from interactkit.space import FunctionSpace

P = 6


def planted(masks: torch.Tensor) -> torch.Tensor:
    x = masks.double()
    return (
        2 * x[:, 0] * x[:, 1]
        + 1.5 * x[:, 2] * x[:, 3] * x[:, 4]
        + x[:, 5]
        - 0.5 * x[:, 1]
        + 0.3 * x[:, 3]
    )


def triangle(masks: torch.Tensor) -> torch.Tensor:
    """Three pairwise interactions that form a triangle, and no three-way term."""
    x = masks.double()
    return x[:, 0] * x[:, 1] + 1.2 * x[:, 1] * x[:, 2] + 0.8 * x[:, 0] * x[:, 2] + x[:, 4]


def moebius(fn) -> dict[tuple[int, ...], float]:
    """Exact Möbius coefficients of ``fn`` on ``P`` features, every mask through the query layer."""
    subsets = [s for k in range(P + 1) for s in itertools.combinations(range(P), k)]
    masks = torch.zeros(len(subsets), P, dtype=torch.bool)
    for row, s in enumerate(subsets):
        masks[row, list(s)] = True
    values = Querier(FunctionSpace(fn, P))(masks).tolist()
    f = dict(zip(subsets, values, strict=True))
    return {
        s: sum(
            (-1) ** (len(s) - k) * f[t]
            for k in range(len(s) + 1)
            for t in itertools.combinations(s, k)
        )
        for s in subsets
    }


def interactions_of(fn) -> dict[tuple[int, ...], float]:
    return {s: m for s, m in moebius(fn).items() if len(s) >= 2 and abs(m) > 1e-9}


@pytest.mark.parametrize("fn", [planted, triangle])
def test_archdetect_detects_exactly_the_nonzero_moebius_sets(fn) -> None:
    truth = interactions_of(fn)
    exp = interactkit.explain(fn, n_features=P, method="archdetect")
    found = {it.features: it.effect for it in exp.detected}
    assert set(found) == set(truth)
    for s, m in truth.items():  # the effect is the set's Möbius coefficient (all-off context)
        assert found[s] == pytest.approx(m)
    assert exp.fidelity.r2 == pytest.approx(1.0, abs=1e-3)  # the sets explain the function


@pytest.mark.parametrize("fn", [planted, triangle])
def test_madex_detects_exactly_the_nonzero_moebius_sets(fn) -> None:
    """With its refined cut-off (the paper's read-out misses a pair of the triangle)."""
    truth = interactions_of(fn)
    exp = interactkit.explain(fn, n_features=P, seed=0, refine_sets=True)
    assert {it.features for it in exp.detected} == set(truth)
    assert exp.fidelity.r2 > 0.99 and exp.fidelity.r2_main < exp.fidelity.r2


def test_the_reference_itself() -> None:
    """The enumeration is right: it recovers the coefficients written in the function."""
    m = moebius(planted)
    assert m[(0, 1)] == pytest.approx(2) and m[(2, 3, 4)] == pytest.approx(1.5)
    assert m[(1,)] == pytest.approx(-0.5) and m[(3,)] == pytest.approx(0.3)
    assert m[(0, 1, 2)] == pytest.approx(0) and m[()] == pytest.approx(0)
