"""Image classifiers by name or file, with their preprocessing and class names.

* :func:`load_image_model` -- what a ``--model`` value names: the offline demo
  (``"efficientnet-lite0"``, :mod:`interactkit.adapters.image.demo`), a torchvision classifier
  (``"torchvision:NAME"``) or a model file (TorchScript or ``torch.export``, loaded by
  ``interactkit.extend.load_program``, the one loader of model files);
* :func:`load_torchvision_classifier` -- a torchvision classifier with pretrained weights.

Each returns ``(model, preprocessing, class names)``, ready for
:class:`~interactkit.adapters.image.ImageExplainer`.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from interactkit.adapters.image.demo import (
    OFFLINE_MODEL,
    imagenet_class_names,
    load_efficientnet_lite0,
)
from interactkit.adapters.image.preprocessing import Normalize, Preprocess, TorchvisionPreset
from interactkit.extend import check_device, load_program, output_logits

__all__ = ["load_image_model", "load_torchvision_classifier"]


def load_image_model(
    spec: str | os.PathLike[str], device: torch.device | str = "cpu", option: str = "model"
) -> tuple[Callable[[torch.Tensor], Any], Preprocess, list[str] | None]:
    """``(model, preprocess, class_names)`` for a model name or a model file.

    ``"efficientnet-lite0"`` is the offline demo (:func:`load_efficientnet_lite0`);
    ``"torchvision:NAME"`` a torchvision classifier with its DEFAULT weights and
    ``weights.transforms()`` (:func:`load_torchvision_classifier`: downloads the weights on
    first use); anything else the path of a model file taking ImageNet-normalized
    ``[B, 3, 224, 224]`` batches and returning logits: a ``torch.export`` program exported with
    a dynamic batch dimension, or a TorchScript file.

    A model file is loaded with ``interactkit.extend.load_program`` (its kind is read from the
    file, not its suffix), then called once on a batch of three images, so that a damaged
    file, a state_dict instead of a model, or a program exported for one batch size fails here
    with a message naming the file. Its preprocessing is the ImageNet mean/std normalization,
    and its class names are ImageNet's when it has 1000 outputs (else None).

    Args:
        spec: ``"efficientnet-lite0"``, ``"torchvision:NAME"`` or the path of a model file.
        device: where the model runs.
        option: how errors name where ``spec`` came from (the CLI: ``"--model"``).

    Returns:
        ``(model, preprocess, class names or None)``; the model maps the preprocessed
        ``Tensor[B, 3, 224, 224]`` to logits ``Tensor[B, n_classes]``.

    Raises:
        ValueError: an unknown name, a directory, or a model file that cannot be loaded or
            does not take batches of any size.
        OSError: a torchvision model's weights cannot be downloaded.
    """
    device = check_device(device)
    name = os.fspath(spec)
    if name == OFFLINE_MODEL:
        return load_efficientnet_lite0(device)
    if name.startswith("torchvision:"):
        model_name = name.split(":", 1)[1]
        if not re.fullmatch(r"[a-z0-9_]+", model_name):
            raise ValueError(f"invalid torchvision model name {model_name!r} (e.g. resnet50)")
        try:
            return load_torchvision_classifier(model_name, device=device)
        except OSError as err:
            raise OSError(f"{err}; offline, use {OFFLINE_MODEL!r}") from None
    path = Path(name)
    if not path.exists():
        raise ValueError(
            f"{option} {name!r} is neither a known model ({OFFLINE_MODEL}, torchvision:NAME) "
            "nor an existing file"
        )
    model = load_program(path, device, option=option)  # a directory is refused there
    n_classes = _check_model_file(model, f"{option} {name}", device)
    names: list[str] | None = None
    if n_classes == 1000:
        try:
            names = imagenet_class_names()
        except ImportError:
            names = None
    return model, Normalize(), names


def _check_model_file(
    model: Callable[[torch.Tensor], Any], origin: str, device: torch.device
) -> int:
    """The number of classes of a loaded model file, from one call on a batch of 3 (not 1 or 2,
    the batch sizes a program exported without a dynamic batch dimension was usually traced
    with)."""
    batch = torch.zeros(3, 3, 224, 224, device=device)
    try:
        with torch.inference_mode():
            logits = output_logits(model(batch), 3, "images")
    except Exception as err:  # whatever the saved program raises on a batch it cannot take
        raise ValueError(
            f"{origin}: the model fails on a batch of 3 ImageNet-normalized images "
            f"[3, 3, 224, 224] ({type(err).__name__}: {_first_sentence(err)}); it must take "
            "[B, 3, 224, 224] batches of any size B (for torch.export: export with a dynamic "
            "batch dimension) and return logits [B, n_classes]"
        ) from None
    return int(logits.shape[1])


def _first_sentence(err: BaseException) -> str:
    """The first sentence of an error's message (torch's go on for a paragraph)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    first = lines[0] if lines else type(err).__name__
    return first.split(". ", 1)[0].rstrip(".")


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
