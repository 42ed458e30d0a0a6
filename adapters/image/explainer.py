"""The image explainer: an image classifier plus the adapter's choices -> one space per image."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, TypeAlias

import numpy as np
import torch

from interactkit import Explainer
from interactkit.adapters.image.convert import ImageLike, to_rgb_tensor
from interactkit.adapters.image.fills import Off, check_off, fill_image
from interactkit.adapters.image.preprocessing import ImageSize, Pipeline, Preprocess
from interactkit.adapters.image.segmentation import (
    LabelMap,
    Segmentation,
    check_segmentation,
    relabel_segments,
    segment_image,
)
from interactkit.adapters.image.space import ImageSpace
from interactkit.extend import (
    ProgramFile,
    check_device,
    check_float,
    check_instances,
    check_int,
    module_device,
    output_logits,
)

__all__ = ["ImageExplainer", "Target"]

#: the old names of parameters (one name per concept across the adapters)
_RENAMED = {"fill": "off", "batch_size": "max_batch_size"}

#: A class index, a class name from ``class_names``, or ``None`` (the predicted class).
Target: TypeAlias = "int | str | None"


class ImageExplainer(Explainer[ImageSpace]):
    """Explain an image classifier's prediction through superpixel interactions.

    Args:
        model: a ``torch.nn.Module`` or any callable mapping ``Tensor[B, 3, H', W']`` (the
            preprocessed batch) to logits ``Tensor[B, C]`` (e.g. a model file loaded by
            :func:`~interactkit.adapters.image.load_image_model`). A module is put in ``eval()``
            mode (with a warning if it was training) and, when ``device`` is given, moved there.
        preprocess: ``None``, a torchvision ``weights.transforms()`` preset, or a callable on
            float batches ``[B, 3, H, W]`` in [0, 1] (see :mod:`interactkit.adapters.image`).
        segmentation: ``"quickshift"`` (paper), ``"slic"``, ``"felzenszwalb"``, or a callable
            ``image[H, W, 3] float -> labels[H, W] int``. Per-image label maps are given with
            ``space(image, segments=...)``.
        off: what an "off" superpixel becomes: ``"mean"`` (its mean colour, the paper's),
            ``"zero"``/``"grey"`` (the normalized zero), ``"blur"`` or a colour ``(r, g, b)``
            in [0, 1] (or 0..255 ints).
        target: class index to explain (or a class name from ``class_names``); default: the
            class the model predicts for the image.
        device: where masks are composed and the model runs; default the model's device.
        image_size: geometry of the displayed image: ``"auto"`` (224, or the torchvision
            preset's own), an int ``s`` (shorter side resized to ``s``, centre crop ``s x s``),
            ``(height, width)`` (resize to exactly that) or ``None`` (keep the image's size).
        max_batch_size: the most images per model call (also the spaces').
        class_names: optional names of the model's classes (for reports and figures).
        blur_sigma: Gaussian sigma in pixels of ``off="blur"`` (default 5% of the shorter
            side of the displayed image).
        max_samples: the most perturbations a detector draws per image when its own count is
            left at the default (each is a forward pass of the model; the speed-quality study
            found 2000 enough on photos of 50-70 superpixels); None lets the detector choose
            (MADEX: up to 6000).
        **seg_kw: parameters of the scikit-image segmentation, overriding the defaults.

    ``explain(image, target=..., segments=...)`` and ``explain_many(images, ...)`` come from
    :class:`interactkit.Explainer`; draw a result with
    ``plot_image_explanation(space, explanation)``. :meth:`predict_logits` gives the model's
    logits of whole images.
    """

    space_options: ClassVar[tuple[str, ...]] = ("target", "segments")

    def __init__(
        self,
        model: Callable[[torch.Tensor], Any],
        preprocess: Preprocess | None = None,
        *,
        segmentation: Segmentation = "quickshift",
        off: Off = "mean",
        target: Target = None,
        device: torch.device | str | None = None,
        image_size: ImageSize = "auto",
        max_batch_size: int = 32,
        class_names: Sequence[str] | None = None,
        blur_sigma: float | None = None,
        max_samples: int | None = 2000,
        **seg_kw: Any,
    ) -> None:
        if not callable(model):
            raise TypeError(f"model must be callable, got {type(model).__name__}")
        for old, new in _RENAMED.items():  # would be taken for segmentation parameters
            if old in seg_kw:
                raise TypeError(f"ImageExplainer has no parameter {old}= any more: use {new}=")
        self.pipeline = Pipeline(preprocess, image_size)
        if isinstance(segmentation, str):
            check_segmentation(segmentation, seg_kw)  # now rather than at the first image
        elif not callable(segmentation):
            raise TypeError("segmentation must be a method name or a callable")
        elif seg_kw:
            raise TypeError(f"segmentation parameters {sorted(seg_kw)} need a named method")
        self.segmentation = segmentation
        self.seg_kw = dict(seg_kw)
        self.off = check_off(off)
        self.blur_sigma = (
            None
            if blur_sigma is None
            else check_float("blur_sigma", blur_sigma, low=0.0, low_open=True)
        )
        self.max_batch_size = check_int("max_batch_size", max_batch_size)
        self.max_samples = (
            None if max_samples is None else check_int("max_samples", max_samples, minimum=20)
        )
        if isinstance(class_names, (str, bytes)):
            raise TypeError("class_names must be a sequence of names (one per class), not a str")
        self.class_names = [str(c) for c in class_names] if class_names is not None else None
        self.target = target
        self.device = check_device(device) if device is not None else _model_device(model)
        self.model = model
        self.input_dtype = _prepare_module(model, self.device)

    def display_image(self, image: ImageLike) -> torch.Tensor:
        """The displayed image ``float32 Tensor[3, H, W]`` in [0, 1] (CPU) for an input image."""
        return self.pipeline.display(to_rgb_tensor(image))

    def space(
        self, image: ImageLike, target: Target = None, segments: LabelMap | None = None
    ) -> ImageSpace:
        """The superpixel feature space of ``image``.

        Args:
            image: PIL image, numpy ``[H, W, 3]`` / ``[H, W]`` or tensor ``[3, H, W]`` (read a
                file with :func:`~interactkit.adapters.image.convert.open_image`).
            target: overrides the explainer's ``target`` for this image.
            segments: optional ``int Array[H, W]`` label map of the *displayed* image (after
                ``image_size``/preset geometry); labels may be any integers (negative,
                non-contiguous): each distinct label is one superpixel, named ``sp{label}``.

        Returns:
            An :class:`ImageSpace` whose ``value_fn`` is the target logit.
        """
        display = self.display_image(image)
        segments, labels, seg_name = self._segments(display, segments)
        fill, off_name = fill_image(
            display, segments, len(labels), self.off, self.pipeline, self.device, self.blur_sigma
        )
        with torch.inference_mode():
            x = self.pipeline(display[None].to(self.device)).to(self.input_dtype)
            out = output_logits(self._call(x), 1, "images").float()
        if not bool(torch.isfinite(out).all()):
            raise ValueError(
                "the model returned non-finite logits (NaN/inf) for the unperturbed image; "
                "check the model and the preprocessing"
            )
        n_classes = int(out.shape[1])
        if self.class_names is not None and len(self.class_names) != n_classes:
            raise ValueError(
                f"class_names has {len(self.class_names)} names but the model returns "
                f"{n_classes} logits; give one name per class (or class_names=None)"
            )
        predicted = int(out[0].argmax())
        tgt = self._resolve_target(self.target if target is None else target, n_classes)
        if tgt is None:
            tgt = predicted
        name = None if self.class_names is None else self.class_names[tgt]
        return ImageSpace(
            image=display,
            segments=segments,
            segment_labels=labels,
            fill_image=fill,
            model=self.model,
            pipeline=self.pipeline,
            target=tgt,
            predicted=predicted,
            target_logit=float(out[0, tgt]),
            n_classes=n_classes,
            device=self.device,
            max_batch_size=self.max_batch_size,
            max_samples=self.max_samples,
            input_dtype=self.input_dtype,
            target_name=name,
            segmentation=seg_name,
            off=off_name,
        )

    def spaces(
        self,
        images: Iterable[ImageLike],
        target: Target | Sequence[Target] = None,
        segments: LabelMap | Sequence[LabelMap | None] | None = None,
    ) -> list[ImageSpace]:
        """One space per image; ``target`` and ``segments`` may be given per image.

        Args:
            images: the images.
            target: one target for every image, or a list with one per image (``None``
                entries: the predicted class).
            segments: one label map ``[H, W]`` (array or tensor) for every image, or one per
                image: a list/tuple (``None`` entries: the segmentation) or an array
                ``[N, H, W]``.

        Returns:
            ``N`` :class:`ImageSpace` objects, in the order of ``images``.
        """
        check_instances(images, "ImageExplainer")
        images = list(images)
        n = len(images)
        single_target = target is None or isinstance(target, (str, int, np.integer))
        targets = [target] * n if single_target else _per_image("target", target, n)
        single_map = segments is None or (
            isinstance(segments, (np.ndarray, torch.Tensor)) and segments.ndim == 2
        )
        maps = [segments] * n if single_map else _per_image("segments", segments, n)
        return [
            self.space(img, target=t, segments=s)
            for img, t, s in zip(images, targets, maps, strict=True)
        ]

    def predict_logits(self, images: Iterable[ImageLike]) -> torch.Tensor:
        """The model's class logits of whole (unperturbed) images.

        Each image goes through the explainer's geometry (the displayed image, as in
        :meth:`space`) and preprocessing; the model runs on :attr:`device`, at most
        :attr:`max_batch_size` images per call.

        Args:
            images: ``B`` images (PIL, numpy ``[H, W, 3]``, tensor ``[3, H, W]``; a numpy or
                tensor stack ``[B, ...]`` is read as ``B`` images). Images whose displayed sizes
                differ (``image_size=None``) go to the model in separate calls.

        Returns:
            ``float32 Tensor[B, n_classes]`` on the CPU (``[0, 0]`` for no image); row ``i`` is
            ``space(images[i]).logits(masks)`` with every superpixel on (up to float rounding
            from the batch).

        Raises:
            TypeError: a single image instead of a collection of images.
        """
        if isinstance(images, (np.ndarray, torch.Tensor)) and images.ndim <= 3:
            raise TypeError(
                "predict_logits takes a collection of images, got one image of shape "
                f"{tuple(images.shape)}; wrap it: [image]"
            )
        if hasattr(images, "mode") and hasattr(images, "convert"):  # one PIL image
            raise TypeError(
                "predict_logits takes a collection of images, got one PIL image; wrap it: [image]"
            )
        check_instances(images, "ImageExplainer")
        out: list[torch.Tensor] = []
        chunk: list[torch.Tensor] = []  # displayed images [3, H, W] of one size
        for image in images:
            display = self.display_image(image)
            if chunk and (len(chunk) == self.max_batch_size or chunk[0].shape != display.shape):
                out.append(self._batch_logits(chunk))
                chunk = []
            chunk.append(display)
        if chunk:
            out.append(self._batch_logits(chunk))
        if not out:
            return torch.empty(0, 0)
        widths = sorted({int(o.shape[1]) for o in out})
        if len(widths) > 1:
            raise ValueError(
                f"the model returned {widths} logits for images of different sizes; it must "
                "return one logit per class, [B, n_classes], whatever the image size"
            )
        return torch.cat(out)

    # ---------------------------------------------------------------------------------------

    def _batch_logits(self, displays: list[torch.Tensor]) -> torch.Tensor:
        """``float32 Tensor[b, C]`` (CPU): the logits of ``b`` displayed images of one size."""
        with torch.inference_mode():
            x = self.pipeline(torch.stack(displays).to(self.device)).to(self.input_dtype)
            return output_logits(self._call(x), len(displays), "images").float().cpu()

    def _segments(
        self, display: torch.Tensor, given: LabelMap | None
    ) -> tuple[np.ndarray, np.ndarray, str]:
        """``(segments [H, W] in 0..n-1, original labels [n], segmentation name)``."""
        shape = tuple(display.shape[-2:])
        if given is not None:
            return (*relabel_segments(given, shape, "segments"), "user")
        hwc = display.permute(1, 2, 0).numpy()
        if callable(self.segmentation):
            raw = self.segmentation(hwc)
            source = "the segmentation callable's output"
            name = getattr(self.segmentation, "__name__", "callable")
        else:
            raw = segment_image(hwc, self.segmentation, **self.seg_kw)
            source = f"the {self.segmentation} segmentation"
            name = self.segmentation
        return (*relabel_segments(raw, shape, source), name)

    def _call(self, x: torch.Tensor) -> Any:
        """The model on unperturbed images ``x: [B, 3, H', W']``; a shape or dtype error of the
        model (a torch ``RuntimeError``) is reported with the input it got."""
        try:
            return self.model(x)
        except torch.OutOfMemoryError:
            raise
        except RuntimeError as err:
            raise ValueError(
                f"the model failed on the preprocessed image batch, a {x.dtype} tensor of shape "
                f"{tuple(x.shape)} on {x.device} ({type(err).__name__}: {err}); check that "
                "image_size and preprocess give the input size the model expects (e.g. "
                "image_size=224 for ImageNet models) and that it takes batches [B, 3, H, W]"
            ) from err

    def _resolve_target(self, target: Target, n_classes: int) -> int | None:
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


def _model_device(model: Callable[[torch.Tensor], Any]) -> torch.device:
    """Where the model runs: a module's parameters, a loaded model file's device, else CPU."""
    if isinstance(model, ProgramFile):
        return model.device
    return module_device(model)


def _prepare_module(model: Callable[[torch.Tensor], Any], device: torch.device) -> torch.dtype:
    """Put a module in eval mode on ``device``; returns the dtype its inputs should have."""
    if not isinstance(model, torch.nn.Module):
        return torch.float32
    params = list(model.parameters())
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
                stacklevel=3,
            )
    if any(p.device != device for p in params):
        model.to(device)
    floating = [p.dtype for p in params if p.dtype.is_floating_point]
    return floating[0] if floating else torch.float32


def _per_image(name: str, values: Any, n: int) -> list[Any]:
    values = list(values)
    if len(values) != n:
        raise ValueError(
            f"got {n} images but {len(values)} {name}; give one per image (a list), or a "
            "single value for all"
        )
    return values
