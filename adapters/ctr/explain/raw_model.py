"""Calling a model of the user's own raw rows and reading its output as click logits.

A raw-row model is anything that scores a pandas DataFrame of the user's columns (strings,
numbers, NaN), with its own encoders and vocabulary inside:

* a callable ``predict(frame) -> [N]`` (or ``[N, 1]``) click probabilities or logits, e.g.
  ``lambda df: pipeline.predict_proba(df)[:, 1]``, a DeepCTR-Torch model behind the user's own
  label encoders, or a client of a scoring service;
* an object with ``predict_proba(frame) -> [N, n_classes]`` (a scikit-learn ``Pipeline``, a
  LightGBM ``LGBMClassifier``): the column of class 1 is its click probability.

What the model returns (``output``): ``"probability"``, ``"logit"`` or ``"auto"``. ``"auto"``
asks the model about a few reference rows once: outputs outside ``[0, 1]`` can only be logits;
outputs inside ``[0, 1]`` are *guessed* to be probabilities, with a warning, because a logit
model can give such outputs too (pass ``output=`` to decide and silence it). An object with
``predict_proba`` gives probabilities, so nothing is guessed. Probabilities become logits
``log(p / (1 - p))`` after clipping to ``[clip, 1 - clip]``.

pandas is imported inside functions: importing this module costs numpy and torch only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from interactkit.adapters.ctr.explain.outputs import (
    OUTPUTS,
    ModelOutputError,
    guess_output,
    output_dtype,
    to_logits,
)
from interactkit.extend import as_batch_vector

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["RawModel", "RawPredict", "positive_class_column"]

RawPredict = Callable[["pd.DataFrame"], Any]
"""``predict(frame: DataFrame[N, columns]) -> [N]`` click probabilities or logits."""


def positive_class_column(model: object) -> int:
    """Index of class 1 (the click) in ``model.predict_proba``'s columns.

    Uses ``model.classes_`` when the model has it (scikit-learn and LightGBM classifiers);
    otherwise column 1 of a two-column output.
    """
    classes = getattr(model, "classes_", None)
    if classes is None:
        return 1
    values = [c.item() if hasattr(c, "item") else c for c in np.asarray(classes).tolist()]
    for i, c in enumerate(values):
        if c in (1, True, "1"):
            return i
    raise ValueError(
        f"the model's classes are {values}; a click model needs class 1 (the click). Pass "
        "predict=lambda df: model.predict_proba(df)[:, <column of the click class>]"
    )


class RawModel:
    """A raw-row model read as click logits.

    Args:
        model: a callable ``predict(frame)`` or an object with ``predict_proba`` (see the
            module docstring).
        output: ``"auto"``, ``"logit"`` or ``"probability"``.
        clip: probabilities are clipped to ``[clip, 1 - clip]`` before the logit.

    Attributes:
        output: what the model returns; ``"auto"`` until :meth:`resolve_output` ran.
        kind: ``"predict_proba"`` or ``"callable"`` (how the model is called).
        dtype: the floating dtype the model computes in (float32 for a float32 network), so
            that the query layer knows the precision of its outputs.
    """

    def __init__(self, model: RawPredict | object, output: str = "auto", clip: float = 1e-7):
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        self.model = model
        self.clip = clip
        proba = getattr(model, "predict_proba", None)
        if callable(proba) and not isinstance(model, torch.nn.Module):
            column = positive_class_column(model)
            self.kind = "predict_proba"
            self._predict: Callable[[pd.DataFrame], Any] = lambda f: _column(proba(f), column)
            if output == "logit":
                raise ValueError(
                    "output='logit' but the model is called through predict_proba, which "
                    "returns probabilities; drop output= or wrap the model in a function"
                )
            output = "probability"
        elif callable(model):
            self.kind = "callable"
            self._predict = model
        else:
            raise TypeError(
                f"a raw-row model must be callable (predict(frame) -> click probabilities or "
                f"logits) or have predict_proba; got {type(model).__name__}"
            )
        self.output = output
        self.dtype = torch.float64

    def raw_output(self, frame: pd.DataFrame) -> torch.Tensor:
        """The model's own outputs ``float64 Tensor[N]`` on ``frame`` (checked: shape, finite)."""
        try:
            raw = self._predict(frame)
        except Exception as err:
            raise ModelOutputError(
                f"the model failed on a batch of {len(frame)} rows with columns "
                f"{list(frame.columns)[:6]}...: {type(err).__name__}: {err}. Off fields take "
                "baseline values; if the model cannot take them (e.g. NaN), choose another "
                "baseline"
            ) from err
        self.dtype = output_dtype(raw)
        return as_batch_vector(
            raw,
            len(frame),
            source="the model",
            items="rows",
            error=ModelOutputError,
            hint_2d=": one click probability or logit per row (for a classifier, e.g. "
            "lambda df: model.predict_proba(df)[:, 1])",
            hint_nonfinite="; the model must score every row, also rows with off fields",
        )

    def resolve_output(self, probe: pd.DataFrame) -> str:
        """Decide ``output="auto"`` from the model's outputs on ``probe`` rows (warns on a guess).

        Returns:
            the resolved output kind.
        """
        if self.output != "auto":
            return self.output
        self.output = guess_output(self.raw_output(probe), f"{len(probe)} reference rows")
        return self.output

    def logits(self, frame: pd.DataFrame) -> torch.Tensor:
        """Click logits ``float64 Tensor[N]`` of raw rows (one model call; caller bounds N)."""
        if self.output == "auto":
            self.resolve_output(frame)
        return to_logits(self.raw_output(frame), self.output, self.clip)


def _column(proba: Any, column: int) -> Any:
    arr = np.asarray(proba)
    if arr.ndim != 2 or arr.shape[1] <= column:
        raise ModelOutputError(
            f"predict_proba returned shape {arr.shape}; expected [rows, classes] with the click "
            f"class in column {column}"
        )
    return arr[:, column]
