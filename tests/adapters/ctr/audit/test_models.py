"""Auditing the user's own model: ``--model module.path:factory`` (raw rows), TorchScript and
``torch.export`` files, the Python entry point ``audit()``, the GLIDER checkpoint's refusal of
another model, and errors (one line, exit code 1)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from interactkit import GlobalExplanation
from interactkit.adapters.ctr import (
    AuditConfig,
    AuditResult,
    RawExplainer,
    audit,
    load_model,
)
from interactkit.cli import main
from interactkit.visualizers.report import write_audit_report
from tests.fixtures.ctr import clicks_3000, clicks_6000

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

SMALL = ["--quick", "--instances", "6", "--samples", "500", "--k", "6", "--n-background", "4"]

FACTORY = """
import numpy as np

from tests.fixtures.ctr import hgb_pipeline


def build(data, max_iter=40):
    return hgb_pipeline(data.raw_rows("train"), data.train.labels, max_iter=max_iter)


def other(data):
    return build(data, max_iter=5)


def two_columns():
    return lambda frame: np.zeros((len(frame), 2))


def broken():
    raise RuntimeError("no weights here")


not_callable = 3
"""


pytestmark = pytest.mark.usefixtures("one_thread_everywhere")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A folder with the user's model module (a unique name per test), as the current dir."""
    name = f"usermodel_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(FACTORY))
    monkeypatch.chdir(tmp_path)
    return tmp_path, name


def test_audit_factory_of_a_raw_row_pipeline(project, capsys: pytest.CaptureFixture) -> None:
    tmp_path, module = project
    out = tmp_path / "audit"
    args = ["audit", *SMALL, "--out", str(out), "--output", "probability"]
    assert main([*args, "--model", f"{module}:build", "--targets", "wdl"]) == 0
    result = json.loads((out / "audit.json").read_text())
    assert result["version"] == 4
    model = result["model"]
    assert model["inputs"] == "raw" and model["output"] == "probability"
    assert model["off"].startswith("background (4 training rows")
    assert result["config"]["detector"]["n_samples"] == 500
    assert 0.5 < model["metrics"]["auc"] <= 1.0
    assert result["ground_truth"]["planted"]
    assert {r["variant"] for r in result["crossing"]["table"]} == {"base", "glider", "random"}
    glider = GlobalExplanation.from_json(out / "glider.json")
    assert glider.n_instances == 6
    for name in ["report.html", "crossing_gains.png", "local_explanation.png"]:
        assert (out / name).is_file(), name
    assert "raw rows" in (out / "report.html").read_text()
    assert not (out / "source_model.pt").exists()  # the user's model is not saved by us
    again = AuditResult.from_json(out / "audit.json")
    assert again.interactions == [tuple(it.names) for it in glider.interactions]
    assert again.crossing_summary() is not None

    # the same settings reuse the checkpoint; another model is refused; --fresh recomputes
    shards = {p: p.stat().st_mtime_ns for p in (out / "glider-run").rglob("shard-*.json")}
    assert shards
    assert main([*args, "--model", f"{module}:build", "--targets", "none"]) == 0
    assert {p: p.stat().st_mtime_ns for p in (out / "glider-run").rglob("shard-*.json")} == shards
    capsys.readouterr()
    assert main([*args, "--model", f"{module}:other", "--targets", "none"]) == 1
    err = capsys.readouterr().err
    assert "another model" in err and "--fresh" in err and err.count("\n") == 1
    assert main([*args, "--model", f"{module}:other", "--targets", "none", "--fresh"]) == 0


@pytest.mark.parametrize(
    ("attr", "message"),
    [
        ("nowhere", "has no attribute 'nowhere'"),
        ("broken", "the factory raised RuntimeError: no weights here"),
        ("not_callable", "not callable"),
        ("two_columns", r"returned shape \(\d+, 2\)"),
    ],
)
def test_factory_errors_are_one_line(
    project, capsys: pytest.CaptureFixture, attr: str, message: str
) -> None:
    tmp_path, module = project
    code = main(["audit", *SMALL, "--targets", "none", "--out", str(tmp_path / "o"),
                 "--model", f"{module}:{attr}"])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("interactkit audit: error: ") and err.count("\n") == 1, err
    assert re.search(message, err), err


