"""Using the interactions: crosses, target CTR models, source models and model files.

* :mod:`.crossing` -- interactions -> crossed categorical fields;
* :mod:`.configs` -- target presets (``tuned``, ``bars``, ``paper``, ``small``);
  :mod:`.deepctr` -- DeepCTR-Torch glue; :mod:`.training`, :mod:`.fitting`, :mod:`.jobs` --
  training (in worker processes);
* :mod:`.comparison` -- targets as is, with the crosses and with random crosses;
* :mod:`.source` -- source models to explain; :mod:`.model_files` -- loading the model to audit.

Depends on :mod:`~interactkit.adapters.ctr.data` and :mod:`~interactkit.adapters.ctr.explain`.
"""

from interactkit.adapters.ctr.targets.comparison import (
    CrossComparison,
    compare_crosses,
    random_interactions,
)
from interactkit.adapters.ctr.targets.crossing import (
    FeatureCrosser,
    augment_with_crosses,
    normalize_interactions,
)
from interactkit.adapters.ctr.targets.deepctr import (
    MODEL_NAMES,
    PAPER_CONFIGS,
    build_target,
    deepctr_feature_columns,
    import_deepctr,
)
from interactkit.adapters.ctr.targets.model_files import LoadedModel, TensorModelFile, load_model
from interactkit.adapters.ctr.targets.source import (
    SourceModel,
    TabularMLP,
    load_source_model,
    train_source_model,
)
from interactkit.adapters.ctr.targets.training import (
    evaluate_logits,
    fit_logit_model,
    train_target,
)

__all__ = [
    "MODEL_NAMES",
    "PAPER_CONFIGS",
    "CrossComparison",
    "FeatureCrosser",
    "LoadedModel",
    "SourceModel",
    "TabularMLP",
    "TensorModelFile",
    "augment_with_crosses",
    "build_target",
    "compare_crosses",
    "deepctr_feature_columns",
    "evaluate_logits",
    "fit_logit_model",
    "import_deepctr",
    "load_model",
    "load_source_model",
    "normalize_interactions",
    "random_interactions",
    "train_source_model",
    "train_target",
]
