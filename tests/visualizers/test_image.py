"""The image visualizer (interactkit.visualizers.image): interaction overlays and the explanation
figure. The models are built in the test; nothing downloads. The explain-image CLI app:
tests/cli/test_explain_image.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("skimage")
pytest.importorskip("matplotlib")

import interactkit
from interactkit.adapters.image import ImageExplainer
from interactkit.visualizers.image import (
    SET_COLOURS,
    interaction_overlay,
    plot_image_explanation,
    save,
)
from tests.fixtures.image import grid_segments, mean_model


def blocks(size: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """A random image and its four quadrants."""
    img = np.random.default_rng(0).uniform(0.3, 1.0, (size, size, 3)).astype(np.float32)
    return img, grid_segments(size)


def conjunction_model(seg: np.ndarray):
    r0, r3 = torch.as_tensor(seg == 0), torch.as_tensor(seg == 3)

    def model(x: torch.Tensor) -> torch.Tensor:
        a, b = x[:, :, r0].mean(dim=(1, 2)), x[:, :, r3].mean(dim=(1, 2))
        return torch.stack([a * b, -a * b], dim=1)

    return model


def test_overlay_tints_and_outlines_sets() -> None:
    img, seg = blocks()
    out = interaction_overlay(img, seg, [(0, 3)], alpha=0.5, all_boundaries=False)
    assert out.shape == img.shape and out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(out[seg == 1], img[seg == 1])  # untouched superpixel
    colour = np.asarray(SET_COLOURS[0])
    np.testing.assert_allclose(out[5, 11], colour)  # sp0's boundary with sp1
    np.testing.assert_allclose(out[12, 12], colour)  # sp3's boundary
    inner = out[5, 5]
    np.testing.assert_allclose(inner, 0.5 * img[5, 5] + 0.5 * colour, atol=1e-6)


def test_overlapping_sets_show_the_strongest_colour() -> None:
    img, seg = blocks()
    out = interaction_overlay(img, seg, [(0, 3), (0, 1)], alpha=1.0, all_boundaries=False)
    np.testing.assert_allclose(out[5, 5], SET_COLOURS[0])  # sp0 is in both: strongest colour
    np.testing.assert_allclose(out[5, 17], SET_COLOURS[1])  # sp1 only in the second set


def test_plot_image_explanation(tmp_path) -> None:
    from matplotlib.figure import Figure

    img, seg = blocks()
    explainer = ImageExplainer(conjunction_model(seg), image_size=None, off="zero")
    space = explainer.space(img, segments=seg)
    explanation = interactkit.explain(space, method="archdetect")
    assert explanation.pairs(1)[0].features == (0, 3)
    fig = plot_image_explanation(space, explanation, k=2)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3  # image, main effects, colorbar
    legend = fig.axes[0].get_legend()
    assert legend is not None and "sp0, sp3" in legend.get_texts()[0].get_text()
    path = save(fig, tmp_path / "sub" / "fig.png")
    assert path.exists() and path.stat().st_size > 1000

    # the space comes first; the old (explanation, space) order gets a clear error
    with pytest.raises(TypeError, match=r"expected an ImageSpace.*\(space, explanation\)"):
        plot_image_explanation(explanation, space)
    other, other_seg = blocks(12)
    other_seg = (np.arange(144).reshape(12, 12) % 3).astype(np.int64)
    other_space = ImageExplainer(mean_model, image_size=None).space(other, segments=other_seg)
    with pytest.raises(ValueError, match="4 features but the space has 3"):
        plot_image_explanation(other_space, explanation)
