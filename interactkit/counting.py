"""GLIDER's counting and selection: which interaction sets recur over many instances.

For each instance, take the interaction sets it really has (:func:`instance_keys`: the sets its
detector judged real -- MADEX's ridge cut-off, ArchDetect's pair cut-off -- or, as the paper did,
its ``top`` ranked sets; sets containing every feature are dropped) and count in how many
instances each set occurs. (Counting a fixed top-``t`` makes counts flat for a pairwise
detector: a top-100 of ArchDetect's 136 pairs on 17 fields holds nearly every pair.) Sets are
sorted by count and selected greedily (:func:`select_global`): a set that is a strict subset of
a selected set is skipped; selection stops at ``k`` sets. Each selected set
carries its count, its frequency over instances and a bootstrap confidence interval of that
frequency (:func:`summarize`).

Sets are matched across instances by a *key*, by default the tuple of the set's feature names
(CTR field names are the same in every impression). For text, a key such as lower-cased words
groups the same word pair across sentences.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from interactkit.results import GlobalExplanation, GlobalInteraction, Interaction, LocalExplanation

__all__ = [
    "KeyFn",
    "KeyIndex",
    "KeyTable",
    "bootstrap_ci",
    "count_interactions",
    "instance_keys",
    "key_name",
    "names_key",
    "select_global",
    "summarize",
    "summarize_ids",
]

KeyFn = Callable[[LocalExplanation, Interaction], Hashable]


def names_key(exp: LocalExplanation, interaction: Interaction) -> tuple[str, ...]:
    """Default key: the sorted feature names of the set."""
    return tuple(sorted(interaction.names))


def instance_keys(
    exp: LocalExplanation, top: int | None = None, key: KeyFn | None = None
) -> set[Hashable]:
    """The distinct keys of what one instance contributes to the count.

    Args:
        exp: the instance's explanation.
        top: None (default): the sets its detector judged real (``exp.detected``: MADEX's ridge
            cut-off, ArchDetect's pair cut-off); an int ``t``: its ``t`` highest-ranked sets
            (the paper's rule, ``t = 100``). Sets of every feature are left out either way.
        key: how a set is matched across instances (default: its sorted feature names).
    """
    if not isinstance(exp, LocalExplanation):
        raise TypeError(
            f"GLIDER counts LocalExplanation objects, got {type(exp).__name__}; explain the "
            "instances first (interactkit.explain_many) or pass feature spaces to glider()"
        )
    key = key or names_key
    if top is None:
        if exp.detected is None:
            raise ValueError(
                f"the {exp.method} explanation has no detected sets (its detector ran without a "
                "cut-off); count its ranking instead with top=100 (the paper's rule)"
            )
        sets = exp.detected
    else:
        sets = exp.interactions[:top]
    try:
        return {key(exp, it) for it in sets if it.order < exp.n_features}
    except TypeError as err:
        if "positional argument" not in str(err):
            raise
        raise TypeError(
            f"the key function must take (explanation, interaction) and return a str or a "
            f"tuple of str: {err}"
        ) from None


def count_interactions(
    explanations: Iterable[LocalExplanation], top: int | None = None, key: KeyFn | None = None
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


_BOOTSTRAP_BLOCK_ENTRIES = 500_000  # resample weights held at once (int64: 4 MB)


def bootstrap_ci(
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


class KeyIndex:
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


@dataclass
class KeyTable:
    """Every instance's interaction keys from one run, as compact ids (what replication,
    segment comparisons and re-selection need without explaining anything again).

    Attributes:
        index: the run's key index (id <-> key).
        flat: ``int32[total]``, every instance's distinct key ids, concatenated.
        lengths: ``int32[N]``, how many of them belong to each instance.
        segments: ``str[N]`` segment label per instance, or None.
    """

    index: KeyIndex
    flat: np.ndarray
    lengths: np.ndarray
    segments: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.lengths)

    def owners(self) -> np.ndarray:
        """``int[total]``: the instance of each entry of :attr:`flat`."""
        return np.repeat(np.arange(self.n), self.lengths)

    def subset(self, rows: np.ndarray) -> KeyTable:
        """The table of the instances where ``rows: bool[N]`` is True."""
        rows = np.asarray(rows, dtype=bool)
        return KeyTable(
            self.index,
            self.flat[rows[self.owners()]],
            self.lengths[rows],
            None if self.segments is None else self.segments[rows],
        )

    def indicators(self, keys: Sequence[Hashable]) -> np.ndarray:
        """``bool[N, len(keys)]``: whether each instance has each key."""
        out = np.zeros((self.n, len(keys)), dtype=bool)
        owner = self.owners()
        for j, key in enumerate(keys):
            idx = self.index.ids.get(key)
            if idx is not None:
                out[owner[self.flat == idx], j] = True
        return out


def _names(key: Hashable) -> tuple[str, ...]:
    return tuple(str(x) for x in (key if isinstance(key, tuple) else (key,)))


def summarize_ids(
    flat: np.ndarray,
    lengths: np.ndarray,
    index: KeyIndex,
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
    low, high = bootstrap_ci(indicators, n_boot, level, seed)
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
    index = KeyIndex()
    flat, lengths = index.encode_rows(set(keys) for keys in keysets)
    return summarize_ids(
        flat, lengths, index, k, n_boot, level, seed, params or {}, replace_subsets
    )


def key_name(key: KeyFn | None) -> str:
    """What identifies a key function in a run's manifest: its name and a digest of its code.

    Two lambdas share a name (``module.<lambda>``) but not their code, so a run directory made
    with one is not reused with the other.
    """
    if key is None:
        return "names"
    name = f"{getattr(key, '__module__', '')}.{getattr(key, '__qualname__', repr(key))}"
    code = getattr(key, "__code__", None)
    if code is None:
        return name
    digest = hashlib.sha1(code.co_code + repr(code.co_consts).encode()).hexdigest()[:12]
    return f"{name}#{digest}"
