"""Text visualizations: words coloured by main effect, arcs between interacting words.

* :func:`plot_text` -- a matplotlib ``Figure``: the sentence, each word's background coloured by
  its main effect (diverging colormap centred at 0), arcs between the words of the top
  interactions (width and opacity by strength, one colour per interaction, legend).
* :func:`to_html` -- a self-contained HTML rendering (every piece of text escaped with
  ``html.escape``); :func:`save_html` writes it to a file.

Every function takes ``(space, explanation)`` first: the
:class:`~interactkit.adapters.text.TextSpace` that was explained (words, character spans, text,
target) and the core's ``LocalExplanation`` of that space (``.top(k)``/``.pairs(k)`` ->
interactions with ``features``/``strength``/``effect``, ``.main_effects``). matplotlib is
imported inside the functions only.
"""

from __future__ import annotations

import html
import itertools
import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from interactkit.adapters.text import TextSpace
    from interactkit.results import Interaction, LocalExplanation

__all__ = ["plot_text", "save_html", "to_html"]

_PALETTE = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
    "#1f78b4",
    "#b2df8a",
)


def _interactions(explanation: LocalExplanation, k: int, pairs_only: bool) -> list[Interaction]:
    if k <= 0:
        return []
    return list(explanation.pairs(k) if pairs_only else explanation.top(k))


def _main_effects(explanation: LocalExplanation, n: int) -> np.ndarray:
    """``float64[n]`` main effects (zeros when the explanation has none)."""
    effects = getattr(explanation, "main_effects", None)
    if effects is None:
        return np.zeros(n)
    effects = np.asarray(effects, dtype=np.float64).reshape(-1)
    if effects.shape[0] != n:
        raise ValueError(
            f"the explanation has {effects.shape[0]} main effects but the text has {n} "
            "features; pass the TextSpace the explanation was computed on"
        )
    return np.nan_to_num(effects)


def _check(space: TextSpace, explanation: LocalExplanation) -> None:
    for attr in ("words", "spans", "text"):
        if not hasattr(space, attr):
            raise TypeError(
                f"expected a TextSpace (with .words, .spans, .text), got {type(space).__name__}"
            )
    n = getattr(explanation, "n_features", None)
    if n is not None and int(n) != len(space.words):
        raise ValueError(
            f"the explanation has {n} features but the text has {len(space.words)}; pass the "
            "TextSpace the explanation was computed on"
        )


def _label(space: TextSpace, inter: Interaction, max_words: int | None = None) -> str:
    words = [space.words[f] for f in inter.features]
    if max_words is not None and len(words) > max_words:
        return " × ".join(words[: max_words - 1]) + f" × … ({len(words)} words)"
    return " × ".join(words)


def _target_text(space: TextSpace) -> str:
    label = getattr(space, "target_label", None)
    target = getattr(space, "target", None)
    if label:
        return f"{label} logit"
    if target is not None and target >= 0:
        return f"class {target} logit"
    return "output"


# --------------------------------------------------------------------------------------------
# matplotlib figure
# --------------------------------------------------------------------------------------------


