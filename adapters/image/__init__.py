"""Images: superpixels of an image as the interpretable features of an image classifier.

A feature is a superpixel of the *displayed* image -- the RGB image at the resolution and crop
the model sees (by default resized so that its shorter side is 224 and centre-cropped to
224x224, as in the paper). Turning a feature "off" replaces its pixels by a *fill*, chosen
with ``ImageExplainer(off=...)``:

* ``"mean"`` -- the superpixel's own mean colour (the paper's choice);
* ``"zero"`` (alias ``"grey"``) -- the colour that the preprocessing maps to 0, i.e. the
  "normalized zero" (the ImageNet mean colour, a grey, for ImageNet normalization; black when
  there is no preprocessing);
* ``"blur"`` -- the same pixels of a Gaussian-blurred copy of the image;
* a constant colour ``(r, g, b)`` (floats in [0, 1] or ints in 0..255).

How an image and a batch of masks become model outputs, shape by shape, is in
:mod:`interactkit.adapters.image.space`. Preprocessing can be

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
    from interactkit.visualizers.image import plot_image_explanation
    model, preprocess, classes = load_efficientnet_lite0()
    explainer = ImageExplainer(model, preprocess, off="mean", class_names=classes)
    space = explainer.space(skimage.data.chelsea())
    result = interactkit.explain(space, method="madex")
    fig = plot_image_explanation(space, result)
    logits = explainer.predict_logits([skimage.data.chelsea()])     # [1, 1000]

Modules: ``convert`` (images -> RGB tensors; image files and ``skimage:NAME`` photos),
``preprocessing`` (geometry and normalization), ``segmentation`` (superpixels), ``fills``
("off" pixels), ``space`` (:class:`ImageSpace`), ``explainer`` (:class:`ImageExplainer`),
``gradients`` (integrated gradients per superpixel), ``models`` (a classifier by name or file:
torchvision, TorchScript, ``torch.export``), ``demo`` (the offline EfficientNet-Lite0).
scikit-image is imported when a segmentation is computed, torchvision only when a torchvision
preset or model is used: importing this package costs numpy and torch only.
"""

from interactkit.adapters.image.convert import (
    SKIMAGE_IMAGES,
    load_image,
    open_image,
    to_rgb_tensor,
)
from interactkit.adapters.image.demo import (
    OFFLINE_MODEL,
    imagenet_class_names,
    load_efficientnet_lite0,
)
from interactkit.adapters.image.explainer import ImageExplainer
from interactkit.adapters.image.fills import OFF_FILLS
from interactkit.adapters.image.models import load_image_model, load_torchvision_classifier
from interactkit.adapters.image.preprocessing import IMAGENET_MEAN, IMAGENET_STD, Normalize
from interactkit.adapters.image.segmentation import DEFAULT_SEGMENTATION_PARAMS, segment_image
from interactkit.adapters.image.space import ImageSpace

__all__ = [
    "DEFAULT_SEGMENTATION_PARAMS",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "OFFLINE_MODEL",
    "OFF_FILLS",
    "SKIMAGE_IMAGES",
    "ImageExplainer",
    "ImageSpace",
    "Normalize",
    "imagenet_class_names",
    "load_efficientnet_lite0",
    "load_image",
    "load_image_model",
    "load_torchvision_classifier",
    "open_image",
    "segment_image",
    "to_rgb_tensor",
]
