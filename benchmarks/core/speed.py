"""Speed targets, each measured as ratios within one run (the machine is shared and noisy).

Parts:

* ``glider``: GLIDER over 1000 Criteo impressions (39 fields) of a DeepFM source model: MADEX
  with GLIDER's default budget (at most 2000 perturbations per impression), with its own
  default (up to 6000), with the paper's settings, and ArchDetect; wall time, time inside the
  model, the top global interactions.
* ``glider_planted``: the same on 1000 impressions of the synthetic ad clicks widened to 39
  fields (its four planted interactions among 22 fields in none), with the planted sets' ranks.
* ``text``: MADEX (defaults) against ArchDetect on 14-20-word sentences of the offline MiniLM
  SST-2 classifier: time, queries, and the model-measured quality of the top pair.
* ``reference``: interactkit's MADEX against the reference MADEX (the authors' code, checked out
  by the reader: ``--reference PATH`` to its ``1. madex`` folder, or a folder holding its
  ``neural_interaction_detection.py``, ``utils/general_utils.py`` and the sampler) on the same
  black box (the 39-field DeepFM), per instance: the paper's settings, the defaults and
  GLIDER's budget, in ``--rounds`` rounds (ratios within a round, the median round), with the
  time inside the black box and the ceiling it sets on any detector's gain.

    python -m benchmarks.core.speed --reference PATH --out benchmarks/results/speed.md

The reference checkout is loaded file by file (``benchmarks/_lib/reference.py``), never put on
``sys.path``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import interactkit
from benchmarks._lib.paths import DATA_ROOT
from benchmarks._lib.reference import load_reference_madex
from benchmarks._lib.report import header, machine, run_parts
from benchmarks._lib.suites import RealLongText
from interactkit.adapters.ctr import load_dataset, train_source_model


class Timing(NamedTuple):
    """Seconds per instance of one detector in one round of the reference part."""

    batched: float  # explain_many (the reference: its own loop)
    model: float  # inside the black box, of the batched run
    single: float  # one instance at a time
    reference: float  # the reference MADEX's time in the same round


def criteo_spaces(root: Path, instances: int) -> tuple[list, str]:
    data = load_dataset(f"criteo:{root / 'criteo_sample'}", seed=0)
    source = train_source_model(data, kind="deepfm", seed=0)
    # the sample's validation split has ~400 rows: the validation rows first, then training rows
    rows = pd.concat([data.val.frame, data.train.frame], ignore_index=True).iloc[:instances]
    note = (
        f"{len(rows)} Criteo rows ({len(data.val)} validation rows, then training rows; "
        f"{len(data.schema)} fields) of a DeepFM source model (test AUC "
        f"{source.metrics['auc']:.3f})"
    )
    return source.explainer().spaces(rows), note


def planted_wide_spaces(instances: int) -> tuple[list, str, list[tuple[str, ...]]]:
    from interactkit.adapters.ctr import make_ad_clicks

    data, planted = make_ad_clicks(n_rows=50_000, seed=0, extra_fields=22)
    source = train_source_model(data, kind="mlp", seed=0)
    rows = data.val.frame.iloc[:instances]
    note = (
        f"{len(rows)} validation rows of the synthetic ad clicks widened to {len(data.schema)} "
        f"fields (``make_ad_clicks(extra_fields=22)``: 22 fields in no interaction), MLP "
        f"source model (test AUC {source.metrics['auc']:.3f})"
    )
    return source.explainer().spaces(rows), note, [tuple(sorted(p)) for p in planted]


def _planted_glider(instances: int, paper_instances: int) -> str:
    spaces, note, truth = planted_wide_spaces(instances)
    return glider_part(spaces, note, paper_instances, truth)


def glider_part(
    spaces: list, note: str, paper_instances: int, truth: list[tuple[str, ...]] | None = None
) -> str:
    n_paper = min(paper_instances, len(spaces))
    runs = [
        ("MADEX, GLIDER's default (≤ 2000 samples)", "madex", {}, spaces),
        ("MADEX, its own default (≤ 6000 samples)", "madex", {"n_samples": 6000}, spaces),
        ("MADEX, the paper's settings", interactkit.MADEX.paper(), {}, spaces[:n_paper]),
        ("ArchDetect", "archdetect", {}, spaces),
    ]
    rows, tops, per = [], [], {}
    for label, method, params, subset in runs:
        g = interactkit.glider(subset, k=40, detector=method, seed=0, progress=False, **params)
        per[label] = g.wall_time / len(subset)
        scaled = per[label] * len(spaces)
        estimate = "" if len(subset) == len(spaces) else f" (on {len(subset)}, scaled)"
        names = [tuple(sorted(it.names)) for it in g.interactions]
        found = ""
        if truth is not None:
            ranks = [names.index(t) + 1 if t in names else None for t in truth]
            found = " | " + ", ".join("–" if r is None else str(r) for r in ranks)
        rows.append(
            f"| {label} | {scaled:.0f}{estimate} | {per[label] * 1e3:.0f} | "
            f"{g.model_time / g.wall_time:.0%} | {g.wall_time / g.model_time:.1f} | "
            f"{g.n_queries / len(subset):.0f}{found} |"
        )
        tops.append(
            f"{label}: "
            + "; ".join(
                f"{{{', '.join(it.names)}}} {it.frequency:.0%}" for it in g.interactions[:5]
            )
        )
    paper = per["MADEX, the paper's settings"]
    ours = per["MADEX, GLIDER's default (≤ 2000 samples)"]
    truth_head = " planted sets' ranks in the top 40 |" if truth is not None else ""
    return "\n".join(
        [
            f"GLIDER (K = 40, counting each impression's detected sets) over {note}. MADEX "
            f"defaults: {interactkit.MADEX().get_params()}. The paper's settings run on the "
            f"first {n_paper} impressions (their time scaled to {len(spaces)}).",
            "",
            f"| detector | wall s for {len(spaces)} | ms / impression | inside the model | "
            f"wall / model time | queries / impression |{truth_head}",
            "|---|---|---|---|---|---|" + ("---|" if truth is not None else ""),
            *rows,
            "",
            f"GLIDER's default against the paper's settings: **{paper / ours:.1f}× faster** per "
            "impression.",
            "",
            "Top 5 of each:",
            "",
            *[f"* {t}" for t in tops],
        ]
    )


def text_part(n: int) -> str:
    suite = RealLongText(n)
    suite.build()
    lines = [
        f"{len(suite.spaces)} SST-2 dev sentences with a negation, 14-20 words (mean "
        f"{statistics.mean(len(s.split()) for s in suite.sentences):.1f}), offline MiniLM-SST-2, "
        "off = mask. Quality: the top pair's model-measured interaction as a percentile among "
        "20 random pairs of the sentence (8 random contexts).",
        "",
        "| method | s / sentence | queries / sentence | model share | top-pair percentile |",
        "|---|---|---|---|---|",
    ]
    times = {}
    for label, method in (("MADEX (defaults)", "madex"), ("ArchDetect", "archdetect")):
        out = suite.run(interactkit.get_detector(method))
        times[label] = out.seconds
        lines.append(
            f"| {label} | {out.seconds:.2f} | {out.queries:.0f} | {out.model_share:.0%} | "
            f"{out.quality:.2f} ± {out.se:.2f} |"
        )
    ratio = times["MADEX (defaults)"] / times["ArchDetect"]
    lines += ["", f"MADEX / ArchDetect time: **{ratio:.1f}×**."]
    return "\n".join(lines)


def reference_part(
    root: Path, reference: Path | None, n_ref: int, n_ours: int, rounds: int = 3
) -> str:
    if reference is None:
        return "_skipped: give --reference PATH to the reference MADEX checkout_"
    detect_interactions, proprocess_data, generate_binary_perturbations = load_reference_madex(
        reference
    )

    spaces, note = criteo_spaces(root, max(n_ref, n_ours))

    def run_reference() -> Timing:
        """The reference: its sampler, the same value function, its surrogate and NID."""
        times, model = [], []
        for k, space in enumerate(spaces[:n_ref]):
            start = time.perf_counter()
            np.random.seed(k)  # noqa: NPY002 - the reference sampler draws from numpy's state
            masks = generate_binary_perturbations(space.n_features, 6000, True)
            query_start = time.perf_counter()
            values = space(torch.as_tensor(masks.astype(bool))).cpu().numpy()
            model.append(time.perf_counter() - query_start)
            xs, ys = proprocess_data(masks.astype(np.int64), values)
            detect_interactions(xs, ys, weight_samples=True, add_linear=True, seed=k)
            times.append(time.perf_counter() - start)
        ref = statistics.median(times)
        return Timing(ref, statistics.median(model), ref, ref)

    def run_ours(detector: interactkit.MADEX, ref: float) -> Timing:
        start = time.perf_counter()
        explained = detector.explain_many(spaces[:n_ours], seed=0, progress=False)
        batched = (time.perf_counter() - start) / n_ours
        model = sum(e.model_time for e in explained) / n_ours
        start = time.perf_counter()
        for s in spaces[:4]:
            detector.explain(s, seed=0)
        return Timing(batched, model, (time.perf_counter() - start) / 4, ref)

    defaults, budget = (
        "interactkit MADEX, defaults",
        "interactkit MADEX, GLIDER's budget (n_samples=2000)",
    )
    detectors = {
        "interactkit MADEX, the paper's settings": interactkit.MADEX.paper(),
        defaults: interactkit.MADEX(),
        budget: interactkit.MADEX(n_samples=2000),
    }
    # the machine is shared: every round runs each detector in turn; per round, each detector's
    # ratio to the reference of that round; the table gives the median round
    table: dict[str, list[Timing]] = {"reference MADEX": [], **{label: [] for label in detectors}}
    for _ in range(rounds):
        ref = run_reference()
        table["reference MADEX"].append(ref)
        for label, detector in detectors.items():
            table[label].append(run_ours(detector, ref.reference))

    def median(label: str, column: str) -> float:
        return statistics.median(getattr(row, column) for row in table[label])

    def ratio(label: str, column: str) -> float:
        return statistics.median(row.reference / getattr(row, column) for row in table[label])

    def per_round(label: str) -> str:
        return ", ".join(f"{row.reference / row.batched:.0f}×" for row in table[label])

    lines = [
        f"The same black box ({note}); the reference MADEX samples 6000 masks with its sampler, "
        "queries them through the same value function, trains its [256, 128, 64] surrogate "
        f"(LIME weights, a linear term, its own training loop) and ranks with its NID; median of "
        f"{n_ref} instances. interactkit: {n_ours} instances batched (``explain_many``), and 4 "
        f"instances one at a time. {rounds} rounds, each running every detector in turn; the "
        "table gives each column's median over the rounds, and the ratios are taken within a "
        "round. *Model s / instance*: the time inside the black box (the batched run; the "
        "reference: its 6000 queries in one call); *ceiling*: the reference's time over it, the "
        "most that any detector drawing as many queries could gain.",
        "",
        "| detector | s / instance (batched) | × faster | model s / instance | ceiling × "
        "| s / instance (one at a time) | × faster |",
        "|---|---|---|---|---|---|---|",
    ]
    for label in table:
        lines.append(
            f"| {label} | {median(label, 'batched'):.3f} | {ratio(label, 'batched'):.0f} | "
            f"{median(label, 'model'):.4f} | {ratio(label, 'model'):.0f} | "
            f"{median(label, 'single'):.3f} | {ratio(label, 'single'):.0f} |"
        )
    lines += [
        "",
        f"Per round, batched: defaults {per_round(defaults)}; GLIDER's budget {per_round(budget)}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--parts", nargs="+", default=["glider", "glider_planted", "text", "reference"]
    )
    parser.add_argument("--data-root", type=Path, default=DATA_ROOT)
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--paper-instances", type=int, default=250)
    parser.add_argument("--sentences", type=int, default=20)
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument("--reference-instances", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the reference part")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    parts = {
        "glider": (
            "GLIDER over 1000 impressions x 39 fields",
            lambda: glider_part(
                *criteo_spaces(args.data_root, args.instances), args.paper_instances
            ),
        ),
        "glider_planted": (
            "GLIDER over 1000 planted impressions x 39 fields",
            lambda: _planted_glider(args.instances, args.paper_instances),
        ),
        "text": ("Text: MADEX against ArchDetect", lambda: text_part(args.sentences)),
        "reference": (
            "Against the reference MADEX",
            lambda: reference_part(
                args.data_root, args.reference, args.reference_instances, 64, args.rounds
            ),
        ),
    }  # fmt: skip
    run_parts(header("Speed", __file__, machine()), parts, args.parts, args.out, timed=True)


if __name__ == "__main__":
    main()
