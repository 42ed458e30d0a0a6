"""Progress in job logs: silent for short stages, a line at least every interval otherwise."""

from __future__ import annotations

import io
import time

from interactkit._utils.progress import LogProgress, progress


def test_a_short_stage_prints_nothing() -> None:
    out = io.StringIO()
    bar = LogProgress(10, "GLIDER", "instance", stream=out, every=5.0)
    bar.update(10)
    bar.close()
    assert out.getvalue() == ""


def test_a_long_stage_prints_a_heartbeat_even_without_progress() -> None:
    out = io.StringIO()
    bar = LogProgress(300, "GLIDER", "instance", stream=out, every=0.05)
    bar.update(120)
    bar.set_postfix(active=3)
    time.sleep(0.18)  # a long step: no update, the heartbeat still reports
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) >= 3  # heartbeats plus the closing line
    assert lines[0].startswith("GLIDER: 120/300 instances (40%), ")
    assert "elapsed" in lines[0] and "left" in lines[0] and "active=3" in lines[0]
    bar.close()  # closing twice prints nothing more
    assert len(out.getvalue().splitlines()) == len(lines)


def test_progress_chooses_by_stream_and_flag() -> None:
    for enabled, logs in [(None, True), (True, False)]:
        bar = progress(5, "x", enabled=enabled, stream=io.StringIO())
        assert isinstance(bar, LogProgress) == logs
        bar.close()
    off = progress(5, "x", enabled=False)
    off.update(5)
    off.close()
