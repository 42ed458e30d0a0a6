"""Synthetic functions with known interactions, for validating detectors.

* :data:`NID_FUNCTIONS` -- the ten test functions F1-F10 of the NID paper (Tsang et al., ICLR
  2018; 10 variables), with their ground-truth interaction sets and input domains.
* :func:`archipelago_function` -- the four test functions F1-F4 of Archipelago (Tsang et al.,
  NeurIPS 2020; p = 40 binary features, input +1, baseline -1, each adds ``sum(x)``), as value
  functions over masks (True = the feature takes its input value +1, False = the baseline -1).
* :func:`pairwise_auc` -- ROC-AUC of pairwise strengths against ground truth.

Indices are 0-based in code; the papers number variables from 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "NID_FUNCTIONS",
    "SyntheticFunction",
    "archipelago_function",
    "archipelago_ground_truth",
    "pairs_in_sets",
    "pairwise_auc",
]


@dataclass(frozen=True)
class SyntheticFunction:
    """A test function of continuous inputs with its ground-truth interactions.

    Attributes:
        name: e.g. ``"F3"``.
        fn: ``X: float[n, 10] -> y: float[n]``.
        interactions: ground-truth interaction sets (0-based).
        low, high: per-variable uniform sampling bounds.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    interactions: tuple[tuple[int, ...], ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    @property
    def n_features(self) -> int:
        return len(self.low)

    def sample(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``n`` samples ``X ~ U(low, high)`` and ``y = fn(X)``."""
        rng = np.random.default_rng(seed)
        x = rng.uniform(self.low, self.high, size=(n, self.n_features))
        return x, self.fn(x)

    def true_pairs(self) -> set[tuple[int, int]]:
        return pairs_in_sets(self.interactions)


def pairs_in_sets(sets: Sequence[Sequence[int]]) -> set[tuple[int, int]]:
    """Every pair ``(i, j)``, ``i < j``, lying inside one of ``sets``."""
    return {
        (min(a, b), max(a, b)) for s in sets for a, b in itertools.combinations(sorted(set(s)), 2)
    }


def _cols(x: np.ndarray) -> list[np.ndarray]:
    return [x[:, i] for i in range(x.shape[1])]


def _f1(x: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4, x5, _, x7, x8, x9, x10 = _cols(x)
    return (
        np.pi ** (x1 * x2) * np.sqrt(2 * x3)
        - np.arcsin(x4)
        + np.log(x3 + x5)
        - (x9 / x10) * np.sqrt(x7 / x8)
        - x2 * x7
    )


def _f2(x: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4, x5, _, x7, x8, x9, x10 = _cols(x)
    return (
        np.pi ** (x1 * x2) * np.sqrt(2 * np.abs(x3))
        - np.arcsin(0.5 * x4)
        + np.log(np.abs(x3 + x5) + 1)
        # sqrt(x7 / (1 + |x8|)) is not real for x7 < 0; we use |x7|, which keeps {7, 8, 9, 10}.
        + (x9 / (1 + np.abs(x10))) * np.sqrt(np.abs(x7) / (1 + np.abs(x8)))
        - x2 * x7
    )


def _f3(x: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4, x5, _, x7, x8, x9, x10 = _cols(x)
    # x3 ** (2|x4|) is not real for x3 < 0; we use |x3| ** (2|x4|), which keeps {x3, x4}.
    return (
        np.exp(np.abs(x1 - x2))
        + np.abs(x2 * x3)
        - np.abs(x3) ** (2 * np.abs(x4))
        + np.log(x4**2 + x5**2 + x7**2 + x8**2)
        + x9
        + 1 / (1 + x10**2)
    )


def _f4(x: np.ndarray) -> np.ndarray:
    return _f3(x) + (x[:, 0] * x[:, 3]) ** 2


def _f5(x: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4, x5, x6, x7, x8, x9, x10 = _cols(x)
    return (
        1 / (1 + x1**2 + x2**2 + x3**2) + np.sqrt(np.exp(x4 + x5)) + np.abs(x6 + x7) + x8 * x9 * x10
    )


def _f6(x: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4, x5, x6, _, x8, x9, x10 = _cols(x)
    return (
        np.exp(np.abs(x1 * x2) + 1)
        - np.exp(np.abs(x3 + x4) + 1)
        + np.cos(x5 + x6 - x8)
        + np.sqrt(x8**2 + x9**2 + x10**2)
    )


def _f7(x: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4, x5, x6, x7, x8, x9, _ = _cols(x)
    return (
        (np.arctan(x1) + np.arctan(x2)) ** 2
        + np.maximum(x3 * x4 + x6, 0)
        - 1 / (1 + (x4 * x5 * x6 * x7 * x8) ** 2)
        + (np.abs(x7) / (1 + np.abs(x9))) ** 5
        + x.sum(axis=1)
    )


def _f8(x: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4, x5, x6, x7, x8, x9, x10 = _cols(x)
    return (
        x1 * x2
        + 2 ** (x3 + x5 + x6)
        + 2 ** (x3 + x4 + x5 + x7)
        + np.sin(x7 * np.sin(x8 + x9))
        + np.arccos(0.9 * x10)
    )


def _f9(x: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4, x5, x6, x7, x8, x9, x10 = _cols(x)
    return (
        np.tanh(x1 * x2 + x3 * x4) * np.sqrt(np.abs(x5))
        + np.exp(x5 + x6)
        + np.log((x6 * x7 * x8) ** 2 + 1)
        + x9 * x10
        + 1 / (1 + np.abs(x10))
    )


def _f10(x: np.ndarray) -> np.ndarray:
    x1, x2, x3, x4, x5, _, x7, _, x9, _ = _cols(x)
    return (
        np.sinh(x1 + x2) + np.arccos(np.tanh(x3 + x5 + x7)) + np.cos(x4 + x5) + 1 / np.cos(x7 * x9)
    )


def _sets(*sets: Sequence[int]) -> tuple[tuple[int, ...], ...]:
    """1-based sets from the paper -> 0-based tuples."""
    return tuple(tuple(i - 1 for i in s) for s in sets)


_F3_SETS = _sets({1, 2}, {2, 3}, {3, 4}, {4, 5, 7, 8})
_UNIT = ((-1.0,) * 10, (1.0,) * 10)
# F1: x4, x5, x8, x10 ~ U(0.6, 1); the others ~ U(0, 1).
_F1_LOW = tuple(0.6 if i in (3, 4, 7, 9) else 0.0 for i in range(10))

NID_FUNCTIONS: dict[str, SyntheticFunction] = {
    f.name: f
    for f in [
        SyntheticFunction(
            "F1", _f1, _sets({1, 2, 3}, {3, 5}, {7, 8, 9, 10}, {2, 7}), _F1_LOW, (1.0,) * 10
        ),
        SyntheticFunction("F2", _f2, _sets({1, 2, 3}, {3, 5}, {7, 8, 9, 10}, {2, 7}), *_UNIT),
        SyntheticFunction("F3", _f3, _F3_SETS, *_UNIT),
        SyntheticFunction("F4", _f4, (*_F3_SETS, (0, 3)), *_UNIT),
        SyntheticFunction("F5", _f5, _sets({1, 2, 3}, {4, 5}, {6, 7}, {8, 9, 10}), *_UNIT),
        SyntheticFunction("F6", _f6, _sets({1, 2}, {3, 4}, {5, 6, 8}, {8, 9, 10}), *_UNIT),
        SyntheticFunction("F7", _f7, _sets({1, 2}, {3, 4, 6}, {4, 5, 6, 7, 8}, {7, 9}), *_UNIT),
        SyntheticFunction("F8", _f8, _sets({1, 2}, {3, 5, 6}, {3, 4, 5, 7}, {7, 8, 9}), *_UNIT),
        SyntheticFunction("F9", _f9, _sets({1, 2, 3, 4, 5}, {5, 6}, {6, 7, 8}, {9, 10}), *_UNIT),
        SyntheticFunction("F10", _f10, _sets({1, 2}, {3, 5, 7}, {4, 5}, {7, 9}), *_UNIT),
    ]
}


# --------------------------------------------------------------------------- Archipelago F1-F4
def _and(x: torch.Tensor, idx: Sequence[int], values: Sequence[float]) -> torch.Tensor:
    """+1 where ``x[:, idx] == values`` everywhere, else -1."""
    target = torch.tensor(values, dtype=x.dtype, device=x.device)
    hit = (x[:, list(idx)] == target).all(dim=1)
    return torch.where(hit, 1.0, -1.0).to(x.dtype)


def archipelago_function(k: int, n_features: int = 40) -> Callable[[torch.Tensor], torch.Tensor]:
    """Archipelago's synthetic function ``F{k}`` (k = 1..4) as a value function over masks.

    With ``q = n_features // 4`` and ``x = 2 * mask - 1`` (input +1, baseline -1), every
    function is ``sum(x)`` plus:

    * F1: ``sum_{i,j < q} x_i x_j + sum_{q <= i < 2q, 2q <= j < 3q} x_i x_j``;
    * F2: ``AND(x_i = +1, i < 2q) + AND(x_i = +1, q <= i < 3q)``;
    * F3: ``AND(x_i = -1, i < 2q) + AND(x_i = +1, q <= i < 3q)``;
    * F4: ``AND(x_0 = x_1 = +1, x_2 = -1) + AND(x_i = +1, q <= i < 3q)``;

    where ``AND`` is +1 when its condition holds and -1 otherwise.
    """
    if k not in (1, 2, 3, 4):
        raise ValueError(f"Archipelago functions are F1..F4, got k={k}")
    if n_features < 8:
        raise ValueError(f"n_features must be >= 8, got {n_features}")
    q = n_features // 4

    def fn(masks: torch.Tensor) -> torch.Tensor:
        x = masks.to(torch.float64) * 2 - 1
        y = x.sum(dim=1)
        if k == 1:
            a = x[:, :q].sum(dim=1)
            y = y + a * a + x[:, q : 2 * q].sum(dim=1) * x[:, 2 * q : 3 * q].sum(dim=1)
        elif k == 2:
            y = y + _and(x, range(2 * q), [1.0] * 2 * q)
            y = y + _and(x, range(q, 3 * q), [1.0] * 2 * q)
        elif k == 3:
            y = y + _and(x, range(2 * q), [-1.0] * 2 * q)
            y = y + _and(x, range(q, 3 * q), [1.0] * 2 * q)
        else:
            y = y + _and(x, [0, 1, 2], [1.0, 1.0, -1.0])
            y = y + _and(x, range(q, 3 * q), [1.0] * 2 * q)
        return y.float()

    fn.__name__ = f"archipelago_F{k}"
    return fn


def archipelago_ground_truth(k: int, n_features: int = 40) -> set[tuple[int, int]]:
    """Ground-truth interacting pairs of Archipelago ``F{k}``."""
    q = n_features // 4
    if k == 1:
        first = pairs_in_sets([range(q)])
        cross = {(i, j) for i in range(q, 2 * q) for j in range(2 * q, 3 * q)}
        return first | cross
    if k in (2, 3):
        return pairs_in_sets([range(2 * q), range(q, 3 * q)])
    if k == 4:
        return pairs_in_sets([(0, 1, 2), range(q, 3 * q)])
    raise ValueError(f"Archipelago functions are F1..F4, got k={k}")


def pairwise_auc(pair_matrix: np.ndarray, true_pairs: set[tuple[int, int]]) -> float:
    """ROC-AUC of the upper-triangle pair strengths against the ground-truth pairs.

    Ties count one half (Mann-Whitney U).
    """
    p = pair_matrix.shape[0]
    iu = np.triu_indices(p, k=1)
    scores = np.asarray(pair_matrix)[iu]
    labels = np.array([(int(i), int(j)) in true_pairs for i, j in zip(*iu)])
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC needs both true and false pairs")
    ranks = _average_ranks(scores)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_vals = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks
