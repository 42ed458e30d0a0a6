"""What the default audit costs, step by step, and what each change of its defaults bought.

Every run is ``interactkit.adapters.ctr.audit.run`` with the CLI's defaults (synthetic data of
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

    python benchmarks/audit_time.py --out benchmarks/results/audit_time.md
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import header, run_parts

import interactkit
from interactkit._utils.cpus import available_cpus
from interactkit.adapters.ctr import TARGETS, audit
from interactkit.adapters.ctr.targets.deepctr import MODEL_NAMES

STEPS = ("source_model", "glider", "replication", "pair_effects", "consistency", "targets")


def runs(jobs: int) -> str:
    earlier = {"n_samples": 6000}
    settings = [
        ("defaults", {"jobs": jobs}),
        ("one job", {"jobs": 1}),
        ("five targets", {"jobs": jobs, "targets": MODEL_NAMES}),
        ("earlier detector, no targets", {"targets": (), "detector_params": earlier}),
    ]
    lines = [
        f"Targets by default: {', '.join(TARGETS)}; jobs = {jobs} (the CPUs). Seconds per step; "
        "*trainings* = the trainings' own seconds summed (over the workers when jobs > 1).",
        "",
        "| run | " + " | ".join(STEPS) + " | total | trainings | planted ranks |",
        "|---|" + "---|" * (len(STEPS) + 3),
    ]
    for label, kwargs in settings:
        start = time.perf_counter()
        result = audit(data="synthetic:40000", **kwargs)
        wall = time.perf_counter() - start
        t = result.timings
        trained = 0.0 if result.comparison is None else float(result.comparison.table.seconds.sum())
        ranks = [p["exact_rank"] for p in (result.ground_truth or {}).get("planted", [])]
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
