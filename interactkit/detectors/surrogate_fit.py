"""Training the batched surrogates (:mod:`interactkit.detectors.surrogate`).

Per epoch and instance: one shuffle of the training rows (each instance's own generator), then
mini-batches as contiguous slices of one gathered copy; after each epoch the weighted validation
MSE decides which weights are kept and which instances stop. Where the time goes on a CPU (a
profile of 64 instances at the paper's settings): the batched matrix products (forward and
backward); the optimizer and the L1 step are one fused pass each over the flat ``[I, P]``
parameters (with one tensor per layer they cost as much as the products). At the default
[32, 16] surrogate the one-output products (the last layer, the linear main term) dominated
until they became weighted sums (:func:`~interactkit.detectors.surrogate.affine`), and the
per-epoch gather of rows by advanced indexing until it became one ``index_select``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from interactkit._utils.progress import progress as progress_bar
from interactkit.detectors.surrogate import (
    Layout,
    SurrogateConfig,
    Surrogates,
    affine,
    forward,
    linear_main,
)
from interactkit.sampling import make_generator

__all__ = ["fit_surrogates", "manual_gradients"]


class _FlatAdam:
    """Adam over the flat parameters of a :class:`Layout`, from which instances can be dropped."""

    def __init__(self, flat: torch.Tensor, lr: float, layout: Layout, n_instances: int) -> None:
        self.theta = flat.detach().clone().requires_grad_()
        self.lr = lr
        self.layout = layout
        self.n = n_instances
        self.opt = self._make(self.theta)

    def _make(self, theta: torch.Tensor) -> torch.optim.Adam:
        try:
            return torch.optim.Adam([theta], lr=self.lr, fused=True)
        except (RuntimeError, ValueError):  # pragma: no cover - devices without fused Adam
            return torch.optim.Adam([theta], lr=self.lr, foreach=True)

    def set_lr(self, lr: float) -> None:
        for group in self.opt.param_groups:
            group["lr"] = lr

    def step(self, keep_grad: bool = False) -> None:
        self.opt.step()
        if not keep_grad:
            self.opt.zero_grad(set_to_none=True)

    def views(self) -> list[torch.Tensor]:
        return self.layout.views(self.theta, self.n)

    def select(self, keep: torch.Tensor) -> None:
        """Keep only the instances where ``keep`` is True, optimizer state included."""
        state = self.opt.state.get(self.theta)
        lr = self.opt.param_groups[0]["lr"]
        pick = self.layout.select
        theta = pick(self.theta.detach(), self.n, keep).requires_grad_()
        opt = self._make(theta)
        opt.param_groups[0]["lr"] = lr
        if state:
            opt.state[theta] = {
                "step": state["step"].clone(),
                "exp_avg": pick(state["exp_avg"], self.n, keep),
                "exp_avg_sq": pick(state["exp_avg_sq"], self.n, keep),
            }
        self.theta, self.opt, self.n = theta, opt, int(keep.sum())


def _weighted_mse(pred: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return ((pred - y) ** 2 * w).mean(dim=1)


def manual_gradients(
    config: SurrogateConfig,
    layout: Layout,
    params: list[torch.Tensor],
    grads: list[torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
) -> None:
    """Gradients of the summed batch loss into ``grads`` (views of one flat buffer), by hand.

    For the MLP with a linear (or no) main-effect term, a hand-written backward pass writes each
    gradient straight into its place (``out=``): no autograd graph, no gradient accumulation
    copies. ``x: [I, B, p]``, ``y``/``w``: ``[I, B]``; ``params``/``grads`` in layout order.
    """
    weights, biases, main = layout.split(params)
    g_weights, g_biases, g_main = layout.split(grads)
    inputs = [x]  # the input of each layer (after ReLU)
    h = x
    last = len(weights) - 1
    for k, (weight, bias) in enumerate(zip(weights, biases)):
        h = affine(h, weight, bias)
        if k < last:
            h.clamp_(min=0)
            inputs.append(h)
    out = h.squeeze(-1)
    if config.main_effects == "linear":
        out = out + linear_main(x, main[0])
    d = ((out - y) * w * (2.0 / y.shape[1])).unsqueeze(-1)  # dL/d(output) [I, B, 1]
    if config.main_effects == "linear":
        torch.sum(x * d, dim=1, out=g_main[0].squeeze(-1))
    for k in range(last, -1, -1):
        # a layer of one output (the last): sums and broadcasts, not one-column products
        single = weights[k].shape[2] == 1
        if single:
            torch.sum(inputs[k] * d, dim=1, out=g_weights[k].squeeze(-1))
        else:
            torch.bmm(inputs[k].transpose(1, 2), d, out=g_weights[k])
        torch.sum(d, dim=1, keepdim=True, out=g_biases[k])
        if k > 0:
            d = (
                d * weights[k].transpose(1, 2)
                if single
                else torch.bmm(d, weights[k].transpose(1, 2))
            )
            # ReLU: no gradient where the unit was off (one fused pass)
            d = torch.ops.aten.threshold_backward(d, inputs[k], 0.0)


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
    binary: bool | None = None,
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
        binary: whether ``x_train`` holds only 0/1 (stored as bytes then); None: checked.

    Returns:
        :class:`Surrogates` with the best-validation weights of every instance.
    """
    config = config or SurrogateConfig()
    n_inst, n_train, n_features = x_train.shape
    if len(seeds) != n_inst:
        raise ValueError(f"got {len(seeds)} seeds for {n_inst} instances")
    device = x_train.device
    if w_train is None:
        w_train = torch.ones(n_inst, n_train, device=device)
    if w_val is None:
        w_val = torch.ones(y_val.shape, device=device)
    counts = [n_features] * n_inst if feature_counts is None else [int(c) for c in feature_counts]
    if len(counts) != n_inst or max(counts) > n_features or min(counts) < 1:
        raise ValueError("feature_counts must give, per instance, 1 <= count <= p")

    layout = Layout(config, n_features)
    generators = [make_generator(s) for s in seeds]
    rows = torch.stack([layout.init(c, g) for c, g in zip(counts, generators)]).to(device)
    flat = layout.flatten(rows)
    l1_row, _ = layout.mask(n_features, device)
    l1_mask = layout.flatten(l1_row.expand(n_inst, -1)) * config.l1
    # Padded features have zero inputs, so their first-layer and linear weights get no gradient
    # and stay zero; the biases of padded univariate networks would not, so they are masked.
    real = None
    if config.main_effects == "mlp" and min(counts) < n_features:
        real = layout.flatten(torch.stack([layout.mask(c, device)[1] for c in counts]))

    best = layout.views(flat.clone(), n_inst)
    best_val = torch.full((n_inst,), math.inf, device=device)
    best_epoch = torch.zeros(n_inst, dtype=torch.long, device=device)
    bad_epochs = torch.zeros(n_inst, dtype=torch.long, device=device)
    active = torch.arange(n_inst, device=device)
    adam = _FlatAdam(flat, config.lr, layout, n_inst)
    xs, ys, ws = x_train, y_train, w_train
    xv, yv, wv = x_val, y_val, w_val
    keep_rel = 1.0 - config.min_improvement

    manual = config.main_effects in (None, "linear")
    if manual:  # a persistent gradient buffer, overwritten by every step
        adam.theta.grad = torch.zeros_like(adam.theta)
    # 0/1 masks are stored as bytes: the per-epoch shuffle moves a quarter of the memory
    if binary is None:
        binary = bool(((xs == 0) | (xs == 1)).all())
    if binary:
        xs = xs.to(torch.uint8)
    bar = progress_bar(config.max_epochs, "surrogates", "epoch", progress, leave=False)
    step_views: tuple[list[torch.Tensor], list[torch.Tensor]] | None = None
    epoch = 0
    for epoch in range(1, config.max_epochs + 1):
        if config.schedule == "cosine":
            adam.set_lr(config.lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / config.max_epochs)))
        perms = torch.stack([torch.randperm(n_train, generator=generators[int(i)]) for i in active])
        perms = perms.to(device)
        # one shuffle per epoch; mini-batches are then contiguous slices. The rows are taken
        # with index_select over the flattened samples: it copies whole rows, several times
        # faster than advanced indexing with a [I, N] index
        n_active = perms.shape[0]
        flat_rows = (torch.arange(n_active, device=device)[:, None] * n_train + perms).reshape(-1)
        x_ep = xs.reshape(-1, n_features).index_select(0, flat_rows)
        x_ep = x_ep.view(n_active, n_train, n_features)
        y_ep, w_ep = torch.gather(ys, 1, perms), torch.gather(ws, 1, perms)
        for start in range(0, n_train, config.batch_size):
            stop = start + config.batch_size
            xb = x_ep[:, start:stop].to(torch.float32)
            yb, wb = y_ep[:, start:stop], w_ep[:, start:stop]
            if manual:
                if step_views is None:  # views stay valid until the active set changes
                    step_views = (
                        [v.detach() for v in adam.views()],
                        layout.views(adam.theta.grad, adam.n),
                    )
                with torch.no_grad():
                    manual_gradients(config, layout, *step_views, xb, yb, wb)
            else:
                weights, biases, main = layout.split(adam.views())
                out = forward(config, weights, biases, main, xb)
                _weighted_mse(out, yb, wb).sum().backward()
            with torch.no_grad():
                grad = adam.theta.grad
                if config.l1 > 0:
                    grad.addcmul_(adam.theta.sign(), l1_mask)
                if real is not None:
                    grad.mul_(real)
            adam.step(keep_grad=manual)

        with torch.no_grad():
            current = [v.detach() for v in adam.views()]
            weights, biases, main = layout.split(current)
            val = _weighted_mse(forward(config, weights, biases, main, xv), yv, wv)
            improved = val < best_val[active] * keep_rel
            if bool(improved.any()):
                rows = active[improved]
                for kept, now in zip(best, current):
                    kept[rows] = now[improved]
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
            step_views = None
            if manual:
                adam.theta.grad = torch.zeros_like(adam.theta)
            if real is not None:
                real = layout.select(real, len(keep), keep)
            l1_mask = layout.select(l1_mask, len(keep), keep)
            xs, ys, ws = xs[keep], ys[keep], ws[keep]
            xv, yv, wv = xv[keep], yv[keep], wv[keep]
    bar.close()

    weights, biases, main = layout.split(best)
    return Surrogates(
        config, weights, biases, main, best_epoch=best_epoch, val_loss=best_val, epochs=epoch
    )
