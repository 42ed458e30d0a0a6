"""Do global findings replicate? GLIDER on disjoint halves and with other detector seeds; and what
changed between two runs (a retrained model).

:func:`replicate` explains every instance once per detector seed (:func:`~interactkit.glider.
collect_keys`; a deterministic detector such as ArchDetect is run once) and selects the global
interactions again on each of ``halves`` disjoint parts of the instances, for each seed: ``halves
x seeds`` replicates at the cost of ``seeds`` GLIDER runs. It reports, per interaction, in how
many replicates it is selected, and the mean top-``k`` agreement between replicates. With
``run_dir`` each seed's run is checkpointed in ``run_dir/seed-<s>`` (:func:`seed_run_dir`) and a
rerun resumes or reuses it, under one lock on ``run_dir`` for the whole call.

:func:`compare_global` tells which interactions appeared, vanished or changed frequency between
an old and a new GLIDER result.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from interactkit._utils.checks import check_int, check_seed
from interactkit.counting import KeyFn, summarize_ids
from interactkit.detectors import Detector
from interactkit.glider import KeyRun, collect_keys, glider_detector, summarize_run
from interactkit.results import GlobalChange, GlobalExplanation, LocalExplanation, Replication
from interactkit.runs import lock_directory
from interactkit.space import FeatureSpace

__all__ = ["compare_global", "replicate", "replication_from_runs", "seed_run_dir"]


def seed_run_dir(run_dir: str | Path, seed: int) -> Path:
    """Where :func:`replicate` checkpoints the GLIDER run of detector seed ``seed``."""
    return Path(run_dir).expanduser() / f"seed-{seed}"


def replicate(
    instances: Sequence[FeatureSpace | LocalExplanation],
    k: int = 20,
    halves: int = 2,
    seeds: Sequence[int] = (0, 1),
    detector: str | Detector = "madex",
    top: int | None = None,
    key: KeyFn | None = None,
    segments: Sequence[Hashable] | None = None,
    bootstrap: int = 1000,
    level: float = 0.95,
    split_seed: int = 0,
    replace_subsets: bool = False,
    run_dir: str | Path | None = None,
    fresh: bool = False,
    progress: bool | None = None,
    **params: Any,
) -> Replication:
    """GLIDER's selection repeated on ``halves`` disjoint parts and ``seeds`` detector seeds.

    Args:
        instances: feature spaces (a sequence: it is read once per seed) or explanations.
        k, top, key, bootstrap, level, replace_subsets, progress, **params: as
            :func:`~interactkit.glider`.
        detector: as :func:`~interactkit.glider` (a name gets GLIDER's defaults,
            :func:`~interactkit.glider_detector`).
        halves: disjoint parts the instances are split into (at random, with ``split_seed``).
        seeds: detector seeds (instance ``i`` of seed ``s`` uses ``instance_seeds(s, 1, i)``);
            the first gives the full result.
        segments: optional labels, used for the full result (segments and their differences).
        run_dir: checkpoint folder: seed ``s`` is saved in ``run_dir/seed-<s>``; a rerun with
            the same arguments resumes or reuses it, other arguments are refused. The folder is
            locked for the whole call.
        fresh: start every seed's checkpoint afresh (refused while another process holds the
            lock).

    Returns:
        A :class:`~interactkit.results.Replication`; its ``full`` is the GLIDER result on every
        instance with ``seeds[0]`` (``full.wall_time``: that seed's run); ``params["seconds"]``
        holds each seed's run time.
    """
    check_int("k", k)
    check_int("halves", halves, minimum=1)
    seeds = list(dict.fromkeys(check_seed(s, "each seed") for s in seeds))
    if not seeds:
        raise ValueError("replicate needs at least one seed")
    instances = list(instances)
    if len(instances) < 2 * halves:
        raise ValueError(
            f"{len(instances)} instances are too few for {halves} halves; give at least "
            f"{2 * halves}"
        )
    detector = glider_detector(detector, **params)
    deterministic = detector.deterministic or all(
        isinstance(x, LocalExplanation) for x in instances
    )
    run_seeds = seeds[:1] if deterministic else seeds
    runs: dict[int, KeyRun] = {}
    seconds: dict[int, float] = {}
    lock = (
        lock_directory(run_dir, "run directory")
        if run_dir is not None
        else contextlib.nullcontext()
    )
    with lock:
        for i, s in enumerate(run_seeds):
            start = time.perf_counter()
            runs[s] = collect_keys(
                instances,
                detector=detector,
                seed=s,
                top=top,
                key=key,
                segments=segments if i == 0 else None,
                run_dir=None if run_dir is None else seed_run_dir(run_dir, s),
                fresh=fresh,
                progress=progress,
                label="GLIDER" if i == 0 else f"GLIDER, seed {s}",
            )
            seconds[s] = time.perf_counter() - start
    start = time.perf_counter()
    full = summarize_run(runs[seeds[0]], k, bootstrap, level, replace_subsets)
    full.params["backend"] = "local"
    full.wall_time = seconds[seeds[0]] + time.perf_counter() - start  # as glider() would
    replication = replication_from_runs(
        runs, full, k, halves, seeds, level, split_seed, replace_subsets
    )
    replication.params["seconds"] = {str(s): v for s, v in seconds.items()}
    return replication


def replication_from_runs(
    runs: dict[int, KeyRun],
    full: GlobalExplanation,
    k: int,
    halves: int,
    seeds: Sequence[int],
    level: float = 0.95,
    split_seed: int = 0,
    replace_subsets: bool = False,
) -> Replication:
    """The :class:`~interactkit.results.Replication` of GLIDER runs already collected.

    Args:
        runs: ``{seed: KeyRun}`` of :func:`~interactkit.glider.collect_keys` over the same
            instances (one seed for a deterministic detector).
        full: the GLIDER result of ``runs[seeds[0]]`` on every instance.
        k, level, replace_subsets: as :func:`glider`; halves, seeds, split_seed: as
            :func:`replicate` (``seeds`` as asked; ``runs`` holds the ones that ran).
    """
    n = runs[next(iter(runs))].table.n
    part = np.random.default_rng(split_seed).permutation(n) % halves  # part of each instance
    replicates: list[dict[str, Any]] = []
    tally: Counter = Counter()
    selections: list[set[tuple[str, ...]]] = []
    for s, run in runs.items():
        for h in range(halves):
            table = run.table.subset(part == h)
            result = summarize_ids(
                table.flat, table.lengths, table.index, k, 0, level, s, {}, replace_subsets
            )
            names = [it.names for it in result.interactions]
            replicates.append({"seed": s, "half": h, "n_instances": table.n, "interactions": names})
            tally.update(names)
            selections.append(set(names))
    for it in full.interactions:
        tally.setdefault(it.names, 0)
    agreement = [len(a & b) / k for a, b in itertools.combinations(selections, 2)]
    return Replication(
        full=full,
        replicates=replicates,
        selected=sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])),
        agreement=float(np.mean(agreement)) if agreement else 1.0,
        k=k,
        params={
            "halves": halves,
            "seeds": list(seeds),
            "seeds_run": list(runs),
            "split_seed": split_seed,
            "method": full.params.get("method"),
        },
    )


def _se(low: float, high: float, level: float) -> float:
    """Standard error implied by a two-sided interval at ``level`` (normal approximation)."""
    z = _normal_quantile(0.5 + level / 2)
    return max(high - low, 0.0) / (2 * z)


def _normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF (bisection on ``erf``; exact enough for intervals)."""
    lo, hi = -10.0, 10.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def compare_global(
    old: GlobalExplanation, new: GlobalExplanation, level: float = 0.95
) -> list[GlobalChange]:
    """What changed between two GLIDER results (e.g. before and after retraining a model).

    An interaction selected in ``new`` but not ``old`` *appeared*; the reverse *vanished*. One
    selected in both *changed* when its frequencies differ by more than their intervals allow
    (normal approximation from each run's bootstrap interval, ``z`` at ``level``), else it is
    *stable*. Frequencies of interactions not selected in a run come from its candidate counts
    when listed there.

    Returns:
        Changes, the significant ones first (largest change first), then the rest.
    """
    old_sel = {it.names: it for it in old.interactions}
    new_sel = {it.names: it for it in new.interactions}
    old_counts = dict(old.candidates)
    new_counts = dict(new.candidates)
    z = _normal_quantile(0.5 + level / 2)

    def freq(g: GlobalExplanation, counts: dict, names: tuple[str, ...]) -> float | None:
        if names in counts and g.n_instances:
            return counts[names] / g.n_instances
        return None

    out: list[GlobalChange] = []
    for names in dict.fromkeys([*new_sel, *old_sel]):
        a, b = old_sel.get(names), new_sel.get(names)
        f_old = a.frequency if a else freq(old, old_counts, names)
        f_new = b.frequency if b else freq(new, new_counts, names)
        change = None if f_old is None or f_new is None else f_new - f_old
        if a and b:
            se = math.hypot(_se(a.ci_low, a.ci_high, level), _se(b.ci_low, b.ci_high, level))
            significant = change is not None and abs(change) > z * se
            status = "changed" if significant else "stable"
        else:
            status = "appeared" if b else "vanished"
            significant = True
        out.append(GlobalChange(names, status, f_old, f_new, change, significant))
    return sorted(out, key=lambda c: (not c.significant, -abs(c.change or 0.0), c.names))
