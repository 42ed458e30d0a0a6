"""GLIDER: global interactions of a model from local detections over many instances.

For each instance, take its ``top`` ranked interaction sets (paper: 100), drop any set containing
every feature, and count in how many instances each set occurs. Sets are sorted by count and
selected greedily: a set that is a strict subset of a selected set is skipped; selection stops
at ``k`` sets (paper: 40; default 20). The paper also lets a selected superset remove its
selected subsets; that is ``replace_subsets=True`` here, off by default (see
:func:`select_global` for why). Each global interaction carries its count, its frequency
over instances and a bootstrap confidence interval of that frequency.

Sets are matched across instances by a *key*, by default the tuple of the set's feature names
(CTR field names are the same in every impression). For text, a key such as lower-cased words
groups the same word pair across sentences.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence, Sized
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm.auto import tqdm

from interactkit import _json
from interactkit.api import get_detector
from interactkit.explanation import Interaction, LocalExplanation
from interactkit.space import FeatureSpace

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "GlobalExplanation",
    "GlobalInteraction",
    "count_interactions",
    "glider",
    "select_global",
]

KeyFn = Callable[[LocalExplanation, Interaction], Hashable]
FORMAT = "interactkit.GlobalExplanation"
FORMAT_VERSION = 1


def names_key(exp: LocalExplanation, interaction: Interaction) -> tuple[str, ...]:
    """Default key: the sorted feature names of the set."""
    return tuple(sorted(interaction.names))


def instance_keys(exp: LocalExplanation, top: int = 100, key: KeyFn | None = None) -> set[Hashable]:
    """The distinct keys of one instance's ``top`` sets, without sets of every feature."""
    key = key or names_key
    return {key(exp, it) for it in exp.interactions[:top] if it.order < exp.n_features}


def count_interactions(
    explanations: Iterable[LocalExplanation], top: int = 100, key: KeyFn | None = None
) -> Counter:
    """In how many explanations each key occurs among the ``top`` sets (GLIDER's counting)."""
    counts: Counter = Counter()
    for exp in explanations:
        counts.update(instance_keys(exp, top, key))
    return counts


def _as_set(k: Hashable) -> frozenset:
    return frozenset(k) if isinstance(k, (tuple, frozenset, set, list)) else frozenset([k])


def select_global(
    counts: Counter, k: int = 20, replace_subsets: bool = False
) -> list[tuple[Hashable, int]]:
    """GLIDER's greedy selection of at most ``k`` keys by count.

    Candidates are taken in decreasing count; one that is a strict subset of a selected set is
    skipped. With ``replace_subsets=True`` (the rule as the paper describes it), selecting a
    superset also removes its already-selected subsets. That rule lets a rarer union of two
    overlapping interactions (say {a, b, c}, counted in 60 instances) delete the two frequent
    interactions it joins ({a, b} in 130, {a, c} in 95), so by default selected subsets stay:
    in our planted-interaction benchmark the default selects every planted set exactly, the
    paper's rule none of them (benchmarks/results/ctr.md).
    """
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    selected: list[tuple[Hashable, int]] = []
    for candidate, count in ranked:
        cset = _as_set(candidate)
        if any(cset < _as_set(s) for s, _ in selected):
            continue  # a strict subset of a selected set
        if replace_subsets:
            selected = [(s, c) for s, c in selected if not _as_set(s) < cset]
        selected.append((candidate, count))
        if len(selected) >= k:
            break
    return selected


@dataclass(frozen=True)
class GlobalInteraction:
    """One global interaction: its key (feature names), count over instances and frequency.

    ``ci_low``/``ci_high`` bound the frequency (bootstrap over instances).
    """

    names: tuple[str, ...]
    count: int
    frequency: float
    ci_low: float
    ci_high: float

    @property
    def order(self) -> int:
        return len(self.names)

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "count": self.count,
            "frequency": self.frequency,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlobalInteraction:
        return cls(
            tuple(str(n) for n in data["names"]),
            int(data["count"]),
            float(data["frequency"]),
            float(data["ci_low"]),
            float(data["ci_high"]),
        )

    def __str__(self) -> str:
        return (
            f"{{{', '.join(self.names)}}} {self.count} ({self.frequency:.1%}, "
            f"{self.ci_low:.1%}–{self.ci_high:.1%})"
        )


