"""CTR figures and the HTML report (escaping)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from interactkit import GlobalExplanation, GlobalInteraction, Interaction, LocalExplanation
from interactkit.adapters.ctr import CTRExplainer, Field, Schema
from interactkit.visualizers import ctr as viz
from interactkit.visualizers.report import Report, html_table

pytest.importorskip("matplotlib")


def _global() -> GlobalExplanation:
    names = ["device", "hour", "site<script>", "ad"]
    inters = [
        GlobalInteraction(("device", "hour"), 80, 0.8, 0.72, 0.87),
        GlobalInteraction(("ad", "hour", "site<script>"), 30, 0.3, 0.22, 0.39),
    ]
    mat = np.array([[0, 0.9, 0.1, 0], [0.9, 0, 0.2, 0.3], [0.1, 0.2, 0, 0.4], [0, 0.3, 0.4, 0]])
    return GlobalExplanation(inters, 100, feature_names=names, pair_strength=mat)


def test_figures_render() -> None:
    g = _global()
    for fig in [
        viz.plot_global_frequencies(g),
        viz.plot_pair_heatmap(g),
        viz.plot_interaction_graph(g),
        viz.plot_global_frequencies(GlobalExplanation([], 0)),
    ]:
        assert fig.axes
    results = pd.DataFrame(
        [
            {"model": m, "variant": v, "seed": s, "auc": 0.7 + 0.001 * (v == "glider") + 0.0001 * s}
            for m in ["WDL", "DeepFM"]
            for v in ["baseline", "glider", "random"]
            for s in range(3)
        ]
    )
    fig = viz.plot_crossing_gains(results)
    heights = sorted(round(p.get_height(), 6) for p in fig.axes[0].patches)
    assert heights == [0.0, 0.0, 10.0, 10.0]  # +0.001 AUC = 10 x 1e-4 for the glider bars
    with pytest.raises(ValueError, match="'variant' column"):
        viz.plot_crossing_gains(results.drop(columns="variant"))
    with pytest.raises(ValueError, match="no pair strengths"):
        viz.plot_pair_heatmap(GlobalExplanation([], 3))


def test_local_explanation_figure_takes_space_and_explanation() -> None:
    schema = Schema(
        [
            Field("device", vocab_size=3, vocab=("<missing>", "<rare>", "mobile")),
            Field("hour", vocab_size=30),
            Field("site", vocab_size=4),
        ]
    )
    explainer = CTRExplainer(lambda f: np.zeros(len(f)), schema, output="logit")
    space = explainer.space({"device": 2, "hour": 23, "site": 0})
    exp = LocalExplanation(
        "madex",
        schema.names,
        [Interaction((0, 1), ("device", "hour"), 1.0, 0.5)],
        [],
        np.array([0.2, -0.1, 0.0]),
        detected=[Interaction((0, 1), ("device", "hour"), 1.0, 0.5)],
    )
    fig = viz.plot_local_explanation(space, exp)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "device = mobile" in labels and "hour = 23" in labels
    other = CTRExplainer(lambda f: np.zeros(len(f)), Schema(schema.fields[:2]), output="logit")
    with pytest.raises(ValueError, match="pass the space that was explained"):
        viz.plot_local_explanation(other.space([2, 23]), exp)


def test_report_escapes_every_string() -> None:
    report = Report("audit <b>", subtitle="data & <i>")
    report.heading("<script>alert(1)</script>")
    report.paragraph('x"<y>')
    report.table([["<img src=x onerror=alert(1)>", 1.5, 3]], ["field<", "freq", "n"])
    report.figure(viz.plot_global_frequencies(_global()), caption="<svg onload=alert(1)>")
    page = report.render()
    assert "<script>" not in page and "<img src=x" not in page and "<svg" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("data:image/png;base64,") == 1
    assert '<td class="num">1.5</td>' in html_table([[1.5]], ["a"])
