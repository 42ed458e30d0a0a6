"""CTR / ad models: data, the explainer, feature crossing and the target-model experiment.

* data -- :mod:`~.schema` (fields, the encoding), :mod:`~.encoding` (raw -> encoded),
  :mod:`~.data` (train/val/test), :mod:`~.loaders` (Criteo, Avazu, Frappe, any CSV;
  ``load_dataset("criteo:PATH")``), :mod:`~.synthetic` (ad clicks with planted interactions);
* explaining -- :mod:`~.explainer` (:class:`CTRExplainer`), :mod:`~.space` (:class:`CTRSpace`),
  :mod:`~.models` (how a model is called and read as logits); models of the user's raw rows:
  :mod:`~.raw` (:class:`RawExplainer`), :mod:`~.raw_model`, :mod:`~.baselines` (what "off"
  means for a raw field); :mod:`~.model_files` (``module.path:factory``, TorchScript,
  ``torch.export``);
* the whole audit -- :mod:`~.audit` (:func:`audit`), :mod:`~.audit_result` (:class:`AuditResult`);
* using the interactions -- :mod:`~.crossing` (interactions -> cross fields), :mod:`~.deepctr`
  and :mod:`~.training` (target models), :mod:`~.comparison` (base / + GLIDER / + random),
  :mod:`~.source` (models to explain), :mod:`~.planted` (recall of a planted truth).

Importing this package costs torch and numpy only; pandas, scikit-learn and deepctr-torch are
imported when used. Quick start::

    import interactkit
    from interactkit.adapters.ctr import compare_crosses, make_ad_clicks, train_source_model

    data, planted = make_ad_clicks(n_rows=20_000, seed=0)
    source = train_source_model(data, kind="mlp")
    spaces = source.explainer().spaces(data.val.frame.head(100))
    global_exp = interactkit.glider(spaces, k=10)
    result = compare_crosses(data, global_exp, models=["deepfm"], seeds=[0], size="small")

A model of your own raw rows (here a scikit-learn pipeline), the whole audit in one call::

    from interactkit.adapters.ctr import audit
    pipe.fit(data.raw_rows("train"), data.train.labels)       # your encoders, your vocabulary
    result = audit(pipe, data, targets=["deepfm"])            # off = background rows
    print(result.summary())
"""

from interactkit.adapters.ctr.audit import TARGETS, audit
from interactkit.adapters.ctr.audit_result import AuditResult, AuditSaveError
from interactkit.adapters.ctr.baselines import BASELINES, DEFAULT_N_BACKGROUND
from interactkit.adapters.ctr.comparison import (
    CrossComparison,
    compare_crosses,
    random_interactions,
)
from interactkit.adapters.ctr.crossing import (
    FeatureCrosser,
    augment_with_crosses,
    normalize_interactions,
)
from interactkit.adapters.ctr.data import CTRData, CTRSplit, split_indices
from interactkit.adapters.ctr.deepctr import (
    MODEL_NAMES,
    PAPER_CONFIGS,
    build_target,
    deepctr_feature_columns,
    import_deepctr,
)
from interactkit.adapters.ctr.encoding import CTREncoder
from interactkit.adapters.ctr.explainer import CTRExplainer
from interactkit.adapters.ctr.loaders import (
    frame_data,
    load_avazu,
    load_criteo,
    load_csv,
    load_dataset,
    load_frappe,
)
from interactkit.adapters.ctr.model_files import LoadedModel, TensorModelFile, load_model
from interactkit.adapters.ctr.models import ModelOutputError, deepctr_logit_mode, is_deepctr_model
from interactkit.adapters.ctr.planted import ground_truth_report
from interactkit.adapters.ctr.raw import RawExplainer, RawSpace
from interactkit.adapters.ctr.raw_model import RawModel
from interactkit.adapters.ctr.schema import MISSING_ID, RARE_ID, DataFormatError, Field, Schema
from interactkit.adapters.ctr.source import (
    SourceModel,
    TabularMLP,
    load_source_model,
    train_source_model,
)
from interactkit.adapters.ctr.space import CTRSpace
from interactkit.adapters.ctr.synthetic import PLANTED, make_ad_clicks
from interactkit.adapters.ctr.training import evaluate_logits, fit_logit_model, train_target

__all__ = [
    "BASELINES",
    "DEFAULT_N_BACKGROUND",
    "MISSING_ID",
    "MODEL_NAMES",
    "PAPER_CONFIGS",
    "PLANTED",
    "RARE_ID",
    "TARGETS",
    "AuditResult",
    "AuditSaveError",
    "CTRData",
    "CTREncoder",
    "CTRExplainer",
    "CTRSpace",
    "CTRSplit",
    "CrossComparison",
    "DataFormatError",
    "FeatureCrosser",
    "Field",
    "LoadedModel",
    "ModelOutputError",
    "RawExplainer",
    "RawModel",
    "RawSpace",
    "Schema",
    "SourceModel",
    "TabularMLP",
    "TensorModelFile",
    "audit",
    "augment_with_crosses",
    "build_target",
    "compare_crosses",
    "deepctr_feature_columns",
    "deepctr_logit_mode",
    "evaluate_logits",
    "fit_logit_model",
    "frame_data",
    "ground_truth_report",
    "import_deepctr",
    "is_deepctr_model",
    "load_avazu",
    "load_criteo",
    "load_csv",
    "load_dataset",
    "load_frappe",
    "load_model",
    "load_source_model",
    "make_ad_clicks",
    "normalize_interactions",
    "random_interactions",
    "split_indices",
    "train_source_model",
    "train_target",
]
