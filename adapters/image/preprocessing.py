"""Preprocessing: the user's preprocessing split into a one-off geometry and a batched part.

The geometry (resize, centre crop) turns the input image into the *displayed* image, once, so
that superpixels and fills live on pixels a person can look at; the batched part (per-pixel
normalization) runs on every composed batch ``[B, 3, H, W]`` on the model's device.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol, TypeAlias

import numpy as np
import torch
import torch.nn.functional as nnf

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "ImageSize",
    "Normalize",
    "Pipeline",
    "Preprocess",
    "TorchvisionPreset",
    "is_torchvision_preset",
    "resize",
    "shorter_side_crop",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: A batched preprocessing: ``Tensor[B, 3, H, W]`` in [0, 1] -> model inputs ``Tensor[B, ...]``.
Preprocess: TypeAlias = Callable[[torch.Tensor], torch.Tensor]
#: ``"auto"``, a shorter side ``s``, an exact ``(height, width)``, or ``None`` (keep the size).
ImageSize: TypeAlias = "int | tuple[int, int] | Literal['auto'] | None"


class TorchvisionPreset(Protocol):
    """What the adapter reads from a torchvision ``weights.transforms()`` preset."""

    crop_size: Sequence[int]
    resize_size: Sequence[int]
    mean: Sequence[float]
    std: Sequence[float]
    interpolation: Any

    def __call__(self, img: torch.Tensor) -> torch.Tensor: ...


def resize(img: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear, antialiased resize of ``[3, H, W]`` to ``[3, *size]`` (values kept in [0, 1])."""
    if tuple(img.shape[-2:]) == tuple(size):
        return img
    out = nnf.interpolate(
        img[None], size=size, mode="bilinear", align_corners=False, antialias=True
    )[0]
    return out.clamp_(0.0, 1.0)


def shorter_side_crop(img: torch.Tensor, side: int) -> torch.Tensor:
    """Resize ``[3, H, W]`` so that its shorter side is ``side``, then centre-crop ``side^2``."""
    h, w = img.shape[-2:]
    scale = side / min(h, w)
    new = (max(side, round(h * scale)), max(side, round(w * scale)))
    img = resize(img, new)
    top, left = (new[0] - side) // 2, (new[1] - side) // 2
    return img[:, top : top + side, left : left + side].contiguous()


class Normalize:
    """Per-channel normalization ``(x - mean) / std`` of a batch, torch only.

    Args:
        mean: per-channel means (3 floats), default the ImageNet mean.
        std: per-channel standard deviations (3 floats), default the ImageNet std.

    Call on ``Tensor[B, 3, H, W]`` (or ``[3, H, W]``); returns the same shape.
    """

    def __init__(
        self, mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD
    ) -> None:
        self.mean = [float(m) for m in mean]
        self.std = [float(s) for s in std]
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise ValueError("Normalize needs 3 means and 3 positive standard deviations")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=x.dtype, device=x.device).view(-1, 1, 1)
        return (x - mean) / std

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


def is_torchvision_preset(preprocess: object) -> bool:
    """Whether ``preprocess`` looks like a torchvision ``weights.transforms()`` preset."""
    return all(hasattr(preprocess, a) for a in ("crop_size", "resize_size", "mean", "std"))


def _check_image_size(image_size: Any) -> int | tuple[int, int] | None:
    expected = (
        "image_size must be 'auto', an int (the shorter side), a (height, width) pair of ints "
        "or None (keep the image's size)"
    )
    if image_size is None:
        return None
    if isinstance(image_size, (bool, str, bytes)):
        raise TypeError(f"{expected}, got {image_size!r}")
    if isinstance(image_size, (int, np.integer)):
        if image_size < 2:
            raise ValueError(f"image_size must be >= 2, got {image_size}")
        return int(image_size)
    try:
        size = tuple(image_size)
    except TypeError:
        raise TypeError(f"{expected}, got {image_size!r}") from None
    if len(size) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in size
    ):
        raise ValueError(f"{expected}, got {image_size!r}")
    if min(size) < 2:
        raise ValueError(f"image_size {image_size!r}: both sides must be >= 2")
    return (int(size[0]), int(size[1]))


