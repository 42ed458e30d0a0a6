"""The whole ad-model audit in one call: ``audit(model, data) -> AuditResult``.

Steps: data (a :class:`CTRData`, a spec such as ``"csv:clicks.csv"``, or a DataFrame of raw rows
with a label column) -> the model (the user's, or a source model trained here) -> GLIDER over the
first ``instances`` validation impressions -> the top global interactions crossed into target
models and compared with the plain targets and random crosses -> :class:`AuditResult`.

Models (``inputs="auto"`` decides, see
:func:`~interactkit.adapters.ctr.targets.model_files.infer_inputs`):

* a model of the user's **raw rows**: ``predict(df) -> probabilities or logits`` or an object
  with ``predict_proba`` (a scikit-learn pipeline with its own encoders, a LightGBM classifier,
  a DeepCTR-Torch model behind the user's label encoders); explained with
  :class:`~interactkit.adapters.ctr.RawExplainer` on ``data.raw_rows(...)``, "off" =
  ``baseline`` (background rows by default, :mod:`~interactkit.adapters.ctr.explain.baselines`);
* a model of interactkit's **encoded rows** (a torch module, a DeepCTR-Torch model, a TorchScript /
  ``torch.export`` file, a callable on encoded frames with ``inputs="encoded"``), explained with
  :class:`~interactkit.adapters.ctr.CTRExplainer`;
* a :class:`~interactkit.adapters.ctr.SourceModel`, or None to train one (``source``).

Either way the interactions are named by field, and the crosses are built from the same rows
(the encoded form of the raw rows), so crossing works for raw-row models too.

Findings beyond the top interactions (each can be switched off): GLIDER **replicated** on
disjoint halves of the impressions and another detector seed
(:mod:`~interactkit.adapters.ctr.audit.steps`); the **segment differences** that hold
(``segment_by``); the **changes** against an earlier audit (``compare_to``); the top pairs'
**probability grids** (:mod:`~interactkit.adapters.ctr.audit.pair_effects`); and whether attribution
methods agree on the **main effects** (``consistency``).

GLIDER checkpoints: with ``run_dir`` (the CLI uses ``OUT/glider-run``) finished shards are
saved; a rerun with the same settings resumes or reuses them, a run with other GLIDER settings
starts the directory afresh, and a directory computed for another model or other rows is
refused (its fingerprints differ) unless ``fresh=True``. The replication's other detector seeds
are checkpointed alike in ``<run_dir>-seed<s>``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import interactkit
from interactkit.adapters.ctr.audit.pair_effects import pair_effects as compute_pair_effects
from interactkit.adapters.ctr.audit.result import AuditResult
from interactkit.adapters.ctr.audit.steps import (
    attribution_consistency,
    crossing_record,
    glider_and_replication,
    load_previous_glider,
)
from interactkit.adapters.ctr.data.planted import ground_truth_report
from interactkit.adapters.ctr.data.splits import CTRData
from interactkit.adapters.ctr.explain.baselines import DEFAULT_N_BACKGROUND
from interactkit.adapters.ctr.explain.explainer import CTRExplainer
from interactkit.adapters.ctr.explain.raw import RawExplainer
from interactkit.adapters.ctr.targets.comparison import compare_crosses
from interactkit.adapters.ctr.targets.configs import CONFIG_NAMES
from interactkit.adapters.ctr.targets.model_files import LoadedModel, infer_inputs
from interactkit.adapters.ctr.targets.source import SourceModel, train_source_model

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit.adapters.ctr.explain.baselines import Baseline

__all__ = ["TARGETS", "audit"]

TARGETS = ("wdl", "deepfm", "dcn")
"""The default targets: one per family (wide & deep, factorization machine, cross network).
xDeepFM and AutoInt (``MODEL_NAMES`` has all five) each train two to three times longer on a
CPU."""


def audit(
    model: object | None = None,
    data: CTRData | str | pd.DataFrame = "synthetic",
    *,
    label: str | None = None,
    inputs: str = "auto",
    output: str = "auto",
    baseline: Baseline = "background",
    n_background: int = DEFAULT_N_BACKGROUND,
    source: str = "mlp",
    instances: int = 300,
    method: str = "madex",
    samples: int | None = None,
    detector_params: Mapping[str, Any] | None = None,
    k: int = 20,
    cross: int | None = None,
    targets: Sequence[str] = TARGETS,
    seeds: int = 2,
    target_config: str = "tuned",
    target_epochs: int | None = None,
    jobs: int = 1,
    target_size: str | None = None,
    segment_by: str | None = None,
    replicates: bool = True,
    halves: int = 2,
    replicate_seeds: Sequence[int] | None = None,
    compare_to: str | Path | None = None,
    pairs: int = 3,
    pair_values: int = 5,
    pair_rows: int = 200,
    consistency: bool = True,
    consistency_instances: int = 20,
    replace_subsets: bool = False,
    seed: int = 0,
    run_dir: str | Path | None = None,
    fresh: bool = False,
    verbose: bool = False,
) -> AuditResult:
    """Audit a CTR model: its global interactions and whether crossing them helps targets.

    Args:
        model: the model (see the module docstring), a
            :class:`~interactkit.adapters.ctr.LoadedModel`, or None to train a
            source model of kind ``source`` (``"mlp"`` or ``"deepfm"``).
        data: a :class:`CTRData`, a spec for :func:`~interactkit.adapters.ctr.load_dataset`
            (``"synthetic"``, ``"csv:PATH"``, ...), or a DataFrame of raw rows with a ``label``
            column (split 80/10/10 and encoded as :func:`~interactkit.adapters.ctr.load_csv`).
        label: the label column of a csv spec or a DataFrame.
        inputs: ``"auto"``, ``"raw"`` or ``"encoded"``: which rows the model takes.
        output: ``"auto"``, ``"logit"`` or ``"probability"``: what the model returns.
        baseline, n_background: "off" for a raw-row model
            (:mod:`~interactkit.adapters.ctr.explain.baselines`; default background rows).
        instances: validation impressions explained (paper: 1000).
        method: local detector, ``"madex"`` (paper) or ``"archdetect"``.
        samples: the most MADEX perturbations per impression (MADEX's ``n_samples``; None:
            GLIDER's 2000; MADEX takes 150 per field up to this; paper: 6000 for every
            impression).
        detector_params: further detector parameters (e.g. ``{"hidden": (64, 32)}``).
        k: global interactions selected.
        cross: how many of them to cross into the targets (default all ``k``).
        targets: target model names (``()`` for none); seeds: training seeds per variant (each
            also draws a random-cross control).
        target_config: the targets' preset (``"tuned"``, ``"bars"``, ``"paper"``, ``"small"``;
            :mod:`~interactkit.adapters.ctr.targets.configs`); target_epochs: an epoch cap
            (None: the preset's, with its early stopping); target_size: the older name.
        jobs: target trainings run at once in worker processes (see
            :func:`~interactkit.adapters.ctr.compare_crosses`; the CLI's default is
            the number of CPUs; the table does not depend on it).
        segment_by: also select global interactions per value of this field, and test which
            segment differences hold (``glider.segment_differences``).
        replicates: also run GLIDER's replication (``AuditResult.replication``): ``halves``
            disjoint parts of the impressions x the detector seeds ``replicate_seeds`` (default
            ``(seed, seed + 1)``; ``seed`` always comes first and gives the audit's GLIDER
            result, so replication costs one more GLIDER run per extra seed; ArchDetect is
            deterministic and is run once). Skipped with fewer than ``2 * halves`` impressions.
        compare_to: an earlier audit's folder (or its ``audit.json`` / ``glider.json``): which
            interactions appeared, vanished or changed (``AuditResult.changes``).
        pairs, pair_values, pair_rows: probability grids of the top ``pairs`` selected pairs
            over their ``pair_values`` most frequent values, on ``pair_rows`` validation rows
            (:mod:`~interactkit.adapters.ctr.audit.pair_effects`; 0 pairs skips).
        consistency, consistency_instances: compare the main effects of feature ablation,
            Shapley value sampling and ArchAttribute on the first ``consistency_instances``
            impressions (:func:`~interactkit.adapters.ctr.audit.steps.attribution_consistency`).
        replace_subsets: the paper's GLIDER selection rule.
        seed: seed of the data split, the source model, the background draw and GLIDER.
        run_dir: GLIDER checkpoint directory (see the module docstring).
        fresh: recompute GLIDER even if ``run_dir`` holds a finished run.
        verbose: print each step.
    """
    say = print if verbose else _quiet
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    config = _target_config(target_config, target_size)
    old_glider = None if compare_to is None else load_previous_glider(compare_to)
    data, spec = _load(data, label, seed)
    planted = data.meta.get("planted") or None
    if segment_by is not None and segment_by not in data.schema.names:
        raise ValueError(f"segment_by {segment_by!r} is not a field; fields: {data.schema.names}")
    timings["data"] = time.perf_counter() - t0
    say(
        f"data: {data.name or spec}: {len(data.train)} train / {len(data.val)} val / "
        f"{len(data.test)} test rows, {len(data.schema)} fields"
    )

    t = time.perf_counter()
    explainer, info, trained = _explainer(
        model, data, inputs, output, baseline, n_background, source, seed
    )
    timings["source_model"] = time.perf_counter() - t
    say(f"model: {info['note']}")

    n = min(int(instances), len(data.val))
    if n < 1:
        raise ValueError("instances must be >= 1")
    raw = info["inputs"] == "raw"
    rows = data.raw_rows("val").iloc[:n] if raw else data.val.frame.iloc[:n]
    spaces = explainer.spaces(rows)
    segments = None
    if segment_by is not None:
        segments = [s.values[segment_by] for s in spaces]
    params = dict(detector_params or {})
    if method == "madex" and samples is not None:
        params.setdefault("n_samples", samples)
    settings = {
        "data": spec,
        "label": data.label,
        "model": info["note"],
        "inputs": info["inputs"],
        "instances": n,
        "method": method,
        "k": k,
        "seed": seed,
        "segment_by": segment_by,
        "replace_subsets": replace_subsets,
        "baseline": info.get("baseline"),
        **params,
    }
    extra_settings = {
        "target_config": config,
        "target_epochs": target_epochs,
        "seeds": seeds,
        "replication": {"halves": halves, "seeds": replicate_seeds} if replicates else None,
        "pairs": {"pairs": pairs, "values": pair_values, "rows": pair_rows},
        "consistency_instances": consistency_instances if consistency else 0,
    }
    halves_run = halves if replicates and n >= 2 * halves else None
    if replicates and halves_run is None:
        say(f"replication: skipped ({n} impressions are too few for {halves} halves)")
    global_exp, replication = glider_and_replication(
        spaces,
        segments,
        settings,
        params,
        k,
        method,
        [seed, *(replicate_seeds if replicate_seeds is not None else (seed + 1,))],
        halves_run,
        replace_subsets,
        run_dir,
        fresh,
        say,
        timings,
    )
    held = [d for d in global_exp.segment_differences if d.holds]
    if segment_by is not None:
        say(f"segments: {len(held)} of {len(global_exp.segment_differences)} differences hold")
    changes = None if old_glider is None else interactkit.compare_global(old_glider, global_exp)

    example = interactkit.explain(spaces[0], method=method, seed=seed, **params)
    selected = [tuple(it.names) for it in global_exp.interactions]
    truth = ground_truth_report(selected, planted) if planted else None

    t = time.perf_counter()
    effects = compute_pair_effects(
        explainer, data, selected, pairs=pairs, values=pair_values, n_rows=pair_rows, raw=raw
    )
    timings["pair_effects"] = time.perf_counter() - t
    t = time.perf_counter()
    agreement = None
    if consistency and consistency_instances > 0:
        agreement = attribution_consistency(spaces[:consistency_instances], seed=seed)
    timings["consistency"] = time.perf_counter() - t
    checked = "" if agreement is None else f", consistency {timings['consistency']:.1f} s"
    say(f"pair effects of {len(effects)} pair(s) {timings['pair_effects']:.1f} s{checked}")

    t = time.perf_counter()
    crossable = [s for s in selected if all(f in data.schema for f in s) and len(s) >= 2]
    skipped = [list(s) for s in selected if s not in crossable]
    to_cross = crossable[:cross] if cross else crossable
    comparison = None
    if targets and to_cross:
        say(
            f"crossing {len(to_cross)} interactions into {', '.join(targets)} "
            f"({config} preset, {seeds} seed(s)) ..."
        )
        comparison = compare_crosses(
            data,
            to_cross,
            models=list(targets),
            seeds=list(range(seeds)),
            config=config,
            max_epochs=target_epochs,
            jobs=jobs,
            progress=None,
        )
    timings["targets"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return AuditResult(
        settings={**settings, **extra_settings},
        data={
            "spec": spec,
            "name": data.name,
            "fields": data.schema.names,
            "rows": {"train": len(data.train), "val": len(data.val), "test": len(data.test)},
            "ctr": {"train": data.train.ctr, "test": data.test.ctr},
        },
        model=info,
        glider=global_exp,
        example_row=dict(spaces[0].values),
        example=example,
        crossing=None if comparison is None else crossing_record(comparison, skipped),
        ground_truth=truth,
        timings=timings,
        version=interactkit.__version__,
        space=spaces[0],
        comparison=comparison,
        source=trained,
        replication=replication,
        changes=changes,
        compared_to=None if compare_to is None else str(compare_to),
        pair_effects=effects,
        consistency=agreement,
    )


# ----------------------------------------------------------------------------- steps
def _quiet(*_: object) -> None:
    return None


def _target_config(config: str, size: str | None) -> str:
    """The targets' preset; ``size`` is its older name (it wins when given)."""
    name = size if size is not None else config
    if name not in CONFIG_NAMES:
        raise ValueError(f"target_config must be one of {CONFIG_NAMES}, got {name!r}")
    return name


def _load(data: CTRData | str | pd.DataFrame, label: str | None, seed: int) -> tuple[CTRData, str]:
    import pandas as pd

    from interactkit.adapters.ctr.data.loaders import load_dataset
    from interactkit.adapters.ctr.data.loaders.csv import frame_data

    if isinstance(data, CTRData):
        return data, data.name or "CTRData"
    if isinstance(data, pd.DataFrame):
        if label is None:
            raise ValueError("a DataFrame needs label=<name of its 0/1 click column>")
        return frame_data(data, label, seed=seed), f"DataFrame[{len(data)} rows]"
    if isinstance(data, str):
        return load_dataset(data, label=label, seed=seed), data
    raise TypeError(
        f"data must be CTRData, a spec string or a DataFrame, got {type(data).__name__}"
    )


def _explainer(
    model: object | None,
    data: CTRData,
    inputs: str,
    output: str,
    baseline: Baseline,
    n_background: int,
    source: str,
    seed: int,
) -> tuple[CTRExplainer | RawExplainer, dict[str, Any], SourceModel | None]:
    """The explainer of the audited model, what to report about it, a source model trained here."""
    note = None
    if isinstance(model, LoadedModel):
        note, model = model.description, model.model
    if model is None:
        trained = train_source_model(data, kind=source, seed=seed)
        m = trained.metrics
        info = {
            "inputs": "source",
            "note": f"trained {source}: test AUC {m['auc']:.4f}, logloss {m['logloss']:.4f}",
            "metrics": _plain(m),
            "output": "logit",
        }
        return trained.explainer(), info, trained
    kind = infer_inputs(model, inputs)
    name = note or type(model).__name__
    if kind == "source":
        assert isinstance(model, SourceModel)
        explainer: CTRExplainer | RawExplainer = model.explainer()
        info = {"inputs": kind, "note": note or f"source model ({model.kind})", "output": "logit"}
    elif kind == "encoded":
        explainer = CTRExplainer(model, data.schema, output=output)  # type: ignore[arg-type]
        info = {"inputs": kind, "note": f"{name} (encoded rows)", "output": output}
    else:
        explainer = RawExplainer(
            model, data, baseline=baseline, n_background=n_background, output=output, seed=seed
        )
        info = {
            "inputs": kind,
            "note": f"{name} (raw rows)",
            "output": explainer.output,
            "baseline": explainer.baseline_description,
        }
    info["metrics"] = _test_metrics(explainer, data, kind)
    info["output"] = explainer.output  # resolved by now when it was "auto"
    m = info["metrics"]
    if m:
        info["note"] += f": test AUC {m['auc']:.4f}, logloss {m['logloss']:.4f}"
    return explainer, info, None


def _test_metrics(explainer: CTRExplainer | RawExplainer, data: CTRData, kind: str) -> dict:
    """Test AUC / logloss of the audited model (its own logits on the test rows)."""
    from interactkit.adapters.ctr.targets.training import evaluate_logits

    rows = data.raw_rows("test") if kind == "raw" else data.test.frame
    logits = explainer.predict_logit(rows)
    return {k: float(v) for k, v in evaluate_logits(logits, data.test.labels).items()}


def _plain(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if isinstance(v, int | float | str) and k != "model"}
