"""Result objects: what detectors and GLIDER return, with JSON round trips and pandas tables.

* :class:`LocalExplanation` (:class:`Interaction` s) -- one instance's interactions and effects;
* :class:`GlobalExplanation` (:class:`GlobalInteraction` s) -- a model's global interactions;
* :class:`Attribution` -- one main effect per feature of one instance, by one method.
"""

from interactkit.results.attribution import Attribution
from interactkit.results.global_explanation import GlobalExplanation, GlobalInteraction
from interactkit.results.local_explanation import Interaction, LocalExplanation, make_interactions

__all__ = [
    "Attribution",
    "GlobalExplanation",
    "GlobalInteraction",
    "Interaction",
    "LocalExplanation",
    "make_interactions",
]
