"""The visualizers colour by any method and show methods side by side (issue 13)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

pytest.importorskip("matplotlib")
import matplotlib

matplotlib.use("Agg")

import interactkit
from interactkit import Attribution
from tests.fixtures.image import grid_segments

WORDS = ["the", "film", "is", "not", "bad"]


def _text_space():
    """What the text figures read from a TextSpace: words, spans, text, target."""
    text = " ".join(WORDS)
    spans, start = [], 0
    for word in WORDS:
        spans.append((start, start + len(word)))
        start += len(word) + 1
    return SimpleNamespace(
        words=WORDS, spans=spans, text=text, target=1, target_label="POSITIVE", full_value=1.5
    )


def _attr(method, values, names=WORDS, n_queries=0):
    return Attribution(
        method=method, feature_names=list(names), values=np.asarray(values, float),
        n_queries=n_queries,
    )  # fmt: skip


def _pair_not_bad(masks):
    x = masks.double()
    return x[:, 1] - 2 * x[:, 3] * x[:, 4] + 0.5 * x[:, 4]


def _word_boxes(fig):
    """The face colour of each drawn word's box, by word, in drawing order."""
    boxes: dict[str, list] = {}
    for ax in fig.axes:
        for t in ax.texts:
            if t.get_text() in WORDS and t.get_bbox_patch() is not None:
                boxes.setdefault(t.get_text(), []).append(t.get_bbox_patch().get_facecolor())
    return boxes


def test_plot_text_colours_by_any_method_and_keeps_the_arcs():
    from matplotlib.patches import PathPatch

    from interactkit.visualizers.text import plot_text

    space = _text_space()
    exp = interactkit.explain(_pair_not_bad, n_features=5, method="archdetect")
    positive_not = _attr("shapley", [0.0, 0.0, 0.0, 2.0, -2.0])
    by_main = plot_text(space, exp, k=1)
    by_attr = plot_text(space, exp, k=1, colour_by=positive_not)
    alone = plot_text(space, positive_not)  # an attribution alone: colours, no arcs
    red, blue = _word_boxes(by_attr)["not"][0], _word_boxes(by_attr)["bad"][0]
    assert red[0] > red[2] and blue[2] > blue[0]  # RdBu_r: positive red, negative blue
    assert _word_boxes(by_main)["not"][0] != red
    arcs = [sum(isinstance(p, PathPatch) for p in f.axes[0].patches) for f in (by_attr, alone)]
    assert arcs == [1, 0]
    labels = [a.get_xlabel() for f in (by_attr, by_main) for a in f.axes[1:]]
    assert any("shapley attribution" in lab for lab in labels)
    assert any("main effect" in lab for lab in labels)
    with pytest.raises(ValueError, match="has 3 features but the text has 5"):
        plot_text(space, exp, colour_by=_attr("x", [1, 2, 3], WORDS[:3]))


def test_plot_text_methods_side_by_side():
    from interactkit.visualizers.text import plot_text_methods

    space = _text_space()
    exp = interactkit.explain(_pair_not_bad, n_features=5, method="archdetect")
    items = [
        _attr("ablation", [0, 1, 0, -2, -1.5], n_queries=6),
        _attr("lime", [0, 1, 0, 1, 1]),
        exp,
    ]
    fig = plot_text_methods(space, items)
    boxes = _word_boxes(fig)
    assert all(len(boxes[w]) == 3 for w in WORDS)  # the sentence once per method
    heads = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "ablation" in heads and "6 queries" in heads and "archdetect" in heads
    # methods disagree on "not": blue for ablation, red for lime
    assert boxes["not"][0][2] > boxes["not"][0][0] and boxes["not"][1][0] > boxes["not"][1][2]
    shared = _word_boxes(plot_text_methods(space, items[:2], shared_scale=True))
    own = _word_boxes(plot_text_methods(space, items[:2]))
    assert shared["film"][1] != own["film"][1]  # lime's 1 is its peak alone, not on a shared scale
    with pytest.raises(ValueError, match="at least one"):
        plot_text_methods(space, [])


