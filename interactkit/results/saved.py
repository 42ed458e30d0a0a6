"""What every saved result shares: versioned JSON to and from files and texts."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, TypeVar

from interactkit._utils import jsonio

__all__ = ["Saved"]

SavedT = TypeVar("SavedT", bound="Saved")


class Saved:
    """Mixin of the result classes: ``to_json`` / ``from_json`` / ``from_dict``.

    A subclass sets :attr:`FORMAT` and :attr:`FORMAT_VERSION`, writes ``to_dict`` (with the two
    as ``"format"``/``"version"``) and ``_build(data)``, which rebuilds the object from a checked
    dict; a missing or mistyped field there becomes a ``FormatError`` naming the source.
    """

    FORMAT: ClassVar[str]
    FORMAT_VERSION: ClassVar[int]

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _build(cls: type[SavedT], data: dict[str, Any]) -> SavedT:
        raise NotImplementedError

    @classmethod
    def from_dict(cls: type[SavedT], data: dict[str, Any]) -> SavedT:
        """Rebuild from :meth:`to_dict` output (a damaged dict raises ``FormatError``)."""
        jsonio.check_format(data, cls.FORMAT, cls.FORMAT_VERSION, "the data")
        with jsonio.fields_of(f"the saved {cls.__name__}"):
            return cls._build(data)

    def to_json(self, path: str | Path | None = None, indent: int | None = None) -> str:
        """Serialise to JSON (and write it, atomically, to ``path`` if given)."""
        return jsonio.dump(self.to_dict(), path, indent)

    @classmethod
    def from_json(cls: type[SavedT], source: str | Path) -> SavedT:
        """Load from a JSON string or a path to a JSON file."""
        data, where = jsonio.read(source, cls.FORMAT, cls.FORMAT_VERSION)
        with jsonio.fields_of(where):
            return cls._build(data)
