"""Explaining a CTR model: impressions -> feature spaces whose features are fields.

* :mod:`.explainer` -- :class:`CTRExplainer` (models of interactkit's encoded rows) and
  :mod:`.space` -- :class:`CTRSpace`;
* :mod:`.raw` -- :class:`RawExplainer` / :class:`RawSpace` (models of the user's own raw rows),
  :mod:`.raw_model` (how such a model is called), :mod:`.baselines` (what "off" means for a raw
  field);
* :mod:`.outputs` -- how a model is called and its output read as click logits;
* :mod:`.gradients` -- integrated gradients on field embeddings.

Depends on :mod:`interactkit.adapters.ctr.data` only.
"""

from interactkit.adapters.ctr.explain.baselines import BASELINES, DEFAULT_N_BACKGROUND
from interactkit.adapters.ctr.explain.explainer import CTRExplainer
from interactkit.adapters.ctr.explain.outputs import (
    ModelOutputError,
    deepctr_logit_mode,
    is_deepctr_model,
)
from interactkit.adapters.ctr.explain.raw import RawExplainer, RawSpace
from interactkit.adapters.ctr.explain.raw_model import RawModel
from interactkit.adapters.ctr.explain.space import CTRSpace

__all__ = [
    "BASELINES",
    "DEFAULT_N_BACKGROUND",
    "CTRExplainer",
    "CTRSpace",
    "ModelOutputError",
    "RawExplainer",
    "RawModel",
    "RawSpace",
    "deepctr_logit_mode",
    "is_deepctr_model",
]
