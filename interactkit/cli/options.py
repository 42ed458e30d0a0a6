"""Checked command-line options, shared by every ``interactkit`` job.

Each checker is an ``argparse`` ``type=``: it turns the option's text into a value or raises
:class:`argparse.ArgumentTypeError` with a message that says what is expected, so a bad option
fails while the command line is parsed, before any work starts, and :func:`interactkit.cli.main`
prints it as one line (``interactkit audit: error: argument --instances: must be an integer >=
1, got '-3'``) with exit code 1::

    parser.add_argument("--instances", type=positive_int, default=300)
    parser.add_argument("--samples", type=int_at_least(20), default=6000)
    parser.add_argument("--level", type=fraction, default=0.95)
    parser.add_argument("--seed", type=seed, default=0)
    parser.add_argument("--out", type=output_dir, default=Path("interactkit-audit"))
    parser.add_argument("--device", type=device, default=None)
    parser.add_argument("--model", type=input_file)

``output_dir`` only checks (it creates nothing while parsing); a job calls
:func:`prepare_output_dir` right before its work to create the folder. :func:`check_namespace`
runs the same checks on a ``Namespace`` that did not come from the parser (a job's ``run``
called from Python). :class:`Parser` is the ``ArgumentParser`` of ``main``, whose errors become
:class:`UsageError` instead of exiting.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "Parser",
    "PartlySavedError",
    "UsageError",
    "check_namespace",
    "device",
    "float_in",
    "fraction",
    "input_file",
    "int_at_least",
    "int_in",
    "nonnegative_int",
    "output_dir",
    "positive_float",
    "positive_int",
    "prepare_output_dir",
    "seed",
]

MAX_SEED = 2**63 - 1


class UsageError(Exception):
    """A command line that does not parse or an option out of range (``prog``: who says it)."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class PartlySavedError(RuntimeError):
    """A job failed after it saved part of its results; the message says where they are."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises :class:`UsageError` instead of printing and exiting.

    Sub-parsers made with ``add_subparsers().add_parser`` inherit the class, so an error in any
    job's options reaches ``main`` with the job's ``prog`` (``"interactkit audit"``).
    """

    #: the sub-command names (set by :func:`interactkit.cli.build_parser`)
    commands: tuple[str, ...] = ()

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message)


# ------------------------------------------------------------------------------------ numbers


def _integer(text: str | int) -> int:
    if isinstance(text, bool):
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}")
    if isinstance(text, int):
        return text
    cleaned = str(text).strip().replace("_", "")
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:  # "1e3" or "300.0": a whole number written as a float
        value = float(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if not math.isfinite(value) or value != int(value):
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}")
    return int(value)


