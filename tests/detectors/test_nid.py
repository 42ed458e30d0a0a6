"""NID scores on hand-set MLP weights."""

from __future__ import annotations

import pytest
import torch

from interactkit.detectors.nid import (
    pairwise_strengths,
    prune_after_superset,
    ranked_interactions,
    unit_influence,
)


def _weights() -> list[torch.Tensor]:
    # 3 inputs -> 2 hidden units -> 2 hidden units -> 1 output
    w1 = torch.tensor([[1.0, 0.0], [2.0, 0.5], [0.0, 3.0]])  # [p=3, h1=2]
    w2 = torch.tensor([[1.0, -2.0], [0.5, 1.0]])  # [h1=2, h2=2]
    wy = torch.tensor([[2.0], [-1.0]])  # [h2=2, 1]
    return [w1[None], w2[None], wy[None]]


def test_unit_influence_hand_computed() -> None:
    z = unit_influence(_weights())
    # z = |W2| |w_y|: unit0 = 1*2 + 2*1 = 4 ; unit1 = 0.5*2 + 1*1 = 2
    assert z.tolist() == [[4.0, 2.0]]


def test_pairwise_strengths_hand_computed() -> None:
    w = _weights()
    omega = pairwise_strengths(w[0], unit_influence(w))[0]
    # omega(i, j) = sum_u z_u min(|W1[i,u]|, |W1[j,u]|), z = (4, 2)
    assert omega[0, 1].item() == pytest.approx(4 * 1.0 + 2 * 0.0)
    assert omega[1, 2].item() == pytest.approx(4 * 0.0 + 2 * 0.5)
    assert omega[0, 2].item() == pytest.approx(0.0)
    assert torch.equal(omega, omega.T)
    assert omega.diagonal().abs().sum() == 0


def test_ranked_interactions_any_order_hand_computed() -> None:
    w = _weights()
    ranked = ranked_interactions(w[0], unit_influence(w))[0]
    # unit0: order (1, 0, 2) with |w| (2, 1, 0): {0,1} += 4*1, {0,1,2} += 4*0
    # unit1: order (2, 1, 0) with |w| (3, .5, 0): {1,2} += 2*.5, {0,1,2} += 0
    # {0,1,2} (strength 0) is listed after its subsets and kept; nothing is pruned.
    assert ranked[0] == ((0, 1), pytest.approx(4.0))
    assert ranked[1] == ((1, 2), pytest.approx(1.0))
    assert ranked[2][0] == (0, 1, 2)
    assert len(ranked) == 3


def test_ranked_interactions_prunes_subsets_listed_after_a_superset() -> None:
    # |W1| per unit (columns): unit0 ranks 0,1,2; unit1 ranks 1,2; unit2 ranks 1,2,0.
    w1 = torch.tensor([[1.0, 0.0, 0.9], [0.9, 0.95, 1.0], [0.85, 0.9, 0.95], [0.0, 0.0, 0.0]])[None]
    z = torch.ones(1, 3)
    ranked = ranked_interactions(w1, z)[0]
    # {1,2}: unit1 0.9 + unit2 0.95 = 1.85 ; {0,1,2}: unit0 0.85 + unit2 0.9 = 1.75 ;
    # {0,1}: unit0 0.9 -> listed after its superset {0,1,2}, so pruned.
    assert ranked[0] == ((1, 2), pytest.approx(1.85))
    assert ranked[1] == ((0, 1, 2), pytest.approx(1.75))
    assert (0, 1) not in [fs for fs, _ in ranked]
    assert all(s == pytest.approx(0.0) for _, s in ranked[2:])


def testprune_after_superset() -> None:
    members = torch.tensor(
        [
            [1, 1, 1, 0],  # {0,1,2}
            [1, 1, 0, 0],  # {0,1}: after its superset -> pruned
            [0, 0, 1, 1],  # {2,3}
            [1, 1, 1, 1],  # {0,1,2,3}
            [0, 0, 1, 1],  # duplicate-size subset of the line above -> pruned
        ],
        dtype=torch.bool,
    )
    assert prune_after_superset(members).tolist() == [True, False, True, True, False]


def test_ranked_interactions_respects_limits_and_padding() -> None:
    torch.manual_seed(0)
    w1 = torch.rand(2, 6, 8)
    w1[1, 4:] = 0.0  # instance 1 has only 4 real features
    z = torch.rand(2, 8)
    ranked = ranked_interactions(w1, z, max_interactions=5, max_order=3, feature_counts=[6, 4])
    assert all(len(r) <= 5 for r in ranked)
    assert all(2 <= len(fs) <= 3 for r in ranked for fs, _ in r)
    assert all(max(fs) < 4 for fs, _ in ranked[1])
    strengths = [s for _, s in ranked[0]]
    assert strengths == sorted(strengths, reverse=True)


def test_blockwise_pruning_equals_full_pruning() -> None:
    from interactkit.detectors.nid import kept_in_order

    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        members = torch.rand(500, 8, generator=gen) > 0.5
        full = prune_after_superset(members).nonzero().squeeze(1)
        for limit in (5, 100, 1000):
            assert torch.equal(kept_in_order(members, limit, block=64), full[:limit])
