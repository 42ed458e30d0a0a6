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
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interactkit._utils import jsonio

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit import GlobalExplanation
    from interactkit.adapters.ctr import CrossComparison, CTRData, CTRSpace, SourceModel

__all__ = ["AUDIT_FORMAT", "AUDIT_VERSION", "TARGETS", "register", "run"]

TARGETS = ("wdl", "deepfm", "dcn", "xdeepfm", "autoint")
AUDIT_FORMAT = "interactkit.audit"
AUDIT_VERSION = 1
GLIDER_CACHE_FORMAT = "interactkit.audit_glider"


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


def run(args: argparse.Namespace) -> int:
    """Run the audit job (see the module docstring); returns the exit code."""
    import interactkit
    from interactkit.adapters.ctr import ground_truth_report
    from interactkit.cli.audit_report import print_summary, write_figures, write_report

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
    source, model_note = _source_model(args, data, data_spec, out)
    timings["source_model"] = time.perf_counter() - t
    print(f"source model: {model_note}")

    n = min(args.instances, len(data.val))
    rows = data.val.frame.iloc[:n]
    spaces = source.explainer().spaces(rows)
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
    global_exp = _global_interactions(args, spaces, segments, settings, params, out)
    timings["glider"] = time.perf_counter() - t

    example = interactkit.explain(spaces[0], method=args.method, seed=args.seed, **params)
    selected = [it.names for it in global_exp.interactions]
    truth = ground_truth_report(selected, planted) if planted else None

    t = time.perf_counter()
    to_cross = selected[: args.cross] if args.cross else selected
    comparison = _compare(args, data, to_cross, targets) if targets and to_cross else None
    timings["targets"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0

    result = {
        "format": AUDIT_FORMAT,
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
        "crossing": None if comparison is None else _crossing_record(comparison),
        "ground_truth": truth,
        "timings_seconds": timings,
    }
    jsonio.dump(jsonio.jsonable(result), out / "audit.json", indent=1)
    figures = write_figures(out, global_exp, spaces[0], example, comparison)
    write_report(out, result, global_exp, figures)
    print_summary(result, global_exp, out)
    return 0


# ----------------------------------------------------------------------------- steps
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


def _load_data(args: argparse.Namespace) -> tuple[CTRData, list[tuple[str, ...]] | None, str]:
    """``(data, planted interactions or None, the data spec as recorded)``."""
    from interactkit.adapters.ctr import load_dataset, make_ad_clicks

    spec = args.data
    if spec == "synthetic" or spec.startswith("synthetic:"):
        rows = int(spec.partition(":")[2] or args.rows)
        data, planted = make_ad_clicks(n_rows=rows, seed=args.seed)
        return data, [tuple(p) for p in planted], f"synthetic:{rows}"
    return load_dataset(spec, label=args.label, seed=args.seed), None, spec


def _source_model(
    args: argparse.Namespace, data: CTRData, data_spec: str, out: Path
) -> tuple[SourceModel, str]:
    """The model to explain, loaded from ``--model`` or trained (and saved to ``out``)."""
    from interactkit.adapters.ctr import load_source_model, train_source_model

    if args.model is not None:
        source, _ = load_source_model(args.model, data.schema)
        return source, f"loaded from {args.model}"
    source = train_source_model(data, kind=args.source, seed=args.seed)
    source.save(out / "source_model.pt", data=data_spec, seed=args.seed)
    note = (
        f"trained {args.source}: test AUC {source.metrics['auc']:.4f}, "
        f"logloss {source.metrics['logloss']:.4f}"
    )
    return source, note


def _global_interactions(
    args: argparse.Namespace,
    spaces: list[CTRSpace],
    segments: list[str] | None,
    settings: dict[str, Any],
    params: dict[str, Any],
    out: Path,
) -> GlobalExplanation:
    """GLIDER over the spaces, or its saved result when the settings are the same."""
    import interactkit

    cache = out / "glider.json"
    global_exp = None if args.fresh else _cached_glider(cache, settings)
    if global_exp is not None:
        print(f"GLIDER: reusing {cache} (same settings; --fresh recomputes)")
        return global_exp
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
    saved = {
        "format": GLIDER_CACHE_FORMAT,
        "version": AUDIT_VERSION,
        "settings": jsonio.jsonable(settings),
        "glider": global_exp.to_dict(),
    }
    jsonio.dump(saved, cache)
    print(
        f"GLIDER: {len(spaces)} impressions explained in {global_exp.wall_time:.1f} s "
        f"({global_exp.model_time / max(global_exp.wall_time, 1e-9):.0%} inside the model, "
        f"{global_exp.n_queries} queries)"
    )
    return global_exp


def _cached_glider(path: Path, settings: dict[str, Any]) -> GlobalExplanation | None:
    """The saved GLIDER result at ``path`` if it was computed with ``settings``, else None."""
    from interactkit import GlobalExplanation

    if not path.is_file():
        return None
    try:
        saved, _ = jsonio.read(path, GLIDER_CACHE_FORMAT, AUDIT_VERSION)
        if saved.get("settings") != jsonio.jsonable(settings):
            return None
        return GlobalExplanation.from_dict(saved["glider"])
    except (OSError, ValueError, KeyError, TypeError):  # unreadable or damaged: recompute
        return None


def _compare(
    args: argparse.Namespace, data: CTRData, crosses: list[tuple[str, ...]], targets: list[str]
) -> CrossComparison:
    from interactkit.adapters.ctr import compare_crosses

    return compare_crosses(
        data,
        crosses,
        models=targets,
        seeds=list(range(args.seeds)),
        size=args.target_size,
        max_epochs=args.target_epochs,
    )


def _crossing_record(comparison: CrossComparison) -> dict[str, Any]:
    return {
        "crossed": [list(c) for c in comparison.crosses],
        "random_control": {
            str(s): [list(c) for c in r] for s, r in comparison.random_crosses.items()
        },
        "table": _records(comparison.table),
        "summary": _records(comparison.summary),
    }


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if isinstance(v, (int, float, str)) and k != "model"}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return jsonio.jsonable(frame.to_dict(orient="records"))
