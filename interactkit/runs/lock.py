"""A folder's lock: one process at a time writes a run directory (or an audit's output folder).

The lock is a file ``run.lock`` holding the owner's pid, host and start time, created with
``O_EXCL`` (atomic on a local disk). A second process is refused while the owner lives -- also
when it asks to start the folder afresh, so nothing a running job computed can be deleted under
it. A lock left by a process that no longer runs (``kill -9``) is taken over, so a killed run
resumes.
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

from interactkit.runs.shards import RunError

__all__ = ["LOCK_NAME", "lock_directory", "make_folder"]

LOCK_NAME = "run.lock"


@contextlib.contextmanager
def lock_directory(path: str | os.PathLike[str], what: str = "run directory") -> Iterator[Path]:
    """Hold ``path``'s lock (creating the folder) while the block runs.

    Args:
        path: the folder.
        what: how errors name it (``"run directory"``, ``"output folder"``).

    Raises:
        RunError: another live process holds the lock (the message names it and what to do).
    """
    folder = Path(path)
    make_folder(folder, what)
    lock = folder / LOCK_NAME
    me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _read_lock(lock)
            if holder is not None and _alive(holder):
                raise RunError(
                    f"{what} {folder} is in use by process {holder.get('pid')} on "
                    f"{holder.get('host')} (since {time.ctime(holder.get('since', 0))}); wait "
                    f"for it to finish, or use another {what} (if no run is active, delete "
                    f"{lock})"
                ) from None
            lock.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh)
        break
    else:  # pragma: no cover - another process won the race twice
        raise RunError(f"could not lock the {what} {folder}; try again")
    try:
        yield folder
    finally:
        if _read_lock(lock) == me:
            lock.unlink(missing_ok=True)


def make_folder(path: Path, what: str = "run directory", named: Path | None = None) -> None:
    """``mkdir -p path``; an OS refusal (permissions, read-only disk) as a RunError naming the
    folder (``named``, default ``path``)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunError(
            f"cannot create the {what} {named or path} ({err.strerror or err}); give a folder "
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