@dataclass
class GlobalExplanation:
    """The global interactions of a model (GLIDER).

    Attributes:
        interactions: selected global interactions, most frequent first.
        feature_names, pair_strength: when every instance has the same features (e.g. the
            fields of a CTR model), the mean over instances of each instance's pairwise NID
            strengths divided by its largest one (``float[n, n]``), else None.
        n_instances: instances explained.
        candidates: the most frequent keys before selection (up to 1000), with counts.
        segments: per-segment global explanations when ``segments`` were given.
        params: settings (k, top, method, detector parameters, bootstrap).
    """

    interactions: list[GlobalInteraction]
    n_instances: int
    candidates: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    segments: dict[str, GlobalExplanation] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    wall_time: float = 0.0
    model_time: float = 0.0
    n_queries: int = 0
    feature_names: list[str] | None = None
    pair_strength: np.ndarray | None = None

    def top(self, k: int = 10, order: int | None = None) -> list[GlobalInteraction]:
        items = (
            self.interactions
            if order is None
            else [it for it in self.interactions if it.order == order]
        )
        return items[:k]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "interactions": [it.to_dict() for it in self.interactions],
            "n_instances": self.n_instances,
            "candidates": [[list(k), c] for k, c in self.candidates],
            "segments": {str(s): g.to_dict() for s, g in self.segments.items()},
            "params": json.loads(json.dumps(self.params, default=str)),
            "wall_time": self.wall_time,
            "model_time": self.model_time,
            "n_queries": self.n_queries,
            "feature_names": self.feature_names,
            "pair_strength": None
            if self.pair_strength is None
            else np.round(self.pair_strength, 6).tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlobalExplanation:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a serialised GlobalExplanation (format={data.get('format')!r})")
        if int(data.get("version", 0)) > FORMAT_VERSION:
            raise ValueError(
                f"GlobalExplanation format version {data['version']} is newer than this "
                f"interactkit understands ({FORMAT_VERSION}); upgrade interactkit"
            )
        return cls(
            interactions=[GlobalInteraction.from_dict(d) for d in data["interactions"]],
            n_instances=int(data["n_instances"]),
            candidates=[(tuple(k), int(c)) for k, c in data.get("candidates", [])],
            segments={s: cls.from_dict(g) for s, g in data.get("segments", {}).items()},
            params=data.get("params") or {},
            wall_time=float(data.get("wall_time", 0.0)),
            model_time=float(data.get("model_time", 0.0)),
            n_queries=int(data.get("n_queries", 0)),
            feature_names=data.get("feature_names"),
            pair_strength=None
            if data.get("pair_strength") is None
            else np.asarray(data["pair_strength"], dtype=float),
        )

    def to_json(self, path: str | Path | None = None, indent: int | None = None) -> str:
        """Serialise to JSON (and write it to ``path`` if given)."""
        return _json.dump(self.to_dict(), path, indent)

    @classmethod
    def from_json(cls, source: str | Path) -> GlobalExplanation:
        """Load from a JSON string or a path to a JSON file."""
        return cls.from_dict(_json.load(source))

    def to_frame(self) -> pd.DataFrame:
        """One row per global interaction (and per segment, with a ``segment`` column)."""
        import pandas as pd

        def rows(g: GlobalExplanation, segment: str | None) -> list[dict[str, Any]]:
            return [
                {
                    **({"segment": segment} if segment is not None else {}),
                    "rank": r,
                    "interaction": ", ".join(it.names),
                    "order": it.order,
                    "count": it.count,
                    "frequency": it.frequency,
                    "ci_low": it.ci_low,
                    "ci_high": it.ci_high,
                }
                for r, it in enumerate(g.interactions, start=1)
            ]

        if self.segments:
            return pd.DataFrame([r for s, g in self.segments.items() for r in rows(g, s)])
        return pd.DataFrame(rows(self, None))

    def __repr__(self) -> str:
        top = ", ".join(str(it) for it in self.interactions[:3])
        seg = f", segments={list(self.segments)}" if self.segments else ""
        return (
            f"GlobalExplanation(n_instances={self.n_instances}, "
            f"n_interactions={len(self.interactions)}{seg}, top=[{top}])"
        )


_BOOTSTRAP_BLOCK_ENTRIES = 500_000  # resample weights held at once (int64: 4 MB)


