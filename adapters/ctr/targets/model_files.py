"""Loading the model to audit: ``module.path:factory``, TorchScript, ``torch.export`` or a source
model saved by interactkit. Nothing is unpickled.

* ``"module.path:factory"``: the module is imported (from the current directory or
  ``PYTHONPATH``) and ``factory()`` is called; a factory with a parameter named ``data`` is
  called as ``factory(data=data)`` with the audit's :class:`CTRData` (its raw rows are
  ``data.raw_rows("train")``), so it may train the model on the audit's data. It returns any model
  the audit takes: a raw-row model (``predict(df)`` or an object with ``predict_proba``), a model
  of interactkit's encoded rows (a torch module, a DeepCTR-Torch model) or a
  :class:`~interactkit.adapters.ctr.SourceModel`.
* a TorchScript file (``torch.jit.save``) or a ``torch.export`` file (``torch.export.save``,
  usually ``.pt2``): a **tensor model** of interactkit's encoding. It takes one ``float32``
  tensor ``[B, n_fields]`` (the fields of the data's schema, in schema order: categorical ids
  0 missing / 1 rare / 2.. as floats, dense fields standardized) and returns ``[B]`` or ``[B, 1]``
  click logits or probabilities. A ``torch.export`` program must be exported with a dynamic
  batch dimension (``dynamic_shapes={"x": {0: torch.export.Dim("batch")}}``).
* a file written by :meth:`SourceModel.save` (read with ``torch.load(weights_only=True)``).

The kind of a file is read from its zip directory (TorchScript archives hold ``code/``,
``torch.export`` archives ``archive_format``), not from its name.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from interactkit.adapters.ctr.explain.outputs import ModelOutputError
from interactkit.adapters.ctr.targets.source import SourceModel, load_source_model
from interactkit.extend import ProgramFile, load_program, program_kind

if TYPE_CHECKING:  # pragma: no cover
    from interactkit.adapters.ctr.data.splits import CTRData

__all__ = [
    "INPUT_KINDS",
    "LoadedModel",
    "TensorModelFile",
    "infer_inputs",
    "is_factory_spec",
    "load_model",
]

INPUT_KINDS = ("auto", "raw", "encoded")
_FACTORY = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*$")


@dataclass
class LoadedModel:
    """A model to audit and how it reads rows.

    Attributes:
        model: the model object (a :class:`SourceModel` for ``inputs == "source"``).
        inputs: ``"raw"`` (the user's rows), ``"encoded"`` (interactkit's encoded rows) or
            ``"source"`` (a source model of interactkit).
        description: where it came from, for reports.
    """

    model: object
    inputs: str
    description: str


class TensorModelFile(ProgramFile):
    """A TorchScript or ``torch.export`` model of encoded rows (:func:`interactkit.extend.
    load_program`), called without gradients.

    ``model(x)`` takes ``float32 Tensor[B, n_fields]`` in schema order and returns what the
    program returns (``[B]`` or ``[B, 1]`` logits or probabilities).
    """

    input_format = "tensor"


def is_factory_spec(spec: str) -> bool:
    """True when ``spec`` reads ``module.path:factory`` (and is not an existing file)."""
    return bool(_FACTORY.match(spec)) and not Path(spec).exists()


def infer_inputs(model: object, inputs: str = "auto") -> str:
    """``"source"``, ``"encoded"`` or ``"raw"``: how the audit must call ``model``.

    ``"auto"``: a :class:`SourceModel` is a source model; torch modules and tensor model files
    take encoded rows; anything else (a callable, an object with ``predict_proba``) takes the
    user's raw rows. Pass ``inputs="encoded"`` for a callable on interactkit's encoded frames.
    """
    if inputs not in INPUT_KINDS:
        raise ValueError(f"inputs must be one of {INPUT_KINDS}, got {inputs!r}")
    if isinstance(model, SourceModel):
        return "source"
    if inputs != "auto":
        return inputs
    if isinstance(model, torch.nn.Module | TensorModelFile):
        return "encoded"
    return "raw"


def load_model(spec: str | os.PathLike[str], data: CTRData | None = None) -> LoadedModel:
    """Load the model named by ``spec`` (see the module docstring).

    Args:
        spec: ``"module.path:factory"`` or a model file path.
        data: the audit's data: passed to a factory that takes ``data``; a source model file is
            checked against its schema, a tensor model file is test-called on its field count.

    Raises:
        ValueError: anything wrong with the spec or the model, in one line.
        FileNotFoundError: no such file.
    """
    text = os.fspath(spec)
    if is_factory_spec(text):
        model = _call_factory(text, data)
        kind = infer_inputs(model)
        return LoadedModel(model, kind, f"{text}() ({type(model).__name__})")
    path = Path(text)
    if not path.is_file():
        raise FileNotFoundError(
            f"--model {text!r}: no such file, and not a module.path:factory spec"
        )
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not a model file interactkit can load (a TorchScript or torch.export "
            "archive, or a source model saved by interactkit); for another model, write a "
            "factory and pass --model module.path:factory"
        )
    if program_kind(path) is None:  # torch.save's zip: a source model (weights_only load)
        if data is None:
            raise ValueError(f"{path}: a saved source model needs the data it was trained on")
        source, _ = load_source_model(path, data.schema)
        return LoadedModel(source, "source", f"loaded from {path}")
    program = load_program(path, "cpu", option="--model")
    model = TensorModelFile(program.program, program.kind, program.path, program.device)
    if data is not None:
        _check_tensor_model(model, len(data.schema))
    return LoadedModel(model, "encoded", f"{model.kind} model loaded from {path}")


# ----------------------------------------------------------------------------- factories
def _call_factory(spec: str, data: CTRData | None) -> object:
    module_name, _, attr = spec.partition(":")
    added = os.getcwd() not in sys.path
    if added:  # the console script's sys.path lacks the current directory
        sys.path.insert(0, os.getcwd())
    try:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name and (module_name == err.name or module_name.startswith(err.name + ".")):
                raise ValueError(
                    f"--model {spec}: no module named {module_name!r} (looked in the current "
                    "directory and PYTHONPATH)"
                ) from None
            raise ValueError(f"--model {spec}: importing {module_name!r} failed: {err}") from err
        except Exception as err:
            raise ValueError(
                f"--model {spec}: importing {module_name!r} failed: {type(err).__name__}: {err}"
            ) from err
        factory = getattr(module, attr, None)
        if factory is None:
            raise ValueError(f"--model {spec}: module {module_name!r} has no attribute {attr!r}")
        if not callable(factory):
            kind = type(factory).__name__
            raise ValueError(f"--model {spec}: {attr!r} is a {kind}, not callable")
        kwargs = {"data": data} if _takes_data(factory) else {}
        if kwargs and data is None:
            raise ValueError(f"--model {spec}: the factory takes data but none was given")
        try:
            model = factory(**kwargs)
        except Exception as err:
            raise ValueError(
                f"--model {spec}: the factory raised {type(err).__name__}: {err}"
            ) from err
    finally:
        if added and os.getcwd() in sys.path:
            sys.path.remove(os.getcwd())
    if model is None:
        raise ValueError(f"--model {spec}: the factory returned None; return the model")
    return model


def _takes_data(factory: object) -> bool:
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return "data" in params


# ----------------------------------------------------------------------------- files
def _check_tensor_model(model: TensorModelFile, n_fields: int) -> None:
    """Call the model on two batch sizes of zeros: it must take ``[B, n_fields]`` for any B."""
    for batch in (2, 3):
        x = torch.zeros(batch, n_fields)
        try:
            out = model(x)
        except Exception as err:
            hint = (
                "; export it with a dynamic batch dimension, dynamic_shapes="
                '{"x": {0: torch.export.Dim("batch")}}'
                if model.kind == "torch.export"
                else ""
            )
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ValueError(
                f"{model.path}: the {model.kind} model fails on a float32 tensor "
                f"[{batch}, {n_fields}] (the data's {n_fields} encoded fields): {first}{hint}"
            ) from err
        shape = tuple(getattr(out, "shape", ()))
        if shape not in ((batch,), (batch, 1)):
            raise ModelOutputError(
                f"{model.path}: the {model.kind} model returned shape {shape} for a batch of "
                f"{batch}; expected ({batch},) or ({batch}, 1): one click logit or probability "
                "per row"
            )
