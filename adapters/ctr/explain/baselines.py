"""What "off" means for a raw field: the baseline rows of a raw-row explainer.

A raw field that is off takes a baseline value instead of the instance's value. The choices
(``RawExplainer(off=...)``):

* ``"background"`` (default): ``n_background`` rows drawn (seeded, without replacement) from the
  reference (training) rows; the value of a mask is the **mean over those rows of the model's
  click logit** with the off fields taken from each background row (an interventional
  expectation, as SHAP's interventional explainers). Default because it is the only choice that
  is valid for every model and every instance: the inputs are real rows the model was trained
  on (no reliance on how a pipeline treats NaN or an unseen value: scikit-learn's
  ``OrdinalEncoder`` passes NaN through, a ``LabelEncoder`` raises, a gradient-boosted tree sends
  NaN down its majority branch when training had none), and an off field changes for nearly
  every instance (with ``"mode"`` a field whose value is the mode cannot be switched off at all:
  58% of the synthetic impressions are on a phone). It costs ``n_background`` model rows per
  mask.
* ``"mode"``: one row of typical values, the training mean of float columns and the most
  frequent value of every other column (integer columns are usually ids, whose mean means
  nothing). One model row per mask.
* ``"missing"``: one row of missing values (NaN; ``pd.NA`` for pandas' nullable types; integer
  columns become float to hold NaN), what interactkit's own encoder maps to its missing id 0 and
  what the paper means by off for a categorical field. Only for models that accept missing
  values.
* a ``DataFrame`` of baseline rows (averaged over, as ``"background"``), or a mapping/Series
  naming a value for every explained field (one row).

The mean over background rows is taken in logit space, not probability space: the explained
value is the logit, and a model additive in logit space (a gradient-boosted model, logistic
regression, the first-order part of an FM) stays additive after averaging, whereas
``logit(mean(p))`` couples every pair of fields through the sigmoid and shows interactions the
model does not have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from interactkit.adapters.ctr.data.schema import DataFormatError

if TYPE_CHECKING:  # pragma: no cover
    from typing import TypeAlias

    import pandas as pd

    Baseline: TypeAlias = str | pd.DataFrame | pd.Series | Mapping[str, object]

__all__ = ["BASELINES", "DEFAULT_N_BACKGROUND", "baseline_rows", "describe_baseline"]

BASELINES = ("background", "mode", "missing")
DEFAULT_N_BACKGROUND = 16
"""Background rows per mask by default: 16 rows bound the sampling error of the mean logit to
about a quarter of the between-row spread, at 16 model rows per mask."""


def baseline_rows(
    reference: pd.DataFrame,
    baseline: Baseline,
    features: Sequence[str],
    n_background: int = DEFAULT_N_BACKGROUND,
    seed: int = 0,
) -> pd.DataFrame:
    """The baseline rows ``DataFrame[K, columns]`` (reference column order and dtypes).

    Args:
        reference: the reference (training) rows of the model, ``DataFrame[N, columns]``.
        baseline: a strategy of :data:`BASELINES`, a DataFrame of rows, or a mapping / Series
            naming a value for every feature.
        features: the explained columns (only they are ever switched off).
        n_background: rows drawn for ``"background"``.
        seed: seed of the background draw.

    Returns:
        ``K`` rows: ``n_background`` (at most ``len(reference)``) for ``"background"``, the given
        rows for a DataFrame, one row otherwise.
    """
    import pandas as pd

    columns = list(reference.columns)
    if isinstance(baseline, str):
        if baseline not in BASELINES:
            raise ValueError(f"off must be one of {BASELINES} or rows, got {baseline!r}")
        if len(reference) == 0:
            raise DataFormatError("the reference rows are empty; give the model's training rows")
        if baseline == "background":
            if isinstance(n_background, bool) or int(n_background) < 1:
                raise ValueError(f"n_background must be >= 1, got {n_background}")
            k = min(int(n_background), len(reference))
            pick = np.sort(np.random.default_rng(seed).choice(len(reference), k, replace=False))
            return reference.iloc[pick].reset_index(drop=True)
        row = reference.iloc[[0]].reset_index(drop=True).copy()
        for name in features:
            column = reference[name]
            if baseline == "mode":
                row[name] = _same_dtype(_typical(column, name), column.dtype)
            else:
                row = _set_missing(row, name)
        return row
    if isinstance(baseline, pd.DataFrame):
        _check_columns(list(baseline.columns), columns, "the baseline rows")
        if len(baseline) == 0:
            raise DataFormatError("the baseline DataFrame has no rows")
        return baseline[columns].reset_index(drop=True)
    if isinstance(baseline, pd.Series | Mapping):
        given = dict(baseline.items())
        unknown = [k for k in given if k not in columns]
        if unknown:
            raise DataFormatError(f"the baseline names columns {unknown} the data does not have")
        lacking = [f for f in features if f not in given]
        if lacking:
            raise DataFormatError(
                f"the baseline gives no value for the explained fields {lacking}; name a value "
                "for every field or use off='background' / 'mode' / 'missing'"
            )
        row = reference.iloc[[0]].reset_index(drop=True).copy()
        for name, value in given.items():
            row[name] = _same_dtype(value, reference[name].dtype)
        return row[columns]
    raise TypeError(
        f"baseline must be one of {BASELINES}, a DataFrame or a mapping, got "
        f"{type(baseline).__name__}"
    )


def describe_baseline(baseline: Baseline, k: int) -> str:
    """A short description for reports, e.g. ``"background (16 training rows, mean logit)"``."""
    if isinstance(baseline, str):
        return {
            "background": f"background ({k} training rows, mean logit)",
            "mode": "mode (training mode; mean of float columns)",
            "missing": "missing (NaN)",
        }[baseline]
    return f"given ({k} row{'s' if k != 1 else ''}{', mean logit' if k > 1 else ''})"


def _check_columns(given: list[object], columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in given]
    extra = [c for c in given if c not in columns]
    if missing or extra:
        raise DataFormatError(
            f"{what} must have the data's columns: missing {missing}, unknown {extra}"
        )


def _same_dtype(value: object, dtype: object) -> pd.Series:
    """A one-row column holding ``value``, in ``dtype`` when it can hold it (else inferred)."""
    import pandas as pd

    try:
        column = pd.Series([value], dtype=dtype)
    except (TypeError, ValueError):
        return pd.Series([value], dtype=object if value is None else None)
    if pd.isna(column.iloc[0]) and not pd.isna(value):  # e.g. not one of the categories
        return pd.Series([value])
    return column


def _typical(column: pd.Series, name: str) -> object:
    import pandas as pd

    present = column.dropna()
    if len(present) == 0:
        raise DataFormatError(f"column {name!r} has no values in the reference rows")
    if pd.api.types.is_float_dtype(column):
        return float(present.mean())
    counts = present.value_counts(sort=True)
    return counts.index[0]


def _set_missing(row: pd.DataFrame, name: str) -> pd.DataFrame:
    import pandas as pd

    column = row[name]
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_float_dtype(dtype):
        row[name] = pd.Series([np.nan], dtype=dtype)
    elif pd.api.types.is_extension_array_dtype(dtype):
        row[name] = pd.Series([pd.NA], dtype=dtype)
    elif pd.api.types.is_integer_dtype(dtype):
        row[name] = np.nan  # float64: numpy integers cannot hold a missing value
    else:
        row[name] = pd.Series([np.nan], dtype=object)
    return row
