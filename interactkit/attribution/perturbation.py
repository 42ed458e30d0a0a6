"""captum's perturbation methods in the shared feature space.

A feature space has no input tensor of its own, only masks; captum's perturbation methods only
need a forward function and a way to switch features off. So the *input* given to captum is the
all-ones mask ``[1, n]`` (every feature on: the instance) and the *baseline* is all zeros (every
feature off, in the adapter's sense). Every perturbed input captum forms is then a 0/1 vector,
which the forward function turns into a mask and sends through the query layer::

    captum perturbations  x: float[k, n] in {0, 1}   (k = perturbations_per_eval)
      -> masks = x == 1: BoolTensor[k, n]
      -> MemoQuerier (queried once per distinct mask over the whole run, batched, budgeted)
      -> values: Tensor[k]  (the explained output)
      -> captum attributions: float[1, n]  -> Attribution.values: float[n]

captum (and, for KernelShap and Lime, scikit-learn, captum's default linear solver) are
imported when a method runs, never when ``interactkit`` is imported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from interactkit._utils.checks import check_int, check_seed
from interactkit.query import MemoQuerier, QueryError
from interactkit.results import Attribution
from interactkit.space import FeatureSpace

__all__ = ["PERTURBATION_METHODS", "perturbation_attribution"]

#: method name -> (captum class name, whether it samples, whether it takes ``n_samples``)
PERTURBATION_METHODS: dict[str, tuple[str, bool, bool]] = {
    "ablation": ("FeatureAblation", False, False),
    "shapley": ("ShapleyValueSampling", True, True),
    "kernelshap": ("KernelShap", True, True),
    "lime": ("Lime", True, True),
}
_DEFAULT_SAMPLES = {"shapley": 25, "kernelshap": 1000, "lime": 1000}


def expected_queries(method: str, n_features: int, n_samples: int) -> int:
    """Upper bound on the distinct masks a method queries (before duplicates are removed)."""
    if method == "ablation":
        return n_features + 1
    if method == "shapley":
        return n_samples * n_features + 1
    return n_samples + 1


def _import_captum() -> Any:
    try:
        import captum.attr
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "captum attributions need captum: pip install 'interactkit[attribution]'"
        ) from err
    return captum.attr


def perturbation_attribution(
    space: FeatureSpace,
    method: str,
    n_samples: int | None = None,
    seed: int = 0,
    perturbations_per_eval: int | None = None,
    query_budget: int | None = None,
    **kwargs: Any,
) -> Attribution:
    """Run a captum perturbation method on a feature space's value function.

    Args:
        space: the feature space (input = every feature on, baseline = every feature off).
        method: ``"ablation"``, ``"shapley"``, ``"kernelshap"`` or ``"lime"``.
        n_samples: permutations (shapley, default 25) or samples (kernelshap, lime, default
            1000); not used by ablation.
        seed: captum samples with torch's global generator; it is seeded with this inside a
            forked RNG state, so the same seed gives the same result and the caller's RNG state
            is untouched.
        perturbations_per_eval: perturbed inputs per forward call (default: the space's
            ``max_batch_size`` or 1024, so captum sends large batches).
        query_budget: refuse (before any query) a run that could need more distinct queries.
        **kwargs: passed to the captum constructor (e.g. ``interpretable_model=`` for Lime).

    Returns:
        An :class:`~interactkit.results.Attribution`.
    """
    if method not in PERTURBATION_METHODS:
        raise ValueError(
            f"unknown perturbation method {method!r}; choose from {sorted(PERTURBATION_METHODS)}"
        )
    class_name, samples, takes_samples = PERTURBATION_METHODS[method]
    if "baselines" in kwargs or "baseline" in kwargs:
        raise TypeError(
            "the baseline of a feature space is every feature off, in the adapter's sense; "
            "to change what 'off' means, configure the adapter (e.g. off='pad', off='blur', a "
            "baseline row) instead of passing baselines"
        )
    if not takes_samples and n_samples is not None:
        raise TypeError(f"method {method!r} takes no n_samples (it is exact)")
    n_samples = check_int(
        "n_samples", n_samples if n_samples is not None else _DEFAULT_SAMPLES.get(method, 1)
    )
    seed = check_seed(seed)
    p = space.n_features
    per_eval = perturbations_per_eval or getattr(space, "max_batch_size", None) or 1024
    per_eval = check_int("perturbations_per_eval", per_eval)
    needed = expected_queries(method, p, n_samples)
    if query_budget is not None and needed > check_int("query_budget", query_budget):
        raise QueryError(
            f"{method} on {p} features with n_samples={n_samples} may need up to {needed:,} "
            f"model queries, more than query_budget={query_budget:,}; lower n_samples or raise "
            "the budget"
        )
    querier = MemoQuerier(space, budget=query_budget)
    forward = _forward(querier, p)
    captum_attr = _import_captum()
    algorithm = getattr(captum_attr, class_name)(forward, **kwargs)
    inputs = torch.ones(1, p, dtype=torch.float64)
    call: dict[str, Any] = {
        "baselines": torch.zeros(1, p, dtype=torch.float64),
        "perturbations_per_eval": per_eval,
    }
    if takes_samples:
        call["n_samples"] = n_samples
    if method in ("kernelshap", "lime"):
        call["feature_mask"] = torch.arange(p)[None]
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        values = algorithm.attribute(inputs, **call)
    ends = querier(torch.stack([torch.ones(p, dtype=torch.bool), torch.zeros(p, dtype=torch.bool)]))
    return Attribution(
        method=method,
        feature_names=space.feature_names,
        values=values.detach().double().reshape(-1).cpu().numpy(),
        params={
            "captum": class_name,
            **({"n_samples": n_samples} if takes_samples else {}),
            "perturbations_per_eval": per_eval,
            "model_calls": querier.n_calls,
        },
        n_queries=querier.n_queries,
        value=float(ends[0]),
        baseline_value=float(ends[1]),
        wall_time=time.perf_counter() - start,
        model_time=querier.model_seconds,
        seed=seed if samples else None,
    )


def _forward(querier: MemoQuerier, p: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """captum's forward function: 0/1 inputs ``[k, n]`` -> values ``[k]`` through the querier."""

    def forward(x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(-1, p)
        on = x == 1
        if not bool((on | (x == 0)).all()):
            raise QueryError(
                "captum formed an input that is not a 0/1 mask; only the perturbation methods "
                "run in a feature space (inputs all ones, baseline all zeros)"
            )
        return querier(on).to(x.dtype)

    return forward
