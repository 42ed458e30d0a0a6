"""Result objects: what detectors and GLIDER return, with JSON round trips and pandas tables.

* :class:`LocalExplanation` (:class:`Interaction` s) -- one instance's interactions and effects;
* :class:`GlobalExplanation` (:class:`GlobalInteraction` s) -- a model's global interactions;
* :class:`Attribution` -- one main effect per feature of one instance, by one method;
  :class:`Consistency` -- whether methods agree on the main effects of many instances;
* :class:`Fidelity`, :class:`FidelitySummary` -- held-out R^2 of an explanation, of a run.
"""

from interactkit.results.attribution import Attribution
from interactkit.results.consistency import Consistency, FeatureConsistency
from interactkit.results.fidelity import Fidelity, FidelitySummary
from interactkit.results.global_explanation import (
    GlobalExplanation,
    GlobalInteraction,
    SegmentDifference,
)
from interactkit.results.interaction import Interaction, PairList, make_interactions
from interactkit.results.local_explanation import LocalExplanation
from interactkit.results.stability import GlobalChange, Replication

__all__ = [
    "Attribution",
    "Consistency",
    "FeatureConsistency",
    "Fidelity",
    "FidelitySummary",
    "GlobalChange",
    "GlobalExplanation",
    "GlobalInteraction",
    "Interaction",
    "LocalExplanation",
    "PairList",
    "Replication",
    "SegmentDifference",
    "make_interactions",
]
