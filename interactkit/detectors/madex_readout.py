"""From trained MADEX surrogates to explanations: fit checks, NID rankings, the cut-off, effects.

Inputs are the chunk's tensors as :mod:`interactkit.detectors.madex` built them: masks
``x: [I, S, p]`` (0/1 floats), standardised outputs ``ys: [I, S]``, kernel weights ``w: [I, S]``,
split into train / validation / test slices along ``S``, and the trained surrogates of the ``I``
instances. Effects are reported in the model's output units (``ys * y_std``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from interactkit._utils.warn import warn
from interactkit.detectors.cutoff import (
    merge_overlapping,
    ridge_cutoff,
    ridge_fit,
    weighted_r2,
)
from interactkit.detectors.fidelity import set_model_r2
from interactkit.detectors.nid import (
    pair_candidates,
    pairwise_strengths,
    ranked_interactions,
    ranked_pairs,
    unit_influence,
)
from interactkit.detectors.refine import refine_sets
from interactkit.detectors.surrogate import Surrogates
from interactkit.results import Fidelity, LocalExplanation, PairList, make_interactions
from interactkit.space import FeatureSpace

__all__ = ["MIN_FIT_R2", "QueriedInstance", "constant_result", "read_out"]

#: below this validation R^2 the surrogate does not describe the model and a warning is given
MIN_FIT_R2 = 0.5


@dataclass
class QueriedInstance:
    """Queried perturbations of one instance."""

    space: FeatureSpace
    seed: int
    masks: torch.Tensor  # [S, p] bool
    values: torch.Tensor  # [S] float64
    baseline: float
    resolution: float  # relative precision of the model's outputs
    n_queries: int
    model_time: float


def read_out(
    surrogates: Surrogates,
    x: torch.Tensor,
    ys: torch.Tensor,
    w: torch.Tensor,
    splits: tuple[slice, slice, slice],
    y_std: torch.Tensor,
    instances: list[QueriedInstance],
    counts: list[int],
    name: str,
    params: dict[str, Any],
) -> list[LocalExplanation]:
    """One explanation per instance from its trained surrogate (see the module docstring)."""
    tr, va, te = splits
    # targets are standardised (training variance 1): a split whose variance is below 1e-6
    # of it cannot measure the fit, and its R^2 is reported as None
    val_r2 = finite_or_none(
        weighted_r2(surrogates.predict(x[:, va]), ys[:, va], w[:, va], min_variance=1e-6)
    )
    test_r2 = finite_or_none(
        weighted_r2(surrogates.predict(x[:, te]), ys[:, te], w[:, te], min_variance=1e-6)
    )
    warn_poor_fits(val_r2, counts, x.shape[1])

    z = unit_influence(surrogates.weights)
    w1 = surrogates.weights[0]
    pair_mats = pairwise_strengths(w1, z)
    ranked = ranked_interactions(
        w1, z, params["max_interactions"], params["max_order"], feature_counts=counts
    )

    ranked_sets = [[fs for fs, _ in r] for r in ranked]
    if params["cutoff"]:
        cuts = ridge_cutoff(
            x[:, tr],
            ys[:, tr],
            x[:, va],
            ys[:, va],
            ranked_sets,
            w_train=w[:, tr],
            w_val=w[:, va],
            alpha=params["ridge_alpha"],
            patience=params["cutoff_patience"],
        )
        selected = [r[: c.n_selected] for r, c in zip(ranked, cuts)]
        if params["refine_sets"]:
            # every refined set earned its place: merging would hide a kept pair in its superset
            detected_sets = _refined(selected, ranked, pair_mats, counts, x, ys, w, splits, params)
        else:
            detected_sets = [merge_overlapping(r, params["merge_overlap"]) for r in selected]
    else:
        cuts = None
        detected_sets = [[] for _ in ranked]
    plain_sets = [[fs for fs, _ in d] for d in detected_sets]
    _, mains, set_effects = ridge_fit(
        x[:, tr], ys[:, tr], plain_sets, w[:, tr], alpha=params["ridge_alpha"]
    )
    # fidelity: unweighted, on the held-out test split (random masks, no extra query)
    fit_r2, main_r2 = set_model_r2(x[:, tr], ys[:, tr], x[:, te], ys[:, te], plain_sets)
    model_r2 = finite_or_none(
        weighted_r2(
            surrogates.predict(x[:, te]), ys[:, te], torch.ones_like(ys[:, te]), min_variance=1e-6
        )
    )
    n_fit, n_test = x[:, tr].shape[1], x[:, te].shape[1]

    out = []
    for i, inst in enumerate(instances):
        p, scale = counts[i], float(y_std[i])
        names = inst.space.feature_names
        if len(names) != p:
            raise ValueError(
                f"feature space {inst.space!r} has {len(names)} feature_names for {p} features"
            )
        pair_index, pair_strengths = ranked_pairs(pair_mats[i, :p, :p])
        out.append(
            LocalExplanation(
                method=name,
                feature_names=names,
                interactions=make_interactions(ranked[i], names),
                pair_list=PairList(pair_index, pair_strengths, names),
                main_effects=(mains[i, :p].double().cpu() * scale).numpy(),
                detected=(
                    make_interactions(detected_sets[i], names, [e * scale for e in set_effects[i]])
                    if cuts is not None
                    else None
                ),
                cutoff=None if cuts is None else cuts[i].n_selected,
                fidelity=Fidelity(fit_r2[i], main_r2[i], model_r2[i], n_fit, n_test),
                n_queries=inst.n_queries,
                surrogate_fit={
                    "val_r2": val_r2[i],
                    "test_r2": test_r2[i],
                    "fit_ok": val_r2[i] is not None and val_r2[i] >= MIN_FIT_R2,
                    "best_epoch": int(surrogates.best_epoch[i]),
                    "cutoff_val_r2": None if cuts is None else cuts[i].val_r2,
                },
                value=float(inst.values[0]),
                baseline_value=inst.baseline,
                model_time=inst.model_time,
                seed=inst.seed,
                params=params,
            )
        )
    return out


def _refined(
    selected: list[list[tuple[tuple[int, ...], float]]],
    ranked: list[list[tuple[tuple[int, ...], float]]],
    pair_mats: torch.Tensor,
    counts: list[int],
    x: torch.Tensor,
    ys: torch.Tensor,
    w: torch.Tensor,
    splits: tuple[slice, slice, slice],
    params: dict[str, Any],
) -> list[list[tuple[tuple[int, ...], float]]]:
    """The cut-off's sets repaired with the sets the ranking missed, then pruned
    (:func:`~interactkit.detectors.cutoff.refine_sets`), strongest first; an added set carries
    its pairs' mean pairwise strength."""
    tr, va, _ = splits
    candidates = [pair_candidates(r, pair_mats[i, :p, :p], p) for i, (r, p) in enumerate(
        zip(ranked, counts, strict=True))]  # fmt: skip
    kept = refine_sets(
        x[:, tr],
        ys[:, tr],
        x[:, va],
        ys[:, va],
        [[fs for fs, _ in r] for r in selected],
        candidates,
        w[:, tr],
        w[:, va],
        alpha=params["ridge_alpha"],
    )
    out = []
    for i, sets in enumerate(kept):
        strength = dict(selected[i])
        scored = [(fs, strength.get(fs, _pairwise(pair_mats[i], fs))) for fs in sets]
        out.append(sorted(scored, key=lambda item: -item[1]))
    return out


