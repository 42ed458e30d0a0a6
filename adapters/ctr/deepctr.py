"""DeepCTR-Torch glue: importing it offline, feature columns, and the paper's target models.

Paper settings (:data:`PAPER_CONFIGS`): embedding 16, batch 1024, Adagrad lr 0.01 (AutoInt: Adam
1e-3); W&D DNN [1024, 512, 256]; DeepFM [400, 400, 400]; DCN [1024, 1024] + 6 cross layers;
xDeepFM DNN [400, 400] + CIN [200, 200, 200]; AutoInt 3 attention blocks, 2 heads + DNN
[400, 400]. ``size="small"`` shrinks every network for small local data; ``model_kwargs``
overrides any constructor argument.

DeepCTR-Torch 0.3.0 notes (checked with torch 2.13 / numpy 2 / pandas 3):

* importing it starts a thread that queries PyPI for a newer version (``requests.get`` without a
  timeout in a non-daemon thread, which can delay interpreter exit offline);
  :func:`import_deepctr` imports it with that check replaced by a no-op (site-packages untouched);
* AutoInt's attention size is the embedding size (16, split over the heads); the paper's 64-unit
  attention blocks are not configurable in DeepCTR-Torch;
* the missing id 0 has a learned (not zero) embedding in DeepCTR models.

deepctr_torch is imported inside functions.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import torch

from interactkit.adapters.ctr.schema import Schema

if TYPE_CHECKING:  # pragma: no cover
    from deepctr_torch.inputs import DenseFeat, SparseFeat

__all__ = [
    "MODEL_NAMES",
    "PAPER_CONFIGS",
    "SMALL_KWARGS",
    "build_target",
    "deepctr_feature_columns",
    "import_deepctr",
]

PAPER_CONFIGS: dict[str, dict[str, Any]] = {
    "wdl": {
        "class": "WDL",
        "kwargs": {"dnn_hidden_units": (1024, 512, 256)},
        "optimizer": "adagrad",
        "lr": 0.01,
    },
    "deepfm": {
        "class": "DeepFM",
        "kwargs": {"dnn_hidden_units": (400, 400, 400)},
        "optimizer": "adagrad",
        "lr": 0.01,
    },
    "dcn": {
        "class": "DCN",
        "kwargs": {"dnn_hidden_units": (1024, 1024), "cross_num": 6},
        "optimizer": "adagrad",
        "lr": 0.01,
    },
    "xdeepfm": {
        "class": "xDeepFM",
        "kwargs": {"dnn_hidden_units": (400, 400), "cin_layer_size": (200, 200, 200)},
        "optimizer": "adagrad",
        "lr": 0.01,
    },
    "autoint": {
        "class": "AutoInt",
        "kwargs": {"att_layer_num": 3, "att_head_num": 2, "dnn_hidden_units": (400, 400)},
        "optimizer": "adam",
        "lr": 0.001,
    },
}
"""Paper configuration of each target model (DESIGN §2)."""

SMALL_KWARGS: dict[str, dict[str, Any]] = {
    "wdl": {"dnn_hidden_units": (128, 64)},
    "deepfm": {"dnn_hidden_units": (64, 64)},
    "dcn": {"dnn_hidden_units": (128, 128), "cross_num": 3},
    "xdeepfm": {"dnn_hidden_units": (64, 64), "cin_layer_size": (32, 32)},
    "autoint": {"att_layer_num": 2, "att_head_num": 2, "dnn_hidden_units": (64, 64)},
}
"""``size="small"`` networks for small local data (same families, narrower)."""

MODEL_NAMES = tuple(PAPER_CONFIGS)


def import_deepctr() -> types.ModuleType:
    """Import ``deepctr_torch`` without its import-time PyPI version check.

    ``deepctr_torch/__init__`` calls ``utils.check_version``, which starts a non-daemon thread
    doing an HTTP request. We pre-register a ``deepctr_torch.utils`` module whose
    ``check_version`` does nothing, import the package, then load the real ``utils`` module (no
    call is made) so the package is left as installed.
    """
    if "deepctr_torch" in sys.modules:
        return sys.modules["deepctr_torch"]
    if importlib.util.find_spec("deepctr_torch") is None:
        raise ImportError(
            "deepctr-torch is needed for the target models: pip install 'interactkit[ctr]' "
            "(or pip install deepctr-torch requests)"
        )
    stub = types.ModuleType("deepctr_torch.utils")
    stub.check_version = lambda version: None  # type: ignore[attr-defined]
    sys.modules["deepctr_torch.utils"] = stub
    try:
        module = importlib.import_module("deepctr_torch")
    finally:
        if sys.modules.get("deepctr_torch.utils") is stub:
            del sys.modules["deepctr_torch.utils"]
    try:  # the real module (defines check_version, calls nothing); it imports requests
        module.utils = importlib.import_module("deepctr_torch.utils")  # type: ignore[attr-defined]
    except ImportError:  # requests missing: keep the no-op stub, deepctr works without it
        sys.modules["deepctr_torch.utils"] = stub
        module.utils = stub  # type: ignore[attr-defined]
    return module


def deepctr_feature_columns(
    schema: Schema, embedding_dim: int = 16
) -> list[SparseFeat | DenseFeat]:
    """DeepCTR ``SparseFeat``/``DenseFeat`` columns of a schema (one per field, same order)."""
    import_deepctr()
    from deepctr_torch.inputs import DenseFeat, SparseFeat

    cols: list[SparseFeat | DenseFeat] = []
    for f in schema:
        if f.is_categorical:
            if f.vocab_size >= 2**24:
                raise ValueError(
                    f"field {f.name!r} has {f.vocab_size} ids; DeepCTR passes ids as float32, "
                    "exact only below 2**24"
                )
            cols.append(SparseFeat(f.name, f.vocab_size, embedding_dim=embedding_dim))
        else:
            cols.append(DenseFeat(f.name, 1))
    return cols


def build_target(
    name: str,
    schema: Schema,
    *,
    seed: int = 0,
    embedding_dim: int = 16,
    size: str = "paper",
    model_kwargs: Mapping[str, Any] | None = None,
    device: str = "cpu",
) -> torch.nn.Module:
    """A fresh DeepCTR target model for ``schema`` (name in :data:`MODEL_NAMES`)."""
    key = name.lower()
    if key not in PAPER_CONFIGS:
        raise ValueError(f"unknown target model {name!r}; choose from {list(MODEL_NAMES)}")
    if size not in ("paper", "small"):
        raise ValueError(f"size must be 'paper' or 'small', got {size!r}")
    import_deepctr()
    from deepctr_torch import models

    kwargs = dict(PAPER_CONFIGS[key]["kwargs"])
    if size == "small":
        kwargs.update(SMALL_KWARGS[key])
    kwargs.update(model_kwargs or {})
    columns = deepctr_feature_columns(schema, embedding_dim)
    cls = getattr(models, PAPER_CONFIGS[key]["class"])
    torch.manual_seed(seed)
    return cls(columns, columns, seed=seed, device=device, **kwargs)
