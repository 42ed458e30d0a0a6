"""Target CTR models (DeepCTR-Torch), their training, and the GLIDER cross comparison.

``train_target`` trains one of the paper's target models (Wide&Deep, DeepFM, Deep&Cross,
xDeepFM, AutoInt) on :class:`~interactkit.datasets.base.CTRData`, optionally with feature
crosses appended, with early stopping on validation logloss (the best epoch's weights are
restored) and reports test AUC / logloss. ``compare_crosses`` runs the paper's experiment:
each target (a) as is, (b) + the GLIDER crosses, (c) + as many random crosses of the same orders
(a control), over several seeds. ``train_source_model`` trains a model to be explained.

Paper settings (:data:`PAPER_CONFIGS`): embedding 16, batch 1024, Adagrad lr 0.01 (AutoInt: Adam
1e-3); W&D DNN [1024, 512, 256]; DeepFM [400, 400, 400]; DCN [1024, 1024] + 6 cross layers;
xDeepFM DNN [400, 400] + CIN [200, 200, 200]; AutoInt 3 attention blocks, 2 heads + DNN
[400, 400]. ``size="small"`` shrinks every network for small local data; ``model_kwargs``
overrides any constructor argument.

DeepCTR-Torch 0.3.0 notes (checked with torch 2.13 / numpy 2 / pandas 3):

* importing it starts a thread that queries PyPI for a newer version (``requests.get`` without a
  timeout in a non-daemon thread, which can delay interpreter exit offline);
  :func:`import_deepctr` imports it with that check replaced by a no-op (site-packages untouched);
* ``BaseModel.fit``/``predict`` print to stdout and build tensors with ``torch.from_numpy`` on
  pandas 3's read-only arrays (a UserWarning); its ``EarlyStopping`` callback does not restore
  weights by default. We use our own loop on the torch module instead, so training is seeded,
  silent, and restores the best epoch;
* AutoInt's attention size is the embedding size (16, split over the heads); the paper's 64-unit
  attention blocks are not configurable in DeepCTR-Torch;
* the missing id 0 has a learned (not zero) embedding in DeepCTR models.

Speed: on a small shared CPU, torch's default OpenMP threads can make these small models several
times slower than ``torch.set_num_threads(1)`` (we measured ~8x on a contended 2-core machine);
set the thread count in the calling script.

deepctr_torch, pandas and scikit-learn are imported inside functions.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import sys
import time
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F

from interactkit.datasets.base import CTRData, Schema

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "MODEL_NAMES",
    "PAPER_CONFIGS",
    "CrossComparison",
    "SourceModel",
    "TabularMLP",
    "build_target",
    "compare_crosses",
    "deepctr_feature_columns",
    "evaluate_logits",
    "fit_logit_model",
    "import_deepctr",
    "load_source_model",
    "random_interactions",
    "train_source_model",
    "train_target",
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


# ----------------------------------------------------------------------------- deepctr glue
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


def deepctr_feature_columns(schema: Schema, embedding_dim: int = 16) -> list[Any]:
    """DeepCTR ``SparseFeat``/``DenseFeat`` columns of a schema (one per field, same order)."""
    import_deepctr()
    from deepctr_torch.inputs import DenseFeat, SparseFeat

    cols: list[Any] = []
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


def _input_tensor(frame: pd.DataFrame, names: Sequence[str], device: torch.device | str) -> Any:
    """``float32 Tensor[N, len(names)]`` of the frame's columns in ``names`` order."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks model inputs {missing}")
    arr = np.ascontiguousarray(frame[list(names)].to_numpy(dtype=np.float32))  # writable copy
    return torch.from_numpy(arr).to(device)


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


