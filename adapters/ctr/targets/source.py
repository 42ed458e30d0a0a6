"""Source models: the black boxes an audit explains (DeepCTR DeepFM or a tabular MLP).

:func:`train_source_model` trains one (Adam, early stopping on validation logloss);
:meth:`SourceModel.save` / :func:`load_source_model` store and restore it with tensors, numbers
and strings only (``torch.load(..., weights_only=True)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from interactkit.adapters.ctr.data.schema import Schema
from interactkit.adapters.ctr.data.splits import CTRData
from interactkit.adapters.ctr.explain.explainer import CTRExplainer
from interactkit.adapters.ctr.targets.deepctr import build_target
from interactkit.adapters.ctr.targets.training import (
    LogitFn,
    RegFn,
    deepctr_logit_fn,
    deepctr_reg_fn,
    input_tensor,
    predict_logits,
    seed_all,
    train_and_test,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "SOURCE_FORMAT",
    "SOURCE_KINDS",
    "SourceModel",
    "TabularMLP",
    "load_source_model",
    "train_source_model",
]

#: the source models :func:`train_source_model` trains
SOURCE_KINDS = ("mlp", "deepfm")

SOURCE_FORMAT = "interactkit.source_model"
"""The ``format`` tag of a saved source model file."""


class TabularMLP(torch.nn.Module):
    """An MLP on embedded categorical fields and dense fields; outputs the click logit.

    Input: ``float Tensor[B, n_fields]`` of encoded values in ``input_fields`` order (ids as
    floats). The missing id 0 has a fixed zero embedding (``padding_idx=0``), so a field that is
    "off" contributes nothing to the first layer.

    Args:
        schema: the fields.
        embedding_dim: embedding size of every categorical field.
        hidden: hidden layer widths (ReLU).
    """

    output = "logit"

    def __init__(
        self, schema: Schema, embedding_dim: int = 8, hidden: Sequence[int] = (256, 128)
    ) -> None:
        super().__init__()
        self.input_fields = schema.names
        cat = [i for i, f in enumerate(schema) if f.is_categorical]
        dense = [i for i, f in enumerate(schema) if not f.is_categorical]
        self.register_buffer("cat_idx", torch.tensor(cat, dtype=torch.long), persistent=False)
        self.register_buffer("dense_idx", torch.tensor(dense, dtype=torch.long), persistent=False)
        self.embeddings = torch.nn.ModuleList(
            torch.nn.Embedding(schema[i].vocab_size, embedding_dim, padding_idx=0) for i in cat
        )
        layers: list[torch.nn.Module] = []
        width = len(cat) * embedding_dim + len(dense)
        for h in hidden:
            layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
            width = h
        layers.append(torch.nn.Linear(width, 1))
        self.mlp = torch.nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x: Tensor[B, n_fields]`` -> logits ``Tensor[B]``."""
        ids = x[:, self.cat_idx].long()
        parts = [emb(ids[:, j]) for j, emb in enumerate(self.embeddings)]
        parts.append(x[:, self.dense_idx].float())
        return self.mlp(torch.cat(parts, dim=1)).squeeze(-1)


@dataclass
class SourceModel:
    """A trained model to be explained.

    Attributes:
        model: the torch module (DeepCTR ``DeepFM`` or :class:`TabularMLP`); the CTR explainer
            accepts it directly.
        predict: ``encoded DataFrame[N, fields] -> click probabilities float64[N]``.
        metrics: test ``auc``/``logloss``, ``epochs``, ``best_epoch``, ``val_logloss``,
            ``seconds`` (empty for a loaded model).
        schema: the fields it consumes.
        kind: ``"deepfm"`` or ``"mlp"``.
        config: how to rebuild the network (``embedding_dim``, ``hidden``, ``seed``).
    """

    model: torch.nn.Module
    predict: Callable[[pd.DataFrame], np.ndarray]
    metrics: dict[str, Any]
    schema: Schema
    kind: str
    config: dict[str, Any] = field(default_factory=dict)

    def explainer(self, **kwargs: Any) -> CTRExplainer:
        """A :class:`~interactkit.adapters.ctr.CTRExplainer` for this model (``kwargs``
        go to its constructor)."""
        return CTRExplainer(self.model, self.schema, **kwargs)

    def save(self, path: str | Path, **info: Any) -> None:
        """Save the weights and what is needed to rebuild the model (see :func:`load_source_model`).

        The file holds only tensors, numbers and strings, so it loads with
        ``torch.load(..., weights_only=True)``. ``info`` (e.g. the data spec) is stored alongside.
        """
        bundle = {
            "format": SOURCE_FORMAT,
            "version": 1,
            "kind": self.kind,
            "config": {
                "embedding_dim": int(self.config.get("embedding_dim", 8)),
                "hidden": [int(h) for h in self.config.get("hidden", (256, 128))],
                "seed": int(self.config.get("seed", 0)),
            },
            "fields": [[f.name, f.kind, int(f.vocab_size)] for f in self.schema],
            "info": {str(k): v for k, v in info.items() if isinstance(v, (str, int, float))},
            "state_dict": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
        }
        torch.save(bundle, Path(path))


