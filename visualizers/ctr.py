"""Figures for ad-model audits (matplotlib, imported lazily inside each function).

* :func:`plot_global_frequencies` -- GLIDER's global interactions with frequency intervals;
* :func:`plot_pair_heatmap` -- field x field mean pairwise interaction strength;
* :func:`plot_interaction_graph` -- fields as nodes, global interactions as weighted edges;
* :func:`plot_crossing_gains` -- test AUC change of crossed / random-crossed targets per model;
* :func:`plot_local_explanation` -- one impression: main effects per field and top interactions;
* :func:`plot_attribution_comparison` -- one impression: each field's effect by several methods
  (grouped bars), fields whose sign the methods disagree on marked.

(How two fields interact over a grid of their values: :mod:`interactkit.visualizers.ctr_pairs`.)
User strings (field names, values, titles) are drawn literally (``parse_math=False``).

Global figures take a :class:`~interactkit.GlobalExplanation`; the local figure takes
``(space, explanation)`` like every visualizer (the space holds the impression's field values).
Every function returns a ``matplotlib.figure.Figure``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from interactkit import Attribution, GlobalExplanation, LocalExplanation
    from interactkit.adapters.ctr import CTRSpace

__all__ = [
    "plot_attribution_comparison",
    "plot_crossing_gains",
    "plot_global_frequencies",
    "plot_interaction_graph",
    "plot_local_explanation",
    "plot_pair_heatmap",
]


def _plt() -> Any:
    import matplotlib.pyplot as plt

    return plt


def _literal_legend(legend: Any) -> None:
    """Draw a legend's labels literally (method or variant names are not mathtext)."""
    for text in legend.get_texts():
        text.set_parse_math(False)


def _label(names: Sequence[str], width: int = 48) -> str:
    text = " × ".join(names)
    return text if len(text) <= width else text[: width - 1] + "…"


def plot_global_frequencies(
    global_exp: GlobalExplanation, k: int = 20, title: str | None = None
) -> Figure:
    """Horizontal bars of the top ``k`` global interactions' frequencies with their intervals."""
    plt = _plt()
    items = global_exp.interactions[:k]
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(len(items), 1) + 1.2))
    if not items:
        ax.text(0.5, 0.5, "no global interactions", ha="center", va="center")
        ax.set_axis_off()
        return fig
    y = np.arange(len(items))[::-1]
    freq = np.array([it.frequency for it in items])
    err = np.array(
        [[it.frequency - it.ci_low for it in items], [it.ci_high - it.frequency for it in items]]
    )
    colors = [
        "#4a78c2" if it.order == 2 else "#c2784a" if it.order == 3 else "#7a4ac2" for it in items
    ]
    ax.barh(y, freq, xerr=err, color=colors, capsize=3, alpha=0.9)
    ax.set_yticks(y, [_label(it.names) for it in items], parse_math=False)
    ax.set_xlim(0, min(1.0, float((freq + err[1]).max()) * 1.15 + 1e-9))
    ax.set_xlabel(f"frequency among {global_exp.n_instances} explained instances (95% interval)")
    ax.set_title(title or "Global interactions (GLIDER)", parse_math=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_pair_heatmap(global_exp: GlobalExplanation, title: str | None = None) -> Figure:
    """Field x field heatmap of mean normalised pairwise strength (needs shared field names)."""
    plt = _plt()
    if global_exp.pair_strength is None or global_exp.feature_names is None:
        raise ValueError(
            "this global explanation has no pair strengths (instances had different features)"
        )
    mat = np.asarray(global_exp.pair_strength)
    names = global_exp.feature_names
    size = max(5.0, 0.32 * len(names) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(mat, cmap="viridis", vmin=0)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=8, parse_math=False)
    ax.set_yticks(range(len(names)), names, fontsize=8, parse_math=False)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="mean pairwise strength / instance max")
    ax.set_title(title or "Pairwise interaction strength between fields", parse_math=False)
    fig.tight_layout()
    return fig


