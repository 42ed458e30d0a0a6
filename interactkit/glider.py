"""GLIDER (Tsang et al., ICLR 2020): the global interactions of a model from local detections.

:func:`glider` explains many instances with a local detector (MADEX by default), in shards that
can be checkpointed and sent to Ray workers (:mod:`interactkit.runs`), and counts and selects
the recurring interaction sets (:mod:`interactkit.counting`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Hashable, Iterable, Sequence, Sized
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from interactkit._utils.checks import check_int
from interactkit._utils.progress import progress as progress_bar
from interactkit.counting import KeyFn, KeyIndex, KeyTable, key_name, summarize_ids
from interactkit.detectors import DETECTORS, Detector, get_detector
from interactkit.detectors.madex import GLIDER_SAMPLES
from interactkit.results import FidelitySummary, GlobalExplanation, LocalExplanation
from interactkit.runs import Progress, RunDirectory, ShardResult, iter_shards
from interactkit.segments import segment_differences
from interactkit.space import FeatureSpace

__all__ = [
    "GLIDER_SAMPLES",
    "KeyRun",
    "collect_keys",
    "glider",
    "glider_detector",
    "summarize_run",
]


def glider_detector(detector: str | Detector = "madex", **params: Any) -> Detector:
    """The detector GLIDER runs: a :class:`~interactkit.Detector` as given; a name with
    GLIDER's defaults for it (the class's ``glider_defaults``: MADEX draws at most
    :data:`GLIDER_SAMPLES` perturbations per instance) under the ``params`` given.

    Use it to explain one instance exactly as GLIDER explained it::

        detector = interactkit.glider_detector("madex")
        g = interactkit.glider(spaces, detector=detector)
        example = interactkit.explain(spaces[0], method=detector, seed=0)
    """
    if "method" in params:
        raise TypeError("GLIDER takes its local detector as detector= (a name or a Detector)")
    if isinstance(detector, Detector):
        return get_detector(detector, **params)  # refuses params with an object
    cls = DETECTORS.get(detector.lower()) if isinstance(detector, str) else None
    defaults = cls.glider_defaults if cls is not None else {}
    return get_detector(detector, **{**defaults, **params})


def glider(
    instances: Iterable[FeatureSpace | LocalExplanation],
    k: int = 20,
    top: int | None = None,
    detector: str | Detector = "madex",
    seed: int = 0,
    segments: Iterable[Hashable] | None = None,
    key: KeyFn | None = None,
    bootstrap: int = 1000,
    level: float = 0.95,
    chunk_size: int = 256,
    run_dir: str | Path | None = None,
    fresh: bool = False,
    backend: str = "local",
    max_pending: int | None = None,
    replace_subsets: bool = False,
    progress: bool | None = None,
    **params: Any,
) -> GlobalExplanation:
    """Global interactions from local detections over many instances (GLIDER).

    Args:
        instances: feature spaces to explain, or explanations computed earlier; any iterable
            (a generator streams: instances are read ``chunk_size`` at a time).
        k: how many global interactions to select (paper: 40).
        top: None (default): count the sets each instance's detector judged real
            (``detected``); an int: count each instance's ``top`` ranked sets instead (the
            paper's rule, 100).
        detector: the local detector for feature spaces: a :class:`~interactkit.Detector`
            (``MADEX(n_samples=2000)``, used as given) or a name (``"madex"``, the paper's, or
            ``"archdetect"``) with GLIDER's defaults (:func:`glider_detector`: ``"madex"``
            without ``n_samples`` draws at most :data:`GLIDER_SAMPLES` (2000) perturbations per
            instance).
        seed: instance ``i`` is explained with ``instance_seeds(seed, 1, i)``, whatever the
            backend or chunking.
        segments: optional label per instance (e.g. the device type of each impression); the
            result then also holds one global explanation per segment in ``segments``.
        key: how sets are matched across instances (default: their feature names); must return
            a str or a tuple of str.
        bootstrap: bootstrap resamples for the frequency intervals (0 to skip).
        level: confidence level of the intervals.
        chunk_size: instances per shard (one batched ``explain_many`` call each).
        run_dir: checkpoint directory: finished shards are saved there and a rerun with the same
            arguments resumes; one made with other arguments is refused (see
            :mod:`interactkit.runs`).
        fresh: start ``run_dir`` afresh (its earlier shards are deleted once its lock is held).
        backend: ``"local"`` or ``"ray"`` (shards on Ray workers; same result).
        max_pending: Ray shards in flight at once (default twice the cluster's CPUs).
        replace_subsets: the paper's selection rule (a selected superset removes its selected
            subsets); off by default, see :func:`select_global`.
        progress: progress bar with instances/s and ETA (None: only on a terminal).
        **params: parameters of a detector given by name (e.g. ``n_samples``).
    """
    check_int("k", k)
    check_int("bootstrap", bootstrap, minimum=0)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    start = time.perf_counter()
    run = collect_keys(
        instances,
        detector=detector,
        seed=seed,
        top=top,
        key=key,
        segments=segments,
        chunk_size=chunk_size,
        run_dir=run_dir,
        fresh=fresh,
        backend=backend,
        max_pending=max_pending,
        progress=progress,
        **params,
    )
    result = summarize_run(run, k, bootstrap, level, replace_subsets)
    result.params["backend"] = backend
    result.wall_time = time.perf_counter() - start
    return result


def summarize_run(
    run: KeyRun,
    k: int = 20,
    bootstrap: int = 1000,
    level: float = 0.95,
    replace_subsets: bool = False,
) -> GlobalExplanation:
    """GLIDER's second stage: count, select and bootstrap the keys a :class:`KeyRun` gathered
    (per segment too, with the segments' differences)."""
    seed = run.arguments["seed"]
    settings = {
        **run.arguments,
        "k": k,
        "bootstrap": bootstrap,
        "level": level,
        "replace_subsets": replace_subsets,
    }
    table = run.table
    args = (k, bootstrap, level, seed, settings, replace_subsets)
    result = summarize_ids(table.flat, table.lengths, table.index, *args)
    if table.segments is not None:
        for label in sorted(set(table.segments.tolist())):
            part = table.subset(table.segments == label)
            result.segments[label] = summarize_ids(part.flat, part.lengths, part.index, *args)
        result.segment_differences = segment_differences(
            table, [it.names for it in result.interactions], bootstrap, level, seed
        )
    result.feature_names, result.pair_strength = _merge_pairs(run.shards)
    result.fidelity = FidelitySummary.of([f for sh in run.shards for f in sh.fidelity])
    result.model_time = run.model_time
    result.n_queries = run.n_queries
    return result


@dataclass
class KeyRun:
    """What :func:`collect_keys` gathered: every instance's keys, and the run's bookkeeping."""

    table: KeyTable
    shards: list[ShardResult]
    arguments: dict[str, Any]
    model_time: float
    n_queries: int


def collect_keys(
    instances: Iterable[FeatureSpace | LocalExplanation],
    detector: str | Detector = "madex",
    seed: int = 0,
    top: int | None = None,
    key: KeyFn | None = None,
    segments: Iterable[Hashable] | None = None,
    chunk_size: int = 256,
    run_dir: str | Path | None = None,
    fresh: bool = False,
    backend: str = "local",
    max_pending: int | None = None,
    progress: bool | None = None,
    label: str = "GLIDER",
    **params: Any,
) -> KeyRun:
    """GLIDER's first stage: explain every instance and keep the keys it contributes.

    Arguments as :func:`glider`; ``label`` names the progress bar. Returns a :class:`KeyRun`
    whose ``table`` can be summarized for any subset of the instances (replication, segments)
    without explaining them again.
    """
    check_int("chunk_size", chunk_size)
    if top is not None:
        check_int("top", top)
    if isinstance(instances, (FeatureSpace, LocalExplanation)):
        raise TypeError("glider takes many instances (a list or an iterable of them)")
    total = len(instances) if isinstance(instances, Sized) else None
    if segments is not None and total is not None and isinstance(segments, Sized):
        if len(segments) != total:
            raise ValueError(f"got {len(segments)} segment labels for {total} instances")
    detector = glider_detector(detector, **params)
    arguments = {
        "top": top,
        "method": detector.name,
        "detector": detector.get_params(),
        "seed": seed,
        "chunk_size": chunk_size,
        "key": key_name(key),
        "segmented": segments is not None,
    }
    directory = RunDirectory(run_dir, arguments, fresh) if run_dir is not None else None
    index = KeyIndex()

    def keep(shard: ShardResult) -> ShardResult:
        # once saved, a shard's keys become one int32 array of key ids: a long run holds about
        # four bytes per (instance, key) and nothing else per instance
        key_ids, key_lengths = index.encode_rows(shard.keys)
        return replace(shard, keys=[], key_ids=key_ids, key_lengths=key_lengths)

    bar = progress_bar(total, label, "instance", progress)
    lock = directory.locked() if directory is not None else contextlib.nullcontext()
    try:
        with lock:
            shards = iter_shards(
                detector,
                instances,
                seed=seed,
                top=top,
                key=key,
                segments=segments,
                chunk_size=chunk_size,
                run_dir=directory,
                backend=backend,
                max_pending=max_pending,
                progress=Progress(bar),
                keep=keep,
            )
    finally:
        bar.close()
    if sum(sh.n for sh in shards) == 0:
        raise ValueError("glider needs at least one instance")
    labels = None
    if segments is not None:
        labels = np.array([label for sh in shards for label in (sh.segments or [])])
    table = KeyTable(
        index,
        np.concatenate([sh.key_ids for sh in shards]),
        np.concatenate([sh.key_lengths for sh in shards]),
        labels,
    )
    return KeyRun(
        table,
        shards,
        arguments,
        model_time=sum(sh.model_time for sh in shards),
        n_queries=sum(sh.n_queries for sh in shards),
    )


def _merge_pairs(shards: Sequence[ShardResult]) -> tuple[list[str] | None, np.ndarray | None]:
    """Mean normalised pair matrix over all instances, if they all share their feature names."""
    names, total, count = None, None, 0
    for sh in shards:
        if not sh.pairs_consistent:
            return None, None
        if sh.pair_names is None:
            continue
        if names is None:
            names, total = sh.pair_names, np.zeros_like(sh.pair_sum)
        elif sh.pair_names != names:
            return None, None
        total = total + sh.pair_sum
        count += sh.pair_count
    if names is None or count == 0:
        return None, None
    return list(names), total / count
