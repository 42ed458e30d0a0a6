"""Training target models: a preset (tuned by default), crosses, early stopping, test metrics.

``train_target`` trains one of the target models (Wide&Deep, DeepFM, Deep&Cross, xDeepFM,
AutoInt; :mod:`~interactkit.adapters.ctr.targets.deepctr`) on
:class:`~interactkit.adapters.ctr.CTRData`, optionally with feature crosses appended, the
way a preset of :mod:`~interactkit.adapters.ctr.targets.configs` says (``"tuned"``: BARS/FuxiCTR
settings, early stopping on validation AUC; ``"paper"``/``"small"``: the GLIDER paper's), and
reports test AUC / logloss of the best validation epoch.

DeepCTR's own ``BaseModel.fit``/``predict`` print to stdout and build tensors with
``torch.from_numpy`` on pandas 3's read-only arrays (a UserWarning); its ``EarlyStopping``
callback does not restore weights by default. :func:`~.fitting.fit_logit_model` is our own loop
on the torch module instead, so training is seeded, silent, and restores the best epoch.

Speed: on a small shared CPU, torch's default OpenMP threads can make these small models several
times slower than one thread (we measured ~8x on a contended 2-core machine); ``threads`` sets
the count for the duration of one training.

pandas and scikit-learn are imported inside functions.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch

from interactkit.adapters.ctr.data.splits import CTRData
from interactkit.adapters.ctr.explain.outputs import deepctr_logit_mode
from interactkit.adapters.ctr.targets.configs import TargetConfig, preset_config
from interactkit.adapters.ctr.targets.crossing import augment_with_crosses
from interactkit.adapters.ctr.targets.deepctr import MODEL_NAMES, build_target
from interactkit.adapters.ctr.targets.fitting import (
    LogitFn,
    RegFn,
    evaluate_logits,
    fit_logit_model,
    input_tensor,
    make_optimizer,
    predict_logits,
    seed_all,
)

if TYPE_CHECKING:  # pragma: no cover
    from interactkit.adapters.ctr.targets.crossing import Interactions

__all__ = [
    "LogitFn",
    "RegFn",
    "deepctr_logit_fn",
    "deepctr_reg_fn",
    "evaluate_logits",
    "fit_logit_model",
    "input_tensor",
    "make_optimizer",
    "predict_logits",
    "resolve_target_config",
    "seed_all",
    "train_and_test",
    "train_target",
]


def deepctr_logit_fn(model: torch.nn.Module) -> LogitFn:
    """The logit function of a DeepCTR model (its sigmoid bypassed), in the model's mode."""

    def fn(x: torch.Tensor) -> torch.Tensor:
        with deepctr_logit_mode(model, train=model.training):
            return model(x)

    return fn


def deepctr_reg_fn(model: torch.nn.Module) -> RegFn:
    """DeepCTR's loss terms besides the data: embedding/weight regularization and aux loss."""

    def fn() -> torch.Tensor:
        return model.get_regularization_loss() + model.aux_loss

    return fn


def resolve_target_config(
    name: str,
    config: str | TargetConfig | None = None,
    **overrides: Any,
) -> TargetConfig:
    """The preset ``config`` of model ``name`` with the
    ``overrides`` that are not None (``TargetConfig`` field names; ``model_kwargs`` merge)."""
    key = name.lower()
    if key not in MODEL_NAMES:
        raise ValueError(f"unknown target model {name!r}; choose from {list(MODEL_NAMES)}")
    cfg = preset_config(key, config)
    changes = {k: v for k, v in overrides.items() if v is not None}
    unknown = sorted(set(changes) - set(TargetConfig.__dataclass_fields__))
    if unknown:
        raise TypeError(f"unknown target settings {unknown}")
    return cfg.replace(**changes) if changes else cfg


