"""The feature space of one image: its superpixels, and the value function that masks them.

Where masking happens (the one place where the pieces meet)::

    image (PIL / HWC array / CHW or HWC tensor)
      --geometry, once-->  displayed image  x: [3, H, W] float in [0, 1]
      --segmentation--->   segments: [H, W] int in 0..n-1      (on the displayed image)
      --off, once------>   fill image   f: [3, H, W]           (in the same space as x)
    masks [B, n] bool      (checked, de-duplicated and chunked by interactkit.Querier)
      --one gather----->   keep = masks[:, segments]  -> [B, 1, H, W]
      --one where------>   composed = where(keep, x, f)  -> [B, 3, H, W]   (model's device)
      --preprocess, batched--> model inputs [B, 3, H', W'] --model--> logits [B, C]
      --select target-->   values [B]  (the target class logit)

The first three steps happen once per image, in
:meth:`~interactkit.adapters.image.ImageExplainer.space`; the rest on every batch of masks, in
:meth:`ImageSpace.value_fn`. Superpixels and fills are defined on pixels a person can look at,
so a visualizer shows exactly what was perturbed; only the (batched) per-pixel normalization
comes after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from interactkit import Attribution, FeatureSpace
from interactkit.adapters.image.preprocessing import Pipeline
from interactkit.extend import check_masks, output_logits

__all__ = ["ImageSpace"]


class ImageSpace(FeatureSpace):
    """The superpixels of one image as a :class:`~interactkit.space.FeatureSpace`.

    Built by :meth:`ImageExplainer.space`. Feature ``k`` is superpixel ``segments == k``; its
    name is ``f"sp{segment_labels[k]}"``. ``value_fn(masks)`` composes the images (one batched
    gather + ``torch.where``), preprocesses them batched, runs the model and returns the
    target-class logit. Evaluate masks with ``space(masks)`` (validated, through
    :class:`~interactkit.Querier`); the time spent in ``value_fn`` is the explanation's
    ``model_time``.

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
        segmentation: the segmentation's name (``"user"`` for given segments).
        off: what "off" means here, described (``"mean"``, ``"zero"``, ``"blur(sigma=11.2)"``,
            ``"colour(1.0, 0.0, 0.0)"``): how ``fill_image`` was made.
    """

    def __init__(
        self,
        *,
        image: torch.Tensor,
        segments: np.ndarray,
        segment_labels: np.ndarray,
        fill_image: torch.Tensor,
        model: Callable[[torch.Tensor], Any],
        pipeline: Pipeline,
        target: int,
        predicted: int,
        target_logit: float,
        n_classes: int,
        device: torch.device,
        max_batch_size: int,
        max_samples: int | None = None,
        input_dtype: torch.dtype = torch.float32,
        target_name: str | None = None,
        segmentation: str = "",
        off: str = "",
    ) -> None:
        self.device = torch.device(device)
        self._image_t = image.to(self.device, torch.float32).contiguous()  # [3, H, W]
        self._fill_t = fill_image.to(self.device, torch.float32).contiguous()  # [3, H, W]
        self.segments = segments
        self.segment_labels = segment_labels
        self._seg_flat = torch.as_tensor(segments.reshape(-1), device=self.device)  # [H*W]
        self.n_features = int(segment_labels.size)
        self._feature_names = [f"sp{label}" for label in segment_labels.tolist()]
        self.max_batch_size = int(max_batch_size)
        self.max_samples = None if max_samples is None else int(max_samples)
        self._model = model
        self._pipeline = pipeline
        self._input_dtype = input_dtype
        self.target = int(target)
        self.target_name = target_name
        self.predicted = int(predicted)
        self.target_logit = float(target_logit)
        self.n_classes = int(n_classes)
        self.segmentation = segmentation
        self.off = off
        self.image = image.permute(1, 2, 0).cpu().numpy()
        self.fill_image = fill_image.permute(1, 2, 0).cpu().numpy()

    @property
    def image_shape(self) -> tuple[int, int]:
        """``(H, W)`` of the displayed image."""
        return tuple(self.segments.shape)  # type: ignore[return-value]

    def pixel_mask(self, features: Sequence[int]) -> np.ndarray:
        """``bool Array[H, W]``: the pixels of the given superpixels (feature indices)."""
        return np.isin(self.segments, np.asarray(list(features), dtype=np.int64))

    # The public methods take any masks and check them once; the private ones take checked
    # masks, which is what value_fn receives from the Querier.

    def compose(self, masks: torch.Tensor) -> torch.Tensor:
        """Masked images in the displayed space.

        Args:
            masks: ``BoolTensor[B, n]`` (or ``[n]``, or 0/1 values); True keeps a superpixel.

        Returns:
            ``float32 Tensor[B, 3, H, W]`` on :attr:`device`: ``image`` where the pixel's
            superpixel is kept, ``fill_image`` elsewhere.
        """
        return self._compose(self._checked(masks))

    def model_inputs(self, masks: torch.Tensor) -> torch.Tensor:
        """``preprocess(compose(masks))``: the model's input batch ``[B, 3, H', W']``."""
        return self._model_inputs(self._checked(masks))

    def logits(self, masks: torch.Tensor) -> torch.Tensor:
        """All class logits ``float32 Tensor[B, n_classes]`` of the masked images."""
        return self._logits(self._checked(masks))

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        """Target logit of each masked image.

        Args:
            masks: ``BoolTensor[B, n_features]`` on :attr:`device` (checked by the Querier);
                True keeps a superpixel.

        Returns:
            ``float32 Tensor[B]`` on :attr:`device`.
        """
        return self._logits(masks)[:, self.target]

    @property
    def gradient_methods(self) -> tuple[str, ...]:
        """Gradient methods of ``interactkit.attribute`` (a torch module has a gradient path:
        :mod:`interactkit.adapters.image.gradients`); none for other callables."""
        from interactkit.adapters.image.gradients import GRADIENT_METHODS

        return GRADIENT_METHODS if isinstance(self._model, torch.nn.Module) else ()

    def gradient_attribution(self, method: str, seed: int = 0, **params: Any) -> Attribution:
        """``interactkit.attribute(space, method)`` for ``"integrated_gradients"`` or
        ``"gradient_shap"`` from the fill image, summed per superpixel; ``params`` as
        :func:`~interactkit.adapters.image.gradients.gradient_attribution`'s."""
        from interactkit.adapters.image.gradients import gradient_attribution

        return gradient_attribution(
            self, self._model, self._pipeline, self._input_dtype, method, seed=seed, **params
        )

    def _checked(self, masks: torch.Tensor) -> torch.Tensor:
        return check_masks(masks, self.n_features, self.device, allow_single=True)

    def _compose(self, masks: torch.Tensor) -> torch.Tensor:
        height, width = self.image_shape
        keep = masks.index_select(1, self._seg_flat).view(-1, 1, height, width)
        return torch.where(keep, self._image_t, self._fill_t)

    def _model_inputs(self, masks: torch.Tensor) -> torch.Tensor:
        return self._pipeline(self._compose(masks)).to(self._input_dtype)

    def _logits(self, masks: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            logits = output_logits(self._model(self._model_inputs(masks)), masks.shape[0], "images")
        if logits.shape[1] != self.n_classes:
            raise ValueError(
                f"the model returned {logits.shape[1]} classes for a masked batch but "
                f"{self.n_classes} for the unperturbed image"
            )
        return logits.float()

    def __repr__(self) -> str:
        name = f" {self.target_name!r}" if self.target_name else ""
        return (
            f"ImageSpace(n_features={self.n_features}, image={self.image_shape}, "
            f"segmentation={self.segmentation!r}, off={self.off!r}, "
            f"target={self.target}{name})"
        )
