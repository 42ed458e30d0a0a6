"""``interactkit audit``: global feature interactions of an ad/CTR model, and whether crossing
them improves target models (the paper's pipeline, end to end).

Steps: load data (default: synthetic ad clicks with planted interactions, generated in code),
load the model (``--model``) or train a source model, explain ``--instances`` validation
impressions with MADEX and count their interactions with GLIDER, cross the top-``k`` global
interactions into target models (Wide&Deep, DeepFM and DCN by default; ``--targets all`` adds
xDeepFM and AutoInt; ``--jobs`` trainings at once) and compare them with the plain targets and
with random crosses over several seeds. Writes ``audit.json``,
``glider.json``, PNG figures and a self-contained ``report.html`` to ``--out``.

``--model`` takes:
  module.path:factory   a Python factory returning your model (imported from the current
                        directory / PYTHONPATH, called with no arguments, or with data=<the
                        audit's CTRData> if it has a 'data' parameter); a model of your raw rows
                        (predict(df) -> probabilities or logits, or an object with
                        predict_proba, e.g. a scikit-learn Pipeline) or a torch module of
                        interactkit's encoded rows
  FILE                  a TorchScript (torch.jit.save) or torch.export (torch.export.save)
                        model of the encoded fields (float32 [B, n_fields] in schema order ->
                        [B] logits or probabilities), or a source model saved by interactkit

Findings beyond the top interactions: GLIDER replicated on disjoint halves of the impressions and
a second detector seed (--no-replicate skips; one more GLIDER run), segment differences that hold
(--segment-by), what changed since an earlier audit (--compare OLD_OUT), the top pairs' click
probability grids (--pairs), and whether attribution methods agree on the main effects
(--no-consistency skips). Targets train with the "tuned" preset (--target-config) and its early
stopping, 2 seeds per variant.

GLIDER is checkpointed in OUT/glider-run (the replication's second seed in OUT/glider-run-seed1):
an interrupted audit resumes, a rerun with the same settings reuses it, other settings recompute
it, and a checkpoint of another model or other rows is refused (--fresh recomputes).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from interactkit._utils.cpus import available_cpus
from interactkit.cli.options import (
    PartlySavedError,
    check_namespace,
    int_at_least,
    int_in,
    output_dir,
    positive_int,
    prepare_output_dir,
    seed,
)

if TYPE_CHECKING:  # pragma: no cover
    from interactkit.adapters.ctr import CTRData

__all__ = [
    "CONFIG_CHOICES",
    "DEFAULT_TARGETS",
    "TARGET_CHOICES",
    "parse_targets",
    "register",
    "run",
    "target_config_name",
]

TARGET_CHOICES = ("wdl", "deepfm", "dcn", "xdeepfm", "autoint")
#: the default targets: one of each family (wide & deep, factorization machine, cross network);
#: xDeepFM and AutoInt train 2-3x longer each here (``--targets all`` adds them)
DEFAULT_TARGETS = ("wdl", "deepfm", "dcn")
CONFIG_CHOICES = ("tuned", "bars", "paper", "small")
#: the checks of the options, also run on a Namespace given to :func:`run` directly
CHECKS = {
    "rows": int_at_least(100),
    "instances": positive_int,
    "samples": int_at_least(20),
    "k": positive_int,
    "cross": positive_int,
    "seeds": positive_int,
    "target_epochs": positive_int,
    "halves": int_at_least(2),
    "pairs": int_in(0),
    "pair_values": int_at_least(2),
    "pair_rows": positive_int,
    "consistency_instances": positive_int,
    "n_background": positive_int,
    "threads": positive_int,
    "jobs": positive_int,
    "seed": seed,
    "out": output_dir,
}


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
        "--encoding", default=None, help="text encoding of a csv: data set (default utf-8)"
    )
    p.add_argument(
        "--model",
        default=None,
        help="module.path:factory, a TorchScript / torch.export file, or a source model saved "
        "by interactkit (default: train one, see --source)",
    )
    p.add_argument(
        "--inputs",
        choices=("auto", "raw", "encoded"),
        default="auto",
        help="rows the --model takes (auto: torch modules encoded rows, anything else raw rows)",
    )
    p.add_argument(
        "--output",
        choices=("auto", "logit", "probability"),
        default="auto",
        help="what the --model returns (auto: guessed, with a warning, when ambiguous)",
    )
    p.add_argument(
        "--baseline",
        choices=("background", "mode", "missing"),
        default="background",
        help="'off' for a raw-row model: background rows (default), training mode, or NaN",
    )
    p.add_argument(
        "--n-background", type=CHECKS["n_background"], default=16, help="background rows per mask"
    )
    p.add_argument(
        "--source",
        choices=("deepfm", "mlp"),
        default="mlp",
        help="source model to train when --model is not given",
    )
    p.add_argument("--out", type=output_dir, default=Path("interactkit-audit"))
    p.add_argument(
        "--rows", type=CHECKS["rows"], default=40_000, help="rows of the synthetic data set"
    )
    p.add_argument(
        "--instances", type=positive_int, default=300, help="validation impressions to explain"
    )
    p.add_argument(
        "--samples",
        type=CHECKS["samples"],
        default=None,
        help="most MADEX perturbations per impression (default: GLIDER's 2000; MADEX takes "
        "150 per field up to this)",
    )
    p.add_argument("--method", choices=("madex", "archdetect"), default="madex")
    p.add_argument("-k", "--k", type=positive_int, default=20, help="global interactions to select")
    p.add_argument(
        "--cross",
        type=positive_int,
        default=None,
        help="how many of them to cross into the targets (default: all k)",
    )
    p.add_argument(
        "--targets",
        default=",".join(DEFAULT_TARGETS),
        help=f"comma-separated target models ({','.join(TARGET_CHOICES)}), 'all' or 'none' "
        f"(default {','.join(DEFAULT_TARGETS)})",
    )
    p.add_argument(
        "--seeds", type=positive_int, default=2, help="training seeds per target and variant"
    )
    p.add_argument(
        "--target-config",
        choices=CONFIG_CHOICES,
        default=None,
        help="the targets' preset (default tuned: BARS-style settings, early stopping)",
    )
    p.add_argument(
        "--target-size",
        choices=("small", "paper"),
        default=None,
        help="the older name of --target-config",
    )
    p.add_argument(
        "--target-epochs",
        type=positive_int,
        default=None,
        help="epoch cap of the targets (default: the preset's, with early stopping)",
    )
    p.add_argument(
        "--segment-by",
        default=None,
        help="also report global interactions per value of this field, and the segment "
        "differences that hold",
    )
    p.add_argument(
        "--no-replicate",
        dest="replicate",
        action="store_false",
        help="skip GLIDER's replication (halves x a second detector seed)",
    )
    p.add_argument(
        "--halves",
        type=CHECKS["halves"],
        default=2,
        help="disjoint parts of the impressions in the replication",
    )
    p.add_argument(
        "--compare",
        metavar="OLD_OUT",
        default=None,
        help="an earlier audit's --out folder: which interactions appeared, vanished, changed",
    )
    p.add_argument(
        "--pairs",
        type=CHECKS["pairs"],
        default=3,
        help="top pairs whose click-probability grids are computed (0: none)",
    )
    p.add_argument(
        "--pair-values", type=CHECKS["pair_values"], default=5, help="values per field of a grid"
    )
    p.add_argument(
        "--pair-rows", type=positive_int, default=200, help="validation rows per grid cell"
    )
    p.add_argument(
        "--no-consistency",
        dest="consistency",
        action="store_false",
        help="skip the check that attribution methods agree on the main effects",
    )
    p.add_argument(
        "--consistency-instances",
        type=positive_int,
        default=20,
        help="impressions of the attribution consistency check",
    )
    p.add_argument(
        "--replace-subsets",
        action="store_true",
        help="the paper's GLIDER rule: a selected superset removes its selected subsets",
    )
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        help="torch threads (default: torch's choice; 1 is often much faster for small models "
        "on a busy machine)",
    )
    p.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        help="target trainings at once, one process and one thread each (default: the number "
        "of CPUs; the results do not depend on it)",
    )
    p.add_argument("--fresh", action="store_true", help="recompute GLIDER even if checkpointed")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a tiny configuration for a smoke test (small data, few instances)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the audit job (see the module docstring); returns the exit code."""
    from interactkit.adapters.ctr import AuditSaveError, audit, load_model
    from interactkit.cli.audit_report import render_audit

    check_namespace(args, CHECKS)
    config = target_config_name(args)
    if args.quick:
        _quick(args)
    targets = parse_targets(args.targets)
    compare = getattr(args, "compare", None)
    if compare is not None and not Path(compare).expanduser().exists():
        raise ValueError(f"--compare {compare}: no such folder (give an earlier audit's --out)")
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
    data = _load_data(args)
    model = load_model(args.model, data) if args.model else None
    out = prepare_output_dir(args.out)  # after loading: a bad --data leaves no empty folder
    result = audit(
        model,
        data,
        inputs=args.inputs,
        output=args.output,
        baseline=args.baseline,
        n_background=args.n_background,
        source=args.source,
        instances=args.instances,
        method=args.method,
        samples=args.samples,
        k=args.k,
        cross=args.cross,
        targets=targets,
        seeds=args.seeds,
        target_config=config,
        target_epochs=args.target_epochs,
        jobs=args.jobs or available_cpus(),
        segment_by=args.segment_by,
        replicates=getattr(args, "replicate", True),
        halves=getattr(args, "halves", 2),
        compare_to=compare,
        pairs=getattr(args, "pairs", 3),
        pair_values=getattr(args, "pair_values", 5),
        pair_rows=getattr(args, "pair_rows", 200),
        consistency=getattr(args, "consistency", True),
        consistency_instances=getattr(args, "consistency_instances", 20),
        replace_subsets=args.replace_subsets,
        seed=args.seed,
        run_dir=out / "glider-run",
        fresh=args.fresh,
        verbose=True,
    )
    try:
        result.save(out, render=render_audit)
    except AuditSaveError as err:
        raise PartlySavedError(str(err)) from err
    print()
    print(result.summary())
    print(
        f"\nwrote {out / 'audit.json'}, {out / 'glider.json'}, {out / 'report.html'} and figures "
        f"in {result.timings['total']:.0f} s"
    )
    return 0