def plot_text(
    space: TextSpace,
    explanation: LocalExplanation,
    k: int = 5,
    *,
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
        explanation: its ``LocalExplanation``.
        k: how many top interactions get an arc (sets of 3+ words: arcs between consecutive
            members, in one colour).
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
    _check(space, explanation)
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    words = list(space.words)
    n = len(words)
    effects = _main_effects(explanation, n)
    inters = _interactions(explanation, k, pairs_only)
    vmax = float(np.max(np.abs(effects))) if n else 0.0
    vmax = vmax if vmax > 0 else 1.0
    norm = Normalize(vmin=-vmax, vmax=vmax)
    colormap = matplotlib.colormaps[cmap]

    # -- measure the words (pixels) ----------------------------------------------------------
    probe = Figure(figsize=(width, 2.0), dpi=dpi)
    renderer = FigureCanvasAgg(probe).get_renderer()
    sizes = []
    for word in words:
        t = probe.text(0, 0, word, fontsize=fontsize)
        box = t.get_window_extent(renderer)
        sizes.append((box.width, box.height))
    text_h = max((h for _, h in sizes), default=fontsize * dpi / 72) or fontsize * dpi / 72
    space_w = 0.45 * fontsize * dpi / 72
    pad = 0.25 * fontsize * dpi / 72

    # -- lay out lines ------------------------------------------------------------------------
    total_w = width * dpi
    margin = 0.03 * total_w
    usable = total_w - 2 * margin
    line_of, x_of = [], []
    x, line = 0.0, 0
    for w, _ in sizes:
        if x > 0 and x + w > usable:
            line, x = line + 1, 0.0
        line_of.append(line)
        x_of.append(margin + x)
        x += w + space_w + 2 * pad
    n_lines = (line + 1) if n else 1
    arc_room = 3.2 * text_h
    line_h = text_h + 2 * pad + arc_room
    legend_rows = math.ceil(len(inters) / 2) if inters else 0
    bottom_px = 0.9 * dpi + legend_rows * 0.3 * dpi
    top_px = 0.5 * dpi
    total_h = top_px + n_lines * line_h + bottom_px

    fig = Figure(figsize=(width, total_h / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, total_w)
    ax.set_ylim(0, total_h)
    ax.axis("off")

    centres = []
    for i, word in enumerate(words):
        baseline = total_h - top_px - (line_of[i] + 1) * line_h + pad
        colour = colormap(norm(effects[i]))
        ax.text(
            x_of[i] + pad,
            baseline,
            word,
            fontsize=fontsize,
            va="baseline",
            ha="left",
            parse_math=False,
            color="black" if abs(norm(effects[i]) - 0.5) < 0.35 else "white",
            bbox={"facecolor": colour, "edgecolor": "#999999", "boxstyle": "round,pad=0.25"},
        )
        centres.append((x_of[i] + pad + sizes[i][0] / 2, baseline + text_h + pad))

    # -- arcs ----------------------------------------------------------------------------------
    strengths = [abs(float(inter.strength)) for inter in inters]
    smax = max(strengths, default=0.0) or 1.0
    handles = []
    for rank, inter in enumerate(inters):
        members = sorted(int(f) for f in inter.features)
        colour = _PALETTE[rank % len(_PALETTE)]
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
        label = f"#{rank + 1} {_label(space, inter, 5)} ({float(inter.strength):.3g})"
        label = label.replace("$", r"\$")  # legend text is parsed as mathtext
        handles.append(Line2D([0], [0], color=colour, linewidth=lw, alpha=alpha, label=label))
    if handles:
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

    # -- colorbar ------------------------------------------------------------------------------
    from matplotlib.cm import ScalarMappable

    bar_bottom = (legend_rows * 0.3 * dpi + 0.3 * dpi) / total_h
    cax = fig.add_axes((0.62, bar_bottom, 0.34, 0.12 * dpi / total_h))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=colormap), cax=cax, orientation="horizontal")
    bar.set_label(f"main effect on the {_target_text(space)}", fontsize=max(fontsize * 0.65, 7))
    bar.ax.tick_params(labelsize=max(fontsize * 0.6, 6))

    if title is None:
        full = getattr(space, "full_value", None)
        title = f"explained: {_target_text(space)}"
        if full is not None and np.isfinite(full):
            title += f" = {full:.3g}"
    ax.text(
        margin, total_h - 0.3 * dpi, title, fontsize=fontsize * 0.85, va="center", parse_math=False
    )
    return fig


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_NEG = (33, 102, 172)
_MID = (247, 247, 247)
_POS = (178, 24, 43)


def _html_colour(value: float, vmax: float) -> tuple[str, str]:
    """Background and text colours for a main effect (blue negative, red positive)."""
    t = 0.0 if vmax <= 0 else max(-1.0, min(1.0, value / vmax))
    end = _POS if t > 0 else _NEG
    a = abs(t)
    rgb = tuple(round(m + (e - m) * a) for m, e in zip(_MID, end, strict=True))
    text = "#ffffff" if a > 0.6 else "#111111"
    return f"rgb({rgb[0]},{rgb[1]},{rgb[2]})", text


