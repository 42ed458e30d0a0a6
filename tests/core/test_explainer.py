"""The explainer shape: an adapter written as docs/architecture.md's worked example works."""

from __future__ import annotations

import pytest
import torch

import interactkit


class GroupSpace(interactkit.FeatureSpace):
    """Column groups of one row; off = the group's mean."""

    def __init__(self, model, row, means, groups, names) -> None:
        self.model, self.row, self.means, self.groups = model, row, means, groups
        self.n_features = len(groups)
        self._feature_names = list(names)
        self.calls: list[int] = []

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        self.calls.append(masks.shape[0])
        assert masks.dtype == torch.bool and masks.shape[1] == self.n_features
        keep = torch.zeros(masks.shape[0], self.row.shape[0], dtype=torch.bool)
        for g, columns in enumerate(self.groups):
            keep[:, columns] = masks[:, g : g + 1]
        x = torch.where(keep, self.row, self.means)
        return self.model(x)


class GroupExplainer(interactkit.Explainer):
    space_options = ("scale",)

    def __init__(self, model, means, groups, names, max_batch_size=4096) -> None:
        self.model, self.means, self.groups, self.names = model, means, groups, names
        self.max_batch_size = max_batch_size

    def space(self, row, scale: float = 1.0) -> GroupSpace:
        row = torch.as_tensor(row, dtype=torch.float32) * scale
        space = GroupSpace(self.model, row, self.means, self.groups, self.names)
        space.max_batch_size = self.max_batch_size
        return space


def model(x: torch.Tensor) -> torch.Tensor:
    """Columns 0-1 (group a) interact with column 2 (group b); group c is additive."""
    return (x[:, 0] + x[:, 1]) * x[:, 2] + x[:, 3:].sum(1, keepdim=True).squeeze(1)


@pytest.fixture
def explainer() -> GroupExplainer:
    groups = [[0, 1], [2], [3, 4, 5]]
    return GroupExplainer(model, torch.zeros(6), groups, ["a", "b", "c"], max_batch_size=5)


def test_explainer_gives_spaces_and_explanations(explainer: GroupExplainer) -> None:
    row = torch.ones(6)
    exp = explainer.explain(row, method="archdetect")
    assert exp.pairs(1)[0].names == ("a", "b")
    assert exp.feature_names == ["a", "b", "c"]
    exps = explainer.explain_many([row, 2 * row], method="archdetect")
    assert [e.pairs(1)[0].names for e in exps] == [("a", "b"), ("a", "b")]
    spaces = explainer.spaces([row, row])
    assert len(spaces) == 2 and all(isinstance(s, GroupSpace) for s in spaces)


def test_space_options_go_to_space_and_the_rest_to_the_detector(
    explainer: GroupExplainer,
) -> None:
    row = torch.ones(6)
    small = explainer.explain(row, method="madex", n_samples=300, max_epochs=5, scale=0.5)
    assert small.params["n_samples"] == 300
    assert small.value == pytest.approx(float(model(row[None] * 0.5)[0]))
    with pytest.raises(TypeError, match="MADEX"):
        explainer.explain(row, method="madex", not_a_parameter=1)


def test_value_fn_gets_checked_masks_in_bounded_batches(explainer: GroupExplainer) -> None:
    space = explainer.space(torch.ones(6))
    values = space(torch.tensor([[1, 1, 1], [0, 1, 1], [1, 1, 1], [0, 0, 0]] * 3))
    assert values.shape == (12,)
    assert max(space.calls) <= 5 and sum(space.calls) == 3  # 3 distinct masks, batches <= 5
    with pytest.raises(ValueError, match="n_features=3"):
        space(torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="0/1"):
        space(torch.full((1, 3), 2))
