"""Sparse MLP surrogates, many trained together as one batched model.

The surrogates of ``I`` instances are one model whose weights carry a leading instance axis
(``W_k: [I, in, out]``) and whose layers are ``torch.baddbmm`` calls. The loss is the sum of the
per-instance losses, so each instance's gradient (and, Adam being element-wise, each instance's
update) is exactly what it would be if it were trained alone. Every instance has its own
generator for initialisation and shuffling, so instance ``i``'s surrogate does not depend on which
other instances share its batch.

Per instance ``i`` the loss on a mini-batch is::

    mean_b w_b (f_i(x_b) - y_b)^2 + l1 * sum_k |W_k,i|          (MLP weights only)

trained with Adam, early-stopped on the weighted validation MSE (patience epochs without
improvement); the weights of the best validation epoch are returned. Instances that stop early
are dropped from the active batch, so they cost nothing afterwards (training:
:mod:`interactkit.detectors.surrogate_fit`).

All parameters of all instances live in one flat tensor, layer after layer (:class:`Layout`
gives the views ``W_k: [I, in, out]``, ``b_k``..., each contiguous, so the matrix products see
ordinary batches): the optimizer and the L1 step are then one pass over one tensor instead of one
small pass per layer.

The optional main-effect term absorbs main effects so that the MLP's weights carry
interactions: ``"linear"`` adds ``x @ w`` (one weight per feature, unpenalised); ``"mlp"`` adds a
small univariate network per feature (the NID paper's MLP-M).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

__all__ = [
    "MAIN_EFFECT_KINDS",
    "SCHEDULES",
    "Layout",
    "SurrogateConfig",
    "Surrogates",
    "affine",
    "forward",
    "linear_main",
]

MAIN_EFFECT_KINDS = (None, "linear", "mlp")
SCHEDULES = (None, "cosine")


@dataclass(frozen=True)
class SurrogateConfig:
    """Hyper-parameters of the sparse MLP surrogate (defaults: the paper's settings).

    ``schedule="cosine"`` decays the learning rate from ``lr`` to 0 over ``max_epochs`` (early
    stopping still applies); ``min_improvement`` is the relative decrease of the validation loss
    that counts as an improvement for early stopping (0: any decrease, the paper's rule).
    """

    hidden: tuple[int, ...] = (256, 128, 64)
    l1: float = 1e-4
    lr: float = 0.01
    batch_size: int = 100
    max_epochs: int = 100
    patience: int = 5
    main_effects: str | None = "linear"
    main_hidden: tuple[int, ...] = (10, 10, 10)
    schedule: str | None = None
    min_improvement: float = 0.0

    def __post_init__(self) -> None:
        hidden = tuple(int(h) for h in self.hidden)
        if not hidden or min(hidden) < 1:
            raise ValueError(
                f"hidden must be a non-empty sequence of positive sizes, got {self.hidden}"
            )
        object.__setattr__(self, "hidden", hidden)
        object.__setattr__(self, "main_hidden", tuple(int(h) for h in self.main_hidden))
        if self.l1 < 0:
            raise ValueError(f"l1 must be >= 0, got {self.l1}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        for name in ("batch_size", "max_epochs", "patience"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.main_effects not in MAIN_EFFECT_KINDS:
            raise ValueError(
                f"main_effects must be one of {MAIN_EFFECT_KINDS}, got {self.main_effects!r}"
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if not 0 <= self.min_improvement < 1:
            raise ValueError(f"min_improvement must be in [0, 1), got {self.min_improvement}")


class Layout:
    """Where each parameter of one instance sits in its flat row of ``P`` numbers.

    Order: ``W_1, b_1, ..., W_L, b_L`` (MLP, input layer first, ``W_k: [in, out]``,
    ``b_k: [1, out]``), then the main-effect parameters (``linear``: ``[p, 1]``; ``mlp``:
    alternating weights ``[p, in, out]`` and biases ``[p, 1, out]``).
    """

    def __init__(self, config: SurrogateConfig, n_features: int) -> None:
        self.config = config
        self.n_features = n_features
        dims = [n_features, *config.hidden, 1]
        shapes: list[tuple[int, ...]] = []
        for fan_in, fan_out in itertools.pairwise(dims):
            shapes += [(fan_in, fan_out), (1, fan_out)]
        self.n_mlp = len(shapes)
        if config.main_effects == "linear":
            shapes.append((n_features, 1))
        elif config.main_effects == "mlp":
            for fan_in, fan_out in itertools.pairwise([1, *config.main_hidden, 1]):
                shapes += [(n_features, fan_in, fan_out), (n_features, 1, fan_out)]
        self.shapes = shapes
        self.sizes = [math.prod(s) for s in shapes]
        self.offsets = [0, *itertools.accumulate(self.sizes)]
        self.size = self.offsets[-1]

    def views(self, flat: torch.Tensor, n_instances: int) -> list[torch.Tensor]:
        """The parameters of ``flat: [I * P]`` (layer-major) as contiguous ``[I, *shape]`` views."""
        n = n_instances
        return [
            flat[n * lo : n * hi].view(n, *shape)
            for lo, hi, shape in zip(self.offsets, self.offsets[1:], self.shapes)
        ]

    def flatten(self, rows: torch.Tensor) -> torch.Tensor:
        """Instance-major ``[I, P]`` (one row per instance) -> layer-major flat ``[I * P]``."""
        n = rows.shape[0]
        return (
            torch.cat(
                [rows[:, lo:hi].reshape(-1) for lo, hi in zip(self.offsets, self.offsets[1:])]
            )
            if n
            else rows.reshape(-1)
        )

    def select(self, flat: torch.Tensor, n_instances: int, keep: torch.Tensor) -> torch.Tensor:
        """The flat parameters of the instances where ``keep: Bool[I]`` is True."""
        return torch.cat([v[keep].reshape(-1) for v in self.views(flat, n_instances)])

    def split(
        self, params: Sequence[torch.Tensor]
    ) -> tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]:
        """``(weights, biases, main)`` of a parameter list in this layout's order."""
        mlp = list(params[: self.n_mlp])
        return mlp[0::2], mlp[1::2], list(params[self.n_mlp :])

    def mask(self, count: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-position masks of one instance with ``count`` real features (the rest padding).

        Returns:
            ``(l1 [P], real [P])``: 1 on MLP weights (where L1 applies), and 1 except on the
            parameters of padded features (which must stay 0).
        """
        l1 = torch.zeros(self.size, device=device)
        real = torch.ones(self.size, device=device)
        for k, (lo, hi, shape) in enumerate(zip(self.offsets, self.offsets[1:], self.shapes)):
            if k < self.n_mlp and k % 2 == 0:
                l1[lo:hi] = 1.0
            padded_axis = k == 0 or k >= self.n_mlp  # rows are features
            if padded_axis and count < self.n_features:
                block = torch.ones(shape, device=device)
                block[count:] = 0.0
                real[lo:hi] = block.reshape(-1)
        return l1, real

    def init(self, count: int, generator: torch.Generator) -> torch.Tensor:
        """``float32 [P]`` parameters of one instance with ``count`` real features, the rest
        zero padding; nn.Linear-style uniform(+-1/sqrt(fan_in))."""
        parts = []
        cfg = self.config
        dims = [count, *cfg.hidden, 1]
        for fan_in, fan_out in itertools.pairwise(dims):
            bound = 1.0 / math.sqrt(fan_in)
            parts.append((torch.rand(fan_in, fan_out, generator=generator) * 2 - 1) * bound)
            parts.append((torch.rand(1, fan_out, generator=generator) * 2 - 1) * bound)
        if cfg.main_effects == "linear":
            bound = 1.0 / math.sqrt(count)
            parts.append((torch.rand(count, 1, generator=generator) * 2 - 1) * bound)
        elif cfg.main_effects == "mlp":
            for fan_in, fan_out in itertools.pairwise([1, *cfg.main_hidden, 1]):
                bound = 1.0 / math.sqrt(fan_in)
                parts.append(
                    (torch.rand(count, fan_in, fan_out, generator=generator) * 2 - 1) * bound
                )
                parts.append((torch.rand(count, 1, fan_out, generator=generator) * 2 - 1) * bound)
        out = []
        for k, (part, shape) in enumerate(zip(parts, self.shapes, strict=True)):
            if (k == 0 or k >= self.n_mlp) and count < self.n_features:
                pad = torch.zeros((shape[0] - count, *shape[1:]))
                part = torch.cat([part, pad])
            out.append(part.reshape(-1))
        return torch.cat(out)


@dataclass
class Surrogates:
    """Trained surrogates of ``I`` instances (best-validation weights).

    Attributes:
        weights: MLP weights ``W_k: [I, in_k, out_k]``, input layer first, output ``[I, h, 1]``.
        biases: ``b_k: [I, 1, out_k]``.
        main: main-effect parameters (empty when ``main_effects`` is None).
        best_epoch: ``LongTensor[I]``, 1-based epoch whose weights were kept.
        val_loss: ``Tensor[I]``, weighted validation MSE of the kept weights.
        epochs: epochs run (the longest-training instance).
    """

    config: SurrogateConfig
    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    main: list[torch.Tensor] = field(default_factory=list)
    best_epoch: torch.Tensor | None = None
    val_loss: torch.Tensor | None = None
    epochs: int = 0

    @property
    def n_instances(self) -> int:
        return self.weights[0].shape[0]

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``[I, N]`` for inputs ``x: [I, N, p]``."""
        with torch.no_grad():
            return forward(self.config, self.weights, self.biases, self.main, x)


def affine(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``h @ weight + bias`` per instance: ``h: [I, B, a]``, ``weight: [I, a, b]``,
    ``bias: [I, 1, b]`` -> ``[I, B, b]``.

    A layer with one output is a weighted sum over its inputs: on a CPU a batched matrix
    product with a single output column runs several times slower than the sum.
    """
    if weight.shape[2] == 1:
        return (h * weight.transpose(1, 2)).sum(dim=2, keepdim=True) + bias
    return torch.baddbmm(bias, h, weight)


def linear_main(x: torch.Tensor, main: torch.Tensor) -> torch.Tensor:
    """The linear main-effect term ``x @ main``: ``x: [I, B, p]``, ``main: [I, p, 1]`` ->
    ``[I, B]`` (a weighted sum, as in :func:`affine`)."""
    return (x * main.transpose(1, 2)).sum(dim=2)


def forward(
    config: SurrogateConfig,
    weights: Sequence[torch.Tensor],
    biases: Sequence[torch.Tensor],
    main: Sequence[torch.Tensor],
    x: torch.Tensor,
) -> torch.Tensor:
    """Batched forward pass: ``x: [I, B, p]`` -> ``[I, B]``."""
    h = x
    last = len(weights) - 1
    for k, (w, b) in enumerate(zip(weights, biases)):
        h = affine(h, w, b)
        if k < last:
            h = torch.relu(h)
    out = h.squeeze(-1)
    if config.main_effects == "linear":
        out = out + linear_main(x, main[0])
    elif config.main_effects == "mlp":
        out = out + _univariate_forward(main, x)
    return out


def _univariate_forward(main: Sequence[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Sum over features of per-feature MLPs: ``x: [I, B, p]`` -> ``[I, B]``.

    ``main`` alternates weights ``[I, p, in, out]`` and biases ``[I, p, 1, out]``.
    """
    n_inst, batch, p = x.shape
    h = x.permute(0, 2, 1).reshape(n_inst * p, batch, 1)
    weights, biases = main[0::2], main[1::2]
    last = len(weights) - 1
    for k, (w, b) in enumerate(zip(weights, biases)):
        h = torch.baddbmm(
            b.reshape(n_inst * p, 1, -1), h, w.reshape(n_inst * p, w.shape[-2], w.shape[-1])
        )
        if k < last:
            h = torch.relu(h)
    return h.reshape(n_inst, p, batch).sum(dim=1)
