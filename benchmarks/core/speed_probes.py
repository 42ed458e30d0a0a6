"""Probes behind decisions of the speed work, each a table.

* ``sample_rule``: the HistGradientBoosting pipeline on raw rows of
  ``benchmarks/_lib/raw_models.py`` (the settings of the test suite's ``hgb_pipeline``, planted
  ad clicks at strength 1.5), GLIDER top 10 with a [64, 32] surrogate, with MADEX's per-pair
  sample rule (``samples_per_pair=7.7``: 1047 samples for 17 fields) against 2000 samples: the
  planted sets' ranks. Why ``samples_per_pair`` is not MADEX's default.
* ``target_batch``: the five tuned target models on the default synthetic data (seed 0, one
  thread), batch 1024 (the preset) against larger batches with scaled learning rates: seconds,
  epochs and test AUC. Why the tuned preset's batch size stayed.
* ``text_samples``: MADEX with 150 perturbations per word, 1500, 1000 and 750 against
  ArchDetect on the speed target's sentences (SST-2 dev negation sentences of 14-20 words,
  offline MiniLM-SST-2): the model-measured quality of the top pair, queries, and time as a
  ratio to ArchDetect's. Why the text adapter caps MADEX at 1000 perturbations.

    python -m benchmarks.core.speed_probes --out benchmarks/results/speed_probes.md
    python -m benchmarks.core.speed_probes --parts text_samples --threads 2 \
        --out benchmarks/results/text_samples.md
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import interactkit
from benchmarks._lib.raw_models import hgb_pipeline
from benchmarks._lib.report import header, machine, run_parts
from benchmarks._lib.suites import RealLongText
from interactkit.adapters.ctr import ground_truth_report, load_dataset, make_ad_clicks
from interactkit.adapters.ctr.explain.raw import RawExplainer
from interactkit.adapters.ctr.targets.deepctr import MODEL_NAMES
from interactkit.adapters.ctr.targets.training import train_target


def sample_rule() -> str:
    data, planted = make_ad_clicks(n_rows=40_000, seed=0, strength=1.5)
    pipe = hgb_pipeline(data.raw_rows("train"), data.train.labels)
    explainer = RawExplainer(pipe, data, n_background=8)
    lines = [
        "| impressions | samples | queries / impression | planted sets' ranks in the top 10 |",
        "|---|---|---|---|",
    ]
    for n in (30, 200):
        spaces = explainer.spaces(data.raw_rows("val").head(n))
        for label, params in (
            ("7.7 per pair (1047)", {"samples_per_feature": None, "samples_per_pair": 7.7}),
            ("2000", {"samples_per_feature": None}),
        ):
            g = interactkit.glider(
                spaces, k=10, n_samples=2000, hidden=(64, 32), seed=0, progress=False, **params
            )
            report = ground_truth_report([it.names for it in g.interactions], planted)
            ranks = [p["exact_rank"] for p in report["planted"]]
            lines.append(
                f"| {n} | {label} | {g.n_queries / n:.0f} | "
                + ", ".join("–" if r is None else str(r) for r in ranks)
                + " |"
            )
            print(lines[-1], flush=True)
    names = "; ".join("{" + ", ".join(p) + "}" for p in planted)
    return "\n".join([f"Planted sets, in the order of the ranks: {names}.", "", *lines])


def target_batch() -> str:
    data = load_dataset("synthetic", seed=0)
    lines = [
        "| batch | lr | " + " | ".join(MODEL_NAMES) + " | total s |",
        "|---|---|" + "---|" * (len(MODEL_NAMES) + 1),
    ]
    for batch, lr in ((1024, 1e-3), (2048, 2e-3), (4096, 1e-3), (4096, 3e-3)):
        cells, total = [], 0.0
        for model in MODEL_NAMES:
            r = train_target(model, data, seed=0, threads=1, batch_size=batch, lr=lr)
            total += r["seconds"]
            cells.append(f"{r['seconds']:.1f} s, {r['epochs']} ep, AUC {r['auc']:.4f}")
        lines.append(f"| {batch} | {lr:g} | " + " | ".join(cells) + f" | {total:.1f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def text_samples(n: int) -> str:
    suite = RealLongText(n)
    suite.build()
    runs = [
        ("ArchDetect", interactkit.ArchDetect()),
        ("MADEX, 150 per word (the core default)", interactkit.MADEX(n_samples=6000)),
        ("MADEX, 1500", interactkit.MADEX(n_samples=1500)),
        ("MADEX, 1000 (the text adapter's cap)", interactkit.MADEX()),
        ("MADEX, 750", interactkit.MADEX(n_samples=750, min_samples=500)),
    ]
    lines = [
        f"{len(suite.spaces)} sentences (mean "
        f"{sum(len(s.split()) for s in suite.sentences) / len(suite.sentences):.1f} words). "
        "Quality: the top pair's model-measured interaction as a percentile among 20 random "
        "pairs of the sentence (8 random contexts), mean ± standard error.",
        "",
        "| detector | top-pair percentile | queries / sentence | s / sentence | × ArchDetect's "
        "time |",
        "|---|---|---|---|---|",
    ]
    base = None
    for label, detector in runs:
        out = suite.run(detector)
        base = base or out.seconds
        lines.append(
            f"| {label} | {out.quality:.3f} ± {out.se:.3f} | {out.queries:.0f} | "
            f"{out.seconds:.2f} | {out.seconds / base:.1f} |"
        )
        print(lines[-1], flush=True)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--parts", nargs="+", default=["sample_rule", "target_batch"])
    parser.add_argument("--sentences", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    parts = {
        "sample_rule": ("Samples per pair behind gradient-boosted trees", sample_rule),
        "target_batch": ("Target models: batch size and learning rate", target_batch),
        "text_samples": (
            "MADEX's samples on 14-20-word sentences",
            lambda: text_samples(args.sentences),
        ),
    }
    run_parts(header("Speed probes", __file__, machine()), parts, args.parts, args.out, timed=True)


if __name__ == "__main__":
    main()
