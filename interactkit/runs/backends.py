"""Where shards run: one after another in this process (``"local"``) or on Ray workers (``"ray"``).

Results are merged in shard order, so both backends give identical results; at most
``max_pending`` Ray shards are in flight, so memory stays bounded.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from interactkit.counting import KeyFn
from interactkit.detectors import Detector
from interactkit.results import LocalExplanation
from interactkit.runs.directory import RunDirectory
from interactkit.runs.shards import (
    RunError,
    ShardResult,
    explain_shard,
    fingerprint,
    fingerprint_mismatch,
    names_digest,
)

__all__ = ["BACKENDS", "Progress", "explain_many_ray", "iter_shards"]

BACKENDS = ("local", "ray")


def _chunks(
    items: Iterable[Any], segments: Iterable[Hashable] | None, size: int
) -> Iterator[tuple[int, int, list[Any], list[str] | None]]:
    it = iter(items)
    if segments is not None and (
        isinstance(segments, (str, bytes)) or not isinstance(segments, Iterable)
    ):
        raise TypeError(
            "segments must hold one label per instance (a list, array or column), got "
            f"{type(segments).__name__} {segments!r}"[:200]
        )
    seg_it = None if segments is None else iter(segments)
    start = 0
    for index in itertools.count():
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        segs = None
        if seg_it is not None:
            segs = [str(s) for s in itertools.islice(seg_it, len(chunk))]
            if len(segs) != len(chunk):
                raise ValueError("there are fewer segment labels than instances")
        yield index, start, chunk, segs
        start += len(chunk)


@dataclass
class Progress:
    bar: Any = None
    done: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)


def iter_shards(
    detector: Detector,
    items: Iterable[Any],
    *,
    seed: int,
    top: int | None,
    key: KeyFn | None,
    segments: Iterable[Hashable] | None,
    chunk_size: int,
    run_dir: RunDirectory | None,
    backend: str,
    max_pending: int | None,
    progress: Progress,
    keep: Callable[[ShardResult], ShardResult] | None = None,
) -> list[ShardResult]:
    """Explain every shard (skipping finished ones of ``run_dir``), in shard order.

    ``keep`` reduces each shard once it is saved (GLIDER turns its keys into compact ids), so a
    long run holds only what the final count needs.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    finished = run_dir.finished() if run_dir is not None else {}
    results: dict[int, ShardResult] = {}
    chunks = _chunks(items, segments, chunk_size)
    saving = run_dir is not None  # only a saved shard needs its instances' fingerprints

    def finish(shard: ShardResult, saved: bool = False) -> None:
        """Save a newly explained shard, keep what the run needs of it, count its instances."""
        if run_dir is not None and not saved:
            run_dir.write(shard)
        results[shard.index] = keep(shard) if keep is not None else shard
        progress.update(shard.n)

    def resume(index: int, chunk: list[Any], segs: list[str] | None) -> bool:
        shard = finished.get(index)
        if shard is None:
            return False
        where = f"shard {index} in run directory {run_dir.path}"
        fix = (
            "; give a new run directory, delete this one, or start it afresh (fresh=True; CLI: "
            "--fresh)"
        )
        if shard.n != len(chunk) or shard.names_digest != names_digest(chunk):
            raise RunError(
                f"{where} was computed on other instances (their count or feature names differ)"
                + fix
            )
        if shard.segments != segs:
            raise RunError(f"{where} was computed with other segment labels" + fix)
        now = fingerprint(chunk)
        bad = fingerprint_mismatch(shard.fingerprint, now)
        if bad is not None:
            raise RunError(
                f"{where} was computed for another model or other rows: instance "
                f"{shard.start + bad} gives outputs {_rounded(now[bad])} on the fingerprint masks "
                f"now but {_rounded(shard.fingerprint[bad])} in the saved shard" + fix
            )
        finish(shard, saved=True)
        return True

    if backend == "local":
        for index, start, chunk, segs in chunks:
            if resume(index, chunk, segs):
                continue
            finish(explain_shard(detector, index, start, chunk, seed, top, key, segs, saving))
    else:
        _run_ray(detector, chunks, resume, finish, seed, top, key, max_pending, saving)
    return [results[i] for i in sorted(results)]


def _ray() -> Any:
    try:
        import ray
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "backend='ray' needs Ray: pip install 'interactkit[distributed]'"
        ) from err
    if not ray.is_initialized():
        # honours RAY_ADDRESS (an existing cluster); otherwise starts a local one
        ray.init(ignore_reinit_error=True, log_to_driver=False)
    return ray


def _pending_limit(ray: Any, max_pending: int | None) -> int:
    return max_pending or max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))


def _explain_seeded(detector: Detector, spaces: Sequence[Any], seeds: Sequence[int]) -> list:
    return detector.explain_many(spaces, seed=list(seeds), progress=False)


def explain_many_ray(
    detector: Detector,
    spaces: Sequence[Any],
    seeds: Sequence[int],
    chunk_size: int,
    max_pending: int | None = None,
) -> list[LocalExplanation]:
    """``detector.explain_many`` with chunks of ``chunk_size`` instances on Ray workers.

    Instance ``i`` keeps its seed ``seeds[i]``, so the result equals the local one.
    """
    ray = _ray()
    remote = ray.remote(_explain_seeded)
    detector_ref = ray.put(detector)
    limit = _pending_limit(ray, max_pending)
    out: dict[int, list[LocalExplanation]] = {}
    pending: dict[Any, int] = {}
    for index, lo in enumerate(range(0, len(spaces), chunk_size)):
        while len(pending) >= limit:
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            out[pending.pop(ref)] = ray.get(ref)
        chunk = list(spaces[lo : lo + chunk_size])
        pending[remote.remote(detector_ref, chunk, seeds[lo : lo + chunk_size])] = index
    for ref, index in pending.items():
        out[index] = ray.get(ref)
    return [exp for i in sorted(out) for exp in out[i]]


def _run_ray(detector, chunks, resume, finish, seed, top, key, max_pending, saving):
    ray = _ray()
    remote = ray.remote(explain_shard)
    detector_ref = ray.put(detector)
    limit = _pending_limit(ray, max_pending)
    pending: dict[Any, int] = {}

    def collect(block: bool) -> None:
        ready, _ = ray.wait(list(pending), num_returns=1, timeout=None if block else 0)
        for ref in ready:
            pending.pop(ref)
            finish(ray.get(ref))

    for index, start, chunk, segs in chunks:
        if resume(index, chunk, segs):
            continue
        while len(pending) >= limit:
            collect(block=True)
        ref = remote.remote(detector_ref, index, start, chunk, seed, top, key, segs, saving)
        pending[ref] = index
    while pending:
        collect(block=True)


def _rounded(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None else float(f"{v:.6g}") for v in values]
