"""Corpus level: which word pairs are most often among the sentences' top interactions.

Each sentence is explained; its top-``k`` *pairs* are keyed by their case-folded words
(:func:`word_pair_key`) and counted with GLIDER's counting
(:func:`interactkit.counting.count_interactions`): a key counts at most once per sentence, and a
set holding every feature of its sentence (the only pair of a two-word sentence) is not counted.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from interactkit import Detector, Interaction, LocalExplanation, count_interactions, explain_many

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit.adapters.text.explainer import TextExplainer
    from interactkit.adapters.text.space import TextSpace

__all__ = ["global_word_interactions", "word_pair_key"]

WordPair = tuple[str, ...]
PairCounter = Callable[..., Mapping[Hashable, int] | Iterable[tuple[Hashable, int]]]
_COLUMNS = ["pair", "word_a", "word_b", "count", "frequency", "mean_strength"]


def word_pair_key(explanation: LocalExplanation, interaction: Interaction) -> WordPair:
    """The key of an interaction across sentences: its words, case-folded and sorted."""
    return tuple(sorted(name.casefold() for name in interaction.names))


def global_word_interactions(
    explainer: TextExplainer,
    texts: Iterable[str],
    *,
    method: str | Detector = "archdetect",
    k: int = 3,
    seed: int = 0,
    explanations: Sequence[LocalExplanation] | None = None,
    return_explanations: bool = False,
    counter: PairCounter | None = None,
    **explain_kwargs: Any,
) -> pd.DataFrame | tuple[pd.DataFrame, list[TextSpace], list[LocalExplanation]]:
    """How often each (case-folded) word pair is among a sentence's top interactions.

    Every text is explained (all together, through ``interactkit.explain_many``); from each
    explanation the top-``k`` *pairs* are taken (``explanation.pairs(k)``) and counted with
    GLIDER's counting (``interactkit.counting.count_interactions``, key = the case-folded word
    pair): a pair of words counts at most once per sentence, and the only pair of a two-word
    sentence is not counted. Texts with fewer than 2 features are skipped (counted in
    ``table.attrs["skipped"]``).

    Args:
        explainer: the :class:`TextExplainer` (its ``features`` decide what a word is; use
            ``"whitespace"`` for pre-tokenized text such as SST-2, where ``n't`` is a word).
        texts: the corpus.
        method: the detector (``"archdetect"`` or ``"madex"``, or a detector).
        k: how many top pairs of each sentence count.
        seed: passed to the detector.
        explanations: already computed explanations of ``texts`` (skips detection).
        return_explanations: also return ``(table, spaces, explanations)``.
        counter: the counter, ``counter(explanations, top=k, key=key) -> {key: count}`` (or
            ``(key, count)`` items); it receives each explanation restricted to its top-``k``
            pairs (as ``interactions``) and ``key(explanation, interaction)`` is
            :func:`word_pair_key`. Default: ``interactkit.counting.count_interactions``.
        **explain_kwargs: passed to ``interactkit.explain_many`` (``n_samples``, ...).

    Returns:
        a ``pandas.DataFrame`` sorted by count with columns ``pair`` (e.g. ``"fails, never"``),
        ``word_a``, ``word_b`` (the sorted case-folded words), ``count`` (sentences with that
        pair in their top ``k``), ``frequency`` (``count / n_sentences``) and
        ``mean_strength`` (the pair's mean strength where it was counted); ``table.attrs``
        holds ``n_sentences``, ``skipped``, ``method``, ``k``. With ``return_explanations``,
        ``(table, spaces, explanations)``.
    """
    import pandas as pd

    spaces: list[TextSpace] = []
    skipped = 0
    for text in texts:
        try:
            spaces.append(explainer.space(text))
        except ValueError:
            skipped += 1
    if explanations is None:
        explanations = (
            explain_many(spaces, method=method, seed=seed, **explain_kwargs) if spaces else []
        )
    explanations = list(explanations)
    if len(explanations) != len(spaces):
        raise ValueError(
            f"got {len(explanations)} explanations for {len(spaces)} explainable texts"
        )
    counts, strengths = _count_word_pairs(explanations, k, counter or count_interactions)
    n = len(spaces)
    rows = [
        {
            "pair": ", ".join(pair),
            "word_a": pair[0],
            "word_b": pair[1],
            "count": count,
            "frequency": count / n if n else 0.0,
            "mean_strength": float(np.mean(strengths[pair])) if strengths.get(pair) else math.nan,
        }
        for pair, count in counts.items()
    ]
    table = pd.DataFrame(rows, columns=_COLUMNS)
    table = table.sort_values(
        ["count", "mean_strength", "word_a", "word_b"], ascending=[False, False, True, True]
    ).reset_index(drop=True)
    name = method if isinstance(method, str) else getattr(method, "name", type(method).__name__)
    table.attrs.update({"n_sentences": n, "skipped": skipped, "method": name, "k": k})
    if return_explanations:
        return table, spaces, explanations
    return table


def _count_word_pairs(
    explanations: Sequence[LocalExplanation], k: int, counter: PairCounter
) -> tuple[dict[WordPair, int], dict[WordPair, list[float]]]:
    """Counts of word pairs among each sentence's top-``k`` pairs, and their strengths.

    ``strengths[pair]`` holds, for each sentence where the pair is counted, the strength of its
    strongest occurrence there.
    """
    strengths: dict[WordPair, list[float]] = {}
    for exp in explanations:
        best: dict[WordPair, float] = {}
        for inter in exp.pairs(k):
            best.setdefault(word_pair_key(exp, inter), float(inter.strength))  # strongest first
        for key, strength in best.items():
            strengths.setdefault(key, []).append(strength)
    # The counter ranks ``interactions``: give it the top-k pairs in their place.
    pair_views = [dataclasses.replace(exp, interactions=list(exp.pairs(k))) for exp in explanations]
    counted = counter(pair_views, top=k, key=word_pair_key)
    items = counted.items() if isinstance(counted, Mapping) else counted
    return {tuple(pair): int(count) for pair, count in items if int(count) > 0}, strengths
