"""The ``interactkit`` command: the application layer.

Each job is a module of this package with ``register(subparsers)``, which adds its sub-command
and sets ``func``. This is the only part of ``interactkit`` that reaches into
:mod:`interactkit.adapters` and :mod:`interactkit.visualizers`, and it does so inside each job's
``run``, so ``interactkit --help`` stays fast and nothing in the core depends on a domain.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from interactkit import __version__

APPS = ("audit", "explain_image", "explain_text", "quickstart")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interactkit",
        description="Explain black-box models through feature interactions.",
    )
    parser.add_argument("--version", action="version", version=f"interactkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in APPS:
        importlib.import_module(f"interactkit.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, TypeError) as err:
        print(f"interactkit {args.command}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
