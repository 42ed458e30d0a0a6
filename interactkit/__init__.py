"""interactkit: explain black-box models through feature interactions.

Quick start::

    import interactkit

    def f(masks):                       # masks: BoolTensor[B, n], True = feature kept
        x = masks.float()
        return x[:, 0] * x[:, 1] + x[:, 2]

    exp = interactkit.explain(f, n_features=5, seed=0)
    print(exp.top(3))
"""

from interactkit.api import DETECTORS, explain, explain_many, get_detector
from interactkit.archdetect import ArchDetect, archattribute
from interactkit.crossing import FeatureCrosser, augment_with_crosses
from interactkit.datasets import load_dataset, make_ad_clicks
from interactkit.detector import Detector
from interactkit.explanation import Interaction, LocalExplanation
from interactkit.glider import GlobalExplanation, GlobalInteraction, count_interactions, glider
from interactkit.madex import MADEX
from interactkit.nid_data import detect_interactions, detect_interactions_many
from interactkit.query import Querier, QueryError
from interactkit.sampling import instance_seeds
from interactkit.space import FeatureSpace, FunctionSpace, as_space

__version__ = "0.1.0"

__all__ = [
    "DETECTORS",
    "MADEX",
    "ArchDetect",
    "Detector",
    "FeatureCrosser",
    "FeatureSpace",
    "FunctionSpace",
    "GlobalExplanation",
    "GlobalInteraction",
    "Interaction",
    "LocalExplanation",
    "Querier",
    "QueryError",
    "__version__",
    "archattribute",
    "as_space",
    "augment_with_crosses",
    "count_interactions",
    "detect_interactions",
    "detect_interactions_many",
    "explain",
    "explain_many",
    "get_detector",
    "glider",
    "instance_seeds",
    "load_dataset",
    "make_ad_clicks",
]
