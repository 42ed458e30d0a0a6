"""interactkit's one-file HTML reports: one kit, and the ad-model audit's page built with it.

What the kit guarantees for every page it builds:

* **every user string is escaped**: field names, category values, segment names, data specs,
  method names and titles go through :func:`esc` on their way into text and attributes; data
  for the page's script is a JSON block no value can close (:func:`json_block`), and the script
  builds elements with ``textContent`` only (no ``innerHTML``, no ``eval``);
* **no network**: figures are embedded as PNG ``data:`` URIs (:func:`figure` refuses any other
  source), the stylesheet and the script are inline, no font, script or image is fetched;
* **CSP**: each page carries a Content-Security-Policy (:data:`CSP`) that lets only the kit's
  own script run (by its SHA-256 hash), allows inline styles and ``data:`` images, and nothing
  else.

The kit (:mod:`.kit`, :mod:`.assets`): :func:`esc`, :func:`pct`, :class:`Cell` / :func:`table`
(sortable, filterable), :func:`figure`, :func:`png_data_uri`, :func:`figure_to_png`,
:func:`figure_to_data_uri`, :func:`json_block`, :func:`page` and the :class:`Report` builder.

The audit's report (:mod:`.audit`, :mod:`.audit_sections`): :func:`write_audit_report` writes
the PNG figures and ``report.html`` of an
:class:`~interactkit.adapters.ctr.AuditResult` (fresh or read back from ``audit.json``) into a
folder; :func:`write_figures` and :func:`build_page` are its two halves.

matplotlib is imported only inside the functions that draw.
"""

from interactkit.visualizers.report.assets import CSP, SCRIPT, SCRIPT_SHA256, STYLE
from interactkit.visualizers.report.audit import (
    segment_file_names,
    write_audit_report,
    write_figures,
)
from interactkit.visualizers.report.audit_sections import build_page
from interactkit.visualizers.report.kit import (
    Cell,
    Report,
    esc,
    figure,
    figure_to_data_uri,
    figure_to_png,
    json_block,
    page,
    pct,
    png_data_uri,
    table,
)

__all__ = [
    "CSP",
    "SCRIPT",
    "SCRIPT_SHA256",
    "STYLE",
    "Cell",
    "Report",
    "build_page",
    "esc",
    "figure",
    "figure_to_data_uri",
    "figure_to_png",
    "json_block",
    "page",
    "pct",
    "png_data_uri",
    "segment_file_names",
    "table",
    "write_audit_report",
    "write_figures",
]
