"""Text visualizations: words coloured by main effect, arcs between interacting words.

* :func:`plot_text` -- a matplotlib ``Figure``: the sentence, each word's background coloured by
  its main effect (diverging colormap centred at 0), arcs between the words of the top
  interactions (width and opacity by strength, one colour per interaction, legend).
* :func:`plot_text_methods` -- several attribution methods side by side: the sentence once per
  method, words coloured by that method's values;
* :func:`to_html` -- a self-contained HTML rendering (every piece of text escaped with
  ``html.escape``); :func:`save_html` writes it to a file.

Every function takes ``(space, explanation)`` first: the
:class:`~interactkit.adapters.text.TextSpace` that was explained (words, character spans, text,
target) and the core's ``LocalExplanation`` of that space (``.top(k)``/``.pairs(k)`` ->
interactions with ``features``/``strength``/``effect``, ``.main_effects``) or an
:class:`~interactkit.Attribution` (its values colour the words; it has no interactions).
``colour_by=`` colours the words by any method while the arcs stay the explanation's.
matplotlib is imported inside the functions only.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from interactkit.visualizers.text_common import (
    PALETTE,
    Explained,
    check_items,
    check_space,
    draw_words,
    effect_name,
    effects_of,
    interaction_label,
    interactions_of,
    layout_words,
    literal,
    target_text,
)
from interactkit.visualizers.text_html import save_html, to_html

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from interactkit.adapters.text import TextSpace

__all__ = ["plot_text", "plot_text_methods", "save_html", "to_html"]


def plot_text(
    space: TextSpace,
    explanation: Explained,
    k: int = 5,
    *,
    colour_by: Explained | None = None,
    pairs_only: bool = False,
    width: float = 10.0,
    fontsize: float = 14.0,
    cmap: str = "RdBu_r",
    title: str | None = None,
    dpi: int = 100,
) -> Figure:
    """The sentence with main-effect colours and interaction arcs.

    Args:
        space: the :class:`~interactkit.adapters.text.TextSpace` that was explained.
        explanation: its ``LocalExplanation`` (or an ``Attribution``: colours, no arcs).
        k: how many top interactions get an arc (sets of 3+ words: arcs between consecutive
            members, in one colour).
        colour_by: colour the words by this method's values (an ``Attribution`` or another
            explanation of the same text) instead of ``explanation``'s main effects.
        pairs_only: draw the top-``k`` pairs (``explanation.pairs(k)``) instead of the top-``k``
            interaction sets.
        width: figure width in inches; the height follows from the number of lines.
        fontsize: word font size in points.
        cmap: a diverging matplotlib colormap (centred at a main effect of 0).
        title: figure title (default: the explained class and its logit).
        dpi: figure resolution.

    Returns:
        a ``matplotlib.figure.Figure`` (not attached to pyplot; save it with ``savefig``).
    """
    colour_by = explanation if colour_by is None else colour_by
    check_space(space, explanation)
    check_space(space, colour_by)
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    words = list(space.words)
    n = len(words)
    effects = effects_of(colour_by, n)
    inters = interactions_of(explanation, k, pairs_only)
    vmax = float(np.max(np.abs(effects))) if n else 0.0
    vmax = vmax if vmax > 0 else 1.0
    norm = Normalize(vmin=-vmax, vmax=vmax)
    colormap = matplotlib.colormaps[cmap]

    lay = layout_words(words, width, fontsize, dpi)
    text_h, pad, total_w, margin = lay["text_h"], lay["pad"], lay["total_w"], lay["margin"]
    arc_room = 3.2 * text_h
    line_h = text_h + 2 * pad + arc_room
    legend_rows = math.ceil(len(inters) / 2) if inters else 0
    bottom_px = 0.9 * dpi + legend_rows * 0.3 * dpi
    top_px = 0.5 * dpi
    total_h = top_px + lay["n_lines"] * line_h + bottom_px

    fig = Figure(figsize=(width, total_h / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, total_w)
    ax.set_ylim(0, total_h)
    ax.axis("off")
    norms = np.asarray([norm(v) for v in effects])
    colours = [colormap(v) for v in norms]
    centres = draw_words(ax, lay, words, colours, total_h - top_px, line_h, fontsize, norms)

    # -- arcs ----------------------------------------------------------------------------------
    strengths = [abs(float(inter.strength)) for inter in inters]
    smax = max(strengths, default=0.0) or 1.0
    handles = []
    for rank, inter in enumerate(inters):
        members = sorted(int(f) for f in inter.features)
        colour = PALETTE[rank % len(PALETTE)]
        rel = abs(float(inter.strength)) / smax
        lw = 1.0 + 5.0 * rel
        alpha = 0.35 + 0.65 * rel
        for a, b in itertools.pairwise(members):
            (x0, y0), (x1, y1) = centres[a], centres[b]
            rise = min(arc_room * 0.95, 0.5 * text_h + 0.25 * abs(x1 - x0)) * (
                0.75 + 0.25 * (rank % 2)
            )
            top = max(y0, y1) + rise
            path = Path(
                [(x0, y0), (x0, top), (x1, top), (x1, y1)],
                [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4],
            )
            ax.add_patch(
                PathPatch(path, facecolor="none", edgecolor=colour, linewidth=lw, alpha=alpha)
            )
        label = f"#{rank + 1} {interaction_label(space, inter, 5)} ({float(inter.strength):.3g})"
        handles.append(Line2D([0], [0], color=colour, linewidth=lw, alpha=alpha, label=label))
    if handles:
        literal(
            ax.legend(
                handles=handles,
                loc="lower left",
                bbox_to_anchor=(0.02, 0.0),
                ncol=2,
                fontsize=max(fontsize * 0.7, 7),
                frameon=False,
                title="top interactions (width = strength)",
                title_fontsize=max(fontsize * 0.7, 7),
            )
        )

    # -- colorbar ------------------------------------------------------------------------------
    from matplotlib.cm import ScalarMappable

    bar_bottom = (legend_rows * 0.3 * dpi + 0.3 * dpi) / total_h
    cax = fig.add_axes((0.62, bar_bottom, 0.34, 0.12 * dpi / total_h))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=colormap), cax=cax, orientation="horizontal")
    label = f"{effect_name(colour_by)} on the {target_text(space)}"
    bar.set_label(label, fontsize=max(fontsize * 0.65, 7), parse_math=False)
    bar.ax.tick_params(labelsize=max(fontsize * 0.6, 6))

    if title is None:
        full = getattr(space, "full_value", None)
        title = f"explained: {target_text(space)}"
        if full is not None and np.isfinite(full):
            title += f" = {full:.3g}"
    ax.text(
        margin, total_h - 0.3 * dpi, title, fontsize=fontsize * 0.85, va="center", parse_math=False
    )
    return fig


def plot_text_methods(
    space: TextSpace,
    items: Sequence[Explained],
    *,
    shared_scale: bool = False,
    width: float = 10.0,
    fontsize: float = 13.0,
    cmap: str = "RdBu_r",
    title: str | None = None,
    dpi: int = 100,
) -> Figure:
    """Several methods side by side: the sentence once per method, words coloured by it.

    Args:
        space: the explained :class:`~interactkit.adapters.text.TextSpace`.
        items: ``Attribution`` s and/or ``LocalExplanation`` s (their main effects) of the text.
        shared_scale: one colour scale for all methods (default: each scaled to its own
            largest ``|value|``, so that methods of different units compare by pattern).
        width, fontsize, cmap, dpi: as :func:`plot_text`.
        title: figure title (default: the explained class).

    Returns:
        a ``matplotlib.figure.Figure`` with one block per method (its name and largest
        ``|value|`` above the words).
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    items = check_items(items, "plot_text_methods")
    if not items:
        raise ValueError("plot_text_methods needs at least one attribution or explanation")
    for item in items:
        check_space(space, item)
    words = list(space.words)
    values = np.stack([effects_of(item, len(words)) for item in items])
    peaks = np.abs(values).max(axis=1, initial=0.0)
    if shared_scale:
        peaks[:] = peaks.max(initial=0.0)
    peaks[peaks == 0] = 1.0
    colormap = matplotlib.colormaps[cmap]
    lay = layout_words(words, width, fontsize, dpi)
    line_h = lay["text_h"] + 3 * lay["pad"]
    head_h = 1.6 * lay["text_h"]
    block_h = head_h + lay["n_lines"] * line_h + 0.15 * dpi
    top_px = 0.55 * dpi
    total_h = top_px + len(items) * block_h + 0.2 * dpi
    fig = Figure(figsize=(width, total_h / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, lay["total_w"])
    ax.set_ylim(0, total_h)
    ax.axis("off")
    for row, item in enumerate(items):
        top = total_h - top_px - row * block_h
        name = getattr(item, "method", "?")
        extra = f", {item.n_queries} queries" if getattr(item, "n_queries", 0) else ""
        label = f"{name} ({effect_name(item)}; colour scale ±{peaks[row]:.3g}{extra})"
        ax.text(lay["margin"], top - 0.5 * head_h, label, fontsize=fontsize * 0.75,
                va="center", parse_math=False, color="#333333")  # fmt: skip
        norms = np.clip(values[row] / peaks[row], -1.0, 1.0) / 2 + 0.5
        colours = [colormap(v) for v in norms]
        draw_words(ax, lay, words, colours, top - head_h, line_h, fontsize, norms)
    if title is None:
        title = f"attributions of the {target_text(space)}, method by method (red raises it)"
    ax.text(lay["margin"], total_h - 0.3 * dpi, title, fontsize=fontsize * 0.85, va="center",
            parse_math=False)  # fmt: skip
    return fig
