"""The inline stylesheet and script of every report page (no network, no framework).

:data:`STYLE` is the one stylesheet of the kit (:mod:`interactkit.visualizers.report.kit`).
:data:`SCRIPT` is small hand-written vanilla JavaScript, run once the page has loaded:

* every ``table.data`` gets a filter box (hides the rows whose text does not contain the query)
  and sortable headers (click or Enter; numeric-aware: a cell's ``data-v`` attribute, else its
  text, compares as a number when both sides are numbers);
* ``select#segment-select`` shows one segment of a GLIDER run: its interactions and its
  segment differences (the ones that hold marked), built from the page's JSON block
  ``script#report-data`` (:data:`DATA_BLOCK_ID`) with ``createElement``/``textContent`` only
  (no ``innerHTML``, no ``eval``), so data strings are never parsed as HTML. A page without a
  segment selector simply has none of this.

The page's Content-Security-Policy (:data:`CSP`) allows this script by its hash
(:data:`SCRIPT_SHA256`) and nothing else: no other script, no network request.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = ["CSP", "DATA_BLOCK_ID", "SCRIPT", "SCRIPT_SHA256", "STYLE"]

DATA_BLOCK_ID = "report-data"
"""``id`` of the ``<script type="application/json">`` block the script reads."""

STYLE = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1150px; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
h3 { margin-top: 1.2em; }
nav a { margin-right: 0.9em; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.4em 0 0.8em; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
th.sortable { cursor: pointer; user-select: none; }
th.sortable::after { content: " \\2195"; color: #aaa; }
th[aria-sort=ascending]::after { content: " \\2191"; color: #333; }
th[aria-sort=descending]::after { content: " \\2193"; color: #333; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td[title], span[title] { text-decoration: underline dotted #bbb; }
tr.holds td { background: #eef7ee; } tr.inconsistent td { background: #fbeeee; }
.bar { display: inline-block; height: 0.7em; background: #4a78c2; margin-left: 0.4em;
       vertical-align: middle; opacity: 0.75; }
.filter-bar { margin-top: 0.6em; font-size: 0.9em; color: #555; }
.filter-bar input { padding: 2px 6px; margin-right: 0.6em; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; } .note { color: #555; font-size: 0.92em; }
.summary { background: #f7f9fc; border-left: 4px solid #4a78c2; padding: 0.6em 1em; }
.status-appeared { color: #1a7a1a; } .status-vanished { color: #b02a2a; }
.status-changed { color: #b06a00; } .yes { color: #1a7a1a; } .no { color: #b02a2a; }
"""

