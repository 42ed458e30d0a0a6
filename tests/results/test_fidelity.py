"""Fidelity on every explanation: the held-out R^2 of main effects plus the detected sets, of
main effects alone, per explanation and over a GLIDER run; saved and read back."""

from __future__ import annotations

import json

import pytest
import torch

import interactkit
from interactkit import Fidelity, FidelitySummary, GlobalExplanation, LocalExplanation
from interactkit.runs import ShardResult
from interactkit.runs.shards import reduce_shard


def planted(masks: torch.Tensor) -> torch.Tensor:
    x = masks.double()
    return 2 * x[:, 0] * x[:, 1] + 1.5 * x[:, 2] * x[:, 3] * x[:, 4] + x[:, 5]


def additive(masks: torch.Tensor) -> torch.Tensor:
    return masks.double() @ torch.arange(1.0, 9.0, dtype=torch.float64)


@pytest.mark.parametrize("method", ["madex", "archdetect"])
def test_every_explanation_carries_its_fidelity(method: str) -> None:
    exp = interactkit.explain(planted, n_features=8, method=method, seed=0)
    fid = exp.fidelity
    assert fid.r2 > 0.99  # main effects + the planted sets describe the function
    assert fid.r2_main < 0.95 and fid.gain > 0.05  # ... and the interactions are needed
    assert fid.n_test > 0 and fid.n_fit > 0
    assert (fid.r2_model is None) == (method == "archdetect")
    back = LocalExplanation.from_json(exp.to_json())
    assert back.fidelity == fid


@pytest.mark.parametrize("method", ["madex", "archdetect"])
def test_an_additive_model_gains_nothing_from_interactions(method: str) -> None:
    exp = interactkit.explain(additive, n_features=8, method=method, seed=0)
    assert exp.detected == []
    assert exp.fidelity.r2 == pytest.approx(exp.fidelity.r2_main)
    assert exp.fidelity.r2_main > 0.99


def test_glider_reports_the_distribution_and_warns() -> None:
    spaces = [interactkit.FunctionSpace(planted, 8) for _ in range(6)]
    g = interactkit.glider(spaces, k=5, detector="archdetect")
    fid = g.fidelity
    assert isinstance(fid, FidelitySummary) and fid.n == 6
    assert fid.r2_q25 <= fid.r2_median <= fid.r2_q75 and fid.r2_median > 0.99
    assert fid.gain_median > 0.05 and fid.low_share == 0 and fid.warnings == []
    assert GlobalExplanation.from_json(g.to_json()).fidelity == fid
    flat = interactkit.glider(
        [interactkit.FunctionSpace(additive, 8) for _ in range(4)], k=5, detector="archdetect"
    )
    assert any("add little beyond main effects" in w for w in flat.fidelity.warnings)
    low = FidelitySummary.of([(0.3, 0.2), (0.5, 0.45), (0.6, 0.5)])
    assert low.r2_median == 0.5 and any("describe the model poorly" in w for w in low.warnings)
    assert FidelitySummary.of([(None, None)]) is None


def test_shards_keep_each_instance_s_fidelity() -> None:
    exps = [interactkit.explain(planted, n_features=8, method="archdetect") for _ in range(2)]
    shard = reduce_shard(0, 0, exps, None, None, None, "digest", 0.0, [[1.0, 0.0]] * 2)
    assert shard.fidelity == [[e.fidelity.r2, e.fidelity.r2_main] for e in exps]
    back = ShardResult.from_dict(json.loads(json.dumps(shard.to_dict())))
    assert back.fidelity == shard.fidelity


def test_fidelity_reads_back_with_none_fields() -> None:
    fid = Fidelity(None, 0.5, None, 10, 5)
    assert fid.gain is None
    assert Fidelity.from_dict(json.loads(json.dumps(fid.to_dict()))) == fid
