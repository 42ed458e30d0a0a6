"""How two fields interact: the model's mean click probability over a grid of their values.

:func:`plot_pair_effects` draws one :class:`~interactkit.adapters.ctr.audit.PairEffect` (an
entry of ``AuditResult.pair_effects``): on the left the mean click probability with the two
fields set to each pair of values, annotated; on the right the interaction part of that table
(``mean - row mean - column mean + grand mean``) on a diverging scale centred on 0, so a cell
that is red (blue) is where the pair together raises (lowers) the click probability beyond what
the two fields do apart.

Field names and values are user data and are drawn literally (``parse_math=False``: a field
named ``spend_$_usd_$`` is not mathtext).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from interactkit.adapters.ctr.audit import PairEffect

__all__ = ["plot_pair_effects"]

_MAX_LABEL = 24


def _short(text: Any, width: int = _MAX_LABEL) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _grid(values: Sequence[Sequence[float]], key: str, shape: tuple[int, int]) -> np.ndarray:
    try:
        mat = np.asarray(values, dtype=float)
    except ValueError:  # ragged rows
        mat = None
    if mat is None or mat.shape != shape:
        got = "ragged rows" if mat is None else f"shape {mat.shape}"
        raise ValueError(f"pair effect {key!r} has {got}, expected {shape}")
    return mat


def _annotate(ax: Axes, mat: np.ndarray, support: np.ndarray | None, diverging: bool) -> None:
    finite = mat[np.isfinite(mat)]
    if not finite.size:
        return
    low, high = float(finite.min()), float(finite.max())
    peak = float(np.abs(finite).max())
    for i in range(mat.shape[0]):
        for j in range(mat.shape[1]):
            value = mat[i, j]
            if not np.isfinite(value):
                continue
            text = f"{value:+.3f}" if diverging else f"{value:.3f}"
            if support is not None:
                text += f"\nn={int(support[i, j])}"
            # white on the dark ends of each colour map (viridis: low; RdBu: both ends)
            dark = abs(value) > 0.6 * peak if diverging else value < low + 0.5 * (high - low)
            ax.text(j, i, text, ha="center", va="center", fontsize=7, parse_math=False,
                    color="white" if dark else "black")  # fmt: skip


def _axes_labels(ax: Axes, a: str, b: str, values_a: Sequence[str], values_b: Sequence[str]):
    ax.set_xticks(range(len(values_b)), [_short(v) for v in values_b], rotation=45, ha="right",
                  fontsize=8, parse_math=False)  # fmt: skip
    ax.set_yticks(range(len(values_a)), [_short(v) for v in values_a], fontsize=8,
                  parse_math=False)  # fmt: skip
    ax.set_xlabel(_short(b, 40), parse_math=False)
    ax.set_ylabel(_short(a, 28), parse_math=False)


def plot_pair_effects(effect: PairEffect, title: str | None = None) -> Figure:
    """Two heatmaps of one field pair: mean click probability and its interaction part.

    Args:
        effect: one entry of ``AuditResult.pair_effects``: ``fields`` ``(a, b)``, the levels
            ``values_a`` (m) and ``values_b`` (n), the m x n grids ``mean``, ``effect`` and
            ``support``, and ``n_rows``.
        title: the figure title (default: ``"How a and b interact"``).

    Returns:
        A matplotlib figure with two panels (``mean`` annotated with its values and support,
        ``effect`` on a diverging colour scale symmetric about 0).

    Raises:
        ValueError: a grid whose shape is not ``len(values_a) x len(values_b)``.
    """
    import matplotlib.pyplot as plt

    a, b = (str(f) for f in effect.fields)
    values_a = [str(v) for v in effect.values_a]
    values_b = [str(v) for v in effect.values_b]
    shape = (len(values_a), len(values_b))
    width = max(4.0, 0.75 * shape[1] + 2.5)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(2 * width, max(3.5, 0.5 * shape[0] + 2.2)))
    fig.suptitle(title or f"How {_short(a, 40)} and {_short(b, 40)} interact", parse_math=False)
    if 0 in shape:
        for ax in (ax1, ax2):
            ax.text(0.5, 0.5, "no values", ha="center", va="center", parse_math=False)
            ax.set_axis_off()
        return fig
    try:
        mean = _grid(effect.mean, "mean", shape)
        part = _grid(effect.effect, "effect", shape)
        support = _grid(effect.support, "support", shape)
    except ValueError:
        plt.close(fig)  # not left registered with pyplot
        raise
    im1 = ax1.imshow(mean, cmap="viridis", aspect="auto")
    _annotate(ax1, mean, support, diverging=False)
    _axes_labels(ax1, a, b, values_a, values_b)
    ax1.set_title(f"mean click probability (over {effect.n_rows} rows)", fontsize=10)
    fig.colorbar(im1, ax=ax1, fraction=0.046, pad=0.04)
    finite = part[np.isfinite(part)]
    peak = float(np.abs(finite).max()) if finite.size else 0.0
    peak = peak or 1e-9
    im2 = ax2.imshow(part, cmap="RdBu_r", vmin=-peak, vmax=peak, aspect="auto")
    _annotate(ax2, part, None, diverging=True)
    _axes_labels(ax2, a, b, values_a, values_b)
    ax2.set_title("interaction part (mean − row − column + grand mean)", fontsize=10)
    fig.colorbar(im2, ax=ax2, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return fig