def plot_interaction_graph(
    global_exp: GlobalExplanation, k: int = 20, title: str | None = None
) -> Figure:
    """Fields on a circle; each global interaction links its fields, width by frequency.

    A set of three or more fields is drawn as the edges of its clique, in the set's colour.
    """
    plt = _plt()
    items = global_exp.interactions[:k]
    fields = sorted({n for it in items for n in it.names})
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.set_axis_off()
    if not fields:
        ax.text(0.5, 0.5, "no global interactions", ha="center", va="center")
        return fig
    angle = {f: 2 * math.pi * i / len(fields) for i, f in enumerate(fields)}
    pos = {f: (math.cos(a), math.sin(a)) for f, a in angle.items()}
    cmap = plt.get_cmap("tab10")
    max_freq = max(it.frequency for it in items) or 1.0
    for idx, it in enumerate(items):
        color = cmap(idx % 10)
        width = 1 + 6 * it.frequency / max_freq
        names = list(it.names)
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                (x0, y0), (x1, y1) = pos[names[a]], pos[names[b]]
                ax.plot(
                    [x0, x1], [y0, y1], color=color, lw=width, alpha=0.55, solid_capstyle="round"
                )
    for f, (x, y) in pos.items():
        ax.scatter([x], [y], s=260, color="white", edgecolor="#333", zorder=3)
        ax.text(1.17 * x, 1.17 * y, f, ha="center", va="center", fontsize=9, parse_math=False)
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.set_title(title or "Interaction graph (edge width = frequency)", parse_math=False)
    return fig


def plot_crossing_gains(
    results: pd.DataFrame,
    metric: str = "auc",
    baseline: str = "baseline",
    title: str | None = None,
) -> Figure:
    """Per target model, the change of a test metric over the baseline, mean ± std over seeds.

    Args:
        results: one row per (model, variant, seed) with a column for ``metric``; variants are
            e.g. ``"baseline"``, ``"glider"`` (+ GLIDER crosses), ``"random"`` (control).
    """
    plt = _plt()
    for col in ("model", "variant", "seed", metric):
        if col not in results.columns:
            raise ValueError(f"results need a {col!r} column, got {list(results.columns)}")
    base = results[results["variant"] == baseline].set_index(["model", "seed"])[metric]
    others = [v for v in results["variant"].unique() if v != baseline]
    models = list(dict.fromkeys(results["model"]))
    fig, ax = plt.subplots(figsize=(1.6 * len(models) + 3, 4))
    width = 0.8 / max(len(others), 1)
    for j, variant in enumerate(others):
        rows = results[results["variant"] == variant].set_index(["model", "seed"])[metric]
        diff = (rows - base.reindex(rows.index)).groupby(level="model")
        mean = diff.mean().reindex(models)
        std = diff.std(ddof=0).reindex(models).fillna(0)
        x = np.arange(len(models)) + (j - (len(others) - 1) / 2) * width
        ax.bar(x, mean.values * 1e4, width, yerr=std.values * 1e4, capsize=3, label=str(variant))
    ax.axhline(0, color="#333", lw=0.8)
    ax.set_xticks(np.arange(len(models)), [str(m) for m in models], parse_math=False)
    ax.set_ylabel(f"Δ test {metric} vs {baseline} (×1e-4)")
    ax.set_title(title or f"Crossing gains ({metric}, mean ± std over seeds)", parse_math=False)
    _literal_legend(ax.legend())
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_local_explanation(
    space: CTRSpace,
    explanation: LocalExplanation,
    k: int = 8,
    title: str | None = None,
) -> Figure:
    """One impression: signed main effect per field and the strongest interactions.

    Args:
        space: the impression's feature space (its readable field values label the bars).
        explanation: the explanation of ``space`` (feature names = field names).
        k: how many interactions to show.
    """
    if explanation.n_features != space.n_features:
        raise ValueError(
            f"the explanation has {explanation.n_features} features but the space has "
            f"{space.n_features}; pass the space that was explained"
        )
    plt = _plt()
    exp = explanation
    values = space.values
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 0.3 * exp.n_features + 1.5))
    labels = [f"{n} = {values[n]}" if n in values else n for n in exp.feature_names]
    effects = np.asarray(exp.main_effects)
    y = np.arange(len(labels))[::-1]
    ax1.barh(y, effects, color=["#c24a4a" if v < 0 else "#4a78c2" for v in effects])
    ax1.set_yticks(y, labels, fontsize=8, parse_math=False)
    ax1.axvline(0, color="#333", lw=0.8)
    ax1.set_xlabel("main effect on the logit")
    ax1.set_title("Main effects")
    items = (exp.detected if exp.detected else exp.interactions)[:k]
    y2 = np.arange(len(items))[::-1]
    strengths = [it.strength for it in items]
    ax2.barh(y2, strengths, color="#c2784a")
    ax2.set_yticks(y2, [_label(it.names, 40) for it in items], fontsize=8, parse_math=False)
    ax2.set_xlabel("interaction strength")
    ax2.set_title("Detected interactions" if exp.detected else "Top interactions")
    for yy, it in zip(y2, items):
        if it.effect is not None:
            ax2.text(it.strength, yy, f" {it.effect:+.2f}", va="center", fontsize=8)
    if title:
        fig.suptitle(title, parse_math=False)
    fig.tight_layout()
    return fig


