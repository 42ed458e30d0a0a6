"""NID on data (X, y)."""

from __future__ import annotations

import numpy as np
import pytest

import interactkit
from interactkit.synthetic import pairwise_auc


def test_detects_a_planted_pair() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(3000, 5))
    y = 3 * x[:, 0] * x[:, 1] + np.sin(2 * x[:, 2]) + x[:, 3]
    exp = interactkit.detect_interactions(x, y, max_epochs=40, hidden=(64, 32), seed=0)
    assert exp.method == "nid"
    assert exp.pairs(1)[0].features == (0, 1)
    assert exp.top(1)[0].features == (0, 1)
    assert exp.surrogate_fit["val_r2"] > 0.9
    # main effects: the spread of each feature's univariate network; x4 does nothing
    assert exp.main_effects[4] < exp.main_effects[2]


def test_batched_data_sets_each_get_their_own_interactions() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(2500, 6))
    y_a = 3 * x[:, 0] * x[:, 1] + x[:, 2]
    y_b = 3 * x[:, 3] * x[:, 5] + np.cos(x[:, 0])
    exps = interactkit.detect_interactions_many(
        [(x, y_a), (x, y_b)], max_epochs=30, hidden=(64, 32), seed=1, lr=1e-2
    )
    assert exps[0].pairs(1)[0].features == (0, 1)
    assert exps[1].pairs(1)[0].features == (3, 5)
    truth = {(0, 1)}
    assert pairwise_auc(exps[0].pair_matrix(), truth) == 1.0


def test_bad_data() -> None:
    x = np.zeros((100, 3))
    with pytest.raises(ValueError, match="100 rows but y has 99"):
        interactkit.detect_interactions(x, np.arange(99.0))
    with pytest.raises(ValueError, match="finite"):
        interactkit.detect_interactions(x + np.nan, np.arange(100.0))
    with pytest.raises(ValueError, match="1 feature"):
        interactkit.detect_interactions(np.zeros((100, 1)), np.arange(100.0))
    with pytest.raises(ValueError, match="constant"):
        interactkit.detect_interactions(x, np.ones(100))
    with pytest.raises(ValueError, match="same shape"):
        interactkit.detect_interactions_many(
            [(x, np.arange(100.0)), (np.zeros((50, 3)), np.arange(50.0))]
        )
