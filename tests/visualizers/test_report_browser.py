"""The audit's ``report.html`` in a real headless browser: escaping, sorting, filters, segments.

The audit is built by hand from its typed records (no model is trained) with hostile field
names, values, segment names, method names and data specs (:mod:`tests.fixtures.audit`), written
with :func:`~interactkit.visualizers.report.write_audit_report`, then opened in Debian's chromium
via playwright. The browser tests skip when playwright or ``/usr/bin/chromium`` is missing (CI
installs both: ``.ci/run`` and the ``test`` extra).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("pandas")

from interactkit.visualizers.report import write_audit_report
from tests.fixtures.audit import BREAKOUT, DOLLARS, FIELDS, IMG, MATH, SCRIPT, hostile_audit

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name, full in (("full", True), ("bare", False)):
        folder = tmp_path_factory.mktemp(name)
        written = write_audit_report(hostile_audit(full), folder)
        out[name] = written["report.html"]
    return out


def test_report_is_one_escaped_file(reports: dict[str, Path]) -> None:
    text = reports["full"].read_text()
    for raw in (SCRIPT, IMG, BREAKOUT, "<b>bold</b>"):
        assert raw not in text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text
    assert text.count("<script") == 2  # the data block and the report's own script
    # the CSP allows exactly the page's inline script, by its hash
    inline = re.search(r"<script>(.*?)</script>", text, re.S)
    digest = base64.b64encode(hashlib.sha256(inline.group(1).encode()).digest()).decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)
    assert f"script-src &#x27;sha256-{digest}&#x27;" in csp
    assert "default-src &#x27;none&#x27;" in csp
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert (reports["full"].parent / "pair_effects_1.png").is_file()
    assert text.count("data:image/png;base64,") >= 6
    bare = reports["bare"].read_text()
    assert 'id="segment-select"' not in bare and 'id="crossing"' not in bare


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
    shown = [SCRIPT, IMG, MATH, DOLLARS, f"mlp {SCRIPT}", f"shap {SCRIPT}", f"old-{SCRIPT}"]
    shown += [f"hostile {SCRIPT}", f"background {IMG}", f"seg {SCRIPT}", f'csv:"><{IMG}']
    for text in shown:  # literally, as text
        assert text in body, text
    settings = dict(zip(doc.column("settings", 1, None), doc.column("settings", 2, None)))
    assert settings["glider.segment_by"] == f"seg {SCRIPT}"
    assert settings["targets.models"] == "wdl" and settings["glider.k"] == "4"
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

    # fidelity: the quartiles, and both warnings (low median, little gain)
    assert page.locator("#fidelity tbody tr").count() == 3
    section = page.locator("#sec-fidelity ~ p.summary")
    assert "describe the model poorly" in page.content() and "add little" in page.content()
    assert section.count() >= 2

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
