"""The audit's first steps: its data (:func:`load_data`) and how its model is read
(:func:`read_model`).

Both are public so that the CLI loads data and model files through the same path as
:func:`~interactkit.adapters.ctr.audit` (the CLI needs the data before the model: a
``module:factory`` may train on it, a TorchScript file is checked against its field count).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interactkit.adapters.ctr.audit.config import ModelConfig
from interactkit.adapters.ctr.audit.records import ModelInfo
from interactkit.adapters.ctr.data.splits import CTRData
from interactkit.adapters.ctr.explain.explainer import CTRExplainer
from interactkit.adapters.ctr.explain.raw import RawExplainer
from interactkit.adapters.ctr.targets.model_files import LoadedModel, infer_inputs
from interactkit.adapters.ctr.targets.source import SourceModel, train_source_model
from interactkit.adapters.ctr.targets.training import evaluate_logits

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["load_data", "model_rows", "read_model"]


def load_data(
    data: CTRData | str | pd.DataFrame,
    label: str | None = None,
    seed: int = 0,
    encoding: str | None = None,
) -> CTRData:
    """The audit's data from a :class:`CTRData`, a spec or a DataFrame of raw rows.

    Args:
        data: a :class:`CTRData` (used as is), a spec for
            :func:`~interactkit.adapters.ctr.load_dataset` (``"synthetic"``,
            ``"synthetic:ROWS"``, ``"csv:PATH"``, ``"criteo:PATH"``...; its ``name`` becomes the
            spec), or a DataFrame of raw rows with a ``label`` column (split 80/10/10 and
            encoded as :func:`~interactkit.adapters.ctr.load_csv` does).
        label: the label column of a csv spec or a DataFrame.
        seed: seed of the split (and of the synthetic rows).
        encoding: the text encoding of a csv file (csv specs only).

    Raises:
        ValueError: a bad spec, a missing label, an encoding for a non-csv spec.
        TypeError: another kind of ``data``.
    """
    import pandas as pd

    from interactkit.adapters.ctr.data.loaders import frame_data, load_dataset

    if isinstance(data, CTRData):
        if encoding is not None:
            raise ValueError("encoding applies to a csv: spec, not to CTRData")
        return data
    if isinstance(data, pd.DataFrame):
        if label is None:
            raise ValueError("a DataFrame needs label=<name of its 0/1 click column>")
        loaded = frame_data(data, label, seed=seed)
        loaded.name = loaded.name or f"DataFrame[{len(data)} rows]"
        return loaded
    if isinstance(data, str):
        extra = {}
        if encoding is not None:
            if not data.startswith("csv:"):
                raise ValueError(f"--encoding applies to csv: data, not {data.partition(':')[0]}:")
            extra["encoding"] = encoding
        loaded = load_dataset(data, label=label, seed=seed, **extra)
        loaded.name = data
        return loaded
    raise TypeError(
        f"data must be CTRData, a spec string or a DataFrame, got {type(data).__name__}"
    )


def read_model(
    model: object | None, data: CTRData, config: ModelConfig, seed: int = 0
) -> tuple[CTRExplainer | RawExplainer, ModelInfo, SourceModel | None]:
    """The explainer of the audited model, what to report about it, and a source model trained
    here when ``model`` is None.

    Args:
        model: the user's model (a raw-row model, a model of encoded rows, a
            :class:`SourceModel`, a :class:`LoadedModel`), or None to train a source model of
            kind ``config.source``.
        data: the audit's data.
        config: how the model is read (inputs, output, off, background rows).
        seed: seed of the source model and of the background rows.
    """
    note = None
    if isinstance(model, LoadedModel):
        note, model = model.description, model.model
    if model is None:
        trained = train_source_model(data, kind=config.source, seed=seed)
        m = trained.metrics
        info = ModelInfo(
            inputs="source",
            note=f"trained {config.source}: test AUC {m['auc']:.4f}, logloss {m['logloss']:.4f}",
            output="logit",
            metrics={
                k: float(v)
                for k, v in m.items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            },
        )
        return trained.explainer(), info, trained
    kind = infer_inputs(model, config.inputs)
    name = note or type(model).__name__
    off: str | None = None
    if kind == "source":
        assert isinstance(model, SourceModel)
        explainer: CTRExplainer | RawExplainer = model.explainer()
        description = note or f"source model ({model.kind})"
    elif kind == "encoded":
        explainer = CTRExplainer(model, data.schema, output=config.output)  # type: ignore[arg-type]
        description = f"{name} (encoded rows)"
    else:
        explainer = RawExplainer(
            model,
            data,
            off=config.off,
            n_background=config.n_background,
            output=config.output,
            seed=seed,
        )
        description = f"{name} (raw rows)"
        off = explainer.off_description
    rows = data.raw_rows("test") if kind == "raw" else data.test.frame
    logits = explainer.predict_logits(rows).cpu().numpy()
    metrics = {k: float(v) for k, v in evaluate_logits(logits, data.test.labels).items()}
    description += f": test AUC {metrics['auc']:.4f}, logloss {metrics['logloss']:.4f}"
    # the output kind is resolved by the first prediction when it was "auto"
    info = ModelInfo(kind, description, explainer.output, metrics, off)
    return explainer, info, None


def model_rows(data: CTRData, info: ModelInfo, split: str = "val") -> Any:
    """The rows of ``split`` as the audited model takes them (raw or encoded)."""
    return data.raw_rows(split) if info.inputs == "raw" else getattr(data, split).frame
