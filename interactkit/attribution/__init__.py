"""Main-effect attributions in the shared feature space, and their agreement across methods.

:func:`attribute` gives one attribution per feature of an instance with one method:

* captum's perturbation methods on any feature space (``"ablation"`` -- FeatureAblation,
  ``"shapley"`` -- ShapleyValueSampling, ``"kernelshap"``, ``"lime"``), batched through the query
  layer (:mod:`.perturbation`);
* interactkit's own: ``"madex"`` (the MADEX surrogate's main effects) and ``"archattribute"``
  (``f({i}) - f({})``);
* gradient methods where the domain has a differentiable path (``"integrated_gradients"``,
  ``"gradient_shap"``...): the adapter's space implements them (text: layer integrated gradients
  on the embeddings, summed per word; images: integrated gradients on pixels, summed per
  superpixel; CTR: on the field embeddings, summed per field) and lists them in
  ``space.gradient_methods``.

:func:`compare_attributions` and :func:`agreement_over_instances` triangulate (:mod:`.compare`);
:func:`attribution_consistency` gives one verdict per feature over many instances
(:mod:`.consistency`).
"""

from interactkit.attribution.compare import (
    Agreement,
    agreement_over_instances,
    as_attribution,
    compare_attributions,
)
from interactkit.attribution.consistency import attribution_consistency
from interactkit.attribution.methods import OWN_METHODS, GradientSpace, attribute
from interactkit.attribution.perturbation import PERTURBATION_METHODS

__all__ = [
    "OWN_METHODS",
    "PERTURBATION_METHODS",
    "Agreement",
    "GradientSpace",
    "agreement_over_instances",
    "as_attribution",
    "attribute",
    "attribution_consistency",
    "compare_attributions",
]
