"""Reading the target models' crossing comparison (``benchmarks.ctr.crossing``).

* :func:`crossing_table` -- baseline test AUC per target beside BARS, and the GLIDER / random
  cross gains in 1e-4 AUC and logloss with their standard deviations over seeds;
* :func:`targets_speed` -- the audit's target comparison on the synthetic data before and after
  the tuned preset, step by step.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from interactkit.adapters.ctr import MODEL_NAMES, compare_crosses
from interactkit.adapters.ctr.targets.configs import BARS_FRAPPE_AUC, target_config


def _pm(values: np.ndarray, scale: float = 1.0, digits: int = 1) -> str:
    values = np.asarray(values, dtype=np.float64) * scale
    sd = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return f"{values.mean():+.{digits}f} ± {sd:.{digits}f}"


def crossing_table(cmp, config: str, bars: bool) -> tuple[str, int, list[str]]:
    """Markdown table of a :class:`CrossComparison` in 1e-4 units; (table, wins, winners)."""
    table = cmp.table
    models = list(dict.fromkeys(table["model"]))
    lines = [
        "| target | network | baseline test AUC | BARS Frappe_x1 | + GLIDER ΔAUC (1e-4) | "
        "+ random ΔAUC (1e-4) | + GLIDER Δlogloss (1e-4) | + random Δlogloss (1e-4) | "
        "epochs (base) | s / training (base / glider / random) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    wins = []
    for model in models:
        sub = table[table["model"] == model]
        by = {v: sub[sub["variant"] == v].sort_values("seed") for v in ("base", "glider", "random")}
        base = by["base"]
        d_auc = {v: by[v]["auc"].to_numpy() - base["auc"].to_numpy() for v in ("glider", "random")}
        d_ll = {
            v: by[v]["logloss"].to_numpy() - base["logloss"].to_numpy()
            for v in ("glider", "random")
        }
        net = target_config(model, config).summary().split(", emb ")[0]
        auc = base["auc"].to_numpy()
        auc_sd = auc.std(ddof=1) if len(auc) > 1 else 0.0
        bars_auc = f"{BARS_FRAPPE_AUC[model]:.4f}" if bars else "–"
        secs = " / ".join(f"{by[v]['seconds'].mean():.0f}" for v in ("base", "glider", "random"))
        lines.append(
            f"| {model} | {net} | {auc.mean():.4f} ± {auc_sd:.4f} | "
            f"{bars_auc} | {_pm(d_auc['glider'], 1e4)} | {_pm(d_auc['random'], 1e4)} | "
            f"{_pm(d_ll['glider'], 1e4)} | {_pm(d_ll['random'], 1e4)} | "
            f"{base['epochs'].mean():.1f} | {secs} |"
        )
        g, r = d_auc["glider"].mean(), d_auc["random"].mean()
        wins.append(bool(g > 0 and g > r))
    winners = [m for m, w in zip(models, wins) if w]
    return "\n".join(lines), sum(wins), winners


def targets_speed(data, crosses: list[tuple[str, ...]], seeds: int, epochs: int) -> str:
    """The audit's target comparison before and after, one change at a time."""
    default_threads = torch.get_num_threads()
    steps: list[tuple[str, dict[str, Any], int]] = [
        (
            f"before: `config='small'` (paper training: Adagrad 0.01, summed logloss, stop on "
            f"validation logloss, ≤ {epochs} epochs), {default_threads} torch threads",
            {"config": "small", "max_epochs": epochs, "threads": default_threads},
            1,
        ),
        (
            "+ 1 torch thread per training",
            {"config": "small", "max_epochs": epochs, "threads": 1},
            1,
        ),
        (
            f"tuned preset (BARS-style, stop on validation AUC), ≤ {epochs} epochs, 1 thread",
            {"config": "tuned", "max_epochs": epochs, "threads": 1},
            1,
        ),
        (
            f"tuned preset, batch 4096, ≤ {epochs} epochs, 1 thread",
            {"config": "tuned", "max_epochs": epochs, "threads": 1, "batch_size": 4096},
            1,
        ),
    ]
    lines = [
        f"{data.name}: {len(data.train)} train / {len(data.val)} val / {len(data.test)} test rows, "
        f"{len(data.schema)} fields; {len(crosses)} GLIDER crosses. One run of the comparison = "
        f"5 targets × 3 variants (base, + GLIDER, + random) per seed. Rows 1-4: one seed (the "
        f"audit's cost is this × its seeds); the last row: the full comparison with {seeds} seeds.",
        "",
        "| setting | seeds | wall time (s) | × before | mean base AUC | mean + GLIDER ΔAUC (1e-4) "
        "| mean + random ΔAUC (1e-4) | mean epochs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    before = None
    final = steps[2][1]
    for title, kwargs, n_seeds in [
        *steps,
        ("after: tuned preset, 1 thread (the new default)", final, seeds),
    ]:
        start = time.perf_counter()
        cmp = compare_crosses(
            data, crosses, models=MODEL_NAMES, seeds=list(range(n_seeds)), **kwargs
        )
        wall = time.perf_counter() - start
        per_seed = wall / n_seeds
        before = before or per_seed
        s = cmp.summary.set_index(["model", "variant"])
        base = s.xs("base", level="variant")["auc_mean"].mean()
        dg = s.xs("glider", level="variant")["delta_auc_mean"].mean() * 1e4
        dr = s.xs("random", level="variant")["delta_auc_mean"].mean() * 1e4
        lines.append(
            f"| {title} | {n_seeds} | {wall:.0f} | {per_seed / before:.2f} (per seed) | "
            f"{base:.4f} | {dg:+.1f} | {dr:+.1f} | {cmp.table['epochs'].mean():.1f} |"
        )
        print(lines[-1], flush=True)
    return "\n".join(lines)
