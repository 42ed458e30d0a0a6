"""The audit's findings beyond the top interactions: replication, the comparison with an earlier
audit, pair effects, attribution consistency, tuned targets, and the CLI options for them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interactkit.adapters.ctr import AuditResult, RawExplainer, make_ad_clicks
from interactkit.adapters.ctr.audit.pair_effects import pair_effects
from interactkit.adapters.ctr.audit.run import audit
from interactkit.cli import main
from interactkit.results import Replication

TINY = {"instances": 8, "k": 5, "targets": (), "method": "archdetect", "n_background": 4}


pytestmark = pytest.mark.usefixtures("one_thread")


def planted_model(frame: pd.DataFrame) -> np.ndarray:
    """Click logits of raw rows: main effects plus one interaction, device_type x hour_bucket."""
    phone = (frame["device_type"] == "phone").to_numpy(float)
    evening = frame["hour_bucket"].isin(["evening", "late_evening"]).to_numpy(float)
    news = (frame["site_category"] == "news").to_numpy(float)
    young = (frame["age_bucket"] == "18-24").to_numpy(float)
    return -1.7 + 0.4 * news + 0.3 * young - 0.3 * phone + 2.5 * phone * evening


@pytest.fixture(scope="module")
def data():
    data, _ = make_ad_clicks(n_rows=3000, seed=0)
    return data


def test_replication_pair_effects_consistency_and_json(data, tmp_path: Path) -> None:
    result = audit(planted_model, data, output="logit", segment_by="device_type", **TINY)
    rep = result.replication
    assert isinstance(rep, Replication)
    assert rep.params["halves"] == 2 and rep.params["seeds_run"] == [0]  # archdetect: one run
    assert rep.n_replicates == 2 and rep.full is result.glider
    assert ("device_type", "hour_bucket") in result.interactions
    assert result.glider.segment_differences  # segments were passed: differences computed
    eff = result.pair_effects
    assert 1 <= len(eff) <= 3 and all(len(e["fields"]) == 2 for e in eff)
    for e in eff:
        na, nb = len(e["values_a"]), len(e["values_b"])
        assert np.shape(e["mean"]) == np.shape(e["effect"]) == np.shape(e["support"]) == (na, nb)
        assert e["n_rows"] == 200 and 2 <= na <= 5
    cons = result.consistency
    assert cons["methods"] == ["ablation", "shapley", "archattribute"]
    assert cons["instances"] == 8 and len(cons["fields"]) == len(data.schema)
    row = cons["fields"][0]
    assert set(row) == {"field", "mean_abs", "sign_agreement", "consistent"}
    assert set(row["mean_abs"]) == set(cons["methods"]) and 0 <= row["sign_agreement"] <= 1
    assert "replication:" in result.summary() and "attribution consistency" in result.summary()

    result.to_json(tmp_path / "audit.json")
    back = AuditResult.from_json(tmp_path / "audit.json")
    assert back.replication.to_dict() == rep.to_dict()
    assert back.pair_effects == json.loads(json.dumps(eff))
    assert back.consistency == json.loads(json.dumps(cons))
    assert back.settings["target_config"] == "tuned" and back.settings["seeds"] == 2

    none = audit(planted_model, data, output="logit", replicates=False, consistency=False,
                 pairs=0, **TINY)  # fmt: skip
    assert none.replication is None and none.consistency is None and none.pair_effects == []


def test_pair_effects_of_a_planted_and_an_additive_pair(data) -> None:
    explainer = RawExplainer(planted_model, data, output="logit", n_background=4)
    planted, additive = pair_effects(
        explainer,
        data,
        [("device_type", "hour_bucket"), ("site_category", "age_bucket"), ("os", "gender")],
        pairs=2,
        values=4,
        n_rows=50,
        raw=True,
    )
    assert planted["fields"] == ["device_type", "hour_bucket"]
    assert additive["fields"] == ["site_category", "age_bucket"]
    assert np.shape(planted["effect"]) == (4, 4) and planted["n_rows"] == 50
    assert np.abs(planted["effect"]).max() > 0.05  # the planted interaction
    # additive in the logit: a small curvature on the probability scale only
    assert np.abs(additive["effect"]).max() < 0.2 * np.abs(planted["effect"]).max()
    assert np.allclose(np.sum(planted["effect"], axis=0), 0, atol=1e-5)  # double-centred
    support = np.array(planted["support"])
    assert support.sum() <= len(data.train) and support.min() >= 0 and support.max() > 0
    assert planted["values_a"][0] == "phone"  # the most frequent device type first


def test_compare_to_an_earlier_audit(data, tmp_path: Path) -> None:
    old = audit(planted_model, data, output="logit", replicates=False, consistency=False, **TINY)
    old.save(tmp_path / "old")
    new = audit(
        planted_model,
        data,
        output="logit",
        replicates=False,
        consistency=False,
        compare_to=tmp_path / "old",
        **{**TINY, "instances": 12},
    )
    assert new.compared_to == str(tmp_path / "old")
    statuses = {c.status for c in new.changes}
    assert statuses <= {"appeared", "vanished", "changed", "stable"} and new.changes
    assert f"against {tmp_path / 'old'}" in new.summary()
    back = AuditResult.from_json(new.save(tmp_path / "new")["audit.json"])
    assert [c.to_dict() for c in back.changes] == [c.to_dict() for c in new.changes]
    # a glider.json alone will do; an empty folder or a missing one is a clear error
    (tmp_path / "old" / "audit.json").unlink()
    assert audit(planted_model, data, output="logit", compare_to=tmp_path / "old", pairs=0,
                 replicates=False, consistency=False, **TINY).changes  # fmt: skip
    (tmp_path / "empty").mkdir()
    for where in (tmp_path / "empty", tmp_path / "missing"):
        with pytest.raises(FileNotFoundError, match="no earlier audit"):
            audit(planted_model, data, output="logit", compare_to=where, **TINY)


def test_madex_replication_is_checkpointed_per_seed(data, tmp_path: Path, capsys) -> None:
    kw = {**TINY, "method": "madex", "samples": 200, "pairs": 0, "consistency": False}
    run = tmp_path / "glider-run"
    first = audit(planted_model, data, output="logit", run_dir=run, verbose=True, **kw)
    assert first.replication.params["seeds_run"] == [0, 1]
    assert first.replication.n_replicates == 4
    assert (tmp_path / "glider-run-seed1").is_dir()
    assert first.timings["replication"] > 0
    capsys.readouterr()
    again = audit(planted_model, data, output="logit", run_dir=run, verbose=True, **kw)
    assert capsys.readouterr().out.count("reusing") == 2
    assert again.interactions == first.interactions
    assert again.replication.to_dict()["selected"] == first.replication.to_dict()["selected"]


def test_one_tiny_tuned_target(data) -> None:
    result = audit(
        planted_model,
        data,
        output="logit",
        replicates=False,
        consistency=False,
        pairs=0,
        cross=2,
        seeds=1,
        target_epochs=1,
        **{**TINY, "targets": ("wdl",)},
    )
    table = result.crossing_table()
    assert set(table["config"]) == {"tuned"} and set(table["variant"]) == {
        "base",
        "glider",
        "random",
    }
    assert result.settings["target_config"] == "tuned"
    with pytest.raises(ValueError, match="target_config"):
        audit(planted_model, data, target_config="huge", **TINY)


def test_cli_options_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = ["--out", str(tmp_path / "o")]
    for bad in (["--pairs", "-1"], ["--halves", "1"], ["--pair-values", "1"],
                ["--consistency-instances", "0"], ["--target-config", "huge"]):  # fmt: skip
        assert main(["audit", "--quick", *bad, *out]) != 0, bad
        assert bad[0] in capsys.readouterr().err
    assert main(["audit", "--quick", "--compare", str(tmp_path / "nope"), *out]) == 1
    assert "no such folder" in capsys.readouterr().err
    args = ["audit", "--quick", "--target-config", "tuned", "--target-size", "small", *out]
    assert main(args) == 1
    assert "disagree" in capsys.readouterr().err

    from interactkit.cli.audit import CHECKS, target_config_name

    ns = argparse.Namespace(target_config=None, target_size="paper")
    assert target_config_name(ns) == "paper"
    assert target_config_name(argparse.Namespace()) == "tuned"
    assert {"halves", "pairs", "pair_values", "pair_rows", "consistency_instances"} <= set(CHECKS)
