"""HTML rendering of a text explanation: words coloured by any method, the top interactions.

:func:`to_html` is self-contained HTML (every piece of text escaped with ``html.escape``);
:func:`save_html` writes it to a file. Both take ``(space, explanation)`` like every
visualizer; ``colour_by=`` colours the words by another method (an ``Attribution``).
"""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from interactkit.visualizers.text_common import (
    Explained,
    check_space,
    effect_name,
    effects_of,
    interaction_label,
    interactions_of,
    target_text,
)

if TYPE_CHECKING:  # pragma: no cover
    from interactkit.adapters.text import TextSpace

__all__ = ["save_html", "to_html"]

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
    explanation: Explained,
    k: int = 5,
    *,
    colour_by: Explained | None = None,
    pairs_only: bool = False,
    full_page: bool = False,
    title: str | None = None,
) -> str:
    """An HTML rendering: the text with coloured words and a table of the top interactions.

    Every word, gap, label and title is escaped with :func:`html.escape`, so a text containing
    markup (``<script>...``) is shown, never executed.

    Args:
        space: the explained :class:`~interactkit.adapters.text.TextSpace`.
        explanation: its ``LocalExplanation`` (or an ``Attribution``: colours, no table).
        k: interactions listed (words of interaction ``r`` carry a superscript ``r``).
        colour_by: colour the words by this method (an ``Attribution`` or an explanation of
            the same text) instead of ``explanation``'s main effects.
        pairs_only: list the top pairs instead of the top interaction sets.
        full_page: return a whole ``<!DOCTYPE html>`` document instead of a ``<div>`` fragment.
        title: heading (default: the explained class and its logit).

    Returns:
        the HTML as a string.
    """
    colour_by = explanation if colour_by is None else colour_by
    check_space(space, explanation)
    check_space(space, colour_by)
    esc = html.escape
    words = list(space.words)
    n = len(words)
    effects = effects_of(colour_by, n)
    inters = interactions_of(explanation, k, pairs_only)
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
            f'title="{esc(f"{effect_name(colour_by)} {effects[i]:+.4g}")}" '
            f'style="background:{bg};color:{fg};padding:1px 3px;border-radius:3px;'
            f'border:1px solid #bbb">{esc(text[start:end])}{sup}</span>'
        )
        last = max(last, end)
    if last < len(text):
        pieces.append(esc(text[last:]))

    if title is None:
        full = getattr(space, "full_value", None)
        title = f"Explained: {target_text(space)}"
        if full is not None and np.isfinite(full):
            title += f" = {full:.4g}"
    rows = []
    for rank, inter in enumerate(inters):
        effect = getattr(inter, "effect", None)
        effect_text = "" if effect is None else f"{float(effect):+.4g}"
        rows.append(
            f"<tr><td>{rank + 1}</td><td>{esc(interaction_label(space, inter))}</td>"
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
        f'<p style="font-size:80%;color:#555">Background: {esc(effect_name(colour_by))} on the '
        f"{esc(target_text(space))} (red raises it, blue lowers it; max |effect| "
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
    explanation: Explained,
    path: str | os.PathLike[str],
    **kwargs: Any,
) -> str:
    """Write :func:`to_html` (a full page by default) to ``path``; returns the path as a string.

    ``kwargs`` are :func:`to_html`'s (``k``, ``colour_by``, ``pairs_only``, ``full_page``,
    ``title``).
    """
    kwargs.setdefault("full_page", True)
    page = to_html(space, explanation, **kwargs)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(page)
    return os.fspath(path)
