"""``interactkit audit``: global feature interactions of an ad/CTR model, and whether crossing
them improves target models (the paper's pipeline, end to end).

Steps: load data (default: synthetic ad clicks with planted interactions, generated in code),
train the source model (or load ``--model``), explain ``--instances`` validation impressions with
MADEX and count their interactions with GLIDER, cross the top-``k`` global interactions into
target models (Wide&Deep, DeepFM, DCN, xDeepFM, AutoInt) and compare them with the plain
targets and with random crosses over several seeds. Writes ``audit.json``, PNG figures and a
self-contained ``report.html`` to ``--out``.

The GLIDER result is saved (``glider.json``) as soon as it is computed and reused by a rerun with
the same settings, so an interrupted audit does not recompute it.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

TARGETS = ("wdl", "deepfm", "dcn", "xdeepfm", "autoint")
AUDIT_VERSION = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "audit",
        help="global interactions of a CTR model and the gain of crossing them (the main job)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--data",
        default="synthetic",
        help="synthetic[:ROWS] (default) | criteo:PATH | avazu:PATH | frappe:PATH | csv:PATH",
    )
    p.add_argument("--label", default=None, help="label column of a csv: data set")
    p.add_argument(
        "--model",
        type=Path,
        default=None,
        help="a source model saved by interactkit (loaded with weights_only=True)",
    )
    p.add_argument(
        "--source",
        choices=("deepfm", "mlp"),
        default="mlp",
        help="source model to train when --model is not given",
    )
    p.add_argument("--out", type=Path, default=Path("interactkit-audit"))
    p.add_argument("--rows", type=int, default=40_000, help="rows of the synthetic data set")
    p.add_argument("--instances", type=int, default=300, help="validation impressions to explain")
    p.add_argument("--samples", type=int, default=6000, help="MADEX perturbations per impression")
    p.add_argument("--method", choices=("madex", "archdetect"), default="madex")
    p.add_argument("-k", "--k", type=int, default=20, help="global interactions to select")
    p.add_argument(
        "--cross",
        type=int,
        default=None,
        help="how many of them to cross into the targets (default: all k)",
    )
    p.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"comma-separated target models ({','.join(TARGETS)}) or 'none'",
    )
    p.add_argument("--seeds", type=int, default=3, help="training seeds per target and variant")
    p.add_argument("--target-size", choices=("small", "paper"), default="small")
    p.add_argument("--target-epochs", type=int, default=10)
    p.add_argument(
        "--segment-by", default=None, help="also report global interactions per value of this field"
    )
    p.add_argument(
        "--replace-subsets",
        action="store_true",
        help="the paper's GLIDER rule: a selected superset removes its selected subsets",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fresh", action="store_true", help="recompute GLIDER even if saved")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a tiny configuration for a smoke test (small data, few instances)",
    )
    p.set_defaults(func=run)


def _quick(args: argparse.Namespace) -> None:
    args.rows = min(args.rows, 6000)
    args.instances = min(args.instances, 24)
    args.samples = min(args.samples, 1000)
    args.seeds = min(args.seeds, 1)
    args.target_epochs = min(args.target_epochs, 2)
    if args.targets == ",".join(TARGETS):
        args.targets = "wdl,deepfm"


def _targets(spec: str) -> list[str]:
    if spec.strip().lower() == "none":
        return []
    names = [t.strip().lower() for t in spec.split(",") if t.strip()]
    unknown = [t for t in names if t not in TARGETS]
    if unknown:
        raise ValueError(f"unknown target model(s) {unknown}; choose from {list(TARGETS)}")
    return names


def _load_data(args: argparse.Namespace) -> tuple[Any, list[tuple[str, ...]] | None, str]:
    from interactkit.datasets import load_dataset, make_ad_clicks

    spec = args.data
    if spec == "synthetic" or spec.startswith("synthetic:"):
        rows = int(spec.partition(":")[2] or args.rows)
        data, planted = make_ad_clicks(n_rows=rows, seed=args.seed)
        return data, [tuple(p) for p in planted], f"synthetic:{rows}"
    return load_dataset(spec, label=args.label, seed=args.seed), None, spec


def ground_truth_report(
    selected: list[tuple[str, ...]], planted: list[tuple[str, ...]]
) -> dict[str, Any]:
    """How GLIDER's selected sets compare with planted ones (exact match and containment)."""
    sel = [frozenset(s) for s in selected]
    rows = []
    for p in planted:
        ps = frozenset(p)
        exact = next((r for r, s in enumerate(sel, 1) if s == ps), None)
        covered = next((r for r, s in enumerate(sel, 1) if ps <= s), None)
        rows.append({"planted": list(p), "exact_rank": exact, "contained_rank": covered})
    n_exact = sum(r["exact_rank"] is not None for r in rows)
    n_contained = sum(r["contained_rank"] is not None for r in rows)
    true_sel = sum(any(s == frozenset(p) for p in planted) for s in sel)
    return {
        "planted": rows,
        "recall_exact": n_exact / len(planted) if planted else None,
        "recall_contained": n_contained / len(planted) if planted else None,
        "precision_exact": true_sel / len(sel) if sel else None,
        "k": len(sel),
    }


