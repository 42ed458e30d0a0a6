"""How many of the ranked interactions are real: the ridge cut-off of MADEX.

For ``s = 0, 1, 2, ...`` fit a weighted ridge regression of the output on the binary features
``z`` plus the AND-features ``prod_{j in I_k} z_j`` of the top-``s`` ranked sets ``I_1..I_s``;
stop when the validation R^2 has not improved for ``patience`` steps; ``s*`` is the best ``s``.
The selected sets whose overlap ``|A ∩ B| / min(|A|, |B|)`` reaches ``merge_overlap`` are merged.

The ridge of the top-``s`` sets uses the leading ``1 + p + s`` rows/columns of one Gram matrix,
so every ``s`` costs one small batched solve; all instances are solved together, and the Gram
matrix grows in blocks only as far as some instance's search goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

__all__ = [
    "CutoffResult",
    "GrowingRidge",
    "design_matrix",
    "merge_overlapping",
    "ridge_cutoff",
    "ridge_fit",
    "weighted_gram",
]

_CHUNK_ELEMENTS = 2**25

FeatureSet = tuple[int, ...]


@dataclass
class CutoffResult:
    """Cut-off of one instance.

    Attributes:
        n_selected: ``s*``, how many ranked sets entered the best ridge.
        val_r2: validation R^2 for ``s = 0 .. (last tried)``.
    """

    n_selected: int
    val_r2: list[float]


def _and_features(
    x: torch.Tensor, sets: Sequence[Sequence[FeatureSet]], width: int
) -> torch.Tensor:
    """AND-features ``[I, N, width]``; column k of instance i is ``prod_{j in sets[i][k]} x_j``.

    ``x`` is ``[I, N, p]`` with 0/1 entries; missing columns (fewer sets) are zero.
    """
    n_inst, _, p = x.shape
    # one scatter of all (instance, set, feature) memberships: per-set tensor writes would cost
    # more than the product below
    rows, cols, feats, size_list = [], [], [], []
    for i, inst_sets in enumerate(sets):
        for k, fs in enumerate(inst_sets[:width]):
            rows.extend([i] * len(fs))
            cols.extend([k] * len(fs))
            feats.extend(fs)
            size_list.append((i, k, len(fs)))
    member = torch.zeros(n_inst, width, p, dtype=x.dtype, device=x.device)
    sizes = torch.full((n_inst, width), -1.0, dtype=x.dtype, device=x.device)
    if size_list:
        index = torch.tensor([rows, cols, feats], dtype=torch.long).to(x.device)
        member[index[0], index[1], index[2]] = 1.0
        at = torch.tensor(size_list, dtype=torch.long).to(x.device)
        sizes[at[:, 0], at[:, 1]] = at[:, 2].to(x.dtype)
    counts = torch.bmm(x, member.transpose(1, 2))
    return (counts == sizes[:, None, :]).to(x.dtype)


def weighted_gram(
    design: torch.Tensor, y: torch.Tensor, w: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(D^T W D, D^T W y)`` with ``W`` the weights normalised to sum 1 per instance:
    ``design: [I, N, d]``, ``y, w: [I, N]`` -> ``[I, d, d]``, ``[I, d]``."""
    wn = w / w.sum(dim=1, keepdim=True)
    weighted = design * wn.unsqueeze(-1)
    return torch.bmm(weighted.transpose(1, 2), design), torch.bmm(
        weighted.transpose(1, 2), y.unsqueeze(-1)
    ).squeeze(-1)


def _solve(gram: torch.Tensor, rhs: torch.Tensor, alpha: float) -> torch.Tensor:
    d = gram.shape[-1]
    penalty = torch.full((d,), alpha, dtype=gram.dtype, device=gram.device)
    penalty[0] = 1e-8  # intercept: (almost) unpenalised
    return torch.linalg.solve(gram + torch.diag(penalty), rhs.unsqueeze(-1)).squeeze(-1)


def weighted_r2(
    pred: torch.Tensor, y: torch.Tensor, w: torch.Tensor, min_variance: float = 1e-12
) -> torch.Tensor:
    """Weighted R^2 per instance of ``pred`` for ``y`` (both ``[I, N]``; weights ``w: [I, N]``).

    Where the weighted variance of ``y`` is below ``min_variance`` the R^2 is undefined and NaN
    is returned (a split in which the output hardly varies says nothing about the fit).
    """
    wn = w / w.sum(dim=1, keepdim=True)
    mean = (wn * y).sum(dim=1, keepdim=True)
    ss_tot = (wn * (y - mean) ** 2).sum(dim=1)
    r2 = 1.0 - (wn * (y - pred) ** 2).sum(dim=1) / ss_tot.clamp_min(1e-30)
    return torch.where(ss_tot < min_variance, torch.full_like(r2, float("nan")), r2)