class Pipeline:
    """The user's preprocessing, split into :meth:`display` (once) and ``__call__`` (batched).

    Args:
        preprocess: ``None``, a torchvision preset, or a callable on float batches
            ``[B, 3, H, W]`` in [0, 1].
        image_size: the geometry of the displayed image (see
            :class:`~interactkit.adapters.image.ImageExplainer`).
    """

    def __init__(self, preprocess: Preprocess | None, image_size: ImageSize) -> None:
        self.preprocess = preprocess
        self.preset = preprocess is not None and is_torchvision_preset(preprocess)
        if image_size == "auto":
            image_size = None if self.preset else 224
        elif self.preset and image_size is not None:
            raise ValueError(
                "image_size cannot be combined with a torchvision preset (weights.transforms()),"
                " which defines its own resize and crop; leave image_size='auto'"
            )
        self.image_size = _check_image_size(image_size)
        if self.preset:
            self.batch_fn: Preprocess | None = Normalize(preprocess.mean, preprocess.std)
        else:
            if preprocess is not None and not callable(preprocess):
                raise TypeError(
                    f"preprocess must be callable or None, got {type(preprocess).__name__}"
                )
            self.batch_fn = preprocess

    def display(self, img: torch.Tensor) -> torch.Tensor:
        """``[3, H, W]`` input image -> ``[3, h, w]`` displayed image (float in [0, 1])."""
        if self.preset:
            from torchvision.transforms.v2 import functional as tvf

            p = self.preprocess
            out = tvf.resize(
                img,
                list(p.resize_size),
                interpolation=p.interpolation,
                antialias=getattr(p, "antialias", True),
            )
            return tvf.center_crop(out, list(p.crop_size)).clamp(0.0, 1.0).contiguous()
        if self.image_size is None:
            return img
        if isinstance(self.image_size, int):
            return shorter_side_crop(img, self.image_size)
        return resize(img, self.image_size)

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        """``[B, 3, h, w]`` composed images in [0, 1] -> model inputs ``[B, ...]``."""
        if self.batch_fn is None:
            return batch
        try:
            out = self.batch_fn(batch)
        except Exception as err:
            raise TypeError(
                f"preprocess {self.batch_fn!r} failed on a batch tensor of shape "
                f"{tuple(batch.shape)} ({type(err).__name__}: {err}). It is applied to whole "
                "batches of composed images [B, 3, H, W] (float in [0, 1]); use tensor "
                "transforms such as torchvision.transforms.v2.Normalize, a torchvision "
                "weights.transforms() preset, or interactkit.adapters.image.Normalize"
            ) from err
        if not isinstance(out, torch.Tensor) or out.dim() < 1 or out.shape[0] != batch.shape[0]:
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(
                f"preprocess returned {shape} for a batch of shape {tuple(batch.shape)}; it "
                "must return a tensor with the same batch size (it is applied batched)"
            )
        return out

    def zero_colour(self, device: torch.device) -> torch.Tensor:
        """The displayed-space colour ``float32 Tensor[3]`` (CPU) that the batched part maps to 0.

        Raises:
            ValueError: the batched part is not a per-channel affine map keeping 3 channels.
        """
        if self.batch_fn is None:
            return torch.zeros(3)
        if isinstance(self.batch_fn, Normalize):  # also a torchvision preset's normalization
            return torch.tensor(self.batch_fn.mean, dtype=torch.float32)
        # Probe: a per-channel affine map p(c) = a*c + b has its zero at c = -b/a.
        probe = torch.tensor([0.0, 1.0, 0.5], device=device).view(3, 1, 1, 1).expand(3, 3, 8, 8)
        with torch.inference_mode():
            out = self(probe.contiguous()).float()
        message = (
            "off='zero' needs the colour that `preprocess` maps to 0, which is only defined "
            "for a per-channel affine preprocessing (a normalization) that keeps 3 channels; "
            "give the off colour instead, e.g. off=(0.5, 0.5, 0.5)"
        )
        if out.dim() != 4 or out.shape[1] != 3:
            raise ValueError(message)
        flat = out.flatten(2)
        if not bool(torch.allclose(flat, flat[..., :1].expand_as(flat), atol=1e-4)):
            raise ValueError(message)
        p0, p1, ph = flat[0, :, 0], flat[1, :, 0], flat[2, :, 0]
        slope = p1 - p0
        if bool((slope.abs() < 1e-8).any()) or not bool(
            torch.allclose(ph, (p0 + p1) / 2, atol=1e-4)
        ):
            raise ValueError(message)
        return (-p0 / slope).cpu()
