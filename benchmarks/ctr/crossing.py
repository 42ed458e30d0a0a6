"""Ad-model audit benchmarks.

(planted) Synthetic ad clicks with planted interactions: are the planted sets among GLIDER's
          top-K global interactions of a trained source model?
(tuning)  The seeded validation search behind the tuned target preset: per architecture, from
          BARS's Frappe_x1 settings, the network size, then the embedding L2 λ, then dropout.
(frappe, criteo) Real data: each target model as is / + the top-K GLIDER crosses / + K random
          crosses of the same orders, over seeds; test AUC, and the gains in 1e-4 AUC.
(targets-speed) The audit's target comparison on the synthetic data: before (small networks,
          the paper's training) and after (tuned preset), and what each change buys.
(scale)   GLIDER over 1000 instances of a 39-field (Criteo) model at the paper's settings: wall
          time and the share of it spent inside the source model.

Usage::

    python -m benchmarks.ctr.crossing --parts planted frappe criteo --out benchmarks/results/ctr.md
    python -m benchmarks.ctr.crossing --parts tuning --out benchmarks/results/ctr_tuning.md
    python -m benchmarks.ctr.crossing --parts targets-speed \
        --out benchmarks/results/ctr_targets_speed.md
    python -m benchmarks.ctr.crossing --parts scale --out benchmarks/results/ctr_scale.md
    python -m benchmarks.ctr.crossing --parts frappe --glider-cache /tmp/frappe-glider.json

The last reads GLIDER's crosses from the cache file when its settings match. The tuning search
and the crossing table are in ``benchmarks/_lib/ctr_tuning.py`` and
``benchmarks/_lib/ctr_crossing.py``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

import interactkit
from benchmarks._lib.ctr_crossing import crossing_table, targets_speed
from benchmarks._lib.ctr_tuning import tuning
from benchmarks._lib.paths import DATA_ROOT
from benchmarks._lib.report import header, machine, run_parts
from interactkit.adapters.ctr import (
    MODEL_NAMES,
    compare_crosses,
    evaluate_logits,
    ground_truth_report,
    load_dataset,
    make_ad_clicks,
    train_source_model,
)


def _oracle_auc(data) -> float:
    return evaluate_logits(data.meta["true_logit"]["test"], data.test.labels)["auc"]


def planted(instances: int, k: int, samples: int, rows: int) -> str:
    data, truth = make_ad_clicks(n_rows=rows, seed=0)
    truth = [tuple(p) for p in truth]
    lines = [
        f"Synthetic ad clicks ({rows} rows, 17 fields, planted: "
        + "; ".join("{" + ", ".join(p) + "}" for p in truth)
        + f"; the true click logit reaches test AUC {_oracle_auc(data):.4f}). GLIDER over the "
        f"first {instances} validation impressions (MADEX: its defaults, at most {samples} "
        f"samples: {interactkit.MADEX(n_samples=samples).samples_for(len(data.schema))[0]} for "
        f"{len(data.schema)} fields), top {k}. "
        "Selection rule: *default* keeps a frequent selected set when a rarer superset is "
        "selected; *paper* (`replace_subsets=True`) removes it.",
        "",
        "| source model (test AUC) | detector | rule | planted found exactly | planted contained "
        "in a selected set | precision | ranks of the planted sets | s / impression |",
        "|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for kind in ("mlp", "deepfm"):
        source = train_source_model(data, kind=kind, seed=0)
        spaces = source.explainer().spaces(data.val.frame.iloc[:instances])
        for method, params in [("madex", {"n_samples": samples}), ("archdetect", {})]:
            start = time.perf_counter()
            exps = interactkit.explain_many(spaces, method=method, seed=0, **params)
            per = (time.perf_counter() - start) / len(spaces)
            for rule, replace in [("default", False), ("paper", True)]:
                g = interactkit.glider(exps, k=k, replace_subsets=replace)
                rep = ground_truth_report([it.names for it in g.interactions], truth)
                ranks = ", ".join(
                    str(r.exact_rank or f"({r.contained_rank or '–'})") for r in rep.planted
                )
                lines.append(
                    f"| {kind} ({source.metrics['auc']:.4f}) | {method} | {rule} | "
                    f"{rep.recall_exact:.0%} | {rep.recall_contained:.0%} | "
                    f"{rep.precision_exact:.0%} | {ranks} | {per:.3f} |"
                )
                if kind == "mlp" and method == "madex" and not replace:
                    notes.append(
                        "MLP + MADEX, default rule, top 8: "
                        + "; ".join(
                            f"{{{', '.join(it.names)}}} {it.frequency:.0%}"
                            for it in g.interactions[:8]
                        )
                    )
    lines += [
        "",
        "Ranks in parentheses: rank of a selected set containing the planted one. Precision: "
        f"share of the {k} selected sets that are exactly a planted set (at most 4 of {k}).",
        "",
        *notes,
    ]
    return "\n".join(lines)


def _glider_crosses(
    data, spec: str, instances: int, k: int, samples: int, cache: Path | None
) -> tuple[list[tuple[str, ...]], str]:
    """GLIDER's top-k sets of an MLP source model (read from / written to ``cache``)."""
    settings = {"data": spec, "instances": instances, "k": k, "samples": samples, "seed": 0}
    if cache is not None and cache.is_file():
        saved = json.loads(cache.read_text())
        if saved.get("settings") == settings:
            return [tuple(c) for c in saved["crosses"]], saved["note"] + f" (read from {cache})"
    source = train_source_model(data, kind="mlp", seed=0)
    spaces = source.explainer().spaces(data.val.frame.iloc[:instances])
    g = interactkit.glider(spaces, k=k, n_samples=samples, seed=0)
    crosses = [it.names for it in g.interactions]
    note = (
        f"Source model MLP (the audit's default): test AUC {source.metrics['auc']:.4f}. GLIDER: "
        f"first {instances} validation rows, MADEX {samples} samples, top {k} "
        f"({g.wall_time:.0f} s)"
    )
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"settings": settings, "crosses": crosses, "note": note}))
    return crosses, note