def _build_source(
    kind: str, schema: Schema, seed: int, embedding_dim: int, hidden: Sequence[int], device: str
) -> tuple[torch.nn.Module, list[str], LogitFn, RegFn | None]:
    """The network of a source model: ``(module, input order, logit_fn, reg_fn or None)``."""
    kind = kind.lower()
    if kind not in SOURCE_KINDS:
        raise ValueError(f"kind must be one of {SOURCE_KINDS}, got {kind!r}")
    if kind == "deepfm":
        model = build_target(
            "deepfm",
            schema,
            seed=seed,
            embedding_dim=embedding_dim,
            model_kwargs={"dnn_hidden_units": tuple(hidden)},
            device=device,
        )
        return model, list(model.feature_index), deepctr_logit_fn(model), deepctr_reg_fn(model)
    torch.manual_seed(seed)
    model = TabularMLP(schema, embedding_dim, hidden).to(device)
    return model, schema.names, model, None


def _source_predict(
    schema: Schema,
    model: torch.nn.Module,
    inputs: Sequence[str],
    logit_fn: LogitFn,
    device: str,
) -> Callable[[pd.DataFrame], np.ndarray]:
    def predict(frame: pd.DataFrame) -> np.ndarray:
        """Click probabilities ``float64[N]`` of an encoded frame."""
        schema.check_frame(frame)
        x = input_tensor(frame, inputs, device)
        model.eval()
        return 1.0 / (1.0 + np.exp(-predict_logits(logit_fn, x, 4096)))

    return predict


def train_source_model(
    data: CTRData,
    kind: str = "deepfm",
    seed: int = 0,
    *,
    embedding_dim: int = 8,
    hidden: Sequence[int] = (256, 128),
    batch_size: int = 256,
    max_epochs: int = 30,
    patience: int = 3,
    lr: float = 1e-3,
    device: str = "cpu",
    verbose: bool = False,
) -> SourceModel:
    """Train a black box to explain: DeepCTR DeepFM (``kind="deepfm"``) or a
    :class:`TabularMLP` (``kind="mlp"``), Adam, early stopping on validation logloss.

    Returns:
        :class:`SourceModel` (module, ``predict`` callable, test metrics).
    """
    seed_all(seed)
    model, inputs, logit_fn, reg_fn = _build_source(
        kind, data.schema, seed, embedding_dim, hidden, device
    )
    metrics = train_and_test(
        model,
        inputs,
        logit_fn,
        reg_fn,
        data,
        torch.optim.Adam(model.parameters(), lr=lr),
        batch_size=batch_size,
        max_epochs=max_epochs,
        patience=patience,
        seed=seed,
        device=device,
        verbose=verbose,
    )
    metrics.pop("history")
    predict = _source_predict(data.schema, model, inputs, logit_fn, device)
    config = {"embedding_dim": embedding_dim, "hidden": list(hidden), "seed": seed}
    return SourceModel(model, predict, metrics, data.schema, kind.lower(), config)


def load_source_model(
    path: str | Path, schema: Schema, device: str = "cpu"
) -> tuple[SourceModel, dict[str, Any]]:
    """Load a model saved by :meth:`SourceModel.save` for data encoded with ``schema``.

    The file is read with ``torch.load(..., weights_only=True)`` (no arbitrary unpickling). Its
    fields must match ``schema`` (names, kinds and vocabulary sizes): the model only understands
    data encoded the way it was trained.

    Returns:
        ``(SourceModel, info)`` where ``info`` is what was stored with the model.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        bundle = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise ValueError(
            f"{path} is not a model saved by interactkit (SourceModel.save); it could not be "
            f"loaded with weights_only=True: {err}"
        ) from err
    if not isinstance(bundle, dict) or bundle.get("format") != SOURCE_FORMAT:
        raise ValueError(f"{path} is not a model saved by interactkit (SourceModel.save)")
    saved = [tuple(f) for f in bundle["fields"]]
    current = [(f.name, f.kind, int(f.vocab_size)) for f in schema]
    if saved != current:
        diff = [f"{a} != {b}" for a, b in zip(saved, current) if a != b][:3]
        raise ValueError(
            f"the model at {path} was trained on differently encoded data ({len(saved)} fields "
            f"vs {len(current)}; first differences: {diff or 'field count'}); load the same data "
            "with the same settings it was trained on"
        )
    cfg = bundle["config"]
    model, inputs, logit_fn, _ = _build_source(
        bundle["kind"], schema, cfg["seed"], cfg["embedding_dim"], cfg["hidden"], device
    )
    model.load_state_dict(bundle["state_dict"])
    model.eval()
    predict = _source_predict(schema, model, inputs, logit_fn, device)
    source = SourceModel(model, predict, {}, schema, bundle["kind"], dict(cfg))
    return source, dict(bundle.get("info", {}))
