"""GLIDER (Tsang et al., ICLR 2020): the global interactions of a model from local detections.

:func:`glider` explains many instances with a local detector (MADEX by default), in shards that
can be checkpointed and sent to Ray workers (:mod:`interactkit.runs`), and counts and selects
the recurring interaction sets (:mod:`interactkit.counting`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Hashable, Iterable, Sequence, Sized
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from interactkit.counting import KeyFn, KeyIndex, key_name, summarize_ids
from interactkit.detectors import get_detector
from interactkit.results import GlobalExplanation, LocalExplanation
from interactkit.runs import Progress, RunDirectory, ShardResult, iter_shards
from interactkit.space import FeatureSpace

__all__ = ["glider"]


def glider(
    instances: Iterable[FeatureSpace | LocalExplanation],
    k: int = 20,
    top: int = 100,
    method: str = "madex",
    seed: int = 0,
    segments: Iterable[Hashable] | None = None,
    key: KeyFn | None = None,
    bootstrap: int = 1000,
    level: float = 0.95,
    chunk_size: int = 256,
    run_dir: str | Path | None = None,
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
        top: per-instance ranked sets taken into the count (paper: 100).
        method: local detector for feature spaces (``"madex"``, the paper's, or
            ``"archdetect"``).
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
            arguments resumes (see :mod:`interactkit.runs`).
        backend: ``"local"`` or ``"ray"`` (shards on Ray workers; same result).
        max_pending: Ray shards in flight at once (default twice the cluster's CPUs).
        replace_subsets: the paper's selection rule (a selected superset removes its selected
            subsets); off by default, see :func:`select_global`.
        progress: progress bar with instances/s and ETA (None: only on a terminal).
        **params: detector parameters (e.g. ``n_samples``).
    """
    if k < 1 or top < 1 or chunk_size < 1:
        raise ValueError(f"k, top and chunk_size must be >= 1, got {k}, {top}, {chunk_size}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if isinstance(instances, (FeatureSpace, LocalExplanation)):
        raise TypeError("glider takes many instances (a list or an iterable of them)")
    total = len(instances) if isinstance(instances, Sized) else None
    if segments is not None and total is not None and isinstance(segments, Sized):
        if len(segments) != total:
            raise ValueError(f"got {len(segments)} segment labels for {total} instances")
    start = time.perf_counter()
    detector = get_detector(method, **params)
    arguments = {
        "top": top,
        "method": detector.name,
        "detector": detector.get_params(),
        "seed": seed,
        "chunk_size": chunk_size,
        "key": key_name(key),
        "segmented": segments is not None,
    }
    directory = RunDirectory(run_dir, arguments) if run_dir is not None else None
    index = KeyIndex()

    def keep(shard: ShardResult) -> ShardResult:
        # once saved, a shard's keys become one int32 array of key ids: a long run holds about
        # four bytes per (instance, key) and nothing else per instance
        key_ids, key_lengths = index.encode_rows(shard.keys)
        return replace(shard, keys=[], key_ids=key_ids, key_lengths=key_lengths)

    bar = tqdm(
        total=total,
        desc="GLIDER",
        unit="instance",
        smoothing=0.1,
        disable=(not progress) if progress is not None else None,
    )
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
    n = sum(sh.n for sh in shards)
    if n == 0:
        raise ValueError("glider needs at least one instance")
    flat = np.concatenate([sh.key_ids for sh in shards])
    lengths = np.concatenate([sh.key_lengths for sh in shards])
    settings = {
        **arguments,
        "k": k,
        "bootstrap": bootstrap,
        "level": level,
        "backend": backend,
        "replace_subsets": replace_subsets,
    }
    args = (index, k, bootstrap, level, seed, settings, replace_subsets)
    result = summarize_ids(flat, lengths, *args)
    if segments is not None:
        labels = np.array([label for sh in shards for label in (sh.segments or [])])
        owner = np.repeat(np.arange(n), lengths)
        for label in sorted(set(labels.tolist())):
            chosen = labels == label  # bool[N]
            result.segments[label] = summarize_ids(flat[chosen[owner]], lengths[chosen], *args)
    result.feature_names, result.pair_strength = _merge_pairs(shards)
    result.wall_time = time.perf_counter() - start
    result.model_time = sum(sh.model_time for sh in shards)
    result.n_queries = sum(sh.n_queries for sh in shards)
    return result


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
