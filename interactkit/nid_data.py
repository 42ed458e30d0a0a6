"""NID on data: the interactions a function has, learned from samples ``(X, y)``.

This is the NID paper's setting (continuous inputs, an MLP fitted to the data) and reuses the
same batched surrogate trainer and NID ranking as MADEX, so many data sets (e.g. a benchmark
suite, or several seeds) train as one batched model.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from interactkit.explanation import LocalExplanation, make_interactions
from interactkit.madex import _ranked_pairs
from interactkit.nid import pairwise_strengths, ranked_interactions, unit_influence
from interactkit.sampling import make_generator, resolve_seeds
from interactkit.surrogate import SurrogateConfig, fit_surrogates

__all__ = ["detect_interactions", "detect_interactions_many"]

ArrayLike = Any


def _as_xy(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"X must be 2-D [n_samples, n_features], got shape {x.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D [n_samples], got shape {y.shape}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"X has {x.shape[0]} rows but y has {y.shape[0]}; they must match")
    if x.shape[1] < 2:
        raise ValueError(f"X has {x.shape[1]} feature(s); an interaction needs at least 2")
    if x.shape[0] < 30:
        raise ValueError(f"{x.shape[0]} samples are too few to fit an MLP; give at least 30")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("X and y must be finite (found NaN or inf)")
    if y.std() == 0:
        raise ValueError("y is constant: there is nothing to detect")
    return x, y


def detect_interactions_many(
    datasets: Sequence[tuple[ArrayLike, ArrayLike]],
    feature_names: Sequence[str] | None = None,
    hidden: Sequence[int] = (140, 100, 60, 20),
    main_effects: str | None = "mlp",
    l1: float = 5e-5,
    lr: float = 1e-3,
    batch_size: int = 100,
    max_epochs: int = 200,
    patience: int = 10,
    val_fraction: float = 1 / 3,
    max_interactions: int = 100,
    max_order: int | None = None,
    seed: int | Sequence[int] = 0,
    device: str | torch.device = "cpu",
    progress: bool | None = None,
) -> list[LocalExplanation]:
    """Fit one MLP per data set (all together, batched) and rank their interactions with NID.

    Every data set must have the same number of samples and features. Inputs and targets are
    standardised; rows are split into train and validation (early stopping) by a seeded
    permutation.

    Args:
        datasets: ``[(X: [n, p], y: [n]), ...]``.
        hidden: MLP hidden sizes (NID paper: 140, 100, 60, 20).
        main_effects: ``"mlp"`` (per-feature networks, the paper's MLP-M), ``"linear"`` or None.
        l1: L1 penalty on the MLP weights (NID paper: 5e-5).
        val_fraction: share of rows used for validation.
        seed: one int or one per data set.

    Returns:
        One :class:`LocalExplanation` (``method="nid"``) per data set, with ranked any-order
        ``interactions`` and every pair in ``pairs()``; ``main_effects`` holds each feature's
        standard deviation of contribution in the main-effect term (zeros without one).
    """
    start = time.perf_counter()
    if not datasets:
        raise ValueError("detect_interactions_many needs at least one (X, y) data set")
    pairs = [_as_xy(x, y) for x, y in datasets]
    shapes = {x.shape for x, _ in pairs}
    if len(shapes) != 1:
        raise ValueError(f"all data sets must have the same shape, got {sorted(shapes)}")
    n, p = pairs[0][0].shape
    names = (
        [f"x{i}" for i in range(p)] if feature_names is None else [str(s) for s in feature_names]
    )
    if len(names) != p:
        raise ValueError(f"feature_names has {len(names)} entries for {p} features")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    seeds = resolve_seeds(seed, len(pairs))
    n_val = max(1, round(n * val_fraction))
    if n - n_val < 10:
        raise ValueError(f"{n} samples leave fewer than 10 for training; give more samples")

    xs, ys = [], []
    for (x, y), s in zip(pairs, seeds):
        perm = torch.randperm(n, generator=make_generator(s)).numpy()
        x, y = x[perm], y[perm]
        x = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1.0)
        y = (y - y.mean()) / y.std()
        xs.append(x)
        ys.append(y)
    device = torch.device(device)
    xt = torch.tensor(np.stack(xs), dtype=torch.float32, device=device)
    yt = torch.tensor(np.stack(ys), dtype=torch.float32, device=device)
    config = SurrogateConfig(
        hidden=tuple(hidden),
        l1=l1,
        lr=lr,
        batch_size=batch_size,
        max_epochs=max_epochs,
        patience=patience,
        main_effects=main_effects,
    )
    tr, va = slice(0, n - n_val), slice(n - n_val, None)
    model = fit_surrogates(
        xt[:, tr], yt[:, tr], xt[:, va], yt[:, va], seeds, config, progress=progress
    )
    val_pred = model.predict(xt[:, va])
    val_r2 = 1 - ((val_pred - yt[:, va]) ** 2).mean(1) / yt[:, va].var(1, unbiased=False)

    z = unit_influence(model.weights)
    w1 = model.weights[0]
    pair_mats = pairwise_strengths(w1, z)
    ranked = ranked_interactions(w1, z, max_interactions, max_order)
    mains = _main_effect_spread(model, xt[:, tr], main_effects)
    elapsed = time.perf_counter() - start
    params = {
        "hidden": list(config.hidden),
        "main_effects": main_effects,
        "l1": l1,
        "lr": lr,
        "batch_size": batch_size,
        "max_epochs": max_epochs,
        "patience": patience,
        "val_fraction": val_fraction,
        "max_interactions": max_interactions,
        "max_order": max_order,
    }
    return [
        LocalExplanation(
            method="nid",
            feature_names=names,
            interactions=make_interactions(ranked[i], names),
            pair_list=make_interactions(_ranked_pairs(pair_mats[i]), names),
            main_effects=mains[i],
            surrogate_fit={"val_r2": float(val_r2[i]), "best_epoch": int(model.best_epoch[i])},
            wall_time=elapsed / len(pairs),
            seed=seeds[i],
            params=params,
        )
        for i in range(len(pairs))
    ]


def detect_interactions(
    x: ArrayLike, y: ArrayLike, seed: int = 0, **kwargs: Any
) -> LocalExplanation:
    """Interactions of the function behind samples ``X: [n, p] -> y: [n]`` (NID on data).

    Same as ``detect_interactions_many([(X, y)], seed=[seed], **kwargs)[0]``; see there.
    """
    return detect_interactions_many([(x, y)], seed=[seed], **kwargs)[0]


def _main_effect_spread(model: Any, x: torch.Tensor, kind: str | None) -> list[np.ndarray]:
    """Per feature, the standard deviation of its main-effect term's output over ``x``."""
    n_inst, _, p = x.shape
    if kind is None:
        return [np.zeros(p) for _ in range(n_inst)]
    with torch.no_grad():
        if kind == "linear":
            contrib = x * model.main[0].transpose(1, 2)  # [I, N, p]
        else:
            contrib = torch.stack(
                [_single_feature(model, x, j) for j in range(p)], dim=-1
            )  # [I, N, p]
    return [c.std(dim=0).cpu().numpy().astype(float) for c in contrib]


def _single_feature(model: Any, x: torch.Tensor, j: int) -> torch.Tensor:
    """Output of feature ``j``'s univariate network, ``[I, N]``."""
    h = x[:, :, j : j + 1]
    weights, biases = model.main[0::2], model.main[1::2]
    for k, (w, b) in enumerate(zip(weights, biases)):
        h = torch.baddbmm(b[:, j], h, w[:, j])
        if k < len(weights) - 1:
            h = torch.relu(h)
    return h.squeeze(-1)
