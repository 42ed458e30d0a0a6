"""JSON helpers shared by the result classes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def dump(data: dict[str, Any], path: str | Path | None = None, indent: int | None = None) -> str:
    """``data`` as JSON text, also written to ``path`` when given."""
    text = json.dumps(data, indent=indent)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def load(source: str | Path) -> dict[str, Any]:
    """Parse a JSON string, or the JSON file at ``source``."""
    text = str(source)
    if not text.lstrip().startswith("{"):
        text = Path(source).read_text(encoding="utf-8")
    return json.loads(text)
