"""The whole ad-model audit in one call: ``audit(model, data, config) -> AuditResult``.

A thin composition of public steps, one direction::

    data (load_data) -> the model read as an explainer (read_model)
      -> GLIDER with its replication (interactkit.replicate / glider, checkpointed in run_dir)
      -> the example impression (interactkit.explain with GLIDER's own detector)
      -> findings: segment differences, changes (interactkit.compare_global), pair effects,
         attribution consistency (interactkit.attribution_consistency)
      -> crossing into target models (compare_crosses) -> AuditResult

Every setting comes from one :class:`~interactkit.adapters.ctr.AuditConfig`. Models
(``config.model.inputs="auto"`` decides, see
:func:`~interactkit.adapters.ctr.targets.model_files.infer_inputs`):

* a model of the user's **raw rows**: ``predict(df) -> probabilities or logits`` or an object
  with ``predict_proba`` (a scikit-learn pipeline with its own encoders, a LightGBM classifier,
  a DeepCTR-Torch model behind the user's label encoders); explained with
  :class:`~interactkit.adapters.ctr.RawExplainer` on ``data.raw_rows(...)``, "off" =
  ``config.model.off`` (background rows by default,
  :mod:`~interactkit.adapters.ctr.explain.baselines`);
* a model of interactkit's **encoded rows** (a torch module, a DeepCTR-Torch model, a TorchScript /
  ``torch.export`` file, a callable on encoded frames with ``inputs="encoded"``), explained with
  :class:`~interactkit.adapters.ctr.CTRExplainer`;
* a :class:`~interactkit.adapters.ctr.SourceModel`, or None to train one
  (``config.model.source``).

Either way the interactions are named by field, and the crosses are built from the same rows
(the encoded form of the raw rows), so crossing works for raw-row models too.

Checkpoints: with ``run_dir`` (the CLI uses ``OUT/glider-run``), detector seed ``s`` is saved in
``run_dir/seed-<s>`` (:func:`interactkit.replicate`'s layout, also without replication); a rerun
with the same settings resumes or reuses it, one with other settings or for another model or
other rows is refused unless ``fresh=True``, and the folder is locked while the audit runs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import interactkit
from interactkit import Detector, FeatureSpace, GlobalExplanation, Replication
from interactkit.adapters.ctr.audit.config import AuditConfig
from interactkit.adapters.ctr.audit.pair_effects import pair_effects
from interactkit.adapters.ctr.audit.records import Crossing, DataInfo
from interactkit.adapters.ctr.audit.result import AuditResult, load_previous_audit
from interactkit.adapters.ctr.audit.steps import load_data, model_rows, read_model
from interactkit.adapters.ctr.data.planted import ground_truth_report
from interactkit.adapters.ctr.data.splits import CTRData
from interactkit.adapters.ctr.targets.comparison import compare_crosses
from interactkit.extend import seed_run_dir

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Hashable

    import pandas as pd

__all__ = ["audit"]


def audit(
    model: object | None = None,
    data: CTRData | str | pd.DataFrame = "synthetic",
    config: AuditConfig | None = None,
    *,
    label: str | None = None,
    run_dir: str | Path | None = None,
    fresh: bool = False,
    verbose: bool = False,
) -> AuditResult:
    """Audit a CTR model: its global interactions and whether crossing them helps targets.

    Args:
        model: the model (see the module docstring), a
            :class:`~interactkit.adapters.ctr.LoadedModel`, or None to train a source model.
        data: a :class:`CTRData`, a spec (``"synthetic"``, ``"csv:PATH"``, ...) or a DataFrame
            of raw rows with a ``label`` column (:func:`~interactkit.adapters.ctr.audit.steps.
            load_data`).
        config: every setting (default :class:`~interactkit.adapters.ctr.AuditConfig`'s).
        label: the label column of a csv spec or a DataFrame.
        run_dir: GLIDER checkpoint folder (see the module docstring).
        fresh: recompute GLIDER even if ``run_dir`` holds a finished run.
        verbose: print each step.
    """
    config = AuditConfig() if config is None else config
    if not isinstance(config, AuditConfig):
        raise TypeError(f"config must be an AuditConfig, got {type(config).__name__}")
    say: Callable[..., None] = print if verbose else _quiet
    seed = config.seed
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    compare_to = config.findings.compare_to
    old_glider, old_config = (None, None) if compare_to is None else load_previous_audit(compare_to)
    data = load_data(data, label, seed)
    segment_by = config.glider.segment_by
    if segment_by is not None and segment_by not in data.schema.names:
        raise ValueError(f"segment_by {segment_by!r} is not a field; fields: {data.schema.names}")
    info = DataInfo.of(data, data.name or "CTRData")
    timings["data"] = time.perf_counter() - t0
    say(
        f"data: {info.name}: {info.rows['train']} train / {info.rows['val']} val / "
        f"{info.rows['test']} test rows, {len(info.fields)} fields"
    )

    t = time.perf_counter()
    explainer, model_info, trained = read_model(model, data, config.model, seed)
    timings["source_model"] = time.perf_counter() - t
    say(f"model: {model_info.note}")

    n = min(config.glider.instances, len(data.val))
    spaces = explainer.spaces(model_rows(data, model_info).iloc[:n])
    segments = None if segment_by is None else [s.values[segment_by] for s in spaces]
    detector = config.detector.build()  # one object: GLIDER's and the example's
    global_exp, replication = _glider(spaces, segments, detector, config, run_dir, fresh, say)
    timings.update(_seconds(global_exp, replication))
    changes = None if old_glider is None else interactkit.compare_global(old_glider, global_exp)
    example = interactkit.explain(spaces[0], method=detector, seed=seed)
    selected = [tuple(it.names) for it in global_exp.interactions]
    planted = data.meta.get("planted") or None
    truth = ground_truth_report(selected, planted) if planted else None

    findings = config.findings
    t = time.perf_counter()
    effects = pair_effects(
        explainer,
        data,
        selected,
        pairs=findings.pairs,
        values=findings.pair_values,
        n_rows=findings.pair_rows,
        raw=model_info.inputs == "raw",
    )
    timings["pair_effects"] = time.perf_counter() - t
    t = time.perf_counter()
    consistency = None
    if findings.consistency:
        consistency = interactkit.attribution_consistency(
            spaces[: findings.consistency_instances], seed=seed
        )
    timings["consistency"] = time.perf_counter() - t
    checked = "" if consistency is None else f", consistency {timings['consistency']:.1f} s"
    say(f"pair effects of {len(effects)} pair(s) {timings['pair_effects']:.1f} s{checked}")

    t = time.perf_counter()
    comparison, crossing = _crossing(data, selected, config, say)
    timings["targets"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return AuditResult(
        config=config,
        data=info,
        model=model_info,
        glider=global_exp,
        example_row=dict(spaces[0].values),
        example=example,
        crossing=crossing,
        ground_truth=truth,
        timings=timings,
        version=interactkit.__version__,
        replication=replication,
        changes=changes,
        compared_settings=None if old_config is None else config.differences(old_config),
        pair_effects=effects,
        consistency=consistency,
        space=spaces[0],
        comparison=comparison,
        source=trained,
    )


def _quiet(*_: object) -> None:
    return None


def _glider(
    spaces: list[FeatureSpace],
    segments: list[Hashable] | None,
    detector: Detector,
    config: AuditConfig,
    run_dir: str | Path | None,
    fresh: bool,
    say: Callable[..., None],
) -> tuple[GlobalExplanation, Replication | None]:
    """GLIDER with the audit's seed and, when asked and possible, its replication."""
    rep, n = config.replication, len(spaces)
    common: dict[str, Any] = {
        "k": config.glider.k,
        "detector": detector,
        "segments": segments,
        "replace_subsets": config.glider.replace_subsets,
        "fresh": fresh,
        "progress": None,
    }
    if rep.enabled and n < 2 * rep.halves:
        say(f"replication: skipped ({n} impressions are too few for {rep.halves} halves)")
    if not rep.enabled or n < 2 * rep.halves:
        where = None if run_dir is None else seed_run_dir(run_dir, config.seed)
        g = interactkit.glider(spaces, seed=config.seed, run_dir=where, **common)
        _say_glider(say, g)
        return g, None
    seeds = rep.seeds_for(config.seed)
    replication = interactkit.replicate(
        spaces, halves=rep.halves, seeds=seeds, run_dir=run_dir, **common
    )
    _say_glider(say, replication.full)
    say(
        f"replication: {replication.n_replicates} replicates ({rep.halves} halves x "
        f"{len(replication.params['seeds_run'])} seed(s)), top-{config.glider.k} agreement "
        f"{replication.agreement:.0%}"
    )
    return replication.full, replication


def _say_glider(say: Callable[..., None], g: GlobalExplanation) -> None:
    say(
        f"GLIDER: {g.n_instances} impressions in {g.wall_time:.1f} s "
        f"({g.model_time / max(g.wall_time, 1e-9):.0%} inside the model, {g.n_queries} queries)"
    )


def _seconds(g: GlobalExplanation, replication: Replication | None) -> dict[str, float]:
    """The GLIDER run's seconds and, apart, those of the replication's other seeds."""
    if replication is None:
        return {"glider": g.wall_time, "replication": 0.0}
    seconds = replication.params.get("seconds", {})
    return {"glider": g.wall_time, "replication": sum(list(seconds.values())[1:])}


def _crossing(
    data: CTRData, selected: list[tuple[str, ...]], config: AuditConfig, say: Callable[..., None]
) -> tuple[Any, Crossing | None]:
    """The selected sets crossed into the targets (as is / + GLIDER / + random)."""
    targets = config.targets
    crossable = [s for s in selected if all(f in data.schema for f in s) and len(s) >= 2]
    skipped = [s for s in selected if s not in crossable]
    to_cross = crossable[: targets.cross] if targets.cross else crossable
    if not targets.models or not to_cross:
        return None, None
    say(
        f"crossing {len(to_cross)} interactions into {', '.join(targets.models)} "
        f"({targets.preset} preset, {targets.seeds} seed(s)) ..."
    )
    comparison = compare_crosses(
        data,
        to_cross,
        models=list(targets.models),
        seeds=list(range(targets.seeds)),
        config=targets.preset,
        max_epochs=targets.max_epochs,
        jobs=targets.jobs,
        progress=None,
    )
    return comparison, Crossing.of(comparison, skipped)
