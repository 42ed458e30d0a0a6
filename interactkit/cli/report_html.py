"""HTML building blocks of the audit's one-file ``report.html``; nothing here trusts its input.

Every string that reaches the page goes through :func:`esc` (``html.escape`` with quotes), and
data handed to the page's script is embedded by :func:`json_block` with ``<``, ``>`` and ``&``
written as ``\\u003c``... so no value can close the ``<script>`` element. The page
(:func:`page`) carries a Content-Security-Policy that allows only the report's own script (by
hash), inline styles and ``data:`` images: no request leaves the file.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from interactkit.cli.report_assets import SCRIPT, SCRIPT_SHA256, STYLE

__all__ = ["Cell", "esc", "figure", "json_block", "page", "pct", "png_data_uri", "table"]


def esc(value: Any) -> str:
    """``str(value)`` escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def pct(x: float | None, signed: bool = False) -> str:
    """``0.123 -> "12.3%"`` (``"—"`` for None / NaN)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{100 * x:+.1f}%" if signed else f"{100 * x:.1f}%"


@dataclass(frozen=True)
class Cell:
    """One table cell: shown ``text``, the value it sorts by, a hover ``title`` and a class."""

    text: Any
    sort: float | int | str | None = None
    title: str | None = None
    css: str | None = None
    bar: float | None = None  # 0..1: a small bar after the text (e.g. a frequency)

    def render(self) -> str:
        attrs = []
        if self.css:
            attrs.append(f'class="{esc(self.css)}"')
        if self.sort is not None:
            attrs.append(f'data-v="{esc(self.sort)}"')
        if self.title:
            attrs.append(f'title="{esc(self.title)}"')
        bar = ""
        if self.bar is not None and math.isfinite(self.bar):
            width = max(0.0, min(1.0, float(self.bar))) * 5
            bar = f'<span class="bar" style="width:{width:.2f}em"></span>'
        return f"<td{' ' if attrs else ''}{' '.join(attrs)}>{esc(self.text)}{bar}</td>"


def _cell(value: Any) -> Cell:
    if isinstance(value, Cell):
        return value
    if value is None:
        return Cell("—")
    if isinstance(value, bool):
        return Cell("yes" if value else "no", int(value))
    if isinstance(value, float):
        return Cell("—" if math.isnan(value) else f"{value:.4g}", value, css="num")
    if isinstance(value, int):
        return Cell(value, value, css="num")
    return Cell(value)


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    table_id: str | None = None,
    row_classes: Sequence[str | None] | None = None,
) -> str:
    """A sortable, filterable ``<table class="data">``; every header and cell is escaped.

    Args:
        columns: header texts.
        rows: one sequence of values per row: a :class:`Cell`, or a plain value (floats
            shown with 4 significant digits and sorted numerically, None as "—").
        table_id: the table's ``id`` (for tests and links).
        row_classes: a CSS class per row (e.g. ``"holds"``), or None.
    """
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes is not None and i < len(row_classes) else None
        attr = f' class="{esc(cls)}"' if cls else ""
        body.append(f"<tr{attr}>" + "".join(_cell(v).render() for v in row) + "</tr>")
    ident = f' id="{esc(table_id)}"' if table_id else ""
    return (
        f'<table class="data"{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def png_data_uri(png: bytes) -> str:
    """PNG bytes as a ``data:image/png;base64,...`` URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure(uri: str, caption: str) -> str:
    """An embedded image (``uri`` must be a ``data:`` URI) with its caption."""
    if not uri.startswith("data:image/"):
        raise ValueError("report figures must be embedded data: URIs")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{esc(uri)}" alt="{esc(caption)}">{cap}</figure>'


def json_block(data: Any, block_id: str = "audit-data") -> str:
    """``data`` as a ``<script type="application/json">`` element that no value can close."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, default=str)
    for char, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, code)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/json" id="{esc(block_id)}">{text}</script>'


def page(title: str, subtitle: str, body: Sequence[str], data: Any, nav: Sequence[str]) -> str:
    """The whole document: head (CSP, style), title, navigation, ``body`` parts, data, script.

    Args:
        title, subtitle: plain text (escaped here).
        body: HTML parts already built with this module's functions.
        data: JSON-able data for the page's script (see :mod:`interactkit.cli.report_assets`).
        nav: ``"id|label"`` of each section, linked at the top.
    """
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{SCRIPT_SHA256}'; base-uri 'none'; form-action 'none'"
    )
    links = " ".join(
        f'<a href="#{esc(item.split("|", 1)[0])}">{esc(item.split("|", 1)[1])}</a>' for item in nav
    )
    sub = f'<p class="note">{esc(subtitle)}</p>' if subtitle else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>{sub}<nav>{links}</nav>{''.join(body)}"
        f"{json_block(data)}<script>{SCRIPT}</script></body></html>\n"
    )
