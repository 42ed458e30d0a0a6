"""The training loop of CTR models: batches of pre-built tensors, early stopping, metrics.

:func:`fit_logit_model` trains any torch module given its logit function. It is our own loop
rather than DeepCTR's ``BaseModel.fit`` (which prints to stdout, builds tensors from pandas on
every call and does not restore the best epoch): inputs are one float tensor per split, built
once; each batch is an index gather; the validation metrics are computed once per epoch.

Early stopping follows FuxiCTR's ``BaseModel`` (the trainer of the BARS benchmark): the monitored
validation metric (AUC by default there, logloss here for backward compatibility) must improve by
more than ``1e-6``; every epoch without improvement counts towards ``patience`` and, with
``lr_decay``, multiplies the learning rate by ``lr_decay`` (FuxiCTR: 0.1, floor 1e-6); the best
epoch's weights are restored at the end.

scikit-learn is imported inside functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "MONITORS",
    "LogitFn",
    "RegFn",
    "evaluate_logits",
    "fit_logit_model",
    "input_tensor",
    "make_optimizer",
    "predict_logits",
    "seed_all",
]

LogitFn = Callable[[torch.Tensor], torch.Tensor]
"""``inputs Tensor[B, D] -> logits Tensor[B]`` (or ``[B, 1]``)."""
RegFn = Callable[[], torch.Tensor]
"""``() -> Tensor[]``: a regularization term added to each batch's loss."""

MONITORS = ("logloss", "auc")
"""Validation metrics early stopping can monitor (logloss: lower is better; AUC: higher)."""

_MIN_DELTA = 1e-6  # FuxiCTR's min_delta: smaller changes do not count as improvements


