"""Progress of long stages: a bar on a terminal or in a notebook, log lines in a job log.

``progress(total, desc, unit, enabled)``:

* ``enabled=True``: a tqdm bar;
* ``enabled=False``: nothing;
* ``enabled=None`` (default): a tqdm bar on a terminal or in a notebook; otherwise (a job log, a
  pipe) a plain line on stderr once the stage has run :data:`LOG_EVERY` seconds and then at
  least every :data:`LOG_EVERY` seconds, even while a step is still running (a heartbeat thread),
  plus a last line when the stage ends -- ``GLIDER: 120/300 instances (40%), 35 s elapsed, about
  52 s left``. A stage shorter than that prints nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

from tqdm.auto import tqdm

__all__ = ["LOG_EVERY", "LogProgress", "progress"]

#: seconds between two log lines of a stage (and before the first one)
LOG_EVERY = 30.0


def _interactive(stream: TextIO) -> bool:
    if getattr(stream, "isatty", lambda: False)():
        return True
    shell = sys.modules.get("IPython")
    return bool(shell is not None and getattr(shell, "get_ipython", lambda: None)())


class LogProgress:
    """Progress as log lines (see the module docstring); the tqdm calls used here."""

    def __init__(
        self,
        total: int | None,
        desc: str,
        unit: str,
        stream: TextIO | None = None,
        every: float = LOG_EVERY,
    ) -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self.n = 0
        self.postfix = ""
        self.start = time.monotonic()
        self.printed = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"progress-{desc}", daemon=True)
        self._thread.start()

    def _line(self) -> str:
        elapsed = time.monotonic() - self.start
        done = f"{self.n}/{self.total}" if self.total else f"{self.n}"
        parts = [f"{self.desc}: {done} {self.unit}s"]
        if self.total:
            parts[0] += f" ({self.n / self.total:.0%})"
        parts.append(f"{elapsed:.0f} s elapsed")
        if self.total and 0 < self.n < self.total:
            parts.append(f"about {elapsed / self.n * (self.total - self.n):.0f} s left")
        if self.postfix:
            parts.append(self.postfix)
        return ", ".join(parts)

    def _emit(self) -> None:
        with self._lock:
            print(self._line(), file=self.stream, flush=True)
            self.printed = True

    def _beat(self) -> None:
        while not self._done.wait(self.every):
            self._emit()

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix(self, **values: Any) -> None:
        self.postfix = ", ".join(f"{k}={v}" for k, v in values.items())

    def close(self) -> None:
        if self._done.is_set():
            return
        self._done.set()
        if self.printed:
            self._emit()


def progress(
    total: int | None,
    desc: str,
    unit: str = "it",
    enabled: bool | None = None,
    leave: bool = True,
    stream: TextIO | None = None,
) -> Any:
    """A progress reporter for a stage of ``total`` steps (see the module docstring).

    Returns an object with ``update(n)``, ``set_postfix(**kw)`` and ``close()``.
    """
    stream = stream if stream is not None else sys.stderr
    if enabled is False:
        return tqdm(total=total, disable=True)
    if enabled is True or _interactive(stream):
        return tqdm(total=total, desc=desc, unit=unit, leave=leave, smoothing=0.1, file=stream)
    return LogProgress(total, desc, unit, stream=stream)