SCRIPT = """
(function () {
  "use strict";
  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }
  function isNum(s) { return s !== "" && isFinite(Number(s)); }
  function key(cell) {
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-v");
    return v !== null ? v : cell.textContent.trim();
  }
  function compare(a, b) {
    if (isNum(a) && isNum(b)) { return Number(a) - Number(b); }
    if (isNum(a)) { return -1; }
    if (isNum(b)) { return 1; }
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: "base"});
  }
  function sortTable(table, th) {
    var body = table.tBodies[0];
    var col = th.cellIndex;
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(th.parentNode.cells, function (c) {
      c.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r, s) { return dir * compare(key(r.cells[col]), key(s.cells[col])); });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function addFilter(table) {
    var bar = el("div", null, {"class": "filter-bar"});
    var input = el("input", null, {"type": "search", "class": "filter",
      "placeholder": "filter rows\\u2026", "aria-label": "filter the rows of this table"});
    if (table.id) { input.setAttribute("data-for", table.id); }
    var count = el("span", "", {"class": "filter-count"});
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      var shown = 0;
      rows.forEach(function (r) {
        var hit = !q || r.textContent.toLowerCase().indexOf(q) >= 0;
        r.hidden = !hit;
        if (hit) { shown += 1; }
      });
      count.textContent = q ? shown + " of " + rows.length + " rows" : "";
    });
    bar.appendChild(input);
    bar.appendChild(count);
    table.parentNode.insertBefore(bar, table);
  }
  function enhance(table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    if (table.tBodies[0].rows.length > 1) { addFilter(table); }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.classList.add("sortable");
      th.tabIndex = 0;
      th.title = th.title || "click to sort";
      th.addEventListener("click", function () { sortTable(table, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { sortTable(table, th); }
      });
    });
  }
  function pct(x) { return (100 * Number(x)).toFixed(1) + "%"; }
  function cell(text, v, title, cls) {
    var td = el("td", text);
    if (v !== undefined && v !== null) { td.setAttribute("data-v", String(v)); }
    if (title) { td.title = title; }
    if (cls) { td.className = cls; }
    return td;
  }
  function buildTable(columns, rows, id) {
    var table = el("table", null, {"class": "data", "id": id});
    var head = table.createTHead().insertRow();
    columns.forEach(function (c) { head.appendChild(el("th", c)); });
    var body = table.createTBody();
    rows.forEach(function (cells) {
      var tr = body.insertRow();
      cells.forEach(function (td) { tr.appendChild(td); });
    });
    return table;
  }
  function segmentView(seg) {
    var box = el("div");
    box.appendChild(el("h3", "Segment " + seg.name));
    box.appendChild(el("p", seg.n_instances + " explained impressions in this segment.",
      {"class": "note"}));
    var rows = seg.interactions.map(function (it, i) {
      var names = it.names.join(" \\u00d7 ");
      var ci = pct(it.ci_low) + " \\u2013 " + pct(it.ci_high);
      return [cell(i + 1, i + 1, null, "num"), cell(names, null, "fields: " + it.names.join(", ")),
        cell(it.count, it.count, "count: " + it.count + " of " + seg.n_instances, "num"),
        cell(pct(it.frequency), it.frequency, "95% interval " + ci, "num"),
        cell(ci, it.ci_low, null, "num")];
    });
    box.appendChild(buildTable(["rank", "interaction", "count", "frequency", "95% interval"],
      rows, "segment-interactions"));
    var diffs = seg.differences;
    box.appendChild(el("h3", "Differences from the other segments"));
    if (!diffs.length) {
      box.appendChild(el("p", "No segment difference was computed for this segment.",
        {"class": "note"}));
    } else {
      var drows = diffs.map(function (d) {
        var ci = (d.ci_low >= 0 ? "+" : "") + pct(d.ci_low) + " \\u2013 " +
          (d.ci_high >= 0 ? "+" : "") + pct(d.ci_high);
        var tip = "in segment " + pct(d.frequency) + ", in the others " +
          pct(d.rest_frequency) + "; difference " + pct(d.difference) + " (" + ci + ")";
        return [cell(d.names.join(" \\u00d7 "), null, tip),
          cell(pct(d.frequency), d.frequency, null, "num"),
          cell(pct(d.rest_frequency), d.rest_frequency, null, "num"),
          cell(pct(d.difference), d.difference, tip, "num"),
          cell(ci, d.ci_low, "Bonferroni-adjusted bootstrap interval", "num"),
          cell(d.holds ? "\\u2713 holds" : "\\u2013", d.holds ? 1 : 0, null,
            d.holds ? "yes" : "")];
      });
      var t = buildTable(["interaction", "in segment", "in the others", "difference",
        "interval", "holds"], drows, "segment-differences");
      Array.prototype.forEach.call(t.tBodies[0].rows, function (tr, i) {
        if (diffs[i].holds) { tr.className = "holds"; }
      });
      box.appendChild(t);
    }
    return box;
  }
  function setupSegments(data) {
    var select = document.getElementById("segment-select");
    var panel = document.getElementById("segment-panel");
    if (!select || !panel || !data.segments || !data.segments.length) { return; }
    data.segments.forEach(function (seg, i) {
      select.appendChild(el("option", seg.name + " (" + seg.n_instances + ")", {"value": i}));
    });
    function show() {
      while (panel.firstChild) { panel.removeChild(panel.firstChild); }
      var view = segmentView(data.segments[Number(select.value)]);
      panel.appendChild(view);
      Array.prototype.forEach.call(view.querySelectorAll("table.data"), enhance);
    }
    select.addEventListener("change", show);
    show();
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.data"), enhance);
    var block = document.getElementById("report-data");
    setupSegments(block ? JSON.parse(block.textContent) : {});
    document.body.setAttribute("data-ready", "1");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
})();
"""

SCRIPT_SHA256 = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
"""Base64 SHA-256 of :data:`SCRIPT` (the ``sha256-...`` source of :data:`CSP`)."""

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{SCRIPT_SHA256}'; base-uri 'none'; form-action 'none'"
)
"""The page's Content-Security-Policy: only :data:`SCRIPT` runs (by hash; the JSON data block is
not a script), styles are inline, images are ``data:`` URIs, nothing is fetched."""
