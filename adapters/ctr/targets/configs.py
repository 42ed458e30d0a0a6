"""How target models are built and trained: the paper's settings and tuned, BARS-style ones.

A :class:`TargetConfig` holds everything :func:`~interactkit.adapters.ctr.train_target`
needs besides the data: the DeepCTR-Torch constructor arguments, the embedding size and its L2
penalty, the optimizer, the batch size and the early-stopping rule. Three presets:

``"tuned"`` (the default, :data:`TUNED_CONFIGS`)
    How the CTR benchmark literature trains these models: the BARS benchmark's Frappe_x1
    settings (reczoo/BARS ``ranking/ctr/<Model>/<Model>_frappe_x1``, FuxiCTR v1.1/v1.2;
    Zhu et al., *BARS: Towards Open Benchmarking for Recommender Systems*, SIGIR 2022):
    embedding 10, an L2 penalty ``λ/2·‖E‖²`` on every embedding table added to the batch-mean
    logloss, batch norm and dropout in the DNN, Adam lr 1e-3, early stopping on validation AUC
    with patience 2, the learning rate divided by 10 after each epoch without improvement,
    gradients clipped to norm 10, Xavier-normal initialisation of linear layers (FuxiCTR's
    ``BaseModel``). What BARS selected on Frappe_x1 (test AUC = mean of its runs):

    =========  =====  ===========  =======  ==============================================  =======
    model      λ      DNN          dropout  model-specific                                  AUC
    =========  =====  ===========  =======  ==============================================  =======
    WideDeep   0.1    [400]×3, BN  0.6                                                      0.9831
    DeepFM     0.05   [400]×3, BN  0.2                                                      0.9839
    DCN        0.05   [400]×3, BN  0.2      3 cross layers                                  0.9834
    xDeepFM    0.1    [400]×3, BN  0.2      CIN [64]                                        0.9841
    AutoInt+   0.1    [400]×3, BN  0.1      5 attention layers (dim 128, 4 heads, residual) 0.9848
    =========  =====  ===========  =======  ==============================================  =======

    (batch 4096 and up to 100 epochs in all five; AutoInt+ is one run, the others five.)

    Adapted to this repository's Frappe split, which trains on 52k rows instead of BARS's 202k:
    batch 1024 keeps BARS's ~50 updates per epoch; the network size (width of the DNN, CIN
    size, attention layers), then λ, then dropout were re-chosen per architecture by a seeded
    search on the validation split (``python benchmarks/ctr.py --parts tuning``; results in
    ``benchmarks/results/ctr_tuning.md``), taking the cheaper network when validation AUCs tie.
    DeepCTR-Torch's AutoInt attends in the embedding space (size 10, so 2 heads of 5, no scaling)
    and cannot reproduce FuxiCTR's 128-wide attention.

``"bars"`` (:data:`BARS_CONFIGS`)
    BARS's selected settings above as they are, except batch 1024: the starting point of the
    search.

``"paper"`` (:data:`PAPER_CONFIGS`)
    The GLIDER paper's targets (Tsang et al., ICLR 2020, §5.3): embedding 16, Adagrad lr 0.01
    (AutoInt: Adam 1e-3), batch 1024, early stopping on validation logloss, DeepCTR's defaults
    otherwise (L2 1e-5 on embeddings, summed logloss, no batch norm or dropout).

``"small"``
    The paper's training with narrower networks (:data:`SMALL_KWARGS`); the audit's default
    before the tuned preset.

Explicit arguments of ``train_target`` / ``build_target`` override a preset's values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BARS_CONFIGS",
    "BARS_FRAPPE_AUC",
    "CONFIG_NAMES",
    "MODEL_NAMES",
    "PAPER_CONFIGS",
    "SMALL_KWARGS",
    "TUNED_CHANGES",
    "TUNED_CONFIGS",
    "TargetConfig",
    "preset_config",
    "target_config",
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
"""Paper configuration of each target model (DESIGN §2): DeepCTR class, network, optimizer."""

SMALL_KWARGS: dict[str, dict[str, Any]] = {
    "wdl": {"dnn_hidden_units": (128, 64)},
    "deepfm": {"dnn_hidden_units": (64, 64)},
    "dcn": {"dnn_hidden_units": (128, 128), "cross_num": 3},
    "xdeepfm": {"dnn_hidden_units": (64, 64), "cin_layer_size": (32, 32)},
    "autoint": {"att_layer_num": 2, "att_head_num": 2, "dnn_hidden_units": (64, 64)},
}
"""``"small"`` networks for small local data (same families, narrower)."""

MODEL_NAMES = tuple(PAPER_CONFIGS)
CONFIG_NAMES = ("tuned", "bars", "paper", "small")


@dataclass(frozen=True)
class TargetConfig:
    """Everything about a target model except the data.

    Attributes:
        model: ``"wdl"``, ``"deepfm"``, ``"dcn"``, ``"xdeepfm"`` or ``"autoint"``.
        model_kwargs: DeepCTR-Torch constructor arguments (network sizes, ``dnn_use_bn``,
            ``dnn_dropout``, ...), without the L2 terms set from ``embedding_l2``.
        embedding_dim: size of every field embedding.
        embedding_l2: FuxiCTR's ``embedding_regularizer`` λ: ``λ/2·‖E‖²`` summed over every
            embedding table (the linear part's too) is added to each batch's loss; None keeps
            DeepCTR's own defaults (1e-5·‖E‖², the paper preset).
        optimizer, lr: ``"adam"`` / ``"adagrad"`` / ``"sgd"`` and its learning rate.
        batch_size, max_epochs, patience: training; stop after ``patience`` epochs without a
            better validation ``monitor``.
        monitor: ``"auc"`` or ``"logloss"`` on the validation split.
        reduction: the batch loss is the ``"mean"`` or ``"sum"`` of the logloss.
        lr_decay: learning-rate factor after an epoch without improvement (None: constant).
        max_grad_norm: gradient clipping (None: none).
        init: ``"xavier"`` re-initialises every ``nn.Linear`` Xavier-normal with zero bias
            (FuxiCTR); ``"deepctr"`` keeps DeepCTR-Torch's N(0, 1e-4) DNN weights.
        reference: where the settings come from.
    """

    model: str
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)
    embedding_dim: int = 16
    embedding_l2: float | None = None
    optimizer: str = "adagrad"
    lr: float = 0.01
    batch_size: int = 1024
    max_epochs: int = 20
    patience: int = 2
    monitor: str = "logloss"
    reduction: str = "sum"
    lr_decay: float | None = None
    max_grad_norm: float | None = None
    init: str = "deepctr"
    reference: str = ""

    def replace(self, **changes: Any) -> TargetConfig:
        """A copy with ``changes`` (``model_kwargs`` entries are merged, not replaced)."""
        if "model_kwargs" in changes:
            changes["model_kwargs"] = {**self.model_kwargs, **dict(changes["model_kwargs"])}
        return dataclasses.replace(self, **changes)

    def summary(self) -> str:
        """One line for reports, e.g. ``"DNN [128, 128] + BN, dropout 0.2, λ 0.05, emb 10,
        Adam 1e-3, batch 1024, stop on val AUC (patience 2)"``."""
        kw = self.model_kwargs
        parts = [
            f"DNN {list(kw.get('dnn_hidden_units', ()))}"
            + (" + BN" if kw.get("dnn_use_bn") else "")
        ]
        if kw.get("dnn_dropout"):
            parts.append(f"dropout {kw['dnn_dropout']:g}")
        for key, label in (
            ("cross_num", "cross layers"),
            ("cin_layer_size", "CIN"),
            ("att_layer_num", "attention layers"),
        ):
            if key in kw:
                value = kw[key]
                parts.append(f"{label} {list(value) if isinstance(value, tuple) else value}")
        if self.embedding_l2 is not None:
            parts.append(f"λ {self.embedding_l2:g}")
        parts += [
            f"emb {self.embedding_dim}",
            f"{self.optimizer.capitalize()} {self.lr:g}",
            f"batch {self.batch_size}",
            f"stop on val {'AUC' if self.monitor == 'auc' else 'logloss'} "
            f"(patience {self.patience})",
        ]
        return ", ".join(parts)

    def deepctr_kwargs(self) -> dict[str, Any]:
        """The DeepCTR constructor arguments, with the L2 terms of ``embedding_l2``."""
        kwargs = dict(self.model_kwargs)
        if self.embedding_l2 is not None:
            half = self.embedding_l2 / 2  # DeepCTR adds l2·Σw², FuxiCTR (λ/2)·‖w‖²
            kwargs.setdefault("l2_reg_embedding", half)
            if self.model != "autoint":  # DeepCTR's AutoInt fixes l2_reg_linear = 0
                kwargs.setdefault("l2_reg_linear", half)
            if self.model == "dcn":  # FuxiCTR's net_regularizer 0
                kwargs.setdefault("l2_reg_cross", 0.0)
        return kwargs


def _paper(model: str, small: bool) -> TargetConfig:
    cfg = PAPER_CONFIGS[model]
    kwargs = dict(cfg["kwargs"])
    if small:
        kwargs.update(SMALL_KWARGS[model])
    return TargetConfig(
        model,
        kwargs,
        optimizer=cfg["optimizer"],
        lr=cfg["lr"],
        reference="Tsang et al., ICLR 2020, §5.3" + (" (narrower networks)" if small else ""),
    )


_BARS = "reczoo/BARS ranking/ctr/{}/{}_frappe_x1 ({}), adapted to 52k rows (ctr_tuning.md)"
_TUNED_COMMON: dict[str, Any] = {
    "embedding_dim": 10,
    "optimizer": "adam",
    "lr": 1e-3,
    "batch_size": 1024,
    "max_epochs": 50,
    "patience": 2,
    "monitor": "auc",
    "reduction": "mean",
    "lr_decay": 0.1,
    "max_grad_norm": 10.0,
    "init": "xavier",
}

BARS_CONFIGS: dict[str, TargetConfig] = {
    "wdl": TargetConfig(
        "wdl",
        {"dnn_hidden_units": (400, 400, 400), "dnn_use_bn": True, "dnn_dropout": 0.6},
        embedding_l2=0.1,
        reference=_BARS.format("WideDeep", "WideDeep", "WideDeep_frappe_x1_030_af559975"),
        **_TUNED_COMMON,
    ),
    "deepfm": TargetConfig(
        "deepfm",
        {"dnn_hidden_units": (400, 400, 400), "dnn_use_bn": True, "dnn_dropout": 0.2},
        embedding_l2=0.05,
        reference=_BARS.format("DeepFM", "DeepFM", "DeepFM_frappe_x1_001_4ae3a56e"),
        **_TUNED_COMMON,
    ),
    "dcn": TargetConfig(
        "dcn",
        {
            "dnn_hidden_units": (400, 400, 400),
            "dnn_use_bn": True,
            "dnn_dropout": 0.2,
            "cross_num": 3,
        },
        embedding_l2=0.05,
        reference=_BARS.format("DCN", "DCN", "DCN_frappe_x1_013_efa58c31"),
        **_TUNED_COMMON,
    ),
    "xdeepfm": TargetConfig(
        "xdeepfm",
        {
            "dnn_hidden_units": (400, 400, 400),
            "dnn_use_bn": True,
            "dnn_dropout": 0.2,
            "cin_layer_size": (64,),
        },
        embedding_l2=0.1,
        reference=_BARS.format("xDeepFM", "xDeepFM", "xDeepFM_frappe_x1_005_447fa536"),
        **_TUNED_COMMON,
    ),
    "autoint": TargetConfig(
        "autoint",
        {
            "dnn_hidden_units": (400, 400, 400),
            "dnn_use_bn": True,
            "dnn_dropout": 0.1,
            "att_layer_num": 5,
            "att_head_num": 2,
            "att_res": True,
        },
        embedding_l2=0.1,
        reference=_BARS.format("AutoInt", "AutoInt+", "AutoInt_frappe_x1_006_dba8e61c"),
        **_TUNED_COMMON,
    ),
}
"""BARS's selected Frappe_x1 settings of each model, batch 1024 (preset ``"bars"``)."""

TUNED_CHANGES: dict[str, dict[str, Any]] = {
    "wdl": {"model_kwargs": {"dnn_hidden_units": (128, 128), "dnn_dropout": 0.2}},
    "deepfm": {"model_kwargs": {"dnn_hidden_units": (128, 128), "dnn_dropout": 0.4}},
    "dcn": {"model_kwargs": {"dnn_hidden_units": (128, 128), "dnn_dropout": 0.4}},
    "xdeepfm": {
        "model_kwargs": {
            "dnn_hidden_units": (128, 128),
            "cin_layer_size": (32,),
            "dnn_dropout": 0.4,
        }
    },
    "autoint": {
        "model_kwargs": {"dnn_hidden_units": (128, 128), "att_layer_num": 2, "dnn_dropout": 0.2},
        "embedding_l2": 0.05,
    },
}
"""What the validation search on Frappe (``benchmarks/ctr.py --parts tuning``, one seed;
``benchmarks/results/ctr_tuning.md``) changed in :data:`BARS_CONFIGS` (``model_kwargs`` entries
are merged). Validation AUC, BARS's network -> the tuned one: W&D 0.9555 -> 0.9552, DeepFM
0.9543 -> 0.9586, DCN 0.9509 -> 0.9606, xDeepFM 0.9540 -> 0.9580, AutoInt 0.9545 -> 0.9574; the
cheap networks take about a third of the time per epoch."""

TUNED_CONFIGS: dict[str, TargetConfig] = {
    m: BARS_CONFIGS[m].replace(**TUNED_CHANGES[m]) for m in BARS_CONFIGS
}
"""The tuned preset of each target model (see the module docstring for the sources)."""

BARS_FRAPPE_AUC: dict[str, float] = {
    "wdl": 0.983073,
    "deepfm": 0.983947,
    "dcn": 0.983418,
    "xdeepfm": 0.984138,
    "autoint": 0.984812,
}
"""BARS Frappe_x1 test AUC of the selected configuration (mean of its reported runs)."""


def preset_config(model: str, config: str | TargetConfig | None = None) -> TargetConfig:
    """The :class:`TargetConfig` of ``model`` given as a preset name (default "tuned") or as a
    ``TargetConfig``, checked to be for ``model``."""
    key = model.lower()
    if isinstance(config, TargetConfig):
        cfg = config
    else:
        cfg = target_config(key, config or "tuned")
    if cfg.model != key:
        raise ValueError(f"the config is for {cfg.model!r}, not {key!r}")
    return cfg


def target_config(model: str, config: str = "tuned") -> TargetConfig:
    """The :class:`TargetConfig` of ``model`` in preset ``config`` (see :data:`CONFIG_NAMES`)."""
    key = model.lower()
    if key not in PAPER_CONFIGS:
        raise ValueError(f"unknown target model {model!r}; choose from {list(MODEL_NAMES)}")
    if config not in CONFIG_NAMES:
        raise ValueError(f"config must be one of {CONFIG_NAMES}, got {config!r}")
    if config == "tuned":
        return TUNED_CONFIGS[key]
    if config == "bars":
        return BARS_CONFIGS[key]
    return _paper(key, small=config == "small")
