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
are dropped from the active batch, so they cost nothing afterwards.

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
from tqdm.auto import tqdm

from interactkit.sampling import make_generator

__all__ = ["SurrogateConfig", "Surrogates", "fit_surrogates"]

MAIN_EFFECT_KINDS = (None, "linear", "mlp")


@dataclass(frozen=True)
class SurrogateConfig:
    """Hyper-parameters of the sparse MLP surrogate (defaults: the paper's settings)."""

    hidden: tuple[int, ...] = (256, 128, 64)
    l1: float = 1e-4
    lr: float = 0.01
    batch_size: int = 100
    max_epochs: int = 100
    patience: int = 5
    main_effects: str | None = "linear"
    main_hidden: tuple[int, ...] = (10, 10, 10)

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


@dataclass
class Surrogates:
    """Trained surrogates of ``I`` instances (best-validation weights).

    Attributes:
        weights: MLP weights ``W_k: [I, in_k, out_k]``, input layer first, output ``[I, h, 1]``.
        biases: ``b_k: [I, 1, out_k]``.
        main: main-effect parameters (empty when ``main_effects`` is None).
        best_epoch: ``LongTensor[I]``, 1-based epoch whose weights were kept.
        val_loss: ``Tensor[I]``, weighted validation MSE of the kept weights.
    """

    config: SurrogateConfig
    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    main: list[torch.Tensor] = field(default_factory=list)
    best_epoch: torch.Tensor | None = None
    val_loss: torch.Tensor | None = None

    @property
    def n_instances(self) -> int:
        return self.weights[0].shape[0]

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``[I, N]`` for inputs ``x: [I, N, p]``."""
        with torch.no_grad():
            return _forward(self.config, self.weights, self.biases, self.main, x)


def _init_instance(
    config: SurrogateConfig, n_features: int, generator: torch.Generator
) -> list[torch.Tensor]:
    """Parameters of one instance, nn.Linear-style uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    params: list[torch.Tensor] = []
    dims = [n_features, *config.hidden, 1]
    for fan_in, fan_out in itertools.pairwise(dims):
        bound = 1.0 / math.sqrt(fan_in)
        params.append((torch.rand(fan_in, fan_out, generator=generator) * 2 - 1) * bound)
        params.append((torch.rand(1, fan_out, generator=generator) * 2 - 1) * bound)
    if config.main_effects == "linear":
        bound = 1.0 / math.sqrt(n_features)
        params.append((torch.rand(n_features, 1, generator=generator) * 2 - 1) * bound)
    elif config.main_effects == "mlp":
        main_dims = [1, *config.main_hidden, 1]
        for fan_in, fan_out in itertools.pairwise(main_dims):
            bound = 1.0 / math.sqrt(fan_in)
            params.append(
                (torch.rand(n_features, fan_in, fan_out, generator=generator) * 2 - 1) * bound
            )
            params.append((torch.rand(n_features, 1, fan_out, generator=generator) * 2 - 1) * bound)
    return params


def _pad_features(
    config: SurrogateConfig, params: list[torch.Tensor], count: int, n_features: int
) -> list[torch.Tensor]:
    """Zero-pad the feature axis of the first-layer and main-effect parameters to ``n_features``."""
    if count == n_features:
        return params
    first_main = 2 * (len(config.hidden) + 1)
    out = []
    for k, p in enumerate(params):
        if k == 0 or k >= first_main:
            pad = torch.zeros((n_features - count, *p.shape[1:]), dtype=p.dtype)
            p = torch.cat([p, pad])
        out.append(p)
    return out


def _split_params(
    config: SurrogateConfig, params: Sequence[torch.Tensor]
) -> tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]:
    n_layers = len(config.hidden) + 1
    mlp = list(params[: 2 * n_layers])
    return mlp[0::2], mlp[1::2], list(params[2 * n_layers :])


def _forward(
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
        h = torch.baddbmm(b, h, w)
        if k < last:
            h = torch.relu(h)
    out = h.squeeze(-1)
    if config.main_effects == "linear":
        out = out + torch.bmm(x, main[0]).squeeze(-1)
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


class _BatchedAdam:
    """Adam over parameters with a leading instance axis, from which instances can be dropped.

    Uses PyTorch's fused Adam where the device supports it (one pass per tensor), else foreach.
    """

    def __init__(self, params: Sequence[torch.Tensor], lr: float) -> None:
        self.lr = lr
        self.params = [p.detach().clone().requires_grad_() for p in params]
        self.opt = self._make(self.params)

    def _make(self, params: list[torch.Tensor]) -> torch.optim.Adam:
        try:
            return torch.optim.Adam(params, lr=self.lr, fused=True)
        except (RuntimeError, ValueError):
            return torch.optim.Adam(params, lr=self.lr, foreach=True)

    def step(self) -> None:
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)

    def select(self, keep: torch.Tensor) -> None:
        """Keep only the instances where ``keep`` is True (optimizer state included)."""
        new = [p.detach()[keep].requires_grad_() for p in self.params]
        opt = self._make(new)
        for old, p in zip(self.params, new):
            state = self.opt.state.get(old)
            if state:
                opt.state[p] = {
                    "step": state["step"].clone(),
                    "exp_avg": state["exp_avg"][keep],
                    "exp_avg_sq": state["exp_avg_sq"][keep],
                }
        self.params, self.opt = new, opt