def _quick(args: argparse.Namespace) -> None:
    args.rows = min(args.rows, 6000)
    args.instances = min(args.instances, 24)
    args.samples = min(args.samples or 1000, 1000)
    args.seeds = min(args.seeds, 1)
    args.target_epochs = min(args.target_epochs or 2, 2)
    args.n_background = min(args.n_background, 8)
    args.pair_rows = min(getattr(args, "pair_rows", 200), 100)
    args.consistency_instances = min(getattr(args, "consistency_instances", 20), 8)
    if args.targets == ",".join(DEFAULT_TARGETS):
        args.targets = "wdl,deepfm"


def target_config_name(args: argparse.Namespace) -> str:
    """--target-config, or --target-size (its older name); they must agree when both are given."""
    from interactkit.adapters.ctr.targets.configs import resolve_config_name

    config, size = getattr(args, "target_config", None), getattr(args, "target_size", None)
    return resolve_config_name(config, size, names=("--target-config", "--target-size"))


def parse_targets(spec: str) -> list[str]:
    """The target models of a ``--targets`` value: names, ``all`` or ``none``."""
    if spec.strip().lower() == "none":
        return []
    if spec.strip().lower() == "all":
        return list(TARGET_CHOICES)
    names = [t.strip().lower() for t in spec.split(",") if t.strip()]
    unknown = [t for t in names if t not in TARGET_CHOICES]
    if unknown:
        raise ValueError(f"unknown target model(s) {unknown}; choose from {list(TARGET_CHOICES)}")
    return names


def _load_data(args: argparse.Namespace) -> CTRData:
    from interactkit.adapters.ctr import load_dataset, make_ad_clicks

    spec = args.data
    if spec == "synthetic" or spec.startswith("synthetic:"):
        try:
            rows = int((spec.partition(":")[2] or str(args.rows)).replace("_", ""))
        except ValueError:
            raise ValueError(
                f"--data {spec!r}: give the number of rows, e.g. synthetic:20000"
            ) from None
        data, _ = make_ad_clicks(n_rows=rows, seed=args.seed)
        data.name = f"synthetic:{rows}"
        return data
    extra = {}
    if getattr(args, "encoding", None):
        if not spec.startswith("csv:"):
            raise ValueError(f"--encoding applies to csv: data, not {spec.partition(':')[0]}:")
        extra["encoding"] = args.encoding
    data = load_dataset(spec, label=args.label, seed=args.seed, **extra)
    data.name = spec
    return data
