"""Held-out R^2 of explanations: how well main effects plus the detected sets describe the model.

For each instance a ridge regression of the outputs on ``[1, z, AND(detected sets)]`` is fitted
on masks the detector queried and scored on held-out masks (:class:`~interactkit.results.
fidelity.Fidelity`); the same without the sets gives the main-effects-only R^2. MADEX fits on
its training split and tests on its test split (no extra query); ArchDetect fits on its own
queries (the masks near all-off and all-on) and tests on random masks drawn as MADEX draws them.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from interactkit.detectors.cutoff import design_matrix, ridge_fit, weighted_r2

__all__ = ["FIDELITY_ALPHA", "set_model_r2"]

FeatureSet = tuple[int, ...]
#: ridge penalty of the fidelity models (on the mean-normalised Gram matrix)
FIDELITY_ALPHA = 1e-3


def set_model_r2(
    x_fit: torch.Tensor,
    y_fit: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    sets: Sequence[Sequence[FeatureSet]],
    alpha: float = FIDELITY_ALPHA,
) -> tuple[list[float | None], list[float | None]]:
    """Held-out R^2 with the detected sets and with main effects only, per instance.

    Args:
        x_fit, x_test: 0/1 masks ``[I, N, p]`` / ``[I, M, p]`` (float).
        y_fit, y_test: outputs ``[I, N]`` / ``[I, M]``.
        sets: per instance, its detected feature sets.

    Returns:
        ``(r2, r2_main)``, one value per instance each (None where the held-out outputs do not
        vary: R^2 is undefined there).
    """
    # standardise by the fitting outputs, so that "does not vary" is relative to the model
    mean = y_fit.mean(dim=1, keepdim=True)
    std = y_fit.std(dim=1, keepdim=True).clamp_min(1e-30)
    yf, yt = (y_fit - mean) / std, (y_test - mean) / std
    with_sets = _held_out_r2(x_fit, yf, x_test, yt, [list(s) for s in sets], alpha)
    main_only = _held_out_r2(x_fit, yf, x_test, yt, [[] for _ in sets], alpha)
    return with_sets, main_only


def _held_out_r2(
    x_fit: torch.Tensor,
    y_fit: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    sets: list[list[FeatureSet]],
    alpha: float,
) -> list[float | None]:
    intercept, main, effects = ridge_fit(x_fit, y_fit, sets, alpha=alpha)
    width = max((len(s) for s in sets), default=0)
    design = design_matrix(x_test, sets, width)  # [I, M, 1 + p + width]
    beta = torch.zeros(design.shape[0], design.shape[2], dtype=design.dtype, device=design.device)
    beta[:, 0] = intercept
    p = x_test.shape[2]
    beta[:, 1 : 1 + p] = main
    for i, eff in enumerate(effects):
        if eff:
            beta[i, 1 + p : 1 + p + len(eff)] = torch.tensor(eff, dtype=beta.dtype)
    pred = torch.bmm(design, beta.unsqueeze(-1)).squeeze(-1)
    r2 = weighted_r2(pred, y_test, torch.ones_like(y_test), min_variance=1e-6)
    return [float(v) if torch.isfinite(v) else None for v in r2.cpu()]
