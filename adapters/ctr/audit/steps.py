"""Steps of :func:`~interactkit.adapters.ctr.audit`: GLIDER (checkpointed) with its
replication, the comparison with an earlier audit, and the attribution consistency check.

GLIDER and replication share their work: GLIDER is run once per detector seed with
:func:`interactkit.glider.collect_keys` (each seed checkpointed in its own directory: the audit's
seed in ``run_dir``, seed ``s`` in the sibling ``<run_dir>-seed<s>``), the audit's GLIDER result
is the first seed's, and the replicates are the selections on ``halves`` disjoint parts of the
instances for every seed -- as :func:`interactkit.replicate`, whose result format it returns, but
resumable. A deterministic detector (ArchDetect) is run once.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import interactkit
from interactkit import GlobalExplanation, Replication
from interactkit.extend import jsonio
from interactkit.glider import KeyRun, collect_keys, summarize_run
from interactkit.replication import replication_from_runs
from interactkit.runs import RunError

if TYPE_CHECKING:  # pragma: no cover
    from interactkit.adapters.ctr.targets.comparison import CrossComparison

__all__ = [
    "attribution_consistency",
    "crossing_record",
    "glider_and_replication",
    "load_previous_glider",
]

RUN_SETTINGS = "audit-settings.json"
#: consistency: a field is consistent when all methods agree on its sign in this share of instances
SIGN_AGREEMENT = 0.8


# ----------------------------------------------------------------------------- GLIDER
def glider_and_replication(
    spaces: list[Any],
    segments: list[Hashable] | None,
    settings: dict[str, Any],
    params: dict[str, Any],
    k: int,
    method: str,
    seeds: Sequence[int],
    halves: int | None,
    replace_subsets: bool,
    run_dir: str | Path | None,
    fresh: bool,
    say: Any,
    timings: dict[str, float] | None = None,
) -> tuple[GlobalExplanation, Replication | None]:
    """GLIDER with detector seed ``seeds[0]`` and, when ``halves`` is given, its replication over
    ``halves`` disjoint parts x ``seeds`` (see the module docstring). ``timings`` gets the
    seconds of the first seed's run (``"glider"``) and of the other seeds' (``"replication"``)."""
    seeds = list(dict.fromkeys(int(s) for s in seeds))
    deterministic = method == "archdetect"
    run_seeds = seeds[:1] if halves is None or deterministic else seeds
    runs: dict[int, KeyRun] = {}
    for i, s in enumerate(run_seeds):
        directory = None
        if run_dir is not None:
            base = Path(run_dir)
            directory = base if i == 0 else base.with_name(f"{base.name}-seed{s}")
            _prepare_run_dir(directory, {**settings, "seed": s}, fresh, say)
        if i:
            say(f"replication: GLIDER again with detector seed {s} ...")
        t = time.perf_counter()
        try:
            runs[s] = collect_keys(
                spaces,
                method=method,
                seed=s,
                segments=segments if i == 0 else None,
                run_dir=directory,
                progress=None,
                **params,
            )
        except RunError as err:
            raise RunError(
                f"{err}. The GLIDER checkpoint {directory} belongs to another model or other "
                "data: pass fresh=True (CLI: --fresh) to recompute it, or use another output "
                "folder"
            ) from None
        wall = time.perf_counter() - t
        if timings is not None:
            name = "glider" if i == 0 else "replication"
            timings[name] = timings.get(name, 0.0) + wall
        if i == 0:
            first_wall, run = wall, runs[s]
            say(
                f"GLIDER: {len(spaces)} impressions in {wall:.1f} s "
                f"({run.model_time / max(wall, 1e-9):.0%} inside the model, "
                f"{run.n_queries} queries)"
            )
    t = time.perf_counter()
    full = summarize_run(runs[seeds[0]], k, replace_subsets=replace_subsets)
    full.params["backend"] = "local"
    full.wall_time = first_wall + time.perf_counter() - t  # as glider(): the first seed's run
    if halves is None:
        return full, None
    replication = replication_from_runs(
        runs, full, k, halves, seeds, replace_subsets=replace_subsets
    )
    say(
        f"replication: {replication.n_replicates} replicates ({halves} halves x "
        f"{len(run_seeds)} seed(s)), top-{k} agreement {replication.agreement:.0%}"
    )
    return full, replication


def _prepare_run_dir(directory: Path, settings: dict[str, Any], fresh: bool, say: Any) -> None:
    """Start ``directory`` afresh when asked or when the GLIDER settings changed."""
    # which model and rows were explained is checked by the run's fingerprints, not here
    key = jsonio.jsonable(
        {k: v for k, v in settings.items() if k not in ("k", "model", "data", "label")}
    )
    marker = directory / RUN_SETTINGS
    if directory.exists():
        if not marker.is_file():
            raise RunError(
                f"{directory} exists but is not a GLIDER checkpoint of an audit; delete it or "
                "use another output folder"
            )
        try:
            saved = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = None
        if fresh or saved != key:
            say(f"GLIDER: {'--fresh' if fresh else 'settings changed'}: recomputing {directory}")
            shutil.rmtree(directory)
        else:
            say(f"GLIDER: resuming/reusing {directory} (same settings; --fresh recomputes)")
    directory.mkdir(parents=True, exist_ok=True)
    jsonio.atomic_write(marker, json.dumps(key))


# ----------------------------------------------------------------------------- comparison
def load_previous_glider(path: str | Path) -> GlobalExplanation:
    """The GLIDER result of an earlier audit: its folder (``audit.json`` or ``glider.json``) or
    one of those files.

    Raises:
        FileNotFoundError: nothing of an audit there.
    """
    from interactkit.adapters.ctr.audit.result import AuditResult

    path = Path(path).expanduser()
    folder = path if path.is_dir() else path.parent
    candidates = [path] if path.is_file() else [folder / "audit.json", folder / "glider.json"]
    for file in candidates:
        if not file.is_file():
            continue
        text = file.read_text(encoding="utf-8")
        kind = json.loads(text).get("format") if text.lstrip().startswith("{") else None
        if kind == AuditResult.FORMAT:
            return AuditResult.from_json(file).glider
        return GlobalExplanation.from_json(file)
    what = "folder" if path.is_dir() else "path" if not path.exists() else "file"
    raise FileNotFoundError(
        f"--compare {path}: no earlier audit there (the {what} has no audit.json or glider.json"
        "; give the --out folder of an earlier `interactkit audit`)"
    )


# ----------------------------------------------------------------------------- consistency
def attribution_consistency(
    spaces: Sequence[Any],
    methods: Sequence[str] = ("ablation", "shapley", "archattribute"),
    k: int = 3,
    shapley_samples: int = 4,
    seed: int = 0,
) -> dict[str, Any]:
    """Do attribution methods agree on the main effects of these impressions?

    Each space gets one :func:`interactkit.attribute` per method (``"shapley"`` with
    ``shapley_samples`` permutations: cheap). Per field: ``mean_abs`` (mean ``|attribution|`` per
    method), ``sign_agreement`` (share of instances on which every method to which the field
    matters -- ``|value| >= 5%`` of that method's largest -- gives it the same sign, as
    :func:`~interactkit.attribution.compare_attributions`'s ``consistent``) and ``consistent``:
    ``sign_agreement >= 0.8`` **and** the field is among the top-``k`` fields by ``mean_abs`` of
    every method or of none. ``top_k_agreement`` is
    :func:`~interactkit.attribution.agreement_over_instances`'s mean pairwise top-``k`` agreement.
    """
    from interactkit import agreement_over_instances, compare_attributions

    methods = list(methods)
    per_instance = []
    for i, space in enumerate(spaces):
        attrs = []
        for m in methods:
            extra = {"n_samples": shapley_samples} if m == "shapley" else {}
            attrs.append(interactkit.attribute(space, method=m, seed=seed + i, **extra))
        per_instance.append(attrs)
    overall = agreement_over_instances(per_instance, k=k)
    agreements = [compare_attributions(items, k) for items in per_instance]
    names = agreements[0].feature_names
    values = np.stack([a.values for a in agreements])  # [instances, methods, fields]
    mean_abs = np.abs(values).mean(axis=0)  # [methods, fields]
    signs = np.stack([a.consistent for a in agreements]).mean(axis=0)
    kk = max(1, min(k, len(names)))
    tops = [set(np.argsort(-mean_abs[m], kind="stable")[:kk].tolist()) for m in range(len(methods))]
    fields = []
    for j, name in enumerate(names):
        in_top = [j in t for t in tops]
        fields.append(
            {
                "field": name,
                "mean_abs": {m: float(mean_abs[i, j]) for i, m in enumerate(methods)},
                "sign_agreement": float(signs[j]),
                "consistent": bool(signs[j] >= SIGN_AGREEMENT and len(set(in_top)) == 1),
            }
        )
    return {
        "methods": methods,
        "instances": len(per_instance),
        "k": kk,
        "top_k_agreement": float(overall.get("mean_top_k_agreement") or 0.0),
        "top1_all_agree": float(overall["top1_all_agree"]),
        "rank_correlation": overall.get("mean_rank_correlation"),
        "fields": fields,
        "rule": f"sign agreement >= {SIGN_AGREEMENT:g} and in the top-{kk} of every method "
        "or of none",
    }


# ----------------------------------------------------------------------------- crossing
def crossing_record(comparison: CrossComparison, skipped: list[list[str]]) -> dict[str, Any]:
    """The crossing experiment as JSON-ready lists of records."""
    return {
        "crossed": [list(c) for c in comparison.crosses],
        "skipped": skipped,
        "random_control": {
            str(s): [list(c) for c in r] for s, r in comparison.random_crosses.items()
        },
        "table": jsonio.jsonable(comparison.table.to_dict(orient="records")),
        "summary": jsonio.jsonable(comparison.summary.to_dict(orient="records")),
    }
