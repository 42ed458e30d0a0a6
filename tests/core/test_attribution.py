"""Attributions in the shared feature space (issue 13): captum's perturbation methods on any
value function (checked against exact Shapley values), and the triangulation of methods. The
adapters' gradient paths are tested in ``test_attribution_gradients.py``."""

from __future__ import annotations

import itertools
import math
import os

import numpy as np
import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("captum")
pytest.importorskip("sklearn")

import interactkit
from interactkit import Attribution, QueryError
from interactkit.attribution import agreement_over_instances, compare_attributions

P = 8
WEIGHTS = torch.tensor([1.0, -2.0, 3.0, 0.5, 0.0, 4.0, -1.0, 2.0], dtype=torch.float64)


def additive(masks: torch.Tensor) -> torch.Tensor:
    return masks.double() @ WEIGHTS + 0.25


def with_pair(masks: torch.Tensor) -> torch.Tensor:
    """Additive plus a planted pair 3 * x0 * x1."""
    x = masks.double()
    return x @ WEIGHTS + 3.0 * x[:, 0] * x[:, 1]


def nonlinear(masks: torch.Tensor) -> torch.Tensor:
    x = masks.double()
    return (
        2 * x[:, 0] * x[:, 1]
        + x[:, 2] * x[:, 3] * x[:, 4]
        - 1.5 * x[:, 5]
        + torch.maximum(x[:, 6], x[:, 7])
        + 0.5 * x[:, 0] * x[:, 6]
    )


def exact_shapley(fn, p: int) -> np.ndarray:
    """Shapley values by enumerating all 2^p coalitions (the definition, not a sampler)."""
    masks = torch.tensor(list(itertools.product([0, 1], repeat=p)), dtype=torch.bool)
    value = dict(zip(map(tuple, masks.int().tolist()), fn(masks).tolist()))
    phi = np.zeros(p)
    for coalition, v in value.items():
        size = sum(coalition)
        for i in (i for i in range(p) if coalition[i] == 0):
            weight = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
            phi[i] += weight * (value[(*coalition[:i], 1, *coalition[i + 1 :])] - v)
    return phi


# ------------------------------------------------------------------------------------------
# perturbation methods on any feature space
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "tol"),
    [
        ("ablation", {}, 1e-12),
        ("archattribute", {}, 1e-12),
        ("shapley", {"n_samples": 10}, 1e-5),  # every permutation is exact on an additive f
        ("kernelshap", {"n_samples": 600}, 1e-3),
        ("lime", {"n_samples": 600}, 0.12),  # captum's default Lasso shrinks a little
        ("madex", {"n_samples": 400, "hidden": (32, 16), "max_epochs": 40}, 0.2),
    ],
)
def test_every_method_recovers_the_effects_of_an_additive_function(method, params, tol):
    attr = interactkit.attribute(additive, method=method, n_features=P, seed=0, **params)
    assert isinstance(attr, Attribution) and attr.method == method
    np.testing.assert_allclose(attr.values, WEIGHTS.numpy(), atol=tol)
    assert attr.value == pytest.approx(float(WEIGHTS.sum()) + 0.25)
    assert attr.baseline_value == pytest.approx(0.25)


def test_shapley_sampling_converges_to_exact_shapley_values():
    phi = exact_shapley(nonlinear, P)
    assert phi.sum() == pytest.approx(float(nonlinear(torch.ones(1, P, dtype=torch.bool))[0]))
    few = interactkit.attribute(nonlinear, method="shapley", n_features=P, n_samples=5, seed=0)
    many = interactkit.attribute(nonlinear, method="shapley", n_features=P, n_samples=800, seed=0)
    err_few, err_many = np.abs(few.values - phi).max(), np.abs(many.values - phi).max()
    assert err_many < 0.08 < err_few
    # efficiency holds for every sample size: the values sum to f(all on) - f(all off)
    for attr in (few, many):
        assert attr.values.sum() == pytest.approx(attr.value - attr.baseline_value, abs=1e-5)
    assert many.n_queries <= 2**P  # permutations repeat coalitions; each is queried once
    kernel = interactkit.attribute(
        nonlinear, method="kernelshap", n_features=P, n_samples=5000, seed=0
    )
    assert np.abs(kernel.values - phi).max() < 0.1


def test_a_planted_pair_splits_its_effect_as_shapley_theory_says():
    w = WEIGHTS.numpy()
    shapley = interactkit.attribute(with_pair, method="shapley", n_features=P, n_samples=600)
    np.testing.assert_allclose(shapley.values[:2], w[:2] + 1.5, atol=0.3)  # half of 3 each
    np.testing.assert_allclose(shapley.values[2:], w[2:], atol=1e-5)
    np.testing.assert_allclose(exact_shapley(with_pair, P)[:2], w[:2] + 1.5)
    # the other readings of the same pair: ablation gives each feature all of it (3), and
    # ArchAttribute (each feature alone) none of it
    ablation = interactkit.attribute(with_pair, method="ablation", n_features=P)
    np.testing.assert_allclose(ablation.values[:2], w[:2] + 3.0, atol=1e-12)
    single = interactkit.attribute(with_pair, method="archattribute", n_features=P)
    np.testing.assert_allclose(single.values[:2], w[:2], atol=1e-12)


@pytest.mark.parametrize("method", ["shapley", "kernelshap", "lime"])
def test_same_seed_same_result_and_the_callers_rng_is_untouched(method):
    state = torch.get_rng_state()
    a = interactkit.attribute(nonlinear, method=method, n_features=P, n_samples=40, seed=3)
    assert torch.equal(state, torch.get_rng_state())
    torch.manual_seed(123)
    b = interactkit.attribute(nonlinear, method=method, n_features=P, n_samples=40, seed=3)
    c = interactkit.attribute(nonlinear, method=method, n_features=P, n_samples=40, seed=4)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    assert a.seed == 3 and a.params["n_samples"] == 40


