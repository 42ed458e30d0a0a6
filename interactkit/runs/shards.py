"""Shards of a long run: what a run keeps of each chunk of instances, and how a chunk is explained.

A shard is explained by one batched ``explain_many`` call and reduced to a :class:`ShardResult`
(each instance's interaction keys, timings, pair-strength sums), which is small, JSON-safe and
the same wherever it was computed.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from interactkit._utils import jsonio
from interactkit.counting import KeyFn, instance_keys
from interactkit.detectors import Detector
from interactkit.query import Querier
from interactkit.results import LocalExplanation
from interactkit.sampling import instance_seeds
from interactkit.space import FeatureSpace

__all__ = [
    "SHARD_FORMAT",
    "RunError",
    "ShardResult",
    "explain_shard",
    "fingerprint",
    "fingerprint_mismatch",
    "names_digest",
    "reduce_shard",
]

SHARD_FORMAT = "interactkit.run-shard"
FORMAT_VERSION = 3  # 2: shards carry a fingerprint of the model outputs they explained; 3: the
# held-out R^2 of each instance's explanation


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
    return value if isinstance(value, str) else tuple(jsonio.strings(value, "a key"))


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
        fingerprint: per instance, the model's output with every feature on and with every
            feature off (``[value, baseline]``): what the shard explained, checked on resume so
            that a run directory is never reused for another model or other rows.
        fidelity: per instance, ``[r2, r2_main]`` of its explanation (None entries where it has
            none; :class:`~interactkit.results.fidelity.Fidelity`).
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
    fingerprint: list[list[float | None]] = field(default_factory=list)
    fidelity: list[list[float | None]] = field(default_factory=list)
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
            "fingerprint": self.fingerprint,
            "fidelity": self.fidelity,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShardResult:
        jsonio.check_format(data, SHARD_FORMAT, FORMAT_VERSION, "shard")
        if data.get("version", 0) < FORMAT_VERSION:
            raise RunError(
                f"shard written by an older interactkit (format version {data.get('version')}), "
                "without what this version keeps of each instance (the fingerprint that proves "
                "what it explained, the fidelity of its explanation)"
            )
        with jsonio.fields_of("the shard data"):
            return cls._from_checked(data)

    @classmethod
    def _from_checked(cls, data: dict[str, Any]) -> ShardResult:
        keys = data["keys"]
        if not isinstance(keys, list) or not all(isinstance(inst, list) for inst in keys):
            raise TypeError("keys must be a list (one list of keys per instance)")
        n = len(keys)
        segments = data.get("segments")
        if segments is not None and len(jsonio.strings(segments, "segments")) != n:
            raise ValueError(f"{len(segments)} segment labels for {n} instances")
        prints = data["fingerprint"]
        if not isinstance(prints, list) or len(prints) != n:
            raise ValueError(f"the fingerprint must have one entry per instance ({n})")
        pair_names = data.get("pair_names")
        pair_sum = None
        if pair_names is not None:
            pair_names = jsonio.strings(pair_names, "pair_names")
            rows = data["pair_sum"]
            if not isinstance(rows, list) or len(rows) != len(pair_names):
                raise ValueError("pair_sum does not match pair_names")
            pair_sum = np.stack([jsonio.numbers(r, "pair_sum", len(pair_names)) for r in rows])
        return cls(
            index=jsonio.integer(data["index"], "index"),
            start=jsonio.integer(data["start"], "start"),
            keys=[[_key_from_json(k) for k in inst] for inst in keys],
            segments=segments,
            model_time=jsonio.number(data["model_time"], "model_time"),
            n_queries=jsonio.integer(data["n_queries"], "n_queries"),
            wall_time=jsonio.number(data["wall_time"], "wall_time"),
            pair_names=pair_names,
            pair_sum=pair_sum,
            pair_count=jsonio.integer(data.get("pair_count", 0), "pair_count"),
            pairs_consistent=bool(data.get("pairs_consistent", True)),
            names_digest=str(data["names_digest"]),
            fingerprint=[
                [jsonio.opt_number(v, "fingerprint") for v in _as_list(pair)] for pair in prints
            ],
            fidelity=[
                [jsonio.opt_number(v, "fidelity") for v in _as_list(pair)]
                for pair in _as_list(data["fidelity"])
            ],
        )


def _as_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def fingerprint(items: Sequence[FeatureSpace | LocalExplanation]) -> list[list[float | None]]:
    """What identifies each instance of a shard: its model outputs on a few fixed masks.

    A feature space is queried on four masks (every feature on, every feature off, and two
    fixed pseudo-random masks: one model call per instance); an explanation given as input
    contributes the outputs it recorded with every feature on and every feature off.
    """
    out: list[list[float | None]] = []
    for item in items:
        if isinstance(item, LocalExplanation):
            out.append([_opt_float(item.value), _opt_float(item.baseline_value)])
            continue
        values = Querier(item, check_determinism=False)(_fingerprint_masks(item.n_features))
        out.append([float(v) for v in values.cpu().tolist()])
    return out


def _fingerprint_masks(p: int) -> torch.Tensor:
    """``BoolTensor[4, p]``: all on, all off, and two masks drawn with a fixed seed."""
    gen = torch.Generator().manual_seed(0x51DE + p)
    random = torch.rand(2, p, generator=gen) < 0.5
    return torch.cat(
        [torch.ones(1, p, dtype=torch.bool), torch.zeros(1, p, dtype=torch.bool), random]
    )


def fingerprint_mismatch(
    saved: Sequence[Sequence[float | None]], now: Sequence[Sequence[float | None]]
) -> int | None:
    """Index of the first instance whose outputs differ (beyond float32 rounding), or None."""
    for i, (a, b) in enumerate(zip(saved, now, strict=True)):
        for x, y in zip(a, b, strict=True):
            if (x is None) != (y is None):
                return i
            if x is not None and not math.isclose(x, y, rel_tol=1e-4, abs_tol=1e-6):
                return i
    return None


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
    top: int | None,
    key: KeyFn | None,
    segments: Sequence[str] | None,
    digest: str,
    wall_time: float,
    prints: Sequence[list[float | None]],
) -> ShardResult:
    """Reduce a shard's explanations to what a GLIDER run keeps (``prints``: its fingerprint)."""
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
        fingerprint=list(prints),
        fidelity=[
            [None, None] if e.fidelity is None else [e.fidelity.r2, e.fidelity.r2_main]
            for e in explanations
        ],
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
    top: int | None,
    key: KeyFn | None,
    segments: Sequence[str] | None,
    fingerprints: bool = True,
) -> ShardResult:
    """Explain one shard (feature spaces or given explanations) and reduce it.

    Runs in this process or in a Ray worker; the seeds come from the global instance index.
    ``fingerprints``: query each instance's :func:`fingerprint` (one more model call per
    instance), which a saved shard needs to be resumed safely; a run that saves nothing skips it.
    """
    t = time.perf_counter()
    done = [x for x in items if isinstance(x, LocalExplanation)]
    if done and len(done) != len(items):
        raise TypeError("give either feature spaces or explanations, not a mix")
    prints = fingerprint(items) if fingerprints else []
    if done:
        exps = done
    else:
        exps = detector.explain_many(
            items, seed=instance_seeds(seed, len(items), start), progress=False
        )
    wall = time.perf_counter() - t
    return reduce_shard(index, start, exps, top, key, segments, names_digest(items), wall, prints)