def input_tensor(
    frame: pd.DataFrame, names: Sequence[str], device: torch.device | str
) -> torch.Tensor:
    """``float32 Tensor[N, len(names)]`` of the frame's columns in ``names`` order."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks model inputs {missing}")
    arr = np.ascontiguousarray(frame[list(names)].to_numpy(dtype=np.float32))  # writable copy
    return torch.from_numpy(arr).to(device)


def evaluate_logits(logits: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """AUC and logloss of logits ``float[N]`` against 0/1 labels ``int[N]``."""
    from sklearn.metrics import log_loss, roc_auc_score

    logits = np.asarray(logits, dtype=np.float64)
    p = np.clip(1.0 / (1.0 + np.exp(-logits)), 1e-7, 1 - 1e-7)
    labels = np.asarray(labels)
    auc = float(roc_auc_score(labels, p)) if len(np.unique(labels)) == 2 else float("nan")
    return {"auc": auc, "logloss": float(log_loss(labels, p, labels=[0, 1]))}


def predict_logits(logit_fn: LogitFn, x: torch.Tensor, batch_size: int) -> np.ndarray:
    """Logits ``float64[N]`` of inputs ``x[N, D]``, ``batch_size`` rows per call, no gradients."""
    out = []
    with torch.no_grad():
        for i in range(0, x.shape[0], batch_size):
            out.append(logit_fn(x[i : i + batch_size]).reshape(-1).double().cpu())
    return torch.cat(out).numpy() if out else np.zeros(0)


def fit_logit_model(
    model: torch.nn.Module,
    logit_fn: LogitFn,
    train: tuple[torch.Tensor, np.ndarray],
    val: tuple[torch.Tensor, np.ndarray],
    *,
    optimizer: torch.optim.Optimizer,
    batch_size: int = 1024,
    max_epochs: int = 20,
    patience: int = 2,
    seed: int = 0,
    reg_fn: RegFn | None = None,
    monitor: str = "logloss",
    reduction: str = "sum",
    lr_decay: float | None = None,
    min_lr: float = 1e-6,
    max_grad_norm: float | None = None,
    eval_batch_size: int = 8192,
    verbose: bool = False,
) -> dict[str, Any]:
    """Mini-batch training with early stopping on a validation metric.

    Args:
        model: the module (its train/eval mode is set here).
        logit_fn: ``x[B, D] -> logits[B]`` (or ``[B, 1]``) in train or eval mode.
        train, val: ``(inputs Tensor[N, D], labels int[N])``.
        optimizer: over ``model``'s parameters.
        batch_size, max_epochs: as usual.
        patience: stop after this many epochs without a better monitored value.
        seed: seeds the batch order.
        reg_fn: ``() -> Tensor[]`` added to each batch's loss (e.g. L2 on embeddings).
        monitor: ``"logloss"`` (lower is better) or ``"auc"`` (higher is better).
        reduction: the batch loss is the ``"sum"`` (DeepCTR's convention) or the ``"mean"``
            (FuxiCTR's) of the binary cross-entropy, plus ``reg_fn()``.
        lr_decay: multiply every learning rate by this factor after each epoch without
            improvement, down to ``min_lr`` (FuxiCTR's reduce-on-plateau: 0.1); None keeps it.
        max_grad_norm: clip the gradients' global norm (FuxiCTR: 10); None does not clip.
        eval_batch_size: rows per forward pass when scoring the validation split.

    Returns:
        ``{"epochs": run, "best_epoch": 1-based, "val_logloss", "val_auc" (of the best epoch),
        "history": [val logloss per epoch], "auc_history": [val AUC per epoch], "lr": last}``;
        the model holds the best epoch's weights.
    """
    if max_epochs < 1 or patience < 1 or batch_size < 1:
        raise ValueError("max_epochs, patience and batch_size must be >= 1")
    if monitor not in MONITORS:
        raise ValueError(f"monitor must be one of {MONITORS}, got {monitor!r}")
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
    if lr_decay is not None and not 0 < lr_decay < 1:
        raise ValueError(f"lr_decay must be in (0, 1) or None, got {lr_decay}")
    x_tr, y_tr = train
    x_va, y_va = val
    y_tr_t = torch.as_tensor(np.asarray(y_tr), dtype=torch.float32, device=x_tr.device)
    gen = torch.Generator().manual_seed(int(seed))
    n = x_tr.shape[0]
    sign = 1.0 if monitor == "logloss" else -1.0  # minimise sign * metric
    best = math.inf
    best_state: dict[str, torch.Tensor] | None = None
    best_epoch, best_metrics = 0, {"auc": float("nan"), "logloss": float("nan")}
    history: list[float] = []
    auc_history: list[float] = []
    epoch = 0
    for epoch in range(1, max_epochs + 1):
        model.train()
        perm = torch.randperm(n, generator=gen).to(x_tr.device)
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            logits = logit_fn(x_tr[idx]).reshape(-1)
            loss = F.binary_cross_entropy_with_logits(logits, y_tr_t[idx], reduction=reduction)
            if reg_fn is not None:
                loss = loss + reg_fn().reshape(())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
            optimizer.step()
        model.eval()
        metrics = evaluate_logits(predict_logits(logit_fn, x_va, eval_batch_size), y_va)
        history.append(metrics["logloss"])
        auc_history.append(metrics["auc"])
        value = sign * metrics[monitor]
        if verbose:
            print(f"epoch {epoch}: val logloss {metrics['logloss']:.5f} AUC {metrics['auc']:.5f}")
        if value < best - _MIN_DELTA or best_state is None:
            best, best_epoch, best_metrics = value, epoch, metrics
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            if epoch - best_epoch >= patience:
                break
            if lr_decay is not None:
                for group in optimizer.param_groups:
                    group["lr"] = max(group["lr"] * lr_decay, min_lr)
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return {
        "epochs": epoch,
        "best_epoch": best_epoch,
        "val_logloss": best_metrics["logloss"],
        "val_auc": best_metrics["auc"],
        "history": history,
        "auc_history": auc_history,
        "lr": float(optimizer.param_groups[0]["lr"]),
    }


def make_optimizer(
    name: str, params: Iterable[torch.nn.Parameter], lr: float
) -> torch.optim.Optimizer:
    """``"adagrad"``, ``"adam"`` or ``"sgd"`` over ``params``."""
    name = name.lower()
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, foreach=True)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, foreach=True)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; use 'adagrad', 'adam' or 'sgd'")


def seed_all(seed: int) -> None:
    """Seed torch and numpy's global generator (initialisation of a new model)."""
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - DeepCTR layers may use the global RNG
