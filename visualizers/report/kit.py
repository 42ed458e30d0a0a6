"""The HTML kit of interactkit's one-file reports; nothing here trusts its input.

Every string that reaches a page goes through :func:`esc` (``html.escape`` with quotes): field
names, category values, segment names, data specs and titles are user data. Data handed to the
page's script is embedded by :func:`json_block` with ``<``, ``>`` and ``&`` written as
``\\u003c``... so no value can close the ``<script>`` element. Figures are embedded as
``data:`` URIs only (:func:`figure` refuses anything else). :func:`page` wraps the parts in a
document whose Content-Security-Policy (:data:`~interactkit.visualizers.report.assets.CSP`)
allows only the kit's own script (by hash), inline styles and ``data:`` images: no request leaves
the file.

The pieces:

* :func:`esc`, :func:`pct` -- text;
* :class:`Cell`, :func:`table` -- sortable, filterable tables;
* :func:`png_data_uri`, :func:`figure_to_png`, :func:`figure_to_data_uri`, :func:`figure` --
  embedded images (matplotlib is imported inside the functions that need it);
* :func:`json_block`, :func:`page` -- the data block and the whole document;
* :class:`Report` -- a page built section by section with all of the above.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from interactkit.visualizers.report.assets import CSP, DATA_BLOCK_ID, SCRIPT, STYLE

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "Cell",
    "Report",
    "esc",
    "figure",
    "figure_to_data_uri",
    "figure_to_png",
    "interval_text",
    "json_block",
    "names_text",
    "page",
    "pct",
    "png_data_uri",
    "table",
]


def esc(value: Any) -> str:
    """``str(value)`` escaped for HTML text and attribute values (quotes included)."""
    return html.escape(str(value), quote=True)


def pct(x: float | None, signed: bool = False) -> str:
    """``0.123 -> "12.3%"`` (``"+12.3%"`` when ``signed``; ``"—"`` for None / NaN)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{100 * x:+.1f}%" if signed else f"{100 * x:.1f}%"


def names_text(names: Sequence[Any]) -> str:
    """An interaction's feature names as shown: ``"a × b × c"`` (not escaped: the kit escapes
    every cell and paragraph)."""
    return " × ".join(str(n) for n in names)


def interval_text(lo: float | None, hi: float | None, signed: bool = False) -> str:
    """An interval of two shares: ``"12.0% – 30.5%"``."""
    return f"{pct(lo, signed)} – {pct(hi, signed)}"


# ---------------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class Cell:
    """One table cell: shown ``text``, the value it sorts by, a hover ``title`` and a class.

    Attributes:
        text: what the cell shows (escaped).
        sort: the value the page's script sorts by (``data-v``; numbers sort numerically);
            None: the shown text.
        title: the hover text (escaped).
        css: a CSS class (``"num"``: right-aligned figures).
        bar: 0..1: a small bar after the text (e.g. a frequency).
    """

    text: Any
    sort: float | int | str | None = None
    title: str | None = None
    css: str | None = None
    bar: float | None = None

    def render(self) -> str:
        """The ``<td>`` element."""
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
    if isinstance(value, numbers.Integral):  # numpy integers too
        return Cell(int(value), int(value), css="num")
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):  # "nan" / "inf" would sort as text among the numbers
            return Cell("—" if math.isnan(x) else str(x), css="num")
        return Cell(f"{x:.4g}", x, css="num")
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
        rows: one sequence of values per row: a :class:`Cell`, or a plain value (numbers
            right-aligned and sorted numerically, floats shown with 4 significant digits,
            booleans as yes / no, None as "—", anything else as its ``str``).
        table_id: the table's ``id`` (for tests, links and the filter box).
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


# ---------------------------------------------------------------------------------- images
def png_data_uri(png: bytes) -> str:
    """PNG bytes as a ``data:image/png;base64,...`` URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure_to_png(fig: Figure, dpi: int = 110) -> bytes:
    """A matplotlib figure as PNG bytes (the figure is closed)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)  # figures stay registered with pyplot until closed: no leak on error
    return buf.getvalue()


def figure_to_data_uri(fig: Figure, dpi: int = 110) -> str:
    """A matplotlib figure as a ``data:image/png;base64,...`` URI (the figure is closed)."""
    return png_data_uri(figure_to_png(fig, dpi))


