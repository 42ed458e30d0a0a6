"""Speed-quality study of MADEX's settings: what do the paper's settings cost, and what is lost
when they are reduced?

Every configuration below is MADEX with the paper's settings (6000 samples, surrogate
[256, 128, 64], batch 100, Adam 0.01, <= 100 epochs, patience 5) except where it says otherwise,
run on every suite of ``benchmarks/_lib/suites.py`` (ArchDetect beside them for reference). For
each suite the table gives the quality figure (± its standard error), wall seconds, distinct
model queries and the model's share of the wall time per instance; the summary gives each
configuration's cost relative to the paper's and whether its quality is within noise of the
paper's on every suite (no suite more than two standard errors of the difference below it).

Runs are cached in ``--cache`` (JSON, one entry per suite and configuration), so the study can
be resumed and extended; ``--fresh`` recomputes.

    python -m benchmarks.core.speed_quality --out benchmarks/results/speed_quality.md
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

import interactkit
from benchmarks._lib.report import header, machine
from benchmarks._lib.suites import SUITES, Outcome, Suite
from interactkit.detectors.madex import PAPER_SETTINGS

CONFIGS: dict[str, dict] = {
    "paper": {},
    "h64": {"hidden": (64, 32, 16)},
    "h32": {"hidden": (32, 16)},
    "h64 s100": {"hidden": (64, 32, 16), "samples_per_feature": 100},
    "h32 s100": {"hidden": (32, 16), "samples_per_feature": 100},
    "h32 s150": {"hidden": (32, 16), "samples_per_feature": 150},
    # the read-out's repair and pruning of the cut-off's sets (MADEX's default since issue 22)
    "h32 s150 refine": {"hidden": (32, 16), "samples_per_feature": 150, "refine_sets": True},
    "h32 s50": {"hidden": (32, 16), "samples_per_feature": 50},
    "h32 s100 c2000": {"hidden": (32, 16), "samples_per_feature": 100, "n_samples": 2000},
    "h32 s100 p3": {"hidden": (32, 16), "samples_per_feature": 100, "patience": 3},
    "h32 q7.7": {"hidden": (32, 16), "samples_per_pair": 7.7, "n_samples": None},
    "h32 q7.5": {"hidden": (32, 16), "samples_per_pair": 7.5},
    "h32 q5": {"hidden": (32, 16), "samples_per_pair": 5.0},
    "h32 s150 cos30": {
        "hidden": (32, 16),
        "samples_per_feature": 150,
        "schedule": "cosine",
        "max_epochs": 30,
    },
    "h32 s150 cos20": {
        "hidden": (32, 16),
        "samples_per_feature": 150,
        "schedule": "cosine",
        "max_epochs": 20,
    },
    "h32 s150 b250": {"hidden": (32, 16), "samples_per_feature": 150, "batch_size": 250},
    "h32 s150 b250 lr.02": {
        "hidden": (32, 16),
        "samples_per_feature": 150,
        "batch_size": 250,
        "lr": 0.02,
    },
    "h32 s150 mi.01": {"hidden": (32, 16), "samples_per_feature": 150, "min_improvement": 0.01},
    "h32 s150 b250 mi.01": {
        "hidden": (32, 16),
        "samples_per_feature": 150,
        "batch_size": 250,
        "min_improvement": 0.01,
    },
    "h32 s150 b500 mi.01": {
        "hidden": (32, 16),
        "samples_per_feature": 150,
        "batch_size": 500,
        "min_improvement": 0.01,
    },
}
"""Each configuration: the paper's settings with these changes (``s``: samples per feature,
clipped to [1000, n_samples]; ``q``: samples per pair of features, ``p(p-1)/2`` pairs, clipped
the same way; ``c``: the cap ``n_samples``; ``p``: early-stopping patience; ``cos``: a cosine
learning-rate schedule over that many epochs (the most); ``b``: the batch size; ``lr``: Adam's
learning rate; ``mi``: the relative validation improvement that resets early stopping)."""


RUNS_NOTE = """How the cached runs were made (each a separate process, on a 2-core machine shared \
with other jobs at times, one torch thread): `--suites synthetic ctr archipelago text_planted \
image_planted text_real` over the first nine configurations; `--configs "h32 s150"` on the same \
suites; `--suites text_real --configs paper "h32 s150" h32 "h32 s100"`; `--suites image_real \
--configs "h32 s100 c2000"`; `--suites synthetic ctr` over the schedule, batch and \
early-stopping configurations and `q7.5`, `q5`; `--suites synthetic ctr text_planted \
image_planted archipelago text_real --configs "h32 q7.7"`; `--suites ctr_raw --configs paper \
"h32 s150" "h32 q7.7" "h32 s100 c2000"`. The *s / instance* \
columns of different configurations are therefore not comparable with each other; **time \
ratios come from the last section**, where the configurations ran interleaved in one process.

