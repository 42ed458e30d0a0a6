"""Attribution benchmark: what each method costs and how far the methods agree (issue 13).

For every instance, main effects in the same feature space by

* MADEX (the surrogate's main effects) and ArchAttribute (``f({i}) - f({})``), interactkit's own;
* captum's perturbation methods on the value function (FeatureAblation, ShapleyValueSampling,
  KernelShap, Lime), batched and de-duplicated through the query layer;
* captum's gradient methods through the adapter's differentiable path (text: layer integrated
  gradients on the token embeddings, summed per word; images: integrated gradients and
  GradientShap from the fill image, summed per superpixel).

Per method: queries (distinct masks), gradient passes, wall time, time in the model and its
share. Agreement of every method with MADEX and with ArchAttribute (Spearman rank correlation,
top-3 agreement, sign agreement on the features that matter, means over instances), and the
triangulation over all methods (``interactkit.agreement_over_instances``).

Two parts, on offline real models:

* ``text`` -- the MiniLM-SST-2 classifier on SST-2 dev sentences (whitespace words, off = mask,
  so that the integrated-gradients path ends exactly at the space's all-off input);
* ``image`` -- EfficientNet-Lite0 on scikit-image photos (quickshift superpixels with the
  paper's settings on the 224x224 crop, fill = superpixel mean colour).

Sizes are kept modest so that the whole run takes well under an hour on 2 CPU cores::

    python -m benchmarks.attribution.agreement --out benchmarks/results/attribution.md
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch

import interactkit
from benchmarks._lib.paths import DATA_ROOT
from benchmarks._lib.report import header, run_parts
from interactkit import Attribution, FeatureSpace, agreement_over_instances, compare_attributions

REFERENCES = ("madex", "archattribute")


def attribute_all(
    space: FeatureSpace, methods: dict[str, dict[str, Any]], seed: int
) -> dict[str, Attribution]:
    """Every method's attribution of one instance (same seed for every sampling method)."""
    out = {}
    for name, params in methods.items():
        start = time.perf_counter()
        attr = interactkit.attribute(space, method=name, seed=seed, **params)
        attr.wall_time = time.perf_counter() - start  # MADEX's includes its surrogate training
        out[name] = attr
    return out


