"""Bad inputs: visualizers: mismatched or wrong arguments; a ``$`` in a word, name or title is
drawn literally. Each must fail with a specific, helpful error (the table format:
:mod:`tests.fixtures.bad_inputs`).
"""

from __future__ import annotations

import functools

import pytest

import interactkit
from tests.fixtures.bad_inputs import check, exp5, row
from tests.fixtures.image import IMG, SEG, image
from tests.fixtures.text import bert, text, text_explainer, tok


def viz_text():
    pytest.importorskip("matplotlib")
    from interactkit.visualizers import text as module

    return module


def viz_image():
    pytest.importorskip("matplotlib")
    pytest.importorskip("skimage")
    from interactkit.visualizers import image as module

    return module


@functools.cache
def text_case():
    """A 4-word text space and its explanation."""
    space = text_explainer().space("the movie is bad")
    return space, interactkit.explain(space, method="archdetect")


@functools.cache
def image_case():
    """A 4-superpixel image space and its explanation."""
    space = image().space(IMG, segments=SEG)
    return space, interactkit.explain(space, method="archdetect")


def plot_text(*args, **kwargs):
    return viz_text().plot_text(*args, **kwargs)


def plot_image(*args, **kwargs):
    return viz_image().plot_image_explanation(*args, **kwargs)


VISUALIZERS = [
    row(lambda _: plot_text(text_case()[0], exp5()), ValueError,
        "the explanation has 5 features but the text has 4", "text-lengths"),
    row(lambda _: plot_text(text_case()[0], text_case()[1], colour_by=exp5()), ValueError,
        "has 5 features but the text has 4", "text-colour-by-lengths"),
    row(lambda _: plot_text("the movie is bad", text_case()[1]), TypeError,
        "expected a TextSpace", "text-space-str"),
    row(lambda _: plot_text(text_case()[1], text_case()[0]), TypeError, "expected a TextSpace",
        "text-swapped"),
    row(lambda _: plot_text(text_case()[0], "abc"), TypeError,
        "must be a LocalExplanation or an Attribution, got str", "text-explanation-str"),
    row(lambda _: plot_text(text_case()[0], {"main_effects": [1, 2, 3, 4]}), TypeError,
        "got dict", "text-explanation-dict"),
    row(lambda _: plot_text(text_case()[0], text_case()[1], k=-1), ValueError, "k must be >= 0",
        "text-k-neg"),
    row(lambda _: plot_text(text_case()[0], text_case()[1], k="3"), TypeError, "k must be an int",
        "text-k-str"),
    row(lambda _: viz_text().plot_text_methods(text_case()[0], text_case()[1]), TypeError,
        "takes a sequence of explanations, got one LocalExplanation", "text-methods-one"),
    row(lambda _: viz_text().plot_text_methods(text_case()[0], []), ValueError,
        "needs at least one", "text-methods-none"),
    row(lambda _: viz_text().plot_text_methods(text_case()[0], [exp5()]), ValueError,
        "has 5 features but the text has 4", "text-methods-lengths"),
    row(lambda _: viz_text().to_html(text_case()[0], exp5()), ValueError,
        "has 5 features but the text has 4", "html-lengths"),
    row(lambda _: viz_text().to_html(text_case()[0], 3), TypeError, "got int", "html-explanation"),
    row(lambda _: plot_image(image_case()[0], exp5()), ValueError,
        "the explanation has 5 features but the space has 4 superpixels", "image-lengths"),
    row(lambda _: plot_image(IMG, image_case()[1]), TypeError, "expected an ImageSpace",
        "image-space-array"),
    row(lambda _: plot_image(image_case()[1], image_case()[0]), TypeError,
        "expected an ImageSpace", "image-swapped"),
    row(lambda _: plot_image(image_case()[0], "abc"), TypeError,
        "must be a LocalExplanation or an Attribution, got str", "image-explanation-str"),
    row(lambda _: plot_image(image_case()[0], image_case()[1], k=-2), ValueError,
        "k must be >= 0", "image-k-neg"),
    row(lambda _: viz_image().plot_image_methods(image_case()[0], image_case()[1]), TypeError,
        "takes a sequence of explanations, got one LocalExplanation", "image-methods-one"),
    row(lambda _: viz_image().plot_image_methods(image_case()[0], [exp5()]), ValueError,
        "has 5 features but the space has 4 superpixels", "image-methods-lengths"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), VISUALIZERS)
def test_visualizers(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)


DOLLARS = ["spend_$_usd_$", "$x$", "a$b", "$"]


def drawn(fig) -> list[str]:
    fig.canvas.draw()  # would raise on a mathtext parse error
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_dollar_signs_are_drawn_literally_in_text_plots() -> None:
    """Two ``$`` in a word are not mathtext: the words are drawn (and saved) as written."""
    import io
    import warnings

    sentence = "the spend_$_usd_$ movie $x$ is a$b bad $"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # words unknown to the tiny vocabulary
        space = text(bert(), tok(), features="whitespace").space(sentence)
    assert [w for w in DOLLARS if w not in space.words] == []
    explanation = interactkit.explain(space, method="archdetect")
    title = "cost $a$ and $b$"
    for fig in (plot_text(space, explanation, k=3, title=title),
                viz_text().plot_text_methods(space, [explanation], title=title)):  # fmt: skip
        texts = drawn(fig)
        assert "spend_$_usd_$" in texts and "$x$" in texts and title in texts
        shown = fig.findobj(lambda a: hasattr(a, "get_parse_math"))
        assert not [t.get_text() for t in shown if "$" in t.get_text() and t.get_parse_math()]
        fig.savefig(io.BytesIO(), format="png")
    legend = [t for t in drawn(plot_text(space, explanation, k=3)) if "×" in t]
    assert any("$" in t and "\\$" not in t for t in legend), legend


def test_dollar_signs_are_drawn_literally_in_image_plots() -> None:
    import io

    from interactkit.results import LocalExplanation

    names = ["spend_$_usd_$", "$x$", "a$b", "$"]
    space, explanation = image_case()
    data = explanation.to_dict()
    data["feature_names"] = names
    for item in data.get("interactions", []):
        item["names"] = [names[i] for i in item["features"]]
    data["method"] = "my$method$"
    renamed = LocalExplanation.from_dict(data)
    title = "class $cat$"
    for fig in (plot_image(space, renamed, k=3, title=title),
                viz_image().plot_image_methods(space, [renamed], title=title)):  # fmt: skip
        texts = " ".join(drawn(fig))
        assert title in texts and "my$method$" in texts
        fig.savefig(io.BytesIO(), format="png")
    assert "spend_$_usd_$" in " ".join(drawn(plot_image(space, renamed, k=4)))