def test_text_html_colours_by_a_method_and_escapes_its_name():
    from interactkit.visualizers.text import to_html

    space = _text_space()
    exp = interactkit.explain(_pair_not_bad, n_features=5, method="archdetect")
    evil = _attr("<script>x</script>", [0, 0, 0, 3, 0])
    page = to_html(space, exp, colour_by=evil, full_page=True)
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt; attribution" in page
    assert page.count("rgb(247,247,247)") == 4  # only "not" is coloured
    assert "<table" in page and "<table" not in to_html(space, evil)


def _image_space(model=None):
    from interactkit.adapters.image import ImageExplainer, Normalize

    torch.manual_seed(0)
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.Tanh(), torch.nn.AdaptiveAvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16, 2),
    ).eval()  # fmt: skip
    image = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    segments = grid_segments(16)  # 4 quadrants
    explainer = ImageExplainer(model or cnn, Normalize(), image_size=None, max_batch_size=8)
    return explainer.space(image, segments=segments)


def test_image_heatmap_by_any_method_and_methods_side_by_side():
    pytest.importorskip("skimage")
    from interactkit.visualizers.image import plot_image_explanation, plot_image_methods

    space = _image_space()
    exp = interactkit.explain(space, method="archdetect")
    attr = _attr("kernelshap", [1.0, -3.0, 0.5, 2.0], space.feature_names, n_queries=12)
    fig = plot_image_explanation(space, exp, colour_by=attr)
    heat = fig.axes[1].images[0].get_array()
    np.testing.assert_array_equal(np.asarray(heat), attr.values[space.segments])
    assert "kernelshap" in fig.axes[1].get_title()
    only = plot_image_explanation(space, attr)  # an attribution: no interaction sets
    assert "top 0 interaction sets" in only.axes[0].get_title()
    ig = interactkit.attribute(space, method="integrated_gradients", n_steps=8)
    side = plot_image_methods(space, [exp, attr, ig])
    titles = [ax.get_title() for ax in side.axes]
    expected = ["image and superpixels", f"archdetect, {exp.n_queries} queries"]
    assert titles[:4] == [*expected, "kernelshap, 12 queries", "integrated_gradients"]
    limits = [ax.images[0].get_clim() for ax in side.axes[1:4]]
    assert len(set(limits)) == 3  # each method on its own scale
    shared = plot_image_methods(space, [attr, ig], shared_scale=True)
    assert shared.axes[1].images[0].get_clim() == shared.axes[2].images[0].get_clim() == (-3, 3)
    with pytest.raises(ValueError, match="2 features but the space has 4 superpixels"):
        plot_image_methods(space, [_attr("x", [1, 2], ["a", "b"])])


def test_ctr_bars_per_field_mark_inconsistent_fields():
    from interactkit.adapters.ctr import CTRExplainer, Field, Schema
    from interactkit.visualizers.ctr import plot_attribution_comparison

    schema = Schema([Field("site", vocab_size=4), Field("ad", vocab_size=3),
                     Field("hour", "dense", mean=0.0)], label="click")  # fmt: skip
    explainer = CTRExplainer(
        lambda f: np.array(f["site"] * 0.5 - f["hour"]), schema, output="logit"
    )
    space = explainer.space({"site": 2, "ad": 1, "hour": 1.5})
    names = ["site", "ad", "hour"]
    shapley = interactkit.attribute(space, method="shapley", n_samples=10)
    flipped = _attr("lime", [1.0, 0.0, 1.5], names)  # disagrees with Shapley on "hour"
    fig = plot_attribution_comparison(space, [shapley, flipped])
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["site = 2  ✓", "ad = 1  ✓", "hour = 1.5  ✗"]  # top to bottom
    bars = [p for p in ax.patches if p.get_height() < 0.5]
    assert len(bars) == 6  # 2 methods x 3 fields
    assert sum(p.get_height() >= 0.5 for p in ax.patches) == 1  # one shaded field
    normal = plot_attribution_comparison(space, [shapley, flipped], normalize=True)
    assert max(abs(p.get_width()) for p in normal.axes[0].patches if p.get_height() < 0.5) == 1
    with pytest.raises(ValueError, match="this space's fields"):
        plot_attribution_comparison(
            space, [_attr("a", [1, 2, 3], "xyz"), _attr("b", [1, 2, 3], "xyz")]
        )
    import matplotlib.pyplot as plt

    plt.close("all")