def test_json_round_trip(tmp_path):
    attr = interactkit.attribute(nonlinear, method="kernelshap", n_features=P, n_samples=50)
    path = tmp_path / "attr.json"
    attr.to_json(path)
    for back in (Attribution.from_json(path), Attribution.from_json(attr.to_json())):
        assert back.method == "kernelshap" and back.feature_names == attr.feature_names
        np.testing.assert_array_equal(back.values, attr.values)
        assert back.params == attr.params and back.seed == attr.seed
        assert (back.n_queries, back.value, back.baseline_value) == (
            attr.n_queries,
            attr.value,
            attr.baseline_value,
        )
    assert back.top(1)[0][0] == attr.top(1)[0][0]


def test_queries_are_deduplicated_and_counted():
    seen: list[tuple[bool, ...]] = []

    def fn(masks):
        seen.extend(map(tuple, masks.tolist()))
        return masks.double().sum(1)

    for method in ("shapley", "kernelshap", "lime", "ablation"):
        seen.clear()
        params = {} if method == "ablation" else {"n_samples": 300}
        attr = interactkit.attribute(fn, method=method, n_features=3, **params)
        # 3 features have 8 masks: however many samples captum draws, each is queried once
        assert attr.n_queries == len(set(seen)) <= 8
        assert len(seen) <= attr.n_queries + 2  # + the query layer's determinism re-check
        assert attr.params["model_calls"] >= 1


def test_a_budget_too_small_fails_before_any_query():
    calls = []

    def fn(masks):
        calls.append(masks.shape[0])
        return masks.double().sum(1)

    with pytest.raises(QueryError, match="query_budget=50"):
        interactkit.attribute(fn, method="shapley", n_features=P, n_samples=25, query_budget=50)
    with pytest.raises(QueryError, match="lower n_samples"):
        interactkit.attribute(fn, method="kernelshap", n_features=P, n_samples=99, query_budget=99)
    assert calls == []
    ok = interactkit.attribute(fn, method="ablation", n_features=P, query_budget=P + 2)
    assert ok.n_queries <= P + 2


def test_bad_input_gets_specific_errors():
    with pytest.raises(TypeError, match="configure the adapter"):
        interactkit.attribute(additive, method="ablation", n_features=P, baselines=0.5)
    with pytest.raises(TypeError, match="takes no n_samples"):
        interactkit.attribute(additive, method="ablation", n_features=P, n_samples=10)
    with pytest.raises(ValueError, match=r"unknown attribution method 'shap'.*shapley"):
        interactkit.attribute(additive, method="shap", n_features=P)
    with pytest.raises(TypeError, match="ablation, kernelshap, lime, shapley"):
        interactkit.attribute(additive, method="integrated_gradients", n_features=P)
    with pytest.raises(ValueError, match="n_features"):
        interactkit.attribute(additive, method="shapley")


# ------------------------------------------------------------------------------------------
# triangulation
# ------------------------------------------------------------------------------------------


def _attr(method: str, values, names=None) -> Attribution:
    names = names or [f"x{i}" for i in range(len(values))]
    return Attribution(method=method, feature_names=names, values=np.asarray(values, float))


def test_compare_attributions_of_one_instance():
    a = _attr("a", [3.0, -2.0, 1.0, 0.0])
    same = compare_attributions([a, _attr("b", [3.0, -2.0, 1.0, 0.0])], k=2)
    assert same.summary() == {
        "rank_correlation": 1.0,
        "top_k_agreement": 1.0,
        "sign_agreement": 1.0,
        "consistent_share": 1.0,
    }
    flipped = compare_attributions([a, _attr("b", [3.0, 2.0, 1.0, 0.0])], k=2)
    assert flipped.consistent.tolist() == [True, False, True, True]
    assert flipped.sign_agreement[0, 1] == pytest.approx(2 / 3)  # x0, x1, x2 matter
    assert flipped.top_k_agreement[0, 1] == 1.0  # same two largest |values|
    assert flipped.to_frame()["consistent"].tolist() == [True, False, True, True]
    # a local explanation contributes its main effects
    exp = interactkit.explain(additive, n_features=P, method="archdetect")
    agree = compare_attributions(
        [exp, interactkit.attribute(additive, method="ablation", n_features=P)], k=2
    )
    assert agree.methods == ["archdetect", "ablation"] and agree.consistent.all()
    assert agree.rank_correlation[0, 1] > 0.9 and agree.top_k_agreement[0, 1] == 1.0  # k=2
    with pytest.raises(ValueError, match="same instance"):
        compare_attributions([a, _attr("b", [1.0, 2.0, 3.0, 4.0], list("pqrs"))])
    with pytest.raises(ValueError, match="at least two"):
        compare_attributions([a])


def test_agreement_over_instances():
    first = [_attr("a", [3.0, 1.0, 0.0]), _attr("b", [2.0, 1.0, 0.5])]
    second = [_attr("a", [0.0, 1.0, 3.0]), _attr("b", [3.0, 1.0, 0.0])]
    out = agreement_over_instances([first, second], k=1)
    assert out["n_instances"] == 2 and out["methods"] == ["a", "b"]
    assert out["top1_all_agree"] == 0.5
    assert out["mean_top_k_agreement"] == 0.5
    with pytest.raises(ValueError, match="same methods"):
        agreement_over_instances([first, second[::-1]])
    with pytest.raises(ValueError, match="at least one"):
        agreement_over_instances([])
