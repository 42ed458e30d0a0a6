"""The CTR explainer: ad impressions (rows of encoded fields) -> feature spaces of a CTR model.

Features are the fields of a :class:`~interactkit.adapters.ctr.Schema` (feature names =
field names). A field that is "off" takes its baseline value: the missing/unknown id 0 for a
categorical field, the training mean for a dense field, or the value of a user-given baseline
row. The explained output is the click **logit** ``log(p / (1 - p))``.

Data flow of one impression::

    row (Series / mapping / array [n_fields])  --encode_rows-->  float64[1, n_fields]
      -> CTRSpace(row Tensor[n_fields], baseline Tensor[n_fields])
    masks Bool[B, n_fields]  --torch.where(mask, row, baseline)-->  inputs [B, n_fields]
      -> LogitModel.logits  -> float64 Tensor[B] (click logits)

Masks become model inputs in one vectorized step on the model's device; there is no Python loop
over masks. The accepted models (DeepCTR-Torch, tensor modules, callables on DataFrames or
dicts) and output kinds are described in :mod:`interactkit.adapters.ctr.explain.outputs`.

Example::

    from interactkit.adapters.ctr import CTRExplainer
    explainer = CTRExplainer(model, data.schema)
    spaces = explainer.spaces(data.val.frame.head(100))
    explanations = interactkit.explain_many(spaces, method="madex")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from interactkit import Explainer
from interactkit.adapters.ctr.data.schema import DataFormatError, Schema, check_encoded_values
from interactkit.adapters.ctr.data.splits import CTRData
from interactkit.adapters.ctr.explain.outputs import LogitModel
from interactkit.adapters.ctr.explain.space import CTRSpace
from interactkit.extend import check_float, check_int, module_device

if TYPE_CHECKING:  # pragma: no cover
    from typing import TypeAlias

    import pandas as pd

    Rows: TypeAlias = (
        pd.DataFrame | pd.Series | Mapping[str, float] | Sequence[float] | np.ndarray | torch.Tensor
    )

__all__ = ["CTRExplainer"]


class CTRExplainer(Explainer[CTRSpace]):
    """Builds feature spaces (one per impression) around a black-box CTR model.

    ``space(row)`` takes one encoded impression; ``spaces(frame)`` validates a whole encoded
    DataFrame (or array) at once; ``explain`` / ``explain_many`` come from
    :class:`interactkit.Explainer`. :meth:`space` has no options.

    Args:
        model: the model (see :mod:`interactkit.adapters.ctr.explain.outputs` for what is accepted).
        schema: the fields the model consumes (a :class:`Schema`, or a :class:`CTRData` whose
            schema is used).
        output: ``"auto"``, ``"logit"`` or ``"probability"``: what the model returns.
        input_format: ``"auto"``, ``"deepctr"``, ``"tensor"``, ``"frame"`` or ``"dict"``.
        off: optional row of what "off" means (mapping field -> encoded value, a pandas
            Series, or a sequence in schema order); fields it does not name stay at their
            default "off" value (id 0 / the dense training mean).
        device: where inputs are built; default the model's device (CPU for plain callables).
        max_batch_size: most masks per model call (bounds memory).
        clip: probabilities are clipped to ``[clip, 1 - clip]`` before the logit.
    """

    space_options = ()

    def __init__(
        self,
        model: Callable[..., Any],
        schema: Schema | CTRData,
        *,
        output: str = "auto",
        input_format: str = "auto",
        off: Mapping[str, float] | Sequence[float] | pd.Series | None = None,
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
        self.schema = schema
        self.names = schema.names
        self.max_batch_size = check_int("max_batch_size", max_batch_size)
        self.clip = check_float("clip", clip, 0.0, 0.5, low_open=True, high_open=True)
        self.device = module_device(model) if device is None else torch.device(device)
        self.dtype = torch.float32 if self.device.type == "mps" else torch.float64
        self.logit_model = LogitModel(model, schema, input_format, output, self.clip, self.device)
        self.baseline = torch.as_tensor(
            self._baseline_values(off), dtype=self.dtype, device=self.device
        )

    @property
    def model(self) -> Callable[..., Any]:
        """The explained model."""
        return self.logit_model.model

    @property
    def input_format(self) -> str:
        """How the model is called (``"auto"`` until the first call of a plain callable)."""
        return self.logit_model.input_format

    @property
    def output(self) -> str:
        """What the model returns (``"auto"`` until the first evaluated batch, if guessed)."""
        return self.logit_model.output

    # ------------------------------------------------------------------ rows
    def encode_rows(self, rows: Rows, what: str = "rows") -> np.ndarray:
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
            self._check_columns(list(rows.keys()), what)
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
        check_encoded_values(self.schema.fields[j], values, what)
        return np.asarray(values, dtype=np.float64)

    def _baseline_values(self, baseline: Rows | None) -> np.ndarray:
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

    # ------------------------------------------------------------------ model calls
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Model logits of encoded inputs, in chunks of at most :attr:`max_batch_size` rows.

        Args:
            x: ``Tensor[N, n_fields]`` of encoded values in schema order (ids as floats); they
                are not validated (use :meth:`predict_logits` for user rows).

        Returns:
            ``float64 Tensor[N]`` of logits on :attr:`device`.
        """
        x = x.to(device=self.device, dtype=self.dtype)
        parts = [
            self.logit_model.logits(x[i : i + self.max_batch_size])
            for i in range(0, x.shape[0], self.max_batch_size)
        ]
        if not parts:
            return torch.empty(0, dtype=torch.float64, device=self.device)
        return torch.cat([p.to(torch.float64) for p in parts])

    def predict_logits(self, rows: Rows) -> torch.Tensor:
        """Click logits ``float64 Tensor[N]`` of encoded rows (validated, see
        :meth:`encode_rows`), on :attr:`device`."""
        arr = self.encode_rows(rows)
        with torch.no_grad():
            return self.logits(torch.as_tensor(arr))

    # ------------------------------------------------------------------ spaces
    def space(self, instance: Rows) -> CTRSpace:
        """The feature space around one encoded impression (Series, mapping or array)."""
        arr = self.encode_rows(instance, "row")
        if arr.shape[0] != 1:
            raise ValueError(f"space() takes one row, got {arr.shape[0]}; use spaces()")
        return CTRSpace(self, torch.as_tensor(arr[0], dtype=self.dtype, device=self.device))

    def spaces(self, instances: Rows) -> list[CTRSpace]:
        """One feature space per row of an encoded DataFrame / array ``[N, n_fields]``.

        The whole frame is validated at once (one check per column, not per row).
        """
        arr = torch.as_tensor(self.encode_rows(instances, "frame"), dtype=self.dtype)
        arr = arr.to(self.device)
        return [CTRSpace(self, arr[i]) for i in range(arr.shape[0])]

    def __repr__(self) -> str:
        return (
            f"CTRExplainer({type(self.model).__name__}, {len(self.names)} fields, "
            f"input_format={self.input_format!r}, output={self.output!r})"
        )
