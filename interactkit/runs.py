"""Long runs over many instances: shards, backends, checkpoints.

A run reads instances in chunks ("shards") of ``chunk_size``, explains each shard with the batched
core, and reduces it to a small :class:`ShardResult` (the instances' interaction keys, timings,
pair-strength sums). Shards are independent: instance ``i`` always uses the seed
``instance_seeds(seed, 1, i)``, so the same shard gives the same result wherever it runs.

* **Backends**: ``"local"`` explains shards one after another in this process; ``"ray"`` sends
  them to Ray workers (at most ``max_pending`` in flight, so memory stays bounded). Results are
  merged in shard order, so both backends give identical results.
* **Checkpoints**: with a run directory, every finished shard is written as
  ``shards/shard-000000.json`` (atomically: a temporary file renamed into place), next to a
  ``manifest.json`` that records the run's arguments. Started again with the same arguments, a
  run loads the finished shards and explains only the rest; a directory made with different
  arguments is refused. The format is plain JSON (no pickle), versioned by ``format``/``version``.
* **Streaming**: instances may come from any iterable; only one shard's perturbations and
  surrogates exist at a time per worker, and finished shards keep only their keys.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from interactkit.detector import Detector
from interactkit.explanation import Interaction, LocalExplanation
from interactkit.sampling import instance_seeds

__all__ = [
    "BACKENDS",
    "RunDirectory",
    "RunError",
    "ShardResult",
    "explain_many_ray",
    "iter_shards",
]

BACKENDS = ("local", "ray")
MANIFEST_FORMAT = "interactkit.run"
SHARD_FORMAT = "interactkit.run-shard"
FORMAT_VERSION = 1

KeyFn = Callable[[LocalExplanation, Interaction], Hashable]


class RunError(ValueError):
    """A run directory cannot be used for this run."""


def _json_key(key: Hashable) -> list[str] | str:
    if isinstance(key, str):
        return key
    if isinstance(key, (tuple, list, frozenset, set)):
        return [str(x) for x in key]
    raise TypeError(
        f"interaction keys must be a str or a tuple of str to be counted and saved, got {key!r}"
    )


def _key_from_json(value: Any) -> tuple[str, ...] | str:
    return value if isinstance(value, str) else tuple(value)


@dataclass
class ShardResult:
    """What a run keeps of one shard of instances.

    Attributes:
        index: shard number (instances ``start .. start + n - 1``).
        keys: per instance, the sorted distinct keys of its top interaction sets. Once a GLIDER
            run has saved the shard, they are replaced by ``key_ids`` (``int32[total]``, every
            instance's keys as ids in the run's key index, concatenated) and ``key_lengths``
            (``int32[n]``, keys per instance), and ``keys`` is emptied.
        segments: per instance segment label (or None).
        pair_names / pair_sum / pair_count: sum over the shard's instances of their normalised
            pair matrices while all share ``pair_names`` (else ``pair_names`` is None).
        names_digest: digest of the instances' feature names (checked on resume).
    """

    index: int
    start: int
    keys: list[list[tuple[str, ...] | str]]
    segments: list[str] | None
    model_time: float
    n_queries: int
    wall_time: float
    pair_names: list[str] | None = None
    pair_sum: np.ndarray | None = None
    pair_count: int = 0
    pairs_consistent: bool = True
    names_digest: str = ""
    key_ids: np.ndarray | None = None
    key_lengths: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.key_lengths) if self.key_lengths is not None else len(self.keys)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": SHARD_FORMAT,
            "version": FORMAT_VERSION,
            "index": self.index,
            "start": self.start,
            "keys": [[_json_key(k) for k in inst] for inst in self.keys],
            "segments": self.segments,
            "model_time": self.model_time,
            "n_queries": self.n_queries,
            "wall_time": self.wall_time,
            "pair_names": self.pair_names,
            "pair_sum": None if self.pair_sum is None else self.pair_sum.tolist(),
            "pair_count": self.pair_count,
            "pairs_consistent": self.pairs_consistent,
            "names_digest": self.names_digest,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShardResult:
        if data.get("format") != SHARD_FORMAT or int(data.get("version", 0)) > FORMAT_VERSION:
            raise RunError(f"not a shard file this interactkit can read: {data.get('format')!r}")
        return cls(
            index=int(data["index"]),
            start=int(data["start"]),
            keys=[[_key_from_json(k) for k in inst] for inst in data["keys"]],
            segments=data.get("segments"),
            model_time=float(data["model_time"]),
            n_queries=int(data["n_queries"]),
            wall_time=float(data["wall_time"]),
            pair_names=data.get("pair_names"),
            pair_sum=None if data.get("pair_sum") is None else np.asarray(data["pair_sum"]),
            pair_count=int(data.get("pair_count", 0)),
            pairs_consistent=bool(data.get("pairs_consistent", True)),
            names_digest=str(data.get("names_digest", "")),
        )


def names_digest(items: Sequence[Any]) -> str:
    """Digest of the feature names of a shard's instances (spaces or explanations)."""
    h = hashlib.sha1()
    for item in items:
        h.update("\x1f".join(item.feature_names).encode())
        h.update(b"\x1e")
    return h.hexdigest()[:16]