def design_matrix(
    x: torch.Tensor, sets: Sequence[Sequence[FeatureSet]], width: int
) -> torch.Tensor:
    """``[1, x, AND(sets)]``: ``[I, N, 1 + p + width]`` for ``x: [I, N, p]``."""
    ones = torch.ones(*x.shape[:2], 1, dtype=x.dtype, device=x.device)
    return torch.cat([ones, x, _and_features(x, sets, width)], dim=2)


def _chunks(n_inst: int, per_instance: int) -> list[slice]:
    size = max(1, _CHUNK_ELEMENTS // max(1, per_instance))
    return [slice(s, min(s + size, n_inst)) for s in range(0, n_inst, size)]


class GrowingRidge:
    """The Gram matrix of ``[1, x, AND(first k sets)]`` of a chunk, built in growing blocks.

    Most instances stop after a few ranked sets, so the AND-features of all ``width`` sets (and
    their ``[I, N, d]`` design and ``d x d`` Gram matrix) are computed only as far as some
    instance still needs them: ``first_block`` sets first, then doubling. Entries equal those of
    the full design's Gram matrix (each is the same weighted dot product over the samples).
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        w: torch.Tensor,
        x_val: torch.Tensor,
        sets: Sequence[Sequence[FeatureSet]],
        first_block: int = 16,
    ) -> None:
        self.x, self.x_val, self.sets = x, x_val, sets
        self.wn = (w / w.sum(dim=1, keepdim=True)).unsqueeze(-1)
        self.y = y.unsqueeze(-1)
        self.design = design_matrix(x, [[] for _ in sets], 0)
        self.val_design = design_matrix(x_val, [[] for _ in sets], 0)
        self.weighted = self.design * self.wn
        self.gram = torch.bmm(self.weighted.transpose(1, 2), self.design)
        self.rhs = torch.bmm(self.weighted.transpose(1, 2), self.y).squeeze(-1)
        self.n_sets, self.first_block = 0, first_block
        self.width = max((len(s) for s in sets), default=0)

    def ensure(self, n_sets: int) -> None:
        """Make the first ``n_sets`` ranked sets' columns available."""
        if n_sets <= self.n_sets:
            return
        lo = self.n_sets
        hi = min(self.width, max(n_sets, 2 * lo, self.first_block))
        block = [inst[lo:hi] for inst in self.sets]
        new = _and_features(self.x, block, hi - lo)
        new_weighted = new * self.wn
        top = torch.cat([self.gram, torch.bmm(self.weighted.transpose(1, 2), new)], dim=2)
        bottom = torch.cat(
            [
                torch.bmm(new_weighted.transpose(1, 2), self.design),
                torch.bmm(new_weighted.transpose(1, 2), new),
            ],
            dim=2,
        )
        self.gram = torch.cat([top, bottom], dim=1)
        self.rhs = torch.cat(
            [self.rhs, torch.bmm(new_weighted.transpose(1, 2), self.y).squeeze(-1)], dim=1
        )
        self.design = torch.cat([self.design, new], dim=2)
        self.weighted = torch.cat([self.weighted, new_weighted], dim=2)
        self.val_design = torch.cat(
            [self.val_design, _and_features(self.x_val, block, hi - lo)], dim=2
        )
        self.n_sets = hi


def ridge_cutoff(
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_val: torch.Tensor,
    y_val: torch.Tensor,
    ranked_sets: Sequence[Sequence[FeatureSet]],
    w_train: torch.Tensor | None = None,
    w_val: torch.Tensor | None = None,
    alpha: float = 1e-3,
    patience: int = 2,
    tol: float = 1e-4,
) -> list[CutoffResult]:
    """Choose ``s*`` for every instance.

    Args:
        x_train, x_val: 0/1 inputs ``[I, N, p]`` / ``[I, M, p]``.
        y_train, y_val: outputs ``[I, N]`` / ``[I, M]``.
        ranked_sets: per instance, feature sets in rank order.
        w_train, w_val: optional sample weights.
        alpha: ridge penalty (on the weight-normalised Gram matrix).
        patience: stop after this many steps without a validation R^2 gain above ``tol``.
        tol: the smallest R^2 gain that counts as an improvement.
    """
    n_inst, n_train, p = x_train.shape
    if w_train is None:
        w_train = torch.ones_like(y_train)
    if w_val is None:
        w_val = torch.ones_like(y_val)
    results: list[CutoffResult] = []
    width_all = max((len(s) for s in ranked_sets), default=0)
    for sl in _chunks(n_inst, (n_train + x_val.shape[1]) * (1 + p + width_all)):
        sets = ranked_sets[sl]
        ridge = GrowingRidge(x_train[sl], y_train[sl], w_train[sl], x_val[sl], sets)
        yv, wv = y_val[sl], w_val[sl]
        n_chunk = ridge.gram.shape[0]
        device = ridge.gram.device
        n_sets = torch.tensor([len(s) for s in sets], device=device)
        best_r2 = torch.full((n_chunk,), -torch.inf, device=device)
        best_s = torch.zeros(n_chunk, dtype=torch.long, device=device)
        bad = torch.zeros(n_chunk, dtype=torch.long, device=device)
        done = torch.zeros(n_chunk, dtype=torch.bool, device=device)
        history: list[list[float]] = [[] for _ in range(n_chunk)]
        for s in range(ridge.width + 1):
            ridge.ensure(s)
            d = 1 + p + s
            beta = _solve(ridge.gram[:, :d, :d], ridge.rhs[:, :d], alpha)
            pred = torch.bmm(ridge.val_design[:, :, :d], beta.unsqueeze(-1)).squeeze(-1)
            r2 = weighted_r2(pred, yv, wv)
            live = ~done & (n_sets >= s)
            for i in live.nonzero().squeeze(1).tolist():
                history[i].append(float(r2[i]))
            gain = live & (r2 > best_r2 + tol)
            best_r2 = torch.where(gain, r2, best_r2)
            best_s = torch.where(gain, s, best_s)
            bad = torch.where(gain, 0, bad + 1)
            done = done | (live & ((bad >= patience) | (n_sets <= s)))
            if bool(done.all()):
                break
        results.extend(CutoffResult(int(b), h) for b, h in zip(best_s.tolist(), history))
    return results


def ridge_fit(
    x: torch.Tensor,
    y: torch.Tensor,
    sets: Sequence[Sequence[FeatureSet]],
    w: torch.Tensor | None = None,
    alpha: float = 1e-3,
) -> tuple[torch.Tensor, torch.Tensor, list[list[float]]]:
    """Ridge of ``y`` on ``[1, x, AND(sets)]`` for every instance.

    Returns:
        ``(intercept [I], main [I, p], per-instance coefficients of its sets)``.
    """
    n_inst, n, p = x.shape
    if w is None:
        w = torch.ones_like(y)
    width_all = max((len(s) for s in sets), default=0)
    intercepts, mains, effects = [], [], []
    for sl in _chunks(n_inst, n * (1 + p + width_all)):
        chunk_sets = sets[sl]
        width = max((len(s) for s in chunk_sets), default=0)
        gram, rhs = weighted_gram(design_matrix(x[sl], chunk_sets, width), y[sl], w[sl])
        beta = _solve(gram, rhs, alpha)
        intercepts.append(beta[:, 0])
        mains.append(beta[:, 1 : 1 + p])
        effects.extend(beta[i, 1 + p : 1 + p + len(s)].tolist() for i, s in enumerate(chunk_sets))
    return torch.cat(intercepts), torch.cat(mains), effects


def merge_overlapping(
    sets: Sequence[tuple[FeatureSet, float]], threshold: float = 0.5
) -> list[tuple[FeatureSet, float]]:
    """Merge sets whose overlap ``|A ∩ B| / min(|A|, |B|) >= threshold`` (repeated to a fixpoint).

    A merged set is the union of its members; its strength is the sum of theirs. The result is
    sorted by decreasing strength.
    """
    groups = [(set(fs), float(s)) for fs, s in sets]
    merged = True
    while merged:
        merged = False
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                sa, sb = groups[a][0], groups[b][0]
                if len(sa & sb) / min(len(sa), len(sb)) >= threshold:
                    groups[a] = (sa | sb, groups[a][1] + groups[b][1])
                    del groups[b]
                    merged = True
                    break
            if merged:
                break
    out = [(tuple(sorted(g)), s) for g, s in groups]
    return sorted(out, key=lambda item: -item[1])
