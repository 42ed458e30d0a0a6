"""The runnable examples run (small settings) and print what their docstrings promise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(script: str, *args: str, cwd: Path) -> str:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_quickstart_example_finds_the_planted_sets(tmp_path: Path) -> None:
    out = _run("quickstart.py", cwd=tmp_path)
    assert "detected {x0, x1}" in out
    assert "detected {x2, x3, x4}" in out
    assert "ArchDetect" in out and "JSON round trip" in out


def test_ad_model_audit_example_small(tmp_path: Path) -> None:
    pytest.importorskip("deepctr_torch")
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "audit"
    out = _run(
        "ad_model_audit.py",
        "--data",
        "synthetic:5000",
        "--instances",
        "16",
        "--samples",
        "600",
        "--seeds",
        "1",
        "--k",
        "5",
        "--out",
        str(out_dir),
        cwd=tmp_path,
    )
    assert "| deepfm | glider |" in out and "| deepfm | random |" in out
    for name in ("global.png", "pairs.png", "impression.png", "glider.json"):
        assert (out_dir / name).stat().st_size > 0, name
    saved = json.loads((out_dir / "glider.json").read_text())
    assert saved["n_instances"] == 16
