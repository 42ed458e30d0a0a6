"""Figures for superpixel explanations of image classifiers.

:func:`plot_image_explanation` ``(space, explanation)`` draws, side by side,

* the displayed image with the top interaction sets tinted and outlined (one colour per set,
  legend with each set's superpixels and strength), and
* the main effect of every superpixel as a heatmap (diverging colormap centred on 0, colorbar);
  ``colour_by=`` draws any method's values there instead (an :class:`~interactkit.Attribution`
  or another explanation), and ``explanation`` may itself be an ``Attribution``.

:func:`plot_image_methods` ``(space, items)`` shows several methods side by side: the image,
then one superpixel heatmap per method.

matplotlib and scikit-image are imported inside the functions, so importing this module is cheap.
The figure is a plain :class:`matplotlib.figure.Figure` (no pyplot state): save it with
:func:`save` or ``fig.savefig``; in a notebook, display it with ``IPython.display.display(fig)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from interactkit import Attribution
from interactkit.visualizers.text_common import check_explained, check_items, literal

if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, TypeAlias

    from matplotlib.figure import Figure

    from interactkit import LocalExplanation
    from interactkit.adapters.image import ImageSpace

    Explained: TypeAlias = LocalExplanation | Attribution

__all__ = [
    "format_set",
    "interaction_overlay",
    "plot_image_explanation",
    "plot_image_methods",
    "save",
    "superpixel_values",
]

#: Set colours (RGB in [0, 1]): matplotlib's tab10 without the grey.
SET_COLOURS: tuple[tuple[float, float, float], ...] = (
    (0.839, 0.153, 0.157),
    (0.122, 0.467, 0.706),
    (0.173, 0.627, 0.173),
    (1.000, 0.498, 0.055),
    (0.580, 0.404, 0.741),
    (0.090, 0.745, 0.812),
    (0.890, 0.467, 0.761),
    (0.549, 0.337, 0.294),
    (0.737, 0.741, 0.133),
)


def format_set(names: Sequence[str], max_names: int = 6) -> str:
    """``{a, b, c}``, shortened to ``{a, b, ... (+n more)}`` for long sets."""
    names = list(names)
    if len(names) <= max_names:
        return "{" + ", ".join(names) + "}"
    return "{" + ", ".join(names[: max_names - 1]) + f", ... (+{len(names) - max_names + 1})}}"


def superpixel_values(space: ImageSpace, item: Explained) -> np.ndarray | None:
    """``float64[n]``: an attribution's values or an explanation's main effects (None if it
    has none); raises if their number is not the space's number of superpixels."""
    values = item.values if isinstance(item, Attribution) else getattr(item, "main_effects", None)
    if values is None:
        return None
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if values.shape[0] != int(space.segments.max()) + 1:
        raise ValueError(
            f"{getattr(item, 'method', 'the explanation')} has {values.shape[0]} values but the "
            f"space has {int(space.segments.max()) + 1} superpixels; pass the space it was "
            "computed on"
        )
    return np.nan_to_num(values)


def _heatmap(
    ax: Any, space: ImageSpace, values: np.ndarray, cmap: str, lim: float | None = None
) -> Any:
    """Draw ``values[segments]`` on ``[-lim, lim]`` (default: the largest ``|value|``) with
    faint superpixel edges; returns the image artist."""
    from skimage.segmentation import find_boundaries

    heat = values[space.segments]
    lim = lim or float(np.abs(values).max()) or 1.0
    im = ax.imshow(heat, cmap=cmap, vmin=-lim, vmax=lim)
    boundary = find_boundaries(space.segments, mode="inner")
    ax.imshow(np.ma.masked_where(~boundary, np.ones_like(heat)), cmap="Greys", vmin=0, vmax=1,
              alpha=0.25)  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])
    return im


def _check(space: ImageSpace, explanation: Explained) -> None:
    if not (hasattr(space, "segments") and hasattr(space, "image")):
        raise TypeError(
            f"expected an ImageSpace (with .image and .segments) as the first argument, got "
            f"{type(space).__name__}: call plot_image_explanation(space, explanation) with the "
            "space the explanation was computed on (space = explainer.space(image))"
        )
    check_explained(explanation)
    n_segments = int(space.segments.max()) + 1
    n = getattr(explanation, "n_features", None)
    if n is not None and int(n) != n_segments:
        raise ValueError(
            f"the explanation has {n} features but the space has {n_segments} superpixels; "
            "pass the space it was computed on"
        )