def run(args: argparse.Namespace) -> int:
    import interactkit
    from interactkit.targets import compare_crosses, load_source_model, train_source_model

    if args.quick:
        _quick(args)
    targets = _targets(args.targets)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    data, planted, data_spec = _load_data(args)
    if args.segment_by is not None and args.segment_by not in data.schema.names:
        raise ValueError(
            f"--segment-by {args.segment_by!r} is not a field; fields: {data.schema.names}"
        )
    timings["data"] = time.perf_counter() - t0
    print(
        f"data: {data.name or data_spec}: {len(data.train)} train / {len(data.val)} val / "
        f"{len(data.test)} test rows, {len(data.schema)} fields"
    )

    t = time.perf_counter()
    if args.model is not None:
        source, _ = load_source_model(args.model, data.schema)
        model_note = f"loaded from {args.model}"
    else:
        source = train_source_model(data, kind=args.source, seed=args.seed)
        source.save(out / "source_model.pt", data=data_spec, seed=args.seed)
        model_note = (
            f"trained {args.source}: test AUC {source.metrics['auc']:.4f}, "
            f"logloss {source.metrics['logloss']:.4f}"
        )
    timings["source_model"] = time.perf_counter() - t
    print(f"source model: {model_note}")

    n = min(args.instances, len(data.val))
    rows = data.val.frame.iloc[:n]
    explainer = source.explainer()
    spaces = explainer.spaces(rows)
    segments = None
    if args.segment_by is not None:
        fld = data.schema[args.segment_by]
        segments = [fld.decode(v) for v in rows[args.segment_by]]
    params = {"n_samples": args.samples} if args.method == "madex" else {}
    settings = {
        "data": data_spec,
        "label": args.label,
        "model": str(args.model) if args.model else None,
        "source": args.source,
        "instances": n,
        "method": args.method,
        "k": args.k,
        "seed": args.seed,
        "segment_by": args.segment_by,
        "replace_subsets": args.replace_subsets,
        **params,
    }
    t = time.perf_counter()
    cache = out / "glider.json"
    global_exp = _cached_glider(cache, settings) if not args.fresh else None
    if global_exp is None:
        global_exp = interactkit.glider(
            spaces,
            k=args.k,
            method=args.method,
            seed=args.seed,
            segments=segments,
            replace_subsets=args.replace_subsets,
            progress=None,
            **params,
        )
        cache.write_text(json.dumps({"settings": settings, "glider": global_exp.to_dict()}))
        print(
            f"GLIDER: {n} impressions explained in {global_exp.wall_time:.1f} s "
            f"({global_exp.model_time / max(global_exp.wall_time, 1e-9):.0%} inside the model)"
        )
    else:
        print(f"GLIDER: reusing {cache} (same settings; --fresh recomputes)")
    timings["glider"] = time.perf_counter() - t

    example = interactkit.explain(spaces[0], method=args.method, seed=args.seed, **params)
    selected = [it.names for it in global_exp.interactions]
    truth = ground_truth_report(selected, planted) if planted else None

    comparison = None
    t = time.perf_counter()
    to_cross = selected[: args.cross] if args.cross else selected
    if targets and to_cross:
        comparison = compare_crosses(
            data,
            to_cross,
            models=targets,
            seeds=list(range(args.seeds)),
            size=args.target_size,
            max_epochs=args.target_epochs,
        )
    timings["targets"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0

    result = {
        "format": "interactkit.audit",
        "version": AUDIT_VERSION,
        "interactkit": interactkit.__version__,
        "settings": settings,
        "data": {
            "spec": data_spec,
            "name": data.name,
            "fields": data.schema.names,
            "rows": {"train": len(data.train), "val": len(data.val), "test": len(data.test)},
            "ctr": {"train": data.train.ctr, "test": data.test.ctr},
        },
        "source_model": {"note": model_note, "metrics": _plain(source.metrics)},
        "glider": global_exp.to_dict(),
        "example": {"row": spaces[0].values, "explanation": example.to_dict()},
        "crossing": None
        if comparison is None
        else {
            "crossed": [list(c) for c in comparison.crosses],
            "random_control": {
                str(s): [list(c) for c in r] for s, r in comparison.random_crosses.items()
            },
            "table": _records(comparison.table),
            "summary": _records(comparison.summary),
        },
        "ground_truth": truth,
        "timings_seconds": timings,
    }
    (out / "audit.json").write_text(json.dumps(result, indent=1, default=_json_default))
    figures = _figures(out, global_exp, example, result["example"]["row"], comparison)
    _report(out, result, global_exp, comparison, figures)
    _print_summary(result, global_exp, comparison, out)
    return 0


def _cached_glider(path: Path, settings: dict[str, Any]) -> Any:
    from interactkit.glider import GlobalExplanation

    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if saved.get("settings") != settings:
        return None
    return GlobalExplanation.from_dict(saved["glider"])


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if isinstance(v, (int, float, str)) and k != "model"}


