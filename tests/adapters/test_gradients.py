"""Gradient paths of the adapters in the shared feature space (issue 13): layer integrated
gradients of a tiny BERT built from a config (per word), integrated gradients / GradientShap of a
small CNN (per superpixel), integrated gradients on the embedding outputs of a DeepCTR-Torch
DeepFM and a torch MLP (per field); finite values of the right length, completeness, and the
errors of models without a gradient path."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("captum")

import interactkit
from interactkit.attribution import compare_attributions
from tests.fixtures.ctr import ABCD_ROW, abcd_schema
from tests.fixtures.image import grid_segments
from tests.fixtures.text import SUBWORDS, subword_bert, subword_tok

TEXT = "the movie is unbelievable not bad ."


@pytest.fixture(scope="module")
def text_explainer_of():
    pytest.importorskip("transformers")
    from interactkit.adapters.text import TextExplainer

    # logits of order 1 (initializer_range 0.3), so completeness is checked at a real scale
    bert = subword_bert(initializer_range=0.3)
    return lambda off, model=bert: TextExplainer(model, subword_tok(), off=off, target=1)


@pytest.mark.parametrize("off", ["mask", "neutral", "pad", "remove"])
def test_text_layer_integrated_gradients(text_explainer_of, off):
    space = text_explainer_of(off).space(TEXT)
    assert space.gradient_methods == ("integrated_gradients",)
    attr = interactkit.attribute(space, method="integrated_gradients", n_steps=32)
    assert attr.values.shape == (space.n_features,) == (7,) and np.isfinite(attr.values).all()
    assert attr.feature_names == space.words and attr.n_queries == 0
    assert attr.params["captum"] == "LayerIntegratedGradients" and attr.params["model_calls"] > 0
    # completeness along the path, from the off-token baseline
    start = attr.params["ig_baseline_value"]
    assert attr.values.sum() == pytest.approx(attr.value - start, abs=1e-3)
    if off in ("mask", "neutral"):  # the baseline is exactly the space's all-off input
        assert start == pytest.approx(attr.baseline_value, abs=1e-5)
    if off == "remove":
        assert "mask token" in attr.params["baseline"]
    assert attr.value == pytest.approx(space.full_value, abs=1e-5)


def test_text_gradients_find_the_embedding_layer_of_a_wrapped_encoder(text_explainer_of):
    from interactkit.adapters.text.gradients import find_embedding_layer

    bert = text_explainer_of("mask").model

    class Wrapped(torch.nn.Module):  # like MiniLMSentimentClassifier: no get_input_embeddings
        def __init__(self):
            super().__init__()
            self.inner, self.config = bert, bert.config

        def forward(self, **inputs):
            return self.inner(**inputs).logits * 2.0

    words = bert.bert.embeddings.word_embeddings
    assert find_embedding_layer(Wrapped(), len(SUBWORDS)) is words
    assert find_embedding_layer(bert, 0, "bert.embeddings.word_embeddings") is words
    with pytest.raises(ValueError, match="not a module"):
        find_embedding_layer(bert, 0, "bert.nope")
    space = text_explainer_of("mask", Wrapped()).space(TEXT)
    direct = interactkit.attribute(text_explainer_of("mask").space(TEXT), "integrated_gradients")
    doubled = interactkit.attribute(space, method="integrated_gradients")
    np.testing.assert_allclose(doubled.values, 2 * direct.values, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="offers the gradient methods"):
        interactkit.attribute(space, method="saliency")


def _cnn_explainer(model=None, preprocess=None):
    from interactkit.adapters.image import ImageExplainer, Normalize

    torch.manual_seed(0)
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1),
        torch.nn.Tanh(),
        torch.nn.Conv2d(8, 8, 3, padding=1),
        torch.nn.Tanh(),
        torch.nn.AdaptiveAvgPool2d(4),
        torch.nn.Flatten(),
        torch.nn.Linear(128, 3),
    ).eval()
    return ImageExplainer(
        model or cnn, preprocess or Normalize(), image_size=None, max_batch_size=16, off="mean"
    )


IMAGE = np.random.default_rng(0).random((32, 32, 3)).astype(np.float32)
SEGMENTS = grid_segments(32, 4)  # 16 blocks of 8 x 8


def test_image_integrated_gradients_and_gradient_shap_per_superpixel():
    space = _cnn_explainer().space(IMAGE, segments=SEGMENTS)
    assert space.gradient_methods == ("integrated_gradients", "gradient_shap")
    ig = interactkit.attribute(space, method="integrated_gradients", n_steps=32)
    assert ig.values.shape == (16,) and np.isfinite(ig.values).all() and ig.seed is None
    gap = ig.value - ig.baseline_value  # the fill image is the space's all-off image
    assert ig.values.sum() == pytest.approx(gap, rel=1e-3, abs=1e-6)
    shap = interactkit.attribute(space, method="gradient_shap", n_samples=24, seed=1)
    again = interactkit.attribute(space, method="gradient_shap", n_samples=24, seed=1)
    np.testing.assert_array_equal(shap.values, again.values)
    assert np.corrcoef(shap.values, ig.values)[0, 1] > 0.9
    shapley = interactkit.attribute(space, method="shapley", n_samples=20)
    assert compare_attributions([ig, shapley]).rank_correlation[0, 1] > 0.8


def test_image_models_without_gradients_are_refused():
    cnn = _cnn_explainer().model
    plain = _cnn_explainer(model=lambda x: cnn(x).detach()).space(IMAGE, segments=SEGMENTS)
    assert plain.gradient_methods == ()
    with pytest.raises(TypeError, match="use a perturbation method: ablation"):
        interactkit.attribute(plain, method="integrated_gradients")
    numpy_step = _cnn_explainer(preprocess=lambda b: torch.as_tensor(b.detach().numpy()))
    with pytest.raises(TypeError, match="no gradient reaches the image"):
        interactkit.attribute(numpy_step.space(IMAGE, segments=SEGMENTS), "integrated_gradients")


def test_text_and_image_spaces_are_gradient_spaces(text_explainer_of):
    """The gradient capability is the declared Protocol interactkit.GradientSpace: text and image
    spaces have it (an image space of a plain callable offers no method), a FunctionSpace not."""
    text_space = text_explainer_of("mask").space(TEXT)
    image_space = _cnn_explainer().space(IMAGE, segments=SEGMENTS)
    cnn = _cnn_explainer().model
    plain = _cnn_explainer(model=lambda x: cnn(x).detach()).space(IMAGE, segments=SEGMENTS)
    for space in (text_space, image_space, plain):
        assert isinstance(space, interactkit.GradientSpace), type(space).__name__
    assert plain.gradient_methods == () and image_space.gradient_methods
    function_space = interactkit.FunctionSpace(lambda m: m.float().sum(1), 4)
    assert not isinstance(function_space, interactkit.GradientSpace)


@pytest.mark.parametrize("kind", ["deepfm", "mlp"])
def test_ctr_integrated_gradients_on_embedding_outputs(kind):
    from interactkit.adapters.ctr import CTRExplainer, TabularMLP, build_target
    from interactkit.adapters.ctr.explain.gradients import has_gradient_path, integrated_gradients

    schema = abcd_schema()
    if kind == "deepfm":
        if importlib.util.find_spec("deepctr_torch") is None:
            pytest.skip("deepctr-torch is not installed")
        model = build_target("deepfm", schema, seed=0, embedding_dim=4, config="small")
        with torch.no_grad():  # a non-trivial function of every field
            for p in model.parameters():
                p.normal_(0.0, 0.3)
    else:
        torch.manual_seed(0)
        model = TabularMLP(schema, embedding_dim=3, hidden=(8,))
    explainer = CTRExplainer(model, schema)
    assert has_gradient_path(explainer)
    space = explainer.space(ABCD_ROW)
    attr = integrated_gradients(space, n_steps=64)
    assert attr.values.shape == (4,) and np.isfinite(attr.values).all()
    assert attr.feature_names == ["a", "b", "c", "d"] and attr.params["embedding_lookups"] >= 3
    gap = attr.value - attr.baseline_value  # completeness, up to the integration error:
    assert attr.values.sum() == pytest.approx(gap, rel=1e-2, abs=1e-3)
    # ... which is captum's own convergence delta (so no lookup's share is lost in the sums)
    assert attr.values.sum() - gap == pytest.approx(attr.params["convergence_delta"], abs=1e-4)
    shapley = interactkit.attribute(space, method="shapley", n_samples=100)
    assert compare_attributions([attr, shapley]).sign_agreement[0, 1] >= 0.5
    assert space.gradient_methods == ("integrated_gradients",)
    via_attribute = interactkit.attribute(space, method="integrated_gradients", n_steps=64)
    np.testing.assert_allclose(via_attribute.values, attr.values, rtol=1e-5, atol=1e-7)
    at_baseline = integrated_gradients(explainer.space({"a": 0, "b": 0, "c": 0, "d": 2.0}))
    np.testing.assert_allclose(at_baseline.values, 0.0, atol=1e-7)  # nothing moves on the path


def test_ctr_models_without_an_embedding_path_are_refused():
    from interactkit.adapters.ctr import CTRExplainer
    from interactkit.adapters.ctr.explain.gradients import has_gradient_path, integrated_gradients

    schema = abcd_schema()
    plain = CTRExplainer(lambda frame: np.zeros(len(frame)), schema, output="logit")
    assert not has_gradient_path(plain)
    with pytest.raises(TypeError, match=r"no gradient path.*perturbation method"):
        integrated_gradients(plain.space(ABCD_ROW))
    assert plain.space(ABCD_ROW).gradient_methods == ()
    with pytest.raises(TypeError, match=r"no differentiable path.*perturbation method"):
        interactkit.attribute(plain.space(ABCD_ROW), method="integrated_gradients")

    class IdsAsNumbers(torch.nn.Module):  # reads ids as numbers: no embedding to integrate
        output, input_fields = "logit", ["a", "b", "c", "d"]

        def forward(self, x):
            return x @ torch.tensor([0.5, -1.0, 0.5, 1.0])

    with pytest.raises(ValueError, match="other than through embedding lookups"):
        integrated_gradients(CTRExplainer(IdsAsNumbers(), schema).space(ABCD_ROW))

    class Crossed(torch.nn.Module):  # one lookup of a crossed id (a x b)
        output, input_fields = "logit", ["a", "b", "c", "d"]

        def __init__(self):
            super().__init__()
            self.cross = torch.nn.Embedding(12, 2)

        def forward(self, x):
            return self.cross((x[:, 0] * 3 + x[:, 1]).long()).sum(1) + x[:, 3]

    with pytest.raises(ValueError, match=r"reads fields \['a', 'b'\]"):
        integrated_gradients(CTRExplainer(Crossed(), schema).space(ABCD_ROW))
    with pytest.raises(ValueError, match="n_steps"):
        integrated_gradients(CTRExplainer(Crossed(), schema).space(ABCD_ROW), n_steps=1)
