"""The text visualizer (interactkit.visualizers.text): figure, HTML page and fragment of a text
explanation, user text drawn and escaped literally (a tiny trained model; never the network)."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers")

import interactkit
from interactkit.adapters.text import TextExplainer
from tests.fixtures.text import not_bad_model, subword_tok


def test_plot_and_html_escape_markup(tmp_path):
    from interactkit.visualizers.text import plot_text, save_html, to_html

    explainer = TextExplainer(not_bad_model(), subword_tok(), features="whitespace", off="pad")
    text = "the $plot$ is not <script>alert(1)</script> bad"
    space = explainer.space(text)
    assert "<script>alert(1)</script>" in space.words
    explanation = interactkit.explain(space, method="archdetect")
    fig = plot_text(space, explanation, k=3)
    assert fig.__class__.__name__ == "Figure"
    fig.savefig(tmp_path / "text.png")
    assert (tmp_path / "text.png").stat().st_size > 1000
    page = to_html(space, explanation, k=3, full_page=True)
    assert "<script>" not in page and "alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.startswith("<!DOCTYPE html>") and page.count('class="ik-word"') == 6
    fragment = to_html(space, explanation, k=3)
    assert fragment.startswith("<div") and "&lt;script&gt;" in fragment
    path = save_html(space, explanation, tmp_path / "text.html")
    assert "&lt;script&gt;" in (tmp_path / "text.html").read_text(encoding="utf-8")
    assert path.endswith("text.html")
    with pytest.raises(ValueError, match="features"):
        other = explainer.space("the movie is not bad")
        to_html(other, explanation)