def _records(frame: Any) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _figures(out, global_exp, example, row, comparison) -> dict[str, str]:
    from interactkit.visualizers import ctr as viz

    made: dict[str, tuple[Any, str]] = {
        "global_interactions.png": (
            viz.plot_global_frequencies(global_exp),
            "Global interactions: frequency among explained impressions",
        ),
        "interaction_graph.png": (
            viz.plot_interaction_graph(global_exp),
            "Interaction graph of the global interactions",
        ),
        "local_explanation.png": (
            viz.plot_local_explanation(example, values=row),
            "One impression's local explanation",
        ),
    }
    if global_exp.pair_strength is not None:
        made["pair_heatmap.png"] = (
            viz.plot_pair_heatmap(global_exp),
            "Mean pairwise interaction strength between fields",
        )
    if comparison is not None:
        made["crossing_gains.png"] = (
            viz.plot_crossing_gains(comparison.table, baseline="base"),
            "Test AUC change from crossing (mean ± std over seeds)",
        )
    for segment, g in global_exp.segments.items():
        safe = "".join(c if c.isalnum() else "_" for c in segment)[:40]
        made[f"segment_{safe}.png"] = (
            viz.plot_global_frequencies(g, title=f"Global interactions, segment {segment}"),
            f"Segment {segment}",
        )
    captions = {}
    import matplotlib.pyplot as plt

    for name, (fig, caption) in made.items():
        fig.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
        captions[name] = caption
    return captions


def _report(out, result, global_exp, comparison, figures) -> None:
    from interactkit.visualizers.report import Report

    settings = result["settings"]
    rep = Report(
        "interactkit audit",
        subtitle=f"data {result['data']['spec']} · {settings['instances']} impressions explained "
        f"with {settings['method']} · interactkit {result['interactkit']}",
    )
    rep.heading("Summary")
    rep.paragraph(f"Source model: {result['source_model']['note']}.", "summary")
    rep.heading("Global interactions (GLIDER)")
    rep.table(
        [
            [r, ", ".join(it.names), it.count, it.frequency, f"{it.ci_low:.3f}–{it.ci_high:.3f}"]
            for r, it in enumerate(global_exp.interactions, 1)
        ],
        ["rank", "interaction", "count", "frequency", "95% interval"],
    )
    truth = result["ground_truth"]
    if truth:
        rep.heading("Planted ground truth")
        rep.paragraph(
            f"Exact recall {truth['recall_exact']:.0%}, contained recall "
            f"{truth['recall_contained']:.0%}, precision {truth['precision_exact']:.0%} "
            f"of the top {truth['k']}."
        )
        rep.table(
            [
                [", ".join(r["planted"]), r["exact_rank"] or "—", r["contained_rank"] or "—"]
                for r in truth["planted"]
            ],
            ["planted interaction", "exact rank", "contained in rank"],
        )
    for name, caption in figures.items():
        rep.image((out / name).read_bytes(), caption)
    if comparison is not None:
        rep.heading("Crossing the global interactions into target models")
        rep.table(
            [
                [
                    r["model"],
                    r["variant"],
                    r["n"],
                    r["auc_mean"],
                    r["auc_std"],
                    r["logloss_mean"],
                    r["delta_auc_mean"],
                    r["delta_logloss_mean"],
                ]
                for r in result["crossing"]["summary"]
            ],
            [
                "model",
                "variant",
                "seeds",
                "AUC",
                "± std",
                "logloss",
                "ΔAUC vs base",
                "Δlogloss vs base",
            ],
        )
        rep.paragraph(
            "Variants: base = target as is; glider = + the GLIDER crosses; random = + "
            "as many random crosses of the same orders (control).",
            "note",
        )
    rep.heading("Settings and timings")
    rep.table(
        [
            [k, str(v)]
            for k, v in {
                **settings,
                **{f"seconds: {k}": round(v, 1) for k, v in result["timings_seconds"].items()},
            }.items()
        ],
        ["setting", "value"],
    )
    (out / "report.html").write_text(rep.render(), encoding="utf-8")


def _print_summary(result, global_exp, comparison, out: Path) -> None:
    print("\ntop global interactions:")
    for r, it in enumerate(global_exp.interactions[:10], 1):
        print(
            f"  {r:2d}. {', '.join(it.names):50s} {it.frequency:6.1%} "
            f"[{it.ci_low:.1%}, {it.ci_high:.1%}]"
        )
    truth = result["ground_truth"]
    if truth:
        print(
            f"planted interactions found: {truth['recall_exact']:.0%} exactly, "
            f"{truth['recall_contained']:.0%} contained in a selected set"
        )
    if comparison is not None:
        print("\ntarget models, mean test AUC (ΔAUC vs base):")
        for row in result["crossing"]["summary"]:
            print(
                f"  {row['model']:8s} {row['variant']:7s} {row['auc_mean']:.4f} "
                f"({row['delta_auc_mean']:+.4f})"
            )
    print(
        f"\nwrote {out / 'audit.json'}, {out / 'report.html'} and figures "
        f"in {result['timings_seconds']['total']:.0f} s"
    )
