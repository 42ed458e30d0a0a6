"""The CLI holds argument parsing and job wiring only: no HTML, no model loading.

Reports are the visualizers' (:mod:`interactkit.visualizers.report`); a CLI job calls them. The
rule reads the CLI's source with ``ast`` (nothing is imported): no string constant of
``interactkit/cli/`` may contain an HTML tag that builds a page (``<html``, ``<table``,
``<div``, ``<script``), and no CLI module may escape HTML itself (``import html``,
``from html import ...``, ``html.escape``) -- a CLI that escapes is a CLI that writes markup.
Models are loaded by the adapters (``load_model``, ``load_image_model``, ``load_text_model``,
``interactkit.extend.load_program``): no CLI module calls ``torch.load``, ``torch.jit.load``,
``torch.export.load`` or a ``from_pretrained``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.source_tree import ROOT

CLI = ROOT / "interactkit" / "cli"
#: tags that mean a page (or part of one) is being built
HTML_TAGS = ("<html", "<table", "<div", "<script")


def html_in_source(source: str, filename: str = "<source>") -> list[str]:
    """Where ``source`` builds or escapes HTML: ``"file:line: what"`` per finding.

    String constants include docstrings and the literal parts of f-strings (implicitly
    concatenated literals are one constant, so ``"<ta" "ble"`` is caught).
    """
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.lower()
            found += [f"{filename}:{line}: {tag!r} in a string" for tag in HTML_TAGS if tag in text]
        elif isinstance(node, ast.Import):
            found += [
                f"{filename}:{line}: import {alias.name}"
                for alias in node.names
                if alias.name.split(".")[0] == "html"
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "html":
            found.append(f"{filename}:{line}: from {node.module} import ...")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "escape"
            and isinstance(node.value, ast.Name)
            and node.value.id == "html"
        ):
            found.append(f"{filename}:{line}: html.escape")
    return found


#: calls that load a model: ``torch.load``, ``torch.jit.load``, ``torch.export.load`` and any
#: ``*.from_pretrained``
LOADERS = ("from_pretrained",)
TORCH_LOADS = ("torch.load", "torch.jit.load", "torch.export.load")


def model_loading_in_source(source: str, filename: str = "<source>") -> list[str]:
    """Where ``source`` calls a model loader itself: ``"file:line: call"`` per finding."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = ast.unparse(node.func)
        if node.func.attr in LOADERS or name in TORCH_LOADS:
            found.append(f"{filename}:{node.lineno}: {name}(...)")
    return found


def _cli_files() -> list[Path]:
    return sorted(CLI.rglob("*.py"))


def test_the_cli_holds_no_html() -> None:
    files = _cli_files()
    assert files, f"no CLI source under {CLI}"
    bad = [
        finding
        for path in files
        for finding in html_in_source(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not bad, (
        "the CLI parses arguments and wires jobs; HTML belongs to interactkit.visualizers.report "
        "(e.g. write_audit_report):\n" + "\n".join(bad)
    )


def test_the_cli_loads_no_model() -> None:
    bad = [
        finding
        for path in _cli_files()
        for finding in model_loading_in_source(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
        )
    ]
    assert not bad, "model loading belongs to the adapters:\n" + "\n".join(bad)


def test_the_model_loading_rule_can_fail() -> None:
    source = """
import torch
m = torch.jit.load("m.pt")
p = torch.export.load("m.pt2").module()
s = torch.load("w.pt", weights_only=True)
t = AutoModel.from_pretrained("bert")
ok = load_image_model(spec)   # the adapter's: fine
"""
    found = "\n".join(model_loading_in_source(source, "s.py"))
    for call in ("s.py:3: torch.jit.load", "s.py:4: torch.export.load", "s.py:5: torch.load",
                 "s.py:6: AutoModel.from_pretrained"):  # fmt: skip
        assert call in found, (call, found)
    assert "load_image_model" not in found


def test_the_html_rule_can_fail() -> None:
    markup = '''
"""Writes <TABLE> rows."""
import html
import html.parser as parser
from html import escape

page = f"<div class='x'>{html.escape(name)}</div>"
split = "<scr" "ipt>"
'''
    found = html_in_source(markup, "synthetic.py")
    joined = "\n".join(found)
    for expected in (
        "synthetic.py:2: '<table' in a string",
        "synthetic.py:3: import html",
        "synthetic.py:4: import html.parser",
        "synthetic.py:5: from html import ...",
        "synthetic.py:7: '<div' in a string",
        "synthetic.py:7: html.escape",
        "synthetic.py:8: '<script' in a string",
    ):
        assert expected in joined, (expected, found)
    clean = '''
"""Writes report.html next to audit.json; see write_audit_report."""
from interactkit.visualizers.report import write_audit_report

print(f"wrote {out / 'report.html'} and figures; a < b <= c")
'''
    assert html_in_source(clean) == []
