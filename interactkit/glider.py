"""GLIDER: global interactions of a model from local detections over many instances.

For each instance, take its ``top`` ranked interaction sets (paper: 100), drop any set containing
every feature, and count in how many instances each set occurs. Sets are sorted by count and
selected greedily: a set that is a strict subset of a selected set is skipped; selecting a
superset removes its already-selected subsets; selection stops at ``k`` sets (paper: 40; default
20). Each global interaction carries its count, its frequency over instances and a bootstrap
confidence interval of that frequency.

Sets are matched across instances by a *key*, by default the tuple of the set's feature names
(CTR field names are the same in every impression). For text, a key such as lower-cased words
groups the same word pair across sentences.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm.auto import tqdm

from interactkit.api import explain_many, get_detector
from interactkit.explanation import Interaction, LocalExplanation
from interactkit.sampling import instance_seeds
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


def select_global(counts: Counter, k: int = 20) -> list[tuple[Hashable, int]]:
    """GLIDER's greedy selection of at most ``k`` keys by count, with subset pruning."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    selected: list[tuple[Hashable, int]] = []
    for candidate, count in ranked:
        cset = _as_set(candidate)
        if any(cset < _as_set(s) for s, _ in selected):
            continue  # a strict subset of a selected set
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
            "params": self.params,
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
        text = json.dumps(self.to_dict(), indent=indent)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, source: str | Path) -> GlobalExplanation:
        text = str(source)
        if not text.lstrip().startswith("{"):
            text = Path(source).read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))

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


def _bootstrap_ci(
    indicators: np.ndarray, n_boot: int, level: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap of column means of ``indicators: bool[N, K]`` over rows."""
    n, k = indicators.shape
    if n_boot <= 0 or n == 0:
        freq = indicators.mean(axis=0) if n else np.zeros(k)
        return freq, freq
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)  # [B, N]
    freqs = weights @ indicators.astype(float) / n  # [B, K]
    alpha = (1 - level) / 2
    return np.quantile(freqs, alpha, axis=0), np.quantile(freqs, 1 - alpha, axis=0)


def summarize(
    keysets: Sequence[set[Hashable]],
    k: int = 20,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    params: dict[str, Any] | None = None,
) -> GlobalExplanation:
    """GLIDER counting, selection and bootstrap intervals from per-instance key sets."""
    counts: Counter = Counter()
    for keys in keysets:
        counts.update(keys)
    selected = select_global(counts, k)
    n = len(keysets)
    indicators = np.array([[key in keys for key, _ in selected] for keys in keysets], dtype=bool)
    indicators = indicators.reshape(n, len(selected))
    low, high = _bootstrap_ci(indicators, n_boot, level, seed)
    interactions = [
        GlobalInteraction(
            tuple(str(x) for x in (key if isinstance(key, tuple) else (key,))),
            int(count),
            count / n if n else 0.0,
            float(low[j]),
            float(high[j]),
        )
        for j, (key, count) in enumerate(selected)
    ]
    candidates = [
        (tuple(str(x) for x in (key if isinstance(key, tuple) else (key,))), int(c))
        for key, c in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:1000]
    ]
    return GlobalExplanation(interactions, n, candidates, params=dict(params or {}))


class _PairAccumulator:
    """Mean of per-instance normalised pair matrices, while the feature names agree."""

    def __init__(self) -> None:
        self.names: list[str] | None = None
        self.total: np.ndarray | None = None
        self.n = 0
        self.consistent = True

    def add(self, exp: LocalExplanation) -> None:
        if not self.consistent or not exp.pair_list:
            return
        if self.names is None:
            self.names = list(exp.feature_names)
            self.total = np.zeros((len(self.names), len(self.names)))
        elif exp.feature_names != self.names:
            self.consistent = False
            return
        mat = exp.pair_matrix()
        peak = mat.max()
        if peak > 0:
            self.total += mat / peak
        self.n += 1

    def result(self) -> tuple[list[str] | None, np.ndarray | None]:
        if not self.consistent or self.n == 0 or self.total is None:
            return None, None
        return self.names, self.total / self.n


def glider(
    instances: Sequence[FeatureSpace | LocalExplanation],
    k: int = 20,
    top: int = 100,
    method: str = "madex",
    seed: int = 0,
    segments: Sequence[Hashable] | None = None,
    key: KeyFn | None = None,
    bootstrap: int = 1000,
    level: float = 0.95,
    chunk_size: int = 256,
    progress: bool | None = None,
    **params: Any,
) -> GlobalExplanation:
    """Global interactions from local detections over many instances (GLIDER).

    Args:
        instances: feature spaces to explain (batched through :func:`explain_many`, in chunks of
            ``chunk_size``), or explanations computed earlier.
        k: how many global interactions to select (paper: 40).
        top: per-instance ranked sets taken into the count (paper: 100).
        method: local detector for feature spaces (``"madex"``, the paper's, or
            ``"archdetect"``).
        seed: instance ``i`` is explained with ``instance_seeds(seed, 1, i)``.
        segments: optional label per instance (e.g. the device type of each impression); the
            result then also holds one global explanation per segment in ``segments``.
        key: how sets are matched across instances (default: their feature names).
        bootstrap: bootstrap resamples for the frequency intervals (0 to skip).
        level: confidence level of the intervals.
        progress: show a progress bar over instances (None: only on a terminal).
        **params: detector parameters (e.g. ``n_samples``).
    """
    if k < 1 or top < 1:
        raise ValueError(f"k and top must be >= 1, got k={k}, top={top}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    n = len(instances)
    if n == 0:
        raise ValueError("glider needs at least one instance")
    if segments is not None and len(segments) != n:
        raise ValueError(f"got {len(segments)} segment labels for {n} instances")
    start = time.perf_counter()
    detector = get_detector(method, **params)
    keysets: list[set[Hashable]] = []
    model_time, n_queries = 0.0, 0
    pairs = _PairAccumulator()
    seeds = instance_seeds(seed, n)
    bar = tqdm(
        total=n,
        desc="GLIDER",
        unit="instance",
        disable=(not progress) if progress is not None else None,
    )
    for lo in range(0, n, chunk_size):
        chunk = list(instances[lo : lo + chunk_size])
        done = [e for e in chunk if isinstance(e, LocalExplanation)]
        if done and len(done) != len(chunk):
            raise TypeError("give either feature spaces or explanations, not a mix")
        exps = done or explain_many(
            chunk, method=detector, seed=seeds[lo : lo + len(chunk)], progress=False
        )
        for exp in exps:
            keysets.append(instance_keys(exp, top, key))
            pairs.add(exp)
            model_time += exp.model_time
            n_queries += exp.n_queries
        bar.update(len(chunk))
    bar.close()
    settings = {
        "k": k,
        "top": top,
        "method": detector.name,
        "seed": seed,
        "bootstrap": bootstrap,
        "level": level,
        "detector": detector.get_params(),
    }
    result = summarize(keysets, k, bootstrap, level, seed, settings)
    if segments is not None:
        labels = [str(s) for s in segments]
        for label in sorted(set(labels)):
            rows = [keysets[i] for i in range(n) if labels[i] == label]
            result.segments[label] = summarize(rows, k, bootstrap, level, seed, settings)
    result.feature_names, result.pair_strength = pairs.result()
    result.wall_time = time.perf_counter() - start
    result.model_time = model_time
    result.n_queries = n_queries
    return result