def real(spec: str, name: str, args: argparse.Namespace, bars: bool) -> str:
    data = load_dataset(spec, seed=0)
    crosses, note = _glider_crosses(
        data, spec, args.instances, args.k, args.samples, args.glider_cache
    )
    train = {"config": args.config, "threads": 1}
    if args.epochs is not None:
        train["max_epochs"] = args.epochs
    start = time.perf_counter()
    cmp = compare_crosses(data, crosses, models=MODEL_NAMES, seeds=list(range(args.seeds)), **train)
    elapsed = time.perf_counter() - start
    table, wins, winners = crossing_table(cmp, args.config, bars)
    epochs = f"≤ {args.epochs}" if args.epochs is not None else "the preset's maximum of"
    lines = [
        f"{name}: {len(data.train)} train / {len(data.val)} validation / {len(data.test)} test "
        f"rows, {len(data.schema)} fields. {note}. Targets: DeepCTR-Torch, preset "
        f"`{args.config}` (adapters/ctr/targets/configs.py), {epochs} epochs with early "
        f"stopping, one "
        f"torch thread, seeds 0..{args.seeds - 1} ({elapsed:.0f} s for all trainings). "
        "Δ = paired difference to the baseline of the same seed, mean ± sd over seeds, in units "
        "of 1e-4.",
        "",
        "Crossed: " + "; ".join("{" + ", ".join(c) + "}" for c in crosses) + ".",
        "",
        table,
        "",
        f"**+ GLIDER beats both the baseline and the random control (mean test AUC) for "
        f"{wins} of {len(MODEL_NAMES)} targets** ({', '.join(winners) or 'none'}).",
        "",
        "<details><summary>All variants (AUC and logloss, mean ± sd)</summary>",
        "",
        cmp.to_markdown(),
        "",
        "</details>",
    ]
    return "\n".join(lines)