Not run: the paper's settings on the real photos (`image_real`; 6000 EfficientNet queries per \
photo would take most of an hour here), and the defaults there: on photos of 50-70 superpixels \
they draw 2000 perturbations (the image spaces' `max_samples`), with the same sampler and \
surrogate as `h32 s100 c2000`, which is that run."""


def detector(config: str) -> interactkit.Detector:
    if config == "archdetect":
        return interactkit.ArchDetect()
    return interactkit.MADEX(**{**PAPER_SETTINGS, **CONFIGS[config]})


def describe(config: str) -> str:
    if config == "archdetect":
        return "ArchDetect (reference)"
    return ", ".join(f"{k}={v}" for k, v in CONFIGS[config].items()) or "the paper's settings"


def run_study(suites: list[str], configs: list[str], cache: Path, fresh: bool) -> dict:
    store = {} if fresh or not cache.is_file() else json.loads(cache.read_text())
    for name in suites:
        suite: Suite | None = None
        for config in [*configs, "archdetect"]:
            key = f"{name}/{config}"
            if key in store:
                continue
            if suite is None:
                start = time.perf_counter()
                suite = SUITES[name]()
                suite.build()
                print(f"[{name}] built in {time.perf_counter() - start:.0f} s", flush=True)
            out = suite.run(detector(config))
            store[key] = asdict(out)
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(store, indent=1))
            print(f"[{name}] {config}: {out.quality:.3f} ± {out.se:.3f}, "
                  f"{out.seconds:.3f} s, {out.queries:.0f} queries", flush=True)  # fmt: skip
    return store


def timing(suites: list[str], configs: list[str], n: int, rounds: int = 2) -> list[str]:
    """Wall time per instance of each configuration on the first ``n`` instances of each suite,
    the configurations interleaved in one process (best of ``rounds``), as ratios to the
    paper's: the study's own times come from separate runs on a shared machine."""
    lines = [
        "## Time in one run",
        "",
        f"Per suite, the first {n} instances explained by each configuration in turn, {rounds} "
        "rounds interleaved in one process, best round; seconds per instance and the ratio to "
        "the paper's settings.",
        "",
        "| suite | " + " | ".join(configs) + " |",
        "|---|" + "---|" * len(configs),
    ]
    for name in suites:
        suite = SUITES[name]()
        suite.build()
        spaces = getattr(suite, "spaces", None)
        if not spaces:
            continue
        spaces = spaces[:n]
        best = {c: float("inf") for c in configs}
        for _ in range(rounds):
            for config in configs:
                start = time.perf_counter()
                detector(config).explain_many(spaces, seed=0, progress=False)
                best[config] = min(best[config], (time.perf_counter() - start) / len(spaces))
        paper = best.get("paper")
        cells = [
            f"{best[c]:.3f} s" + (f" ({best[c] / paper:.2f})" if paper else "") for c in configs
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    return lines


def within_noise(a: Outcome, paper: Outcome) -> bool:
    return a.quality >= paper.quality - 2 * float(np.hypot(a.se, paper.se))


def report(store: dict, suites: list[str], configs: list[str]) -> list[str]:
    lines = []
    outcome = {k: Outcome(**v) for k, v in store.items()}
    for name in suites:
        suite = SUITES[name]
        lines += [
            f"## {suite.title}",
            "",
            f"Quality: {suite.metric}.",
            "",
            "| configuration | quality | s / instance | queries / instance | model share |",
            "|---|---|---|---|---|",
        ]
        for config in [*configs, "archdetect"]:
            o = outcome.get(f"{name}/{config}")
            if o is None:
                continue
            extra = "".join(f"; {k} {v}" for k, v in o.extra.items())
            lines.append(
                f"| {config} | {o.quality:.3f} ± {o.se:.3f}{extra} | {o.seconds:.3f} | "
                f"{o.queries:.0f} | {o.model_share:.0%} |"
            )
        lines.append("")
    lines += [
        "## Pareto summary",
        "",
        "Cost: wall time per instance relative to the paper's settings (geometric mean over the "
        "suites). *Within noise*: on every suite, quality at least the paper's minus two "
        "standard errors of the difference.",
        "",
        "| configuration | settings | relative time | within noise on every suite | suites "
        "below the paper's |",
        "|---|---|---|---|---|",
    ]
    for config in configs:
        ratios, below = [], []
        for name in suites:
            o, p = outcome.get(f"{name}/{config}"), outcome.get(f"{name}/paper")
            if o is None or p is None:
                continue
            ratios.append(o.seconds / p.seconds)
            if not within_noise(o, p):
                below.append(f"{name} ({o.quality:.3f} vs {p.quality:.3f})")
        if not ratios:
            continue
        rel = float(np.exp(np.mean(np.log(ratios))))
        lines.append(
            f"| {config} | {describe(config)} | {rel:.2f} | {'yes' if not below else 'no'} | "
            f"{', '.join(below) or '–'} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--suites", nargs="+", default=list(SUITES), choices=list(SUITES))
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/results/speed_quality.json"))
    parser.add_argument("--fresh", action="store_true", help="recompute cached runs")
    parser.add_argument(
        "--timing", type=int, default=0, help="also time the configs on N instances in one run"
    )
    parser.add_argument(
        "--timing-configs",
        nargs="+",
        default=None,
        choices=list(CONFIGS),
        help="the configurations of the timing section (default: --configs)",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="report the cached runs, compute nothing"
    )
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--note", default=RUNS_NOTE, help="how the cached runs were made (for the report)"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.report_only:
        store = json.loads(args.cache.read_text())
    else:
        store = run_study(args.suites, args.configs, args.cache, args.fresh)
    lines = header("Speed-quality study of MADEX's settings", __file__, machine())
    lines += ["", args.note, "", *report(store, args.suites, args.configs)]
    if args.timing:
        suites = [s for s in args.suites if s not in ("text_real", "image_real")]
        lines += ["", *timing(suites, args.timing_configs or args.configs, args.timing)]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
