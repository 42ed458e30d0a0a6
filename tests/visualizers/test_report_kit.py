"""The report kit (:mod:`interactkit.visualizers.report`): escaping, tables, figures, the data
block, the page's CSP and the :class:`Report` builder. In a browser: test_report_browser.py."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from interactkit.visualizers.report import (
    CSP,
    SCRIPT,
    SCRIPT_SHA256,
    Cell,
    Report,
    esc,
    figure,
    json_block,
    page,
    pct,
    png_data_uri,
    table,
)
from interactkit.visualizers.report.assets import DATA_BLOCK_ID

HOSTILE = '<img src=x onerror="alert(1)">'
BREAKOUT = "</script><script>alert(1)</script>"
PNG = b"\x89PNG\r\n\x1a\nfake"


def test_esc_and_pct() -> None:
    assert esc(HOSTILE) == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert esc("it's & <b>") == "it&#x27;s &amp; &lt;b&gt;"
    assert pct(0.1234) == "12.3%" and pct(0.05, signed=True) == "+5.0%"
    assert pct(None) == pct(float("nan")) == "—"


def test_table_escapes_and_types_its_cells() -> None:
    html = table(
        [HOSTILE, "n"],
        [[HOSTILE, 3], [Cell(HOSTILE, 0.5, title=HOSTILE, css='x"y', bar=0.5), 1.23456]],
        table_id='t"1',
        row_classes=['a"b', None],
    )
    assert "<img" not in html and 'onerror="' not in html and 'x"y' not in html
    assert html.count(esc(HOSTILE)) == 3 + 1  # header, two cells, one title
    assert 'id="t&quot;1"' in html and 'class="a&quot;b"' in html
    assert '<td class="num" data-v="3">3</td>' in html
    # floats: 4 significant digits shown, the full value to sort by, right-aligned
    assert '<td class="num" data-v="1.23456">1.235</td>' in html
    assert 'style="width:2.50em"' in html
    plain = table(["v"], [[None], [True], [float("nan")]])
    assert "<td>—</td>" in plain and '<td data-v="1">yes</td>' in plain
    assert '<td class="num">—</td>' in plain  # NaN: shown as missing, not sorted as "nan"


def test_figures_are_data_uris_only() -> None:
    uri = png_data_uri(PNG)
    assert uri == "data:image/png;base64," + base64.b64encode(PNG).decode()
    html = figure(uri, HOSTILE)
    assert f'src="{uri}"' in html and f"<figcaption>{esc(HOSTILE)}</figcaption>" in html
    for bad in ("https://example.com/x.png", "x.png", "javascript:alert(1)", "data:text/html,x"):
        with pytest.raises(ValueError, match="data: URIs"):
            figure(bad, "")


def test_json_block_cannot_close_the_script() -> None:
    data = {"k": BREAKOUT + "&", "line": "a\u2028b"}
    block = json_block(data)
    assert block.startswith(f'<script type="application/json" id="{DATA_BLOCK_ID}">')
    inner = block.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert "<" not in inner and ">" not in inner and "&" not in inner and "\u2028" not in inner
    assert json.loads(inner) == data
    with pytest.raises(ValueError):  # NaN is not JSON: refused, not written as a bare token
        json_block({"x": float("nan")})


def test_page_has_one_script_allowed_by_its_hash() -> None:
    assert SCRIPT_SHA256 == base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"'sha256-{SCRIPT_SHA256}'" in CSP and "default-src 'none'" in CSP
    assert "img-src data:" in CSP and "http" not in CSP
    # the script reads the kit's data block and never parses strings as HTML or code
    assert f'getElementById("{DATA_BLOCK_ID}")' in SCRIPT
    for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "Function(",
                   "document.write"):  # fmt: skip
        assert banned not in SCRIPT, banned
    doc = page(HOSTILE, ["<p>body</p>"], subtitle=HOSTILE, nav=[('a"b', HOSTILE)], data={"x": 1})
    assert f'content="{esc(CSP)}"' in doc
    assert "<img" not in doc and 'href="#a&quot;b"' in doc
    assert doc.count("<script") == 2 and f"<script>{SCRIPT}</script>" in doc
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", doc)
    assert "<nav>" not in page("t", [])  # no sections, no empty navigation bar


def test_report_escapes_every_string() -> None:
    report = Report("audit <b>", subtitle="data & <i>")
    report.section('s"1', "<script>alert(1)</script>")
    report.heading("<h1>x</h1>")
    report.paragraph('x"<y>', css='note"')
    report.bullets([HOSTILE])
    report.table(["field<", "freq", "n"], [[HOSTILE, 1.5, 3]], table_id="t")
    report.image(PNG, caption="<svg onload=alert(1)>")
    report.image(png_data_uri(PNG), caption="second")
    html = report.render()
    for raw in ("<script>alert", "<img src=x", "<svg", "<b>", "<i>", "<h1>x", 'x"<y>'):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="#sec-s&quot;1"' in html and 'id="sec-s&quot;1"' in html
    assert html.count("data:image/png;base64,") == 2
    assert '<td class="num" data-v="1.5">1.5</td>' in html
    assert "<style>" in html and html.count("<style>") == 1  # one stylesheet


def test_report_embeds_a_matplotlib_figure_and_closes_it() -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    report = Report("figures")
    report.figure(fig, "a line")
    assert not plt.fignum_exists(fig.number)
    uri = re.search(r'src="(data:image/png;base64,[^"]+)"', report.render()).group(1)
    assert base64.b64decode(uri.split(",", 1)[1]).startswith(b"\x89PNG")
