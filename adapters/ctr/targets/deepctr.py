"""DeepCTR-Torch glue: importing it offline, feature columns, and building the target models.

:func:`build_target` builds Wide&Deep, DeepFM, DCN, xDeepFM or AutoInt from a preset of
:mod:`~interactkit.adapters.ctr.targets.configs` (``"tuned"``: BARS-style, the default; ``"bars"``;
``"paper"``; ``"small"``); ``model_kwargs`` overrides any constructor argument.

DeepCTR-Torch 0.3.0 notes (checked with torch 2.13 / numpy 2 / pandas 3):

* importing it starts a thread that queries PyPI for a newer version (``requests.get`` without a
  timeout in a non-daemon thread, which can delay interpreter exit offline);
  :func:`import_deepctr` imports it with that check replaced by a no-op (site-packages untouched);
* AutoInt's attention size is the embedding size (split over the heads, unscaled); the paper's
  64-unit and BARS's 128-unit attention blocks are not configurable in DeepCTR-Torch;
* DNN weights start from N(0, 1e-4): with the tuned preset :func:`xavier_init` re-initialises
  the linear layers as FuxiCTR does (on Frappe, DeepFM's test AUC 0.945 -> 0.954 in one seeded
  comparison);
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

from interactkit.adapters.ctr.data.schema import Schema
from interactkit.adapters.ctr.targets.configs import (
    MODEL_NAMES,
    PAPER_CONFIGS,
    SMALL_KWARGS,
    TargetConfig,
    preset_config,
)

if TYPE_CHECKING:  # pragma: no cover
    from deepctr_torch.inputs import DenseFeat, SparseFeat

__all__ = [
    "MODEL_NAMES",
    "PAPER_CONFIGS",
    "SMALL_KWARGS",
    "build_target",
    "deepctr_feature_columns",
    "import_deepctr",
    "xavier_init",
]


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
    config: str | TargetConfig | None = None,
    embedding_dim: int | None = None,
    model_kwargs: Mapping[str, Any] | None = None,
    device: str = "cpu",
) -> torch.nn.Module:
    """A fresh DeepCTR target model for ``schema`` (name in :data:`MODEL_NAMES`).

    Args:
        name: the architecture.
        schema: the input fields (one ``SparseFeat``/``DenseFeat`` each).
        seed: seeds the initialisation.
        config: a preset name (``"tuned"``, the default; ``"paper"``; ``"small"``) or a
            :class:`~interactkit.adapters.ctr.targets.configs.TargetConfig`.
        embedding_dim: overrides the preset's embedding size.
        model_kwargs: override the preset's DeepCTR constructor arguments.
        device: torch device.
    """
    key = name.lower()
    if key not in MODEL_NAMES:
        raise ValueError(f"unknown target model {name!r}; choose from {list(MODEL_NAMES)}")
    cfg = preset_config(key, config)
    import_deepctr()
    from deepctr_torch import models

    kwargs = {**cfg.deepctr_kwargs(), **dict(model_kwargs or {})}
    columns = deepctr_feature_columns(schema, embedding_dim or cfg.embedding_dim)
    cls = getattr(models, PAPER_CONFIGS[key]["class"])
    torch.manual_seed(seed)
    model = cls(columns, columns, seed=seed, device=device, **kwargs)
    if cfg.init == "xavier":
        xavier_init(model)
    elif cfg.init != "deepctr":
        raise ValueError(f"init must be 'xavier' or 'deepctr', got {cfg.init!r}")
    return model


def xavier_init(model: torch.nn.Module) -> None:
    """Re-initialise every ``nn.Linear``: Xavier-normal weights, zero bias (FuxiCTR's
    ``reset_parameters``). DeepCTR-Torch draws DNN weights from N(0, 1e-4), which starts deep
    towers near zero; embeddings keep DeepCTR's N(0, 1e-4), as in FuxiCTR."""
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            torch.nn.init.xavier_normal_(module.weight)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
