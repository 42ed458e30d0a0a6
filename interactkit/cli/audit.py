"""``interactkit audit``: global feature interactions of an ad/CTR model, and whether crossing
them improves target models (the paper's pipeline, end to end).

Steps: load data (default: synthetic ad clicks with planted interactions, generated in code),
load the model (``--model``) or train a source model, explain ``--instances`` validation
impressions with MADEX and count their interactions with GLIDER, cross the top-``k`` global
interactions into target models (Wide&Deep, DeepFM and DCN by default; ``--targets all`` adds
xDeepFM and AutoInt; ``--jobs`` trainings at once) and compare them with the plain targets and
with random crosses over several seeds. Writes ``audit.json``, ``glider.json``, PNG figures and a
self-contained ``report.html`` to ``--out``.

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

GLIDER is checkpointed in OUT/glider-run (one folder per detector seed): an interrupted audit
resumes, a rerun with the same settings reuses it, and one with other settings, another model or
other rows is refused (--fresh recomputes). The output folder is locked while an audit runs: a
second audit into the same --out, --fresh or not, is refused until the first ends.

Every option is a setting of interactkit.adapters.ctr.AuditConfig (its defaults and ranges are
declared there once); audit.json stores the config.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interactkit._utils.cpus import available_cpus
from interactkit.cli.options import (
    PartlySavedError,
    check_namespace,
    int_at_least,
    output_dir,
    positive_int,
    prepare_output_dir,
    seed,
)

if TYPE_CHECKING:  # pragma: no cover
    from interactkit.adapters.ctr import AuditConfig

__all__ = ["OPTIONS", "build_config", "parse_targets", "register", "run"]

#: option -> (config section, setting): the options that are settings of AuditConfig. Their
#: defaults, ranges, choices and help come from the config's declarations.
OPTIONS: dict[str, tuple[str, str]] = {
    "inputs": ("model", "inputs"),
    "output": ("model", "output"),
    "off": ("model", "off"),
    "n_background": ("model", "n_background"),
    "source": ("model", "source"),
    "method": ("detector", "method"),
    "samples": ("detector", "n_samples"),
    "instances": ("glider", "instances"),
    "k": ("glider", "k"),
    "segment_by": ("glider", "segment_by"),
    "replace_subsets": ("glider", "replace_subsets"),
    "replicate": ("replication", "enabled"),
    "halves": ("replication", "halves"),
    "targets": ("targets", "models"),
    "seeds": ("targets", "seeds"),
    "target_config": ("targets", "preset"),
    "target_epochs": ("targets", "max_epochs"),
    "cross": ("targets", "cross"),
    "jobs": ("targets", "jobs"),
    "pairs": ("findings", "pairs"),
    "pair_values": ("findings", "pair_values"),
    "pair_rows": ("findings", "pair_rows"),
    "consistency": ("findings", "consistency"),
    "consistency_instances": ("findings", "consistency_instances"),
    "compare": ("findings", "compare_to"),
}
#: switches: option -> (flag, its help); a bool setting is turned off (or on) by its flag
_SWITCHES = {
    "replicate": "--no-replicate",
    "consistency": "--no-consistency",
    "replace_subsets": "--replace-subsets",
}
_METAVARS = {"compare": "OLD_OUT", "segment_by": "FIELD"}
MIN_SYNTHETIC_ROWS = 100
DEFAULT_ROWS = 40_000  # rows of the synthetic data
QUICK_ROWS = 6000  # ... at most, with --quick
#: checks of the options that are not settings (run again on a Namespace given to :func:`run`
#: from Python; the settings are checked by the AuditConfig)
CHECKS = {
    "rows": int_at_least(MIN_SYNTHETIC_ROWS),
    "threads": positive_int,
    "seed": seed,
    "out": output_dir,
}


def _declared(section: str, name: str) -> tuple[Any, Mapping[str, Any]]:
    """The default and the metadata (doc, low, choices) of one AuditConfig setting."""
    from interactkit.adapters.ctr import AuditConfig

    step = getattr(AuditConfig(), section)
    (declared,) = [f for f in dataclasses.fields(step) if f.name == name]
    return getattr(step, name), declared.metadata


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
        "--rows",
        type=CHECKS["rows"],
        default=None,
        help=f"rows of the synthetic data set (default {DEFAULT_ROWS}; --data synthetic:ROWS "
        "says the same)",
    )
    p.add_argument(
        "--model",
        default=None,
        help="module.path:factory, a TorchScript / torch.export file, or a source model saved "
        "by interactkit (default: train one, see --source)",
    )
    p.add_argument("--out", type=output_dir, default=Path("interactkit-audit"))
    p.add_argument(
        "--config",
        metavar="AUDIT",
        default=None,
        help="start from the settings of an earlier audit (its --out folder or audit.json, or "
        "a JSON file of AuditConfig.to_dict()); the options given here change them",
    )
    for dest, (section, name) in OPTIONS.items():
        _add_setting(p, dest, section, name)
    p.add_argument("--seed", type=seed, default=None, help="seed of everything (default 0)")
    p.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        help="torch threads (default: torch's choice; 1 is often much faster for small models "
        "on a busy machine)",
    )
    p.add_argument("--fresh", action="store_true", help="recompute GLIDER even if checkpointed")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a tiny configuration for a smoke test (small data, few instances)",
    )
    p.set_defaults(func=run)


def _add_setting(p: argparse.ArgumentParser, dest: str, section: str, name: str) -> None:
    """One option of an AuditConfig setting: its type checks the declared range."""
    default, meta = _declared(section, name)
    doc = str(meta.get("doc", ""))
    if dest in _SWITCHES:
        flag = _SWITCHES[dest]
        # the flag sets the opposite of the default; absent, the option stays None
        p.add_argument(flag, dest=dest, action="store_const", const=not default, help=doc)
        return
    flag = "--" + dest.replace("_", "-")
    kwargs: dict[str, Any] = {"dest": dest, "default": None, "metavar": _METAVARS.get(dest)}
    if dest == "targets":
        choices = ",".join(meta["choices"])
        kwargs["help"] = (
            f"comma-separated target models ({choices}), 'all' or 'none' (default "
            f"{','.join(default)}; {doc})"
        )
        kwargs["type"] = str
    else:
        if meta.get("low") is not None:
            kwargs["type"] = int_at_least(meta["low"])
        if meta.get("choices") is not None:
            kwargs["choices"] = meta["choices"]
        shown = "" if default is None else f" (default {default})"
        kwargs["help"] = doc + shown
    if dest == "jobs":
        kwargs["help"] = doc + " (default: the number of CPUs, one thread each)"
    names = [flag] if dest != "k" else ["-k", "--k"]
    p.add_argument(*names, **kwargs)


def parse_targets(spec: str) -> tuple[str, ...]:
    """The target models of a ``--targets`` value: names, ``all`` or ``none``."""
    from interactkit.adapters.ctr import MODEL_NAMES

    text = spec.strip().lower()
    if text == "none":
        return ()
    if text == "all":
        return tuple(MODEL_NAMES)
    names = tuple(t.strip().lower() for t in spec.split(",") if t.strip())
    unknown = [t for t in names if t not in MODEL_NAMES]
    if unknown:
        raise ValueError(f"unknown target model(s) {unknown}; choose from {list(MODEL_NAMES)}")
    return names


def build_config(args: argparse.Namespace) -> AuditConfig:
    """The :class:`~interactkit.adapters.ctr.AuditConfig` of the options given (the others keep
    the config's defaults, or those of ``--config``); ``--quick`` shrinks it
    (:meth:`AuditConfig.quick`).

    Raises:
        ValueError: a setting out of range, named by its option (``argument --instances: ...``).
    """
    from interactkit.adapters.ctr import AuditConfig, ConfigError
    from interactkit.adapters.ctr.audit import read_config

    base = AuditConfig() if getattr(args, "config", None) is None else read_config(args.config)
    given: dict[str, dict[str, Any]] = {}
    for dest, (section, name) in OPTIONS.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        if dest == "targets":
            value = parse_targets(value)
        given.setdefault(section, {})[name] = value
    if getattr(args, "jobs", None) is None:
        given.setdefault("targets", {})["jobs"] = available_cpus()
    try:
        config = base.replace(seed=getattr(args, "seed", None), **given)
    except ConfigError as err:
        option = _option_of(err.path)
        raise ValueError(f"argument {option}: {err.message}" if option else str(err)) from None
    return config.quick() if getattr(args, "quick", False) else config


def _option_of(path: str) -> str | None:
    """The command-line option of a config setting (``"glider.instances"`` -> ``--instances``)."""
    for dest, (section, name) in OPTIONS.items():
        if path == f"{section}.{name}":
            return _SWITCHES.get(dest) or "--" + dest.replace("_", "-")
    return "--seed" if path == "seed" else None


def data_spec(args: argparse.Namespace) -> str:
    """``--data``; for the bare ``synthetic`` data, with ``--rows`` (default 40,000; ``--quick``
    caps it at 6,000) as its row count. The spec itself is read by ``load_dataset`` only."""
    spec, rows = str(args.data), getattr(args, "rows", None)
    if spec != "synthetic":
        if rows is not None:
            raise ValueError(
                f"--rows applies to --data synthetic, not {spec!r} (synthetic:ROWS says it too)"
            )
        return spec
    quick = getattr(args, "quick", False)
    rows = rows or (QUICK_ROWS if quick else DEFAULT_ROWS)
    return f"synthetic:{min(rows, QUICK_ROWS) if quick else rows}"


def run(args: argparse.Namespace) -> int:
    """Run the audit job (see the module docstring); returns the exit code."""
    from interactkit.adapters.ctr import audit, load_data, load_model
    from interactkit.runs import lock_directory
    from interactkit.visualizers.report import write_audit_report

    check_namespace(args, CHECKS)
    config = build_config(args)
    compare = config.findings.compare_to
    if compare is not None and not Path(compare).expanduser().exists():
        raise ValueError(f"--compare {compare}: no such folder (give an earlier audit's --out)")
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
    data = load_data(data_spec(args), args.label, config.seed, getattr(args, "encoding", None))
    model = load_model(args.model, data) if getattr(args, "model", None) else None
    out = prepare_output_dir(args.out)  # after loading: a bad --data leaves no empty folder
    with lock_directory(out, "output folder"):
        result = audit(
            model,
            data,
            config,
            run_dir=out / "glider-run",
            fresh=bool(getattr(args, "fresh", False)),
            verbose=True,
        )
        written = result.save(out)
        try:
            written.update(write_audit_report(result, out))
        except Exception as err:
            raise PartlySavedError(
                f"the figures/report failed ({type(err).__name__}: {err}); the results are "
                f"saved in {written['audit.json']} and {written['glider.json']}"
            ) from err
    print()
    print(result.summary())
    print(
        f"\nwrote {out / 'audit.json'}, {out / 'glider.json'}, {out / 'report.html'} and figures "
        f"in {result.timings['total']:.0f} s"
    )
    return 0