def figure(uri: str, caption: str = "") -> str:
    """An embedded image with its caption.

    Raises:
        ValueError: ``uri`` is not a ``data:image/...`` URI (the page fetches nothing, and its
            Content-Security-Policy would block it anyway).
    """
    if not uri.startswith("data:image/"):
        raise ValueError("report figures must be embedded data: URIs (see png_data_uri)")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{esc(uri)}" alt="{esc(caption)}">{cap}</figure>'


# ---------------------------------------------------------------------------------- the page
def json_block(data: Any, block_id: str = DATA_BLOCK_ID) -> str:
    """``data`` as a ``<script type="application/json">`` element that no value can close."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, default=str)
    for char, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, code)
    # JSON allows these two raw, but older JavaScript parsers end a line there
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/json" id="{esc(block_id)}">{text}</script>'


def page(
    title: str,
    body: Sequence[str],
    *,
    subtitle: str = "",
    nav: Sequence[tuple[str, str]] = (),
    data: Any = None,
) -> str:
    """The whole document: head (CSP, stylesheet), title, navigation, ``body``, data, script.

    Args:
        title, subtitle: plain text (escaped here).
        body: HTML parts already built with this module's functions.
        nav: ``(element id, label)`` of each section, linked at the top.
        data: JSON-able data for the page's script (the segment selector reads
            ``{"segments": [...]}``), or None.
    """
    links = " ".join(f'<a href="#{esc(ident)}">{esc(label)}</a>' for ident, label in nav)
    sub = f'<p class="note">{esc(subtitle)}</p>' if subtitle else ""
    block = json_block(data if data is not None else {})
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>{sub}{f'<nav>{links}</nav>' if links else ''}{''.join(body)}"
        f"{block}<script>{SCRIPT}</script></body></html>\n"
    )


@dataclass
class Report:
    """A one-file HTML page built section by section (every method escapes its text).

    Example::

        report = Report("my audit", subtitle="data: clicks.csv")
        report.section("top", "Top interactions")
        report.table(["interaction", "frequency"], [["a × b", 0.8]], table_id="top")
        report.figure(fig, "Global interactions")        # a matplotlib figure, closed
        Path("report.html").write_text(report.render(), encoding="utf-8")
    """

    title: str
    subtitle: str = ""
    parts: list[str] = field(default_factory=list)
    nav: list[tuple[str, str]] = field(default_factory=list)

    def section(self, ident: str, title: str) -> None:
        """Start a section: an ``<h2 id="sec-IDENT">`` linked from the navigation."""
        self.nav.append((f"sec-{ident}", title))
        self.parts.append(f'<h2 id="sec-{esc(ident)}">{esc(title)}</h2>')

    def heading(self, text: str) -> None:
        """A sub-heading (``<h3>``) inside the current section."""
        self.parts.append(f"<h3>{esc(text)}</h3>")

    def paragraph(self, text: str, css: str | None = None) -> None:
        """A paragraph of plain text (``css``: e.g. ``"note"`` or ``"summary"``)."""
        attr = f' class="{esc(css)}"' if css else ""
        self.parts.append(f"<p{attr}>{esc(text)}</p>")

    def bullets(self, items: Iterable[str]) -> None:
        """A list of plain-text items."""
        self.parts.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")

    def table(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        table_id: str | None = None,
        row_classes: Sequence[str | None] | None = None,
    ) -> None:
        """A sortable, filterable table (see :func:`table`)."""
        self.parts.append(table(columns, rows, table_id, row_classes))

    def figure(self, fig: Figure, caption: str = "") -> None:
        """Embed a matplotlib figure as a PNG data URI (the figure is closed)."""
        self.image(figure_to_png(fig), caption)

    def image(self, image: bytes | str, caption: str = "") -> None:
        """Embed PNG bytes (e.g. a figure already saved to disk) or a ``data:image/`` URI."""
        uri = png_data_uri(image) if isinstance(image, bytes) else image
        self.parts.append(figure(uri, caption))

    def add(self, part: str) -> None:
        """Append HTML built with this module's functions (never raw user text)."""
        self.parts.append(part)

    def render(self, data: Any = None) -> str:
        """The whole document (see :func:`page`; ``data``: for the page's script)."""
        return page(self.title, self.parts, subtitle=self.subtitle, nav=self.nav, data=data)
