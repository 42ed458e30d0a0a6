"""Loading the reference MADEX (the authors' code) from a checkout the reader gives.

The reference is not a package: its modules import each other by top-level name
(``from utils.general_utils import *``, ``from utils.lime import lime_base``). Rather than put
its folder on ``sys.path`` (which would let any of its module names shadow installed ones for
the whole process), each of its files is loaded from its path and registered under the name the
others import it by; ``utils`` becomes a package whose search path is the checkout's ``utils``
folder, so its submodules are found there and nowhere else.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple


class ReferenceMADEX(NamedTuple):
    """The three functions of the reference that the speed benchmark calls."""

    detect_interactions: Callable
    proprocess_data: Callable  # sic: the reference's own spelling
    generate_binary_perturbations: Callable


def _load_file(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as {name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # registered first: the reference's files import each other
    spec.loader.exec_module(module)
    return module


def _utils_package(folder: Path) -> None:
    """Register the checkout's ``utils`` folder as the package ``utils``."""
    path = folder / "utils"
    if not path.is_dir():
        raise FileNotFoundError(f"{folder} has no utils/ folder: not a reference MADEX checkout")
    init = path / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(
            "utils", init, submodule_search_locations=[str(path)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules["utils"] = package
        spec.loader.exec_module(package)
    else:  # a folder without __init__.py: a namespace package rooted at the checkout only
        package = types.ModuleType("utils")
        package.__path__ = [str(path)]
        sys.modules["utils"] = package


def load_reference_madex(folder: Path) -> ReferenceMADEX:
    """The reference MADEX of ``folder``: its ``1. madex`` folder, or any folder holding its
    ``neural_interaction_detection.py``, ``utils/general_utils.py`` and the sampler
    (``sampling.py`` or ``sampling_and_inference.py``)."""
    folder = Path(folder).resolve()
    _utils_package(folder)
    nid = _load_file("neural_interaction_detection", folder / "neural_interaction_detection.py")
    general = importlib.import_module("utils.general_utils")  # loaded by nid from the checkout
    failures = []
    for name in ("sampling", "sampling_and_inference"):  # the sampler's name differs by version
        path = folder / f"{name}.py"
        if not path.is_file():
            continue
        try:
            sampler = _load_file(name, path)
            break
        except ImportError as err:
            sys.modules.pop(name, None)
            failures.append(f"{path.name}: {err}")
    else:
        raise ImportError(f"no usable sampler in {folder}: {failures or 'no sampler file'}")
    return ReferenceMADEX(
        nid.detect_interactions, general.proprocess_data, sampler.generate_binary_perturbations
    )
