"""Synthetic benchmark functions and the AUC helper."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from interactkit.synthetic import (
    NID_FUNCTIONS,
    archipelago_function,
    archipelago_ground_truth,
    pairs_in_sets,
    pairwise_auc,
)


def test_nid_functions_are_finite_with_the_papers_ground_truth() -> None:
    assert sorted(NID_FUNCTIONS, key=lambda s: int(s[1:])) == [f"F{i}" for i in range(1, 11)]
    for f in NID_FUNCTIONS.values():
        x, y = f.sample(2000, seed=1)
        assert x.shape == (2000, 10) and np.isfinite(y).all()
        assert (x >= np.array(f.low)).all() and (x <= np.array(f.high)).all()
    assert NID_FUNCTIONS["F4"].true_pairs() == NID_FUNCTIONS["F3"].true_pairs() | {(0, 3)}
    assert (3, 4) in NID_FUNCTIONS["F5"].true_pairs()  # {4, 5} in the paper's 1-based indexing


def test_nid_f5_values() -> None:
    x = np.zeros((1, 10))
    x[0, [7, 8, 9]] = 1.0
    # 1/(1+0) + sqrt(exp(0)) + |0| + 1*1*1
    assert NID_FUNCTIONS["F5"].fn(x)[0] == pytest.approx(3.0)


def test_archipelago_functions() -> None:
    ones = torch.ones(1, 40, dtype=torch.bool)
    # F1 at all +1: sum = 40, first block (sum x)^2 = 100, cross = 10 * 10
    assert archipelago_function(1)(ones).item() == pytest.approx(240.0)
    # F2 at all +1: 40 + 1 + 1; at all -1: -40 - 1 - 1
    assert archipelago_function(2)(ones).item() == pytest.approx(42.0)
    assert archipelago_function(2)(~ones).item() == pytest.approx(-42.0)
    # F3 first AND needs features 0..19 at -1
    m = ones.clone()
    m[0, :20] = False
    assert archipelago_function(3)(m).item() == pytest.approx(0.0 + 1 - 1)
    assert len(archipelago_ground_truth(4)) == 3 + 190
    with pytest.raises(ValueError):
        archipelago_function(5)


def test_pairwise_auc_matches_definition() -> None:
    mat = np.array([[0, 3, 1], [3, 0, 2], [1, 2, 0]], dtype=float)
    assert pairwise_auc(mat, {(0, 1)}) == 1.0
    assert pairwise_auc(mat, {(0, 2)}) == 0.0
    assert pairwise_auc(mat, {(1, 2)}) == 0.5
    tie = np.ones((3, 3))
    assert pairwise_auc(tie, {(0, 1)}) == 0.5
    assert pairs_in_sets([(2, 0, 1)]) == {(0, 1), (0, 2), (1, 2)}
