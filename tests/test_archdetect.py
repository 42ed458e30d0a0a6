"""ArchDetect and ArchAttribute."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import interactkit
from interactkit import ArchDetect, QueryError, archattribute
from interactkit.archdetect import archdetect_masks


def f_known(masks: torch.Tensor) -> torch.Tensor:
    x = masks.float()
    return 3 * x[:, 0] * x[:, 1] + 2 * x[:, 2] - x[:, 3] + 0.5 * x[:, 1] * x[:, 4] * x[:, 5]


def test_archdetect_hand_computed() -> None:
    exp = interactkit.explain(f_known, n_features=6, method="archdetect")
    mat = exp.pair_matrix()
    # pair (0,1): delta = 3 in both contexts -> 0.5*9 + 0.5*9 = 9
    assert mat[0, 1] == pytest.approx(9.0)
    # pairs of the triple (1,4,5): off context delta 0, on context delta 0.5 -> 0.125
    for i, j in [(1, 4), (1, 5), (4, 5)]:
        assert mat[i, j] == pytest.approx(0.125)
    # no other pair interacts
    assert mat[0, 2] == 0 and mat[2, 3] == 0
    assert exp.top(1)[0].features == (0, 1)
    assert exp.top(1)[0].effect == pytest.approx(3.0)  # delta in the all-off context
    np.testing.assert_allclose(exp.main_effects, [0, 0, 2, -1, 0, 0], atol=1e-6)
    assert exp.value == pytest.approx(3 + 2 - 1 + 0.5)
    assert exp.baseline_value == 0.0
    assert exp.detected is None and exp.cutoff is None


@pytest.mark.parametrize("p", [6, 12])
def test_archdetect_query_count(p: int) -> None:
    exp = interactkit.explain(f_known if p == 6 else _wide, n_features=p, method="archdetect")
    assert exp.n_queries == 2 * (1 + p + p * (p - 1) // 2)


def _wide(masks: torch.Tensor) -> torch.Tensor:
    return f_known(masks[:, :6]) + masks[:, 6:].float().sum(1)


def test_archdetect_query_count_is_fewer_when_masks_repeat() -> None:
    # p = 4: the complement of a pair is a pair, so some masks coincide
    exp = interactkit.explain(lambda m: m.float().prod(1), n_features=4, method="archdetect")
    masks, _ = archdetect_masks(4)
    assert exp.n_queries == torch.unique(masks, dim=0).shape[0] < 2 * (1 + 4 + 6)


def test_archdetect_masks_layout() -> None:
    masks, pairs = archdetect_masks(5)
    assert masks.shape == (2 * (1 + 5 + 10), 5)
    assert pairs.tolist() == [list(c) for c in itertools.combinations(range(5), 2)]
    assert masks[0].sum() == 0 and masks[16].all()
    assert torch.equal(masks[16:], ~masks[:16])


def test_archattribute() -> None:
    attr = archattribute(f_known, [(0, 1), (2,), (1, 4, 5)], n_features=6)
    np.testing.assert_allclose(attr, [3.0, 2.0, 0.5])
    with pytest.raises(ValueError, match="outside"):
        archattribute(f_known, [(0, 9)], n_features=6)


def test_archdetect_budget_too_small() -> None:
    with pytest.raises(QueryError, match="query budget exceeded"):
        interactkit.explain(f_known, n_features=6, method="archdetect", query_budget=10)


def test_archdetect_many_matches_single() -> None:
    spaces = [interactkit.FunctionSpace(f_known, 6), interactkit.FunctionSpace(_wide, 9)]
    many = ArchDetect().explain_many(spaces)
    single = ArchDetect().explain(spaces[1])
    assert [it.features for it in many[1].pairs()] == [it.features for it in single.pairs()]
