"""Run directories: a ``manifest.json`` of the arguments plus one JSON file per finished shard.

Written atomically (a temporary file renamed into place), plain versioned JSON (no pickle).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from interactkit._utils import jsonio
from interactkit._utils.warn import warn
from interactkit.runs.shards import FORMAT_VERSION, SHARD_FORMAT, RunError, ShardResult

__all__ = ["MANIFEST_FORMAT", "RunDirectory"]

MANIFEST_FORMAT = "interactkit.run"


class RunDirectory:
    """A checkpoint directory: ``manifest.json`` plus one JSON file per finished shard.

    Args:
        path: the directory (created when missing).
        arguments: what the run's result depends on; a directory made with other arguments is
            refused with :class:`~interactkit.runs.RunError`.
    """

    def __init__(self, path: str | Path, arguments: dict[str, Any]) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise RunError(f"run directory {self.path} is a file; give a directory path")
        blocker = next((p for p in self.path.absolute().parents if p.is_file()), None)
        if blocker is not None:
            raise RunError(
                f"cannot create the run directory {self.path}: {blocker} is a file, not a folder"
            )
        self.shard_dir = self.path / "shards"
        self.arguments = jsonio.jsonable(arguments)
        manifest = self.path / "manifest.json"
        if manifest.is_file():
            try:
                saved, _ = jsonio.read(manifest, MANIFEST_FORMAT, FORMAT_VERSION)
            except jsonio.FormatError as err:
                raise RunError(
                    f"{err}; this is not a usable run directory: give a new one or delete it"
                ) from None
            saved_args = saved.get("arguments")
            if not isinstance(saved_args, dict):
                raise RunError(f"{manifest} has no arguments; give a new run directory")
            if saved_args != self.arguments:
                diff = sorted(
                    k
                    for k in set(saved_args) | set(self.arguments)
                    if saved_args.get(k) != self.arguments.get(k)
                )
                raise RunError(
                    f"run directory {self.path} was made with different arguments (differs in: "
                    f"{', '.join(diff)}); give a new run directory or delete this one"
                )
        else:
            _make_dir(self.shard_dir, self.path)
            manifest_data = {
                "format": MANIFEST_FORMAT,
                "version": FORMAT_VERSION,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "arguments": self.arguments,
            }
            jsonio.atomic_write(manifest, json.dumps(manifest_data))
        _make_dir(self.shard_dir, self.path)

    @contextlib.contextmanager
    def locked(self) -> Iterator[RunDirectory]:
        """Hold the directory's lock (``run.lock``) while a run writes to it.

        A second process on the same directory is refused (it would compute every shard again
        and race on the files). A lock left by a process that no longer runs (``kill -9``) is
        taken over, so a killed run resumes.
        """
        lock = self.path / "run.lock"
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        for _ in range(2):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = _read_lock(lock)
                if holder is not None and _alive(holder):
                    raise RunError(
                        f"run directory {self.path} is in use by process {holder.get('pid')} on "
                        f"{holder.get('host')} (since {time.ctime(holder.get('since', 0))}); "
                        "wait for it to finish, or use another run directory (if no run is "
                        f"active, delete {lock})"
                    ) from None
                lock.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(me, fh)
            break
        else:  # pragma: no cover - another process won the race twice
            raise RunError(f"could not lock run directory {self.path}; try again")
        try:
            yield self
        finally:
            if _read_lock(lock) == me:
                lock.unlink(missing_ok=True)

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


def _make_dir(path: Path, run: Path) -> None:
    """``mkdir -p path``; an OS refusal (permissions, read-only disk) as a RunError naming it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunError(
            f"cannot create the run directory {run} ({err.strerror or err}); give a folder "
            "you can write to"
        ) from None


def _read_lock(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # half-written or gone: treated as stale
    return data if isinstance(data, dict) else None


def _alive(holder: dict[str, Any]) -> bool:
    """Whether the process holding a lock may still run (unknown hosts are assumed alive)."""
    if holder.get("host") != socket.gethostname():
        return True
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
