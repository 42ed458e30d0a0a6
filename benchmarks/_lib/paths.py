"""Where the benchmarks find the repository, their results folder and the shared data.

The data sets are research-only and never copied into the repository: they are read from
``../shared/data`` next to the checkout (each script's ``--data-root`` or file options override
it).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results"
DATA_ROOT = REPO.parent / "shared" / "data"