def _bootstrap_ci(
    indicators: np.ndarray, n_boot: int, level: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap of column means of ``indicators: bool[N, K]`` over rows."""
    n, k = indicators.shape
    if n_boot <= 0 or n == 0:
        freq = indicators.mean(axis=0) if n else np.zeros(k)
        return freq, freq
    rng = np.random.default_rng(seed)
    probs = np.full(n, 1.0 / n)
    values = indicators.astype(float)
    # Resamples in blocks so memory stays O(block * N), not O(B * N) (800 MB for B = 1000 and
    # N = 100,000); the generator's stream, and so the result, is the same as one [B, N] draw.
    block = max(1, min(n_boot, _BOOTSTRAP_BLOCK_ENTRIES // n))
    freqs = np.concatenate(
        [
            rng.multinomial(n, probs, size=min(block, n_boot - b)) @ values / n  # [b, K]
            for b in range(0, n_boot, block)
        ]
    )  # [B, K]
    alpha = (1 - level) / 2
    return np.quantile(freqs, alpha, axis=0), np.quantile(freqs, 1 - alpha, axis=0)


class _KeyIndex:
    """Interns keys to ints; instances keep int32 arrays of key ids (compact for big runs)."""

    def __init__(self) -> None:
        self.ids: dict[Hashable, int] = {}
        self.keys: list[Hashable] = []

    def encode(self, keys: Iterable[Hashable]) -> np.ndarray:
        out = []
        for key in keys:
            idx = self.ids.get(key)
            if idx is None:
                idx = self.ids[key] = len(self.keys)
                self.keys.append(key)
            out.append(idx)
        return np.asarray(out, dtype=np.int32)

    def encode_rows(self, keysets: Iterable[Iterable[Hashable]]) -> tuple[np.ndarray, np.ndarray]:
        """Many instances' keys -> (``int32[total]`` ids concatenated, ``int32[N]`` lengths)."""
        rows = [self.encode(keys) for keys in keysets]
        flat = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
        return flat, np.array([len(r) for r in rows], dtype=np.int32)


def _names(key: Hashable) -> tuple[str, ...]:
    return tuple(str(x) for x in (key if isinstance(key, tuple) else (key,)))


def _summarize_ids(
    flat: np.ndarray,
    lengths: np.ndarray,
    index: _KeyIndex,
    k: int,
    n_boot: int,
    level: float,
    seed: int,
    params: dict[str, Any],
    replace_subsets: bool = False,
) -> GlobalExplanation:
    """Count, select and bootstrap from key ids.

    Args:
        flat: ``int32[total]``, every instance's distinct key ids, concatenated.
        lengths: ``int[N]``, how many of them belong to each instance.
    """
    n = len(lengths)
    owner = np.repeat(np.arange(n, dtype=np.int32), lengths)
    bins = np.bincount(flat, minlength=len(index.keys))
    present = np.nonzero(bins)[0]
    counts = Counter({index.keys[i]: int(bins[i]) for i in present})
    selected = select_global(counts, k, replace_subsets)
    indicators = np.zeros((n, len(selected)), dtype=bool)
    for j, (key, _) in enumerate(selected):
        indicators[owner[flat == index.ids[key]], j] = True
    low, high = _bootstrap_ci(indicators, n_boot, level, seed)
    interactions = [
        GlobalInteraction(_names(key), int(c), c / n if n else 0.0, float(low[j]), float(high[j]))
        for j, (key, c) in enumerate(selected)
    ]
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:1000]
    candidates = [(_names(key), int(c)) for key, c in ranked]
    return GlobalExplanation(interactions, n, candidates, params=dict(params))


def summarize(
    keysets: Sequence[Iterable[Hashable]],
    k: int = 20,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    replace_subsets: bool = False,
) -> GlobalExplanation:
    """GLIDER counting, selection and bootstrap intervals from per-instance key sets."""
    index = _KeyIndex()
    flat, lengths = index.encode_rows(set(keys) for keys in keysets)
    return _summarize_ids(
        flat, lengths, index, k, n_boot, level, seed, params or {}, replace_subsets
    )


def _key_name(key: KeyFn | None) -> str:
    if key is None:
        return "names"
    return f"{getattr(key, '__module__', '')}.{getattr(key, '__qualname__', repr(key))}"


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
    from interactkit.runs import RunDirectory, _Progress, iter_shards

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
        "key": _key_name(key),
        "segmented": segments is not None,
    }
    directory = RunDirectory(run_dir, arguments) if run_dir is not None else None
    index = _KeyIndex()

    def keep(shard: Any) -> Any:
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
    try:
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
            progress=_Progress(bar),
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
    result = _summarize_ids(flat, lengths, *args)
    if segments is not None:
        labels = np.array([label for sh in shards for label in (sh.segments or [])])
        owner = np.repeat(np.arange(n), lengths)
        for label in sorted(set(labels.tolist())):
            chosen = labels == label  # bool[N]
            result.segments[label] = _summarize_ids(flat[chosen[owner]], lengths[chosen], *args)
    result.feature_names, result.pair_strength = _merge_pairs(shards)
    result.wall_time = time.perf_counter() - start
    result.model_time = sum(sh.model_time for sh in shards)
    result.n_queries = sum(sh.n_queries for sh in shards)
    return result


def _merge_pairs(shards: Sequence[Any]) -> tuple[list[str] | None, np.ndarray | None]:
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
