"""What the default audit costs, step by step, and what each change of its defaults bought.

Every run is ``interactkit.adapters.ctr.audit`` with the CLI's defaults (synthetic data of
40,000 rows, MLP source, 300 impressions, K = 20, 2 seeds, tuned targets) in this one process,
one after the other, so the times compare:

* ``defaults``: the audit's defaults (MADEX in GLIDER at most 2000 perturbations per impression:
  2000 for 17 fields; targets Wide&Deep, DeepFM and DCN; ``jobs`` = the CPUs);
* ``one job``: the same with the trainings one after the other;
* ``five targets``: the defaults with xDeepFM and AutoInt added (the earlier default set);
* ``earlier detector``: the detection steps with the earlier default, MADEX's own 150
  perturbations per field (2550 for 17 fields) without GLIDER's cap, no targets.

The planted interactions' ranks come with every run. The CLI's own run (``interactkit audit``,
which also writes the report and figures) is timed by the shell.

    python -m benchmarks.ctr.audit_time --out benchmarks/results/audit_time.md
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch

import interactkit
from benchmarks._lib.report import header, run_parts
from interactkit._utils.cpus import available_cpus
from interactkit.adapters.ctr import MODEL_NAMES, TARGETS, AuditConfig, audit

STEPS = ("source_model", "glider", "replication", "pair_effects", "consistency", "targets")


def runs(jobs: int) -> str:
    defaults = AuditConfig().replace(targets={"jobs": jobs})
    settings = [
        ("defaults", defaults),
        ("one job", defaults.replace(targets={"jobs": 1})),
        ("five targets", defaults.replace(targets={"models": MODEL_NAMES})),
        (
            "earlier detector, no targets",
            defaults.replace(detector={"n_samples": 6000}, targets={"models": ()}),
        ),
    ]
    lines = [
        f"Targets by default: {', '.join(TARGETS)}; jobs = {jobs} (the CPUs). Seconds per step; "
        "*trainings* = the trainings' own seconds summed (over the workers when jobs > 1).",
        "",
        "| run | " + " | ".join(STEPS) + " | total | trainings | planted ranks |",
        "|---|" + "---|" * (len(STEPS) + 3),
    ]
    for label, config in settings:
        start = time.perf_counter()
        result = audit(data="synthetic:40000", config=config)
        wall = time.perf_counter() - start
        t = result.timings
        trained = 0.0 if result.comparison is None else float(result.comparison.table.seconds.sum())
        truth = result.ground_truth
        ranks = [] if truth is None else [p.exact_rank for p in truth.planted]
        cells = " | ".join(f"{t.get(step, 0.0):.1f}" for step in STEPS)
        lines.append(
            f"| {label} | {cells} | {wall:.0f} | {trained:.0f} | "
            f"{', '.join('–' if r is None else str(r) for r in ranks)} |"
        )
        print(lines[-1], flush=True)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=available_cpus())
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    machine = (
        f"{platform.machine()}, {available_cpus()} CPUs, torch {torch.__version__}, interactkit "
        f"{interactkit.__version__}"
    )
    sections = header("Time of the default audit", __file__, machine)
    parts = {"runs": ("The audit, step by step", lambda: runs(args.jobs))}
    run_parts(sections, parts, ["runs"], args.out, timed=True)


if __name__ == "__main__":
    main()