def tuning_part(spec: str, seeds: int) -> str:
    text, _ = tuning(load_dataset(spec, seed=0), list(range(seeds)))
    return text


def speed_part(args: argparse.Namespace) -> str:
    data, _ = make_ad_clicks(n_rows=args.rows, seed=0)
    spec = f"synthetic:{args.rows}"
    crosses, note = _glider_crosses(data, spec, args.instances, args.k, args.samples, None)
    return note + ".\n\n" + targets_speed(data, crosses, seeds=args.speed_seeds, epochs=10)


def scale(spec: str, instances: int, samples: int) -> str:
    data = load_dataset(spec, seed=0)
    source = train_source_model(data, kind="deepfm", seed=0)
    # The sample's validation split has ~400 rows: the validation rows first, then training rows.
    rows = pd.concat([data.val.frame, data.train.frame], ignore_index=True).iloc[:instances]
    n = len(rows)
    spaces = source.explainer().spaces(rows)
    g = interactkit.glider(spaces, k=40, n_samples=samples, seed=0)
    return "\n".join(
        [
            f"GLIDER over {n} Criteo rows ({len(data.val)} validation rows, then training rows; "
            f"{len(data.schema)} fields) of a DeepFM "
            f"source model, MADEX at the paper's settings ({samples} samples, [256, 128, 64], "
            "batch 100, ≤ 100 epochs), K = 40.",
            "",
            "| instances | wall time (s) | s / instance | inside the source model | queries |",
            "|---|---|---|---|---|",
            f"| {n} | {g.wall_time:.0f} | {g.wall_time / n:.3f} | "
            f"{g.model_time / g.wall_time:.1%} ({g.model_time:.0f} s) | {g.n_queries} |",
            "",
            "Reference MADEX on this machine took 10.2 s per instance (about 3 h for 1000; "
            "DESIGN.md). Top 5: "
            + "; ".join(
                f"{{{', '.join(it.names)}}} {it.frequency:.0%}" for it in g.interactions[:5]
            )
            + ".",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["planted", "frappe", "criteo", "scale"],
        help="planted, tuning, frappe, criteo, targets-speed, scale",
    )
    parser.add_argument("--data-root", type=Path, default=DATA_ROOT)
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--rows", type=int, default=40_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=None, help="cap on target epochs")
    parser.add_argument(
        "--config", default="tuned", help="target preset (tuned, bars, paper, small)"
    )
    parser.add_argument("--tuning-seeds", type=int, default=1)
    parser.add_argument("--speed-seeds", type=int, default=2)
    parser.add_argument(
        "--glider-cache", type=Path, default=None, help="JSON file to reuse GLIDER's crosses"
    )
    parser.add_argument("--scale-instances", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sections = header(
        "Ad-model audit benchmarks",
        __file__,
        machine() + ".",
    )
    parts = {
        "planted": (
            "Planted interactions (synthetic)",
            lambda: planted(args.instances, args.k, args.samples, args.rows),
        ),
        "tuning": (
            "Tuning the target models on Frappe (validation split)",
            lambda: tuning_part(f"frappe:{args.data_root / 'frappe'}", args.tuning_seeds),
        ),
        "frappe": (
            "Frappe: crossing gains",
            lambda: real(
                f"frappe:{args.data_root / 'frappe'}",
                "Frappe (train = BARS validation file, test = test file)",
                args,
                bars=True,
            ),
        ),
        "criteo": (
            "Criteo sample: crossing gains",
            lambda: real(
                f"criteo:{args.data_root / 'criteo_sample'}",
                "Criteo sample (Wide-ResDNN split)",
                args,
                bars=False,
            ),
        ),
        "targets-speed": (
            "The audit's target comparison: time before and after",
            lambda: speed_part(args),
        ),
        "scale": (
            "GLIDER at the paper's scale",
            lambda: scale(
                f"criteo:{args.data_root / 'criteo_sample'}", args.scale_instances, args.samples
            ),
        ),
    }
    run_parts(sections, parts, args.parts, args.out, timed=True)


if __name__ == "__main__":
    main()
