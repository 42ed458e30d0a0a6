"""Findings that hold: replication over halves and seeds, segment differences, changes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import interactkit
from interactkit import GlobalExplanation, Replication


class Segmented(interactkit.FeatureSpace):
    """Instance i of segment "a" has the pair (f0, f1); of segment "b" the pair (f2, f3); both
    have (f4, f5) half of the time."""

    def __init__(self, i: int, segment: str) -> None:
        self.i, self.segment = i, segment
        self.n_features = 8
        self._feature_names = [f"f{j}" for j in range(8)]

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        x = masks.double()
        pair = (0, 1) if self.segment == "a" else (2, 3)
        out = 2 * x[:, pair[0]] * x[:, pair[1]] + x.sum(1)
        if self.i % 2 == 0:
            out = out + 1.5 * x[:, 4] * x[:, 5]
        return out


def _spaces(n: int = 40) -> tuple[list[Segmented], list[str]]:
    labels = ["a" if i < n // 2 else "b" for i in range(n)]
    return [Segmented(i, s) for i, s in enumerate(labels)], labels


def test_segment_differences_hold_only_where_segments_differ() -> None:
    spaces, labels = _spaces()
    g = interactkit.glider(spaces, method="archdetect", segments=labels, k=5, progress=False)
    diffs = {(d.names, d.segment): d for d in g.segment_differences}
    a01 = diffs[(("f0", "f1"), "a")]
    assert a01.frequency == 1.0 and a01.rest_frequency == 0.0 and a01.holds
    assert a01.ci_low > 0
    assert diffs[(("f2", "f3"), "a")].holds and diffs[(("f2", "f3"), "a")].difference == -1.0
    shared = diffs[(("f4", "f5"), "a")]
    assert not shared.holds and shared.ci_low < 0 < shared.ci_high
    again = GlobalExplanation.from_json(g.to_json())
    assert again.segment_differences == g.segment_differences


def test_replication_over_halves_and_seeds() -> None:
    spaces, _ = _spaces()
    rep = interactkit.replicate(spaces, k=3, halves=2, seeds=(0, 1), method="archdetect")
    assert rep.params["seeds_run"] == [0]  # ArchDetect is deterministic: one run serves all seeds
    assert rep.n_replicates == 2
    assert [r["n_instances"] for r in rep.replicates] == [20, 20]
    assert rep.stability(("f4", "f5")) == 1.0
    assert rep.agreement == pytest.approx(1.0)
    assert rep.full.n_instances == 40
    assert Replication.from_json(rep.to_json()).selected == rep.selected


def test_replication_with_madex_runs_each_seed() -> None:
    spaces, _ = _spaces(16)
    rep = interactkit.replicate(
        spaces, k=3, halves=2, seeds=(0, 5), n_samples=300, max_epochs=20, progress=False
    )
    assert rep.params["seeds_run"] == [0, 5]
    assert rep.n_replicates == 4
    assert {r["seed"] for r in rep.replicates} == {0, 5}
    assert 0.0 <= rep.agreement <= 1.0
    with pytest.raises(ValueError, match="too few"):
        interactkit.replicate(spaces[:3], halves=2, method="archdetect")


def test_compare_global_finds_what_appeared_vanished_and_changed() -> None:
    spaces, _ = _spaces()
    old = interactkit.glider(spaces[:20], method="archdetect", k=5)  # segment a only
    new = interactkit.glider(spaces[20:], method="archdetect", k=5)  # segment b only
    changes = {c.names: c for c in interactkit.compare_global(old, new)}
    assert changes[("f2", "f3")].status == "appeared"
    assert changes[("f0", "f1")].status == "vanished"
    assert changes[("f4", "f5")].status == "stable"
    same = interactkit.compare_global(old, old)
    assert all(c.status == "stable" and c.change == 0 for c in same)
    assert np.isfinite([c.change for c in same]).all()
