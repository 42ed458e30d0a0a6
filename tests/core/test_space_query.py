"""The feature-space contract and the query layer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from interactkit import FeatureSpace, FunctionSpace, Querier, QueryError, as_space


def _sum_fn(masks: torch.Tensor) -> torch.Tensor:
    return masks.float().sum(dim=1)


class CountingSpace(FeatureSpace):
    def __init__(self, n: int, max_batch_size: int | None = None) -> None:
        self.n_features = n
        self.max_batch_size = max_batch_size
        self.batches: list[int] = []

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        self.batches.append(masks.shape[0])
        return masks.float() @ torch.arange(1.0, self.n_features + 1)


@pytest.mark.parametrize("n", [0, 1, -3])
def test_function_space_needs_two_features(n: int) -> None:
    with pytest.raises(ValueError, match="at least 2 features"):
        FunctionSpace(_sum_fn, n)


def test_function_space_checks_arguments() -> None:
    with pytest.raises(TypeError, match="callable"):
        FunctionSpace(3, 4)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="int"):
        FunctionSpace(_sum_fn, 4.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="3 entries but n_features is 4"):
        FunctionSpace(_sum_fn, 4, feature_names=["a", "b", "c"])
    space = FunctionSpace(_sum_fn, 3, feature_names=["a", "b", "c"])
    assert space.feature_names == ["a", "b", "c"]
    assert FunctionSpace(_sum_fn, 3).feature_names == ["x0", "x1", "x2"]


def test_as_space() -> None:
    with pytest.raises(ValueError, match="needs n_features"):
        as_space(_sum_fn)
    space = CountingSpace(4)
    assert as_space(space) is space
    with pytest.raises(ValueError, match="disagrees"):
        as_space(space, n_features=5)
    with pytest.raises(TypeError, match="FeatureSpace or a callable"):
        as_space("not a model")  # type: ignore[arg-type]


def test_querier_deduplicates_and_batches() -> None:
    space = CountingSpace(5, max_batch_size=3)
    querier = Querier(space)
    masks = torch.tensor(
        [
            [1, 0, 0, 0, 0],
            [1, 0, 0, 0, 0],
            [0, 1, 1, 0, 0],
            [1, 1, 1, 1, 1],
            [0, 1, 1, 0, 0],
            [0, 0, 0, 0, 1],
            [0, 0, 0, 1, 0],
        ],
        dtype=torch.bool,
    )
    values = querier(masks)
    assert values.tolist() == [1.0, 1.0, 5.0, 15.0, 5.0, 5.0, 4.0]
    assert querier.n_queries == 5  # distinct masks
    assert querier.n_requested == 7
    assert space.batches == [3, 2]  # bounded by max_batch_size
    assert querier.n_calls == 2


def test_querier_accepts_0_1_masks_lists_and_column_outputs() -> None:
    querier = Querier(FunctionSpace(lambda m: m.float().sum(1, keepdim=True).numpy(), 3))
    out = querier(np.array([[1, 0, 1], [0, 0, 0]]))
    assert out.tolist() == [2.0, 0.0]
    querier = Querier(FunctionSpace(lambda m: [float(r.sum()) for r in m], 3))
    assert querier(torch.ones(2, 3, dtype=torch.bool)).tolist() == [3.0, 3.0]


def test_querier_rejects_bad_masks() -> None:
    querier = Querier(FunctionSpace(_sum_fn, 4))
    with pytest.raises(ValueError, match="mask width 3 does not match n_features=4"):
        querier(torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="2-D"):
        querier(torch.ones(4, dtype=torch.bool))
    with pytest.raises(ValueError, match="boolean"):
        querier(torch.full((2, 4), 0.5))


def test_querier_rejects_wrong_output_shape() -> None:
    per_class = FunctionSpace(lambda m: torch.zeros(m.shape[0], 2), 4)
    with pytest.raises(QueryError, match=r"shape \(2, 2\) for a batch of 2 masks.*per-class"):
        Querier(per_class)(torch.ones(2, 4, dtype=torch.bool) ^ torch.eye(2, 4, dtype=torch.bool))
    short = FunctionSpace(lambda m: torch.zeros(m.shape[0] - 1), 4)
    with pytest.raises(QueryError, match=r"expected \(3,\)"):
        Querier(short)(torch.eye(3, 4, dtype=torch.bool))
    text = FunctionSpace(lambda m: "nope", 4)
    with pytest.raises(QueryError):
        Querier(text)(torch.eye(3, 4, dtype=torch.bool))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_querier_rejects_non_finite_outputs(bad: float) -> None:
    def fn(masks: torch.Tensor) -> torch.Tensor:
        out = masks.float().sum(1)
        out[out == 2] = bad
        return out

    kind = "NaN" if bad != bad else "inf"
    with pytest.raises(QueryError, match=f"non-finite values \\({kind}\\) for 1 of 3 masks"):
        Querier(FunctionSpace(fn, 3))(torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1]]).bool())


def test_querier_budget() -> None:
    querier = Querier(FunctionSpace(_sum_fn, 4), budget=3)
    querier(torch.eye(2, 4, dtype=torch.bool))
    with pytest.raises(QueryError, match="query budget exceeded: this step needs 2 distinct"):
        querier(torch.eye(4, dtype=torch.bool)[2:])
    assert querier.n_queries == 2  # nothing was spent on the refused request


def test_querier_sends_masks_to_the_space_device() -> None:
    seen = []

    def fn(masks: torch.Tensor) -> torch.Tensor:
        seen.append(masks.device)
        return masks.float().sum(1)

    space = FunctionSpace(fn, 3, device="cpu")
    Querier(space)(torch.ones(2, 3, dtype=torch.bool))
    assert seen == [torch.device("cpu")]


@pytest.mark.parametrize("p", [1, 7, 39, 63, 64, 100])
def test_unique_masks_match_torch_unique_rows(p: int) -> None:
    from interactkit.query import unique_masks

    gen = torch.Generator().manual_seed(p)
    masks = torch.rand(300, p, generator=gen) < torch.rand(300, 1, generator=gen)
    masks = torch.cat([masks, masks[:150], torch.ones(3, p, dtype=torch.bool)])
    unique, inverse = unique_masks(masks)
    expected, expected_inverse = torch.unique(masks, dim=0, return_inverse=True)
    assert torch.equal(unique, expected) and torch.equal(inverse, expected_inverse)
    assert torch.equal(unique[inverse], masks)
