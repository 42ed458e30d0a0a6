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

from interactkit.detectors.nid import (
    pairwise_strengths,
    ranked_interactions,
    ranked_pairs,
    unit_influence,
)
from interactkit.detectors.surrogate import SurrogateConfig
from interactkit.detectors.surrogate_fit import fit_surrogates
from interactkit.results import LocalExplanation, PairList, make_interactions
from interactkit.sampling import make_generator, resolve_seeds

__all__ = ["detect_interactions", "detect_interactions_many"]

ArrayLike = Any


def _as_xy(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    try:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"X and y must be numbers ({err}); encode categorical columns (e.g. one-hot or "
            "ordinal codes) before detecting interactions"
        ) from None
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
    max_epochs: int = 100,
    patience: int = 10,
    val_fraction: float = 1 / 3,
    max_interactions: int = 100,
    max_order: int | None = None,
    pair_score: str = "nid",
    n_contexts: int = 256,
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
        pair_score: how pairs are scored: ``"nid"`` (the paper: from the MLP's weights) or
            ``"difference"`` (from the same fitted MLP's outputs: the mean squared mixed
            difference ``f(a, b) - f(a', b) - f(a, b') + f(a', b')`` over ``n_contexts``
            validation rows, with ``a, a'`` and ``b, b'`` values of the two features drawn from
            other validation rows; zero for a function additive in the pair). Any-order
            ``interactions`` always come from NID.
        n_contexts: validation rows used by ``pair_score="difference"``.
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

    if pair_score not in ("nid", "difference"):
        raise ValueError(f"pair_score must be 'nid' or 'difference', got {pair_score!r}")
    z = unit_influence(model.weights)
    w1 = model.weights[0]
    if pair_score == "nid":
        pair_mats = pairwise_strengths(w1, z)
    else:
        pair_mats = mixed_differences(model, xt[:, va], n_contexts, seeds)
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
            pair_list=PairList(*ranked_pairs(pair_mats[i]), names),
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


def mixed_differences(
    model: Any, x: torch.Tensor, n_contexts: int, seeds: Sequence[int]
) -> torch.Tensor:
    """Mean squared mixed difference of each pair under fitted surrogates.

    For a context row ``c`` and values ``a, a'`` of feature i and ``b, b'`` of feature j (taken
    from other rows)::

        delta = f(c; a, b) - f(c; a', b) - f(c; a, b') + f(c; a', b')

    Args:
        model: :class:`~interactkit.detectors.surrogate.Surrogates` of ``I`` instances.
        x: ``[I, M, p]`` rows to draw contexts and values from (e.g. validation data).
        n_contexts: contexts per pair.
        seeds: one seed per instance.

    Returns:
        Symmetric ``[I, p, p]`` (zero diagonal).
    """
    n_inst, m, p = x.shape
    pairs = torch.triu_indices(p, p, offset=1, device=x.device)
    n_pairs = pairs.shape[1]
    out = torch.zeros(n_inst, p, p, device=x.device)
    chunk = max(1, 2**22 // max(1, 4 * n_contexts * p))  # pairs per forward pass
    for i in range(n_inst):
        gen = make_generator(seeds[i] + 7)
        rows = torch.randint(0, m, (5, n_pairs, n_contexts), generator=gen).to(x.device)
        xi = x[i]
        for lo in range(0, n_pairs, chunk):
            hi = min(lo + chunk, n_pairs)
            fi, fj = pairs[0, lo:hi], pairs[1, lo:hi]
            base = xi[rows[0, lo:hi]]  # [P, C, p] contexts
            a, a2 = xi[rows[1, lo:hi], fi[:, None]], xi[rows[2, lo:hi], fi[:, None]]
            b, b2 = xi[rows[3, lo:hi], fj[:, None]], xi[rows[4, lo:hi], fj[:, None]]
            corners = []
            for va, vb in ((a, b), (a2, b), (a, b2), (a2, b2)):
                c = base.clone()
                c.scatter_(2, fi[:, None, None].expand(-1, n_contexts, 1), va[..., None])
                c.scatter_(2, fj[:, None, None].expand(-1, n_contexts, 1), vb[..., None])
                corners.append(c)
            batch = torch.stack(corners).reshape(1, -1, p)
            single = _select(model, i)
            f = single.predict(batch).reshape(4, hi - lo, n_contexts)
            delta = f[0] - f[1] - f[2] + f[3]
            vals = (delta**2).mean(dim=1)
            out[i, fi, fj] = vals
            out[i, fj, fi] = vals
    return out


def _select(model: Any, i: int) -> Any:
    """The surrogate of instance ``i`` alone (a one-instance :class:`Surrogates`)."""
    from interactkit.detectors.surrogate import Surrogates

    return Surrogates(
        model.config,
        [w[i : i + 1] for w in model.weights],
        [b[i : i + 1] for b in model.biases],
        [t[i : i + 1] for t in model.main],
    )


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
