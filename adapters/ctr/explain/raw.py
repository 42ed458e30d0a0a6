"""Explaining a model of the user's own raw rows: masks -> raw rows -> the model's click logits.

Features are columns of the user's DataFrame (default: all of them). A kept field takes the
instance's value, an off field its baseline value
(:mod:`~interactkit.adapters.ctr.explain.baselines`: background rows by default, or the
training mode, a missing value, or given rows). The model is a callable on DataFrames or an
object with ``predict_proba`` (:mod:`~interactkit.adapters.ctr.explain.raw_model`); the
explained value is the click logit.

Data flow of one batch of masks (``K`` baseline rows; ``K = 1`` for a single baseline row)::

    masks Bool[B, p]  --repeat K-->  Bool[B*K, p]
    pool = baseline rows [K] + instance rows (one DataFrame, built once per spaces() call)
    column c: pool[c].take(where(mask[:, c], instance position, baseline position))
      -> DataFrame[B*K, columns] (the data's column order and dtypes)
      -> predict (in chunks of max_batch_size rows) -> logits [B*K] -> mean over K -> [B]

Inputs are built column by column with one vectorised ``take`` each: no Python loop over masks.

Example::

    from interactkit.adapters.ctr import RawExplainer
    explainer = RawExplainer(pipeline, data.raw_rows("train"))      # sklearn Pipeline
    spaces = explainer.spaces(data.raw_rows("val").head(100))
    global_exp = interactkit.glider(spaces, k=10)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from interactkit import Explainer, FeatureSpace
from interactkit.adapters.ctr.data.schema import DataFormatError
from interactkit.adapters.ctr.data.splits import CTRData
from interactkit.adapters.ctr.explain.baselines import (
    DEFAULT_N_BACKGROUND,
    baseline_rows,
    describe_baseline,
)
from interactkit.adapters.ctr.explain.raw_model import RawModel, RawPredict
from interactkit.extend import check_float, check_int

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from interactkit.adapters.ctr.explain.baselines import Baseline

__all__ = ["RawExplainer", "RawSpace"]

PROBE_ROWS = 256  # reference rows the model is asked about once (checks, output="auto")


class RawExplainer(Explainer["RawSpace"]):
    """Feature spaces (one per impression) around a model of the user's raw rows.

    Args:
        model: ``predict(frame) -> [N]`` click probabilities or logits, or an object with
            ``predict_proba`` (a scikit-learn pipeline, a LightGBM classifier).
        reference: the model's training rows (``DataFrame[N, columns]``, label excluded), or a
            :class:`CTRData` whose raw training rows are used. They fix the columns, their
            dtypes and the baseline.
        features: the explained columns (default: every column); other columns keep the
            instance's value.
        off: what "off" means (:mod:`~interactkit.adapters.ctr.explain.baselines`):
            ``"background"`` (default), ``"mode"``, ``"missing"``, a DataFrame of rows or a
            mapping naming a value for every feature.
        n_background: background rows for ``off="background"``.
        output: ``"auto"`` (decided once on reference rows, with a warning when guessed),
            ``"logit"`` or ``"probability"``.
        label: the label column, refused if present in rows to explain.
        max_batch_size: most rows per model call (a mask costs ``K`` rows).
        clip: probabilities are clipped to ``[clip, 1 - clip]`` before the logit.
        seed: seed of the background draw.
    """

    space_options = ()

    def __init__(
        self,
        model: RawPredict | object,
        reference: pd.DataFrame | CTRData,
        *,
        features: Sequence[str] | None = None,
        off: Baseline = "background",
        n_background: int = DEFAULT_N_BACKGROUND,
        output: str = "auto",
        label: str | None = None,
        max_batch_size: int = 8192,
        clip: float = 1e-7,
        seed: int = 0,
    ) -> None:
        import pandas as pd

        if isinstance(reference, CTRData):
            label = reference.label if label is None else label
            reference = reference.raw_rows("train")
        if not isinstance(reference, pd.DataFrame):
            raise TypeError(
                f"reference must be a DataFrame of raw rows or CTRData, got "
                f"{type(reference).__name__}"
            )
        self.label = label
        if label is not None and label in reference.columns:
            reference = reference.drop(columns=[label])
        self.columns = [str(c) for c in reference.columns]
        if len(set(self.columns)) != len(self.columns):
            raise DataFormatError(f"the reference rows have repeated columns: {self.columns}")
        reference = reference.set_axis(self.columns, axis=1)
        names = self.columns if features is None else [str(f) for f in features]
        unknown = [f for f in names if f not in self.columns]
        if unknown:
            raise DataFormatError(f"features {unknown} are not columns of the data")
        if len(set(names)) != len(names) or len(names) < 2:
            raise ValueError(f"give at least 2 distinct features, got {names}")
        self.names = names
        self.max_batch_size = check_int("max_batch_size", max_batch_size)
        self.clip = check_float("clip", clip, 0.0, 0.5, low_open=True, high_open=True)
        self.device = torch.device("cpu")
        self.raw_model = RawModel(model, output, self.clip)
        self.baseline = baseline_rows(reference, off, names, n_background, seed)
        self.n_baseline = len(self.baseline)
        self.off_description = describe_baseline(off, self.n_baseline)
        self.off = off if isinstance(off, str) else "given"
        self._feature_pos = {name: j for j, name in enumerate(names)}
        probe = reference.iloc[:PROBE_ROWS].reset_index(drop=True)
        self.raw_model.resolve_output(probe)
        # the baseline rows themselves must be scorable (e.g. a model refusing NaN)
        self.baseline_logits = self._predict(self.baseline)

    @property
    def model(self) -> RawPredict | object:
        """The explained model."""
        return self.raw_model.model

    @property
    def output(self) -> str:
        """What the model returns (``"logit"`` or ``"probability"``)."""
        return self.raw_model.output

    # ------------------------------------------------------------------ rows
    def check_rows(self, rows: pd.DataFrame | pd.Series, what: str = "rows") -> pd.DataFrame:
        """``rows`` as a ``DataFrame[N, columns]`` in the reference column order (checked)."""
        import pandas as pd

        if isinstance(rows, pd.Series):
            rows = rows.to_frame().T.infer_objects()
        if not isinstance(rows, pd.DataFrame):
            raise TypeError(f"{what} must be a DataFrame (or one row as a Series) of raw rows")
        given = [str(c) for c in rows.columns]
        if self.label is not None and self.label in given:
            raise DataFormatError(
                f"{what} contain the label column {self.label!r}; drop it, labels are not "
                "model inputs"
            )
        missing = [c for c in self.columns if c not in given]
        extra = [c for c in given if c not in self.columns]
        if missing or extra:
            raise DataFormatError(
                f"{what} must have the model's columns: missing {missing}, unknown {extra} "
                "(a label or id column?)"
            )
        return rows.set_axis(given, axis=1)[self.columns].reset_index(drop=True)

    def _predict(self, frame: pd.DataFrame) -> torch.Tensor:
        parts = [
            self.raw_model.logits(frame.iloc[i : i + self.max_batch_size].reset_index(drop=True))
            for i in range(0, len(frame), self.max_batch_size)
        ]
        return torch.cat(parts) if parts else torch.empty(0, dtype=torch.float64)

    def predict_logits(self, rows: pd.DataFrame) -> torch.Tensor:
        """Click logits ``float64 Tensor[N]`` of raw rows (checked, in chunks of
        ``max_batch_size``)."""
        return self._predict(self.check_rows(rows))

    # ------------------------------------------------------------------ spaces
    def space(self, instance: pd.DataFrame | pd.Series) -> RawSpace:
        """The feature space of one raw impression (a one-row DataFrame or a Series)."""
        rows = self.check_rows(instance, "the row")
        if len(rows) != 1:
            raise ValueError(f"space() takes one row, got {len(rows)}; use spaces()")
        return self.spaces(rows)[0]

    def spaces(self, instances: pd.DataFrame) -> list[RawSpace]:
        """One feature space per raw row; the rows share one pool of model inputs."""
        import pandas as pd

        rows = self.check_rows(instances, "the rows")
        pool = pd.concat([self.baseline, rows], ignore_index=True)
        arrays = {c: pool[c].array for c in self.columns}
        return [RawSpace(self, arrays, self.n_baseline + i, rows.iloc[i]) for i in range(len(rows))]

    def __repr__(self) -> str:
        return (
            f"RawExplainer({type(self.model).__name__}, {len(self.names)} fields, "
            f"off={self.off_description!r}, output={self.output!r})"
        )


class RawSpace(FeatureSpace):
    """Feature space of one raw impression: feature ``j`` = column ``names[j]``.

    Attributes:
        explainer: the owning :class:`RawExplainer` (model, columns, baseline rows).
        row: the impression's raw values (a Series over the data's columns).
        position: the impression's row in the shared input pool.
    """

    def __init__(
        self, explainer: RawExplainer, pool: dict[str, object], position: int, row: pd.Series
    ) -> None:
        self.explainer = explainer
        self.row = row
        self.position = position
        self._pool = pool
        self.n_features = len(explainer.names)
        self._feature_names = list(explainer.names)
        self.device = explainer.device
        self.max_batch_size = max(1, explainer.max_batch_size // explainer.n_baseline)

    def rows(self, masks: torch.Tensor) -> pd.DataFrame:
        """Raw model inputs ``DataFrame[B * K, columns]`` for masks ``Bool[B, p]``.

        Rows ``b*K .. b*K + K - 1`` belong to mask ``b``, one per baseline row.
        """
        import pandas as pd

        m = masks.detach().cpu().numpy().astype(bool, copy=False)
        k = self.explainer.n_baseline
        batch = m.shape[0]
        base = np.tile(np.arange(k), batch)  # baseline row of each model row
        keep = np.repeat(m, k, axis=0)  # bool[B*K, p]
        fixed = np.full(batch * k, self.position)
        cols = {}
        for c in self.explainer.columns:
            j = self.explainer._feature_pos.get(c)
            where = fixed if j is None else np.where(keep[:, j], self.position, base)
            cols[c] = self._pool[c].take(where)
        return pd.DataFrame(cols)

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        """Click logits ``Tensor[B]``: the mean over the baseline rows of the model's logit with
        the masked fields off (computed in float64, returned in the model's own float dtype so
        that the query layer knows its precision)."""
        logits = self.explainer._predict(self.rows(masks))
        mean = logits.reshape(masks.shape[0], self.explainer.n_baseline).mean(dim=1)
        return mean.to(self.explainer.raw_model.dtype)

    @property
    def values(self) -> dict[str, str]:
        """Readable value of every explained field (for reports and figures)."""
        import pandas as pd

        return {
            n: "<missing>" if pd.isna(self.row[n]) else str(self.row[n]) for n in self.feature_names
        }

    def __repr__(self) -> str:
        return f"RawSpace({self.n_features} fields, model={type(self.explainer.model).__name__})"
