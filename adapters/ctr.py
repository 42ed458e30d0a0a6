"""CTR adapter: explain one ad impression (a row of encoded fields) of a black-box CTR model.

Features are the fields of a :class:`~interactkit.datasets.base.Schema` (feature names = field
names). A field that is "off" takes its baseline value: the missing/unknown id 0 for a
categorical field, the training mean for a dense field, or the value of a user-given baseline
row. The explained output is the click **logit** ``log(p / (1 - p))``.

A batch of masks ``[B, n_fields]`` becomes a batch of model inputs in one vectorized step,
``torch.where(mask, row, baseline)``, on the model's device; there is no Python loop over masks.

Supported models (``input_format``):

* ``"deepctr"``: a DeepCTR-Torch model (``deepctr_torch.models.*``). It is called as a torch
  module on a ``[B, n_inputs]`` float tensor ordered by its ``feature_index``; its logit is read
  exactly (its sigmoid is bypassed), in eval mode, restoring the module's state afterwards.
* ``"tensor"``: a torch module taking a float tensor ``[B, n_fields]`` whose columns follow the
  module attribute ``input_fields`` (or the schema order), e.g. the MLP of
  :func:`interactkit.targets.train_source_model`.
* ``"frame"``: any callable on a pandas DataFrame of encoded fields (int64 ids, float64 dense).
* ``"dict"``: any callable on a ``{field: np.ndarray[B]}`` dict.
* ``"auto"`` (default): ``deepctr`` / ``tensor`` when recognized, otherwise ``frame`` if a probe
  call on a DataFrame succeeds, else ``dict``.

Outputs (``output``): ``"logit"``, ``"probability"`` (converted with clipping to
``[clip, 1 - clip]``) or ``"auto"``: the module's ``output`` attribute for tensor modules,
otherwise probabilities if every output of the first evaluated batch lies in ``[0, 1]`` (pass
``output=`` explicitly to avoid guessing). A DeepCTR model ending in its binary
``PredictionLayer`` always gives its exact logit (``output`` only matters for other tasks).

Example::

    from interactkit.adapters.ctr import CTRExplainer
    explainer = CTRExplainer(model, data.schema)
    spaces = explainer.spaces(data.val.frame.head(100))
    explanations = interactkit.explain_many(spaces, method="madex")
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from interactkit.datasets.base import (
    CTRData,
    DataFormatError,
    Schema,
    check_encoded_values,
)
from interactkit.query import as_batch_vector
from interactkit.space import FeatureSpace

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit.explanation import LocalExplanation

__all__ = [
    "CTRExplainer",
    "CTRSpace",
    "ModelOutputError",
    "deepctr_logit_mode",
    "is_deepctr_model",
]

INPUT_FORMATS = ("auto", "deepctr", "tensor", "frame", "dict")
OUTPUTS = ("auto", "logit", "probability")


class ModelOutputError(ValueError):
    """The model returned something that is not one finite score per row."""


def is_deepctr_model(model: Any) -> bool:
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
    was_training = model.training
    model.train(train)
    if exact:
        out.task = "regression"
    try:
        yield exact
    finally:
        if exact:
            out.task = "binary"
        model.train(was_training)


def _prob_to_logit(p: torch.Tensor, clip: float) -> torch.Tensor:
    p = p.to(torch.float64).clamp(clip, 1.0 - clip)
    return torch.log(p) - torch.log1p(-p)


class CTRExplainer:
    """Builds feature spaces (one per impression) around a black-box CTR model.

    Args:
        model: the model (see the module docstring for what is accepted).
        schema: the fields the model consumes (a :class:`Schema`, or a :class:`CTRData` whose
            schema is used).
        output: ``"auto"``, ``"logit"`` or ``"probability"``: what the model returns.
        input_format: ``"auto"``, ``"deepctr"``, ``"tensor"``, ``"frame"`` or ``"dict"``.
        baseline: optional baseline row (mapping field -> encoded value, a pandas Series, or a
            sequence in schema order); fields it does not name stay at their default "off"
            value (id 0 / the dense training mean).
        device: where inputs are built; default the model's device (CPU for plain callables).
        max_batch_size: most masks per model call (bounds memory).
        clip: probabilities are clipped to ``[clip, 1 - clip]`` before the logit.
    """

    def __init__(
        self,
        model: Any,
        schema: Schema | CTRData,
        *,
        output: str = "auto",
        input_format: str = "auto",
        baseline: Mapping[str, Any] | Sequence[float] | pd.Series | None = None,
        device: torch.device | str | None = None,
        max_batch_size: int = 4096,
        clip: float = 1e-7,
    ) -> None:
        if isinstance(schema, CTRData):
            schema = schema.schema
        if not isinstance(schema, Schema):
            raise TypeError(f"schema must be a Schema or CTRData, got {type(schema).__name__}")
        if len(schema) < 2:
            raise ValueError("a CTR schema needs at least 2 fields to have interactions")
        if not callable(model):
            raise TypeError(f"model must be callable, got {type(model).__name__}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        if input_format not in INPUT_FORMATS:
            raise ValueError(f"input_format must be one of {INPUT_FORMATS}, got {input_format!r}")
        if not 0 < clip < 0.5:
            raise ValueError(f"clip must be in (0, 0.5), got {clip}")
        if int(max_batch_size) < 1:
            raise ValueError(f"max_batch_size must be >= 1, got {max_batch_size}")
        self.model = model
        self.schema = schema
        self.clip = float(clip)
        self.max_batch_size = int(max_batch_size)
        self.names = schema.names
        self._categorical = np.array([f.is_categorical for f in schema.fields])
        if device is None:
            device = _module_device(model) if isinstance(model, torch.nn.Module) else "cpu"
        self.device = torch.device(device)
        self.dtype = torch.float32 if self.device.type == "mps" else torch.float64

        if input_format == "auto":
            if is_deepctr_model(model):
                input_format = "deepctr"
            elif isinstance(model, torch.nn.Module) and hasattr(model, "input_fields"):
                input_format = "tensor"
        self.input_format = input_format  # may still be "auto": resolved by the first call
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
        self.output = output  # "auto" is resolved by the first evaluated batch (non-DeepCTR)

        self.baseline = torch.as_tensor(
            self._baseline_values(baseline), dtype=self.dtype, device=self.device
        )

    # ------------------------------------------------------------------ rows
    def encode_rows(self, rows: Any, what: str = "rows") -> np.ndarray:
        """Validate encoded rows and return them as ``float64[N, n_fields]`` in schema order.

        Accepts a DataFrame (columns = fields), a Series or mapping (one row), or an array
        ``[n_fields]`` / ``[N, n_fields]`` in schema order.
        """
        import pandas as pd

        if isinstance(rows, pd.DataFrame):
            self._check_columns(list(rows.columns), what)
            arr = np.empty((len(rows), len(self.names)), dtype=np.float64)
            for j, name in enumerate(self.names):
                arr[:, j] = self._column(rows[name].to_numpy(), j, what)
            return arr
        if isinstance(rows, pd.Series | Mapping):
            keys = list(rows.keys())
            self._check_columns(keys, what)
            arr = np.empty((1, len(self.names)), dtype=np.float64)
            for j, name in enumerate(self.names):
                arr[0, j] = self._column(np.asarray([rows[name]]), j, what)[0]
            return arr
        if isinstance(rows, torch.Tensor):
            rows = rows.detach().cpu().numpy()
        arr = np.asarray(rows)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != len(self.names):
            raise DataFormatError(
                f"{what}: expected {len(self.names)} values per row in schema order "
                f"({', '.join(self.names[:4])}, ...), got shape {arr.shape}"
            )
        out = np.empty(arr.shape, dtype=np.float64)
        for j in range(len(self.names)):
            out[:, j] = self._column(arr[:, j], j, what)
        return out

    def _check_columns(self, columns: list[Any], what: str) -> None:
        label = self.schema.label
        if label is not None and label in columns:
            raise DataFormatError(
                f"{what} contains the label column {label!r}; drop it, labels are not model inputs"
            )
        extra = [c for c in columns if c not in self.schema]
        if extra:
            raise DataFormatError(
                f"{what} has columns {extra} that are not fields of the schema "
                f"({len(self.names)} fields: {', '.join(self.names[:6])}, ...); drop them "
                "(a label or id column?)"
            )
        missing = [n for n in self.names if n not in columns]
        if missing:
            raise DataFormatError(f"{what} lacks fields {missing}")

    def _column(self, values: np.ndarray, j: int, what: str) -> np.ndarray:
        f = self.schema.fields[j]
        check_encoded_values(f, values, what)
        return np.asarray(values, dtype=np.float64)

    def _baseline_values(self, baseline: Any) -> np.ndarray:
        import pandas as pd

        values = self.schema.off_values()
        if baseline is None:
            return values
        if isinstance(baseline, pd.DataFrame):
            if len(baseline) != 1:
                raise ValueError("baseline must be one row")
            baseline = baseline.iloc[0]
        if isinstance(baseline, pd.Series | Mapping):
            label = self.schema.label
            keys = list(baseline.keys())
            if label is not None and label in keys:
                raise DataFormatError(f"baseline contains the label column {label!r}; drop it")
            extra = [k for k in keys if k not in self.schema]
            if extra:
                raise DataFormatError(f"baseline names unknown fields {extra}")
            for name in keys:
                j = self.schema.index(name)
                values[j] = self._column(np.asarray([baseline[name]]), j, "baseline")[0]
            return values
        return self.encode_rows(baseline, "baseline")[0]

    # ------------------------------------------------------------------ model checks
    def _check_deepctr_fields(self, model: torch.nn.Module) -> torch.Tensor:
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

    def _check_tensor_fields(self, model: Any) -> torch.Tensor:
        fields = list(getattr(model, "input_fields", self.names))
        unknown = [n for n in self.names if n not in fields]
        if unknown:
            raise DataFormatError(f"the model does not know fields {unknown}; it takes {fields}")
        extra = [n for n in fields if n not in self.schema]
        if extra:
            raise DataFormatError(f"the model expects inputs {extra} that are not in the schema")
        return torch.tensor([self.schema.index(n) for n in fields], dtype=torch.long)

    # ------------------------------------------------------------------ model calls
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Model logits of encoded inputs.

        Args:
            x: ``Tensor[B, n_fields]`` of encoded values in schema order (ids as floats).

        Returns:
            ``float64 Tensor[B]`` of logits on :attr:`device` (chunks of ``max_batch_size``).
        """
        x = x.to(device=self.device, dtype=self.dtype)
        parts = [
            self._logits_chunk(x[i : i + self.max_batch_size])
            for i in range(0, x.shape[0], self.max_batch_size)
        ]
        return torch.cat(parts) if parts else torch.empty(0, dtype=torch.float64)

    def predict_logit(self, rows: Any) -> np.ndarray:
        """Logits ``float64[N]`` of encoded rows (DataFrame or array, see :meth:`encode_rows`)."""
        arr = self.encode_rows(rows)
        with torch.no_grad():
            return self.logits(torch.as_tensor(arr)).cpu().numpy()

    def _logits_chunk(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0]
        if self.input_format == "deepctr":
            assert self._column_order is not None
            inputs = x[:, self._column_order.to(x.device)].float()
            with torch.no_grad(), deepctr_logit_mode(self.model) as exact:
                raw = self.model(inputs)
            values = self._check_output(raw, batch)
            return values if exact else self._to_logit(values)
        if self.input_format == "tensor":
            assert self._column_order is not None
            inputs = x[:, self._column_order.to(x.device)].float()
            module = self.model if isinstance(self.model, torch.nn.Module) else None
            was_training = module.training if module is not None else False
            if module is not None:
                module.eval()
            try:
                with torch.no_grad():
                    raw = self.model(inputs)
            finally:
                if module is not None:
                    module.train(was_training)
            return self._to_logit(self._check_output(raw, batch))
        arr = x.detach().cpu().numpy()
        if self.input_format == "auto":
            self.input_format = self._probe_format(arr)
        raw = self.model(self._pack(arr, self.input_format))
        return self._to_logit(self._check_output(raw, batch))

    def _pack(self, arr: np.ndarray, fmt: str) -> Any:
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

    def _check_output(self, raw: Any, batch: int) -> torch.Tensor:
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
        output = self.output
        if output == "auto":
            in_unit = bool(((values >= 0) & (values <= 1)).all())
            output = self.output = "probability" if in_unit else "logit"
        if output == "logit":
            return values
        if bool(((values < 0) | (values > 1)).any()):
            raise ModelOutputError(
                "the model returned values outside [0, 1] but its outputs are treated as "
                "probabilities; pass output='logit'"
            )
        return _prob_to_logit(values, self.clip)

    # ------------------------------------------------------------------ spaces
    def space(self, row: Any) -> CTRSpace:
        """The feature space around one encoded impression (Series, mapping or array)."""
        arr = self.encode_rows(row, "row")
        if arr.shape[0] != 1:
            raise ValueError(f"space() takes one row, got {arr.shape[0]}; use spaces()")
        return CTRSpace(self, torch.as_tensor(arr[0], dtype=self.dtype, device=self.device))

    def spaces(self, frame: Any) -> list[CTRSpace]:
        """One feature space per row of an encoded DataFrame / array (validated at once)."""
        arr = torch.as_tensor(self.encode_rows(frame, "frame"), dtype=self.dtype)
        arr = arr.to(self.device)
        return [CTRSpace(self, arr[i]) for i in range(arr.shape[0])]

    def explain(self, row: Any, method: str = "madex", seed: int = 0, **params: Any):
        """Explain one impression: ``interactkit.explain(self.space(row), ...)``."""
        import interactkit

        return interactkit.explain(self.space(row), method=method, seed=seed, **params)

    def explain_many(
        self, frame: Any, method: str = "madex", seed: int = 0, **params: Any
    ) -> list[LocalExplanation]:
        """Explain every row of ``frame`` (batched): ``interactkit.explain_many``."""
        import interactkit

        return interactkit.explain_many(self.spaces(frame), method=method, seed=seed, **params)

    def __repr__(self) -> str:
        return (
            f"CTRExplainer({type(self.model).__name__}, {len(self.names)} fields, "
            f"input_format={self.input_format!r}, output={self.output!r})"
        )


