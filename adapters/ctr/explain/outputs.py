"""Reading a black-box CTR model as click logits of encoded rows, whatever its input format.

Supported models (``input_format``):

* ``"deepctr"``: a DeepCTR-Torch model (``deepctr_torch.models.*``). It is called as a torch
  module on a ``[B, n_inputs]`` float tensor ordered by its ``feature_index``; its logit is read
  exactly (its sigmoid is bypassed, :func:`deepctr_logit_mode`), in eval mode, restoring the
  module's state afterwards.
* ``"tensor"``: a torch module taking a float tensor ``[B, n_fields]`` whose columns follow the
  module attribute ``input_fields`` (or the schema order), e.g. the MLP of
  :func:`~interactkit.adapters.ctr.train_source_model`; also any callable whose
  ``input_format`` attribute is ``"tensor"`` (a TorchScript / ``torch.export`` file loaded by
  :mod:`~interactkit.adapters.ctr.targets.model_files`).
* ``"frame"``: any callable on a pandas DataFrame of encoded fields (int64 ids, float64 dense).
* ``"dict"``: any callable on a ``{field: np.ndarray[B]}`` dict.
* ``"auto"``: ``deepctr`` / ``tensor`` when recognized, otherwise ``frame`` if a probe call on a
  DataFrame succeeds, else ``dict``.

Outputs (``output``): ``"logit"``, ``"probability"`` (converted with clipping to
``[clip, 1 - clip]``) or ``"auto"``: the module's ``output`` attribute for tensor modules,
otherwise probabilities if every output of the first evaluated batch lies in ``[0, 1]`` (a guess,
so it warns: pass ``output=`` to decide), logits if not. A
DeepCTR model ending in its binary ``PredictionLayer`` always gives its exact logit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from interactkit.adapters.ctr.data.schema import DataFormatError, Schema
from interactkit.extend import as_batch_vector, warn

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "INPUT_FORMATS",
    "OUTPUTS",
    "LogitModel",
    "ModelOutputError",
    "deepctr_logit_mode",
    "guess_output",
    "is_deepctr_model",
    "output_dtype",
    "prob_to_logit",
    "to_logits",
]

INPUT_FORMATS = ("auto", "deepctr", "tensor", "frame", "dict")
OUTPUTS = ("auto", "logit", "probability")


class ModelOutputError(ValueError):
    """The model returned something that is not one finite score per row."""


def is_deepctr_model(model: object) -> bool:
    """True for a DeepCTR-Torch model (a torch module with ``feature_index`` and
    ``embedding_dict``, as ``deepctr_torch.models.basemodel.BaseModel``)."""
    return (
        isinstance(model, torch.nn.Module)
        and isinstance(getattr(model, "feature_index", None), Mapping)
        and hasattr(model, "embedding_dict")
    )


@contextlib.contextmanager
def deepctr_logit_mode(model: torch.nn.Module, train: bool = False) -> Iterator[bool]:
    """Make a DeepCTR model return its logit instead of ``sigmoid(logit)``.

    DeepCTR's final ``PredictionLayer`` adds a bias and applies a sigmoid when its ``task`` is
    ``"binary"``; with ``task="regression"`` it returns the biased logit. This context switches
    the task (and the module's train/eval mode) and restores both on exit.

    Yields:
        True if the logit is exact, False if the model has no such layer (outputs unchanged).
    """
    out = getattr(model, "out", None)
    exact = out is not None and getattr(out, "task", None) == "binary"
    # only the modules in the other mode are switched (and switched back): ``model.train()``
    # on every call walks and re-sets every submodule, a cost paid per batch of queries
    switched = [m for m in model.modules() if m.training != train]
    for m in switched:
        m.training = train
    if exact:
        out.task = "regression"
    try:
        yield exact
    finally:
        if exact:
            out.task = "binary"
        for m in switched:
            m.training = not train


def output_dtype(raw: object) -> torch.dtype:
    """The floating dtype a model output was computed in: that of a float tensor or array of
    at most 32 bits, else float64 (float64 outputs, integers, lists)."""
    dtype = getattr(raw, "dtype", None)
    if isinstance(dtype, np.dtype):
        if dtype.kind != "f":
            return torch.float64
        dtype = torch.from_numpy(np.empty(0, dtype=dtype)).dtype
    if isinstance(dtype, torch.dtype) and dtype.is_floating_point:
        return dtype
    return torch.float64


def prob_to_logit(p: torch.Tensor, clip: float) -> torch.Tensor:
    """``log(p / (1 - p))`` in float64, ``p`` clipped to ``[clip, 1 - clip]`` first."""
    p = p.to(torch.float64).clamp(clip, 1.0 - clip)
    return torch.log(p) - torch.log1p(-p)


class LogitModel:
    """A CTR model called on one batch of encoded rows, returning click logits.

    Args:
        model: the model (see the module docstring for what is accepted).
        schema: the fields of the encoded rows, in column order.
        input_format: one of :data:`INPUT_FORMATS`; ``"auto"`` for plain callables is resolved
            by the first call.
        output: one of :data:`OUTPUTS`; ``"auto"`` (not a tensor module with an ``output``
            attribute) is resolved by the first evaluated batch.
        clip: probabilities are clipped to ``[clip, 1 - clip]`` before the logit.
        device: where logits are returned.
    """

    def __init__(
        self,
        model: Callable[..., Any],
        schema: Schema,
        input_format: str,
        output: str,
        clip: float,
        device: torch.device,
    ) -> None:
        if not callable(model):
            raise TypeError(f"model must be callable, got {type(model).__name__}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        if input_format not in INPUT_FORMATS:
            raise ValueError(f"input_format must be one of {INPUT_FORMATS}, got {input_format!r}")
        self.model = model
        self.schema = schema
        self.names = schema.names
        self.clip = clip
        self.device = device
        self._categorical = np.array([f.is_categorical for f in schema.fields])
        if input_format == "auto":
            if is_deepctr_model(model):
                input_format = "deepctr"
            elif isinstance(model, torch.nn.Module) and hasattr(model, "input_fields"):
                input_format = "tensor"
            elif getattr(model, "input_format", None) == "tensor":  # e.g. a TorchScript file
                input_format = "tensor"
        self.input_format = input_format
        self._column_order: torch.Tensor | None = None
        if input_format == "deepctr":
            if not is_deepctr_model(model):
                raise TypeError(
                    f"input_format='deepctr' needs a DeepCTR-Torch model, got "
                    f"{type(model).__name__}"
                )
            self._column_order = self._check_deepctr_fields(model)
        elif input_format == "tensor":
            self._column_order = self._check_tensor_fields(model)
        if output == "auto" and input_format == "tensor" and hasattr(model, "output"):
            output = str(model.output)
            if output not in ("logit", "probability"):
                raise ValueError(
                    f"the module's output attribute is {output!r}; expected 'logit' or "
                    "'probability'"
                )
        self.output = output

    # ------------------------------------------------------------------ model checks
    def _check_deepctr_fields(self, model: torch.nn.Module) -> torch.Tensor:
        """Schema index of each model input column; the model and schema must agree."""
        index: Mapping[str, tuple[int, int]] = model.feature_index
        unknown = [n for n in self.names if n not in index]
        if unknown:
            raise DataFormatError(
                f"the model does not know fields {unknown}; it was trained on "
                f"{list(index)}. Use the schema the model was trained with"
            )
        extra = [n for n in index if n not in self.schema]
        if extra:
            raise DataFormatError(
                f"the model expects inputs {extra} that are not in the schema (feature "
                "crosses?); pass the schema that includes them"
            )
        width = max(hi for _, hi in index.values())
        order = torch.empty(width, dtype=torch.long)
        for name, (lo, hi) in index.items():
            if hi - lo != 1:
                raise DataFormatError(
                    f"model input {name!r} spans {hi - lo} columns; only one-column fields "
                    "(SparseFeat, DenseFeat of dimension 1) can be explained per field"
                )
            order[lo] = self.schema.index(name)
        columns = list(getattr(model, "dnn_feature_columns", [])) + list(
            getattr(getattr(model, "linear_model", None), "sparse_feature_columns", [])
        )
        for col in columns:
            if col.name not in self.schema:
                continue
            f = self.schema[col.name]
            is_sparse = hasattr(col, "vocabulary_size")
            if is_sparse != f.is_categorical:
                kind = "sparse (categorical)" if is_sparse else "dense"
                raise DataFormatError(
                    f"field {col.name!r} is {f.kind} in the schema but {kind} in the model"
                )
            if is_sparse and f.vocab_size > int(col.vocabulary_size):
                raise DataFormatError(
                    f"field {col.name!r} has {f.vocab_size} ids in the schema but the model's "
                    f"embedding has {col.vocabulary_size}; use the model's schema"
                )
        return order

    def _check_tensor_fields(self, model: object) -> torch.Tensor:
        fields = list(getattr(model, "input_fields", self.names))
        unknown = [n for n in self.names if n not in fields]
        if unknown:
            raise DataFormatError(f"the model does not know fields {unknown}; it takes {fields}")
        extra = [n for n in fields if n not in self.schema]
        if extra:
            raise DataFormatError(f"the model expects inputs {extra} that are not in the schema")
        return torch.tensor([self.schema.index(n) for n in fields], dtype=torch.long)

    # ------------------------------------------------------------------ calls
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of one batch: ``x[B, n_fields]`` (schema order, ids as floats) ->
        ``Tensor[B]`` on :attr:`device`. The caller bounds ``B``.

        The logits have the floating dtype the model computed in (float32 for a float32 torch
        module, float64 for numpy outputs), so that the query layer knows their precision;
        probabilities are converted to logits in float64 first.
        """
        batch = x.shape[0]
        if self.input_format in ("deepctr", "tensor"):
            assert self._column_order is not None
            inputs = x[:, self._column_order.to(x.device)].float()
            if self.input_format == "deepctr":
                with torch.no_grad(), deepctr_logit_mode(self.model) as exact:
                    raw = self.model(inputs)
                values = self._check_output(raw, batch)
                values = values if exact else self._to_logit(values)
                return values.to(output_dtype(raw))
            raw = self._call_eval(inputs)
        else:
            arr = x.detach().cpu().numpy()
            if self.input_format == "auto":
                self.input_format = self._probe_format(arr)
            raw = self.model(self._pack(arr, self.input_format))
        return self._to_logit(self._check_output(raw, batch)).to(output_dtype(raw))

    def _call_eval(self, inputs: torch.Tensor) -> Any:
        """Call a tensor model without gradients, a module in eval mode (its mode restored)."""
        module = self.model if isinstance(self.model, torch.nn.Module) else None
        was_training = module.training if module is not None else False
        if module is not None:
            module.eval()
        try:
            with torch.no_grad():
                return self.model(inputs)
        finally:
            if module is not None:
                module.train(was_training)

    def _pack(self, arr: np.ndarray, fmt: str) -> pd.DataFrame | dict[str, np.ndarray]:
        import pandas as pd

        cols = {
            name: arr[:, j].astype(np.int64) if self._categorical[j] else arr[:, j].copy()
            for j, name in enumerate(self.names)
        }
        return pd.DataFrame(cols) if fmt == "frame" else cols

    def _probe_format(self, arr: np.ndarray) -> str:
        errors = {}
        for fmt in ("frame", "dict"):
            try:
                raw = self.model(self._pack(arr[:2], fmt))
                self._check_output(raw, min(2, arr.shape[0]))
                return fmt
            except Exception as exc:  # any failure means "not this format"
                errors[fmt] = f"{type(exc).__name__}: {exc}"
        raise TypeError(
            "could not call the model on a pandas DataFrame nor on a dict of numpy arrays "
            f"(frame -> {errors['frame']}; dict -> {errors['dict']}); pass input_format= "
            "explicitly or wrap the model"
        )

    def _check_output(self, raw: object, batch: int) -> torch.Tensor:
        # the raw output must be checked here, before the probability -> logit conversion
        values = as_batch_vector(
            raw,
            batch,
            source="the model",
            items="rows",
            error=ModelOutputError,
            hint_2d=": one click probability or logit per row",
            hint_nonfinite="; check the inputs' encoding",
        )
        return values.to(self.device)

    def _to_logit(self, values: torch.Tensor) -> torch.Tensor:
        if self.output == "auto":
            self.output = guess_output(values, f"the first {len(values)} rows")
        return to_logits(values, self.output, self.clip)


def guess_output(values: torch.Tensor, rows: str) -> str:
    """``"probability"`` when every value lies in ``[0, 1]`` (with a warning: a logit model can
    give such outputs too), else ``"logit"``; ``rows`` says which rows, for the warning."""
    if bool(((values < 0) | (values > 1)).any()):
        return "logit"
    warn(
        f"the model's outputs on {rows} all lie in [0, 1], so they are taken as click "
        "probabilities; if they are logits, pass output='logit' (pass output='probability' to "
        "confirm and silence this warning)",
        UserWarning,
    )
    return "probability"


def to_logits(values: torch.Tensor, output: str, clip: float) -> torch.Tensor:
    """Click logits ``float64 Tensor[B]`` of a model's outputs ``values`` of kind ``output``
    (``"logit"`` or ``"probability"``, clipped to ``[clip, 1 - clip]``).

    Raises:
        ModelOutputError: probabilities outside ``[0, 1]``.
    """
    if output == "logit":
        return values
    if bool(((values < 0) | (values > 1)).any()):
        raise ModelOutputError(
            "the model returned values outside [0, 1] but its outputs are treated as "
            "probabilities; pass output='logit'"
        )
    return prob_to_logit(values, clip)
