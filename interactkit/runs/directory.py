"""Run directories: a ``manifest.json`` of the arguments plus one JSON file per finished shard.

One policy for every checkpointed run (GLIDER, its replication, the audit): a directory made
with other arguments is **refused**, or **started afresh when asked** (``fresh=True``: its
manifest and shard files are deleted, nothing else); both happen only while the run holds the
directory's lock (:mod:`~interactkit.runs.lock`), so a second process can neither write into
nor wipe a directory whose run is alive. Written atomically (a temporary file renamed into
place), plain versioned JSON (no pickle).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from interactkit._utils import jsonio
from interactkit._utils.warn import warn
from interactkit.runs.lock import lock_directory, make_folder
from interactkit.runs.shards import FORMAT_VERSION, SHARD_FORMAT, RunError, ShardResult

__all__ = ["MANIFEST_FORMAT", "RunDirectory"]

MANIFEST_FORMAT = "interactkit.run"


class RunDirectory:
    """A checkpoint directory: ``manifest.json`` plus one JSON file per finished shard.

    Constructing one checks the path and, unless ``fresh``, an existing manifest; nothing is
    written until :meth:`locked`.

    Args:
        path: the directory (created when missing).
        arguments: what the run's result depends on; a directory made with other arguments is
            refused with :class:`~interactkit.runs.RunError`.
        fresh: start afresh: the manifest and shard files of an earlier run are deleted once the
            lock is held (refused, like any other use, while another process holds it).
    """

    def __init__(self, path: str | Path, arguments: dict[str, Any], fresh: bool = False) -> None:
        self.path = Path(path).expanduser()
        if self.path.exists() and not self.path.is_dir():
            raise RunError(f"run directory {self.path} is a file; give a directory path")
        blocker = next((p for p in self.path.absolute().parents if p.is_file()), None)
        if blocker is not None:
            raise RunError(
                f"cannot create the run directory {self.path}: {blocker} is a file, not a folder"
            )
        self.shard_dir = self.path / "shards"
        self.manifest = self.path / "manifest.json"
        self.arguments = jsonio.jsonable(arguments)
        self.fresh = bool(fresh)
        if not self.fresh:
            self._check_manifest()

    def _check_manifest(self) -> None:
        """Refuse a manifest that is damaged, foreign or of other arguments (absent is fine)."""
        if not self.manifest.is_file():
            return
        try:
            saved, _ = jsonio.read(self.manifest, MANIFEST_FORMAT, FORMAT_VERSION)
        except jsonio.FormatError as err:
            raise RunError(
                f"{err}; this is not a usable run directory: give a new one, delete it, or start "
                "it afresh (fresh=True; CLI: --fresh)"
            ) from None
        saved_args = saved.get("arguments")
        if not isinstance(saved_args, dict):
            raise RunError(
                f"{self.manifest} has no arguments; give a new run directory or start it afresh "
                "(fresh=True; CLI: --fresh)"
            )
        if saved_args != self.arguments:
            diff = sorted(
                k
                for k in set(saved_args) | set(self.arguments)
                if saved_args.get(k) != self.arguments.get(k)
            )
            raise RunError(
                f"run directory {self.path} was made with different arguments (differs in: "
                f"{', '.join(diff)}); give a new run directory, delete this one, or start it "
                "afresh (fresh=True; CLI: --fresh)"
            )

    @contextlib.contextmanager
    def locked(self) -> Iterator[RunDirectory]:
        """Hold the directory's lock (``run.lock``) while a run reads and writes it.

        Under the lock: with ``fresh``, the earlier run's manifest and shards are deleted; the
        manifest is checked again (another process may have written it meanwhile) or written.
        A second process on the same directory is refused (it would compute every shard again
        and race on the files, or delete them); a lock left by a process that no longer runs
        (``kill -9``) is taken over, so a killed run resumes.
        """
        with lock_directory(self.path, "run directory"):
            if self.fresh:
                self._clear()
                self.fresh = False  # once: a resumed block must not wipe its own shards
            self._check_manifest()
            make_folder(self.shard_dir, named=self.path)
            if not self.manifest.is_file():
                manifest_data = {
                    "format": MANIFEST_FORMAT,
                    "version": FORMAT_VERSION,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "arguments": self.arguments,
                }
                jsonio.atomic_write(self.manifest, json.dumps(manifest_data))
            yield self

    def _clear(self) -> None:
        """Delete what a run writes here (manifest, shard files); nothing else is touched."""
        self.manifest.unlink(missing_ok=True)
        if self.shard_dir.is_dir():
            for pattern in ("shard-*.json", ".shard-*.tmp"):  # and half-written ones
                for path in self.shard_dir.glob(pattern):
                    path.unlink(missing_ok=True)

    def shard_path(self, index: int) -> Path:
        """Where shard ``index`` is saved."""
        return self.shard_dir / f"shard-{index:06d}.json"

    def finished(self) -> dict[int, ShardResult]:
        """Shards already written.

        A half-written temporary file is ignored; a damaged shard file (truncated, edited) is
        reported with a warning naming it and left out, so the run computes that shard again.
        """
        out = {}
        for path in sorted(self.shard_dir.glob("shard-*.json")):
            try:
                data, _ = jsonio.read(path, SHARD_FORMAT, FORMAT_VERSION)
                shard = ShardResult.from_dict(data)
            except (jsonio.FormatError, RunError) as err:
                warn(
                    f"{err}; shard file {path} is damaged and its shard will be computed again",
                    RuntimeWarning,
                )
                continue
            if path.name != self.shard_path(shard.index).name:
                warn(
                    f"{path} holds shard {shard.index}; ignored (computed again)",
                    RuntimeWarning,
                )
                continue
            out[shard.index] = shard
        return out

    def write(self, shard: ShardResult) -> None:
        """Save a finished shard (atomically)."""
        jsonio.atomic_write(self.shard_path(shard.index), json.dumps(shard.to_dict()))
