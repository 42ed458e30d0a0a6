"""Refining the cut-off's sets: repair with the sets the ranking missed, then prune.

The ridge cut-off (:mod:`.cutoff`) admits ranked sets in rank order while the validation R^2
grows. :func:`refine_sets` then tries candidate sets (pairs and triples inside larger ranked
sets, the strongest pairs) and removes, by backward elimination, every set whose removal costs
no validation R^2: each kept set earns its place, so a set of three or more stays only when its
own AND-feature explains what its pairs do not.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from interactkit.detectors.cutoff import design_matrix, weighted_gram

__all__ = ["refine_sets"]

FeatureSet = tuple[int, ...]


def refine_sets(
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_val: torch.Tensor,
    y_val: torch.Tensor,
    sets: Sequence[Sequence[FeatureSet]],
    candidates: Sequence[Sequence[FeatureSet]] | None = None,
    w_train: torch.Tensor | None = None,
    w_val: torch.Tensor | None = None,
    alpha: float = 1e-3,
    tol: float = 1e-4,
    add_tol: float = 1e-4,
    max_added: int = 20,
) -> list[list[FeatureSet]]:
    """Repair, then prune, the cut-off's sets: each set must earn its place.

    Per instance: first the ``candidates`` not selected are tried, and the one that raises the
    validation R^2 most is added while it raises it by ``add_tol`` or more (at most
    ``max_added``; stricter than the cut-off's ``tol``, as many candidates are tried at once);
    then the set whose removal costs the least validation R^2 is removed while that cost is
    below ``tol``. So a pair the ranking listed only inside a larger set can enter, a set of
    three or more features stays only when its own AND-feature explains what its pairs do not,
    and a set admitted on a chance gain goes. One Gram matrix per instance (over the sets and
    candidates) serves every trial: a set in or out is a row and a column.

    Args:
        x_train, x_val: 0/1 inputs ``[I, N, p]`` / ``[I, M, p]``; y, w: outputs and weights.
        sets: per instance, the selected sets.
        candidates: per instance, sets that may be added (None: none).

    Returns:
        Per instance, the kept sets: the selected ones in their order, then the added ones.
    """
    if w_train is None:
        w_train = torch.ones_like(y_train)
    if w_val is None:
        w_val = torch.ones_like(y_val)
    out: list[list[FeatureSet]] = []
    for i, inst_sets in enumerate(sets):
        extra = [] if candidates is None else [c for c in candidates[i] if c not in inst_sets]
        pool = [tuple(s) for s in inst_sets] + [tuple(c) for c in dict.fromkeys(extra)]
        kept: list[int] = []
        if pool:
            one = slice(i, i + 1)
            gram, rhs = weighted_gram(
                design_matrix(x_train[one], [pool], len(pool)), y_train[one], w_train[one]
            )
            val = (design_matrix(x_val[one], [pool], len(pool)), y_val[one], w_val[one])
            search = _SetSearch(gram, rhs, val, x_train.shape[2], alpha)
            kept = search.add(list(range(len(inst_sets))), len(pool), add_tol, max_added)
            kept = search.eliminate(kept, tol)
        out.append([pool[k] for k in kept])
    return out


class _SetSearch:
    """Validation R^2 of ridges on ``[1, x, AND(some of the pool's sets)]`` of one instance,
    from one Gram matrix (``gram``, ``rhs``: ``[1, d, d]``, ``[1, d]``) and the validation
    design, outputs and weights.

    A forward or backward step scores every candidate at once in closed form from the chosen
    model's inverse: adding a column borders the (penalised) Gram matrix, removing one takes a
    row and a column of its inverse (the Schur complement), so a step costs one inverse and a
    few products, not one solve per candidate.
    """

    def __init__(
        self,
        gram: torch.Tensor,
        rhs: torch.Tensor,
        val: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
        p: int,
        alpha: float,
    ) -> None:
        d = gram.shape[-1]
        penalty = torch.full((d,), alpha, dtype=gram.dtype, device=gram.device)
        penalty[0] = 1e-8  # the intercept, as _solve
        self.gram = gram[0] + torch.diag(penalty)
        self.rhs = rhs[0]
        val_design, y_val, w_val = val
        self.vd = val_design[0]  # [M, d]
        wn = w_val[0] / w_val[0].sum()
        self.wn = wn
        self.y = y_val[0]
        mean = (wn * self.y).sum()
        self.ss_tot = float((wn * (self.y - mean) ** 2).sum())
        self.p = p

    def _columns(self, chosen: list[int]) -> torch.Tensor:
        return torch.tensor(list(range(1 + self.p)) + [1 + self.p + k for k in chosen])

    def _r2(self, pred: torch.Tensor) -> torch.Tensor:
        """R^2 of predictions ``[M]`` or ``[M, c]`` (one column per candidate)."""
        if self.ss_tot < 1e-12:
            return torch.full(pred.shape[1:], float("-inf"), dtype=pred.dtype)
        res = (self.wn[:, None] * (self.y[:, None] - pred.reshape(len(self.y), -1)) ** 2).sum(0)
        return (1.0 - res / self.ss_tot).reshape(pred.shape[1:])

    def _fit(self, chosen: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        cols = self._columns(chosen)
        inv = torch.linalg.inv(self.gram[cols][:, cols])
        beta = inv @ self.rhs[cols]
        return cols, inv, beta

    def r2(self, chosen: list[int]) -> float:
        cols, _, beta = self._fit(chosen)
        return float(self._r2(self.vd[:, cols] @ beta))

    def add(self, kept: list[int], n_pool: int, tol: float, max_added: int) -> list[int]:
        """Forward steps: the candidate with the largest gain, while the gain is ``tol``."""
        kept = list(kept)
        for _ in range(max_added):
            rest = [k for k in range(n_pool) if k not in kept]
            if not rest:
                break
            cols, inv, beta = self._fit(kept)
            pred = self.vd[:, cols] @ beta
            cand = torch.tensor([1 + self.p + k for k in rest])
            border = self.gram[cols][:, cand]  # [d, m]
            a = inv @ border  # [d, m]
            schur = self.gram[cand, cand] - (border * a).sum(0)  # [m]
            beta_c = (self.rhs[cand] - border.T @ beta) / schur.clamp_min(1e-30)
            preds = pred[:, None] + (self.vd[:, cand] - self.vd[:, cols] @ a) * beta_c[None, :]
            gains = self._r2(preds) - self._r2(pred)
            best = int(gains.argmax())
            if not float(gains[best]) >= tol:
                break
            kept.append(rest[best])
        return kept

    def eliminate(self, kept: list[int], tol: float) -> list[int]:
        """Backward steps: remove the set whose removal costs least, while it costs < ``tol``."""
        kept = list(kept)
        while kept:
            cols, inv, beta = self._fit(kept)
            pred = self.vd[:, cols] @ beta
            pos = torch.arange(1 + self.p, len(cols))  # the sets' columns among cols
            # removing column j: beta - inv[:, j] * beta[j] / inv[j, j]
            shift = (self.vd[:, cols] @ inv[:, pos]) * (beta[pos] / inv[pos, pos])[None, :]
            losses = self._r2(pred) - self._r2(pred[:, None] - shift)
            j = int(losses.argmin())
            if not float(losses[j]) < tol:
                break
            del kept[j]
        return kept
