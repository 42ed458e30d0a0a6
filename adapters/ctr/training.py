"""Training CTR models: a seeded loop with early stopping, test metrics, the target models.

``train_target`` trains one of the paper's target models (Wide&Deep, DeepFM, Deep&Cross,
xDeepFM, AutoInt; :mod:`~interactkit.adapters.ctr.deepctr`) on
:class:`~interactkit.adapters.ctr.data.CTRData`, optionally with feature crosses appended, with
early stopping on validation logloss (the best epoch's weights are restored) and reports test
AUC / logloss.

DeepCTR's own ``BaseModel.fit``/``predict`` print to stdout and build tensors with
``torch.from_numpy`` on pandas 3's read-only arrays (a UserWarning); its ``EarlyStopping``
callback does not restore weights by default. :func:`fit_logit_model` is our own loop on the torch
module instead, so training is seeded, silent, and restores the best epoch.

Speed: on a small shared CPU, torch's default OpenMP threads can make these small models several
times slower than ``torch.set_num_threads(1)`` (we measured ~8x on a contended 2-core machine);
set the thread count in the calling script.

pandas and scikit-learn are imported inside functions.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F

from interactkit.adapters.ctr.crossing import augment_with_crosses
from interactkit.adapters.ctr.data import CTRData
from interactkit.adapters.ctr.deepctr import MODEL_NAMES, PAPER_CONFIGS, build_target
from interactkit.adapters.ctr.models import deepctr_logit_mode

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit.adapters.ctr.crossing import Interactions

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
    "seed_all",
    "train_and_test",
    "train_target",
]

LogitFn = Callable[[torch.Tensor], torch.Tensor]
"""``inputs Tensor[B, D] -> logits Tensor[B]`` (or ``[B, 1]``)."""
RegFn = Callable[[], torch.Tensor]
"""``() -> Tensor[]``: a regularization term added to each batch's loss."""


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
    verbose: bool = False,
) -> dict[str, Any]:
    """Mini-batch training with early stopping on validation logloss.

    Args:
        model: the module (its train/eval mode is set here).
        logit_fn: ``x[B, D] -> logits[B]`` (or ``[B, 1]``) in train or eval mode.
        train, val: ``(inputs Tensor[N, D], labels int[N])``.
        optimizer: over ``model``'s parameters.
        batch_size, max_epochs: as usual; the loss is the summed binary cross-entropy of a batch
            plus ``reg_fn()`` (DeepCTR's convention).
        patience: stop after this many epochs without a lower validation logloss.
        seed: seeds the batch order.

    Returns:
        ``{"epochs": run, "best_epoch": 1-based, "val_logloss": best, "history": [val logloss
        per epoch]}``; the model holds the best epoch's weights.
    """
    if max_epochs < 1 or patience < 1:
        raise ValueError("max_epochs and patience must be >= 1")
    x_tr, y_tr = train
    x_va, y_va = val
    y_tr_t = torch.as_tensor(np.asarray(y_tr), dtype=torch.float32, device=x_tr.device)
    gen = torch.Generator().manual_seed(int(seed))
    n = x_tr.shape[0]
    best = math.inf
    best_state: dict[str, torch.Tensor] | None = None
    best_epoch = 0
    history: list[float] = []
    epoch = 0
    for epoch in range(1, max_epochs + 1):
        model.train()
        perm = torch.randperm(n, generator=gen).to(x_tr.device)
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            logits = logit_fn(x_tr[idx]).reshape(-1)
            loss = F.binary_cross_entropy_with_logits(logits, y_tr_t[idx], reduction="sum")
            if reg_fn is not None:
                loss = loss + reg_fn().reshape(())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        val_loss = evaluate_logits(predict_logits(logit_fn, x_va, 4096), y_va)["logloss"]
        history.append(val_loss)
        if verbose:
            print(f"epoch {epoch}: val logloss {val_loss:.5f}")
        if val_loss < best:
            best, best_epoch = val_loss, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        elif epoch - best_epoch >= patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return {"epochs": epoch, "best_epoch": best_epoch, "val_logloss": best, "history": history}


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


def train_target(
    name: str,
    data: CTRData,
    crosses: Interactions | None = None,
    seed: int = 0,
    *,
    embedding_dim: int = 16,
    size: str = "paper",
    model_kwargs: Mapping[str, Any] | None = None,
    batch_size: int = 1024,
    max_epochs: int = 20,
    patience: int = 2,
    optimizer: str | None = None,
    lr: float | None = None,
    min_count: int | None = None,
    device: str = "cpu",
    verbose: bool = False,
) -> dict[str, Any]:
    """Train a target model on ``data`` (+ ``crosses``) and evaluate it on the test split.

    Args:
        name: ``"wdl"``, ``"deepfm"``, ``"dcn"``, ``"xdeepfm"`` or ``"autoint"``.
        data: encoded CTR data.
        crosses: interactions to cross and append as new fields (see
            :func:`~interactkit.adapters.ctr.crossing.augment_with_crosses`), or None.
        seed: seeds the initialisation and batch order (same seed, same result on CPU).
        embedding_dim, size, model_kwargs: the network (:mod:`~interactkit.adapters.ctr.deepctr`).
        batch_size, max_epochs, patience: training; early stopping on validation logloss.
        optimizer, lr: default the paper's (Adagrad 0.01; AutoInt Adam 1e-3).
        min_count: cross threshold (None: scaled default).
        device: torch device.

    Returns:
        ``{"auc", "logloss"}`` on test, ``"epochs"`` run, ``"best_epoch"``, ``"val_logloss"``,
        ``"seconds"`` (training wall time), ``"n_params"``, ``"history"`` and ``"model"`` (the
        trained module, best epoch's weights).
    """
    if crosses:
        data, _ = augment_with_crosses(data, crosses, min_count=min_count)
    key = name.lower()
    if key not in PAPER_CONFIGS:
        raise ValueError(f"unknown target model {name!r}; choose from {list(MODEL_NAMES)}")
    seed_all(seed)
    model = build_target(
        key,
        data.schema,
        seed=seed,
        embedding_dim=embedding_dim,
        size=size,
        model_kwargs=model_kwargs,
        device=device,
    )
    opt = make_optimizer(
        optimizer or PAPER_CONFIGS[key]["optimizer"],
        model.parameters(),
        PAPER_CONFIGS[key]["lr"] if lr is None else lr,
    )
    result = train_and_test(
        model,
        list(model.feature_index),
        deepctr_logit_fn(model),
        deepctr_reg_fn(model),
        data,
        opt,
        batch_size=batch_size,
        max_epochs=max_epochs,
        patience=patience,
        seed=seed,
        device=device,
        verbose=verbose,
    )
    result["n_params"] = sum(p.numel() for p in model.parameters())
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
) -> dict[str, Any]:
    """Fit on train with early stopping on validation; test ``auc``/``logloss`` and training
    facts (``epochs``, ``best_epoch``, ``val_logloss``, ``seconds``, ``history``)."""
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
    )
    seconds = time.perf_counter() - start
    metrics = evaluate_logits(predict_logits(logit_fn, x_te, 4096), data.test.labels)
    return {
        **metrics,
        "epochs": fit["epochs"],
        "best_epoch": fit["best_epoch"],
        "val_logloss": fit["val_logloss"],
        "seconds": seconds,
        "history": fit["history"],
    }
