"""Findings that hold: replication over halves and seeds, segment differences, changes."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
import torch

import interactkit
from interactkit import GlobalExplanation, Replication
from interactkit.extend import seed_run_dir
from interactkit.runs import RunError


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
    g = interactkit.glider(spaces, detector="archdetect", segments=labels, k=5, progress=False)
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
    rep = interactkit.replicate(spaces, k=3, halves=2, seeds=(0, 1), detector="archdetect")
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
        interactkit.replicate(spaces[:3], halves=2, detector="archdetect")


def test_compare_global_finds_what_appeared_vanished_and_changed() -> None:
    spaces, _ = _spaces()
    old = interactkit.glider(spaces[:20], detector="archdetect", k=5)  # segment a only
    new = interactkit.glider(spaces[20:], detector="archdetect", k=5)  # segment b only
    changes = {c.names: c for c in interactkit.compare_global(old, new)}
    assert changes[("f2", "f3")].status == "appeared"
    assert changes[("f0", "f1")].status == "vanished"
    assert changes[("f4", "f5")].status == "stable"
    same = interactkit.compare_global(old, old)
    assert all(c.status == "stable" and c.change == 0 for c in same)
    assert np.isfinite([c.change for c in same]).all()


class Counting(Segmented):
    """:class:`Segmented`, counting the masks it is asked about (fingerprints: 4 per instance)."""

    calls: ClassVar[list[int]] = []

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        Counting.calls.append(masks.shape[0])
        return super().value_fn(masks)


def test_replicate_is_checkpointed_per_seed_and_resumes(tmp_path) -> None:
    spaces = [Counting(i, "a" if i % 2 else "b") for i in range(12)]
    fast = {"n_samples": 600, "max_epochs": 10}
    run = tmp_path / "rep"
    first = interactkit.replicate(spaces, k=3, seeds=(0, 1), run_dir=run, progress=False, **fast)
    assert sorted(p.name for p in run.iterdir() if p.is_dir()) == ["seed-0", "seed-1"]
    assert seed_run_dir(run, 1) == run / "seed-1"
    assert set(first.params["seconds"]) == {"0", "1"}
    Counting.calls.clear()
    again = interactkit.replicate(spaces, k=3, seeds=(0, 1), run_dir=run, progress=False, **fast)
    assert set(Counting.calls) == {4}, "a rerun only checks fingerprints"
    assert again.selected == first.selected and again.agreement == first.agreement
    # another detector setting is refused, and started afresh only when asked
    with pytest.raises(RunError, match="different arguments"):
        interactkit.replicate(spaces, k=3, seeds=(0, 1), run_dir=run, n_samples=700, max_epochs=10)
    Counting.calls.clear()
    interactkit.replicate(
        spaces, k=3, seeds=(0, 1), run_dir=run, fresh=True, n_samples=700, max_epochs=10
    )
    assert max(Counting.calls) > 4, "fresh recomputes"


def test_a_running_replication_cannot_be_wiped_by_a_second_one(tmp_path) -> None:
    """``fresh`` takes the folder's lock first: while another live process holds it, nothing is
    deleted and the call is refused."""
    import json
    import os
    import socket

    spaces = [Counting(i, "a") for i in range(8)]
    run = tmp_path / "rep"
    interactkit.replicate(spaces, k=3, seeds=(0,), detector="archdetect", run_dir=run)
    shards = sorted((run / "seed-0" / "shards").glob("shard-*.json"))
    assert shards
    holder = {"pid": os.getppid(), "host": socket.gethostname(), "since": 0.0}  # alive
    (run / "run.lock").write_text(json.dumps(holder))
    with pytest.raises(RunError, match="in use by process"):
        interactkit.replicate(
            spaces, k=3, seeds=(0,), detector="archdetect", run_dir=run, fresh=True
        )
    assert sorted((run / "seed-0" / "shards").glob("shard-*.json")) == shards
    seed_dir = run / "seed-0"
    (seed_dir / "run.lock").write_text(json.dumps(holder))
    with pytest.raises(RunError, match="in use by process"):
        interactkit.glider(spaces, k=3, detector="archdetect", run_dir=seed_dir, fresh=True)
    assert sorted((seed_dir / "shards").glob("shard-*.json")) == shards


def test_detector_traits_are_class_attributes() -> None:
    from interactkit import MADEX, ArchDetect

    assert ArchDetect.deterministic and not MADEX.deterministic
    assert interactkit.glider_detector("madex").get_params()["n_samples"] == 2000
    assert interactkit.glider_detector("madex", n_samples=500).get_params()["n_samples"] == 500
    given = MADEX(n_samples=700)
    assert interactkit.glider_detector(given) is given  # an object is used as given
    with pytest.raises(TypeError, match="detector instance"):
        interactkit.glider_detector(given, n_samples=3)

    class Fixed(MADEX):  # a deterministic detector of the user's: replicate runs it once
        deterministic = True

    spaces, _ = _spaces(12)
    rep = interactkit.replicate(spaces, k=3, seeds=(0, 1), detector=Fixed(n_samples=300))
    assert rep.params["seeds_run"] == [0]