class CTRSpace(FeatureSpace):
    """Feature space of one impression: feature ``j`` = field ``j``; off = the baseline value.

    Attributes:
        explainer: the owning :class:`CTRExplainer` (model, schema, baseline).
        row: ``Tensor[n_fields]`` encoded values of the impression (schema order).
    """

    def __init__(self, explainer: CTRExplainer, row: torch.Tensor) -> None:
        self.explainer = explainer
        self.row = row
        self.n_features = len(explainer.names)
        self._feature_names = list(explainer.names)
        self.device = explainer.device
        self.max_batch_size = explainer.max_batch_size

    def inputs(self, masks: torch.Tensor) -> torch.Tensor:
        """Encoded model inputs ``[B, n_fields]`` for masks ``Bool[B, n_fields]``."""
        masks = masks.to(device=self.row.device, dtype=torch.bool)
        return torch.where(masks, self.row.unsqueeze(0), self.explainer.baseline.unsqueeze(0))

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        return self.explainer.logits(self.inputs(masks))

    @property
    def values(self) -> dict[str, str]:
        """Readable value of every field of the impression (for reports)."""
        fields = self.explainer.schema.fields
        return {f.name: f.decode(v) for f, v in zip(fields, self.row.tolist(), strict=True)}

    def __repr__(self) -> str:
        return f"CTRSpace({self.n_features} fields, model={type(self.explainer.model).__name__})"


def _module_device(model: torch.nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    for b in model.buffers():
        return b.device
    return torch.device("cpu")