def cost_table(runs: list[dict[str, Attribution]], methods: dict[str, dict[str, Any]]) -> str:
    """Per method: mean queries, gradient passes, wall and model seconds per instance."""
    lines = [
        "| method | settings | queries / instance | gradient passes / instance | wall s / instance "
        "| model s / instance | model share |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, params in methods.items():
        attrs = [run[name] for run in runs]
        queries = np.mean([a.n_queries for a in attrs])
        steps = [a.params.get("n_steps") or a.params.get("n_samples") for a in attrs]
        gradient = name in ("integrated_gradients", "gradient_shap")
        wall = np.mean([a.wall_time for a in attrs])
        model = np.mean([a.model_time for a in attrs])
        settings = ", ".join(f"{k}={v}" for k, v in params.items()) or "-"
        lines.append(
            f"| {name} | {settings} | {queries:.0f} | {np.mean(steps) if gradient else 0:.0f} | "
            f"{wall:.2f} | {model:.2f} | {model / wall:.0%} |"
        )
    return "\n".join(lines)


def agreement_table(runs: list[dict[str, Attribution]], k: int = 3) -> str:
    """Each method against MADEX and ArchAttribute, means over instances."""
    cols = [f"{m}: {what}" for m in REFERENCES for what in ("ρ", f"top-{k}", "sign")]
    lines = ["| method | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name in runs[0]:
        cells = []
        for ref in REFERENCES:
            stats: dict[str, list[float]] = {"rank": [], "top": [], "sign": []}
            for run in runs:
                agree = compare_attributions([run[ref], run[name]], k=k)
                for key, mat in (
                    ("rank", agree.rank_correlation),
                    ("top", agree.top_k_agreement),
                    ("sign", agree.sign_agreement),
                ):
                    if np.isfinite(mat[0, 1]):
                        stats[key].append(float(mat[0, 1]))
            cells += [f"{np.mean(v):.2f}" if v else "n/a" for v in stats.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def triangulation(runs: list[dict[str, Attribution]], k: int = 3) -> str:
    """Over all methods: how often they agree on the top feature, mean pairwise agreement."""
    summary = agreement_over_instances([list(run.values()) for run in runs], k=k)
    consistent = [compare_attributions(list(run.values()), k=k).consistent.mean() for run in runs]
    without_lime = [[a for n, a in run.items() if n != "lime"] for run in runs]
    lime_free = agreement_over_instances(without_lime, k=k)
    return (
        f"All {len(summary['methods'])} methods over {summary['n_instances']} instances: the "
        f"same top feature in {summary['top1_all_agree']:.0%} of instances "
        f"({lime_free['top1_all_agree']:.0%} without Lime); mean pairwise rank correlation "
        f"{summary['mean_rank_correlation']:.2f}, top-{k} agreement "
        f"{summary['mean_top_k_agreement']:.2f}, sign agreement "
        f"{summary['mean_sign_agreement']:.2f}; on average {np.mean(consistent):.0%} of the "
        "features get the same sign from every method to which they matter."
    )


def completeness(runs: list[dict[str, Attribution]]) -> str:
    """How well the gradient methods' values add up to the logit change along their path."""
    parts = []
    for name in ("integrated_gradients", "gradient_shap"):
        if name not in runs[0]:
            continue
        gaps = []
        for run in runs:
            a = run[name]
            start = a.params.get("ig_baseline_value", a.baseline_value)
            gaps.append(abs(a.values.sum() - (a.value - start)) / max(abs(a.value - start), 1e-9))
        parts.append(
            f"{name}: |sum of values - (f(x) - f(baseline))| / |f(x) - f(baseline)| = "
            f"{np.median(gaps):.2%} median, {np.max(gaps):.2%} max"
        )
    return "Completeness: " + "; ".join(parts) + "."


def report(title: str, intro: str, runs: list[dict[str, Attribution]], methods: dict) -> str:
    return "\n\n".join(
        [
            intro,
            f"### {title}: cost per method",
            "Queries = distinct masks sent to the model (the query layer de-duplicates within a "
            "method); gradient passes = interpolated inputs run forward and backward (batched). "
            "Model share = time in model calls / wall time.",
            cost_table(runs, methods),
            f"### {title}: agreement with MADEX and ArchAttribute",
            "ρ = Spearman rank correlation of the per-feature values; top-3 = share of the 3 "
            "largest-|value| features in common; sign = share of the features that matter to "
            "either method (|value| >= 5% of its largest) with the same sign. Means over "
            "instances.",
            agreement_table(runs),
            triangulation(runs),
            completeness(runs),
        ]
    )


def text_part(args: argparse.Namespace) -> str:
    from interactkit.adapters.text import TextExplainer, load_sst2, minilm_sst2_classifier

    model, tokenizer = minilm_sst2_classifier(train_file=args.train_file)
    explainer = TextExplainer(
        model, tokenizer, features="whitespace", off="mask", max_batch_size=args.text_batch
    )
    frame = load_sst2(args.dev_file)
    sentences = [s for s in frame["sentence"] if 6 <= len(s.split()) <= 18][: args.sentences]
    methods: dict[str, dict[str, Any]] = {
        "madex": {"n_samples": args.text_madex},
        "archattribute": {},
        "ablation": {},
        "shapley": {"n_samples": args.text_shapley},
        "kernelshap": {"n_samples": args.text_samples},
        "lime": {"n_samples": args.text_samples},
        "integrated_gradients": {"n_steps": args.text_ig_steps},
    }
    runs = []
    for i, sentence in enumerate(sentences):
        runs.append(attribute_all(explainer.space(sentence), methods, args.seed))
        print(f"text {i + 1}/{len(sentences)}", file=sys.stderr, flush=True)
    words = np.mean([len(s.split()) for s in sentences])
    intro = (
        f"MiniLM-L6 + logistic head ({model.training_info.get('n_train')} SST-2 train "
        f"sentences), the first {len(sentences)} SST-2 dev sentences of 6-18 words (mean "
        f"{words:.1f} words = features); whitespace words, off = `mask` ([MASK] token, so the "
        "integrated-gradients baseline is exactly the all-off input); explained output: the "
        f"predicted class's logit; model batch {args.text_batch}; seed {args.seed}."
    )
    return report("Text", intro, runs, methods)


def image_part(args: argparse.Namespace) -> str:
    from skimage import data

    from interactkit.adapters.image import ImageExplainer, load_efficientnet_lite0

    model, preprocess, names = load_efficientnet_lite0()
    explainer = ImageExplainer(
        model, preprocess, class_names=names, max_batch_size=args.image_batch
    )
    methods: dict[str, dict[str, Any]] = {
        "madex": {"n_samples": args.image_madex},
        "archattribute": {},
        "ablation": {},
        "shapley": {"n_samples": args.image_shapley},
        "kernelshap": {"n_samples": args.image_samples},
        "lime": {"n_samples": args.image_samples},
        "integrated_gradients": {"n_steps": args.image_ig_steps, "internal_batch_size": 16},
        "gradient_shap": {"n_samples": args.image_ig_steps, "internal_batch_size": 16},
    }
    runs, described = [], []
    for photo in args.photos.split(","):
        space = explainer.space(getattr(data, photo)())
        runs.append(attribute_all(space, methods, args.seed))
        described.append(f"{photo} ({space.target_name}, {space.n_features} superpixels)")
        print(f"image {photo} done", file=sys.stderr, flush=True)
    intro = (
        f"EfficientNet-Lite0 (ImageNet weights, offline) on {len(runs)} scikit-image photos: "
        f"{', '.join(described)}. Quickshift superpixels (kernel_size=3, max_dist=300, "
        "ratio=0.2) on the 224x224 crop, fill = superpixel mean colour (the integrated "
        "gradients' baseline image); explained output: the predicted class's logit; model batch "
        f"{args.image_batch}; seed {args.seed}."
    )
    return report("Images", intro, runs, methods)


def main() -> None:
    data = DATA_ROOT / "sst2"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="text,image", type=lambda s: s.split(","))
    parser.add_argument("--train-file", default=str(data / "train.tsv"))
    parser.add_argument("--dev-file", default=str(data / "dev.tsv"))
    parser.add_argument("--sentences", type=int, default=20)
    parser.add_argument("--text-madex", type=int, default=2000, help="MADEX samples (text)")
    parser.add_argument("--text-shapley", type=int, default=25, help="Shapley permutations")
    parser.add_argument("--text-samples", type=int, default=1000, help="KernelShap/Lime samples")
    parser.add_argument("--text-batch", type=int, default=256)
    parser.add_argument("--photos", default="chelsea,coffee,astronaut")
    parser.add_argument("--image-madex", type=int, default=1000, help="MADEX samples (images)")
    parser.add_argument("--image-shapley", type=int, default=8, help="Shapley permutations")
    parser.add_argument("--image-samples", type=int, default=500, help="KernelShap/Lime samples")
    parser.add_argument("--image-batch", type=int, default=32)
    parser.add_argument("--text-ig-steps", type=int, default=32, help="IG steps (text)")
    parser.add_argument(
        "--image-ig-steps", type=int, default=64, help="IG steps / GradientShap samples (images)"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    sections = header(
        "Attribution benchmark: cost and agreement of MADEX, ArchAttribute and captum's methods",
        __file__,
        f"{platform.machine()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch "
        f"thread(s), torch {torch.__version__}; load average at start {load} (the machine is "
        "shared: compare times within one table, not across runs). Sizes are modest on "
        "purpose (20 sentences, 3 photos, a few hundred to 2000 samples per method) so that the "
        "whole run stays well under an hour on 2 CPU cores; the sampling methods' agreement "
        "would rise with more samples.",
    )
    parts = {
        "text": ("Text: MiniLM-SST-2 (offline)", lambda: text_part(args)),
        "image": ("Images: EfficientNet-Lite0 (offline)", lambda: image_part(args)),
    }
    run_parts(sections, parts, args.parts, args.out, timed=True)


if __name__ == "__main__":
    main()
