"""Model files that carry their own code: TorchScript (``torch.jit.save``) and ``torch.export``
(``torch.export.save``) archives. The one loader of both, for every domain.

The kind of a file is read from its zip directory (TorchScript archives hold ``code/``,
``torch.export`` archives ``archive_format``), not from its name. Nothing is unpickled: a
``state_dict`` or a pickled model (``torch.save(model)``) is refused with what to save instead.
"""

from __future__ import annotations

import logging
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

__all__ = ["PROGRAM_KINDS", "ProgramFile", "load_program", "program_kind"]

PROGRAM_KINDS = ("torchscript", "torch.export")
_DESCRIBE = {
    "torchscript": "a TorchScript model (torch.jit.save)",
    "torch.export": "a torch.export program (torch.export.save)",
}
_HOW_TO_SAVE = (
    "a state_dict or a pickled model cannot be loaded without its code: save the model with "
    "torch.jit.save(torch.jit.script(model), 'model.pt') or torch.export.save"
)


def program_kind(path: str | os.PathLike[str]) -> str | None:
    """``"torchscript"``, ``"torch.export"``, or None for a file that is neither (not a zip
    archive, or a zip archive of another kind, such as ``torch.save``'s)."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    parts = {p for name in names for p in name.split("/")[1:2]}
    if "code" in parts or any(n.endswith("/constants.pkl") for n in names):
        return "torchscript"
    if "archive_format" in parts or "models" in parts:
        return "torch.export"
    return None


class ProgramFile:
    """A loaded TorchScript or ``torch.export`` program, called without gradients.

    ``program(x)`` returns what the saved program returns. Not a ``torch.nn.Module``: an exported
    program cannot be switched to eval mode, so it is called as saved.

    Attributes:
        program: the loaded program (a ``ScriptModule`` or the exported program's module).
        kind: ``"torchscript"`` or ``"torch.export"``.
        path: the file it was loaded from.
        device: where it runs.
    """

    def __init__(self, program: Any, kind: str, path: Path, device: torch.device) -> None:
        self.program = program
        self.kind = kind
        self.path = path
        self.device = device

    def __call__(self, x: torch.Tensor) -> Any:
        with torch.no_grad():
            return self.program(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.kind}, {self.path.name})"


def load_program(
    path: str | os.PathLike[str], device: torch.device | str = "cpu", option: str = "model"
) -> ProgramFile:
    """Load a TorchScript or ``torch.export`` file onto ``device``.

    Args:
        path: the file.
        device: where the program runs.
        option: how errors name the file's origin (e.g. ``"--model"``).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is neither kind (damaged, a ``state_dict``, a pickled model) or
            fails to load; the message says which and what to save instead.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{option} {path} is a directory; give a model file (.pt2 or .pt)")
    if not path.is_file():
        raise FileNotFoundError(f"{option} {path}: no such file")
    device = torch.device(device)
    kind = program_kind(path)
    if kind is None:
        # the suffix is only a guess of what the user meant, for the message
        meant = "torch.export" if path.suffix == ".pt2" else "torchscript"
        what = (
            "not a zip archive: the file is damaged or of another format"
            if not zipfile.is_zipfile(path)
            else "a zip archive of neither kind"
        )
        raise ValueError(
            f"{option} {path}: cannot load it as {_DESCRIBE[meant]} ({what}); {_HOW_TO_SAVE}"
        )
    # torch.export logs a damaged archive's traceback before failing; the error below says it
    export_log = logging.getLogger("torch.export")
    level = export_log.level
    export_log.setLevel(logging.CRITICAL)
    try:
        if kind == "torchscript":
            with warnings.catch_warnings():  # torch deprecates TorchScript; its files still load
                warnings.filterwarnings("ignore", category=FutureWarning, module="torch")
                program = torch.jit.load(str(path), map_location=device)
            program.eval()
        else:
            program = torch.export.load(str(path)).module().to(device)
    except Exception as err:  # zipfile, pickle and torch errors of a damaged or foreign file
        raise ValueError(
            f"{option} {path}: cannot load it as {_DESCRIBE[kind]} ({type(err).__name__}: "
            f"{first_sentence(err)}); the file is damaged, or {_HOW_TO_SAVE}"
        ) from None
    finally:
        export_log.setLevel(level)
    return ProgramFile(program, kind, path, device)


def first_sentence(err: BaseException) -> str:
    """The first sentence of an error's message (torch's go on for a paragraph)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    first = lines[0] if lines else type(err).__name__
    return first.split(". ", 1)[0].rstrip(".")
