"""Attribution consistency over many instances: do methods agree on the main effects?

:func:`attribution_consistency` runs one :func:`~interactkit.attribute` per method and instance
and reduces the per-instance :func:`~interactkit.compare_attributions` to one verdict per
feature (:class:`~interactkit.Consistency`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interactkit.attribution.compare import agreement_over_instances, compare_attributions
from interactkit.attribution.methods import attribute
from interactkit.results import Attribution
from interactkit.results.consistency import Consistency, FeatureConsistency
from interactkit.space import FeatureSpace

__all__ = ["CONSISTENCY_METHODS", "SIGN_AGREEMENT", "attribution_consistency"]

#: the methods compared by default: cheap, and of three families (ablation, sampled Shapley
#: values, ArchDetect's attribution)
CONSISTENCY_METHODS = ("ablation", "shapley", "archattribute")
#: a feature is consistent when all methods agree on its sign in at least this share of instances
SIGN_AGREEMENT = 0.8


def attribution_consistency(
    spaces: Sequence[FeatureSpace],
    methods: Sequence[str] = CONSISTENCY_METHODS,
    k: int = 3,
    shapley_samples: int = 4,
    seed: int = 0,
) -> Consistency:
    """Do attribution methods agree on the main effects of these instances?

    Each space gets one :func:`interactkit.attribute` per method (``"shapley"`` with
    ``shapley_samples`` permutations: cheap; instance ``i`` with seed ``seed + i``). Per
    feature: ``mean_abs`` (mean ``|attribution|`` per method), ``sign_agreement`` (share of
    instances on which every method to which the feature matters -- ``|value| >= 5%`` of that
    method's largest -- gives it the same sign, as
    :func:`~interactkit.compare_attributions`'s ``consistent``) and ``consistent``:
    ``sign_agreement >= 0.8`` **and** the feature is among the top-``k`` features by
    ``mean_abs`` of every method or of none. ``top_k_agreement`` is
    :func:`~interactkit.agreement_over_instances`'s mean pairwise top-``k`` agreement.

    Args:
        spaces: the instances' feature spaces (same features in each).
        methods: attribution methods (see :func:`interactkit.attribute`).
        k: the top-``k`` of the rule and of the agreement.
        shapley_samples: permutations of ``"shapley"``.
        seed: seed of the first instance.

    Raises:
        ValueError: no spaces.
    """
    spaces = list(spaces)
    if not spaces:
        raise ValueError("attribution_consistency needs at least one feature space")
    methods = list(methods)
    per_instance: list[list[Attribution]] = []
    for i, space in enumerate(spaces):
        attrs = []
        for m in methods:
            extra = {"n_samples": shapley_samples} if m == "shapley" else {}
            attrs.append(attribute(space, method=m, seed=seed + i, **extra))
        per_instance.append(attrs)
    overall = agreement_over_instances(per_instance, k=k)
    agreements = [compare_attributions(items, k) for items in per_instance]
    names = agreements[0].feature_names
    values = np.stack([a.values for a in agreements])  # [instances, methods, features]
    mean_abs = np.abs(values).mean(axis=0)  # [methods, features]
    signs = np.stack([a.consistent for a in agreements]).mean(axis=0)  # [features]
    kk = max(1, min(k, len(names)))
    tops = [set(np.argsort(-mean_abs[m], kind="stable")[:kk].tolist()) for m in range(len(methods))]
    features = [
        FeatureConsistency(
            feature=name,
            mean_abs={m: float(mean_abs[i, j]) for i, m in enumerate(methods)},
            sign_agreement=float(signs[j]),
            consistent=bool(signs[j] >= SIGN_AGREEMENT and len({j in t for t in tops}) == 1),
        )
        for j, name in enumerate(names)
    ]
    return Consistency(
        methods=methods,
        instances=len(per_instance),
        k=kk,
        top_k_agreement=float(overall.get("mean_top_k_agreement") or 0.0),
        top1_all_agree=float(overall["top1_all_agree"]),
        rank_correlation=overall.get("mean_rank_correlation"),
        features=features,
        rule=f"sign agreement >= {SIGN_AGREEMENT:g} and in the top-{kk} of every method or of none",
    )
