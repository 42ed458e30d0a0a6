"""ArchDetect and ArchAttribute."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import interactkit
from interactkit import ArchDetect, QueryError, archattribute
from interactkit.detectors import archdetect
from interactkit.detectors.archdetect import archdetect_queries


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
    # the cut-off: the pair and the triple (all three of its pairs stand out), with their effects
    assert [(it.features, it.effect) for it in exp.detected] == [
        ((0, 1), pytest.approx(3.0)),
        ((1, 4, 5), pytest.approx(0.5)),
    ]
    assert exp.cutoff == 2
    plain = interactkit.explain(f_known, n_features=6, method="archdetect", cutoff=False)
    assert plain.detected is None and plain.cutoff is None


@pytest.mark.parametrize("p", [6, 12])
def test_archdetect_query_count(p: int) -> None:
    fn = f_known if p == 6 else _wide
    exp = interactkit.explain(fn, n_features=p, method="archdetect", fidelity_samples=0)
    # plus two queries per candidate set of three or more features (its own mixed difference
    # in both contexts); here the one candidate, (1, 4, 5), is confirmed
    larger = sum(it.order > 2 for it in exp.detected)
    assert larger == 1
    assert exp.n_queries == 2 * (1 + p + p * (p - 1) // 2) + 2 * larger
    with_fidelity = interactkit.explain(fn, n_features=p, method="archdetect")
    assert exp.n_queries < with_fidelity.n_queries <= exp.n_queries + 128
    assert with_fidelity.fidelity.n_test == 128 and exp.fidelity is None


def _wide(masks: torch.Tensor) -> torch.Tensor:
    return f_known(masks[:, :6]) + masks[:, 6:].float().sum(1)


def _context_masks(p: int) -> torch.Tensor:
    """Every mask ArchDetect needs: {}, {i}, {i, j} and their complements."""
    sets = [(), *((i,) for i in range(p)), *itertools.combinations(range(p), 2)]
    off = torch.zeros(len(sets), p, dtype=torch.bool)
    for row, fs in enumerate(sets):
        off[row, list(fs)] = True
    return torch.cat([off, ~off])


def test_archdetect_query_count_is_fewer_when_masks_repeat() -> None:
    # p = 4: the complement of a pair is a pair, so some masks coincide
    exp = interactkit.explain(
        lambda m: m.float().prod(1), n_features=4, method="archdetect", fidelity_samples=0
    )
    # (the product of 4 has no pair standing out from the others: no set is tested)
    unique = torch.unique(_context_masks(4), dim=0).shape[0]
    assert exp.n_queries == unique < archdetect_queries(4) == 2 * (1 + 4 + 6)


def test_archdetect_in_blocks_of_pairs_equals_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    one = interactkit.explain(f_known, n_features=6, method="archdetect")
    monkeypatch.setattr(archdetect, "_MASK_BLOCK_ELEMENTS", 6 * 4)  # 4 pairs per block
    blocks = interactkit.explain(f_known, n_features=6, method="archdetect")
    assert [(it.features, it.strength) for it in blocks.pairs()] == [
        (it.features, it.strength) for it in one.pairs()
    ]
    assert blocks.n_queries == one.n_queries


def test_archdetect_refuses_quadratic_cost_up_front() -> None:
    calls = []

    def f(masks: torch.Tensor) -> torch.Tensor:
        calls.append(masks.shape[0])
        return masks.float().sum(1)

    with pytest.raises(QueryError, match=r"600 features needs 360,602 model queries.*madex"):
        interactkit.explain(f, n_features=600, method="archdetect")
    with pytest.raises(QueryError, match=r"5,000 features needs 25,005,002 .* MiB"):
        interactkit.explain(f, n_features=5000, method="archdetect")
    with pytest.raises(QueryError, match=r"up to 1,642 model queries.*query_budget=100"):
        interactkit.explain(f, n_features=40, method="archdetect", query_budget=100)
    assert calls == []  # refused before any model call
    exp = interactkit.explain(f, n_features=30, method="archdetect", max_queries=1000)
    # an additive model: no pair, no set tested; the fidelity's 128 masks on top
    assert exp.n_queries <= archdetect_queries(30) + 128 and archdetect_queries(30) == 932
    # a budget is never exceeded: the fidelity takes what is left (none here)
    tight = interactkit.explain(f, n_features=30, method="archdetect", query_budget=932)
    assert tight.n_queries <= 932 and tight.fidelity is None


def test_archdetect_keeps_the_precision_of_the_model() -> None:
    offset = interactkit.explain(
        lambda m: 1e6 + 0.01 * m.double()[:, 0] * m.double()[:, 1],
        n_features=5,
        method="archdetect",
    )
    assert offset.pairs(1)[0].features == (0, 1)
    assert offset.pairs(1)[0].effect == pytest.approx(0.01, rel=1e-6)
    huge = interactkit.explain(
        lambda m: 1e39 * m.double()[:, 0] * m.double()[:, 1], n_features=5, method="archdetect"
    )
    assert huge.pairs(1)[0].strength == pytest.approx(1e78, rel=1e-6)
    with pytest.raises(QueryError, match="too large"):
        interactkit.explain(lambda m: 1e200 * m.double().prod(1), n_features=3, method="archdetect")


def test_archattribute() -> None:
    attr = archattribute(f_known, [(0, 1), (2,), (1, 4, 5)], n_features=6)
    np.testing.assert_allclose(attr, [3.0, 2.0, 0.5])
    with pytest.raises(ValueError, match="outside"):
        archattribute(f_known, [(0, 9)], n_features=6)


def test_archdetect_budget_too_small() -> None:
    with pytest.raises(QueryError, match="query_budget=10; raise the budget"):
        interactkit.explain(f_known, n_features=6, method="archdetect", query_budget=10)


def test_archdetect_many_matches_single() -> None:
    spaces = [interactkit.FunctionSpace(f_known, 6), interactkit.FunctionSpace(_wide, 9)]
    many = ArchDetect().explain_many(spaces)
    single = ArchDetect().explain(spaces[1])
    assert [it.features for it in many[1].pairs()] == [it.features for it in single.pairs()]


def test_cutoff_keeps_pairs_that_share_a_feature_apart() -> None:
    """{a, b} and {b, c} interacting (but not {a, c}) are two pairs, not a triple."""

    def f(masks: torch.Tensor) -> torch.Tensor:
        x = masks.double()
        noise = 0.01 * torch.sin(7 * x @ torch.arange(1.0, 13.0, dtype=torch.float64))
        return 2 * x[:, 0] * x[:, 1] + 1.5 * x[:, 1] * x[:, 2] + x.sum(1) + noise

    exp = interactkit.explain(f, n_features=12, method="archdetect")
    assert sorted(it.features for it in exp.detected) == [(0, 1), (1, 2)]


def test_maximal_cliques() -> None:
    from interactkit.detectors.pair_cutoff import maximal_cliques

    edges = [(0, 1), (1, 2), (0, 2), (2, 3), (4, 5)]
    assert maximal_cliques(edges) == [(0, 1, 2), (2, 3), (4, 5)]
    assert maximal_cliques([]) == []