def test_missing_module_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = ["--out", str(tmp_path / "o")]
    assert main(["audit", *SMALL, *out, "--model", "no_such_pkg.models:build"]) == 1
    assert "no module named 'no_such_pkg.models'" in capsys.readouterr().err
    assert main(["audit", *SMALL, *out, "--model", str(tmp_path / "gone.pt2")]) == 1
    assert "no such file" in capsys.readouterr().err


class Tiny(torch.nn.Module):
    """A tensor model of interactkit's encoded fields: device_type x hour_bucket + a bias."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 2.0 * (x[:, 3] == 2).float() * (x[:, 6] == 3).float() + 0.3 * x[:, 15] - 1.0


def test_torchscript_and_torch_export_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data, _ = clicks_6000()
    n = len(data.schema)
    example = torch.zeros(4, n)
    script = tmp_path / "tiny.ts"
    torch.jit.trace(Tiny(), example).save(str(script))
    exported = tmp_path / "tiny.pt2"
    batch = torch.export.Dim("batch")
    torch.export.save(
        torch.export.export(Tiny(), (example,), dynamic_shapes={"x": {0: batch}}), exported
    )
    for path, kind in [(script, "torchscript"), (exported, "torch.export")]:
        loaded = load_model(path, data)
        assert loaded.inputs == "encoded" and kind in loaded.description
        out = tmp_path / f"out-{path.suffix[1:]}"
        code = main(["audit", *SMALL, "--targets", "none", "--output", "logit",
                     "--model", str(path), "--out", str(out)])  # fmt: skip
        assert code == 0, capsys.readouterr().err
        result = json.loads((out / "audit.json").read_text())
        assert result["model"]["inputs"] == "encoded"
        top = [tuple(it["names"]) for it in result["glider"]["interactions"]][:1]
        assert top == [("device_type", "hour_bucket")]
    capsys.readouterr()
    static = tmp_path / "static.pt2"
    torch.export.save(torch.export.export(Tiny(), (example,)), static)
    code = main(["audit", *SMALL, "--targets", "none", "--model", str(static),
                 "--out", str(tmp_path / "o")])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "dynamic batch dimension" in err and err.count("\n") == 1


def test_python_entry_point_and_a_late_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    data, _ = clicks_3000()
    train = data.raw_rows("train").drop(columns=["bid_floor", "user_past_ctr"])
    pipe = make_pipeline(OneHotEncoder(handle_unknown="ignore"), LogisticRegression(max_iter=300))
    pipe.fit(train, data.train.labels)
    frame = pd.concat([data.raw_rows(p) for p in ("train", "val", "test")], ignore_index=True)
    frame = frame.drop(columns=["bid_floor", "user_past_ctr"])
    frame["click"] = np.concatenate([getattr(data, p).labels for p in ("train", "val", "test")])
    config = AuditConfig().replace(
        detector={"n_samples": 400}, glider={"instances": 4, "k": 5}, targets={"models": ()}
    )
    result = audit(pipe, frame, config, label="click")
    assert isinstance(result, AuditResult) and result.model.inputs == "raw"
    assert isinstance(result.space.explainer, RawExplainer)
    assert result.crossing is None and result.ground_truth is None  # no planted truth here
    # a logistic regression on one-hot columns is additive in the logit: with the background
    # mean taken in logit space, it shows no interaction
    assert result.interactions == []
    written = result.save(tmp_path / "a")
    assert set(written) == {"audit.json", "glider.json"}  # data only
    back = AuditResult.from_json(written["audit.json"])
    assert back.config == result.config and back.model == result.model
    drawn = write_audit_report(back, tmp_path / "a")  # a result read back from JSON draws too
    assert "report.html" in drawn

    # the CLI: a report that fails late keeps the saved results and says where they are
    def fails(res: AuditResult, out: Path) -> dict[str, Path]:
        raise RuntimeError("no display")

    monkeypatch.setattr("interactkit.visualizers.report.write_audit_report", fails)
    code = main(["audit", *SMALL, "--targets", "none", "--out", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert code == 1 and "no display" in err and "audit.json" in err
    assert AuditResult.from_json(tmp_path / "b" / "audit.json").model.inputs == "source"