def interaction_overlay(
    image: np.ndarray,
    segments: np.ndarray,
    sets: Sequence[Sequence[int]],
    alpha: float = 0.45,
    colours: Sequence[tuple[float, float, float]] = SET_COLOURS,
    all_boundaries: bool = True,
) -> np.ndarray:
    """The image with feature sets tinted and outlined.

    Args:
        image: ``float Array[H, W, 3]`` in [0, 1].
        segments: ``int Array[H, W]``, superpixel index of each pixel.
        sets: feature-index sets, strongest first; set ``i`` gets ``colours[i % len(colours)]``.
            A superpixel in several sets is tinted with the first (strongest) one's colour; the
            outline of every set is drawn, the strongest on top.
        alpha: tint opacity.
        colours: RGB colours in [0, 1].
        all_boundaries: also draw every superpixel's boundary in faint white.

    Returns:
        ``float Array[H, W, 3]`` in [0, 1].
    """
    from skimage.segmentation import find_boundaries

    out = np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0).copy()
    if all_boundaries:
        edges = find_boundaries(segments, mode="inner")
        out[edges] = 0.6 * out[edges] + 0.4
    masks = [np.isin(segments, np.asarray(list(s), dtype=np.int64)) for s in sets]
    # strongest set last, so that a superpixel shared by several sets shows the strongest's colour
    tint = np.full(segments.shape, -1)
    for i in reversed(range(len(masks))):
        tint[masks[i]] = i
    for i in range(len(masks)):
        where = tint == i
        out[where] = (1.0 - alpha) * out[where] + alpha * np.asarray(colours[i % len(colours)])
    for i in reversed(range(len(masks))):
        out[find_boundaries(masks[i], mode="inner")] = colours[i % len(colours)]
    return out


