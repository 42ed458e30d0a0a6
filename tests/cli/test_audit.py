"""`interactkit audit` end to end on a small configuration, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interactkit.adapters.ctr import ground_truth_report
from interactkit.cli import main

pytest.importorskip("deepctr_torch")
pytest.importorskip("matplotlib")

SMALL = ["--quick", "--instances", "8", "--samples", "600", "--seeds", "1", "--k", "6"]


pytestmark = pytest.mark.usefixtures("one_thread")


def test_audit_end_to_end_and_reuse(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "audit"
    assert main(["audit", *SMALL, "--targets", "wdl", "--out", str(out)]) == 0
    result = json.loads((out / "audit.json").read_text())
    assert result["format"] == "interactkit.audit"
    assert result["glider"]["n_instances"] == 8
    assert 1 <= len(result["glider"]["interactions"]) <= 6
    assert result["ground_truth"]["planted"]  # synthetic data: the truth is reported
    assert {r["variant"] for r in result["crossing"]["table"]} == {"base", "glider", "random"}
    for name in [
        "report.html",
        "global_interactions.png",
        "interaction_graph.png",
        "crossing_gains.png",
        "local_explanation.png",
        "source_model.pt",
    ]:
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 4
    printed = capsys.readouterr().out
    assert "top global interactions" in printed

    # the saved model audits again (loaded with weights_only=True); GLIDER's result is reused
    code = main(
        [
            "audit",
            *SMALL,
            "--targets",
            "none",
            "--out",
            str(out),
            "--model",
            str(out / "source_model.pt"),
        ]
    )
    assert code == 0
    again = json.loads((out / "audit.json").read_text())
    assert again["crossing"] is None
    assert "loaded from" in again["model"]["note"]


def test_audit_report_escapes_data_strings(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 600
    a = rng.choice(["<script>alert(1)</script>", "b&c"], n)
    b = rng.choice(["x", "y", "z"], n)
    label = ((a == "b&c") ^ (b == "x")).astype(int)
    flip = rng.random(n) < 0.1
    frame = pd.DataFrame(
        {
            "<img src=x>": a,
            "plain": b,
            "third": rng.choice(["p", "q"], n),
            "clicked": np.where(flip, 1 - label, label),
        }
    )
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "audit"
    code = main(
        [
            "audit",
            "--data",
            f"csv:{path}",
            "--label",
            "clicked",
            "--source",
            "mlp",
            "--instances",
            "6",
            "--samples",
            "300",
            "--targets",
            "none",
            "--k",
            "3",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    html = (out / "report.html").read_text()
    assert "<img src=x>" not in html and "<script>alert" not in html
    assert "&lt;img src=x&gt;" in html


def test_options_build_one_config() -> None:
    """The options are AuditConfig settings: their defaults are the config's, the targets list
    is the adapter's, and every setting reaches the config through one typed path."""
    from interactkit._utils.cpus import available_cpus
    from interactkit.adapters.ctr import MODEL_NAMES, TARGETS, AuditConfig
    from interactkit.cli import build_parser
    from interactkit.cli.audit import build_config, parse_targets

    assert parse_targets("all") == tuple(MODEL_NAMES) and parse_targets("none") == ()
    assert parse_targets(" DCN, wdl ") == ("dcn", "wdl")
    parse = build_parser().parse_args
    default = build_config(parse(["audit"]))
    assert default == AuditConfig().replace(targets={"jobs": available_cpus()})
    assert default.targets.models == TARGETS == ("wdl", "deepfm", "dcn")
    options = ["--samples", "700", "--method", "madex", "--k", "7", "--no-replicate"]
    given = build_config(parse(["audit", *options, "--targets", "dcn", "--off", "mode"]))
    assert given.detector.n_samples == 700
    assert given.detector.build().get_params()["n_samples"] == 700
    assert given.glider.k == 7 and not given.replication.enabled
    assert given.targets.models == ("dcn",) and given.model.off == "mode"
    quick = build_config(parse(["audit", "--quick"]))
    assert quick == AuditConfig().replace(targets={"jobs": available_cpus()}).quick()
    help_text = build_parser()._subparsers._group_actions[0].choices["audit"].format_help()
    assert "(default 300)" in help_text  # the config's default, shown


def test_a_rerun_starts_from_an_earlier_config(tmp_path: Path) -> None:
    import json

    from interactkit.adapters.ctr import AuditConfig
    from interactkit.cli import build_parser
    from interactkit.cli.audit import build_config

    earlier = AuditConfig(seed=3).replace(glider={"k": 9}, targets={"models": ("dcn",)})
    (tmp_path / "audit.json").write_text(
        json.dumps({"format": "interactkit.audit", "version": 4, "config": earlier.to_dict()})
    )
    args = build_parser().parse_args(["audit", "--config", str(tmp_path), "--instances", "50"])
    again = build_config(args)
    assert again.seed == 3 and again.glider.k == 9 and again.targets.models == ("dcn",)
    assert again.glider.instances == 50  # an option given here wins
    assert again.differences(earlier) == ["glider.instances"]
    (tmp_path / "other.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="holds no audit config"):
        build_config(build_parser().parse_args(["audit", "--config", str(tmp_path / "other.json")]))


def test_audit_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["audit", "--targets", "lr", "--out", str(tmp_path)]) == 1
    assert "unknown target model" in capsys.readouterr().err
    assert main(["audit", *SMALL, "--segment-by", "nope", "--out", str(tmp_path)]) == 1
    assert "is not a field" in capsys.readouterr().err
    bogus = tmp_path / "model.pt"
    bogus.write_bytes(b"not a model")
    assert main(["audit", *SMALL, "--model", str(bogus), "--out", str(tmp_path)]) == 1
    assert "not a model file interactkit can load" in capsys.readouterr().err
    assert (
        main(["audit", "--data", "csv:" + str(tmp_path / "missing.csv"), "--out", str(tmp_path)])
        == 1
    )


def test_ground_truth_report() -> None:
    rep = ground_truth_report(
        [("a", "b"), ("c", "d", "e"), ("x", "y")], [("a", "b"), ("c", "d"), ("f", "g")]
    )
    ranks = [(r.exact_rank, r.contained_rank) for r in rep.planted]
    assert ranks == [(1, 1), (None, 2), (None, None)]
    assert rep.recall_exact == pytest.approx(1 / 3)
    assert rep.recall_contained == pytest.approx(2 / 3)
    assert rep.precision_exact == pytest.approx(1 / 3)
