"""The audit's findings beyond the top interactions: replication, the comparison with an earlier
audit, pair effects, attribution consistency, tuned targets, and the CLI options for them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interactkit import Consistency, Replication
from interactkit.adapters.ctr import AuditConfig, AuditResult, RawExplainer
from interactkit.adapters.ctr.audit.pair_effects import PairEffect, pair_effects
from interactkit.adapters.ctr.audit.run import audit
from interactkit.cli import main
from interactkit.runs import RunError
from tests.fixtures.ctr import clicks_3000

TINY = AuditConfig().replace(
    model={"n_background": 4, "output": "logit"},
    detector={"method": "archdetect"},
    glider={"instances": 8, "k": 5},
    targets={"models": ()},
)
NO_FINDINGS = TINY.replace(replication={"enabled": False}, findings={"consistency": False})


pytestmark = pytest.mark.usefixtures("one_thread")


def planted_model(frame: pd.DataFrame) -> np.ndarray:
    """Click logits of raw rows: main effects plus one interaction, device_type x hour_bucket."""
    phone = (frame["device_type"] == "phone").to_numpy(float)
    evening = frame["hour_bucket"].isin(["evening", "late_evening"]).to_numpy(float)
    news = (frame["site_category"] == "news").to_numpy(float)
    young = (frame["age_bucket"] == "18-24").to_numpy(float)
    return -1.7 + 0.4 * news + 0.3 * young - 0.3 * phone + 2.5 * phone * evening


@pytest.fixture
def data():
    return clicks_3000()[0]


def test_replication_pair_effects_consistency_and_json(data, tmp_path: Path) -> None:
    result = audit(planted_model, data, TINY.replace(glider={"segment_by": "device_type"}))
    rep = result.replication
    assert isinstance(rep, Replication)
    assert rep.params["halves"] == 2 and rep.params["seeds_run"] == [0]  # archdetect: one run
    assert rep.n_replicates == 2 and rep.full is result.glider
    assert ("device_type", "hour_bucket") in result.interactions
    assert result.glider.segment_differences  # segments were passed: differences computed
    eff = result.pair_effects
    assert 1 <= len(eff) <= 3 and all(isinstance(e, PairEffect) for e in eff)
    for e in eff:
        na, nb = len(e.values_a), len(e.values_b)
        assert np.shape(e.mean) == np.shape(e.effect) == np.shape(e.support) == (na, nb)
        assert e.n_rows == 200 and 2 <= na <= 5
    cons = result.consistency
    assert isinstance(cons, Consistency)
    assert cons.methods == ["ablation", "shapley", "archattribute"]
    assert cons.instances == 8 and len(cons.features) == len(data.schema)
    row = cons.features[0]
    assert set(row.mean_abs) == set(cons.methods) and 0 <= row.sign_agreement <= 1
    assert "replication:" in result.summary() and "attribution consistency" in result.summary()

    result.to_json(tmp_path / "audit.json")
    back = AuditResult.from_json(tmp_path / "audit.json")
    assert back.replication.to_dict() == rep.to_dict()
    assert back.pair_effects == eff
    assert back.consistency.to_dict() == json.loads(json.dumps(cons.to_dict()))
    assert back.config == result.config
    assert back.config.targets.preset == "tuned" and back.config.targets.seeds == 2

    none = audit(planted_model, data, NO_FINDINGS.replace(findings={"pairs": 0}))
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
    assert planted.fields == ("device_type", "hour_bucket")
    assert additive.fields == ("site_category", "age_bucket")
    assert np.shape(planted.effect) == (4, 4) and planted.n_rows == 50
    assert np.abs(planted.effect).max() > 0.05  # the planted interaction
    assert planted.largest_effect == np.abs(planted.effect).max()
    # additive in the logit: a small curvature on the probability scale only
    assert np.abs(additive.effect).max() < 0.2 * np.abs(planted.effect).max()
    assert np.allclose(np.sum(planted.effect, axis=0), 0, atol=1e-5)  # double-centred
    support = np.array(planted.support)
    assert support.sum() <= len(data.train) and support.min() >= 0 and support.max() > 0
    assert planted.values_a[0] == "phone"  # the most frequent device type first
    assert PairEffect.from_dict(json.loads(json.dumps(planted.to_dict()))) == planted


def test_compare_to_an_earlier_audit(data, tmp_path: Path) -> None:
    old = audit(planted_model, data, NO_FINDINGS)
    old.save(tmp_path / "old")
    against = {"compare_to": str(tmp_path / "old")}
    new = audit(
        planted_model, data, NO_FINDINGS.replace(glider={"instances": 12}, findings=against)
    )
    assert new.config.findings.compare_to == str(tmp_path / "old")
    # the earlier audit's config is read back: what else differed is said
    assert new.compared_settings == ["findings.compare_to", "glider.instances"]
    assert "its settings differ: findings.compare_to, glider.instances" in new.summary()
    statuses = {c.status for c in new.changes}
    assert statuses <= {"appeared", "vanished", "changed", "stable"} and new.changes
    assert f"against {tmp_path / 'old'}" in new.summary()
    back = AuditResult.from_json(new.save(tmp_path / "new")["audit.json"])
    assert [c.to_dict() for c in back.changes] == [c.to_dict() for c in new.changes]
    # a glider.json alone will do; an empty folder or a missing one is a clear error
    (tmp_path / "old" / "audit.json").unlink()
    assert audit(planted_model, data, NO_FINDINGS.replace(findings={**against, "pairs": 0})).changes
    (tmp_path / "empty").mkdir()
    for where in (tmp_path / "empty", tmp_path / "missing"):
        with pytest.raises(FileNotFoundError, match="no earlier audit"):
            audit(planted_model, data, TINY.replace(findings={"compare_to": str(where)}))


def test_compare_reads_an_audit_json_of_an_earlier_version(data, tmp_path: Path) -> None:
    """``--compare`` against an audit written before the config (version 3) still works: only
    its GLIDER part is read."""
    old = audit(planted_model, data, NO_FINDINGS)
    saved = old.to_dict()
    saved["version"] = 3
    saved["settings"] = {"k": 5, "method": "archdetect"}  # version 3 had settings, no config
    del saved["config"]
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "audit.json").write_text(json.dumps(saved))
    new = audit(
        planted_model, data, NO_FINDINGS.replace(findings={"compare_to": str(tmp_path / "old")})
    )
    assert {c.status for c in new.changes} == {"stable"}
    assert new.compared_settings is None  # that version stored no config


def test_madex_replication_is_checkpointed_per_seed(data, tmp_path: Path) -> None:
    config = TINY.replace(
        detector={"method": "madex", "n_samples": 200},
        findings={"pairs": 0, "consistency": False},
    )
    run = tmp_path / "glider-run"
    first = audit(planted_model, data, config, run_dir=run)
    assert first.replication.params["seeds_run"] == [0, 1]
    assert first.replication.n_replicates == 4
    assert sorted(p.name for p in run.iterdir() if p.is_dir()) == ["seed-0", "seed-1"]
    assert first.timings["replication"] > 0
    stamps = {p: p.stat().st_mtime_ns for p in run.rglob("shard-*.json")}
    again = audit(planted_model, data, config, run_dir=run)
    assert {p: p.stat().st_mtime_ns for p in run.rglob("shard-*.json")} == stamps  # reused
    assert again.interactions == first.interactions
    assert again.replication.to_dict()["selected"] == first.replication.to_dict()["selected"]
    # other settings into the same folder: refused, or recomputed when asked
    other = config.replace(detector={"n_samples": 300})
    with pytest.raises(RunError, match=r"different arguments.*fresh"):
        audit(planted_model, data, other, run_dir=run)
    assert audit(planted_model, data, other, run_dir=run, fresh=True).replication
    # no replication: seed 0 alone, in the same layout (its checkpoint is reused)
    alone = audit(planted_model, data, other.replace(replication={"enabled": False}), run_dir=run)
    assert alone.replication is None and alone.interactions


def test_the_example_is_explained_with_glider_s_detector(data) -> None:
    """The report's example impression is what GLIDER saw: the same detector, the same sample
    count (for a row wider than 13 fields MADEX alone would take 150 per field)."""
    config = TINY.replace(
        detector={"method": "madex"}, replication={"enabled": False},
        findings={"pairs": 0, "consistency": False}, glider={"instances": 4},
    )  # fmt: skip
    result = audit(planted_model, data, config)
    assert result.example.params["n_samples"] == result.glider.params["detector"]["n_samples"]
    assert result.example.params["n_samples"] == 2000  # GLIDER's budget, not MADEX's own
    assert len(data.schema) > 13  # where the two budgets differ


def test_one_tiny_tuned_target(data) -> None:
    config = NO_FINDINGS.replace(
        findings={"pairs": 0}, targets={"models": ("wdl",), "cross": 2, "seeds": 1, "max_epochs": 1}
    )
    result = audit(planted_model, data, config)
    table = result.crossing_table()
    assert set(table["config"]) == {"tuned"} and set(table["variant"]) == {
        "base",
        "glider",
        "random",
    }
    assert result.config.targets.preset == "tuned"
    assert result.crossing.crossed == [tuple(s) for s in result.interactions[:2]]
    with pytest.raises(ValueError, match=r"targets\.preset: must be one of"):
        TINY.replace(targets={"preset": "huge"})


def test_cli_options_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = ["--out", str(tmp_path / "o")]
    for bad in (["--pairs", "-1"], ["--halves", "1"], ["--pair-values", "1"],
                ["--consistency-instances", "0"], ["--target-config", "huge"]):  # fmt: skip
        assert main(["audit", "--quick", *bad, *out]) != 0, bad
        assert bad[0] in capsys.readouterr().err
    assert main(["audit", "--quick", "--compare", str(tmp_path / "nope"), *out]) == 1
    assert "no such folder" in capsys.readouterr().err
    assert main(["audit", "--quick", "--target-size", "small", *out]) == 1  # the alias is gone
    assert "unrecognized arguments: --target-size" in capsys.readouterr().err
