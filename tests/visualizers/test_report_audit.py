"""The audit's report files (:func:`write_audit_report`): what it writes, segment figure names,
and a result read back from ``audit.json`` (no model, no space). The page in a browser:
test_report_browser.py."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("pandas")

from interactkit import GlobalExplanation
from interactkit.adapters.ctr import AuditResult
from interactkit.visualizers.report import (
    esc,
    segment_file_names,
    write_audit_report,
    write_figures,
)
from tests.fixtures.audit import IMG, SCRIPT, glider_of, hostile_audit

BASE_FIGURES = {"global_interactions.png", "interaction_graph.png", "local_explanation.png"}


def test_segment_file_names_are_unique() -> None:
    labels = ["x/y", "x?y", "x y", "x_y", "", "é", "a" * 80, "a" * 80 + "b"]
    names = segment_file_names(labels)
    assert len(set(names.values())) == len(labels)
    assert names["x/y"] == "segment_1_x_y.png" and names["x?y"] == "segment_2_x_y.png"
    for name in names.values():  # safe on every file system: ASCII letters, digits, "_"
        assert name.isascii() and "/" not in name and len(name) < 80


def test_segments_that_sanitise_alike_get_their_own_figures(tmp_path: Path) -> None:
    result = hostile_audit(full=False)
    result.glider.segments = {
        "x/y": glider_of([((SCRIPT, IMG), 15)], 20),
        "x?y": glider_of([((SCRIPT, IMG), 5)], 20),
    }
    written = write_audit_report(result, tmp_path)
    segments = sorted(n for n in written if n.startswith("segment_"))
    assert segments == ["segment_1_x_y.png", "segment_2_x_y.png"]
    assert written["segment_1_x_y.png"].read_bytes() != written["segment_2_x_y.png"].read_bytes()
    html = written["report.html"].read_text()
    assert "Segment x/y" in html and "Segment x?y" in html


def test_write_audit_report_returns_every_file(tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder"  # created
    result = hostile_audit(full=True)
    written = write_audit_report(result, out)
    segments = set(segment_file_names(list(result.glider.segments)).values())
    assert sorted(n[:13] for n in segments) == ["segment_1_seg", "segment_2___s"]
    assert set(written) == BASE_FIGURES | segments | {
        "pair_heatmap.png",
        "crossing_gains.png",
        "pair_effects_1.png",
        "report.html",
    }
    assert list(written)[-1] == "report.html"
    assert all(path.parent == out and path.is_file() for path in written.values())
    assert sorted(p.name for p in out.iterdir()) == sorted(written)  # nothing else


def test_a_bare_result_gets_the_base_figures(tmp_path: Path) -> None:
    result = hostile_audit(full=False)
    result.glider = GlobalExplanation([], 0)  # nothing selected, no pair strengths
    captions = write_figures(result, tmp_path)
    assert set(captions) == BASE_FIGURES
    html = write_audit_report(result, tmp_path)["report.html"].read_text()
    assert "No global interaction was selected." in html


@pytest.mark.parametrize("full", [True, False])
def test_a_result_read_back_from_json_renders_the_same_report(tmp_path: Path, full: bool) -> None:
    fresh = hostile_audit(full)
    saved = fresh.save(tmp_path / "saved")
    assert "report.html" not in saved  # save writes data only
    back = AuditResult.from_json(saved["audit.json"])
    assert back.space is None
    html = write_audit_report(back, tmp_path / "saved")["report.html"].read_text()
    again = write_audit_report(fresh, tmp_path / "fresh")["report.html"].read_text()
    assert SCRIPT not in html and esc(SCRIPT) in html
    # the figures are the same PNGs and the page the same document
    assert html == again