def train_target(
    name: str,
    data: CTRData,
    crosses: Interactions | None = None,
    seed: int = 0,
    *,
    config: str | TargetConfig | None = None,
    embedding_dim: int | None = None,
    model_kwargs: Mapping[str, Any] | None = None,
    batch_size: int | None = None,
    max_epochs: int | None = None,
    patience: int | None = None,
    optimizer: str | None = None,
    lr: float | None = None,
    monitor: str | None = None,
    min_count: int | None = None,
    threads: int | None = None,
    device: str = "cpu",
    verbose: bool = False,
) -> dict[str, Any]:
    """Train a target model on ``data`` (+ ``crosses``) and evaluate it on the test split.

    Args:
        name: ``"wdl"``, ``"deepfm"``, ``"dcn"``, ``"xdeepfm"`` or ``"autoint"``.
        data: encoded CTR data.
        crosses: interactions to cross and append as new fields (see
            :func:`~interactkit.adapters.ctr.augment_with_crosses`), or None.
        seed: seeds the initialisation and batch order (same seed, same result on CPU).
        config: preset (``"tuned"``, the default; ``"paper"``; ``"small"``) or a
            :class:`~interactkit.adapters.ctr.targets.configs.TargetConfig`.
        embedding_dim, model_kwargs, batch_size, max_epochs, patience, optimizer, lr, monitor:
            override the preset (None keeps it); ``model_kwargs`` are DeepCTR constructor
            arguments merged into the preset's.
        min_count: cross threshold (None: scaled default).
        threads: torch threads during this training (restored afterwards); None leaves them.
        device: torch device.

    Returns:
        ``{"auc", "logloss"}`` on test, ``"epochs"`` run, ``"best_epoch"``, ``"val_logloss"``,
        ``"val_auc"`` (best epoch), ``"seconds"`` (training wall time), ``"n_params"``,
        ``"history"`` / ``"auc_history"`` (validation per epoch), ``"config"`` (the
        :class:`TargetConfig` used) and ``"model"`` (the trained module, best epoch's weights).
    """
    cfg = resolve_target_config(
        name,
        config,
        embedding_dim=embedding_dim,
        model_kwargs=model_kwargs,
        batch_size=batch_size,
        max_epochs=max_epochs,
        patience=patience,
        optimizer=optimizer,
        lr=lr,
        monitor=monitor,
    )
    if crosses:
        data, _ = augment_with_crosses(data, crosses, min_count=min_count)
    old_threads = torch.get_num_threads()
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        torch.set_num_threads(threads)
    try:
        seed_all(seed)
        model = build_target(cfg.model, data.schema, seed=seed, config=cfg, device=device)
        opt = make_optimizer(cfg.optimizer, model.parameters(), cfg.lr)
        result = train_and_test(
            model,
            list(model.feature_index),
            deepctr_logit_fn(model),
            deepctr_reg_fn(model),
            data,
            opt,
            batch_size=cfg.batch_size,
            max_epochs=cfg.max_epochs,
            patience=cfg.patience,
            seed=seed,
            device=device,
            verbose=verbose,
            monitor=cfg.monitor,
            reduction=cfg.reduction,
            lr_decay=cfg.lr_decay,
            max_grad_norm=cfg.max_grad_norm,
        )
    finally:
        torch.set_num_threads(old_threads)
    result["n_params"] = sum(p.numel() for p in model.parameters())
    result["config"] = cfg
    result["model"] = model
    return result


def train_and_test(
    model: torch.nn.Module,
    inputs: Sequence[str],
    logit_fn: LogitFn,
    reg_fn: RegFn | None,
    data: CTRData,
    optimizer: torch.optim.Optimizer,
    *,
    batch_size: int,
    max_epochs: int,
    patience: int,
    seed: int,
    device: str,
    verbose: bool,
    **fit_options: Any,
) -> dict[str, Any]:
    """Fit on train with early stopping on validation; test ``auc``/``logloss`` and training
    facts (``epochs``, ``best_epoch``, ``val_logloss``, ``val_auc``, ``seconds``, ``history``,
    ``auc_history``). ``fit_options`` go to :func:`~.fitting.fit_logit_model` (``monitor``,
    ``reduction``, ``lr_decay``, ``max_grad_norm``)."""
    x_tr = input_tensor(data.train.frame, inputs, device)
    x_va = input_tensor(data.val.frame, inputs, device)
    x_te = input_tensor(data.test.frame, inputs, device)
    start = time.perf_counter()
    fit = fit_logit_model(
        model,
        logit_fn,
        (x_tr, data.train.labels),
        (x_va, data.val.labels),
        optimizer=optimizer,
        batch_size=batch_size,
        max_epochs=max_epochs,
        patience=patience,
        seed=seed,
        reg_fn=reg_fn,
        verbose=verbose,
        **fit_options,
    )
    seconds = time.perf_counter() - start
    metrics = evaluate_logits(predict_logits(logit_fn, x_te, 8192), data.test.labels)
    return {
        **metrics,
        "epochs": fit["epochs"],
        "best_epoch": fit["best_epoch"],
        "val_logloss": fit["val_logloss"],
        "val_auc": fit["val_auc"],
        "seconds": seconds,
        "history": fit["history"],
        "auc_history": fit["auc_history"],
    }
