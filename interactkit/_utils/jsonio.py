"""Versioned JSON files: the one way results, run directories and audits are saved and loaded.

Every saved object is a JSON object with ``"format"`` (what it is, e.g.
``"interactkit.LocalExplanation"``) and ``"version"`` (an int bumped on incompatible changes).
:func:`load` reads a JSON text or a file; :func:`check_format` refuses anything else with an
error that names the source; :func:`atomic_write` writes through a temporary file and a rename,
so a crash never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "FormatError",
    "atomic_write",
    "check_format",
    "dump",
    "fields_of",
    "jsonable",
    "load",
    "read",
]


class FormatError(ValueError):
    """A file or JSON text is not the saved object it should be (or is damaged)."""


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars/arrays as Python numbers/lists and non-finite floats as None.

    Keys of mappings become strings; anything else that JSON cannot hold becomes its ``str``.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def dump(data: dict[str, Any], path: str | Path | None = None, indent: int | None = None) -> str:
    """``data`` as JSON text, also written (atomically) to ``path`` when given."""
    text = json.dumps(data, indent=indent, allow_nan=False)
    if path is not None:
        atomic_write(Path(path), text)
    return text


def _describe(source: str | Path) -> str:
    return f"{source}" if isinstance(source, Path) else "the JSON text"


def load(source: str | Path, what: str = "JSON") -> tuple[Any, str]:
    """Parse a JSON text, or the JSON file at ``source``.

    A :class:`~pathlib.Path`, or a string naming an existing file, is read as a file; another
    string is parsed as JSON text when it starts with ``{`` or ``[``, else treated as a path that
    does not exist.

    Returns:
        ``(parsed value, description of the source)`` -- the description names the file, for
        error messages.

    Raises:
        FileNotFoundError: no such file.
        FormatError: the text is not valid JSON (the message names the file and position).
    """
    if isinstance(source, Path) or (isinstance(source, str) and _is_file(source)):
        path = Path(source)
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise FileNotFoundError(f"{what}: no such file {path}") from None
        except UnicodeDecodeError as err:
            raise FormatError(f"{what}: {path} is not a UTF-8 JSON file ({err.reason})") from None
        except IsADirectoryError:
            raise FormatError(f"{what}: {path} is a directory, not a JSON file") from None
    elif isinstance(source, str):
        if not source.lstrip().startswith(("{", "[")):
            raise FileNotFoundError(f"{what}: no such file {source}")
        text, where = source, "the JSON text"
    else:
        raise TypeError(f"{what}: expected a JSON string or a path, got {type(source).__name__}")
    try:
        return json.loads(text), where
    except json.JSONDecodeError as err:
        raise FormatError(
            f"{what}: {where} is not valid JSON ({err.msg} at line {err.lineno}, column "
            f"{err.colno}); the file may be truncated or damaged"
        ) from None


def _is_file(text: str) -> bool:
    try:
        return len(text) < 4096 and Path(text).is_file()
    except (OSError, ValueError):
        return False


def check_format(data: Any, fmt: str, version: int, where: str = "the JSON text") -> dict:
    """Check that ``data`` is a saved ``fmt`` object of a version this code reads.

    Raises:
        FormatError: not a JSON object, another format, or a newer version.
    """
    if not isinstance(data, dict):
        raise FormatError(
            f"{where} holds a JSON {type(data).__name__}, not a saved {fmt.split('.')[-1]} "
            f"(a JSON object with format {fmt!r})"
        )
    if data.get("format") != fmt:
        raise FormatError(
            f"{where} is not a saved {fmt.split('.')[-1]}: its format is "
            f"{data.get('format')!r}, expected {fmt!r}"
        )
    saved = data.get("version", 0)
    if isinstance(saved, bool) or not isinstance(saved, int):
        raise FormatError(f"{where}: version {saved!r} is not an integer")
    if saved > version:
        raise FormatError(
            f"{where} was written in {fmt} version {saved}, newer than this interactkit reads "
            f"({version}); upgrade interactkit"
        )
    return data


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place (fsync'd).

    Raises:
        IsADirectoryError: ``path`` is a directory. FileNotFoundError / NotADirectoryError:
            its folder does not exist, or is a file (errors name ``path``, not the temporary
            file).
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory; give a file name")
    folder = path.parent
    if not folder.is_dir():
        if folder.exists():
            raise NotADirectoryError(f"cannot write {path}: {folder} is a file, not a folder")
        raise FileNotFoundError(
            f"cannot write {path}: the folder {folder} does not exist; create it first"
        )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def read(source: str | Path, fmt: str, version: int) -> tuple[dict[str, Any], str]:
    """:func:`load` then :func:`check_format`: a saved ``fmt`` object from a JSON text or file.

    Returns:
        ``(data, description of the source)``.
    """
    data, where = load(source, fmt.split(".")[-1])
    return check_format(data, fmt, version, where), where


@contextlib.contextmanager
def fields_of(where: str) -> Iterator[None]:
    """Turn a missing or mistyped field met while rebuilding a saved object into a FormatError."""
    try:
        yield
    except FormatError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as err:
        detail = f"missing field {err}" if isinstance(err, KeyError) else f"{err}"
        raise FormatError(f"{where} is incomplete or damaged ({detail})") from None


def number(value: Any, name: str) -> float:
    """A finite float read from saved data (bools and non-numbers refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value}")
    return out


def opt_number(value: Any, name: str) -> float | None:
    """:func:`number`, or None."""
    return None if value is None else number(value, name)


def integer(value: Any, name: str) -> int:
    """An int read from saved data (bools, floats and strings refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    return value


def opt_integer(value: Any, name: str) -> int | None:
    """:func:`integer`, or None."""
    return None if value is None else integer(value, name)


def strings(value: Any, name: str) -> list[str]:
    """A list of strings read from saved data."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{name} must be a list of strings")
    return list(value)


def numbers(value: Any, name: str, length: int | None = None) -> np.ndarray:
    """A 1-D array of finite floats (of ``length`` when given) read from saved data."""
    if not isinstance(value, list):
        raise TypeError(f"{name} must be a list of numbers, got {type(value).__name__}")
    out = np.asarray([number(v, name) for v in value], dtype=float)
    if length is not None and out.shape != (length,):
        raise ValueError(f"{name} has {out.shape[0]} entries, expected {length}")
    return out


def mapping(value: Any, name: str) -> dict[str, Any]:
    """A JSON object (or None, read as empty) from saved data."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be an object, got {type(value).__name__}")
    return value


def sequence(value: Any, name: str) -> list[Any]:
    """A JSON list from saved data."""
    if not isinstance(value, list):
        raise TypeError(f"{name} must be a list, got {type(value).__name__}")
    return value