def plot_image_explanation(
    space: ImageSpace,
    explanation: Explained,
    k: int = 3,
    *,
    colour_by: Explained | None = None,
    order: int | None = None,
    detected: bool = False,
    title: str | None = None,
    alpha: float = 0.45,
    cmap: str = "RdBu_r",
    figsize: tuple[float, float] = (11.0, 5.2),
) -> Figure:
    """Top interactions over the image, beside the superpixels' main effects.

    Args:
        space: the :class:`~interactkit.adapters.image.ImageSpace` that was explained.
        explanation: its :class:`~interactkit.LocalExplanation` (or an
            :class:`~interactkit.Attribution`: no interaction sets, its values as the heatmap).
        k: how many interaction sets to draw (strongest first).
        colour_by: the heatmap shows this method's values (an ``Attribution`` or another
            explanation of the same image) instead of ``explanation``'s main effects.
        order: only sets of this size (e.g. 2 for pairs).
        detected: draw the sets kept by MADEX's cut-off instead of the ranking.
        title: figure title (default: the explained class and its logit).
        alpha: tint opacity of the sets.
        cmap: diverging colormap of the main effects (centred on 0).
        figsize: figure size in inches.

    Returns:
        A :class:`matplotlib.figure.Figure` with two image axes and a colorbar.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    _check(space, explanation)
    colour_by = explanation if colour_by is None else colour_by
    _check(space, colour_by)
    interactions = []
    if not isinstance(explanation, Attribution):
        interactions = list(explanation.top(k, order=order, detected=detected))
    overlay = interaction_overlay(
        space.image, space.segments, [it.features for it in interactions], alpha=alpha
    )

    fig = Figure(figsize=figsize, layout="constrained")
    ax_sets, ax_main = fig.subplots(1, 2)
    ax_sets.imshow(overlay)
    ax_sets.set_title(
        f"top {len(interactions)} interaction sets ({explanation.method})", parse_math=False
    )
    handles = []
    for i, it in enumerate(interactions):
        label = format_set(it.names) + f"  strength {it.strength:.3g}"
        if it.effect is not None:
            label += f", effect {it.effect:+.3g}"
        handles.append(Patch(facecolor=SET_COLOURS[i % len(SET_COLOURS)], label=label))
    if handles:
        literal(
            ax_sets.legend(
                handles=handles,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.02),
                fontsize="small",
                frameon=False,
                title="strongest first; a shared superpixel takes the strongest set's colour"
                if len(handles) > 1
                else None,
                title_fontsize="x-small",
            )
        )
    else:
        ax_sets.text(0.5, -0.06, "no interactions", transform=ax_sets.transAxes, ha="center")

    main = superpixel_values(space, colour_by)
    if main is None:
        ax_main.imshow(space.image)
        ax_main.set_title("main effects: not available", parse_math=False)
    else:
        im = _heatmap(ax_main, space, main, cmap)
        what = "main effect" if not isinstance(colour_by, Attribution) else colour_by.method
        ax_main.set_title(f"{what} of each superpixel", parse_math=False)
        cbar = fig.colorbar(im, ax=ax_main, shrink=0.85)
        cbar.set_label("effect on the target logit", parse_math=False)
    for ax in (ax_sets, ax_main):
        ax.set_xticks([])
        ax.set_yticks([])

    if title is None:
        target = getattr(space, "target", None)
        name = getattr(space, "target_name", None)
        logit = getattr(space, "target_logit", None)
        title = f"class {target}" + (f" '{name}'" if name else "")
        if logit is not None:
            title += f", logit {logit:.3g}"
        n_queries = getattr(explanation, "n_queries", None)
        if n_queries:
            title += f" | {n_queries} queries"
    fig.suptitle(title, parse_math=False)
    return fig


def plot_image_methods(
    space: ImageSpace,
    items: Sequence[Explained],
    *,
    shared_scale: bool = False,
    cmap: str = "RdBu_r",
    ncols: int | None = None,
    title: str | None = None,
    panel_size: float = 3.0,
) -> Figure:
    """Several methods side by side: the image, then one superpixel heatmap per method.

    Args:
        space: the explained :class:`~interactkit.adapters.image.ImageSpace`.
        items: ``Attribution`` s and/or explanations (their main effects) of the image.
        shared_scale: one colour scale for all methods (default: each scaled to its own
            largest ``|value|``, so that methods compare by pattern).
        cmap: diverging colormap (centred on 0).
        ncols: panels per row (default: all in one row, at most 5).
        title: figure title (default: the explained class).
        panel_size: inches per panel.

    Returns:
        A :class:`matplotlib.figure.Figure`: the image and ``len(items)`` heatmaps, each titled
        with its method (and queries, when it made any).
    """
    from matplotlib.figure import Figure

    items = check_items(items, "plot_image_methods")
    if not items:
        raise ValueError("plot_image_methods needs at least one attribution or explanation")
    values = []
    for item in items:
        _check(space, item)
        found = superpixel_values(space, item)
        if found is None:
            raise ValueError(f"{getattr(item, 'method', 'an item')} has no per-superpixel values")
        values.append(found)
    peak = max(float(np.abs(v).max()) for v in values) or 1.0
    ncols = ncols or min(len(items) + 1, 5)
    nrows = -(-(len(items) + 1) // ncols)
    fig = Figure(figsize=(panel_size * ncols, panel_size * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).reshape(-1)
    axes[0].imshow(interaction_overlay(space.image, space.segments, []))
    axes[0].set_title("image and superpixels", fontsize="small", parse_math=False)
    for ax, item, vals in zip(axes[1:], items, values):
        _heatmap(ax, space, vals, cmap, peak if shared_scale else None)
        queries = f", {item.n_queries} queries" if getattr(item, "n_queries", 0) else ""
        ax.set_title(f"{item.method}{queries}", fontsize="small", parse_math=False)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[len(items) + 1 :]:
        ax.set_axis_off()
    name = getattr(space, "target_name", None)
    fig.suptitle(title or f"class {space.target}" + (f" '{name}'" if name else "")
                 + " -- red raises the logit, blue lowers it", parse_math=False)  # fmt: skip
    return fig


def save(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Save a figure (format from the suffix, e.g. ``.png``/``.pdf``/``.svg``); returns the path.

    Parent folders are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path
