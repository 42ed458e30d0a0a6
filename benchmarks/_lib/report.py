"""What the benchmark modules share: the results header and running the chosen parts.

Each runnable module builds ``{name: (section title, function returning markdown)}`` and calls
:func:`run_parts`; the markdown goes to stdout and, with ``out``, to the results file.
"""

from __future__ import annotations

import platform
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks._lib.paths import REPO


def machine() -> str:
    """The machine line of most results: architecture, torch threads (as set when called),
    torch and interactkit versions."""
    import torch

    import interactkit

    threads = torch.get_num_threads()
    return (
        f"{platform.machine()}, {threads} torch thread{'' if threads == 1 else 's'}, torch "
        f"{torch.__version__}, interactkit {interactkit.__version__}"
    )


def command(script: str) -> str:
    """The command that reruns this process: ``python -m benchmarks.<domain>.<name> ARGS``.

    Built from the module's file (``script`` = its ``__file__``) rather than ``sys.argv[0]``,
    which under ``python -m`` is the file's absolute path, not something a reader can type.
    """
    module = ".".join(Path(script).resolve().relative_to(REPO).with_suffix("").parts)
    return f"python -m {module} {shlex.join(sys.argv[1:])}".rstrip()


def header(title: str, script: str, machine: str) -> list[str]:
    """The title, the exact command that ran (for the results file) and the machine line."""
    return [f"# {title}", "", f"Command: `{command(script)}`", "", f"Machine: {machine}"]


def run_parts(
    sections: list[str],
    parts: dict[str, tuple[str, Callable[[], str]]],
    chosen: Sequence[str],
    out: Path | None,
    timed: bool = False,
) -> None:
    """Run the ``chosen`` parts in order, printing each section as it finishes; write ``out``."""
    unknown = [name for name in chosen if name not in parts]
    if unknown:
        raise SystemExit(f"unknown part(s) {unknown}; choose from {list(parts)}")
    for name in chosen:
        title, fn = parts[name]
        start = time.perf_counter()
        block = ["", f"## {title}", "", fn()]
        if timed:
            block += ["", f"_({time.perf_counter() - start:.0f} s)_"]
        sections += block
        print("\n".join(block), flush=True)
    text = "\n".join(sections) + "\n"
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    print(text)
