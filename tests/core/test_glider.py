"""GLIDER counting, selection, intervals, segments and serialisation."""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import pytest
import torch

import interactkit
from interactkit import GlobalExplanation, Interaction, LocalExplanation
from interactkit.counting import bootstrap_ci, count_interactions, select_global, summarize


def _exp(
    sets: list[tuple[int, ...]], n: int = 5, detected: list[tuple[int, ...]] | None = None
) -> LocalExplanation:
    """An explanation ranking ``sets``; it detected ``detected`` (default: all of them)."""
    names = [f"f{i}" for i in range(n)]
    inter = [Interaction(s, tuple(names[i] for i in s), 1.0 / (r + 1)) for r, s in enumerate(sets)]
    found = inter if detected is None else [it for it in inter if it.features in detected]
    return LocalExplanation("madex", names, inter, [], np.zeros(n), detected=found)


def test_counting_counts_detected_sets_by_default() -> None:
    exps = [
        _exp([(0, 1), (2, 3), (1, 4)], detected=[(0, 1)]),
        _exp([(2, 3), (0, 1)], detected=[(0, 1), (2, 3)]),
        _exp([(1, 4), (0, 1)], detected=[]),
    ]
    assert count_interactions(exps) == Counter({("f0", "f1"): 2, ("f2", "f3"): 1})
    assert count_interactions(exps, top=3)[("f1", "f4")] == 2  # the paper's ranking rule
    ranked_only = LocalExplanation("madex", ["a", "b"], [], [], np.zeros(2), detected=None)
    with pytest.raises(ValueError, match=r"no detected sets.*top=100"):
        count_interactions([ranked_only])


def test_counting_uses_top_and_drops_sets_of_every_feature() -> None:
    exps = [
        _exp([(0, 1), (2, 3), (0, 1, 2, 3, 4)]),
        _exp([(0, 1), (1, 4)]),
        _exp([(2, 3), (0, 1)]),
    ]
    counts = count_interactions(exps, top=2)
    assert counts == Counter({("f0", "f1"): 3, ("f2", "f3"): 2, ("f1", "f4"): 1})
    assert ("f0", "f1", "f2", "f3", "f4") not in count_interactions(exps, top=3)


def test_selection_prunes_subsets_and_supersets() -> None:
    counts = Counter({("a", "b"): 10, ("c", "d"): 8, ("a", "b", "c"): 6, ("b",): 5, ("e", "f"): 2})
    # paper's rule: {b} is skipped (subset of selected {a,b}); {a,b,c} replaces its subset {a,b}
    assert select_global(counts, k=10, replace_subsets=True) == [
        (("c", "d"), 8),
        (("a", "b", "c"), 6),
        (("e", "f"), 2),
    ]
    # default: the frequent subset {a,b} stays next to its rarer superset
    assert select_global(counts, k=10) == [
        (("a", "b"), 10),
        (("c", "d"), 8),
        (("a", "b", "c"), 6),
        (("e", "f"), 2),
    ]
    assert select_global(counts, k=1) == [(("a", "b"), 10)]


def test_bootstrap_interval_covers_the_frequency() -> None:
    rng = np.random.default_rng(0)
    ind = rng.random((400, 2)) < np.array([0.3, 0.8])
    low, high = bootstrap_ci(ind, 2000, 0.95, seed=1)
    freq = ind.mean(0)
    assert (low < freq).all() and (freq < high).all()
    # binomial standard error sqrt(p(1-p)/n): the 95% interval is about +-1.96 se
    se = np.sqrt(freq * (1 - freq) / 400)
    np.testing.assert_allclose(high - low, 2 * 1.96 * se, rtol=0.15)