def to_html(
    space: TextSpace,
    explanation: LocalExplanation,
    k: int = 5,
    *,
    pairs_only: bool = False,
    full_page: bool = False,
    title: str | None = None,
) -> str:
    """An HTML rendering: the text with coloured words and a table of the top interactions.

    Every word, gap, label and title is escaped with :func:`html.escape`, so a text containing
    markup (``<script>...``) is shown, never executed.

    Args:
        space: the explained :class:`~interactkit.adapters.text.TextSpace`.
        explanation: its ``LocalExplanation``.
        k: interactions listed (words of interaction ``r`` carry a superscript ``r``).
        pairs_only: list the top pairs instead of the top interaction sets.
        full_page: return a whole ``<!DOCTYPE html>`` document instead of a ``<div>`` fragment.
        title: heading (default: the explained class and its logit).

    Returns:
        the HTML as a string.
    """
    _check(space, explanation)
    esc = html.escape
    words = list(space.words)
    n = len(words)
    effects = _main_effects(explanation, n)
    inters = _interactions(explanation, k, pairs_only)
    vmax = float(np.max(np.abs(effects))) if n else 0.0
    ranks: list[list[int]] = [[] for _ in range(n)]
    for rank, inter in enumerate(inters):
        for f in inter.features:
            ranks[int(f)].append(rank + 1)

    text = space.text
    order = sorted(range(n), key=lambda i: space.spans[i][0])
    pieces = []
    last = 0
    for i in order:
        start, end = space.spans[i]
        if start > last:
            pieces.append(esc(text[last:start]))
        bg, fg = _html_colour(float(effects[i]), vmax)
        marks = ",".join(str(r) for r in ranks[i])
        sup = f"<sup>{esc(marks)}</sup>" if marks else ""
        pieces.append(
            f'<span class="ik-word" data-feature="{i}" '
            f'title="{esc(f"main effect {effects[i]:+.4g}")}" '
            f'style="background:{bg};color:{fg};padding:1px 3px;border-radius:3px;'
            f'border:1px solid #bbb">{esc(text[start:end])}{sup}</span>'
        )
        last = max(last, end)
    if last < len(text):
        pieces.append(esc(text[last:]))

    if title is None:
        full = getattr(space, "full_value", None)
        title = f"Explained: {_target_text(space)}"
        if full is not None and np.isfinite(full):
            title += f" = {full:.4g}"
    rows = []
    for rank, inter in enumerate(inters):
        effect = getattr(inter, "effect", None)
        effect_text = "" if effect is None else f"{float(effect):+.4g}"
        rows.append(
            f"<tr><td>{rank + 1}</td><td>{esc(_label(space, inter))}</td>"
            f"<td>{float(inter.strength):.4g}</td><td>{esc(effect_text)}</td></tr>"
        )
    table = (
        '<table class="ik-interactions" style="border-collapse:collapse;margin-top:8px">'
        "<thead><tr><th>#</th><th>words</th><th>strength</th><th>effect</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>No interactions.</p>"
    )
    legend = (
        '<p style="font-size:80%;color:#555">Background: main effect on the '
        f"{esc(_target_text(space))} (red raises it, blue lowers it; max |effect| "
        f"{vmax:.3g}). Superscripts: rank of the interactions a word belongs to.</p>"
    )
    body = (
        '<div class="interactkit-text" style="font-family:sans-serif;max-width:60em">'
        f"<h3>{esc(title)}</h3>"
        f'<p style="line-height:2.3;font-size:120%">{"".join(pieces)}</p>'
        f"{legend}{table}</div>"
    )
    if not full_page:
        return body
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head><body>{body}</body></html>\n"
    )


def save_html(
    space: TextSpace,
    explanation: LocalExplanation,
    path: str | os.PathLike[str],
    **kwargs: Any,
) -> str:
    """Write :func:`to_html` (a full page by default) to ``path``; returns the path as a string.

    ``kwargs`` are :func:`to_html`'s (``k``, ``pairs_only``, ``full_page``, ``title``).
    """
    kwargs.setdefault("full_page", True)
    page = to_html(space, explanation, **kwargs)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(page)
    return os.fspath(path)