def reduce_shard(
    index: int,
    start: int,
    explanations: Sequence[LocalExplanation],
    top: int,
    key: KeyFn | None,
    segments: Sequence[str] | None,
    digest: str,
    wall_time: float,
) -> ShardResult:
    """Reduce a shard's explanations to what a GLIDER run keeps."""
    from interactkit.glider import instance_keys

    keys = [sorted(instance_keys(e, top, key), key=str) for e in explanations]
    result = ShardResult(
        index,
        start,
        keys,
        None if segments is None else [str(s) for s in segments],
        float(sum(e.model_time for e in explanations)),
        int(sum(e.n_queries for e in explanations)),
        wall_time,
        names_digest=digest,
    )
    for exp in explanations:
        if not result.pairs_consistent or not exp.pair_list:
            continue
        if result.pair_names is None:
            result.pair_names = list(exp.feature_names)
            result.pair_sum = np.zeros((exp.n_features, exp.n_features))
        elif exp.feature_names != result.pair_names:
            result.pairs_consistent, result.pair_names, result.pair_sum = False, None, None
            continue
        mat = exp.pair_matrix()
        if mat.max() > 0:
            result.pair_sum += mat / mat.max()
        result.pair_count += 1
    return result


def explain_shard(
    detector: Detector,
    index: int,
    start: int,
    items: Sequence[Any],
    seed: int,
    top: int,
    key: KeyFn | None,
    segments: Sequence[str] | None,
) -> ShardResult:
    """Explain one shard (feature spaces or given explanations) and reduce it.

    Runs in this process or in a Ray worker; the seeds come from the global instance index.
    """
    t = time.perf_counter()
    done = [x for x in items if isinstance(x, LocalExplanation)]
    if done and len(done) != len(items):
        raise TypeError("give either feature spaces or explanations, not a mix")
    if done:
        exps = done
    else:
        exps = detector.explain_many(
            items, seed=instance_seeds(seed, len(items), start), progress=False
        )
    return reduce_shard(
        index, start, exps, top, key, segments, names_digest(items), time.perf_counter() - t
    )


class RunDirectory:
    """A checkpoint directory: ``manifest.json`` plus one JSON file per finished shard."""

    def __init__(self, path: str | Path, arguments: dict[str, Any]) -> None:
        self.path = Path(path)
        self.shard_dir = self.path / "shards"
        self.arguments = json.loads(json.dumps(arguments, default=str))
        manifest = self.path / "manifest.json"
        if manifest.is_file():
            try:
                saved = json.loads(manifest.read_text())
            except json.JSONDecodeError as err:
                raise RunError(
                    f"{manifest} is not valid JSON ({err}); delete the directory"
                ) from err
            if saved.get("format") != MANIFEST_FORMAT:
                raise RunError(f"{self.path} is not an interactkit run directory")
            if int(saved.get("version", 0)) > FORMAT_VERSION:
                raise RunError(f"{self.path} was written by a newer interactkit; upgrade")
            if saved.get("arguments") != self.arguments:
                diff = sorted(
                    k
                    for k in set(saved.get("arguments", {})) | set(self.arguments)
                    if saved.get("arguments", {}).get(k) != self.arguments.get(k)
                )
                raise RunError(
                    f"run directory {self.path} was made with different arguments (differs in: "
                    f"{', '.join(diff)}); give a new run directory or delete this one"
                )
        else:
            self.shard_dir.mkdir(parents=True, exist_ok=True)
            _atomic_write(
                manifest,
                {
                    "format": MANIFEST_FORMAT,
                    "version": FORMAT_VERSION,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "arguments": self.arguments,
                },
            )
        self.shard_dir.mkdir(parents=True, exist_ok=True)

    def shard_path(self, index: int) -> Path:
        return self.shard_dir / f"shard-{index:06d}.json"

    def finished(self) -> dict[int, ShardResult]:
        """Shards already written (a half-written temporary file is ignored)."""
        out = {}
        for path in sorted(self.shard_dir.glob("shard-*.json")):
            shard = ShardResult.from_dict(json.loads(path.read_text()))
            out[shard.index] = shard
        return out

    def write(self, shard: ShardResult) -> None:
        _atomic_write(self.shard_path(shard.index), shard.to_dict())


def _atomic_write(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _chunks(
    items: Iterable[Any], segments: Iterable[Hashable] | None, size: int
) -> Iterator[tuple[int, int, list[Any], list[str] | None]]:
    it = iter(items)
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
class _Progress:
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
    top: int,
    key: KeyFn | None,
    segments: Iterable[Hashable] | None,
    chunk_size: int,
    run_dir: RunDirectory | None,
    backend: str,
    max_pending: int | None,
    progress: _Progress,
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

    def finish(shard: ShardResult, saved: bool = False) -> None:
        """Save a newly explained shard, keep what the run needs of it, count its instances."""
        if run_dir is not None and not saved:
            run_dir.write(shard)
        results[shard.index] = keep(shard) if keep is not None else shard
        progress.update(shard.n)

    def resume(index: int, chunk: list[Any]) -> bool:
        shard = finished.get(index)
        if shard is None:
            return False
        if shard.n != len(chunk) or shard.names_digest != names_digest(chunk):
            raise RunError(
                f"shard {index} in {run_dir.path} was computed on different instances (feature "
                "names or count differ); give a new run directory"
            )
        finish(shard, saved=True)
        return True

    if backend == "local":
        for index, start, chunk, segs in chunks:
            if resume(index, chunk):
                continue
            finish(explain_shard(detector, index, start, chunk, seed, top, key, segs))
    else:
        _run_ray(detector, chunks, resume, finish, seed, top, key, max_pending)
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


def _run_ray(detector, chunks, resume, finish, seed, top, key, max_pending):
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
        if resume(index, chunk):
            continue
        while len(pending) >= limit:
            collect(block=True)
        ref = remote.remote(detector_ref, index, start, chunk, seed, top, key, segs)
        pending[ref] = index
    while pending:
        collect(block=True)
