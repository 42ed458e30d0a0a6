"""CTR / ad models: data, the explainer, feature crossing and the target-model experiment.

Four subpackages, each importing only the ones before it (``tests/architecture`` checks it):

* :mod:`~.data` -- fields and the encoding, splits, loaders (Criteo, Avazu, Frappe, any CSV;
  ``load_dataset("criteo:PATH")``), synthetic ad clicks with planted interactions;
* :mod:`~.explain` -- :class:`CTRExplainer` / :class:`CTRSpace` (encoded rows),
  :class:`RawExplainer` / :class:`RawSpace` (the user's raw rows; what "off" means for a raw
  field), reading a model's output as logits, gradients;
* :mod:`~.targets` -- interactions -> cross fields, target models (DeepCTR-Torch), training,
  the comparison base / + GLIDER / + random, source models, loading a model file;
* :mod:`~.audit` -- the whole audit (:func:`audit`, :class:`AuditResult`).

Importing this package costs torch and numpy only; pandas, scikit-learn and deepctr-torch are
imported when used. Quick start::

    import interactkit
    from interactkit.adapters.ctr import compare_crosses, make_ad_clicks, train_source_model

    data, planted = make_ad_clicks(n_rows=20_000, seed=0)
    source = train_source_model(data, kind="mlp")
    spaces = source.explainer().spaces(data.val.frame.head(100))
    global_exp = interactkit.glider(spaces, k=10)
    result = compare_crosses(data, global_exp, models=["deepfm"], seeds=[0], config="small")

A model of your own raw rows (here a scikit-learn pipeline), the whole audit in one call::

    from interactkit.adapters.ctr import AuditConfig, audit
    pipe.fit(data.raw_rows("train"), data.train.labels)       # your encoders, your vocabulary
    config = AuditConfig().replace(targets={"models": ("deepfm",)})
    result = audit(pipe, data, config)                        # off = background rows
    print(result.summary())
"""

from interactkit.adapters.ctr.audit import (
    TARGETS,
    AuditConfig,
    AuditResult,
    ConfigError,
    DetectorConfig,
    FindingsConfig,
    GliderConfig,
    ModelConfig,
    ReplicationConfig,
    TargetsConfig,
    audit,
    load_data,
)
from interactkit.adapters.ctr.data import (
    MISSING_ID,
    PLANTED,
    RARE_ID,
    CTRData,
    CTREncoder,
    CTRSplit,
    DataFormatError,
    Field,
    PlantedRank,
    PlantedRecall,
    Schema,
    frame_data,
    ground_truth_report,
    load_avazu,
    load_criteo,
    load_csv,
    load_dataset,
    load_frappe,
    make_ad_clicks,
    split_indices,
)
from interactkit.adapters.ctr.explain import (
    BASELINES,
    DEFAULT_N_BACKGROUND,
    CTRExplainer,
    CTRSpace,
    ModelOutputError,
    RawExplainer,
    RawModel,
    RawSpace,
    deepctr_logit_mode,
    is_deepctr_model,
)
from interactkit.adapters.ctr.targets import (
    MODEL_NAMES,
    PAPER_CONFIGS,
    CrossComparison,
    FeatureCrosser,
    LoadedModel,
    SourceModel,
    TabularMLP,
    TensorModelFile,
    augment_with_crosses,
    build_target,
    compare_crosses,
    deepctr_feature_columns,
    evaluate_logits,
    fit_logit_model,
    import_deepctr,
    load_model,
    load_source_model,
    normalize_interactions,
    random_interactions,
    train_source_model,
    train_target,
)

# grouped by subpackage (data, explain, targets, audit)
__all__ = [  # noqa: RUF022
    # data
    "MISSING_ID",
    "PLANTED",
    "RARE_ID",
    "CTRData",
    "CTREncoder",
    "CTRSplit",
    "DataFormatError",
    "Field",
    "PlantedRank",
    "PlantedRecall",
    "Schema",
    "frame_data",
    "ground_truth_report",
    "load_avazu",
    "load_criteo",
    "load_csv",
    "load_dataset",
    "load_frappe",
    "make_ad_clicks",
    "split_indices",
    # explain
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
    # targets
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
    # audit
    "TARGETS",
    "AuditConfig",
    "AuditResult",
    "ConfigError",
    "DetectorConfig",
    "FindingsConfig",
    "GliderConfig",
    "ModelConfig",
    "ReplicationConfig",
    "TargetsConfig",
    "audit",
    "load_data",
]