def test_bootstrap_in_blocks_equals_one_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long runs draw the resample weights in blocks (bounded memory) with the same result."""
    glider_module = sys.modules["interactkit.counting"]

    n, boot = 300, 50
    ind = np.random.default_rng(2).random((n, 3)) < 0.4
    weights = np.random.default_rng(7).multinomial(n, np.full(n, 1 / n), size=boot)
    freqs = weights @ ind.astype(float) / n
    expected = np.quantile(freqs, 0.025, axis=0), np.quantile(freqs, 0.975, axis=0)
    for entries in (10**9, 7 * n, n):  # one block, blocks of 7 and a short last one, rows of 1
        monkeypatch.setattr(glider_module, "_BOOTSTRAP_BLOCK_ENTRIES", entries)
        low, high = bootstrap_ci(ind, boot, 0.95, seed=7)
        np.testing.assert_array_equal(low, expected[0])
        np.testing.assert_array_equal(high, expected[1])


def test_glider_keeps_only_key_ids_of_finished_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a run holds of a finished shard is int32 key ids, not Python tuples."""
    import importlib

    glider_module = importlib.import_module("interactkit.glider")
    held = []
    original = glider_module.iter_shards

    def spy(*args, **kwargs):
        shards = original(*args, **kwargs)
        held.extend(shards)
        return shards

    monkeypatch.setattr(glider_module, "iter_shards", spy)
    spaces = [interactkit.as_space(lambda m: m.float()[:, 0] * m.float()[:, 1], 4)] * 5
    g = interactkit.glider(spaces, detector="archdetect", k=3, chunk_size=2, progress=False)
    assert g.interactions[0].names == ("x0", "x1") and g.interactions[0].count == 5
    assert [sh.n for sh in held] == [2, 2, 1]
    for sh in held:  # int32 key ids and per-instance lengths; no Python key tuples kept
        assert sh.keys == [] and sh.key_ids.dtype == np.int32 and sh.key_lengths.dtype == np.int32
        assert len(sh.key_lengths) == sh.n and sh.key_lengths.sum() == len(sh.key_ids)


def test_summarize_frequencies() -> None:
    keysets = [{("a", "b")}, {("a", "b"), ("c", "d")}, set(), {("c", "d")}]
    g = summarize(keysets, k=5, n_boot=200)
    assert [(it.names, it.count, it.frequency) for it in g.interactions] == [
        (("a", "b"), 2, 0.5),
        (("c", "d"), 2, 0.5),
    ]
    assert all(0 <= it.ci_low <= it.frequency <= it.ci_high <= 1 for it in g.interactions)


def planted(masks: torch.Tensor) -> torch.Tensor:
    x = masks.float()
    return 2 * x[:, 0] * x[:, 1] + x[:, 2] - x[:, 3] * 0.5


class Segmented(interactkit.FeatureSpace):
    def __init__(self, segment: int) -> None:
        self.n_features = 10
        self._feature_names = [f"field{i}" for i in range(10)]
        self.segment = segment

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        x = masks.float()
        if self.segment:
            return 2 * x[:, 4] * x[:, 5] + x[:, 0]
        return 2 * x[:, 0] * x[:, 1] + x[:, 2]


def test_glider_end_to_end_with_segments(tmp_path) -> None:
    spaces = [Segmented(i % 2) for i in range(12)]
    g = interactkit.glider(
        spaces,
        k=3,
        top=1,
        segments=["web" if i % 2 else "app" for i in range(12)],
        n_samples=1000,
        max_epochs=30,
    )
    assert g.n_instances == 12
    top = {it.names: it.count for it in g.interactions}
    assert top == {("field0", "field1"): 6, ("field4", "field5"): 6}
    assert g.segments["app"].interactions[0].names == ("field0", "field1")
    assert g.segments["app"].interactions[0].frequency == 1.0
    assert g.segments["web"].interactions[0].names == ("field4", "field5")
    assert g.n_queries > 0 and g.params["k"] == 3
    assert g.feature_names == [f"field{i}" for i in range(10)]
    assert g.pair_strength.shape == (10, 10)
    assert np.unravel_index(g.pair_strength.argmax(), (10, 10)) in [(0, 1), (1, 0), (4, 5), (5, 4)]
    back = GlobalExplanation.from_json(g.to_json(tmp_path / "g.json"))
    assert back.to_dict() == g.to_dict()
    frame = g.to_frame()
    assert set(frame["segment"]) == {"app", "web"}


def test_glider_from_explanations_and_errors() -> None:
    exps = [_exp([(0, 1)]), _exp([(0, 1), (2, 3)])]
    g = interactkit.glider(exps, k=2, bootstrap=0)
    assert [it.names for it in g.interactions] == [("f0", "f1"), ("f2", "f3")]
    with pytest.raises(ValueError, match="at least one instance"):
        interactkit.glider([])
    with pytest.raises(ValueError, match="segment labels"):
        interactkit.glider(exps, segments=["a"])
    with pytest.raises(TypeError, match="not a mix"):
        interactkit.glider([exps[0], Segmented(0)])
    with pytest.raises(ValueError, match="not a saved GlobalExplanation"):
        GlobalExplanation.from_json('{"format": "x"}')