# ----------------------------------------------------------------------------- training loop
def evaluate_logits(logits: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """AUC and logloss of logits ``float[N]`` against 0/1 labels ``int[N]``."""
    from sklearn.metrics import log_loss, roc_auc_score

    logits = np.asarray(logits, dtype=np.float64)
    p = np.clip(1.0 / (1.0 + np.exp(-logits)), 1e-7, 1 - 1e-7)
    labels = np.asarray(labels)
    auc = float(roc_auc_score(labels, p)) if len(np.unique(labels)) == 2 else float("nan")
    return {"auc": auc, "logloss": float(log_loss(labels, p, labels=[0, 1]))}


def _predict_logits(
    logit_fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, batch_size: int
) -> np.ndarray:
    out = []
    with torch.no_grad():
        for i in range(0, x.shape[0], batch_size):
            out.append(logit_fn(x[i : i + batch_size]).reshape(-1).double().cpu())
    return torch.cat(out).numpy() if out else np.zeros(0)


def fit_logit_model(
    model: torch.nn.Module,
    logit_fn: Callable[[torch.Tensor], torch.Tensor],
    train: tuple[torch.Tensor, np.ndarray],
    val: tuple[torch.Tensor, np.ndarray],
    *,
    optimizer: torch.optim.Optimizer,
    batch_size: int = 1024,
    max_epochs: int = 20,
    patience: int = 2,
    seed: int = 0,
    reg_fn: Callable[[], torch.Tensor] | None = None,
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
        val_loss = evaluate_logits(_predict_logits(logit_fn, x_va, 4096), y_va)["logloss"]
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


def _deepctr_logit_fn(model: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    from interactkit.adapters.ctr import deepctr_logit_mode

    def fn(x: torch.Tensor) -> torch.Tensor:
        with deepctr_logit_mode(model, train=model.training):
            return model(x)

    return fn


def _optimizer(name: str, params: Iterable[torch.nn.Parameter], lr: float) -> Any:
    name = name.lower()
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, foreach=True)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, foreach=True)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; use 'adagrad', 'adam' or 'sgd'")


def _seed_all(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - DeepCTR layers may use the global RNG


def train_target(
    name: str,
    data: CTRData,
    crosses: Sequence[Any] | None = None,
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
            :func:`interactkit.crossing.augment_with_crosses`), or None.
        seed: seeds the initialisation and batch order (same seed, same result on CPU).
        embedding_dim, size, model_kwargs: the network (module docstring).
        batch_size, max_epochs, patience: training; early stopping on validation logloss.
        optimizer, lr: default the paper's (Adagrad 0.01; AutoInt Adam 1e-3).
        min_count: cross threshold (None: scaled default).
        device: torch device.

    Returns:
        ``{"auc", "logloss"}`` on test, ``"epochs"`` run, ``"best_epoch"``, ``"val_logloss"``,
        ``"seconds"`` (training wall time), ``"n_params"``, ``"history"`` and ``"model"`` (the
        trained module, best epoch's weights).
    """
    from interactkit.crossing import augment_with_crosses

    if crosses:
        data, _ = augment_with_crosses(data, crosses, min_count=min_count)
    key = name.lower()
    if key not in PAPER_CONFIGS:
        raise ValueError(f"unknown target model {name!r}; choose from {list(MODEL_NAMES)}")
    _seed_all(seed)
    model = build_target(
        key,
        data.schema,
        seed=seed,
        embedding_dim=embedding_dim,
        size=size,
        model_kwargs=model_kwargs,
        device=device,
    )
    opt = _optimizer(
        optimizer or PAPER_CONFIGS[key]["optimizer"],
        model.parameters(),
        PAPER_CONFIGS[key]["lr"] if lr is None else lr,
    )

    def reg_fn() -> torch.Tensor:
        return model.get_regularization_loss() + model.aux_loss

    result = _train_and_test(
        model,
        list(model.feature_index),
        _deepctr_logit_fn(model),
        reg_fn,
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


def _train_and_test(
    model: torch.nn.Module,
    inputs: Sequence[str],
    logit_fn: Callable[[torch.Tensor], torch.Tensor],
    reg_fn: Callable[[], torch.Tensor] | None,
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
    x_tr = _input_tensor(data.train.frame, inputs, device)
    x_va = _input_tensor(data.val.frame, inputs, device)
    x_te = _input_tensor(data.test.frame, inputs, device)
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
    metrics = evaluate_logits(_predict_logits(logit_fn, x_te, 4096), data.test.labels)
    return {
        **metrics,
        "epochs": fit["epochs"],
        "best_epoch": fit["best_epoch"],
        "val_logloss": fit["val_logloss"],
        "seconds": seconds,
        "history": fit["history"],
    }


# ----------------------------------------------------------------------------- comparison
def random_interactions(
    schema: Schema,
    orders: Sequence[int],
    exclude: Iterable[Sequence[str]] = (),
    seed: int = 0,
) -> list[tuple[str, ...]]:
    """Random field sets, one per entry of ``orders`` (its size), distinct, none in ``exclude``.

    Fields are drawn uniformly without replacement from ``schema`` with
    ``numpy.random.default_rng(seed)``.
    """
    names = schema.names
    taken = {frozenset(e) for e in exclude}
    rng = np.random.default_rng(seed)
    out: list[tuple[str, ...]] = []
    for order in orders:
        if not 2 <= order <= len(names):
            raise ValueError(f"cannot draw a set of {order} fields from {len(names)} fields")
        for _ in range(10_000):
            pick = rng.choice(len(names), size=order, replace=False)
            cand = frozenset(names[i] for i in pick)
            if cand not in taken:
                break
        else:
            raise ValueError(f"could not draw a new random set of {order} fields: all are taken")
        taken.add(cand)
        out.append(tuple(n for n in names if n in cand))
    return out


@dataclass
class CrossComparison:
    """Result of :func:`compare_crosses`.

    Attributes:
        table: tidy ``DataFrame`` with one row per (model, variant, seed): columns ``model,
            variant, seed, auc, logloss, epochs, best_epoch, seconds, n_crosses``.
        summary: per (model, variant): ``auc_mean, auc_std, logloss_mean, logloss_std, n`` and
            the paired differences to the base model ``delta_auc_mean, delta_auc_std,
            delta_logloss_mean, delta_logloss_std``.
        crosses: the GLIDER interactions used (field-name tuples).
        random_crosses: the random control interactions drawn for each seed.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    crosses: list[tuple[str, ...]]
    random_crosses: dict[int, list[tuple[str, ...]]] = field(default_factory=dict)

    def to_markdown(self, digits: int = 4) -> str:
        """The summary as a Markdown table with ``mean ± std`` cells."""
        lines = [
            "| model | variant | n | AUC | logloss | ΔAUC vs base | Δlogloss vs base |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in self.summary.itertuples(index=False):

            def pm(m: float, s: float) -> str:
                return f"{m:.{digits}f} ± {0.0 if s != s else s:.{digits}f}"

            lines.append(
                f"| {row.model} | {row.variant} | {row.n} | {pm(row.auc_mean, row.auc_std)} | "
                f"{pm(row.logloss_mean, row.logloss_std)} | "
                f"{pm(row.delta_auc_mean, row.delta_auc_std)} | "
                f"{pm(row.delta_logloss_mean, row.delta_logloss_std)} |"
            )
        return "\n".join(lines)


def compare_crosses(
    data: CTRData,
    interactions: Sequence[Any],
    models: Sequence[str] = MODEL_NAMES,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    *,
    k: int | None = None,
    random_control: bool = True,
    min_count: int | None = None,
    verbose: bool = False,
    **train_kwargs: Any,
) -> CrossComparison:
    """Train each target as is, with the top-``k`` GLIDER crosses, and with ``k`` random crosses.

    Args:
        data: encoded CTR data (without crosses).
        interactions: GLIDER's ranked interactions (field-name tuples or ``Interaction``
            objects); the first ``k`` are crossed.
        models: target model names.
        seeds: one training run per seed and variant (default 5, the paper's trials); the
            random control crosses are drawn anew for each seed (``default_rng(seed)``) with
            the same orders as the GLIDER crosses, excluding the GLIDER sets.
        k: how many interactions to cross (default all).
        random_control: include the random-cross variant.
        min_count: cross threshold (None: scaled default).
        **train_kwargs: passed to :func:`train_target` (``size``, ``max_epochs``, ...).

    Returns:
        :class:`CrossComparison` (tidy table and summary).
    """
    import pandas as pd

    from interactkit.crossing import augment_with_crosses, normalize_interactions

    glider = normalize_interactions(interactions, data.schema)
    if k is not None:
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        glider = glider[:k]
    if not glider:
        raise ValueError("no interactions to compare")
    if not seeds or not models:
        raise ValueError("give at least one model and one seed")
    with_glider, _ = augment_with_crosses(data, glider, min_count=min_count)
    variants: list[tuple[str, int, CTRData]] = []
    randoms: dict[int, list[tuple[str, ...]]] = {}
    for seed in seeds:
        variants.append(("base", seed, data))
        variants.append(("glider", seed, with_glider))
        if random_control:
            rand = random_interactions(
                data.schema, [len(i) for i in glider], exclude=glider, seed=seed
            )
            randoms[seed] = rand
            with_random, _ = augment_with_crosses(data, rand, min_count=min_count)
            variants.append(("random", seed, with_random))
    rows = []
    for model in models:
        for variant, seed, d in variants:
            res = train_target(model, d, seed=seed, **train_kwargs)
            rows.append(
                {
                    "model": model,
                    "variant": variant,
                    "seed": seed,
                    "auc": res["auc"],
                    "logloss": res["logloss"],
                    "epochs": res["epochs"],
                    "best_epoch": res["best_epoch"],
                    "seconds": res["seconds"],
                    "n_crosses": len(d.schema) - len(data.schema),
                }
            )
            if verbose:
                print(
                    f"{model:8s} {variant:7s} seed {seed}: AUC {res['auc']:.4f} "
                    f"logloss {res['logloss']:.4f} ({res['epochs']} epochs, "
                    f"{res['seconds']:.1f}s)"
                )
    table = pd.DataFrame(rows)
    return CrossComparison(table, _summarize(table), glider, randoms)


def _summarize(table: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    base = table.loc[table["variant"] == "base", ["model", "seed", "auc", "logloss"]]
    joined = table.merge(base, on=["model", "seed"], how="left", suffixes=("", "_base"))
    joined["delta_auc"] = joined["auc"] - joined["auc_base"]
    joined["delta_logloss"] = joined["logloss"] - joined["logloss_base"]
    order = {"base": 0, "glider": 1, "random": 2}
    grouped = joined.groupby(["model", "variant"], sort=False)
    summary = pd.DataFrame(
        {
            "n": grouped["auc"].count(),
            "auc_mean": grouped["auc"].mean(),
            "auc_std": grouped["auc"].std(ddof=1),
            "logloss_mean": grouped["logloss"].mean(),
            "logloss_std": grouped["logloss"].std(ddof=1),
            "delta_auc_mean": grouped["delta_auc"].mean(),
            "delta_auc_std": grouped["delta_auc"].std(ddof=1),
            "delta_logloss_mean": grouped["delta_logloss"].mean(),
            "delta_logloss_std": grouped["delta_logloss"].std(ddof=1),
        }
    ).reset_index()
    summary["_o"] = summary["variant"].map(order)
    models = list(dict.fromkeys(table["model"]))
    summary["_m"] = summary["model"].map({m: i for i, m in enumerate(models)})
    return summary.sort_values(["_m", "_o"]).drop(columns=["_o", "_m"]).reset_index(drop=True)


# ----------------------------------------------------------------------------- source models
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
        model: the torch module (DeepCTR ``DeepFM`` or :class:`TabularMLP`); the CTR adapter
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

    def explainer(self, **kwargs: Any) -> Any:
        """A :class:`interactkit.adapters.ctr.CTRExplainer` for this model."""
        from interactkit.adapters.ctr import CTRExplainer

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


SOURCE_FORMAT = "interactkit.source_model"


def _build_source(
    kind: str, schema: Schema, seed: int, embedding_dim: int, hidden: Sequence[int], device: str
) -> tuple[torch.nn.Module, list[str], Callable[[torch.Tensor], torch.Tensor], Any]:
    """The network of a source model: ``(module, input order, logit_fn, reg_fn or None)``."""
    kind = kind.lower()
    if kind not in ("deepfm", "mlp"):
        raise ValueError(f"kind must be 'deepfm' or 'mlp', got {kind!r}")
    if kind == "deepfm":
        model = build_target(
            "deepfm",
            schema,
            seed=seed,
            embedding_dim=embedding_dim,
            model_kwargs={"dnn_hidden_units": tuple(hidden)},
            device=device,
        )

        def reg_fn() -> torch.Tensor:
            return model.get_regularization_loss() + model.aux_loss

        return model, list(model.feature_index), _deepctr_logit_fn(model), reg_fn
    torch.manual_seed(seed)
    model = TabularMLP(schema, embedding_dim, hidden).to(device)
    return model, schema.names, model, None


def _source_predict(
    schema: Schema,
    model: torch.nn.Module,
    inputs: Sequence[str],
    logit_fn: Callable[[torch.Tensor], torch.Tensor],
    device: str,
) -> Callable[[pd.DataFrame], np.ndarray]:
    def predict(frame: pd.DataFrame) -> np.ndarray:
        """Click probabilities ``float64[N]`` of an encoded frame."""
        schema.check_frame(frame)
        x = _input_tensor(frame, inputs, device)
        model.eval()
        return 1.0 / (1.0 + np.exp(-_predict_logits(logit_fn, x, 4096)))

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
    _seed_all(seed)
    model, inputs, logit_fn, reg_fn = _build_source(
        kind, data.schema, seed, embedding_dim, hidden, device
    )
    metrics = _train_and_test(
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