def _pairwise(mat: torch.Tensor, fs: tuple[int, ...]) -> float:
    """An added set's strength: the mean NID pairwise strength of its pairs."""
    pairs = [(a, b) for k, a in enumerate(fs) for b in fs[k + 1 :]]
    return sum(float(mat[a, b]) for a, b in pairs) / len(pairs)


def constant_result(inst: QueriedInstance, name: str, params: dict[str, Any]) -> LocalExplanation:
    """The explanation of an instance whose output never changes: no interactions."""
    p = inst.space.n_features
    return LocalExplanation(
        method=name,
        feature_names=inst.space.feature_names,
        interactions=[],
        pair_list=[],
        main_effects=np.zeros(p),
        detected=[] if params["cutoff"] else None,
        cutoff=0 if params["cutoff"] else None,
        n_queries=inst.n_queries,
        surrogate_fit={"constant_output": True},
        value=float(inst.values[0]),
        baseline_value=inst.baseline,
        model_time=inst.model_time,
        seed=inst.seed,
        params=params,
    )


def finite_or_none(values: torch.Tensor) -> list[float | None]:
    return [float(v) if torch.isfinite(v) else None for v in values.cpu()]


def warn_poor_fits(val_r2: list[float | None], counts: list[int], n_samples: int) -> None:
    """One warning for the instances whose surrogate does not fit (or cannot be validated)."""
    poor = [i for i, r2 in enumerate(val_r2) if r2 is not None and r2 < MIN_FIT_R2]
    undefined = [i for i, r2 in enumerate(val_r2) if r2 is None]
    if poor:
        worst = min(poor, key=lambda i: val_r2[i])
        warn(
            f"the surrogate does not fit the model for {len(poor)} of {len(val_r2)} instance(s) "
            f"(validation R^2 below {MIN_FIT_R2}; worst {val_r2[worst]:.3g} with "
            f"{counts[worst]} features and {n_samples} samples): their interactions are not "
            "reliable (see surrogate_fit['fit_ok']). Use more samples (n_samples=), fewer "
            "features (group them), or method='archdetect'",
        )
    if undefined:
        warn(
            f"the model's output hardly varies on the validation samples of {len(undefined)} of "
            f"{len(val_r2)} instance(s), so the surrogate's fit cannot be checked and the cut-off "
            "detects nothing there; with this few features use method='archdetect' (exact), "
            "or more samples",
        )