def plot_attribution_comparison(
    space: CTRSpace,
    items: Sequence[Attribution | LocalExplanation],
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """One impression: each field's effect by several methods, as grouped horizontal bars.

    A field is *consistent* when every method to which it matters gives it the same sign
    (:func:`interactkit.compare_attributions`); inconsistent fields are shaded and marked ✗.

    Args:
        space: the impression's feature space (its field values label the bars).
        items: at least two ``Attribution`` s or explanations (main effects) of ``space``.
        normalize: divide each method's values by its largest ``|value|`` (compare patterns
            of methods in different units); default: logit units as given.
        title: figure title.
    """
    from interactkit import compare_attributions

    agreement = compare_attributions(list(items))
    if agreement.feature_names != list(space.feature_names):
        raise ValueError(
            "the attributions are not of this space's fields; pass the space explained"
        )
    values = agreement.values.copy()
    if normalize:
        peaks = np.abs(values).max(axis=1, keepdims=True)
        values /= np.where(peaks > 0, peaks, 1.0)
    plt = _plt()
    m, n = values.shape
    fig, ax = plt.subplots(figsize=(9, 0.25 * n * max(m, 2) + 1.6))
    shown = space.values
    labels = [
        f"{name} = {shown[name]}" if name in shown else name for name in agreement.feature_names
    ]
    labels = [f"{lab}  {'✓' if ok else '✗'}" for lab, ok in zip(labels, agreement.consistent)]
    y = np.arange(n)[::-1].astype(float)
    height = 0.8 / m
    colours = plt.get_cmap("tab10")
    for j, method in enumerate(agreement.methods):
        ax.barh(y + (m - 1 - 2 * j) * height / 2, values[j], height, color=colours(j % 10),
                label=method)  # fmt: skip
    for yy, ok in zip(y, agreement.consistent):
        if not ok:
            ax.axhspan(yy - 0.45, yy + 0.45, color="#f4cccc", zorder=0)
    ax.set_yticks(y, labels, fontsize=8, parse_math=False)
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_xlabel("effect / largest |effect| of the method" if normalize else "effect on the logit")
    summary = agreement.summary()
    rank = summary["rank_correlation"]
    ax.set_title(
        title
        or f"Effects by method (✗ = signs differ; mean rank correlation "
        f"{'n/a' if rank is None else f'{rank:.2f}'})",
        parse_math=False,
    )
    _literal_legend(ax.legend(fontsize=8, loc="best"))
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
