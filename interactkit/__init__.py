"""interactkit: explain black-box models through feature interactions.

Quick start::

    import interactkit

    def f(masks):                       # masks: BoolTensor[B, n], True = feature kept
        x = masks.float()
        return x[:, 0] * x[:, 1] + x[:, 2]

    exp = interactkit.explain(f, n_features=5, seed=0)
    print(exp.top(3))

This package is the domain-free core. Domains live in :mod:`interactkit.adapters` (ctr, text,
image) and figures in :mod:`interactkit.visualizers`; neither is imported here.
"""

from interactkit.api import explain, explain_many
from interactkit.attribution import (
    GradientSpace,
    agreement_over_instances,
    attribute,
    attribution_consistency,
    compare_attributions,
)
from interactkit.counting import count_interactions, select_global
from interactkit.detectors import (
    DETECTORS,
    MADEX,
    ArchDetect,
    Detector,
    archattribute,
    detect_interactions,
    detect_interactions_many,
    get_detector,
)
from interactkit.explainer import Explainer
from interactkit.glider import glider, glider_detector
from interactkit.query import Querier, QueryError
from interactkit.replication import compare_global, replicate
from interactkit.results import (
    Attribution,
    Consistency,
    FeatureConsistency,
    Fidelity,
    FidelitySummary,
    GlobalChange,
    GlobalExplanation,
    GlobalInteraction,
    Interaction,
    LocalExplanation,
    PairList,
    Replication,
    SegmentDifference,
)
from interactkit.sampling import instance_seeds
from interactkit.space import FeatureSpace, FunctionSpace, as_space

__version__ = "0.1.0"

__all__ = [
    "DETECTORS",
    "MADEX",
    "ArchDetect",
    "Attribution",
    "Consistency",
    "Detector",
    "Explainer",
    "FeatureConsistency",
    "FeatureSpace",
    "Fidelity",
    "FidelitySummary",
    "FunctionSpace",
    "GlobalChange",
    "GlobalExplanation",
    "GlobalInteraction",
    "GradientSpace",
    "Interaction",
    "LocalExplanation",
    "PairList",
    "Querier",
    "QueryError",
    "Replication",
    "SegmentDifference",
    "__version__",
    "agreement_over_instances",
    "archattribute",
    "as_space",
    "attribute",
    "attribution_consistency",
    "compare_attributions",
    "compare_global",
    "count_interactions",
    "detect_interactions",
    "detect_interactions_many",
    "explain",
    "explain_many",
    "get_detector",
    "glider",
    "glider_detector",
    "instance_seeds",
    "replicate",
    "select_global",
]
