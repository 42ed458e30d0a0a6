"""CTR figures: global, local, crossing and pair-effect figures; user strings drawn literally.
(The HTML report's escaping: test_report_kit.py, test_report_browser.py.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from interactkit import GlobalExplanation, GlobalInteraction, Interaction, LocalExplanation
from interactkit.adapters.ctr import CTRExplainer, Field, Schema
from interactkit.adapters.ctr.audit import PairEffect
from interactkit.visualizers import ctr as viz
from interactkit.visualizers.ctr_pairs import plot_pair_effects

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


def _pair_effect(**change: object) -> PairEffect:
    values = {
        "fields": ("<img src=x>", "spend_$_usd_$"),
        "values_a": ["<b>bold</b>", "$a$"],
        "values_b": ["x", "y_$", "z"],
        "mean": [[0.1, 0.2, 0.3], [0.3, 0.1, 0.05]],
        "effect": [[-0.05, 0.02, 0.03], [0.05, -0.02, -0.03]],
        "support": [[10, 4, 2], [7, 7, 1]],
        "n_rows": 64,
    }
    return PairEffect(**{**values, **change})  # type: ignore[arg-type]


def test_pair_effects_figure_takes_a_pair_effect() -> None:
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    fig = plot_pair_effects(_pair_effect())
    drawn = [t.get_text() for t in fig.findobj(Text)]
    assert "How <img src=x> and spend_$_usd_$ interact" in drawn  # the title, literally
    mean_ax, effect_ax = fig.axes[:2]
    assert [t.get_text() for t in mean_ax.get_yticklabels()] == ["<b>bold</b>", "$a$"]
    assert all(not t.get_parse_math() for t in mean_ax.get_xticklabels())  # "$" drawn literally
    assert "over 64 rows" in mean_ax.get_title()
    low, high = effect_ax.images[0].get_clim()
    assert low == -high == -0.05  # diverging scale centred on 0
    texts = [t.get_text() for t in mean_ax.texts]
    assert "0.100\nn=10" in texts  # value and support annotated
    plt.close(fig)
    empty = plot_pair_effects(_pair_effect(values_a=[], mean=[], effect=[], support=[]))
    assert "no values" in [t.get_text() for t in empty.axes[0].texts]
    plt.close(empty)
    opened = plt.get_fignums()
    with pytest.raises(ValueError, match=r"'effect' has shape \(2, 2\), expected \(2, 3\)"):
        plot_pair_effects(_pair_effect(effect=[[0.0, 0.1], [0.2, 0.3]]))
    with pytest.raises(ValueError, match="'mean' has ragged rows"):
        plot_pair_effects(_pair_effect(mean=[[0.1, 0.2, 0.3], [0.3]]))
    assert plt.get_fignums() == opened  # a failed figure is closed
