"""Gradient attributions of an image classifier, summed over each superpixel of an ImageSpace.

The path runs in the *displayed* image space, where superpixels and fills live, and goes
through the (batched, differentiable) preprocessing to the model::

    fill image  f: [3, H, W]  (the space's all-off image)   ->   displayed image  x: [3, H, W]
    captum IntegratedGradients / GradientShap on  z -> model(preprocess(z))[:, target]
      attributions  float[1, 3, H, W]
      -> sum over the 3 channels and over each superpixel's pixels  -> float[n]  (values)

With the fill image as the baseline, integrated gradients satisfy completeness in the feature
space: ``sum(values) ~= value - baseline_value`` (the logit of the image minus that of the
all-off image); ``params["convergence_delta"]`` is captum's estimate of the gap.
``"gradient_shap"`` (captum's GradientShap: random points on the same path, optionally with
Gaussian noise ``stdevs`` around the image) is the sampled variant; it is seeded.

Only a ``torch.nn.Module`` model (and a torch preprocessing) has a gradient path; for other
callables, use the perturbation methods.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from interactkit import Attribution, FeatureSpace
from interactkit.extend import check_float, check_int, check_seed, output_logits

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    from interactkit.adapters.image.preprocessing import Pipeline

# the space is typed by the core's FeatureSpace (it is an ImageSpace): this module is imported
# by the space's
__all__ = ["GRADIENT_METHODS", "gradient_attribution", "superpixel_sums"]

#: the gradient methods an image space of a torch model offers
GRADIENT_METHODS = ("integrated_gradients", "gradient_shap")
_IG_RULES = ("gausslegendre", "riemann_trapezoid", "riemann_left", "riemann_right")


def superpixel_sums(pixel_attr: torch.Tensor, segments: torch.Tensor, n: int) -> torch.Tensor:
    """Per-superpixel sums of a pixel attribution.

    Args:
        pixel_attr: ``Tensor[3, H, W]`` (or ``[H, W]``).
        segments: ``LongTensor[H * W]``, the superpixel of each pixel (row-major).
        n: the number of superpixels.

    Returns:
        ``float64 Tensor[n]``.
    """
    per_pixel = pixel_attr.double().reshape(-1, segments.shape[0]).sum(0)
    out = torch.zeros(n, dtype=torch.float64, device=per_pixel.device)
    return out.index_add_(0, segments.to(per_pixel.device), per_pixel)


def gradient_attribution(
    space: FeatureSpace,
    model: Callable[[torch.Tensor], Any],
    pipeline: Pipeline,
    input_dtype: torch.dtype,
    method: str = "integrated_gradients",
    *,
    seed: int = 0,
    n_steps: int = 50,
    integration: str = "gausslegendre",
    n_samples: int = 50,
    stdevs: float = 0.0,
    internal_batch_size: int | None = None,
) -> Attribution:
    """Integrated gradients (or GradientShap) from the fill image, summed per superpixel.

    Args:
        space: the image's :class:`~interactkit.adapters.image.ImageSpace`.
        model, pipeline, input_dtype: the space's model, preprocessing and input dtype.
        method: ``"integrated_gradients"`` or ``"gradient_shap"``.
        seed: GradientShap's sampling seed (integrated gradients are deterministic).
        n_steps, integration: integrated gradients' points and rule (captum ``n_steps``,
            ``method``).
        n_samples, stdevs: GradientShap's random path points and input noise (in displayed
            [0, 1] pixel units).
        internal_batch_size: images per forward/backward pass of integrated gradients
            or GradientShap (default: the space's ``max_batch_size``).

    Returns:
        An :class:`~interactkit.results.Attribution` (``values: float[n_features]``, units of
        the target logit, ``n_queries=0``, model calls in ``params``).

    Raises:
        TypeError: the model is not a torch module, or the preprocessing is not differentiable.
    """
    import captum.attr

    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"the model is a {type(model).__name__}, not a torch.nn.Module: it has no gradient "
            "path; use a perturbation method (ablation, shapley, kernelshap, lime)"
        )
    if method not in GRADIENT_METHODS:
        raise ValueError(f"method={method!r} is unknown; choose one of {GRADIENT_METHODS}")
    seed = check_seed(seed)
    batch = check_int("internal_batch_size", internal_batch_size or space.max_batch_size)
    if method == "integrated_gradients":
        if integration not in _IG_RULES:
            raise ValueError(f"integration={integration!r} is unknown; choose one of {_IG_RULES}")
        params: dict[str, Any] = {
            "captum": "IntegratedGradients",
            "n_steps": check_int("n_steps", n_steps, minimum=2),
            "integration": integration,
        }
    else:
        params = {
            "captum": "GradientShap",
            "n_samples": check_int("n_samples", n_samples),
            "stdevs": check_float("stdevs", stdevs, 0.0),
        }
    params["internal_batch_size"] = batch
    start = time.perf_counter()
    p = space.n_features
    ends = space(torch.stack([torch.ones(p), torch.zeros(p)]))
    image = torch.as_tensor(space.image, device=space.device).permute(2, 0, 1)[None].float()
    fill = torch.as_tensor(space.fill_image, device=space.device).permute(2, 0, 1)[None].float()
    forward, stats = _forward(model, pipeline, input_dtype, space.target)
    _check_gradient_path(forward, image)
    model_start = time.perf_counter()
    # GradientShap draws its path points from numpy's global generator: seed it, then restore
    numpy_state = np.random.get_state()  # noqa: NPY002 (captum uses the legacy generator)
    np.random.seed(seed)  # noqa: NPY002
    try:
        with torch.enable_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if method == "integrated_gradients":
                attr, delta = captum.attr.IntegratedGradients(forward).attribute(
                    image,
                    baselines=fill,
                    n_steps=params["n_steps"],
                    method=integration,
                    internal_batch_size=batch,
                    return_convergence_delta=True,
                )
            else:
                attr, delta = _gradient_shap(captum.attr.GradientShap(forward), image, fill, params)
    finally:
        np.random.set_state(numpy_state)  # noqa: NPY002
    model_seconds = time.perf_counter() - model_start
    height, width = space.image_shape
    segments = torch.as_tensor(space.segments.reshape(-1), dtype=torch.long)
    values = superpixel_sums(attr.detach()[0].cpu(), segments, p)
    params.update(
        baseline="the fill image (" + (space.off or "fill") + ")",
        model_calls=stats["calls"] + 1,  # + the two ends, one call
        forward_seconds=stats["seconds"],
        convergence_delta=float(delta.detach().double().mean()),
        image_shape=[int(height), int(width)],
    )
    return Attribution(
        method=method,
        feature_names=space.feature_names,
        values=values.numpy(),
        params=params,
        n_queries=0,
        value=float(ends[0]),
        baseline_value=float(ends[1]),
        wall_time=time.perf_counter() - start,
        model_time=model_seconds,
        seed=seed if method == "gradient_shap" else None,
    )


def _check_gradient_path(
    forward: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor
) -> None:
    """Raise a TypeError unless the target logit has a gradient with respect to the pixels."""
    probe = image.clone().requires_grad_(True)
    with torch.enable_grad():
        out = forward(probe)
        grad = None
        if out.requires_grad:
            (grad,) = torch.autograd.grad(out.sum(), probe, allow_unused=True)
    if grad is None:
        raise TypeError(
            "no gradient reaches the image through the preprocessing and the model (a "
            "preprocessing that leaves torch, e.g. through numpy, or a model run without "
            "gradients); make the preprocessing torch operations on the batch, or use a "
            "perturbation method (ablation, shapley, kernelshap, lime)"
        )


def _gradient_shap(
    algorithm: Any, image: torch.Tensor, fill: torch.Tensor, params: dict[str, Any]
) -> tuple[torch.Tensor, torch.Tensor]:
    """GradientShap in chunks of at most ``internal_batch_size`` samples (bounded memory).

    Each chunk's attribution is a mean over its samples, so the size-weighted mean of the chunks
    is the estimate over all ``n_samples``.
    """
    total, size = params["n_samples"], params["internal_batch_size"]
    attr = torch.zeros_like(image, dtype=torch.float64)
    delta = torch.zeros((), dtype=torch.float64)
    for first in range(0, total, size):
        k = min(size, total - first)
        part, part_delta = algorithm.attribute(
            image,
            baselines=fill,
            n_samples=k,
            stdevs=params["stdevs"],
            return_convergence_delta=True,
        )
        attr += part.detach().double() * (k / total)
        delta += part_delta.detach().double().mean().cpu() * (k / total)
    return attr, delta


def _forward(
    model: torch.nn.Module, pipeline: Pipeline, input_dtype: torch.dtype, target: int
) -> tuple[Callable[[torch.Tensor], torch.Tensor], dict[str, float]]:
    """captum's forward: displayed images ``[B, 3, H, W]`` -> target logits ``[B]``."""
    stats = {"calls": 0, "seconds": 0.0}

    def forward(images: torch.Tensor) -> torch.Tensor:
        tick = time.perf_counter()
        out = model(pipeline(images).to(input_dtype))
        logits = output_logits(out, int(images.shape[0]), "images")[:, target]
        stats["calls"] += 1
        stats["seconds"] += time.perf_counter() - tick
        return logits

    return forward, stats
