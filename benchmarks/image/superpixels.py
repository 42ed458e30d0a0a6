"""Image benchmark: planted superpixel conjunctions, and the cost of explaining a real CNN.

(a) **Planted conjunction.** A small CNN is trained here on synthetic 36x36 images whose class is
    a conjunction of two objects: positive iff a *red square* and a *blue circle* are both
    present. Distractors (blue squares, red circles) share a colour or a shape with each target,
    so neither colour nor shape alone decides; negatives hold zero or one of the two targets.
    Objects sit inside the cells of a 3x3 grid, and the grid cells are given to the adapter as
    the superpixels (user-given segments), so each object is covered by one superpixel; "off"
    = the background grey. On positive test images that the CNN classifies as positive we
    check whether the top interaction (MADEX: the strongest set of any order; ArchDetect: the
    strongest pair) is exactly the pair of superpixels holding the two objects.

(b) **EfficientNet-Lite0 on photos** (offline ImageNet weights) on scikit-image's chelsea,
    coffee, astronaut and rocket, with the paper's quickshift superpixels and mean-colour fill:
    queries, wall time, and the share of it spent in model queries (``exp.model_time``: composing
    the masked images, preprocessing and the forward pass).

The synthetic images and the CNN are in ``benchmarks/_lib/planted_image.py``.

    python -m benchmarks.image.superpixels          # full run; writes benchmarks/results/image.md
    python -m benchmarks.image.superpixels --quick --output /tmp/image.md   # dry run, small
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

import interactkit
from benchmarks._lib.paths import RESULTS
from benchmarks._lib.planted_image import (
    BACKGROUND,
    GRID,
    PREPROCESS,
    SIZE,
    Sample,
    accuracy,
    grid_segments,
    make_dataset,
    make_sample,
    train_cnn,
)
from benchmarks._lib.report import command
from interactkit.adapters.image import ImageExplainer, ImageSpace, load_efficientnet_lite0
from interactkit.visualizers.image import format_set

# --------------------------------------------------------------------------------------------
# (a) planted conjunction
# --------------------------------------------------------------------------------------------


def conjunction_benchmark(args: argparse.Namespace) -> tuple[str, dict]:
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    train = make_dataset(args.train_images, rng)
    model = train_cnn(train, args.epochs, args.seed)
    train_seconds = time.perf_counter() - start
    test = make_dataset(2000, np.random.default_rng(args.seed + 1))
    test_acc = accuracy(model, test)

    explainer = ImageExplainer(
        model, PREPROCESS, off=(BACKGROUND,) * 3, image_size=None, target=1, max_batch_size=256
    )
    segments = grid_segments()
    positives: list[Sample] = []
    spaces: list[ImageSpace] = []
    pos_rng = np.random.default_rng(args.seed + 2)
    n_tried = 0
    while len(positives) < args.test_images:
        sample = make_sample(pos_rng, positive=True)
        n_tried += 1
        space = explainer.space(sample.image, segments=segments)
        if space.predicted == 1:
            positives.append(sample)
            spaces.append(space)
    truth = [tuple(sorted((s.cells[0], s.cells[1]))) for s in positives]

    rows = []
    methods = (("madex", {"n_samples": args.n_samples}), ("archdetect", {}))
    for method, params in methods:
        start = time.perf_counter()
        results = interactkit.explain_many(
            spaces, method=method, seed=args.seed, progress=False, **params
        )
        wall = time.perf_counter() - start
        top1 = [r.top(1)[0].features if r.top(1) else () for r in results]
        top3 = [[it.features for it in r.top(3)] for r in results]
        hits = sum(t == g for t, g in zip(top1, truth, strict=True))
        superset = sum(set(g) <= set(t) for t, g in zip(top1, truth, strict=True))
        pair1 = sum(
            bool(r.pairs(1)) and r.pairs(1)[0].features == g
            for r, g in zip(results, truth, strict=True)
        )
        in3 = sum(g in t for t, g in zip(top3, truth, strict=True))
        model_s = sum(r.model_time for r in results)
        rows.append(
            {
                "method": method,
                "hits": hits,
                "superset": superset,
                "pair1": pair1,
                "in3": in3,
                "n": len(spaces),
                "queries": float(np.mean([r.n_queries for r in results])),
                "wall": wall,
                "model": model_s,
            }
        )

    lines = [
        "### (a) Planted conjunction: red square AND blue circle",
        "",
        f"SmallCNN trained on {args.train_images} synthetic {SIZE}x{SIZE} images "
        f"({args.epochs} epochs, {train_seconds:.0f} s); test accuracy {test_acc:.3f} on 2000 "
        f"images. Superpixels: the 3x3 grid cells (user-given segments), off = background grey; "
        f"explained output: the positive-class logit (the log-odds). {len(spaces)} positive "
        f"test images classified positive ({n_tried} drawn). MADEX: n_samples={args.n_samples} "
        f"(p = {GRID * GRID}, so at most {2 ** (GRID * GRID)} distinct masks), surrogates "
        "trained together with `explain_many`. *Model share*: time in model queries "
        "(`exp.model_time`: composing, preprocessing, forward) / wall time.",
        "",
        "| method | top-1 set = object pair | top-1 set contains the pair | pair in top-3 sets | "
        "strongest pair = object pair | queries / image | wall time / image (s) | model share |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['hits']}/{r['n']} ({r['hits'] / r['n']:.0%}) | "
            f"{r['superset']}/{r['n']} | {r['in3']}/{r['n']} | {r['pair1']}/{r['n']} | "
            f"{r['queries']:.0f} | "
            f"{r['wall'] / r['n']:.3f} | {r['model'] / r['wall']:.0%} |"
        )
    summary = {"test_acc": test_acc, "rows": rows}
    return "\n".join(lines), summary


# --------------------------------------------------------------------------------------------
# (b) EfficientNet-Lite0 on photos
# --------------------------------------------------------------------------------------------


def photo_benchmark(args: argparse.Namespace) -> str:
    from skimage import data

    model, preprocess, names = load_efficientnet_lite0()
    explainer = ImageExplainer(model, preprocess, class_names=names, max_batch_size=args.batch_size)
    lines = [
        "### (b) EfficientNet-Lite0 (ImageNet, offline) on scikit-image photos",
        "",
        "Quickshift superpixels with the paper's settings (kernel_size=3, max_dist=300, "
        "ratio=0.2) on the 224x224 centre crop, fill = superpixel mean colour, explained output: "
        f"the predicted class logit. MADEX n_samples={args.photo_samples}; model batch "
        f"{args.batch_size}. *Model* = time in model queries (composing the masked images, "
        "preprocessing and the forward pass); the rest is sampling and surrogate training / "
        "detection.",
        "",
        "| photo | predicted class | superpixels | method | queries | wall time (s) | "
        "model (s) | model share | top interaction |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for photo in args.photos.split(","):
        space: ImageSpace = explainer.space(getattr(data, photo)())
        for method in args.photo_methods.split(","):
            params = {"n_samples": args.photo_samples} if method == "madex" else {}
            start = time.perf_counter()
            result = interactkit.explain(space, method=method, seed=args.seed, **params)
            wall = time.perf_counter() - start
            top = result.top(1)
            top_names = format_set(top[0].names, 5) if top else "-"
            lines.append(
                f"| {photo} | {space.target_name} | {space.n_features} | {method} | "
                f"{result.n_queries} | {wall:.1f} | {result.model_time:.1f} | "
                f"{result.model_time / wall:.0%} | {top_names} |"
            )
            print(lines[-1], file=sys.stderr, flush=True)  # progress
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-images", type=int, default=8000)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--test-images", type=int, default=100)
    parser.add_argument(
        "--n-samples",
        type=int,
        default=2000,
        help="MADEX samples in (a) (p = 9 features has only 512 distinct masks)",
    )
    parser.add_argument("--photos", default="chelsea,coffee,astronaut,rocket")
    parser.add_argument("--photo-methods", default="madex,archdetect")
    parser.add_argument("--photo-samples", type=int, default=6000, help="MADEX samples in (b)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per model call in (b)")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (1 was fastest here)"
    )
    parser.add_argument("--skip-photos", action="store_true", help="skip (b)")
    parser.add_argument("--skip-conjunction", action="store_true", help="skip (a)")
    parser.add_argument("--quick", action="store_true", help="tiny settings for a dry run")
    parser.add_argument("--output", default=str(RESULTS / "image.md"))
    args = parser.parse_args()
    if args.quick:
        args.train_images, args.epochs, args.test_images = 3000, 6, 20
        args.n_samples, args.photo_samples, args.photos = 1000, 200, "chelsea"
    torch.set_num_threads(args.threads)

    header = [
        "## Image benchmark",
        "",
        f"Command: `{command(__file__)}`",
        "",
        f"Machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"CPU, torch threads={torch.get_num_threads()}; {time.strftime('%Y-%m-%d')}.",
        "",
    ]
    print("\n".join(header), flush=True)
    sections = list(header)
    if not args.skip_conjunction:
        part_a, _ = conjunction_benchmark(args)
        print(part_a + "\n", flush=True)
        sections += [part_a, ""]
    if not args.skip_photos:
        part_b = photo_benchmark(args)
        print("\n" + part_b, flush=True)
        sections += [part_b, ""]
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(sections))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
