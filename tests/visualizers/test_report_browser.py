"""The audit's ``report.html`` in a real headless browser: escaping, sorting, filters, segments.

The audit is built by hand (no model is trained) with hostile field names, values, segment
names and data specs, rendered with :func:`render_audit`, then opened in Debian's chromium via
playwright. The browser tests skip when playwright or ``/usr/bin/chromium`` is missing (CI
installs both: ``.ci/run`` and the ``test`` extra).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from interactkit.results import (
    GlobalChange,
    GlobalExplanation,
    GlobalInteraction,
    Interaction,
    LocalExplanation,
    Replication,
    SegmentDifference,
)

pytest.importorskip("matplotlib")
pytest.importorskip("pandas")

from interactkit.adapters.ctr import AuditResult
from interactkit.cli.audit_report import render_audit
from interactkit.cli.report_html import json_block

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
MATH = "$x$"
DOLLARS = "spend_$_usd_$"
BREAKOUT = "</script><script>window.__pwned=1</script>"
FIELDS = [SCRIPT, IMG, MATH, DOLLARS, "plain"]
CHROMIUM = Path("/usr/bin/chromium")


def _glider(items: list[tuple[tuple[str, ...], int]], n: int) -> GlobalExplanation:
    inters = [GlobalInteraction(names, c, c / n, max(0, c / n - 0.1), min(1, c / n + 0.1))
              for names, c in items]  # fmt: skip
    return GlobalExplanation(inters, n)


def hostile_audit(full: bool = True) -> AuditResult:
    """An audit with every section filled (``full``) or with only the required parts."""
    glider = _glider(
        [((SCRIPT, IMG), 30), (("plain", DOLLARS), 12), ((MATH, "plain"), 21), ((IMG, MATH), 5)],
        40,
    )
    glider.feature_names = list(FIELDS)
    glider.pair_strength = np.eye(5)[::-1] * 0.5
    example = LocalExplanation(
        "madex",
        list(FIELDS),
        [Interaction((0, 1), (SCRIPT, IMG), 0.8, 0.2)],
        [],
        np.array([0.3, -0.2, 0.1, 0.0, 0.05]),
        detected=[Interaction((0, 1), (SCRIPT, IMG), 0.8, 0.2)],
    )
    result = AuditResult(
        settings={"data": f'csv:"{SCRIPT}', "instances": 40, "method": "madex", "k": 4},
        data={"spec": f'csv:"><{IMG}', "name": "hostile", "fields": FIELDS},
        model={"inputs": "source", "note": f"mlp {SCRIPT}"},
        glider=glider,
        example_row={f: f"value {SCRIPT}" for f in FIELDS},
        example=example,
        timings={"glider": 1.5, "total": 3.25},
        version="0.1.0",
    )
    if not full:
        return result
    glider.segments = {
        f"seg {IMG}": _glider([((SCRIPT, IMG), 15), (("plain", DOLLARS), 2)], 20),
        BREAKOUT: _glider([((MATH, "plain"), 18)], 20),
    }
    glider.segment_differences = [
        SegmentDifference((SCRIPT, IMG), f"seg {IMG}", 0.75, 0.6, 0.15, -0.05, 0.35, False),
        SegmentDifference((MATH, "plain"), BREAKOUT, 0.9, 0.15, 0.75, 0.5, 0.95, True),
    ]
    selected = [((SCRIPT, IMG), 4), ((MATH, "plain"), 3), (("plain", DOLLARS), 1)]
    result.replication = Replication(
        full=glider,
        replicates=[{"seed": s, "half": h, "n_instances": 20} for s in (0, 1) for h in (0, 1)],
        selected=selected,
        agreement=0.7,
        k=4,
    )
    result.changes = [
        GlobalChange((SCRIPT, IMG), "appeared", None, 0.75, None, True),
        GlobalChange((MATH, "plain"), "stable", 0.5, 0.52, 0.02, False),
        GlobalChange(("gone", IMG), "vanished", 0.4, None, None, True),
    ]
    result.compared_to = f"old-{SCRIPT}"
    result.pair_effects = [
        {
            "fields": [IMG, DOLLARS],
            "values_a": ["<b>bold</b>", "$a$"],
            "values_b": ["x", "y_$", DOLLARS],
            "mean": [[0.1, 0.2, 0.3], [0.3, 0.1, 0.05]],
            "effect": [[-0.05, 0.02, 0.03], [0.05, -0.02, -0.03]],
            "support": [[10, 4, 2], [7, 7, 1]],
            "n_rows": 64,
        }
    ]
    result.consistency = {
        "methods": ["madex", f"shap {SCRIPT}"],
        "instances": 8,
        "k": 3,
        "top_k_agreement": 0.66,
        "fields": [
            {"field": f, "mean_abs": {"madex": 0.1 * i, f"shap {SCRIPT}": 0.2}, "sign_agreement":
             1.0 if i % 2 else 0.5, "consistent": bool(i % 2)}
            for i, f in enumerate(FIELDS)
        ],
    }  # fmt: skip
    result.ground_truth = {
        "planted": [{"planted": [SCRIPT, IMG], "exact_rank": 1, "contained_rank": 1}],
        "recall_exact": 1.0,
        "recall_contained": 1.0,
        "precision_exact": 0.25,
        "k": 4,
    }
    table = [{"model": "wdl", "variant": v, "seed": s, "auc": 0.7 + 0.01 * (v == "glider") + s,
              "logloss": 0.4} for v in ("base", "glider", "random") for s in (0, 1)]  # fmt: skip
    summary = [{"model": "wdl", "variant": v, "n": 2, "auc_mean": a, "auc_std": 0.001,
                "logloss_mean": 0.4, "delta_auc_mean": a - 0.7, "delta_logloss_mean": 0.0}
               for v, a in (("base", 0.7), ("glider", 0.71), ("random", 0.699))]  # fmt: skip
    result.crossing = {"crossed": [[SCRIPT, IMG]], "skipped": [], "table": table,
                       "summary": summary}  # fmt: skip
    return result


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name, full in (("full", True), ("bare", False)):
        folder = tmp_path_factory.mktemp(name)
        hostile_audit(full).save(folder, render=render_audit)
        out[name] = folder / "report.html"
    return out


def test_report_is_one_escaped_file(reports: dict[str, Path]) -> None:
    text = reports["full"].read_text()
    for raw in (SCRIPT, IMG, BREAKOUT, "<b>bold</b>"):
        assert raw not in text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text
    assert text.count("<script") == 2  # the data block and the report's own script
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert (reports["full"].parent / "pair_effects_1.png").is_file()
    assert text.count("data:image/png;base64,") >= 6
    bare = reports["bare"].read_text()
    assert 'id="segment-select"' not in bare and 'id="crossing"' not in bare


def test_json_block_cannot_close_the_script() -> None:
    block = json_block({"k": BREAKOUT + "&"})
    inner = block.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert json.loads(inner) == {"k": BREAKOUT + "&"}


# ---------------------------------------------------------------------------- in a browser
@pytest.fixture(scope="module")
def browser() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"]  # fmt: skip
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser
        browser.close()


class Opened:
    def __init__(self, browser: Any, path: Path) -> None:
        self.url = path.resolve().as_uri()
        self.page = browser.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready='1']")

    def column(self, table: str, index: int, attr: str | None = "data-v") -> list[Any]:
        cells = self.page.locator(f"#{table} tbody tr td:nth-child({index})")
        if attr is None:
            return cells.all_inner_texts()
        return [float(c.get_attribute(attr)) for c in cells.all()]

    def check_clean(self) -> None:
        assert self.errors == []
        assert self.page.evaluate("typeof window.__pwned") == "undefined"
        assert all(u == self.url or u.startswith("data:") for u in self.requests), self.requests
        self.page.close()


def test_report_in_a_browser(browser: Any, reports: dict[str, Path]) -> None:
    doc = Opened(browser, reports["full"])
    page = doc.page
    body = page.inner_text("body")
    for text in (SCRIPT, IMG, MATH, DOLLARS, f"mlp {SCRIPT}", f"shap {SCRIPT}"):
        assert text in body, text
    assert page.locator("img[onerror], script:not([type])").count() == 1  # only our script
    interactions = page.inner_text("#interactions")
    assert "4 of 4" in interactions and "appeared" in interactions
    tip = page.locator("#interactions tbody tr").first.locator("td").nth(4).get_attribute("title")
    assert tip.startswith("selected in 30 of 40") and "interval" in tip

    # sorting: frequency ascending, then descending; the text column sorts by name
    assert doc.column("interactions", 5) == [0.75, 0.3, 0.525, 0.125]
    header = page.locator("#interactions thead th", has_text="frequency")
    header.click()
    assert doc.column("interactions", 5) == [0.125, 0.3, 0.525, 0.75]
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert doc.column("interactions", 5) == [0.75, 0.525, 0.3, 0.125]
    page.locator("#interactions thead th", has_text="rank").click()
    assert doc.column("interactions", 1) == [1, 2, 3, 4]
    page.locator("#interactions thead th", has_text="count").click()
    assert doc.column("interactions", 4) == [5, 12, 21, 30]  # numeric, not "12" < "21" < "5"
    page.locator("#changes thead th", has_text="status").click()
    assert doc.column("changes", 2, None) == ["appeared", "stable", "vanished"]

    # the filter box hides the rows without the query
    rows = page.locator("#interactions tbody tr")
    page.fill("input[data-for='interactions']", "plain")
    assert [r.is_visible() for r in rows.all()].count(True) == 2
    page.fill("input[data-for='interactions']", "<img")
    visible = [r.inner_text() for r in rows.all() if r.is_visible()]
    assert len(visible) == 2 and all(IMG in v for v in visible)
    page.fill("input[data-for='interactions']", "")
    assert all(r.is_visible() for r in rows.all())

    # the segment selector switches the panel; the differences that hold are marked
    panel = page.locator("#segment-panel")
    assert f"Segment seg {IMG}" in panel.inner_text()
    assert panel.locator("#segment-interactions tbody tr").count() == 2
    assert panel.locator("tr.holds").count() == 0
    page.select_option("#segment-select", index=1)
    assert f"Segment {BREAKOUT}" in panel.inner_text()
    assert panel.locator("#segment-interactions tbody tr").count() == 1
    assert panel.locator("tr.holds").count() == 1 and "holds" in panel.inner_text()
    panel.locator("#segment-differences thead th", has_text="difference").click()  # sortable
    assert page.locator("#all-segment-differences tr.holds").count() == 1

    # consistency: one row per field, the inconsistent ones marked
    assert page.locator("#consistency tbody tr").count() == len(FIELDS)
    assert page.locator("#consistency tr.inconsistent").count() == 3
    assert page.locator("#crossing tbody tr").count() == 3
    assert page.locator("figure img").count() >= 6
    doc.check_clean()


def test_bare_report_in_a_browser(browser: Any, reports: dict[str, Path]) -> None:
    doc = Opened(browser, reports["bare"])
    assert doc.page.locator("#segment-select").count() == 0
    assert doc.page.locator("#interactions tbody tr").count() == 4
    assert "Replication" not in doc.page.inner_text("nav")
    doc.check_clean()
