"""The batched surrogate trainer."""

from __future__ import annotations

import pytest
import torch

from interactkit.detectors.surrogate import SurrogateConfig
from interactkit.detectors.surrogate_fit import fit_surrogates


def _data(seed: int, p: int = 5, n: int = 400) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    x = (torch.rand(n, p, generator=gen) > 0.5).float()
    y = x[:, 0] * x[:, 1] - x[:, 2] + 0.1 * torch.randn(n, generator=gen)
    return x, y


CONFIG = SurrogateConfig(hidden=(16, 8), max_epochs=8, batch_size=50)


def test_batched_training_equals_training_alone() -> None:
    (xa, ya), (xb, yb) = _data(0), _data(1)
    x, y = torch.stack([xa, xb]), torch.stack([ya, yb])
    both = fit_surrogates(x[:, :300], y[:, :300], x[:, 300:], y[:, 300:], [11, 12], CONFIG)
    alone = fit_surrogates(x[1:, :300], y[1:, :300], x[1:, 300:], y[1:, 300:], [12], CONFIG)
    for wb, wa in zip(both.weights, alone.weights):
        torch.testing.assert_close(wb[1:], wa, rtol=1e-4, atol=1e-5)
    assert both.best_epoch[1] == alone.best_epoch[0]


def test_padding_is_exact() -> None:
    xa, ya = _data(0, p=5)
    xb, yb = _data(1, p=3)
    xb_pad = torch.cat([xb, torch.zeros(400, 2)], dim=1)
    x, y = torch.stack([xa, xb_pad]), torch.stack([ya, yb])
    for kind in ["linear", "mlp"]:
        cfg = SurrogateConfig(hidden=(16, 8), max_epochs=6, batch_size=50, main_effects=kind)
        padded = fit_surrogates(
            x[:, :300], y[:, :300], x[:, 300:], y[:, 300:], [1, 2], cfg, feature_counts=[5, 3]
        )
        alone = fit_surrogates(
            xb[None, :300], yb[None, :300], xb[None, 300:], yb[None, 300:], [2], cfg
        )
        torch.testing.assert_close(
            padded.weights[0][1, :3], alone.weights[0][0], rtol=1e-4, atol=1e-5
        )
        assert padded.weights[0][1, 3:].abs().max() == 0  # padded rows stay exactly zero
        torch.testing.assert_close(
            padded.predict(x[:, 300:])[1], alone.predict(xb[None, 300:])[0], rtol=1e-4, atol=1e-4
        )


def test_early_stopping_keeps_the_best_epoch() -> None:
    x, y = _data(3)
    cfg = SurrogateConfig(hidden=(32,), max_epochs=60, patience=3, batch_size=50, lr=0.05)
    model = fit_surrogates(x[None, :300], y[None, :300], x[None, 300:], y[None, 300:], [0], cfg)
    best = int(model.best_epoch[0])
    assert 1 <= best < 60
    val = ((model.predict(x[None, 300:]) - y[None, 300:]) ** 2).mean()
    assert val.item() == pytest.approx(model.val_loss[0].item(), rel=1e-5)


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="hidden"):
        SurrogateConfig(hidden=())
    with pytest.raises(ValueError, match="l1"):
        SurrogateConfig(l1=-1)
    with pytest.raises(ValueError, match="batch_size"):
        SurrogateConfig(batch_size=0)


@pytest.mark.parametrize("main_effects", [None, "linear"])
def test_hand_written_gradients_equal_autograd(main_effects: str | None) -> None:
    from interactkit.detectors.surrogate import Layout, forward
    from interactkit.detectors.surrogate_fit import manual_gradients

    config = SurrogateConfig(hidden=(16, 8, 4), main_effects=main_effects)
    layout = Layout(config, 6)
    gen = torch.Generator().manual_seed(0)
    flat = layout.flatten(torch.stack([layout.init(6, gen) for _ in range(3)]))
    x = (torch.rand(3, 20, 6, generator=gen) < 0.5).float()
    y, w = torch.randn(3, 20, generator=gen), torch.rand(3, 20, generator=gen)

    theta = flat.clone().requires_grad_()
    weights, biases, main = layout.split(layout.views(theta, 3))
    (((forward(config, weights, biases, main, x) - y) ** 2 * w).mean(1).sum()).backward()

    grad = torch.zeros_like(flat)
    manual_gradients(config, layout, layout.views(flat, 3), layout.views(grad, 3), x, y, w)
    torch.testing.assert_close(grad, theta.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_training_on_cuda_matches_the_cpu() -> None:
    (xa, ya), (xb, yb) = _data(0), _data(1)
    x, y = torch.stack([xa, xb]), torch.stack([ya, yb])
    cpu = fit_surrogates(x[:, :300], y[:, :300], x[:, 300:], y[:, 300:], [11, 12], CONFIG)
    xc, yc = x.cuda(), y.cuda()
    gpu = fit_surrogates(xc[:, :300], yc[:, :300], xc[:, 300:], yc[:, 300:], [11, 12], CONFIG)
    # same initialisation and shuffles (drawn on the CPU); float sums differ in order on the GPU
    assert all(w.device.type == "cuda" for w in gpu.weights)
    torch.testing.assert_close(gpu.val_loss.cpu(), cpu.val_loss, rtol=0.05, atol=1e-3)


@pytest.mark.parametrize("width", [1, 5])
def test_affine_and_linear_main_are_batched_matrix_products(width: int) -> None:
    from interactkit.detectors.surrogate import affine, linear_main

    gen = torch.Generator().manual_seed(width)
    h = torch.randn(3, 20, 7, generator=gen)
    w, b = torch.randn(3, 7, width, generator=gen), torch.randn(3, 1, width, generator=gen)
    assert torch.allclose(affine(h, w, b), torch.baddbmm(b, h, w), atol=1e-5)
    main = torch.randn(3, 7, 1, generator=gen)
    assert torch.allclose(linear_main(h, main), torch.bmm(h, main).squeeze(-1), atol=1e-5)
