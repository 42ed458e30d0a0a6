"""LocalExplanation: ranking access, JSON round trip, tables."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import interactkit
from interactkit import Interaction, LocalExplanation


@pytest.fixture(scope="module")
def madex_exp() -> LocalExplanation:
    def f(masks: torch.Tensor) -> torch.Tensor:
        x = masks.float()
        return 2 * x[:, 0] * x[:, 1] + x[:, 2] * x[:, 3] * x[:, 4] + x[:, 5]

    return interactkit.explain(
        f, n_features=7, feature_names=list("abcdefg"), n_samples=1200, max_epochs=30
    )


def test_top_and_pairs(madex_exp: LocalExplanation) -> None:
    top = madex_exp.top(3)
    assert len(top) == 3 and top[0].names == ("a", "b")
    assert all(it.order == 2 for it in madex_exp.top(5, order=2))
    assert [it.features for it in madex_exp.top(5, detected=True)] == [
        it.features for it in madex_exp.detected
    ]
    pairs = madex_exp.pairs()
    assert len(pairs) == 21
    assert [p.strength for p in pairs] == sorted((p.strength for p in pairs), reverse=True)
    mat = madex_exp.pair_matrix()
    assert mat[0, 1] == mat[1, 0] == pairs[0].strength
    with pytest.raises(ValueError):
        madex_exp.top(-1)


def test_json_round_trip(madex_exp: LocalExplanation, tmp_path) -> None:
    path = tmp_path / "exp.json"
    text = madex_exp.to_json(path)
    assert json.loads(text)["format"] == "interactkit.LocalExplanation"
    back = LocalExplanation.from_json(path)
    assert back.to_dict() == madex_exp.to_dict()
    again = LocalExplanation.from_json(text)
    assert again.interactions == madex_exp.interactions
    assert again.detected == madex_exp.detected
    np.testing.assert_array_equal(again.main_effects, madex_exp.main_effects)


def test_pair_list_reads_as_a_list_of_interactions(madex_exp: LocalExplanation) -> None:
    import pickle

    from interactkit import PairList

    pairs = madex_exp.pair_list
    assert isinstance(pairs, PairList) and len(pairs) == 21
    as_list = list(pairs)
    assert pairs == as_list and as_list == madex_exp.pairs()
    assert pairs[0] == as_list[0] and pairs[-1] == as_list[-1]
    assert pairs[0].names == tuple(madex_exp.feature_names[i] for i in pairs[0].features)
    assert list(pairs[2:5]) == as_list[2:5] and isinstance(pairs[2:5], PairList)
    assert pairs != as_list[:-1]
    with pytest.raises(IndexError, match="out of range"):
        pairs[21]
    assert pickle.loads(pickle.dumps(pairs)) == pairs
    np.testing.assert_array_equal(pairs.matrix(), madex_exp.pair_matrix())
    # a list given to LocalExplanation becomes a PairList; a set of three features is refused
    names = ["x", "y", "z"]
    exp = LocalExplanation(
        "madex", names, [], [Interaction((0, 2), ("x", "z"), 1.5, -0.5)], [0] * 3
    )
    assert isinstance(exp.pair_list, PairList) and exp.pairs(1)[0].effect == -0.5
    with pytest.raises(ValueError, match="two features"):
        LocalExplanation("madex", names, [], [Interaction((0, 1, 2), tuple(names), 1.0)], [0] * 3)
    with pytest.raises(ValueError, match="i < j"):
        PairList(np.array([[1, 0]]), np.array([1.0]), names)


def test_json_rejects_foreign_or_future_files() -> None:
    with pytest.raises(ValueError, match="not a saved LocalExplanation"):
        LocalExplanation.from_json('{"format": "something else"}')
    with pytest.raises(ValueError, match="newer"):
        LocalExplanation.from_json('{"format": "interactkit.LocalExplanation", "version": 99}')


def test_to_frame(madex_exp: LocalExplanation) -> None:
    frame = madex_exp.to_frame()
    assert list(frame.columns) == ["rank", "features", "names", "order", "strength", "effect"]
    assert frame.iloc[0]["names"] == "a, b"
    assert len(madex_exp.to_frame("pairs")) == 21
    assert len(madex_exp.to_frame("detected")) == len(madex_exp.detected)
    mains = madex_exp.to_frame("main_effects")
    assert list(mains["feature"]) == list("abcdefg")
    with pytest.raises(ValueError, match="which must be one of"):
        madex_exp.to_frame("everything")


def test_archdetect_round_trip_and_repr() -> None:
    exp = interactkit.explain(lambda m: m.float()[:, 0] * m.float()[:, 2], 4, method="archdetect")
    back = LocalExplanation.from_json(exp.to_json())
    assert back.pairs() == exp.pairs()
    assert [it.features for it in back.detected] == [(0, 2)]  # ArchDetect's cut-off
    assert "archdetect" in repr(exp)
    assert str(Interaction((0, 2), ("x0", "x2"), 0.5)) == "{x0, x2} 0.5"
    plain = interactkit.explain(
        lambda m: m.float()[:, 0] * m.float()[:, 2], 4, method="archdetect", cutoff=False
    )
    assert LocalExplanation.from_json(plain.to_json()).detected is None
    with pytest.raises(ValueError, match="no cut-off"):
        plain.top(2, detected=True)