def int_in(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """A checker of integers in ``[low, high]`` (``None``: unbounded on that side)."""

    def check(text: str) -> int:
        value = _integer(text)
        if low is not None and value < low:
            bound = f">= {low}" if high is None else f"in {low}..{high}"
            raise argparse.ArgumentTypeError(f"must be an integer {bound}, got {text!r}")
        if high is not None and value > high:
            bound = f"<= {high}" if low is None else f"in {low}..{high}"
            raise argparse.ArgumentTypeError(f"must be an integer {bound}, got {text!r}")
        return value

    check.__name__ = "integer"
    return check


def int_at_least(low: int) -> Callable[[str], int]:
    """A checker of integers ``>= low``."""
    return int_in(low, None)


positive_int = int_in(1)
"""An integer >= 1 (counts: instances, samples, seeds, epochs, top-k...)."""
positive_int.__name__ = "positive_int"

nonnegative_int = int_in(0)
"""An integer >= 0 (a count where 0 means "none", e.g. bootstrap resamples)."""
nonnegative_int.__name__ = "nonnegative_int"


def seed(text: str) -> int:
    """A random seed: an integer in ``0 .. 2**63 - 1``."""
    value = _integer(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be a seed >= 0, got {text!r}")
    return value


def float_in(
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> Callable[[str], float]:
    """A checker of finite floats between ``low`` and ``high`` (open ends when asked)."""
    lo = "" if low is None else ("(" if low_open else "[") + f"{low:g}"
    hi = "" if high is None else f"{high:g}" + (")" if high_open else "]")
    if low is not None and high is not None:
        expected = f"a number in {lo}, {hi}"
    elif low is not None:
        expected = f"a number {'>' if low_open else '>='} {low:g}"
    elif high is not None:
        expected = f"a number {'<' if high_open else '<='} {high:g}"
    else:
        expected = "a finite number"

    def check(text: str) -> float:
        try:
            value = float(str(text).strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {expected}, got {text!r}") from None
        too_low = low is not None and (value <= low if low_open else value < low)
        too_high = high is not None and (value >= high if high_open else value > high)
        if not math.isfinite(value) or too_low or too_high:
            raise argparse.ArgumentTypeError(f"must be {expected}, got {text!r}")
        return value

    check.__name__ = "number"
    return check


positive_float = float_in(0.0, None, low_open=True)
"""A finite float > 0 (a learning rate, a kernel width, a time limit)."""
positive_float.__name__ = "positive_float"

fraction = float_in(0.0, 1.0, low_open=True, high_open=True)
"""A float strictly between 0 and 1 (a confidence level, a share of the rows)."""
fraction.__name__ = "fraction"


# ------------------------------------------------------------------------------ paths, device


def _first_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists."""
    current = path
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def output_dir(text: str | os.PathLike[str]) -> Path:
    """A folder to write results to: missing (it is created later) or an existing directory.

    Refused: an existing file, a path below a file, and a folder this user cannot write in.
    Nothing is created while parsing; call :func:`prepare_output_dir` before writing.
    """
    raw = os.fspath(text)
    if not str(raw).strip():
        raise argparse.ArgumentTypeError("must be a directory path, got an empty string")
    path = Path(raw).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{raw} is a file, not a directory; give a directory (it is created when missing)"
        )
    existing = _first_existing(path.absolute())
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(
            f"cannot create the directory {raw}: {existing} is a file, not a directory"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "write to" if existing == path.absolute() else f"create {raw} in"
        raise argparse.ArgumentTypeError(
            f"cannot {what} {existing}: permission denied; give a directory you can write to"
        )
    return path


def prepare_output_dir(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Create the output folder ``path`` (and its parents) after checking it with
    :func:`output_dir`; errors name the option.

    Raises:
        ValueError: the path is a file, lies below a file, or cannot be created.
    """
    try:
        checked = output_dir(path)
        checked.mkdir(parents=True, exist_ok=True)
    except argparse.ArgumentTypeError as err:
        raise ValueError(f"{option}: {err}") from None
    except OSError as err:
        raise ValueError(f"{option}: cannot create the directory {path}: {err.strerror}") from None
    return checked


def input_file(text: str | os.PathLike[str]) -> Path:
    """An existing, readable file (a model, a data file)."""
    raw = os.fspath(text)
    path = Path(raw).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{raw} is a directory, not a file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {raw}")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"cannot read {raw}: permission denied")
    return path


def device(text: str) -> str:
    """A torch device that exists here (``cpu``, ``cuda``, ``cuda:1``, ``mps``), as its name.

    ``--device cuda`` on a machine without a usable GPU is refused with what to use instead.
    """
    from interactkit._utils.tensors import check_device

    try:
        return str(check_device(str(text), name="device"))
    except (TypeError, ValueError) as err:
        raise argparse.ArgumentTypeError(str(err).replace("device='cpu'", "--device cpu")) from None


# ------------------------------------------------------------------------------- namespaces


def check_namespace(args: argparse.Namespace, checks: Mapping[str, Callable[[Any], Any]]) -> None:
    """Run ``checks`` (``{attribute: checker}``) on a Namespace; None values are skipped.

    For a job's ``run(args)`` called with a Namespace built in Python, which bypassed the
    parser: each value is replaced by its checked form.

    Raises:
        ValueError: a value fails its check (the message names the option, ``--n-samples``).
    """
    for name, checker in checks.items():
        value = getattr(args, name, None)
        if value is None:
            continue
        try:
            setattr(args, name, checker(value))
        except argparse.ArgumentTypeError as err:
            raise ValueError(f"argument --{name.replace('_', '-')}: {err}") from None
