"""Segmentation: superpixels of the displayed image, and label maps checked and relabelled.

scikit-image is imported only when a built-in segmentation is validated or computed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import numpy as np
import torch

__all__ = [
    "DEFAULT_SEGMENTATION_PARAMS",
    "LabelMap",
    "Segmentation",
    "check_segmentation",
    "relabel_segments",
    "segment_image",
]

#: Default parameters of each built-in segmentation (any can be overridden by keyword).
#: quickshift: the paper's settings on 224x224 images (about 50-70 superpixels on photos).
DEFAULT_SEGMENTATION_PARAMS: dict[str, dict[str, Any]] = {
    "quickshift": {"kernel_size": 3, "max_dist": 300, "ratio": 0.2},
    "slic": {"n_segments": 50, "compactness": 10.0, "start_label": 0},
    "felzenszwalb": {"scale": 200, "sigma": 0.5, "min_size": 100},
}

#: A built-in method name or a callable ``image float[H, W, 3] -> labels int[H, W]``.
Segmentation: TypeAlias = "str | Callable[[np.ndarray], np.ndarray]"
#: An integer label map ``[H, W]`` of the displayed image (one label per superpixel).
LabelMap: TypeAlias = "np.ndarray | torch.Tensor"

# the image arguments of the scikit-image functions, which the adapter passes itself
_IMAGE_ARGS = frozenset({"image", "channel_axis"})


def _skimage_function(method: str) -> Callable[..., np.ndarray]:
    from skimage import segmentation as sks

    return getattr(sks, method)


def check_segmentation(method: str, params: Mapping[str, Any]) -> None:
    """Check a built-in method name and its keyword parameters before any image is segmented.

    Raises:
        ValueError: ``method`` is not one of :data:`DEFAULT_SEGMENTATION_PARAMS`.
        TypeError: a parameter that the scikit-image function does not accept.
    """
    if method not in DEFAULT_SEGMENTATION_PARAMS:
        raise ValueError(
            f"unknown segmentation {method!r}; choose one of "
            f"{sorted(DEFAULT_SEGMENTATION_PARAMS)}, pass a callable image[H, W, 3] -> "
            "labels[H, W], or give space(image, segments=label_map)"
        )
    accepted = set(inspect.signature(_skimage_function(method)).parameters) - _IMAGE_ARGS
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise TypeError(
            f"unknown {method} parameter(s) {unknown}; skimage.segmentation.{method} accepts "
            f"{sorted(accepted)}"
        )


def segment_image(image: np.ndarray, method: str = "quickshift", **params: Any) -> np.ndarray:
    """Superpixels of an RGB image with scikit-image.

    Args:
        image: ``float Array[H, W, 3]`` in [0, 1] (the displayed image).
        method: ``"quickshift"`` (default; paper: ``kernel_size=3, max_dist=300, ratio=0.2``),
            ``"slic"`` (default ``n_segments=50, compactness=10``) or ``"felzenszwalb"``
            (default ``scale=200, sigma=0.5, min_size=100``).
        **params: keyword arguments of the scikit-image function, overriding the defaults in
            :data:`DEFAULT_SEGMENTATION_PARAMS`.

    Returns:
        ``int64 Array[H, W]`` label map (labels as returned by scikit-image).
    """
    check_segmentation(method, params)
    kwargs = {**DEFAULT_SEGMENTATION_PARAMS[method], **params}
    fn = _skimage_function(method)
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"segment_image needs an RGB image [H, W, 3], got shape {image.shape}")
    try:
        return np.asarray(fn(image, channel_axis=-1, **kwargs))
    except (TypeError, ValueError) as err:  # a parameter scikit-image refuses
        given = {k: v for k, v in kwargs.items() if k in params}
        raise ValueError(
            f"skimage.segmentation.{method} failed with the parameters {given or kwargs} "
            f"({err}); check their values in the scikit-image documentation"
        ) from None


def relabel_segments(
    labels: LabelMap, shape: tuple[int, int], source: str
) -> tuple[np.ndarray, np.ndarray]:
    """Check a label map of the displayed image and relabel it to ``0..n-1``.

    Args:
        labels: ``int Array[H, W]`` (numpy or torch); any integers, each distinct one a
            superpixel.
        shape: ``(H, W)`` of the displayed image.
        source: how to name the label map in errors.

    Returns:
        ``(segments int64 Array[H, W] in 0..n-1, original_labels Array[n])`` where
        ``segments == k`` marks the pixels of original label ``original_labels[k]``.

    Raises:
        TypeError: not an integer map. ValueError: wrong shape, or a single superpixel.
    """
    if isinstance(labels, torch.Tensor):
        labels = labels.detach().cpu().numpy()
    labels = np.asarray(labels)
    if labels.dtype == np.bool_:
        labels = labels.astype(np.int64)
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"{source} must be an integer label map [H, W] (one label per superpixel), got "
            f"dtype {labels.dtype}"
        )
    if labels.shape != shape:
        raise ValueError(
            f"{source} has shape {labels.shape} but the displayed image is {shape} (height, "
            "width); segments label the displayed image -- the input image after the resize/"
            "crop of `image_size` or of the torchvision preset. Give a label map of shape "
            f"{shape}, or ImageExplainer(..., image_size=None) to keep the image's own size"
        )
    original, inverse = np.unique(labels, return_inverse=True)
    segments = inverse.reshape(shape).astype(np.int64)
    if original.size < 2:
        raise ValueError(
            f"{source} has a single superpixel: an interaction needs at least 2. Use a finer "
            "segmentation (quickshift: lower max_dist or kernel_size; slic: raise n_segments; "
            "felzenszwalb: lower scale or min_size) or give segments with several labels"
        )
    return segments, original
