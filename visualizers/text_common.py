"""What the text figures and the HTML rendering share: checks, effects, labels, word layout.

Every function takes a :class:`~interactkit.adapters.text.TextSpace` and a ``LocalExplanation``
or an :class:`~interactkit.Attribution` (an attribution colours words; it has no interactions).
matplotlib is imported inside the functions only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from interactkit import Attribution, LocalExplanation
from interactkit.extend import check_int

if TYPE_CHECKING:  # pragma: no cover
    from interactkit import Interaction
    from interactkit.adapters.text import TextSpace

__all__ = [
    "PALETTE",
    "Explained",
    "check_explained",
    "check_items",
    "check_space",
    "draw_words",
    "effect_name",
    "effects_of",
    "interaction_label",
    "interactions_of",
    "layout_words",
    "literal",
    "target_text",
]

#: what colours the words: an explanation's main effects or an attribution's values
Explained: TypeAlias = "LocalExplanation | Attribution"

PALETTE = tuple(
    "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666 #1f78b4 #b2df8a".split()
)


def interactions_of(explanation: Explained, k: int, pairs_only: bool) -> list[Interaction]:
    """The top ``k`` interaction sets (or pairs) of an explanation; none for an attribution."""
    k = check_int("k", k, minimum=0)
    if k == 0 or isinstance(explanation, Attribution):  # an attribution has no interactions
        return []
    return list(explanation.pairs(k) if pairs_only else explanation.top(k))


def effects_of(explanation: Explained, n: int) -> np.ndarray:
    """``float64[n]``: an attribution's values or an explanation's main effects (or zeros)."""
    if isinstance(explanation, Attribution):
        effects = explanation.values
    else:
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


def effect_name(item: Explained) -> str:
    """What the word colours show, e.g. ``"shapley attribution"`` or ``"main effect"``."""
    return f"{item.method} attribution" if isinstance(item, Attribution) else "main effect"


def check_explained(item: Any, what: str = "the explanation") -> None:
    """Raise ``TypeError`` unless ``item`` is a ``LocalExplanation`` or an ``Attribution``."""
    if not isinstance(item, LocalExplanation | Attribution):
        raise TypeError(
            f"{what} must be a LocalExplanation or an Attribution, got {type(item).__name__}"
            + (
                "; pass (space, explanation) in that order"
                if hasattr(item, "n_features") and hasattr(item, "value_fn")
                else ""
            )
        )


def check_items(items: Any, function: str) -> list[Any]:
    """The explanations of a side-by-side figure as a list (one explanation alone is refused:
    the function takes a sequence)."""
    if isinstance(items, LocalExplanation | Attribution):
        raise TypeError(
            f"{function} takes a sequence of explanations, got one {type(items).__name__}; "
            "wrap it in a list"
        )
    if isinstance(items, str | bytes):
        raise TypeError(f"{function} takes a sequence of explanations, got a str")
    try:
        return list(items)
    except TypeError:
        raise TypeError(
            f"{function} takes a sequence of explanations, got {type(items).__name__}"
        ) from None


def check_space(space: TextSpace, explanation: Explained) -> None:
    """Raise unless ``space`` is a text space with as many words as ``explanation`` features."""
    for attr in ("words", "spans", "text"):
        if not hasattr(space, attr):
            raise TypeError(
                f"expected a TextSpace (with .words, .spans, .text), got {type(space).__name__}"
            )
    check_explained(explanation)
    n = getattr(explanation, "n_features", None)
    if n is not None and int(n) != len(space.words):
        raise ValueError(
            f"the explanation has {n} features but the text has {len(space.words)}; pass the "
            "TextSpace the explanation was computed on"
        )


def interaction_label(space: TextSpace, inter: Interaction, max_words: int | None = None) -> str:
    """``"not × bad"``: the words of an interaction (shortened beyond ``max_words``)."""
    words = [space.words[f] for f in inter.features]
    if max_words is not None and len(words) > max_words:
        return " × ".join(words[: max_words - 1]) + f" × … ({len(words)} words)"
    return " × ".join(words)


def target_text(space: TextSpace) -> str:
    """The explained output, e.g. ``"POSITIVE logit"``."""
    label = getattr(space, "target_label", None)
    target = getattr(space, "target", None)
    if label:
        return f"{label} logit"
    if target is not None and target >= 0:
        return f"class {target} logit"
    return "output"


def literal(legend: Any) -> Any:
    """Draw a legend's labels and title literally: a ``$`` in a word, feature name or class name
    is not read as mathtext (two of them would crash the drawing or garble the text).
    Returns ``legend``."""
    if legend is not None:
        for text in (*legend.get_texts(), legend.get_title()):
            text.set_parse_math(False)
    return legend


def layout_words(words: list[str], width: float, fontsize: float, dpi: int) -> dict[str, Any]:
    """Word boxes wrapped into lines (pixels): sizes, x positions, line of each word."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    probe = Figure(figsize=(width, 2.0), dpi=dpi)
    renderer = FigureCanvasAgg(probe).get_renderer()
    sizes = []
    for word in words:
        text = probe.text(0, 0, word, fontsize=fontsize, parse_math=False)
        box = text.get_window_extent(renderer)
        sizes.append((box.width, box.height))
    em = fontsize * dpi / 72
    text_h = max((h for _, h in sizes), default=em) or em
    space_w, pad = 0.45 * em, 0.25 * em
    total_w = width * dpi
    margin = 0.03 * total_w
    line_of, x_of = [], []
    x, line = 0.0, 0
    for w, _ in sizes:
        if x > 0 and x + w > total_w - 2 * margin:
            line, x = line + 1, 0.0
        line_of.append(line)
        x_of.append(margin + x)
        x += w + space_w + 2 * pad
    n_lines = (line + 1) if words else 1
    return dict(sizes=sizes, text_h=text_h, pad=pad, total_w=total_w, margin=margin,
                line_of=line_of, x_of=x_of, n_lines=n_lines)  # fmt: skip


def draw_words(
    ax: Any,
    lay: dict[str, Any],
    words: list[str],
    colours: list[Any],
    top: float,
    line_h: float,
    fontsize: float,
    norms: np.ndarray,
) -> list[tuple]:
    """Draw the words at ``top`` (pixels, line pitch ``line_h``); returns each word's anchor."""
    pad, text_h, centres = lay["pad"], lay["text_h"], []
    for i, word in enumerate(words):
        baseline = top - (lay["line_of"][i] + 1) * line_h + pad
        x = lay["x_of"][i] + pad
        ax.text(
            x, baseline, word, fontsize=fontsize, va="baseline", ha="left", parse_math=False,
            color="black" if abs(norms[i] - 0.5) < 0.35 else "white",
            bbox={"facecolor": colours[i], "edgecolor": "#999999", "boxstyle": "round,pad=0.25"},
        )  # fmt: skip
        centres.append((x + lay["sizes"][i][0] / 2, baseline + text_h + pad))
    return centres