def _weighted_mse(pred: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return ((pred - y) ** 2 * w).mean(dim=1)


def fit_surrogates(
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_val: torch.Tensor,
    y_val: torch.Tensor,
    seeds: Sequence[int],
    config: SurrogateConfig | None = None,
    w_train: torch.Tensor | None = None,
    w_val: torch.Tensor | None = None,
    progress: bool | None = None,
    feature_counts: Sequence[int] | None = None,
) -> Surrogates:
    """Train one surrogate per instance, all instances as one batched model.

    Args:
        x_train: ``[I, N, p]`` float inputs (MADEX: 0/1 masks).
        y_train: ``[I, N]`` targets (standardise them per instance beforehand).
        x_val, y_val: ``[I, M, p]`` and ``[I, M]`` validation data for early stopping.
        seeds: one seed per instance (initialisation and shuffling).
        config: hyper-parameters; default :class:`SurrogateConfig()` (the paper's).
        w_train, w_val: optional sample weights ``[I, N]`` / ``[I, M]`` (e.g. LIME kernel).
        progress: show a progress bar (None: only on a terminal).
        feature_counts: per instance, how many of the ``p`` input columns are real; the rest are
            zero padding (instances with different feature counts share one batch). The padded
            parameters are zero and stay zero, so each instance trains exactly as if unpadded.

    Returns:
        :class:`Surrogates` with the best-validation weights of every instance.
    """
    config = config or SurrogateConfig()
    n_inst, n_train, n_features = x_train.shape
    if len(seeds) != n_inst:
        raise ValueError(f"got {len(seeds)} seeds for {n_inst} instances")
    device = x_train.device
    dtype = torch.float32
    if w_train is None:
        w_train = torch.ones(n_inst, n_train, dtype=dtype, device=device)
    if w_val is None:
        w_val = torch.ones(y_val.shape, dtype=dtype, device=device)

    counts = [n_features] * n_inst if feature_counts is None else [int(c) for c in feature_counts]
    if len(counts) != n_inst or max(counts) > n_features or min(counts) < 1:
        raise ValueError("feature_counts must give, per instance, 1 <= count <= p")
    generators = [make_generator(s) for s in seeds]
    per_instance = [
        _pad_features(config, _init_instance(config, c, g), c, n_features)
        for c, g in zip(counts, generators)
    ]
    params = [
        torch.stack([inst[k] for inst in per_instance]).to(device=device, dtype=dtype)
        for k in range(len(per_instance[0]))
    ]
    n_mlp_weights = len(config.hidden) + 1
    l1_params = set(range(0, 2 * n_mlp_weights, 2))  # MLP weights, not biases or main effects
    # Padded features have zero inputs, so their first-layer and linear weights get no gradient
    # and stay zero; the biases of padded univariate networks would not, so they are masked.
    grad_masks: dict[int, torch.Tensor] = {}
    if config.main_effects == "mlp" and min(counts) < n_features:
        real = torch.arange(n_features)[None, :] < torch.tensor(counts)[:, None]
        for k in range(2 * n_mlp_weights, len(params)):
            shape = (n_inst, n_features) + (1,) * (params[k].dim() - 2)
            grad_masks[k] = real.reshape(shape).to(device=device, dtype=dtype)

    best = [p.clone() for p in params]
    best_val = torch.full((n_inst,), math.inf, device=device)
    best_epoch = torch.zeros(n_inst, dtype=torch.long, device=device)
    bad_epochs = torch.zeros(n_inst, dtype=torch.long, device=device)
    active = torch.arange(n_inst, device=device)
    adam = _BatchedAdam(params, config.lr)
    xs, ys, ws = x_train, y_train, w_train
    xv, yv, wv = x_val, y_val, w_val

    bar = tqdm(
        total=config.max_epochs,
        desc="surrogates",
        unit="epoch",
        disable=(not progress) if progress is not None else None,
        leave=False,
    )
    for epoch in range(1, config.max_epochs + 1):
        perms = torch.stack([torch.randperm(n_train, generator=generators[int(i)]) for i in active])
        perms = perms.to(device)
        # one gather per epoch; mini-batches are then contiguous slices
        x_ep = torch.gather(xs, 1, perms.unsqueeze(-1).expand(-1, -1, n_features))
        y_ep, w_ep = torch.gather(ys, 1, perms), torch.gather(ws, 1, perms)
        for start in range(0, n_train, config.batch_size):
            stop = start + config.batch_size
            xb, yb, wb = x_ep[:, start:stop], y_ep[:, start:stop], w_ep[:, start:stop]
            weights, biases, main = _split_params(config, adam.params)
            out = _forward(config, weights, biases, main, xb)
            loss = _weighted_mse(out, yb, wb).sum()
            loss.backward()
            with torch.no_grad():
                if config.l1 > 0:
                    for k in l1_params:
                        adam.params[k].grad.add_(adam.params[k].sign(), alpha=config.l1)
                for k, mask in grad_masks.items():
                    adam.params[k].grad.mul_(mask)
            adam.step()

        with torch.no_grad():
            params = [p.detach() for p in adam.params]
            weights, biases, main = _split_params(config, params)
            val = _weighted_mse(_forward(config, weights, biases, main, xv), yv, wv)
            improved = val < best_val[active]
            if bool(improved.any()):
                rows = active[improved]
                for k, p in enumerate(params):
                    best[k][rows] = p[improved]
                best_val[rows] = val[improved]
                best_epoch[rows] = epoch
            bad_epochs[active] = torch.where(improved, 0, bad_epochs[active] + 1)
            keep = bad_epochs[active] < config.patience
        bar.update(1)
        bar.set_postfix(active=int(keep.sum()))
        if not bool(keep.all()):
            if not bool(keep.any()):
                break
            active = active[keep]
            adam.select(keep)
            grad_masks = {k: mask[keep] for k, mask in grad_masks.items()}
            xs, ys, ws = xs[keep], ys[keep], ws[keep]
            xv, yv, wv = xv[keep], yv[keep], wv[keep]
    bar.close()

    weights, biases, main = _split_params(config, best)
    return Surrogates(config, weights, biases, main, best_epoch=best_epoch, val_loss=best_val)
