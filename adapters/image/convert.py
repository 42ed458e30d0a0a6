"""Image conversion: any supported image (PIL, numpy, torch) -> one float RGB tensor in [0, 1];
:func:`open_image` reads an image file, with errors that name the file; :func:`load_image` an
image file or a photo bundled with scikit-image (``skimage:NAME``)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import torch

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image as PILImage

__all__ = ["SKIMAGE_IMAGES", "ImageLike", "load_image", "open_image", "to_rgb_tensor"]

#: What the adapter accepts as an image (see :func:`to_rgb_tensor` for the layouts).
ImageLike: TypeAlias = "PILImage | np.ndarray | torch.Tensor"

#: Photos of ``skimage.data`` accepted as ``skimage:NAME`` (bundled with scikit-image).
SKIMAGE_IMAGES = (
    "astronaut",
    "camera",
    "cat",
    "chelsea",
    "coffee",
    "coins",
    "hubble_deep_field",
    "immunohistochemistry",
    "logo",
    "moon",
    "page",
    "rocket",
    "text",
)

_GREY_MODES = ("L", "1", "I", "I;16", "F")
_WIDE_GREY_MODES = ("I", "I;16", "F")  # read as floats and scaled by their maximum
_ALPHA_MODES = ("RGBA", "LA", "PA")


def open_image(path: str | os.PathLike[str]) -> PILImage:
    """Read an image file (any format Pillow reads: PNG, JPEG, BMP, TIFF, WebP...), fully loaded
    and turned upright by its EXIF orientation (as image viewers show it).

    Raises:
        FileNotFoundError: no such file. PermissionError: the file cannot be read.
        ValueError: a directory, or a file that is not an image Pillow reads (another format, a
            damaged or truncated file, more pixels than Pillow's decompression-bomb limit);
            the message names the file.
        ImportError: Pillow is not installed.
    """
    file = Path(path).expanduser()
    if file.is_dir():
        raise ValueError(f"{file} is a directory, not an image file")
    if not file.is_file():
        raise FileNotFoundError(f"no such image file: {file}")
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError as err:  # pragma: no cover - pillow is in the vision extra
        raise ImportError("reading image files needs Pillow: pip install pillow") from err
    try:
        with Image.open(file) as img:
            img.load()
            # a photo's EXIF orientation: explain the image as viewers show it, not sideways
            return ImageOps.exif_transpose(img) or img.copy()
    except PermissionError:
        raise
    except UnidentifiedImageError:
        raise ValueError(
            f"{file} is not an image file Pillow can read (PNG, JPEG, BMP, TIFF, WebP...): "
            "it is another kind of file, or damaged"
        ) from None
    except Image.DecompressionBombError as err:
        raise ValueError(f"{file} is too large to read safely ({err})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as err:  # Pillow's "damaged" errors
        raise ValueError(f"{file} is a damaged or truncated image file ({err})") from None


def load_image(spec: str | os.PathLike[str]) -> ImageLike:
    """An image from a file path or ``skimage:NAME`` (NAME one of :data:`SKIMAGE_IMAGES`).

    Returns:
        a numpy ``uint8 Array[H, W, 3]`` (or ``[H, W]`` for a grey photo) for ``skimage:``, a
        PIL image (:func:`open_image`) for a file.

    Raises:
        ValueError: an unknown ``skimage:`` name, a directory, or a file that is not a readable
            image (damaged, truncated, another format); the message names the file.
        FileNotFoundError: no such file.
    """
    name = os.fspath(spec)
    if name.startswith("skimage:"):
        photo = name.split(":", 1)[1]
        if photo not in SKIMAGE_IMAGES:
            raise ValueError(
                f"unknown scikit-image photo {photo!r}; choose one of {', '.join(SKIMAGE_IMAGES)}"
            )
        from skimage import data

        return getattr(data, photo)()
    if not Path(name).expanduser().exists():
        raise FileNotFoundError(
            f"image file {name!r} not found; give an image path or skimage:NAME "
            "(e.g. skimage:chelsea)"
        )
    return open_image(name)


def to_rgb_tensor(image: ImageLike) -> torch.Tensor:
    """Convert an image to a float RGB tensor.

    Accepts a PIL image, a numpy array ``[H, W]``, ``[H, W, C]`` (uint8 in 0..255 or float in
    [0, 1]) or a torch tensor ``[C, H, W]`` / ``[H, W, C]`` / ``[H, W]`` (same value
    conventions; a 3-D tensor is read as channels-first unless only its last axis has 1, 3 or 4
    entries).

    A grayscale image (``[H, W]`` or one channel) is converted to RGB by repeating its channel,
    with a warning; an RGBA image loses its alpha channel, with a warning.

    Returns:
        ``float32 Tensor[3, H, W]`` in [0, 1] on the CPU.
    """
    arr, channels_first = _as_array(image)
    return _array_to_tensor(arr, channels_first)


def _as_array(image: ImageLike) -> tuple[np.ndarray, bool]:
    """``(pixel array, whether a 3-D array is channels-first)`` of a PIL image, array or tensor."""
    if isinstance(image, (str, os.PathLike)):
        raise TypeError(
            f"image must be a PIL image, a numpy array or a torch tensor, got the path {image!r}; "
            "read the file first: interactkit.adapters.image.convert.open_image(path)"
        )
    if isinstance(image, torch.Tensor):
        arr = image.detach().cpu()
        channels_first = False
        if arr.dim() == 3:
            first, last = arr.shape[0] in (1, 3, 4), arr.shape[-1] in (1, 3, 4)
            channels_first = first or not last
        return arr.numpy(), channels_first
    if isinstance(image, np.ndarray):
        return image, False
    if hasattr(image, "mode") and hasattr(image, "size") and hasattr(image, "convert"):
        # a PIL image (checked by duck typing: PIL is an optional dependency)
        mode = image.mode
        if mode in _GREY_MODES:
            wide = mode in _WIDE_GREY_MODES
            arr = np.asarray(image.convert("F" if wide else "L"))
            return (arr / max(float(arr.max()), 1.0) if wide else arr), False
        if mode == "RGB":
            return np.asarray(image), False
        if mode in _ALPHA_MODES:
            warnings.warn(
                f"image has mode {mode!r}: its alpha channel is dropped; convert it to RGB "
                "yourself (e.g. composite over a background) to control this",
                UserWarning,
                stacklevel=4,
            )
        return np.asarray(image.convert("RGB")), False
    raise TypeError(
        f"image must be a PIL image, a numpy array or a torch tensor, got {type(image).__name__}"
    )


def _array_to_tensor(arr: np.ndarray, channels_first: bool) -> torch.Tensor:
    """``[H, W]`` / ``[H, W, C]`` (or ``[C, H, W]``) pixels -> ``float32 Tensor[3, H, W]``."""
    if arr.dtype == np.bool_:
        arr = arr.astype(np.float32)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"image has dtype {arr.dtype}; expected uint8 or float pixel values")
    if arr.ndim == 3 and channels_first:
        arr = np.moveaxis(arr, 0, -1)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        warnings.warn(
            f"grayscale image of shape {arr.shape}: converted to RGB by repeating its channel; "
            "pass an RGB image to silence this warning",
            UserWarning,
            stacklevel=4,
        )
        arr = np.repeat(arr[..., None], 3, axis=-1)
    if arr.ndim != 3:
        raise ValueError(
            f"image has shape {tuple(arr.shape)}; expected [H, W], [H, W, C] or [C, H, W]"
        )
    if arr.shape[-1] == 4:
        warnings.warn(
            "image has 4 channels (RGBA): the alpha channel is dropped", UserWarning, stacklevel=4
        )
        arr = arr[..., :3]
    if arr.shape[-1] != 3:
        raise ValueError(
            f"image has {arr.shape[-1]} channels (shape {tuple(arr.shape)}); expected an RGB "
            "image with 3 channels (grayscale and RGBA are converted). numpy arrays are read "
            "as [H, W, C]: transpose a channels-first array or pass it as a torch tensor"
        )
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise ValueError(f"image of shape {tuple(arr.shape)} is too small to segment")
    out = _unit_range(arr)
    return torch.from_numpy(np.ascontiguousarray(np.moveaxis(out, -1, 0)))


def _unit_range(arr: np.ndarray) -> np.ndarray:
    """``float32`` pixels in [0, 1]: uint8-range integers divided by 255, floats checked."""
    if np.issubdtype(arr.dtype, np.integer):
        if arr.min() < 0 or arr.max() > 255:
            raise ValueError(
                f"integer image values span [{arr.min()}, {arr.max()}]; expected 0..255 "
                "(uint8); rescale 16-bit images to 0..255 or to floats in [0, 1]"
            )
        return arr.astype(np.float32) / 255.0
    out = arr.astype(np.float32)
    if not np.isfinite(out).all():
        raise ValueError("image contains NaN or infinite pixel values")
    lo, hi = float(out.min()), float(out.max())
    if lo < -1e-3 or hi > 1.0 + 1e-3:
        raise ValueError(
            f"float image values span [{lo:.3g}, {hi:.3g}]; expected [0, 1]. Pass the "
            "unnormalized image (divide 0..255 floats by 255; undo any normalization: "
            "normalization belongs in `preprocess`)"
        )
    return np.clip(out, 0.0, 1.0)
