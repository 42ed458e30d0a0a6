"""Fills: what each pixel of the displayed image becomes when its superpixel is "off".

A fill is computed once per image, as a fill image ``[3, H, W]`` in the displayed space, so that
masking a batch is one ``torch.where`` (see :mod:`interactkit.adapters.image.space`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import torch

from interactkit.adapters.image.preprocessing import Pipeline

__all__ = ["OFF_FILLS", "Off", "check_off", "fill_image"]

#: the named fills of ``ImageExplainer(off=...)`` (``"grey"`` is ``"zero"``)
OFF_FILLS = ("mean", "zero", "grey", "blur")

#: What "off" means for a superpixel: a fill of :data:`OFF_FILLS` or a colour ``(r, g, b)``
#: (floats in [0, 1], ints 0..255).
Off: TypeAlias = "str | Sequence[float] | float"


def check_off(off: Off) -> str | torch.Tensor:
    """The ``off=`` of an image explainer checked: a fill name of :data:`OFF_FILLS`, or a colour
    as ``float32 Tensor[3]`` in [0, 1].

    Raises:
        TypeError: ``None`` or a bool.
        ValueError: an unknown name, or a colour that is not 3 values in [0, 1] or whole
            numbers in 0..255.
    """
    if isinstance(off, str):
        if off not in OFF_FILLS:
            raise ValueError(
                f"off={off!r} is unknown; choose one of {list(OFF_FILLS)} or give a colour "
                "(r, g, b)"
            )
        return off
    if off is None or isinstance(off, (bool, bytes)):
        raise TypeError(f"off must be one of {list(OFF_FILLS)} or a colour (r, g, b), got {off!r}")
    try:
        values = np.atleast_1d(np.asarray(off, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(
            f"off colour {off!r} must be 3 numbers (r, g, b): floats in [0, 1] or ints 0..255"
        ) from None
    if values.size == 1:
        values = np.repeat(values, 3)
    if values.shape != (3,) or not np.isfinite(values).all() or values.min() < 0:
        raise ValueError(f"off colour {off!r} must be 3 values (r, g, b) in [0, 1] or 0..255")
    if values.max() > 1.0:
        # 0..255 only when every value is a whole number: (1.5, 0.5, 0.5) is a mistake, not a
        # near-black colour
        if values.max() > 255 or not np.array_equal(values, np.round(values)):
            raise ValueError(
                f"off colour {off!r} is neither floats in [0, 1] nor whole numbers 0..255"
            )
        values = values / 255.0
    return torch.tensor(values, dtype=torch.float32)


def fill_image(
    display: torch.Tensor,
    segments: np.ndarray,
    n_segments: int,
    off: str | torch.Tensor,
    pipeline: Pipeline,
    device: torch.device,
    blur_sigma: float | None = None,
) -> tuple[torch.Tensor, str]:
    """The fill image of one displayed image.

    Args:
        display: ``float32 Tensor[3, H, W]`` in [0, 1] (CPU), the displayed image.
        segments: ``int64 Array[H, W]`` in ``0..n_segments-1``.
        n_segments: ``n``, the number of superpixels.
        off: a checked ``off`` (:func:`check_off`).
        pipeline: the preprocessing (for ``"zero"``: the colour it maps to 0).
        device: where the pipeline may be probed for that colour (the model's device).
        blur_sigma: Gaussian sigma in pixels of ``"blur"`` (default 5% of the shorter side).

    Returns:
        ``(float32 Tensor[3, H, W] on the CPU, a description of the fill)``.
    """
    if isinstance(off, torch.Tensor):
        colour = tuple(round(float(c), 3) for c in off)
        return _constant(display, off), f"colour{colour}"
    if off == "mean":
        return _superpixel_means(display, segments, n_segments), "mean"
    if off in ("zero", "grey"):
        return _constant(display, pipeline.zero_colour(device).float()), "zero"
    height, width = display.shape[-2:]
    sigma = float(blur_sigma if blur_sigma is not None else 0.05 * min(height, width))
    return _blurred(display, sigma), f"blur(sigma={sigma:.3g})"


def _constant(display: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
    """``[3, H, W]`` of one colour ``[3]``."""
    return colour.view(3, 1, 1).expand_as(display).clone()


def _superpixel_means(display: torch.Tensor, segments: np.ndarray, n: int) -> torch.Tensor:
    """``[3, H, W]``: each pixel takes its superpixel's mean colour (the paper's fill)."""
    seg = torch.as_tensor(segments.reshape(-1))
    pixels = display.reshape(3, -1)
    sums = torch.zeros(3, n, dtype=torch.float64).index_add_(1, seg, pixels.double())
    counts = torch.bincount(seg, minlength=n).double()
    means = (sums / counts).float()  # [3, n]
    return means[:, seg].view_as(display).contiguous()


def _blurred(display: torch.Tensor, sigma: float) -> torch.Tensor:
    """``[3, H, W]``: a Gaussian-blurred copy of the image."""
    from skimage.filters import gaussian

    blurred = gaussian(
        display.permute(1, 2, 0).numpy(), sigma=sigma, channel_axis=-1, preserve_range=True
    )
    out = torch.from_numpy(np.ascontiguousarray(blurred, dtype=np.float32))
    return out.permute(2, 0, 1).contiguous()
